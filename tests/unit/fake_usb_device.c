/* The in-process USB-TMC device: see fake_usb_device.h. */
#include "fake_usb_device.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PIPE_MAX 8
#define MAX_SLEEP_MS 10000
#define MAX_OUT_TRANSFER ((uint32_t)16 << 20)
#define RIGOL_ANNOUNCED_MAX 500 /* "Rigol reports at most ~500" (python-usbtmc) */

struct sc_usb_dev {
    int unused;
};

/* One Bulk-IN transfer on its way to the host: header + data + padding. */
typedef struct in_transfer {
    sc_buf bytes;
    size_t off;
    uint8_t btag;
} in_transfer;

static struct fake_device {
    bool installed;
    fake_usb_config cfg;
    fake_usb_stats stats;
    sim_instrument inst;
    struct sc_usb_dev handle;
    bool wedged, gone, out_halted;
    sc_buf out_stream;   /* Bulk-OUT bytes not yet parsed */
    sc_buf message;      /* payload of the program message being received */
    sc_buf output;       /* replies; output[output_off..] not yet sent */
    size_t output_off;
    bool output_binary;
    bool reply_fresh;    /* the next transfer is the first of a reply */
    bool request_pending;
    uint8_t request_btag;
    uint32_t request_size;
    size_t rigol_start;  /* where the transfer being streamed started in output */
    bool have_prev_btag;
    uint8_t prev_btag;
    in_transfer pipe[PIPE_MAX];
    size_t pipe_head, pipe_count;
    int64_t disconnect_budget; /* Bulk-IN bytes until the cable is pulled; -1: never */
    int clear_pending_left;
} F;

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(F.stats.last_violation, sizeof F.stats.last_violation, fmt, ap);
    va_end(ap);
    F.stats.violations++;
}

static void sleep_ms(unsigned ms)
{
    if (ms > MAX_SLEEP_MS)
        ms = MAX_SLEEP_MS;
    usleep((useconds_t)ms * 1000);
}

/* ---- the Bulk-IN pipe ---- */

static in_transfer *pipe_at(size_t i)
{
    return &F.pipe[(F.pipe_head + i) % PIPE_MAX];
}

static void pipe_pop(void)
{
    sc_buf_free(&pipe_at(0)->bytes);
    F.pipe_head = (F.pipe_head + 1) % PIPE_MAX;
    F.pipe_count--;
}

static void pipe_clear(void)
{
    while (F.pipe_count)
        pipe_pop();
}

static void pipe_push(const uint8_t *bytes, size_t len, uint8_t btag)
{
    if (F.pipe_count == PIPE_MAX) {
        violation("Bulk-IN pipe overflow: the host never reads");
        return;
    }
    in_transfer *t = pipe_at(F.pipe_count++);
    sc_buf_init(&t->bytes, 0);
    sc_buf_append(&t->bytes, bytes, len, NULL);
    t->off = 0;
    t->btag = btag;
}

/* Is a transfer partly sent (the host has seen its header but not its end)? */
static bool pipe_streaming(void)
{
    return F.pipe_count > 0 && pipe_at(0)->off > 0;
}

/* ---- answering REQUEST_DEV_DEP_MSG_IN ---- */

static void queue_transfer(uint32_t announced, const uint8_t *data, size_t n, bool eom)
{
    uint8_t btag = F.cfg.wrong_btag ? (uint8_t)(F.request_btag ^ 0x55) : F.request_btag;
    sc_buf t;
    sc_buf_init(&t, 0);
    uint8_t hdr[SC_USBTMC_HEADER_LEN];
    sc_usbtmc_encode_in_header(hdr, SC_USBTMC_DEV_DEP_MSG_IN, btag, announced, eom ? SC_USBTMC_ATTR_EOM : 0);
    static const uint8_t zeros[4];
    sc_buf_append(&t, hdr, sizeof hdr, NULL);
    sc_buf_append(&t, data, n, NULL);
    sc_buf_append(&t, zeros, sc_usbtmc_padding(n), NULL);
    if (F.cfg.empty_before_reply && F.reply_fresh)
        pipe_push(NULL, 0, F.request_btag);
    F.reply_fresh = false;
    pipe_push(t.data, t.len, F.request_btag);
    sc_buf_free(&t);
    F.stats.in_transfers++;
}

