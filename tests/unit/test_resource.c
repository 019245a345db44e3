/* Resource strings: one table of valid and invalid forms, checked field by field,
 * plus canonical output and round trips through sc_resource_to_visa. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scopecap/resource.h"

typedef struct row {
    const char *in;
    sc_status status;
    sc_protocol proto;
    const char *host;
    uint16_t port;
    const char *device;
    int board;
    uint16_t vid, pid;
    const char *serial;
    int intf;
    const char *path;
    const char *err_part; /* invalid rows: the message must name this */
} row;

/* network forms */
#define NET(in, proto, host, port, dev, board) \
    {in, SC_OK, proto, host, port, dev, board, 0, 0, "", -1, "", NULL}
/* USB forms */
#define USB(in, board, vid, pid, serial, intf) \
    {in, SC_OK, SC_PROTO_USBTMC, "", 0, "", board, vid, pid, serial, intf, "", NULL}
#define BAD(in, part) {in, SC_ERR_USAGE, SC_PROTO_AUTO, "", 0, "", 0, 0, 0, "", -1, "", part}

static const row rows[] = {
    /* bare hosts */
    NET("192.168.0.10", SC_PROTO_AUTO, "192.168.0.10", 0, "", 0),
    NET("scope.lab", SC_PROTO_AUTO, "scope.lab", 0, "", 0),
    NET("my_scope-2.lab", SC_PROTO_AUTO, "my_scope-2.lab", 0, "", 0),
    NET("::1", SC_PROTO_AUTO, "::1", 0, "", 0),
    NET("fe80::1%eth0", SC_PROTO_AUTO, "fe80::1%eth0", 0, "", 0),
    NET("2001:db8::5", SC_PROTO_AUTO, "2001:db8::5", 0, "", 0),
    NET("[::1]", SC_PROTO_AUTO, "::1", 0, "", 0),
    /* host:port */
    NET("192.168.0.10:5555", SC_PROTO_RAW, "192.168.0.10", 5555, "", 0),
    NET("scope.lab:5025", SC_PROTO_RAW, "scope.lab", 5025, "", 0),
    NET("[::1]:5025", SC_PROTO_RAW, "::1", 5025, "", 0),
    NET("[fe80::1%eth0]:65535", SC_PROTO_RAW, "fe80::1%eth0", 65535, "", 0),
    /* TCPIP VISA */
    NET("TCPIP0::10.0.0.5::inst0::INSTR", SC_PROTO_VXI11, "10.0.0.5", 0, "inst0", 0),
    NET("TCPIP::10.0.0.5::INSTR", SC_PROTO_VXI11, "10.0.0.5", 0, "inst0", 0),
    NET("TCPIP1::10.0.0.5", SC_PROTO_VXI11, "10.0.0.5", 0, "inst0", 1),
    NET("tcpip2::scope.lab::inst1", SC_PROTO_VXI11, "scope.lab", 0, "inst1", 2),
    NET("TCPIP0::10.0.0.5::gpib0,5::INSTR", SC_PROTO_VXI11, "10.0.0.5", 0, "gpib0,5", 0),
    NET("TCPIP0::10.0.0.5::hislip0::INSTR", SC_PROTO_HISLIP, "10.0.0.5", 0, "hislip0", 0),
    NET("TCPIP0::10.0.0.5::hislip0,4881::INSTR", SC_PROTO_HISLIP, "10.0.0.5", 4881, "hislip0", 0),
    NET("TCPIP0::10.0.0.5::HiSLIP1", SC_PROTO_HISLIP, "10.0.0.5", 0, "HiSLIP1", 0),
    NET("TCPIP::[fe80::1]::INSTR", SC_PROTO_VXI11, "fe80::1", 0, "inst0", 0),
    NET("TCPIP0::[2001:db8::5]::hislip0::INSTR", SC_PROTO_HISLIP, "2001:db8::5", 0, "hislip0", 0),
    NET("TCPIP0::10.0.0.5::5555::SOCKET", SC_PROTO_RAW, "10.0.0.5", 5555, "", 0),
    NET("TCPIP3::[::1]::5025::socket", SC_PROTO_RAW, "::1", 5025, "", 3),
    /* VICP VISA */
    NET("VICP::10.0.0.5::INSTR", SC_PROTO_VICP, "10.0.0.5", 0, "", 0),
    NET("VICP2::scope.lab", SC_PROTO_VICP, "scope.lab", 0, "", 2),
    /* USB VISA */
    USB("USB0::0x1AB1::0x04CE::DS1ZA123::INSTR", 0, 0x1AB1, 0x04CE, "DS1ZA123", -1),
    USB("usb::6833::1230::DS1ZA123", 0, 0x1AB1, 0x04CE, "DS1ZA123", -1),
    USB("USB1::0x0957::0x1796::MY.56-A1b::0::INSTR", 1, 0x0957, 0x1796, "MY.56-A1b", 0),
    USB("USB0::0x0699::0x0368::C012345::3::INST", 0, 0x0699, 0x0368, "C012345", 3),
    USB("USB::0x1AB1::0x04CE::INSTR", 0, 0x1AB1, 0x04CE, "", -1),
    USB("USB0::0xFFFF::0::SN", 0, 0xFFFF, 0, "SN", -1),
    /* no ids: the first USB-TMC instrument found */
    USB("USB0::INSTR", 0, 0, 0, "", -1),
    USB("USB::INSTR", 0, 0, 0, "", -1),
    USB("usb1::inst", 1, 0, 0, "", -1),
    /* URLs */
    NET("raw://10.0.0.5:5555", SC_PROTO_RAW, "10.0.0.5", 5555, "", 0),
    NET("RAW://scope.lab", SC_PROTO_RAW, "scope.lab", 0, "", 0),
    NET("tcp://[::1]:5025/", SC_PROTO_RAW, "::1", 5025, "", 0),
    NET("vicp://10.0.0.5", SC_PROTO_VICP, "10.0.0.5", 0, "", 0),
    NET("vicp://10.0.0.5:1862", SC_PROTO_VICP, "10.0.0.5", 1862, "", 0),
    NET("vxi11://10.0.0.5", SC_PROTO_VXI11, "10.0.0.5", 0, "inst0", 0),
    NET("vxi11://10.0.0.5/gpib0,7", SC_PROTO_VXI11, "10.0.0.5", 0, "gpib0,7", 0),
    NET("vxi11://127.0.0.2:1111/inst0", SC_PROTO_VXI11, "127.0.0.2", 1111, "inst0", 0),
    NET("hislip://10.0.0.5", SC_PROTO_HISLIP, "10.0.0.5", 0, "hislip0", 0),
    NET("hislip://[fe80::1%eth0]:4880/hislip2", SC_PROTO_HISLIP, "fe80::1%eth0", 4880, "hislip2", 0),
    NET("efirmata://10.0.0.7", SC_PROTO_EFIRMATA, "10.0.0.7", 0, "", 0),
    NET("efirmata://10.0.0.7:2118", SC_PROTO_EFIRMATA, "10.0.0.7", 2118, "", 0),
    {"usbtmc:///dev/usbtmc0", SC_OK, SC_PROTO_USBTMC, "", 0, "", 0, 0, 0, "", -1, "/dev/usbtmc0", NULL},
    USB("usbtmc://0x1ab1:0x04ce/DS1ZA123", 0, 0x1AB1, 0x04CE, "DS1ZA123", -1),
    USB("usbtmc://6833:1230", 0, 0x1AB1, 0x04CE, "", -1),
    USB("usbtmc://", 0, 0, 0, "", -1),

    /* invalid */
    BAD("", "empty"),
    BAD("scope lab", "whitespace at position 6"),
    BAD("scope.lab\n", "whitespace"),
    BAD("TCPIP0::10.0.0.5::99999::SOCKET", "port \"99999\" is not a number from 1 to 65535"),
    BAD("TCPIP0::10.0.0.5::0::SOCKET", "port \"0\""),
    BAD("TCPIP0::10.0.0.5::abc::SOCKET", "port \"abc\""),
    BAD("TCPIP0::10.0.0.5::SOCKET", "SOCKET needs a port"),
    BAD("TCPIP0::10.0.0.5::5025", "needs the ::SOCKET suffix"),
    BAD("scope.lab:0", "port \"0\""),
    BAD("scope.lab:", "port \"\""),
    BAD("scope.lab:70000", "port \"70000\""),
    BAD("[::1]:x", "port \"x\""),
    BAD("http://scope.lab", "unknown scheme \"http://\""),
    BAD("TCPIP0::10.0.0.5::FOO", "unknown VISA suffix \"FOO\""),
    BAD("TCPIP0::10.0.0.5::inst0::FOO", "unknown VISA suffix \"FOO\""),
    BAD("VICP::10.0.0.5::FOO", "unknown VISA suffix \"FOO\""),
    BAD("USB0::0x1AB1::0x04CE::SN::FOO", "unknown VISA suffix \"FOO\""),
    BAD("TCPIP0::::INSTR", "host is missing"),
    BAD("TCPIP0::10.0.0.5::", "field 1 between '::' is empty"),
    BAD("USB0::0x1ABG::0x04CE::SN::INSTR", "vendor id \"0x1ABG\""),
    BAD("USB0::0x1AB1::70000::SN", "product id \"70000\""),
    BAD("USB0::0x10000::1::SN", "vendor id \"0x10000\""),
    BAD("USB0::0x1AB1::INSTR", "vendor and product id"),
    BAD("USB0::1::2::SN::0::x::INSTR", "too many '::' fields"),
    BAD("USB0::1::2::SN::300::INSTR", "interface number \"300\""),
    BAD("TCPIP0::h::inst0::INSTR::INSTR", "too many '::' fields"),
    BAD("TCPIP0::h::a::b::c::d::e::f::g::h::INSTR", "too many '::' fields"),
    BAD("[::1", "'[' is not closed"),
    BAD("TCPIP0::[fe80::1::INSTR", "'[' is not closed"),
    BAD("[::1]x", "unexpected \"x\" after ']'"),
    BAD("[scope.lab]:5025", "not an IPv6 address"),
    BAD("scope!lab", "contains '!'"),
    BAD("-scope", "must not start with '-'"),
    BAD("192.168.0.300", "not a valid IPv4 address"),
    BAD("1::2::3", "not a valid IPv6 address"),
    BAD("GPIB0::5::INSTR", "unknown VISA interface \"GPIB0\""),
    BAD("TCPIP0::h:5025::SOCKET", "contains ':'"),
    BAD("raw://::1:5025", "[brackets]"),
    BAD("raw://", "host is missing"),
    BAD("raw://h:5025/path", "takes no path"),
    BAD("hislip://h/inst0", "device \"inst0\" is not a hislip device"),
    BAD("vxi11://h/hislip0", "device \"hislip0\" is not a vxi11 device"),
    BAD("hislip://h/hislipx0", "device \"hislipx0\" is not a hislip device"),
    BAD("TCPIP0::h::hislipi0,5::INSTR", "unknown VISA suffix \"hislipi0,5\""),
    BAD("usbtmc://scope", "usbtmc:// takes a device path, vid:pid, or nothing"),
    BAD("USB0::SN::INSTR", "vendor and product id"),
    BAD("USB0::FOO", "vendor and product id"),
    BAD("usbtmc:///", "device path is missing"),
    BAD("TCPIP99999::h::INSTR", "board number \"99999\""),
    BAD("TCPIP0::h::inst0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unknown VISA suffix"),
    BAD("TCPIP0::h::inst00000000000000000000000000000000000000000000000000000000000000000",
        "longer than 63 characters"),
    BAD("fe80::1%", "not a valid IPv6 address"),
    BAD("TCPIP0::fe80::1::INSTR", "IPv6 host needs [brackets]"),
    BAD("VICP::2001:db8::5", "IPv6 host needs [brackets]"),
    BAD("TCPIP0::abc::5025::FOO", "unknown VISA suffix \"FOO\""),
    NET("TCPIP0::abc::5025::SOCKET", SC_PROTO_RAW, "abc", 5025, "", 0),
};

