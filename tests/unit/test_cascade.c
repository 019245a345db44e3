/* The bare-host cascade and the one name lookup before it (lib/transport/link.c), against
 * small in-process listeners on 127.0.51.20-29 (loopback only).
 *
 * Names are answered by a stub resolver: "*.invalid" fails, "*.test" maps to a loopback
 * address, so no DNS query ever leaves the machine (this machine's resolv.conf names a
 * real server, and getaddrinfo would ask it even for .invalid). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "scopecap/link.h"
#include "transport/net.h"
#include "wire/vicp_wire.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sock_util.h"

#define IDN "ACME,CASCADE,1,1.0"
#define LIFETIME_MS 15000 /* no listener outlives this, whatever the test does */

/* ---- the stub resolver ---- */

static int resolver_calls;

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

static int stub_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                            struct addrinfo **res)
{
    resolver_calls++;
    struct addrinfo numeric = *hints;
    numeric.ai_flags |= AI_NUMERICHOST; /* never a DNS query, whatever the name */
    if (ends_with(node, ".invalid"))
        return EAI_NONAME;
    if (strcmp(node, "scope20.test") == 0)
        node = "127.0.51.20";
    else if (strcmp(node, "scope21.test") == 0)
        node = "127.0.51.21";
    return getaddrinfo(node, service, &numeric, res);
}

static int setup(void **state)
{
    (void)state;
    resolver_calls = 0;
    sc_net_set_resolver_for_tests(stub_getaddrinfo);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sc_net_set_resolver_for_tests(NULL);
    return 0;
}

/* ---- listeners: one that answers *IDN? like a raw SCPI port, one that never answers ---- */

typedef struct listener {
    int fd;
    bool answers;
    bool vicp; /* speaks VICP: each reply is a block with the text, then an empty EOI block */
    volatile bool stop;
    volatile int accepted;
    pthread_t thread;
} listener;

static void send_block(int fd, uint8_t op, uint8_t seq, const char *text)
{
    uint8_t hdr[SC_VICP_HEADER_SIZE];
    size_t n = strlen(text);
    sc_vicp_encode(&(sc_vicp_header){ .op = op, .version = 1, .seq = seq, .length = (uint32_t)n }, hdr);
    send(fd, hdr, sizeof hdr, MSG_NOSIGNAL);
    if (n)
        send(fd, text, n, MSG_NOSIGNAL);
}

/* A VICP (version 1) device that answers every message with the reply's text in one
 * block and the EOI in a second, empty one (EOI need not come with the newline). */
static void serve_vicp(listener *l, int fd)
{
    while (!l->stop) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0)
            continue;
        uint8_t raw[SC_VICP_HEADER_SIZE];
        sc_vicp_header h;
        sc_error err;
        char payload[256];
        if (!test_recv_all(fd, raw, sizeof raw) || sc_vicp_decode(raw, 0, &h, "device", &err) != SC_OK ||
            h.length >= sizeof payload || !test_recv_all(fd, payload, h.length))
            return;
        if (!(h.op & SC_VICP_OP_EOI))
            continue;
        /* sequence number 0: a version 1 device, whose late blocks the client cannot
         * tell from fresh ones */
        send_block(fd, SC_VICP_OP_DATA, 0, IDN "\n");
        send_block(fd, SC_VICP_OP_DATA | SC_VICP_OP_EOI, 0, "");
    }
}

/* Serve one connection: answer each "*IDN?" line, or swallow everything. */
static void serve(listener *l, int fd)
{
    if (l->vicp) {
        serve_vicp(l, fd);
        return;
    }
    char line[256];
    size_t have = 0;
    while (!l->stop) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = recv(fd, line + have, sizeof line - 1 - have, 0);
        if (r <= 0)
            return;
        have += (size_t)r;
        line[have] = '\0';
        char *nl = strchr(line, '\n');
        if (!nl) {
            if (have == sizeof line - 1)
                have = 0;
            continue;
        }
        if (l->answers && strncmp(line, "*IDN?", 5) == 0)
            send(fd, IDN "\n", strlen(IDN) + 1, MSG_NOSIGNAL);
        have = 0;
    }
}

