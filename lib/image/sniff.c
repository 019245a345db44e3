/* Image sniffing and "how long is this file?" from the file's own header.
 *
 * Screenshots often arrive as a bare image file with no framing at all (Siglent SCDP,
 * Tektronix HARDCOPY, LeCroy SCDP with DEST REMOTE). On a raw TCP socket nothing marks
 * where such a reply ends, so the only way to know is to read the image's own structure:
 * the BMP file-size field, the PNG chunk chain up to IEND, the JPEG marker chain up to EOI.
 *
 * sc_image_file_length() is called by the reply parser after every read, on a buffer that
 * keeps growing. It keeps no state, so each call walks from the start again, but every walk
 * is linear in the bytes present (PNG: one step per chunk; JPEG: each byte of a segment is
 * skipped by its length, each byte of entropy-coded data looked at once) and never backs up.
 * The reply parser only re-walks PNG/JPEG when the new bytes contain the tail of an end
 * marker, so the common cost per read is just the new bytes. */
#include "scopecap/image.h"

#include <string.h>

#define BMP_FILE_HEADER 14
#define BMP_CORE_HEADER 12 /* smallest DIB header: BITMAPCOREHEADER */
#define BMP_SNIFF_BYTES (BMP_FILE_HEADER + 4)
#define PNG_MAX_CHUNK 0x7fffffffu

#define PNG_SIGNATURE_LEN 8
/* Magic numbers, so that a short buffer can be told "could still be X" from "is not an
 * image". BMP's two letters are too weak alone; sniff checks its header fields too. */
typedef struct image_magic {
    const char *bytes;
    size_t len;
    sc_image_format format;
} image_magic;

static const image_magic magics[] = {
    {"\x89PNG\r\n\x1a\n", PNG_SIGNATURE_LEN, SC_IMAGE_PNG},
    {"\xff\xd8\xff", 3, SC_IMAGE_JPEG},
    {"GIF87a", 6, SC_IMAGE_GIF},
    {"GIF89a", 6, SC_IMAGE_GIF},
    {"II*\0", 4, SC_IMAGE_TIFF},
    {"MM\0*", 4, SC_IMAGE_TIFF},
    {"BM", 2, SC_IMAGE_BMP},
};

static uint32_t rd_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t rd_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static bool bmp_dib_size_known(uint32_t dib)
{
    /* core, OS/2 v2 short, info, v2, v3, OS/2 v2, v4, v5 */
    return dib == 12 || dib == 16 || dib == 40 || dib == 52 || dib == 56 || dib == 64 ||
           dib == 108 || dib == 124;
}

/* "BM" alone matches plenty of text; insist on sizes that make sense together. */
static bool bmp_header_plausible(const uint8_t *d, size_t len)
{
    if (len < BMP_FILE_HEADER || d[0] != 'B' || d[1] != 'M')
        return false;
    uint32_t file_size = rd_le32(d + 2);
    uint32_t pixel_off = rd_le32(d + 10);
    uint32_t min_header = BMP_FILE_HEADER + BMP_CORE_HEADER;
    if (file_size < min_header || pixel_off < min_header || pixel_off > file_size)
        return false;
    if (len >= BMP_SNIFF_BYTES && !bmp_dib_size_known(rd_le32(d + BMP_FILE_HEADER)))
        return false;
    return true;
}

sc_image_format sc_image_sniff(const uint8_t *data, size_t len)
{
    if (!data)
        return SC_IMAGE_UNKNOWN;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        const image_magic *m = &magics[i];
        if (len < m->len || memcmp(data, m->bytes, m->len) != 0)
            continue;
        if (m->format == SC_IMAGE_BMP && !bmp_header_plausible(data, len))
            return SC_IMAGE_UNKNOWN;
        return m->format;
    }
    return SC_IMAGE_UNKNOWN;
}

/* True when data[0..len) is too short to tell but is the start of some known magic
 * (or of a BMP header still too short to judge). */
static bool could_become_image(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        const image_magic *m = &magics[i];
        size_t need = m->format == SC_IMAGE_BMP ? BMP_FILE_HEADER : m->len;
        size_t cmp = len < m->len ? len : m->len;
        if (len < need && memcmp(data, m->bytes, cmp) == 0)
            return true;
    }
    return false;
}

