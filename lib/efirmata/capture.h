/* eFirmata capture assembly: the pure half of the client. A capture starts from a TOM;
 * each later datagram is checked against it and its frames placed by start index; the
 * end lists what is missing. No sockets here, so tests and the fuzzer drive it directly. */
#ifndef SC_EFIRMATA_CAPTURE_H
#define SC_EFIRMATA_CAPTURE_H

#include "scopecap/efirmata.h"

typedef enum sc_efirmata_placement {
    SC_EFIRMATA_PLACED,    /* new frames stored (some may have been there already: overlap) */
    SC_EFIRMATA_DUPLICATE, /* every frame already there, same bytes */
    SC_EFIRMATA_CONFLICT,  /* frames already there with different bytes: refused */
    SC_EFIRMATA_STALE,     /* not this capture's: another TOM, other stride, beyond the request */
    SC_EFIRMATA_MALFORMED, /* does not decode */
} sc_efirmata_placement;

/* Decode the TOM and prepare room for `requested` frames. Frees what c held before. */
sc_status sc_efirmata_capture_begin(sc_efirmata_capture *c, const uint8_t *tom, size_t len, uint32_t requested,
                                    sc_error *err);
sc_efirmata_placement sc_efirmata_capture_place(sc_efirmata_capture *c, const uint8_t *p, size_t len);
bool sc_efirmata_capture_complete(const sc_efirmata_capture *c);
/* Settle the sample count (the firmware's 16-bit cut) and fail listing the missing
 * ranges, unless allow_gaps. */
sc_status sc_efirmata_capture_finish(sc_efirmata_capture *c, bool allow_gaps, sc_error *err);
/* "309-617, 1236" for the missing frames; at most `max_ranges` ranges, then "and N more". */
void sc_efirmata_missing_text(const sc_efirmata_capture *c, int max_ranges, char *buf, size_t cap);
/* One line per quirk bit, for -v. */
const char *sc_efirmata_quirk_text(unsigned quirk);
const char *sc_efirmata_quirk_name(unsigned quirk);

#endif
