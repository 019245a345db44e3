/* Sleeping that can be cut short: cadence ticks and reconnect backoff wait on a
 * condition variable on CLOCK_MONOTONIC, so stopping a stream or sink never waits for a
 * sleep to run out, and a wall-clock jump never stretches or skips one. */
#include "stream/stream_internal.h"

#include <time.h>

void sc_cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
}

struct timespec sc_timespec_at(int64_t at_ns)
{
    if (at_ns < 0)
        at_ns = 0;
    return (struct timespec){ .tv_sec = (time_t)(at_ns / 1000000000), .tv_nsec = (long)(at_ns % 1000000000) };
}

void sc_waiter_init(sc_waiter *w)
{
    pthread_mutex_init(&w->lock, NULL);
    sc_cond_init_monotonic(&w->cond);
    w->stop = false;
}

void sc_waiter_destroy(sc_waiter *w)
{
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

bool sc_waiter_sleep_until(sc_waiter *w, int64_t at_ns)
{
    struct timespec ts = sc_timespec_at(at_ns);
    pthread_mutex_lock(&w->lock);
    while (!w->stop && sc_now_ns() < at_ns)
        pthread_cond_timedwait(&w->cond, &w->lock, &ts);
    bool ok = !w->stop;
    pthread_mutex_unlock(&w->lock);
    return ok;
}

void sc_waiter_stop(sc_waiter *w)
{
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

bool sc_waiter_stopped(sc_waiter *w)
{
    pthread_mutex_lock(&w->lock);
    bool s = w->stop;
    pthread_mutex_unlock(&w->lock);
    return s;
}
