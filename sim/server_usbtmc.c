/* scopesim and USB-TMC: a USB device cannot be offered over a network socket, and this
 * machine has no gadget or USB/IP support to present one. The USB-TMC device side lives
 * in the tests instead, in front of this same simulated instrument: in-process for the
 * unit tests (tests/unit/fake_usb_device.c), and as a fake libusb for the real binaries
 * (tests/fake_usb: LD_PRELOAD it and scopecap finds a DS1054Z on a fake USB bus). */
#include "server.h"

#include <stdio.h>

int sim_start_usbtmc(sim_server *srv, const char *addr, const sim_ports *ports)
{
    (void)srv, (void)addr, (void)ports;
    fprintf(stderr, "scopesim: usbtmc cannot be served over the network; USB-TMC is tested through the "
                    "fake libusb in tests/fake_usb (LD_PRELOAD, SCOPECAP_FAKE_USB) and the in-process "
                    "device in tests/unit/fake_usb_device.c\n");
    return -1;
}
