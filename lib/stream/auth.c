/* HTTP basic authentication (RFC 7617) for the stream server.
 *
 * The expected credentials are kept as their base64 form, which is how a client sends
 * them ("Authorization: Basic dXNlcjpwYXNz"), so checking a request is one comparison
 * and nothing from the request is ever decoded. The comparison looks at every byte
 * whatever the first difference, so response times do not reveal how much of a guess
 * was right. Basic auth sends the password in the clear: the docs say to put the
 * server behind TLS (a reverse proxy) when it leaves a trusted network. */
#include "stream/http_internal.h"

#include <string.h>
#include <strings.h>

bool sc_http_auth_token(const char *user_colon_password, char *out, size_t cap)
{
    return strchr(user_colon_password, ':') &&
           sc_base64_encode(user_colon_password, strlen(user_colon_password), out, cap);
}

bool sc_constant_time_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const volatile uint8_t *x = a, *y = b;
    /* walk the expected length whatever the other is, so only lengths show in the time */
    uint8_t diff = alen != blen;
    for (size_t i = 0; i < blen; i++)
        diff |= (uint8_t)((i < alen ? x[i] : 0) ^ y[i]);
    return diff == 0;
}

bool sc_http_auth_check(const char *header, const char *token)
{
    if (!header)
        return false;
    while (*header == ' ' || *header == '\t')
        header++;
    if (strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\t'))
        return false;
    header += 5;
    while (*header == ' ' || *header == '\t')
        header++;
    size_t n = strcspn(header, " \t");
    /* nothing but blanks may follow the credentials */
    for (const char *p = header + n; *p; p++)
        if (*p != ' ' && *p != '\t')
            return false;
    return sc_constant_time_equal(header, n, token, strlen(token));
}