static void *listener_thread(void *arg)
{
    listener *l = arg;
    for (int waited = 0; !l->stop && waited < LIFETIME_MS; waited += 50) {
        struct pollfd p = { .fd = l->fd, .events = POLLIN };
        if (poll(&p, 1, 50) != 1)
            continue;
        int fd = accept(l->fd, NULL, NULL);
        if (fd < 0)
            continue;
        l->accepted++;
        serve(l, fd); /* one client at a time is enough for the cascade */
        close(fd);
    }
    return NULL;
}

static listener *listen_as(const char *addr, uint16_t port, bool answers, bool vicp)
{
    listener *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->answers = answers;
    l->vicp = vicp;
    l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, addr, &sin.sin_addr);
    if (bind(l->fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(l->fd, 8) != 0)
        fail_msg("cannot listen on %s:%u", addr, port);
    pthread_create(&l->thread, NULL, listener_thread, l);
    return l;
}

/* Connections are taken by the listener's thread a moment after the client connects. */
static void wait_accepted(listener *l, int n)
{
    for (int i = 0; i < 100 && l->accepted < n; i++)
        poll(NULL, 0, 20);
    assert_int_equal(l->accepted, n);
}

static void listener_stop(listener *l)
{
    l->stop = true;
    pthread_join(l->thread, NULL);
    close(l->fd);
    free(l);
}

static listener *listen_on(const char *addr, uint16_t port, bool answers)
{
    return listen_as(addr, port, answers, false);
}

static sc_status open_text(const char *text, sc_link **link, sc_error *err)
{
    sc_resource res;
    assert_int_equal(sc_resource_parse(text, &res, err), SC_OK);
    return sc_link_open(&res, sc_deadline_in_ms(10000), link, err);
}

/* ---- name lookup ---- */

static void test_unresolvable_name_is_unreachable(void **state)
{
    (void)state;
    const char *texts[] = { "scope.invalid", "raw://scope.invalid:5025", "TCPIP0::scope.invalid::inst0::INSTR" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        resolver_calls = 0;
        sc_link *link = NULL;
        sc_error err;
        assert_int_equal(open_text(texts[i], &link, &err), SC_ERR_UNREACHABLE);
        assert_null(link);
        char want[256];
        snprintf(want, sizeof want, "cannot resolve scope.invalid: %s; check the name or use the IP address",
                 gai_strerror(EAI_NONAME));
        assert_string_equal(err.message, want);
        assert_int_equal(sc_status_exit_code(err.code), 3);
        assert_int_equal(resolver_calls, 1);
    }
}

/* Nothing listens at 127.0.51.20: every step fails, after one lookup, not five. */
static void test_name_looked_up_once_for_the_whole_cascade(void **state)
{
    (void)state;
    sc_link *link = NULL;
    sc_error err;
    assert_int_equal(open_text("scope20.test", &link, &err), SC_ERR_UNREACHABLE);
    assert_non_null(strstr(err.message, "no instrument protocol answered"));
    assert_non_null(strstr(err.message, "vicp/1861, vxi11/111, hislip/4880, raw/5025, raw/5555"));
    assert_int_equal(resolver_calls, 1);
}

/* The steps and a reconnect (raw device clear) use the addresses looked up at open;
 * messages and the resource keep the name. */
