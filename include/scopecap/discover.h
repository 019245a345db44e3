/* Discovery and diagnostics: find every instrument on the local subnets and on USB
 * (scopecap scan), and find out why one cannot be reached (scopecap doctor).
 *
 * A scan walks a target list (IPv4 ranges and single hosts) with one epoll loop. Every
 * (host, port) pair is a small probe that asks *IDN? the way that port's protocol wants
 * it: raw text on 5025/5555, a VICP block on 1861, HiSLIP Initialize + AsyncInitialize +
 * DataEnd on 4880, portmapper GETPORT then VXI-11 create_link/write/read on 111, and
 * GET /lxi/identification on 80. A host counts as found only when one of them returned a
 * valid identification. VXI-11 broadcast and mDNS add hosts while the scan runs; USB-TMC
 * devices are enumerated (libusb) on a thread of their own. */
#ifndef SCOPECAP_DISCOVER_H
#define SCOPECAP_DISCOVER_H

#include "scopecap/core.h"
#include "scopecap/resource.h"
#include "scopecap/scpi.h"

#include <stdio.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- local interfaces ---- */

typedef struct sc_iface {
    char name[32];
    uint32_t addr;      /* IPv4, host byte order */
    uint32_t netmask;   /* the real one, host byte order */
    uint32_t broadcast; /* valid when has_broadcast */
    int prefix;         /* netmask length */
    bool has_broadcast;
    bool loopback;
    bool up;
} sc_iface;

#define SC_IFACE_MAX 64

/* Every IPv4 address of every interface (getifaddrs), loopback and down ones included
 * (the flags tell). Returns how many were written. */
size_t sc_ifaces_list(sc_iface *out, size_t cap, sc_error *err);
/* Up, not loopback, not link-local (169.254/16): the ones a default scan uses. */
bool sc_iface_scannable(const sc_iface *ifc);

/* How this machine reaches an address: the source address the kernel picks (a connected
 * UDP socket and getsockname; no packet is sent), and the interface that owns it. */
typedef struct sc_route_info {
    char local_addr[64];
    char iface[32];      /* "" when no interface owns the source address */
    int prefix;          /* of that interface address; -1 unknown */
    bool same_subnet;    /* target inside the interface's subnet (real netmask) */
    bool loopback;
} sc_route_info;

sc_status sc_route_lookup(const struct sockaddr *to, socklen_t len, sc_route_info *out, sc_error *err);

/* ---- targets ---- */

typedef struct sc_target_range {
    uint32_t first, last; /* IPv4, host byte order, inclusive */
    char origin[96];      /* "10.0.0.0/24", "eth0 10.0.0.5/24" */
} sc_target_range;

typedef struct sc_target_host {
    struct sockaddr_storage addr; /* port 0 */
    socklen_t addr_len;
    char text[SC_HOST_MAX];       /* numeric address, as printed and put in resources */
    char origin[SC_HOST_MAX];     /* what the user wrote */
} sc_target_host;

typedef struct sc_target_list {
    sc_target_range *ranges;
    size_t range_count, range_cap;
    sc_target_host *hosts;
    size_t host_count, host_cap;
    sc_buf notes; /* lines for the user: caps applied, interfaces skipped */
} sc_target_list;

#define SC_SCAN_DEFAULT_MAX_HOSTS 4096u     /* per interface subnet */
#define SC_SCAN_TARGET_LIMIT ((uint64_t)1 << 24)

void sc_targets_init(sc_target_list *t);
void sc_targets_free(sc_target_list *t);
/* "10.0.0.0/24", "10.0.0.5-10.0.0.20", "10.0.0.5-20", "10.0.0.7", "scope.lab", "::1",
 * "[fe80::1%eth0]". A /N of a subnet skips its network and broadcast addresses (N < 31). */
