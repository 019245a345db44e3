/* DNS-SD over mDNS, the little of it scan needs (RFC 6762/6763, RFC 1035 §4): one query
 * with a PTR question per service type, and a response parser that follows
 * PTR -> SRV -> A through all sections. Pure encode/decode; the parser reads bytes from
 * the network, so every offset is checked, names are capped at 255 bytes, and a
 * compression pointer may only jump backwards, a bounded number of times. */
#include "discover/discover_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DNS_HEADER 12
#define DNS_TYPE_A 1
#define DNS_TYPE_PTR 12
#define DNS_TYPE_SRV 33
#define DNS_CLASS_IN 1
#define DNS_QU_BIT 0x8000
#define DNS_NAME_MAX 256
#define DNS_MAX_JUMPS 16
#define DNS_MAX_RECORDS 128

const sc_mdns_type sc_mdns_types[] = {
    { "_lxi._tcp", SC_PROBE_LXI, 80 },
    { "_vxi-11._tcp", SC_PROBE_VXI11, 111 },
    { "_hislip._tcp", SC_PROBE_HISLIP, 4880 },
    { "_scpi-raw._tcp", SC_PROBE_RAW, 5025 },
};
const size_t sc_mdns_type_count = sizeof sc_mdns_types / sizeof sc_mdns_types[0];

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* "_lxi._tcp.local" as labels; returns bytes written or 0. */
static size_t put_name(uint8_t *out, size_t cap, const char *dotted)
{
    size_t o = 0;
    const char *p = dotted;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l == 0 || l > 63 || o + 1 + l >= cap)
            return 0;
        out[o++] = (uint8_t)l;
        memcpy(out + o, p, l);
        o += l;
        p += l + (dot ? 1 : 0);
    }
    if (o >= cap)
        return 0;
    out[o++] = 0;
    return o;
}

size_t sc_mdns_build_query(uint8_t *out, size_t cap, uint16_t id)
{
    if (cap < DNS_HEADER)
        return 0;
    memset(out, 0, DNS_HEADER);
    put16(out, id);
    put16(out + 4, (uint16_t)sc_mdns_type_count);
    size_t o = DNS_HEADER;
    for (size_t i = 0; i < sc_mdns_type_count; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.local", sc_mdns_types[i].name);
        size_t n = put_name(out + o, cap - o, name);
        if (n == 0 || cap - o - n < 4)
            return 0;
        o += n;
        put16(out + o, DNS_TYPE_PTR);
        put16(out + o + 2, DNS_CLASS_IN | DNS_QU_BIT); /* ask for a unicast answer */
        o += 4;
    }
    return o;
}

/* Read a (possibly compressed) name at *off into out as dotted text; *off moves past
 * the name as it sits at that place. */
static bool read_name(const uint8_t *buf, size_t len, size_t *off, char *out, size_t cap)
{
    size_t pos = *off, o = 0;
    bool jumped = false;
    int jumps = 0;
    for (;;) {
        if (pos >= len)
            return false;
        uint8_t l = buf[pos];
        if ((l & 0xC0) == 0xC0) {
            if (pos + 1 >= len || ++jumps > DNS_MAX_JUMPS)
                return false;
            size_t target = (size_t)(l & 0x3F) << 8 | buf[pos + 1];
            if (target >= pos) /* only backwards: no loops */
                return false;
            if (!jumped)
                *off = pos + 2;
            jumped = true;
            pos = target;
            continue;
        }
        if (l & 0xC0)
            return false; /* 0x40/0x80: reserved label types */
        pos++;
        if (l == 0)
            break;
        if (pos + l > len || o + l + 2 > cap || o + l + 1 > DNS_NAME_MAX)
            return false;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++) {
            uint8_t c = buf[pos + i];
            out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        pos += l;
    }
    if (!jumped)
        *off = pos;
    out[o] = '\0';
    return true;
}

typedef struct dns_rr {
    char owner[DNS_NAME_MAX];
    uint16_t type;
    char target[DNS_NAME_MAX]; /* PTR / SRV */
    uint16_t port;             /* SRV */
    uint32_t addr;             /* A */
} dns_rr;

