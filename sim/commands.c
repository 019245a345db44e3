/* The command sets of the simulated instruments, as tables of headers and handlers: one
 * table per family (commands.c's answer to vendors.md §1), then the IEEE 488.2 common
 * commands, then scopesim's own test commands (":SIMulate:..."), which every model has.
 * Headers match the SCPI way: each node in its short form (the capitals) or long form,
 * any case, leading colon optional. */
#include "instrument.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef void (*sim_handler)(sim_instrument *inst, const char *args, sim_reply *reply);

typedef struct sim_command {
    const char *header; /* e.g. ":DISPlay:DATA?" */
    sim_handler handler;
} sim_command;

/* ---- replies ---- */

static void reply_text(sim_reply *reply, const char *text)
{
    sc_buf_append(&reply->bytes, text, strlen(text), NULL);
    sc_buf_append(&reply->bytes, "\n", 1, NULL);
}

/* A definite block: "#9" + nine digits (Rigol pads to nine) or as few digits as the
 * length needs (R&S, GW Instek, Keysight's "#8"), then the data and a "\n". */
static void reply_block(sim_reply *reply, const char *prefix, const sc_buf *data, int digits)
{
    char header[48];
    char len[24];
    snprintf(len, sizeof len, "%zu", data->len);
    int n = digits > 0 ? digits : (int)strlen(len);
    snprintf(header, sizeof header, "%s#%d%0*zu", prefix, n, n, data->len);
    sc_buf_append(&reply->bytes, header, strlen(header), NULL);
    sc_buf_append(&reply->bytes, data->data, data->len, NULL);
    sc_buf_append(&reply->bytes, "\n", 1, NULL);
    reply->binary = true;
}

/* Bare file bytes with no framing at all (Siglent SCDP, Tek HARDCopy STARt ...). */
static void reply_raw(sim_reply *reply, const sc_buf *data)
{
    sc_buf_append(&reply->bytes, data->data, data->len, NULL);
    reply->binary = true;
}

/* Render a dump; on failure queue -224 like a refused parameter. */
static bool dump(sim_instrument *inst, bool invert, sim_encoding e, sc_buf *file)
{
    sim_dump how = { .colour = true, .invert = invert, .encoding = e };
    sc_buf_init(file, 0);
    if (!sim_render_dump(inst, &how, file)) {
        sc_buf_free(file);
        sim_push_error(inst, -224);
        return false;
    }
    return true;
}

/* The first token of args, without quotes, upper-cased: "png" -> "PNG". */
static void first_word(const char *args, char *out, size_t cap)
{
    size_t n = 0;
    while (*args == ' ' || *args == '"' || *args == '\'')
        args++;
    while (*args && *args != ',' && *args != ' ' && *args != '"' && *args != '\'' && n + 1 < cap)
        out[n++] = (char)toupper((unsigned char)*args++);
    out[n] = '\0';
}

/* The text inside the first pair of quotes ('...' or "..."); false when there is none. */
static bool quoted(const char *args, char *out, size_t cap)
{
    const char *open = strpbrk(args, "'\"");
    if (!open)
        return false;
    const char *close = strchr(open + 1, *open);
    if (!close || (size_t)(close - open - 1) >= cap)
        return false;
    memcpy(out, open + 1, (size_t)(close - open - 1));
    out[close - open - 1] = '\0';
    return true;
}

static bool word_is(const char *word, const char *short_form, const char *long_form)
{
    return strcasecmp(word, short_form) == 0 || strcasecmp(word, long_form) == 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* A setting command "<header> <value>" stores the value; its query answers it. */
#define SETTING(name, key, fallback)                                                        \
    static void cmd_set_##name(sim_instrument *inst, const char *args, sim_reply *reply)    \
    {                                                                                       \
        (void)reply;                                                                        \
        char v[64];                                                                         \
        first_word(args, v, sizeof v);                                                      \
        if (v[0] == '\0') {                                                                 \
            sim_push_error(inst, -109); /* missing parameter */                             \
            return;                                                                         \
        }                                                                                   \
        sim_setting_set(inst, key, v);                                                      \
    }                                                                                       \
    static void cmd_get_##name(sim_instrument *inst, const char *args, sim_reply *reply)    \
    {                                                                                       \
        (void)args;                                                                         \
        char v[96];                                                                         \
        sim_setting_get(inst, key, fallback, v, sizeof v);                                  \
        reply_text(reply, v);                                                               \
    }

/* A boolean setting: ON/1 and OFF/0 are taken, the query answers "1" or "0" as
 * Keysight and R&S instruments do (so the answer can be sent back as it is). */
#define BOOL_SETTING(name, key, fallback)                                                   \
    static void cmd_set_##name(sim_instrument *inst, const char *args, sim_reply *reply)    \
    {                                                                                       \
        (void)reply;                                                                        \
        char v[16];                                                                         \
        first_word(args, v, sizeof v);                                                      \
        bool on;                                                                            \
        if (!parse_bool(v, &on)) {                                                          \
            sim_push_error(inst, v[0] ? -224 : -109);                                       \
            return;                                                                         \
        }                                                                                   \
        sim_setting_set(inst, key, on ? "1" : "0");                                         \
    }                                                                                       \
    static void cmd_get_##name(sim_instrument *inst, const char *args, sim_reply *reply)    \
    {                                                                                       \
        (void)args;                                                                         \
        char v[16];                                                                         \
        sim_setting_get(inst, key, fallback, v, sizeof v);                                  \
        reply_text(reply, v);                                                               \
    }                                                                                       \
    static bool name##_is_on(sim_instrument *inst)                                          \
    {                                                                                       \
        char v[16];                                                                         \
        sim_setting_get(inst, key, fallback, v, sizeof v);                                  \
        return strcmp(v, "1") == 0;                                                         \
    }

static bool parse_bool(const char *word, bool *on)
{
    if (strcasecmp(word, "ON") == 0 || strcmp(word, "1") == 0)
        return *on = true, true;
    if (strcasecmp(word, "OFF") == 0 || strcmp(word, "0") == 0)
        return *on = false, true;
    return false;
}

/* The n-th comma-separated argument (0-based) as its first word, upper-cased; "" when
 * there are fewer. */
static void nth_arg(const char *args, int n, char *out, size_t cap)
{
    for (int i = 0; i < n && args; i++) {
        args = strchr(args, ',');
        if (args)
            args++;
    }
    if (args)
        first_word(args, out, cap);
    else if (cap)
        out[0] = '\0';
}

/* A dump as a definite block ("#<n><len>" + file + "\n"); -224 when it cannot be made. */
static void reply_dump_block(sim_instrument *inst, const sim_dump *how, int digits, sim_reply *reply)
{
    sc_buf file;
    sc_buf_init(&file, 0);
    if (sim_render_dump(inst, how, &file))
        reply_block(reply, "", &file, digits);
    else
        sim_push_error(inst, -224);
    sc_buf_free(&file);
}

/* ---- IEEE 488.2 common commands ---- */

static void cmd_idn(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    char line[256];
    const sim_model *m = inst->model;
    /* MAUI's default COMM_HEADER SHORT puts the query's own header in front */
    snprintf(line, sizeof line, "%s%s,%s,%s,%s", (m->quirks & SIM_QUIRK_IDN_HEADER) ? "*IDN " : "", m->manufacturer,
             m->model, m->serial, m->firmware);
    reply_text(reply, line);
}

static void cmd_opc(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)inst, (void)args;
    reply_text(reply, "1");
}

