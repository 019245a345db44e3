/* SCPI session: turns a byte link into whole replies.
 *
 * Bytes received but not yet part of a reply stay in `pending` for the next one. After
 * a block, instruments usually send a "\n" (Rigol always does); it may arrive with the
 * block or later, so a trailer found right after the block is dropped at once and, if it
 * has not come yet, a lone leading newline is dropped before the next reply. */
#include "scopecap/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK (64 * 1024)
/* Bytes a message may carry after its definite block (a "\r\n", a LeCroy checksum) before
 * the block header and the transport's framing are taken to disagree. */
#define BLOCK_SURPLUS_MAX 16
/* How long to wait for END after a block that is complete but whose message is not. */
#define END_GRACE_MS 200

struct sc_session {
    sc_link *link;
    sc_buf pending;
    bool drop_leading_newline;
    sc_progress_fn progress;
    void *progress_ctx;
};

sc_status sc_session_open(const sc_resource *res, sc_deadline deadline, sc_session **out, sc_error *err)
{
    *out = NULL;
    sc_session *s = calloc(1, sizeof *s);
    if (!s)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    /* pending holds at most one reply plus a read chunk */
    sc_buf_init(&s->pending, sc_max_response() + READ_CHUNK);
    sc_status st = sc_link_open(res, deadline, &s->link, err);
    if (st != SC_OK) {
        free(s);
        return st;
    }
    *out = s;
    return SC_OK;
}

void sc_session_close(sc_session *s)
{
    if (!s)
        return;
    sc_link_close(s->link);
    sc_buf_free(&s->pending);
    free(s);
}

sc_link *sc_session_link(sc_session *s) { return s->link; }

void sc_session_set_progress(sc_session *s, sc_progress_fn fn, void *ctx)
{
    s->progress = fn;
    s->progress_ctx = ctx;
}

sc_status sc_session_write(sc_session *s, const char *command, sc_deadline deadline, sc_error *err)
{
    size_t n = strlen(command);
    char stack[256];
    char *line = n + 2 <= sizeof stack ? stack : malloc(n + 2);
    if (!line)
        return sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    memcpy(line, command, n);
    line[n] = '\n';
    sc_trace("%s <- %s", sc_link_label(s->link), command);
    sc_status st = sc_link_write(s->link, line, n + 1, true, deadline, err);
    if (line != stack)
        free(line);
    return st;
}

/* A trailer left by the previous block: drop it if it is the first thing we see. */
static void drop_stale_trailer(sc_session *s)
{
    if (!s->drop_leading_newline || s->pending.len == 0)
        return;
    size_t n = 0;
    if (s->pending.data[0] == '\r' && s->pending.len >= 2 && s->pending.data[1] == '\n')
        n = 2;
    else if (s->pending.data[0] == '\n')
        n = 1;
    sc_buf_consume(&s->pending, n);
    s->drop_leading_newline = false;
}

/* How many bytes of "\n" or "\r\n" follow the reply, and whether the trailer may still come. */
static size_t trailer_length(const sc_session *s, const sc_reply_parser *p)
{
    const uint8_t *after = s->pending.data + p->total_len;
    size_t left = s->pending.len - p->total_len;
    if (left >= 1 && after[0] == '\n')
        return 1;
    if (left >= 2 && after[0] == '\r' && after[1] == '\n')
        return 2;
    return 0;
}

static size_t expected_total(const sc_reply_parser *p)
{
    return p->kind == SC_REPLY_DEFINITE ? p->payload_off + p->payload_len : 0;
}

/* A transfer cut short: say how far it got, which tells a stall from a dead link. */
static void note_partial_reply(sc_error *err, size_t received, size_t expected)
{
    if (expected)
        sc_error_append(err, " (after %zu of %zu bytes of the reply)", received, expected);
    else
        sc_error_append(err, " (after %zu bytes of the reply)", received);
}

static sc_status read_more(sc_session *s, bool *end, sc_deadline deadline, sc_error *err)
{
    sc_status st = sc_buf_reserve(&s->pending, READ_CHUNK, err);
    if (st != SC_OK)
        return sc_error_prefix(err, "%s", sc_link_label(s->link));
    size_t got = 0;
    st = sc_link_read(s->link, s->pending.data + s->pending.len, READ_CHUNK, &got, end, deadline, err);
    if (st != SC_OK)
        return st;
    s->pending.len += got;
    return SC_OK;
}

/* On a transport that marks message ends (VICP, VXI-11, HiSLIP, USB-TMC), a definite block
 * and its trailer are all the message holds. If it holds more, the framing and the block
 * header disagree: frames were duplicated or the header miscounts, and the bytes inside the
 * declared length cannot be trusted either, so the reply is refused instead of saved. A
 * ';' after the block is the next response of a compound query, not surplus. END that does
 * not come within a short grace is not waited for (the old behaviour). */
