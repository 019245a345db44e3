/* The USB backend on libusb-1.0: find a USB-TMC interface (class 0xFE, subclass 0x03),
 * claim it (detaching the usbtmc kernel driver when it holds it), and do synchronous
 * bulk and control transfers. One libusb context per open device keeps links independent.
 *
 * Verified on this machine only for the paths without hardware: libusb initialises,
 * finds no device and says so. Nothing here has met a real instrument yet. */
#include "transport/usb_backend.h"
#include "wire/usbtmc_wire.h"

#include <libusb.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sc_usb_dev {
    libusb_context *ctx;
    libusb_device_handle *handle;
    int interface;
    bool claimed;
    bool reattach_kernel_driver;
    uint8_t ep_in, ep_out;
};

typedef struct tmc_interface {
    int number;
    int altsetting;
    uint8_t protocol;
    uint8_t ep_in, ep_out, ep_intr;
    uint16_t mps_in, mps_out;
} tmc_interface;

/* Why no device was chosen, for the one message at the end. */
typedef struct search_report {
    int with_ids;       /* devices with matching VID/PID */
    int without_tmc;    /* ... that have no USB-TMC interface */
    int access_denied;  /* ... that could not be opened for lack of permission */
    int wrong_serial;   /* ... whose serial differs */
    char seen_serial[128];
    uint8_t denied_bus, denied_addr;
} search_report;

static sc_usb_result map_result(int r)
{
    switch (r) {
    case LIBUSB_SUCCESS: return SC_USB_OK;
    case LIBUSB_ERROR_TIMEOUT: return SC_USB_TIMEOUT;
    case LIBUSB_ERROR_PIPE: return SC_USB_STALL;
    case LIBUSB_ERROR_NO_DEVICE: return SC_USB_NO_DEVICE;
    case LIBUSB_ERROR_NOT_FOUND: return SC_USB_NO_DEVICE; /* re-enumerated after a reset */
    case LIBUSB_ERROR_OVERFLOW: return SC_USB_OVERFLOW;
    default: return SC_USB_IO;
    }
}

static bool endpoints_of(const struct libusb_interface_descriptor *alt, tmc_interface *out)
{
    out->ep_in = out->ep_out = out->ep_intr = 0;
    for (int e = 0; e < alt->bNumEndpoints; e++) {
        const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];
        int type = ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
        bool in = (ep->bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN;
        uint16_t mps = ep->wMaxPacketSize & 0x7ff;
        if (type == LIBUSB_TRANSFER_TYPE_BULK && in && !out->ep_in)
            out->ep_in = ep->bEndpointAddress, out->mps_in = mps;
        else if (type == LIBUSB_TRANSFER_TYPE_BULK && !in && !out->ep_out)
            out->ep_out = ep->bEndpointAddress, out->mps_out = mps;
        else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in && !out->ep_intr)
            out->ep_intr = ep->bEndpointAddress;
    }
    return out->ep_in && out->ep_out;
}

/* The first USB-TMC interface (or the one numbered `wanted`) with both bulk endpoints. */
static bool find_tmc_interface(libusb_device *dev, int wanted, tmc_interface *out)
{
    struct libusb_config_descriptor *cfg = NULL;
    if (libusb_get_active_config_descriptor(dev, &cfg) != 0 && libusb_get_config_descriptor(dev, 0, &cfg) != 0)
        return false;
    bool found = false;
    for (int i = 0; i < cfg->bNumInterfaces && !found; i++) {
        const struct libusb_interface *intf = &cfg->interface[i];
        for (int a = 0; a < intf->num_altsetting && !found; a++) {
            const struct libusb_interface_descriptor *alt = &intf->altsetting[a];
            if (alt->bInterfaceClass != SC_USBTMC_CLASS || alt->bInterfaceSubClass != SC_USBTMC_SUBCLASS)
                continue;
            if (wanted >= 0 && alt->bInterfaceNumber != wanted)
                continue;
            if (!endpoints_of(alt, out))
                continue;
            out->number = alt->bInterfaceNumber;
            out->altsetting = alt->bAlternateSetting;
            out->protocol = alt->bInterfaceProtocol;
            found = true;
        }
    }
    libusb_free_config_descriptor(cfg);
    return found;
}

