/* test_cron.c: the schedule module: cron and @every parsing, messages, next runs across month
 * ends, leap years and DST, and the TZif reader checked against glibc's own. */
#include "helpers.h"

#include <sys/stat.h>
#include <time.h>

#include "schedule/cron.h"
#include "schedule/tz.h"
#include "util/clock.h"
#include "util/error.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers */

static int64_t iso_ms(const char *s) {
  int64_t secs = 0;
  if (!clock_parse_datetime(s, strlen(s), &secs)) fail_msg("bad datetime in the test: %s", s);
  return secs * 1000;
}

/* "2025-03-31T00:30:00Z", with milliseconds only when there are some; "none" for -1. */
static const char *fmt_ms(int64_t ms, char *out) {
  if (ms == -1) return strcpy(out, "none");
  if (ms % 1000 == 0) return clock_format_datetime(ms / 1000, out);
  return clock_format_ms(ms, out);
}

static cron_schedule *parse_ok(const char *expr, const char *tz, int64_t anchor_ms) {
  cron_schedule *c = NULL;
  seg_err err;
  seg_err_clear(&err);
  seg_code result = cron_parse(expr, tz, anchor_ms, &c, &err);
  if (result != SEG_OK) fail_msg("'%s' in '%s' did not parse: %s", expr, tz ? tz : "(null)", err.msg);
  assert_non_null(c);
  return c;
}

/* Asserts that parsing fails with code and exactly message, leaving *out NULL. */
static void expect_error(const char *expr, const char *tz, seg_code code, const char *message) {
  cron_schedule *c = (cron_schedule *)&c; /* not NULL, so we see that it is reset */
  seg_err err;
  seg_err_clear(&err);
  seg_code result = cron_parse(expr, tz, 0, &c, &err);
  if (result == SEG_OK) fail_msg("'%s' parsed but should fail with: %s", expr, message);
  assert_null(c);
  assert_int_equal(err.code, code);
  assert_int_equal(result, code);
  assert_string_equal(err.msg, message);
}

static void expect_describe(const char *expr, const char *tz, const char *want) {
  cron_schedule *c = parse_ok(expr, tz, 0);
  char out[CRON_DESCRIBE_SIZE];
  cron_describe(c, out, sizeof out);
  assert_string_equal(out, want);
  /* the description, zone removed, parses back to the same description */
  char again[CRON_DESCRIBE_SIZE];
  snprintf(again, sizeof again, "%s", out);
  char *paren = strstr(again, " (");
  if (paren) *paren = '\0';
  cron_schedule *back = parse_ok(again, tz, 0);
  char out2[CRON_DESCRIBE_SIZE];
  cron_describe(back, out2, sizeof out2);
  assert_string_equal(out2, want);
  cron_free(back);
  cron_free(c);
}

/* Asserts the runs that follow `after`, one after another, are exactly the times in want
 * (NULL-terminated; "none" for -1). */
static void expect_runs_v(const char *expr, const char *tz, int64_t anchor_ms, const char *after,
                          const char *const *want) {
  cron_schedule *c = parse_ok(expr, tz, anchor_ms);
  int64_t t = iso_ms(after);
  char got[32];
  for (int i = 0; want[i]; i++) {
    t = cron_next(c, t);
    const char *g = fmt_ms(t, got);
    if (strcmp(g, want[i]) != 0)
      fail_msg("'%s' (%s) after %s, run %d: got %s, want %s", expr, tz ? tz : "UTC", after, i + 1, g, want[i]);
    if (t == -1) break;
  }
  cron_free(c);
}
#define EXPECT_RUNS(expr, tz, after, ...) \
  expect_runs_v(expr, tz, 0, after, (const char *const[]){__VA_ARGS__, NULL})

/* The single next run after `after`. */
static void expect_next(const char *expr, const char *tz, const char *after, const char *want) {
  expect_runs_v(expr, tz, 0, after, (const char *const[]){want, NULL});
}

/* ---------------------------------------------------------------------------------------------
 * Parsing and descriptions */

static void test_describe_normalises(void **state) {
  expect_describe("*/15 9-17 * * mon-fri", "Europe/Madrid", "*/15 9-17 * * 1-5 (Europe/Madrid)");
  expect_describe("*/15 9-17 * * MON-Fri", NULL, "*/15 9-17 * * 1-5 (UTC)");
  expect_describe("  0\t05   1,15 *  * ", "", "0 5 1,15 * * (UTC)");
  expect_describe("0 0 * jan,Mar-MAY,dec *", "UTC", "0 0 * 1,3-5,12 * (UTC)");
  expect_describe("0-30/10 */6 1-31/2 */3 sun,7,fri-sun", "America/New_York",
                  "0-30/10 */6 1-31/2 */3 0,7,5-7 (America/New_York)");
  expect_describe("59 23 31 12 7", NULL, "59 23 31 12 7 (UTC)");
  expect_describe("@yearly", NULL, "@yearly (UTC)");
  expect_describe("@ANNUALLY", NULL, "@yearly (UTC)");
  expect_describe("@monthly", "Europe/Madrid", "@monthly (Europe/Madrid)");
  expect_describe("@weekly", NULL, "@weekly (UTC)");
  expect_describe("@midnight", NULL, "@daily (UTC)");
  expect_describe("@daily", NULL, "@daily (UTC)");
  expect_describe(" @hourly ", NULL, "@hourly (UTC)");
  expect_describe("@every 30s", NULL, "@every 30s");
  expect_describe("@every 90m", "Europe/Madrid", "@every 1h30m");
  expect_describe("@every 1h30m", NULL, "@every 1h30m");
  expect_describe("@every 86400s", NULL, "@every 1d");
  expect_describe("@EVERY 1D", NULL, "@every 1d");
  expect_describe("@every 36h", NULL, "@every 1d12h");
  expect_describe("@every 1d0h0m1s", NULL, "@every 1d1s");
  expect_describe("@every 366d", NULL, "@every 366d");
  expect_describe("@every 1s", NULL, "@every 1s");
}

