/* eFirmata capture: the UDP client and the reassembly of TODs into frames.
 *
 * UDP gives no request id, so everything that identifies "this capture" is inferred:
 * the socket is drained before the TOC; TODs that arrive before the TOM belong to an
 * earlier capture; a TOD must have the bytesPerSample of the first one and fall inside
 * the requested range; frames that arrive twice must carry the same bytes. What cannot
 * be placed is counted, and the final message says where the holes are. */
#include "efirmata/capture.h"

#include "efirmata/scale.h"
#include "efirmata/wire.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define RX_BATCH 32
#define RX_SIZE 65536          /* any UDP datagram fits */
#define DRAIN_MAX 100000       /* bounded: a flooding peer cannot keep us draining forever */
#define RCVBUF_BYTES (16 << 20) /* room for a whole fast capture on loopback */
#define FIRMWARE_COUNT_MAX 65535u

/* ---- assembly ---- */

void sc_efirmata_capture_init(sc_efirmata_capture *c)
{
    memset(c, 0, sizeof *c);
}

void sc_efirmata_capture_free(sc_efirmata_capture *c)
{
    free(c->frames);
    free(c->present);
    c->frames = NULL;
    c->present = NULL;
}

static void reset_counters(sc_efirmata_capture *c)
{
    c->received = 0;
    c->tod_bps = 0;
    c->datagrams = c->duplicates = c->overlaps = c->stale = c->malformed = c->conflicts = 0;
    c->first_malformed[0] = '\0';
    c->quirks = 0;
    c->elapsed_ns = 0;
}

sc_status sc_efirmata_capture_begin(sc_efirmata_capture *c, const uint8_t *tom, size_t len, uint32_t requested,
                                    sc_error *err)
{
    sc_efirmata_capture_free(c);
    reset_counters(c);
    c->requested = c->samples = 0; /* until the TOM is good, the capture holds nothing */
    if (requested == 0)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata: a capture needs at least 1 sample");
    size_t trailing = 0;
    sc_status st = sc_efirmata_tom_decode(tom, len, &c->meta, &trailing, &c->quirks, err);
    if (st != SC_OK)
        return st;
    for (int i = 0; i < c->meta.channel_count; i++) {
        st = sc_efirmata_scale_from_channel(&c->meta.channels[i], i, &c->scales[i], err);
        if (st != SC_OK)
            return st;
    }
    st = sc_efirmata_domain_step(&c->meta, &c->seconds_per_sample, err);
    if (st != SC_OK)
        return st;
    c->stride = sc_efirmata_frame_layout(&c->meta, c->offsets);
    size_t limit = sc_max_response();
    if ((uint64_t)requested * c->stride > limit)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "eFirmata: %u samples x %zu bytes a frame exceed the %zu-byte limit (ask for fewer samples)",
                            requested, c->stride, limit);
    c->frames = calloc(requested, c->stride);
    c->present = calloc(requested, 1);
    if (!c->frames || !c->present) {
        sc_efirmata_capture_free(c);
        return sc_error_set(err, SC_ERR_NOMEM, "eFirmata: no memory for %u samples", requested);
    }
    c->requested = requested;
    c->samples = requested;
    return SC_OK;
}

static sc_efirmata_placement refuse(sc_efirmata_capture *c, const sc_error *why)
{
    c->malformed++;
    if (!c->first_malformed[0])
        snprintf(c->first_malformed, sizeof c->first_malformed, "%s", why->message);
    return SC_EFIRMATA_MALFORMED;
}