static void serve(void)
{
    if (!F.request_pending || F.output_off >= F.output.len)
        return;
    size_t avail = F.output.len - F.output_off;
    const uint8_t *data = F.output.data + F.output_off;
    if (F.cfg.rigol_transfer_size) {
        /* all of it in one transfer, whatever was asked; the header lies about blocks */
        uint32_t announced = F.output_binary && avail > RIGOL_ANNOUNCED_MAX ? RIGOL_ANNOUNCED_MAX : (uint32_t)avail;
        F.rigol_start = F.output_off;
        queue_transfer(announced, data, avail, true);
        F.output_off += avail;
    } else {
        size_t n = avail < F.request_size ? avail : F.request_size;
        bool eom = n == avail && !F.cfg.never_eom;
        queue_transfer((uint32_t)n, data, n, eom);
        F.output_off += n;
    }
    F.request_pending = false;
}

/* ---- receiving Bulk-OUT ---- */

static void execute_message(void)
{
    F.stats.messages++;
    sim_reply reply = { .binary = false };
    sc_buf_init(&reply.bytes, 0);
    sim_execute_message(&F.inst, F.message.data, F.message.len, &reply);
    sc_buf_reset(&F.message);
    if (reply.bytes.len > 0 && !F.inst.faults.stall) {
        if (F.output_off >= F.output.len) {
            sc_buf_reset(&F.output);
            F.output_off = 0;
            F.reply_fresh = true;
        }
        sc_buf_append(&F.output, reply.bytes.data, reply.bytes.len, NULL);
        F.output_binary = reply.binary;
        if (reply.binary && F.inst.faults.close_mid_transfer)
            F.disconnect_budget = (int64_t)(reply.bytes.len / 2);
    }
    sc_buf_free(&reply.bytes);
    serve();
}

static void take_request(const sc_usbtmc_out_header *h)
{
    F.stats.requests++;
    if (h->transfer_size > F.stats.max_request)
        F.stats.max_request = h->transfer_size;
    if (h->transfer_size == 0)
        violation("REQUEST_DEV_DEP_MSG_IN with TransferSize 0");
    if (F.cfg.rigol_transfer_size && pipe_streaming() && F.rigol_start <= F.output.len) {
        /* the reported Rigol behaviour: another REQUEST starts the reply over */
        pipe_clear();
        F.output_off = F.rigol_start;
        F.stats.restarts++;
    }
    F.request_pending = true;
    F.request_btag = h->btag;
    F.request_size = h->transfer_size;
    serve();
}

static void take_dev_dep_out(const sc_usbtmc_out_header *h, const uint8_t *payload)
{
    F.stats.out_transfers++;
    F.stats.last_out_size = h->transfer_size;
    if (h->transfer_size > F.stats.max_out_payload)
        F.stats.max_out_payload = h->transfer_size;
    sc_buf_append(&F.message, payload, h->transfer_size, NULL);
    if (h->attributes & SC_USBTMC_ATTR_EOM) {
        F.stats.eom_transfers++;
        execute_message();
    }
}

static void check_btag(uint8_t btag)
{
    if (F.have_prev_btag && btag != sc_usbtmc_next_btag(F.prev_btag))
        violation("bTag %u after %u (the host must increment it, skipping 0)", btag, F.prev_btag);
    F.have_prev_btag = true;
    F.prev_btag = btag;
}

/* Parse every whole transfer in out_stream; false when the device must halt Bulk-OUT. */
static bool parse_out_stream(void)
{
    while (F.out_stream.len >= SC_USBTMC_HEADER_LEN) {
        const uint8_t *p = F.out_stream.data;
        sc_usbtmc_out_header h;
        sc_error e;
        if (sc_usbtmc_decode_out_header(p, F.out_stream.len, &h, &e) != SC_OK) {
            violation("%s", e.message);
            return false;
        }
        if (p[3] != 0)
            violation("Bulk-OUT header byte 3 is 0x%02x, not 0", p[3]);
        bool has_payload = h.msg_id == SC_USBTMC_DEV_DEP_MSG_OUT || h.msg_id == SC_USBTMC_VENDOR_SPECIFIC_OUT;
        if (has_payload && h.transfer_size > MAX_OUT_TRANSFER) {
            violation("DEV_DEP_MSG_OUT of %u bytes", h.transfer_size);
            return false;
        }
        size_t total = SC_USBTMC_HEADER_LEN;
        if (has_payload)
            total += h.transfer_size + sc_usbtmc_padding(h.transfer_size);
        if (F.out_stream.len < total)
            return true;
        check_btag(h.btag);
        for (size_t i = SC_USBTMC_HEADER_LEN + (has_payload ? h.transfer_size : 0); i < total; i++)
            if (p[i] != 0)
                violation("alignment byte %zu of a Bulk-OUT transfer is 0x%02x, not 0", i, p[i]);
        if (h.msg_id == SC_USBTMC_DEV_DEP_MSG_OUT)
            take_dev_dep_out(&h, p + SC_USBTMC_HEADER_LEN);
        else if (h.msg_id == SC_USBTMC_REQUEST_DEV_DEP_MSG_IN)
            take_request(&h);
        sc_buf_consume(&F.out_stream, total);
    }
    return true;
}

