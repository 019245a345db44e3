/* The HiSLIP client against the scopesim HiSLIP server, both in this process on
 * 127.0.13.9 (a free port): what the command line cannot reach — device clear, the
 * status byte and MAV, stale replies skipped by MessageID, server answers to broken
 * headers — in synchronized and in overlapped mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "server.h"
#include "transport/hislip.h"
#include "wire/hislip_wire.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ADDR "127.0.13.9"
#define IDN "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4\n"

typedef struct fixture {
    sim_instrument inst;
    sim_server srv;
    pthread_t thread;
    uint16_t port;
} fixture;

static void *run_server(void *arg)
{
    sim_server_run(arg);
    return NULL;
}

static bool server_overlapped; /* the mode the running fixture's server was given */

static int start(void **state, bool overlapped, uint64_t max_message)
{
    fixture *f = calloc(1, sizeof *f);
    sim_hislip_settings settings = { .overlapped = overlapped, .max_message = max_message };
    sim_hislip_configure(&settings);
    server_overlapped = overlapped;
    sim_instrument_init(&f->inst, sim_model_find("rigol-ds1054z"), 1);
    f->inst.render_delay_ms = 300; /* a screen dump is slow: the stale-reply test needs that */
    if (sim_server_init(&f->srv, &f->inst) != 0)
        return -1;
    sim_ports ports = { .hislip = 0 };
    if (sim_start_hislip(&f->srv, ADDR, &ports) != 0)
        return -1;
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    getsockname(f->srv.listeners[0].fd, (struct sockaddr *)&sin, &len);
    f->port = ntohs(sin.sin_port);
    pthread_create(&f->thread, NULL, run_server, &f->srv);
    *state = f;
    return 0;
}

static int start_synchronized(void **state) { return start(state, false, 0); }
static int start_overlapped(void **state) { return start(state, true, 4096); }

static int stop(void **state)
{
    fixture *f = *state;
    sim_server_request_stop(&f->srv);
    pthread_join(f->thread, NULL);
    sim_server_destroy(&f->srv);
    sim_instrument_destroy(&f->inst);
    free(f);
    return 0;
}

static sc_link *open_link(fixture *f, const char *device)
{
    char text[128];
    snprintf(text, sizeof text, "hislip://%s:%u/%s", ADDR, f->port, device);
    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_OK);
    sc_link *link = NULL;
    sc_status st = sc_link_open(&res, sc_deadline_in_ms(2000), &link, &err);
    if (st != SC_OK)
        fail_msg("open: %s", err.message);
    return link;
}

static void send_text(sc_link *link, const char *text)
{
    sc_error err;
    assert_int_equal(sc_link_write(link, text, strlen(text), true, sc_deadline_in_ms(2000), &err), SC_OK);
}

/* Read one whole message (until END) into buf; returns its length. */
static size_t read_message(sc_link *link, sc_buf *buf, int timeout_ms, sc_status *status)
{
    sc_deadline deadline = sc_deadline_in_ms(timeout_ms);
    sc_error err;
    sc_buf_reset(buf);
    for (;;) {
        assert_int_equal(sc_buf_reserve(buf, 65536, &err), SC_OK);
        size_t got = 0;
        bool end = false;
        *status = sc_link_read(link, buf->data + buf->len, 65536, &got, &end, deadline, &err);
        if (*status != SC_OK)
            return buf->len;
        buf->len += got;
        if (end)
            return buf->len;
    }
}

static void expect_reply(sc_link *link, const char *want)
{
    sc_buf buf;
    sc_buf_init(&buf, 0);
    sc_status st;
    size_t n = read_message(link, &buf, 3000, &st);
    assert_int_equal(st, SC_OK);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf.data, want, n);
    sc_buf_free(&buf);
}

static void test_idn(void **state)
{
    fixture *f = *state;
    sc_link *link = open_link(f, "hislip0");
    send_text(link, "*IDN?\n");
    expect_reply(link, IDN);
    send_text(link, "*IDN?\n");
    expect_reply(link, IDN);
    sc_link_close(link);
}

