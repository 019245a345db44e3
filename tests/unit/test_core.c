/* core/: errors, deadlines, buffers, limits, sanitising. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "scopecap/core.h"

#include <string.h>

static void error_messages_carry_context(void **state)
{
    (void)state;
    sc_error err;
    sc_error_clear(&err);
    assert_int_equal(sc_error_set(&err, SC_ERR_TIMEOUT, "waited %d s", 3), SC_ERR_TIMEOUT);
    sc_error_prefix(&err, "raw SCPI %s", "10.0.0.5:5555");
    assert_string_equal(err.message, "raw SCPI 10.0.0.5:5555: waited 3 s");
    assert_int_equal(err.code, SC_ERR_TIMEOUT);
}

static void exit_codes_follow_the_contract(void **state)
{
    (void)state;
    assert_int_equal(sc_status_exit_code(SC_OK), 0);
    assert_int_equal(sc_status_exit_code(SC_ERR_USAGE), 2);
    assert_int_equal(sc_status_exit_code(SC_ERR_UNREACHABLE), 3);
    assert_int_equal(sc_status_exit_code(SC_ERR_PROTOCOL), 1);
    assert_int_equal(sc_status_exit_code(SC_ERR_TIMEOUT), 1);
    assert_int_equal(sc_status_exit_code(SC_ERR_EXISTS), 1);
}

static void deadlines_run_on_the_monotonic_clock(void **state)
{
    (void)state;
    sc_deadline never = sc_deadline_never();
    assert_false(sc_deadline_expired(never));
    assert_int_equal(sc_deadline_poll_ms(never), -1);
    sc_deadline past = sc_deadline_in_ms(0);
    assert_true(sc_deadline_expired(past));
    assert_int_equal(sc_deadline_poll_ms(past), 0);
    sc_deadline soon = sc_deadline_in_ms(5000);
    int left = sc_deadline_poll_ms(soon);
    assert_true(left > 4000 && left <= 5000);
    assert_true(sc_deadline_min(soon, never).at_ns == soon.at_ns);
    assert_true(sc_deadline_min(never, past).at_ns == past.at_ns);
}

static void buffers_grow_up_to_their_limit(void **state)
{
    (void)state;
    sc_buf b;
    sc_buf_init(&b, 10000);
    sc_error err;
    uint8_t chunk[3000];
    memset(chunk, 7, sizeof chunk);
    for (int i = 0; i < 3; i++)
        assert_int_equal(sc_buf_append(&b, chunk, sizeof chunk, &err), SC_OK);
    assert_int_equal(b.len, 9000);
    assert_int_equal(sc_buf_append(&b, chunk, sizeof chunk, &err), SC_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "10000-byte limit"));
    assert_int_equal(b.len, 9000); /* a refused append changes nothing */
    sc_buf_consume(&b, 8000);
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.data[999], 7);
    sc_buf_consume(&b, 5000);
    assert_int_equal(b.len, 0);
    sc_buf_free(&b);
}

static void reserve_refuses_overflowing_sizes(void **state)
{
    (void)state;
    sc_buf b;
    sc_buf_init(&b, 0);
    sc_error err;
    assert_int_equal(sc_buf_reserve(&b, SIZE_MAX, &err), SC_ERR_TOO_LARGE);
    assert_int_equal(sc_buf_reserve(&b, sc_max_response() + 1, &err), SC_ERR_TOO_LARGE);
    assert_null(b.data);
    sc_buf_free(&b);
}

static void max_response_is_configurable(void **state)
{
    (void)state;
    assert_int_equal(sc_max_response(), SC_DEFAULT_MAX_RESPONSE);
    sc_set_max_response(4096);
    assert_int_equal(sc_max_response(), 4096);
    sc_set_max_response(0);
    assert_int_equal(sc_max_response(), SC_DEFAULT_MAX_RESPONSE);
}

static void text_is_sanitised(void **state)
{
    (void)state;
    char out[64];
    const char hostile[] = "DS1054Z\x1b[2J\x07\xff";
    sc_sanitize_text(out, sizeof out, hostile, sizeof hostile - 1);
    assert_string_equal(out, "DS1054Z?[2J??");
    sc_sanitize_text(out, 4, "abcdef", 6);
    assert_string_equal(out, "abc");
}

static void file_names_are_sanitised(void **state)
{
    (void)state;
    char out[64];
    sc_sanitize_filename(out, sizeof out, "../../etc/passwd");
    assert_null(strchr(out, '/'));
    assert_true(out[0] != '.');
    sc_sanitize_filename(out, sizeof out, "DSO-X 3024T");
    assert_string_equal(out, "DSO-X_3024T");
    sc_sanitize_filename(out, sizeof out, "");
    assert_string_equal(out, "unknown");
    sc_sanitize_filename(out, sizeof out, "..");
    assert_string_equal(out, "__");
}

/* printf into a buffer: whole, however long, and appended after what is there */
static void buffers_take_printf_output(void **state)
{
    (void)state;
    sc_buf b;
    sc_buf_init(&b, 0);
    assert_int_equal(sc_buf_appendf(&b, NULL, "%s=%d;", "a", 1), SC_OK);
    assert_int_equal(sc_buf_appendf(&b, NULL, "%05d|%-3000s|", 42, "x"), SC_OK);
    assert_int_equal(b.len, 4 + 5 + 1 + 3000 + 1);
    assert_memory_equal(b.data, "a=1;00042|x", 11);
    assert_int_equal(b.data[b.len - 1], '|');
    sc_buf limited;
    sc_buf_init(&limited, 8);
    sc_error err;
    assert_int_equal(sc_buf_appendf(&limited, &err, "%s", "more than eight"), SC_ERR_TOO_LARGE);
    sc_buf_free(&limited);
    sc_buf_free(&b);
}

/* RFC 4648 section 10 vectors, and a buffer one byte short */
static void base64_follows_rfc4648(void **state)
{
    (void)state;
    static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    char out[16];
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        assert_true(sc_base64_encode(plain[i], strlen(plain[i]), out, sizeof out));
        assert_string_equal(out, coded[i]);
    }
    assert_true(sc_base64_encode("user:pass", 9, out, 13));
    assert_string_equal(out, "dXNlcjpwYXNz");
    assert_false(sc_base64_encode("user:pass", 9, out, 12)); /* no room for the NUL */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_messages_carry_context),
        cmocka_unit_test(exit_codes_follow_the_contract),
        cmocka_unit_test(deadlines_run_on_the_monotonic_clock),
        cmocka_unit_test(buffers_grow_up_to_their_limit),
        cmocka_unit_test(reserve_refuses_overflowing_sizes),
        cmocka_unit_test(max_response_is_configurable),
        cmocka_unit_test(text_is_sanitised),
        cmocka_unit_test(file_names_are_sanitised),
        cmocka_unit_test(base64_follows_rfc4648),
        cmocka_unit_test(buffers_take_printf_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
