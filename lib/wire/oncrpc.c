/* ONC RPC v2 and XDR: the byte layouts of RFC 5531 and RFC 4506 (protocols.md §1.1). */
#include "wire/oncrpc.h"

#include <string.h>

/* ---- XDR reading ---- */

void sc_xdr_reader_init(sc_xdr_reader *r, const void *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->off = 0;
    r->bad = false;
}

size_t sc_xdr_left(const sc_xdr_reader *r)
{
    return r->len - r->off;
}

/* n rounded up to a multiple of 4, without overflowing for n near SIZE_MAX */
static bool padded(size_t n, size_t *out)
{
    if (n > SIZE_MAX - 3)
        return false;
    *out = (n + 3) & ~(size_t)3;
    return true;
}

bool sc_xdr_skip(sc_xdr_reader *r, size_t n)
{
    if (r->bad || n > sc_xdr_left(r)) {
        r->bad = true;
        return false;
    }
    r->off += n;
    return true;
}

bool sc_xdr_get_u32(sc_xdr_reader *r, uint32_t *v)
{
    if (r->bad || sc_xdr_left(r) < 4) {
        r->bad = true;
        *v = 0;
        return false;
    }
    const uint8_t *p = r->data + r->off;
    *v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    r->off += 4;
    return true;
}

bool sc_xdr_get_i32(sc_xdr_reader *r, int32_t *v)
{
    uint32_t u;
    bool ok = sc_xdr_get_u32(r, &u);
    /* two's complement on the wire; the conversion is implementation-defined only in
     * theory, memcpy keeps it exact */
    memcpy(v, &u, sizeof *v);
    return ok;
}

bool sc_xdr_get_bool(sc_xdr_reader *r, bool *v)
{
    uint32_t u;
    bool ok = sc_xdr_get_u32(r, &u);
    *v = u != 0;
    return ok;
}

bool sc_xdr_get_opaque(sc_xdr_reader *r, const uint8_t **data, uint32_t *len, uint32_t max)
{
    uint32_t n;
    *data = NULL;
    *len = 0;
    if (!sc_xdr_get_u32(r, &n))
        return false;
    size_t span;
    if (n > max || !padded(n, &span) || span > sc_xdr_left(r)) {
        r->bad = true;
        return false;
    }
    *data = r->data + r->off;
    *len = n;
    r->off += span;
    return true;
}

