/* scopesim VICP server (TCP 1861), as a LeCroy answers (protocols.md §3).
 *
 * DATA blocks are gathered until one carries EOI; that message is executed and the reply
 * goes back as DATA blocks of at most REPLY_BLOCK bytes, EOI on the last, each stamped
 * with the sequence number of the command that produced it (0 stays 0: that is what a
 * v1 client sends and what it gets back). A CLEAR header drops the partial message.
 * Headers are parsed with the library's codec; a header it refuses ends the connection,
 * since after a framing error nothing that follows can be trusted. */
#include "server.h"
#include "faults.h"

#include "wire/vicp_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_MESSAGE (16u * 1024 * 1024) /* a program message larger than this is not SCPI */
#define REPLY_BLOCK (64 * 1024)

typedef struct vicp_conn {
    sim_server *srv;
    int fd;
    sc_buf message;     /* DATA payload of the message being gathered */
    uint8_t message_seq; /* sequence number of that message */
    bool remote, lockout;
    sim_fault_conn fc;  /* every reply byte leaves through the fault helper */
    uint8_t out[SC_VICP_HEADER_SIZE + REPLY_BLOCK]; /* header and payload leave in one send */
} vicp_conn;

/* Read and drop n payload bytes (control blocks with a payload we do not use). */
static bool discard(int fd, uint32_t n)
{
    uint8_t scratch[4096];
    while (n > 0) {
        size_t chunk = n < sizeof scratch ? n : sizeof scratch;
        if (!sim_recv_all(fd, scratch, chunk))
            return false;
        n -= (uint32_t)chunk;
    }
    return true;
}

/* Header and payload in one send, so that a small block is one TCP segment (tshark's
 * VICP dissector, like some simple clients, expects a header at the start of each). Only
 * `sent` of the n payload bytes go out (close-mid-transfer). The framing faults change the
 * header: garbage, a 4 GiB length, no DATA bit; duplicate-frames sends it all twice. */
static bool send_block_faulty(vicp_conn *c, uint8_t op, const uint8_t *payload, size_t n, size_t sent,
                              const sim_fault_frames *fr, bool first)
{
    uint32_t length = fr && fr->huge_length && first ? UINT32_MAX : (uint32_t)n;
    if (fr && fr->wrong_message_type)
        op = (uint8_t)((op & ~SC_VICP_OP_DATA) | SC_VICP_OP_SRQ);
    sc_vicp_header h = { .op = op, .version = SC_VICP_VERSION, .seq = c->message_seq, .length = length };
    sc_vicp_encode(&h, c->out);
    if (fr && fr->garbage_header && first)
        sim_fault_garble(c->out, SC_VICP_HEADER_SIZE);
    if (sent)
        memcpy(c->out + SC_VICP_HEADER_SIZE, payload, sent);
    int copies = fr && fr->duplicate_frames ? 2 : 1;
    for (int i = 0; i < copies; i++)
        if (!sim_fault_send(&c->fc, c->out, SC_VICP_HEADER_SIZE + sent))
            return false;
    return true;
}

static bool send_block(vicp_conn *c, uint8_t op, const uint8_t *payload, size_t n)
{
    return send_block_faulty(c, op, payload, n, n, NULL, false);
}

/* Send the reply as DATA blocks, EOI on the last. Under close-mid-transfer, a binary reply
 * is cut off half-way, inside a block whose header promised more; under early-end, EOI
 * comes with the block that completes the first half and the rest is never sent. */
static bool send_reply(vicp_conn *c, const sim_reply *reply)
{
    sim_faults *faults = &c->srv->inst->faults;
    if (reply->bytes.len == 0 || faults->stall)
        return true;
    sim_fault_frames fr = sim_fault_frames_for(&c->fc, reply);
    sim_fault_reply_starts(&c->fc);
    size_t total = fr.early_end ? reply->bytes.len / 2 : reply->bytes.len;
    size_t cut = fr.close_mid_transfer ? total / 2 : total;
    const uint8_t *p = reply->bytes.data;
    for (size_t off = 0; off < total; off += REPLY_BLOCK) {
        size_t n = total - off < REPLY_BLOCK ? total - off : REPLY_BLOCK;
        uint8_t op = SC_VICP_OP_DATA | (off + n == total ? SC_VICP_OP_EOI : 0);
        if (off + n > cut) {
            send_block_faulty(c, op, p + off, n, cut - off, &fr, off == 0);
            return false;
        }
        if (!send_block_faulty(c, op, p + off, n, n, &fr, off == 0))
            return false;
    }
    return true;
}

