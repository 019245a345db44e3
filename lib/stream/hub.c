/* The stream hub: one "latest frame" slot, and the ways consumers wait for it.
 *
 * Latest frame wins: publishing replaces the slot and drops the stream's reference to the
 * previous frame; a consumer still using the old one keeps it alive through its own
 * reference. There is no queue anywhere, so a consumer that falls behind simply sees a
 * newer frame next time, and memory holds at most one frame per consumer. */
#include "stream/hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WIDTH 800
#define DEFAULT_HEIGHT 480
#define RATE_WINDOW_NS (3 * 1000000000LL)

const char *sc_link_state_name(sc_link_state st)
{
    switch (st) {
    case SC_LINK_CONNECTING: return "connecting";
    case SC_LINK_UP: return "up";
    case SC_LINK_DOWN: return "down";
    case SC_LINK_ENDED: return "ended";
    }
    return "?";
}

void sc_frame_source_free(sc_frame_source *src)
{
    if (!src)
        return;
    if (src->ops->destroy)
        src->ops->destroy(src->impl);
    free(src);
}

static sc_status check_options(const sc_stream_options *o, int *w, int *h, sc_error *err)
{
    *w = o && o->width ? o->width : DEFAULT_WIDTH;
    *h = o && o->height ? o->height : DEFAULT_HEIGHT;
    /* 4:2:0 sinks need whole chroma samples; odd sizes would also make v4l2 strides odd */
    if (*w < 16 || *h < 16 || *w > 4096 || *h > 4096 || (*w % 2) || (*h % 2))
        return sc_error_set(err, SC_ERR_USAGE, "stream size %dx%d: width and height must be even and in 16..4096",
                            *w, *h);
    if (o && o->max_frames < 0)
        return sc_error_set(err, SC_ERR_USAGE, "a frame count cannot be negative (%d)", o->max_frames);
    if (o && o->idle_interval_ms < 0)
        return sc_error_set(err, SC_ERR_USAGE, "an idle interval cannot be negative (%d ms)", o->idle_interval_ms);
    return SC_OK;
}

/* The first frame exists before the source delivers anything, so every consumer (and a
 * v4l2 device that Chrome must see as a camera) has something to show at once. */
static sc_status publish_placeholder(sc_stream *s, sc_error *err)
{
    sc_raster r;
    char detail[320];
    snprintf(detail, sizeof detail, "%s", s->what[0] ? s->what : "waiting for the first frame");
    sc_status st = sc_render_banner(&r, s->width, s->height, "STARTING", detail, "scopecap stream", err);
    if (st != SC_OK)
        return st;
    sc_frame *f = sc_frame_new(&r, SC_FRAME_PLACEHOLDER, ++s->next_seq);
    if (!f) {
        sc_raster_free(&r);
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory for the first frame");
    }
    s->latest = f;
    return SC_OK;
}

sc_status sc_stream_new(sc_frame_source *src, const sc_stream_options *o, sc_stream **out, sc_error *err)
{
    *out = NULL;
    int w, h;
    sc_status st = check_options(o, &w, &h, err);
    if (st != SC_OK) {
        sc_frame_source_free(src);
        return st;
    }
    sc_stream *s = calloc(1, sizeof *s);
    if (!s) {
        sc_frame_source_free(src);
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    }
    s->src = src;
    s->width = w;
    s->height = h;
    s->max_frames = o ? o->max_frames : 0;
    s->idle_interval_ms = o && o->idle_interval_ms > 0 ? o->idle_interval_ms : 0;
    s->backoff_min_ms = o && o->backoff_min_ms > 0 ? o->backoff_min_ms : 250;
    s->backoff_max_ms = o && o->backoff_max_ms > 0 ? o->backoff_max_ms : 4000;
    if (s->backoff_max_ms < s->backoff_min_ms)
        s->backoff_max_ms = s->backoff_min_ms;
    snprintf(s->what, sizeof s->what, "%s", o && o->what ? o->what : "");
    sc_waiter_init(&s->waiter);
    pthread_mutex_init(&s->lock, NULL);
    sc_cond_init_monotonic(&s->cond);
    pthread_mutex_init(&s->listeners_lock, NULL);
    s->stats.state = SC_LINK_CONNECTING;
    snprintf(s->stats.label, sizeof s->stats.label, "%s", s->what);
    st = publish_placeholder(s, err);
    if (st != SC_OK) {
        sc_stream_free(s);
        return st;
    }
    *out = s;
    return SC_OK;
}

