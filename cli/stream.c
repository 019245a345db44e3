/* scopecap stream: the scope's screen as live video, into any mix of sinks at once:
 * a v4l2loopback camera, MJPEG over HTTP with a live page, YUV4MPEG2 for ffmpeg, and
 * numbered image files (the sinks themselves: live.c). */
#include "live.h"

#include <stdio.h>
#include <string.h>

#define IDLE_INTERVAL_MS 1000

typedef struct stream_config {
    cli_common common;
    cli_live live;
    const char *driver;
    sc_background background;
    sc_stream_options stream;
    int capture_fps;
} stream_config;

static void stream_help(void)
{
    printf("usage: scopecap stream [options] RESOURCE\n"
           "The instrument's screen as live video, into one or more sinks at once.\n\n"
           "%s"
           "      --capture-fps N           ask the instrument at most N times a second (default: as\n"
           "                                fast as it answers)\n"
           "      --size WxH                frame size every sink gets (default 800x480)\n"
           "      --format yuyv|i420|mjpeg  the same as --v4l2-format\n\n"
           "instrument:\n"
           "  -p, --protocol auto|vicp|vxi11|hislip|raw|usbtmc\n"
           "  -d, --driver NAME              force a driver (scopecap shot --list-drivers)\n"
           "  -b, --background white|black   ink-saver (white) or native look (black)\n"
           "  -t, --timeout SECONDS          per exchange, plus the render time (default 10)\n"
           "  -q, --quiet  -v, --verbose\n\n"
           "When the instrument goes away the sinks keep running and show NO SIGNAL with the\n"
           "reason while scopecap reconnects. A status line shows on a terminal. Ctrl-C stops.\n",
           cli_live_help);
}

static int parse_size(const char *text, stream_config *cfg)
{
    int w, h;
    char tail;
    if (sscanf(text, "%dx%d%c", &w, &h, &tail) != 2)
        return cli_usage_error("stream", "--size takes WIDTHxHEIGHT, e.g. 800x480 (got \"%s\")", text);
    if (w < 16 || h < 16 || w > 4096 || h > 4096 || (w % 2) || (h % 2))
        return cli_usage_error("stream", "--size %dx%d: width and height must be even (4:2:0 video has one colour "
                                         "sample per 2x2 pixels) and in 16..4096",
                               w, h);
    cfg->stream.width = w;
    cfg->stream.height = h;
    return 0;
}

static int parse_args(stream_config *cfg, int argc, char **argv)
{
    enum { O_CAPFPS = 1000, O_SIZE };
    static const struct option longopts[] = {
        CLI_LIVE_LONGOPTS,
        { "format", required_argument, NULL, CLI_LIVE_V4L2_FORMAT },
        { "capture-fps", required_argument, NULL, O_CAPFPS },
        { "size", required_argument, NULL, O_SIZE },       { "protocol", required_argument, NULL, 'p' },
        { "driver", required_argument, NULL, 'd' },        { "background", required_argument, NULL, 'b' },
        { "timeout", required_argument, NULL, 't' },       { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },             { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt, rc = 0;
    while ((opt = getopt_long(argc, argv, "p:d:b:t:qvh", longopts, NULL)) != -1) {
        if (cli_common_option(&cfg->common, opt, optarg, &rc) || cli_live_option(&cfg->live, "stream", opt, optarg, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        switch (opt) {
        case O_CAPFPS: rc = cli_parse_int("stream", "--capture-fps", optarg, 1, 1000, &cfg->capture_fps); break;
        case O_SIZE: rc = parse_size(optarg, cfg); break;
        case 'd': cfg->driver = optarg; break;
        case 'b':
            if (cli_parse_background("stream", optarg, &cfg->background))
                return EXIT_USAGE;
            break;
        case 'h': stream_help(); return -1;
        default: return EXIT_USAGE;
        }
        if (rc)
            return rc;
    }
    if (optind != argc - 1)
        return cli_usage_error("stream", "give exactly one RESOURCE (got %d)", argc - optind);
    if (!cli_live_wanted(&cfg->live))
        return cli_usage_error("stream", "choose at least one sink: --v4l2, --http, --y4m or --record");
    if ((rc = cli_live_settle(&cfg->live, "stream")) != 0)
        return rc;
    /* Counted sinks end the run themselves; capping the captures would starve the ones
     * that skip a capture now and then (latest frame wins). Only --http alone ends with
     * the stream's own count. */
    cfg->stream.max_frames = cli_live_counted(&cfg->live) ? 0 : cfg->live.sink.max_frames;
    /* nobody watching: ask the instrument once a second, not hundreds of times */
    cfg->stream.idle_interval_ms = IDLE_INTERVAL_MS;
    return 0;
}

int cmd_stream(int argc, char **argv)
{
    stream_config cfg = { .background = SC_BACKGROUND_NATIVE };
    cli_common_init(&cfg.common);
    cli_live_init(&cfg.live);
    int rc = parse_args(&cfg, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;

    sc_scope_source_options so = {
        .driver_name = cfg.driver,
        .background = cfg.background,
        .timeout_ms = cli_timeout_ms(&cfg.common),
        .min_interval_ms = cfg.capture_fps > 0 ? 1000 / cfg.capture_fps : 0,
    };
    if (!cli_parse_resource(&cfg.common, argv[optind], &so.resource))
        return EXIT_USAGE;
    char what[300];
    snprintf(what, sizeof what, "connecting to %s", argv[optind]);
    cfg.stream.what = what;

    /* a forced driver tells the screen size before anything is connected */
    const sc_driver *forced = cfg.driver ? sc_driver_find(cfg.driver) : NULL;
    if (forced && !cfg.stream.width && forced->width > 0 && forced->height > 0) {
        cfg.stream.width = forced->width & ~1;
        cfg.stream.height = forced->height & ~1;
    }

    sc_error err;
    sc_frame_source *src;
    sc_stream *s;
    if (sc_scope_source_new(&so, &src, &err) != SC_OK || sc_stream_new(src, &cfg.stream, &s, &err) != SC_OK)
        return cli_fail(&err);
    rc = cli_live_run(&cfg.live, &cfg.common, s);
    sc_stream_free(s);
    return rc;
}
