/* One (host, port) probe as a pure state machine: it builds each request with the
 * transport codecs (lib/wire) and decodes each reply with them; the scan engine only
 * moves bytes. Asking *IDN? the way every protocol wants it (protocols.md):
 *
 *   raw     "*IDN?\n", the reply ends at '\n'
 *   vicp    one DATA|EOI block, reply blocks until EOI
 *   hislip  Initialize, then AsyncInitialize on a second connection, then DataEnd;
 *           the reply is Data... DataEnd
 *   vxi11   GETPORT on the portmapper; on the core port create_link, device_write,
 *           device_read until END, destroy_link
 *   lxi     GET /lxi/identification, an XML document
 *
 * Everything the peer sends is bounded by PROBE_MAX_REPLY (or the HTTP limits). */
#include "discover/discover_internal.h"
#include "wire/hislip_wire.h"
#include "wire/vicp_wire.h"
#include "wire/vxi11_wire.h"

#include <stdio.h>
#include <string.h>

static const char idn_query[] = "*IDN?\n";
#define IDN_QUERY_LEN (sizeof idn_query - 1)

/* VXI-11 steps */
enum { VX_GETPORT = 1, VX_CONNECTING_CORE, VX_CREATE_LINK, VX_WRITE, VX_READ, VX_DESTROY };
/* HiSLIP steps */
enum { HS_INIT = 1, HS_OPENING_AUX, HS_ASYNC_INIT, HS_QUERY };

void pm_init(probe_machine *m, sc_probe_kind kind, const char *host, uint32_t io_timeout_ms, uint32_t seed)
{
    memset(m, 0, sizeof *m);
    m->kind = kind;
    snprintf(m->host, sizeof m->host, "%s", host);
    m->io_timeout_ms = io_timeout_ms ? io_timeout_ms : 1000;
    m->xid = seed | 1u;
    m->outcome = SC_PROBE_SILENT;
    sc_buf_init(&m->reply, kind == SC_PROBE_LXI ? SC_HTTP_MAX_BODY : PROBE_MAX_REPLY);
    sc_rpc_reasm_init(&m->rx, 65536);
}

void pm_free(probe_machine *m)
{
    sc_buf_free(&m->reply);
    sc_rpc_reasm_free(&m->rx);
}

size_t pm_max_buffer(const probe_machine *m)
{
    if (m->kind == SC_PROBE_LXI)
        return SC_HTTP_MAX_HEAD + SC_HTTP_MAX_BODY + 16 * 1024; /* chunk headers */
    return 2 * PROBE_MAX_REPLY + 1024;
}

static pm_action finish(probe_machine *m, sc_probe_outcome o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static pm_action finish(probe_machine *m, sc_probe_outcome o, const char *fmt, ...)
{
    m->outcome = o;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->detail, sizeof m->detail, fmt, ap);
    va_end(ap);
    return PM_DONE;
}

/* The reply text is the identification, or the port speaks something else. */
static pm_action finish_idn(probe_machine *m, const uint8_t *text, size_t len, const char *protocol)
{
    if (sc_idn_valid_reply((const char *)text, len, &m->idn)) {
        m->sanitized = sc_idn_reply_has_control((const char *)text, len);
        return finish(m, SC_PROBE_IDENTIFIED, "%s *IDN? -> %s,%s,%s,%s%s", protocol, m->idn.manufacturer, m->idn.model,
                      m->idn.serial, m->idn.firmware, m->sanitized ? " (control bytes shown as '?')" : "");
    }
    char shown[72];
    sc_sanitize_text(shown, sizeof shown, (const char *)text, len > 64 ? 64 : len);
    return finish(m, SC_PROBE_WRONG_PROTOCOL, "%s answered \"%s\"%s, which is no *IDN? reply", protocol, shown,
                  len > 64 ? "..." : "");
}