static void test_name_kept_addresses_reused(void **state)
{
    (void)state;
    listener *raw = listen_on("127.0.51.21", 5025, true);
    sc_link *link = NULL;
    sc_error err;
    if (open_text("scope21.test", &link, &err) != SC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(sc_link_protocol(link), SC_PROTO_RAW);
    assert_string_equal(sc_link_resource(link)->host, "scope21.test");
    assert_string_equal(sc_link_label(link), "raw SCPI scope21.test:5025");
    assert_int_equal(sc_link_clear(link, sc_deadline_in_ms(2000), &err), SC_OK); /* reconnects */
    assert_int_equal(resolver_calls, 1);
    sc_link_close(link);
    listener_stop(raw);
}

/* ---- each step must answer *IDN? ---- */

static void test_silent_vicp_port_is_left(void **state)
{
    (void)state;
    listener *silent = listen_on("127.0.51.22", 1861, false);
    listener *raw = listen_on("127.0.51.22", 5025, true);
    sc_link *link = NULL;
    sc_error err;
    if (open_text("127.0.51.22", &link, &err) != SC_OK)
        fail_msg("%s", err.message);
    wait_accepted(silent, 1); /* it was tried, and left */
    assert_int_equal(sc_link_protocol(link), SC_PROTO_RAW);
    assert_int_equal(sc_link_resource(link)->port, 5025);
    /* the probe's reply was read to its end: the link starts clean */
    assert_int_equal(sc_link_write(link, "*IDN?\n", 6, true, sc_deadline_in_ms(2000), &err), SC_OK);
    char buf[64] = "";
    size_t got = 0;
    bool end = false;
    assert_int_equal(sc_link_read(link, buf, sizeof buf - 1, &got, &end, sc_deadline_in_ms(2000), &err), SC_OK);
    assert_memory_equal(buf, IDN "\n", got);
    sc_link_close(link);
    listener_stop(raw);
    listener_stop(silent);
}

/* On a link with an end marker the probe reads to the marker, not to the newline: the
 * empty EOI block that follows the text must not be left for the next query. */
static void test_probe_reads_to_the_end_marker(void **state)
{
    (void)state;
    listener *vicp = listen_as("127.0.51.25", 1861, true, true);
    sc_link *link = NULL;
    sc_error err;
    if (open_text("127.0.51.25", &link, &err) != SC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(sc_link_protocol(link), SC_PROTO_VICP);
    assert_int_equal(sc_link_write(link, "*IDN?\n", 6, true, sc_deadline_in_ms(2000), &err), SC_OK);
    char buf[64] = "";
    size_t got = 0;
    bool end = false;
    assert_int_equal(sc_link_read(link, buf, sizeof buf - 1, &got, &end, sc_deadline_in_ms(2000), &err), SC_OK);
    assert_int_equal(got, strlen(IDN) + 1); /* the reply, not a stale empty end of message */
    assert_memory_equal(buf, IDN "\n", got);
    sc_link_close(link);
    listener_stop(vicp);
}

/* No step answers *IDN? (an instrument without it): the first that opened is used. */
static void test_all_silent_falls_back_to_the_first_that_opened(void **state)
{
    (void)state;
    listener *first = listen_on("127.0.51.23", 5025, false);
    listener *second = listen_on("127.0.51.23", 5555, false);
    sc_link *link = NULL;
    sc_error err;
    if (open_text("127.0.51.23", &link, &err) != SC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(sc_link_protocol(link), SC_PROTO_RAW);
    assert_int_equal(sc_link_resource(link)->port, 5025);
    wait_accepted(first, 2); /* the probe, then the link it hands out */
    wait_accepted(second, 1);
    sc_link_close(link);
    listener_stop(second);
    listener_stop(first);
}

/* A short deadline: the probe takes at most half of what is left, so a silent port
 * cannot use all of it and the next step still gets its turn. */
static void test_probe_leaves_time_for_the_next_step(void **state)
{
    (void)state;
    listener *silent = listen_on("127.0.51.24", 1861, false);
    listener *raw = listen_on("127.0.51.24", 5025, true);
    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse("127.0.51.24", &res, &err), SC_OK);
    sc_link *link = NULL;
    if (sc_link_open(&res, sc_deadline_in_ms(1000), &link, &err) != SC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(sc_link_protocol(link), SC_PROTO_RAW);
    sc_link_close(link);
    listener_stop(raw);
    listener_stop(silent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unresolvable_name_is_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_looked_up_once_for_the_whole_cascade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_kept_addresses_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_vicp_port_is_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_reads_to_the_end_marker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_silent_falls_back_to_the_first_that_opened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_leaves_time_for_the_next_step, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
