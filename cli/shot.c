/* scopecap shot: screenshots of one or more instruments, captured in parallel. */
#include "cli.h"
#include "naming.h"
#include "progress.h"

#include "scopecap/capture.h"
#include "scopecap/output.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TEMPLATE "{model}_{date}_{time}.{ext}"
/* With several instruments the default must tell them apart: by host when each has its
 * own, else by position on the command line (two ports of one host, several USB scopes). */
#define DEFAULT_TEMPLATE_BY_HOST "{model}_{host}_{date}_{time}.{ext}"
#define DEFAULT_TEMPLATE_BY_N "{model}_{date}_{time}_{n}.{ext}"

typedef struct shot_config {
    cli_common common;
    const char *output;
    const char *template; /* -o, or the default that fits the number of resources */
    int count;            /* resources on the command line */
    bool format_given;
    bool raw;
    sc_image_format format;
    sc_background background;
    bool force;
    const char *driver;
    bool list_drivers;
} shot_config;

typedef struct shot_job {
    const shot_config *cfg;
    const char *text;
    sc_resource res;
    int n;
    bool show_progress;
    bool threaded;
    cli_progress progress;
    sc_error err;
    sc_status status;
    char path[4096];
    size_t bytes;
    sc_image_format saved_format;
    sc_image_format named_format; /* what the file name's extension promises, if anything */
    double seconds;
    sc_idn idn;
} shot_job;

static void shot_help(void)
{
    printf("usage: scopecap shot [options] RESOURCE...\n"
           "Save a screenshot of each instrument; several are captured in parallel.\n\n"
           "  -o, --output PATH|TEMPLATE|-   file name, template or '-' for standard output\n"
           "                                 (default " DEFAULT_TEMPLATE ";\n"
           "                                 several resources: " DEFAULT_TEMPLATE_BY_HOST ",\n"
           "                                 or " DEFAULT_TEMPLATE_BY_N " when a host repeats)\n"
           "                                 fields: {vendor} {model} {serial} {host} {date} {time} {n} {ext}\n"
           "  -f, --format png|bmp|jpeg|raw  output format (default: from the extension, else png);\n"
           "                                 raw = the image exactly as the instrument sent it\n"
           "  -p, --protocol auto|vicp|vxi11|hislip|raw|usbtmc\n"
           "  -d, --driver NAME              force a driver; --list-drivers shows them\n"
           "  -b, --background white|black   ink-saver (white) or native look (black)\n"
           "  -t, --timeout SECONDS          per exchange, plus the instrument's render time (default 10)\n"
           "      --max-size BYTES           largest reply accepted (default 256 MiB)\n"
           "      --force                    replace an existing file (a device or FIFO is written\n"
           "                                 into, never replaced; a symlink's target is replaced)\n"
           "  -q, --quiet  -v, --verbose\n\n"
           "RESOURCE: 192.168.0.10, host:5555, TCPIP0::host::inst0::INSTR, TCPIP0::host::5025::SOCKET,\n"
           "VICP::host::INSTR, USB0::0x1AB1::0x04CE::SERIAL::INSTR, raw://host:5555, ... (man scopecap)\n");
}

/* The driver table, as rows a user can act on: the name -d takes, what it captures, over
 * which transports; -v adds each row's quirks. */