static pm_action append_reply(probe_machine *m, const uint8_t *data, size_t n, const char *protocol)
{
    if (m->reply.len + n > PROBE_MAX_REPLY)
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "%s reply to *IDN? runs past %d bytes: not an identification",
                      protocol, PROBE_MAX_REPLY);
    sc_buf_append(&m->reply, data, n, NULL);
    return PM_WANT_INPUT;
}

/* ---- raw SCPI ---- */

static pm_action raw_input(probe_machine *m, const uint8_t *data, size_t len, bool eof, size_t *used)
{
    const uint8_t *nl = memchr(data, '\n', len);
    if (nl) {
        *used = (size_t)(nl - data) + 1;
        return finish_idn(m, data, (size_t)(nl - data), "raw SCPI");
    }
    *used = 0;
    if (len > PROBE_MAX_REPLY)
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "raw SCPI: %zu bytes without a newline: not an SCPI reply", len);
    if (eof) {
        *used = len;
        if (len > 0)
            return finish_idn(m, data, len, "raw SCPI");
        return finish(m, SC_PROBE_CLOSED, "raw SCPI: the connection was accepted, then closed without a reply");
    }
    return PM_WANT_INPUT;
}

/* ---- VICP ---- */

static void vicp_request(probe_machine *m)
{
    sc_vicp_header h = { .op = SC_VICP_OP_DATA | SC_VICP_OP_EOI, .version = SC_VICP_VERSION, .seq = 1,
                         .length = (uint32_t)IDN_QUERY_LEN };
    sc_vicp_encode(&h, m->out);
    memcpy(m->out + SC_VICP_HEADER_SIZE, idn_query, IDN_QUERY_LEN);
    m->out_len = SC_VICP_HEADER_SIZE + IDN_QUERY_LEN;
}

static pm_action vicp_input(probe_machine *m, const uint8_t *data, size_t len, bool eof, size_t *used)
{
    size_t off = 0;
    *used = 0;
    while (len - off >= SC_VICP_HEADER_SIZE) {
        sc_vicp_header h;
        sc_error err;
        if (sc_vicp_decode(data + off, PROBE_MAX_REPLY, &h, "VICP", &err) != SC_OK)
            return finish(m, SC_PROBE_WRONG_PROTOCOL, "%s", err.message);
        if (len - off - SC_VICP_HEADER_SIZE < h.length)
            break; /* the block's payload is still coming */
        const uint8_t *payload = data + off + SC_VICP_HEADER_SIZE;
        off += SC_VICP_HEADER_SIZE + h.length;
        *used = off;
        if (!(h.op & SC_VICP_OP_DATA))
            continue; /* SRQ or control: not part of the reply */
        if (append_reply(m, payload, h.length, "VICP") == PM_DONE)
            return PM_DONE;
        if (h.op & SC_VICP_OP_EOI)
            return finish_idn(m, m->reply.data, m->reply.len, "VICP");
    }
    if (eof)
        return finish(m, SC_PROBE_CLOSED, "VICP: the peer closed the connection before the reply's EOI block");
    return PM_WANT_INPUT;
}

/* ---- HiSLIP ---- */

static pm_action hislip_initialize(probe_machine *m)
{
    static const char sub_address[] = "hislip0";
    m->out_len = sc_hislip_encode(m->out, sizeof m->out, SC_HISLIP_INITIALIZE, 0,
                                  sc_hislip_initialize_param(SC_HISLIP_VERSION_1_0, "SC"), sub_address,
                                  sizeof sub_address - 1);
    m->step = HS_INIT;
    return PM_SEND;
}

