/* RGB -> Y'CbCr for video sinks: BT.601 limited range ("studio swing", Y 16..235,
 * Cb/Cr 16..240), 8-bit fixed point, within 1 LSB of the exact formula.
 *
 * Sources are 3 bytes a pixel in RGB or BGR order. `stride` is signed so a bottom-up
 * image (a BMP's pixel array) is read top row first by pointing at its last row and
 * passing a negative stride. Odd sizes are fine: the last column or row is paired with
 * itself when chroma is subsampled. */
#ifndef SC_IMAGE_YUV_H
#define SC_IMAGE_YUV_H

#include <stddef.h>
#include <stdint.h>

typedef enum sc_pixel_order {
    SC_PIXELS_RGB,
    SC_PIXELS_BGR,
} sc_pixel_order;

typedef struct sc_rgb_view {
    const uint8_t *top_row; /* first byte of the top row as displayed */
    ptrdiff_t stride;       /* bytes from one displayed row to the next (negative: bottom-up) */
    int width, height;
    sc_pixel_order order;
} sc_rgb_view;

/* Planar 4:2:0 (I420 / YU12 / y4m C420jpeg): Y plane w*h, then Cb and Cr planes of
 * ceil(w/2)*ceil(h/2) each, chroma centred between the 2x2 luma samples it covers. */
size_t sc_i420_size(int width, int height);
/* Write into `dst` (sc_i420_size bytes), planes packed without padding. */
void sc_rgb_to_i420(const sc_rgb_view *src, uint8_t *dst);
/* The same with caller-chosen plane pointers and strides (v4l2 devices may pad rows). */
void sc_rgb_to_i420_planes(const sc_rgb_view *src, uint8_t *y, size_t y_stride, uint8_t *cb, uint8_t *cr,
                           size_t c_stride);

/* Packed 4:2:2 YUYV (YUY2): Y0 Cb Y1 Cr for each horizontal pair; rows of
 * 2*ceil(w/2)*2 bytes. Chroma is the average of the pair, no vertical subsampling. */
size_t sc_yuyv_row_bytes(int width);
size_t sc_yuyv_size(int width, int height);
void sc_rgb_to_yuyv(const sc_rgb_view *src, uint8_t *dst, size_t dst_stride);

/* One pixel, for tests and odd callers. */
uint8_t sc_yuv_luma(int r, int g, int b);
uint8_t sc_yuv_cb(int r, int g, int b);
uint8_t sc_yuv_cr(int r, int g, int b);

#endif
