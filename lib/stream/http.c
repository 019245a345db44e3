/* HTTP sink: a small libmicrohttpd server for the stream.
 *
 *   /               live page           /stream         MJPEG (multipart/x-mixed-replace)
 *   /snapshot       current frame JPEG  /snapshot.png   current frame PNG
 *   /state          JSON: source, link, rates, clients
 *
 * It binds 127.0.0.1 unless told otherwise: a scope's screen can show things that should
 * not leave the bench, so sharing it is a decision (--http 0.0.0.0:8080, ideally with
 * --http-auth; without it we warn). GET and HEAD only, authentication checked first.
 * We create the listening socket ourselves so a busy port gives a clear message and port
 * 0 picks a free one.
 *
 * Limits, so that neither a crowd nor a slow client locks everyone out:
 *   - clients: at most --http-max-clients connections, and of those at most per_ip from
 *     one address (a quarter, at least 4; all when the limit is 4 or less). A connection
 *     beyond either is answered at once: 503 with Retry-After. Hard limits sit a few
 *     connections higher, so that those 503s can be sent: past MHD_OPTION_CONNECTION_LIMIT
 *     the kernel backlog waits, past SPARE_PER_IP more from one address the accept policy
 *     closes the connection at once. This computer's own address (127.0.0.1, ::1) counts
 *     only against the total: local viewers and a reverse proxy in front of us all come
 *     from it (which is also why libmicrohttpd's MHD_OPTION_PER_IP_CONNECTION_LIMIT, which
 *     knows no exception, is not used).
 *   - request size: request line and headers must fit REQUEST_MEMORY_LIMIT; libmicrohttpd
 *     answers 414 (request line) or 431 (headers) beyond it.
 *   - time: a request must be complete and answered within HEADER_DEADLINE_S of the
 *     connection's start (or of its previous response): a client that sends a header byte
 *     every few seconds resets libmicrohttpd's idle timer (MHD_OPTION_CONNECTION_TIMEOUT,
 *     http_idle_s) but not this deadline; the ticker shuts such connections down. */
#include "stream/http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_MAX_CLIENTS 64
#define DEFAULT_IDLE_S 30
#define REQUEST_MEMORY_LIMIT (64 * 1024) /* request line + headers must fit in it */
#define HEADER_DEADLINE_S 10             /* connect (or last response) to a complete request */
#define SPARE_CONNECTIONS 16             /* above max_clients: room to answer 503 */
#define SPARE_PER_IP 4                   /* above per_ip: the same, per address (accept policy) */
#define RETRY_AFTER_S "2"

/* One TCP connection (libmicrohttpd's socket context). */
struct http_conn {
    http_conn *prev, *next;
    int fd;
    struct sockaddr_storage peer;
    int64_t since_ns;   /* start of the wait for a request */
    bool answered;      /* a response is queued: the header deadline is off */
    bool admitted;      /* within the limits when it arrived; else it gets a 503 */
    bool dropped;       /* shut down for being too slow */
};

/* ---- listening ---- */

typedef struct listen_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    char host[64];
    unsigned port;
} listen_addr;

static sc_status parse_port(const char *text, unsigned *port, sc_error *err)
{
    char *end;
    unsigned long p = strtoul(text, &end, 10);
    if (!*text || *end || p > 65535)
        return sc_error_set(err, SC_ERR_USAGE, "http: \"%s\" is not a port number (0..65535)", text);
    *port = (unsigned)p;
    return SC_OK;
}

/* "PORT", "ADDR:PORT", "[IPv6]:PORT". A bare port binds loopback only. */
static sc_status parse_listen(const char *text, listen_addr *a, sc_error *err)
{
    memset(a, 0, sizeof *a);
    const char *port_text = text;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof a->host)
            return sc_error_set(err, SC_ERR_USAGE, "http: \"%s\": write an IPv6 address as [ADDR]:PORT", text);
        memcpy(a->host, text + 1, (size_t)(close - text - 1));
        port_text = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon) {
            if ((size_t)(colon - text) >= sizeof a->host)
                return sc_error_set(err, SC_ERR_USAGE, "http: the address in \"%s\" is too long", text);
            memcpy(a->host, text, (size_t)(colon - text));
            port_text = colon + 1;
        } else {
            snprintf(a->host, sizeof a->host, "127.0.0.1");
        }
    }
    sc_status st = parse_port(port_text, &a->port, err);
    if (st != SC_OK)
        return st;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
    if (inet_pton(AF_INET, a->host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)a->port);
        a->len = sizeof *v4;
    } else if (inet_pton(AF_INET6, a->host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)a->port);
        a->len = sizeof *v6;
    } else {
        return sc_error_set(err, SC_ERR_USAGE, "http: \"%s\" is not an IPv4 or IPv6 address (names are not looked up)",
                            a->host);
    }
    return SC_OK;
}

