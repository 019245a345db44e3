/* Reply parser (lib/scpi/block.c) and image length sniffing (lib/image/sniff.c).
 * Every kind of reply is also cut at every byte boundary (one, two and three reads):
 * where a read ends must never change the answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scopecap/image.h"
#include "scopecap/scpi.h"
#include "scopecap/session.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)

/* ---- helpers ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A 24-bit BMP of width x height whose pixel bytes are a pattern full of '\n' and '#'. */
static uint8_t *make_bmp(uint32_t width, uint32_t height, size_t *len)
{
    size_t row = ((size_t)width * 3 + 3) & ~(size_t)3;
    size_t size = 54 + row * height;
    uint8_t *b = calloc(1, size);
    assert_non_null(b);
    b[0] = 'B', b[1] = 'M';
    put_le32(b + 2, (uint32_t)size);
    put_le32(b + 10, 54);
    put_le32(b + 14, 40);
    put_le32(b + 18, width);
    put_le32(b + 22, height);
    b[26] = 1, b[28] = 24;
    put_le32(b + 34, (uint32_t)(row * height));
    for (size_t i = 54; i < size; i++)
        b[i] = (uint8_t)"#9\n\r\xff\x00"[i % 6];
    *len = size;
    return b;
}

/* A structurally valid PNG (CRCs are not checked by the length walk). Its IDAT data holds
 * '\n', '#' and the text "IEND", which must not end it early. */
static size_t make_png(uint8_t *out)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t n = 0;
    memcpy(out, sig, 8), n = 8;
    put_be32(out + n, 13), memcpy(out + n + 4, "IHDR", 4), n += 8;
    memset(out + n, 0, 13), out[n + 3] = 4, out[n + 7] = 2, out[n + 8] = 8, out[n + 9] = 2, n += 13;
    memset(out + n, 0xab, 4), n += 4; /* CRC */
    static const uint8_t idat[] = "#9\n\nIEND#0\r\n";
    put_be32(out + n, sizeof idat - 1), memcpy(out + n + 4, "IDAT", 4), n += 8;
    memcpy(out + n, idat, sizeof idat - 1), n += sizeof idat - 1;
    memset(out + n, 0xcd, 4), n += 4;
    put_be32(out + n, 0), memcpy(out + n + 4, "IEND", 4), n += 8;
    memcpy(out + n, "\xae\x42\x60\x82", 4), n += 4;
    return n;
}

/* A JPEG with FF D9 hidden inside a segment and in a restart-riddled scan. */
static size_t make_jpeg(uint8_t *out)
{
    static const uint8_t j[] = {
        0xff, 0xd8,                                                  /* SOI */
        0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
        0xff, 0xfe, 0x00, 0x08, 0xff, 0xd9, '\n', '#', '9', 0x00,    /* COM holding FF D9 */
        0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,  /* SOS */
        0x12, 0xff, 0x00, '\n', 0xff, 0xd0, 0x34, 0xff, 0x00, 0xff, 0xd7, '#', 0x56, /* scan */
        0xff, 0xff, 0xd9,                                            /* fill byte, EOI */
    };
    memcpy(out, j, sizeof j);
    return sizeof j;
}

/* Feed a parser the prefixes 1..len of buf (the caller's growing buffer) and return the
 * smallest prefix at which it completes, or 0. Fails the test on any error. */
static size_t first_complete_prefix(sc_reply_parser *p, const uint8_t *buf, size_t len)
{
    sc_error err;
    for (size_t n = 1; n <= len; n++) {
        sc_status st = sc_reply_feed(p, buf, n, false, &err);
        if (st != SC_OK)
            fail_msg("feed %zu: %s", n, err.message);
        if (p->complete)
            return n;
    }
    return 0;
}


/* ---- every byte boundary ---- */

/* What one reply must parse to. It completes exactly when total_len bytes are in. */
typedef struct want {
    sc_reply_kind kind;
    size_t payload_off, payload_len, total_len;
} want;

/* Feed the reply in reads ending at cuts[0] < cuts[1] < ... (the last is len), each time
 * with a copy of exactly that many bytes, so that a look past the end shows under ASan. */
