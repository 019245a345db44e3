/* Each vendor file exports its table of rows; registry.c strings them together.
 * The macros keep the rows short: one recipe step per line. */
#ifndef SC_DRIVERS_H
#define SC_DRIVERS_H

#include "scopecap/driver.h"

#define SEND(t) { SC_STEP_SEND, (t) }
#define SAVE(t) { SC_STEP_SAVE, (t) }
#define OPC() { SC_STEP_OPC, "*OPC?" }
#define IMAGE(t) { SC_STEP_IMAGE, (t) }
#define CLEANUP(t) { SC_STEP_CLEANUP, (t) }

#define P_RAW SC_PROTO_BIT(SC_PROTO_RAW)
#define P_VICP SC_PROTO_BIT(SC_PROTO_VICP)
#define P_VXI11 SC_PROTO_BIT(SC_PROTO_VXI11)
#define P_HISLIP SC_PROTO_BIT(SC_PROTO_HISLIP)
#define P_USBTMC SC_PROTO_BIT(SC_PROTO_USBTMC)

#define DECLARE_VENDOR(v)                  \
    extern const sc_driver sc_##v##_drivers[]; \
    extern const size_t sc_##v##_driver_count

DECLARE_VENDOR(rigol);
DECLARE_VENDOR(siglent);
DECLARE_VENDOR(tektronix);
DECLARE_VENDOR(keysight);
DECLARE_VENDOR(lecroy);
DECLARE_VENDOR(rs);
DECLARE_VENDOR(gwinstek);
DECLARE_VENDOR(owon);
DECLARE_VENDOR(generic);

/* The generic driver's commands, in the order tried; NULL-terminated. */
extern const char *const sc_generic_candidates[];

#endif
