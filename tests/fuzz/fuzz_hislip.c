/* libFuzzer target: a byte stream read as consecutive HiSLIP messages, the way both
 * channels of the client and the simulator read them. Every header that decodes must
 * re-encode to the same 16 bytes. */
#include "wire/hislip_wire.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_payload(const sc_hislip_header *h, const uint8_t *payload, size_t n)
{
    sc_error err;
    if (h->type == SC_HISLIP_INITIALIZE)
        (void)sc_hislip_check_subaddress(payload, n, &err);
    if ((h->type == SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE || h->type == SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE_RESPONSE) &&
        n == 8)
        (void)sc_hislip_decode_u64(payload);
    if (h->type == SC_HISLIP_ERROR || h->type == SC_HISLIP_FATAL_ERROR) {
        char text[256];
        sc_sanitize_text(text, sizeof text, (const char *)payload, n);
        (void)sc_hislip_error_text(h->control);
        (void)sc_hislip_fatal_text(h->control);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (size - off >= SC_HISLIP_HEADER_LEN) {
        sc_hislip_header h;
        sc_hislip_reject r;
        sc_error err;
        sc_status st = sc_hislip_decode_header(data + off, size - off, &h, &r, &err);
        (void)sc_hislip_type_name(h.type);
        if (st != SC_OK && r.fatal)
            break;
        if (st == SC_OK) {
            uint8_t again[SC_HISLIP_HEADER_LEN];
            sc_hislip_encode_header(again, h.type, h.control, h.param, h.length);
            if (memcmp(again, data + off, sizeof again) != 0)
                abort();
            if (h.length > SC_HISLIP_MAX_PAYLOAD)
                abort();
        }
        off += SC_HISLIP_HEADER_LEN;
        size_t n = h.length < size - off ? (size_t)h.length : size - off;
        if (st == SC_OK)
            check_payload(&h, data + off, n);
        off += n;
    }
    return 0;
}
