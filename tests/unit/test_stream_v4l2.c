/* The v4l2loopback sink against a fake device: the ioctl sequence of the writer
 * contract, the placeholder written first, one write() of exactly sizeimage bytes per
 * frame, a device locked to another format (refused, or adapted to when we can write
 * it), padded rows, MJPEG, and the errors for a missing or capture-only device. */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scopecap/render.h"
#include "stream/v4l2.h"

#define W 64
#define H 32
#define FAKE_FD 42
#define MAX_CALLS 64
#define MAX_WRITES 512

typedef struct fake_dev {
    /* behaviour */
    bool missing;
    bool capture_only;
    bool locked;             /* S_FMT keeps `fmt` as it is */
    uint32_t pad_bytesperline; /* added to every row */
    /* state */
    struct v4l2_format fmt;
    struct v4l2_fract timeperframe;
    const char *calls[MAX_CALLS];
    int ncalls;
    size_t write_len[MAX_WRITES];
    uint8_t write_first[MAX_WRITES][2];
    int nwrites;
    uint8_t *first_write;
    size_t first_len;
    bool closed;
} fake_dev;

static void record(fake_dev *d, const char *what)
{
    if (d->ncalls < MAX_CALLS)
        d->calls[d->ncalls++] = what;
}

static int fake_open(void *ctx, const char *path, int flags)
{
    fake_dev *d = ctx;
    (void)path;
    assert_true((flags & O_ACCMODE) == O_RDWR);
    record(d, "open");
    if (d->missing) {
        errno = ENOENT;
        return -1;
    }
    return FAKE_FD;
}

static void set_sizes(fake_dev *d, struct v4l2_pix_format *p)
{
    uint32_t bpl = p->pixelformat == V4L2_PIX_FMT_YUYV ? p->width * 2 : p->pixelformat == V4L2_PIX_FMT_YUV420 ? p->width : 0;
    if (bpl)
        bpl += d->pad_bytesperline;
    p->bytesperline = bpl;
    p->sizeimage = p->pixelformat == V4L2_PIX_FMT_YUYV ? bpl * p->height
                   : p->pixelformat == V4L2_PIX_FMT_YUV420 ? bpl * p->height * 3 / 2
                                                            : p->width * p->height * 4;
}

static int fake_ioctl(void *ctx, int fd, unsigned long request, void *arg)
{
    fake_dev *d = ctx;
    assert_int_equal(fd, FAKE_FD);
    switch (request) {
    case VIDIOC_QUERYCAP: {
        record(d, "QUERYCAP");
        struct v4l2_capability *c = arg;
        memset(c, 0, sizeof *c);
        snprintf((char *)c->driver, sizeof c->driver, "v4l2 loopback");
        snprintf((char *)c->card, sizeof c->card, "Fake Scope");
        c->device_caps = d->capture_only ? V4L2_CAP_VIDEO_CAPTURE : V4L2_CAP_VIDEO_OUTPUT;
        c->capabilities = c->device_caps | V4L2_CAP_DEVICE_CAPS;
        return 0;
    }
    case VIDIOC_G_FMT: {
        record(d, "G_FMT");
        struct v4l2_format *f = arg;
        assert_int_equal(f->type, V4L2_BUF_TYPE_VIDEO_OUTPUT);
        *f = d->fmt;
        return 0;
    }
    case VIDIOC_S_FMT: {
        record(d, "S_FMT");
        struct v4l2_format *f = arg;
        assert_int_equal(f->type, V4L2_BUF_TYPE_VIDEO_OUTPUT);
        if (!d->locked) {
            d->fmt = *f;
            set_sizes(d, &d->fmt.fmt.pix);
        }
        *f = d->fmt; /* like v4l2loopback: the answer is the device's format */
        return 0;
    }
    case VIDIOC_S_PARM: {
        record(d, "S_PARM");
        struct v4l2_streamparm *p = arg;
        assert_int_equal(p->type, V4L2_BUF_TYPE_VIDEO_OUTPUT);
        d->timeperframe = p->parm.output.timeperframe;
        return 0;
    }
    default:
        record(d, "other");
        errno = ENOTTY;
        return -1;
    }
}