static void read_string(libusb_device_handle *h, uint8_t index, char *out, size_t cap)
{
    out[0] = '\0';
    if (index == 0)
        return;
    unsigned char buf[256];
    int n = libusb_get_string_descriptor_ascii(h, index, buf, sizeof buf);
    if (n > 0)
        sc_sanitize_text(out, cap, (const char *)buf, (size_t)n);
}

/* Open `dev` if it is the one asked for; NULL otherwise, with the reason counted. */
static libusb_device_handle *try_device(libusb_device *dev, const sc_usb_match *m, tmc_interface *tmc,
                                        struct libusb_device_descriptor *dd, search_report *rep)
{
    if (libusb_get_device_descriptor(dev, dd) != 0)
        return NULL;
    bool any = m->vid == 0 && m->pid == 0;
    if (!any && (dd->idVendor != m->vid || dd->idProduct != m->pid))
        return NULL;
    rep->with_ids++;
    if (!find_tmc_interface(dev, m->interface_number, tmc)) {
        rep->without_tmc++;
        return NULL;
    }
    libusb_device_handle *h = NULL;
    int r = libusb_open(dev, &h);
    if (r == LIBUSB_ERROR_ACCESS) {
        rep->access_denied++;
        rep->denied_bus = libusb_get_bus_number(dev);
        rep->denied_addr = libusb_get_device_address(dev);
        return NULL;
    }
    if (r != 0)
        return NULL;
    if (m->serial && m->serial[0]) {
        char serial[128];
        read_string(h, dd->iSerialNumber, serial, sizeof serial);
        if (strcmp(serial, m->serial) != 0) {
            rep->wrong_serial++;
            snprintf(rep->seen_serial, sizeof rep->seen_serial, "%s", serial);
            libusb_close(h);
            return NULL;
        }
    }
    return h;
}

static sc_status not_found(const sc_usb_match *m, const search_report *rep, sc_error *err)
{
    char ids[64], serial[160] = "";
    if (m->vid == 0 && m->pid == 0)
        snprintf(ids, sizeof ids, "(any vendor)");
    else
        snprintf(ids, sizeof ids, "%04x:%04x", m->vid, m->pid);
    if (m->serial && m->serial[0])
        snprintf(serial, sizeof serial, " with serial \"%s\"", m->serial);
    if (rep->access_denied)
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "%s: permission denied opening USB device %s (bus %03u device %03u); add a udev rule such as SUBSYSTEM==\"usb\", ATTR{idVendor}==\"%04x\", MODE=\"0660\", GROUP=\"plugdev\" and join that group",
                            m->label, ids, rep->denied_bus, rep->denied_addr, m->vid);
    if (rep->wrong_serial)
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "%s: USB-TMC device %s is connected, but its serial is \"%s\", not \"%s\"; check the serial (or leave it out)",
                            m->label, ids, rep->seen_serial, m->serial);
    if (rep->with_ids && rep->without_tmc == rep->with_ids)
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "%s: USB device %s is connected but offers no USB-TMC interface (class 0xFE subclass 0x03)%s; check the instrument's USB mode setting (computer/USBTMC, not printer or storage)",
                            m->label, ids, m->interface_number >= 0 ? " with that interface number" : "");
    bool no_bus = access("/dev/bus/usb", F_OK) != 0;
    char vendor[8] = "VVVV";
    if (m->vid)
        snprintf(vendor, sizeof vendor, "%04x", m->vid);
    return sc_error_set(err, SC_ERR_UNREACHABLE,
                        "%s: no USB-TMC device %s%s is connected; check the cable, `lsusb`, and permissions (udev rule SUBSYSTEM==\"usb\", ATTR{idVendor}==\"%s\", MODE=\"0660\", GROUP=\"plugdev\")%s",
                        m->label, ids, serial, vendor,
                        no_bus ? " (there is no /dev/bus/usb here: in a container, pass the USB bus through)" : "");
}

