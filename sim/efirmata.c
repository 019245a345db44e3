/* scopesim's eFirmata board. Every capture is bounded: at most SIM_MAX_FRAMES frames, at
 * most SEND_SECONDS of sending, and datagrams only ever go back to the TOC's sender (the
 * socket is bound to --listen, a loopback address in every test; no broadcast). */
#include "efirmata.h"

#include "efirmata/scale.h"
#include "efirmata/wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIM_MAX_FRAMES (16u << 20)        /* frames per capture: "cap to what fits" */
#define SEND_SECONDS 60                   /* no capture sends for longer */
#define PACKET_DATA 1400                  /* data bytes per TOD: one Ethernet frame */
#define LEGACY_FRAMES 309                 /* the firmware's payload passes 1231 bytes at 309 frames */
#define LEGACY_STRAY 8                    /* its IP/UDP lengths assume a 20-byte TOD header */
#define LEGACY_RATE 38400                 /* what its metadata claims */
#define STALE_PACKETS 3
#define DUMP_MAX_FRAMES (4u << 20)
#define TRIGGER_SCAN_PERIODS 8            /* signals are periodic: no edge in 8 periods, none ever */
#define MAX_DATAGRAM (SC_EFIRMATA_TOD_HEADER + PACKET_DATA + LEGACY_STRAY + 64)

typedef struct channel_signal {
    uint32_t period;      /* samples */
    uint8_t *bytes;       /* one period of big-endian codes */
    double *codes;        /* the same codes as numbers, for the trigger */
    size_t size;          /* bytes per code */
} channel_signal;

typedef struct device {
    sim_efirmata_config cfg;
    int fd;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    sc_efirmata_meta meta;
    uint8_t tom[SC_EFIRMATA_TOM_HEADER + SIM_EFIRMATA_MAX_CHANNELS * SC_EFIRMATA_REFERENCE_DESCRIPTOR];
    size_t tom_len;
    size_t offsets[SIM_EFIRMATA_MAX_CHANNELS];
    size_t stride;
    uint32_t per_packet;
    channel_signal signals[SIM_EFIRMATA_MAX_CHANNELS];
    uint64_t clock;       /* free-running sample counter */
    unsigned tocs;
    unsigned captures;
    bool have_prev;
    uint64_t prev_t0;
    uint32_t prev_count;
} device;

static device dev = { .fd = -1 };

/* ---- configuration ---- */

void sim_efirmata_config_init(sim_efirmata_config *cfg)
{
    *cfg = (sim_efirmata_config){
        .port = SC_EFIRMATA_PORT,
        .channels = 4,
        .types = "B",
        .units = "V",
        .real_type = 'f',
        .rate = 100000,
        .step_type = 'd',
    };
}

static int parse_faults(sim_efirmata_config *cfg, const char *list)
{
    static const struct {
        const char *name;
        unsigned bit;
    } faults[] = { { "drop", SIM_EF_FAULT_DROP },         { "duplicate", SIM_EF_FAULT_DUPLICATE },
                   { "reorder", SIM_EF_FAULT_REORDER },   { "truncate", SIM_EF_FAULT_TRUNCATE },
                   { "stale", SIM_EF_FAULT_STALE },       { "lose-tom", SIM_EF_FAULT_LOSE_TOM } };
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < sizeof faults / sizeof faults[0] && strcmp(faults[i].name, tok) != 0)
            i++;
        if (i == sizeof faults / sizeof faults[0]) {
            fprintf(stderr, "scopesim: unknown eFirmata fault \"%s\" (known: drop, duplicate, reorder, truncate, "
                            "stale, lose-tom)\n", tok);
            return -1;
        }
        cfg->faults |= faults[i].bit;
    }
    return 0;
}

static int parse_letters(char *dst, const char *arg, bool struct_letters, const char *what)
{
    size_t n = 0;
    for (const char *p = arg; *p; p++) {
        if (*p == ',')
            continue;
        bool ok = struct_letters ? sc_efirmata_type_size(*p) > 0 : (*p > 0x20 && *p < 0x7f);
        if (!ok || n >= SIM_EFIRMATA_MAX_CHANNELS) {
            fprintf(stderr, "scopesim: --efirmata-%s takes up to %d %s, e.g. B,h,f (got \"%s\")\n", what,
                    SIM_EFIRMATA_MAX_CHANNELS, struct_letters ? "struct letters (b B h H i I l L q Q f d)" : "symbols",
                    arg);
            return -1;
        }
        dst[n++] = *p;
    }
    dst[n] = '\0';
    if (n == 0) {
        fprintf(stderr, "scopesim: --efirmata-%s is empty\n", what);
        return -1;
    }
    return 0;
}