static void test_mode_follows_server(void **state)
{
    fixture *f = *state;
    sc_link *link = open_link(f, "");
    assert_int_equal(sc_hislip_overlapped(link), server_overlapped);
    sc_link_close(link);
}

static void test_status_byte_mav(void **state)
{
    fixture *f = *state;
    sc_link *link = open_link(f, "hislip0");
    sc_error err;
    uint8_t stb = 0;
    assert_int_equal(sc_hislip_read_stb(link, &stb, sc_deadline_in_ms(1000), &err), SC_OK);
    assert_int_equal(stb & SC_HISLIP_STB_MAV, 0);
    send_text(link, "*IDN?\n");
    /* the reply leaves the server a moment after the query: poll until MAV shows */
    for (int i = 0; i < 100 && !(stb & SC_HISLIP_STB_MAV); i++) {
        assert_int_equal(sc_hislip_read_stb(link, &stb, sc_deadline_in_ms(1000), &err), SC_OK);
        if (!(stb & SC_HISLIP_STB_MAV))
            usleep(10000);
    }
    assert_true(stb & SC_HISLIP_STB_MAV);
    expect_reply(link, IDN);
    /* this query tells the server the reply was delivered (RMT): MAV clears */
    assert_int_equal(sc_hislip_read_stb(link, &stb, sc_deadline_in_ms(1000), &err), SC_OK);
    assert_int_equal(stb & SC_HISLIP_STB_MAV, 0);
    sc_link_close(link);
}

static void test_device_clear_mid_reply(void **state)
{
    fixture *f = *state;
    sc_link *link = open_link(f, "hislip0");
    sc_error err;
    send_text(link, ":SIM:BLOCK? 5000000\n");
    uint8_t part[1000];
    size_t got = 0;
    bool end = false;
    assert_int_equal(sc_link_read(link, part, sizeof part, &got, &end, sc_deadline_in_ms(2000), &err), SC_OK);
    assert_true(got > 0);
    assert_memory_equal(part, "#75000000", 9);
    assert_int_equal(sc_link_clear(link, sc_deadline_in_ms(3000), &err), SC_OK);
    uint8_t stb = 0xff;
    assert_int_equal(sc_hislip_read_stb(link, &stb, sc_deadline_in_ms(1000), &err), SC_OK);
    assert_int_equal(stb & SC_HISLIP_STB_MAV, 0);
    send_text(link, "*IDN?\n");
    expect_reply(link, IDN); /* not the rest of the block */
    assert_int_equal(sc_link_clear(link, sc_deadline_in_ms(3000), &err), SC_OK); /* idle clear */
    send_text(link, "*IDN?\n");
    expect_reply(link, IDN);
    sc_link_close(link);
}

/* Synchronized mode: the answer to a query we gave up on carries the old MessageID. */
static void test_stale_reply_skipped(void **state)
{
    fixture *f = *state;
    sc_link *link = open_link(f, "hislip0");
    send_text(link, ":DISP:DATA? ON,0,BMP24\n"); /* 300 ms render delay */
    sc_buf buf;
    sc_buf_init(&buf, 0);
    sc_status st;
    read_message(link, &buf, 50, &st);
    assert_int_equal(st, SC_ERR_TIMEOUT);
    send_text(link, "*IDN?\n");
    expect_reply(link, IDN);
    sc_buf_free(&buf);
    sc_link_close(link);
}

