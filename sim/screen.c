/* scopesim's screen painter: what a Rigol DS1054Z shows, painted from a seed and a time.
 *
 * The seed chooses the setup (waveforms, amplitudes, frequencies, offsets, volts/div,
 * timebase, trigger level) so each simulated instrument has its own stable picture; the
 * time moves the untriggered channels and reseeds the trace noise so a live stream
 * visibly runs. CH1 is the trigger source, so it stays put like a triggered trace would.
 * Nothing here allocates and nothing depends on global state: the same (seed, time)
 * always gives byte-identical pixels. */
#include "screen.h"

#include "models.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TWO_PI 6.283185307179586

static const sc_rgb TRIGGER_ORANGE = {255, 128, 0};
static const sc_rgb BLACK = {0, 0, 0};

void sim_screen_style_default(sim_screen_style *s)
{
    memset(s, 0, sizeof *s);
    s->brand = "RIGOL";
    s->model = "DS1054Z";
    s->width = 800;
    s->height = 480;
    s->channels = 4;
    s->channel_colours[0] = (sc_rgb){255, 255, 0};
    s->channel_colours[1] = (sc_rgb){0, 255, 255};
    s->channel_colours[2] = (sc_rgb){255, 0, 255};
    s->channel_colours[3] = (sc_rgb){0, 128, 255};
    s->background = (sc_rgb){0, 0, 0};
    s->grid = (sc_rgb){88, 88, 88};
    s->text = (sc_rgb){255, 255, 255};
    s->divisions_x = 12;
    s->divisions_y = 8;
    s->panel = SIM_PANEL_RIGHT;
    s->panel_fill = (sc_rgb){24, 24, 40};
    s->panel_title = s->channel_colours[0];
}

static void set_channels(sim_screen_style *s, sc_rgb c1, sc_rgb c2, sc_rgb c3, sc_rgb c4)
{
    s->channel_colours[0] = c1;
    s->channel_colours[1] = c2;
    s->channel_colours[2] = c3;
    s->channel_colours[3] = c4;
    s->panel_title = c1;
}

