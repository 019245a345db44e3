/* Local IPv4 interfaces with their real netmasks (getifaddrs), and which of them the
 * kernel would use to reach an address. The issue with the Python scanner this replaces:
 * it assumed every NIC is a /24. */
#include "scopecap/discover.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int prefix_of(uint32_t mask)
{
    int p = 0;
    while (p < 32 && (mask & (0x80000000u >> p)))
        p++;
    return p;
}

size_t sc_ifaces_list(sc_iface *out, size_t cap, sc_error *err)
{
    struct ifaddrs *all = NULL;
    if (getifaddrs(&all) != 0) {
        sc_error_set(err, SC_ERR_IO, "cannot list the network interfaces (getifaddrs: %s)", strerror(errno));
        return 0;
    }
    size_t n = 0;
    for (struct ifaddrs *a = all; a && n < cap; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_netmask)
            continue;
        sc_iface *f = &out[n++];
        memset(f, 0, sizeof *f);
        snprintf(f->name, sizeof f->name, "%s", a->ifa_name);
        f->addr = ntohl(((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr);
        f->netmask = ntohl(((struct sockaddr_in *)a->ifa_netmask)->sin_addr.s_addr);
        f->prefix = prefix_of(f->netmask);
        f->up = (a->ifa_flags & IFF_UP) && (a->ifa_flags & IFF_RUNNING);
        f->loopback = (a->ifa_flags & IFF_LOOPBACK) != 0;
        /* The subnet's broadcast address from the real netmask: an address added without
         * "brd +" (ip addr add) has none recorded, yet the kernel routes it. */
        if ((a->ifa_flags & IFF_BROADCAST) && f->prefix < 31) {
            f->has_broadcast = true;
            f->broadcast = f->addr | ~f->netmask;
        }
    }
    freeifaddrs(all);
    return n;
}

bool sc_iface_scannable(const sc_iface *ifc)
{
    bool link_local = (ifc->addr & 0xFFFF0000u) == 0xA9FE0000u; /* 169.254/16 */
    return ifc->up && !ifc->loopback && !link_local;
}

sc_status sc_route_lookup(const struct sockaddr *to, socklen_t len, sc_route_info *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    out->prefix = -1;
    struct sockaddr_storage dst;
    if (len > sizeof dst)
        return sc_error_set(err, SC_ERR_USAGE, "address too long");
    memcpy(&dst, to, len);
    /* any port will do: connect() on UDP only picks the route and the source address */
    if (dst.ss_family == AF_INET)
        ((struct sockaddr_in *)&dst)->sin_port = htons(9);
    else
        ((struct sockaddr_in6 *)&dst)->sin6_port = htons(9);
    int fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sc_error_set(err, SC_ERR_IO, "cannot create a UDP socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&dst, len) != 0) {
        int e = errno;
        close(fd);
        return sc_error_set(err, SC_ERR_UNREACHABLE, "no route to this address (%s): check the default gateway and the interface settings",
                            strerror(e));
    }
    struct sockaddr_storage local;
    socklen_t llen = sizeof local;
    getsockname(fd, (struct sockaddr *)&local, &llen);
    close(fd);
    void *a = local.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&local)->sin_addr
                                         : (void *)&((struct sockaddr_in6 *)&local)->sin6_addr;
    inet_ntop(local.ss_family, a, out->local_addr, sizeof out->local_addr);
    if (local.ss_family != AF_INET)
        return SC_OK;

    uint32_t src = ntohl(((struct sockaddr_in *)&local)->sin_addr.s_addr);
    uint32_t target = ntohl(((struct sockaddr_in *)&dst)->sin_addr.s_addr);
    out->loopback = (target >> 24) == 127;
    sc_iface ifs[SC_IFACE_MAX];
    size_t n = sc_ifaces_list(ifs, SC_IFACE_MAX, err);
    for (size_t i = 0; i < n; i++) {
        if (ifs[i].addr != src)
            continue;
        snprintf(out->iface, sizeof out->iface, "%s", ifs[i].name);
        out->prefix = ifs[i].prefix;
        out->same_subnet = (target & ifs[i].netmask) == (src & ifs[i].netmask);
        break;
    }
    return SC_OK;
}
