/* RGB -> Y'CbCr (BT.601 limited range) against the exact formula, and the I420 / YUYV
 * layouts: plane order, chroma siting, bottom-up sources, odd sizes, padded rows. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/yuv.h"

static double y_exact(double r, double g, double b) { return 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255; }
static double cb_exact(double r, double g, double b) { return 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255; }
static double cr_exact(double r, double g, double b) { return 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255; }

static void test_reference_colours(void **state)
{
    (void)state;
    /* the studio-swing corners every decoder agrees on */
    assert_int_equal(sc_yuv_luma(0, 0, 0), 16);
    assert_int_equal(sc_yuv_cb(0, 0, 0), 128);
    assert_int_equal(sc_yuv_cr(0, 0, 0), 128);
    assert_int_equal(sc_yuv_luma(255, 255, 255), 235);
    assert_int_equal(sc_yuv_cb(255, 255, 255), 128);
    assert_int_equal(sc_yuv_cr(255, 255, 255), 128);
    /* primaries (ITU-R BT.601 tables, rounded) */
    assert_int_equal(sc_yuv_luma(255, 0, 0), 81);
    assert_int_equal(sc_yuv_cb(255, 0, 0), 90);
    assert_int_equal(sc_yuv_cr(255, 0, 0), 240);
    assert_int_equal(sc_yuv_luma(0, 255, 0), 145);
    assert_int_equal(sc_yuv_cb(0, 255, 0), 54);
    assert_int_equal(sc_yuv_cr(0, 255, 0), 34);
    assert_int_equal(sc_yuv_luma(0, 0, 255), 41);
    assert_int_equal(sc_yuv_cb(0, 0, 255), 240);
    assert_int_equal(sc_yuv_cr(0, 0, 255), 110);
    /* every grey stays exactly neutral */
    for (int v = 0; v < 256; v++) {
        assert_int_equal(sc_yuv_cb(v, v, v), 128);
        assert_int_equal(sc_yuv_cr(v, v, v), 128);
    }
}

/* Every 8-bit colour on a lattice of 4 (about 260,000 colours): within one LSB of the
 * exact value, and almost always the exact value rounded. */
static void test_within_one_lsb(void **state)
{
    (void)state;
    long total = 0, exact = 0;
    double worst = 0;
    for (int r = 0; r < 256; r += 4)
        for (int g = 0; g < 256; g += 4)
            for (int b = 0; b < 256; b += 4) {
                double want[3] = { y_exact(r, g, b), cb_exact(r, g, b), cr_exact(r, g, b) };
                int got[3] = { sc_yuv_luma(r, g, b), sc_yuv_cb(r, g, b), sc_yuv_cr(r, g, b) };
                for (int k = 0; k < 3; k++) {
                    double d = fabs(got[k] - want[k]);
                    if (d > worst)
                        worst = d;
                    exact += got[k] == (int)lround(want[k]);
                    total++;
                }
            }
    assert_true(worst <= 1.0);
    assert_true(exact * 1000 >= total * 999);
}

static uint8_t *make_rgb(int w, int h, unsigned seed)
{
    uint8_t *p = malloc((size_t)w * (size_t)h * 3);
    assert_non_null(p);
    for (size_t i = 0; i < (size_t)w * (size_t)h * 3; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
    return p;
}

static void test_i420_layout_and_chroma(void **state)
{
    (void)state;
    int w = 6, h = 4;
    uint8_t *rgb = make_rgb(w, h, 7);
    sc_rgb_view v = { rgb, (ptrdiff_t)w * 3, w, h, SC_PIXELS_RGB };
    assert_int_equal(sc_i420_size(w, h), 24 + 6 + 6);
    uint8_t out[36];
    memset(out, 0xEE, sizeof out);
    sc_rgb_to_i420(&v, out);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb + ((size_t)y * w + x) * 3;
            assert_int_equal(out[y * w + x], sc_yuv_luma(p[0], p[1], p[2]));
        }
    /* each chroma sample is the mean of its 2x2 block's exact chroma */
    for (int cy = 0; cy < h / 2; cy++)
        for (int cx = 0; cx < w / 2; cx++) {
            double cb = 0, cr = 0;
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++) {
                    const uint8_t *p = rgb + ((size_t)(2 * cy + dy) * w + 2 * cx + dx) * 3;
                    cb += cb_exact(p[0], p[1], p[2]) / 4;
                    cr += cr_exact(p[0], p[1], p[2]) / 4;
                }
            assert_true(fabs(out[24 + cy * 3 + cx] - cb) <= 1.0);
            assert_true(fabs(out[30 + cy * 3 + cx] - cr) <= 1.0);
        }
    free(rgb);
}

/* A BMP's rows run bottom-up in BGR order: a negative stride from the last row gives the
 * same result as the top-down RGB copy. */
