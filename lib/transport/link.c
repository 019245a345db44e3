/* Link dispatch and the protocol cascade for bare hosts.
 *
 * A bare host tries, in order, the transports a scope may speak: LeCroy VICP first (a
 * LeCroy answers screen dumps properly only there), then VXI-11, HiSLIP and the raw
 * socket ports. A step that fails (refused, timed out, or a transport not built) is
 * logged with -v and the next one is tried.
 *
 * A port that accepts a connection proves little: a LeCroy in LXI mode keeps 1861 open
 * and never answers there. So a step that opens must also answer *IDN? within a short
 * time before it is kept; a silent one is closed and the next step tried. When no step
 * answers (an instrument without *IDN?, such as the legacy Owon), the first step that
 * opened and stayed silent is opened again and used.
 *
 * The host name is looked up once, before any step, and the link keeps the addresses for
 * every later connection (portmapper, core and abort channels, reconnects). */
#include "transport/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sc_link_ops *ops_for(sc_protocol p)
{
    switch (p) {
    case SC_PROTO_RAW: return &sc_raw_link_ops;
    case SC_PROTO_VICP: return &sc_vicp_link_ops;
    case SC_PROTO_VXI11: return &sc_vxi11_link_ops;
    case SC_PROTO_HISLIP: return &sc_hislip_link_ops;
    case SC_PROTO_USBTMC: return &sc_usbtmc_link_ops;
    default: return NULL;
    }
}

typedef struct cascade_step {
    sc_protocol protocol;
    uint16_t port;
} cascade_step;

static const cascade_step cascade[] = {
    { SC_PROTO_VICP, 1861 },
    { SC_PROTO_VXI11, 111 },
    { SC_PROTO_HISLIP, 4880 },
    { SC_PROTO_RAW, 5025 },
    { SC_PROTO_RAW, 5555 },
};

/* How long one cascade step may take to connect: short, so a bare IP answers quickly,
 * but never beyond the caller's own deadline. */
#define CASCADE_CONNECT_MS 1500
/* How long a step that connected has to answer *IDN? (instruments answer in
 * milliseconds), and how much of a reply is read before it counts as an answer anyway. */
#define PROBE_MS 1500
#define PROBE_REPLY_MAX 4096

static void make_label(sc_link *link)
{
    char where[300];
    sc_resource_describe(&link->res, where, sizeof where);
    snprintf(link->label, sizeof link->label, "%s %s", link->ops->display_name, where);
}

static sc_status open_with(const sc_link_ops *ops, const sc_resource *res, const sc_addrs *addrs,
                           sc_deadline deadline, sc_link **out, sc_error *err)
{
    sc_link *link = calloc(1, sizeof *link);
    if (!link)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    link->ops = ops;
    link->res = *res;
    link->res.protocol = ops->protocol;
    link->fd = -1;
    if (addrs)
        link->addrs = *addrs;
    make_label(link);
    sc_status st = ops->open(link, deadline, err);
    if (st != SC_OK) {
        free(link);
        return st;
    }
    sc_debug("connected: %s", link->label);
    *out = link;
    return SC_OK;
}

sc_status sc_link_connect_tcp(sc_link *link, uint16_t port, sc_deadline deadline, int *fd_out, const char *what,
                              sc_error *err)
{
    if (link->addrs.count == 0) {
        sc_status st = sc_resolve(link->res.host, &link->addrs, err);
        if (st != SC_OK)
            return st;
    }
    return sc_tcp_connect_addrs(&link->addrs, port, deadline, fd_out, what, err);
}

/* ---- the *IDN? probe of a cascade step ---- */

typedef enum probe_result {
    PROBE_ANSWERED, /* a whole reply came: keep the link */
    PROBE_PARTIAL,  /* something answered, but the link is mid-reply: use the step afresh */
    PROBE_SILENT,   /* no reply in time (or the instrument's own "no reply" error) */
    PROBE_FAILED,   /* the peer broke the protocol or hung up: not this protocol */
} probe_result;

