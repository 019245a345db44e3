/* Screenshot capture: the spine every transport and driver plugs into.
 *
 * identify (*IDN?) -> choose the row (-d, the table, or the generic driver) -> run its
 * recipe steps -> if the reply is no image: the LeCroy VICP re-open, then the row's
 * fallback route -> cut what follows the image's own end -> decide the format from the
 * bytes. What was asked for is never trusted: a Rigol MSO5000 asked for PNG sends BMP. */
#include "scopecap/capture.h"

#include "drivers/drivers.h"
#include "image/rle565.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A screen-dump reply this short over VXI-11 is LeCroy's stub, not an image. */
#define LECROY_STUB_MAX 1024
/* Per candidate of the generic driver: short, an unknown command must not cost much. */
#define GENERIC_STEP_MS 4000
#define SAVED_MAX 128

void sc_shot_init(sc_shot *shot)
{
    memset(shot, 0, sizeof *shot);
    sc_buf_init(&shot->image, 0);
}

void sc_shot_free(sc_shot *shot)
{
    sc_buf_free(&shot->image);
}

/* What one run of a recipe ended with, beyond its status. */
typedef struct run_outcome {
    bool non_image;   /* a reply came, but it was not an image */
    size_t reply_len;
} run_outcome;

typedef struct capture_ctx {
    const sc_shot_options *opts;
    sc_shot *shot;
    const sc_driver *driver;
    int want_white;
} capture_ctx;

static sc_deadline exchange_deadline(const capture_ctx *c)
{
    return sc_deadline_in_ms(c->opts->timeout_ms);
}

/* Rendering a screen takes the instrument a while: its typical time goes on top. */
static sc_deadline render_deadline(const capture_ctx *c)
{
    return sc_deadline_in_ms((int64_t)c->opts->timeout_ms + c->driver->render_ms);
}

static const char *label_of(sc_session *s)
{
    return sc_link_label(sc_session_link(s));
}

/* ---- choosing the row ---- */

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
    if (!shot->driver) {
        shot->driver = sc_driver_generic();
        sc_info("%s: no driver row matches \"%s\" model \"%s\": trying the generic driver", label,
                shot->idn.manufacturer, shot->idn.model);
    }
    return SC_OK;
}

/* ---- reading replies ---- */

static sc_status read_exact(sc_link *link, uint8_t *out, size_t n, sc_deadline deadline, sc_error *err)
{
    size_t have = 0;
    while (have < n) {
        size_t got = 0;
        bool end = false;
        sc_status st = sc_link_read(link, out + have, n - have, &got, &end, deadline, err);
        if (st != SC_OK)
            return sc_error_append(err, " (after %zu of %zu bytes)", have, n);
        have += got;
        if (end && have < n)
            return sc_error_set(err, SC_ERR_PROTOCOL, "%s: the message ended after %zu of %zu bytes",
                                sc_link_label(link), have, n);
    }
    return SC_OK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Owon: a length (LE u32) that says how long the BMP after it is, then the BMP. Some
 * firmware counts the length field itself; the BMP's own size field settles which. */
static sc_status read_length_prefixed(sc_session *s, const capture_ctx *c, size_t prefix_len, sc_buf *image,
                                      sc_error *err)
{
    sc_link *link = sc_session_link(s);
    sc_deadline deadline = render_deadline(c);
    uint8_t prefix[16];
    sc_status st = read_exact(link, prefix, prefix_len, deadline, err);
    if (st != SC_OK)
        return st;
    size_t declared = le32(prefix);
    uint8_t head[6];
    if (declared < sizeof head + 8 || declared > sc_max_response())
        return sc_error_set(err, declared > sc_max_response() ? SC_ERR_TOO_LARGE : SC_ERR_PROTOCOL,
                            "%s: the length prefix says %zu bytes, not a screen image (limit %zu; is the driver right?)",
                            sc_link_label(link), declared, sc_max_response());
    st = read_exact(link, head, sizeof head, deadline, err);
    if (st != SC_OK)
        return st;
    if (head[0] != 'B' || head[1] != 'M')
        return sc_error_set(err, SC_ERR_INSTRUMENT, "%s: the image after the length prefix is not a BMP (starts 0x%02x 0x%02x)",
                            sc_link_label(link), head[0], head[1]);
    size_t size = le32(head + 2);
    if (size != declared && size + prefix_len != declared && size + 4 != declared)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: the length prefix says %zu bytes but the BMP header says %zu (corrupt transfer?)",
                            sc_link_label(link), declared, size);
    sc_buf_reset(image);
    st = sc_buf_reserve(image, size, err);
    if (st != SC_OK)
        return st;
    memcpy(image->data, head, sizeof head);
    st = read_exact(link, image->data + sizeof head, size - sizeof head, deadline, err);
    if (st != SC_OK)
        return st;
    image->len = size;
    return SC_OK;
}

