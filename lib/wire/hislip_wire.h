/* HiSLIP (IVI-6.1) message codec: pure encode/decode, no I/O.
 *
 * Every message is a 16-byte header, then `length` payload bytes:
 *
 *   off 0  "HS"              prologue
 *   off 2  u8                message type (SC_HISLIP_*)
 *   off 3  u8                control code (meaning depends on the type)
 *   off 4  u32 big-endian    message parameter (MessageID, session id, ...)
 *   off 8  u64 big-endian    payload length
 *
 * Both channels of a session (synchronous and asynchronous) are TCP connections to the
 * same port (4880). See protocols.md §2 for the transactions. */
#ifndef SC_WIRE_HISLIP_WIRE_H
#define SC_WIRE_HISLIP_WIRE_H

#include "scopecap/core.h"

#define SC_HISLIP_PORT 4880
#define SC_HISLIP_HEADER_LEN 16

/* Message types (IVI-6.1 table 4; 26..38 are HiSLIP 2.0 only). */
enum {
    SC_HISLIP_INITIALIZE = 0,
    SC_HISLIP_INITIALIZE_RESPONSE = 1,
    SC_HISLIP_FATAL_ERROR = 2,
    SC_HISLIP_ERROR = 3,
    SC_HISLIP_ASYNC_LOCK = 4,
    SC_HISLIP_ASYNC_LOCK_RESPONSE = 5,
    SC_HISLIP_DATA = 6,
    SC_HISLIP_DATA_END = 7,
    SC_HISLIP_DEVICE_CLEAR_COMPLETE = 8,
    SC_HISLIP_DEVICE_CLEAR_ACKNOWLEDGE = 9,
    SC_HISLIP_ASYNC_REMOTE_LOCAL_CONTROL = 10,
    SC_HISLIP_ASYNC_REMOTE_LOCAL_RESPONSE = 11,
    SC_HISLIP_TRIGGER = 12,
    SC_HISLIP_INTERRUPTED = 13,
    SC_HISLIP_ASYNC_INTERRUPTED = 14,
    SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE = 15,
    SC_HISLIP_ASYNC_MAXIMUM_MESSAGE_SIZE_RESPONSE = 16,
    SC_HISLIP_ASYNC_INITIALIZE = 17,
    SC_HISLIP_ASYNC_INITIALIZE_RESPONSE = 18,
    SC_HISLIP_ASYNC_DEVICE_CLEAR = 19,
    SC_HISLIP_ASYNC_SERVICE_REQUEST = 20,
    SC_HISLIP_ASYNC_STATUS_QUERY = 21,
    SC_HISLIP_ASYNC_STATUS_RESPONSE = 22,
    SC_HISLIP_ASYNC_DEVICE_CLEAR_ACKNOWLEDGE = 23,
    SC_HISLIP_ASYNC_LOCK_INFO = 24,
    SC_HISLIP_ASYNC_LOCK_INFO_RESPONSE = 25,
    SC_HISLIP_GET_DESCRIPTORS = 26,
    SC_HISLIP_GET_DESCRIPTORS_RESPONSE = 27,
    SC_HISLIP_START_TLS = 28,
    SC_HISLIP_ASYNC_START_TLS = 29,
    SC_HISLIP_ASYNC_START_TLS_RESPONSE = 30,
    SC_HISLIP_END_TLS = 31,
    SC_HISLIP_ASYNC_END_TLS = 32,
    SC_HISLIP_ASYNC_END_TLS_RESPONSE = 33,
    SC_HISLIP_GET_SASL_MECHANISM_LIST = 34,
    SC_HISLIP_GET_SASL_MECHANISM_LIST_RESPONSE = 35,
    SC_HISLIP_AUTHENTICATION_START = 36,
    SC_HISLIP_AUTHENTICATION_EXCHANGE = 37,
    SC_HISLIP_AUTHENTICATION_RESULT = 38,
    SC_HISLIP_LAST_KNOWN = 38,         /* 39..127 reserved */
    SC_HISLIP_VENDOR_FIRST = 128,      /* 128..255 vendor specific */
};

/* Fatal error codes (sent on both channels, then the sender closes). */
enum {
    SC_HISLIP_FATAL_UNIDENTIFIED = 0,
    SC_HISLIP_FATAL_BAD_HEADER = 1,
    SC_HISLIP_FATAL_NO_BOTH_CHANNELS = 2,
    SC_HISLIP_FATAL_BAD_INIT_SEQUENCE = 3,
    SC_HISLIP_FATAL_TOO_MANY_CLIENTS = 4,
};