static int parse_number(const char *arg, double lo, double hi, double *out, const char *what)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "scopesim: --efirmata-%s takes a number from %g to %g (got \"%s\")\n", what, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

int sim_efirmata_option(sim_efirmata_config *cfg, const char *name, const char *arg)
{
    double v;
    cfg->enabled = true;
    if (strcmp(name, "efirmata") == 0)
        return 0;
    name += strlen("efirmata-");
    if (strcmp(name, "legacy") == 0)
        cfg->legacy = true;
    else if (strcmp(name, "inv") == 0)
        cfg->inverse = true;
    else if (strcmp(name, "pace") == 0)
        cfg->pace = true;
    else if (strcmp(name, "dump") == 0)
        cfg->dump_path = arg;
    else if (strcmp(name, "fault") == 0)
        return parse_faults(cfg, arg);
    else if (strcmp(name, "types") == 0)
        return parse_letters(cfg->types, arg, true, "types");
    else if (strcmp(name, "units") == 0)
        return parse_letters(cfg->units, arg, false, "units");
    else if (strcmp(name, "real-type") == 0 || strcmp(name, "step-type") == 0) {
        if (strlen(arg) != 1 || sc_efirmata_type_size(arg[0]) == 0) {
            fprintf(stderr, "scopesim: --efirmata-%s takes one struct letter (b B h H i I l L q Q f d)\n", name);
            return -1;
        }
        *(name[0] == 'r' ? &cfg->real_type : &cfg->step_type) = arg[0];
    } else if (strcmp(name, "port") == 0) {
        if (parse_number(arg, 0, 65535, &v, name))
            return -1;
        cfg->port = (uint16_t)v;
    } else if (strcmp(name, "channels") == 0) {
        if (parse_number(arg, 1, SIM_EFIRMATA_MAX_CHANNELS, &v, name))
            return -1;
        cfg->channels = (int)v;
    } else if (strcmp(name, "rate") == 0) {
        if (parse_number(arg, 1e-3, 1e12, &v, name))
            return -1;
        cfg->rate = v;
    } else if (strcmp(name, "scale") == 0) {
        char tail;
        if (sscanf(arg, "%lf:%lf:%lf:%lf%c", &cfg->data_a, &cfg->real_a, &cfg->data_b, &cfg->real_b, &tail) != 4 ||
            cfg->data_a == cfg->data_b) {
            fprintf(stderr, "scopesim: --efirmata-scale takes DATA_A:REAL_A:DATA_B:REAL_B with two different codes, "
                            "e.g. 0:0:255:3.3\n");
            return -1;
        }
        cfg->scale_given = true;
    } else {
        fprintf(stderr, "scopesim: unknown option --efirmata-%s\n", name);
        return -1;
    }
    return 0;
}

/* ---- metadata ---- */

/* Default two points of a datatype: unsigned codes 0..max(<=65535) span 0..3.3 V, signed
 * 0..max(<=32767) span 0..1.65 V, float codes are the real value. */
static void default_scale(char type, double *da, double *ra, double *db, double *rb)
{
    *da = 0;
    *ra = 0;
    if (sc_efirmata_type_is_float(type)) {
        *db = 1;
        *rb = 1;
    } else if (sc_efirmata_type_is_signed(type)) {
        *db = fmin(ldexp(1, (int)sc_efirmata_type_size(type) * 8 - 1) - 1, 32767);
        *rb = 1.65;
    } else {
        *db = fmin(ldexp(1, (int)sc_efirmata_type_size(type) * 8) - 1, 65535);
        *rb = 3.3;
    }
}

