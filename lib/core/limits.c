/* Limits that bound what an instrument can make us allocate. */
#include "scopecap/core.h"

static size_t max_response = SC_DEFAULT_MAX_RESPONSE;

size_t sc_max_response(void) { return max_response; }

void sc_set_max_response(size_t bytes)
{
    max_response = bytes ? bytes : SC_DEFAULT_MAX_RESPONSE;
}
