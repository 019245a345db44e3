/* scopesim --fault: parsing, and the helper every protocol server applies faults through.
 *
 * What each fault does, per transport. "Block reply" means a reply carrying a block or a
 * file (a screen dump, :SIM:BLOCK?); the framing faults leave text replies alone so that a
 * capture gets past *IDN? and meets the fault in the bulk transfer. VXI-11 faults act on
 * the core channel only (the portmapper and abort channel behave); HiSLIP faults act on the
 * synchronous channel's Data/DataEnd messages only (handshakes and the asynchronous
 * channel behave).
 *
 * fault              raw SCPI                VICP                    VXI-11                  HiSLIP
 * -----------------  ----------------------  ----------------------  ----------------------  ----------------------
 * close-mid-transfer half a block reply,     the block holding the   half of the framed      half a block reply,
 *                    then close              middle is cut short,    device_read reply,      inside a Data message
 *                                            then close              then close              then close
 * stall              queries never answered  same                    device_read held until  same
 *                                                                    io_timeout (error 15)
 * trickle            every byte alone,       every byte (headers     every byte of every     every byte of Data /
 *                    100 ms apart            too), 100 ms apart      RPC reply, 100 ms apart DataEnd, 100 ms apart
 * garbage-header     the block's length      the first block header  the RPC reply header    the first Data header
 *                    digits are garbage      is 8 garbage bytes      after the xid is        is 16 garbage bytes
 *                                                                    garbage
 * huge-length        "#9999999999" (the      first block header      device_read's data      first Data header
 *                    most #9 can claim)      length 0xFFFFFFFF       length 0xFFFFFFFF       length 2^32
 * short-block        block declares N, carries N-1000 bytes (content: the same on every transport; the
 *                    transport frames what it carries correctly, with its end marker)
 * long-block         block declares N, carries N+1000 bytes (content, as short-block)
 * early-end          "\n" after half the     EOI on the block with   END on the device_read  DataEnd after half the
 *                    block, then silence     half the reply; the     reply with half; the    reply; the rest never
 *                    (raw has no END)        rest never comes        rest never comes        comes
 * duplicate-frames   the block reply is      every DATA block sent   every device_read       every Data/DataEnd
 *                    sent twice              twice (same seq)        reply record sent twice sent twice (same ID)
 * wrong-message-type the block reply is      the blocks lack the     the reply record is an  the reply comes as
 *                    replaced by text "1"    DATA bit (SRQ notices)  RPC CALL, not a REPLY   InitializeResponse
 * reset-after=N      after N bytes of replies on the connection (VXI-11: core channel records; HiSLIP: Data
 *                    messages, headers included), the connection is closed with SO_LINGER 0: an RST
 * stale-reply        the first query gets its own reply; every later one gets the reply to the query
 *                    before it (content: the same on every transport)
 * hostile-idn        *IDN? answers with ESC/OSC/CSI sequences, BEL, CR, '/' and ".." in model, serial and
 *                    firmware; the manufacturer stays and the model still matches its driver row, so a
 *                    capture goes on to name a file after them (content: the same on every transport)
 * slow-first-reply   the first reply on each connection (VXI-11: the first device_read that carries data;
 *                    HiSLIP: the first Data message) waits 1.5 s
 *
 * Two more places take the same list: the LXI web server (server_http.c: stall, trickle,
 * close-mid-transfer, garbage-header, huge-length, hostile-idn, reset-after, slow-first-reply
 * on every HTTP response) and the fake USB-TMC device of the tests (tests/fake_usb/
 * fake_device.c: every fault, mapped onto Bulk-IN transfers).
 */
#include "faults.h"
#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

/* How long a reset waits for the bytes already sent to leave before the RST drops them. */
#define RESET_DRAIN_MS 1000

typedef struct fault_name {
    const char *name;
    size_t offset; /* of its bool in sim_faults */
} fault_name;

#define FAULT(n, field) { n, offsetof(sim_faults, field) }
static const fault_name fault_names[] = {
    FAULT("close-mid-transfer", close_mid_transfer),
    FAULT("stall", stall),
    FAULT("trickle", trickle),
    FAULT("garbage-header", garbage_header),
    FAULT("huge-length", huge_length),
    FAULT("short-block", short_block),
    FAULT("long-block", long_block),
    FAULT("early-end", early_end),
    FAULT("duplicate-frames", duplicate_frames),
    FAULT("wrong-message-type", wrong_message_type),
    FAULT("stale-reply", stale_reply),
    FAULT("hostile-idn", hostile_idn),
    FAULT("slow-first-reply", slow_first_reply),
};

const char *sim_faults_names(void)
{
    return "close-mid-transfer, stall, trickle, garbage-header, huge-length, short-block, long-block, "
           "early-end, duplicate-frames, wrong-message-type, reset-after=N, stale-reply, hostile-idn, "
           "slow-first-reply";
}

