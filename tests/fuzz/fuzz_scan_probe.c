/* libFuzzer target for the scan's probe machines: byte 0 picks the protocol, byte 1 the
 * size of the pieces the rest arrives in; the machine is driven the way the engine
 * drives it (new connections, switching back to the main one) until it is done or the
 * bytes run out. It must never take more than it was given, never ask to send more than
 * its buffer, and end with an outcome. The broadcast reply parser gets the bytes too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover/discover_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    sc_probe_kind kind = (sc_probe_kind)(data[0] % SC_PROBE_KIND_COUNT);
    size_t piece = (size_t)data[1] % 64 + 1;
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    uint16_t port;
    (void)sc_bcast_parse_reply(p, n, 1, &port);

    probe_machine m;
    pm_init(&m, kind, "192.0.2.7", 1000, 42);
    pm_action a = pm_connected(&m);
    uint8_t *buf = malloc(pm_max_buffer(&m) + 64);
    size_t have = 0, off = 0;
    int steps = 0;
    while (a != PM_DONE && steps++ < 10000) {
        if (m.out_len > sizeof m.out)
            abort();
        if (a == PM_RECONNECT || a == PM_OPEN_AUX) {
            have = 0;
            a = pm_connected(&m);
            continue;
        }
        if (a == PM_BACK_TO_MAIN)
            have = 0;
        bool eof = off >= n;
        size_t take = eof ? 0 : (n - off < piece ? n - off : piece);
        if (have + take > pm_max_buffer(&m))
            break; /* the engine stops there too */
        memcpy(buf + have, p + off, take);
        have += take;
        off += take;
        size_t used = 0;
        a = pm_input(&m, buf, have, eof, &used);
        if (used > have)
            abort();
        memmove(buf, buf + used, have - used);
        have -= used;
        if (eof && a != PM_DONE)
            break;
    }
    if (a == PM_DONE && m.outcome == SC_PROBE_IDENTIFIED && (!m.idn.manufacturer[0] || !m.idn.model[0]))
        abort();
    if (a != PM_DONE)
        pm_timeout(&m);
    if (strlen(m.detail) >= sizeof m.detail)
        abort();
    free(buf);
    pm_free(&m);
    return 0;
}