static ssize_t fake_write(void *ctx, int fd, const void *data, size_t n)
{
    fake_dev *d = ctx;
    assert_int_equal(fd, FAKE_FD);
    if (d->nwrites == 0) {
        d->first_write = malloc(n);
        assert_non_null(d->first_write);
        memcpy(d->first_write, data, n);
        d->first_len = n;
    }
    if (d->nwrites < MAX_WRITES) {
        d->write_len[d->nwrites] = n;
        memcpy(d->write_first[d->nwrites], data, n >= 2 ? 2 : n);
    }
    d->nwrites++;
    return (ssize_t)n;
}

static int fake_close(void *ctx, int fd)
{
    fake_dev *d = ctx;
    assert_int_equal(fd, FAKE_FD);
    d->closed = true;
    return 0;
}

static sc_v4l2_io fake_io(fake_dev *d)
{
    return (sc_v4l2_io){ fake_open, fake_ioctl, fake_write, fake_close, d };
}

static void fake_init(fake_dev *d)
{
    memset(d, 0, sizeof *d);
    d->fmt.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    d->fmt.fmt.pix.width = 640;
    d->fmt.fmt.pix.height = 480;
    d->fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    set_sizes(d, &d->fmt.fmt.pix);
}

/* ---- a source of distinct flat frames, shade 100, 101, ... ---- */
static sc_status produce(void *ctx, sc_frame_input *in, sc_error *err)
{
    int *n = ctx;
    if (!in->raster.pixels && sc_raster_alloc(&in->raster, W, H, err) != SC_OK)
        return err->code;
    uint8_t shade = (uint8_t)(100 + (*n)++ % 100);
    sc_draw_fill(&in->raster, (sc_rgb){ shade, shade, shade });
    in->use_raster = true;
    return SC_OK;
}

static sc_stream *make_stream(int *counter)
{
    sc_stream_options o = { .width = W, .height = H, .what = "fake" };
    sc_stream *s = NULL;
    sc_error err;
    assert_int_equal(sc_stream_new(sc_callback_source_new("fake source", produce, counter, 2), &o, &s, &err), SC_OK);
    return s;
}

static void wait_done(sc_sink *k)
{
    for (int i = 0; i < 1000; i++) {
        sc_sink_stats st;
        sc_sink_get_stats(k, &st);
        if (st.done)
            return;
        struct timespec ts = { 0, 5 * 1000000 };
        nanosleep(&ts, NULL);
    }
    fail_msg("the v4l2 sink did not finish in 5 s");
}

static int calls_index(const fake_dev *d, const char *what, int from)
{
    for (int i = from; i < d->ncalls; i++)
        if (strcmp(d->calls[i], what) == 0)
            return i;
    return -1;
}

