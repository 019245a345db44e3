/* VICP transport: not built yet; the link table refuses it with a clear message. */
#include "transport/transport.h"

static sc_status vicp_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: the VICP transport is not built yet", link->label);
}

static sc_status vicp_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline, sc_error *err)
{
    (void)data, (void)n, (void)end, (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static sc_status vicp_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                           sc_error *err)
{
    (void)data, (void)cap, (void)got, (void)end, (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static sc_status vicp_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static void vicp_close(sc_link *link)
{
    (void)link;
}

const sc_link_ops sc_vicp_link_ops = {
    .protocol = SC_PROTO_VICP,
    .display_name = "VICP",
    .has_end_marker = true,
    .open = vicp_open,
    .write = vicp_write,
    .read = vicp_read,
    .clear = vicp_clear,
    .close = vicp_close,
};
