/* What the files of lib/stream/ share: the frame and blob layouts, the stream's own
 * functions for its capture thread, a rate meter and the common part of every sink. */
#ifndef SC_STREAM_INTERNAL_H
#define SC_STREAM_INTERNAL_H

#include "scopecap/stream.h"

#include <pthread.h>
#include <stdatomic.h>

/* ---- blobs and frames (frame.c) ---- */
struct sc_blob {
    atomic_uint refs;
    size_t len;
    uint8_t data[];
};
/* A blob of `len` bytes with one reference, contents uninitialised; NULL when out of memory. */
sc_blob *sc_blob_new(size_t len);
sc_blob *sc_blob_copy(const void *data, size_t len);

struct sc_frame {
    atomic_uint refs;
    sc_frame_kind kind;
    uint64_t seq;
    int64_t time_ns;
    int64_t wall_us;
    sc_raster raster;
    pthread_mutex_t lock; /* guards the derived forms below, filled once each */
    sc_blob *jpeg;
    int jpeg_quality;
    sc_blob *i420;
    sc_blob *yuyv;
};
/* Wrap a raster (ownership moves to the frame) in a frame with one reference. */
sc_frame *sc_frame_new(sc_raster *raster, sc_frame_kind kind, uint64_t seq);

/* ---- rendered frames (banner.c) and size fitting (fit.c) ---- */
/* A dark frame with a big title ("NO SIGNAL") and a wrapped detail line. */
sc_status sc_render_banner(sc_raster *out, int width, int height, const char *title, const char *detail,
                           const char *footer, sc_error *err);
/* Scale `src` into a new `width` x `height` raster, keeping its aspect ratio (black bars). */
sc_status sc_raster_fit(const sc_raster *src, int width, int height, sc_raster *out, sc_error *err);

/* ---- a rate meter: events a second over a sliding window (rate.c) ---- */
#define SC_RATE_SLOTS 256
typedef struct sc_rate {
    int64_t at[SC_RATE_SLOTS];
    unsigned head;
    unsigned count;
} sc_rate;
void sc_rate_add(sc_rate *r, int64_t now_ns);
/* Events a second over the last `window_ns`; 0 with fewer than two events. */
double sc_rate_get(const sc_rate *r, int64_t now_ns, int64_t window_ns);

/* ---- helpers for threads that sleep until a point in time or until told to stop ---- */
typedef struct sc_waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* on CLOCK_MONOTONIC */
    bool stop;
} sc_waiter;
void sc_waiter_init(sc_waiter *w);
void sc_waiter_destroy(sc_waiter *w);
/* Sleep until `at_ns` (monotonic); false when stopped first. */
bool sc_waiter_sleep_until(sc_waiter *w, int64_t at_ns);
void sc_waiter_stop(sc_waiter *w);
bool sc_waiter_stopped(sc_waiter *w);
/* pthread_cond_timedwait wants a CLOCK_MONOTONIC timespec for conds made with it. */
void sc_cond_init_monotonic(pthread_cond_t *c);
struct timespec sc_timespec_at(int64_t at_ns);

/* ---- waiting for the stream (hub.c) ---- */
/* Wait until the newest frame's seq is above `after_seq`, the capture count is above
 * `after_capture` (an identical frame counts), the stream finished, or the deadline
 * passed. Returns the newest frame (a reference) or NULL on timeout; *captures is the
 * capture count at that moment. */
sc_frame *sc_stream_wait_event(sc_stream *s, uint64_t after_seq, uint64_t after_capture, sc_deadline deadline,
                               uint64_t *captures);

/* ---- the common part of every sink (sink.c) ---- */
typedef struct sc_sink_ops {
    const char *name;
    /* optional: make the sink's own threads return (the waiter is already stopped) */
    void (*wake)(sc_sink *k);
    /* after its thread was joined: free everything but the sc_sink itself */
    void (*destroy)(sc_sink *k);
    /* optional: fill what only this sink knows (clients) */
    void (*stats)(sc_sink *k, sc_sink_stats *out);
    /* false: the sink holds one demand claim (sc_stream_want_frames) from opening until it
     * is done. true: it claims and releases per client itself (http: one claim per /stream
     * client), so a stream nobody watches slows down to its idle pace. */
    bool claims_per_client;
} sc_sink_ops;

struct sc_sink {
    const sc_sink_ops *ops;
    sc_stream *stream;
    sc_sink_options o;
    char where[320];
    sc_waiter waiter;     /* stop flag + cadence sleeps */
    pthread_t thread;
    bool has_thread;
    pthread_mutex_t lock; /* guards the counters below */
    uint64_t frames;
    sc_rate rate;
    bool done;
    bool failed;
    bool claimed;         /* holds the sink's standing demand claim */
    sc_error err;
};
void sc_sink_base_init(sc_sink *k, const sc_sink_ops *ops, sc_stream *s, const sc_sink_options *o);
void sc_sink_base_destroy(sc_sink *k);
/* One frame delivered; returns true when max_frames is reached (and marks the sink done). */
bool sc_sink_count_frame(sc_sink *k);
void sc_sink_fail(sc_sink *k, const sc_error *err);
void sc_sink_mark_done(sc_sink *k);
sc_status sc_sink_start_thread(sc_sink *k, void *(*main)(void *), sc_error *err);
/* Wait for the newest frame that is not the start-up placeholder; NULL when stopped or
 * when the stream finished before any came. */
sc_frame *sc_sink_wait_first_frame(sc_sink *k);

/* Fixed-cadence pacing for y4m and v4l2: emit, then sleep until the next tick. A sink
 * that fell behind catches up, but never by more than a second's worth of frames. */
typedef struct sc_cadence {
    int64_t period_ns;
    int64_t next_ns;
} sc_cadence;
void sc_cadence_init(sc_cadence *c, int fps);
/* Sleep until the next tick; false when the sink was stopped. */
bool sc_cadence_wait(sc_cadence *c, sc_sink *k);

#endif
