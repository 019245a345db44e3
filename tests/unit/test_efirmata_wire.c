/* eFirmata wire codec: the byte vectors of docs/efirmata.md 3.7 byte for byte, round trips
 * of every struct datatype through right-aligned fields, and the refusals with their messages. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "efirmata/scale.h"
#include "efirmata/wire.h"

static const char ALL_TYPES[] = "bBhHiIlLqQfd";

/* TOC "rising, ADC ch 1, threshold 100, 531 samples" */
static const uint8_t TOC_VECTOR[28] = { 0x65, 0x46, 0x69, 0x72, 0x6d, 0x61, 0x74, 0x61, 0x54, 0x4f,
                                        0x43, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x4c, 0x00,
                                        0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x02, 0x13 };
/* TOM header as the firmware sends it */
static const uint8_t TOM_HEADER_VECTOR[16] = { 0x54, 0x4f, 0x4d, 0x00, 0xf3, 0x48, 0x04, 0x40,
                                               0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x96, 0x00 };
/* TOD first packet header */
static const uint8_t TOD_HEADER_VECTOR[12] = { 0x54, 0x4f, 0x44, 0x00, 0x04, 0x00, 0x01, 0x35, 0x00, 0x00, 0x00, 0x00 };

/* Descriptor ch0 of the firmware; channels 1-3 differ in byte 4 only. */
static void descriptor_vector(uint8_t out[64], int channel)
{
    static const uint8_t head[32] = { 0x56, 0x42, 0x66, 0x01, 0x51, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x40, 0x53, 0x33, 0x33 };
    memset(out, 0, 64);
    memcpy(out, head, sizeof head);
    out[4] = (uint8_t)(0x51 + channel);
}

static sc_efirmata_num num(char type, double v)
{
    sc_efirmata_num n;
    sc_error err;
    assert_int_equal(sc_efirmata_num_from_double(type, v, &n, &err), SC_OK);
    return n;
}

/* The reference firmware's metadata, built field by field. */
static void firmware_meta(sc_efirmata_meta *m)
{
    memset(m, 0, sizeof *m);
    m->inverse = true;
    m->domain_unit = 's';
    m->step = num('H', 38400);
    m->channel_count = 4;
    m->descriptor_size = 64;
    for (int i = 0; i < 4; i++)
        m->channels[i] = (sc_efirmata_channel){ .units = 'V', .data_type = 'B', .real_type = 'f', .scale_type = 1,
                                                .error_type = (uint8_t)('Q' + i), .data_a = num('B', 0),
                                                .real_a = num('f', 0.0), .data_b = num('B', 255),
                                                .real_b = num('f', 3.3) };
}

static void test_toc_vector(void **state)
{
    (void)state;
    sc_error err;
    sc_efirmata_toc toc = { .mode = SC_EFIRMATA_TRIGGER_RISING, .channel = 1, .samples = 531 };
    assert_int_equal(sc_efirmata_toc_set_threshold(&toc, num('L', 100), &err), SC_OK);
    uint8_t out[28];
    sc_efirmata_toc_encode(&toc, out);
    assert_memory_equal(out, TOC_VECTOR, 28);

    sc_efirmata_toc back;
    assert_int_equal(sc_efirmata_toc_decode(TOC_VECTOR, 28, &back, &err), SC_OK);
    assert_int_equal(back.mode, 2);
    assert_int_equal(back.channel, 1);
    assert_int_equal(back.threshold_type, 'L');
    assert_int_equal(back.samples, 531);
    sc_efirmata_num t;
    /* the Python client's 'L' is read as the channel's own code */
    assert_int_equal(sc_efirmata_toc_threshold(&back, 'B', &t, &err), SC_OK);
    assert_int_equal(t.type, 'B');
    assert_int_equal(t.bits, 100);
    assert_int_equal(sc_efirmata_toc_threshold(&back, 'h', &t, &err), SC_OK);
    assert_true(sc_efirmata_num_to_double(t) == 100.0);
    /* 8-byte channels cannot be compared with a 4-byte threshold */
    assert_int_equal(sc_efirmata_toc_threshold(&back, 'd', &t, &err), SC_ERR_PROTOCOL);
    /* a threshold in the channel's own type, right-aligned: 'h' -2 is 00 00 ff fe */
    sc_efirmata_toc neg = { .mode = 3 };
    assert_int_equal(sc_efirmata_toc_set_threshold(&neg, num('h', -2), &err), SC_OK);
    static const uint8_t minus_two[4] = { 0x00, 0x00, 0xff, 0xfe };
    assert_memory_equal(neg.threshold, minus_two, 4);
    assert_int_equal(sc_efirmata_toc_threshold(&neg, 'h', &t, &err), SC_OK);
    assert_true(sc_efirmata_num_to_double(t) == -2.0);
    assert_int_equal(sc_efirmata_toc_set_threshold(&neg, num('q', 5), &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "4-byte"));
}

