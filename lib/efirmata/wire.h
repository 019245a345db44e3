/* eFirmata oscilloscope wire codec: TOC, TOM, channel descriptors and TOD headers.
 * Pure functions, no I/O. Every multi-byte field is big-endian; values of a struct datatype
 * sit right-aligned in their reserved-width field (docs/efirmata.md 3.6 item 3). */
#ifndef SC_EFIRMATA_WIRE_H
#define SC_EFIRMATA_WIRE_H

#include "scopecap/efirmata.h"

#define SC_EFIRMATA_TOC_SIZE 28
#define SC_EFIRMATA_TOM_HEADER 16
#define SC_EFIRMATA_TOD_HEADER 12
#define SC_EFIRMATA_DESCRIPTOR_MIN 32 /* the fields we read end at offset 32 */
#define SC_EFIRMATA_REFERENCE_DESCRIPTOR 64

/* ---- struct datatypes ---- */
/* Size in bytes of a struct letter (standard sizes: l/L are 4), 0 when it is not one. */
size_t sc_efirmata_type_size(char type);
bool sc_efirmata_type_is_float(char type);
bool sc_efirmata_type_is_signed(char type);
/* "'B' (unsigned 8-bit)" style description for messages. */
const char *sc_efirmata_type_describe(char type);

double sc_efirmata_num_to_double(sc_efirmata_num n);
/* The number of `type` nearest to v (integers rounded); fails when v does not fit. */
sc_status sc_efirmata_num_from_double(char type, double v, sc_efirmata_num *out, sc_error *err);
/* Read a big-endian value of `type` from p (sizeof(type) bytes). */
sc_efirmata_num sc_efirmata_num_read(char type, const uint8_t *p);
/* Decode one sample straight to a double (the hot path of every export). */
double sc_efirmata_sample_to_double(char type, const uint8_t *p);
/* Write n right-aligned in a field of `width` bytes, zeros in front; false when it does not fit. */
bool sc_efirmata_put_field(uint8_t *field, size_t width, sc_efirmata_num n);
/* Read a value of `type` right-aligned in a field of `width` bytes; false when it cannot fit. */
bool sc_efirmata_get_field(const uint8_t *field, size_t width, char type, sc_efirmata_num *out);

/* ---- TOC: PC -> board, 28 bytes ---- */
typedef struct sc_efirmata_toc {
    uint8_t version;
    uint32_t flags;
    uint8_t mode;           /* sc_efirmata_trigger */
    uint8_t channel;        /* descriptor index, or ADC number 1, 2, 4, 5 for the firmware */
    char threshold_type;    /* struct letter of threshold[] (the firmware ignores it) */
    uint8_t reserved;
    uint8_t threshold[4];   /* value right-aligned in threshold_type */
    uint32_t samples;
} sc_efirmata_toc;

/* Set threshold_type and threshold[] from a value; types wider than 4 bytes do not fit. */
sc_status sc_efirmata_toc_set_threshold(sc_efirmata_toc *toc, sc_efirmata_num value, sc_error *err);
void sc_efirmata_toc_encode(const sc_efirmata_toc *toc, uint8_t out[SC_EFIRMATA_TOC_SIZE]);
sc_status sc_efirmata_toc_decode(const uint8_t *p, size_t len, sc_efirmata_toc *out, sc_error *err);
/* The threshold as a code of the trigger channel's data type: sent in that type, or as an
 * unsigned 'L'/'I' integer as the Python client does (docs 3.6 item 6). */
sc_status sc_efirmata_toc_threshold(const sc_efirmata_toc *toc, char data_type, sc_efirmata_num *out,
                                    sc_error *err);

/* ---- channel descriptor ---- */
sc_status sc_efirmata_channel_encode(const sc_efirmata_channel *ch, uint8_t *out, size_t size, sc_error *err);
/* `index` is only for messages. *junk_error_type is set when the error type byte is not 0. */
sc_status sc_efirmata_channel_decode(const uint8_t *p, size_t size, int index, sc_efirmata_channel *out,
                                     bool *junk_error_type, sc_error *err);

/* ---- TOM: board -> PC, 16 + N * D bytes ---- */
/* Encoded size of a TOM, 0 when the counts are impossible. */
size_t sc_efirmata_tom_size(const sc_efirmata_meta *m);
sc_status sc_efirmata_tom_encode(const sc_efirmata_meta *m, uint8_t *out, size_t cap, size_t *len, sc_error *err);
/* *trailing: bytes after the last descriptor (tolerated). */
sc_status sc_efirmata_tom_decode(const uint8_t *p, size_t len, sc_efirmata_meta *out, size_t *trailing,
                                 unsigned *quirks, sc_error *err);

/* ---- TOD: board -> PC, 12-byte header + data ---- */
typedef struct sc_efirmata_tod {
    uint8_t version;
    uint8_t bytes_per_sample;
    uint8_t pad;
    uint16_t total_samples;   /* frames in this packet */
    uint32_t start;           /* index of the first frame */
    const uint8_t *data;      /* decode: points into the datagram */
    size_t data_len;          /* stride * total_samples */
    size_t trailing;          /* bytes after the data (the firmware's 8 stray bytes) */
} sc_efirmata_tod;

void sc_efirmata_tod_encode_header(const sc_efirmata_tod *tod, uint8_t out[SC_EFIRMATA_TOD_HEADER]);
/* `stride` is the frame size in bytes; 0 means take bytes_per_sample as the stride. */
sc_status sc_efirmata_tod_decode(const uint8_t *p, size_t len, size_t stride, sc_efirmata_tod *out, sc_error *err);

/* Frame stride for a TOD's bytesPerSample under a TOM (docs 3.6 item 2): the sum of the
 * channels' sample sizes, which is what bytesPerSample means in the firmware; or, when every
 * channel has the same type and bytesPerSample is that one size, per channel. */
sc_status sc_efirmata_frame_stride(const sc_efirmata_meta *m, uint8_t bytes_per_sample, size_t *stride,
                                   unsigned *quirks, sc_error *err);
/* Sum of the channels' data sizes, and each channel's offset inside a frame. */
size_t sc_efirmata_frame_layout(const sc_efirmata_meta *m, size_t *offsets);

/* Does this TOM look like the mfassler reference firmware (4 x 'B', 64-byte descriptors,
 * u16 step with INV)? Then the trigger channel is an LPC ADC number. */
bool sc_efirmata_is_reference_firmware(const sc_efirmata_meta *m);
/* ADC channel number the firmware expects for descriptor index i (1, 2, 4, 5). */
uint8_t sc_efirmata_adc_number(int index);

#endif