static void cmd_nothing(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)inst, (void)args, (void)reply;
}

static void cmd_cls(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args, (void)reply;
    pthread_mutex_lock(&inst->lock);
    inst->error_count = 0;
    pthread_mutex_unlock(&inst->lock);
}

static const char *error_text(int code)
{
    switch (code) {
    case -109: return "Missing parameter";
    case -113: return "Undefined header";
    case -224: return "Illegal parameter value";
    case -256: return "File name not found";
    default: return "Unknown error";
    }
}

static void cmd_system_error(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    int code = 0;
    pthread_mutex_lock(&inst->lock);
    if (inst->error_count > 0) {
        code = inst->errors[0];
        memmove(inst->errors, inst->errors + 1, (size_t)(inst->error_count - 1) * sizeof inst->errors[0]);
        inst->error_count--;
    }
    pthread_mutex_unlock(&inst->lock);
    char line[96];
    snprintf(line, sizeof line, "%d,\"%s\"", code, code ? error_text(code) : "No error");
    reply_text(reply, line);
}

static const sim_command ieee_commands[] = {
    { "*IDN?", cmd_idn },           { "*OPC?", cmd_opc },       { "*RST", cmd_nothing },
    { "*CLS", cmd_cls },            { "*WAI", cmd_nothing },    { "*OPC", cmd_nothing },
    { ":SYSTem:ERRor?", cmd_system_error }, { ":SYSTem:ERRor:NEXT?", cmd_system_error },
};

/* ---- Rigol (vendors.md §1.1) ---- */

static void set_running(sim_instrument *inst, bool running)
{
    pthread_mutex_lock(&inst->lock);
    inst->running = running;
    pthread_mutex_unlock(&inst->lock);
}

static void cmd_run(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args, (void)reply;
    set_running(inst, true);
}

static void cmd_stop(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args, (void)reply;
    set_running(inst, false);
}

static void cmd_timebase_scale(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)inst, (void)args;
    reply_text(reply, "5.000000e-04");
}

/* ":DISP:DATA? ON,0,BMP24" -> "#9001152054" + file + "\n", one reply. */
static void cmd_rigol_display_data(sim_instrument *inst, const char *args, sim_reply *reply)
{
    sc_buf file;
    sc_buf_init(&file, 0);
    if (!sim_screenshot(inst, args, &file)) {
        sim_push_error(inst, -224);
        sc_buf_free(&file);
        return;
    }
    reply_block(reply, "", &file, 9);
    sc_buf_free(&file);
}

static const sim_command rigol_commands[] = {
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
    { ":TIMebase:SCALe?", cmd_timebase_scale },
    { ":TIMebase:MAIN:SCALe?", cmd_timebase_scale },
    { ":DISPlay:DATA?", cmd_rigol_display_data },
};

/* ---- Siglent (§1.2) ---- */

/* SCDP: a bare BMP24, no header. */
static void cmd_siglent_scdp(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    sc_buf file;
    if (!dump(inst, false, SIM_ENC_BMP24, &file))
        return;
    reply_raw(reply, &file);
    sc_buf_free(&file);
}

/* ":PRINt? PNG[,NORMal|INVerted]": a bare image and one stray byte after it. */
static void cmd_siglent_print(sim_instrument *inst, const char *args, sim_reply *reply)
{
    char format[16] = "", mode[16] = "";
    first_word(args, format, sizeof format);
    const char *comma = strchr(args, ',');
    if (comma)
        first_word(comma + 1, mode, sizeof mode);
    bool png = strcmp(format, "PNG") == 0, bmp = strcmp(format, "BMP") == 0;
    bool inverted = word_is(mode, "INV", "INVERTED");
    if ((!png && !bmp) || (mode[0] && !inverted && !word_is(mode, "NORM", "NORMAL"))) {
        sim_push_error(inst, -224);
        return;
    }
    sc_buf file;
    if (!dump(inst, inverted, png ? SIM_ENC_PNG : SIM_ENC_BMP24, &file))
        return;
    reply_raw(reply, &file);
    sc_buf_append(&reply->bytes, "\0", 1, NULL); /* the stray byte (0x00 on the fixture seen) */
    sc_buf_free(&file);
}

