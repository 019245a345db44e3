/* Live streams: one frame source feeding any number of sinks.
 *
 *   source ──► capture thread ──► latest frame ──► sinks (y4m, v4l2, http, record, yours)
 *
 * A frame source produces images (a scope's screen, a rendered plot). One capture thread
 * per stream pulls from it, drops frames whose bytes are identical to the previous one,
 * decodes and fits the rest to the stream's size and publishes each as an immutable,
 * reference-counted sc_frame. Consumers only ever take the newest frame (latest frame
 * wins): a slow consumer skips frames, it never queues them and never slows the source.
 * When the source fails, the stream publishes a rendered "NO SIGNAL" frame that says why
 * and reconnects with backoff, so consumers keep running.
 *
 * Derived forms of a frame (JPEG, I420, YUYV) are computed once, by the first consumer
 * that needs them, and shared by the others. */
#ifndef SCOPECAP_STREAM_H
#define SCOPECAP_STREAM_H

#include "scopecap/capture.h"
#include "scopecap/image.h"
#include "scopecap/resource.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- immutable reference-counted bytes ---- */
typedef struct sc_blob sc_blob;

const uint8_t *sc_blob_data(const sc_blob *b);
size_t sc_blob_len(const sc_blob *b);
sc_blob *sc_blob_ref(sc_blob *b);
void sc_blob_unref(sc_blob *b);

/* ---- frames ---- */
typedef enum sc_frame_kind {
    SC_FRAME_LIVE,        /* from the source */
    SC_FRAME_NO_SIGNAL,   /* rendered: the source is away, the frame says why */
    SC_FRAME_PLACEHOLDER, /* rendered at start, before the source delivered anything */
} sc_frame_kind;

typedef struct sc_frame sc_frame;

sc_frame *sc_frame_ref(sc_frame *f);
void sc_frame_unref(sc_frame *f);
const sc_raster *sc_frame_raster(const sc_frame *f); /* RGB, top row first, stream size */
sc_frame_kind sc_frame_kind_of(const sc_frame *f);
const char *sc_frame_kind_name(sc_frame_kind k);     /* "live", "no-signal", "placeholder" */
uint64_t sc_frame_seq(const sc_frame *f);            /* 1, 2, 3 ... one per distinct frame */
int64_t sc_frame_time_ns(const sc_frame *f);         /* CLOCK_MONOTONIC when it was captured */
int64_t sc_frame_wall_us(const sc_frame *f);         /* the same as wall-clock microseconds */
/* Derived forms, computed on first use and cached (NULL with err set on failure).
 * The returned blob holds its own reference: sc_blob_unref it when done. */
sc_blob *sc_frame_jpeg(sc_frame *f, int quality, sc_error *err);
sc_blob *sc_frame_i420(sc_frame *f, sc_error *err);
sc_blob *sc_frame_yuyv(sc_frame *f, sc_error *err);
/* Encoded on every call (not cached): snapshots are rare. */
sc_status sc_frame_png(const sc_frame *f, sc_buf *out, sc_error *err);

/* ---- frame sources ---- */

/* What a source hands over for one frame: either an image file (BMP, PNG, JPEG: what the
 * instrument sent, any format sc_image_decode reads) in `bytes`, or ready pixels in
 * `raster`. Both belong to the stream, which reuses them from frame to frame; a source
 * fills them (sc_buf_reset + append, or sc_raster_alloc when raster.pixels is NULL or the
 * size changed). */
typedef struct sc_frame_input {
    sc_buf bytes;
    sc_raster raster;
    bool use_raster;      /* true: take `raster`, ignore `bytes` */
    int64_t requested_ns; /* when the source asked for this frame (latency); 0 = unknown */
    bool final;           /* set by the stream: ask for no frame ahead of the next call (the
                           * last frame it wants, or nobody wants frames now and the stream
                           * slows down) */
} sc_frame_input;

typedef struct sc_frame_source_ops {
    const char *kind; /* "scope", "callback", ... for messages */
    /* Connect (again). Fill `label` with what the status line and page show
     * ("RIGOL DS1054Z at 127.0.0.1:5555"). Called again after any failure. */
    sc_status (*connect)(void *impl, char *label, size_t cap, sc_error *err);
    /* Block until the next frame is there and hand it over. */
    sc_status (*next)(void *impl, sc_frame_input *in, sc_error *err);
    /* Drop the connection (before a reconnect, or at the end). */
    void (*disconnect)(void *impl);
    /* Optional, called from another thread by sc_stream_stop: make a blocked connect or
     * next return soon (a stalled instrument must not delay Ctrl-C by a whole timeout). */
    void (*interrupt)(void *impl);
    void (*destroy)(void *impl);
} sc_frame_source_ops;

