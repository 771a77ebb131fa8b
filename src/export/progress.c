/* progress.c: a one-line progress bar redrawn at most ten times a second. */
#include "export/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "util/clock.h"

static void draw(export_progress *p, bool force) {
  double now = clock_mono_s();
  if (!force && now - p->last_draw < 0.1) return;
  p->last_draw = now;
  double el = now - p->started;
  double rate = el > 0 ? (double)p->done / el : 0;
  int64_t total = p->total > 0 ? p->total : 1;
  int width = 30, fill = (int)((double)width * (double)p->done / (double)total);
  if (fill > width) fill = width;
  char bar[32];
  for (int i = 0; i < width; i++) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
  bar[width] = '\0';
  double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
  if (eta < 0) eta = 0;
  fprintf(stderr, "\r[%s] %lld/%lld %s  %.0f/s  ETA %d:%02d ", bar, (long long)p->done, (long long)p->total, p->label,
          rate, (int)eta / 60, (int)eta % 60);
  fflush(stderr);
}

void export_progress_start(export_progress *p, bool enabled, int64_t total, const char *label) {
  p->on = enabled && isatty(2);
  p->done = 0;
  p->total = total;
  p->started = clock_mono_s();
  p->last_draw = 0;
  p->label = label;
  if (p->notify) p->notify(p->done, p->total, p->notify_ctx);
  if (p->on) draw(p, true);
}

void export_progress_add(export_progress *p, int64_t n) {
  p->done += n;
  if (p->notify) p->notify(p->done, p->total, p->notify_ctx);
  if (p->on) draw(p, false);
}

void export_progress_total(export_progress *p, int64_t total) { p->total = total; }

void export_progress_end(export_progress *p) {
  if (!p->on) return;
  draw(p, true);
  fputs("\r\033[K", stderr);
  fflush(stderr);
}