static sc_status check_block_fills_message(sc_session *s, const sc_reply_parser *p, bool *end, sc_deadline deadline,
                                           sc_error *err)
{
    if (!sc_link_has_end_marker(s->link) || p->kind != SC_REPLY_DEFINITE)
        return SC_OK;
    sc_deadline grace = sc_deadline_min(deadline, sc_deadline_in_ms(END_GRACE_MS));
    while (!*end && s->pending.len - p->total_len <= BLOCK_SURPLUS_MAX) {
        sc_error ignored;
        sc_error_clear(&ignored);
        if (read_more(s, end, grace, &ignored) != SC_OK)
            break; /* no END (yet): the block itself is whole */
    }
    size_t surplus = s->pending.len - p->total_len;
    if (surplus <= BLOCK_SURPLUS_MAX || s->pending.data[p->total_len] == ';')
        return SC_OK;
    return sc_error_set(err, SC_ERR_PROTOCOL,
                        "%s: the message carries %s%zu bytes more than its block header declares (%zu): duplicated "
                        "or corrupt frames, or a miscounted header; the data cannot be trusted",
                        sc_link_label(s->link), *end ? "" : "at least ", surplus, p->payload_len);
}

sc_status sc_session_read_reply(sc_session *s, sc_buf *payload, sc_reply_kind *kind, sc_deadline deadline,
                                sc_error *err)
{
    sc_reply_parser p;
    sc_reply_init(&p, sc_max_response());
    p.end_marked = sc_link_has_end_marker(s->link);
    bool end = false;
    for (;;) {
        drop_stale_trailer(s);
        if (s->pending.len > 0 || end) {
            sc_status st = sc_reply_feed(&p, s->pending.data, s->pending.len, end, err);
            if (st != SC_OK)
                return sc_error_prefix(err, "%s", sc_link_label(s->link));
            if (s->progress)
                s->progress(s->progress_ctx, s->pending.len, expected_total(&p));
            if (p.complete)
                break;
            if (end)
                return sc_error_set(err, SC_ERR_PROTOCOL, "%s: the message ended before the reply was complete",
                                    sc_link_label(s->link));
        }
        sc_status st = read_more(s, &end, deadline, err);
        if (st != SC_OK) {
            if (s->pending.len > 0)
                note_partial_reply(err, s->pending.len, expected_total(&p));
            return st;
        }
    }
    sc_status st = check_block_fills_message(s, &p, &end, deadline, err);
    if (st != SC_OK) {
        sc_buf_reset(&s->pending); /* the rest of this message is no reply to anything */
        return st;
    }
    sc_buf_reset(payload);
    st = sc_buf_append(payload, s->pending.data + p.payload_off, p.payload_len, err);
    if (st != SC_OK)
        return st;
    size_t trailer = 0;
    if (p.kind == SC_REPLY_DEFINITE || p.kind == SC_REPLY_RAW_IMAGE || p.kind == SC_REPLY_INDEFINITE) {
        trailer = trailer_length(s, &p);
        /* with no end marker and nothing after the block yet, the "\n" may still come */
        s->drop_leading_newline = trailer == 0 && !end;
    }
    sc_buf_consume(&s->pending, p.total_len + trailer);
    if (end)
        sc_buf_reset(&s->pending); /* nothing after END belongs to this message */
    if (kind)
        *kind = p.kind;
    sc_trace("%s -> %zu bytes (%s)", sc_link_label(s->link), payload->len,
             p.kind == SC_REPLY_TEXT ? "text" : "binary");
    return SC_OK;
}

sc_status sc_session_query(sc_session *s, const char *command, sc_buf *payload, sc_reply_kind *kind,
                           sc_deadline deadline, sc_error *err)
{
    sc_status st = sc_session_write(s, command, deadline, err);
    if (st != SC_OK)
        return st;
    st = sc_session_read_reply(s, payload, kind, deadline, err);
    if (st == SC_ERR_TIMEOUT)
        sc_error_prefix(err, "query \"%s\"", command);
    return st;
}

sc_status sc_session_query_text(sc_session *s, const char *command, char *out, size_t cap, sc_deadline deadline,
                                sc_error *err)
{
    sc_buf reply;
    sc_buf_init(&reply, 64 * 1024);
    sc_status st = sc_session_query(s, command, &reply, NULL, deadline, err);
    if (st == SC_OK)
        sc_sanitize_text(out, cap, (const char *)reply.data, reply.len);
    sc_buf_free(&reply);
    return st;
}

sc_status sc_session_clear(sc_session *s, sc_deadline deadline, sc_error *err)
{
    sc_buf_reset(&s->pending);
    s->drop_leading_newline = false;
    sc_debug("%s: device clear", sc_link_label(s->link));
    return sc_link_clear(s->link, deadline, err);
}

sc_status sc_session_identify(sc_session *s, sc_idn *idn, sc_deadline deadline, sc_error *err)
{
    char text[512];
    sc_status st = sc_session_query_text(s, "*IDN?", text, sizeof text, deadline, err);
    if (st != SC_OK)
        return st;
    st = sc_idn_parse(text, strlen(text), idn, err);
    if (st != SC_OK)
        return sc_error_prefix(err, "%s", sc_link_label(s->link));
    return SC_OK;
}
