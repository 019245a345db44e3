/* Output names from templates: "{model}_{date}_{time}.{ext}". */
#ifndef SC_NAMING_H
#define SC_NAMING_H

#include "scopecap/core.h"

#include <time.h>

typedef struct name_fields {
    const char *vendor;
    const char *model;
    const char *serial;
    const char *host;
    const char *ext; /* without the dot */
    struct tm when;
    int n;           /* 1-based position of the resource on the command line */
} name_fields;

/* Fields: {vendor} {model} {serial} {host} {date} (YYYYMMDD) {time} (HHMMSS) {n} {ext}.
 * Values from the instrument are sanitised so they cannot add folders or hidden files. */
sc_status cli_expand_template(const char *tmpl, const name_fields *f, char *out, size_t cap, sc_error *err);
bool cli_template_has_fields(const char *tmpl);
/* Can names from this template differ between instruments captured in one run?
 * Only {host}, {serial} and {n} can; {model} or {time} may well be the same. */
bool cli_template_tells_apart(const char *tmpl);
/* A template made from a fixed name, new on every run: "shots/a.png" ->
 * "shots/a_{date}_{time}.png" (the extension stays last). */
void cli_suggest_template(const char *name, char *out, size_t cap);

#endif
