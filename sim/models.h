/* scopesim's instrument personalities: one row per model. A row names its family (which
 * command table answers it, see commands.c), its look (screen.c), its native screen
 * dump and the quirks the real instrument is known for (vendors.md §1). */
#ifndef SIM_MODELS_H
#define SIM_MODELS_H

#include "scopecap/image.h"

#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_PORTS 4

typedef enum sim_family {
    SIM_FAMILY_RIGOL,         /* :DISPlay:DATA? [colour,invert,format] -> #9 block + \n */
    SIM_FAMILY_SIGLENT_SCDP,  /* SCDP -> bare BMP */
    SIM_FAMILY_SIGLENT_PRINT, /* :PRINt? PNG[,INVerted] -> bare PNG + one stray byte */
    SIM_FAMILY_TEK_HARDCOPY,  /* HARDCopy:FORMat/PORT/..., HARDCopy STARt -> bare image */
    SIM_FAMILY_TEK_FILE,      /* SAVE:IMAGe file, *OPC?, FILESystem:READFile, DELEte */
    SIM_FAMILY_TEK_DATA,      /* DPO/MSO5000-70000 (Windows): HARDCopy:FORMat, HARDCopy:DATA? -> block */
    SIM_FAMILY_KEYSIGHT,      /* :HARDcopy:INKSaver, :DISPlay:DATA? PNG,COLor -> block + \n */
    SIM_FAMILY_KEYSIGHT_6000, /* InfiniiVision 5000-7000: :DISPlay:DATA? PNG,SCReen,COLor -> block */
    SIM_FAMILY_INFINIIUM,     /* Infiniium: :DISPlay:DATA? PNG,SCReen,ON,NORMal|INVert -> block */
    SIM_FAMILY_LECROY,        /* HCSU + SCDP (REMOTE or FILE), TRFL?, DELF */
    SIM_FAMILY_RS,            /* HCOPy:FORMat, HCOPy:DATA? -> block */
    SIM_FAMILY_RS_MXO,        /* HCOPy:DEVice:LANGuage/WBKG, SYSTem:DISPlay:UPDate, HCOPy:DATA? */
    SIM_FAMILY_GWINSTEK,      /* :DISPlay:OUTPut? (RLE565 block), :DISPlay:PNGOutput? */
    SIM_FAMILY_OWON,          /* :DATA:WAVE:SCREen:BMP? -> LE u32 length + BMP */
    SIM_FAMILY_OWON_LEGACY,   /* STARTBMP -> 12-byte envelope + BMP; no SCPI at all */
    SIM_FAMILY_ACME,          /* unknown maker: only HCOPy:SDUMp:DATA? (the generic driver's test) */
} sim_family;

typedef enum sim_look {
    SIM_LOOK_RIGOL,
    SIM_LOOK_SIGLENT,
    SIM_LOOK_TEK_CLASSIC,
    SIM_LOOK_TEK_MODERN,
    SIM_LOOK_KEYSIGHT,
    SIM_LOOK_LECROY,
    SIM_LOOK_RS,
    SIM_LOOK_GWINSTEK,
    SIM_LOOK_OWON,
    SIM_LOOK_ACME,
    SIM_LOOK_RIGOL_DHO,       /* DHO800/1000: the newer Rigol UI */
    SIM_LOOK_TEK_WINDOWS,     /* DPO/MSO5000-70000: TekScope on Windows, 10x10 graticule */
    SIM_LOOK_KEYSIGHT_6000,   /* InfiniiVision 6000A: softkeys below, no side panel */
    SIM_LOOK_INFINIIUM,       /* Infiniium on Windows: grey chrome, solid graticule */
    SIM_LOOK_LECROY_MAUI,     /* WaveSurfer 3000z MAUI: menu bar on top, descriptors below */
    SIM_LOOK_RS_MXO,          /* MXO 4: blue-grey toolbar, signal bar below */
    SIM_LOOK_COUNT            /* not a look: how many there are */
} sim_look;

/* Quirks, as bits. */
#define SIM_QUIRK_BMP_WHEN_PNG     0x01u /* Rigol MSO5000: asked for PNG, sends BMP24 */
#define SIM_QUIRK_STRAY_BYTE       0x02u /* Siglent :PRINt?: one byte after IEND */
#define SIM_QUIRK_VXI11_STUB       0x04u /* LeCroy: SCDP over VXI-11 answers a 52-byte stub */
#define SIM_QUIRK_SLOW_FIRST_QUERY 0x08u /* Keysight DSO-X 2000: the first query on a link is slow */
#define SIM_QUIRK_PNG_OUTPUT       0x10u /* GW Instek GDS-1000B: also :DISPlay:PNGOutput? */
#define SIM_QUIRK_PALETTE_BMP      0x20u /* Tek TDS: 8-bit palette BMP */
#define SIM_QUIRK_REMOTE_INTERFACE 0x40u /* LeCroy: one remote interface at a time (TCPIP=VICP, LXI=VXI-11,
                                          * USBTMC); queries on another answer a WARNING line */
#define SIM_QUIRK_DISPLAY_UPDATE   0x80u /* R&S MXO: in remote the display is a static image until
                                          * SYSTem:DISPlay:UPDate ON, and so is its screen dump */
#define SIM_QUIRK_IDN_HEADER       0x100u /* LeCroy MAUI (CHDR SHORT): "*IDN LECROY,..." */

typedef struct sim_model {
    const char *name;         /* <vendor>-<model>, lower case: what --model takes */
    const char *manufacturer; /* *IDN? fields */
    const char *model;
    const char *serial;
    const char *firmware;
    const char *brand;        /* printed on the screen */
    sim_family family;
    sim_look look;
    int width, height;
    int channels;
    sc_image_format native_format; /* what its screen dump is */
    const char *protocols;    /* served by default, e.g. "raw,vxi11": the real instrument's own */
    uint16_t raw_ports[SIM_MAX_PORTS]; /* raw SCPI ports (the real one where it has one; else a
                                        * test-only port, used with --protocols raw) */
    int default_render_ms;    /* screen dump delay (the real one, shortened for tests) */
    int first_query_ms;       /* SIM_QUIRK_SLOW_FIRST_QUERY delay */
    unsigned quirks;
    const char *notes;        /* for --list-models and the man page */
} sim_model;

size_t sim_model_count(void);
const sim_model *sim_model_at(size_t i);
const sim_model *sim_model_find(const char *name);

#endif
