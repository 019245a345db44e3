/* A fake libusb-1.0 for tests: the subset of the libusb API that scopecap calls
 * (lib/transport/usb_libusb.c, lib/discover/usb.c), served by simulated USB-TMC
 * instruments (fake_device.c) instead of a bus. Loaded with LD_PRELOAD in front of the
 * real libusb, it lets the unmodified scopecap binary enumerate, open and capture from
 * "USB" instruments:
 *
 *   LD_PRELOAD=.../libscopecap_fake_libusb.so scopecap shot USB0::0x1AB1::0x04CE::DS1ZA000000001::INSTR
 *
 * SCOPECAP_FAKE_USB lists the devices on the fake bus, ';' between devices, ':' between
 * a device's fields; the first field is a scopesim model, the rest are key=value:
 *
 *   serial=S        the iSerialNumber string (default: the model's *IDN? serial)
 *   vid=0xVVVV      idVendor / idProduct (default: the maker's, see usb_ids)
 *   pid=0xPPPP
 *   access=denied   libusb_open fails with LIBUSB_ERROR_ACCESS (no udev rule); or busy
 *   fault=LIST      scopesim --fault names (fake_device.c says what each does on USB)
 *   render=MS       screen dump delay (default: the model's)
 *
 *   SCOPECAP_FAKE_USB="rigol-ds1054z;keysight-dsox2024a:access=denied"
 *
 * Unset: one rigol-ds1054z. Empty: an empty bus. A spec that does not parse ends the
 * process with exit status 125 and the reason, so a typo cannot pass as "no device".
 *
 * Only libusb_* symbols leave this library (fake_libusb.map); the simulator and the
 * scopecap library parts linked in for it stay private. Every call takes one lock: the
 * callers use a device from one thread at a time anyway. */
#include "fake_device.h"

#include "faults.h"
#include "models.h"

#include <libusb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES 8
#define CTX_MAGIC 0x5ca1ab1e
#define EXIT_BAD_SPEC 125

struct libusb_context {
    unsigned magic;
};

struct libusb_device {
    fake_device *dev;
};

