/* scopesim VXI-11 server (protocols.md §1.3, §1.6): a portmapper on TCP and UDP, the
 * core channel with links, and the abort channel, behaving like a LAN scope.
 *
 * Links live in one table shared by every connection: the abort channel arrives on its
 * own connection and must reach a link of the core channel. A link's buffers are only
 * touched by the thread of the connection that created it; the table lock guards the
 * slots, the abort flags and the device lock.
 *
 * Options (sim_vxi11_configure): maxRecvSize told by create_link (--vxi11-max-recv,
 * default 16384: real instruments say 1024..65536, so long writes come in several
 * device_write calls) and the device names create_link accepts (--vxi11-devices).
 *
 * Environment:
 *   SCOPESIM_VXI11_HOLD_EXTRA_MS under --fault stall, hold a device_read this much past
 *                                its io_timeout, like an instrument that overruns it;
 *                                makes clients use the abort channel (default 0) */
#include "server.h"
#include "faults.h"

#include "wire/vxi11_wire.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINKS 32
#define DEFAULT_MAX_RECV 16384
#define MAX_CALL_RECORD (8 * 1024 * 1024) /* liblxi sends a whole message in one call */
#define MAX_INPUT (16 * 1024 * 1024)      /* a program message gathered over several writes */
#define REPLY_FRAGMENT (64 * 1024)        /* like libtirpc's stream buffer */
#define MAX_HOLD_MS (10 * 60 * 1000)      /* no read is held longer, whatever io_timeout says */
#define HOLD_SLICE_MS 5 /* how quickly a held read notices an abort or a hang-up */
#define MAV 0x10

typedef struct sim_link {
    bool used;
    int32_t lid;
    int conn;   /* fd of the core connection that owns it */
    bool abort; /* device_abort arrived */
    sc_buf input;
    sc_buf output;
    size_t output_off;
    bool output_binary;
} sim_link;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* lock released, abort flagged */
    sim_link links[MAX_LINKS];
    int32_t next_lid;
    int32_t lock_owner; /* lid holding the device lock, 0 = none */
    uint16_t core_port;
    uint16_t abort_port;
    uint32_t max_recv;
    uint32_t hold_extra_ms;
    char addr[64];
    sim_vxi11_settings settings;
} vx = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER, .next_lid = 1 };

/* One connection carrying RPC records (core, abort or portmapper). */
typedef struct rpc_peer {
    sim_server *srv;
    int fd;
    sc_rpc_reassembler rx;
    uint8_t *reply;    /* reply body being built */
    size_t reply_cap;
    sc_xdr_writer out; /* writes into reply */
    bool cut;          /* close-mid-transfer: send half of this reply, then hang up */
    bool twice;        /* duplicate-frames: send this reply record twice */
    sim_fault_conn fc; /* core channel: replies leave through the fault helper */
    size_t in_off, in_len;
    uint8_t in[64 * 1024];
} rpc_peer;

/* ---- records ---- */

static bool read_record(rpc_peer *p)
{
    if (p->rx.complete)
        sc_rpc_reasm_next(&p->rx);
    for (;;) {
        if (p->in_off < p->in_len) {
            size_t used = 0;
            sc_error err;
            if (sc_rpc_reasm_feed(&p->rx, p->in + p->in_off, p->in_len - p->in_off, &used, &err) != SC_OK) {
                sc_debug("vxi11: dropping a client: %s", err.message);
                return false;
            }
            p->in_off += used;
            if (p->rx.complete)
                return true;
        }
        ssize_t r = recv(p->fd, p->in, sizeof p->in, 0);
        if (r <= 0)
            return false;
        p->in_off = 0;
        p->in_len = (size_t)r;
    }
}

/* Start the reply in p->out with room for `extra` bytes of results after the header. */
static bool start_reply(rpc_peer *p, uint32_t xid, uint32_t accept_stat, size_t extra)
{
    size_t need = 64 + extra;
    if (need > p->reply_cap) {
        uint8_t *b = realloc(p->reply, need);
        if (!b)
            return false;
        p->reply = b;
        p->reply_cap = need;
    }
    sc_xdr_writer_init(&p->out, p->reply, p->reply_cap);
    sc_rpc_put_reply(&p->out, xid, accept_stat);
    return true;
}

static bool start_success(rpc_peer *p, const sc_rpc_call *call, size_t extra)
{
    return start_reply(p, call->xid, SC_RPC_SUCCESS, extra);
}

