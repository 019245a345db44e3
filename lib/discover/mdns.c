/* The mDNS querier: our own, not avahi-client (README "Why our own mDNS querier").
 * One UDP socket on an ephemeral port sends the DNS-SD question for every service type
 * out of each interface; a source port other than 5353 makes it a "legacy unicast"
 * query (RFC 6762 §6.7), so every responder answers straight to that socket and no
 * multicast membership, no port 5353 and no daemon are needed. */
#include "discover/discover_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sc_mdns_open(sc_error *err)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sc_error_set(err, SC_ERR_IO, "mDNS: cannot create a UDP socket: %s", strerror(errno));
        return -1;
    }
    unsigned char ttl = 255; /* RFC 6762 §11: responders may drop packets with another TTL */
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
    return fd;
}

int sc_mdns_send(int fd, const sc_iface *ifs, size_t n, uint16_t id)
{
    uint8_t query[512];
    size_t len = sc_mdns_build_query(query, sizeof query, id);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(SC_MDNS_PORT) };
    inet_pton(AF_INET, SC_MDNS_GROUP, &to.sin_addr);
    int sent = 0;
    for (size_t i = 0; i < n && len; i++) {
        if (!sc_iface_scannable(&ifs[i]))
            continue;
        struct in_addr via = { .s_addr = htonl(ifs[i].addr) };
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &via, sizeof via) != 0)
            continue;
        if (sendto(fd, query, len, MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to) == (ssize_t)len)
            sent++;
        else
            sc_debug("mDNS: sendto via %s failed: %s", ifs[i].name, strerror(errno));
    }
    return sent;
}
