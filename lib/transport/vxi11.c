/* VXI-11: SCPI over ONC RPC (protocols.md §1).
 *
 * Opening asks the portmapper (TCP, then UDP, at res->port or 111) where the core
 * channel listens, connects there and creates a link to res->device ("inst0",
 * "gpib0,5"). A write becomes device_write calls no larger than the maxRecvSize the
 * instrument announced, END on the last one only. A read is one device_read of up to
 * 1 MiB whose data is handed out piece by piece; END in the reason marks the end of the
 * message, REQCNT, CHR or no reason at all mean "more follows".
 *
 * Every RPC runs against the caller's deadline, and io_timeout tells the instrument a
 * little less than what is left, so it gives up (error 15) before we stop listening and
 * the channel stays in step. If it keeps silent anyway, the read is cancelled through
 * the abort channel and any late reply is recognised by its xid and skipped. */
#include "transport/net.h"
#include "transport/transport.h"
#include "wire/vxi11_wire.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_REQUEST (1024 * 1024)    /* device_read requestSize */
#define WRITE_CHUNK_MAX (1024 * 1024) /* even if the instrument accepts more per call */
#define WRITE_CHUNK_DEFAULT 1024      /* when it announces maxRecvSize 0 */
#define RECORD_SLACK 4096             /* RPC and XDR headers around the data */
#define SMALL_RECORD 4096             /* replies without bulk data */
#define CALL_BUF_MIN 512              /* calls without bulk data (device name <= 63) */
#define STALE_REPLIES_MAX 8           /* late replies to calls we gave up on */
#define EMPTY_READS_MAX 1000          /* device_read answers with no data and no END */
#define ABORT_BUDGET_MS 300           /* cancelling a read that overran its io_timeout */
#define ABORT_MIN_MS 50
#define CLOSE_BUDGET_MS 1000          /* destroy_link on close */
#define UDP_RETRY_MS 250

/* One TCP connection carrying RPC records: the core channel, the portmapper, the abort
 * channel. Bytes received past the end of a record wait in `in`. */
typedef struct rpc_conn {
    int fd;
    const char *what; /* for messages */
    sc_rpc_reassembler rx;
    size_t in_off, in_len;
    uint8_t in[64 * 1024];
} rpc_conn;

typedef struct vxi11_state {
    rpc_conn core;
    int32_t lid;
    bool linked;  /* destroy_link on close */
    bool broken;  /* the core connection is lost or out of step */
    uint16_t core_port;
    uint16_t abort_port;
    uint32_t write_chunk;
    uint32_t read_request;
    uint32_t xid;
    uint8_t *call;  /* outgoing record */
    size_t call_cap;
    /* data of the last device_read not yet handed to the caller (points into core.rx) */
    const uint8_t *data;
    size_t data_len, data_off;
    bool data_end;
    char abort_what[340];
} vxi11_state;

/* ---- records over TCP ---- */

static void conn_init(rpc_conn *c, int fd, const char *what, size_t max_record)
{
    c->fd = fd;
    c->what = what;
    c->in_off = c->in_len = 0;
    sc_rpc_reasm_init(&c->rx, max_record);
}

static void conn_close(rpc_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    sc_rpc_reasm_free(&c->rx);
}

/* Some instruments send a portmapper reply without the last-fragment bit (pyvisa-py has
 * a workaround for them): with `lenient`, one whole fragment is taken as the record. */
static sc_status recv_record(rpc_conn *c, bool lenient, sc_deadline deadline, sc_error *err)
{
    if (c->rx.complete)
        sc_rpc_reasm_next(&c->rx); /* the previous record has been used */
    for (;;) {
        if (c->in_off < c->in_len) {
            size_t used = 0;
            sc_status st = sc_rpc_reasm_feed(&c->rx, c->in + c->in_off, c->in_len - c->in_off, &used, err);
            c->in_off += used;
            if (st != SC_OK)
                return sc_error_prefix(err, "%s", c->what);
            if (c->rx.complete)
                return SC_OK;
            if (lenient && !c->rx.in_fragment && c->rx.mark_len == 0 && c->rx.record.len > 0) {
                c->rx.complete = true;
                return SC_OK;
            }
        }
        size_t got = 0;
        sc_status st = sc_tcp_recv_some(c->fd, c->in, sizeof c->in, &got, deadline, c->what, err);
        if (st != SC_OK) {
            if (c->rx.record.len > 0 || c->rx.mark_len > 0)
                sc_error_append(err, " (in the middle of an RPC reply, %zu bytes into it)", c->rx.record.len);
            return st;
        }
        c->in_off = 0;
        c->in_len = got;
    }
}

