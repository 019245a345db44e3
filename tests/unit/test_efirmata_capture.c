/* eFirmata capture assembly without sockets: TODs placed by start index in any order,
 * duplicates, overlaps, conflicts, packets from another capture, gaps listed by range,
 * the firmware's quirks, and the CSV/JSON/plot exports of the result. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "efirmata/capture.h"
#include "efirmata/wire.h"

static uint8_t tom[16 + 4 * 64];
static size_t tom_len;

static sc_efirmata_num num(char type, double v)
{
    sc_efirmata_num n;
    sc_error err;
    assert_int_equal(sc_efirmata_num_from_double(type, v, &n, &err), SC_OK);
    return n;
}

/* The reference firmware's TOM: 4 x 'B', 0..255 -> 0..3.3 V, 38400 samples/s. */
static void make_tom(void)
{
    sc_efirmata_meta m = { .inverse = true, .domain_unit = 's', .step = num('H', 38400), .channel_count = 4,
                           .descriptor_size = 64 };
    for (int i = 0; i < 4; i++)
        m.channels[i] = (sc_efirmata_channel){ .units = 'V', .data_type = 'B', .real_type = 'f', .scale_type = 1,
                                               .error_type = (uint8_t)('Q' + i), .data_a = num('B', 0),
                                               .real_a = num('f', 0), .data_b = num('B', 255),
                                               .real_b = num('f', 3.3) };
    sc_error err;
    assert_int_equal(sc_efirmata_tom_encode(&m, tom, sizeof tom, &tom_len, &err), SC_OK);
}

static uint8_t code_of(uint32_t frame, int ch)
{
    return (uint8_t)(frame * 3 + (uint32_t)ch * 50);
}

/* A TOD of `frames` frames from `start`, with `stray` bytes after the data. */
static size_t make_tod(uint8_t *buf, uint32_t start, uint16_t frames, uint8_t bps, size_t stray, uint8_t salt)
{
    sc_efirmata_tod tod = { .bytes_per_sample = bps, .total_samples = frames, .start = start };
    sc_efirmata_tod_encode_header(&tod, buf);
    for (uint32_t i = 0; i < frames; i++)
        for (int ch = 0; ch < 4; ch++)
            buf[12 + i * 4 + (uint32_t)ch] = (uint8_t)(code_of(start + i, ch) + salt);
    memset(buf + 12 + (size_t)frames * 4, 0, stray);
    return 12 + (size_t)frames * 4 + stray;
}

static int setup(void **state)
{
    make_tom();
    sc_efirmata_capture *c = malloc(sizeof *c);
    sc_efirmata_capture_init(c);
    snprintf(c->device, sizeof c->device, "test:2117");
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    sc_efirmata_capture_free(*state);
    free(*state);
    return 0;
}

static void test_in_any_order(void **state)
{
    sc_efirmata_capture *c = *state;
    sc_error err;
    uint8_t buf[2048];
    assert_int_equal(sc_efirmata_capture_begin(c, tom, tom_len, 531, &err), SC_OK);
    /* the second packet first, then the first with the firmware's 8 stray bytes */
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 309, 222, 4, 0, 0)), SC_EFIRMATA_PLACED);
    assert_false(sc_efirmata_capture_complete(c));
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 309, 4, 8, 0)), SC_EFIRMATA_PLACED);
    assert_true(sc_efirmata_capture_complete(c));
    assert_int_equal(sc_efirmata_capture_finish(c, false, &err), SC_OK);
    assert_true(c->quirks & SC_EFIRMATA_QUIRK_STRAY_BYTES);
    assert_true(c->quirks & SC_EFIRMATA_QUIRK_FRAME_STRIDE);
    assert_true(c->quirks & SC_EFIRMATA_QUIRK_ERROR_TYPE);
    for (uint32_t i = 0; i < 531; i++)
        for (int ch = 0; ch < 4; ch++) {
            assert_true(sc_efirmata_code(c, ch, i) == code_of(i, ch));
            double v = 0.0 + (code_of(i, ch) - 0.0) * ((double)3.3f - 0.0) / (255.0 - 0.0);
            assert_true(sc_efirmata_value(c, ch, i) == v);
        }
    assert_true(sc_efirmata_time(c, 384) == 384.0 / 38400);
    assert_true(isnan(sc_efirmata_code(c, 4, 0)));
    assert_true(isnan(sc_efirmata_code(c, 0, 531)));
}

