/* The live-video half of the command line, shared by `scopecap stream` (a scope's screen)
 * and `scopecap wave --continuous` (eFirmata plots): the sink options, opening the sinks,
 * the status line, and waiting until the run ends. */
#ifndef SC_CLI_LIVE_H
#define SC_CLI_LIVE_H

#include "cli.h"

#include "scopecap/stream.h"

#include <getopt.h>

typedef struct cli_live {
    const char *v4l2, *http, *y4m, *record; /* where each sink goes; NULL = not wanted */
    sc_sink_options sink;
} cli_live;

/* getopt_long codes of the sink options; far from any command's own codes */
enum {
    CLI_LIVE_V4L2 = 3000, CLI_LIVE_V4L2_FORMAT, CLI_LIVE_HTTP, CLI_LIVE_AUTH, CLI_LIVE_MAX_CLIENTS, CLI_LIVE_Y4M,
    CLI_LIVE_RECORD, CLI_LIVE_RECORD_FORMAT, CLI_LIVE_FPS, CLI_LIVE_FRAMES, CLI_LIVE_QUALITY,
};

/* Put these inside a command's `struct option` array. */
#define CLI_LIVE_LONGOPTS                                                                                  \
    { "v4l2", required_argument, NULL, CLI_LIVE_V4L2 },                                                    \
    { "v4l2-format", required_argument, NULL, CLI_LIVE_V4L2_FORMAT },                                      \
    { "http", required_argument, NULL, CLI_LIVE_HTTP },                                                    \
    { "http-auth", required_argument, NULL, CLI_LIVE_AUTH },                                               \
    { "http-max-clients", required_argument, NULL, CLI_LIVE_MAX_CLIENTS },                                 \
    { "y4m", required_argument, NULL, CLI_LIVE_Y4M },                                                      \
    { "record", required_argument, NULL, CLI_LIVE_RECORD },                                                \
    { "record-format", required_argument, NULL, CLI_LIVE_RECORD_FORMAT },                                  \
    { "fps", required_argument, NULL, CLI_LIVE_FPS },                                                      \
    { "frames", required_argument, NULL, CLI_LIVE_FRAMES },                                                \
    { "jpeg-quality", required_argument, NULL, CLI_LIVE_QUALITY }

/* The help lines of those options, for a command's --help. */
extern const char cli_live_help[];

void cli_live_init(cli_live *l);
/* Handle one sink option for command `cmd`; false when `opt` is none of them. On a bad
 * value *exit_code is set (and the message printed). */
bool cli_live_option(cli_live *l, const char *cmd, int opt, const char *arg, int *exit_code);
bool cli_live_wanted(const cli_live *l);
/* A sink that ends the run after --frames frames (v4l2, y4m, record; not http). When one
 * is there the stream itself must not be capped: it captures until they are done. */
bool cli_live_counted(const cli_live *l);
/* Check the combination once all options are read; 0 or the usage exit code. */
int cli_live_settle(const cli_live *l, const char *cmd);
/* Open the sinks (before the source is asked: the v4l2 placeholder and the HTTP port exist
 * at once), start the stream, announce where each sink goes, draw the status line on a
 * terminal, and wait for --frames, a failed sink or Ctrl-C. Stops the stream and closes
 * the sinks; the caller frees the stream. Returns the exit code. */
int cli_live_run(const cli_live *l, const cli_common *common, sc_stream *s);
int cli_parse_int(const char *cmd, const char *opt, const char *text, int lo, int hi, int *out);

#endif
