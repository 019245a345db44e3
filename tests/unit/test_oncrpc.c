/* ONC RPC and XDR (lib/wire/oncrpc.c) against the byte layouts of protocols.md §1.1 and
 * the worked portmapper bytes of §1.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/oncrpc.h"

/* protocols.md §1.3 item 5: GETPORT call over TCP, xid 1, and its reply (port 1024) */
static const uint8_t getport_call[] = {
    0x80, 0x00, 0x00, 0x38, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x01, 0x86, 0xa0, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x07, 0xaf,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t getport_reply[] = {
    0x80, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
};
/* §1.3: version-mismatch reply body, no record mark */
static const uint8_t prog_mismatch_reply[] = {
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
};

/* ---- XDR ---- */

static void test_u32_i32_bool(void **state)
{
    (void)state;
    uint8_t buf[16];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_xdr_put_u32(&w, 0x0607AF);
    sc_xdr_put_i32(&w, -2);
    sc_xdr_put_bool(&w, true);
    assert_false(w.overflow);
    assert_int_equal(w.len, 12);
    static const uint8_t want[] = { 0, 6, 7, 0xaf, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 1 };
    assert_memory_equal(buf, want, sizeof want);

    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, w.len);
    uint32_t u;
    int32_t i;
    bool b;
    assert_true(sc_xdr_get_u32(&r, &u));
    assert_int_equal(u, 0x0607AF);
    assert_true(sc_xdr_get_i32(&r, &i));
    assert_int_equal(i, -2);
    assert_true(sc_xdr_get_bool(&r, &b));
    assert_true(b);
    assert_int_equal(sc_xdr_left(&r), 0);
    /* past the end: fails, and stays failed */
    assert_false(sc_xdr_get_u32(&r, &u));
    assert_true(r.bad);
    assert_int_equal(u, 0);
}

static void test_opaque_padding(void **state)
{
    (void)state;
    uint8_t buf[32];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_xdr_put_string(&w, "inst0");
    assert_int_equal(w.len, 12);
    static const uint8_t want[] = { 0, 0, 0, 5, 'i', 'n', 's', 't', '0', 0, 0, 0 };
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(sc_xdr_opaque_size(0), 4);
    assert_int_equal(sc_xdr_opaque_size(5), 12);
    assert_int_equal(sc_xdr_opaque_size(8), 12);

    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, w.len);
    const uint8_t *p;
    uint32_t n;
    assert_true(sc_xdr_get_opaque(&r, &p, &n, 64));
    assert_int_equal(n, 5);
    assert_ptr_equal(p, buf + 4);
    assert_int_equal(r.off, 12);

    /* the padding must be there */
    sc_xdr_reader_init(&r, buf, 10);
    assert_false(sc_xdr_get_opaque(&r, &p, &n, 64));
    assert_true(r.bad);
    /* longer than allowed */
    sc_xdr_reader_init(&r, buf, w.len);
    assert_false(sc_xdr_get_opaque(&r, &p, &n, 4));
}

static void test_opaque_hostile_length(void **state)
{
    (void)state;
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xfd, 1, 2, 3, 4 };
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, huge, sizeof huge);
    const uint8_t *p;
    uint32_t n;
    assert_false(sc_xdr_get_opaque(&r, &p, &n, UINT32_MAX));
    assert_null(p);
    assert_int_equal(n, 0);
    assert_false(sc_xdr_skip(&r, 1)); /* sticky */
}

static void test_string_rules(void **state)
{
    (void)state;
    static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'b', 0 };
    static const uint8_t abc[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0 };
    char out[8];
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, nul, sizeof nul);
    assert_false(sc_xdr_get_string(&r, out, sizeof out));
    sc_xdr_reader_init(&r, abc, sizeof abc);
    assert_false(sc_xdr_get_string(&r, out, 3)); /* needs 4 with the NUL */
    sc_xdr_reader_init(&r, abc, sizeof abc);
    assert_true(sc_xdr_get_string(&r, out, 4));
    assert_string_equal(out, "abc");
}

static void test_writer_overflow(void **state)
{
    (void)state;
    uint8_t buf[8];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_xdr_put_u32(&w, 1);
    sc_xdr_put_string(&w, "toolong");
    assert_true(w.overflow);
    assert_int_equal(w.len, 4);
    sc_xdr_put_u32(&w, 2); /* sticky: nothing more is written */
    assert_int_equal(w.len, 4);
}

/* ---- headers ---- */

