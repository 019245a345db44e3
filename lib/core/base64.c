/* Base64 (RFC 4648, with padding): HTTP basic authentication is the only user, on the
 * client side (doctor), the server side (the stream's HTTP sink) and in scopesim. */
#include "scopecap/core.h"

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool sc_base64_encode(const void *data, size_t n, char *out, size_t cap)
{
    const uint8_t *in = data;
    if (n > (SIZE_MAX - 1) / 4 * 3 - 2 || (n + 2) / 3 * 4 + 1 > cap)
        return false;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = ALPHABET[(v >> 18) & 63];
        out[o++] = ALPHABET[(v >> 12) & 63];
        out[o++] = i + 1 < n ? ALPHABET[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? ALPHABET[v & 63] : '=';
    }
    out[o] = '\0';
    return true;
}