bool sc_xdr_get_string(sc_xdr_reader *r, char *out, size_t cap)
{
    const uint8_t *p;
    uint32_t n;
    if (cap == 0)
        return r->bad = true, false;
    out[0] = '\0';
    uint32_t max = cap - 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(cap - 1);
    if (!sc_xdr_get_opaque(r, &p, &n, max))
        return false;
    if (memchr(p, '\0', n)) {
        r->bad = true;
        return false;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

/* ---- XDR writing ---- */

void sc_xdr_writer_init(sc_xdr_writer *w, void *data, size_t cap)
{
    w->data = data;
    w->cap = data ? cap : 0;
    w->len = 0;
    w->overflow = false;
}

static bool room(sc_xdr_writer *w, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return false;
    }
    return true;
}

void sc_xdr_put_u32(sc_xdr_writer *w, uint32_t v)
{
    if (!room(w, 4))
        return;
    uint8_t *p = w->data + w->len;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    w->len += 4;
}

void sc_xdr_put_i32(sc_xdr_writer *w, int32_t v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    sc_xdr_put_u32(w, u);
}

void sc_xdr_put_bool(sc_xdr_writer *w, bool v)
{
    sc_xdr_put_u32(w, v ? 1 : 0);
}

size_t sc_xdr_opaque_size(size_t n)
{
    size_t span;
    if (!padded(n, &span) || span > SIZE_MAX - 4)
        return SIZE_MAX;
    return 4 + span;
}

void sc_xdr_put_opaque(sc_xdr_writer *w, const void *data, size_t n)
{
    if (n > UINT32_MAX || !room(w, sc_xdr_opaque_size(n))) {
        w->overflow = true;
        return;
    }
    sc_xdr_put_u32(w, (uint32_t)n);
    if (n)
        memcpy(w->data + w->len, data, n);
    w->len += n;
    while (w->len % 4)
        w->data[w->len++] = 0;
}

void sc_xdr_put_string(sc_xdr_writer *w, const char *s)
{
    sc_xdr_put_opaque(w, s, strlen(s));
}

/* ---- call and reply headers ---- */

static void put_auth_none(sc_xdr_writer *w)
{
    sc_xdr_put_u32(w, SC_RPC_AUTH_NONE);
    sc_xdr_put_u32(w, 0);
}

/* Credentials and verifiers of any flavour: flavour word and opaque<400>, skipped. */
static bool skip_auth(sc_xdr_reader *r)
{
    uint32_t flavor;
    const uint8_t *body;
    uint32_t n;
    sc_xdr_get_u32(r, &flavor);
    return sc_xdr_get_opaque(r, &body, &n, SC_RPC_MAX_AUTH);
}

void sc_rpc_put_call(sc_xdr_writer *w, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc)
{
    sc_xdr_put_u32(w, xid);
    sc_xdr_put_u32(w, SC_RPC_CALL);
    sc_xdr_put_u32(w, SC_RPC_VERSION);
    sc_xdr_put_u32(w, prog);
    sc_xdr_put_u32(w, vers);
    sc_xdr_put_u32(w, proc);
    put_auth_none(w); /* credential */
    put_auth_none(w); /* verifier */
}

sc_status sc_rpc_get_call(sc_xdr_reader *r, sc_rpc_call *call, sc_error *err)
{
    uint32_t type;
    memset(call, 0, sizeof *call);
    sc_xdr_get_u32(r, &call->xid);
    sc_xdr_get_u32(r, &type);
    if (!r->bad && type != SC_RPC_CALL)
        return sc_error_set(err, SC_ERR_PROTOCOL, "ONC RPC: message type %u where a call (0) was expected", type);
    sc_xdr_get_u32(r, &call->rpcvers);
    sc_xdr_get_u32(r, &call->prog);
    sc_xdr_get_u32(r, &call->vers);
    sc_xdr_get_u32(r, &call->proc);
    skip_auth(r);
    skip_auth(r);
    if (r->bad)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "ONC RPC: call header truncated or its credential longer than %d bytes (%zu bytes in the record)",
                            SC_RPC_MAX_AUTH, r->len);
    return SC_OK;
}

static void put_reply_head(sc_xdr_writer *w, uint32_t xid, uint32_t reply_stat)
{
    sc_xdr_put_u32(w, xid);
    sc_xdr_put_u32(w, SC_RPC_REPLY);
    sc_xdr_put_u32(w, reply_stat);
}

void sc_rpc_put_reply(sc_xdr_writer *w, uint32_t xid, uint32_t accept_stat)
{
    put_reply_head(w, xid, SC_RPC_MSG_ACCEPTED);
    put_auth_none(w);
    sc_xdr_put_u32(w, accept_stat);
}

void sc_rpc_put_reply_prog_mismatch(sc_xdr_writer *w, uint32_t xid, uint32_t low, uint32_t high)
{
    sc_rpc_put_reply(w, xid, SC_RPC_PROG_MISMATCH);
    sc_xdr_put_u32(w, low);
    sc_xdr_put_u32(w, high);
}

void sc_rpc_put_reply_rpc_mismatch(sc_xdr_writer *w, uint32_t xid)
{
    put_reply_head(w, xid, SC_RPC_MSG_DENIED);
    sc_xdr_put_u32(w, SC_RPC_MISMATCH);
    sc_xdr_put_u32(w, SC_RPC_VERSION);
    sc_xdr_put_u32(w, SC_RPC_VERSION);
}

static void get_accepted(sc_xdr_reader *r, sc_rpc_reply *reply)
{
    skip_auth(r);
    sc_xdr_get_u32(r, &reply->accept_stat);
    if (reply->accept_stat == SC_RPC_PROG_MISMATCH) {
        sc_xdr_get_u32(r, &reply->low);
        sc_xdr_get_u32(r, &reply->high);
    }
}

