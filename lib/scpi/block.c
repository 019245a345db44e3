/* The SCPI reply parser: what kind of reply is arriving, and when is it complete?
 *
 * The caller reads into one growing buffer and calls sc_reply_feed() after every read with
 * the whole buffer. The parser remembers how far it has looked (p->scanned) so that over
 * the life of a reply each byte is examined a bounded number of times, however the bytes
 * are split into reads (one byte per read included).
 *
 * Deciding the kind looks only at the first SC_BLOCK_PREFIX_WINDOW + 1 bytes:
 *   1. an image signature at offset 0 (BMP/PNG/JPEG, also GIF/TIFF) -> raw image;
 *      bytes that could still become one (e.g. "\x89PNG\r\n", whose '\n' is not a line end)
 *      keep the reply undecided until there are enough to tell;
 *   2. '#' + digit before any '\n', at the start or after a space, ',' or ';' within the
 *      window -> definite block (digit 1..9) or indefinite block (digit 0); the textual
 *      prefix before it ("TRFL ", "C1:WF ALL,", ":CURVE ") is not part of the payload;
 *   3. anything else -> a text line.
 * Leading "\r" or "\n" are data like any other byte: "\n" alone is an empty text reply.
 * Dropping a stale terminator left over from an earlier reply is the session's business.
 *
 * What total_len counts: the bytes that belong to this reply. For text and for "#0" with
 * END, that includes the terminating "\n" (and the "\r" before it for text). For a definite
 * block or an image, it ends with the last payload byte: the "\n" most instruments append
 * after a block (Rigol documents it) is not part of the reply, and the caller discards
 * a trailing "\n" or "\r\n" after total_len itself.
 *
 * After an error the parser must be initialised again before reuse. */
#include "scopecap/image.h"
#include "scopecap/scpi.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Enough bytes to tell every image signature apart from text (BMP needs its header). */
#define SNIFF_BYTES 18

void sc_reply_init(sc_reply_parser *p, size_t limit)
{
    memset(p, 0, sizeof *p);
    p->limit = limit ? limit : sc_max_response();
}

static void finish(sc_reply_parser *p, size_t payload_len, size_t total_len)
{
    p->payload_len = payload_len;
    p->total_len = total_len;
    p->complete = true;
}

/* A printable rendering of one byte for error messages. */
static const char *byte_repr(uint8_t c, char out[8])
{
    if (c >= 0x20 && c < 0x7f && c != '\'')
        out[0] = '\'', out[1] = (char)c, out[2] = '\'', out[3] = '\0';
    else
        snprintf(out, 8, "0x%02x", c);
    return out;
}

/* ---- text lines ---- */

/* Text: complete at the first '\n' (payload without "\n" or "\r\n"), or at END with the
 * whole buffer. Each byte is searched once: p->scanned is where the search resumes. */
static sc_status feed_text(sc_reply_parser *p, const uint8_t *buf, size_t len, bool end, sc_error *err)
{
    size_t from = p->scanned > p->payload_off ? p->scanned : p->payload_off;
    const uint8_t *nl = from < len ? memchr(buf + from, '\n', len - from) : NULL;
    size_t stop = nl ? (size_t)(nl - buf) : len;
    p->scanned = stop;
    if (stop - p->payload_off > p->limit)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "text reply is longer than the %zu-byte limit without a line end "
                            "(binary data read as text? check the query)",
                            p->limit);
    if (!nl && !end)
        return SC_OK;
    size_t body = stop - p->payload_off;
    if (body > 0 && buf[stop - 1] == '\r')
        body--;
    finish(p, body, nl ? stop + 1 : len);
    return SC_OK;
}

/* ---- images (raw, or the payload of "#0") ---- */

