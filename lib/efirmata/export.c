/* eFirmata exports: CSV for spreadsheets, JSON for programs, the raw frames for archives.
 * Codes are printed exactly (integers as integers, floats with enough digits to round
 * trip); real values with enough digits that a reader recomputing the scale agrees. */
#include "efirmata/capture.h"
#include "efirmata/wire.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int format_double(char *dst, size_t cap, double v, int digits)
{
    if (isnan(v))
        return snprintf(dst, cap, "NaN");
    return snprintf(dst, cap, "%.*g", digits, v);
}

/* ---- CSV ---- */

sc_status sc_efirmata_write_csv(const sc_efirmata_capture *c, sc_buf *out, sc_error *err)
{
    const sc_efirmata_meta *m = &c->meta;
    const char *axis = m->domain_unit == 's' ? "time" : "domain";
    sc_status st = sc_buf_appendf(out, err, "%s (%c)", axis, m->domain_unit);
    for (int ch = 0; ch < m->channel_count && st == SC_OK; ch++)
        st = sc_buf_appendf(out, err, ",ch%d (%c)", ch, m->channels[ch].units);
    if (st == SC_OK)
        st = sc_buf_append(out, "\n", 1, err);
    char line[SC_EFIRMATA_MAX_CHANNELS * 26 + 64];
    for (uint32_t i = 0; i < c->samples && st == SC_OK; i++) {
        size_t used = (size_t)format_double(line, sizeof line, sc_efirmata_time(c, i), 12);
        for (int ch = 0; ch < m->channel_count; ch++) {
            line[used++] = ',';
            used += (size_t)format_double(line + used, sizeof line - used, sc_efirmata_value(c, ch, i), 12);
        }
        line[used++] = '\n';
        st = sc_buf_append(out, line, used, err);
    }
    return st;
}

/* ---- JSON ---- */

/* An exact code: integers from their bits, floats with round-trip digits, null when missing. */
static int format_code(char *dst, size_t cap, const sc_efirmata_capture *c, int ch, uint32_t i)
{
    if (!c->present[i])
        return snprintf(dst, cap, "null");
    char type = c->meta.channels[ch].data_type;
    const uint8_t *p = c->frames + (size_t)i * c->stride + c->offsets[ch];
    sc_efirmata_num n = sc_efirmata_num_read(type, p);
    if (sc_efirmata_type_is_float(type)) {
        double v = sc_efirmata_num_to_double(n);
        return isfinite(v) ? snprintf(dst, cap, "%.*g", type == 'f' ? 9 : 17, v) : snprintf(dst, cap, "null");
    }
    if (sc_efirmata_type_is_signed(type))
        return snprintf(dst, cap, "%.0f", sc_efirmata_num_to_double(n)); /* <= 32 bits: exact */
    return snprintf(dst, cap, "%" PRIu64, n.bits);
}

static int format_value(char *dst, size_t cap, double v)
{
    return isfinite(v) ? snprintf(dst, cap, "%.17g", v) : snprintf(dst, cap, "null");
}

static sc_status json_number_array(sc_buf *out, const sc_efirmata_capture *c, int ch, bool codes, sc_error *err)
{
    char tmp[64 * 32];
    size_t used = 0;
    sc_status st = sc_buf_append(out, "[", 1, err);
    for (uint32_t i = 0; i < c->samples && st == SC_OK; i++) {
        if (used > sizeof tmp - 40) {
            st = sc_buf_append(out, tmp, used, err);
            used = 0;
        }
        if (i)
            tmp[used++] = ',';
        if (ch < 0)
            used += (size_t)format_value(tmp + used, sizeof tmp - used, sc_efirmata_time(c, i));
        else if (codes)
            used += (size_t)format_code(tmp + used, sizeof tmp - used, c, ch, i);
        else
            used += (size_t)format_value(tmp + used, sizeof tmp - used, sc_efirmata_value(c, ch, i));
    }
    if (st == SC_OK)
        st = sc_buf_append(out, tmp, used, err);
    return st == SC_OK ? sc_buf_append(out, "]", 1, err) : st;
}

/* A single character as a JSON string body. */
static const char *json_char(char ch, char buf[8])
{
    if (ch == '"' || ch == '\\')
        snprintf(buf, 8, "\\%c", ch);
    else if ((unsigned char)ch < 0x20 || (unsigned char)ch > 0x7e)
        snprintf(buf, 8, "\\u%04x", (unsigned char)ch);
    else
        snprintf(buf, 8, "%c", ch);
    return buf;
}

static sc_status json_missing(sc_buf *out, const sc_efirmata_capture *c, sc_error *err)
{
    sc_status st = sc_buf_appendf(out, err, "  \"missing\": [");
    bool first = true;
    for (uint32_t i = 0; i < c->samples && st == SC_OK;) {
        if (c->present[i]) {
            i++;
            continue;
        }
        uint32_t a = i;
        while (i < c->samples && !c->present[i])
            i++;
        st = sc_buf_appendf(out, err, "%s[%u, %u]", first ? "" : ", ", a, i - 1);
        first = false;
    }
    return st == SC_OK ? sc_buf_appendf(out, err, "],\n") : st;
}