static bool reply_status(rpc_peer *p, const sc_rpc_call *call, uint32_t accept_stat)
{
    return start_reply(p, call->xid, accept_stat, 0);
}

/* Device_Error and the other one-word results */
static bool reply_error(rpc_peer *p, const sc_rpc_call *call, int32_t code)
{
    if (!start_success(p, call, 4))
        return false;
    sc_vxi11_put_error(&p->out, code);
    return true;
}

/* Frame the reply as fragments of REPLY_FRAGMENT bytes and send it. */
static bool send_reply(rpc_peer *p)
{
    if (p->out.overflow)
        return false;
    size_t n = sc_rpc_framed_size(p->out.len, REPLY_FRAGMENT);
    uint8_t *wire = malloc(n);
    if (!wire)
        return false;
    sc_rpc_frame(p->out.data, p->out.len, REPLY_FRAGMENT, wire);
    bool ok;
    if (p->cut) {
        sim_fault_send(&p->fc, wire, n / 2);
        ok = false; /* the fault: hang up in the middle of the reply */
    } else {
        ok = sim_fault_send(&p->fc, wire, n) && (!p->twice || sim_fault_send(&p->fc, wire, n));
    }
    p->twice = false;
    free(wire);
    return ok;
}

/* Handle one call: build the reply in p->out; false drops the connection. */
typedef bool (*call_handler)(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args);

/* The serve loop shared by the TCP servers: one call in, one reply out. */
static void serve_records(sim_server *srv, int fd, call_handler handle, void (*on_close)(int fd), bool faulty)
{
    rpc_peer *p = calloc(1, sizeof *p);
    if (!p)
        return;
    p->srv = srv;
    p->fd = fd;
    sim_fault_conn_init(&p->fc, faulty ? &srv->inst->faults : NULL, fd);
    sc_rpc_reasm_init(&p->rx, MAX_CALL_RECORD);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    while (read_record(p)) {
        sc_xdr_reader r;
        sc_xdr_reader_init(&r, p->rx.record.data, p->rx.record.len);
        sc_rpc_call call;
        sc_error err;
        if (sc_rpc_get_call(&r, &call, &err) != SC_OK) {
            sc_debug("vxi11: dropping a client: %s", err.message);
            break;
        }
        bool ok;
        if (call.rpcvers != SC_RPC_VERSION) {
            ok = start_reply(p, call.xid, SC_RPC_SUCCESS, 0);
            sc_xdr_writer_init(&p->out, p->reply, p->reply_cap);
            sc_rpc_put_reply_rpc_mismatch(&p->out, call.xid);
        } else {
            ok = handle(p, &call, &r);
        }
        if (!ok || !send_reply(p))
            break;
    }
    if (on_close)
        on_close(fd);
    sim_fault_conn_free(&p->fc);
    sc_rpc_reasm_free(&p->rx);
    free(p->reply);
    free(p);
}

/* ---- portmapper (TCP and UDP) ---- */

/* rpcbind's universal address: "127.0.0.1.P1.P2" */
static void universal_address(char *out, size_t cap, uint16_t port)
{
    snprintf(out, cap, "%s.%u.%u", vx.addr, port >> 8, port & 0xFF);
}

static bool pmap_handle(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    if (call->prog != SC_PMAP_PROG)
        return reply_status(p, call, SC_RPC_PROG_UNAVAIL);
    if (call->vers < 2 || call->vers > 4) {
        if (!reply_status(p, call, SC_RPC_PROG_MISMATCH))
            return false;
        sc_xdr_writer_init(&p->out, p->reply, p->reply_cap);
        sc_rpc_put_reply_prog_mismatch(&p->out, call->xid, 2, 4);
        return true;
    }
    if (call->proc == SC_PMAP_PROC_NULL)
        return start_success(p, call, 0);
    if (call->proc != SC_PMAP_PROC_GETPORT) /* GETADDR in versions 3 and 4 has the same number */
        return reply_status(p, call, SC_RPC_PROC_UNAVAIL);
    if (call->vers == SC_PMAP_VERS) {
        sc_pmap_mapping m;
        if (!sc_pmap_get_mapping(args, &m))
            return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
        bool core = m.prog == SC_VXI11_CORE_PROG && m.vers == SC_VXI11_VERS && m.prot == SC_PMAP_IPPROTO_TCP;
        sc_debug("portmap: GETPORT 0x%X v%u prot %u -> %u", m.prog, m.vers, m.prot, core ? vx.core_port : 0);
        if (!start_success(p, call, 4))
            return false;
        sc_xdr_put_u32(&p->out, core ? vx.core_port : 0);
        return true;
    }
    sc_rpcb_args a;
    if (!sc_rpcb_get_args(args, &a))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    char uaddr[96] = "";
    if (a.prog == SC_VXI11_CORE_PROG && a.vers == SC_VXI11_VERS && strcmp(a.netid, "tcp") == 0)
        universal_address(uaddr, sizeof uaddr, vx.core_port);
    sc_debug("portmap: GETADDR v%u 0x%X v%u %s -> \"%s\"", call->vers, a.prog, a.vers, a.netid, uaddr);
    if (!start_success(p, call, sc_xdr_opaque_size(strlen(uaddr))))
        return false;
    sc_xdr_put_string(&p->out, uaddr);
    return true;
}