sc_efirmata_placement sc_efirmata_capture_place(sc_efirmata_capture *c, const uint8_t *p, size_t len)
{
    sc_error err;
    c->datagrams++;
    if (len >= 3 && memcmp(p, "TOM", 3) == 0) { /* a second TOM: another capture started */
        c->stale++;
        return SC_EFIRMATA_STALE;
    }
    if (len >= SC_EFIRMATA_TOD_HEADER && memcmp(p, "TOD", 3) == 0) {
        uint8_t bps = p[4];
        if (c->tod_bps == 0) {
            size_t stride;
            if (sc_efirmata_frame_stride(&c->meta, bps, &stride, &c->quirks, &err) != SC_OK)
                return refuse(c, &err);
            c->tod_bps = bps;
        } else if (bps != c->tod_bps) {
            c->stale++; /* same capture, same TOM: the stride cannot change */
            return SC_EFIRMATA_STALE;
        }
    }
    sc_efirmata_tod tod;
    if (sc_efirmata_tod_decode(p, len, c->stride, &tod, &err) != SC_OK)
        return refuse(c, &err);
    if (tod.trailing)
        c->quirks |= SC_EFIRMATA_QUIRK_STRAY_BYTES;
    if ((uint64_t)tod.start + tod.total_samples > c->requested) {
        c->stale++;
        return SC_EFIRMATA_STALE;
    }
    uint8_t *dst = c->frames + (size_t)tod.start * c->stride;
    uint8_t *seen = c->present + tod.start;
    uint32_t already = 0;
    for (uint32_t i = 0; i < tod.total_samples; i++) {
        if (!seen[i])
            continue;
        already++;
        if (memcmp(dst + (size_t)i * c->stride, tod.data + (size_t)i * c->stride, c->stride) != 0) {
            c->conflicts++;
            return SC_EFIRMATA_CONFLICT;
        }
    }
    if (already == tod.total_samples) {
        c->duplicates++;
        return SC_EFIRMATA_DUPLICATE;
    }
    if (already)
        c->overlaps++;
    memcpy(dst, tod.data, tod.data_len); /* frames already there are byte-identical */
    memset(seen, 1, tod.total_samples);
    c->received += tod.total_samples - already;
    return SC_EFIRMATA_PLACED;
}

bool sc_efirmata_capture_complete(const sc_efirmata_capture *c)
{
    return c->requested > 0 && c->received >= c->samples;
}

/* All of [0, n) present? */
static bool prefix_complete(const sc_efirmata_capture *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!c->present[i])
            return false;
    return true;
}

void sc_efirmata_missing_text(const sc_efirmata_capture *c, int max_ranges, char *buf, size_t cap)
{
    size_t used = 0;
    int ranges = 0, more = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < c->samples;) {
        if (c->present[i]) {
            i++;
            continue;
        }
        uint32_t first = i;
        while (i < c->samples && !c->present[i])
            i++;
        uint32_t last = i - 1;
        if (ranges >= max_ranges) {
            more++;
            continue;
        }
        int n = first == last ? snprintf(buf + used, cap - used, "%s%u", ranges ? ", " : "", first)
                              : snprintf(buf + used, cap - used, "%s%u-%u", ranges ? ", " : "", first, last);
        if (n < 0 || (size_t)n >= cap - used) {
            more++;
            continue;
        }
        used += (size_t)n;
        ranges++;
    }
    if (more)
        snprintf(buf + used, cap - used, " and %d more range%s", more, more == 1 ? "" : "s");
}

sc_status sc_efirmata_capture_finish(sc_efirmata_capture *c, bool allow_gaps, sc_error *err)
{
    if (c->received >= c->samples)
        return SC_OK;
    /* The firmware keeps the requested count in a uint16: asking for 70000 yields 4464. */
    uint32_t cut = c->requested & 0xFFFFu;
    if (c->requested > FIRMWARE_COUNT_MAX && cut > 0 && c->received == cut && prefix_complete(c, cut)) {
        c->samples = cut;
        c->quirks |= SC_EFIRMATA_QUIRK_COUNT_16BIT;
        return SC_OK;
    }
    if (allow_gaps)
        return SC_OK;
    char ranges[320];
    sc_efirmata_missing_text(c, 12, ranges, sizeof ranges);
    char why[SC_ERROR_MAX + 160] = "";
    if (c->malformed)
        snprintf(why, sizeof why, "; %u datagram%s refused, the first because: %s", c->malformed,
                 c->malformed == 1 ? "" : "s", c->first_malformed);
    if (c->conflicts)
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "; %u datagram%s contradicted frames already received (another capture's?)", c->conflicts,
                 c->conflicts == 1 ? "" : "s");
    return sc_error_set(err, SC_ERR_PROTOCOL,
                        "eFirmata %s: %u of %u samples missing: %s (datagrams lost%s); capture again, or pass "
                        "--allow-gaps to keep them as NaN",
                        c->device, c->samples - c->received, c->samples, ranges, why);
}

