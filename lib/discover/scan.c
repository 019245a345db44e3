/* The scan engine: one epoll loop, one thread, bounded concurrency.
 *
 * Up to `concurrency` hosts are in flight at once; each gets one probe per port, all
 * started together, so a silent /24 costs one connect timeout, not one per port. A probe
 * is a probe_machine (probe.c) plus its sockets: the machine says what to send and reads
 * the answers, this file connects, sends, receives and keeps the deadlines (connect:
 * connect_timeout; every exchange after that: reply_timeout). VXI-11 broadcast and mDNS
 * answers arrive on two UDP sockets in the same loop and add hosts while it runs; USB
 * enumeration runs on a thread beside it. */
#include "discover/discover_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_DYNAMIC 1024
#define MAX_EVENTS 256
#define READ_CHUNK 16384
#define DEADLINE_SLACK_NS 5000000 /* expire what is due within 5 ms in one sweep */
#define DISCOVERY_SENDS 2         /* each broadcast / mDNS query goes out twice (UDP gets lost) */
#define ID_BCAST (UINT64_MAX - 1)
#define ID_MDNS (UINT64_MAX - 2)
#define PARKED_BIT 1u

typedef enum probe_state { PS_IDLE, PS_CONNECTING, PS_SENDING, PS_RECEIVING, PS_DONE } probe_state;

typedef struct probe {
    probe_state state;
    sc_scan_port port;
    uint16_t conn_port;  /* port of the connection being made or used */
    probe_machine pm;
    int fd;              /* the connection in use */
    int parked_fd;       /* HiSLIP: the connection not in use right now, -1 none */
    bool connected;      /* the first connection was accepted */
    uint16_t gen;        /* bumped whenever fd changes: events of an older fd are stale */
    size_t out_off;
    sc_buf in;
    int64_t started_ns, deadline_ns;
} probe;

typedef struct host_slot {
    bool used;
    char text[SC_HOST_MAX];
    struct sockaddr_storage addr;
    socklen_t addr_len;
    unsigned found_by;
    bool sanitized_noted; /* the note about control bytes in its identification is out */
    probe probes[SC_SCAN_MAX_PORTS + 2];
    size_t probe_count, probes_left;
} host_slot;

typedef struct dyn_host {
    uint32_t addr; /* IPv4, host order */
    sc_scan_port ports[SC_SCAN_MAX_PORTS + 2];
    size_t port_count;
    unsigned found_by;
} dyn_host;

typedef struct hint {
    uint32_t addr;
    unsigned by;
} hint;

typedef struct engine {
    const sc_target_list *targets;
    const sc_scan_options *o;
    sc_scan_result *res;
    int ep;
    host_slot *slots;
    int slot_count, active;
    /* the static targets, walked lazily */
    size_t range_i, host_i;
    uint64_t range_off;
    /* hosts that broadcast or mDNS named */
    dyn_host *dyn;
    size_t dyn_count, dyn_next;
    hint hints[MAX_DYNAMIC];
    size_t hint_count;
    /* discovery sockets */
    const sc_iface *ifs;
    size_t if_count;
    int bcast_fd, mdns_fd;
    int sends_done;
    int64_t next_send_ns, listen_until_ns;
    uint32_t bcast_xid;
    uint16_t mdns_id;
    int64_t next_deadline;
    uint32_t seed;
} engine;

/* ---- bookkeeping ---- */

/* epoll data: generation (16 bits) | slot (32) | probe index (15) | parked (1) */
static uint64_t probe_id(const engine *e, const host_slot *h, const probe *p, bool parked)
{
    return (uint64_t)p->gen << 48 | (uint64_t)(h - e->slots) << 16 | (uint64_t)(p - h->probes) << 1 |
           (parked ? PARKED_BIT : 0);
}

static void set_deadline(engine *e, probe *p, int64_t at)
{
    p->deadline_ns = at;
    if (at < e->next_deadline)
        e->next_deadline = at;
}

