/* The scan's target list: IPv4 ranges (from CIDRs, a-b ranges, single addresses and the
 * local interfaces' subnets) and single hosts of other families (IPv6, given by hand).
 * The list is built, normalised and printable before anything is sent, so --dry-run and
 * the tests can check what a scan would touch. */
#include "scopecap/discover.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_targets_init(sc_target_list *t)
{
    memset(t, 0, sizeof *t);
    sc_buf_init(&t->notes, 1 << 20);
}

void sc_targets_free(sc_target_list *t)
{
    free(t->ranges);
    free(t->hosts);
    sc_buf_free(&t->notes);
    memset(t, 0, sizeof *t);
}

static void note(sc_target_list *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(sc_target_list *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_buf_vappendf(&t->notes, NULL, fmt, ap);
    va_end(ap);
    sc_buf_append(&t->notes, "\n", 1, NULL);
}

static void ip_text(uint32_t a, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static uint64_t range_size(const sc_target_range *r) { return (uint64_t)r->last - r->first + 1; }

static sc_status add_range(sc_target_list *t, uint32_t first, uint32_t last, const char *origin, sc_error *err)
{
    if (sc_targets_count(t) + ((uint64_t)last - first + 1) > SC_SCAN_TARGET_LIMIT)
        return sc_error_set(err, SC_ERR_USAGE, "%s: more than %llu addresses in all; scan smaller ranges", origin,
                            (unsigned long long)SC_SCAN_TARGET_LIMIT);
    if (t->range_count == t->range_cap) {
        size_t cap = t->range_cap ? t->range_cap * 2 : 16;
        sc_target_range *r = realloc(t->ranges, cap * sizeof *r);
        if (!r)
            return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
        t->ranges = r;
        t->range_cap = cap;
    }
    sc_target_range *r = &t->ranges[t->range_count++];
    r->first = first;
    r->last = last;
    snprintf(r->origin, sizeof r->origin, "%s", origin);
    return SC_OK;
}

static sc_status add_host(sc_target_list *t, const struct sockaddr *sa, socklen_t len, const char *origin,
                          sc_error *err)
{
    if (t->host_count == t->host_cap) {
        size_t cap = t->host_cap ? t->host_cap * 2 : 8;
        sc_target_host *h = realloc(t->hosts, cap * sizeof *h);
        if (!h)
            return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
        t->hosts = h;
        t->host_cap = cap;
    }
    sc_target_host *h = &t->hosts[t->host_count++];
    memset(h, 0, sizeof *h);
    memcpy(&h->addr, sa, len);
    h->addr_len = len;
    getnameinfo(sa, len, h->text, sizeof h->text, NULL, 0, NI_NUMERICHOST);
    snprintf(h->origin, sizeof h->origin, "%s", origin);
    return SC_OK;
}

static bool parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

static sc_status add_cidr(sc_target_list *t, const char *text, const char *slash, sc_error *err)
{
    char addr[64];
    size_t n = (size_t)(slash - text);
    if (n >= sizeof addr)
        return sc_error_set(err, SC_ERR_USAGE, "\"%s\" is not a CIDR block like 192.168.1.0/24", text);
    memcpy(addr, text, n);
    addr[n] = '\0';
    char *end;
    long prefix = strtol(slash + 1, &end, 10);
    uint32_t a;
    if (!parse_ipv4(addr, &a)) {
        if (strchr(addr, ':'))
            return sc_error_set(err, SC_ERR_USAGE, "\"%s\": IPv6 ranges are not scanned (too large); give single IPv6 hosts",
                                text);
        return sc_error_set(err, SC_ERR_USAGE, "\"%s\" is not a CIDR block like 192.168.1.0/24", text);
    }
    if (*end || end == slash + 1 || prefix < 0 || prefix > 32)
        return sc_error_set(err, SC_ERR_USAGE, "\"%s\": the prefix length must be 0..32", text);
    uint32_t mask = prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);
    uint32_t first = a & mask, last = first | ~mask;
    if (prefix < 31) { /* network and broadcast addresses are no hosts */
        first++;
        last--;
    }
    return add_range(t, first, last, text, err);
}

/* "a.b.c.d-e.f.g.h" or "a.b.c.d-N" (N replaces the last number). */
static sc_status add_dash_range(sc_target_list *t, const char *text, const char *dash, bool *handled, sc_error *err)
{
    char left[64], right[64];
    size_t n = (size_t)(dash - text);
    *handled = false;
    if (n >= sizeof left || strlen(dash + 1) >= sizeof right)
        return SC_OK;
    memcpy(left, text, n);
    left[n] = '\0';
    snprintf(right, sizeof right, "%s", dash + 1);
    uint32_t first, last;
    if (!parse_ipv4(left, &first))
        return SC_OK; /* a host name with a dash */
    *handled = true;
    if (!parse_ipv4(right, &last)) {
        char *end;
        long v = strtol(right, &end, 10);
        if (*end || end == right || v < 0 || v > 255)
            return sc_error_set(err, SC_ERR_USAGE, "\"%s\" is not a range like 10.0.0.5-10.0.0.20 or 10.0.0.5-20", text);
        last = (first & 0xFFFFFF00u) | (uint32_t)v;
    }
    if (last < first)
        return sc_error_set(err, SC_ERR_USAGE, "\"%s\": the range ends before it starts", text);
    return add_range(t, first, last, text, err);
}

sc_status sc_targets_add_text(sc_target_list *t, const char *text, sc_error *err)
{
    if (!text || !*text)
        return sc_error_set(err, SC_ERR_USAGE, "an empty target");
    const char *slash = strchr(text, '/');
    if (slash)
        return add_cidr(t, text, slash, err);
    const char *dash = strchr(text, '-');
    if (dash) {
        bool handled;
        sc_status st = add_dash_range(t, text, dash, &handled, err);
        if (handled || st != SC_OK)
            return st;
    }
    uint32_t a;
    if (parse_ipv4(text, &a))
        return add_range(t, a, a, text, err);

    char host[SC_HOST_MAX];
    size_t n = strlen(text);
    if (text[0] == '[' && n > 2 && text[n - 1] == ']')
        snprintf(host, sizeof host, "%.*s", (int)(n - 2), text + 1);
    else
        snprintf(host, sizeof host, "%s", text);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &ai);
    if (rc != 0)
        return sc_error_set(err, SC_ERR_USAGE, "\"%s\" is no address, range or CIDR block, and does not resolve (%s)",
                            text, gai_strerror(rc));
    sc_status st = SC_OK;
    if (ai->ai_family == AF_INET)
        st = add_range(t, ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr),
                       ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr), text, err);
    else
        st = add_host(t, ai->ai_addr, ai->ai_addrlen, text, err);
    freeaddrinfo(ai);
    return st;
}

