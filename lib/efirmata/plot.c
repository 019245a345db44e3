/* eFirmata plot: a capture drawn like a scope screen. Black background, a 10 x 8 dotted
 * graticule inside a grey frame, one colour per channel, and the scales written out
 * (units/div per unit, time/div). Channels that share a unit share a vertical scale, the
 * way a scope's channels with equal V/div overlay; the time axis starts at the trigger
 * (the protocol has no pre-trigger samples). */
#include "efirmata/capture.h"

#include "scopecap/render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DIV_X 10
#define DIV_Y 8
#define MARGIN 8
#define MIN_W 160
#define MIN_H 120
#define MAX_SIDE 4096

static const sc_rgb BACKGROUND = { 0, 0, 0 };
static const sc_rgb FRAME = { 128, 128, 128 }; /* used by nothing else: tests find the graticule by it */
static const sc_rgb GRID = { 72, 72, 72 };
static const sc_rgb TICK = { 104, 104, 104 };
static const sc_rgb TEXT = { 255, 255, 255 };
static const sc_rgb TRIGGER = { 255, 128, 0 };
static const sc_rgb WARNING = { 255, 64, 64 };

static const sc_rgb CHANNEL_COLOURS[] = {
    { 255, 255, 0 },   { 0, 255, 255 },   { 255, 0, 255 },   { 64, 128, 255 }, { 0, 255, 0 },     { 255, 96, 96 },
    { 160, 96, 255 },  { 255, 200, 128 }, { 128, 255, 128 }, { 128, 200, 255 }, { 255, 128, 200 }, { 200, 200, 64 },
    { 64, 200, 160 },  { 255, 160, 0 },   { 180, 180, 255 }, { 220, 220, 220 },
};
#define COLOUR_COUNT (int)(sizeof CHANNEL_COLOURS / sizeof CHANNEL_COLOURS[0])

sc_rgb sc_efirmata_channel_colour(int channel)
{
    return CHANNEL_COLOURS[(channel < 0 ? 0 : channel) % COLOUR_COUNT];
}

/* The smallest 1-2-5 step that is at least x. */
static double nice_step(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1.0;
    double decade = pow(10.0, floor(log10(x)));
    static const double mult[] = { 1, 2, 5, 10 };
    for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++)
        if (mult[i] * decade >= x * (1 - 1e-9))
            return mult[i] * decade;
    return 10 * decade;
}