static void list_drivers(bool verbose)
{
    int name_w = 6, transports_w = 10;
    for (size_t i = 0; i < sc_driver_count(); i++) {
        char transports[64];
        sc_driver_protocol_names(sc_driver_at(i), transports, sizeof transports);
        int n = (int)strlen(sc_driver_at(i)->name), t = (int)strlen(transports);
        name_w = n > name_w ? n : name_w;
        transports_w = t > transports_w ? t : transports_w;
    }
    printf("%-*s %-6s %-9s %-*s %-10s %s\n", name_w, "DRIVER", "NATIVE", "SIZE", transports_w, "TRANSPORTS",
           "FRAMING", "INSTRUMENTS");
    for (size_t i = 0; i < sc_driver_count(); i++) {
        const sc_driver *d = sc_driver_at(i);
        char size[32], transports[64];
        /* the generic row knows neither: it decides from the bytes that arrive */
        bool known_format = d->native_format != SC_IMAGE_UNKNOWN;
        if (d->width > 0 && d->height > 0)
            snprintf(size, sizeof size, "%dx%d", d->width, d->height);
        else
            snprintf(size, sizeof size, "any");
        sc_driver_protocol_names(d, transports, sizeof transports);
        printf("%-*s %-6s %-9s %-*s %-10s %s\n", name_w, d->name,
               known_format ? sc_image_format_name(d->native_format) : "any", size, transports_w,
               transports[0] ? transports : "-", sc_framing_name(d->framing), d->description);
        if (verbose && d->notes)
            printf("%-*s   %s\n", name_w, "", d->notes);
    }
}

/* With -d the row is known; *IDN? is only worth its round trip when the name uses it. */
static bool name_needs_identity(const char *tmpl)
{
    return strstr(tmpl, "{vendor}") || strstr(tmpl, "{model}") || strstr(tmpl, "{serial}");
}

static void *run_job(void *arg)
{
    shot_job *job = arg;
    const shot_config *cfg = job->cfg;
    sc_error_clear(&job->err);
    int64_t start = sc_now_ns();
    char label[300];
    sc_resource_describe(&job->res, label, sizeof label);
    cli_progress_init(&job->progress, job->text, job->show_progress);

    sc_shot_options opts = {
        .driver_name = cfg->driver,
        .skip_identify = cfg->driver && !name_needs_identity(cfg->template),
        .background = cfg->background,
        .timeout_ms = cli_timeout_ms(&cfg->common),
        .progress = cli_progress_update,
        .progress_ctx = &job->progress,
    };
    sc_shot shot;
    sc_shot_init(&shot);
    sc_buf out;
    sc_buf_init(&out, 0);
    job->status = sc_shot_capture(&job->res, &opts, &shot, &job->err);
    cli_progress_finish(&job->progress);
    job->idn = shot.idn;
    sc_image_format target = cfg->raw ? SC_IMAGE_UNKNOWN : cfg->format;
    if (job->status == SC_OK)
        job->status = sc_shot_convert(&shot, target, cfg->background, &out, &job->err);
    if (job->status == SC_OK) {
        job->saved_format = cfg->raw ? shot.format : target;
        name_fields f = {
            .vendor = sc_vendor_name(sc_vendor_from_manufacturer(shot.idn.manufacturer)),
            .model = shot.idn.model,
            .serial = shot.idn.serial,
            .host = job->res.host[0] ? job->res.host : "usb",
            .ext = sc_image_format_extension(job->saved_format),
            .n = job->n,
        };
        time_t now = time(NULL);
        localtime_r(&now, &f.when);
        job->status = cli_expand_template(cfg->template, &f, job->path, sizeof job->path, &job->err);
        if (job->status == SC_OK)
            job->status = sc_output_write_atomic(job->path, out.data, out.len, cfg->force, &job->err);
        if (job->status == SC_ERR_EXISTS && !strstr(cfg->template, "{time}"))
            sc_error_append(&job->err, "; {date}_{time} in -o gives each run its own name");
        job->named_format = sc_image_format_from_path(job->path);
        job->bytes = out.len;
    }
    job->seconds = (double)(sc_now_ns() - start) / 1e9;
    sc_buf_free(&out);
    sc_shot_free(&shot);
    return NULL;
}

/* The maximum response size is a library limit; only here is the option that raises it known. */
static void name_max_size_option(sc_error *err)
{
    if (err->code == SC_ERR_TOO_LARGE && !strstr(err->message, "--max-size"))
        sc_error_append(err, "; --max-size BYTES raises the limit (now %zu bytes)", sc_max_response());
}

