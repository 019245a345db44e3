/* Screenshot capture: the spine every transport and driver plugs into.
 *
 * identify (*IDN?) -> choose the row (-d, the table, or the generic driver) -> set up its
 * recipe -> take the screen -> if the reply is no image: the LeCroy VICP re-open (only
 * when the auto cascade chose VXI-11), then the row's fallback route -> cut what follows
 * the image's own end -> decide the format from the bytes. What was asked for is never
 * trusted: a Rigol MSO5000 asked for PNG sends BMP.
 *
 * The recipe half (sc_recipe_*) is what `scopecap stream` runs too, once set up per
 * connection and then screen after screen, so a row behaves the same in both. */
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

/* ---- choosing the row ---- */

/* An instrument not asked *IDN? (forced with -d): name it after the row. */
static void idn_from_driver(const sc_driver *d, sc_idn *idn)
{
    memset(idn, 0, sizeof *idn);
    snprintf(idn->manufacturer, sizeof idn->manufacturer, "%s", sc_vendor_name(d->vendor));
    snprintf(idn->model, sizeof idn->model, "%s", d->name);
}

/* The row whose first query is slowest, for the hint after a silent *IDN?. */
static const sc_driver *slowest_first_query(void)
{
    const sc_driver *slowest = NULL;
    for (size_t i = 0; i < sc_driver_count(); i++) {
        const sc_driver *d = sc_driver_at(i);
        if (sc_driver_first_query_ms(d) > sc_driver_first_query_ms(slowest))
            slowest = d;
    }
    return slowest;
}

sc_status sc_shot_identify(sc_session *s, const sc_shot_options *opts, const sc_driver *known, sc_idn *idn,
                           const sc_driver **driver, bool *asked, sc_error *err)
{
    const char *label = sc_link_label(sc_session_link(s));
    *driver = NULL;
    *asked = false;
    const sc_driver *forced = NULL;
    if (opts->driver_name) {
        forced = sc_driver_find(opts->driver_name);
        if (!forced)
            return sc_error_set(err, SC_ERR_USAGE, "no driver named \"%s\" (scopecap shot --list-drivers shows them)",
                                opts->driver_name);
        if (forced->no_idn || opts->skip_identify) {
            idn_from_driver(forced, idn);
            *driver = forced;
            return SC_OK;
        }
    }
    /* *IDN? is the first query of the connection: a row known to answer that one slowly
     * gets its time; an unknown instrument gets the plain timeout and, if silent, a hint */
    const sc_driver *expected = forced ? forced : known;
    int extra = sc_driver_first_query_ms(expected);
    if (extra > 0)
        sc_info("%s: %s answers the first query of a connection slowly: allowing %.3g s more", label,
                expected->description, extra / 1000.0);
    sc_status st = sc_session_identify(s, idn, sc_deadline_in_ms((int64_t)opts->timeout_ms + extra), err);
    const sc_driver *slow = slowest_first_query();
    if (st == SC_ERR_TIMEOUT && !expected && slow)
        sc_error_append(err, " (a %s answers the first query of a connection only after ~%d s: -d %s allows for that)",
                        slow->description, (sc_driver_first_query_ms(slow) + 500) / 1000, slow->name);
    if (st != SC_OK)
        return st;
    *asked = true;
    if (forced) {
        *driver = forced;
        return SC_OK;
    }
    *driver = sc_driver_match(idn);
    if (!*driver) {
        *driver = sc_driver_generic();
        sc_info("%s: no driver row matches \"%s\" model \"%s\": trying the generic driver", label, idn->manufacturer,
                idn->model);
    }
    return SC_OK;
}

/* ---- the recipe on an open session ---- */

#define MAX_RECIPE (SC_DRIVER_MAX_STEPS + SC_DRIVER_MAX_SETUP + 1)
#define MAX_SAVED (2 * SC_DRIVER_MAX_STEPS)

