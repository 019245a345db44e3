/* The USB-TMC client path end to end: sc_session_open on a USB resource, with the
 * in-process fake device (fake_usb_device.c) and the simulator's instrument behind it.
 * No USB hardware is involved: everything here is verified against the fake only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fake_usb_device.h"
#include "scopecap/capture.h"
#include "scopecap/session.h"
#include "transport/usbtmc_quirks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDN "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4"
#define LONG_MS 20000

static sc_session *open_resource(const char *text)
{
    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_OK);
    sc_session *s = NULL;
    sc_status st = sc_session_open(&res, sc_deadline_in_ms(LONG_MS), &s, &err);
    if (st != SC_OK)
        fail_msg("open %s: %s", text, err.message);
    return s;
}

/* The fake device's ids as a VISA resource string. */
static sc_session *open_fake(void)
{
    const fake_usb_config *c = fake_usb_live_config();
    char text[128];
    snprintf(text, sizeof text, "USB0::0x%04X::0x%04X::%s::INSTR", c->vid, c->pid, c->serial);
    return open_resource(text);
}

static void install_with(uint16_t vid, uint16_t pid, uint16_t mps)
{
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.vid = vid;
    cfg.pid = pid;
    cfg.max_packet = mps;
    fake_usb_install(&cfg);
}

static void install_default(void)
{
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    fake_usb_install(&cfg);
}

static int teardown(void **state)
{
    (void)state;
    fake_usb_uninstall();
    return 0;
}

static void query_text(sc_session *s, const char *cmd, const char *want)
{
    char out[512];
    sc_error err;
    sc_status st = sc_session_query_text(s, cmd, out, sizeof out, sc_deadline_in_ms(LONG_MS), &err);
    if (st != SC_OK)
        fail_msg("%s: %s", cmd, err.message);
    assert_string_equal(out, want);
}

static void assert_no_violations(void)
{
    const fake_usb_stats *fs = fake_usb_get_stats();
    if (fs->violations)
        fail_msg("the device saw %u protocol violations, the last: %s", fs->violations, fs->last_violation);
}

/* :SIM:BLOCK? payload byte i */
static uint8_t block_byte(size_t i)
{
    return (uint8_t)(i * 7 + (i >> 8));
}

static void query_block(sc_session *s, size_t n)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, ":SIM:BLOCK? %zu", n);
    sc_buf payload;
    sc_buf_init(&payload, 0);
    sc_reply_kind kind;
    sc_error err;
    sc_status st = sc_session_query(s, cmd, &payload, &kind, sc_deadline_in_ms(LONG_MS), &err);
    if (st != SC_OK)
        fail_msg("%s: %s", cmd, err.message);
    assert_int_equal(kind, SC_REPLY_DEFINITE);
    assert_int_equal(payload.len, n);
    for (size_t i = 0; i < n; i++)
        if (payload.data[i] != block_byte(i))
            fail_msg("%s: byte %zu is 0x%02x, want 0x%02x", cmd, i, payload.data[i], block_byte(i));
    sc_buf_free(&payload);
}

static void screenshot(sc_session *s)
{
    sc_buf payload;
    sc_buf_init(&payload, 0);
    sc_reply_kind kind;
    sc_error err;
    sc_status st =
        sc_session_query(s, ":DISP:DATA? ON,0,BMP24", &payload, &kind, sc_deadline_in_ms(LONG_MS), &err);
    if (st != SC_OK)
        fail_msg("screenshot: %s", err.message);
    assert_int_equal(payload.len, 1152054);
    assert_memory_equal(payload.data, "BM", 2);
    sc_buf_free(&payload);
}

/* ---- the conforming device ---- */

static void test_idn_full_and_high_speed(void **state)
{
    (void)state;
    uint16_t sizes[] = { 64, 512 };
    for (size_t i = 0; i < 2; i++) {
        install_with(0x0699, 0x0401, sizes[i]);
        sc_session *s = open_fake();
        query_text(s, "*IDN?", IDN);
        query_text(s, "*IDN?", IDN);
        sc_session_close(s);
        const fake_usb_stats *fs = fake_usb_get_stats();
        assert_int_equal(fs->get_capabilities, 1);
        assert_int_equal(fs->requests, 2);
        assert_int_equal(fs->eom_transfers, 2);
        assert_int_equal(fs->closes, 1);
        assert_int_equal(fs->go_to_local, 1); /* RL1 advertised and no quirk: panel given back */
        assert_int_equal(fs->initiate_clear, 0);
        assert_no_violations();
    }
}

