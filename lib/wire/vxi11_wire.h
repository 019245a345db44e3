/* VXI-11 core/abort and portmapper messages (pure encode/decode, no I/O). Placeholder until the transport lands. */
#ifndef SC_WIRE_VXI11_WIRE_H
#define SC_WIRE_VXI11_WIRE_H

#include "scopecap/core.h"

#endif
