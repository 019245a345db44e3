/* The driver table: every vendor's rows, searched in order. */
#include "drivers/drivers.h"

#include <stdio.h>
#include <string.h>

typedef struct vendor_table {
    const sc_driver *rows;
    const size_t *count;
} vendor_table;

static const vendor_table tables[] = {
    { sc_rigol_drivers, &sc_rigol_driver_count },
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
    for (size_t i = 0; i < sc_driver_count(); i++) {
        const sc_driver *d = sc_driver_at(i);
        if (d->vendor == vendor && model_matches(d->models, idn->model))
            return d;
    }
    return NULL;
}

void sc_driver_screenshot_query(const sc_driver *d, int want_white, char *out, size_t cap)
{
    const char *q = d->screenshot_query;
    const char *hole = strstr(q, "{invert}");
    if (!hole) {
        snprintf(out, cap, "%s", q);
        return;
    }
    const char *token = want_white > 0 ? d->invert_on : d->invert_off;
    snprintf(out, cap, "%.*s%s%s", (int)(hole - q), q, token ? token : "", hole + strlen("{invert}"));
}
