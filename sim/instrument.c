/* Instrument state shared by every client connection, and its screen dumps. */
#include "instrument.h"

#include "screen.h"

#include "scopecap/image.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void sim_instrument_init(sim_instrument *inst, const sim_model *model, uint32_t seed)
{
    memset(inst, 0, sizeof *inst);
    inst->model = model;
    inst->seed = seed;
    inst->render_delay_ms = model->default_render_ms;
    inst->start_ns = sc_now_ns();
    inst->running = true;
    pthread_mutex_init(&inst->lock, NULL);
}

void sim_instrument_destroy(sim_instrument *inst)
{
    pthread_mutex_destroy(&inst->lock);
}

void sim_push_error(sim_instrument *inst, int code)
{
    pthread_mutex_lock(&inst->lock);
    if (inst->error_count < SIM_ERROR_QUEUE)
        inst->errors[inst->error_count++] = code;
    pthread_mutex_unlock(&inst->lock);
}

typedef struct screenshot_args {
    bool colour;
    bool invert;
    sc_image_format format;
    bool bmp8;
} screenshot_args;

static bool parse_switch(const char *tok, bool *out)
{
    if (strcasecmp(tok, "ON") == 0 || strcmp(tok, "1") == 0)
        return *out = true, true;
    if (strcasecmp(tok, "OFF") == 0 || strcmp(tok, "0") == 0)
        return *out = false, true;
    return false;
}

static bool parse_image_format(const char *tok, screenshot_args *a)
{
    if (strcasecmp(tok, "BMP24") == 0 || strcasecmp(tok, "BMP") == 0)
        a->format = SC_IMAGE_BMP;
    else if (strcasecmp(tok, "BMP8") == 0)
        a->format = SC_IMAGE_BMP, a->bmp8 = true;
    else if (strcasecmp(tok, "PNG") == 0)
        a->format = SC_IMAGE_PNG;
    else if (strcasecmp(tok, "JPEG") == 0 || strcasecmp(tok, "JPG") == 0)
        a->format = SC_IMAGE_JPEG;
    else
        return false; /* TIFF is documented but not simulated: refused like a bad value */
    return true;
}

/* "[colour,invert,format]": all optional, positional, as the DS1000Z guide gives them. */
static bool parse_screenshot_args(const char *args, screenshot_args *a)
{
    *a = (screenshot_args){ .colour = true, .invert = false, .format = SC_IMAGE_BMP };
    char copy[128];
    if (strlen(args) >= sizeof copy)
        return false;
    strcpy(copy, args);
    char *save = NULL;
    int i = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), i++) {
        while (isspace((unsigned char)*tok))
            tok++;
        tok[strcspn(tok, " \t")] = '\0';
        bool ok = i == 0 ? parse_switch(tok, &a->colour) : i == 1 ? parse_switch(tok, &a->invert)
                : i == 2 ? parse_image_format(tok, a) : false;
        if (!ok)
            return false;
    }
    return true;
}

static void to_grey(sc_raster *r)
{
    for (int y = 0; y < r->height; y++) {
        uint8_t *p = r->pixels + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, p += 3) {
            uint8_t g = (uint8_t)((p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8);
            p[0] = p[1] = p[2] = g;
        }
    }
}

/* 8-bit BMP with a 3-3-2 palette: what BMP8 means on the real scope is a palette image. */
static void encode_bmp8(const sc_raster *r, sc_buf *out)
{
    size_t row = ((size_t)r->width + 3) & ~(size_t)3;
    size_t data_off = 14 + 40 + 256 * 4;
    size_t size = data_off + row * (size_t)r->height;
    uint8_t hdr[54] = { 'B', 'M' };
    uint32_t fields[] = { (uint32_t)size, 0, (uint32_t)data_off };
    memcpy(hdr + 2, fields, sizeof fields); /* little-endian host assumed: x86/ARM */
    uint32_t info[] = { 40, (uint32_t)r->width, (uint32_t)r->height, 1u | (8u << 16), 0,
                        (uint32_t)(row * (size_t)r->height), 2835, 2835, 256, 0 };
    memcpy(hdr + 14, info, sizeof info);
    sc_buf_append(out, hdr, sizeof hdr, NULL);
    for (int i = 0; i < 256; i++) {
        uint8_t entry[4] = { (uint8_t)((i & 3) * 85), (uint8_t)(((i >> 2) & 7) * 255 / 7),
                             (uint8_t)(((i >> 5) & 7) * 255 / 7), 0 };
        sc_buf_append(out, entry, 4, NULL);
    }
    uint8_t line[SC_IMAGE_MAX_DIMENSION + 4] = { 0 };
    for (int y = r->height - 1; y >= 0; y--) {
        const uint8_t *p = r->pixels + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, p += 3)
            line[x] = (uint8_t)((p[0] >> 5) << 5 | (p[1] >> 5) << 2 | (p[2] >> 6));
        sc_buf_append(out, line, row, NULL);
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

bool sim_screenshot(sim_instrument *inst, const char *args, sc_buf *file)
{
    screenshot_args a;
    if (!parse_screenshot_args(args, &a))
        return false;
    if (inst->render_delay_ms > 0)
        sleep_ms(inst->render_delay_ms);
    sim_screen_style style;
    sim_screen_style_default(&style);
    style.brand = inst->model->brand;
    style.model = inst->model->model;
    style.width = inst->model->width;
    style.height = inst->model->height;
    style.channels = inst->model->channels;
    sc_raster r = { 0 };
    if (sc_raster_alloc(&r, style.width, style.height, NULL) != SC_OK)
        return false;
    double t = inst->animate ? (double)(sc_now_ns() - inst->start_ns) / 1e9 : 0.0;
    sim_draw_screen(&r, &style, inst->seed, t);
    if (!a.colour)
        to_grey(&r);
    if (a.invert)
        sc_raster_invert_lightness(&r);
    bool ok = true;
    if (a.bmp8)
        encode_bmp8(&r, file);
    else
        ok = sc_image_encode(&r, a.format, file, NULL) == SC_OK;
    sc_raster_free(&r);
    return ok;
}
