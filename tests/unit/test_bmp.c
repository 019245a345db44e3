/* The BMP decoder: what it must accept, and the lying headers it must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scopecap/image.h"

/* ---- building BMP files by hand ---- */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

typedef struct bmp_spec {
    uint32_t header_size; /* 12, 40, 108, 124 ... */
    int32_t width;
    int32_t height;
    uint16_t bpp;
    uint32_t compression;
    uint32_t colors_used;
    const uint32_t *masks; /* 3 masks, or NULL */
    const uint8_t *palette; /* BGRx (or BGR for 12-byte headers) */
    size_t palette_len;
    const uint8_t *pixels; /* rows as stored, padding included */
    size_t pixels_len;
} bmp_spec;

/* Offsets of the fields the lying-header tests overwrite. */
enum {
    OFF_FILE_SIZE = 2,
    OFF_PIXEL_OFFSET = 10,
    OFF_WIDTH = 18,
    OFF_HEIGHT = 22,
    OFF_PLANES = 26,
    OFF_BPP = 28,
    OFF_COMPRESSION = 30,
    OFF_IMAGE_SIZE = 34,
    OFF_COLORS_USED = 46,
};

/* Writes a consistent file into a malloc'ed buffer; *len receives its size. */
static uint8_t *build_bmp(const bmp_spec *s, size_t *len)
{
    bool core = s->header_size == 12;
    size_t masks_after = (!core && s->masks && s->header_size == 40) ? 12 : 0;
    size_t offset = 14 + s->header_size + masks_after + s->palette_len;
    size_t total = offset + s->pixels_len;
    uint8_t *b = calloc(1, total);
    assert_non_null(b);
    b[0] = 'B';
    b[1] = 'M';
    put32(b + 2, (uint32_t)total);
    put32(b + 10, (uint32_t)offset);
    uint8_t *h = b + 14;
    put32(h, s->header_size);
    if (core) {
        put16(h + 4, (uint32_t)s->width);
        put16(h + 6, (uint32_t)s->height);
        put16(h + 8, 1);
        put16(h + 10, s->bpp);
    } else {
        put32(h + 4, (uint32_t)s->width);
        put32(h + 8, (uint32_t)s->height);
        put16(h + 12, 1);
        put16(h + 14, s->bpp);
        put32(h + 16, s->compression);
        put32(h + 20, (uint32_t)s->pixels_len);
        put32(h + 24, 2835);
        put32(h + 28, 2835);
        put32(h + 32, s->colors_used);
        if (s->masks)
            for (int i = 0; i < 3; i++)
                put32(h + 40 + 4 * i, s->masks[i]);
    }
    if (s->palette_len)
        memcpy(b + 14 + s->header_size + masks_after, s->palette, s->palette_len);
    if (s->pixels_len)
        memcpy(b + offset, s->pixels, s->pixels_len);
    *len = total;
    return b;
}

static void assert_pixel(const sc_raster *r, int x, int y, uint8_t cr, uint8_t cg, uint8_t cb)
{
    const uint8_t *p = r->pixels + (size_t)y * r->stride + 3 * (size_t)x;
    if (p[0] != cr || p[1] != cg || p[2] != cb)
        fail_msg("pixel (%d,%d) is %u,%u,%u, expected %u,%u,%u", x, y, p[0], p[1], p[2], cr, cg, cb);
}

static sc_status decode(const uint8_t *b, size_t len, sc_raster *r, sc_error *err)
{
    sc_error_clear(err);
    sc_status st = sc_bmp_decode(b, len, r, err);
    if (st != SC_OK) {
        assert_null(r->pixels);
        assert_int_equal(err->code, st);
        assert_true(strncmp(err->message, "BMP", 3) == 0);
    }
    return st;
}

