/* The capture thread: pull frames from the source, drop repeats, publish the rest, and
 * keep going when the source goes away.
 *
 * Repeats are found on the source's own bytes (a memcmp of ~1 MB costs ~20 us) before
 * anything is decoded, so a frozen scope screen costs neither decoding nor any sink's
 * encoding. When the source fails, a NO SIGNAL frame that names the reason is published
 * and the source is reconnected after a delay that doubles up to a ceiling; the delay
 * starts small again once frames flow. */
#include "stream/hub.h"

#include <stdio.h>
#include <string.h>

typedef struct capture_state {
    sc_stream *s;
    sc_frame_input in;
    sc_buf previous;      /* the last distinct frame's bytes, for the repeat check */
    sc_raster previous_raster;
    bool have_previous;
    char label[256];
    char shown_reason[SC_ERROR_MAX]; /* the reason on the NO SIGNAL frame now showing */
    int backoff_ms;
    bool told_about_scaling;
} capture_state;

static bool same_raster(const sc_raster *a, const sc_raster *b)
{
    if (!a->pixels || !b->pixels || a->width != b->width || a->height != b->height)
        return false;
    size_t row = (size_t)a->width * 3;
    for (int y = 0; y < a->height; y++)
        if (memcmp(a->pixels + (size_t)y * a->stride, b->pixels + (size_t)y * b->stride, row) != 0)
            return false;
    return true;
}

static bool is_repeat(capture_state *c)
{
    if (!c->have_previous)
        return false;
    if (c->in.use_raster)
        return same_raster(&c->in.raster, &c->previous_raster);
    return c->in.bytes.len == c->previous.len && memcmp(c->in.bytes.data, c->previous.data, c->previous.len) == 0;
}

/* Keep this frame's source form for the next repeat check. The byte buffers are swapped,
 * not copied: the source fills the old one next time. */
static sc_status remember(capture_state *c, sc_error *err)
{
    c->have_previous = false;
    if (!c->in.use_raster) {
        sc_buf t = c->previous;
        c->previous = c->in.bytes;
        c->in.bytes = t;
        c->have_previous = true;
        return SC_OK;
    }
    const sc_raster *r = &c->in.raster;
    if (c->previous_raster.width != r->width || c->previous_raster.height != r->height) {
        sc_raster_free(&c->previous_raster);
        sc_status st = sc_raster_alloc(&c->previous_raster, r->width, r->height, err);
        if (st != SC_OK)
            return st;
    }
    for (int y = 0; y < r->height; y++)
        memcpy(c->previous_raster.pixels + (size_t)y * c->previous_raster.stride, r->pixels + (size_t)y * r->stride,
               (size_t)r->width * 3);
    c->have_previous = true;
    return SC_OK;
}

/* Decode (or copy) the input and fit it to the stream's size: a new raster for the frame. */
static sc_status convert(capture_state *c, sc_raster *out, sc_error *err)
{
    sc_stream *s = c->s;
    sc_raster decoded = { 0 };
    const sc_raster *src = &c->in.raster;
    if (!c->in.use_raster) {
        sc_status st = sc_image_decode(c->in.bytes.data, c->in.bytes.len, &decoded, err);
        if (st != SC_OK)
            return sc_error_prefix(err, "%s: the frame does not decode", c->label);
        if (decoded.width == s->width && decoded.height == s->height) {
            *out = decoded; /* the common case: no copy at all */
            return SC_OK;
        }
        src = &decoded;
        if (!c->told_about_scaling) {
            sc_warn("stream: %s sends %dx%d frames; they are scaled to %dx%d (--size %dx%d keeps every pixel)",
                    c->label, decoded.width, decoded.height, s->width, s->height, decoded.width, decoded.height);
            c->told_about_scaling = true;
        }
    } else if (!src->pixels || src->width < 1 || src->height < 1) {
        return sc_error_set(err, SC_ERR_FORMAT, "%s: the source handed over an empty raster", c->label);
    }
    sc_status st = sc_raster_fit(src, s->width, s->height, out, err);
    sc_raster_free(&decoded);
    return st;
}

static void publish_no_signal(capture_state *c, const char *reason)
{
    /* the same reason again is the same picture: consumers already have it */
    if (strcmp(reason, c->shown_reason) == 0)
        return;
    snprintf(c->shown_reason, sizeof c->shown_reason, "%s", reason);
    sc_raster r;
    sc_error err;
    char footer[300];
    snprintf(footer, sizeof footer, "%s - reconnecting", c->label[0] ? c->label : c->s->what);
    if (sc_render_banner(&r, c->s->width, c->s->height, "NO SIGNAL", reason, footer, &err) != SC_OK) {
        sc_warn("stream: cannot render the NO SIGNAL frame: %s", err.message);
        return;
    }
    sc_stream_publish(c->s, &r, SC_FRAME_NO_SIGNAL, 0);
}

/* A failure no retry can mend (a driver name that does not exist, a screen the instrument
 * does not give over this protocol): retrying forever would hide it behind NO SIGNAL. */
static bool is_permanent(const sc_error *err)
{
    return err->code == SC_ERR_USAGE || err->code == SC_ERR_UNSUPPORTED;
}

/* The source failed: say so everywhere, then wait before the next attempt. False when the
 * stream ends instead (stopped, or a failure that cannot mend). */