static void test_bottom_up_bgr_matches_top_down_rgb(void **state)
{
    (void)state;
    int w = 8, h = 6;
    uint8_t *rgb = make_rgb(w, h, 99);
    uint8_t *bmp = malloc((size_t)w * h * 3);
    assert_non_null(bmp);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *s = rgb + ((size_t)y * w + x) * 3;
            uint8_t *d = bmp + ((size_t)(h - 1 - y) * w + x) * 3;
            d[0] = s[2];
            d[1] = s[1];
            d[2] = s[0];
        }
    sc_rgb_view top = { rgb, (ptrdiff_t)w * 3, w, h, SC_PIXELS_RGB };
    sc_rgb_view bottom = { bmp + (size_t)(h - 1) * w * 3, -(ptrdiff_t)w * 3, w, h, SC_PIXELS_BGR };
    uint8_t a[72], b[72];
    sc_rgb_to_i420(&top, a);
    sc_rgb_to_i420(&bottom, b);
    assert_memory_equal(a, b, sc_i420_size(w, h));
    uint8_t ya[96], yb[96];
    sc_rgb_to_yuyv(&top, ya, sc_yuyv_row_bytes(w));
    sc_rgb_to_yuyv(&bottom, yb, sc_yuyv_row_bytes(w));
    assert_memory_equal(ya, yb, sc_yuyv_size(w, h));
    free(rgb);
    free(bmp);
}

static void test_odd_sizes(void **state)
{
    (void)state;
    int w = 3, h = 3;
    /* uniform colour: every sample must be that colour's, including the lone edge ones */
    uint8_t rgb[27];
    for (int i = 0; i < 9; i++) {
        rgb[3 * i] = 200;
        rgb[3 * i + 1] = 30;
        rgb[3 * i + 2] = 90;
    }
    sc_rgb_view v = { rgb, 9, w, h, SC_PIXELS_RGB };
    assert_int_equal(sc_i420_size(w, h), 9 + 4 + 4);
    uint8_t out[17];
    sc_rgb_to_i420(&v, out);
    for (int i = 0; i < 9; i++)
        assert_int_equal(out[i], sc_yuv_luma(200, 30, 90));
    for (int i = 0; i < 4; i++) {
        assert_int_equal(out[9 + i], sc_yuv_cb(200, 30, 90));
        assert_int_equal(out[13 + i], sc_yuv_cr(200, 30, 90));
    }
    assert_int_equal(sc_yuyv_row_bytes(3), 8);
    uint8_t yuyv[24];
    sc_rgb_to_yuyv(&v, yuyv, 8);
    for (int row = 0; row < 3; row++) {
        const uint8_t *r = yuyv + row * 8;
        assert_int_equal(r[0], sc_yuv_luma(200, 30, 90));
        assert_int_equal(r[1], sc_yuv_cb(200, 30, 90));
        assert_int_equal(r[4], sc_yuv_luma(200, 30, 90));
        assert_int_equal(r[6], sc_yuv_luma(200, 30, 90)); /* the missing partner repeats the last pixel */
        assert_int_equal(r[7], sc_yuv_cr(200, 30, 90));
    }
    assert_int_equal(sc_i420_size(0, 5), 0);
    assert_int_equal(sc_yuyv_size(5, 0), 0);
}

static void test_yuyv_pairs_and_padding(void **state)
{
    (void)state;
    /* black then white in each pair: Y 16 / 235, chroma neutral; padding left alone */
    uint8_t rgb[4 * 3] = { 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255 };
    sc_rgb_view v = { rgb, 12, 4, 1, SC_PIXELS_RGB };
    uint8_t out[12];
    memset(out, 0xAB, sizeof out);
    sc_rgb_to_yuyv(&v, out, 12);
    assert_int_equal(out[0], 16);
    assert_int_equal(out[1], 128);
    assert_int_equal(out[2], 235);
    assert_int_equal(out[3], 128);
    /* red + blue: the pair's chroma is the mean of the two */
    assert_int_equal(out[4], 81);
    assert_true(abs(out[5] - (int)lround((cb_exact(255, 0, 0) + cb_exact(0, 0, 255)) / 2)) <= 1);
    assert_int_equal(out[6], 41);
    assert_true(abs(out[7] - (int)lround((cr_exact(255, 0, 0) + cr_exact(0, 0, 255)) / 2)) <= 1);
    for (int i = 8; i < 12; i++)
        assert_int_equal(out[i], 0xAB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_colours),
        cmocka_unit_test(test_within_one_lsb),
        cmocka_unit_test(test_i420_layout_and_chroma),
        cmocka_unit_test(test_bottom_up_bgr_matches_top_down_rgb),
        cmocka_unit_test(test_odd_sizes),
        cmocka_unit_test(test_yuyv_pairs_and_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