/* A 24-bit, width-3 (row padded 9 -> 12), height-2 picture, bottom row first. */
static const uint8_t rgb24_bottom_up[24] = {
    /* bottom row (y=1): white, black, grey; 3 padding bytes of garbage */
    255, 255, 255, 0, 0, 0, 128, 128, 128, 0xaa, 0xbb, 0xcc,
    /* top row (y=0): red, green, blue as B,G,R */
    0, 0, 255, 0, 255, 0, 255, 0, 0, 0xde, 0xad, 0xbf,
};

static uint8_t *valid_24bit(size_t *len)
{
    bmp_spec s = {.header_size = 40, .width = 3, .height = 2, .bpp = 24,
                  .pixels = rgb24_bottom_up, .pixels_len = sizeof rgb24_bottom_up};
    return build_bmp(&s, len);
}

static void check_24bit_picture(const sc_raster *r)
{
    assert_int_equal(r->width, 3);
    assert_int_equal(r->height, 2);
    assert_pixel(r, 0, 0, 255, 0, 0);
    assert_pixel(r, 1, 0, 0, 255, 0);
    assert_pixel(r, 2, 0, 0, 0, 255);
    assert_pixel(r, 0, 1, 255, 255, 255);
    assert_pixel(r, 1, 1, 0, 0, 0);
    assert_pixel(r, 2, 1, 128, 128, 128);
}

/* ---- accepted files ---- */

static void fill_pattern(sc_raster *r)
{
    for (int y = 0; y < r->height; y++)
        for (int x = 0; x < r->width; x++) {
            uint8_t *p = r->pixels + (size_t)y * r->stride + 3 * (size_t)x;
            p[0] = (uint8_t)(x * 37 + y * 11);
            p[1] = (uint8_t)(x * 5 + y * 91 + 7);
            p[2] = (uint8_t)(x ^ (y * 3));
        }
}

static void round_trip(int width, int height)
{
    sc_raster in, out;
    sc_error err;
    assert_int_equal(sc_raster_alloc(&in, width, height, &err), SC_OK);
    fill_pattern(&in);
    sc_buf buf;
    sc_buf_init(&buf, 0);
    assert_int_equal(sc_bmp_encode(&in, &buf, &err), SC_OK);
    size_t row = ((size_t)width * 3 + 3) & ~(size_t)3;
    assert_int_equal(buf.len, 54 + row * (size_t)height);
    assert_int_equal(get32(buf.data + 2), buf.len);
    assert_int_equal(get32(buf.data + 10), 54);
    assert_int_equal(get32(buf.data + 14), 40);
    assert_int_equal((int32_t)get32(buf.data + 22), height); /* positive: bottom-up */
    assert_int_equal(buf.data[28], 24);
    assert_int_equal(get32(buf.data + 38), 2835);
    assert_int_equal(get32(buf.data + 42), 2835);
    assert_int_equal(decode(buf.data, buf.len, &out, &err), SC_OK);
    assert_int_equal(out.width, width);
    assert_int_equal(out.height, height);
    for (int y = 0; y < height; y++)
        assert_memory_equal(in.pixels + (size_t)y * in.stride, out.pixels + (size_t)y * out.stride, (size_t)width * 3);
    sc_raster_free(&in);
    sc_raster_free(&out);
    sc_buf_free(&buf);
}

static void test_round_trip(void **state)
{
    (void)state;
    round_trip(1, 1);
    round_trip(3, 2); /* odd widths exercise the row padding */
    round_trip(5, 7);
    round_trip(800, 480);
}

static void test_encode_appends(void **state)
{
    (void)state;
    sc_raster r;
    sc_error err;
    assert_int_equal(sc_raster_alloc(&r, 2, 2, &err), SC_OK);
    sc_buf buf;
    sc_buf_init(&buf, 0);
    assert_int_equal(sc_buf_append(&buf, "xyz", 3, &err), SC_OK);
    assert_int_equal(sc_bmp_encode(&r, &buf, &err), SC_OK);
    assert_int_equal(buf.len, 3 + 54 + 8 * 2);
    assert_memory_equal(buf.data, "xyzBM", 5);
    sc_buf_free(&buf);
    sc_raster_free(&r);

    sc_raster empty = {0};
    sc_buf_init(&buf, 0);
    assert_int_equal(sc_bmp_encode(&empty, &buf, &err), SC_ERR_USAGE);
    assert_int_equal(buf.len, 0);
}