static int make_channel(const sim_efirmata_config *cfg, int i, sc_efirmata_channel *ch)
{
    sc_error err;
    char type = cfg->legacy ? 'B' : cfg->types[(size_t)i % strlen(cfg->types)];
    char real = cfg->legacy ? 'f' : cfg->real_type;
    double da, ra, db, rb;
    default_scale(type, &da, &ra, &db, &rb);
    if (cfg->scale_given && !cfg->legacy) {
        da = cfg->data_a;
        ra = cfg->real_a;
        db = cfg->data_b;
        rb = cfg->real_b;
    }
    *ch = (sc_efirmata_channel){
        .units = cfg->legacy ? 'V' : cfg->units[(size_t)i % strlen(cfg->units)],
        .data_type = type,
        .real_type = real,
        .scale_type = 1,
        .error_type = cfg->legacy ? (uint8_t)('Q' + i) : 0, /* the firmware's "random stuff" */
    };
    if (sc_efirmata_num_from_double(type, da, &ch->data_a, &err) != SC_OK ||
        sc_efirmata_num_from_double(type, db, &ch->data_b, &err) != SC_OK ||
        sc_efirmata_num_from_double(real, ra, &ch->real_a, &err) != SC_OK ||
        sc_efirmata_num_from_double(real, rb, &ch->real_b, &err) != SC_OK) {
        fprintf(stderr, "scopesim: eFirmata channel %d scale: %s\n", i, err.message);
        return -1;
    }
    if (sc_efirmata_type_size(type) > 4) {
        fprintf(stderr, "scopesim: eFirmata channel %d: datatype %s does not fit the 4-byte dataVal and threshold "
                        "fields; use a type of 4 bytes or less\n", i, sc_efirmata_type_describe(type));
        return -1;
    }
    return 0;
}

static int build_meta(device *d)
{
    const sim_efirmata_config *cfg = &d->cfg;
    sc_efirmata_meta *m = &d->meta;
    sc_error err;
    memset(m, 0, sizeof *m);
    m->domain_unit = 's';
    m->channel_count = (uint8_t)(cfg->legacy ? 4 : cfg->channels);
    m->descriptor_size = SC_EFIRMATA_REFERENCE_DESCRIPTOR;
    m->inverse = cfg->legacy || cfg->inverse;
    char step_type = cfg->legacy ? 'H' : cfg->step_type;
    double rate = cfg->legacy ? LEGACY_RATE : cfg->rate;
    double step = m->inverse ? rate : 1.0 / rate;
    if (sc_efirmata_num_from_double(step_type, step, &m->step, &err) != SC_OK ||
        sc_efirmata_num_to_double(m->step) <= 0) {
        fprintf(stderr, "scopesim: eFirmata step %g does not fit datatype %s as a positive value (try "
                        "--efirmata-step-type d, or --efirmata-inv for samples per second)\n",
                step, sc_efirmata_type_describe(step_type));
        return -1;
    }
    for (int i = 0; i < m->channel_count; i++)
        if (make_channel(cfg, i, &m->channels[i]) != 0)
            return -1;
    d->stride = sc_efirmata_frame_layout(m, d->offsets);
    if (d->stride > 255) {
        fprintf(stderr, "scopesim: eFirmata frames of %zu bytes do not fit the TOD's 1-byte bytesPerSample; use "
                        "fewer or smaller channels\n", d->stride);
        return -1;
    }
    d->per_packet = cfg->legacy ? LEGACY_FRAMES : (uint32_t)(PACKET_DATA / d->stride);
    if (sc_efirmata_tom_encode(m, d->tom, sizeof d->tom, &d->tom_len, &err) != SC_OK) {
        fprintf(stderr, "scopesim: eFirmata TOM: %s\n", err.message);
        return -1;
    }
    return 0;
}

/* ---- signals: one period of codes per channel, computed once ---- */

static double waveform(int ch, uint32_t i, uint32_t period)
{
    double phase = (double)i / period;
    switch (ch % 4) {
    case 0: return 0.5 + 0.45 * sin(2 * M_PI * phase);
    case 1: return phase < 0.5 ? 0.85 : 0.15;
    case 2: return phase < 0.5 ? 0.1 + 1.6 * phase : 1.7 - 1.6 * phase;
    default: { /* a sawtooth with a little deterministic noise */
        uint32_t h = (i + 1) * 2654435761u;
        return 0.1 + 0.8 * phase + ((double)(h >> 24) / 255.0 - 0.5) * 0.02;
    }
    }
}

/* The codes the channel's signal spans: its whole code range, capped so that wide types
 * still give a visible wave with the default scales. */
