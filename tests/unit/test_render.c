/* Pixel-level tests of the canvas, the bitmap font and scopesim's screen painter. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models.h"
#include "scopecap/render.h"
#include "screen.h"

static const sc_rgb RED = {255, 0, 0};
static const sc_rgb GREEN = {0, 255, 0};
static const sc_rgb WHITE = {255, 255, 255};

#define PAD 5 /* bytes of row padding, to catch writes past the visible width */

static sc_raster make_raster(int w, int h)
{
    sc_raster r;
    r.width = w;
    r.height = h;
    r.stride = (size_t)w * 3 + PAD;
    r.pixels = calloc(r.stride, (size_t)h);
    assert_non_null(r.pixels);
    return r;
}

static void free_raster(sc_raster *r)
{
    free(r->pixels);
    r->pixels = NULL;
}

static bool is_colour(const sc_raster *r, int x, int y, sc_rgb c)
{
    const uint8_t *p = r->pixels + (size_t)y * r->stride + (size_t)x * 3;
    return p[0] == c.r && p[1] == c.g && p[2] == c.b;
}

static bool is_set(const sc_raster *r, int x, int y)
{
    const uint8_t *p = r->pixels + (size_t)y * r->stride + (size_t)x * 3;
    return p[0] || p[1] || p[2];
}

static int count_set(const sc_raster *r)
{
    int n = 0;
    for (int y = 0; y < r->height; y++)
        for (int x = 0; x < r->width; x++)
            n += is_set(r, x, y);
    return n;
}

static void assert_padding_untouched(const sc_raster *r)
{
    for (int y = 0; y < r->height; y++)
        for (int i = 0; i < PAD; i++)
            assert_int_equal(r->pixels[(size_t)y * r->stride + (size_t)r->width * 3 + i], 0);
}

/* ---- canvas ---- */

static void test_fill(void **state)
{
    (void)state;
    sc_raster r = make_raster(7, 5);
    sc_draw_fill(&r, (sc_rgb){10, 20, 30});
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 7; x++)
            assert_true(is_colour(&r, x, y, (sc_rgb){10, 20, 30}));
    assert_padding_untouched(&r);
    sc_draw_fill(&r, (sc_rgb){9, 9, 9}); /* the memset path */
    assert_true(is_colour(&r, 6, 4, (sc_rgb){9, 9, 9}));
    assert_padding_untouched(&r);
    free_raster(&r);
}

static void test_pixel_clips(void **state)
{
    (void)state;
    sc_raster r = make_raster(4, 4);
    sc_draw_pixel(&r, -1, 0, RED);
    sc_draw_pixel(&r, 4, 0, RED);
    sc_draw_pixel(&r, 0, 4, RED);
    sc_draw_pixel(&r, INT_MIN, INT_MAX, RED);
    assert_int_equal(count_set(&r), 0);
    sc_draw_pixel(&r, 3, 2, RED);
    assert_true(is_colour(&r, 3, 2, RED));
    assert_int_equal(count_set(&r), 1);
    assert_padding_untouched(&r);
    free_raster(&r);
}

static void test_rect_clips_at_every_edge(void **state)
{
    (void)state;
    sc_raster r = make_raster(20, 20);

    sc_draw_rect(&r, -5, -5, 10, 10, RED); /* top-left corner: 5x5 visible */
    assert_int_equal(count_set(&r), 25);
    assert_true(is_colour(&r, 0, 0, RED));
    assert_true(is_colour(&r, 4, 4, RED));
    assert_false(is_set(&r, 5, 4));
    assert_false(is_set(&r, 4, 5));

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_rect(&r, 15, 17, 100, 100, RED); /* bottom-right: 5x3 visible */
    assert_int_equal(count_set(&r), 15);
    assert_true(is_colour(&r, 19, 19, RED));
    assert_false(is_set(&r, 14, 19));
    assert_false(is_set(&r, 19, 16));
    assert_padding_untouched(&r);

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_rect(&r, -100, 3, 50, 4, RED);  /* left of the raster */
    sc_draw_rect(&r, 20, 3, 50, 4, RED);    /* right */
    sc_draw_rect(&r, 3, -100, 4, 100, RED); /* above, ending at y = -1 */
    sc_draw_rect(&r, 3, 20, 4, 4, RED);     /* below */
    sc_draw_rect(&r, 3, 3, 0, 4, RED);      /* empty */
    sc_draw_rect(&r, 3, 3, 4, -4, RED);     /* negative */
    sc_draw_rect(&r, INT_MIN, INT_MIN, INT_MAX, INT_MAX, RED); /* ends at -1, -1 */
    assert_int_equal(count_set(&r), 0);

    sc_draw_rect(&r, -10, -10, INT_MAX, INT_MAX, RED); /* covers it all without overflow */
    assert_int_equal(count_set(&r), 400);
    sc_draw_rect(&r, INT_MAX, INT_MAX, INT_MAX, INT_MAX, GREEN);
    assert_true(is_colour(&r, 19, 19, RED));
    assert_padding_untouched(&r);
    free_raster(&r);
}

