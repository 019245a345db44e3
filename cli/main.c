/* scopecap: screenshots and data from lab oscilloscopes. One file per subcommand. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#ifndef SCOPECAP_VERSION
#define SCOPECAP_VERSION "unknown"
#endif

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    { "shot", cmd_shot, "save screenshots of one or more instruments" },
    { "scpi", cmd_scpi, "send SCPI commands and queries" },
    { "stream", cmd_stream, "the screen as live video: v4l2 camera, MJPEG over HTTP, y4m, files" },
    { "wave", cmd_wave, "capture an eFirmata oscilloscope board over UDP" },
    { "scan", cmd_scan, "find instruments on the local subnets and USB" },
    { "doctor", cmd_doctor, "say why an instrument cannot be reached" },
};

static void usage(FILE *to)
{
    fprintf(to, "usage: scopecap COMMAND [options] ...\n\ncommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(to, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(to, "\n'scopecap COMMAND --help' describes a command; man scopecap has it all.\n"
                "Exit codes: 0 ok, 1 instrument or protocol error, 2 usage, 3 unreachable.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("scopecap %s\n", SCOPECAP_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(name, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "scopecap: unknown command \"%s\"\n\n", name);
    usage(stderr);
    return EXIT_USAGE;
}
