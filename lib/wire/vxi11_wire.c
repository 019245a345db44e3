/* VXI-11 core/abort and portmapper messages: placeholder. */
#include "wire/vxi11_wire.h"

typedef int sc_vxi11_wire_placeholder;
