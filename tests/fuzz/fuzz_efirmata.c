/* libFuzzer target for the eFirmata codec and capture assembly.
 *
 * Input: a big-endian u16 sample count, then datagrams, each a big-endian u16 length and
 * its bytes. Every datagram goes through the TOC, TOM and TOD decoders; the first one then
 * starts a capture (as its TOM) and the rest are placed into it, as the client does. The
 * finished capture is exported to CSV, JSON and binary and drawn as a small plot. Beyond
 * "no crash", the counters must add up and the exports must have the sizes they promise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "efirmata/capture.h"
#include "efirmata/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static void decode_alone(const uint8_t *p, size_t len)
{
    sc_error err;
    sc_efirmata_toc toc;
    if (sc_efirmata_toc_decode(p, len, &toc, &err) == SC_OK) {
        sc_efirmata_num n;
        (void)sc_efirmata_toc_threshold(&toc, 'B', &n, &err);
        (void)sc_efirmata_toc_threshold(&toc, 'f', &n, &err);
    }
    static sc_efirmata_meta meta;
    size_t trailing;
    unsigned quirks = 0;
    if (sc_efirmata_tom_decode(p, len, &meta, &trailing, &quirks, &err) == SC_OK) {
        if (trailing > len)
            abort();
        size_t stride;
        (void)sc_efirmata_frame_stride(&meta, len ? p[0] : 0, &stride, &quirks, &err);
    }
    for (size_t stride = 0; stride <= 3; stride++) {
        sc_efirmata_tod tod;
        if (sc_efirmata_tod_decode(p, len, stride, &tod, &err) == SC_OK &&
            (tod.data < p || tod.data_len + tod.trailing + SC_EFIRMATA_TOD_HEADER != len))
            abort();
    }
}

static void export_all(const sc_efirmata_capture *c)
{
    sc_error err;
    sc_buf out;
    sc_buf_init(&out, 64 << 20);
    if (sc_efirmata_write_bin(c, &out, &err) == SC_OK && out.len != (size_t)c->samples * c->stride)
        abort();
    sc_buf_reset(&out);
    (void)sc_efirmata_write_csv(c, &out, &err);
    sc_buf_reset(&out);
    (void)sc_efirmata_write_json(c, &out, &err);
    sc_buf_free(&out);
    sc_raster r = { 0 };
    if (sc_efirmata_render_plot(c, &r, 160, 120, &err) == SC_OK)
        sc_raster_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint32_t requested = get_u16(data) % 1024 + 1; /* small: every run also exports and plots */
    static sc_efirmata_capture c;
    sc_efirmata_capture_init(&c);
    bool begun = false;
    size_t pos = 2;
    while (pos + 2 <= size) {
        size_t len = get_u16(data + pos);
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        /* a copy of exactly len bytes, so that ASan sees any read past the datagram */
        uint8_t *d = malloc(len ? len : 1);
        if (!d)
            break;
        memcpy(d, data + pos, len);
        pos += len;
        decode_alone(d, len);
        sc_error err;
        if (!begun)
            begun = sc_efirmata_capture_begin(&c, d, len, requested, &err) == SC_OK;
        else
            (void)sc_efirmata_capture_place(&c, d, len);
        free(d);
    }
    if (begun) {
        if (c.received > c.samples ||
            c.duplicates + c.stale + c.malformed + c.conflicts > c.datagrams)
            abort();
        sc_error err;
        (void)sc_efirmata_capture_finish(&c, true, &err);
        if (c.samples > c.requested)
            abort();
        export_all(&c);
        char text[200];
        sc_efirmata_missing_text(&c, 5, text, sizeof text);
    }
    sc_efirmata_capture_free(&c);
    return 0;
}