static void feed_in_reads(const uint8_t *buf, const size_t *cuts, size_t ncuts, const want *w)
{
    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    for (size_t i = 0; i < ncuts; i++) {
        size_t n = cuts[i];
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        sc_error err;
        sc_status st = sc_reply_feed(&p, copy, n, false, &err);
        free(copy);
        if (st != SC_OK)
            fail_msg("read %zu of %zu ending at byte %zu: %s", i + 1, ncuts, n, err.message);
        if (p.complete != (n >= w->total_len))
            fail_msg("read ending at byte %zu: complete=%d, wanted complete from byte %zu", n, p.complete,
                     w->total_len);
    }
    assert_int_equal(p.kind, w->kind);
    assert_int_equal(p.payload_off, w->payload_off);
    assert_int_equal(p.payload_len, w->payload_len);
    assert_int_equal(p.total_len, w->total_len);
}

static void split_everywhere(const uint8_t *buf, size_t len, const want *w)
{
    size_t cuts[3];
    /* one byte per read */
    size_t *each = malloc(len * sizeof *each);
    assert_non_null(each);
    for (size_t i = 0; i < len; i++)
        each[i] = i + 1;
    feed_in_reads(buf, each, len, w);
    free(each);
    /* in one read, and cut once at every boundary */
    for (size_t a = 1; a <= len; a++) {
        cuts[0] = a, cuts[1] = len;
        feed_in_reads(buf, cuts, a < len ? 2 : 1, w);
    }
    /* cut twice, at every pair of boundaries */
    for (size_t a = 1; a + 1 < len; a++)
        for (size_t b = a + 1; b < len; b++) {
            cuts[0] = a, cuts[1] = b, cuts[2] = len;
            feed_in_reads(buf, cuts, 3, w);
        }
}

static void test_every_split_indefinite(void **state)
{
    (void)state;
    /* raw socket: the first '\n' ends "#0"; the next reply's bytes are not read into it */
    static const uint8_t line[] = "#0hello, #9 world\n+1.0\n";
    split_everywhere(line, sizeof line - 1, &(want){ SC_REPLY_INDEFINITE, 2, 15, 18 });
    /* after a textual prefix */
    static const uint8_t prefixed[] = "CURV #0abc\n";
    split_everywhere(prefixed, sizeof prefixed - 1, &(want){ SC_REPLY_INDEFINITE, 7, 3, 11 });
    /* "#0" holding a PNG: its chunks end it, its own '\n' bytes do not; the NL after it is
     * the terminator, left to the caller */
    uint8_t buf[256];
    memcpy(buf, "#0", 2);
    size_t png_len = make_png(buf + 2);
    buf[2 + png_len] = '\n';
    split_everywhere(buf, png_len + 3, &(want){ SC_REPLY_INDEFINITE, 2, png_len, png_len + 2 });
}

static void test_every_split_rigol_trailer(void **state)
{
    (void)state;
    /* the block, Rigol's "\n", then the next reply: the block ends before the "\n", whether
     * the "\n" came in the same read or not, and what follows is exactly that "\n" */
    static const uint8_t stream[] = "#9000000010"
                                    "\n\x00#9\xff\r\n#1\n"
                                    "\n"
                                    "1\n";
    const want w = { SC_REPLY_DEFINITE, 11, 10, 21 };
    split_everywhere(stream, sizeof stream - 1, &w);
    split_everywhere(stream, 22, &w);
    split_everywhere(stream, 21, &w);
    assert_int_equal(stream[w.total_len], '\n');
    /* the "\n" alone is not a reply to keep: fed to a fresh parser it reads as an empty
     * line, which is why the session drops it (see test_rigol_trailer_in_session) */
    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    sc_error err;
    assert_int_equal(sc_reply_feed(&p, stream + 21, 1, false, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.payload_len, 0);
}

static void test_every_split_text(void **state)
{
    (void)state;
    static const uint8_t idn[] = "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4\r\n";
    split_everywhere(idn, sizeof idn - 1, &(want){ SC_REPLY_TEXT, 0, sizeof idn - 3, sizeof idn - 1 });
    /* '#' inside the line but glued to a word, and a second line that is not read into it */
    static const uint8_t two[] = "ERR#3,\"x\"\n5.0\n";
    split_everywhere(two, sizeof two - 1, &(want){ SC_REPLY_TEXT, 0, 9, 10 });
    /* a text reply that begins like a BMP */
    static const uint8_t bm[] = "BMW 320i is a car, not a bitmap\n";
    split_everywhere(bm, sizeof bm - 1, &(want){ SC_REPLY_TEXT, 0, sizeof bm - 2, sizeof bm - 1 });
}

/* Each image followed by a "\r\n" the parser must leave alone. */
static void split_image_everywhere(const uint8_t *img, size_t len)
{
    uint8_t *buf = malloc(len + 2);
    assert_non_null(buf);
    memcpy(buf, img, len);
    memcpy(buf + len, "\r\n", 2);
    split_everywhere(buf, len + 2, &(want){ SC_REPLY_RAW_IMAGE, 0, len, len });
    free(buf);
}

static void test_every_split_raw_images(void **state)
{
    (void)state;
    size_t bmp_len;
    uint8_t *bmp = make_bmp(7, 5, &bmp_len); /* ended by its own size field */
    split_image_everywhere(bmp, bmp_len);
    free(bmp);
    uint8_t png[256];
    split_image_everywhere(png, make_png(png)); /* ended by IEND, "IEND" also in IDAT */
    uint8_t jpg[256];
    split_image_everywhere(jpg, make_jpeg(jpg)); /* ended by EOI, FF D9 also inside */
}

/* ---- the trailer in a real session, arriving with the block or later ---- */

typedef struct trailer_peer {
    int listen_fd, go[2]; /* go: the test says "the block was returned" */
    uint16_t port;
    const uint8_t *bytes;
    size_t len, cut;      /* bytes[0..cut) first, the rest (and "second\n") later */
    size_t block_len;     /* a cut at or past it waits until the session has the block */
    pthread_t thread;
} trailer_peer;

static void send_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        b += w, n -= (size_t)w;
    }
}

