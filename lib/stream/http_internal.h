/* The HTTP sink's parts: the server and its routes (http.c), MJPEG stream clients
 * (http_stream.c), the live page and /state (http_page.c) and basic auth (auth.c). */
#ifndef SC_STREAM_HTTP_INTERNAL_H
#define SC_STREAM_HTTP_INTERNAL_H

#include "stream/stream_internal.h"

#include <microhttpd.h>

#define HTTP_BOUNDARY "scopecapframe"

typedef struct http_client http_client;
typedef struct http_conn http_conn;

typedef struct http_sink {
    sc_sink base;
    struct MHD_Daemon *daemon;
    int listen_fd;
    char auth_token[512];   /* base64 of "user:password"; empty: no auth */
    char url[300];          /* http://127.0.0.1:8080/ */

    pthread_mutex_t lock;   /* guards the client list and every client's wake state */
    http_client *clients;   /* /stream clients, doubly linked */
    int client_count;
    uint64_t next_client_id;
    bool stopping;

    pthread_t ticker;       /* wakes clients due a repeat or a heartbeat, drops slow requests */
    bool has_ticker;

    /* every TCP connection, for the limits (conn_lock) */
    pthread_mutex_t conn_lock;
    http_conn *conns;
    int admitted;           /* connections within the limits */
    int max_clients;        /* --http-max-clients */
    int per_ip;             /* of those, at most this many from one address */
} http_sink;

/* ---- http_stream.c ---- */
/* Answer GET /stream: a multipart/x-mixed-replace response that lives until the client
 * leaves or the sink stops. */
enum MHD_Result sc_http_serve_stream(http_sink *h, struct MHD_Connection *conn);
/* Start/stop the clients' machinery: the stream listener and the ticker thread. */
sc_status sc_http_stream_start(http_sink *h, sc_error *err);
/* Stop: every client ends its response; waits a little for them to go. */
void sc_http_stream_stop(http_sink *h);

/* ---- http.c ---- */
/* Close every connection whose request has not been answered within the header deadline
 * (a slow client sending a byte now and then resets libmicrohttpd's idle timer; this
 * deadline counts from the connection's start, or from its previous response). Called
 * by the ticker. */
void sc_http_drop_slow_requests(http_sink *h, int64_t now_ns);

/* ---- http_page.c ---- */
/* The live page (HTML, NUL-terminated, malloc'ed). */
char *sc_http_page(const http_sink *h);
/* GET /state as JSON (malloc'ed). */
char *sc_http_state_json(http_sink *h);

/* ---- auth.c ---- */
/* base64("user:password") into out; false when it does not fit or has no ':'. */
bool sc_http_auth_token(const char *user_colon_password, char *out, size_t cap);
/* Does an Authorization header value carry these credentials? Compares in time that does
 * not depend on where the first difference is. NULL header: no. */
bool sc_http_auth_check(const char *header, const char *token);
/* Compare two byte strings in time that depends on their lengths only. */
bool sc_constant_time_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