struct libusb_device_handle {
    struct libusb_device *device;
    bool claimed;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct libusb_device bus[MAX_DEVICES];
static size_t bus_count;

/* ---- the devices on the bus ---- */

/* Vendor and product ids per model (prefix match, first row wins). The product ids are
 * the real instruments' where they are known to scopecap's quirk table, otherwise
 * plausible: what matters here is the vendor. */
typedef struct usb_ids {
    const char *model_prefix;
    uint16_t vid, pid;
} usb_ids;

static const usb_ids ids_table[] = {
    { "rigol-ds1054z", 0x1AB1, 0x04CE }, { "rigol-ds2", 0x1AB1, 0x04B0 }, { "rigol-mso5", 0x1AB1, 0x0515 },
    { "rigol-", 0x1AB1, 0x0517 },        { "siglent-", 0xF4EC, 0xEE38 },  { "keysight-", 0x0957, 0x179A },
    { "tek-", 0x0699, 0x0408 },          { "lecroy-", 0x05FF, 0x1023 },   { "rs-", 0x0AAD, 0x01D6 },
    { "hameg-", 0x0AAD, 0x0118 },        { "gwinstek-", 0x2184, 0x0058 }, { "owon-", 0x5345, 0x1234 },
};

static void bad_spec(const char *spec, const char *why)
{
    fprintf(stderr, "fake libusb: SCOPECAP_FAKE_USB device \"%s\": %s\n", spec, why);
    exit(EXIT_BAD_SPEC);
}

static uint16_t parse_id(const char *spec, const char *text)
{
    char *end;
    unsigned long v = strtoul(text, &end, 16);
    if (!*text || *end || v > 0xFFFF)
        bad_spec(spec, "vid and pid take hex numbers, e.g. vid=0x1ab1");
    return (uint16_t)v;
}

static void parse_field(const char *spec, char *field, fake_device_config *c)
{
    char *eq = strchr(field, '=');
    if (!eq)
        bad_spec(spec, "fields after the model are key=value");
    *eq = '\0';
    const char *v = eq + 1;
    char why[512];
    if (strcmp(field, "serial") == 0)
        snprintf(c->serial, sizeof c->serial, "%s", v);
    else if (strcmp(field, "vid") == 0)
        c->vid = parse_id(spec, v);
    else if (strcmp(field, "pid") == 0)
        c->pid = parse_id(spec, v);
    else if (strcmp(field, "access") == 0 && strcmp(v, "denied") == 0)
        c->open_error = LIBUSB_ERROR_ACCESS;
    else if (strcmp(field, "access") == 0 && strcmp(v, "busy") == 0)
        c->open_error = LIBUSB_ERROR_BUSY;
    else if (strcmp(field, "fault") == 0) {
        if (sim_faults_parse(v, &c->faults, why, sizeof why) != 0)
            bad_spec(spec, why);
    } else if (strcmp(field, "render") == 0)
        c->render_ms = atoi(v);
    else
        bad_spec(spec, "known keys: serial, vid, pid, access=denied|busy, fault, render");
}

static void add_device(char *spec)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", spec);
    if (bus_count == MAX_DEVICES)
        bad_spec(copy, "too many devices");
    fake_device_config c;
    memset(&c, 0, sizeof c);
    c.render_ms = -1;
    char *save = NULL;
    char *model = strtok_r(spec, ":", &save);
    c.model = model ? sim_model_find(model) : NULL;
    if (!c.model)
        bad_spec(copy, "unknown model (scopesim --list-models)");
    snprintf(c.serial, sizeof c.serial, "%s", c.model->serial);
    for (size_t i = 0; i < sizeof ids_table / sizeof ids_table[0] && !c.vid; i++)
        if (strncmp(model, ids_table[i].model_prefix, strlen(ids_table[i].model_prefix)) == 0)
            c.vid = ids_table[i].vid, c.pid = ids_table[i].pid;
    if (!c.vid)
        c.vid = 0x1209, c.pid = 0x0001; /* pid.codes test id: a maker scopecap does not know */
    for (char *f = strtok_r(NULL, ":", &save); f; f = strtok_r(NULL, ":", &save))
        parse_field(copy, f, &c);
    c.bus = 1;
    c.address = (uint8_t)(4 + bus_count);
    bus[bus_count].dev = fake_device_new(&c);
    if (!bus[bus_count].dev)
        bad_spec(copy, "out of memory");
    bus_count++;
}

static void plug_in(void)
{
    const char *env = getenv("SCOPECAP_FAKE_USB");
    char list[2048];
    snprintf(list, sizeof list, "%s", env ? env : "rigol-ds1054z");
    char *save = NULL;
    for (char *spec = strtok_r(list, ";", &save); spec; spec = strtok_r(NULL, ";", &save))
        if (*spec)
            add_device(spec);
}

static const fake_device_config *cfg_of(const struct libusb_device *d)
{
    return fake_device_config_of(d->dev);
}

/* ---- context and device list ---- */

int LIBUSB_CALL libusb_init(libusb_context **ctx)
{
    pthread_once(&once, plug_in);
    libusb_context *c = calloc(1, sizeof *c);
    if (!c)
        return LIBUSB_ERROR_NO_MEM;
    c->magic = CTX_MAGIC;
    if (ctx)
        *ctx = c;
    else
        free(c); /* the default context: nothing to keep */
    return LIBUSB_SUCCESS;
}

void LIBUSB_CALL libusb_exit(libusb_context *ctx)
{
    free(ctx);
}

ssize_t LIBUSB_CALL libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
    (void)ctx;
    pthread_once(&once, plug_in);
    pthread_mutex_lock(&lock);
    libusb_device **l = calloc(bus_count + 1, sizeof *l);
    ssize_t n = 0;
    for (size_t i = 0; l && i < bus_count; i++)
        if (!fake_device_gone(bus[i].dev)) /* an unplugged device is off the bus */
            l[n++] = &bus[i];
    pthread_mutex_unlock(&lock);
    if (!l)
        return LIBUSB_ERROR_NO_MEM;
    *list = l;
    return n;
}

void LIBUSB_CALL libusb_free_device_list(libusb_device **list, int unref_devices)
{
    (void)unref_devices; /* the devices live as long as the process */
    free(list);
}

libusb_device *LIBUSB_CALL libusb_ref_device(libusb_device *dev)
{
    return dev;
}