static int parse_reset_after(const char *value, sim_faults *f, char *why, size_t cap)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(value, &end, 10);
    if (errno || end == value || *end || value[0] == '-') {
        snprintf(why, cap, "reset-after takes a byte count, e.g. reset-after=100000 (got \"%s\")", value);
        return -1;
    }
    f->reset = true;
    f->reset_after = n;
    return 0;
}

int sim_faults_parse(const char *list, sim_faults *f, char *why, size_t cap)
{
    char copy[512];
    if (snprintf(copy, sizeof copy, "%s", list) >= (int)sizeof copy) {
        snprintf(why, cap, "the fault list is too long");
        return -1;
    }
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strncmp(tok, "reset-after=", 12) == 0) {
            if (parse_reset_after(tok + 12, f, why, cap) != 0)
                return -1;
            continue;
        }
        size_t i = 0;
        while (i < sizeof fault_names / sizeof fault_names[0] && strcmp(fault_names[i].name, tok) != 0)
            i++;
        if (i == sizeof fault_names / sizeof fault_names[0]) {
            snprintf(why, cap, "unknown fault \"%s\" (known: %s)", tok, sim_faults_names());
            return -1;
        }
        *(bool *)((char *)f + fault_names[i].offset) = true;
    }
    return 0;
}

/* ---- one connection ---- */

static const sim_faults no_faults;

void sim_fault_conn_init(sim_fault_conn *c, const sim_faults *f, int fd)
{
    memset(c, 0, sizeof *c);
    c->f = f ? f : &no_faults;
    c->fd = fd;
    sc_buf_init(&c->previous, 0);
}

void sim_fault_conn_free(sim_fault_conn *c)
{
    sc_buf_free(&c->previous);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- content faults ---- */

static bool is_idn_query(const uint8_t *msg, size_t len)
{
    while (len > 0 && isspace(msg[len - 1]))
        len--;
    while (len > 0 && isspace(*msg))
        msg++, len--;
    return len == 5 && strncasecmp((const char *)msg, "*IDN?", 5) == 0;
}

/* Model, serial and firmware hostile; the manufacturer stays exact and "DS1*Z" still
 * matches "DS1<ESC>[2J/../..054Z" once sanitised, so the capture goes on to the driver row
 * and names a file from these fields. */
static void hostile_idn(const sim_model *m, sim_reply *reply)
{
    char line[512];
    int head = strlen(m->model) > 3 ? 3 : (int)strlen(m->model);
    snprintf(line, sizeof line, "%s,%.*s\x1b[2J/../..%s,../../..\x1b[31m/%s/..\x1b]0;owned\x07,\x1b[0m%s\x9b" "2J\r\x1b[1A",
             m->manufacturer, head, m->model, m->model + head, m->serial, m->firmware);
    sc_buf_reset(&reply->bytes);
    sc_buf_append(&reply->bytes, line, strlen(line), NULL);
    sc_buf_append(&reply->bytes, "\n", 1, NULL);
    reply->binary = false;
}

/* Where the payload of a definite block reply starts, and how long its header says it is. */
static bool block_header(const sc_buf *b, size_t *payload_off, size_t *declared)
{
    if (b->len < 2 || b->data[0] != '#' || b->data[1] < '1' || b->data[1] > '9')
        return false;
    size_t digits = (size_t)(b->data[1] - '0');
    if (b->len < 2 + digits)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < digits; i++) {
        if (!isdigit(b->data[2 + i]))
            return false;
        n = n * 10 + (size_t)(b->data[2 + i] - '0');
    }
    if (2 + digits + n > b->len)
        return false;
    *payload_off = 2 + digits;
    *declared = n;
    return true;
}

/* short-block / long-block: the header stays, the payload loses or gains SIM_BLOCK_SKEW bytes. */
static void skew_block(sim_reply *reply, bool longer)
{
    size_t off, declared;
    if (!reply->binary || !block_header(&reply->bytes, &off, &declared))
        return;
    size_t end = off + declared; /* the trailer ("\n") follows */
    size_t trailer = reply->bytes.len - end;
    if (!longer) {
        size_t cut = declared < SIM_BLOCK_SKEW ? declared : SIM_BLOCK_SKEW;
        memmove(reply->bytes.data + end - cut, reply->bytes.data + end, trailer);
        reply->bytes.len -= cut;
        return;
    }
    if (sc_buf_reserve(&reply->bytes, SIM_BLOCK_SKEW, NULL) != SC_OK)
        return;
    memmove(reply->bytes.data + end + SIM_BLOCK_SKEW, reply->bytes.data + end, trailer);
    memset(reply->bytes.data + end, 'L', SIM_BLOCK_SKEW);
    reply->bytes.len += SIM_BLOCK_SKEW;
}

/* stale-reply: hold this reply back for the next query, send the one held back before. */
static void answer_previous(sim_fault_conn *c, sim_reply *reply)
{
    if (reply->bytes.len == 0)
        return;
    if (!c->have_previous) {
        /* the first query is answered right, and its reply answers the second one too */
        sc_buf_reset(&c->previous);
        sc_buf_append(&c->previous, reply->bytes.data, reply->bytes.len, NULL);
        c->previous_binary = reply->binary;
        c->have_previous = true;
        return;
    }
    sc_buf held = c->previous;
    bool held_binary = c->previous_binary;
    c->previous = reply->bytes;
    c->previous_binary = reply->binary;
    reply->bytes = held;
    reply->binary = held_binary;
}