double sc_efirmata_code(const sc_efirmata_capture *c, int channel, uint32_t i)
{
    if (channel < 0 || channel >= c->meta.channel_count || i >= c->samples || !c->present || !c->present[i])
        return NAN;
    return sc_efirmata_sample_to_double(c->meta.channels[channel].data_type,
                                        c->frames + (size_t)i * c->stride + c->offsets[channel]);
}

double sc_efirmata_value(const sc_efirmata_capture *c, int channel, uint32_t i)
{
    double code = sc_efirmata_code(c, channel, i);
    return isnan(code) ? NAN : sc_efirmata_scale_apply(&c->scales[channel], code);
}

double sc_efirmata_time(const sc_efirmata_capture *c, uint32_t i)
{
    return (double)i * c->seconds_per_sample;
}

const char *sc_efirmata_quirk_name(unsigned quirk)
{
    switch (quirk) {
    case SC_EFIRMATA_QUIRK_STRAY_BYTES: return "stray-bytes";
    case SC_EFIRMATA_QUIRK_FRAME_STRIDE: return "bytes-per-sample-is-frame-stride";
    case SC_EFIRMATA_QUIRK_CHANNEL_SIZE: return "bytes-per-sample-is-channel-size";
    case SC_EFIRMATA_QUIRK_ADC_NUMBERS: return "adc-channel-numbers";
    case SC_EFIRMATA_QUIRK_COUNT_16BIT: return "sample-count-16-bit";
    case SC_EFIRMATA_QUIRK_ERROR_TYPE: return "junk-error-type";
    case SC_EFIRMATA_QUIRK_TOM_TRAILING: return "tom-trailing-bytes";
    default: return "unknown";
    }
}

const char *sc_efirmata_quirk_text(unsigned quirk)
{
    switch (quirk) {
    case SC_EFIRMATA_QUIRK_STRAY_BYTES:
        return "TOD datagrams carry bytes after their data (the reference firmware sizes them for a 20-byte "
               "header); ignored";
    case SC_EFIRMATA_QUIRK_FRAME_STRIDE:
        return "TOD bytesPerSample is the frame stride (all channels of one sample), as the reference firmware "
               "means it";
    case SC_EFIRMATA_QUIRK_CHANNEL_SIZE:
        return "TOD bytesPerSample is one channel's sample size; frames hold every channel";
    case SC_EFIRMATA_QUIRK_ADC_NUMBERS:
        return "the board looks like the reference firmware: the trigger channel is sent as its LPC ADC number "
               "(1, 2, 4, 5)";
    case SC_EFIRMATA_QUIRK_COUNT_16BIT:
        return "the board keeps the sample count in 16 bits (as the reference firmware does): a capture holds at "
               "most 65535 samples";
    case SC_EFIRMATA_QUIRK_ERROR_TYPE:
        return "descriptor error-type bytes hold junk (the reference firmware writes 'Q', 'R', 'S', 'T'); ignored";
    case SC_EFIRMATA_QUIRK_TOM_TRAILING:
        return "the TOM has bytes after its last descriptor; ignored";
    default:
        return "unknown quirk";
    }
}

/* ---- options ---- */

void sc_efirmata_options_init(sc_efirmata_options *o)
{
    *o = (sc_efirmata_options){
        .trigger = SC_EFIRMATA_TRIGGER_NOW,
        .channel = 0,
        .samples = 1000,
        .timeout_ms = 10000,
        .tom_wait_ms = 500,
        .retries = 3,
        .silence_ms = 1100, /* the reference client's own patience */
    };
}

const char *sc_efirmata_trigger_name(sc_efirmata_trigger t)
{
    switch (t) {
    case SC_EFIRMATA_TRIGGER_OFF: return "off";
    case SC_EFIRMATA_TRIGGER_NOW: return "now";
    case SC_EFIRMATA_TRIGGER_RISING: return "rising";
    case SC_EFIRMATA_TRIGGER_FALLING: return "falling";
    case SC_EFIRMATA_TRIGGER_CONTINUOUS: return "continuous";
    default: return "unknown";
    }
}