static const size_t n_rows = sizeof rows / sizeof rows[0];

static void assert_fields(const row *r, const sc_resource *res)
{
    assert_int_equal(res->protocol, r->proto);
    assert_string_equal(res->host, r->host);
    assert_int_equal(res->port, r->port);
    assert_string_equal(res->device, r->device);
    assert_int_equal(res->board, r->board);
    assert_int_equal(res->usb_vid, r->vid);
    assert_int_equal(res->usb_pid, r->pid);
    assert_string_equal(res->usb_serial, r->serial);
    assert_int_equal(res->usb_interface, r->intf);
    assert_string_equal(res->path, r->path);
}

static void test_table(void **state)
{
    (void)state;
    assert_true(n_rows >= 40);
    for (size_t i = 0; i < n_rows; i++) {
        const row *r = &rows[i];
        sc_resource res;
        sc_error err;
        sc_error_clear(&err);
        sc_status st = sc_resource_parse(r->in, &res, &err);
        if (st != r->status)
            fail_msg("row %zu \"%s\": status %d, expected %d (%s)", i, r->in, st, r->status, err.message);
        assert_string_equal(res.text, r->in);
        if (r->status == SC_OK) {
            assert_fields(r, &res);
            continue;
        }
        assert_int_equal(err.code, SC_ERR_USAGE);
        if (!strstr(err.message, r->err_part))
            fail_msg("row %zu \"%s\": message \"%s\" lacks \"%s\"", i, r->in, err.message, r->err_part);
        /* the message names the whole resource (short ones are quoted in full) */
        char quoted[600];
        snprintf(quoted, sizeof quoted, "resource \"%s\"", r->in);
        if (r->in[0] && strlen(r->in) <= 80 && !strchr(r->in, '\n') && !strstr(err.message, quoted))
            fail_msg("row %zu: message \"%s\" does not quote the resource", i, err.message);
        if (!strstr(err.message, "accepted"))
            fail_msg("row %zu: message \"%s\" does not show the accepted forms", i, err.message);
    }
}