static void code_span(char type, double *lo, double *hi)
{
    if (sc_efirmata_type_is_float(type)) {
        *lo = -1;
        *hi = 1;
    } else if (sc_efirmata_type_is_signed(type)) {
        *lo = fmax(-ldexp(1, (int)sc_efirmata_type_size(type) * 8 - 1), -32768);
        *hi = fmin(ldexp(1, (int)sc_efirmata_type_size(type) * 8 - 1) - 1, 32767);
    } else {
        *lo = 0;
        *hi = fmin(ldexp(1, (int)sc_efirmata_type_size(type) * 8) - 1, 65535);
    }
}

static int build_signals(device *d)
{
    for (int ch = 0; ch < d->meta.channel_count; ch++) {
        channel_signal *s = &d->signals[ch];
        char type = d->meta.channels[ch].data_type;
        s->period = 128 + 40 * (uint32_t)ch;
        s->size = sc_efirmata_type_size(type);
        s->bytes = malloc(s->period * s->size);
        s->codes = malloc(s->period * sizeof *s->codes);
        if (!s->bytes || !s->codes)
            return -1;
        double lo, hi;
        code_span(type, &lo, &hi);
        for (uint32_t i = 0; i < s->period; i++) {
            sc_efirmata_num n;
            sc_error err;
            double code = lo + waveform(ch, i, s->period) * (hi - lo);
            if (sc_efirmata_num_from_double(type, code, &n, &err) != SC_OK)
                return -1;
            sc_efirmata_put_field(s->bytes + i * s->size, s->size, n);
            s->codes[i] = sc_efirmata_num_to_double(n);
        }
    }
    return 0;
}

static double code_at(const device *d, int ch, uint64_t t)
{
    return d->signals[ch].codes[t % d->signals[ch].period];
}

static void frame_at(const device *d, uint64_t t, uint8_t *out)
{
    for (int ch = 0; ch < d->meta.channel_count; ch++) {
        const channel_signal *s = &d->signals[ch];
        memcpy(out + d->offsets[ch], s->bytes + (t % s->period) * s->size, s->size);
    }
}

/* ---- one capture ---- */

typedef struct capture_plan {
    int mode;
    int channel;         /* descriptor index, -1 when the TOC named none we have */
    double threshold;    /* code */
    uint32_t count;      /* frames to send */
    uint64_t t0;         /* first frame on the sample clock */
    bool triggered;
} capture_plan;

typedef struct lost_ranges {
    uint32_t first[4096], last[4096];
    int n;
} lost_ranges;

static void lose(lost_ranges *l, uint32_t first, uint32_t last)
{
    if (l->n > 0 && l->last[l->n - 1] + 1 == first) {
        l->last[l->n - 1] = last;
        return;
    }
    if (l->n < 4096) {
        l->first[l->n] = first;
        l->last[l->n] = last;
        l->n++;
    }
}

/* The firmware's rule: three non-decreasing samples, the last at or below the level, then
 * one above it (falling mirrored). The capture starts at that sample. */
static bool find_trigger(const device *d, capture_plan *p)
{
    uint64_t limit = (uint64_t)d->signals[p->channel].period * TRIGGER_SCAN_PERIODS + 4;
    for (uint64_t t = d->clock + 3; t < d->clock + limit; t++) {
        double a = code_at(d, p->channel, t - 3), b = code_at(d, p->channel, t - 2);
        double c = code_at(d, p->channel, t - 1), v = code_at(d, p->channel, t);
        bool fire = p->mode == SC_EFIRMATA_TRIGGER_RISING ? (a <= b && b <= c && c <= p->threshold && v > p->threshold)
                                                          : (a >= b && b >= c && c >= p->threshold && v < p->threshold);
        if (fire) {
            p->t0 = t;
            return true;
        }
    }
    return false;
}