static void test_large_write_and_block(void **state)
{
    fixture *f = *state;
    sc_link *link = open_link(f, "hislip0");
    size_t n = 200000;
    char *cmd = malloc(n + 32);
    memcpy(cmd, ":SIM:WRITE ", 11);
    memset(cmd + 11, 'A', n);
    strcpy(cmd + 11 + n, "\n");
    send_text(link, cmd);
    free(cmd);
    send_text(link, ":SIM:WRITE?\n");
    expect_reply(link, "200000\n");
    send_text(link, ":SIM:BLOCK? 3000000\n");
    sc_buf buf;
    sc_buf_init(&buf, 0);
    sc_status st;
    assert_int_equal(read_message(link, &buf, 5000, &st), 3000000 + 9 + 1);
    assert_int_equal(st, SC_OK);
    assert_memory_equal(buf.data, "#73000000", 9);
    sc_buf_free(&buf);
    sc_link_close(link);
}

static void test_unknown_subaddress(void **state)
{
    fixture *f = *state;
    char text[128];
    snprintf(text, sizeof text, "hislip://%s:%u/hislip7", ADDR, f->port);
    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_OK);
    sc_link *link = NULL;
    assert_int_equal(sc_link_open(&res, sc_deadline_in_ms(2000), &link, &err), SC_ERR_PROTOCOL);
    assert_null(link);
    assert_non_null(strstr(err.message, "FatalError"));
    assert_non_null(strstr(err.message, "hislip7"));
}

/* ---- the server against broken peers, over plain sockets ---- */