static void test_getport_call_bytes(void **state)
{
    (void)state;
    uint8_t buf[128];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_begin_record(&w);
    sc_rpc_put_call(&w, 1, 100000, 2, 3);
    sc_xdr_put_u32(&w, 0x0607AF);
    sc_xdr_put_u32(&w, 1);
    sc_xdr_put_u32(&w, 6);
    sc_xdr_put_u32(&w, 0);
    sc_rpc_end_record(&w);
    assert_int_equal(w.len, sizeof getport_call);
    assert_memory_equal(buf, getport_call, sizeof getport_call);
}

static void test_call_decode(void **state)
{
    (void)state;
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, getport_call + 4, sizeof getport_call - 4);
    sc_rpc_call c;
    sc_error err;
    assert_int_equal(sc_rpc_get_call(&r, &c, &err), SC_OK);
    assert_int_equal(c.xid, 1);
    assert_int_equal(c.rpcvers, 2);
    assert_int_equal(c.prog, 100000);
    assert_int_equal(c.vers, 2);
    assert_int_equal(c.proc, 3);
    assert_int_equal(r.off, 40); /* the arguments start after both auth fields */
}

static void test_call_with_auth_unix_credential(void **state)
{
    (void)state;
    uint8_t buf[128];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_xdr_put_u32(&w, 9);
    sc_xdr_put_u32(&w, 0);
    sc_xdr_put_u32(&w, 2);
    sc_xdr_put_u32(&w, 0x0607AF);
    sc_xdr_put_u32(&w, 1);
    sc_xdr_put_u32(&w, 10);
    sc_xdr_put_u32(&w, 1); /* AUTH_UNIX */
    sc_xdr_put_opaque(&w, "0123456789", 10);
    sc_xdr_put_u32(&w, 0);
    sc_xdr_put_u32(&w, 0);
    sc_xdr_put_u32(&w, 0x12345678);
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, w.len);
    sc_rpc_call c;
    sc_error err;
    assert_int_equal(sc_rpc_get_call(&r, &c, &err), SC_OK);
    assert_int_equal(c.proc, 10);
    uint32_t arg;
    assert_true(sc_xdr_get_u32(&r, &arg));
    assert_int_equal(arg, 0x12345678);
}

static void test_call_rejects_oversized_credential(void **state)
{
    (void)state;
    uint8_t buf[600];
    memset(buf, 0, sizeof buf);
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_put_call(&w, 1, 2, 3, 4);
    /* credential length word at offset 28: claim 404 bytes (more than the RFC's 400) */
    buf[28] = 0, buf[29] = 0, buf[30] = 0x01, buf[31] = 0x94;
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, sizeof buf);
    sc_rpc_call c;
    sc_error err;
    assert_int_equal(sc_rpc_get_call(&r, &c, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "credential"));
}

static void test_call_rejects_reply(void **state)
{
    (void)state;
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, getport_reply + 4, sizeof getport_reply - 4);
    sc_rpc_call c;
    sc_error err;
    assert_int_equal(sc_rpc_get_call(&r, &c, &err), SC_ERR_PROTOCOL);
}

static void test_getport_reply_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_begin_record(&w);
    sc_rpc_put_reply(&w, 1, SC_RPC_SUCCESS);
    sc_xdr_put_u32(&w, 1024);
    sc_rpc_end_record(&w);
    assert_int_equal(w.len, sizeof getport_reply);
    assert_memory_equal(buf, getport_reply, sizeof getport_reply);

    sc_xdr_reader r;
    sc_xdr_reader_init(&r, getport_reply + 4, sizeof getport_reply - 4);
    sc_rpc_reply reply;
    sc_error err;
    assert_int_equal(sc_rpc_get_reply(&r, &reply, &err), SC_OK);
    assert_int_equal(reply.xid, 1);
    assert_int_equal(reply.reply_stat, SC_RPC_MSG_ACCEPTED);
    assert_int_equal(reply.accept_stat, SC_RPC_SUCCESS);
    assert_int_equal(sc_rpc_reply_check(&reply, "test", 100000, 3, &err), SC_OK);
    uint32_t port;
    assert_true(sc_xdr_get_u32(&r, &port));
    assert_int_equal(port, 1024);
}

