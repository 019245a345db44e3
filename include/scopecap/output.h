/* Output files: written whole or not at all, never over an existing file unless asked,
 * and never by replacing a device, FIFO or folder. */
#ifndef SCOPECAP_OUTPUT_H
#define SCOPECAP_OUTPUT_H

#include "scopecap/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write `data` to `path`; what `path` is decides how:
 *   - a regular file or a free name: temporary file beside it, fsync, then link() so an
 *     existing file is never touched (SC_ERR_EXISTS), or with `force` rename() over it;
 *     on any failure no file and no temporary is left behind;
 *   - a character device, FIFO or Unix socket: written straight into, no temporary and no
 *     rename (nothing is replaced, so `force` is not needed); a FIFO waits for a reader;
 *   - "-", "/dev/stdout", "/dev/stderr", "/dev/fd/N": the process's own descriptor;
 *   - a symlink: followed, and the rules apply to what it leads to (with `force` that
 *     file is replaced, the link stays);
 *   - a folder or a block device: SC_ERR_USAGE. */
sc_status sc_output_write_atomic(const char *path, const void *data, size_t len, bool force, sc_error *err);

/* Would sc_output_write_atomic(path, ..., force) be refused for what `path` is now?
 * SC_ERR_EXISTS for a file without `force`, SC_ERR_USAGE for a folder, SC_ERR_IO when
 * the folder of a new file is missing or not writable. Lets a caller refuse before it
 * spends time getting the data; the write itself checks again. */
sc_status sc_output_check(const char *path, bool force, sc_error *err);

#ifdef __cplusplus
}
#endif
#endif
