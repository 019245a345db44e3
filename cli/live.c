/* The live-video half of the command line: sink options, the sinks, the status line and
 * the wait for the end of a run. Used by `stream` and by `wave --continuous`. */
#include "live.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_SINKS 8
#define STATUS_EVERY_NS 500000000LL
/* Once the sinks are done, the frame in progress may finish for this long: a file round
 * trip then deletes its file on the instrument. */
#define FINISH_GRACE_MS 3000

const char cli_live_help[] =
    "sinks (at least one):\n"
    "      --v4l2 /dev/videoN        a v4l2loopback camera for video calls, OBS, browsers\n"
    "      --v4l2-format yuyv|i420|mjpeg  its pixel format (default yuyv)\n"
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
    "      --frames N                stop after N frames (y4m, v4l2, record each write N; with\n"
    "                                --record one file per capture, a still screen too)\n"
    "      --jpeg-quality Q          1..100 for MJPEG and JPEG (default 80)\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

void cli_live_init(cli_live *l)
{
    memset(l, 0, sizeof *l);
    l->sink.fps = 10;
    l->sink.v4l2_format = SC_V4L2_YUYV;
    l->sink.record_format = SC_IMAGE_PNG;
}

int cli_parse_int(const char *cmd, const char *opt, const char *text, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < lo || v > hi)
        return cli_usage_error(cmd, "%s takes a whole number in %d..%d (got \"%s\")", opt, lo, hi, text);
    *out = (int)v;
    return 0;
}

static int parse_record_format(const char *cmd, const char *text, sc_image_format *out)
{
    if (strcmp(text, "png") == 0)
        *out = SC_IMAGE_PNG;
    else if (strcmp(text, "jpeg") == 0 || strcmp(text, "jpg") == 0)
        *out = SC_IMAGE_JPEG;
    else
        return cli_usage_error(cmd, "--record-format takes png or jpeg, not \"%s\"", text);
    return 0;
}

bool cli_live_option(cli_live *l, const char *cmd, int opt, const char *arg, int *exit_code)
{
    sc_error err;
    int rc = 0;
    switch (opt) {
    case CLI_LIVE_V4L2: l->v4l2 = arg; break;
    case CLI_LIVE_V4L2_FORMAT:
        if (sc_v4l2_format_parse(arg, &l->sink.v4l2_format, &err) != SC_OK)
            rc = cli_usage_error(cmd, "%s", err.message);
        break;
    case CLI_LIVE_HTTP: l->http = arg; break;
    case CLI_LIVE_AUTH: l->sink.http_auth = arg; break;
    case CLI_LIVE_MAX_CLIENTS:
        rc = cli_parse_int(cmd, "--http-max-clients", arg, 1, 10000, &l->sink.http_max_clients);
        break;
    case CLI_LIVE_Y4M: l->y4m = arg; break;
    case CLI_LIVE_RECORD: l->record = arg; break;
    case CLI_LIVE_RECORD_FORMAT: rc = parse_record_format(cmd, arg, &l->sink.record_format); break;
    case CLI_LIVE_FPS: rc = cli_parse_int(cmd, "--fps", arg, 0, 240, &l->sink.fps); break;
    case CLI_LIVE_FRAMES: rc = cli_parse_int(cmd, "--frames", arg, 1, 1000000000, &l->sink.max_frames); break;
    case CLI_LIVE_QUALITY: rc = cli_parse_int(cmd, "--jpeg-quality", arg, 1, 100, &l->sink.jpeg_quality); break;
    default: return false;
    }
    *exit_code = rc;
    return true;
}

bool cli_live_wanted(const cli_live *l)
{
    return l->v4l2 || l->http || l->y4m || l->record;
}

bool cli_live_counted(const cli_live *l)
{
    return l->v4l2 || l->y4m || l->record;
}

int cli_live_settle(const cli_live *l, const char *cmd)
{
    if (l->sink.http_auth && !l->http)
        return cli_usage_error(cmd, "--http-auth needs --http");
    if (l->v4l2 && l->sink.fps == 0)
        return cli_usage_error(cmd, "--v4l2 needs a frame rate: --fps 1..240");
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

static int open_sinks(const cli_live *l, sc_stream *s, sink_set *set)
{
    sc_error err;
    sc_sink *k;
    struct {
        const char *arg;
        sc_status (*open)(sc_stream *, const char *, const sc_sink_options *, sc_sink **, sc_error *);
        bool counted;
    } wanted[] = {
        { l->v4l2, sc_sink_v4l2_open, true },
        { l->y4m, sc_sink_y4m_open, true },
        { l->record, sc_sink_record_open, true },
        { l->http, sc_sink_http_open, false },
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        if (!wanted[i].arg)
            continue;
        if (wanted[i].open(s, wanted[i].arg, &l->sink, &k, &err) != SC_OK) {
            close_sinks(set);
            return cli_fail(&err);
        }
        set->counted[set->n] = wanted[i].counted;
        set->k[set->n++] = k;
    }
    return 0;
}

static void announce(const cli_live *l, const sink_set *set)
{
    for (int i = 0; i < set->n; i++) {
        sc_sink_stats st;
        sc_sink_get_stats(set->k[i], &st);
        if (strcmp(st.name, "http") == 0) {
            bool loopback = strncmp(sc_sink_where(set->k[i]), "http://127.", 11) == 0 ||
                            strncmp(sc_sink_where(set->k[i]), "http://[::1]", 12) == 0;
            fprintf(stderr, "scopecap: http: serving %s%s%s\n", sc_sink_where(set->k[i]),
                    loopback ? " (this computer only; --http 0.0.0.0:PORT shares it on the network)" : "",
                    l->sink.http_auth ? " with basic auth" : "");
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

static run_end check_end(sc_stream *s, const sink_set *set, int *failed)
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
    /* only http: the run ends with the stream (--frames, or a failure that cannot mend) */
    if (!any_counted && sc_stream_finished(s))
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
static int wait_for_end(sc_stream *s, sink_set *set, const cli_common *common)
{
    bool status_line = !common->quiet && isatty(STDERR_FILENO);
    int64_t start = sc_now_ns(), next_status = start;
    int failed = -1;
    run_end end;
    while ((end = check_end(s, set, &failed)) == RUN_ON) {
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
    if (!common->quiet)
        summary(s, set, (double)(sc_now_ns() - start) / 1e9);
    return code;
}

int cli_live_run(const cli_live *l, const cli_common *common, sc_stream *s)
{
    install_signals();
    sink_set set = { .n = 0 };
    sc_error err;
    int rc = open_sinks(l, s, &set);
    if (rc == 0 && sc_stream_start(s, &err) != SC_OK)
        rc = cli_fail(&err);
    if (rc == 0) {
        if (!common->quiet)
            announce(l, &set);
        rc = wait_for_end(s, &set, common);
    }
    /* Ctrl-C stops at once; a run that is done lets the frame in progress finish */
    if (stop_signal)
        sc_stream_stop(s);
    else
        sc_stream_stop_after_frame(s, FINISH_GRACE_MS);
    close_sinks(&set);
    return rc;
}