/* Colours as each maker paints them (from their manuals and screenshots, approximately). */
void sim_screen_style_look(sim_screen_style *s, int look)
{
    sim_screen_style_default(s);
    switch ((sim_look)look) {
    case SIM_LOOK_RIGOL:
        break;
    case SIM_LOOK_SIGLENT: /* C1 yellow, C2 pink, C3 cyan, C4 green; 10x8, menu at the right */
        set_channels(s, (sc_rgb){240, 230, 0}, (sc_rgb){255, 96, 200}, (sc_rgb){0, 220, 255}, (sc_rgb){40, 220, 60});
        s->divisions_x = 10;
        s->grid = (sc_rgb){70, 70, 70};
        s->status_band = true;
        s->status_fill = (sc_rgb){20, 30, 70};
        s->panel_fill = (sc_rgb){16, 32, 64};
        break;
    case SIM_LOOK_TEK_CLASSIC: /* CH1 yellow, CH2 cyan, CH3 magenta, CH4 green; 10x8 */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){0, 255, 255}, (sc_rgb){255, 0, 255}, (sc_rgb){0, 255, 0});
        s->divisions_x = 10;
        s->grid = (sc_rgb){96, 96, 96};
        s->panel = SIM_PANEL_RIGHT;
        s->panel_fill = (sc_rgb){40, 40, 40};
        s->panel_title = (sc_rgb){0, 96, 200};
        break;
    case SIM_LOOK_TEK_MODERN: /* MSO5/6: dark grey, solid graticule, channel badges below */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){0, 200, 255}, (sc_rgb){255, 64, 160}, (sc_rgb){64, 255, 64});
        s->background = (sc_rgb){22, 22, 26};
        s->divisions_x = 10;
        s->grid = (sc_rgb){60, 60, 64};
        s->grid_solid = true;
        s->panel = SIM_PANEL_NONE;
        s->status_band = true;
        s->status_fill = (sc_rgb){44, 44, 50};
        break;
    case SIM_LOOK_KEYSIGHT: /* 1 yellow, 2 green, 3 blue, 4 red; softkeys at the right */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){0, 255, 0}, (sc_rgb){64, 128, 255}, (sc_rgb){255, 40, 40});
        s->divisions_x = 10;
        s->grid = (sc_rgb){80, 80, 80};
        s->status_band = true;
        s->status_fill = (sc_rgb){30, 30, 30};
        s->panel_fill = (sc_rgb){50, 50, 50};
        s->panel_title = (sc_rgb){90, 90, 160};
        break;
    case SIM_LOOK_LECROY: /* C1 yellow, C2 pink, C3 cyan, C4 green; dialogs at the left */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){255, 80, 160}, (sc_rgb){0, 255, 255}, (sc_rgb){0, 255, 64});
        s->background = (sc_rgb){0, 0, 24};
        s->divisions_x = 10;
        s->grid = (sc_rgb){72, 72, 96};
        s->grid_solid = true;
        s->panel = SIM_PANEL_LEFT;
        s->panel_fill = (sc_rgb){0, 40, 90};
        s->panel_title = (sc_rgb){0, 120, 200};
        break;
    case SIM_LOOK_RS: /* CH1 yellow, CH2 green, CH3 orange, CH4 blue */
        set_channels(s, (sc_rgb){255, 230, 0}, (sc_rgb){0, 230, 80}, (sc_rgb){255, 140, 0}, (sc_rgb){40, 140, 255});
        s->divisions_x = 10;
        s->background = (sc_rgb){8, 8, 8};
        s->grid = (sc_rgb){90, 90, 90};
        s->status_band = true;
        s->status_fill = (sc_rgb){0, 60, 100};
        s->panel = SIM_PANEL_LEFT;
        s->panel_fill = (sc_rgb){30, 40, 50};
        break;
    case SIM_LOOK_GWINSTEK: /* CH1 yellow, CH2 cyan, CH3 pink, CH4 green */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){0, 255, 255}, (sc_rgb){255, 100, 200}, (sc_rgb){0, 200, 0});
        s->divisions_x = 10;
        s->status_band = true;
        s->status_fill = (sc_rgb){60, 0, 0};
        s->panel_fill = (sc_rgb){48, 24, 24};
        break;
    case SIM_LOOK_OWON: /* CH1 red, CH2 yellow, CH3 green, CH4 pink (Owon starts with red) */
        set_channels(s, (sc_rgb){255, 40, 40}, (sc_rgb){255, 255, 0}, (sc_rgb){0, 255, 0}, (sc_rgb){255, 0, 255});
        s->divisions_x = 10;
        s->background = (sc_rgb){0, 0, 40};
        s->grid = (sc_rgb){70, 70, 110};
        s->panel = SIM_PANEL_NONE;
        break;
    case SIM_LOOK_ACME: /* a made-up maker: amber on black, no menus */
        set_channels(s, (sc_rgb){255, 176, 0}, (sc_rgb){160, 255, 160}, (sc_rgb){255, 255, 255}, (sc_rgb){128, 128, 255});
        s->grid = (sc_rgb){100, 70, 0};
        s->grid_solid = true;
        s->panel = SIM_PANEL_NONE;
        break;
    case SIM_LOOK_RIGOL_DHO: /* DHO800/1000: Rigol's colours, 10x8, dark bars, blue accents */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){0, 255, 255}, (sc_rgb){255, 0, 255}, (sc_rgb){30, 144, 255});
        s->divisions_x = 10;
        s->grid = (sc_rgb){76, 76, 76};
        s->status_band = true;
        s->status_fill = (sc_rgb){28, 28, 28};
        s->panel_fill = (sc_rgb){20, 24, 36};
        s->panel_title = (sc_rgb){0, 120, 215};
        break;
    case SIM_LOOK_TEK_WINDOWS: /* TekScope on Windows: menu bar, 10x10 graticule, controls below */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){0, 255, 255}, (sc_rgb){255, 0, 255}, (sc_rgb){0, 255, 0});
        s->divisions_x = 10;
        s->divisions_y = 10;
        s->grid = (sc_rgb){110, 110, 110};
        s->status_band = true;
        s->status_fill = (sc_rgb){60, 72, 100};
        s->panel = SIM_PANEL_NONE;
        break;
    case SIM_LOOK_KEYSIGHT_6000: /* InfiniiVision 6000A: 1 yellow, 2 green, 3 blue, 4 red; softkeys below */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){0, 255, 0}, (sc_rgb){80, 110, 255}, (sc_rgb){255, 40, 40});
        s->divisions_x = 10;
        s->grid = (sc_rgb){96, 96, 96};
        s->status_band = true;
        s->status_fill = (sc_rgb){0, 0, 80};
        s->panel = SIM_PANEL_NONE;
        break;
    case SIM_LOOK_INFINIIUM: /* Infiniium on Windows: grey chrome, solid graticule, measurements right */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){0, 230, 0}, (sc_rgb){96, 128, 255}, (sc_rgb){255, 64, 64});
        s->divisions_x = 10;
        s->grid = (sc_rgb){60, 60, 60};
        s->grid_solid = true;
        s->status_band = true;
        s->status_fill = (sc_rgb){90, 96, 110};
        s->panel_fill = (sc_rgb){70, 74, 84};
        s->panel_title = (sc_rgb){30, 90, 170};
        break;
    case SIM_LOOK_LECROY_MAUI: /* MAUI: menu bar on top, C1 yellow, C2 pink, C3 cyan, C4 green, descriptors below */
        set_channels(s, (sc_rgb){255, 255, 0}, (sc_rgb){255, 64, 160}, (sc_rgb){0, 255, 255}, (sc_rgb){0, 255, 0});
        s->divisions_x = 10;
        s->grid = (sc_rgb){64, 64, 64};
        s->grid_solid = true;
        s->status_band = true;
        s->status_fill = (sc_rgb){24, 40, 72};
        s->panel = SIM_PANEL_NONE;
        break;
    case SIM_LOOK_RS_MXO: /* MXO 4: C1 yellow, C2 green, C3 orange, C4 blue; toolbar, signal bar below */
        set_channels(s, (sc_rgb){255, 210, 0}, (sc_rgb){0, 220, 110}, (sc_rgb){255, 120, 0}, (sc_rgb){40, 150, 255});
        s->divisions_x = 10;
        s->background = (sc_rgb){12, 14, 20};
        s->grid = (sc_rgb){48, 54, 64};
        s->grid_solid = true;
        s->status_band = true;
        s->status_fill = (sc_rgb){30, 40, 56};
        s->panel = SIM_PANEL_NONE;
        break;
    case SIM_LOOK_COUNT:
        break;
    }
}

