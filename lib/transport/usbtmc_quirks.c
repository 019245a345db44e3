/* The USB-TMC quirk table. Rows, not if-chains: a new misbehaving device is one line.
 * Sources are the host implementations that found each behaviour (protocols.md §4.5). */
#include "transport/usbtmc_quirks.h"

#include <stdio.h>

#define RIGOL 0x1AB1
#define AGILENT 0x0957
#define YOKOGAWA 0x0B21
#define SIGLENT 0xF4EC
#define ADVANTEST 0x1334

static const sc_usbtmc_quirk_row rows[] = {
    /* Rigol: TransferSize and EOM do not describe block replies (python-usbtmc PIDs 0x04ce,
     * 0x0588; the brief extends it to the vendor, which is harmless: the rule falls back
     * to TransferSize for replies that are not blocks). */
    { RIGOL, 0, SC_USBTMC_QUIRK_SIZE_FROM_BLOCK, 0, "Rigol (any)", "python-usbtmc rigol_quirk" },
    { RIGOL, 0x04CE, SC_USBTMC_QUIRK_NO_INITIATE_CLEAR, 0, "Rigol DS1000Z", "python-usbtmc PR #62" },
    { RIGOL, 0x0588, SC_USBTMC_QUIRK_NO_REMOTE_CONTROL, 0, "Rigol DS1000", "sigrok scpi_usbtmc blacklist" },
    { RIGOL, 0x04B0, SC_USBTMC_QUIRK_NO_REMOTE_CONTROL, 0, "Rigol DS2000", "sigrok scpi_usbtmc blacklist" },
    { RIGOL, 0x04B1, SC_USBTMC_QUIRK_NO_REMOTE_CONTROL, 0, "Rigol DS4000", "sigrok scpi_usbtmc blacklist" },
    { RIGOL, 0x0515, SC_USBTMC_QUIRK_NO_REMOTE_CONTROL, 0, "Rigol MSO5000", "sigrok scpi_usbtmc blacklist" },
    { AGILENT, 0x0588, SC_USBTMC_QUIRK_NO_REMOTE_CONTROL, 0, "Agilent DSO1000 (Rigol-made)",
      "sigrok scpi_usbtmc blacklist" },
    { YOKOGAWA, 0, SC_USBTMC_QUIRK_NO_REMOTE_CONTROL, 0, "Yokogawa (any)", "sigrok scpi_usbtmc blacklist" },
    { SIGLENT, 0, SC_USBTMC_QUIRK_NO_REMOTE_CONTROL | SC_USBTMC_QUIRK_RESET_ON_OPEN, 0, "Siglent (any)",
      "sigrok scpi_usbtmc blacklist, USB reset of SDS on open" },
    { ADVANTEST, 0, SC_USBTMC_QUIRK_NO_EOM, 63, "Advantest (any)", "python-usbtmc advantest_quirk" },
};

void sc_usbtmc_quirks_lookup(uint16_t vid, uint16_t pid, sc_usbtmc_quirks *out)
{
    out->flags = 0;
    out->max_transfer = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].vid != vid || (rows[i].pid != 0 && rows[i].pid != pid))
            continue;
        out->flags |= rows[i].flags;
        if (rows[i].max_transfer && (!out->max_transfer || rows[i].max_transfer < out->max_transfer))
            out->max_transfer = rows[i].max_transfer;
    }
}

size_t sc_usbtmc_quirk_row_count(void)
{
    return sizeof rows / sizeof rows[0];
}

const sc_usbtmc_quirk_row *sc_usbtmc_quirk_row_at(size_t i)
{
    return i < sizeof rows / sizeof rows[0] ? &rows[i] : NULL;
}

const char *sc_usbtmc_quirk_flag_name(unsigned flag)
{
    switch (flag) {
    case SC_USBTMC_QUIRK_SIZE_FROM_BLOCK: return "size-from-block";
    case SC_USBTMC_QUIRK_NO_EOM: return "no-eom";
    case SC_USBTMC_QUIRK_NO_INITIATE_CLEAR: return "no-initiate-clear";
    case SC_USBTMC_QUIRK_NO_REMOTE_CONTROL: return "no-remote-control";
    case SC_USBTMC_QUIRK_RESET_ON_OPEN: return "reset-on-open";
    default: return "unknown";
    }
}

void sc_usbtmc_quirks_describe(unsigned flags, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return;
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned bit = 0; bit < SC_USBTMC_QUIRK_FLAG_COUNT; bit++) {
        if (!(flags & (1u << bit)))
            continue;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? "," : "", sc_usbtmc_quirk_flag_name(1u << bit));
        if (n < 0 || (size_t)n >= cap - used)
            return;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, cap, "none");
}