static void test_label_names_the_device(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_resource("USB0::0x0699::0x0401::INSTR"); /* no serial */
    assert_string_equal(sc_link_label(sc_session_link(s)), "USB-TMC USB 0699:0401 C000001");
    sc_session_close(s);
    s = open_resource("USB0::0::0::INSTR"); /* no ids: the first USB-TMC device */
    assert_int_equal(sc_link_resource(sc_session_link(s))->usb_vid, 0x0699);
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    s = open_resource("usbtmc://0x0699:0x0401/C000001");
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    assert_no_violations();
}

/* Run `text` through open and *IDN? with -v logging caught in `log`. */
static void open_and_log(const char *text, char *log, size_t cap)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    int level = sc_log_get_level();
    sc_log_set_level(SC_LOG_INFO);
    sc_session *s = open_resource(text);
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    sc_log_set_level(level);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(log, 1, cap - 1, tmp);
    log[n] = '\0';
    fclose(tmp);
}

/* usbtmc:// and USB0::INSTR name no instrument: the first one is taken, and -v says so
 * and which others are connected (what the backend found besides it). */
static void test_first_instrument_when_none_named(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.others = 2;
    cfg.others_text = "1ab1:04ce (bus 001 device 007), 0957:179a (bus 002 device 003)";
    fake_usb_install(&cfg);
    char log[4096];
    const char *texts[] = { "usbtmc://", "USB0::INSTR", "USB::INST" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        open_and_log(texts[i], log, sizeof log);
        if (!strstr(log, "USB-TMC USB 0699:0401 C000001: the first USB-TMC instrument found (\"scopecap\" \"fake USB-TMC device\")") ||
            !strstr(log, "2 other USB-TMC instruments are connected as well: 1ab1:04ce (bus 001 device 007), 0957:179a (bus 002 device 003); name the one you want with USB0::vid::pid::serial::INSTR"))
            fail_msg("%s: -v log is\n%s", texts[i], log);
    }
    /* a serial picks one: no choice was made, nothing to say */
    open_and_log("USB0::0x0699::0x0401::C000001::INSTR", log, sizeof log);
    assert_null(strstr(log, "first USB-TMC"));
    assert_null(strstr(log, "other USB-TMC"));
    assert_no_violations();
}