/* ---- deterministic randomness: xorshift32 with a mixed seed ---- */

typedef struct prng {
    uint32_t state;
} prng;

/* A strong integer mix so seeds 1, 2, 3 give unrelated setups, not neighbouring ones. */
static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

static void prng_seed(prng *p, uint32_t seed, uint32_t stream)
{
    p->state = mix32(seed ^ mix32(stream + 0x9E3779B9u));
    if (p->state == 0) /* xorshift never leaves zero */
        p->state = 0x6D2B79F5u;
}

static uint32_t prng_next(prng *p)
{
    uint32_t x = p->state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p->state = x;
    return x;
}

static double prng_unit(prng *p)
{
    return (prng_next(p) >> 8) / 16777216.0;
}

static double prng_range(prng *p, double lo, double hi)
{
    return lo + (hi - lo) * prng_unit(p);
}

static int prng_pick(prng *p, int n)
{
    return (int)(prng_unit(p) * n);
}

/* Roughly Gaussian in [-1.5, 1.5]: enough to make a trace look like a real, slightly
 * fuzzy acquisition. */
static double prng_noise(prng *p)
{
    return prng_unit(p) + prng_unit(p) + prng_unit(p) - 1.5;
}

/* ---- the instrument setup the seed chooses ---- */

typedef enum wave_kind { WAVE_SINE, WAVE_SQUARE, WAVE_TRIANGLE, WAVE_SAWTOOTH, WAVE_BURST, WAVE_NOISY_DC, WAVE_PWM } wave_kind;

typedef struct channel_setup {
    wave_kind kind;
    double ground_div;    /* where 0 V sits, in divisions above the centre line */
    double level_div;     /* DC level above ground (square low level, noisy DC level) */
    double amplitude_div; /* peak for sine/triangle/saw/burst, high-low for square/PWM */
    double cycles;        /* periods across the full screen width */
    double phase;         /* in periods, at t = 0 */
    double drift;         /* periods per second: untriggered channels crawl */
    double shape;         /* rise time (square/PWM) or decay (burst), in periods */
    double noise_div;
    int volts_index;
} channel_setup;

typedef struct screen_setup {
    channel_setup ch[4];
    int timebase_index;
    int depth_index;
    double trigger_div; /* trigger level on CH1, in divisions above the centre */
    double trigger_volts;
} screen_setup;

static const double VOLTS_PER_DIV[] = {0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0};
static const double SECONDS_PER_DIV[] = {1e-6, 2e-6, 5e-6, 10e-6, 20e-6, 50e-6, 100e-6, 200e-6, 500e-6, 1e-3, 2e-3};
/* Memory depths of a DS1054Z with one channel on; more channels share the memory. */
static const double DEPTH_ONE_CHANNEL[] = {12e3, 120e3, 1.2e6, 12e6, 24e6};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* CH1: a sine, triggered on a rising edge at the centre of the screen. */
static void choose_ch1(prng *p, channel_setup *c, double *trigger_div)
{
    c->kind = WAVE_SINE;
    c->ground_div = 2.6 + prng_range(p, -0.2, 0.2);
    c->amplitude_div = prng_range(p, 0.7, 1.1);
    c->cycles = prng_range(p, 2.0, 4.0);
    c->noise_div = 0.025;
    c->volts_index = prng_pick(p, COUNT(VOLTS_PER_DIV));
    double k = prng_range(p, -0.6, 0.6);
    *trigger_div = c->ground_div + k * c->amplitude_div;
    /* sin(2*pi*(cycles/2 + phase)) == k on its rising slope at mid-screen */
    c->phase = asin(k) / TWO_PI - c->cycles * 0.5;
    c->drift = 0;
}

