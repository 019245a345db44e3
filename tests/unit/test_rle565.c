/* GW Instek run-length RGB565: byte vectors, round trips, and every way a stream can be
 * wrong (odd length, a run past the screen, too few pixels). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "image/rle565.h"

#include <string.h>

static void expands_known_bytes(void **state)
{
    (void)state;
    /* 3x2 screen: 4 pixels of pure red (0xF800), then 2 of pure blue (0x001F) */
    const uint8_t data[] = { 4, 0, 0x00, 0xF8, 2, 0, 0x1F, 0x00 };
    sc_raster r;
    sc_error err;
    assert_int_equal(sc_rle565_decode(data, sizeof data, 3, 2, &r, &err), SC_OK);
    assert_int_equal(r.width, 3);
    assert_int_equal(r.height, 2);
    const uint8_t *row0 = r.pixels, *row1 = r.pixels + r.stride;
    for (int x = 0; x < 3; x++)
        assert_memory_equal(row0 + 3 * x, "\xff\x00\x00", 3);
    assert_memory_equal(row1, "\xff\x00\x00", 3); /* the fourth pixel wraps to row 1 */
    assert_memory_equal(row1 + 3, "\x00\x00\xff", 3);
    assert_memory_equal(row1 + 6, "\x00\x00\xff", 3);
    sc_raster_free(&r);
}

static void colour_expansion_hits_both_ends(void **state)
{
    (void)state;
    sc_rgb white = sc_rgb565_expand(0xFFFF), black = sc_rgb565_expand(0);
    assert_int_equal(white.r, 255);
    assert_int_equal(white.g, 255);
    assert_int_equal(white.b, 255);
    assert_int_equal(black.r + black.g + black.b, 0);
    assert_int_equal(sc_rgb565_pack(255, 255, 0), 0xFFE0);
    /* expand(pack(expand(v))) == expand(v): reduction is idempotent */
    for (unsigned v = 0; v < 65536; v += 97) {
        sc_rgb c = sc_rgb565_expand((uint16_t)v);
        assert_int_equal(sc_rgb565_pack(c.r, c.g, c.b), v);
    }
}

static void round_trip(void **state)
{
    (void)state;
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, 70, 9, NULL), SC_OK);
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 70; x++) {
            sc_rgb c = sc_rgb565_expand((uint16_t)((x / 7) * 2113 + y * 31));
            uint8_t *p = r.pixels + (size_t)y * r.stride + 3 * (size_t)x;
            p[0] = c.r, p[1] = c.g, p[2] = c.b;
        }
    sc_buf enc;
    sc_buf_init(&enc, 0);
    assert_int_equal(sc_rle565_encode(&r, &enc, NULL), SC_OK);
    assert_true(enc.len < 70 * 9 * 4 / 3); /* runs of 7 compress */
    sc_raster back;
    sc_error err;
    assert_int_equal(sc_rle565_decode(enc.data, enc.len, 70, 9, &back, &err), SC_OK);
    for (int y = 0; y < 9; y++)
        assert_memory_equal(back.pixels + (size_t)y * back.stride, r.pixels + (size_t)y * r.stride, 70 * 3);
    sc_raster_free(&back);
    sc_raster_free(&r);
    sc_buf_free(&enc);
}

static void long_runs_split(void **state)
{
    (void)state;
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, 800, 480, NULL), SC_OK); /* all black: one colour */
    sc_buf enc;
    sc_buf_init(&enc, 0);
    assert_int_equal(sc_rle565_encode(&r, &enc, NULL), SC_OK);
    assert_int_equal(enc.len, 4 * 6); /* 384000 = 5 x 65535 + 56325 */
    sc_raster back;
    assert_int_equal(sc_rle565_decode(enc.data, enc.len, 800, 480, &back, NULL), SC_OK);
    sc_raster_free(&back);
    sc_raster_free(&r);
    sc_buf_free(&enc);
}

static void refuses_bad_streams(void **state)
{
    (void)state;
    sc_raster r;
    sc_error err;
    const uint8_t odd[] = { 6, 0, 0, 0, 1 };
    assert_int_equal(sc_rle565_decode(odd, sizeof odd, 3, 2, &r, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "pairs"));
    assert_null(r.pixels);
    const uint8_t over[] = { 4, 0, 0, 0, 3, 0, 0, 0 };
    assert_int_equal(sc_rle565_decode(over, sizeof over, 3, 2, &r, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "overflows"));
    assert_null(r.pixels);
    const uint8_t short_[] = { 5, 0, 0, 0 };
    assert_int_equal(sc_rle565_decode(short_, sizeof short_, 3, 2, &r, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "5 of the 6 pixels"));
    const uint8_t huge[] = { 0xff, 0xff, 0, 0 };
    assert_int_equal(sc_rle565_decode(huge, sizeof huge, 3, 2, &r, &err), SC_ERR_FORMAT);
    assert_int_equal(sc_rle565_decode(huge, 0, 3, 2, &r, &err), SC_ERR_FORMAT);
    assert_int_equal(sc_rle565_decode(huge, sizeof huge, 0, 2, &r, &err), SC_ERR_USAGE);
    assert_int_equal(sc_rle565_decode(huge, sizeof huge, 3, SC_IMAGE_MAX_DIMENSION + 1, &r, &err), SC_ERR_USAGE);
    /* zero-length runs are harmless */
    const uint8_t zeros[] = { 0, 0, 0x1f, 0, 6, 0, 0, 0 };
    assert_int_equal(sc_rle565_decode(zeros, sizeof zeros, 3, 2, &r, &err), SC_OK);
    sc_raster_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expands_known_bytes),
        cmocka_unit_test(colour_expansion_hits_both_ends),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(long_runs_split),
        cmocka_unit_test(refuses_bad_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
