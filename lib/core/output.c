/* Output files: what the target is decides how it is written.
 *
 *   - a regular file (or a name not taken yet): temporary file in the same folder, fsync,
 *     then link() (never clobbers) or, with force, rename(). A reader never sees a
 *     half-written image, and a crash or a dead transfer never leaves a truncated file
 *     where a good one used to be;
 *   - a character device, FIFO or socket is a stream: the bytes are written straight into
 *     it. Nothing is replaced there, so no force is needed (and rename() would have put a
 *     regular file in place of /dev/null, which an audit once did);
 *   - "-", /dev/stdout, /dev/stderr and /dev/fd/N are the process's own descriptors;
 *   - a symlink is followed: the policy applies to what it leads to, and with force that
 *     file is replaced, not the link;
 *   - a folder or a block device is refused with a message that says so. */
#include "scopecap/output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Links followed before giving up, as the kernel's own limit (ELOOP) does. */
#define MAX_LINK_HOPS 40

typedef enum target_kind {
    TARGET_NEW,    /* nothing there yet: create a regular file */
    TARGET_FILE,   /* an existing regular file */
    TARGET_STREAM, /* character device or FIFO: open and write into it */
    TARGET_SOCKET, /* a Unix socket: connect and write into it */
    TARGET_FD,     /* one of our own descriptors ("-", /dev/stdout, /dev/fd/N) */
} target_kind;

typedef struct target {
    target_kind kind;
    int fd;              /* TARGET_FD */
    const char *what;    /* for messages: "FIFO", "character device", ... */
    char path[PATH_MAX]; /* the name the bytes go to, after following symlinks */
} target;

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

/* "-", /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N name a descriptor this
 * process already holds. They must not be opened or replaced by name: /dev/stdout is a
 * symlink into /proc whose target may be a pipe or the file the shell redirected to,
 * and a rename() over it would swap that file behind the shell's back. Returns -1 for
 * any other name. */
static int own_descriptor(const char *path)
{
    if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    const char *num = NULL;
    if (strncmp(path, "/dev/fd/", 8) == 0)
        num = path + 8;
    else if (strncmp(path, "/proc/self/fd/", 14) == 0)
        num = path + 14;
    if (!num || *num < '0' || *num > '9')
        return -1;
    char *end;
    long fd = strtol(num, &end, 10);
    if (*end || fd > INT_MAX)
        return -1;
    return (int)fd;
}

/* The next name along a symlink: absolute as it is, relative against the link's folder. */
static sc_status follow_link(char *cur, size_t cap, sc_error *err)
{
    char dest[PATH_MAX];
    ssize_t n = readlink(cur, dest, sizeof dest - 1);
    if (n < 0)
        return sc_error_set(err, SC_ERR_IO, "cannot read the symlink %s: %s", cur, strerror(errno));
    dest[n] = '\0';
    if (dest[0] == '/') {
        snprintf(cur, cap, "%s", dest);
        return SC_OK;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cur);
    char *slash = strrchr(dir, '/');
    if (!slash) {
        snprintf(cur, cap, "%s", dest);
        return SC_OK;
    }
    slash[1] = '\0';
    if ((size_t)snprintf(cur, cap, "%s%s", dir, dest) >= cap)
        return sc_error_set(err, SC_ERR_USAGE, "the symlink %s leads to a name too long to use", dir);
    return SC_OK;
}

/* Decide what `path` is, following symlinks. */
static sc_status resolve_target(const char *path, target *t, sc_error *err)
{
    memset(t, 0, sizeof *t);
    if (strlen(path) >= sizeof t->path)
        return sc_error_set(err, SC_ERR_USAGE, "output name is longer than %zu bytes", sizeof t->path - 1);
    snprintf(t->path, sizeof t->path, "%s", path);
    for (int hops = 0;; hops++) {
        t->fd = own_descriptor(t->path);
        if (t->fd >= 0) {
            int flags = fcntl(t->fd, F_GETFL);
            if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
                return sc_error_set(err, SC_ERR_USAGE, "%s: descriptor %d is not open for writing", path, t->fd);
            t->kind = TARGET_FD;
            t->what = t->fd == STDOUT_FILENO ? "standard output" : t->fd == STDERR_FILENO ? "standard error" : "descriptor";
            return SC_OK;
        }
        struct stat st;
        if (lstat(t->path, &st) != 0) {
            if (errno != ENOENT)
                return sc_error_set(err, SC_ERR_IO, "cannot look at %s: %s", t->path, strerror(errno));
            t->kind = TARGET_NEW;
            return SC_OK;
        }
        if (S_ISLNK(st.st_mode)) {
            if (hops == MAX_LINK_HOPS)
                return sc_error_set(err, SC_ERR_USAGE, "%s: more than %d symlinks in a row (a loop?)", path,
                                    MAX_LINK_HOPS);
            sc_status s = follow_link(t->path, sizeof t->path, err);
            if (s != SC_OK)
                return s;
            continue;
        }
        if (S_ISREG(st.st_mode)) {
            t->kind = TARGET_FILE;
            return SC_OK;
        }
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            t->kind = TARGET_STREAM;
            t->what = S_ISCHR(st.st_mode) ? "character device" : "FIFO";
            return SC_OK;
        }
        if (S_ISSOCK(st.st_mode)) {
            t->kind = TARGET_SOCKET;
            t->what = "socket";
            return SC_OK;
        }
        if (S_ISDIR(st.st_mode))
            return sc_error_set(err, SC_ERR_USAGE, "%s is a folder; name a file in it (e.g. %s/screen.png)", path,
                                path);
        return sc_error_set(err, SC_ERR_USAGE, "%s is a block device; refusing to write an image onto it", path);
    }
}