static sc_status json_quirks(sc_buf *out, const sc_efirmata_capture *c, sc_error *err)
{
    sc_status st = sc_buf_appendf(out, err, "  \"quirks\": [");
    bool first = true;
    for (unsigned bit = 1; bit <= SC_EFIRMATA_QUIRK_TOM_TRAILING && st == SC_OK; bit <<= 1)
        if (c->quirks & bit) {
            st = sc_buf_appendf(out, err, "%s\"%s\"", first ? "" : ", ", sc_efirmata_quirk_name(bit));
            first = false;
        }
    return st == SC_OK ? sc_buf_appendf(out, err, "],\n") : st;
}

static sc_status json_header(sc_buf *out, const sc_efirmata_capture *c, sc_error *err)
{
    const sc_efirmata_meta *m = &c->meta;
    char device[sizeof c->device * 2], u[8], lv[40], lc[40];
    size_t j = 0;
    for (size_t i = 0; c->device[i] && j < sizeof device - 8; i++) {
        const char *e = json_char(c->device[i], u);
        j += (size_t)snprintf(device + j, sizeof device - j, "%s", e);
    }
    device[j] = '\0';
    format_value(lv, sizeof lv, c->level);
    format_value(lc, sizeof lc, c->level_code);
    bool edge = c->trigger == SC_EFIRMATA_TRIGGER_RISING || c->trigger == SC_EFIRMATA_TRIGGER_FALLING;
    sc_status st = sc_buf_appendf(out, err,
                           "{\n  \"device\": \"%s\",\n"
                           "  \"trigger\": {\"mode\": \"%s\", \"channel\": %d, \"level\": %s, \"level_code\": %s},\n",
                           device, sc_efirmata_trigger_name(c->trigger), c->trigger_channel, edge ? lv : "null",
                           edge ? lc : "null");
    char step[40];
    format_value(step, sizeof step, sc_efirmata_num_to_double(m->step));
    if (st == SC_OK)
        st = sc_buf_appendf(out, err,
                     "  \"domain_unit\": \"%s\",\n  \"inverse\": %s,\n  \"step\": %s,\n  \"step_type\": \"%c\",\n"
                     "  \"seconds_per_sample\": %.17g,\n  \"requested\": %u,\n  \"samples\": %u,\n",
                     json_char(m->domain_unit, u), m->inverse ? "true" : "false", step, m->step.type,
                     c->seconds_per_sample, c->requested, c->samples);
    if (st == SC_OK)
        st = sc_buf_appendf(out, err,
                     "  \"datagrams\": %u,\n  \"duplicates\": %u,\n  \"overlaps\": %u,\n  \"stale\": %u,\n"
                     "  \"malformed\": %u,\n  \"conflicts\": %u,\n",
                     c->datagrams, c->duplicates, c->overlaps, c->stale, c->malformed, c->conflicts);
    if (st == SC_OK)
        st = json_missing(out, c, err);
    if (st == SC_OK)
        st = json_quirks(out, c, err);
    return st;
}

static sc_status json_channel(sc_buf *out, const sc_efirmata_capture *c, int ch, sc_error *err)
{
    const sc_efirmata_channel *d = &c->meta.channels[ch];
    const sc_efirmata_scale *s = &c->scales[ch];
    char u[8], v[4][40];
    format_value(v[0], sizeof v[0], s->data_a);
    format_value(v[1], sizeof v[1], s->real_a);
    format_value(v[2], sizeof v[2], s->data_b);
    format_value(v[3], sizeof v[3], s->real_b);
    sc_status st = sc_buf_appendf(out, err,
                           "    {\"index\": %d, \"units\": \"%s\", \"data_type\": \"%c\", \"real_type\": \"%c\", "
                           "\"scale\": {\"data_a\": %s, \"real_a\": %s, \"data_b\": %s, \"real_b\": %s},\n"
                           "     \"codes\": ",
                           ch, json_char(d->units, u), d->data_type, d->real_type, v[0], v[1], v[2], v[3]);
    if (st == SC_OK)
        st = json_number_array(out, c, ch, true, err);
    if (st == SC_OK)
        st = sc_buf_appendf(out, err, ",\n     \"values\": ");
    if (st == SC_OK)
        st = json_number_array(out, c, ch, false, err);
    if (st == SC_OK)
        st = sc_buf_appendf(out, err, "}%s\n", ch + 1 < c->meta.channel_count ? "," : "");
    return st;
}

sc_status sc_efirmata_write_json(const sc_efirmata_capture *c, sc_buf *out, sc_error *err)
{
    sc_status st = json_header(out, c, err);
    if (st == SC_OK)
        st = sc_buf_appendf(out, err, "  \"time\": ");
    if (st == SC_OK)
        st = json_number_array(out, c, -1, false, err);
    if (st == SC_OK)
        st = sc_buf_appendf(out, err, ",\n  \"channels\": [\n");
    for (int ch = 0; ch < c->meta.channel_count && st == SC_OK; ch++)
        st = json_channel(out, c, ch, err);
    return st == SC_OK ? sc_buf_appendf(out, err, "  ]\n}\n") : st;
}

/* ---- raw frames ---- */

sc_status sc_efirmata_write_bin(const sc_efirmata_capture *c, sc_buf *out, sc_error *err)
{
    if (c->samples == 0 || !c->frames)
        return SC_OK;
    return sc_buf_append(out, c->frames, (size_t)c->samples * c->stride, err);
}
