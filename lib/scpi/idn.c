/* *IDN? replies, vendor recognition and field globs.
 *
 * The *IDN? text comes from the instrument and may hold anything: terminal escapes,
 * slashes, NUL bytes, kilobytes of junk. Every field is trimmed, sanitised and truncated
 * to its buffer; nothing here trusts a length or a terminator from the other side. */
#include "scopecap/scpi.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- *IDN? parsing ---- */

static bool is_blank(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Trim blanks (and CR/LF) from both ends of text[*a, *b). */
static void trim(const char *text, size_t *a, size_t *b)
{
    while (*a < *b && is_blank((uint8_t)text[*a]))
        (*a)++;
    while (*b > *a && is_blank((uint8_t)text[*b - 1]))
        (*b)--;
}

static void copy_field(char *dst, size_t cap, const char *text, size_t a, size_t b)
{
    trim(text, &a, &b);
    sc_sanitize_text(dst, cap, text + a, b - a);
}

sc_status sc_idn_parse(const char *text, size_t len, sc_idn *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    size_t start = 0, stop = text ? len : 0;
    trim(text, &start, &stop);
    if (start == stop)
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "*IDN? reply is empty (is this an SCPI instrument, and is it idle?)");

    /* LeCroy (MAUI) and Tek with headers on echo the command first: "*IDN LECROY,...". */
    if (stop - start > 5 && strncasecmp(text + start, "*IDN ", 5) == 0) {
        start += 5;
        trim(text, &start, &stop);
    }

    /* Commas split the first three fields; any more belong to the firmware field. */
    size_t comma[3];
    size_t ncomma = 0;
    for (size_t i = start; i < stop && ncomma < 3; i++)
        if (text[i] == ',')
            comma[ncomma++] = i;

    if (ncomma == 0) {
        char shown[80];
        sc_sanitize_text(shown, sizeof shown, text + start, stop - start);
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "*IDN? reply \"%s\" is not MANUFACTURER,MODEL,SERIAL,FIRMWARE "
                            "(wrong port, or a stale reply from an earlier command?)",
                            shown);
    }
    char *fields[4] = {out->manufacturer, out->model, out->serial, out->firmware};
    size_t caps[4] = {sizeof out->manufacturer, sizeof out->model, sizeof out->serial,
                      sizeof out->firmware};
    for (size_t k = 0; k <= ncomma; k++) {
        size_t a = k == 0 ? start : comma[k - 1] + 1;
        size_t b = k == ncomma ? stop : comma[k];
        copy_field(fields[k], caps[k], text, a, b);
    }
    if (out->manufacturer[0] == '\0' && out->model[0] == '\0')
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "*IDN? reply has neither a manufacturer nor a model (is this an SCPI instrument?)");
    return SC_OK;
}

/* ---- vendors ---- */

/* Every spelling seen in *IDN? replies, matched over the whole field, ignoring case. Adding
 * a spelling is one line here. Patterns may use the glob syntax of sc_field_matches(). */
typedef struct vendor_alias {
    const char *pattern;
    sc_vendor vendor;
} vendor_alias;

static const vendor_alias vendor_aliases[] = {
    {"RIGOL TECHNOLOGIES", SC_VENDOR_RIGOL},
    {"RIGOL", SC_VENDOR_RIGOL},
    {"Siglent Technologies", SC_VENDOR_SIGLENT},
    {"SIGLENT", SC_VENDOR_SIGLENT},
    {"KEYSIGHT TECHNOLOGIES", SC_VENDOR_KEYSIGHT},
    {"KEYSIGHT", SC_VENDOR_KEYSIGHT},
    {"Agilent Technologies", SC_VENDOR_KEYSIGHT},
    {"AGILENT", SC_VENDOR_KEYSIGHT},
    {"Hewlett-Packard", SC_VENDOR_KEYSIGHT},
    {"HP", SC_VENDOR_KEYSIGHT},
    {"TEKTRONIX", SC_VENDOR_TEKTRONIX},
    {"LECROY", SC_VENDOR_LECROY},
    {"Teledyne LeCroy", SC_VENDOR_LECROY},
    {"Rohde&Schwarz", SC_VENDOR_RS},
    {"Rohde & Schwarz", SC_VENDOR_RS},
    {"HAMEG", SC_VENDOR_RS},
    {"GW", SC_VENDOR_GWINSTEK},
    {"GW INSTEK", SC_VENDOR_GWINSTEK},
    {"GWINSTEK", SC_VENDOR_GWINSTEK},
    {"OWON", SC_VENDOR_OWON},
    {"Hantek", SC_VENDOR_HANTEK},
};