static void serve_portmap(sim_server *srv, int fd)
{
    serve_records(srv, fd, pmap_handle, NULL, false);
}

/* UDP: one datagram per call, no record marks. The thread lives as long as the process. */
static void *portmap_udp_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    rpc_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fd = -1;
    sim_fault_conn_init(&p->fc, NULL, -1);
    for (;;) {
        struct sockaddr_storage from;
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(fd, p->in, sizeof p->in, 0, (struct sockaddr *)&from, &from_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        sc_xdr_reader r;
        sc_xdr_reader_init(&r, p->in, (size_t)n);
        sc_rpc_call call;
        sc_error err;
        if (sc_rpc_get_call(&r, &call, &err) != SC_OK)
            continue; /* a datagram that is no call: UDP peers get no answer */
        bool ok;
        if (call.rpcvers != SC_RPC_VERSION) {
            ok = start_reply(p, call.xid, SC_RPC_SUCCESS, 0);
            sc_xdr_writer_init(&p->out, p->reply, p->reply_cap);
            sc_rpc_put_reply_rpc_mismatch(&p->out, call.xid);
        } else {
            ok = pmap_handle(p, &call, &r);
        }
        if (ok && !p->out.overflow)
            sendto(fd, p->out.data, p->out.len, 0, (struct sockaddr *)&from, from_len);
    }
    free(p->reply);
    free(p);
    close(fd);
    return NULL;
}

static int start_portmap_udp(const char *addr, uint16_t port)
{
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
    struct addrinfo *ai = NULL;
    if (getaddrinfo(addr, service, &hints, &ai) != 0) {
        fprintf(stderr, "scopesim: cannot listen for portmap on UDP %s port %u: bad address\n", addr, port);
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int e = errno;
        char hint[256];
        sim_listen_hint("portmap-udp", addr, port, e, hint, sizeof hint);
        fprintf(stderr, "scopesim: cannot listen for portmap on UDP %s port %u: %s (%s)\n", addr, port, strerror(e),
                hint);
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, portmap_udp_thread, (void *)(intptr_t)fd);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        close(fd);
        fprintf(stderr, "scopesim: cannot start the UDP portmapper thread\n");
        return -1;
    }
    printf("listening portmap-udp %s:%u\n", addr, port);
    return 0;
}

/* ---- links ---- */

/* The link `lid` if the connection `fd` owns it; NULL otherwise. Only the owner frees a
 * link, so the pointer stays valid in the owner's thread. */
static sim_link *own_link(int fd, int32_t lid)
{
    sim_link *found = NULL;
    pthread_mutex_lock(&vx.lock);
    for (int i = 0; i < MAX_LINKS && !found; i++)
        if (vx.links[i].used && vx.links[i].lid == lid && vx.links[i].conn == fd)
            found = &vx.links[i];
    if (found)
        found->abort = false; /* an abort only cancels the operation in progress */
    pthread_mutex_unlock(&vx.lock);
    return found;
}

static void free_link_locked(sim_link *l)
{
    if (vx.lock_owner == l->lid)
        vx.lock_owner = 0;
    sc_buf_free(&l->input);
    sc_buf_free(&l->output);
    memset(l, 0, sizeof *l);
    pthread_cond_broadcast(&vx.changed);
}

