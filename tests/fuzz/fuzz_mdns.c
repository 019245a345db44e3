/* libFuzzer target for the mDNS/DNS-SD response parser: any packet, and every service
 * it returns must be a known type with terminated names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover/discover_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sc_mdns_service svc[8];
    size_t n = 99;
    sc_error err;
    sc_status st = sc_mdns_parse_response(data, size, svc, 8, &n, &err);
    if (st != SC_OK)
        return 0;
    if (n > 8)
        abort();
    for (size_t i = 0; i < n; i++) {
        sc_probe_kind k;
        if (!sc_mdns_type_probe(svc[i].type, &k) || strlen(svc[i].instance) >= sizeof svc[i].instance ||
            strlen(svc[i].target) >= sizeof svc[i].target)
            abort();
    }
    return 0;
}
