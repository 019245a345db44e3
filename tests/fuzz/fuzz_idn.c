/* libFuzzer target: instrument text. An *IDN? reply goes through the parser, the vendor
 * alias table and the driver rows, and its fields through both sanitisers; nothing that
 * comes out may carry a control byte, and a file-name component never a '/' or "..". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scopecap/driver.h"
#include "scopecap/scpi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            abort();
}

static void check_file_name(const char *field)
{
    char name[128];
    sc_sanitize_filename(name, sizeof name, field);
    check_printable(name);
    if (!name[0] || name[0] == '.' || strchr(name, '/') || strstr(name, ".."))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    sc_idn idn;
    sc_error err;
    sc_error_clear(&err);
    if (sc_idn_parse(text, size, &idn, &err) == SC_OK) {
        const char *fields[] = { idn.manufacturer, idn.model, idn.serial, idn.firmware };
        for (size_t i = 0; i < 4; i++) {
            check_printable(fields[i]);
            check_file_name(fields[i]);
        }
        (void)sc_driver_match(&idn);
    }
    check_printable(err.message);
    (void)sc_vendor_from_manufacturer(text);
    (void)sc_field_matches("DS1*Z|MSO[0-9]*", text);

    char safe[256];
    sc_sanitize_text(safe, sizeof safe, text, size);
    check_printable(safe);
    check_file_name(text);
    free(text);
    return 0;
}
