/* PNG through libpng: decode any colour type to 8-bit RGB, encode screenshots fast.
 *
 * libpng reports errors by longjmp. Each setjmp lives in a small function whose own
 * locals are never changed after it, and every resource hangs off a context struct that
 * belongs to the caller, so nothing needs to be volatile and cleanup is in one place. */
#include "scopecap/image.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deflate cannot beat about 1032:1 (a 258-byte match in two bits). A header that
 * promises more pixels than its compressed data can hold is a lie or a truncated file,
 * and we refuse it before allocating the raster. */
#define DEFLATE_MAX_RATIO 1032u
/* Ancillary chunks (text, ICC profiles) are capped: screenshots need none of them. */
#define PNG_CHUNK_MALLOC_MAX (8u << 20)

/* Flat screenshots: black background, grid dots, a few traces. Measured on such an
 * 800x480 image (gcc -O2, best of 15): filter NONE beat SUB, UP and adaptive at every
 * level, both in size and time (long runs of identical pixels are what deflate likes;
 * the filters only break them up). NONE level 3: 17.3 KB in 1.7 ms; level 6: 11.8 KB
 * in 3.6 ms; level 9: 8.6 KB in 18.5 ms; Z_RLE: 40 KB. Level 6 costs 2 ms more than 3
 * for a third less - nothing next to the half second a scope takes to send a screen. */
#define PNG_ENCODE_LEVEL 6
#define PNG_ENCODE_FILTER PNG_FILTER_NONE

typedef struct png_context {
    png_structp png;
    png_infop info;
    char message[200]; /* libpng's own words, kept for our error line */
    /* decode */
    const uint8_t *data;
    size_t len;
    size_t pos;
    uint8_t *rgba; /* intermediate rows when the image has alpha */
    png_bytep *rows;
    /* encode */
    sc_buf *out;
    sc_status write_status;
    sc_error *err;
} png_context;

