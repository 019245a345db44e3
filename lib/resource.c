/* Resource strings: every way a user names an instrument, parsed into one struct.
 *
 * The parser works on (pointer, length) slices of the user's text and never writes
 * into it.  The text is limited to sizeof res->text - 1 characters up front, so every
 * later loop is bounded by that, and every number is parsed with an explicit ceiling
 * instead of strtol (which would accept signs, spaces and overflow quietly).
 *
 * Order of recognition matters because "::" is both the VISA separator and part of
 * IPv6 literals:
 *   1. "scheme://..."                         URL
 *   2. TCPIP[n]:: / VICP[n]:: / USB[n]::      VISA (none of these prefixes is valid hex,
 *                                             so no IPv6 literal can start with one)
 *   3. "[v6]" or "[v6]:port"                  bracketed IPv6
 *   4. two or more ':'                        bare IPv6 literal (or an unknown VISA
 *                                             interface such as GPIB0::5::INSTR)
 *   5. one ':'                                host:port
 *   6. otherwise                              bare host name or IPv4 address
 *
 * Decisions worth knowing:
 *   - USB serial is optional: USB0::0x1AB1::0x04CE::INSTR means "the first instrument
 *     with these ids" (usb_serial empty).  VISA itself requires the serial, but with a
 *     single scope on the bench asking for it is only friction.  USB0::INSTR and
 *     usbtmc:// name no ids at all: the first USB-TMC instrument found (vendor and product
 *     id 0, which USB never assigns).
 *   - raw://host without a port is allowed and means the raw default, 5025 (port 0).
 *   - vxi11://host and TCPIP0::host without a device get device "inst0"; hislip://host
 *     gets "hislip0", so the canonical VISA string parses back to the same struct.
 *   - HiSLIP "hislip0,4880" stores device "hislip0" and port 4880; VXI-11 "gpib0,5"
 *     keeps the whole name, because there the number is a GPIB address, not a port.
 */
#include "scopecap/resource.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A slice of the resource text. */
typedef struct span {
    const char *p;
    size_t n;
} span;

#define MAX_VISA_FIELDS 8
#define MAX_BOARD 9999
#define MAX_ZONE_LEN 64
#define QUOTE_MAX 80 /* longest piece of user text quoted in a message */

/* Short reminders of the accepted forms, appended to each message. */
static const char FORMS_ANY[] =
    "accepted: host, host:port, TCPIP0::host::INSTR, TCPIP0::host::port::SOCKET, "
    "VICP::host, USB0::vid::pid::serial::INSTR, raw|vicp|vxi11|hislip|efirmata://host[:port], "
    "usbtmc:///dev/usbtmcN";
static const char FORMS_HOST[] =
    "accepted: host names of letters, digits, '.', '-' and '_', IPv4 addresses, IPv6 addresses "
    "(in [brackets] when a port follows)";
static const char FORMS_TCPIP[] =
    "accepted: TCPIP[n]::host[::inst0|::gpib0,5|::hislip0[,port]][::INSTR] or "
    "TCPIP[n]::host::port::SOCKET";
static const char FORMS_VICP[] = "accepted: VICP[n]::host[::INSTR] or vicp://host[:port]";
static const char FORMS_USB[] =
    "accepted: USB[n]::vid::pid[::serial[::interface]][::INSTR|::INST], or USB[n]::INSTR for the first "
    "USB-TMC instrument";
static const char FORMS_URL[] =
    "accepted: raw://host[:port], tcp://host[:port], vicp://host[:port], "
    "vxi11://host[:port][/inst0], hislip://host[:port][/hislip0], efirmata://host[:port], "
    "usbtmc:///dev/usbtmcN, usbtmc://vid:pid[/serial], usbtmc:// (the first USB-TMC instrument)";

/* ---- small ASCII helpers (locale independent on purpose) ---- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
static char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    c = to_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static span span_of(const char *p, size_t n)
{
    span s = {p, n};
    return s;
}

static bool span_ieq(span s, const char *word)
{
    size_t n = strlen(word);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (to_lower(s.p[i]) != to_lower(word[i]))
            return false;
    return true;
}

static bool span_iprefix(span s, const char *word)
{
    size_t n = strlen(word);
    return s.n >= n && span_ieq(span_of(s.p, n), word);
}

static bool span_starts(span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static span span_after(span s, size_t k)
{
    return k >= s.n ? span_of(s.p + s.n, 0) : span_of(s.p + k, s.n - k);
}

/* Index of the first `c` in s, or s.n. */
static size_t span_find_char(span s, char c)
{
    const char *hit = memchr(s.p, c, s.n);
    return hit ? (size_t)(hit - s.p) : s.n;
}

/* Index of the first "::" in s, or s.n. */
static size_t span_find_sep(span s)
{
    for (size_t i = 0; i + 1 < s.n; i++)
        if (s.p[i] == ':' && s.p[i + 1] == ':')
            return i;
    return s.n;
}

static size_t span_count_char(span s, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++)
        k += s.p[i] == c;
    return k;
}

