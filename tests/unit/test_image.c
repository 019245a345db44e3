/* PNG and JPEG codecs, lightness inversion, darkness, format names and dispatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "scopecap/image.h"

/* ---- helpers ---- */

static uint8_t *px(const sc_raster *r, int x, int y)
{
    return r->pixels + (size_t)y * r->stride + 3 * (size_t)x;
}

static void assert_pixel(const sc_raster *r, int x, int y, uint8_t cr, uint8_t cg, uint8_t cb)
{
    const uint8_t *p = px(r, x, y);
    if (p[0] != cr || p[1] != cg || p[2] != cb)
        fail_msg("pixel (%d,%d) is %u,%u,%u, expected %u,%u,%u", x, y, p[0], p[1], p[2], cr, cg, cb);
}

static void fill(sc_raster *r, uint8_t cr, uint8_t cg, uint8_t cb)
{
    for (int y = 0; y < r->height; y++)
        for (int x = 0; x < r->width; x++) {
            uint8_t *p = px(r, x, y);
            p[0] = cr;
            p[1] = cg;
            p[2] = cb;
        }
}

static void fill_pattern(sc_raster *r)
{
    for (int y = 0; y < r->height; y++)
        for (int x = 0; x < r->width; x++) {
            uint8_t *p = px(r, x, y);
            p[0] = (uint8_t)(x * 37 + y * 11);
            p[1] = (uint8_t)(x * 5 + y * 91 + 7);
            p[2] = (uint8_t)(x ^ (y * 3));
        }
}

/* Black screen, grid dots, four coloured traces: what scopes send. */
static void fill_screenshot(sc_raster *r)
{
    fill(r, 0, 0, 0);
    for (int y = 20; y < r->height; y += 10)
        for (int x = 0; x < r->width; x += 10)
            memset(px(r, x, y), 110, 3);
    static const uint8_t colours[4][3] = {{255, 255, 0}, {0, 255, 255}, {255, 0, 255}, {40, 110, 255}};
    for (int t = 0; t < 4; t++)
        for (int x = 0; x < r->width; x++) {
            int y = 40 + t * (r->height / 5) + (x / 7 + t) % 23;
            if (y < r->height)
                memcpy(px(r, x, y), colours[t], 3);
        }
}

static void assert_same_raster(const sc_raster *a, const sc_raster *b)
{
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    for (int y = 0; y < a->height; y++)
        assert_memory_equal(px(a, 0, y), px(b, 0, y), (size_t)a->width * 3);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Write an arbitrary PNG with libpng directly, to test the decoder's conversions. */
typedef struct png_spec {
    int width, height, color_type, bit_depth, interlace;
    const uint8_t *rows; /* packed rows, row_bytes each */
    size_t row_bytes;
    const png_color *palette;
    int palette_len;
    const uint8_t *trns; /* palette alpha */
    int trns_len;
} png_spec;

static void collect(png_structp png, png_bytep data, size_t n)
{
    sc_buf *b = png_get_io_ptr(png);
    assert_int_equal(sc_buf_append(b, data, n, NULL), SC_OK);
}

static void no_flush(png_structp png)
{
    (void)png;
}

static void write_png(const png_spec *s, sc_buf *out)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    png_set_write_fn(png, out, collect, no_flush);
    png_set_IHDR(png, info, (uint32_t)s->width, (uint32_t)s->height, s->bit_depth, s->color_type, s->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (s->palette)
        png_set_PLTE(png, info, s->palette, s->palette_len);
    if (s->trns)
        png_set_tRNS(png, info, s->trns, s->trns_len, NULL);
    png_write_info(png, info);
    png_bytep rows[64];
    assert_true(s->height <= 64);
    for (int y = 0; y < s->height; y++)
        rows[y] = (png_bytep)(s->rows + (size_t)y * s->row_bytes);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
}

static sc_raster decode_spec(const png_spec *s)
{
    sc_buf b;
    sc_buf_init(&b, 0);
    write_png(s, &b);
    sc_raster r;
    sc_error err;
    sc_status st = sc_png_decode(b.data, b.len, &r, &err);
    if (st != SC_OK)
        fail_msg("decode failed: %s", err.message);
    sc_buf_free(&b);
    return r;
}

/* ---- PNG ---- */

static void png_round_trip(sc_raster *in)
{
    sc_buf b;
    sc_buf_init(&b, 0);
    sc_error err;
    assert_int_equal(sc_png_encode(in, &b, &err), SC_OK);
    assert_memory_equal(b.data, "\x89PNG\r\n\x1a\n", 8);
    sc_raster out;
    assert_int_equal(sc_png_decode(b.data, b.len, &out, &err), SC_OK);
    assert_same_raster(in, &out);
    sc_raster_free(&out);
    sc_buf_free(&b);
}

static void test_png_round_trip(void **state)
{
    (void)state;
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, 37, 23, NULL), SC_OK);
    fill_pattern(&r);
    png_round_trip(&r);
    sc_raster_free(&r);
    assert_int_equal(sc_raster_alloc(&r, 800, 480, NULL), SC_OK);
    fill_screenshot(&r);
    png_round_trip(&r);
    sc_raster_free(&r);
    assert_int_equal(sc_raster_alloc(&r, 1, 1, NULL), SC_OK);
    fill(&r, 1, 2, 3);
    png_round_trip(&r);
    sc_raster_free(&r);
}