/* An image can only become complete at a read that brings in its last bytes, and those
 * hold the end marker: "IEND" + CRC for PNG, FF D9 for JPEG. Re-walking only when the new
 * bytes (plus the few before them that a marker could straddle) contain that marker keeps
 * a read's cost at its own size instead of the whole image. A BMP's size is in its header,
 * so asking again is O(1). The first call always walks, to report a bad header early, and
 * so does the call with END (it is the last one). The price: without END, a chunk chain
 * that breaks after the first read is reported when an end marker or the limit arrives,
 * not at once. */
static bool image_may_have_ended(const uint8_t *img, size_t avail, size_t seen, sc_image_format f)
{
    const char *marker;
    size_t mlen, back;
    switch (f) {
    case SC_IMAGE_PNG:
        marker = "IEND", mlen = 4, back = 7; /* "IEND" sits 8..5 bytes before the end */
        break;
    case SC_IMAGE_JPEG:
        marker = "\xff\xd9", mlen = 2, back = 1;
        break;
    default:
        return true;
    }
    size_t from = seen > back ? seen - back : 0;
    if (from >= avail || avail - from < mlen)
        return false;
    return memmem(img + from, avail - from, marker, mlen) != NULL;
}

/* The image starts at buf[off]. Without END it is complete when its own header or chunk
 * chain says so; with END whatever arrived is the reply. A GIF or TIFF cannot be measured,
 * so without END it stays incomplete (on a raw socket the read times out; the session can
 * call sc_image_file_length() to explain why). */
static sc_status feed_image(sc_reply_parser *p, const uint8_t *buf, size_t len, bool end, sc_error *err)
{
    size_t off = p->payload_off;
    const uint8_t *img = buf + off;
    size_t avail = len - off;
    size_t seen = p->scanned > off ? p->scanned - off : 0;
    bool first = p->scanned == 0;
    p->scanned = len;

    sc_image_format f = sc_image_sniff(img, avail);
    size_t total = 0;
    if (first || end || image_may_have_ended(img, avail, seen, f)) {
        sc_error walk_err;
        sc_error_clear(&walk_err);
        sc_status st = sc_image_file_length(img, avail, p->limit, &total, &walk_err);
        if (st == SC_ERR_TOO_LARGE || (st != SC_OK && st != SC_ERR_UNSUPPORTED && !end)) {
            /* Without END a broken header leaves no way to find the end of the reply. */
            if (err) {
                *err = walk_err;
                sc_error_prefix(err, "image reply");
            }
            return st;
        }
        if (st != SC_OK)
            total = 0; /* with END the decoder will say what is wrong with it */
    }
    if (total > 0 && total <= avail) {
        finish(p, total, off + total);
        return SC_OK;
    }
    if (end) {
        /* "#0" ends with NL^END: the NL is the terminator, not image data. */
        size_t body = avail;
        if (p->kind == SC_REPLY_INDEFINITE && body > 0 && img[body - 1] == '\n')
            body--;
        finish(p, body, len);
        return SC_OK;
    }
    if (avail > p->limit)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "image reply is longer than the %zu-byte limit and has not ended "
                            "(raise the limit with --max-size if the instrument really sends that much)",
                            p->limit);
    return SC_OK;
}

/* ---- blocks ---- */

/* The byte before '#' must end a header word ("TRFL #9", "ALL,#9", ";#5"), so that text
 * such as "ERR#3" or "file#1.png" is not taken for a block. */
static bool block_may_start_at(const uint8_t *buf, size_t i)
{
    if (i == 0)
        return true;
    uint8_t c = buf[i - 1];
    return c == ' ' || c == ',' || c == ';' || c == '\t';
}

/* Definite block "#<n><n digits><L bytes>". Until its digits have all arrived,
 * p->payload_off is where '#' is and p->scanned is 0; the header is re-checked on each
 * call then, which costs at most 11 bytes. Afterwards payload_off/payload_len are final
 * and each call is O(1). */
