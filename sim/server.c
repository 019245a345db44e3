/* The listener loop: one thread per client (instruments have few clients, and a thread
 * per connection keeps each protocol server a plain blocking loop), and a clean stop on
 * SIGTERM/SIGINT that closes every client before exiting. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int sim_server_init(sim_server *srv, sim_instrument *inst)
{
    memset(srv, 0, sizeof *srv);
    srv->inst = inst;
    for (int i = 0; i < SIM_MAX_CLIENTS; i++)
        srv->clients[i] = -1;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->idle, NULL);
    return pipe2(srv->wake_pipe, O_CLOEXEC | O_NONBLOCK);
}

void sim_server_request_stop(sim_server *srv)
{
    char c = 1;
    ssize_t ignored = write(srv->wake_pipe[1], &c, 1); /* async-signal-safe */
    (void)ignored;
}

int sim_server_listen(sim_server *srv, const char *addr, uint16_t port, const char *protocol, sim_serve_fn serve)
{
    if (srv->listener_count >= SIM_MAX_LISTENERS) {
        errno = E2BIG; /* the listener table is full (socket() never says this) */
        return -1;
    }
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
    struct addrinfo *ai = NULL;
    if (getaddrinfo(addr, service, &hints, &ai) != 0) {
        errno = EINVAL; /* not a numeric address */
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        errno = e;
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    int bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    srv->listeners[srv->listener_count++] = (sim_listener){ .fd = fd, .protocol = protocol, .serve = serve };
    return bound;
}

bool sim_send_all(int fd, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool sim_recv_all(int fd, void *data, size_t n)
{
    uint8_t *p = data;
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

typedef struct client_start {
    sim_server *srv;
    sim_serve_fn serve;
    const char *protocol;
    int fd;
    int slot;
} client_start;

static void *client_thread(void *arg)
{
    client_start start = *(client_start *)arg;
    free(arg);
    sim_set_thread_protocol(start.protocol); /* some models answer differently per transport */
    start.serve(start.srv, start.fd);
    pthread_mutex_lock(&start.srv->lock);
    start.srv->clients[start.slot] = -1;
    start.srv->client_count--;
    close(start.fd);
    pthread_cond_broadcast(&start.srv->idle);
    pthread_mutex_unlock(&start.srv->lock);
    return NULL;
}

static void start_client(sim_server *srv, const sim_listener *l, int fd)
{
    pthread_mutex_lock(&srv->lock);
    int slot = -1;
    for (int i = 0; i < SIM_MAX_CLIENTS && slot < 0; i++)
        if (srv->clients[i] < 0)
            slot = i;
    client_start *start = slot >= 0 ? malloc(sizeof *start) : NULL;
    if (!start) {
        pthread_mutex_unlock(&srv->lock);
        close(fd); /* full: a real instrument refuses too */
        return;
    }
    *start = (client_start){ .srv = srv, .serve = l->serve, .protocol = l->protocol, .fd = fd, .slot = slot };
    srv->clients[slot] = fd;
    srv->client_count++;
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&tid, &attr, client_thread, start) != 0) {
        srv->clients[slot] = -1;
        srv->client_count--;
        close(fd);
        free(start);
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_unlock(&srv->lock);
}

void sim_server_run(sim_server *srv)
{
    struct pollfd fds[SIM_MAX_LISTENERS + 1];
    int n = srv->listener_count;
    for (int i = 0; i < n; i++)
        fds[i] = (struct pollfd){ .fd = srv->listeners[i].fd, .events = POLLIN };
    fds[n] = (struct pollfd){ .fd = srv->wake_pipe[0], .events = POLLIN };
    for (;;) {
        if (poll(fds, (nfds_t)n + 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[n].revents)
            break;
        for (int i = 0; i < n; i++) {
            if (!(fds[i].revents & POLLIN))
                continue;
            int fd = accept4(fds[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            /* replies leave as header + payload writes: without this, Nagle holds the
             * payload until the client's delayed ACK, 40 ms per exchange */
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            start_client(srv, &srv->listeners[i], fd);
        }
    }
    /* stop: no new clients; wake every client thread out of its recv() and wait a moment */
    for (int i = 0; i < n; i++)
        close(srv->listeners[i].fd);
    srv->listener_count = 0;
    pthread_mutex_lock(&srv->lock);
    for (int i = 0; i < SIM_MAX_CLIENTS; i++)
        if (srv->clients[i] >= 0)
            shutdown(srv->clients[i], SHUT_RDWR);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    while (srv->client_count > 0)
        if (pthread_cond_timedwait(&srv->idle, &srv->lock, &until) != 0)
            break;
    pthread_mutex_unlock(&srv->lock);
}

void sim_server_destroy(sim_server *srv)
{
    close(srv->wake_pipe[0]);
    close(srv->wake_pipe[1]);
}

/* The option that moves a protocol's listener to another port, for the hints below. */
static const char *port_option(const char *protocol)
{
    static const struct {
        const char *protocol, *option;
    } options[] = {
        { "raw", "--raw-ports" },       { "vicp", "--vicp-port" }, { "vxi11", "--vxi11-port" },
        { "portmap", "--portmap-port" }, { "portmap-udp", "--portmap-port" }, { "hislip", "--hislip-port" },
        { "lxi", "--http-port" },
    };
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (strcmp(options[i].protocol, protocol) == 0)
            return options[i].option;
    return NULL;
}

void sim_listen_hint(const char *protocol, const char *addr, uint16_t port, int e, char *buf, size_t cap)
{
    const char *opt = port_option(protocol);
    char other[64] = "another port";
    if (opt)
        snprintf(other, sizeof other, "%s N", opt);
    switch (e) {
    case EACCES:
        snprintf(buf, cap, "port %u is below 1024 and needs root: use %s or run as root", port, other);
        break;
    case EADDRINUSE:
        snprintf(buf, cap, "another program listens there (another scopesim?%s): use another --listen address such as 127.0.0.2, or %s",
                 port == 111 ? " rpcbind?" : "", other);
        break;
    case EADDRNOTAVAIL:
        snprintf(buf, cap, "%s is not an address of this machine: use a loopback address such as 127.0.0.2", addr);
        break;
    case EINVAL:
        snprintf(buf, cap, "--listen takes a numeric address such as 127.0.0.2, not \"%s\"", addr);
        break;
    case E2BIG:
        snprintf(buf, cap, "scopesim listens on at most %d ports", SIM_MAX_LISTENERS);
        break;
    default:
        snprintf(buf, cap, "try another --listen address such as 127.0.0.2, or %s", other);
        break;
    }
}

int sim_listen_announced(sim_server *srv, const char *addr, uint16_t port, const char *protocol, sim_serve_fn serve)
{
    int bound = sim_server_listen(srv, addr, port, protocol, serve);
    if (bound < 0) {
        int e = errno;
        char hint[256];
        sim_listen_hint(protocol, addr, port, e, hint, sizeof hint);
        fprintf(stderr, "scopesim: cannot listen for %s on %s port %u: %s (%s)\n", protocol, addr, port, strerror(e),
                hint);
        return -1;
    }
    printf("listening %s %s:%d\n", protocol, addr, bound);
    return bound;
}
