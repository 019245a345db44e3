/* VXI-11 discovery by broadcast: one portmapper GETPORT(VXI-11 core, TCP) call over UDP
 * to port 111 of each interface's broadcast address; every instrument answers with the
 * port of its core channel (protocols.md §1.3). The call and the reply are built and
 * read with the ONC RPC codec (lib/wire). Unlike liblxi, the port in the answer counts
 * (0 = a computer's rpcbind, not an instrument), and the answering hosts are probed by
 * the scan engine in parallel instead of one after another. */
#include "discover/discover_internal.h"
#include "wire/vxi11_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

size_t sc_bcast_build_call(uint8_t *out, size_t cap, uint32_t xid)
{
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, out, cap);
    sc_rpc_put_call(&w, xid, SC_PMAP_PROG, SC_PMAP_VERS, SC_PMAP_PROC_GETPORT);
    sc_pmap_mapping map = { SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_PMAP_IPPROTO_TCP, 0 };
    sc_pmap_put_mapping(&w, &map);
    return w.overflow ? 0 : w.len;
}

bool sc_bcast_parse_reply(const uint8_t *buf, size_t len, uint32_t xid, uint16_t *port)
{
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, len);
    sc_rpc_reply reply;
    sc_error err;
    if (sc_rpc_get_reply(&r, &reply, &err) != SC_OK || reply.xid != xid)
        return false;
    if (sc_rpc_reply_check(&reply, "portmapper", SC_PMAP_PROG, SC_PMAP_PROC_GETPORT, &err) != SC_OK)
        return false;
    uint32_t p;
    if (!sc_xdr_get_u32(&r, &p) || p == 0 || p > 65535)
        return false;
    *port = (uint16_t)p;
    return true;
}

int sc_bcast_open(sc_error *err)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sc_error_set(err, SC_ERR_IO, "broadcast: cannot create a UDP socket: %s", strerror(errno));
        return -1;
    }
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
        sc_error_set(err, SC_ERR_IO, "broadcast: SO_BROADCAST refused: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int sc_bcast_send(int fd, const sc_iface *ifs, size_t n, uint32_t xid, uint16_t pmap_port)
{
    uint8_t call[128];
    size_t len = sc_bcast_build_call(call, sizeof call, xid);
    int sent = 0;
    for (size_t i = 0; i < n && len; i++) {
        if (!sc_iface_scannable(&ifs[i]) || !ifs[i].has_broadcast)
            continue;
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(pmap_port) };
        to.sin_addr.s_addr = htonl(ifs[i].broadcast);
        if (sendto(fd, call, len, MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to) == (ssize_t)len)
            sent++;
        else
            sc_debug("broadcast: sendto %s failed: %s", ifs[i].name, strerror(errno));
    }
    return sent;
}
