/* libFuzzer: the GW Instek run-length RGB565 decoder. The first two bytes choose the
 * screen size (so small screens, where runs overflow easily, are explored too). */
#include "image/rle565.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int width = 1 + data[0] * 4;  /* 1..1021 */
    int height = 1 + data[1] * 2; /* 1..511 */
    sc_raster r;
    if (sc_rle565_decode(data + 2, size - 2, width, height, &r, NULL) == SC_OK)
        sc_raster_free(&r);
    return 0;
}
