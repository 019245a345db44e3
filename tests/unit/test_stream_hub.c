/* The stream core with a scripted callback source: repeats detected on raw bytes and on
 * rasters, latest frame wins, frames outlive their replacement while referenced, derived
 * forms are computed once, NO SIGNAL frames with the reason on failure, reconnection,
 * fitting to the stream's size, the frame budget, idling while nobody wants frames, and
 * stopping a producer that blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "scopecap/render.h"
#include "scopecap/stream.h"

/* What the scripted source does on each call. */
typedef enum step_kind { STEP_BMP, STEP_RASTER, STEP_FAIL } step_kind;

typedef struct step {
    step_kind kind;
    uint8_t shade; /* fill colour of the produced image */
    int w, h;
} step;

typedef struct script {
    const step *steps;
    int count;
    int next;
    int calls;
} script;

static void fill_raster(sc_raster *r, int w, int h, uint8_t shade)
{
    if (!r->pixels || r->width != w || r->height != h) {
        sc_raster_free(r);
        sc_error err;
        assert_int_equal(sc_raster_alloc(r, w, h, &err), SC_OK);
    }
    sc_draw_fill(r, (sc_rgb){ shade, (uint8_t)(255 - shade), 40 });
}

static sc_status produce(void *ctx, sc_frame_input *in, sc_error *err)
{
    script *s = ctx;
    s->calls++;
    /* past the end of the script: keep repeating the last step */
    const step *st = &s->steps[s->next < s->count ? s->next : s->count - 1];
    if (s->next < s->count)
        s->next++;
    switch (st->kind) {
    case STEP_FAIL:
        return sc_error_set(err, SC_ERR_CLOSED, "scripted failure number %d", s->calls);
    case STEP_RASTER:
        fill_raster(&in->raster, st->w, st->h, st->shade);
        in->use_raster = true;
        return SC_OK;
    case STEP_BMP: {
        sc_raster r = { 0 };
        fill_raster(&r, st->w, st->h, st->shade);
        sc_buf_reset(&in->bytes);
        sc_status rc = sc_bmp_encode(&r, &in->bytes, err);
        sc_raster_free(&r);
        return rc;
    }
    }
    return SC_ERR_USAGE;
}

static sc_stream *make_stream(script *sc, int max_frames)
{
    sc_frame_source *src = sc_callback_source_new("scripted", produce, sc, 0);
    assert_non_null(src);
    sc_stream_options o = { .width = 64, .height = 32, .max_frames = max_frames, .backoff_min_ms = 5,
                            .backoff_max_ms = 20, .what = "testing" };
    sc_stream *s = NULL;
    sc_error err;
    assert_int_equal(sc_stream_new(src, &o, &s, &err), SC_OK);
    return s;
}

static void run_to_end(sc_stream *s)
{
    sc_error err;
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    for (int i = 0; i < 500 && !sc_stream_finished(s); i++) {
        sc_frame *f = sc_stream_wait(s, UINT64_MAX - 1, sc_deadline_in_ms(10));
        sc_frame_unref(f);
    }
    assert_true(sc_stream_finished(s));
}

static uint8_t pixel0(const sc_frame *f)
{
    return sc_frame_raster(f)->pixels[0];
}

static void test_placeholder_first(void **state)
{
    (void)state;
    static const step steps[] = { { STEP_BMP, 10, 64, 32 } };
    script sc = { steps, 1, 0, 0 };
    sc_stream *s = make_stream(&sc, 1);
    sc_frame *f = sc_stream_latest(s);
    assert_non_null(f);
    assert_int_equal(sc_frame_kind_of(f), SC_FRAME_PLACEHOLDER);
    assert_int_equal(sc_frame_raster(f)->width, 64);
    assert_int_equal(sc_frame_raster(f)->height, 32);
    assert_int_equal(sc_stream_width(s), 64);
    sc_frame_unref(f);
    sc_stream_free(s);
}

/* identical BMP bytes are counted as captures but publish nothing new */
static void test_repeats_on_raw_bytes(void **state)
{
    (void)state;
    static const step steps[] = {
        { STEP_BMP, 10, 64, 32 }, { STEP_BMP, 10, 64, 32 }, { STEP_BMP, 10, 64, 32 },
        { STEP_BMP, 99, 64, 32 }, { STEP_BMP, 99, 64, 32 },
    };
    script sc = { steps, 5, 0, 0 };
    sc_stream *s = make_stream(&sc, 5);
    run_to_end(s);
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    assert_int_equal(st.captures, 5);
    assert_int_equal(st.distinct, 2);
    sc_frame *f = sc_stream_latest(s);
    assert_int_equal(sc_frame_kind_of(f), SC_FRAME_LIVE);
    assert_int_equal(sc_frame_seq(f), 3); /* placeholder 1, then two distinct frames */
    assert_int_equal(pixel0(f), 99);
    sc_frame_unref(f);
    assert_int_equal(sc_stream_width(s), 64);
    sc_stream_free(s);
}

