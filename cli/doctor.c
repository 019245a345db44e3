/* scopecap doctor: why can't I reach this instrument? Checks the address, the route and
 * subnet, every instrument port (111, 1861, 4880, 5025, 5555, 80 and the resource's
 * own), *IDN? over each protocol that is open, optionally the web page's password, and
 * ends with one concrete hint per problem found. */
#include "cli.h"

#include "scopecap/discover.h"
#include "transport/net.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DOCTOR_MAX_REPORTS 24
#define MAX_HINTS 16

typedef struct doctor {
    const char *user, *password;
    int connect_ms, reply_ms;
    bool quiet;
    sc_resource res;
    char host[SC_HOST_MAX]; /* numeric */
    sc_route_info route;
    bool route_ok;
    sc_probe_report reports[DOCTOR_MAX_REPORTS];
    size_t report_count;
    char hints[MAX_HINTS][512];
    size_t hint_count;
} doctor;

static void doctor_help(void)
{
    printf("usage: scopecap doctor [options] RESOURCE\n"
           "Say why an instrument cannot be reached: address, route and subnet, which of the ports\n"
           "111 (VXI-11), 1861 (VICP), 4880 (HiSLIP), 5025/5555 (raw SCPI) and 80 (LXI web) are open,\n"
           "*IDN? over each open protocol, and a hint for every problem.\n\n"
           "  --user U --password P   also check HTTP basic authentication of the web page\n"
           "  --timeout S             per TCP connect (default 1)\n"
           "  --idn-timeout S         per exchange once connected (default 3)\n"
           "  -q, --quiet             only the hints\n\n"
           "Exit status: 0 the instrument identified itself, 1 problems found (also: every port refused),\n"
           "2 usage, 3 nothing answers.\n");
}