static sc_status open_listener(http_sink *h, listen_addr *a, sc_error *err)
{
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sc_error_set(err, SC_ERR_IO, "http: cannot create a socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 128) < 0) {
        int e = errno;
        close(fd);
        return sc_error_set(err, SC_ERR_IO, "http: cannot listen on %s port %u: %s%s", a->host, a->port, strerror(e),
                            e == EADDRINUSE ? " (another program uses it: pick another port)" :
                            e == EADDRNOTAVAIL ? " (no interface has this address)" : "");
    }
    /* the port actually bound (port 0 asks the system for a free one) */
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    if (getsockname(fd, (struct sockaddr *)&got, &len) == 0)
        a->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                                  : ((struct sockaddr_in *)&got)->sin_port);
    h->listen_fd = fd;
    bool v6 = a->ss.ss_family == AF_INET6;
    snprintf(h->url, sizeof h->url, "http://%s%s%s:%u/", v6 ? "[" : "", a->host, v6 ? "]" : "", a->port);
    snprintf(h->base.where, sizeof h->base.where, "%s", h->url);
    return SC_OK;
}

/* ---- connections and their limits ---- */

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr == ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    return false;
}

/* 127.0.0.1 or ::1: this computer's own clients, or a reverse proxy speaking for others. */
static bool from_this_computer(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) == INADDR_LOOPBACK;
    if (a->ss_family != AF_INET6)
        return false;
    const struct in6_addr *v6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(v6))
        return v6->s6_addr[12] == 127 && v6->s6_addr[13] == 0 && v6->s6_addr[14] == 0 && v6->s6_addr[15] == 1;
    return IN6_IS_ADDR_LOOPBACK(v6);
}

/* Under conn_lock: connections from this address (admitted ones only, or all). */
static int connections_from(const http_sink *h, const struct sockaddr_storage *peer, bool admitted_only)
{
    int n = 0;
    for (const http_conn *o = h->conns; o; o = o->next)
        n += (o->admitted || !admitted_only) && same_address(&o->peer, peer);
    return n;
}

/* The hard per-address limit, before libmicrohttpd takes the connection on. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
    http_sink *h = cls;
    struct sockaddr_storage peer;
    memset(&peer, 0, sizeof peer);
    memcpy(&peer, addr, len < sizeof peer ? len : sizeof peer);
    if (from_this_computer(&peer))
        return MHD_YES;
    pthread_mutex_lock(&h->conn_lock);
    int n = connections_from(h, &peer, false);
    pthread_mutex_unlock(&h->conn_lock);
    return n < h->per_ip + SPARE_PER_IP ? MHD_YES : MHD_NO;
}

static void conn_started(http_sink *h, struct MHD_Connection *conn, void **socket_context)
{
    http_conn *c = calloc(1, sizeof *c);
    *socket_context = c;
    if (!c)
        return; /* on_request treats a connection without context as over the limit */
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *peer = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    c->fd = fd ? fd->connect_fd : -1;
    if (peer && peer->client_addr)
        memcpy(&c->peer, peer->client_addr,
               peer->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
    c->since_ns = sc_now_ns();
    pthread_mutex_lock(&h->conn_lock);
    c->admitted = h->admitted < h->max_clients &&
                  (from_this_computer(&c->peer) || connections_from(h, &c->peer, true) < h->per_ip);
    h->admitted += c->admitted;
    c->next = h->conns;
    if (h->conns)
        h->conns->prev = c;
    h->conns = c;
    pthread_mutex_unlock(&h->conn_lock);
}

/* libmicrohttpd calls this before it closes the socket: once unlinked here (under
 * conn_lock), the ticker can no longer touch the descriptor. */
static void conn_closed(http_sink *h, void **socket_context)
{
    http_conn *c = *socket_context;
    if (!c)
        return;
    pthread_mutex_lock(&h->conn_lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    h->admitted -= c->admitted;
    pthread_mutex_unlock(&h->conn_lock);
    free(c);
    *socket_context = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        conn_started(cls, conn, socket_context);
    else if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
        conn_closed(cls, socket_context);
}

static http_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *i = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return i ? i->socket_context : NULL;
}

static void set_answered(http_sink *h, http_conn *c, bool answered)
{
    if (!c)
        return;
    pthread_mutex_lock(&h->conn_lock);
    c->answered = answered;
    if (!answered)
        c->since_ns = sc_now_ns(); /* a kept-alive connection waits for its next request */
    pthread_mutex_unlock(&h->conn_lock);
}