static void test_24bit_with_padding(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    check_24bit_picture(&r);
    sc_raster_free(&r);
    free(b);
}

static void test_top_down_equals_bottom_up(void **state)
{
    (void)state;
    uint8_t flipped[24];
    memcpy(flipped, rgb24_bottom_up + 12, 12);
    memcpy(flipped + 12, rgb24_bottom_up, 12);
    bmp_spec s = {.header_size = 40, .width = 3, .height = -2, .bpp = 24, .pixels = flipped, .pixels_len = sizeof flipped};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster top, bottom;
    sc_error err;
    assert_int_equal(decode(b, len, &top, &err), SC_OK);
    check_24bit_picture(&top);
    free(b);
    b = valid_24bit(&len);
    assert_int_equal(decode(b, len, &bottom, &err), SC_OK);
    assert_int_equal(top.height, bottom.height);
    assert_memory_equal(top.pixels, bottom.pixels, top.stride * (size_t)top.height);
    sc_raster_free(&top);
    sc_raster_free(&bottom);
    free(b);
}

static void test_trailing_bytes_accepted(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    uint8_t *longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, b, len);
    longer[len] = '\n'; /* Rigol's terminator after the block */
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(longer, len + 1, &r, &err), SC_OK);
    check_24bit_picture(&r);
    sc_raster_free(&r);
    free(longer);
    free(b);
}

static const uint8_t red_blue_palette[8] = {0, 0, 255, 0, 255, 0, 0, 0}; /* red, blue */

static void test_1bit_palette(void **state)
{
    (void)state;
    /* width 3: one byte of bits, padded to 4. Bottom row 1,0,1; top row 0,1,0. */
    static const uint8_t px[8] = {0xa0, 0, 0, 0, 0x40, 0, 0, 0};
    bmp_spec s = {.header_size = 40, .width = 3, .height = 2, .bpp = 1, .palette = red_blue_palette,
                  .palette_len = sizeof red_blue_palette, .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 0, 255, 0, 0);
    assert_pixel(&r, 1, 0, 0, 0, 255);
    assert_pixel(&r, 2, 0, 255, 0, 0);
    assert_pixel(&r, 0, 1, 0, 0, 255);
    assert_pixel(&r, 1, 1, 255, 0, 0);
    assert_pixel(&r, 2, 1, 0, 0, 255);
    sc_raster_free(&r);
    free(b);
}

static void test_4bit_palette_with_colors_used(void **state)
{
    (void)state;
    static const uint8_t pal[12] = {0, 0, 0, 0, 255, 255, 255, 0, 0, 255, 255, 0}; /* black, white, yellow */
    /* width 5, one row: indices 2,1,0,1,2 -> 0x21 0x01 0x20 + padding */
    static const uint8_t px[4] = {0x21, 0x01, 0x20, 0x00};
    bmp_spec s = {.header_size = 40, .width = 5, .height = 1, .bpp = 4, .colors_used = 3, .palette = pal,
                  .palette_len = sizeof pal, .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 0, 255, 255, 0);
    assert_pixel(&r, 1, 0, 255, 255, 255);
    assert_pixel(&r, 2, 0, 0, 0, 0);
    assert_pixel(&r, 3, 0, 255, 255, 255);
    assert_pixel(&r, 4, 0, 255, 255, 0);
    sc_raster_free(&r);

    /* Index 3 lies outside the 3-colour palette: corrupt, refused. */
    b[len - 2] = 0x30;
    assert_int_equal(decode(b, len, &r, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "palette has only 3"));
    sc_raster_free(&r);
    free(b);
}