/* Copy a slice into a fixed field; callers check the length first. */
static void span_copy(char *dst, size_t cap, span s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

/* A piece of user text fit for quoting in a message: printable and not too long. */
static const char *quote(char *buf, size_t cap, span s)
{
    if (s.n + 1 <= cap && s.n <= QUOTE_MAX) {
        sc_sanitize_text(buf, cap, s.p, s.n);
        return buf;
    }
    size_t keep = QUOTE_MAX < cap - 4 ? QUOTE_MAX : cap - 4;
    sc_sanitize_text(buf, keep + 1, s.p, keep);
    memcpy(buf + strlen(buf), "...", 4);
    return buf;
}

/* Every parse failure goes through here:
 *   resource "TEXT": WHAT IS WRONG (ACCEPTED FORMS) */
static sc_status bad(const sc_resource *res, sc_error *err, const char *forms, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static sc_status bad(const sc_resource *res, sc_error *err, const char *forms, const char *fmt, ...)
{
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char shown[QUOTE_MAX + 8];
    quote(shown, sizeof shown, span_of(res->text, strlen(res->text)));
    return sc_error_set(err, SC_ERR_USAGE, "resource \"%s\": %s (%s)", shown, what, forms);
}

/* ---- numbers ---- */

/* Decimal digits only, value in [lo, hi]. No sign, no spaces, no overflow. */
static bool parse_decimal(span s, unsigned lo, unsigned hi, unsigned *out)
{
    if (s.n == 0 || s.n > 10)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (!is_digit(s.p[i]))
            return false;
        v = v * 10 + (unsigned long)(s.p[i] - '0');
        if (v > hi)
            return false;
    }
    if (v < lo)
        return false;
    *out = (unsigned)v;
    return true;
}

/* USB ids: 0x-prefixed hex or decimal, 0..65535. */
static bool parse_usb_id(span s, uint16_t *out)
{
    unsigned v = 0;
    if (s.n > 2 && s.p[0] == '0' && to_lower(s.p[1]) == 'x') {
        for (size_t i = 2; i < s.n; i++) {
            int d = hex_value(s.p[i]);
            if (d < 0)
                return false;
            v = v * 16 + (unsigned)d;
            if (v > 0xFFFF)
                return false;
        }
    } else if (!parse_decimal(s, 0, 0xFFFF, &v)) {
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

static sc_status parse_port(sc_resource *res, sc_error *err, span s, const char *forms)
{
    unsigned v;
    if (!parse_decimal(s, 1, 65535, &v)) {
        char q[QUOTE_MAX + 8];
        return bad(res, err, forms, "port \"%s\" is not a number from 1 to 65535",
                   quote(q, sizeof q, s));
    }
    res->port = (uint16_t)v;
    return SC_OK;
}

/* ---- hosts ---- */

/* "addr" or "addr%zone" where addr is an IPv6 literal. */
static bool is_ipv6_literal(span s)
{
    size_t pct = span_find_char(s, '%');
    char addr[INET6_ADDRSTRLEN + 1];
    if (pct == 0 || pct >= sizeof addr)
        return false;
    memcpy(addr, s.p, pct);
    addr[pct] = '\0';
    struct in6_addr a6;
    if (inet_pton(AF_INET6, addr, &a6) != 1)
        return false;
    if (pct == s.n)
        return true;
    span zone = span_after(s, pct + 1);
    if (zone.n == 0 || zone.n > MAX_ZONE_LEN)
        return false;
    for (size_t i = 0; i < zone.n; i++)
        if (!is_alnum(zone.p[i]) && zone.p[i] != '.' && zone.p[i] != '-' && zone.p[i] != '_')
            return false;
    return true;
}

static bool is_name_char(char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; }

/* Check a host name or IPv4 address and store it. IPv6 literals go through
 * store_ipv6_host instead, because only brackets (or a bare resource) make them
 * unambiguous. */
static sc_status store_name_host(sc_resource *res, sc_error *err, span h, const char *forms)
{
    char q[QUOTE_MAX + 8];
    if (h.n == 0)
        return bad(res, err, forms, "the host is missing");
    if (h.n > SC_HOST_MAX - 1)
        return bad(res, err, forms, "the host is %zu characters long; at most %d are allowed", h.n,
                   SC_HOST_MAX - 1);
    bool all_numeric = true;
    for (size_t i = 0; i < h.n; i++) {
        char c = h.p[i];
        if (c == ':')
            return bad(res, err, forms,
                       "host \"%s\" contains ':' (put IPv6 addresses in [brackets] and the port in "
                       "its own field)",
                       quote(q, sizeof q, h));
        if (!is_name_char(c))
            return bad(res, err, FORMS_HOST, "host \"%s\" contains '%c'", quote(q, sizeof q, h), c);
        if (!is_digit(c) && c != '.')
            all_numeric = false;
    }
    if (h.p[0] == '-' || h.p[0] == '.')
        return bad(res, err, FORMS_HOST, "host \"%s\" must not start with '%c'", quote(q, sizeof q, h),
                   h.p[0]);
    /* "192.168.0.300" is digits and dots like an address, but no resolver would find it. */
    if (all_numeric) {
        char addr[SC_HOST_MAX];
        struct in_addr a4;
        span_copy(addr, sizeof addr, h);
        if (inet_pton(AF_INET, addr, &a4) != 1)
            return bad(res, err, FORMS_HOST, "host \"%s\" is not a valid IPv4 address",
                       quote(q, sizeof q, h));
    }
    span_copy(res->host, sizeof res->host, h);
    return SC_OK;
}

static sc_status store_ipv6_host(sc_resource *res, sc_error *err, span h, const char *forms)
{
    char q[QUOTE_MAX + 8];
    if (h.n == 0)
        return bad(res, err, forms, "the host between [ and ] is missing");
    if (h.n > SC_HOST_MAX - 1 || !is_ipv6_literal(h))
        return bad(res, err, forms, "\"%s\" in brackets is not an IPv6 address (like fe80::1%%eth0)",
                   quote(q, sizeof q, h));
    span_copy(res->host, sizeof res->host, h);
    return SC_OK;
}

/* "[v6]..." -> the address and what follows the ']'. */
static sc_status split_brackets(sc_resource *res, sc_error *err, span s, span *inside, span *rest,
                                const char *forms)
{
    size_t close = span_find_char(s, ']');
    if (close == s.n)
        return bad(res, err, forms, "'[' is not closed by ']'");
    *inside = span_of(s.p + 1, close - 1);
    *rest = span_after(s, close + 1);
    return SC_OK;
}

/* host, [v6], host:port or [v6]:port; `port_seen` tells the caller whether a port came. */
static sc_status parse_host_port(sc_resource *res, sc_error *err, span s, bool *port_seen,
                                 const char *forms)
{
    sc_status st;
    span host, tail;
    *port_seen = false;
    if (s.n > 0 && s.p[0] == '[') {
        if ((st = split_brackets(res, err, s, &host, &tail, forms)) != SC_OK)
            return st;
        if ((st = store_ipv6_host(res, err, host, forms)) != SC_OK)
            return st;
        if (tail.n == 0)
            return SC_OK;
        if (tail.p[0] != ':') {
            char q[QUOTE_MAX + 8];
            return bad(res, err, forms, "unexpected \"%s\" after ']' (expected :port)",
                       quote(q, sizeof q, tail));
        }
        *port_seen = true;
        return parse_port(res, err, span_after(tail, 1), forms);
    }
    size_t colon = span_find_char(s, ':');
    if (colon < s.n && span_count_char(s, ':') > 1)
        return bad(res, err, forms, "put an IPv6 address in [brackets] when a port follows");
    if ((st = store_name_host(res, err, span_of(s.p, colon), forms)) != SC_OK)
        return st;
    if (colon == s.n)
        return SC_OK;
    *port_seen = true;
    return parse_port(res, err, span_after(s, colon + 1), forms);
}

/* ---- VISA strings ---- */

typedef enum visa_iface { VISA_NONE, VISA_TCPIP, VISA_VICP, VISA_USB } visa_iface;

/* Recognise "TCPIP[n]::", "VICP[n]::" or "USB[n]::"; *rest is the text after the "::". */
static visa_iface match_visa_prefix(span s, span *board_digits, span *rest)
{
    static const struct {
        const char *name;
        visa_iface iface;
    } names[] = {{"TCPIP", VISA_TCPIP}, {"VICP", VISA_VICP}, {"USB", VISA_USB}};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (!span_iprefix(s, names[k].name))
            continue;
        size_t i = strlen(names[k].name);
        size_t d = i;
        while (i < s.n && is_digit(s.p[i]))
            i++;
        if (!span_starts(span_after(s, i), "::"))
            continue;
        *board_digits = span_of(s.p + d, i - d);
        *rest = span_after(s, i + 2);
        return names[k].iface;
    }
    return VISA_NONE;
}

/* Split on "::" into at most MAX_VISA_FIELDS fields. Empty input gives one empty field. */
static bool split_fields(span s, span *f, size_t *count)
{
    size_t n = 0;
    for (;;) {
        if (n == MAX_VISA_FIELDS)
            return false;
        size_t sep = span_find_sep(s);
        f[n++] = span_of(s.p, sep);
        if (sep == s.n)
            break;
        s = span_after(s, sep + 2);
    }
    *count = n;
    return true;
}

static sc_status check_no_empty_field(sc_resource *res, sc_error *err, const span *f, size_t n,
                                      const char *forms)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].n == 0)
            return bad(res, err, forms, "field %zu between '::' is empty", i + 1);
    return SC_OK;
}