static const sim_command siglent_scdp_commands[] = {
    { "SCDP", cmd_siglent_scdp },
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
};

static const sim_command siglent_print_commands[] = {
    { ":PRINt?", cmd_siglent_print },
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
};

/* ---- Tektronix (§1.3) ---- */

/* Classic TDS: the settings HARDCopy STARt obeys, and what they start as. */
SETTING(tek_hc_format, "HARDCopy:FORMat", "EPSImage")
SETTING(tek_hc_port, "HARDCopy:PORT", "RS232")
SETTING(tek_hc_compression, "HARDCopy:COMPRession", "ON")
SETTING(tek_hc_layout, "HARDCopy:LAYout", "LANDscape")
SETTING(tek_inksaver, "HARDCopy:INKSaver", "OFF")
SETTING(tek_image_fileformat, "SAVe:IMAGe:FILEFormat", "BMP")
SETTING(tek_image_composition, "SAVe:IMAGe:COMPosition", "NORMAL")

static bool model_is_usb_only(const sim_model *m)
{
    return strcmp(m->protocols, "usbtmc") == 0;
}

/* "HARDCopy STARt". A TDS sends the image to the port it is set to: only USB (TDS2000)
 * or GPIB (TDS3000, even over the LAN) reach us; any other port prints elsewhere, so no
 * reply comes. The DPO/MSO2000-4000 stream the SAVe:IMAGe:FILEFormat image. */
static void cmd_tek_hardcopy(sim_instrument *inst, const char *args, sim_reply *reply)
{
    char word[16];
    first_word(args, word, sizeof word);
    if (!word_is(word, "STAR", "START")) {
        sim_push_error(inst, -224);
        return;
    }
    const sim_model *m = inst->model;
    sim_encoding e;
    bool invert = false;
    if (m->quirks & SIM_QUIRK_PALETTE_BMP) {
        char format[32], port[32];
        sim_setting_get(inst, "HARDCopy:FORMat", "EPSImage", format, sizeof format);
        sim_setting_get(inst, "HARDCopy:PORT", "RS232", port, sizeof port);
        const char *wanted_port = model_is_usb_only(m) ? "USB" : "GPIB";
        if (strcasecmp(port, wanted_port) != 0)
            return; /* went to a printer */
        if (!word_is(format, "BMP", "BMP") && !word_is(format, "BMPC", "BMPCOLOR")) {
            sim_push_error(inst, -224); /* only BMP is simulated */
            return;
        }
        e = SIM_ENC_BMP8;
    } else {
        char format[32], ink[16];
        sim_setting_get(inst, "SAVe:IMAGe:FILEFormat", "BMP", format, sizeof format);
        sim_setting_get(inst, "HARDCopy:INKSaver", "OFF", ink, sizeof ink);
        e = strcasecmp(format, "PNG") == 0 ? SIM_ENC_PNG : SIM_ENC_BMP24;
        invert = strcasecmp(ink, "ON") == 0 || strcmp(ink, "1") == 0;
    }
    sc_buf file;
    if (!dump(inst, invert, e, &file))
        return;
    reply_raw(reply, &file);
    sc_buf_free(&file);
}

static const sim_command tek_hardcopy_commands[] = {
    { "HARDCopy", cmd_tek_hardcopy },
    { "HARDCopy:FORMat", cmd_set_tek_hc_format },           { "HARDCopy:FORMat?", cmd_get_tek_hc_format },
    { "HARDCopy:PORT", cmd_set_tek_hc_port },               { "HARDCopy:PORT?", cmd_get_tek_hc_port },
    { "HARDCopy:COMPRession", cmd_set_tek_hc_compression }, { "HARDCopy:COMPRession?", cmd_get_tek_hc_compression },
    { "HARDCopy:LAYout", cmd_set_tek_hc_layout },           { "HARDCopy:LAYout?", cmd_get_tek_hc_layout },
    { "HARDCopy:INKSaver", cmd_set_tek_inksaver },          { "HARDCopy:INKSaver?", cmd_get_tek_inksaver },
    { "SAVe:IMAGe:FILEFormat", cmd_set_tek_image_fileformat },
    { "SAVe:IMAGe:FILEFormat?", cmd_get_tek_image_fileformat },
};

/* MSO4/5/6: SAVE:IMAGe "C:/x.png" renders into a file on the instrument (format by
 * extension), READFile sends it back bare, DELEte removes it. */
static void cmd_tek_save_image(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)reply;
    char path[160];
    if (!quoted(args, path, sizeof path)) {
        sim_push_error(inst, -109);
        return;
    }
    const char *dot = strrchr(path, '.');
    sim_encoding e;
    if (dot && strcasecmp(dot, ".png") == 0)
        e = SIM_ENC_PNG;
    else if (dot && strcasecmp(dot, ".bmp") == 0)
        e = SIM_ENC_BMP24;
    else {
        sim_push_error(inst, -224);
        return;
    }
    char composition[32];
    sim_setting_get(inst, "SAVe:IMAGe:COMPosition", "NORMAL", composition, sizeof composition);
    sc_buf file;
    if (!dump(inst, word_is(composition, "INVE", "INVERTED"), e, &file))
        return;
    if (!sim_file_put(inst, path, file.data, file.len))
        sim_push_error(inst, -224);
    sc_buf_free(&file);
}

static void cmd_tek_readfile(sim_instrument *inst, const char *args, sim_reply *reply)
{
    char path[160];
    sc_buf file;
    sc_buf_init(&file, 0);
    if (!quoted(args, path, sizeof path) || !sim_file_get(inst, path, &file)) {
        sim_push_error(inst, -256);
        sc_buf_free(&file);
        return;
    }
    reply_raw(reply, &file);
    sc_buf_free(&file);
}