static uint32_t next_xid(uint32_t *xid)
{
    *xid += 1;
    if (*xid == 0)
        *xid = 1;
    return *xid;
}

static uint32_t first_xid(void)
{
    /* different per process and per link, so a late reply to an earlier program is not
     * taken for ours (libtirpc does the same) */
    uint64_t x = (uint64_t)sc_now_ns() ^ ((uint64_t)getpid() << 32);
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return (uint32_t)x | 1;
}

/* Send the record in w (begun with sc_rpc_begin_record + sc_rpc_put_call) and wait for
 * the reply with the same xid; on success `results` reads the procedure's results. */
static sc_status rpc_exchange(rpc_conn *c, sc_xdr_writer *w, uint32_t xid, uint32_t prog, uint32_t proc,
                              bool lenient, sc_deadline deadline, sc_xdr_reader *results, sc_error *err)
{
    sc_rpc_end_record(w);
    if (w->overflow)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "%s: %s call does not fit in %zu bytes", c->what,
                            sc_vxi11_proc_name(proc), w->cap);
    sc_status st = sc_tcp_send_all(c->fd, w->data, w->len, deadline, c->what, err);
    if (st != SC_OK)
        return st;
    for (int stale = 0;; stale++) {
        st = recv_record(c, lenient, deadline, err);
        if (st != SC_OK)
            return st;
        sc_xdr_reader r;
        sc_xdr_reader_init(&r, c->rx.record.data, c->rx.record.len);
        sc_rpc_reply reply;
        st = sc_rpc_get_reply(&r, &reply, err);
        if (st != SC_OK)
            return sc_error_prefix(err, "%s", c->what);
        if (reply.xid != xid) {
            if (stale >= STALE_REPLIES_MAX)
                return sc_error_set(err, SC_ERR_PROTOCOL,
                                    "%s: replies carry xid 0x%08X, not 0x%08X of our %s call (the channel is out of step; reconnect)",
                                    c->what, reply.xid, xid, sc_vxi11_proc_name(proc));
            sc_debug("%s: skipping a late reply (xid 0x%08X, waiting for 0x%08X)", c->what, reply.xid, xid);
            continue;
        }
        st = sc_rpc_reply_check(&reply, c->what, prog, proc, err);
        if (st != SC_OK)
            return st;
        *results = r;
        return SC_OK;
    }
}

/* Time kept back from the instrument's io_timeout: a tenth of what is left, at most 0.5 s.
 * The instrument gives up first, so its error 15 reaches us before our own deadline. */
static int io_margin_ms(int left_ms)
{
    int margin = left_ms / 10;
    return margin > 500 ? 500 : margin;
}

/* What io_timeout to give the instrument: a bit less than we will wait ourselves. */
static uint32_t io_timeout_ms(sc_deadline deadline)
{
    int ms = sc_deadline_poll_ms(deadline);
    if (ms < 0)
        return 3600 * 1000; /* no deadline: an hour still lets the instrument give up one day */
    return (uint32_t)(ms - io_margin_ms(ms));
}

/* How long to wait for a device_read reply: past io_timeout by half the margin, so the
 * other half is left for cancelling the read on the abort channel within the deadline. */
static sc_deadline read_reply_deadline(sc_deadline deadline)
{
    int ms = sc_deadline_poll_ms(deadline);
    if (ms < 0)
        return deadline;
    sc_deadline early = deadline;
    early.at_ns -= (int64_t)(io_margin_ms(ms) / 2) * 1000000;
    return early;
}

/* ---- portmapper ---- */

