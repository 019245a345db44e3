/* HiSLIP extras beyond the link vtable. */
#ifndef SC_TRANSPORT_HISLIP_H
#define SC_TRANSPORT_HISLIP_H

#include "transport/transport.h"

/* Status query on the asynchronous channel (viReadSTB): the status byte, MAV = bit 4.
 * The link must be a HiSLIP link. */
sc_status sc_hislip_read_stb(sc_link *link, uint8_t *stb, sc_deadline deadline, sc_error *err);
/* true when the server chose overlapped mode (at open, or at the last device clear). */
bool sc_hislip_overlapped(const sc_link *link);

#endif
