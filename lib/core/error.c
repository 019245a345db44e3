/* Error values and their one-line messages. */
#include "scopecap/core.h"

#include <stdio.h>
#include <string.h>

sc_status sc_error_set(sc_error *err, sc_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

sc_status sc_error_prefix(sc_error *err, const char *fmt, ...)
{
    if (!err)
        return SC_OK;
    char prefix[SC_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return err->code;
    size_t plen = strlen(prefix);
    memcpy(prefix + plen, ": ", 3);
    plen += 2;
    /* shift the old message right, dropping its tail if the whole no longer fits */
    size_t old = strnlen(err->message, sizeof err->message - 1);
    size_t keep = old + plen < sizeof err->message ? old : sizeof err->message - 1 - plen;
    memmove(err->message + plen, err->message, keep);
    memcpy(err->message, prefix, plen);
    err->message[plen + keep] = '\0';
    return err->code;
}

sc_status sc_error_append(sc_error *err, const char *fmt, ...)
{
    if (!err)
        return SC_OK;
    size_t used = strnlen(err->message, sizeof err->message - 1);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + used, sizeof err->message - used, fmt, ap);
    va_end(ap);
    return err->code;
}

void sc_error_clear(sc_error *err)
{
    if (!err)
        return;
    err->code = SC_OK;
    err->message[0] = '\0';
}

const char *sc_status_name(sc_status code)
{
    switch (code) {
    case SC_OK: return "ok";
    case SC_ERR_USAGE: return "usage error";
    case SC_ERR_UNREACHABLE: return "unreachable";
    case SC_ERR_TIMEOUT: return "timeout";
    case SC_ERR_PROTOCOL: return "protocol error";
    case SC_ERR_INSTRUMENT: return "instrument error";
    case SC_ERR_TOO_LARGE: return "too large";
    case SC_ERR_FORMAT: return "bad format";
    case SC_ERR_CLOSED: return "connection closed";
    case SC_ERR_IO: return "I/O error";
    case SC_ERR_EXISTS: return "file exists";
    case SC_ERR_NOMEM: return "out of memory";
    case SC_ERR_UNSUPPORTED: return "unsupported";
    }
    return "unknown error";
}

int sc_status_exit_code(sc_status code)
{
    switch (code) {
    case SC_OK: return 0;
    case SC_ERR_USAGE: return 2;
    case SC_ERR_UNREACHABLE: return 3;
    default: return 1;
    }
}
