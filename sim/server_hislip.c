/* scopesim HiSLIP server (IVI-6.1 1.1) on port 4880.
 *
 * A session is two TCP connections to the same port: the synchronous channel opens it
 * with Initialize and gets a session id; the asynchronous channel joins it with
 * AsyncInitialize(session id). Each connection has its own thread (server.c), so the
 * two halves meet in a session table here. The synchronous thread gathers Data...DataEnd,
 * executes the program message and sends the reply as Data...DataEnd no larger than the
 * client's maximum; the asynchronous thread answers the maximum-size negotiation, status
 * queries, locks and the first half of device clear.
 *
 * Options (sim_hislip_configure):
 *   --hislip-mode synchronized|overlapped   mode announced in InitializeResponse
 *                                           (default synchronized, what pyvisa-py wants)
 *   --hislip-max-message N                  our maximum message size in bytes, header
 *                                           included (default 1 MiB) */
#include "server.h"
#include "faults.h"

#include "wire/hislip_wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define SERVER_VENDOR "SS"
#define DEFAULT_MAX_MESSAGE ((uint64_t)1 << 20)
#define MAX_MESSAGE_SETTING ((uint64_t)1 << 30)
/* A program message gathered from Data messages may not grow beyond this. */
#define MAX_PROGRAM_MESSAGE ((size_t)64 << 20)
#define MAX_SESSIONS (SIM_MAX_CLIENTS / 2)
/* How long AsyncDeviceClear waits for a reply in progress to reach a message boundary.
 * Short: a client that is not reading keeps our send() blocked, and it will not read
 * until it has the acknowledge; it then drains the rest up to DeviceClearAcknowledge. */
#define CLEAR_WAIT_MS 200
/* Error texts stay within what the asynchronous channel must accept (272 bytes). */
#define MAX_ERROR_TEXT 200

typedef struct hs_session {
    bool used;
    uint16_t id;
    int refs;           /* channels still attached */
    int sync_fd;        /* -1: gone */
    int async_fd;       /* -1: not joined yet, or gone */
    bool overlapped;
    uint64_t client_max; /* largest message the client accepts, header included */
    bool clear_pending;  /* AsyncDeviceClear seen, DeviceClearComplete not yet */
    bool sending;        /* the synchronous thread is in the middle of a reply */
    bool mav;            /* a reply was sent and the client has not said it was delivered */
    uint32_t server_next_id; /* overlapped mode numbers replies itself */
    bool lock_exclusive;
    bool lock_shared;
} hs_session;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    hs_session sessions[MAX_SESSIONS];
    uint16_t last_id;
    bool overlapped;     /* the mode new sessions start in */
    uint64_t max_message;
} hs = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

/* ---- blocking I/O on one channel ---- */

static bool skip_payload(int fd, uint64_t n)
{
    uint8_t sink[16384];
    while (n > 0) {
        size_t want = n < sizeof sink ? (size_t)n : sizeof sink;
        if (!sim_recv_all(fd, sink, want))
            return false;
        n -= want;
    }
    return true;
}

static bool send_message(int fd, uint8_t type, uint8_t control, uint32_t param, const void *payload, size_t n)
{
    uint8_t buf[SC_HISLIP_HEADER_LEN + 512];
    if (n <= sizeof buf - SC_HISLIP_HEADER_LEN) {
        size_t total = sc_hislip_encode(buf, sizeof buf, type, control, param, payload, n);
        return sim_send_all(fd, buf, total);
    }
    sc_hislip_encode_header(buf, type, control, param, n);
    return sim_send_all(fd, buf, SC_HISLIP_HEADER_LEN) && sim_send_all(fd, payload, n);
}

static void send_error(int fd, bool fatal, uint8_t code, const char *text)
{
    size_t n = strlen(text);
    if (n > MAX_ERROR_TEXT)
        n = MAX_ERROR_TEXT;
    sc_debug("hislip: sending %s %u: %s", fatal ? "FatalError" : "Error", code, text);
    send_message(fd, fatal ? SC_HISLIP_FATAL_ERROR : SC_HISLIP_ERROR, code, 0, text, n);
}

typedef enum { MSG_OK, MSG_CLOSED, MSG_REJECTED } msg_result;

/* Read the next header. A header that breaks the rules gets its Error (payload skipped,
 * the caller goes on) or FatalError (the caller closes). */