/* The no-clobber refusal. The hint is generic: scan and wave write CSV and JSON, and
 * only a caller knows which naming advice fits (shot adds its templates). */
static sc_status refuse_existing(const char *path, const target *t, sc_error *err)
{
    if (strcmp(path, t->path) == 0)
        return sc_error_set(err, SC_ERR_EXISTS,
                            "%s already exists; not overwritten (use --force to replace it, or another name)", path);
    return sc_error_set(err, SC_ERR_EXISTS,
                        "%s already exists (a symlink to %s); not overwritten (use --force to replace that file, "
                        "or another name)",
                        path, t->path);
}

sc_status sc_output_check(const char *path, bool force, sc_error *err)
{
    target t;
    sc_status st = resolve_target(path, &t, err);
    if (st != SC_OK)
        return st;
    if (t.kind == TARGET_FILE && !force)
        return refuse_existing(path, &t, err);
    if (t.kind == TARGET_NEW) {
        char dir_copy[PATH_MAX];
        snprintf(dir_copy, sizeof dir_copy, "%s", t.path);
        const char *dir = dirname(dir_copy);
        if (access(dir, W_OK | X_OK) != 0)
            return sc_error_set(err, SC_ERR_IO, "cannot create %s: folder %s: %s", path, dir, strerror(errno));
    }
    return SC_OK;
}

/* A Unix socket cannot be open()ed: connect to it (stream first, then datagram). */
static int connect_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        int e = errno;
        close(fd);
        errno = e;
        if (e != EPROTOTYPE)
            return -1;
    }
    return -1;
}

/* Write into a device, FIFO or socket as it is: no temporary, no rename. Opening a FIFO
 * waits for a reader, as the shell's '>' does. */
static sc_status write_stream(const char *path, const target *t, const void *data, size_t len, sc_error *err)
{
    int fd;
    if (t->kind == TARGET_SOCKET) {
        fd = connect_unix(t->path);
    } else {
        do
            fd = open(t->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
    }
    if (fd < 0)
        return sc_error_set(err, SC_ERR_IO, "cannot open %s (a %s) for writing: %s", path, t->what, strerror(errno));
    sc_status st = write_fd_all(fd, data, len, path, err);
    if (close(fd) != 0 && st == SC_OK && errno != EINTR)
        st = sc_error_set(err, SC_ERR_IO, "closing %s failed: %s", path, strerror(errno));
    return st;
}

static void fsync_parent_dir(const char *path)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* make the new directory entry itself durable */
        close(dfd);
    }
}

/* Move the finished temporary into place at t->path. */
static sc_status publish(const char *tmp, const char *path, const target *t, bool force, sc_error *err)
{
    if (force) {
        /* The name was checked before the data was written; look again right before
         * replacing it, so a device or folder that appeared meanwhile is not swapped out. */
        struct stat st;
        if (lstat(t->path, &st) == 0 && !S_ISREG(st.st_mode))
            return sc_error_set(err, SC_ERR_IO, "%s changed into something other than a file while writing; not replaced",
                                path);
        if (rename(tmp, t->path) != 0)
            return sc_error_set(err, SC_ERR_IO, "cannot move the finished file to %s: %s", t->path, strerror(errno));
        return SC_OK;
    }
    /* link() fails with EEXIST instead of replacing: the no-clobber check and the
     * publication are one atomic step, so two captures racing for a name cannot both win */
    if (link(tmp, t->path) != 0) {
        int e = errno;
        if (e == EEXIST)
            return refuse_existing(path, t, err);
        return sc_error_set(err, SC_ERR_IO, "cannot create %s: %s", t->path, strerror(e));
    }
    unlink(tmp);
    return SC_OK;
}

static sc_status write_file(const char *path, const target *t, const void *data, size_t len, bool force,
                            sc_error *err)
{
    char dir_copy[PATH_MAX], base_copy[PATH_MAX], tmp[2 * PATH_MAX + 32];
    snprintf(dir_copy, sizeof dir_copy, "%s", t->path);
    snprintf(base_copy, sizeof base_copy, "%s", t->path);
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
        st = publish(tmp, path, t, force, err);
    if (st != SC_OK) {
        unlink(tmp);
        return st;
    }
    fsync_parent_dir(t->path);
    return SC_OK;
}

sc_status sc_output_write_atomic(const char *path, const void *data, size_t len, bool force, sc_error *err)
{
    target t;
    sc_status st = resolve_target(path, &t, err);
    if (st != SC_OK)
        return st;
    switch (t.kind) {
    case TARGET_FD:
        return write_fd_all(t.fd, data, len, t.what, err);
    case TARGET_STREAM:
    case TARGET_SOCKET:
        return write_stream(path, &t, data, len, err);
    case TARGET_FILE:
        if (!force)
            return refuse_existing(path, &t, err);
        return write_file(path, &t, data, len, force, err);
    case TARGET_NEW:
        return write_file(path, &t, data, len, force, err);
    }
    return SC_OK;
}
