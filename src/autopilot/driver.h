/* driver.h: the Autopilot destination's driver for the export engine (src/export/driver.h). */
#ifndef SEGSHIP_AUTOPILOT_DRIVER_H
#define SEGSHIP_AUTOPILOT_DRIVER_H

#include "export/driver.h"

extern const export_driver autopilot_driver;

#endif