/* One whole message (header + payload) at data, or PM_WANT_INPUT. */
static pm_action hislip_message(probe_machine *m, const uint8_t *data, size_t len, sc_hislip_header *h,
                                const uint8_t **payload, size_t *used)
{
    *used = 0;
    if (len < SC_HISLIP_HEADER_LEN)
        return PM_WANT_INPUT;
    sc_error err;
    if (sc_hislip_decode_header(data, len, h, NULL, &err) != SC_OK)
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "%s", err.message);
    if (h->length > PROBE_MAX_REPLY)
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "HiSLIP: a %s message of %llu bytes in reply to *IDN?: not an identification",
                      sc_hislip_type_name(h->type), (unsigned long long)h->length);
    if (len - SC_HISLIP_HEADER_LEN < h->length)
        return PM_WANT_INPUT;
    *payload = data + SC_HISLIP_HEADER_LEN;
    *used = SC_HISLIP_HEADER_LEN + (size_t)h->length;
    return PM_SEND; /* "a message is there" */
}

static pm_action hislip_error(probe_machine *m, const sc_hislip_header *h, const uint8_t *payload)
{
    char text[128];
    sc_sanitize_text(text, sizeof text, (const char *)payload, (size_t)h->length);
    bool fatal = h->type == SC_HISLIP_FATAL_ERROR;
    return finish(m, SC_PROBE_REJECTED, "HiSLIP %s %u (%s)%s%s", fatal ? "FatalError" : "Error", h->control,
                  fatal ? sc_hislip_fatal_text(h->control) : sc_hislip_error_text(h->control), text[0] ? ": " : "",
                  text);
}

static pm_action hislip_input(probe_machine *m, const uint8_t *data, size_t len, bool eof, size_t *used)
{
    size_t off = 0;
    *used = 0;
    for (;;) {
        sc_hislip_header h;
        const uint8_t *payload = NULL;
        size_t n;
        pm_action a = hislip_message(m, data + off, len - off, &h, &payload, &n);
        if (a == PM_DONE)
            return a;
        if (a == PM_WANT_INPUT)
            break;
        off += n;
        *used = off;
        if (h.type == SC_HISLIP_ERROR || h.type == SC_HISLIP_FATAL_ERROR)
            return hislip_error(m, &h, payload);
        if (m->step == HS_INIT) {
            if (h.type != SC_HISLIP_INITIALIZE_RESPONSE)
                return finish(m, SC_PROBE_WRONG_PROTOCOL, "HiSLIP: %s where InitializeResponse was due",
                              sc_hislip_type_name(h.type));
            uint16_t version;
            sc_hislip_initialize_response_unpack(h.param, &version, &m->session_id);
            m->step = HS_OPENING_AUX;
            return PM_OPEN_AUX;
        }
        if (m->step == HS_ASYNC_INIT) {
            if (h.type != SC_HISLIP_ASYNC_INITIALIZE_RESPONSE)
                return finish(m, SC_PROBE_WRONG_PROTOCOL, "HiSLIP: %s where AsyncInitializeResponse was due",
                              sc_hislip_type_name(h.type));
            m->out_len = sc_hislip_encode(m->out, sizeof m->out, SC_HISLIP_DATA_END, 0, SC_HISLIP_FIRST_MESSAGE_ID,
                                          idn_query, IDN_QUERY_LEN);
            m->step = HS_QUERY;
            return PM_BACK_TO_MAIN;
        }
        if (m->step == HS_QUERY && (h.type == SC_HISLIP_DATA || h.type == SC_HISLIP_DATA_END)) {
            /* a reply to something older than our query is stale: drop it (protocols.md §2.4) */
            if (h.param != SC_HISLIP_FIRST_MESSAGE_ID && h.param != SC_HISLIP_UNKNOWN_MESSAGE_ID)
                continue;
            if (append_reply(m, payload, (size_t)h.length, "HiSLIP") == PM_DONE)
                return PM_DONE;
            if (h.type == SC_HISLIP_DATA_END)
                return finish_idn(m, m->reply.data, m->reply.len, "HiSLIP");
        }
        /* anything else (Interrupted, vendor messages) is not the reply */
    }
    if (eof)
        return finish(m, SC_PROBE_CLOSED, "HiSLIP: the peer closed the connection %s",
                      m->step == HS_QUERY ? "before the reply" : "during initialization");
    return PM_WANT_INPUT;
}