static void test_8bit_full_palette(void **state)
{
    (void)state;
    uint8_t pal[256 * 4];
    for (int i = 0; i < 256; i++) {
        pal[4 * i + 0] = (uint8_t)(255 - i); /* B */
        pal[4 * i + 1] = (uint8_t)(i / 2);   /* G */
        pal[4 * i + 2] = (uint8_t)i;         /* R */
        pal[4 * i + 3] = 0;
    }
    /* width 5 -> rows of 8; height 2 */
    static const uint8_t px[16] = {0, 1, 2, 3, 4, 9, 9, 9, 250, 251, 252, 253, 255, 9, 9, 9};
    bmp_spec s = {.header_size = 40, .width = 5, .height = 2, .bpp = 8, .palette = pal, .palette_len = sizeof pal,
                  .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 1, 0, 0, 255);
    assert_pixel(&r, 4, 1, 4, 2, 251);
    assert_pixel(&r, 0, 0, 250, 125, 5);
    assert_pixel(&r, 4, 0, 255, 127, 0);
    sc_raster_free(&r);
    free(b);
}

static void test_os2_core_header(void **state)
{
    (void)state;
    static const uint8_t pal[6] = {0, 0, 255, 255, 0, 0}; /* 3-byte entries: red, blue */
    /* 8-bit, width 2, height 1: 2 entries only would be a short palette: a core header
     * always has 1 << bpp entries, so use 1 bit. */
    static const uint8_t px[4] = {0x40, 0, 0, 0};
    bmp_spec s = {.header_size = 12, .width = 2, .height = 1, .bpp = 1, .palette = pal, .palette_len = sizeof pal,
                  .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 0, 255, 0, 0);
    assert_pixel(&r, 1, 0, 0, 0, 255);
    sc_raster_free(&r);
    free(b);

    static const uint8_t px24[8] = {10, 20, 30, 40, 50, 60, 0, 0};
    bmp_spec s24 = {.header_size = 12, .width = 2, .height = 1, .bpp = 24, .pixels = px24, .pixels_len = sizeof px24};
    b = build_bmp(&s24, &len);
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 0, 30, 20, 10);
    assert_pixel(&r, 1, 0, 60, 50, 40);
    sc_raster_free(&r);
    free(b);
}

static void test_16bit_555(void **state)
{
    (void)state;
    /* width 3 -> 6 bytes, padded to 8 */
    uint8_t px[16] = {0};
    uint16_t top[3] = {0x7c00, 0x03e0, 0x001f};
    uint16_t bottom[3] = {0x4210, 0x7fff, 0x0000};
    for (int i = 0; i < 3; i++) {
        put16(px + 2 * i, bottom[i]);
        put16(px + 8 + 2 * i, top[i]);
    }
    bmp_spec s = {.header_size = 40, .width = 3, .height = 2, .bpp = 16, .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 0, 255, 0, 0);
    assert_pixel(&r, 1, 0, 0, 255, 0);
    assert_pixel(&r, 2, 0, 0, 0, 255);
    assert_pixel(&r, 0, 1, 132, 132, 132); /* 16/31 of 255, rounded */
    assert_pixel(&r, 1, 1, 255, 255, 255);
    assert_pixel(&r, 2, 1, 0, 0, 0);
    sc_raster_free(&r);
    free(b);
}

static void check_565(uint32_t header_size)
{
    static const uint32_t masks[3] = {0xf800, 0x07e0, 0x001f};
    uint8_t px[8] = {0};
    put16(px + 0, 0xf800);
    put16(px + 2, 0x07e0);
    put16(px + 4, 0x0020 | 0x0010 | 0x0800); /* g=1, b=16, r=1 */
    bmp_spec s = {.header_size = header_size, .width = 3, .height = 1, .bpp = 16, .compression = 3, .masks = masks,
                  .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 0, 255, 0, 0);
    assert_pixel(&r, 1, 0, 0, 255, 0);
    assert_pixel(&r, 2, 0, 8, 4, 132); /* 1/31, 1/63, 16/31 of 255 */
    sc_raster_free(&r);
    free(b);
}

