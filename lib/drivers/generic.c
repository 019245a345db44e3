/* The generic driver: for an instrument no row matches. It tries the common screen-dump
 * commands, harmless ones first, each followed by *OPC? so that an unknown command shows
 * at once (the instrument answers "1" and nothing else) instead of after a timeout, and
 * says which one worked so the model can get its own row. SCDP comes late: on some
 * Siglent firmware it clears a rolling trace. HARDCopy STARt is never tried: on many
 * instruments it prints or writes to a USB stick. */
#include "drivers/drivers.h"

const char *const sc_generic_candidates[] = {
    ":DISPlay:DATA?",      /* Rigol, Keysight: block */
    "HCOPy:DATA?",         /* R&S, Hameg: block */
    "HCOPy:SDUMp:DATA?",   /* SCPI-1999 screen dump (Keysight DMMs, Rigol generators): block */
    ":PRINt? PNG",         /* Siglent E11: bare PNG */
    ":DISPlay:PNGOutput?", /* GW Instek: block */
    "SCDP",                /* Siglent, LeCroy: bare BMP */
    NULL,
};

const sc_driver sc_generic_drivers[] = {
    {
        .name = "generic",
        .description = "Any other instrument: tries common screen-dump commands and says which worked",
        .vendor = SC_VENDOR_UNKNOWN,
        .models = NULL,
        .hook = SC_HOOK_GENERIC,
        .framing = SC_FRAMING_ANY,
        .native_format = SC_IMAGE_UNKNOWN,
        .render_ms = 2000,
        .protocols = P_RAW | P_VICP | P_VXI11 | P_HISLIP | P_USBTMC,
        .notes = "tries :DISP:DATA?, HCOP:DATA?, HCOP:SDUM:DATA?, :PRIN? PNG, :DISP:PNGO?, SCDP",
    },
};

const size_t sc_generic_driver_count = sizeof sc_generic_drivers / sizeof sc_generic_drivers[0];
