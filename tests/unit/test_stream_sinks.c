/* The file-like sinks and the HTTP sink's pure parts: the y4m stream byte layout, a y4m
 * reader that goes away, numbered record files, basic-auth checking and the HTTP listen
 * address rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/yuv.h"
#include "scopecap/render.h"
#include "stream/http_internal.h"

#define W 32
#define H 16

static sc_status produce(void *ctx, sc_frame_input *in, sc_error *err)
{
    int *n = ctx;
    if (!in->raster.pixels && sc_raster_alloc(&in->raster, W, H, err) != SC_OK)
        return err->code;
    uint8_t shade = (uint8_t)(20 + 10 * ((*n)++ % 20));
    sc_draw_fill(&in->raster, (sc_rgb){ shade, 0, (uint8_t)(255 - shade) });
    in->use_raster = true;
    return SC_OK;
}

static sc_stream *make_stream(int *counter, int max_frames)
{
    sc_stream_options o = { .width = W, .height = H, .max_frames = max_frames };
    sc_stream *s = NULL;
    sc_error err;
    assert_int_equal(sc_stream_new(sc_callback_source_new("test", produce, counter, 1), &o, &s, &err), SC_OK);
    return s;
}

static void wait_done(sc_sink *k)
{
    for (int i = 0; i < 1000; i++) {
        sc_sink_stats st;
        sc_sink_get_stats(k, &st);
        if (st.done)
            return;
        struct timespec ts = { 0, 5 * 1000000 };
        nanosleep(&ts, NULL);
    }
    fail_msg("the sink did not finish in 5 s");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void test_y4m_layout(void **state)
{
    (void)state;
    char path[] = "/tmp/scopecap-y4m-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int counter = 0;
    sc_stream *s = make_stream(&counter, 0);
    sc_sink_options o = { .fps = 50, .max_frames = 3 };
    sc_sink *k = NULL;
    sc_error err;
    assert_int_equal(sc_sink_y4m_open(s, path, &o, &k, &err), SC_OK);
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    wait_done(k);
    assert_int_equal(sc_sink_error(k, &err), SC_OK);
    sc_sink_close(k);
    sc_stream_free(s);

    size_t len;
    char *data = read_file(path, &len);
    static const char header[] = "YUV4MPEG2 W32 H16 F50:1 Ip A1:1 C420jpeg XYSCSS=420JPEG XCOLORRANGE=LIMITED\n";
    size_t hl = sizeof header - 1, frame = 6 + sc_i420_size(W, H);
    assert_int_equal(len, hl + 3 * frame);
    assert_memory_equal(data, header, hl);
    for (int i = 0; i < 3; i++) {
        const char *p = data + hl + (size_t)i * frame;
        assert_memory_equal(p, "FRAME\n", 6);
        /* a live frame, not the placeholder: flat, so every luma sample is the same */
        const uint8_t *y = (const uint8_t *)p + 6;
        for (int j = 1; j < W * H; j++)
            assert_int_equal(y[j], y[0]);
    }
    free(data);
    unlink(path);
}

/* A reader that closes its end: the sink ends with "gone away", the process lives on. */
static void test_y4m_reader_gone(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    int counter = 0;
    sc_stream *s = make_stream(&counter, 0);
    sc_sink_options o = { .fps = 100 };
    sc_sink *k = NULL;
    sc_error err;
    assert_int_equal(sc_sink_y4m_open(s, path, &o, &k, &err), SC_OK);
    close(p[0]);
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    wait_done(k);
    assert_int_equal(sc_sink_error(k, &err), SC_ERR_CLOSED);
    assert_non_null(strstr(err.message, "gone away"));
    sc_sink_close(k);
    sc_stream_free(s);
    close(p[1]);
}

static sc_status produce_still(void *ctx, sc_frame_input *in, sc_error *err)
{
    int *n = ctx;
    (*n)++;
    if (!in->raster.pixels && sc_raster_alloc(&in->raster, W, H, err) != SC_OK)
        return err->code;
    sc_draw_fill(&in->raster, (sc_rgb){ 40, 80, 120 });
    in->use_raster = true;
    return SC_OK;
}

