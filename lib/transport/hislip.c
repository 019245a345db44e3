/* HiSLIP client (IVI-6.1): two TCP connections to port 4880 form one session.
 *
 *   synchronous channel  (link->fd)      Initialize, Data/DataEnd both ways, device clear end
 *   asynchronous channel (async_fd)      AsyncInitialize, maximum message size, status
 *                                        query, device clear start
 *
 * Writes are cut into Data messages no longer than the server's maximum, the last one a
 * DataEnd when the caller marks the end of the program message; every message gets its
 * own MessageID (0xFFFFFF00, +2). In synchronized mode the server answers with the
 * MessageID of the DataEnd that asked, so a late reply to a query we gave up on carries
 * an older ID and is skipped here instead of being taken for the answer to the next one.
 * In overlapped mode the server numbers its replies itself and they arrive in order. */
#include "transport/hislip.h"

#include "transport/net.h"
#include "wire/hislip_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLIENT_VENDOR "SC"
/* What we announce as our maximum message size (header included), as pyvisa-py does:
 * large enough that a 10 MB block needs only ten messages. */
#define CLIENT_MAX_MESSAGE ((uint64_t)1 << 20)
/* Our Data messages never carry more than this, whatever the server allows. */
#define MAX_SEND_PAYLOAD ((uint64_t)1 << 30)
#define SCRATCH_LEN (64 * 1024)
/* Messages up to this size leave in one send() with their header. */
#define SMALL_MESSAGE 4096

typedef struct hislip_state {
    int async_fd;
    uint16_t session_id;
    uint16_t server_version;
    bool overlapped;
    size_t max_payload;     /* payload per Data message we send */
    uint32_t next_id;       /* MessageID of our next Data/DataEnd */
    uint32_t last_sent_id;  /* of the most recent one, SC_HISLIP_NO_MESSAGE_ID after init/clear */
    bool rmt_delivered;     /* a whole reply reached the caller since our last message */
    /* the synchronous-channel message whose payload is being received */
    bool in_message;
    bool message_is_end;
    bool message_discard;   /* stale reply: skip its bytes */
    uint64_t remaining;
    /* after a FatalError or a broken header the byte stream is lost: every call fails */
    bool dead;
    sc_status dead_status;
    char dead_message[SC_ERROR_MAX];
    uint8_t scratch[SCRATCH_LEN];
} hislip_state;

static hislip_state *state_of(const sc_link *link) { return link->state; }

/* ---- byte-level helpers ---- */

/* Forward declaration: a failure halfway through a message loses the byte stream. */
static sc_status kill_session(sc_link *link, sc_error *err);

/* Receive exactly n bytes of a message already begun; failing halfway loses our place in
 * the stream, so the session ends with that error. */
static sc_status recv_exact(sc_link *link, int fd, void *buf, size_t n, sc_deadline deadline, sc_error *err)
{
    uint8_t *p = buf;
    while (n > 0) {
        size_t got = 0;
        sc_status st = sc_tcp_recv_some(fd, p, n, &got, deadline, link->label, err);
        if (st != SC_OK)
            return kill_session(link, err);
        p += got;
        n -= got;
    }
    return SC_OK;
}

/* Skip the payload of a message we do not want, as a whole (see recv_exact). */
static sc_status skip_bytes(sc_link *link, int fd, uint64_t n, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    while (n > 0) {
        size_t want = n < sizeof st->scratch ? (size_t)n : sizeof st->scratch;
        size_t got = 0;
        if (sc_tcp_recv_some(fd, st->scratch, want, &got, deadline, link->label, err) != SC_OK)
            return kill_session(link, err);
        n -= got;
    }
    return SC_OK;
}

/* Skip what is left of the current synchronous message; resumable after a timeout. */
static sc_status skip_current(sc_link *link, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    while (st->remaining > 0) {
        size_t want = st->remaining < sizeof st->scratch ? (size_t)st->remaining : sizeof st->scratch;
        size_t got = 0;
        sc_status s = sc_tcp_recv_some(link->fd, st->scratch, want, &got, deadline, link->label, err);
        if (s != SC_OK)
            return s;
        st->remaining -= got;
    }
    return SC_OK;
}

