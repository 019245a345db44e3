/* What a scan found: instruments merged by address, each with every protocol that
 * answered and the resource string to paste for it, best first; and the three ways to
 * print that (aligned table, CSV, JSON). Also the small tables (port -> probe, names). */
#include "discover/discover_internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[SC_PROBE_KIND_COUNT] = { "raw", "vicp", "vxi11", "hislip", "lxi" };

const char *sc_probe_kind_name(sc_probe_kind k)
{
    return (unsigned)k < SC_PROBE_KIND_COUNT ? kind_names[k] : "usbtmc";
}

sc_probe_kind sc_probe_kind_for_port(uint16_t port)
{
    switch (port) {
    case 111: return SC_PROBE_VXI11;
    case 1861: return SC_PROBE_VICP;
    case 4880: return SC_PROBE_HISLIP;
    case 80: return SC_PROBE_LXI;
    default: return SC_PROBE_RAW;
    }
}

const char *sc_probe_outcome_name(sc_probe_outcome o)
{
    switch (o) {
    case SC_PROBE_IDENTIFIED: return "identified";
    case SC_PROBE_REFUSED: return "refused";
    case SC_PROBE_NO_ANSWER: return "no answer";
    case SC_PROBE_UNREACHABLE: return "unreachable";
    case SC_PROBE_SILENT: return "silent";
    case SC_PROBE_CLOSED: return "closed";
    case SC_PROBE_WRONG_PROTOCOL: return "wrong protocol";
    case SC_PROBE_REJECTED: return "rejected";
    case SC_PROBE_LOCAL_ERROR: return "local error";
    }
    return "?";
}

sc_status sc_scan_parse_ports(const char *list, sc_scan_port *out, size_t cap, size_t *n, sc_error *err)
{
    *n = 0;
    char copy[512];
    if (!list || strlen(list) >= sizeof copy)
        return sc_error_set(err, SC_ERR_USAGE, "--ports: give a list like 111,1861,5025 or raw:3000,vicp:1862");
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        sc_probe_kind kind = SC_PROBE_KIND_COUNT;
        char *colon = strchr(tok, ':');
        if (colon) {
            *colon = '\0';
            for (int k = 0; k < SC_PROBE_KIND_COUNT; k++)
                if (strcmp(tok, kind_names[k]) == 0)
                    kind = (sc_probe_kind)k;
            if (kind == SC_PROBE_KIND_COUNT)
                return sc_error_set(err, SC_ERR_USAGE, "--ports: unknown protocol \"%s\" (raw, vicp, vxi11, hislip, lxi)",
                                    tok);
            tok = colon + 1;
        }
        char *end;
        long v = strtol(tok, &end, 10);
        if (*end || end == tok || v < 1 || v > 65535)
            return sc_error_set(err, SC_ERR_USAGE, "--ports: \"%s\" is not a port number 1-65535", tok);
        if (kind == SC_PROBE_KIND_COUNT)
            kind = sc_probe_kind_for_port((uint16_t)v);
        bool dup = false;
        for (size_t i = 0; i < *n; i++)
            dup |= out[i].port == (uint16_t)v && out[i].kind == kind;
        if (dup)
            continue;
        if (*n >= cap)
            return sc_error_set(err, SC_ERR_USAGE, "--ports: at most %zu ports", cap);
        out[*n].port = (uint16_t)v;
        out[*n].kind = kind;
        (*n)++;
    }
    if (*n == 0)
        return sc_error_set(err, SC_ERR_USAGE, "--ports: the list is empty");
    return SC_OK;
}

void sc_scan_options_init(sc_scan_options *o)
{
    memset(o, 0, sizeof *o);
    sc_scan_parse_ports(SC_SCAN_DEFAULT_PORTS, o->ports, SC_SCAN_MAX_PORTS, &o->port_count, NULL);
    o->connect_timeout_ms = 500;
    o->reply_timeout_ms = 2000;
    o->concurrency = 256;
    o->listen_ms = 1000;
    o->usb = true;
    o->usb_timeout_ms = 2000;
}

