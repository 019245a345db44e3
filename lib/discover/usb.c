/* USB: list USB-TMC interfaces (class 0xFE subclass 0x03) and devices of known
 * test-and-measurement vendors through libusb, then ask *IDN? over the USB-TMC
 * transport of each one that can be opened. A device that cannot be opened for lack of
 * permission gets a note with the udev rule that fixes it. The listing sits behind
 * sc_usb_enum_ops so the tests can replace libusb. */
#include "discover/discover_internal.h"
#include "scopecap/session.h"
#include "wire/usbtmc_wire.h"

#include <libusb.h>
#include <stdio.h>
#include <string.h>

typedef struct usb_vendor {
    uint16_t vid;
    const char *name;
} usb_vendor;

static const usb_vendor usb_vendors[] = {
    { 0x1ab1, "Rigol" },     { 0xf4ec, "Siglent" },  { 0xf4ed, "Siglent" },    { 0x0957, "Agilent" },
    { 0x2a8d, "Keysight" },  { 0x0699, "Tektronix" }, { 0x05ff, "LeCroy" },    { 0x0aad, "Rohde & Schwarz" },
    { 0x2184, "GW Instek" }, { 0x5345, "OWON" },     { 0x049f, "Hantek" },     { 0x0b21, "Yokogawa" },
    { 0x3923, "National Instruments" }, { 0x0f7e, "Fluke" }, { 0x164e, "Tabor" }, { 0x1313, "Thorlabs" },
};

const char *sc_usb_vendor_name(uint16_t vid)
{
    for (size_t i = 0; i < sizeof usb_vendors / sizeof usb_vendors[0]; i++)
        if (usb_vendors[i].vid == vid)
            return usb_vendors[i].name;
    return NULL;
}

void sc_usb_udev_rule(uint16_t vid, uint16_t pid, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"%04x\", ATTR{idProduct}==\"%04x\", MODE=\"0660\", GROUP=\"plugdev\", TAG+=\"uaccess\"",
             vid, pid);
}

/* ---- libusb ---- */

static int tmc_interface_of(libusb_device *dev)
{
    struct libusb_config_descriptor *cfg = NULL;
    if (libusb_get_active_config_descriptor(dev, &cfg) != 0 && libusb_get_config_descriptor(dev, 0, &cfg) != 0)
        return -1;
    int found = -1;
    for (int i = 0; i < cfg->bNumInterfaces && found < 0; i++)
        for (int a = 0; a < cfg->interface[i].num_altsetting && found < 0; a++) {
            const struct libusb_interface_descriptor *alt = &cfg->interface[i].altsetting[a];
            if (alt->bInterfaceClass == SC_USBTMC_CLASS && alt->bInterfaceSubClass == SC_USBTMC_SUBCLASS)
                found = alt->bInterfaceNumber;
        }
    libusb_free_config_descriptor(cfg);
    return found;
}

static void read_string(libusb_device_handle *h, uint8_t index, char *out, size_t cap)
{
    out[0] = '\0';
    unsigned char buf[256];
    int n = index ? libusb_get_string_descriptor_ascii(h, index, buf, sizeof buf) : 0;
    if (n > 0)
        sc_sanitize_text(out, cap, (const char *)buf, (size_t)n);
}

static void describe_device(libusb_device *dev, const struct libusb_device_descriptor *dd, int tmc, sc_usb_seen *s)
{
    memset(s, 0, sizeof *s);
    s->vid = dd->idVendor;
    s->pid = dd->idProduct;
    s->bus = libusb_get_bus_number(dev);
    s->address = libusb_get_device_address(dev);
    s->tmc = tmc >= 0;
    s->interface_number = tmc;
    libusb_device_handle *h = NULL;
    int r = libusb_open(dev, &h);
    if (r == LIBUSB_ERROR_ACCESS)
        s->access = SC_USB_ACCESS_DENIED;
    else if (r == LIBUSB_ERROR_BUSY)
        s->access = SC_USB_ACCESS_BUSY;
    else if (r != 0)
        s->access = SC_USB_ACCESS_ERROR;
    if (r != 0)
        return;
    read_string(h, dd->iManufacturer, s->manufacturer, sizeof s->manufacturer);
    read_string(h, dd->iProduct, s->product, sizeof s->product);
    read_string(h, dd->iSerialNumber, s->serial, sizeof s->serial);
    libusb_close(h);
}

