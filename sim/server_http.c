/* scopesim's LXI web server: GET /lxi/identification answers the LXI identification XML
 * (Manufacturer, Model, SerialNumber, FirmwareRevision from *IDN?, and one
 * InstrumentAddressString per protocol this simulator serves), GET / a small page.
 * With SCOPESIM_HTTP_AUTH=user:password in the environment, GET / asks for HTTP basic
 * authentication like an instrument whose web page is password protected (the
 * identification stays open, as LXI requires). One request per connection.
 *
 * --fault, as it makes sense for HTTP (every response; one request per connection, so
 * each response is its connection's first):
 *   stall               the request is read, no response ever comes (until the client goes)
 *   trickle             the response goes out one byte every 100 ms
 *   close-mid-transfer  the head and half the body, then the connection closes
 *   garbage-header      the status line is garbage ("GARBAGE-HEADER!")
 *   huge-length         Content-Length: 4294967296 (4 GiB) over the real body, then close
 *   hostile-idn         the XML carries *IDN?'s terminal escapes, '/' and "..": raw bytes in
 *                       Model and SerialNumber, character references (&#27;) in FirmwareRevision
 *   reset-after=N       an RST after N bytes of the response
 *   slow-first-reply    every response waits 1.5 s
 * The others (block and message framing, stale replies) have no HTTP meaning and are
 * ignored here. */
#include "faults.h"
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#define MAX_REQUEST 8192
#define STALL_MAX_S 60            /* stall: how long an unanswered client is kept at most */
#define HUGE_LENGTH "4294967296" /* huge-length: 4 GiB */


/* Read until the blank line that ends the request head (or give up). */
static size_t read_head(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
        if (r <= 0)
            return 0;
        len += (size_t)r;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
            return len;
    }
    return 0;
}

/* stall: keep the connection open without answering until the client gives up (or the
 * simulator stops, which shuts every client down). Bounded. */
static void hold_unanswered(int fd)
{
    struct timeval tv = { .tv_sec = 1 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char sink[512];
    for (int waited = 0; waited < STALL_MAX_S; waited++) {
        ssize_t r = recv(fd, sink, sizeof sink, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return;
    }
}

/* One response, through the fault helper. */
static void respond(sim_fault_conn *fc, int status, const char *reason, const char *type, const char *extra,
                    const char *body)
{
    const sim_faults *f = fc->f;
    if (f->stall) {
        hold_unanswered(fc->fd);
        return;
    }
    char head[512], length[24];
    size_t n = strlen(body);
    snprintf(length, sizeof length, "%zu", n);
    int h = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nServer: scopesim\r\nContent-Type: %s\r\nContent-Length: %s\r\n%sConnection: close\r\n\r\n",
                     status, reason, type, f->huge_length ? HUGE_LENGTH : length, extra ? extra : "");
    if (h <= 0 || (size_t)h >= sizeof head)
        return;
    if (f->garbage_header)
        sim_fault_garble((uint8_t *)head, strcspn(head, "\r")); /* the status line */
    sim_fault_reply_starts(fc);
    if (sim_fault_send(fc, head, (size_t)h))
        sim_fault_send(fc, body, f->close_mid_transfer ? n / 2 : n);
}

/* XML text. refs: bytes outside printable ASCII as character references (&#27;), which
 * is how hostile-idn gets control characters past an XML parser's raw-byte checks. */
static void xml_escaped(sc_buf *out, const char *s, size_t n, bool refs)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : NULL;
        char ref[16];
        if (!e && refs && (c < 0x20 || c >= 0x7f)) {
            snprintf(ref, sizeof ref, "&#%u;", c);
            e = ref;
        }
        if (e)
            sc_buf_append(out, e, strlen(e), NULL);
        else
            sc_buf_append(out, &s[i], 1, NULL);
    }
}

static void put(sc_buf *out, const char *s) { sc_buf_append(out, s, strlen(s), NULL); }

/* The *IDN? fields, split at the first three commas. */
static void idn_fields(sim_server *srv, sim_fault_conn *fc, char fields[4][128])
{
    static const char query[] = "*IDN?";
    sim_reply reply = { .binary = false };
    sc_buf_init(&reply.bytes, 0);
    sim_fault_execute(fc, srv->inst, (const uint8_t *)query, sizeof query - 1, &reply); /* hostile-idn */
    char text[512];
    size_t n = reply.bytes.len < sizeof text - 1 ? reply.bytes.len : sizeof text - 1;
    memcpy(text, reply.bytes.data ? (const char *)reply.bytes.data : "", n);
    text[n] = '\0';
    text[strcspn(text, "\r\n")] = '\0';
    sc_buf_free(&reply.bytes);
    const char *p = text;
    for (int f = 0; f < 4; f++) {
        size_t l = f < 3 ? strcspn(p, ",") : strlen(p);
        snprintf(fields[f], sizeof fields[f], "%.*s", (int)(l < 127 ? l : 127), p);
        p += l;
        if (*p == ',')
            p++;
    }
}

