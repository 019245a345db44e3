/* Tektronix (vendors.md §1.3). Four generations, four recipes:
 *   TDS1000/2000, TPS2000, TBS1000: HARDCopy STARt streams a bare BMP to the chosen port;
 *   TDS3000: the same, but HARDCopy must be set up (and is put back afterwards), and the
 *            port must say GPIB even over the LAN;
 *   DPO/MSO2000-4000, MDO3000/4000: SAVe:IMAGe:FILEFormat PNG, then HARDCopy STARt;
 *   MSO2/4/5/6 series: save a PNG on the instrument, *OPC? (required), read it back with
 *            FILESystem:READFile, delete it.
 * Model fields carry a space on the older ones ("TDS 3034B", "TDS 2024C"). */
#include "drivers/drivers.h"

const sc_driver sc_tektronix_drivers[] = {
    {
        .name = "tek-tds2000",
        .description = "Tektronix TDS200/1000/2000(B/C), TPS2000, TBS1000",
        .vendor = SC_VENDOR_TEKTRONIX,
        .models = "TDS 2[0-9][0-9]|TDS 1[0-9][0-9][0-9]*|TDS 2[0-9][0-9][0-9]*|TPS 2[0-9][0-9][0-9]*"
                  "|TBS 1[0-9][0-9][0-9]*|TDS1[0-9][0-9][0-9]*|TDS2[0-9][0-9][0-9]*|TBS1[0-9][0-9][0-9]*",
        .steps = {
            SAVE("HARDCopy:FORMat?"),
            SAVE("HARDCopy:PORT?"),
            SEND("HARDCopy:FORMat BMP"),
            SEND("HARDCopy:PORT USB"),
            IMAGE("HARDCopy STARt"),
        },
        .framing = SC_FRAMING_RAW,
        .native_format = SC_IMAGE_BMP,
        .width = 640,
        .height = 480,
        .render_ms = 3000,
        .protocols = P_USBTMC,
        .notes = "USB or GPIB/RS-232 only; 8-bit palette BMP",
    },
    {
        .name = "tek-tds3000",
        .description = "Tektronix TDS3000 (B/C) e*Scope",
        .vendor = SC_VENDOR_TEKTRONIX,
        .models = "TDS 3[0-9][0-9][0-9]*|TDS3[0-9][0-9][0-9]*",
        .steps = {
            SAVE("HARDCopy:FORMat?"),
            SAVE("HARDCopy:COMPRession?"),
            SAVE("HARDCopy:LAYout?"),
            SAVE("HARDCopy:PORT?"),
            SEND("HARDCopy:FORMat BMPColor"),
            SEND("HARDCopy:COMPRession OFF"),
            SEND("HARDCopy:LAYout PORTRait"),
            SEND("HARDCopy:PORT GPIB"), /* GPIB even over the LAN: that is where replies go */
            IMAGE("HARDCopy STARt"),
        },
        .framing = SC_FRAMING_RAW,
        .native_format = SC_IMAGE_BMP,
        .width = 640,
        .height = 480,
        .render_ms = 3000,
        .protocols = P_VXI11,
        .notes = "8-bit palette BMP, 308 278 bytes; hardcopy settings are restored afterwards",
    },
    {
        .name = "tek-dpo2000",
        .description = "Tektronix DPO/MSO2000, DPO/MSO3000, DPO/MSO4000, MDO3000/4000",
        .vendor = SC_VENDOR_TEKTRONIX,
        .models = "DPO2[0-9][0-9][0-9]*|MSO2[0-9][0-9][0-9]*|DPO3[0-9][0-9][0-9]*|MSO3[0-9][0-9][0-9]*"
                  "|DPO4[0-9][0-9][0-9]*|MSO4[0-9][0-9][0-9]*|MDO3[0-9][0-9][0-9]*|MDO4[0-9][0-9][0-9]*",
        .steps = {
            SEND("SAVe:IMAGe:FILEFormat PNG"),
            SEND("HARDCopy:INKSaver {invert}"),
            IMAGE("HARDCopy STARt"),
        },
        .invert_on = "ON",
        .invert_off = "OFF",
        .framing = SC_FRAMING_RAW,
        .native_format = SC_IMAGE_PNG,
        .width = 800,
        .height = 480,
        .render_ms = 2000,
        .protocols = P_VXI11 | P_RAW | P_USBTMC,
        .raw_port = 4000,
    },
    {
        .name = "tek-mso5",
        .description = "Tektronix MSO2/4/5/6 Series (B) (MSO24, MSO44, MSO56, MSO64B ...)",
        .vendor = SC_VENDOR_TEKTRONIX,
        .models = "MSO2[2-4]|MSO4[4-6]|MSO4[4-6]B|MSO5[4-8]|MSO5[4-8]B|MSO58LP|MSO6[4-8]|MSO6[4-8]B|LPD64",
        .steps = {
            SEND("SAVE:IMAGe:COMPosition {invert}"),
            SEND("SAVE:IMAGe \"{file}\""),
            OPC(), /* required: the file is not there until the save has finished */
            IMAGE("FILESystem:READFile \"{file}\""),
            CLEANUP("FILESystem:DELEte \"{file}\""),
        },
        .file_path = "C:/scopecap.png",
        .invert_on = "INVErted",
        .invert_off = "NORMal",
        .framing = SC_FRAMING_FILE,
        .native_format = SC_IMAGE_PNG,
        .width = 1920,
        .height = 1080,
        .render_ms = 1500,
        .protocols = P_VXI11 | P_HISLIP | P_RAW | P_USBTMC,
        .raw_port = 4000,
        .notes = "file round trip: save, *OPC?, read back, delete",
    },
    {
        .name = "tek-dpo7000",
        .description = "Tektronix DPO/DSA/MSO5000, 7000, 70000 (Windows)",
        .vendor = SC_VENDOR_TEKTRONIX,
        .models = "DPO5[0-9][0-9][0-9]*|MSO5[0-9][0-9][0-9]*|DPO7[0-9][0-9][0-9]*|DSA7[0-9][0-9][0-9]*"
                  "|MSO7[0-9][0-9][0-9]*|DPO7[0-9][0-9][0-9][0-9]*|DSA7[0-9][0-9][0-9][0-9]*|MSO7[0-9][0-9][0-9][0-9]*",
        .steps = {
            SEND("HARDCopy:FORMat PNG"),
            IMAGE("HARDCopy:DATA?"),
        },
        .framing = SC_FRAMING_BLOCK,
        .native_format = SC_IMAGE_PNG,
        .width = 1024,
        .height = 768,
        .render_ms = 2000,
        .protocols = P_VXI11 | P_RAW | P_USBTMC,
        .raw_port = 4000,
    },
};

const size_t sc_tektronix_driver_count = sizeof sc_tektronix_drivers / sizeof sc_tektronix_drivers[0];
