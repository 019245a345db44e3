/* The SCPI command set of the simulated instruments, as a table of headers and handlers.
 * Headers match the SCPI way: each node in its short form (the capitals) or long form,
 * any case, leading colon optional. */
#include "instrument.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sim_handler)(sim_instrument *inst, const char *args, sim_reply *reply);

typedef struct sim_command {
    const char *header; /* e.g. ":DISPlay:DATA?" */
    sim_handler handler;
} sim_command;

static void reply_text(sim_reply *reply, const char *text)
{
    sc_buf_append(&reply->bytes, text, strlen(text), NULL);
    sc_buf_append(&reply->bytes, "\n", 1, NULL);
}

static void cmd_idn(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)args;
    char line[256];
    const sim_model *m = inst->model;
    snprintf(line, sizeof line, "%s,%s,%s,%s", m->manufacturer, m->model, m->serial, m->firmware);
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

static const char *error_text(int code)
{
    switch (code) {
    case -113: return "Undefined header";
    case -224: return "Illegal parameter value";
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

static void cmd_timebase_scale(sim_instrument *inst, const char *args, sim_reply *reply)
{
    (void)inst, (void)args;
    reply_text(reply, "5.000000e-04");
}

/* ":DISP:DATA? ON,0,BMP24" -> "#9001152054" + file + "\n", one reply (vendors.md §1.1). */
static void cmd_display_data(sim_instrument *inst, const char *args, sim_reply *reply)
{
    sc_buf file;
    sc_buf_init(&file, 0);
    if (!sim_screenshot(inst, args, &file)) {
        sim_push_error(inst, -224);
        sc_buf_free(&file);
        return;
    }
    char header[16];
    snprintf(header, sizeof header, "#9%09zu", file.len);
    sc_buf_append(&reply->bytes, header, strlen(header), NULL);
    sc_buf_append(&reply->bytes, file.data, file.len, NULL);
    sc_buf_append(&reply->bytes, "\n", 1, NULL);
    reply->binary = true;
    sc_buf_free(&file);
}

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

static const sim_command rigol_commands[] = {
    { ":SIMulate:BLOCK?", cmd_sim_block },
    { ":SIMulate:WRITE", cmd_sim_write },
    { ":SIMulate:WRITE?", cmd_sim_write_query },
    { "*IDN?", cmd_idn },
    { "*OPC?", cmd_opc },
    { "*RST", cmd_nothing },
    { "*CLS", cmd_cls },
    { "*WAI", cmd_nothing },
    { ":RUN", cmd_run },
    { ":STOP", cmd_stop },
    { ":SYSTem:ERRor?", cmd_system_error },
    { ":SYSTem:ERRor:NEXT?", cmd_system_error },
    { ":TIMebase:SCALe?", cmd_timebase_scale },
    { ":TIMebase:MAIN:SCALe?", cmd_timebase_scale },
    { ":DISPlay:DATA?", cmd_display_data },
};

/* Does one input node (len bytes) name the pattern node (short form = its capitals)? */
static bool node_matches(const char *pat, size_t plen, const char *in, size_t ilen)
{
    /* query-ness is compared by the caller; here only the names count */
    if (plen > 0 && pat[plen - 1] == '?')
        plen--;
    if (ilen > 0 && in[ilen - 1] == '?')
        ilen--;
    size_t short_len = 0;
    while (short_len < plen && (isupper((unsigned char)pat[short_len]) || pat[short_len] == '*'))
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

void sim_execute(sim_instrument *inst, const char *message, sim_reply *reply)
{
    while (*message == ' ' || *message == '\t')
        message++;
    size_t hlen = strcspn(message, " \t");
    const char *args = message + hlen;
    while (*args == ' ' || *args == '\t')
        args++;
    if (hlen == 0)
        return;
    for (size_t i = 0; i < sizeof rigol_commands / sizeof rigol_commands[0]; i++) {
        const char *pat = rigol_commands[i].header;
        bool pat_query = pat[strlen(pat) - 1] == '?';
        bool in_query = message[hlen - 1] == '?';
        if (pat_query != in_query)
            continue;
        if (header_matches(pat, message, hlen)) {
            rigol_commands[i].handler(inst, args, reply);
            return;
        }
    }
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