/* ---- VXI-11 ---- */

static void vxi11_call(probe_machine *m, uint32_t prog, uint32_t vers, uint32_t proc, sc_xdr_writer *w)
{
    sc_xdr_writer_init(w, m->out, sizeof m->out);
    sc_rpc_begin_record(w);
    m->xid++;
    sc_rpc_put_call(w, m->xid, prog, vers, proc);
}

static void vxi11_send(probe_machine *m, sc_xdr_writer *w)
{
    sc_rpc_end_record(w);
    m->out_len = w->len;
}

static void vxi11_getport(probe_machine *m)
{
    sc_xdr_writer w;
    vxi11_call(m, SC_PMAP_PROG, SC_PMAP_VERS, SC_PMAP_PROC_GETPORT, &w);
    sc_pmap_mapping map = { SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_PMAP_IPPROTO_TCP, 0 };
    sc_pmap_put_mapping(&w, &map);
    vxi11_send(m, &w);
    m->step = VX_GETPORT;
}

static void vxi11_create_link(probe_machine *m)
{
    sc_xdr_writer w;
    vxi11_call(m, SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_VXI11_CREATE_LINK, &w);
    sc_vxi11_create_link_parms p = { .client_id = (int32_t)(m->xid & 0x7fffffff), .lock_device = false,
                                     .lock_timeout = 0 };
    snprintf(p.device, sizeof p.device, "inst0");
    sc_vxi11_put_create_link_parms(&w, &p);
    vxi11_send(m, &w);
    m->step = VX_CREATE_LINK;
}

static void vxi11_write(probe_machine *m)
{
    sc_xdr_writer w;
    vxi11_call(m, SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_VXI11_DEVICE_WRITE, &w);
    sc_vxi11_write_parms p = { .lid = m->lid, .io_timeout = m->io_timeout_ms, .lock_timeout = 0,
                               .flags = SC_VXI11_FLAG_END, .data = (const uint8_t *)idn_query,
                               .len = (uint32_t)IDN_QUERY_LEN };
    sc_vxi11_put_write_parms(&w, &p);
    vxi11_send(m, &w);
    m->step = VX_WRITE;
}

static void vxi11_read(probe_machine *m)
{
    sc_xdr_writer w;
    vxi11_call(m, SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_VXI11_DEVICE_READ, &w);
    sc_vxi11_read_parms p = { .lid = m->lid, .request_size = PROBE_MAX_REPLY, .io_timeout = m->io_timeout_ms,
                              .lock_timeout = 0, .flags = SC_VXI11_FLAG_TERMCHRSET, .term_char = '\n' };
    sc_vxi11_put_read_parms(&w, &p);
    vxi11_send(m, &w);
    m->reads++;
    m->step = VX_READ;
}

static void vxi11_destroy(probe_machine *m)
{
    sc_xdr_writer w;
    vxi11_call(m, SC_VXI11_CORE_PROG, SC_VXI11_VERS, SC_VXI11_DESTROY_LINK, &w);
    sc_vxi11_put_link(&w, m->lid);
    vxi11_send(m, &w);
    m->step = VX_DESTROY;
}

static pm_action vxi11_device_error(probe_machine *m, const char *proc, int32_t code)
{
    if (code == SC_VXI11_ERR_IO_TIMEOUT)
        return finish(m, SC_PROBE_SILENT, "VXI-11 %s: I/O timeout (error 15): the instrument did not answer *IDN?",
                      proc);
    return finish(m, SC_PROBE_REJECTED, "VXI-11 %s refused: error %d (%s)%s", proc, code, sc_vxi11_error_text(code),
                  code == SC_VXI11_ERR_NOT_ACCESSIBLE ? ": device name inst0 unknown or busy" : "");
}

