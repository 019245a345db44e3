/* scopesim and USB-TMC: a USB device cannot be offered over a network socket, and this
 * machine has no gadget or USB/IP support to present one. The USB-TMC device side lives
 * in the tests instead (tests/unit/fake_usb_device.c): it puts this same simulated
 * instrument behind a device-side USB-TMC codec, in-process, under the real client. */
#include "server.h"

#include <stdio.h>

int sim_start_usbtmc(sim_server *srv, const char *addr, const sim_ports *ports)
{
    (void)srv, (void)addr, (void)ports;
    fprintf(stderr, "scopesim: usbtmc cannot be served over the network; USB-TMC is tested through the "
                    "in-process device in tests/unit/fake_usb_device.c\n");
    return -1;
}