/* parse(to_visa(parse(x))) is the same resource for every valid row. */
static void test_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_rows; i++) {
        if (rows[i].status != SC_OK)
            continue;
        sc_resource a, b;
        sc_error err;
        char visa[600];
        assert_int_equal(sc_resource_parse(rows[i].in, &a, &err), SC_OK);
        sc_resource_to_visa(&a, visa, sizeof visa);
        if (sc_resource_parse(visa, &b, &err) != SC_OK)
            fail_msg("row %zu \"%s\" -> \"%s\" does not parse: %s", i, rows[i].in, visa, err.message);
        assert_int_equal(b.protocol, a.protocol);
        assert_string_equal(b.host, a.host);
        /* raw://host (port 0) comes back as TCPIP0::host::5025::SOCKET: same effective port */
        assert_int_equal(sc_resource_port(&b), sc_resource_port(&a));
        assert_string_equal(b.device, a.device);
        assert_int_equal(b.board, a.board);
        assert_int_equal(b.usb_vid, a.usb_vid);
        assert_int_equal(b.usb_pid, a.usb_pid);
        assert_string_equal(b.usb_serial, a.usb_serial);
        assert_int_equal(b.usb_interface, a.usb_interface);
        assert_string_equal(b.path, a.path);
        /* and the canonical form is a fixed point */
        char again[600];
        sc_resource_to_visa(&b, again, sizeof again);
        assert_string_equal(again, visa);
    }
}

