/* ONC RPC v2 (RFC 5531) and XDR (RFC 4506) as VXI-11 and the portmapper use them:
 * 4-byte big-endian items, opaque/string padded to 4, call and reply headers with
 * AUTH_NONE, and TCP record marking. Pure encode/decode: no sockets here.
 *
 * Readers never trust a length: every get checks it against the bytes left, and a
 * failed get leaves the reader "bad" so a sequence of gets needs one check at the end. */
#ifndef SC_WIRE_ONCRPC_H
#define SC_WIRE_ONCRPC_H

#include "scopecap/core.h"

#define SC_RPC_VERSION 2
#define SC_RPC_CALL 0
#define SC_RPC_REPLY 1
#define SC_RPC_AUTH_NONE 0
#define SC_RPC_MAX_AUTH 400 /* RFC 5531: opaque_auth body<400> */

/* reply_stat */
#define SC_RPC_MSG_ACCEPTED 0
#define SC_RPC_MSG_DENIED 1
/* accept_stat */
#define SC_RPC_SUCCESS 0
#define SC_RPC_PROG_UNAVAIL 1
#define SC_RPC_PROG_MISMATCH 2
#define SC_RPC_PROC_UNAVAIL 3
#define SC_RPC_GARBAGE_ARGS 4
#define SC_RPC_SYSTEM_ERR 5
/* reject_stat */
#define SC_RPC_MISMATCH 0
#define SC_RPC_AUTH_ERROR 1

/* Record marking: bit 31 = last fragment, bits 30..0 = fragment length. */
#define SC_RPC_LAST_FRAGMENT 0x80000000u
#define SC_RPC_MAX_FRAGMENT 0x7FFFFFFFu

/* ---- XDR reading from a bounded buffer ---- */
typedef struct sc_xdr_reader {
    const uint8_t *data;
    size_t len;
    size_t off;
    bool bad; /* a get ran past the end or met an invalid value */
} sc_xdr_reader;

void sc_xdr_reader_init(sc_xdr_reader *r, const void *data, size_t len);
size_t sc_xdr_left(const sc_xdr_reader *r);
bool sc_xdr_get_u32(sc_xdr_reader *r, uint32_t *v);
bool sc_xdr_get_i32(sc_xdr_reader *r, int32_t *v);
/* Any non-zero word reads as true: peers are not all strict about 0/1. */
bool sc_xdr_get_bool(sc_xdr_reader *r, bool *v);
/* opaque<max>: *data points into the reader's buffer (no copy). The padding must be present. */
bool sc_xdr_get_opaque(sc_xdr_reader *r, const uint8_t **data, uint32_t *len, uint32_t max);
/* string<>: copied and NUL-terminated; fails when it does not fit in cap or holds a NUL. */
bool sc_xdr_get_string(sc_xdr_reader *r, char *out, size_t cap);
bool sc_xdr_skip(sc_xdr_reader *r, size_t n);

/* ---- XDR writing into a caller's fixed buffer ---- */
typedef struct sc_xdr_writer {
    uint8_t *data;
    size_t cap;
    size_t len;
    bool overflow; /* a put did not fit; len stops growing */
} sc_xdr_writer;

void sc_xdr_writer_init(sc_xdr_writer *w, void *data, size_t cap);
void sc_xdr_put_u32(sc_xdr_writer *w, uint32_t v);
void sc_xdr_put_i32(sc_xdr_writer *w, int32_t v);
void sc_xdr_put_bool(sc_xdr_writer *w, bool v);
void sc_xdr_put_opaque(sc_xdr_writer *w, const void *data, size_t n);
void sc_xdr_put_string(sc_xdr_writer *w, const char *s);
/* Bytes an opaque<> of n bytes takes on the wire (length word + data + padding). */
size_t sc_xdr_opaque_size(size_t n);

/* ---- call and reply headers ---- */
typedef struct sc_rpc_call {
    uint32_t xid;
    uint32_t rpcvers; /* decoded only; encoding always writes 2 */
    uint32_t prog;
    uint32_t vers;
    uint32_t proc;
} sc_rpc_call;