/* --frames N gives N files even from a still screen: every capture counts, repeats are
 * written from the one encoding */
static void test_record_still_screen_counts_captures(void **state)
{
    (void)state;
    char dir[] = "/tmp/scopecap-still-XXXXXX";
    assert_non_null(mkdtemp(dir));
    int counter = 0;
    sc_stream_options so = { .width = W, .height = H };
    sc_stream *s = NULL;
    sc_error err;
    assert_int_equal(sc_stream_new(sc_callback_source_new("still", produce_still, &counter, 1), &so, &s, &err), SC_OK);
    sc_sink_options o = { .max_frames = 3, .record_format = SC_IMAGE_PNG };
    sc_sink *k = NULL;
    assert_int_equal(sc_sink_record_open(s, dir, &o, &k, &err), SC_OK);
    assert_int_equal(sc_stream_demand(s), 1); /* the sink claims frames while it runs */
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    wait_done(k);
    assert_int_equal(sc_stream_demand(s), 0); /* ... and lets go when done */
    assert_int_equal(sc_sink_error(k, &err), SC_OK);
    sc_sink_close(k);
    sc_stream_free(s);
    char *first = NULL;
    size_t first_len = 0;
    for (int i = 1; i <= 4; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/frame-%06d.png", dir, i);
        struct stat sb;
        if (i == 4) {
            assert_int_equal(stat(path, &sb), -1); /* exactly three */
            continue;
        }
        size_t len;
        char *data = read_file(path, &len);
        if (!first) {
            first = data;
            first_len = len;
        } else {
            assert_int_equal(len, first_len);
            assert_memory_equal(data, first, len);
            free(data);
        }
        unlink(path);
    }
    free(first);
    rmdir(dir);
}

static void test_record_numbered_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/scopecap-rec-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[128];
    snprintf(sub, sizeof sub, "%s/frames", dir); /* created by the sink */
    int counter = 0;
    sc_stream *s = make_stream(&counter, 0);
    sc_sink_options o = { .fps = 10, .max_frames = 2, .record_format = SC_IMAGE_JPEG };
    sc_sink *k = NULL;
    sc_error err;
    assert_int_equal(sc_sink_record_open(s, sub, &o, &k, &err), SC_OK);
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    wait_done(k);
    assert_int_equal(sc_sink_error(k, &err), SC_OK);
    sc_sink_close(k);
    sc_stream_free(s);
    for (int i = 1; i <= 3; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/frame-%06d.jpg", sub, i);
        struct stat sb;
        if (i == 3) {
            assert_int_equal(stat(path, &sb), -1); /* exactly two */
            continue;
        }
        size_t len;
        char *data = read_file(path, &len);
        sc_raster r;
        assert_int_equal(sc_jpeg_decode((const uint8_t *)data, len, &r, &err), SC_OK);
        assert_int_equal(r.width, W);
        assert_int_equal(r.height, H);
        sc_raster_free(&r);
        free(data);
        unlink(path);
    }
    rmdir(sub);
    rmdir(dir);

    /* a file where the folder should be */
    o.record_format = SC_IMAGE_PNG;
    assert_int_equal(sc_sink_record_open(s = make_stream(&counter, 0), "/dev/null", &o, &k, &err), SC_ERR_IO);
    assert_non_null(strstr(err.message, "not a folder"));
    o.record_format = SC_IMAGE_BMP;
    assert_int_equal(sc_sink_record_open(s, "/tmp", &o, &k, &err), SC_ERR_USAGE);
    sc_stream_free(s);
}

