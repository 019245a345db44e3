/* ONC RPC: XDR primitives, call/reply, record marking (pure encode/decode, no I/O). Placeholder until the transport lands. */
#ifndef SC_WIRE_ONCRPC_H
#define SC_WIRE_ONCRPC_H

#include "scopecap/core.h"

#endif
