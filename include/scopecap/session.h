/* An SCPI session over one link: commands, text queries and binary replies (IEEE 488.2
 * blocks or raw image files), with progress reporting for long transfers. */
#ifndef SCOPECAP_SESSION_H
#define SCOPECAP_SESSION_H

#include "scopecap/link.h"
#include "scopecap/scpi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sc_session sc_session;

/* Called after every read of a reply: bytes so far, and the total when known (else 0). */
typedef void (*sc_progress_fn)(void *ctx, size_t received, size_t expected);

sc_status sc_session_open(const sc_resource *res, sc_deadline deadline, sc_session **out, sc_error *err);
void sc_session_close(sc_session *s);
sc_link *sc_session_link(sc_session *s);
void sc_session_set_progress(sc_session *s, sc_progress_fn fn, void *ctx);

/* Send one program message; the session appends the '\n' terminator. */
sc_status sc_session_write(sc_session *s, const char *command, sc_deadline deadline, sc_error *err);
/* Send a query and read one whole reply. `payload` receives the reply's data: the text
 * without its terminator, a block's payload, or a raw file. */
sc_status sc_session_query(sc_session *s, const char *command, sc_buf *payload, sc_reply_kind *kind,
                           sc_deadline deadline, sc_error *err);
/* Read one reply without sending anything first. */
sc_status sc_session_read_reply(sc_session *s, sc_buf *payload, sc_reply_kind *kind, sc_deadline deadline,
                                sc_error *err);
/* A query whose reply is a line of text; the result is NUL-terminated and sanitised. */
sc_status sc_session_query_text(sc_session *s, const char *command, char *out, size_t cap, sc_deadline deadline,
                                sc_error *err);
/* Device clear: the transport's own clear, and anything half-read is dropped. */
sc_status sc_session_clear(sc_session *s, sc_deadline deadline, sc_error *err);
sc_status sc_session_identify(sc_session *s, sc_idn *idn, sc_deadline deadline, sc_error *err);

#ifdef __cplusplus
}
#endif
#endif
