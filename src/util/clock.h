/* clock.h: the one source of time (overridable for tests) and ISO-8601 dates and times. */
#ifndef SEGSHIP_UTIL_CLOCK_H
#define SEGSHIP_UTIL_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Wall-clock time in milliseconds since the epoch. The environment variable SEGSHIP_NOW
 * (an ISO-8601 date or datetime) pins it, so tests of relative dates are repeatable. */
int64_t clock_now_ms(void);
/* Monotonic milliseconds, for durations, timeouts and rate limits. */
int64_t clock_mono_ms(void);
/* Monotonic time in seconds with sub-millisecond precision. */
double clock_mono_s(void);

/* Days since 1970-01-01 of a proleptic Gregorian date; and back. */
int64_t clock_days_from_civil(int y, unsigned m, unsigned d);
void clock_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

/* Parses "YYYY-MM-DD" exactly (a valid calendar date) into days since the epoch. */
bool clock_parse_date(const char *s, size_t n, int64_t *days);
/* Parses "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]" (a space may replace the T; no zone
 * means UTC) into seconds since the epoch. A bare date is not a datetime. */
bool clock_parse_datetime(const char *s, size_t n, int64_t *secs);

/* Formats into out (at least 11 / 21 / 25 bytes): "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ",
 * and "YYYY-MM-DDTHH:MM:SS.mmmZ" from milliseconds. Return out. */
char *clock_format_date(int64_t days, char *out);
char *clock_format_datetime(int64_t secs, char *out);
char *clock_format_ms(int64_t ms, char *out);

#endif
