/* scopecap scpi: send commands and queries; a command with '?' reads a reply. With
 * --binary FILE one reply is also read after the last command when that command has no
 * '?': screen dumps such as Siglent's and LeCroy's SCDP, and Owon's, are commands that
 * answer. */
#include "cli.h"

#include "scopecap/output.h"
#include "scopecap/session.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct scpi_config {
    cli_common common;
    const char *binary_path;
    bool interactive;
    bool force;
    bool clear;
    bool wrote_binary; /* FILE got a reply */
} scpi_config;

static void scpi_help(void)
{
    printf("usage: scopecap scpi [options] RESOURCE [COMMAND...]\n"
           "Send each COMMAND; those with a '?' are queries and their reply is printed.\n\n"
           "  -i, --interactive           read commands from standard input, one a line\n"
           "      --binary FILE           write a binary reply (block or raw file) to FILE ('-' = stdout);\n"
           "                              a last COMMAND without '?' (SCDP) is read back too\n"
           "      --force                 overwrite FILE\n"
           "      --max-size BYTES        largest reply accepted (default 256 MiB)\n"
           "      --clear                 device clear first (drops a stuck or stale reply)\n"
           "  -p, --protocol auto|vicp|vxi11|hislip|raw|usbtmc\n"
           "  -t, --timeout SECONDS       per command (default 10)\n"
           "  -q, --quiet  -v, --verbose\n\n"
           "example: scopecap scpi 192.168.0.10:5555 '*IDN?' ':TIM:SCAL?'\n");
}

static bool is_query(const char *cmd)
{
    return strchr(cmd, '?') != NULL;
}

static sc_status print_reply(scpi_config *cfg, const sc_buf *reply, sc_reply_kind kind, sc_error *err)
{
    if (kind == SC_REPLY_TEXT) {
        char *line = malloc(reply->len + 1);
        if (!line)
            return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
        sc_sanitize_text(line, reply->len + 1, (const char *)reply->data, reply->len);
        printf("%s\n", line);
        fflush(stdout);
        free(line);
        return SC_OK;
    }
    if (!cfg->binary_path)
        return sc_error_set(err, SC_ERR_USAGE, "the reply is %zu bytes of binary data; save it with --binary FILE",
                            reply->len);
    sc_status st = sc_output_write_atomic(cfg->binary_path, reply->data, reply->len, cfg->force, err);
    cfg->wrote_binary = cfg->wrote_binary || st == SC_OK;
    return st;
}

static sc_status run_one(scpi_config *cfg, sc_session *s, const char *cmd, sc_buf *reply, sc_error *err)
{
    sc_deadline deadline = sc_deadline_in_ms(cli_timeout_ms(&cfg->common));
    if (!is_query(cmd))
        return sc_session_write(s, cmd, deadline, err);
    sc_reply_kind kind;
    sc_status st = sc_session_query(s, cmd, reply, &kind, deadline, err);
    if (st != SC_OK)
        return st;
    return print_reply(cfg, reply, kind, err);
}

/* --binary after a last command without '?': read the one reply it may have caused. */
static sc_status read_binary_after(scpi_config *cfg, sc_session *s, const char *cmd, sc_buf *reply, sc_error *err)
{
    sc_reply_kind kind;
    sc_status st = sc_session_read_reply(s, reply, &kind, sc_deadline_in_ms(cli_timeout_ms(&cfg->common)), err);
    if (st == SC_ERR_TIMEOUT)
        return sc_error_set(err, SC_ERR_TIMEOUT,
                            "%s: no reply to \"%s\" within %g s, so nothing was written to %s (--binary reads one "
                            "reply after a last command without '?'; does this command answer? raise -t for a "
                            "slow screen dump)",
                            sc_link_label(sc_session_link(s)), cmd, cfg->common.timeout_s, cfg->binary_path);
    if (st != SC_OK)
        return sc_error_prefix(err, "reading the reply to \"%s\" for --binary", cmd);
    return print_reply(cfg, reply, kind, err);
}