sc_status sc_targets_add_text(sc_target_list *t, const char *text, sc_error *err);
/* The subnet of each scannable interface with its real netmask; a subnet larger than
 * max_hosts is cut to the aligned block of at most max_hosts around the interface's own
 * address, with a note. Interfaces that are not scannable are skipped with a note. */
sc_status sc_targets_add_ifaces(sc_target_list *t, const sc_iface *ifs, size_t n, uint32_t max_hosts,
                                sc_error *err);
/* Sort and merge overlapping ranges, drop single hosts inside a range or repeated. */
void sc_targets_normalize(sc_target_list *t);
uint64_t sc_targets_count(const sc_target_list *t);
/* The list as --dry-run prints it: one line per range or host, then a total. */
void sc_targets_print(const sc_target_list *t, FILE *to);

/* ---- ports and probes ---- */

typedef enum sc_probe_kind {
    SC_PROBE_RAW = 0, /* "*IDN?\n" on a raw SCPI socket */
    SC_PROBE_VICP,
    SC_PROBE_VXI11,   /* port = portmapper */
    SC_PROBE_HISLIP,
    SC_PROBE_LXI,     /* HTTP GET /lxi/identification */
    SC_PROBE_KIND_COUNT
} sc_probe_kind;

typedef struct sc_scan_port {
    uint16_t port;
    sc_probe_kind kind;
} sc_scan_port;

#define SC_SCAN_MAX_PORTS 16
#define SC_SCAN_DEFAULT_PORTS "111,1861,4880,5025,5555,80"

const char *sc_probe_kind_name(sc_probe_kind k);
/* The probe a bare port number gets: 111 vxi11, 1861 vicp, 4880 hislip, 80 lxi, else raw. */
sc_probe_kind sc_probe_kind_for_port(uint16_t port);
/* Lower is better: which protocol's resource to paste first (SC_PROBE_KIND_COUNT = USB-TMC). */
int sc_scan_kind_rank(sc_probe_kind kind, uint16_t port);
/* "111,1861,5025" or with explicit kinds "raw:3000,vicp:1862,lxi:8080". */
sc_status sc_scan_parse_ports(const char *list, sc_scan_port *out, size_t cap, size_t *n, sc_error *err);

typedef enum sc_probe_outcome {
    SC_PROBE_IDENTIFIED = 0, /* a valid identification came back */
    SC_PROBE_REFUSED,        /* connection refused: host up, port closed */
    SC_PROBE_NO_ANSWER,      /* connect timed out: nothing there, or dropped by a firewall */
    SC_PROBE_UNREACHABLE,    /* no route, host unreachable (ICMP) */
    SC_PROBE_SILENT,         /* connected, but no reply before the deadline */
    SC_PROBE_CLOSED,         /* connected, the peer hung up without a usable reply */
    SC_PROBE_WRONG_PROTOCOL, /* a reply that is not this protocol / not an identification */
    SC_PROBE_REJECTED,       /* the protocol answered but refused (VXI-11 error, HTTP 404 ...) */
    SC_PROBE_LOCAL_ERROR,    /* socket(), out of descriptors ... */
} sc_probe_outcome;

const char *sc_probe_outcome_name(sc_probe_outcome o);

/* Where an address came from. */
#define SC_FOUND_BY_TCP 0x01
#define SC_FOUND_BY_BROADCAST 0x02
#define SC_FOUND_BY_MDNS 0x04
#define SC_FOUND_BY_USB 0x08

/* One finished probe, as reported to sc_scan_options.on_probe. */
typedef struct sc_probe_report {
    char host[SC_HOST_MAX];
    sc_scan_port port;
    sc_probe_outcome outcome;
    sc_idn idn;                /* valid when IDENTIFIED */
    char resource[256];        /* ready-to-paste resource when IDENTIFIED */
    char detail[256];          /* one line: what happened */
    uint16_t vxi11_core_port;  /* what the portmapper said (0 = nothing) */
    bool connected;            /* the TCP connection was accepted */
    bool sanitized;            /* IDENTIFIED, but the text carried control bytes (shown as '?') */
    double elapsed_ms;
    unsigned found_by;
} sc_probe_report;

