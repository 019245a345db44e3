/* DNS-SD over mDNS: the query scan sends and the responses it reads (hand-built packets
 * with name compression, and hostile ones). */
#include "discover/discover_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

typedef struct pkt {
    uint8_t b[512];
    size_t n;
} pkt;

static void raw(pkt *p, const void *d, size_t n)
{
    memcpy(p->b + p->n, d, n);
    p->n += n;
}

static void u16(pkt *p, uint16_t v)
{
    p->b[p->n++] = (uint8_t)(v >> 8);
    p->b[p->n++] = (uint8_t)v;
}

static void rr_head(pkt *p, uint16_t type, uint16_t rdlen)
{
    u16(p, type);
    u16(p, 0x8001); /* cache-flush | IN */
    u16(p, 0);
    u16(p, 120);
    u16(p, rdlen);
}

/* PTR _lxi._tcp.local -> "Scope A" (compressed), SRV -> scope-a.local:80, A 10.213.0.5 */
static void build_response(pkt *p)
{
    p->n = 0;
    u16(p, 0);
    u16(p, 0x8400);
    u16(p, 0);
    u16(p, 1);
    u16(p, 0);
    u16(p, 2);
    raw(p, "\x04_lxi\x04_tcp\x05local\x00", 17); /* offset 12 */
    rr_head(p, 12, 10);
    raw(p, "\x07Scope A\xc0\x0c", 10);            /* instance label at 39 */
    raw(p, "\xc0\x27", 2);                        /* SRV owner: the instance */
    rr_head(p, 33, 16);
    u16(p, 0);
    u16(p, 0);
    u16(p, 80);
    raw(p, "\x07scope-a\xc0\x16", 10);            /* target at 67, "local" at 22 */
    raw(p, "\xc0\x43", 2);
    rr_head(p, 1, 4);
    raw(p, "\x0a\xd5\x00\x05", 4);
}

static void test_query_bytes(void **state)
{
    (void)state;
    uint8_t q[512];
    size_t n = sc_mdns_build_query(q, sizeof q, 0);
    assert_true(n > 12);
    static const uint8_t head[] = { 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0 };
    assert_memory_equal(q, head, sizeof head);
    static const uint8_t first[] = "\x04_lxi\x04_tcp\x05local\x00\x00\x0c\x80\x01";
    assert_memory_equal(q + 12, first, sizeof first - 1);
    assert_int_equal(sc_mdns_build_query(q, 20, 0), 0); /* does not fit */
}

static void test_response_resolves_ptr_srv_a(void **state)
{
    (void)state;
    pkt p;
    build_response(&p);
    sc_mdns_service s[4];
    size_t n = 0;
    sc_error err;
    assert_int_equal(sc_mdns_parse_response(p.b, p.n, s, 4, &n, &err), SC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(s[0].instance, "Scope A._lxi._tcp.local");
    assert_string_equal(s[0].type, "_lxi._tcp");
    assert_string_equal(s[0].target, "scope-a.local");
    assert_int_equal(s[0].port, 80);
    assert_int_equal(s[0].addr, 0x0ad50005u);
    sc_probe_kind k;
    assert_true(sc_mdns_type_probe(s[0].type, &k));
    assert_int_equal(k, SC_PROBE_LXI);
    assert_false(sc_mdns_type_probe("_http._tcp", &k));
}

static void test_hostile_responses(void **state)
{
    (void)state;
    pkt p;
    sc_mdns_service s[4];
    size_t n = 0;
    sc_error err;
    build_response(&p);
    for (size_t cut = 0; cut < p.n; cut++) /* every truncation fails cleanly */
        assert_int_not_equal(sc_mdns_parse_response(p.b, cut, s, 4, &n, &err), SC_OK);
    /* a compression pointer to itself */
    build_response(&p);
    p.b[49] = 0xc0, p.b[50] = 49;
    assert_int_equal(sc_mdns_parse_response(p.b, p.n, s, 4, &n, &err), SC_ERR_PROTOCOL);
    /* a forward pointer */
    build_response(&p);
    p.b[49] = 0xc0, p.b[50] = 0xf0;
    assert_int_equal(sc_mdns_parse_response(p.b, p.n, s, 4, &n, &err), SC_ERR_PROTOCOL);
    /* a query is not a response: nothing, no error */
    build_response(&p);
    p.b[2] = 0;
    assert_int_equal(sc_mdns_parse_response(p.b, p.n, s, 4, &n, &err), SC_OK);
    assert_int_equal(n, 0);
    /* counts that promise more records than there are */
    build_response(&p);
    p.b[6] = 0xff;
    assert_int_equal(sc_mdns_parse_response(p.b, p.n, s, 4, &n, &err), SC_ERR_PROTOCOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_bytes),
        cmocka_unit_test(test_response_resolves_ptr_srv_a),
        cmocka_unit_test(test_hostile_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