/* ---- identification text ---- */

/* The reply without its trailing line end and blanks, and without a leading "*IDN "
 * header (LeCroy with COMM_HEADER SHORT/LONG). */
static void idn_trim(const char **text, size_t *len)
{
    const char *t = *text;
    size_t n = *len;
    while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\0'))
        n--;
    while (n && (*t == ' ' || *t == '\t'))
        t++, n--;
    if (n >= 5 && memcmp(t, "*IDN ", 5) == 0)
        t += 5, n -= 5;
    else if (n >= 6 && memcmp(t, "*IDN? ", 6) == 0)
        t += 6, n -= 6;
    *text = t;
    *len = n;
}

static bool is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c >= 0x7f;
}

bool sc_idn_reply_has_control(const char *text, size_t len)
{
    idn_trim(&text, &len);
    for (size_t i = 0; i < len; i++)
        if (is_control((unsigned char)text[i]))
            return true;
    return false;
}

static bool has_alnum(const char *s)
{
    for (; *s; s++)
        if ((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
            return true;
    return false;
}

bool sc_idn_valid_reply(const char *text, size_t len, sc_idn *out)
{
    idn_trim(&text, &len);
    unsigned commas = 0;
    size_t control = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == 0)
            return false; /* binary, not an identification */
        control += is_control(c) && c < 0x80;
        commas += c == ',';
    }
    /* a few escape sequences in a line of text are a hostile or broken instrument, shown
     * sanitised; mostly control bytes is binary or a terminal banner */
    if (commas < 3 || len > 512 || control * 4 > len)
        return false;
    sc_error err;
    if (sc_idn_parse(text, len, out, &err) != SC_OK)
        return false;
    return has_alnum(out->manufacturer) && has_alnum(out->model);
}

/* ---- resources ---- */

/* Lower is better: the protocol to paste first. VICP is what LeCroy scopes want, HiSLIP
 * and VXI-11 carry message ends, raw sockets do not; LXI HTTP only identifies. */
int sc_scan_kind_rank(sc_probe_kind kind, uint16_t port)
{
    switch (kind) {
    case SC_PROBE_VICP: return 10;
    case SC_PROBE_HISLIP: return 20;
    case SC_PROBE_VXI11: return 30;
    case SC_PROBE_RAW: return port == 5025 ? 40 : port == 5555 ? 41 : 42;
    case SC_PROBE_LXI: return 90;
    case SC_PROBE_KIND_COUNT: return 5; /* USB-TMC */
    }
    return 99;
}

void sc_scan_make_resource(const char *host, sc_probe_kind kind, uint16_t port, const char *lxi_address, char *buf,
                           size_t cap)
{
    sc_resource res;
    memset(&res, 0, sizeof res);
    snprintf(res.host, sizeof res.host, "%s", host);
    res.usb_interface = -1;
    switch (kind) {
    case SC_PROBE_RAW: res.protocol = SC_PROTO_RAW; res.port = port; break;
    case SC_PROBE_VICP: res.protocol = SC_PROTO_VICP; res.port = port == 1861 ? 0 : port; break;
    case SC_PROBE_VXI11: res.protocol = SC_PROTO_VXI11; res.port = port == 111 ? 0 : port; break;
    case SC_PROBE_HISLIP: res.protocol = SC_PROTO_HISLIP; res.port = port == 4880 ? 0 : port; break;
    case SC_PROBE_LXI:
    case SC_PROBE_KIND_COUNT: {
        sc_resource parsed;
        sc_error err;
        if (lxi_address && lxi_address[0] && sc_resource_parse(lxi_address, &parsed, &err) == SC_OK) {
            sc_resource_to_visa(&parsed, buf, cap);
            return;
        }
        bool v6 = strchr(host, ':') != NULL;
        if (port == 80)
            snprintf(buf, cap, "http://%s%s%s/", v6 ? "[" : "", host, v6 ? "]" : "");
        else
            snprintf(buf, cap, "http://%s%s%s:%u/", v6 ? "[" : "", host, v6 ? "]" : "", port);
        return;
    }
    }
    sc_resource_to_visa(&res, buf, cap);
}