/* Read the TOC the way this device does: the firmware's way in legacy mode. */
static bool plan_capture(const device *d, const sc_efirmata_toc *toc, capture_plan *p)
{
    *p = (capture_plan){ .mode = toc->mode, .channel = -1, .t0 = d->clock };
    if (d->cfg.legacy) {
        p->count = (uint16_t)toc->samples; /* the firmware's uint16 */
        for (int i = 0; i < 4; i++)
            if (sc_efirmata_adc_number(i) == toc->channel)
                p->channel = i;
        p->threshold = toc->threshold[3]; /* the low byte of the big-endian u32 */
    } else {
        p->count = toc->samples > SIM_MAX_FRAMES ? SIM_MAX_FRAMES : toc->samples;
        if (toc->channel < d->meta.channel_count)
            p->channel = toc->channel;
        if (p->mode != SC_EFIRMATA_TRIGGER_NOW) {
            sc_efirmata_num n;
            sc_error err;
            if (p->channel < 0) {
                sc_info("scopesim: eFirmata TOC names channel %u of %u: ignored", toc->channel,
                        d->meta.channel_count);
                return false;
            }
            if (sc_efirmata_toc_threshold(toc, d->meta.channels[p->channel].data_type, &n, &err) != SC_OK) {
                sc_info("scopesim: %s: TOC ignored", err.message);
                return false;
            }
            p->threshold = sc_efirmata_num_to_double(n);
        }
    }
    if (p->mode == SC_EFIRMATA_TRIGGER_NOW)
        p->triggered = true;
    else if (p->channel >= 0)
        p->triggered = find_trigger(d, p);
    return true;
}

static void send_to(const device *d, const uint8_t *buf, size_t len, const struct sockaddr *peer, socklen_t plen)
{
    for (int tries = 0; tries < 3; tries++) { /* bounded: EINTR or a full send queue */
        if (sendto(d->fd, buf, len, 0, peer, plen) >= 0)
            return;
        if (errno != EINTR && errno != ENOBUFS && errno != EAGAIN)
            return;
    }
}

