/* What every sink shares: counters and rate, done/failed state, its thread, pacing, and
 * the public stats/close calls that dispatch to the sink's own code. */
#include "stream/stream_internal.h"

#include <stdlib.h>
#include <string.h>

#define SINK_RATE_WINDOW_NS (3 * 1000000000LL)
#define DEFAULT_JPEG_QUALITY 80

void sc_sink_base_init(sc_sink *k, const sc_sink_ops *ops, sc_stream *s, const sc_sink_options *o)
{
    k->ops = ops;
    k->stream = s;
    if (o)
        k->o = *o;
    if (k->o.jpeg_quality <= 0)
        k->o.jpeg_quality = DEFAULT_JPEG_QUALITY;
    sc_waiter_init(&k->waiter);
    pthread_mutex_init(&k->lock, NULL);
    sc_error_clear(&k->err);
    if (!ops->claims_per_client) {
        k->claimed = true;
        sc_stream_want_frames(s);
    }
}

/* Under k->lock: a sink that is done wants no more frames. */
static void release_claim(sc_sink *k)
{
    if (!k->claimed)
        return;
    k->claimed = false;
    sc_stream_unwant_frames(k->stream);
}

void sc_sink_base_destroy(sc_sink *k)
{
    pthread_mutex_lock(&k->lock);
    release_claim(k);
    pthread_mutex_unlock(&k->lock);
    pthread_mutex_destroy(&k->lock);
    sc_waiter_destroy(&k->waiter);
}

bool sc_sink_count_frame(sc_sink *k)
{
    pthread_mutex_lock(&k->lock);
    k->frames++;
    sc_rate_add(&k->rate, sc_now_ns());
    if (k->o.max_frames > 0 && k->frames >= (uint64_t)k->o.max_frames)
        k->done = true;
    bool done = k->done;
    if (done)
        release_claim(k);
    pthread_mutex_unlock(&k->lock);
    return done;
}

void sc_sink_fail(sc_sink *k, const sc_error *err)
{
    pthread_mutex_lock(&k->lock);
    if (!k->failed) {
        k->failed = true;
        k->err = *err;
    }
    k->done = true;
    release_claim(k);
    pthread_mutex_unlock(&k->lock);
}

void sc_sink_mark_done(sc_sink *k)
{
    pthread_mutex_lock(&k->lock);
    k->done = true;
    release_claim(k);
    pthread_mutex_unlock(&k->lock);
}

sc_status sc_sink_start_thread(sc_sink *k, void *(*main)(void *), sc_error *err)
{
    int rc = pthread_create(&k->thread, NULL, main, k);
    if (rc != 0)
        return sc_error_set(err, SC_ERR_IO, "%s: cannot start its thread: %s", k->ops->name, strerror(rc));
    k->has_thread = true;
    return SC_OK;
}

sc_frame *sc_sink_wait_first_frame(sc_sink *k)
{
    uint64_t seen = 0;
    while (!sc_waiter_stopped(&k->waiter)) {
        /* short waits so a stop request is noticed promptly */
        sc_frame *f = sc_stream_wait(k->stream, seen, sc_deadline_in_ms(200));
        if (!f)
            continue;
        if (f->kind != SC_FRAME_PLACEHOLDER)
            return f;
        seen = f->seq;
        bool finished = sc_stream_finished(k->stream);
        sc_frame_unref(f);
        if (finished)
            return NULL;
    }
    return NULL;
}

void sc_cadence_init(sc_cadence *c, int fps)
{
    c->period_ns = 1000000000LL / (fps > 0 ? fps : 10);
    c->next_ns = sc_now_ns();
}

bool sc_cadence_wait(sc_cadence *c, sc_sink *k)
{
    c->next_ns += c->period_ns;
    int64_t now = sc_now_ns();
    /* far behind (a stalled pipe reader): start afresh rather than burst */
    if (now - c->next_ns > 1000000000LL)
        c->next_ns = now;
    return sc_waiter_sleep_until(&k->waiter, c->next_ns);
}

void sc_sink_get_stats(sc_sink *k, sc_sink_stats *out)
{
    memset(out, 0, sizeof *out);
    out->name = k->ops->name;
    pthread_mutex_lock(&k->lock);
    out->frames = k->frames;
    out->fps = sc_rate_get(&k->rate, sc_now_ns(), SINK_RATE_WINDOW_NS);
    out->done = k->done;
    out->failed = k->failed;
    pthread_mutex_unlock(&k->lock);
    if (k->ops->stats)
        k->ops->stats(k, out);
}

const char *sc_sink_where(const sc_sink *k) { return k->where; }

sc_status sc_sink_error(sc_sink *k, sc_error *err)
{
    pthread_mutex_lock(&k->lock);
    sc_status st = k->failed ? k->err.code : SC_OK;
    if (k->failed && err)
        *err = k->err;
    pthread_mutex_unlock(&k->lock);
    return st;
}

void sc_sink_close(sc_sink *k)
{
    if (!k)
        return;
    sc_waiter_stop(&k->waiter);
    if (k->ops->wake)
        k->ops->wake(k);
    if (k->has_thread)
        pthread_join(k->thread, NULL);
    if (k->ops->destroy)
        k->ops->destroy(k);
    sc_sink_base_destroy(k);
    free(k);
}