static void test_describe_small_buffer(void **state) {
  cron_schedule *c = parse_ok("*/15 9-17 * * mon-fri", "Europe/Madrid", 0);
  char out[8];
  memset(out, 'x', sizeof out);
  cron_describe(c, out, sizeof out);
  assert_string_equal(out, "*/15 9-");
  cron_describe(c, out, 0); /* nothing written, no crash */
  assert_string_equal(out, "*/15 9-");
  assert_false(cron_is_interval(c));
  assert_string_equal(cron_zone_name(c), "Europe/Madrid");
  cron_free(c);
  c = parse_ok("@every 5m", NULL, 0);
  assert_true(cron_is_interval(c));
  assert_string_equal(cron_zone_name(c), "UTC");
  cron_free(c);
  cron_free(NULL);
}

static void test_errors_in_fields(void **state) {
  expect_error("61 * * * *", NULL, SEG_EINVAL, "minute field '61' is out of range 0-59");
  expect_error("5,61 * * * *", NULL, SEG_EINVAL, "minute field '61' is out of range 0-59");
  expect_error("99999999999 * * * *", NULL, SEG_EINVAL, "minute field '99999999999' is out of range 0-59");
  expect_error("0 24 * * *", NULL, SEG_EINVAL, "hour field '24' is out of range 0-23");
  expect_error("0 0 0 * *", NULL, SEG_EINVAL, "day-of-month field '0' is out of range 1-31");
  expect_error("0 0 32 * *", NULL, SEG_EINVAL, "day-of-month field '32' is out of range 1-31");
  expect_error("0 0 * 13 *", NULL, SEG_EINVAL, "month field '13' is out of range 1-12");
  expect_error("0 0 * 0 *", NULL, SEG_EINVAL, "month field '0' is out of range 1-12");
  expect_error("0 0 * * 8", NULL, SEG_EINVAL, "day-of-week field '8' is out of range 0-7");
  expect_error("0 0 * * mun", NULL, SEG_EINVAL, "day-of-week field 'mun' is not a day name");
  expect_error("0 0 * * monday", NULL, SEG_EINVAL, "day-of-week field 'monday' is not a day name");
  expect_error("0 0 * jann *", NULL, SEG_EINVAL, "month field 'jann' is not a month name");
  expect_error("0 0 mon * *", NULL, SEG_EINVAL, "day-of-month field 'mon' is not a number");
  expect_error("x * * * *", NULL, SEG_EINVAL, "minute field 'x' is not a number");
  expect_error("1x * * * *", NULL, SEG_EINVAL, "minute field '1x' is not a number");
  expect_error("? * * * *", NULL, SEG_EINVAL, "minute field '?' is not a number");
  expect_error("0 17-9 * * *", NULL, SEG_EINVAL,
               "hour field '17-9' runs backwards; write the smaller number first, or a list such as '17-23,0-9'");
  expect_error("0 0 * * fri-mon", NULL, SEG_EINVAL,
               "day-of-week field 'fri-mon' runs backwards; write the smaller number first, or a list such as "
               "'5-6,0-1'");
  expect_error("*/0 * * * *", NULL, SEG_EINVAL, "minute field '*/0' has a step of 0; the step must be 1 or more");
  expect_error("*/61 * * * *", NULL, SEG_EINVAL, "minute field '*/61' has a step larger than the field's 60 values");
  expect_error("*/x * * * *", NULL, SEG_EINVAL, "minute field '*/x' has a step that is not a number");
  expect_error("*/ * * * *", NULL, SEG_EINVAL, "minute field '*/' has no step after '/'; write it like '*/5'");
  expect_error("5/15 * * * *", NULL, SEG_EINVAL,
               "minute field '5/15' has a step but no range; write '5-59/15' or '*/15'");
  expect_error("*-5 * * * *", NULL, SEG_EINVAL,
               "minute field '*-5' mixes '*' with more; write '*', '*/STEP' or a range such as 0-4");
  expect_error("5- * * * *", NULL, SEG_EINVAL,
               "minute field '5-' is incomplete; write a number, a range such as 0-4, or '*'");
  expect_error("1,,2 * * * *", NULL, SEG_EINVAL, "minute field has an empty list item; remove the extra comma");
  expect_error("0 0 30 2 *", NULL, SEG_EINVAL,
               "day-of-month field '30' never falls in month field '2', so the schedule would never run; choose days "
               "that exist in those months");
  expect_error("0 0 31 apr,jun,sep,nov *", NULL, SEG_EINVAL,
               "day-of-month field '31' never falls in month field 'apr,jun,sep,nov', so the schedule would never "
               "run; choose days that exist in those months");
  /* with a weekday too, either may match, so it runs (on the weekdays) */
  cron_free(parse_ok("0 0 30 2 mon", NULL, 0));
  /* Feb 29 exists, in leap years */
  cron_free(parse_ok("0 0 29 2 *", NULL, 0));
}

static void test_errors_in_shape(void **state) {
  expect_error("* * * *", NULL, SEG_EINVAL,
               "the expression has 4 fields; cron needs 5 (minute hour day month weekday) or @every DURATION");
  expect_error("0 * * * * *", NULL, SEG_EINVAL,
               "the expression has 6 fields; cron needs 5 (minute hour day month weekday) or @every DURATION");
  expect_error("*/5", NULL, SEG_EINVAL,
               "the expression has 1 field; cron needs 5 (minute hour day month weekday) or @every DURATION");
  expect_error("1 2 3 4 5 6 7 8 9 10 11", NULL, SEG_EINVAL,
               "the expression has 11 fields; cron needs 5 (minute hour day month weekday) or @every DURATION");
  expect_error("", NULL, SEG_EINVAL,
               "the expression is empty; write 5 fields (minute hour day month weekday), a macro such as @daily, or "
               "@every DURATION");
  expect_error(" \t ", NULL, SEG_EINVAL,
               "the expression is empty; write 5 fields (minute hour day month weekday), a macro such as @daily, or "
               "@every DURATION");
  expect_error(NULL, NULL, SEG_EINVAL,
               "no schedule was given; write 5 cron fields, a macro such as @daily, or @every DURATION");
  expect_error("0\xc2\xa0* * * *", NULL, SEG_EINVAL,
               "the expression has a non-ASCII character at position 2 (a pasted non-breaking space?); use plain "
               "spaces, letters and digits");
  expect_error("0 * * * *\n", NULL, SEG_EINVAL, "the expression has a control character at position 10; remove it");
  expect_error("@weeky", NULL, SEG_EINVAL,
               "unknown macro '@weeky'; use @yearly, @monthly, @weekly, @daily, @hourly or @every DURATION");
  expect_error("@daily 5", NULL, SEG_EINVAL, "@daily takes nothing after it; remove '5' or write 5 fields instead");
  expect_error("@midnight 0 0 ", NULL, SEG_EINVAL,
               "@midnight takes nothing after it; remove '0 0' or write 5 fields instead");
  expect_error("@every", NULL, SEG_EINVAL,
               "@every needs a duration, such as '@every 30s', '@every 5m' or '@every 1h30m'");
  expect_error("@every 1h 30m", NULL, SEG_EINVAL,
               "@every takes one duration without spaces, such as '1h30m'; found '1h 30m'");

  /* the length bound: 256 bytes parse, 257 do not */
  char expr[CRON_EXPR_MAX + 2];
  memset(expr, ' ', sizeof expr);
  memcpy(expr, "0 0 * * *", 9);
  expr[CRON_EXPR_MAX] = '\0';
  cron_free(parse_ok(expr, NULL, 0));
  expr[CRON_EXPR_MAX] = ' ';
  expr[CRON_EXPR_MAX + 1] = '\0';
  expect_error(expr, NULL, SEG_EINVAL, "the expression is longer than 256 characters; shorten it");
}