static void on_png_error(png_structp png, png_const_charp msg)
{
    png_context *ctx = png_get_error_ptr(png);
    snprintf(ctx->message, sizeof ctx->message, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    sc_debug("PNG: libpng warning: %s", msg ? msg : "");
}

/* ---- decode ---- */

static void read_from_memory(png_structp png, png_bytep dst, size_t n)
{
    png_context *ctx = png_get_io_ptr(png);
    if (n > ctx->len - ctx->pos)
        png_error(png, "file ends in the middle of a chunk (truncated transfer?)");
    memcpy(dst, ctx->data + ctx->pos, n);
    ctx->pos += n;
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Sum the lengths of the IDAT chunks present, stopping quietly at the first chunk that
 * does not fit (libpng will report that one properly). */
static uint64_t idat_bytes(const uint8_t *data, size_t len)
{
    uint64_t total = 0;
    size_t pos = 8;
    while (len - pos >= 12) {
        uint32_t n = be32(data + pos);
        if (n > len - pos - 12)
            break;
        if (memcmp(data + pos + 4, "IDAT", 4) == 0)
            total += n;
        if (memcmp(data + pos + 4, "IEND", 4) == 0)
            break;
        pos += 12 + (size_t)n;
    }
    return total;
}

static sc_status check_header(png_context *ctx, uint32_t width, uint32_t height, int channels_in_file, int bit_depth, sc_error *err)
{
    if (width < 1 || height < 1 || width > SC_IMAGE_MAX_DIMENSION || height > SC_IMAGE_MAX_DIMENSION)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "PNG: %ux%u pixels is outside 1..%d a side (corrupt header?)",
                            width, height, SC_IMAGE_MAX_DIMENSION);
    /* Smallest possible uncompressed size: one filter byte a row plus the packed pixels
     * (interlacing only adds bytes). */
    uint64_t row_bits = (uint64_t)width * (uint64_t)channels_in_file * (uint64_t)bit_depth;
    uint64_t raw = ((row_bits + 7) / 8 + 1) * height;
    uint64_t compressed = idat_bytes(ctx->data, ctx->len);
    if (raw > compressed * DEFLATE_MAX_RATIO + 1024)
        return sc_error_set(err, SC_ERR_FORMAT,
                            "PNG: %ux%u pixels need at least %llu bytes of compressed data but the file holds %llu (truncated transfer?)",
                            width, height, (unsigned long long)(raw / DEFLATE_MAX_RATIO), (unsigned long long)compressed);
    return SC_OK;
}

/* Ask libpng for 8-bit RGB, or RGBA when the file carries transparency. */
static bool set_rgb_transforms(png_structp png, png_infop info)
{
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (bit_depth == 16)
        png_set_scale_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    bool alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0;
    if (png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(png);
        alpha = true;
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return alpha;
}

/* Transparent pixels are composited on black, the colour of a scope screen. */
static void composite_on_black(const uint8_t *rgba, sc_raster *out)
{
    for (int y = 0; y < out->height; y++) {
        const uint8_t *s = rgba + (size_t)y * out->width * 4;
        uint8_t *d = out->pixels + (size_t)y * out->stride;
        for (int x = 0; x < out->width; x++, s += 4, d += 3)
            for (int c = 0; c < 3; c++)
                d[c] = (uint8_t)((s[c] * s[3] + 127) / 255);
    }
}

static sc_status decode_with_libpng(png_context *ctx, sc_raster *out, sc_error *err)
{
    if (setjmp(png_jmpbuf(ctx->png)))
        return sc_error_set(err, SC_ERR_FORMAT, "PNG: %s", ctx->message);

    png_set_read_fn(ctx->png, ctx, read_from_memory);
    png_set_user_limits(ctx->png, SC_IMAGE_MAX_DIMENSION, SC_IMAGE_MAX_DIMENSION);
    png_set_chunk_malloc_max(ctx->png, PNG_CHUNK_MALLOC_MAX);
    png_read_info(ctx->png, ctx->info);

    uint32_t width = png_get_image_width(ctx->png, ctx->info);
    uint32_t height = png_get_image_height(ctx->png, ctx->info);
    sc_status st = check_header(ctx, width, height, png_get_channels(ctx->png, ctx->info),
                                png_get_bit_depth(ctx->png, ctx->info), err);
    if (st != SC_OK)
        return st;
    bool alpha = set_rgb_transforms(ctx->png, ctx->info);
    size_t pixel_size = alpha ? 4 : 3;
    if (png_get_rowbytes(ctx->png, ctx->info) != (size_t)width * pixel_size)
        return sc_error_set(err, SC_ERR_FORMAT, "PNG: libpng could not convert this colour type to 8-bit RGB");

    st = sc_raster_alloc(out, (int)width, (int)height, err);
    if (st != SC_OK)
        return sc_error_prefix(err, "PNG");
    uint8_t *base = out->pixels;
    size_t stride = out->stride;
    if (alpha) {
        ctx->rgba = malloc((size_t)width * height * 4);
        if (!ctx->rgba)
            return sc_error_set(err, SC_ERR_NOMEM, "PNG: out of memory for a %ux%u image with alpha", width, height);
        base = ctx->rgba;
        stride = (size_t)width * 4;
    }
    ctx->rows = malloc(sizeof *ctx->rows * height);
    if (!ctx->rows)
        return sc_error_set(err, SC_ERR_NOMEM, "PNG: out of memory for %u row pointers", height);
    for (uint32_t y = 0; y < height; y++)
        ctx->rows[y] = base + (size_t)y * stride;
    png_read_image(ctx->png, ctx->rows);
    /* Reading up to IEND makes a file cut anywhere fail; bytes after IEND (Siglent's
     * trailing byte, Rigol's '\n') are never looked at. */
    png_read_end(ctx->png, NULL);
    if (alpha)
        composite_on_black(ctx->rgba, out);
    return SC_OK;
}

sc_status sc_png_decode(const uint8_t *data, size_t len, sc_raster *out, sc_error *err)
{
    out->pixels = NULL;
    out->width = out->height = 0;
    out->stride = 0;
    if (!data || len < 8 || png_sig_cmp(data, 0, 8) != 0)
        return sc_error_set(err, SC_ERR_FORMAT, "PNG: missing the 8-byte PNG signature (not a PNG, or a block header was left in?)");

    png_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.data = data;
    ctx.len = len;
    ctx.pos = 0;
    ctx.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
    if (ctx.png)
        ctx.info = png_create_info_struct(ctx.png);
    if (!ctx.png || !ctx.info) {
        png_destroy_read_struct(ctx.png ? &ctx.png : NULL, NULL, NULL);
        return sc_error_set(err, SC_ERR_NOMEM, "PNG: out of memory creating the decoder");
    }
    sc_status st = decode_with_libpng(&ctx, out, err);
    png_destroy_read_struct(&ctx.png, &ctx.info, NULL);
    free(ctx.rows);
    free(ctx.rgba);
    if (st != SC_OK)
        sc_raster_free(out);
    return st;
}

/* ---- encode ---- */

static void write_to_buf(png_structp png, png_bytep src, size_t n)
{
    png_context *ctx = png_get_io_ptr(png);
    sc_status st = sc_buf_append(ctx->out, src, n, ctx->err);
    if (st != SC_OK) {
        ctx->write_status = st;
        png_error(png, "output buffer full");
    }
}

static void flush_nothing(png_structp png)
{
    (void)png;
}

static sc_status encode_with_libpng(png_context *ctx, const sc_raster *r, sc_error *err)
{
    if (setjmp(png_jmpbuf(ctx->png))) {
        if (ctx->write_status != SC_OK)
            return ctx->write_status; /* err already says what the buffer said */
        return sc_error_set(err, SC_ERR_FORMAT, "PNG: encoding failed: %s", ctx->message);
    }
    png_set_write_fn(ctx->png, ctx, write_to_buf, flush_nothing);
    png_set_IHDR(ctx->png, ctx->info, (uint32_t)r->width, (uint32_t)r->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(ctx->png, PNG_FILTER_TYPE_BASE, PNG_ENCODE_FILTER);
    png_set_compression_level(ctx->png, PNG_ENCODE_LEVEL);
    png_write_info(ctx->png, ctx->info);
    png_write_image(ctx->png, ctx->rows);
    png_write_end(ctx->png, NULL);
    return SC_OK;
}

sc_status sc_png_encode(const sc_raster *r, sc_buf *out, sc_error *err)
{
    if (!r || !r->pixels || r->width < 1 || r->height < 1 || r->width > SC_IMAGE_MAX_DIMENSION ||
        r->height > SC_IMAGE_MAX_DIMENSION || r->stride < (size_t)r->width * 3)
        return sc_error_set(err, SC_ERR_USAGE, "PNG: cannot encode an empty or malformed raster");

    png_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.out = out;
    ctx.err = err;
    ctx.write_status = SC_OK;
    ctx.rows = malloc(sizeof *ctx.rows * (size_t)r->height);
    if (!ctx.rows)
        return sc_error_set(err, SC_ERR_NOMEM, "PNG: out of memory for %d row pointers", r->height);
    for (int y = 0; y < r->height; y++)
        ctx.rows[y] = r->pixels + (size_t)y * r->stride;

    ctx.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
    if (ctx.png)
        ctx.info = png_create_info_struct(ctx.png);
    if (!ctx.png || !ctx.info) {
        png_destroy_write_struct(ctx.png ? &ctx.png : NULL, NULL);
        free(ctx.rows);
        return sc_error_set(err, SC_ERR_NOMEM, "PNG: out of memory creating the encoder");
    }
    size_t start = out->len;
    sc_status st = encode_with_libpng(&ctx, r, err);
    png_destroy_write_struct(&ctx.png, &ctx.info);
    free(ctx.rows);
    if (st != SC_OK)
        out->len = start; /* no half-written file left behind */
    return st;
}
