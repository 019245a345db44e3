/* scopesim VICP server (TCP 1861), as a LeCroy answers (protocols.md §3).
 *
 * DATA blocks are gathered until one carries EOI; that message is executed and the reply
 * goes back as DATA blocks of at most REPLY_BLOCK bytes, EOI on the last, each stamped
 * with the sequence number of the command that produced it (0 stays 0: that is what a
 * v1 client sends and what it gets back). A CLEAR header drops the partial message.
 * Headers are parsed with the library's codec; a header it refuses ends the connection,
 * since after a framing error nothing that follows can be trusted. */
#include "server.h"

#include "wire/vicp_wire.h"

#include <stdio.h>
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
    uint8_t out[SC_VICP_HEADER_SIZE + REPLY_BLOCK]; /* header and payload leave in one send */
} vicp_conn;

static bool recv_exact(int fd, void *data, size_t n)
{
    uint8_t *p = data;
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/* Read and drop n payload bytes (control blocks with a payload we do not use). */
static bool discard(int fd, uint32_t n)
{
    uint8_t scratch[4096];
    while (n > 0) {
        size_t chunk = n < sizeof scratch ? n : sizeof scratch;
        if (!recv_exact(fd, scratch, chunk))
            return false;
        n -= (uint32_t)chunk;
    }
    return true;
}

/* Header and payload in one send, so that a small block is one TCP segment (tshark's
 * VICP dissector, like some simple clients, expects a header at the start of each). Under
 * close-mid-transfer only `sent` of the n payload bytes go out. */
static bool send_block_cut(vicp_conn *c, uint8_t op, const uint8_t *payload, size_t n, size_t sent)
{
    sc_vicp_header h = { .op = op, .version = SC_VICP_VERSION, .seq = c->message_seq, .length = (uint32_t)n };
    sc_vicp_encode(&h, c->out);
    if (sent)
        memcpy(c->out + SC_VICP_HEADER_SIZE, payload, sent);
    return sim_send_all(c->fd, c->out, SC_VICP_HEADER_SIZE + sent);
}

static bool send_block(vicp_conn *c, uint8_t op, const uint8_t *payload, size_t n)
{
    return send_block_cut(c, op, payload, n, n);
}

/* Send the reply as DATA blocks, EOI on the last. Under close-mid-transfer, a binary reply
 * is cut off half-way, inside a block whose header promised more. */
static bool send_reply(vicp_conn *c, const sim_reply *reply)
{
    sim_faults *faults = &c->srv->inst->faults;
    if (reply->bytes.len == 0 || faults->stall)
        return true;
    size_t total = reply->bytes.len;
    size_t cut = reply->binary && faults->close_mid_transfer ? total / 2 : total;
    const uint8_t *p = reply->bytes.data;
    for (size_t off = 0; off < total; off += REPLY_BLOCK) {
        size_t n = total - off < REPLY_BLOCK ? total - off : REPLY_BLOCK;
        uint8_t op = SC_VICP_OP_DATA | (off + n == total ? SC_VICP_OP_EOI : 0);
        if (off + n > cut) {
            send_block_cut(c, op, p + off, n, cut - off);
            return false;
        }
        if (!send_block(c, op, p + off, n))
            return false;
    }
    return true;
}

static bool execute(vicp_conn *c)
{
    sim_reply reply = { .binary = false };
    sc_buf_init(&reply.bytes, 0);
    sim_execute_message(c->srv->inst, c->message.data, c->message.len, &reply);
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
    if (!recv_exact(c->fd, raw, sizeof raw))
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
                         !recv_exact(c->fd, c->message.data + c->message.len, h.length)))
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
    vicp_conn c = { .srv = srv, .fd = fd };
    sc_buf_init(&c.message, MAX_MESSAGE);
    while (serve_block(&c)) {
    }
    sc_buf_free(&c.message);
}

int sim_start_vicp(sim_server *srv, const char *addr, const sim_ports *ports)
{
    return sim_listen_announced(srv, addr, ports->vicp, "vicp", serve_vicp) < 0 ? -1 : 0;
}
