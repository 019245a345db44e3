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

/* One starter per protocol: bind its listeners (printing "listening <proto> addr:port"
 * for each) and return 0, or print why not and return -1. */
typedef int (*sim_start_fn)(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_raw(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_vicp(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_vxi11(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_hislip(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_usbtmc(sim_server *srv, const char *addr, const sim_ports *ports);
int sim_start_lxi_http(sim_server *srv, const char *addr, const sim_ports *ports);

/* Bind one TCP listener and print its "listening" line; -1 after printing why not. */
int sim_listen_announced(sim_server *srv, const char *addr, uint16_t port, const char *protocol, sim_serve_fn serve);

void sim_serve_raw(sim_server *srv, int fd);

#endif
