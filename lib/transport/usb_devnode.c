/* USB-TMC through the Linux kernel driver: usbtmc:///dev/usbtmc0 (protocols.md §4.6).
 *
 * The kernel builds the headers and keeps the bTags: write() sends one DEV_DEP_MSG_OUT
 * message, read() sends one REQUEST and returns that transfer's data. Whether it ended
 * the message comes from USBTMC_IOCTL_MSG_IN_ATTR (kernels >= 4.20; older ones lack it,
 * and then the SCPI layer decides where the reply ends). Timeouts go to the driver with
 * USBTMC_IOCTL_SET_TIMEOUT before every call. Of the quirk table only the clear rule
 * applies here (the VID/PID come from sysfs); the rest is the kernel's business. */
#include "transport/usb_devnode.h"
#include "transport/usbtmc_quirks.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/usb/tmc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define USB_CHAR_MAJOR 180 /* usb_register_dev() nodes, usbtmc among them */
#define KERNEL_MIN_TIMEOUT_MS 100 /* the driver refuses shorter timeouts */

typedef struct devnode_state {
    int eom;              /* EOM setting last given to the driver: -1 unknown */
    unsigned timeout_ms;  /* timeout last given to the driver: 0 unknown */
    bool have_msg_in_attr;
    sc_usbtmc_quirks quirks;
} devnode_state;

static sc_status open_error(sc_link *link, int e, sc_error *err)
{
    switch (e) {
    case ENOENT:
    case ENXIO:
    case ENODEV:
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "%s: no such device node; is the instrument connected and the usbtmc kernel module loaded (`ls /dev/usbtmc*`, `lsmod | grep usbtmc`)?",
                            link->label);
    case EACCES:
    case EPERM:
        return sc_error_set(err, SC_ERR_UNREACHABLE,
                            "%s: permission denied; add a udev rule such as KERNEL==\"usbtmc*\", MODE=\"0660\", GROUP=\"plugdev\" and join that group",
                            link->label);
    case EBUSY:
        return sc_error_set(err, SC_ERR_UNREACHABLE, "%s: the device node is in use by another program", link->label);
    default:
        return sc_error_set(err, SC_ERR_IO, "%s: cannot open: %s", link->label, strerror(e));
    }
}

static sc_status io_error(sc_link *link, int e, const char *what, sc_error *err)
{
    switch (e) {
    case ETIMEDOUT:
        return sc_error_set(err, SC_ERR_TIMEOUT, "%s: %s timed out (the driver aborted the transfer)", link->label,
                            what);
    case ENODEV:
    case ESHUTDOWN:
        return sc_error_set(err, SC_ERR_CLOSED, "%s: the device was disconnected during %s; check the cable",
                            link->label, what);
    case EPIPE:
        return sc_error_set(err, SC_ERR_PROTOCOL, "%s: the device halted its endpoint (STALL) during %s",
                            link->label, what);
    default:
        return sc_error_set(err, SC_ERR_IO, "%s: %s failed: %s", link->label, what, strerror(e));
    }
}

