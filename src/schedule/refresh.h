/* refresh.h: one refresh, as the schedule runs it: import every source, refresh every segment,
 * then run the scheduled exports, those of different destinations at the same time. A failing step is recorded and the others go on; an
 * export whose segment failed to refresh is skipped, with that reason. */
#ifndef SEGSHIP_SCHEDULE_REFRESH_H
#define SEGSHIP_SCHEDULE_REFRESH_H

#include <signal.h>

#include "export/run.h"
#include "store/refreshes.h"
#include "store/store.h"

#define REFRESH_PARALLEL_MAX 8 /* exports of different destinations at the same time, at most */

typedef struct refresh_options {
  const char *trigger;             /* "manual" or "schedule" */
  volatile sig_atomic_t *cancel;   /* stop between steps; an export in flight finishes its batches */
  bool progress;
  int parallel;                    /* exports at the same time (each destination once): 0 all, at most 8 */
  /* Called after each export run (for notifications and logs); may be NULL. */
  void (*on_export)(const export_report *report, seg_code rc, const char *message, void *ctx);
  void *ctx;
} refresh_options;

typedef struct refresh_report {
  int64_t id;
  char status[16];                 /* succeeded, failed (a step did not succeed), cancelled */
  store_refresh_step *steps;       /* owned */
  size_t n_steps;
} refresh_report;

seg_code refresh_run(store *s, const char *db_path, const refresh_options *o, refresh_report *report, seg_err *err);
void refresh_report_free(refresh_report *r);

#endif