static void cmd_tek_delete(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)reply;
    char path[160];
    if (!quoted(args, path, sizeof path) || !sim_file_delete(inst, path))
        sim_push_error(inst, -256);
}

static const sim_command tek_file_commands[] = {
    { "SAVe:IMAGe", cmd_tek_save_image },
    { "SAVe:IMAGe:COMPosition", cmd_set_tek_image_composition },
    { "SAVe:IMAGe:COMPosition?", cmd_get_tek_image_composition },
    { "FILESystem:READFile", cmd_tek_readfile },
    { "FILESystem:DELEte", cmd_tek_delete },
};

/* DPO/MSO5000, 7000, 70000 (Windows): HARDCopy:DATA? answers with the image as a block,
 * in the HARDCopy:FORMat set (TekAutomate: the fastest of its routes). */
SETTING(tek_data_format, "HARDCopy:FORMat", "BMP")

static void cmd_tek_hardcopy_data(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    char format[32];
    sim_setting_get(inst, "HARDCopy:FORMat", "BMP", format, sizeof format);
    sim_dump how = { .colour = true };
    if (strcasecmp(format, "PNG") == 0)
        how.encoding = SIM_ENC_PNG;
    else if (strcasecmp(format, "BMP") == 0)
        how.encoding = SIM_ENC_BMP24;
    else if (word_is(format, "JPEG", "JPEG") || strcasecmp(format, "JPG") == 0)
        how.encoding = SIM_ENC_JPEG;
    else {
        sim_push_error(inst, -224); /* PCX, TIFF ...: not simulated */
        return;
    }
    reply_dump_block(inst, &how, 0, reply);
}

static const sim_command tek_data_commands[] = {
    { "HARDCopy:FORMat", cmd_set_tek_data_format },
    { "HARDCopy:FORMat?", cmd_get_tek_data_format },
    { "HARDCopy:DATA?", cmd_tek_hardcopy_data },
};

/* ---- Keysight / Agilent (§1.4) ---- */

/* On by default: a white background. The query answers 1 or 0. */
BOOL_SETTING(keysight_inksaver, ":HARDcopy:INKSaver", "1")

static bool keysight_format(const char *format, sim_encoding *e)
{
    if (strcmp(format, "PNG") == 0)
        *e = SIM_ENC_PNG;
    else if (strcmp(format, "BMP") == 0)
        *e = SIM_ENC_BMP24;
    else if (strcmp(format, "BMP8BIT") == 0)
        *e = SIM_ENC_BMP8;
    else
        return false; /* TIFF is documented on the 5000-7000 but not simulated */
    return true;
}

/* COLor or GRAYscale (MONochrome, a 1-bit image, is not simulated). */
static bool keysight_palette(const char *palette, bool *colour)
{
    if (palette[0] == '\0' || word_is(palette, "COL", "COLOR"))
        return *colour = true, true;
    if (word_is(palette, "GRAY", "GRAYSCALE"))
        return *colour = false, true;
    return false;
}

/* 2000X-4000X ":DISPlay:DATA? [<format>][,<palette>]": "#8" block + "\n". */
static void cmd_keysight_display_data(sim_instrument *inst, const char *args, sim_reply *reply)
{
    char format[16], palette[16];
    nth_arg(args, 0, format, sizeof format);
    nth_arg(args, 1, palette, sizeof palette);
    sim_dump how = { .invert = keysight_inksaver_is_on(inst), .encoding = SIM_ENC_PNG };
    if ((format[0] && !keysight_format(format, &how.encoding)) || !keysight_palette(palette, &how.colour)) {
        sim_push_error(inst, -224);
        return;
    }
    reply_dump_block(inst, &how, 8, reply);
}

/* 5000/6000/7000 ":DISPlay:DATA? [<format>][,<area>][,<palette>]" (5000-series reference
 * p.164): the area comes between; only the whole SCReen is simulated. */
static void cmd_keysight6000_display_data(sim_instrument *inst, const char *args, sim_reply *reply)
{
    char format[16], area[16], palette[16];
    nth_arg(args, 0, format, sizeof format);
    nth_arg(args, 1, area, sizeof area);
    nth_arg(args, 2, palette, sizeof palette);
    sim_dump how = { .invert = keysight_inksaver_is_on(inst), .encoding = SIM_ENC_PNG };
    if ((format[0] && !keysight_format(format, &how.encoding)) || (area[0] && !word_is(area, "SCR", "SCREEN")) ||
        !keysight_palette(palette, &how.colour)) {
        sim_push_error(inst, -224);
        return;
    }
    reply_dump_block(inst, &how, 8, reply);
}

static const sim_command keysight_commands[] = {
    { ":HARDcopy:INKSaver", cmd_set_keysight_inksaver },
    { ":HARDcopy:INKSaver?", cmd_get_keysight_inksaver },
    { ":DISPlay:DATA?", cmd_keysight_display_data },
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
};

static const sim_command keysight6000_commands[] = {
    { ":HARDcopy:INKSaver", cmd_set_keysight_inksaver },
    { ":HARDcopy:INKSaver?", cmd_get_keysight_inksaver },
    { ":DISPlay:DATA?", cmd_keysight6000_display_data },
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
};

/* Infiniium ":DISPlay:DATA? [<type>[,<screen_mode>[,<compression>[,<inversion>]]]]"
 * (python-ivi agilentBaseInfiniium): the inversion is its background switch; it has no
 * ink saver command. */
