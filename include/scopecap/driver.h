/* Vendor drivers: each model family is one row of data. A row says how to recognise the
 * instrument from *IDN? and how to get its screen; code hooks exist only where data
 * cannot say it. */
#ifndef SCOPECAP_DRIVER_H
#define SCOPECAP_DRIVER_H

#include "scopecap/image.h"
#include "scopecap/scpi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SC_DRIVER_MAX_SETUP 4

typedef struct sc_driver {
    const char *name;        /* "rigol-ds1000z": what -d takes */
    const char *description; /* "Rigol DS1000Z / MSO1000Z" */
    sc_vendor vendor;
    const char *models;      /* '|'-separated anchored globs over the IDN model field */
    /* Screenshot recipe. `setup` commands go first (in order, no replies expected).
     * In `screenshot_query`, "{invert}" is replaced by invert_on or invert_off. */
    const char *setup[SC_DRIVER_MAX_SETUP];
    const char *screenshot_query;
    const char *invert_on;   /* NULL: no instrument switch, the background is inverted in software */
    const char *invert_off;
    sc_image_format native_format;
    int width, height;       /* native screen size */
    int render_ms;           /* typical time to produce a screenshot; scales the timeout */
    const char *live_query;  /* screen query for streaming (may trade quality for speed) */
} sc_driver;

size_t sc_driver_count(void);
const sc_driver *sc_driver_at(size_t index);
const sc_driver *sc_driver_find(const char *name);
/* The first row whose vendor and model pattern match; NULL when none does. */
const sc_driver *sc_driver_match(const sc_idn *idn);
/* Fill `out` with the screenshot query for the wanted background:
 * want_white < 0 keeps the instrument's own look. */
void sc_driver_screenshot_query(const sc_driver *d, int want_white, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