/* "500 mV", "38.4 k": value with an SI prefix and 3 significant digits. */
static void format_si(char *buf, size_t cap, double v, const char *unit)
{
    static const struct {
        double scale;
        const char *prefix;
    } prefixes[] = { { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" }, { 1, "" }, { 1e-3, "m" },
                     { 1e-6, "u" }, { 1e-9, "n" }, { 1e-12, "p" } };
    double a = fabs(v);
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (a >= prefixes[i].scale * 0.9995 || i + 1 == sizeof prefixes / sizeof prefixes[0]) {
            snprintf(buf, cap, "%.3g %s%s", v / prefixes[i].scale, prefixes[i].prefix, unit);
            return;
        }
}

typedef struct plot_layout {
    int text_scale;
    int x0, y0, w, h;  /* graticule */
    int legend_y;      /* first legend row */
    double t_div;      /* domain units per division */
    double px_per_sample;
} plot_layout;

typedef struct unit_scale {
    char unit;
    double centre, per_div;
} unit_scale;

/* One vertical scale per distinct unit, covering every channel of that unit. */
static int unit_scales(const sc_efirmata_capture *c, unit_scale *scales, int *scale_of)
{
    int count = 0;
    double lo[SC_EFIRMATA_MAX_CHANNELS], hi[SC_EFIRMATA_MAX_CHANNELS];
    for (int ch = 0; ch < c->meta.channel_count; ch++) {
        char unit = c->meta.channels[ch].units;
        int s = 0;
        while (s < count && scales[s].unit != unit)
            s++;
        if (s == count) {
            scales[count] = (unit_scale){ .unit = unit };
            lo[count] = INFINITY;
            hi[count] = -INFINITY;
            count++;
        }
        scale_of[ch] = s;
        for (uint32_t i = 0; i < c->samples; i++) {
            double v = sc_efirmata_value(c, ch, i);
            if (isfinite(v)) {
                lo[s] = fmin(lo[s], v);
                hi[s] = fmax(hi[s], v);
            }
        }
    }
    for (int s = 0; s < count; s++) {
        if (!isfinite(lo[s]) || !isfinite(hi[s]) || hi[s] - lo[s] > 1e300) {
            lo[s] = -1;
            hi[s] = 1;
        }
        double span = hi[s] - lo[s];
        if (!(span > 0)) /* a flat line: show it in the middle with some room */
            span = fmax(fabs(hi[s]) * 0.2, 1e-3);
        scales[s].centre = lo[s] / 2 + hi[s] / 2;
        scales[s].per_div = nice_step(span * 1.15 / DIV_Y);
    }
    return count;
}

static int clamp_coord(double v)
{
    if (!(v > -1e6))
        return -1000000;
    if (v > 1e6)
        return 1000000;
    return (int)lrint(v);
}

static int y_of(const plot_layout *l, const unit_scale *s, double v)
{
    return clamp_coord(l->y0 + l->h / 2.0 - (v - s->centre) / s->per_div * ((double)l->h / DIV_Y));
}

static void draw_graticule(sc_raster *r, const plot_layout *l)
{
    for (int i = 1; i < DIV_X; i++) {
        int x = l->x0 + l->w * i / DIV_X;
        sc_draw_dotted_vline(r, x, l->y0 + 1, l->y0 + l->h - 2, 3, GRID);
    }
    for (int j = 1; j < DIV_Y; j++) {
        int y = l->y0 + l->h * j / DIV_Y;
        sc_draw_dotted_hline(r, l->x0 + 1, l->x0 + l->w - 2, y, 3, GRID);
    }
    /* the centre axes carry minor ticks at fifths of a division, as on a scope */
    int cx = l->x0 + l->w / 2, cy = l->y0 + l->h / 2;
    for (int i = 1; i < DIV_X * 5; i++) {
        int x = l->x0 + l->w * i / (DIV_X * 5);
        sc_draw_line(r, x, cy - 2, x, cy + 2, TICK);
    }
    for (int j = 1; j < DIV_Y * 5; j++) {
        int y = l->y0 + l->h * j / (DIV_Y * 5);
        sc_draw_line(r, cx - 2, y, cx + 2, y, TICK);
    }
    sc_draw_rect_outline(r, l->x0, l->y0, l->w, l->h, FRAME);
}

/* Segments between consecutive samples; a missing frame breaks the line. */
static void draw_trace(sc_raster *r, const plot_layout *l, const sc_efirmata_capture *c, int ch,
                       const unit_scale *s)
{
    sc_raster clip = *r; /* draw only inside the frame: a trace off scale must not cover the labels */
    clip.pixels = r->pixels + (size_t)(l->y0 + 1) * r->stride + (size_t)(l->x0 + 1) * 3;
    clip.width = l->w - 2;
    clip.height = l->h - 2;
    sc_rgb colour = sc_efirmata_channel_colour(ch);
    bool have_prev = false;
    int px = 0, py = 0;
    for (uint32_t i = 0; i < c->samples; i++) {
        double v = sc_efirmata_value(c, ch, i);
        if (!isfinite(v)) {
            have_prev = false;
            continue;
        }
        int x = clamp_coord(l->x0 + (double)i * l->px_per_sample) - (l->x0 + 1);
        int y = y_of(l, s, v) - (l->y0 + 1);
        if (have_prev)
            sc_draw_line(&clip, px, py, x, y, colour);
        else
            sc_draw_pixel(&clip, x, y, colour);
        px = x;
        py = y;
        have_prev = true;
    }
}

/* A small arrow in the margin: channel ground on the left, trigger level on the right. */
static void draw_marker(sc_raster *r, int tip_x, int y, int dir, sc_rgb c)
{
    for (int k = 0; k < 5; k++)
        sc_draw_line(r, tip_x - dir * k, y - (4 - k), tip_x - dir * k, y + (4 - k), c);
}

static void draw_header(sc_raster *r, const plot_layout *l, const sc_efirmata_capture *c)
{
    char text[600], rate[48], level[48] = "";
    double per_sample = c->seconds_per_sample;
    if (c->meta.domain_unit == 's' && per_sample > 0)
        format_si(rate, sizeof rate, 1.0 / per_sample, "Sa/s");
    else
        format_si(rate, sizeof rate, per_sample, (char[]){ c->meta.domain_unit, '/', 'S', 'a', 0 });
    bool edge = c->trigger == SC_EFIRMATA_TRIGGER_RISING || c->trigger == SC_EFIRMATA_TRIGGER_FALLING;
    if (edge && c->trigger_channel < c->meta.channel_count && isfinite(c->level)) {
        char v[32];
        format_si(v, sizeof v, c->level, (char[]){ c->meta.channels[c->trigger_channel].units, 0 });
        snprintf(level, sizeof level, " CH%d %s", c->trigger_channel, v);
    }
    snprintf(text, sizeof text, "eFirmata %s  %s%s  %u samples @ %s", c->device,
             c->trigger == SC_EFIRMATA_TRIGGER_RISING    ? "RISING"
             : c->trigger == SC_EFIRMATA_TRIGGER_FALLING ? "FALLING"
                                                         : "NOW",
             level, c->samples, rate);
    uint32_t missing = c->samples - (c->received < c->samples ? c->received : c->samples);
    char gaps[48] = "";
    if (missing)
        snprintf(gaps, sizeof gaps, "  %u missing", missing);
    int ts = l->text_scale;
    if (ts > 1 && sc_text_width(text, ts) + sc_text_width(gaps, ts) > r->width - 2 * MARGIN)
        ts = 1; /* a long address: the whole line in the small font rather than cut off */
    int x = MARGIN + sc_draw_text(r, MARGIN, 4, text, TEXT, ts);
    sc_draw_text(r, x, 4, gaps, WARNING, ts);
}

/* Legend items flow left to right, wrapping to new rows; returns the rows used. */
static int draw_legend(sc_raster *r, const plot_layout *l, const sc_efirmata_capture *c, const unit_scale *scales,
                       const int *scale_of, bool draw)
{
    int ts = l->text_scale, row_h = SC_FONT_CELL_H * ts + 4;
    int x = MARGIN, row = 0, right = r->width - MARGIN;
    char text[96], v[48];
    for (int ch = 0; ch <= c->meta.channel_count; ch++) {
        sc_rgb colour = TEXT;
        if (ch < c->meta.channel_count) {
            const unit_scale *s = &scales[scale_of[ch]];
            format_si(v, sizeof v, s->per_div, (char[]){ s->unit, 0 });
            snprintf(text, sizeof text, "CH%d %s/div", ch, v);
            colour = sc_efirmata_channel_colour(ch);
        } else {
            format_si(v, sizeof v, l->t_div, (char[]){ c->meta.domain_unit, 0 });
            snprintf(text, sizeof text, "%s/div", v);
        }
        int w = sc_text_width(text, ts) + 4 * SC_FONT_CELL_W * ts / 2;
        if (x + w > right && x > MARGIN) {
            row++;
            x = MARGIN;
        }
        if (draw)
            sc_draw_text(r, x, l->legend_y + row * row_h, text, colour, ts);
        x += w;
    }
    return row + 1;
}

sc_status sc_efirmata_render_plot(const sc_efirmata_capture *c, sc_raster *out, int width, int height, sc_error *err)
{
    if (width < MIN_W || height < MIN_H || width > MAX_SIDE || height > MAX_SIDE)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata plot: %dx%d is not a usable size (%dx%d to %dx%d)", width,
                            height, MIN_W, MIN_H, MAX_SIDE, MAX_SIDE);
    if (c->meta.channel_count == 0 || c->samples == 0 || !c->present)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata plot: the capture holds no samples");
    sc_status st = sc_raster_alloc(out, width, height, err);
    if (st != SC_OK)
        return st;
    sc_draw_fill(out, BACKGROUND);

    unit_scale scales[SC_EFIRMATA_MAX_CHANNELS];
    int scale_of[SC_EFIRMATA_MAX_CHANNELS];
    unit_scales(c, scales, scale_of);

    plot_layout l = { .text_scale = width >= 640 && height >= 400 ? 2 : 1 };
    double duration = (double)c->samples * c->seconds_per_sample;
    l.t_div = nice_step(duration / DIV_X);
    int row_h = SC_FONT_CELL_H * l.text_scale + 4;
    l.legend_y = 0;
    int rows = draw_legend(out, &l, c, scales, scale_of, false);
    l.x0 = MARGIN;
    l.y0 = row_h + 6;
    l.w = width - 2 * MARGIN;
    l.h = height - l.y0 - rows * row_h - 8;
    if (l.h < 40) { /* too many legend rows for this height: fall back to the small font */
        l.text_scale = 1;
        row_h = SC_FONT_CELL_H + 4;
        rows = draw_legend(out, &l, c, scales, scale_of, false);
        l.y0 = row_h + 6;
        l.h = height - l.y0 - rows * row_h - 8;
        if (l.h < 40)
            l.h = 40;
    }
    l.legend_y = l.y0 + l.h + 5;
    l.px_per_sample = c->seconds_per_sample * l.w / (DIV_X * l.t_div);

    draw_graticule(out, &l);
    for (int ch = 0; ch < c->meta.channel_count; ch++)
        draw_trace(out, &l, c, ch, &scales[scale_of[ch]]);
    for (int ch = c->meta.channel_count - 1; ch >= 0; ch--) {
        int y = y_of(&l, &scales[scale_of[ch]], 0.0);
        if (y > l.y0 && y < l.y0 + l.h)
            draw_marker(out, l.x0 - 2, y, 1, sc_efirmata_channel_colour(ch));
    }
    bool edge = c->trigger == SC_EFIRMATA_TRIGGER_RISING || c->trigger == SC_EFIRMATA_TRIGGER_FALLING;
    if (edge && c->trigger_channel < c->meta.channel_count && isfinite(c->level)) {
        int y = y_of(&l, &scales[scale_of[c->trigger_channel]], c->level);
        if (y > l.y0 && y < l.y0 + l.h)
            draw_marker(out, l.x0 + l.w + 1, y, -1, TRIGGER);
    }
    draw_header(out, &l, c);
    draw_legend(out, &l, c, scales, scale_of, true);
    return SC_OK;
}
