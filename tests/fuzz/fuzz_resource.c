/* libFuzzer target for resource strings: parsing must never crash or read past the
 * text, and whatever parses must print a canonical form that parses back to the same
 * resource (the same check the unit test makes for its table, here for any input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scopecap/resource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const sc_resource *a, const sc_resource *b)
{
    if (a->protocol != b->protocol || strcmp(a->host, b->host) != 0 ||
        sc_resource_port(a) != sc_resource_port(b) || strcmp(a->device, b->device) != 0 ||
        a->board != b->board || a->usb_vid != b->usb_vid || a->usb_pid != b->usb_pid ||
        strcmp(a->usb_serial, b->usb_serial) != 0 || a->usb_interface != b->usb_interface ||
        strcmp(a->path, b->path) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    sc_error err;
    sc_protocol proto;
    (void)sc_protocol_parse(text, &proto, &err);

    sc_resource res;
    if (sc_resource_parse(text, &res, &err) == SC_OK) {
        char visa[600], small[9], desc[300];
        sc_resource_to_visa(&res, visa, sizeof visa);
        sc_resource_to_visa(&res, small, sizeof small);
        sc_resource_describe(&res, desc, sizeof desc);
        sc_resource_describe(&res, small, 1);
        (void)sc_resource_port(&res);

        sc_resource again;
        if (sc_resource_parse(visa, &again, &err) != SC_OK)
            abort();
        check_same(&res, &again);
    } else if (err.code != SC_ERR_USAGE || strlen(err.message) >= sizeof err.message) {
        abort();
    }
    free(text);
    return 0;
}