/* ---- the result ---- */

void sc_scan_result_init(sc_scan_result *r)
{
    memset(r, 0, sizeof *r);
    sc_buf_init(&r->notes, 1 << 20);
}

void sc_scan_result_free(sc_scan_result *r)
{
    free(r->items);
    sc_buf_free(&r->notes);
    memset(r, 0, sizeof *r);
}

void sc_scan_result_note(sc_scan_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_buf_vappendf(&r->notes, NULL, fmt, ap);
    va_end(ap);
    sc_buf_append(&r->notes, "\n", 1, NULL);
}

static int service_cmp(const void *a, const void *b)
{
    const sc_found_service *x = a, *y = b;
    int rx = sc_scan_kind_rank(x->kind, x->port), ry = sc_scan_kind_rank(y->kind, y->port);
    if (rx != ry)
        return rx - ry;
    return (int)x->port - (int)y->port;
}

static bool only_lxi(const sc_found *f)
{
    for (size_t i = 0; i < f->service_count; i++)
        if (f->services[i].kind != SC_PROBE_LXI)
            return false;
    return true;
}

sc_status sc_scan_result_add(sc_scan_result *r, const char *address, const sc_idn *idn, const sc_found_service *svc,
                             unsigned found_by, sc_error *err)
{
    sc_found *f = NULL;
    for (size_t i = 0; i < r->count && !f; i++)
        if (strcmp(r->items[i].address, address) == 0)
            f = &r->items[i];
    if (!f) {
        if (r->count == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 16;
            sc_found *items = realloc(r->items, cap * sizeof *items);
            if (!items)
                return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
            r->items = items;
            r->cap = cap;
        }
        f = &r->items[r->count++];
        memset(f, 0, sizeof *f);
        snprintf(f->address, sizeof f->address, "%s", address);
        f->idn = *idn;
        f->vendor = sc_vendor_from_manufacturer(idn->manufacturer);
    } else if (svc->kind != SC_PROBE_LXI && only_lxi(f)) {
        f->idn = *idn; /* *IDN? says it the instrument's own way: prefer it to the XML */
        f->vendor = sc_vendor_from_manufacturer(idn->manufacturer);
    }
    f->found_by |= found_by;
    for (size_t i = 0; i < f->service_count; i++)
        if (f->services[i].kind == svc->kind && f->services[i].port == svc->port)
            return SC_OK;
    if (f->service_count < SC_FOUND_MAX_SERVICES)
        f->services[f->service_count++] = *svc;
    qsort(f->services, f->service_count, sizeof f->services[0], service_cmp);
    return SC_OK;
}

/* IPv4 addresses in numeric order first, then IPv6, then USB. */
static int found_cmp(const void *a, const void *b)
{
    const sc_found *x = a, *y = b;
    struct in_addr ax, ay;
    bool x4 = inet_pton(AF_INET, x->address, &ax) == 1, y4 = inet_pton(AF_INET, y->address, &ay) == 1;
    if (x4 && y4) {
        uint32_t p = ntohl(ax.s_addr), q = ntohl(ay.s_addr);
        return p < q ? -1 : p > q;
    }
    if (x4 != y4)
        return x4 ? -1 : 1;
    bool xu = strncmp(x->address, "usb", 3) == 0, yu = strncmp(y->address, "usb", 3) == 0;
    if (xu != yu)
        return xu ? 1 : -1;
    return strcmp(x->address, y->address);
}