static void put_getport_call(sc_xdr_writer *w, uint32_t xid, bool record)
{
    if (record)
        sc_rpc_begin_record(w);
    sc_rpc_put_call(w, xid, SC_PMAP_PROG, SC_PMAP_VERS, SC_PMAP_PROC_GETPORT);
    sc_pmap_mapping m = { SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_PMAP_IPPROTO_TCP, 0 };
    sc_pmap_put_mapping(w, &m);
}

static sc_status get_port_result(sc_xdr_reader *r, const char *what, uint16_t *port, sc_error *err)
{
    uint32_t p;
    if (!sc_xdr_get_u32(r, &p))
        return sc_error_set(err, SC_ERR_PROTOCOL, "%s: GETPORT reply has no port number", what);
    if (p == 0)
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "%s: the portmapper knows no VXI-11 core channel (GETPORT answered port 0): the instrument does not serve VXI-11 here; try -p hislip or -p raw",
                            what);
    if (p > 65535)
        return sc_error_set(err, SC_ERR_PROTOCOL, "%s: GETPORT answered port %u, which is not a TCP port", what, p);
    *port = (uint16_t)p;
    return SC_OK;
}

static sc_status getport_tcp(sc_link *link, uint16_t pm_port, uint32_t xid, sc_deadline deadline,
                             const char *what, uint16_t *port, sc_error *err)
{
    rpc_conn *c = malloc(sizeof *c);
    if (!c)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    int fd = -1;
    sc_status st = sc_link_connect_tcp(link, pm_port, deadline, &fd, what, err);
    if (st != SC_OK) {
        free(c);
        return st;
    }
    conn_init(c, fd, what, SMALL_RECORD);
    uint8_t buf[128];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    put_getport_call(&w, xid, true);
    sc_xdr_reader r;
    st = rpc_exchange(c, &w, xid, SC_PMAP_PROG, SC_PMAP_PROC_GETPORT, true, deadline, &r, err);
    if (st == SC_OK)
        st = get_port_result(&r, what, port, err);
    conn_close(c);
    free(c);
    return st;
}

/* A connected UDP socket to the first of the link's addresses. */
static sc_status udp_socket(const sc_link *link, uint16_t port, const char *what, int *fd_out, sc_error *err)
{
    if (link->addrs.count == 0)
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: no address for UDP", what);
    struct sockaddr_storage sa;
    socklen_t len = sc_addrs_with_port(&link->addrs, 0, port, &sa);
    int fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* connected, so ICMP "port unreachable" comes back as ECONNREFUSED at once */
    if (fd < 0 || connect(fd, (const struct sockaddr *)&sa, len) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: UDP socket: %s", what, strerror(e));
    }
    *fd_out = fd;
    return SC_OK;
}

/* One datagram exchange: a GETPORT call, re-sent every UDP_RETRY_MS, answered by a
 * datagram carrying our xid. */
static sc_status getport_udp(const sc_link *link, uint16_t pm_port, uint32_t xid, sc_deadline deadline,
                             const char *what, uint16_t *port, sc_error *err)
{
    int fd = -1;
    sc_status st = udp_socket(link, pm_port, what, &fd, err);
    if (st != SC_OK)
        return st;
    uint8_t call[128], reply[512];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, call, sizeof call);
    put_getport_call(&w, xid, false);
    st = sc_error_set(err, SC_ERR_UNREACHABLE, "%s: no answer over UDP before the deadline", what);
    for (int attempt = 0; attempt < 64 && !sc_deadline_expired(deadline); attempt++) {
        if (send(fd, call, w.len, 0) < 0 && errno != EINTR) {
            st = sc_error_set(err, SC_ERR_UNREACHABLE, "%s: sending over UDP failed: %s", what, strerror(errno));
            break;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int wait = sc_deadline_poll_ms(sc_deadline_min(deadline, sc_deadline_in_ms(UDP_RETRY_MS)));
        if (poll(&p, 1, wait) <= 0)
            continue;
        ssize_t n = recv(fd, reply, sizeof reply, 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            st = sc_error_set(err, SC_ERR_UNREACHABLE, "%s: %s over UDP", what,
                              errno == ECONNREFUSED ? "nothing listens" : strerror(errno));
            break;
        }
        sc_xdr_reader r;
        sc_xdr_reader_init(&r, reply, (size_t)n);
        sc_rpc_reply head;
        sc_error ignored;
        if (sc_rpc_get_reply(&r, &head, &ignored) != SC_OK || head.xid != xid)
            continue; /* not ours: wait for the next one */
        st = sc_rpc_reply_check(&head, what, SC_PMAP_PROG, SC_PMAP_PROC_GETPORT, err);
        if (st == SC_OK)
            st = get_port_result(&r, what, port, err);
        break;
    }
    close(fd);
    return st;
}