static void cmd_infiniium_display_data(sim_instrument *inst, const char *args, sim_reply *reply)
{
    char type[16], mode[16], compression[16], inversion[16];
    nth_arg(args, 0, type, sizeof type);
    nth_arg(args, 1, mode, sizeof mode);
    nth_arg(args, 2, compression, sizeof compression);
    nth_arg(args, 3, inversion, sizeof inversion);
    sim_dump how = { .colour = true, .encoding = SIM_ENC_PNG };
    bool ok = true, unused;
    if (strcmp(type, "BMP") == 0)
        how.encoding = SIM_ENC_BMP24;
    else if (strcmp(type, "JPG") == 0)
        how.encoding = SIM_ENC_JPEG;
    else if (type[0] && strcmp(type, "PNG") != 0)
        ok = false; /* GIF, TIF: not simulated */
    if (mode[0] && !word_is(mode, "SCR", "SCREEN"))
        ok = false; /* GRATicule: not simulated */
    if (compression[0] && !parse_bool(compression, &unused))
        ok = false;
    if (word_is(inversion, "INV", "INVERT"))
        how.invert = true;
    else if (inversion[0] && !word_is(inversion, "NORM", "NORMAL"))
        ok = false;
    if (!ok) {
        sim_push_error(inst, -224);
        return;
    }
    reply_dump_block(inst, &how, 0, reply);
}

static const sim_command infiniium_commands[] = {
    { ":DISPlay:DATA?", cmd_infiniium_display_data },
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
};

/* ---- Teledyne LeCroy (§1.5) ---- */

/* HCSU DEV,PNG,BCKG,BLACK,DEST,REMOTE,...: key/value pairs, each remembered. */
static void cmd_lecroy_hcsu(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)reply;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", args);
    char *save = NULL;
    for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        char *value = strtok_r(NULL, ",", &save);
        if (!value) {
            sim_push_error(inst, -109);
            return;
        }
        char k[32], v[128], setting[48];
        first_word(key, k, sizeof k);
        if (!quoted(value, v, sizeof v))
            first_word(value, v, sizeof v);
        snprintf(setting, sizeof setting, "HCSU:%s", k);
        sim_setting_set(inst, setting, v);
    }
}

static void lecroy_file_name(sim_instrument *inst, const char *ext, char *out, size_t cap)
{
    char dir[96], name[64];
    sim_setting_get(inst, "HCSU:DIR", "D:\\HardCopy\\", dir, sizeof dir);
    sim_setting_get(inst, "HCSU:FILE", "HardCopy", name, sizeof name);
    /* the instrument numbers its files: the first free number wins */
    for (int n = 0; n < 100000; n++) {
        size_t dl = strlen(dir);
        const char *sep = dl > 0 && dir[dl - 1] != '\\' && dir[dl - 1] != '/' ? "\\" : "";
        snprintf(out, cap, "%s%s%s--%05d.%s", dir, sep, name, n, ext);
        sc_buf probe;
        sc_buf_init(&probe, 0);
        bool taken = sim_file_get(inst, out, &probe);
        sc_buf_free(&probe);
        if (!taken)
            return;
    }
}

/* SCDP: DEST,REMOTE sends the bare file over the link (VICP; over VXI-11 only a 52-byte
 * stub comes back); DEST,FILE writes it to the instrument's disk. */
static void cmd_lecroy_scdp(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    char dev[16], bckg[16], dest[16];
    sim_setting_get(inst, "HCSU:DEV", "PNG", dev, sizeof dev);
    sim_setting_get(inst, "HCSU:BCKG", "BLACK", bckg, sizeof bckg);
    sim_setting_get(inst, "HCSU:DEST", "REMOTE", dest, sizeof dest);
    bool png = strcasecmp(dev, "PNG") == 0;
    if (!png && strcasecmp(dev, "BMP") != 0) {
        sim_push_error(inst, -224);
        return;
    }
    bool remote = strcasecmp(dest, "REMOTE") == 0;
    if (remote && (inst->model->quirks & SIM_QUIRK_VXI11_STUB) && strcmp(sim_thread_protocol(), "vxi11") == 0) {
        /* 52 bytes with the terminator, as the EmrSolaHD README describes */
        reply_text(reply, "SCDP HARDCOPY NOT AVAILABLE ON THIS INTERFACE (LXI)");
        return;
    }
    sc_buf file;
    if (!dump(inst, strcasecmp(bckg, "WHITE") == 0, png ? SIM_ENC_PNG : SIM_ENC_BMP24, &file))
        return;
    sim_setting_set(inst, "INR", "2"); /* hardcopy done */
    if (remote) {
        reply_raw(reply, &file);
    } else {
        char path[200];
        lecroy_file_name(inst, png ? "png" : "bmp", path, sizeof path);
        if (!sim_file_put(inst, path, file.data, file.len))
            sim_push_error(inst, -224);
    }
    sc_buf_free(&file);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* TRFL? DISK,HDD,FILE,'path' -> "TRFL #9<len>" + file + 8 hex digits of CRC-32 (the
 * length counts them) + "\r\n". */
static void cmd_lecroy_trfl(sim_instrument *inst, const char *args, sim_reply *reply)
{
    char path[200];
    sc_buf file;
    sc_buf_init(&file, 0);
    if (!quoted(args, path, sizeof path) || !sim_file_get(inst, path, &file)) {
        sim_push_error(inst, -256);
        sc_buf_free(&file);
        return;
    }
    char crc[16];
    snprintf(crc, sizeof crc, "%08X", (unsigned)crc32_of(file.data, file.len));
    char header[32];
    snprintf(header, sizeof header, "TRFL #9%09zu", file.len + 8);
    sc_buf_append(&reply->bytes, header, strlen(header), NULL);
    sc_buf_append(&reply->bytes, file.data, file.len, NULL);
    sc_buf_append(&reply->bytes, crc, 8, NULL);
    sc_buf_append(&reply->bytes, "\r\n", 2, NULL);
    reply->binary = true;
    sc_buf_free(&file);
}

static void cmd_lecroy_delf(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)reply;
    char path[200];
    if (quoted(args, path, sizeof path))
        sim_file_delete(inst, path); /* deleting a missing file is not an error on MAUI */
    else
        sim_push_error(inst, -109);
}

