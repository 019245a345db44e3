/* VICP header codec against the worked bytes of protocols.md §3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "wire/vicp_wire.h"

#include <string.h>

/* protocols.md §3.1: "*IDN?" with sequence 1 */
static const uint8_t idn_command[] = { 0x81, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, '*', 'I', 'D', 'N', '?' };
/* protocols.md §3.1: the reply "A,B,C,1\n" */
static const uint8_t idn_reply_header[] = { 0x81, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x08 };
/* protocols.md §3.2: fsc2's REMOTE|LOCKOUT after connecting and go-to-local before closing */
static const uint8_t fsc2_remote_lockout[] = { 0x60, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t fsc2_local[] = { 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
/* protocols.md §3.2: pyvicp's device clear, CLEAR|DATA with no payload */
static const uint8_t pyvicp_clear[] = { 0x90, 0x01, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00 };

static void test_flag_values(void **state)
{
    (void)state;
    /* protocols.md §3.1 bit table */
    assert_int_equal(SC_VICP_OP_DATA, 0x80);
    assert_int_equal(SC_VICP_OP_REMOTE, 0x40);
    assert_int_equal(SC_VICP_OP_LOCKOUT, 0x20);
    assert_int_equal(SC_VICP_OP_CLEAR, 0x10);
    assert_int_equal(SC_VICP_OP_SRQ, 0x08);
    assert_int_equal(SC_VICP_OP_SERIALPOLL, 0x04);
    assert_int_equal(SC_VICP_OP_RESERVED, 0x02);
    assert_int_equal(SC_VICP_OP_EOI, 0x01);
    assert_int_equal(SC_VICP_HEADER_SIZE, 8);
}

static void test_encode_idn_command(void **state)
{
    (void)state;
    uint8_t out[SC_VICP_HEADER_SIZE];
    sc_vicp_header h = { .op = SC_VICP_OP_DATA | SC_VICP_OP_EOI, .version = 1, .seq = 1, .length = 5 };
    sc_vicp_encode(&h, out);
    assert_memory_equal(out, idn_command, sizeof out);
}

static void test_decode_idn_command(void **state)
{
    (void)state;
    sc_vicp_header h;
    sc_error err;
    assert_int_equal(sc_vicp_decode(idn_command, 0, &h, "test", &err), SC_OK);
    assert_int_equal(h.op, 0x81);
    assert_int_equal(h.version, 1);
    assert_int_equal(h.seq, 1);
    assert_int_equal(h.length, 5);
    assert_int_equal(sizeof idn_command - SC_VICP_HEADER_SIZE, h.length);
}

static void test_decode_idn_reply(void **state)
{
    (void)state;
    sc_vicp_header h;
    sc_error err;
    assert_int_equal(sc_vicp_decode(idn_reply_header, 0, &h, "test", &err), SC_OK);
    assert_int_equal(h.op, SC_VICP_OP_DATA | SC_VICP_OP_EOI);
    assert_int_equal(h.length, strlen("A,B,C,1\n"));
}

static void test_control_headers(void **state)
{
    (void)state;
    sc_vicp_header h;
    sc_error err;
    assert_int_equal(sc_vicp_decode(fsc2_remote_lockout, 0, &h, "test", &err), SC_OK);
    assert_int_equal(h.op, SC_VICP_OP_REMOTE | SC_VICP_OP_LOCKOUT);
    assert_int_equal(h.seq, 0);
    assert_int_equal(h.length, 0);
    assert_int_equal(sc_vicp_decode(fsc2_local, 0, &h, "test", &err), SC_OK);
    assert_int_equal(h.op, 0);
    assert_int_equal(sc_vicp_decode(pyvicp_clear, 0, &h, "test", &err), SC_OK);
    assert_int_equal(h.op, SC_VICP_OP_CLEAR | SC_VICP_OP_DATA);
    assert_int_equal(h.seq, 7);

    uint8_t out[SC_VICP_HEADER_SIZE];
    sc_vicp_encode(&(sc_vicp_header){ .op = 0x60, .version = 1 }, out);
    assert_memory_equal(out, fsc2_remote_lockout, sizeof out);
}

static void test_length_is_big_endian(void **state)
{
    (void)state;
    uint8_t out[SC_VICP_HEADER_SIZE];
    sc_vicp_encode(&(sc_vicp_header){ .op = 0x80, .version = 1, .seq = 200, .length = 0x01020304 }, out);
    const uint8_t want[] = { 0x80, 0x01, 200, 0x00, 0x01, 0x02, 0x03, 0x04 };
    assert_memory_equal(out, want, sizeof want);
    sc_vicp_header h;
    sc_error err;
    assert_int_equal(sc_vicp_decode(out, 0, &h, "test", &err), SC_OK);
    assert_int_equal(h.length, 0x01020304);
    assert_int_equal(h.seq, 200);
}

static void test_rejects_unknown_version(void **state)
{
    (void)state;
    const uint8_t v2[] = { 0x81, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05 };
    const uint8_t v0[] = { 0x81, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05 };
    sc_vicp_header h = { .length = 12345 };
    sc_error err;
    assert_int_equal(sc_vicp_decode(v2, 0, &h, "VICP 127.0.11.1:1861", &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "VICP 127.0.11.1:1861: VICP header version 2 is unknown"));
    assert_int_equal(h.length, 12345); /* untouched on failure */
    assert_int_equal(sc_vicp_decode(v0, 0, &h, "x", &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "version 0"));
    /* HTTP on the port: "HTTP/1.1" is not VICP */
    assert_int_equal(sc_vicp_decode((const uint8_t *)"HTTP/1.1", 0, &h, "x", &err), SC_ERR_PROTOCOL);
}

static void test_rejects_reserved_bits(void **state)
{
    (void)state;
    const uint8_t reserved_flag[] = { 0x83, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05 };
    const uint8_t reserved_byte[] = { 0x81, 0x01, 0x01, 0x40, 0x00, 0x00, 0x00, 0x05 };
    sc_vicp_header h;
    sc_error err;
    assert_int_equal(sc_vicp_decode(reserved_flag, 0, &h, "x", &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "reserved bit 0x02"));
    assert_int_equal(sc_vicp_decode(reserved_byte, 0, &h, "x", &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "reserved byte is 0x40"));
}

static void test_length_limits(void **state)
{
    (void)state;
    uint8_t buf[SC_VICP_HEADER_SIZE];
    sc_vicp_header h;
    sc_error err;
    sc_vicp_encode(&(sc_vicp_header){ .op = 0x81, .version = 1, .seq = 1, .length = SC_VICP_MAX_BLOCK }, buf);
    assert_int_equal(sc_vicp_decode(buf, 0, &h, "x", &err), SC_OK);
    assert_int_equal(h.length, 64u << 20);
    sc_vicp_encode(&(sc_vicp_header){ .op = 0x81, .version = 1, .seq = 1, .length = SC_VICP_MAX_BLOCK + 1 }, buf);
    assert_int_equal(sc_vicp_decode(buf, 0, &h, "x", &err), SC_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "67108865 bytes exceeds the 67108864-byte limit"));
    const uint8_t huge[] = { 0x81, 0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal(sc_vicp_decode(huge, 0, &h, "x", &err), SC_ERR_TOO_LARGE);
    /* a caller's own smaller limit */
    sc_vicp_encode(&(sc_vicp_header){ .op = 0x80, .version = 1, .length = 1001 }, buf);
    assert_int_equal(sc_vicp_decode(buf, 1000, &h, "x", &err), SC_ERR_TOO_LARGE);
    sc_vicp_encode(&(sc_vicp_header){ .op = 0x80, .version = 1, .length = 1000 }, buf);
    assert_int_equal(sc_vicp_decode(buf, 1000, &h, "x", &err), SC_OK);
}

static void test_sequence_wraps_past_zero(void **state)
{
    (void)state;
    assert_int_equal(sc_vicp_next_seq(1), 2);
    assert_int_equal(sc_vicp_next_seq(254), 255);
    assert_int_equal(sc_vicp_next_seq(255), 1);
    assert_int_equal(sc_vicp_next_seq(0), 1);
    uint8_t s = 1;
    for (int i = 0; i < 1000; i++) {
        s = sc_vicp_next_seq(s);
        assert_int_not_equal(s, 0);
    }
    assert_int_equal(s, 1000 % 255 + 1);
}

static void test_op_text(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(sc_vicp_op_text(0x81, buf, sizeof buf), "DATA|EOI");
    assert_string_equal(sc_vicp_op_text(0x90, buf, sizeof buf), "DATA|CLEAR");
    assert_string_equal(sc_vicp_op_text(0x00, buf, sizeof buf), "none");
    assert_string_equal(sc_vicp_op_text(0xff, buf, sizeof buf),
                        "DATA|REMOTE|LOCKOUT|CLEAR|SRQ|SERIALPOLL|RESERVED|EOI");
    char tiny[8];
    sc_vicp_op_text(0xff, tiny, sizeof tiny);
    assert_true(strlen(tiny) < sizeof tiny);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flag_values),
        cmocka_unit_test(test_encode_idn_command),
        cmocka_unit_test(test_decode_idn_command),
        cmocka_unit_test(test_decode_idn_reply),
        cmocka_unit_test(test_control_headers),
        cmocka_unit_test(test_length_is_big_endian),
        cmocka_unit_test(test_rejects_unknown_version),
        cmocka_unit_test(test_rejects_reserved_bits),
        cmocka_unit_test(test_length_limits),
        cmocka_unit_test(test_sequence_wraps_past_zero),
        cmocka_unit_test(test_op_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