struct sc_recipe {
    sc_session **s;
    const sc_driver *d;
    sc_recipe_options o;
    int want_white;
    sc_step steps[MAX_RECIPE];  /* the recipe in use: the row's own, or its fallback route */
    size_t n;
    size_t screen_from;         /* the first step of the screen's part */
    size_t image_at;            /* the IMAGE step */
    bool pipelinable;           /* the screen's part is that one query */
    bool on_fallback;
    bool generic_pending;       /* the generic driver has not found its command yet */
    char generic_command[128];  /* ... and this is the one that worked */
    char command[512];          /* the screen's command, expanded */
    bool told;                  /* "asking ..." logged for this command */
    bool pending;               /* a pipelined request is on its way */
    bool healthy;               /* the last exchange worked: worth an *OPC? after restoring */
    char saved[MAX_SAVED][SAVED_MAX]; /* settings to put back, as commands */
    size_t saved_count;
    int first_extra_ms;         /* a slow first query: added until the first reply came */
    bool awaiting_first_reply;
};

/* What one screen's steps ended with, beyond their status. */
typedef struct run_outcome {
    bool non_image;  /* a reply came, but it was not an image */
    size_t reply_len;
    char head[64];   /* its first bytes, printable */
} run_outcome;

static const char *label_of(const sc_recipe *r)
{
    return sc_link_label(sc_session_link(*r->s));
}

static int extra_ms(const sc_recipe *r)
{
    return r->awaiting_first_reply ? r->first_extra_ms : 0;
}

static sc_deadline exchange_deadline(const sc_recipe *r)
{
    return sc_deadline_in_ms((int64_t)r->o.timeout_ms + extra_ms(r));
}

/* Rendering a screen takes the instrument a while: its typical time goes on top. */
static sc_deadline render_deadline(const sc_recipe *r)
{
    return sc_deadline_in_ms((int64_t)r->o.timeout_ms + r->d->render_ms + extra_ms(r));
}

static void got_reply(sc_recipe *r)
{
    r->awaiting_first_reply = false;
}

/* Load a list of steps and find where the screen's part starts: at the IMAGE step, or,
 * when an OPC waits before it, at the SEND that OPC waits for (the save or dump that
 * makes the image). Everything before is set-up, done once per connection. */
