/* LeCroy VICP header codec. Pure: bytes in, struct out, nothing else. */
#include "wire/vicp_wire.h"

#include <stdio.h>

void sc_vicp_encode(const sc_vicp_header *h, uint8_t out[SC_VICP_HEADER_SIZE])
{
    out[0] = h->op;
    out[1] = h->version;
    out[2] = h->seq;
    out[3] = 0;
    out[4] = (uint8_t)(h->length >> 24);
    out[5] = (uint8_t)(h->length >> 16);
    out[6] = (uint8_t)(h->length >> 8);
    out[7] = (uint8_t)h->length;
}

sc_status sc_vicp_decode(const uint8_t in[SC_VICP_HEADER_SIZE], uint32_t max_block, sc_vicp_header *out,
                         const char *who, sc_error *err)
{
    if (max_block == 0)
        max_block = SC_VICP_MAX_BLOCK;
    sc_vicp_header h = {
        .op = in[0],
        .version = in[1],
        .seq = in[2],
        .length = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 | (uint32_t)in[6] << 8 | (uint32_t)in[7],
    };
    /* A wrong version is the usual sign that the peer on this port is not VICP at all
     * (or that we lost the framing), so say so rather than guessing on. */
    if (h.version != SC_VICP_VERSION)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: VICP header version %u is unknown (only 1 exists; header %02x %02x %02x %02x: is this port really LeCroy VICP?)",
                            who, h.version, in[0], in[1], in[2], in[3]);
    if (h.op & SC_VICP_OP_RESERVED)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: VICP header operation 0x%02x sets the reserved bit 0x02 (framing lost, or not a VICP peer)",
                            who, h.op);
    if (in[3] != 0)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: VICP header reserved byte is 0x%02x, not 0 (framing lost, or not a VICP peer)", who,
                            in[3]);
    if (h.length > max_block)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "%s: VICP block of %lu bytes exceeds the %lu-byte limit (framing lost, or not a VICP peer)",
                            who, (unsigned long)h.length, (unsigned long)max_block);
    *out = h;
    return SC_OK;
}

uint8_t sc_vicp_next_seq(uint8_t seq)
{
    return seq >= 255 ? 1 : (uint8_t)(seq + 1);
}

const char *sc_vicp_op_text(uint8_t op, char *buf, size_t cap)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {
        { SC_VICP_OP_DATA, "DATA" },   { SC_VICP_OP_REMOTE, "REMOTE" },         { SC_VICP_OP_LOCKOUT, "LOCKOUT" },
        { SC_VICP_OP_CLEAR, "CLEAR" }, { SC_VICP_OP_SRQ, "SRQ" },               { SC_VICP_OP_SERIALPOLL, "SERIALPOLL" },
        { SC_VICP_OP_RESERVED, "RESERVED" }, { SC_VICP_OP_EOI, "EOI" },
    };
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(op & names[i].bit))
            continue;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? "|" : "", names[i].name);
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, cap, "none");
    return buf;
}
