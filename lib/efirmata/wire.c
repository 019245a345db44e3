/* eFirmata wire codec. Every decoder checks the length before it reads a field, and every
 * count it multiplies is small enough (u8 x u16 x a few bytes) that size_t cannot overflow. */
#include "efirmata/wire.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char ID_TOKEN[8] = { 'e', 'F', 'i', 'r', 'm', 'a', 't', 'a' };

/* ---- struct datatypes ---- */

size_t sc_efirmata_type_size(char type)
{
    switch (type) {
    case 'b': case 'B': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'l': case 'L': case 'f': return 4;
    case 'q': case 'Q': case 'd': return 8;
    default: return 0;
    }
}

bool sc_efirmata_type_is_float(char type)
{
    return type == 'f' || type == 'd';
}

bool sc_efirmata_type_is_signed(char type)
{
    return type == 'b' || type == 'h' || type == 'i' || type == 'l' || type == 'q';
}

const char *sc_efirmata_type_describe(char type)
{
    switch (type) {
    case 'b': return "'b' (signed 8-bit)";
    case 'B': return "'B' (unsigned 8-bit)";
    case 'h': return "'h' (signed 16-bit)";
    case 'H': return "'H' (unsigned 16-bit)";
    case 'i': return "'i' (signed 32-bit)";
    case 'I': return "'I' (unsigned 32-bit)";
    case 'l': return "'l' (signed 32-bit)";
    case 'L': return "'L' (unsigned 32-bit)";
    case 'q': return "'q' (signed 64-bit)";
    case 'Q': return "'Q' (unsigned 64-bit)";
    case 'f': return "'f' (32-bit float)";
    case 'd': return "'d' (64-bit float)";
    default: return "not a struct letter";
    }
}

/* A letter for messages: the character when printable, else its hex code. */
static const char *letter_text(char c, char buf[8])
{
    unsigned char u = (unsigned char)c;
    if (u >= 0x21 && u <= 0x7e)
        snprintf(buf, 8, "'%c'", c);
    else
        snprintf(buf, 8, "0x%02x", u);
    return buf;
}

static uint64_t low_mask(size_t size)
{
    return size >= 8 ? UINT64_MAX : (((uint64_t)1 << (size * 8)) - 1);
}

double sc_efirmata_num_to_double(sc_efirmata_num n)
{
    switch (n.type) {
    case 'b': return (double)(int8_t)(uint8_t)n.bits;
    case 'B': return (double)(uint8_t)n.bits;
    case 'h': return (double)(int16_t)(uint16_t)n.bits;
    case 'H': return (double)(uint16_t)n.bits;
    case 'i': case 'l': return (double)(int32_t)(uint32_t)n.bits;
    case 'I': case 'L': return (double)(uint32_t)n.bits;
    case 'q': return (double)(int64_t)n.bits;
    case 'Q': return (double)n.bits;
    case 'f': {
        uint32_t u = (uint32_t)n.bits;
        float f;
        memcpy(&f, &u, sizeof f);
        return (double)f;
    }
    case 'd': {
        double d;
        memcpy(&d, &n.bits, sizeof d);
        return d;
    }
    default: return NAN;
    }
}

/* Inclusive range of an integer type, as doubles; the 64-bit upper ends are exclusive
 * (2^63, 2^64) because they are not representable, see integer_fits(). */
static void integer_range(char type, double *lo, double *hi)
{
    size_t bits = sc_efirmata_type_size(type) * 8;
    if (sc_efirmata_type_is_signed(type)) {
        *lo = -ldexp(1.0, (int)bits - 1);
        *hi = ldexp(1.0, (int)bits - 1) - 1.0;
    } else {
        *lo = 0.0;
        *hi = ldexp(1.0, (int)bits) - 1.0;
    }
}

