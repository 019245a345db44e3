/* Output files: written whole or not at all, and never over an existing file unless asked. */
#ifndef SCOPECAP_OUTPUT_H
#define SCOPECAP_OUTPUT_H

#include "scopecap/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write to a temporary file beside `path`, fsync, then move it into place: with `force`
 * by rename() (replacing), otherwise by link() so an existing file is never touched
 * (SC_ERR_EXISTS). On any failure no file and no temporary is left behind.
 * path "-" writes to standard output. */
sc_status sc_output_write_atomic(const char *path, const void *data, size_t len, bool force, sc_error *err);

#ifdef __cplusplus
}
#endif
#endif
