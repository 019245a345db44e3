/* A link is an open connection to one instrument over one transport (raw SCPI socket,
 * VICP, VXI-11, HiSLIP, USB-TMC). Every call takes an absolute deadline. */
#ifndef SCOPECAP_LINK_H
#define SCOPECAP_LINK_H

#include "scopecap/core.h"
#include "scopecap/resource.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sc_link sc_link;

/* Open the resource. The host name is looked up once; a name that does not resolve fails
 * with SC_ERR_UNREACHABLE "cannot resolve HOST: ...". SC_PROTO_AUTO tries each transport
 * in turn (see link.c) and keeps the first that answers *IDN?, or, when none does, the
 * first that accepted a connection; with -v every step and why it was left is logged. */
sc_status sc_link_open(const sc_resource *res, sc_deadline deadline, sc_link **out, sc_error *err);
/* Send n bytes; `end` marks the end of a program message on transports that carry it. */
sc_status sc_link_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline, sc_error *err);
/* Receive up to cap bytes (at least one unless an error). *end is set when the transport
 * marked the end of the message; raw sockets never set it. */
sc_status sc_link_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline, sc_error *err);
/* Device clear: drop whatever the instrument still has queued for us. */
sc_status sc_link_clear(sc_link *link, sc_deadline deadline, sc_error *err);
void sc_link_close(sc_link *link);

sc_protocol sc_link_protocol(const sc_link *link);
bool sc_link_has_end_marker(const sc_link *link);
/* "raw SCPI 127.0.0.1:5555": what error messages call this connection. */
const char *sc_link_label(const sc_link *link);
/* The resource actually connected (after the cascade chose a protocol and port). */
const sc_resource *sc_link_resource(const sc_link *link);

#ifdef __cplusplus
}
#endif
#endif