static msg_result next_message(int fd, sc_hislip_header *h)
{
    uint8_t raw[SC_HISLIP_HEADER_LEN];
    if (!sim_recv_all(fd, raw, sizeof raw))
        return MSG_CLOSED;
    sc_hislip_reject r;
    sc_error err;
    if (sc_hislip_decode_header(raw, sizeof raw, h, &r, &err) == SC_OK)
        return MSG_OK;
    send_error(fd, r.fatal, r.code, err.message);
    if (r.fatal)
        return MSG_CLOSED;
    return skip_payload(fd, h->length) ? MSG_REJECTED : MSG_CLOSED;
}

/* Refuse a message we understand but do not take on this channel (payload skipped). */
static bool refuse(int fd, const sc_hislip_header *h, const char *channel)
{
    char text[128];
    bool vendor = h->type >= SC_HISLIP_VENDOR_FIRST;
    snprintf(text, sizeof text, "%s is not accepted on the %s channel", sc_hislip_type_name(h->type), channel);
    if (!skip_payload(fd, h->length))
        return false;
    send_error(fd, false, vendor ? SC_HISLIP_ERR_UNKNOWN_VENDOR : SC_HISLIP_ERR_UNKNOWN_TYPE, text);
    return true;
}

/* ---- the session table ---- */

static hs_session *create_session(int sync_fd)
{
    pthread_mutex_lock(&hs.lock);
    hs_session *s = NULL;
    for (int i = 0; i < MAX_SESSIONS && !s; i++)
        if (!hs.sessions[i].used)
            s = &hs.sessions[i];
    if (s) {
        /* ids are 16 bits; skip 0 and any still in use */
        bool taken;
        do {
            hs.last_id++;
            taken = hs.last_id == 0;
            for (int i = 0; i < MAX_SESSIONS && !taken; i++)
                taken = hs.sessions[i].used && hs.sessions[i].id == hs.last_id;
        } while (taken);
        *s = (hs_session){ .used = true, .id = hs.last_id, .refs = 1, .sync_fd = sync_fd, .async_fd = -1,
                           .overlapped = hs.overlapped, .client_max = hs.max_message,
                           .server_next_id = SC_HISLIP_FIRST_MESSAGE_ID };
    }
    pthread_mutex_unlock(&hs.lock);
    return s;
}

static hs_session *join_session(uint16_t id, int async_fd)
{
    pthread_mutex_lock(&hs.lock);
    hs_session *found = NULL;
    for (int i = 0; i < MAX_SESSIONS && !found; i++) {
        hs_session *s = &hs.sessions[i];
        if (s->used && s->id == id && s->sync_fd >= 0 && s->async_fd < 0)
            found = s;
    }
    if (found) {
        found->async_fd = async_fd;
        found->refs++;
    }
    pthread_mutex_unlock(&hs.lock);
    return found;
}

/* One channel is done: the other cannot work alone, so wake its thread to end too. The
 * fds are closed by server.c after we return, so they are only touched under the lock. */
static void leave_session(hs_session *s, bool sync_side)
{
    pthread_mutex_lock(&hs.lock);
    int *mine = sync_side ? &s->sync_fd : &s->async_fd;
    int other = sync_side ? s->async_fd : s->sync_fd;
    *mine = -1;
    if (other >= 0)
        shutdown(other, SHUT_RDWR);
    if (!sync_side)
        s->lock_exclusive = s->lock_shared = false; /* locks die with the connection */
    if (--s->refs == 0)
        s->used = false;
    pthread_cond_broadcast(&hs.changed);
    pthread_mutex_unlock(&hs.lock);
}

/* ---- synchronous channel ---- */

/* One Data/DataEnd message through the fault helper; `cut` < n sends only that much of
 * the payload (close-mid-transfer). The framing faults change the header: garbage, a
 * length of 2^32, a type that carries no data; duplicate-frames sends it all twice. */
static bool send_data_message(sim_fault_conn *fc, const sim_fault_frames *fr, bool first, uint8_t type, uint32_t id,
                              const uint8_t *payload, size_t n, size_t cut)
{
    uint8_t header[SC_HISLIP_HEADER_LEN];
    uint64_t length = fr->huge_length && first ? (uint64_t)1 << 32 : n;
    if (fr->wrong_message_type)
        type = SC_HISLIP_INITIALIZE_RESPONSE;
    sc_hislip_encode_header(header, type, 0, id, length);
    if (fr->garbage_header && first)
        sim_fault_garble(header, sizeof header);
    int copies = fr->duplicate_frames ? 2 : 1;
    for (int i = 0; i < copies; i++) {
        if (!sim_fault_send(fc, header, sizeof header) || !sim_fault_send(fc, payload, cut))
            return false;
    }
    return cut == n;
}