static void expect_visa(const char *in, const char *visa)
{
    sc_resource res;
    sc_error err;
    char buf[600];
    assert_int_equal(sc_resource_parse(in, &res, &err), SC_OK);
    sc_resource_to_visa(&res, buf, sizeof buf);
    assert_string_equal(buf, visa);
}

static void test_to_visa(void **state)
{
    (void)state;
    expect_visa("10.0.0.5:5555", "TCPIP0::10.0.0.5::5555::SOCKET");
    expect_visa("raw://10.0.0.5", "TCPIP0::10.0.0.5::5025::SOCKET");
    expect_visa("vxi11://10.0.0.5", "TCPIP0::10.0.0.5::inst0::INSTR");
    expect_visa("hislip://10.0.0.5", "TCPIP0::10.0.0.5::hislip0::INSTR");
    expect_visa("TCPIP0::10.0.0.5::hislip0,4881", "TCPIP0::10.0.0.5::hislip0,4881::INSTR");
    expect_visa("vicp://10.0.0.5", "VICP::10.0.0.5::INSTR");
    expect_visa("VICP1::10.0.0.5", "VICP1::10.0.0.5::INSTR");
    expect_visa("vicp://10.0.0.5:1900", "vicp://10.0.0.5:1900");
    expect_visa("usb::0x1ab1::0x04ce::DS1ZA123", "USB0::0x1AB1::0x04CE::DS1ZA123::INSTR");
    expect_visa("USB0::1::2::SN::1", "USB0::0x0001::0x0002::SN::1::INSTR");
    expect_visa("USB0::1::2", "USB0::0x0001::0x0002::INSTR");
    expect_visa("usbtmc:///dev/usbtmc0", "usbtmc:///dev/usbtmc0");
    expect_visa("usbtmc://", "USB0::INSTR");
    expect_visa("USB2::INST", "USB2::INSTR");
    expect_visa("[::1]:5025", "TCPIP0::[::1]::5025::SOCKET");
    expect_visa("fe80::1%eth0", "fe80::1%eth0");
    expect_visa("scope.lab", "scope.lab");
    expect_visa("efirmata://h:2118", "efirmata://h:2118");

    /* a small buffer truncates but stays terminated */
    sc_resource res;
    sc_error err;
    char small[8];
    assert_int_equal(sc_resource_parse("TCPIP0::10.0.0.5::INSTR", &res, &err), SC_OK);
    sc_resource_to_visa(&res, small, sizeof small);
    assert_string_equal(small, "TCPIP0:");
}