typedef struct sc_frame_source {
    const sc_frame_source_ops *ops;
    void *impl;
} sc_frame_source;

void sc_frame_source_free(sc_frame_source *src);

/* The scope: one kept-open SCPI session and the driver row's screenshot recipe (set up
 * once per connection, its screen's part per frame: lib/capture.c), the next request sent
 * as soon as a frame has arrived, while the stream converts it, when that part is a single
 * query. */
typedef struct sc_scope_source_options {
    sc_resource resource;
    const char *driver_name; /* NULL: by *IDN? */
    sc_background background;
    int timeout_ms;          /* connect and each exchange; the driver's render time is added */
    int min_interval_ms;     /* ask at most this often (0: as fast as the scope answers) */
} sc_scope_source_options;
/* resource.protocol SC_PROTO_AUTO lets a LeCroy's VXI-11 stub be answered by re-opening
 * over VICP; a protocol the user named is kept (the row's fallback route is taken). */

sc_status sc_scope_source_new(const sc_scope_source_options *opts, sc_frame_source **out, sc_error *err);

/* Anything else that can draw or fetch a frame (eFirmata plots, tests): `produce` fills
 * `in` and may block; it is called at most every `interval_ms` (0: back to back). A
 * failure is shown as NO SIGNAL with the error's message, and `produce` is tried again
 * after the stream's backoff. */
typedef sc_status (*sc_frame_produce_fn)(void *ctx, sc_frame_input *in, sc_error *err);
sc_frame_source *sc_callback_source_new(const char *label, sc_frame_produce_fn produce, void *ctx, int interval_ms);
/* Optional: how to make a blocked `produce` return soon when the stream stops (called
 * from another thread; e.g. sc_efirmata_interrupt). Without it, stopping waits for
 * `produce` to return by itself. The pause between calls is cut short either way. */
typedef void (*sc_frame_interrupt_fn)(void *ctx);
void sc_callback_source_set_interrupt(sc_frame_source *src, sc_frame_interrupt_fn interrupt);

/* ---- the stream ---- */
typedef struct sc_stream_options {
    int width, height;    /* frame size every sink sees (even numbers); 0: 800x480 */
    int max_frames;       /* stop after this many frames from the source (0: run until stopped);
                           * leave 0 when counted sinks end the run: latest-frame-wins sinks
                           * may skip captures, so a cap here would starve them */
    int idle_interval_ms; /* while no consumer wants frames (sc_stream_want_frames), capture at
                           * most this often, sparing the instrument (0: always full speed) */
    int backoff_min_ms;   /* first reconnect delay (0: 250), doubled up to ... */
    int backoff_max_ms;   /* ... this (0: 4000) */
    const char *what;     /* shown on the placeholder frame: "connecting to 192.168.0.10" */
} sc_stream_options;

typedef struct sc_stream sc_stream;

/* Takes ownership of `src` (also on failure). */
sc_status sc_stream_new(sc_frame_source *src, const sc_stream_options *opts, sc_stream **out, sc_error *err);
/* Start the capture thread. */
sc_status sc_stream_start(sc_stream *s, sc_error *err);
/* Ask the capture thread to stop; consumers waiting are woken. Safe from any thread. */
void sc_stream_stop(sc_stream *s);
/* Stop without cutting a frame in half: no new frame is started, the one in progress
 * may finish (a file round trip deletes its file) for up to `grace_ms` while the link is
 * up, then the source is interrupted as by sc_stream_stop. */
void sc_stream_stop_after_frame(sc_stream *s, int grace_ms);
/* Stop, join and free (sinks must be closed first). */
void sc_stream_free(sc_stream *s);

int sc_stream_width(const sc_stream *s);
int sc_stream_height(const sc_stream *s);
/* The newest frame (a new reference), never NULL once the stream exists. */
sc_frame *sc_stream_latest(sc_stream *s);
/* Wait until the newest frame's seq is above `after_seq`, the stream has finished, or
 * the deadline passes. Returns the newest frame (a reference) or NULL on timeout; check
 * sc_stream_finished() when it returns a frame you already had. */
sc_frame *sc_stream_wait(sc_stream *s, uint64_t after_seq, sc_deadline deadline);
/* Wait until the source delivered anything (also an identical frame) after capture
 * number `after_capture`; returns the capture count, or `after_capture` on timeout. */
uint64_t sc_stream_wait_capture(sc_stream *s, uint64_t after_capture, sc_deadline deadline);
/* True once the capture thread ended (max_frames reached or stopped). */
bool sc_stream_finished(sc_stream *s);