/* The bytes after the image's own end inside a reply: a trailer the row expects is cut
 * silently, anything else is cut with a note (the image is whole either way). */
static void cut_trailer(const sc_driver *d, sc_buf *image, const char *label)
{
    size_t total = 0;
    if (sc_image_file_length(image->data, image->len, image->len, &total, NULL) != SC_OK || total == 0 ||
        total >= image->len)
        return;
    size_t extra = image->len - total;
    const uint8_t *t = image->data + total;
    bool expected = false;
    if (d->trailer == SC_TRAILER_LECROY_CRC && extra >= 8) {
        expected = true;
        for (int i = 0; i < 8; i++)
            expected = expected && isxdigit(t[i]);
    } else if (d->trailer == SC_TRAILER_STRAY_BYTE && extra == 1) {
        expected = true;
    }
    if (expected)
        sc_debug("%s: cut the %zu-byte %s after the image", label, extra,
                 d->trailer == SC_TRAILER_LECROY_CRC ? "checksum trailer" : "stray byte");
    else
        sc_info("%s: %zu unexpected bytes after the image's end were dropped", label, extra);
    image->len = total;
}

/* GW Instek: the block holds run-length RGB565; keep it as a BMP of the native size. */
static sc_status decode_rle(const capture_ctx *c, sc_buf *image, const char *label, sc_error *err)
{
    sc_raster r = { 0 };
    sc_status st = sc_rle565_decode(image->data, image->len, c->driver->width, c->driver->height, &r, err);
    if (st != SC_OK)
        return sc_error_prefix(err, "%s", label);
    sc_buf_reset(image);
    st = sc_bmp_encode(&r, image, err);
    sc_raster_free(&r);
    return st;
}

/* The image step: send, read the reply the way the row says, check it is an image. */
static sc_status run_image_step(sc_session *s, const capture_ctx *c, const char *command, run_outcome *out,
                                sc_error *err)
{
    const sc_driver *d = c->driver;
    sc_buf *image = &c->shot->image;
    sc_info("%s: %s driver, asking \"%s\"", label_of(s), d->name, command);
    sc_status st;
    sc_reply_kind kind = SC_REPLY_UNDECIDED;
    if (d->hook == SC_HOOK_OWON_LENGTH || d->hook == SC_HOOK_OWON_ENVELOPE) {
        st = sc_session_write(s, command, exchange_deadline(c), err);
        if (st == SC_OK)
            st = read_length_prefixed(s, c, d->hook == SC_HOOK_OWON_ENVELOPE ? 12 : 4, image, err);
        return st;
    }
    st = sc_session_query(s, command, image, &kind, render_deadline(c), err);
    if (st != SC_OK)
        return st;
    if (d->hook == SC_HOOK_GWINSTEK_RLE && kind == SC_REPLY_DEFINITE &&
        sc_image_sniff(image->data, image->len) == SC_IMAGE_UNKNOWN)
        return decode_rle(c, image, label_of(s), err);
    if (kind == SC_REPLY_TEXT || sc_image_sniff(image->data, image->len) == SC_IMAGE_UNKNOWN) {
        char head[64];
        sc_sanitize_text(head, sizeof head, (const char *)image->data, image->len < 40 ? image->len : 40);
        out->non_image = true;
        out->reply_len = image->len;
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "%s: the reply to \"%s\" (%zu bytes, starting \"%s\") is not an image; is driver %s right "
                            "for this model?",
                            label_of(s), command, image->len, head, d->name);
    }
    cut_trailer(d, image, label_of(s));
    return SC_OK;
}

/* "HARDCopy:FORMat?" answered "BMP" -> "HARDCopy:FORMat BMP"; a reply that already
 * carries its header (HEADER ON: ":HARDCOPY:FORMAT BMP") is sent back as it is. */
