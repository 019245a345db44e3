/* scopesim's protocol servers and the listener loop they share. */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include "instrument.h"

#include <signal.h>

#define SIM_MAX_LISTENERS 16
#define SIM_MAX_CLIENTS 64

typedef struct sim_server sim_server;

/* A protocol server handles one accepted connection until it closes. */
typedef void (*sim_serve_fn)(sim_server *srv, int fd);

typedef struct sim_listener {
    int fd;
    const char *protocol; /* "raw" ... */
    sim_serve_fn serve;
} sim_listener;

struct sim_server {
    sim_instrument *inst;
    sim_listener listeners[SIM_MAX_LISTENERS];
    int listener_count;
    int wake_pipe[2];             /* written by the signal handler */
    pthread_mutex_t lock;
    pthread_cond_t idle;
    int clients[SIM_MAX_CLIENTS]; /* open client sockets, -1 = free slot */
    int client_count;
};

int sim_server_init(sim_server *srv, sim_instrument *inst);
/* Bind and listen; port 0 picks a free one. Prints nothing; returns the bound port or -1. */
int sim_server_listen(sim_server *srv, const char *addr, uint16_t port, const char *protocol, sim_serve_fn serve);
/* Accept until a signal arrives; then close every client and return. */
void sim_server_run(sim_server *srv);
void sim_server_destroy(sim_server *srv);
/* For the signal handler: wake the accept loop. */
void sim_server_request_stop(sim_server *srv);

/* Send all bytes; false when the client went away. */
bool sim_send_all(int fd, const void *data, size_t n);
/* Receive exactly n bytes; false on EOF or error. */
bool sim_recv_all(int fd, void *data, size_t n);

/* Ports each protocol server listens on (0 = any free port; printed at start). */
typedef struct sim_ports {
    uint16_t raw[SIM_MAX_PORTS];
    int raw_count;
    uint16_t vicp;      /* 1861 */
    uint16_t portmap;   /* 111, TCP and UDP */
    uint16_t vxi11_core;/* 0: any free port, announced by the portmapper */
    uint16_t hislip;    /* 4880 */
    uint16_t http;      /* 80: LXI identification web server ("lxi") */
} sim_ports;

/* Settings of the VXI-11 server (scopesim options), given before it starts. */
#define SIM_VXI11_MAX_DEVICES 8
typedef struct sim_vxi11_settings {
    uint32_t max_recv;  /* maxRecvSize told by create_link; 0: 16384 */
    /* The only device names create_link accepts (case does not matter). None: every name
     * a LAN instrument or gateway knows (instN, gpibN,A[,S], hislipN). */
    char devices[SIM_VXI11_MAX_DEVICES][64];
    int device_count;
    /* vxi11 came from the model's list, not from --protocols: a portmapper port that needs
     * root is skipped with a warning instead of stopping the simulator. */
    bool optional;
} sim_vxi11_settings;
void sim_vxi11_configure(const sim_vxi11_settings *s);
/* Add names from a list separated by spaces or ';' (',' belongs to gpib0,5); -1 after
 * printing why not. */
int sim_vxi11_add_devices(sim_vxi11_settings *s, const char *list);

/* Settings of the HiSLIP server (scopesim options), given before it starts. */
typedef struct sim_hislip_settings {
    bool overlapped;      /* the mode InitializeResponse announces; false: synchronized */
    uint64_t max_message; /* our maximum message size, header included; 0: 1 MiB */
} sim_hislip_settings;
void sim_hislip_configure(const sim_hislip_settings *s);
/* Parse --hislip-mode and --hislip-max-message values; -1 after printing why not. */
int sim_hislip_parse_mode(const char *text, bool *overlapped);
int sim_hislip_parse_max_message(const char *text, uint64_t *out);

/* One starter per protocol: bind its listeners (printing "listening <proto> addr:port"
 * for each) and return 0, or print why not and return -1. */
typedef int (*sim_start_fn)(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_raw(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_vicp(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_vxi11(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_hislip(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_usbtmc(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_lxi_http(sim_server *srv, const char *addr, const sim_ports *ports);

/* What to do when a listener cannot be bound with errno `e`: names the option that
 * moves it (--portmap-port ...) or says why the address does not work. */
void sim_listen_hint(const char *protocol, const char *addr, uint16_t port, int e, char *buf, size_t cap);
/* Bind one TCP listener and print its "listening" line; -1 after printing why not. */
int sim_listen_announced(sim_server *srv, const char *addr, uint16_t port, const char *protocol, sim_serve_fn serve);

void sim_serve_raw(sim_server *srv, int fd);

#endif