static sc_status bmp_length(const uint8_t *d, size_t len, size_t limit, size_t *total, sc_error *err)
{
    if (len < BMP_SNIFF_BYTES)
        return SC_OK; /* *total stays 0: the DIB header size is not here yet */
    uint32_t file_size = rd_le32(d + 2);
    uint32_t pixel_off = rd_le32(d + 10);
    uint32_t dib = rd_le32(d + BMP_FILE_HEADER);
    if (!bmp_dib_size_known(dib))
        return sc_error_set(err, SC_ERR_FORMAT,
                            "BMP: unknown DIB header size %u (expected 12, 40, 108 or 124; not a BMP?)",
                            (unsigned)dib);
    uint32_t headers = BMP_FILE_HEADER + dib;
    if (file_size < headers)
        return sc_error_set(err, SC_ERR_FORMAT,
                            "BMP: file size field says %u bytes, less than its own %u-byte headers",
                            (unsigned)file_size, (unsigned)headers);
    if (pixel_off < headers || pixel_off > file_size)
        return sc_error_set(err, SC_ERR_FORMAT,
                            "BMP: pixel data offset %u lies outside the %u-byte file (corrupt header?)",
                            (unsigned)pixel_off, (unsigned)file_size);
    if (file_size > limit)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "BMP: file size field says %u bytes, above the %zu-byte limit "
                            "(corrupt header, or raise the maximum response size)",
                            (unsigned)file_size, limit);
    /* Known from the header alone: may be larger than len while the file still arrives. */
    *total = file_size;
    return SC_OK;
}

static bool png_type_valid(const uint8_t *t)
{
    for (int i = 0; i < 4; i++) {
        uint8_t c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return false;
    }
    return true;
}

static sc_status png_length(const uint8_t *d, size_t len, size_t limit, size_t *total, sc_error *err)
{
    /* 64-bit positions: a chunk end can exceed SIZE_MAX on 32-bit hosts. */
    uint64_t pos = PNG_SIGNATURE_LEN;
    unsigned chunk = 0;
    while (pos + 8 <= len) {
        const uint8_t *c = d + pos;
        uint32_t clen = rd_be32(c);
        if (clen > PNG_MAX_CHUNK)
            return sc_error_set(err, SC_ERR_FORMAT,
                                "PNG: chunk %u at offset %llu declares length %u, above 2^31-1 (corrupt file)",
                                chunk, (unsigned long long)pos, (unsigned)clen);
        if (!png_type_valid(c + 4))
            return sc_error_set(err, SC_ERR_FORMAT,
                                "PNG: chunk %u at offset %llu has a type that is not 4 letters "
                                "(bytes %02x %02x %02x %02x; corrupt or truncated transfer?)",
                                chunk, (unsigned long long)pos, c[4], c[5], c[6], c[7]);
        if (chunk == 0 && memcmp(c + 4, "IHDR", 4) != 0)
            return sc_error_set(err, SC_ERR_FORMAT, "PNG: first chunk is not IHDR (corrupt file)");
        uint64_t end = pos + 12 + clen; /* length, type, data, CRC */
        if (end > limit)
            return sc_error_set(err, SC_ERR_TOO_LARGE,
                                "PNG: chunk %u ends at byte %llu, past the %zu-byte limit "
                                "(corrupt file, or raise the maximum response size)",
                                chunk, (unsigned long long)end, limit);
        if (memcmp(c + 4, "IEND", 4) == 0) {
            *total = (size_t)end; /* known now, even if the CRC has not arrived yet */
            return SC_OK;
        }
        pos = end;
        chunk++;
    }
    return SC_OK; /* more bytes needed */
}

static bool jpeg_is_rst(uint8_t m) { return m >= 0xd0 && m <= 0xd7; }

/* Entropy-coded data after SOS: stuffed FF 00 and restart markers belong to it; any other
 * marker ends it. Returns the offset of that marker's FF, or len when it has not arrived. */