/* ---- the backend ---- */

static sc_status fake_open(const sc_usb_match *m, sc_usb_dev **dev, sc_usb_device_info *info, sc_error *err)
{
    *dev = NULL;
    const fake_usb_config *c = &F.cfg;
    bool any = m->vid == 0 && m->pid == 0;
    bool ids = any || (m->vid == c->vid && m->pid == c->pid);
    bool serial = !m->serial || !m->serial[0] || strcmp(m->serial, c->serial) == 0;
    bool intf = m->interface_number < 0 || m->interface_number == c->interface_number;
    if (!F.installed || !c->present || F.gone || !ids || !serial || !intf)
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: no USB-TMC device %04x:%04x is connected (fake backend)",
                            m->label, m->vid, m->pid);
    memset(info, 0, sizeof *info);
    info->vid = c->vid;
    info->pid = c->pid;
    snprintf(info->manufacturer, sizeof info->manufacturer, "%s", c->manufacturer);
    snprintf(info->product, sizeof info->product, "%s", c->product);
    snprintf(info->serial, sizeof info->serial, "%s", c->serial);
    info->interface_number = c->interface_number;
    info->interface_protocol = SC_USBTMC_PROTOCOL_USB488;
    info->ep_bulk_out = c->ep_out;
    info->ep_bulk_in = c->ep_in;
    info->ep_interrupt_in = c->ep_intr;
    info->max_packet_in = info->max_packet_out = c->max_packet;
    if (c->others > 0 && (!m->serial || !m->serial[0])) {
        info->others = c->others;
        snprintf(info->others_text, sizeof info->others_text, "%s", c->others_text ? c->others_text : "");
    }
    F.stats.opens++;
    F.have_prev_btag = false;
    if (c->stale_until_reset) {
        static const char stale[] = "STALE REPLY FROM AN EARLIER SESSION\n";
        sc_buf_append(&F.output, stale, sizeof stale - 1, NULL);
        F.reply_fresh = true;
    }
    *dev = &F.handle;
    return SC_OK;
}

static sc_usb_result fake_bulk_out(sc_usb_dev *dev, const uint8_t *data, size_t len, size_t *sent,
                                   unsigned timeout_ms)
{
    (void)dev;
    *sent = 0;
    if (F.gone)
        return SC_USB_NO_DEVICE;
    if (F.out_halted)
        return SC_USB_STALL;
    if (F.wedged || F.cfg.bulk_out_stalls) {
        sleep_ms(timeout_ms);
        return SC_USB_TIMEOUT;
    }
    sc_buf_append(&F.out_stream, data, len, NULL);
    *sent = len;
    if (!parse_out_stream()) {
        sc_buf_reset(&F.out_stream);
        F.out_halted = true;
        return SC_USB_STALL;
    }
    return SC_USB_OK;
}

static sc_usb_result fake_bulk_in(sc_usb_dev *dev, uint8_t *buf, size_t cap, size_t *got, unsigned timeout_ms)
{
    (void)dev;
    *got = 0;
    size_t mps = F.cfg.max_packet;
    if (F.gone)
        return SC_USB_NO_DEVICE;
    if (cap % mps != 0)
        violation("Bulk-IN read of %zu bytes is not a multiple of wMaxPacketSize %zu", cap, mps);
    if (F.wedged || F.pipe_count == 0) {
        sleep_ms(timeout_ms); /* the device NAKs */
        return SC_USB_TIMEOUT;
    }
    while (*got < cap && F.pipe_count > 0) {
        in_transfer *t = pipe_at(0);
        size_t remaining = t->bytes.len - t->off;
        if (remaining == 0) { /* the zero-length packet after a full last packet */
            pipe_pop();
            return SC_USB_OK;
        }
        size_t pkt = remaining < mps ? remaining : mps;
        if (pkt > cap - *got)
            return SC_USB_OVERFLOW;
        if (F.disconnect_budget >= 0) {
            if ((int64_t)pkt > F.disconnect_budget) {
                F.gone = true;
                return SC_USB_NO_DEVICE;
            }
            F.disconnect_budget -= (int64_t)pkt;
        }
        memcpy(buf + *got, t->bytes.data + t->off, pkt);
        t->off += pkt;
        *got += pkt;
        F.stats.bytes_in += pkt;
        if (pkt < mps) { /* a short packet ends the transfer */
            pipe_pop();
            return SC_USB_OK;
        }
    }
    return SC_USB_OK;
}

