/* libFuzzer target for the ONC RPC / VXI-11 decoders (lib/wire/oncrpc.c, vxi11_wire.c).
 *
 * The input is a TCP byte stream: it is reassembled into records under a 64 KiB limit,
 * in one piece and again in two pieces split at a point taken from the data (both must
 * agree). Each record is decoded as a call and as a reply, and what follows the header is
 * run through every argument and result decoder, as the client and the simulator would.
 * The raw input is decoded as a UDP datagram (no record mark) too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/vxi11_wire.h"

#define LIMIT (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decoded data pointers must lie inside the record. */
static void check_inside(const uint8_t *p, uint32_t n, const uint8_t *base, size_t len)
{
    if (n == 0)
        return;
    if (!p || p < base || (size_t)(p - base) > len || n > len - (size_t)(p - base))
        abort();
}

static void decode_bodies(const uint8_t *base, size_t len, size_t off)
{
    sc_xdr_reader r;
#define AGAIN() sc_xdr_reader_init(&r, base, len), r.off = off
    AGAIN();
    sc_vxi11_create_link_parms cl;
    sc_vxi11_get_create_link_parms(&r, &cl);
    if (!r.bad && strlen(cl.device) >= sizeof cl.device)
        abort();
    AGAIN();
    sc_vxi11_create_link_resp clr;
    sc_vxi11_get_create_link_resp(&r, &clr);
    AGAIN();
    sc_vxi11_write_parms wp;
    if (sc_vxi11_get_write_parms(&r, &wp, LIMIT))
        check_inside(wp.data, wp.len, base, len);
    AGAIN();
    sc_vxi11_write_resp wr;
    sc_vxi11_get_write_resp(&r, &wr);
    AGAIN();
    sc_vxi11_read_parms rp;
    sc_vxi11_get_read_parms(&r, &rp);
    AGAIN();
    sc_vxi11_read_resp rr;
    if (sc_vxi11_get_read_resp(&r, &rr, 1000)) {
        check_inside(rr.data, rr.len, base, len);
        if (rr.len > 1000)
            abort();
    }
    AGAIN();
    sc_vxi11_generic_parms gp;
    sc_vxi11_get_generic_parms(&r, &gp);
    AGAIN();
    sc_vxi11_readstb_resp sr;
    sc_vxi11_get_readstb_resp(&r, &sr);
    AGAIN();
    sc_vxi11_lock_parms lp;
    sc_vxi11_get_lock_parms(&r, &lp);
    AGAIN();
    sc_vxi11_remote_func rf;
    sc_vxi11_get_remote_func(&r, &rf);
    AGAIN();
    sc_vxi11_enable_srq_parms es;
    if (sc_vxi11_get_enable_srq_parms(&r, &es)) {
        check_inside(es.handle, es.handle_len, base, len);
        if (es.handle_len > 40)
            abort();
    }
    AGAIN();
    sc_pmap_mapping m;
    sc_pmap_get_mapping(&r, &m);
    AGAIN();
    sc_rpcb_args ra;
    sc_rpcb_get_args(&r, &ra);
    AGAIN();
    int32_t v;
    sc_vxi11_get_link(&r, &v);
    if (r.off > r.len)
        abort();
#undef AGAIN
}

static void decode_message(const uint8_t *base, size_t len)
{
    sc_error err;
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, base, len);
    sc_rpc_call call;
    if (sc_rpc_get_call(&r, &call, &err) == SC_OK) {
        if (r.off > len)
            abort();
        decode_bodies(base, len, r.off);
    }
    sc_xdr_reader_init(&r, base, len);
    sc_rpc_reply reply;
    if (sc_rpc_get_reply(&r, &reply, &err) == SC_OK) {
        if (r.off > len)
            abort();
        sc_rpc_reply_check(&reply, "fuzz", 1, 2, &err);
        decode_bodies(base, len, r.off);
    }
}

/* Reassemble every record of the stream, fed as the given pieces; return how many
 * complete records there were and a checksum of their bytes. */
static size_t reassemble(const uint8_t *data, size_t size, size_t split, uint64_t *sum, bool decode)
{
    sc_rpc_reassembler ra;
    sc_rpc_reasm_init(&ra, LIMIT);
    size_t records = 0;
    *sum = 0;
    const size_t cuts[3] = { 0, split, size };
    for (int piece = 0; piece < 2; piece++) {
        size_t off = cuts[piece], end = cuts[piece + 1];
        while (off < end) {
            size_t used = 0;
            sc_error err;
            if (sc_rpc_reasm_feed(&ra, data + off, end - off, &used, &err) != SC_OK) {
                sc_rpc_reasm_free(&ra);
                *sum ^= 0xDEAD;
                return records;
            }
            if (used > end - off || ra.record.len > LIMIT)
                abort();
            off += used;
            if (ra.complete) {
                records++;
                for (size_t i = 0; i < ra.record.len; i++)
                    *sum = *sum * 31 + ra.record.data[i];
                if (decode)
                    decode_message(ra.record.data, ra.record.len);
                sc_rpc_reasm_next(&ra);
            } else if (used == 0) {
                abort(); /* no progress on non-empty input */
            }
        }
    }
    sc_rpc_reasm_free(&ra);
    return records;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_message(data, size); /* as a UDP datagram */
    uint64_t sum_whole, sum_split;
    size_t split = size ? data[0] % (size + 1) : 0;
    size_t a = reassemble(data, size, size, &sum_whole, true);
    size_t b = reassemble(data, size, split, &sum_split, false);
    if (a != b || sum_whole != sum_split)
        abort();
    return 0;
}
