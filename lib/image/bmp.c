/* Our own strict BMP codec.
 *
 * Scopes send BMPs straight off the wire (Rigol: 800x480x24 plus a trailing '\n';
 * Siglent: raw file, no block header), so every size the header declares is checked
 * against the bytes we actually have before a single pixel is read. Supported: the
 * OS/2 core header (12) and the Windows info headers (40, 52, 56, 108, 124); 1/4/8-bit
 * palettes, 16-bit 5-5-5 or bit fields, 24-bit, 32-bit plain or bit fields; bottom-up
 * and top-down. RLE and embedded JPEG/PNG are refused with a clear message. */
#include "scopecap/image.h"

#include <string.h>

#define BMP_FILE_HEADER_SIZE 14u
#define BMP_INFO_HEADER_SIZE 40u
#define BMP_PIXELS_PER_METRE 2835u /* 72 dpi, what most writers put there */

enum {
    BI_RGB = 0,
    BI_RLE8 = 1,
    BI_RLE4 = 2,
    BI_BITFIELDS = 3,
    BI_JPEG = 4,
    BI_PNG = 5,
    BI_ALPHABITFIELDS = 6,
};

/* One colour channel of a bit-field pixel: where it sits and how wide it is. */
typedef struct bmp_channel {
    uint32_t mask;
    unsigned shift;
    unsigned bits;
} bmp_channel;

/* Everything the header says, already checked against the data. */
typedef struct bmp_info {
    uint64_t file_size; /* declared; never more than the bytes we hold */
    uint64_t pixel_offset;
    uint32_t header_size;
    int width;
    int height; /* absolute value */
    bool top_down;
    unsigned bpp;
    uint32_t compression;
    uint32_t image_size;
    uint32_t colors_used;
    uint64_t masks_offset; /* bit fields stored after a 40-byte header; 0 when none */
    unsigned masks_bytes;
    uint64_t palette_offset;
    unsigned palette_entry_size; /* 4 (BGRx), or 3 (BGR) in OS/2 core files */
    uint32_t palette_count;
    uint64_t row_size; /* bytes a row, padded to 4 */
    bmp_channel channel[3]; /* r, g, b for 16- and 32-bit pixels */
} bmp_info;

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- header parsing ---- */

static sc_status parse_file_header(const uint8_t *data, size_t len, bmp_info *bi, sc_error *err)
{
    if (len < BMP_FILE_HEADER_SIZE + 4)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: %zu bytes are too few for the file header (truncated transfer?)", len);
    if (data[0] != 'B' || data[1] != 'M')
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: file starts with %02x %02x, not 'BM'", data[0], data[1]);
    bi->file_size = le32(data + 2);
    /* Longer than declared is fine: Rigol appends a '\n', Siglent a stray byte. */
    if (bi->file_size > len)
        return sc_error_set(err, SC_ERR_FORMAT,
                            "BMP: header declares a %llu-byte file but only %zu bytes arrived (truncated transfer?)",
                            (unsigned long long)bi->file_size, len);
    if (bi->file_size < BMP_FILE_HEADER_SIZE + 4)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: header declares a %llu-byte file, smaller than its own headers",
                            (unsigned long long)bi->file_size);
    bi->pixel_offset = le32(data + 10);
    bi->header_size = le32(data + 14);
    return SC_OK;
}

static bool known_header_size(uint32_t size)
{
    return size == 12 || size == 40 || size == 52 || size == 56 || size == 108 || size == 124;
}

/* Width and height as signed 32-bit values (the OS/2 core header has unsigned 16-bit ones). */
static sc_status check_dimensions(int64_t width, int64_t height, bmp_info *bi, sc_error *err)
{
    if (width <= 0)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: width %lld is not positive (corrupt header?)", (long long)width);
    if (height == 0)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: height is 0 (corrupt header?)");
    /* Negative height means top-down; INT32_MIN has no positive counterpart in int32,
     * which is why we work in int64 here. */
    int64_t abs_height = height < 0 ? -height : height;
    if (width > SC_IMAGE_MAX_DIMENSION || abs_height > SC_IMAGE_MAX_DIMENSION)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "BMP: %lldx%lld pixels exceeds the %d-pixel limit a side (corrupt header?)",
                            (long long)width, (long long)height, SC_IMAGE_MAX_DIMENSION);
    bi->width = (int)width;
    bi->height = (int)abs_height;
    bi->top_down = height < 0;
    return SC_OK;
}

