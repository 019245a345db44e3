/* Raw SCPI server: newline-terminated commands in, replies out, as ports 5025/5555 of a
 * real instrument. Each reply leaves in one send() (liblxi 1.18 reads only what arrived
 * in the first burst, protocols.md §6). */
#include "server.h"
#include "faults.h"

#include <string.h>
#include <sys/socket.h>

#define MAX_MESSAGE (1024 * 1024) /* room for a 200 KB :SIM:WRITE and more */

/* Send a reply through the fault helper: a raw socket has no framing of its own, so the
 * framing faults change the SCPI reply itself. Under close-mid-transfer, half of a binary
 * reply goes out and the connection ends. */
static bool send_reply(sim_server *srv, sim_fault_conn *fc, sim_reply *reply)
{
    if (reply->bytes.len == 0 || srv->inst->faults.stall)
        return true;
    bool cut = sim_fault_frames_for(fc, reply).close_mid_transfer;
    sim_fault_scpi_framing(fc, reply);
    sim_fault_reply_starts(fc);
    if (cut) {
        sim_fault_send(fc, reply->bytes.data, reply->bytes.len / 2);
        return false;
    }
    return sim_fault_send(fc, reply->bytes.data, reply->bytes.len);
}

/* Run every complete line in `in`; false when the connection must close. */
static bool execute_lines(sim_server *srv, sim_fault_conn *fc, sc_buf *in)
{
    for (;;) {
        uint8_t *nl = memchr(in->data, '\n', in->len);
        if (!nl)
            return in->len < MAX_MESSAGE; /* a "line" this long is not SCPI: hang up */
        size_t len = (size_t)(nl - in->data);
        if (len > 0 && in->data[len - 1] == '\r')
            len--;
        sim_reply reply = { .binary = false };
        sc_buf_init(&reply.bytes, 0);
        sim_fault_execute(fc, srv->inst, in->data, len, &reply);
        sc_buf_consume(in, (size_t)(nl - in->data) + 1);
        bool ok = send_reply(srv, fc, &reply);
        sc_buf_free(&reply.bytes);
        if (!ok)
            return false;
    }
}

void sim_serve_raw(sim_server *srv, int fd)
{
    sc_buf in;
    sc_buf_init(&in, 2 * MAX_MESSAGE);
    sim_fault_conn fc;
    sim_fault_conn_init(&fc, &srv->inst->faults, fd);
    uint8_t chunk[4096];
    for (;;) {
        ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r <= 0)
            break;
        if (sc_buf_append(&in, chunk, (size_t)r, NULL) != SC_OK || !execute_lines(srv, &fc, &in))
            break;
    }
    sim_fault_conn_free(&fc);
    sc_buf_free(&in);
}

int sim_start_raw(sim_server *srv, const char *addr, const sim_ports *ports)
{
    for (int i = 0; i < ports->raw_count; i++)
        if (sim_listen_announced(srv, addr, ports->raw[i], "raw", sim_serve_raw) < 0)
            return -1;
    return 0;
}
