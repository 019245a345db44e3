/* scopesim --efirmata: an eFirmata oscilloscope board on UDP (port 2117 by default).
 *
 * Configurable channels, datatypes, scales and sample rate; synthetic periodic signals on a
 * free-running sample clock; real triggering (now, rising, falling at a threshold on one
 * channel, no pre-trigger, the firmware's rule); --efirmata-legacy reproduces the mbed
 * reference firmware on the wire byte for byte; faults for the client's tests; and a dump
 * of every capture's codes so tests can compare what arrived with what was generated.
 * The device runs in its own thread, answering each TOC in turn. */
#ifndef SIM_EFIRMATA_H
#define SIM_EFIRMATA_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_EFIRMATA_MAX_CHANNELS 64

enum {
    SIM_EF_FAULT_DROP = 1 << 0,      /* TOD packets 1, 5, 9, ... and the last are not sent */
    SIM_EF_FAULT_DUPLICATE = 1 << 1, /* even-numbered TOD packets are sent twice */
    SIM_EF_FAULT_REORDER = 1 << 2,   /* TOD packets go out in swapped pairs: 1, 0, 3, 2, ... */
    SIM_EF_FAULT_TRUNCATE = 1 << 3,  /* TOD packets 2, 5, 8, ... lose the second half of their data */
    SIM_EF_FAULT_STALE = 1 << 4,     /* the previous capture's TODs come before the TOM, and again late */
    SIM_EF_FAULT_LOSE_TOM = 1 << 5,  /* the first TOC is ignored, so the client must send it again */
};

typedef struct sim_efirmata_config {
    bool enabled;
    uint16_t port;
    bool legacy;                                  /* the reference firmware, byte for byte */
    int channels;
    char types[SIM_EFIRMATA_MAX_CHANNELS + 1];    /* data datatype letters, cycled over the channels */
    char units[SIM_EFIRMATA_MAX_CHANNELS + 1];    /* unit symbols, cycled */
    char real_type;
    bool scale_given;
    double data_a, real_a, data_b, real_b;        /* --efirmata-scale */
    double rate;                                  /* samples per second */
    char step_type;
    bool inverse;                                 /* step sent as samples per second (INV bit) */
    unsigned faults;
    const char *dump_path;
    bool pace;                                    /* send at the sample rate instead of at once */
} sim_efirmata_config;

/* The --efirmata options, for scopesim's getopt_long table: each one returns `code`, and
 * sim_efirmata_option() tells them apart by name. */
#define SIM_EFIRMATA_LONGOPTS(code)                                                                              \
    { "efirmata", no_argument, NULL, code }, { "efirmata-port", required_argument, NULL, code },               \
        { "efirmata-legacy", no_argument, NULL, code }, { "efirmata-channels", required_argument, NULL, code }, \
        { "efirmata-types", required_argument, NULL, code }, { "efirmata-units", required_argument, NULL, code }, \
        { "efirmata-real-type", required_argument, NULL, code },                                                \
        { "efirmata-scale", required_argument, NULL, code }, { "efirmata-rate", required_argument, NULL, code }, \
        { "efirmata-step-type", required_argument, NULL, code }, { "efirmata-inv", no_argument, NULL, code },   \
        { "efirmata-fault", required_argument, NULL, code }, { "efirmata-dump", required_argument, NULL, code }, \
        { "efirmata-pace", no_argument, NULL, code }

void sim_efirmata_config_init(sim_efirmata_config *cfg);
/* Apply one option by its long name (any of them enables the device); 0, or -1 after
 * printing what is wrong. */
int sim_efirmata_option(sim_efirmata_config *cfg, const char *name, const char *arg);
/* Bind the UDP port on addr, print "listening efirmata ADDR:PORT" and start the device
 * thread; -1 after printing why not. */
int sim_efirmata_start(const sim_efirmata_config *cfg, const char *addr);
/* Stop the thread and close the socket (nothing when it was never started). */
void sim_efirmata_stop(void);

#endif
