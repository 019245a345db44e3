/* scopecap scan: find every instrument on the local subnets (or the given ranges) and on
 * USB, and print a ready-to-paste resource string for every protocol each one speaks. */
#include "cli.h"

#include "scopecap/discover.h"
#include "scopecap/output.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct scan_config {
    sc_scan_options opts;
    sc_scan_format format;
    const char *output;
    bool force;
    bool dry_run;
    bool quiet;
    int verbosity;
    uint32_t max_hosts;
} scan_config;

static void scan_help(void)
{
    printf("usage: scopecap scan [options] [CIDR|RANGE|HOST...]\n"
           "Find instruments: every (host, port) is asked *IDN? in its own protocol; a host is listed\n"
           "only when it identifies itself. Without targets: the subnet of every up, non-loopback IPv4\n"
           "interface, with its real netmask.\n\n"
           "  --ports LIST          ports to probe (default " SC_SCAN_DEFAULT_PORTS "); 111 vxi11,\n"
           "                        1861 vicp, 4880 hislip, 80 lxi, others raw; or PROTO:PORT (raw:3000)\n"
           "  --timeout S           per TCP connect (default 0.5)\n"
           "  --idn-timeout S       per exchange once connected (default 2)\n"
           "  --concurrency N       hosts probed at once, all their ports in parallel (default 256)\n"
           "  --max-hosts N         cap on addresses taken from one interface's subnet (default 4096)\n"
           "  --broadcast           also VXI-11 broadcast (UDP GETPORT to each interface's broadcast address)\n"
           "  --mdns                also mDNS/DNS-SD (_lxi, _vxi-11, _scpi-raw, _hislip)\n"
           "  --listen-time S       how long broadcast and mDNS wait for answers (default 1)\n"
           "  --no-usb              skip USB-TMC enumeration\n"
           "  --format table|csv|json   (default table)\n"
           "  -o, --output FILE     write the list to FILE (atomically); --force replaces it\n"
           "  --dry-run             print the targets and ports, send nothing\n"
           "  -q, --quiet  -v, --verbose (every probe's outcome)\n\n"
           "Targets: 192.168.1.0/24, 10.0.0.5-10.0.0.20, 10.0.0.5-20, 10.0.0.7, scope.lab, ::1\n"
           "Exit status: 0 something was found, 1 nothing, 2 usage.\n");
}

static bool parse_seconds(const char *arg, double max, int *ms)
{
    char *end;
    double s = strtod(arg, &end);
    if (*end || !(s > 0) || s > max)
        return false;
    *ms = (int)(s * 1000.0 + 0.5);
    if (*ms < 1)
        *ms = 1;
    return true;
}

