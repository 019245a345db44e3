/* v4l2loopback sink: the scope as a camera for video calls, OBS and browsers.
 *
 * The writer contract (streaming.md §2.3): open the device, S_FMT on the OUTPUT type and
 * read the format back, because a device that a reader still holds (or that has
 * keep_format=1) silently keeps its old format and a mismatch shows as pink and green
 * garbage; S_PARM for the frame rate readers see; then one write() of exactly sizeimage
 * bytes per frame, since v4l2loopback turns every write() into one frame. A placeholder
 * frame is written at once, because Chrome-based apps list an exclusive_caps=1 device as
 * a camera only while a writer is active, and the device stays open for the whole run
 * (closing it makes the device announce OUTPUT again and Chrome drops it). */
#include "stream/v4l2.h"

#include "image/yuv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

typedef struct v4l2_sink {
    sc_sink base;
    sc_v4l2_io io;
    int fd;
    sc_v4l2_format format; /* what is written: the wanted one, or the device's locked one */
    int width, height;
    uint32_t bytesperline;
    uint32_t sizeimage;
    uint8_t *buf;          /* sizeimage bytes, when the device's layout has padding */
    bool warned_short;
} v4l2_sink;

/* ---- the real system calls ---- */
static int sys_open(void *ctx, const char *path, int flags)
{
    (void)ctx;
    return open(path, flags);
}

static int sys_ioctl(void *ctx, int fd, unsigned long request, void *arg)
{
    (void)ctx;
    int r;
    do
        r = ioctl(fd, request, arg);
    while (r < 0 && errno == EINTR);
    return r;
}

static ssize_t sys_write(void *ctx, int fd, const void *data, size_t n)
{
    (void)ctx;
    return write(fd, data, n);
}

static int sys_close(void *ctx, int fd)
{
    (void)ctx;
    return close(fd);
}

const sc_v4l2_io sc_v4l2_system_io = { sys_open, sys_ioctl, sys_write, sys_close, NULL };

/* ---- formats ---- */
static const struct {
    sc_v4l2_format f;
    const char *name;
    uint32_t fourcc;
} formats[] = {
    { SC_V4L2_YUYV, "yuyv", V4L2_PIX_FMT_YUYV },
    { SC_V4L2_I420, "i420", V4L2_PIX_FMT_YUV420 },
    { SC_V4L2_MJPEG, "mjpeg", V4L2_PIX_FMT_MJPEG },
};

sc_status sc_v4l2_format_parse(const char *text, sc_v4l2_format *out, sc_error *err)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcasecmp(text, formats[i].name) == 0) {
            *out = formats[i].f;
            return SC_OK;
        }
    if (strcasecmp(text, "yu12") == 0 || strcasecmp(text, "yuv420") == 0) {
        *out = SC_V4L2_I420;
        return SC_OK;
    }
    return sc_error_set(err, SC_ERR_USAGE, "v4l2 format \"%s\": use yuyv (the default), i420 or mjpeg", text);
}

const char *sc_v4l2_format_name(sc_v4l2_format f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].f == f)
            return formats[i].name;
    return "?";
}

static uint32_t fourcc_of(sc_v4l2_format f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].f == f)
            return formats[i].fourcc;
    return 0;
}

static bool format_of_fourcc(uint32_t fourcc, sc_v4l2_format *out)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].fourcc == fourcc) {
            *out = formats[i].f;
            return true;
        }
    return false;
}

static void fourcc_text(uint32_t fourcc, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)((fourcc >> (8 * i)) & 0xff);
        out[i] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    out[4] = '\0';
}

/* Bytes a row and a frame need, without padding. */
static uint32_t natural_bytesperline(sc_v4l2_format f, int w)
{
    return f == SC_V4L2_YUYV ? (uint32_t)sc_yuyv_row_bytes(w) : f == SC_V4L2_I420 ? (uint32_t)w : 0;
}

static uint32_t natural_sizeimage(sc_v4l2_format f, int w, int h)
{
    switch (f) {
    case SC_V4L2_YUYV: return (uint32_t)sc_yuyv_size(w, h);
    case SC_V4L2_I420: return (uint32_t)sc_i420_size(w, h);
    case SC_V4L2_MJPEG: return (uint32_t)w * (uint32_t)h * 2; /* room for any sane JPEG of it */
    }
    return 0;
}