static sc_status load_steps(sc_recipe *r, const sc_step *steps, size_t n, sc_error *err)
{
    memcpy(r->steps, steps, n * sizeof *steps);
    r->n = n;
    r->image_at = n;
    for (size_t i = 0; i < n && r->image_at == n; i++)
        if (steps[i].op == SC_STEP_IMAGE)
            r->image_at = i;
    if (r->image_at == n)
        return sc_error_set(err, SC_ERR_UNSUPPORTED, "driver %s has no image step (a bug in its table row)",
                            r->d->name);
    r->screen_from = r->image_at;
    for (size_t i = r->image_at; i > 0; i--) {
        if (steps[i - 1].op != SC_STEP_OPC)
            continue;
        r->screen_from = i - 1;
        if (i >= 2 && steps[i - 2].op == SC_STEP_SEND)
            r->screen_from = i - 2;
        break;
    }
    r->pipelinable = r->screen_from == r->image_at && r->image_at + 1 == n;
    sc_driver_expand(r->d, steps[r->image_at].text, r->want_white, r->command, sizeof r->command);
    r->told = false;
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
static sc_status read_length_prefixed(sc_recipe *r, size_t prefix_len, sc_buf *image, sc_error *err)
{
    sc_link *link = sc_session_link(*r->s);
    sc_deadline deadline = render_deadline(r);
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
static sc_status decode_rle(const sc_recipe *r, sc_buf *image, sc_error *err)
{
    sc_raster ras = { 0 };
    sc_status st = sc_rle565_decode(image->data, image->len, r->d->width, r->d->height, &ras, err);
    if (st != SC_OK)
        return sc_error_prefix(err, "%s", label_of(r));
    sc_buf_reset(image);
    st = sc_bmp_encode(&ras, image, err);
    sc_raster_free(&ras);
    return st;
}

/* Siglent's stray byte after the PNG: on a raw socket the image ends at IEND, and the byte
 * (now or a moment later) would be the start of the next reply, which it spoils. An *OPC?
 * answered after it takes it along: "\0" + "1\n" is one line, whenever the byte came. */
static sc_status drain_stray_byte(sc_recipe *r, sc_error *err)
{
    char answer[32];
    sc_status st = sc_session_query_text(*r->s, "*OPC?", answer, sizeof answer, exchange_deadline(r), err);
    if (st != SC_OK)
        return sc_error_prefix(err, "%s: reading past the stray byte after the image", label_of(r));
    sc_trace("%s: stray byte and *OPC? read (\"%s\")", label_of(r), answer);
    return SC_OK;
}

/* ---- the image step, in two halves so that a stream can send the next request early ---- */

static sc_status image_send(sc_recipe *r, sc_error *err)
{
    if (!r->told)
        sc_info("%s: %s driver, asking \"%s\"", label_of(r), r->d->name, r->command);
    else
        sc_trace("%s: asking \"%s\"", label_of(r), r->command);
    r->told = true;
    return sc_session_write(*r->s, r->command, exchange_deadline(r), err);
}

/* Read the reply the way the row says, and check that it is an image. */
static sc_status image_read(sc_recipe *r, sc_buf *image, run_outcome *out, sc_error *err)
{
    const sc_driver *d = r->d;
    sc_status st;
    if (d->hook == SC_HOOK_OWON_LENGTH || d->hook == SC_HOOK_OWON_ENVELOPE) {
        st = read_length_prefixed(r, d->hook == SC_HOOK_OWON_ENVELOPE ? 12 : 4, image, err);
        if (st == SC_OK)
            got_reply(r);
        return st;
    }
    sc_reply_kind kind = SC_REPLY_UNDECIDED;
    st = sc_session_read_reply(*r->s, image, &kind, render_deadline(r), err);
    if (st == SC_ERR_TIMEOUT)
        sc_error_prefix(err, "query \"%s\"", r->command);
    if (st != SC_OK)
        return st;
    got_reply(r);
    if (d->hook == SC_HOOK_GWINSTEK_RLE && kind == SC_REPLY_DEFINITE &&
        sc_image_sniff(image->data, image->len) == SC_IMAGE_UNKNOWN)
        return decode_rle(r, image, err);
    if (kind == SC_REPLY_TEXT || sc_image_sniff(image->data, image->len) == SC_IMAGE_UNKNOWN) {
        sc_sanitize_text(out->head, sizeof out->head, (const char *)image->data, image->len < 60 ? image->len : 60);
        out->non_image = true;
        out->reply_len = image->len;
        return sc_error_set(err, SC_ERR_INSTRUMENT,
                            "%s: the reply to \"%s\" (%zu bytes, starting \"%.40s\") is not an image; is driver %s right "
                            "for this model?",
                            label_of(r), r->command, image->len, out->head, d->name);
    }
    cut_trailer(d, image, label_of(r));
    if (d->trailer == SC_TRAILER_STRAY_BYTE && !sc_link_has_end_marker(sc_session_link(*r->s)))
        return drain_stray_byte(r, err);
    return SC_OK;
}

/* ---- the other steps ---- */

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

/* One SEND, SAVE or OPC step. */
static sc_status run_step(sc_recipe *r, const sc_step *step, sc_error *err)
{
    char text[512];
    sc_driver_expand(r->d, step->text ? step->text : "", r->want_white, text, sizeof text);
    char answer[SAVED_MAX];
    sc_status st = SC_OK;
    switch (step->op) {
    case SC_STEP_SEND:
        return sc_session_write(*r->s, text, exchange_deadline(r), err);
    case SC_STEP_SAVE:
        st = sc_session_query_text(*r->s, text, answer, sizeof answer, exchange_deadline(r), err);
        if (st == SC_OK && r->saved_count < MAX_SAVED)
            restore_line(text, answer, r->saved[r->saved_count++], SAVED_MAX);
        break;
    case SC_STEP_OPC:
        st = sc_session_query_text(*r->s, text, answer, sizeof answer, render_deadline(r), err);
        break;
    default:
        return SC_OK;
    }
    if (st == SC_OK)
        got_reply(r);
    return st;
}

/* The set-up: every step before the screen's part, and every SAVE. `save` false on a
 * second link to the same instrument (the VICP re-open): the settings are saved already. */
static sc_status run_setup(sc_recipe *r, bool save, sc_error *err)
{
    for (size_t i = 0; i < r->n; i++) {
        sc_step_op op = r->steps[i].op;
        bool setup = op == SC_STEP_SAVE ? save : i < r->screen_from && op != SC_STEP_CLEANUP;
        if (!setup)
            continue;
        sc_status st = run_step(r, &r->steps[i], err);
        if (st != SC_OK)
            return st;
    }
    return SC_OK;
}

/* Wait until the instrument has done what was sent last: closing the link at once may
 * leave a delete unexecuted when the next client looks (HiSLIP, a busy instrument). */
static void settle(sc_recipe *r)
{
    char answer[64];
    sc_error ignored;
    sc_error_clear(&ignored);
    if (sc_session_query_text(*r->s, "*OPC?", answer, sizeof answer, exchange_deadline(r), &ignored) != SC_OK)
        sc_info("%s: *OPC? after cleanup: %s", label_of(r), ignored.message);
}

/* CLEANUP steps run after every screen, whatever happened before them; their own
 * failures are only logged. */
static void run_cleanups(sc_recipe *r, bool screen_ok)
{
    size_t done = 0;
    char text[512];
    for (size_t i = 0; i < r->n; i++) {
        if (r->steps[i].op != SC_STEP_CLEANUP)
            continue;
        sc_error ignored;
        sc_error_clear(&ignored);
        sc_driver_expand(r->d, r->steps[i].text, r->want_white, text, sizeof text);
        if (sc_session_write(*r->s, text, exchange_deadline(r), &ignored) != SC_OK)
            sc_info("%s: cleanup \"%s\" failed: %s", label_of(r), text, ignored.message);
        done++;
    }
    if (done > 0 && screen_ok)
        settle(r);
}

/* The screen's part: the request already sent (pipelining) or the steps from the start. */
static sc_status run_screen_steps(sc_recipe *r, sc_buf *image, run_outcome *out, sc_error *err)
{
    sc_status st = SC_OK;
    if (r->pending) {
        r->pending = false;
        st = image_read(r, image, out, err);
    } else {
        for (size_t i = r->screen_from; i < r->n && st == SC_OK; i++) {
            sc_step_op op = r->steps[i].op;
            if (op == SC_STEP_IMAGE) {
                st = image_send(r, err);
                if (st == SC_OK)
                    st = image_read(r, image, out, err);
            } else if (op == SC_STEP_SEND || op == SC_STEP_OPC) {
                st = run_step(r, &r->steps[i], err);
            }
        }
    }
    run_cleanups(r, st == SC_OK);
    return st;
}

/* ---- a new link to the same instrument ---- */

static void replace_session(sc_recipe *r, sc_session *fresh)
{
    sc_session_set_progress(fresh, r->o.progress, r->o.progress_ctx);
    if (r->o.session_lock)
        pthread_mutex_lock(r->o.session_lock);
    sc_session *old = *r->s;
    *r->s = fresh;
    if (r->o.session_lock)
        pthread_mutex_unlock(r->o.session_lock);
    sc_session_close(old);
    r->pending = false;
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
static sc_status reopen(sc_recipe *r, sc_error *err)
{
    sc_resource res = *sc_link_resource(sc_session_link(*r->s));
    sc_session *fresh = NULL;
    sc_status st = sc_session_open(&res, exchange_deadline(r), &fresh, err);
    if (st == SC_OK)
        replace_session(r, fresh);
    return st;
}

static sc_status try_candidate(sc_recipe *r, const char *command, sc_buf *image, sc_error *err)
{
    int ms = r->o.timeout_ms < GENERIC_STEP_MS ? r->o.timeout_ms : GENERIC_STEP_MS;
    sc_deadline deadline = sc_deadline_in_ms(ms);
    sc_session *s = *r->s;
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

/* Try the common commands in turn; the one that works becomes this recipe's only step. */
static sc_status run_generic(sc_recipe *r, sc_buf *image, sc_error *err)
{
    const char *maker = r->o.idn ? r->o.idn->manufacturer : "?";
    const char *model = r->o.idn ? r->o.idn->model : "?";
    char tried[SC_ERROR_MAX / 2] = "";
    size_t used = 0;
    for (size_t i = 0; sc_generic_candidates[i]; i++) {
        const char *command = sc_generic_candidates[i];
        sc_error step_err;
        sc_error_clear(&step_err);
        sc_info("%s: generic driver: trying \"%s\"", label_of(r), command);
        sc_status st = try_candidate(r, command, image, &step_err);
        if (st == SC_OK) {
            cut_trailer(r->d, image, label_of(r));
            sc_warn("%s: no driver row matches %s %s; the generic driver got the screen with \"%s\" "
                    "(please report this model and command so it gets its own row)",
                    label_of(r), maker, model, command);
            snprintf(r->generic_command, sizeof r->generic_command, "%s", command);
            sc_step step = { SC_STEP_IMAGE, r->generic_command };
            r->generic_pending = false;
            got_reply(r);
            load_steps(r, &step, 1, err);
            r->told = true;
            return SC_OK;
        }
        sc_info("%s: generic driver: \"%s\" gave no image: %s", label_of(r), command, step_err.message);
        int w = snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", command);
        if (w > 0 && (size_t)w < sizeof tried - used)
            used += (size_t)w;
        if (st != SC_ERR_INSTRUMENT) {
            st = reopen(r, err);
            if (st != SC_OK)
                return st;
        }
    }
    return sc_error_set(err, SC_ERR_INSTRUMENT,
                        "%s: no driver row matches %s %s and none of the common screen-dump commands gave an image "
                        "(tried %s); -v shows each reply. Please report the model",
                        label_of(r), maker, model, tried);
}

/* ---- no image: LeCroy's VXI-11 stub and the fallback route ---- */

static bool is_lecroy_stub(const sc_recipe *r, const run_outcome *o)
{
    return r->d->vendor == SC_VENDOR_LECROY && o->non_image && o->reply_len <= LECROY_STUB_MAX &&
           sc_link_protocol(sc_session_link(*r->s)) == SC_PROTO_VXI11;
}

/* Over VXI-11 a LeCroy answers SCDP with a stub; the same instrument over VICP sends the
 * image. Only when the auto cascade chose the link: open VICP, and when it answers, it
 * replaces the VXI-11 link for good. *reached: VICP connected. */
static sc_status retry_over_vicp(sc_recipe *r, sc_buf *image, bool *reached, sc_error *err)
{
    sc_resource res = *sc_link_resource(sc_session_link(*r->s));
    res.protocol = SC_PROTO_VICP;
    res.port = 0;
    res.device[0] = '\0';
    sc_info("%s: a %s over VXI-11 answers screen dumps with a short stub: re-opening over VICP", label_of(r),
            r->d->description);
    sc_session *v = NULL;
    sc_error open_err;
    sc_error_clear(&open_err);
    *reached = false;
    if (sc_session_open(&res, exchange_deadline(r), &v, &open_err) != SC_OK) {
        sc_info("%s: VICP not reachable (%s)", label_of(r), open_err.message);
        return SC_ERR_UNREACHABLE;
    }
    *reached = true;
    replace_session(r, v);
    sc_status st = run_setup(r, false, err);
    if (st == SC_OK) {
        run_outcome o = { 0 };
        st = run_screen_steps(r, image, &o, err);
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

/* The main recipe's reply was no image: what the row and the link allow instead. */
static sc_status recover(sc_recipe *r, sc_buf *image, const run_outcome *o, sc_error *err)
{
    bool stub = is_lecroy_stub(r, o);
    bool vicp_silent = false;
    if (stub && r->o.may_switch_protocol) {
        bool reached = false;
        sc_error vicp_err;
        sc_error_clear(&vicp_err);
        sc_status st = retry_over_vicp(r, image, &reached, &vicp_err);
        if (st == SC_OK || reached) {
            if (st != SC_OK)
                *err = vicp_err;
            return st;
        }
        vicp_silent = true;
    }
    sc_step fb[SC_DRIVER_MAX_STEPS];
    size_t nfb = fallback_steps(r->d, fb, SC_DRIVER_MAX_STEPS);
    if (nfb == 0) {
        if (stub)
            return sc_error_set(err, SC_ERR_UNSUPPORTED,
                                "%s: this %s answers \"%s\" over VXI-11 with a %zu-byte stub (\"%s\"), not the screen; "
                                "the screen comes over VICP: use -p vicp (or vicp://%s)",
                                label_of(r), r->d->description, r->command, o->reply_len, o->head,
                                sc_link_resource(sc_session_link(*r->s))->host);
        return err->code;
    }
    if (stub && !vicp_silent)
        sc_warn("%s: this %s answers \"%s\" over VXI-11 with a %zu-byte stub, not the screen; taking the fallback "
                "route on the same link (slower: a file saved on the instrument and read back). The protocol named "
                "is kept; over VICP (-p vicp) the screen comes directly",
                label_of(r), r->d->description, r->command, o->reply_len);
    else if (stub)
        sc_warn("%s: this %s answers \"%s\" over VXI-11 with a %zu-byte stub and VICP does not answer; taking the "
                "fallback route on the same link (slower: a file saved on the instrument and read back)",
                label_of(r), r->d->description, r->command, o->reply_len);
    else
        sc_info("%s: %s: no image from the direct route, taking the fallback route", label_of(r), r->d->name);
    r->on_fallback = true;
    sc_error_clear(err);
    sc_status st = load_steps(r, fb, nfb, err);
    if (st == SC_OK)
        st = run_setup(r, true, err);
    if (st == SC_OK) {
        run_outcome fo = { 0 };
        st = run_screen_steps(r, image, &fo, err);
    }
    return st;
}

/* ---- the recipe's public face ---- */

sc_status sc_recipe_start(sc_session **session, const sc_driver *d, const sc_recipe_options *o, sc_recipe **out,
                          sc_error *err)
{
    *out = NULL;
    sc_recipe *r = calloc(1, sizeof *r);
    if (!r)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    r->s = session;
    r->d = d;
    r->o = *o;
    r->want_white = o->background;
    r->first_extra_ms = sc_driver_first_query_ms(d);
    r->awaiting_first_reply = o->first_reply_pending && r->first_extra_ms > 0;
    if (r->awaiting_first_reply)
        sc_info("%s: %s answers the first query of a connection slowly: allowing %.3g s more", label_of(r),
                d->description, r->first_extra_ms / 1000.0);
    if (d->hook == SC_HOOK_GENERIC) {
        r->generic_pending = true;
        *out = r;
        return SC_OK;
    }
    sc_step steps[MAX_RECIPE];
    size_t n = sc_driver_steps(d, steps, MAX_RECIPE);
    sc_status st = load_steps(r, steps, n, err);
    if (st == SC_OK)
        st = run_setup(r, true, err);
    if (st != SC_OK) {
        sc_recipe_end(r); /* settings saved before the failure go back */
        return st;
    }
    *out = r;
    return SC_OK;
}

sc_status sc_recipe_screen(sc_recipe *r, sc_buf *image, sc_error *err)
{
    sc_status st;
    if (r->generic_pending) {
        st = run_generic(r, image, err);
    } else {
        run_outcome o = { 0 };
        st = run_screen_steps(r, image, &o, err);
        if (st != SC_OK && o.non_image && !r->on_fallback)
            st = recover(r, image, &o, err);
    }
    r->healthy = st == SC_OK;
    return st;
}

bool sc_recipe_can_pipeline(const sc_recipe *r)
{
    return !r->generic_pending && r->pipelinable;
}

sc_status sc_recipe_request(sc_recipe *r, sc_error *err)
{
    if (!sc_recipe_can_pipeline(r) || r->pending)
        return SC_OK;
    sc_status st = image_send(r, err);
    r->pending = st == SC_OK;
    r->healthy = st == SC_OK;
    return st;
}

const char *sc_recipe_command(const sc_recipe *r)
{
    return r->command;
}

void sc_recipe_end(sc_recipe *r)
{
    if (!r)
        return;
    if (r->pending && r->healthy) {
        /* a pipelined request nobody wants any more: its reply must not be taken for the
         * answer to what follows */
        sc_buf junk;
        sc_buf_init(&junk, 0);
        run_outcome o = { 0 };
        sc_error ignored;
        sc_error_clear(&ignored);
        r->pending = false;
        r->healthy = image_read(r, &junk, &o, &ignored) == SC_OK;
        sc_buf_free(&junk);
    }
    size_t restored = 0;
    for (size_t i = 0; i < r->saved_count; i++) {
        if (!r->saved[i][0])
            continue;
        sc_error ignored;
        sc_error_clear(&ignored);
        if (sc_session_write(*r->s, r->saved[i], exchange_deadline(r), &ignored) != SC_OK)
            sc_info("%s: restoring \"%s\" failed: %s", label_of(r), r->saved[i], ignored.message);
        restored++;
    }
    if (restored > 0 && r->healthy)
        settle(r);
    free(r);
}

/* ---- one screenshot ---- */

sc_status sc_shot_capture(const sc_resource *res, const sc_shot_options *opts, sc_shot *shot, sc_error *err)
{
    sc_session *s = NULL;
    sc_status st = sc_session_open(res, sc_deadline_in_ms(opts->timeout_ms), &s, err);
    if (st != SC_OK)
        return st;
    sc_session_set_progress(s, opts->progress, opts->progress_ctx);
    shot->protocol = sc_link_protocol(sc_session_link(s));
    bool asked = false;
    st = sc_shot_identify(s, opts, NULL, &shot->idn, &shot->driver, &asked, err);
    if (st == SC_OK) {
        shot->background_applied = opts->background != SC_BACKGROUND_NATIVE && shot->driver->invert_on != NULL;
        sc_recipe_options ro = {
            .background = opts->background,
            .timeout_ms = opts->timeout_ms,
            .may_switch_protocol = res->protocol == SC_PROTO_AUTO,
            .first_reply_pending = !asked,
            .idn = &shot->idn,
            .progress = opts->progress,
            .progress_ctx = opts->progress_ctx,
        };
        sc_recipe *r = NULL;
        st = sc_recipe_start(&s, shot->driver, &ro, &r, err);
        if (st == SC_OK)
            st = sc_recipe_screen(r, &shot->image, err);
        sc_recipe_end(r);
        shot->protocol = sc_link_protocol(sc_session_link(s));
    }
    if (st == SC_OK) {
        shot->format = sc_image_sniff(shot->image.data, shot->image.len);
        if (shot->format == SC_IMAGE_UNKNOWN)
            st = sc_error_set(err, SC_ERR_INSTRUMENT, "%s: the screenshot reply (%zu bytes) is not an image",
                              sc_link_label(sc_session_link(s)), shot->image.len);
        else if (shot->driver->native_format != SC_IMAGE_UNKNOWN && shot->format != shot->driver->native_format)
            sc_debug("%s: %s sent %s (its row says %s); going by the bytes", sc_link_label(sc_session_link(s)),
                     shot->idn.model, sc_image_format_name(shot->format),
                     sc_image_format_name(shot->driver->native_format));
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
