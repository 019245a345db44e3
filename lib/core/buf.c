/* Growable buffers with a ceiling: every byte that comes from an instrument lands in
 * one of these, so the ceiling is what bounds our memory whatever a peer claims. */
#include "scopecap/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_buf_init(sc_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

void sc_buf_free(sc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void sc_buf_reset(sc_buf *b)
{
    b->len = 0;
}

sc_status sc_buf_reserve(sc_buf *b, size_t extra, sc_error *err)
{
    size_t limit = b->limit ? b->limit : sc_max_response();
    if (extra > limit || b->len > limit - extra)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "response exceeds the %zu-byte limit (raise it with --max-size if the instrument really sends that much)",
                            limit);
    size_t need = b->len + extra;
    if (need <= b->cap)
        return SC_OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > limit)
        cap = limit;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return SC_OK;
}

sc_status sc_buf_append(sc_buf *b, const void *data, size_t n, sc_error *err)
{
    if (n == 0)
        return SC_OK;
    sc_status st = sc_buf_reserve(b, n, err);
    if (st != SC_OK)
        return st;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return SC_OK;
}

sc_status sc_buf_vappendf(sc_buf *b, sc_error *err, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap); /* measure first: the text is never cut */
    sc_status st = n < 0 ? sc_error_set(err, SC_ERR_FORMAT, "formatting \"%.40s\" failed", fmt)
                         : sc_buf_reserve(b, (size_t)n + 1, err); /* + vsnprintf's NUL */
    if (st == SC_OK) {
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return st;
}

sc_status sc_buf_appendf(sc_buf *b, sc_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_status st = sc_buf_vappendf(b, err, fmt, ap);
    va_end(ap);
    return st;
}

void sc_buf_consume(sc_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

uint8_t *sc_buf_steal(sc_buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