static void test_repeats_on_rasters(void **state)
{
    (void)state;
    static const step steps[] = {
        { STEP_RASTER, 5, 64, 32 }, { STEP_RASTER, 5, 64, 32 }, { STEP_RASTER, 6, 64, 32 },
        { STEP_RASTER, 5, 64, 32 },
    };
    script sc = { steps, 4, 0, 0 };
    sc_stream *s = make_stream(&sc, 4);
    run_to_end(s);
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    assert_int_equal(st.captures, 4);
    assert_int_equal(st.distinct, 3); /* 5, 6, 5: only the direct repeat is dropped */
    sc_stream_free(s);
}

/* a frame stays valid while referenced, after newer ones replaced it */
static void test_latest_wins_and_references(void **state)
{
    (void)state;
    static const step steps[] = { { STEP_RASTER, 1, 64, 32 }, { STEP_RASTER, 2, 64, 32 }, { STEP_RASTER, 3, 64, 32 } };
    script sc = { steps, 3, 0, 0 };
    sc_stream *s = make_stream(&sc, 3);
    sc_frame *held = sc_stream_latest(s);
    run_to_end(s);
    /* whoever looks now gets only the newest; the held placeholder is intact */
    sc_frame *f = sc_stream_wait(s, 0, sc_deadline_in_ms(100));
    assert_non_null(f);
    assert_int_equal(pixel0(f), 3);
    assert_int_equal(sc_frame_seq(f), 4);
    assert_int_equal(sc_frame_kind_of(held), SC_FRAME_PLACEHOLDER);
    assert_int_equal(sc_frame_raster(held)->width, 64);
    sc_frame_unref(held);
    /* waiting for something newer than the newest returns at once once finished */
    sc_frame *again = sc_stream_wait(s, sc_frame_seq(f), sc_deadline_in_ms(1000));
    assert_ptr_equal(again, f);
    sc_frame_unref(again);
    sc_frame_unref(f);
    sc_stream_free(s);
}

static void test_derived_forms_cached(void **state)
{
    (void)state;
    static const step steps[] = { { STEP_RASTER, 77, 64, 32 } };
    script sc = { steps, 1, 0, 0 };
    sc_stream *s = make_stream(&sc, 1);
    run_to_end(s);
    sc_frame *f = sc_stream_latest(s);
    sc_error err;
    sc_blob *j1 = sc_frame_jpeg(f, 80, &err), *j2 = sc_frame_jpeg(f, 80, &err);
    assert_non_null(j1);
    assert_ptr_equal(j1, j2);
    assert_true(sc_blob_len(j1) > 100);
    assert_int_equal(sc_blob_data(j1)[0], 0xFF);
    assert_int_equal(sc_blob_data(j1)[1], 0xD8);
    sc_blob *i1 = sc_frame_i420(f, &err), *i2 = sc_frame_i420(f, &err);
    assert_ptr_equal(i1, i2);
    assert_int_equal(sc_blob_len(i1), 64 * 32 * 3 / 2);
    sc_blob *y1 = sc_frame_yuyv(f, &err);
    assert_int_equal(sc_blob_len(y1), 64 * 32 * 2);
    /* blobs outlive the frame */
    sc_frame_unref(f);
    sc_stream_free(s);
    assert_int_equal(sc_blob_data(j1)[0], 0xFF);
    sc_blob_unref(j1);
    sc_blob_unref(j2);
    sc_blob_unref(i1);
    sc_blob_unref(i2);
    sc_blob_unref(y1);
}

/* failures show NO SIGNAL with the reason; the source is retried and recovers */
static void test_no_signal_and_recovery(void **state)
{
    (void)state;
    static const step steps[] = {
        { STEP_RASTER, 1, 64, 32 }, { STEP_FAIL, 0, 0, 0 }, { STEP_FAIL, 0, 0, 0 }, { STEP_RASTER, 2, 64, 32 },
    };
    script sc = { steps, 4, 0, 0 };
    sc_stream *s = make_stream(&sc, 0);
    sc_error err;
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    bool saw_no_signal = false, recovered = false;
    uint64_t seen = 0;
    char reason[SC_ERROR_MAX] = "";
    for (int i = 0; i < 300 && !recovered; i++) {
        sc_frame *f = sc_stream_wait(s, seen, sc_deadline_in_ms(20));
        if (!f)
            continue;
        seen = sc_frame_seq(f);
        if (sc_frame_kind_of(f) == SC_FRAME_NO_SIGNAL) {
            saw_no_signal = true;
            sc_stream_stats st;
            sc_stream_get_stats(s, &st);
            snprintf(reason, sizeof reason, "%s", st.reason);
        }
        if (saw_no_signal && sc_frame_kind_of(f) == SC_FRAME_LIVE && pixel0(f) == 2)
            recovered = true;
        sc_frame_unref(f);
    }
    assert_true(saw_no_signal);
    assert_non_null(strstr(reason, "scripted failure"));
    assert_true(recovered);
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    assert_int_equal(st.state, SC_LINK_UP);
    assert_string_equal(st.reason, "");
    assert_true(st.reconnects >= 1);
    sc_stream_free(s);
}