static bool integer_fits(char type, double r)
{
    double lo, hi;
    integer_range(type, &lo, &hi);
    if (sc_efirmata_type_size(type) == 8) /* hi rounded up to 2^63 / 2^64: compare strictly */
        return r >= lo && r < hi;
    return r >= lo && r <= hi;
}

sc_status sc_efirmata_num_from_double(char type, double v, sc_efirmata_num *out, sc_error *err)
{
    char lt[8];
    size_t size = sc_efirmata_type_size(type);
    if (size == 0)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata datatype %s is not a struct letter (b B h H i I l L q Q f d)",
                            letter_text(type, lt));
    if (!isfinite(v))
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata: %g is not a finite number", v);
    out->type = type;
    if (type == 'f') {
        if (fabs(v) > FLT_MAX)
            return sc_error_set(err, SC_ERR_USAGE, "eFirmata: %g does not fit a 32-bit float", v);
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, sizeof u);
        out->bits = u;
        return SC_OK;
    }
    if (type == 'd') {
        memcpy(&out->bits, &v, sizeof v);
        return SC_OK;
    }
    double r = nearbyint(v);
    if (!integer_fits(type, r)) {
        double lo, hi;
        integer_range(type, &lo, &hi);
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata: %g is outside the range of datatype %s (%.0f to %.0f)", v,
                            sc_efirmata_type_describe(type), lo, hi);
    }
    if (sc_efirmata_type_is_signed(type))
        out->bits = (uint64_t)(int64_t)r & low_mask(size);
    else
        out->bits = (uint64_t)r;
    return SC_OK;
}

sc_efirmata_num sc_efirmata_num_read(char type, const uint8_t *p)
{
    sc_efirmata_num n = { .type = type, .bits = 0 };
    size_t size = sc_efirmata_type_size(type);
    for (size_t i = 0; i < size; i++)
        n.bits = (n.bits << 8) | p[i];
    return n;
}

double sc_efirmata_sample_to_double(char type, const uint8_t *p)
{
    /* the one-byte types first: they are what the firmware sends */
    if (type == 'B')
        return (double)p[0];
    if (type == 'b')
        return (double)(int8_t)p[0];
    return sc_efirmata_num_to_double(sc_efirmata_num_read(type, p));
}

bool sc_efirmata_put_field(uint8_t *field, size_t width, sc_efirmata_num n)
{
    size_t size = sc_efirmata_type_size(n.type);
    if (size == 0 || size > width)
        return false;
    memset(field, 0, width - size);
    for (size_t i = 0; i < size; i++)
        field[width - 1 - i] = (uint8_t)(n.bits >> (8 * i));
    return true;
}