static int raw_connect(fixture *f)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(f->port) };
    inet_pton(AF_INET, ADDR, &sin.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    struct timeval tv = { .tv_sec = 2 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void read_header_from(int fd, sc_hislip_header *h)
{
    uint8_t raw[16];
    size_t have = 0;
    while (have < sizeof raw) {
        ssize_t r = recv(fd, raw + have, sizeof raw - have, 0);
        assert_true(r > 0);
        have += (size_t)r;
    }
    sc_error err;
    assert_int_equal(sc_hislip_decode_header(raw, sizeof raw, h, NULL, &err), SC_OK);
    uint8_t sink[512];
    assert_true(h->length <= sizeof sink);
    if (h->length)
        assert_int_equal(recv(fd, sink, (size_t)h->length, MSG_WAITALL), (ssize_t)h->length);
}

static void test_server_rejects_bad_prologue(void **state)
{
    fixture *f = *state;
    int fd = raw_connect(f);
    assert_int_equal(send(fd, "GET / HTTP/1.0\r\n\r\n", 18, 0), 18);
    sc_hislip_header h;
    read_header_from(fd, &h);
    assert_int_equal(h.type, SC_HISLIP_FATAL_ERROR);
    assert_int_equal(h.control, SC_HISLIP_FATAL_BAD_HEADER);
    close(fd);
}

static void test_server_errors_keep_session(void **state)
{
    fixture *f = *state;
    int fd = raw_connect(f);
    uint8_t msg[64];
    size_t n = sc_hislip_encode(msg, sizeof msg, SC_HISLIP_INITIALIZE, 0, 0x01005858, "hislip0", 7);
    assert_int_equal(send(fd, msg, n, 0), (ssize_t)n);
    sc_hislip_header h;
    read_header_from(fd, &h);
    assert_int_equal(h.type, SC_HISLIP_INITIALIZE_RESPONSE);
    /* reserved type 60 with a payload: Error 1, payload skipped, session alive */
    n = sc_hislip_encode(msg, sizeof msg, 60, 0, 0, "junk", 4);
    assert_int_equal(send(fd, msg, n, 0), (ssize_t)n);
    read_header_from(fd, &h);
    assert_int_equal(h.type, SC_HISLIP_ERROR);
    assert_int_equal(h.control, SC_HISLIP_ERR_UNKNOWN_TYPE);
    /* vendor-specific: Error 3 */
    n = sc_hislip_encode(msg, sizeof msg, 200, 0, 0, NULL, 0);
    assert_int_equal(send(fd, msg, n, 0), (ssize_t)n);
    read_header_from(fd, &h);
    assert_int_equal(h.type, SC_HISLIP_ERROR);
    assert_int_equal(h.control, SC_HISLIP_ERR_UNKNOWN_VENDOR);
    /* Data before the asynchronous channel exists: FatalError 2 */
    n = sc_hislip_encode(msg, sizeof msg, SC_HISLIP_DATA_END, 0, SC_HISLIP_FIRST_MESSAGE_ID, "*IDN?\n", 6);
    assert_int_equal(send(fd, msg, n, 0), (ssize_t)n);
    read_header_from(fd, &h);
    assert_int_equal(h.type, SC_HISLIP_FATAL_ERROR);
    assert_int_equal(h.control, SC_HISLIP_FATAL_NO_BOTH_CHANNELS);
    close(fd);
}

static void test_server_rejects_unknown_session(void **state)
{
    fixture *f = *state;
    int fd = raw_connect(f);
    uint8_t msg[16];
    sc_hislip_encode_header(msg, SC_HISLIP_ASYNC_INITIALIZE, 0, 0xBEEF, 0);
    assert_int_equal(send(fd, msg, 16, 0), 16);
    sc_hislip_header h;
    read_header_from(fd, &h);
    assert_int_equal(h.type, SC_HISLIP_FATAL_ERROR);
    assert_int_equal(h.control, SC_HISLIP_FATAL_BAD_INIT_SEQUENCE);
    close(fd);
}

/* ---- the client against a peer that is not HiSLIP ---- */

typedef struct fake_peer {
    int listen_fd;
    const char *answer;
} fake_peer;

static void *fake_peer_run(void *arg)
{
    fake_peer *p = arg;
    int fd = accept(p->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    char sink[64];
    (void)!recv(fd, sink, sizeof sink, 0); /* the Initialize */
    (void)!send(fd, p->answer, strlen(p->answer), MSG_NOSIGNAL);
    usleep(100000);
    close(fd);
    return NULL;
}

static void test_client_rejects_non_hislip_peer(void **state)
{
    (void)state;
    fake_peer peer = { .answer = "HTTP/1.0 400 Bad Request\r\n\r\n" };
    peer.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET };
    inet_pton(AF_INET, ADDR, &sin.sin_addr);
    assert_int_equal(bind(peer.listen_fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(peer.listen_fd, 1), 0);
    socklen_t len = sizeof sin;
    getsockname(peer.listen_fd, (struct sockaddr *)&sin, &len);
    pthread_t t;
    pthread_create(&t, NULL, fake_peer_run, &peer);
    char text[128];
    snprintf(text, sizeof text, "hislip://%s:%u", ADDR, ntohs(sin.sin_port));
    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_OK);
    sc_link *link = NULL;
    assert_int_equal(sc_link_open(&res, sc_deadline_in_ms(2000), &link, &err), SC_ERR_PROTOCOL);
    assert_null(link);
    assert_non_null(strstr(err.message, "instead of \"HS\""));
    pthread_join(t, NULL);
    close(peer.listen_fd);
}

int main(void)
{
    const struct CMUnitTest both[] = {
        cmocka_unit_test(test_idn),
        cmocka_unit_test(test_mode_follows_server),
        cmocka_unit_test(test_status_byte_mav),
        cmocka_unit_test(test_device_clear_mid_reply),
        cmocka_unit_test(test_large_write_and_block),
        cmocka_unit_test(test_unknown_subaddress),
        cmocka_unit_test(test_server_rejects_bad_prologue),
        cmocka_unit_test(test_server_errors_keep_session),
        cmocka_unit_test(test_server_rejects_unknown_session),
    };
    const struct CMUnitTest synchronized_only[] = {
        cmocka_unit_test(test_stale_reply_skipped),
        cmocka_unit_test(test_client_rejects_non_hislip_peer),
    };
    signal(SIGPIPE, SIG_IGN);
    int failed = cmocka_run_group_tests_name("synchronized", both, start_synchronized, stop);
    failed += cmocka_run_group_tests_name("synchronized only", synchronized_only, start_synchronized, stop);
    failed += cmocka_run_group_tests_name("overlapped, 4 KiB messages", both, start_overlapped, stop);
    return failed;
}