static sc_status parse_core_header(const uint8_t *data, bmp_info *bi, sc_error *err)
{
    const uint8_t *h = data + BMP_FILE_HEADER_SIZE;
    unsigned planes = le16(h + 8);
    bi->bpp = le16(h + 10);
    bi->compression = BI_RGB;
    bi->image_size = 0;
    bi->colors_used = 0;
    bi->palette_entry_size = 3;
    if (planes != 1)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: %u colour planes declared, must be 1 (corrupt header?)", planes);
    if (bi->bpp != 1 && bi->bpp != 4 && bi->bpp != 8 && bi->bpp != 24)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: %u bits per pixel is not valid in an OS/2 bitmap (1, 4, 8 or 24)", bi->bpp);
    return check_dimensions(le16(h + 4), le16(h + 6), bi, err);
}

static sc_status check_compression(const bmp_info *bi, sc_error *err)
{
    switch (bi->compression) {
    case BI_RGB:
        return SC_OK;
    case BI_BITFIELDS:
    case BI_ALPHABITFIELDS:
        if (bi->bpp != 16 && bi->bpp != 32)
            return sc_error_set(err, SC_ERR_FORMAT, "BMP: bit-field compression needs 16 or 32 bits per pixel, not %u", bi->bpp);
        return SC_OK;
    case BI_RLE8:
    case BI_RLE4:
        return sc_error_set(err, SC_ERR_UNSUPPORTED,
                            "BMP: run-length encoded bitmaps (RLE%d) are not supported; ask the instrument for an uncompressed BMP or for PNG",
                            bi->compression == BI_RLE8 ? 8 : 4);
    case BI_JPEG:
    case BI_PNG:
        return sc_error_set(err, SC_ERR_UNSUPPORTED, "BMP: a %s embedded in a BMP is not supported; ask the instrument for plain PNG or JPEG",
                            bi->compression == BI_JPEG ? "JPEG" : "PNG");
    default:
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: unknown compression type %u (corrupt header?)", bi->compression);
    }
}

static sc_status parse_info_header(const uint8_t *data, bmp_info *bi, sc_error *err)
{
    const uint8_t *h = data + BMP_FILE_HEADER_SIZE;
    unsigned planes = le16(h + 12);
    bi->bpp = le16(h + 14);
    bi->compression = le32(h + 16);
    bi->image_size = le32(h + 20);
    bi->colors_used = le32(h + 32);
    bi->palette_entry_size = 4;
    if (planes != 1)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: %u colour planes declared, must be 1 (corrupt header?)", planes);
    if (bi->bpp != 1 && bi->bpp != 4 && bi->bpp != 8 && bi->bpp != 16 && bi->bpp != 24 && bi->bpp != 32)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: %u bits per pixel is not a BMP depth (1, 4, 8, 16, 24 or 32)", bi->bpp);
    sc_status st = check_dimensions((int32_t)le32(h + 4), (int32_t)le32(h + 8), bi, err);
    if (st != SC_OK)
        return st;
    return check_compression(bi, err);
}

/* ---- bit fields ---- */