static void drop_links_of(int fd)
{
    pthread_mutex_lock(&vx.lock);
    for (int i = 0; i < MAX_LINKS; i++)
        if (vx.links[i].used && vx.links[i].conn == fd)
            free_link_locked(&vx.links[i]);
    pthread_mutex_unlock(&vx.lock);
}

static struct timespec realtime_in_ms(uint32_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* 0 when `lid` may use the device; 11 when another link holds the lock (after waiting up
 * to lock_timeout if the client asked to wait). */
static int32_t wait_for_lock(int32_t lid, int32_t flags, uint32_t lock_timeout)
{
    pthread_mutex_lock(&vx.lock);
    struct timespec until = realtime_in_ms(lock_timeout < MAX_HOLD_MS ? lock_timeout : MAX_HOLD_MS);
    int32_t code = 0;
    while (vx.lock_owner != 0 && vx.lock_owner != lid) {
        if (!(flags & SC_VXI11_FLAG_WAITLOCK) ||
            pthread_cond_timedwait(&vx.changed, &vx.lock, &until) == ETIMEDOUT) {
            code = vx.lock_owner != 0 && vx.lock_owner != lid ? SC_VXI11_ERR_LOCKED : 0;
            break;
        }
    }
    pthread_mutex_unlock(&vx.lock);
    return code;
}

/* "name" followed by one or more digits, the name in any case; *rest points after them. */
static bool name_and_number(const char *text, const char *name, const char **rest)
{
    size_t n = strlen(name);
    if (strncasecmp(text, name, n) != 0 || !isdigit((unsigned char)text[n]))
        return false;
    const char *p = text + n;
    while (isdigit((unsigned char)*p))
        p++;
    *rest = p;
    return true;
}

/* ",A" with A a GPIB address 0..30 (primary or secondary); *rest points after it. */
static bool gpib_address(const char *text, const char **rest)
{
    if (text[0] != ',' || !isdigit((unsigned char)text[1]))
        return false;
    char *end;
    long a = strtol(text + 1, &end, 10);
    *rest = end;
    return a >= 0 && a <= 30 && end - (text + 1) <= 2;
}

/* The names a LAN instrument or a LAN/GPIB gateway answers to (protocols.md §1.4, §1.6):
 * instN, hislipN (pyvisa-py 0.5.1 sends it over VXI-11), gpibN,A[,S]. Anything else, or
 * a name missing from --vxi11-devices, is refused with error 3 "device not accessible". */
static bool known_device(const char *name)
{
    const sim_vxi11_settings *set = &vx.settings;
    if (set->device_count > 0) {
        for (int i = 0; i < set->device_count; i++)
            if (strcasecmp(set->devices[i], name) == 0)
                return true;
        return false;
    }
    const char *rest;
    if (name_and_number(name, "inst", &rest) || name_and_number(name, "hislip", &rest))
        return *rest == '\0';
    if (name_and_number(name, "gpib", &rest) && gpib_address(rest, &rest))
        return *rest == '\0' || (gpib_address(rest, &rest) && *rest == '\0');
    return false;
}

/* ---- core channel procedures ---- */

static bool proc_create_link(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    sc_vxi11_create_link_parms parms;
    if (!sc_vxi11_get_create_link_parms(args, &parms))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    sc_vxi11_create_link_resp resp = { .abort_port = vx.abort_port, .max_recv_size = vx.max_recv };
    if (!known_device(parms.device)) {
        resp.error = SC_VXI11_ERR_NOT_ACCESSIBLE;
    } else {
        pthread_mutex_lock(&vx.lock);
        sim_link *l = NULL;
        for (int i = 0; i < MAX_LINKS && !l; i++)
            if (!vx.links[i].used)
                l = &vx.links[i];
        if (!l) {
            resp.error = SC_VXI11_ERR_RESOURCES;
        } else {
            memset(l, 0, sizeof *l);
            l->used = true;
            l->lid = vx.next_lid++;
            if (vx.next_lid <= 0)
                vx.next_lid = 1; /* lid 0 trips older pyvisa-py */
            l->conn = p->fd;
            sc_buf_init(&l->input, MAX_INPUT);
            sc_buf_init(&l->output, 0);
            resp.lid = l->lid;
        }
        pthread_mutex_unlock(&vx.lock);
        if (l && parms.lock_device) {
            resp.error = wait_for_lock(resp.lid, SC_VXI11_FLAG_WAITLOCK, parms.lock_timeout);
            pthread_mutex_lock(&vx.lock);
            if (resp.error == 0)
                vx.lock_owner = resp.lid;
            else
                free_link_locked(l);
            pthread_mutex_unlock(&vx.lock);
        }
    }
    sc_debug("vxi11: create_link \"%s\" -> error %d, lid %d", parms.device, resp.error, resp.lid);
    if (!start_success(p, call, 16))
        return false;
    sc_vxi11_put_create_link_resp(&p->out, &resp);
    return true;
}

/* A whole program message arrived: run it and queue what it answers. */
static void execute_input(rpc_peer *p, sim_link *l)
{
    sim_instrument *inst = p->srv->inst;
    sim_reply reply = { .binary = false };
    sc_buf_init(&reply.bytes, 0);
    sim_fault_execute(&p->fc, inst, l->input.data, l->input.len, &reply);
    sc_buf_reset(&l->input);
    if (sim_fault_frames_for(&p->fc, &reply).early_end)
        reply.bytes.len /= 2; /* END comes with the first half; the rest is never sent */
    if (reply.bytes.len > 0 && !inst->faults.stall) {
        if (l->output_off == l->output.len) {
            sc_buf_reset(&l->output);
            l->output_off = 0;
        }
        if (sc_buf_append(&l->output, reply.bytes.data, reply.bytes.len, NULL) == SC_OK)
            l->output_binary = reply.binary;
    }
    sc_buf_free(&reply.bytes);
}

static bool proc_device_write(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    sc_vxi11_write_parms parms;
    if (!sc_vxi11_get_write_parms(args, &parms, MAX_CALL_RECORD))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    sc_vxi11_write_resp resp = { 0 };
    sim_link *l = own_link(p->fd, parms.lid);
    if (!l)
        resp.error = SC_VXI11_ERR_INVALID_LINK;
    else
        resp.error = wait_for_lock(parms.lid, parms.flags, parms.lock_timeout);
    if (l && resp.error == 0) {
        if (sc_buf_append(&l->input, parms.data, parms.len, NULL) != SC_OK) {
            sc_buf_reset(&l->input);
            resp.error = SC_VXI11_ERR_RESOURCES; /* a message beyond MAX_INPUT is no SCPI */
        } else {
            resp.size = parms.len;
            /* END, or a trailing newline (clients that forget END, protocols.md §7.2) */
            bool newline = l->input.len > 0 && l->input.data[l->input.len - 1] == '\n';
            if ((parms.flags & SC_VXI11_FLAG_END) || newline)
                execute_input(p, l);
        }
    }
    if (!start_success(p, call, 8))
        return false;
    sc_vxi11_put_write_resp(&p->out, &resp);
    return true;
}

/* Nothing to send: hold the read until io_timeout (error 15), an abort (23) or the client
 * hanging up (-1), like an instrument waiting for a response to appear. */
static int32_t hold_read(rpc_peer *p, sim_link *l, uint32_t io_timeout)
{
    uint64_t ms = (uint64_t)io_timeout + vx.hold_extra_ms;
    if (ms > MAX_HOLD_MS)
        ms = MAX_HOLD_MS;
    int64_t until = sc_now_ns() + (int64_t)ms * 1000000;
    for (;;) {
        pthread_mutex_lock(&vx.lock);
        bool aborted = l->abort;
        l->abort = false;
        pthread_mutex_unlock(&vx.lock);
        if (aborted)
            return SC_VXI11_ERR_ABORT;
        int64_t left = until - sc_now_ns();
        if (left <= 0)
            return SC_VXI11_ERR_IO_TIMEOUT;
        int slice = left / 1000000 < HOLD_SLICE_MS ? (int)(left / 1000000) + 1 : HOLD_SLICE_MS;
        struct pollfd pf = { .fd = p->fd, .events = POLLRDHUP };
        if (poll(&pf, 1, slice) > 0 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR)))
            return -1;
    }
}

