/* USB-TMC / USB488 codec: bulk headers and class control requests, pure encode/decode
 * with no I/O (protocols.md §4). Everything on the wire is little-endian.
 *
 * A bulk transfer is a 12-byte header, the payload, and zero padding to a multiple of 4.
 * Only the first USB packet of a transfer carries the header. The host gives every
 * header a new bTag (1..255, never 0); the device echoes it in the Bulk-IN header. */
#ifndef SC_WIRE_USBTMC_WIRE_H
#define SC_WIRE_USBTMC_WIRE_H

#include "scopecap/core.h"

#define SC_USBTMC_HEADER_LEN 12
#define SC_USBTMC_CAPS_LEN 24

/* Interface descriptor: application class, TMC subclass; protocol 0 plain, 1 USB488. */
#define SC_USBTMC_CLASS 0xFE
#define SC_USBTMC_SUBCLASS 0x03
#define SC_USBTMC_PROTOCOL_USB488 0x01

/* MsgID, byte 0 of a bulk header. DEV_DEP_MSG_IN (device -> host) shares 2 with the
 * request that asks for it, VENDOR_SPECIFIC_IN shares 127. */
typedef enum sc_usbtmc_msg_id {
    SC_USBTMC_DEV_DEP_MSG_OUT = 1,
    SC_USBTMC_REQUEST_DEV_DEP_MSG_IN = 2,
    SC_USBTMC_DEV_DEP_MSG_IN = 2,
    SC_USBTMC_VENDOR_SPECIFIC_OUT = 126,
    SC_USBTMC_REQUEST_VENDOR_SPECIFIC_IN = 127,
    SC_USBTMC_VENDOR_SPECIFIC_IN = 127,
    SC_USB488_TRIGGER = 128,
} sc_usbtmc_msg_id;

/* bmTransferAttributes (byte 8). */
#define SC_USBTMC_ATTR_EOM 0x01      /* OUT and IN: the last byte ends the message */
#define SC_USBTMC_ATTR_TERMCHAR 0x02 /* REQUEST: TermChar enabled; IN: ended at TermChar */

/* bRequest of the class control requests. */
typedef enum sc_usbtmc_request {
    SC_USBTMC_INITIATE_ABORT_BULK_OUT = 1,
    SC_USBTMC_CHECK_ABORT_BULK_OUT_STATUS = 2,
    SC_USBTMC_INITIATE_ABORT_BULK_IN = 3,
    SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS = 4,
    SC_USBTMC_INITIATE_CLEAR = 5,
    SC_USBTMC_CHECK_CLEAR_STATUS = 6,
    SC_USBTMC_GET_CAPABILITIES = 7,
    SC_USBTMC_INDICATOR_PULSE = 64,
    SC_USB488_READ_STATUS_BYTE = 128,
    SC_USB488_REN_CONTROL = 160,
    SC_USB488_GO_TO_LOCAL = 161,
    SC_USB488_LOCAL_LOCKOUT = 162,
} sc_usbtmc_request;

/* bmRequestType: device-to-host | class | interface or endpoint recipient. */
#define SC_USBTMC_REQTYPE_INTERFACE 0xA1
#define SC_USBTMC_REQTYPE_ENDPOINT 0xA2

/* USBTMC_status, byte 0 of every class request reply. */
typedef enum sc_usbtmc_status {
    SC_USBTMC_STATUS_SUCCESS = 0x01,
    SC_USBTMC_STATUS_PENDING = 0x02,
    SC_USB488_STATUS_INTERRUPT_IN_BUSY = 0x20,
    SC_USBTMC_STATUS_FAILED = 0x80,
    SC_USBTMC_STATUS_TRANSFER_NOT_IN_PROGRESS = 0x81,
    SC_USBTMC_STATUS_SPLIT_NOT_IN_PROGRESS = 0x82,
    SC_USBTMC_STATUS_SPLIT_IN_PROGRESS = 0x83,
} sc_usbtmc_status;

const char *sc_usbtmc_status_name(uint8_t status);
const char *sc_usbtmc_request_name(uint8_t request);

/* ---- bTag and alignment ---- */

/* The bTag after prev: 1..255 and around again, never 0. */
uint8_t sc_usbtmc_next_btag(uint8_t prev);
/* READ_STATUS_BYTE uses its own bTag range 2..127. */
uint8_t sc_usbtmc_next_stb_btag(uint8_t prev);
/* Zero bytes that bring n up to a multiple of 4. */
size_t sc_usbtmc_padding(size_t n);

/* ---- Bulk-OUT headers (host -> device) ---- */

void sc_usbtmc_encode_dev_dep_out(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag, uint32_t size, bool eom);
void sc_usbtmc_encode_request_in(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag, uint32_t max_size,
                                 bool termchar_enabled, uint8_t termchar);