static unsigned count_bits(uint32_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static sc_status make_channel(uint32_t mask, unsigned bpp, const char *name, bmp_channel *ch, sc_error *err)
{
    if (mask == 0)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: the %s bit mask is empty (corrupt header?)", name);
    if (bpp == 16 && mask > 0xffffu)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: the %s bit mask 0x%08x reaches past a 16-bit pixel", name, mask);
    unsigned shift = 0;
    while (!((mask >> shift) & 1u))
        shift++;
    unsigned bits = count_bits(mask);
    /* Contiguous: shifted down, the mask must be all ones. */
    uint32_t ones = mask >> shift;
    if ((ones & (ones + 1u)) != 0)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: the %s bit mask 0x%08x is not one contiguous run of bits", name, mask);
    ch->mask = mask;
    ch->shift = shift;
    ch->bits = bits;
    return SC_OK;
}

static sc_status set_masks(bmp_info *bi, uint32_t r, uint32_t g, uint32_t b, sc_error *err)
{
    static const char *names[3] = {"red", "green", "blue"};
    uint32_t masks[3] = {r, g, b};
    for (int i = 0; i < 3; i++) {
        sc_status st = make_channel(masks[i], bi->bpp, names[i], &bi->channel[i], err);
        if (st != SC_OK)
            return st;
    }
    if ((r & g) || (r & b) || (g & b))
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: the colour bit masks 0x%x, 0x%x, 0x%x overlap", r, g, b);
    return SC_OK;
}

/* Find the masks of 16- and 32-bit pixels: defaults for BI_RGB, else read them from the
 * header (52+ bytes) or from just after a 40-byte header. */
static sc_status parse_masks(const uint8_t *data, bmp_info *bi, sc_error *err)
{
    bi->masks_offset = 0;
    bi->masks_bytes = 0;
    if (bi->bpp != 16 && bi->bpp != 32)
        return SC_OK;
    if (bi->compression == BI_RGB) {
        if (bi->bpp == 16)
            return set_masks(bi, 0x7c00, 0x03e0, 0x001f, err);
        return set_masks(bi, 0x00ff0000, 0x0000ff00, 0x000000ff, err);
    }
    uint64_t at = BMP_FILE_HEADER_SIZE + BMP_INFO_HEADER_SIZE;
    if (bi->header_size == BMP_INFO_HEADER_SIZE) {
        bi->masks_offset = at;
        bi->masks_bytes = bi->compression == BI_ALPHABITFIELDS ? 16 : 12;
        if (at + bi->masks_bytes > bi->file_size)
            return sc_error_set(err, SC_ERR_FORMAT, "BMP: the colour bit masks run past the end of the %llu-byte file (truncated transfer?)",
                                (unsigned long long)bi->file_size);
    }
    return set_masks(bi, le32(data + at), le32(data + at + 4), le32(data + at + 8), err);
}

/* ---- layout checks: palette, pixel offset, pixel data ---- */

static sc_status check_palette(bmp_info *bi, sc_error *err)
{
    uint64_t headers_end = (uint64_t)BMP_FILE_HEADER_SIZE + bi->header_size + bi->masks_bytes;
    bi->palette_offset = headers_end;
    bi->palette_count = 0;
    if (bi->bpp <= 8) {
        uint32_t max_colors = 1u << bi->bpp;
        if (bi->colors_used > max_colors)
            return sc_error_set(err, SC_ERR_FORMAT, "BMP: palette declares %u colours but a %u-bit image can use at most %u (corrupt header?)",
                                bi->colors_used, bi->bpp, max_colors);
        bi->palette_count = bi->colors_used ? bi->colors_used : max_colors;
    }
    uint64_t palette_end = headers_end + (uint64_t)bi->palette_count * bi->palette_entry_size;
    if (palette_end > bi->file_size)
        return sc_error_set(err, SC_ERR_FORMAT,
                            "BMP: the %u-colour palette ends at byte %llu, past the end of the %llu-byte file (truncated transfer?)",
                            bi->palette_count, (unsigned long long)palette_end, (unsigned long long)bi->file_size);
    if (bi->pixel_offset > bi->file_size)
        return sc_error_set(err, SC_ERR_FORMAT,
                            "BMP: pixel data offset %llu lies past the end of the %llu-byte file (truncated transfer?)",
                            (unsigned long long)bi->pixel_offset, (unsigned long long)bi->file_size);
    if (bi->pixel_offset < palette_end)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: pixel data offset %llu lies inside the headers and palette, which end at byte %llu",
                            (unsigned long long)bi->pixel_offset, (unsigned long long)palette_end);
    return SC_OK;
}

