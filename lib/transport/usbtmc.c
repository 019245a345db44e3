/* USB-TMC transport: the message layer over a USB backend (protocols.md §4).
 *
 * Write: the message goes out as DEV_DEP_MSG_OUT transfers of at most OUT_CHUNK payload
 * bytes, each with its own header and bTag; EOM is set on the last one.
 * Read: one REQUEST_DEV_DEP_MSG_IN asks for up to REQUEST_MAX bytes; the answer is one
 * Bulk-IN transfer (header in its first packet, then data, ended by a short packet). A
 * transfer without EOM means the message goes on: ask again. Received data waits in
 * `rx` until the caller reads it, so a transfer is always taken off the wire whole.
 *
 * Why REQUEST_MAX is a little under RX_CAP: the device's answer (header + data +
 * padding) is then always shorter than the bulk read we post, so it must end with a
 * short packet inside that read; a read that comes back full means the device sent more
 * than it was asked for.
 *
 * Misbehaving devices are handled by the flags of usbtmc_quirks.c, looked up by VID/PID.
 * A resource naming /dev/usbtmcN goes to the kernel driver instead (usb_devnode.c). */
#include "transport/transport.h"
#include "transport/usb_backend.h"
#include "transport/usb_devnode.h"
#include "transport/usbtmc_quirks.h"
#include "wire/usbtmc_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RX_CAP ((size_t)1 << 20)           /* a multiple of every wMaxPacketSize */
#define REQUEST_MAX ((uint32_t)(RX_CAP - 16))
#define OUT_CHUNK ((size_t)64 * 1024)       /* payload per Bulk-OUT transfer */
#define TX_CAP (OUT_CHUNK + SC_USBTMC_HEADER_LEN + 4)
#define CONTROL_MS 1000                     /* one class request */
#define ABORT_BUDGET_MS 200                 /* abort after a timeout: already past the deadline */
#define CLOSE_BUDGET_MS 200
#define DRAIN_MS 50
#define POLL_SLEEP_MS 10
#define MAX_EMPTY_TRANSFERS 8

static const sc_usb_backend_ops *test_backend;

void sc_usbtmc_set_backend_for_tests(const sc_usb_backend_ops *ops)
{
    test_backend = ops;
}

const char *sc_usb_result_name(sc_usb_result r)
{
    switch (r) {
    case SC_USB_OK: return "ok";
    case SC_USB_TIMEOUT: return "timeout";
    case SC_USB_STALL: return "stall";
    case SC_USB_NO_DEVICE: return "no device";
    case SC_USB_OVERFLOW: return "overflow";
    case SC_USB_IO: return "I/O error";
    }
    return "unknown";
}

typedef enum rx_phase {
    RX_IDLE,          /* no message being received */
    RX_AWAIT_HEADER,  /* REQUEST sent; the next Bulk-IN bytes start with a header */
    RX_IN_TRANSFER,   /* header seen; data of this transfer still on the wire */
    RX_TRANSFER_DONE, /* the whole transfer is in rx (maybe not delivered yet) */
    RX_NEXT_TRANSFER, /* the message goes on in another transfer: REQUEST again */
} rx_phase;

typedef struct usbtmc_state {
    const sc_usb_backend_ops *be;
    sc_usb_dev *dev;
    sc_usb_device_info info;
    sc_usbtmc_quirks quirks;
    sc_usbtmc_caps caps;
    bool have_caps;
    uint8_t btag;           /* the last bTag used */
    size_t out_chunk;       /* payload per Bulk-OUT transfer */
    uint32_t request_size;  /* TransferSize of each REQUEST */
    /* receive side */
    rx_phase phase;
    uint8_t request_btag;
    uint64_t xfer_left;     /* data bytes of this transfer still to come */
    bool message_complete;  /* the current transfer ends the message */
    unsigned empty_transfers;
    /* SIZE_FROM_BLOCK quirk: the length comes from the reply's own "#N" header */
    uint64_t q_expected;
    uint64_t q_received;
    bool q_is_block;
    bool q_trailer_seen;
    uint8_t *rx;
    size_t rx_off, rx_len; /* undelivered data: rx[rx_off, rx_len) */
    uint8_t *tx;
} usbtmc_state;

/* ---- small helpers ---- */

/* Milliseconds one USB call may block: what is left of the deadline, at least 1 (libusb
 * reads 0 as "forever"). 0 means the deadline has passed. */