static void put_be32(uint8_t *at, uint32_t v)
{
    at[0] = (uint8_t)(v >> 24), at[1] = (uint8_t)(v >> 16), at[2] = (uint8_t)(v >> 8), at[3] = (uint8_t)v;
}

/* The framing faults on a device_read reply that carries part of a block reply. The body
 * starts xid, msg_type, reply_stat, verifier (flavor, length), accept_stat: 24 bytes;
 * Device_ReadResp follows at `results`: error, reason, then the data's length. */
static void apply_read_faults(rpc_peer *p, const sim_fault_frames *fr, bool first, size_t results)
{
    if (p->out.overflow || p->out.len < 24)
        return;
    if (fr->huge_length && first && p->out.len >= results + 12)
        put_be32(p->reply + results + 8, UINT32_MAX);
    if (fr->garbage_header && first)
        sim_fault_garble(p->reply + 4, 20);
    if (fr->wrong_message_type)
        put_be32(p->reply + 4, 0); /* CALL, not REPLY */
}

static bool proc_device_read(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    sc_vxi11_read_parms parms;
    if (!sc_vxi11_get_read_parms(args, &parms))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    sc_vxi11_read_resp resp = { 0 };
    sim_fault_frames fr = { 0 };
    bool first = false;
    sim_link *l = own_link(p->fd, parms.lid);
    if (!l)
        resp.error = SC_VXI11_ERR_INVALID_LINK;
    else
        resp.error = wait_for_lock(parms.lid, parms.flags, parms.lock_timeout);
    if (l && resp.error == 0) {
        size_t avail = l->output.len - l->output_off;
        if (avail == 0) {
            resp.error = hold_read(p, l, parms.io_timeout);
            if (resp.error < 0)
                return false;
        } else {
            const uint8_t *data = l->output.data + l->output_off;
            size_t n = avail < parms.request_size ? avail : parms.request_size; /* never over-deliver */
            if (parms.flags & SC_VXI11_FLAG_TERMCHRSET) {
                const uint8_t *t = memchr(data, parms.term_char, n);
                if (t) {
                    n = (size_t)(t - data) + 1;
                    resp.reason |= SC_VXI11_REASON_CHR;
                }
            }
            if (n == avail)
                resp.reason |= SC_VXI11_REASON_END;
            if (n == parms.request_size)
                resp.reason |= SC_VXI11_REASON_REQCNT;
            resp.data = data;
            resp.len = (uint32_t)n;
            first = l->output_off == 0;
            l->output_off += n;
            sim_reply carried = { .binary = l->output_binary, .bytes = { .len = n } };
            fr = sim_fault_frames_for(&p->fc, &carried);
            p->cut = fr.close_mid_transfer;
            p->twice = fr.duplicate_frames;
            sim_fault_reply_starts(&p->fc);
        }
    }
    if (!start_success(p, call, sc_xdr_opaque_size(resp.len) + 8))
        return false;
    size_t results = p->out.len;
    sc_vxi11_put_read_resp(&p->out, &resp);
    apply_read_faults(p, &fr, first, results);
    if (l && l->output_off == l->output.len) {
        sc_buf_reset(&l->output);
        l->output_off = 0;
    }
    return true;
}

