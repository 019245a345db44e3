/* HiSLIP transport: not built yet; the link table refuses it with a clear message. */
#include "transport/transport.h"

static sc_status hislip_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: the HiSLIP transport is not built yet", link->label);
}

static sc_status hislip_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline, sc_error *err)
{
    (void)data, (void)n, (void)end, (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static sc_status hislip_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                           sc_error *err)
{
    (void)data, (void)cap, (void)got, (void)end, (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static sc_status hislip_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static void hislip_close(sc_link *link)
{
    (void)link;
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
