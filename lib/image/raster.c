/* Rasters: 8-bit RGB pixels, top row first, plus the two whole-image operations the
 * capture path needs (is the screen dark? invert it for printing). */
#include "scopecap/image.h"

#include <stdlib.h>
#include <string.h>

sc_status sc_raster_alloc(sc_raster *r, int width, int height, sc_error *err)
{
    r->width = 0;
    r->height = 0;
    r->stride = 0;
    r->pixels = NULL;
    if (width < 1 || width > SC_IMAGE_MAX_DIMENSION || height < 1 || height > SC_IMAGE_MAX_DIMENSION)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "image size %dx%d is outside 1..%d pixels a side (corrupt header?)",
                            width, height, SC_IMAGE_MAX_DIMENSION);
    /* The dimension cap keeps 3*w*h below 2^30, but a 32-bit size_t deserves the check. */
    size_t stride = (size_t)width * 3;
    if ((size_t)height > SIZE_MAX / stride)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "image size %dx%d does not fit in memory", width, height);
    /* calloc: a decoder that fails half-way never hands out uninitialised bytes. */
    uint8_t *p = calloc((size_t)height, stride);
    if (!p)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory allocating a %dx%d image (%zu bytes)",
                            width, height, stride * (size_t)height);
    r->width = width;
    r->height = height;
    r->stride = stride;
    r->pixels = p;
    return SC_OK;
}

void sc_raster_free(sc_raster *r)
{
    if (!r)
        return;
    free(r->pixels);
    r->pixels = NULL;
    r->width = r->height = 0;
    r->stride = 0;
}

/* Integer Rec.601 luma, 0..255. */
static unsigned luma(const uint8_t *px)
{
    return (299u * px[0] + 587u * px[1] + 114u * px[2] + 500u) / 1000u;
}

static const uint8_t *pixel_at(const sc_raster *r, int x, int y)
{
    return r->pixels + (size_t)y * r->stride + (size_t)x * 3;
}

/* Count dark pixels among about `steps` samples along the outer frame. */
static void sample_border(const sc_raster *r, int steps, unsigned long *dark, unsigned long *total)
{
    for (int i = 0; i < steps; i++) {
        int x = (int)((long long)i * (r->width - 1) / (steps > 1 ? steps - 1 : 1));
        int y = (int)((long long)i * (r->height - 1) / (steps > 1 ? steps - 1 : 1));
        const uint8_t *edge[4] = {
            pixel_at(r, x, 0), pixel_at(r, x, r->height - 1),
            pixel_at(r, 0, y), pixel_at(r, r->width - 1, y),
        };
        for (int k = 0; k < 4; k++) {
            *dark += luma(edge[k]) < 128;
            (*total)++;
        }
    }
}

/* Count dark pixels on a coarse grid over the whole image. */
static void sample_grid(const sc_raster *r, int steps, unsigned long *dark, unsigned long *total)
{
    for (int j = 0; j < steps; j++) {
        int y = (int)(((long long)j * 2 + 1) * r->height / (2 * steps));
        for (int i = 0; i < steps; i++) {
            int x = (int)(((long long)i * 2 + 1) * r->width / (2 * steps));
            *dark += luma(pixel_at(r, x, y)) < 128;
            (*total)++;
        }
    }
}

/* A scope screen is "dark" when most of it is. The border is sampled on its own as
 * well because menus and trace colours crowd the middle, while the frame is almost
 * always background. */
bool sc_raster_is_dark(const sc_raster *r)
{
    if (!r || !r->pixels || r->width < 1 || r->height < 1)
        return false;
    unsigned long dark = 0, total = 0;
    sample_border(r, 64, &dark, &total);
    sample_grid(r, 64, &dark, &total);
    return dark * 2 > total;
}

/* c' = c + 255 - max - min maps lightness L to 255 - L while keeping each channel's
 * distance from the others, so hue and saturation survive: black <-> white, grey mirrors,
 * pure yellow stays yellow. c lies in [min, max], so c' lies in [255-max, 255-min]. */
void sc_raster_invert_lightness(sc_raster *r)
{
    if (!r || !r->pixels)
        return;
    for (int y = 0; y < r->height; y++) {
        uint8_t *px = r->pixels + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, px += 3) {
            int mx = px[0], mn = px[0];
            for (int c = 1; c < 3; c++) {
                if (px[c] > mx)
                    mx = px[c];
                if (px[c] < mn)
                    mn = px[c];
            }
            int shift = 255 - mx - mn;
            for (int c = 0; c < 3; c++)
                px[c] = (uint8_t)(px[c] + shift);
        }
    }
}
