/* A one-line progress bar on stderr, only when stderr is a terminal. */
#ifndef SC_PROGRESS_H
#define SC_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cli_progress {
    bool enabled;
    const char *label;
    int64_t last_draw_ns;
    bool drawn;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *label, bool enabled);
/* An sc_progress_fn: ctx is the cli_progress. */
void cli_progress_update(void *ctx, size_t received, size_t expected);
void cli_progress_finish(cli_progress *p);

#endif
