/* LeCroy VICP over TCP 1861 (protocols.md §3).
 *
 * Writes go out as DATA blocks of at most WRITE_BLOCK bytes, EOI on the last block of a
 * message, all blocks of one message carrying the same sequence number (1..255, the
 * "1a" protocol). Reads follow the incoming block stream across calls: a read returns
 * payload bytes of the current block and sets *end when the block with EOI is used up.
 *
 * Version 1 versus 1a: a v1a device stamps every reply block with the number of the
 * command that produced it, so blocks with any other number are replies nobody waits for
 * any more (after a timeout or a clear) and are dropped. A v1 device sends 0 everywhere;
 * then nothing is dropped, and device clear has to reconnect to flush what is in flight,
 * as the original LeCroy client does. We learn which one we talk to from the first reply. */
#include "transport/net.h"
#include "transport/transport.h"
#include "wire/vicp_wire.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WRITE_BLOCK (64 * 1024)
#define CLEAR_SETTLE_MS 100 /* the original client lets a v1 device act on CLEAR before it hangs up */

typedef struct vicp_state {
    uint8_t next_seq; /* number for the message being written */
    uint8_t last_seq; /* number of the last message completed with EOI (or clear); 0: none yet */
    bool peer_v1a;    /* the device stamped a non-zero sequence number */
    bool broken;      /* a framing error or cut write: only a reconnect (clear) helps */

    /* where we are in the incoming block stream; survives timeouts between calls */
    uint8_t hdr[SC_VICP_HEADER_SIZE];
    size_t hdr_have;
    bool in_block;
    uint32_t block_left;
    bool block_eoi;
    bool block_skip; /* stale reply, SRQ notice or control block: read and drop */

    uint8_t out[SC_VICP_HEADER_SIZE + WRITE_BLOCK]; /* one header and its payload, one send */
} vicp_state;

static void reset_receive(vicp_state *s)
{
    s->hdr_have = 0;
    s->in_block = false;
    s->block_left = 0;
    s->block_eoi = false;
    s->block_skip = false;
}

static sc_status connect_fresh(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vicp_state *s = link->state;
    reset_receive(s);
    s->broken = false;
    s->peer_v1a = false;
    return sc_link_connect_tcp(link, sc_resource_port(&link->res), deadline, &link->fd, link->label, err);
}

static sc_status vicp_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vicp_state *s = calloc(1, sizeof *s);
    if (!s)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    s->next_seq = 1;
    link->state = s;
    sc_status st = connect_fresh(link, deadline, err);
    if (st != SC_OK) {
        /* the link table frees only the link when open fails */
        free(s);
        link->state = NULL;
    }
    return st;
}

static sc_status usable(const sc_link *link, sc_error *err)
{
    const vicp_state *s = link->state;
    if (link->fd < 0)
        return sc_error_set(err, SC_ERR_CLOSED, "%s: not connected (a reconnect failed earlier)", link->label);
    if (s->broken)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: the VICP stream is out of step after an earlier error; a device clear reconnects",
                            link->label);
    return SC_OK;
}

static sc_status send_block(sc_link *link, uint8_t op, const uint8_t *payload, size_t n, sc_deadline deadline,
                            sc_error *err)
{
    vicp_state *s = link->state;
    sc_vicp_header h = { .op = op, .version = SC_VICP_VERSION, .seq = s->next_seq, .length = (uint32_t)n };
    sc_vicp_encode(&h, s->out);
    if (n)
        memcpy(s->out + SC_VICP_HEADER_SIZE, payload, n);
    sc_status st = sc_tcp_send_all(link->fd, s->out, SC_VICP_HEADER_SIZE + n, deadline, link->label, err);
    if (st != SC_OK)
        s->broken = true; /* part of a block may have left: the device now miscounts our bytes */
    return st;
}

static sc_status vicp_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline,
                            sc_error *err)
{
    vicp_state *s = link->state;
    sc_status st = usable(link, err);
    if (st != SC_OK)
        return st;
    const uint8_t *p = data;
    /* do-while: a zero-length write with end still sends the EOI block */
    do {
        size_t chunk = n < WRITE_BLOCK ? n : WRITE_BLOCK;
        bool last = chunk == n;
        uint8_t op = SC_VICP_OP_DATA | (last && end ? SC_VICP_OP_EOI : 0);
        st = send_block(link, op, p, chunk, deadline, err);
        if (st != SC_OK)
            return st;
        p += chunk;
        n -= chunk;
    } while (n > 0);
    if (end) {
        s->last_seq = s->next_seq;
        s->next_seq = sc_vicp_next_seq(s->next_seq);
    }
    return SC_OK;
}

