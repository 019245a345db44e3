/* scopesim VXI-11 server: placeholder until the transport lands. */
#include "server.h"

#include <stdio.h>

int sim_start_vxi11(sim_server *srv, const char *addr, const sim_ports *ports)
{
    (void)srv, (void)addr, (void)ports;
    fprintf(stderr, "scopesim: the VXI-11 server is not built yet\n");
    return -1;
}
