/* scopecap core: error reporting, deadlines, growable buffers, logging and limits.
 *
 * Every fallible call in the library takes an sc_error * and returns an sc_status.
 * The status says what kind of failure it was (and maps to the command-line exit
 * code); the message says, in one line, which instrument, which protocol, what went
 * wrong and what to check. */
#ifndef SCOPECAP_CORE_H
#define SCOPECAP_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sc_status {
    SC_OK = 0,
    SC_ERR_USAGE,       /* bad argument or resource string (exit 2) */
    SC_ERR_UNREACHABLE, /* name lookup, connect refused, no route (exit 3) */
    SC_ERR_TIMEOUT,     /* a deadline passed (exit 1) */
    SC_ERR_PROTOCOL,    /* the peer broke the framing rules (exit 1) */
    SC_ERR_INSTRUMENT,  /* the instrument answered, but not what we need (exit 1) */
    SC_ERR_TOO_LARGE,   /* a declared or received size exceeds a limit (exit 1) */
    SC_ERR_FORMAT,      /* bytes that do not decode (image, block, text) (exit 1) */
    SC_ERR_CLOSED,      /* the peer closed the connection (exit 1) */
    SC_ERR_IO,          /* local I/O: files, sockets (exit 1) */
    SC_ERR_EXISTS,      /* output exists and --force was not given (exit 1) */
    SC_ERR_NOMEM,       /* out of memory (exit 1) */
    SC_ERR_UNSUPPORTED, /* not built in or not implemented for this target (exit 1) */
} sc_status;

#define SC_ERROR_MAX 512

typedef struct sc_error {
    sc_status code;
    char message[SC_ERROR_MAX];
} sc_error;

/* Set code and message; returns code so callers can `return sc_error_set(...)`. */
sc_status sc_error_set(sc_error *err, sc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Put context in front of an existing message: "PREFIX: old message". */
sc_status sc_error_prefix(sc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add detail at the end: "old message (detail)". */
sc_status sc_error_append(sc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sc_error_clear(sc_error *err);
const char *sc_status_name(sc_status code);
/* Exit code of the command line contract: 0 ok, 1 instrument/protocol, 2 usage, 3 unreachable. */
int sc_status_exit_code(sc_status code);

/* ---- deadlines: absolute points on CLOCK_MONOTONIC ---- */
typedef struct sc_deadline {
    int64_t at_ns; /* INT64_MAX means never */
} sc_deadline;

int64_t sc_now_ns(void);
sc_deadline sc_deadline_in_ms(int64_t ms);
sc_deadline sc_deadline_never(void);
bool sc_deadline_expired(sc_deadline d);
/* Milliseconds left, clamped to [0, INT32_MAX]; for poll(). -1 when never. */
int sc_deadline_poll_ms(sc_deadline d);
/* The earlier of two deadlines. */
sc_deadline sc_deadline_min(sc_deadline a, sc_deadline b);

/* ---- growable byte buffer with a hard ceiling ---- */
typedef struct sc_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t limit; /* growth beyond this fails with SC_ERR_TOO_LARGE; 0 = sc_max_response() */
} sc_buf;

void sc_buf_init(sc_buf *b, size_t limit);
void sc_buf_free(sc_buf *b);
void sc_buf_reset(sc_buf *b);
/* Make room for `extra` more bytes after len. */
sc_status sc_buf_reserve(sc_buf *b, size_t extra, sc_error *err);
sc_status sc_buf_append(sc_buf *b, const void *data, size_t n, sc_error *err);
/* Append printf output (whole, not cut to a fixed line length; no NUL is appended). */
sc_status sc_buf_appendf(sc_buf *b, sc_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
sc_status sc_buf_vappendf(sc_buf *b, sc_error *err, const char *fmt, va_list ap);
/* Drop the first n bytes, moving the rest to the front. */
void sc_buf_consume(sc_buf *b, size_t n);
/* Hand the storage to the caller (who frees it) and reset the buffer. */
uint8_t *sc_buf_steal(sc_buf *b, size_t *len);

/* ---- logging: -v raises the level; messages go to stderr ---- */
typedef enum sc_log_level { SC_LOG_QUIET = -1, SC_LOG_WARN = 0, SC_LOG_INFO = 1, SC_LOG_DEBUG = 2, SC_LOG_TRACE = 3 } sc_log_level;
void sc_log_set_level(int level);
int sc_log_get_level(void);
void sc_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define sc_warn(...) sc_log(SC_LOG_WARN, __VA_ARGS__)
#define sc_info(...) sc_log(SC_LOG_INFO, __VA_ARGS__)
#define sc_debug(...) sc_log(SC_LOG_DEBUG, __VA_ARGS__)
#define sc_trace(...) sc_log(SC_LOG_TRACE, __VA_ARGS__)

/* ---- limits ---- */
#define SC_DEFAULT_MAX_RESPONSE ((size_t)256 << 20) /* 256 MiB */
size_t sc_max_response(void);
void sc_set_max_response(size_t bytes);

/* ---- text safety: instrument text may contain anything ---- */
/* Copy printable ASCII, replacing control bytes and non-ASCII with '?'. Always terminates. */
void sc_sanitize_text(char *dst, size_t cap, const char *src, size_t n);
/* Make a string safe as one file-name component: [A-Za-z0-9._+-] kept, others '_',
 * no leading '.', no ".." anywhere, never empty ("unknown"). */
void sc_sanitize_filename(char *dst, size_t cap, const char *src);

/* Base64 of n bytes into out (NUL-terminated); false when it does not fit in cap. */
bool sc_base64_encode(const void *data, size_t n, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
