/* scopesim's screen painter: a believable oscilloscope display (status bar, 12x8 grid,
 * four live traces, channel and trigger markers, a menu panel, a channel bar), painted
 * deterministically from a seed and a time so screenshots are reproducible and a live
 * stream still moves from frame to frame. */
#ifndef SCOPESIM_SCREEN_H
#define SCOPESIM_SCREEN_H

#include "scopecap/render.h"

typedef struct sim_screen_style {
    const char *brand;        /* "RIGOL" */
    const char *model;        /* "DS1054Z" */
    int width, height;        /* 800x480: the size callers allocate the raster with */
    int channels;             /* 1..4 */
    sc_rgb channel_colours[4];
    sc_rgb background, grid, text;
    int divisions_x, divisions_y; /* 12 x 8 for Rigol */
} sim_screen_style;

/* The Rigol DS1054Z look: 800x480, black background, CH1 yellow, CH2 cyan, CH3 magenta,
 * CH4 blue, a 12x8 grid. */
void sim_screen_style_default(sim_screen_style *s);

/* Paint a whole screen into r, laid out for r's own size (any size is safe; 800x480 is
 * what the layout is tuned for). The same seed and time give byte-identical pixels;
 * t_seconds advances the untriggered channels and the trace noise. */
void sim_draw_screen(sc_raster *r, const sim_screen_style *s, uint32_t seed, double t_seconds);

#endif
