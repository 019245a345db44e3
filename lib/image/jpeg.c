/* JPEG through the TurboJPEG API of libjpeg-turbo 2.1 (the v2 API Debian 12 ships). */
#include "scopecap/image.h"

#include <limits.h>
#include <turbojpeg.h>

#define JPEG_DEFAULT_SUBSAMPLING TJSAMP_420

/* Stop at the first warning (we fail on warnings anyway, see below), and refuse
 * progressive files with absurd scan counts (a known CPU sink) where the library can. */
#ifdef TJFLAG_LIMITSCANS
#define JPEG_DECODE_FLAGS (TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS)
#else
#define JPEG_DECODE_FLAGS TJFLAG_STOPONWARNING
#endif

sc_status sc_jpeg_decode(const uint8_t *data, size_t len, sc_raster *out, sc_error *err)
{
    out->pixels = NULL;
    out->width = out->height = 0;
    out->stride = 0;
    if (!data || len < 4 || data[0] != 0xff || data[1] != 0xd8)
        return sc_error_set(err, SC_ERR_FORMAT, "JPEG: missing the FF D8 start-of-image marker (not a JPEG?)");
    if (len > ULONG_MAX)
        return sc_error_set(err, SC_ERR_TOO_LARGE, "JPEG: %zu bytes is more than the decoder accepts", len);

    tjhandle tj = tjInitDecompress();
    if (!tj)
        return sc_error_set(err, SC_ERR_NOMEM, "JPEG: cannot create a decoder: %s", tjGetErrorStr2(NULL));

    int width = 0, height = 0, subsamp = 0, colorspace = 0;
    sc_status st = SC_OK;
    if (tjDecompressHeader3(tj, data, (unsigned long)len, &width, &height, &subsamp, &colorspace) != 0) {
        st = sc_error_set(err, SC_ERR_FORMAT, "JPEG: unreadable header: %s", tjGetErrorStr2(tj));
        goto done;
    }
    /* Checked before allocating: the header alone decides how much memory we commit. */
    /* TurboJPEG "succeeds" with 0x0 when the data ends before any frame header. */
    if (width < 1 || height < 1) {
        st = sc_error_set(err, SC_ERR_FORMAT, "JPEG: no frame header before the data ends (truncated or not a JPEG?)");
        goto done;
    }
    if (width > SC_IMAGE_MAX_DIMENSION || height > SC_IMAGE_MAX_DIMENSION) {
        st = sc_error_set(err, SC_ERR_TOO_LARGE, "JPEG: %dx%d pixels is outside 1..%d a side (corrupt header?)",
                          width, height, SC_IMAGE_MAX_DIMENSION);
        goto done;
    }
    st = sc_raster_alloc(out, width, height, err);
    if (st != SC_OK) {
        sc_error_prefix(err, "JPEG");
        goto done;
    }
    /* Warnings count as failures: libjpeg warns about truncated or damaged entropy data
     * and then fills the rest with grey, which must not pass for a screenshot. */
    if (tjDecompress2(tj, data, (unsigned long)len, out->pixels, width, (int)out->stride, height, TJPF_RGB, JPEG_DECODE_FLAGS) != 0) {
        bool warning = tjGetErrorCode(tj) == TJERR_WARNING;
        st = sc_error_set(err, SC_ERR_FORMAT, "JPEG: %s: %s", warning ? "damaged or truncated data" : "cannot decode",
                          tjGetErrorStr2(tj));
        sc_raster_free(out);
    }
done:
    tjDestroy(tj);
    return st;
}

sc_status sc_jpeg_encode(const sc_raster *r, int quality, sc_buf *out, sc_error *err)
{
    if (!r || !r->pixels || r->width < 1 || r->height < 1 || r->width > SC_IMAGE_MAX_DIMENSION ||
        r->height > SC_IMAGE_MAX_DIMENSION || r->stride < (size_t)r->width * 3 || r->stride > INT_MAX)
        return sc_error_set(err, SC_ERR_USAGE, "JPEG: cannot encode an empty or malformed raster");
    if (quality < 1 || quality > 100)
        return sc_error_set(err, SC_ERR_USAGE, "JPEG: quality %d is outside 1..100 (check --jpeg-quality)", quality);

    tjhandle tj = tjInitCompress();
    if (!tj)
        return sc_error_set(err, SC_ERR_NOMEM, "JPEG: cannot create an encoder: %s", tjGetErrorStr2(NULL));
    unsigned char *jpeg = NULL;
    unsigned long jpeg_len = 0;
    sc_status st = SC_OK;
    if (tjCompress2(tj, r->pixels, r->width, (int)r->stride, r->height, TJPF_RGB, &jpeg, &jpeg_len,
                    JPEG_DEFAULT_SUBSAMPLING, quality, 0) != 0)
        st = sc_error_set(err, SC_ERR_FORMAT, "JPEG: encoding failed: %s", tjGetErrorStr2(tj));
    else
        st = sc_buf_append(out, jpeg, jpeg_len, err);
    tjFree(jpeg);
    tjDestroy(tj);
    return st;
}