static bool parse_count(const char *arg, long min, long max, long *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*end || end == arg || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* ---- progress: hosts done of hosts known, on a terminal only ---- */

typedef struct scan_progress {
    bool enabled;
    int64_t last_ns;
    bool drawn;
} scan_progress;

static void progress_update(void *ctx, uint64_t done, uint64_t total)
{
    scan_progress *p = ctx;
    if (!p->enabled)
        return;
    int64_t now = sc_now_ns();
    if (done < total && now - p->last_ns < 100000000)
        return;
    p->last_ns = now;
    p->drawn = true;
    int pct = total ? (int)(done * 100 / total) : 100;
    int filled = pct * 30 / 100;
    fprintf(stderr, "\rscan [%.*s%*s] %3d%% %llu/%llu hosts ", filled, "##############################", 30 - filled,
            "", pct, (unsigned long long)done, (unsigned long long)total);
    fflush(stderr);
}

static void progress_clear(scan_progress *p)
{
    if (p->enabled && p->drawn)
        fprintf(stderr, "\r\033[K");
}

/* -v: every probe that got further than a closed port; -vv: all of them */
static void print_probe(void *ctx, const sc_probe_report *r)
{
    const scan_config *cfg = ctx;
    bool boring = r->outcome == SC_PROBE_REFUSED || r->outcome == SC_PROBE_NO_ANSWER;
    if (cfg->verbosity < 1 || (boring && cfg->verbosity < 2))
        return;
    fprintf(stderr, "%s:%u %s: %s: %s (%.0f ms)\n", r->host, r->port.port, sc_probe_kind_name(r->port.kind),
            sc_probe_outcome_name(r->outcome), r->detail, r->elapsed_ms);
}

static void print_notes(const sc_buf *notes, bool quiet)
{
    if (quiet || notes->len == 0)
        return;
    size_t pos = 0;
    while (pos < notes->len) {
        const uint8_t *nl = memchr(notes->data + pos, '\n', notes->len - pos);
        size_t n = nl ? (size_t)(nl - (notes->data + pos)) : notes->len - pos;
        fprintf(stderr, "scopecap scan: note: %.*s\n", (int)n, (const char *)notes->data + pos);
        pos += n + 1;
    }
}

static void print_ports(const sc_scan_options *o, FILE *to)
{
    fprintf(to, "ports:");
    for (size_t i = 0; i < o->port_count; i++)
        fprintf(to, " %s:%u", sc_probe_kind_name(o->ports[i].kind), o->ports[i].port);
    fprintf(to, "\nalso: usb %s, broadcast %s, mdns %s\n", o->usb ? "yes" : "no", o->broadcast ? "yes" : "no",
            o->mdns ? "yes" : "no");
}

static int parse_args(int argc, char **argv, scan_config *cfg)
{
    enum { O_PORTS = 1000, O_TIMEOUT, O_IDN_TIMEOUT, O_CONC, O_MAX_HOSTS, O_BCAST, O_MDNS, O_LISTEN, O_NO_USB,
           O_FORMAT, O_FORCE, O_DRY };
    static const struct option longopts[] = {
        { "ports", required_argument, NULL, O_PORTS },     { "timeout", required_argument, NULL, O_TIMEOUT },
        { "idn-timeout", required_argument, NULL, O_IDN_TIMEOUT },
        { "concurrency", required_argument, NULL, O_CONC }, { "max-hosts", required_argument, NULL, O_MAX_HOSTS },
        { "broadcast", no_argument, NULL, O_BCAST },        { "mdns", no_argument, NULL, O_MDNS },
        { "listen-time", required_argument, NULL, O_LISTEN }, { "no-usb", no_argument, NULL, O_NO_USB },
        { "format", required_argument, NULL, O_FORMAT },    { "output", required_argument, NULL, 'o' },
        { "force", no_argument, NULL, O_FORCE },            { "dry-run", no_argument, NULL, O_DRY },
        { "quiet", no_argument, NULL, 'q' },                { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },                 { NULL, 0, NULL, 0 },
    };
    sc_error err;
    long v;
    int opt;
    while ((opt = getopt_long(argc, argv, "o:qvh", longopts, NULL)) != -1) {
        switch (opt) {
        case O_PORTS:
            if (sc_scan_parse_ports(optarg, cfg->opts.ports, SC_SCAN_MAX_PORTS, &cfg->opts.port_count, &err) != SC_OK)
                return cli_usage_error("scan", "%s", err.message);
            break;
        case O_TIMEOUT:
            if (!parse_seconds(optarg, 60, &cfg->opts.connect_timeout_ms))
                return cli_usage_error("scan", "--timeout takes seconds above 0 (got \"%s\")", optarg);
            break;
        case O_IDN_TIMEOUT:
            if (!parse_seconds(optarg, 600, &cfg->opts.reply_timeout_ms))
                return cli_usage_error("scan", "--idn-timeout takes seconds above 0 (got \"%s\")", optarg);
            cfg->opts.usb_timeout_ms = cfg->opts.reply_timeout_ms;
            break;
        case O_LISTEN:
            if (!parse_seconds(optarg, 60, &cfg->opts.listen_ms))
                return cli_usage_error("scan", "--listen-time takes seconds above 0 (got \"%s\")", optarg);
            break;
        case O_CONC:
            if (!parse_count(optarg, 1, 65536, &v))
                return cli_usage_error("scan", "--concurrency takes 1..65536 (got \"%s\")", optarg);
            cfg->opts.concurrency = (int)v;
            break;
        case O_MAX_HOSTS:
            if (!parse_count(optarg, 1, 1 << 24, &v))
                return cli_usage_error("scan", "--max-hosts takes 1..16777216 (got \"%s\")", optarg);
            cfg->max_hosts = (uint32_t)v;
            break;
        case O_BCAST: cfg->opts.broadcast = true; break;
        case O_MDNS: cfg->opts.mdns = true; break;
        case O_NO_USB: cfg->opts.usb = false; break;
        case O_FORMAT:
            if (sc_scan_format_parse(optarg, &cfg->format, &err) != SC_OK)
                return cli_usage_error("scan", "%s", err.message);
            break;
        case 'o': cfg->output = optarg; break;
        case O_FORCE: cfg->force = true; break;
        case O_DRY: cfg->dry_run = true; break;
        case 'q': cfg->quiet = true; sc_log_set_level(SC_LOG_QUIET); break;
        case 'v': cfg->verbosity++; sc_log_set_level(SC_LOG_WARN + cfg->verbosity); break;
        case 'h': scan_help(); return -1;
        default: return cli_usage_error("scan", "unknown option");
        }
    }
    return 0;
}

static int build_targets(int argc, char **argv, const scan_config *cfg, sc_target_list *t)
{
    sc_error err;
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            if (sc_targets_add_text(t, argv[i], &err) != SC_OK)
                return cli_usage_error("scan", "%s", err.message);
    } else {
        sc_iface ifs[SC_IFACE_MAX];
        size_t n = sc_ifaces_list(ifs, SC_IFACE_MAX, &err);
        if (sc_targets_add_ifaces(t, ifs, n, cfg->max_hosts, &err) != SC_OK)
            return cli_usage_error("scan", "%s", err.message);
    }
    sc_targets_normalize(t);
    return 0;
}

