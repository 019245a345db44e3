/* Shared pieces of the scopecap command line. */
#ifndef SC_CLI_H
#define SC_CLI_H

#include "scopecap/capture.h"
#include "scopecap/core.h"
#include "scopecap/resource.h"

#define EXIT_USAGE 2

/* Options every subcommand with a RESOURCE takes: -p, -t, -v, -q. */
typedef struct cli_common {
    sc_protocol protocol; /* -p; SC_PROTO_AUTO keeps what the resource says */
    bool protocol_given;
    double timeout_s;
    int verbosity;
    bool quiet;
} cli_common;

void cli_common_init(cli_common *c);
/* Handle one of the common options; returns false when `opt` is not one of them. */
bool cli_common_option(cli_common *c, int opt, const char *arg, int *exit_code);
/* Parse a resource and apply -p to it. Prints the error; returns false on failure. */
bool cli_parse_resource(const cli_common *c, const char *text, sc_resource *res);
int cli_timeout_ms(const cli_common *c);
/* Print "scopecap: error: MESSAGE" and return the exit code for the status. */
int cli_fail(const sc_error *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -b white|black for command `cmd`: 0, or the usage exit code (message printed). */
int cli_parse_background(const char *cmd, const char *arg, sc_background *out);

int cmd_shot(int argc, char **argv);
int cmd_scpi(int argc, char **argv);
int cmd_stream(int argc, char **argv);
int cmd_wave(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

#endif