static void report(shot_job *job)
{
    /* with several instruments at once, each line says whose it is */
    const char *who = job->cfg->count > 1 ? job->text : NULL;
    if (job->status != SC_OK) {
        name_max_size_option(&job->err);
        fprintf(stderr, "scopecap: error: %s%s%s\n", who ? who : "", who ? ": " : "", job->err.message);
        return;
    }
    /* -f raw keeps the instrument's format; -f with another name may differ from it too */
    if (!job->cfg->common.quiet && job->named_format != SC_IMAGE_UNKNOWN && job->named_format != job->saved_format)
        fprintf(stderr,
                "scopecap: warning: %s%s%s holds %s data but its name says %s (%s; name it .%s, or drop -f to convert)\n",
                who ? who : "", who ? ": " : "", job->path, sc_image_format_name(job->saved_format),
                sc_image_format_name(job->named_format),
                job->cfg->raw ? "-f raw keeps the instrument's own format" : "-f chose the format",
                sc_image_format_extension(job->saved_format));
    if (job->cfg->common.quiet || strcmp(job->path, "-") == 0)
        return;
    fprintf(stderr, "%s: saved %s (%s, %zu bytes) from %s %s in %.2f s\n", job->text, job->path,
            sc_image_format_name(job->saved_format), job->bytes, job->idn.manufacturer, job->idn.model,
            job->seconds);
}

static int decide_format(shot_config *cfg)
{
    if (cfg->format_given)
        return 0;
    sc_image_format f = SC_IMAGE_UNKNOWN;
    if (cfg->output && strcmp(cfg->output, "-") != 0)
        f = sc_image_format_from_path(cfg->output);
    cfg->format = f != SC_IMAGE_UNKNOWN ? f : SC_IMAGE_PNG;
    return 0;
}

/* The template for this run, given the resources. */
static const char *choose_template(const shot_config *cfg, const shot_job *jobs, int count)
{
    if (cfg->output)
        return cfg->output;
    if (count <= 1)
        return DEFAULT_TEMPLATE;
    for (int i = 0; i < count; i++)
        for (int j = i + 1; j < count; j++)
            if (strcmp(jobs[i].res.host, jobs[j].res.host) == 0)
                return DEFAULT_TEMPLATE_BY_N;
    return DEFAULT_TEMPLATE_BY_HOST;
}

/* Everything about the names that can be known before any instrument is asked: a bad
 * template, names that would collide, a fixed name that is taken, a folder. Asking first
 * would cost the instrument's render time (seconds on some) for nothing. */
static int check_outputs(shot_config *cfg, const shot_job *jobs, int count)
{
    cfg->template = choose_template(cfg, jobs, count);
    name_fields sample = { .vendor = "v", .model = "m", .serial = "s", .host = "h", .ext = "png", .n = 1 };
    char name[4096];
    sc_error err;
    if (cli_expand_template(cfg->template, &sample, name, sizeof name, &err) != SC_OK)
        return cli_fail(&err);
    if (!cfg->output)
        return 0;
    bool fixed = !cli_template_has_fields(cfg->output);
    if (count > 1) {
        if (strcmp(cfg->output, "-") == 0)
            return cli_usage_error("shot", "-o - takes one resource only (got %d)", count);
        if (!cli_template_tells_apart(cfg->output))
            return cli_usage_error("shot",
                                   "with %d resources, -o needs a field such as {host}, {serial} or {n} so the "
                                   "files differ",
                                   count);
    }
    if (!fixed)
        return 0;
    if (sc_output_check(cfg->output, cfg->force, &err) != SC_OK) {
        if (err.code == SC_ERR_EXISTS) {
            char hint[4200];
            cli_suggest_template(cfg->output, hint, sizeof hint);
            sc_error_append(&err, "; a template such as -o '%s' names each capture anew", hint);
        }
        return cli_fail(&err);
    }
    return 0;
}