void LIBUSB_CALL libusb_unref_device(libusb_device *dev)
{
    (void)dev;
}

uint8_t LIBUSB_CALL libusb_get_bus_number(libusb_device *dev)
{
    return cfg_of(dev)->bus;
}

uint8_t LIBUSB_CALL libusb_get_device_address(libusb_device *dev)
{
    return cfg_of(dev)->address;
}

/* ---- descriptors ---- */

int LIBUSB_CALL libusb_get_device_descriptor(libusb_device *dev, struct libusb_device_descriptor *desc)
{
    const fake_device_config *c = cfg_of(dev);
    memset(desc, 0, sizeof *desc);
    desc->bLength = LIBUSB_DT_DEVICE_SIZE;
    desc->bDescriptorType = LIBUSB_DT_DEVICE;
    desc->bcdUSB = 0x0200;
    desc->bMaxPacketSize0 = 64;
    desc->idVendor = c->vid;
    desc->idProduct = c->pid;
    desc->bcdDevice = 0x0100;
    desc->iManufacturer = 1;
    desc->iProduct = 2;
    desc->iSerialNumber = 3;
    desc->bNumConfigurations = 1;
    return LIBUSB_SUCCESS;
}

/* One configuration, one USB488 interface: Bulk-OUT, Bulk-IN, Interrupt-IN. Allocated
 * as one block so libusb_free_config_descriptor is one free(). */
typedef struct config_block {
    struct libusb_config_descriptor config; /* first: its address is the block's */
    struct libusb_interface interface;
    struct libusb_interface_descriptor alt;
    struct libusb_endpoint_descriptor endpoints[3];
} config_block;

static void endpoint(struct libusb_endpoint_descriptor *e, uint8_t address, uint8_t type, uint16_t mps)
{
    e->bLength = LIBUSB_DT_ENDPOINT_SIZE;
    e->bDescriptorType = LIBUSB_DT_ENDPOINT;
    e->bEndpointAddress = address;
    e->bmAttributes = type;
    e->wMaxPacketSize = mps;
    e->bInterval = type == LIBUSB_TRANSFER_TYPE_INTERRUPT ? 8 : 0;
}

static int config_descriptor(struct libusb_config_descriptor **config)
{
    config_block *b = calloc(1, sizeof *b);
    if (!b)
        return LIBUSB_ERROR_NO_MEM;
    endpoint(&b->endpoints[0], FAKE_EP_OUT, LIBUSB_TRANSFER_TYPE_BULK, FAKE_MAX_PACKET);
    endpoint(&b->endpoints[1], FAKE_EP_IN, LIBUSB_TRANSFER_TYPE_BULK, FAKE_MAX_PACKET);
    endpoint(&b->endpoints[2], FAKE_EP_INTR, LIBUSB_TRANSFER_TYPE_INTERRUPT, 8);
    b->alt.bLength = LIBUSB_DT_INTERFACE_SIZE;
    b->alt.bDescriptorType = LIBUSB_DT_INTERFACE;
    b->alt.bInterfaceNumber = FAKE_INTERFACE;
    b->alt.bNumEndpoints = 3;
    b->alt.bInterfaceClass = 0xFE;    /* application specific */
    b->alt.bInterfaceSubClass = 0x03; /* test and measurement */
    b->alt.bInterfaceProtocol = 0x01; /* USB488 */
    b->alt.endpoint = b->endpoints;
    b->interface.altsetting = &b->alt;
    b->interface.num_altsetting = 1;
    b->config.bLength = LIBUSB_DT_CONFIG_SIZE;
    b->config.bDescriptorType = LIBUSB_DT_CONFIG;
    b->config.wTotalLength = LIBUSB_DT_CONFIG_SIZE + LIBUSB_DT_INTERFACE_SIZE + 3 * LIBUSB_DT_ENDPOINT_SIZE;
    b->config.bNumInterfaces = 1;
    b->config.bConfigurationValue = 1;
    b->config.bmAttributes = 0xC0;
    b->config.MaxPower = 50;
    b->config.interface = &b->interface;
    *config = &b->config;
    return LIBUSB_SUCCESS;
}

