/* Raw SCPI over TCP (ports 5025, 5555): bytes only, no end-of-message marker.
 * Where a reply ends is decided by the SCPI layer (newline, block length, image header). */
#include "transport/net.h"
#include "transport/transport.h"

#include <unistd.h>

static sc_status raw_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    return sc_link_connect_tcp(link, sc_resource_port(&link->res), deadline, &link->fd, link->label, err);
}

static sc_status raw_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline,
                           sc_error *err)
{
    (void)end; /* the newline the session appends is the only terminator a raw socket has */
    return sc_tcp_send_all(link->fd, data, n, deadline, link->label, err);
}

static sc_status raw_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                          sc_error *err)
{
    *end = false;
    return sc_tcp_recv_some(link->fd, data, cap, got, deadline, link->label, err);
}

static sc_status raw_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    /* A raw socket has no device clear: the only way to drop a queued reply is a new
     * connection. */
    if (link->fd >= 0)
        close(link->fd);
    link->fd = -1;
    return raw_open(link, deadline, err);
}

static void raw_close(sc_link *link)
{
    if (link->fd >= 0)
        close(link->fd);
    link->fd = -1;
}

const sc_link_ops sc_raw_link_ops = {
    .protocol = SC_PROTO_RAW,
    .display_name = "raw SCPI",
    .has_end_marker = false,
    .open = raw_open,
    .write = raw_write,
    .read = raw_read,
    .clear = raw_clear,
    .close = raw_close,
};
