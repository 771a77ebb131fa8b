/* driver.h: the Ortto destination's driver for the export engine (src/export/driver.h). */
#ifndef SEGSHIP_ORTTO_DRIVER_H
#define SEGSHIP_ORTTO_DRIVER_H

#include "export/driver.h"

extern const export_driver ortto_driver;

#endif