sc_status sc_efirmata_trigger_parse(const char *name, sc_efirmata_trigger *out, sc_error *err)
{
    static const sc_efirmata_trigger modes[] = { SC_EFIRMATA_TRIGGER_NOW, SC_EFIRMATA_TRIGGER_RISING,
                                                 SC_EFIRMATA_TRIGGER_FALLING };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(name, sc_efirmata_trigger_name(modes[i])) == 0) {
            *out = modes[i];
            return SC_OK;
        }
    return sc_error_set(err, SC_ERR_USAGE, "unknown trigger \"%s\" (now, rising or falling)", name);
}

/* ---- the UDP client ---- */

struct sc_efirmata {
    int fd;
    int stop_fd;            /* eventfd: readable once sc_efirmata_interrupt was called */
    char label[300];
    bool have_meta;
    sc_efirmata_meta meta;
    unsigned reported_quirks;
    uint8_t *rx;
    struct mmsghdr msgs[RX_BATCH];
    struct iovec iov[RX_BATCH];
};

static sc_status unreachable(const sc_efirmata *dev, sc_error *err)
{
    return sc_error_set(err, SC_ERR_UNREACHABLE,
                        "eFirmata %s: UDP port unreachable (ICMP): nothing listens there; check the address, the port "
                        "(2117) and that the board runs the eFirmata oscilloscope firmware",
                        dev->label);
}

