/* HiSLIP message codec. Every rule a decoded header must obey is in type_rules[]: how
 * long its payload may be and which control codes the type defines, so a hostile length
 * never reaches an allocation or a read loop unchecked. */
#include "wire/hislip_wire.h"

#include <stdio.h>
#include <string.h>

typedef struct type_rule {
    const char *name;
    uint64_t max_payload; /* 0: no payload allowed */
    bool exact;           /* payload must be exactly max_payload */
    uint8_t max_control;  /* highest control code defined; 255 = any (bitmaps, STB) */
} type_rule;

#define ANY_CONTROL 255

static const type_rule type_rules[SC_HISLIP_LAST_KNOWN + 1] = {
    [SC_HISLIP_INITIALIZE] = { "Initialize", SC_HISLIP_MAX_SUBADDRESS, false, ANY_CONTROL },
    [SC_HISLIP_INITIALIZE_RESPONSE] = { "InitializeResponse", 0, false, ANY_CONTROL },
    [SC_HISLIP_FATAL_ERROR] = { "FatalError", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_ERROR] = { "Error", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_LOCK] = { "AsyncLock", SC_HISLIP_MAX_LOCK_STRING, false, 1 },
    [SC_HISLIP_ASYNC_LOCK_RESPONSE] = { "AsyncLockResponse", 0, false, 3 },
    [SC_HISLIP_DATA] = { "Data", SC_HISLIP_MAX_PAYLOAD, false, 1 },
    [SC_HISLIP_DATA_END] = { "DataEnd", SC_HISLIP_MAX_PAYLOAD, false, 1 },
    [SC_HISLIP_DEVICE_CLEAR_COMPLETE] = { "DeviceClearComplete", 0, false, ANY_CONTROL },
    [SC_HISLIP_DEVICE_CLEAR_ACKNOWLEDGE] = { "DeviceClearAcknowledge", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_REMOTE_LOCAL_CONTROL] = { "AsyncRemoteLocalControl", 0, false, 6 },
    [SC_HISLIP_ASYNC_REMOTE_LOCAL_RESPONSE] = { "AsyncRemoteLocalResponse", 0, false, ANY_CONTROL },
    [SC_HISLIP_TRIGGER] = { "Trigger", 0, false, 1 },
    [SC_HISLIP_INTERRUPTED] = { "Interrupted", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_INTERRUPTED] = { "AsyncInterrupted", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE] = { "AsyncMaximumMessageSize", 8, true, ANY_CONTROL },
    [SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE_RESPONSE] = { "AsyncMaximumMessageSizeResponse", 8, true,
                                                        ANY_CONTROL },
    [SC_HISLIP_ASYNC_INITIALIZE] = { "AsyncInitialize", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_INITIALIZE_RESPONSE] = { "AsyncInitializeResponse", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_DEVICE_CLEAR] = { "AsyncDeviceClear", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_SERVICE_REQUEST] = { "AsyncServiceRequest", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_STATUS_QUERY] = { "AsyncStatusQuery", 0, false, 1 },
    [SC_HISLIP_ASYNC_STATUS_RESPONSE] = { "AsyncStatusResponse", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_DEVICE_CLEAR_ACKNOWLEDGE] = { "AsyncDeviceClearAcknowledge", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_LOCK_INFO] = { "AsyncLockInfo", 0, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_LOCK_INFO_RESPONSE] = { "AsyncLockInfoResponse", 0, false, ANY_CONTROL },
    /* HiSLIP 2.0: we speak 1.1, so these only need a bound, not a meaning */
    [SC_HISLIP_GET_DESCRIPTORS] = { "GetDescriptors", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_GET_DESCRIPTORS_RESPONSE] = { "GetDescriptorsResponse", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_START_TLS] = { "StartTLS", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_START_TLS] = { "AsyncStartTLS", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_START_TLS_RESPONSE] = { "AsyncStartTLSResponse", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_END_TLS] = { "EndTLS", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_END_TLS] = { "AsyncEndTLS", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_ASYNC_END_TLS_RESPONSE] = { "AsyncEndTLSResponse", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_GET_SASL_MECHANISM_LIST] = { "GetSaslMechanismList", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_GET_SASL_MECHANISM_LIST_RESPONSE] = { "GetSaslMechanismListResponse", SC_HISLIP_MAX_TEXT, false,
                                                     ANY_CONTROL },
    [SC_HISLIP_AUTHENTICATION_START] = { "AuthenticationStart", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_AUTHENTICATION_EXCHANGE] = { "AuthenticationExchange", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
    [SC_HISLIP_AUTHENTICATION_RESULT] = { "AuthenticationResult", SC_HISLIP_MAX_TEXT, false, ANY_CONTROL },
};

bool sc_hislip_type_known(uint8_t type)
{
    return type <= SC_HISLIP_LAST_KNOWN || type >= SC_HISLIP_VENDOR_FIRST;
}

const char *sc_hislip_type_name(uint8_t type)
{
    /* one rotating buffer per thread is enough for a name used in one message */
    static _Thread_local char other[32];
    if (type <= SC_HISLIP_LAST_KNOWN)
        return type_rules[type].name;
    snprintf(other, sizeof other, "%s %u", type >= SC_HISLIP_VENDOR_FIRST ? "vendor-specific" : "reserved",
             type);
    return other;
}

const char *sc_hislip_fatal_text(uint8_t code)
{
    switch (code) {
    case SC_HISLIP_FATAL_UNIDENTIFIED: return "unidentified error";
    case SC_HISLIP_FATAL_BAD_HEADER: return "poorly formed message header";
    case SC_HISLIP_FATAL_NO_BOTH_CHANNELS: return "attempt to use connection without both channels established";
    case SC_HISLIP_FATAL_BAD_INIT_SEQUENCE: return "invalid initialization sequence";
    case SC_HISLIP_FATAL_TOO_MANY_CLIENTS: return "server refused connection due to maximum number of clients exceeded";
    case 5: return "secure connection failed";
    default: return code >= 128 ? "device-defined fatal error" : "reserved fatal error code";
    }
}

const char *sc_hislip_error_text(uint8_t code)
{
    switch (code) {
    case SC_HISLIP_ERR_UNIDENTIFIED: return "unidentified error";
    case SC_HISLIP_ERR_UNKNOWN_TYPE: return "unrecognized message type";
    case SC_HISLIP_ERR_UNKNOWN_CONTROL: return "unrecognized control code";
    case SC_HISLIP_ERR_UNKNOWN_VENDOR: return "unrecognized vendor defined message";
    case SC_HISLIP_ERR_TOO_LARGE: return "message too large";
    case 5: return "authentication failed";
    default: return code >= 128 ? "device-defined error" : "reserved error code";
    }
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)(v >> 32));
    put_u32(p + 4, (uint32_t)v);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t sc_hislip_decode_u64(const uint8_t payload[8])
{
    return (uint64_t)get_u32(payload) << 32 | get_u32(payload + 4);
}

