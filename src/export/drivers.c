/* drivers.c: the destination types segship exports to: one line each. */
#include "export/driver.h"

#include <string.h>
#include <strings.h>

#include "autopilot/driver.h"
#include "ortto/driver.h"

static const export_driver *const drivers[] = {
    &autopilot_driver,
    &ortto_driver,
};

const export_driver *export_driver_find(const char *type) {
  if (!type || !*type) return &autopilot_driver; /* stores made before destination types */
  for (size_t i = 0; i < sizeof drivers / sizeof *drivers; i++)
    if (strcasecmp(drivers[i]->type, type) == 0) return drivers[i];
  return NULL;
}

const char *export_driver_types(void) { return "autopilot or ortto"; }
