/* scopesim: a simulated oscilloscope that speaks the real protocols on loopback. */
#include "models.h"
#include "server.h"
#include "faults.h"
#include "efirmata.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sim_server *running_server;

static void on_signal(int sig)
{
    (void)sig;
    if (running_server)
        sim_server_request_stop(running_server);
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: scopesim [options]\n"
            "A simulated oscilloscope for scopecap and any SCPI client.\n\n"
            "  --model NAME          instrument to simulate (default rigol-ds1054z); --list-models\n"
            "  --listen ADDR         address to bind (default 127.0.0.1)\n"
            "  --protocols LIST      raw,vicp,vxi11,hislip,lxi (default: the model's own; a model's usbtmc is skipped)\n"
            "  --raw-ports LIST      raw SCPI ports (default: the model's, e.g. 5555,5025; 0 = any free)\n"
            "  --vicp-port N         (default 1861)   --hislip-port N (default 4880)\n"
            "  --portmap-port N      VXI-11 portmapper, TCP and UDP (default 111, which needs root: without\n"
            "                        root a model's own vxi11 is left out with a warning)\n"
            "  --vxi11-port N        VXI-11 core channel (default: any free, told by the portmapper)\n"
            "  --vxi11-max-recv N    maxRecvSize told by create_link (default 16384; 1024 like a gateway)\n"
            "  --vxi11-devices LIST  the only device names create_link accepts, separated by spaces or ';'\n"
            "                        (default: every instN, hislipN and gpibN,A[,S], like a gateway)\n"
            "  --hislip-mode M       synchronized (default) or overlapped\n"
            "  --hislip-max-message N  HiSLIP maximum message size in bytes (default 1048576)\n"
            "  --http-port N         LXI web server, protocol lxi (default 80)\n"
            "  --seed N              screen content seed (default 1): same seed, same screen\n"
            "  --animate             traces move with time\n"
            "  --render-delay MS     wait before answering a screen dump, like a slow scope\n"
            "  --fault LIST          inject faults into every protocol server (man scopesim):\n"
            "                        close-mid-transfer, stall, trickle, garbage-header,\n"
            "                        huge-length, short-block, long-block, early-end,\n"
            "                        duplicate-frames, wrong-message-type, reset-after=N,\n"
            "                        stale-reply, hostile-idn, slow-first-reply\n"
            "  --efirmata            also an eFirmata oscilloscope board on UDP 2117; more with\n"
            "                        --efirmata-legacy, -port, -channels, -types, -scale, -rate,\n"
            "                        -fault, -dump ... (man scopesim)\n"
            "  -v, --verbose         log each command\n\n"
            "On start it prints one line per listener (\"listening raw 127.0.0.1:5555\"), then \"ready\".\n"
            "SIGTERM or SIGINT closes every connection and exits 0.\n");
}

static int parse_ports(const char *list, uint16_t *ports, int max)
{
    int n = 0;
    char copy[128];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(tok, &end, 10);
        if (*end || v < 0 || v > 65535 || n >= max)
            return -1;
        ports[n++] = (uint16_t)v;
    }
    return n;
}

static int parse_faults(const char *list, sim_faults *faults)
{
    char why[512];
    if (sim_faults_parse(list, faults, why, sizeof why) != 0) {
        fprintf(stderr, "scopesim: %s\n", why);
        return -1;
    }
    return 0;
}

typedef struct protocol_server {
    const char *name;
    sim_start_fn start;
} protocol_server;

static const protocol_server protocol_servers[] = {
    { "raw", sim_start_raw },
    { "vicp", sim_start_vicp },
    { "vxi11", sim_start_vxi11 },
    { "hislip", sim_start_hislip },
    { "usbtmc", sim_start_usbtmc },
    { "lxi", sim_start_lxi_http },
};

static const protocol_server *find_protocol(const char *name)
{
    for (size_t i = 0; i < sizeof protocol_servers / sizeof protocol_servers[0]; i++)
        if (strcmp(protocol_servers[i].name, name) == 0)
            return &protocol_servers[i];
    return NULL;
}

static int check_protocols(const char *list)
{
    char copy[128];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (!find_protocol(tok)) {
            fprintf(stderr, "scopesim: unknown protocol \"%s\" (known: raw, vicp, vxi11, hislip, usbtmc, lxi)\n", tok);
            return -1;
        }
    return 0;
}

