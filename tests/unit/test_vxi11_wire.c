/* VXI-11 and portmapper layouts (lib/wire/vxi11_wire.c) against the worked bytes of
 * protocols.md §1.8 and the tables of §1.3-1.5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/vxi11_wire.h"

/* §1.8: create_link(clientId 0x12345678, lock 0, lock_timeout 10000, "inst0"), xid 2 */
static const uint8_t create_link_call[] = {
    0x80, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x06, 0x07, 0xaf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x27, 0x10, 0x00, 0x00, 0x00, 0x05, 0x69, 0x6e, 0x73, 0x74,
    0x30, 0x00, 0x00, 0x00,
};
/* its reply: error 0, lid 0, abortPort 1025, maxRecvSize 1024 */
static const uint8_t create_link_reply[] = {
    0x80, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x04, 0x00,
};
/* device_write("*IDN?\n", END): arguments after the call header */
static const uint8_t write_args[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0xd0, 0x00, 0x00, 0x27, 0x10, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x00, 0x00, 0x06, 0x2a, 0x49, 0x44, 0x4e, 0x3f, 0x0a, 0x00, 0x00,
};
/* its results (size 6) */
static const uint8_t write_results[] = { 0, 0, 0, 0, 0, 0, 0, 6 };
/* device_read(requestSize 1024, termchrset, '\n') arguments */
static const uint8_t read_args[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0xd0,
    0x00, 0x00, 0x27, 0x10, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x0a,
};
/* its results: reason END|CHR, 8 bytes "A,B,C,1\n" */
static const uint8_t read_results[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x08,
    0x41, 0x2c, 0x42, 0x2c, 0x43, 0x2c, 0x31, 0x0a,
};

/* A whole call record: mark + header(xid, core program, proc) + args. */
static size_t core_call(uint8_t *buf, size_t cap, uint32_t xid, uint32_t proc, const uint8_t *args, size_t n)
{
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, cap);
    sc_rpc_begin_record(&w);
    sc_rpc_put_call(&w, xid, SC_VXI11_CORE_PROG, SC_VXI11_VERS, proc);
    assert_true(w.len + n <= cap);
    memcpy(buf + w.len, args, n);
    w.len += n;
    sc_rpc_end_record(&w);
    return w.len;
}

static void test_create_link_call(void **state)
{
    (void)state;
    uint8_t buf[128];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_begin_record(&w);
    sc_rpc_put_call(&w, 2, SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_VXI11_CREATE_LINK);
    sc_vxi11_create_link_parms p = { .client_id = 0x12345678, .lock_device = false, .lock_timeout = 10000,
                                     .device = "inst0" };
    sc_vxi11_put_create_link_parms(&w, &p);
    sc_rpc_end_record(&w);
    assert_false(w.overflow);
    assert_int_equal(w.len, sizeof create_link_call);
    assert_memory_equal(buf, create_link_call, sizeof create_link_call);

    /* and back, as the simulator reads it */
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, create_link_call + 4, sizeof create_link_call - 4);
    sc_rpc_call c;
    sc_error err;
    assert_int_equal(sc_rpc_get_call(&r, &c, &err), SC_OK);
    assert_int_equal(c.prog, 0x0607AF);
    assert_int_equal(c.proc, 10);
    sc_vxi11_create_link_parms q;
    assert_true(sc_vxi11_get_create_link_parms(&r, &q));
    assert_int_equal(q.client_id, 0x12345678);
    assert_false(q.lock_device);
    assert_int_equal(q.lock_timeout, 10000);
    assert_string_equal(q.device, "inst0");
}

static void test_create_link_reply(void **state)
{
    (void)state;
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, create_link_reply + 4, sizeof create_link_reply - 4);
    sc_rpc_reply reply;
    sc_error err;
    assert_int_equal(sc_rpc_get_reply(&r, &reply, &err), SC_OK);
    assert_int_equal(reply.xid, 2);
    sc_vxi11_create_link_resp resp;
    assert_true(sc_vxi11_get_create_link_resp(&r, &resp));
    assert_int_equal(resp.error, 0);
    assert_int_equal(resp.lid, 0);
    assert_int_equal(resp.abort_port, 1025);
    assert_int_equal(resp.max_recv_size, 1024);

    uint8_t buf[64];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_begin_record(&w);
    sc_rpc_put_reply(&w, 2, SC_RPC_SUCCESS);
    sc_vxi11_put_create_link_resp(&w, &resp);
    sc_rpc_end_record(&w);
    assert_int_equal(w.len, sizeof create_link_reply);
    assert_memory_equal(buf, create_link_reply, sizeof create_link_reply);
}