static void test_errors_in_durations(void **state) {
  expect_error("@every 0s", NULL, SEG_EINVAL, "duration '0s' is shorter than 1 second, the least @every allows");
  expect_error("@every 367d", NULL, SEG_EINVAL, "duration '367d' is longer than 366 days, the most @every allows");
  expect_error("@every 366d1s", NULL, SEG_EINVAL, "duration '366d1s' is longer than 366 days, the most @every allows");
  expect_error("@every 99999999999999999999h", NULL, SEG_EINVAL,
               "duration '99999999999999999999h' is longer than 366 days, the most @every allows");
  expect_error("@every 5x", NULL, SEG_EINVAL, "duration '5x' has an unknown unit 'x'; use d, h, m or s");
  expect_error("@every 5ms", NULL, SEG_EINVAL, "duration '5ms' has an unknown unit 'ms'; use d, h, m or s");
  expect_error("@every 90", NULL, SEG_EINVAL, "duration '90' has no unit; write it like '90s' or '90m'");
  expect_error("@every 30m1h", NULL, SEG_EINVAL,
               "duration '30m1h' repeats a unit or puts a smaller one first; write the largest first, like 1h30m");
  expect_error("@every 1h1h", NULL, SEG_EINVAL,
               "duration '1h1h' repeats a unit or puts a smaller one first; write the largest first, like 1h30m");
  expect_error("@every h", NULL, SEG_EINVAL, "duration 'h' is not like 30s, 5m, 2h, 1h30m or 1d");
  expect_error("@every 1.5h", NULL, SEG_EINVAL, "duration '1.5h' is not like 30s, 5m, 2h, 1h30m or 1d");
  expect_error("@every -5m", NULL, SEG_EINVAL, "duration '-5m' is not like 30s, 5m, 2h, 1h30m or 1d");
}

static void test_errors_in_zones(void **state) {
  expect_error("0 9 * * *", "Europe/Madird", SEG_EINVAL, "unknown time zone 'Europe/Madird'; did you mean 'Europe/Madrid'?");
  expect_error("0 9 * * *", "europe/madrid", SEG_EINVAL, "unknown time zone 'europe/madrid'; did you mean 'Europe/Madrid'?");
  expect_error("0 9 * * *", "America/New York", SEG_EINVAL,
               "unknown time zone 'America/New York'; did you mean 'America/New_York'?");
  expect_error("0 9 * * *", "Mars/Olympus_Mons", SEG_EINVAL,
               "unknown time zone 'Mars/Olympus_Mons'; use an IANA name such as 'Europe/Madrid', 'America/New_York' "
               "or 'UTC'");
  expect_error("@every 5m", "Europe/Madird", SEG_EINVAL,
               "unknown time zone 'Europe/Madird'; did you mean 'Europe/Madrid'?");
  expect_error("0 9 * * *", "../../../etc/passwd", SEG_EINVAL,
               "'../../../etc/passwd' is not a time zone name; use an IANA name such as 'Europe/Madrid'");
  expect_error("0 9 * * *", "/etc/localtime", SEG_EINVAL,
               "'/etc/localtime' is not a time zone name; use an IANA name such as 'Europe/Madrid'");
  expect_error("0 9 * * *", "Europe//Madrid", SEG_EINVAL,
               "'Europe//Madrid' is not a time zone name; use an IANA name such as 'Europe/Madrid'");
  expect_error("0 9 * * *", "Europe/", SEG_EINVAL,
               "'Europe/' is not a time zone name; use an IANA name such as 'Europe/Madrid'");
  expect_error("0 9 * * *", "Europe/.Madrid", SEG_EINVAL,
               "'Europe/.Madrid' is not a time zone name; use an IANA name such as 'Europe/Madrid'");
  expect_error("0 9 * * *", "Europe/Madrid;rm", SEG_EINVAL,
               "the time zone name has a character that IANA names never use (at position 14); use a name such as "
               "'Europe/Madrid'");
  expect_error("0 9 * * *",
               "Europe/Madrid_Madrid_Madrid_Madrid_Madrid_Madrid_Madrid_Madrid_Madrid", SEG_EINVAL,
               "the time zone name is longer than 64 characters; use an IANA name such as 'Europe/Madrid'");
  expect_error("0 9 * * *", "Europe", SEG_EINVAL,
               "'Europe' is a region, not a time zone; name a zone in it, such as 'Europe/Amsterdam'");
  expect_error("0 9 * * *", "zone.tab", SEG_EINVAL,
               "unknown time zone 'zone.tab'; use an IANA name such as 'Europe/Madrid', 'America/New_York' or 'UTC'");
  expect_error("0 9 * * *", "right/Europe/Madrid", SEG_EINVAL,
               "time zone 'right/Europe/Madrid' counts leap seconds, which schedules cannot use; use 'Europe/Madrid'");
  /* other spellings that exist are fine */
  cron_free(parse_ok("0 9 * * *", "Etc/UTC", 0));
  cron_free(parse_ok("0 9 * * *", "US/Eastern", 0));
  cron_free(parse_ok("0 9 * * *", "Etc/GMT+5", 0));
  cron_free(parse_ok("0 9 * * *", "UTC", 0));
}