static unsigned timeout_for(sc_deadline d)
{
    if (sc_deadline_expired(d))
        return 0;
    int ms = sc_deadline_poll_ms(d);
    if (ms < 0)
        return 0x7fffffffu;
    return ms < 1 ? 1u : (unsigned)ms;
}

static size_t round_up(uint64_t n, size_t unit)
{
    if (n == 0)
        return unit;
    uint64_t r = (n + unit - 1) / unit * unit;
    return r > RX_CAP ? RX_CAP : (size_t)r;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void reset_rx(usbtmc_state *st)
{
    st->phase = RX_IDLE;
    st->rx_off = st->rx_len = 0;
    st->xfer_left = 0;
    st->message_complete = false;
    st->empty_transfers = 0;
}

static bool has_quirk(const usbtmc_state *st, unsigned flag)
{
    return (st->quirks.flags & flag) != 0;
}

/* A failed USB call as one line naming the link and what to check. */
static sc_status usb_failure(sc_link *link, sc_usb_result r, const char *what, sc_error *err)
{
    switch (r) {
    case SC_USB_NO_DEVICE:
        return sc_error_set(err, SC_ERR_CLOSED,
                            "%s: the device was disconnected during %s; check the cable and that the instrument is on",
                            link->label, what);
    case SC_USB_STALL:
        return sc_error_set(err, SC_ERR_PROTOCOL, "%s: the device halted its endpoint (STALL) during %s", link->label,
                            what);
    case SC_USB_OVERFLOW:
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: the device sent more than the %s read could take (USB overflow)", link->label, what);
    case SC_USB_TIMEOUT:
        return sc_error_set(err, SC_ERR_TIMEOUT, "%s: %s timed out", link->label, what);
    default:
        return sc_error_set(err, SC_ERR_IO, "%s: USB %s during %s", link->label, sc_usb_result_name(r), what);
    }
}

/* ---- class requests ---- */

static sc_status control(sc_link *link, usbtmc_state *st, uint8_t request, uint16_t value, uint16_t index,
                         sc_deadline deadline, uint8_t *reply, size_t *got, sc_error *err)
{
    sc_usbtmc_setup s;
    if (!sc_usbtmc_setup_for(request, value, index, &s))
        return sc_error_set(err, SC_ERR_USAGE, "%s: unknown USB-TMC request %u", link->label, request);
    unsigned ms = timeout_for(sc_deadline_min(deadline, sc_deadline_in_ms(CONTROL_MS)));
    if (ms == 0)
        return sc_error_set(err, SC_ERR_TIMEOUT, "%s: no time left for %s", link->label,
                            sc_usbtmc_request_name(request));
    sc_usb_result r = st->be->control_in(st->dev, s.request_type, s.request, s.value, s.index, reply, s.length, got, ms);
    if (r != SC_USB_OK)
        return usb_failure(link, r, sc_usbtmc_request_name(request), err);
    return SC_OK;
}

/* A class request whose reply is a status (and maybe bTag, flags, byte counts). */
static sc_status control_status(sc_link *link, usbtmc_state *st, uint8_t request, uint16_t value, uint16_t index,
                                sc_deadline deadline, sc_usbtmc_ctl_reply *out, sc_error *err)
{
    uint8_t reply[SC_USBTMC_CAPS_LEN];
    size_t got = 0;
    sc_status s = control(link, st, request, value, index, deadline, reply, &got, err);
    if (s != SC_OK)
        return s;
    if (sc_usbtmc_parse_ctl_reply(request, reply, got, out, err) != SC_OK)
        return sc_error_prefix(err, "%s", link->label);
    return SC_OK;
}

/* Read and drop Bulk-IN data until a short packet, nothing more, or the deadline. */
static void drain_bulk_in(usbtmc_state *st, sc_deadline deadline)
{
    for (int rounds = 0; rounds < 64; rounds++) {
        unsigned ms = timeout_for(deadline);
        if (ms == 0)
            return;
        size_t got = 0;
        if (st->be->bulk_in(st->dev, st->rx, RX_CAP, &got, ms) != SC_USB_OK || got < RX_CAP)
            return;
    }
}

/* INITIATE_ABORT_BULK_IN for the transfer with bTag `tag`, read what the device flushes,
 * and wait for CHECK_ABORT_BULK_IN_STATUS to leave PENDING (protocols.md §4.4). It runs
 * after a timeout, past the caller's deadline, so it has a short budget of its own. */
static void abort_bulk_in(sc_link *link, usbtmc_state *st, uint8_t tag)
{
    sc_deadline budget = sc_deadline_in_ms(ABORT_BUDGET_MS);
    sc_usbtmc_ctl_reply r;
    sc_error e;
    sc_error_clear(&e);
    if (control_status(link, st, SC_USBTMC_INITIATE_ABORT_BULK_IN, tag, st->info.ep_bulk_in, budget, &r, &e) != SC_OK) {
        sc_debug("%s: abort of Bulk-IN transfer %u failed: %s", link->label, tag, e.message);
        return;
    }
    if (r.status != SC_USBTMC_STATUS_SUCCESS) {
        sc_debug("%s: INITIATE_ABORT_BULK_IN(%u): %s", link->label, tag, sc_usbtmc_status_name(r.status));
        return;
    }
    drain_bulk_in(st, sc_deadline_min(budget, sc_deadline_in_ms(DRAIN_MS)));
    while (control_status(link, st, SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS, 0, st->info.ep_bulk_in, budget, &r, &e) ==
               SC_OK &&
           r.status == SC_USBTMC_STATUS_PENDING && !sc_deadline_expired(budget)) {
        if (r.flags & SC_USBTMC_FIFO_HAS_DATA)
            drain_bulk_in(st, sc_deadline_min(budget, sc_deadline_in_ms(DRAIN_MS)));
        else
            sleep_ms(POLL_SLEEP_MS);
    }
    sc_debug("%s: Bulk-IN transfer %u aborted", link->label, tag);
}

/* The same for a Bulk-OUT transfer the device stopped taking, then clear the halt. */
static void abort_bulk_out(sc_link *link, usbtmc_state *st, uint8_t tag)
{
    sc_deadline budget = sc_deadline_in_ms(ABORT_BUDGET_MS);
    sc_usbtmc_ctl_reply r;
    sc_error e;
    sc_error_clear(&e);
    if (control_status(link, st, SC_USBTMC_INITIATE_ABORT_BULK_OUT, tag, st->info.ep_bulk_out, budget, &r, &e) ==
            SC_OK &&
        r.status == SC_USBTMC_STATUS_SUCCESS) {
        while (control_status(link, st, SC_USBTMC_CHECK_ABORT_BULK_OUT_STATUS, 0, st->info.ep_bulk_out, budget, &r,
                              &e) == SC_OK &&
               r.status == SC_USBTMC_STATUS_PENDING && !sc_deadline_expired(budget))
            sleep_ms(POLL_SLEEP_MS);
    } else {
        sc_debug("%s: abort of Bulk-OUT transfer %u: %s", link->label, tag, e.message[0] ? e.message : "refused");
    }
    st->be->clear_halt(st->dev, st->info.ep_bulk_out);
}

/* ---- Bulk-OUT ---- */

static sc_status bulk_out(sc_link *link, usbtmc_state *st, const uint8_t *data, size_t len, sc_deadline deadline,
                          const char *what, sc_error *err)
{
    unsigned ms = timeout_for(deadline);
    if (ms == 0)
        return sc_error_set(err, SC_ERR_TIMEOUT, "%s: the deadline passed before the %s transfer", link->label, what);
    size_t sent = 0;
    sc_usb_result r = st->be->bulk_out(st->dev, data, len, &sent, ms);
    if (r == SC_USB_OK && sent == len)
        return SC_OK;
    if (r == SC_USB_TIMEOUT) {
        abort_bulk_out(link, st, st->btag);
        return sc_error_set(err, SC_ERR_TIMEOUT,
                            "%s: the device took only %zu of %zu bytes of a %s transfer before the deadline (busy or hung?); the transfer was aborted",
                            link->label, sent, len, what);
    }
    if (r == SC_USB_STALL)
        st->be->clear_halt(st->dev, st->info.ep_bulk_out);
    if (r == SC_USB_OK)
        return sc_error_set(err, SC_ERR_IO, "%s: only %zu of %zu bytes of a %s transfer went out", link->label, sent,
                            len, what);
    return usb_failure(link, r, what, err);
}

/* The reply of the previous query was not read to its end: take it off the wire so its
 * bytes cannot be mistaken for the next reply. */
static void drop_unread_reply(sc_link *link, usbtmc_state *st)
{
    if (st->phase == RX_AWAIT_HEADER || st->phase == RX_IN_TRANSFER)
        abort_bulk_in(link, st, st->request_btag);
    else if (st->rx_off < st->rx_len || st->phase == RX_NEXT_TRANSFER)
        sc_debug("%s: dropping %zu unread bytes of the previous reply", link->label, st->rx_len - st->rx_off);
    reset_rx(st);
}

static sc_status usbtmc_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline,
                              sc_error *err)
{
    usbtmc_state *st = link->state;
    if (st->phase != RX_IDLE)
        drop_unread_reply(link, st);
    const uint8_t *p = data;
    size_t off = 0;
    do {
        size_t chunk = n - off < st->out_chunk ? n - off : st->out_chunk;
        bool last = off + chunk == n;
        st->btag = sc_usbtmc_next_btag(st->btag);
        size_t len = sc_usbtmc_frame_dev_dep_out(st->tx, TX_CAP, st->btag, p + off, chunk, last && end);
        sc_status s = bulk_out(link, st, st->tx, len, deadline, "DEV_DEP_MSG_OUT", err);
        if (s != SC_OK)
            return s;
        off += chunk;
    } while (off < n);
    return SC_OK;
}