/* xid, CALL, rpcvers 2, prog, vers, proc, AUTH_NONE credential and verifier. */
void sc_rpc_put_call(sc_xdr_writer *w, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc);
/* Decode a call header, skipping credential and verifier of any flavour (bounded).
 * The arguments follow at r->off. A wrong rpcvers decodes fine: the caller answers
 * RPC_MISMATCH. */
sc_status sc_rpc_get_call(sc_xdr_reader *r, sc_rpc_call *call, sc_error *err);

typedef struct sc_rpc_reply {
    uint32_t xid;
    uint32_t reply_stat;  /* SC_RPC_MSG_ACCEPTED or SC_RPC_MSG_DENIED */
    uint32_t accept_stat; /* when accepted */
    uint32_t reject_stat; /* when denied */
    uint32_t low, high;   /* PROG_MISMATCH and RPC_MISMATCH */
    uint32_t auth_stat;   /* AUTH_ERROR */
} sc_rpc_reply;

/* Accepted reply header with AUTH_NONE verifier; for SC_RPC_SUCCESS the results follow. */
void sc_rpc_put_reply(sc_xdr_writer *w, uint32_t xid, uint32_t accept_stat);
void sc_rpc_put_reply_prog_mismatch(sc_xdr_writer *w, uint32_t xid, uint32_t low, uint32_t high);
void sc_rpc_put_reply_rpc_mismatch(sc_xdr_writer *w, uint32_t xid);
/* Decode a reply header; for an accepted SUCCESS the results follow at r->off. */
sc_status sc_rpc_get_reply(sc_xdr_reader *r, sc_rpc_reply *reply, sc_error *err);
/* SC_OK only for MSG_ACCEPTED + SUCCESS; otherwise an SC_ERR_PROTOCOL message naming the
 * program and procedure ("what" names the peer, e.g. the link label). */
sc_status sc_rpc_reply_check(const sc_rpc_reply *reply, const char *what, uint32_t prog, uint32_t proc,
                             sc_error *err);
const char *sc_rpc_accept_stat_name(uint32_t stat);

/* ---- record marking ---- */
void sc_rpc_put_mark(uint8_t out[4], uint32_t fragment_len, bool last);
void sc_rpc_get_mark(const uint8_t in[4], uint32_t *fragment_len, bool *last);
/* Start a one-fragment record: reserve 4 bytes for the mark ... */
void sc_rpc_begin_record(sc_xdr_writer *w);
/* ... and write it once the body is complete (last-fragment bit set). */
void sc_rpc_end_record(sc_xdr_writer *w);
/* Bytes needed to send a body of n bytes as fragments of at most frag_max bytes. */
size_t sc_rpc_framed_size(size_t n, size_t frag_max);
/* Write marks and fragments to out (sc_rpc_framed_size bytes); returns bytes written. */
size_t sc_rpc_frame(const uint8_t *body, size_t n, size_t frag_max, uint8_t *out);

/* Reassembles one record from a byte stream, fragment by fragment. */
typedef struct sc_rpc_reassembler {
    sc_buf record;      /* the bodies of the fragments so far */
    size_t max_record;  /* larger records fail with SC_ERR_TOO_LARGE */
    uint8_t mark[4];
    unsigned mark_len;  /* bytes of the current mark seen */
    uint32_t frag_left; /* body bytes of the current fragment still to come */
    bool in_fragment;
    bool last;          /* the current fragment is the last one */
    bool complete;      /* record holds a whole record */
    uint32_t fragments;
} sc_rpc_reassembler;

void sc_rpc_reasm_init(sc_rpc_reassembler *r, size_t max_record);
void sc_rpc_reasm_free(sc_rpc_reassembler *r);
/* Forget the record (after using it) and expect the next one. */
void sc_rpc_reasm_next(sc_rpc_reassembler *r);
/* Take bytes until the record is complete or the bytes run out; *used says how many
 * were taken (bytes after a complete record are left for the next one). */
sc_status sc_rpc_reasm_feed(sc_rpc_reassembler *r, const uint8_t *data, size_t len, size_t *used,
                            sc_error *err);

#endif
