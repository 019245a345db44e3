/* libFuzzer target: what the stream's HTTP server itself reads from a request. The request
 * line, headers, query string and body framing are parsed by libmicrohttpd; of what it
 * hands over, our code compares the method and the path whole (strcmp against the fixed
 * routes: no query string, Range or path parsing of our own, checked again when the
 * limits were added) and interprets one header value, Authorization (basic auth,
 * lib/stream/auth.c). The input is that header value, checked against a fixed token and
 * against a token made from the input itself (which must then be accepted exactly when
 * it is sent back the way a client sends it). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/http_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header = malloc(size + 1);
    if (!header)
        return 0;
    memcpy(header, data, size);
    header[size] = '\0'; /* as libmicrohttpd hands header values over: NUL-terminated */

    static const char token[] = "dXNlcjpwYXNz"; /* user:pass */
    bool ok = sc_http_auth_check(header, token);
    if (ok && !strstr(header, token))
        abort(); /* accepted without the credentials in it */

    /* the input as "user:password": its token must be accepted, sent back as a client would */
    char made[4096], sent[4200];
    if (sc_http_auth_token(header, made, sizeof made)) {
        if (strlen(made) % 4 != 0 || strspn(made, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
                                         strlen(made))
            abort();
        snprintf(sent, sizeof sent, "Basic %s", made);
        if (!sc_http_auth_check(sent, made))
            abort();
    }
    (void)sc_constant_time_equal(header, strlen(header), token, sizeof token - 1);
    free(header);
    return 0;
}
