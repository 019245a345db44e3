/* Pieces of lib/discover shared between its files and the unit tests; not public API. */
#ifndef SC_DISCOVER_INTERNAL_H
#define SC_DISCOVER_INTERNAL_H

#include "scopecap/discover.h"
#include "wire/oncrpc.h"

/* ---- one probe's protocol, as a pure state machine (probe.c) ----
 *
 * The engine owns the sockets; the machine says what to send and reads what came back.
 * A probe has a main connection and, for HiSLIP, an auxiliary one (the asynchronous
 * channel). All sizes are bounded: a reply that grows past PROBE_MAX_REPLY is not an
 * identification. */

#define PROBE_MAX_REPLY 4096
#define PROBE_MAX_OUT 640
#define PROBE_VXI11_MAX_READS 8

typedef enum pm_action {
    PM_WANT_INPUT,   /* keep reading the connection */
    PM_SEND,         /* send out[0..out_len) on the current connection, then read it */
    PM_RECONNECT,    /* close the current connection and connect to next_port (then pm_connected) */
    PM_OPEN_AUX,     /* keep the main connection, open a second one to the same port (then pm_connected) */
    PM_BACK_TO_MAIN, /* send out on the main connection and read that one */
    PM_DONE,         /* outcome, detail (and idn) are set */
} pm_action;

typedef struct probe_machine {
    sc_probe_kind kind;
    int step;
    char host[SC_HOST_MAX];
    uint32_t io_timeout_ms;      /* told to VXI-11 device_read/write */
    uint8_t out[PROBE_MAX_OUT];
    size_t out_len;
    uint16_t next_port;
    uint32_t xid;
    int32_t lid;
    uint16_t session_id;
    unsigned reads;
    sc_buf reply;                /* identification text or decoded HTTP body */
    sc_rpc_reassembler rx;       /* VXI-11 records */
    /* result */
    sc_probe_outcome outcome;
    char detail[256];
    sc_idn idn;
    bool sanitized;              /* the identification carried control bytes */
    char lxi_address[128];
    uint16_t core_port;
} probe_machine;

void pm_init(probe_machine *m, sc_probe_kind kind, const char *host, uint32_t io_timeout_ms, uint32_t seed);
void pm_free(probe_machine *m);
/* The connection asked for (main, reconnect, aux) is up. */
pm_action pm_connected(probe_machine *m);
/* data[0..len) is everything received and not yet used on the connection being read;
 * *used says how much the machine took. eof: the peer closed it. */
pm_action pm_input(probe_machine *m, const uint8_t *data, size_t len, bool eof, size_t *used);
/* The deadline of the current exchange passed: set the outcome. */
void pm_timeout(probe_machine *m);
/* The most the engine should buffer for one connection of this machine. */
size_t pm_max_buffer(const probe_machine *m);

/* ---- VXI-11 broadcast (bcast.c) ---- */
#define SC_BCAST_XID_BASE 0x5c5c0000u
/* One GETPORT(VXI-11 core, TCP) call, UDP style (no record mark). Returns its length. */
size_t sc_bcast_build_call(uint8_t *out, size_t cap, uint32_t xid);
/* A reply to that call: true with the port (> 0) when it names a VXI-11 core channel. */
bool sc_bcast_parse_reply(const uint8_t *buf, size_t len, uint32_t xid, uint16_t *port);
/* Send the call to the broadcast address of every interface that has one; returns how
 * many datagrams left. */
int sc_bcast_send(int fd, const sc_iface *ifs, size_t n, uint32_t xid, uint16_t pmap_port);
int sc_bcast_open(sc_error *err);

/* ---- mDNS / DNS-SD (mdns_wire.c, mdns.c) ---- */
#define SC_MDNS_PORT 5353
#define SC_MDNS_GROUP "224.0.0.251"
#define SC_MDNS_MAX_PACKET 9000

typedef struct sc_mdns_service {
    char instance[128];  /* "DSO-X 2024A (MY1234)._lxi._tcp.local" */
    char type[32];       /* "_lxi._tcp" */
    char target[128];    /* SRV target host name */
    uint16_t port;       /* SRV port, 0 unknown */
    uint32_t addr;       /* IPv4 of the target (host order), 0 unknown */
} sc_mdns_service;

/* The DNS-SD service types scan asks for, and the probe each one leads to. */
typedef struct sc_mdns_type {
    const char *name;    /* "_lxi._tcp" */
    sc_probe_kind kind;
    uint16_t default_port;
} sc_mdns_type;
extern const sc_mdns_type sc_mdns_types[];
extern const size_t sc_mdns_type_count;

/* One query packet with a PTR question for every type (QU bit set). */
size_t sc_mdns_build_query(uint8_t *out, size_t cap, uint16_t id);
/* Every service the response names (PTR -> SRV -> A, across all sections). Bounded:
 * compression loops, lengths and counts are checked. */
sc_status sc_mdns_parse_response(const uint8_t *buf, size_t len, sc_mdns_service *out, size_t cap, size_t *n,
                                 sc_error *err);
int sc_mdns_open(sc_error *err);
/* Send the query out of every interface (IP_MULTICAST_IF); returns datagrams sent. */
int sc_mdns_send(int fd, const sc_iface *ifs, size_t n, uint16_t id);
/* Which probe a service type calls for; false for types scan does not probe. */
bool sc_mdns_type_probe(const char *type, sc_probe_kind *kind);

/* ---- helpers ---- */
/* The resource string to paste for one identified (host, port, protocol). */
void sc_scan_make_resource(const char *host, sc_probe_kind kind, uint16_t port, const char *lxi_address, char *buf,
                           size_t cap);

#endif
