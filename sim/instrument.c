/* Instrument state shared by every client connection, and its screen dumps. */
#include "instrument.h"

#include "image/rle565.h"
#include "screen.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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
    for (int i = 0; i < SIM_MAX_FILES; i++)
        sc_buf_free(&inst->files[i].data);
    sc_raster_free(&inst->frame);
    pthread_mutex_destroy(&inst->lock);
}

void sim_push_error(sim_instrument *inst, int code)
{
    pthread_mutex_lock(&inst->lock);
    if (inst->error_count < SIM_ERROR_QUEUE)
        inst->errors[inst->error_count++] = code;
    pthread_mutex_unlock(&inst->lock);
}

/* ---- the connection a command arrived on ---- */

static _Thread_local const char *thread_protocol;
static _Thread_local unsigned long thread_commands;

void sim_set_thread_protocol(const char *protocol)
{
    thread_protocol = protocol;
    thread_commands = 0;
}

const char *sim_thread_protocol(void) { return thread_protocol ? thread_protocol : "raw"; }

bool sim_thread_first_command(void) { return thread_commands++ == 0; }

/* MAUI names its remote interfaces TCPIP (VICP), LXI (VXI-11) and USBTMC. */
static const char *remote_interface_name(const char *protocol)
{
    if (strcmp(protocol, "vicp") == 0)
        return "TCPIP";
    if (strcmp(protocol, "vxi11") == 0)
        return "LXI";
    if (strcmp(protocol, "usbtmc") == 0)
        return "USBTMC";
    return NULL;
}

bool sim_remote_interface_allows(sim_instrument *inst, const char **current)
{
    const char *protocol = sim_thread_protocol();
    if (!remote_interface_name(protocol))
        return true; /* the raw port exists for tests only */
    pthread_mutex_lock(&inst->lock);
    if (inst->remote_interface[0] == '\0')
        snprintf(inst->remote_interface, sizeof inst->remote_interface, "%s", protocol);
    bool same = strcmp(inst->remote_interface, protocol) == 0;
    *current = remote_interface_name(inst->remote_interface);
    pthread_mutex_unlock(&inst->lock);
    return same;
}

/* ---- settings and files ---- */

void sim_setting_set(sim_instrument *inst, const char *key, const char *value)
{
    pthread_mutex_lock(&inst->lock);
    int i = 0;
    while (i < inst->setting_count && strcasecmp(inst->settings[i].key, key) != 0)
        i++;
    if (i < SIM_MAX_SETTINGS) {
        snprintf(inst->settings[i].key, sizeof inst->settings[i].key, "%s", key);
        snprintf(inst->settings[i].value, sizeof inst->settings[i].value, "%s", value);
        if (i == inst->setting_count)
            inst->setting_count++;
    }
    pthread_mutex_unlock(&inst->lock);
}

void sim_setting_get(sim_instrument *inst, const char *key, const char *fallback, char *out, size_t cap)
{
    pthread_mutex_lock(&inst->lock);
    const char *v = fallback;
    for (int i = 0; i < inst->setting_count; i++)
        if (strcasecmp(inst->settings[i].key, key) == 0)
            v = inst->settings[i].value;
    snprintf(out, cap, "%s", v);
    pthread_mutex_unlock(&inst->lock);
}

static sim_file *find_file(sim_instrument *inst, const char *name)
{
    for (int i = 0; i < SIM_MAX_FILES; i++)
        if (inst->files[i].used && strcasecmp(inst->files[i].name, name) == 0)
            return &inst->files[i];
    return NULL;
}

bool sim_file_put(sim_instrument *inst, const char *name, const uint8_t *data, size_t len)
{
    pthread_mutex_lock(&inst->lock);
    sim_file *f = find_file(inst, name);
    for (int i = 0; i < SIM_MAX_FILES && !f; i++)
        if (!inst->files[i].used)
            f = &inst->files[i];
    bool ok = f != NULL && strlen(name) < sizeof f->name;
    if (ok) {
        if (!f->used)
            sc_buf_init(&f->data, 0);
        f->used = true;
        snprintf(f->name, sizeof f->name, "%s", name);
        sc_buf_reset(&f->data);
        ok = sc_buf_append(&f->data, data, len, NULL) == SC_OK;
    }
    pthread_mutex_unlock(&inst->lock);
    return ok; /* a full disk refuses like the real one would */
}

bool sim_file_get(sim_instrument *inst, const char *name, sc_buf *out)
{
    pthread_mutex_lock(&inst->lock);
    sim_file *f = find_file(inst, name);
    bool ok = f && sc_buf_append(out, f->data.data, f->data.len, NULL) == SC_OK;
    pthread_mutex_unlock(&inst->lock);
    return ok;
}

bool sim_file_delete(sim_instrument *inst, const char *name)
{
    pthread_mutex_lock(&inst->lock);
    sim_file *f = find_file(inst, name);
    if (f) {
        sc_buf_free(&f->data);
        f->used = false;
    }
    pthread_mutex_unlock(&inst->lock);
    return f != NULL;
}

