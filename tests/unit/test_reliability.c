/* Reliability: regression tests for what the fault matrix (tests/integration/test_faults.sh)
 * found, and scopesim's fault helper itself.
 *
 *   - a definite block whose message (VICP here, any END-marked transport) carries more
 *     bytes than the block declares is refused, not saved: duplicated frames shift the data
 *     inside the declared length, so those bytes cannot be trusted;
 *   - the usual trailers and a compound query's next response are not mistaken for that;
 *   - file names made from instrument text hold no "/" and no "..";
 *   - sim/faults.c: parsing, and each content and raw-framing fault on a real reply.
 * The scripted VICP device listens on 127.0.19.200 (loopback only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "faults.h"
#include "models.h"
#include "scopecap/resource.h"
#include "scopecap/scpi.h"
#include "scopecap/session.h"
#include "wire/vicp_wire.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sock_util.h"

#define DEVICE_ADDR "127.0.19.200"
#define MAX_BLOCKS 8

/* ---- a VICP device that answers one query with scripted blocks ---- */

typedef struct vicp_block {
    uint8_t op;
    const char *data; /* NULL: `len` bytes of 'p' */
    size_t len;
} vicp_block;

typedef struct device {
    int listen_fd;
    uint16_t port;
    pthread_t thread;
    vicp_block blocks[MAX_BLOCKS];
    int count;
} device;

/* Read the client's message up to EOI; every block is read whole. */
static bool read_query(int fd)
{
    for (;;) {
        uint8_t raw[SC_VICP_HEADER_SIZE], payload[512];
        sc_vicp_header h;
        sc_error err;
        if (!test_recv_all(fd, raw, sizeof raw) || sc_vicp_decode(raw, 0, &h, "device", &err) != SC_OK ||
            h.length > sizeof payload || !test_recv_all(fd, payload, h.length))
            return false;
        if (h.op & SC_VICP_OP_EOI)
            return true;
    }
}

static void send_block(int fd, const vicp_block *b)
{
    uint8_t hdr[SC_VICP_HEADER_SIZE];
    /* sequence 0: a v1 device, so no block is dropped as stale */
    sc_vicp_encode(&(sc_vicp_header){ .op = b->op, .version = 1, .seq = 0, .length = (uint32_t)b->len }, hdr);
    send(fd, hdr, sizeof hdr, MSG_NOSIGNAL);
    if (b->data) {
        send(fd, b->data, b->len, MSG_NOSIGNAL);
        return;
    }
    char *fill = malloc(b->len);
    memset(fill, 'p', b->len);
    send(fd, fill, b->len, MSG_NOSIGNAL);
    free(fill);
}

