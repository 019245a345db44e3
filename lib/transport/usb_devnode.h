/* USB-TMC through the Linux kernel driver (/dev/usbtmcN): the kernel does the framing,
 * so this is a link of its own rather than a USB backend. usbtmc.c hands a resource with
 * a device path (usbtmc:///dev/usbtmc0) to these ops when it opens. */
#ifndef SC_USB_DEVNODE_H
#define SC_USB_DEVNODE_H

#include "transport/transport.h"

extern const sc_link_ops sc_usbtmc_devnode_link_ops;

#endif
