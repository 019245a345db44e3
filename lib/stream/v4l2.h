/* The v4l2 sink's system calls behind a table, so tests drive it against a fake device
 * (this machine, like most CI, cannot load v4l2loopback). */
#ifndef SC_STREAM_V4L2_H
#define SC_STREAM_V4L2_H

#include "stream/stream_internal.h"

#include <sys/types.h>

typedef struct sc_v4l2_io {
    int (*open)(void *ctx, const char *path, int flags);
    int (*ioctl)(void *ctx, int fd, unsigned long request, void *arg);
    ssize_t (*write)(void *ctx, int fd, const void *data, size_t n);
    int (*close)(void *ctx, int fd);
    void *ctx;
} sc_v4l2_io;

/* The real open/ioctl/write/close. */
extern const sc_v4l2_io sc_v4l2_system_io;

/* sc_sink_v4l2_open with another system-call table. */
sc_status sc_sink_v4l2_open_io(sc_stream *s, const char *device, const sc_sink_options *o, const sc_v4l2_io *io,
                               sc_sink **out, sc_error *err);

#endif