int sim_file_count(sim_instrument *inst)
{
    pthread_mutex_lock(&inst->lock);
    int n = 0;
    for (int i = 0; i < SIM_MAX_FILES; i++)
        n += inst->files[i].used;
    pthread_mutex_unlock(&inst->lock);
    return n;
}

/* ---- pixels ---- */

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

/* The 3-3-2 palette: index bits rrrgggbb. */
static uint8_t palette_index(const uint8_t *p)
{
    return (uint8_t)((p[0] >> 5) << 5 | (p[1] >> 5) << 2 | (p[2] >> 6));
}

static void palette_colour(unsigned i, uint8_t rgb[3])
{
    rgb[0] = (uint8_t)(((i >> 5) & 7) * 255 / 7);
    rgb[1] = (uint8_t)(((i >> 2) & 7) * 255 / 7);
    rgb[2] = (uint8_t)((i & 3) * 85);
}

/* Reduce to the palette, so the frame is exactly what the 8-bit BMP holds. */
static void reduce_to_palette(sc_raster *r)
{
    for (int y = 0; y < r->height; y++) {
        uint8_t *p = r->pixels + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, p += 3)
            palette_colour(palette_index(p), p);
    }
}

static void reduce_to_rgb565(sc_raster *r)
{
    for (int y = 0; y < r->height; y++) {
        uint8_t *p = r->pixels + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, p += 3) {
            sc_rgb c = sc_rgb565_expand(sc_rgb565_pack(p[0], p[1], p[2]));
            p[0] = c.r, p[1] = c.g, p[2] = c.b;
        }
    }
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* 8-bit BMP with the 3-3-2 palette (Tek BMPC, Rigol BMP8); pixels already reduced. */
static bool encode_bmp8(const sc_raster *r, sc_buf *out)
{
    size_t row = ((size_t)r->width + 3) & ~(size_t)3;
    size_t data_off = 14 + 40 + 256 * 4;
    size_t size = data_off + row * (size_t)r->height;
    uint8_t hdr[54] = { 'B', 'M' };
    put_le32(hdr + 2, (uint32_t)size);
    put_le32(hdr + 10, (uint32_t)data_off);
    put_le32(hdr + 14, 40);
    put_le32(hdr + 18, (uint32_t)r->width);
    put_le32(hdr + 22, (uint32_t)r->height);
    put_le32(hdr + 26, 1u | (8u << 16));
    put_le32(hdr + 34, (uint32_t)(row * (size_t)r->height));
    put_le32(hdr + 38, 2835);
    put_le32(hdr + 42, 2835);
    put_le32(hdr + 46, 256);
    if (sc_buf_reserve(out, size, NULL) != SC_OK)
        return false;
    sc_buf_append(out, hdr, sizeof hdr, NULL);
    for (unsigned i = 0; i < 256; i++) {
        uint8_t rgb[3], entry[4];
        palette_colour(i, rgb);
        entry[0] = rgb[2], entry[1] = rgb[1], entry[2] = rgb[0], entry[3] = 0;
        sc_buf_append(out, entry, 4, NULL);
    }
    uint8_t *line = calloc(1, row);
    if (!line)
        return false;
    for (int y = r->height - 1; y >= 0; y--) {
        const uint8_t *p = r->pixels + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, p += 3)
            line[x] = palette_index(p);
        sc_buf_append(out, line, row, NULL);
    }
    free(line);
    return true;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* The screen as the model shows it right now. */
static bool draw_now(sim_instrument *inst, sc_raster *r)
{
    const sim_model *m = inst->model;
    sim_screen_style style;
    sim_screen_style_look(&style, m->look);
    style.brand = m->brand;
    style.model = m->model;
    style.width = m->width;
    style.height = m->height;
    style.channels = m->channels;
    if (sc_raster_alloc(r, style.width, style.height, NULL) != SC_OK)
        return false;
    double t = inst->animate ? (double)(sc_now_ns() - inst->start_ns) / 1e9 : 0.0;
    sim_draw_screen(r, &style, inst->seed, t);
    return true;
}

static bool copy_raster(const sc_raster *from, sc_raster *to)
{
    if (sc_raster_alloc(to, from->width, from->height, NULL) != SC_OK)
        return false;
    for (int y = 0; y < from->height; y++)
        memcpy(to->pixels + (size_t)y * to->stride, from->pixels + (size_t)y * from->stride, (size_t)from->width * 3);
    return true;
}

static void keep_frame(sim_instrument *inst, const sc_raster *r)
{
    sc_raster copy = { 0 };
    if (!copy_raster(r, &copy))
        return;
    pthread_mutex_lock(&inst->lock);
    sc_raster old = inst->frame;
    inst->frame = copy;
    pthread_mutex_unlock(&inst->lock);
    sc_raster_free(&old);
}

/* What an R&S instrument shows in remote with the display update off: a static image
 * instead of the GUI (SYSTem:DISPlay:UPDate). Its screen dump is that image too, which
 * is why R&S's own screenshot helper for the MXO switches the update on first. */