/* A response is done: the connection (if kept alive) starts waiting for the next request. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)req_cls, (void)toe;
    set_answered(cls, conn_of(conn), false);
}

void sc_http_drop_slow_requests(http_sink *h, int64_t now_ns)
{
    int dropped = 0;
    pthread_mutex_lock(&h->conn_lock);
    for (http_conn *c = h->conns; c; c = c->next) {
        if (c->answered || c->dropped || c->fd < 0 || now_ns - c->since_ns < (int64_t)HEADER_DEADLINE_S * 1000000000)
            continue;
        /* the descriptor stays libmicrohttpd's: shutdown() only makes its next read see
         * the end, and it closes the connection the usual way */
        shutdown(c->fd, SHUT_RDWR);
        c->dropped = true;
        dropped++;
    }
    pthread_mutex_unlock(&h->conn_lock);
    if (dropped)
        sc_debug("http: closed %d connection%s that sent no complete request within %d s", dropped,
                 dropped == 1 ? "" : "s", HEADER_DEADLINE_S);
}

/* ---- responses ---- */

static enum MHD_Result send_buffer(struct MHD_Connection *conn, unsigned status, const char *type, const void *data,
                                   size_t len, bool copy)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_MUST_FREE);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store, no-cache, must-revalidate, max-age=0");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
    return send_buffer(conn, status, "text/plain; charset=utf-8", text, strlen(text), true);
}

static enum MHD_Result refuse_auth(struct MHD_Connection *conn)
{
    static const char body[] = "401 authentication required\n";
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"scopecap\", charset=\"UTF-8\"");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result refuse_busy(struct MHD_Connection *conn)
{
    static const char body[] = "503 too many clients: try again in a moment\n";
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER_S);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result serve_snapshot(http_sink *h, struct MHD_Connection *conn, bool png)
{
    sc_frame *f = sc_stream_latest(h->base.stream);
    sc_error err;
    enum MHD_Result ok;
    if (png) {
        sc_buf out;
        sc_buf_init(&out, 0);
        if (sc_frame_png(f, &out, &err) == SC_OK) {
            size_t len;
            uint8_t *data = sc_buf_steal(&out, &len);
            ok = send_buffer(conn, MHD_HTTP_OK, "image/png", data, len, false);
        } else {
            ok = send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err.message);
        }
        sc_buf_free(&out);
    } else {
        sc_blob *b = sc_frame_jpeg(f, h->base.o.jpeg_quality, &err);
        ok = b ? send_buffer(conn, MHD_HTTP_OK, "image/jpeg", sc_blob_data(b), sc_blob_len(b), true)
               : send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err.message);
        sc_blob_unref(b);
    }
    sc_frame_unref(f);
    return ok;
}

static enum MHD_Result serve_malloced(struct MHD_Connection *conn, const char *type, char *text)
{
    if (!text)
        return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    return send_buffer(conn, MHD_HTTP_OK, type, text, strlen(text), false);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    (void)upload_data;
    http_sink *h = cls;
    /* the first call only announces the request; answer on the second, once any body
     * (which GET should not have, and which is dropped unread) is through */
    if (*req_cls == NULL) {
        *req_cls = h;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    http_conn *c = conn_of(conn);
    set_answered(h, c, true);
    if (!c || !c->admitted)
        return refuse_busy(conn);
    /* authentication before anything else: a stranger learns nothing, not even which
     * methods there are */
    if (h->auth_token[0] &&
        !sc_http_auth_check(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
                            h->auth_token))
        return refuse_auth(conn);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "405 only GET and HEAD here\n");
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return serve_malloced(conn, "text/html; charset=utf-8", sc_http_page(h));
    if (strcmp(url, "/stream") == 0)
        return sc_http_serve_stream(h, conn);
    if (strcmp(url, "/snapshot") == 0 || strcmp(url, "/snapshot.jpg") == 0)
        return serve_snapshot(h, conn, false);
    if (strcmp(url, "/snapshot.png") == 0)
        return serve_snapshot(h, conn, true);
    if (strcmp(url, "/state") == 0)
        return serve_malloced(conn, "application/json", sc_http_state_json(h));
    return send_text(conn, MHD_HTTP_NOT_FOUND, "404 not here: try /, /stream, /snapshot, /snapshot.png, /state\n");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    sc_debug("http: libmicrohttpd: %s", line);
}

/* ---- the sink ---- */