typedef void (*sc_probe_fn)(void *ctx, const sc_probe_report *r);
typedef void (*sc_scan_progress_fn)(void *ctx, uint64_t hosts_done, uint64_t hosts_total);

/* ---- USB enumeration (behind a small vtable so tests can fake libusb) ---- */

typedef enum sc_usb_access {
    SC_USB_ACCESS_OK = 0,
    SC_USB_ACCESS_DENIED, /* EACCES: no udev rule for this user */
    SC_USB_ACCESS_BUSY,
    SC_USB_ACCESS_ERROR,
} sc_usb_access;

typedef struct sc_usb_seen {
    uint16_t vid, pid;
    uint8_t bus, address;
    bool tmc;                /* has an interface of class 0xFE subclass 0x03 */
    int interface_number;    /* of that interface, -1 none */
    sc_usb_access access;
    char manufacturer[128];  /* string descriptors, when the device could be opened */
    char product[128];
    char serial[128];
} sc_usb_seen;

typedef struct sc_usb_enum_ops {
    const char *name;
    /* Every device that has a USB-TMC interface or a known test-and-measurement vendor id. */
    sc_status (*list)(sc_usb_seen *out, size_t cap, size_t *n, sc_error *err);
} sc_usb_enum_ops;

extern const sc_usb_enum_ops sc_usb_enum_libusb;

/* "Rigol" for 0x1ab1 ...; NULL when the vendor id is not a known T&M vendor. */
const char *sc_usb_vendor_name(uint16_t vid);
/* The udev rule line that gives the logged-in user access to that device. */
void sc_usb_udev_rule(uint16_t vid, uint16_t pid, char *buf, size_t cap);

/* ---- the scan ---- */

typedef struct sc_scan_options {
    sc_scan_port ports[SC_SCAN_MAX_PORTS];
    size_t port_count;
    int connect_timeout_ms;  /* per TCP connect (default 500) */
    int reply_timeout_ms;    /* per exchange once connected (default 2000) */
    int concurrency;         /* hosts probed at once, all their ports in parallel (default 256) */
    bool broadcast;          /* VXI-11 GETPORT to each interface's broadcast address */
    bool mdns;               /* DNS-SD queries for _lxi/_vxi-11/_scpi-raw/_hislip */
    int listen_ms;           /* how long broadcast and mDNS wait for answers (default 1000) */
    bool usb;
    const sc_usb_enum_ops *usb_ops; /* NULL: libusb */
    int usb_timeout_ms;      /* *IDN? over USB-TMC (default 2000) */
    const sc_iface *ifaces;  /* for broadcast/mDNS; NULL: sc_ifaces_list() */
    size_t iface_count;
    sc_probe_fn on_probe;    /* every probe's end (doctor, -v); may be NULL */
    void *probe_ctx;
    sc_scan_progress_fn on_progress;
    void *progress_ctx;
} sc_scan_options;

void sc_scan_options_init(sc_scan_options *o);

typedef struct sc_found_service {
    sc_probe_kind kind;      /* SC_PROBE_KIND_COUNT for USB-TMC */
    uint16_t port;
    char name[16];           /* "hislip", "vxi11", "vicp", "raw", "lxi", "usbtmc" */
    char resource[256];
} sc_found_service;

#define SC_FOUND_MAX_SERVICES 16

typedef struct sc_found {
    char address[SC_HOST_MAX]; /* numeric address, or "usb 1ab1:04ce" */
    sc_idn idn;
    sc_vendor vendor;
    unsigned found_by;         /* SC_FOUND_BY_* */
    sc_found_service services[SC_FOUND_MAX_SERVICES];
    size_t service_count;
    char lxi_address[128];     /* InstrumentAddressString from /lxi/identification, if any */
} sc_found;

