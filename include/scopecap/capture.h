/* One screenshot, end to end: connect, identify, pick the driver row, run its recipe,
 * and hand back the image exactly as the instrument sent it (framing removed). */
#ifndef SCOPECAP_CAPTURE_H
#define SCOPECAP_CAPTURE_H

#include "scopecap/driver.h"
#include "scopecap/resource.h"
#include "scopecap/session.h"

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
/* Convert to `target` (SC_IMAGE_UNKNOWN = raw: the bytes as sent), inverting the background
 * in software when the instrument could not. */
sc_status sc_shot_convert(const sc_shot *shot, sc_image_format target, sc_background background, sc_buf *out,
                          sc_error *err);

#ifdef __cplusplus
}
#endif
#endif
