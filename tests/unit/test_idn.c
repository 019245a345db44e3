/* *IDN? parsing, vendor aliases and the field glob (lib/scpi/idn.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scopecap/scpi.h"

static sc_status parse(const char *s, sc_idn *idn, sc_error *err)
{
    return sc_idn_parse(s, strlen(s), idn, err);
}

static void test_real_idn_strings(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *mfr, *model, *serial, *fw;
        sc_vendor vendor;
    } cases[] = {
        {"RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4\n", "RIGOL TECHNOLOGIES", "DS1054Z",
         "DS1ZA000000001", "00.04.04.SP4", SC_VENDOR_RIGOL},
        {"Siglent Technologies,SDS1104X-E,SDSMMEBQ4R5097,8.1.6.1.37R2\n", "Siglent Technologies",
         "SDS1104X-E", "SDSMMEBQ4R5097", "8.1.6.1.37R2", SC_VENDOR_SIGLENT},
        {"KEYSIGHT TECHNOLOGIES,DSO-X 3024T,MY12345678,07.50.2021102830\n", "KEYSIGHT TECHNOLOGIES",
         "DSO-X 3024T", "MY12345678", "07.50.2021102830", SC_VENDOR_KEYSIGHT},
        {"AGILENT TECHNOLOGIES,DSO-X 2002A,MY54321098,02.43.2018020635\n", "AGILENT TECHNOLOGIES",
         "DSO-X 2002A", "MY54321098", "02.43.2018020635", SC_VENDOR_KEYSIGHT},
        {"TEKTRONIX,MSO54,C012345,CF:91.1CT FV:1.30.1.3\n", "TEKTRONIX", "MSO54", "C012345",
         "CF:91.1CT FV:1.30.1.3", SC_VENDOR_TEKTRONIX},
        {"LECROY,WAVESURFER3024,LCRY1234N56789,9.3.0\n", "LECROY", "WAVESURFER3024", "LCRY1234N56789",
         "9.3.0", SC_VENDOR_LECROY},
        {"Rohde&Schwarz,RTB2004,1333.1005k04/123456,02.300\n", "Rohde&Schwarz", "RTB2004",
         "1333.1005k04/123456", "02.300", SC_VENDOR_RS},
        {"HAMEG,HMO1024,012345678,05.521\n", "HAMEG", "HMO1024", "012345678", "05.521", SC_VENDOR_RS},
        {"GW,GDS-1054B,GEQ123456,V1.25\n", "GW", "GDS-1054B", "GEQ123456", "V1.25", SC_VENDOR_GWINSTEK},
        {"OWON,SDS1102,2035012,V3.0.0\n", "OWON", "SDS1102", "2035012", "V3.0.0", SC_VENDOR_OWON},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_idn idn;
        sc_error err;
        assert_int_equal(parse(cases[i].text, &idn, &err), SC_OK);
        assert_string_equal(idn.manufacturer, cases[i].mfr);
        assert_string_equal(idn.model, cases[i].model);
        assert_string_equal(idn.serial, cases[i].serial);
        assert_string_equal(idn.firmware, cases[i].fw);
        assert_int_equal(sc_vendor_from_manufacturer(idn.manufacturer), cases[i].vendor);
    }
}

static void test_trimming_and_extra_commas(void **state)
{
    (void)state;
    sc_idn idn;
    sc_error err;
    assert_int_equal(parse("  RIGOL TECHNOLOGIES , DS1104Z ,DS1ZA1234, 00.04.04.SP3 \r\n", &idn, &err), SC_OK);
    assert_string_equal(idn.manufacturer, "RIGOL TECHNOLOGIES");
    assert_string_equal(idn.model, "DS1104Z");
    assert_string_equal(idn.serial, "DS1ZA1234");
    assert_string_equal(idn.firmware, "00.04.04.SP3");

    /* extra commas belong to the firmware field */
    assert_int_equal(parse("ACME,X1,42,1.0,build 7,beta\n", &idn, &err), SC_OK);
    assert_string_equal(idn.firmware, "1.0,build 7,beta");

    /* two fields are enough; the rest stay empty */
    assert_int_equal(parse("FAKE,RAW\n", &idn, &err), SC_OK);
    assert_string_equal(idn.manufacturer, "FAKE");
    assert_string_equal(idn.model, "RAW");
    assert_string_equal(idn.serial, "");
    assert_string_equal(idn.firmware, "");

    /* only len bytes are read: no terminator needed */
    const char raw[] = {'A', ',', 'B', ',', 'C', 'X', 'Y'};
    assert_int_equal(sc_idn_parse(raw, 5, &idn, &err), SC_OK);
    assert_string_equal(idn.serial, "C");
}

