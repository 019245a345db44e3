/* Image format names, extensions, and the decode/encode dispatch. */
#include "scopecap/image.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define JPEG_DEFAULT_QUALITY 90

const char *sc_image_format_name(sc_image_format f)
{
    switch (f) {
    case SC_IMAGE_PNG: return "png";
    case SC_IMAGE_BMP: return "bmp";
    case SC_IMAGE_JPEG: return "jpeg";
    case SC_IMAGE_GIF: return "gif";
    case SC_IMAGE_TIFF: return "tiff";
    case SC_IMAGE_UNKNOWN: break;
    }
    return "unknown";
}

sc_status sc_image_format_parse(const char *name, sc_image_format *out, bool *raw, sc_error *err)
{
    *out = SC_IMAGE_UNKNOWN;
    if (raw)
        *raw = false;
    if (name && strcasecmp(name, "png") == 0) {
        *out = SC_IMAGE_PNG;
    } else if (name && strcasecmp(name, "bmp") == 0) {
        *out = SC_IMAGE_BMP;
    } else if (name && (strcasecmp(name, "jpeg") == 0 || strcasecmp(name, "jpg") == 0)) {
        *out = SC_IMAGE_JPEG;
    } else if (name && strcasecmp(name, "raw") == 0) {
        if (raw)
            *raw = true;
    } else {
        char shown[64];
        sc_sanitize_text(shown, sizeof shown, name ? name : "", name ? strlen(name) : 0);
        return sc_error_set(err, SC_ERR_USAGE, "unknown image format '%s' (use png, bmp, jpeg, jpg or raw)", shown);
    }
    return SC_OK;
}

sc_image_format sc_image_format_from_path(const char *path)
{
    if (!path)
        return SC_IMAGE_UNKNOWN;
    /* Only the last path component can hold the extension: "./out.d/capture" has none. */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return SC_IMAGE_UNKNOWN;
    const char *ext = dot + 1;
    if (strcasecmp(ext, "png") == 0)
        return SC_IMAGE_PNG;
    if (strcasecmp(ext, "bmp") == 0)
        return SC_IMAGE_BMP;
    if (strcasecmp(ext, "jpg") == 0 || strcasecmp(ext, "jpeg") == 0)
        return SC_IMAGE_JPEG;
    return SC_IMAGE_UNKNOWN;
}

/* Without the dot: "png", "bmp", "jpg", ... */
const char *sc_image_format_extension(sc_image_format f)
{
    switch (f) {
    case SC_IMAGE_PNG: return "png";
    case SC_IMAGE_BMP: return "bmp";
    case SC_IMAGE_JPEG: return "jpg";
    case SC_IMAGE_GIF: return "gif";
    case SC_IMAGE_TIFF: return "tif";
    case SC_IMAGE_UNKNOWN: break;
    }
    return "bin";
}

/* "89 50 4e 47 ..." of the first few bytes, for messages about what we got instead. */
static void first_bytes_hex(const uint8_t *data, size_t len, char *dst, size_t cap)
{
    size_t shown = len < 8 ? len : 8;
    size_t used = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < shown && used + 4 < cap; i++)
        used += (size_t)snprintf(dst + used, cap - used, "%s%02x", i ? " " : "", data[i]);
    if (shown == 0)
        snprintf(dst, cap, "(no bytes)");
}

sc_status sc_image_decode(const uint8_t *data, size_t len, sc_raster *out, sc_error *err)
{
    out->pixels = NULL;
    out->width = out->height = 0;
    out->stride = 0;
    if (!data)
        len = 0;
    sc_image_format f = sc_image_sniff(data, len);
    switch (f) {
    case SC_IMAGE_BMP: return sc_bmp_decode(data, len, out, err);
    case SC_IMAGE_PNG: return sc_png_decode(data, len, out, err);
    case SC_IMAGE_JPEG: return sc_jpeg_decode(data, len, out, err);
    default: break;
    }
    /* Sniffing wants a plausible header; a damaged one that still starts "BM" gets the
     * BMP decoder's precise complaint instead of a vague one. */
    if (f == SC_IMAGE_UNKNOWN && len >= 2 && data[0] == 'B' && data[1] == 'M')
        return sc_bmp_decode(data, len, out, err);
    char hex[40];
    first_bytes_hex(data, len, hex, sizeof hex);
    if (f == SC_IMAGE_GIF || f == SC_IMAGE_TIFF)
        return sc_error_set(err, SC_ERR_UNSUPPORTED,
                            "%s images cannot be decoded (first bytes %s); save the raw file with -f raw or ask the instrument for PNG or BMP",
                            f == SC_IMAGE_GIF ? "GIF" : "TIFF", hex);
    return sc_error_set(err, SC_ERR_FORMAT,
                        "not a PNG, BMP or JPEG image (first bytes %s; an error message or a block header left in?)", hex);
}

sc_status sc_image_encode(const sc_raster *r, sc_image_format f, sc_buf *out, sc_error *err)
{
    switch (f) {
    case SC_IMAGE_PNG: return sc_png_encode(r, out, err);
    case SC_IMAGE_BMP: return sc_bmp_encode(r, out, err);
    case SC_IMAGE_JPEG: return sc_jpeg_encode(r, JPEG_DEFAULT_QUALITY, out, err);
    default: break;
    }
    return sc_error_set(err, SC_ERR_UNSUPPORTED, "cannot encode %s images (use png, bmp or jpeg)", sc_image_format_name(f));
}
