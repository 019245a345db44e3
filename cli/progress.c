/* Progress for long transfers: a slow scope sends a megabyte for seconds, and silence
 * looks like a hang. Redrawn at most ten times a second. */
#include "progress.h"

#include "scopecap/core.h"

#include <stdio.h>
#include <unistd.h>

void cli_progress_init(cli_progress *p, const char *label, bool enabled)
{
    p->enabled = enabled && isatty(STDERR_FILENO);
    p->label = label;
    p->last_draw_ns = 0;
    p->drawn = false;
}

void cli_progress_update(void *ctx, size_t received, size_t expected)
{
    cli_progress *p = ctx;
    if (!p->enabled)
        return;
    int64_t now = sc_now_ns();
    bool done = expected && received >= expected;
    if (!done && now - p->last_draw_ns < 100000000)
        return;
    p->last_draw_ns = now;
    p->drawn = true;
    if (expected) {
        int pct = (int)((double)received * 100.0 / (double)expected);
        if (pct > 100)
            pct = 100;
        int filled = pct * 30 / 100;
        fprintf(stderr, "\r%s [%.*s%*s] %3d%% %.1f/%.1f KiB ", p->label, filled, "##############################",
                30 - filled, "", pct, (double)received / 1024.0, (double)expected / 1024.0);
    } else {
        fprintf(stderr, "\r%s %.1f KiB ", p->label, (double)received / 1024.0);
    }
    fflush(stderr);
}

void cli_progress_finish(cli_progress *p)
{
    if (p->enabled && p->drawn)
        fprintf(stderr, "\r\033[K");
}