void sc_scan_result_sort(sc_scan_result *r)
{
    if (r->count > 1)
        qsort(r->items, r->count, sizeof r->items[0], found_cmp);
}

/* ---- rendering ---- */

sc_status sc_scan_format_parse(const char *name, sc_scan_format *out, sc_error *err)
{
    if (strcmp(name, "table") == 0)
        *out = SC_SCAN_TABLE;
    else if (strcmp(name, "csv") == 0)
        *out = SC_SCAN_CSV;
    else if (strcmp(name, "json") == 0)
        *out = SC_SCAN_JSON;
    else
        return sc_error_set(err, SC_ERR_USAGE, "--format: \"%s\" is not table, csv or json", name);
    return SC_OK;
}

static void found_by_text(unsigned bits, char *buf, size_t cap)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { SC_FOUND_BY_TCP, "tcp" }, { SC_FOUND_BY_BROADCAST, "broadcast" }, { SC_FOUND_BY_MDNS, "mdns" },
        { SC_FOUND_BY_USB, "usb" },
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (bits & names[i].bit) {
            size_t l = strlen(buf);
            snprintf(buf + l, cap - l, "%s%s", l ? "+" : "", names[i].name);
        }
}

static void csv_field(sc_buf *out, const char *s, bool last)
{
    bool quote = strpbrk(s, ",\"\n") != NULL;
    if (quote) {
        sc_buf_append(out, "\"", 1, NULL);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                sc_buf_append(out, "\"", 1, NULL);
            sc_buf_append(out, p, 1, NULL);
        }
        sc_buf_append(out, "\"", 1, NULL);
    } else {
        sc_buf_append(out, s, strlen(s), NULL);
    }
    sc_buf_append(out, last ? "\n" : ",", 1, NULL);
}

static void json_string(sc_buf *out, const char *s)
{
    sc_buf_append(out, "\"", 1, NULL);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = { '\\', (char)*p };
            sc_buf_append(out, e, 2, NULL);
        } else if (*p < 0x20) {
            sc_buf_appendf(out, NULL, "\\u%04x", *p);
        } else {
            sc_buf_append(out, p, 1, NULL);
        }
    }
    sc_buf_append(out, "\"", 1, NULL);
}

static void render_csv(const sc_scan_result *r, sc_buf *out)
{
    sc_buf_appendf(out, NULL, "address,manufacturer,model,serial,firmware,protocol,port,resource,found_by\n");
    for (size_t i = 0; i < r->count; i++) {
        const sc_found *f = &r->items[i];
        char by[64], port[8];
        found_by_text(f->found_by, by, sizeof by);
        for (size_t s = 0; s < f->service_count; s++) {
            snprintf(port, sizeof port, "%u", f->services[s].port);
            csv_field(out, f->address, false);
            csv_field(out, f->idn.manufacturer, false);
            csv_field(out, f->idn.model, false);
            csv_field(out, f->idn.serial, false);
            csv_field(out, f->idn.firmware, false);
            csv_field(out, f->services[s].name, false);
            csv_field(out, f->services[s].port ? port : "", false);
            csv_field(out, f->services[s].resource, false);
            csv_field(out, by, true);
        }
    }
}