/* "hislip" then digits: only then is a device a HiSLIP one ("hislipx0" is not). */
static bool is_hislip_name(span s, size_t base)
{
    return base > 6 && span_iprefix(s, "hislip") && is_digit(s.p[6]);
}

/* letters then digits, e.g. "inst0", "gpib0", "hislip1" */
static size_t name_and_number_len(span s)
{
    size_t i = 0;
    while (i < s.n && is_alpha(s.p[i]))
        i++;
    if (i == 0)
        return 0;
    size_t d = i;
    while (i < s.n && is_digit(s.p[i]))
        i++;
    return i > d ? i : 0;
}

static bool all_digits(span s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!is_digit(s.p[i]))
            return false;
    return true;
}

/* The device field of TCPIP[n]::host::DEVICE[::INSTR]: "inst0", "gpib0,5", "hislip0[,port]". */
static sc_status parse_tcpip_device(sc_resource *res, sc_error *err, span dev)
{
    char q[QUOTE_MAX + 8];
    if (all_digits(dev))
        return bad(res, err, FORMS_TCPIP, "port \"%s\" needs the ::SOCKET suffix (TCPIP0::host::%s::SOCKET)",
                   quote(q, sizeof q, dev), q);
    size_t base = name_and_number_len(dev);
    span tail = span_after(dev, base);
    if (base == 0 || (tail.n > 0 && (tail.p[0] != ',' || !all_digits(span_after(tail, 1)))))
        return bad(res, err, FORMS_TCPIP, "unknown VISA suffix \"%s\"", quote(q, sizeof q, dev));
    if (dev.n > sizeof res->device - 1)
        return bad(res, err, FORMS_TCPIP, "device name \"%s\" is longer than %zu characters",
                   quote(q, sizeof q, dev), sizeof res->device - 1);
    if (span_iprefix(dev, "hislip")) {
        if (!is_hislip_name(dev, base))
            return bad(res, err, FORMS_TCPIP, "unknown VISA suffix \"%s\" (HiSLIP devices are hislip0, hislip1, ...)",
                       quote(q, sizeof q, dev));
        res->protocol = SC_PROTO_HISLIP;
        span_copy(res->device, sizeof res->device, span_of(dev.p, base));
        return tail.n ? parse_port(res, err, span_after(tail, 1), FORMS_TCPIP) : SC_OK;
    }
    res->protocol = SC_PROTO_VXI11;
    span_copy(res->device, sizeof res->device, dev);
    return SC_OK;
}