static sc_status check_pixel_data(bmp_info *bi, sc_error *err)
{
    /* width <= 16384 and bpp <= 32, so none of this can overflow 64 bits. */
    bi->row_size = ((uint64_t)bi->width * bi->bpp + 31) / 32 * 4;
    uint64_t needed = bi->row_size * (uint64_t)bi->height;
    if (bi->image_size != 0 && bi->image_size < needed)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: image size field says %u bytes but %dx%d at %u bits needs %llu (corrupt header?)",
                            bi->image_size, bi->width, bi->height, bi->bpp, (unsigned long long)needed);
    uint64_t available = bi->file_size - bi->pixel_offset;
    if (needed > available)
        return sc_error_set(err, SC_ERR_FORMAT,
                            "BMP: %dx%d at %u bits needs %llu bytes of pixels from offset %llu, but the %llu-byte file holds only %llu (truncated transfer?)",
                            bi->width, bi->height, bi->bpp, (unsigned long long)needed, (unsigned long long)bi->pixel_offset,
                            (unsigned long long)bi->file_size, (unsigned long long)available);
    return SC_OK;
}

static sc_status parse_headers(const uint8_t *data, size_t len, bmp_info *bi, sc_error *err)
{
    memset(bi, 0, sizeof *bi);
    sc_status st = parse_file_header(data, len, bi, err);
    if (st != SC_OK)
        return st;
    if (!known_header_size(bi->header_size))
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: info header size %u is not one we know (12, 40, 52, 56, 108 or 124)", bi->header_size);
    if ((uint64_t)BMP_FILE_HEADER_SIZE + bi->header_size > bi->file_size)
        return sc_error_set(err, SC_ERR_FORMAT, "BMP: the %u-byte info header runs past the end of the %llu-byte file (truncated transfer?)",
                            bi->header_size, (unsigned long long)bi->file_size);
    st = bi->header_size == 12 ? parse_core_header(data, bi, err) : parse_info_header(data, bi, err);
    if (st == SC_OK)
        st = parse_masks(data, bi, err);
    if (st == SC_OK)
        st = check_palette(bi, err);
    if (st == SC_OK)
        st = check_pixel_data(bi, err);
    return st;
}

/* ---- pixel decoding ---- */

static void read_palette(const uint8_t *data, const bmp_info *bi, sc_rgb *palette)
{
    const uint8_t *p = data + bi->palette_offset;
    for (uint32_t i = 0; i < bi->palette_count; i++, p += bi->palette_entry_size) {
        palette[i].b = p[0];
        palette[i].g = p[1];
        palette[i].r = p[2];
    }
}

/* Scale a channel of `bits` bits to 0..255, rounding to nearest. */
static uint8_t channel_value(uint32_t pixel, const bmp_channel *ch)
{
    uint64_t v = (pixel & ch->mask) >> ch->shift;
    if (ch->bits == 8)
        return (uint8_t)v;
    uint64_t max = (ch->bits >= 32) ? 0xffffffffu : ((1ull << ch->bits) - 1);
    return (uint8_t)((v * 255 + max / 2) / max);
}

static unsigned palette_index(const uint8_t *src, unsigned bpp, int x)
{
    switch (bpp) {
    case 1: return (src[x >> 3] >> (7 - (x & 7))) & 1u;
    case 4: return (src[x >> 1] >> ((x & 1) ? 0 : 4)) & 0xfu;
    default: return src[x];
    }
}

static sc_status decode_palette_row(const uint8_t *src, const bmp_info *bi, const sc_rgb *palette, int y, uint8_t *dst, sc_error *err)
{
    for (int x = 0; x < bi->width; x++, dst += 3) {
        unsigned i = palette_index(src, bi->bpp, x);
        if (i >= bi->palette_count)
            return sc_error_set(err, SC_ERR_FORMAT, "BMP: pixel (%d,%d) uses colour %u but the palette has only %u entries (corrupt file?)",
                                x, y, i, bi->palette_count);
        dst[0] = palette[i].r;
        dst[1] = palette[i].g;
        dst[2] = palette[i].b;
    }
    return SC_OK;
}

static void decode_direct_row(const uint8_t *src, const bmp_info *bi, uint8_t *dst)
{
    for (int x = 0; x < bi->width; x++, dst += 3) {
        uint32_t pixel;
        if (bi->bpp == 24) {
            dst[0] = src[2];
            dst[1] = src[1];
            dst[2] = src[0];
            src += 3;
            continue;
        }
        if (bi->bpp == 16) {
            pixel = le16(src);
            src += 2;
        } else {
            pixel = le32(src);
            src += 4;
        }
        for (int c = 0; c < 3; c++)
            dst[c] = channel_value(pixel, &bi->channel[c]);
    }
}