/* A TZDIR of our own: files that are damaged, or hold only the POSIX rule (as "slim" tzdata does). */
static void put_be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Builds a TZif file: version '2' (with 64-bit data and the footer rule) or 0 (32-bit only);
 * transitions at[i] to type types[i]; offsets of the ntypes types. Returns its size. */
static size_t make_tzif(unsigned char *out, char version, const int64_t *at, const unsigned char *types, uint32_t ntimes,
                        const int32_t *offsets, uint32_t ntypes, const char *rule) {
  size_t n = 0;
  for (int width = 4; width <= 8; width += 4) {
    memset(out + n, 0, 44);
    memcpy(out + n, "TZif", 4);
    out[n + 4] = (unsigned char)version;
    put_be32(out + n + 32, ntimes);
    put_be32(out + n + 36, ntypes);
    put_be32(out + n + 40, 4); /* charcnt: "ZZZ\0" */
    n += 44;
    for (uint32_t i = 0; i < ntimes; i++, n += (size_t)width) {
      if (width == 8) put_be32(out + n, (uint32_t)((uint64_t)at[i] >> 32));
      put_be32(out + n + (size_t)width - 4, (uint32_t)at[i]);
    }
    for (uint32_t i = 0; i < ntimes; i++) out[n++] = types[i];
    for (uint32_t i = 0; i < ntypes; i++, n += 6) {
      put_be32(out + n, (uint32_t)offsets[i]);
      out[n + 4] = (unsigned char)(i > 0), out[n + 5] = 0;
    }
    memcpy(out + n, "ZZZ", 4);
    n += 4;
    if (version != '2') return n;
  }
  n += (size_t)sprintf((char *)out + n, "\n%s\n", rule);
  return n;
}

static size_t make_rule_only_tzif(unsigned char *out, int32_t utoff, const char *rule) {
  return make_tzif(out, '2', NULL, NULL, 0, &utoff, 1, rule);
}

/* Teardown: a failed test must not leave its TZDIR to the tests after it. */
static int unset_tzdir(void **state) {
  unsetenv("TZDIR");
  return 0;
}

static void test_zone_files_of_our_own(void **state) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/zoneinfo", test_tmpdir());
  mkdir(dir, 0700);
  char sub[600];
  snprintf(sub, sizeof sub, "%s/Test", dir);
  mkdir(sub, 0700);
  unsigned char file[512];
  size_t n = make_rule_only_tzif(file, 3600, "CET-1CEST,M3.5.0,M10.5.0/3");
  test_write_file("zoneinfo/Test/Slim", (const char *)file, (long)n);
  test_write_file("zoneinfo/Test/Cut", (const char *)file, 50);
  test_write_file("zoneinfo/Test/BadRule", (const char *)file, (long)make_rule_only_tzif(file, 3600, "CET-1CEST,M13.5.0,M10.5.0/3"));
  test_write_file("zoneinfo/Test/Text", "Europe/Madrid\n", -1);
  /* permanent DST written as a rule, as zic does: DST from Jan 1 00:00 to Dec 31 25:00 */
  test_write_file("zoneinfo/Test/AllYear", (const char *)file,
                  (long)make_rule_only_tzif(file, -10800, "<-03>3<-02>,0/0,J365/25"));
  test_write_file("zoneinfo/Test/NoTypes", (const char *)file, (long)make_tzif(file, '2', NULL, NULL, 0, NULL, 0, ""));
  /* version 1: 32-bit data, no rule; UTC until 1969, then +01, then +02 from 1970-01-02 on */
  static const int64_t at[] = {-365 * 86400, 86400};
  static const unsigned char types[] = {1, 2};
  static const int32_t offsets[] = {0, 3600, 7200};
  test_write_file("zoneinfo/Test/Old", (const char *)file, (long)make_tzif(file, 0, at, types, 2, offsets, 3, ""));
  setenv("TZDIR", dir, 1);

  /* a zone given only by its rule behaves like the full Europe/Madrid */
  EXPECT_RUNS("30 2 * * *", "Test/Slim", "2025-03-29T02:00:00Z", "2025-03-31T00:30:00Z");
  EXPECT_RUNS("30 2 * * *", "Test/Slim", "2025-10-25T02:00:00Z", "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z");
  char msg[1200];
  snprintf(msg, sizeof msg, "the time zone file %s/Test/Cut is damaged (it is cut short); reinstall the tzdata package", dir);
  expect_error("0 9 * * *", "Test/Cut", SEG_EIO, msg);
  snprintf(msg, sizeof msg,
           "the time zone file %s/Test/BadRule is damaged (its rule for future years cannot be read); reinstall the "
           "tzdata package",
           dir);
  expect_error("0 9 * * *", "Test/BadRule", SEG_EIO, msg);
  snprintf(msg, sizeof msg, "the time zone file %s/Test/NoTypes is damaged (the header is wrong); reinstall the tzdata package",
           dir);
  expect_error("0 9 * * *", "Test/NoTypes", SEG_EIO, msg);
  EXPECT_RUNS("0 0 * * *", "Test/AllYear", "2025-12-30T12:00:00Z", "2025-12-31T02:00:00Z", "2026-01-01T02:00:00Z",
              "2026-01-02T02:00:00Z");
  EXPECT_RUNS("0 0 * * *", "Test/AllYear", "2026-06-30T12:00:00Z", "2026-07-01T02:00:00Z");
  /* (01:30 on Jan 2 falls in the change's gap) */
  EXPECT_RUNS("30 1 * * *", "Test/Old", "1969-12-31T12:00:00Z", "1970-01-01T00:30:00Z", "1970-01-02T23:30:00Z",
              "1970-01-03T23:30:00Z");
  EXPECT_RUNS("30 1 * * *", "Test/Old", "2100-01-01T00:00:00Z", "2100-01-01T23:30:00Z");
  EXPECT_RUNS("30 1 * * *", "Test/Old", "1968-06-01T00:00:00Z", "1968-06-01T01:30:00Z");
  expect_error("0 9 * * *", "Test/Text", SEG_EINVAL,
               "unknown time zone 'Test/Text'; use an IANA name such as 'Europe/Madrid', 'America/New_York' or 'UTC'");
  expect_error("0 9 * * *", "Test/Slm", SEG_EINVAL, "unknown time zone 'Test/Slm'; did you mean 'Test/Slim'?");
  /* UTC is built in: it needs no file */
  cron_free(parse_ok("0 9 * * *", "UTC", 0));
  cron_free(parse_ok("0 9 * * *", NULL, 0));
  expect_error("0 9 * * *", "Europe/Madrid", SEG_EINVAL,
               "unknown time zone 'Europe/Madrid'; use an IANA name such as 'Europe/Madrid', 'America/New_York' or "
               "'UTC'");

  tz_zone *slim, *full;
  assert_int_equal(tz_load("Test/Slim", &slim, NULL), SEG_OK);
  unsetenv("TZDIR");
  assert_int_equal(tz_load("Europe/Madrid", &full, NULL), SEG_OK);
  for (int64_t t = iso_ms("1997-01-01T00:00:00Z") / 1000; t < iso_ms("2100-01-01T00:00:00Z") / 1000; t += 86400 * 3 + 3607)
    if (tz_offset(slim, t) != tz_offset(full, t)) fail_msg("offsets differ at %lld", (long long)t);
  tz_free(slim);
  tz_free(full);
}