static void restore_line(const char *query, const char *answer, char *out, size_t cap)
{
    int w;
    if (answer[0] == ':' && strchr(answer, ' '))
        w = snprintf(out, cap, "%s", answer);
    else
        w = snprintf(out, cap, "%.*s %s", (int)strcspn(query, "?"), query, answer);
    if (w < 0 || (size_t)w >= cap)
        out[0] = '\0'; /* a setting too long to put back whole is better not put back */
}

/* Run one list of steps. CLEANUP steps and restoring SAVEd settings happen afterwards,
 * whatever happened before them, and their own failures are only logged. */
static sc_status run_steps(sc_session *s, const capture_ctx *c, const sc_step *steps, size_t n, run_outcome *out,
                           sc_error *err)
{
    char saved[SC_DRIVER_MAX_STEPS][SAVED_MAX];
    size_t saved_count = 0;
    sc_status st = SC_OK;
    char text[512];
    for (size_t i = 0; i < n && st == SC_OK; i++) {
        sc_driver_expand(c->driver, steps[i].text ? steps[i].text : "", c->want_white, text, sizeof text);
        switch (steps[i].op) {
        case SC_STEP_SEND:
            st = sc_session_write(s, text, exchange_deadline(c), err);
            break;
        case SC_STEP_SAVE: {
            char answer[SAVED_MAX];
            st = sc_session_query_text(s, text, answer, sizeof answer, exchange_deadline(c), err);
            if (st == SC_OK && saved_count < SC_DRIVER_MAX_STEPS)
                restore_line(text, answer, saved[saved_count++], SAVED_MAX);
            break;
        }
        case SC_STEP_OPC: {
            char answer[64];
            st = sc_session_query_text(s, text, answer, sizeof answer, render_deadline(c), err);
            break;
        }
        case SC_STEP_IMAGE:
            st = run_image_step(s, c, text, out, err);
            break;
        case SC_STEP_CLEANUP:
        case SC_STEP_END:
            break;
        }
    }
    size_t after = 0;
    for (size_t i = 0; i < n; i++) {
        if (steps[i].op != SC_STEP_CLEANUP)
            continue;
        sc_error ignored;
        sc_error_clear(&ignored);
        sc_driver_expand(c->driver, steps[i].text, c->want_white, text, sizeof text);
        if (sc_session_write(s, text, exchange_deadline(c), &ignored) != SC_OK)
            sc_info("%s: cleanup \"%s\" failed: %s", label_of(s), text, ignored.message);
        after++;
    }
    for (size_t i = 0; i < saved_count; i++) {
        sc_error ignored;
        sc_error_clear(&ignored);
        if (saved[i][0] && sc_session_write(s, saved[i], exchange_deadline(c), &ignored) != SC_OK)
            sc_info("%s: restoring \"%s\" failed: %s", label_of(s), saved[i], ignored.message);
        after++;
    }
    if (after > 0 && st == SC_OK) {
        /* Wait until the instrument has done them: closing the link at once may leave the
         * delete unexecuted when the next client looks (HiSLIP, a busy instrument). */
        char answer[64];
        sc_error ignored;
        sc_error_clear(&ignored);
        if (sc_session_query_text(s, "*OPC?", answer, sizeof answer, exchange_deadline(c), &ignored) != SC_OK)
            sc_info("%s: *OPC? after cleanup: %s", label_of(s), ignored.message);
    }
    return st;
}

static size_t fallback_steps(const sc_driver *d, sc_step *out, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < SC_DRIVER_MAX_STEPS && d->fallback[i].op != SC_STEP_END && n < max; i++)
        out[n++] = d->fallback[i];
    return n;
}

/* ---- the generic driver ---- */

static bool is_opc_answer(const sc_buf *b)
{
    char t[32];
    sc_sanitize_text(t, sizeof t, (const char *)b->data, b->len < 31 ? b->len : 31);
    return strcmp(t, "1") == 0 || strcmp(t, "+1") == 0 || strcmp(t, "*OPC 1") == 0;
}

/* A fresh connection after a candidate timed out: a late reply must not be taken for the
 * answer to the next one. */
static sc_status reopen(sc_session **s, const capture_ctx *c, sc_error *err)
{
    sc_resource res = *sc_link_resource(sc_session_link(*s));
    sc_session_close(*s);
    *s = NULL;
    return sc_session_open(&res, exchange_deadline(c), s, err);
}

