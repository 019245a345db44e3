/* TCP with deadlines: sockets stay non-blocking and every wait is a poll() bounded by
 * the caller's deadline, so no call can hang past it. */
#include "transport/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static sc_status wait_fd(int fd, short events, sc_deadline deadline, const char *what, const char *doing,
                         sc_error *err)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        int ms = sc_deadline_poll_ms(deadline);
        int n = poll(&p, 1, ms);
        if (n > 0)
            return SC_OK;
        if (n == 0)
            return sc_error_set(err, SC_ERR_TIMEOUT,
                                "%s: timed out %s (is the instrument busy or the link slow? raise -t)", what,
                                doing);
        if (errno != EINTR)
            return sc_error_set(err, SC_ERR_IO, "%s: poll failed while %s: %s", what, doing, strerror(errno));
    }
}

static const char *connect_hint(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return "nothing listens on that port: check the port and that the instrument's LAN interface is enabled";
    case EHOSTUNREACH:
    case ENETUNREACH:
        return "no route: check the address, cable and subnet (scopecap doctor helps)";
    default:
        return "check the address and the network";
    }
}

static sc_status connect_one(const struct sockaddr_storage *sa, socklen_t len, sc_deadline deadline, int *fd_out,
                             const char *what, sc_error *err)
{
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0)
        return sc_error_set(err, SC_ERR_IO, "%s: socket: %s", what, strerror(errno));
    if (connect(fd, (const struct sockaddr *)sa, len) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: cannot connect: %s (%s)", what, strerror(e),
                            connect_hint(e));
    }
    sc_status st = wait_fd(fd, POLLOUT, deadline, what, "connecting", err);
    if (st != SC_OK) {
        close(fd);
        if (st == SC_ERR_TIMEOUT)
            return sc_error_set(err, SC_ERR_UNREACHABLE,
                                "%s: no answer to the connection request before the deadline (host down, filtered, or wrong address?)",
                                what);
        return st;
    }
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len);
    if (so_error) {
        close(fd);
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: cannot connect: %s (%s)", what, strerror(so_error),
                            connect_hint(so_error));
    }
    int one = 1;
    /* commands are small and each is a whole message: send them now, not after 40 ms */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd_out = fd;
    return SC_OK;
}

static sc_getaddrinfo_fn resolver = getaddrinfo;

void sc_net_set_resolver_for_tests(sc_getaddrinfo_fn fn) { resolver = fn ? fn : getaddrinfo; }

sc_status sc_resolve(const char *host, sc_addrs *out, sc_error *err)
{
    out->count = 0;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *list = NULL;
    int rc = resolver(host, NULL, &hints, &list);
    if (rc != 0)
        return sc_error_set(err, SC_ERR_UNREACHABLE, "cannot resolve %s: %s; check the name or use the IP address",
                            host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    for (struct addrinfo *ai = list; ai && out->count < SC_ADDRS_MAX; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || ai->ai_addrlen > sizeof out->addr[0])
            continue;
        memcpy(&out->addr[out->count], ai->ai_addr, ai->ai_addrlen);
        out->len[out->count] = ai->ai_addrlen;
        out->count++;
    }
    freeaddrinfo(list);
    if (out->count == 0)
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "cannot resolve %s: no IPv4 or IPv6 address for it; check the name or use the IP address", host);
    return SC_OK;
}

socklen_t sc_addrs_with_port(const sc_addrs *addrs, int i, uint16_t port, struct sockaddr_storage *out)
{
    *out = addrs->addr[i];
    if (out->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)out)->sin6_port = htons(port);
    else
        ((struct sockaddr_in *)out)->sin_port = htons(port);
    return addrs->len[i];
}

sc_status sc_tcp_connect_addrs(const sc_addrs *addrs, uint16_t port, sc_deadline deadline, int *fd_out,
                               const char *what, sc_error *err)
{
    sc_status st = sc_error_set(err, SC_ERR_UNREACHABLE, "%s: no address to connect to", what);
    for (int i = 0; i < addrs->count; i++) {
        struct sockaddr_storage sa;
        socklen_t len = sc_addrs_with_port(addrs, i, port, &sa);
        st = connect_one(&sa, len, deadline, fd_out, what, err);
        if (st == SC_OK || sc_deadline_expired(deadline))
            break;
    }
    return st;
}

sc_status sc_tcp_connect(const char *host, uint16_t port, sc_deadline deadline, int *fd_out, const char *what,
                         sc_error *err)
{
    sc_addrs addrs;
    sc_status st = sc_resolve(host, &addrs, err);
    if (st != SC_OK)
        return sc_error_prefix(err, "%s", what);
    return sc_tcp_connect_addrs(&addrs, port, deadline, fd_out, what, err);
}

sc_status sc_tcp_send_all(int fd, const void *data, size_t n, sc_deadline deadline, const char *what,
                          sc_error *err)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            sc_status st = wait_fd(fd, POLLOUT, deadline, what, "sending", err);
            if (st != SC_OK)
                return st;
            continue;
        }
        return sc_error_set(err, SC_ERR_CLOSED, "%s: sending failed: %s (did the instrument drop the connection?)",
                            what, strerror(errno));
    }
    return SC_OK;
}

sc_status sc_tcp_recv_some(int fd, void *data, size_t cap, size_t *got, sc_deadline deadline, const char *what,
                           sc_error *err)
{
    for (;;) {
        ssize_t r = recv(fd, data, cap, 0);
        if (r > 0) {
            *got = (size_t)r;
            return SC_OK;
        }
        if (r == 0)
            return sc_error_set(err, SC_ERR_CLOSED, "%s: the instrument closed the connection", what);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            sc_status st = wait_fd(fd, POLLIN, deadline, what, "waiting for the reply", err);
            if (st != SC_OK)
                return st;
            continue;
        }
        return sc_error_set(err, SC_ERR_CLOSED, "%s: receiving failed: %s", what, strerror(errno));
    }
}