static bool execute(vicp_conn *c)
{
    sim_reply reply = { .binary = false };
    sc_buf_init(&reply.bytes, 0);
    sim_fault_execute(&c->fc, c->srv->inst, c->message.data, c->message.len, &reply);
    sc_buf_reset(&c->message);
    bool ok = send_reply(c, &reply);
    sc_buf_free(&reply.bytes);
    return ok;
}

/* v1 clients ask for the status byte in-band; a v1a client uses TCP urgent data, which
 * we do not serve. Every reply here is sent before the next command is read, so the
 * output queue is always empty: MAV clear, status byte 0. */
static bool serial_poll(vicp_conn *c)
{
    uint8_t stb = 0;
    return send_block(c, SC_VICP_OP_DATA | SC_VICP_OP_EOI, &stb, 1);
}

/* One header and its payload; false when the connection must end. */
static bool serve_block(vicp_conn *c)
{
    uint8_t raw[SC_VICP_HEADER_SIZE];
    if (!sim_recv_all(c->fd, raw, sizeof raw))
        return false;
    sc_vicp_header h;
    sc_error err;
    if (sc_vicp_decode(raw, MAX_MESSAGE, &h, "scopesim VICP client", &err) != SC_OK) {
        fprintf(stderr, "%s\n", err.message);
        return false;
    }
    c->remote = (h.op & SC_VICP_OP_REMOTE) != 0;
    c->lockout = (h.op & SC_VICP_OP_LOCKOUT) != 0;
    if (h.op & SC_VICP_OP_CLEAR) /* clear comes before any data of the same block */
        sc_buf_reset(&c->message);
    if (!(h.op & SC_VICP_OP_DATA)) {
        /* REMOTE/LOCKOUT/go-to-local changes (fsc2 sends these with length 0) */
        if (!discard(c->fd, h.length))
            return false;
        return (h.op & SC_VICP_OP_SERIALPOLL) ? serial_poll(c) : true;
    }
    if (c->message.len + h.length > MAX_MESSAGE)
        return false; /* no instrument buffers that much of one message */
    /* an empty DATA block (CLEAR|DATA) carries nothing: the buffer may not exist yet */
    if (h.length > 0 && (sc_buf_reserve(&c->message, h.length, NULL) != SC_OK ||
                         !sim_recv_all(c->fd, c->message.data + c->message.len, h.length)))
        return false;
    c->message.len += h.length;
    c->message_seq = h.seq;
    if (h.op & SC_VICP_OP_SERIALPOLL)
        return serial_poll(c);
    if (!(h.op & SC_VICP_OP_EOI) || ((h.op & SC_VICP_OP_CLEAR) && c->message.len == 0))
        return true;
    return execute(c);
}

static void serve_vicp(sim_server *srv, int fd)
{
    vicp_conn *c = calloc(1, sizeof *c); /* out[] is 64 KiB: not on a thread's stack */
    if (!c)
        return;
    c->srv = srv;
    c->fd = fd;
    sc_buf_init(&c->message, MAX_MESSAGE);
    sim_fault_conn_init(&c->fc, &srv->inst->faults, fd);
    while (serve_block(c)) {
    }
    sim_fault_conn_free(&c->fc);
    sc_buf_free(&c->message);
    free(c);
}

int sim_start_vicp(sim_server *srv, const char *addr, const sim_ports *ports)
{
    return sim_listen_announced(srv, addr, ports->vicp, "vicp", serve_vicp) < 0 ? -1 : 0;
}