static void watch(engine *e, host_slot *h, probe *p, int fd, uint32_t events, bool parked, int op)
{
    struct epoll_event ev = { .events = events, .data.u64 = probe_id(e, h, p, parked) };
    epoll_ctl(e->ep, op, fd, &ev);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ---- finishing ---- */

static void host_finished(engine *e, host_slot *h)
{
    h->used = false;
    e->active--;
    e->res->hosts_done++;
    if (e->o->on_progress)
        e->o->on_progress(e->o->progress_ctx, e->res->hosts_done, e->res->hosts_total);
}

static void probe_finish(engine *e, host_slot *h, probe *p)
{
    close_fd(&p->fd);
    close_fd(&p->parked_fd);
    sc_probe_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.host, sizeof r.host, "%s", h->text);
    r.port = p->port;
    r.outcome = p->pm.outcome;
    r.idn = p->pm.idn;
    snprintf(r.detail, sizeof r.detail, "%s", p->pm.detail);
    r.vxi11_core_port = p->pm.core_port;
    r.connected = p->connected;
    r.sanitized = p->pm.sanitized;
    r.elapsed_ms = (double)(sc_now_ns() - p->started_ns) / 1e6;
    r.found_by = h->found_by;
    if (r.outcome == SC_PROBE_IDENTIFIED) {
        sc_scan_make_resource(h->text, p->port.kind, p->port.port, p->pm.lxi_address, r.resource, sizeof r.resource);
        sc_found_service svc;
        memset(&svc, 0, sizeof svc);
        svc.kind = p->port.kind;
        svc.port = p->port.port;
        snprintf(svc.name, sizeof svc.name, "%s", sc_probe_kind_name(p->port.kind));
        snprintf(svc.resource, sizeof svc.resource, "%s", r.resource);
        sc_scan_result_add(e->res, h->text, &r.idn, &svc, h->found_by, NULL);
        if (r.sanitized && !h->sanitized_noted) { /* listed, not hidden, but not as sent */
            h->sanitized_noted = true;
            sc_scan_result_note(e->res,
                                "%s: its identification (%s, port %u) carries control bytes (terminal escapes?), shown as '?'",
                                h->text, sc_probe_kind_name(p->port.kind), p->port.port);
        }
    }
    if (e->o->on_probe)
        e->o->on_probe(e->o->probe_ctx, &r);
    pm_free(&p->pm);
    sc_buf_free(&p->in);
    p->state = PS_DONE;
    e->res->probes++;
    if (--h->probes_left == 0)
        host_finished(e, h);
}

static sc_probe_outcome outcome_of_errno(int err)
{
    switch (err) {
    case ECONNREFUSED: return SC_PROBE_REFUSED;
    case ETIMEDOUT: return SC_PROBE_NO_ANSWER;
    case EMFILE: case ENFILE: case ENOBUFS: case ENOMEM: return SC_PROBE_LOCAL_ERROR;
    default: return SC_PROBE_UNREACHABLE;
    }
}

/* A connection could not be made (err = errno; ETIMEDOUT for our own deadline). */
static void connect_failed(engine *e, host_slot *h, probe *p, int err)
{
    probe_machine *m = &p->pm;
    if (!p->connected) {
        m->outcome = outcome_of_errno(err);
        if (err == ETIMEDOUT)
            snprintf(m->detail, sizeof m->detail, "no answer to the TCP connect within %d ms",
                     e->o->connect_timeout_ms);
        else if (err == ECONNREFUSED)
            snprintf(m->detail, sizeof m->detail, "connection refused (nothing listens on port %u)", p->conn_port);
        else
            snprintf(m->detail, sizeof m->detail, "connect: %s", strerror(err));
    } else if (m->kind == SC_PROBE_VXI11) {
        m->outcome = SC_PROBE_REJECTED;
        snprintf(m->detail, sizeof m->detail,
                 "the portmapper names VXI-11 core port %u, but connecting to it failed (%s)", p->conn_port,
                 err == ETIMEDOUT ? "no answer" : strerror(err));
    } else {
        m->outcome = SC_PROBE_REJECTED;
        snprintf(m->detail, sizeof m->detail, "%s: the second connection to port %u failed (%s)",
                 sc_probe_kind_name(m->kind), p->conn_port, err == ETIMEDOUT ? "no answer" : strerror(err));
    }
    probe_finish(e, h, p);
}

