/* The scan's target list: what a scan would touch, before it touches anything. */
#include "scopecap/discover.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

static void test_cidr_skips_network_and_broadcast(void **state)
{
    (void)state;
    sc_target_list t;
    sc_targets_init(&t);
    sc_error err;
    assert_int_equal(sc_targets_add_text(&t, "192.168.7.77/24", &err), SC_OK);
    assert_int_equal(t.range_count, 1);
    assert_int_equal(t.ranges[0].first, ip(192, 168, 7, 1));
    assert_int_equal(t.ranges[0].last, ip(192, 168, 7, 254));
    assert_int_equal(sc_targets_add_text(&t, "10.1.2.3/32", &err), SC_OK);
    assert_int_equal(sc_targets_add_text(&t, "10.9.9.8/31", &err), SC_OK);
    assert_int_equal(sc_targets_count(&t), 254 + 1 + 2);
    assert_int_equal(sc_targets_add_text(&t, "10.0.0.0/33", &err), SC_ERR_USAGE);
    assert_int_equal(sc_targets_add_text(&t, "fe80::/64", &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "IPv6"));
    assert_int_equal(sc_targets_add_text(&t, "10.0.0.0/4", &err), SC_ERR_USAGE); /* 268 million addresses */
    sc_targets_free(&t);
}

static void test_ranges_hosts_and_merging(void **state)
{
    (void)state;
    sc_target_list t;
    sc_targets_init(&t);
    sc_error err;
    assert_int_equal(sc_targets_add_text(&t, "10.0.0.5-20", &err), SC_OK);
    assert_int_equal(sc_targets_add_text(&t, "10.0.0.15-10.0.0.30", &err), SC_OK);
    assert_int_equal(sc_targets_add_text(&t, "10.0.0.31", &err), SC_OK);
    assert_int_equal(sc_targets_add_text(&t, "10.0.0.99", &err), SC_OK);
    assert_int_equal(sc_targets_add_text(&t, "::1", &err), SC_OK);
    assert_int_equal(sc_targets_add_text(&t, "[::1]", &err), SC_OK);
    assert_int_equal(sc_targets_add_text(&t, "10.0.0.9-3", &err), SC_ERR_USAGE);
    assert_int_equal(sc_targets_add_text(&t, "10.0.0.1-300", &err), SC_ERR_USAGE);
    sc_targets_normalize(&t);
    assert_int_equal(t.range_count, 2);
    assert_int_equal(t.ranges[0].first, ip(10, 0, 0, 5));
    assert_int_equal(t.ranges[0].last, ip(10, 0, 0, 31));
    assert_int_equal(t.ranges[1].first, ip(10, 0, 0, 99));
    assert_int_equal(t.host_count, 1);
    assert_string_equal(t.hosts[0].text, "::1");
    assert_int_equal(sc_targets_count(&t), 27 + 1 + 1);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sc_targets_print(&t, f);
    fclose(f);
    assert_non_null(strstr(text, "10.0.0.5-10.0.0.31"));
    assert_non_null(strstr(text, "total: 29 hosts"));
    free(text);
    sc_targets_free(&t);
}

