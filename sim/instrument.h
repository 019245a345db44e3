/* One simulated instrument: its model, its state, and how it answers a command.
 * Every protocol server (raw, VICP, VXI-11, HiSLIP, USB-TMC) feeds this the same way. */
#ifndef SIM_INSTRUMENT_H
#define SIM_INSTRUMENT_H

#include "models.h"

#include "scopecap/core.h"
#include "scopecap/image.h"

#include <pthread.h>

/* scopesim --fault; what each means per transport: the table in sim/faults.c. */
typedef struct sim_faults {
    bool close_mid_transfer; /* send half of a binary reply, then drop the connection */
    bool stall;              /* accept commands, never answer a query */
    bool trickle;            /* one byte every 100 ms */
    bool garbage_header;     /* a block reply's first frame header is garbage */
    bool huge_length;        /* a block reply's first frame header claims 4 GiB */
    bool short_block;        /* a block carries fewer bytes than its header declares */
    bool long_block;         /* a block carries more bytes than its header declares */
    bool early_end;          /* END/EOI/DataEnd after half of a block reply */
    bool duplicate_frames;   /* each frame of a block reply is sent twice */
    bool wrong_message_type; /* a block reply travels in frames that carry no data */
    bool reset;              /* reset-after=N: RST once reset_after bytes have been sent */
    uint64_t reset_after;
    bool stale_reply;        /* each reply after the first answers the previous query */
    bool hostile_idn;        /* *IDN? fields carry terminal escapes, slashes and ".." */
    bool slow_first_reply;   /* the first reply on a connection waits 1.5 s */
} sim_faults;

#define SIM_ERROR_QUEUE 16
#define SIM_MAX_SETTINGS 24
#define SIM_MAX_FILES 4

/* A named setting the instrument remembers ("HCOPy:FORMat" -> "PNG"). */
typedef struct sim_setting {
    char key[40];
    char value[96];
} sim_setting;

/* A file on the instrument's own disk (Tek SAVE:IMAGe, LeCroy HCSU DEST,FILE). */
typedef struct sim_file {
    bool used;
    char name[160];
    sc_buf data;
} sim_file;

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
    sim_setting settings[SIM_MAX_SETTINGS];
    int setting_count;
    sim_file files[SIM_MAX_FILES];
    sc_raster frame;       /* the pixels of the last screen dump, for :SIM:FRAME? */
    /* SIM_QUIRK_REMOTE_INTERFACE: the protocol the instrument is set to be remote-controlled
     * over ("vicp", "vxi11", "usbtmc"); empty until the first command on one of them chooses
     * it, the way a user sets the Remote dialog for the connection they use. */
    char remote_interface[8];
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

/* ---- screen dumps ---- */

typedef enum sim_encoding {
    SIM_ENC_BMP24,
    SIM_ENC_BMP8,   /* 8-bit palette (3-3-2): the pixels are reduced to the palette first */
    SIM_ENC_PNG,
    SIM_ENC_JPEG,
    SIM_ENC_RLE565, /* GW Instek run-length RGB565: the pixels are reduced to RGB565 first */
} sim_encoding;

typedef struct sim_dump {
    bool colour;   /* false: grey */
    bool invert;   /* white background (ink saver), hue kept */
    sim_encoding encoding;
    bool remote_static; /* SIM_QUIRK_DISPLAY_UPDATE with the update off: the static remote screen */
} sim_dump;

/* Render the current screen as the model draws it, the way `how` asks, into `file`.
 * The pixels encoded (after grey, inversion and palette reduction) become the frame
 * that :SIMulate:FRAME? returns. Waits the render delay first. */
bool sim_render_dump(sim_instrument *inst, const sim_dump *how, sc_buf *file);
/* Render the current screen as an image file per ":DISP:DATA?" arguments
 * ("ON,0,BMP24", "PNG", ...). Returns false for arguments a real instrument would refuse. */
bool sim_screenshot(sim_instrument *inst, const char *args, sc_buf *file);
/* The last dump's pixels (or the screen now, if none yet) as a 24-bit BMP. */
bool sim_frame_bmp(sim_instrument *inst, sc_buf *out);

/* ---- settings and files ---- */

void sim_setting_set(sim_instrument *inst, const char *key, const char *value);
/* Copy the value (or `fallback` when never set) into out. */
void sim_setting_get(sim_instrument *inst, const char *key, const char *fallback, char *out, size_t cap);
bool sim_file_put(sim_instrument *inst, const char *name, const uint8_t *data, size_t len);
bool sim_file_get(sim_instrument *inst, const char *name, sc_buf *out);
bool sim_file_delete(sim_instrument *inst, const char *name);
int sim_file_count(sim_instrument *inst);

/* ---- the connection a command arrived on (set by the server's client thread) ---- */

void sim_set_thread_protocol(const char *protocol);
const char *sim_thread_protocol(void); /* "raw", "vxi11", ... ("raw" when unset) */
/* True for the first command of this connection (each client has its own thread). */
bool sim_thread_first_command(void);

/* SIM_QUIRK_REMOTE_INTERFACE: may this connection's protocol control the instrument? The
 * first VICP, VXI-11 or USB-TMC command sets the interface; the raw test port always may.
 * On refusal `current` names the set interface as the instrument does ("TCPIP", "LXI"). */
bool sim_remote_interface_allows(sim_instrument *inst, const char **current);

#endif