/* ---- negotiation ---- */
static sc_status open_device(v4l2_sink *v, const char *device, sc_error *err)
{
    v->fd = v->io.open(v->io.ctx, device, O_RDWR | O_CLOEXEC);
    if (v->fd >= 0)
        return SC_OK;
    int e = errno;
    if (e == ENOENT)
        return sc_error_set(err, SC_ERR_IO,
                            "v4l2: %s does not exist: load v4l2loopback first (sudo modprobe v4l2loopback exclusive_caps=1 card_label=Scope)",
                            device);
    if (e == EACCES || e == EPERM)
        return sc_error_set(err, SC_ERR_IO, "v4l2: no permission to open %s: add yourself to the video group", device);
    return sc_error_set(err, SC_ERR_IO, "v4l2: cannot open %s: %s", device, strerror(e));
}

static sc_status check_caps(v4l2_sink *v, sc_error *err)
{
    struct v4l2_capability cap;
    memset(&cap, 0, sizeof cap);
    if (v->io.ioctl(v->io.ctx, v->fd, VIDIOC_QUERYCAP, &cap) < 0)
        return sc_error_set(err, SC_ERR_IO, "v4l2: %s is not a video device (VIDIOC_QUERYCAP: %s)", v->base.where,
                            strerror(errno));
    uint32_t caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_OUTPUT))
        return sc_error_set(err, SC_ERR_IO,
                            "v4l2: %s (%.32s) takes no video output; use a v4l2loopback device, and if it is one, close the programs reading it (with exclusive_caps=1 it turns capture-only while they hold it)",
                            v->base.where, (const char *)cap.card);
    if (strncmp((const char *)cap.driver, "v4l2 loopback", sizeof cap.driver) != 0)
        sc_info("v4l2: %s is driven by \"%.16s\", not v4l2loopback; trying anyway", v->base.where,
                (const char *)cap.driver);
    return SC_OK;
}

static void describe_format(const struct v4l2_pix_format *p, char *out, size_t cap)
{
    char cc[5];
    fourcc_text(p->pixelformat, cc);
    snprintf(out, cap, "%ux%u %s", p->width, p->height, cc);
}

/* The device answered S_FMT with something else than asked: use it if we can write it. */
static sc_status accept_locked_format(v4l2_sink *v, const struct v4l2_pix_format *got, sc_error *err)
{
    char have[64];
    describe_format(got, have, sizeof have);
    sc_v4l2_format f;
    bool writable = format_of_fourcc(got->pixelformat, &f);
    if (got->width != (uint32_t)v->width || got->height != (uint32_t)v->height || !writable)
        return sc_error_set(err, SC_ERR_IO,
                            "v4l2: %s is locked to %s, but the stream is %dx%d %s: close the programs using it, or clear its keep_format control, or reload the module (modprobe -r v4l2loopback), or pass --size and --format to match",
                            v->base.where, have, v->width, v->height, sc_v4l2_format_name(v->format));
    sc_warn("v4l2: %s is locked to %s (a reader holds it, or keep_format=1): writing %s instead of %s",
            v->base.where, have, sc_v4l2_format_name(f), sc_v4l2_format_name(v->format));
    v->format = f;
    return SC_OK;
}