/* /sys/class/usbmisc/usbtmcN/device is the interface; its parent holds the ids. */
static bool read_sysfs_id(const char *node, const char *name, uint16_t *out)
{
    const char *base = strrchr(node, '/');
    base = base ? base + 1 : node;
    char path[512];
    snprintf(path, sizeof path, "/sys/class/usbmisc/%s/device/../%s", base, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    unsigned v = 0;
    bool ok = fscanf(f, "%4x", &v) == 1;
    fclose(f);
    *out = (uint16_t)v;
    return ok;
}

/* The driver wants the timeout before each call; skip the ioctl when it is unchanged. */
static sc_status set_timeout(sc_link *link, devnode_state *st, sc_deadline deadline, sc_error *err)
{
    if (sc_deadline_expired(deadline))
        return sc_error_set(err, SC_ERR_TIMEOUT, "%s: the deadline passed", link->label);
    int ms = sc_deadline_poll_ms(deadline);
    unsigned t = ms < 0 ? 0x7fffffffu : (unsigned)ms;
    if (t < KERNEL_MIN_TIMEOUT_MS)
        t = KERNEL_MIN_TIMEOUT_MS;
    if (t == st->timeout_ms)
        return SC_OK;
    __u32 v = t;
    if (ioctl(link->fd, USBTMC_IOCTL_SET_TIMEOUT, &v) < 0)
        return io_error(link, errno, "USBTMC_IOCTL_SET_TIMEOUT", err);
    st->timeout_ms = t;
    return SC_OK;
}

static sc_status check_node(sc_link *link, sc_error *err)
{
    struct stat sb;
    if (fstat(link->fd, &sb) < 0)
        return sc_error_set(err, SC_ERR_IO, "%s: fstat: %s", link->label, strerror(errno));
    if (!S_ISCHR(sb.st_mode))
        return sc_error_set(err, SC_ERR_USAGE, "%s is not a device node (USB-TMC nodes are /dev/usbtmcN)",
                            link->res.path);
    if (major(sb.st_rdev) != USB_CHAR_MAJOR)
        return sc_error_set(err, SC_ERR_USAGE,
                            "%s is character device %u:%u, not a USB-TMC device node (those have major %u, like /dev/usbtmc0)",
                            link->res.path, major(sb.st_rdev), minor(sb.st_rdev), USB_CHAR_MAJOR);
    return SC_OK;
}

static sc_status devnode_open(sc_link *link, sc_deadline deadline, sc_error *err)
{
    (void)deadline;
    link->fd = open(link->res.path, O_RDWR | O_CLOEXEC);
    if (link->fd < 0)
        return open_error(link, errno, err);
    sc_status s = check_node(link, err);
    devnode_state *st = s == SC_OK ? calloc(1, sizeof *st) : NULL;
    if (s == SC_OK && !st)
        s = sc_error_set(err, SC_ERR_NOMEM, "out of memory");
    if (s != SC_OK) {
        close(link->fd);
        link->fd = -1;
        return s;
    }
    link->state = st;
    st->eom = -1;
    __u8 attr;
    st->have_msg_in_attr = ioctl(link->fd, USBTMC_IOCTL_MSG_IN_ATTR, &attr) == 0;
    uint16_t vid = 0, pid = 0;
    if (read_sysfs_id(link->res.path, "idVendor", &vid) && read_sysfs_id(link->res.path, "idProduct", &pid))
        sc_usbtmc_quirks_lookup(vid, pid, &st->quirks);
    sc_debug("%s: kernel driver, device %04x:%04x, end-of-message attribute %s", link->label, vid, pid,
             st->have_msg_in_attr ? "available" : "not available (old kernel)");
    return SC_OK;
}

static sc_status devnode_write(sc_link *link, const void *data, size_t n, bool end, sc_deadline deadline,
                               sc_error *err)
{
    devnode_state *st = link->state;
    sc_status s = set_timeout(link, st, deadline, err);
    if (s != SC_OK)
        return s;
    if (st->eom != (int)end) {
        __u8 v = end ? 1 : 0;
        if (ioctl(link->fd, USBTMC_IOCTL_EOM_ENABLE, &v) < 0)
            return io_error(link, errno, "USBTMC_IOCTL_EOM_ENABLE", err);
        st->eom = end;
    }
    const uint8_t *p = data;
    size_t off = 0;
    /* the driver sends the whole buffer as one message; the loop only covers EINTR and a
     * driver that returns early */
    for (int rounds = 0; off < n || (n == 0 && rounds == 0); rounds++) {
        ssize_t w = write(link->fd, p + off, n - off);
        if (w < 0 && errno == EINTR && !sc_deadline_expired(deadline))
            continue;
        if (w < 0)
            return io_error(link, errno, "write", err);
        if (w == 0 && n > 0)
            return sc_error_set(err, SC_ERR_IO, "%s: the driver accepted no bytes", link->label);
        off += (size_t)w;
        if (n == 0)
            break;
    }
    return SC_OK;
}

static sc_status devnode_read(sc_link *link, void *data, size_t cap, size_t *got, bool *end, sc_deadline deadline,
                              sc_error *err)
{
    devnode_state *st = link->state;
    *got = 0;
    *end = false;
    sc_status s = set_timeout(link, st, deadline, err);
    if (s != SC_OK)
        return s;
    ssize_t r;
    do
        r = read(link->fd, data, cap);
    while (r < 0 && errno == EINTR && !sc_deadline_expired(deadline));
    if (r < 0)
        return io_error(link, errno, "read", err);
    *got = (size_t)r;
    __u8 attr = 0;
    if (st->have_msg_in_attr && ioctl(link->fd, USBTMC_IOCTL_MSG_IN_ATTR, &attr) == 0)
        *end = (attr & 0x01) != 0;
    return SC_OK;
}

static sc_status devnode_clear(sc_link *link, sc_deadline deadline, sc_error *err)
{
    devnode_state *st = link->state;
    sc_status s = set_timeout(link, st, deadline, err);
    if (s != SC_OK)
        return s;
    if (st->quirks.flags & SC_USBTMC_QUIRK_NO_INITIATE_CLEAR) {
        /* DS1000Z hangs on INITIATE_CLEAR: abort a reply in flight, if any, instead */
        if (ioctl(link->fd, USBTMC_IOCTL_ABORT_BULK_IN) < 0)
            sc_debug("%s: USBTMC_IOCTL_ABORT_BULK_IN: %s", link->label, strerror(errno));
        return SC_OK;
    }
    if (ioctl(link->fd, USBTMC_IOCTL_CLEAR) < 0)
        return io_error(link, errno, "device clear (USBTMC_IOCTL_CLEAR)", err);
    return SC_OK;
}

static void devnode_close(sc_link *link)
{
    if (link->fd >= 0)
        close(link->fd);
    link->fd = -1;
}

const sc_link_ops sc_usbtmc_devnode_link_ops = {
    .protocol = SC_PROTO_USBTMC,
    .display_name = "USB-TMC",
    .has_end_marker = true,
    .open = devnode_open,
    .write = devnode_write,
    .read = devnode_read,
    .clear = devnode_clear,
    .close = devnode_close,
};
