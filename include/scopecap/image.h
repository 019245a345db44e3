/* Images: sniffing, our own strict BMP codec, PNG (libpng), JPEG (TurboJPEG), and
 * background inversion. Pixels are always 8-bit RGB, 3 bytes a pixel, top row first. */
#ifndef SCOPECAP_IMAGE_H
#define SCOPECAP_IMAGE_H

#include "scopecap/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sc_image_format {
    SC_IMAGE_UNKNOWN = 0,
    SC_IMAGE_BMP,
    SC_IMAGE_PNG,
    SC_IMAGE_JPEG,
    SC_IMAGE_GIF,
    SC_IMAGE_TIFF,
} sc_image_format;

#define SC_IMAGE_MAX_DIMENSION 16384

typedef struct sc_raster {
    int width;
    int height;
    size_t stride; /* bytes per row, >= 3 * width */
    uint8_t *pixels;
} sc_raster;

typedef struct sc_rgb {
    uint8_t r, g, b;
} sc_rgb;

sc_status sc_raster_alloc(sc_raster *r, int width, int height, sc_error *err);
void sc_raster_free(sc_raster *r);

/* Format from the first bytes (at least 12 are needed to be sure). */
sc_image_format sc_image_sniff(const uint8_t *data, size_t len);
const char *sc_image_format_name(sc_image_format f);
/* Parse a name given to -f (png, bmp, jpeg/jpg, raw -> UNKNOWN with *raw = true). */
sc_status sc_image_format_parse(const char *name, sc_image_format *out, bool *raw, sc_error *err);
/* Format from a file name's extension; UNKNOWN when there is none we know. */
sc_image_format sc_image_format_from_path(const char *path);
const char *sc_image_format_extension(sc_image_format f);

/* How long is the image file that starts at data[0]? Read from its own header:
 * BMP: the file size field; PNG: chunks walked to IEND + CRC; JPEG: markers walked to EOI.
 * Returns SC_OK with *total set when known; SC_OK with *total == 0 when more bytes are
 * needed; SC_ERR_FORMAT when the header is malformed; SC_ERR_TOO_LARGE past `limit`. */
sc_status sc_image_file_length(const uint8_t *data, size_t len, size_t limit, size_t *total, sc_error *err);

/* Decoders check every size field against the data and refuse what does not fit. */
sc_status sc_bmp_decode(const uint8_t *data, size_t len, sc_raster *out, sc_error *err);
sc_status sc_png_decode(const uint8_t *data, size_t len, sc_raster *out, sc_error *err);
sc_status sc_jpeg_decode(const uint8_t *data, size_t len, sc_raster *out, sc_error *err);
/* Sniff and dispatch. */
sc_status sc_image_decode(const uint8_t *data, size_t len, sc_raster *out, sc_error *err);

/* Encoders append to out. BMP: 24-bit bottom-up. PNG: tuned for flat screenshots. */
sc_status sc_bmp_encode(const sc_raster *r, sc_buf *out, sc_error *err);
sc_status sc_png_encode(const sc_raster *r, sc_buf *out, sc_error *err);
sc_status sc_jpeg_encode(const sc_raster *r, int quality, sc_buf *out, sc_error *err);
sc_status sc_image_encode(const sc_raster *r, sc_image_format f, sc_buf *out, sc_error *err);

/* Is the background mostly dark? (samples the border and the whole image) */
bool sc_raster_is_dark(const sc_raster *r);
/* Invert lightness, keep hue: black <-> white, a yellow trace stays yellow.
 * c' = c + 255 - max(r,g,b) - min(r,g,b). */
void sc_raster_invert_lightness(sc_raster *r);

#ifdef __cplusplus
}
#endif
#endif
