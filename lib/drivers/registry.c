/* The driver table: every vendor's rows, searched in order. */
#include "drivers/drivers.h"

#include <stdio.h>
#include <string.h>

typedef struct vendor_table {
    const sc_driver *rows;
    const size_t *count;
} vendor_table;

/* The generic row comes last: it matches nothing by itself and is the fallback. */
static const vendor_table tables[] = {
    { sc_rigol_drivers, &sc_rigol_driver_count },         { sc_siglent_drivers, &sc_siglent_driver_count },
    { sc_tektronix_drivers, &sc_tektronix_driver_count }, { sc_keysight_drivers, &sc_keysight_driver_count },
    { sc_lecroy_drivers, &sc_lecroy_driver_count },       { sc_rs_drivers, &sc_rs_driver_count },
    { sc_gwinstek_drivers, &sc_gwinstek_driver_count },   { sc_owon_drivers, &sc_owon_driver_count },
    { sc_generic_drivers, &sc_generic_driver_count },
};

size_t sc_driver_count(void)
{
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        n += *tables[t].count;
    return n;
}

const sc_driver *sc_driver_at(size_t index)
{
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        if (index < *tables[t].count)
            return &tables[t].rows[index];
        index -= *tables[t].count;
    }
    return NULL;
}

const sc_driver *sc_driver_find(const char *name)
{
    for (size_t i = 0; i < sc_driver_count(); i++)
        if (strcmp(sc_driver_at(i)->name, name) == 0)
            return sc_driver_at(i);
    return NULL;
}

const sc_driver *sc_driver_generic(void)
{
    return sc_driver_find("generic");
}

/* Does any of the '|'-separated globs match the whole model field? */
static bool model_matches(const char *patterns, const char *model)
{
    const char *p = patterns;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        char one[64];
        if (n < sizeof one) {
            memcpy(one, p, n);
            one[n] = '\0';
            if (sc_field_matches(one, model))
                return true;
        }
        p += n + (bar ? 1 : 0);
    }
    return false;
}

const sc_driver *sc_driver_match(const sc_idn *idn)
{
    sc_vendor vendor = sc_vendor_from_manufacturer(idn->manufacturer);
    if (vendor == SC_VENDOR_UNKNOWN)
        return NULL;
    for (size_t i = 0; i < sc_driver_count(); i++) {
        const sc_driver *d = sc_driver_at(i);
        if (d->vendor == vendor && d->models && model_matches(d->models, idn->model))
            return d;
    }
    return NULL;
}

/* Copy text into out, replacing each "{invert}" and "{file}"; always NUL-terminated. */
void sc_driver_expand(const sc_driver *d, const char *text, int want_white, char *out, size_t cap)
{
    if (cap == 0)
        return;
    const char *invert = want_white > 0 ? d->invert_on : d->invert_off;
    size_t o = 0;
    while (*text && o + 1 < cap) {
        const char *put = NULL;
        size_t skip = 0;
        if (strncmp(text, "{invert}", 8) == 0)
            put = invert ? invert : "", skip = 8;
        else if (strncmp(text, "{file}", 6) == 0)
            put = d->file_path ? d->file_path : "", skip = 6;
        if (put) {
            size_t n = strlen(put);
            if (n > cap - 1 - o)
                n = cap - 1 - o;
            memcpy(out + o, put, n);
            o += n;
            text += skip;
        } else {
            out[o++] = *text++;
        }
    }
    out[o] = '\0';
}

void sc_driver_screenshot_query(const sc_driver *d, int want_white, char *out, size_t cap)
{
    sc_step steps[SC_DRIVER_MAX_STEPS + SC_DRIVER_MAX_SETUP + 1];
    size_t n = sc_driver_steps(d, steps, sizeof steps / sizeof steps[0]);
    for (size_t i = 0; i < n; i++)
        if (steps[i].op == SC_STEP_IMAGE) {
            sc_driver_expand(d, steps[i].text, want_white, out, cap);
            return;
        }
    if (cap)
        out[0] = '\0';
}

size_t sc_driver_steps(const sc_driver *d, sc_step *out, size_t max)
{
    size_t n = 0;
    if (d->screenshot_query) {
        for (int i = 0; i < SC_DRIVER_MAX_SETUP && d->setup[i] && n < max; i++)
            out[n++] = (sc_step){ SC_STEP_SEND, d->setup[i] };
        if (n < max)
            out[n++] = (sc_step){ SC_STEP_IMAGE, d->screenshot_query };
        return n;
    }
    for (int i = 0; i < SC_DRIVER_MAX_STEPS && d->steps[i].op != SC_STEP_END && n < max; i++)
        out[n++] = d->steps[i];
    return n;
}

int sc_driver_first_query_ms(const sc_driver *d)
{
    return d && d->first_query_ms > 0 ? d->first_query_ms : 0;
}

void sc_driver_protocol_names(const sc_driver *d, char *out, size_t cap)
{
    static const sc_protocol order[] = { SC_PROTO_VICP, SC_PROTO_VXI11, SC_PROTO_HISLIP, SC_PROTO_RAW,
                                         SC_PROTO_USBTMC };
    size_t used = 0;
    if (cap)
        out[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(d->protocols & SC_PROTO_BIT(order[i])))
            continue;
        int w = snprintf(out + used, cap - used, "%s%s", used ? "," : "", sc_protocol_name(order[i]));
        if (w < 0 || (size_t)w >= cap - used)
            return;
        used += (size_t)w;
    }
}

const char *sc_framing_name(sc_framing f)
{
    switch (f) {
    case SC_FRAMING_BLOCK: return "block";
    case SC_FRAMING_RAW: return "raw";
    case SC_FRAMING_FILE: return "file";
    case SC_FRAMING_LENGTH_LE32: return "le32+file";
    case SC_FRAMING_ENVELOPE: return "envelope";
    case SC_FRAMING_ANY: return "any";
    }
    return "?";
}
