/* LeCroy VICP header codec (pure encode/decode, no I/O). Placeholder until the transport lands. */
#ifndef SC_WIRE_VICP_WIRE_H
#define SC_WIRE_VICP_WIRE_H

#include "scopecap/core.h"

#endif