static void test_png_screenshot_compresses(void **state)
{
    (void)state;
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, 800, 480, NULL), SC_OK);
    fill_screenshot(&r);
    sc_buf b;
    sc_buf_init(&b, 0);
    assert_int_equal(sc_png_encode(&r, &b, NULL), SC_OK);
    /* 1.15 MB of pixels; a flat screenshot must shrink by far more than 10x. */
    if (b.len > 800 * 480 * 3 / 20)
        fail_msg("800x480 screenshot encoded to %zu bytes", b.len);
    sc_buf_free(&b);
    sc_raster_free(&r);
}

static void test_png_encode_failure_leaves_buffer(void **state)
{
    (void)state;
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, 64, 64, NULL), SC_OK);
    fill_pattern(&r);
    sc_buf b;
    sc_buf_init(&b, 100); /* far too small */
    sc_error err;
    assert_int_equal(sc_buf_append(&b, "abc", 3, &err), SC_OK);
    assert_int_equal(sc_png_encode(&r, &b, &err), SC_ERR_TOO_LARGE);
    assert_int_equal(b.len, 3);
    sc_buf_free(&b);
    sc_raster_free(&r);

    sc_raster empty = {0};
    sc_buf_init(&b, 0);
    assert_int_equal(sc_png_encode(&empty, &b, &err), SC_ERR_USAGE);
    sc_buf_free(&b);
}

static void test_png_gray_and_palette(void **state)
{
    (void)state;
    static const uint8_t gray8[2] = {0, 200};
    png_spec g8 = {.width = 2, .height = 1, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 8, .rows = gray8, .row_bytes = 2};
    sc_raster r = decode_spec(&g8);
    assert_pixel(&r, 0, 0, 0, 0, 0);
    assert_pixel(&r, 1, 0, 200, 200, 200);
    sc_raster_free(&r);

    static const uint8_t gray1[1] = {0xa0}; /* 1,0,1 */
    png_spec g1 = {.width = 3, .height = 1, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 1, .rows = gray1, .row_bytes = 1};
    r = decode_spec(&g1);
    assert_pixel(&r, 0, 0, 255, 255, 255);
    assert_pixel(&r, 1, 0, 0, 0, 0);
    assert_pixel(&r, 2, 0, 255, 255, 255);
    sc_raster_free(&r);

    static const png_color pal[4] = {{0, 0, 0}, {255, 255, 0}, {0, 255, 255}, {12, 34, 56}};
    static const uint8_t idx2[1] = {0x1b}; /* 0,1,2,3 at 2 bits each */
    png_spec p2 = {.width = 4, .height = 1, .color_type = PNG_COLOR_TYPE_PALETTE, .bit_depth = 2, .rows = idx2,
                   .row_bytes = 1, .palette = pal, .palette_len = 4};
    r = decode_spec(&p2);
    assert_pixel(&r, 0, 0, 0, 0, 0);
    assert_pixel(&r, 1, 0, 255, 255, 0);
    assert_pixel(&r, 2, 0, 0, 255, 255);
    assert_pixel(&r, 3, 0, 12, 34, 56);
    sc_raster_free(&r);

    /* Palette transparency: composited on black. */
    static const uint8_t alpha[4] = {255, 0, 255, 128};
    p2.trns = alpha;
    p2.trns_len = 4;
    r = decode_spec(&p2);
    assert_pixel(&r, 1, 0, 0, 0, 0);
    assert_pixel(&r, 2, 0, 0, 255, 255);
    assert_pixel(&r, 3, 0, 6, 17, 28);
    sc_raster_free(&r);
}

