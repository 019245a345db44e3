/* scopecap wave: capture an eFirmata board over UDP and save CSV, JSON, a PNG plot or the
 * raw frames; --continuous repeats captures into numbered PNGs, or feeds the rendered plot
 * into the live sinks of scopecap stream (--http, --y4m, --v4l2, --record). */
#include "live.h"

#include "scopecap/efirmata.h"
#include "scopecap/output.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* long options without a short letter */
enum {
    OPT_TRIGGER = 1000, OPT_CHANNEL, OPT_LEVEL, OPT_SAMPLES, OPT_GAPS, OPT_SIZE, OPT_CONT, OPT_COUNT, OPT_FORCE,
    OPT_CAPFPS,
};

/* A board answers in milliseconds: a live view need not redraw faster than a screen does. */
#define DEFAULT_LIVE_CAPTURE_FPS 25

typedef enum wave_format { WAVE_CSV, WAVE_JSON, WAVE_PNG, WAVE_BIN, WAVE_UNKNOWN } wave_format;

typedef struct wave_config {
    cli_common common;
    sc_efirmata_options capture;
    const char *output;
    wave_format format;
    bool format_given;
    bool force;
    bool continuous;
    long count; /* --continuous: captures to take, 0 = until interrupted */
    int width, height;
    cli_live live; /* --continuous into live sinks */
    int capture_fps;
} wave_config;

static volatile sig_atomic_t interrupted;
static sc_efirmata *volatile interrupt_dev; /* the board a capture may be waiting on */

/* Ctrl-C during a capture that waits for a trigger: the capture returns at once
 * (sc_efirmata_interrupt is one write() to an eventfd, safe here). */
static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
    sc_efirmata_interrupt(interrupt_dev);
}

static void wave_help(void)
{
    printf("usage: scopecap wave [options] efirmata://HOST[:PORT]\n"
           "Capture an eFirmata oscilloscope board over UDP (port 2117).\n\n"
           "  --trigger now|rising|falling  start at once (default) or on an edge of --channel\n"
           "  --channel N                   trigger channel, 0 to channels-1 (default 0)\n"
           "  --level VALUE                 trigger level in the channel's units, e.g. volts\n"
           "                                (default: middle of its scale); sent as the ADC code\n"
           "                                of the channel's own two-point scale\n"
           "  --samples N                   samples per channel (default 1000)\n"
           "  -t, --timeout SECONDS         whole capture, trigger wait included (default 10)\n"
           "  --allow-gaps                  keep lost samples as NaN/null instead of failing\n"
           "  -o, --output FILE|DIR|-       out.csv, out.json, out.png (plot) or out.bin (raw frames);\n"
           "                                '-' = standard output (default, CSV)\n"
           "  -f, --format csv|json|png|bin override the format the extension implies\n"
           "      --size WxH                PNG plot size (default 800x480)\n"
           "      --continuous              capture again and again: with -o DIR into\n"
           "                                DIR/wave-000001.png, ..., or as live video into the\n"
           "                                sinks below (Ctrl-C stops)\n"
           "      --count N                 with --continuous: stop after N captures\n"
           "      --force                   overwrite existing files\n"
           "  -q, --quiet  -v, --verbose    -v reports the board's quirks and capture statistics\n\n"
           "with --continuous, the plot as live video (as scopecap stream; --size sets the frame):\n"
           "%s"
           "      --capture-fps N           captures a second at most (default 25)\n\n"
           "examples: scopecap wave --trigger rising --level 1.65 --samples 531 -o wave.csv efirmata://192.168.11.177\n"
           "          scopecap wave --continuous --trigger rising --http 8080 efirmata://192.168.11.177\n",
           cli_live_help);
}

static wave_format format_from_name(const char *name)
{
    static const char *const names[] = { "csv", "json", "png", "bin" };
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, names[i]) == 0)
            return (wave_format)i;
    return WAVE_UNKNOWN;
}

static wave_format format_from_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return WAVE_UNKNOWN;
    return format_from_name(dot + 1);
}