static void *device_main(void *arg)
{
    device *d = arg;
    struct pollfd p = { .fd = d->listen_fd, .events = POLLIN };
    if (poll(&p, 1, 5000) != 1)
        return NULL;
    int fd = accept(d->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    if (read_query(fd))
        for (int i = 0; i < d->count; i++)
            send_block(fd, &d->blocks[i]);
    /* wait for the client to hang up */
    uint8_t sink[256];
    struct pollfd q = { .fd = fd, .events = POLLIN };
    while (poll(&q, 1, 5000) == 1 && recv(fd, sink, sizeof sink, 0) > 0) {
    }
    close(fd);
    return NULL;
}

static void device_start(device *d)
{
    d->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(d->listen_fd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    inet_pton(AF_INET, DEVICE_ADDR, &a.sin_addr);
    assert_int_equal(bind(d->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(d->listen_fd, 2), 0);
    socklen_t len = sizeof a;
    getsockname(d->listen_fd, (struct sockaddr *)&a, &len);
    d->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&d->thread, NULL, device_main, d), 0);
}

/* Run one query against a device sending `blocks`; the reply lands in payload. */
static sc_status query_device(const vicp_block *blocks, int count, sc_buf *payload, sc_error *err)
{
    device d = { .count = count };
    memcpy(d.blocks, blocks, sizeof blocks[0] * (size_t)count);
    device_start(&d);
    char text[64];
    snprintf(text, sizeof text, "vicp://%s:%u", DEVICE_ADDR, d.port);
    sc_resource res;
    assert_int_equal(sc_resource_parse(text, &res, err), SC_OK);
    sc_session *s = NULL;
    sc_status st = sc_session_open(&res, sc_deadline_in_ms(3000), &s, err);
    if (st == SC_OK) {
        st = sc_session_query(s, ":SIM:BLOCK? 300", payload, NULL, sc_deadline_in_ms(3000), err);
        sc_session_close(s);
    }
    pthread_join(d.thread, NULL);
    close(d.listen_fd);
    return st;
}

#define DATA SC_VICP_OP_DATA
#define EOI (SC_VICP_OP_DATA | SC_VICP_OP_EOI)

static void block_then_trailer_block_is_accepted(void **state)
{
    (void)state;
    vicp_block blocks[] = { { DATA, "#15hello", 8 }, { EOI, "\r\n", 2 } };
    sc_buf out;
    sc_buf_init(&out, 0);
    sc_error err;
    sc_error_clear(&err);
    assert_int_equal(query_device(blocks, 2, &out, &err), SC_OK);
    assert_int_equal(out.len, 5);
    assert_memory_equal(out.data, "hello", 5);
    sc_buf_free(&out);
}

/* A compound query's next response follows the block: not surplus. */
static void compound_response_after_block_is_accepted(void **state)
{
    (void)state;
    static const char msg[] = "#15hello;RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4\n";
    vicp_block blocks[] = { { EOI, msg, sizeof msg - 1 } };
    sc_buf out;
    sc_buf_init(&out, 0);
    sc_error err;
    sc_error_clear(&err);
    assert_int_equal(query_device(blocks, 1, &out, &err), SC_OK);
    assert_int_equal(out.len, 5);
    sc_buf_free(&out);
}

/* The fault matrix's duplicate-frames over VICP: the second 100-byte frame came twice.
 * Before the fix the block "completed" early with shifted bytes and was saved. */
static void duplicated_frame_is_refused(void **state)
{
    (void)state;
    vicp_block blocks[] = {
        { DATA, "#3300", 5 }, { DATA, NULL, 100 }, { DATA, NULL, 100 }, { DATA, NULL, 100 },
        { DATA, NULL, 100 },  { EOI, "\n", 1 },
    };
    sc_buf out;
    sc_buf_init(&out, 0);
    sc_error err;
    sc_error_clear(&err);
    assert_int_equal(query_device(blocks, 6, &out, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "VICP 127.0.19.200"));
    assert_non_null(strstr(err.message, "bytes more than its block header declares (300)"));
    sc_buf_free(&out);
}

/* long-block: 1000 bytes more than declared, in the same EOI block. */
static void long_block_is_refused(void **state)
{
    (void)state;
    vicp_block blocks[] = { { DATA, "#3300", 5 }, { EOI, NULL, 1300 } };
    sc_buf out;
    sc_buf_init(&out, 0);
    sc_error err;
    sc_error_clear(&err);
    assert_int_equal(query_device(blocks, 2, &out, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "1000 bytes more"));
    sc_buf_free(&out);
}

/* ---- file names from instrument text ---- */

static void file_names_hold_no_dot_dot(void **state)
{
    (void)state;
    static const char *const hostile[] = {
        "../../etc/passwd", "DS1\x1b[2J/../..054Z", "a..b", "...", "x/./../y", "..\\..\\win",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        char out[64];
        sc_sanitize_filename(out, sizeof out, hostile[i]);
        assert_null(strstr(out, ".."));
        assert_null(strchr(out, '/'));
        assert_null(strchr(out, '\x1b'));
        assert_true(out[0] != '.');
    }
    char out[64];
    sc_sanitize_filename(out, sizeof out, "DS1054Z.v2");
    assert_string_equal(out, "DS1054Z.v2"); /* single dots stay */
}

/* ---- scopesim's fault helper ---- */

static void fault_lists_parse(void **state)
{
    (void)state;
    sim_faults f = { 0 };
    char why[256] = "";
    assert_int_equal(sim_faults_parse("stall,reset-after=12345,hostile-idn,duplicate-frames", &f, why, sizeof why), 0);
    assert_true(f.stall && f.hostile_idn && f.duplicate_frames && f.reset);
    assert_int_equal(f.reset_after, 12345);
    assert_false(f.trickle);
    assert_int_equal(sim_faults_parse("trickle,nonsense", &f, why, sizeof why), -1);
    assert_non_null(strstr(why, "unknown fault \"nonsense\""));
    assert_int_equal(sim_faults_parse("reset-after=-5", &f, why, sizeof why), -1);
    assert_int_equal(sim_faults_parse("reset-after=", &f, why, sizeof why), -1);
}

typedef struct sim_fixture {
    sim_instrument inst;
    sim_fault_conn conn;
    sim_reply reply;
} sim_fixture;

static void sim_setup(sim_fixture *fx, const sim_faults *faults)
{
    sim_instrument_init(&fx->inst, sim_model_find("rigol-ds1054z"), 1);
    fx->inst.faults = *faults;
    sim_fault_conn_init(&fx->conn, &fx->inst.faults, -1);
    fx->reply = (sim_reply){ .binary = false };
    sc_buf_init(&fx->reply.bytes, 0);
}

static void sim_run(sim_fixture *fx, const char *command)
{
    sc_buf_reset(&fx->reply.bytes);
    sim_fault_execute(&fx->conn, &fx->inst, (const uint8_t *)command, strlen(command), &fx->reply);
}

static void sim_teardown(sim_fixture *fx)
{
    sc_buf_free(&fx->reply.bytes);
    sim_fault_conn_free(&fx->conn);
    sim_instrument_destroy(&fx->inst);
}

static void hostile_idn_keeps_the_driver_match(void **state)
{
    (void)state;
    sim_fixture fx;
    sim_setup(&fx, &(sim_faults){ .hostile_idn = true });
    sim_run(&fx, "*IDN?\n");
    assert_non_null(memchr(fx.reply.bytes.data, 0x1b, fx.reply.bytes.len));
    assert_non_null(memmem(fx.reply.bytes.data, fx.reply.bytes.len, "/..", 3));
    assert_memory_equal(fx.reply.bytes.data, "RIGOL TECHNOLOGIES,DS1\x1b[2J", 26);
    sc_idn idn;
    sc_error err;
    assert_int_equal(sc_idn_parse((const char *)fx.reply.bytes.data, fx.reply.bytes.len - 1, &idn, &err), SC_OK);
    assert_null(strchr(idn.model, 0x1b)); /* the parser sanitises */
    sim_teardown(&fx);
}

static void short_and_long_blocks_keep_their_header(void **state)
{
    (void)state;
    sim_fixture fx;
    sim_setup(&fx, &(sim_faults){ .short_block = true });
    sim_run(&fx, ":SIM:BLOCK? 5000");
    /* "#44000" would be right: the header still says 5000, 1000 bytes are missing */
    assert_memory_equal(fx.reply.bytes.data, "#45000", 6);
    assert_int_equal(fx.reply.bytes.len, 6 + 5000 - SIM_BLOCK_SKEW + 1);
    assert_int_equal(fx.reply.bytes.data[fx.reply.bytes.len - 1], '\n');
    sim_teardown(&fx);
    sim_setup(&fx, &(sim_faults){ .long_block = true });
    sim_run(&fx, ":SIM:BLOCK? 5000");
    assert_int_equal(fx.reply.bytes.len, 6 + 5000 + SIM_BLOCK_SKEW + 1);
    sim_teardown(&fx);
}

static void stale_reply_answers_the_query_before(void **state)
{
    (void)state;
    sim_fixture fx;
    sim_setup(&fx, &(sim_faults){ .stale_reply = true });
    sim_run(&fx, "*IDN?");
    assert_memory_equal(fx.reply.bytes.data, "RIGOL", 5);
    sim_run(&fx, ":SIM:BLOCK? 10");
    assert_memory_equal(fx.reply.bytes.data, "RIGOL", 5); /* the *IDN? reply again */
    assert_false(fx.reply.binary);
    sim_run(&fx, "*OPC?");
    assert_memory_equal(fx.reply.bytes.data, "#210", 4); /* the block, one query late */
    assert_true(fx.reply.binary);
    sim_teardown(&fx);
}

static void raw_framing_faults_change_the_scpi_block(void **state)
{
    (void)state;
    sim_fixture fx;
    sim_setup(&fx, &(sim_faults){ .huge_length = true });
    sim_run(&fx, ":SIM:BLOCK? 100");
    sim_fault_scpi_framing(&fx.conn, &fx.reply);
    assert_memory_equal(fx.reply.bytes.data, "#9999999999", 11);
    sim_teardown(&fx);

    sim_setup(&fx, &(sim_faults){ .garbage_header = true });
    sim_run(&fx, ":SIM:BLOCK? 100");
    sim_fault_scpi_framing(&fx.conn, &fx.reply);
    assert_memory_equal(fx.reply.bytes.data, "#3GAR", 5);
    sim_teardown(&fx);

    sim_setup(&fx, &(sim_faults){ .duplicate_frames = true });
    sim_run(&fx, ":SIM:BLOCK? 100");
    sim_fault_scpi_framing(&fx.conn, &fx.reply);
    assert_int_equal(fx.reply.bytes.len, 2 * (5 + 100 + 1));
    sim_teardown(&fx);

    sim_setup(&fx, &(sim_faults){ .wrong_message_type = true, .early_end = true });
    sim_run(&fx, "*IDN?"); /* text replies are left alone */
    sim_fault_scpi_framing(&fx.conn, &fx.reply);
    assert_memory_equal(fx.reply.bytes.data, "RIGOL", 5);
    sim_run(&fx, ":SIM:BLOCK? 100");
    sim_fault_scpi_framing(&fx.conn, &fx.reply);
    assert_int_equal(fx.reply.bytes.len, 2);
    assert_memory_equal(fx.reply.bytes.data, "1\n", 2);
    sim_teardown(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_then_trailer_block_is_accepted),
        cmocka_unit_test(compound_response_after_block_is_accepted),
        cmocka_unit_test(duplicated_frame_is_refused),
        cmocka_unit_test(long_block_is_refused),
        cmocka_unit_test(file_names_hold_no_dot_dot),
        cmocka_unit_test(fault_lists_parse),
        cmocka_unit_test(hostile_idn_keeps_the_driver_match),
        cmocka_unit_test(short_and_long_blocks_keep_their_header),
        cmocka_unit_test(stale_reply_answers_the_query_before),
        cmocka_unit_test(raw_framing_faults_change_the_scpi_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