sc_status sc_stream_start(sc_stream *s, sc_error *err)
{
    if (s->started)
        return SC_OK;
    int rc = pthread_create(&s->thread, NULL, sc_capture_main, s);
    if (rc != 0)
        return sc_error_set(err, SC_ERR_IO, "cannot start the capture thread: %s", strerror(rc));
    s->started = true;
    return SC_OK;
}

void sc_stream_stop(sc_stream *s)
{
    sc_waiter_stop(&s->waiter);
    if (s->src->ops->interrupt)
        s->src->ops->interrupt(s->src->impl);
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void sc_stream_stop_after_frame(sc_stream *s, int grace_ms)
{
    sc_waiter_stop(&s->waiter); /* the capture thread starts no other frame */
    pthread_mutex_lock(&s->lock);
    /* a link that is not up has no frame worth finishing: a stalled instrument is cut at once */
    if (s->stats.state != SC_LINK_UP)
        grace_ms = 0;
    int64_t until = sc_now_ns() + (int64_t)(grace_ms > 0 ? grace_ms : 0) * 1000000;
    struct timespec ts = sc_timespec_at(until);
    pthread_cond_broadcast(&s->cond);
    while (s->started && !s->finished && sc_now_ns() < until)
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    bool cut = s->started && !s->finished;
    pthread_mutex_unlock(&s->lock);
    if (cut)
        sc_stream_stop(s);
}

void sc_stream_free(sc_stream *s)
{
    if (!s)
        return;
    sc_stream_stop(s);
    if (s->started)
        pthread_join(s->thread, NULL);
    sc_frame_source_free(s->src);
    sc_frame_unref(s->latest);
    pthread_mutex_destroy(&s->listeners_lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    sc_waiter_destroy(&s->waiter);
    free(s);
}

int sc_stream_width(const sc_stream *s) { return s->width; }
int sc_stream_height(const sc_stream *s) { return s->height; }

sc_frame *sc_stream_latest(sc_stream *s)
{
    pthread_mutex_lock(&s->lock);
    sc_frame *f = sc_frame_ref(s->latest);
    pthread_mutex_unlock(&s->lock);
    return f;
}

sc_frame *sc_stream_wait(sc_stream *s, uint64_t after_seq, sc_deadline deadline)
{
    struct timespec ts = sc_timespec_at(deadline.at_ns);
    pthread_mutex_lock(&s->lock);
    while (s->latest->seq <= after_seq && !s->finished && !sc_deadline_expired(deadline)) {
        if (deadline.at_ns == INT64_MAX)
            pthread_cond_wait(&s->cond, &s->lock);
        else
            pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    sc_frame *f = s->latest->seq > after_seq || s->finished ? sc_frame_ref(s->latest) : NULL;
    pthread_mutex_unlock(&s->lock);
    return f;
}

uint64_t sc_stream_wait_capture(sc_stream *s, uint64_t after_capture, sc_deadline deadline)
{
    struct timespec ts = sc_timespec_at(deadline.at_ns);
    pthread_mutex_lock(&s->lock);
    while (s->captures <= after_capture && !s->finished && !sc_deadline_expired(deadline)) {
        if (deadline.at_ns == INT64_MAX)
            pthread_cond_wait(&s->cond, &s->lock);
        else
            pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    uint64_t n = s->captures > after_capture ? s->captures : after_capture;
    pthread_mutex_unlock(&s->lock);
    return n;
}

sc_frame *sc_stream_wait_event(sc_stream *s, uint64_t after_seq, uint64_t after_capture, sc_deadline deadline,
                               uint64_t *captures)
{
    struct timespec ts = sc_timespec_at(deadline.at_ns);
    pthread_mutex_lock(&s->lock);
    while (s->latest->seq <= after_seq && s->captures <= after_capture && !s->finished &&
           !sc_deadline_expired(deadline))
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    bool event = s->latest->seq > after_seq || s->captures > after_capture || s->finished;
    sc_frame *f = event ? sc_frame_ref(s->latest) : NULL;
    *captures = s->captures;
    pthread_mutex_unlock(&s->lock);
    return f;
}

bool sc_stream_finished(sc_stream *s)
{
    pthread_mutex_lock(&s->lock);
    bool f = s->finished;
    pthread_mutex_unlock(&s->lock);
    return f;
}

void sc_stream_want_frames(sc_stream *s)
{
    pthread_mutex_lock(&s->lock);
    s->demand++;
    pthread_cond_broadcast(&s->cond); /* an idling capture thread goes back to full speed */
    pthread_mutex_unlock(&s->lock);
}

void sc_stream_unwant_frames(sc_stream *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->demand > 0)
        s->demand--;
    pthread_mutex_unlock(&s->lock);
}

int sc_stream_demand(sc_stream *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->demand;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void sc_stream_add_listener(sc_stream *s, sc_stream_listener_fn fn, void *ctx)
{
    pthread_mutex_lock(&s->listeners_lock);
    if (s->listener_count < SC_MAX_LISTENERS)
        s->listeners[s->listener_count++] = (sc_listener){ fn, ctx };
    else
        sc_warn("stream: more than %d listeners; one is ignored", SC_MAX_LISTENERS);
    pthread_mutex_unlock(&s->listeners_lock);
}

void sc_stream_remove_listener(sc_stream *s, sc_stream_listener_fn fn, void *ctx)
{
    pthread_mutex_lock(&s->listeners_lock);
    for (int i = 0; i < s->listener_count; i++) {
        if (s->listeners[i].fn == fn && s->listeners[i].ctx == ctx) {
            s->listeners[i] = s->listeners[--s->listener_count];
            break;
        }
    }
    pthread_mutex_unlock(&s->listeners_lock);
}

void sc_stream_notify(sc_stream *s)
{
    pthread_mutex_lock(&s->listeners_lock);
    for (int i = 0; i < s->listener_count; i++)
        s->listeners[i].fn(s->listeners[i].ctx);
    pthread_mutex_unlock(&s->listeners_lock);
}

/* Under s->lock: one capture from the source, new or identical. */
static void count_capture(sc_stream *s, int64_t requested_ns)
{
    int64_t now = sc_now_ns();
    s->captures++;
    s->last_capture_ns = now;
    s->stats.captures = s->captures;
    sc_rate_add(&s->capture_rate, now);
    if (requested_ns > 0) {
        double ms = (double)(now - requested_ns) / 1e6;
        /* a recent average that settles within a few frames */
        s->stats.latency_ms = s->stats.latency_ms > 0 ? 0.8 * s->stats.latency_ms + 0.2 * ms : ms;
    }
}

void sc_stream_publish(sc_stream *s, sc_raster *raster, sc_frame_kind kind, int64_t requested_ns)
{
    pthread_mutex_lock(&s->lock);
    sc_frame *f = sc_frame_new(raster, kind, s->next_seq + 1);
    sc_frame *old = NULL;
    if (f) {
        s->next_seq++;
        old = s->latest;
        s->latest = f;
    } else {
        sc_raster_free(raster);
        sc_warn("stream: out of memory publishing a frame; keeping the previous one");
    }
    if (kind == SC_FRAME_LIVE) {
        count_capture(s, requested_ns);
        s->stats.distinct++;
    }
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    sc_frame_unref(old);
    sc_stream_notify(s);
}

void sc_stream_note_identical(sc_stream *s, int64_t requested_ns)
{
    pthread_mutex_lock(&s->lock);
    count_capture(s, requested_ns);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    sc_stream_notify(s);
}

void sc_stream_set_state(sc_stream *s, sc_link_state state, const char *label, const sc_error *why)
{
    pthread_mutex_lock(&s->lock);
    if (state == SC_LINK_DOWN && s->stats.state == SC_LINK_UP)
        s->stats.reconnects++;
    s->stats.state = state;
    if (label)
        snprintf(s->stats.label, sizeof s->stats.label, "%s", label);
    /* a reason stays shown while reconnecting, until frames flow again */
    if (why) {
        snprintf(s->stats.reason, sizeof s->stats.reason, "%s", why->message);
        s->stats.last_error = why->code;
    } else if (state == SC_LINK_UP) {
        s->stats.reason[0] = '\0';
    }
    pthread_mutex_unlock(&s->lock);
}

void sc_stream_mark_finished(sc_stream *s)
{
    pthread_mutex_lock(&s->lock);
    s->finished = true;
    s->stats.state = SC_LINK_ENDED;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    sc_stream_notify(s);
}

void sc_stream_get_stats(sc_stream *s, sc_stream_stats *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->stats;
    out->input_fps = sc_rate_get(&s->capture_rate, sc_now_ns(), RATE_WINDOW_NS);
    pthread_mutex_unlock(&s->lock);
}