static void test_rejected(void **state)
{
    (void)state;
    sc_idn idn;
    sc_error err;
    assert_int_equal(parse("", &idn, &err), SC_ERR_INSTRUMENT);
    assert_int_equal(parse(" \r\n", &idn, &err), SC_ERR_INSTRUMENT);
    assert_int_equal(sc_idn_parse(NULL, 0, &idn, &err), SC_ERR_INSTRUMENT);
    assert_int_equal(parse("DS1054Z\n", &idn, &err), SC_ERR_INSTRUMENT);
    assert_non_null(strstr(err.message, "\"DS1054Z\""));
    /* the quoted text is sanitised too */
    assert_int_equal(parse("\x1b[2Jbad\x07\n", &idn, &err), SC_ERR_INSTRUMENT);
    for (const char *c = err.message; *c; c++)
        assert_true((unsigned char)*c >= 0x20);
    assert_int_equal(parse(" , \n", &idn, &err), SC_ERR_INSTRUMENT);
}

static void test_hostile_text(void **state)
{
    (void)state;
    sc_idn idn;
    sc_error err;
    const char *evil = "\x1b]0;pwned\x07RIGOL\x1b[31m,../../etc/passwd,\x01\x02\x7f\xff,1.0\x1b[0m\n";
    assert_int_equal(parse(evil, &idn, &err), SC_OK);
    const char *fields[] = {idn.manufacturer, idn.model, idn.serial, idn.firmware};
    for (size_t i = 0; i < 4; i++)
        for (const char *c = fields[i]; *c; c++)
            assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
    assert_string_equal(idn.model, "../../etc/passwd"); /* printable: kept; file names sanitise it */
    assert_string_equal(idn.serial, "????");
    assert_int_equal(sc_vendor_from_manufacturer(idn.manufacturer), SC_VENDOR_UNKNOWN);

    /* overlong fields are truncated, not overflowed */
    size_t n = 10000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'M', n);
    big[3000] = ',';
    big[6000] = ',';
    big[8000] = ',';
    big[n] = '\0';
    assert_int_equal(sc_idn_parse(big, n, &idn, &err), SC_OK);
    assert_int_equal(strlen(idn.manufacturer), sizeof idn.manufacturer - 1);
    assert_int_equal(strlen(idn.model), sizeof idn.model - 1);
    assert_int_equal(strlen(idn.serial), sizeof idn.serial - 1);
    assert_int_equal(strlen(idn.firmware), sizeof idn.firmware - 1);
    free(big);
}

