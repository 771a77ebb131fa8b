/* report.h: a run's record as JSON, the same for the command line, notifications and logs. */
#ifndef SEGSHIP_EXPORT_REPORT_H
#define SEGSHIP_EXPORT_REPORT_H

#include <jansson.h>

#include "store/exports.h"

/* A new JSON object with run_id, destination, status, profiles, contacts_upserted,
 * list_additions, list_removals, unchanged, invalid, rejected, api_calls, retries, throttled,
 * duration_s, started_at, finished_at, message, full, field_sets, field_clears (and
 * destination_removed when so). */
json_t *export_run_json(const store_export_run *r);

#endif
