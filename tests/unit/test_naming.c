/* Output name templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "naming.h"

#include <string.h>

static name_fields sample(void)
{
    name_fields f = { .vendor = "Rigol", .model = "DS1054Z", .serial = "DS1ZA000000001", .host = "127.0.0.1",
                      .ext = "png", .n = 2 };
    f.when.tm_year = 2026 - 1900;
    f.when.tm_mon = 10;
    f.when.tm_mday = 21;
    f.when.tm_hour = 14;
    f.when.tm_min = 5;
    f.when.tm_sec = 9;
    return f;
}

static void expands_every_field(void **state)
{
    (void)state;
    name_fields f = sample();
    char out[256];
    sc_error err;
    assert_int_equal(cli_expand_template("{vendor}-{model}-{serial}-{host}-{date}-{time}-{n}.{ext}", &f, out,
                                         sizeof out, &err),
                     SC_OK);
    assert_string_equal(out, "Rigol-DS1054Z-DS1ZA000000001-127.0.0.1-20261121-140509-2.png");
}

static void instrument_text_cannot_escape_the_folder(void **state)
{
    (void)state;
    name_fields f = sample();
    f.model = "../../evil\x1b]0;x";
    char out[256];
    sc_error err;
    assert_int_equal(cli_expand_template("shots/{model}.png", &f, out, sizeof out, &err), SC_OK);
    assert_string_equal(out, "shots/___.__evil__0_x.png"); /* no "/" and no ".." survive: one component */
}

static void rejects_unknown_and_unclosed_fields(void **state)
{
    (void)state;
    name_fields f = sample();
    char out[256];
    sc_error err;
    assert_int_equal(cli_expand_template("{colour}.png", &f, out, sizeof out, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "{colour}"));
    assert_int_equal(cli_expand_template("{model.png", &f, out, sizeof out, &err), SC_ERR_USAGE);
    assert_int_equal(cli_expand_template("{model}{model}{model}", &f, out, 10, &err), SC_ERR_USAGE);
    assert_true(cli_template_has_fields("a{n}"));
    assert_false(cli_template_has_fields("plain.png"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expands_every_field),
        cmocka_unit_test(instrument_text_cannot_escape_the_folder),
        cmocka_unit_test(rejects_unknown_and_unclosed_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