/* ---- moving bytes ---- */

static void handle_action(engine *e, host_slot *h, probe *p, pm_action a);

static void probe_connect(engine *e, host_slot *h, probe *p, uint16_t port)
{
    p->conn_port = port;
    struct sockaddr_storage to = h->addr;
    if (to.ss_family == AF_INET)
        ((struct sockaddr_in *)&to)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)&to)->sin6_port = htons(port);
    int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        connect_failed(e, h, p, errno);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    p->fd = fd;
    p->gen++;
    p->state = PS_CONNECTING;
    set_deadline(e, p, sc_now_ns() + (int64_t)e->o->connect_timeout_ms * 1000000);
    if (connect(fd, (struct sockaddr *)&to, h->addr_len) != 0 && errno != EINPROGRESS) {
        int err = errno;
        close_fd(&p->fd);
        connect_failed(e, h, p, err);
        return;
    }
    watch(e, h, p, fd, EPOLLOUT, false, EPOLL_CTL_ADD);
}

static void send_pending(engine *e, host_slot *h, probe *p)
{
    probe_machine *m = &p->pm;
    while (p->out_off < m->out_len) {
        ssize_t n = send(p->fd, m->out + p->out_off, m->out_len - p->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            p->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            watch(e, h, p, p->fd, EPOLLOUT, false, EPOLL_CTL_MOD);
            return;
        }
        m->outcome = SC_PROBE_CLOSED;
        snprintf(m->detail, sizeof m->detail, "%s: sending the request failed (%s)", sc_probe_kind_name(m->kind),
                 strerror(errno));
        probe_finish(e, h, p);
        return;
    }
    p->state = PS_RECEIVING;
    watch(e, h, p, p->fd, EPOLLIN, false, EPOLL_CTL_MOD);
    set_deadline(e, p, sc_now_ns() + (int64_t)e->o->reply_timeout_ms * 1000000);
}

static void handle_action(engine *e, host_slot *h, probe *p, pm_action a)
{
    switch (a) {
    case PM_WANT_INPUT:
        return;
    case PM_SEND:
        p->state = PS_SENDING;
        p->out_off = 0;
        send_pending(e, h, p);
        return;
    case PM_RECONNECT:
        close_fd(&p->fd);
        sc_buf_reset(&p->in);
        probe_connect(e, h, p, p->pm.next_port);
        return;
    case PM_OPEN_AUX:
        /* keep the main connection open but unwatched while the second one works */
        p->parked_fd = p->fd;
        watch(e, h, p, p->parked_fd, 0, true, EPOLL_CTL_MOD);
        p->fd = -1;
        sc_buf_reset(&p->in);
        probe_connect(e, h, p, p->conn_port);
        return;
    case PM_BACK_TO_MAIN: {
        int aux = p->fd;
        p->fd = p->parked_fd;
        p->parked_fd = aux;
        p->gen++;
        watch(e, h, p, p->parked_fd, 0, true, EPOLL_CTL_MOD);
        watch(e, h, p, p->fd, EPOLLOUT, false, EPOLL_CTL_MOD);
        sc_buf_reset(&p->in);
        p->state = PS_SENDING;
        p->out_off = 0;
        send_pending(e, h, p);
        return;
    }
    case PM_DONE:
        probe_finish(e, h, p);
        return;
    }
}