static void test_contract_sequence_and_writes(void **state)
{
    (void)state;
    fake_dev d;
    fake_init(&d);
    sc_v4l2_io io = fake_io(&d);
    int counter = 0;
    sc_stream *s = make_stream(&counter);
    sc_frame *placeholder = sc_stream_latest(s);
    sc_error err;
    sc_blob *want_first = sc_frame_yuyv(placeholder, &err);
    assert_non_null(want_first);

    sc_sink_options o = { .fps = 100, .max_frames = 3, .v4l2_format = SC_V4L2_YUYV };
    sc_sink *k = NULL;
    assert_int_equal(sc_sink_v4l2_open_io(s, "/dev/video10", &o, &io, &k, &err), SC_OK);
    /* before the source runs at all, the device already has the placeholder */
    assert_int_equal(d.nwrites, 1);
    assert_int_equal(d.first_len, (size_t)W * H * 2);
    assert_memory_equal(d.first_write, sc_blob_data(want_first), sc_blob_len(want_first));

    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    wait_done(k);
    sc_sink_stats st;
    sc_sink_get_stats(k, &st);
    assert_int_equal(st.frames, 3);
    assert_false(st.failed);
    assert_false(d.closed); /* the device stays open for the whole run */
    sc_sink_close(k);
    assert_true(d.closed);

    /* open, QUERYCAP, G_FMT, S_FMT, read back with G_FMT, then S_PARM */
    const char *want[] = { "open", "QUERYCAP", "G_FMT", "S_FMT", "G_FMT", "S_PARM" };
    assert_true(d.ncalls >= 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(d.calls[i], want[i]);
    assert_int_equal(calls_index(&d, "other", 0), -1);
    assert_int_equal(d.fmt.fmt.pix.width, W);
    assert_int_equal(d.fmt.fmt.pix.height, H);
    assert_int_equal(d.fmt.fmt.pix.pixelformat, V4L2_PIX_FMT_YUYV);
    assert_int_equal(d.fmt.fmt.pix.field, V4L2_FIELD_NONE);
    assert_int_equal(d.timeperframe.numerator, 1);
    assert_int_equal(d.timeperframe.denominator, 100);

    /* every write one whole frame; exactly 3 after the first live one */
    int first_live = -1;
    uint8_t placeholder_y = d.write_first[0][0];
    for (int i = 0; i < d.nwrites; i++) {
        assert_int_equal(d.write_len[i], (size_t)W * H * 2);
        if (first_live < 0 && d.write_first[i][0] != placeholder_y)
            first_live = i;
    }
    assert_true(first_live >= 1);
    assert_int_equal(d.nwrites - first_live, 3);
    sc_blob_unref(want_first);
    sc_frame_unref(placeholder);
    free(d.first_write);
    sc_stream_free(s);
}

static void test_locked_to_another_size_is_refused(void **state)
{
    (void)state;
    fake_dev d;
    fake_init(&d);
    d.locked = true; /* 640x480 YUYV stays */
    sc_v4l2_io io = fake_io(&d);
    int counter = 0;
    sc_stream *s = make_stream(&counter);
    sc_sink_options o = { .fps = 10, .v4l2_format = SC_V4L2_YUYV };
    sc_sink *k = NULL;
    sc_error err;
    assert_int_equal(sc_sink_v4l2_open_io(s, "/dev/video10", &o, &io, &k, &err), SC_ERR_IO);
    assert_null(k);
    assert_non_null(strstr(err.message, "locked to 640x480 YUYV"));
    assert_non_null(strstr(err.message, "64x32"));
    assert_int_equal(d.nwrites, 0); /* nothing garbled was written */
    assert_true(d.closed);
    sc_stream_free(s);
}

static void test_locked_to_another_format_is_adapted(void **state)
{
    (void)state;
    fake_dev d;
    fake_init(&d);
    d.fmt.fmt.pix.width = W;
    d.fmt.fmt.pix.height = H;
    d.fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUV420;
    set_sizes(&d, &d.fmt.fmt.pix);
    d.locked = true;
    sc_v4l2_io io = fake_io(&d);
    int counter = 0;
    sc_stream *s = make_stream(&counter);
    sc_sink_options o = { .fps = 100, .max_frames = 2, .v4l2_format = SC_V4L2_YUYV };
    sc_sink *k = NULL;
    sc_error err;
    assert_int_equal(sc_sink_v4l2_open_io(s, "/dev/video10", &o, &io, &k, &err), SC_OK);
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    wait_done(k);
    sc_sink_close(k);
    assert_true(d.nwrites >= 3);
    for (int i = 0; i < d.nwrites; i++)
        assert_int_equal(d.write_len[i], (size_t)W * H * 3 / 2);
    free(d.first_write);
    sc_stream_free(s);
}

static void test_padded_rows(void **state)
{
    (void)state;
    fake_dev d;
    fake_init(&d);
    d.pad_bytesperline = 16;
    sc_v4l2_io io = fake_io(&d);
    int counter = 0;
    sc_stream *s = make_stream(&counter);
    sc_sink_options o = { .fps = 100, .max_frames = 1, .v4l2_format = SC_V4L2_YUYV };
    sc_sink *k = NULL;
    sc_error err;
    assert_int_equal(sc_sink_v4l2_open_io(s, "/dev/video10", &o, &io, &k, &err), SC_OK);
    sc_frame *f = sc_stream_latest(s);
    sc_blob *packed = sc_frame_yuyv(f, &err);
    size_t bpl = (size_t)W * 2 + 16;
    assert_int_equal(d.first_len, bpl * H);
    for (int y = 0; y < H; y++) {
        assert_memory_equal(d.first_write + y * bpl, sc_blob_data(packed) + (size_t)y * W * 2, (size_t)W * 2);
        for (size_t x = (size_t)W * 2; x < bpl; x++)
            assert_int_equal(d.first_write[y * bpl + x], 0);
    }
    sc_blob_unref(packed);
    sc_frame_unref(f);
    sc_sink_close(k);
    free(d.first_write);
    sc_stream_free(s);
}

static void test_mjpeg(void **state)
{
    (void)state;
    fake_dev d;
    fake_init(&d);
    sc_v4l2_io io = fake_io(&d);
    int counter = 0;
    sc_stream *s = make_stream(&counter);
    sc_sink_options o = { .fps = 100, .max_frames = 2, .v4l2_format = SC_V4L2_MJPEG, .jpeg_quality = 70 };
    sc_sink *k = NULL;
    sc_error err;
    assert_int_equal(sc_sink_v4l2_open_io(s, "/dev/video10", &o, &io, &k, &err), SC_OK);
    assert_int_equal(d.fmt.fmt.pix.pixelformat, V4L2_PIX_FMT_MJPEG);
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    wait_done(k);
    sc_sink_close(k);
    for (int i = 0; i < d.nwrites && i < MAX_WRITES; i++) {
        assert_int_equal(d.write_first[i][0], 0xFF);
        assert_int_equal(d.write_first[i][1], 0xD8);
        assert_true(d.write_len[i] < d.fmt.fmt.pix.sizeimage);
    }
    free(d.first_write);
    sc_stream_free(s);
}

static void test_device_errors(void **state)
{
    (void)state;
    int counter = 0;
    sc_stream *s = make_stream(&counter);
    sc_sink_options o = { .fps = 10 };
    sc_sink *k = NULL;
    sc_error err;

    fake_dev d;
    fake_init(&d);
    d.missing = true;
    sc_v4l2_io io = fake_io(&d);
    assert_int_equal(sc_sink_v4l2_open_io(s, "/dev/video99", &o, &io, &k, &err), SC_ERR_IO);
    assert_non_null(strstr(err.message, "does not exist"));
    assert_non_null(strstr(err.message, "modprobe v4l2loopback"));

    fake_init(&d);
    d.capture_only = true;
    io = fake_io(&d);
    assert_int_equal(sc_sink_v4l2_open_io(s, "/dev/video0", &o, &io, &k, &err), SC_ERR_IO);
    assert_non_null(strstr(err.message, "takes no video output"));
    assert_true(d.closed);

    o.fps = 0;
    assert_int_equal(sc_sink_v4l2_open_io(s, "/dev/video0", &o, &io, &k, &err), SC_ERR_USAGE);

    sc_v4l2_format f;
    assert_int_equal(sc_v4l2_format_parse("I420", &f, &err), SC_OK);
    assert_int_equal(f, SC_V4L2_I420);
    assert_int_equal(sc_v4l2_format_parse("mjpeg", &f, &err), SC_OK);
    assert_int_equal(f, SC_V4L2_MJPEG);
    assert_int_equal(sc_v4l2_format_parse("rgb24", &f, &err), SC_ERR_USAGE);
    sc_stream_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_sequence_and_writes),
        cmocka_unit_test(test_locked_to_another_size_is_refused),
        cmocka_unit_test(test_locked_to_another_format_is_adapted),
        cmocka_unit_test(test_padded_rows),
        cmocka_unit_test(test_mjpeg),
        cmocka_unit_test(test_device_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