/* Half of what is left, at most PROBE_MS: a silent port must not use up the whole
 * deadline, the later steps and the fallback need some of it. */
static sc_deadline probe_deadline(sc_deadline deadline, int *ms_out)
{
    int left = sc_deadline_poll_ms(deadline);
    int ms = PROBE_MS;
    if (left >= 0 && left / 2 < ms)
        ms = left / 2;
    *ms_out = ms;
    return sc_deadline_in_ms(ms);
}

/* Ask *IDN? and read the reply with the link's own calls until its end marker (a raw
 * socket has none: there, until a newline), at most PROBE_REPLY_MAX bytes. Waiting for
 * the end marker itself leaves nothing of the reply behind for the next query. `idn`
 * gets the start of the reply, printable. */
static probe_result probe_idn(sc_link *link, sc_deadline deadline, char *idn, size_t cap, sc_error *err)
{
    static const char query[] = "*IDN?\n";
    idn[0] = '\0';
    sc_status st = sc_link_write(link, query, sizeof query - 1, true, deadline, err);
    if (st != SC_OK)
        return st == SC_ERR_TIMEOUT ? PROBE_SILENT : PROBE_FAILED;
    bool marked = sc_link_has_end_marker(link);
    uint8_t reply[PROBE_REPLY_MAX];
    size_t have = 0;
    while (have < sizeof reply) {
        size_t got = 0;
        bool end = false;
        st = sc_link_read(link, reply + have, sizeof reply - have, &got, &end, deadline, err);
        if (st != SC_OK && have > 0)
            break;
        if (st != SC_OK)
            return st == SC_ERR_TIMEOUT || st == SC_ERR_INSTRUMENT ? PROBE_SILENT : PROBE_FAILED;
        bool newline = !marked && memchr(reply + have, '\n', got) != NULL;
        have += got;
        if (end || newline) {
            size_t n = have;
            while (n > 0 && (reply[n - 1] == '\n' || reply[n - 1] == '\r'))
                n--;
            sc_sanitize_text(idn, cap, (const char *)reply, n);
            return PROBE_ANSWERED;
        }
    }
    sc_sanitize_text(idn, cap, (const char *)reply, have);
    return PROBE_PARTIAL;
}

/* ---- the cascade ---- */

static void note_tried(char *tried, size_t cap, size_t *used, const cascade_step *step, const char *why)
{
    int n = snprintf(tried + *used, cap - *used, "%s%s/%u%s", *used ? ", " : "", sc_protocol_name(step->protocol),
                     step->port, why);
    if (n > 0 && (size_t)n < cap - *used)
        *used += (size_t)n;
}

static sc_status open_step(const sc_resource *res, const sc_addrs *addrs, const cascade_step *c,
                           sc_deadline deadline, sc_link **out, sc_error *err)
{
    sc_resource step = *res;
    step.protocol = c->protocol;
    step.port = c->port;
    return open_with(ops_for(c->protocol), &step, addrs, deadline, out, err);
}