sc_vendor sc_vendor_from_manufacturer(const char *manufacturer)
{
    if (!manufacturer)
        return SC_VENDOR_UNKNOWN;
    /* The manufacturer ends at the first comma, so a whole *IDN? reply works too
     * ("Rigol Technologies,DS1104Z,..."). Surrounding blanks do not count. */
    size_t a = 0, b = strcspn(manufacturer, ",");
    trim(manufacturer, &a, &b);
    char field[64];
    if (b - a >= sizeof field)
        return SC_VENDOR_UNKNOWN; /* longer than any alias */
    memcpy(field, manufacturer + a, b - a);
    field[b - a] = '\0';
    for (size_t i = 0; i < sizeof vendor_aliases / sizeof vendor_aliases[0]; i++)
        if (sc_field_matches(vendor_aliases[i].pattern, field))
            return vendor_aliases[i].vendor;
    return SC_VENDOR_UNKNOWN;
}

const char *sc_vendor_name(sc_vendor v)
{
    static const char *const names[SC_VENDOR_COUNT] = {
        [SC_VENDOR_UNKNOWN] = "unknown",     [SC_VENDOR_RIGOL] = "Rigol",
        [SC_VENDOR_SIGLENT] = "Siglent",     [SC_VENDOR_KEYSIGHT] = "Keysight",
        [SC_VENDOR_TEKTRONIX] = "Tektronix", [SC_VENDOR_LECROY] = "LeCroy",
        [SC_VENDOR_RS] = "Rohde & Schwarz",  [SC_VENDOR_GWINSTEK] = "GW Instek",
        [SC_VENDOR_OWON] = "Owon",           [SC_VENDOR_HANTEK] = "Hantek",
    };
    if ((int)v < 0 || v >= SC_VENDOR_COUNT || !names[v])
        return "unknown";
    return names[v];
}

/* ---- glob ---- */

static int fold(int c) { return tolower((unsigned char)c); }

/* Match one character against the class that starts at p (just after '['). Sets *next to
 * the byte after the closing ']'. Returns -1 when the class is not closed, so that the
 * caller can treat '[' as a literal. Supports ranges and a leading '!' or '^'. */
static int class_matches(const char *p, char c, const char **next)
{
    bool negate = *p == '!' || *p == '^';
    if (negate)
        p++;
    bool hit = false;
    bool first = true;
    int lc = fold(c);
    for (; *p && (first || *p != ']'); first = false) {
        int lo = (unsigned char)*p, hi = lo;
        if (p[1] == '-' && p[2] && p[2] != ']') {
            hi = (unsigned char)p[2];
            p += 3;
        } else {
            p++;
        }
        /* Case-insensitive: test both cases of c against the range. */
        int uc = toupper((unsigned char)c);
        if ((lc >= lo && lc <= hi) || (uc >= lo && uc <= hi))
            hit = true;
    }
    if (*p != ']')
        return -1;
    *next = p + 1;
    return hit != negate;
}

/* Match one pattern element at *pp against c; advances *pp past the element.
 * Never called with '*'. */
static bool element_matches(const char **pp, char c)
{
    const char *p = *pp;
    if (*p == '?') {
        *pp = p + 1;
        return true;
    }
    if (*p == '[') {
        const char *next;
        int m = class_matches(p + 1, c, &next);
        if (m >= 0) {
            *pp = next;
            return m == 1;
        }
    }
    *pp = p + 1;
    return fold(*p) == fold(c);
}

/* Iterative glob: on a mismatch, go back to just after the most recent '*' and let it
 * swallow one more character. Only the latest star needs remembering (an earlier star's
 * alternatives are covered by the later one), so the cost is at most
 * strlen(pattern) * strlen(field) steps, never exponential. */
bool sc_field_matches(const char *pattern, const char *field)
{
    if (!pattern || !field)
        return false;
    const char *p = pattern, *f = field;
    const char *star_p = NULL, *star_f = NULL;
    while (*f) {
        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = p;
            star_f = f;
            continue;
        }
        const char *after = p;
        if (*p && element_matches(&after, *f)) {
            p = after;
            f++;
            continue;
        }
        if (!star_p)
            return false;
        p = star_p;
        f = ++star_f;
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}
