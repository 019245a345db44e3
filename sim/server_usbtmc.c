/* scopesim USB-TMC server: placeholder until the transport lands. */
#include "server.h"

#include <stdio.h>

int sim_start_usbtmc(sim_server *srv, const char *addr, const sim_ports *ports)
{
    (void)srv, (void)addr, (void)ports;
    fprintf(stderr, "scopesim: the USB-TMC server is not built yet\n");
    return -1;
}