static sc_status decode_pixels(const uint8_t *data, const bmp_info *bi, sc_raster *out, sc_error *err)
{
    sc_rgb palette[256];
    if (bi->bpp <= 8)
        read_palette(data, bi, palette);
    for (int row = 0; row < bi->height; row++) {
        /* Rows are stored bottom-up unless the height was negative. */
        int y = bi->top_down ? row : bi->height - 1 - row;
        const uint8_t *src = data + bi->pixel_offset + (uint64_t)row * bi->row_size;
        uint8_t *dst = out->pixels + (size_t)y * out->stride;
        if (bi->bpp <= 8) {
            sc_status st = decode_palette_row(src, bi, palette, y, dst, err);
            if (st != SC_OK)
                return st;
        } else {
            decode_direct_row(src, bi, dst);
        }
    }
    return SC_OK;
}

sc_status sc_bmp_decode(const uint8_t *data, size_t len, sc_raster *out, sc_error *err)
{
    out->pixels = NULL;
    out->width = out->height = 0;
    out->stride = 0;
    if (!data)
        len = 0;
    bmp_info bi;
    sc_status st = parse_headers(data, len, &bi, err);
    if (st != SC_OK)
        return st;
    st = sc_raster_alloc(out, bi.width, bi.height, err);
    if (st != SC_OK)
        return sc_error_prefix(err, "BMP");
    st = decode_pixels(data, &bi, out, err);
    if (st != SC_OK)
        sc_raster_free(out);
    return st;
}

/* ---- encoder: 24-bit, bottom-up, BI_RGB, the form every reader accepts ---- */

sc_status sc_bmp_encode(const sc_raster *r, sc_buf *out, sc_error *err)
{
    if (!r || !r->pixels || r->width < 1 || r->height < 1 || r->width > SC_IMAGE_MAX_DIMENSION ||
        r->height > SC_IMAGE_MAX_DIMENSION || r->stride < (size_t)r->width * 3)
        return sc_error_set(err, SC_ERR_USAGE, "BMP: cannot encode an empty or malformed raster");
    uint64_t row_size = ((uint64_t)r->width * 3 + 3) & ~(uint64_t)3;
    uint64_t image_size = row_size * (uint64_t)r->height;
    uint64_t file_size = BMP_FILE_HEADER_SIZE + BMP_INFO_HEADER_SIZE + image_size;
    if (file_size > UINT32_MAX || file_size > SIZE_MAX)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "BMP: a %dx%d image does not fit the 4 GiB BMP size field", r->width, r->height);
    sc_status st = sc_buf_reserve(out, (size_t)file_size, err);
    if (st != SC_OK)
        return st;

    uint8_t *p = out->data + out->len;
    memset(p, 0, (size_t)file_size); /* also zeroes the row padding */
    p[0] = 'B';
    p[1] = 'M';
    put_le32(p + 2, (uint32_t)file_size);
    put_le32(p + 10, BMP_FILE_HEADER_SIZE + BMP_INFO_HEADER_SIZE);
    uint8_t *h = p + BMP_FILE_HEADER_SIZE;
    put_le32(h + 0, BMP_INFO_HEADER_SIZE);
    put_le32(h + 4, (uint32_t)r->width);
    put_le32(h + 8, (uint32_t)r->height); /* positive: bottom-up */
    put_le16(h + 12, 1);
    put_le16(h + 14, 24);
    put_le32(h + 16, BI_RGB);
    put_le32(h + 20, (uint32_t)image_size);
    put_le32(h + 24, BMP_PIXELS_PER_METRE);
    put_le32(h + 28, BMP_PIXELS_PER_METRE);

    uint8_t *dst = p + BMP_FILE_HEADER_SIZE + BMP_INFO_HEADER_SIZE;
    for (int row = 0; row < r->height; row++, dst += row_size) {
        const uint8_t *src = r->pixels + (size_t)(r->height - 1 - row) * r->stride;
        for (int x = 0; x < r->width; x++, src += 3) {
            dst[3 * x + 0] = src[2];
            dst[3 * x + 1] = src[1];
            dst[3 * x + 2] = src[0];
        }
    }
    out->len += (size_t)file_size;
    return SC_OK;
}