static void *trailer_peer_main(void *arg)
{
    trailer_peer *t = arg;
    int fd = accept(t->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    char c;
    while (recv(fd, &c, 1, 0) == 1 && c != '\n')
        ;
    send_all(fd, t->bytes, t->cut);
    if (t->cut >= t->block_len) {
        if (read(t->go[0], &c, 1) != 1) /* so "later" really is later */
            c = 0;
    } else {
        usleep(2000);
    }
    send_all(fd, t->bytes + t->cut, t->len - t->cut);
    send_all(fd, "second\n", 7);
    while (recv(fd, &c, 1, 0) == 1)
        ;
    close(fd);
    return NULL;
}

static void test_rigol_trailer_in_session(void **state)
{
    (void)state;
    static const uint8_t reply[] = "#9000000010"
                                   "\n\x00#9\xff\r\n#1\n"
                                   "\n";
    const size_t len = sizeof reply - 1;
    for (size_t cut = 1; cut <= len; cut++) {
        trailer_peer t = { .bytes = reply, .len = len, .cut = cut, .block_len = len - 1 };
        assert_int_equal(pipe(t.go), 0);
        t.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = { .sin_family = AF_INET };
        inet_pton(AF_INET, "127.0.50.1", &a.sin_addr);
        assert_int_equal(bind(t.listen_fd, (struct sockaddr *)&a, sizeof a), 0);
        assert_int_equal(listen(t.listen_fd, 1), 0);
        socklen_t alen = sizeof a;
        getsockname(t.listen_fd, (struct sockaddr *)&a, &alen);
        t.port = ntohs(a.sin_port);
        assert_int_equal(pthread_create(&t.thread, NULL, trailer_peer_main, &t), 0);

        char text[64];
        snprintf(text, sizeof text, "127.0.50.1:%u", t.port);
        sc_resource res;
        sc_error err;
        assert_int_equal(sc_resource_parse(text, &res, &err), SC_OK);
        sc_session *s = NULL;
        assert_int_equal(sc_session_open(&res, sc_deadline_in_ms(2000), &s, &err), SC_OK);
        sc_buf got;
        sc_buf_init(&got, 0);
        sc_reply_kind kind;
        sc_status st = sc_session_query(s, ":DISP:DATA?", &got, &kind, sc_deadline_in_ms(2000), &err);
        assert_int_equal(write(t.go[1], "g", 1), 1);
        if (st != SC_OK)
            fail_msg("cut at %zu: %s", cut, err.message);
        assert_int_equal(kind, SC_REPLY_DEFINITE);
        assert_int_equal(got.len, 10);
        assert_memory_equal(got.data, reply + 11, 10);
        /* the next reply is "second", not the stale "\n" read as an empty line */
        st = sc_session_read_reply(s, &got, &kind, sc_deadline_in_ms(2000), &err);
        if (st != SC_OK)
            fail_msg("cut at %zu, next reply: %s", cut, err.message);
        assert_int_equal(kind, SC_REPLY_TEXT);
        if (got.len != 6 || memcmp(got.data, "second", 6) != 0)
            fail_msg("cut at %zu: next reply is %zu bytes \"%.*s\", wanted \"second\"", cut, got.len, (int)got.len,
                     (const char *)got.data);
        sc_buf_free(&got);
        sc_session_close(s);
        pthread_join(t.thread, NULL);
        close(t.listen_fd);
        close(t.go[0]);
        close(t.go[1]);
    }
}

/* ---- definite blocks ---- */

static const uint8_t small_block[] = "#9000000010"
                                     "\x00\n#9\xff\r\n#1\n"
                                     "\n";
#define SMALL_BLOCK_LEN (sizeof small_block - 1)

static void test_definite_every_split(void **state)
{
    (void)state;
    assert_int_equal(SMALL_BLOCK_LEN, 22);
    /* One parser fed a growing buffer, as the session does. */
    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    sc_error err;
    for (size_t n = 1; n <= SMALL_BLOCK_LEN; n++) {
        assert_int_equal(sc_reply_feed(&p, small_block, n, false, &err), SC_OK);
        assert_int_equal(p.complete, n >= 21);
        if (n >= 11)
            assert_int_equal(p.kind, SC_REPLY_DEFINITE);
    }
    assert_int_equal(p.payload_off, 11);
    assert_int_equal(p.payload_len, 10);
    assert_int_equal(p.total_len, 21);
    assert_memory_equal(small_block + p.payload_off, "\x00\n#9\xff\r\n#1\n", 10);

    /* A fresh parser per split point: the answer depends only on the bytes. */
    for (size_t n = 1; n <= SMALL_BLOCK_LEN; n++) {
        sc_reply_init(&p, MiB);
        assert_int_equal(sc_reply_feed(&p, small_block, n, false, &err), SC_OK);
        assert_int_equal(p.complete, n >= 21);
    }
}

static void test_definite_header_digits_1_to_9(void **state)
{
    (void)state;
    for (int d = 1; d <= 9; d++) {
        uint8_t buf[32];
        int h = snprintf((char *)buf, sizeof buf, "#%d%0*d", d, d, 5);
        memcpy(buf + h, "ab\ncd\n", 6);
        size_t len = (size_t)h + 6;
        sc_reply_parser p;
        sc_reply_init(&p, MiB);
        size_t at = first_complete_prefix(&p, buf, len);
        assert_int_equal(at, (size_t)h + 5);
        assert_int_equal(p.kind, SC_REPLY_DEFINITE);
        assert_int_equal(p.payload_off, (size_t)d + 2);
        assert_int_equal(p.payload_len, 5);
        assert_int_equal(p.total_len, (size_t)h + 5);
    }
    /* "#1" with a single digit can still say 9 */
    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    sc_error err;
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"#19123456789", 12, false, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.payload_len, 9);
}

