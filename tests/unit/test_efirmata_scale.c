/* eFirmata scaling: the firmware's two points (0, 0 V) and (255, 3.3 V), the formula in
 * its stated order, levels back to codes, and the domain step with and without INV. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "efirmata/scale.h"
#include "efirmata/wire.h"

static sc_efirmata_num num(char type, double v)
{
    sc_efirmata_num n;
    sc_error err;
    assert_int_equal(sc_efirmata_num_from_double(type, v, &n, &err), SC_OK);
    return n;
}

static sc_efirmata_channel channel(char dt, double da, double db, char rt, double ra, double rb)
{
    return (sc_efirmata_channel){ .units = 'V', .data_type = dt, .real_type = rt, .scale_type = 1,
                                  .data_a = num(dt, da), .real_a = num(rt, ra), .data_b = num(dt, db),
                                  .real_b = num(rt, rb) };
}

static void test_firmware_vector(void **state)
{
    (void)state;
    sc_efirmata_channel ch = channel('B', 0, 255, 'f', 0.0, 3.3);
    sc_efirmata_scale s;
    sc_error err;
    assert_int_equal(sc_efirmata_scale_from_channel(&ch, 0, &s, &err), SC_OK);
    assert_true(s.real_b == (double)3.3f); /* the float as sent, not the decimal */
    /* docs 3.4: code 128 -> 1.6565 V */
    double v = sc_efirmata_scale_apply(&s, 128);
    assert_true(fabs(v - 1.6565) < 5e-5);
    assert_true(v == 0.0 + (128 - 0.0) * ((double)3.3f - 0.0) / (255 - 0.0));
    assert_true(sc_efirmata_scale_apply(&s, 0) == 0.0);
    assert_true(sc_efirmata_scale_apply(&s, 255) == (double)3.3f);
}

static void test_general_line(void **state)
{
    (void)state;
    /* signed codes, a negative slope, points not at the ends */
    sc_efirmata_channel ch = channel('h', -1000, 3000, 'd', 5.0, -3.0);
    sc_efirmata_scale s;
    sc_error err;
    assert_int_equal(sc_efirmata_scale_from_channel(&ch, 2, &s, &err), SC_OK);
    assert_true(sc_efirmata_scale_apply(&s, -1000) == 5.0);
    assert_true(sc_efirmata_scale_apply(&s, 3000) == -3.0);
    assert_true(sc_efirmata_scale_apply(&s, 1000) == 1.0);
    assert_true(sc_efirmata_scale_apply(&s, -3000) == 9.0); /* extrapolates beyond the points */
}

static void test_level_to_code(void **state)
{
    (void)state;
    sc_efirmata_channel ch = channel('B', 0, 255, 'f', 0.0, 3.3);
    sc_efirmata_scale s;
    sc_error err;
    assert_int_equal(sc_efirmata_scale_from_channel(&ch, 0, &s, &err), SC_OK);
    sc_efirmata_num code;
    assert_int_equal(sc_efirmata_scale_invert(&s, 'B', 1.65, &code, &err), SC_OK);
    assert_int_equal(code.type, 'B');
    assert_int_equal(code.bits, 128); /* 1.65 V is code 127.500002 under the float 3.3: rounds up */
    assert_int_equal(sc_efirmata_scale_invert(&s, 'B', 0.0, &code, &err), SC_OK);
    assert_int_equal(code.bits, 0);
    assert_int_equal(sc_efirmata_scale_invert(&s, 'B', 1.0, &code, &err), SC_OK);
    assert_int_equal(code.bits, 77); /* 1.0 * 255 / 3.3 = 77.27 */
    assert_int_equal(sc_efirmata_scale_invert(&s, 'B', 5.0, &code, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "level 5"));
    assert_int_equal(sc_efirmata_scale_invert(&s, 'B', -0.5, &code, &err), SC_ERR_USAGE);

    /* float codes are not rounded */
    sc_efirmata_channel fch = channel('f', 0, 1, 'f', 0, 10);
    assert_int_equal(sc_efirmata_scale_from_channel(&fch, 0, &s, &err), SC_OK);
    assert_int_equal(sc_efirmata_scale_invert(&s, 'f', 2.5, &code, &err), SC_OK);
    assert_true(sc_efirmata_num_to_double(code) == 0.25);

    sc_efirmata_scale flat = { 0, 1, 10, 1 };
    assert_int_equal(sc_efirmata_scale_invert(&flat, 'B', 1, &code, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "flat"));
}

static void test_bad_lines(void **state)
{
    (void)state;
    sc_efirmata_scale s;
    sc_error err;
    sc_efirmata_channel same = channel('B', 7, 7, 'f', 0, 1);
    assert_int_equal(sc_efirmata_scale_from_channel(&same, 3, &s, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "channel 3"));
    assert_non_null(strstr(err.message, "code 7"));
    sc_efirmata_channel nan_real = channel('B', 0, 255, 'f', 0, 1);
    nan_real.real_b.bits = 0x7fc00000; /* a float NaN */
    assert_int_equal(sc_efirmata_scale_from_channel(&nan_real, 0, &s, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "finite"));
    sc_efirmata_channel other = channel('B', 0, 255, 'f', 0, 1);
    other.scale_type = 2;
    assert_int_equal(sc_efirmata_scale_from_channel(&other, 0, &s, &err), SC_ERR_PROTOCOL);
}

static void test_domain_step(void **state)
{
    (void)state;
    sc_efirmata_meta m = { .domain_unit = 's', .inverse = true, .step = num('H', 38400) };
    double per_sample = 0;
    sc_error err;
    assert_int_equal(sc_efirmata_domain_step(&m, &per_sample, &err), SC_OK);
    assert_true(per_sample == 1.0 / 38400);
    m.inverse = false;
    m.step = num('f', 1e-5);
    assert_int_equal(sc_efirmata_domain_step(&m, &per_sample, &err), SC_OK);
    assert_true(per_sample == (double)1e-5f);
    m.step = num('d', 0.25);
    assert_int_equal(sc_efirmata_domain_step(&m, &per_sample, &err), SC_OK);
    assert_true(per_sample == 0.25);
    m.step = num('h', 0);
    assert_int_equal(sc_efirmata_domain_step(&m, &per_sample, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "not a positive number"));
    m.step = num('i', -5);
    assert_int_equal(sc_efirmata_domain_step(&m, &per_sample, &err), SC_ERR_PROTOCOL);
    m.step.type = 'd';
    m.step.bits = 0x7ff8000000000000ull; /* NaN */
    assert_int_equal(sc_efirmata_domain_step(&m, &per_sample, &err), SC_ERR_PROTOCOL);
    m.inverse = true;
    m.step = num('d', 1e-320); /* 1 / denormal overflows to infinity */
    assert_int_equal(sc_efirmata_domain_step(&m, &per_sample, &err), SC_ERR_PROTOCOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_firmware_vector), cmocka_unit_test(test_general_line),
        cmocka_unit_test(test_level_to_code),   cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_domain_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