/* The core channel's port: TCP first (every client does, and every instrument serves it),
 * UDP when nothing answers on TCP. */
static sc_status portmap_lookup(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vxi11_state *st = link->state;
    uint16_t pm_port = sc_resource_port(&link->res);
    char what[340];
    snprintf(what, sizeof what, "%s portmapper", link->label);
    sc_status s = getport_tcp(link, pm_port, next_xid(&st->xid), deadline, what, &st->core_port, err);
    if (s != SC_ERR_UNREACHABLE || sc_deadline_expired(deadline))
        return s;
    sc_debug("%s over TCP: %s; trying UDP", what, err->message);
    sc_error udp_err;
    sc_error_clear(&udp_err);
    s = getport_udp(link, pm_port, next_xid(&st->xid), deadline, what, &st->core_port, &udp_err);
    if (s == SC_OK)
        return SC_OK;
    if (s != SC_ERR_UNREACHABLE) {
        *err = udp_err;
        return s;
    }
    return sc_error_append(err, "; UDP port %u did not answer either: is VXI-11 enabled on the instrument?", pm_port);
}

/* ---- the core channel ---- */

static void begin_core_call(vxi11_state *st, sc_xdr_writer *w, uint32_t prog, uint32_t proc, uint32_t *xid)
{
    sc_xdr_writer_init(w, st->call, st->call_cap);
    sc_rpc_begin_record(w);
    *xid = next_xid(&st->xid);
    sc_rpc_put_call(w, *xid, prog, SC_VXI11_VERS, proc);
}

/* An exchange on the core channel; a lost or garbled connection is not used again. */
static sc_status core_exchange(sc_link *link, sc_xdr_writer *w, uint32_t xid, uint32_t proc, sc_deadline deadline,
                               sc_xdr_reader *results, sc_error *err)
{
    vxi11_state *st = link->state;
    sc_status s = rpc_exchange(&st->core, w, xid, SC_VXI11_CORE_PROG, proc, false, deadline, results, err);
    if (s == SC_ERR_CLOSED || s == SC_ERR_PROTOCOL || s == SC_ERR_TOO_LARGE || s == SC_ERR_IO)
        st->broken = true;
    return s;
}

static sc_status bad_results(sc_link *link, uint32_t proc, sc_error *err)
{
    ((vxi11_state *)link->state)->broken = true;
    return sc_error_set(err, SC_ERR_PROTOCOL, "%s: %s reply is truncated or malformed", link->label,
                        sc_vxi11_proc_name(proc));
}

/* A Device_ErrorCode other than 0, as one line that says what to do. */
static sc_status device_error(sc_link *link, uint32_t proc, int32_t code, uint32_t io_ms, sc_error *err)
{
    const char *name = sc_vxi11_proc_name(proc);
    const char *text = sc_vxi11_error_text(code);
    switch (code) {
    case SC_VXI11_ERR_IO_TIMEOUT:
        return sc_error_set(err, SC_ERR_TIMEOUT,
                            "%s: %s timed out in the instrument after %u ms (error 15, %s): nothing to send yet, or a slow operation (raise -t)",
                            link->label, name, io_ms, text);
    case SC_VXI11_ERR_INVALID_LINK:
        ((vxi11_state *)link->state)->broken = true;
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: %s refused (error 4, %s): the instrument dropped our link (rebooted or reset?); connect again",
                            link->label, name, text);
    case SC_VXI11_ERR_LOCKED:
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "%s: %s refused (error 11, %s): another program holds the instrument's lock; close it",
                            link->label, name, text);
    default:
        return sc_error_set(err, SC_ERR_INSTRUMENT, "%s: %s failed (error %d, %s)", link->label, name, code, text);
    }
}

