/* USB-TMC bulk and class-request codec: placeholder. */
#include "wire/usbtmc_wire.h"

typedef int sc_usbtmc_wire_placeholder;