static void test_duplicates_overlaps_conflicts(void **state)
{
    sc_efirmata_capture *c = *state;
    sc_error err;
    uint8_t buf[2048];
    assert_int_equal(sc_efirmata_capture_begin(c, tom, tom_len, 300, &err), SC_OK);
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 100, 4, 0, 0)), SC_EFIRMATA_PLACED);
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 100, 4, 0, 0)), SC_EFIRMATA_DUPLICATE);
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 50, 100, 4, 0, 0)), SC_EFIRMATA_PLACED);
    assert_int_equal(c->overlaps, 1);
    assert_int_equal(c->received, 150);
    /* same frames, other bytes: another capture's packet; refused, nothing overwritten */
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 140, 20, 4, 0, 9)), SC_EFIRMATA_CONFLICT);
    assert_true(sc_efirmata_code(c, 0, 145) == code_of(145, 0));
    assert_int_equal(c->received, 150);
    /* outside the request, another stride, a second TOM: not this capture's */
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 290, 20, 4, 0, 0)), SC_EFIRMATA_STALE);
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 200, 20, 1, 0, 0)), SC_EFIRMATA_STALE);
    assert_int_equal(sc_efirmata_capture_place(c, tom, tom_len), SC_EFIRMATA_STALE);
    /* junk */
    assert_int_equal(sc_efirmata_capture_place(c, (const uint8_t *)"TOD", 3), SC_EFIRMATA_MALFORMED);
    size_t n = make_tod(buf, 250, 20, 4, 0, 0);
    assert_int_equal(sc_efirmata_capture_place(c, buf, n - 5), SC_EFIRMATA_MALFORMED);
    assert_int_equal(c->duplicates, 1);
    assert_int_equal(c->conflicts, 1);
    assert_int_equal(c->malformed, 2);
    assert_int_equal(c->stale, 3);
    assert_non_null(strstr(c->first_malformed, "shorter than the 12-byte header"));
}

static void test_first_tod_sets_the_stride(void **state)
{
    sc_efirmata_capture *c = *state;
    sc_error err;
    uint8_t buf[2048];
    assert_int_equal(sc_efirmata_capture_begin(c, tom, tom_len, 100, &err), SC_OK);
    /* bytesPerSample 1 with four 'B' channels: per-channel reading, frames of 4 */
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 50, 1, 0, 0)), SC_EFIRMATA_PLACED);
    assert_true(c->quirks & SC_EFIRMATA_QUIRK_CHANNEL_SIZE);
    assert_true(sc_efirmata_code(c, 3, 49) == code_of(49, 3));
    /* now a stride-4 packet is another capture's */
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 50, 50, 4, 0, 0)), SC_EFIRMATA_STALE);
    /* a bytesPerSample that fits nothing is refused with the reason */
    assert_int_equal(sc_efirmata_capture_begin(c, tom, tom_len, 100, &err), SC_OK);
    assert_int_equal(sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 50, 3, 0, 0)), SC_EFIRMATA_MALFORMED);
    assert_non_null(strstr(c->first_malformed, "bytesPerSample 3"));
}

