/* USB-TMC bulk and class-request codec (pure encode/decode, no I/O). Placeholder until the transport lands. */
#ifndef SC_WIRE_USBTMC_WIRE_H
#define SC_WIRE_USBTMC_WIRE_H

#include "scopecap/core.h"

#endif
