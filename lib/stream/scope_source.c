/* The scope as a frame source: one SCPI session kept open for the whole run, and the
 * driver row's own screenshot recipe, the very one `scopecap shot` runs (lib/capture.c):
 * its set-up once per connection, its screen's part for every frame, its hooks, trailers,
 * file round trips and fallback route included.
 *
 * Pipelining: when the screen's part is a single query, the next request goes out as soon
 * as a frame's last byte has arrived, and only then is the frame handed to the stream to
 * decode and publish. The instrument renders and sends frame N+1 while we convert frame
 * N, so the link never idles. The request is never sent before the previous reply was
 * read completely: IEEE 488.2 instruments discard an unread reply when a new message
 * arrives ("query interrupted"), and vendors.md §2.1 warns against it for the DS1000Z.
 * Recipes with more steps (save a file, *OPC?, read it back, delete it) run whole for
 * every frame. */
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
    sc_recipe *recipe;        /* the row's recipe, set up on this connection */
    const sc_driver *driver;  /* the row of the last connection: its slow first query is budgeted */
    sc_idn idn;
    char where[300];          /* "127.0.0.1:5555", for labels before the IDN is known */
    bool pending;             /* a request is on its way */
    int64_t pending_since_ns; /* when it was sent */
    int64_t last_request_ns;
    bool send_failed;         /* the pipelined request failed: report it on the next call */
    sc_error send_err;
} scope_source;

/* The recipe first (its SAVEd settings go back over the link), then the link. */
static void scope_disconnect(void *impl)
{
    scope_source *p = impl;
    sc_recipe_end(p->recipe);
    p->recipe = NULL;
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

static sc_status set_up(scope_source *p, sc_error *err)
{
    sc_shot_options so = {
        .driver_name = p->o.driver_name,
        .background = p->o.background,
        .timeout_ms = p->o.timeout_ms,
    };
    bool asked = false;
    const sc_driver *d = NULL;
    sc_status st = sc_shot_identify(p->session, &so, p->driver, &p->idn, &d, &asked, err);
    if (st != SC_OK)
        return st;
    p->driver = d;
    sc_recipe_options ro = {
        .background = p->o.background,
        .timeout_ms = p->o.timeout_ms,
        .may_switch_protocol = p->o.resource.protocol == SC_PROTO_AUTO,
        .first_reply_pending = !asked,
        .idn = &p->idn,
        .session_lock = &p->lock,
    };
    return sc_recipe_start(&p->session, d, &ro, &p->recipe, err);
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
    st = set_up(p, err);
    if (st != SC_OK) {
        scope_disconnect(p);
        return st;
    }
    snprintf(label, cap, "%s %s at %s", p->idn.manufacturer, p->idn.model, p->where);
    sc_info("%s: streaming with driver %s (%s)", sc_link_label(sc_session_link(p->session)), p->driver->name,
            sc_recipe_can_pipeline(p->recipe) ? "one query a frame, pipelined" : "the whole screen recipe a frame");
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

static void pace(scope_source *p)
{
    if (p->o.min_interval_ms > 0 && p->last_request_ns)
        sleep_until(p->last_request_ns + (int64_t)p->o.min_interval_ms * 1000000);
    p->last_request_ns = sc_now_ns();
}

/* Pipelining: ask for the next frame now (a single-query recipe only). */
static sc_status send_request(scope_source *p, sc_error *err)
{
    pace(p);
    sc_status st = sc_recipe_request(p->recipe, err);
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
        pace(p);
        p->pending_since_ns = p->last_request_ns;
    }
    sc_status st = sc_recipe_screen(p->recipe, &in->bytes, err);
    p->pending = false;
    if (st != SC_OK)
        return sc_error_prefix(err, "live frame");
    in->requested_ns = p->pending_since_ns;
    /* With a minimum interval that is not due yet, the request waits for the next call
     * instead, so the thread is not held up here. */
    bool due = p->o.min_interval_ms <= 0 ||
               sc_now_ns() >= p->last_request_ns + (int64_t)p->o.min_interval_ms * 1000000;
    if (!in->final && due && sc_recipe_can_pipeline(p->recipe) && send_request(p, &p->send_err) != SC_OK)
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
