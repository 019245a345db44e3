/* Link dispatch and the protocol cascade for bare hosts.
 *
 * A bare host tries, in order, the transports a scope may speak: LeCroy VICP first (a
 * LeCroy answers screen dumps properly only there), then VXI-11, HiSLIP and the raw
 * socket ports. A step that fails (refused, timed out, or a transport not built) is
 * logged with -v and the next one is tried. */
#include "transport/transport.h"

#include <stdio.h>
#include <stdlib.h>

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

static void make_label(sc_link *link)
{
    char where[300];
    sc_resource_describe(&link->res, where, sizeof where);
    snprintf(link->label, sizeof link->label, "%s %s", link->ops->display_name, where);
}

static sc_status open_with(const sc_link_ops *ops, const sc_resource *res, sc_deadline deadline, sc_link **out,
                           sc_error *err)
{
    sc_link *link = calloc(1, sizeof *link);
    if (!link)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    link->ops = ops;
    link->res = *res;
    link->res.protocol = ops->protocol;
    link->fd = -1;
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

static sc_status open_cascade(const sc_resource *res, sc_deadline deadline, sc_link **out, sc_error *err)
{
    char tried[SC_ERROR_MAX] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof cascade / sizeof cascade[0]; i++) {
        const sc_link_ops *ops = ops_for(cascade[i].protocol);
        if (!ops) {
            sc_debug("%s: skipping %s (not built in)", res->host, sc_protocol_name(cascade[i].protocol));
            continue;
        }
        if (sc_deadline_expired(deadline))
            break;
        sc_resource step = *res;
        step.protocol = cascade[i].protocol;
        step.port = cascade[i].port;
        sc_error step_err;
        sc_error_clear(&step_err);
        sc_deadline step_deadline = sc_deadline_min(deadline, sc_deadline_in_ms(CASCADE_CONNECT_MS));
        sc_info("%s: trying %s on port %u", res->host, sc_protocol_name(step.protocol), step.port);
        if (open_with(ops, &step, step_deadline, out, &step_err) == SC_OK)
            return SC_OK;
        sc_info("%s: %s on port %u left: %s", res->host, sc_protocol_name(step.protocol), step.port,
                step_err.message);
        int n = snprintf(tried + used, sizeof tried - used, "%s%s/%u", used ? ", " : "",
                         sc_protocol_name(step.protocol), step.port);
        if (n > 0 && (size_t)n < sizeof tried - used)
            used += (size_t)n;
    }
    return sc_error_set(err, SC_ERR_UNREACHABLE,
                        "%s: no instrument protocol answered (tried %s); check the address and that the instrument's LAN interface is on, or name the protocol with -p (-v shows each step)",
                        res->host, used ? tried : "nothing");
}

sc_status sc_link_open(const sc_resource *res, sc_deadline deadline, sc_link **out, sc_error *err)
{
    *out = NULL;
    if (res->protocol == SC_PROTO_AUTO)
        return open_cascade(res, deadline, out, err);
    const sc_link_ops *ops = ops_for(res->protocol);
    if (!ops)
        return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: the %s transport is not available in this build",
                            res->text[0] ? res->text : res->host, sc_protocol_name(res->protocol));
    return open_with(ops, res, deadline, out, err);
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