static sc_status parse_board(sc_resource *res, sc_error *err, span digits, const char *forms)
{
    unsigned b = 0;
    char q[QUOTE_MAX + 8];
    if (digits.n > 0 && !parse_decimal(digits, 0, MAX_BOARD, &b))
        return bad(res, err, forms, "board number \"%s\" is larger than %d", quote(q, sizeof q, digits),
                   MAX_BOARD);
    res->board = (int)b;
    return SC_OK;
}

/* The host field of a VISA TCPIP/VICP string; brackets allow IPv6. *fields gets the rest. */
static sc_status parse_visa_host(sc_resource *res, sc_error *err, span rest, span *f, size_t *n,
                                 const char *forms)
{
    sc_status st;
    span after;
    if (rest.n > 0 && rest.p[0] == '[') {
        span host;
        if ((st = split_brackets(res, err, rest, &host, &after, forms)) != SC_OK)
            return st;
        if ((st = store_ipv6_host(res, err, host, forms)) != SC_OK)
            return st;
        if (after.n == 0) {
            *n = 0;
            return SC_OK;
        }
        if (!span_starts(after, "::")) {
            char q[QUOTE_MAX + 8];
            return bad(res, err, forms, "unexpected \"%s\" after ']' (expected ::)",
                       quote(q, sizeof q, after));
        }
        after = span_after(after, 2);
    } else {
        size_t sep = span_find_sep(rest);
        if ((st = store_name_host(res, err, span_of(rest.p, sep), forms)) != SC_OK)
            return st;
        if (sep == rest.n) {
            *n = 0;
            return SC_OK;
        }
        after = span_after(rest, sep + 2);
    }
    if (!split_fields(after, f, n))
        return bad(res, err, forms, "too many '::' fields");
    return check_no_empty_field(res, err, f, *n, forms);
}

static sc_status parse_visa_tcpip(sc_resource *res, sc_error *err, span rest)
{
    span f[MAX_VISA_FIELDS];
    size_t n;
    char q[QUOTE_MAX + 8];
    sc_status st = parse_visa_host(res, err, rest, f, &n, FORMS_TCPIP);
    if (st != SC_OK)
        return st;
    res->protocol = SC_PROTO_VXI11;
    if (n > 0 && span_ieq(f[n - 1], "SOCKET")) {
        if (n == 1)
            return bad(res, err, FORMS_TCPIP, "SOCKET needs a port before it (TCPIP0::host::5025::SOCKET)");
        if (n > 2)
            return bad(res, err, FORMS_TCPIP, "too many '::' fields");
        res->protocol = SC_PROTO_RAW;
        return parse_port(res, err, f[0], FORMS_TCPIP);
    }
    bool instr = n > 0 && span_ieq(f[n - 1], "INSTR");
    size_t devs = instr ? n - 1 : n;
    if (devs == 0) {
        snprintf(res->device, sizeof res->device, "inst0");
        return SC_OK;
    }
    if (devs == 1)
        return parse_tcpip_device(res, err, f[0]);
    if (!instr)
        return bad(res, err, FORMS_TCPIP, "unknown VISA suffix \"%s\"", quote(q, sizeof q, f[n - 1]));
    return bad(res, err, FORMS_TCPIP, "too many '::' fields");
}

static sc_status parse_visa_vicp(sc_resource *res, sc_error *err, span rest)
{
    span f[MAX_VISA_FIELDS];
    size_t n;
    char q[QUOTE_MAX + 8];
    sc_status st = parse_visa_host(res, err, rest, f, &n, FORMS_VICP);
    if (st != SC_OK)
        return st;
    res->protocol = SC_PROTO_VICP;
    if (n == 0 || (n == 1 && span_ieq(f[0], "INSTR")))
        return SC_OK;
    if (n == 1)
        return bad(res, err, FORMS_VICP, "unknown VISA suffix \"%s\"", quote(q, sizeof q, f[0]));
    return bad(res, err, FORMS_VICP, "too many '::' fields");
}