static void test_vendor_aliases(void **state)
{
    (void)state;
    static const struct {
        const char *mfr;
        sc_vendor vendor;
    } cases[] = {
        {"RIGOL TECHNOLOGIES", SC_VENDOR_RIGOL},
        {"Rigol Technologies,", SC_VENDOR_RIGOL},
        {"Rigol Technologies,DS1104Z,DS1ZA1,00.04", SC_VENDOR_RIGOL},
        {"RIGOL", SC_VENDOR_RIGOL},
        {"rigol", SC_VENDOR_RIGOL},
        {"Siglent Technologies", SC_VENDOR_SIGLENT},
        {"SIGLENT", SC_VENDOR_SIGLENT},
        {"KEYSIGHT TECHNOLOGIES", SC_VENDOR_KEYSIGHT},
        {"Agilent Technologies", SC_VENDOR_KEYSIGHT},
        {"AGILENT TECHNOLOGIES", SC_VENDOR_KEYSIGHT},
        {"AGILENT", SC_VENDOR_KEYSIGHT},
        {"Hewlett-Packard", SC_VENDOR_KEYSIGHT},
        {"HEWLETT-PACKARD", SC_VENDOR_KEYSIGHT},
        {"HP", SC_VENDOR_KEYSIGHT},
        {"TEKTRONIX", SC_VENDOR_TEKTRONIX},
        {"LECROY", SC_VENDOR_LECROY},
        {"Teledyne LeCroy", SC_VENDOR_LECROY},
        {"TELEDYNE LECROY", SC_VENDOR_LECROY},
        {"Rohde&Schwarz", SC_VENDOR_RS},
        {"ROHDE&SCHWARZ", SC_VENDOR_RS},
        {"Rohde & Schwarz", SC_VENDOR_RS},
        {"HAMEG", SC_VENDOR_RS},
        {"GW", SC_VENDOR_GWINSTEK},
        {"GW INSTEK", SC_VENDOR_GWINSTEK},
        {"GWINSTEK", SC_VENDOR_GWINSTEK},
        {"OWON", SC_VENDOR_OWON},
        {"Hantek", SC_VENDOR_HANTEK},
        {"  TEKTRONIX \t", SC_VENDOR_TEKTRONIX},
        /* anchored: no substring matches */
        {"NOT AGILENT", SC_VENDOR_UNKNOWN},
        {"AGILENTX", SC_VENDOR_UNKNOWN},
        {"GWX", SC_VENDOR_UNKNOWN},
        {"GW INSTEKS", SC_VENDOR_UNKNOWN},
        {"G", SC_VENDOR_UNKNOWN},
        {"HPE", SC_VENDOR_UNKNOWN},
        {"", SC_VENDOR_UNKNOWN},
        {"FAKE", SC_VENDOR_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_vendor v = sc_vendor_from_manufacturer(cases[i].mfr);
        if (v != cases[i].vendor)
            fail_msg("\"%s\": got %s, want %s", cases[i].mfr, sc_vendor_name(v), sc_vendor_name(cases[i].vendor));
    }
    assert_int_equal(sc_vendor_from_manufacturer(NULL), SC_VENDOR_UNKNOWN);
}

static void test_vendor_names(void **state)
{
    (void)state;
    assert_string_equal(sc_vendor_name(SC_VENDOR_RIGOL), "Rigol");
    assert_string_equal(sc_vendor_name(SC_VENDOR_SIGLENT), "Siglent");
    assert_string_equal(sc_vendor_name(SC_VENDOR_KEYSIGHT), "Keysight");
    assert_string_equal(sc_vendor_name(SC_VENDOR_TEKTRONIX), "Tektronix");
    assert_string_equal(sc_vendor_name(SC_VENDOR_LECROY), "LeCroy");
    assert_string_equal(sc_vendor_name(SC_VENDOR_RS), "Rohde & Schwarz");
    assert_string_equal(sc_vendor_name(SC_VENDOR_GWINSTEK), "GW Instek");
    assert_string_equal(sc_vendor_name(SC_VENDOR_OWON), "Owon");
    assert_string_equal(sc_vendor_name(SC_VENDOR_HANTEK), "Hantek");
    assert_string_equal(sc_vendor_name(SC_VENDOR_UNKNOWN), "unknown");
    assert_string_equal(sc_vendor_name(SC_VENDOR_COUNT), "unknown");
    assert_string_equal(sc_vendor_name((sc_vendor)999), "unknown");
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(sc_field_matches("DS1*Z", "DS1054Z"));
    assert_true(sc_field_matches("ds1*z", "DS1054Z"));
    assert_false(sc_field_matches("DS1*Z", "XDS1054Z"));
    assert_false(sc_field_matches("DS1*Z", "DS1054Z-X"));
    assert_true(sc_field_matches("DS1*Z*", "DS1054Z-X"));
    assert_true(sc_field_matches("DS1??4Z", "DS1054Z"));
    assert_false(sc_field_matches("DS1?4Z", "DS1054Z"));
    assert_true(sc_field_matches("SDS1[01]0[24]X*", "SDS1104X-E"));
    assert_false(sc_field_matches("SDS1[01]0[24]X*", "SDS1204X-E"));
    assert_true(sc_field_matches("MSO[4-6]*", "MSO54"));
    assert_false(sc_field_matches("MSO[4-6]*", "MSO74"));
    assert_true(sc_field_matches("[a-z][a-z]*", "GW"));     /* ranges ignore case */
    assert_true(sc_field_matches("[!0-9]*", "RTB2004"));
    assert_false(sc_field_matches("[!0-9]*", "2004"));
    assert_true(sc_field_matches("A[B", "A[B"));            /* unclosed class: literal '[' */
    assert_true(sc_field_matches("[]]x", "]x"));
    assert_true(sc_field_matches("*", ""));
    assert_true(sc_field_matches("", ""));
    assert_false(sc_field_matches("", "x"));
    assert_false(sc_field_matches("?", ""));
    assert_true(sc_field_matches("**a**", "bab"));
    assert_false(sc_field_matches(NULL, "x"));
    assert_false(sc_field_matches("x", NULL));
}

static void test_glob_pathological(void **state)
{
    (void)state;
    size_t n = 100000;
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, 'a', n);
    s[n] = '\0';
    clock_t t0 = clock();
    assert_false(sc_field_matches("*a*a*a*a*a*b", s));
    assert_false(sc_field_matches("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", s));
    assert_true(sc_field_matches("*a*a*a*a*a*a", s));
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    /* Exponential backtracking would never finish; the iterative matcher takes ~ms. */
    assert_true(secs < 5.0);
    free(s);
}

/* A reply with its command header left on (LeCroy default COMM_HEADER): the header goes. */
static void test_idn_with_command_header(void **state)
{
    (void)state;
    sc_idn idn;
    sc_error err;
    const char *text = "*IDN LECROY,WAVESURFER3024,LCRY1234N56789,9.3.0\n";
    assert_int_equal(sc_idn_parse(text, strlen(text), &idn, &err), SC_OK);
    assert_string_equal(idn.manufacturer, "LECROY");
    assert_string_equal(idn.model, "WAVESURFER3024");
    assert_int_equal(sc_vendor_from_manufacturer(idn.manufacturer), SC_VENDOR_LECROY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idn_with_command_header),
        cmocka_unit_test(test_real_idn_strings),
        cmocka_unit_test(test_trimming_and_extra_commas),
        cmocka_unit_test(test_rejected),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_vendor_aliases),
        cmocka_unit_test(test_vendor_names),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_glob_pathological),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