static void test_device_write(void **state)
{
    (void)state;
    uint8_t want[128], buf[128];
    size_t n = core_call(want, sizeof want, 3, SC_VXI11_DEVICE_WRITE, write_args, sizeof write_args);
    assert_int_equal(n, 4 + 0x44);
    assert_memory_equal(want, ((const uint8_t[]){ 0x80, 0, 0, 0x44 }), 4);

    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpc_begin_record(&w);
    sc_rpc_put_call(&w, 3, SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_VXI11_DEVICE_WRITE);
    sc_vxi11_write_parms p = { .lid = 0, .io_timeout = 2000, .lock_timeout = 10000, .flags = SC_VXI11_FLAG_END,
                               .data = (const uint8_t *)"*IDN?\n", .len = 6 };
    sc_vxi11_put_write_parms(&w, &p);
    sc_rpc_end_record(&w);
    assert_int_equal(w.len, n);
    assert_memory_equal(buf, want, n);

    sc_xdr_reader r;
    sc_xdr_reader_init(&r, write_args, sizeof write_args);
    sc_vxi11_write_parms q;
    assert_true(sc_vxi11_get_write_parms(&r, &q, 1024));
    assert_int_equal(q.io_timeout, 2000);
    assert_int_equal(q.lock_timeout, 10000);
    assert_int_equal(q.flags, SC_VXI11_FLAG_END);
    assert_int_equal(q.len, 6);
    assert_memory_equal(q.data, "*IDN?\n", 6);
    /* more data than the server takes in one call */
    sc_xdr_reader_init(&r, write_args, sizeof write_args);
    assert_false(sc_vxi11_get_write_parms(&r, &q, 5));

    sc_vxi11_write_resp resp;
    sc_xdr_reader_init(&r, write_results, sizeof write_results);
    assert_true(sc_vxi11_get_write_resp(&r, &resp));
    assert_int_equal(resp.error, 0);
    assert_int_equal(resp.size, 6);
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_vxi11_put_write_resp(&w, &resp);
    assert_int_equal(w.len, sizeof write_results);
    assert_memory_equal(buf, write_results, sizeof write_results);
}

static void test_device_read(void **state)
{
    (void)state;
    uint8_t buf[64];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_vxi11_read_parms p = { .lid = 0, .request_size = 1024, .io_timeout = 2000, .lock_timeout = 10000,
                              .flags = SC_VXI11_FLAG_TERMCHRSET, .term_char = '\n' };
    sc_vxi11_put_read_parms(&w, &p);
    assert_int_equal(w.len, sizeof read_args);
    assert_memory_equal(buf, read_args, sizeof read_args);

    sc_xdr_reader r;
    sc_xdr_reader_init(&r, read_args, sizeof read_args);
    sc_vxi11_read_parms q;
    assert_true(sc_vxi11_get_read_parms(&r, &q));
    assert_int_equal(q.request_size, 1024);
    assert_int_equal(q.flags, 0x80);
    assert_int_equal(q.term_char, '\n');

    sc_xdr_reader_init(&r, read_results, sizeof read_results);
    sc_vxi11_read_resp resp;
    assert_true(sc_vxi11_get_read_resp(&r, &resp, 1024));
    assert_int_equal(resp.error, 0);
    assert_int_equal(resp.reason, SC_VXI11_REASON_END | SC_VXI11_REASON_CHR);
    assert_int_equal(resp.len, 8);
    assert_memory_equal(resp.data, "A,B,C,1\n", 8);
    /* a device that sends more than requestSize is refused (liblxi would overrun) */
    sc_xdr_reader_init(&r, read_results, sizeof read_results);
    assert_false(sc_vxi11_get_read_resp(&r, &resp, 7));

    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_vxi11_read_resp out = { .error = 0, .reason = 6, .data = (const uint8_t *)"A,B,C,1\n", .len = 8 };
    sc_vxi11_put_read_resp(&w, &out);
    assert_int_equal(w.len, sizeof read_results);
    assert_memory_equal(buf, read_results, sizeof read_results);
}

static void test_read_resp_truncated_everywhere(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof read_results; n++) {
        sc_xdr_reader r;
        sc_xdr_reader_init(&r, read_results, n);
        sc_vxi11_read_resp resp;
        assert_false(sc_vxi11_get_read_resp(&r, &resp, 1024));
    }
}

static void test_generic_and_lock_order(void **state)
{
    (void)state;
    uint8_t buf[32];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_vxi11_generic_parms g = { .lid = 7, .flags = 1, .lock_timeout = 2, .io_timeout = 3 };
    sc_vxi11_put_generic_parms(&w, &g);
    /* lid, flags, lock_timeout, io_timeout: not the order of read/write */
    static const uint8_t want[] = { 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 };
    assert_memory_equal(buf, want, sizeof want);
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, w.len);
    sc_vxi11_generic_parms h;
    assert_true(sc_vxi11_get_generic_parms(&r, &h));
    assert_int_equal(h.io_timeout, 3);

    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_vxi11_lock_parms l = { .lid = 7, .flags = SC_VXI11_FLAG_WAITLOCK, .lock_timeout = 500 };
    sc_vxi11_put_lock_parms(&w, &l);
    assert_int_equal(w.len, 12);
    sc_xdr_reader_init(&r, buf, w.len);
    sc_vxi11_lock_parms m;
    assert_true(sc_vxi11_get_lock_parms(&r, &m));
    assert_int_equal(m.lock_timeout, 500);

    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_vxi11_put_readstb_resp(&w, &(sc_vxi11_readstb_resp){ .error = 0, .stb = 0x10 });
    static const uint8_t stb[] = { 0, 0, 0, 0, 0, 0, 0, 0x10 };
    assert_memory_equal(buf, stb, sizeof stb);
}

