/* HiSLIP message codec: placeholder. */
#include "wire/hislip_wire.h"

typedef int sc_hislip_wire_placeholder;