static void expect_describe(const char *in, const char *want)
{
    sc_resource res;
    sc_error err;
    char buf[300];
    assert_int_equal(sc_resource_parse(in, &res, &err), SC_OK);
    sc_resource_describe(&res, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_describe(void **state)
{
    (void)state;
    expect_describe("TCPIP0::10.0.0.5::inst0::INSTR", "10.0.0.5:111");
    expect_describe("raw://10.0.0.5", "10.0.0.5:5025");
    expect_describe("[::1]:5555", "[::1]:5555");
    expect_describe("hislip://[fe80::1%eth0]", "[fe80::1%eth0]:4880");
    expect_describe("USB0::0x1AB1::0x04CE::DS1ZA123::INSTR", "USB 1ab1:04ce DS1ZA123");
    expect_describe("USB0::0x1AB1::0x04CE::INSTR", "USB 1ab1:04ce");
    expect_describe("usbtmc:///dev/usbtmc1", "/dev/usbtmc1");
    expect_describe("usbtmc://", "USB (the first USB-TMC instrument)");
    expect_describe("scope.lab", "scope.lab");
    expect_describe("efirmata://10.0.0.7", "10.0.0.7:2117");
}

static void test_protocols(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        sc_protocol proto;
    } ok[] = {
        {"auto", SC_PROTO_AUTO},     {"RAW", SC_PROTO_RAW},         {"socket", SC_PROTO_RAW},
        {"tcp", SC_PROTO_RAW},       {"vicp", SC_PROTO_VICP},       {"vxi11", SC_PROTO_VXI11},
        {"VXI-11", SC_PROTO_VXI11},  {"hislip", SC_PROTO_HISLIP},   {"usbtmc", SC_PROTO_USBTMC},
        {"usb", SC_PROTO_USBTMC},    {"efirmata", SC_PROTO_EFIRMATA},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sc_protocol p = SC_PROTO_EFIRMATA;
        sc_error err;
        assert_int_equal(sc_protocol_parse(ok[i].name, &p, &err), SC_OK);
        assert_int_equal(p, ok[i].proto);
    }
    static const char *const bad[] = {"", "vxi", "rawx", "http", "auto "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_protocol p = SC_PROTO_VICP;
        sc_error err;
        assert_int_equal(sc_protocol_parse(bad[i], &p, &err), SC_ERR_USAGE);
        assert_int_equal(p, SC_PROTO_VICP);
        assert_non_null(strstr(err.message, "auto, raw, vicp, vxi11, hislip, usbtmc, efirmata"));
    }
    sc_error err;
    assert_int_equal(sc_protocol_parse(NULL, NULL, &err), SC_ERR_USAGE);

    assert_string_equal(sc_protocol_name(SC_PROTO_AUTO), "auto");
    assert_string_equal(sc_protocol_name(SC_PROTO_RAW), "raw");
    assert_string_equal(sc_protocol_name(SC_PROTO_VICP), "vicp");
    assert_string_equal(sc_protocol_name(SC_PROTO_VXI11), "vxi11");
    assert_string_equal(sc_protocol_name(SC_PROTO_HISLIP), "hislip");
    assert_string_equal(sc_protocol_name(SC_PROTO_USBTMC), "usbtmc");
    assert_string_equal(sc_protocol_name(SC_PROTO_EFIRMATA), "efirmata");

    assert_int_equal(sc_protocol_default_port(SC_PROTO_RAW), 5025);
    assert_int_equal(sc_protocol_default_port(SC_PROTO_VICP), 1861);
    assert_int_equal(sc_protocol_default_port(SC_PROTO_VXI11), 111);
    assert_int_equal(sc_protocol_default_port(SC_PROTO_HISLIP), 4880);
    assert_int_equal(sc_protocol_default_port(SC_PROTO_EFIRMATA), 2117);
    assert_int_equal(sc_protocol_default_port(SC_PROTO_USBTMC), 0);
    assert_int_equal(sc_protocol_default_port(SC_PROTO_AUTO), 0);

    sc_resource res;
    assert_int_equal(sc_resource_parse("TCPIP0::h::hislip0,4999", &res, &err), SC_OK);
    assert_int_equal(sc_resource_port(&res), 4999);
    assert_int_equal(sc_resource_parse("TCPIP0::h::hislip0", &res, &err), SC_OK);
    assert_int_equal(sc_resource_port(&res), 4880);
}

/* Length limits: the host field and the whole text. */
static void test_limits(void **state)
{
    (void)state;
    char text[700];
    sc_resource res;
    sc_error err;

    memset(text, 'a', 255);
    text[255] = '\0';
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_OK);
    assert_int_equal(strlen(res.host), 255);

    memset(text, 'a', 256);
    text[256] = '\0';
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "256 characters long; at most 255"));
    assert_non_null(strstr(err.message, "...")); /* the quoted resource is shortened */

    memset(text, 'a', 650);
    text[650] = '\0';
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "longer than 511 characters"));
    assert_int_equal(strlen(res.text), 511); /* copied, truncated */

    assert_int_equal(sc_resource_parse(NULL, &res, &err), SC_ERR_USAGE);
    assert_int_equal(sc_resource_parse("x", NULL, &err), SC_ERR_USAGE);
    assert_int_equal(sc_resource_parse("scope\x1b[2J", &res, &err), SC_ERR_USAGE);
    assert_null(strchr(err.message, '\x1b'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_to_visa),
        cmocka_unit_test(test_describe), cmocka_unit_test(test_protocols),  cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
