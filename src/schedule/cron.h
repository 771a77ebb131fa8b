/* cron.h: schedule expressions (5-field cron in an IANA time zone, macros, "@every DURATION") and
 * the next run time. Pure: time is passed in; nothing here reads the clock or prints.
 *
 * Grammar and examples: docs/schedule.md. In short:
 *   minute hour day-of-month month day-of-week, each "*", "N", "A-B", "*" or "A-B" + "/STEP",
 *   or a comma list of those; months jan-dec and days sun-sat by name (any case); weekday 0-7,
 *   0 and 7 both Sunday. If day-of-month and day-of-week both don't start with "*", a day runs when
 *   EITHER matches (Vixie cron); otherwise both must. Macros @yearly (@annually), @monthly,
 *   @weekly, @daily (@midnight), @hourly. "@every 1h30m" (units d h m s; 1s to 366d).
 *
 * Time zones: cron fields are local wall-clock times in the zone (default UTC), read from tzdata
 * by schedule/tz.h rather than through TZ + localtime/mktime (why: see tz.h). Daylight saving:
 *   - a local time that does not exist (the spring-forward gap) does not run that day: "30 2 * * *"
 *     in Europe/Madrid skips 2025-03-30. Chosen over Vixie's "run at the next valid minute" because
 *     an expression then means exactly the wall-clock times it lists, and hourly or finer
 *     schedules lose nothing (the skipped hour never existed: UTC runs stay evenly spaced);
 *   - a local time that occurs twice (fall back) runs once, at its first occurrence; a schedule
 *     that runs every minute or quarter hour therefore pauses during the repeated hour.
 *   "@every" ignores the zone: it runs at anchor + k * interval (k >= 1) in UTC.
 *
 * Threads: a parsed schedule is immutable; cron_next and the other readers may be called from any
 * thread. Parsing reads $TZDIR and the zone file. */
#ifndef SEGSHIP_SCHEDULE_CRON_H
#define SEGSHIP_SCHEDULE_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* The longest expression accepted, in bytes. */
#define CRON_EXPR_MAX 256
/* A buffer of this size always holds cron_describe's text in full. */
#define CRON_DESCRIBE_SIZE 400
/* cron_format_local's output size: "2025-03-30T03:00:00+02:00" and a terminator, with room. */
#define CRON_LOCAL_SIZE 32

typedef struct cron_schedule cron_schedule; /* opaque; immutable once parsed */

/* Parses expr ("*\/15 9-17 * * mon-fri", "@daily", "@every 30s") in time zone tz (NULL or "" =
 * UTC; an IANA name such as "Europe/Madrid"; checked against tzdata even for @every). anchor_ms
 * anchors @every: the time the schedule was set (ms since the epoch); cron expressions ignore it.
 * On success *out is a new schedule the caller frees with cron_free. On failure *out is NULL and
 * err holds one sentence naming the field and the problem, e.g. "minute field '61' is out of
 * range 0-59"; codes: SEG_EINVAL (the expression or the zone), SEG_EIO (unreadable tzdata),
 * SEG_ENOMEM. */
seg_code cron_parse(const char *expr, const char *tz, int64_t anchor_ms, cron_schedule **out, seg_err *err);
void cron_free(cron_schedule *c);

/* The first run time strictly after after_ms (ms since the epoch, UTC), in ms. Returns -1 if there
 * is none within 5 years (e.g. "0 0 29 2 *" from 2097 on: 2100 is not a leap year), or when
 * after_ms is outside years 1-9999. Cron runs fall on whole local minutes; @every runs on
 * anchor_ms + k * interval, k >= 1 (the anchor itself is not a run). */
int64_t cron_next(const cron_schedule *c, int64_t after_ms);

/* Writes a normalised description into out (cap bytes, always terminated, truncated if short):
 * numbers for names, macro aliases and durations in one spelling, single spaces, and the zone:
 * "*\/15 9-17 * * 1-5 (Europe/Madrid)", "@daily (UTC)", "@every 1h30m". The description parses
 * back to the same schedule. */
void cron_describe(const cron_schedule *c, char *out, size_t cap);

/* True for @every schedules (the service may log them differently). */
bool cron_is_interval(const cron_schedule *c);

/* The schedule's time zone name ("UTC" by default). Owned by the schedule. */
const char *cron_zone_name(const cron_schedule *c);

/* Formats ms (since the epoch) as local time in the schedule's zone with its UTC offset,
 * "2025-03-30T03:00:00+02:00" (seconds shown, milliseconds dropped); out holds CRON_LOCAL_SIZE
 * bytes. Returns out. For showing next runs to people in their zone. */
char *cron_format_local(const cron_schedule *c, int64_t ms, char *out);

#endif