static sc_status open_cascade(const sc_resource *res, const sc_addrs *addrs, sc_deadline deadline, sc_link **out,
                              sc_error *err)
{
    char tried[SC_ERROR_MAX] = "";
    size_t used = 0;
    const cascade_step *fallback = NULL; /* the first step that opened but kept silent */
    for (size_t i = 0; i < sizeof cascade / sizeof cascade[0]; i++) {
        const cascade_step *c = &cascade[i];
        const char *proto = sc_protocol_name(c->protocol);
        if (!ops_for(c->protocol)) {
            sc_debug("%s: skipping %s (not built in)", res->host, proto);
            continue;
        }
        if (sc_deadline_expired(deadline))
            break;
        sc_error step_err;
        sc_error_clear(&step_err);
        sc_deadline connect_deadline = sc_deadline_min(deadline, sc_deadline_in_ms(CASCADE_CONNECT_MS));
        sc_info("%s: trying %s on port %u", res->host, proto, c->port);
        sc_link *link = NULL;
        if (open_step(res, addrs, c, connect_deadline, &link, &step_err) != SC_OK) {
            sc_info("%s: %s on port %u left: %s", res->host, proto, c->port, step_err.message);
            note_tried(tried, sizeof tried, &used, c, "");
            continue;
        }
        const char *name = link->ops->display_name;
        char idn[128];
        int probe_ms;
        sc_deadline probe = probe_deadline(deadline, &probe_ms);
        probe_result pr = probe_idn(link, probe, idn, sizeof idn, &step_err);
        if (pr == PROBE_ANSWERED) {
            sc_info("%s: %s on port %u answered *IDN?: %s", res->host, proto, c->port, idn);
            *out = link;
            return SC_OK;
        }
        sc_link_close(link);
        if (pr == PROBE_PARTIAL) {
            sc_info("%s: %s on port %u answered *IDN? with \"%s\"... but no end of reply; connecting again for a clean start",
                    res->host, proto, c->port, idn);
            return open_step(res, addrs, c, deadline, out, err);
        }
        if (pr == PROBE_SILENT) {
            sc_debug("%s: %s on port %u, *IDN?: %s", res->host, proto, c->port, step_err.message);
            sc_info("%s: %s on port %u left: %u accepts connections but %s is silent (no reply to *IDN? within %.1f s)",
                    res->host, proto, c->port, c->port, name, probe_ms / 1000.0);
            if (!fallback)
                fallback = c;
            note_tried(tried, sizeof tried, &used, c, " silent");
        } else {
            sc_info("%s: %s on port %u left: %u accepts connections but does not answer *IDN? over %s: %s",
                    res->host, proto, c->port, c->port, name, step_err.message);
            note_tried(tried, sizeof tried, &used, c, " not answering");
        }
    }
    if (fallback) {
        /* instruments that do not know *IDN? (legacy Owon) are still reached */
        sc_info("%s: no protocol answered *IDN?; using %s on port %u, the first that accepted a connection",
                res->host, sc_protocol_name(fallback->protocol), fallback->port);
        return open_step(res, addrs, fallback, deadline, out, err);
    }
    return sc_error_set(err, SC_ERR_UNREACHABLE,
                        "%s: no instrument protocol answered (tried %s); check the address and that the instrument's LAN interface is on, or name the protocol with -p (-v shows each step)",
                        res->host, used ? tried : "nothing");
}

sc_status sc_link_open(const sc_resource *res, sc_deadline deadline, sc_link **out, sc_error *err)
{
    *out = NULL;
    const sc_link_ops *ops = res->protocol == SC_PROTO_AUTO ? NULL : ops_for(res->protocol);
    if (res->protocol != SC_PROTO_AUTO && !ops)
        return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: the %s transport is not available in this build",
                            res->text[0] ? res->text : res->host, sc_protocol_name(res->protocol));
    if (res->protocol == SC_PROTO_USBTMC)
        return open_with(ops, res, NULL, deadline, out, err);
    /* one name lookup for every connection the link will make */
    sc_addrs addrs;
    sc_status st = sc_resolve(res->host, &addrs, err);
    if (st != SC_OK)
        return st;
    if (!ops)
        return open_cascade(res, &addrs, deadline, out, err);
    return open_with(ops, res, &addrs, deadline, out, err);
}

sc_status sc_link_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline, sc_error *err)
{
    return link->ops->write(link, data, n, end, deadline, err);
}

sc_status sc_link_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                       sc_error *err)
{
    *got = 0;
    *end = false;
    return link->ops->read(link, data, cap, got, end, deadline, err);
}

sc_status sc_link_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    return link->ops->clear(link, deadline, err);
}

void sc_link_close(sc_link *link)
{
    if (!link)
        return;
    link->ops->close(link);
    free(link->state);
    free(link);
}

sc_protocol sc_link_protocol(const sc_link *link) { return link->ops->protocol; }
bool sc_link_has_end_marker(const sc_link *link) { return link->ops->has_end_marker; }
const char *sc_link_label(const sc_link *link) { return link->label; }
const sc_resource *sc_link_resource(const sc_link *link) { return &link->res; }
