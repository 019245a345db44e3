/* Screenshot capture: the spine every transport and driver plugs into. */
#include "scopecap/capture.h"

#include <stdio.h>
#include <string.h>

void sc_shot_init(sc_shot *shot)
{
    memset(shot, 0, sizeof *shot);
    sc_buf_init(&shot->image, 0);
}

void sc_shot_free(sc_shot *shot)
{
    sc_buf_free(&shot->image);
}

static sc_status choose_driver(const sc_shot_options *opts, sc_shot *shot, const char *label, sc_error *err)
{
    if (opts->driver_name) {
        shot->driver = sc_driver_find(opts->driver_name);
        if (!shot->driver)
            return sc_error_set(err, SC_ERR_USAGE, "no driver named \"%s\" (scopecap shot --list-drivers shows them)",
                                opts->driver_name);
        return SC_OK;
    }
    shot->driver = sc_driver_match(&shot->idn);
    if (!shot->driver)
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "%s: no screenshot driver matches \"%s\" model \"%s\"; try -d NAME (scopecap shot --list-drivers) and please report the model",
                            label, shot->idn.manufacturer, shot->idn.model);
    return SC_OK;
}

static sc_status run_recipe(sc_session *s, const sc_shot_options *opts, sc_shot *shot, sc_error *err)
{
    const sc_driver *d = shot->driver;
    sc_deadline deadline = sc_deadline_in_ms(opts->timeout_ms);
    for (int i = 0; i < SC_DRIVER_MAX_SETUP && d->setup[i]; i++) {
        sc_status st = sc_session_write(s, d->setup[i], deadline, err);
        if (st != SC_OK)
            return st;
    }
    char query[256];
    sc_driver_screenshot_query(d, opts->background, query, sizeof query);
    shot->background_applied = opts->background != SC_BACKGROUND_NATIVE && d->invert_on != NULL;
    sc_info("%s: %s driver, asking \"%s\"", sc_link_label(sc_session_link(s)), d->name, query);
    /* rendering a screen takes the instrument a while: add its typical time to the budget */
    deadline = sc_deadline_in_ms((int64_t)opts->timeout_ms + d->render_ms);
    sc_reply_kind kind;
    sc_status st = sc_session_query(s, query, &shot->image, &kind, deadline, err);
    if (st != SC_OK)
        return st;
    shot->format = sc_image_sniff(shot->image.data, shot->image.len);
    if (shot->format == SC_IMAGE_UNKNOWN) {
        char head[64];
        sc_sanitize_text(head, sizeof head, (const char *)shot->image.data, shot->image.len < 32 ? shot->image.len : 32);
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "%s: the screenshot reply (%zu bytes, starting \"%s\") is not an image; is the model right for driver %s?",
                            sc_link_label(sc_session_link(s)), shot->image.len, head, d->name);
    }
    return SC_OK;
}

sc_status sc_shot_capture(const sc_resource *res, const sc_shot_options *opts, sc_shot *shot, sc_error *err)
{
    sc_session *s = NULL;
    sc_status st = sc_session_open(res, sc_deadline_in_ms(opts->timeout_ms), &s, err);
    if (st != SC_OK)
        return st;
    sc_session_set_progress(s, opts->progress, opts->progress_ctx);
    shot->protocol = sc_link_protocol(sc_session_link(s));
    st = sc_session_identify(s, &shot->idn, sc_deadline_in_ms(opts->timeout_ms), err);
    if (st == SC_OK)
        st = choose_driver(opts, shot, sc_link_label(sc_session_link(s)), err);
    if (st == SC_OK)
        st = run_recipe(s, opts, shot, err);
    sc_session_close(s);
    return st;
}

sc_status sc_shot_convert(const sc_shot *shot, sc_image_format target, sc_background background, sc_buf *out,
                          sc_error *err)
{
    bool software_invert = background != SC_BACKGROUND_NATIVE && !shot->background_applied;
    if (target == SC_IMAGE_UNKNOWN || (target == shot->format && !software_invert)) {
        if (software_invert && target == SC_IMAGE_UNKNOWN)
            sc_warn("--background cannot be applied to a raw capture from this instrument; saved as sent");
        sc_buf_reset(out);
        return sc_buf_append(out, shot->image.data, shot->image.len, err);
    }
    sc_raster r = { 0 };
    sc_status st = sc_image_decode(shot->image.data, shot->image.len, &r, err);
    if (st != SC_OK)
        return sc_error_prefix(err, "decoding the %s from the instrument", sc_image_format_name(shot->format));
    if (software_invert && sc_raster_is_dark(&r) == (background == SC_BACKGROUND_WHITE))
        sc_raster_invert_lightness(&r);
    sc_buf_reset(out);
    st = sc_image_encode(&r, target, out, err);
    sc_raster_free(&r);
    return st;
}
