/* LeCroy VICP header codec (pure encode/decode, no I/O).
 *
 * Every VICP block is an 8-byte header and `length` payload bytes (protocols.md §3.1):
 *
 *   0  operation   flag bits below
 *   1  version     always 1 ("1a" is told by a non-zero sequence number, not here)
 *   2  sequence    1..255 on v1a, 0 on v1 (pre-2003) peers
 *   3  reserved    0
 *   4  length      u32 big-endian
 */
#ifndef SC_WIRE_VICP_WIRE_H
#define SC_WIRE_VICP_WIRE_H

#include "scopecap/core.h"

#define SC_VICP_HEADER_SIZE 8
#define SC_VICP_VERSION 1
#define SC_VICP_PORT 1861

#define SC_VICP_OP_DATA 0x80       /* a data block follows */
#define SC_VICP_OP_REMOTE 0x40     /* remote mode (GPIB REN) */
#define SC_VICP_OP_LOCKOUT 0x20    /* local lockout */
#define SC_VICP_OP_CLEAR 0x10      /* device clear, before any data in the same block */
#define SC_VICP_OP_SRQ 0x08        /* SRQ state change, device to host only */
#define SC_VICP_OP_SERIALPOLL 0x04 /* in-band serial poll request (v1 clients) */
#define SC_VICP_OP_RESERVED 0x02   /* never set by anyone we know of */
#define SC_VICP_OP_EOI 0x01        /* the block ends the message (GPIB END) */

/* Largest block we accept. Real scopes send far smaller blocks; a bigger declared length
 * means we lost the framing (or the peer is not VICP). */
#define SC_VICP_MAX_BLOCK ((uint32_t)64 << 20)

typedef struct sc_vicp_header {
    uint8_t op;
    uint8_t version;
    uint8_t seq;
    uint32_t length;
} sc_vicp_header;

/* Write the 8 header bytes (reserved byte 0). */
void sc_vicp_encode(const sc_vicp_header *h, uint8_t out[SC_VICP_HEADER_SIZE]);

/* Decode exactly SC_VICP_HEADER_SIZE bytes and check them: version 1, reserved flag bit
 * and reserved byte zero, length at most max_block (0 = SC_VICP_MAX_BLOCK). `who` names
 * the peer in messages (e.g. the link label). SC_ERR_PROTOCOL or SC_ERR_TOO_LARGE. */
sc_status sc_vicp_decode(const uint8_t in[SC_VICP_HEADER_SIZE], uint32_t max_block, sc_vicp_header *out,
                         const char *who, sc_error *err);

/* The sequence number after `seq`: 1..255, wrapping 255 -> 1, never 0. */
uint8_t sc_vicp_next_seq(uint8_t seq);

/* Flags as text for logs, e.g. "DATA|EOI"; "none" when no flag is set. */
const char *sc_vicp_op_text(uint8_t op, char *buf, size_t cap);

#endif
