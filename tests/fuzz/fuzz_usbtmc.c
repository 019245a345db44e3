/* libFuzzer target for USB-TMC: the codec's decoders of device bytes (Bulk-IN header,
 * GET_CAPABILITIES and the other class replies, Interrupt-IN), and the transport's
 * message layer reading a hostile Bulk-IN stream through a scripted USB backend.
 *
 * Input layout for the transport part: byte 0 picks the packet size and the device ids
 * (so the quirk rules run too); after it, each Bulk-IN read takes one length byte and
 * then that many bytes (x8) of the input. The backend writes the current request's bTag
 * into the first read after each REQUEST, so the fuzzer gets past the header checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scopecap/session.h"
#include "transport/usb_backend.h"
#include "wire/usbtmc_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_decoders(const uint8_t *data, size_t size)
{
    sc_error err;
    sc_usbtmc_in_header in;
    if (sc_usbtmc_decode_in_header(data, size, 2, size > 1 ? data[1] : 0, 1024, &in, &err) == SC_OK &&
        (in.transfer_size > 1024 || in.msg_id != 2))
        abort();
    sc_usbtmc_decode_in_header(data, size, 2, 7, 0, &in, &err);
    sc_usbtmc_out_header out;
    if (sc_usbtmc_decode_out_header(data, size, &out, &err) == SC_OK && out.btag == 0)
        abort();
    sc_usbtmc_caps caps;
    if (sc_usbtmc_parse_capabilities(data, size, &caps, &err) == SC_OK) {
        uint8_t again[SC_USBTMC_CAPS_LEN];
        sc_usbtmc_encode_capabilities(&caps, again);
        if (again[0] != data[0] || again[14] != (data[14] & 7) || again[15] != (data[15] & 15))
            abort();
    }
    static const uint8_t requests[] = { 1, 2, 3, 4, 5, 6, 7, 64, 128, 160, 161, 162, 99 };
    for (size_t i = 0; i < sizeof requests; i++) {
        sc_usbtmc_ctl_reply r;
        sc_usbtmc_parse_ctl_reply(requests[i], data, size, &r, &err);
    }
    sc_usb488_interrupt_kind kind;
    uint8_t btag, stb;
    sc_usb488_decode_interrupt(data, size, &kind, &btag, &stb, &err);
}

/* ---- a scripted device ---- */

struct sc_usb_dev {
    int unused;
};

static struct script {
    const uint8_t *p;
    size_t n;
    uint16_t mps;
    uint16_t vid, pid;
    uint8_t request_btag;
    bool fresh_request;
    struct sc_usb_dev dev;
} S;

static sc_status script_open(const sc_usb_match *m, sc_usb_dev **dev, sc_usb_device_info *info, sc_error *err)
{
    (void)m, (void)err;
    memset(info, 0, sizeof *info);
    info->vid = S.vid;
    info->pid = S.pid;
    info->ep_bulk_out = 0x01;
    info->ep_bulk_in = 0x82;
    info->max_packet_in = info->max_packet_out = S.mps;
    *dev = &S.dev;
    return SC_OK;
}

static sc_usb_result script_bulk_out(sc_usb_dev *dev, const uint8_t *data, size_t len, size_t *sent,
                                     unsigned timeout_ms)
{
    (void)dev, (void)timeout_ms;
    if (len >= SC_USBTMC_HEADER_LEN && data[0] == SC_USBTMC_REQUEST_DEV_DEP_MSG_IN) {
        S.request_btag = data[1];
        S.fresh_request = true;
    }
    *sent = len;
    return SC_USB_OK;
}

static sc_usb_result script_bulk_in(sc_usb_dev *dev, uint8_t *buf, size_t cap, size_t *got, unsigned timeout_ms)
{
    (void)dev, (void)timeout_ms;
    *got = 0;
    if (S.n == 0)
        return SC_USB_TIMEOUT;
    size_t want = (size_t)S.p[0] * 8;
    S.p++, S.n--;
    if (want > S.n)
        want = S.n;
    if (want > cap)
        want = cap;
    memcpy(buf, S.p, want);
    S.p += want, S.n -= want;
    if (S.fresh_request && want >= 3) {
        buf[1] = S.request_btag;
        buf[2] = (uint8_t)~S.request_btag;
    }
    S.fresh_request = false;
    *got = want;
    return SC_USB_OK;
}

static sc_usb_result script_control_in(sc_usb_dev *dev, uint8_t request_type, uint8_t request, uint16_t value,
                                       uint16_t index, uint8_t *data, uint16_t len, size_t *got, unsigned timeout_ms)
{
    (void)dev, (void)request_type, (void)request, (void)value, (void)index, (void)timeout_ms;
    /* class replies come from the input too */
    size_t n = len < S.n ? len : S.n;
    memcpy(data, S.p, n);
    S.p += n, S.n -= n;
    *got = n;
    return n ? SC_USB_OK : SC_USB_STALL;
}

static sc_usb_result script_clear_halt(sc_usb_dev *dev, uint8_t endpoint)
{
    (void)dev, (void)endpoint;
    return SC_USB_OK;
}

static sc_usb_result script_reset(sc_usb_dev *dev)
{
    (void)dev;
    return SC_USB_OK;
}

static void script_close(sc_usb_dev *dev)
{
    (void)dev;
}

static const sc_usb_backend_ops script_ops = {
    .name = "fuzz",
    .open = script_open,
    .bulk_out = script_bulk_out,
    .bulk_in = script_bulk_in,
    .control_in = script_control_in,
    .clear_halt = script_clear_halt,
    .reset = script_reset,
    .close = script_close,
};

static void fuzz_transport(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    static const struct { uint16_t vid, pid; } ids[] = {
        { 0x0699, 0x0401 }, { 0x1AB1, 0x04CE }, { 0x1334, 0x0001 }, { 0xF4EC, 0xEE38 },
    };
    memset(&S, 0, sizeof S);
    S.mps = data[0] & 1 ? 512 : 64;
    S.vid = ids[(data[0] >> 1) & 3].vid;
    S.pid = ids[(data[0] >> 1) & 3].pid;
    S.p = data + 1;
    S.n = size - 1;
    sc_usbtmc_set_backend_for_tests(&script_ops);
    sc_resource res;
    sc_error err;
    if (sc_resource_parse("USB0::0x0699::0x0401::INSTR", &res, &err) != SC_OK)
        abort();
    sc_session *s = NULL;
    if (sc_session_open(&res, sc_deadline_in_ms(5000), &s, &err) == SC_OK) {
        sc_buf payload;
        sc_buf_init(&payload, (size_t)1 << 20);
        for (int i = 0; i < 3; i++) {
            sc_status st = sc_session_query(s, "*IDN?", &payload, NULL, sc_deadline_in_ms(5000), &err);
            if (st == SC_OK && payload.len > size)
                abort(); /* more payload than the device ever sent */
        }
        sc_link_clear(sc_session_link(s), sc_deadline_in_ms(100), &err);
        sc_buf_free(&payload);
        sc_session_close(s);
    }
    sc_usbtmc_set_backend_for_tests(NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decoders(data, size);
    fuzz_transport(data, size);
    return 0;
}
