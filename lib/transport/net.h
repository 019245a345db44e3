/* TCP helpers with deadlines, shared by the socket transports. */
#ifndef SC_NET_H
#define SC_NET_H

#include "scopecap/core.h"

/* Resolve and connect (non-blocking connect + poll), TCP_NODELAY on.
 * `what` names the connection in messages, e.g. "raw SCPI 10.0.0.5:5555". */
sc_status sc_tcp_connect(const char *host, uint16_t port, sc_deadline deadline, int *fd_out,
                         const char *what, sc_error *err);
sc_status sc_tcp_send_all(int fd, const void *data, size_t n, sc_deadline deadline, const char *what,
                          sc_error *err);
/* Receive what is there (at least one byte), waiting until the deadline. */
sc_status sc_tcp_recv_some(int fd, void *data, size_t cap, size_t *got, sc_deadline deadline,
                           const char *what, sc_error *err);

#endif
