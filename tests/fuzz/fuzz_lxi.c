/* libFuzzer target for GET /lxi/identification: the HTTP response parser (byte 0 picks
 * "peer closed" or not) and, on what it accepts, the XML parser; the XML parser also
 * gets the raw input. Every accepted result must hold terminated, bounded strings of
 * printable ASCII (control characters, raw or as &#N;, come out as '?', and then the
 * result says it was sanitised). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scopecap/discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n >= cap)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            abort(); /* would reach a terminal */
}

static void check_ident(const sc_lxi_ident *id)
{
    if (strlen(id->idn.manufacturer) >= sizeof id->idn.manufacturer || !id->idn.manufacturer[0] ||
        strlen(id->idn.model) >= sizeof id->idn.model || id->address_count > 4)
        abort();
    check_printable(id->idn.manufacturer, sizeof id->idn.manufacturer);
    check_printable(id->idn.model, sizeof id->idn.model);
    check_printable(id->idn.serial, sizeof id->idn.serial);
    check_printable(id->idn.firmware, sizeof id->idn.firmware);
    for (size_t i = 0; i < id->address_count; i++)
        check_printable(id->address[i], sizeof id->address[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool eof = data[0] & 1;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    sc_lxi_ident id;
    sc_error err;
    if (sc_lxi_parse_xml((const char *)p, n, &id, &err) == SC_OK)
        check_ident(&id);
    sc_http_response r;
    sc_buf body;
    sc_buf_init(&body, SC_HTTP_MAX_BODY);
    if (sc_http_parse_response(p, n, eof, &r, &body, &err) == SC_OK && r.complete) {
        if (r.status < 100 || r.status > 999)
            abort();
        const char *text = r.chunked ? (const char *)body.data : (const char *)p + r.body_off;
        size_t len = r.chunked ? body.len : r.body_len;
        if (!r.chunked && (r.body_off > n || len > n - r.body_off))
            abort();
        if (text && sc_lxi_parse_xml(text, len, &id, &err) == SC_OK)
            check_ident(&id);
    }
    sc_buf_free(&body);
    return 0;
}