/* Send a reply as Data...DataEnd; false when the connection must close. */
static bool send_reply(sim_server *srv, hs_session *s, sim_fault_conn *fc, const sim_reply *reply,
                       uint32_t request_id)
{
    if (reply->bytes.len == 0 || srv->inst->faults.stall)
        return true;
    pthread_mutex_lock(&hs.lock);
    if (s->clear_pending) {
        pthread_mutex_unlock(&hs.lock);
        return true; /* a device clear abandons queued output */
    }
    s->sending = true;
    size_t chunk = (size_t)(s->client_max - SC_HISLIP_HEADER_LEN);
    pthread_mutex_unlock(&hs.lock);

    sim_fault_frames fr = sim_fault_frames_for(fc, reply);
    sim_fault_reply_starts(fc);
    /* early-end: DataEnd comes with the first half, the rest never */
    size_t total = fr.early_end ? reply->bytes.len / 2 : reply->bytes.len;
    /* close-mid-transfer: the connection dies halfway through the reply's bytes */
    size_t cut = fr.close_mid_transfer ? total / 2 : total;
    bool ok = true;
    for (size_t off = 0; off < total && ok;) {
        size_t n = total - off < chunk ? total - off : chunk;
        bool last = off + n == total;
        pthread_mutex_lock(&hs.lock);
        bool abandon = s->clear_pending;
        uint32_t id = request_id;
        if (s->overlapped) {
            id = s->server_next_id;
            s->server_next_id = sc_hislip_next_message_id(id);
        }
        s->mav = true;
        pthread_mutex_unlock(&hs.lock);
        if (abandon)
            break;
        size_t send_n = off + n > cut ? cut - off : n;
        ok = send_data_message(fc, &fr, off == 0, last ? SC_HISLIP_DATA_END : SC_HISLIP_DATA, id,
                               reply->bytes.data + off, n, send_n);
        off += n;
    }
    pthread_mutex_lock(&hs.lock);
    s->sending = false;
    pthread_cond_broadcast(&hs.changed);
    pthread_mutex_unlock(&hs.lock);
    return ok;
}

static void client_delivered(hs_session *s, uint8_t control)
{
    if (!(control & 1))
        return;
    pthread_mutex_lock(&hs.lock);
    s->mav = false; /* RMT-delivered: the client has the whole reply */
    pthread_mutex_unlock(&hs.lock);
}

typedef struct sync_ctx {
    sim_server *srv;
    hs_session *s;
    int fd;
    sc_buf message; /* gathered Data payloads */
    sim_fault_conn fc; /* replies leave through the fault helper */
} sync_ctx;

/* Data or DataEnd: gather, and run the program message at its end. */
static bool on_data(sync_ctx *c, const sc_hislip_header *h)
{
    pthread_mutex_lock(&hs.lock);
    bool clearing = c->s->clear_pending;
    bool both = c->s->async_fd >= 0;
    pthread_mutex_unlock(&hs.lock);
    if (!both) {
        send_error(c->fd, true, SC_HISLIP_FATAL_NO_BOTH_CHANNELS, "Data before the asynchronous channel was initialized");
        return false;
    }
    if (clearing)
        return skip_payload(c->fd, h->length); /* discarded until DeviceClearComplete */
    client_delivered(c->s, h->control);
    /* lenient about whether the client counted the header in our maximum */
    if (h->length > hs.max_message || c->message.len + h->length > MAX_PROGRAM_MESSAGE) {
        sc_buf_reset(&c->message);
        if (!skip_payload(c->fd, h->length))
            return false;
        send_error(c->fd, false, SC_HISLIP_ERR_TOO_LARGE, "message larger than the announced maximum");
        return true;
    }
    size_t n = (size_t)h->length;
    if (sc_buf_reserve(&c->message, n, NULL) != SC_OK || !sim_recv_all(c->fd, c->message.data + c->message.len, n))
        return false;
    c->message.len += n;
    if (h->type != SC_HISLIP_DATA_END)
        return true;
    sim_reply reply = { .binary = false };
    sc_buf_init(&reply.bytes, 0);
    sim_fault_execute(&c->fc, c->srv->inst, c->message.data, c->message.len, &reply);
    sc_buf_reset(&c->message);
    bool ok = send_reply(c->srv, c->s, &c->fc, &reply, h->param);
    sc_buf_free(&reply.bytes);
    return ok;
}

