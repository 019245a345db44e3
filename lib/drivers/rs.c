/* Rohde & Schwarz / Hameg (vendors.md §1.6): HCOPy:FORMat PNG, then HCOPy:DATA? answers
 * with an IEEE block. Raw socket 5025, VXI-11, HiSLIP on the newer ones, USB-TMC. */
#include "drivers/drivers.h"

const sc_driver sc_rs_drivers[] = {
    {
        .name = "rs-hmo",
        .description = "Hameg / R&S HMO1002, HMO1202, HMO2024, HMO3000",
        .vendor = SC_VENDOR_RS,
        .models = "HMO*",
        .steps = {
            SEND("HCOPy:FORMat PNG"),
            IMAGE("HCOPy:DATA?"),
        },
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 640,
        .height = 480,
        .render_ms = 1500,
        .protocols = P_RAW | P_VXI11 | P_USBTMC,
        .raw_port = 5025,
    },
    {
        .name = "rs-rtb",
        .description = "R&S RTB2000, RTM3000, RTA4000",
        .vendor = SC_VENDOR_RS,
        .models = "RTB2*|RTM3*|RTA4*",
        .steps = {
            SEND("HCOPy:FORMat PNG"),
            IMAGE("HCOPy:DATA?"),
        },
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 1280,
        .height = 800,
        .render_ms = 1500,
        .protocols = P_RAW | P_VXI11 | P_HISLIP | P_USBTMC,
        .raw_port = 5025,
    },
    {
        /* The MXO names the format HCOPy:DEVice:LANGuage (PNG or JPG) and whitens the
         * background with HCOPy:DEVice:WBKG. In remote its display is a static image unless
         * SYSTem:DISPlay:UPDate is on, and the dump shows the display: R&S's own RsInstrument
         * screenshot helper for the MXO turns the update on first. All three are the user's
         * settings, so they are read first and put back afterwards. */
        .name = "rs-mxo",
        .description = "R&S MXO 4 / MXO 5",
        .vendor = SC_VENDOR_RS,
        .models = "MXO4*|MXO5*",
        .steps = {
            SAVE("SYSTem:DISPlay:UPDate?"),
            SAVE("HCOPy:DEVice:LANGuage?"),
            SAVE("HCOPy:DEVice:WBKG?"),
            SEND("SYSTem:DISPlay:UPDate ON"),
            SEND("HCOPy:DEVice:LANGuage PNG"),
            SEND("HCOPy:DEVice:WBKG {invert}"),
            IMAGE("HCOPy:DATA?"),
        },
        .invert_on = "ON",
        .invert_off = "OFF",
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 1920,
        .height = 1080,
        .render_ms = 1500,
        .protocols = P_RAW | P_VXI11 | P_HISLIP | P_USBTMC,
        .raw_port = 5025,
        .notes = "static remote screen until SYSTem:DISPlay:UPDate ON (set, then put back)",
    },
};

const size_t sc_rs_driver_count = sizeof sc_rs_drivers / sizeof sc_rs_drivers[0];
