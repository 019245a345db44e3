/* The transport vtable: one implementation per file in this folder. */
#ifndef SC_TRANSPORT_H
#define SC_TRANSPORT_H

#include "scopecap/link.h"
#include "transport/net.h"

typedef struct sc_link_ops {
    sc_protocol protocol;
    const char *display_name; /* "raw SCPI", "VICP", ... */
    bool has_end_marker;
    sc_status (*open)(sc_link *link, sc_deadline deadline, sc_error *err);
    sc_status (*write)(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline, sc_error *err);
    sc_status (*read)(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline, sc_error *err);
    sc_status (*clear)(sc_link *link, sc_deadline deadline, sc_error *err);
    void (*close)(sc_link *link);
} sc_link_ops;

struct sc_link {
    const sc_link_ops *ops;
    sc_resource res;   /* protocol and port resolved */
    char label[320];   /* for messages */
    int fd;            /* main socket, -1 when none */
    void *state;       /* transport-private */
    sc_addrs addrs;    /* res.host looked up once by sc_link_open (count 0: not yet) */
};

/* Connect to the link's host on `port` (the addresses looked up when the link was opened).
 * Every TCP connection of a network transport goes through here. */
sc_status sc_link_connect_tcp(sc_link *link, uint16_t port, sc_deadline deadline, int *fd_out, const char *what,
                              sc_error *err);

extern const sc_link_ops sc_raw_link_ops;
extern const sc_link_ops sc_vicp_link_ops;
extern const sc_link_ops sc_vxi11_link_ops;
extern const sc_link_ops sc_hislip_link_ops;
extern const sc_link_ops sc_usbtmc_link_ops;

#endif