static int write_result(const scan_config *cfg, const sc_scan_result *res)
{
    sc_buf text;
    sc_buf_init(&text, 64u << 20);
    sc_error err;
    int rc = 0;
    if (res->count > 0 || cfg->format != SC_SCAN_TABLE)
        sc_scan_render(res, cfg->format, &text, &err);
    if (cfg->output) {
        if (sc_output_write_atomic(cfg->output, text.data ? (const void *)text.data : "", text.len, cfg->force, &err) !=
            SC_OK)
            rc = cli_fail(&err);
    } else if (text.len) {
        fwrite(text.data, 1, text.len, stdout);
        fflush(stdout);
    }
    sc_buf_free(&text);
    return rc;
}

int cmd_scan(int argc, char **argv)
{
    scan_config cfg;
    memset(&cfg, 0, sizeof cfg);
    sc_scan_options_init(&cfg.opts);
    cfg.format = SC_SCAN_TABLE;
    cfg.max_hosts = SC_SCAN_DEFAULT_MAX_HOSTS;
    int rc = parse_args(argc, argv, &cfg);
    if (rc)
        return rc < 0 ? 0 : rc;

    sc_target_list targets;
    sc_targets_init(&targets);
    rc = build_targets(argc, argv, &cfg, &targets);
    if (rc) {
        sc_targets_free(&targets);
        return rc;
    }
    print_notes(&targets.notes, cfg.quiet);
    if (cfg.dry_run) {
        sc_targets_print(&targets, stdout);
        print_ports(&cfg.opts, stdout);
        sc_targets_free(&targets);
        return 0;
    }

    scan_progress progress = { .enabled = !cfg.quiet && isatty(STDERR_FILENO) && cfg.verbosity == 0 };
    cfg.opts.on_progress = progress_update;
    cfg.opts.progress_ctx = &progress;
    cfg.opts.on_probe = print_probe;
    cfg.opts.probe_ctx = &cfg;
    sc_scan_result res;
    sc_scan_result_init(&res);
    sc_error err;
    sc_status st = sc_scan_run(&targets, &cfg.opts, &res, &err);
    progress_clear(&progress);
    sc_targets_free(&targets);
    if (st != SC_OK) {
        sc_scan_result_free(&res);
        return cli_fail(&err);
    }
    print_notes(&res.notes, cfg.quiet);
    rc = write_result(&cfg, &res);
    if (!cfg.quiet)
        fprintf(stderr, "scopecap scan: %zu instrument%s found, %llu hosts in %.2f s\n", res.count,
                res.count == 1 ? "" : "s", (unsigned long long)res.hosts_done, res.elapsed_s);
    if (rc == 0)
        rc = res.count > 0 ? 0 : 1;
    sc_scan_result_free(&res);
    return rc;
}