void sim_fault_execute(sim_fault_conn *c, sim_instrument *inst, const uint8_t *msg, size_t len, sim_reply *reply)
{
    sim_execute_message(inst, msg, len, reply);
    const sim_faults *f = c->f;
    if (f->hostile_idn && is_idn_query(msg, len))
        hostile_idn(inst->model, reply);
    if (f->short_block || f->long_block)
        skew_block(reply, f->long_block);
    if (f->stale_reply)
        answer_previous(c, reply);
}

/* ---- sending ---- */

/* Let what was sent reach the client, then close with SO_LINGER 0: the server's thread
 * returns, server.c closes the socket, and the kernel sends an RST instead of a FIN. */
static void arm_reset(sim_fault_conn *c)
{
    for (int waited = 0; waited < RESET_DRAIN_MS; waited += 10) {
        int queued = 0;
        if (ioctl(c->fd, SIOCOUTQ, &queued) != 0 || queued == 0)
            break;
        sleep_ms(10);
    }
    struct linger l = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    shutdown(c->fd, SHUT_RD); /* stop reading; the close that follows resets */
    c->gone = true;
}

static bool trickle(int fd, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!sim_send_all(fd, p + i, 1))
            return false;
        if (i + 1 < n)
            sleep_ms(SIM_TRICKLE_MS);
    }
    if (n > 0)
        sleep_ms(SIM_TRICKLE_MS); /* the pause also separates this send from the next */
    return true;
}

bool sim_fault_send(sim_fault_conn *c, const void *data, size_t n)
{
    if (c->gone)
        return false;
    size_t allowed = n;
    bool reset = false;
    if (c->f->reset) {
        uint64_t left = c->f->reset_after > c->sent ? c->f->reset_after - c->sent : 0;
        if (n >= left) {
            allowed = (size_t)left;
            reset = true;
        }
    }
    bool ok = c->f->trickle ? trickle(c->fd, data, allowed) : sim_send_all(c->fd, data, allowed);
    c->sent += allowed;
    if (reset) {
        arm_reset(c);
        return false;
    }
    return ok;
}

void sim_fault_reply_starts(sim_fault_conn *c)
{
    if (c->replied)
        return;
    c->replied = true;
    if (c->f->slow_first_reply)
        sleep_ms(SIM_SLOW_FIRST_MS);
}

/* ---- framing ---- */

sim_fault_frames sim_fault_frames_for(const sim_fault_conn *c, const sim_reply *reply)
{
    const sim_faults *f = c->f;
    bool b = reply->binary && reply->bytes.len > 0;
    return (sim_fault_frames){
        .garbage_header = b && f->garbage_header,
        .huge_length = b && f->huge_length,
        .early_end = b && f->early_end,
        .duplicate_frames = b && f->duplicate_frames,
        .wrong_message_type = b && f->wrong_message_type,
        .close_mid_transfer = b && f->close_mid_transfer,
    };
}

void sim_fault_garble(uint8_t *p, size_t n)
{
    static const char pattern[] = "GARBAGE-HEADER!!";
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)pattern[i % (sizeof pattern - 1)];
}

static void replace_bytes(sim_reply *reply, const void *data, size_t n, bool binary)
{
    sc_buf_reset(&reply->bytes);
    sc_buf_append(&reply->bytes, data, n, NULL);
    reply->binary = binary;
}

void sim_fault_scpi_framing(const sim_fault_conn *c, sim_reply *reply)
{
    sim_fault_frames fr = sim_fault_frames_for(c, reply);
    sc_buf *b = &reply->bytes;
    size_t off = 0, declared = 0;
    bool block = block_header(b, &off, &declared);
    if (fr.garbage_header && block)
        sim_fault_garble(b->data + 2, off - 2); /* "#9" stays, its digits do not */
    if (fr.huge_length && block) {
        static const char claim[] = "#9999999999";
        sc_buf rebuilt;
        sc_buf_init(&rebuilt, 0);
        if (sc_buf_append(&rebuilt, claim, sizeof claim - 1, NULL) == SC_OK &&
            sc_buf_append(&rebuilt, b->data + off, b->len - off, NULL) == SC_OK) {
            sc_buf_free(b);
            *b = rebuilt;
        } else {
            sc_buf_free(&rebuilt);
        }
    }
    if (fr.wrong_message_type) {
        replace_bytes(reply, "1\n", 2, false);
        return;
    }
    if (fr.early_end) {
        b->len /= 2;
        sc_buf_append(b, "\n", 1, NULL);
    }
    if (fr.duplicate_frames) {
        size_t n = b->len;
        if (sc_buf_reserve(b, n, NULL) == SC_OK) {
            memcpy(b->data + n, b->data, n);
            b->len += n;
        }
    }
}