static sc_status check_usable(sc_link *link, sc_error *err)
{
    vxi11_state *st = link->state;
    if (!st)
        return sc_error_set(err, SC_ERR_CLOSED, "%s: not connected (connecting again after a device clear failed)",
                            link->label);
    if (st->broken || link->fd < 0)
        return sc_error_set(err, SC_ERR_CLOSED,
                            "%s: the core channel was lost after an earlier error; connect again", link->label);
    return SC_OK;
}

static sc_status create_link(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vxi11_state *st = link->state;
    sc_vxi11_create_link_parms p = { .client_id = (int32_t)(st->xid & 0x7FFFFFFF), .lock_device = false,
                                     .lock_timeout = 0 };
    snprintf(p.device, sizeof p.device, "%s", link->res.device[0] ? link->res.device : "inst0");
    sc_xdr_writer w;
    uint32_t xid;
    begin_core_call(st, &w, SC_VXI11_CORE_PROG, SC_VXI11_CREATE_LINK, &xid);
    sc_vxi11_put_create_link_parms(&w, &p);
    sc_xdr_reader r;
    sc_status s = core_exchange(link, &w, xid, SC_VXI11_CREATE_LINK, deadline, &r, err);
    if (s != SC_OK)
        return s;
    sc_vxi11_create_link_resp resp;
    if (!sc_vxi11_get_create_link_resp(&r, &resp))
        return bad_results(link, SC_VXI11_CREATE_LINK, err);
    /* The instrument answered, so this is never "unreachable": it refused the name (or
     * has no room for another link), and the user has to change the resource. */
    if (resp.error == SC_VXI11_ERR_RESOURCES)
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "%s: create_link for device \"%s\" refused (error %d, %s): the instrument has no free link; close other programs connected to it",
                            link->label, p.device, resp.error, sc_vxi11_error_text(resp.error));
    if (resp.error != 0) {
        sc_resource inst0 = link->res;
        snprintf(inst0.device, sizeof inst0.device, "inst0");
        char visa[400];
        sc_resource_to_visa(&inst0, visa, sizeof visa);
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "%s: create_link for device \"%s\" refused (error %d, %s): the instrument does not know that device name; try inst0 (%s), what most LAN instruments call themselves, or gpib0,N for GPIB address N behind a LAN/GPIB gateway",
                            link->label, p.device, resp.error, sc_vxi11_error_text(resp.error), visa);
    }
    st->lid = resp.lid;
    st->linked = true;
    st->abort_port = resp.abort_port <= 65535 ? (uint16_t)resp.abort_port : 0;
    uint32_t chunk = resp.max_recv_size ? resp.max_recv_size : WRITE_CHUNK_DEFAULT;
    st->write_chunk = chunk < WRITE_CHUNK_MAX ? chunk : WRITE_CHUNK_MAX;
    sc_debug("%s: link %d to \"%s\" on core port %u: maxRecvSize %u, abort port %u", link->label, st->lid,
             p.device, st->core_port, resp.max_recv_size, st->abort_port);
    return SC_OK;
}

static sc_status grow_call_buffer(vxi11_state *st, size_t need, sc_error *err)
{
    if (need <= st->call_cap)
        return SC_OK;
    uint8_t *p = realloc(st->call, need);
    if (!p)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory for a %zu-byte VXI-11 call", need);
    st->call = p;
    st->call_cap = need;
    return SC_OK;
}

static void vxi11_close(sc_link *link);

static sc_status open_fail(sc_link *link, sc_status s)
{
    vxi11_close(link);
    free(link->state);
    link->state = NULL; /* sc_link_open frees only the link when open fails */
    return s;
}