static void test_16bit_565_bitfields(void **state)
{
    (void)state;
    check_565(40);  /* masks after the header */
    check_565(108); /* masks inside a V4 header */
    check_565(124); /* and a V5 one */
}

static void test_32bit(void **state)
{
    (void)state;
    static const uint8_t px[8] = {10, 20, 30, 0xff, 40, 50, 60, 0x00}; /* B,G,R,X */
    bmp_spec s = {.header_size = 40, .width = 2, .height = 1, .bpp = 32, .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 0, 30, 20, 10);
    assert_pixel(&r, 1, 0, 60, 50, 40);
    sc_raster_free(&r);
    free(b);

    /* bit fields in R,G,B,X byte order */
    static const uint32_t masks[3] = {0x000000ff, 0x0000ff00, 0x00ff0000};
    bmp_spec bf = {.header_size = 124, .width = 2, .height = 1, .bpp = 32, .compression = 3, .masks = masks,
                   .pixels = px, .pixels_len = sizeof px};
    b = build_bmp(&bf, &len);
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    assert_pixel(&r, 0, 0, 10, 20, 30);
    assert_pixel(&r, 1, 0, 40, 50, 60);
    sc_raster_free(&r);
    free(b);
}

/* ---- lying headers: each one an error, never a crash ---- */

static void expect_refused(uint8_t *b, size_t len, sc_status want, const char *needle)
{
    sc_raster r = {.width = 99, .pixels = (uint8_t *)1};
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), want);
    if (needle && !strstr(err.message, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err.message, needle);
}

static void test_file_size_larger_than_data(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    put32(b + OFF_FILE_SIZE, 1200);
    expect_refused(b, len, SC_ERR_FORMAT, "1200-byte file but only 78 bytes");
    free(b);
}

static void test_pixel_offset_past_end(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    put32(b + OFF_PIXEL_OFFSET, 9999);
    expect_refused(b, len, SC_ERR_FORMAT, "offset 9999 lies past the end of the 78-byte file");
    put32(b + OFF_PIXEL_OFFSET, 0xffffffffu);
    expect_refused(b, len, SC_ERR_FORMAT, "past the end");
    put32(b + OFF_PIXEL_OFFSET, 20); /* inside the headers */
    expect_refused(b, len, SC_ERR_FORMAT, "inside the headers");
    put32(b + OFF_PIXEL_OFFSET, 56); /* leaves too few bytes for the pixels */
    expect_refused(b, len, SC_ERR_FORMAT, "truncated");
    free(b);
}

static void test_huge_dimensions(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    put32(b + OFF_WIDTH, 0x7fffffff);
    expect_refused(b, len, SC_ERR_TOO_LARGE, "limit");
    put32(b + OFF_WIDTH, 3);
    put32(b + OFF_HEIGHT, 0x7fffffff);
    expect_refused(b, len, SC_ERR_TOO_LARGE, "limit");
    put32(b + OFF_HEIGHT, 0x80000000u); /* INT32_MIN: no positive counterpart */
    expect_refused(b, len, SC_ERR_TOO_LARGE, NULL);
    put32(b + OFF_HEIGHT, (uint32_t)-16385);
    expect_refused(b, len, SC_ERR_TOO_LARGE, NULL);
    /* Within the limit but far more pixels than the file holds. */
    put32(b + OFF_WIDTH, 16384);
    put32(b + OFF_HEIGHT, 16384);
    put32(b + OFF_IMAGE_SIZE, 0);
    expect_refused(b, len, SC_ERR_FORMAT, "truncated");
    free(b);
}