static void test_rect_outline(void **state)
{
    (void)state;
    sc_raster r = make_raster(10, 10);
    sc_draw_rect_outline(&r, 2, 3, 5, 4, RED);
    assert_true(is_colour(&r, 2, 3, RED));
    assert_true(is_colour(&r, 6, 3, RED));
    assert_true(is_colour(&r, 2, 6, RED));
    assert_true(is_colour(&r, 6, 6, RED));
    assert_false(is_set(&r, 3, 4)); /* interior */
    assert_false(is_set(&r, 7, 3)); /* just outside */
    assert_int_equal(count_set(&r), 2 * 5 + 2 * 2);

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_rect_outline(&r, -1, -1, 12, 12, RED); /* every side just off the raster */
    assert_int_equal(count_set(&r), 0);
    sc_draw_rect_outline(&r, -5, 0, INT_MAX, INT_MAX, RED); /* only the top edge shows */
    assert_int_equal(count_set(&r), 10);
    free_raster(&r);
}

static void test_line_endpoints_and_diagonal(void **state)
{
    (void)state;
    sc_raster r = make_raster(20, 20);
    sc_draw_line(&r, 0, 0, 9, 9, RED);
    assert_int_equal(count_set(&r), 10);
    for (int i = 0; i < 10; i++)
        assert_true(is_colour(&r, i, i, RED));

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_line(&r, 2, 3, 17, 11, RED);
    assert_true(is_set(&r, 2, 3));
    assert_true(is_set(&r, 17, 11));
    assert_int_equal(count_set(&r), 16); /* one pixel per column of an x-major line */

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_line(&r, 7, 7, 7, 7, RED);
    assert_int_equal(count_set(&r), 1);
    free_raster(&r);
}

/* Lines from the centre to points all around: endpoints drawn, one pixel per step along
 * the major axis, and every pixel touches the previous one (8-connected). */
static void test_line_all_octants(void **state)
{
    (void)state;
    static const int ends[][2] = {{19, 12}, {16, 19}, {12, 19}, {1, 19}, {0, 13}, {0, 5}, {2, 0}, {7, 0}, {13, 0}, {19, 1}, {19, 10}, {10, 0}};
    sc_raster r = make_raster(21, 21);
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        sc_draw_fill(&r, (sc_rgb){0, 0, 0});
        int x1 = ends[i][0], y1 = ends[i][1];
        sc_draw_line(&r, 10, 10, x1, y1, RED);
        int dx = abs(x1 - 10), dy = abs(y1 - 10);
        assert_true(is_set(&r, 10, 10));
        assert_true(is_set(&r, x1, y1));
        assert_int_equal(count_set(&r), (dx > dy ? dx : dy) + 1);
        /* every pixel has a lit 8-neighbour */
        for (int y = 0; y < 21; y++)
            for (int x = 0; x < 21; x++) {
                if (!is_set(&r, x, y))
                    continue;
                int neighbours = 0;
                for (int j = -1; j <= 1; j++)
                    for (int k = -1; k <= 1; k++)
                        if ((j || k) && x + k >= 0 && y + j >= 0 && x + k < 21 && y + j < 21)
                            neighbours += is_set(&r, x + k, y + j);
                assert_true(neighbours >= 1);
            }
    }
    free_raster(&r);
}

