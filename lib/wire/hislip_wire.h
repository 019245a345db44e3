/* HiSLIP message codec (pure encode/decode, no I/O). Placeholder until the transport lands. */
#ifndef SC_WIRE_HISLIP_WIRE_H
#define SC_WIRE_HISLIP_WIRE_H

#include "scopecap/core.h"

#endif