int LIBUSB_CALL libusb_get_active_config_descriptor(libusb_device *dev, struct libusb_config_descriptor **config)
{
    (void)dev;
    return config_descriptor(config);
}

int LIBUSB_CALL libusb_get_config_descriptor(libusb_device *dev, uint8_t config_index,
                                             struct libusb_config_descriptor **config)
{
    (void)dev;
    if (config_index != 0)
        return LIBUSB_ERROR_NOT_FOUND;
    return config_descriptor(config);
}

void LIBUSB_CALL libusb_free_config_descriptor(struct libusb_config_descriptor *config)
{
    free(config); /* the whole config_block */
}

int LIBUSB_CALL libusb_get_string_descriptor_ascii(libusb_device_handle *dev_handle, uint8_t desc_index,
                                                   unsigned char *data, int length)
{
    const fake_device_config *c = cfg_of(dev_handle->device);
    const char *s = desc_index == 1 ? c->model->manufacturer : desc_index == 2 ? c->model->model
                    : desc_index == 3 ? c->serial : NULL;
    if (!s)
        return LIBUSB_ERROR_PIPE; /* no such string: the device stalls the request */
    if (length <= 0)
        return LIBUSB_ERROR_INVALID_PARAM;
    int n = (int)strlen(s);
    if (n > length - 1)
        n = length - 1;
    memcpy(data, s, (size_t)n);
    data[n] = '\0';
    return n;
}

/* ---- opening ---- */

