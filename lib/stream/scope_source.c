/* The scope as a frame source: one SCPI session kept open for the whole run, the driver
 * row's live-frame query, and pipelining.
 *
 * Pipelining: as soon as a frame's last byte has arrived, the next request goes out, and
 * only then is the frame handed to the stream to decode and publish. The instrument
 * renders and sends frame N+1 while we convert frame N, so the link never idles. The
 * request is never sent before the previous reply was read completely: IEEE 488.2
 * instruments discard an unread reply when a new message arrives ("query interrupted"),
 * and vendors.md §2.1 warns against it for the DS1000Z. */
#include "stream/stream_internal.h"

#include "transport/transport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

typedef struct scope_source {
    sc_scope_source_options o;
    pthread_mutex_t lock;     /* guards `session` against interrupt() from another thread */
    bool interrupted;
    sc_session *session;
    const sc_driver *driver;
    char query[256];
    char where[300];          /* "127.0.0.1:5555", for labels before the IDN is known */
    bool pending;             /* a request is on its way */
    int64_t pending_since_ns; /* when it was sent */
    int64_t last_request_ns;
    bool send_failed;         /* the pipelined request failed: report it on the next call */
    sc_error send_err;
} scope_source;

static sc_status choose_driver(scope_source *p, const sc_idn *idn, sc_error *err)
{
    const char *label = sc_link_label(sc_session_link(p->session));
    if (p->o.driver_name) {
        p->driver = sc_driver_find(p->o.driver_name);
        if (!p->driver)
            return sc_error_set(err, SC_ERR_USAGE, "no driver named \"%s\" (scopecap shot --list-drivers shows them)",
                                p->o.driver_name);
    } else {
        p->driver = sc_driver_match(idn);
        if (!p->driver)
            return sc_error_set(err, SC_ERR_INSTRUMENT,
                                "%s: no driver matches \"%s\" model \"%s\"; try -d NAME (scopecap shot --list-drivers)",
                                label, idn->manufacturer, idn->model);
    }
    if (!p->driver->live_query)
        return sc_error_set(err, SC_ERR_UNSUPPORTED,
                            "%s: driver %s has no live-frame recipe, so it cannot stream yet; use scopecap shot, and please report the model",
                            label, p->driver->name);
    /* The live query is written like the screenshot query ("{invert}" holes): expand it
     * through the same function by looking at a copy of the row whose image query is the
     * live one. */
    sc_driver live = *p->driver;
    live.screenshot_query = p->driver->live_query;
    sc_driver_screenshot_query(&live, p->o.background, p->query, sizeof p->query);
    return SC_OK;
}

static sc_status run_setup(scope_source *p, sc_error *err)
{
    for (int i = 0; i < SC_DRIVER_MAX_SETUP && p->driver->setup[i]; i++) {
        sc_status st = sc_session_write(p->session, p->driver->setup[i], sc_deadline_in_ms(p->o.timeout_ms), err);
        if (st != SC_OK)
            return st;
    }
    return SC_OK;
}

static void scope_disconnect(void *impl)
{
    scope_source *p = impl;
    pthread_mutex_lock(&p->lock);
    sc_session *s = p->session;
    p->session = NULL;
    pthread_mutex_unlock(&p->lock);
    sc_session_close(s);
    p->pending = false;
    p->send_failed = false;
}

/* Shutting the socket down makes a read or write blocked on it return at once; the
 * capture thread then sees an error, notices the stop and closes the session itself. */
