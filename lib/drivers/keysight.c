/* Keysight / Agilent (vendors.md §1.4): :DISPlay:DATA? answers with an IEEE block and
 * "\n". Ink saver is ON by default on InfiniiVision (a white background), so it is set
 * either way: it is the instrument's own background switch. It is also the user's print
 * setting, so its state is read first and put back after the dump (SAVE). The DSO-X 2000
 * takes ~10 s after a connection before it answers the first query: the render time
 * covers it. Infiniium has no ink saver: its :DISPlay:DATA? takes the inversion. */
#include "drivers/drivers.h"

const sc_driver sc_keysight_drivers[] = {
    {
        .name = "keysight-ivx",
        .description = "Keysight/Agilent InfiniiVision 1000X, 2000X, 3000X/T, 4000X, 6000X",
        .vendor = SC_VENDOR_KEYSIGHT,
        .models = "DSO-X [1-6]*|MSO-X [1-6]*|DSOX[1-6]*|MSOX[1-6]*|EDUX1*|DSO-X[1-6]*|MSO-X[1-6]*",
        .steps = {
            SAVE(":HARDcopy:INKSaver?"),
            SEND(":HARDcopy:INKSaver {invert}"),
            IMAGE(":DISPlay:DATA? PNG,COLor"),
        },
        .invert_on = "ON",
        .invert_off = "OFF",
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 800,
        .height = 480,
        .render_ms = 1500,
        .first_query_ms = 10000, /* vendors.md 1.4/1.10: a DSO-X 2000 answers ~10 s after connecting */
        .protocols = P_RAW | P_VXI11 | P_HISLIP | P_USBTMC,
        .raw_port = 5025,
        .notes = "the 2000X answers its first query ~10 s after connecting: keep the link for streaming",
    },
    {
        .name = "keysight-dso6000",
        .description = "Agilent InfiniiVision 5000/6000/7000 (DSO/MSO6xxxA ...)",
        .vendor = SC_VENDOR_KEYSIGHT,
        .models = "DSO5[0-9][0-9][0-9]A|DSO6[0-9][0-9][0-9][AL]|MSO6[0-9][0-9][0-9]A|DSO7[0-9][0-9][0-9][AB]|MSO7[0-9][0-9][0-9][AB]",
        .steps = {
            SAVE(":HARDcopy:INKSaver?"),
            SEND(":HARDcopy:INKSaver {invert}"),
            IMAGE(":DISPlay:DATA? PNG,SCReen,COLor"), /* format, area, palette (5000-series ref. p.164) */
        },
        .invert_on = "ON",
        .invert_off = "OFF",
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 640,
        .height = 480,
        .render_ms = 1500,
        .protocols = P_RAW | P_VXI11 | P_USBTMC,
        .raw_port = 5025,
    },
    {
        .name = "keysight-infiniium",
        .description = "Keysight/Agilent Infiniium (DSO/DSA/MSO 9000, 90000, S, V, Z, UXR, MXR, EXR)",
        .vendor = SC_VENDOR_KEYSIGHT,
        .models = "DSO9*|DSA9*|MSO9*|DSOS*|MSOS*|DSOV*|DSAV*|MSOV*|DSOZ*|DSAZ*|MSOZ*|UXR*|MXR*|EXR*",
        .steps = { IMAGE(":DISPlay:DATA? PNG,SCReen,ON,{invert}") },
        .invert_on = "INVert",
        .invert_off = "NORMal",
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 1024,
        .height = 768,
        .render_ms = 2000,
        .protocols = P_RAW | P_VXI11 | P_HISLIP | P_USBTMC,
        .raw_port = 5025,
    },
};

const size_t sc_keysight_driver_count = sizeof sc_keysight_drivers / sizeof sc_keysight_drivers[0];