static bool go_down(capture_state *c, const sc_error *err)
{
    sc_stream *s = c->s;
    if (is_permanent(err)) {
        sc_warn("stream: %s (not retried: this does not change by itself)", err->message);
        sc_stream_set_state(s, SC_LINK_DOWN, NULL, err);
        publish_no_signal(c, err->message);
        return false;
    }
    sc_warn("stream: %s (retrying in %.2g s)", err->message, c->backoff_ms / 1000.0);
    sc_stream_set_state(s, SC_LINK_DOWN, NULL, err);
    publish_no_signal(c, err->message);
    bool ok = sc_waiter_sleep_until(&s->waiter, sc_now_ns() + (int64_t)c->backoff_ms * 1000000);
    c->backoff_ms = c->backoff_ms * 2 > s->backoff_max_ms ? s->backoff_max_ms : c->backoff_ms * 2;
    return ok;
}

static sc_status connect_source(capture_state *c, sc_error *err)
{
    sc_stream *s = c->s;
    sc_stream_set_state(s, SC_LINK_CONNECTING, NULL, NULL);
    char label[256] = "";
    sc_status st = s->src->ops->connect(s->src->impl, label, sizeof label, err);
    if (st != SC_OK)
        return st;
    snprintf(c->label, sizeof c->label, "%s", label);
    sc_stream_set_state(s, SC_LINK_UP, label, NULL);
    sc_info("stream: connected to %s", label);
    c->have_previous = false; /* the first frame after a reconnect is always shown */
    return SC_OK;
}

/* One frame from the source through to the hub. */
static sc_status capture_one(capture_state *c, sc_error *err)
{
    sc_stream *s = c->s;
    c->in.use_raster = false;
    c->in.requested_ns = 0;
    sc_status st = s->src->ops->next(s->src->impl, &c->in, err);
    if (st != SC_OK)
        return st;
    if (is_repeat(c)) {
        sc_stream_note_identical(s, c->in.requested_ns);
        return SC_OK;
    }
    int64_t t0 = sc_now_ns();
    sc_raster r;
    st = convert(c, &r, err);
    if (st != SC_OK)
        return st;
    st = remember(c, err);
    if (st != SC_OK) {
        sc_raster_free(&r);
        return st;
    }
    pthread_mutex_lock(&s->lock);
    s->stats.convert_ms = (double)(sc_now_ns() - t0) / 1e6;
    pthread_mutex_unlock(&s->lock);
    c->shown_reason[0] = '\0';
    sc_stream_publish(s, &r, SC_FRAME_LIVE, c->in.requested_ns);
    return SC_OK;
}

static bool enough_frames(sc_stream *s)
{
    if (s->max_frames <= 0)
        return false;
    pthread_mutex_lock(&s->lock);
    bool done = s->captures >= (uint64_t)s->max_frames;
    pthread_mutex_unlock(&s->lock);
    return done;
}

static bool captures_left_is_one(sc_stream *s)
{
    if (s->max_frames <= 0)
        return false;
    pthread_mutex_lock(&s->lock);
    bool last = s->captures + 1 >= (uint64_t)s->max_frames;
    pthread_mutex_unlock(&s->lock);
    return last;
}

/* Nobody wants frames now: true when the stream slows down to its idle pace. */
static bool idling(sc_stream *s)
{
    if (s->idle_interval_ms <= 0)
        return false;
    pthread_mutex_lock(&s->lock);
    bool idle = s->demand == 0;
    pthread_mutex_unlock(&s->lock);
    return idle;
}

/* While idling, wait until the idle pace allows the next capture, a consumer claims
 * frames, or the stream stops. A real scope answering hundreds of requests a second for
 * nobody is kept busy for nothing (its front panel slows down too). */
static void idle_wait(sc_stream *s)
{
    if (s->idle_interval_ms <= 0)
        return;
    pthread_mutex_lock(&s->lock);
    int64_t due = s->last_capture_ns + (int64_t)s->idle_interval_ms * 1000000;
    struct timespec ts = sc_timespec_at(due);
    while (s->demand == 0 && s->last_capture_ns > 0 && sc_now_ns() < due && !sc_waiter_stopped(&s->waiter))
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    pthread_mutex_unlock(&s->lock);
}

void *sc_capture_main(void *arg)
{
    sc_stream *s = arg;
    capture_state c = { .s = s, .backoff_ms = s->backoff_min_ms };
    sc_buf_init(&c.in.bytes, 0);
    sc_buf_init(&c.previous, 0);
    bool connected = false;
    sc_error err;
    while (!sc_waiter_stopped(&s->waiter) && !enough_frames(s)) {
        if (!connected) {
            if (connect_source(&c, &err) != SC_OK) {
                if (sc_waiter_stopped(&s->waiter) || !go_down(&c, &err))
                    break;
                continue;
            }
            connected = true;
        }
        idle_wait(s);
        if (sc_waiter_stopped(&s->waiter))
            break;
        c.in.final = captures_left_is_one(s) || idling(s);
        if (capture_one(&c, &err) != SC_OK) {
            s->src->ops->disconnect(s->src->impl);
            connected = false;
            if (sc_waiter_stopped(&s->waiter))
                break; /* interrupted on purpose: no NO SIGNAL, no warning */
            if (!go_down(&c, &err))
                break;
            continue;
        }
        c.backoff_ms = s->backoff_min_ms;
    }
    if (connected)
        s->src->ops->disconnect(s->src->impl);
    sc_buf_free(&c.in.bytes);
    sc_raster_free(&c.in.raster);
    sc_buf_free(&c.previous);
    sc_raster_free(&c.previous_raster);
    sc_stream_mark_finished(s);
    return NULL;
}