static sc_status parse_definite_header(sc_reply_parser *p, const uint8_t *buf, size_t len, bool end,
                                       sc_error *err)
{
    size_t hash = p->payload_off;
    size_t ndigits = (size_t)(buf[hash + 1] - '0'); /* 1..9 */
    size_t digits = hash + 2;
    size_t have = len - digits < ndigits ? len - digits : ndigits;
    size_t declared = 0;
    for (size_t i = 0; i < have; i++) {
        uint8_t c = buf[digits + i];
        if (c < '0' || c > '9') {
            char r[8];
            return sc_error_set(err, SC_ERR_PROTOCOL,
                                "block header: byte %s at offset %zu is not a digit of the %zu-digit "
                                "length field (not an IEEE 488.2 block? check the query)",
                                byte_repr(c, r), digits + i, ndigits);
        }
        declared = declared * 10 + (size_t)(c - '0'); /* at most 999999999: no overflow */
    }
    if (have < ndigits) {
        if (end)
            return sc_error_set(err, SC_ERR_PROTOCOL,
                                "END arrived inside a block header, after %zu of its %zu length digits",
                                have, ndigits);
        return SC_OK;
    }
    if (declared > p->limit)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "block header declares %zu bytes, above the %zu-byte limit "
                            "(raise the limit with --max-size, or the header is corrupt)",
                            declared, p->limit);
    p->payload_off = digits + ndigits;
    p->payload_len = declared;
    p->scanned = p->payload_off;
    return SC_OK;
}

static sc_status feed_definite(sc_reply_parser *p, const uint8_t *buf, size_t len, bool end, sc_error *err)
{
    if (p->scanned == 0) {
        sc_status st = parse_definite_header(p, buf, len, end, err);
        if (st != SC_OK || p->scanned == 0)
            return st;
    }
    size_t have = len - p->payload_off;
    p->scanned = len;
    if (have >= p->payload_len) {
        /* Embedded '\n' and '#' are payload; what follows (a trailing "\n") is not ours. */
        finish(p, p->payload_len, p->payload_off + p->payload_len);
        return SC_OK;
    }
    if (end)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "END arrived after %zu of %zu block bytes (transfer cut short?)", have,
                            p->payload_len);
    return SC_OK;
}

typedef enum image_start { IMAGE_NO, IMAGE_MAYBE, IMAGE_YES } image_start;

/* Does data start with an image file? MAYBE while it is too short to tell. The answer
 * depends only on the first SNIFF_BYTES bytes, so once it is YES or NO it stays so. */
static image_start image_at_start(const uint8_t *data, size_t len, size_t limit)
{
    sc_image_format f = sc_image_sniff(data, len);
    if (f != SC_IMAGE_UNKNOWN && (f != SC_IMAGE_BMP || len >= SNIFF_BYTES))
        return IMAGE_YES;
    if (len >= SNIFF_BYTES)
        return IMAGE_NO;
    if (f == SC_IMAGE_BMP)
        return IMAGE_MAYBE; /* its DIB header size, at offset 14, is not here yet */
    size_t total;
    /* SC_OK from a short buffer means "the start of a known signature, more bytes needed". */
    return sc_image_file_length(data, len, limit, &total, NULL) == SC_OK ? IMAGE_MAYBE : IMAGE_NO;
}

/* "#0": the payload starts at p->payload_off. If it is an image, the image's own length
 * ends it, END or not. Otherwise, with END, everything up to the final NL (which is the
 * terminator, not data; a missing NL is forgiven). Without END, the first '\n' is taken
 * as the end: on a raw socket nothing else can delimit "#0", so that is the only possible
 * reading (binary data containing '\n' cannot travel that way).
 * On transports that carry END (p->end_marked) a '\n' inside the data never ends it: only
 * END does. */