/* Build TOD k of a capture that starts at t0 on the clock; returns the datagram length. */
static size_t build_tod(const device *d, uint64_t t0, uint32_t count, uint32_t k, uint8_t *buf, uint32_t *first,
                        uint32_t *frames)
{
    *first = k * d->per_packet;
    *frames = count - *first < d->per_packet ? count - *first : d->per_packet;
    sc_efirmata_tod tod = { .bytes_per_sample = (uint8_t)d->stride, .total_samples = (uint16_t)*frames,
                            .start = *first };
    sc_efirmata_tod_encode_header(&tod, buf);
    uint8_t *data = buf + SC_EFIRMATA_TOD_HEADER;
    for (uint32_t i = 0; i < *frames; i++)
        frame_at(d, t0 + *first + i, data + (size_t)i * d->stride);
    size_t len = SC_EFIRMATA_TOD_HEADER + (size_t)*frames * d->stride;
    if (d->cfg.legacy) { /* the firmware's eight bytes past the data */
        memset(buf + len, 0, LEGACY_STRAY);
        len += LEGACY_STRAY;
    }
    return len;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pace(const device *d, int64_t start, uint32_t first)
{
    if (!d->cfg.pace)
        return;
    int64_t due = start + (int64_t)((double)first / (d->cfg.legacy ? LEGACY_RATE : d->cfg.rate) * 1e9);
    int64_t wait = due - now_ns();
    if (wait > 0) {
        struct timespec ts = { .tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000 };
        nanosleep(&ts, NULL);
    }
}

/* A few TODs of the previous capture (or of an imagined one before the first). */
static void send_stale(device *d, const struct sockaddr *peer, socklen_t plen, unsigned packets)
{
    uint64_t t0 = d->have_prev ? d->prev_t0 : d->clock + 12345;
    uint32_t count = d->have_prev ? d->prev_count : 3 * d->per_packet;
    uint8_t buf[MAX_DATAGRAM];
    for (uint32_t k = 0; k < packets && k * d->per_packet < count; k++) {
        uint32_t first, frames;
        size_t len = build_tod(d, t0, count, k, buf, &first, &frames);
        send_to(d, buf, len, peer, plen);
    }
}

/* Send the TODs with the configured faults; records what the client cannot receive. */
static void send_tods(device *d, const capture_plan *p, const struct sockaddr *peer, socklen_t plen, lost_ranges *lost)
{
    unsigned f = d->cfg.faults;
    uint32_t packets = p->count ? (p->count - 1) / d->per_packet + 1 : 0;
    uint8_t buf[MAX_DATAGRAM], held[MAX_DATAGRAM];
    size_t held_len = 0;
    int64_t start = now_ns();
    for (uint32_t k = 0; k < packets && !atomic_load(&d->stop); k++) {
        if (now_ns() - start > (int64_t)SEND_SECONDS * 1000000000) {
            sc_warn("scopesim: eFirmata capture cut after %d s of sending", SEND_SECONDS);
            lose(lost, k * d->per_packet, p->count - 1);
            break;
        }
        uint32_t first, frames;
        pace(d, start, k * d->per_packet);
        size_t len = build_tod(d, p->t0, p->count, k, buf, &first, &frames);
        if ((f & SIM_EF_FAULT_DROP) && (k % 4 == 1 || (k + 1 == packets && k > 0))) {
            lose(lost, first, first + frames - 1);
            continue;
        }
        if ((f & SIM_EF_FAULT_TRUNCATE) && k % 3 == 2) {
            len = SC_EFIRMATA_TOD_HEADER + (size_t)frames * d->stride / 2;
            lose(lost, first, first + frames - 1);
        }
        if ((f & SIM_EF_FAULT_REORDER) && k % 2 == 0 && k + 1 < packets && held_len == 0) {
            memcpy(held, buf, len);
            held_len = len;
            continue;
        }
        send_to(d, buf, len, peer, plen);
        if ((f & SIM_EF_FAULT_DUPLICATE) && k % 2 == 0)
            send_to(d, buf, len, peer, plen);
        if (held_len) {
            send_to(d, held, held_len, peer, plen);
            held_len = 0;
        }
    }
    if (held_len)
        send_to(d, held, held_len, peer, plen);
}

static void dump_capture(const device *d, const capture_plan *p, const lost_ranges *lost)
{
    if (!d->cfg.dump_path)
        return;
    FILE *f = fopen(d->cfg.dump_path, "a");
    if (!f) {
        sc_warn("scopesim: cannot append to %s: %s", d->cfg.dump_path, strerror(errno));
        return;
    }
    const sc_efirmata_meta *m = &d->meta;
    fprintf(f, "{\"capture\": %u, \"mode\": \"%s\", \"channel\": %d, \"threshold\": %.17g, \"t0\": %llu, "
               "\"samples\": %u, \"channels\": %u, \"per_packet\": %u, \"types\": \"",
            d->captures, sc_efirmata_trigger_name((sc_efirmata_trigger)p->mode), p->channel,
            p->mode == SC_EFIRMATA_TRIGGER_NOW ? 0.0 : p->threshold, (unsigned long long)p->t0, p->count,
            m->channel_count, d->per_packet);
    for (int ch = 0; ch < m->channel_count; ch++)
        fputc(m->channels[ch].data_type, f);
    fprintf(f, "\", \"lost\": [");
    for (int i = 0; i < lost->n; i++)
        fprintf(f, "%s[%u, %u]", i ? ", " : "", lost->first[i], lost->last[i]);
    fprintf(f, "], \"before\": [");
    int trig = p->channel >= 0 ? p->channel : 0;
    for (int i = 3; i >= 1; i--)
        fprintf(f, "%.9g%s", p->t0 >= (uint64_t)i ? code_at(d, trig, p->t0 - (uint64_t)i) : 0.0, i > 1 ? ", " : "");
    uint32_t n = p->count < DUMP_MAX_FRAMES ? p->count : DUMP_MAX_FRAMES;
    fprintf(f, "], \"codes_truncated\": %s, \"codes\": [", n < p->count ? "true" : "false");
    for (int ch = 0; ch < m->channel_count; ch++) {
        fputs(ch ? ", [" : "[", f);
        for (uint32_t i = 0; i < n; i++)
            fprintf(f, i ? ",%.9g" : "%.9g", code_at(d, ch, p->t0 + i));
        fputc(']', f);
    }
    fprintf(f, "]}\n");
    fclose(f);
}

static void answer_toc(device *d, const sc_efirmata_toc *toc, const struct sockaddr *peer, socklen_t plen)
{
    if (toc->mode == SC_EFIRMATA_TRIGGER_OFF || toc->mode == SC_EFIRMATA_TRIGGER_CONTINUOUS)
        return; /* the firmware stops, and treats 4 as OFF */
    capture_plan p;
    if (!plan_capture(d, toc, &p))
        return;
    if (d->cfg.faults & SIM_EF_FAULT_STALE)
        send_stale(d, peer, plen, STALE_PACKETS);
    send_to(d, d->tom, d->tom_len, peer, plen);
    if (!p.triggered || p.count == 0) {
        sc_info("scopesim: eFirmata %s capture: %s", sc_efirmata_trigger_name((sc_efirmata_trigger)p.mode),
                p.count == 0 ? "0 samples asked (after the firmware's 16-bit cut)" : "the trigger never fires");
        return;
    }
    d->captures++;
    lost_ranges *lost = calloc(1, sizeof *lost);
    if (!lost)
        return;
    send_tods(d, &p, peer, plen, lost);
    sc_info("scopesim: eFirmata capture %u: %s, %u frames from t=%llu, %d range%s lost", d->captures,
            sc_efirmata_trigger_name((sc_efirmata_trigger)p.mode), p.count, (unsigned long long)p.t0, lost->n,
            lost->n == 1 ? "" : "s");
    dump_capture(d, &p, lost);
    d->have_prev = true;
    d->prev_t0 = p.t0;
    d->prev_count = p.count;
    d->clock = p.t0 + p.count + 1000; /* time passes between captures */
    if (d->cfg.faults & SIM_EF_FAULT_STALE) /* late copies of this one: the client's next drain eats them */
        send_stale(d, peer, plen, 2);
    free(lost);
}

static void *device_thread(void *arg)
{
    device *d = arg;
    uint8_t buf[2048];
    while (!atomic_load(&d->stop)) {
        struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        ssize_t n = recvfrom(d->fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
        if (n < 0)
            continue;
        sc_efirmata_toc toc;
        sc_error err;
        if (sc_efirmata_toc_decode(buf, (size_t)n, &toc, &err) != SC_OK) {
            sc_info("scopesim: eFirmata: ignored a datagram: %s", err.message);
            continue;
        }
        d->tocs++;
        sc_debug("scopesim: eFirmata TOC %u: mode %u channel %u samples %u", d->tocs, toc.mode, toc.channel,
                 toc.samples);
        if ((d->cfg.faults & SIM_EF_FAULT_LOSE_TOM) && d->tocs == 1) {
            sc_info("scopesim: eFirmata: ignoring the first TOC (fault lose-tom)");
            continue;
        }
        answer_toc(d, &toc, (struct sockaddr *)&peer, plen);
    }
    return NULL;
}

static int bind_udp(const char *addr, uint16_t port)
{
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
    struct addrinfo *ai = NULL;
    if (getaddrinfo(addr, service, &hints, &ai) != 0)
        return -1;
    int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int e = errno;
        close(fd);
        fd = -1;
        errno = e;
    }
    freeaddrinfo(ai);
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

int sim_efirmata_start(const sim_efirmata_config *cfg, const char *addr)
{
    dev.cfg = *cfg;
    if (build_meta(&dev) != 0 || build_signals(&dev) != 0)
        return -1;
    dev.fd = bind_udp(addr, cfg->port);
    if (dev.fd < 0) {
        fprintf(stderr, "scopesim: cannot bind UDP %s port %u for eFirmata: %s (in use? try another --listen "
                        "address or --efirmata-port)\n", addr, cfg->port, strerror(errno));
        return -1;
    }
    atomic_store(&dev.stop, false);
    if (pthread_create(&dev.thread, NULL, device_thread, &dev) != 0) {
        fprintf(stderr, "scopesim: cannot start the eFirmata thread\n");
        close(dev.fd);
        dev.fd = -1;
        return -1;
    }
    dev.started = true;
    printf("listening efirmata %s:%d%s\n", addr, bound_port(dev.fd), cfg->legacy ? " (legacy firmware)" : "");
    fflush(stdout);
    return 0;
}

void sim_efirmata_stop(void)
{
    if (!dev.started)
        return;
    atomic_store(&dev.stop, true);
    pthread_join(dev.thread, NULL);
    close(dev.fd);
    dev.fd = -1;
    dev.started = false;
    for (int ch = 0; ch < SIM_EFIRMATA_MAX_CHANNELS; ch++) {
        free(dev.signals[ch].bytes);
        free(dev.signals[ch].codes);
        dev.signals[ch].bytes = NULL;
        dev.signals[ch].codes = NULL;
    }
}
