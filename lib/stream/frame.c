/* Frames and blobs: immutable once published, shared by reference count.
 *
 * A frame's pixels never change after the capture thread publishes it, so any thread may
 * read them without a lock. Its derived forms (JPEG, I420, YUYV) are computed by whichever
 * consumer asks first and then shared; the frame's lock only serialises that first
 * computation, so two HTTP clients asking at once encode the JPEG once. Consumers that hold
 * on to a frame's bytes for long (a slow HTTP client) take a reference to the small blob,
 * not to the whole frame. */
#include "stream/stream_internal.h"

#include "image/yuv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

sc_blob *sc_blob_new(size_t len)
{
    if (len > SIZE_MAX - sizeof(sc_blob))
        return NULL;
    sc_blob *b = malloc(sizeof *b + len);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = len;
    return b;
}

sc_blob *sc_blob_copy(const void *data, size_t len)
{
    sc_blob *b = sc_blob_new(len);
    if (b && len)
        memcpy(b->data, data, len);
    return b;
}

const uint8_t *sc_blob_data(const sc_blob *b) { return b->data; }
size_t sc_blob_len(const sc_blob *b) { return b->len; }

sc_blob *sc_blob_ref(sc_blob *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void sc_blob_unref(sc_blob *b)
{
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

static int64_t wall_clock_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

sc_frame *sc_frame_new(sc_raster *raster, sc_frame_kind kind, uint64_t seq)
{
    sc_frame *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    atomic_init(&f->refs, 1);
    f->kind = kind;
    f->seq = seq;
    f->time_ns = sc_now_ns();
    f->wall_us = wall_clock_us();
    f->raster = *raster;
    raster->pixels = NULL;
    raster->width = raster->height = 0;
    raster->stride = 0;
    pthread_mutex_init(&f->lock, NULL);
    return f;
}

sc_frame *sc_frame_ref(sc_frame *f)
{
    if (f)
        atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    return f;
}

void sc_frame_unref(sc_frame *f)
{
    if (!f || atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
        return;
    sc_blob_unref(f->jpeg);
    sc_blob_unref(f->i420);
    sc_blob_unref(f->yuyv);
    sc_raster_free(&f->raster);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

const sc_raster *sc_frame_raster(const sc_frame *f) { return &f->raster; }
sc_frame_kind sc_frame_kind_of(const sc_frame *f) { return f->kind; }
uint64_t sc_frame_seq(const sc_frame *f) { return f->seq; }
int64_t sc_frame_time_ns(const sc_frame *f) { return f->time_ns; }
int64_t sc_frame_wall_us(const sc_frame *f) { return f->wall_us; }

const char *sc_frame_kind_name(sc_frame_kind k)
{
    switch (k) {
    case SC_FRAME_LIVE: return "live";
    case SC_FRAME_NO_SIGNAL: return "no-signal";
    case SC_FRAME_PLACEHOLDER: return "placeholder";
    }
    return "?";
}

static sc_rgb_view view_of(const sc_frame *f)
{
    return (sc_rgb_view){
        .top_row = f->raster.pixels,
        .stride = (ptrdiff_t)f->raster.stride,
        .width = f->raster.width,
        .height = f->raster.height,
        .order = SC_PIXELS_RGB,
    };
}

static sc_blob *out_of_memory(sc_error *err, const char *what, size_t n)
{
    sc_error_set(err, SC_ERR_NOMEM, "out of memory for a %zu-byte %s frame", n, what);
    return NULL;
}

sc_blob *sc_frame_jpeg(sc_frame *f, int quality, sc_error *err)
{
    pthread_mutex_lock(&f->lock);
    /* one quality per stream in practice; a different one replaces the cached copy */
    if (!f->jpeg || f->jpeg_quality != quality) {
        sc_buf out;
        sc_buf_init(&out, 0);
        if (sc_jpeg_encode(&f->raster, quality, &out, err) == SC_OK) {
            sc_blob *b = sc_blob_copy(out.data, out.len);
            if (b) {
                sc_blob_unref(f->jpeg);
                f->jpeg = b;
                f->jpeg_quality = quality;
            } else {
                out_of_memory(err, "JPEG", out.len);
            }
        }
        sc_buf_free(&out);
        if (!f->jpeg || f->jpeg_quality != quality) {
            pthread_mutex_unlock(&f->lock);
            return NULL;
        }
    }
    sc_blob *b = sc_blob_ref(f->jpeg);
    pthread_mutex_unlock(&f->lock);
    return b;
}

sc_blob *sc_frame_i420(sc_frame *f, sc_error *err)
{
    pthread_mutex_lock(&f->lock);
    if (!f->i420) {
        size_t n = sc_i420_size(f->raster.width, f->raster.height);
        f->i420 = sc_blob_new(n);
        if (f->i420) {
            sc_rgb_view v = view_of(f);
            sc_rgb_to_i420(&v, f->i420->data);
        }
    }
    sc_blob *b = sc_blob_ref(f->i420);
    pthread_mutex_unlock(&f->lock);
    return b ? b : out_of_memory(err, "I420", sc_i420_size(f->raster.width, f->raster.height));
}

sc_blob *sc_frame_yuyv(sc_frame *f, sc_error *err)
{
    pthread_mutex_lock(&f->lock);
    if (!f->yuyv) {
        f->yuyv = sc_blob_new(sc_yuyv_size(f->raster.width, f->raster.height));
        if (f->yuyv) {
            sc_rgb_view v = view_of(f);
            sc_rgb_to_yuyv(&v, f->yuyv->data, sc_yuyv_row_bytes(f->raster.width));
        }
    }
    sc_blob *b = sc_blob_ref(f->yuyv);
    pthread_mutex_unlock(&f->lock);
    return b ? b : out_of_memory(err, "YUYV", sc_yuyv_size(f->raster.width, f->raster.height));
}

sc_status sc_frame_png(const sc_frame *f, sc_buf *out, sc_error *err)
{
    sc_buf_reset(out);
    return sc_png_encode(&f->raster, out, err);
}