static void on_connected(engine *e, host_slot *h, probe *p)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err) {
        close_fd(&p->fd);
        connect_failed(e, h, p, err);
        return;
    }
    p->connected = true;
    handle_action(e, h, p, pm_connected(&p->pm));
}

static void on_readable(engine *e, host_slot *h, probe *p)
{
    size_t max = pm_max_buffer(&p->pm);
    bool eof = false;
    if (p->in.len >= max) {
        p->pm.outcome = SC_PROBE_WRONG_PROTOCOL;
        snprintf(p->pm.detail, sizeof p->pm.detail, "%s: more than %zu bytes without a complete reply",
                 sc_probe_kind_name(p->pm.kind), max);
        probe_finish(e, h, p);
        return;
    }
    size_t room = max - p->in.len < READ_CHUNK ? max - p->in.len : READ_CHUNK;
    if (sc_buf_reserve(&p->in, room, NULL) != SC_OK) {
        p->pm.outcome = SC_PROBE_LOCAL_ERROR;
        snprintf(p->pm.detail, sizeof p->pm.detail, "out of memory");
        probe_finish(e, h, p);
        return;
    }
    ssize_t n = recv(p->fd, p->in.data + p->in.len, room, 0);
    if (n > 0)
        p->in.len += (size_t)n;
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        eof = true; /* closed or reset: the machine says what that means at this step */
    else
        return;
    size_t used = 0;
    pm_action a = pm_input(&p->pm, p->in.data, p->in.len, eof, &used);
    sc_buf_consume(&p->in, used);
    if (a == PM_WANT_INPUT && eof) {
        p->pm.outcome = SC_PROBE_CLOSED;
        snprintf(p->pm.detail, sizeof p->pm.detail, "%s: the peer closed the connection", sc_probe_kind_name(p->pm.kind));
        a = PM_DONE;
    }
    handle_action(e, h, p, a);
}