static sc_status send_message(sc_link *link, int fd, uint8_t type, uint8_t control, uint32_t param,
                              const void *payload, size_t len, sc_deadline deadline, sc_error *err)
{
    uint8_t small[SC_HISLIP_HEADER_LEN + SMALL_MESSAGE];
    sc_trace("%s: send %s control %u param 0x%08x, %zu bytes", link->label, sc_hislip_type_name(type), control,
             param, len);
    if (len <= SMALL_MESSAGE) {
        /* header and payload in one segment: small commands are the common case */
        size_t total = sc_hislip_encode(small, sizeof small, type, control, param, payload, len);
        return sc_tcp_send_all(fd, small, total, deadline, link->label, err);
    }
    sc_hislip_encode_header(small, type, control, param, len);
    sc_status st = sc_tcp_send_all(fd, small, SC_HISLIP_HEADER_LEN, deadline, link->label, err);
    if (st != SC_OK)
        return st;
    return sc_tcp_send_all(fd, payload, len, deadline, link->label, err);
}

/* Remember why the session is lost and return that error. */
static sc_status kill_session(sc_link *link, sc_error *err)
{
    hislip_state *st = state_of(link);
    st->dead = true;
    st->dead_status = err->code;
    snprintf(st->dead_message, sizeof st->dead_message, "%s", err->message);
    return err->code;
}

static sc_status read_header(sc_link *link, int fd, sc_hislip_header *h, sc_deadline deadline, sc_error *err)
{
    uint8_t raw[SC_HISLIP_HEADER_LEN];
    size_t have = 0;
    while (have < sizeof raw) {
        size_t got = 0;
        sc_status st = sc_tcp_recv_some(fd, raw + have, sizeof raw - have, &got, deadline, link->label, err);
        if (st != SC_OK)
            return have ? kill_session(link, err) : st; /* nothing begun: the session survives */
        have += got;
    }
    sc_status st = sc_hislip_decode_header(raw, sizeof raw, h, NULL, err);
    if (st != SC_OK) {
        /* where the next header starts is unknown now: the session cannot go on */
        sc_error_prefix(err, "%s", link->label);
        sc_error_append(err, " (the session is lost: reconnect; -vvv traces the messages)");
        return kill_session(link, err);
    }
    sc_trace("%s: got %s control %u param 0x%08x, %llu bytes", link->label, sc_hislip_type_name(h->type),
             h->control, h->param, (unsigned long long)h->length);
    return SC_OK;
}

/* Error/FatalError from the server: read its text and turn it into our error. */
static sc_status peer_error(sc_link *link, int fd, const sc_hislip_header *h, const char *doing,
                            sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    char text[256] = "";
    size_t n = (size_t)h->length; /* bounded by SC_HISLIP_MAX_TEXT in the decoder */
    if (recv_exact(link, fd, st->scratch, n, deadline, err) != SC_OK)
        return err->code;
    sc_sanitize_text(text, sizeof text, (const char *)st->scratch, n);
    if (h->type == SC_HISLIP_FATAL_ERROR) {
        sc_error_set(err, SC_ERR_PROTOCOL,
                     "%s: the instrument sent FatalError %u (%s)%s%s%s while %s; it closes the session (reconnect)",
                     link->label, h->control, sc_hislip_fatal_text(h->control), text[0] ? ": \"" : "", text,
                     text[0] ? "\"" : "", doing);
        return kill_session(link, err);
    }
    return sc_error_set(err, SC_ERR_PROTOCOL, "%s: the instrument sent Error %u (%s)%s%s%s while %s", link->label,
                        h->control, sc_hislip_error_text(h->control), text[0] ? ": \"" : "", text,
                        text[0] ? "\"" : "", doing);
}

static sc_status unexpected(sc_link *link, const sc_hislip_header *h, const char *wanted, sc_error *err)
{
    sc_error_set(err, SC_ERR_PROTOCOL, "%s: expected HiSLIP %s, got %s (is this really a HiSLIP server?)",
                 link->label, wanted, sc_hislip_type_name(h->type));
    return kill_session(link, err);
}

/* Read messages on one channel until one of type `want` arrives; its payload (at most
 * the scratch size; the decoder bounds every non-Data type below that) lands in scratch.
 * Unsolicited service requests and interrupt notices are skipped on the way. */
static sc_status await_message(sc_link *link, int fd, uint8_t want, sc_hislip_header *h, const char *doing,
                               sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    for (;;) {
        sc_status s = read_header(link, fd, h, deadline, err);
        if (s != SC_OK)
            return s;
        if (h->type == SC_HISLIP_ERROR || h->type == SC_HISLIP_FATAL_ERROR)
            return peer_error(link, fd, h, doing, deadline, err);
        bool skip = h->type == SC_HISLIP_ASYNC_SERVICE_REQUEST || h->type == SC_HISLIP_ASYNC_INTERRUPTED ||
                    h->type >= SC_HISLIP_VENDOR_FIRST;
        if (h->type != want && !skip)
            return unexpected(link, h, sc_hislip_type_name(want), err);
        if (h->type != want || h->length > sizeof st->scratch) {
            if ((s = skip_bytes(link, fd, h->length, deadline, err)) != SC_OK)
                return s;
            if (h->type == want) {
                sc_error_set(err, SC_ERR_PROTOCOL, "%s: HiSLIP %s carries %llu payload bytes, far more than it may",
                             link->label, sc_hislip_type_name(h->type), (unsigned long long)h->length);
                return kill_session(link, err);
            }
            continue;
        }
        return recv_exact(link, fd, st->scratch, (size_t)h->length, deadline, err);
    }
}

