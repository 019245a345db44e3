/* The model table. A new instrument is a new row (and, where its commands differ, a
 * family in commands.c). Protocols are the real instrument's own; where the real one has
 * no raw SCPI socket, raw_ports still names one so tests can reach every model over raw
 * with --protocols raw. Render delays are the real ones shortened, so tests stay quick:
 * --render-delay sets a real-looking one. */
#include "models.h"

#include <string.h>

static const sim_model models[] = {
    {
        .name = "rigol-ds1054z", .manufacturer = "RIGOL TECHNOLOGIES", .model = "DS1054Z",
        .serial = "DS1ZA000000001", .firmware = "00.04.04.SP4", .brand = "RIGOL",
        .family = SIM_FAMILY_RIGOL, .look = SIM_LOOK_RIGOL, .width = 800, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_BMP, .protocols = "raw,vxi11", .raw_ports = { 5555, 5025 },
        .notes = "#9 block + BMP24 + \\n; raw 5555",
    },
    {
        .name = "rigol-ds2072a", .manufacturer = "RIGOL TECHNOLOGIES", .model = "DS2072A",
        .serial = "DS2D000000002", .firmware = "00.03.06", .brand = "RIGOL",
        .family = SIM_FAMILY_RIGOL, .look = SIM_LOOK_RIGOL, .width = 800, .height = 480, .channels = 2,
        .native_format = SC_IMAGE_BMP, .protocols = "raw,vxi11", .raw_ports = { 5555 },
        .notes = ":DISP:DATA? without parameters: BMP24",
    },
    {
        .name = "rigol-mso5074", .manufacturer = "RIGOL TECHNOLOGIES", .model = "MSO5074",
        .serial = "MS5A000000003", .firmware = "00.01.03.00.03", .brand = "RIGOL",
        .family = SIM_FAMILY_RIGOL, .look = SIM_LOOK_RIGOL, .width = 1024, .height = 600, .channels = 4,
        .native_format = SC_IMAGE_BMP, .protocols = "raw,vxi11", .raw_ports = { 5555 },
        .quirks = SIM_QUIRK_BMP_WHEN_PNG, .notes = "sends BMP24 when asked for PNG",
    },
    {
        .name = "rigol-dho804", .manufacturer = "RIGOL TECHNOLOGIES", .model = "DHO804",
        .serial = "DHO8A000000004", .firmware = "00.01.02", .brand = "RIGOL",
        .family = SIM_FAMILY_RIGOL, .look = SIM_LOOK_RIGOL_DHO, .width = 1024, .height = 600, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "raw,vxi11", .raw_ports = { 5555 },
        .notes = ":DISP:DATA? PNG; plain :DISP:DATA? defaults to PNG",
    },
    {
        .name = "rigol-dho1204", .manufacturer = "RIGOL TECHNOLOGIES", .model = "DHO1204",
        .serial = "DHO1A000000021", .firmware = "00.01.03", .brand = "RIGOL",
        .family = SIM_FAMILY_RIGOL, .look = SIM_LOOK_RIGOL_DHO, .width = 1280, .height = 800, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "raw,vxi11", .raw_ports = { 5555 },
        .default_render_ms = 30, .notes = ":DISP:DATA? PNG, 1280x800; raw 5555 (~0.6 s real, 30 ms here)",
    },
    {
        .name = "siglent-sds1104x-e", .manufacturer = "Siglent Technologies", .model = "SDS1104X-E",
        .serial = "SDSMMEBQ000005", .firmware = "8.2.6.1.37R9", .brand = "SIGLENT",
        .family = SIM_FAMILY_SIGLENT_SCDP, .look = SIM_LOOK_SIGLENT, .width = 800, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_BMP, .protocols = "raw,vxi11", .raw_ports = { 5025 },
        .notes = "SCDP: bare BMP24, no block header",
    },
    {
        .name = "siglent-sds824x-hd", .manufacturer = "Siglent Technologies", .model = "SDS824X HD",
        .serial = "SDS08A000000006", .firmware = "1.1.3.8", .brand = "SIGLENT",
        .family = SIM_FAMILY_SIGLENT_PRINT, .look = SIM_LOOK_SIGLENT, .width = 800, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "raw,vxi11", .raw_ports = { 5025 },
        .quirks = SIM_QUIRK_STRAY_BYTE, .notes = ":PRINt? PNG: bare PNG + one stray byte",
    },
    {
        .name = "siglent-sds2104x-plus", .manufacturer = "Siglent Technologies", .model = "SDS2104X Plus",
        .serial = "SDS2PA000000007", .firmware = "1.3.9R6", .brand = "SIGLENT",
        .family = SIM_FAMILY_SIGLENT_PRINT, .look = SIM_LOOK_SIGLENT, .width = 1024, .height = 600, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "raw,vxi11", .raw_ports = { 5025 },
        .quirks = SIM_QUIRK_STRAY_BYTE, .notes = ":PRINt? PNG: bare PNG + one stray byte",
    },
    {
        .name = "tek-tds2024c", .manufacturer = "TEKTRONIX", .model = "TDS 2024C",
        .serial = "C010008", .firmware = "CF:91.1CT FV:v24.26", .brand = "Tektronix",
        .family = SIM_FAMILY_TEK_HARDCOPY, .look = SIM_LOOK_TEK_CLASSIC, .width = 640, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_BMP, .protocols = "usbtmc", .raw_ports = { 4000 },
        .quirks = SIM_QUIRK_PALETTE_BMP, .notes = "USB only (raw port for tests); HARDCopy STARt: 8-bit BMP",
    },
    {
        .name = "tek-tds3034b", .manufacturer = "TEKTRONIX", .model = "TDS 3034B",
        .serial = "B010009", .firmware = "CF:91.1CT FV:v3.41 TDS3FFT:v1.00", .brand = "Tektronix",
        .family = SIM_FAMILY_TEK_HARDCOPY, .look = SIM_LOOK_TEK_CLASSIC, .width = 640, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_BMP, .protocols = "vxi11", .raw_ports = { 4000 },
        .quirks = SIM_QUIRK_PALETTE_BMP, .notes = "VXI-11 only (raw port for tests); BMPC via HARDCopy PORT GPIB",
    },
    {
        .name = "tek-mso2024b", .manufacturer = "TEKTRONIX", .model = "MSO2024B",
        .serial = "C000010", .firmware = "CF:91.1CT FV:v1.56", .brand = "Tektronix",
        .family = SIM_FAMILY_TEK_HARDCOPY, .look = SIM_LOOK_TEK_CLASSIC, .width = 800, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "vxi11,raw", .raw_ports = { 4000 },
        .notes = "SAVe:IMAGe:FILEFormat PNG + HARDCopy STARt: bare PNG",
    },
    {
        .name = "tek-mso56", .manufacturer = "TEKTRONIX", .model = "MSO56",
        .serial = "B011011", .firmware = "CF:91.1CT FV:1.44.3.433", .brand = "Tektronix",
        .family = SIM_FAMILY_TEK_FILE, .look = SIM_LOOK_TEK_MODERN, .width = 1920, .height = 1080, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "hislip,vxi11,raw", .raw_ports = { 4000 },
        .default_render_ms = 50, .notes = "SAVE:IMAGe, *OPC?, FILESystem:READFile, DELEte",
    },
    {
        .name = "tek-dpo7254c", .manufacturer = "TEKTRONIX", .model = "DPO7254C",
        .serial = "C000022", .firmware = "CF:91.1CT FV:10.8.3 Build 3", .brand = "Tektronix",
        .family = SIM_FAMILY_TEK_DATA, .look = SIM_LOOK_TEK_WINDOWS, .width = 1024, .height = 768, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "vxi11,raw", .raw_ports = { 4000 },
        .default_render_ms = 100,
        .notes = "Windows; HARDCopy:FORMat PNG, HARDCopy:DATA? block; VXI-11 and socket server 4000 (~2 s real)",
    },
    {
        .name = "keysight-dsox2024a", .manufacturer = "AGILENT TECHNOLOGIES", .model = "DSO-X 2024A",
        .serial = "MY00000012", .firmware = "02.43.2018020635", .brand = "KEYSIGHT",
        .family = SIM_FAMILY_KEYSIGHT, .look = SIM_LOOK_KEYSIGHT, .width = 800, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "raw,vxi11", .raw_ports = { 5025 },
        .first_query_ms = 300, .quirks = SIM_QUIRK_SLOW_FIRST_QUERY,
        .notes = "ink saver on by default; first query on a link slow (10 s real, 0.3 s here)",
    },
    {
        .name = "keysight-dso6104a", .manufacturer = "AGILENT TECHNOLOGIES", .model = "DSO6104A",
        .serial = "MY00000023", .firmware = "06.17.0001", .brand = "Agilent",
        .family = SIM_FAMILY_KEYSIGHT_6000, .look = SIM_LOOK_KEYSIGHT_6000, .width = 640, .height = 480,
        .channels = 4, .native_format = SC_IMAGE_PNG, .protocols = "raw,vxi11", .raw_ports = { 5025 },
        .default_render_ms = 50,
        .notes = ":DISP:DATA? PNG,SCReen,COLor (format, area, palette); ink saver on by default",
    },
    {
        .name = "keysight-dso9254a", .manufacturer = "KEYSIGHT TECHNOLOGIES", .model = "DSO9254A",
        .serial = "MY00000024", .firmware = "06.30.00901", .brand = "Infiniium",
        .family = SIM_FAMILY_INFINIIUM, .look = SIM_LOOK_INFINIIUM, .width = 1024, .height = 768, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "hislip,vxi11,raw", .raw_ports = { 5025 },
        .default_render_ms = 80,
        .notes = "Infiniium 9000 (Windows): :DISP:DATA? PNG,SCReen,ON,NORMal|INVert; HiSLIP, VXI-11, socket 5025",
    },
    {
        .name = "lecroy-waverunner9254m", .manufacturer = "LECROY", .model = "WAVERUNNER9254M",
        .serial = "LCRY0000N00013", .firmware = "9.6.0", .brand = "Teledyne LeCroy",
        .family = SIM_FAMILY_LECROY, .look = SIM_LOOK_LECROY, .width = 1280, .height = 800, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "vicp,vxi11", .raw_ports = { 5025 },
        .default_render_ms = 50, .quirks = SIM_QUIRK_VXI11_STUB,
        .notes = "VICP + VXI-11 (raw port for tests); SCDP over VXI-11 gives a 52-byte stub",
    },
    {
        .name = "lecroy-wavesurfer3034z", .manufacturer = "LECROY", .model = "WS3034Z",
        .serial = "LCRY4401N00025", .firmware = "11.2.0", .brand = "Teledyne LeCroy",
        .family = SIM_FAMILY_LECROY, .look = SIM_LOOK_LECROY_MAUI, .width = 800, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "vicp,vxi11", .raw_ports = { 5025 },
        .default_render_ms = 60, .quirks = SIM_QUIRK_REMOTE_INTERFACE | SIM_QUIRK_IDN_HEADER,
        .notes = "MAUI on Windows CE; HCSU DEST,REMOTE + SCDP works over VXI-11 too; one remote interface at a time",
    },
    {
        .name = "rs-rtb2004", .manufacturer = "Rohde&Schwarz", .model = "RTB2004",
        .serial = "1333.1005k04/100014", .firmware = "02.300", .brand = "ROHDE&SCHWARZ",
        .family = SIM_FAMILY_RS, .look = SIM_LOOK_RS, .width = 1280, .height = 800, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "raw,vxi11,hislip", .raw_ports = { 5025 },
        .notes = "HCOPy:FORMat PNG, HCOPy:DATA?",
    },
    {
        .name = "rs-mxo44", .manufacturer = "Rohde&Schwarz", .model = "MXO44",
        .serial = "1335.5050k04/100026", .firmware = "1.4.2.2", .brand = "ROHDE&SCHWARZ",
        .family = SIM_FAMILY_RS_MXO, .look = SIM_LOOK_RS_MXO, .width = 1920, .height = 1080, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "hislip,vxi11,raw", .raw_ports = { 5025 },
        .default_render_ms = 50, .quirks = SIM_QUIRK_DISPLAY_UPDATE,
        .notes = "HCOPy:DEVice:LANGuage PNG, HCOPy:DATA?; static remote screen until SYSTem:DISPlay:UPDate ON",
    },
    {
        .name = "hameg-hmo1202", .manufacturer = "HAMEG", .model = "HMO1202",
        .serial = "000000015", .firmware = "05.886", .brand = "HAMEG",
        .family = SIM_FAMILY_RS, .look = SIM_LOOK_RS, .width = 640, .height = 480, .channels = 2,
        .native_format = SC_IMAGE_PNG, .protocols = "raw,vxi11", .raw_ports = { 5025 },
        .notes = "HCOPy:FORMat PNG, HCOPy:DATA?",
    },
    {
        .name = "gwinstek-gds1054b", .manufacturer = "GW", .model = "GDS-1054B",
        .serial = "GEP000016", .firmware = "V1.21", .brand = "GW INSTEK",
        .family = SIM_FAMILY_GWINSTEK, .look = SIM_LOOK_GWINSTEK, .width = 800, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_PNG, .protocols = "raw", .raw_ports = { 3000 },
        .quirks = SIM_QUIRK_PNG_OUTPUT, .notes = "Socket Server 3000; :DISP:PNGO? and RLE565 :DISP:OUTP?",
    },
    {
        .name = "gwinstek-gds2204e", .manufacturer = "GW", .model = "GDS-2204E",
        .serial = "GER000017", .firmware = "V1.31", .brand = "GW INSTEK",
        .family = SIM_FAMILY_GWINSTEK, .look = SIM_LOOK_GWINSTEK, .width = 800, .height = 480, .channels = 4,
        .native_format = SC_IMAGE_BMP, .protocols = "raw", .raw_ports = { 3000 },
        .notes = "Socket Server 3000; RLE565 :DISP:OUTP? only",
    },
    {
        .name = "owon-sds1104", .manufacturer = "OWON", .model = "SDS1104",
        .serial = "2245018", .firmware = "V3.0.0", .brand = "OWON",
        .family = SIM_FAMILY_OWON, .look = SIM_LOOK_OWON, .width = 800, .height = 600, .channels = 4,
        .native_format = SC_IMAGE_BMP, .protocols = "raw", .raw_ports = { 3000 },
        .default_render_ms = 300, .notes = ":DATA:WAVE:SCREen:BMP?: LE u32 length + BMP (3 s real)",
    },
    {
        .name = "owon-sds7102", .manufacturer = "OWON", .model = "SDS7102",
        .serial = "-", .firmware = "-", .brand = "OWON",
        .family = SIM_FAMILY_OWON_LEGACY, .look = SIM_LOOK_OWON, .width = 800, .height = 600, .channels = 2,
        .native_format = SC_IMAGE_BMP, .protocols = "raw", .raw_ports = { 3000 },
        .default_render_ms = 100, .notes = "not SCPI: STARTBMP -> 12-byte envelope + BMP; no *IDN?",
    },
    {
        .name = "acme-scope1000", .manufacturer = "ACME INSTRUMENTS", .model = "SCOPE1000",
        .serial = "AC0000019", .firmware = "1.0", .brand = "ACME",
        .family = SIM_FAMILY_ACME, .look = SIM_LOOK_ACME, .width = 640, .height = 480, .channels = 2,
        .native_format = SC_IMAGE_BMP, .protocols = "raw", .raw_ports = { 5025 },
        .notes = "unknown maker, no driver row: only HCOPy:SDUMp:DATA? (block BMP)",
    },
};

size_t sim_model_count(void) { return sizeof models / sizeof models[0]; }

const sim_model *sim_model_at(size_t i) { return i < sim_model_count() ? &models[i] : NULL; }

const sim_model *sim_model_find(const char *name)
{
    for (size_t i = 0; i < sim_model_count(); i++)
        if (strcmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}