static void on_probe_event(engine *e, uint64_t id, uint32_t events)
{
    size_t slot = (size_t)((id >> 16) & 0xFFFFFFFFu), index = (size_t)((id >> 1) & 0x7FFF);
    if (slot >= (size_t)e->slot_count)
        return;
    host_slot *h = &e->slots[slot];
    if (!h->used || index >= h->probe_count)
        return;
    probe *p = &h->probes[index];
    if (p->state == PS_DONE || p->state == PS_IDLE)
        return;
    if (id & PARKED_BIT) {
        /* the idle HiSLIP channel hung up or errs: stop hearing about it (level-triggered
         * epoll would report it forever); the channel in use will tell what happened */
        if (p->parked_fd >= 0)
            epoll_ctl(e->ep, EPOLL_CTL_DEL, p->parked_fd, NULL);
        return;
    }
    if ((uint16_t)(id >> 48) != p->gen)
        return; /* for a connection closed earlier in this batch of events */
    if (p->state == PS_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        on_connected(e, h, p);
    else if (p->state == PS_SENDING)
        send_pending(e, h, p);
    else if (p->state == PS_RECEIVING && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        on_readable(e, h, p);
}

static void expire(engine *e, int64_t now)
{
    e->next_deadline = INT64_MAX;
    for (int s = 0; s < e->slot_count; s++) {
        host_slot *h = &e->slots[s];
        for (size_t i = 0; h->used && i < h->probe_count; i++) {
            probe *p = &h->probes[i];
            if (p->state == PS_DONE || p->state == PS_IDLE)
                continue;
            if (p->deadline_ns > now + DEADLINE_SLACK_NS) {
                if (p->deadline_ns < e->next_deadline)
                    e->next_deadline = p->deadline_ns;
                continue;
            }
            if (p->state == PS_CONNECTING) {
                close_fd(&p->fd);
                connect_failed(e, h, p, ETIMEDOUT);
            } else {
                pm_timeout(&p->pm);
                probe_finish(e, h, p);
            }
        }
    }
}

/* ---- hosts ---- */

static bool in_static_ranges(const engine *e, uint32_t a)
{
    for (size_t i = 0; i < e->targets->range_count; i++)
        if (a >= e->targets->ranges[i].first && a <= e->targets->ranges[i].last)
            return true;
    return false;
}

static bool next_host(engine *e, struct sockaddr_storage *addr, socklen_t *len, char *text, size_t cap,
                      const sc_scan_port **ports, size_t *port_count, unsigned *by)
{
    const sc_target_list *t = e->targets;
    *ports = e->o->ports;
    *port_count = e->o->port_count;
    *by = SC_FOUND_BY_TCP;
    uint32_t a;
    if (e->range_i < t->range_count) {
        const sc_target_range *r = &t->ranges[e->range_i];
        a = r->first + (uint32_t)e->range_off;
        if (a == r->last) {
            e->range_i++;
            e->range_off = 0;
        } else {
            e->range_off++;
        }
    } else if (e->host_i < t->host_count) {
        const sc_target_host *th = &t->hosts[e->host_i++];
        memcpy(addr, &th->addr, th->addr_len);
        *len = th->addr_len;
        snprintf(text, cap, "%s", th->text);
        return true;
    } else if (e->dyn_next < e->dyn_count) {
        const dyn_host *d = &e->dyn[e->dyn_next++];
        a = d->addr;
        *ports = d->ports;
        *port_count = d->port_count;
        *by = d->found_by;
    } else {
        return false;
    }
    struct sockaddr_in *sin = (struct sockaddr_in *)addr;
    memset(addr, 0, sizeof *addr);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(a);
    *len = sizeof *sin;
    inet_ntop(AF_INET, &sin->sin_addr, text, (socklen_t)cap);
    return true;
}

static bool hosts_left(const engine *e)
{
    return e->range_i < e->targets->range_count || e->host_i < e->targets->host_count || e->dyn_next < e->dyn_count;
}

static void start_host(engine *e, host_slot *h)
{
    const sc_scan_port *ports;
    size_t n;
    h->used = true;
    h->sanitized_noted = false;
    next_host(e, &h->addr, &h->addr_len, h->text, sizeof h->text, &ports, &n, &h->found_by);
    e->active++;
    h->probe_count = n;
    h->probes_left = n;
    for (size_t i = 0; i < n; i++) {
        probe *p = &h->probes[i];
        memset(p, 0, sizeof *p);
        p->port = ports[i];
        p->fd = p->parked_fd = -1;
        p->started_ns = sc_now_ns();
        sc_buf_init(&p->in, 0);
        pm_init(&p->pm, ports[i].kind, h->text, (uint32_t)e->o->reply_timeout_ms, e->seed += 0x10001);
        p->state = PS_IDLE;
    }
    /* connect after every probe is set up: a probe that fails at once may finish the host */
    for (size_t i = 0; i < n && h->used; i++)
        probe_connect(e, h, &h->probes[i], ports[i].port);
}

static void admit(engine *e)
{
    for (int s = 0; s < e->slot_count && e->active < e->slot_count && hosts_left(e); s++)
        if (!e->slots[s].used)
            start_host(e, &e->slots[s]);
}

/* ---- broadcast and mDNS ---- */

static void add_hint(engine *e, uint32_t addr, unsigned by)
{
    for (size_t i = 0; i < e->hint_count; i++)
        if (e->hints[i].addr == addr) {
            e->hints[i].by |= by;
            return;
        }
    if (e->hint_count < MAX_DYNAMIC)
        e->hints[e->hint_count++] = (hint){ addr, by };
}

static bool port_in(const sc_scan_port *ports, size_t n, sc_scan_port p)
{
    for (size_t i = 0; i < n; i++)
        if (ports[i].port == p.port && ports[i].kind == p.kind)
            return true;
    return false;
}

/* A host named by broadcast or mDNS: probe the ports not already covered. */
static void add_dynamic(engine *e, uint32_t addr, const sc_scan_port *extra, unsigned by)
{
    add_hint(e, addr, by);
    sc_scan_port want[SC_SCAN_MAX_PORTS + 2];
    size_t n = 0;
    bool covered = in_static_ranges(e, addr);
    for (size_t i = 0; i < e->o->port_count; i++)
        if (!covered)
            want[n++] = e->o->ports[i];
    if (extra && !port_in(e->o->ports, e->o->port_count, *extra) && !port_in(want, n, *extra))
        want[n++] = *extra;
    for (size_t d = 0; d < e->dyn_count; d++) { /* drop what is queued or done already */
        if (e->dyn[d].addr != addr)
            continue;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!port_in(e->dyn[d].ports, e->dyn[d].port_count, want[i]))
                want[k++] = want[i];
        n = k;
    }
    if (n == 0 || e->dyn_count >= MAX_DYNAMIC)
        return;
    dyn_host *d = &e->dyn[e->dyn_count++];
    d->addr = addr;
    memcpy(d->ports, want, n * sizeof want[0]);
    d->port_count = n;
    d->found_by = by;
    e->res->hosts_total++;
    char text[20];
    struct in_addr ia = { .s_addr = htonl(addr) };
    inet_ntop(AF_INET, &ia, text, sizeof text);
    sc_debug("scan: %s named %s: probing %zu more port(s)", by == SC_FOUND_BY_MDNS ? "mDNS" : "broadcast", text, n);
}

static void on_bcast(engine *e)
{
    for (int i = 0; i < 64; i++) {
        uint8_t buf[1024];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(e->bcast_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        uint16_t port;
        if (from.sin_family == AF_INET && sc_bcast_parse_reply(buf, (size_t)n, e->bcast_xid, &port))
            add_dynamic(e, ntohl(from.sin_addr.s_addr), NULL, SC_FOUND_BY_BROADCAST);
    }
}

static void on_mdns(engine *e)
{
    for (int i = 0; i < 64; i++) {
        uint8_t buf[SC_MDNS_MAX_PACKET];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(e->mdns_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        sc_mdns_service svc[32];
        size_t count = 0;
        sc_error err;
        if (sc_mdns_parse_response(buf, (size_t)n, svc, 32, &count, &err) != SC_OK) {
            sc_debug("mDNS: ignoring a packet: %s", err.message);
            continue;
        }
        for (size_t s = 0; s < count; s++) {
            sc_scan_port extra;
            if (!sc_mdns_type_probe(svc[s].type, &extra.kind))
                continue;
            extra.port = svc[s].port;
            if (extra.port == 0)
                for (size_t t = 0; t < sc_mdns_type_count; t++)
                    if (sc_mdns_types[t].kind == extra.kind)
                        extra.port = sc_mdns_types[t].default_port;
            uint32_t addr = svc[s].addr ? svc[s].addr : ntohl(from.sin_addr.s_addr);
            add_dynamic(e, addr, &extra, SC_FOUND_BY_MDNS);
        }
    }
}

static void discovery_sends(engine *e, int64_t now)
{
    if ((e->bcast_fd < 0 && e->mdns_fd < 0) || e->sends_done >= DISCOVERY_SENDS || now < e->next_send_ns)
        return;
    if (e->bcast_fd >= 0)
        sc_bcast_send(e->bcast_fd, e->ifs, e->if_count, e->bcast_xid, 111);
    if (e->mdns_fd >= 0)
        sc_mdns_send(e->mdns_fd, e->ifs, e->if_count, e->mdns_id);
    e->sends_done++;
    e->next_send_ns = now + (int64_t)e->o->listen_ms * 1000000 / 3;
}

static void open_discovery(engine *e, sc_iface *own, size_t own_n)
{
    e->bcast_fd = e->mdns_fd = -1;
    if (!e->o->broadcast && !e->o->mdns)
        return;
    e->ifs = e->o->ifaces;
    e->if_count = e->o->iface_count;
    if (!e->ifs) {
        e->ifs = own;
        e->if_count = own_n;
    }
    sc_error err;
    if (e->o->broadcast) {
        e->bcast_fd = sc_bcast_open(&err);
        if (e->bcast_fd < 0)
            sc_scan_result_note(e->res, "%s", err.message);
        else {
            struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ID_BCAST };
            epoll_ctl(e->ep, EPOLL_CTL_ADD, e->bcast_fd, &ev);
        }
    }
    if (e->o->mdns) {
        e->mdns_fd = sc_mdns_open(&err);
        if (e->mdns_fd < 0)
            sc_scan_result_note(e->res, "%s", err.message);
        else {
            struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ID_MDNS };
            epoll_ctl(e->ep, EPOLL_CTL_ADD, e->mdns_fd, &ev);
        }
    }
    e->bcast_xid = SC_BCAST_XID_BASE | (e->seed & 0xFFFF);
    e->mdns_id = 0; /* RFC 6762 §18.1: zero in multicast queries */
    e->next_send_ns = sc_now_ns();
    e->listen_until_ns = e->next_send_ns + (int64_t)e->o->listen_ms * 1000000;
}

/* ---- USB, beside the loop ---- */

typedef struct usb_job {
    const sc_scan_options *o;
    sc_scan_result result;
    sc_error err;
    sc_status status;
} usb_job;

static void *usb_thread(void *arg)
{
    usb_job *j = arg;
    j->status = sc_usb_discover(j->o->usb_ops ? j->o->usb_ops : &sc_usb_enum_libusb, j->o->usb_timeout_ms,
                                &j->result, &j->err);
    return NULL;
}

static void merge_usb(sc_scan_result *into, usb_job *j)
{
    if (j->status != SC_OK)
        sc_scan_result_note(into, "USB: %s", j->err.message);
    for (size_t i = 0; i < j->result.count; i++) {
        const sc_found *f = &j->result.items[i];
        for (size_t s = 0; s < f->service_count; s++)
            sc_scan_result_add(into, f->address, &f->idn, &f->services[s], f->found_by, NULL);
    }
    sc_buf_append(&into->notes, j->result.notes.data, j->result.notes.len, NULL);
}

/* ---- the loop ---- */

/* Room for every socket the scan may hold; lower the concurrency when the hard limit is
 * too low to give it. */
static int fit_descriptors(const sc_scan_options *o, sc_scan_result *res)
{
    int per_host = (int)o->port_count + 1;
    rlim_t need = (rlim_t)o->concurrency * (rlim_t)per_host + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return o->concurrency;
    if (rl.rlim_cur < need) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        struct rlimit nrl = { want, rl.rlim_max };
        if (setrlimit(RLIMIT_NOFILE, &nrl) == 0)
            rl.rlim_cur = want;
    }
    if (rl.rlim_cur >= need)
        return o->concurrency;
    int fit = (int)((rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 1) / (rlim_t)per_host);
    if (fit < 1)
        fit = 1;
    sc_scan_result_note(res, "only %llu file descriptors allowed: scanning %d hosts at once instead of %d (ulimit -n)",
                        (unsigned long long)rl.rlim_cur, fit, o->concurrency);
    return fit;
}