static sc_status try_candidate(sc_session *s, const capture_ctx *c, const char *command, sc_error *err)
{
    int ms = c->opts->timeout_ms < GENERIC_STEP_MS ? c->opts->timeout_ms : GENERIC_STEP_MS;
    sc_deadline deadline = sc_deadline_in_ms(ms);
    sc_buf *image = &c->shot->image;
    sc_status st = sc_session_write(s, command, deadline, err);
    if (st == SC_OK)
        st = sc_session_write(s, "*OPC?", deadline, err);
    if (st == SC_OK)
        st = sc_session_read_reply(s, image, NULL, deadline, err);
    if (st != SC_OK)
        return st;
    if (is_opc_answer(image))
        return sc_error_set(err, SC_ERR_INSTRUMENT, "no reply before *OPC? (command not known)");
    bool ok = sc_image_sniff(image->data, image->len) != SC_IMAGE_UNKNOWN;
    sc_buf opc;
    sc_buf_init(&opc, 4096);
    sc_error ignored;
    sc_error_clear(&ignored);
    sc_session_read_reply(s, &opc, NULL, deadline, &ignored); /* the *OPC? answer that follows */
    sc_buf_free(&opc);
    if (!ok)
        return sc_error_set(err, SC_ERR_INSTRUMENT, "a %zu-byte reply that is not an image", image->len);
    return SC_OK;
}

static sc_status run_generic(sc_session **s, const capture_ctx *c, sc_error *err)
{
    char tried[SC_ERROR_MAX / 2] = "";
    size_t used = 0;
    for (size_t i = 0; sc_generic_candidates[i]; i++) {
        const char *command = sc_generic_candidates[i];
        sc_error step_err;
        sc_error_clear(&step_err);
        sc_info("%s: generic driver: trying \"%s\"", label_of(*s), command);
        sc_status st = try_candidate(*s, c, command, &step_err);
        if (st == SC_OK) {
            cut_trailer(c->driver, &c->shot->image, label_of(*s));
            sc_warn("%s: no driver row matches %s %s; the generic driver got the screen with \"%s\" "
                    "(please report this model and command so it gets its own row)",
                    label_of(*s), c->shot->idn.manufacturer, c->shot->idn.model, command);
            return SC_OK;
        }
        sc_info("%s: generic driver: \"%s\" gave no image: %s", label_of(*s), command, step_err.message);
        int w = snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", command);
        if (w > 0 && (size_t)w < sizeof tried - used)
            used += (size_t)w;
        if (st != SC_ERR_INSTRUMENT) {
            st = reopen(s, c, err);
            if (st != SC_OK)
                return st;
        }
    }
    return sc_error_set(err, SC_ERR_INSTRUMENT,
                        "%s: no driver row matches %s %s and none of the common screen-dump commands gave an image "
                        "(tried %s); -v shows each reply. Please report the model",
                        label_of(*s), c->shot->idn.manufacturer, c->shot->idn.model, tried);
}

/* ---- the recipe, with LeCroy's VICP re-open and the fallback route ---- */

static bool is_lecroy_stub(sc_session *s, const capture_ctx *c, const run_outcome *o)
{
    return c->driver->vendor == SC_VENDOR_LECROY && o->non_image && o->reply_len <= LECROY_STUB_MAX &&
           sc_link_protocol(sc_session_link(s)) == SC_PROTO_VXI11;
}

/* Over VXI-11 a LeCroy answers SCDP with a stub; the same instrument over VICP sends the
 * image. Open VICP beside the VXI-11 link (kept for the fallback) and run the recipe there. */
static sc_status retry_over_vicp(sc_session *s, const capture_ctx *c, const sc_step *steps, size_t n, bool *reached,
                                 sc_error *err)
{
    sc_resource res = *sc_link_resource(sc_session_link(s));
    res.protocol = SC_PROTO_VICP;
    res.port = 0;
    res.device[0] = '\0';
    sc_info("%s: a %s over VXI-11 answers screen dumps with a short stub: re-opening over VICP", label_of(s),
            c->driver->description);
    sc_session *v = NULL;
    sc_error open_err;
    sc_error_clear(&open_err);
    *reached = false;
    if (sc_session_open(&res, exchange_deadline(c), &v, &open_err) != SC_OK) {
        sc_info("%s: VICP not reachable (%s)", label_of(s), open_err.message);
        return SC_ERR_UNREACHABLE;
    }
    *reached = true;
    sc_session_set_progress(v, c->opts->progress, c->opts->progress_ctx);
    run_outcome o = { 0 };
    sc_status st = run_steps(v, c, steps, n, &o, err);
    if (st == SC_OK)
        c->shot->protocol = SC_PROTO_VICP;
    sc_session_close(v);
    return st;
}