static sc_status parse_usb_ids(sc_resource *res, sc_error *err, span vid, span pid, const char *forms)
{
    char q[QUOTE_MAX + 8];
    if (!parse_usb_id(vid, &res->usb_vid))
        return bad(res, err, forms, "vendor id \"%s\" is not a number from 0 to 65535 (0x0000-0xFFFF)",
                   quote(q, sizeof q, vid));
    if (!parse_usb_id(pid, &res->usb_pid))
        return bad(res, err, forms, "product id \"%s\" is not a number from 0 to 65535 (0x0000-0xFFFF)",
                   quote(q, sizeof q, pid));
    return SC_OK;
}

/* Serial numbers are opaque, but ':' would break the VISA form and '/' the URL form. */
static sc_status store_usb_serial(sc_resource *res, sc_error *err, span s, const char *forms)
{
    char q[QUOTE_MAX + 8];
    if (s.n > sizeof res->usb_serial - 1)
        return bad(res, err, forms, "serial number is %zu characters long; at most %zu are allowed", s.n,
                   sizeof res->usb_serial - 1);
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] == ':' || s.p[i] == '/')
            return bad(res, err, forms, "serial number \"%s\" contains '%c'", quote(q, sizeof q, s),
                       s.p[i]);
    span_copy(res->usb_serial, sizeof res->usb_serial, s);
    return SC_OK;
}

static sc_status parse_visa_usb(sc_resource *res, sc_error *err, span rest)
{
    span f[MAX_VISA_FIELDS];
    size_t n;
    char q[QUOTE_MAX + 8];
    if (!split_fields(rest, f, &n))
        return bad(res, err, FORMS_USB, "too many '::' fields");
    sc_status st = check_no_empty_field(res, err, f, n, FORMS_USB);
    if (st != SC_OK)
        return st;
    res->protocol = SC_PROTO_USBTMC;
    bool suffix = n >= 1 && (span_ieq(f[n - 1], "INSTR") || span_ieq(f[n - 1], "INST"));
    if (n == 1 && suffix)
        return SC_OK; /* USB0::INSTR: no ids, the first USB-TMC instrument */
    if (n >= 2 && suffix)
        n--;
    if (n < 2)
        return bad(res, err, FORMS_USB, "vendor and product id are both needed (USB0::0x1AB1::0x04CE::INSTR)");
    if (n > 4)
        return bad(res, err, FORMS_USB, "too many '::' fields");
    if ((st = parse_usb_ids(res, err, f[0], f[1], FORMS_USB)) != SC_OK)
        return st;
    if (n >= 3 && (st = store_usb_serial(res, err, f[2], FORMS_USB)) != SC_OK)
        return st;
    if (n == 4) {
        unsigned intf;
        if (!all_digits(f[3]))
            return bad(res, err, FORMS_USB, "unknown VISA suffix \"%s\"", quote(q, sizeof q, f[3]));
        if (!parse_decimal(f[3], 0, 255, &intf))
            return bad(res, err, FORMS_USB, "interface number \"%s\" is not a number from 0 to 255",
                       quote(q, sizeof q, f[3]));
        res->usb_interface = (int)intf;
    }
    return SC_OK;
}

/* "fe80::1::INSTR" after TCPIP0:: splits into nonsense fields; when parsing failed,
 * say what actually happened instead of complaining about the field "1". */
static bool is_unbracketed_ipv6(span rest)
{
    static const char *const suffixes[] = {"::INSTR", "::SOCKET"};
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(suffixes[k]);
        if (rest.n > n && span_ieq(span_after(rest, rest.n - n), suffixes[k])) {
            rest.n -= n;
            break;
        }
    }
    return rest.n > 0 && rest.n <= SC_HOST_MAX - 1 && is_ipv6_literal(rest);
}

static sc_status parse_visa(sc_resource *res, sc_error *err, visa_iface iface, span board, span rest)
{
    static const char *const forms_of[] = {FORMS_ANY, FORMS_TCPIP, FORMS_VICP, FORMS_USB};
    sc_status st = parse_board(res, err, board, forms_of[iface]);
    if (st != SC_OK)
        return st;
    switch (iface) {
    case VISA_TCPIP: st = parse_visa_tcpip(res, err, rest); break;
    case VISA_VICP: st = parse_visa_vicp(res, err, rest); break;
    case VISA_USB: return parse_visa_usb(res, err, rest);
    case VISA_NONE: return bad(res, err, FORMS_ANY, "unknown VISA interface");
    }
    if (st != SC_OK && is_unbracketed_ipv6(rest))
        return bad(res, err, forms_of[iface],
                   "an IPv6 host needs [brackets] in a VISA string, like TCPIP0::[fe80::1]::INSTR");
    return st;
}

/* ---- URLs ---- */

