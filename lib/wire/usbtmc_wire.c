/* USB-TMC / USB488 codec (protocols.md §4): bulk headers, class requests, capabilities.
 * Pure functions; every decoder checks the length it is given before reading. */
#include "wire/usbtmc_wire.h"

#include <string.h>

/* ---- little-endian helpers ---- */

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- names for messages ---- */

const char *sc_usbtmc_status_name(uint8_t status)
{
    switch (status) {
    case SC_USBTMC_STATUS_SUCCESS: return "SUCCESS";
    case SC_USBTMC_STATUS_PENDING: return "PENDING";
    case SC_USB488_STATUS_INTERRUPT_IN_BUSY: return "INTERRUPT_IN_BUSY";
    case SC_USBTMC_STATUS_FAILED: return "FAILED";
    case SC_USBTMC_STATUS_TRANSFER_NOT_IN_PROGRESS: return "TRANSFER_NOT_IN_PROGRESS";
    case SC_USBTMC_STATUS_SPLIT_NOT_IN_PROGRESS: return "SPLIT_NOT_IN_PROGRESS";
    case SC_USBTMC_STATUS_SPLIT_IN_PROGRESS: return "SPLIT_IN_PROGRESS";
    default: return "unknown status";
    }
}

/* One row per class request: its name, recipient and reply size (protocols.md §4.4). */
typedef struct request_row {
    uint8_t request;
    uint8_t request_type;
    uint16_t length;
    const char *name;
} request_row;

static const request_row requests[] = {
    { SC_USBTMC_INITIATE_ABORT_BULK_OUT, SC_USBTMC_REQTYPE_ENDPOINT, 2, "INITIATE_ABORT_BULK_OUT" },
    { SC_USBTMC_CHECK_ABORT_BULK_OUT_STATUS, SC_USBTMC_REQTYPE_ENDPOINT, 8, "CHECK_ABORT_BULK_OUT_STATUS" },
    { SC_USBTMC_INITIATE_ABORT_BULK_IN, SC_USBTMC_REQTYPE_ENDPOINT, 2, "INITIATE_ABORT_BULK_IN" },
    { SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS, SC_USBTMC_REQTYPE_ENDPOINT, 8, "CHECK_ABORT_BULK_IN_STATUS" },
    { SC_USBTMC_INITIATE_CLEAR, SC_USBTMC_REQTYPE_INTERFACE, 1, "INITIATE_CLEAR" },
    { SC_USBTMC_CHECK_CLEAR_STATUS, SC_USBTMC_REQTYPE_INTERFACE, 2, "CHECK_CLEAR_STATUS" },
    { SC_USBTMC_GET_CAPABILITIES, SC_USBTMC_REQTYPE_INTERFACE, SC_USBTMC_CAPS_LEN, "GET_CAPABILITIES" },
    { SC_USBTMC_INDICATOR_PULSE, SC_USBTMC_REQTYPE_INTERFACE, 1, "INDICATOR_PULSE" },
    { SC_USB488_READ_STATUS_BYTE, SC_USBTMC_REQTYPE_INTERFACE, 3, "READ_STATUS_BYTE" },
    { SC_USB488_REN_CONTROL, SC_USBTMC_REQTYPE_INTERFACE, 1, "REN_CONTROL" },
    { SC_USB488_GO_TO_LOCAL, SC_USBTMC_REQTYPE_INTERFACE, 1, "GO_TO_LOCAL" },
    { SC_USB488_LOCAL_LOCKOUT, SC_USBTMC_REQTYPE_INTERFACE, 1, "LOCAL_LOCKOUT" },
};

static const request_row *find_request(uint8_t request)
{
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
        if (requests[i].request == request)
            return &requests[i];
    return NULL;
}

const char *sc_usbtmc_request_name(uint8_t request)
{
    const request_row *r = find_request(request);
    return r ? r->name : "unknown request";
}

/* ---- bTag and alignment ---- */

uint8_t sc_usbtmc_next_btag(uint8_t prev)
{
    return prev == 255 ? 1 : (uint8_t)(prev + 1);
}

uint8_t sc_usbtmc_next_stb_btag(uint8_t prev)
{
    return prev < 2 || prev >= 127 ? 2 : (uint8_t)(prev + 1);
}

size_t sc_usbtmc_padding(size_t n)
{
    return (4 - (n & 3)) & 3;
}

/* ---- Bulk-OUT ---- */

static void encode_header(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t msg_id, uint8_t btag, uint32_t size,
                          uint8_t attributes, uint8_t byte9)
{
    memset(out, 0, SC_USBTMC_HEADER_LEN);
    out[0] = msg_id;
    out[1] = btag;
    out[2] = (uint8_t)~btag;
    put_le32(out + 4, size);
    out[8] = attributes;
    out[9] = byte9;
}

void sc_usbtmc_encode_dev_dep_out(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag, uint32_t size, bool eom)
{
    encode_header(out, SC_USBTMC_DEV_DEP_MSG_OUT, btag, size, eom ? SC_USBTMC_ATTR_EOM : 0, 0);
}