/* INR?: the internal state change register, read and cleared; bit 1 (value 2) says a
 * screen dump has finished. Answered with its header, as MAUI does by default (CHDR SHORT). */
static void cmd_lecroy_inr(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    char v[16];
    sim_setting_get(inst, "INR", "0", v, sizeof v);
    sim_setting_set(inst, "INR", "0");
    char line[32];
    snprintf(line, sizeof line, "INR %s", v);
    reply_text(reply, line);
}

static const sim_command lecroy_commands[] = {
    { "INR?", cmd_lecroy_inr },       { "INE", cmd_nothing },
    { "HCSU", cmd_lecroy_hcsu },      { "HARDCOPY_SETUP", cmd_lecroy_hcsu },
    { "SCDP", cmd_lecroy_scdp },      { "SCREEN_DUMP", cmd_lecroy_scdp },
    { "TRFL?", cmd_lecroy_trfl },     { "TRANSFER_FILE?", cmd_lecroy_trfl },
    { "DELF", cmd_lecroy_delf },      { "DELETE_FILE", cmd_lecroy_delf },
    { "CHDR", cmd_nothing },          { "COMM_HEADER", cmd_nothing },
};

/* ---- Rohde & Schwarz / Hameg (§1.6) ---- */

SETTING(rs_format, "HCOPy:FORMat", "BMP")

static void cmd_rs_hcopy_data(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    char format[16];
    sim_setting_get(inst, "HCOPy:FORMat", "BMP", format, sizeof format);
    sc_buf file;
    if (!dump(inst, false, strcasecmp(format, "PNG") == 0 ? SIM_ENC_PNG : SIM_ENC_BMP24, &file))
        return;
    reply_block(reply, "", &file, 0);
    sc_buf_free(&file);
}

static const sim_command rs_commands[] = {
    { "HCOPy:FORMat", cmd_set_rs_format },
    { "HCOPy:FORMat?", cmd_get_rs_format },
    { "HCOPy:DATA?", cmd_rs_hcopy_data },
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
};

/* MXO 4: the format is HCOPy:DEVice:LANGuage (PNG or JPG), HCOPy:DEVice:WBKG turns the
 * background white, and in remote the display is a static image unless
 * SYSTem:DISPlay:UPDate is on; the screen dump shows whatever the display does. */
SETTING(mxo_language, "HCOPy:DEVice:LANGuage", "PNG")
BOOL_SETTING(mxo_wbkg, "HCOPy:DEVice:WBKG", "0")
BOOL_SETTING(mxo_display_update, "SYSTem:DISPlay:UPDate", "0")

static void cmd_mxo_hcopy_data(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    char language[16];
    sim_setting_get(inst, "HCOPy:DEVice:LANGuage", "PNG", language, sizeof language);
    sim_dump how = { .colour = true, .invert = mxo_wbkg_is_on(inst) };
    if (strcasecmp(language, "PNG") == 0)
        how.encoding = SIM_ENC_PNG;
    else if (strcasecmp(language, "JPG") == 0)
        how.encoding = SIM_ENC_JPEG;
    else {
        sim_push_error(inst, -224);
        return;
    }
    how.remote_static = (inst->model->quirks & SIM_QUIRK_DISPLAY_UPDATE) && !mxo_display_update_is_on(inst);
    if (how.remote_static)
        how.invert = false; /* the static image is not the GUI: no white background either */
    reply_dump_block(inst, &how, 0, reply);
}

static const sim_command rs_mxo_commands[] = {
    { "HCOPy:DEVice:LANGuage", cmd_set_mxo_language },
    { "HCOPy:DEVice:LANGuage?", cmd_get_mxo_language },
    { "HCOPy:DEVice:WBKG", cmd_set_mxo_wbkg },
    { "HCOPy:DEVice:WBKG?", cmd_get_mxo_wbkg },
    { "SYSTem:DISPlay:UPDate", cmd_set_mxo_display_update },
    { "SYSTem:DISPlay:UPDate?", cmd_get_mxo_display_update },
    { "HCOPy:DATA?", cmd_mxo_hcopy_data },
    { "RUN", cmd_run },
    { "STOP", cmd_stop },
};

/* ---- GW Instek (§1.7) ---- */

static void cmd_gw_output(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    sc_buf file;
    if (!dump(inst, false, SIM_ENC_RLE565, &file))
        return;
    reply_block(reply, "", &file, 0);
    sc_buf_free(&file);
}

static void cmd_gw_png_output(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    if (!(inst->model->quirks & SIM_QUIRK_PNG_OUTPUT)) {
        sim_push_error(inst, -113);
        return;
    }
    sc_buf file;
    if (!dump(inst, false, SIM_ENC_PNG, &file))
        return;
    reply_block(reply, "", &file, 0);
    sc_buf_free(&file);
}

static const sim_command gwinstek_commands[] = {
    { ":DISPlay:OUTPut?", cmd_gw_output },
    { ":DISPlay:PNGOutput?", cmd_gw_png_output },
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
};

/* ---- Owon (§1.8) ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* ":DATA:WAVE:SCREen:BMP?": LE u32 length of the BMP, then the BMP. */
static void cmd_owon_screen_bmp(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    sc_buf file;
    if (!dump(inst, false, SIM_ENC_BMP24, &file))
        return;
    uint8_t prefix[4];
    put_le32(prefix, (uint32_t)file.len);
    sc_buf_append(&reply->bytes, prefix, sizeof prefix, NULL);
    reply_raw(reply, &file);
    sc_buf_free(&file);
}

/* "STARTBMP": a 12-byte envelope (LE u32 length of the BMP, then two u32 words whose
 * meaning is not known: 1 and 0 here), then the BMP. */