static void test_png_alpha_and_16bit(void **state)
{
    (void)state;
    static const uint8_t rgba[12] = {255, 0, 0, 128, 10, 20, 30, 255, 200, 200, 200, 0};
    png_spec a = {.width = 3, .height = 1, .color_type = PNG_COLOR_TYPE_RGB_ALPHA, .bit_depth = 8, .rows = rgba, .row_bytes = 12};
    sc_raster r = decode_spec(&a);
    assert_pixel(&r, 0, 0, 128, 0, 0);
    assert_pixel(&r, 1, 0, 10, 20, 30);
    assert_pixel(&r, 2, 0, 0, 0, 0);
    sc_raster_free(&r);

    static const uint8_t ga[4] = {100, 255, 100, 51};
    png_spec g = {.width = 2, .height = 1, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA, .bit_depth = 8, .rows = ga, .row_bytes = 4};
    r = decode_spec(&g);
    assert_pixel(&r, 0, 0, 100, 100, 100);
    assert_pixel(&r, 1, 0, 20, 20, 20);
    sc_raster_free(&r);

    static const uint8_t rgb16[12] = {0xff, 0xff, 0x80, 0x80, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01, 0xfe, 0xff};
    png_spec s16 = {.width = 2, .height = 1, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 16, .rows = rgb16, .row_bytes = 12};
    r = decode_spec(&s16);
    assert_pixel(&r, 0, 0, 255, 128, 0);
    assert_pixel(&r, 1, 0, 0x12, 0, 0xfe);
    sc_raster_free(&r);
}

static void test_png_interlaced(void **state)
{
    (void)state;
    uint8_t rows[9 * 27];
    for (size_t i = 0; i < sizeof rows; i++)
        rows[i] = (uint8_t)(i * 7 + 3);
    png_spec plain = {.width = 9, .height = 9, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8, .rows = rows, .row_bytes = 27};
    png_spec adam7 = plain;
    adam7.interlace = PNG_INTERLACE_ADAM7;
    sc_raster a = decode_spec(&plain);
    sc_raster b = decode_spec(&adam7);
    assert_same_raster(&a, &b);
    assert_memory_equal(px(&a, 0, 0), rows, 27);
    assert_memory_equal(px(&b, 0, 8), rows + 8 * 27, 27);
    sc_raster_free(&a);
    sc_raster_free(&b);
}

static void encode_pattern_png(sc_buf *b, int w, int h)
{
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, w, h, NULL), SC_OK);
    fill_pattern(&r);
    sc_buf_init(b, 0);
    assert_int_equal(sc_png_encode(&r, b, NULL), SC_OK);
    sc_raster_free(&r);
}