/* Decode one complete reply record (header checked against our xid and procedure). */
static pm_action vxi11_record(probe_machine *m, const uint8_t *rec, size_t n)
{
    sc_xdr_reader r;
    sc_xdr_reader_init(&r, rec, n);
    sc_rpc_reply reply;
    sc_error err;
    bool pmap = m->step == VX_GETPORT;
    const char *what = pmap ? "portmapper" : "VXI-11";
    if (sc_rpc_get_reply(&r, &reply, &err) != SC_OK)
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "%s: reply is not ONC RPC: %s", what, err.message);
    if (reply.xid != m->xid)
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "%s: reply xid 0x%08x does not match the call's 0x%08x", what,
                      reply.xid, m->xid);
    if (sc_rpc_reply_check(&reply, what, pmap ? SC_PMAP_PROG : SC_VXI11_CORE_PROG, 0, &err) != SC_OK)
        return finish(m, SC_PROBE_REJECTED, "%s", err.message);

    switch (m->step) {
    case VX_GETPORT: {
        uint32_t port;
        if (!sc_xdr_get_u32(&r, &port) || port > 65535)
            return finish(m, SC_PROBE_WRONG_PROTOCOL, "portmapper: GETPORT reply without a valid port");
        if (port == 0)
            return finish(m, SC_PROBE_REJECTED,
                          "portmapper answers, but no VXI-11 server is registered (GETPORT 0): a computer's rpcbind, not an instrument");
        m->core_port = (uint16_t)port;
        m->next_port = (uint16_t)port;
        m->step = VX_CONNECTING_CORE;
        return PM_RECONNECT;
    }
    case VX_CREATE_LINK: {
        sc_vxi11_create_link_resp resp;
        if (!sc_vxi11_get_create_link_resp(&r, &resp))
            return finish(m, SC_PROBE_WRONG_PROTOCOL, "VXI-11: create_link reply is truncated");
        if (resp.error)
            return vxi11_device_error(m, "create_link", resp.error);
        m->lid = resp.lid;
        vxi11_write(m);
        return PM_SEND;
    }
    case VX_WRITE: {
        sc_vxi11_write_resp resp;
        if (!sc_vxi11_get_write_resp(&r, &resp))
            return finish(m, SC_PROBE_WRONG_PROTOCOL, "VXI-11: device_write reply is truncated");
        if (resp.error)
            return vxi11_device_error(m, "device_write", resp.error);
        vxi11_read(m);
        return PM_SEND;
    }
    case VX_READ: {
        sc_vxi11_read_resp resp;
        if (!sc_vxi11_get_read_resp(&r, &resp, PROBE_MAX_REPLY))
            return finish(m, SC_PROBE_WRONG_PROTOCOL, "VXI-11: device_read reply is truncated or too long");
        if (resp.error)
            return vxi11_device_error(m, "device_read", resp.error);
        if (append_reply(m, resp.data, resp.len, "VXI-11") == PM_DONE)
            return PM_DONE;
        if (resp.reason & (SC_VXI11_REASON_END | SC_VXI11_REASON_CHR)) {
            vxi11_destroy(m); /* polite: free the link before hanging up */
            return PM_SEND;
        }
        if (m->reads >= PROBE_VXI11_MAX_READS)
            return finish(m, SC_PROBE_WRONG_PROTOCOL, "VXI-11: %u device_reads without END", m->reads);
        vxi11_read(m);
        return PM_SEND;
    }
    case VX_DESTROY:
        return finish_idn(m, m->reply.data, m->reply.len, "VXI-11");
    default:
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "VXI-11: a reply nobody asked for");
    }
}