/* ---------------------------------------------------------------------------------------------
 * Next runs: fields, calendars, @every */

static void test_next_is_strictly_after(void **state) {
  expect_next("0 9 * * *", NULL, "2025-05-01T08:59:59Z", "2025-05-01T09:00:00Z");
  expect_next("0 9 * * *", NULL, "2025-05-01T09:00:00Z", "2025-05-02T09:00:00Z");
  cron_schedule *c = parse_ok("0 9 * * *", NULL, 0);
  int64_t nine = iso_ms("2025-05-01T09:00:00Z");
  assert_int_equal(cron_next(c, nine - 1), nine);
  assert_int_equal(cron_next(c, nine + 1), nine + 86400000);
  assert_int_equal(cron_next(c, iso_ms("0001-01-01T00:00:00Z") - 1), -1); /* out of the supported years */
  assert_int_equal(cron_next(c, INT64_MAX), -1);
  assert_int_equal(cron_next(c, INT64_MIN), -1);
  assert_int_equal(cron_next(NULL, 0), -1);
  cron_free(c);
  EXPECT_RUNS("* * * * *", NULL, "2025-05-01T09:00:30Z", "2025-05-01T09:01:00Z", "2025-05-01T09:02:00Z");
  /* before the epoch too */
  EXPECT_RUNS("0 9 * * *", NULL, "1969-12-31T12:00:00Z", "1970-01-01T09:00:00Z");
  EXPECT_RUNS("30 1 * * *", NULL, "1969-12-30T12:00:00Z", "1969-12-31T01:30:00Z", "1970-01-01T01:30:00Z");
  EXPECT_RUNS("0 0 1 1 *", "Europe/Madrid", "1899-06-01T00:00:00Z", "1900-01-01T00:14:44Z");
}

static void test_fields_select_times(void **state) {
  EXPECT_RUNS("*/15 9-17 * * mon-fri", "Europe/Madrid", "2025-01-31T16:40:00Z", /* Fri 17:40 in Madrid */
              "2025-01-31T16:45:00Z", "2025-02-03T08:00:00Z", "2025-02-03T08:15:00Z");
  EXPECT_RUNS("5,10-12 */12 * * *", NULL, "2025-05-01T00:00:00Z", "2025-05-01T00:05:00Z", "2025-05-01T00:10:00Z",
              "2025-05-01T00:11:00Z", "2025-05-01T00:12:00Z", "2025-05-01T12:05:00Z");
  EXPECT_RUNS("0 0 * * 0", NULL, "2025-05-01T00:00:00Z", "2025-05-04T00:00:00Z", "2025-05-11T00:00:00Z");
  EXPECT_RUNS("0 0 * * 7", NULL, "2025-05-01T00:00:00Z", "2025-05-04T00:00:00Z", "2025-05-11T00:00:00Z");
  EXPECT_RUNS("0 0 * * fri-sun", NULL, "2025-05-01T00:00:00Z", "2025-05-02T00:00:00Z", "2025-05-03T00:00:00Z",
              "2025-05-04T00:00:00Z", "2025-05-09T00:00:00Z");
  EXPECT_RUNS("0 0 * * 1-5/2", NULL, "2025-05-01T00:00:00Z", "2025-05-02T00:00:00Z", "2025-05-05T00:00:00Z",
              "2025-05-07T00:00:00Z");
  EXPECT_RUNS("30 4 1 */4 *", NULL, "2025-05-01T00:00:00Z", "2025-05-01T04:30:00Z", "2025-09-01T04:30:00Z",
              "2026-01-01T04:30:00Z");
  EXPECT_RUNS("0 12 * feb *", NULL, "2025-03-01T00:00:00Z", "2026-02-01T12:00:00Z");
  /* macros */
  expect_next("@yearly", NULL, "2025-05-01T00:00:00Z", "2026-01-01T00:00:00Z");
  expect_next("@monthly", NULL, "2025-05-01T00:00:00Z", "2025-06-01T00:00:00Z");
  expect_next("@weekly", NULL, "2025-05-01T00:00:00Z", "2025-05-04T00:00:00Z");
  expect_next("@daily", NULL, "2025-05-01T00:00:00Z", "2025-05-02T00:00:00Z");
  expect_next("@hourly", NULL, "2025-05-01T00:00:00Z", "2025-05-01T01:00:00Z");
  expect_next("@daily", "America/New_York", "2025-05-01T00:00:00Z", "2025-05-01T04:00:00Z");
  /* zones off the hour */
  expect_next("0 9 * * *", "Asia/Kathmandu", "2025-05-01T00:00:00Z", "2025-05-01T03:15:00Z");
  expect_next("0 9 * * *", "Asia/Kolkata", "2025-05-01T00:00:00Z", "2025-05-01T03:30:00Z");
  expect_next("0 9 * * *", "Pacific/Chatham", "2025-05-01T00:00:00Z", "2025-05-01T20:15:00Z");
}

