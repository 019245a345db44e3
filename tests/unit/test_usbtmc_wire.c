/* The USB-TMC codec against the byte layouts of protocols.md §4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "wire/usbtmc_wire.h"

#include <string.h>

/* protocols.md §4.2: `*IDN?\n`, bTag 1 */
static const uint8_t idn_out[] = { 0x01, 0x01, 0xfe, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00,
                                   0x00, 0x00, 0x2a, 0x49, 0x44, 0x4e, 0x3f, 0x0a, 0x00, 0x00 };
/* protocols.md §4.2: request for 1024 bytes with TermChar '\n', bTag 2 */
static const uint8_t request_1024[] = { 0x02, 0x02, 0xfd, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00 };
/* protocols.md §4.3: 02 02 fd 00 08 00 00 00 01 00 00 00 "A,B,C,1\n" */
static const uint8_t in_reply[] = { 0x02, 0x02, 0xfd, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00,
                                    0x00, 0x00, 'A',  ',',  'B',  ',',  'C',  ',',  '1',  '\n' };

static void test_dev_dep_out_worked_example(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = sc_usbtmc_frame_dev_dep_out(buf, sizeof buf, 1, "*IDN?\n", 6, true);
    assert_int_equal(n, sizeof idn_out);
    assert_memory_equal(buf, idn_out, sizeof idn_out);
    uint8_t hdr[SC_USBTMC_HEADER_LEN];
    sc_usbtmc_encode_dev_dep_out(hdr, 1, 6, true);
    assert_memory_equal(hdr, idn_out, sizeof hdr);
    sc_usbtmc_encode_dev_dep_out(hdr, 1, 6, false);
    assert_int_equal(hdr[8], 0x00);
}

static void test_frame_padding_and_capacity(void **state)
{
    (void)state;
    uint8_t buf[32];
    memset(buf, 0xee, sizeof buf);
    /* 5 bytes of payload: 3 zero bytes of padding, 20 in all */
    assert_int_equal(sc_usbtmc_frame_dev_dep_out(buf, sizeof buf, 7, "ABCDE", 5, false), 20);
    assert_memory_equal(buf + 12, "ABCDE\0\0\0", 8);
    assert_int_equal(buf[20], 0xee);
    /* 4 bytes: none */
    assert_int_equal(sc_usbtmc_frame_dev_dep_out(buf, sizeof buf, 7, "ABCD", 4, false), 16);
    /* empty message with EOM: a bare header */
    assert_int_equal(sc_usbtmc_frame_dev_dep_out(buf, sizeof buf, 7, NULL, 0, true), 12);
    assert_int_equal(buf[8], SC_USBTMC_ATTR_EOM);
    /* too small: 0, nothing written past cap */
    assert_int_equal(sc_usbtmc_frame_dev_dep_out(buf, 19, 7, "ABCDE", 5, false), 0);
    assert_int_equal(sc_usbtmc_frame_dev_dep_out(buf, 11, 7, NULL, 0, false), 0);
    for (size_t n = 0; n < 9; n++)
        assert_int_equal((n + sc_usbtmc_padding(n)) % 4, 0);
    assert_int_equal(sc_usbtmc_padding(6), 2);
}

static void test_request_worked_example(void **state)
{
    (void)state;
    uint8_t hdr[SC_USBTMC_HEADER_LEN];
    sc_usbtmc_encode_request_in(hdr, 2, 1024, true, '\n');
    assert_memory_equal(hdr, request_1024, sizeof request_1024);
    sc_usbtmc_encode_request_in(hdr, 2, 1024, false, '\n');
    assert_int_equal(hdr[8], 0);
    assert_int_equal(hdr[9], 0); /* no TermChar when it is not enabled */
}

