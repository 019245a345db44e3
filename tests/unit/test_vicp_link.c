/* The VICP transport against a scripted device on 127.0.11.5 (loopback only).
 *
 * Each test runs a small "device" thread that accepts connections and follows a script:
 * it checks the exact headers the client sends and answers with hand-made blocks, so
 * the cases scopesim never produces get covered too: a v1 (sequence 0) device, stale
 * blocks of older messages, SRQ notices, headers split across TCP segments, a device
 * that hangs up mid-block or talks something that is not VICP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "scopecap/link.h"
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

#define DEVICE_ADDR "127.0.11.5"

typedef struct device device;
typedef void (*device_script)(device *d);

struct device {
    int listen_fd;
    uint16_t port;
    device_script script;
    pthread_t thread;
    int accepted;              /* connections taken */
    bool ok;                   /* every check in the script held */
    char failure[256];
    uint8_t received_ops[16];  /* operations of the blocks the script read */
    uint8_t received_seqs[16];
    uint32_t received_lens[16];
    int received;
    size_t big_total;          /* bytes of the multi-block message */
};

/* ---- device side helpers (run in the device thread) ---- */

static void device_fail(device *d, const char *what)
{
    if (d->ok)
        snprintf(d->failure, sizeof d->failure, "%s", what);
    d->ok = false;
}

static int device_accept(device *d)
{
    struct pollfd p = { .fd = d->listen_fd, .events = POLLIN };
    if (poll(&p, 1, 5000) != 1) {
        device_fail(d, "no connection came");
        return -1;
    }
    int fd = accept(d->listen_fd, NULL, NULL);
    if (fd >= 0)
        d->accepted++;
    return fd;
}

/* Read one block; remembers its header; payload copied up to cap. */
static bool device_recv(device *d, int fd, sc_vicp_header *h, uint8_t *payload, size_t cap)
{
    uint8_t raw[SC_VICP_HEADER_SIZE];
    sc_error err;
    if (!test_recv_all(fd, raw, sizeof raw) || sc_vicp_decode(raw, 0, h, "device", &err) != SC_OK) {
        device_fail(d, "bad or missing header from the client");
        return false;
    }
    if (d->received < 16) {
        d->received_ops[d->received] = h->op;
        d->received_seqs[d->received] = h->seq;
        d->received_lens[d->received] = h->length;
        d->received++;
    }
    size_t left = h->length;
    while (left > 0) {
        uint8_t scratch[4096];
        size_t n = left < sizeof scratch ? left : sizeof scratch;
        if (!test_recv_all(fd, scratch, n)) {
            device_fail(d, "payload cut short");
            return false;
        }
        size_t done = h->length - left;
        if (payload && done < cap)
            memcpy(payload + done, scratch, n < cap - done ? n : cap - done);
        left -= n;
    }
    return true;
}

static void device_send(int fd, uint8_t op, uint8_t seq, const char *text)
{
    uint8_t hdr[SC_VICP_HEADER_SIZE];
    size_t n = strlen(text);
    sc_vicp_encode(&(sc_vicp_header){ .op = op, .version = 1, .seq = seq, .length = (uint32_t)n }, hdr);
    send(fd, hdr, sizeof hdr, MSG_NOSIGNAL);
    if (n)
        send(fd, text, n, MSG_NOSIGNAL);
}

/* Wait until the client hangs up (so the test, not the device, decides when it ends). */
static void device_wait_close(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    uint8_t b[256];
    while (poll(&p, 1, 5000) == 1 && recv(fd, b, sizeof b, 0) > 0) {
    }
    close(fd);
}

static void *device_main(void *arg)
{
    device *d = arg;
    d->script(d);
    return NULL;
}

static void device_start(device *d, device_script script)
{
    memset(d, 0, sizeof *d);
    d->ok = true;
    d->script = script;
    d->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(d->listen_fd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    inet_pton(AF_INET, DEVICE_ADDR, &a.sin_addr);
    assert_int_equal(bind(d->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(d->listen_fd, 4), 0);
    socklen_t len = sizeof a;
    getsockname(d->listen_fd, (struct sockaddr *)&a, &len);
    d->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&d->thread, NULL, device_main, d), 0);
}

static void device_finish(device *d)
{
    pthread_join(d->thread, NULL);
    close(d->listen_fd);
    if (!d->ok)
        fail_msg("device: %s", d->failure);
}