static bool proc_generic(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    sc_vxi11_generic_parms parms;
    if (!sc_vxi11_get_generic_parms(args, &parms))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    sim_link *l = own_link(p->fd, parms.lid);
    int32_t code = l ? wait_for_lock(parms.lid, parms.flags, parms.lock_timeout) : SC_VXI11_ERR_INVALID_LINK;
    if (call->proc == SC_VXI11_DEVICE_READSTB) {
        sc_vxi11_readstb_resp resp = { .error = code };
        if (l && code == 0 && l->output_off < l->output.len)
            resp.stb = MAV;
        if (!start_success(p, call, 8))
            return false;
        sc_vxi11_put_readstb_resp(&p->out, &resp);
        return true;
    }
    if (l && code == 0 && call->proc == SC_VXI11_DEVICE_CLEAR) {
        /* SDC: drop the half-received message and the unread response */
        sc_buf_reset(&l->input);
        sc_buf_reset(&l->output);
        l->output_off = 0;
        sc_debug("vxi11: device_clear on link %d", l->lid);
    }
    /* trigger, remote, local: nothing a simulated scope needs to do */
    return reply_error(p, call, code);
}

static bool proc_lock(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    sc_vxi11_lock_parms parms;
    if (!sc_vxi11_get_lock_parms(args, &parms))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    if (!own_link(p->fd, parms.lid))
        return reply_error(p, call, SC_VXI11_ERR_INVALID_LINK);
    int32_t code = wait_for_lock(parms.lid, parms.flags, parms.lock_timeout);
    pthread_mutex_lock(&vx.lock);
    if (code == 0)
        vx.lock_owner = parms.lid;
    pthread_mutex_unlock(&vx.lock);
    return reply_error(p, call, code);
}

