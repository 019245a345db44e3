/* The fake USB-TMC device: see fake_device.h.
 *
 * A conforming USB488 device: every DEV_DEP_MSG_OUT with EOM is one program message for
 * the simulated instrument; a REQUEST_DEV_DEP_MSG_IN is answered with one Bulk-IN
 * transfer of at most the TransferSize asked for (header, data, padding), cut into
 * wMaxPacketSize packets and ended by a short or zero-length packet.
 *
 * scopesim's faults, as they make sense on USB (content faults go through
 * sim_fault_execute exactly as on the network):
 *
 *   close-mid-transfer  the cable comes out halfway through a block reply: NO_DEVICE
 *   stall               queries are taken but never answered: Bulk-IN NAKs (timeouts)
 *   trickle             one data byte per transfer (no EOM until the last), 100 ms apart
 *   garbage-header      the first Bulk-IN header of a block reply is 12 garbage bytes
 *   huge-length         the first Bulk-IN header of a block reply announces 0xFFFFFFFF
 *   early-end           EOM on a transfer with half the block reply; the rest never comes
 *   duplicate-frames    every Bulk-IN transfer of a block reply is sent twice
 *   wrong-message-type  the block reply comes in VENDOR_SPECIFIC_IN transfers
 *   reset-after=N       after N Bulk-IN bytes the device drops off the bus: an I/O error,
 *                       then NO_DEVICE
 *   slow-first-reply    the first reply after an open waits 1.5 s (the device NAKs)
 *   short-block, long-block, stale-reply, hostile-idn: the reply's content, as everywhere */
#include "fake_device.h"

#include "faults.h"
#include "wire/usbtmc_wire.h"

#include <errno.h>
#include <libusb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PIPE_MAX 8
#define MAX_OUT_TRANSFER ((uint32_t)16 << 20)
#define MAX_WAIT_MS 10000 /* no single call blocks longer, whatever the timeout says */

typedef struct in_transfer {
    sc_buf bytes;
    size_t off;
    uint8_t btag;
    int64_t ready_ns; /* the device NAKs until then */
} in_transfer;

struct fake_device {
    fake_device_config cfg;
    sim_instrument inst;
    sim_fault_conn fc;       /* content faults; one "connection" per open */
    bool gone, out_halted;
    sc_buf out_stream;       /* Bulk-OUT bytes not yet parsed */
    sc_buf message;          /* payload of the program message being received */
    sc_buf output;           /* replies; output[output_off..] not yet sent */
    size_t output_off;
    sim_fault_frames frames; /* framing faults that hit the reply in output */
    bool reply_started;      /* a transfer of that reply is queued */
    size_t reply_len;
    bool request_pending;
    uint8_t request_btag;
    uint32_t request_size;
    in_transfer pipe[PIPE_MAX];
    size_t pipe_head, pipe_count;
    int64_t next_ready_ns;   /* trickle */
    bool replied;            /* slow-first-reply: this session's first reply went */
    uint64_t in_bytes;       /* reset-after: Bulk-IN bytes this session */
    int64_t cut_budget;      /* close-mid-transfer: Bulk-IN bytes left before the cable comes out; -1 never */
};

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    if (ms > MAX_WAIT_MS)
        ms = MAX_WAIT_MS;
    struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- the Bulk-IN pipe ---- */

static in_transfer *pipe_at(fake_device *d, size_t i)
{
    return &d->pipe[(d->pipe_head + i) % PIPE_MAX];
}

static void pipe_pop(fake_device *d)
{
    sc_buf_free(&pipe_at(d, 0)->bytes);
    d->pipe_head = (d->pipe_head + 1) % PIPE_MAX;
    d->pipe_count--;
}

static void pipe_clear(fake_device *d)
{
    while (d->pipe_count)
        pipe_pop(d);
}

static void pipe_push(fake_device *d, const uint8_t *bytes, size_t len, uint8_t btag, int64_t ready_ns)
{
    if (d->pipe_count == PIPE_MAX)
        return; /* a host that never reads: a real FIFO would be full too */
    in_transfer *t = pipe_at(d, d->pipe_count++);
    sc_buf_init(&t->bytes, 0);
    sc_buf_append(&t->bytes, bytes, len, NULL);
    t->off = 0;
    t->btag = btag;
    t->ready_ns = ready_ns;
}

/* ---- answering REQUEST_DEV_DEP_MSG_IN ---- */

/* When the next transfer may leave: slow-first-reply holds the session's first one,
 * trickle spaces them out. */
