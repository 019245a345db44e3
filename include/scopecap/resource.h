/* Resource strings: every way a user names an instrument, parsed into one struct.
 *
 *   192.168.0.10, scope.lab, ::1          bare host: protocol cascade (AUTO)
 *   192.168.0.10:5555, [::1]:5025         raw SCPI socket
 *   TCPIP[n]::host[::inst0|::hislip0|::gpib0,5][::INSTR]     VXI-11 / HiSLIP
 *   TCPIP[n]::host::port::SOCKET          raw SCPI socket
 *   VICP[n]::host[::INSTR]                LeCroy VICP
 *   USB[n]::vid::pid::serial[::intf][::INSTR|::INST]         USB-TMC
 *   USB[n]::INSTR, usbtmc://              the first USB-TMC instrument found
 *   raw://host:port  vicp://host[:port]  vxi11://host[/inst0]
 *   hislip://host[:port][/hislip0]  usbtmc:///dev/usbtmc0  usbtmc://vid:pid[/serial]
 *   efirmata://host[:port]
 */
#ifndef SCOPECAP_RESOURCE_H
#define SCOPECAP_RESOURCE_H

#include "scopecap/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sc_protocol {
    SC_PROTO_AUTO = 0,
    SC_PROTO_RAW,
    SC_PROTO_VICP,
    SC_PROTO_VXI11,
    SC_PROTO_HISLIP,
    SC_PROTO_USBTMC,
    SC_PROTO_EFIRMATA,
} sc_protocol;

#define SC_HOST_MAX 256

typedef struct sc_resource {
    sc_protocol protocol;
    char host[SC_HOST_MAX]; /* IPv6 literals without brackets */
    uint16_t port;          /* 0: the protocol's default */
    char device[64];        /* VXI-11 "inst0", "gpib0,5"; HiSLIP "hislip0" */
    int board;              /* the n in TCPIP[n]/USB[n]/VICP[n] */
    uint16_t usb_vid;       /* USB only; vid and pid 0 (never assigned): any instrument */
    uint16_t usb_pid;
    char usb_serial[128];
    int usb_interface;      /* -1 when not given */
    char path[256];         /* usbtmc:///dev/usbtmcN */
    char text[512];         /* the string as the user gave it (for messages) */
} sc_resource;

/* Parse; on failure the message names the part that is wrong. */
sc_status sc_resource_parse(const char *text, sc_resource *out, sc_error *err);
/* Parse a protocol name as given to -p (auto, raw, vicp, vxi11, hislip, usbtmc). */
sc_status sc_protocol_parse(const char *name, sc_protocol *out, sc_error *err);
const char *sc_protocol_name(sc_protocol p);
/* Well-known port of a protocol (raw: 5025, vicp: 1861, vxi11: 111, hislip: 4880, efirmata: 2117). */
uint16_t sc_protocol_default_port(sc_protocol p);
/* The effective port: res->port or the protocol default. */
uint16_t sc_resource_port(const sc_resource *res);
/* A short human name for messages: "host:port" or the USB ids. */
void sc_resource_describe(const sc_resource *res, char *buf, size_t cap);
/* The canonical VISA-style string that pastes back into scopecap and into pyvisa. */
void sc_resource_to_visa(const sc_resource *res, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