static bool proc_unlock(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    int32_t lid;
    if (!sc_vxi11_get_link(args, &lid))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    if (!own_link(p->fd, lid))
        return reply_error(p, call, SC_VXI11_ERR_INVALID_LINK);
    pthread_mutex_lock(&vx.lock);
    int32_t code = vx.lock_owner == lid ? 0 : SC_VXI11_ERR_NO_LOCK;
    if (code == 0) {
        vx.lock_owner = 0;
        pthread_cond_broadcast(&vx.changed);
    }
    pthread_mutex_unlock(&vx.lock);
    return reply_error(p, call, code);
}

static bool proc_destroy_link(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    int32_t lid;
    if (!sc_vxi11_get_link(args, &lid))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    sim_link *l = own_link(p->fd, lid);
    if (l) {
        pthread_mutex_lock(&vx.lock);
        free_link_locked(l);
        pthread_mutex_unlock(&vx.lock);
    }
    sc_debug("vxi11: destroy_link %d%s", lid, l ? "" : " (unknown)");
    return reply_error(p, call, l ? 0 : SC_VXI11_ERR_INVALID_LINK);
}

static bool proc_enable_srq(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    sc_vxi11_enable_srq_parms parms;
    if (!sc_vxi11_get_enable_srq_parms(args, &parms))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    return reply_error(p, call, own_link(p->fd, parms.lid) ? 0 : SC_VXI11_ERR_INVALID_LINK);
}

static bool core_handle(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    if (call->prog != SC_VXI11_CORE_PROG)
        return reply_status(p, call, SC_RPC_PROG_UNAVAIL);
    if (call->vers != SC_VXI11_VERS) {
        if (!reply_status(p, call, SC_RPC_PROG_MISMATCH))
            return false;
        sc_xdr_writer_init(&p->out, p->reply, p->reply_cap);
        sc_rpc_put_reply_prog_mismatch(&p->out, call->xid, SC_VXI11_VERS, SC_VXI11_VERS);
        return true;
    }
    sc_trace("vxi11: %s", sc_vxi11_proc_name(call->proc));
    switch (call->proc) {
    case SC_VXI11_NULL: return start_success(p, call, 0);
    case SC_VXI11_CREATE_LINK: return proc_create_link(p, call, args);
    case SC_VXI11_DEVICE_WRITE: return proc_device_write(p, call, args);
    case SC_VXI11_DEVICE_READ: return proc_device_read(p, call, args);
    case SC_VXI11_DEVICE_READSTB:
    case SC_VXI11_DEVICE_TRIGGER:
    case SC_VXI11_DEVICE_CLEAR:
    case SC_VXI11_DEVICE_REMOTE:
    case SC_VXI11_DEVICE_LOCAL: return proc_generic(p, call, args);
    case SC_VXI11_DEVICE_LOCK: return proc_lock(p, call, args);
    case SC_VXI11_DEVICE_UNLOCK: return proc_unlock(p, call, args);
    case SC_VXI11_DEVICE_ENABLE_SRQ: return proc_enable_srq(p, call, args);
    case SC_VXI11_DEVICE_DOCMD: return reply_error(p, call, SC_VXI11_ERR_NOT_SUPPORTED); /* not a gateway */
    case SC_VXI11_DESTROY_LINK: return proc_destroy_link(p, call, args);
    /* a scope model has no service requests to deliver: no interrupt channel */
    case SC_VXI11_CREATE_INTR_CHAN: return reply_error(p, call, SC_VXI11_ERR_NOT_SUPPORTED);
    case SC_VXI11_DESTROY_INTR_CHAN: return reply_error(p, call, SC_VXI11_ERR_NO_CHANNEL);
    default: return reply_status(p, call, SC_RPC_PROC_UNAVAIL);
    }
}

static void serve_core(sim_server *srv, int fd)
{
    serve_records(srv, fd, core_handle, drop_links_of, true);
}

/* ---- abort channel ---- */