/* ---- client side helpers ---- */

static sc_link *open_link(const device *d)
{
    char text[64];
    snprintf(text, sizeof text, "vicp://%s:%u", DEVICE_ADDR, d->port);
    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_OK);
    sc_link *link = NULL;
    if (sc_link_open(&res, sc_deadline_in_ms(3000), &link, &err) != SC_OK)
        fail_msg("open: %s", err.message);
    return link;
}

/* Read until END (or an error); returns the status, the bytes in out. */
static sc_status read_message(sc_link *link, char *out, size_t cap, int ms, sc_error *err)
{
    size_t have = 0;
    sc_deadline dl = sc_deadline_in_ms(ms);
    for (;;) {
        size_t got = 0;
        bool end = false;
        sc_status st = sc_link_read(link, out + have, cap - 1 - have, &got, &end, dl, err);
        if (st != SC_OK)
            return st;
        have += got;
        out[have] = '\0';
        if (end)
            return SC_OK;
        if (have == cap - 1)
            return SC_ERR_TOO_LARGE;
    }
}

static void write_message(sc_link *link, const char *text)
{
    sc_error err;
    if (sc_link_write(link, text, strlen(text), true, sc_deadline_in_ms(3000), &err) != SC_OK)
        fail_msg("write: %s", err.message);
}

/* ---- v1a: sequence numbers, stale blocks, SRQ, split headers ---- */

static void script_v1a(device *d)
{
    int fd = device_accept(d);
    if (fd < 0)
        return;
    sc_vicp_header h;
    uint8_t cmd[64] = { 0 };
    /* message 1: "*IDN?\n" in one DATA|EOI block, sequence 1 */
    if (!device_recv(d, fd, &h, cmd, sizeof cmd))
        return;
    if (h.op != 0x81 || h.seq != 1 || h.length != 6 || memcmp(cmd, "*IDN?\n", 6) != 0)
        device_fail(d, "first command is not 81 01 01 00 00000006 *IDN?\\n");
    /* a stale block of some older message, an SRQ notice, then the reply in two blocks */
    device_send(fd, 0x81, 200, "STALE\n");
    device_send(fd, 0x08, 1, "1");
    device_send(fd, 0x80, 1, "LECROY,WR8208HD,");
    device_send(fd, 0x81, 1, "123,9.8.0\n");
    /* message 2: a header cut into pieces across TCP segments */
    if (!device_recv(d, fd, &h, cmd, sizeof cmd))
        return;
    if (h.op != 0x81 || h.seq != 2)
        device_fail(d, "second command is not DATA|EOI sequence 2");
    uint8_t hdr[SC_VICP_HEADER_SIZE];
    sc_vicp_encode(&(sc_vicp_header){ .op = 0x81, .version = 1, .seq = 2, .length = 3 }, hdr);
    send(fd, hdr, 3, MSG_NOSIGNAL);
    usleep(300 * 1000); /* the client's first read times out meanwhile */
    send(fd, hdr + 3, 5, MSG_NOSIGNAL);
    send(fd, "OK\n", 3, MSG_NOSIGNAL);
    /* message 3: 150000 bytes must come as 64 KiB blocks, EOI on the last, one number */
    d->big_total = 0;
    for (;;) {
        if (!device_recv(d, fd, &h, NULL, 0))
            return;
        if (h.seq != 3)
            device_fail(d, "a block of the long message has the wrong sequence number");
        d->big_total += h.length;
        if (h.op & SC_VICP_OP_EOI)
            break;
    }
    device_send(fd, 0x81, 3, "DONE\n");
    device_wait_close(fd);
}

