/* libFuzzer target for the reply parser and image length sniffing.
 *
 * Each input is fed to sc_reply_feed() as one piece and again as two reads split at a
 * point taken from the data, with and without END, under a 1 MiB limit. A parser that
 * completes must report offsets inside the buffer, and the same bytes must give the same
 * answer however they were split (as long as the first piece did not already complete it).
 * sc_image_file_length() is run on the whole input too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scopecap/image.h"
#include "scopecap/scpi.h"

#define LIMIT ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(const sc_reply_parser *p, size_t len)
{
    if (!p->complete)
        return;
    if (p->total_len > len || p->payload_off > p->total_len || p->payload_len > p->total_len - p->payload_off ||
        p->payload_len > LIMIT || p->kind == SC_REPLY_UNDECIDED)
        abort();
}

static sc_status feed_whole(const uint8_t *d, size_t n, bool end, sc_reply_parser *p)
{
    sc_error err;
    sc_reply_init(p, LIMIT);
    sc_status st = sc_reply_feed(p, d, n, end, &err);
    if (st == SC_OK)
        check_result(p, n);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy, so that reads past the end are caught by ASan even for size 0. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);

    for (int end = 0; end <= 1; end++) {
        sc_reply_parser whole;
        sc_status st_whole = feed_whole(buf, size, end, &whole);

        /* Two reads: the split point comes from the last byte. */
        size_t cut = size ? (size_t)buf[size - 1] * size / 256 : 0;
        sc_reply_parser p;
        sc_error err;
        sc_reply_init(&p, LIMIT);
        sc_status st = sc_reply_feed(&p, buf, cut, false, &err);
        bool early = st != SC_OK || p.complete;
        if (st == SC_OK) {
            check_result(&p, cut);
            st = sc_reply_feed(&p, buf, size, end, &err);
            if (st == SC_OK)
                check_result(&p, size);
        }
        /* Splitting must not change the outcome unless the first read already decided it.
         * One documented exception: for a PNG/JPEG without END the parser re-walks only
         * when an end marker arrives, so a broken chunk chain found by walking the whole
         * input at once may still be "incomplete" when the same bytes came in two reads. */
        bool late_image_error = (st_whole == SC_ERR_FORMAT || st_whole == SC_ERR_TOO_LARGE) && st == SC_OK &&
                                !p.complete && (p.kind == SC_REPLY_RAW_IMAGE || p.kind == SC_REPLY_INDEFINITE);
        if (late_image_error)
            early = true;
        if (!early && st != st_whole)
            abort();
        if (!early && st == SC_OK &&
            (p.complete != whole.complete ||
             (p.complete && (p.total_len != whole.total_len || p.payload_len != whole.payload_len ||
                             p.payload_off != whole.payload_off || p.kind != whole.kind))))
            abort();
    }

    size_t total = 0;
    sc_error err;
    sc_status st = sc_image_file_length(buf, size, LIMIT, &total, &err);
    if (st == SC_OK && total > LIMIT)
        abort();
    (void)sc_image_sniff(buf, size);
    free(buf);
    return 0;
}