sc_status sc_efirmata_open(const sc_resource *res, sc_efirmata **out, sc_error *err)
{
    char port[8];
    snprintf(port, sizeof port, "%u", res->port ? res->port : SC_EFIRMATA_PORT);
    sc_efirmata *dev = calloc(1, sizeof *dev);
    if (!dev)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    dev->fd = -1;
    dev->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (dev->stop_fd < 0) {
        free(dev);
        return sc_error_set(err, SC_ERR_IO, "eFirmata: cannot create an eventfd: %s", strerror(errno));
    }
    snprintf(dev->label, sizeof dev->label, "%s%s%s:%s", strchr(res->host, ':') ? "[" : "", res->host,
             strchr(res->host, ':') ? "]" : "", port);
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(res->host, port, &hints, &ai);
    if (gai != 0) {
        sc_error_set(err, SC_ERR_UNREACHABLE, "eFirmata %s: cannot resolve \"%s\": %s (check the host name)", dev->label,
                     res->host, gai_strerror(gai));
        sc_efirmata_close(dev);
        return err->code;
    }
    dev->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (dev->fd >= 0) {
        /* A fast board sends faster than we may be scheduled: give the kernel room to queue.
         * SO_RCVBUFFORCE passes rmem_max when we may; otherwise take what SO_RCVBUF gives. */
        int bytes = RCVBUF_BYTES;
        if (setsockopt(dev->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
            setsockopt(dev->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    }
    /* connect(): the kernel then delivers only the board's datagrams, and an ICMP "port
     * unreachable" comes back to us as ECONNREFUSED */
    if (dev->fd < 0 || connect(dev->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        sc_error_set(err, SC_ERR_UNREACHABLE, "eFirmata %s: cannot open a UDP socket to it: %s (check the address)",
                     dev->label, strerror(errno));
        freeaddrinfo(ai);
        sc_efirmata_close(dev);
        return err->code;
    }
    freeaddrinfo(ai);
    dev->rx = malloc((size_t)RX_BATCH * RX_SIZE);
    if (!dev->rx) {
        sc_efirmata_close(dev);
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < RX_BATCH; i++) {
        dev->iov[i] = (struct iovec){ .iov_base = dev->rx + (size_t)i * RX_SIZE, .iov_len = RX_SIZE };
        dev->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &dev->iov[i], .msg_iovlen = 1 };
    }
    *out = dev;
    return SC_OK;
}

void sc_efirmata_close(sc_efirmata *dev)
{
    if (!dev)
        return;
    if (dev->fd >= 0)
        close(dev->fd);
    if (dev->stop_fd >= 0)
        close(dev->stop_fd);
    free(dev->rx);
    free(dev);
}

/* Throw away whatever is queued: answers to an earlier TOC must not join this capture. */
static unsigned drain(sc_efirmata *dev)
{
    unsigned n = 0;
    uint8_t scratch[64];
    while (n < DRAIN_MAX) {
        ssize_t r = recv(dev->fd, scratch, sizeof scratch, MSG_DONTWAIT | MSG_TRUNC);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == ECONNREFUSED)
            continue; /* an old ICMP error: reported once by the kernel, then gone */
        if (r < 0)
            break;
        n++;
    }
    return n;
}

void sc_efirmata_interrupt(sc_efirmata *dev)
{
    uint64_t one = 1;
    if (dev && dev->stop_fd >= 0) /* async-signal-safe; a full counter means it is set already */
        (void)!write(dev->stop_fd, &one, sizeof one);
}

static bool interrupted(const sc_efirmata *dev)
{
    struct pollfd pfd = { .fd = dev->stop_fd, .events = POLLIN };
    return poll(&pfd, 1, 0) > 0;
}

static sc_status stopped(const sc_efirmata *dev, sc_error *err)
{
    return sc_error_set(err, SC_ERR_CLOSED, "eFirmata %s: capture interrupted", dev->label);
}

/* Wait up to `deadline` for datagrams; *count = 0 when none came. The interrupt eventfd
 * is polled beside the socket, so a stop never waits for the deadline. */
static sc_status receive(sc_efirmata *dev, sc_deadline deadline, int *count, sc_error *err)
{
    *count = 0;
    for (;;) {
        struct pollfd pfd[2] = { { .fd = dev->fd, .events = POLLIN }, { .fd = dev->stop_fd, .events = POLLIN } };
        int r = poll(pfd, 2, sc_deadline_poll_ms(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sc_error_set(err, SC_ERR_IO, "eFirmata %s: poll failed: %s", dev->label, strerror(errno));
        if (pfd[1].revents & POLLIN)
            return stopped(dev, err);
        if (r == 0)
            return SC_OK;
        int n = recvmmsg(dev->fd, dev->msgs, RX_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0 && errno == ECONNREFUSED)
            return unreachable(dev, err);
        if (n < 0)
            return sc_error_set(err, SC_ERR_IO, "eFirmata %s: receiving failed: %s", dev->label, strerror(errno));
        *count = n;
        return SC_OK;
    }
}

static const uint8_t *datagram(const sc_efirmata *dev, int i, size_t *len)
{
    *len = dev->msgs[i].msg_len;
    return dev->rx + (size_t)i * RX_SIZE;
}

static sc_status send_toc(sc_efirmata *dev, const uint8_t *pkt, sc_error *err)
{
    for (int tries = 0; tries < 3; tries++) { /* bounded: EINTR and one stale ICMP error */
        if (send(dev->fd, pkt, SC_EFIRMATA_TOC_SIZE, 0) == SC_EFIRMATA_TOC_SIZE)
            return SC_OK;
        if (errno == EINTR || errno == ECONNREFUSED)
            continue;
        return sc_error_set(err, SC_ERR_IO, "eFirmata %s: sending the TOC failed: %s", dev->label, strerror(errno));
    }
    return unreachable(dev, err);
}

/* Send the TOC until a TOM comes back; datagrams before it are an earlier capture's. */
static sc_status await_tom(sc_efirmata *dev, const uint8_t *pkt, const sc_efirmata_options *o, sc_efirmata_capture *c,
                           sc_deadline deadline, uint32_t *early, int *first_after_tom, int *batch, sc_error *err)
{
    for (int attempt = 0; attempt <= o->retries && !sc_deadline_expired(deadline); attempt++) {
        if (attempt)
            sc_debug("eFirmata %s: no TOM after %d ms, sending the TOC again (%d of %d)", dev->label, o->tom_wait_ms,
                     attempt, o->retries);
        sc_status st = send_toc(dev, pkt, err);
        if (st != SC_OK)
            return st;
        sc_deadline wait = sc_deadline_min(deadline, sc_deadline_in_ms(o->tom_wait_ms));
        while (!sc_deadline_expired(wait)) {
            int n;
            if ((st = receive(dev, wait, &n, err)) != SC_OK)
                return st;
            for (int i = 0; i < n; i++) {
                size_t len;
                const uint8_t *d = datagram(dev, i, &len);
                if (len >= 3 && memcmp(d, "TOM", 3) == 0) {
                    st = sc_efirmata_capture_begin(c, d, len, c->requested, err);
                    if (st != SC_OK)
                        return sc_error_prefix(err, "%s", dev->label);
                    *first_after_tom = i + 1;
                    *batch = n;
                    return SC_OK;
                }
                (*early)++;
            }
        }
    }
    return sc_error_set(err, SC_ERR_TIMEOUT,
                        "eFirmata %s: no TOM answered %d TOC%s: check the address, the port and that the board runs "
                        "the eFirmata oscilloscope firmware",
                        dev->label, o->retries + 1, o->retries ? "s" : "");
}

static void place_batch(sc_efirmata *dev, sc_efirmata_capture *c, int from, int n)
{
    for (int i = from; i < n; i++) {
        size_t len;
        const uint8_t *d = datagram(dev, i, &len);
        sc_efirmata_placement p = sc_efirmata_capture_place(c, d, len);
        if (p != SC_EFIRMATA_PLACED && sc_log_get_level() >= SC_LOG_TRACE)
            sc_trace("eFirmata %s: datagram of %zu bytes %s", dev->label, len,
                     p == SC_EFIRMATA_DUPLICATE  ? "duplicates frames already received"
                     : p == SC_EFIRMATA_CONFLICT ? "contradicts frames already received"
                     : p == SC_EFIRMATA_STALE    ? "is not this capture's"
                                                 : "is malformed");
    }
}

/* One TOC and its answer, into c (c->requested set by the caller). */
static sc_status exchange(sc_efirmata *dev, const sc_efirmata_toc *toc, const sc_efirmata_options *o,
                          sc_efirmata_capture *c, sc_deadline deadline, sc_error *err)
{
    unsigned drained = drain(dev);
    if (drained)
        sc_info("eFirmata %s: drained %u stale datagram%s before the TOC", dev->label, drained,
                drained == 1 ? "" : "s");
    uint8_t pkt[SC_EFIRMATA_TOC_SIZE];
    sc_efirmata_toc_encode(toc, pkt);
    int64_t start = sc_now_ns();
    uint32_t early = 0;
    int from = 0, n = 0;
    sc_status st = await_tom(dev, pkt, o, c, deadline, &early, &from, &n, err);
    if (st != SC_OK)
        return st;
    place_batch(dev, c, from, n);
    int64_t last = sc_now_ns();
    bool data_started = c->datagrams > 0;
    while (!sc_efirmata_capture_complete(c) && !sc_deadline_expired(deadline)) {
        sc_deadline wait = deadline;
        if (data_started)
            wait = sc_deadline_min(deadline, (sc_deadline){ last + (int64_t)o->silence_ms * 1000000 });
        if ((st = receive(dev, wait, &n, err)) != SC_OK)
            return st;
        if (n == 0) {
            if (data_started)
                break; /* silence: what is missing is not coming */
            continue;
        }
        place_batch(dev, c, 0, n);
        last = sc_now_ns();
        data_started = true;
    }
    c->stale += early;
    c->elapsed_ns = last - start;
    if (c->received == 0) {
        if (toc->mode == SC_EFIRMATA_TRIGGER_NOW)
            return sc_error_set(err, SC_ERR_TIMEOUT, "eFirmata %s: a TOM came but no sample data within the timeout",
                                dev->label);
        return sc_error_set(err, SC_ERR_TIMEOUT,
                            "eFirmata %s: a TOM came but no data within the timeout: the %s trigger at %g %c (code %g) "
                            "on channel %d never fired (check --level and --channel, or use --trigger now)",
                            dev->label, sc_efirmata_trigger_name(toc->mode), c->level,
                            c->meta.channels[c->trigger_channel].units, c->level_code, c->trigger_channel);
    }
    return SC_OK;
}

static int64_t thread_cpu_ns(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* The metadata, from an earlier capture or from a one-sample NOW capture. */
static sc_status learn_meta(sc_efirmata *dev, const sc_efirmata_options *o, sc_deadline deadline, sc_error *err)
{
    if (dev->have_meta)
        return SC_OK;
    sc_info("eFirmata %s: asking for one sample to learn the channels' scales", dev->label);
    sc_efirmata_capture *probe = malloc(sizeof *probe);
    if (!probe)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    sc_efirmata_capture_init(probe);
    probe->requested = 1;
    snprintf(probe->device, sizeof probe->device, "%s", dev->label);
    sc_efirmata_toc toc = { .mode = SC_EFIRMATA_TRIGGER_NOW, .threshold_type = 'L', .samples = 1 };
    sc_status st = exchange(dev, &toc, o, probe, deadline, err);
    if (st == SC_OK) {
        dev->meta = probe->meta;
        dev->have_meta = true;
    }
    sc_efirmata_capture_free(probe);
    free(probe);
    return st;
}

/* Fill the TOC's trigger fields from the options and the known metadata. */
static sc_status prepare_trigger(sc_efirmata *dev, const sc_efirmata_options *o, sc_efirmata_capture *c,
                                 sc_efirmata_toc *toc, unsigned *quirks, sc_error *err)
{
    const sc_efirmata_meta *m = &dev->meta;
    if (o->channel >= m->channel_count)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata %s: channel %d does not exist; the board has %u (0-%u)",
                            dev->label, o->channel, m->channel_count, m->channel_count - 1u);
    const sc_efirmata_channel *ch = &m->channels[o->channel];
    sc_efirmata_scale scale;
    sc_status st = sc_efirmata_scale_from_channel(ch, o->channel, &scale, err);
    if (st != SC_OK)
        return st;
    double level = o->level_given ? o->level : (scale.real_a + scale.real_b) / 2;
    sc_efirmata_num code;
    if ((st = sc_efirmata_scale_invert(&scale, ch->data_type, level, &code, err)) != SC_OK)
        return sc_error_prefix(err, "channel %d", o->channel);
    if ((st = sc_efirmata_toc_set_threshold(toc, code, err)) != SC_OK)
        return st;
    toc->channel = (uint8_t)o->channel;
    if (sc_efirmata_is_reference_firmware(m)) {
        toc->channel = sc_efirmata_adc_number(o->channel);
        *quirks |= SC_EFIRMATA_QUIRK_ADC_NUMBERS;
    }
    c->level = level;
    c->level_code = sc_efirmata_num_to_double(code);
    sc_info("eFirmata %s: %s trigger on channel %d (sent as %u) at %g %c = code %g", dev->label,
            sc_efirmata_trigger_name(o->trigger), o->channel, toc->channel, level, ch->units, c->level_code);
    return SC_OK;
}

static void report_quirks(sc_efirmata *dev, unsigned quirks)
{
    for (unsigned bit = 1; bit <= SC_EFIRMATA_QUIRK_TOM_TRAILING; bit <<= 1)
        if ((quirks & bit) && !(dev->reported_quirks & bit)) {
            sc_info("eFirmata %s: quirk: %s", dev->label, sc_efirmata_quirk_text(bit));
            dev->reported_quirks |= bit;
        }
}

/* Fewer samples than asked for is never silent: the count the board can keep, or holes
 * kept as NaN with --allow-gaps. */
static void warn_short(const sc_efirmata *dev, const sc_efirmata_options *o, const sc_efirmata_capture *c)
{
    if (c->samples < o->samples && c->requested < o->samples)
        sc_warn("eFirmata %s: asked for %u samples, captured %u: the board keeps the sample count in 16 bits (the "
                "reference firmware), %u is the most one capture holds",
                dev->label, o->samples, c->samples, FIRMWARE_COUNT_MAX);
    else if (c->samples < o->samples)
        sc_warn("eFirmata %s: asked for %u samples, the board sent %u: it keeps the sample count in 16 bits (%u mod "
                "65536); ask for %u or fewer",
                dev->label, o->samples, c->samples, o->samples, FIRMWARE_COUNT_MAX);
    if (c->received < c->samples) {
        char ranges[320];
        sc_efirmata_missing_text(c, 12, ranges, sizeof ranges);
        sc_warn("eFirmata %s: %u of %u samples missing, kept as NaN: %s", dev->label, c->samples - c->received,
                c->samples, ranges);
    }
}

sc_status sc_efirmata_acquire(sc_efirmata *dev, const sc_efirmata_options *o, sc_efirmata_capture *c, sc_error *err)
{
    if (o->samples == 0)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata: ask for at least 1 sample");
    if (o->trigger != SC_EFIRMATA_TRIGGER_NOW && o->trigger != SC_EFIRMATA_TRIGGER_RISING &&
        o->trigger != SC_EFIRMATA_TRIGGER_FALLING)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata: trigger mode %s cannot start a capture (now, rising, falling)",
                            sc_efirmata_trigger_name(o->trigger));
    if (o->channel < 0 || o->timeout_ms <= 0 || o->retries < 0 || o->tom_wait_ms <= 0 || o->silence_ms <= 0)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata: channel, timeout and waits must be positive");
    if (interrupted(dev))
        return stopped(dev, err);
    sc_deadline deadline = sc_deadline_in_ms(o->timeout_ms);
    int64_t cpu0 = thread_cpu_ns();
    snprintf(c->device, sizeof c->device, "%s", dev->label);
    c->level = NAN;
    c->level_code = NAN;
    c->trigger_channel = o->channel;

    sc_efirmata_toc toc = { .mode = (uint8_t)o->trigger, .threshold_type = 'L', .samples = o->samples };
    unsigned quirks = 0;
    sc_status st = SC_OK;
    /* A board that keeps the count in 16 bits would silently send (count mod 65536): for a
     * count above that, learn first what the board is, so the request can be capped. */
    if (o->trigger != SC_EFIRMATA_TRIGGER_NOW || o->samples > FIRMWARE_COUNT_MAX) {
        if ((st = learn_meta(dev, o, deadline, err)) != SC_OK)
            return st;
    }
    if (o->trigger != SC_EFIRMATA_TRIGGER_NOW) {
        if ((st = prepare_trigger(dev, o, c, &toc, &quirks, err)) != SC_OK)
            return st;
    }
    if (dev->have_meta && sc_efirmata_is_reference_firmware(&dev->meta) && toc.samples > FIRMWARE_COUNT_MAX) {
        toc.samples = FIRMWARE_COUNT_MAX;
        quirks |= SC_EFIRMATA_QUIRK_COUNT_16BIT;
    }
    c->requested = toc.samples;
    double level = c->level, level_code = c->level_code;
    if ((st = exchange(dev, &toc, o, c, deadline, err)) != SC_OK)
        return st;
    /* begin() reset the capture: restore what the request said */
    c->trigger = o->trigger;
    c->trigger_channel = o->channel;
    c->level = level;
    c->level_code = level_code;
    c->quirks |= quirks;
    dev->meta = c->meta;
    dev->have_meta = true;
    st = sc_efirmata_capture_finish(c, o->allow_gaps, err);
    report_quirks(dev, c->quirks);
    if (st != SC_OK)
        return st;
    warn_short(dev, o, c);
    double secs = (double)c->elapsed_ns / 1e9;
    double n = (double)c->received * c->meta.channel_count;
    int64_t cpu = thread_cpu_ns() - cpu0;
    sc_info("eFirmata %s: %u frames x %u channels in %u datagrams (%u duplicate, %u overlapping, %u stale, "
            "%u malformed, %u conflicting), %u missing, %.4f s: %.2f M samples/s, CPU %.1f ns/sample",
            dev->label, c->samples, c->meta.channel_count, c->datagrams, c->duplicates, c->overlaps, c->stale,
            c->malformed, c->conflicts, c->samples - c->received, secs, secs > 0 ? n / secs / 1e6 : 0.0,
            n > 0 ? (double)cpu / n : 0.0);
    return SC_OK;
}