static void test_getport_mapping(void **state)
{
    (void)state;
    uint8_t buf[16];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_pmap_mapping m = { SC_VXI11_CORE_PROG, 1, SC_PMAP_IPPROTO_TCP, 0 };
    sc_pmap_put_mapping(&w, &m);
    static const uint8_t want[] = { 0x00, 0x06, 0x07, 0xaf, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0 };
    assert_memory_equal(buf, want, sizeof want);
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, 12);
    assert_false(sc_pmap_get_mapping(&r, &m));
}

static void test_rpcb_args(void **state)
{
    (void)state;
    uint8_t buf[128];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_rpcb_args a = { .prog = SC_VXI11_CORE_PROG, .vers = 1, .netid = "tcp", .addr = "127.0.0.1.0.111",
                       .owner = "libtirpc" };
    sc_rpcb_put_args(&w, &a);
    assert_int_equal(w.len, 8 + 8 + 20 + 12);
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, w.len);
    sc_rpcb_args b;
    assert_true(sc_rpcb_get_args(&r, &b));
    assert_string_equal(b.netid, "tcp");
    assert_string_equal(b.addr, "127.0.0.1.0.111");
    assert_string_equal(b.owner, "libtirpc");
}

static void test_device_name_bound(void **state)
{
    (void)state;
    uint8_t buf[256];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_xdr_put_i32(&w, 1);
    sc_xdr_put_bool(&w, false);
    sc_xdr_put_u32(&w, 0);
    char name[SC_VXI11_DEVICE_MAX + 1];
    memset(name, 'x', SC_VXI11_DEVICE_MAX);
    name[SC_VXI11_DEVICE_MAX] = '\0';
    sc_xdr_put_string(&w, name);
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, w.len);
    sc_vxi11_create_link_parms p;
    assert_false(sc_vxi11_get_create_link_parms(&r, &p)); /* 64 characters do not fit */
}

static void test_texts(void **state)
{
    (void)state;
    assert_string_equal(sc_vxi11_error_text(3), "device not accessible");
    assert_string_equal(sc_vxi11_error_text(15), "I/O timeout");
    assert_string_equal(sc_vxi11_error_text(23), "abort");
    assert_string_equal(sc_vxi11_error_text(21), "invalid address");
    assert_string_equal(sc_vxi11_error_text(2), "unknown error");
    assert_string_equal(sc_vxi11_error_text(-1), "unknown error");
    assert_string_equal(sc_vxi11_proc_name(10), "create_link");
    assert_string_equal(sc_vxi11_proc_name(23), "destroy_link");
    assert_string_equal(sc_vxi11_proc_name(1), "device_abort");
    assert_string_equal(sc_vxi11_proc_name(21), "unknown procedure");
}

static void test_remote_func_and_srq(void **state)
{
    (void)state;
    uint8_t buf[64];
    sc_xdr_writer w;
    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_vxi11_remote_func f = { 0x7F000001, 5000, SC_VXI11_INTR_PROG, 1, 0 };
    sc_vxi11_put_remote_func(&w, &f);
    assert_int_equal(w.len, 20);
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, buf, w.len);
    sc_vxi11_remote_func g;
    assert_true(sc_vxi11_get_remote_func(&r, &g));
    assert_int_equal(g.prog_num, 0x0607B1);

    sc_xdr_writer_init(&w, buf, sizeof buf);
    sc_vxi11_enable_srq_parms s = { .lid = 1, .enable = true, .handle = (const uint8_t *)"srq", .handle_len = 3 };
    sc_vxi11_put_enable_srq_parms(&w, &s);
    assert_int_equal(w.len, 16);
    sc_xdr_reader_init(&r, buf, w.len);
    sc_vxi11_enable_srq_parms t;
    assert_true(sc_vxi11_get_enable_srq_parms(&r, &t));
    assert_true(t.enable);
    assert_int_equal(t.handle_len, 3);
    /* a handle longer than 40 bytes is refused */
    uint8_t big[64] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 41 };
    sc_xdr_reader_init(&r, big, sizeof big);
    assert_false(sc_vxi11_get_enable_srq_parms(&r, &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_link_call),
        cmocka_unit_test(test_create_link_reply),
        cmocka_unit_test(test_device_write),
        cmocka_unit_test(test_device_read),
        cmocka_unit_test(test_read_resp_truncated_everywhere),
        cmocka_unit_test(test_generic_and_lock_order),
        cmocka_unit_test(test_getport_mapping),
        cmocka_unit_test(test_rpcb_args),
        cmocka_unit_test(test_device_name_bound),
        cmocka_unit_test(test_texts),
        cmocka_unit_test(test_remote_func_and_srq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
