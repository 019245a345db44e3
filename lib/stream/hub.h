/* The stream's state, shared by hub.c (publishing and waiting) and capture.c (the
 * capture thread). Everything under `lock` unless noted. */
#ifndef SC_STREAM_HUB_H
#define SC_STREAM_HUB_H

#include "stream/stream_internal.h"

#define SC_MAX_LISTENERS 16

typedef struct sc_listener {
    sc_stream_listener_fn fn;
    void *ctx;
} sc_listener;

struct sc_stream {
    sc_frame_source *src;   /* used by the capture thread only */
    int width, height;
    int max_frames;
    int idle_interval_ms;
    int backoff_min_ms, backoff_max_ms;
    char what[256];

    pthread_t thread;
    bool started;
    sc_waiter waiter;       /* stop flag; backoff sleeps */

    pthread_mutex_t lock;
    pthread_cond_t cond;    /* new frame, new capture, finished */
    sc_frame *latest;
    uint64_t next_seq;
    uint64_t captures;
    int64_t last_capture_ns;
    int demand;             /* claims of consumers that want every frame now */
    bool finished;
    sc_stream_stats stats;  /* everything but the rates, which are computed on demand */
    sc_rate capture_rate;

    pthread_mutex_t listeners_lock; /* held while listeners run, so removal waits for them */
    sc_listener listeners[SC_MAX_LISTENERS];
    int listener_count;
};

/* Publishing, for the capture thread. The frame's reference moves to the stream. */
void sc_stream_publish(sc_stream *s, sc_raster *raster, sc_frame_kind kind, int64_t requested_ns);
/* A capture whose bytes equal the previous one: counted, listeners told, nothing re-encoded. */
void sc_stream_note_identical(sc_stream *s, int64_t requested_ns);
/* `why` (may be NULL) is the failure behind a DOWN state. */
void sc_stream_set_state(sc_stream *s, sc_link_state state, const char *label, const sc_error *why);
void sc_stream_mark_finished(sc_stream *s);
void sc_stream_notify(sc_stream *s);

/* The capture thread (capture.c). */
void *sc_capture_main(void *arg);

#endif
