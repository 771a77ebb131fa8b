/* progress.h: a progress bar on a terminal (stderr): records done, total, rate, ETA. Silent when
 * stderr is not a terminal or when disabled. */
#ifndef SEGSHIP_EXPORT_PROGRESS_H
#define SEGSHIP_EXPORT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct export_progress {
  bool on;
  int64_t done, total;
  double started, last_draw;
  const char *label;
  /* Told of every change (the console's live progress); may be NULL. */
  void (*notify)(int64_t done, int64_t total, void *ctx);
  void *notify_ctx;
} export_progress;

void export_progress_start(export_progress *p, bool enabled, int64_t total, const char *label);
void export_progress_add(export_progress *p, int64_t n);
void export_progress_total(export_progress *p, int64_t total);
/* Clears the bar's line. */
void export_progress_end(export_progress *p);

#endif
