/* Each vendor file exports its table of rows; registry.c strings them together. */
#ifndef SC_DRIVERS_H
#define SC_DRIVERS_H

#include "scopecap/driver.h"

extern const sc_driver sc_rigol_drivers[];
extern const size_t sc_rigol_driver_count;

#endif