static int wait_ms(const engine *e, int64_t now)
{
    int64_t until = e->next_deadline;
    if ((e->bcast_fd >= 0 || e->mdns_fd >= 0)) {
        if (e->sends_done < DISCOVERY_SENDS && e->next_send_ns < until)
            until = e->next_send_ns;
        if (now < e->listen_until_ns && e->listen_until_ns < until)
            until = e->listen_until_ns;
    }
    if (until == INT64_MAX)
        return 1000;
    int64_t ms = (until - now + 999999) / 1000000;
    return ms < 0 ? 0 : ms > 1000 ? 1000 : (int)ms;
}

static void loop(engine *e)
{
    struct epoll_event evs[MAX_EVENTS];
    for (;;) {
        admit(e);
        int64_t now = sc_now_ns();
        discovery_sends(e, now);
        bool listening = (e->bcast_fd >= 0 || e->mdns_fd >= 0) && now < e->listen_until_ns;
        if (e->active == 0 && !hosts_left(e) && !listening)
            return;
        int n = epoll_wait(e->ep, evs, MAX_EVENTS, wait_ms(e, now));
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == ID_BCAST)
                on_bcast(e);
            else if (evs[i].data.u64 == ID_MDNS)
                on_mdns(e);
            else
                on_probe_event(e, evs[i].data.u64, evs[i].events);
        }
        now = sc_now_ns();
        if (now + DEADLINE_SLACK_NS >= e->next_deadline)
            expire(e, now);
    }
}