static void get_denied(sc_xdr_reader *r, sc_rpc_reply *reply)
{
    sc_xdr_get_u32(r, &reply->reject_stat);
    if (reply->reject_stat == SC_RPC_MISMATCH) {
        sc_xdr_get_u32(r, &reply->low);
        sc_xdr_get_u32(r, &reply->high);
    } else {
        sc_xdr_get_u32(r, &reply->auth_stat);
    }
}

sc_status sc_rpc_get_reply(sc_xdr_reader *r, sc_rpc_reply *reply, sc_error *err)
{
    uint32_t type;
    memset(reply, 0, sizeof *reply);
    sc_xdr_get_u32(r, &reply->xid);
    sc_xdr_get_u32(r, &type);
    if (!r->bad && type != SC_RPC_REPLY)
        return sc_error_set(err, SC_ERR_PROTOCOL, "ONC RPC: message type %u where a reply (1) was expected", type);
    sc_xdr_get_u32(r, &reply->reply_stat);
    if (reply->reply_stat == SC_RPC_MSG_ACCEPTED)
        get_accepted(r, reply);
    else if (reply->reply_stat == SC_RPC_MSG_DENIED)
        get_denied(r, reply);
    else if (!r->bad)
        return sc_error_set(err, SC_ERR_PROTOCOL, "ONC RPC: unknown reply status %u (neither accepted nor denied)",
                            reply->reply_stat);
    if (r->bad)
        return sc_error_set(err, SC_ERR_PROTOCOL, "ONC RPC: reply header truncated (%zu bytes in the record)",
                            r->len);
    return SC_OK;
}

const char *sc_rpc_accept_stat_name(uint32_t stat)
{
    switch (stat) {
    case SC_RPC_SUCCESS: return "SUCCESS";
    case SC_RPC_PROG_UNAVAIL: return "PROG_UNAVAIL, program not served";
    case SC_RPC_PROG_MISMATCH: return "PROG_MISMATCH, version not served";
    case SC_RPC_PROC_UNAVAIL: return "PROC_UNAVAIL, procedure not implemented";
    case SC_RPC_GARBAGE_ARGS: return "GARBAGE_ARGS, arguments not understood";
    case SC_RPC_SYSTEM_ERR: return "SYSTEM_ERR";
    default: return "unknown status";
    }
}

sc_status sc_rpc_reply_check(const sc_rpc_reply *reply, const char *what, uint32_t prog, uint32_t proc,
                             sc_error *err)
{
    if (reply->reply_stat == SC_RPC_MSG_DENIED) {
        if (reply->reject_stat == SC_RPC_MISMATCH)
            return sc_error_set(err, SC_ERR_PROTOCOL,
                                "%s: call to program 0x%X procedure %u denied: the peer speaks ONC RPC versions %u..%u, not 2",
                                what, prog, proc, reply->low, reply->high);
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: call to program 0x%X procedure %u denied: authentication error %u (the instrument wants credentials?)",
                            what, prog, proc, reply->auth_stat);
    }
    if (reply->accept_stat == SC_RPC_SUCCESS)
        return SC_OK;
    if (reply->accept_stat == SC_RPC_PROG_MISMATCH)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "%s: program 0x%X procedure %u refused: only versions %u..%u are served", what, prog,
                            proc, reply->low, reply->high);
    return sc_error_set(err, SC_ERR_PROTOCOL, "%s: program 0x%X procedure %u refused (%u, %s)", what, prog, proc,
                        reply->accept_stat, sc_rpc_accept_stat_name(reply->accept_stat));
}

/* ---- record marking ---- */