static bool is_scheme(span s)
{
    if (s.n == 0 || !is_alpha(s.p[0]))
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!is_alnum(s.p[i]) && s.p[i] != '+' && s.p[i] != '-' && s.p[i] != '.')
            return false;
    return true;
}

/* usbtmc:///dev/usbtmc0, usbtmc://vid:pid[/serial], or usbtmc:// for the first one */
static sc_status parse_usbtmc_url(sc_resource *res, sc_error *err, span rest)
{
    res->protocol = SC_PROTO_USBTMC;
    if (rest.n == 0)
        return SC_OK; /* no ids: the first USB-TMC instrument */
    if (rest.n > 0 && rest.p[0] == '/') {
        if (rest.n == 1)
            return bad(res, err, FORMS_URL, "the device path is missing (usbtmc:///dev/usbtmc0)");
        if (rest.n > sizeof res->path - 1)
            return bad(res, err, FORMS_URL, "device path is %zu characters long; at most %zu are allowed",
                       rest.n, sizeof res->path - 1);
        span_copy(res->path, sizeof res->path, rest);
        return SC_OK;
    }
    size_t slash = span_find_char(rest, '/');
    span ids = span_of(rest.p, slash);
    size_t colon = span_find_char(ids, ':');
    if (ids.n == 0 || colon == ids.n)
        return bad(res, err, FORMS_URL, "usbtmc:// takes a device path, vid:pid, or nothing (the first USB-TMC instrument)");
    sc_status st = parse_usb_ids(res, err, span_of(ids.p, colon), span_after(ids, colon + 1), FORMS_URL);
    if (st != SC_OK || slash == rest.n)
        return st;
    return store_usb_serial(res, err, span_after(rest, slash + 1), FORMS_URL);
}

/* The path of vxi11:// and hislip:// names the device; the others take none. */
static sc_status parse_url_path(sc_resource *res, sc_error *err, span scheme, span path)
{
    char q[QUOTE_MAX + 8];
    span dev = span_after(path, 1); /* without the leading '/' */
    if (res->protocol == SC_PROTO_VXI11 || res->protocol == SC_PROTO_HISLIP) {
        const char *def = res->protocol == SC_PROTO_HISLIP ? "hislip0" : "inst0";
        if (dev.n == 0) {
            snprintf(res->device, sizeof res->device, "%s", def);
            return SC_OK;
        }
        size_t base = name_and_number_len(dev);
        bool gpib_address = res->protocol == SC_PROTO_VXI11 && base > 0 && base < dev.n &&
                            dev.p[base] == ',' && all_digits(span_after(dev, base + 1));
        /* a VXI-11 device named hislip... would turn into HiSLIP in the VISA form */
        bool ok = base > 0 && (base == dev.n || gpib_address) &&
                  (res->protocol == SC_PROTO_VXI11 ? !span_iprefix(dev, "hislip") : is_hislip_name(dev, base));
        if (!ok)
            return bad(res, err, FORMS_URL, "device \"%s\" is not a %s device name like %s",
                       quote(q, sizeof q, dev), sc_protocol_name(res->protocol), def);
        if (dev.n > sizeof res->device - 1)
            return bad(res, err, FORMS_URL, "device name \"%s\" is longer than %zu characters",
                       quote(q, sizeof q, dev), sizeof res->device - 1);
        span_copy(res->device, sizeof res->device, dev);
        return SC_OK;
    }
    if (dev.n == 0)
        return SC_OK;
    char sq[QUOTE_MAX + 8];
    return bad(res, err, FORMS_URL, "%s:// takes no path, but \"%s\" follows the host",
               quote(sq, sizeof sq, scheme), quote(q, sizeof q, path));
}

static sc_status parse_url(sc_resource *res, sc_error *err, span scheme, span rest)
{
    static const struct {
        const char *name;
        sc_protocol proto;
    } schemes[] = {
        {"raw", SC_PROTO_RAW},       {"tcp", SC_PROTO_RAW},           {"socket", SC_PROTO_RAW},
        {"vicp", SC_PROTO_VICP},     {"vxi11", SC_PROTO_VXI11},       {"vxi-11", SC_PROTO_VXI11},
        {"hislip", SC_PROTO_HISLIP}, {"usbtmc", SC_PROTO_USBTMC},     {"efirmata", SC_PROTO_EFIRMATA},
    };
    char q[QUOTE_MAX + 8];
    size_t k = 0;
    while (k < sizeof schemes / sizeof schemes[0] && !span_ieq(scheme, schemes[k].name))
        k++;
    if (k == sizeof schemes / sizeof schemes[0])
        return bad(res, err, FORMS_URL, "unknown scheme \"%s://\"", quote(q, sizeof q, scheme));
    res->protocol = schemes[k].proto;
    if (res->protocol == SC_PROTO_USBTMC)
        return parse_usbtmc_url(res, err, rest);

    /* The authority ends at the first '/' outside of brackets. */
    size_t start = 0;
    if (rest.n > 0 && rest.p[0] == '[') {
        start = span_find_char(rest, ']');
        if (start == rest.n)
            return bad(res, err, FORMS_URL, "'[' is not closed by ']'");
    }
    size_t slash = start + span_find_char(span_after(rest, start), '/');
    bool port_seen;
    sc_status st = parse_host_port(res, err, span_of(rest.p, slash), &port_seen, FORMS_URL);
    if (st != SC_OK)
        return st;
    return parse_url_path(res, err, scheme, span_after(rest, slash));
}