static void test_png_truncated_fails(void **state)
{
    (void)state;
    sc_buf b;
    encode_pattern_png(&b, 17, 9);
    for (size_t n = 0; n < b.len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, b.data, n);
        sc_raster r = {.width = 5, .pixels = (uint8_t *)1};
        sc_error err;
        sc_status st = sc_png_decode(cut, n, &r, &err);
        if (st != SC_ERR_FORMAT)
            fail_msg("a %zu-byte cut of a %zu-byte PNG gave status %d", n, b.len, (int)st);
        assert_null(r.pixels);
        assert_true(strncmp(err.message, "PNG: ", 5) == 0);
        free(cut);
    }
    /* Trailing bytes after IEND (Siglent, Rigol) are fine. */
    assert_int_equal(sc_buf_append(&b, "\n\0", 2, NULL), SC_OK);
    sc_raster r;
    assert_int_equal(sc_png_decode(b.data, b.len, &r, NULL), SC_OK);
    sc_raster_free(&r);
    sc_buf_free(&b);
}

static void test_png_corrupt_fails(void **state)
{
    (void)state;
    sc_buf b;
    encode_pattern_png(&b, 17, 9);
    sc_raster r;
    sc_error err;
    /* IHDR is at 8; the first IDAT follows at 33. Damage its data: CRC mismatch. */
    assert_memory_equal(b.data + 37, "IDAT", 4);
    b.data[45] ^= 0x55;
    assert_int_equal(sc_png_decode(b.data, b.len, &r, &err), SC_ERR_FORMAT);
    assert_null(r.pixels);
    b.data[45] ^= 0x55;

    b.data[1] = 'X';
    assert_int_equal(sc_png_decode(b.data, b.len, &r, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "signature"));
    b.data[1] = 'P';

    /* A header that lies about the size, with its CRC fixed up so only the lie remains. */
    uint8_t *ihdr = b.data + 8;
    put_be32(ihdr + 8, 16384);
    put_be32(ihdr + 12, 16384);
    put_be32(ihdr + 21, crc32_of(ihdr + 4, 17));
    assert_int_equal(sc_png_decode(b.data, b.len, &r, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "truncated"));
    put_be32(ihdr + 8, 20000);
    put_be32(ihdr + 21, crc32_of(ihdr + 4, 17));
    assert_int_not_equal(sc_png_decode(b.data, b.len, &r, &err), SC_OK);
    assert_null(r.pixels);
    sc_buf_free(&b);
}

/* ---- JPEG ---- */

static void test_jpeg_round_trip_flat(void **state)
{
    (void)state;
    sc_raster in, out;
    assert_int_equal(sc_raster_alloc(&in, 64, 48, NULL), SC_OK);
    fill(&in, 200, 40, 90);
    sc_buf b;
    sc_buf_init(&b, 0);
    sc_error err;
    assert_int_equal(sc_jpeg_encode(&in, 90, &b, &err), SC_OK);
    assert_true(b.len > 100);
    assert_int_equal(b.data[0], 0xff);
    assert_int_equal(b.data[1], 0xd8);
    assert_int_equal(sc_jpeg_decode(b.data, b.len, &out, &err), SC_OK);
    assert_int_equal(out.width, 64);
    assert_int_equal(out.height, 48);
    static const int want[3] = {200, 40, 90};
    for (int y = 0; y < out.height; y++)
        for (int x = 0; x < out.width; x++)
            for (int c = 0; c < 3; c++) {
                int d = px(&out, x, y)[c] - want[c];
                if (d < -3 || d > 3)
                    fail_msg("pixel (%d,%d) channel %d is %d, expected %d +-3", x, y, c, px(&out, x, y)[c], want[c]);
            }
    sc_raster_free(&out);

    /* Through the dispatcher too. */
    assert_int_equal(sc_image_decode(b.data, b.len, &out, &err), SC_OK);
    assert_int_equal(out.width, 64);
    sc_raster_free(&out);
    sc_buf_free(&b);
    sc_raster_free(&in);
}

