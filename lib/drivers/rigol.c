/* Rigol: screen dumps come back as an IEEE 488.2 block "#9<9 digits>" followed by the
 * image and a "\n" (vendors.md §1.1). Raw socket on TCP 5555, VXI-11, USB-TMC. */
#include "drivers/drivers.h"

#define RIGOL_PROTOCOLS (P_RAW | P_VXI11 | P_USBTMC)

const sc_driver sc_rigol_drivers[] = {
    {
        .name = "rigol-ds1000z",
        .description = "Rigol DS1000Z / MSO1000Z (DS1054Z, DS1104Z, MSO1104Z ...)",
        .vendor = SC_VENDOR_RIGOL,
        .models = "DS1*Z|DS1*Z-S|DS1*Z-E|DS1*Z Plus|MSO1*Z|MSO1*Z-S",
        /* BMP24 is the cheapest for the scope to produce and exact; we convert locally.
         * Parameters: colour ON, invert, format (MSO1000Z/DS1000Z programming guide p.2-63). */
        .steps = { IMAGE(":DISP:DATA? ON,{invert},BMP24") },
        .invert_on = "1",
        .invert_off = "0",
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_BMP,
        .width = 800,
        .height = 480,
        .render_ms = 1500,
        .protocols = RIGOL_PROTOCOLS,
        .raw_port = 5555,
        .notes = "fw before 00.04.04.SP3 miscounts bytes; PNG costs the scope ~8 s over VXI-11",
    },
    {
        .name = "rigol-ds2000",
        .description = "Rigol DS2000(A/E), MSO2000A, DS4000(E), MSO4000",
        .vendor = SC_VENDOR_RIGOL,
        .models = "DS2[0-9][0-9][0-9]*|MSO2[0-9][0-9][0-9]*|DS4[0-9][0-9][0-9]*|MSO4[0-9][0-9][0-9]*",
        /* No parameters: these guides document BMP24 only (DS2000 2-178, DS4000E 2-82). */
        .steps = { IMAGE(":DISP:DATA?") },
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_BMP,
        .width = 800,
        .height = 480,
        .render_ms = 1500,
        .protocols = RIGOL_PROTOCOLS,
        .raw_port = 5555,
    },
    {
        .name = "rigol-mso5000",
        .description = "Rigol MSO5000, DS7000/MSO7000, MSO8000",
        .vendor = SC_VENDOR_RIGOL,
        .models = "MSO5[0-9][0-9][0-9]*|DS7[0-9][0-9][0-9]*|MSO7[0-9][0-9][0-9]*|MSO8[0-9][0-9][0-9]*",
        /* Asked for PNG, the firmware sends BMP24 (lxi-tools #60/#63): what arrives is
         * decided from its bytes, and a later firmware that honours PNG just works. */
        .steps = { IMAGE(":DISP:DATA? ON,0,PNG") },
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_BMP,
        .width = 1024,
        .height = 600,
        .render_ms = 2000,
        .protocols = RIGOL_PROTOCOLS,
        .raw_port = 5555,
        .notes = "sends BMP when asked for PNG",
    },
    {
        .name = "rigol-dho800",
        .description = "Rigol DHO800 / DHO900 (DHO804, DHO914S, DHO924S ...)",
        .vendor = SC_VENDOR_RIGOL,
        .models = "DHO8[0-9][0-9]*|DHO9[0-9][0-9]*",
        .steps = { IMAGE(":DISP:DATA? PNG") },
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 1024,
        .height = 600,
        .render_ms = 600,
        .protocols = RIGOL_PROTOCOLS,
        .raw_port = 5555,
        .notes = "~0.5 s per PNG when stopped (Classic-Repair-Toolbox #112)",
    },
    {
        .name = "rigol-dho1000",
        .description = "Rigol DHO1000 / DHO4000",
        .vendor = SC_VENDOR_RIGOL,
        .models = "DHO1[0-9][0-9][0-9]*|DHO4[0-9][0-9][0-9]*",
        .steps = { IMAGE(":DISP:DATA? PNG") },
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 1280,
        .height = 800,
        .render_ms = 800,
        .protocols = RIGOL_PROTOCOLS,
        .raw_port = 5555,
    },
};

const size_t sc_rigol_driver_count = sizeof sc_rigol_drivers / sizeof sc_rigol_drivers[0];