/* ---- Bulk-IN ---- */

static sc_status send_request(sc_link *link, usbtmc_state *st, sc_deadline deadline, sc_error *err)
{
    uint8_t hdr[SC_USBTMC_HEADER_LEN];
    st->btag = sc_usbtmc_next_btag(st->btag);
    sc_usbtmc_encode_request_in(hdr, st->btag, st->request_size, false, 0);
    sc_status s = bulk_out(link, st, hdr, sizeof hdr, deadline, "REQUEST_DEV_DEP_MSG_IN", err);
    if (s != SC_OK)
        return s;
    st->request_btag = st->btag;
    st->phase = RX_AWAIT_HEADER;
    return SC_OK;
}

/* Data bytes rx[off, got) of the current transfer (normal devices): keep what the header
 * announced; only up to 3 alignment bytes may follow. */
static sc_status take_data(sc_link *link, usbtmc_state *st, size_t off, size_t got, bool short_packet, sc_error *err)
{
    size_t n = got - off;
    size_t take = n < st->xfer_left ? n : (size_t)st->xfer_left;
    if (n - take > 3) {
        char q[64];
        sc_usbtmc_quirks_describe(st->quirks.flags, q, sizeof q);
        reset_rx(st);
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: the device sent %zu bytes more than its Bulk-IN header announced (a TransferSize quirk? device %04x:%04x has quirks: %s)",
                            link->label, n - take, st->info.vid, st->info.pid, q);
    }
    st->xfer_left -= take;
    if (st->xfer_left > 0 && short_packet) {
        unsigned long long left = (unsigned long long)st->xfer_left;
        reset_rx(st);
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: the Bulk-IN transfer ended with %llu of its announced bytes missing (device reset or firmware bug?)",
                            link->label, left);
    }
    st->rx_off = off;
    st->rx_len = off + take;
    if (take > 0)
        st->empty_transfers = 0;
    if (st->xfer_left == 0)
        st->phase = RX_TRANSFER_DONE;
    return SC_OK;
}