static void test_definite_rigol_bmp(void **state)
{
    (void)state;
    size_t bmp_len;
    uint8_t *bmp = make_bmp(800, 480, &bmp_len);
    assert_int_equal(bmp_len, 1152054);
    size_t len = 11 + bmp_len + 1;
    uint8_t *reply = malloc(len);
    assert_non_null(reply);
    memcpy(reply, "#9001152054", 11);
    memcpy(reply + 11, bmp, bmp_len);
    reply[len - 1] = '\n';

    sc_reply_parser p;
    sc_reply_init(&p, 256 * MiB);
    sc_error err;
    size_t n = 0;
    while (!p.complete) {
        n = n + 65536 < len ? n + 65536 : len;
        assert_int_equal(sc_reply_feed(&p, reply, n, false, &err), SC_OK);
        assert_int_equal(p.complete, n >= 11 + bmp_len);
    }
    assert_int_equal(p.kind, SC_REPLY_DEFINITE);
    assert_int_equal(p.payload_off, 11);
    assert_int_equal(p.payload_len, 1152054);
    assert_int_equal(p.total_len, 11 + 1152054);

    /* The payload is the BMP file, and its own header agrees. */
    size_t total = 1;
    assert_int_equal(sc_image_sniff(reply + 11, p.payload_len), SC_IMAGE_BMP);
    assert_int_equal(sc_image_file_length(reply + 11, p.payload_len, 256 * MiB, &total, &err), SC_OK);
    assert_int_equal(total, 1152054);

    /* END right after the block (and after the trailing "\n") is fine. */
    sc_reply_init(&p, 256 * MiB);
    assert_int_equal(sc_reply_feed(&p, reply, len, true, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.total_len, len - 1);

    /* END after only 100 payload bytes is an error that says how far it got. */
    sc_reply_init(&p, 256 * MiB);
    assert_int_equal(sc_reply_feed(&p, reply, 11 + 100, false, &err), SC_OK);
    assert_int_equal(sc_reply_feed(&p, reply, 11 + 100, true, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "END arrived after 100 of 1152054 block bytes"));
    free(reply);
    free(bmp);
}

static void test_definite_too_large(void **state)
{
    (void)state;
    const uint8_t *hdr = (const uint8_t *)"#9001152054BM";
    sc_reply_parser p;
    sc_reply_init(&p, 1000000);
    sc_error err;
    for (size_t n = 1; n < 11; n++)
        assert_int_equal(sc_reply_feed(&p, hdr, n, false, &err), SC_OK);
    assert_false(p.complete);
    assert_int_equal(sc_reply_feed(&p, hdr, 11, false, &err), SC_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "1152054"));
    assert_non_null(strstr(err.message, "--max-size")); /* the option that raises the limit */

    /* exactly at the limit is fine */
    sc_reply_init(&p, 1152054);
    assert_int_equal(sc_reply_feed(&p, hdr, 11, false, &err), SC_OK);
    assert_int_equal(p.payload_len, 1152054);
}