bool sc_efirmata_get_field(const uint8_t *field, size_t width, char type, sc_efirmata_num *out)
{
    size_t size = sc_efirmata_type_size(type);
    if (size == 0 || size > width)
        return false;
    *out = sc_efirmata_num_read(type, field + width - size);
    return true;
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- TOC ---- */

sc_status sc_efirmata_toc_set_threshold(sc_efirmata_toc *toc, sc_efirmata_num value, sc_error *err)
{
    size_t size = sc_efirmata_type_size(value.type);
    if (size == 0 || size > 4)
        return sc_error_set(err, SC_ERR_USAGE,
                            "eFirmata TOC: a threshold of datatype %s does not fit the 4-byte threshold field "
                            "(trigger on a channel whose samples are 4 bytes or less)",
                            sc_efirmata_type_describe(value.type));
    toc->threshold_type = value.type;
    sc_efirmata_put_field(toc->threshold, 4, value);
    return SC_OK;
}

void sc_efirmata_toc_encode(const sc_efirmata_toc *toc, uint8_t out[SC_EFIRMATA_TOC_SIZE])
{
    memcpy(out, ID_TOKEN, 8);
    memcpy(out + 8, "TOC", 3);
    out[11] = toc->version;
    put_u32(out + 12, toc->flags);
    out[16] = toc->mode;
    out[17] = toc->channel;
    out[18] = (uint8_t)toc->threshold_type;
    out[19] = toc->reserved;
    memcpy(out + 20, toc->threshold, 4);
    put_u32(out + 24, toc->samples);
}

sc_status sc_efirmata_toc_decode(const uint8_t *p, size_t len, sc_efirmata_toc *out, sc_error *err)
{
    if (len != SC_EFIRMATA_TOC_SIZE)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOC: %zu bytes, a TOC is exactly %d", len,
                            SC_EFIRMATA_TOC_SIZE);
    if (memcmp(p, ID_TOKEN, 8) != 0) {
        char shown[32];
        sc_sanitize_text(shown, sizeof shown, (const char *)p, 8);
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOC: id token \"%s\" is not \"eFirmata\"", shown);
    }
    if (memcmp(p + 8, "TOC", 3) != 0) {
        char shown[16];
        sc_sanitize_text(shown, sizeof shown, (const char *)p + 8, 3);
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOC: sub-token \"%s\" is not \"TOC\"", shown);
    }
    if (p[11] != 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOC: version %u (only 0 is defined)", p[11]);
    if (p[16] > SC_EFIRMATA_TRIGGER_CONTINUOUS)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOC: trigger mode %u (0-4 are defined)", p[16]);
    out->version = p[11];
    out->flags = get_u32(p + 12);
    out->mode = p[16];
    out->channel = p[17];
    out->threshold_type = (char)p[18];
    out->reserved = p[19];
    memcpy(out->threshold, p + 20, 4);
    out->samples = get_u32(p + 24);
    return SC_OK;
}

sc_status sc_efirmata_toc_threshold(const sc_efirmata_toc *toc, char data_type, sc_efirmata_num *out,
                                    sc_error *err)
{
    char lt[8];
    size_t size = sc_efirmata_type_size(data_type);
    if (size == 0 || size > 4)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOC: the trigger channel's datatype %s cannot be compared with a 4-byte threshold",
                            sc_efirmata_type_describe(data_type));
    if (toc->threshold_type == data_type) {
        sc_efirmata_get_field(toc->threshold, 4, data_type, out);
        return SC_OK;
    }
    if (toc->threshold_type == 'L' || toc->threshold_type == 'I') {
        uint32_t raw = get_u32(toc->threshold);
        if (sc_efirmata_num_from_double(data_type, (double)raw, out, err) != SC_OK)
            return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOC: threshold %u (sent as %s) does not fit the channel's %s",
                                raw, sc_efirmata_type_describe(toc->threshold_type),
                                sc_efirmata_type_describe(data_type));
        return SC_OK;
    }
    return sc_error_set(err, SC_ERR_PROTOCOL,
                        "eFirmata TOC: threshold datatype %s is neither the channel's %s nor 'L'/'I'",
                        letter_text(toc->threshold_type, lt), sc_efirmata_type_describe(data_type));
}

/* ---- channel descriptor ---- */

static bool is_symbol(uint8_t c)
{
    return c >= 0x20 && c <= 0x7e;
}

sc_status sc_efirmata_channel_encode(const sc_efirmata_channel *ch, uint8_t *out, size_t size, sc_error *err)
{
    if (size < SC_EFIRMATA_DESCRIPTOR_MIN || size > 255)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata descriptor size %zu (32 to 255 bytes)", size);
    size_t data_size = sc_efirmata_type_size(ch->data_type);
    if (data_size == 0 || data_size > 4 || sc_efirmata_type_size(ch->real_type) == 0)
        return sc_error_set(err, SC_ERR_USAGE,
                            "eFirmata descriptor: data datatype %s must be a struct letter of at most 4 bytes and "
                            "real datatype %s a struct letter",
                            sc_efirmata_type_describe(ch->data_type), sc_efirmata_type_describe(ch->real_type));
    memset(out, 0, size);
    out[0] = (uint8_t)ch->units;
    out[1] = (uint8_t)ch->data_type;
    out[2] = (uint8_t)ch->real_type;
    out[3] = ch->scale_type;
    out[4] = ch->error_type;
    /* the values take their field's declared type, whatever the caller tagged them with */
    sc_efirmata_put_field(out + 8, 4, (sc_efirmata_num){ ch->data_type, ch->data_a.bits });
    sc_efirmata_put_field(out + 12, 8, (sc_efirmata_num){ ch->real_type, ch->real_a.bits });
    sc_efirmata_put_field(out + 20, 4, (sc_efirmata_num){ ch->data_type, ch->data_b.bits });
    sc_efirmata_put_field(out + 24, 8, (sc_efirmata_num){ ch->real_type, ch->real_b.bits });
    return SC_OK;
}