/* ---- open ---- */

static void reset_message_ids(hislip_state *st)
{
    st->next_id = SC_HISLIP_FIRST_MESSAGE_ID;
    st->last_sent_id = SC_HISLIP_NO_MESSAGE_ID;
    st->rmt_delivered = false;
    st->in_message = false;
    st->remaining = 0;
}

static sc_status initialize_sync(sc_link *link, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    const char *sub = link->res.device[0] ? link->res.device : "hislip0";
    uint32_t param = sc_hislip_initialize_param(SC_HISLIP_VERSION_1_0, CLIENT_VENDOR);
    sc_status s = send_message(link, link->fd, SC_HISLIP_INITIALIZE, 0, param, sub, strlen(sub), deadline, err);
    if (s != SC_OK)
        return s;
    sc_hislip_header h;
    s = await_message(link, link->fd, SC_HISLIP_INITIALIZE_RESPONSE, &h, "initializing", deadline, err);
    if (s != SC_OK) {
        if (s == SC_ERR_PROTOCOL)
            sc_error_append(err, " (sub-address \"%s\": check the device name, hislip0 on most instruments)", sub);
        return s;
    }
    sc_hislip_initialize_response_unpack(h.param, &st->server_version, &st->session_id);
    st->overlapped = h.control & 1;
    sc_debug("%s: HiSLIP session %u, server version %u.%u, %s mode", link->label, st->session_id,
             st->server_version >> 8, st->server_version & 0xff, st->overlapped ? "overlapped" : "synchronized");
    return SC_OK;
}

static sc_status initialize_async(sc_link *link, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    sc_status s = sc_link_connect_tcp(link, sc_resource_port(&link->res), deadline, &st->async_fd,
                                      link->label, err);
    if (s != SC_OK)
        return sc_error_append(err, " (the asynchronous channel)");
    s = send_message(link, st->async_fd, SC_HISLIP_ASYNC_INITIALIZE, 0, st->session_id, NULL, 0, deadline, err);
    if (s != SC_OK)
        return s;
    sc_hislip_header h;
    return await_message(link, st->async_fd, SC_HISLIP_ASYNC_INITIALIZE_RESPONSE, &h,
                         "initializing the asynchronous channel", deadline, err);
}

static sc_status negotiate_max_size(sc_link *link, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    uint8_t msg[SC_HISLIP_MAX_SIZE_MESSAGE_LEN];
    sc_hislip_encode_max_size(msg, false, CLIENT_MAX_MESSAGE);
    sc_status s = sc_tcp_send_all(st->async_fd, msg, sizeof msg, deadline, link->label, err);
    if (s != SC_OK)
        return s;
    sc_hislip_header h;
    s = await_message(link, st->async_fd, SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE_RESPONSE, &h,
                      "negotiating the maximum message size", deadline, err);
    if (s != SC_OK)
        return s;
    uint64_t server_max = sc_hislip_decode_u64(st->scratch);
    /* the size includes the 16-byte header (pyvisa-py and msl-equipment read it so) */
    if (server_max <= SC_HISLIP_HEADER_LEN)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: the instrument announced a maximum message size of %llu bytes, no room for data",
                            link->label, (unsigned long long)server_max);
    uint64_t payload = server_max - SC_HISLIP_HEADER_LEN;
    st->max_payload = (size_t)(payload < MAX_SEND_PAYLOAD ? payload : MAX_SEND_PAYLOAD);
    sc_debug("%s: server maximum message size %llu bytes", link->label, (unsigned long long)server_max);
    return SC_OK;
}

static void close_channels(sc_link *link)
{
    hislip_state *st = state_of(link);
    if (st && st->async_fd >= 0)
        close(st->async_fd);
    if (st)
        st->async_fd = -1;
    if (link->fd >= 0)
        close(link->fd);
    link->fd = -1;
}