/* a source of another size is fitted, aspect kept, into the stream's size */
static void test_fit_to_stream_size(void **state)
{
    (void)state;
    static const step steps[] = { { STEP_BMP, 200, 32, 32 } };
    script sc = { steps, 1, 0, 0 };
    sc_stream *s = make_stream(&sc, 1);
    run_to_end(s);
    sc_frame *f = sc_stream_latest(s);
    const sc_raster *r = sc_frame_raster(f);
    assert_int_equal(r->width, 64);
    assert_int_equal(r->height, 32);
    /* 32x32 into 64x32: a 32x32 picture in the middle, black bars left and right */
    assert_int_equal(r->pixels[0], 0);
    assert_int_equal(r->pixels[(size_t)16 * r->stride + 32 * 3], 200);
    assert_int_equal(r->pixels[(size_t)16 * r->stride + 63 * 3], 0);
    sc_frame_unref(f);
    sc_stream_free(s);
}

static void count_event(void *ctx)
{
    (*(int *)ctx)++;
}

static void test_listener_and_wait_capture(void **state)
{
    (void)state;
    static const step steps[] = { { STEP_RASTER, 9, 64, 32 } };
    script sc = { steps, 1, 0, 0 };
    sc_stream *s = make_stream(&sc, 6);
    int events = 0, removed_events = 0;
    sc_stream_add_listener(s, count_event, &events);
    sc_stream_add_listener(s, count_event, &removed_events);
    sc_stream_remove_listener(s, count_event, &removed_events);
    run_to_end(s);
    assert_int_equal(sc_stream_wait_capture(s, 0, sc_deadline_in_ms(100)), 6);
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    assert_int_equal(st.captures, 6);
    assert_int_equal(st.distinct, 1);
    assert_int_equal(st.state, SC_LINK_ENDED);
    assert_int_equal(sc.calls, 6); /* the budget is respected: no extra request */
    sc_stream_free(s); /* joins the capture thread: every listener call is over */
    assert_int_equal(events, 6 + 1); /* every capture, identical ones too, and the end */
    assert_int_equal(removed_events, 0);
}

/* ---- demand: a stream nobody wants frames from slows down to its idle pace ---- */

