/* Teledyne LeCroy (vendors.md §1.5).
 *
 * MAUI / X-Stream scopes: HARDCOPY_SETUP (HCSU) with DEST,REMOTE, then SCREEN_DUMP (SCDP)
 * sends the image back over the link as bare file bytes. That works over VICP; over
 * VXI-11 a reply of a few dozen bytes comes back instead (the "52-byte stub"), so the
 * capture re-opens the link over VICP and, if VICP cannot be reached, takes the file
 * route on the same link: HCSU DEST,FILE, SCDP, *OPC?, TRFL? reads the file back as
 * "TRFL #9<len>" + file + 8 hex digits of checksum (inside the block) + "\r\n", and DELF
 * deletes it.
 *
 * The WaveSurfer 3000/3000z is Siglent hardware but runs MAUI (on Windows CE): HCSU
 * DEST,REMOTE + SCDP, tested over VXI-11 on a WS3024Z (lecroy-mcp); its hardcopy area is
 * DSO Window or grid only (operator's manual), and MAUI 11.2 sends the bare file where
 * older firmware put a block header around it (both are read). Like every MAUI scope it
 * answers on one remote interface only (TCPIP = VICP, LXI = VXI-11, USBTMC); on another,
 * everything but *IDN? answers "WARNING : CURRENT REMOTE CONTROL INTERFACE IS TCPIP"
 * (pyvisa #777), which the capture treats like the VXI-11 stub and re-opens over VICP.
 * The WaveAce and T3DSO run Siglent firmware: SCDP gives a bare BMP like an SDS1000X-E. */
#include "drivers/drivers.h"

#define LECROY_HCSU_REMOTE "HCSU DEV,PNG,FORMAT,LANDSCAPE,BCKG,{invert},DEST,REMOTE,PORT,NET,AREA,FULLSCREEN"
#define LECROY_HCSU_FILE                                                                                       \
    "HCSU DEV,PNG,FORMAT,LANDSCAPE,BCKG,{invert},DEST,FILE,DIR,'D:\\HardCopy\\',AREA,FULLSCREEN,FILE,'scopecap'"
#define LECROY_FILE "D:\\HardCopy\\scopecap--00000.png"

/* DELF first: the instrument numbers files, and an old one would move ours to --00001. */
#define LECROY_FILE_ROUTE                                                                                      \
    {                                                                                                          \
        SEND("DELF DISK,HDD,FILE,'{file}'"), SEND(LECROY_HCSU_FILE), SEND("SCDP"), OPC(),                      \
            IMAGE("TRFL? DISK,HDD,FILE,'{file}'"), CLEANUP("DELF DISK,HDD,FILE,'{file}'"),                     \
    }

const sc_driver sc_lecroy_drivers[] = {
    {
        .name = "lecroy-ws3000",
        .description = "Teledyne LeCroy WaveSurfer 3000/3000z (MAUI on Windows CE)",
        .vendor = SC_VENDOR_LECROY,
        .models = "WAVESURFER 3*|WAVESURFER3*|WS3[0-9][0-9][0-9]*",
        .steps = {
            SEND("HCSU DEV,PNG,FORMAT,LANDSCAPE,BCKG,{invert},DEST,REMOTE,AREA,DSOWINDOW"),
            IMAGE("SCDP"),
        },
        .invert_on = "WHITE",
        .invert_off = "BLACK",
        .framing = SC_FRAMING_RAW,
        .native_format = SC_IMAGE_PNG,
        .width = 800,
        .height = 480,
        .render_ms = 1500,
        .protocols = P_VICP | P_VXI11 | P_USBTMC,
        .notes = "one remote interface at a time (Utilities > Remote): others answer a WARNING line",
    },
    {
        .name = "lecroy-waveace",
        .description = "Teledyne LeCroy WaveAce, T3DSO (Siglent designs)",
        .vendor = SC_VENDOR_LECROY,
        .models = "WAVEACE*|WAVE ACE*|T3DSO*",
        .steps = { IMAGE("SCDP") },
        .framing = SC_FRAMING_RAW,
        .native_format = SC_IMAGE_BMP,
        .width = 800,
        .height = 480,
        .render_ms = 1200,
        .protocols = P_VXI11 | P_USBTMC | P_RAW,
        .raw_port = 5025,
        .notes = "no scopesim model yet",
    },
    {
        .name = "lecroy-maui",
        .description = "Teledyne LeCroy MAUI: WaveSurfer 4000HD/510/10, WaveRunner, WavePro, HDO, SDA, WaveMaster, LabMaster",
        .vendor = SC_VENDOR_LECROY,
        .models = "WAVERUNNER*|WR[0-9]*|WAVEPRO*|WP[0-9]*|WAVEMASTER*|WM[0-9]*|HDO*|WAVESURFER 4*|WAVESURFER 5*"
                  "|WAVESURFER 10*|WAVESURFER4*|WAVESURFER5*|WAVESURFER10*|WS4*|WS5*|WS10*|SDA*|DDA*|MDA*|LABMASTER*|DSO*",
        .steps = {
            SEND(LECROY_HCSU_REMOTE),
            IMAGE("SCDP"),
        },
        .fallback = LECROY_FILE_ROUTE,
        .file_path = LECROY_FILE,
        .invert_on = "WHITE",
        .invert_off = "BLACK",
        .framing = SC_FRAMING_RAW,
        .trailer = SC_TRAILER_LECROY_CRC, /* on the file route */
        .native_format = SC_IMAGE_PNG,
        .width = 1280,
        .height = 800,
        .render_ms = 2500,
        .protocols = P_VICP | P_VXI11 | P_USBTMC,
        .notes = "SCDP over VXI-11 gives a short stub: re-opened over VICP, else the TRFL? file route",
    },
    {
        .name = "lecroy-maui-file",
        .description = "Teledyne LeCroy MAUI, file route only (HCSU DEST,FILE + SCDP + TRFL? + DELF); -d only",
        .vendor = SC_VENDOR_LECROY,
        .models = NULL,
        .steps = LECROY_FILE_ROUTE,
        .file_path = LECROY_FILE,
        .invert_on = "WHITE",
        .invert_off = "BLACK",
        .framing = SC_FRAMING_FILE,
        .trailer = SC_TRAILER_LECROY_CRC,
        .native_format = SC_IMAGE_PNG,
        .width = 1280,
        .height = 800,
        .render_ms = 3000,
        .protocols = P_VICP | P_VXI11 | P_USBTMC,
        .notes = "what lxi-tools does; slower, leaves nothing behind",
    },
};

const size_t sc_lecroy_driver_count = sizeof sc_lecroy_drivers / sizeof sc_lecroy_drivers[0];