static void scope_interrupt(void *impl)
{
    scope_source *p = impl;
    pthread_mutex_lock(&p->lock);
    p->interrupted = true;
    if (p->session) {
        sc_link *link = sc_session_link(p->session);
        if (link->fd >= 0)
            shutdown(link->fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&p->lock);
}

static sc_status scope_connect(void *impl, char *label, size_t cap, sc_error *err)
{
    scope_source *p = impl;
    scope_disconnect(p);
    sc_session *s = NULL;
    sc_status st = sc_session_open(&p->o.resource, sc_deadline_in_ms(p->o.timeout_ms), &s, err);
    if (st != SC_OK)
        return st;
    pthread_mutex_lock(&p->lock);
    p->session = s;
    bool stopped = p->interrupted;
    pthread_mutex_unlock(&p->lock);
    if (stopped) {
        scope_disconnect(p);
        return sc_error_set(err, SC_ERR_CLOSED, "stopped");
    }
    sc_idn idn;
    st = sc_session_identify(p->session, &idn, sc_deadline_in_ms(p->o.timeout_ms), err);
    if (st == SC_OK)
        st = choose_driver(p, &idn, err);
    if (st == SC_OK)
        st = run_setup(p, err);
    if (st != SC_OK) {
        scope_disconnect(p);
        return st;
    }
    snprintf(label, cap, "%s %s at %s", idn.manufacturer, idn.model, p->where);
    sc_info("%s: streaming with driver %s, asking \"%s\"", sc_link_label(sc_session_link(p->session)),
            p->driver->name, p->query);
    return SC_OK;
}

static void sleep_until(int64_t at_ns)
{
    int64_t left = at_ns - sc_now_ns();
    if (left <= 0)
        return;
    struct timespec ts = { .tv_sec = (time_t)(left / 1000000000), .tv_nsec = (long)(left % 1000000000) };
    nanosleep(&ts, NULL);
}

static sc_status send_request(scope_source *p, sc_error *err)
{
    if (p->o.min_interval_ms > 0 && p->last_request_ns)
        sleep_until(p->last_request_ns + (int64_t)p->o.min_interval_ms * 1000000);
    p->last_request_ns = sc_now_ns();
    sc_status st = sc_session_write(p->session, p->query, sc_deadline_in_ms(p->o.timeout_ms), err);
    if (st != SC_OK)
        return st;
    p->pending = true;
    p->pending_since_ns = p->last_request_ns;
    return SC_OK;
}

static sc_status scope_next(void *impl, sc_frame_input *in, sc_error *err)
{
    scope_source *p = impl;
    if (p->send_failed) {
        *err = p->send_err;
        p->send_failed = false;
        return err->code;
    }
    if (!p->pending) {
        sc_status st = send_request(p, err);
        if (st != SC_OK)
            return st;
    }
    /* the instrument's render time is part of every frame's budget */
    sc_deadline deadline = sc_deadline_in_ms((int64_t)p->o.timeout_ms + p->driver->render_ms);
    sc_status st = sc_session_read_reply(p->session, &in->bytes, NULL, deadline, err);
    p->pending = false;
    if (st != SC_OK)
        return sc_error_prefix(err, "live frame");
    in->requested_ns = p->pending_since_ns;
    /* Pipelining: ask for the next frame now, before the stream converts this one. With
     * a minimum interval that is not due yet, the request waits for the next call
     * instead, so the thread is not held up here. */
    bool due = p->o.min_interval_ms <= 0 ||
               sc_now_ns() >= p->last_request_ns + (int64_t)p->o.min_interval_ms * 1000000;
    if (!in->final && due && send_request(p, &p->send_err) != SC_OK)
        p->send_failed = true;
    return SC_OK;
}

static void scope_destroy(void *impl)
{
    scope_source *p = impl;
    scope_disconnect(p);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

static const sc_frame_source_ops scope_ops = {
    .kind = "scope",
    .connect = scope_connect,
    .next = scope_next,
    .disconnect = scope_disconnect,
    .interrupt = scope_interrupt,
    .destroy = scope_destroy,
};

sc_status sc_scope_source_new(const sc_scope_source_options *opts, sc_frame_source **out, sc_error *err)
{
    *out = NULL;
    if (opts->timeout_ms <= 0)
        return sc_error_set(err, SC_ERR_USAGE, "scope source: the timeout must be above 0 ms");
    scope_source *p = calloc(1, sizeof *p);
    sc_frame_source *src = calloc(1, sizeof *src);
    if (!p || !src) {
        free(p);
        free(src);
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    }
    p->o = *opts;
    pthread_mutex_init(&p->lock, NULL);
    sc_resource_describe(&p->o.resource, p->where, sizeof p->where);
    src->ops = &scope_ops;
    src->impl = p;
    *out = src;
    return SC_OK;
}
