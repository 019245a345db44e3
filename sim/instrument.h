/* One simulated instrument: its model, its state, and how it answers a command.
 * Every protocol server (raw today; VICP, VXI-11, HiSLIP later) feeds this the same way. */
#ifndef SIM_INSTRUMENT_H
#define SIM_INSTRUMENT_H

#include "models.h"

#include "scopecap/core.h"

#include <pthread.h>

typedef struct sim_faults {
    bool close_mid_transfer; /* send half of a binary reply, then drop the connection */
    bool stall;              /* accept commands, never answer a query */
} sim_faults;

#define SIM_ERROR_QUEUE 16

typedef struct sim_instrument {
    const sim_model *model;
    uint32_t seed;
    bool animate;
    int render_delay_ms;
    int64_t start_ns;
    sim_faults faults;
    pthread_mutex_t lock; /* guards the fields below: clients share one instrument */
    bool running;
    int errors[SIM_ERROR_QUEUE];
    int error_count;
    size_t last_write_len; /* :SIM:WRITE */
} sim_instrument;

typedef struct sim_reply {
    sc_buf bytes;  /* what goes on the wire, framing included; empty: no reply */
    bool binary;   /* a block or file, as opposed to a line of text */
} sim_reply;

void sim_instrument_init(sim_instrument *inst, const sim_model *model, uint32_t seed);
void sim_instrument_destroy(sim_instrument *inst);
/* Execute one program message (terminator already removed). */
void sim_execute(sim_instrument *inst, const char *message, sim_reply *reply);
/* Execute one program message as it arrived on a message-based transport (VXI-11,
 * HiSLIP, VICP, USB-TMC): a trailing "\n" or "\r\n" is the terminator, several commands
 * may be separated by newlines; replies are appended in order. */
void sim_execute_message(sim_instrument *inst, const uint8_t *data, size_t len, sim_reply *reply);
void sim_push_error(sim_instrument *inst, int code);

/* Render the current screen as an image file per ":DISP:DATA?" arguments
 * ("ON,0,BMP24", ...). Returns false for arguments a real instrument would refuse. */
bool sim_screenshot(sim_instrument *inst, const char *args, sc_buf *file);

#endif
