/* Template expansion for output names. */
#include "naming.h"

#include <stdio.h>
#include <string.h>

bool cli_template_has_fields(const char *tmpl)
{
    const char *open = strchr(tmpl, '{');
    return open && strchr(open, '}');
}

bool cli_template_tells_apart(const char *tmpl)
{
    return strstr(tmpl, "{host}") || strstr(tmpl, "{serial}") || strstr(tmpl, "{n}");
}

void cli_suggest_template(const char *name, char *out, size_t cap)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) /* no extension, or a hidden file's leading dot */
        dot = name + strlen(name);
    snprintf(out, cap, "%.*s_{date}_{time}%s", (int)(dot - name), name, dot);
}

/* The value of one field, written to val. Returns false for an unknown field. */
static bool field_value(const char *name, size_t len, const name_fields *f, char *val, size_t cap)
{
#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
    if (IS("vendor"))
        sc_sanitize_filename(val, cap, f->vendor);
    else if (IS("model"))
        sc_sanitize_filename(val, cap, f->model);
    else if (IS("serial"))
        sc_sanitize_filename(val, cap, f->serial);
    else if (IS("host"))
        sc_sanitize_filename(val, cap, f->host);
    else if (IS("ext"))
        sc_sanitize_filename(val, cap, f->ext);
    else if (IS("date"))
        strftime(val, cap, "%Y%m%d", &f->when);
    else if (IS("time"))
        strftime(val, cap, "%H%M%S", &f->when);
    else if (IS("n"))
        snprintf(val, cap, "%d", f->n);
    else
        return false;
    return true;
#undef IS
}

sc_status cli_expand_template(const char *tmpl, const name_fields *f, char *out, size_t cap, sc_error *err)
{
    size_t o = 0;
    for (const char *p = tmpl; *p;) {
        const char *piece = p;
        size_t piece_len = 1;
        char val[160];
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close)
                return sc_error_set(err, SC_ERR_USAGE, "output template \"%s\": '{' without a closing '}'", tmpl);
            if (!field_value(p + 1, (size_t)(close - p - 1), f, val, sizeof val))
                return sc_error_set(err, SC_ERR_USAGE,
                                    "output template \"%s\": unknown field {%.*s} (known: {vendor} {model} {serial} {host} {date} {time} {n} {ext})",
                                    tmpl, (int)(close - p - 1), p + 1);
            piece = val;
            piece_len = strlen(val);
            p = close + 1;
        } else {
            p++;
        }
        if (o + piece_len >= cap)
            return sc_error_set(err, SC_ERR_USAGE, "output template \"%s\" gives a name longer than %zu bytes", tmpl,
                                cap - 1);
        memcpy(out + o, piece, piece_len);
        o += piece_len;
    }
    out[o] = '\0';
    return SC_OK;
}