static bool on_device_clear_complete(sync_ctx *c, const sc_hislip_header *h)
{
    pthread_mutex_lock(&hs.lock);
    /* we support both modes, so the client's request is what is in force */
    c->s->overlapped = h->control & 1;
    c->s->clear_pending = false;
    c->s->mav = false;
    c->s->server_next_id = SC_HISLIP_FIRST_MESSAGE_ID;
    uint8_t features = c->s->overlapped ? 1 : 0;
    pthread_mutex_unlock(&hs.lock);
    sc_buf_reset(&c->message);
    sc_debug("hislip: session %u cleared", c->s->id);
    return send_message(c->fd, SC_HISLIP_DEVICE_CLEAR_ACKNOWLEDGE, features, 0, NULL, 0);
}

static bool on_sync_message(sync_ctx *c, const sc_hislip_header *h)
{
    switch (h->type) {
    case SC_HISLIP_DATA:
    case SC_HISLIP_DATA_END:
        return on_data(c, h);
    case SC_HISLIP_TRIGGER:
        client_delivered(c->s, h->control);
        return true;
    case SC_HISLIP_DEVICE_CLEAR_COMPLETE:
        return on_device_clear_complete(c, h);
    case SC_HISLIP_ERROR:
        return skip_payload(c->fd, h->length);
    case SC_HISLIP_FATAL_ERROR:
        return false;
    case SC_HISLIP_INITIALIZE:
        send_error(c->fd, true, SC_HISLIP_FATAL_BAD_INIT_SEQUENCE, "Initialize on a session already initialized");
        return false;
    default:
        return refuse(c->fd, h, "synchronous");
    }
}

/* Initialize: check the sub-address, open a session and answer. */
static hs_session *initialize(int fd, const sc_hislip_header *h)
{
    uint8_t sub[SC_HISLIP_MAX_SUBADDRESS + 1] = { 0 };
    size_t n = (size_t)h->length; /* at most 256: the decoder checked */
    sc_error err;
    if (!sim_recv_all(fd, sub, n))
        return NULL;
    if (sc_hislip_check_subaddress(sub, n, &err) != SC_OK) {
        send_error(fd, true, SC_HISLIP_FATAL_UNIDENTIFIED, err.message);
        return NULL;
    }
    sub[n] = '\0';
    if (n > 0 && strcasecmp((char *)sub, "hislip0") != 0) {
        char text[SC_HISLIP_MAX_SUBADDRESS + 64];
        snprintf(text, sizeof text, "unknown sub-address %s (this instrument has hislip0)", (char *)sub);
        send_error(fd, true, SC_HISLIP_FATAL_UNIDENTIFIED, text);
        return NULL;
    }
    hs_session *s = create_session(fd);
    if (!s) {
        send_error(fd, true, SC_HISLIP_FATAL_TOO_MANY_CLIENTS, "too many HiSLIP sessions");
        return NULL;
    }
    uint16_t version;
    char vendor[3];
    sc_hislip_initialize_unpack(h->param, &version, vendor);
    sc_debug("hislip: session %u for client vendor \"%s\" version %u.%u, %s mode", s->id, vendor, version >> 8,
             version & 0xff, s->overlapped ? "overlapped" : "synchronized");
    uint32_t param = sc_hislip_initialize_response_param(SC_HISLIP_VERSION_1_0, s->id);
    if (!send_message(fd, SC_HISLIP_INITIALIZE_RESPONSE, s->overlapped ? 1 : 0, param, NULL, 0)) {
        leave_session(s, true);
        return NULL;
    }
    return s;
}

static void serve_sync(sim_server *srv, int fd, const sc_hislip_header *init)
{
    hs_session *s = initialize(fd, init);
    if (!s)
        return;
    sync_ctx c = { .srv = srv, .s = s, .fd = fd };
    sc_buf_init(&c.message, MAX_PROGRAM_MESSAGE);
    sim_fault_conn_init(&c.fc, &srv->inst->faults, fd);
    for (;;) {
        sc_hislip_header h;
        msg_result r = next_message(fd, &h);
        if (r == MSG_CLOSED)
            break;
        if (r == MSG_REJECTED)
            continue;
        if (!on_sync_message(&c, &h))
            break;
    }
    sim_fault_conn_free(&c.fc);
    sc_buf_free(&c.message);
    leave_session(s, true);
}

/* ---- asynchronous channel ---- */