static void test_v1a_reads_and_writes(void **state)
{
    (void)state;
    device d;
    device_start(&d, script_v1a);
    sc_link *link = open_link(&d);
    sc_error err;
    char reply[256];

    write_message(link, "*IDN?\n");
    assert_int_equal(read_message(link, reply, sizeof reply, 3000, &err), SC_OK);
    assert_string_equal(reply, "LECROY,WR8208HD,123,9.8.0\n"); /* stale and SRQ blocks dropped */

    write_message(link, "X?\n");
    size_t got = 99;
    bool end = true;
    assert_int_equal(sc_link_read(link, reply, sizeof reply, &got, &end, sc_deadline_in_ms(100), &err),
                     SC_ERR_TIMEOUT);
    assert_int_equal(got, 0);
    assert_int_equal(read_message(link, reply, sizeof reply, 3000, &err), SC_OK); /* partial header kept */
    assert_string_equal(reply, "OK\n");

    size_t n = 150000;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'A', n);
    assert_int_equal(sc_link_write(link, big, n, true, sc_deadline_in_ms(3000), &err), SC_OK);
    free(big);
    assert_int_equal(read_message(link, reply, sizeof reply, 3000, &err), SC_OK);
    assert_string_equal(reply, "DONE\n");
    sc_link_close(link);
    device_finish(&d);
    assert_int_equal(d.big_total, 150000);
    /* blocks 3..5 of what the device read: 65536 + 65536 + 18928, EOI on the last only */
    assert_int_equal(d.received, 5);
    assert_int_equal(d.received_lens[2], 65536);
    assert_int_equal(d.received_ops[2], 0x80);
    assert_int_equal(d.received_lens[3], 65536);
    assert_int_equal(d.received_ops[3], 0x80);
    assert_int_equal(d.received_lens[4], 150000 - 2 * 65536);
    assert_int_equal(d.received_ops[4], 0x81);
    assert_int_equal(d.accepted, 1);
}

/* ---- v1a device clear: CLEAR block, no reconnect, the rest of the old reply dropped ---- */

static void script_v1a_clear(device *d)
{
    int fd = device_accept(d);
    if (fd < 0)
        return;
    sc_vicp_header h;
    if (!device_recv(d, fd, &h, NULL, 0))
        return;
    /* a long reply, of which the client reads a little before clearing */
    device_send(fd, 0x80, h.seq, "first part of a long reply,");
    device_send(fd, 0x81, h.seq, "rest of the long reply\n");
    uint8_t old = h.seq;
    if (!device_recv(d, fd, &h, NULL, 0))
        return;
    if (h.op != (SC_VICP_OP_DATA | SC_VICP_OP_CLEAR) || h.length != 0)
        device_fail(d, "device clear is not a CLEAR|DATA block without payload");
    if (!device_recv(d, fd, &h, NULL, 0))
        return;
    if (h.seq == old || h.seq == 0)
        device_fail(d, "the command after clear reuses the old sequence number");
    device_send(fd, 0x81, h.seq, "fresh\n");
    device_wait_close(fd);
}

static void test_v1a_clear_drops_old_reply(void **state)
{
    (void)state;
    device d;
    device_start(&d, script_v1a_clear);
    sc_link *link = open_link(&d);
    sc_error err;
    char buf[256];
    write_message(link, "LONG?\n");
    size_t got = 0;
    bool end = false;
    assert_int_equal(sc_link_read(link, buf, 5, &got, &end, sc_deadline_in_ms(3000), &err), SC_OK);
    assert_int_equal(got, 5);
    assert_false(end);
    assert_int_equal(sc_link_clear(link, sc_deadline_in_ms(3000), &err), SC_OK);
    write_message(link, "NEW?\n");
    assert_int_equal(read_message(link, buf, sizeof buf, 3000, &err), SC_OK);
    assert_string_equal(buf, "fresh\n");
    sc_link_close(link);
    device_finish(&d);
    assert_int_equal(d.accepted, 1);
}

/* ---- v1 device: sequence 0 everywhere; clear reconnects ---- */

static void script_v1(device *d)
{
    int fd = device_accept(d);
    if (fd < 0)
        return;
    sc_vicp_header h;
    if (!device_recv(d, fd, &h, NULL, 0))
        return;
    device_send(fd, 0x80, 0, "old ");
    device_send(fd, 0x81, 0, "style\n");
    if (!device_recv(d, fd, &h, NULL, 0))
        return;
    if (!(h.op & SC_VICP_OP_CLEAR))
        device_fail(d, "no CLEAR block before the reconnect");
    device_send(fd, 0x81, 0, "unread reply the clear must flush\n");
    device_wait_close(fd); /* the client hangs up to flush */
    fd = device_accept(d);
    if (fd < 0)
        return;
    if (!device_recv(d, fd, &h, NULL, 0))
        return;
    device_send(fd, 0x81, 0, "after reconnect\n");
    device_wait_close(fd);
}