static uint64_t captures_of(sc_stream *s)
{
    sc_stream_stats st;
    sc_stream_get_stats(s, &st);
    return st.captures;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

static void test_idle_until_wanted(void **state)
{
    (void)state;
    static const step steps[] = { { STEP_RASTER, 10, 64, 32 } };
    script sc = { steps, 1, 0, 0 };
    sc_frame_source *src = sc_callback_source_new("scripted", produce, &sc, 0);
    /* an idle pace far longer than the test: with nobody claiming, one capture and no more */
    sc_stream_options o = { .width = 64, .height = 32, .idle_interval_ms = 600000 };
    sc_stream *s = NULL;
    sc_error err;
    assert_int_equal(sc_stream_new(src, &o, &s, &err), SC_OK);
    assert_int_equal(sc_stream_demand(s), 0);
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    assert_int_equal(sc_stream_wait_capture(s, 0, sc_deadline_in_ms(5000)), 1);
    sleep_ms(300);
    assert_int_equal(captures_of(s), 1);
    /* a consumer claims frames: back to full speed at once */
    sc_stream_want_frames(s);
    assert_int_equal(sc_stream_demand(s), 1);
    uint64_t n = 1;
    for (int i = 0; i < 20; i++)
        n = sc_stream_wait_capture(s, n, sc_deadline_in_ms(5000));
    assert_true(n >= 21);
    /* it leaves: at most the capture in progress completes, then the idle pace again */
    sc_stream_unwant_frames(s);
    assert_int_equal(sc_stream_demand(s), 0);
    sleep_ms(100);
    uint64_t settled = captures_of(s);
    sleep_ms(300);
    assert_int_equal(captures_of(s), settled);
    sc_stream_unwant_frames(s); /* never below zero */
    assert_int_equal(sc_stream_demand(s), 0);
    sc_stream_free(s);
}

/* A sink holds one claim while it runs (so a counted sink gets full speed) */
static void test_idle_zero_is_full_speed(void **state)
{
    (void)state;
    static const step steps[] = { { STEP_RASTER, 10, 64, 32 } };
    script sc = { steps, 1, 0, 0 };
    sc_stream *s = make_stream(&sc, 0);
    sc_error err;
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    uint64_t n = 0;
    for (int i = 0; i < 5; i++)
        n = sc_stream_wait_capture(s, n, sc_deadline_in_ms(5000));
    assert_true(n >= 5);
    sc_stream_free(s);
}

/* ---- stopping a producer that blocks ---- */

typedef struct blocker {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool interrupted;     /* set by the interrupt hook */
    bool woken_by_hook;   /* produce returned because of it, not its own 20 s limit */
    int calls;
    int slow_ms;          /* > 0: produce takes this long and then succeeds */
    int completed;
} blocker;

static sc_status blocking_produce(void *ctx, sc_frame_input *in, sc_error *err)
{
    blocker *b = ctx;
    pthread_mutex_lock(&b->lock);
    b->calls++;
    pthread_mutex_unlock(&b->lock);
    if (b->slow_ms > 0) {
        sleep_ms(b->slow_ms);
        fill_raster(&in->raster, 64, 32, 99);
        in->use_raster = true;
        pthread_mutex_lock(&b->lock);
        b->completed++;
        pthread_mutex_unlock(&b->lock);
        return SC_OK;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&b->lock);
    while (!b->interrupted && pthread_cond_timedwait(&b->cond, &b->lock, &until) == 0) {
    }
    b->woken_by_hook = b->interrupted;
    pthread_mutex_unlock(&b->lock);
    return sc_error_set(err, SC_ERR_CLOSED, "interrupted");
}

static void blocking_interrupt(void *ctx)
{
    blocker *b = ctx;
    pthread_mutex_lock(&b->lock);
    b->interrupted = true;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

static sc_stream *blocking_stream(blocker *b)
{
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    sc_frame_source *src = sc_callback_source_new("blocking", blocking_produce, b, 0);
    assert_non_null(src);
    sc_callback_source_set_interrupt(src, blocking_interrupt);
    sc_stream_options o = { .width = 64, .height = 32 };
    sc_stream *s = NULL;
    sc_error err;
    assert_int_equal(sc_stream_new(src, &o, &s, &err), SC_OK);
    assert_int_equal(sc_stream_start(s, &err), SC_OK);
    return s;
}

static void blocker_done(blocker *b)
{
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
}

static void test_callback_interrupt(void **state)
{
    (void)state;
    blocker b = { 0 };
    sc_stream *s = blocking_stream(&b);
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&b.lock);
        int calls = b.calls;
        pthread_mutex_unlock(&b.lock);
        if (calls > 0)
            break;
        sleep_ms(10);
    }
    sc_stream_stop(s);
    sc_stream_free(s); /* joins the capture thread: produce has returned */
    assert_true(b.interrupted);
    assert_true(b.woken_by_hook);
    blocker_done(&b);
}

/* stop_after_frame lets the frame in progress finish instead of cutting it */
static void test_stop_after_frame(void **state)
{
    (void)state;
    blocker b = { .slow_ms = 200 };
    sc_stream *s = blocking_stream(&b);
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&b.lock);
        int calls = b.calls;
        pthread_mutex_unlock(&b.lock);
        if (calls > 0)
            break;
        sleep_ms(5);
    }
    sc_stream_stop_after_frame(s, 10000);
    assert_true(sc_stream_finished(s));
    pthread_mutex_lock(&b.lock);
    int calls = b.calls, completed = b.completed;
    pthread_mutex_unlock(&b.lock);
    assert_int_equal(completed, calls); /* no call was cut short, and none started after the stop */
    assert_false(b.interrupted);
    sc_stream_free(s);
    blocker_done(&b);
}

static void test_bad_options(void **state)
{
    (void)state;
    static const step steps[] = { { STEP_RASTER, 9, 64, 32 } };
    script sc = { steps, 1, 0, 0 };
    sc_stream_options o = { .width = 63, .height = 32 };
    sc_stream *s = NULL;
    sc_error err;
    assert_int_equal(sc_stream_new(sc_callback_source_new("x", produce, &sc, 0), &o, &s, &err), SC_ERR_USAGE);
    assert_null(s);
    assert_non_null(strstr(err.message, "even"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholder_first),
        cmocka_unit_test(test_repeats_on_raw_bytes),
        cmocka_unit_test(test_repeats_on_rasters),
        cmocka_unit_test(test_latest_wins_and_references),
        cmocka_unit_test(test_derived_forms_cached),
        cmocka_unit_test(test_no_signal_and_recovery),
        cmocka_unit_test(test_fit_to_stream_size),
        cmocka_unit_test(test_listener_and_wait_capture),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_idle_until_wanted),
        cmocka_unit_test(test_idle_zero_is_full_speed),
        cmocka_unit_test(test_callback_interrupt),
        cmocka_unit_test(test_stop_after_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
