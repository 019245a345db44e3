/* The USB access the USB-TMC message layer needs, as a small vtable: find and open one
 * USB-TMC interface, bulk and control transfers, clear halt, reset. The real one is
 * libusb (usb_libusb.c); the unit tests put an in-process fake device behind it.
 * Internal to the library: not part of the public API. */
#ifndef SC_USB_BACKEND_H
#define SC_USB_BACKEND_H

#include "scopecap/core.h"

/* Which device to open. vid == 0 && pid == 0: the first USB-TMC interface found. */
typedef struct sc_usb_match {
    uint16_t vid, pid;
    const char *serial;   /* NULL or "": any */
    int interface_number; /* -1: the first USB-TMC interface of the device */
    const char *label;    /* names the link in messages */
} sc_usb_match;

/* What open() found. */
typedef struct sc_usb_device_info {
    uint16_t vid, pid;
    char manufacturer[128];
    char product[128];
    char serial[128];
    uint8_t interface_number;
    uint8_t interface_protocol; /* 0 USBTMC, 1 USB488 */
    uint8_t ep_bulk_out, ep_bulk_in, ep_interrupt_in; /* endpoint addresses; interrupt 0 = none */
    uint16_t max_packet_out, max_packet_in;           /* wMaxPacketSize of the bulk endpoints */
    /* Other USB-TMC devices the match left open (no serial given): how many, and
     * "0957:1796 (bus 001 device 007), ..." so that -v can say which ones exist. */
    int others;
    char others_text[256];
} sc_usb_device_info;

/* How one transfer ended. Partial counts are reported with every result. */
typedef enum sc_usb_result {
    SC_USB_OK = 0,
    SC_USB_TIMEOUT,   /* nothing (more) came before the timeout */
    SC_USB_STALL,     /* the endpoint halted, or a control request was refused */
    SC_USB_NO_DEVICE, /* unplugged */
    SC_USB_OVERFLOW,  /* the device sent more than the buffer could take */
    SC_USB_IO,        /* anything else */
} sc_usb_result;

const char *sc_usb_result_name(sc_usb_result r);

typedef struct sc_usb_dev sc_usb_dev; /* backend-private */

/* Timeouts are in milliseconds, at least 1; the message layer derives them from its
 * deadlines and never passes 0 (which libusb reads as "forever"). */
typedef struct sc_usb_backend_ops {
    const char *name;
    /* Find, open and claim the interface. Errors name the device and what to check. */
    sc_status (*open)(const sc_usb_match *match, sc_usb_dev **dev, sc_usb_device_info *info, sc_error *err);
    /* One bulk-out transfer of len bytes. */
    sc_usb_result (*bulk_out)(sc_usb_dev *dev, const uint8_t *data, size_t len, size_t *sent, unsigned timeout_ms);
    /* One bulk-in read: returns after cap bytes or a short packet. cap is a multiple of
     * max_packet_in, as USB requires. */
    sc_usb_result (*bulk_in)(sc_usb_dev *dev, uint8_t *buf, size_t cap, size_t *got, unsigned timeout_ms);
    /* A device-to-host control request: setup fields, then the reply into data. */
    sc_usb_result (*control_in)(sc_usb_dev *dev, uint8_t request_type, uint8_t request, uint16_t value,
                                uint16_t index, uint8_t *data, uint16_t len, size_t *got, unsigned timeout_ms);
    sc_usb_result (*clear_halt)(sc_usb_dev *dev, uint8_t endpoint);
    /* USB port reset; the handle stays valid (or the call fails). */
    sc_usb_result (*reset)(sc_usb_dev *dev);
    void (*close)(sc_usb_dev *dev);
} sc_usb_backend_ops;

/* libusb-1.0 (usb_libusb.c). */
extern const sc_usb_backend_ops sc_usb_libusb_ops;

/* Tests only: make the USB-TMC transport use another backend (NULL: back to libusb).
 * Not thread-safe; set it before opening links. */
void sc_usbtmc_set_backend_for_tests(const sc_usb_backend_ops *ops);

#endif