static sc_status claim(sc_usb_dev *d, const tmc_interface *tmc, const sc_usb_match *m, sc_error *err)
{
    int r = libusb_kernel_driver_active(d->handle, tmc->number);
    if (r == 1) {
        r = libusb_detach_kernel_driver(d->handle, tmc->number);
        if (r != 0)
            return sc_error_set(err, SC_ERR_UNREACHABLE,
                                "%s: cannot detach the kernel driver from interface %d (%s); unload it (`rmmod usbtmc`) or use usbtmc:///dev/usbtmcN",
                                m->label, tmc->number, libusb_error_name(r));
        d->reattach_kernel_driver = true;
    }
    r = libusb_claim_interface(d->handle, tmc->number);
    if (r == LIBUSB_ERROR_BUSY)
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "%s: interface %d is in use by another program (another scopecap, a VISA library, or a driver)",
                            m->label, tmc->number);
    if (r != 0)
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: cannot claim interface %d: %s", m->label, tmc->number,
                            libusb_error_name(r));
    d->claimed = true;
    if (tmc->altsetting != 0 && (r = libusb_set_interface_alt_setting(d->handle, tmc->number, tmc->altsetting)) != 0)
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: cannot select alternate setting %d: %s", m->label,
                            tmc->altsetting, libusb_error_name(r));
    return SC_OK;
}

static void fill_info(sc_usb_dev *d, const tmc_interface *tmc, const struct libusb_device_descriptor *dd,
                      sc_usb_device_info *info)
{
    memset(info, 0, sizeof *info);
    info->vid = dd->idVendor;
    info->pid = dd->idProduct;
    read_string(d->handle, dd->iManufacturer, info->manufacturer, sizeof info->manufacturer);
    read_string(d->handle, dd->iProduct, info->product, sizeof info->product);
    read_string(d->handle, dd->iSerialNumber, info->serial, sizeof info->serial);
    info->interface_number = (uint8_t)tmc->number;
    info->interface_protocol = tmc->protocol;
    info->ep_bulk_in = tmc->ep_in;
    info->ep_bulk_out = tmc->ep_out;
    info->ep_interrupt_in = tmc->ep_intr;
    info->max_packet_in = tmc->mps_in;
    info->max_packet_out = tmc->mps_out;
}

/* Every other device that matches the ids (or any, with none given) and has a USB-TMC
 * interface: when no serial picked one, the user should hear that there was a choice. */
static void note_others(libusb_device **list, ssize_t n, ssize_t chosen, const sc_usb_match *m,
                        sc_usb_device_info *info)
{
    if (m->serial && m->serial[0])
        return;
    bool any = m->vid == 0 && m->pid == 0;
    size_t used = 0;
    for (ssize_t i = 0; i < n; i++) {
        struct libusb_device_descriptor dd;
        tmc_interface tmc;
        if (i == chosen || libusb_get_device_descriptor(list[i], &dd) != 0)
            continue;
        if (!any && (dd.idVendor != m->vid || dd.idProduct != m->pid))
            continue;
        if (!find_tmc_interface(list[i], m->interface_number, &tmc))
            continue;
        info->others++;
        int w = snprintf(info->others_text + used, sizeof info->others_text - used, "%s%04x:%04x (bus %03u device %03u)",
                         used ? ", " : "", dd.idVendor, dd.idProduct, libusb_get_bus_number(list[i]),
                         libusb_get_device_address(list[i]));
        if (w > 0 && (size_t)w < sizeof info->others_text - used)
            used += (size_t)w;
    }
}

static void libusb_backend_close(sc_usb_dev *d)
{
    if (!d)
        return;
    if (d->handle) {
        if (d->claimed)
            libusb_release_interface(d->handle, d->interface);
        if (d->reattach_kernel_driver)
            libusb_attach_kernel_driver(d->handle, d->interface);
        libusb_close(d->handle);
    }
    if (d->ctx)
        libusb_exit(d->ctx);
    free(d);
}