sc_status sc_efirmata_channel_decode(const uint8_t *p, size_t size, int index, sc_efirmata_channel *out,
                                     bool *junk_error_type, sc_error *err)
{
    char lt[8];
    if (size < SC_EFIRMATA_DESCRIPTOR_MIN)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: channel %d descriptor is %zu bytes, the fields need %d",
                            index, size, SC_EFIRMATA_DESCRIPTOR_MIN);
    if (!is_symbol(p[0]))
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: channel %d units byte 0x%02x is not an ASCII symbol",
                            index, p[0]);
    char data_type = (char)p[1], real_type = (char)p[2];
    size_t data_size = sc_efirmata_type_size(data_type);
    if (data_size == 0)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOM: channel %d data datatype %s is not a struct letter (b B h H i I l L q Q f d)",
                            index, letter_text(data_type, lt));
    if (data_size > 4)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOM: channel %d data datatype %s does not fit the 4-byte dataVal fields",
                            index, sc_efirmata_type_describe(data_type));
    if (sc_efirmata_type_size(real_type) == 0)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOM: channel %d real datatype %s is not a struct letter (b B h H i I l L q Q f d)",
                            index, letter_text(real_type, lt));
    if (p[3] != 1)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOM: channel %d scale type %u is not defined (only 1, two-point linear)", index,
                            p[3]);
    out->units = (char)p[0];
    out->data_type = data_type;
    out->real_type = real_type;
    out->scale_type = p[3];
    out->error_type = p[4];
    *junk_error_type = p[4] != 0;
    sc_efirmata_get_field(p + 8, 4, data_type, &out->data_a);
    sc_efirmata_get_field(p + 12, 8, real_type, &out->real_a);
    sc_efirmata_get_field(p + 20, 4, data_type, &out->data_b);
    sc_efirmata_get_field(p + 24, 8, real_type, &out->real_b);
    return SC_OK;
}

/* ---- TOM ---- */

size_t sc_efirmata_tom_size(const sc_efirmata_meta *m)
{
    if (m->channel_count == 0 || m->descriptor_size < SC_EFIRMATA_DESCRIPTOR_MIN)
        return 0;
    return SC_EFIRMATA_TOM_HEADER + (size_t)m->channel_count * m->descriptor_size;
}

sc_status sc_efirmata_tom_encode(const sc_efirmata_meta *m, uint8_t *out, size_t cap, size_t *len, sc_error *err)
{
    size_t total = sc_efirmata_tom_size(m);
    if (total == 0)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata TOM: %u channels with %u-byte descriptors is not a valid TOM",
                            m->channel_count, m->descriptor_size);
    if (total > cap)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "eFirmata TOM: %zu bytes do not fit the %zu-byte buffer", total, cap);
    if (sc_efirmata_type_size(m->step.type) == 0 || !is_symbol((uint8_t)m->domain_unit))
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata TOM: step datatype %s or domain unit is invalid",
                            sc_efirmata_type_describe(m->step.type));
    memcpy(out, "TOM", 3);
    out[3] = m->version;
    out[4] = (uint8_t)((m->inverse ? 0x80 : 0) | ((uint8_t)m->domain_unit & 0x7f));
    out[5] = (uint8_t)m->step.type;
    out[6] = m->channel_count;
    out[7] = m->descriptor_size;
    sc_efirmata_put_field(out + 8, 8, m->step);
    for (unsigned i = 0; i < m->channel_count; i++) {
        uint8_t *d = out + SC_EFIRMATA_TOM_HEADER + (size_t)i * m->descriptor_size;
        sc_status st = sc_efirmata_channel_encode(&m->channels[i], d, m->descriptor_size, err);
        if (st != SC_OK)
            return sc_error_prefix(err, "channel %u", i);
    }
    *len = total;
    return SC_OK;
}