static void test_definite_non_digit_length(void **state)
{
    (void)state;
    const uint8_t *bad = (const uint8_t *)"#9000A00010abcdefghij";
    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    sc_error err;
    for (size_t n = 1; n <= 5; n++)
        assert_int_equal(sc_reply_feed(&p, bad, n, false, &err), SC_OK);
    assert_int_equal(sc_reply_feed(&p, bad, 6, false, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "'A'"));
    assert_non_null(strstr(err.message, "offset 5"));

    /* a control byte is shown in hex */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"#3\x1b" "12", 5, false, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "0x1b"));

    /* END inside the header */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"#912", 4, true, &err), SC_ERR_PROTOCOL);
}

static void test_definite_prefixes(void **state)
{
    (void)state;
    static const struct {
        const char *reply;
        size_t off, len;
    } cases[] = {
        {"TRFL #9000000004ab\ncd", 16, 4},
        {"C1:WF ALL,#9000000003\n#x", 21, 3},
        {":CURVE #3005hel#o\n", 12, 5},
        {"ALL,#15abcde", 7, 5},
        {"Memory Length;10;Waveform Data;#15abcde", 34, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t *r = (const uint8_t *)cases[i].reply;
        size_t len = strlen(cases[i].reply);
        sc_reply_parser p;
        sc_reply_init(&p, MiB);
        size_t at = first_complete_prefix(&p, r, len);
        assert_int_equal(p.kind, SC_REPLY_DEFINITE);
        assert_int_equal(p.payload_off, cases[i].off);
        assert_int_equal(p.payload_len, cases[i].len);
        assert_int_equal(at, cases[i].off + cases[i].len);
        assert_int_equal(p.total_len, cases[i].off + cases[i].len);
    }
}

/* ---- text ---- */

static void test_hash_beyond_window_is_text(void **state)
{
    (void)state;
    char line[128];
    memset(line, 'x', 70);
    memcpy(line + 70, " #3005hello\n", 13);
    size_t len = strlen(line);
    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    size_t at = first_complete_prefix(&p, (const uint8_t *)line, len);
    assert_int_equal(at, len);
    assert_int_equal(p.kind, SC_REPLY_TEXT);
    assert_int_equal(p.payload_len, len - 1);

    /* '\n' before the '#' makes it text as well, even inside the window */
    sc_reply_init(&p, MiB);
    at = first_complete_prefix(&p, (const uint8_t *)"abc\n#3005hello", 14);
    assert_int_equal(at, 4);
    assert_int_equal(p.kind, SC_REPLY_TEXT);
    assert_int_equal(p.payload_len, 3);

    /* '#' glued to a word is not a block header */
    sc_reply_init(&p, MiB);
    at = first_complete_prefix(&p, (const uint8_t *)"ERR#3 bad\n", 10);
    assert_int_equal(at, 10);
    assert_int_equal(p.kind, SC_REPLY_TEXT);
}

static void test_text_crlf_and_empty(void **state)
{
    (void)state;
    const char *idn = "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4\r\n";
    size_t len = strlen(idn);
    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    size_t at = first_complete_prefix(&p, (const uint8_t *)idn, len);
    assert_int_equal(at, len);
    assert_int_equal(p.kind, SC_REPLY_TEXT);
    assert_int_equal(p.payload_off, 0);
    assert_int_equal(p.payload_len, len - 2);
    assert_int_equal(p.total_len, len);

    /* a bare "\n" is an empty reply; leading terminators are not skipped */
    sc_reply_init(&p, MiB);
    sc_error err;
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"\n1\n", 3, false, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.kind, SC_REPLY_TEXT);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.total_len, 1);
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"\r\n", 2, false, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.payload_len, 0);

    /* END without NL: the whole buffer */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"+1.5E-3", 7, false, &err), SC_OK);
    assert_false(p.complete);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"+1.5E-3", 7, true, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.payload_len, 7);
    assert_int_equal(p.total_len, 7);

    /* empty message with END */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"", 0, true, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.payload_len, 0);

    /* PNG-looking start with a '\n' in it is not a line end until proven not a PNG */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"\x89PNG\r\n", 6, false, &err), SC_OK);
    assert_false(p.complete);
}

