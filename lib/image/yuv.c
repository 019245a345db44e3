/* RGB -> Y'CbCr, BT.601 limited range, in 16-bit fixed point.
 *
 * Exact formula (8-bit R'G'B' in 0..255):
 *   Y  = 16  + ( 65.481 R + 128.553 G +  24.966 B) / 255
 *   Cb = 128 + (-37.797 R -  74.203 G + 112.000 B) / 255
 *   Cr = 128 + (112.000 R -  93.786 G -  18.214 B) / 255
 * The coefficients below are those times 65536 / 255, rounded so that each chroma row
 * sums to zero (grey stays exactly 128). With 16 fractional bits the result is the exact
 * value rounded to nearest, give or take one LSB where it sits on a half.
 *
 * Subsampled chroma sums the products of the 2 (YUYV) or 4 (I420) pixels it covers and
 * divides once at the end: the mean of the pixels' exact chroma, rounded once. A bias of
 * 128 (and the rounding half) keeps every sum positive, so the right shifts never see a
 * negative number (implementation-defined in C). */
#include "image/yuv.h"

enum {
    YR = 16829, YG = 33039, YB = 6416,
    UR = -9714, UG = -19070, UB = 28784,
    VR = 28784, VG = -24103, VB = -4681,
};

static inline int32_t luma_q16(const uint8_t *p, int ri, int bi)
{
    return YR * p[ri] + YG * p[1] + YB * p[bi];
}

static inline int32_t cb_q16(const uint8_t *p, int ri, int bi)
{
    return UR * p[ri] + UG * p[1] + UB * p[bi];
}

static inline int32_t cr_q16(const uint8_t *p, int ri, int bi)
{
    return VR * p[ri] + VG * p[1] + VB * p[bi];
}

/* sum of n = 2^log2n products -> 8-bit value with offset */
static inline uint8_t finish(int32_t sum, int log2n, int offset)
{
    int shift = 16 + log2n;
    return (uint8_t)((sum + (offset << shift) + (1 << (shift - 1))) >> shift);
}

uint8_t sc_yuv_luma(int r, int g, int b)
{
    uint8_t p[3] = { (uint8_t)r, (uint8_t)g, (uint8_t)b };
    return finish(luma_q16(p, 0, 2), 0, 16);
}

uint8_t sc_yuv_cb(int r, int g, int b)
{
    uint8_t p[3] = { (uint8_t)r, (uint8_t)g, (uint8_t)b };
    return finish(cb_q16(p, 0, 2), 0, 128);
}

uint8_t sc_yuv_cr(int r, int g, int b)
{
    uint8_t p[3] = { (uint8_t)r, (uint8_t)g, (uint8_t)b };
    return finish(cr_q16(p, 0, 2), 0, 128);
}

static void channel_indexes(sc_pixel_order order, int *ri, int *bi)
{
    *ri = order == SC_PIXELS_BGR ? 2 : 0;
    *bi = order == SC_PIXELS_BGR ? 0 : 2;
}

static inline const uint8_t *row_at(const sc_rgb_view *v, int y)
{
    return v->top_row + (ptrdiff_t)y * v->stride;
}

size_t sc_i420_size(int width, int height)
{
    if (width < 1 || height < 1)
        return 0;
    size_t cw = ((size_t)width + 1) / 2, ch = ((size_t)height + 1) / 2;
    return (size_t)width * (size_t)height + 2 * cw * ch;
}

void sc_rgb_to_i420(const sc_rgb_view *src, uint8_t *dst)
{
    size_t ysize = (size_t)src->width * (size_t)src->height;
    size_t cw = ((size_t)src->width + 1) / 2, ch = ((size_t)src->height + 1) / 2;
    sc_rgb_to_i420_planes(src, dst, (size_t)src->width, dst + ysize, dst + ysize + cw * ch, cw);
}

void sc_rgb_to_i420_planes(const sc_rgb_view *src, uint8_t *y, size_t y_stride, uint8_t *cb, uint8_t *cr,
                           size_t c_stride)
{
    int ri, bi;
    channel_indexes(src->order, &ri, &bi);
    int w = src->width, h = src->height;
    for (int row = 0; row < h; row += 2) {
        /* the last row of an odd height pairs with itself */
        int row1 = row + 1 < h ? row + 1 : row;
        const uint8_t *s0 = row_at(src, row), *s1 = row_at(src, row1);
        uint8_t *y0 = y + (size_t)row * y_stride, *y1 = y + (size_t)row1 * y_stride;
        uint8_t *u = cb + (size_t)(row / 2) * c_stride, *v = cr + (size_t)(row / 2) * c_stride;
        for (int x = 0; x < w; x += 2) {
            int x1 = x + 1 < w ? x + 1 : x;
            const uint8_t *p[4] = { s0 + 3 * x, s0 + 3 * x1, s1 + 3 * x, s1 + 3 * x1 };
            y0[x] = finish(luma_q16(p[0], ri, bi), 0, 16);
            y0[x1] = finish(luma_q16(p[1], ri, bi), 0, 16);
            y1[x] = finish(luma_q16(p[2], ri, bi), 0, 16);
            y1[x1] = finish(luma_q16(p[3], ri, bi), 0, 16);
            int32_t su = 0, sv = 0;
            for (int k = 0; k < 4; k++) {
                su += cb_q16(p[k], ri, bi);
                sv += cr_q16(p[k], ri, bi);
            }
            u[x / 2] = finish(su, 2, 128);
            v[x / 2] = finish(sv, 2, 128);
        }
    }
}

size_t sc_yuyv_row_bytes(int width)
{
    return width < 1 ? 0 : (((size_t)width + 1) / 2) * 4;
}

size_t sc_yuyv_size(int width, int height)
{
    return height < 1 ? 0 : sc_yuyv_row_bytes(width) * (size_t)height;
}

void sc_rgb_to_yuyv(const sc_rgb_view *src, uint8_t *dst, size_t dst_stride)
{
    int ri, bi;
    channel_indexes(src->order, &ri, &bi);
    int w = src->width;
    for (int row = 0; row < src->height; row++) {
        const uint8_t *s = row_at(src, row);
        uint8_t *d = dst + (size_t)row * dst_stride;
        for (int x = 0; x < w; x += 2, d += 4) {
            int x1 = x + 1 < w ? x + 1 : x;
            const uint8_t *p0 = s + 3 * x, *p1 = s + 3 * x1;
            d[0] = finish(luma_q16(p0, ri, bi), 0, 16);
            d[1] = finish(cb_q16(p0, ri, bi) + cb_q16(p1, ri, bi), 1, 128);
            d[2] = finish(luma_q16(p1, ri, bi), 0, 16);
            d[3] = finish(cr_q16(p0, ri, bi) + cr_q16(p1, ri, bi), 1, 128);
        }
    }
}