void sc_usbtmc_encode_request_in(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag, uint32_t max_size,
                                 bool termchar_enabled, uint8_t termchar)
{
    encode_header(out, SC_USBTMC_REQUEST_DEV_DEP_MSG_IN, btag, max_size,
                  termchar_enabled ? SC_USBTMC_ATTR_TERMCHAR : 0, termchar_enabled ? termchar : 0);
}

void sc_usbtmc_encode_vendor_out(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag, uint32_t size)
{
    encode_header(out, SC_USBTMC_VENDOR_SPECIFIC_OUT, btag, size, 0, 0);
}

void sc_usbtmc_encode_request_vendor_in(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag, uint32_t max_size)
{
    encode_header(out, SC_USBTMC_REQUEST_VENDOR_SPECIFIC_IN, btag, max_size, 0, 0);
}

void sc_usbtmc_encode_trigger(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t btag)
{
    encode_header(out, SC_USB488_TRIGGER, btag, 0, 0, 0);
}

size_t sc_usbtmc_frame_dev_dep_out(uint8_t *out, size_t cap, uint8_t btag, const void *payload, size_t n, bool eom)
{
    if (n > UINT32_MAX || cap < SC_USBTMC_HEADER_LEN || cap - SC_USBTMC_HEADER_LEN < n)
        return 0;
    size_t pad = sc_usbtmc_padding(n);
    if (cap - SC_USBTMC_HEADER_LEN - n < pad)
        return 0;
    sc_usbtmc_encode_dev_dep_out(out, btag, (uint32_t)n, eom);
    if (n)
        memcpy(out + SC_USBTMC_HEADER_LEN, payload, n);
    memset(out + SC_USBTMC_HEADER_LEN + n, 0, pad);
    return SC_USBTMC_HEADER_LEN + n + pad;
}

static bool known_out_msg_id(uint8_t id)
{
    return id == SC_USBTMC_DEV_DEP_MSG_OUT || id == SC_USBTMC_REQUEST_DEV_DEP_MSG_IN ||
           id == SC_USBTMC_VENDOR_SPECIFIC_OUT || id == SC_USBTMC_REQUEST_VENDOR_SPECIFIC_IN ||
           id == SC_USB488_TRIGGER;
}

sc_status sc_usbtmc_decode_out_header(const uint8_t *buf, size_t len, sc_usbtmc_out_header *out, sc_error *err)
{
    if (len < SC_USBTMC_HEADER_LEN)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB-TMC: Bulk-OUT header is %zu bytes; it needs 12", len);
    if (!known_out_msg_id(buf[0]))
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB-TMC: unknown Bulk-OUT MsgID %u", buf[0]);
    if (buf[1] == 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB-TMC: Bulk-OUT header with bTag 0 (bTag is 1..255)");
    if ((buf[1] ^ buf[2]) != 0xff)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB-TMC: bTagInverse 0x%02x does not match bTag 0x%02x",
                            buf[2], buf[1]);
    out->msg_id = buf[0];
    out->btag = buf[1];
    out->transfer_size = get_le32(buf + 4);
    out->attributes = buf[8];
    out->termchar = buf[9];
    return SC_OK;
}

/* ---- Bulk-IN ---- */

void sc_usbtmc_encode_in_header(uint8_t out[SC_USBTMC_HEADER_LEN], uint8_t msg_id, uint8_t btag, uint32_t size,
                                uint8_t attributes)
{
    encode_header(out, msg_id, btag, size, attributes, 0);
}

sc_status sc_usbtmc_decode_in_header(const uint8_t *buf, size_t len, uint8_t expected_msg_id, uint8_t expected_btag,
                                     uint32_t max_size, sc_usbtmc_in_header *out, sc_error *err)
{
    if (len < SC_USBTMC_HEADER_LEN)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "Bulk-IN transfer of %zu bytes is shorter than the 12-byte USB-TMC header", len);
    if (buf[0] != expected_msg_id)
        return sc_error_set(err, SC_ERR_PROTOCOL, "Bulk-IN header has MsgID %u where %u was expected", buf[0],
                            expected_msg_id);
    if ((buf[1] ^ buf[2]) != 0xff)
        return sc_error_set(err, SC_ERR_PROTOCOL, "Bulk-IN header is corrupt: bTagInverse 0x%02x for bTag 0x%02x",
                            buf[2], buf[1]);
    if (buf[1] != expected_btag)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "Bulk-IN header answers bTag %u, but the request had bTag %u (a stale reply?)", buf[1],
                            expected_btag);
    uint32_t size = get_le32(buf + 4);
    if (max_size && size > max_size)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "Bulk-IN header announces %u bytes, more than the %u requested", size, max_size);
    out->msg_id = buf[0];
    out->btag = buf[1];
    out->transfer_size = size;
    out->attributes = buf[8];
    out->eom = (buf[8] & SC_USBTMC_ATTR_EOM) != 0;
    out->termchar = (buf[8] & SC_USBTMC_ATTR_TERMCHAR) != 0;
    return SC_OK;
}