static void device_clear(void)
{
    sc_buf_reset(&F.out_stream);
    sc_buf_reset(&F.message);
    sc_buf_reset(&F.output);
    F.output_off = 0;
    F.request_pending = false;
    pipe_clear();
}

static void abort_bulk_in(uint8_t tag, uint8_t *r)
{
    r[1] = tag;
    if (F.request_pending && F.request_btag == tag) {
        F.request_pending = false;
        pipe_push(NULL, 0, tag); /* the short packet that ends the aborted transfer */
        r[0] = SC_USBTMC_STATUS_SUCCESS;
        return;
    }
    if (F.pipe_count > 0 && pipe_at(0)->btag == tag) {
        in_transfer *t = pipe_at(0);
        t->bytes.len = t->off; /* cut here: what is left is a zero-length packet */
        while (F.pipe_count > 1) {
            F.pipe_count--;
            sc_buf_free(&pipe_at(F.pipe_count)->bytes);
        }
        F.output_off = F.output.len;
        r[0] = SC_USBTMC_STATUS_SUCCESS;
        return;
    }
    r[0] = SC_USBTMC_STATUS_FAILED;
}

static bool expected_index(uint8_t request, uint16_t index)
{
    if (request == SC_USBTMC_INITIATE_ABORT_BULK_OUT || request == SC_USBTMC_CHECK_ABORT_BULK_OUT_STATUS)
        return index == F.cfg.ep_out;
    if (request == SC_USBTMC_INITIATE_ABORT_BULK_IN || request == SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS)
        return index == F.cfg.ep_in;
    return index == F.cfg.interface_number;
}

static sc_usb_result fake_control_in(sc_usb_dev *dev, uint8_t request_type, uint8_t request, uint16_t value,
                                     uint16_t index, uint8_t *data, uint16_t len, size_t *got, unsigned timeout_ms)
{
    (void)dev;
    *got = 0;
    if (F.gone)
        return SC_USB_NO_DEVICE;
    if (F.wedged) {
        sleep_ms(timeout_ms);
        return SC_USB_TIMEOUT;
    }
    sc_usbtmc_setup s;
    if (!sc_usbtmc_setup_for(request, value, index, &s))
        return SC_USB_STALL;
    if (request_type != s.request_type || len != s.length || !expected_index(request, index)) {
        violation("%s with bmRequestType 0x%02x, wIndex 0x%04x, wLength %u", sc_usbtmc_request_name(request),
                  request_type, index, len);
        return SC_USB_STALL;
    }
    uint8_t r[SC_USBTMC_CAPS_LEN] = { SC_USBTMC_STATUS_SUCCESS };
    switch (request) {
    case SC_USBTMC_INITIATE_CLEAR:
        F.stats.initiate_clear++;
        if (F.cfg.hangs_on_clear) {
            F.wedged = true;
            sleep_ms(timeout_ms);
            return SC_USB_TIMEOUT;
        }
        device_clear();
        F.clear_pending_left = F.cfg.clear_pending_polls;
        break;
    case SC_USBTMC_CHECK_CLEAR_STATUS:
        F.stats.check_clear++;
        if (F.clear_pending_left > 0) {
            F.clear_pending_left--;
            r[0] = SC_USBTMC_STATUS_PENDING;
        }
        break;
    case SC_USBTMC_GET_CAPABILITIES:
        F.stats.get_capabilities++;
        sc_usbtmc_encode_capabilities(&F.cfg.caps, r);
        break;
    case SC_USB488_READ_STATUS_BYTE:
        r[1] = (uint8_t)value;
        break;
    case SC_USB488_REN_CONTROL:
    case SC_USB488_GO_TO_LOCAL:
    case SC_USB488_LOCAL_LOCKOUT:
        F.stats.ren_control += request == SC_USB488_REN_CONTROL;
        F.stats.go_to_local += request == SC_USB488_GO_TO_LOCAL;
        F.stats.local_lockout += request == SC_USB488_LOCAL_LOCKOUT;
        if (F.cfg.remote_control_wedges) {
            F.wedged = true;
            return SC_USB_STALL;
        }
        break;
    case SC_USBTMC_INITIATE_ABORT_BULK_IN:
        F.stats.abort_in++;
        abort_bulk_in((uint8_t)value, r);
        break;
    case SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS:
        if (F.pipe_count > 0)
            r[0] = SC_USBTMC_STATUS_PENDING, r[1] = SC_USBTMC_FIFO_HAS_DATA;
        break;
    case SC_USBTMC_INITIATE_ABORT_BULK_OUT:
        F.stats.abort_out++;
        sc_buf_reset(&F.out_stream);
        sc_buf_reset(&F.message);
        r[1] = (uint8_t)value;
        break;
    default:
        break;
    }
    memcpy(data, r, s.length);
    *got = s.length;
    return SC_USB_OK;
}

