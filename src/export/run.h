/* run.h: `segship export run`: checks, the driver's preparation (lists, tags, custom fields),
 * plan, then the calls the destination's driver queues, at the destination's pace, recording each
 * confirmed batch at once, so that a crash, a kill or a cancel loses nothing confirmed. */
#ifndef SEGSHIP_EXPORT_RUN_H
#define SEGSHIP_EXPORT_RUN_H

#include <signal.h>
#include <stdbool.h>

#include "export/driver.h"
#include "store/exports.h"
#include "store/store.h"

typedef struct export_options {
  bool dry_run;                  /* plan and report; no call at all */
  bool full;                     /* resend every contact and membership */
  bool progress;                 /* a progress bar on stderr (when it is a terminal) */
  bool allow_large_removal;      /* this once, no removal guard (see export_plan_held_list) */
  volatile sig_atomic_t *cancel; /* set from a signal handler: finish what is in flight, then stop */
  int in_flight;                 /* concurrent requests (0: 4) */
  double backoff_ms;             /* first retry delay (0: 500 ms) */
  long timeout_ms;               /* per request (0: 30 s) */
  /* Told of the records done and to do as the run goes (the console's progress bar); may be NULL. */
  void (*on_progress)(int64_t done, int64_t total, void *ctx);
  void *progress_ctx;
} export_options;

typedef struct export_report {
  store_export_run run;          /* status and counts; run_id 0 for a dry run */
  bool dry_run;
  int interrupted_before;        /* earlier runs found interrupted and marked so */
  size_t n_segments;
  char segment_names[STORE_EXPORT_MAX_SEGMENTS][129];
  int64_t additions[STORE_EXPORT_MAX_SEGMENTS], removals[STORE_EXPORT_MAX_SEGMENTS];
  int64_t field_ons[STORE_EXPORT_MAX_SEGMENTS], field_offs[STORE_EXPORT_MAX_SEGMENTS]; /* fields "In <segment>" */
  int64_t to_upsert, renames, lists_to_create;
  char membership[8];            /* the export's mode: list, field or both */
  bool held;                     /* the removal guard held the run (a dry run: would hold it); why in run.message */
  const export_driver *driver;   /* the destination's; NULL when its type is unknown */
  char targets[STORE_EXPORT_MAX_SEGMENTS][256]; /* each segment at the destination (list id, tag), "" when not known */
} export_report;

/* Runs the export of destination name. Returns SEG_OK when it succeeded, SEG_EPARTIAL when some
 * records were not delivered (see `export errors`), SEG_ECANCEL when cancelled, SEG_EAUTH when
 * the destination refused the key mid-run, SEG_ELIMIT when the removal guard held the run before any
 * call (status "held", report->held); *report is filled in each of these cases. Any other code
 * means the run did not start (or failed) for the reason in err. */
seg_code export_run(store *s, const char *db_path, const char *name, const export_options *o, export_report *report,
                    seg_err *err);

#endif
