/* Logging to stderr; the level is global because it is a property of the program run. */
#include "scopecap/core.h"

#include <stdio.h>

static int log_level = SC_LOG_WARN;

void sc_log_set_level(int level) { log_level = level; }
int sc_log_get_level(void) { return log_level; }

void sc_log(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    static const char *const tags[] = { "warning", "info", "debug", "trace" };
    const char *tag = level >= 0 && level <= SC_LOG_TRACE ? tags[level] : "log";
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one fputs per line so that lines from parallel captures do not interleave */
    char out[1100];
    snprintf(out, sizeof out, "scopecap: %s: %s\n", tag, line);
    fputs(out, stderr);
}