static bool draw_remote_static(sim_instrument *inst, sc_raster *r)
{
    const sim_model *m = inst->model;
    sim_screen_style style;
    sim_screen_style_look(&style, m->look);
    if (sc_raster_alloc(r, m->width, m->height, NULL) != SC_OK)
        return false;
    sc_draw_fill(r, style.background);
    int scale = m->width >= 1280 ? 4 : 2;
    const char *lines[] = { m->brand, m->model, "Remote control: display update off" };
    int y = m->height / 2 - 40 * scale / 2;
    for (int i = 0; i < 3; i++) {
        int s = i == 2 ? scale / 2 : scale;
        sc_draw_text(r, (m->width - sc_text_width(lines[i], s)) / 2, y, lines[i], style.text, s);
        y += 12 * s + 8;
    }
    return true;
}

bool sim_render_dump(sim_instrument *inst, const sim_dump *how, sc_buf *file)
{
    if (inst->render_delay_ms > 0)
        sleep_ms(inst->render_delay_ms);
    sc_raster r = { 0 };
    if (!(how->remote_static ? draw_remote_static(inst, &r) : draw_now(inst, &r)))
        return false;
    if (!how->colour)
        to_grey(&r);
    if (how->invert)
        sc_raster_invert_lightness(&r);
    if (how->encoding == SIM_ENC_BMP8)
        reduce_to_palette(&r);
    else if (how->encoding == SIM_ENC_RLE565)
        reduce_to_rgb565(&r);
    keep_frame(inst, &r);
    bool ok;
    switch (how->encoding) {
    case SIM_ENC_BMP8: ok = encode_bmp8(&r, file); break;
    case SIM_ENC_RLE565: ok = sc_rle565_encode(&r, file, NULL) == SC_OK; break;
    case SIM_ENC_PNG: ok = sc_image_encode(&r, SC_IMAGE_PNG, file, NULL) == SC_OK; break;
    case SIM_ENC_JPEG: ok = sc_image_encode(&r, SC_IMAGE_JPEG, file, NULL) == SC_OK; break;
    default: ok = sc_image_encode(&r, SC_IMAGE_BMP, file, NULL) == SC_OK; break;
    }
    sc_raster_free(&r);
    return ok;
}

bool sim_frame_bmp(sim_instrument *inst, sc_buf *out)
{
    sc_raster r = { 0 };
    pthread_mutex_lock(&inst->lock);
    bool have = inst->frame.pixels && copy_raster(&inst->frame, &r);
    pthread_mutex_unlock(&inst->lock);
    if (!have && !draw_now(inst, &r))
        return false;
    bool ok = sc_bmp_encode(&r, out, NULL) == SC_OK;
    sc_raster_free(&r);
    return ok;
}

/* ---- Rigol :DISPlay:DATA? arguments ---- */

static bool parse_switch(const char *tok, bool *out)
{
    if (strcasecmp(tok, "ON") == 0 || strcmp(tok, "1") == 0)
        return *out = true, true;
    if (strcasecmp(tok, "OFF") == 0 || strcmp(tok, "0") == 0)
        return *out = false, true;
    return false;
}

static bool parse_encoding(const char *tok, sim_encoding *e)
{
    if (strcasecmp(tok, "BMP24") == 0 || strcasecmp(tok, "BMP") == 0)
        *e = SIM_ENC_BMP24;
    else if (strcasecmp(tok, "BMP8") == 0)
        *e = SIM_ENC_BMP8;
    else if (strcasecmp(tok, "PNG") == 0)
        *e = SIM_ENC_PNG;
    else if (strcasecmp(tok, "JPEG") == 0 || strcasecmp(tok, "JPG") == 0)
        *e = SIM_ENC_JPEG;
    else
        return false; /* TIFF is documented but not simulated: refused like a bad value */
    return true;
}

static sim_encoding native_encoding(const sim_model *m)
{
    return m->native_format == SC_IMAGE_PNG ? SIM_ENC_PNG : SIM_ENC_BMP24;
}

/* "[colour,invert,format]" all optional and positional, as the DS1000Z guide gives
 * them; the DHO takes the format alone ("PNG"). The default format is the model's own. */
static bool parse_screenshot_args(const sim_model *m, const char *args, sim_dump *a)
{
    *a = (sim_dump){ .colour = true, .invert = false, .encoding = native_encoding(m) };
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
        if (i == 0 && parse_encoding(tok, &a->encoding)) {
            i = 2; /* the format alone */
            continue;
        }
        bool ok = i == 0 ? parse_switch(tok, &a->colour) : i == 1 ? parse_switch(tok, &a->invert)
                : i == 2 ? parse_encoding(tok, &a->encoding) : false;
        if (!ok)
            return false;
    }
    return true;
}

bool sim_screenshot(sim_instrument *inst, const char *args, sc_buf *file)
{
    sim_dump a;
    if (!parse_screenshot_args(inst->model, args, &a))
        return false;
    if ((inst->model->quirks & SIM_QUIRK_BMP_WHEN_PNG) && a.encoding == SIM_ENC_PNG)
        a.encoding = SIM_ENC_BMP24; /* MSO5000: asked for PNG, sends BMP (lxi-tools #60) */
    return sim_render_dump(inst, &a, file);
}