/* "#N<N digits>": the length of the whole definite block, header included. */
static bool block_length(const uint8_t *d, size_t n, uint64_t *out)
{
    if (n < 2 || d[0] != '#' || d[1] < '1' || d[1] > '9')
        return false;
    size_t digits = (size_t)(d[1] - '0');
    if (n < 2 + digits)
        return false;
    uint64_t len = 0;
    for (size_t i = 0; i < digits; i++) {
        if (d[2 + i] < '0' || d[2 + i] > '9')
            return false;
        len = len * 10 + (uint64_t)(d[2 + i] - '0'); /* at most 9 digits: no overflow */
    }
    *out = 2 + digits + len;
    return true;
}

/* SIZE_FROM_BLOCK quirk: everything after the one header is data until the message is
 * in. A block reply is complete at the length its "#N" header gives; past it only the
 * block's "\n" (or "\r\n") is kept, anything else there is alignment padding. A text
 * reply runs to the end of the transfer (its TransferSize may be short too); NUL
 * padding past TransferSize is dropped. */
static void take_block_bytes(usbtmc_state *st, size_t off, size_t got, bool short_packet)
{
    size_t keep = 0;
    for (size_t i = off; i < got; i++, keep++) {
        uint64_t pos = st->q_received + keep;
        if (pos < st->q_expected)
            continue;
        uint8_t c = st->rx[i];
        bool newline = !st->q_trailer_seen && (c == '\n' || (c == '\r' && pos == st->q_expected));
        if (!newline)
            break;
        if (c == '\n')
            st->q_trailer_seen = true;
    }
    st->q_received += keep;
    st->rx_off = off;
    st->rx_len = off + keep;
    bool enough = st->q_received >= st->q_expected;
    if (enough && (short_packet || st->q_trailer_seen || keep < got - off))
        st->phase = RX_TRANSFER_DONE;
}

