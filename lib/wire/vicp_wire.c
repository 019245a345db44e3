/* LeCroy VICP header codec: placeholder. */
#include "wire/vicp_wire.h"

typedef int sc_vicp_wire_placeholder;
