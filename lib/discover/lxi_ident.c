/* GET /lxi/identification: the HTTP response and the XML document in it, each with a
 * small bounded parser of our own (no libxml2: liblxi's dependency on it is the biggest
 * one it has, and we need four elements). Both parse bytes from the network: every
 * index is checked against the length, nesting is capped, nothing is trusted. */
#include "scopecap/discover.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- HTTP ---- */

static bool find_head_end(const uint8_t *buf, size_t len, size_t *body_off)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] == '\n' && buf[i + 1] == '\n') {
            *body_off = i + 2;
            return true;
        }
        if (i + 3 < len && buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
            *body_off = i + 4;
            return true;
        }
    }
    return false;
}

/* Digits only, at most `max`; false on anything else or overflow. */
static bool parse_decimal(const char *s, size_t n, size_t max, size_t *out)
{
    size_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (size_t)(s[i] - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static void trim_span(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

static bool span_has_word(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (strncasecmp(s + i, word, w) == 0)
            return true;
    return false;
}

typedef struct http_head {
    bool has_length;
    size_t content_length;
} http_head;

static sc_status parse_header_line(const char *line, size_t n, sc_http_response *out, http_head *head, sc_error *err)
{
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return sc_error_set(err, SC_ERR_PROTOCOL, "a header line without ':'");
    size_t name_len = (size_t)(colon - line);
    const char *value = colon + 1;
    size_t value_len = n - name_len - 1;
    trim_span(&value, &value_len);
    if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
        if (!parse_decimal(value, value_len, SC_HTTP_MAX_BODY, &head->content_length))
            return sc_error_set(err, SC_ERR_TOO_LARGE, "Content-Length \"%.*s\" is not a number up to %d",
                                (int)(value_len > 20 ? 20 : value_len), value, SC_HTTP_MAX_BODY);
        head->has_length = true;
    } else if (name_len == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
        out->chunked = span_has_word(value, value_len, "chunked");
    } else if (name_len == 16 && strncasecmp(line, "WWW-Authenticate", 16) == 0) {
        if (value_len >= 5 && strncasecmp(value, "Basic", 5) == 0) {
            out->has_basic_auth = true;
            const char *r = NULL;
            for (size_t i = 0; i + 7 <= value_len; i++)
                if (strncasecmp(value + i, "realm=\"", 7) == 0) {
                    r = value + i + 7;
                    break;
                }
            if (r) {
                size_t rn = value_len - (size_t)(r - value);
                const char *q = memchr(r, '"', rn);
                sc_sanitize_text(out->realm, sizeof out->realm, r, q ? (size_t)(q - r) : rn);
            }
        }
    }
    return SC_OK;
}

static sc_status parse_head(const uint8_t *buf, size_t head_len, sc_http_response *out, http_head *head, sc_error *err)
{
    const char *s = (const char *)buf;
    if (head_len < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)s[7]) || s[8] != ' ')
        return sc_error_set(err, SC_ERR_PROTOCOL, "the reply does not start with an HTTP/1.x status line");
    size_t code;
    if (!parse_decimal(s + 9, 3, 999, &code) || code < 100)
        return sc_error_set(err, SC_ERR_PROTOCOL, "HTTP status line without a 3-digit status code");
    out->status = (int)code;
    size_t pos = 0;
    while (pos < head_len && s[pos] != '\n')
        pos++;
    pos++;
    while (pos < head_len) {
        size_t start = pos;
        while (pos < head_len && s[pos] != '\n')
            pos++;
        size_t n = pos - start;
        pos++;
        if (n && s[start + n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* the blank line that ends the head */
        if (parse_header_line(s + start, n, out, head, err) != SC_OK)
            return sc_error_prefix(err, "HTTP header");
    }
    return SC_OK;
}

/* Decode "size CRLF data CRLF ... 0 CRLF [trailers] CRLF" into body. */
static sc_status dechunk(const uint8_t *p, size_t n, bool eof, sc_http_response *out, sc_buf *body, sc_error *err)
{
    size_t pos = 0;
    for (;;) {
        size_t line_end = pos;
        while (line_end < n && p[line_end] != '\n')
            line_end++;
        if (line_end >= n) {
            if (n - pos > 64)
                return sc_error_set(err, SC_ERR_PROTOCOL, "HTTP chunk size line longer than 64 bytes");
            break; /* the size line is still coming */
        }
        size_t size = 0, digits = 0;
        for (size_t i = pos; i < line_end && isxdigit(p[i]); i++, digits++) {
            if (digits >= 7)
                return sc_error_set(err, SC_ERR_TOO_LARGE, "HTTP chunk size with more than 7 hex digits");
            size = size * 16 + (size_t)(isdigit(p[i]) ? p[i] - '0' : (tolower(p[i]) - 'a' + 10));
        }
        if (digits == 0)
            return sc_error_set(err, SC_ERR_PROTOCOL, "HTTP chunk without a hexadecimal size");
        if (size == 0) {
            out->complete = true; /* trailers, if any, do not matter */
            return SC_OK;
        }
        if (body->len + size > SC_HTTP_MAX_BODY)
            return sc_error_set(err, SC_ERR_TOO_LARGE, "HTTP body larger than %d bytes", SC_HTTP_MAX_BODY);
        size_t data = line_end + 1;
        if (n - data < size + 1)
            break; /* the chunk (and its CRLF) is still coming */
        if (sc_buf_append(body, p + data, size, err) != SC_OK)
            return err ? err->code : SC_ERR_NOMEM;
        pos = data + size;
        if (p[pos] == '\r')
            pos++;
        if (pos >= n)
            break;
        if (p[pos] != '\n')
            return sc_error_set(err, SC_ERR_PROTOCOL, "HTTP chunk not followed by CRLF");
        pos++;
    }
    if (eof)
        return sc_error_set(err, SC_ERR_CLOSED, "the connection closed in the middle of a chunked body");
    sc_buf_reset(body); /* parsed again from the start when more arrives */
    return SC_OK;
}

sc_status sc_http_parse_response(const uint8_t *buf, size_t len, bool eof, sc_http_response *out, sc_buf *body,
                                 sc_error *err)
{
    memset(out, 0, sizeof *out);
    size_t body_off;
    if (!find_head_end(buf, len, &body_off)) {
        if (len >= 5 && memcmp(buf, "HTTP/", 5) != 0)
            return sc_error_set(err, SC_ERR_PROTOCOL, "the reply does not start with an HTTP/1.x status line");
        if (len > SC_HTTP_MAX_HEAD)
            return sc_error_set(err, SC_ERR_TOO_LARGE, "HTTP head longer than %d bytes", SC_HTTP_MAX_HEAD);
        if (eof)
            return sc_error_set(err, SC_ERR_CLOSED, "the connection closed in the HTTP head");
        return SC_OK;
    }
    if (body_off > SC_HTTP_MAX_HEAD)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "HTTP head longer than %d bytes", SC_HTTP_MAX_HEAD);
    http_head head = { 0 };
    sc_status st = parse_head(buf, body_off, out, &head, err);
    if (st != SC_OK)
        return st;
    out->body_off = body_off;
    size_t avail = len - body_off;
    if (out->status < 200 || out->status == 204 || out->status == 304) {
        out->complete = true;
        return SC_OK;
    }
    if (out->chunked) {
        if (!body)
            return sc_error_set(err, SC_ERR_USAGE, "chunked HTTP body but no buffer to decode it");
        sc_buf_reset(body);
        st = dechunk(buf + body_off, avail, eof, out, body, err);
        out->body_len = body->len;
        return st;
    }
    if (head.has_length) {
        out->body_len = head.content_length;
        out->complete = avail >= head.content_length;
        if (!out->complete && eof)
            return sc_error_set(err, SC_ERR_CLOSED, "the connection closed after %zu of %zu body bytes", avail,
                                head.content_length);
        return SC_OK;
    }
    if (avail > SC_HTTP_MAX_BODY)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "HTTP body larger than %d bytes", SC_HTTP_MAX_BODY);
    out->body_len = avail;
    out->complete = eof; /* no length: the body ends when the connection does */
    return SC_OK;
}