static void take_text_bytes(usbtmc_state *st, size_t off, size_t got, bool short_packet)
{
    size_t keep = got - off;
    if (short_packet)
        while (keep > 0 && st->rx[off + keep - 1] == 0 && st->q_received + keep > st->q_expected)
            keep--;
    st->q_received += keep;
    st->rx_off = off;
    st->rx_len = off + keep;
    bool ends_line = keep > 0 && st->rx[off + keep - 1] == '\n';
    if (short_packet || (st->q_received >= st->q_expected && ends_line))
        st->phase = RX_TRANSFER_DONE;
}

static sc_status take_block_sized(sc_link *link, usbtmc_state *st, size_t off, size_t got, bool short_packet,
                                  sc_error *err)
{
    if (st->q_is_block)
        take_block_bytes(st, off, got, short_packet);
    else
        take_text_bytes(st, off, got, short_packet);
    if (st->phase == RX_TRANSFER_DONE || got > off)
        st->empty_transfers = 0;
    else if (++st->empty_transfers > MAX_EMPTY_TRANSFERS) {
        unsigned long long have = (unsigned long long)st->q_received, want = (unsigned long long)st->q_expected;
        reset_rx(st);
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: the reply stopped after %llu of the %llu bytes its block header announced",
                            link->label, have, want);
    }
    return SC_OK;
}

static sc_status start_block_sized(sc_link *link, usbtmc_state *st, const sc_usbtmc_in_header *h, size_t got,
                                   bool short_packet, sc_error *err)
{
    uint64_t blen = 0;
    st->q_is_block = block_length(st->rx + SC_USBTMC_HEADER_LEN, got - SC_USBTMC_HEADER_LEN, &blen);
    st->q_expected = st->q_is_block ? blen : h->transfer_size;
    st->q_received = 0;
    st->q_trailer_seen = false;
    st->message_complete = true; /* one REQUEST, one message; the EOM bit means nothing here */
    return take_block_sized(link, st, SC_USBTMC_HEADER_LEN, got, short_packet, err);
}

static sc_status take_header(sc_link *link, usbtmc_state *st, size_t got, bool short_packet, sc_error *err)
{
    if (got == 0) {
        /* A zero-length packet: the end of an earlier transfer that filled its last
         * packet, or a DS1054Z hiccup (sigrok retries once). Read again. */
        if (++st->empty_transfers > MAX_EMPTY_TRANSFERS) {
            reset_rx(st);
            return sc_error_set(err, SC_ERR_PROTOCOL, "%s: the device keeps answering with empty Bulk-IN transfers",
                                link->label);
        }
        return SC_OK;
    }
    bool by_block = has_quirk(st, SC_USBTMC_QUIRK_SIZE_FROM_BLOCK);
    sc_usbtmc_in_header h;
    if (sc_usbtmc_decode_in_header(st->rx, got, SC_USBTMC_DEV_DEP_MSG_IN, st->request_btag,
                                   by_block ? 0 : st->request_size, &h, err) != SC_OK) {
        uint8_t tag = st->request_btag;
        reset_rx(st);
        if (!short_packet)
            abort_bulk_in(link, st, tag);
        return sc_error_prefix(err, "%s", link->label);
    }
    st->phase = RX_IN_TRANSFER;
    if (by_block)
        return start_block_sized(link, st, &h, got, short_packet, err);
    st->xfer_left = h.transfer_size;
    /* NO_EOM: a transfer shorter than asked for is all the device had */
    st->message_complete =
        h.eom || (has_quirk(st, SC_USBTMC_QUIRK_NO_EOM) && h.transfer_size < st->request_size);
    if (h.transfer_size == 0 && !st->message_complete && ++st->empty_transfers > MAX_EMPTY_TRANSFERS) {
        reset_rx(st);
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: the device keeps sending empty transfers without EOM (a device that never sets EOM?)",
                            link->label);
    }
    return take_data(link, st, SC_USBTMC_HEADER_LEN, got, short_packet, err);
}

