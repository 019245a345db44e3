/* Record sink: numbered files, DIR/frame-000001.png, ...
 *
 * Without a frame count only frames that differ are written (a frozen screen makes no new
 * files); with --frames N every capture is a frame, so N files come even from a still
 * screen (repeats are written from the same encoding, never encoded again). Like every
 * sink it takes the newest frame: if encoding PNGs is slower than the scope, captures are
 * skipped rather than queued. Files are written whole or not at all and never
 * overwrite an existing file, so recording twice into one folder fails loudly instead of
 * mixing two runs. */
#include "stream/stream_internal.h"

#include "scopecap/output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct record_sink {
    sc_sink base;
    char dir[256];
    sc_buf encoded;
    uint64_t encoded_seq; /* the frame `encoded` holds (0: none) */
} record_sink;

/* Encode the frame unless `encoded` holds it already (a capture identical to the last). */
static sc_status encode(record_sink *r, sc_frame *f, sc_error *err)
{
    sc_sink *k = &r->base;
    if (r->encoded_seq == f->seq)
        return SC_OK;
    r->encoded_seq = 0;
    sc_buf_reset(&r->encoded);
    sc_status st;
    if (k->o.record_format == SC_IMAGE_JPEG) {
        sc_blob *b = sc_frame_jpeg(f, k->o.jpeg_quality, err);
        if (!b)
            return err->code;
        st = sc_buf_append(&r->encoded, sc_blob_data(b), sc_blob_len(b), err);
        sc_blob_unref(b);
    } else {
        st = sc_frame_png(f, &r->encoded, err);
    }
    if (st == SC_OK)
        r->encoded_seq = f->seq;
    return st;
}

static sc_status write_one(record_sink *r, sc_frame *f, uint64_t n, sc_error *err)
{
    sc_status st = encode(r, f, err);
    if (st != SC_OK)
        return st;
    char path[512];
    snprintf(path, sizeof path, "%s/frame-%06llu.%s", r->dir, (unsigned long long)n,
             sc_image_format_extension(r->base.o.record_format));
    return sc_output_write_atomic(path, r->encoded.data, r->encoded.len, false, err);
}

/* The next frame to write, or NULL when it is time to end. With a frame count every
 * capture is one (a still screen's repeats are written again from the same encoding, so
 * --frames N gives N files); without one only frames that differ are. */
static sc_frame *next_frame(record_sink *r, uint64_t *seen, uint64_t *capture)
{
    sc_sink *k = &r->base;
    uint64_t after_capture = k->o.max_frames > 0 ? *capture : UINT64_MAX;
    while (!sc_waiter_stopped(&k->waiter)) {
        uint64_t now = 0;
        /* short waits so a stop request is seen */
        sc_frame *f = sc_stream_wait_event(k->stream, *seen, after_capture, sc_deadline_in_ms(200), &now);
        if (!f)
            continue;
        bool news = f->seq > *seen || (k->o.max_frames > 0 && now > *capture);
        if (news) {
            *seen = f->seq;
            *capture = now;
            return f;
        }
        sc_frame_unref(f);
        if (sc_stream_finished(k->stream))
            return NULL;
    }
    return NULL;
}

static void *record_main(void *arg)
{
    record_sink *r = arg;
    sc_sink *k = &r->base;
    sc_error err;
    sc_frame *f = sc_sink_wait_first_frame(k);
    sc_stream_stats stats;
    sc_stream_get_stats(k->stream, &stats);
    uint64_t capture = stats.captures, seen = f ? f->seq : 0;
    while (f) {
        sc_status st = write_one(r, f, k->frames + 1, &err);
        sc_frame_unref(f);
        if (st != SC_OK) {
            sc_sink_fail(k, &err);
            return NULL;
        }
        if (sc_sink_count_frame(k))
            return NULL;
        f = next_frame(r, &seen, &capture);
    }
    sc_sink_mark_done(k);
    return NULL;
}

static void record_destroy(sc_sink *k)
{
    record_sink *r = (record_sink *)k;
    sc_buf_free(&r->encoded);
}

static const sc_sink_ops record_ops = { .name = "record", .destroy = record_destroy };

static sc_status prepare_dir(const char *dir, sc_error *err)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat sb;
        if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
            return SC_OK;
        return sc_error_set(err, SC_ERR_IO, "record: %s exists and is not a folder", dir);
    }
    return sc_error_set(err, SC_ERR_IO, "record: cannot create the folder %s: %s", dir, strerror(errno));
}

sc_status sc_sink_record_open(sc_stream *s, const char *dir, const sc_sink_options *o, sc_sink **out, sc_error *err)
{
    *out = NULL;
    if (o->record_format != SC_IMAGE_PNG && o->record_format != SC_IMAGE_JPEG)
        return sc_error_set(err, SC_ERR_USAGE, "record: frames are saved as png or jpeg, not %s",
                            sc_image_format_name(o->record_format));
    if (strlen(dir) == 0 || strlen(dir) > 200)
        return sc_error_set(err, SC_ERR_USAGE, "record: the folder name must have 1..200 characters");
    sc_status st = prepare_dir(dir, err);
    if (st != SC_OK)
        return st;
    record_sink *r = calloc(1, sizeof *r);
    if (!r)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    sc_sink_base_init(&r->base, &record_ops, s, o);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    snprintf(r->base.where, sizeof r->base.where, "%s/frame-NNNNNN.%s", dir,
             sc_image_format_extension(o->record_format));
    sc_buf_init(&r->encoded, 0);
    st = sc_sink_start_thread(&r->base, record_main, err);
    if (st != SC_OK) {
        record_destroy(&r->base);
        sc_sink_base_destroy(&r->base);
        free(r);
        return st;
    }
    *out = &r->base;
    return SC_OK;
}
