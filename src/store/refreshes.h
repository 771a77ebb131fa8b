/* refreshes.h: where profiles come from (sources), and the record of each refresh: its steps
 * (import a source, refresh the segments, run an export), their status and timing. */
#ifndef SEGSHIP_STORE_REFRESHES_H
#define SEGSHIP_STORE_REFRESHES_H

#include "store/store.h"

typedef struct store_source {
  int64_t id;
  char name[129];
  char path[1024];
  char format[8]; /* auto, csv, jsonl */
  bool replace;
  int max_delete;  /* with replace: the most an import may delete, percent of the stored profiles */
  int64_t created_at;
} store_source;

seg_code store_source_add(store *s, const store_source *src, seg_err *err);
/* Saves a file source's path, format, replace and max_delete (by id). */
seg_code store_source_update(store *s, const store_source *src, seg_err *err);
seg_code store_source_remove(store *s, const char *name, seg_err *err);
seg_code store_sources_list(store *s, store_source **out, size_t *n, seg_err *err);

typedef struct store_refresh_step {
  char kind[16];      /* import, segments, export */
  char target[129];   /* the source, "all", or the destination */
  char status[16];    /* ok, failed, skipped, partial, cancelled */
  char message[512];
  int64_t started_at, finished_at;
} store_refresh_step;

typedef struct store_refresh {
  int64_t id;
  char trigger[16];   /* manual, schedule */
  char status[16];    /* running, succeeded, failed (some step did not succeed) */
  int64_t started_at, finished_at;
  store_refresh_step *steps;
  size_t n_steps;
} store_refresh;

seg_code store_refresh_start(store *s, const char *trigger, int64_t *id, seg_err *err);
seg_code store_refresh_step_add(store *s, int64_t id, size_t position, const store_refresh_step *step, seg_err *err);
seg_code store_refresh_finish(store *s, int64_t id, const char *status, seg_err *err);
/* The newest refreshes first, with their steps; free with store_refreshes_free. */
seg_code store_refreshes_list(store *s, int limit, store_refresh **out, size_t *n, seg_err *err);
void store_refreshes_free(store_refresh *list, size_t n);

/* Per destination, for /metrics: runs by status, sums of counts, the last success. */
#define STORE_RUN_N_STATUSES 7 /* succeeded, partial, failed, cancelled, interrupted, running, held */
typedef struct store_run_totals {
  char destination[129];
  int64_t runs_by_status[STORE_RUN_N_STATUSES]; /* in the order of store_run_statuses */
  int64_t contacts_upserted, list_additions, list_removals, rejected, api_calls, retries, throttled;
  int64_t field_sets, field_clears; /* membership fields set true / false */
  int64_t last_success_ms;   /* 0: never */
  double last_duration_s;
} store_run_totals;
extern const char *const store_run_statuses[STORE_RUN_N_STATUSES];
seg_code store_run_totals_list(store *s, store_run_totals **out, size_t *n, seg_err *err);

#endif
