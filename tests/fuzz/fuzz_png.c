/* libFuzzer target: the PNG decoder (libpng behind our bounded reader and size checks). */
#include <stddef.h>
#include <stdint.h>

#include "scopecap/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sc_raster r;
    sc_error err;
    if (sc_png_decode(data, size, &r, &err) == SC_OK) {
        volatile uint8_t sink = r.pixels[0];
        sink = r.pixels[(size_t)(r.height - 1) * r.stride + (size_t)r.width * 3 - 1];
        (void)sink;
        sc_raster_free(&r);
    }
    return 0;
}