/* How much to ask for in the middle of a transfer. */
static size_t want_in_transfer(const usbtmc_state *st)
{
    size_t mps = st->info.max_packet_in;
    if (!has_quirk(st, SC_USBTMC_QUIRK_SIZE_FROM_BLOCK))
        return round_up(st->xfer_left, mps);
    if (st->q_received < st->q_expected)
        return round_up(st->q_expected - st->q_received + (st->q_is_block ? 1 : 0), mps); /* + the "\n" */
    return mps; /* waiting for the end of the transfer */
}

static sc_status read_timeout(sc_link *link, usbtmc_state *st, sc_error *err)
{
    uint8_t tag = st->request_btag;
    reset_rx(st);
    abort_bulk_in(link, st, tag);
    return sc_error_set(err, SC_ERR_TIMEOUT,
                        "%s: timed out waiting for the reply (the instrument is busy, or the query has no answer); the Bulk-IN transfer was aborted",
                        link->label);
}

/* One Bulk-IN read, and what it means for the transfer. */
static sc_status pull(sc_link *link, usbtmc_state *st, sc_deadline deadline, sc_error *err)
{
    size_t want = st->phase == RX_AWAIT_HEADER ? RX_CAP : want_in_transfer(st);
    unsigned ms = timeout_for(deadline);
    if (ms == 0)
        return read_timeout(link, st, err);
    size_t got = 0;
    sc_usb_result r = st->be->bulk_in(st->dev, st->rx, want, &got, ms);
    if (r == SC_USB_TIMEOUT)
        return read_timeout(link, st, err);
    if (r != SC_USB_OK) {
        if (r == SC_USB_STALL)
            st->be->clear_halt(st->dev, st->info.ep_bulk_in);
        sc_status s = usb_failure(link, r, "a Bulk-IN transfer", err);
        reset_rx(st);
        return s;
    }
    bool short_packet = got < want;
    if (st->phase == RX_AWAIT_HEADER)
        return take_header(link, st, got, short_packet, err);
    if (has_quirk(st, SC_USBTMC_QUIRK_SIZE_FROM_BLOCK))
        return take_block_sized(link, st, 0, got, short_packet, err);
    return take_data(link, st, 0, got, short_packet, err);
}

/* Hand buffered bytes to the caller; at the end of the last transfer, mark the end. */
static void deliver(usbtmc_state *st, uint8_t *out, size_t cap, size_t *got, bool *end)
{
    size_t n = st->rx_len - st->rx_off;
    if (n > cap)
        n = cap;
    memcpy(out, st->rx + st->rx_off, n);
    st->rx_off += n;
    *got = n;
    if (st->rx_off < st->rx_len || st->phase != RX_TRANSFER_DONE)
        return;
    if (st->message_complete) {
        *end = true;
        reset_rx(st);
    } else {
        st->phase = RX_NEXT_TRANSFER;
    }
}

static sc_status usbtmc_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                             sc_error *err)
{
    usbtmc_state *st = link->state;
    *got = 0;
    *end = false;
    if (cap == 0)
        return SC_OK;
    for (;;) {
        if (st->rx_off < st->rx_len || (st->phase == RX_TRANSFER_DONE && st->message_complete)) {
            deliver(st, data, cap, got, end);
            return SC_OK;
        }
        if (st->phase == RX_TRANSFER_DONE)
            st->phase = RX_NEXT_TRANSFER; /* an empty transfer without EOM */
        if (st->phase == RX_IDLE || st->phase == RX_NEXT_TRANSFER) {
            sc_status s = send_request(link, st, deadline, err);
            if (s != SC_OK)
                return s;
        }
        sc_status s = pull(link, st, deadline, err);
        if (s != SC_OK)
            return s;
    }
}

/* ---- device clear ---- */

static sc_status clear_without_initiate(sc_link *link, usbtmc_state *st, bool transfer_on_wire, uint8_t tag,
                                        sc_deadline deadline)
{
    /* DS1000Z hangs on INITIATE_CLEAR (protocols.md §4.5): abort what is in flight and
     * empty the Bulk-IN FIFO instead. */
    if (transfer_on_wire)
        abort_bulk_in(link, st, tag);
    drain_bulk_in(st, sc_deadline_min(deadline, sc_deadline_in_ms(DRAIN_MS)));
    sc_debug("%s: device clear without INITIATE_CLEAR (quirk)", link->label);
    return SC_OK;
}