static uint8_t status_byte(sim_server *srv, hs_session *s)
{
    pthread_mutex_lock(&srv->inst->lock);
    uint8_t stb = srv->inst->error_count > 0 ? 0x04 : 0; /* EAV */
    pthread_mutex_unlock(&srv->inst->lock);
    pthread_mutex_lock(&hs.lock);
    if (s->mav)
        stb |= SC_HISLIP_STB_MAV;
    pthread_mutex_unlock(&hs.lock);
    return stb;
}

/* First half of device clear: stop output at a message boundary, then acknowledge. */
static bool on_async_device_clear(hs_session *s, int fd)
{
    pthread_mutex_lock(&hs.lock);
    s->clear_pending = true;
    s->mav = false;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ns = until.tv_nsec + (long)CLEAR_WAIT_MS * 1000000L;
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    while (s->sending)
        if (pthread_cond_timedwait(&hs.changed, &hs.lock, &until) != 0)
            break;
    uint8_t preferred = hs.overlapped ? 1 : 0;
    pthread_mutex_unlock(&hs.lock);
    return send_message(fd, SC_HISLIP_ASYNC_DEVICE_CLEAR_ACKNOWLEDGE, preferred, 0, NULL, 0);
}

static bool on_async_max_size(hs_session *s, int fd)
{
    uint8_t v[8];
    if (!sim_recv_all(fd, v, sizeof v))
        return false;
    uint64_t client_max = sc_hislip_decode_u64(v);
    /* a client too small to hold a status string gets that much anyway */
    if (client_max < SC_HISLIP_MIN_MESSAGE_SIZE)
        client_max = SC_HISLIP_MIN_MESSAGE_SIZE;
    pthread_mutex_lock(&hs.lock);
    s->client_max = client_max;
    pthread_mutex_unlock(&hs.lock);
    uint8_t msg[SC_HISLIP_MAX_SIZE_MESSAGE_LEN];
    sc_hislip_encode_max_size(msg, true, hs.max_message);
    return sim_send_all(fd, msg, sizeof msg);
}

static int lock_holders_locked(void)
{
    int n = 0;
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (hs.sessions[i].used && (hs.sessions[i].lock_exclusive || hs.sessions[i].lock_shared))
            n++;
    return n;
}

static bool exclusive_held_by_other_locked(const hs_session *s)
{
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (hs.sessions[i].used && &hs.sessions[i] != s && hs.sessions[i].lock_exclusive)
            return true;
    return false;
}

/* Locks are bookkeeping only: granted when free, never waited for. */
static bool on_async_lock(hs_session *s, int fd, const sc_hislip_header *h)
{
    char id[SC_HISLIP_MAX_LOCK_STRING];
    if (!sim_recv_all(fd, id, (size_t)h->length))
        return false;
    uint8_t result;
    pthread_mutex_lock(&hs.lock);
    if (h->control == 1) {
        bool exclusive = h->length == 0;
        if (s->lock_exclusive || s->lock_shared)
            result = 3; /* already held */
        else if (exclusive_held_by_other_locked(s) || (exclusive && lock_holders_locked() > 0))
            result = 0;
        else {
            s->lock_exclusive = exclusive;
            s->lock_shared = !exclusive;
            result = 1;
        }
    } else {
        result = s->lock_exclusive ? 1 : s->lock_shared ? 2 : 3;
        s->lock_exclusive = s->lock_shared = false;
    }
    pthread_mutex_unlock(&hs.lock);
    return send_message(fd, SC_HISLIP_ASYNC_LOCK_RESPONSE, result, 0, NULL, 0);
}

static bool on_async_lock_info(int fd)
{
    pthread_mutex_lock(&hs.lock);
    bool exclusive = false;
    for (int i = 0; i < MAX_SESSIONS; i++)
        exclusive = exclusive || (hs.sessions[i].used && hs.sessions[i].lock_exclusive);
    int holders = lock_holders_locked();
    pthread_mutex_unlock(&hs.lock);
    return send_message(fd, SC_HISLIP_ASYNC_LOCK_INFO_RESPONSE, exclusive ? 1 : 0, (uint32_t)holders, NULL, 0);
}