static void http_stats(sc_sink *k, sc_sink_stats *out)
{
    http_sink *h = (http_sink *)k;
    pthread_mutex_lock(&h->lock);
    out->clients = h->client_count;
    pthread_mutex_unlock(&h->lock);
    /* parts a second over all clients, shown per client */
    out->fps = out->clients > 0 ? out->fps / out->clients : 0.0;
}

static void http_wake(sc_sink *k)
{
    http_sink *h = (http_sink *)k;
    sc_http_stream_stop(h);
    if (h->daemon)
        MHD_stop_daemon(h->daemon);
    h->daemon = NULL;
}

static void http_destroy(sc_sink *k)
{
    http_sink *h = (http_sink *)k;
    if (h->daemon)
        MHD_stop_daemon(h->daemon);
    if (h->listen_fd >= 0)
        close(h->listen_fd);
    pthread_mutex_destroy(&h->lock);
    pthread_mutex_destroy(&h->conn_lock);
}

/* The HTTP sink claims frames per /stream client (http_stream.c), so a stream that nobody
 * watches idles instead of keeping the instrument busy. */
static const sc_sink_ops http_ops = {
    .name = "http", .wake = http_wake, .destroy = http_destroy, .stats = http_stats, .claims_per_client = true,
};

/* Of --http-max-clients, how many one address may hold: a quarter (at least 4), so one
 * machine cannot take every slot; with 4 or fewer, all of them. */
static int per_ip_limit(int max_clients)
{
    if (max_clients <= 4)
        return max_clients;
    return max_clients / 4 > 4 ? max_clients / 4 : 4;
}

static sc_status start_daemon(http_sink *h, const listen_addr *a, sc_error *err)
{
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (a->ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->max_clients = h->base.o.http_max_clients > 0 ? h->base.o.http_max_clients : DEFAULT_MAX_CLIENTS;
    h->per_ip = per_ip_limit(h->max_clients);
    unsigned idle = (unsigned)(h->base.o.http_idle_s > 0 ? h->base.o.http_idle_s : DEFAULT_IDLE_S);
    h->daemon = MHD_start_daemon(flags, 0, accept_policy, h, on_request, h,
                                 MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)(h->max_clients + SPARE_CONNECTIONS),
                                 MHD_OPTION_CONNECTION_TIMEOUT, idle,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)REQUEST_MEMORY_LIMIT,
                                 MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                                 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                                 MHD_OPTION_END);
    if (!h->daemon)
        return sc_error_set(err, SC_ERR_IO, "http: libmicrohttpd would not start on %s (run with -vv for its reason)",
                            h->url);
    h->listen_fd = -1; /* the daemon owns it now and closes it when it stops */
    return SC_OK;
}

static bool is_loopback(const listen_addr *a)
{
    if (a->ss.ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
    const struct in6_addr *v6 = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(v6))
        return v6->s6_addr[12] == 127;
    return IN6_IS_ADDR_LOOPBACK(v6);
}

sc_status sc_sink_http_open(sc_stream *s, const char *listen_text, const sc_sink_options *o, sc_sink **out,
                            sc_error *err)
{
    *out = NULL;
    listen_addr a;
    sc_status st = parse_listen(listen_text, &a, err);
    if (st != SC_OK)
        return st;
    if (o->http_max_clients < 0 || o->http_max_clients > 10000)
        return sc_error_set(err, SC_ERR_USAGE, "http: the client limit must be in 1..10000");
    http_sink *h = calloc(1, sizeof *h);
    if (!h)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    sc_sink_base_init(&h->base, &http_ops, s, o);
    pthread_mutex_init(&h->lock, NULL);
    pthread_mutex_init(&h->conn_lock, NULL);
    h->listen_fd = -1;
    if (o->http_auth && !sc_http_auth_token(o->http_auth, h->auth_token, sizeof h->auth_token))
        st = sc_error_set(err, SC_ERR_USAGE, "http: --http-auth takes USER:PASSWORD (up to 300 characters)");
    if (st == SC_OK)
        st = open_listener(h, &a, err);
    if (st == SC_OK)
        st = start_daemon(h, &a, err);
    if (st == SC_OK)
        st = sc_http_stream_start(h, err);
    if (st == SC_OK && !is_loopback(&a) && !o->http_auth)
        sc_warn("http: %s can be reached from other computers, and anyone who can reach it sees the instrument's screen without a password; add --http-auth USER:PASSWORD (and put TLS in front beyond a trusted network), or bind 127.0.0.1",
                h->url);
    if (st != SC_OK) {
        http_wake(&h->base);
        http_destroy(&h->base);
        sc_sink_base_destroy(&h->base);
        free(h);
        return st;
    }
    *out = &h->base;
    return SC_OK;
}
