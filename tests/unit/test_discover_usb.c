/* USB discovery through a fake enumeration (no hardware here) and the fake USB-TMC
 * device of the transport tests: identification, the permission case with its udev
 * rule, devices without USB-TMC, and the scan's USB thread. */
#include "discover/discover_internal.h"
#include "fake_usb_device.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static sc_status fake_list(sc_usb_seen *out, size_t cap, size_t *n, sc_error *err)
{
    (void)err;
    assert_true(cap >= 4);
    memset(out, 0, 4 * sizeof *out);
    out[0] = (sc_usb_seen){ .vid = 0x0699, .pid = 0x0401, .bus = 1, .address = 4, .tmc = true, .interface_number = 0,
                            .access = SC_USB_ACCESS_OK };
    strcpy(out[0].serial, "C000001");
    out[1] = (sc_usb_seen){ .vid = 0x1ab1, .pid = 0x04ce, .bus = 1, .address = 5, .tmc = true, .interface_number = 0,
                            .access = SC_USB_ACCESS_DENIED };
    out[2] = (sc_usb_seen){ .vid = 0x049f, .pid = 0x505a, .bus = 2, .address = 2, .tmc = false,
                            .interface_number = -1, .access = SC_USB_ACCESS_OK };
    strcpy(out[2].manufacturer, "Hantek");
    strcpy(out[2].product, "DSO5102P");
    out[3] = (sc_usb_seen){ .vid = 0xf4ec, .pid = 0xee38, .bus = 3, .address = 9, .tmc = true, .interface_number = 0,
                            .access = SC_USB_ACCESS_OK };
    strcpy(out[3].serial, "SDS00001");
    *n = 4;
    return SC_OK;
}

static const sc_usb_enum_ops fake_enum = { "fake", fake_list };

static int setup(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    fake_usb_install(&cfg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_usb_uninstall();
    return 0;
}

static void check_result(sc_scan_result *r)
{
    assert_int_equal(r->count, 1);
    const sc_found *f = &r->items[0];
    assert_string_equal(f->address, "usb:001:004");
    assert_string_equal(f->idn.manufacturer, "RIGOL TECHNOLOGIES");
    assert_string_equal(f->idn.model, "DS1054Z");
    assert_int_equal(f->found_by, SC_FOUND_BY_USB);
    assert_int_equal(f->service_count, 1);
    assert_string_equal(f->services[0].name, "usbtmc");
    assert_string_equal(f->services[0].resource, "USB0::0x0699::0x0401::C000001::INSTR");
    sc_buf_append(&r->notes, "", 1, NULL); /* the notes are not a C string until terminated */
    const char *notes = (const char *)r->notes.data;
    assert_non_null(notes);
    assert_non_null(strstr(notes, "USB 1ab1:04ce Rigol at bus 001 device 005: permission denied (/dev/bus/usb/001/005)"));
    assert_non_null(strstr(notes, "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"1ab1\", ATTR{idProduct}==\"04ce\", MODE=\"0660\""));
    assert_non_null(strstr(notes, "udevadm"));
    assert_non_null(strstr(notes, "USB 049f:505a (Hantek DSO5102P) at bus 002 device 002 has no USB-TMC interface"));
    assert_non_null(strstr(notes, "USB f4ec:ee38 at bus 003 device 009: *IDN? over USB-TMC failed"));
}

static void test_discover_identifies_and_explains(void **state)
{
    (void)state;
    sc_scan_result r;
    sc_scan_result_init(&r);
    sc_error err;
    assert_int_equal(sc_usb_discover(&fake_enum, 2000, &r, &err), SC_OK);
    check_result(&r);
    assert_true(fake_usb_get_stats()->messages >= 1);
    sc_scan_result_free(&r);
}

static void test_scan_runs_usb_beside_the_network(void **state)
{
    (void)state;
    sc_target_list t;
    sc_targets_init(&t);
    sc_scan_options o;
    sc_scan_options_init(&o);
    o.usb_ops = &fake_enum;
    sc_scan_result r;
    sc_scan_result_init(&r);
    sc_error err;
    assert_int_equal(sc_scan_run(&t, &o, &r, &err), SC_OK);
    check_result(&r);
    sc_scan_result_free(&r);
    sc_targets_free(&t);
}

static void test_vendor_table_and_rule(void **state)
{
    (void)state;
    assert_string_equal(sc_usb_vendor_name(0x1ab1), "Rigol");
    assert_string_equal(sc_usb_vendor_name(0x0957), "Agilent");
    assert_null(sc_usb_vendor_name(0x046d)); /* a mouse */
    char rule[256];
    sc_usb_udev_rule(0xf4ec, 0x1011, rule, sizeof rule);
    assert_string_equal(rule, "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"f4ec\", ATTR{idProduct}==\"1011\", MODE=\"0660\", "
                              "GROUP=\"plugdev\", TAG+=\"uaccess\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_discover_identifies_and_explains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_runs_usb_beside_the_network, setup, teardown),
        cmocka_unit_test(test_vendor_table_and_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
