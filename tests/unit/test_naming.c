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

static void which_templates_tell_instruments_apart(void **state)
{
    (void)state;
    assert_true(cli_template_tells_apart("{model}_{host}_{date}_{time}.{ext}"));
    assert_true(cli_template_tells_apart("{serial}.png"));
    assert_true(cli_template_tells_apart("shot_{n}.png"));
    /* the old default: two DS1054Z in the same second get the same name */
    assert_false(cli_template_tells_apart("{model}_{date}_{time}.{ext}"));
    assert_false(cli_template_tells_apart("{vendor}_{model}.png"));
    assert_false(cli_template_tells_apart("fixed.png"));
}

static void suggests_a_template_from_a_fixed_name(void **state)
{
    (void)state;
    char out[256];
    cli_suggest_template("a.png", out, sizeof out);
    assert_string_equal(out, "a_{date}_{time}.png");
    cli_suggest_template("/tmp/x.d/shot.jpeg", out, sizeof out);
    assert_string_equal(out, "/tmp/x.d/shot_{date}_{time}.jpeg");
    cli_suggest_template("out.d/capture", out, sizeof out); /* the dot is in a folder name */
    assert_string_equal(out, "out.d/capture_{date}_{time}");
    cli_suggest_template(".hidden", out, sizeof out);
    assert_string_equal(out, ".hidden_{date}_{time}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expands_every_field),
        cmocka_unit_test(instrument_text_cannot_escape_the_folder),
        cmocka_unit_test(rejects_unknown_and_unclosed_fields),
        cmocka_unit_test(which_templates_tell_instruments_apart),
        cmocka_unit_test(suggests_a_template_from_a_fixed_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