void sc_rpc_put_mark(uint8_t out[4], uint32_t fragment_len, bool last)
{
    uint32_t v = (fragment_len & SC_RPC_MAX_FRAGMENT) | (last ? SC_RPC_LAST_FRAGMENT : 0);
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

void sc_rpc_get_mark(const uint8_t in[4], uint32_t *fragment_len, bool *last)
{
    uint32_t v = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
    *fragment_len = v & SC_RPC_MAX_FRAGMENT;
    *last = (v & SC_RPC_LAST_FRAGMENT) != 0;
}

void sc_rpc_begin_record(sc_xdr_writer *w)
{
    sc_xdr_put_u32(w, 0); /* the mark, patched by sc_rpc_end_record */
}

void sc_rpc_end_record(sc_xdr_writer *w)
{
    if (w->overflow || w->len < 4 || w->len - 4 > SC_RPC_MAX_FRAGMENT)
        return;
    sc_rpc_put_mark(w->data, (uint32_t)(w->len - 4), true);
}

size_t sc_rpc_framed_size(size_t n, size_t frag_max)
{
    if (frag_max == 0 || frag_max > SC_RPC_MAX_FRAGMENT)
        frag_max = SC_RPC_MAX_FRAGMENT;
    size_t fragments = n == 0 ? 1 : n / frag_max + (n % frag_max != 0);
    return n + 4 * fragments;
}

size_t sc_rpc_frame(const uint8_t *body, size_t n, size_t frag_max, uint8_t *out)
{
    if (frag_max == 0 || frag_max > SC_RPC_MAX_FRAGMENT)
        frag_max = SC_RPC_MAX_FRAGMENT;
    size_t off = 0, w = 0;
    do {
        size_t piece = n - off < frag_max ? n - off : frag_max;
        sc_rpc_put_mark(out + w, (uint32_t)piece, off + piece == n);
        w += 4;
        if (piece)
            memcpy(out + w, body + off, piece);
        w += piece;
        off += piece;
    } while (off < n);
    return w;
}

/* ---- reassembly ---- */

void sc_rpc_reasm_init(sc_rpc_reassembler *r, size_t max_record)
{
    memset(r, 0, sizeof *r);
    r->max_record = max_record;
    sc_buf_init(&r->record, max_record ? max_record : 1);
}

void sc_rpc_reasm_free(sc_rpc_reassembler *r)
{
    sc_buf_free(&r->record);
}

void sc_rpc_reasm_next(sc_rpc_reassembler *r)
{
    sc_buf_reset(&r->record);
    r->mark_len = 0;
    r->frag_left = 0;
    r->in_fragment = false;
    r->last = false;
    r->complete = false;
    r->fragments = 0;
}

/* A whole mark has arrived: check the fragment fits before any of its bytes are kept. */
static sc_status start_fragment(sc_rpc_reassembler *r, sc_error *err)
{
    sc_rpc_get_mark(r->mark, &r->frag_left, &r->last);
    r->mark_len = 0;
    r->fragments++;
    if (r->frag_left > r->max_record || r->record.len > r->max_record - r->frag_left)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "ONC RPC: fragment %u of %u bytes makes the record larger than the %zu-byte limit (%zu bytes so far)",
                            r->fragments, r->frag_left, r->max_record, r->record.len);
    r->in_fragment = true;
    return SC_OK;
}

sc_status sc_rpc_reasm_feed(sc_rpc_reassembler *r, const uint8_t *data, size_t len, size_t *used,
                            sc_error *err)
{
    size_t off = 0;
    while (off < len && !r->complete) {
        if (!r->in_fragment) {
            while (off < len && r->mark_len < 4)
                r->mark[r->mark_len++] = data[off++];
            if (r->mark_len < 4)
                break;
            sc_status st = start_fragment(r, err);
            if (st != SC_OK) {
                *used = off;
                return st;
            }
        }
        size_t take = len - off < r->frag_left ? len - off : r->frag_left;
        sc_status st = sc_buf_append(&r->record, data + off, take, err);
        if (st != SC_OK) {
            *used = off;
            return st;
        }
        off += take;
        r->frag_left -= (uint32_t)take;
        if (r->frag_left == 0) { /* also right after the mark of an empty fragment */
            r->in_fragment = false;
            r->complete = r->last;
        }
    }
    *used = off;
    return SC_OK;
}
