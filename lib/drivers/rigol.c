/* Rigol: screen dumps come back as an IEEE 488.2 block "#9<9 digits>" followed by the
 * image and a "\n" (vendors.md §1.1). Raw socket on TCP 5555. */
#include "drivers/drivers.h"

const sc_driver sc_rigol_drivers[] = {
    {
        .name = "rigol-ds1000z",
        .description = "Rigol DS1000Z / MSO1000Z (DS1054Z, DS1104Z, MSO1104Z ...)",
        .vendor = SC_VENDOR_RIGOL,
        .models = "DS1*Z|DS1*Z-S|DS1*Z Plus|MSO1*Z|MSO1*Z-S",
        /* BMP24 is the cheapest for the scope to produce and exact; we convert locally.
         * Parameters: colour ON, invert, format (MSO1000Z/DS1000Z programming guide). */
        .screenshot_query = ":DISP:DATA? ON,{invert},BMP24",
        .invert_on = "1",
        .invert_off = "0",
        .native_format = SC_IMAGE_BMP,
        .width = 800,
        .height = 480,
        .render_ms = 1500,
        .live_query = ":DISP:DATA? ON,{invert},BMP24",
    },
};

const size_t sc_rigol_driver_count = sizeof sc_rigol_drivers / sizeof sc_rigol_drivers[0];