/* ---- class control requests ---- */

bool sc_usbtmc_setup_for(uint8_t request, uint16_t value, uint16_t index, sc_usbtmc_setup *out)
{
    const request_row *r = find_request(request);
    if (!r)
        return false;
    out->request_type = r->request_type;
    out->request = request;
    out->value = value;
    out->index = index;
    out->length = r->length;
    return true;
}

sc_status sc_usbtmc_parse_ctl_reply(uint8_t request, const uint8_t *buf, size_t len, sc_usbtmc_ctl_reply *out,
                                    sc_error *err)
{
    const request_row *r = find_request(request);
    if (!r)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB-TMC: unknown class request %u", request);
    if (len < r->length)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB-TMC: %s reply is %zu bytes; it needs %u", r->name, len,
                            r->length);
    memset(out, 0, sizeof *out);
    out->status = buf[0];
    switch (request) {
    case SC_USBTMC_INITIATE_ABORT_BULK_OUT:
    case SC_USBTMC_INITIATE_ABORT_BULK_IN:
        out->btag = buf[1];
        break;
    case SC_USBTMC_CHECK_ABORT_BULK_OUT_STATUS:
        out->nbytes = get_le32(buf + 4);
        break;
    case SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS:
        out->flags = buf[1];
        out->nbytes = get_le32(buf + 4);
        break;
    case SC_USBTMC_CHECK_CLEAR_STATUS:
        out->flags = buf[1];
        break;
    case SC_USB488_READ_STATUS_BYTE:
        out->btag = buf[1];
        out->stb = buf[2];
        break;
    default:
        break;
    }
    return SC_OK;
}

sc_status sc_usbtmc_parse_capabilities(const uint8_t *buf, size_t len, sc_usbtmc_caps *out, sc_error *err)
{
    if (len < SC_USBTMC_CAPS_LEN)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB-TMC: GET_CAPABILITIES reply is %zu bytes; it needs 24",
                            len);
    memset(out, 0, sizeof *out);
    out->status = buf[0];
    out->bcd_usbtmc = get_le16(buf + 2);
    out->indicator_pulse = (buf[4] & 0x04) != 0;
    out->talk_only = (buf[4] & 0x02) != 0;
    out->listen_only = (buf[4] & 0x01) != 0;
    out->termchar = (buf[5] & 0x01) != 0;
    out->bcd_usb488 = get_le16(buf + 12);
    out->usb488_2 = (buf[14] & 0x04) != 0;
    out->usb488_ren_control = (buf[14] & 0x02) != 0;
    out->usb488_trigger = (buf[14] & 0x01) != 0;
    out->scpi = (buf[15] & 0x08) != 0;
    out->sr1 = (buf[15] & 0x04) != 0;
    out->rl1 = (buf[15] & 0x02) != 0;
    out->dt1 = (buf[15] & 0x01) != 0;
    if (out->status != SC_USBTMC_STATUS_SUCCESS)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB-TMC: GET_CAPABILITIES answered status 0x%02x (%s)",
                            out->status, sc_usbtmc_status_name(out->status));
    return SC_OK;
}

void sc_usbtmc_encode_capabilities(const sc_usbtmc_caps *c, uint8_t out[SC_USBTMC_CAPS_LEN])
{
    memset(out, 0, SC_USBTMC_CAPS_LEN);
    out[0] = c->status;
    put_le16(out + 2, c->bcd_usbtmc);
    out[4] = (uint8_t)((c->indicator_pulse ? 0x04 : 0) | (c->talk_only ? 0x02 : 0) | (c->listen_only ? 0x01 : 0));
    out[5] = c->termchar ? 0x01 : 0;
    put_le16(out + 12, c->bcd_usb488);
    out[14] = (uint8_t)((c->usb488_2 ? 0x04 : 0) | (c->usb488_ren_control ? 0x02 : 0) | (c->usb488_trigger ? 0x01 : 0));
    out[15] = (uint8_t)((c->scpi ? 0x08 : 0) | (c->sr1 ? 0x04 : 0) | (c->rl1 ? 0x02 : 0) | (c->dt1 ? 0x01 : 0));
}

/* ---- USB488 Interrupt-IN ---- */

sc_status sc_usb488_decode_interrupt(const uint8_t *buf, size_t len, sc_usb488_interrupt_kind *kind, uint8_t *btag,
                                     uint8_t *stb, sc_error *err)
{
    if (len < 2)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB488: Interrupt-IN packet is %zu bytes; it needs 2", len);
    if (!(buf[0] & 0x80))
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "USB488: Interrupt-IN packet 0x%02x is vendor specific (bit 7 clear), not USB488",
                            buf[0]);
    uint8_t tag = buf[0] & 0x7f;
    if (tag == 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "USB488: Interrupt-IN packet 0x80 has no meaning");
    *kind = tag == 1 ? SC_USB488_INTR_SRQ : SC_USB488_INTR_STB_REPLY;
    *btag = tag;
    *stb = buf[1];
    return SC_OK;
}