static void choose_ch2(prng *p, channel_setup *c)
{
    c->kind = WAVE_SQUARE;
    c->ground_div = -0.1 + prng_range(p, -0.2, 0.2);
    c->level_div = 0;
    c->amplitude_div = prng_range(p, 1.0, 1.4);
    c->cycles = prng_range(p, 3.0, 6.0);
    c->phase = prng_unit(p);
    c->drift = prng_range(p, 0.05, 0.25) * (prng_pick(p, 2) ? 1 : -1);
    c->shape = prng_range(p, 0.02, 0.05);
    c->noise_div = 0.02;
    c->volts_index = prng_pick(p, COUNT(VOLTS_PER_DIV));
}

static void choose_ch3(prng *p, channel_setup *c)
{
    c->kind = prng_pick(p, 2) ? WAVE_TRIANGLE : WAVE_SAWTOOTH;
    c->ground_div = -1.4 + prng_range(p, -0.2, 0.2);
    c->amplitude_div = prng_range(p, 0.5, 0.8);
    c->cycles = prng_range(p, 1.5, 4.0);
    c->phase = prng_unit(p);
    c->drift = prng_range(p, 0.03, 0.15) * (prng_pick(p, 2) ? 1 : -1);
    c->noise_div = 0.02;
    c->volts_index = prng_pick(p, COUNT(VOLTS_PER_DIV));
}

static void choose_ch4(prng *p, channel_setup *c)
{
    static const wave_kind kinds[] = {WAVE_BURST, WAVE_NOISY_DC, WAVE_PWM};
    c->kind = kinds[prng_pick(p, COUNT(kinds))];
    c->phase = prng_unit(p);
    c->drift = prng_range(p, 0.05, 0.2) * (prng_pick(p, 2) ? 1 : -1);
    c->volts_index = prng_pick(p, COUNT(VOLTS_PER_DIV));
    c->noise_div = 0.02;
    switch (c->kind) {
    case WAVE_BURST:
        c->ground_div = -3.1 + prng_range(p, -0.15, 0.15);
        c->amplitude_div = prng_range(p, 0.5, 0.75);
        c->cycles = prng_range(p, 1.5, 3.0);
        c->shape = prng_range(p, 0.12, 0.25);
        break;
    case WAVE_NOISY_DC:
        c->ground_div = -3.5 + prng_range(p, -0.15, 0.15);
        c->level_div = prng_range(p, 0.4, 0.9);
        c->amplitude_div = 0.12;
        c->cycles = prng_range(p, 0.5, 1.5);
        c->noise_div = 0.09;
        break;
    default:
        c->kind = WAVE_PWM;
        c->ground_div = -3.6 + prng_range(p, -0.15, 0.15);
        c->amplitude_div = prng_range(p, 0.8, 1.1);
        c->cycles = prng_range(p, 8.0, 14.0);
        c->shape = 0.03;
        break;
    }
}

static void choose_setup(screen_setup *s, uint32_t seed)
{
    prng p;
    prng_seed(&p, seed, 0);
    memset(s, 0, sizeof *s);
    choose_ch1(&p, &s->ch[0], &s->trigger_div);
    choose_ch2(&p, &s->ch[1]);
    choose_ch3(&p, &s->ch[2]);
    choose_ch4(&p, &s->ch[3]);
    s->timebase_index = prng_pick(&p, COUNT(SECONDS_PER_DIV));
    s->depth_index = prng_pick(&p, COUNT(DEPTH_ONE_CHANNEL));
    s->trigger_volts = (s->trigger_div - s->ch[0].ground_div) * VOLTS_PER_DIV[s->ch[0].volts_index];
}

/* ---- waveforms: value in divisions above ground, for a phase in periods ---- */

static double frac(double x)
{
    return x - floor(x);
}

/* A smooth edge from 0 to 1 over [0, width]: looks like a band-limited rise. */
static double edge(double x, double width)
{
    if (x <= 0)
        return 0;
    if (x >= width)
        return 1;
    double s = x / width;
    return s * s * (3 - 2 * s);
}

/* Damped ringing after an edge, as a probe with a long ground lead shows it. */
static double ringing(double since_edge)
{
    if (since_edge < 0)
        return 0;
    return 0.10 * exp(-since_edge / 0.025) * cos(TWO_PI * since_edge / 0.035);
}

static double square_wave(double f, double rise, double duty)
{
    if (f < duty)
        return edge(f, rise) + (f >= rise ? ringing(f - rise) : 0);
    return 1 - edge(f - duty, rise) - (f - duty >= rise ? ringing(f - duty - rise) : 0);
}