/* ---- XML ---- */

#define XML_MAX_DEPTH 32
#define XML_NAME_MAX 48

typedef enum lxi_field { F_NONE = -1, F_MANUFACTURER, F_MODEL, F_SERIAL, F_FIRMWARE, F_ADDRESS, F_COUNT } lxi_field;

static const char *const field_names[F_COUNT] = { "Manufacturer", "Model", "SerialNumber", "FirmwareRevision",
                                                  "InstrumentAddressString" };

typedef struct xml_state {
    const char *s;
    size_t n, pos;
    char stack[XML_MAX_DEPTH][XML_NAME_MAX];
    int depth;
    char root[XML_NAME_MAX];
    char text[512]; /* text of the current leaf element */
    size_t text_len;
    bool text_control; /* a character reference in text named a control character */
    bool seen[F_COUNT];
    sc_lxi_ident *out;
} xml_state;

static bool starts(const xml_state *x, const char *lit)
{
    size_t l = strlen(lit);
    return x->n - x->pos >= l && memcmp(x->s + x->pos, lit, l) == 0;
}

/* Move past the next occurrence of lit; false when there is none. */
static bool skip_past(xml_state *x, const char *lit)
{
    size_t l = strlen(lit);
    for (size_t i = x->pos; i + l <= x->n; i++)
        if (memcmp(x->s + i, lit, l) == 0) {
            x->pos = i + l;
            return true;
        }
    return false;
}