sc_status sc_targets_add_ifaces(sc_target_list *t, const sc_iface *ifs, size_t n, uint32_t max_hosts, sc_error *err)
{
    char a[20], b[20], c[20];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const sc_iface *f = &ifs[i];
        ip_text(f->addr, a, sizeof a);
        if (f->loopback)
            continue; /* always there, never an instrument: not worth a note */
        if (!sc_iface_scannable(f)) {
            note(t, "skipping %s %s/%d (%s)", f->name, a, f->prefix, f->up ? "link-local" : "down");
            continue;
        }
        if (f->prefix >= 32) {
            note(t, "skipping %s %s/32 (no other host on that subnet)", f->name, a);
            continue;
        }
        uint32_t mask = f->netmask;
        int prefix = f->prefix;
        uint64_t hosts = prefix >= 31 ? (1u << (32 - prefix)) : ((uint64_t)1 << (32 - prefix)) - 2;
        if (max_hosts > 0 && hosts > max_hosts) {
            /* the aligned block around our own address that holds at most max_hosts */
            int p = prefix;
            while (p < 30 && ((uint64_t)1 << (32 - p)) - 2 > max_hosts)
                p++;
            mask = 0xFFFFFFFFu << (32 - p);
            ip_text(f->addr & mask, b, sizeof b);
            note(t, "%s %s/%d has %llu addresses; scanning only %s/%d around this machine (%llu hosts): raise --max-hosts or name the range",
                 f->name, a, f->prefix, (unsigned long long)hosts, b, p, ((unsigned long long)1 << (32 - p)) - 2);
            prefix = p;
        }
        uint32_t first = f->addr & mask, last = first | ~mask;
        if (prefix < 31) {
            first++;
            last--;
        }
        ip_text(first, b, sizeof b);
        ip_text(last, c, sizeof c);
        char origin[96];
        snprintf(origin, sizeof origin, "%s %s/%d", f->name, a, f->prefix);
        sc_status st = add_range(t, first, last, origin, err);
        if (st != SC_OK)
            return st;
        used++;
    }
    if (used == 0)
        note(t, "no up, non-loopback IPv4 interface to scan (give addresses, ranges or CIDR blocks)");
    return SC_OK;
}

static int cmp_range(const void *a, const void *b)
{
    const sc_target_range *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first ? 1 : (x->last > y->last) - (x->last < y->last);
}

void sc_targets_normalize(sc_target_list *t)
{
    if (t->range_count > 1) {
        qsort(t->ranges, t->range_count, sizeof *t->ranges, cmp_range);
        size_t out = 0;
        for (size_t i = 1; i < t->range_count; i++) {
            sc_target_range *cur = &t->ranges[out];
            const sc_target_range *next = &t->ranges[i];
            if (cur->last == UINT32_MAX || next->first <= cur->last + 1) {
                if (next->last > cur->last)
                    cur->last = next->last;
                continue;
            }
            t->ranges[++out] = *next;
        }
        t->range_count = out + 1;
    }
    size_t out = 0;
    for (size_t i = 0; i < t->host_count; i++) {
        bool dup = false;
        for (size_t j = 0; j < out && !dup; j++)
            dup = strcmp(t->hosts[j].text, t->hosts[i].text) == 0;
        if (!dup)
            t->hosts[out++] = t->hosts[i];
    }
    t->host_count = out;
}

uint64_t sc_targets_count(const sc_target_list *t)
{
    uint64_t n = t->host_count;
    for (size_t i = 0; i < t->range_count; i++)
        n += range_size(&t->ranges[i]);
    return n;
}

void sc_targets_print(const sc_target_list *t, FILE *to)
{
    char a[20], b[20];
    for (size_t i = 0; i < t->range_count; i++) {
        const sc_target_range *r = &t->ranges[i];
        ip_text(r->first, a, sizeof a);
        ip_text(r->last, b, sizeof b);
        if (r->first == r->last)
            fprintf(to, "%-33s %8llu host   (%s)\n", a, 1ULL, r->origin);
        else {
            char span[40];
            snprintf(span, sizeof span, "%s-%s", a, b);
            fprintf(to, "%-33s %8llu hosts  (%s)\n", span, (unsigned long long)range_size(r), r->origin);
        }
    }
    for (size_t i = 0; i < t->host_count; i++)
        fprintf(to, "%-33s %8d host   (%s)\n", t->hosts[i].text, 1, t->hosts[i].origin);
    fprintf(to, "total: %llu hosts\n", (unsigned long long)sc_targets_count(t));
}