int LIBUSB_CALL libusb_open(libusb_device *dev, libusb_device_handle **dev_handle)
{
    pthread_mutex_lock(&lock);
    int r = LIBUSB_SUCCESS;
    if (fake_device_gone(dev->dev))
        r = LIBUSB_ERROR_NO_DEVICE;
    else if (cfg_of(dev)->open_error)
        r = cfg_of(dev)->open_error;
    libusb_device_handle *h = r == LIBUSB_SUCCESS ? calloc(1, sizeof *h) : NULL;
    if (r == LIBUSB_SUCCESS && !h)
        r = LIBUSB_ERROR_NO_MEM;
    if (h) {
        h->device = dev;
        fake_device_opened(dev->dev);
        *dev_handle = h;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

void LIBUSB_CALL libusb_close(libusb_device_handle *dev_handle)
{
    free(dev_handle);
}

libusb_device *LIBUSB_CALL libusb_get_device(libusb_device_handle *dev_handle)
{
    return dev_handle->device;
}

int LIBUSB_CALL libusb_kernel_driver_active(libusb_device_handle *dev_handle, int interface_number)
{
    (void)dev_handle, (void)interface_number;
    return 0; /* no usbtmc kernel driver holds a fake device */
}

int LIBUSB_CALL libusb_detach_kernel_driver(libusb_device_handle *dev_handle, int interface_number)
{
    (void)dev_handle, (void)interface_number;
    return LIBUSB_ERROR_NOT_FOUND;
}

int LIBUSB_CALL libusb_attach_kernel_driver(libusb_device_handle *dev_handle, int interface_number)
{
    (void)dev_handle, (void)interface_number;
    return LIBUSB_ERROR_NOT_FOUND;
}

int LIBUSB_CALL libusb_claim_interface(libusb_device_handle *dev_handle, int interface_number)
{
    if (interface_number != FAKE_INTERFACE)
        return LIBUSB_ERROR_NOT_FOUND;
    dev_handle->claimed = true;
    return LIBUSB_SUCCESS;
}

int LIBUSB_CALL libusb_release_interface(libusb_device_handle *dev_handle, int interface_number)
{
    if (interface_number != FAKE_INTERFACE || !dev_handle->claimed)
        return LIBUSB_ERROR_NOT_FOUND;
    dev_handle->claimed = false;
    return LIBUSB_SUCCESS;
}

int LIBUSB_CALL libusb_set_interface_alt_setting(libusb_device_handle *dev_handle, int interface_number,
                                                 int alternate_setting)
{
    (void)dev_handle;
    return interface_number == FAKE_INTERFACE && alternate_setting == 0 ? LIBUSB_SUCCESS : LIBUSB_ERROR_NOT_FOUND;
}

/* ---- transfers ---- */

int LIBUSB_CALL libusb_bulk_transfer(libusb_device_handle *dev_handle, unsigned char endpoint_address,
                                     unsigned char *data, int length, int *actual_length, unsigned int timeout)
{
    if (actual_length)
        *actual_length = 0;
    if (length < 0)
        return LIBUSB_ERROR_INVALID_PARAM;
    if (!dev_handle->claimed)
        return LIBUSB_ERROR_NOT_FOUND; /* libusb wants the interface claimed first */
    size_t done = 0;
    int r;
    pthread_mutex_lock(&lock);
    fake_device *d = dev_handle->device->dev;
    if (endpoint_address == FAKE_EP_OUT)
        r = fake_device_bulk_out(d, data, (size_t)length, &done, timeout);
    else if (endpoint_address == FAKE_EP_IN)
        r = fake_device_bulk_in(d, data, (size_t)length, &done, timeout);
    else
        r = LIBUSB_ERROR_NOT_FOUND;
    pthread_mutex_unlock(&lock);
    if (actual_length)
        *actual_length = (int)done;
    return r;
}

int LIBUSB_CALL libusb_control_transfer(libusb_device_handle *dev_handle, uint8_t request_type, uint8_t bRequest,
                                        uint16_t wValue, uint16_t wIndex, unsigned char *data, uint16_t wLength,
                                        unsigned int timeout)
{
    if ((request_type & LIBUSB_ENDPOINT_DIR_MASK) != LIBUSB_ENDPOINT_IN ||
        (request_type & (0x03 << 5)) != LIBUSB_REQUEST_TYPE_CLASS)
        return LIBUSB_ERROR_PIPE; /* only USB-TMC class requests are asked of this device */
    pthread_mutex_lock(&lock);
    int r = fake_device_control_in(dev_handle->device->dev, request_type, bRequest, wValue, wIndex, data, wLength,
                                   timeout);
    pthread_mutex_unlock(&lock);
    return r;
}

int LIBUSB_CALL libusb_clear_halt(libusb_device_handle *dev_handle, unsigned char endpoint_address)
{
    pthread_mutex_lock(&lock);
    int r = fake_device_clear_halt(dev_handle->device->dev, endpoint_address);
    pthread_mutex_unlock(&lock);
    return r;
}

int LIBUSB_CALL libusb_reset_device(libusb_device_handle *dev_handle)
{
    pthread_mutex_lock(&lock);
    int r = fake_device_reset(dev_handle->device->dev);
    pthread_mutex_unlock(&lock);
    return r;
}

/* ---- errors ---- */

const char *LIBUSB_CALL libusb_error_name(int errcode)
{
    switch (errcode) {
    case LIBUSB_SUCCESS: return "LIBUSB_SUCCESS";
    case LIBUSB_ERROR_IO: return "LIBUSB_ERROR_IO";
    case LIBUSB_ERROR_INVALID_PARAM: return "LIBUSB_ERROR_INVALID_PARAM";
    case LIBUSB_ERROR_ACCESS: return "LIBUSB_ERROR_ACCESS";
    case LIBUSB_ERROR_NO_DEVICE: return "LIBUSB_ERROR_NO_DEVICE";
    case LIBUSB_ERROR_NOT_FOUND: return "LIBUSB_ERROR_NOT_FOUND";
    case LIBUSB_ERROR_BUSY: return "LIBUSB_ERROR_BUSY";
    case LIBUSB_ERROR_TIMEOUT: return "LIBUSB_ERROR_TIMEOUT";
    case LIBUSB_ERROR_OVERFLOW: return "LIBUSB_ERROR_OVERFLOW";
    case LIBUSB_ERROR_PIPE: return "LIBUSB_ERROR_PIPE";
    case LIBUSB_ERROR_INTERRUPTED: return "LIBUSB_ERROR_INTERRUPTED";
    case LIBUSB_ERROR_NO_MEM: return "LIBUSB_ERROR_NO_MEM";
    case LIBUSB_ERROR_NOT_SUPPORTED: return "LIBUSB_ERROR_NOT_SUPPORTED";
    default: return "LIBUSB_ERROR_OTHER";
    }
}

const char *LIBUSB_CALL libusb_strerror(int errcode)
{
    return libusb_error_name(errcode);
}