static void test_basic_auth(void **state)
{
    (void)state;
    char token[128];
    /* RFC 7617's example */
    assert_true(sc_http_auth_token("Aladdin:open sesame", token, sizeof token));
    assert_string_equal(token, "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    assert_true(sc_http_auth_token("a:b", token, sizeof token));
    assert_string_equal(token, "YTpi");
    assert_true(sc_http_auth_token("ab:c", token, sizeof token));
    assert_string_equal(token, "YWI6Yw==");
    assert_false(sc_http_auth_token("no-colon", token, sizeof token));
    assert_false(sc_http_auth_token("user:password", token, 8));

    assert_true(sc_http_auth_token("user:secret", token, sizeof token));
    char good[160];
    snprintf(good, sizeof good, "Basic %s", token);
    assert_true(sc_http_auth_check(good, token));
    snprintf(good, sizeof good, "  basic\t%s  ", token);
    assert_true(sc_http_auth_check(good, token));
    char wrong[128];
    assert_true(sc_http_auth_token("user:secreT", wrong, sizeof wrong));
    char header[160];
    snprintf(header, sizeof header, "Basic %s", wrong);
    assert_false(sc_http_auth_check(header, token));
    snprintf(header, sizeof header, "Basic %s", token);
    header[strlen(header) - 1] = '\0'; /* a prefix of the right one */
    assert_false(sc_http_auth_check(header, token));
    snprintf(header, sizeof header, "Basic %sA", token);
    assert_false(sc_http_auth_check(header, token));
    snprintf(header, sizeof header, "Basic %s extra", token);
    assert_false(sc_http_auth_check(header, token));
    snprintf(header, sizeof header, "Bearer %s", token);
    assert_false(sc_http_auth_check(header, token));
    snprintf(header, sizeof header, "Basic%s", token);
    assert_false(sc_http_auth_check(header, token));
    assert_false(sc_http_auth_check(NULL, token));
    assert_false(sc_http_auth_check("", token));
    assert_false(sc_http_auth_check("Basic ", token));

    assert_true(sc_constant_time_equal("abc", 3, "abc", 3));
    assert_false(sc_constant_time_equal("abd", 3, "abc", 3));
    assert_false(sc_constant_time_equal("ab", 2, "abc", 3));
    assert_false(sc_constant_time_equal("abcd", 4, "abc", 3));
    assert_true(sc_constant_time_equal("", 0, "", 0));
}

static void test_http_listen_errors(void **state)
{
    (void)state;
    int counter = 0;
    sc_stream *s = make_stream(&counter, 0);
    sc_sink_options o = { .fps = 10 };
    sc_sink *k = NULL;
    sc_error err;
    assert_int_equal(sc_sink_http_open(s, "70000", &o, &k, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "port"));
    assert_int_equal(sc_sink_http_open(s, "localhost:8080", &o, &k, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "not an IPv4 or IPv6 address"));
    assert_int_equal(sc_sink_http_open(s, "[::1:8080", &o, &k, &err), SC_ERR_USAGE);
    o.http_auth = "nocolon";
    assert_int_equal(sc_sink_http_open(s, "127.0.17.9:0", &o, &k, &err), SC_ERR_USAGE);
    o.http_auth = NULL;
    /* port 0: a free one, told in where() */
    assert_int_equal(sc_sink_http_open(s, "127.0.17.9:0", &o, &k, &err), SC_OK);
    assert_non_null(strstr(sc_sink_where(k), "http://127.0.17.9:"));
    assert_null(strstr(sc_sink_where(k), ":0/"));
    /* the same port again is busy */
    char again[64];
    snprintf(again, sizeof again, "%s", sc_sink_where(k) + strlen("http://"));
    again[strlen(again) - 1] = '\0';
    sc_sink *k2 = NULL;
    assert_int_equal(sc_sink_http_open(s, again, &o, &k2, &err), SC_ERR_IO);
    assert_non_null(strstr(err.message, "Address already in use"));
    sc_sink_close(k);
    sc_stream_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_y4m_layout),
        cmocka_unit_test(test_y4m_reader_gone),
        cmocka_unit_test(test_record_numbered_files),
        cmocka_unit_test(test_record_still_screen_counts_captures),
        cmocka_unit_test(test_basic_auth),
        cmocka_unit_test(test_http_listen_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