static sc_status render(const wave_config *cfg, const sc_efirmata_capture *c, sc_buf *out, sc_error *err)
{
    switch (cfg->format) {
    case WAVE_CSV: return sc_efirmata_write_csv(c, out, err);
    case WAVE_JSON: return sc_efirmata_write_json(c, out, err);
    case WAVE_BIN: return sc_efirmata_write_bin(c, out, err);
    case WAVE_PNG: {
        sc_raster r = { 0 };
        sc_status st = sc_efirmata_render_plot(c, &r, cfg->width, cfg->height, err);
        if (st == SC_OK)
            st = sc_png_encode(&r, out, err);
        sc_raster_free(&r);
        return st;
    }
    default: return sc_error_set(err, SC_ERR_USAGE, "no output format");
    }
}

static sc_status save(const wave_config *cfg, const sc_efirmata_capture *c, const char *path, sc_error *err)
{
    sc_buf out;
    sc_buf_init(&out, 0);
    sc_status st = render(cfg, c, &out, err);
    if (st == SC_OK)
        st = sc_output_write_atomic(path, out.data, out.len, cfg->force, err);
    sc_buf_free(&out);
    return st;
}

static int run_once(const wave_config *cfg, sc_efirmata *dev, sc_efirmata_capture *c)
{
    sc_error err;
    sc_status st = sc_efirmata_acquire(dev, &cfg->capture, c, &err);
    if (st == SC_OK)
        st = save(cfg, c, cfg->output, &err);
    if (st != SC_OK)
        return cli_fail(&err);
    if (!cfg->common.quiet && strcmp(cfg->output, "-") != 0)
        fprintf(stderr, "%s: saved %s (%u samples x %u channels%s)\n", c->device, cfg->output, c->samples,
                c->meta.channel_count, c->received < c->samples ? ", with gaps" : "");
    return 0;
}

static int make_folder(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat sb;
        if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
            return 0;
    }
    fprintf(stderr, "scopecap: error: --continuous -o %s: not a folder that can be created (%s)\n", dir,
            strerror(errno ? errno : ENOTDIR));
    return 1;
}