static void test_month_and_year_ends(void **state) {
  EXPECT_RUNS("0 0 * * *", NULL, "2025-01-31T00:00:00Z", "2025-02-01T00:00:00Z");
  EXPECT_RUNS("0 12 31 * *", NULL, "2025-01-31T12:00:00Z", "2025-03-31T12:00:00Z", "2025-05-31T12:00:00Z",
              "2025-07-31T12:00:00Z", "2025-08-31T12:00:00Z");
  EXPECT_RUNS("0 0 30 * *", NULL, "2025-01-30T00:00:00Z", "2025-03-30T00:00:00Z");
  EXPECT_RUNS("0 0 1 * *", "Europe/Madrid", "2025-01-31T12:00:00Z", "2025-01-31T23:00:00Z", "2025-02-28T23:00:00Z",
              "2025-03-31T22:00:00Z");
  EXPECT_RUNS("59 23 31 12 *", NULL, "2025-12-31T23:59:00Z", "2026-12-31T23:59:00Z");
  EXPECT_RUNS("@yearly", "Europe/Madrid", "2025-06-01T00:00:00Z", "2025-12-31T23:00:00Z", "2026-12-31T23:00:00Z");
  EXPECT_RUNS("@yearly", NULL, "2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z");
  EXPECT_RUNS("0 0 * * *", "Pacific/Kiritimati", "2025-12-31T09:00:00Z", "2025-12-31T10:00:00Z");
}

