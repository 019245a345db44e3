/* libFuzzer target: JPEG from an instrument. The marker walk that measures a raw JPEG reply
 * (sc_image_file_length), the sniffer, and the TurboJPEG decode behind our header and
 * size checks (sc_jpeg_decode, and sc_image_decode as the capture calls it). Both must
 * agree on what they accept, and a decoded raster must be as large as it says. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scopecap/image.h"

#define LIMIT ((size_t)64 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch_corners(const sc_raster *r)
{
    if (r->width < 1 || r->height < 1 || r->width > SC_IMAGE_MAX_DIMENSION || r->height > SC_IMAGE_MAX_DIMENSION ||
        r->stride < (size_t)r->width * 3)
        abort();
    volatile uint8_t sink = r->pixels[0];
    sink = r->pixels[(size_t)(r->height - 1) * r->stride + (size_t)r->width * 3 - 1];
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly `size` bytes, so that any read past the end is caught */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);

    size_t total = 0;
    sc_error err;
    sc_image_format f = sc_image_sniff(buf, size);
    /* a JPEG's length comes from walking its markers to EOI: never beyond the bytes there
     * (a BMP's comes from its header and may, which is fine: more bytes are awaited) */
    if (sc_image_file_length(buf, size, LIMIT, &total, &err) == SC_OK && f == SC_IMAGE_JPEG && total > size)
        abort();

    sc_raster r;
    if (sc_jpeg_decode(buf, size, &r, &err) == SC_OK) {
        touch_corners(&r);
        sc_raster_free(&r);
    }
    if (size > 2 && buf[0] == 0xff && buf[1] == 0xd8 && sc_image_decode(buf, size, &r, &err) == SC_OK) {
        touch_corners(&r);
        sc_raster_free(&r);
    }
    free(buf);
    return 0;
}
