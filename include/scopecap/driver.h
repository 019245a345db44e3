/* Vendor drivers: each model family is one row of data. A row says how to recognise the
 * instrument from *IDN? and how to get its screen; code hooks exist only where data
 * cannot say it (a non-SCPI length prefix, a run-length pixel stream).
 *
 * A screenshot recipe is a short list of steps run in order on one SCPI session:
 *
 *   SEND     a command with no reply                 ":HARDcopy:INKSaver {invert}"
 *   SAVE     a setting query; the answer is sent back after the capture, so the
 *            instrument is left as it was          "HARDCopy:FORMat?" -> "HARDCopy:FORMat BMP"
 *   OPC      a query whose reply means "done" (*OPC?): the render time is in its budget
 *   IMAGE    the command or query whose reply is the screen
 *   CLEANUP  sent after the image was read, even when reading failed (delete a file)
 *
 * "{invert}" in any step is replaced by the row's invert_on or invert_off word, which is
 * how an instrument's own background switch is driven; "{file}" by the row's file path. */
#ifndef SCOPECAP_DRIVER_H
#define SCOPECAP_DRIVER_H

#include "scopecap/image.h"
#include "scopecap/link.h"
#include "scopecap/scpi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SC_DRIVER_MAX_SETUP 4
#define SC_DRIVER_MAX_STEPS 12

typedef enum sc_step_op {
    SC_STEP_END = 0, /* the list ends at the first zeroed step */
    SC_STEP_SEND,
    SC_STEP_SAVE,
    SC_STEP_OPC,
    SC_STEP_IMAGE,
    SC_STEP_CLEANUP,
} sc_step_op;

typedef struct sc_step {
    sc_step_op op;
    const char *text;
} sc_step;

/* How the image comes back. Documentation for --list-drivers and the tests, and a check:
 * what arrives is still decided from its bytes. */
typedef enum sc_framing {
    SC_FRAMING_BLOCK = 0,  /* IEEE 488.2 definite block, usually followed by "\n" */
    SC_FRAMING_RAW,        /* a bare image file; its own header says where it ends */
    SC_FRAMING_FILE,       /* saved on the instrument, read back (raw or block), deleted */
    SC_FRAMING_LENGTH_LE32,/* Owon: little-endian u32 length, then the file (hook) */
    SC_FRAMING_ENVELOPE,   /* Owon legacy: 12-byte envelope, then the file (hook) */
    SC_FRAMING_ANY,        /* the generic driver: whatever the reply parser recognises */
} sc_framing;

/* What may follow the image inside the reply, to be cut off by the image's own length. */
typedef enum sc_trailer {
    SC_TRAILER_NONE = 0,
    SC_TRAILER_STRAY_BYTE,  /* Siglent :PRINt?: one byte after PNG IEND */
    SC_TRAILER_LECROY_CRC,  /* LeCroy TRFL?: 8 hex digits of checksum inside the block */
} sc_trailer;

/* Code hooks: only where data cannot say it. */
typedef enum sc_driver_hook {
    SC_HOOK_NONE = 0,
    SC_HOOK_GWINSTEK_RLE,   /* the block holds run-length RGB565 pixels: decoded to a BMP */
    SC_HOOK_OWON_LENGTH,    /* the reply is LE u32 length + file, not SCPI framing */
    SC_HOOK_OWON_ENVELOPE,  /* the reply is a 12-byte envelope + file */
    SC_HOOK_GENERIC,        /* try the common screen-dump commands in turn */
} sc_driver_hook;

/* Bits of sc_protocol: which transports a family offers. */
#define SC_PROTO_BIT(p) (1u << (unsigned)(p))

typedef struct sc_driver {
    const char *name;        /* "rigol-ds1000z": what -d takes */
    const char *description; /* "Rigol DS1000Z / MSO1000Z" */
    sc_vendor vendor;
    const char *models;      /* '|'-separated anchored globs over the IDN model field; NULL: only by -d */
    /* Legacy simple form, still honoured: `setup` commands, then `screenshot_query`.
     * Rows written with `steps` leave these empty. */
    const char *setup[SC_DRIVER_MAX_SETUP];
    const char *screenshot_query;
    sc_step steps[SC_DRIVER_MAX_STEPS];
    /* Tried on the same link when the main recipe gets no image (LeCroy: TRFL? file route) */
    sc_step fallback[SC_DRIVER_MAX_STEPS];
    const char *file_path;   /* "{file}" in steps: where the instrument saves the image */
    const char *invert_on;   /* NULL: no instrument switch, the background is inverted in software */
    const char *invert_off;
    sc_framing framing;
    sc_trailer trailer;
    sc_driver_hook hook;
    bool no_idn;             /* does not answer *IDN? (not SCPI): used with -d only */
    sc_image_format native_format;
    int width, height;       /* native screen size */
    int render_ms;           /* typical time to produce a screenshot; scales the timeout */
    int first_query_ms;      /* extra time the first query of a connection takes (Keysight
                              * DSO-X 2000: ~10 s); read through sc_driver_first_query_ms() */
    unsigned protocols;      /* SC_PROTO_BIT()s the family offers */
    uint16_t raw_port;       /* its raw SCPI socket, 0 if none */
    const char *notes;       /* one line of quirks, for --list-drivers -v and the docs */
} sc_driver;

size_t sc_driver_count(void);
const sc_driver *sc_driver_at(size_t index);
const sc_driver *sc_driver_find(const char *name);
/* The first row whose vendor and model pattern match; NULL when none does. */
const sc_driver *sc_driver_match(const sc_idn *idn);
/* The row used when nothing matches: tries common commands (SC_HOOK_GENERIC). */
const sc_driver *sc_driver_generic(void);
/* Fill `out` with the screenshot query for the wanted background:
 * want_white < 0 keeps the instrument's own look. */
void sc_driver_screenshot_query(const sc_driver *d, int want_white, char *out, size_t cap);
/* Expand "{invert}" and "{file}" in one step's text. */
void sc_driver_expand(const sc_driver *d, const char *text, int want_white, char *out, size_t cap);
/* The recipe as steps, whichever form the row was written in: fills up to `max` steps and
 * returns how many. */
size_t sc_driver_steps(const sc_driver *d, sc_step *out, size_t max);
/* The row's first_query_ms (vendors.md §1.10), 0 for most rows. */
int sc_driver_first_query_ms(const sc_driver *d);
/* "raw,vxi11": the protocols a row offers, for listings. */
void sc_driver_protocol_names(const sc_driver *d, char *out, size_t cap);
const char *sc_framing_name(sc_framing f);

#ifdef __cplusplus
}
#endif
#endif
