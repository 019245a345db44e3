/* YUV4MPEG2 sink: planar 4:2:0 frames for ffmpeg and friends (streaming.md §3.1).
 *
 *   YUV4MPEG2 W800 H480 F10:1 Ip A1:1 C420jpeg XYSCSS=420JPEG XCOLORRANGE=LIMITED\n
 *   FRAME\n <Y w*h> <Cb (w/2)*(h/2)> <Cr (w/2)*(h/2)>  ...
 *
 * The header is byte for byte what FFmpeg 5.1 writes for yuv420p. Readers time frames
 * by their index (frame n is at n/F seconds), so frames go out at a fixed cadence: the
 * newest frame on every tick, repeated when the scope is slower, so a recording keeps
 * real time. With fps 0 a frame goes out for every capture instead (F0:0, "unknown").
 *
 * A reader that stalls must not hang the program: on pipes and sockets the sink waits
 * for room with poll() and writes at most PIPE_BUF bytes at a time, which a pipe that
 * polled writable always takes whole, so a stop request is seen within 200 ms. */
#include "stream/stream_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct y4m_sink {
    sc_sink base;
    int fd;
    bool own_fd;
    bool chunked; /* pipe or socket: poll and write PIPE_BUF at a time */
} y4m_sink;

/* Write everything, or fail: a closed reader (EPIPE) and stop requests end it. */
static sc_status write_all(y4m_sink *y, const uint8_t *p, size_t n, sc_error *err)
{
    while (n > 0) {
        size_t chunk = n;
        if (y->chunked) {
            struct pollfd pfd = { .fd = y->fd, .events = POLLOUT };
            int r = poll(&pfd, 1, 200);
            if (r < 0 && errno != EINTR)
                return sc_error_set(err, SC_ERR_IO, "y4m: poll on %s failed: %s", y->base.where, strerror(errno));
            if (sc_waiter_stopped(&y->base.waiter))
                return sc_error_set(err, SC_ERR_CLOSED, "y4m: stopped");
            if (r <= 0)
                continue;
            if (pfd.revents & (POLLERR | POLLHUP) && !(pfd.revents & POLLOUT))
                return sc_error_set(err, SC_ERR_CLOSED, "y4m: the reader of %s has gone away", y->base.where);
            if (chunk > PIPE_BUF)
                chunk = PIPE_BUF;
        }
        ssize_t w = write(y->fd, p, chunk);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (errno == EPIPE)
                return sc_error_set(err, SC_ERR_CLOSED, "y4m: the reader of %s has gone away (broken pipe)",
                                    y->base.where);
            return sc_error_set(err, SC_ERR_IO, "y4m: writing %s failed: %s (disk full?)", y->base.where,
                                strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return SC_OK;
}

static sc_status write_header(y4m_sink *y, sc_error *err)
{
    char h[160];
    int fps = y->base.o.fps;
    int n = snprintf(h, sizeof h, "YUV4MPEG2 W%d H%d F%d:%d Ip A1:1 C420jpeg XYSCSS=420JPEG XCOLORRANGE=LIMITED\n",
                     sc_stream_width(y->base.stream), sc_stream_height(y->base.stream), fps, fps ? 1 : 0);
    return write_all(y, (const uint8_t *)h, (size_t)n, err);
}

static sc_status write_frame(y4m_sink *y, sc_frame *f, sc_error *err)
{
    sc_blob *b = sc_frame_i420(f, err);
    if (!b)
        return err->code;
    sc_status st = write_all(y, (const uint8_t *)"FRAME\n", 6, err);
    if (st == SC_OK)
        st = write_all(y, sc_blob_data(b), sc_blob_len(b), err);
    sc_blob_unref(b);
    return st;
}

/* Wait for what goes out next: with a cadence the newest frame at the next tick, without
 * one the frame of the next capture. NULL when it is time to end. */
static sc_frame *next_frame(y4m_sink *y, sc_cadence *c, uint64_t *capture)
{
    sc_sink *k = &y->base;
    if (k->o.fps > 0) {
        if (!sc_cadence_wait(c, k))
            return NULL;
        /* with a frame budget the sink runs it out on repeats; without one it ends with the stream */
        if (k->o.max_frames <= 0 && sc_stream_finished(k->stream))
            return NULL;
        return sc_stream_latest(k->stream);
    }
    while (!sc_waiter_stopped(&k->waiter)) {
        uint64_t n = sc_stream_wait_capture(k->stream, *capture, sc_deadline_in_ms(200));
        if (n > *capture) {
            *capture = n;
            return sc_stream_latest(k->stream);
        }
        if (sc_stream_finished(k->stream))
            return NULL;
    }
    return NULL;
}

static void *y4m_main(void *arg)
{
    y4m_sink *y = arg;
    sc_sink *k = &y->base;
    /* a reader that goes away must end this sink, not the process */
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);

    sc_error err;
    sc_frame *f = sc_sink_wait_first_frame(k);
    if (!f) {
        sc_sink_mark_done(k);
        return NULL;
    }
    sc_cadence c;
    sc_cadence_init(&c, k->o.fps);
    uint64_t capture = 0;
    sc_status st = write_header(y, &err);
    while (st == SC_OK && f) {
        st = write_frame(y, f, &err);
        sc_frame_unref(f);
        f = NULL;
        if (st != SC_OK || sc_sink_count_frame(k))
            break;
        f = next_frame(y, &c, &capture);
    }
    sc_frame_unref(f);
    if (st != SC_OK && !sc_waiter_stopped(&k->waiter))
        sc_sink_fail(k, &err);
    else
        sc_sink_mark_done(k);
    return NULL;
}

static void y4m_destroy(sc_sink *k)
{
    y4m_sink *y = (y4m_sink *)k;
    if (y->own_fd)
        close(y->fd);
}

static const sc_sink_ops y4m_ops = { .name = "y4m", .destroy = y4m_destroy };

static sc_status open_output(y4m_sink *y, const char *path, sc_error *err)
{
    if (strcmp(path, "-") == 0) {
        y->fd = STDOUT_FILENO;
        snprintf(y->base.where, sizeof y->base.where, "standard output");
    } else {
        y->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (y->fd < 0)
            return sc_error_set(err, SC_ERR_IO, "y4m: cannot open %s for writing: %s", path, strerror(errno));
        y->own_fd = true;
        snprintf(y->base.where, sizeof y->base.where, "%s", path);
    }
    struct stat sb;
    y->chunked = fstat(y->fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
    return SC_OK;
}

sc_status sc_sink_y4m_open(sc_stream *s, const char *path, const sc_sink_options *o, sc_sink **out, sc_error *err)
{
    *out = NULL;
    if (o->fps < 0 || o->fps > 240)
        return sc_error_set(err, SC_ERR_USAGE, "y4m: --fps %d is outside 0..240", o->fps);
    y4m_sink *y = calloc(1, sizeof *y);
    if (!y)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    y->fd = -1;
    sc_sink_base_init(&y->base, &y4m_ops, s, o);
    sc_status st = open_output(y, path, err);
    if (st == SC_OK)
        st = sc_sink_start_thread(&y->base, y4m_main, err);
    if (st != SC_OK) {
        y4m_destroy(&y->base);
        sc_sink_base_destroy(&y->base);
        free(y);
        return st;
    }
    *out = &y->base;
    return SC_OK;
}