/* ---- bare forms ---- */

/* "GPIB0::5::INSTR", "ASRL1::INSTR": letters (and a board) before "::" that are not hex. */
static bool looks_like_visa(span s, span *iface)
{
    size_t sep = span_find_sep(s);
    size_t i = 0;
    while (i < sep && is_alpha(s.p[i]))
        i++;
    if (i == 0)
        return false;
    bool all_hex = true;
    for (size_t j = 0; j < i; j++)
        all_hex = all_hex && hex_value(s.p[j]) >= 0;
    while (i < sep && is_digit(s.p[i]))
        i++;
    *iface = span_of(s.p, sep);
    return i == sep && sep < s.n && !all_hex;
}

static sc_status parse_bare(sc_resource *res, sc_error *err, span s)
{
    sc_status st;
    char q[QUOTE_MAX + 8];
    if (s.p[0] == '[') {
        bool port_seen;
        if ((st = parse_host_port(res, err, s, &port_seen, FORMS_ANY)) != SC_OK)
            return st;
        res->protocol = port_seen ? SC_PROTO_RAW : SC_PROTO_AUTO;
        return SC_OK;
    }
    size_t colons = span_count_char(s, ':');
    if (colons >= 2) {
        span iface;
        if (s.n <= SC_HOST_MAX - 1 && is_ipv6_literal(s)) {
            span_copy(res->host, sizeof res->host, s);
            res->protocol = SC_PROTO_AUTO;
            return SC_OK;
        }
        if (looks_like_visa(s, &iface))
            return bad(res, err, FORMS_ANY, "unknown VISA interface \"%s\" (TCPIP[n], VICP[n] and USB[n] are supported)",
                       quote(q, sizeof q, iface));
        return bad(res, err, FORMS_ANY, "\"%s\" is not a valid IPv6 address", quote(q, sizeof q, s));
    }
    bool port_seen;
    if ((st = parse_host_port(res, err, s, &port_seen, FORMS_ANY)) != SC_OK)
        return st;
    res->protocol = port_seen ? SC_PROTO_RAW : SC_PROTO_AUTO;
    return SC_OK;
}

/* ---- public ---- */

sc_status sc_resource_parse(const char *text, sc_resource *out, sc_error *err)
{
    if (!out)
        return sc_error_set(err, SC_ERR_USAGE, "resource: no result struct given (library misuse)");
    memset(out, 0, sizeof *out);
    out->usb_interface = -1;
    if (!text || !text[0])
        return sc_error_set(err, SC_ERR_USAGE, "resource is empty (%s)", FORMS_ANY);
    size_t len = strnlen(text, sizeof out->text);
    span_copy(out->text, sizeof out->text, span_of(text, len));
    if (len >= sizeof out->text)
        return bad(out, err, FORMS_ANY, "longer than %zu characters", sizeof out->text - 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c >= 0x7f)
            return bad(out, err, FORMS_ANY, "%s at position %zu",
                       c == ' ' || (c >= '\t' && c <= '\r') ? "whitespace" : "a control or non-ASCII byte",
                       i + 1);
    }
    span s = span_of(text, len);

    size_t sep = 0;
    while (sep + 2 < s.n && memcmp(s.p + sep, "://", 3) != 0)
        sep++;
    if (sep + 2 < s.n && is_scheme(span_of(s.p, sep)))
        return parse_url(out, err, span_of(s.p, sep), span_after(s, sep + 3));

    span board, rest;
    visa_iface iface = match_visa_prefix(s, &board, &rest);
    if (iface != VISA_NONE)
        return parse_visa(out, err, iface, board, rest);
    return parse_bare(out, err, s);
}

sc_status sc_protocol_parse(const char *name, sc_protocol *out, sc_error *err)
{
    static const struct {
        const char *name;
        sc_protocol proto;
    } names[] = {
        {"auto", SC_PROTO_AUTO},     {"raw", SC_PROTO_RAW},         {"socket", SC_PROTO_RAW},
        {"tcp", SC_PROTO_RAW},       {"vicp", SC_PROTO_VICP},       {"vxi11", SC_PROTO_VXI11},
        {"vxi-11", SC_PROTO_VXI11},  {"hislip", SC_PROTO_HISLIP},   {"usbtmc", SC_PROTO_USBTMC},
        {"usb", SC_PROTO_USBTMC},    {"efirmata", SC_PROTO_EFIRMATA},
    };
    span s = span_of(name ? name : "", name ? strnlen(name, 64) : 0);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (span_ieq(s, names[k].name)) {
            if (out)
                *out = names[k].proto;
            return SC_OK;
        }
    }
    char q[QUOTE_MAX + 8];
    return sc_error_set(err, SC_ERR_USAGE,
                        "unknown protocol \"%s\" (accepted: auto, raw, vicp, vxi11, hislip, usbtmc, efirmata)",
                        quote(q, sizeof q, s));
}