static void test_v1_device(void **state)
{
    (void)state;
    device d;
    device_start(&d, script_v1);
    sc_link *link = open_link(&d);
    sc_error err;
    char buf[256];
    write_message(link, "*IDN?\n");
    assert_int_equal(read_message(link, buf, sizeof buf, 3000, &err), SC_OK);
    assert_string_equal(buf, "old style\n");
    assert_int_equal(sc_link_clear(link, sc_deadline_in_ms(3000), &err), SC_OK);
    write_message(link, "*IDN?\n");
    assert_int_equal(read_message(link, buf, sizeof buf, 3000, &err), SC_OK);
    assert_string_equal(buf, "after reconnect\n");
    sc_link_close(link);
    device_finish(&d);
    assert_int_equal(d.accepted, 2);
}

/* ---- broken peers ---- */

static void script_not_vicp(device *d)
{
    int fd = device_accept(d);
    if (fd < 0)
        return;
    sc_vicp_header h;
    device_recv(d, fd, &h, NULL, 0);
    send(fd, "HTTP/1.1 400 Bad Request\r\n\r\n", 28, MSG_NOSIGNAL);
    device_wait_close(fd);
    fd = device_accept(d); /* the clear after the error reconnects */
    if (fd < 0)
        return;
    device_wait_close(fd);
}

static void test_not_vicp(void **state)
{
    (void)state;
    device d;
    device_start(&d, script_not_vicp);
    sc_link *link = open_link(&d);
    sc_error err;
    char buf[64];
    write_message(link, "*IDN?\n");
    assert_int_equal(read_message(link, buf, sizeof buf, 3000, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "VICP 127.0.11.5:"));
    assert_non_null(strstr(err.message, "header version 84 is unknown")); /* 'T' of "HTTP" */
    size_t got;
    bool end;
    assert_int_equal(sc_link_read(link, buf, sizeof buf, &got, &end, sc_deadline_in_ms(100), &err),
                     SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "out of step"));
    assert_int_equal(sc_link_clear(link, sc_deadline_in_ms(3000), &err), SC_OK);
    sc_link_close(link);
    device_finish(&d);
    assert_int_equal(d.accepted, 2);
}

static void script_hangs_up_mid_block(device *d)
{
    int fd = device_accept(d);
    if (fd < 0)
        return;
    sc_vicp_header h;
    if (!device_recv(d, fd, &h, NULL, 0))
        return;
    uint8_t hdr[SC_VICP_HEADER_SIZE];
    sc_vicp_encode(&(sc_vicp_header){ .op = 0x81, .version = 1, .seq = h.seq, .length = 1000 }, hdr);
    send(fd, hdr, sizeof hdr, MSG_NOSIGNAL);
    send(fd, "#41000abc", 9, MSG_NOSIGNAL);
    close(fd);
}

static void test_hang_up_mid_block(void **state)
{
    (void)state;
    device d;
    device_start(&d, script_hangs_up_mid_block);
    sc_link *link = open_link(&d);
    sc_error err;
    char buf[2048];
    write_message(link, "DATA?\n");
    assert_int_equal(read_message(link, buf, sizeof buf, 3000, &err), SC_ERR_CLOSED);
    assert_non_null(strstr(err.message, "closed the connection in the middle of a VICP block (991 bytes"));
    sc_link_close(link);
    device_finish(&d);
}

static void script_silent(device *d)
{
    int fd = device_accept(d);
    if (fd < 0)
        return;
    device_wait_close(fd);
}

static void test_timeout_keeps_the_deadline(void **state)
{
    (void)state;
    device d;
    device_start(&d, script_silent);
    sc_link *link = open_link(&d);
    sc_error err;
    char buf[64];
    write_message(link, "*IDN?\n");
    int64_t t0 = sc_now_ns();
    assert_int_equal(read_message(link, buf, sizeof buf, 300, &err), SC_ERR_TIMEOUT);
    int64_t ms = (sc_now_ns() - t0) / 1000000;
    assert_true(ms >= 290 && ms < 330);
    assert_non_null(strstr(err.message, "timed out"));
    sc_link_close(link);
    device_finish(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1a_reads_and_writes),
        cmocka_unit_test(test_v1a_clear_drops_old_reply),
        cmocka_unit_test(test_v1_device),
        cmocka_unit_test(test_not_vicp),
        cmocka_unit_test(test_hang_up_mid_block),
        cmocka_unit_test(test_timeout_keeps_the_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
