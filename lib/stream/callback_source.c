/* Any producer of frames as a source: a function that fills the frame input. This is how
 * rendered pictures (eFirmata plots, test patterns) join the same pipeline and sinks as a
 * scope's screen. The function may block; it is paced to `interval_ms` at most. Stopping
 * the stream cuts the pause short and calls the producer's own interrupt, if it has one,
 * so a capture waiting for a trigger that never fires does not hold up Ctrl-C. */
#include "stream/stream_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct callback_source {
    char label[256];
    sc_frame_produce_fn produce;
    sc_frame_interrupt_fn interrupt;
    void *ctx;
    int interval_ms;
    int64_t last_ns;
    sc_waiter waiter; /* the pause between calls, cut short by interrupt */
} callback_source;

static sc_status callback_connect(void *impl, char *label, size_t cap, sc_error *err)
{
    (void)err;
    callback_source *p = impl;
    snprintf(label, cap, "%s", p->label);
    return SC_OK;
}

/* False when interrupted during the pause. */
static bool wait_interval(callback_source *p)
{
    if (p->interval_ms <= 0 || !p->last_ns)
        return !sc_waiter_stopped(&p->waiter);
    return sc_waiter_sleep_until(&p->waiter, p->last_ns + (int64_t)p->interval_ms * 1000000);
}

static sc_status callback_next(void *impl, sc_frame_input *in, sc_error *err)
{
    callback_source *p = impl;
    if (!wait_interval(p))
        return sc_error_set(err, SC_ERR_CLOSED, "%s: stopped", p->label);
    p->last_ns = sc_now_ns();
    in->requested_ns = p->last_ns;
    sc_error_clear(err);
    sc_status st = p->produce(p->ctx, in, err);
    if (st != SC_OK && err->message[0] == '\0')
        sc_error_set(err, st, "%s: the frame producer failed (%s)", p->label, sc_status_name(st));
    return st;
}

static void callback_disconnect(void *impl) { (void)impl; }

static void callback_interrupt(void *impl)
{
    callback_source *p = impl;
    sc_waiter_stop(&p->waiter);
    if (p->interrupt)
        p->interrupt(p->ctx);
}

static void callback_destroy(void *impl)
{
    callback_source *p = impl;
    sc_waiter_destroy(&p->waiter);
    free(p);
}

static const sc_frame_source_ops callback_ops = {
    .kind = "callback",
    .connect = callback_connect,
    .next = callback_next,
    .disconnect = callback_disconnect,
    .interrupt = callback_interrupt,
    .destroy = callback_destroy,
};

sc_frame_source *sc_callback_source_new(const char *label, sc_frame_produce_fn produce, void *ctx, int interval_ms)
{
    if (!produce)
        return NULL;
    callback_source *p = calloc(1, sizeof *p);
    sc_frame_source *src = calloc(1, sizeof *src);
    if (!p || !src) {
        free(p);
        free(src);
        return NULL;
    }
    snprintf(p->label, sizeof p->label, "%s", label ? label : "frame source");
    p->produce = produce;
    p->ctx = ctx;
    p->interval_ms = interval_ms;
    sc_waiter_init(&p->waiter);
    src->ops = &callback_ops;
    src->impl = p;
    return src;
}

void sc_callback_source_set_interrupt(sc_frame_source *src, sc_frame_interrupt_fn interrupt)
{
    if (src && src->ops == &callback_ops)
        ((callback_source *)src->impl)->interrupt = interrupt;
}