static void cmd_owon_startbmp(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    sc_buf file;
    if (!dump(inst, false, SIM_ENC_BMP24, &file))
        return;
    uint8_t envelope[12] = { 0 };
    put_le32(envelope, (uint32_t)file.len);
    put_le32(envelope + 4, 1);
    sc_buf_append(&reply->bytes, envelope, sizeof envelope, NULL);
    reply_raw(reply, &file);
    sc_buf_free(&file);
}

static const sim_command owon_commands[] = {
    { ":DATA:WAVE:SCREen:BMP?", cmd_owon_screen_bmp },
    { ":RUNning", cmd_run },
};

static const sim_command owon_legacy_commands[] = {
    { "STARTBMP", cmd_owon_startbmp },
};

/* ---- ACME: a maker no driver row knows; it has only the SCPI-1999 screen dump ---- */

static void cmd_acme_sdump(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    sc_buf file;
    if (!dump(inst, false, SIM_ENC_BMP24, &file))
        return;
    reply_block(reply, "", &file, 0);
    sc_buf_free(&file);
}

static const sim_command acme_commands[] = {
    { "HCOPy:SDUMp:DATA?", cmd_acme_sdump },
};

/* ---- test-only commands of the simulator (":SIMulate:..."), on every model ---- */

#define SIM_MAX_TEST_BLOCK ((size_t)64 << 20)

/* ":SIM:BLOCK? N": a definite block of N deterministic bytes (every value 0..255 occurs,
 * including '\n' and '#'), for transfer tests and benchmarks. */
static void cmd_sim_block(sim_instrument *inst, const char *args, sim_reply *reply)
{
    char *end;
    unsigned long long n = strtoull(args, &end, 10);
    if (end == args || n > SIM_MAX_TEST_BLOCK) {
        sim_push_error(inst, -224);
        return;
    }
    char header[24];
    int digits = snprintf(header + 2, sizeof header - 2, "%llu", n);
    header[0] = '#';
    header[1] = (char)('0' + digits);
    if (sc_buf_reserve(&reply->bytes, (size_t)digits + 3 + n, NULL) != SC_OK) {
        sim_push_error(inst, -224);
        return;
    }
    sc_buf_append(&reply->bytes, header, (size_t)digits + 2, NULL);
    uint8_t *p = reply->bytes.data + reply->bytes.len;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + (i >> 8));
    reply->bytes.len += n;
    sc_buf_append(&reply->bytes, "\n", 1, NULL);
    reply->binary = true;
}

/* ":SIM:WRITE <data>" records how many bytes of data came; ":SIM:WRITE?" tells. */
static void cmd_sim_write(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)reply;
    pthread_mutex_lock(&inst->lock);
    inst->last_write_len = strlen(args);
    pthread_mutex_unlock(&inst->lock);
}

static void cmd_sim_write_query(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    pthread_mutex_lock(&inst->lock);
    size_t n = inst->last_write_len;
    pthread_mutex_unlock(&inst->lock);
    char line[32];
    snprintf(line, sizeof line, "%zu", n);
    reply_text(reply, line);
}

/* ":SIM:FRAME?": the pixels of the last screen dump exactly as encoded (after grey,
 * inversion, palette or RGB565 reduction), as "#9" + 24-bit BMP + "\n": what a decoded
 * screenshot must equal. */
static void cmd_sim_frame(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    sc_buf bmp;
    sc_buf_init(&bmp, 0);
    if (sim_frame_bmp(inst, &bmp))
        reply_block(reply, "", &bmp, 9);
    else
        sim_push_error(inst, -224);
    sc_buf_free(&bmp);
}

/* ":SIM:FILES?": how many files the instrument's disk holds (a file route must delete). */
static void cmd_sim_files(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    char line[16];
    snprintf(line, sizeof line, "%d", sim_file_count(inst));
    reply_text(reply, line);
}

/* ":SIM:MODel?": "rigol-ds1054z 800x480 BMP raw,vxi11": name, native size and format,
 * and the protocols the real instrument offers, so tests can loop over them. */
static void cmd_sim_model(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    const sim_model *m = inst->model;
    char line[256];
    snprintf(line, sizeof line, "%s %dx%d %s %s", m->name, m->width, m->height,
             m->native_format == SC_IMAGE_PNG ? "PNG" : "BMP", m->protocols);
    reply_text(reply, line);
}

static const sim_command test_commands[] = {
    { ":SIMulate:MODel?", cmd_sim_model },
    { ":SIMulate:BLOCK?", cmd_sim_block },
    { ":SIMulate:WRITE", cmd_sim_write },
    { ":SIMulate:WRITE?", cmd_sim_write_query },
    { ":SIMulate:FRAME?", cmd_sim_frame },
    { ":SIMulate:FILES?", cmd_sim_files },
};

/* ---- dispatch ---- */

typedef struct command_table {
    const sim_command *rows;
    size_t count;
} command_table;

#define TABLE(t) { t, sizeof t / sizeof t[0] }

static command_table family_table(sim_family f)
{
    switch (f) {
    case SIM_FAMILY_RIGOL: return (command_table)TABLE(rigol_commands);
    case SIM_FAMILY_SIGLENT_SCDP: return (command_table)TABLE(siglent_scdp_commands);
    case SIM_FAMILY_SIGLENT_PRINT: return (command_table)TABLE(siglent_print_commands);
    case SIM_FAMILY_TEK_HARDCOPY: return (command_table)TABLE(tek_hardcopy_commands);
    case SIM_FAMILY_TEK_FILE: return (command_table)TABLE(tek_file_commands);
    case SIM_FAMILY_TEK_DATA: return (command_table)TABLE(tek_data_commands);
    case SIM_FAMILY_KEYSIGHT: return (command_table)TABLE(keysight_commands);
    case SIM_FAMILY_KEYSIGHT_6000: return (command_table)TABLE(keysight6000_commands);
    case SIM_FAMILY_INFINIIUM: return (command_table)TABLE(infiniium_commands);
    case SIM_FAMILY_LECROY: return (command_table)TABLE(lecroy_commands);
    case SIM_FAMILY_RS: return (command_table)TABLE(rs_commands);
    case SIM_FAMILY_RS_MXO: return (command_table)TABLE(rs_mxo_commands);
    case SIM_FAMILY_GWINSTEK: return (command_table)TABLE(gwinstek_commands);
    case SIM_FAMILY_OWON: return (command_table)TABLE(owon_commands);
    case SIM_FAMILY_OWON_LEGACY: return (command_table)TABLE(owon_legacy_commands);
    case SIM_FAMILY_ACME: return (command_table)TABLE(acme_commands);
    }
    return (command_table){ NULL, 0 };
}