static void address_strings(sim_server *srv, const char *host, sc_buf *xml)
{
    for (int i = 0; i < srv->listener_count; i++) {
        const char *proto = srv->listeners[i].protocol;
        char line[256] = "";
        if (strcmp(proto, "vxi11") == 0)
            snprintf(line, sizeof line, "TCPIP::%s::inst0::INSTR", host);
        else if (strcmp(proto, "hislip") == 0)
            snprintf(line, sizeof line, "TCPIP::%s::hislip0::INSTR", host);
        else if (strcmp(proto, "raw") == 0) {
            struct sockaddr_storage ss;
            socklen_t len = sizeof ss;
            char port[8] = "";
            if (getsockname(srv->listeners[i].fd, (struct sockaddr *)&ss, &len) == 0)
                getnameinfo((struct sockaddr *)&ss, len, NULL, 0, port, sizeof port, NI_NUMERICSERV);
            snprintf(line, sizeof line, "TCPIP::%s::%s::SOCKET", host, port);
        }
        if (!line[0])
            continue;
        put(xml, "    <InstrumentAddressString>");
        xml_escaped(xml, line, strlen(line), false);
        put(xml, "</InstrumentAddressString>\n");
    }
}

static void identification(sim_server *srv, sim_fault_conn *fc)
{
    int fd = fc->fd;
    char f[4][128];
    idn_fields(srv, fc, f);
    char host[64] = "127.0.0.1";
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, NULL, 0, NI_NUMERICHOST);
    static const char *const tags[4] = { "Manufacturer", "Model", "SerialNumber", "FirmwareRevision" };
    sc_buf xml;
    sc_buf_init(&xml, 1 << 20);
    put(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<LXIDevice xmlns=\"http://www.lxistandard.org/InstrumentIdentification/1.0\" "
              "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n");
    for (int i = 0; i < 4; i++) {
        char open[48], close[48];
        snprintf(open, sizeof open, "  <%s>", tags[i]);
        snprintf(close, sizeof close, "</%s>\n", tags[i]);
        put(&xml, open);
        xml_escaped(&xml, f[i], strlen(f[i]), i == 3);
        put(&xml, close);
    }
    put(&xml, "  <ManufacturerDescription>scopesim simulated oscilloscope</ManufacturerDescription>\n"
              "  <Interface xsi:type=\"NetworkInformation\" InterfaceType=\"LXI\" IPType=\"IPv4\" InterfaceName=\"eth0\">\n");
    address_strings(srv, host, &xml);
    put(&xml, "  </Interface>\n  <LXIVersion>1.5</LXIVersion>\n</LXIDevice>\n");
    sc_buf_append(&xml, "", 1, NULL);
    respond(fc, 200, "OK", "text/xml", NULL, (const char *)xml.data);
    sc_buf_free(&xml);
}

static bool authorized(const char *request)
{
    const char *want = getenv("SCOPESIM_HTTP_AUTH");
    if (!want || !*want)
        return true;
    char expect[512];
    if (!sc_base64_encode(want, strlen(want), expect, sizeof expect))
        return false; /* credentials too long to be sent: nobody gets in */
    for (const char *line = strchr(request, '\n'); line; line = strchr(line + 1, '\n')) {
        const char *h = line + 1;
        if (strncasecmp(h, "Authorization:", 14) != 0)
            continue;
        h += 14;
        while (*h == ' ')
            h++;
        if (strncasecmp(h, "Basic ", 6) != 0)
            return false;
        h += 6;
        size_t n = strcspn(h, "\r\n");
        return n == strlen(expect) && strncmp(h, expect, n) == 0;
    }
    return false;
}

static void route(sim_server *srv, sim_fault_conn *fc, const char *req)
{
    char method[8], path[256];
    if (sscanf(req, "%7s %255s", method, path) != 2) {
        respond(fc, 400, "Bad Request", "text/plain", NULL, "bad request\n");
        return;
    }
    if (strcmp(method, "GET") != 0) {
        respond(fc, 405, "Method Not Allowed", "text/plain", "Allow: GET\r\n", "GET only\n");
        return;
    }
    if (strcmp(path, "/lxi/identification") == 0)
        identification(srv, fc);
    else if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        if (!authorized(req))
            respond(fc, 401, "Unauthorized", "text/plain", "WWW-Authenticate: Basic realm=\"scopesim\"\r\n",
                    "login required\n");
        else
            respond(fc, 200, "OK", "text/html", NULL,
                    "<html><body><h1>scopesim</h1><p><a href=\"/lxi/identification\">LXI identification</a></p></body></html>\n");
    } else
        respond(fc, 404, "Not Found", "text/plain", NULL, "not found\n");
}

static void sim_serve_http(sim_server *srv, int fd)
{
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req[MAX_REQUEST];
    if (read_head(fd, req, sizeof req) == 0)
        return;
    sim_fault_conn fc;
    sim_fault_conn_init(&fc, &srv->inst->faults, fd);
    route(srv, &fc, req);
    sim_fault_conn_free(&fc);
}

int sim_start_lxi_http(sim_server *srv, const char *addr, const sim_ports *ports)
{
    return sim_listen_announced(srv, addr, ports->http, "lxi", sim_serve_http) < 0 ? -1 : 0;
}