static void test_bad_width_and_height(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    put32(b + OFF_WIDTH, (uint32_t)-3);
    expect_refused(b, len, SC_ERR_FORMAT, "width -3");
    put32(b + OFF_WIDTH, 0);
    expect_refused(b, len, SC_ERR_FORMAT, "width 0");
    put32(b + OFF_WIDTH, 0x80000000u);
    expect_refused(b, len, SC_ERR_FORMAT, "not positive");
    put32(b + OFF_WIDTH, 3);
    put32(b + OFF_HEIGHT, 0);
    expect_refused(b, len, SC_ERR_FORMAT, "height is 0");
    free(b);
}

static void test_palette_larger_than_file(void **state)
{
    (void)state;
    static const uint8_t px[4] = {0, 1, 0, 0};
    bmp_spec s = {.header_size = 40, .width = 2, .height = 1, .bpp = 8, .colors_used = 2, .palette = red_blue_palette,
                  .palette_len = sizeof red_blue_palette, .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    sc_raster r;
    sc_error err;
    assert_int_equal(decode(b, len, &r, &err), SC_OK);
    sc_raster_free(&r);

    put32(b + OFF_COLORS_USED, 200); /* 800 bytes of palette in a 66-byte file */
    expect_refused(b, len, SC_ERR_FORMAT, "200-colour palette");
    put32(b + OFF_COLORS_USED, 0); /* 0 means all 256 */
    expect_refused(b, len, SC_ERR_FORMAT, "256-colour palette");
    put32(b + OFF_COLORS_USED, 257);
    expect_refused(b, len, SC_ERR_FORMAT, "at most 256");
    put32(b + OFF_COLORS_USED, 0xffffffffu);
    expect_refused(b, len, SC_ERR_FORMAT, NULL);
    put32(b + OFF_COLORS_USED, 3); /* fits the file, but runs into the pixels */
    expect_refused(b, len, SC_ERR_FORMAT, "inside the headers and palette");
    free(b);
}

static void test_bad_depths_and_compression(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    put16(b + OFF_BPP, 7);
    expect_refused(b, len, SC_ERR_FORMAT, "7 bits per pixel");
    put16(b + OFF_BPP, 0);
    expect_refused(b, len, SC_ERR_FORMAT, "0 bits per pixel");
    put16(b + OFF_BPP, 24);
    put32(b + OFF_COMPRESSION, 1);
    expect_refused(b, len, SC_ERR_UNSUPPORTED, "RLE8");
    put32(b + OFF_COMPRESSION, 2);
    expect_refused(b, len, SC_ERR_UNSUPPORTED, "RLE4");
    put32(b + OFF_COMPRESSION, 3); /* bit fields are not allowed at 24 bits */
    expect_refused(b, len, SC_ERR_FORMAT, "16 or 32");
    put32(b + OFF_COMPRESSION, 4);
    expect_refused(b, len, SC_ERR_UNSUPPORTED, "JPEG");
    put32(b + OFF_COMPRESSION, 77);
    expect_refused(b, len, SC_ERR_FORMAT, "compression type 77");
    put32(b + OFF_COMPRESSION, 0);
    put16(b + OFF_PLANES, 2);
    expect_refused(b, len, SC_ERR_FORMAT, "planes");
    put16(b + OFF_PLANES, 1);
    put32(b + 14, 64); /* OS/2 2.x header size */
    expect_refused(b, len, SC_ERR_FORMAT, "info header size 64");
    put32(b + 14, 0xfffffff0u);
    expect_refused(b, len, SC_ERR_FORMAT, NULL);
    free(b);
}

static void test_bad_bitfields(void **state)
{
    (void)state;
    static const uint32_t holes[3] = {0xf0f0, 0x0700, 0x000f};
    static const uint32_t empty[3] = {0xf800, 0, 0x001f};
    static const uint32_t overlap[3] = {0xf800, 0x0fe0, 0x001f};
    static const uint32_t wide[3] = {0xf80000, 0x07e0, 0x001f};
    const uint32_t *cases[4] = {holes, empty, overlap, wide};
    const char *needles[4] = {"contiguous", "empty", "overlap", "16-bit"};
    uint8_t px[4] = {0};
    for (int i = 0; i < 4; i++) {
        bmp_spec s = {.header_size = 40, .width = 2, .height = 1, .bpp = 16, .compression = 3, .masks = cases[i],
                      .pixels = px, .pixels_len = sizeof px};
        size_t len;
        uint8_t *b = build_bmp(&s, &len);
        expect_refused(b, len, SC_ERR_FORMAT, needles[i]);
        free(b);
    }
}

static void test_image_size_field_too_small(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    put32(b + OFF_IMAGE_SIZE, 18); /* 3*3*2 without the row padding */
    expect_refused(b, len, SC_ERR_FORMAT, "image size field says 18 bytes");
    free(b);
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    /* Every cut: the file size field then says more than we have. */
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, b, n);
        expect_refused(cut, n, SC_ERR_FORMAT, NULL);
        free(cut);
    }
    /* Truncated pixels with a file size field that agrees with the cut. */
    put32(b + OFF_FILE_SIZE, (uint32_t)(len - 1));
    put32(b + OFF_IMAGE_SIZE, 0);
    expect_refused(b, len - 1, SC_ERR_FORMAT, "truncated");
    /* A file size smaller than the headers themselves. */
    put32(b + OFF_FILE_SIZE, 10);
    expect_refused(b, len, SC_ERR_FORMAT, "smaller than its own headers");
    expect_refused((uint8_t *)"BX", 2, SC_ERR_FORMAT, NULL);
    free(b);
}