sc_status sc_efirmata_tom_decode(const uint8_t *p, size_t len, sc_efirmata_meta *out, size_t *trailing,
                                 unsigned *quirks, sc_error *err)
{
    char lt[8];
    if (len < SC_EFIRMATA_TOM_HEADER)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: %zu bytes, shorter than the %d-byte header", len,
                            SC_EFIRMATA_TOM_HEADER);
    if (memcmp(p, "TOM", 3) != 0) {
        char shown[16];
        sc_sanitize_text(shown, sizeof shown, (const char *)p, 3);
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: starts with \"%s\", not \"TOM\"", shown);
    }
    if (p[3] != 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: version %u (only 0 is defined)", p[3]);
    uint8_t unit = p[4] & 0x7f;
    if (!is_symbol(unit) || unit == ' ')
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: domain unit 0x%02x is not an ASCII symbol", unit);
    char step_type = (char)p[5];
    if (sc_efirmata_type_size(step_type) == 0)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOM: step-size datatype %s is not a struct letter (b B h H i I l L q Q f d)",
                            letter_text(step_type, lt));
    uint8_t n = p[6], d = p[7];
    if (n == 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: announces 0 channels");
    if (d < SC_EFIRMATA_DESCRIPTOR_MIN)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOM: descriptor stride %u bytes is below the %d bytes the descriptor fields need", d,
                            SC_EFIRMATA_DESCRIPTOR_MIN);
    size_t need = SC_EFIRMATA_TOM_HEADER + (size_t)n * d;
    if (len < need)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOM: %u channels x %u-byte descriptors need %zu bytes but the datagram has %zu "
                            "(truncated?)",
                            n, d, need, len);
    out->version = p[3];
    out->inverse = (p[4] & 0x80) != 0;
    out->domain_unit = (char)unit;
    sc_efirmata_get_field(p + 8, 8, step_type, &out->step);
    out->channel_count = n;
    out->descriptor_size = d;
    for (unsigned i = 0; i < n; i++) {
        bool junk = false;
        sc_status st = sc_efirmata_channel_decode(p + SC_EFIRMATA_TOM_HEADER + (size_t)i * d, d, (int)i,
                                                  &out->channels[i], &junk, err);
        if (st != SC_OK)
            return st;
        if (junk)
            *quirks |= SC_EFIRMATA_QUIRK_ERROR_TYPE;
    }
    *trailing = len - need;
    if (*trailing)
        *quirks |= SC_EFIRMATA_QUIRK_TOM_TRAILING;
    return SC_OK;
}

/* ---- TOD ---- */

void sc_efirmata_tod_encode_header(const sc_efirmata_tod *tod, uint8_t out[SC_EFIRMATA_TOD_HEADER])
{
    memcpy(out, "TOD", 3);
    out[3] = tod->version;
    out[4] = tod->bytes_per_sample;
    out[5] = tod->pad;
    put_u16(out + 6, tod->total_samples);
    put_u32(out + 8, tod->start);
}

