/* tz.h: IANA time zones read straight from the compiled tzdata files (TZif, RFC 8536), so that the
 * scheduler converts between UTC and a zone's local time without the process-wide TZ variable.
 *
 * Why not setenv("TZ") + localtime_r/mktime: TZ is global state, setenv races with getenv in any
 * other thread (libcurl's resolver thread reads the environment), tzset() silently falls back to
 * UTC for a misspelt name, and mktime's answer for a local time in a DST gap or overlap is
 * unspecified. Reading the file ourselves is pure, thread-safe, validates the name, and lets the
 * caller choose what a gap and an overlap mean (tz_resolve). A zone is immutable once loaded. */
#ifndef SEGSHIP_SCHEDULE_TZ_H
#define SEGSHIP_SCHEDULE_TZ_H

#include <stdint.h>

#include "util/error.h"

/* Longest accepted zone name (IANA names are about 30 characters at most). */
#define TZ_NAME_MAX 64
/* No zone is further than this from UTC (seconds); tz_load refuses files that claim otherwise. */
#define TZ_OFFSET_LIMIT (26 * 3600)

typedef struct tz_zone tz_zone;

/* Loads the zone called name from $TZDIR (default /usr/share/zoneinfo). NULL, "" and "UTC" give a
 * built-in UTC that needs no file. Names are IANA names ("Europe/Madrid"); absolute paths, "..",
 * hidden files, folders and files that are not TZif are refused, as are the leap-second "right/"
 * zones. On success *out is a new zone the caller frees with tz_free; on failure *out is NULL and
 * err says what is wrong (SEG_EINVAL for a bad or unknown name, SEG_EIO for an unreadable or
 * damaged file, SEG_ENOMEM). */
seg_code tz_load(const char *name, tz_zone **out, seg_err *err);
void tz_free(tz_zone *z);

/* The zone's name as given ("UTC" for the default). Owned by the zone. */
const char *tz_name(const tz_zone *z);

/* The offset of local time from UTC, in seconds east of Greenwich, at the instant utc (seconds
 * since the epoch). Exact for any instant: after the file's last transition the zone's POSIX rule
 * (the TZif footer) is applied. */
int32_t tz_offset(const tz_zone *z, int64_t utc);

/* The first instant strictly after utc at which the offset may change; INT64_MAX if it never does.
 * A reported change may leave the offset as it was. */
int64_t tz_next_change(const tz_zone *z, int64_t utc);

/* How many instants show the local wall-clock time `local` (seconds since the epoch as if the zone
 * were UTC): 0 in a spring-forward gap, 1 normally, 2 in a fall-back overlap. When at least one
 * does, *first (if not NULL) is the earliest of them. */
int tz_resolve(const tz_zone *z, int64_t local, int64_t *first);

/* Formats the instant utc as local time with its offset, "2025-03-30T03:00:00+02:00" (32 bytes
 * suffice; out must hold at least TZ_FORMAT_SIZE). Returns out. */
#define TZ_FORMAT_SIZE 32
char *tz_format_local(const tz_zone *z, int64_t utc, char *out);

#endif