static sc_status vxi11_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vxi11_state *st = calloc(1, sizeof *st);
    if (!st)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    link->state = st;
    st->xid = first_xid();
    size_t max_response = sc_max_response();
    st->read_request = max_response < READ_REQUEST ? (uint32_t)(max_response ? max_response : 1) : READ_REQUEST;
    conn_init(&st->core, -1, link->label, st->read_request + RECORD_SLACK);
    snprintf(st->abort_what, sizeof st->abort_what, "%s abort channel", link->label);

    sc_status s = portmap_lookup(link, deadline, err);
    if (s != SC_OK)
        return open_fail(link, s);
    sc_debug("%s: the portmapper says the core channel listens on port %u", link->label, st->core_port);
    s = sc_link_connect_tcp(link, st->core_port, deadline, &link->fd, link->label, err);
    if (s != SC_OK)
        return open_fail(link, s);
    st->core.fd = link->fd;
    if ((s = grow_call_buffer(st, CALL_BUF_MIN, err)) != SC_OK || (s = create_link(link, deadline, err)) != SC_OK ||
        (s = grow_call_buffer(st, st->write_chunk + RECORD_SLACK, err)) != SC_OK)
        return open_fail(link, s);
    return SC_OK;
}

/* Any reply data not yet handed out belongs to an abandoned message. */
static void drop_pending_data(vxi11_state *st)
{
    if (st->data_off < st->data_len)
        sc_debug("VXI-11: dropping %zu unread reply bytes", st->data_len - st->data_off);
    st->data = NULL;
    st->data_len = st->data_off = 0;
    st->data_end = false;
}

static sc_status device_write_chunk(sc_link *link, const uint8_t *data, uint32_t n, bool end, uint32_t *accepted,
                                    sc_deadline deadline, sc_error *err)
{
    vxi11_state *st = link->state;
    uint32_t io_ms = io_timeout_ms(deadline);
    sc_vxi11_write_parms p = { .lid = st->lid, .io_timeout = io_ms, .lock_timeout = 0,
                               .flags = end ? SC_VXI11_FLAG_END : 0, .data = data, .len = n };
    sc_xdr_writer w;
    uint32_t xid;
    begin_core_call(st, &w, SC_VXI11_CORE_PROG, SC_VXI11_DEVICE_WRITE, &xid);
    sc_vxi11_put_write_parms(&w, &p);
    sc_xdr_reader r;
    sc_status s = core_exchange(link, &w, xid, SC_VXI11_DEVICE_WRITE, deadline, &r, err);
    if (s != SC_OK)
        return s;
    sc_vxi11_write_resp resp;
    if (!sc_vxi11_get_write_resp(&r, &resp))
        return bad_results(link, SC_VXI11_DEVICE_WRITE, err);
    if (resp.error != 0)
        return device_error(link, SC_VXI11_DEVICE_WRITE, resp.error, io_ms, err);
    if (resp.size > n)
        return sc_error_set(err, SC_ERR_PROTOCOL, "%s: device_write says %u bytes were taken of the %u sent",
                            link->label, resp.size, n);
    *accepted = resp.size;
    return SC_OK;
}

static sc_status vxi11_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline, sc_error *err)
{
    sc_status s = check_usable(link, err);
    if (s != SC_OK)
        return s;
    vxi11_state *st = link->state;
    drop_pending_data(st);
    const uint8_t *p = data;
    size_t off = 0;
    do {
        size_t left = n - off;
        uint32_t chunk = left < st->write_chunk ? (uint32_t)left : st->write_chunk;
        bool last = chunk == left;
        uint32_t accepted = 0;
        s = device_write_chunk(link, p + off, chunk, last && end, &accepted, deadline, err);
        if (s != SC_OK)
            return s;
        if (accepted == 0 && chunk > 0)
            return sc_error_set(err, SC_ERR_INSTRUMENT,
                                "%s: device_write took none of %u bytes (after %zu of %zu): the instrument's input is full?",
                                link->label, chunk, off, n);
        off += accepted;
    } while (off < n);
    return SC_OK;
}

/* The instrument overran io_timeout and we stopped waiting with its device_read still
 * pending: cancel it through the abort channel, in what is left of the deadline, so the
 * instrument is free again, and say how that went. */
