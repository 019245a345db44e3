/* A small RGB canvas for drawing: simulated scope screens, eFirmata plots, NO SIGNAL frames.
 * Drawing clips to the raster; nothing here allocates. */
#ifndef SCOPECAP_RENDER_H
#define SCOPECAP_RENDER_H

#include "scopecap/image.h"

#ifdef __cplusplus
extern "C" {
#endif

void sc_draw_fill(sc_raster *r, sc_rgb c);
void sc_draw_pixel(sc_raster *r, int x, int y, sc_rgb c);
void sc_draw_rect(sc_raster *r, int x, int y, int w, int h, sc_rgb c);         /* filled */
void sc_draw_rect_outline(sc_raster *r, int x, int y, int w, int h, sc_rgb c); /* 1 px */
void sc_draw_line(sc_raster *r, int x0, int y0, int x1, int y1, sc_rgb c);
/* Dotted line: one pixel drawn every `step` pixels (grid lines). */
void sc_draw_dotted_hline(sc_raster *r, int x0, int x1, int y, int step, sc_rgb c);
void sc_draw_dotted_vline(sc_raster *r, int x, int y0, int y1, int step, sc_rgb c);

/* Text in the embedded 6x8 cell bitmap font (printable ASCII; others drawn as '?').
 * `scale` >= 1 magnifies each font pixel. Returns the width drawn in pixels. */
#define SC_FONT_CELL_W 6
#define SC_FONT_CELL_H 8
int sc_draw_text(sc_raster *r, int x, int y, const char *text, sc_rgb c, int scale);
int sc_text_width(const char *text, int scale);

#ifdef __cplusplus
}
#endif
#endif
