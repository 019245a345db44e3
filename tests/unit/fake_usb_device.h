/* An in-process USB-TMC device for tests: the device side of the protocol in front of the
 * simulator's instrument (sim/instrument.c), served through the USB backend vtable.
 *
 * It checks what the host sends the way a strict device would (headers, bTag sequence,
 * padding, request types, wIndex) and counts each violation; it answers with Bulk-IN
 * transfers cut into wMaxPacketSize packets, a short or zero-length packet at the end.
 * Device misbehaviours of the quirk table can be switched on one by one. Single-threaded:
 * the host's call runs the device. */
#ifndef FAKE_USB_DEVICE_H
#define FAKE_USB_DEVICE_H

#include "instrument.h"
#include "transport/usb_backend.h"
#include "wire/usbtmc_wire.h"

typedef struct fake_usb_config {
    bool present;          /* false: open() finds no device */
    uint16_t vid, pid;
    const char *serial;
    const char *manufacturer;
    const char *product;
    uint16_t max_packet;   /* 64 full speed, 512 high speed */
    uint8_t interface_number;
    uint8_t ep_out, ep_in, ep_intr;
    sc_usbtmc_caps caps;   /* what GET_CAPABILITIES answers */
    const char *model;     /* simulator model */
    /* Other USB-TMC devices on the bus, never opened: reported in sc_usb_device_info
     * (as the libusb backend does) when the host named no serial. 0: none. */
    int others;
    const char *others_text;

    /* device misbehaviours (protocols.md §4.5) */
    bool rigol_transfer_size;  /* one transfer per message, TransferSize wrong for blocks, EOM always, a new REQUEST restarts */
    bool never_eom;            /* Advantest: never sets EOM */
    bool hangs_on_clear;       /* DS1000Z: INITIATE_CLEAR never completes and the device stops answering */
    bool remote_control_wedges; /* RL1 advertised, but REN_CONTROL/GO_TO_LOCAL/LOCAL_LOCKOUT wedge the device */
    bool stale_until_reset;    /* a stale reply is waiting at open; only a USB reset drops it */
    bool empty_before_reply;   /* a zero-length packet before the first transfer of each reply (DS1054Z) */

    /* faults; the instrument's own faults (stall, close_mid_transfer) apply as well */
    bool bulk_out_stalls;      /* Bulk-OUT never accepts data (NAK until timeout) */
    bool wrong_btag;           /* Bulk-IN headers echo a wrong bTag */
    int clear_pending_polls;   /* CHECK_CLEAR_STATUS answers PENDING this many times */
} fake_usb_config;

typedef struct fake_usb_stats {
    unsigned opens, closes, resets;
    unsigned out_transfers;     /* DEV_DEP_MSG_OUT transfers */
    unsigned eom_transfers;     /* ... of them with EOM */
    unsigned messages;          /* program messages executed */
    unsigned requests;          /* REQUEST_DEV_DEP_MSG_IN */
    unsigned in_transfers;      /* Bulk-IN transfers queued (headers sent) */
    unsigned restarts;          /* Rigol emulation: a REQUEST restarted a transfer */
    unsigned initiate_clear, check_clear, clear_halt_out, clear_halt_in;
    unsigned abort_in, abort_out;
    unsigned get_capabilities, ren_control, go_to_local, local_lockout;
    uint32_t max_out_payload;   /* largest DEV_DEP_MSG_OUT TransferSize */
    uint32_t max_request;       /* largest REQUEST TransferSize */
    uint32_t last_out_size;     /* TransferSize of the last DEV_DEP_MSG_OUT */
    unsigned violations;        /* host broke a rule; the last one is described below */
    char last_violation[256];
    uint64_t bytes_in;          /* Bulk-IN bytes handed to the host */
} fake_usb_stats;

/* A Rigol DS1054Z at full speed (64-byte packets) with USB488 capabilities. */
void fake_usb_default_config(fake_usb_config *cfg);
/* Power on a device (fresh instrument) and make the USB-TMC transport use it. */
void fake_usb_install(const fake_usb_config *cfg);
/* Unplug it and give the transport back its real backend. */
void fake_usb_uninstall(void);
fake_usb_config *fake_usb_live_config(void);
const fake_usb_stats *fake_usb_get_stats(void);
sim_instrument *fake_usb_instrument(void);
const sc_usb_backend_ops *fake_usb_backend(void);

#endif