static sc_usb_result fake_clear_halt(sc_usb_dev *dev, uint8_t endpoint)
{
    (void)dev;
    if (F.gone)
        return SC_USB_NO_DEVICE;
    if (endpoint == F.cfg.ep_out) {
        F.stats.clear_halt_out++;
        F.out_halted = false;
    } else if (endpoint == F.cfg.ep_in) {
        F.stats.clear_halt_in++;
    } else {
        violation("CLEAR_FEATURE(ENDPOINT_HALT) on endpoint 0x%02x, which is not a bulk endpoint", endpoint);
        return SC_USB_STALL;
    }
    return SC_USB_OK;
}

static sc_usb_result fake_reset(sc_usb_dev *dev)
{
    (void)dev;
    if (F.gone)
        return SC_USB_NO_DEVICE;
    F.stats.resets++;
    F.wedged = false;
    F.out_halted = false;
    F.have_prev_btag = false;
    device_clear();
    return SC_USB_OK;
}

static void fake_close(sc_usb_dev *dev)
{
    (void)dev;
    F.stats.closes++;
}

static const sc_usb_backend_ops fake_ops = {
    .name = "fake",
    .open = fake_open,
    .bulk_out = fake_bulk_out,
    .bulk_in = fake_bulk_in,
    .control_in = fake_control_in,
    .clear_halt = fake_clear_halt,
    .reset = fake_reset,
    .close = fake_close,
};

/* ---- test API ---- */

void fake_usb_default_config(fake_usb_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->present = true;
    cfg->vid = 0x0699; /* a vendor without quirks: the conforming device */
    cfg->pid = 0x0401;
    cfg->serial = "C000001";
    cfg->manufacturer = "scopecap";
    cfg->product = "fake USB-TMC device";
    cfg->max_packet = 64;
    cfg->interface_number = 0;
    cfg->ep_out = 0x03;
    cfg->ep_in = 0x82;
    cfg->ep_intr = 0x81;
    cfg->caps = (sc_usbtmc_caps){
        .status = SC_USBTMC_STATUS_SUCCESS,
        .bcd_usbtmc = 0x0100,
        .bcd_usb488 = 0x0100,
        .usb488_2 = true,
        .usb488_ren_control = true,
        .usb488_trigger = true,
        .scpi = true,
        .sr1 = true,
        .rl1 = true,
        .dt1 = true,
    };
    cfg->model = "rigol-ds1054z";
}

void fake_usb_install(const fake_usb_config *cfg)
{
    if (F.installed)
        fake_usb_uninstall();
    memset(&F, 0, sizeof F);
    F.cfg = *cfg;
    sim_instrument_init(&F.inst, sim_model_find(cfg->model), 1);
    F.inst.render_delay_ms = 0;
    sc_buf_init(&F.out_stream, 0);
    sc_buf_init(&F.message, 0);
    sc_buf_init(&F.output, 0);
    F.disconnect_budget = -1;
    F.installed = true;
    sc_usbtmc_set_backend_for_tests(&fake_ops);
}

void fake_usb_uninstall(void)
{
    if (!F.installed)
        return;
    pipe_clear();
    sc_buf_free(&F.out_stream);
    sc_buf_free(&F.message);
    sc_buf_free(&F.output);
    sim_instrument_destroy(&F.inst);
    F.installed = false;
    sc_usbtmc_set_backend_for_tests(NULL);
}

fake_usb_config *fake_usb_live_config(void)
{
    return &F.cfg;
}

const fake_usb_stats *fake_usb_get_stats(void)
{
    return &F.stats;
}

sim_instrument *fake_usb_instrument(void)
{
    return &F.inst;
}

const sc_usb_backend_ops *fake_usb_backend(void)
{
    return &fake_ops;
}