static void test_not_a_bmp(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = valid_24bit(&len);
    b[0] = 0x89;
    expect_refused(b, len, SC_ERR_FORMAT, "89 4d");
    free(b);
}

/* Random single-byte damage to every header byte: errors or pictures, never a crash
 * (run under ASan/UBSan to make that mean something). */
static void test_header_mutations_never_crash(void **state)
{
    (void)state;
    static const uint32_t masks[3] = {0xf800, 0x07e0, 0x001f};
    uint8_t px[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    bmp_spec s = {.header_size = 40, .width = 2, .height = 2, .bpp = 16, .compression = 3, .masks = masks,
                  .pixels = px, .pixels_len = sizeof px};
    size_t len;
    uint8_t *b = build_bmp(&s, &len);
    static const uint8_t values[] = {0x00, 0x01, 0x03, 0x08, 0x0c, 0x10, 0x20, 0x28, 0x7f, 0x80, 0xfe, 0xff};
    for (size_t i = 0; i < 14 + 40 + 12; i++) {
        for (size_t v = 0; v < sizeof values; v++) {
            uint8_t saved = b[i];
            b[i] = values[v];
            sc_raster r;
            sc_error err;
            if (decode(b, len, &r, &err) == SC_OK) {
                assert_true(r.width >= 1 && r.height >= 1);
                sc_raster_free(&r);
            }
            b[i] = saved;
        }
    }
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_encode_appends),
        cmocka_unit_test(test_24bit_with_padding),
        cmocka_unit_test(test_top_down_equals_bottom_up),
        cmocka_unit_test(test_trailing_bytes_accepted),
        cmocka_unit_test(test_1bit_palette),
        cmocka_unit_test(test_4bit_palette_with_colors_used),
        cmocka_unit_test(test_8bit_full_palette),
        cmocka_unit_test(test_os2_core_header),
        cmocka_unit_test(test_16bit_555),
        cmocka_unit_test(test_16bit_565_bitfields),
        cmocka_unit_test(test_32bit),
        cmocka_unit_test(test_file_size_larger_than_data),
        cmocka_unit_test(test_pixel_offset_past_end),
        cmocka_unit_test(test_huge_dimensions),
        cmocka_unit_test(test_bad_width_and_height),
        cmocka_unit_test(test_palette_larger_than_file),
        cmocka_unit_test(test_bad_depths_and_compression),
        cmocka_unit_test(test_bad_bitfields),
        cmocka_unit_test(test_image_size_field_too_small),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_not_a_bmp),
        cmocka_unit_test(test_header_mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
