/* One screenshot, end to end: connect, identify, pick the driver row, run its recipe,
 * and hand back the image exactly as the instrument sent it (framing removed). */
#ifndef SCOPECAP_CAPTURE_H
#define SCOPECAP_CAPTURE_H

#include "scopecap/driver.h"
#include "scopecap/resource.h"
#include "scopecap/session.h"

#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sc_background {
    SC_BACKGROUND_NATIVE = -1, /* leave the instrument's look alone */
    SC_BACKGROUND_BLACK = 0,
    SC_BACKGROUND_WHITE = 1,
} sc_background;

typedef struct sc_shot_options {
    const char *driver_name;   /* -d: force a row; NULL: match by *IDN? */
    bool skip_identify;        /* with driver_name: do not ask *IDN? (saves a round trip when
                                * nothing needs the identity; shot->idn is named after the row) */
    sc_background background;
    int timeout_ms;            /* budget for connect and each exchange; render time is added */
    sc_progress_fn progress;
    void *progress_ctx;
} sc_shot_options;

typedef struct sc_shot {
    sc_idn idn;
    const sc_driver *driver;
    sc_protocol protocol;       /* the transport actually used */
    sc_image_format format;     /* decided from the bytes, not from what was asked */
    bool background_applied;    /* the instrument already produced the wanted background */
    sc_buf image;               /* the file as sent */
} sc_shot;

void sc_shot_init(sc_shot *shot);
void sc_shot_free(sc_shot *shot);
sc_status sc_shot_capture(const sc_resource *res, const sc_shot_options *opts, sc_shot *shot, sc_error *err);

/* The first half of a capture on an open session: *IDN? (unless opts says it is not
 * needed) and the row: -d, the table, or the generic driver. `known` is the row this
 * resource had before (a stream reconnecting), or NULL. A row whose instrument answers
 * the first query of a connection slowly (forced with -d, or known) gets that time on
 * top of the timeout. *asked tells whether *IDN? was sent (and answered). */
sc_status sc_shot_identify(sc_session *s, const sc_shot_options *opts, const sc_driver *known, sc_idn *idn,
                           const sc_driver **driver, bool *asked, sc_error *err);

/* ---- a driver row's screenshot recipe on an open session ----
 *
 * `scopecap shot` sets it up, takes one screen and ends it; a stream sets it up once per
 * connection and then takes screen after screen. Set-up is every step before the screen's
 * own part (SEND and SAVE steps: formats, ink saver); the screen's part is the IMAGE step,
 * and, when an OPC step waits before it, the SEND that OPC waits for (SAVE:IMAGe, SCDP)
 * and the OPC; CLEANUP steps follow every screen. Hooks (GW Instek run-length pixels, Owon
 * length prefixes), trailers and the LeCroy stub are handled in every screen. When the
 * main recipe gives no image, the row's fallback route takes over for good. */
typedef struct sc_recipe sc_recipe;

typedef struct sc_recipe_options {
    sc_background background;
    int timeout_ms;              /* each exchange; the row's render time is added to the screen's */
    bool may_switch_protocol;    /* the link came from the auto cascade: a LeCroy's VXI-11 stub is
                                  * answered by re-opening over VICP. Otherwise the protocol the
                                  * user named is kept and the row's fallback route is taken. */
    bool first_reply_pending;    /* nothing was read on the session yet (*IDN? skipped): the row's
                                  * slow first query is budgeted in the first exchange */
    const sc_idn *idn;           /* for messages (the generic driver); may be NULL */
    pthread_mutex_t *session_lock; /* held while the session is replaced; may be NULL */
    sc_progress_fn progress;
    void *progress_ctx;
} sc_recipe_options;

/* Run the set-up on *session (which the recipe may replace by a new one: the VICP
 * re-open, the generic driver's fresh link after a timeout). The recipe never closes
 * the session it was given last; the caller does. */
sc_status sc_recipe_start(sc_session **session, const sc_driver *d, const sc_recipe_options *o, sc_recipe **out,
                          sc_error *err);
/* One screen: the image file exactly as sent (framing, trailers removed; run-length
 * pixels decoded to a BMP). */
sc_status sc_recipe_screen(sc_recipe *r, sc_buf *image, sc_error *err);
/* Pipelining: when the screen's part is one query, send it now; the next
 * sc_recipe_screen reads its reply. Does nothing (SC_OK) for other recipes. */
sc_status sc_recipe_request(sc_recipe *r, sc_error *err);
bool sc_recipe_can_pipeline(const sc_recipe *r);
/* "SCDP", the command whose reply is the screen (for messages). */
const char *sc_recipe_command(const sc_recipe *r);
/* Put SAVEd settings back (failures are logged) and free. NULL is fine. */
void sc_recipe_end(sc_recipe *r);
/* Convert to `target` (SC_IMAGE_UNKNOWN = raw: the bytes as sent), inverting the background
 * in software when the instrument could not. */
sc_status sc_shot_convert(const sc_shot *shot, sc_image_format target, sc_background background, sc_buf *out,
                          sc_error *err);

#ifdef __cplusplus
}
#endif
#endif