static void test_other_out_headers(void **state)
{
    (void)state;
    uint8_t hdr[SC_USBTMC_HEADER_LEN];
    static const uint8_t trigger[] = { 128, 9, 0xf6, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    sc_usbtmc_encode_trigger(hdr, 9);
    assert_memory_equal(hdr, trigger, sizeof trigger);
    sc_usbtmc_encode_vendor_out(hdr, 3, 0x01020304);
    static const uint8_t vendor[] = { 126, 3, 0xfc, 0, 4, 3, 2, 1, 0, 0, 0, 0 };
    assert_memory_equal(hdr, vendor, sizeof vendor);
    sc_usbtmc_encode_request_vendor_in(hdr, 255, 16);
    assert_int_equal(hdr[0], 127);
    assert_int_equal(hdr[2], 0x00);
    assert_int_equal(hdr[4], 16);
}

static void test_decode_out_header(void **state)
{
    (void)state;
    sc_usbtmc_out_header h;
    sc_error err;
    assert_int_equal(sc_usbtmc_decode_out_header(idn_out, sizeof idn_out, &h, &err), SC_OK);
    assert_int_equal(h.msg_id, 1);
    assert_int_equal(h.btag, 1);
    assert_int_equal(h.transfer_size, 6);
    assert_int_equal(h.attributes, SC_USBTMC_ATTR_EOM);
    assert_int_equal(sc_usbtmc_decode_out_header(request_1024, sizeof request_1024, &h, &err), SC_OK);
    assert_int_equal(h.transfer_size, 1024);
    assert_int_equal(h.termchar, '\n');
    uint8_t bad[12];
    memcpy(bad, request_1024, 12);
    bad[1] = 0, bad[2] = 0xff;
    assert_int_equal(sc_usbtmc_decode_out_header(bad, 12, &h, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "bTag 0"));
    memcpy(bad, request_1024, 12);
    bad[2] = 0x00;
    assert_int_equal(sc_usbtmc_decode_out_header(bad, 12, &h, &err), SC_ERR_PROTOCOL);
    bad[0] = 5;
    assert_int_equal(sc_usbtmc_decode_out_header(bad, 12, &h, &err), SC_ERR_PROTOCOL);
    assert_int_equal(sc_usbtmc_decode_out_header(request_1024, 11, &h, &err), SC_ERR_PROTOCOL);
}

static void test_btag_rules(void **state)
{
    (void)state;
    assert_int_equal(sc_usbtmc_next_btag(0), 1);
    assert_int_equal(sc_usbtmc_next_btag(1), 2);
    assert_int_equal(sc_usbtmc_next_btag(254), 255);
    assert_int_equal(sc_usbtmc_next_btag(255), 1); /* never 0 */
    uint8_t t = 0;
    for (int i = 0; i < 1000; i++) {
        t = sc_usbtmc_next_btag(t);
        assert_int_not_equal(t, 0);
    }
    assert_int_equal(sc_usbtmc_next_stb_btag(0), 2);
    assert_int_equal(sc_usbtmc_next_stb_btag(2), 3);
    assert_int_equal(sc_usbtmc_next_stb_btag(127), 2);
    uint8_t hdr[SC_USBTMC_HEADER_LEN];
    for (int b = 1; b < 256; b++) {
        sc_usbtmc_encode_dev_dep_out(hdr, (uint8_t)b, 0, false);
        assert_int_equal((uint8_t)(hdr[1] ^ hdr[2]), 0xff);
        assert_int_equal(hdr[3], 0);
    }
}

static void test_in_header_worked_example(void **state)
{
    (void)state;
    sc_usbtmc_in_header h;
    sc_error err;
    assert_int_equal(sc_usbtmc_decode_in_header(in_reply, sizeof in_reply, 2, 2, 1024, &h, &err), SC_OK);
    assert_int_equal(h.msg_id, 2);
    assert_int_equal(h.btag, 2);
    assert_int_equal(h.transfer_size, 8);
    assert_true(h.eom);
    assert_false(h.termchar);
    uint8_t enc[SC_USBTMC_HEADER_LEN];
    sc_usbtmc_encode_in_header(enc, 2, 2, 8, SC_USBTMC_ATTR_EOM);
    assert_memory_equal(enc, in_reply, sizeof enc);
}

static void test_in_header_rejections(void **state)
{
    (void)state;
    sc_usbtmc_in_header h;
    sc_error err;
    /* bTag of another request: a stale reply */
    assert_int_equal(sc_usbtmc_decode_in_header(in_reply, sizeof in_reply, 2, 3, 0, &h, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "bTag 2"));
    /* the wrong MsgID */
    assert_int_equal(sc_usbtmc_decode_in_header(in_reply, sizeof in_reply, 127, 2, 0, &h, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "MsgID"));
    /* more than requested (the kernel's -EIO case) */
    assert_int_equal(sc_usbtmc_decode_in_header(in_reply, sizeof in_reply, 2, 2, 7, &h, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "more than the 7 requested"));
    /* max 0: no size check (the Rigol quirk) */
    assert_int_equal(sc_usbtmc_decode_in_header(in_reply, sizeof in_reply, 2, 2, 0, &h, &err), SC_OK);
    /* corrupt inverse */
    uint8_t bad[20];
    memcpy(bad, in_reply, sizeof bad);
    bad[2] = 0xfc;
    assert_int_equal(sc_usbtmc_decode_in_header(bad, sizeof bad, 2, 2, 0, &h, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "bTagInverse"));
    /* too short */
    assert_int_equal(sc_usbtmc_decode_in_header(in_reply, 11, 2, 2, 0, &h, &err), SC_ERR_PROTOCOL);
    assert_int_equal(sc_usbtmc_decode_in_header(in_reply, 0, 2, 2, 0, &h, &err), SC_ERR_PROTOCOL);
    /* TransferSize is 32 bits little-endian */
    memcpy(bad, in_reply, sizeof bad);
    bad[4] = 0x78, bad[5] = 0x56, bad[6] = 0x34, bad[7] = 0x12;
    bad[8] = SC_USBTMC_ATTR_TERMCHAR;
    assert_int_equal(sc_usbtmc_decode_in_header(bad, sizeof bad, 2, 2, 0, &h, &err), SC_OK);
    assert_int_equal(h.transfer_size, 0x12345678);
    assert_false(h.eom);
    assert_true(h.termchar);
}

static void test_setup_packets(void **state)
{
    (void)state;
    sc_usbtmc_setup s;
    /* protocols.md §4.4, one row at a time: request, bmRequestType, wLength */
    static const struct { uint8_t req, type; uint16_t len; } rows[] = {
        { 1, 0xA2, 2 },   { 2, 0xA2, 8 },   { 3, 0xA2, 2 },   { 4, 0xA2, 8 },   { 5, 0xA1, 1 },
        { 6, 0xA1, 2 },   { 7, 0xA1, 0x18 }, { 64, 0xA1, 1 }, { 128, 0xA1, 3 }, { 160, 0xA1, 1 },
        { 161, 0xA1, 1 }, { 162, 0xA1, 1 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_true(sc_usbtmc_setup_for(rows[i].req, 0x12, 0x82, &s));
        assert_int_equal(s.request_type, rows[i].type);
        assert_int_equal(s.request, rows[i].req);
        assert_int_equal(s.length, rows[i].len);
        assert_int_equal(s.value, 0x12);
        assert_int_equal(s.index, 0x82);
    }
    assert_false(sc_usbtmc_setup_for(8, 0, 0, &s));
    assert_false(sc_usbtmc_setup_for(0, 0, 0, &s));
    assert_string_equal(sc_usbtmc_request_name(SC_USBTMC_INITIATE_CLEAR), "INITIATE_CLEAR");
}

static void test_control_replies(void **state)
{
    (void)state;
    sc_usbtmc_ctl_reply r;
    sc_error err;
    static const uint8_t abort_in[] = { 0x01, 0x07 };
    assert_int_equal(sc_usbtmc_parse_ctl_reply(SC_USBTMC_INITIATE_ABORT_BULK_IN, abort_in, 2, &r, &err), SC_OK);
    assert_int_equal(r.status, SC_USBTMC_STATUS_SUCCESS);
    assert_int_equal(r.btag, 7);
    static const uint8_t check_in[] = { 0x02, 0x01, 0, 0, 0x10, 0x27, 0, 0 };
    assert_int_equal(sc_usbtmc_parse_ctl_reply(SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS, check_in, 8, &r, &err), SC_OK);
    assert_int_equal(r.status, SC_USBTMC_STATUS_PENDING);
    assert_int_equal(r.flags, SC_USBTMC_FIFO_HAS_DATA);
    assert_int_equal(r.nbytes, 10000);
    static const uint8_t check_out[] = { 0x01, 0, 0, 0, 0x00, 0x00, 0x01, 0x00 };
    assert_int_equal(sc_usbtmc_parse_ctl_reply(SC_USBTMC_CHECK_ABORT_BULK_OUT_STATUS, check_out, 8, &r, &err), SC_OK);
    assert_int_equal(r.nbytes, 65536);
    static const uint8_t clear[] = { 0x02, 0x01 };
    assert_int_equal(sc_usbtmc_parse_ctl_reply(SC_USBTMC_CHECK_CLEAR_STATUS, clear, 2, &r, &err), SC_OK);
    assert_int_equal(r.status, SC_USBTMC_STATUS_PENDING);
    assert_int_equal(r.flags, 1);
    static const uint8_t stb[] = { 0x01, 0x05, 0x40 };
    assert_int_equal(sc_usbtmc_parse_ctl_reply(SC_USB488_READ_STATUS_BYTE, stb, 3, &r, &err), SC_OK);
    assert_int_equal(r.btag, 5);
    assert_int_equal(r.stb, 0x40);
    static const uint8_t failed[] = { 0x80 };
    assert_int_equal(sc_usbtmc_parse_ctl_reply(SC_USB488_REN_CONTROL, failed, 1, &r, &err), SC_OK);
    assert_int_equal(r.status, SC_USBTMC_STATUS_FAILED);
    /* short replies are errors, never reads past the end */
    assert_int_equal(sc_usbtmc_parse_ctl_reply(SC_USBTMC_CHECK_ABORT_BULK_IN_STATUS, check_in, 7, &r, &err),
                     SC_ERR_PROTOCOL);
    assert_int_equal(sc_usbtmc_parse_ctl_reply(SC_USBTMC_INITIATE_CLEAR, failed, 0, &r, &err), SC_ERR_PROTOCOL);
    assert_int_equal(sc_usbtmc_parse_ctl_reply(99, failed, 1, &r, &err), SC_ERR_PROTOCOL);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_int_equal(SC_USBTMC_STATUS_SUCCESS, 0x01);
    assert_int_equal(SC_USBTMC_STATUS_PENDING, 0x02);
    assert_int_equal(SC_USBTMC_STATUS_FAILED, 0x80);
    assert_int_equal(SC_USBTMC_STATUS_TRANSFER_NOT_IN_PROGRESS, 0x81);
    assert_int_equal(SC_USBTMC_STATUS_SPLIT_NOT_IN_PROGRESS, 0x82);
    assert_int_equal(SC_USBTMC_STATUS_SPLIT_IN_PROGRESS, 0x83);
    assert_string_equal(sc_usbtmc_status_name(0x80), "FAILED");
    assert_string_equal(sc_usbtmc_status_name(0x20), "INTERRUPT_IN_BUSY");
    assert_string_equal(sc_usbtmc_status_name(0x55), "unknown status");
}

static void test_capabilities(void **state)
{
    (void)state;
    /* a USB488 device: TermChar, 488.2 + REN/GTL/LLO + TRIGGER, SCPI SR1 RL1 DT1 */
    static const uint8_t caps[24] = { 0x01, 0x00, 0x00, 0x01, 0x04, 0x01, 0, 0, 0, 0, 0, 0,
                                      0x00, 0x01, 0x07, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0 };
    sc_usbtmc_caps c;
    sc_error err;
    assert_int_equal(sc_usbtmc_parse_capabilities(caps, sizeof caps, &c, &err), SC_OK);
    assert_int_equal(c.bcd_usbtmc, 0x0100);
    assert_true(c.indicator_pulse);
    assert_false(c.talk_only);
    assert_false(c.listen_only);
    assert_true(c.termchar);
    assert_int_equal(c.bcd_usb488, 0x0100);
    assert_true(c.usb488_2 && c.usb488_ren_control && c.usb488_trigger);
    assert_true(c.scpi && c.sr1 && c.rl1 && c.dt1);
    uint8_t again[24];
    sc_usbtmc_encode_capabilities(&c, again);
    assert_memory_equal(again, caps, sizeof caps);

    /* a plain USBTMC device without USB488 */
    uint8_t plain[24] = { 0x01, 0, 0x00, 0x01, 0x02 };
    assert_int_equal(sc_usbtmc_parse_capabilities(plain, sizeof plain, &c, &err), SC_OK);
    assert_true(c.talk_only);
    assert_false(c.rl1);
    assert_false(c.usb488_ren_control);
    /* short and failed replies */
    assert_int_equal(sc_usbtmc_parse_capabilities(caps, 23, &c, &err), SC_ERR_PROTOCOL);
    plain[0] = 0x80;
    assert_int_equal(sc_usbtmc_parse_capabilities(plain, sizeof plain, &c, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "FAILED"));
}

static void test_interrupt_in(void **state)
{
    (void)state;
    sc_usb488_interrupt_kind kind;
    uint8_t btag, stb;
    sc_error err;
    static const uint8_t srq[] = { 0x81, 0x40 };
    assert_int_equal(sc_usb488_decode_interrupt(srq, 2, &kind, &btag, &stb, &err), SC_OK);
    assert_int_equal(kind, SC_USB488_INTR_SRQ);
    assert_int_equal(stb, 0x40);
    static const uint8_t reply[] = { 0x85, 0x10 };
    assert_int_equal(sc_usb488_decode_interrupt(reply, 2, &kind, &btag, &stb, &err), SC_OK);
    assert_int_equal(kind, SC_USB488_INTR_STB_REPLY);
    assert_int_equal(btag, 5);
    assert_int_equal(stb, 0x10);
    static const uint8_t vendor[] = { 0x05, 0x10 };
    assert_int_equal(sc_usb488_decode_interrupt(vendor, 2, &kind, &btag, &stb, &err), SC_ERR_PROTOCOL);
    assert_int_equal(sc_usb488_decode_interrupt(srq, 1, &kind, &btag, &stb, &err), SC_ERR_PROTOCOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dev_dep_out_worked_example),
        cmocka_unit_test(test_frame_padding_and_capacity),
        cmocka_unit_test(test_request_worked_example),
        cmocka_unit_test(test_other_out_headers),
        cmocka_unit_test(test_decode_out_header),
        cmocka_unit_test(test_btag_rules),
        cmocka_unit_test(test_in_header_worked_example),
        cmocka_unit_test(test_in_header_rejections),
        cmocka_unit_test(test_setup_packets),
        cmocka_unit_test(test_control_replies),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_capabilities),
        cmocka_unit_test(test_interrupt_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