static void test_text_limit_and_linear(void **state)
{
    (void)state;
    /* A line longer than the limit. */
    size_t len = 4096;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    memset(buf, 'a', len);
    sc_reply_parser p;
    sc_reply_init(&p, 1000);
    sc_error err;
    assert_int_equal(sc_reply_feed(&p, buf, 1000, false, &err), SC_OK);
    assert_int_equal(sc_reply_feed(&p, buf, 1001, false, &err), SC_ERR_TOO_LARGE);
    free(buf);

    /* 4 MiB fed one byte at a time: each byte examined once (a quadratic scan would need
     * ~8e12 steps here and never finish). */
    len = 4 * MiB;
    buf = malloc(len);
    assert_non_null(buf);
    memset(buf, 'x', len - 1);
    buf[len - 1] = '\n';
    sc_reply_init(&p, 8 * MiB);
    size_t at = first_complete_prefix(&p, buf, len);
    assert_int_equal(at, len);
    assert_int_equal(p.payload_len, len - 1);
    assert_int_equal(p.scanned, len - 1);
    free(buf);
}

/* ---- indefinite ---- */

static void test_indefinite(void **state)
{
    (void)state;
    sc_reply_parser p;
    sc_error err;
    /* raw socket: the first '\n' ends it */
    sc_reply_init(&p, MiB);
    size_t at = first_complete_prefix(&p, (const uint8_t *)"#0hello\nworld\n", 14);
    assert_int_equal(at, 8);
    assert_int_equal(p.kind, SC_REPLY_INDEFINITE);
    assert_int_equal(p.payload_off, 2);
    assert_int_equal(p.payload_len, 5);
    assert_int_equal(p.total_len, 8);

    /* with END: up to the final NL, embedded '\n' kept */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"#0a\nb\n", 6, true, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.kind, SC_REPLY_INDEFINITE);
    assert_int_equal(p.payload_off, 2);
    assert_int_equal(p.payload_len, 3);
    assert_int_equal(p.total_len, 6);

    /* a prefix before "#0" */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, (const uint8_t *)"DATA #0xyz\n", 11, true, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.payload_off, 7);
    assert_int_equal(p.payload_len, 3);

    /* "#0" + PNG: the PNG's own length ends it, without END, despite its '\n' bytes */
    uint8_t buf[256];
    memcpy(buf, "#0", 2);
    size_t png_len = make_png(buf + 2);
    buf[2 + png_len] = '\n';
    sc_reply_init(&p, MiB);
    at = first_complete_prefix(&p, buf, png_len + 3);
    assert_int_equal(at, png_len + 2);
    assert_int_equal(p.kind, SC_REPLY_INDEFINITE);
    assert_int_equal(p.payload_off, 2);
    assert_int_equal(p.payload_len, png_len);

    /* "#0" + PNG with END and the NL terminator */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, buf, png_len + 3, true, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.payload_len, png_len);
}

/* ---- raw images ---- */

