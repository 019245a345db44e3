/* MJPEG over HTTP: GET /stream as multipart/x-mixed-replace, one part per frame.
 *
 *   --scopecapframe\r\n
 *   Content-Type: image/jpeg\r\n
 *   Content-Length: 41234\r\n            (Firefox wants it; ffmpeg uses it)
 *   X-Timestamp: 1700000000.123456\r\n
 *   X-Frame: 17\r\n                       (the frame's seq; tests count frames by it)
 *   X-Frame-Kind: live\r\n
 *   \r\n
 *   <JPEG>\r\n
 *
 * Backpressure per client, with no queue: libmicrohttpd asks for more bytes only when
 * the client's socket has room, and only when a part is finished does the client pick
 * its next frame, which is the newest one. A slow client therefore skips frames, and
 * what it holds is one reference to one JPEG. A client with nothing to send is suspended
 * (no polling, no CPU) and resumed by the capture thread's listener or by the ticker.
 *
 * Browser quirks (streaming.md §4.2): Chromium paints a part only when the next part's
 * headers arrive, and WebKit paints the last frame late, so when the picture stops
 * changing the last frame is sent a second time, and the current frame is sent again
 * every second while nothing changes (which also lets us notice clients that left).
 *
 * The kernel's send buffer would otherwise queue up to megabytes for a slow client,
 * which then watches old frames: TCP_NOTSENT_LOWAT keeps the bytes not yet sent small
 * (bytes in flight are not limited, so a fast client over a long link still gets full
 * speed), and a slow client's next part starts from a fresh frame. */
#include "stream/http_internal.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define STREAM_BLOCK_SIZE (32 * 1024)
#define UNSENT_LOW_WATER (32 * 1024) /* bytes queued in the kernel beyond what is in flight */
#define HEARTBEAT_NS 1000000000LL     /* re-send the current frame this often */
#define FINAL_REPEAT_NS 300000000LL   /* the last frame again when nothing new came for this long */
#define TICK_NS 100000000LL
#define STOP_WAIT_MS 1000

struct http_client {
    http_sink *sink;
    struct MHD_Connection *conn;
    http_client *prev, *next;
    uint64_t id;
    bool suspended;
    bool wake_pending;      /* a wake-up came while the reader was deciding to suspend */
    /* the part being sent: header, JPEG, "\r\n" */
    char head[320];
    size_t head_len;
    sc_blob *jpeg;
    size_t part_len, part_off;
    /* what was sent, to decide what comes next */
    uint64_t seq;
    uint64_t captures_at;
    bool repeated;
    int64_t last_send_ns;
};

/* ---- choosing the next part ---- */

static uint64_t stream_captures(sc_stream *s)
{
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    return st.captures;
}

/* Under h->lock: is there something to send now? */
static bool part_due(const http_client *c, const sc_frame *latest, uint64_t captures, int64_t now)
{
    if (latest->seq != c->seq)
        return true; /* a new frame */
    if (!c->repeated && (captures > c->captures_at || now - c->last_send_ns >= FINAL_REPEAT_NS))
        return true; /* the change has ended: its last frame once more */
    return now - c->last_send_ns >= HEARTBEAT_NS;
}

static void build_part(http_client *c, sc_frame *f, sc_blob *jpeg)
{
    int64_t us = sc_frame_wall_us(f);
    int n = snprintf(c->head, sizeof c->head,
                     "--" HTTP_BOUNDARY "\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n"
                     "X-Timestamp: %lld.%06lld\r\nX-Frame: %llu\r\nX-Frame-Kind: %s\r\n\r\n",
                     sc_blob_len(jpeg), (long long)(us / 1000000), (long long)(us % 1000000),
                     (unsigned long long)sc_frame_seq(f), sc_frame_kind_name(sc_frame_kind_of(f)));
    c->head_len = n > 0 && (size_t)n < sizeof c->head ? (size_t)n : 0;
    sc_blob_unref(c->jpeg);
    c->jpeg = jpeg;
    c->part_len = c->head_len + sc_blob_len(jpeg) + 2;
    c->part_off = 0;
}