static void test_interfaces_real_netmask_cap_and_skips(void **state)
{
    (void)state;
    sc_iface ifs[5];
    memset(ifs, 0, sizeof ifs);
    ifs[0] = (sc_iface){ .name = "lo", .addr = ip(127, 0, 0, 1), .netmask = 0xFF000000u, .prefix = 8, .up = true,
                         .loopback = true };
    ifs[1] = (sc_iface){ .name = "eth0", .addr = ip(192, 168, 10, 77), .netmask = 0xFFFFFE00u, .prefix = 23, .up = true };
    ifs[2] = (sc_iface){ .name = "eth1", .addr = ip(10, 20, 30, 40), .netmask = 0xFF000000u, .prefix = 8, .up = true };
    ifs[3] = (sc_iface){ .name = "usb0", .addr = ip(169, 254, 3, 4), .netmask = 0xFFFF0000u, .prefix = 16, .up = true };
    ifs[4] = (sc_iface){ .name = "eth2", .addr = ip(172, 16, 0, 1), .netmask = 0xFFFFFF00u, .prefix = 24, .up = false };
    sc_target_list t;
    sc_targets_init(&t);
    sc_error err;
    assert_int_equal(sc_targets_add_ifaces(&t, ifs, 5, 4096, &err), SC_OK);
    sc_targets_normalize(&t);
    assert_int_equal(t.range_count, 2);
    /* 10.20.30.40/8 is cut to the /20 around it */
    assert_int_equal(t.ranges[0].first, ip(10, 20, 16, 1));
    assert_int_equal(t.ranges[0].last, ip(10, 20, 31, 254));
    /* a /23, not an assumed /24 */
    assert_int_equal(t.ranges[1].first, ip(192, 168, 10, 1));
    assert_int_equal(t.ranges[1].last, ip(192, 168, 11, 254));
    assert_int_equal(sc_targets_count(&t), 4094 + 510);
    sc_buf_append(&t.notes, "", 1, NULL); /* the notes are not a C string until terminated */
    const char *notes = (const char *)t.notes.data;
    assert_non_null(notes);
    assert_non_null(strstr(notes, "--max-hosts"));
    assert_non_null(strstr(notes, "usb0 169.254.3.4/16 (link-local)"));
    assert_non_null(strstr(notes, "eth2 172.16.0.1/24 (down)"));
    assert_null(strstr(notes, "lo "));
    sc_targets_free(&t);
}

static void test_ports(void **state)
{
    (void)state;
    sc_scan_port p[SC_SCAN_MAX_PORTS];
    size_t n;
    sc_error err;
    assert_int_equal(sc_scan_parse_ports(SC_SCAN_DEFAULT_PORTS, p, SC_SCAN_MAX_PORTS, &n, &err), SC_OK);
    assert_int_equal(n, 6);
    assert_int_equal(p[0].port, 111);
    assert_int_equal(p[0].kind, SC_PROBE_VXI11);
    assert_int_equal(p[1].kind, SC_PROBE_VICP);
    assert_int_equal(p[2].kind, SC_PROBE_HISLIP);
    assert_int_equal(p[3].kind, SC_PROBE_RAW);
    assert_int_equal(p[5].kind, SC_PROBE_LXI);
    assert_int_equal(sc_scan_parse_ports("raw:3000,vicp:1862,lxi:8080,3000", p, SC_SCAN_MAX_PORTS, &n, &err), SC_OK);
    assert_int_equal(n, 3); /* 3000 twice is once */
    assert_int_equal(p[1].kind, SC_PROBE_VICP);
    assert_int_equal(p[1].port, 1862);
    assert_int_equal(sc_scan_parse_ports("ftp:21", p, SC_SCAN_MAX_PORTS, &n, &err), SC_ERR_USAGE);
    assert_int_equal(sc_scan_parse_ports("0", p, SC_SCAN_MAX_PORTS, &n, &err), SC_ERR_USAGE);
    assert_int_equal(sc_scan_parse_ports("", p, SC_SCAN_MAX_PORTS, &n, &err), SC_ERR_USAGE);
}

static void test_link_local_is_not_scannable(void **state)
{
    (void)state;
    sc_iface f = { .name = "eth0", .addr = ip(169, 254, 1, 1), .up = true };
    assert_false(sc_iface_scannable(&f));
    f.addr = ip(192, 168, 1, 1);
    assert_true(sc_iface_scannable(&f));
    f.loopback = true;
    assert_false(sc_iface_scannable(&f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr_skips_network_and_broadcast),
        cmocka_unit_test(test_ranges_hosts_and_merging),
        cmocka_unit_test(test_interfaces_real_netmask_cap_and_skips),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_link_local_is_not_scannable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