static int run_continuous(const wave_config *cfg, sc_efirmata *dev, sc_efirmata_capture *c)
{
    if (make_folder(cfg->output) != 0)
        return 1;
    interrupt_dev = dev;
    struct sigaction sa = { .sa_handler = on_interrupt };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    long n = 0;
    while (!interrupted && (cfg->count == 0 || n < cfg->count)) {
        sc_error err;
        sc_status st = sc_efirmata_acquire(dev, &cfg->capture, c, &err);
        if (st != SC_OK) {
            if (interrupted)
                break;
            return cli_fail(&err);
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/wave-%06ld.png", cfg->output, n + 1);
        if ((st = save(cfg, c, path, &err)) != SC_OK)
            return cli_fail(&err);
        n++;
        if (!cfg->common.quiet)
            fprintf(stderr, "%s: saved %s\n", c->device, path);
    }
    if (!cfg->common.quiet)
        fprintf(stderr, "%s: %ld capture%s saved in %s\n", c->device, n, n == 1 ? "" : "s", cfg->output);
    return 0;
}

/* --continuous into live sinks: each capture becomes one frame of the stream. A failed
 * capture shows as NO SIGNAL with its reason, and the next one is tried after the
 * stream's backoff, as with a scope that went away. */
typedef struct live_wave {
    const wave_config *cfg;
    sc_efirmata *dev;
    sc_efirmata_capture *c;
} live_wave;

static sc_status produce_plot(void *ctx, sc_frame_input *in, sc_error *err)
{
    live_wave *lw = ctx;
    sc_status st = sc_efirmata_acquire(lw->dev, &lw->cfg->capture, lw->c, err);
    if (st != SC_OK)
        return st;
    sc_raster_free(&in->raster); /* the plot allocates its own */
    st = sc_efirmata_render_plot(lw->c, &in->raster, lw->cfg->width, lw->cfg->height, err);
    in->use_raster = st == SC_OK;
    return st;
}

/* The stream stops (Ctrl-C, the sinks are done): a capture waiting for a trigger returns. */
static void interrupt_plot(void *ctx)
{
    live_wave *lw = ctx;
    sc_efirmata_interrupt(lw->dev);
}

static int run_live(const wave_config *cfg, sc_efirmata *dev, sc_efirmata_capture *c, const char *what)
{
    live_wave lw = { .cfg = cfg, .dev = dev, .c = c };
    char label[320];
    snprintf(label, sizeof label, "eFirmata board at %s", what);
    sc_stream_options so = {
        .width = cfg->width,
        .height = cfg->height,
        /* counted sinks end the run themselves (a cap would starve one that skips) */
        .max_frames = cli_live_counted(&cfg->live) ? 0 : (int)cfg->count,
        .what = label,
    };
    sc_error err;
    sc_stream *s;
    sc_frame_source *src = sc_callback_source_new(label, produce_plot, &lw, 1000 / cfg->capture_fps);
    if (!src) {
        fprintf(stderr, "scopecap: error: out of memory\n");
        return 1;
    }
    sc_callback_source_set_interrupt(src, interrupt_plot);
    if (sc_stream_new(src, &so, &s, &err) != SC_OK)
        return cli_fail(&err);
    int rc = cli_live_run(&cfg->live, &cfg->common, s);
    sc_stream_free(s);
    return rc;
}

static bool parse_count(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_size(const char *text, wave_config *cfg)
{
    int w, h;
    char tail;
    if (sscanf(text, "%dx%d%c", &w, &h, &tail) != 2 || w < 160 || h < 120 || w > 4096 || h > 4096)
        return cli_usage_error("wave", "--size takes WIDTHxHEIGHT between 160x120 and 4096x4096 (got \"%s\")", text);
    cfg->width = w;
    cfg->height = h;
    return 0;
}

/* Options specific to wave; returns -1 when handled, else an exit code. */
static int wave_option(wave_config *cfg, int opt, const char *arg)
{
    sc_error err;
    long v;
    char *end;
    switch (opt) {
    case OPT_TRIGGER:
        if (sc_efirmata_trigger_parse(arg, &cfg->capture.trigger, &err) != SC_OK)
            return cli_usage_error("wave", "%s", err.message);
        return -1;
    case OPT_CHANNEL:
        if (!parse_count(arg, 0, SC_EFIRMATA_MAX_CHANNELS - 1, &v))
            return cli_usage_error("wave", "--channel takes a channel index 0-254 (got \"%s\")", arg);
        cfg->capture.channel = (int)v;
        return -1;
    case OPT_LEVEL:
        cfg->capture.level = strtod(arg, &end);
        if (end == arg || *end || !(cfg->capture.level == cfg->capture.level))
            return cli_usage_error("wave", "--level takes a number in the channel's units (got \"%s\")", arg);
        cfg->capture.level_given = true;
        return -1;
    case OPT_SAMPLES:
        if (!parse_count(arg, 1, 4294967295L, &v))
            return cli_usage_error("wave", "--samples takes a count from 1 to 4294967295 (got \"%s\")", arg);
        cfg->capture.samples = (uint32_t)v;
        return -1;
    case OPT_GAPS: cfg->capture.allow_gaps = true; return -1;
    case OPT_SIZE: return parse_size(arg, cfg) ? EXIT_USAGE : -1;
    case OPT_CONT: cfg->continuous = true; return -1;
    case OPT_COUNT:
        if (!parse_count(arg, 1, 1000000000L, &cfg->count))
            return cli_usage_error("wave", "--count takes a positive number (got \"%s\")", arg);
        return -1;
    case OPT_FORCE: cfg->force = true; return -1;
    case OPT_CAPFPS: return cli_parse_int("wave", "--capture-fps", arg, 1, 1000, &cfg->capture_fps) ? EXIT_USAGE : -1;
    case 'o': cfg->output = arg; return -1;
    case 'f':
        cfg->format = format_from_name(arg);
        if (cfg->format == WAVE_UNKNOWN)
            return cli_usage_error("wave", "-f takes csv, json, png or bin (got \"%s\")", arg);
        cfg->format_given = true;
        return -1;
    case 'h': wave_help(); return 0;
    default: return cli_usage_error("wave", "unknown option");
    }
}

/* Decide the output format and check the combination of options. */
static int settle(wave_config *cfg)
{
    bool live = cli_live_wanted(&cfg->live);
    if (live && !cfg->continuous)
        return cli_usage_error("wave", "--http, --y4m, --v4l2 and --record go with --continuous");
    if (live) {
        if (cfg->output)
            return cli_usage_error("wave", "-o DIR and live sinks do not mix: --record DIR writes numbered "
                                           "frames beside the others");
        if ((cfg->width | cfg->height) & 1)
            return cli_usage_error("wave", "--size %dx%d: live video needs an even width and height (4:2:0 has one "
                                           "colour sample per 2x2 pixels), e.g. --size %dx%d",
                                   cfg->width, cfg->height, cfg->width & ~1, cfg->height & ~1);
        if (cfg->live.sink.max_frames && !cfg->count)
            cfg->count = cfg->live.sink.max_frames;
        cfg->live.sink.max_frames = (int)cfg->count; /* --count N: N captures, N frames */
        return cli_live_settle(&cfg->live, "wave");
    }
    if (cfg->continuous) {
        if (!cfg->output || strcmp(cfg->output, "-") == 0)
            return cli_usage_error("wave", "--continuous needs somewhere to go: a folder with -o DIR for "
                                           "numbered PNGs, or a live sink (--http PORT, --y4m -, --v4l2 DEV)");
        if (cfg->format_given && cfg->format != WAVE_PNG)
            return cli_usage_error("wave", "--continuous writes PNG plots only");
        cfg->format = WAVE_PNG;
        return 0;
    }
    if (cfg->count)
        return cli_usage_error("wave", "--count goes with --continuous");
    if (!cfg->output)
        cfg->output = "-";
    if (!cfg->format_given) {
        cfg->format = strcmp(cfg->output, "-") == 0 ? WAVE_CSV : format_from_path(cfg->output);
        if (cfg->format == WAVE_UNKNOWN)
            return cli_usage_error("wave", "cannot tell the format of \"%s\": end it in .csv, .json, .png or .bin, "
                                           "or pass -f",
                                   cfg->output);
    }
    return 0;
}

int cmd_wave(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "trigger", required_argument, NULL, OPT_TRIGGER }, { "channel", required_argument, NULL, OPT_CHANNEL },
        { "level", required_argument, NULL, OPT_LEVEL },     { "samples", required_argument, NULL, OPT_SAMPLES },
        { "allow-gaps", no_argument, NULL, OPT_GAPS },       { "size", required_argument, NULL, OPT_SIZE },
        { "continuous", no_argument, NULL, OPT_CONT },       { "count", required_argument, NULL, OPT_COUNT },
        { "force", no_argument, NULL, OPT_FORCE },           { "output", required_argument, NULL, 'o' },
        { "format", required_argument, NULL, 'f' },          { "protocol", required_argument, NULL, 'p' },
        { "timeout", required_argument, NULL, 't' },         { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },               { "help", no_argument, NULL, 'h' },
        { "capture-fps", required_argument, NULL, OPT_CAPFPS }, CLI_LIVE_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    wave_config cfg = { .width = 800, .height = 480, .capture_fps = DEFAULT_LIVE_CAPTURE_FPS };
    cli_common_init(&cfg.common);
    cli_live_init(&cfg.live);
    sc_efirmata_options_init(&cfg.capture);
    int opt, rc = 0;
    while ((opt = getopt_long(argc, argv, "o:f:p:t:qvh", longopts, NULL)) != -1) {
        rc = 0; /* wave_option leaves -1 behind for "handled" */
        if (cli_common_option(&cfg.common, opt, optarg, &rc) || cli_live_option(&cfg.live, "wave", opt, optarg, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        if ((rc = wave_option(&cfg, opt, optarg)) >= 0)
            return rc;
    }
    if (optind + 1 != argc)
        return cli_usage_error("wave", "name one board, e.g. scopecap wave efirmata://192.168.11.177");
    if ((rc = settle(&cfg)) != 0)
        return rc;
    sc_resource res;
    if (!cli_parse_resource(&cfg.common, argv[optind], &res))
        return EXIT_USAGE;
    if (res.protocol != SC_PROTO_EFIRMATA)
        return cli_usage_error("wave", "\"%s\" is not an eFirmata board: write it as efirmata://HOST[:PORT]",
                               argv[optind]);
    cfg.capture.timeout_ms = cli_timeout_ms(&cfg.common);

    sc_error err;
    sc_efirmata *dev = NULL;
    if (sc_efirmata_open(&res, &dev, &err) != SC_OK)
        return cli_fail(&err);
    sc_efirmata_capture *c = malloc(sizeof *c);
    if (!c) {
        sc_efirmata_close(dev);
        fprintf(stderr, "scopecap: error: out of memory\n");
        return 1;
    }
    sc_efirmata_capture_init(c);
    if (cli_live_wanted(&cfg.live))
        rc = run_live(&cfg, dev, c, argv[optind]);
    else
        rc = cfg.continuous ? run_continuous(&cfg, dev, c) : run_once(&cfg, dev, c);
    sc_efirmata_capture_free(c);
    free(c);
    sc_efirmata_close(dev);
    return rc;
}