/* On a transport with END, a newline inside "#0" data is data: only END finishes. */
static void test_indefinite_on_end_marked_transport(void **state)
{
    (void)state;
    static const uint8_t msg[] = "#0ab\ncd\n";
    sc_reply_parser p;
    sc_error err;
    sc_reply_init(&p, 1 << 20);
    p.end_marked = true;
    assert_int_equal(sc_reply_feed(&p, msg, 5, false, &err), SC_OK);
    assert_false(p.complete);
    assert_int_equal(sc_reply_feed(&p, msg, sizeof msg - 1, true, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.payload_len, 5);
    assert_memory_equal(msg + p.payload_off, "ab\ncd", 5);
}

static void check_raw_image(const uint8_t *img, size_t len, sc_image_format f)
{
    uint8_t *buf = malloc(len + 2);
    assert_non_null(buf);
    memcpy(buf, img, len);
    memcpy(buf + len, "\r\n", 2);
    assert_int_equal(sc_image_sniff(buf, len), f);

    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    size_t at = first_complete_prefix(&p, buf, len + 2);
    assert_int_equal(at, len);
    assert_int_equal(p.kind, SC_REPLY_RAW_IMAGE);
    assert_int_equal(p.payload_off, 0);
    assert_int_equal(p.payload_len, len);
    assert_int_equal(p.total_len, len);

    /* in one piece, with the trailer, with and without END */
    for (int end = 0; end <= 1; end++) {
        sc_error err;
        sc_reply_init(&p, MiB);
        assert_int_equal(sc_reply_feed(&p, buf, len + 2, end, &err), SC_OK);
        assert_true(p.complete);
        assert_int_equal(p.total_len, len);
    }
    free(buf);
}

static void test_raw_images(void **state)
{
    (void)state;
    size_t bmp_len;
    uint8_t *bmp = make_bmp(7, 5, &bmp_len); /* pixel data contains "#9" and '\n' early */
    check_raw_image(bmp, bmp_len, SC_IMAGE_BMP);
    free(bmp);

    uint8_t png[256];
    check_raw_image(png, make_png(png), SC_IMAGE_PNG);

    uint8_t jpg[256];
    check_raw_image(jpg, make_jpeg(jpg), SC_IMAGE_JPEG);
}

static void test_raw_image_end_and_truncation(void **state)
{
    (void)state;
    size_t bmp_len;
    uint8_t *bmp = make_bmp(16, 16, &bmp_len);
    sc_reply_parser p;
    sc_error err;
    /* END before the file is whole: the session gets what arrived; the decoder complains. */
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, bmp, 100, false, &err), SC_OK);
    assert_false(p.complete);
    assert_int_equal(sc_reply_feed(&p, bmp, 100, true, &err), SC_OK);
    assert_true(p.complete);
    assert_int_equal(p.total_len, 100);

    /* a BMP whose size field exceeds the limit fails as soon as the header is in */
    sc_reply_init(&p, 500);
    assert_int_equal(sc_reply_feed(&p, bmp, 17, false, &err), SC_OK);
    assert_int_equal(sc_reply_feed(&p, bmp, 18, false, &err), SC_ERR_TOO_LARGE);

    /* a GIF cannot be measured: only END completes it */
    uint8_t gif[32] = "GIF89a\x0a\x00\x0a\x00\x00\x00\x00;";
    sc_reply_init(&p, MiB);
    assert_int_equal(sc_reply_feed(&p, gif, 20, false, &err), SC_OK);
    assert_false(p.complete);
    assert_int_equal(p.kind, SC_REPLY_RAW_IMAGE);
    assert_int_equal(sc_reply_feed(&p, gif, 20, true, &err), SC_OK);
    assert_true(p.complete);
    free(bmp);
}

/* ---- sc_image_file_length directly ---- */