static void text_add(xml_state *x, char c)
{
    if (x->text_len + 1 < sizeof x->text)
        x->text[x->text_len++] = c;
}

/* One character reference or predefined entity at x->pos ('&'). */
static void entity(xml_state *x)
{
    static const struct { const char *name; char c; } named[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (starts(x, named[i].name)) {
            text_add(x, named[i].c);
            x->pos += strlen(named[i].name);
            return;
        }
    if (starts(x, "&#")) {
        size_t p = x->pos + 2;
        bool hex = p < x->n && (x->s[p] == 'x' || x->s[p] == 'X');
        p += hex;
        unsigned long v = 0;
        size_t digits = 0;
        while (p < x->n && digits < 8 && (hex ? isxdigit((unsigned char)x->s[p]) : isdigit((unsigned char)x->s[p]))) {
            unsigned char c = (unsigned char)x->s[p++];
            v = v * (hex ? 16 : 10) + (unsigned long)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
            digits++;
        }
        if (digits && p < x->n && x->s[p] == ';') {
            bool printable = v >= 0x20 && v < 0x7f;
            x->text_control |= !printable;
            text_add(x, printable ? (char)v : '?');
            x->pos = p + 1;
            return;
        }
    }
    text_add(x, '&'); /* not an entity we know: keep the character */
    x->pos++;
}

static lxi_field field_of(const char *name)
{
    for (int f = 0; f < F_COUNT; f++)
        if (strcmp(name, field_names[f]) == 0)
            return (lxi_field)f;
    return F_NONE;
}

static void store_field(xml_state *x, const char *name)
{
    lxi_field f = field_of(name);
    if (f == F_NONE)
        return;
    /* the identification fields are children of the root; addresses sit deeper */
    if (f != F_ADDRESS && (x->depth != 2 || x->seen[f]))
        return;
    char *dst = NULL;
    size_t cap = 0;
    sc_idn *idn = &x->out->idn;
    switch (f) {
    case F_MANUFACTURER: dst = idn->manufacturer, cap = sizeof idn->manufacturer; break;
    case F_MODEL: dst = idn->model, cap = sizeof idn->model; break;
    case F_SERIAL: dst = idn->serial, cap = sizeof idn->serial; break;
    case F_FIRMWARE: dst = idn->firmware, cap = sizeof idn->firmware; break;
    case F_ADDRESS:
        if (x->out->address_count >= sizeof x->out->address / sizeof x->out->address[0])
            return;
        dst = x->out->address[x->out->address_count++], cap = sizeof x->out->address[0];
        break;
    default: return;
    }
    const char *t = x->text;
    size_t n = x->text_len;
    while (n && isspace((unsigned char)*t))
        t++, n--;
    while (n && isspace((unsigned char)t[n - 1]))
        n--;
    sc_sanitize_text(dst, cap, t, n);
    x->seen[f] = true;
    if (f == F_ADDRESS)
        return;
    /* instrument text with terminal escapes: shown sanitised, and said so */
    bool control = x->text_control;
    for (size_t i = 0; i < n && !control; i++)
        control = (unsigned char)t[i] < 0x20 || (unsigned char)t[i] >= 0x7f;
    x->out->sanitized |= control;
}

/* The local part of a tag name at x->pos (after '<' or '</'), copied into name. */
static bool tag_name(xml_state *x, char name[XML_NAME_MAX])
{
    size_t start = x->pos;
    while (x->pos < x->n) {
        char c = x->s[x->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/')
            break;
        x->pos++;
    }
    const char *p = x->s + start;
    size_t n = x->pos - start;
    const char *colon = memrchr(p, ':', n);
    if (colon) {
        n -= (size_t)(colon + 1 - p);
        p = colon + 1;
    }
    if (n == 0 || n >= XML_NAME_MAX)
        return false;
    memcpy(name, p, n);
    name[n] = '\0';
    return true;
}

/* Skip attributes to the end of the tag; *empty for "/>". Quotes may hold '>'. */
static bool tag_rest(xml_state *x, bool *empty)
{
    char quote = 0;
    while (x->pos < x->n) {
        char c = x->s[x->pos++];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            *empty = x->pos >= 2 && x->s[x->pos - 2] == '/';
            return true;
        }
    }
    return false;
}

static sc_status xml_tag(xml_state *x, sc_error *err)
{
    if (starts(x, "<?"))
        return skip_past(x, "?>") ? SC_OK : sc_error_set(err, SC_ERR_FORMAT, "unterminated <? ... ?>");
    if (starts(x, "<!--"))
        return skip_past(x, "-->") ? SC_OK : sc_error_set(err, SC_ERR_FORMAT, "unterminated comment");
    if (starts(x, "<![CDATA[")) {
        size_t from = x->pos + 9;
        if (!skip_past(x, "]]>"))
            return sc_error_set(err, SC_ERR_FORMAT, "unterminated CDATA section");
        for (size_t i = from; i + 3 < x->pos; i++) /* the content, without "]]>" */
            text_add(x, x->s[i]);
        return SC_OK;
    }
    if (starts(x, "<!"))
        return skip_past(x, ">") ? SC_OK : sc_error_set(err, SC_ERR_FORMAT, "unterminated <! ... >");
    bool closing = starts(x, "</");
    x->pos += closing ? 2 : 1;
    char name[XML_NAME_MAX];
    if (!tag_name(x, name))
        return sc_error_set(err, SC_ERR_FORMAT, "a tag without a usable name at byte %zu", x->pos);
    bool empty = false;
    if (!tag_rest(x, &empty))
        return sc_error_set(err, SC_ERR_FORMAT, "a tag that never ends");
    if (closing) {
        if (x->depth == 0 || strcmp(x->stack[x->depth - 1], name) != 0)
            return sc_error_set(err, SC_ERR_FORMAT, "</%s> does not close the open element", name);
        store_field(x, name);
        x->depth--;
        x->text_len = 0;
        x->text_control = false;
        return SC_OK;
    }
    if (x->depth == 0) {
        if (x->root[0])
            return sc_error_set(err, SC_ERR_FORMAT, "a second root element <%s>", name);
        snprintf(x->root, sizeof x->root, "%s", name);
    }
    if (empty)
        return SC_OK;
    if (x->depth >= XML_MAX_DEPTH)
        return sc_error_set(err, SC_ERR_FORMAT, "elements nested deeper than %d", XML_MAX_DEPTH);
    memcpy(x->stack[x->depth++], name, XML_NAME_MAX);
    x->text_len = 0;
    x->text_control = false;
    return SC_OK;
}

sc_status sc_lxi_parse_xml(const char *xml, size_t len, sc_lxi_ident *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    xml_state *x = calloc(1, sizeof *x);
    if (!x)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    x->s = xml;
    x->n = len;
    x->out = out;
    sc_status st = SC_OK;
    while (x->pos < x->n && st == SC_OK) {
        char c = x->s[x->pos];
        if (c == '<')
            st = xml_tag(x, err);
        else if (c == '&')
            entity(x);
        else {
            text_add(x, c);
            x->pos++;
        }
    }
    bool ok_root = strcmp(x->root, "LXIDevice") == 0;
    char root[XML_NAME_MAX];
    memcpy(root, x->root, sizeof root);
    free(x);
    if (st != SC_OK)
        return sc_error_prefix(err, "LXI identification XML");
    if (!root[0])
        return sc_error_set(err, SC_ERR_FORMAT, "LXI identification: no XML element in the reply");
    if (!ok_root)
        return sc_error_set(err, SC_ERR_FORMAT, "not an LXI identification document (root element <%s>, not <LXIDevice>)",
                            root);
    if (!out->idn.manufacturer[0] || !out->idn.model[0])
        return sc_error_set(err, SC_ERR_FORMAT, "LXI identification without Manufacturer and Model");
    return SC_OK;
}