static size_t jpeg_skip_scan(const uint8_t *d, size_t len, size_t pos)
{
    while (pos + 1 < len) {
        const uint8_t *ff = memchr(d + pos, 0xff, len - 1 - pos);
        if (!ff)
            return len;
        size_t i = (size_t)(ff - d);
        uint8_t next = d[i + 1];
        if (next == 0x00 || jpeg_is_rst(next))
            pos = i + 2;
        else if (next == 0xff)
            pos = i + 1; /* fill byte before a marker */
        else
            return i;
    }
    return len;
}

/* Walk markers from just after SOI. Leaves *total at 0 when d[0..len) ends first. */
static sc_status jpeg_walk(const uint8_t *d, size_t len, size_t *total, sc_error *err)
{
    size_t pos = 2;
    for (;;) {
        if (pos + 2 > len)
            return SC_OK;
        if (d[pos] != 0xff)
            return sc_error_set(err, SC_ERR_FORMAT,
                                "JPEG: expected a marker at offset %zu, found byte 0x%02x "
                                "(corrupt or truncated transfer?)",
                                pos, d[pos]);
        uint8_t m = d[pos + 1];
        if (m == 0xff) { /* fill bytes may precede any marker */
            pos++;
            continue;
        }
        if (m == 0xd9) { /* EOI: the file ends with it */
            *total = pos + 2;
            return SC_OK;
        }
        if (m == 0x00 || m == 0xd8)
            return sc_error_set(err, SC_ERR_FORMAT,
                                "JPEG: invalid marker FF %02X at offset %zu (corrupt file)", m, pos);
        if (jpeg_is_rst(m) || m == 0x01) { /* standalone markers carry no length */
            pos += 2;
            continue;
        }
        if (pos + 4 > len)
            return SC_OK;
        size_t seg = (size_t)d[pos + 2] << 8 | d[pos + 3];
        if (seg < 2)
            return sc_error_set(err, SC_ERR_FORMAT,
                                "JPEG: marker FF %02X at offset %zu has segment length %zu, below 2 "
                                "(corrupt file)",
                                m, pos, seg);
        if (seg > len - pos - 2)
            return SC_OK; /* the segment has not fully arrived */
        pos += 2 + seg;
        if (m == 0xda) /* SOS: entropy-coded data follows its header */
            pos = jpeg_skip_scan(d, len, pos);
    }
}

static sc_status jpeg_length(const uint8_t *d, size_t len, size_t limit, size_t *total, sc_error *err)
{
    /* The image must end within the limit, so never look further than that. */
    size_t avail = len < limit ? len : limit;
    sc_status st = jpeg_walk(d, avail, total, err);
    if (st == SC_OK && *total == 0 && len >= limit)
        return sc_error_set(err, SC_ERR_TOO_LARGE,
                            "JPEG: no end-of-image marker within the %zu-byte limit "
                            "(corrupt file, or raise the maximum response size)",
                            limit);
    return st;
}

sc_status sc_image_file_length(const uint8_t *data, size_t len, size_t limit, size_t *total, sc_error *err)
{
    *total = 0;
    if (!data || len == 0)
        return SC_OK;
    switch (sc_image_sniff(data, len)) {
    case SC_IMAGE_BMP:
        return bmp_length(data, len, limit, total, err);
    case SC_IMAGE_PNG:
        return png_length(data, len, limit, total, err);
    case SC_IMAGE_JPEG:
        return jpeg_length(data, len, limit, total, err);
    case SC_IMAGE_GIF:
        return sc_error_set(err, SC_ERR_UNSUPPORTED,
                            "cannot tell where a GIF ends on a raw socket; use a transport with an end "
                            "marker (VXI-11, HiSLIP, USB-TMC)");
    case SC_IMAGE_TIFF:
        return sc_error_set(err, SC_ERR_UNSUPPORTED,
                            "cannot tell where a TIFF ends on a raw socket; use a transport with an end "
                            "marker (VXI-11, HiSLIP, USB-TMC)");
    case SC_IMAGE_UNKNOWN:
        break;
    }
    if (could_become_image(data, len))
        return SC_OK; /* too short to tell yet */
    return sc_error_set(err, SC_ERR_FORMAT,
                        "not a BMP, PNG or JPEG file (first bytes %02x %02x %02x %02x)", data[0],
                        len > 1 ? data[1] : 0, len > 2 ? data[2] : 0, len > 3 ? data[3] : 0);
}