static void abort_read(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vxi11_state *st = link->state;
    if (st->abort_port == 0) {
        sc_error_append(err, "; the instrument offers no abort channel, so the read may still be pending");
        return;
    }
    /* until the caller's deadline, but never less than a round trip's worth */
    sc_deadline budget = sc_deadline_min(sc_deadline_in_ms(ABORT_BUDGET_MS), deadline);
    if (sc_deadline_poll_ms(budget) < ABORT_MIN_MS)
        budget = sc_deadline_in_ms(ABORT_MIN_MS);
    rpc_conn *c = malloc(sizeof *c);
    int fd = -1;
    sc_error aerr;
    sc_error_clear(&aerr);
    if (!c) {
        sc_error_append(err, "; out of memory for device_abort");
        return;
    }
    sc_status s = sc_link_connect_tcp(link, st->abort_port, budget, &fd, st->abort_what, &aerr);
    if (s != SC_OK) {
        free(c);
        sc_error_append(err, "; device_abort failed: %s", aerr.message);
        return;
    }
    conn_init(c, fd, st->abort_what, SMALL_RECORD);
    uint8_t buf[128];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_begin_record(&w);
    uint32_t xid = next_xid(&st->xid);
    sc_rpc_put_call(&w, xid, SC_VXI11_ASYNC_PROG, SC_VXI11_VERS, SC_VXI11_DEVICE_ABORT);
    sc_vxi11_put_link(&w, st->lid);
    sc_xdr_reader r;
    int32_t code = -1;
    s = rpc_exchange(c, &w, xid, SC_VXI11_ASYNC_PROG, SC_VXI11_DEVICE_ABORT, false, budget, &r, &aerr);
    if (s == SC_OK && !sc_vxi11_get_error(&r, &code))
        s = sc_error_set(&aerr, SC_ERR_PROTOCOL, "malformed reply");
    conn_close(c);
    free(c);
    if (s != SC_OK)
        sc_error_append(err, "; device_abort failed: %s", aerr.message);
    else if (code != 0)
        sc_error_append(err, "; device_abort on port %u refused (error %d, %s)", st->abort_port, code,
                        sc_vxi11_error_text(code));
    else
        sc_error_append(err, "; the pending read was cancelled with device_abort on port %u", st->abort_port);
}

static sc_status device_read_once(sc_link *link, sc_deadline deadline, int32_t *reason, sc_error *err)
{
    vxi11_state *st = link->state;
    uint32_t io_ms = io_timeout_ms(deadline);
    sc_vxi11_read_parms p = { .lid = st->lid, .request_size = st->read_request, .io_timeout = io_ms,
                              .lock_timeout = 0, .flags = 0, .term_char = 0 };
    sc_xdr_writer w;
    uint32_t xid;
    begin_core_call(st, &w, SC_VXI11_CORE_PROG, SC_VXI11_DEVICE_READ, &xid);
    sc_vxi11_put_read_parms(&w, &p);
    sc_xdr_reader r;
    sc_status s = core_exchange(link, &w, xid, SC_VXI11_DEVICE_READ, read_reply_deadline(deadline), &r, err);
    if (s == SC_ERR_TIMEOUT) {
        sc_error_set(err, SC_ERR_TIMEOUT,
                     "%s: device_read got no reply before the deadline, although io_timeout was %u ms (instrument busy or hung? raise -t)",
                     link->label, io_ms);
        abort_read(link, deadline, err);
        return SC_ERR_TIMEOUT;
    }
    if (s != SC_OK)
        return s;
    sc_vxi11_read_resp resp;
    if (!sc_vxi11_get_read_resp(&r, &resp, st->read_request)) {
        st->broken = true;
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: device_read reply is malformed or carries more than the %u bytes asked for",
                            link->label, st->read_request);
    }
    if (resp.error != 0)
        return device_error(link, SC_VXI11_DEVICE_READ, resp.error, io_ms, err);
    st->data = resp.data;
    st->data_len = resp.len;
    st->data_off = 0;
    st->data_end = (resp.reason & SC_VXI11_REASON_END) != 0;
    *reason = resp.reason;
    sc_trace("%s: device_read: %u bytes, reason 0x%X", link->label, resp.len, (unsigned)resp.reason);
    return SC_OK;
}

