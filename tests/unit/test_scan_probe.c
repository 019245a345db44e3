/* The scan's probe machines against the worked bytes of protocols.md: what each one
 * sends, and what it makes of the replies (split anywhere), of garbage and of silence. */
#include "discover/discover_internal.h"
#include "wire/hislip_wire.h"
#include "wire/vxi11_wire.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* Feed bytes one call at a time, as the engine does: keep what the machine did not use. */
typedef struct feeder {
    uint8_t buf[8192];
    size_t len;
} feeder;

static pm_action feed(probe_machine *m, feeder *f, const void *data, size_t n, bool eof)
{
    assert_true(f->len + n <= sizeof f->buf);
    memcpy(f->buf + f->len, data, n);
    f->len += n;
    size_t used = 0;
    pm_action a = pm_input(m, f->buf, f->len, eof, &used);
    assert_true(used <= f->len);
    memmove(f->buf, f->buf + used, f->len - used);
    f->len -= used;
    return a;
}

/* ---- raw ---- */

static void test_raw_identifies_and_strips_lecroy_header(void **state)
{
    (void)state;
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_RAW, "127.0.0.1", 1000, 1);
    assert_int_equal(pm_connected(&m), PM_SEND);
    assert_memory_equal(m.out, "*IDN?\n", 6);
    assert_int_equal(m.out_len, 6);
    assert_int_equal(feed(&m, &f, "*IDN LECROY,WAVERUNNER9254M,", 28, false), PM_WANT_INPUT);
    assert_int_equal(feed(&m, &f, "LCRY1,9.6.0\n", 12, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_IDENTIFIED);
    assert_string_equal(m.idn.manufacturer, "LECROY");
    assert_string_equal(m.idn.model, "WAVERUNNER9254M");
    assert_string_equal(m.idn.firmware, "9.6.0");
    pm_free(&m);
}

