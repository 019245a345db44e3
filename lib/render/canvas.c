/* Drawing primitives on an sc_raster: fills, rectangles, Bresenham lines, dotted grid lines.
 *
 * Every primitive clips to the raster before it loops, so callers may pass any int
 * coordinates (a trace far off screen, a rectangle of INT_MAX width) and the cost stays
 * proportional to the pixels actually visible. Arithmetic on caller coordinates is done
 * in 64 bits so that x + w can never overflow. */
#include "scopecap/render.h"

#include <limits.h>
#include <string.h>

static bool raster_usable(const sc_raster *r)
{
    return r && r->pixels && r->width > 0 && r->height > 0 && r->stride >= (size_t)r->width * 3;
}

static uint8_t *pixel_at(sc_raster *r, int x, int y)
{
    return r->pixels + (size_t)y * r->stride + (size_t)x * 3;
}

static void put_pixel_unchecked(sc_raster *r, int x, int y, sc_rgb c)
{
    uint8_t *p = pixel_at(r, x, y);
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
}

/* Fill `count` pixels of one row starting at (x, y); the span is already clipped. */
static void fill_span(sc_raster *r, int x, int y, int count, sc_rgb c)
{
    uint8_t *p = pixel_at(r, x, y);
    if (c.r == c.g && c.g == c.b) {
        memset(p, c.r, (size_t)count * 3);
        return;
    }
    for (int i = 0; i < count; i++, p += 3) {
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
    }
}

void sc_draw_fill(sc_raster *r, sc_rgb c)
{
    if (!raster_usable(r))
        return;
    /* Paint the first row once, then copy it: memcpy beats a per-pixel loop on every row. */
    fill_span(r, 0, 0, r->width, c);
    size_t row_bytes = (size_t)r->width * 3;
    for (int y = 1; y < r->height; y++)
        memcpy(pixel_at(r, 0, y), r->pixels, row_bytes);
}