static void test_leap_years(void **state) {
  EXPECT_RUNS("0 0 29 2 *", NULL, "2025-01-01T00:00:00Z", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z");
  EXPECT_RUNS("0 0 29 2 *", NULL, "1999-01-01T00:00:00Z", "2000-02-29T00:00:00Z"); /* 2000: divisible by 400 */
  EXPECT_RUNS("0 0 29 2 *", NULL, "2097-03-01T00:00:00Z", "none"); /* 2100 is not a leap year: 2104 is > 5 years */
  EXPECT_RUNS("0 0 28-29 feb *", NULL, "2027-02-28T00:00:00Z", "2028-02-28T00:00:00Z", "2028-02-29T00:00:00Z",
              "2029-02-28T00:00:00Z");
  EXPECT_RUNS("0 0 * * *", NULL, "2028-02-28T12:00:00Z", "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z");
  EXPECT_RUNS("0 0 * * *", NULL, "2100-02-28T12:00:00Z", "2100-03-01T00:00:00Z");
  EXPECT_RUNS("0 9 29 2 *", "America/New_York", "2025-01-01T00:00:00Z", "2028-02-29T14:00:00Z");
}

static void test_day_of_month_or_day_of_week(void **state) {
  /* both restricted: the 13th OR a Friday (June 2025: Fridays 6, 13, 20, 27) */
  EXPECT_RUNS("0 0 13 * 5", NULL, "2025-06-01T00:00:00Z", "2025-06-06T00:00:00Z", "2025-06-13T00:00:00Z",
              "2025-06-20T00:00:00Z", "2025-06-27T00:00:00Z", "2025-07-04T00:00:00Z", "2025-07-11T00:00:00Z",
              "2025-07-13T00:00:00Z", "2025-07-18T00:00:00Z");
  EXPECT_RUNS("0 0 1,15 * mon", NULL, "2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z", "2025-06-09T00:00:00Z",
              "2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z");
  /* one of them '*': both must match */
  EXPECT_RUNS("0 0 * * 5", NULL, "2025-06-01T00:00:00Z", "2025-06-06T00:00:00Z", "2025-06-13T00:00:00Z");
  EXPECT_RUNS("0 0 13 * *", NULL, "2025-06-01T00:00:00Z", "2025-06-13T00:00:00Z", "2025-07-13T00:00:00Z");
  /* a field that starts with '*' counts as unrestricted (as in Vixie cron): odd days that are Mondays */
  EXPECT_RUNS("0 0 */2 * 1", NULL, "2025-06-01T00:00:00Z", "2025-06-09T00:00:00Z", "2025-06-23T00:00:00Z",
              "2025-07-07T00:00:00Z");
  /* a never-existing day with a weekday: only the weekday runs */
  EXPECT_RUNS("0 0 30 2 mon", NULL, "2025-02-01T00:00:00Z", "2025-02-03T00:00:00Z", "2025-02-10T00:00:00Z");
}

static void test_every(void **state) {
  int64_t anchor = iso_ms("2025-05-01T10:00:07Z") + 250;
  cron_schedule *c = parse_ok("@every 30s", "Europe/Madrid", anchor);
  char got[32];
  assert_string_equal(fmt_ms(cron_next(c, anchor), got), "2025-05-01T10:00:37.250Z");
  assert_string_equal(fmt_ms(cron_next(c, anchor + 29999), got), "2025-05-01T10:00:37.250Z");
  assert_string_equal(fmt_ms(cron_next(c, anchor + 30000), got), "2025-05-01T10:01:07.250Z");
  assert_string_equal(fmt_ms(cron_next(c, anchor - 86400000), got), "2025-05-01T10:00:37.250Z");
  assert_string_equal(fmt_ms(cron_next(c, anchor + 10LL * 86400000 + 1), got), "2025-05-11T10:00:37.250Z");
  assert_int_equal(cron_next(c, INT64_MAX - 1000), -1);
  cron_free(c);

  /* the zone is checked but does not move @every: hours stay even across DST */
  {
    int64_t a = iso_ms("2025-03-29T23:00:00Z");
    expect_runs_v("@every 1h", "Europe/Madrid", a, "2025-03-30T00:30:00Z",
                  (const char *const[]){"2025-03-30T01:00:00Z", "2025-03-30T02:00:00Z", "2025-03-30T03:00:00Z", NULL});
    expect_runs_v("@every 1h30m", NULL, a, "2025-03-29T22:00:00Z",
                  (const char *const[]){"2025-03-30T00:30:00Z", "2025-03-30T02:00:00Z", NULL});
    expect_runs_v("@every 1d", "America/New_York", a, "2025-11-01T23:30:00Z",
                  (const char *const[]){"2025-11-02T23:00:00Z", "2025-11-03T23:00:00Z", NULL});
    expect_runs_v("@every 366d", NULL, a, "2025-03-29T23:00:00Z", (const char *const[]){"2026-03-30T23:00:00Z", NULL});
  }
}

/* ---------------------------------------------------------------------------------------------
 * DST */

/* Europe/Madrid 2025: 03-30 02:00 CET -> 03:00 CEST (01:00Z); 10-26 03:00 CEST -> 02:00 CET (01:00Z). */
static void test_dst_madrid(void **state) {
  /* 02:30 does not exist on 03-30: that day is skipped */
  EXPECT_RUNS("30 2 * * *", "Europe/Madrid", "2025-03-28T12:00:00Z", "2025-03-29T01:30:00Z", "2025-03-31T00:30:00Z",
              "2025-04-01T00:30:00Z");
  EXPECT_RUNS("0 2 * * *", "Europe/Madrid", "2025-03-29T12:00:00Z", "2025-03-31T00:00:00Z");
  EXPECT_RUNS("59 1 * * *", "Europe/Madrid", "2025-03-29T12:00:00Z", "2025-03-30T00:59:00Z");
  EXPECT_RUNS("0 3 * * *", "Europe/Madrid", "2025-03-29T12:00:00Z", "2025-03-30T01:00:00Z");
  /* hourly across the gap: every UTC hour, none missing, none doubled (local 02:00 never exists) */
  EXPECT_RUNS("0 * * * *", "Europe/Madrid", "2025-03-29T22:30:00Z", "2025-03-29T23:00:00Z", "2025-03-30T00:00:00Z",
              "2025-03-30T01:00:00Z", "2025-03-30T02:00:00Z");
  EXPECT_RUNS("*/30 * * * *", "Europe/Madrid", "2025-03-29T23:45:00Z", "2025-03-30T00:00:00Z", "2025-03-30T00:30:00Z",
              "2025-03-30T01:00:00Z", "2025-03-30T01:30:00Z");
  /* 02:30 happens twice on 10-26 (00:30Z in CEST, 01:30Z in CET): it runs once, at the first */
  EXPECT_RUNS("30 2 * * *", "Europe/Madrid", "2025-10-25T12:00:00Z", "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z");
  EXPECT_RUNS("30 2 * * *", "Europe/Madrid", "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z");
  EXPECT_RUNS("30 2 * * *", "Europe/Madrid", "2025-10-26T01:00:00Z", "2025-10-27T01:30:00Z"); /* from inside */
  /* hourly across the overlap: local 02:00 runs once, so 01:00Z (the second 02:00) has no run */
  EXPECT_RUNS("0 * * * *", "Europe/Madrid", "2025-10-25T22:30:00Z", "2025-10-25T23:00:00Z", "2025-10-26T00:00:00Z",
              "2025-10-26T02:00:00Z", "2025-10-26T03:00:00Z");
  EXPECT_RUNS("0 * * * *", "Europe/Madrid", "2025-10-26T00:59:00Z", "2025-10-26T02:00:00Z");
  /* finer schedules pause for the repeated hour */
  EXPECT_RUNS("*/20 * * * *", "Europe/Madrid", "2025-10-26T00:30:00Z", "2025-10-26T00:40:00Z", "2025-10-26T02:00:00Z");
  /* local times outside the changed hour are untouched */
  EXPECT_RUNS("0 4 * * *", "Europe/Madrid", "2025-10-25T12:00:00Z", "2025-10-26T03:00:00Z", "2025-10-27T03:00:00Z");
  EXPECT_RUNS("0 1 * * *", "Europe/Madrid", "2025-10-25T12:00:00Z", "2025-10-25T23:00:00Z", "2025-10-27T00:00:00Z");
}

/* America/New_York 2025: 03-09 02:00 EST -> 03:00 EDT (07:00Z); 11-02 02:00 EDT -> 01:00 EST (06:00Z). */
static void test_dst_new_york(void **state) {
  EXPECT_RUNS("30 2 * * *", "America/New_York", "2025-03-08T00:00:00Z", "2025-03-08T07:30:00Z", "2025-03-10T06:30:00Z");
  EXPECT_RUNS("0 * * * *", "America/New_York", "2025-03-09T05:30:00Z", "2025-03-09T06:00:00Z", "2025-03-09T07:00:00Z",
              "2025-03-09T08:00:00Z");
  /* 01:30 occurs at 05:30Z (EDT) and 06:30Z (EST) on 11-02: once, at 05:30Z */
  EXPECT_RUNS("30 1 * * *", "America/New_York", "2025-11-01T00:00:00Z", "2025-11-01T05:30:00Z", "2025-11-02T05:30:00Z",
              "2025-11-03T06:30:00Z");
  EXPECT_RUNS("30 1 * * *", "America/New_York", "2025-11-02T06:10:00Z", "2025-11-03T06:30:00Z"); /* from inside */
  EXPECT_RUNS("0 * * * *", "America/New_York", "2025-11-02T03:30:00Z", "2025-11-02T04:00:00Z", "2025-11-02T05:00:00Z",
              "2025-11-02T07:00:00Z", "2025-11-02T08:00:00Z");
  EXPECT_RUNS("0 2 * * *", "America/New_York", "2025-11-01T12:00:00Z", "2025-11-02T07:00:00Z");
  EXPECT_RUNS("30 2 * * *", "America/New_York", "2025-11-01T12:00:00Z", "2025-11-02T07:30:00Z"); /* not repeated */
  EXPECT_RUNS("@daily", "America/New_York", "2025-11-01T12:00:00Z", "2025-11-02T04:00:00Z", "2025-11-03T05:00:00Z");
}

static void test_dst_elsewhere(void **state) {
  /* Sydney springs forward on 2025-10-05 (02:00 AEST -> 03:00 AEDT, 16:00Z the day before) */
  EXPECT_RUNS("30 2 * * *", "Australia/Sydney", "2025-10-03T00:00:00Z", "2025-10-03T16:30:00Z", "2025-10-05T15:30:00Z");
  /* Lord Howe moves by half an hour (02:00 -> 02:30 on 2025-10-05, at 15:30Z): 02:15 is skipped, 02:45 is not */
  EXPECT_RUNS("15 2 * * *", "Australia/Lord_Howe", "2025-10-03T00:00:00Z", "2025-10-03T15:45:00Z", "2025-10-05T15:15:00Z");
  EXPECT_RUNS("45 2 * * *", "Australia/Lord_Howe", "2025-10-04T00:00:00Z", "2025-10-04T15:45:00Z");
  /* Dublin's "winter time" is negative DST in the data; the wall clock is what counts */
  EXPECT_RUNS("30 1 * * *", "Europe/Dublin", "2025-10-25T12:00:00Z", "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z");
  /* far future: past the last transition in the file, the zone's rule takes over */
  EXPECT_RUNS("30 2 * * *", "Europe/Madrid", "2040-03-24T00:00:00Z", "2040-03-24T01:30:00Z", "2040-03-26T00:30:00Z");
  EXPECT_RUNS("30 1 * * *", "America/New_York", "2044-11-06T00:00:00Z", "2044-11-06T05:30:00Z", "2044-11-07T06:30:00Z");
}

static void test_resolve_and_format(void **state) {
  tz_zone *z;
  assert_int_equal(tz_load("Europe/Madrid", &z, NULL), SEG_OK);
  int64_t first = 0;
  assert_int_equal(tz_resolve(z, iso_ms("2025-03-30T02:30:00Z") / 1000, &first), 0);
  assert_int_equal(tz_resolve(z, iso_ms("2025-03-30T03:00:00Z") / 1000, &first), 1);
  assert_int_equal(first, iso_ms("2025-03-30T01:00:00Z") / 1000);
  assert_int_equal(tz_resolve(z, iso_ms("2025-10-26T02:30:00Z") / 1000, &first), 2);
  assert_int_equal(first, iso_ms("2025-10-26T00:30:00Z") / 1000);
  char out[TZ_FORMAT_SIZE];
  assert_string_equal(tz_format_local(z, iso_ms("2025-03-30T01:00:00Z") / 1000, out), "2025-03-30T03:00:00+02:00");
  assert_string_equal(tz_format_local(z, iso_ms("1900-01-01T00:00:00Z") / 1000, out), "1899-12-31T23:45:16-00:14:44");
  assert_int_equal(tz_next_change(z, iso_ms("2025-06-01T00:00:00Z") / 1000), iso_ms("2025-10-26T01:00:00Z") / 1000);
  assert_int_equal(tz_next_change(z, iso_ms("2050-06-01T00:00:00Z") / 1000), iso_ms("2050-10-30T01:00:00Z") / 1000);
  tz_free(z);

  cron_schedule *c = parse_ok("0 9 * * *", "America/New_York", 0);
  char local[CRON_LOCAL_SIZE];
  assert_string_equal(cron_format_local(c, iso_ms("2025-11-02T06:30:00Z") + 999, local), "2025-11-02T01:30:00-05:00");
  cron_free(c);
  assert_int_equal(tz_load(NULL, &z, NULL), SEG_OK);
  assert_string_equal(tz_name(z), "UTC");
  assert_int_equal(tz_offset(z, 0), 0);
  assert_int_equal(tz_next_change(z, 0), INT64_MAX);
  tz_free(z);
}

/* Our reading of the zone files agrees with glibc's localtime_r for every zone below, at a
 * sample of instants over two centuries and one second either side of every change. */
static void test_offsets_match_glibc(void **state) {
  static const struct {
    const char *name;
    bool changes_until_2100; /* it still has DST, so changes come every year */
  } zones[] = {
      {"Europe/Madrid", true},      {"America/New_York", true}, {"Australia/Lord_Howe", true}, {"Asia/Kathmandu", false},
      {"America/Sao_Paulo", false}, {"Africa/Casablanca", false}, {"Pacific/Apia", false},      {"Europe/Dublin", true},
      {"America/Nuuk", true},       {"Asia/Tehran", false},      {"Antarctica/Troll", true},   {"Pacific/Chatham", true},
      {"America/Santiago", true},   {"Asia/Gaza", true},         {"Europe/London", true},
  };
  char *old_tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
  for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
    tz_zone *z;
    seg_err err;
    if (tz_load(zones[i].name, &z, &err) != SEG_OK) fail_msg("%s", err.msg);
    char tzvar[80];
    snprintf(tzvar, sizeof tzvar, ":%s", zones[i].name);
    setenv("TZ", tzvar, 1);
    tzset();
    long checked = 0;
    int64_t from = iso_ms("1902-01-01T00:00:00Z") / 1000, to = iso_ms("2100-01-01T00:00:00Z") / 1000;
    for (int64_t t = from; t < to; t += 86400 * 5 + 3 * 3607) {
      time_t tt = (time_t)t;
      struct tm tm;
      localtime_r(&tt, &tm);
      if (tm.tm_gmtoff != tz_offset(z, t))
        fail_msg("%s at %lld: glibc says %ld, we say %d", zones[i].name, (long long)t, tm.tm_gmtoff, tz_offset(z, t));
      checked++;
    }
    int64_t last_change = 0;
    for (int64_t t = tz_next_change(z, from); t < to; t = tz_next_change(z, t)) {
      last_change = t;
      for (int64_t d = -1; d <= 0; d++) {
        time_t tt = (time_t)(t + d);
        struct tm tm;
        localtime_r(&tt, &tm);
        if (tm.tm_gmtoff != tz_offset(z, t + d))
          fail_msg("%s at change %lld%+lld: glibc says %ld, we say %d", zones[i].name, (long long)t, (long long)d,
                   tm.tm_gmtoff, tz_offset(z, t + d));
      }
      checked++;
    }
    assert_true(checked > 10000);
    if (zones[i].changes_until_2100 && last_change < iso_ms("2099-01-01T00:00:00Z") / 1000)
      fail_msg("%s: the changes stop at %lld", zones[i].name, (long long)last_change);
    tz_free(z);
  }
  if (old_tz) setenv("TZ", old_tz, 1);
  else unsetenv("TZ");
  tzset();
  free(old_tz);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_describe_normalises),
      cmocka_unit_test(test_describe_small_buffer),
      cmocka_unit_test(test_errors_in_fields),
      cmocka_unit_test(test_errors_in_shape),
      cmocka_unit_test(test_errors_in_durations),
      cmocka_unit_test(test_errors_in_zones),
      cmocka_unit_test_teardown(test_zone_files_of_our_own, unset_tzdir),
      cmocka_unit_test(test_next_is_strictly_after),
      cmocka_unit_test(test_fields_select_times),
      cmocka_unit_test(test_month_and_year_ends),
      cmocka_unit_test(test_leap_years),
      cmocka_unit_test(test_day_of_month_or_day_of_week),
      cmocka_unit_test(test_every),
      cmocka_unit_test(test_dst_madrid),
      cmocka_unit_test(test_dst_new_york),
      cmocka_unit_test(test_dst_elsewhere),
      cmocka_unit_test(test_resolve_and_format),
      cmocka_unit_test(test_offsets_match_glibc),
  };
  unsetenv("TZDIR");
  return cmocka_run_group_tests_name("cron", tests, NULL, NULL);
}
