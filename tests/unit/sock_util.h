/* Blocking socket helpers for the unit tests' hand-written instrument peers. */
#ifndef TEST_SOCK_UTIL_H
#define TEST_SOCK_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Receive exactly n bytes; false on EOF or error. */
static inline bool test_recv_all(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

#endif
