/* VXI-11 and portmapper argument/result layouts (protocols.md §1.3-1.5). */
#include "wire/vxi11_wire.h"

#include <string.h>

/* ---- portmapper / rpcbind ---- */

void sc_pmap_put_mapping(sc_xdr_writer *w, const sc_pmap_mapping *m)
{
    sc_xdr_put_u32(w, m->prog);
    sc_xdr_put_u32(w, m->vers);
    sc_xdr_put_u32(w, m->prot);
    sc_xdr_put_u32(w, m->port);
}

bool sc_pmap_get_mapping(sc_xdr_reader *r, sc_pmap_mapping *m)
{
    sc_xdr_get_u32(r, &m->prog);
    sc_xdr_get_u32(r, &m->vers);
    sc_xdr_get_u32(r, &m->prot);
    sc_xdr_get_u32(r, &m->port);
    return !r->bad;
}

bool sc_rpcb_get_args(sc_xdr_reader *r, sc_rpcb_args *a)
{
    sc_xdr_get_u32(r, &a->prog);
    sc_xdr_get_u32(r, &a->vers);
    sc_xdr_get_string(r, a->netid, sizeof a->netid);
    sc_xdr_get_string(r, a->addr, sizeof a->addr);
    sc_xdr_get_string(r, a->owner, sizeof a->owner);
    return !r->bad;
}

void sc_rpcb_put_args(sc_xdr_writer *w, const sc_rpcb_args *a)
{
    sc_xdr_put_u32(w, a->prog);
    sc_xdr_put_u32(w, a->vers);
    sc_xdr_put_string(w, a->netid);
    sc_xdr_put_string(w, a->addr);
    sc_xdr_put_string(w, a->owner);
}

/* ---- names and texts ---- */

const char *sc_vxi11_proc_name(uint32_t proc)
{
    switch (proc) {
    case SC_VXI11_NULL: return "null";
    case SC_VXI11_DEVICE_ABORT: return "device_abort";
    case SC_VXI11_CREATE_LINK: return "create_link";
    case SC_VXI11_DEVICE_WRITE: return "device_write";
    case SC_VXI11_DEVICE_READ: return "device_read";
    case SC_VXI11_DEVICE_READSTB: return "device_readstb";
    case SC_VXI11_DEVICE_TRIGGER: return "device_trigger";
    case SC_VXI11_DEVICE_CLEAR: return "device_clear";
    case SC_VXI11_DEVICE_REMOTE: return "device_remote";
    case SC_VXI11_DEVICE_LOCAL: return "device_local";
    case SC_VXI11_DEVICE_LOCK: return "device_lock";
    case SC_VXI11_DEVICE_UNLOCK: return "device_unlock";
    case SC_VXI11_DEVICE_ENABLE_SRQ: return "device_enable_srq";
    case SC_VXI11_DEVICE_DOCMD: return "device_docmd";
    case SC_VXI11_DESTROY_LINK: return "destroy_link";
    case SC_VXI11_CREATE_INTR_CHAN: return "create_intr_chan";
    case SC_VXI11_DESTROY_INTR_CHAN: return "destroy_intr_chan";
    case SC_VXI11_DEVICE_INTR_SRQ: return "device_intr_srq";
    default: return "unknown procedure";
    }
}

const char *sc_vxi11_error_text(int32_t code)
{
    switch (code) {
    case SC_VXI11_OK: return "no error";
    case SC_VXI11_ERR_SYNTAX: return "syntax error";
    case SC_VXI11_ERR_NOT_ACCESSIBLE: return "device not accessible";
    case SC_VXI11_ERR_INVALID_LINK: return "invalid link identifier";
    case SC_VXI11_ERR_PARAMETER: return "parameter error";
    case SC_VXI11_ERR_NO_CHANNEL: return "channel not established";
    case SC_VXI11_ERR_NOT_SUPPORTED: return "operation not supported";
    case SC_VXI11_ERR_RESOURCES: return "out of resources";
    case SC_VXI11_ERR_LOCKED: return "device locked by another link";
    case SC_VXI11_ERR_NO_LOCK: return "no lock held by this link";
    case SC_VXI11_ERR_IO_TIMEOUT: return "I/O timeout";
    case SC_VXI11_ERR_IO: return "I/O error";
    case SC_VXI11_ERR_INVALID_ADDRESS: return "invalid address";
    case SC_VXI11_ERR_ABORT: return "abort";
    case SC_VXI11_ERR_CHANNEL_EXISTS: return "channel already established";
    default: return "unknown error";
    }
}