static sc_status vxi11_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                            sc_error *err)
{
    *got = 0;
    *end = false;
    sc_status s = check_usable(link, err);
    if (s != SC_OK)
        return s;
    vxi11_state *st = link->state;
    for (int empty = 0; st->data_off == st->data_len; empty++) {
        if ((s = check_usable(link, err)) != SC_OK)
            return s;
        if (empty >= EMPTY_READS_MAX)
            return sc_error_set(err, SC_ERR_PROTOCOL,
                                "%s: %d device_read replies in a row brought no data and no END", link->label, empty);
        int32_t reason = 0;
        if ((s = device_read_once(link, deadline, &reason, err)) != SC_OK)
            return s;
        if (st->data_len == 0 && st->data_end) {
            *end = true; /* an empty message, or END sent on its own */
            return SC_OK;
        }
    }
    size_t n = st->data_len - st->data_off;
    if (n > cap)
        n = cap;
    memcpy(data, st->data + st->data_off, n);
    st->data_off += n;
    *got = n;
    *end = st->data_end && st->data_off == st->data_len;
    return SC_OK;
}

static sc_status generic_call(sc_link *link, uint32_t proc, sc_deadline deadline, sc_error *err)
{
    vxi11_state *st = link->state;
    uint32_t io_ms = io_timeout_ms(deadline);
    sc_vxi11_generic_parms p = { .lid = st->lid, .flags = 0, .lock_timeout = 0, .io_timeout = io_ms };
    sc_xdr_writer w;
    uint32_t xid;
    begin_core_call(st, &w, SC_VXI11_CORE_PROG, proc, &xid);
    sc_vxi11_put_generic_parms(&w, &p);
    sc_xdr_reader r;
    sc_status s = core_exchange(link, &w, xid, proc, deadline, &r, err);
    if (s != SC_OK)
        return s;
    int32_t code;
    if (!sc_vxi11_get_error(&r, &code))
        return bad_results(link, proc, err);
    return code ? device_error(link, proc, code, io_ms, err) : SC_OK;
}

static sc_status vxi11_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vxi11_state *st = link->state;
    if (!st)
        return check_usable(link, err);
    drop_pending_data(st);
    if (st->broken) {
        /* the old connection is out of step: a new one (and link) is the only clean state */
        sc_debug("%s: device clear on a lost channel: connecting again", link->label);
        sc_resource res = link->res;
        vxi11_close(link);
        free(link->state);
        link->state = NULL;
        link->res = res;
        return vxi11_open(link, deadline, err);
    }
    return generic_call(link, SC_VXI11_DEVICE_CLEAR, deadline, err);
}

static void destroy_link(sc_link *link)
{
    vxi11_state *st = link->state;
    sc_deadline deadline = sc_deadline_in_ms(CLOSE_BUDGET_MS);
    sc_xdr_writer w;
    uint32_t xid;
    begin_core_call(st, &w, SC_VXI11_CORE_PROG, SC_VXI11_DESTROY_LINK, &xid);
    sc_vxi11_put_link(&w, st->lid);
    sc_xdr_reader r;
    sc_error err;
    sc_error_clear(&err);
    int32_t code = 0;
    if (core_exchange(link, &w, xid, SC_VXI11_DESTROY_LINK, deadline, &r, &err) != SC_OK)
        sc_debug("%s: destroy_link: %s", link->label, err.message);
    else if (sc_vxi11_get_error(&r, &code) && code != 0)
        sc_debug("%s: destroy_link: error %d (%s)", link->label, code, sc_vxi11_error_text(code));
}

static void vxi11_close(sc_link *link)
{
    vxi11_state *st = link->state;
    if (!st)
        return;
    if (st->linked && !st->broken && link->fd >= 0)
        destroy_link(link);
    st->linked = false;
    conn_close(&st->core);
    link->fd = -1;
    free(st->call);
    st->call = NULL;
    st->call_cap = 0;
}

const sc_link_ops sc_vxi11_link_ops = {
    .protocol = SC_PROTO_VXI11,
    .display_name = "VXI-11",
    .has_end_marker = true,
    .open = vxi11_open,
    .write = vxi11_write,
    .read = vxi11_read,
    .clear = vxi11_clear,
    .close = vxi11_close,
};
