/* USB-TMC devices that break the rules, as data: one row per vendor or vendor:product,
 * each with the behaviours the message layer must adapt to (protocols.md §4.5, §7.10). */
#ifndef SC_USBTMC_QUIRKS_H
#define SC_USBTMC_QUIRKS_H

#include <stddef.h>
#include <stdint.h>

typedef enum sc_usbtmc_quirk_flag {
    /* TransferSize in the Bulk-IN header is wrong for block replies and EOM is always set:
     * send one REQUEST per message (another one restarts the transfer), take the header
     * from the first packet only, and take the length from the "#N" block header. */
    SC_USBTMC_QUIRK_SIZE_FROM_BLOCK = 1u << 0,
    /* Never sets EOM: a transfer shorter than requested ends the message. */
    SC_USBTMC_QUIRK_NO_EOM = 1u << 1,
    /* Hangs on INITIATE_CLEAR: device clear aborts the Bulk-IN transfer and drains instead. */
    SC_USBTMC_QUIRK_NO_INITIATE_CLEAR = 1u << 2,
    /* Advertises RL1 / REN_CONTROL but breaks on REN_CONTROL, GO_TO_LOCAL, LOCAL_LOCKOUT. */
    SC_USBTMC_QUIRK_NO_REMOTE_CONTROL = 1u << 3,
    /* Needs a USB reset when opened (stale state from an earlier session otherwise). */
    SC_USBTMC_QUIRK_RESET_ON_OPEN = 1u << 4,
} sc_usbtmc_quirk_flag;

#define SC_USBTMC_QUIRK_FLAG_COUNT 5

typedef struct sc_usbtmc_quirk_row {
    uint16_t vid;
    uint16_t pid;          /* 0: every product of the vendor */
    unsigned flags;
    uint32_t max_transfer; /* payload bytes per bulk transfer, both directions; 0: no limit */
    const char *device;    /* who, for -v */
    const char *source;    /* where the behaviour was reported */
} sc_usbtmc_quirk_row;

/* What applies to one device: every matching row, flags OR-ed, the smallest limit. */
typedef struct sc_usbtmc_quirks {
    unsigned flags;
    uint32_t max_transfer;
} sc_usbtmc_quirks;

void sc_usbtmc_quirks_lookup(uint16_t vid, uint16_t pid, sc_usbtmc_quirks *out);
size_t sc_usbtmc_quirk_row_count(void);
const sc_usbtmc_quirk_row *sc_usbtmc_quirk_row_at(size_t i);
const char *sc_usbtmc_quirk_flag_name(unsigned flag);
/* "size-from-block,no-initiate-clear" for logs; "none" when empty. */
void sc_usbtmc_quirks_describe(unsigned flags, char *buf, size_t cap);

#endif