/* ---- create_link ---- */

void sc_vxi11_put_create_link_parms(sc_xdr_writer *w, const sc_vxi11_create_link_parms *p)
{
    sc_xdr_put_i32(w, p->client_id);
    sc_xdr_put_bool(w, p->lock_device);
    sc_xdr_put_u32(w, p->lock_timeout);
    sc_xdr_put_string(w, p->device);
}

bool sc_vxi11_get_create_link_parms(sc_xdr_reader *r, sc_vxi11_create_link_parms *p)
{
    sc_xdr_get_i32(r, &p->client_id);
    sc_xdr_get_bool(r, &p->lock_device);
    sc_xdr_get_u32(r, &p->lock_timeout);
    sc_xdr_get_string(r, p->device, sizeof p->device);
    return !r->bad;
}

void sc_vxi11_put_create_link_resp(sc_xdr_writer *w, const sc_vxi11_create_link_resp *p)
{
    sc_xdr_put_i32(w, p->error);
    sc_xdr_put_i32(w, p->lid);
    sc_xdr_put_u32(w, p->abort_port);
    sc_xdr_put_u32(w, p->max_recv_size);
}

bool sc_vxi11_get_create_link_resp(sc_xdr_reader *r, sc_vxi11_create_link_resp *p)
{
    sc_xdr_get_i32(r, &p->error);
    sc_xdr_get_i32(r, &p->lid);
    sc_xdr_get_u32(r, &p->abort_port);
    sc_xdr_get_u32(r, &p->max_recv_size);
    return !r->bad;
}

/* ---- device_write ---- */

void sc_vxi11_put_write_parms(sc_xdr_writer *w, const sc_vxi11_write_parms *p)
{
    sc_xdr_put_i32(w, p->lid);
    sc_xdr_put_u32(w, p->io_timeout);
    sc_xdr_put_u32(w, p->lock_timeout);
    sc_xdr_put_i32(w, p->flags);
    sc_xdr_put_opaque(w, p->data, p->len);
}

bool sc_vxi11_get_write_parms(sc_xdr_reader *r, sc_vxi11_write_parms *p, uint32_t max_data)
{
    sc_xdr_get_i32(r, &p->lid);
    sc_xdr_get_u32(r, &p->io_timeout);
    sc_xdr_get_u32(r, &p->lock_timeout);
    sc_xdr_get_i32(r, &p->flags);
    sc_xdr_get_opaque(r, &p->data, &p->len, max_data);
    return !r->bad;
}

void sc_vxi11_put_write_resp(sc_xdr_writer *w, const sc_vxi11_write_resp *p)
{
    sc_xdr_put_i32(w, p->error);
    sc_xdr_put_u32(w, p->size);
}

bool sc_vxi11_get_write_resp(sc_xdr_reader *r, sc_vxi11_write_resp *p)
{
    sc_xdr_get_i32(r, &p->error);
    sc_xdr_get_u32(r, &p->size);
    return !r->bad;
}

/* ---- device_read ---- */

void sc_vxi11_put_read_parms(sc_xdr_writer *w, const sc_vxi11_read_parms *p)
{
    sc_xdr_put_i32(w, p->lid);
    sc_xdr_put_u32(w, p->request_size);
    sc_xdr_put_u32(w, p->io_timeout);
    sc_xdr_put_u32(w, p->lock_timeout);
    sc_xdr_put_i32(w, p->flags);
    sc_xdr_put_u32(w, p->term_char);
}

bool sc_vxi11_get_read_parms(sc_xdr_reader *r, sc_vxi11_read_parms *p)
{
    uint32_t term;
    sc_xdr_get_i32(r, &p->lid);
    sc_xdr_get_u32(r, &p->request_size);
    sc_xdr_get_u32(r, &p->io_timeout);
    sc_xdr_get_u32(r, &p->lock_timeout);
    sc_xdr_get_i32(r, &p->flags);
    sc_xdr_get_u32(r, &term);
    p->term_char = (uint8_t)term; /* a char travels as a word; only its low byte means anything */
    return !r->bad;
}

void sc_vxi11_put_read_resp(sc_xdr_writer *w, const sc_vxi11_read_resp *p)
{
    sc_xdr_put_i32(w, p->error);
    sc_xdr_put_i32(w, p->reason);
    sc_xdr_put_opaque(w, p->data, p->len);
}