static void test_file_length_errors(void **state)
{
    (void)state;
    size_t total;
    sc_error err;
    size_t bmp_len;
    uint8_t *bmp = make_bmp(4, 4, &bmp_len);

    /* short input: not yet known */
    total = 99;
    assert_int_equal(sc_image_file_length(bmp, 10, MiB, &total, &err), SC_OK);
    assert_int_equal(total, 0);
    assert_int_equal(sc_image_file_length(bmp, 18, MiB, &total, &err), SC_OK);
    assert_int_equal(total, bmp_len); /* BMP: known from the header alone */

    /* pixel offset past the file */
    put_le32(bmp + 10, 9999);
    assert_int_equal(sc_image_file_length(bmp, bmp_len, MiB, &total, &err), SC_ERR_FORMAT);
    put_le32(bmp + 10, 54);
    /* size above the limit */
    assert_int_equal(sc_image_file_length(bmp, bmp_len, 60, &total, &err), SC_ERR_TOO_LARGE);
    /* unknown DIB size */
    put_le32(bmp + 14, 41);
    assert_int_equal(sc_image_file_length(bmp, bmp_len, MiB, &total, &err), SC_ERR_FORMAT);
    free(bmp);

    /* PNG: length >= 2^31 */
    uint8_t png[256];
    size_t png_len = make_png(png);
    for (size_t n = 0; n < png_len; n++) {
        assert_int_equal(sc_image_file_length(png, n, MiB, &total, &err), SC_OK);
        assert_true(total == 0 || total == png_len);
    }
    put_be32(png + 33, 0x80000000u);
    assert_int_equal(sc_image_file_length(png, png_len, MiB, &total, &err), SC_ERR_FORMAT);
    put_be32(png + 33, 0x7fffffffu);
    assert_int_equal(sc_image_file_length(png, png_len, MiB, &total, &err), SC_ERR_TOO_LARGE);

    /* JPEG: limit below its size */
    uint8_t jpg[256];
    size_t jpg_len = make_jpeg(jpg);
    assert_int_equal(sc_image_file_length(jpg, jpg_len, jpg_len, &total, &err), SC_OK);
    assert_int_equal(total, jpg_len);
    assert_int_equal(sc_image_file_length(jpg, jpg_len, jpg_len - 1, &total, &err), SC_ERR_TOO_LARGE);
    jpg[20] = 0x00; /* where a marker should be */
    assert_int_equal(sc_image_file_length(jpg, jpg_len, MiB, &total, &err), SC_ERR_FORMAT);

    /* GIF/TIFF: unsupported with a reason; text: not an image */
    assert_int_equal(sc_image_file_length((const uint8_t *)"GIF87a....", 10, MiB, &total, &err),
                     SC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "GIF"));
    assert_int_equal(sc_image_file_length((const uint8_t *)"MM\0*....", 8, MiB, &total, &err),
                     SC_ERR_UNSUPPORTED);
    assert_int_equal(sc_image_file_length((const uint8_t *)"hello", 5, MiB, &total, &err), SC_ERR_FORMAT);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_int_equal(sc_image_sniff((const uint8_t *)"\xff\xd8\xff\xe0", 4), SC_IMAGE_JPEG);
    assert_int_equal(sc_image_sniff((const uint8_t *)"\x89PNG\r\n\x1a\n", 8), SC_IMAGE_PNG);
    assert_int_equal(sc_image_sniff((const uint8_t *)"\x89PNG\r\n\x1a", 7), SC_IMAGE_UNKNOWN);
    assert_int_equal(sc_image_sniff((const uint8_t *)"GIF87a", 6), SC_IMAGE_GIF);
    assert_int_equal(sc_image_sniff((const uint8_t *)"II*\0", 4), SC_IMAGE_TIFF);
    /* "BM" text is not a BMP */
    assert_int_equal(sc_image_sniff((const uint8_t *)"BMW 320i is a car\n", 18), SC_IMAGE_UNKNOWN);
    assert_int_equal(sc_image_sniff(NULL, 0), SC_IMAGE_UNKNOWN);

    /* a text reply that starts with "BM" still completes once it is clearly not a BMP */
    sc_reply_parser p;
    sc_reply_init(&p, MiB);
    const char *t = "BMW 320i is a car, not a bitmap\n";
    size_t at = first_complete_prefix(&p, (const uint8_t *)t, strlen(t));
    assert_int_equal(at, strlen(t));
    assert_int_equal(p.kind, SC_REPLY_TEXT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_definite_every_split),
        cmocka_unit_test(test_definite_header_digits_1_to_9),
        cmocka_unit_test(test_definite_rigol_bmp),
        cmocka_unit_test(test_definite_too_large),
        cmocka_unit_test(test_definite_non_digit_length),
        cmocka_unit_test(test_definite_prefixes),
        cmocka_unit_test(test_hash_beyond_window_is_text),
        cmocka_unit_test(test_text_crlf_and_empty),
        cmocka_unit_test(test_text_limit_and_linear),
        cmocka_unit_test(test_indefinite),
        cmocka_unit_test(test_indefinite_on_end_marked_transport),
        cmocka_unit_test(test_raw_images),
        cmocka_unit_test(test_raw_image_end_and_truncation),
        cmocka_unit_test(test_file_length_errors),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_every_split_indefinite),
        cmocka_unit_test(test_every_split_rigol_trailer),
        cmocka_unit_test(test_every_split_text),
        cmocka_unit_test(test_every_split_raw_images),
        cmocka_unit_test(test_rigol_trailer_in_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
