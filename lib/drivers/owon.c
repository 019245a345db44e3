/* Owon and PeakTech clones (vendors.md §1.8), LAN port 3000. The SCPI families answer
 * :DATA:WAVE:SCREen:BMP? with a little-endian u32 length and the BMP (no SCPI framing,
 * ~3 s); the old SDS7102-style scopes are not SCPI at all: "STARTBMP" gives a 12-byte
 * envelope and the BMP, and they do not answer *IDN? (use -d owon-legacy). */
#include "drivers/drivers.h"

const sc_driver sc_owon_drivers[] = {
    {
        .name = "owon-sds",
        .description = "Owon SDS1000/XDS/HDS/TAO SCPI scopes, PeakTech clones",
        .vendor = SC_VENDOR_OWON,
        .models = "SDS1[0-9][0-9][0-9]*|SDS2[0-9][0-9][0-9]*|XDS*|HDS*|TAO*|VDS*|DOS*",
        .steps = { IMAGE(":DATA:WAVE:SCREen:BMP?") },
        .framing = SC_FRAMING_LENGTH_LE32,
        .hook = SC_HOOK_OWON_LENGTH,
        .native_format = SC_IMAGE_BMP,
        .width = 800,
        .height = 600,
        .render_ms = 4000,
        .protocols = P_RAW | P_USBTMC,
        .raw_port = 3000,
        .notes = "takes ~3 s, sometimes 15: the render time is in the timeout",
    },
    {
        .name = "owon-legacy",
        .description = "Owon SDS6062/7102/8102 (not SCPI: STARTBMP, 12-byte envelope); -d only",
        .vendor = SC_VENDOR_OWON,
        .models = NULL,
        .steps = { IMAGE("STARTBMP") },
        .framing = SC_FRAMING_ENVELOPE,
        .hook = SC_HOOK_OWON_ENVELOPE,
        .no_idn = true,
        .native_format = SC_IMAGE_BMP,
        .width = 800,
        .height = 600,
        .render_ms = 3000,
        .protocols = P_RAW,
        .raw_port = 3000,
        .notes = "one connection at a time; may lock up and need a power cycle",
    },
};

const size_t sc_owon_driver_count = sizeof sc_owon_drivers / sizeof sc_owon_drivers[0];
