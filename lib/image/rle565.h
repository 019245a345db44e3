/* GW Instek screen data (:DISPlay:OUTPut?): run-length RGB565 pixels. The block payload is
 * a sequence of little-endian u16 pairs (count, colour); the runs fill the screen row by
 * row from the top-left corner and must cover it exactly. The stream carries no size:
 * the driver row gives it (vendors.md §1.7). */
#ifndef SC_IMAGE_RLE565_H
#define SC_IMAGE_RLE565_H

#include "scopecap/image.h"

/* Expand into a width x height raster (allocated here; free with sc_raster_free). */
sc_status sc_rle565_decode(const uint8_t *data, size_t len, int width, int height, sc_raster *out, sc_error *err);
/* Encode a raster (for scopesim and the tests); colours are reduced to RGB565 first. */
sc_status sc_rle565_encode(const sc_raster *r, sc_buf *out, sc_error *err);
/* RGB565 <-> 8-bit RGB: a channel's top bits are repeated into the low bits, so 0 -> 0 and
 * full scale -> 255 both ways. */
uint16_t sc_rgb565_pack(uint8_t r, uint8_t g, uint8_t b);
sc_rgb sc_rgb565_expand(uint16_t v);

#endif