static sc_status usbtmc_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    usbtmc_state *st = link->state;
    bool transfer_on_wire = st->phase == RX_AWAIT_HEADER || st->phase == RX_IN_TRANSFER;
    uint8_t tag = st->request_btag;
    reset_rx(st);
    if (has_quirk(st, SC_USBTMC_QUIRK_NO_INITIATE_CLEAR))
        return clear_without_initiate(link, st, transfer_on_wire, tag, deadline);

    sc_usbtmc_ctl_reply r;
    uint16_t intf = st->info.interface_number;
    sc_status s = control_status(link, st, SC_USBTMC_INITIATE_CLEAR, 0, intf, deadline, &r, err);
    if (s != SC_OK)
        return s;
    if (r.status != SC_USBTMC_STATUS_SUCCESS)
        return sc_error_set(err, SC_ERR_INSTRUMENT, "%s: the device refused INITIATE_CLEAR (status 0x%02x, %s)",
                            link->label, r.status, sc_usbtmc_status_name(r.status));
    for (;;) {
        s = control_status(link, st, SC_USBTMC_CHECK_CLEAR_STATUS, 0, intf, deadline, &r, err);
        if (s != SC_OK)
            return s;
        if (r.status == SC_USBTMC_STATUS_SUCCESS)
            break;
        if (r.status != SC_USBTMC_STATUS_PENDING)
            return sc_error_set(err, SC_ERR_INSTRUMENT, "%s: device clear failed (CHECK_CLEAR_STATUS 0x%02x, %s)",
                                link->label, r.status, sc_usbtmc_status_name(r.status));
        if (sc_deadline_expired(deadline))
            return sc_error_set(err, SC_ERR_TIMEOUT, "%s: device clear still PENDING at the deadline", link->label);
        if (r.flags & SC_USBTMC_FIFO_HAS_DATA)
            drain_bulk_in(st, sc_deadline_min(deadline, sc_deadline_in_ms(DRAIN_MS)));
        else
            sleep_ms(POLL_SLEEP_MS);
    }
    /* the class spec wants the Bulk-OUT halt cleared after a clear */
    sc_usb_result hr = st->be->clear_halt(st->dev, st->info.ep_bulk_out);
    if (hr == SC_USB_NO_DEVICE)
        return usb_failure(link, hr, "device clear", err);
    return SC_OK;
}

/* ---- open and close ---- */

static void free_state(sc_link *link)
{
    usbtmc_state *st = link->state;
    if (!st)
        return;
    free(st->rx);
    free(st->tx);
    free(st);
    link->state = NULL;
}

/* Capabilities decide GO_TO_LOCAL at close; a device that does not answer is still usable. */
static void read_capabilities(sc_link *link, usbtmc_state *st, sc_deadline deadline)
{
    uint8_t raw[SC_USBTMC_CAPS_LEN];
    size_t got = 0;
    sc_error e;
    sc_error_clear(&e);
    if (control(link, st, SC_USBTMC_GET_CAPABILITIES, 0, st->info.interface_number, deadline, raw, &got, &e) == SC_OK &&
        sc_usbtmc_parse_capabilities(raw, got, &st->caps, &e) == SC_OK) {
        st->have_caps = true;
        return;
    }
    sc_debug("%s: GET_CAPABILITIES: %s", link->label, e.message);
}

/* The resource may have named no serial (or no ids at all): say which device it is. */
static void name_the_device(sc_link *link, const usbtmc_state *st)
{
    sc_resource *res = &link->res;
    res->usb_vid = st->info.vid;
    res->usb_pid = st->info.pid;
    if (!res->usb_serial[0])
        snprintf(res->usb_serial, sizeof res->usb_serial, "%s", st->info.serial);
    char where[300];
    sc_resource_describe(res, where, sizeof where);
    snprintf(link->label, sizeof link->label, "%s %s", link->ops->display_name, where);
}

static bool valid_packet_size(uint16_t mps)
{
    return mps >= 8 && mps <= 1024 && (mps & (mps - 1)) == 0;
}