/* Between parts: start the next one, or suspend. Returns false when suspended. */
static bool start_next_part(http_client *c)
{
    http_sink *h = c->sink;
    sc_frame *f = sc_stream_latest(h->base.stream);
    uint64_t captures = stream_captures(h->base.stream);
    int64_t now = sc_now_ns();

    pthread_mutex_lock(&h->lock);
    bool due = part_due(c, f, captures, now);
    if (!due) {
        if (c->wake_pending) {
            /* something happened while we looked: let libmicrohttpd call again */
            c->wake_pending = false;
        } else {
            c->suspended = true;
            MHD_suspend_connection(c->conn);
        }
        pthread_mutex_unlock(&h->lock);
        sc_frame_unref(f);
        return false;
    }
    bool same = f->seq == c->seq;
    c->repeated = same;
    if (!same)
        c->captures_at = captures;
    c->seq = f->seq;
    c->last_send_ns = now;
    pthread_mutex_unlock(&h->lock);

    sc_error err;
    sc_blob *jpeg = sc_frame_jpeg(f, h->base.o.jpeg_quality, &err);
    if (!jpeg) {
        sc_warn("http: %s", err.message);
        jpeg = sc_blob_copy("", 0);
    }
    build_part(c, f, jpeg);
    sc_frame_unref(f);
    return true;
}

/* libmicrohttpd wants up to `max` more bytes of the response. */
static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    http_client *c = cls;
    http_sink *h = c->sink;
    if (c->part_off >= c->part_len) {
        pthread_mutex_lock(&h->lock);
        bool stopping = h->stopping;
        pthread_mutex_unlock(&h->lock);
        if (stopping)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (!start_next_part(c))
            return 0;
    }
    size_t done = 0;
    while (done < max && c->part_off < c->part_len) {
        size_t jlen = c->jpeg ? sc_blob_len(c->jpeg) : 0;
        const uint8_t *src;
        size_t avail;
        if (c->part_off < c->head_len) {
            src = (const uint8_t *)c->head + c->part_off;
            avail = c->head_len - c->part_off;
        } else if (c->part_off < c->head_len + jlen) {
            size_t o = c->part_off - c->head_len;
            src = sc_blob_data(c->jpeg) + o;
            avail = jlen - o;
        } else {
            size_t o = c->part_off - c->head_len - jlen;
            src = (const uint8_t *)"\r\n" + o;
            avail = 2 - o;
        }
        size_t n = avail < max - done ? avail : max - done;
        memcpy(buf + done, src, n);
        done += n;
        c->part_off += n;
    }
    if (c->part_off >= c->part_len)
        sc_sink_count_frame(&h->base);
    return (ssize_t)done;
}

