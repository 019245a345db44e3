/* scopecap stream: the scope's screen as live video, into any mix of sinks at once:
 * a v4l2loopback camera, MJPEG over HTTP with a live page, YUV4MPEG2 for ffmpeg, and
 * numbered image files. */
#include "cli.h"

#include "scopecap/stream.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_SINKS 8
#define STATUS_EVERY_NS 500000000LL

typedef struct stream_config {
    cli_common common;
    const char *v4l2, *http, *y4m, *record;
    const char *driver;
    sc_background background;
    sc_sink_options sink;
    sc_stream_options stream;
    int capture_fps;
} stream_config;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void stream_help(void)
{
    printf("usage: scopecap stream [options] RESOURCE\n"
           "The instrument's screen as live video, into one or more sinks at once.\n\n"
           "sinks (at least one):\n"
           "      --v4l2 /dev/videoN        a v4l2loopback camera for video calls, OBS, browsers\n"
           "      --format yuyv|i420|mjpeg  its pixel format (default yuyv)\n"
           "      --http [ADDR:]PORT        live page, /stream (MJPEG), /snapshot, /snapshot.png, /state;\n"
           "                                binds 127.0.0.1 unless ADDR is given (0.0.0.0: every interface)\n"
           "      --http-auth USER:PASS     require HTTP basic auth\n"
           "      --http-max-clients N      connections at once (default 64)\n"
           "      --y4m PATH|-              YUV4MPEG2 into a file, a pipe or standard output (for ffmpeg)\n"
           "      --record DIR              every distinct frame as DIR/frame-NNNNNN.png\n"
           "      --record-format png|jpeg\n\n"
           "pacing and quality:\n"
           "      --fps N                   frames a second written to v4l2 and y4m (default 10;\n"
           "                                y4m with 0: one frame per capture)\n"
           "      --capture-fps N           ask the instrument at most N times a second (default: as\n"
           "                                fast as it answers)\n"
           "      --frames N                stop after N frames (y4m, v4l2, record each write N)\n"
           "      --jpeg-quality Q          1..100 for MJPEG and JPEG (default 80)\n"
           "      --size WxH                frame size every sink gets (default 800x480)\n\n"
           "instrument:\n"
           "  -p, --protocol auto|vicp|vxi11|hislip|raw|usbtmc\n"
           "  -d, --driver NAME              force a driver (scopecap shot --list-drivers)\n"
           "  -b, --background white|black   ink-saver (white) or native look (black)\n"
           "  -t, --timeout SECONDS          per exchange, plus the render time (default 10)\n"
           "  -q, --quiet  -v, --verbose\n\n"
           "When the instrument goes away the sinks keep running and show NO SIGNAL with the\n"
           "reason while scopecap reconnects. A status line shows on a terminal. Ctrl-C stops.\n");
}

static int parse_int(const char *opt, const char *text, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < lo || v > hi)
        return cli_usage_error("stream", "%s takes a whole number in %d..%d (got \"%s\")", opt, lo, hi, text);
    *out = (int)v;
    return 0;
}

static int parse_size(const char *text, stream_config *cfg)
{
    int w, h;
    char tail;
    if (sscanf(text, "%dx%d%c", &w, &h, &tail) != 2)
        return cli_usage_error("stream", "--size takes WIDTHxHEIGHT, e.g. 800x480 (got \"%s\")", text);
    cfg->stream.width = w;
    cfg->stream.height = h;
    return 0;
}