static void test_jpeg_bad_input(void **state)
{
    (void)state;
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, 40, 30, NULL), SC_OK);
    fill_pattern(&r);
    sc_buf b;
    sc_buf_init(&b, 0);
    sc_error err;
    assert_int_equal(sc_jpeg_encode(&r, 0, &b, &err), SC_ERR_USAGE);
    assert_int_equal(sc_jpeg_encode(&r, 101, &b, &err), SC_ERR_USAGE);
    assert_int_equal(b.len, 0);
    assert_int_equal(sc_jpeg_encode(&r, 75, &b, &err), SC_OK);
    sc_raster_free(&r);

    sc_raster out = {.pixels = (uint8_t *)1};
    assert_int_equal(sc_jpeg_decode((const uint8_t *)"\xff\xd8\xff\xe0garbage", 11, &out, &err), SC_ERR_FORMAT);
    assert_null(out.pixels);
    assert_int_equal(sc_jpeg_decode((const uint8_t *)"GIF89a", 6, &out, &err), SC_ERR_FORMAT);
    /* Cut in half: libjpeg only warns, we refuse. */
    assert_int_equal(sc_jpeg_decode(b.data, b.len / 2, &out, &err), SC_ERR_FORMAT);
    assert_null(out.pixels);

    /* Patch the frame header to claim 20000x20000: refused before allocating. */
    size_t sof = 0;
    for (size_t i = 2; i + 9 < b.len; i++)
        if (b.data[i] == 0xff && b.data[i + 1] == 0xc0) {
            sof = i;
            break;
        }
    assert_true(sof > 0);
    b.data[sof + 5] = 20000 >> 8;
    b.data[sof + 6] = 20000 & 0xff;
    b.data[sof + 7] = 20000 >> 8;
    b.data[sof + 8] = 20000 & 0xff;
    assert_int_equal(sc_jpeg_decode(b.data, b.len, &out, &err), SC_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "20000x20000"));
    sc_buf_free(&b);
}

/* ---- raster operations ---- */

static void test_invert_lightness(void **state)
{
    (void)state;
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, 6, 1, NULL), SC_OK);
    static const uint8_t in[6][3] = {{0, 0, 0}, {255, 255, 255}, {255, 255, 0}, {0, 0, 128}, {100, 100, 100}, {255, 0, 0}};
    for (int i = 0; i < 6; i++)
        memcpy(px(&r, i, 0), in[i], 3);
    sc_raster_invert_lightness(&r);
    assert_pixel(&r, 0, 0, 255, 255, 255); /* black -> white */
    assert_pixel(&r, 1, 0, 0, 0, 0);       /* white -> black */
    assert_pixel(&r, 2, 0, 255, 255, 0);   /* yellow trace stays yellow */
    assert_pixel(&r, 3, 0, 127, 127, 255); /* dark blue -> light blue */
    assert_pixel(&r, 4, 0, 155, 155, 155); /* grey mirrors */
    assert_pixel(&r, 5, 0, 255, 0, 0);     /* saturated red keeps its hue */
    /* Twice is the identity. */
    sc_raster_invert_lightness(&r);
    for (int i = 0; i < 6; i++)
        assert_pixel(&r, i, 0, in[i][0], in[i][1], in[i][2]);
    sc_raster_free(&r);
}

static void test_is_dark(void **state)
{
    (void)state;
    sc_raster r;
    assert_int_equal(sc_raster_alloc(&r, 800, 480, NULL), SC_OK);
    assert_true(sc_raster_is_dark(&r)); /* calloc: all black */
    fill_screenshot(&r);
    assert_true(sc_raster_is_dark(&r));
    sc_raster_invert_lightness(&r);
    assert_false(sc_raster_is_dark(&r));
    fill(&r, 255, 255, 255);
    assert_false(sc_raster_is_dark(&r));
    fill(&r, 0, 0, 90); /* deep blue background (some Keysight themes) */
    assert_true(sc_raster_is_dark(&r));
    sc_raster_free(&r);
    assert_int_equal(sc_raster_alloc(&r, 1, 1, NULL), SC_OK);
    assert_true(sc_raster_is_dark(&r));
    sc_raster_free(&r);
    sc_raster empty = {0};
    assert_false(sc_raster_is_dark(&empty));
}

