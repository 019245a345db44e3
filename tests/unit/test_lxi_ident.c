/* GET /lxi/identification: the HTTP response parser and the XML parser. */
#include "scopecap/discover.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static sc_status parse(const char *text, bool eof, sc_http_response *r, sc_buf *body)
{
    sc_error err;
    return sc_http_parse_response((const uint8_t *)text, strlen(text), eof, r, body, &err);
}

static void test_http_lengths(void **state)
{
    (void)state;
    sc_http_response r;
    sc_buf body;
    sc_buf_init(&body, SC_HTTP_MAX_BODY);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", false, &r, &body), SC_OK);
    assert_false(r.complete);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nabcde", false, &r, &body), SC_OK);
    assert_true(r.complete);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 5);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", true, &r, &body), SC_ERR_CLOSED);
    /* no length: the body ends with the connection */
    assert_int_equal(parse("HTTP/1.0 200 OK\n\n<x/>", false, &r, &body), SC_OK);
    assert_false(r.complete);
    assert_int_equal(parse("HTTP/1.0 200 OK\n\n<x/>", true, &r, &body), SC_OK);
    assert_true(r.complete);
    assert_int_equal(r.body_len, 4);
    /* hostile lengths */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", false, &r, &body),
                     SC_ERR_TOO_LARGE);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, &r, &body), SC_ERR_TOO_LARGE);
    assert_int_equal(parse("SSH-2.0-OpenSSH\r\n", false, &r, &body), SC_ERR_PROTOCOL);
    assert_int_equal(parse("HTTP/1.1 abc\r\n\r\n", false, &r, &body), SC_ERR_PROTOCOL);
    sc_buf_free(&body);
}

static void test_http_chunked_and_auth(void **state)
{
    (void)state;
    sc_http_response r;
    sc_buf body;
    sc_buf_init(&body, SC_HTTP_MAX_BODY);
    const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n";
    assert_int_equal(parse(chunked, false, &r, &body), SC_OK);
    assert_true(r.complete);
    assert_int_equal(body.len, 5);
    assert_memory_equal(body.data, "abcde", 5);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab", false, &r, &body), SC_OK);
    assert_false(r.complete);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffff\r\n", false, &r, &body),
                     SC_ERR_TOO_LARGE);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, &r, &body),
                     SC_ERR_PROTOCOL);
    assert_int_equal(parse("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"Rigol Web\"\r\n"
                           "Content-Length: 0\r\n\r\n", false, &r, &body), SC_OK);
    assert_int_equal(r.status, 401);
    assert_true(r.has_basic_auth);
    assert_string_equal(r.realm, "Rigol Web");
    sc_buf_free(&body);
}

static const char lxi_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- written by an instrument -->\n"
    "<lxi:LXIDevice xmlns:lxi=\"http://www.lxistandard.org/InstrumentIdentification/1.0\" a=\"x>y\">\n"
    "  <lxi:Manufacturer> Rohde &amp; Schwarz </lxi:Manufacturer>\n"
    "  <lxi:Model>RTB2004</lxi:Model>\n"
    "  <lxi:SerialNumber><![CDATA[1333.1005k04-102030]]></lxi:SerialNumber>\n"
    "  <lxi:FirmwareRevision>02.300&#x20;beta</lxi:FirmwareRevision>\n"
    "  <lxi:Interface InterfaceType=\"LXI\"><lxi:Model>not me</lxi:Model>\n"
    "    <lxi:InstrumentAddressString>TCPIP::192.168.0.7::hislip0::INSTR</lxi:InstrumentAddressString>\n"
    "    <lxi:InstrumentAddressString>TCPIP::192.168.0.7::5025::SOCKET</lxi:InstrumentAddressString>\n"
    "  </lxi:Interface>\n"
    "  <lxi:Domain/>\n"
    "</lxi:LXIDevice>\n";