bool sc_vxi11_get_read_resp(sc_xdr_reader *r, sc_vxi11_read_resp *p, uint32_t max_data)
{
    sc_xdr_get_i32(r, &p->error);
    sc_xdr_get_i32(r, &p->reason);
    sc_xdr_get_opaque(r, &p->data, &p->len, max_data);
    return !r->bad;
}

/* ---- generic, readstb, lock ---- */

void sc_vxi11_put_generic_parms(sc_xdr_writer *w, const sc_vxi11_generic_parms *p)
{
    sc_xdr_put_i32(w, p->lid);
    sc_xdr_put_i32(w, p->flags);
    sc_xdr_put_u32(w, p->lock_timeout);
    sc_xdr_put_u32(w, p->io_timeout);
}

bool sc_vxi11_get_generic_parms(sc_xdr_reader *r, sc_vxi11_generic_parms *p)
{
    sc_xdr_get_i32(r, &p->lid);
    sc_xdr_get_i32(r, &p->flags);
    sc_xdr_get_u32(r, &p->lock_timeout);
    sc_xdr_get_u32(r, &p->io_timeout);
    return !r->bad;
}

void sc_vxi11_put_readstb_resp(sc_xdr_writer *w, const sc_vxi11_readstb_resp *p)
{
    sc_xdr_put_i32(w, p->error);
    sc_xdr_put_u32(w, p->stb);
}

bool sc_vxi11_get_readstb_resp(sc_xdr_reader *r, sc_vxi11_readstb_resp *p)
{
    uint32_t stb;
    sc_xdr_get_i32(r, &p->error);
    sc_xdr_get_u32(r, &stb);
    p->stb = (uint8_t)stb;
    return !r->bad;
}

void sc_vxi11_put_lock_parms(sc_xdr_writer *w, const sc_vxi11_lock_parms *p)
{
    sc_xdr_put_i32(w, p->lid);
    sc_xdr_put_i32(w, p->flags);
    sc_xdr_put_u32(w, p->lock_timeout);
}

bool sc_vxi11_get_lock_parms(sc_xdr_reader *r, sc_vxi11_lock_parms *p)
{
    sc_xdr_get_i32(r, &p->lid);
    sc_xdr_get_i32(r, &p->flags);
    sc_xdr_get_u32(r, &p->lock_timeout);
    return !r->bad;
}

/* ---- interrupt channel set-up ---- */

void sc_vxi11_put_remote_func(sc_xdr_writer *w, const sc_vxi11_remote_func *p)
{
    sc_xdr_put_u32(w, p->host_addr);
    sc_xdr_put_u32(w, p->host_port);
    sc_xdr_put_u32(w, p->prog_num);
    sc_xdr_put_u32(w, p->prog_vers);
    sc_xdr_put_i32(w, p->prog_family);
}

bool sc_vxi11_get_remote_func(sc_xdr_reader *r, sc_vxi11_remote_func *p)
{
    sc_xdr_get_u32(r, &p->host_addr);
    sc_xdr_get_u32(r, &p->host_port);
    sc_xdr_get_u32(r, &p->prog_num);
    sc_xdr_get_u32(r, &p->prog_vers);
    sc_xdr_get_i32(r, &p->prog_family);
    return !r->bad;
}

void sc_vxi11_put_enable_srq_parms(sc_xdr_writer *w, const sc_vxi11_enable_srq_parms *p)
{
    sc_xdr_put_i32(w, p->lid);
    sc_xdr_put_bool(w, p->enable);
    sc_xdr_put_opaque(w, p->handle, p->handle_len);
}

bool sc_vxi11_get_enable_srq_parms(sc_xdr_reader *r, sc_vxi11_enable_srq_parms *p)
{
    sc_xdr_get_i32(r, &p->lid);
    sc_xdr_get_bool(r, &p->enable);
    sc_xdr_get_opaque(r, &p->handle, &p->handle_len, 40);
    return !r->bad;
}

/* ---- one-word structures ---- */

void sc_vxi11_put_link(sc_xdr_writer *w, int32_t lid)
{
    sc_xdr_put_i32(w, lid);
}

bool sc_vxi11_get_link(sc_xdr_reader *r, int32_t *lid)
{
    return sc_xdr_get_i32(r, lid);
}

void sc_vxi11_put_error(sc_xdr_writer *w, int32_t error)
{
    sc_xdr_put_i32(w, error);
}

bool sc_vxi11_get_error(sc_xdr_reader *r, int32_t *error)
{
    return sc_xdr_get_i32(r, error);
}