static sc_status run_recipe(sc_session **s, const capture_ctx *c, sc_error *err)
{
    const sc_driver *d = c->driver;
    if (d->hook == SC_HOOK_GENERIC)
        return run_generic(s, c, err);
    sc_step steps[SC_DRIVER_MAX_STEPS + SC_DRIVER_MAX_SETUP + 1];
    size_t n = sc_driver_steps(d, steps, sizeof steps / sizeof steps[0]);
    run_outcome o = { 0 };
    sc_status st = run_steps(*s, c, steps, n, &o, err);
    if (st == SC_OK || !o.non_image)
        return st;
    if (is_lecroy_stub(*s, c, &o)) {
        bool reached = false;
        sc_error vicp_err;
        sc_error_clear(&vicp_err);
        st = retry_over_vicp(*s, c, steps, n, &reached, &vicp_err);
        if (st == SC_OK)
            return SC_OK;
        if (reached) {
            *err = vicp_err;
            return st;
        }
    }
    sc_step fb[SC_DRIVER_MAX_STEPS];
    size_t nfb = fallback_steps(d, fb, SC_DRIVER_MAX_STEPS);
    if (nfb == 0)
        return st;
    sc_info("%s: %s: no image from the direct route, taking the fallback route", label_of(*s), d->name);
    run_outcome fo = { 0 };
    sc_error_clear(err);
    return run_steps(*s, c, fb, nfb, &fo, err);
}

/* An instrument not asked *IDN? (forced with -d): name it after the row. */
static void idn_from_driver(const sc_driver *d, sc_idn *idn)
{
    memset(idn, 0, sizeof *idn);
    snprintf(idn->manufacturer, sizeof idn->manufacturer, "%s", sc_vendor_name(d->vendor));
    snprintf(idn->model, sizeof idn->model, "%s", d->name);
}

sc_status sc_shot_capture(const sc_resource *res, const sc_shot_options *opts, sc_shot *shot, sc_error *err)
{
    sc_session *s = NULL;
    sc_status st = sc_session_open(res, sc_deadline_in_ms(opts->timeout_ms), &s, err);
    if (st != SC_OK)
        return st;
    sc_session_set_progress(s, opts->progress, opts->progress_ctx);
    shot->protocol = sc_link_protocol(sc_session_link(s));
    const sc_driver *forced = opts->driver_name ? sc_driver_find(opts->driver_name) : NULL;
    if (forced && (forced->no_idn || opts->skip_identify))
        idn_from_driver(forced, &shot->idn);
    else
        st = sc_session_identify(s, &shot->idn, sc_deadline_in_ms(opts->timeout_ms), err);
    if (st == SC_OK)
        st = choose_driver(opts, shot, label_of(s), err);
    if (st == SC_OK) {
        capture_ctx c = { .opts = opts, .shot = shot, .driver = shot->driver, .want_white = opts->background };
        shot->background_applied = opts->background != SC_BACKGROUND_NATIVE && shot->driver->invert_on != NULL;
        st = run_recipe(&s, &c, err);
    }
    if (st == SC_OK) {
        shot->format = sc_image_sniff(shot->image.data, shot->image.len);
        if (shot->format == SC_IMAGE_UNKNOWN)
            st = sc_error_set(err, SC_ERR_INSTRUMENT, "%s: the screenshot reply (%zu bytes) is not an image",
                              label_of(s), shot->image.len);
        else if (shot->driver->native_format != SC_IMAGE_UNKNOWN && shot->format != shot->driver->native_format)
            sc_debug("%s: %s sent %s (its row says %s); going by the bytes", label_of(s), shot->idn.model,
                     sc_image_format_name(shot->format), sc_image_format_name(shot->driver->native_format));
    }
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