static void test_line_far_outside(void **state)
{
    (void)state;
    sc_raster r = make_raster(20, 20);
    sc_draw_line(&r, -1000000000, -1000000000, 1000000000, -999999995, RED);
    sc_draw_line(&r, INT_MIN, INT_MIN, INT_MAX, INT_MIN, RED);
    sc_draw_line(&r, INT_MAX, INT_MIN, INT_MAX, INT_MAX, RED);
    sc_draw_line(&r, -50, 30, 30, 110, RED); /* passes below-left of the raster */
    sc_draw_line(&r, 20, 0, 20, 19, RED);    /* one column past the right edge */
    assert_int_equal(count_set(&r), 0);

    /* crosses the raster: must clip quickly and draw only the visible part, near y = 2.5 */
    sc_draw_line(&r, -1000000000, 0, 1000000000, 5, RED);
    int n = count_set(&r);
    assert_in_range(n, 18, 20);
    for (int y = 0; y < 20; y++)
        for (int x = 0; x < 20; x++)
            if (is_set(&r, x, y))
                assert_in_range(y, 2, 3);

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_line(&r, INT_MIN, INT_MIN, INT_MAX, INT_MAX, RED); /* y = x through the raster */
    int diagonal = 0;
    for (int i = 0; i < 20; i++)
        diagonal += is_set(&r, i, i);
    assert_true(diagonal >= 18);
    assert_true(count_set(&r) <= 22);
    assert_padding_untouched(&r);
    free_raster(&r);
}

static void test_dotted_lines(void **state)
{
    (void)state;
    sc_raster r = make_raster(20, 20);
    sc_draw_dotted_hline(&r, 0, 19, 5, 4, RED);
    for (int x = 0; x < 20; x++)
        assert_int_equal(is_set(&r, x, 5), x % 4 == 0);
    assert_int_equal(count_set(&r), 5);

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_dotted_hline(&r, 30, -3, 7, 4, RED); /* reversed, starting off the raster */
    for (int x = 0; x < 20; x++)
        assert_int_equal(is_set(&r, x, 7), (x + 3) % 4 == 0);
    assert_int_equal(count_set(&r), 5); /* 1, 5, 9, 13, 17 */

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_dotted_vline(&r, 3, 2, 12, 5, RED);
    assert_true(is_set(&r, 3, 2));
    assert_true(is_set(&r, 3, 7));
    assert_true(is_set(&r, 3, 12));
    assert_false(is_set(&r, 3, 4));
    assert_int_equal(count_set(&r), 3);

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_dotted_vline(&r, 3, INT_MIN, INT_MAX, 3, RED); /* huge span: clipped, not looped */
    sc_draw_dotted_hline(&r, INT_MIN, INT_MAX, 0, 0, RED); /* step 0 behaves as 1 */
    sc_draw_dotted_hline(&r, 0, 19, -1, 1, RED);           /* off the raster */
    sc_draw_dotted_vline(&r, 20, 0, 19, 1, RED);
    for (int x = 0; x < 20; x++)
        assert_true(is_set(&r, x, 0));
    /* INT_MIN is 1 modulo 3, so the dots in rows 1..19 fall on 1, 4, 7, ..., 19 */
    for (int y = 1; y < 20; y++)
        assert_int_equal(is_set(&r, 3, y), y % 3 == 1);
    assert_padding_untouched(&r);
    free_raster(&r);
}

/* ---- font ---- */

static void test_text_width(void **state)
{
    (void)state;
    assert_int_equal(sc_text_width("abc", 1), 18);
    assert_int_equal(sc_text_width("abc", 3), 54);
    assert_int_equal(sc_text_width("ab\nlonger\nx", 2), 6 * SC_FONT_CELL_W * 2);
    assert_int_equal(sc_text_width("", 1), 0);
    assert_int_equal(sc_text_width(NULL, 1), 0);
    assert_int_equal(sc_text_width("ab", 0), 12); /* scale below 1 is taken as 1 */
    sc_raster r = make_raster(8, 8);
    assert_int_equal(sc_draw_text(&r, 0, 0, "hello\nhi", WHITE, 1), 30);
    free_raster(&r);
}