static sc_status hislip_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = calloc(1, sizeof *st);
    if (!st)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    st->async_fd = -1;
    reset_message_ids(st);
    link->state = st;
    sc_status s = sc_link_connect_tcp(link, sc_resource_port(&link->res), deadline, &link->fd, link->label,
                                      err);
    if (s == SC_OK)
        s = initialize_sync(link, deadline, err);
    if (s == SC_OK)
        s = initialize_async(link, deadline, err);
    if (s == SC_OK)
        s = negotiate_max_size(link, deadline, err);
    if (s != SC_OK) {
        /* the link layer frees only the link itself when open fails */
        close_channels(link);
        free(st);
        link->state = NULL;
    }
    return s;
}

/* ---- write ---- */

static sc_status check_alive(sc_link *link, sc_error *err)
{
    hislip_state *st = state_of(link);
    if (!st->dead)
        return SC_OK;
    return sc_error_set(err, st->dead_status, "%s", st->dead_message);
}

static sc_status hislip_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline,
                              sc_error *err)
{
    hislip_state *st = state_of(link);
    sc_status s = check_alive(link, err);
    if (s != SC_OK)
        return s;
    /* a new command makes any reply still arriving stale (synchronized mode) */
    if (st->in_message && !st->overlapped)
        st->message_discard = true;
    const uint8_t *p = data;
    size_t left = n;
    while (left > 0 || end) {
        size_t chunk = left < st->max_payload ? left : st->max_payload;
        bool last = chunk == left;
        uint8_t type = last && end ? SC_HISLIP_DATA_END : SC_HISLIP_DATA;
        uint8_t rmt = st->rmt_delivered ? 1 : 0;
        s = send_message(link, link->fd, type, rmt, st->next_id, p, chunk, deadline, err);
        if (s != SC_OK)
            return s;
        st->rmt_delivered = false;
        st->last_sent_id = st->next_id;
        st->next_id = sc_hislip_next_message_id(st->next_id);
        p += chunk;
        left -= chunk;
        if (last)
            break;
    }
    return SC_OK;
}

/* ---- read ---- */

/* Is this Data/DataEnd the answer to our latest message? (spec §3.1.2) */
static bool reply_is_current(const hislip_state *st, const sc_hislip_header *h)
{
    if (st->overlapped)
        return true;
    if (h->param == st->last_sent_id)
        return true;
    return h->type == SC_HISLIP_DATA && h->param == SC_HISLIP_UNKNOWN_MESSAGE_ID;
}

/* Read headers until a Data/DataEnd whose payload we are to receive starts. */
static sc_status next_data_message(sc_link *link, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    for (;;) {
        sc_hislip_header h;
        sc_status s = read_header(link, link->fd, &h, deadline, err);
        if (s != SC_OK)
            return s;
        switch (h.type) {
        case SC_HISLIP_DATA:
        case SC_HISLIP_DATA_END:
            st->in_message = true;
            st->message_is_end = h.type == SC_HISLIP_DATA_END;
            st->remaining = h.length;
            st->message_discard = !reply_is_current(st, &h);
            if (st->message_discard)
                sc_debug("%s: skipping a stale %s with MessageID 0x%08x (ours is 0x%08x)", link->label,
                         sc_hislip_type_name(h.type), h.param, st->last_sent_id);
            return SC_OK;
        case SC_HISLIP_ERROR:
        case SC_HISLIP_FATAL_ERROR:
            return peer_error(link, link->fd, &h, "reading the reply", deadline, err);
        case SC_HISLIP_INTERRUPTED:
        case SC_HISLIP_DEVICE_CLEAR_ACKNOWLEDGE:
            sc_debug("%s: ignoring %s", link->label, sc_hislip_type_name(h.type));
            continue;
        default:
            if (h.type >= SC_HISLIP_VENDOR_FIRST) {
                if ((s = skip_bytes(link, link->fd, h.length, deadline, err)) != SC_OK)
                    return s;
                continue;
            }
            return unexpected(link, &h, "Data or DataEnd on the synchronous channel", err);
        }
    }
}

/* The current message's payload is consumed: note the end of a reply. */
static void finish_message(hislip_state *st, bool *end)
{
    st->in_message = false;
    if (st->message_is_end && !st->message_discard) {
        *end = true;
        st->rmt_delivered = true;
    }
}