typedef struct sc_scan_result {
    sc_found *items;
    size_t count, cap;
    sc_buf notes;              /* lines: USB permission problems with their udev rule, ... */
    uint64_t hosts_total, hosts_done, probes;
    double elapsed_s;
} sc_scan_result;

void sc_scan_result_init(sc_scan_result *r);
void sc_scan_result_free(sc_scan_result *r);
/* Add one identified service (merging by address) and keep services best-first. */
sc_status sc_scan_result_add(sc_scan_result *r, const char *address, const sc_idn *idn, const sc_found_service *svc,
                             unsigned found_by, sc_error *err);
void sc_scan_result_note(sc_scan_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Instruments by address (IPv4 numerically, then the rest), services best first. */
void sc_scan_result_sort(sc_scan_result *r);

/* Run the scan over the targets. Returns SC_OK when it ran (found or not); errors are
 * local (epoll, memory). */
sc_status sc_scan_run(const sc_target_list *targets, const sc_scan_options *opts, sc_scan_result *out,
                      sc_error *err);

/* Enumerate USB with ops and identify what can be opened; appends to out (found
 * instruments and notes). Used by sc_scan_run on its own thread, and by doctor. */
sc_status sc_usb_discover(const sc_usb_enum_ops *ops, int timeout_ms, sc_scan_result *out, sc_error *err);

typedef enum sc_scan_format { SC_SCAN_TABLE, SC_SCAN_CSV, SC_SCAN_JSON } sc_scan_format;
sc_status sc_scan_format_parse(const char *name, sc_scan_format *out, sc_error *err);
/* Render the result into out (appended). */
sc_status sc_scan_render(const sc_scan_result *r, sc_scan_format fmt, sc_buf *out, sc_error *err);

/* ---- LXI identification (GET /lxi/identification) ---- */

typedef struct sc_lxi_ident {
    sc_idn idn;                /* Manufacturer, Model, SerialNumber, FirmwareRevision */
    char address[4][128];      /* InstrumentAddressString values */
    size_t address_count;
    bool sanitized;            /* an identification field carried control characters (now '?') */
} sc_lxi_ident;

/* Parse the XML document (bounded, no entities beyond the five predefined and &#N;). */
sc_status sc_lxi_parse_xml(const char *xml, size_t len, sc_lxi_ident *out, sc_error *err);

/* An HTTP/1.x response as far as it has arrived. */
typedef struct sc_http_response {
    int status;                /* 200, 401 ... */
    bool complete;             /* the whole body is there */
    size_t body_off, body_len; /* for a chunked body: into the decoded copy */
    bool chunked;
    bool has_basic_auth;       /* WWW-Authenticate: Basic */
    char realm[64];
} sc_http_response;

#define SC_HTTP_MAX_HEAD 8192
#define SC_HTTP_MAX_BODY (256 * 1024)

/* Parse buf[0..len); eof says the peer closed (a body without length ends there).
 * A chunked body is decoded into body (an sc_buf the caller owns), else body is left
 * empty and the body lies at buf + body_off. SC_OK with complete == false: need more. */
sc_status sc_http_parse_response(const uint8_t *buf, size_t len, bool eof, sc_http_response *out, sc_buf *body,
                                 sc_error *err);

/* Is this *IDN? text a real identification: four comma-separated fields, a manufacturer
 * and a model? An optional "*IDN " header (LeCroy CHDR SHORT) is accepted. Control bytes
 * (terminal escapes from a hostile or broken instrument) do not hide an instrument: its
 * fields come out sanitised (each such byte a '?'); binary (a NUL, or control bytes
 * making up more than a quarter of the text) is no identification. */
bool sc_idn_valid_reply(const char *text, size_t len, sc_idn *out);
/* Does the reply carry control bytes that sanitising replaced (CR/LF and blanks at the
 * ends do not count)? */
bool sc_idn_reply_has_control(const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
