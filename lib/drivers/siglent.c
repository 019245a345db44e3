/* Siglent: two generations (vendors.md §1.2). The older SDS answer SCDP with a bare BMP,
 * no block header; the "E11" generation answers :PRINt? with a bare PNG followed by one
 * stray byte. A raw socket has no end marker, so both are delimited by the image's own
 * header (BMP size field, PNG chunks to IEND); the stray byte is never part of the image.
 * Raw socket 5025 (telnet 5024), VXI-11, USB-TMC (VID F4EC). */
#include "drivers/drivers.h"

#define SIGLENT_PROTOCOLS (P_RAW | P_VXI11 | P_USBTMC)

const sc_driver sc_siglent_drivers[] = {
    {
        .name = "siglent-sds-scdp",
        .description = "Siglent SDS1000X/X+/X-E, SDS1000CML+/CNL+/DL+, SDS2000X (non-Plus)",
        .vendor = SC_VENDOR_SIGLENT,
        .models = "SDS1[0-9][0-9][0-9]X|SDS1[0-9][0-9][0-9]X-E|SDS1[0-9][0-9][0-9]X+|SDS1[0-9][0-9][0-9]X-C"
                  "|SDS1[0-9][0-9][0-9]C*|SDS1[0-9][0-9][0-9]DL+|SDS2[0-9][0-9][0-9]X|SDS2[0-9][0-9][0-9]X-E",
        .steps = { IMAGE("SCDP") },
        .framing = SC_FRAMING_RAW,
        .native_format = SC_IMAGE_BMP,
        .width = 800,
        .height = 480,
        .render_ms = 1200,
        .protocols = SIGLENT_PROTOCOLS,
        .raw_port = 5025,
        .notes = "SCDP clears the trace in roll mode on SDS1104X-E fw 6.1.37R10 (lxi-tools #110)",
    },
    {
        .name = "siglent-sds800x-hd",
        .description = "Siglent SDS800X HD",
        .vendor = SC_VENDOR_SIGLENT,
        .models = "SDS8[0-9][0-9]X HD|SDS8[0-9][0-9]XHD",
        .steps = { IMAGE(":PRINt? PNG,{invert}") },
        .invert_on = "INVerted",
        .invert_off = "NORMal",
        .framing = SC_FRAMING_RAW,
        .trailer = SC_TRAILER_STRAY_BYTE,
        .native_format = SC_IMAGE_PNG,
        .width = 800,
        .height = 480,
        .render_ms = 800,
        .protocols = SIGLENT_PROTOCOLS,
        .raw_port = 5025,
        .notes = "bare PNG plus one stray byte after IEND (43 628 B on an SDS804X HD)",
    },
    {
        .name = "siglent-sds-print",
        .description = "Siglent SDS1000X HD, SDS2000X Plus/HD, SDS3000X HD, SDS5000X, SDS6000, SDS7000A, SHS",
        .vendor = SC_VENDOR_SIGLENT,
        .models = "SDS1[0-9][0-9][0-9]X HD|SDS2[0-9][0-9][0-9]X Plus|SDS2[0-9][0-9][0-9]X HD"
                  "|SDS3[0-9][0-9][0-9]X HD|SDS5[0-9][0-9][0-9]X*|SDS6[0-9][0-9][0-9]*|SDS7[0-9][0-9][0-9]*"
                  "|SHS8[0-9][0-9]X|SHS1[0-9][0-9][0-9]X",
        .steps = { IMAGE(":PRINt? PNG,{invert}") },
        .invert_on = "INVerted",
        .invert_off = "NORMal",
        .framing = SC_FRAMING_RAW,
        .trailer = SC_TRAILER_STRAY_BYTE,
        .native_format = SC_IMAGE_PNG,
        .width = 1024,
        .height = 600,
        .render_ms = 1000,
        .protocols = SIGLENT_PROTOCOLS,
        .raw_port = 5025,
        .notes = "bare PNG plus one stray byte after IEND",
    },
};

const size_t sc_siglent_driver_count = sizeof sc_siglent_drivers / sizeof sc_siglent_drivers[0];
