/* What a scan found: merging by address, best protocol first, and the three renderings. */
#include "discover/discover_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void add(sc_scan_result *r, const char *addr, const char *manufacturer, const char *model, sc_probe_kind kind,
                uint16_t port, unsigned by)
{
    sc_idn idn;
    memset(&idn, 0, sizeof idn);
    strcpy(idn.manufacturer, manufacturer);
    strcpy(idn.model, model);
    strcpy(idn.serial, "SN1");
    strcpy(idn.firmware, "1.0");
    sc_found_service svc;
    memset(&svc, 0, sizeof svc);
    svc.kind = kind;
    svc.port = port;
    strcpy(svc.name, sc_probe_kind_name(kind));
    sc_scan_make_resource(addr, kind, port, NULL, svc.resource, sizeof svc.resource);
    assert_int_equal(sc_scan_result_add(r, addr, &idn, &svc, by, NULL), SC_OK);
}

static void test_merge_order_and_resources(void **state)
{
    (void)state;
    sc_scan_result r;
    sc_scan_result_init(&r);
    add(&r, "10.0.0.20", "RIGOL TECHNOLOGIES", "DS1054Z", SC_PROBE_RAW, 5555, SC_FOUND_BY_TCP);
    add(&r, "10.0.0.3", "LECROY", "WR9254M", SC_PROBE_VXI11, 111, SC_FOUND_BY_TCP);
    add(&r, "10.0.0.3", "LECROY", "WR9254M", SC_PROBE_VICP, 1861, SC_FOUND_BY_BROADCAST);
    add(&r, "10.0.0.20", "RIGOL TECHNOLOGIES", "DS1054Z", SC_PROBE_RAW, 5025, SC_FOUND_BY_TCP);
    add(&r, "10.0.0.20", "RIGOL TECHNOLOGIES", "DS1054Z", SC_PROBE_RAW, 5025, SC_FOUND_BY_TCP); /* twice is once */
    add(&r, "10.0.0.20", "RIGOL TECHNOLOGIES", "DS1054Z", SC_PROBE_HISLIP, 4881, SC_FOUND_BY_MDNS);
    add(&r, "10.0.0.100", "Keysight Technologies", "DSOX3034T", SC_PROBE_LXI, 80, SC_FOUND_BY_TCP);
    add(&r, "10.0.0.100", "KEYSIGHT TECHNOLOGIES", "DSO-X 3034T", SC_PROBE_VXI11, 111, SC_FOUND_BY_TCP);
    sc_scan_result_sort(&r);
    assert_int_equal(r.count, 3);
    assert_string_equal(r.items[0].address, "10.0.0.3"); /* numeric, not text order */
    assert_string_equal(r.items[0].services[0].resource, "VICP::10.0.0.3::INSTR");
    assert_string_equal(r.items[0].services[1].resource, "TCPIP0::10.0.0.3::inst0::INSTR");
    assert_int_equal(r.items[0].found_by, SC_FOUND_BY_TCP | SC_FOUND_BY_BROADCAST);
    assert_int_equal(r.items[1].service_count, 3);
    assert_string_equal(r.items[1].services[0].resource, "TCPIP0::10.0.0.20::hislip0,4881::INSTR");
    assert_string_equal(r.items[1].services[1].resource, "TCPIP0::10.0.0.20::5025::SOCKET");
    assert_string_equal(r.items[1].services[2].resource, "TCPIP0::10.0.0.20::5555::SOCKET");
    /* *IDN? wins over the XML for the names */
    assert_string_equal(r.items[2].idn.model, "DSO-X 3034T");
    assert_string_equal(r.items[2].services[1].resource, "http://10.0.0.100/");
    assert_int_equal(r.items[2].vendor, SC_VENDOR_KEYSIGHT);
    sc_scan_result_free(&r);
}

static void test_renderings(void **state)
{
    (void)state;
    sc_scan_result r;
    sc_scan_result_init(&r);
    add(&r, "10.0.0.3", "LECROY", "WR \"9254M\", x", SC_PROBE_VICP, 1861, SC_FOUND_BY_TCP);
    add(&r, "10.0.0.3", "LECROY", "WR \"9254M\", x", SC_PROBE_VXI11, 111, SC_FOUND_BY_TCP);
    sc_scan_result_note(&r, "USB 1ab1:04ce: permission \"denied\"");
    sc_buf out;
    sc_buf_init(&out, 0);
    sc_error err;
    assert_int_equal(sc_scan_render(&r, SC_SCAN_CSV, &out, &err), SC_OK);
    sc_buf_append(&out, "", 1, NULL);
    assert_string_equal((const char *)out.data,
                        "address,manufacturer,model,serial,firmware,protocol,port,resource,found_by\n"
                        "10.0.0.3,LECROY,\"WR \"\"9254M\"\", x\",SN1,1.0,vicp,1861,VICP::10.0.0.3::INSTR,tcp\n"
                        "10.0.0.3,LECROY,\"WR \"\"9254M\"\", x\",SN1,1.0,vxi11,111,TCPIP0::10.0.0.3::inst0::INSTR,tcp\n");
    sc_buf_reset(&out);
    assert_int_equal(sc_scan_render(&r, SC_SCAN_JSON, &out, &err), SC_OK);
    sc_buf_append(&out, "", 1, NULL);
    const char *json = (const char *)out.data;
    assert_non_null(strstr(json, "\"model\": \"WR \\\"9254M\\\", x\""));
    assert_non_null(strstr(json, "{\"protocol\": \"vicp\", \"port\": 1861, \"resource\": \"VICP::10.0.0.3::INSTR\"}"));
    assert_non_null(strstr(json, "\"USB 1ab1:04ce: permission \\\"denied\\\"\""));
    sc_buf_reset(&out);
    assert_int_equal(sc_scan_render(&r, SC_SCAN_TABLE, &out, &err), SC_OK);
    sc_buf_append(&out, "", 1, NULL);
    const char *table = (const char *)out.data;
    assert_non_null(strstr(table, "ADDRESS   MANUFACTURER"));
    assert_non_null(strstr(table, "vxi11    TCPIP0::10.0.0.3::inst0::INSTR"));
    sc_buf_free(&out);
    sc_scan_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_order_and_resources),
        cmocka_unit_test(test_renderings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