static bool name_eq(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

/* "_lxi._tcp" when name is "<anything>._lxi._tcp.local" (or the type itself). */
static const sc_mdns_type *type_of_instance(const char *name, bool instance)
{
    for (size_t i = 0; i < sc_mdns_type_count; i++) {
        char suffix[64];
        snprintf(suffix, sizeof suffix, "%s%s.local", instance ? "." : "", sc_mdns_types[i].name);
        size_t n = strlen(name), s = strlen(suffix);
        if (instance ? (n > s && name_eq(name + n - s, suffix)) : name_eq(name, suffix))
            return &sc_mdns_types[i];
    }
    return NULL;
}

static sc_status read_records(const uint8_t *buf, size_t len, dns_rr *rr, size_t *count, sc_error *err)
{
    uint16_t qd = get16(buf + 4), an = get16(buf + 6), ns = get16(buf + 8), ar = get16(buf + 10);
    size_t off = DNS_HEADER;
    char name[DNS_NAME_MAX];
    for (unsigned i = 0; i < qd; i++) {
        if (!read_name(buf, len, &off, name, sizeof name) || len - off < 4)
            return sc_error_set(err, SC_ERR_PROTOCOL, "mDNS: question %u is truncated", i + 1);
        off += 4;
    }
    unsigned total = (unsigned)an + ns + ar;
    *count = 0;
    for (unsigned i = 0; i < total; i++) {
        dns_rr r = { .type = 0 };
        if (!read_name(buf, len, &off, r.owner, sizeof r.owner) || len - off < 10)
            return sc_error_set(err, SC_ERR_PROTOCOL, "mDNS: record %u is truncated", i + 1);
        r.type = get16(buf + off);
        uint16_t rdlen = get16(buf + off + 8);
        off += 10;
        if (len - off < rdlen)
            return sc_error_set(err, SC_ERR_PROTOCOL, "mDNS: record %u's data runs past the packet", i + 1);
        size_t rd = off, end = off + rdlen;
        bool keep = false;
        if (r.type == DNS_TYPE_PTR) {
            keep = read_name(buf, end, &rd, r.target, sizeof r.target);
        } else if (r.type == DNS_TYPE_SRV && rdlen >= 7) {
            r.port = get16(buf + off + 4);
            rd = off + 6;
            keep = read_name(buf, end, &rd, r.target, sizeof r.target);
        } else if (r.type == DNS_TYPE_A && rdlen == 4) {
            r.addr = (uint32_t)buf[off] << 24 | (uint32_t)buf[off + 1] << 16 | (uint32_t)buf[off + 2] << 8 | buf[off + 3];
            keep = true;
        }
        off = end;
        if (keep && *count < DNS_MAX_RECORDS)
            rr[(*count)++] = r;
    }
    return SC_OK;
}

static void add_service(sc_mdns_service *out, size_t cap, size_t *n, const char *instance, const sc_mdns_type *t)
{
    for (size_t i = 0; i < *n; i++)
        if (name_eq(out[i].instance, instance))
            return;
    if (*n >= cap)
        return;
    sc_mdns_service *s = &out[(*n)++];
    memset(s, 0, sizeof *s);
    snprintf(s->instance, sizeof s->instance, "%s", instance);
    snprintf(s->type, sizeof s->type, "%s", t->name);
}

sc_status sc_mdns_parse_response(const uint8_t *buf, size_t len, sc_mdns_service *out, size_t cap, size_t *n,
                                 sc_error *err)
{
    *n = 0;
    if (len < DNS_HEADER)
        return sc_error_set(err, SC_ERR_PROTOCOL, "mDNS: a %zu-byte packet is shorter than a DNS header", len);
    if (!(buf[2] & 0x80))
        return SC_OK; /* a query (someone else's), not a response */
    dns_rr *rr = calloc(DNS_MAX_RECORDS, sizeof *rr);
    if (!rr)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    size_t count = 0;
    sc_status st = read_records(buf, len, rr, &count, err);
    if (st == SC_OK) {
        for (size_t i = 0; i < count; i++) {
            const sc_mdns_type *t = NULL;
            if (rr[i].type == DNS_TYPE_PTR && (t = type_of_instance(rr[i].owner, false)))
                add_service(out, cap, n, rr[i].target, t);
            else if (rr[i].type == DNS_TYPE_SRV && (t = type_of_instance(rr[i].owner, true)))
                add_service(out, cap, n, rr[i].owner, t);
        }
        for (size_t s = 0; s < *n; s++) {
            for (size_t i = 0; i < count; i++)
                if (rr[i].type == DNS_TYPE_SRV && name_eq(rr[i].owner, out[s].instance)) {
                    out[s].port = rr[i].port;
                    snprintf(out[s].target, sizeof out[s].target, "%s", rr[i].target);
                }
            for (size_t i = 0; i < count && out[s].target[0]; i++)
                if (rr[i].type == DNS_TYPE_A && name_eq(rr[i].owner, out[s].target))
                    out[s].addr = rr[i].addr;
        }
    }
    free(rr);
    return st;
}

bool sc_mdns_type_probe(const char *type, sc_probe_kind *kind)
{
    for (size_t i = 0; i < sc_mdns_type_count; i++)
        if (name_eq(type, sc_mdns_types[i].name)) {
            *kind = sc_mdns_types[i].kind;
            return true;
        }
    return false;
}
