/* eFirmata "Oscilloscope over UDP" (port 2117): microcontroller scopes on Ethernet.
 *
 * The PC sends a TOC (Triggered Oscilloscope Command); the board answers one TOM (metadata:
 * the time step and one descriptor per channel) and a train of TOD packets, each carrying
 * whole frames (one sample of every channel) and the index of its first frame. UDP has no
 * request id, so a capture is told from stale traffic by draining first, by ignoring data
 * that comes before the TOM, and by checking every packet against the TOM.
 *
 * Samples are kept exactly as they travelled (big-endian codes, frame after frame), so the
 * codes a caller reads are the codes the board sent; volts come from each channel's own
 * two-point scale. See docs/efirmata.md for the wire format and the firmware's quirks. */
#ifndef SCOPECAP_EFIRMATA_H
#define SCOPECAP_EFIRMATA_H

#include "scopecap/core.h"
#include "scopecap/image.h"
#include "scopecap/resource.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SC_EFIRMATA_PORT 2117
#define SC_EFIRMATA_MAX_CHANNELS 255

typedef enum sc_efirmata_trigger {
    SC_EFIRMATA_TRIGGER_OFF = 0,
    SC_EFIRMATA_TRIGGER_NOW = 1,
    SC_EFIRMATA_TRIGGER_RISING = 2,
    SC_EFIRMATA_TRIGGER_FALLING = 3,
    SC_EFIRMATA_TRIGGER_CONTINUOUS = 4, /* defined by the protocol, not implemented by firmware */
} sc_efirmata_trigger;

/* A number in one of Python's struct datatypes (b B h H i I l L q Q f d, standard sizes):
 * `bits` holds the value as it travels, two's complement or IEEE 754, in the low bytes. */
typedef struct sc_efirmata_num {
    char type;
    uint64_t bits;
} sc_efirmata_num;

/* One channel descriptor of a TOM. */
typedef struct sc_efirmata_channel {
    char units;          /* NIST symbol, e.g. 'V' */
    char data_type;      /* type of the samples in TODs */
    char real_type;      /* type of real_a / real_b */
    uint8_t scale_type;  /* 1 = two-point linear, the only one defined */
    uint8_t error_type;  /* 0 = none; the reference firmware writes 'Q'..'T' */
    sc_efirmata_num data_a, real_a, data_b, real_b;
} sc_efirmata_channel;

/* A TOM: the time axis and the channels. */
typedef struct sc_efirmata_meta {
    uint8_t version;
    bool inverse;            /* INV bit: step is samples per domain unit, not units per sample */
    char domain_unit;        /* 's' */
    sc_efirmata_num step;    /* right-aligned in 8 bytes on the wire */
    uint8_t channel_count;
    uint8_t descriptor_size; /* stride between descriptors on the wire (64 in the firmware) */
    sc_efirmata_channel channels[SC_EFIRMATA_MAX_CHANNELS];
} sc_efirmata_meta;

/* Two-point linear scale: real = real_a + (code - data_a) * (real_b - real_a) / (data_b - data_a). */
typedef struct sc_efirmata_scale {
    double data_a, real_a, data_b, real_b;
} sc_efirmata_scale;

/* Reference-firmware behaviour that was tolerated in a capture (reported once each with -v). */
enum {
    SC_EFIRMATA_QUIRK_STRAY_BYTES = 1 << 0,   /* bytes after the TOD data (8 in the firmware) */
    SC_EFIRMATA_QUIRK_FRAME_STRIDE = 1 << 1,  /* bytesPerSample is the frame stride, not one sample */
    SC_EFIRMATA_QUIRK_CHANNEL_SIZE = 1 << 2,  /* bytesPerSample is one channel's sample size */
    SC_EFIRMATA_QUIRK_ADC_NUMBERS = 1 << 3,   /* trigger channel sent as LPC ADC number 1, 2, 4, 5 */
    SC_EFIRMATA_QUIRK_COUNT_16BIT = 1 << 4,   /* the board cut the sample count to 16 bits */
    SC_EFIRMATA_QUIRK_ERROR_TYPE = 1 << 5,    /* descriptor error type holds junk ('Q', 'R', ...) */
    SC_EFIRMATA_QUIRK_TOM_TRAILING = 1 << 6,  /* bytes after the last descriptor */
};