sc_status sc_scan_run(const sc_target_list *targets, const sc_scan_options *opts, sc_scan_result *out, sc_error *err)
{
    int64_t t0 = sc_now_ns();
    engine *e = calloc(1, sizeof *e);
    if (!e)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    e->targets = targets;
    e->o = opts;
    e->res = out;
    e->next_deadline = INT64_MAX;
    e->seed = (uint32_t)(t0 ^ (t0 >> 32)) ^ (uint32_t)getpid() << 8;
    e->res->hosts_total += sc_targets_count(targets);
    e->slot_count = fit_descriptors(opts, out);
    if (e->slot_count < 1)
        e->slot_count = 1;
    e->slots = calloc((size_t)e->slot_count, sizeof *e->slots);
    e->dyn = calloc(MAX_DYNAMIC, sizeof *e->dyn);
    e->ep = epoll_create1(EPOLL_CLOEXEC);
    if (!e->slots || !e->dyn || e->ep < 0) {
        sc_status st = e->ep < 0 ? sc_error_set(err, SC_ERR_IO, "epoll_create1: %s", strerror(errno))
                                 : sc_error_set(err, SC_ERR_NOMEM, "out of memory");
        if (e->ep >= 0)
            close(e->ep);
        free(e->slots);
        free(e->dyn);
        free(e);
        return st;
    }

    usb_job *usb = NULL;
    pthread_t usb_tid;
    if (opts->usb && (usb = calloc(1, sizeof *usb))) {
        usb->o = opts;
        sc_scan_result_init(&usb->result);
        if (pthread_create(&usb_tid, NULL, usb_thread, usb) != 0) {
            sc_scan_result_free(&usb->result);
            free(usb);
            usb = NULL;
            sc_scan_result_note(out, "USB: cannot start the enumeration thread");
        }
    }

    sc_iface own[SC_IFACE_MAX];
    size_t own_n = 0;
    if ((opts->broadcast || opts->mdns) && !opts->ifaces)
        own_n = sc_ifaces_list(own, SC_IFACE_MAX, err);
    open_discovery(e, own, own_n);

    loop(e);

    if (e->bcast_fd >= 0)
        close(e->bcast_fd);
    if (e->mdns_fd >= 0)
        close(e->mdns_fd);
    close(e->ep);
    for (size_t i = 0; i < out->count; i++) { /* broadcast / mDNS also named hosts in the ranges */
        struct in_addr a;
        if (inet_pton(AF_INET, out->items[i].address, &a) != 1)
            continue;
        for (size_t k = 0; k < e->hint_count; k++)
            if (e->hints[k].addr == ntohl(a.s_addr))
                out->items[i].found_by |= e->hints[k].by;
    }
    if (usb) {
        pthread_join(usb_tid, NULL);
        merge_usb(out, usb);
        sc_scan_result_free(&usb->result);
        free(usb);
    }
    free(e->slots);
    free(e->dyn);
    free(e);
    sc_scan_result_sort(out);
    out->elapsed_s = (double)(sc_now_ns() - t0) / 1e9;
    return SC_OK;
}