void sc_hislip_encode_header(uint8_t out[SC_HISLIP_HEADER_LEN], uint8_t type, uint8_t control, uint32_t param,
                             uint64_t length)
{
    out[0] = 'H';
    out[1] = 'S';
    out[2] = type;
    out[3] = control;
    put_u32(out + 4, param);
    put_u64(out + 8, length);
}

size_t sc_hislip_encode(uint8_t *out, size_t cap, uint8_t type, uint8_t control, uint32_t param,
                        const void *payload, size_t length)
{
    if (cap < SC_HISLIP_HEADER_LEN || length > cap - SC_HISLIP_HEADER_LEN)
        return 0;
    sc_hislip_encode_header(out, type, control, param, length);
    if (length)
        memcpy(out + SC_HISLIP_HEADER_LEN, payload, length);
    return SC_HISLIP_HEADER_LEN + length;
}

static void reject(sc_hislip_reject *r, bool fatal, uint8_t code)
{
    if (r) {
        r->fatal = fatal;
        r->code = code;
    }
}

/* The per-type rules once prologue and type are known good. */
static sc_status check_rule(const sc_hislip_header *h, sc_hislip_reject *r, sc_error *err)
{
    if (h->type >= SC_HISLIP_VENDOR_FIRST)
        return SC_OK; /* meaning unknown to us; the global length bound was enough */
    const type_rule *rule = &type_rules[h->type];
    if (rule->exact ? h->length != rule->max_payload : h->length > rule->max_payload) {
        reject(r, false, SC_HISLIP_ERR_TOO_LARGE);
        if (rule->exact)
            return sc_error_set(err, SC_ERR_PROTOCOL, "HiSLIP %s carries %llu payload bytes instead of %llu",
                                rule->name, (unsigned long long)h->length, (unsigned long long)rule->max_payload);
        return sc_error_set(err, SC_ERR_PROTOCOL, "HiSLIP %s carries %llu payload bytes, at most %llu allowed",
                            rule->name, (unsigned long long)h->length, (unsigned long long)rule->max_payload);
    }
    if (rule->max_control != ANY_CONTROL && h->control > rule->max_control) {
        reject(r, false, SC_HISLIP_ERR_UNKNOWN_CONTROL);
        return sc_error_set(err, SC_ERR_PROTOCOL, "HiSLIP %s has control code %u, which it does not define (0..%u)",
                            rule->name, h->control, rule->max_control);
    }
    return SC_OK;
}