static sc_status hislip_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                             sc_error *err)
{
    hislip_state *st = state_of(link);
    *got = 0;
    *end = false;
    sc_status s = check_alive(link, err);
    if (s != SC_OK || cap == 0)
        return s;
    for (;;) {
        if (!st->in_message && (s = next_data_message(link, deadline, err)) != SC_OK)
            return s;
        if (st->message_discard) {
            if ((s = skip_current(link, deadline, err)) != SC_OK)
                return s;
            finish_message(st, end);
            continue;
        }
        if (st->remaining == 0) {
            finish_message(st, end);
            if (*end)
                return SC_OK; /* an empty DataEnd: the reply ends with what came before */
            continue;
        }
        size_t want = st->remaining < cap ? (size_t)st->remaining : cap;
        if ((s = sc_tcp_recv_some(link->fd, data, want, got, deadline, link->label, err)) != SC_OK)
            return s;
        st->remaining -= *got;
        if (st->remaining == 0)
            finish_message(st, end);
        return SC_OK;
    }
}

/* ---- device clear (spec §4.12, protocols.md §2.7) ---- */

/* Discard what is left of the reply in flight, then everything up to the acknowledge. */
static sc_status await_clear_acknowledge(sc_link *link, sc_hislip_header *h, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    sc_status s;
    if (st->in_message && (s = skip_current(link, deadline, err)) != SC_OK)
        return s;
    st->in_message = false;
    for (;;) {
        if ((s = read_header(link, link->fd, h, deadline, err)) != SC_OK)
            return s;
        if (h->type == SC_HISLIP_DEVICE_CLEAR_ACKNOWLEDGE)
            return SC_OK;
        if (h->type == SC_HISLIP_ERROR || h->type == SC_HISLIP_FATAL_ERROR)
            return peer_error(link, link->fd, h, "clearing the device", deadline, err);
        bool stale = h->type == SC_HISLIP_DATA || h->type == SC_HISLIP_DATA_END ||
                     h->type == SC_HISLIP_INTERRUPTED || h->type >= SC_HISLIP_VENDOR_FIRST;
        if (!stale)
            return unexpected(link, h, "DeviceClearAcknowledge", err);
        if ((s = skip_bytes(link, link->fd, h->length, deadline, err)) != SC_OK)
            return s;
    }
}

static sc_status hislip_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    sc_status s = check_alive(link, err);
    if (s != SC_OK)
        return s;
    s = send_message(link, st->async_fd, SC_HISLIP_ASYNC_DEVICE_CLEAR, 0, 0, NULL, 0, deadline, err);
    sc_hislip_header h;
    if (s == SC_OK)
        s = await_message(link, st->async_fd, SC_HISLIP_ASYNC_DEVICE_CLEAR_ACKNOWLEDGE, &h, "clearing the device",
                          deadline, err);
    if (s != SC_OK)
        return s;
    /* ask for the features the server prefers (bit0: overlapped), as pyvisa-py does */
    uint8_t features = h.control;
    s = send_message(link, link->fd, SC_HISLIP_DEVICE_CLEAR_COMPLETE, features, 0, NULL, 0, deadline, err);
    if (s == SC_OK)
        s = await_clear_acknowledge(link, &h, deadline, err);
    if (s != SC_OK)
        return s;
    reset_message_ids(st);
    st->overlapped = h.control & 1;
    sc_debug("%s: device clear done, %s mode", link->label, st->overlapped ? "overlapped" : "synchronized");
    return SC_OK;
}

/* ---- status query ---- */

sc_status sc_hislip_read_stb(sc_link *link, uint8_t *stb, sc_deadline deadline, sc_error *err)
{
    hislip_state *st = state_of(link);
    sc_status s = check_alive(link, err);
    if (s != SC_OK)
        return s;
    /* MessageID: that of our most recent message (spec §4.14) */
    uint8_t rmt = st->rmt_delivered ? 1 : 0;
    s = send_message(link, st->async_fd, SC_HISLIP_ASYNC_STATUS_QUERY, rmt, st->last_sent_id, NULL, 0, deadline,
                     err);
    if (s != SC_OK)
        return s;
    st->rmt_delivered = false;
    sc_hislip_header h;
    s = await_message(link, st->async_fd, SC_HISLIP_ASYNC_STATUS_RESPONSE, &h, "reading the status byte", deadline,
                      err);
    if (s == SC_OK)
        *stb = h.control;
    return s;
}

bool sc_hislip_overlapped(const sc_link *link)
{
    return state_of(link)->overlapped;
}

static void hislip_close(sc_link *link)
{
    close_channels(link);
}

const sc_link_ops sc_hislip_link_ops = {
    .protocol = SC_PROTO_HISLIP,
    .display_name = "HiSLIP",
    .has_end_marker = true,
    .open = hislip_open,
    .write = hislip_write,
    .read = hislip_read,
    .clear = hislip_clear,
    .close = hislip_close,
};