static sc_status feed_indefinite(sc_reply_parser *p, const uint8_t *buf, size_t len, bool end, sc_error *err)
{
    size_t off = p->payload_off;
    image_start img = image_at_start(buf + off, len - off, p->limit);
    if (img == IMAGE_MAYBE && !end)
        return SC_OK;
    if (img == IMAGE_YES)
        return feed_image(p, buf, len, end, err);

    size_t from = p->scanned > off ? p->scanned : off;
    const uint8_t *nl = end || p->end_marked || from >= len ? NULL : memchr(buf + from, '\n', len - from);
    size_t stop = nl ? (size_t)(nl - buf) : len;
    p->scanned = stop;
    if (stop - off > p->limit)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "#0 block is longer than the %zu-byte limit and has not ended", p->limit);
    if (end) {
        size_t body = len - off;
        if (body > 0 && buf[len - 1] == '\n')
            body--;
        finish(p, body, len);
    } else if (nl) {
        finish(p, stop - off, stop + 1);
    }
    return SC_OK;
}

/* ---- deciding the kind ---- */

/* Find '#'+digit in the window before any '\n'. Returns 1 and *at when found, 0 when the
 * reply is text, -1 when more bytes are needed to tell. */
static int find_block_header(const uint8_t *buf, size_t len, size_t *at)
{
    size_t window = len < SC_BLOCK_PREFIX_WINDOW ? len : SC_BLOCK_PREFIX_WINDOW;
    for (size_t i = 0; i < window; i++) {
        if (buf[i] == '\n')
            return 0;
        if (buf[i] != '#' || !block_may_start_at(buf, i))
            continue;
        if (i + 1 == len)
            return -1;
        if (isdigit(buf[i + 1])) {
            *at = i;
            return 1;
        }
    }
    return len > SC_BLOCK_PREFIX_WINDOW ? 0 : -1;
}

static void decide(sc_reply_parser *p, const uint8_t *buf, size_t len, bool end)
{
    if (len == 0) {
        if (end) {
            p->kind = SC_REPLY_TEXT;
            finish(p, 0, 0);
        }
        return;
    }
    /* A few bytes that merely look like the start of an image, ended by END, are text. */
    image_start img = image_at_start(buf, len, p->limit);
    if (img == IMAGE_YES) {
        p->kind = SC_REPLY_RAW_IMAGE;
        p->payload_off = 0;
        return;
    }
    if (img == IMAGE_MAYBE && !end)
        return;

    size_t at = 0;
    int found = find_block_header(buf, len, &at);
    if (found < 0 && !end)
        return;
    if (found > 0) {
        p->kind = buf[at + 1] == '0' ? SC_REPLY_INDEFINITE : SC_REPLY_DEFINITE;
        p->payload_off = p->kind == SC_REPLY_INDEFINITE ? at + 2 : at;
        return;
    }
    p->kind = SC_REPLY_TEXT;
    p->payload_off = 0;
    return;
}

sc_status sc_reply_feed(sc_reply_parser *p, const uint8_t *buf, size_t len, bool end, sc_error *err)
{
    if (p->complete)
        return SC_OK;
    if (len > 0 && !buf)
        return sc_error_set(err, SC_ERR_USAGE, "sc_reply_feed: no buffer");
    /* The buffer only ever grows; a shorter one would make offsets point past its end. */
    size_t known = p->payload_off > p->scanned ? p->payload_off : p->scanned;
    if (p->kind == SC_REPLY_DEFINITE && p->scanned == 0)
        known += 2; /* '#' and the digit count */
    if (p->kind != SC_REPLY_UNDECIDED && len < known)
        return sc_error_set(err, SC_ERR_USAGE,
                            "sc_reply_feed: buffer shrank from at least %zu to %zu bytes", known, len);
    if (p->kind == SC_REPLY_UNDECIDED) {
        decide(p, buf, len, end);
        if (p->kind == SC_REPLY_UNDECIDED || p->complete)
            return SC_OK;
    }
    switch (p->kind) {
    case SC_REPLY_TEXT:
        return feed_text(p, buf, len, end, err);
    case SC_REPLY_DEFINITE:
        return feed_definite(p, buf, len, end, err);
    case SC_REPLY_INDEFINITE:
        return feed_indefinite(p, buf, len, end, err);
    case SC_REPLY_RAW_IMAGE:
        return feed_image(p, buf, len, end, err);
    case SC_REPLY_UNDECIDED:
        break;
    }
    return SC_OK;
}