static void test_prog_mismatch(void **state)
{
    (void)state;
    uint8_t buf[64];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_put_reply_prog_mismatch(&w, 1, 2, 2);
    assert_int_equal(w.len, sizeof prog_mismatch_reply);
    assert_memory_equal(buf, prog_mismatch_reply, sizeof prog_mismatch_reply);

    sc_xdr_reader r;
    sc_xdr_reader_init(&r, prog_mismatch_reply, sizeof prog_mismatch_reply);
    sc_rpc_reply reply;
    sc_error err;
    assert_int_equal(sc_rpc_get_reply(&r, &reply, &err), SC_OK);
    assert_int_equal(reply.accept_stat, SC_RPC_PROG_MISMATCH);
    assert_int_equal(reply.low, 2);
    assert_int_equal(reply.high, 2);
    assert_int_equal(sc_rpc_reply_check(&reply, "VXI-11 h:111", 100000, 3, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "only versions 2..2"));
}

static void test_denied_reply(void **state)
{
    (void)state;
    uint8_t buf[64];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_put_reply_rpc_mismatch(&w, 77);
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, w.len);
    sc_rpc_reply reply;
    sc_error err;
    assert_int_equal(sc_rpc_get_reply(&r, &reply, &err), SC_OK);
    assert_int_equal(reply.xid, 77);
    assert_int_equal(reply.reply_stat, SC_RPC_MSG_DENIED);
    assert_int_equal(reply.reject_stat, SC_RPC_MISMATCH);
    assert_int_equal(sc_rpc_reply_check(&reply, "x", 1, 2, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "denied"));

    /* AUTH_ERROR */
    static const uint8_t auth[] = { 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2 };
    sc_xdr_reader_init(&r, auth, sizeof auth);
    assert_int_equal(sc_rpc_get_reply(&r, &reply, &err), SC_OK);
    assert_int_equal(reply.reject_stat, SC_RPC_AUTH_ERROR);
    assert_int_equal(reply.auth_stat, 2);
}

static void test_reply_truncated(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof getport_reply - 4 - 4; n++) {
        sc_xdr_reader r;
        sc_xdr_reader_init(&r, getport_reply + 4, n);
        sc_rpc_reply reply;
        sc_error err;
        assert_int_equal(sc_rpc_get_reply(&r, &reply, &err), SC_ERR_PROTOCOL);
    }
}

/* ---- record marking ---- */

static void test_marks(void **state)
{
    (void)state;
    uint8_t m[4];
    sc_rpc_put_mark(m, 0x38, true);
    assert_memory_equal(m, getport_call, 4);
    uint32_t len;
    bool last;
    sc_rpc_get_mark((const uint8_t[]){ 0x00, 0x01, 0x00, 0x00 }, &len, &last);
    assert_int_equal(len, 65536);
    assert_false(last);
    sc_rpc_get_mark((const uint8_t[]){ 0xff, 0xff, 0xff, 0xff }, &len, &last);
    assert_int_equal(len, 0x7FFFFFFF);
    assert_true(last);
}

static void test_reassemble_one_fragment_byte_by_byte(void **state)
{
    (void)state;
    sc_rpc_reassembler r;
    sc_rpc_reasm_init(&r, 1024);
    sc_error err;
    for (size_t i = 0; i < sizeof getport_call; i++) {
        assert_false(r.complete);
        size_t used = 0;
        assert_int_equal(sc_rpc_reasm_feed(&r, getport_call + i, 1, &used, &err), SC_OK);
        assert_int_equal(used, 1);
    }
    assert_true(r.complete);
    assert_int_equal(r.record.len, 0x38);
    assert_memory_equal(r.record.data, getport_call + 4, 0x38);
    sc_rpc_reasm_free(&r);
}

static void test_reassemble_fragments_and_leftover(void **state)
{
    (void)state;
    /* "abc" + "" + "defg" (last), then the start of the next record */
    static const uint8_t stream[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0, 0x80, 0, 0, 4, 'd', 'e', 'f', 'g',
                                      0x80, 0, 0, 1, 'z' };
    sc_rpc_reassembler r;
    sc_rpc_reasm_init(&r, 1024);
    sc_error err;
    size_t used = 0;
    assert_int_equal(sc_rpc_reasm_feed(&r, stream, sizeof stream, &used, &err), SC_OK);
    assert_true(r.complete);
    assert_int_equal(used, 19);
    assert_int_equal(r.fragments, 3);
    assert_int_equal(r.record.len, 7);
    assert_memory_equal(r.record.data, "abcdefg", 7);
    sc_rpc_reasm_next(&r);
    assert_int_equal(sc_rpc_reasm_feed(&r, stream + used, sizeof stream - used, &used, &err), SC_OK);
    assert_true(r.complete);
    assert_int_equal(r.record.len, 1);
    assert_int_equal(r.record.data[0], 'z');
    sc_rpc_reasm_free(&r);
}