static pm_action vxi11_input(probe_machine *m, const uint8_t *data, size_t len, bool eof, size_t *used)
{
    *used = 0;
    while (*used < len) {
        size_t took = 0;
        sc_error err;
        if (sc_rpc_reasm_feed(&m->rx, data + *used, len - *used, &took, &err) != SC_OK)
            return finish(m, SC_PROBE_WRONG_PROTOCOL, "%s: %s", m->step == VX_GETPORT ? "portmapper" : "VXI-11",
                          err.message);
        *used += took;
        if (!m->rx.complete)
            break;
        pm_action a = vxi11_record(m, m->rx.record.data, m->rx.record.len);
        sc_rpc_reasm_next(&m->rx);
        if (a != PM_WANT_INPUT)
            return a;
    }
    if (eof) {
        if (m->step == VX_DESTROY) /* the answer is in; a hang-up after it does not matter */
            return finish_idn(m, m->reply.data, m->reply.len, "VXI-11");
        return finish(m, SC_PROBE_CLOSED, "%s: the peer closed the connection before replying",
                      m->step == VX_GETPORT ? "portmapper" : "VXI-11");
    }
    return PM_WANT_INPUT;
}

/* ---- LXI identification over HTTP ---- */

static void lxi_request(probe_machine *m)
{
    bool v6 = strchr(m->host, ':') != NULL;
    int n = snprintf((char *)m->out, sizeof m->out,
                     "GET /lxi/identification HTTP/1.1\r\nHost: %s%s%s\r\nAccept: text/xml, application/xml\r\n"
                     "User-Agent: scopecap\r\nConnection: close\r\n\r\n",
                     v6 ? "[" : "", m->host, v6 ? "]" : "");
    m->out_len = n > 0 && (size_t)n < sizeof m->out ? (size_t)n : 0;
}

/* Of the InstrumentAddressStrings, the one with the best protocol (HiSLIP/VXI-11 before
 * a raw socket), as scan ranks them. */
static void pick_lxi_address(probe_machine *m, const sc_lxi_ident *ident)
{
    int best = 1000;
    for (size_t i = 0; i < ident->address_count; i++) {
        sc_resource res;
        sc_error err;
        if (sc_resource_parse(ident->address[i], &res, &err) != SC_OK)
            continue;
        sc_probe_kind k = res.protocol == SC_PROTO_HISLIP ? SC_PROBE_HISLIP
                          : res.protocol == SC_PROTO_VXI11 ? SC_PROBE_VXI11
                          : res.protocol == SC_PROTO_VICP  ? SC_PROBE_VICP
                                                           : SC_PROBE_RAW;
        int rank = sc_scan_kind_rank(k, sc_resource_port(&res));
        if (rank < best) {
            best = rank;
            snprintf(m->lxi_address, sizeof m->lxi_address, "%s", ident->address[i]);
        }
    }
}

static pm_action lxi_input(probe_machine *m, const uint8_t *data, size_t len, bool eof, size_t *used)
{
    *used = 0;
    sc_http_response resp;
    sc_error err;
    sc_buf_reset(&m->reply);
    if (sc_http_parse_response(data, len, eof, &resp, &m->reply, &err) != SC_OK)
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "HTTP: %s", err.message);
    if (!resp.complete) {
        if (eof)
            return finish(m, SC_PROBE_CLOSED, "HTTP: the connection closed before the whole response");
        return PM_WANT_INPUT;
    }
    *used = len;
    if (resp.status != 200)
        return finish(m, SC_PROBE_REJECTED, "HTTP %d for /lxi/identification: a web server, but no LXI identification",
                      resp.status);
    const char *body = resp.chunked ? (const char *)m->reply.data : (const char *)data + resp.body_off;
    size_t body_len = resp.chunked ? m->reply.len : resp.body_len;
    sc_lxi_ident ident;
    if (sc_lxi_parse_xml(body ? body : "", body ? body_len : 0, &ident, &err) != SC_OK)
        return finish(m, SC_PROBE_WRONG_PROTOCOL, "/lxi/identification: %s", err.message);
    m->idn = ident.idn;
    m->sanitized = ident.sanitized;
    pick_lxi_address(m, &ident);
    return finish(m, SC_PROBE_IDENTIFIED, "LXI identification -> %s,%s,%s,%s%s", m->idn.manufacturer, m->idn.model,
                  m->idn.serial, m->idn.firmware, m->sanitized ? " (control characters shown as '?')" : "");
}