/* 'A' is ".###." / "#...#" / "#...#" / "#####" / "#...#" / "#...#" / "#...#". */
static void test_glyph_pattern(void **state)
{
    (void)state;
    static const char *const A[7] = {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"};
    sc_raster r = make_raster(SC_FONT_CELL_W, SC_FONT_CELL_H);
    sc_draw_text(&r, 0, 0, "A", WHITE, 1);
    for (int y = 0; y < SC_FONT_CELL_H; y++)
        for (int x = 0; x < SC_FONT_CELL_W; x++) {
            bool want = y < 7 && x < 5 && A[y][x] == '#';
            assert_int_equal(is_set(&r, x, y), want);
        }
    free_raster(&r);

    r = make_raster(12, 16);
    sc_draw_text(&r, 0, 0, "A", RED, 2);
    assert_false(is_set(&r, 0, 0));
    assert_false(is_set(&r, 1, 1));
    assert_true(is_colour(&r, 2, 0, RED));
    assert_true(is_colour(&r, 3, 1, RED));
    assert_true(is_colour(&r, 0, 6, RED)); /* row 3 is solid */
    assert_true(is_colour(&r, 9, 7, RED));
    assert_false(is_set(&r, 4, 12)); /* inside the legs */
    assert_int_equal(count_set(&r), 4 * 18); /* 18 font pixels in 'A', each 2x2 */
    free_raster(&r);
}

static void test_text_newline_and_unprintable(void **state)
{
    (void)state;
    sc_raster a = make_raster(12, 16), b = make_raster(12, 16);
    sc_draw_text(&a, 0, 0, "\x01\xff\nA", WHITE, 1);
    sc_draw_text(&b, 0, 0, "??", WHITE, 1);
    sc_draw_text(&b, 0, 8, "A", WHITE, 1);
    assert_memory_equal(a.pixels, b.pixels, a.stride * 16);
    assert_true(is_set(&a, 0, 9)); /* 'A' row 1 on the second line */
    free_raster(&a);
    free_raster(&b);
}

static void test_text_clips_at_border(void **state)
{
    (void)state;
    static const char *const A[7] = {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"};
    sc_raster r = make_raster(4, 5);
    sc_draw_text(&r, -2, -3, "A", WHITE, 1);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 4; x++) {
            int gx = x + 2, gy = y + 3;
            bool want = gy < 7 && gx < 5 && A[gy][gx] == '#';
            assert_int_equal(is_set(&r, x, y), want);
        }
    assert_padding_untouched(&r);

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_text(&r, 3, 4, "AAAA", WHITE, 1); /* only the top-left corner of the first 'A' */
    assert_int_equal(count_set(&r), 0);        /* 'A' row 0, column 0 is off */
    sc_draw_text(&r, 2, 4, "A", WHITE, 1);
    assert_true(is_set(&r, 3, 4)); /* row 0, column 1; column 2 falls off the right */
    assert_int_equal(count_set(&r), 1);
    assert_padding_untouched(&r);

    sc_draw_fill(&r, (sc_rgb){0, 0, 0});
    sc_draw_text(&r, INT_MAX - 5, 0, "AAAAAAAA", WHITE, 1000);
    sc_draw_text(&r, INT_MIN, INT_MIN, "AAAAAAAA\nAAAA", WHITE, INT_MAX);
    sc_draw_text(&r, 0, INT_MAX, "A\nA", WHITE, 3);
    sc_draw_text(NULL, 0, 0, "A", WHITE, 1);
    assert_int_equal(count_set(&r), 0);
    free_raster(&r);
}

/* ---- scopesim's screen ---- */

static int count_colour_in(const sc_raster *r, sc_rgb c, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            n += is_colour(r, x, y, c);
    return n;
}

/* Visible pixels only: the painter never touches row padding, so that may differ. */
static bool same_pixels(const sc_raster *a, const sc_raster *b)
{
    for (int y = 0; y < a->height; y++)
        if (memcmp(a->pixels + (size_t)y * a->stride, b->pixels + (size_t)y * b->stride, (size_t)a->width * 3))
            return false;
    return true;
}

static void test_screen_deterministic(void **state)
{
    (void)state;
    sim_screen_style s;
    sim_screen_style_default(&s);
    assert_int_equal(s.width, 800);
    assert_int_equal(s.height, 480);
    sc_raster a = make_raster(s.width, s.height), b = make_raster(s.width, s.height);

    sim_draw_screen(&a, &s, 1, 0);
    memset(b.pixels, 0x55, b.stride * (size_t)b.height);
    sim_draw_screen(&b, &s, 1, 0);
    assert_true(same_pixels(&a, &b));

    sim_draw_screen(&b, &s, 2, 0);
    assert_false(same_pixels(&a, &b));
    sim_draw_screen(&b, &s, 1, 1.0 / 30);
    assert_false(same_pixels(&a, &b));
    sim_draw_screen(&a, &s, 1, 1.0 / 30);
    assert_true(same_pixels(&a, &b));
    free_raster(&a);
    free_raster(&b);
}

static void test_screen_content(void **state)
{
    (void)state;
    sim_screen_style s;
    sim_screen_style_default(&s);
    sc_raster r = make_raster(s.width, s.height);
    for (uint32_t seed = 1; seed <= 5; seed++) {
        sim_draw_screen(&r, &s, seed, seed * 0.7);
        assert_true(is_colour(&r, 0, 0, (sc_rgb){0, 0, 0}));
        assert_true(is_colour(&r, r.width - 1, r.height - 1, (sc_rgb){0, 0, 0}));
        /* the waveform area of the 800x480 layout, markers and bars excluded */
        for (int ch = 0; ch < 4; ch++) {
            int n = count_colour_in(&r, s.channel_colours[ch], 30, 50, 680, 420);
            assert_true(n > 300);
        }
    }
    assert_padding_untouched(&r);

    /* two channels on: CH3 and CH4 do not appear anywhere */
    s.channels = 2;
    sim_draw_screen(&r, &s, 1, 0);
    assert_true(count_colour_in(&r, s.channel_colours[0], 30, 50, 680, 420) > 300);
    assert_int_equal(count_colour_in(&r, s.channel_colours[2], 0, 0, r.width, r.height), 0);
    assert_int_equal(count_colour_in(&r, s.channel_colours[3], 0, 0, r.width, r.height), 0);
    free_raster(&r);
}

static bool same_rgb(sc_rgb a, sc_rgb b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* Every maker's look (models.h) paints its own screen, so a model decoded with another's
 * colours or layout, or with channels swapped, shows: no two looks give the same pixels,
 * and within a look the four channels and the background are five different colours,
 * each channel visibly drawn. */
static void test_every_look_is_its_own(void **state)
{
    (void)state;
    enum { W = 800, H = 480 };
    sc_raster r[SIM_LOOK_COUNT];
    for (int look = 0; look < SIM_LOOK_COUNT; look++) {
        sim_screen_style s;
        sim_screen_style_look(&s, look);
        s.brand = "BRAND";
        s.model = "MODEL";
        for (int a = 0; a < 4; a++) {
            if (same_rgb(s.channel_colours[a], s.background))
                fail_msg("look %d: channel %d has the background colour", look, a + 1);
            for (int b = a + 1; b < 4; b++)
                if (same_rgb(s.channel_colours[a], s.channel_colours[b]))
                    fail_msg("look %d: channels %d and %d share a colour", look, a + 1, b + 1);
        }
        r[look] = make_raster(W, H);
        sim_draw_screen(&r[look], &s, 1, 0);
        for (int ch = 0; ch < 4; ch++)
            if (count_colour_in(&r[look], s.channel_colours[ch], 0, 0, W, H) <= 300)
                fail_msg("look %d: channel %d hardly drawn", look, ch + 1);
        assert_padding_untouched(&r[look]);
        for (int other = 0; other < look; other++)
            if (same_pixels(&r[look], &r[other]))
                fail_msg("looks %d and %d paint the same screen", other, look);
    }
    for (int look = 0; look < SIM_LOOK_COUNT; look++)
        free_raster(&r[look]);
}

static void test_screen_odd_sizes(void **state)
{
    (void)state;
    sim_screen_style s;
    sim_screen_style_default(&s);
    static const int sizes[][2] = {{1, 1}, {3, 200}, {64, 48}, {320, 240}, {1024, 600}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        sc_raster r = make_raster(sizes[i][0], sizes[i][1]);
        sim_draw_screen(&r, &s, 7, 1e300);
        sim_draw_screen(&r, &s, 7, -3.5);
        assert_padding_untouched(&r);
        free_raster(&r);
    }
    s.divisions_x = 1000000;
    s.divisions_y = -4;
    s.channels = 99;
    s.brand = NULL;
    s.model = NULL;
    sc_raster r = make_raster(800, 480);
    sim_draw_screen(&r, &s, 3, 0);
    assert_padding_untouched(&r);
    free_raster(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_pixel_clips),
        cmocka_unit_test(test_rect_clips_at_every_edge),
        cmocka_unit_test(test_rect_outline),
        cmocka_unit_test(test_line_endpoints_and_diagonal),
        cmocka_unit_test(test_line_all_octants),
        cmocka_unit_test(test_line_far_outside),
        cmocka_unit_test(test_dotted_lines),
        cmocka_unit_test(test_text_width),
        cmocka_unit_test(test_glyph_pattern),
        cmocka_unit_test(test_text_newline_and_unprintable),
        cmocka_unit_test(test_text_clips_at_border),
        cmocka_unit_test(test_screen_deterministic),
        cmocka_unit_test(test_screen_content),
        cmocka_unit_test(test_screen_odd_sizes),
        cmocka_unit_test(test_every_look_is_its_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