static void test_xml_fields(void **state)
{
    (void)state;
    sc_lxi_ident id;
    sc_error err;
    assert_int_equal(sc_lxi_parse_xml(lxi_doc, strlen(lxi_doc), &id, &err), SC_OK);
    assert_string_equal(id.idn.manufacturer, "Rohde & Schwarz");
    assert_string_equal(id.idn.model, "RTB2004");
    assert_string_equal(id.idn.serial, "1333.1005k04-102030");
    assert_string_equal(id.idn.firmware, "02.300 beta");
    assert_int_equal(id.address_count, 2);
    assert_string_equal(id.address[0], "TCPIP::192.168.0.7::hislip0::INSTR");
}

/* Terminal escapes in the fields, raw or as character references: kept out of the text
 * (each one a '?') and flagged, so scan can say the listing is not what was sent. */
static void test_xml_hostile_fields(void **state)
{
    (void)state;
    static const char xml[] = "<LXIDevice><Manufacturer>RIGOL</Manufacturer><Model>DS1\x1b[2J/..054Z</Model>"
                              "<SerialNumber>S1</SerialNumber><FirmwareRevision>&#27;[0m1&#x9B;2J</FirmwareRevision>"
                              "</LXIDevice>";
    sc_lxi_ident id;
    sc_error err;
    assert_int_equal(sc_lxi_parse_xml(xml, sizeof xml - 1, &id, &err), SC_OK);
    assert_string_equal(id.idn.model, "DS1?[2J/..054Z");
    assert_string_equal(id.idn.firmware, "?[0m1?2J");
    assert_true(id.sanitized);
    static const char refs_only[] = "<LXIDevice><Manufacturer>R</Manufacturer><Model>M</Model>"
                                    "<FirmwareRevision>1&#7;</FirmwareRevision></LXIDevice>";
    assert_int_equal(sc_lxi_parse_xml(refs_only, sizeof refs_only - 1, &id, &err), SC_OK);
    assert_true(id.sanitized);
    static const char clean[] = "<LXIDevice><Manufacturer>R&amp;S</Manufacturer><Model>\n  RTB2004\n</Model></LXIDevice>";
    assert_int_equal(sc_lxi_parse_xml(clean, sizeof clean - 1, &id, &err), SC_OK);
    assert_string_equal(id.idn.model, "RTB2004");
    assert_false(id.sanitized);
}

static void test_xml_rejects(void **state)
{
    (void)state;
    sc_lxi_ident id;
    sc_error err;
    const char *html = "<html><body>Welcome</body></html>";
    assert_int_equal(sc_lxi_parse_xml(html, strlen(html), &id, &err), SC_ERR_FORMAT);
    assert_non_null(strstr(err.message, "<html>"));
    const char *no_model = "<LXIDevice><Manufacturer>X</Manufacturer></LXIDevice>";
    assert_int_equal(sc_lxi_parse_xml(no_model, strlen(no_model), &id, &err), SC_ERR_FORMAT);
    const char *bad_nesting = "<LXIDevice><Model>X</Manufacturer></LXIDevice>";
    assert_int_equal(sc_lxi_parse_xml(bad_nesting, strlen(bad_nesting), &id, &err), SC_ERR_FORMAT);
    const char *unterminated = "<LXIDevice><Model";
    assert_int_equal(sc_lxi_parse_xml(unterminated, strlen(unterminated), &id, &err), SC_ERR_FORMAT);
    char deep[40 * 4 + 1] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "<a>");
    assert_int_equal(sc_lxi_parse_xml(deep, strlen(deep), &id, &err), SC_ERR_FORMAT);
    assert_int_equal(sc_lxi_parse_xml("", 0, &id, &err), SC_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_lengths),
        cmocka_unit_test(test_http_chunked_and_auth),
        cmocka_unit_test(test_xml_fields),
        cmocka_unit_test(test_xml_rejects),
        cmocka_unit_test(test_xml_hostile_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
