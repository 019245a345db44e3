/* TCP helpers with deadlines, shared by the socket transports. */
#ifndef SC_NET_H
#define SC_NET_H

#include "scopecap/core.h"

#include <netdb.h>
#include <sys/socket.h>

#define SC_ADDRS_MAX 8

/* The addresses of one host, looked up once: a link keeps them, so the cascade steps, the
 * portmapper, the core and abort channels and every reconnect cost no further lookups. */
typedef struct sc_addrs {
    int count;
    struct sockaddr_storage addr[SC_ADDRS_MAX];
    socklen_t len[SC_ADDRS_MAX];
} sc_addrs;

/* Look the host up (numeric addresses need no DNS). The failure is SC_ERR_UNREACHABLE with
 * "cannot resolve HOST: <reason>; check the name or use the IP address". */
sc_status sc_resolve(const char *host, sc_addrs *out, sc_error *err);
/* Connect to the first of the addresses that accepts (non-blocking connect + poll),
 * TCP_NODELAY on. `what` names the connection in messages, e.g. "raw SCPI 10.0.0.5:5555". */
sc_status sc_tcp_connect_addrs(const sc_addrs *addrs, uint16_t port, sc_deadline deadline, int *fd_out,
                               const char *what, sc_error *err);
/* sc_resolve, then sc_tcp_connect_addrs: for one-off connections. */
sc_status sc_tcp_connect(const char *host, uint16_t port, sc_deadline deadline, int *fd_out,
                         const char *what, sc_error *err);
/* One address with its port set, ready for connect() or sendto(). */
socklen_t sc_addrs_with_port(const sc_addrs *addrs, int i, uint16_t port, struct sockaddr_storage *out);

/* Tests only: answer name lookups with `fn` instead of getaddrinfo (NULL: getaddrinfo
 * again), so the resolution paths are tested without a DNS query leaving the machine.
 * What `fn` returns is released with freeaddrinfo. Not thread-safe: set it before opening. */
typedef int (*sc_getaddrinfo_fn)(const char *node, const char *service, const struct addrinfo *hints,
                                 struct addrinfo **res);
void sc_net_set_resolver_for_tests(sc_getaddrinfo_fn fn);
sc_status sc_tcp_send_all(int fd, const void *data, size_t n, sc_deadline deadline, const char *what,
                          sc_error *err);
/* Receive what is there (at least one byte), waiting until the deadline. */
sc_status sc_tcp_recv_some(int fd, void *data, size_t cap, size_t *got, sc_deadline deadline,
                           const char *what, sc_error *err);

#endif