sc_status sc_hislip_decode_header(const uint8_t *buf, size_t n, sc_hislip_header *h, sc_hislip_reject *r,
                                  sc_error *err)
{
    memset(h, 0, sizeof *h);
    if (n < SC_HISLIP_HEADER_LEN) {
        reject(r, true, SC_HISLIP_FATAL_BAD_HEADER);
        return sc_error_set(err, SC_ERR_PROTOCOL, "HiSLIP header needs 16 bytes, got %zu", n);
    }
    if (buf[0] != 'H' || buf[1] != 'S') {
        reject(r, true, SC_HISLIP_FATAL_BAD_HEADER);
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "HiSLIP header starts with 0x%02x 0x%02x instead of \"HS\" (not a HiSLIP peer, or out of step)",
                            buf[0], buf[1]);
    }
    h->type = buf[2];
    h->control = buf[3];
    h->param = get_u32(buf + 4);
    h->length = sc_hislip_decode_u64(buf + 8);
    if (h->length > SC_HISLIP_MAX_PAYLOAD) {
        /* too long to skip in reasonable time: treat as a broken header */
        reject(r, true, SC_HISLIP_FATAL_BAD_HEADER);
        return sc_error_set(err, SC_ERR_TOO_LARGE, "HiSLIP %s announces %llu payload bytes, beyond the %llu-byte limit",
                            sc_hislip_type_name(h->type), (unsigned long long)h->length,
                            (unsigned long long)SC_HISLIP_MAX_PAYLOAD);
    }
    if (!sc_hislip_type_known(h->type)) {
        reject(r, false, SC_HISLIP_ERR_UNKNOWN_TYPE);
        return sc_error_set(err, SC_ERR_PROTOCOL, "HiSLIP message type %u is reserved (not a message of IVI-6.1)",
                            h->type);
    }
    return check_rule(h, r, err);
}

uint32_t sc_hislip_initialize_param(uint16_t version, const char vendor[2])
{
    return (uint32_t)version << 16 | (uint32_t)(uint8_t)vendor[0] << 8 | (uint8_t)vendor[1];
}

void sc_hislip_initialize_unpack(uint32_t param, uint16_t *version, char vendor[3])
{
    *version = (uint16_t)(param >> 16);
    vendor[0] = (char)(param >> 8);
    vendor[1] = (char)param;
    vendor[2] = '\0';
}

uint32_t sc_hislip_initialize_response_param(uint16_t version, uint16_t session_id)
{
    return (uint32_t)version << 16 | session_id;
}

void sc_hislip_initialize_response_unpack(uint32_t param, uint16_t *version, uint16_t *session_id)
{
    *version = (uint16_t)(param >> 16);
    *session_id = (uint16_t)param;
}

sc_status sc_hislip_check_subaddress(const uint8_t *payload, size_t n, sc_error *err)
{
    if (n > SC_HISLIP_MAX_SUBADDRESS)
        return sc_error_set(err, SC_ERR_PROTOCOL, "HiSLIP sub-address is %zu characters, at most %d allowed", n,
                            SC_HISLIP_MAX_SUBADDRESS);
    for (size_t i = 0; i < n; i++)
        if (payload[i] < 0x21 || payload[i] > 0x7e)
            return sc_error_set(err, SC_ERR_PROTOCOL,
                                "HiSLIP sub-address has byte 0x%02x at offset %zu (only printable ASCII is allowed)",
                                payload[i], i);
    return SC_OK;
}

void sc_hislip_encode_max_size(uint8_t out[SC_HISLIP_MAX_SIZE_MESSAGE_LEN], bool response, uint64_t size)
{
    sc_hislip_encode_header(out,
                            response ? SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE_RESPONSE
                                     : SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE,
                            0, 0, 8);
    put_u64(out + SC_HISLIP_HEADER_LEN, size);
}
