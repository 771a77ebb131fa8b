/* service.h: `segship serve`: runs refreshes on the schedule, unattended, for months: one
 * service per store (a lock), logs one event a line, /healthz and /metrics, notifications of
 * failed runs, SIGTERM/SIGINT to stop within seconds, SIGHUP to reload. */
#ifndef SEGSHIP_SCHEDULE_SERVICE_H
#define SEGSHIP_SCHEDULE_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/log.h"

typedef struct service_options {
  const char *db_path;
  const char *listen;          /* "127.0.0.1:8080" */
  const char *notify_command;  /* run with the failed run's JSON on stdin; killed after the timeout */
  const char *notify_url;      /* https:// or loopback; POSTed the failed run's JSON, with retries */
  long notify_timeout_ms;      /* each notification's limit; 0: SERVICE_NOTIFY_TIMEOUT_MS */
  bool console;                /* serve the web console on the listener (src/console) */
  bool secure_cookies;         /* the console's session cookie is marked Secure (behind https) */
  int parallel;                /* exports of different destinations at the same time: 0 all (at most 8) */
} service_options;

/* How long a notify command or one POST to the notify URL may take (then killed, or abandoned). */
#define SERVICE_NOTIFY_TIMEOUT_MS 10000

/* Runs until SIGTERM or SIGINT. Returns SEG_OK after a clean stop, or why it could not start. */
seg_code service_run(const service_options *o, seg_err *err);

/* The schedule as kept in the store: cron expression, time zone, anchor (set at `schedule set`). */
struct store;
seg_code service_schedule_get(struct store *s, char *expr, size_t ecap, char *tz, size_t tcap, int64_t *anchor,
                              seg_err *err);
seg_code service_schedule_set(struct store *s, const char *expr, const char *tz, seg_err *err);

#endif