/* u is the position across the screen, 0..1 (left to right). */
static double wave_value(const channel_setup *c, double u, double phase_now)
{
    double p = c->cycles * u + phase_now;
    double f = frac(p);
    switch (c->kind) {
    case WAVE_SINE:
        return c->amplitude_div * sin(TWO_PI * p);
    case WAVE_SQUARE:
        return c->level_div + c->amplitude_div * square_wave(f, c->shape, 0.5);
    case WAVE_TRIANGLE:
        return c->amplitude_div * (1 - 4 * fabs(f - 0.5));
    case WAVE_SAWTOOTH:
        /* ramp up for 98.5% of the period, then a fast but finite retrace */
        return f < 0.985 ? c->amplitude_div * (2 * f / 0.985 - 1) : c->amplitude_div * (1 - 2 * (f - 0.985) / 0.015);
    case WAVE_BURST:
        return c->amplitude_div * exp(-f / c->shape) * sin(TWO_PI * 9 * f);
    case WAVE_NOISY_DC:
        return c->level_div + c->amplitude_div * sin(TWO_PI * p) * 0.5;
    case WAVE_PWM: {
        double duty = 0.5 + 0.35 * sin(TWO_PI * (u + phase_now * 0.1));
        return c->amplitude_div * square_wave(f, c->shape, duty);
    }
    }
    return 0;
}

/* ---- number formatting as the scope shows it: three significant digits, SI prefix ---- */

static void format_si(char *out, size_t cap, double value, const char *unit)
{
    static const struct {
        double scale;
        const char *prefix;
    } prefixes[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}, {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}};
    double mag = fabs(value);
    int i = 0;
    while (i < COUNT(prefixes) - 1 && mag < prefixes[i].scale * 0.9995)
        i++;
    double v = value / prefixes[i].scale;
    double av = fabs(v);
    const char *fmt = av >= 99.95 ? "%.0f%s%s" : av >= 9.995 ? "%.1f%s%s" : "%.2f%s%s";
    snprintf(out, cap, fmt, v, prefixes[i].prefix, unit);
}

/* ---- layout ---- */

typedef struct layout {
    int w, h;
    int top_h;
    int bottom_y, bottom_h;
    int panel_x, panel_w;
    int grid_x, grid_y, grid_w, grid_h;
    int div_x, div_y, div_w, div_h;
    int centre_x, centre_y;
} layout;