void sc_draw_pixel(sc_raster *r, int x, int y, sc_rgb c)
{
    if (!raster_usable(r) || x < 0 || y < 0 || x >= r->width || y >= r->height)
        return;
    put_pixel_unchecked(r, x, y, c);
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void sc_draw_rect(sc_raster *r, int x, int y, int w, int h, sc_rgb c)
{
    if (!raster_usable(r) || w <= 0 || h <= 0)
        return;
    int64_t x0 = clamp64(x, 0, r->width);
    int64_t y0 = clamp64(y, 0, r->height);
    int64_t x1 = clamp64((int64_t)x + w, 0, r->width);
    int64_t y1 = clamp64((int64_t)y + h, 0, r->height);
    if (x0 >= x1 || y0 >= y1)
        return;
    for (int64_t row = y0; row < y1; row++)
        fill_span(r, (int)x0, (int)row, (int)(x1 - x0), c);
}

void sc_draw_rect_outline(sc_raster *r, int x, int y, int w, int h, sc_rgb c)
{
    if (w <= 0 || h <= 0)
        return;
    int64_t right = (int64_t)x + w - 1;
    int64_t bottom = (int64_t)y + h - 1;
    /* Both are >= x (resp. y) and at most INT_MAX + INT_MAX - 1; clamp them to int. */
    int rx = (int)clamp64(right, INT_MIN, INT_MAX);
    int by = (int)clamp64(bottom, INT_MIN, INT_MAX);
    sc_draw_rect(r, x, y, w, 1, c);
    if (h > 1)
        sc_draw_rect(r, x, by, w, 1, c);
    if (h > 2) {
        sc_draw_rect(r, x, y + 1, 1, h - 2, c);
        if (w > 1)
            sc_draw_rect(r, rx, y + 1, 1, h - 2, c);
    }
}

/* Bresenham between two points that are known to lie inside the raster (or at worst one
 * pixel outside after rounding a clipped end): the integer error form covers all octants. */
static void bresenham(sc_raster *r, int x0, int y0, int x1, int y1, sc_rgb c)
{
    int dx = x1 > x0 ? x1 - x0 : x0 - x1;
    int dy = y1 > y0 ? y0 - y1 : y1 - y0; /* negative */
    int sx = x0 < x1 ? 1 : -1;
    int sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        if (x0 >= 0 && y0 >= 0 && x0 < r->width && y0 < r->height)
            put_pixel_unchecked(r, x0, y0, c);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

/* Liang–Barsky: narrow the parameter range [t0, t1] of p(t) = a + t*d to the part
 * where lo <= p <= hi. Returns false when nothing of the segment is left. */
static bool clip_axis(double a, double d, double lo, double hi, double *t0, double *t1)
{
    if (d == 0)
        return a >= lo && a <= hi;
    double ta = (lo - a) / d;
    double tb = (hi - a) / d;
    if (ta > tb) {
        double tmp = ta;
        ta = tb;
        tb = tmp;
    }
    if (ta > *t0)
        *t0 = ta;
    if (tb < *t1)
        *t1 = tb;
    return *t0 <= *t1;
}

static bool inside(const sc_raster *r, int x, int y)
{
    return x >= 0 && y >= 0 && x < r->width && y < r->height;
}

void sc_draw_line(sc_raster *r, int x0, int y0, int x1, int y1, sc_rgb c)
{
    if (!raster_usable(r))
        return;
    if (inside(r, x0, y0) && inside(r, x1, y1)) {
        bresenham(r, x0, y0, x1, y1, c);
        return;
    }
    /* At least one end is off the raster: cut the segment to the raster rectangle first,
     * so the pixel loop below is never longer than the raster's diagonal. Doubles hold
     * every int exactly, and the rounded ends land within half a pixel of the true line. */
    double ax = x0, ay = y0, dx = (double)x1 - x0, dy = (double)y1 - y0;
    double t0 = 0, t1 = 1;
    if (!clip_axis(ax, dx, 0, r->width - 1, &t0, &t1) || !clip_axis(ay, dy, 0, r->height - 1, &t0, &t1))
        return;
    int cx0 = (int)clamp64((int64_t)(ax + t0 * dx + 0.5), 0, r->width - 1);
    int cy0 = (int)clamp64((int64_t)(ay + t0 * dy + 0.5), 0, r->height - 1);
    int cx1 = (int)clamp64((int64_t)(ax + t1 * dx + 0.5), 0, r->width - 1);
    int cy1 = (int)clamp64((int64_t)(ay + t1 * dy + 0.5), 0, r->height - 1);
    bresenham(r, cx0, cy0, cx1, cy1, c);
}

/* First position >= lo on the dotted sequence start, start + step, ... (64-bit, no overflow
 * for any int inputs). */
static int64_t first_dot_at_or_after(int64_t start, int64_t step, int64_t lo)
{
    if (start >= lo)
        return start;
    int64_t k = (lo - start + step - 1) / step;
    return start + k * step;
}

void sc_draw_dotted_hline(sc_raster *r, int x0, int x1, int y, int step, sc_rgb c)
{
    if (!raster_usable(r) || y < 0 || y >= r->height)
        return;
    if (step < 1)
        step = 1;
    int64_t a = x0 < x1 ? x0 : x1;
    int64_t b = x0 < x1 ? x1 : x0;
    int64_t end = b < r->width - 1 ? b : r->width - 1;
    for (int64_t x = first_dot_at_or_after(a, step, 0); x <= end; x += step)
        put_pixel_unchecked(r, (int)x, y, c);
}

void sc_draw_dotted_vline(sc_raster *r, int x, int y0, int y1, int step, sc_rgb c)
{
    if (!raster_usable(r) || x < 0 || x >= r->width)
        return;
    if (step < 1)
        step = 1;
    int64_t a = y0 < y1 ? y0 : y1;
    int64_t b = y0 < y1 ? y1 : y0;
    int64_t end = b < r->height - 1 ? b : r->height - 1;
    for (int64_t y = first_dot_at_or_after(a, step, 0); y <= end; y += step)
        put_pixel_unchecked(r, x, (int)y, c);
}