/* Does one input node (len bytes) name the pattern node (short form = its capitals)? */
static bool node_matches(const char *pat, size_t plen, const char *in, size_t ilen)
{
    /* query-ness is compared by the caller; here only the names count */
    if (plen > 0 && pat[plen - 1] == '?')
        plen--;
    if (ilen > 0 && in[ilen - 1] == '?')
        ilen--;
    size_t short_len = 0;
    while (short_len < plen && (isupper((unsigned char)pat[short_len]) || pat[short_len] == '*' ||
                                pat[short_len] == '_'))
        short_len++;
    if (ilen == plen && strncasecmp(pat, in, plen) == 0)
        return true;
    return ilen == short_len && strncasecmp(pat, in, short_len) == 0;
}

static bool header_matches(const char *pattern, const char *header, size_t hlen)
{
    if (*pattern == ':')
        pattern++;
    if (hlen > 0 && *header == ':')
        header++, hlen--;
    for (;;) {
        size_t plen = strcspn(pattern, ":");
        size_t ilen = 0;
        while (ilen < hlen && header[ilen] != ':')
            ilen++;
        if (!node_matches(pattern, plen, header, ilen))
            return false;
        pattern += plen;
        header += ilen;
        hlen -= ilen;
        if (*pattern == '\0' || hlen == 0)
            return *pattern == '\0' && hlen == 0;
        pattern++, header++, hlen--;
    }
}

static const sim_command *find_in(command_table t, const char *message, size_t hlen)
{
    bool in_query = message[hlen - 1] == '?';
    for (size_t i = 0; i < t.count; i++) {
        const char *pat = t.rows[i].header;
        bool pat_query = pat[strlen(pat) - 1] == '?';
        if (pat_query == in_query && header_matches(pat, message, hlen))
            return &t.rows[i];
    }
    return NULL;
}

/* The model's own commands first, then the common ones (not on a non-SCPI instrument),
 * then the simulator's test commands. */
static const sim_command *find_command(const sim_model *m, const char *message, size_t hlen)
{
    const sim_command *c = find_in(family_table(m->family), message, hlen);
    if (!c && m->family != SIM_FAMILY_OWON_LEGACY)
        c = find_in((command_table)TABLE(ieee_commands), message, hlen);
    if (!c)
        c = find_in((command_table)TABLE(test_commands), message, hlen);
    return c;
}

/* A LeCroy set to one remote interface (pyvisa #777, python-ivi #77): over another one,
 * *IDN? still answers, every other query and the screen dump answer a WARNING line
 * (52 bytes with its newline: the "stub" seen over VXI-11), other commands do nothing.
 * The simulator's own test commands always pass. */
static bool remote_interface_admits(sim_instrument *inst, const char *message, size_t hlen, sim_reply *reply)
{
    const char *current = NULL;
    if (sim_remote_interface_allows(inst, &current))
        return true;
    if (header_matches("*IDN?", message, hlen) || find_in((command_table)TABLE(test_commands), message, hlen))
        return true;
    bool answers = message[hlen - 1] == '?' || header_matches("SCDP", message, hlen) ||
                   header_matches("SCREEN_DUMP", message, hlen);
    if (answers) {
        char line[96];
        snprintf(line, sizeof line, "WARNING : CURRENT REMOTE CONTROL INTERFACE IS %s", current ? current : "TCPIP");
        reply_text(reply, line);
    }
    return false;
}

void sim_execute(sim_instrument *inst, const char *message, sim_reply *reply)
{
    bool first = sim_thread_first_command();
    while (*message == ' ' || *message == '\t')
        message++;
    size_t hlen = strcspn(message, " \t");
    const char *args = message + hlen;
    while (*args == ' ' || *args == '\t')
        args++;
    if (hlen == 0)
        return;
    if (first && (inst->model->quirks & SIM_QUIRK_SLOW_FIRST_QUERY) && inst->model->first_query_ms > 0)
        sleep_ms(inst->model->first_query_ms); /* Keysight DSO-X 2000 after a new connection */
    if ((inst->model->quirks & SIM_QUIRK_REMOTE_INTERFACE) && !remote_interface_admits(inst, message, hlen, reply))
        return;
    const sim_command *c = find_command(inst->model, message, hlen);
    if (c)
        c->handler(inst, args, reply);
    else
        sim_push_error(inst, -113);
}

void sim_execute_message(sim_instrument *inst, const uint8_t *data, size_t len, sim_reply *reply)
{
    size_t start = 0;
    while (start < len) {
        size_t end = start;
        while (end < len && data[end] != '\n')
            end++;
        size_t n = end - start;
        if (n > 0 && data[start + n - 1] == '\r')
            n--;
        if (n > 0) {
            char *line = malloc(n + 1);
            if (!line)
                return;
            memcpy(line, data + start, n);
            line[n] = '\0';
            if (strlen(line) == n) /* an embedded NUL is not SCPI */
                sim_execute(inst, line, reply);
            else
                sim_push_error(inst, -113);
            free(line);
        }
        start = end + 1;
    }
}