static sc_status set_format(v4l2_sink *v, sc_error *err)
{
    struct v4l2_format fmt;
    memset(&fmt, 0, sizeof fmt);
    fmt.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    if (v->io.ioctl(v->io.ctx, v->fd, VIDIOC_G_FMT, &fmt) < 0)
        return sc_error_set(err, SC_ERR_IO, "v4l2: %s: VIDIOC_G_FMT on the output failed: %s", v->base.where,
                            strerror(errno));
    fmt.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    fmt.fmt.pix.width = (uint32_t)v->width;
    fmt.fmt.pix.height = (uint32_t)v->height;
    fmt.fmt.pix.pixelformat = fourcc_of(v->format);
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    fmt.fmt.pix.bytesperline = natural_bytesperline(v->format, v->width);
    fmt.fmt.pix.sizeimage = natural_sizeimage(v->format, v->width, v->height);
    fmt.fmt.pix.colorspace = V4L2_COLORSPACE_SMPTE170M;
    if (v->io.ioctl(v->io.ctx, v->fd, VIDIOC_S_FMT, &fmt) < 0)
        return sc_error_set(err, SC_ERR_IO,
                            "v4l2: %s refused %dx%d %s (VIDIOC_S_FMT: %s): another program may be writing to it",
                            v->base.where, v->width, v->height, sc_v4l2_format_name(v->format), strerror(errno));
    /* read it back: what S_FMT returned may already differ, and G_FMT is what readers get */
    memset(&fmt, 0, sizeof fmt);
    fmt.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    if (v->io.ioctl(v->io.ctx, v->fd, VIDIOC_G_FMT, &fmt) < 0)
        return sc_error_set(err, SC_ERR_IO, "v4l2: %s: reading the format back failed: %s", v->base.where,
                            strerror(errno));
    const struct v4l2_pix_format *got = &fmt.fmt.pix;
    if (got->pixelformat != fourcc_of(v->format) || got->width != (uint32_t)v->width ||
        got->height != (uint32_t)v->height) {
        sc_status st = accept_locked_format(v, got, err);
        if (st != SC_OK)
            return st;
    }
    uint32_t min_bpl = natural_bytesperline(v->format, v->width);
    uint32_t min_size = v->format == SC_V4L2_MJPEG ? 0 : natural_sizeimage(v->format, v->width, v->height);
    v->bytesperline = got->bytesperline ? got->bytesperline : min_bpl;
    v->sizeimage = got->sizeimage ? got->sizeimage : natural_sizeimage(v->format, v->width, v->height);
    if (v->bytesperline < min_bpl || v->sizeimage < min_size ||
        (v->format == SC_V4L2_I420 &&
         (uint64_t)v->bytesperline * (uint64_t)v->height * 3 / 2 > v->sizeimage))
        return sc_error_set(err, SC_ERR_IO,
                            "v4l2: %s reports %u bytes a row and %u a frame, too small for %dx%d %s (a broken driver?)",
                            v->base.where, v->bytesperline, v->sizeimage, v->width, v->height,
                            sc_v4l2_format_name(v->format));
    return SC_OK;
}

static void set_rate(v4l2_sink *v)
{
    struct v4l2_streamparm p;
    memset(&p, 0, sizeof p);
    p.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    p.parm.output.capability = V4L2_CAP_TIMEPERFRAME;
    p.parm.output.timeperframe.numerator = 1;
    p.parm.output.timeperframe.denominator = (uint32_t)v->base.o.fps;
    /* not fatal: readers then see the driver's default rate, frames still flow */
    if (v->io.ioctl(v->io.ctx, v->fd, VIDIOC_S_PARM, &p) < 0)
        sc_warn("v4l2: %s did not take %d fps (VIDIOC_S_PARM: %s); readers see its default rate", v->base.where,
                v->base.o.fps, strerror(errno));
}

/* ---- frames ---- */

/* The frame in the device's exact layout: a blob when it needs no padding, else `buf`. */
static sc_status layout_frame(v4l2_sink *v, sc_frame *f, sc_blob **blob, const uint8_t **data, size_t *len,
                              sc_error *err)
{
    *blob = NULL;
    if (v->format == SC_V4L2_MJPEG) {
        *blob = sc_frame_jpeg(f, v->base.o.jpeg_quality, err);
        if (!*blob)
            return err->code;
        *data = sc_blob_data(*blob);
        *len = sc_blob_len(*blob);
        if (*len > v->sizeimage) {
            sc_blob_unref(*blob);
            *blob = NULL;
            return sc_error_set(err, SC_ERR_TOO_LARGE, "v4l2: a %zu-byte JPEG does not fit the device's %u-byte buffer",
                                *len, v->sizeimage);
        }
        return SC_OK;
    }
    bool packed = v->bytesperline == natural_bytesperline(v->format, v->width) &&
                  v->sizeimage == natural_sizeimage(v->format, v->width, v->height);
    if (packed) {
        *blob = v->format == SC_V4L2_YUYV ? sc_frame_yuyv(f, err) : sc_frame_i420(f, err);
        if (!*blob)
            return err->code;
        *data = sc_blob_data(*blob);
        *len = sc_blob_len(*blob);
        return SC_OK;
    }
    const sc_raster *r = sc_frame_raster(f);
    sc_rgb_view view = { r->pixels, (ptrdiff_t)r->stride, r->width, r->height, SC_PIXELS_RGB };
    memset(v->buf, 0, v->sizeimage);
    if (v->format == SC_V4L2_YUYV) {
        sc_rgb_to_yuyv(&view, v->buf, v->bytesperline);
    } else {
        size_t y_size = (size_t)v->bytesperline * (size_t)v->height;
        size_t c_stride = v->bytesperline / 2, c_size = c_stride * (((size_t)v->height + 1) / 2);
        sc_rgb_to_i420_planes(&view, v->buf, v->bytesperline, v->buf + y_size, v->buf + y_size + c_size, c_stride);
    }
    *data = v->buf;
    *len = v->sizeimage;
    return SC_OK;
}

