/* libFuzzer target for the VICP header codec.
 *
 * The input is read as a VICP byte stream, the way the client and scopesim read one:
 * header, payload, header, ... For every header the decoder accepts, the fields must
 * re-encode to exactly the same 8 bytes and respect the limit; the payload is then
 * skipped (bounded by what is left). The limit itself comes from the first input byte,
 * so small limits get exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/vicp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t limit = data[0] < 128 ? (uint32_t)data[0] * 1024 : 0; /* 0: the codec's own 64 MiB */
    size_t off = 1;
    while (size - off >= SC_VICP_HEADER_SIZE) {
        sc_vicp_header h;
        sc_error err;
        sc_status st = sc_vicp_decode(data + off, limit, &h, "fuzz", &err);
        if (st != SC_OK) {
            if (st != SC_ERR_PROTOCOL && st != SC_ERR_TOO_LARGE)
                abort();
            if (err.message[0] == '\0' || strlen(err.message) >= sizeof err.message)
                abort();
            return 0;
        }
        uint8_t again[SC_VICP_HEADER_SIZE];
        sc_vicp_encode(&h, again);
        if (memcmp(again, data + off, sizeof again) != 0)
            abort();
        if (h.version != SC_VICP_VERSION || (h.op & SC_VICP_OP_RESERVED) || h.length > SC_VICP_MAX_BLOCK ||
            (limit && h.length > limit))
            abort();
        char text[96];
        sc_vicp_op_text(h.op, text, sizeof text);
        if (strlen(text) >= sizeof text)
            abort();
        off += SC_VICP_HEADER_SIZE;
        size_t left = size - off;
        off += h.length < left ? h.length : left;
    }
    return 0;
}
