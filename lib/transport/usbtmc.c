/* USB-TMC transport: not built yet; the link table refuses it with a clear message. */
#include "transport/transport.h"

static sc_status usbtmc_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: the USB-TMC transport is not built yet", link->label);
}

static sc_status usbtmc_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline, sc_error *err)
{
    (void)data, (void)n, (void)end, (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static sc_status usbtmc_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                           sc_error *err)
{
    (void)data, (void)cap, (void)got, (void)end, (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static sc_status usbtmc_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "%s: not built", link->label);
}

static void usbtmc_close(sc_link *link)
{
    (void)link;
}

const sc_link_ops sc_usbtmc_link_ops = {
    .protocol = SC_PROTO_USBTMC,
    .display_name = "USB-TMC",
    .has_end_marker = true,
    .open = usbtmc_open,
    .write = usbtmc_write,
    .read = usbtmc_read,
    .clear = usbtmc_clear,
    .close = usbtmc_close,
};
