/* Instrument text is untrusted: it may carry terminal escapes, slashes or "..".
 * These helpers make it safe for a terminal and for a file name. */
#include "scopecap/core.h"

#include <stdio.h>
#include <string.h>

void sc_sanitize_text(char *dst, size_t cap, const char *src, size_t n)
{
    if (cap == 0)
        return;
    size_t o = 0;
    for (size_t i = 0; i < n && src[i] && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[o] = '\0';
}

void sc_sanitize_filename(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t o = 0;
    for (size_t i = 0; src && src[i] && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '+';
        /* a dot after a dot: no ".." anywhere, not even inside a name */
        if (c == '.' && o > 0 && dst[o - 1] == '.')
            keep = false;
        dst[o++] = keep ? (char)c : '_';
    }
    dst[o] = '\0';
    /* no hidden files, no "." or ".." components */
    for (size_t i = 0; i < o && dst[i] == '.'; i++)
        dst[i] = '_';
    if (o == 0)
        snprintf(dst, cap, "unknown");
}
