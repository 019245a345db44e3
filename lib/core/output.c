/* Atomic output files: temporary file in the same folder, fsync, then link() or rename().
 * A reader never sees a half-written image, and a crash or a dead transfer never leaves a
 * truncated file where a good one used to be. */
#include "scopecap/output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static sc_status write_fd_all(int fd, const void *data, size_t len, const char *name, sc_error *err)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return sc_error_set(err, SC_ERR_IO, "writing %s failed: %s", name, strerror(errno));
        p += w;
        len -= (size_t)w;
    }
    return SC_OK;
}

static void fsync_parent_dir(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* make the new directory entry itself durable */
        close(dfd);
    }
}

/* Move the finished temporary into place. */
static sc_status publish(const char *tmp, const char *path, bool force, sc_error *err)
{
    if (force) {
        if (rename(tmp, path) != 0)
            return sc_error_set(err, SC_ERR_IO, "cannot move the finished file to %s: %s", path, strerror(errno));
        return SC_OK;
    }
    /* link() fails with EEXIST instead of replacing: the no-clobber check and the
     * publication are one atomic step, so two captures racing for a name cannot both win */
    if (link(tmp, path) != 0) {
        int e = errno;
        if (e == EEXIST)
            return sc_error_set(err, SC_ERR_EXISTS, "%s already exists; not overwritten (use --force, or a template such as -o '{model}_{date}_{time}_{n}.png')",
                                path);
        return sc_error_set(err, SC_ERR_IO, "cannot create %s: %s", path, strerror(e));
    }
    unlink(tmp);
    return SC_OK;
}

sc_status sc_output_write_atomic(const char *path, const void *data, size_t len, bool force, sc_error *err)
{
    if (strcmp(path, "-") == 0)
        return write_fd_all(STDOUT_FILENO, data, len, "standard output", err);
    if (!force && access(path, F_OK) == 0)
        return sc_error_set(err, SC_ERR_EXISTS, "%s already exists; not overwritten (use --force, or a template such as -o '{model}_{date}_{time}_{n}.png')",
                            path);
    char dir_copy[4096], base_copy[4096], tmp[8300];
    snprintf(dir_copy, sizeof dir_copy, "%s", path);
    snprintf(base_copy, sizeof base_copy, "%s", path);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dirname(dir_copy), basename(base_copy));
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return sc_error_set(err, SC_ERR_IO, "cannot create a file beside %s: %s (does the folder exist and is it writable?)",
                            path, strerror(errno));
    sc_status st = write_fd_all(fd, data, len, path, err);
    if (st == SC_OK && fsync(fd) != 0)
        st = sc_error_set(err, SC_ERR_IO, "flushing %s to disk failed: %s", path, strerror(errno));
    /* mkostemp makes 0600; an image is an ordinary file, so honour the umask instead */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    if (close(fd) != 0 && st == SC_OK)
        st = sc_error_set(err, SC_ERR_IO, "closing %s failed: %s", path, strerror(errno));
    if (st == SC_OK)
        st = publish(tmp, path, force, err);
    if (st != SC_OK) {
        unlink(tmp);
        return st;
    }
    fsync_parent_dir(path);
    return SC_OK;
}