static void test_gaps_listed(void **state)
{
    sc_efirmata_capture *c = *state;
    sc_error err;
    uint8_t buf[2048];
    assert_int_equal(sc_efirmata_capture_begin(c, tom, tom_len, 1000, &err), SC_OK);
    sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 300, 4, 0, 0));
    sc_efirmata_capture_place(c, buf, make_tod(buf, 301, 299, 4, 0, 0)); /* 300 missing */
    sc_efirmata_capture_place(c, buf, make_tod(buf, 700, 200, 4, 0, 0)); /* 600-699, 900-999 missing */
    sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 5, 4, 0, 0) - 3);  /* truncated */
    assert_int_equal(sc_efirmata_capture_finish(c, false, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "test:2117: 201 of 1000 samples missing: 300, 600-699, 900-999"));
    assert_non_null(strstr(err.message, "1 datagram refused"));
    assert_non_null(strstr(err.message, "--allow-gaps"));
    /* kept as NaN when gaps are allowed */
    assert_int_equal(sc_efirmata_capture_finish(c, true, &err), SC_OK);
    assert_true(isnan(sc_efirmata_value(c, 2, 300)));
    assert_true(isnan(sc_efirmata_value(c, 0, 999)));
    assert_false(isnan(sc_efirmata_value(c, 0, 301)));

    sc_buf out;
    sc_buf_init(&out, 0);
    assert_int_equal(sc_efirmata_write_csv(c, &out, &err), SC_OK);
    assert_int_equal(sc_buf_append(&out, "", 1, &err), SC_OK);
    const char *csv = (const char *)out.data;
    /* units in the header; volts = 0 + code * 3.3f / 255 */
    const char *head = "time (s),ch0 (V),ch1 (V),ch2 (V),ch3 (V)\n0,0,0.64705881418,1.29411762836,";
    assert_true(strncmp(csv, head, strlen(head)) == 0);
    assert_non_null(strstr(csv, "\n0.0078125,NaN,NaN,NaN,NaN\n")); /* frame 300 */
    sc_buf_reset(&out);
    assert_int_equal(sc_efirmata_write_json(c, &out, &err), SC_OK);
    assert_int_equal(sc_buf_append(&out, "", 1, &err), SC_OK);
    const char *json = (const char *)out.data;
    assert_non_null(strstr(json, "\"missing\": [[300, 300], [600, 699], [900, 999]]"));
    assert_non_null(strstr(json, "\"codes\": [0,3,6,"));
    assert_non_null(strstr(json, ",null,"));
    assert_non_null(strstr(json, "\"real_b\": 3.2999999523162842"));
    assert_non_null(strstr(json, "\"quirks\": [\"bytes-per-sample-is-frame-stride\", \"junk-error-type\"]"));
    sc_buf_reset(&out);
    assert_int_equal(sc_efirmata_write_bin(c, &out, &err), SC_OK);
    assert_int_equal(out.len, 4000);
    assert_int_equal(out.data[4 * 301 + 1], code_of(301, 1));
    assert_int_equal(out.data[4 * 300 + 1], 0);
    sc_buf_free(&out);

    char text[64];
    sc_efirmata_missing_text(c, 2, text, sizeof text);
    assert_string_equal(text, "300, 600-699 and 1 more range");
}

static void test_sixteen_bit_count(void **state)
{
    sc_efirmata_capture *c = *state;
    sc_error err;
    uint8_t buf[2048];
    /* asked 65536 + 600: the firmware's uint16 keeps 600, and sends those */
    assert_int_equal(sc_efirmata_capture_begin(c, tom, tom_len, 65536 + 600, &err), SC_OK);
    sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 309, 4, 8, 0));
    sc_efirmata_capture_place(c, buf, make_tod(buf, 309, 291, 4, 8, 0));
    assert_int_equal(sc_efirmata_capture_finish(c, false, &err), SC_OK);
    assert_int_equal(c->samples, 600);
    assert_true(c->quirks & SC_EFIRMATA_QUIRK_COUNT_16BIT);
    /* with a hole it is a plain gap */
    assert_int_equal(sc_efirmata_capture_begin(c, tom, tom_len, 65536 + 600, &err), SC_OK);
    sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 309, 4, 8, 0));
    assert_int_equal(sc_efirmata_capture_finish(c, false, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "309-66135"));
}

static void test_plot(void **state)
{
    sc_efirmata_capture *c = *state;
    sc_error err;
    uint8_t buf[2048];
    assert_int_equal(sc_efirmata_capture_begin(c, tom, tom_len, 200, &err), SC_OK);
    sc_efirmata_capture_place(c, buf, make_tod(buf, 0, 200, 4, 0, 0));
    assert_int_equal(sc_efirmata_capture_finish(c, false, &err), SC_OK);
    sc_raster r = { 0 };
    assert_int_equal(sc_efirmata_render_plot(c, &r, 640, 400, &err), SC_OK);
    assert_int_equal(r.width, 640);
    /* every channel's colour is on the picture */
    for (int ch = 0; ch < 4; ch++) {
        sc_rgb want = sc_efirmata_channel_colour(ch);
        long hits = 0;
        for (int y = 0; y < r.height; y++)
            for (int x = 0; x < r.width; x++) {
                const uint8_t *p = r.pixels + (size_t)y * r.stride + (size_t)x * 3;
                hits += p[0] == want.r && p[1] == want.g && p[2] == want.b;
            }
        if (hits < 200)
            fail_msg("channel %d colour drawn on %ld pixels only", ch, hits);
    }
    sc_raster_free(&r);
    assert_int_equal(sc_efirmata_render_plot(c, &r, 10, 10, &err), SC_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_overlaps_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_tod_sets_the_stride, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gaps_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sixteen_bit_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plot, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