/* Take in the rest of a header; partial headers survive a timeout. */
static sc_status receive_header(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vicp_state *s = link->state;
    while (s->hdr_have < SC_VICP_HEADER_SIZE) {
        size_t got = 0;
        sc_status st = sc_tcp_recv_some(link->fd, s->hdr + s->hdr_have, SC_VICP_HEADER_SIZE - s->hdr_have, &got,
                                        deadline, link->label, err);
        if (st != SC_OK)
            return st;
        s->hdr_have += got;
    }
    s->hdr_have = 0;
    sc_vicp_header h;
    sc_status st = sc_vicp_decode(s->hdr, SC_VICP_MAX_BLOCK, &h, link->label, err);
    if (st != SC_OK) {
        s->broken = true;
        return st;
    }
    char ops[64];
    sc_trace("%s: VICP block %s seq %u, %lu bytes", link->label, sc_vicp_op_text(h.op, ops, sizeof ops), h.seq,
             (unsigned long)h.length);
    if (h.seq != 0)
        s->peer_v1a = true;
    s->in_block = true;
    s->block_left = h.length;
    s->block_eoi = (h.op & SC_VICP_OP_EOI) != 0;
    /* SRQ notices and control blocks are not reply data; a v1a block with another
     * sequence number answers a message we no longer wait for */
    bool stale = h.seq != 0 && s->last_seq != 0 && h.seq != s->last_seq;
    s->block_skip = !(h.op & SC_VICP_OP_DATA) || (h.op & SC_VICP_OP_SRQ) || stale;
    if (stale)
        sc_debug("%s: dropping a VICP block of an older message (seq %u, expecting %u)", link->label, h.seq,
                 s->last_seq);
    return SC_OK;
}

static sc_status receive_payload(sc_link *link, uint8_t *data, size_t cap, size_t *got, sc_deadline deadline,
                                 sc_error *err)
{
    vicp_state *s = link->state;
    size_t want = cap < s->block_left ? cap : s->block_left;
    sc_status st = sc_tcp_recv_some(link->fd, data, want, got, deadline, link->label, err);
    if (st == SC_ERR_CLOSED)
        sc_error_append(err, " in the middle of a VICP block (%lu bytes of it never came)",
                        (unsigned long)s->block_left);
    if (st != SC_OK)
        return st;
    s->block_left -= (uint32_t)*got;
    if (s->block_left == 0)
        s->in_block = false;
    return SC_OK;
}

static sc_status vicp_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                           sc_error *err)
{
    vicp_state *s = link->state;
    *got = 0;
    *end = false;
    sc_status st = usable(link, err);
    if (st != SC_OK || cap == 0)
        return st;
    for (;;) {
        if (!s->in_block) {
            st = receive_header(link, deadline, err);
            if (st != SC_OK)
                return st;
        }
        if (s->block_skip) {
            uint8_t scratch[4096];
            size_t n = 0;
            if (s->block_left > 0 && (st = receive_payload(link, scratch, sizeof scratch, &n, deadline, err)) != SC_OK)
                return st;
            s->in_block = s->block_left > 0;
            continue;
        }
        if (s->block_left == 0) { /* an empty block: only its EOI counts */
            s->in_block = false;
            if (!s->block_eoi)
                continue;
            *end = true;
            return SC_OK;
        }
        st = receive_payload(link, data, cap, got, deadline, err);
        if (st != SC_OK)
            return st;
        *end = !s->in_block && s->block_eoi;
        return SC_OK;
    }
}

static void drop_connection(sc_link *link)
{
    if (link->fd >= 0)
        close(link->fd);
    link->fd = -1;
}

static void settle(sc_deadline deadline)
{
    int ms = sc_deadline_poll_ms(deadline);
    if (ms < 0 || ms > CLEAR_SETTLE_MS)
        ms = CLEAR_SETTLE_MS;
    poll(NULL, 0, ms);
}

static sc_status vicp_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    vicp_state *s = link->state;
    sc_status st = SC_OK;
    if (link->fd >= 0 && !s->broken) {
        /* CLEAR with DATA and no payload, as the LeCroy client sends it; the sequence
         * number is not a new message's */
        st = send_block(link, SC_VICP_OP_DATA | SC_VICP_OP_CLEAR, NULL, 0, deadline, err);
        if (st == SC_OK && s->peer_v1a) {
            /* Everything still in flight answers older messages: retire the current
             * number so those blocks (and the rest of a half-read one) are dropped. */
            if (s->in_block)
                s->block_skip = true;
            s->last_seq = s->next_seq;
            s->next_seq = sc_vicp_next_seq(s->next_seq);
            return SC_OK;
        }
    }
    /* A v1 device (or one that has not answered yet, or a broken stream): what is in
     * flight can only be flushed with a new connection. */
    sc_debug("%s: device clear by reconnecting (%s)", link->label,
             st != SC_OK || s->broken ? "the stream is broken" : "no v1a sequence numbers seen");
    settle(deadline);
    drop_connection(link);
    s->last_seq = 0;
    return connect_fresh(link, deadline, err);
}

static void vicp_close(sc_link *link)
{
    drop_connection(link);
}

const sc_link_ops sc_vicp_link_ops = {
    .protocol = SC_PROTO_VICP,
    .display_name = "VICP",
    .has_end_marker = true,
    .open = vicp_open,
    .write = vicp_write,
    .read = vicp_read,
    .clear = vicp_clear,
    .close = vicp_close,
};
