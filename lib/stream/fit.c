/* Fitting a frame to the stream's size. Sinks such as v4l2 and y4m cannot change size
 * mid-stream, so a source whose frames differ (another scope after a reconnect, a plot of
 * another size) is scaled, nearest neighbour, aspect kept, into black bars. Screens are
 * mostly thin lines and text, which nearest neighbour keeps crisp. */
#include "stream/stream_internal.h"

#include <string.h>

sc_status sc_raster_fit(const sc_raster *src, int width, int height, sc_raster *out, sc_error *err)
{
    sc_status st = sc_raster_alloc(out, width, height, err); /* zeroed: the bars are black */
    if (st != SC_OK)
        return st;
    /* scale = min(width/src_w, height/src_h), done in integers */
    int64_t sw = src->width, sh = src->height;
    int64_t dw = width, dh = height;
    if (dw * sh > dh * sw)
        dw = dh * sw / sh; /* limited by height */
    else
        dh = dw * sh / sw;
    if (dw < 1)
        dw = 1;
    if (dh < 1)
        dh = 1;
    int64_t ox = (width - dw) / 2, oy = (height - dh) / 2;
    for (int64_t y = 0; y < dh; y++) {
        const uint8_t *srow = src->pixels + (size_t)((y * sh) / dh) * src->stride;
        uint8_t *drow = out->pixels + (size_t)(oy + y) * out->stride + (size_t)ox * 3;
        for (int64_t x = 0; x < dw; x++)
            memcpy(drow + x * 3, srow + ((x * sw) / dw) * 3, 3);
    }
    return SC_OK;
}