static void test_raw_banner_is_not_an_instrument(void **state)
{
    (void)state;
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_RAW, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    assert_int_equal(feed(&m, &f, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", 32, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_WRONG_PROTOCOL);
    pm_free(&m);

    pm_init(&m, SC_PROBE_RAW, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    f.len = 0;
    assert_int_equal(feed(&m, &f, "", 0, true), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_CLOSED);
    pm_free(&m);

    pm_init(&m, SC_PROBE_RAW, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    pm_timeout(&m);
    assert_int_equal(m.outcome, SC_PROBE_SILENT);
    pm_free(&m);
}

/* ---- VICP (§3.1) ---- */

static void test_vicp_request_and_two_block_reply(void **state)
{
    (void)state;
    static const uint8_t request[] = { 0x81, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x06, '*', 'I', 'D', 'N', '?', '\n' };
    static const uint8_t block1[] = { 0x80, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 'A', ',', 'B', ',' };
    static const uint8_t block2[] = { 0x81, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 'C', ',', '1', '\n' };
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_VICP, "127.0.0.1", 1000, 1);
    assert_int_equal(pm_connected(&m), PM_SEND);
    assert_int_equal(m.out_len, sizeof request);
    assert_memory_equal(m.out, request, sizeof request);
    assert_int_equal(feed(&m, &f, block1, 5, false), PM_WANT_INPUT);
    assert_int_equal(feed(&m, &f, block1 + 5, sizeof block1 - 5, false), PM_WANT_INPUT);
    assert_int_equal(feed(&m, &f, block2, sizeof block2, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_IDENTIFIED);
    assert_string_equal(m.idn.manufacturer, "A");
    assert_string_equal(m.idn.firmware, "1");
    pm_free(&m);
}

static void test_vicp_rejects_other_protocols(void **state)
{
    (void)state;
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_VICP, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    assert_int_equal(feed(&m, &f, "HTTP/1.1 400 Bad Request\r\n", 26, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_WRONG_PROTOCOL);
    pm_free(&m);
    /* a header that declares 4 GiB is no identification */
    static const uint8_t huge[] = { 0x81, 0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff };
    pm_init(&m, SC_PROBE_VICP, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    f.len = 0;
    assert_int_equal(feed(&m, &f, huge, sizeof huge, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_WRONG_PROTOCOL);
    pm_free(&m);
    /* LXI mode: the port accepts and says nothing */
    pm_init(&m, SC_PROBE_VICP, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    pm_timeout(&m);
    assert_int_equal(m.outcome, SC_PROBE_SILENT);
    assert_non_null(strstr(m.detail, "VICP"));
    pm_free(&m);
}

/* ---- HiSLIP (§2.3) ---- */

static void test_hislip_two_channels_then_query(void **state)
{
    (void)state;
    static const uint8_t init[] = { 0x48, 0x53, 0x00, 0x00, 0x01, 0x00, 'S', 'C', 0, 0, 0, 0, 0, 0, 0, 7,
                                    'h', 'i', 's', 'l', 'i', 'p', '0' };
    static const uint8_t init_resp[] = { 0x48, 0x53, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t async_init[] = { 0x48, 0x53, 0x11, 0x00, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t async_resp[] = { 0x48, 0x53, 0x12, 0x00, 0x00, 0x00, 0x58, 0x58, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t query[] = { 0x48, 0x53, 0x07, 0x00, 0xff, 0xff, 0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 6,
                                     '*', 'I', 'D', 'N', '?', '\n' };
    const char idn[] = "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4\n";
    uint8_t stale[64], reply[128];
    size_t stale_len = sc_hislip_encode(stale, sizeof stale, SC_HISLIP_DATA_END, 0, 0xFFFFFEFEu, "0\n", 2);
    size_t reply_len = sc_hislip_encode(reply, sizeof reply, SC_HISLIP_DATA_END, 0, 0xFFFFFF00u, idn, strlen(idn));

    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_HISLIP, "127.0.0.1", 1000, 1);
    assert_int_equal(pm_connected(&m), PM_SEND);
    assert_int_equal(m.out_len, sizeof init);
    assert_memory_equal(m.out, init, sizeof init);
    assert_int_equal(feed(&m, &f, init_resp, 10, false), PM_WANT_INPUT);
    assert_int_equal(feed(&m, &f, init_resp + 10, 6, false), PM_OPEN_AUX);
    assert_int_equal(m.session_id, 1);
    f.len = 0; /* the engine switches connections */
    assert_int_equal(pm_connected(&m), PM_SEND);
    assert_memory_equal(m.out, async_init, sizeof async_init);
    assert_int_equal(feed(&m, &f, async_resp, sizeof async_resp, false), PM_BACK_TO_MAIN);
    assert_int_equal(m.out_len, sizeof query);
    assert_memory_equal(m.out, query, sizeof query);
    f.len = 0;
    assert_int_equal(feed(&m, &f, stale, stale_len, false), PM_WANT_INPUT); /* a stale reply is dropped */
    assert_int_equal(feed(&m, &f, reply, reply_len, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_IDENTIFIED);
    assert_string_equal(m.idn.model, "DS1054Z");
    pm_free(&m);
}

static void test_hislip_fatal_error_and_garbage(void **state)
{
    (void)state;
    uint8_t fatal[64];
    size_t n = sc_hislip_encode(fatal, sizeof fatal, SC_HISLIP_FATAL_ERROR, SC_HISLIP_FATAL_TOO_MANY_CLIENTS, 0, "busy", 4);
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_HISLIP, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    assert_int_equal(feed(&m, &f, fatal, n, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_REJECTED);
    assert_non_null(strstr(m.detail, "busy"));
    pm_free(&m);

    pm_init(&m, SC_PROBE_HISLIP, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    f.len = 0;
    assert_int_equal(feed(&m, &f, "RIGOL TECHNOLOGIES,DS1054Z\n", 27, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_WRONG_PROTOCOL);
    pm_free(&m);
}

/* ---- VXI-11 (§1.3, §1.8) ---- */

static size_t reply_record(uint8_t *out, size_t cap, uint32_t xid, void (*results)(sc_xdr_writer *, const void *),
                           const void *arg)
{
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, out, cap);
    sc_rpc_begin_record(&w);
    sc_rpc_put_reply(&w, xid, SC_RPC_SUCCESS);
    results(&w, arg);
    sc_rpc_end_record(&w);
    assert_false(w.overflow);
    return w.len;
}

static void put_create(sc_xdr_writer *w, const void *arg)
{
    (void)arg;
    sc_vxi11_create_link_resp r = { .error = 0, .lid = 7, .abort_port = 1025, .max_recv_size = 1024 };
    sc_vxi11_put_create_link_resp(w, &r);
}

static void put_write(sc_xdr_writer *w, const void *arg)
{
    (void)arg;
    sc_vxi11_write_resp r = { .error = 0, .size = 6 };
    sc_vxi11_put_write_resp(w, &r);
}

static void put_read(sc_xdr_writer *w, const void *arg)
{
    const char *text = arg;
    sc_vxi11_read_resp r = { .error = 0, .reason = SC_VXI11_REASON_END | SC_VXI11_REASON_CHR,
                             .data = (const uint8_t *)text, .len = (uint32_t)strlen(text) };
    sc_vxi11_put_read_resp(w, &r);
}

static void put_error(sc_xdr_writer *w, const void *arg)
{
    sc_vxi11_put_error(w, *(const int32_t *)arg);
}

static uint32_t u32_at(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void test_vxi11_portmapper_then_core(void **state)
{
    (void)state;
    /* GETPORT call after the xid, and the GETPORT reply of protocols.md §1.3 item 5 */
    static const uint8_t getport_tail[] = {
        0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0x86, 0xa0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0x06, 0x07, 0xaf, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0 };
    uint8_t getport_reply[] = { 0x80, 0, 0, 0x1c, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                0, 0, 0x04, 0x00 };
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_VXI11, "127.0.0.1", 1000, 0x1234);
    assert_int_equal(pm_connected(&m), PM_SEND);
    assert_int_equal(m.out_len, 4 + 56);
    assert_int_equal(u32_at(m.out), 0x80000038u);
    assert_memory_equal(m.out + 8, getport_tail, sizeof getport_tail);
    uint32_t xid = u32_at(m.out + 4);
    getport_reply[4] = (uint8_t)(xid >> 24), getport_reply[5] = (uint8_t)(xid >> 16);
    getport_reply[6] = (uint8_t)(xid >> 8), getport_reply[7] = (uint8_t)xid;
    assert_int_equal(feed(&m, &f, getport_reply, 3, false), PM_WANT_INPUT);
    assert_int_equal(feed(&m, &f, getport_reply + 3, sizeof getport_reply - 3, false), PM_RECONNECT);
    assert_int_equal(m.next_port, 1024);
    assert_int_equal(m.core_port, 1024);

    f.len = 0;
    uint8_t rec[256];
    assert_int_equal(pm_connected(&m), PM_SEND);
    assert_int_equal(u32_at(m.out + 4 + 20), SC_VXI11_CREATE_LINK);
    assert_int_equal(u32_at(m.out + 4 + 12), SC_VXI11_CORE_PROG);
    assert_int_equal(feed(&m, &f, rec, reply_record(rec, sizeof rec, u32_at(m.out + 4), put_create, NULL), false),
                     PM_SEND);
    assert_int_equal(m.lid, 7);
    assert_int_equal(u32_at(m.out + 4 + 20), SC_VXI11_DEVICE_WRITE);
    assert_int_equal(feed(&m, &f, rec, reply_record(rec, sizeof rec, u32_at(m.out + 4), put_write, NULL), false),
                     PM_SEND);
    assert_int_equal(u32_at(m.out + 4 + 20), SC_VXI11_DEVICE_READ);
    assert_int_equal(feed(&m, &f, rec, reply_record(rec, sizeof rec, u32_at(m.out + 4), put_read, "A,B,C,1\n"), false),
                     PM_SEND);
    assert_int_equal(u32_at(m.out + 4 + 20), SC_VXI11_DESTROY_LINK);
    int32_t ok = 0;
    assert_int_equal(feed(&m, &f, rec, reply_record(rec, sizeof rec, u32_at(m.out + 4), put_error, &ok), false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_IDENTIFIED);
    assert_string_equal(m.idn.model, "B");
    pm_free(&m);
}

static void test_vxi11_rpcbind_without_vxi11(void **state)
{
    (void)state;
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_VXI11, "127.0.0.1", 1000, 99);
    pm_connected(&m);
    uint8_t zero_port[] = { 0x80, 0, 0, 0x1c, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            0, 0, 0, 0 };
    memcpy(zero_port + 4, m.out + 4, 4);
    assert_int_equal(feed(&m, &f, zero_port, sizeof zero_port, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_REJECTED);
    assert_non_null(strstr(m.detail, "GETPORT 0"));
    pm_free(&m);

    /* a reply with another xid is not ours */
    pm_init(&m, SC_PROBE_VXI11, "127.0.0.1", 1000, 99);
    pm_connected(&m);
    f.len = 0;
    zero_port[7] ^= 0x55;
    assert_int_equal(feed(&m, &f, zero_port, sizeof zero_port, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_WRONG_PROTOCOL);
    pm_free(&m);
}

static void test_vxi11_create_link_refused(void **state)
{
    (void)state;
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_VXI11, "127.0.0.1", 1000, 5);
    pm_connected(&m);
    uint8_t rec[128];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, rec, sizeof rec);
    sc_rpc_begin_record(&w);
    sc_rpc_put_reply(&w, u32_at(m.out + 4), SC_RPC_SUCCESS);
    sc_xdr_put_u32(&w, 2000);
    sc_rpc_end_record(&w);
    assert_int_equal(feed(&m, &f, rec, w.len, false), PM_RECONNECT);
    f.len = 0;
    pm_connected(&m);
    sc_xdr_writer_init(&w, rec, sizeof rec);
    sc_rpc_begin_record(&w);
    sc_rpc_put_reply(&w, u32_at(m.out + 4), SC_RPC_SUCCESS);
    sc_vxi11_create_link_resp r = { .error = SC_VXI11_ERR_NOT_ACCESSIBLE };
    sc_vxi11_put_create_link_resp(&w, &r);
    sc_rpc_end_record(&w);
    assert_int_equal(feed(&m, &f, rec, w.len, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_REJECTED);
    assert_non_null(strstr(m.detail, "create_link"));
    pm_free(&m);
}

/* ---- LXI over HTTP ---- */

static void test_lxi_chunked_identification(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "27\r\n<?xml version=\"1.0\"?><LXIDevice><Manufa\r\n"
                       "63\r\ncturer>Keysight Technologies</Manufacturer><Model>DSOX3034T</Model><SerialNumber>MY5</SerialNumber>\r\n"
                       "6c\r\n<Interface><InstrumentAddressString>TCPIP::10.0.0.5::INSTR</InstrumentAddressString></Interface></LXIDevice>\r\n"
                       "0\r\n\r\n";
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_LXI, "10.0.0.5", 1000, 1);
    assert_int_equal(pm_connected(&m), PM_SEND);
    assert_non_null(strstr((const char *)m.out, "GET /lxi/identification HTTP/1.1\r\nHost: 10.0.0.5\r\n"));
    size_t n = strlen(resp);
    assert_int_equal(feed(&m, &f, resp, n / 2, false), PM_WANT_INPUT);
    assert_int_equal(feed(&m, &f, resp + n / 2, n - n / 2, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_IDENTIFIED);
    assert_string_equal(m.idn.manufacturer, "Keysight Technologies");
    assert_string_equal(m.idn.model, "DSOX3034T");
    assert_string_equal(m.lxi_address, "TCPIP::10.0.0.5::INSTR");
    char res[256];
    sc_scan_make_resource("10.0.0.5", SC_PROBE_LXI, 80, m.lxi_address, res, sizeof res);
    assert_string_equal(res, "TCPIP0::10.0.0.5::inst0::INSTR");
    pm_free(&m);

    pm_init(&m, SC_PROBE_LXI, "10.0.0.5", 1000, 1);
    pm_connected(&m);
    f.len = 0;
    const char *nf = "HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
    assert_int_equal(feed(&m, &f, nf, strlen(nf), false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_REJECTED);
    pm_free(&m);
}

/* ---- broadcast GETPORT (§1.3 item 5, without the record mark) ---- */

static void test_bcast_call_and_reply(void **state)
{
    (void)state;
    static const uint8_t call[] = {
        0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0x86, 0xa0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0x06, 0x07, 0xaf, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0 };
    static const uint8_t reply[] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x00 };
    static const uint8_t reply0[] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    uint8_t out[128];
    assert_int_equal(sc_bcast_build_call(out, sizeof out, 1), 56);
    assert_memory_equal(out, call, sizeof call);
    uint16_t port = 0;
    assert_true(sc_bcast_parse_reply(reply, sizeof reply, 1, &port));
    assert_int_equal(port, 1024);
    assert_false(sc_bcast_parse_reply(reply, sizeof reply, 2, &port));   /* not our xid */
    assert_false(sc_bcast_parse_reply(reply0, sizeof reply0, 1, &port)); /* rpcbind without VXI-11 */
    assert_false(sc_bcast_parse_reply(reply, 20, 1, &port));             /* truncated */
}

/* ---- identification text ---- */

static void test_idn_validity(void **state)
{
    (void)state;
    sc_idn idn;
    assert_true(sc_idn_valid_reply("RIGOL TECHNOLOGIES,DS1054Z,DS1ZA1,00.04\n", 40, &idn));
    assert_string_equal(idn.manufacturer, "RIGOL TECHNOLOGIES");
    assert_false(sc_idn_valid_reply("OK\n", 3, &idn));
    assert_false(sc_idn_valid_reply("a,b\n", 4, &idn));           /* two fields only */
    assert_false(sc_idn_valid_reply(",,,\n", 4, &idn));           /* no manufacturer, no model */
    assert_true(sc_idn_valid_reply("*IDN LECROY,WR,1,2", 18, &idn));
    assert_string_equal(idn.manufacturer, "LECROY");
    assert_false(sc_idn_reply_has_control("*IDN LECROY,WR,1,2\r\n", 20));
    /* control bytes do not hide an instrument: its text comes out sanitised */
    assert_true(sc_idn_valid_reply("A,B\x01,C,D", 9, &idn));
    assert_string_equal(idn.model, "B?");
    assert_true(sc_idn_reply_has_control("A,B\x01,C,D", 9));
    static const char hostile[] = "RIGOL TECHNOLOGIES,DS1\x1b[2J/../..054Z,../..\x1b]0;owned\x07,\x1b[0m1\x9b" "2J\r\n";
    assert_true(sc_idn_valid_reply(hostile, sizeof hostile - 1, &idn));
    assert_string_equal(idn.model, "DS1?[2J/../..054Z");
    assert_string_equal(idn.serial, "../..?]0;owned?");
    assert_true(sc_idn_reply_has_control(hostile, sizeof hostile - 1));
    /* but binary is not an identification: a NUL, or mostly control bytes */
    static const char nul[] = "A,B\0,C,D", mostly[] = "A,\x01\x02\x03\x04,\x05,D", bare[] = "\x1b[,\x1b[,1,2";
    assert_false(sc_idn_valid_reply(nul, sizeof nul - 1, &idn));
    assert_false(sc_idn_valid_reply(mostly, sizeof mostly - 1, &idn));
    assert_false(sc_idn_valid_reply(bare, sizeof bare - 1, &idn)); /* no letter in maker or model */
}

/* A raw reply with terminal escapes identifies, and the machine says it was sanitised. */
static void test_raw_hostile_idn_is_listed_sanitised(void **state)
{
    (void)state;
    probe_machine m;
    feeder f = { .len = 0 };
    pm_init(&m, SC_PROBE_RAW, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    static const char reply[] = "RIGOL TECHNOLOGIES,DS1\x1b[2J054Z,DS1ZA1,00.04\x07\n";
    assert_int_equal(feed(&m, &f, reply, sizeof reply - 1, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_IDENTIFIED);
    assert_true(m.sanitized);
    assert_string_equal(m.idn.model, "DS1?[2J054Z");
    assert_non_null(strstr(m.detail, "shown as '?'"));
    pm_free(&m);

    pm_init(&m, SC_PROBE_RAW, "127.0.0.1", 1000, 1);
    pm_connected(&m);
    f.len = 0;
    static const char clean[] = "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA1,00.04\r\n";
    assert_int_equal(feed(&m, &f, clean, sizeof clean - 1, false), PM_DONE);
    assert_int_equal(m.outcome, SC_PROBE_IDENTIFIED);
    assert_false(m.sanitized);
    pm_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_identifies_and_strips_lecroy_header),
        cmocka_unit_test(test_raw_banner_is_not_an_instrument),
        cmocka_unit_test(test_vicp_request_and_two_block_reply),
        cmocka_unit_test(test_vicp_rejects_other_protocols),
        cmocka_unit_test(test_hislip_two_channels_then_query),
        cmocka_unit_test(test_hislip_fatal_error_and_garbage),
        cmocka_unit_test(test_vxi11_portmapper_then_core),
        cmocka_unit_test(test_vxi11_rpcbind_without_vxi11),
        cmocka_unit_test(test_vxi11_create_link_refused),
        cmocka_unit_test(test_lxi_chunked_identification),
        cmocka_unit_test(test_bcast_call_and_reply),
        cmocka_unit_test(test_idn_validity),
        cmocka_unit_test(test_raw_hostile_idn_is_listed_sanitised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