/* Demand: a consumer that wants every new frame now (an HTTP /stream client, a sink that
 * counts frames) holds a claim while it does. With none, a stream with idle_interval_ms
 * slows down to that pace; the first claim brings it back to full speed at once. Every
 * sink holds one claim for its whole life unless its ops say it claims per client. */
void sc_stream_want_frames(sc_stream *s);
void sc_stream_unwant_frames(sc_stream *s);
/* Claims held now. */
int sc_stream_demand(sc_stream *s);

/* Called from the capture thread after every capture (identical ones too), after every
 * NO SIGNAL frame and when the stream finishes. Keep it short: it wakes a consumer. */
typedef void (*sc_stream_listener_fn)(void *ctx);
void sc_stream_add_listener(sc_stream *s, sc_stream_listener_fn fn, void *ctx);
void sc_stream_remove_listener(sc_stream *s, sc_stream_listener_fn fn, void *ctx);

typedef enum sc_link_state {
    SC_LINK_CONNECTING,
    SC_LINK_UP,
    SC_LINK_DOWN, /* waiting before a reconnect */
    SC_LINK_ENDED,
} sc_link_state;
const char *sc_link_state_name(sc_link_state st);

typedef struct sc_stream_stats {
    sc_link_state state;
    char label[256];       /* the source's label, or what is being connected to */
    char reason[SC_ERROR_MAX]; /* why the link is down (empty when up) */
    sc_status last_error;  /* the status behind the latest reason (SC_OK: none yet) */
    uint64_t captures;     /* frames from the source, identical ones included */
    uint64_t distinct;     /* of which differed from the previous one */
    uint64_t reconnects;
    double input_fps;      /* captures a second, over the last few seconds */
    double latency_ms;     /* request to published frame, recent average */
    double convert_ms;     /* decode + fit for the last distinct frame */
} sc_stream_stats;
void sc_stream_get_stats(sc_stream *s, sc_stream_stats *out);

/* ---- sinks ---- */
typedef struct sc_sink sc_sink;

typedef enum sc_v4l2_format {
    SC_V4L2_YUYV,
    SC_V4L2_I420,
    SC_V4L2_MJPEG,
} sc_v4l2_format;
sc_status sc_v4l2_format_parse(const char *text, sc_v4l2_format *out, sc_error *err);
const char *sc_v4l2_format_name(sc_v4l2_format f);

typedef struct sc_sink_options {
    int fps;           /* cadence of y4m and v4l2 (frames a second, 1..240); y4m 0: as captured */
    int max_frames;    /* y4m, v4l2 and record stop after this many (0: never) */
    int jpeg_quality;  /* 1..100 (0: 80) */
    /* v4l2 */
    sc_v4l2_format v4l2_format;
    /* record */
    sc_image_format record_format; /* PNG or JPEG */
    /* http */
    const char *http_auth;  /* "user:password" or NULL */
    int http_max_clients;   /* 0: 64 */
    int http_idle_s;        /* a client that takes nothing for this long is dropped (0: 30) */
} sc_sink_options;

/* Each sink runs on its own thread (http: libmicrohttpd's) and reads the stream's newest
 * frame; opening checks what can be checked at once (the device, the port, the folder)
 * and fails with a message saying what to fix. */
sc_status sc_sink_y4m_open(sc_stream *s, const char *path, const sc_sink_options *o, sc_sink **out, sc_error *err);
sc_status sc_sink_v4l2_open(sc_stream *s, const char *device, const sc_sink_options *o, sc_sink **out,
                            sc_error *err);
/* listen: "PORT", "ADDR:PORT" or "[IPv6]:PORT"; a bare port binds 127.0.0.1 only. */
sc_status sc_sink_http_open(sc_stream *s, const char *listen, const sc_sink_options *o, sc_sink **out,
                            sc_error *err);
sc_status sc_sink_record_open(sc_stream *s, const char *dir, const sc_sink_options *o, sc_sink **out,
                              sc_error *err);

typedef struct sc_sink_stats {
    const char *name;  /* "y4m", "v4l2", "http", "record" */
    uint64_t frames;   /* frames written (http: parts sent, all clients) */
    double fps;        /* recent rate (http: per client, averaged) */
    int clients;       /* http stream clients now */
    bool done;         /* reached max_frames, or failed */
    bool failed;
} sc_sink_stats;
void sc_sink_get_stats(sc_sink *k, sc_sink_stats *out);
/* Where it serves or writes, for the start-up message ("http://127.0.0.1:8080/"). */
const char *sc_sink_where(const sc_sink *k);
/* SC_OK while running or finished normally; the failure otherwise. */
sc_status sc_sink_error(sc_sink *k, sc_error *err);
void sc_sink_close(sc_sink *k);

#ifdef __cplusplus
}
#endif
#endif
