/* HiSLIP codec against the worked bytes of protocols.md §2.3 (pyvisa-py's open sequence)
 * and against headers that break each rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wire/hislip_wire.h"

#include <string.h>

/* C→S sync: Initialize, version 1.0, vendor "xx", sub-address "hislip0" */
static const uint8_t initialize_bytes[] = { 0x48, 0x53, 0x00, 0x00, 0x01, 0x00, 0x78, 0x78, 0x00, 0x00, 0x00, 0x00,
                                            0x00, 0x00, 0x00, 0x07, 'h',  'i',  's',  'l',  'i',  'p',  '0' };
/* S→C sync: InitializeResponse, version 1.0, session 1, synchronized */
static const uint8_t initialize_response_bytes[] = { 0x48, 0x53, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01,
                                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
/* C→S async: AsyncInitialize(session 1) */
static const uint8_t async_initialize_bytes[] = { 0x48, 0x53, 0x11, 0x00, 0x00, 0x00, 0x00, 0x01,
                                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
/* S→C async: AsyncInitializeResponse, vendor "XX" */
static const uint8_t async_initialize_response_bytes[] = { 0x48, 0x53, 0x12, 0x00, 0x00, 0x00, 0x58, 0x58,
                                                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
/* C→S async: AsyncMaximumMessageSize(1 MiB) */
static const uint8_t max_size_bytes[] = { 0x48, 0x53, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00 };

static void test_encode_initialize(void **state)
{
    (void)state;
    uint8_t out[64];
    uint32_t param = sc_hislip_initialize_param(SC_HISLIP_VERSION_1_0, "xx");
    size_t n = sc_hislip_encode(out, sizeof out, SC_HISLIP_INITIALIZE, 0, param, "hislip0", 7);
    assert_int_equal(n, sizeof initialize_bytes);
    assert_memory_equal(out, initialize_bytes, n);
}

static void test_decode_initialize(void **state)
{
    (void)state;
    sc_hislip_header h;
    sc_error err;
    assert_int_equal(sc_hislip_decode_header(initialize_bytes, sizeof initialize_bytes, &h, NULL, &err), SC_OK);
    assert_int_equal(h.type, SC_HISLIP_INITIALIZE);
    assert_int_equal(h.length, 7);
    uint16_t version;
    char vendor[3];
    sc_hislip_initialize_unpack(h.param, &version, vendor);
    assert_int_equal(version, 0x0100);
    assert_string_equal(vendor, "xx");
    assert_int_equal(sc_hislip_check_subaddress(initialize_bytes + 16, h.length, &err), SC_OK);
}

static void test_initialize_response(void **state)
{
    (void)state;
    sc_hislip_header h;
    sc_error err;
    assert_int_equal(sc_hislip_decode_header(initialize_response_bytes, 16, &h, NULL, &err), SC_OK);
    assert_int_equal(h.type, SC_HISLIP_INITIALIZE_RESPONSE);
    assert_int_equal(h.control & 1, 0); /* synchronized */
    uint16_t version, session;
    sc_hislip_initialize_response_unpack(h.param, &version, &session);
    assert_int_equal(version, 0x0100);
    assert_int_equal(session, 1);
    uint8_t out[16];
    sc_hislip_encode_header(out, SC_HISLIP_INITIALIZE_RESPONSE, 0, sc_hislip_initialize_response_param(0x0100, 1), 0);
    assert_memory_equal(out, initialize_response_bytes, 16);
}

static void test_async_initialize(void **state)
{
    (void)state;
    uint8_t out[16];
    sc_hislip_encode_header(out, SC_HISLIP_ASYNC_INITIALIZE, 0, 1, 0);
    assert_memory_equal(out, async_initialize_bytes, 16);
    sc_hislip_header h;
    sc_error err;
    assert_int_equal(sc_hislip_decode_header(async_initialize_response_bytes, 16, &h, NULL, &err), SC_OK);
    assert_int_equal(h.type, SC_HISLIP_ASYNC_INITIALIZE_RESPONSE);
    assert_int_equal(h.param, 0x5858); /* "XX" */
}

static void test_max_message_size(void **state)
{
    (void)state;
    uint8_t out[SC_HISLIP_MAX_SIZE_MESSAGE_LEN];
    sc_hislip_encode_max_size(out, false, 1048576);
    assert_memory_equal(out, max_size_bytes, sizeof max_size_bytes);
    sc_hislip_header h;
    sc_error err;
    assert_int_equal(sc_hislip_decode_header(out, sizeof out, &h, NULL, &err), SC_OK);
    assert_int_equal(sc_hislip_decode_u64(out + 16), 1048576);
    sc_hislip_encode_max_size(out, true, 0x0102030405060708ull);
    assert_int_equal(out[2], SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE_RESPONSE);
    assert_true(sc_hislip_decode_u64(out + 16) == 0x0102030405060708ull);
}

static void test_data_end(void **state)
{
    (void)state;
    static const uint8_t want[] = { 0x48, 0x53, 0x07, 0x01, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00,
                                    0x00, 0x00, 0x00, 0x00, 0x06, '*',  'I',  'D',  'N',  '?',  '\n' };
    uint8_t out[64];
    uint32_t id = sc_hislip_next_message_id(SC_HISLIP_FIRST_MESSAGE_ID);
    size_t n = sc_hislip_encode(out, sizeof out, SC_HISLIP_DATA_END, 1, id, "*IDN?\n", 6);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, n);
    assert_int_equal(sc_hislip_encode(out, 21, SC_HISLIP_DATA_END, 1, id, "*IDN?\n", 6), 0); /* no room */
}

static void test_message_id_wraps(void **state)
{
    (void)state;
    assert_int_equal(sc_hislip_next_message_id(0xFFFFFF00u), 0xFFFFFF02u);
    assert_int_equal(sc_hislip_next_message_id(0xFFFFFFFEu), 0);
    assert_int_equal(sc_hislip_next_message_id(SC_HISLIP_NO_MESSAGE_ID), SC_HISLIP_FIRST_MESSAGE_ID);
}

/* Decode a header with the given fields and report how it was judged. */
static sc_status judge(uint8_t type, uint8_t control, uint64_t length, sc_hislip_reject *r)
{
    uint8_t raw[16];
    sc_hislip_encode_header(raw, type, control, 0, length);
    sc_hislip_header h;
    sc_error err;
    r->fatal = false;
    r->code = 99;
    return sc_hislip_decode_header(raw, sizeof raw, &h, r, &err);
}

static void test_rejects(void **state)
{
    (void)state;
    sc_hislip_reject r;
    sc_hislip_header h;
    sc_error err;
    uint8_t bad[16] = { 'H', 'X' };
    assert_int_equal(sc_hislip_decode_header(bad, 16, &h, &r, &err), SC_ERR_PROTOCOL);
    assert_true(r.fatal);
    assert_int_equal(r.code, SC_HISLIP_FATAL_BAD_HEADER);
    assert_non_null(strstr(err.message, "instead of \"HS\""));
    assert_int_equal(sc_hislip_decode_header(initialize_bytes, 15, &h, &r, &err), SC_ERR_PROTOCOL);

    assert_int_equal(judge(50, 0, 0, &r), SC_ERR_PROTOCOL);
    assert_false(r.fatal);
    assert_int_equal(r.code, SC_HISLIP_ERR_UNKNOWN_TYPE);
    assert_int_equal(judge(SC_HISLIP_INITIALIZE_RESPONSE, 0, 1, &r), SC_ERR_PROTOCOL);
    assert_int_equal(r.code, SC_HISLIP_ERR_TOO_LARGE);
    assert_int_equal(judge(SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE, 0, 7, &r), SC_ERR_PROTOCOL);
    assert_int_equal(judge(SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE_RESPONSE, 0, 9, &r), SC_ERR_PROTOCOL);
    assert_int_equal(judge(SC_HISLIP_INITIALIZE, 0, 257, &r), SC_ERR_PROTOCOL);
    assert_int_equal(judge(SC_HISLIP_INITIALIZE, 0, 256, &r), SC_OK);
    assert_int_equal(judge(SC_HISLIP_ERROR, 4, SC_HISLIP_MAX_TEXT + 1, &r), SC_ERR_PROTOCOL);
    assert_int_equal(judge(SC_HISLIP_ASYNC_LOCK, 2, 0, &r), SC_ERR_PROTOCOL);
    assert_int_equal(r.code, SC_HISLIP_ERR_UNKNOWN_CONTROL);
    assert_int_equal(judge(SC_HISLIP_ASYNC_REMOTE_LOCAL_CONTROL, 7, 0, &r), SC_ERR_PROTOCOL);
    assert_int_equal(judge(SC_HISLIP_ASYNC_REMOTE_LOCAL_CONTROL, 6, 0, &r), SC_OK);
    assert_int_equal(judge(SC_HISLIP_DATA, 0, SC_HISLIP_MAX_PAYLOAD, &r), SC_OK);
    assert_int_equal(judge(SC_HISLIP_DATA, 0, SC_HISLIP_MAX_PAYLOAD + 1, &r), SC_ERR_TOO_LARGE);
    assert_true(r.fatal);
    assert_int_equal(judge(SC_HISLIP_DATA_END, 0, UINT64_MAX, &r), SC_ERR_TOO_LARGE);
    assert_int_equal(judge(200, 0, 100, &r), SC_OK); /* vendor-specific: the receiver decides */
    assert_int_equal(judge(SC_HISLIP_ASYNC_STATUS_RESPONSE, 0x54, 0, &r), SC_OK); /* STB in control */
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sc_hislip_type_name(SC_HISLIP_DATA_END), "DataEnd");
    assert_string_equal(sc_hislip_type_name(SC_HISLIP_ASYNC_DEVICE_CLEAR_ACKNOWLEDGE), "AsyncDeviceClearAcknowledge");
    assert_string_equal(sc_hislip_type_name(50), "reserved 50");
    assert_string_equal(sc_hislip_type_name(200), "vendor-specific 200");
    for (int t = 0; t <= SC_HISLIP_LAST_KNOWN; t++) {
        assert_non_null(sc_hislip_type_name((uint8_t)t));
        for (int u = 0; u < t; u++)
            assert_string_not_equal(sc_hislip_type_name((uint8_t)t), sc_hislip_type_name((uint8_t)u));
    }
    assert_false(sc_hislip_type_known(39));
    assert_true(sc_hislip_type_known(128));
    assert_string_equal(sc_hislip_error_text(SC_HISLIP_ERR_TOO_LARGE), "message too large");
    assert_string_equal(sc_hislip_fatal_text(SC_HISLIP_FATAL_NO_BOTH_CHANNELS),
                        "attempt to use connection without both channels established");
}

static void test_subaddress(void **state)
{
    (void)state;
    sc_error err;
    uint8_t long_name[257];
    memset(long_name, 'a', sizeof long_name);
    assert_int_equal(sc_hislip_check_subaddress((const uint8_t *)"", 0, &err), SC_OK);
    assert_int_equal(sc_hislip_check_subaddress(long_name, 256, &err), SC_OK);
    assert_int_equal(sc_hislip_check_subaddress(long_name, 257, &err), SC_ERR_PROTOCOL);
    assert_int_equal(sc_hislip_check_subaddress((const uint8_t *)"hi slip", 7, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "0x20 at offset 2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_initialize), cmocka_unit_test(test_decode_initialize),
        cmocka_unit_test(test_initialize_response), cmocka_unit_test(test_async_initialize),
        cmocka_unit_test(test_max_message_size), cmocka_unit_test(test_data_end),
        cmocka_unit_test(test_message_id_wraps), cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_names), cmocka_unit_test(test_subaddress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