static void expect_toc_error(const uint8_t *p, size_t len, const char *needle)
{
    sc_efirmata_toc toc;
    sc_error err;
    assert_int_equal(sc_efirmata_toc_decode(p, len, &toc, &err), SC_ERR_PROTOCOL);
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_toc_refusals(void **state)
{
    (void)state;
    uint8_t p[29];
    memcpy(p, TOC_VECTOR, 28);
    expect_toc_error(p, 27, "27 bytes");
    expect_toc_error(p, 29, "29 bytes");
    p[0] = 'E';
    expect_toc_error(p, 28, "id token");
    memcpy(p, TOC_VECTOR, 28);
    p[10] = 'M';
    expect_toc_error(p, 28, "sub-token \"TOM\"");
    memcpy(p, TOC_VECTOR, 28);
    p[11] = 1;
    expect_toc_error(p, 28, "version 1");
    memcpy(p, TOC_VECTOR, 28);
    p[16] = 5;
    expect_toc_error(p, 28, "trigger mode 5");
}

static void test_tom_vector(void **state)
{
    (void)state;
    sc_efirmata_meta m;
    firmware_meta(&m);
    uint8_t out[400];
    size_t len = 0;
    sc_error err;
    assert_int_equal(sc_efirmata_tom_encode(&m, out, sizeof out, &len, &err), SC_OK);
    assert_int_equal(len, 272);
    assert_memory_equal(out, TOM_HEADER_VECTOR, 16);
    for (int ch = 0; ch < 4; ch++) {
        uint8_t d[64];
        descriptor_vector(d, ch);
        assert_memory_equal(out + 16 + 64 * ch, d, 64);
    }
    /* 3.3 as a big-endian float */
    assert_int_equal(out[16 + 28], 0x40);
    assert_int_equal(out[16 + 31], 0x33);

    sc_efirmata_meta back;
    size_t trailing = 99;
    unsigned quirks = 0;
    assert_int_equal(sc_efirmata_tom_decode(out, len, &back, &trailing, &quirks, &err), SC_OK);
    assert_int_equal(trailing, 0);
    assert_true(quirks & SC_EFIRMATA_QUIRK_ERROR_TYPE);
    assert_true(back.inverse);
    assert_int_equal(back.domain_unit, 's');
    assert_int_equal(back.step.type, 'H');
    assert_true(sc_efirmata_num_to_double(back.step) == 38400.0);
    assert_int_equal(back.channel_count, 4);
    assert_int_equal(back.descriptor_size, 64);
    assert_int_equal(back.channels[2].error_type, 'S');
    assert_int_equal(back.channels[3].units, 'V');
    assert_true(sc_efirmata_num_to_double(back.channels[1].data_b) == 255.0);
    assert_true(sc_efirmata_num_to_double(back.channels[1].real_b) == (double)3.3f);
    assert_true(sc_efirmata_is_reference_firmware(&back));
    assert_int_equal(sc_efirmata_adc_number(0), 1);
    assert_int_equal(sc_efirmata_adc_number(2), 4);
    assert_int_equal(sc_efirmata_adc_number(3), 5);

    /* bytes after the descriptors are tolerated and reported */
    out[272] = 0xAA;
    quirks = 0;
    assert_int_equal(sc_efirmata_tom_decode(out, 273, &back, &trailing, &quirks, &err), SC_OK);
    assert_int_equal(trailing, 1);
    assert_true(quirks & SC_EFIRMATA_QUIRK_TOM_TRAILING);
}

static void expect_tom_error(const uint8_t *p, size_t len, const char *needle)
{
    sc_efirmata_meta m;
    size_t trailing;
    unsigned quirks = 0;
    sc_error err;
    assert_int_equal(sc_efirmata_tom_decode(p, len, &m, &trailing, &quirks, &err), SC_ERR_PROTOCOL);
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_tom_refusals(void **state)
{
    (void)state;
    sc_efirmata_meta m;
    firmware_meta(&m);
    uint8_t good[272], p[272];
    size_t len;
    sc_error err;
    assert_int_equal(sc_efirmata_tom_encode(&m, good, sizeof good, &len, &err), SC_OK);
    expect_tom_error(good, 10, "shorter than the 16-byte header");
    expect_tom_error(good, 200, "need 272 bytes but the datagram has 200 (truncated?)");
#define MUTATE(off, val, needle)       \
    do {                               \
        memcpy(p, good, sizeof good);  \
        p[off] = (val);                \
        expect_tom_error(p, 272, needle); \
    } while (0)
    MUTATE(0, 'X', "not \"TOM\"");
    MUTATE(3, 2, "version 2");
    MUTATE(4, 0x80, "domain unit");
    MUTATE(5, 'x', "step-size datatype 'x'");
    MUTATE(6, 0, "0 channels");
    MUTATE(7, 16, "descriptor stride 16");
    MUTATE(16 + 1, 'Z', "channel 0 data datatype 'Z'");
    MUTATE(16 + 64 + 1, 'q', "channel 1 data datatype 'q' (signed 64-bit) does not fit");
    MUTATE(16 + 128 + 2, '?', "channel 2 real datatype '?'");
    MUTATE(16 + 192 + 3, 2, "channel 3 scale type 2");
    MUTATE(16, 0x07, "units byte 0x07");
#undef MUTATE
}

static void test_tod_vector(void **state)
{
    (void)state;
    sc_efirmata_tod tod = { .bytes_per_sample = 4, .total_samples = 309, .start = 0 };
    uint8_t pkt[12 + 1236 + 8];
    sc_efirmata_tod_encode_header(&tod, pkt);
    assert_memory_equal(pkt, TOD_HEADER_VECTOR, 12);
    for (size_t i = 0; i < 1236; i++)
        pkt[12 + i] = (uint8_t)i;
    memset(pkt + 12 + 1236, 0xEE, 8); /* the firmware's stray bytes */

    sc_efirmata_tod back;
    sc_error err;
    assert_int_equal(sc_efirmata_tod_decode(pkt, sizeof pkt, 0, &back, &err), SC_OK);
    assert_int_equal(back.bytes_per_sample, 4);
    assert_int_equal(back.total_samples, 309);
    assert_int_equal(back.start, 0);
    assert_int_equal(back.data_len, 1236);
    assert_int_equal(back.trailing, 8);
    assert_ptr_equal(back.data, pkt + 12);

    /* the second packet of a 531-sample capture: 222 frames from 309 */
    tod = (sc_efirmata_tod){ .bytes_per_sample = 4, .total_samples = 222, .start = 309 };
    sc_efirmata_tod_encode_header(&tod, pkt);
    static const uint8_t second[12] = { 0x54, 0x4f, 0x44, 0x00, 0x04, 0x00, 0x00, 0xde, 0x00, 0x00, 0x01, 0x35 };
    assert_memory_equal(pkt, second, 12);

    assert_int_equal(sc_efirmata_tod_decode(pkt, 12 + 800, 0, &back, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "222 frames x 4 bytes = 888 data bytes announced, the datagram carries 800"));
    assert_int_equal(sc_efirmata_tod_decode(pkt, 11, 0, &back, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "11 bytes"));
    pkt[6] = pkt[7] = 0;
    assert_int_equal(sc_efirmata_tod_decode(pkt, 100, 0, &back, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "0 samples"));
    pkt[7] = 1;
    pkt[4] = 0;
    assert_int_equal(sc_efirmata_tod_decode(pkt, 100, 0, &back, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "bytesPerSample is 0"));
    pkt[4] = 4;
    pkt[3] = 7;
    assert_int_equal(sc_efirmata_tod_decode(pkt, 100, 0, &back, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "version 7"));
}

static void test_frame_stride(void **state)
{
    (void)state;
    sc_efirmata_meta m;
    firmware_meta(&m);
    size_t stride = 0, offsets[4];
    unsigned quirks = 0;
    sc_error err;
    assert_int_equal(sc_efirmata_frame_layout(&m, offsets), 4);
    assert_int_equal(offsets[3], 3);
    assert_int_equal(sc_efirmata_frame_stride(&m, 4, &stride, &quirks, &err), SC_OK);
    assert_int_equal(stride, 4);
    assert_int_equal(quirks, SC_EFIRMATA_QUIRK_FRAME_STRIDE);
    quirks = 0;
    assert_int_equal(sc_efirmata_frame_stride(&m, 1, &stride, &quirks, &err), SC_OK); /* per channel */
    assert_int_equal(stride, 4);
    assert_int_equal(quirks, SC_EFIRMATA_QUIRK_CHANNEL_SIZE);
    assert_int_equal(sc_efirmata_frame_stride(&m, 3, &stride, &quirks, &err), SC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "bytesPerSample 3"));
    /* mixed types: only the frame stride can be meant */
    m.channels[1].data_type = 'h';
    m.channels[2].data_type = 'f';
    assert_int_equal(sc_efirmata_frame_layout(&m, offsets), 1 + 2 + 4 + 1);
    assert_int_equal(offsets[2], 3);
    assert_int_equal(offsets[3], 7);
    quirks = 0;
    assert_int_equal(sc_efirmata_frame_stride(&m, 8, &stride, &quirks, &err), SC_OK);
    /* the frame stride is the documented reading: a quirk only for the reference firmware */
    assert_int_equal(quirks, 0);
    assert_int_equal(sc_efirmata_frame_stride(&m, 1, &stride, &quirks, &err), SC_ERR_PROTOCOL);
    assert_false(sc_efirmata_is_reference_firmware(&m));
}

/* Values worth trying in a type: its edges, zero, one, and something in between. */
static int sample_values(char type, double *v)
{
    int n = 0;
    switch (type) {
    case 'b': v[n++] = -128; v[n++] = 127; v[n++] = -1; break;
    case 'B': v[n++] = 255; v[n++] = 128; break;
    case 'h': v[n++] = -32768; v[n++] = 32767; v[n++] = -2; break;
    case 'H': v[n++] = 65535; v[n++] = 38400; break;
    case 'i': case 'l': v[n++] = -2147483648.0; v[n++] = 2147483647.0; v[n++] = -70000; break;
    case 'I': case 'L': v[n++] = 4294967295.0; v[n++] = 3000000000.0; break;
    case 'q': v[n++] = -9223372036854775808.0; v[n++] = 9007199254740993.0 - 1; v[n++] = -5; break;
    case 'Q': v[n++] = 18446744073709549568.0; v[n++] = 9007199254740992.0; break;
    case 'f': v[n++] = 3.3f; v[n++] = -1.5e-30f; v[n++] = 3.4e38f; break;
    case 'd': v[n++] = 3.3; v[n++] = -1e-300; v[n++] = 1.7976931348623157e308; break;
    default: break;
    }
    v[n++] = 0;
    v[n++] = 1;
    return n;
}

static void test_round_trip_every_type(void **state)
{
    (void)state;
    sc_error err;
    for (const char *t = ALL_TYPES; *t; t++) {
        size_t size = sc_efirmata_type_size(*t);
        assert_true(size == 1 || size == 2 || size == 4 || size == 8);
        double v[8];
        int n = sample_values(*t, v);
        for (int i = 0; i < n; i++) {
            sc_efirmata_num a = num(*t, v[i]);
            /* right-aligned in an 8-byte field: zeros in front, the value big-endian at the end */
            uint8_t field[8];
            assert_true(sc_efirmata_put_field(field, 8, a));
            for (size_t k = 0; k < 8 - size; k++)
                assert_int_equal(field[k], 0);
            assert_int_equal(field[7], (uint8_t)a.bits);
            assert_int_equal(field[8 - size], (uint8_t)(a.bits >> (8 * (size - 1))));
            sc_efirmata_num b;
            assert_true(sc_efirmata_get_field(field, 8, *t, &b));
            assert_int_equal(b.bits, a.bits);
            if (sc_efirmata_num_to_double(b) != v[i])
                fail_msg("type %c: %.17g came back as %.17g", *t, v[i], sc_efirmata_num_to_double(b));
            /* the sample decoder agrees with the field decoder */
            assert_true(sc_efirmata_sample_to_double(*t, field + 8 - size) == v[i]);
            /* 4-byte fields take 4-byte types and refuse 8-byte ones */
            uint8_t small[4];
            assert_int_equal(sc_efirmata_put_field(small, 4, a), size <= 4);
        }
        /* out of range or not finite is refused */
        sc_efirmata_num junk;
        if (!sc_efirmata_type_is_float(*t)) {
            double lo = sc_efirmata_type_is_signed(*t) ? -ldexp(1.0, (int)size * 8 - 1) : -1;
            assert_int_equal(sc_efirmata_num_from_double(*t, lo * 4, &junk, &err), SC_ERR_USAGE);
        }
        assert_int_equal(sc_efirmata_num_from_double(*t, NAN, &junk, &err), SC_ERR_USAGE);
    }
    sc_efirmata_num junk;
    assert_int_equal(sc_efirmata_num_from_double('x', 1, &junk, &err), SC_ERR_USAGE);
    assert_int_equal(sc_efirmata_type_size('x'), 0);
    assert_int_equal(sc_efirmata_num_from_double('f', 1e39, &junk, &err), SC_ERR_USAGE);
}

/* Every data type (up to 4 bytes) with every real type through a descriptor, and a TOM of
 * such channels through encode and decode. */
static void test_descriptor_round_trip(void **state)
{
    (void)state;
    sc_error err;
    sc_efirmata_meta m = { .domain_unit = 's', .descriptor_size = 40, .step = num('d', 1e-5) };
    for (const char *dt = ALL_TYPES; *dt; dt++) {
        if (sc_efirmata_type_size(*dt) > 4)
            continue;
        for (const char *rt = ALL_TYPES; *rt; rt++) {
            sc_efirmata_channel ch = { .units = 'A', .data_type = *dt, .real_type = *rt, .scale_type = 1,
                                       .data_a = num(*dt, 0), .real_a = num(*rt, 0), .data_b = num(*dt, 100),
                                       .real_b = num(*rt, sc_efirmata_type_is_float(*rt) ? 2.5 : 25) };
            uint8_t d[40];
            assert_int_equal(sc_efirmata_channel_encode(&ch, d, sizeof d, &err), SC_OK);
            sc_efirmata_channel back;
            bool junk = true;
            assert_int_equal(sc_efirmata_channel_decode(d, sizeof d, 0, &back, &junk, &err), SC_OK);
            assert_false(junk);
            assert_int_equal(back.data_type, *dt);
            assert_int_equal(back.real_type, *rt);
            assert_int_equal(back.data_b.bits, ch.data_b.bits);
            assert_int_equal(back.real_b.bits, ch.real_b.bits);
            if (m.channel_count < SC_EFIRMATA_MAX_CHANNELS)
                m.channels[m.channel_count++] = ch;
        }
    }
    static uint8_t tom[16 + 255 * 40];
    size_t len;
    assert_int_equal(sc_efirmata_tom_encode(&m, tom, sizeof tom, &len, &err), SC_OK);
    assert_int_equal(len, 16 + (size_t)m.channel_count * 40);
    static sc_efirmata_meta back;
    size_t trailing;
    unsigned quirks = 0;
    assert_int_equal(sc_efirmata_tom_decode(tom, len, &back, &trailing, &quirks, &err), SC_OK);
    assert_int_equal(quirks, 0);
    assert_int_equal(back.channel_count, m.channel_count);
    assert_false(back.inverse);
    assert_true(sc_efirmata_num_to_double(back.step) == 1e-5);
    for (int i = 0; i < m.channel_count; i++) {
        assert_int_equal(back.channels[i].data_type, m.channels[i].data_type);
        assert_int_equal(back.channels[i].real_b.bits, m.channels[i].real_b.bits);
    }
    /* an 8-byte data type cannot be described */
    sc_efirmata_channel wide = { .units = 'V', .data_type = 'q', .real_type = 'f', .scale_type = 1 };
    uint8_t d[40];
    assert_int_equal(sc_efirmata_channel_encode(&wide, d, sizeof d, &err), SC_ERR_USAGE);
}

/* TOD data of every sample type: frames decode back to the values packed. */
static void test_tod_samples_every_type(void **state)
{
    (void)state;
    sc_error err;
    for (const char *t = ALL_TYPES; *t; t++) {
        size_t size = sc_efirmata_type_size(*t);
        double v[8];
        int n = sample_values(*t, v);
        uint8_t pkt[12 + 8 * 8];
        sc_efirmata_tod tod = { .bytes_per_sample = (uint8_t)size, .total_samples = (uint16_t)n, .start = 7 };
        sc_efirmata_tod_encode_header(&tod, pkt);
        for (int i = 0; i < n; i++)
            assert_true(sc_efirmata_put_field(pkt + 12 + (size_t)i * size, size, num(*t, v[i])));
        sc_efirmata_tod back;
        assert_int_equal(sc_efirmata_tod_decode(pkt, 12 + (size_t)n * size, 0, &back, &err), SC_OK);
        assert_int_equal(back.start, 7);
        assert_int_equal(back.trailing, 0);
        for (int i = 0; i < n; i++)
            assert_true(sc_efirmata_sample_to_double(*t, back.data + (size_t)i * size) == v[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toc_vector),
        cmocka_unit_test(test_toc_refusals),
        cmocka_unit_test(test_tom_vector),
        cmocka_unit_test(test_tom_refusals),
        cmocka_unit_test(test_tod_vector),
        cmocka_unit_test(test_frame_stride),
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_descriptor_round_trip),
        cmocka_unit_test(test_tod_samples_every_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
