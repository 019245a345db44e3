/* Options and error printing shared by the subcommands. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_common_init(cli_common *c)
{
    c->protocol = SC_PROTO_AUTO;
    c->protocol_given = false;
    c->timeout_s = 10.0;
    c->verbosity = 0;
    c->quiet = false;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "scopecap %s: %s (see scopecap %s --help)\n", cmd, msg, cmd);
    return EXIT_USAGE;
}

bool cli_common_option(cli_common *c, int opt, const char *arg, int *exit_code)
{
    sc_error err;
    switch (opt) {
    case 'p':
        if (sc_protocol_parse(arg, &c->protocol, &err) != SC_OK) {
            *exit_code = cli_fail(&err);
            return true;
        }
        c->protocol_given = true;
        return true;
    case 't': {
        char *end;
        c->timeout_s = strtod(arg, &end);
        if (*end || !(c->timeout_s > 0) || c->timeout_s > 86400) {
            fprintf(stderr, "scopecap: -t takes seconds, a number above 0 (got \"%s\")\n", arg);
            *exit_code = EXIT_USAGE;
        }
        return true;
    }
    case 'v':
        c->verbosity++;
        sc_log_set_level(SC_LOG_WARN + c->verbosity);
        return true;
    case 'q':
        c->quiet = true;
        sc_log_set_level(SC_LOG_QUIET);
        return true;
    default:
        return false;
    }
}

bool cli_parse_resource(const cli_common *c, const char *text, sc_resource *res)
{
    sc_error err;
    if (sc_resource_parse(text, res, &err) != SC_OK) {
        cli_fail(&err);
        return false;
    }
    /* -p forces the transport; a port the user wrote still applies to it */
    if (c->protocol_given && c->protocol != SC_PROTO_AUTO)
        res->protocol = c->protocol;
    return true;
}

int cli_timeout_ms(const cli_common *c)
{
    return (int)(c->timeout_s * 1000.0 + 0.5);
}

int cli_fail(const sc_error *err)
{
    fprintf(stderr, "scopecap: error: %s\n", err->message);
    return sc_status_exit_code(err->code);
}

int cli_parse_background(const char *cmd, const char *arg, sc_background *out)
{
    if (strcmp(arg, "white") == 0)
        *out = SC_BACKGROUND_WHITE;
    else if (strcmp(arg, "black") == 0)
        *out = SC_BACKGROUND_BLACK;
    else
        return cli_usage_error(cmd, "-b takes white or black, not \"%s\"", arg);
    return 0;
}