/* Non-fatal error codes (the errant message is dropped, Error goes back on its channel). */
enum {
    SC_HISLIP_ERR_UNIDENTIFIED = 0,
    SC_HISLIP_ERR_UNKNOWN_TYPE = 1,
    SC_HISLIP_ERR_UNKNOWN_CONTROL = 2,
    SC_HISLIP_ERR_UNKNOWN_VENDOR = 3,
    SC_HISLIP_ERR_TOO_LARGE = 4,
};

/* MessageIDs: the first one a client (or an overlapped server) sends after initialization
 * or device clear, the step between two, and "the one before the first". */
#define SC_HISLIP_FIRST_MESSAGE_ID 0xFFFFFF00u
#define SC_HISLIP_MESSAGE_ID_STEP 2u
#define SC_HISLIP_NO_MESSAGE_ID 0xFFFFFEFEu
#define SC_HISLIP_UNKNOWN_MESSAGE_ID 0xFFFFFFFFu /* server Data when it cannot tell */

#define SC_HISLIP_VERSION_1_0 0x0100u
#define SC_HISLIP_MAX_SUBADDRESS 256 /* Initialize payload: the LAN device name */
#define SC_HISLIP_MAX_LOCK_STRING 256
#define SC_HISLIP_MAX_TEXT 4096      /* Error/FatalError text we accept */
/* Nothing we accept may announce more than this in one message (Data included); larger
 * lengths are a broken or hostile peer, not a big screenshot. */
#define SC_HISLIP_MAX_PAYLOAD ((uint64_t)SC_DEFAULT_MAX_RESPONSE)
/* A maximum message size (which includes the header) below this leaves no room for the
 * 256-character strings of the asynchronous channel. */
#define SC_HISLIP_MIN_MESSAGE_SIZE 272u

#define SC_HISLIP_STB_MAV 0x10u

typedef struct sc_hislip_header {
    uint8_t type;
    uint8_t control;
    uint32_t param;
    uint64_t length;
} sc_hislip_header;

/* How a server answers a header that failed to decode. */
typedef struct sc_hislip_reject {
    bool fatal;   /* FatalError and close, else Error and skip the payload */
    uint8_t code; /* SC_HISLIP_FATAL_* or SC_HISLIP_ERR_* */
} sc_hislip_reject;

/* "DataEnd", "vendor-specific 200", "reserved 50". */
const char *sc_hislip_type_name(uint8_t type);
const char *sc_hislip_fatal_text(uint8_t code);
const char *sc_hislip_error_text(uint8_t code);
bool sc_hislip_type_known(uint8_t type);

/* Write the 16-byte header. */
void sc_hislip_encode_header(uint8_t out[SC_HISLIP_HEADER_LEN], uint8_t type, uint8_t control, uint32_t param,
                             uint64_t length);
/* Header + payload into out; returns the bytes written or 0 when cap is too small. */
size_t sc_hislip_encode(uint8_t *out, size_t cap, uint8_t type, uint8_t control, uint32_t param,
                        const void *payload, size_t length);

/* Decode and validate a header: prologue, known type, payload length within
 * SC_HISLIP_MAX_PAYLOAD and within its type's rule (exactly 8 for the maximum message
 * size pair, none for most), control codes the type defines. `n` must be at least 16.
 * On failure *h still holds the raw fields when the prologue was right, and *reject (if
 * not NULL) says how a server answers. */
sc_status sc_hislip_decode_header(const uint8_t *buf, size_t n, sc_hislip_header *h, sc_hislip_reject *reject,
                                  sc_error *err);

/* ---- parameter packing ---- */
/* Initialize: hi16 = client protocol version, lo16 = two ASCII vendor characters. */
uint32_t sc_hislip_initialize_param(uint16_t version, const char vendor[2]);
void sc_hislip_initialize_unpack(uint32_t param, uint16_t *version, char vendor[3]);
/* InitializeResponse: hi16 = server version, lo16 = session id; control bit0 = overlapped. */
uint32_t sc_hislip_initialize_response_param(uint16_t version, uint16_t session_id);
void sc_hislip_initialize_response_unpack(uint32_t param, uint16_t *version, uint16_t *session_id);
/* Is the Initialize payload a usable sub-address (printable ASCII, at most 256)? */
sc_status sc_hislip_check_subaddress(const uint8_t *payload, size_t n, sc_error *err);

/* AsyncMaximumMessageSize and its response: header + u64, 24 bytes. */
#define SC_HISLIP_MAX_SIZE_MESSAGE_LEN (SC_HISLIP_HEADER_LEN + 8)
void sc_hislip_encode_max_size(uint8_t out[SC_HISLIP_MAX_SIZE_MESSAGE_LEN], bool response, uint64_t size);
uint64_t sc_hislip_decode_u64(const uint8_t payload[8]);

/* MessageID arithmetic (mod 2^32). */
static inline uint32_t sc_hislip_next_message_id(uint32_t id) { return id + SC_HISLIP_MESSAGE_ID_STEP; }

#endif