static void client_free(void *cls)
{
    http_client *c = cls;
    http_sink *h = c->sink;
    pthread_mutex_lock(&h->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        h->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    h->client_count--;
    pthread_mutex_unlock(&h->lock);
    sc_stream_unwant_frames(h->base.stream); /* nobody watching: the capture idles */
    sc_debug("http: stream client %llu left", (unsigned long long)c->id);
    sc_blob_unref(c->jpeg);
    free(c);
}

static void limit_unsent(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int low = UNSENT_LOW_WATER;
    if (info && setsockopt(info->connect_fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &low, sizeof low) != 0)
        sc_debug("http: TCP_NOTSENT_LOWAT not taken; a slow client may lag behind");
}

enum MHD_Result sc_http_serve_stream(http_sink *h, struct MHD_Connection *conn)
{
    http_client *c = calloc(1, sizeof *c);
    if (!c)
        return MHD_NO;
    c->sink = h;
    c->conn = conn;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK_SIZE, stream_reader, c, client_free);
    if (!r) {
        free(c);
        return MHD_NO;
    }
    pthread_mutex_lock(&h->lock);
    c->id = ++h->next_client_id;
    c->next = h->clients;
    if (h->clients)
        h->clients->prev = c;
    h->clients = c;
    h->client_count++;
    pthread_mutex_unlock(&h->lock);
    sc_stream_want_frames(h->base.stream); /* a watcher: capture at full speed */
    sc_debug("http: stream client %llu joined", (unsigned long long)c->id);
    limit_unsent(conn);

    /* plain HTTP/1.0-style body: no chunked encoding, the connection closes at the end */
    MHD_set_response_options(r, MHD_RF_HTTP_1_0_COMPATIBLE_STRICT, MHD_RO_END);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "multipart/x-mixed-replace;boundary=" HTTP_BOUNDARY);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store, no-cache, must-revalidate, max-age=0");
    MHD_add_response_header(r, MHD_HTTP_HEADER_PRAGMA, "no-cache");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r); /* the connection holds its own reference until it ends */
    return ok;
}

/* ---- waking suspended clients ---- */

/* Under h->lock. */
static void wake(http_client *c)
{
    if (c->suspended) {
        c->suspended = false;
        MHD_resume_connection(c->conn);
    } else {
        c->wake_pending = true;
    }
}

/* The capture thread's listener: a capture, a new frame, NO SIGNAL or the end. */
static void on_stream_event(void *ctx)
{
    http_sink *h = ctx;
    pthread_mutex_lock(&h->lock);
    for (http_client *c = h->clients; c; c = c->next)
        wake(c);
    pthread_mutex_unlock(&h->lock);
}

/* Clients whose repeat or heartbeat is due, whatever the capture thread does (it may be
 * sleeping in a reconnect backoff). */
static void *ticker_main(void *arg)
{
    http_sink *h = arg;
    int64_t next = sc_now_ns();
    for (;;) {
        next += TICK_NS;
        if (!sc_waiter_sleep_until(&h->base.waiter, next))
            break;
        int64_t now = sc_now_ns();
        sc_http_drop_slow_requests(h, now);
        pthread_mutex_lock(&h->lock);
        for (http_client *c = h->clients; c; c = c->next) {
            bool due = (!c->repeated && now - c->last_send_ns >= FINAL_REPEAT_NS) ||
                       now - c->last_send_ns >= HEARTBEAT_NS;
            if (c->suspended && due)
                wake(c);
        }
        pthread_mutex_unlock(&h->lock);
    }
    return NULL;
}

sc_status sc_http_stream_start(http_sink *h, sc_error *err)
{
    int rc = pthread_create(&h->ticker, NULL, ticker_main, h);
    if (rc != 0)
        return sc_error_set(err, SC_ERR_IO, "http: cannot start a thread: %s", strerror(rc));
    h->has_ticker = true;
    sc_stream_add_listener(h->base.stream, on_stream_event, h);
    return SC_OK;
}

void sc_http_stream_stop(http_sink *h)
{
    sc_stream_remove_listener(h->base.stream, on_stream_event, h);
    if (h->has_ticker) {
        sc_waiter_stop(&h->base.waiter);
        pthread_join(h->ticker, NULL);
        h->has_ticker = false;
    }
    /* libmicrohttpd must not be stopped with suspended connections: resume them all;
     * their readers see `stopping` and end their responses */
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    for (http_client *c = h->clients; c; c = c->next)
        wake(c);
    pthread_mutex_unlock(&h->lock);
    int64_t until = sc_now_ns() + (int64_t)STOP_WAIT_MS * 1000000;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        int left = h->client_count;
        for (http_client *c = h->clients; c; c = c->next)
            wake(c);
        pthread_mutex_unlock(&h->lock);
        if (left == 0 || sc_now_ns() >= until)
            break;
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL);
    }
}