static sc_status write_frame(v4l2_sink *v, sc_frame *f, sc_error *err)
{
    sc_blob *blob = NULL;
    const uint8_t *data = NULL;
    size_t len = 0;
    sc_status st = layout_frame(v, f, &blob, &data, &len, err);
    if (st != SC_OK)
        return st;
    /* one write() is one frame to v4l2loopback: never split it, never loop on it */
    ssize_t w = v->io.write(v->io.ctx, v->fd, data, len);
    int e = errno;
    sc_blob_unref(blob);
    if (w < 0)
        return sc_error_set(err, SC_ERR_IO, "v4l2: writing a frame to %s failed: %s", v->base.where, strerror(e));
    if ((size_t)w != len && !v->warned_short) {
        sc_warn("v4l2: %s took %zd of %zu bytes of a frame (its buffers are smaller than the format says)",
                v->base.where, w, len);
        v->warned_short = true;
    }
    return SC_OK;
}

static void *v4l2_main(void *arg)
{
    v4l2_sink *v = arg;
    sc_sink *k = &v->base;
    sc_cadence c;
    sc_cadence_init(&c, k->o.fps);
    sc_error err;
    while (sc_cadence_wait(&c, k)) {
        sc_frame *f = sc_stream_latest(k->stream);
        bool counts = f->kind != SC_FRAME_PLACEHOLDER;
        sc_status st = write_frame(v, f, &err);
        sc_frame_unref(f);
        if (st != SC_OK) {
            sc_sink_fail(k, &err);
            return NULL;
        }
        if (counts && sc_sink_count_frame(k))
            return NULL;
        if (k->o.max_frames <= 0 && sc_stream_finished(k->stream))
            break;
    }
    sc_sink_mark_done(k);
    return NULL;
}

static void v4l2_destroy(sc_sink *k)
{
    v4l2_sink *v = (v4l2_sink *)k;
    if (v->fd >= 0)
        v->io.close(v->io.ctx, v->fd);
    v->fd = -1;
    free(v->buf);
}

static const sc_sink_ops v4l2_ops = { .name = "v4l2", .destroy = v4l2_destroy };

static sc_status negotiate(v4l2_sink *v, const char *device, sc_error *err)
{
    sc_status st = open_device(v, device, err);
    if (st == SC_OK)
        st = check_caps(v, err);
    if (st == SC_OK)
        st = set_format(v, err);
    if (st != SC_OK)
        return st;
    set_rate(v);
    v->buf = malloc(v->sizeimage ? v->sizeimage : 1);
    if (!v->buf)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory for a %u-byte v4l2 frame", v->sizeimage);
    /* the placeholder: the device must have a writer before apps enumerate cameras */
    sc_frame *f = sc_stream_latest(v->base.stream);
    st = write_frame(v, f, err);
    sc_frame_unref(f);
    return st;
}

sc_status sc_sink_v4l2_open_io(sc_stream *s, const char *device, const sc_sink_options *o, const sc_v4l2_io *io,
                               sc_sink **out, sc_error *err)
{
    *out = NULL;
    if (o->fps < 1 || o->fps > 240)
        return sc_error_set(err, SC_ERR_USAGE, "v4l2: --fps %d is outside 1..240", o->fps);
    v4l2_sink *v = calloc(1, sizeof *v);
    if (!v)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    sc_sink_base_init(&v->base, &v4l2_ops, s, o);
    v->io = *io;
    v->fd = -1;
    v->format = o->v4l2_format;
    v->width = sc_stream_width(s);
    v->height = sc_stream_height(s);
    snprintf(v->base.where, sizeof v->base.where, "%s", device);
    sc_status st = negotiate(v, device, err);
    if (st == SC_OK) {
        sc_info("v4l2: writing %dx%d %s at %d fps to %s (%u bytes a frame)", v->width, v->height,
                sc_v4l2_format_name(v->format), o->fps, device, v->sizeimage);
        st = sc_sink_start_thread(&v->base, v4l2_main, err);
    }
    if (st != SC_OK) {
        v4l2_destroy(&v->base);
        sc_sink_base_destroy(&v->base);
        free(v);
        return st;
    }
    *out = &v->base;
    return SC_OK;
}

sc_status sc_sink_v4l2_open(sc_stream *s, const char *device, const sc_sink_options *o, sc_sink **out, sc_error *err)
{
    return sc_sink_v4l2_open_io(s, device, o, &sc_v4l2_system_io, out, err);
}
