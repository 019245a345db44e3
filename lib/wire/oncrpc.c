/* ONC RPC: XDR primitives, call/reply, record marking: placeholder. */
#include "wire/oncrpc.h"

typedef int sc_oncrpc_placeholder;