static void test_raster_alloc_limits(void **state)
{
    (void)state;
    sc_raster r;
    sc_error err;
    assert_int_equal(sc_raster_alloc(&r, 0, 10, &err), SC_ERR_TOO_LARGE);
    assert_null(r.pixels);
    assert_int_equal(sc_raster_alloc(&r, 10, -1, &err), SC_ERR_TOO_LARGE);
    assert_int_equal(sc_raster_alloc(&r, SC_IMAGE_MAX_DIMENSION + 1, 1, &err), SC_ERR_TOO_LARGE);
    assert_int_equal(sc_raster_alloc(&r, 1, 0x7fffffff, &err), SC_ERR_TOO_LARGE);
    assert_int_equal(sc_raster_alloc(&r, 5, 3, &err), SC_OK);
    assert_int_equal(r.stride, 15);
    assert_int_equal(r.pixels[14], 0);
    sc_raster_free(&r);
    assert_null(r.pixels);
    sc_raster_free(&r); /* twice is harmless */
}

/* ---- formats ---- */

static void test_format_parse(void **state)
{
    (void)state;
    sc_image_format f;
    bool raw = true;
    sc_error err;
    assert_int_equal(sc_image_format_parse("png", &f, &raw, &err), SC_OK);
    assert_int_equal(f, SC_IMAGE_PNG);
    assert_false(raw);
    assert_int_equal(sc_image_format_parse("BMP", &f, &raw, &err), SC_OK);
    assert_int_equal(f, SC_IMAGE_BMP);
    assert_int_equal(sc_image_format_parse("jpeg", &f, &raw, &err), SC_OK);
    assert_int_equal(f, SC_IMAGE_JPEG);
    assert_int_equal(sc_image_format_parse("jpg", &f, &raw, &err), SC_OK);
    assert_int_equal(f, SC_IMAGE_JPEG);
    assert_int_equal(sc_image_format_parse("raw", &f, &raw, &err), SC_OK);
    assert_int_equal(f, SC_IMAGE_UNKNOWN);
    assert_true(raw);
    assert_int_equal(sc_image_format_parse("gif", &f, &raw, &err), SC_ERR_USAGE);
    assert_false(raw);
    assert_non_null(strstr(err.message, "'gif'"));
    assert_non_null(strstr(err.message, "png, bmp, jpeg, jpg or raw"));
    assert_int_equal(sc_image_format_parse("", &f, &raw, &err), SC_ERR_USAGE);
    assert_int_equal(sc_image_format_parse("pn\x1bg", &f, &raw, &err), SC_ERR_USAGE);
    assert_null(strchr(err.message, 0x1b)); /* control bytes never reach the terminal */
}

static void test_format_from_path(void **state)
{
    (void)state;
    assert_int_equal(sc_image_format_from_path("shot.png"), SC_IMAGE_PNG);
    assert_int_equal(sc_image_format_from_path("/tmp/a.b/SHOT.PNG"), SC_IMAGE_PNG);
    assert_int_equal(sc_image_format_from_path("x.bmp"), SC_IMAGE_BMP);
    assert_int_equal(sc_image_format_from_path("x.Jpg"), SC_IMAGE_JPEG);
    assert_int_equal(sc_image_format_from_path("x.jpeg"), SC_IMAGE_JPEG);
    assert_int_equal(sc_image_format_from_path("x.gif"), SC_IMAGE_UNKNOWN);
    assert_int_equal(sc_image_format_from_path("noext"), SC_IMAGE_UNKNOWN);
    assert_int_equal(sc_image_format_from_path("dir.png/file"), SC_IMAGE_UNKNOWN);
    assert_int_equal(sc_image_format_from_path("x.png.txt"), SC_IMAGE_UNKNOWN);
    assert_int_equal(sc_image_format_from_path("-"), SC_IMAGE_UNKNOWN);
    assert_int_equal(sc_image_format_from_path(NULL), SC_IMAGE_UNKNOWN);
}