const char *sc_protocol_name(sc_protocol p)
{
    switch (p) {
    case SC_PROTO_AUTO: return "auto";
    case SC_PROTO_RAW: return "raw";
    case SC_PROTO_VICP: return "vicp";
    case SC_PROTO_VXI11: return "vxi11";
    case SC_PROTO_HISLIP: return "hislip";
    case SC_PROTO_USBTMC: return "usbtmc";
    case SC_PROTO_EFIRMATA: return "efirmata";
    }
    return "unknown";
}

uint16_t sc_protocol_default_port(sc_protocol p)
{
    switch (p) {
    case SC_PROTO_RAW: return 5025;
    case SC_PROTO_VICP: return 1861;
    case SC_PROTO_VXI11: return 111; /* the portmapper; the core channel port comes from it */
    case SC_PROTO_HISLIP: return 4880;
    case SC_PROTO_EFIRMATA: return 2117;
    case SC_PROTO_AUTO:
    case SC_PROTO_USBTMC: return 0;
    }
    return 0;
}

uint16_t sc_resource_port(const sc_resource *res)
{
    return res->port ? res->port : sc_protocol_default_port(res->protocol);
}

/* IPv6 literals need brackets whenever something follows them. */
static void format_host(char *buf, size_t cap, const char *host)
{
    if (strchr(host, ':'))
        snprintf(buf, cap, "[%s]", host);
    else
        snprintf(buf, cap, "%s", host);
}

void sc_resource_describe(const sc_resource *res, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return;
    char host[SC_HOST_MAX + 2];
    format_host(host, sizeof host, res->host);
    if (res->protocol == SC_PROTO_USBTMC) {
        if (res->path[0])
            snprintf(buf, cap, "%s", res->path);
        else if (!res->usb_vid && !res->usb_pid && !res->usb_serial[0])
            snprintf(buf, cap, "USB (the first USB-TMC instrument)");
        else
            snprintf(buf, cap, "USB %04x:%04x%s%s", res->usb_vid, res->usb_pid, res->usb_serial[0] ? " " : "",
                     res->usb_serial);
    } else if (res->protocol == SC_PROTO_AUTO) {
        snprintf(buf, cap, "%s", res->host);
    } else {
        snprintf(buf, cap, "%s:%u", host, (unsigned)sc_resource_port(res));
    }
}

/* Canonical form.  Where VISA has no way to say it (VICP or VXI-11 on another port,
 * eFirmata, a /dev/usbtmcN path) the URL form is used, so the result always parses
 * back to the same resource. */
void sc_resource_to_visa(const sc_resource *res, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return;
    char host[SC_HOST_MAX + 2];
    format_host(host, sizeof host, res->host);
    const char *dev = res->device;
    switch (res->protocol) {
    case SC_PROTO_AUTO:
        snprintf(buf, cap, "%s", res->host);
        return;
    case SC_PROTO_RAW:
        snprintf(buf, cap, "TCPIP%d::%s::%u::SOCKET", res->board, host, (unsigned)sc_resource_port(res));
        return;
    case SC_PROTO_VXI11:
        if (!dev[0])
            dev = "inst0";
        if (res->port)
            snprintf(buf, cap, "vxi11://%s:%u/%s", host, (unsigned)res->port, dev);
        else
            snprintf(buf, cap, "TCPIP%d::%s::%s::INSTR", res->board, host, dev);
        return;
    case SC_PROTO_HISLIP:
        if (!dev[0])
            dev = "hislip0";
        if (res->port)
            snprintf(buf, cap, "TCPIP%d::%s::%s,%u::INSTR", res->board, host, dev, (unsigned)res->port);
        else
            snprintf(buf, cap, "TCPIP%d::%s::%s::INSTR", res->board, host, dev);
        return;
    case SC_PROTO_VICP:
        if (res->port)
            snprintf(buf, cap, "vicp://%s:%u", host, (unsigned)res->port);
        else if (res->board)
            snprintf(buf, cap, "VICP%d::%s::INSTR", res->board, host);
        else
            snprintf(buf, cap, "VICP::%s::INSTR", host);
        return;
    case SC_PROTO_USBTMC:
        if (res->path[0])
            snprintf(buf, cap, "usbtmc://%s", res->path);
        else if (!res->usb_vid && !res->usb_pid && !res->usb_serial[0])
            snprintf(buf, cap, "USB%d::INSTR", res->board);
        else if (!res->usb_serial[0]) /* an interface number needs a serial before it */
            snprintf(buf, cap, "USB%d::0x%04X::0x%04X::INSTR", res->board, res->usb_vid, res->usb_pid);
        else if (res->usb_interface >= 0)
            snprintf(buf, cap, "USB%d::0x%04X::0x%04X::%s::%d::INSTR", res->board, res->usb_vid,
                     res->usb_pid, res->usb_serial, res->usb_interface);
        else
            snprintf(buf, cap, "USB%d::0x%04X::0x%04X::%s::INSTR", res->board, res->usb_vid, res->usb_pid,
                     res->usb_serial);
        return;
    case SC_PROTO_EFIRMATA:
        if (res->port)
            snprintf(buf, cap, "efirmata://%s:%u", host, (unsigned)res->port);
        else
            snprintf(buf, cap, "efirmata://%s", host);
        return;
    }
    snprintf(buf, cap, "%s", res->host);
}