void sc_usbtmc_encode_vendor_out(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag, uint32_t size);
void sc_usbtmc_encode_request_vendor_in(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag, uint32_t max_size);
void sc_usbtmc_encode_trigger(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag);

/* A whole DEV_DEP_MSG_OUT transfer (header, payload, padding) into out. Returns its
 * length, or 0 when cap is too small or n does not fit TransferSize. */
size_t sc_usbtmc_frame_dev_dep_out(uint8_t *out, size_t cap, uint8_t btag, const void *payload, size_t n,
                                   bool eom);

/* A Bulk-OUT header as the device sees it (used by test devices and the fuzzer). */
typedef struct sc_usbtmc_out_header {
    uint8_t msg_id;
    uint8_t btag;
    uint32_t transfer_size;
    uint8_t attributes;
    uint8_t termchar;
} sc_usbtmc_out_header;

sc_status sc_usbtmc_decode_out_header(const uint8_t *buf, size_t len, sc_usbtmc_out_header *out, sc_error *err);

/* ---- Bulk-IN header (device -> host) ---- */

typedef struct sc_usbtmc_in_header {
    uint8_t msg_id;
    uint8_t btag;
    uint32_t transfer_size;
    uint8_t attributes;
    bool eom;
    bool termchar; /* the transfer ended because TermChar was sent */
} sc_usbtmc_in_header;

void sc_usbtmc_encode_in_header(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t msg_id, uint8_t btag, uint32_t size,
                                uint8_t attributes);

/* Decode and check a Bulk-IN header against the request it answers: MsgID, bTag and its
 * inverse must match, and TransferSize may not exceed max_size (0: do not check; the
 * Rigol quirk announces sizes that do not mean anything). */
sc_status sc_usbtmc_decode_in_header(const uint8_t *buf, size_t len, uint8_t expected_msg_id, uint8_t expected_btag,
                                     uint32_t max_size, sc_usbtmc_in_header *out, sc_error *err);

/* ---- class control requests ---- */

typedef struct sc_usbtmc_setup {
    uint8_t request_type;
    uint8_t request;
    uint16_t value;
    uint16_t index;  /* interface number or endpoint address */
    uint16_t length; /* wLength: the size of the reply */
} sc_usbtmc_setup;

/* The setup packet of a class request: bmRequestType and wLength come from the request
 * (protocols.md §4.4). false for a request this codec does not know. */
bool sc_usbtmc_setup_for(uint8_t request, uint16_t value, uint16_t index, sc_usbtmc_setup *out);

/* A class request's reply, the fields that request has. */
typedef struct sc_usbtmc_ctl_reply {
    uint8_t status;
    uint8_t btag;   /* INITIATE_ABORT_*, READ_STATUS_BYTE */
    uint8_t flags;  /* CHECK_ABORT_BULK_IN: bmAbortBulkIn; CHECK_CLEAR_STATUS: bmClear */
    uint32_t nbytes; /* CHECK_ABORT_*: bytes transferred before the abort */
    uint8_t stb;     /* READ_STATUS_BYTE */
} sc_usbtmc_ctl_reply;

/* Bit 0 of bmAbortBulkIn / bmClear: the Bulk-IN FIFO still holds bytes to read. */
#define SC_USBTMC_FIFO_HAS_DATA 0x01

sc_status sc_usbtmc_parse_ctl_reply(uint8_t request, const uint8_t *buf, size_t len, sc_usbtmc_ctl_reply *out,
                                    sc_error *err);

/* GET_CAPABILITIES reply (24 bytes). */
typedef struct sc_usbtmc_caps {
    uint8_t status;
    uint16_t bcd_usbtmc;
    bool indicator_pulse, talk_only, listen_only; /* byte 4 */
    bool termchar;                                /* byte 5 */
    uint16_t bcd_usb488;
    bool usb488_2, usb488_ren_control, usb488_trigger; /* byte 14: 488.2 iface, REN/GTL/LLO, TRIGGER */
    bool scpi, sr1, rl1, dt1;                          /* byte 15 */
} sc_usbtmc_caps;

sc_status sc_usbtmc_parse_capabilities(const uint8_t *buf, size_t len, sc_usbtmc_caps *out, sc_error *err);
/* The device side: 24 bytes from a caps struct (for test devices). */
void sc_usbtmc_encode_capabilities(const sc_usbtmc_caps *caps, uint8_t out[SC_USBTMC_CAPS_LEN]);

/* ---- USB488 Interrupt-IN ---- */

typedef enum sc_usb488_interrupt_kind {
    SC_USB488_INTR_STB_REPLY, /* answer to READ_STATUS_BYTE: 0x80 | bTag, STB */
    SC_USB488_INTR_SRQ,       /* service request: 0x81, STB */
} sc_usb488_interrupt_kind;

sc_status sc_usb488_decode_interrupt(const uint8_t *buf, size_t len, sc_usb488_interrupt_kind *kind, uint8_t *btag,
                                     uint8_t *stb, sc_error *err);

#endif
