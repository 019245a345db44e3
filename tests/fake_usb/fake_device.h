/* The device side of the fake libusb (fake_libusb.c): one simulated instrument
 * (sim/instrument.c and its models) behind a USB-TMC device codec (lib/wire/usbtmc_wire.c),
 * with scopesim's --fault list applied to what goes over USB.
 *
 * The calls mirror what libusb does with a device: Bulk-OUT, Bulk-IN, class control
 * requests, clear halt, port reset. Results are libusb error codes. Not thread-safe: the
 * libusb layer serialises every call with one lock. */
#ifndef FAKE_DEVICE_H
#define FAKE_DEVICE_H

#include "instrument.h"

#include <stddef.h>
#include <stdint.h>

#define FAKE_EP_OUT 0x03
#define FAKE_EP_IN 0x82
#define FAKE_EP_INTR 0x81
#define FAKE_INTERFACE 0
#define FAKE_MAX_PACKET 512 /* high speed, like a DS1054Z */

/* How the device is plugged in, from SCOPECAP_FAKE_USB (see fake_libusb.c). */
typedef struct fake_device_config {
    const sim_model *model;
    char serial[128];
    uint16_t vid, pid;
    int open_error;      /* 0, or the libusb error libusb_open gives (ACCESS, BUSY) */
    sim_faults faults;
    int render_ms;       /* -1: the model's own */
    uint8_t bus, address;
} fake_device_config;

typedef struct fake_device fake_device;

fake_device *fake_device_new(const fake_device_config *cfg);
void fake_device_free(fake_device *d);
const fake_device_config *fake_device_config_of(const fake_device *d);

/* Unplugged (close-mid-transfer, reset-after): gone from the bus for good. */
bool fake_device_gone(const fake_device *d);

/* A host opened it: a fresh session (faults that count per connection start over). */
void fake_device_opened(fake_device *d);

/* Transfers. *done is what moved before the result; timeouts in milliseconds. */
int fake_device_bulk_out(fake_device *d, const uint8_t *data, size_t len, size_t *done, unsigned timeout_ms);
int fake_device_bulk_in(fake_device *d, uint8_t *buf, size_t cap, size_t *done, unsigned timeout_ms);
/* A class request (bmRequestType 0xA1/0xA2); returns the reply length or a libusb error. */
int fake_device_control_in(fake_device *d, uint8_t request_type, uint8_t request, uint16_t value, uint16_t index,
                           uint8_t *data, uint16_t len, unsigned timeout_ms);
int fake_device_clear_halt(fake_device *d, uint8_t endpoint);
int fake_device_reset(fake_device *d);

#endif