static void test_reassemble_empty_last_fragment(void **state)
{
    (void)state;
    static const uint8_t stream[] = { 0, 0, 0, 2, 'h', 'i', 0x80, 0, 0, 0 };
    sc_rpc_reassembler r;
    sc_rpc_reasm_init(&r, 16);
    sc_error err;
    size_t used = 0;
    assert_int_equal(sc_rpc_reasm_feed(&r, stream, sizeof stream, &used, &err), SC_OK);
    assert_true(r.complete);
    assert_int_equal(used, sizeof stream);
    assert_int_equal(r.record.len, 2);
    sc_rpc_reasm_free(&r);
}

static void test_reassemble_too_large(void **state)
{
    (void)state;
    sc_rpc_reassembler r;
    sc_rpc_reasm_init(&r, 100);
    sc_error err;
    size_t used = 0;
    /* one fragment claiming 2 GiB */
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 1 };
    assert_int_equal(sc_rpc_reasm_feed(&r, huge, sizeof huge, &used, &err), SC_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "100-byte limit"));
    sc_rpc_reasm_free(&r);

    /* fragments that together pass the limit */
    sc_rpc_reasm_init(&r, 100);
    uint8_t stream[4 + 60 + 4];
    memset(stream, 'x', sizeof stream);
    sc_rpc_put_mark(stream, 60, false);
    sc_rpc_put_mark(stream + 64, 60, true);
    assert_int_equal(sc_rpc_reasm_feed(&r, stream, sizeof stream, &used, &err), SC_ERR_TOO_LARGE);
    assert_int_equal(r.record.len, 60); /* nothing of the second fragment was kept */
    sc_rpc_reasm_free(&r);
}

static void test_frame_round_trip(void **state)
{
    (void)state;
    size_t n = 200000;
    uint8_t *body = malloc(n);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++)
        body[i] = (uint8_t)(i * 7);
    size_t framed = sc_rpc_framed_size(n, 65536);
    assert_int_equal(framed, n + 4 * 4); /* 3 full fragments and a short one */
    uint8_t *wire = malloc(framed);
    assert_non_null(wire);
    assert_int_equal(sc_rpc_frame(body, n, 65536, wire), framed);
    uint32_t len;
    bool last;
    sc_rpc_get_mark(wire, &len, &last);
    assert_int_equal(len, 65536);
    assert_false(last);
    sc_rpc_get_mark(wire + 3 * (65536 + 4), &len, &last);
    assert_int_equal(len, n - 3 * 65536);
    assert_true(last);

    sc_rpc_reassembler r;
    sc_rpc_reasm_init(&r, n);
    sc_error err;
    size_t used = 0, off = 0;
    while (!r.complete) { /* odd-sized pieces, as TCP delivers them */
        size_t piece = framed - off < 1000 ? framed - off : 1000;
        assert_int_equal(sc_rpc_reasm_feed(&r, wire + off, piece, &used, &err), SC_OK);
        off += used;
    }
    assert_int_equal(off, framed);
    assert_int_equal(r.fragments, 4);
    assert_int_equal(r.record.len, n);
    assert_memory_equal(r.record.data, body, n);
    sc_rpc_reasm_free(&r);
    free(wire);
    free(body);

    /* an empty body is still one (last) fragment */
    uint8_t empty[4];
    assert_int_equal(sc_rpc_framed_size(0, 65536), 4);
    assert_int_equal(sc_rpc_frame(NULL, 0, 65536, empty), 4);
    assert_memory_equal(empty, ((const uint8_t[]){ 0x80, 0, 0, 0 }), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u32_i32_bool),
        cmocka_unit_test(test_opaque_padding),
        cmocka_unit_test(test_opaque_hostile_length),
        cmocka_unit_test(test_string_rules),
        cmocka_unit_test(test_writer_overflow),
        cmocka_unit_test(test_getport_call_bytes),
        cmocka_unit_test(test_call_decode),
        cmocka_unit_test(test_call_with_auth_unix_credential),
        cmocka_unit_test(test_call_rejects_oversized_credential),
        cmocka_unit_test(test_call_rejects_reply),
        cmocka_unit_test(test_getport_reply_bytes),
        cmocka_unit_test(test_prog_mismatch),
        cmocka_unit_test(test_denied_reply),
        cmocka_unit_test(test_reply_truncated),
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_reassemble_one_fragment_byte_by_byte),
        cmocka_unit_test(test_reassemble_fragments_and_leftover),
        cmocka_unit_test(test_reassemble_empty_last_fragment),
        cmocka_unit_test(test_reassemble_too_large),
        cmocka_unit_test(test_frame_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
