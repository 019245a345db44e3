/* scopesim --fault: misbehaviour injected into every protocol server through one helper.
 *
 * A server keeps one sim_fault_conn per connection and routes through it:
 *   - executing a program message (sim_fault_execute): faults on the reply's content
 *     (hostile-idn, stale-reply, short-block, long-block);
 *   - every byte it sends (sim_fault_send): trickle and reset-after=N;
 *   - the start of each reply (sim_fault_reply_starts): slow-first-reply.
 * Faults on the framing (garbage-header, huge-length, early-end, duplicate-frames,
 * wrong-message-type, close-mid-transfer) mean something different per transport; each
 * server asks sim_fault_frames() whether they hit a reply and applies them to its own
 * frames. The raw server has no framing of its own, so sim_fault_scpi_framing() applies
 * them to the SCPI block itself. faults.c has the table of what each fault does where. */
#ifndef SIM_FAULTS_H
#define SIM_FAULTS_H

#include "instrument.h"

#define SIM_TRICKLE_MS 100     /* trickle: one byte, then this pause */
#define SIM_SLOW_FIRST_MS 1500 /* slow-first-reply: the first reply waits this long */
#define SIM_BLOCK_SKEW 1000    /* short-block / long-block: this many bytes missing / extra */

/* Parse "stall,reset-after=1000,..." into f (adding to what is set). On an unknown name,
 * -1 with the reason in why. */
int sim_faults_parse(const char *list, sim_faults *f, char *why, size_t cap);
/* The names for usage messages: "close-mid-transfer, stall, ..." */
const char *sim_faults_names(void);

typedef struct sim_fault_conn {
    const sim_faults *f;
    int fd;
    uint64_t sent;        /* bytes sent through sim_fault_send (reset-after) */
    bool replied;         /* a reply has started (slow-first-reply) */
    bool gone;            /* reset: nothing more may be sent */
    bool have_previous;   /* stale-reply: the reply held back from the last query */
    bool previous_binary;
    sc_buf previous;
} sim_fault_conn;

/* f may be NULL: a connection without faults (portmapper, HiSLIP asynchronous channel). */
void sim_fault_conn_init(sim_fault_conn *c, const sim_faults *f, int fd);
void sim_fault_conn_free(sim_fault_conn *c);

/* Execute one program message as sim_execute_message() does, then apply the content faults. */
void sim_fault_execute(sim_fault_conn *c, sim_instrument *inst, const uint8_t *msg, size_t len, sim_reply *reply);

/* Send bytes, a byte at a time under trickle, resetting the connection (RST) once
 * reset-after bytes have gone. False when the connection is gone or reset. */
bool sim_fault_send(sim_fault_conn *c, const void *data, size_t n);

/* Call before a reply's first byte leaves: the first one on the connection waits under
 * slow-first-reply. */
void sim_fault_reply_starts(sim_fault_conn *c);

/* Which framing faults hit this reply: only replies carrying a block or file, so that a
 * capture gets past *IDN? and fails (or not) in the middle of the bulk transfer. */
typedef struct sim_fault_frames {
    bool garbage_header;     /* the first frame header of the reply is garbage */
    bool huge_length;        /* the first frame header claims 4 GiB */
    bool early_end;          /* the end marker comes with the first half, the rest never */
    bool duplicate_frames;   /* every frame of the reply is sent twice */
    bool wrong_message_type; /* the reply's frames are of a type that carries no data */
    bool close_mid_transfer; /* half the reply, then the connection closes */
} sim_fault_frames;

sim_fault_frames sim_fault_frames_for(const sim_fault_conn *c, const sim_reply *reply);

/* Overwrite n bytes with recognisable ASCII garbage ("GARBAGE-HEADER!!..."). */
void sim_fault_garble(uint8_t *p, size_t n);

/* Raw SCPI: apply the framing faults to the SCPI reply itself (block header, "\n"). */
void sim_fault_scpi_framing(const sim_fault_conn *c, sim_reply *reply);

#endif
