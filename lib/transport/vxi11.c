/* VXI-11 transport: not built yet; the link table refuses it with a clear message. */
#include "transport/transport.h"

static sc_status vxi11_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: the VXI-11 transport is not built yet", link->label);
}

static sc_status vxi11_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline, sc_error *err)
{
    (void)data, (void)n, (void)end, (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static sc_status vxi11_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                           sc_error *err)
{
    (void)data, (void)cap, (void)got, (void)end, (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static sc_status vxi11_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static void vxi11_close(sc_link *link)
{
    (void)link;
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
