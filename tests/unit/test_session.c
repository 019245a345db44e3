/* The SCPI session over a real loopback socket: a tiny in-test peer sends canned replies
 * in chosen pieces, and the session must put whole replies back together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "scopecap/session.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct peer {
    int listen_fd;
    uint16_t port;
    const uint8_t *script; /* bytes sent after each received line, in order */
    size_t script_len;
    size_t piece;          /* send in pieces of this size */
    int pause_us;          /* between pieces */
    size_t close_after;    /* hang up after this many bytes (0: never) */
    pthread_t thread;
} peer;

static void *peer_main(void *arg)
{
    peer *p = arg;
    int fd = accept(p->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    char c;
    /* wait for the first command before answering */
    while (recv(fd, &c, 1, 0) == 1 && c != '\n')
        ;
    size_t limit = p->close_after ? p->close_after : p->script_len;
    for (size_t off = 0; off < limit;) {
        size_t n = limit - off < p->piece ? limit - off : p->piece;
        if (send(fd, p->script + off, n, MSG_NOSIGNAL) <= 0)
            break;
        off += n;
        if (p->pause_us)
            usleep((useconds_t)p->pause_us);
    }
    if (!p->close_after) {
        /* keep the connection until the client is done */
        while (recv(fd, &c, 1, 0) == 1)
            ;
    }
    close(fd);
    return NULL;
}

static void peer_start(peer *p)
{
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(p->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(p->listen_fd, 1), 0);
    socklen_t len = sizeof a;
    getsockname(p->listen_fd, (struct sockaddr *)&a, &len);
    p->port = ntohs(a.sin_port);
    pthread_create(&p->thread, NULL, peer_main, p);
}

static void peer_stop(peer *p)
{
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
}

static sc_session *connect_to(const peer *p)
{
    char text[64];
    snprintf(text, sizeof text, "127.0.0.1:%u", p->port);
    sc_resource res;
    sc_error err;
    assert_int_equal(sc_resource_parse(text, &res, &err), SC_OK);
    sc_session *s = NULL;
    assert_int_equal(sc_session_open(&res, sc_deadline_in_ms(2000), &s, &err), SC_OK);
    return s;
}

/* "#9000100000" + 100000 bytes full of '\n' and '#', + "\n", then "second\n". */
static uint8_t *make_rigol_like(size_t *len)
{
    const size_t payload = 100000;
    uint8_t *b = malloc(11 + payload + 1 + 7);
    memcpy(b, "#9000100000", 11);
    for (size_t i = 0; i < payload; i++)
        b[11 + i] = (uint8_t)(i % 7 == 0 ? '\n' : i % 11 == 0 ? '#' : i);
    b[11 + payload] = '\n';
    memcpy(b + 12 + payload, "second\n", 7);
    *len = 11 + payload + 1 + 7;
    return b;
}

static void block_then_text_in_pieces(size_t piece)
{
    size_t len;
    uint8_t *bytes = make_rigol_like(&len);
    peer p = { .script = bytes, .script_len = len, .piece = piece };
    peer_start(&p);
    sc_session *s = connect_to(&p);
    sc_buf reply;
    sc_buf_init(&reply, 0);
    sc_error err;
    sc_reply_kind kind;
    assert_int_equal(sc_session_query(s, ":DISP:DATA?", &reply, &kind, sc_deadline_in_ms(5000), &err), SC_OK);
    assert_int_equal(kind, SC_REPLY_DEFINITE);
    assert_int_equal(reply.len, 100000);
    assert_memory_equal(reply.data, bytes + 11, 100000);
    /* the trailing "\n" must not show up as an empty reply */
    assert_int_equal(sc_session_read_reply(s, &reply, &kind, sc_deadline_in_ms(5000), &err), SC_OK);
    assert_int_equal(kind, SC_REPLY_TEXT);
    assert_int_equal(reply.len, 6);
    assert_memory_equal(reply.data, "second", 6);
    sc_buf_free(&reply);
    sc_session_close(s);
    peer_stop(&p);
    free(bytes);
}

static void block_in_one_piece(void **state) { (void)state; block_then_text_in_pieces(1 << 20); }
static void block_in_small_pieces(void **state) { (void)state; block_then_text_in_pieces(1000); }
static void block_split_at_header(void **state) { (void)state; block_then_text_in_pieces(11); }

static void closed_mid_transfer_says_how_far(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bytes = make_rigol_like(&len);
    peer p = { .script = bytes, .script_len = len, .piece = 4096, .close_after = 50000 };
    peer_start(&p);
    sc_session *s = connect_to(&p);
    sc_buf reply;
    sc_buf_init(&reply, 0);
    sc_error err;
    assert_int_equal(sc_session_query(s, ":DISP:DATA?", &reply, NULL, sc_deadline_in_ms(5000), &err), SC_ERR_CLOSED);
    assert_non_null(strstr(err.message, "127.0.0.1"));
    assert_non_null(strstr(err.message, "closed"));
    assert_non_null(strstr(err.message, "of 100011 bytes"));
    sc_buf_free(&reply);
    sc_session_close(s);
    peer_stop(&p);
    free(bytes);
}

static void silent_peer_times_out_on_time(void **state)
{
    (void)state;
    static const uint8_t partial[] = "#9000001000abc";
    peer p = { .script = partial, .script_len = sizeof partial - 1, .piece = 64 };
    peer_start(&p);
    sc_session *s = connect_to(&p);
    sc_buf reply;
    sc_buf_init(&reply, 0);
    sc_error err;
    int64_t start = sc_now_ns();
    assert_int_equal(sc_session_query(s, ":DISP:DATA?", &reply, NULL, sc_deadline_in_ms(300), &err), SC_ERR_TIMEOUT);
    int64_t took_ms = (sc_now_ns() - start) / 1000000;
    assert_true(took_ms >= 250); /* it waited for the deadline, not forever and not less */
    assert_non_null(strstr(err.message, ":DISP:DATA?"));
    sc_buf_free(&reply);
    sc_session_close(s); /* closing makes the peer's recv() return */
    peer_stop(&p);
}

static void oversized_block_is_refused_before_reading_it(void **state)
{
    (void)state;
    static const uint8_t huge[] = "#94000000000";
    peer p = { .script = huge, .script_len = sizeof huge - 1, .piece = 64 };
    peer_start(&p);
    sc_session *s = connect_to(&p);
    sc_buf reply;
    sc_buf_init(&reply, 0);
    sc_error err;
    assert_int_equal(sc_session_query(s, ":DISP:DATA?", &reply, NULL, sc_deadline_in_ms(2000), &err), SC_ERR_TOO_LARGE);
    assert_null(reply.data);
    sc_buf_free(&reply);
    sc_session_close(s);
    peer_stop(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_in_one_piece),
        cmocka_unit_test(block_in_small_pieces),
        cmocka_unit_test(block_split_at_header),
        cmocka_unit_test(closed_mid_transfer_says_how_far),
        cmocka_unit_test(silent_peer_times_out_on_time),
        cmocka_unit_test(oversized_block_is_refused_before_reading_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
