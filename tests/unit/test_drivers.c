/* The driver table: matching by *IDN? fields and recipe expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "scopecap/driver.h"

#include <stdio.h>
#include <string.h>

static sc_idn idn_of(const char *text)
{
    sc_idn idn;
    sc_error err;
    assert_int_equal(sc_idn_parse(text, strlen(text), &idn, &err), SC_OK);
    return idn;
}

static void ds1000z_family_matches(void **state)
{
    (void)state;
    const char *models[] = { "DS1054Z", "DS1104Z", "DS1074Z Plus", "MSO1104Z", "DS1104Z-S" };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "RIGOL TECHNOLOGIES,%s,DS1ZA1,00.04.04", models[i]);
        sc_idn idn = idn_of(text);
        const sc_driver *d = sc_driver_match(&idn);
        assert_non_null(d);
        assert_string_equal(d->name, "rigol-ds1000z");
    }
}

static void other_instruments_do_not_match(void **state)
{
    (void)state;
    sc_idn a = idn_of("RIGOL TECHNOLOGIES,DG1022Z,DG1ZA1,00.01"); /* a generator, not a scope */
    assert_null(sc_driver_match(&a));
    sc_idn b = idn_of("SIGLENT TECHNOLOGIES,DS1054Z,X,1"); /* right model, wrong maker */
    assert_null(sc_driver_match(&b));
    sc_idn c = idn_of("RIGOL TECHNOLOGIES,XDS1054Z,X,1"); /* anchored */
    assert_null(sc_driver_match(&c));
}

static void recipe_sets_the_background_switch(void **state)
{
    (void)state;
    const sc_driver *d = sc_driver_find("rigol-ds1000z");
    assert_non_null(d);
    char q[128];
    sc_driver_screenshot_query(d, 1, q, sizeof q);
    assert_string_equal(q, ":DISP:DATA? ON,1,BMP24");
    sc_driver_screenshot_query(d, 0, q, sizeof q);
    assert_string_equal(q, ":DISP:DATA? ON,0,BMP24");
    sc_driver_screenshot_query(d, -1, q, sizeof q);
    assert_string_equal(q, ":DISP:DATA? ON,0,BMP24");
    assert_null(sc_driver_find("no-such-driver"));
    assert_true(sc_driver_count() >= 1);
    assert_ptr_equal(sc_driver_at(0), d);
    assert_null(sc_driver_at(sc_driver_count()));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ds1000z_family_matches),
        cmocka_unit_test(other_instruments_do_not_match),
        cmocka_unit_test(recipe_sets_the_background_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