static int64_t ready_time(fake_device *d)
{
    int64_t now = sc_now_ns(), ready = now;
    if (!d->replied && d->cfg.faults.slow_first_reply)
        ready = now + (int64_t)SIM_SLOW_FIRST_MS * 1000000;
    d->replied = true;
    if (d->cfg.faults.trickle) {
        ready = (d->next_ready_ns > ready ? d->next_ready_ns : ready) + (int64_t)SIM_TRICKLE_MS * 1000000;
        d->next_ready_ns = ready;
    }
    return ready;
}

static void serve(fake_device *d)
{
    if (!d->request_pending || d->output_off >= d->output.len)
        return;
    size_t avail = d->output.len - d->output_off;
    size_t n = avail < d->request_size ? avail : d->request_size;
    bool first = !d->reply_started;
    if (d->cfg.faults.trickle && n > 1)
        n = 1;
    bool eom = n == avail;
    bool cut_here = false;
    if (d->frames.early_end && first) {
        size_t half = d->reply_len / 2 ? d->reply_len / 2 : 1;
        n = n < half ? n : half;
        eom = cut_here = true;
    }
    uint8_t msg_id = d->frames.wrong_message_type ? SC_USBTMC_VENDOR_SPECIFIC_IN : SC_USBTMC_DEV_DEP_MSG_IN;
    uint32_t announced = d->frames.huge_length && first ? UINT32_MAX : (uint32_t)n;
    uint8_t hdr[SC_USBTMC_HEADER_LEN];
    sc_usbtmc_encode_in_header(hdr, msg_id, d->request_btag, announced, eom ? SC_USBTMC_ATTR_EOM : 0);
    if (d->frames.garbage_header && first)
        sim_fault_garble(hdr, sizeof hdr);

    static const uint8_t zeros[4];
    sc_buf t;
    sc_buf_init(&t, 0);
    sc_buf_append(&t, hdr, sizeof hdr, NULL);
    sc_buf_append(&t, d->output.data + d->output_off, n, NULL);
    sc_buf_append(&t, zeros, sc_usbtmc_padding(n), NULL);
    int64_t ready = ready_time(d);
    pipe_push(d, t.data, t.len, d->request_btag, ready);
    if (d->frames.duplicate_frames)
        pipe_push(d, t.data, t.len, d->request_btag, ready);
    sc_buf_free(&t);

    d->output_off = cut_here ? d->output.len : d->output_off + n;
    d->reply_started = true;
    d->request_pending = false;
}

/* ---- receiving Bulk-OUT ---- */

static void execute_message(fake_device *d)
{
    sim_reply reply = { .binary = false };
    sc_buf_init(&reply.bytes, 0);
    sim_fault_execute(&d->fc, &d->inst, d->message.data, d->message.len, &reply);
    sc_buf_reset(&d->message);
    if (reply.bytes.len > 0 && !d->cfg.faults.stall) {
        if (d->output_off >= d->output.len) {
            sc_buf_reset(&d->output);
            d->output_off = 0;
        }
        d->frames = sim_fault_frames_for(&d->fc, &reply);
        d->reply_started = false;
        d->reply_len = reply.bytes.len;
        sc_buf_append(&d->output, reply.bytes.data, reply.bytes.len, NULL);
        if (d->frames.close_mid_transfer)
            d->cut_budget = (int64_t)(reply.bytes.len / 2);
    }
    sc_buf_free(&reply.bytes);
    serve(d);
}

/* Parse every whole transfer in out_stream; false when the device must halt Bulk-OUT. */
static bool parse_out_stream(fake_device *d)
{
    while (d->out_stream.len >= SC_USBTMC_HEADER_LEN) {
        const uint8_t *p = d->out_stream.data;
        sc_usbtmc_out_header h;
        sc_error e;
        if (sc_usbtmc_decode_out_header(p, d->out_stream.len, &h, &e) != SC_OK)
            return false;
        bool has_payload = h.msg_id == SC_USBTMC_DEV_DEP_MSG_OUT || h.msg_id == SC_USBTMC_VENDOR_SPECIFIC_OUT;
        if (has_payload && h.transfer_size > MAX_OUT_TRANSFER)
            return false;
        size_t total = SC_USBTMC_HEADER_LEN;
        if (has_payload)
            total += h.transfer_size + sc_usbtmc_padding(h.transfer_size);
        if (d->out_stream.len < total)
            return true;
        if (h.msg_id == SC_USBTMC_DEV_DEP_MSG_OUT) {
            sc_buf_append(&d->message, p + SC_USBTMC_HEADER_LEN, h.transfer_size, NULL);
            if (h.attributes & SC_USBTMC_ATTR_EOM)
                execute_message(d);
        } else if (h.msg_id == SC_USBTMC_REQUEST_DEV_DEP_MSG_IN) {
            d->request_pending = true;
            d->request_btag = h.btag;
            d->request_size = h.transfer_size;
            serve(d);
        }
        sc_buf_consume(&d->out_stream, total);
    }
    return true;
}