static int parse_args(stream_config *cfg, int argc, char **argv)
{
    enum {
        O_V4L2 = 1000, O_FORMAT, O_HTTP, O_AUTH, O_MAXCL, O_Y4M, O_RECORD, O_RECFMT, O_FPS, O_CAPFPS, O_FRAMES,
        O_QUALITY, O_SIZE,
    };
    static const struct option longopts[] = {
        { "v4l2", required_argument, NULL, O_V4L2 },       { "format", required_argument, NULL, O_FORMAT },
        { "http", required_argument, NULL, O_HTTP },       { "http-auth", required_argument, NULL, O_AUTH },
        { "http-max-clients", required_argument, NULL, O_MAXCL },
        { "y4m", required_argument, NULL, O_Y4M },         { "record", required_argument, NULL, O_RECORD },
        { "record-format", required_argument, NULL, O_RECFMT },
        { "fps", required_argument, NULL, O_FPS },         { "capture-fps", required_argument, NULL, O_CAPFPS },
        { "frames", required_argument, NULL, O_FRAMES },   { "jpeg-quality", required_argument, NULL, O_QUALITY },
        { "size", required_argument, NULL, O_SIZE },       { "protocol", required_argument, NULL, 'p' },
        { "driver", required_argument, NULL, 'd' },        { "background", required_argument, NULL, 'b' },
        { "timeout", required_argument, NULL, 't' },       { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },             { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt, rc = 0;
    sc_error err;
    while ((opt = getopt_long(argc, argv, "p:d:b:t:qvh", longopts, NULL)) != -1) {
        if (cli_common_option(&cfg->common, opt, optarg, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        switch (opt) {
        case O_V4L2: cfg->v4l2 = optarg; break;
        case O_FORMAT:
            if (sc_v4l2_format_parse(optarg, &cfg->sink.v4l2_format, &err) != SC_OK)
                return cli_fail(&err);
            break;
        case O_HTTP: cfg->http = optarg; break;
        case O_AUTH: cfg->sink.http_auth = optarg; break;
        case O_MAXCL: rc = parse_int("--http-max-clients", optarg, 1, 10000, &cfg->sink.http_max_clients); break;
        case O_Y4M: cfg->y4m = optarg; break;
        case O_RECORD: cfg->record = optarg; break;
        case O_RECFMT:
            if (strcmp(optarg, "png") == 0)
                cfg->sink.record_format = SC_IMAGE_PNG;
            else if (strcmp(optarg, "jpeg") == 0 || strcmp(optarg, "jpg") == 0)
                cfg->sink.record_format = SC_IMAGE_JPEG;
            else
                return cli_usage_error("stream", "--record-format takes png or jpeg, not \"%s\"", optarg);
            break;
        case O_FPS: rc = parse_int("--fps", optarg, 0, 240, &cfg->sink.fps); break;
        case O_CAPFPS: rc = parse_int("--capture-fps", optarg, 1, 1000, &cfg->capture_fps); break;
        case O_FRAMES: rc = parse_int("--frames", optarg, 1, 1000000000, &cfg->sink.max_frames); break;
        case O_QUALITY: rc = parse_int("--jpeg-quality", optarg, 1, 100, &cfg->sink.jpeg_quality); break;
        case O_SIZE: rc = parse_size(optarg, cfg); break;
        case 'd': cfg->driver = optarg; break;
        case 'b':
            if (strcmp(optarg, "white") == 0)
                cfg->background = SC_BACKGROUND_WHITE;
            else if (strcmp(optarg, "black") == 0)
                cfg->background = SC_BACKGROUND_BLACK;
            else
                return cli_usage_error("stream", "-b takes white or black, not \"%s\"", optarg);
            break;
        case 'h': stream_help(); return -1;
        default: return EXIT_USAGE;
        }
        if (rc)
            return rc;
    }
    if (optind != argc - 1)
        return cli_usage_error("stream", "give exactly one RESOURCE (got %d)", argc - optind);
    if (!cfg->v4l2 && !cfg->http && !cfg->y4m && !cfg->record)
        return cli_usage_error("stream", "choose at least one sink: --v4l2, --http, --y4m or --record");
    if (cfg->sink.http_auth && !cfg->http)
        return cli_usage_error("stream", "--http-auth needs --http");
    if (cfg->v4l2 && cfg->sink.fps == 0)
        return cli_usage_error("stream", "--v4l2 needs a frame rate: --fps 1..240");
    cfg->stream.max_frames = cfg->sink.max_frames;
    return 0;
}

/* ---- sinks ---- */

typedef struct sink_set {
    sc_sink *k[MAX_SINKS];
    bool counted[MAX_SINKS]; /* ends after --frames frames */
    int n;
} sink_set;

static void close_sinks(sink_set *set)
{
    for (int i = 0; i < set->n; i++)
        sc_sink_close(set->k[i]);
    set->n = 0;
}

static int open_sinks(const stream_config *cfg, sc_stream *s, sink_set *set)
{
    sc_error err;
    sc_sink *k;
    struct {
        const char *arg;
        sc_status (*open)(sc_stream *, const char *, const sc_sink_options *, sc_sink **, sc_error *);
        bool counted;
    } wanted[] = {
        { cfg->v4l2, sc_sink_v4l2_open, true },
        { cfg->y4m, sc_sink_y4m_open, true },
        { cfg->record, sc_sink_record_open, true },
        { cfg->http, sc_sink_http_open, false },
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        if (!wanted[i].arg)
            continue;
        if (wanted[i].open(s, wanted[i].arg, &cfg->sink, &k, &err) != SC_OK) {
            close_sinks(set);
            return cli_fail(&err);
        }
        set->counted[set->n] = wanted[i].counted;
        set->k[set->n++] = k;
    }
    return 0;
}

static void announce(const stream_config *cfg, const sink_set *set)
{
    if (cfg->common.quiet)
        return;
    for (int i = 0; i < set->n; i++) {
        sc_sink_stats st;
        sc_sink_get_stats(set->k[i], &st);
        if (strcmp(st.name, "http") == 0) {
            bool loopback = strncmp(sc_sink_where(set->k[i]), "http://127.", 11) == 0 ||
                            strncmp(sc_sink_where(set->k[i]), "http://[::1]", 12) == 0;
            fprintf(stderr, "scopecap: http: serving %s%s%s\n", sc_sink_where(set->k[i]),
                    loopback ? " (this computer only; --http 0.0.0.0:PORT shares it on the network)" : "",
                    cfg->sink.http_auth ? " with basic auth" : "");
        } else {
            fprintf(stderr, "scopecap: %s: writing %s\n", st.name, sc_sink_where(set->k[i]));
        }
    }
}

/* ---- the status line ---- */

static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 100;
}

static void draw_status(sc_stream *s, const sink_set *set)
{
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    /* the numbers first: a narrow terminal cuts the end of the line */
    char line[1024];
    size_t n = (size_t)snprintf(line, sizeof line, "[%s] in %.1f fps, latency %.0f ms",
                                sc_link_state_name(st.state), st.input_fps, st.latency_ms);
    for (int i = 0; i < set->n && n < sizeof line; i++) {
        sc_sink_stats ks;
        sc_sink_get_stats(set->k[i], &ks);
        if (strcmp(ks.name, "http") == 0)
            n += (size_t)snprintf(line + n, sizeof line - n, " | http %d client%s %.1f fps", ks.clients,
                                  ks.clients == 1 ? "" : "s", ks.fps);
        else
            n += (size_t)snprintf(line + n, sizeof line - n, " | %s %.1f fps%s", ks.name, ks.fps,
                                  ks.failed ? " FAILED" : ks.done ? " done" : "");
    }
    if (n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, " | %.200s", st.label);
    if (st.state != SC_LINK_UP && st.reason[0] && n < sizeof line)
        snprintf(line + n, sizeof line - n, " | %.300s", st.reason);
    int w = terminal_width() - 1;
    fprintf(stderr, "\r%.*s\033[K", w, line);
    fflush(stderr);
}

/* ---- running ---- */

typedef enum run_end { RUN_ON, RUN_DONE, RUN_SIGNAL, RUN_SINK_FAILED } run_end;

static run_end check_end(sc_stream *s, const sink_set *set, const stream_config *cfg, int *failed)
{
    if (stop_signal)
        return RUN_SIGNAL;
    bool any_counted = false, counted_done = true;
    for (int i = 0; i < set->n; i++) {
        sc_sink_stats ks;
        sc_sink_get_stats(set->k[i], &ks);
        if (ks.failed) {
            *failed = i;
            return RUN_SINK_FAILED;
        }
        if (set->counted[i]) {
            any_counted = true;
            counted_done = counted_done && ks.done;
        }
    }
    if (any_counted && counted_done)
        return RUN_DONE;
    /* only http: with --frames the run ends with the stream */
    if (!any_counted && cfg->sink.max_frames > 0 && sc_stream_finished(s))
        return RUN_DONE;
    return RUN_ON;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed pipe or socket is an error return, not death */
}

static void summary(sc_stream *s, const sink_set *set, double seconds)
{
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    fprintf(stderr, "scopecap: stream: %llu captures (%llu distinct) in %.1f s, %.2f fps",
            (unsigned long long)st.captures, (unsigned long long)st.distinct, seconds,
            seconds > 0 ? (double)st.captures / seconds : 0.0);
    for (int i = 0; i < set->n; i++) {
        sc_sink_stats ks;
        sc_sink_get_stats(set->k[i], &ks);
        fprintf(stderr, "; %s %llu %s", ks.name, (unsigned long long)ks.frames,
                strcmp(ks.name, "http") == 0 ? "parts" : "frames");
    }
    fprintf(stderr, "\n");
}

/* Wait until the run ends; returns the exit code. */
static int run(sc_stream *s, sink_set *set, const stream_config *cfg)
{
    bool status_line = !cfg->common.quiet && isatty(STDERR_FILENO);
    int64_t start = sc_now_ns(), next_status = start;
    int failed = -1;
    run_end end;
    while ((end = check_end(s, set, cfg, &failed)) == RUN_ON) {
        if (status_line && sc_now_ns() >= next_status) {
            draw_status(s, set);
            next_status += STATUS_EVERY_NS;
        }
        struct timespec ts = { 0, 50 * 1000000 };
        nanosleep(&ts, NULL);
    }
    if (status_line)
        fprintf(stderr, "\r\033[K");
    int code = 0;
    sc_error err;
    if (end == RUN_SINK_FAILED && sc_sink_error(set->k[failed], &err) != SC_OK) {
        /* a reader that went away (ffmpeg -frames, head) ends the run, it is no failure */
        if (err.code == SC_ERR_CLOSED)
            sc_info("%s", err.message);
        else
            code = cli_fail(&err);
    }
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    if (code == 0 && st.captures == 0 && st.last_error != SC_OK) {
        fprintf(stderr, "scopecap: error: no frame came from the instrument: %s\n", st.reason);
        code = sc_status_exit_code(st.last_error);
    }
    if (!cfg->common.quiet)
        summary(s, set, (double)(sc_now_ns() - start) / 1e9);
    return code;
}

int cmd_stream(int argc, char **argv)
{
    stream_config cfg = { .background = SC_BACKGROUND_NATIVE };
    cli_common_init(&cfg.common);
    cfg.sink.fps = 10;
    cfg.sink.v4l2_format = SC_V4L2_YUYV;
    cfg.sink.record_format = SC_IMAGE_PNG;
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
    install_signals();
    sink_set set = { .n = 0 };
    /* sinks first: the v4l2 placeholder and the HTTP port exist before the scope answers */
    rc = open_sinks(&cfg, s, &set);
    if (rc == 0 && sc_stream_start(s, &err) != SC_OK)
        rc = cli_fail(&err);
    if (rc == 0) {
        announce(&cfg, &set);
        rc = run(s, &set, &cfg);
    }
    sc_stream_stop(s);
    close_sinks(&set);
    sc_stream_free(s);
    return rc;
}