typedef struct sc_efirmata_capture {
    char device[300];            /* "host:port", for messages */
    sc_efirmata_meta meta;
    sc_efirmata_scale scales[SC_EFIRMATA_MAX_CHANNELS];
    size_t offsets[SC_EFIRMATA_MAX_CHANNELS]; /* byte offset of each channel inside a frame */
    size_t stride;               /* bytes per frame */
    uint8_t tod_bps;             /* bytesPerSample of this capture's TODs (0 until the first) */
    double seconds_per_sample;   /* domain units per sample */

    sc_efirmata_trigger trigger; /* what was asked */
    int trigger_channel;         /* descriptor index */
    double level;                /* in the channel's units (edge triggers) */
    double level_code;           /* the code actually sent */
    uint32_t requested;          /* frames asked for */
    uint32_t samples;            /* frames in this capture */

    uint8_t *frames;             /* samples * stride bytes, exactly as received */
    uint8_t *present;            /* one byte per frame, 1 when it arrived */
    uint32_t received;           /* frames present */

    /* what the datagrams looked like */
    uint32_t datagrams, duplicates, overlaps, stale, malformed, conflicts;
    char first_malformed[SC_ERROR_MAX]; /* why the first bad datagram was refused */
    unsigned quirks;
    int64_t elapsed_ns;          /* TOC sent to last datagram */
} sc_efirmata_capture;

typedef struct sc_efirmata_options {
    sc_efirmata_trigger trigger; /* NOW, RISING or FALLING */
    int channel;                 /* trigger channel: descriptor index 0..N-1 */
    bool level_given;
    double level;                /* in the channel's units; default: middle of its scale */
    uint32_t samples;            /* frames to capture */
    int timeout_ms;              /* whole capture, trigger wait included */
    int tom_wait_ms;             /* resend the TOC when no TOM came within this */
    int retries;                 /* TOC resends */
    int silence_ms;              /* after data started: this long without a datagram ends it */
    bool allow_gaps;             /* keep missing frames as NaN instead of failing */
} sc_efirmata_options;

void sc_efirmata_options_init(sc_efirmata_options *o);
const char *sc_efirmata_trigger_name(sc_efirmata_trigger t);
sc_status sc_efirmata_trigger_parse(const char *name, sc_efirmata_trigger *out, sc_error *err);

/* A board: one UDP socket bound to an ephemeral port and connected to the board, plus what
 * was learnt from earlier captures (the TOM, quirks already reported). */
typedef struct sc_efirmata sc_efirmata;

sc_status sc_efirmata_open(const sc_resource *res, sc_efirmata **out, sc_error *err);
/* One capture: drain, TOC, TOM (resending the TOC when none comes), TODs placed by index.
 * Missing frames fail the capture with their ranges listed, unless allow_gaps. */
sc_status sc_efirmata_acquire(sc_efirmata *dev, const sc_efirmata_options *o, sc_efirmata_capture *c,
                              sc_error *err);
/* Make a capture blocked in this board's sc_efirmata_acquire (waiting for a trigger, a
 * TOM or data) return SC_ERR_CLOSED at once, and every later one too. Safe from another
 * thread and from a signal handler (one write() to an eventfd). */
void sc_efirmata_interrupt(sc_efirmata *dev);
void sc_efirmata_close(sc_efirmata *dev);

void sc_efirmata_capture_init(sc_efirmata_capture *c);
void sc_efirmata_capture_free(sc_efirmata_capture *c);

/* Sample i of a channel: the code as a number, the real value through the scale, and the
 * time of the sample in domain units. Missing frames give NaN. */
double sc_efirmata_code(const sc_efirmata_capture *c, int channel, uint32_t i);
double sc_efirmata_value(const sc_efirmata_capture *c, int channel, uint32_t i);
double sc_efirmata_time(const sc_efirmata_capture *c, uint32_t i);

/* Exports, appended to out. CSV: a time column and one column per channel, units in the
 * header, NaN for missing frames. JSON: metadata, scales, codes and values (null when
 * missing). Binary: the frames as received (missing frames zero-filled). */
sc_status sc_efirmata_write_csv(const sc_efirmata_capture *c, sc_buf *out, sc_error *err);
sc_status sc_efirmata_write_json(const sc_efirmata_capture *c, sc_buf *out, sc_error *err);
sc_status sc_efirmata_write_bin(const sc_efirmata_capture *c, sc_buf *out, sc_error *err);

/* A plot that looks like a scope screen: graticule, a colour per channel, volts/div and
 * time/div. Allocates `out` (sc_raster_free it); also the frame source for live streams. */
sc_status sc_efirmata_render_plot(const sc_efirmata_capture *c, sc_raster *out, int width, int height,
                                  sc_error *err);
/* The colour of channel i's trace in plots. */
sc_rgb sc_efirmata_channel_colour(int channel);

#ifdef __cplusplus
}
#endif
#endif