/* ---- the session ---- */

static void device_clear(fake_device *d)
{
    sc_buf_reset(&d->out_stream);
    sc_buf_reset(&d->message);
    sc_buf_reset(&d->output);
    d->output_off = 0;
    d->request_pending = false;
    pipe_clear(d);
}

fake_device *fake_device_new(const fake_device_config *cfg)
{
    fake_device *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cfg = *cfg;
    sim_instrument_init(&d->inst, cfg->model, 1);
    d->inst.faults = cfg->faults;
    if (cfg->render_ms >= 0)
        d->inst.render_delay_ms = cfg->render_ms;
    sim_fault_conn_init(&d->fc, &d->cfg.faults, -1);
    sc_buf_init(&d->out_stream, 0);
    sc_buf_init(&d->message, 0);
    sc_buf_init(&d->output, 0);
    d->cut_budget = -1;
    return d;
}

void fake_device_free(fake_device *d)
{
    if (!d)
        return;
    pipe_clear(d);
    sc_buf_free(&d->out_stream);
    sc_buf_free(&d->message);
    sc_buf_free(&d->output);
    sim_fault_conn_free(&d->fc);
    sim_instrument_destroy(&d->inst);
    free(d);
}

const fake_device_config *fake_device_config_of(const fake_device *d)
{
    return &d->cfg;
}

bool fake_device_gone(const fake_device *d)
{
    return d->gone;
}

void fake_device_opened(fake_device *d)
{
    sim_set_thread_protocol("usbtmc"); /* also: this thread's first command starts a session */
    sim_fault_conn_free(&d->fc);
    sim_fault_conn_init(&d->fc, &d->cfg.faults, -1);
    device_clear(d);
    d->out_halted = false;
    d->replied = false;
    d->in_bytes = 0;
    d->cut_budget = -1;
    d->next_ready_ns = 0;
}

/* ---- transfers ---- */

int fake_device_bulk_out(fake_device *d, const uint8_t *data, size_t len, size_t *done, unsigned timeout_ms)
{
    (void)timeout_ms;
    *done = 0;
    if (d->gone)
        return LIBUSB_ERROR_NO_DEVICE;
    if (d->out_halted)
        return LIBUSB_ERROR_PIPE;
    sc_buf_append(&d->out_stream, data, len, NULL);
    *done = len;
    if (!parse_out_stream(d)) {
        sc_buf_reset(&d->out_stream);
        d->out_halted = true;
        return LIBUSB_ERROR_PIPE;
    }
    return LIBUSB_SUCCESS;
}

/* Wait for the first transfer in the pipe to be ready; false (after waiting out the
 * timeout) when it will not be within it. */
static bool wait_ready(fake_device *d, unsigned timeout_ms)
{
    int64_t now = sc_now_ns(), until = now + (int64_t)timeout_ms * 1000000;
    if (d->pipe_count == 0) {
        sleep_ms(timeout_ms); /* the device NAKs */
        return false;
    }
    int64_t ready = pipe_at(d, 0)->ready_ns;
    if (ready > until) {
        sleep_ms(timeout_ms);
        return false;
    }
    sleep_ms((ready - now + 999999) / 1000000);
    return true;
}

/* Is this packet the one the cable comes out in (close-mid-transfer, reset-after)? */
static int unplugged_at(fake_device *d, size_t pkt)
{
    if (d->cut_budget >= 0 && (int64_t)pkt > d->cut_budget) {
        d->gone = true;
        return LIBUSB_ERROR_NO_DEVICE;
    }
    if (d->cfg.faults.reset && d->in_bytes + pkt > d->cfg.faults.reset_after) {
        d->gone = true;
        return LIBUSB_ERROR_IO;
    }
    return LIBUSB_SUCCESS;
}

int fake_device_bulk_in(fake_device *d, uint8_t *buf, size_t cap, size_t *done, unsigned timeout_ms)
{
    *done = 0;
    if (d->gone)
        return LIBUSB_ERROR_NO_DEVICE;
    if (!wait_ready(d, timeout_ms))
        return LIBUSB_ERROR_TIMEOUT;
    while (*done < cap && d->pipe_count > 0) {
        in_transfer *t = pipe_at(d, 0);
        size_t remaining = t->bytes.len - t->off;
        if (remaining == 0) { /* the zero-length packet after a full last packet */
            pipe_pop(d);
            return LIBUSB_SUCCESS;
        }
        size_t pkt = remaining < FAKE_MAX_PACKET ? remaining : FAKE_MAX_PACKET;
        if (pkt > cap - *done)
            return LIBUSB_ERROR_OVERFLOW;
        int r = unplugged_at(d, pkt);
        if (r != LIBUSB_SUCCESS)
            return r;
        memcpy(buf + *done, t->bytes.data + t->off, pkt);
        t->off += pkt;
        *done += pkt;
        d->in_bytes += pkt;
        if (d->cut_budget >= 0)
            d->cut_budget -= (int64_t)pkt;
        if (pkt < FAKE_MAX_PACKET) { /* a short packet ends the transfer */
            pipe_pop(d);
            return LIBUSB_SUCCESS;
        }
    }
    return LIBUSB_SUCCESS;
}