static void test_format_names(void **state)
{
    (void)state;
    assert_string_equal(sc_image_format_name(SC_IMAGE_PNG), "png");
    assert_string_equal(sc_image_format_name(SC_IMAGE_BMP), "bmp");
    assert_string_equal(sc_image_format_name(SC_IMAGE_JPEG), "jpeg");
    assert_string_equal(sc_image_format_name(SC_IMAGE_GIF), "gif");
    assert_string_equal(sc_image_format_name(SC_IMAGE_TIFF), "tiff");
    assert_string_equal(sc_image_format_name(SC_IMAGE_UNKNOWN), "unknown");
    assert_string_equal(sc_image_format_name((sc_image_format)99), "unknown");
    assert_string_equal(sc_image_format_extension(SC_IMAGE_PNG), "png");
    assert_string_equal(sc_image_format_extension(SC_IMAGE_JPEG), "jpg");
    assert_string_equal(sc_image_format_extension(SC_IMAGE_BMP), "bmp");
}

static void test_decode_dispatch(void **state)
{
    (void)state;
    sc_raster in, out;
    assert_int_equal(sc_raster_alloc(&in, 7, 5, NULL), SC_OK);
    fill_pattern(&in);
    static const sc_image_format lossless[2] = {SC_IMAGE_PNG, SC_IMAGE_BMP};
    for (int i = 0; i < 2; i++) {
        sc_buf b;
        sc_buf_init(&b, 0);
        assert_int_equal(sc_image_encode(&in, lossless[i], &b, NULL), SC_OK);
        assert_int_equal(sc_image_decode(b.data, b.len, &out, NULL), SC_OK);
        assert_same_raster(&in, &out);
        sc_raster_free(&out);
        sc_buf_free(&b);
    }
    sc_buf b;
    sc_buf_init(&b, 0);
    sc_error err;
    assert_int_equal(sc_image_encode(&in, SC_IMAGE_JPEG, &b, &err), SC_OK);
    assert_int_equal(b.data[0], 0xff);
    assert_int_equal(sc_image_encode(&in, SC_IMAGE_GIF, &b, &err), SC_ERR_UNSUPPORTED);
    sc_buf_free(&b);
    sc_raster_free(&in);

    static const uint8_t gif[16] = "GIF89a\x01\x00\x01\x00\x00\x00\x00\x00\x00";
    assert_int_equal(sc_image_decode(gif, sizeof gif, &out, &err), SC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "47 49 46 38 39 61"));
    static const uint8_t tiff[16] = "II*\0\x08\0\0\0\0\0\0\0\0\0\0";
    assert_int_equal(sc_image_decode(tiff, sizeof tiff, &out, &err), SC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "TIFF"));
    static const uint8_t text[16] = "ERROR: -113,\"Un";
    assert_int_equal(sc_image_decode(text, sizeof text, &out, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "45 52 52 4f 52 3a 20 2d"));
    assert_null(out.pixels);
    assert_int_equal(sc_image_decode(NULL, 0, &out, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "no bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_round_trip),
        cmocka_unit_test(test_png_screenshot_compresses),
        cmocka_unit_test(test_png_encode_failure_leaves_buffer),
        cmocka_unit_test(test_png_gray_and_palette),
        cmocka_unit_test(test_png_alpha_and_16bit),
        cmocka_unit_test(test_png_interlaced),
        cmocka_unit_test(test_png_truncated_fails),
        cmocka_unit_test(test_png_corrupt_fails),
        cmocka_unit_test(test_jpeg_round_trip_flat),
        cmocka_unit_test(test_jpeg_bad_input),
        cmocka_unit_test(test_invert_lightness),
        cmocka_unit_test(test_is_dark),
        cmocka_unit_test(test_raster_alloc_limits),
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_format_from_path),
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_decode_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
