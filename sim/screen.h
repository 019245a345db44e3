/* scopesim's screen painter: a believable oscilloscope display (status bar, 12x8 grid,
 * four live traces, channel and trigger markers, a menu panel, a channel bar), painted
 * deterministically from a seed and a time so screenshots are reproducible and a live
 * stream still moves from frame to frame. */
#ifndef SCOPESIM_SCREEN_H
#define SCOPESIM_SCREEN_H

#include "scopecap/render.h"

typedef enum sim_panel { SIM_PANEL_RIGHT = 0, SIM_PANEL_LEFT, SIM_PANEL_NONE } sim_panel;

typedef struct sim_screen_style {
    const char *brand;        /* "RIGOL" */
    const char *model;        /* "DS1054Z" */
    int width, height;        /* 800x480: the size callers allocate the raster with */
    int channels;             /* 1..4 */
    sc_rgb channel_colours[4];
    sc_rgb background, grid, text;
    int divisions_x, divisions_y; /* 12 x 8 for Rigol */
    /* Layout and chrome, so each vendor's screen is told apart at a glance (and a decoder
     * that swaps channels or rows shows): where the menu panel sits, whether the status
     * bar is a filled band, solid or dotted graticule, the menu panel's colours. */
    sim_panel panel;
    bool status_band;
    sc_rgb status_fill;
    bool grid_solid;
    sc_rgb panel_fill, panel_title;
} sim_screen_style;

/* The Rigol DS1054Z look: 800x480, black background, CH1 yellow, CH2 cyan, CH3 magenta,
 * CH4 blue, a 12x8 grid. */
void sim_screen_style_default(sim_screen_style *s);

/* A vendor's look (sim_look in models.h): colours of its channels, background, grid and
 * chrome, and its layout. Brand, model, size and channel count are the caller's. */
void sim_screen_style_look(sim_screen_style *s, int look);

/* Paint a whole screen into r, laid out for r's own size (any size is safe; 800x480 is
 * what the layout is tuned for). The same seed and time give byte-identical pixels;
 * t_seconds advances the untriggered channels and the trace noise. */
void sim_draw_screen(sc_raster *r, const sim_screen_style *s, uint32_t seed, double t_seconds);

#endif
