/* VXI-11 core and abort channels, and the portmapper lookup that finds them
 * (protocols.md §1.2-1.5). Pure encode/decode of procedure arguments and results; the
 * RPC headers and record marks are in oncrpc.h.
 *
 * Each structure has a put (encode into a writer) and a get (decode from a reader; false
 * when the bytes are short or a length is out of bounds). Both sides use both: the
 * client puts arguments and gets results, the simulator the other way round. */
#ifndef SC_WIRE_VXI11_WIRE_H
#define SC_WIRE_VXI11_WIRE_H

#include "wire/oncrpc.h"

/* ---- portmapper / rpcbind ---- */
#define SC_PMAP_PROG 100000u
#define SC_PMAP_VERS 2u
#define SC_PMAP_PROC_NULL 0u
#define SC_PMAP_PROC_GETPORT 3u
#define SC_RPCB_PROC_GETADDR 3u /* rpcbind versions 3 and 4 */
#define SC_PMAP_IPPROTO_TCP 6u
#define SC_PMAP_IPPROTO_UDP 17u
#define SC_PMAP_PORT 111

typedef struct sc_pmap_mapping {
    uint32_t prog, vers, prot, port;
} sc_pmap_mapping;

void sc_pmap_put_mapping(sc_xdr_writer *w, const sc_pmap_mapping *m);
bool sc_pmap_get_mapping(sc_xdr_reader *r, sc_pmap_mapping *m);

/* rpcbind v3/v4 GETADDR arguments (only what a server needs to answer) */
typedef struct sc_rpcb_args {
    uint32_t prog, vers;
    char netid[16]; /* "tcp", "udp" */
    char addr[64];  /* universal address, e.g. "127.0.0.1.0.111" */
    char owner[64];
} sc_rpcb_args;

bool sc_rpcb_get_args(sc_xdr_reader *r, sc_rpcb_args *a);
void sc_rpcb_put_args(sc_xdr_writer *w, const sc_rpcb_args *a);

/* ---- VXI-11 programs and procedures ---- */
#define SC_VXI11_CORE_PROG 0x0607AFu
#define SC_VXI11_ASYNC_PROG 0x0607B0u
#define SC_VXI11_INTR_PROG 0x0607B1u
#define SC_VXI11_VERS 1u

enum sc_vxi11_proc {
    SC_VXI11_NULL = 0,
    SC_VXI11_DEVICE_ABORT = 1, /* abort channel */
    SC_VXI11_CREATE_LINK = 10,
    SC_VXI11_DEVICE_WRITE = 11,
    SC_VXI11_DEVICE_READ = 12,
    SC_VXI11_DEVICE_READSTB = 13,
    SC_VXI11_DEVICE_TRIGGER = 14,
    SC_VXI11_DEVICE_CLEAR = 15,
    SC_VXI11_DEVICE_REMOTE = 16,
    SC_VXI11_DEVICE_LOCAL = 17,
    SC_VXI11_DEVICE_LOCK = 18,
    SC_VXI11_DEVICE_UNLOCK = 19,
    SC_VXI11_DEVICE_ENABLE_SRQ = 20,
    SC_VXI11_DEVICE_DOCMD = 22,
    SC_VXI11_DESTROY_LINK = 23,
    SC_VXI11_CREATE_INTR_CHAN = 25,
    SC_VXI11_DESTROY_INTR_CHAN = 26,
    SC_VXI11_DEVICE_INTR_SRQ = 30, /* interrupt channel, one-way */
};

/* "create_link" for 10, ...; "unknown procedure" for numbers VXI-11 does not define. */
const char *sc_vxi11_proc_name(uint32_t proc);

/* Device_Flags */
#define SC_VXI11_FLAG_WAITLOCK 0x01
#define SC_VXI11_FLAG_END 0x08
#define SC_VXI11_FLAG_TERMCHRSET 0x80
/* device_read reasons */
#define SC_VXI11_REASON_REQCNT 0x01
#define SC_VXI11_REASON_CHR 0x02
#define SC_VXI11_REASON_END 0x04

/* Device_ErrorCode */
enum sc_vxi11_error {
    SC_VXI11_OK = 0,
    SC_VXI11_ERR_SYNTAX = 1,
    SC_VXI11_ERR_NOT_ACCESSIBLE = 3,
    SC_VXI11_ERR_INVALID_LINK = 4,
    SC_VXI11_ERR_PARAMETER = 5,
    SC_VXI11_ERR_NO_CHANNEL = 6,
    SC_VXI11_ERR_NOT_SUPPORTED = 8,
    SC_VXI11_ERR_RESOURCES = 9,
    SC_VXI11_ERR_LOCKED = 11,
    SC_VXI11_ERR_NO_LOCK = 12,
    SC_VXI11_ERR_IO_TIMEOUT = 15,
    SC_VXI11_ERR_IO = 17,
    SC_VXI11_ERR_INVALID_ADDRESS = 21,
    SC_VXI11_ERR_ABORT = 23,
    SC_VXI11_ERR_CHANNEL_EXISTS = 29,
};
/* "device not accessible" ... ; "unknown error" for numbers outside the table */
const char *sc_vxi11_error_text(int32_t code);

#define SC_VXI11_DEVICE_MAX 64 /* longest device name we send or accept, NUL included */

typedef struct sc_vxi11_create_link_parms {
    int32_t client_id;
    bool lock_device;
    uint32_t lock_timeout;
    char device[SC_VXI11_DEVICE_MAX];
} sc_vxi11_create_link_parms;