static void hint(doctor *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void hint(doctor *d, const char *fmt, ...)
{
    if (d->hint_count >= MAX_HINTS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->hints[d->hint_count++], sizeof d->hints[0], fmt, ap);
    va_end(ap);
}

static void say(const doctor *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const doctor *d, const char *fmt, ...)
{
    if (d->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* ---- address and route ---- */

static bool check_address(doctor *d, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
    int rc = getaddrinfo(d->res.host, NULL, &hints, &ai);
    if (rc != 0) {
        say(d, "address   %s does not resolve (%s)\n", d->res.host, gai_strerror(rc));
        hint(d, "\"%s\" is no address and the name does not resolve: use the instrument's IP address (its LAN settings page shows it) or fix DNS",
             d->res.host);
        return false;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    getnameinfo((struct sockaddr *)ss, *len, d->host, sizeof d->host, NULL, 0, NI_NUMERICHOST);
    say(d, "address   %s%s%s%s\n", d->host, strcmp(d->host, d->res.host) ? " (" : "",
        strcmp(d->host, d->res.host) ? d->res.host : "", strcmp(d->host, d->res.host) ? ")" : "");
    if (ss->ss_family != AF_INET)
        return true;
    uint32_t a = ntohl(((struct sockaddr_in *)ss)->sin_addr.s_addr);
    if (a == 0 || a == 0xFFFFFFFFu || (a >> 28) == 0xE) {
        hint(d, "%s is not a host address (unspecified, broadcast or multicast): use the instrument's own address",
             d->host);
        return false;
    }
    if ((a & 0xFFFF0000u) == 0xA9FE0000u)
        hint(d, "%s is link-local (169.254.x.x): the instrument found no DHCP server; give it a static address on your subnet, or put this machine on 169.254/16 too",
             d->host);
    return true;
}

static bool check_route(doctor *d, const struct sockaddr_storage *ss, socklen_t len)
{
    sc_error err;
    if (sc_route_lookup((const struct sockaddr *)ss, len, &d->route, &err) != SC_OK) {
        say(d, "route     none: %s\n", err.message);
        hint(d, "this machine has no route to %s: check that the network cable is in and the interface is up (ip addr), and the default gateway (ip route)",
             d->host);
        return false;
    }
    d->route_ok = true;
    if (d->route.iface[0])
        say(d, "route     from %s/%d on %s; same subnet: %s\n", d->route.local_addr, d->route.prefix, d->route.iface,
            d->route.same_subnet ? "yes" : "no (through a gateway)");
    else
        say(d, "route     from %s\n", d->route.local_addr);
    if (ss->ss_family == AF_INET && d->route.prefix >= 0 && d->route.prefix < 31 && d->route.same_subnet) {
        uint32_t a = ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
        uint32_t host_mask = 0xFFFFFFFFu >> d->route.prefix;
        if ((a & host_mask) == 0 || (a & host_mask) == host_mask)
            hint(d, "%s is the network or broadcast address of %s's /%d subnet, not a host", d->host, d->route.iface,
                 d->route.prefix);
    }
    return true;
}

/* ---- probes ---- */

static void collect(void *ctx, const sc_probe_report *r)
{
    doctor *d = ctx;
    if (d->report_count < DOCTOR_MAX_REPORTS)
        d->reports[d->report_count++] = *r;
}

static int report_cmp(const void *a, const void *b)
{
    const sc_probe_report *x = a, *y = b;
    return (int)x->port.port - (int)y->port.port;
}

static void run_probes(doctor *d)
{
    sc_scan_options o;
    sc_scan_options_init(&o);
    o.usb = false;
    o.connect_timeout_ms = d->connect_ms;
    o.reply_timeout_ms = d->reply_ms;
    o.on_probe = collect;
    o.probe_ctx = d;
    /* the resource's own port too, when it is not one of the usual ones */
    sc_probe_kind own = SC_PROBE_KIND_COUNT;
    switch (d->res.protocol) {
    case SC_PROTO_RAW: own = SC_PROBE_RAW; break;
    case SC_PROTO_VICP: own = SC_PROBE_VICP; break;
    case SC_PROTO_VXI11: own = SC_PROBE_VXI11; break;
    case SC_PROTO_HISLIP: own = SC_PROBE_HISLIP; break;
    default: break;
    }
    uint16_t port = sc_resource_port(&d->res);
    bool listed = false;
    for (size_t i = 0; i < o.port_count; i++)
        listed |= o.ports[i].port == port && o.ports[i].kind == own;
    if (own != SC_PROBE_KIND_COUNT && port && !listed && o.port_count < SC_SCAN_MAX_PORTS)
        o.ports[o.port_count++] = (sc_scan_port){ port, own };

    sc_target_list t;
    sc_targets_init(&t);
    sc_error err;
    sc_scan_result res;
    sc_scan_result_init(&res);
    if (sc_targets_add_text(&t, d->host, &err) == SC_OK)
        sc_scan_run(&t, &o, &res, &err);
    sc_scan_result_free(&res);
    sc_targets_free(&t);
    qsort(d->reports, d->report_count, sizeof d->reports[0], report_cmp);
}

static const char *state_word(const sc_probe_report *r)
{
    if (r->outcome == SC_PROBE_IDENTIFIED)
        return "ok";
    if (r->connected)
        return "open";
    switch (r->outcome) {
    case SC_PROBE_REFUSED: return "closed";
    case SC_PROBE_NO_ANSWER: return "no answer";
    case SC_PROBE_UNREACHABLE: return "unreachable";
    default: return "failed";
    }
}

static void print_probes(const doctor *d)
{
    say(d, "ports\n");
    for (size_t i = 0; i < d->report_count; i++) {
        const sc_probe_report *r = &d->reports[i];
        say(d, "  %5u %-7s %-11s %s\n", r->port.port, sc_probe_kind_name(r->port.kind), state_word(r), r->detail);
        if (r->outcome == SC_PROBE_IDENTIFIED)
            say(d, "  %5s %-7s %-11s paste: %s\n", "", "", "", r->resource);
    }
}

static const sc_probe_report *report_for(const doctor *d, sc_probe_kind kind, uint16_t port)
{
    for (size_t i = 0; i < d->report_count; i++)
        if (d->reports[i].port.kind == kind && (port == 0 || d->reports[i].port.port == port))
            return &d->reports[i];
    return NULL;
}

/* ---- HTTP basic authentication ---- */

/* GET / (with credentials when given); the status code, or -1 with err set. */
static int http_status(const doctor *d, const char *user, const char *password, sc_http_response *resp, sc_error *err)
{
    char auth[512] = "";
    if (user) {
        char pair[256], enc[400];
        snprintf(pair, sizeof pair, "%s:%s", user, password ? password : "");
        sc_base64_encode(pair, strlen(pair), enc, sizeof enc); /* 255 bytes fit in 400 */
        snprintf(auth, sizeof auth, "Authorization: Basic %s\r\n", enc);
    }
    bool v6 = strchr(d->host, ':') != NULL;
    char req[1024];
    int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s%s%s\r\nUser-Agent: scopecap\r\n%sConnection: close\r\n\r\n",
                     v6 ? "[" : "", d->host, v6 ? "]" : "", auth);
    sc_deadline deadline = sc_deadline_in_ms(d->reply_ms + d->connect_ms);
    int fd = -1;
    if (sc_tcp_connect(d->host, 80, deadline, &fd, "HTTP", err) != SC_OK)
        return -1;
    sc_buf in, body;
    sc_buf_init(&in, SC_HTTP_MAX_HEAD + SC_HTTP_MAX_BODY + 16384);
    sc_buf_init(&body, SC_HTTP_MAX_BODY);
    int status = -1;
    if (sc_tcp_send_all(fd, req, (size_t)n, deadline, "HTTP", err) == SC_OK) {
        for (;;) {
            uint8_t chunk[4096];
            size_t got = 0;
            sc_status st = sc_tcp_recv_some(fd, chunk, sizeof chunk, &got, deadline, "HTTP", err);
            bool eof = st == SC_ERR_CLOSED;
            if (st != SC_OK && !eof)
                break;
            if (got && sc_buf_append(&in, chunk, got, err) != SC_OK)
                break;
            if (sc_http_parse_response(in.data, in.len, eof, resp, &body, err) != SC_OK)
                break;
            if (resp->complete || (resp->status && eof)) {
                status = resp->status;
                break;
            }
            if (eof)
                break;
        }
    }
    sc_buf_free(&in);
    sc_buf_free(&body);
    close(fd);
    return status;
}

static void check_http_auth(doctor *d)
{
    const sc_probe_report *web = report_for(d, SC_PROBE_LXI, 80);
    if (!web || !web->connected) {
        if (d->user)
            hint(d, "--user given, but port 80 is %s: the instrument has no web page to log in to",
                 web && web->outcome == SC_PROBE_REFUSED ? "closed" : "not answering");
        return;
    }
    sc_error err;
    sc_http_response resp;
    int open_status = http_status(d, NULL, NULL, &resp, &err);
    bool needs_auth = open_status == 401;
    if (open_status < 0)
        say(d, "web       GET / failed: %s\n", err.message);
    else
        say(d, "web       GET / -> HTTP %d%s%s%s%s\n", open_status, needs_auth ? " (password required" : "",
            needs_auth && resp.realm[0] ? ", realm " : "", needs_auth ? resp.realm : "", needs_auth ? ")" : "");
    if (needs_auth && !d->user)
        say(d, "          (check a user and password with --user U --password P)\n");
    if (needs_auth && !resp.has_basic_auth)
        hint(d, "the web page asks for a login that is not HTTP basic authentication: log in with a browser");
    if (!d->user)
        return;
    int st = http_status(d, d->user, d->password, &resp, &err);
    if (st < 0) {
        say(d, "web auth  failed: %s\n", err.message);
        return;
    }
    say(d, "web auth  user \"%s\" -> HTTP %d (%s)\n", d->user, st,
        st >= 200 && st < 400 ? "accepted" : st == 401 ? "rejected" : "refused");
    if (st == 401)
        hint(d, "the web page rejects user \"%s\" and that password: check both (many instruments ship with an empty password or one printed in the manual; a LAN reset restores it)",
             d->user);
    else if (st == 403)
        hint(d, "the web server knows user \"%s\" but forbids the page: that account lacks rights", d->user);
    else if (!needs_auth && st >= 200 && st < 400)
        say(d, "          (the page is open anyway: no password is needed)\n");
}

/* ---- hints ---- */

static bool any_connected(const doctor *d)
{
    for (size_t i = 0; i < d->report_count; i++)
        if (d->reports[i].connected)
            return true;
    return false;
}

static bool all_refused(const doctor *d)
{
    for (size_t i = 0; i < d->report_count; i++)
        if (d->reports[i].outcome != SC_PROBE_REFUSED)
            return false;
    return d->report_count > 0;
}

static const sc_probe_report *best_identified(const doctor *d)
{
    const sc_probe_report *best = NULL;
    for (size_t i = 0; i < d->report_count; i++) {
        const sc_probe_report *r = &d->reports[i];
        if (r->outcome == SC_PROBE_IDENTIFIED && r->port.kind != SC_PROBE_LXI &&
            (!best || sc_scan_kind_rank(r->port.kind, r->port.port) < sc_scan_kind_rank(best->port.kind, best->port.port)))
            best = r;
    }
    return best;
}

static void nothing_connected_hints(doctor *d)
{
    if (all_refused(d)) {
        /* a refusal is an answer: the host is there, the instrument ports are not */
        hint(d, "every port refused: wrong address, or LAN remote control is off (%s answers, but refuses every instrument port: a PC or router with that address, or the instrument's remote control switched off, e.g. Utility -> I/O -> LAN)",
             d->host);
        return;
    }
    if (d->route_ok && !d->route.same_subnet && !d->route.loopback)
        hint(d, "nothing answers, and %s is not on this machine's subnet (%s/%d on %s): traffic goes through the gateway; give the instrument an address in that subnet, or check the route and firewalls between the two",
             d->host, d->route.local_addr, d->route.prefix, d->route.iface[0] ? d->route.iface : "?");
    else
        hint(d, "nothing answers at %s: the instrument is off, has another address, or its cable is out; read the address from its LAN settings page, check the link LED, and that no firewall drops the packets",
             d->host);
}

/* 1861 open, VICP silent: a LeCroy in LXI mode. Suggest another protocol only when it
 * identified itself here: a resource that was never seen working is no advice. */
static void silent_vicp_hint(doctor *d)
{
    static const char what[] = "1861 is open but VICP is silent: the LeCroy is in LXI (VXI-11) mode; switch Utilities -> Utilities Setup -> Remote -> Control from to TCPIP (VICP)";
    const sc_probe_report *vx = report_for(d, SC_PROBE_VXI11, 0);
    const sc_probe_report *best = best_identified(d);
    if (vx && vx->outcome == SC_PROBE_IDENTIFIED)
        hint(d, "%s, or use %s (VXI-11 answers)", what, vx->resource);
    else if (best)
        hint(d, "%s, or use %s, which answers", what, best->resource);
    else
        hint(d, "%s; no other protocol identified itself here to use instead", what);
}

static void protocol_hints(doctor *d)
{
    const sc_probe_report *vicp = report_for(d, SC_PROBE_VICP, 0);
    if (vicp && vicp->connected && vicp->outcome != SC_PROBE_IDENTIFIED)
        silent_vicp_hint(d);
    const sc_probe_report *vx = report_for(d, SC_PROBE_VXI11, 0);
    if (vx && vx->connected && vx->outcome != SC_PROBE_IDENTIFIED) {
        if (vx->vxi11_core_port == 0 && strstr(vx->detail, "GETPORT 0"))
            hint(d, "111 answers as a portmapper without VXI-11: a computer running rpcbind has this address, or the instrument's VXI-11 server is disabled");
        else if (vx->vxi11_core_port)
            hint(d, "VXI-11 (core port %u) did not identify: %s; another client may hold the instrument locked, close it and retry",
                 vx->vxi11_core_port, vx->detail);
        else
            hint(d, "port 111 is open but the portmapper did not answer GETPORT: %s", vx->detail);
    }
    const sc_probe_report *hs = report_for(d, SC_PROBE_HISLIP, 0);
    if (hs && hs->connected && hs->outcome != SC_PROBE_IDENTIFIED)
        hint(d, "4880 is open but HiSLIP did not identify (%s): the instrument may allow only one HiSLIP client; close other VISA sessions or use VXI-11",
             hs->detail);
    for (size_t i = 0; i < d->report_count; i++) {
        const sc_probe_report *r = &d->reports[i];
        if (r->port.kind != SC_PROBE_RAW || !r->connected || r->outcome == SC_PROBE_IDENTIFIED)
            continue;
        if (r->outcome == SC_PROBE_SILENT)
            hint(d, "raw socket %u accepts connections but does not answer *IDN?: another program may hold the instrument (many allow one socket client), or it is not an SCPI port",
                 r->port.port);
        else
            hint(d, "port %u answers, but not as a raw SCPI socket: %s", r->port.port, r->detail);
    }
    const sc_probe_report *p5025 = report_for(d, SC_PROBE_RAW, 5025), *p5555 = report_for(d, SC_PROBE_RAW, 5555);
    if (p5025 && p5555 && p5025->outcome == SC_PROBE_REFUSED && p5555->outcome == SC_PROBE_IDENTIFIED)
        hint(d, "raw SCPI is on 5555, not 5025 (Rigol): use %s", p5555->resource);
    const sc_probe_report *web = report_for(d, SC_PROBE_LXI, 80);
    if (web && web->connected && web->outcome != SC_PROBE_IDENTIFIED && web->outcome != SC_PROBE_SILENT)
        hint(d, "port 80 is a web server without LXI identification (%s): fine for a browser, no help for discovery",
             web->detail);
}

static void resource_hints(doctor *d)
{
    const sc_probe_report *best = best_identified(d);
    if (!best)
        return;
    sc_probe_kind want = SC_PROBE_KIND_COUNT;
    switch (d->res.protocol) {
    case SC_PROTO_RAW: want = SC_PROBE_RAW; break;
    case SC_PROTO_VICP: want = SC_PROBE_VICP; break;
    case SC_PROTO_VXI11: want = SC_PROBE_VXI11; break;
    case SC_PROTO_HISLIP: want = SC_PROBE_HISLIP; break;
    default: return; /* a bare host: the cascade finds what works */
    }
    const sc_probe_report *mine = report_for(d, want, sc_resource_port(&d->res));
    if (!mine || mine->outcome != SC_PROBE_IDENTIFIED)
        hint(d, "your resource uses %s port %u, which does not work; this one does: %s", sc_probe_kind_name(want),
             sc_resource_port(&d->res), best->resource);
}

/* ---- main ---- */

static int parse_doctor_args(int argc, char **argv, doctor *d)
{
    enum { O_USER = 1000, O_PASSWORD, O_TIMEOUT, O_IDN_TIMEOUT };
    static const struct option longopts[] = {
        { "user", required_argument, NULL, O_USER },       { "password", required_argument, NULL, O_PASSWORD },
        { "timeout", required_argument, NULL, O_TIMEOUT }, { "idn-timeout", required_argument, NULL, O_IDN_TIMEOUT },
        { "quiet", no_argument, NULL, 'q' },               { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },                { NULL, 0, NULL, 0 },
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
        char *end;
        double s;
        switch (opt) {
        case O_USER: d->user = optarg; break;
        case O_PASSWORD: d->password = optarg; break;
        case O_TIMEOUT:
        case O_IDN_TIMEOUT:
            s = strtod(optarg, &end);
            if (*end || !(s > 0) || s > 600)
                return cli_usage_error("doctor", "%s takes seconds above 0 (got \"%s\")",
                                       opt == O_TIMEOUT ? "--timeout" : "--idn-timeout", optarg);
            *(opt == O_TIMEOUT ? &d->connect_ms : &d->reply_ms) = (int)(s * 1000 + 0.5);
            break;
        case 'q': d->quiet = true; break;
        case 'v': sc_log_set_level(sc_log_get_level() + 1); break;
        case 'h': doctor_help(); return -1;
        default: return cli_usage_error("doctor", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("doctor", "name one RESOURCE, e.g. scopecap doctor 192.168.0.10");
    if (d->password && !d->user)
        return cli_usage_error("doctor", "--password needs --user");
    return 0;
}

int cmd_doctor(int argc, char **argv)
{
    doctor *d = calloc(1, sizeof *d);
    if (!d)
        return 1;
    d->connect_ms = 1000;
    d->reply_ms = 3000;
    int rc = parse_doctor_args(argc, argv, d);
    if (rc) {
        free(d);
        return rc < 0 ? 0 : rc;
    }
    sc_error err;
    if (sc_resource_parse(argv[optind], &d->res, &err) != SC_OK) {
        free(d);
        return cli_fail(&err);
    }
    if (d->res.protocol == SC_PROTO_USBTMC || d->res.protocol == SC_PROTO_EFIRMATA) {
        fprintf(stderr, "scopecap doctor: %s is not a network resource; for USB run 'scopecap scan' (it lists USB-TMC devices and permission problems)\n",
                d->res.text);
        free(d);
        return EXIT_USAGE;
    }
    say(d, "resource  %s\n", d->res.text);

    struct sockaddr_storage ss;
    socklen_t len = 0;
    rc = 0;
    if (!check_address(d, &ss, &len) || !check_route(d, &ss, len)) {
        rc = 3;
    } else {
        run_probes(d);
        print_probes(d);
        if (!any_connected(d)) {
            nothing_connected_hints(d);
            rc = all_refused(d) ? 1 : 3; /* refusing is answering: only silence is "unreachable" */
        } else {
            protocol_hints(d);
            check_http_auth(d);
            resource_hints(d);
            rc = best_identified(d) ? 0 : 1;
        }
    }
    const sc_probe_report *best = rc == 0 ? best_identified(d) : NULL;
    if (best)
        printf("verdict   reachable: %s,%s (%s)\n", best->idn.manufacturer, best->idn.model, best->resource);
    else
        printf("verdict   not usable yet\n");
    for (size_t i = 0; i < d->hint_count; i++)
        printf("hint      %s\n", d->hints[i]);
    free(d);
    return rc;
}