/* The maximum response size is a library limit; only here is the option that raises it known. */
static void name_max_size_option(sc_error *err)
{
    if (err->code == SC_ERR_TOO_LARGE && !strstr(err->message, "--max-size"))
        sc_error_append(err, "; --max-size BYTES raises the limit (now %zu bytes)", sc_max_response());
}

static sc_status run_interactive(scpi_config *cfg, sc_session *s, sc_buf *reply, sc_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    sc_status st = SC_OK;
    /* getline: a command may be long (a waveform upload is hundreds of kilobytes) */
    while (getline(&line, &cap, stdin) >= 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        st = run_one(cfg, s, line, reply, err);
        if (st == SC_ERR_USAGE) {
            fprintf(stderr, "scopecap: %s\n", err->message);
            st = SC_OK;
        }
        if (st != SC_OK)
            break;
    }
    free(line);
    return st;
}

int cmd_scpi(int argc, char **argv)
{
    enum { OPT_BINARY = 1000, OPT_FORCE, OPT_CLEAR, OPT_MAX_SIZE };
    static const struct option longopts[] = {
        { "interactive", no_argument, NULL, 'i' }, { "binary", required_argument, NULL, OPT_BINARY },
        { "force", no_argument, NULL, OPT_FORCE }, { "protocol", required_argument, NULL, 'p' },
        { "clear", no_argument, NULL, OPT_CLEAR }, { "max-size", required_argument, NULL, OPT_MAX_SIZE },
        { "timeout", required_argument, NULL, 't' }, { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },     { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    scpi_config cfg = { 0 };
    cli_common_init(&cfg.common);
    int opt, rc = 0;
    while ((opt = getopt_long(argc, argv, "ip:t:qvh", longopts, NULL)) != -1) {
        if (cli_common_option(&cfg.common, opt, optarg, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        switch (opt) {
        case 'i': cfg.interactive = true; break;
        case OPT_BINARY: cfg.binary_path = optarg; break;
        case OPT_FORCE: cfg.force = true; break;
        case OPT_CLEAR: cfg.clear = true; break;
        case OPT_MAX_SIZE: {
            char *end;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || v < 1024)
                return cli_usage_error("scpi", "--max-size takes a byte count of at least 1024");
            sc_set_max_response((size_t)v);
            break;
        }
        case 'h': scpi_help(); return 0;
        default: return cli_usage_error("scpi", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("scpi", "name a RESOURCE, e.g. scopecap scpi 192.168.0.10:5555 '*IDN?'");
    if (optind + 1 >= argc && !cfg.interactive && !cfg.clear)
        return cli_usage_error("scpi", "name at least one COMMAND, or use -i");
    sc_resource res;
    if (!cli_parse_resource(&cfg.common, argv[optind], &res))
        return EXIT_USAGE;

    sc_error err;
    sc_session *s = NULL;
    sc_status st = sc_session_open(&res, sc_deadline_in_ms(cli_timeout_ms(&cfg.common)), &s, &err);
    if (st != SC_OK)
        return cli_fail(&err);
    sc_buf reply;
    sc_buf_init(&reply, 0);
    if (cfg.clear)
        st = sc_session_clear(s, sc_deadline_in_ms(cli_timeout_ms(&cfg.common)), &err);
    for (int i = optind + 1; i < argc && st == SC_OK; i++)
        st = run_one(&cfg, s, argv[i], &reply, &err);
    const char *last = optind + 1 < argc ? argv[argc - 1] : NULL;
    if (st == SC_OK && cfg.binary_path && last && !is_query(last))
        st = read_binary_after(&cfg, s, last, &reply, &err);
    if (st == SC_OK && cfg.interactive)
        st = run_interactive(&cfg, s, &reply, &err);
    if (st == SC_OK && cfg.binary_path && !cfg.wrote_binary && !cfg.interactive)
        st = sc_error_set(&err, SC_ERR_INSTRUMENT,
                          "%s: no binary reply came, so nothing was written to %s (the replies were text; "
                          "is the query right?)",
                          sc_link_label(sc_session_link(s)), cfg.binary_path);
    sc_buf_free(&reply);
    sc_session_close(s);
    if (st != SC_OK)
        name_max_size_option(&err);
    return st == SC_OK ? 0 : cli_fail(&err);
}
