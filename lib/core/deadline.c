/* Deadlines are absolute times on the monotonic clock, so that a chain of calls
 * (connect, write, many reads) shares one budget and wall-clock jumps cannot stretch it. */
#include "scopecap/core.h"

#include <time.h>

int64_t sc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

sc_deadline sc_deadline_never(void)
{
    return (sc_deadline){ .at_ns = INT64_MAX };
}

sc_deadline sc_deadline_in_ms(int64_t ms)
{
    if (ms < 0 || ms > INT64_MAX / 2000000)
        return sc_deadline_never();
    return (sc_deadline){ .at_ns = sc_now_ns() + ms * 1000000 };
}

bool sc_deadline_expired(sc_deadline d)
{
    return d.at_ns != INT64_MAX && sc_now_ns() >= d.at_ns;
}

int sc_deadline_poll_ms(sc_deadline d)
{
    if (d.at_ns == INT64_MAX)
        return -1;
    int64_t left = d.at_ns - sc_now_ns();
    if (left <= 0)
        return 0;
    int64_t ms = (left + 999999) / 1000000; /* round up: never spin on a 0 ms poll */
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

sc_deadline sc_deadline_min(sc_deadline a, sc_deadline b)
{
    return a.at_ns < b.at_ns ? a : b;
}