/* ---- the machine ---- */

pm_action pm_connected(probe_machine *m)
{
    switch (m->kind) {
    case SC_PROBE_RAW:
        memcpy(m->out, idn_query, IDN_QUERY_LEN);
        m->out_len = IDN_QUERY_LEN;
        m->step = 1;
        return PM_SEND;
    case SC_PROBE_VICP:
        vicp_request(m);
        m->step = 1;
        return PM_SEND;
    case SC_PROBE_HISLIP:
        if (m->step == HS_OPENING_AUX) {
            m->out_len = sc_hislip_encode(m->out, sizeof m->out, SC_HISLIP_ASYNC_INITIALIZE, 0, m->session_id, NULL, 0);
            m->step = HS_ASYNC_INIT;
            return PM_SEND;
        }
        return hislip_initialize(m);
    case SC_PROBE_VXI11:
        if (m->step == VX_CONNECTING_CORE)
            vxi11_create_link(m);
        else
            vxi11_getport(m);
        return PM_SEND;
    case SC_PROBE_LXI:
        lxi_request(m);
        m->step = 1;
        return PM_SEND;
    case SC_PROBE_KIND_COUNT:
        break;
    }
    return finish(m, SC_PROBE_LOCAL_ERROR, "unknown probe kind");
}

pm_action pm_input(probe_machine *m, const uint8_t *data, size_t len, bool eof, size_t *used)
{
    *used = 0;
    switch (m->kind) {
    case SC_PROBE_RAW: return raw_input(m, data, len, eof, used);
    case SC_PROBE_VICP: return vicp_input(m, data, len, eof, used);
    case SC_PROBE_HISLIP: return hislip_input(m, data, len, eof, used);
    case SC_PROBE_VXI11: return vxi11_input(m, data, len, eof, used);
    case SC_PROBE_LXI: return lxi_input(m, data, len, eof, used);
    case SC_PROBE_KIND_COUNT: break;
    }
    return finish(m, SC_PROBE_LOCAL_ERROR, "unknown probe kind");
}

void pm_timeout(probe_machine *m)
{
    switch (m->kind) {
    case SC_PROBE_RAW:
        finish(m, SC_PROBE_SILENT, "raw SCPI: accepts connections, but no answer to *IDN?");
        return;
    case SC_PROBE_VICP:
        finish(m, SC_PROBE_SILENT, "VICP: accepts connections, but no answer to a VICP *IDN? block");
        return;
    case SC_PROBE_HISLIP:
        finish(m, SC_PROBE_SILENT, "HiSLIP: no %s",
               m->step == HS_INIT ? "InitializeResponse" : m->step == HS_ASYNC_INIT ? "AsyncInitializeResponse"
                                                                                     : "reply to *IDN?");
        return;
    case SC_PROBE_VXI11:
        if (m->step == VX_DESTROY) { /* the identification is in; destroy_link is a courtesy */
            finish_idn(m, m->reply.data, m->reply.len, "VXI-11");
            return;
        }
        finish(m, SC_PROBE_SILENT, "%s: no reply to %s", m->step == VX_GETPORT ? "portmapper" : "VXI-11",
               m->step == VX_GETPORT ? "GETPORT" : m->step == VX_CREATE_LINK ? "create_link"
                                                 : m->step == VX_WRITE ? "device_write" : "device_read");
        return;
    case SC_PROBE_LXI:
        finish(m, SC_PROBE_SILENT, "HTTP: no complete answer to GET /lxi/identification");
        return;
    case SC_PROBE_KIND_COUNT:
        break;
    }
    finish(m, SC_PROBE_SILENT, "no answer");
}
