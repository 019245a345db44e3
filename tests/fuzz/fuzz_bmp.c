/* libFuzzer target: the BMP decoder must refuse or decode anything, never misbehave. */
#include <stddef.h>
#include <stdint.h>

#include "scopecap/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sc_raster r;
    sc_error err;
    if (sc_bmp_decode(data, size, &r, &err) == SC_OK) {
        /* Touch the corners so a wrong stride or size shows up under ASan. */
        volatile uint8_t sink = r.pixels[0];
        sink = r.pixels[(size_t)(r.height - 1) * r.stride + (size_t)r.width * 3 - 1];
        (void)sink;
        sc_raster_free(&r);
    }
    return 0;
}