static void render_json(const sc_scan_result *r, sc_buf *out)
{
    sc_buf_appendf(out, NULL, "{\n  \"instruments\": [");
    for (size_t i = 0; i < r->count; i++) {
        const sc_found *f = &r->items[i];
        char by[64];
        found_by_text(f->found_by, by, sizeof by);
        sc_buf_appendf(out, NULL, "%s\n    {\"address\": ", i ? "," : "");
        json_string(out, f->address);
        sc_buf_appendf(out, NULL, ", \"manufacturer\": ");
        json_string(out, f->idn.manufacturer);
        sc_buf_appendf(out, NULL, ", \"model\": ");
        json_string(out, f->idn.model);
        sc_buf_appendf(out, NULL, ", \"serial\": ");
        json_string(out, f->idn.serial);
        sc_buf_appendf(out, NULL, ", \"firmware\": ");
        json_string(out, f->idn.firmware);
        sc_buf_appendf(out, NULL, ", \"vendor\": ");
        json_string(out, sc_vendor_name(f->vendor));
        sc_buf_appendf(out, NULL, ", \"found_by\": ");
        json_string(out, by);
        sc_buf_appendf(out, NULL, ",\n     \"services\": [");
        for (size_t s = 0; s < f->service_count; s++) {
            sc_buf_appendf(out, NULL, "%s{\"protocol\": ", s ? ", " : "");
            json_string(out, f->services[s].name);
            sc_buf_appendf(out, NULL, ", \"port\": %u, \"resource\": ", f->services[s].port);
            json_string(out, f->services[s].resource);
            sc_buf_appendf(out, NULL, "}");
        }
        sc_buf_appendf(out, NULL, "]}");
    }
    sc_buf_appendf(out, NULL, "%s],\n  \"notes\": [", r->count ? "\n  " : "");
    size_t pos = 0, k = 0;
    while (pos < r->notes.len) {
        const uint8_t *nl = memchr(r->notes.data + pos, '\n', r->notes.len - pos);
        size_t n = nl ? (size_t)(nl - (r->notes.data + pos)) : r->notes.len - pos;
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line - 1 ? n : sizeof line - 1),
                 (const char *)r->notes.data + pos);
        sc_buf_appendf(out, NULL, "%s\n    ", k++ ? "," : "");
        json_string(out, line);
        pos += n + 1;
    }
    sc_buf_appendf(out, NULL, "%s],\n  \"hosts_scanned\": %llu,\n  \"elapsed_s\": %.3f\n}\n", k ? "\n  " : "",
        (unsigned long long)r->hosts_done, r->elapsed_s);
}

static size_t width_of(const sc_scan_result *r, int col)
{
    size_t w = 0;
    for (size_t i = 0; i < r->count; i++) {
        const sc_found *f = &r->items[i];
        const char *s = col == 0 ? f->address : col == 1 ? f->idn.manufacturer : col == 2 ? f->idn.model : f->idn.serial;
        size_t l = strlen(s);
        w = l > w ? l : w;
    }
    return w;
}

static void render_table(const sc_scan_result *r, sc_buf *out)
{
    static const char *const head[] = { "ADDRESS", "MANUFACTURER", "MODEL", "SERIAL" };
    int w[4];
    for (int c = 0; c < 4; c++) {
        size_t x = width_of(r, c), h = strlen(head[c]);
        w[c] = (int)(x > h ? x : h);
    }
    sc_buf_appendf(out, NULL, "%-*s  %-*s  %-*s  %-*s  %-8s %s\n", w[0], head[0], w[1], head[1], w[2], head[2], w[3], head[3],
        "PROTOCOL", "RESOURCE");
    for (size_t i = 0; i < r->count; i++) {
        const sc_found *f = &r->items[i];
        for (size_t s = 0; s < f->service_count; s++) {
            bool first = s == 0;
            sc_buf_appendf(out, NULL, "%-*s  %-*s  %-*s  %-*s  %-8s %s\n", w[0], first ? f->address : "", w[1],
                first ? f->idn.manufacturer : "", w[2], first ? f->idn.model : "", w[3], first ? f->idn.serial : "",
                f->services[s].name, f->services[s].resource);
        }
    }
}

sc_status sc_scan_render(const sc_scan_result *r, sc_scan_format fmt, sc_buf *out, sc_error *err)
{
    (void)err;
    switch (fmt) {
    case SC_SCAN_TABLE: render_table(r, out); break;
    case SC_SCAN_CSV: render_csv(r, out); break;
    case SC_SCAN_JSON: render_json(r, out); break;
    }
    return SC_OK;
}