/* ---- class requests ---- */

static void abort_bulk_in(fake_device *d, uint8_t tag, uint8_t *r)
{
    r[1] = tag;
    if (d->request_pending && d->request_btag == tag) {
        d->request_pending = false;
        pipe_push(d, NULL, 0, tag, 0); /* the short packet that ends the aborted transfer */
        r[0] = SC_USBTMC_STATUS_SUCCESS;
        return;
    }
    if (d->pipe_count > 0 && pipe_at(d, 0)->btag == tag) {
        in_transfer *t = pipe_at(d, 0);
        t->bytes.len = t->off; /* cut here: what is left is a zero-length packet */
        t->ready_ns = 0;
        while (d->pipe_count > 1) {
            d->pipe_count--;
            sc_buf_free(&pipe_at(d, d->pipe_count)->bytes);
        }
        d->output_off = d->output.len;
        r[0] = SC_USBTMC_STATUS_SUCCESS;
        return;
    }
    r[0] = SC_USBTMC_STATUS_FAILED;
}

static sc_usbtmc_caps capabilities(void)
{
    return (sc_usbtmc_caps){
        .status = SC_USBTMC_STATUS_SUCCESS, .bcd_usbtmc = 0x0100, .bcd_usb488 = 0x0100,
        .usb488_2 = true, .usb488_ren_control = true, .usb488_trigger = true,
        .scpi = true, .sr1 = true, .rl1 = true, .dt1 = true,
    };
}

int fake_device_control_in(fake_device *d, uint8_t request_type, uint8_t request, uint16_t value, uint16_t index,
                           uint8_t *data, uint16_t len, unsigned timeout_ms)
{
    (void)timeout_ms;
    if (d->gone)
        return LIBUSB_ERROR_NO_DEVICE;
    sc_usbtmc_setup s;
    if (!sc_usbtmc_setup_for(request, value, index, &s) || request_type != s.request_type || len < s.length)
        return LIBUSB_ERROR_PIPE; /* a request the device does not know: STALL */
    uint8_t r[SC_USBTMC_CAPS_LEN] = { SC_USBTMC_STATUS_SUCCESS };
    switch (request) {
    case SC_USBTMC_INITIATE_CLEAR:
        device_clear(d);
        break;
    case SC_USBTMC_GET_CAPABILITIES: {
        sc_usbtmc_caps caps = capabilities();
        sc_usbtmc_encode_capabilities(&caps, r);
        break;
    }
    case SC_USB488_READ_STATUS_BYTE:
        r[1] = (uint8_t)value;
        break;
    case SC_USBTMC_INITIATE_ABORT_BULK_IN:
        abort_bulk_in(d, (uint8_t)value, r);
        break;
    case SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS:
        if (d->pipe_count > 0)
            r[0] = SC_USBTMC_STATUS_PENDING, r[1] = SC_USBTMC_FIFO_HAS_DATA;
        break;
    case SC_USBTMC_INITIATE_ABORT_BULK_OUT:
        sc_buf_reset(&d->out_stream);
        sc_buf_reset(&d->message);
        r[1] = (uint8_t)value;
        break;
    default: /* CHECK_CLEAR_STATUS, CHECK_ABORT_BULK_OUT_STATUS, REN/GTL/LLO, pulse: done */
        break;
    }
    memcpy(data, r, s.length);
    return s.length;
}

int fake_device_clear_halt(fake_device *d, uint8_t endpoint)
{
    if (d->gone)
        return LIBUSB_ERROR_NO_DEVICE;
    if (endpoint == FAKE_EP_OUT)
        d->out_halted = false;
    else if (endpoint != FAKE_EP_IN && endpoint != FAKE_EP_INTR)
        return LIBUSB_ERROR_NOT_FOUND;
    return LIBUSB_SUCCESS;
}

int fake_device_reset(fake_device *d)
{
    if (d->gone)
        return LIBUSB_ERROR_NO_DEVICE;
    device_clear(d);
    d->out_halted = false;
    return LIBUSB_SUCCESS;
}
