/* Rendered frames: "NO SIGNAL" while the source is away, and the start-up placeholder.
 * They carry the reason in words, because the person looking at a frozen video call is
 * often not the one who can read the terminal. The font is ASCII only. */
#include "stream/stream_internal.h"

#include "scopecap/render.h"

#include <string.h>

static const sc_rgb BACKGROUND = { 24, 26, 34 };
static const sc_rgb FRAME_LINE = { 70, 74, 90 };
static const sc_rgb TITLE = { 240, 200, 60 };
static const sc_rgb DETAIL = { 220, 220, 220 };
static const sc_rgb FOOTER = { 130, 134, 150 };

#define MAX_DETAIL_LINES 6

/* Largest scale (up to `max`) at which `text` fits in `width` pixels. */
static int fitting_scale(const char *text, int width, int max)
{
    for (int s = max; s > 1; s--)
        if (sc_text_width(text, s) <= width)
            return s;
    return 1;
}

static void centred_text(sc_raster *r, int y, const char *text, sc_rgb c, int scale)
{
    int w = sc_text_width(text, scale);
    sc_draw_text(r, (r->width - w) / 2, y, text, c, scale);
}

/* Break `text` into lines of at most `per_line` characters, preferring spaces. */
static int wrap(const char *text, int per_line, char lines[][128], int max_lines)
{
    int n = 0;
    size_t len = strlen(text);
    size_t pos = 0;
    if (per_line > 127)
        per_line = 127;
    while (pos < len && n < max_lines) {
        while (text[pos] == ' ')
            pos++;
        size_t take = len - pos;
        if (take > (size_t)per_line) {
            take = (size_t)per_line;
            size_t space = take;
            while (space > 0 && text[pos + space] != ' ')
                space--;
            if (space > (size_t)per_line / 2)
                take = space;
        }
        bool truncated = n == max_lines - 1 && pos + take < len;
        memcpy(lines[n], text + pos, take);
        lines[n][take] = '\0';
        if (truncated && take >= 3)
            memcpy(lines[n] + take - 3, "...", 3);
        n++;
        pos += take;
    }
    return n;
}

sc_status sc_render_banner(sc_raster *out, int width, int height, const char *title, const char *detail,
                           const char *footer, sc_error *err)
{
    sc_status st = sc_raster_alloc(out, width, height, err);
    if (st != SC_OK)
        return st;
    sc_draw_fill(out, BACKGROUND);
    sc_draw_rect_outline(out, 8, 8, width - 16, height - 16, FRAME_LINE);

    int margin = 24;
    int title_scale = fitting_scale(title, width - 2 * margin, 8);
    int detail_scale = width >= 640 ? 2 : 1;
    int per_line = (width - 2 * margin) / (SC_FONT_CELL_W * detail_scale);
    char lines[MAX_DETAIL_LINES][128];
    int n = detail && *detail ? wrap(detail, per_line > 8 ? per_line : 8, lines, MAX_DETAIL_LINES) : 0;

    int title_h = SC_FONT_CELL_H * title_scale;
    int line_h = (SC_FONT_CELL_H + 4) * detail_scale;
    int block = title_h + (n ? 16 + n * line_h : 0);
    int y = (height - block) / 2;
    if (y < margin)
        y = margin;
    centred_text(out, y, title, TITLE, title_scale);
    y += title_h + 16;
    for (int i = 0; i < n; i++, y += line_h)
        centred_text(out, y, lines[i], DETAIL, detail_scale);
    if (footer && *footer)
        centred_text(out, height - margin - SC_FONT_CELL_H, footer, FOOTER, 1);
    return SC_OK;
}