typedef struct sc_vxi11_create_link_resp {
    int32_t error;
    int32_t lid;
    uint32_t abort_port; /* u_short on the wire as a 4-byte word */
    uint32_t max_recv_size;
} sc_vxi11_create_link_resp;

typedef struct sc_vxi11_write_parms {
    int32_t lid;
    uint32_t io_timeout;   /* ms */
    uint32_t lock_timeout; /* ms */
    int32_t flags;
    const uint8_t *data;   /* decoded: points into the reader's buffer */
    uint32_t len;
} sc_vxi11_write_parms;

typedef struct sc_vxi11_write_resp {
    int32_t error;
    uint32_t size;
} sc_vxi11_write_resp;

typedef struct sc_vxi11_read_parms {
    int32_t lid;
    uint32_t request_size;
    uint32_t io_timeout;
    uint32_t lock_timeout;
    int32_t flags;
    uint8_t term_char; /* a char in a 4-byte word; valid with TERMCHRSET */
} sc_vxi11_read_parms;

typedef struct sc_vxi11_read_resp {
    int32_t error;
    int32_t reason;
    const uint8_t *data; /* decoded: points into the reader's buffer */
    uint32_t len;
} sc_vxi11_read_resp;

/* Device_GenericParms: readstb, trigger, clear, remote, local. Note the order. */
typedef struct sc_vxi11_generic_parms {
    int32_t lid;
    int32_t flags;
    uint32_t lock_timeout;
    uint32_t io_timeout;
} sc_vxi11_generic_parms;

typedef struct sc_vxi11_readstb_resp {
    int32_t error;
    uint8_t stb;
} sc_vxi11_readstb_resp;

typedef struct sc_vxi11_lock_parms {
    int32_t lid;
    int32_t flags;
    uint32_t lock_timeout;
} sc_vxi11_lock_parms;

typedef struct sc_vxi11_remote_func {
    uint32_t host_addr, host_port, prog_num, prog_vers;
    int32_t prog_family; /* 0 TCP, 1 UDP */
} sc_vxi11_remote_func;

typedef struct sc_vxi11_enable_srq_parms {
    int32_t lid;
    bool enable;
    const uint8_t *handle;
    uint32_t handle_len; /* at most 40 */
} sc_vxi11_enable_srq_parms;

void sc_vxi11_put_create_link_parms(sc_xdr_writer *w, const sc_vxi11_create_link_parms *p);
bool sc_vxi11_get_create_link_parms(sc_xdr_reader *r, sc_vxi11_create_link_parms *p);
void sc_vxi11_put_create_link_resp(sc_xdr_writer *w, const sc_vxi11_create_link_resp *p);
bool sc_vxi11_get_create_link_resp(sc_xdr_reader *r, sc_vxi11_create_link_resp *p);

void sc_vxi11_put_write_parms(sc_xdr_writer *w, const sc_vxi11_write_parms *p);
/* data longer than max_data fails */
bool sc_vxi11_get_write_parms(sc_xdr_reader *r, sc_vxi11_write_parms *p, uint32_t max_data);
void sc_vxi11_put_write_resp(sc_xdr_writer *w, const sc_vxi11_write_resp *p);
bool sc_vxi11_get_write_resp(sc_xdr_reader *r, sc_vxi11_write_resp *p);

void sc_vxi11_put_read_parms(sc_xdr_writer *w, const sc_vxi11_read_parms *p);
bool sc_vxi11_get_read_parms(sc_xdr_reader *r, sc_vxi11_read_parms *p);
void sc_vxi11_put_read_resp(sc_xdr_writer *w, const sc_vxi11_read_resp *p);
/* data longer than max_data fails: a device must never send more than requestSize */
bool sc_vxi11_get_read_resp(sc_xdr_reader *r, sc_vxi11_read_resp *p, uint32_t max_data);

void sc_vxi11_put_generic_parms(sc_xdr_writer *w, const sc_vxi11_generic_parms *p);
bool sc_vxi11_get_generic_parms(sc_xdr_reader *r, sc_vxi11_generic_parms *p);
void sc_vxi11_put_readstb_resp(sc_xdr_writer *w, const sc_vxi11_readstb_resp *p);
bool sc_vxi11_get_readstb_resp(sc_xdr_reader *r, sc_vxi11_readstb_resp *p);

void sc_vxi11_put_lock_parms(sc_xdr_writer *w, const sc_vxi11_lock_parms *p);
bool sc_vxi11_get_lock_parms(sc_xdr_reader *r, sc_vxi11_lock_parms *p);

void sc_vxi11_put_remote_func(sc_xdr_writer *w, const sc_vxi11_remote_func *p);
bool sc_vxi11_get_remote_func(sc_xdr_reader *r, sc_vxi11_remote_func *p);

void sc_vxi11_put_enable_srq_parms(sc_xdr_writer *w, const sc_vxi11_enable_srq_parms *p);
bool sc_vxi11_get_enable_srq_parms(sc_xdr_reader *r, sc_vxi11_enable_srq_parms *p);

/* Device_Link (unlock, destroy_link, device_abort) and Device_Error: one int each. */
void sc_vxi11_put_link(sc_xdr_writer *w, int32_t lid);
bool sc_vxi11_get_link(sc_xdr_reader *r, int32_t *lid);
void sc_vxi11_put_error(sc_xdr_writer *w, int32_t error);
bool sc_vxi11_get_error(sc_xdr_reader *r, int32_t *error);

#endif