sc_status sc_efirmata_tod_decode(const uint8_t *p, size_t len, size_t stride, sc_efirmata_tod *out, sc_error *err)
{
    if (len < SC_EFIRMATA_TOD_HEADER)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOD: %zu bytes, shorter than the %d-byte header", len,
                            SC_EFIRMATA_TOD_HEADER);
    if (memcmp(p, "TOD", 3) != 0) {
        char shown[16];
        sc_sanitize_text(shown, sizeof shown, (const char *)p, 3);
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOD: starts with \"%s\", not \"TOD\"", shown);
    }
    if (p[3] != 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOD: version %u (only 0 is defined)", p[3]);
    out->version = p[3];
    out->bytes_per_sample = p[4];
    out->pad = p[5];
    out->total_samples = get_u16(p + 6);
    out->start = get_u32(p + 8);
    if (out->bytes_per_sample == 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOD at frame %u: bytesPerSample is 0", out->start);
    if (out->total_samples == 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOD at frame %u: carries 0 samples", out->start);
    if (stride == 0)
        stride = out->bytes_per_sample;
    out->data_len = stride * out->total_samples; /* <= 2040 * 65535: no overflow */
    if (len - SC_EFIRMATA_TOD_HEADER < out->data_len)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata TOD at frame %u: %u frames x %zu bytes = %zu data bytes announced, the datagram "
                            "carries %zu (truncated)",
                            out->start, out->total_samples, stride, out->data_len, len - SC_EFIRMATA_TOD_HEADER);
    out->data = p + SC_EFIRMATA_TOD_HEADER;
    out->trailing = len - SC_EFIRMATA_TOD_HEADER - out->data_len;
    return SC_OK;
}

size_t sc_efirmata_frame_layout(const sc_efirmata_meta *m, size_t *offsets)
{
    size_t off = 0;
    for (unsigned i = 0; i < m->channel_count; i++) {
        if (offsets)
            offsets[i] = off;
        off += sc_efirmata_type_size(m->channels[i].data_type);
    }
    return off;
}

sc_status sc_efirmata_frame_stride(const sc_efirmata_meta *m, uint8_t bytes_per_sample, size_t *stride,
                                   unsigned *quirks, sc_error *err)
{
    size_t frame = sc_efirmata_frame_layout(m, NULL);
    if (bytes_per_sample == frame) {
        *stride = frame;
        /* the frame stride is the reading efirmata.md proposes for every board; it is a
         * quirk worth a note only where it is the reference firmware's own (4 x 'B') */
        if (m->channel_count > 1 && sc_efirmata_is_reference_firmware(m))
            *quirks |= SC_EFIRMATA_QUIRK_FRAME_STRIDE;
        return SC_OK;
    }
    size_t one = sc_efirmata_type_size(m->channels[0].data_type);
    bool uniform = true;
    for (unsigned i = 1; i < m->channel_count; i++)
        uniform = uniform && sc_efirmata_type_size(m->channels[i].data_type) == one;
    if (uniform && bytes_per_sample == one) {
        *stride = frame;
        *quirks |= SC_EFIRMATA_QUIRK_CHANNEL_SIZE;
        return SC_OK;
    }
    return sc_error_set(err, SC_ERR_PROTOCOL,
                        "eFirmata TOD: bytesPerSample %u matches neither the %zu-byte frame of the TOM's %u channels "
                        "nor one channel's sample (a packet from another capture, or a TOM/TOD mismatch)",
                        bytes_per_sample, frame, m->channel_count);
}

bool sc_efirmata_is_reference_firmware(const sc_efirmata_meta *m)
{
    if (m->channel_count != 4 || m->descriptor_size != SC_EFIRMATA_REFERENCE_DESCRIPTOR || m->step.type != 'H' ||
        !m->inverse)
        return false;
    for (int i = 0; i < 4; i++)
        if (m->channels[i].data_type != 'B')
            return false;
    return true;
}

uint8_t sc_efirmata_adc_number(int index)
{
    static const uint8_t adc[4] = { 1, 2, 4, 5 };
    return index >= 0 && index < 4 ? adc[index] : (uint8_t)index;
}