static bool abort_handle(rpc_peer *p, const sc_rpc_call *call, sc_xdr_reader *args)
{
    if (call->prog != SC_VXI11_ASYNC_PROG)
        return reply_status(p, call, SC_RPC_PROG_UNAVAIL);
    if (call->proc == SC_VXI11_NULL)
        return start_success(p, call, 0);
    if (call->proc != SC_VXI11_DEVICE_ABORT)
        return reply_status(p, call, SC_RPC_PROC_UNAVAIL);
    int32_t lid;
    if (!sc_vxi11_get_link(args, &lid))
        return reply_status(p, call, SC_RPC_GARBAGE_ARGS);
    int32_t code = SC_VXI11_ERR_INVALID_LINK;
    pthread_mutex_lock(&vx.lock);
    for (int i = 0; i < MAX_LINKS; i++)
        if (vx.links[i].used && vx.links[i].lid == lid) {
            vx.links[i].abort = true;
            code = 0;
        }
    pthread_cond_broadcast(&vx.changed);
    pthread_mutex_unlock(&vx.lock);
    sc_debug("vxi11: device_abort link %d -> %d", lid, code);
    return reply_error(p, call, code);
}

static void serve_abort(sim_server *srv, int fd)
{
    serve_records(srv, fd, abort_handle, NULL, false);
}

/* ---- start ---- */

static uint32_t env_u32(const char *name, uint32_t def, uint32_t min, uint32_t max)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        fprintf(stderr, "scopesim: ignoring %s=%s (wanted %u..%u)\n", name, v, min, max);
        return def;
    }
    return (uint32_t)n;
}

void sim_vxi11_configure(const sim_vxi11_settings *s) { vx.settings = *s; }

int sim_vxi11_add_devices(sim_vxi11_settings *s, const char *list)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " ;", &save); tok; tok = strtok_r(NULL, " ;", &save)) {
        if (s->device_count >= SIM_VXI11_MAX_DEVICES || strlen(tok) >= sizeof s->devices[0]) {
            fprintf(stderr, "scopesim: --vxi11-devices takes up to %d names of at most %zu characters\n",
                    SIM_VXI11_MAX_DEVICES, sizeof s->devices[0] - 1);
            return -1;
        }
        snprintf(s->devices[s->device_count++], sizeof s->devices[0], "%s", tok);
    }
    return 0;
}

/* The portmapper's TCP port first: it is the one that may need root. When vxi11 only
 * came with the model, a simulator without root still serves the model's other
 * protocols. Returns the bound port, 0 when skipped, -1 after printing why not. */
static int listen_portmap(sim_server *srv, const char *addr, uint16_t port)
{
    int pm = sim_server_listen(srv, addr, port, "portmap", serve_portmap);
    if (pm >= 0)
        return pm;
    int e = errno;
    char hint[256];
    sim_listen_hint("portmap", addr, port, e, hint, sizeof hint);
    if (e == EACCES && vx.settings.optional) {
        fprintf(stderr, "scopesim: warning: cannot listen for portmap on %s port %u: %s (%s); going on without VXI-11\n",
                addr, port, strerror(e), hint);
        return 0;
    }
    fprintf(stderr, "scopesim: cannot listen for portmap on %s port %u: %s (%s)\n", addr, port, strerror(e), hint);
    return -1;
}

int sim_start_vxi11(sim_server *srv, const char *addr, const sim_ports *ports)
{
    vx.max_recv = vx.settings.max_recv ? vx.settings.max_recv : DEFAULT_MAX_RECV;
    vx.hold_extra_ms = env_u32("SCOPESIM_VXI11_HOLD_EXTRA_MS", 0, 0, MAX_HOLD_MS);
    snprintf(vx.addr, sizeof vx.addr, "%s", addr);
    /* Bound before the others, but not served before sim_server_run: by then the core
     * and abort ports it names are open. */
    int pm = listen_portmap(srv, addr, ports->portmap);
    if (pm <= 0)
        return pm;
    int core = sim_listen_announced(srv, addr, ports->vxi11_core, "vxi11", serve_core);
    if (core < 0)
        return -1;
    int abort_port = sim_listen_announced(srv, addr, 0, "vxi11-abort", serve_abort);
    if (abort_port < 0)
        return -1;
    vx.core_port = (uint16_t)core;
    vx.abort_port = (uint16_t)abort_port;
    printf("listening portmap %s:%d\n", addr, pm);
    if (vx.settings.device_count > 0)
        sc_info("vxi11: create_link accepts only the device names given with --vxi11-devices");
    return start_portmap_udp(addr, (uint16_t)pm);
}
