/* scopesim's instrument personalities: one row per model. */
#ifndef SIM_MODELS_H
#define SIM_MODELS_H

#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_PORTS 4

typedef struct sim_model {
    const char *name;         /* <vendor>-<model>, lower case: what --model takes */
    const char *manufacturer; /* *IDN? fields */
    const char *model;
    const char *serial;
    const char *firmware;
    const char *brand;        /* printed on the screen */
    int width, height;
    int channels;
    const char *protocols;    /* served by default, e.g. "raw,vxi11" */
    uint16_t raw_ports[SIM_MAX_PORTS]; /* raw SCPI ports the real instrument opens */
    int default_render_ms;    /* how long the real one takes to produce a screen dump */
} sim_model;

size_t sim_model_count(void);
const sim_model *sim_model_at(size_t i);
const sim_model *sim_model_find(const char *name);

#endif
