/* GW Instek and its OEMs (vendors.md §1.7). :DISPlay:OUTPut? answers with an IEEE block
 * of run-length RGB565 pixels (u16 count, u16 colour, little-endian) that we decode
 * ourselves (lib/image/rle565.c); the GDS-1000B also offers :DISPlay:PNGOutput?.
 * LAN access is the instrument's "Socket Server", port 3000 in the examples. */
#include "drivers/drivers.h"

const sc_driver sc_gwinstek_drivers[] = {
    {
        .name = "gwinstek-gds1000b",
        .description = "GW Instek GDS-1000B (PNG)",
        .vendor = SC_VENDOR_GWINSTEK,
        .models = "GDS-1[0-9][0-9][0-9]B",
        .steps = { IMAGE(":DISPlay:PNGOutput?") },
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 800,
        .height = 480,
        .render_ms = 1500,
        .protocols = P_RAW | P_USBTMC,
        .raw_port = 3000,
        .notes = "the Socket Server must be enabled on the instrument",
    },
    {
        .name = "gwinstek-gds2000e",
        .description = "GW Instek GDS-2000E, GDS-1000E (run-length RGB565)",
        .vendor = SC_VENDOR_GWINSTEK,
        .models = "GDS-2[0-9][0-9][0-9]E|GDS-1[0-9][0-9][0-9]E",
        .steps = { IMAGE(":DISPlay:OUTPut?") },
        .framing = SC_FRAMING_BLOCK,
        .hook = SC_HOOK_GWINSTEK_RLE,
        .native_format = SC_IMAGE_BMP, /* what the decoded pixels are saved as */
        .width = 800,
        .height = 480,
        .render_ms = 1500,
        .protocols = P_RAW | P_USBTMC,
        .raw_port = 3000,
        .notes = "RGB565 run-length pixels, decoded here; -f raw saves them as a BMP",
    },
};

const size_t sc_gwinstek_driver_count = sizeof sc_gwinstek_drivers / sizeof sc_gwinstek_drivers[0];