static sc_status libusb_list(sc_usb_seen *out, size_t cap, size_t *n, sc_error *err)
{
    *n = 0;
    libusb_context *ctx = NULL;
    int r = libusb_init(&ctx);
    if (r != 0)
        return sc_error_set(err, SC_ERR_UNSUPPORTED, "cannot start libusb (%s): no USB access here", libusb_error_name(r));
    libusb_device **list = NULL;
    ssize_t count = libusb_get_device_list(ctx, &list);
    for (ssize_t i = 0; i < count && *n < cap; i++) {
        struct libusb_device_descriptor dd;
        if (libusb_get_device_descriptor(list[i], &dd) != 0)
            continue;
        int tmc = tmc_interface_of(list[i]);
        if (tmc < 0 && !sc_usb_vendor_name(dd.idVendor))
            continue;
        describe_device(list[i], &dd, tmc, &out[(*n)++]);
    }
    if (count >= 0)
        libusb_free_device_list(list, 1);
    libusb_exit(ctx);
    return SC_OK;
}

const sc_usb_enum_ops sc_usb_enum_libusb = { "libusb", libusb_list };

/* ---- identification ---- */

static void identify(const sc_usb_seen *s, int timeout_ms, sc_scan_result *out)
{
    sc_resource res;
    memset(&res, 0, sizeof res);
    res.protocol = SC_PROTO_USBTMC;
    res.usb_vid = s->vid;
    res.usb_pid = s->pid;
    res.usb_interface = -1;
    snprintf(res.usb_serial, sizeof res.usb_serial, "%s", s->serial);
    sc_resource_to_visa(&res, res.text, sizeof res.text);
    sc_deadline deadline = sc_deadline_in_ms(timeout_ms);
    sc_session *session = NULL;
    sc_error err;
    sc_idn idn;
    sc_status st = sc_session_open(&res, deadline, &session, &err);
    if (st == SC_OK)
        st = sc_session_identify(session, &idn, deadline, &err);
    if (session)
        sc_session_close(session);
    if (st != SC_OK) {
        sc_scan_result_note(out, "USB %04x:%04x at bus %03u device %03u: *IDN? over USB-TMC failed: %s", s->vid, s->pid,
                            s->bus, s->address, err.message);
        return;
    }
    sc_found_service svc;
    memset(&svc, 0, sizeof svc);
    svc.kind = SC_PROBE_KIND_COUNT;
    snprintf(svc.name, sizeof svc.name, "usbtmc");
    sc_resource_to_visa(&res, svc.resource, sizeof svc.resource);
    char address[64];
    snprintf(address, sizeof address, "usb:%03u:%03u", s->bus, s->address);
    sc_scan_result_add(out, address, &idn, &svc, SC_FOUND_BY_USB, NULL);
}

sc_status sc_usb_discover(const sc_usb_enum_ops *ops, int timeout_ms, sc_scan_result *out, sc_error *err)
{
    sc_usb_seen seen[64];
    size_t n = 0;
    sc_status st = ops->list(seen, sizeof seen / sizeof seen[0], &n, err);
    if (st != SC_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        const sc_usb_seen *s = &seen[i];
        const char *vendor = sc_usb_vendor_name(s->vid);
        char rule[256];
        switch (s->access) {
        case SC_USB_ACCESS_DENIED:
            sc_usb_udev_rule(s->vid, s->pid, rule, sizeof rule);
            sc_scan_result_note(out,
                                "USB %04x:%04x%s%s at bus %03u device %03u: permission denied (/dev/bus/usb/%03u/%03u); add the udev rule '%s' to /etc/udev/rules.d/99-scopecap.rules, run 'sudo udevadm control --reload-rules && sudo udevadm trigger' and replug it",
                                s->vid, s->pid, vendor ? " " : "", vendor ? vendor : "", s->bus, s->address, s->bus,
                                s->address, rule);
            continue;
        case SC_USB_ACCESS_BUSY:
            sc_scan_result_note(out, "USB %04x:%04x at bus %03u device %03u is busy (another program has it open)",
                                s->vid, s->pid, s->bus, s->address);
            continue;
        case SC_USB_ACCESS_ERROR:
            sc_scan_result_note(out, "USB %04x:%04x at bus %03u device %03u cannot be opened", s->vid, s->pid, s->bus,
                                s->address);
            continue;
        case SC_USB_ACCESS_OK:
            break;
        }
        if (!s->tmc) {
            sc_scan_result_note(out,
                                "USB %04x:%04x (%s %s) at bus %03u device %03u has no USB-TMC interface: set the instrument's USB port to computer/USBTMC mode",
                                s->vid, s->pid, s->manufacturer[0] ? s->manufacturer : vendor ? vendor : "?",
                                s->product, s->bus, s->address);
            continue;
        }
        identify(s, timeout_ms, out);
    }
    return SC_OK;
}
