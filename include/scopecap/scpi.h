/* SCPI: IEEE 488.2 replies, *IDN? and vendor matching.
 *
 * A reply on the wire is one of:
 *   text            ends at '\n' (or at END on transports that carry it)
 *   definite block  [prefix]#<n><len><len bytes>[\n]   prefix: "TRFL ", "C1:WF ALL," ... (< 64 bytes)
 *   indefinite      #0 <bytes> NL^END
 *   raw image       BMP/PNG/JPEG file with no header; its own header says how long it is
 * sc_reply_parser decides which as bytes arrive and says when the reply is complete. */
#ifndef SCOPECAP_SCPI_H
#define SCOPECAP_SCPI_H

#include "scopecap/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sc_reply_kind {
    SC_REPLY_UNDECIDED = 0,
    SC_REPLY_TEXT,
    SC_REPLY_DEFINITE,
    SC_REPLY_INDEFINITE,
    SC_REPLY_RAW_IMAGE,
} sc_reply_kind;

#define SC_BLOCK_PREFIX_WINDOW 64

typedef struct sc_reply_parser {
    sc_reply_kind kind;
    size_t limit;       /* largest payload accepted */
    bool end_marked;    /* the transport marks message ends (set by the caller after init) */
    size_t scanned;     /* bytes already examined (so each byte is looked at once) */
    size_t payload_off; /* valid once kind is decided */
    size_t payload_len; /* valid once complete (for definite: as soon as the header is read) */
    size_t total_len;   /* bytes the reply occupies, trailer excluded; valid once complete */
    bool complete;
} sc_reply_parser;

void sc_reply_init(sc_reply_parser *p, size_t limit);
/* Look at the reply bytes received so far (buf[0..len), always the same growing buffer).
 * `end` is true when the transport marked the end of the message (VXI-11 END, HiSLIP
 * DataEnd, VICP EOI, USB-TMC EOM; never on a raw socket).
 * Returns SC_OK (check p->complete), or an error for a malformed or too large reply. */
sc_status sc_reply_feed(sc_reply_parser *p, const uint8_t *buf, size_t len, bool end, sc_error *err);

/* ---- *IDN? ---- */
typedef struct sc_idn {
    char manufacturer[64];
    char model[64];
    char serial[64];
    char firmware[128];
} sc_idn;

/* Split "MANUFACTURER,MODEL,SERIAL,FIRMWARE"; fields are trimmed and sanitised. */
sc_status sc_idn_parse(const char *text, size_t len, sc_idn *out, sc_error *err);

typedef enum sc_vendor {
    SC_VENDOR_UNKNOWN = 0,
    SC_VENDOR_RIGOL,
    SC_VENDOR_SIGLENT,
    SC_VENDOR_KEYSIGHT,
    SC_VENDOR_TEKTRONIX,
    SC_VENDOR_LECROY,
    SC_VENDOR_RS,
    SC_VENDOR_GWINSTEK,
    SC_VENDOR_OWON,
    SC_VENDOR_HANTEK,
    SC_VENDOR_COUNT
} sc_vendor;

/* Vendor from the manufacturer field through an alias table
 * (Agilent -> Keysight, Teledyne LeCroy -> LeCroy, Hameg -> R&S, ...). */
sc_vendor sc_vendor_from_manufacturer(const char *manufacturer);
const char *sc_vendor_name(sc_vendor v);
/* Anchored, case-insensitive glob ('*', '?', '[...]') over the whole field. */
bool sc_field_matches(const char *pattern, const char *field);

#ifdef __cplusplus
}
#endif
#endif
