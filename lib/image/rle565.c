/* Run-length RGB565 (GW Instek :DISPlay:OUTPut?), decoded strictly: every run is checked
 * against the pixels left before it is written, the stream must be whole pairs, and it
 * must cover the screen exactly; a short or long stream is an error naming where. */
#include "image/rle565.h"

#include <string.h>

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

uint16_t sc_rgb565_pack(uint8_t r, uint8_t g, uint8_t b)
{
    return (uint16_t)((r >> 3) << 11 | (g >> 2) << 5 | (b >> 3));
}

sc_rgb sc_rgb565_expand(uint16_t v)
{
    unsigned r = v >> 11 & 0x1f, g = v >> 5 & 0x3f, b = v & 0x1f;
    return (sc_rgb){ (uint8_t)(r << 3 | r >> 2), (uint8_t)(g << 2 | g >> 4), (uint8_t)(b << 3 | b >> 2) };
}

static void fill_run(sc_raster *r, size_t at, size_t count, sc_rgb c)
{
    size_t w = (size_t)r->width;
    while (count > 0) {
        size_t y = at / w, x = at % w;
        size_t n = w - x < count ? w - x : count;
        uint8_t *p = r->pixels + y * r->stride + x * 3;
        for (size_t i = 0; i < n; i++, p += 3)
            p[0] = c.r, p[1] = c.g, p[2] = c.b;
        at += n;
        count -= n;
    }
}

sc_status sc_rle565_decode(const uint8_t *data, size_t len, int width, int height, sc_raster *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    if (width <= 0 || height <= 0 || width > SC_IMAGE_MAX_DIMENSION || height > SC_IMAGE_MAX_DIMENSION)
        return sc_error_set(err, SC_ERR_USAGE, "RLE565: screen size %dx%d is not valid", width, height);
    if (len == 0 || !data)
        return sc_error_set(err, SC_ERR_FORMAT, "RLE565: the screen data is empty (is the instrument's display on?)");
    if (len % 4 != 0)
        return sc_error_set(err, SC_ERR_FORMAT,
                            "RLE565: %zu bytes is not a whole number of 4-byte (count, colour) pairs (truncated transfer?)",
                            len);
    size_t total = (size_t)width * (size_t)height; /* at most 2^28: no overflow */
    sc_status st = sc_raster_alloc(out, width, height, err);
    if (st != SC_OK)
        return st;
    size_t done = 0;
    for (size_t off = 0; off < len; off += 4) {
        size_t count = le16(data + off);
        if (count > total - done) {
            sc_raster_free(out);
            return sc_error_set(err, SC_ERR_FORMAT,
                                "RLE565: the run at byte %zu of %zu pixels overflows the %dx%d screen (%zu pixels left); "
                                "is the screen size right for this model?",
                                off, count, width, height, total - done);
        }
        fill_run(out, done, count, sc_rgb565_expand(le16(data + off + 2)));
        done += count;
    }
    if (done != total) {
        sc_raster_free(out);
        return sc_error_set(err, SC_ERR_FORMAT,
                            "RLE565: the runs cover %zu of the %zu pixels of a %dx%d screen (truncated transfer, or a "
                            "different screen size?)",
                            done, total, width, height);
    }
    return SC_OK;
}

static sc_status put_run(sc_buf *out, size_t count, uint16_t colour, sc_error *err)
{
    uint8_t pair[4] = { (uint8_t)count, (uint8_t)(count >> 8), (uint8_t)colour, (uint8_t)(colour >> 8) };
    return sc_buf_append(out, pair, sizeof pair, err);
}

sc_status sc_rle565_encode(const sc_raster *r, sc_buf *out, sc_error *err)
{
    uint16_t run_colour = 0;
    size_t run = 0;
    for (int y = 0; y < r->height; y++) {
        const uint8_t *p = r->pixels + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, p += 3) {
            uint16_t c = sc_rgb565_pack(p[0], p[1], p[2]);
            if (run > 0 && (c != run_colour || run == 0xffff)) {
                sc_status st = put_run(out, run, run_colour, err);
                if (st != SC_OK)
                    return st;
                run = 0;
            }
            run_colour = c;
            run++;
        }
    }
    return run > 0 ? put_run(out, run, run_colour, err) : SC_OK;
}