static int parse_args(shot_config *cfg, int argc, char **argv)
{
    enum { OPT_FORCE = 1000, OPT_LIST, OPT_MAX_SIZE };
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },   { "format", required_argument, NULL, 'f' },
        { "protocol", required_argument, NULL, 'p' }, { "driver", required_argument, NULL, 'd' },
        { "background", required_argument, NULL, 'b' }, { "timeout", required_argument, NULL, 't' },
        { "force", no_argument, NULL, OPT_FORCE },    { "list-drivers", no_argument, NULL, OPT_LIST },
        { "max-size", required_argument, NULL, OPT_MAX_SIZE }, { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt, rc = 0;
    sc_error err;
    while ((opt = getopt_long(argc, argv, "o:f:p:d:b:t:qvh", longopts, NULL)) != -1) {
        if (cli_common_option(&cfg->common, opt, optarg, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        switch (opt) {
        case 'o': cfg->output = optarg; break;
        case 'f':
            if (sc_image_format_parse(optarg, &cfg->format, &cfg->raw, &err) != SC_OK)
                return cli_fail(&err);
            cfg->format_given = true;
            break;
        case 'd': cfg->driver = optarg; break;
        case 'b':
            if (cli_parse_background("shot", optarg, &cfg->background))
                return EXIT_USAGE;
            break;
        case OPT_FORCE: cfg->force = true; break;
        case OPT_LIST: cfg->list_drivers = true; break;
        case OPT_MAX_SIZE: {
            char *end;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || v < 1024)
                return cli_usage_error("shot", "--max-size takes a byte count of at least 1024");
            sc_set_max_response((size_t)v);
            break;
        }
        case 'h': shot_help(); return -1;
        default: return cli_usage_error("shot", "unknown option");
        }
    }
    return 0;
}

int cmd_shot(int argc, char **argv)
{
    shot_config cfg = { .background = SC_BACKGROUND_NATIVE };
    cli_common_init(&cfg.common);
    int rc = parse_args(&cfg, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (cfg.list_drivers) {
        list_drivers(cfg.common.verbosity > 0);
        return 0;
    }
    int count = argc - optind;
    if (count < 1)
        return cli_usage_error("shot", "name at least one RESOURCE, e.g. scopecap shot 192.168.0.10");
    cfg.count = count;
    if ((rc = decide_format(&cfg)) != 0)
        return rc;

    shot_job *jobs = calloc((size_t)count, sizeof *jobs);
    pthread_t *threads = calloc((size_t)count, sizeof *threads);
    if (!jobs || !threads) {
        free(jobs);
        free(threads);
        fprintf(stderr, "scopecap: out of memory\n");
        return 1;
    }
    for (int i = 0; i < count; i++) {
        jobs[i] = (shot_job){ .cfg = &cfg, .text = argv[optind + i], .n = i + 1 };
        jobs[i].show_progress = count == 1 && !cfg.common.quiet;
        if (!cli_parse_resource(&cfg.common, jobs[i].text, &jobs[i].res)) {
            free(jobs);
            free(threads);
            return EXIT_USAGE;
        }
    }
    if ((rc = check_outputs(&cfg, jobs, count)) != 0) {
        free(jobs);
        free(threads);
        return rc;
    }
    /* one thread per instrument: each waits on its own scope, not on the others */
    for (int i = 0; i < count; i++) {
        jobs[i].threaded = pthread_create(&threads[i], NULL, run_job, &jobs[i]) == 0;
        if (!jobs[i].threaded)
            run_job(&jobs[i]);
    }
    int worst = 0;
    for (int i = 0; i < count; i++) {
        if (jobs[i].threaded)
            pthread_join(threads[i], NULL);
        report(&jobs[i]);
        int code = sc_status_exit_code(jobs[i].status);
        if (code > worst)
            worst = code;
    }
    free(jobs);
    free(threads);
    return worst;
}
