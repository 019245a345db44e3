/* A rate meter: the times of the last SC_RATE_SLOTS events in a ring, counted over a
 * sliding window. Cheap enough to call on every frame; the owner provides the locking. */
#include "stream/stream_internal.h"

void sc_rate_add(sc_rate *r, int64_t now_ns)
{
    r->at[r->head] = now_ns;
    r->head = (r->head + 1) % SC_RATE_SLOTS;
    if (r->count < SC_RATE_SLOTS)
        r->count++;
}

double sc_rate_get(const sc_rate *r, int64_t now_ns, int64_t window_ns)
{
    /* walk back from the newest event while it lies inside the window */
    unsigned n = 0;
    int64_t oldest = now_ns;
    for (unsigned i = 0; i < r->count; i++) {
        int64_t t = r->at[(r->head + SC_RATE_SLOTS - 1 - i) % SC_RATE_SLOTS];
        if (now_ns - t > window_ns)
            break;
        oldest = t;
        n++;
    }
    if (n < 2)
        return 0.0;
    /* n events span n-1 intervals; measuring to `now` as well makes a stopped source
     * decay towards zero instead of showing its last rate forever */
    int64_t span = now_ns - oldest;
    if (span <= 0)
        return 0.0;
    return (double)(n - 1) * 1e9 / (double)span;
}