static void test_64_byte_command(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_fake();
    char cmd[65];
    memcpy(cmd, ":SIM:WRITE ", 11);
    memset(cmd + 11, 'C', 53);
    cmd[64] = '\0';
    assert_int_equal(strlen(cmd), 64);
    sc_error err;
    assert_int_equal(sc_session_write(s, cmd, sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    assert_int_equal(fake_usb_get_stats()->last_out_size, 65); /* with the session's "\n" */
    query_text(s, ":SIM:WRITE?", "53");
    sc_session_close(s);
    assert_no_violations();
}

static void test_200k_write_in_several_transfers(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_fake();
    size_t n = 200000;
    char *cmd = malloc(11 + n + 1);
    memcpy(cmd, ":SIM:WRITE ", 11);
    memset(cmd + 11, 'A', n);
    cmd[11 + n] = '\0';
    unsigned before = fake_usb_get_stats()->out_transfers;
    sc_error err;
    assert_int_equal(sc_session_write(s, cmd, sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    free(cmd);
    const fake_usb_stats *fs = fake_usb_get_stats();
    assert_int_equal(fs->out_transfers - before, 4); /* 64 KiB per transfer */
    assert_int_equal(fs->max_out_payload, 64 * 1024);
    assert_int_equal(fs->eom_transfers, 1);          /* only the last one ends the message */
    query_text(s, ":SIM:WRITE?", "200000");
    sc_session_close(s);
    assert_no_violations();
}

static void test_10mb_block(void **state)
{
    (void)state;
    uint16_t sizes[] = { 64, 512 };
    for (size_t i = 0; i < 2; i++) {
        install_with(0x0699, 0x0401, sizes[i]);
        sc_session *s = open_fake();
        int64_t t0 = sc_now_ns();
        query_block(s, 10000000);
        double ms = (double)(sc_now_ns() - t0) / 1e6;
        print_message("10 MB block over the fake device, %u-byte packets: %.0f ms\n", sizes[i], ms);
        assert_true(fake_usb_get_stats()->requests >= 10); /* 1 MiB transfers, one REQUEST each */
        query_text(s, "*IDN?", IDN);                     /* nothing left over */
        sc_session_close(s);
        assert_no_violations();
    }
}

static void test_screenshot(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_fake();
    screenshot(s);
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    assert_no_violations();
}

static void test_small_blocks_every_size_near_packet_edges(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_fake();
    /* header 12 + "#2NN" etc.: sizes whose transfers end exactly on, just before and
     * just after a 64-byte packet boundary, so zero-length packets come into play */
    for (size_t n = 30; n <= 140; n++)
        query_block(s, n);
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    assert_no_violations();
}

static void test_device_clear(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.clear_pending_polls = 2; /* the host must poll CHECK_CLEAR_STATUS */
    fake_usb_install(&cfg);
    sc_session *s = open_fake();
    sc_error err;
    /* a query whose reply is never read, then clear: the next reply must be fresh */
    assert_int_equal(sc_session_write(s, ":SIM:BLOCK? 5000", sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    assert_int_equal(sc_link_clear(sc_session_link(s), sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    const fake_usb_stats *fs = fake_usb_get_stats();
    assert_int_equal(fs->initiate_clear, 1);
    assert_int_equal(fs->check_clear, 3);
    assert_int_equal(fs->clear_halt_out, 1);
    query_text(s, "*IDN?", IDN);
    /* clear in the middle of a reply that is being read */
    sc_link *link = sc_session_link(s);
    assert_int_equal(sc_link_write(link, ":SIM:BLOCK? 300000\n", 19, true, sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    uint8_t buf[1000];
    size_t got;
    bool end;
    assert_int_equal(sc_link_read(link, buf, sizeof buf, &got, &end, sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    assert_int_equal(got, sizeof buf);
    assert_false(end);
    assert_int_equal(sc_link_clear(link, sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    assert_no_violations();
}

static void test_stalled_device_times_out_on_time(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_fake();
    fake_usb_instrument()->faults.stall = true;
    sc_buf payload;
    sc_buf_init(&payload, 0);
    sc_error err;
    int64_t t0 = sc_now_ns();
    sc_status st = sc_session_query(s, "*IDN?", &payload, NULL, sc_deadline_in_ms(1000), &err);
    double ms = (double)(sc_now_ns() - t0) / 1e6;
    print_message("stalled device: error after %.0f ms (deadline 1000 ms): %s\n", ms, err.message);
    assert_int_equal(st, SC_ERR_TIMEOUT);
    assert_true(ms >= 990 && ms < 1100);
    assert_non_null(strstr(err.message, "timed out"));
    assert_non_null(strstr(err.message, "USB-TMC USB 0699:0401"));
    assert_int_equal(fake_usb_get_stats()->abort_in, 1); /* the late reply cannot come back */
    /* the link is still usable once the device answers again */
    fake_usb_instrument()->faults.stall = false;
    query_text(s, "*IDN?", IDN);
    sc_buf_free(&payload);
    sc_session_close(s);
    assert_no_violations();
}

static void test_bulk_out_stall_times_out(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_fake();
    fake_usb_live_config()->bulk_out_stalls = true;
    sc_error err;
    int64_t t0 = sc_now_ns();
    sc_status st = sc_session_write(s, "*RST", sc_deadline_in_ms(500), &err);
    double ms = (double)(sc_now_ns() - t0) / 1e6;
    assert_int_equal(st, SC_ERR_TIMEOUT);
    assert_true(ms < 550);
    assert_non_null(strstr(err.message, "aborted"));
    assert_int_equal(fake_usb_get_stats()->abort_out, 1);
    assert_int_equal(fake_usb_get_stats()->clear_halt_out, 1);
    fake_usb_live_config()->bulk_out_stalls = false;
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
}

static void test_disconnect_mid_message(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_fake();
    fake_usb_instrument()->faults.close_mid_transfer = true;
    sc_buf payload;
    sc_buf_init(&payload, 0);
    sc_error err;
    sc_status st = sc_session_query(s, ":SIM:BLOCK? 3000000", &payload, NULL, sc_deadline_in_ms(LONG_MS), &err);
    print_message("unplugged mid-reply: %s\n", err.message);
    assert_int_equal(st, SC_ERR_CLOSED);
    assert_non_null(strstr(err.message, "disconnected"));
    assert_non_null(strstr(err.message, "of the reply")); /* the session says how far it got */
    sc_buf_free(&payload);
    sc_session_close(s);
}

static void test_no_such_device(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.present = false;
    fake_usb_install(&cfg);
    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse("USB0::0x1AB1::0x04CE::X::INSTR", &res, &err), SC_OK);
    sc_session *s = NULL;
    assert_int_equal(sc_session_open(&res, sc_deadline_in_ms(1000), &s, &err), SC_ERR_UNREACHABLE);
    assert_null(s);
    assert_non_null(strstr(err.message, "no USB-TMC device 1ab1:04ce"));
}

static void test_btag_wraps_and_never_is_zero(void **state)
{
    (void)state;
    install_default();
    sc_session *s = open_fake();
    for (int i = 0; i < 140; i++) /* two headers per query: past 255 and around */
        query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    assert_no_violations(); /* the device checks every bTag follows the last, skipping 0 */
}

static void test_wrong_btag_is_an_error(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.wrong_btag = true;
    fake_usb_install(&cfg);
    sc_session *s = open_fake();
    sc_buf payload;
    sc_buf_init(&payload, 0);
    sc_error err;
    sc_status st = sc_session_query(s, "*IDN?", &payload, NULL, sc_deadline_in_ms(2000), &err);
    assert_int_equal(st, SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "bTag"));
    sc_buf_free(&payload);
    sc_session_close(s);
}

static void test_empty_transfer_before_reply(void **state)
{
    (void)state;
    /* sigrok: "Rigol DS1054Z seems to do this sometimes": an empty first Bulk-IN transfer */
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.empty_before_reply = true;
    fake_usb_install(&cfg);
    sc_session *s = open_fake();
    query_text(s, "*IDN?", IDN);
    query_block(s, 100000);
    sc_session_close(s);
    assert_no_violations();
}

/* ---- the quirk table, one device misbehaviour at a time ---- */

static void test_quirk_table_lookup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sc_usbtmc_quirk_row_count(); i++) {
        const sc_usbtmc_quirk_row *row = sc_usbtmc_quirk_row_at(i);
        sc_usbtmc_quirks q;
        sc_usbtmc_quirks_lookup(row->vid, row->pid ? row->pid : 0x1234, &q);
        assert_int_equal(q.flags & row->flags, row->flags);
        assert_true(row->device && row->source);
    }
    sc_usbtmc_quirks q;
    sc_usbtmc_quirks_lookup(0x1AB1, 0x04CE, &q); /* vendor row and product row together */
    assert_int_equal(q.flags, SC_USBTMC_QUIRK_SIZE_FROM_BLOCK | SC_USBTMC_QUIRK_NO_INITIATE_CLEAR);
    sc_usbtmc_quirks_lookup(0x1334, 0x0001, &q);
    assert_int_equal(q.flags, SC_USBTMC_QUIRK_NO_EOM);
    assert_int_equal(q.max_transfer, 63);
    sc_usbtmc_quirks_lookup(0x0699, 0x0401, &q);
    assert_int_equal(q.flags, 0);
    char text[128];
    sc_usbtmc_quirks_describe(SC_USBTMC_QUIRK_NO_REMOTE_CONTROL | SC_USBTMC_QUIRK_RESET_ON_OPEN, text, sizeof text);
    assert_string_equal(text, "no-remote-control,reset-on-open");
}

static void install_rigol_liar(uint16_t vid, uint16_t pid, uint16_t mps)
{
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.vid = vid;
    cfg.pid = pid;
    cfg.serial = "DS1ZA000000001";
    cfg.max_packet = mps;
    cfg.rigol_transfer_size = true;
    fake_usb_install(&cfg);
}

static void test_quirk_rigol_transfer_size(void **state)
{
    (void)state;
    uint16_t sizes[] = { 64, 512 };
    for (size_t i = 0; i < 2; i++) {
        install_rigol_liar(0x1AB1, 0x04CE, sizes[i]);
        sc_session *s = open_fake();
        query_text(s, "*IDN?", IDN);
        int64_t t0 = sc_now_ns();
        query_block(s, 10000000);
        print_message("10 MB block, Rigol quirk, %u-byte packets: %.0f ms\n", sizes[i],
                      (double)(sc_now_ns() - t0) / 1e6);
        screenshot(s);
        for (size_t n = 40; n <= 120; n++) /* around packet edges */
            query_block(s, n);
        query_text(s, "*IDN?", IDN);
        const fake_usb_stats *fs = fake_usb_get_stats();
        assert_int_equal(fs->restarts, 0);               /* never asked twice for one message */
        assert_int_equal(fs->requests, fs->messages);    /* one REQUEST per query */
        sc_session_close(s);
        assert_no_violations();
    }
}

static void test_quirk_rigol_transfer_size_on_a_conforming_rigol(void **state)
{
    (void)state;
    /* firmware that got it right must still work with the quirk rules applied */
    install_with(0x1AB1, 0x04CE, 64);
    sc_session *s = open_fake();
    query_text(s, "*IDN?", IDN);
    query_block(s, 3000000);
    screenshot(s);
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    assert_no_violations();
}

static void test_rigol_lie_without_the_quirk_is_reported(void **state)
{
    (void)state;
    install_rigol_liar(0x0699, 0x0401, 64); /* same behaviour, ids not in the table */
    sc_session *s = open_fake();
    sc_buf payload;
    sc_buf_init(&payload, 0);
    sc_error err;
    sc_status st = sc_session_query(s, ":SIM:BLOCK? 100000", &payload, NULL, sc_deadline_in_ms(2000), &err);
    print_message("lying device without its quirk: %s\n", err.message);
    assert_int_equal(st, SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "more than its Bulk-IN header announced"));
    sc_buf_free(&payload);
    sc_session_close(s);
}

static void test_quirk_advantest_no_eom(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.vid = 0x1334;
    cfg.pid = 0x0001;
    cfg.never_eom = true;
    fake_usb_install(&cfg);
    sc_session *s = open_fake();
    query_text(s, "*IDN?", IDN); /* 56 bytes: one transfer shorter than 63 */
    query_block(s, 1000);         /* 16 transfers of 63 and one short */
    query_text(s, ":SIM:WRITE?", "0");
    char cmd[200];
    snprintf(cmd, sizeof cmd, ":SIM:WRITE %0150d", 7);
    sc_error err;
    assert_int_equal(sc_session_write(s, cmd, sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    query_text(s, ":SIM:WRITE?", "150");
    const fake_usb_stats *fs = fake_usb_get_stats();
    assert_int_equal(fs->max_out_payload, 63);
    assert_int_equal(fs->max_request, 63);
    sc_session_close(s);
    assert_no_violations();
}

static void test_quirk_ds1000z_initiate_clear(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.vid = 0x1AB1;
    cfg.pid = 0x04CE;
    cfg.hangs_on_clear = true;
    fake_usb_install(&cfg);
    sc_session *s = open_fake();
    sc_link *link = sc_session_link(s);
    sc_error err;
    /* an unread reply in flight, then clear */
    assert_int_equal(sc_link_write(link, ":SIM:BLOCK? 200000\n", 19, true, sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    uint8_t buf[256];
    size_t got;
    bool end;
    assert_int_equal(sc_link_read(link, buf, sizeof buf, &got, &end, sc_deadline_in_ms(LONG_MS), &err), SC_OK);
    int64_t t0 = sc_now_ns();
    assert_int_equal(sc_link_clear(link, sc_deadline_in_ms(5000), &err), SC_OK);
    assert_true(sc_now_ns() - t0 < 1000000000);
    assert_int_equal(fake_usb_get_stats()->initiate_clear, 0); /* it would have hung the scope */
    query_text(s, "*IDN?", IDN);
    sc_session_close(s);
    assert_no_violations();
}

static void test_initiate_clear_hang_without_quirk_shows_why(void **state)
{
    (void)state;
    /* the same device under other ids: the clear is sent and the device wedges */
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.hangs_on_clear = true;
    fake_usb_install(&cfg);
    sc_session *s = open_fake();
    sc_error err;
    assert_int_equal(sc_link_clear(sc_session_link(s), sc_deadline_in_ms(300), &err), SC_ERR_TIMEOUT);
    assert_int_equal(fake_usb_get_stats()->initiate_clear, 1);
    sc_session_close(s);
}

static void test_quirk_rl1_lies(void **state)
{
    (void)state;
    struct { uint16_t vid, pid; } liars[] = {
        { 0x1AB1, 0x0588 }, { 0x1AB1, 0x04B0 }, { 0x1AB1, 0x04B1 }, { 0x1AB1, 0x0515 },
        { 0x0957, 0x0588 }, { 0x0B21, 0x0042 }, { 0xF4EC, 0xEE38 },
    };
    for (size_t i = 0; i < sizeof liars / sizeof liars[0]; i++) {
        fake_usb_config cfg;
        fake_usb_default_config(&cfg);
        cfg.vid = liars[i].vid;
        cfg.pid = liars[i].pid;
        cfg.remote_control_wedges = true; /* advertises RL1 + REN_CONTROL, breaks on them */
        fake_usb_install(&cfg);
        sc_session *s = open_fake();
        query_text(s, "*IDN?", IDN);
        sc_session_close(s);
        const fake_usb_stats *fs = fake_usb_get_stats();
        assert_int_equal(fs->go_to_local + fs->ren_control + fs->local_lockout, 0);
        assert_no_violations();
    }
}

static void test_quirk_siglent_reset_on_open(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.vid = 0xF4EC;
    cfg.pid = 0xEE38;
    cfg.stale_until_reset = true;
    fake_usb_install(&cfg);
    sc_session *s = open_fake();
    query_text(s, "*IDN?", IDN); /* not the stale reply */
    assert_int_equal(fake_usb_get_stats()->resets, 1);
    sc_session_close(s);
    assert_no_violations();

    /* the emulation is real: without a reset the stale reply comes first */
    cfg.vid = 0x0699;
    cfg.pid = 0x0401;
    fake_usb_install(&cfg);
    s = open_fake();
    query_text(s, "*IDN?", "STALE REPLY FROM AN EARLIER SESSION");
    assert_int_equal(fake_usb_get_stats()->resets, 0);
    sc_session_close(s);
}

/* ---- the kernel driver path, without a kernel device ---- */

/* The whole screenshot spine over USB: a USB-only instrument (Tek TDS2024C) is identified,
 * its driver row runs, and the image equals the frame the simulated instrument drew. */
static void test_usb_only_model_screenshot(void **state)
{
    (void)state;
    fake_usb_config cfg;
    fake_usb_default_config(&cfg);
    cfg.vid = 0x0699; /* Tektronix */
    cfg.pid = 0x0368;
    cfg.serial = "C010008";
    cfg.model = "tek-tds2024c";
    fake_usb_install(&cfg);

    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse("USB0::0x0699::0x0368::C010008::INSTR", &res, &err), SC_OK);
    sc_shot_options opts = { .background = SC_BACKGROUND_NATIVE, .timeout_ms = LONG_MS };
    sc_shot shot;
    sc_shot_init(&shot);
    if (sc_shot_capture(&res, &opts, &shot, &err) != SC_OK)
        fail_msg("capture: %s", err.message);
    assert_int_equal(shot.driver->vendor, SC_VENDOR_TEKTRONIX);

    sc_raster got = { 0 }, want = { 0 };
    assert_int_equal(sc_image_decode(shot.image.data, shot.image.len, &got, &err), SC_OK);
    assert_int_equal(got.width, 640);
    assert_int_equal(got.height, 480);
    sc_buf frame;
    sc_buf_init(&frame, 0);
    assert_true(sim_frame_bmp(fake_usb_instrument(), &frame));
    assert_int_equal(sc_image_decode(frame.data, frame.len, &want, &err), SC_OK);
    for (int y = 0; y < got.height; y++)
        assert_memory_equal(got.pixels + (size_t)y * got.stride, want.pixels + (size_t)y * want.stride,
                            (size_t)got.width * 3);
    sc_raster_free(&got);
    sc_raster_free(&want);
    sc_buf_free(&frame);
    sc_shot_free(&shot);
}

static void test_devnode_errors(void **state)
{
    (void)state;
    sc_resource res;
    sc_error err;
    sc_session *s = NULL;
    assert_int_equal(sc_resource_parse("usbtmc:///dev/usbtmc-none-here", &res, &err), SC_OK);
    assert_int_equal(sc_session_open(&res, sc_deadline_in_ms(1000), &s, &err), SC_ERR_UNREACHABLE);
    assert_non_null(strstr(err.message, "no such device node"));
    assert_int_equal(sc_resource_parse("usbtmc:///dev/null", &res, &err), SC_OK);
    assert_int_equal(sc_session_open(&res, sc_deadline_in_ms(1000), &s, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "not a USB-TMC device node"));
    assert_int_equal(sc_resource_parse("usbtmc:///etc/hostname", &res, &err), SC_OK);
    assert_int_equal(sc_session_open(&res, sc_deadline_in_ms(1000), &s, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "not a device node"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_idn_full_and_high_speed, teardown),
        cmocka_unit_test_teardown(test_label_names_the_device, teardown),
        cmocka_unit_test_teardown(test_first_instrument_when_none_named, teardown),
        cmocka_unit_test_teardown(test_64_byte_command, teardown),
        cmocka_unit_test_teardown(test_200k_write_in_several_transfers, teardown),
        cmocka_unit_test_teardown(test_10mb_block, teardown),
        cmocka_unit_test_teardown(test_screenshot, teardown),
        cmocka_unit_test_teardown(test_usb_only_model_screenshot, teardown),
        cmocka_unit_test_teardown(test_small_blocks_every_size_near_packet_edges, teardown),
        cmocka_unit_test_teardown(test_device_clear, teardown),
        cmocka_unit_test_teardown(test_stalled_device_times_out_on_time, teardown),
        cmocka_unit_test_teardown(test_bulk_out_stall_times_out, teardown),
        cmocka_unit_test_teardown(test_disconnect_mid_message, teardown),
        cmocka_unit_test_teardown(test_no_such_device, teardown),
        cmocka_unit_test_teardown(test_btag_wraps_and_never_is_zero, teardown),
        cmocka_unit_test_teardown(test_wrong_btag_is_an_error, teardown),
        cmocka_unit_test_teardown(test_empty_transfer_before_reply, teardown),
        cmocka_unit_test(test_quirk_table_lookup),
        cmocka_unit_test_teardown(test_quirk_rigol_transfer_size, teardown),
        cmocka_unit_test_teardown(test_quirk_rigol_transfer_size_on_a_conforming_rigol, teardown),
        cmocka_unit_test_teardown(test_rigol_lie_without_the_quirk_is_reported, teardown),
        cmocka_unit_test_teardown(test_quirk_advantest_no_eom, teardown),
        cmocka_unit_test_teardown(test_quirk_ds1000z_initiate_clear, teardown),
        cmocka_unit_test_teardown(test_initiate_clear_hang_without_quirk_shows_why, teardown),
        cmocka_unit_test_teardown(test_quirk_rl1_lies, teardown),
        cmocka_unit_test_teardown(test_quirk_siglent_reset_on_open, teardown),
        cmocka_unit_test(test_devnode_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