static sc_status open_usb(sc_link *link, usbtmc_state *st, sc_deadline deadline, sc_error *err)
{
    const sc_resource *res = &link->res;
    sc_usb_match m = {
        .vid = res->usb_vid,
        .pid = res->usb_pid,
        .serial = res->usb_serial,
        .interface_number = res->usb_interface,
        .label = link->label,
    };
    sc_status s = st->be->open(&m, &st->dev, &st->info, err);
    if (s != SC_OK)
        return s;
    if (!valid_packet_size(st->info.max_packet_in) || !valid_packet_size(st->info.max_packet_out))
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: Bulk endpoints report wMaxPacketSize %u/%u, not a power of two from 8 to 1024",
                            link->label, st->info.max_packet_in, st->info.max_packet_out);
    bool any = !res->usb_vid && !res->usb_pid && !res->usb_serial[0];
    sc_usbtmc_quirks_lookup(st->info.vid, st->info.pid, &st->quirks);
    st->out_chunk = st->quirks.max_transfer ? st->quirks.max_transfer : OUT_CHUNK;
    st->request_size = st->quirks.max_transfer ? st->quirks.max_transfer : REQUEST_MAX;
    /* One REQUEST must cover the whole message there; a device that does honour
     * TransferSize then also sends it in one transfer (sigrok asks for INT32_MAX too). */
    if (has_quirk(st, SC_USBTMC_QUIRK_SIZE_FROM_BLOCK))
        st->request_size = INT32_MAX;
    name_the_device(link, st);
    if (any)
        sc_info("%s: the first USB-TMC instrument found (\"%s\" \"%s\")", link->label, st->info.manufacturer,
                st->info.product);
    if (st->info.others > 0)
        sc_info("%s: %d other USB-TMC instrument%s connected as well: %s; name the one you want with USB0::vid::pid::serial::INSTR (scopecap scan lists them)",
                link->label, st->info.others, st->info.others == 1 ? " is" : "s are", st->info.others_text);
    if (has_quirk(st, SC_USBTMC_QUIRK_RESET_ON_OPEN)) {
        sc_usb_result r = st->be->reset(st->dev);
        if (r != SC_USB_OK)
            return usb_failure(link, r, "the USB reset on open", err);
    }
    read_capabilities(link, st, deadline);
    char q[128];
    sc_usbtmc_quirks_describe(st->quirks.flags, q, sizeof q);
    sc_debug("%s: \"%s\" \"%s\", interface %u (%s), max packet %u, quirks: %s", link->label, st->info.manufacturer,
             st->info.product, st->info.interface_number, st->info.interface_protocol ? "USB488" : "USBTMC",
             st->info.max_packet_in, q);
    return SC_OK;
}

static sc_status usbtmc_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    if (link->res.path[0]) {
        /* /dev/usbtmcN: the kernel frames the messages; the link becomes a devnode link */
        link->ops = &sc_usbtmc_devnode_link_ops;
        return link->ops->open(link, deadline, err);
    }
    usbtmc_state *st = calloc(1, sizeof *st);
    if (!st)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    link->state = st;
    st->rx = malloc(RX_CAP);
    st->tx = malloc(TX_CAP);
    if (!st->rx || !st->tx) {
        free_state(link);
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    }
    st->be = test_backend ? test_backend : &sc_usb_libusb_ops;
    sc_status s = open_usb(link, st, deadline, err);
    if (s != SC_OK) {
        if (st->dev)
            st->be->close(st->dev);
        free_state(link);
    }
    return s;
}

static void usbtmc_close(sc_link *link)
{
    usbtmc_state *st = link->state;
    if (!st)
        return;
    /* give the front panel back, unless the device only pretends to support it */
    if (st->have_caps && st->caps.rl1 && st->caps.usb488_ren_control &&
        !has_quirk(st, SC_USBTMC_QUIRK_NO_REMOTE_CONTROL)) {
        sc_usbtmc_ctl_reply r;
        sc_error e;
        if (control_status(link, st, SC_USB488_GO_TO_LOCAL, 0, st->info.interface_number,
                           sc_deadline_in_ms(CLOSE_BUDGET_MS), &r, &e) != SC_OK)
            sc_debug("%s: GO_TO_LOCAL: %s", link->label, e.message);
    }
    st->be->close(st->dev);
    st->dev = NULL;
    free(st->rx);
    free(st->tx);
    st->rx = st->tx = NULL; /* sc_link_close() frees the state itself */
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