static sc_status libusb_backend_open(const sc_usb_match *m, sc_usb_dev **out, sc_usb_device_info *info,
                                     sc_error *err)
{
    *out = NULL;
    sc_usb_dev *d = calloc(1, sizeof *d);
    if (!d)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    int r = libusb_init(&d->ctx);
    if (r != 0) {
        d->ctx = NULL;
        libusb_backend_close(d);
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "%s: cannot initialise libusb (%s); USB access needs /dev/bus/usb (in a container, pass it through, e.g. --device /dev/bus/usb)",
                            m->label, libusb_error_name(r));
    }
    libusb_device **list = NULL;
    ssize_t n = libusb_get_device_list(d->ctx, &list);
    if (n < 0) {
        libusb_backend_close(d);
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: cannot list USB devices (%s); is /dev/bus/usb readable?",
                            m->label, libusb_error_name((int)n));
    }
    search_report rep;
    memset(&rep, 0, sizeof rep);
    tmc_interface tmc;
    struct libusb_device_descriptor dd;
    memset(&tmc, 0, sizeof tmc);
    memset(&dd, 0, sizeof dd);
    ssize_t chosen = -1;
    for (ssize_t i = 0; i < n && !d->handle; i++)
        if ((d->handle = try_device(list[i], m, &tmc, &dd, &rep)) != NULL)
            chosen = i;
    if (!d->handle) {
        libusb_free_device_list(list, 1);
        libusb_backend_close(d);
        return not_found(m, &rep, err);
    }
    d->interface = tmc.number;
    d->ep_in = tmc.ep_in;
    d->ep_out = tmc.ep_out;
    sc_status s = claim(d, &tmc, m, err);
    if (s != SC_OK) {
        libusb_free_device_list(list, 1);
        libusb_backend_close(d);
        return s;
    }
    fill_info(d, &tmc, &dd, info);
    note_others(list, n, chosen, m, info);
    libusb_free_device_list(list, 1);
    *out = d;
    return SC_OK;
}

static sc_usb_result bulk(sc_usb_dev *d, uint8_t ep, uint8_t *data, size_t len, size_t *done, unsigned timeout_ms)
{
    *done = 0;
    if (len > INT_MAX)
        return SC_USB_IO;
    int transferred = 0;
    int r = libusb_bulk_transfer(d->handle, ep, data, (int)len, &transferred, timeout_ms);
    *done = transferred > 0 ? (size_t)transferred : 0;
    return map_result(r);
}

static sc_usb_result libusb_backend_bulk_out(sc_usb_dev *d, const uint8_t *data, size_t len, size_t *sent,
                                             unsigned timeout_ms)
{
    /* libusb does not write through the pointer of an OUT transfer */
    return bulk(d, d->ep_out, (uint8_t *)(uintptr_t)data, len, sent, timeout_ms);
}

static sc_usb_result libusb_backend_bulk_in(sc_usb_dev *d, uint8_t *buf, size_t cap, size_t *got, unsigned timeout_ms)
{
    return bulk(d, d->ep_in, buf, cap, got, timeout_ms);
}

static sc_usb_result libusb_backend_control_in(sc_usb_dev *d, uint8_t request_type, uint8_t request, uint16_t value,
                                               uint16_t index, uint8_t *data, uint16_t len, size_t *got,
                                               unsigned timeout_ms)
{
    *got = 0;
    int r = libusb_control_transfer(d->handle, request_type, request, value, index, data, len, timeout_ms);
    if (r < 0)
        return map_result(r);
    *got = (size_t)r;
    return SC_USB_OK;
}

static sc_usb_result libusb_backend_clear_halt(sc_usb_dev *d, uint8_t endpoint)
{
    return map_result(libusb_clear_halt(d->handle, endpoint));
}

static sc_usb_result libusb_backend_reset(sc_usb_dev *d)
{
    return map_result(libusb_reset_device(d->handle));
}

const sc_usb_backend_ops sc_usb_libusb_ops = {
    .name = "libusb",
    .open = libusb_backend_open,
    .bulk_out = libusb_backend_bulk_out,
    .bulk_in = libusb_backend_bulk_in,
    .control_in = libusb_backend_control_in,
    .clear_halt = libusb_backend_clear_halt,
    .reset = libusb_backend_reset,
    .close = libusb_backend_close,
};