/* Start every protocol in the list; the first failure stops the simulator. A model's own
 * list may name usbtmc (the real instrument has USB), which a network simulator skips. */
static int start_protocols(sim_server *srv, const char *list, bool from_model, const char *addr,
                           const sim_ports *ports)
{
    char copy[128];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (from_model && strcmp(tok, "usbtmc") == 0)
            continue;
        if (find_protocol(tok)->start(srv, addr, ports) != 0)
            return -1;
    }
    return 0;
}

static int parse_port(const char *text, uint16_t *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || v < 0 || v > 65535) {
        fprintf(stderr, "scopesim: \"%s\" is not a port number (0-65535)\n", text);
        return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

typedef struct sim_options {
    const char *model;
    const char *listen;
    const char *protocols;
    sim_ports ports;
    uint32_t seed;
    bool animate;
    int render_delay_ms;
    sim_faults faults;
    sim_efirmata_config efirmata;
    sim_vxi11_settings vxi11;
    sim_hislip_settings hislip;
} sim_options;

/* A whole decimal number from min to max; -1 after printing why not. */
static int parse_u32(const char *option, const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
        fprintf(stderr, "scopesim: %s takes a number from %u to %u, not \"%s\"\n", option, min, max, text);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_options(int argc, char **argv, sim_options *o)
{
    enum { O_MODEL = 1000, O_LIST, O_LISTEN, O_PROTOCOLS, O_RAW_PORTS, O_SEED, O_ANIMATE, O_DELAY, O_FAULT,
           O_VICP_PORT, O_PORTMAP_PORT, O_VXI11_PORT, O_HISLIP_PORT, O_EFIRMATA, O_HTTP_PORT, O_VXI11_MAX_RECV,
           O_VXI11_DEVICES, O_HISLIP_MODE, O_HISLIP_MAX_MESSAGE };
    static const struct option longopts[] = {
        { "model", required_argument, NULL, O_MODEL },   { "list-models", no_argument, NULL, O_LIST },
        { "listen", required_argument, NULL, O_LISTEN }, { "protocols", required_argument, NULL, O_PROTOCOLS },
        { "raw-ports", required_argument, NULL, O_RAW_PORTS }, { "seed", required_argument, NULL, O_SEED },
        { "animate", no_argument, NULL, O_ANIMATE },     { "render-delay", required_argument, NULL, O_DELAY },
        { "fault", required_argument, NULL, O_FAULT },   { "verbose", no_argument, NULL, 'v' },
        { "vicp-port", required_argument, NULL, O_VICP_PORT },
        { "portmap-port", required_argument, NULL, O_PORTMAP_PORT },
        { "vxi11-port", required_argument, NULL, O_VXI11_PORT },
        { "hislip-port", required_argument, NULL, O_HISLIP_PORT },
        { "http-port", required_argument, NULL, O_HTTP_PORT },
        { "vxi11-max-recv", required_argument, NULL, O_VXI11_MAX_RECV },
        { "vxi11-devices", required_argument, NULL, O_VXI11_DEVICES },
        { "hislip-mode", required_argument, NULL, O_HISLIP_MODE },
        { "hislip-max-message", required_argument, NULL, O_HISLIP_MAX_MESSAGE },
        SIM_EFIRMATA_LONGOPTS(O_EFIRMATA),
        { "help", no_argument, NULL, 'h' },              { NULL, 0, NULL, 0 },
    };
    int opt, longindex = 0;
    while ((opt = getopt_long(argc, argv, "vh", longopts, &longindex)) != -1) {
        switch (opt) {
        case O_MODEL: o->model = optarg; break;
        case O_LIST:
            for (size_t i = 0; i < sim_model_count(); i++)
                printf("%-20s %s %s (%dx%d)\n", sim_model_at(i)->name, sim_model_at(i)->manufacturer,
                       sim_model_at(i)->model, sim_model_at(i)->width, sim_model_at(i)->height);
            return -1;
        case O_LISTEN: o->listen = optarg; break;
        case O_PROTOCOLS:
            if (check_protocols(optarg) != 0)
                return 2;
            o->protocols = optarg;
            break;
        case O_VICP_PORT: if (parse_port(optarg, &o->ports.vicp)) return 2; break;
        case O_PORTMAP_PORT: if (parse_port(optarg, &o->ports.portmap)) return 2; break;
        case O_VXI11_PORT: if (parse_port(optarg, &o->ports.vxi11_core)) return 2; break;
        case O_HISLIP_PORT: if (parse_port(optarg, &o->ports.hislip)) return 2; break;
        case O_HTTP_PORT: if (parse_port(optarg, &o->ports.http)) return 2; break;
        case O_VXI11_MAX_RECV:
            if (parse_u32("--vxi11-max-recv", optarg, 1, 0x7FFFFFFF, &o->vxi11.max_recv))
                return 2;
            break;
        case O_VXI11_DEVICES: if (sim_vxi11_add_devices(&o->vxi11, optarg)) return 2; break;
        case O_HISLIP_MODE: if (sim_hislip_parse_mode(optarg, &o->hislip.overlapped)) return 2; break;
        case O_HISLIP_MAX_MESSAGE:
            if (sim_hislip_parse_max_message(optarg, &o->hislip.max_message))
                return 2;
            break;
        case O_RAW_PORTS:
            o->ports.raw_count = parse_ports(optarg, o->ports.raw, SIM_MAX_PORTS);
            if (o->ports.raw_count <= 0) {
                fprintf(stderr, "scopesim: --raw-ports takes up to %d ports, e.g. 5555,5025\n", SIM_MAX_PORTS);
                return 2;
            }
            break;
        case O_SEED: o->seed = (uint32_t)strtoul(optarg, NULL, 0); break;
        case O_ANIMATE: o->animate = true; break;
        case O_DELAY: o->render_delay_ms = atoi(optarg); break;
        case O_FAULT:
            if (parse_faults(optarg, &o->faults) != 0)
                return 2;
            break;
        case O_EFIRMATA:
            if (sim_efirmata_option(&o->efirmata, longopts[longindex].name, optarg) != 0)
                return 2;
            break;
        case 'v': sc_log_set_level(sc_log_get_level() + 1); break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return 2;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    sim_options o = {
        .model = "rigol-ds1054z",
        .listen = "127.0.0.1",
        .seed = 1,
        .render_delay_ms = -1,
        .ports = { .vicp = 1861, .portmap = 111, .vxi11_core = 0, .hislip = 4880, .http = 80 },
    };
    sim_efirmata_config_init(&o.efirmata);
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    const sim_model *model = sim_model_find(o.model);
    if (!model) {
        fprintf(stderr, "scopesim: unknown model \"%s\" (scopesim --list-models)\n", o.model);
        return 2;
    }
    sim_instrument inst;
    sim_instrument_init(&inst, model, o.seed);
    inst.animate = o.animate;
    inst.faults = o.faults;
    if (o.render_delay_ms >= 0)
        inst.render_delay_ms = o.render_delay_ms;

    static sim_server srv;
    if (sim_server_init(&srv, &inst) != 0) {
        perror("scopesim: pipe");
        return 1;
    }
    if (o.ports.raw_count == 0)
        for (int i = 0; i < SIM_MAX_PORTS && model->raw_ports[i]; i++)
            o.ports.raw[o.ports.raw_count++] = model->raw_ports[i];
    /* what the model brings may be left out where it needs root; what was asked for may not */
    o.vxi11.optional = o.protocols == NULL;
    sim_vxi11_configure(&o.vxi11);
    sim_hislip_configure(&o.hislip);
    if (start_protocols(&srv, o.protocols ? o.protocols : model->protocols, o.protocols == NULL, o.listen, &o.ports) != 0)
        return 1;
    if (srv.listener_count == 0 && !o.efirmata.enabled) {
        fprintf(stderr, "scopesim: nothing to serve: none of the protocols of %s could be started (name others with --protocols)\n",
                model->name);
        return 1;
    }
    if (o.efirmata.enabled && sim_efirmata_start(&o.efirmata, o.listen) != 0)
        return 1;
    printf("ready\n"); /* every listener is up: scripts wait for this line */
    fflush(stdout);

    running_server = &srv;
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    sim_server_run(&srv);
    sim_efirmata_stop();
    sim_server_destroy(&srv);
    sim_instrument_destroy(&inst);
    return 0;
}