static int clamp_int(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void compute_layout(layout *l, int w, int h, const sim_screen_style *s)
{
    l->w = w;
    l->h = h;
    l->div_x = clamp_int(s->divisions_x > 0 ? s->divisions_x : 12, 1, 64);
    l->div_y = clamp_int(s->divisions_y > 0 ? s->divisions_y : 8, 1, 64);
    /* the bars hold fixed-size text, so they only shrink on screens too small for it */
    l->top_h = h >= 240 ? 24 : clamp_int(h / 20, 4, 24);
    l->bottom_h = h >= 240 ? clamp_int(h / 15, 28, 40) : clamp_int(h / 15, 4, 40);
    l->bottom_y = h - l->bottom_h;
    l->panel_w = w >= 480 && s->panel != SIM_PANEL_NONE ? w / 8 : 0;
    l->panel_x = s->panel == SIM_PANEL_LEFT ? 0 : w - l->panel_w;
    int left = w >= 200 ? 16 : clamp_int(w / 56, 2, 16); /* room for the ground markers */
    int left_edge = s->panel == SIM_PANEL_LEFT ? l->panel_w : 0;
    /* room for the trigger level marker on the right and the position marker on top */
    int right = w >= 200 ? 14 : clamp_int(w / 64, 2, 14);
    int top_gap = h >= 200 ? 16 : clamp_int(h / 32, 1, 16);
    int avail_w = (s->panel == SIM_PANEL_LEFT ? w : l->panel_x) - left_edge - left - right;
    int avail_h = l->bottom_y - l->top_h - top_gap - 2;
    l->div_w = avail_w / l->div_x > 1 ? avail_w / l->div_x : 1;
    l->div_h = avail_h / l->div_y > 1 ? avail_h / l->div_y : 1;
    l->grid_w = l->div_w * l->div_x;
    l->grid_h = l->div_h * l->div_y;
    l->grid_x = left_edge + left + (avail_w - l->grid_w) / 2;
    l->grid_y = l->top_h + top_gap;
    l->centre_x = l->grid_x + l->grid_w / 2;
    l->centre_y = l->grid_y + l->grid_h / 2;
}

/* Screen row of a level given in divisions above the centre, kept inside the grid the
 * way a scope pins an off-screen trace to the edge. */
static int row_for_div(const layout *l, double div)
{
    double y = l->centre_y - div * l->div_h;
    double top = l->grid_y + 1, bottom = l->grid_y + l->grid_h - 1;
    if (!(y >= top)) /* also catches NaN */
        y = top;
    if (y > bottom)
        y = bottom;
    return (int)lround(y);
}

/* ---- painting ---- */

static sc_rgb brighter(sc_rgb c, int num, int den)
{
    int r = c.r * num / den, g = c.g * num / den, b = c.b * num / den;
    return (sc_rgb){(uint8_t)(r > 255 ? 255 : r), (uint8_t)(g > 255 ? 255 : g), (uint8_t)(b > 255 ? 255 : b)};
}

static void draw_grid(sc_raster *r, const layout *l, const sim_screen_style *s)
{
    sc_rgb dots = s->grid;
    sc_rgb axis = brighter(s->grid, 16, 10);
    int step_x = l->div_w >= 10 ? l->div_w / 10 : 1;
    int step_y = l->div_h >= 10 ? l->div_h / 10 : 1;
    int x_end = l->grid_x + l->grid_w, y_end = l->grid_y + l->grid_h;

    for (int i = 1; i < l->div_y; i++) {
        int y = l->grid_y + i * l->div_h;
        if (s->grid_solid)
            sc_draw_rect(r, l->grid_x, y, l->grid_w, 1, dots);
        else
            sc_draw_dotted_hline(r, l->grid_x, x_end, y, step_x < 2 ? 2 : step_x, dots);
    }
    for (int i = 1; i < l->div_x; i++) {
        int x = l->grid_x + i * l->div_w;
        if (s->grid_solid)
            sc_draw_rect(r, x, l->grid_y, 1, l->grid_h, dots);
        else
            sc_draw_dotted_vline(r, x, l->grid_y, y_end, step_y < 2 ? 2 : step_y, dots);
    }
    /* The centre cross is brighter and carries a tick every fifth of a division. */
    sc_draw_dotted_hline(r, l->grid_x, x_end, l->centre_y, 2, axis);
    sc_draw_dotted_vline(r, l->centre_x, l->grid_y, y_end, 2, axis);
    for (int k = 1; k < l->div_x * 5; k++) {
        int x = l->grid_x + k * l->grid_w / (l->div_x * 5);
        sc_draw_rect(r, x, l->centre_y - 2, 1, 5, axis);
        sc_draw_rect(r, x, l->grid_y + 1, 1, 3, dots);
        sc_draw_rect(r, x, y_end - 3, 1, 3, dots);
    }
    for (int k = 1; k < l->div_y * 5; k++) {
        int y = l->grid_y + k * l->grid_h / (l->div_y * 5);
        sc_draw_rect(r, l->centre_x - 2, y, 5, 1, axis);
        sc_draw_rect(r, l->grid_x + 1, y, 3, 1, dots);
        sc_draw_rect(r, x_end - 3, y, 3, 1, dots);
    }
    sc_draw_rect_outline(r, l->grid_x, l->grid_y, l->grid_w + 1, l->grid_h + 1, axis);
}

static void draw_trace(sc_raster *r, const layout *l, const channel_setup *c, sc_rgb colour, uint32_t seed,
                       uint32_t frame, int index, double t)
{
    prng noise;
    prng_seed(&noise, seed ^ mix32(frame), 0x100u + (uint32_t)index);
    /* fmod keeps the phase precise however long the stream has been running */
    double phase_now = c->phase + fmod(c->drift * t, 1.0);
    int prev_x = 0, prev_y = 0;
    for (int x = l->grid_x + 1; x < l->grid_x + l->grid_w; x++) {
        double u = (double)(x - l->grid_x) / l->grid_w;
        double v = c->ground_div + wave_value(c, u, phase_now) + c->noise_div * prng_noise(&noise);
        int y = row_for_div(l, v);
        if (x > l->grid_x + 1)
            sc_draw_line(r, prev_x, prev_y, x, y, colour);
        else
            sc_draw_pixel(r, x, y, colour);
        prev_x = x;
        prev_y = y;
    }
}

/* A filled triangle pointing left or right: rows of shrinking width. */
static void draw_arrow_h(sc_raster *r, int tip_x, int y, int half, int dir, sc_rgb c)
{
    for (int i = 0; i <= half; i++) {
        int len = half - i + 1;
        int x = dir > 0 ? tip_x - len + 1 : tip_x;
        sc_draw_rect(r, x, y - i, len, 1, c);
        sc_draw_rect(r, x, y + i, len, 1, c);
    }
}

static void draw_ground_marker(sc_raster *r, const layout *l, double div, int number, sc_rgb colour)
{
    int y = row_for_div(l, div);
    int tag_w = 9, tag_h = 9;
    int x = l->grid_x - tag_w - 4;
    sc_draw_rect(r, x, y - tag_h / 2, tag_w, tag_h, colour);
    draw_arrow_h(r, x + tag_w + 3, y, 4, +1, colour);
    char label[2] = {(char)('0' + number), 0};
    sc_draw_text(r, x + 2, y - 3, label, BLACK, 1);
}

static void draw_trigger_markers(sc_raster *r, const layout *l, const screen_setup *setup)
{
    /* level: on the right edge, pointing into the grid */
    int y = row_for_div(l, setup->trigger_div);
    int x = l->grid_x + l->grid_w + 4;
    sc_draw_rect(r, x, y - 4, 9, 9, TRIGGER_ORANGE);
    draw_arrow_h(r, x - 4, y, 4, -1, TRIGGER_ORANGE);
    sc_draw_text(r, x + 2, y - 3, "T", BLACK, 1);

    /* position: above the grid at the trigger point (delay 0: the centre) */
    int cx = l->centre_x;
    int top = l->grid_y - 14;
    sc_draw_rect(r, cx - 5, top, 11, 10, TRIGGER_ORANGE);
    for (int i = 0; i < 4; i++)
        sc_draw_rect(r, cx - 3 + i, top + 10 + i, 7 - 2 * i, 1, TRIGGER_ORANGE);
    sc_draw_text(r, cx - 2, top + 2, "T", BLACK, 1);
}

/* A label in a small filled box: "H", "D", "T" in the status bar. */
static int draw_tag(sc_raster *r, int x, int y, const char *text, sc_rgb fill, sc_rgb ink)
{
    int w = sc_text_width(text, 1) + 3;
    sc_draw_rect(r, x, y, w, 11, fill);
    sc_draw_text(r, x + 2, y + 2, text, ink, 1);
    return w;
}

static void draw_rising_edge_symbol(sc_raster *r, int x, int y, sc_rgb c)
{
    sc_draw_line(r, x, y + 8, x + 3, y + 8, c);
    sc_draw_line(r, x + 3, y + 8, x + 3, y, c);
    sc_draw_line(r, x + 3, y, x + 7, y, c);
    sc_draw_line(r, x + 1, y + 4, x + 3, y + 2, c); /* arrow head on the edge */
    sc_draw_line(r, x + 5, y + 4, x + 3, y + 2, c);
}

static void draw_status_bar(sc_raster *r, const layout *l, const sim_screen_style *s, const screen_setup *setup,
                            int channels_on)
{
    sc_rgb text = s->text;
    sc_rgb label_fill = {72, 72, 96};
    const char *brand = s->brand ? s->brand : "";
    int y = (l->top_h - 16) / 2 > 0 ? (l->top_h - 16) / 2 : 0;
    int x = 6;
    bool roomy = l->w >= 640; /* narrow screens drop the memory bar and the delay */
    if (s->status_band)
        sc_draw_rect(r, 0, 0, l->w, l->top_h, s->status_fill);
    x += sc_draw_text(r, x, y + 1, brand, text, l->w >= 480 ? 2 : 1) + 8;

    /* RUN box: the simulator is always acquiring, which is why the picture moves */
    sc_draw_rect(r, x, y, 36, 16, (sc_rgb){0, 176, 0});
    sc_draw_text(r, x + (36 - sc_text_width("RUN", 1)) / 2, y + 4, "RUN", BLACK, 1);
    x += 36 + 12;

    double tdiv = SECONDS_PER_DIV[setup->timebase_index];
    char buf[32];
    x += draw_tag(r, x, y + 3, "H", label_fill, text) + 4;
    format_si(buf, sizeof buf, tdiv, "s");
    x += sc_draw_text(r, x, y + 5, buf, text, 1) + 14;

    /* DS1054Z: 1 GSa/s and 24 Mpts shared by the channels that are on */
    int share = channels_on <= 1 ? 1 : channels_on == 2 ? 2 : 4;
    double max_rate = 1e9 / share;
    double depth = DEPTH_ONE_CHANNEL[setup->depth_index] / share;
    double rate = depth / (l->div_x * tdiv);
    if (rate > max_rate)
        rate = max_rate;
    format_si(buf, sizeof buf, rate, "Sa/s");
    sc_draw_text(r, x, y, buf, text, 1);
    format_si(buf, sizeof buf, rate * l->div_x * tdiv, "pts");
    sc_draw_text(r, x, y + 9, buf, text, 1);
    x += sc_text_width("000MSa/s", 1) + 14;
    if (roomy) {
        /* memory bar: the whole record, the visible window and the trigger point */
        int bar_w = l->w / 5;
        sc_draw_rect_outline(r, x, y + 3, bar_w, 10, s->grid);
        sc_draw_rect(r, x + bar_w / 4, y + 5, bar_w / 2, 6, (sc_rgb){64, 64, 160});
        sc_draw_rect(r, x + bar_w / 2, y + 1, 1, 14, TRIGGER_ORANGE);
        x += bar_w + 14;

        x += draw_tag(r, x, y + 3, "D", label_fill, text) + 4;
        x += sc_draw_text(r, x, y + 5, "0.00000000s", text, 1) + 14;
    }

    sc_rgb ch1 = s->channel_colours[0];
    x += draw_tag(r, x, y + 3, "T", TRIGGER_ORANGE, BLACK) + 4;
    draw_rising_edge_symbol(r, x, y + 4, text);
    x += 12;
    x += sc_draw_text(r, x, y + 5, "CH1", ch1, 1) + 6;
    format_si(buf, sizeof buf, setup->trigger_volts, "V");
    sc_draw_text(r, x, y + 5, buf, ch1, 1);
}

static void draw_menu_panel(sc_raster *r, const layout *l, const sim_screen_style *s)
{
    if (l->panel_w <= 0)
        return;
    static const char *const items[][2] = {
        {"Coupling", "DC"}, {"BW Limit", "OFF"}, {"Probe", "1X"}, {"Invert", "OFF"}, {"Volts/Div", "Coarse"}, {"Unit", "[V]"},
    };
    int x = l->panel_x + 2, w = l->panel_w - 4;
    int y = l->grid_y - 10, bottom = l->bottom_y - 4;
    sc_draw_rect(r, x, y, w, bottom - y, s->panel_fill);
    sc_draw_rect(r, x, y, w, 16, s->panel_title);
    sc_draw_text(r, x + (w - sc_text_width("CH1", 1)) / 2, y + 4, "CH1", BLACK, 1);
    int item_h = (bottom - y - 20) / COUNT(items);
    for (int i = 0; i < COUNT(items); i++) {
        int iy = y + 20 + i * item_h;
        sc_draw_rect(r, x + 4, iy + item_h - 2, w - 8, 1, (sc_rgb){60, 60, 80});
        sc_draw_text(r, x + 6, iy + 8, items[i][0], s->text, 1);
        sc_draw_rect(r, x + 6, iy + 20, w - 12, 14, (sc_rgb){48, 48, 72});
        sc_draw_text(r, x + 10, iy + 23, items[i][1], s->text, 1);
    }
}

static void draw_channel_bar(sc_raster *r, const layout *l, const sim_screen_style *s, const screen_setup *setup,
                             int channels_on)
{
    int box_w = l->w >= 640 ? 100 : l->w / 6;
    int y = l->bottom_y + 3, h = l->bottom_h - 6;
    char buf[32];
    for (int i = 0; i < channels_on; i++) {
        sc_rgb c = s->channel_colours[i];
        int x = 6 + i * (box_w + 4);
        sc_draw_rect_outline(r, x, y, box_w, h, c);
        sc_draw_rect(r, x, y, 14, h, c);
        char number[2] = {(char)('1' + i), 0};
        sc_draw_text(r, x + 4, y + (h - 7) / 2, number, BLACK, 1);
        format_si(buf, sizeof buf, VOLTS_PER_DIV[setup->ch[i].volts_index], "V");
        if (box_w >= 100) {
            /* DC coupling symbol: a solid line over a dashed one */
            sc_draw_rect(r, x + 19, y + h / 2 - 2, 9, 1, c);
            sc_draw_dotted_hline(r, x + 19, x + 27, y + h / 2 + 1, 2, c);
            int scale = h >= 18 ? 2 : 1;
            sc_draw_text(r, x + 32, y + (h - 7 * scale) / 2, buf, c, scale);
        } else {
            sc_draw_text(r, x + 17, y + (h - 7) / 2, buf, c, 1);
        }
    }
    const char *model = s->model ? s->model : "";
    int mw = sc_text_width(model, 1);
    int boxes_end = 6 + channels_on * (box_w + 4);
    if (l->w - mw - 8 > boxes_end) /* only where it does not cover a channel box */
        sc_draw_text(r, l->w - mw - 8, y + (h - 7) / 2, model, brighter(s->text, 6, 10), 1);
}

/* Whole milliseconds of the stream clock: each frame gets its own noise. */
static uint32_t frame_number(double t)
{
    double ms = fmod(fabs(t) * 1000.0, 4294967296.0);
    return (uint32_t)ms;
}

void sim_draw_screen(sc_raster *r, const sim_screen_style *s, uint32_t seed, double t_seconds)
{
    if (!r || !r->pixels || r->width <= 0 || r->height <= 0 || !s)
        return;
    if (!isfinite(t_seconds))
        t_seconds = 0;
    screen_setup setup;
    choose_setup(&setup, seed);
    layout l;
    compute_layout(&l, r->width, r->height, s);
    int channels_on = clamp_int(s->channels, 1, 4);
    uint32_t frame = frame_number(t_seconds);

    sc_draw_fill(r, s->background);
    draw_status_bar(r, &l, s, &setup, channels_on);
    draw_grid(r, &l, s);
    /* CH1 last, so the trigger source is drawn on top */
    for (int i = channels_on - 1; i >= 0; i--)
        draw_trace(r, &l, &setup.ch[i], s->channel_colours[i], seed, frame, i, t_seconds);
    for (int i = channels_on - 1; i >= 0; i--)
        draw_ground_marker(r, &l, setup.ch[i].ground_div, i + 1, s->channel_colours[i]);
    draw_trigger_markers(r, &l, &setup);
    draw_menu_panel(r, &l, s);
    draw_channel_bar(r, &l, s, &setup, channels_on);
}