static bool on_async_message(sim_server *srv, hs_session *s, int fd, const sc_hislip_header *h)
{
    switch (h->type) {
    case SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE:
        return on_async_max_size(s, fd);
    case SC_HISLIP_ASYNC_STATUS_QUERY:
        /* the MessageID field is not checked: pyvisa-py sends its next ID, others the last */
        client_delivered(s, h->control);
        return send_message(fd, SC_HISLIP_ASYNC_STATUS_RESPONSE, status_byte(srv, s), 0, NULL, 0);
    case SC_HISLIP_ASYNC_DEVICE_CLEAR:
        return on_async_device_clear(s, fd);
    case SC_HISLIP_ASYNC_LOCK:
        return on_async_lock(s, fd, h);
    case SC_HISLIP_ASYNC_LOCK_INFO:
        return on_async_lock_info(fd);
    case SC_HISLIP_ASYNC_REMOTE_LOCAL_CONTROL:
        return send_message(fd, SC_HISLIP_ASYNC_REMOTE_LOCAL_RESPONSE, 0, 0, NULL, 0);
    case SC_HISLIP_ERROR:
        return skip_payload(fd, h->length);
    case SC_HISLIP_FATAL_ERROR:
        return false;
    case SC_HISLIP_ASYNC_INITIALIZE:
        send_error(fd, true, SC_HISLIP_FATAL_BAD_INIT_SEQUENCE, "AsyncInitialize on a channel already initialized");
        return false;
    default:
        return refuse(fd, h, "asynchronous");
    }
}

static void serve_async(sim_server *srv, int fd, const sc_hislip_header *init)
{
    uint16_t id = (uint16_t)init->param;
    hs_session *s = join_session(id, fd);
    if (!s) {
        char text[96];
        snprintf(text, sizeof text, "AsyncInitialize names session %u, which is unknown or already complete", id);
        send_error(fd, true, SC_HISLIP_FATAL_BAD_INIT_SEQUENCE, text);
        return;
    }
    if (send_message(fd, SC_HISLIP_ASYNC_INITIALIZE_RESPONSE, 0, sc_hislip_initialize_param(0, SERVER_VENDOR), NULL,
                     0)) {
        for (;;) {
            sc_hislip_header h;
            msg_result r = next_message(fd, &h);
            if (r == MSG_CLOSED)
                break;
            if (r == MSG_REJECTED)
                continue;
            if (!on_async_message(srv, s, fd, &h))
                break;
        }
    }
    leave_session(s, false);
}

/* ---- the connection's first message says which channel it is ---- */

static void serve_hislip(sim_server *srv, int fd)
{
    sc_hislip_header h;
    msg_result r = next_message(fd, &h);
    if (r != MSG_OK)
        return;
    if (h.type == SC_HISLIP_INITIALIZE)
        serve_sync(srv, fd, &h);
    else if (h.type == SC_HISLIP_ASYNC_INITIALIZE)
        serve_async(srv, fd, &h);
    else if (h.type == SC_HISLIP_DATA || h.type == SC_HISLIP_DATA_END)
        send_error(fd, true, SC_HISLIP_FATAL_NO_BOTH_CHANNELS, "Data on a connection that was never initialized");
    else
        send_error(fd, true, SC_HISLIP_FATAL_BAD_INIT_SEQUENCE, "the first message must be Initialize or AsyncInitialize");
}

void sim_hislip_configure(const sim_hislip_settings *s)
{
    hs.overlapped = s->overlapped;
    hs.max_message = s->max_message ? s->max_message : DEFAULT_MAX_MESSAGE;
}

int sim_hislip_parse_mode(const char *text, bool *overlapped)
{
    if (strcmp(text, "synchronized") == 0)
        *overlapped = false;
    else if (strcmp(text, "overlapped") == 0)
        *overlapped = true;
    else {
        fprintf(stderr, "scopesim: --hislip-mode takes synchronized or overlapped, not \"%s\"\n", text);
        return -1;
    }
    return 0;
}

int sim_hislip_parse_max_message(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v < SC_HISLIP_MIN_MESSAGE_SIZE || v > MAX_MESSAGE_SETTING) {
        fprintf(stderr, "scopesim: --hislip-max-message \"%s\" is not a size from %u to %llu bytes\n", text,
                SC_HISLIP_MIN_MESSAGE_SIZE, (unsigned long long)MAX_MESSAGE_SETTING);
        return -1;
    }
    *out = v;
    return 0;
}

int sim_start_hislip(sim_server *srv, const char *addr, const sim_ports *ports)
{
    if (hs.max_message == 0)
        hs.max_message = DEFAULT_MAX_MESSAGE; /* never configured */
    if (sim_listen_announced(srv, addr, ports->hislip, "hislip", serve_hislip) < 0)
        return -1;
    sc_info("hislip: %s mode, maximum message size %llu bytes", hs.overlapped ? "overlapped" : "synchronized",
            (unsigned long long)hs.max_message);
    return 0;
}
