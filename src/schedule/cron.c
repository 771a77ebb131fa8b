/* cron.c: parsing cron expressions, macros and @every durations, and finding the next run. */
#include "schedule/cron.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule/tz.h"
#include "util/clock.h"

#define CRON_SEARCH_DAYS (5 * 366)
#define CRON_EVERY_MAX_S (366LL * 86400)
#define CRON_MS_MIN (-62135596800000LL) /* 0001-01-01T00:00:00Z */
#define CRON_MS_MAX 253402300799999LL   /* 9999-12-31T23:59:59.999Z */
#define CRON_TOKENS_MAX 8               /* more only matters for the "N fields" message */

struct cron_schedule {
  bool interval;
  int64_t every_s;           /* @every: the interval in seconds */
  int64_t anchor_ms;         /* @every: runs at anchor_ms + k * every_s * 1000, k >= 1 */
  uint64_t minutes;          /* bit n: minute n (0-59) */
  uint32_t hours;            /* bit n: hour n (0-23) */
  uint32_t mdays;            /* bit n: day of month n (1-31) */
  uint16_t months;           /* bit n: month n (1-12) */
  uint8_t wdays;             /* bit n: weekday n (0-6, Sunday 0; 7 is folded into 0) */
  bool mday_star, wday_star; /* the field starts with '*': then a day must match both fields */
  tz_zone *zone;
  char text[CRON_DESCRIBE_SIZE - TZ_NAME_MAX - 4]; /* the normalised expression, without the zone */
};

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Case-insensitive equality of s[0..n) and the NUL-terminated word. */
static bool word_is(const char *s, size_t n, const char *word) {
  if (strlen(word) != n) return false;
  for (size_t i = 0; i < n; i++)
    if (lower(s[i]) != word[i]) return false;
  return true;
}

/* Appends printf output to text (cap bytes) at *len; the text stays terminated if it overflows. */
static void text_add(char *text, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void text_add(char *text, size_t cap, size_t *len, const char *fmt, ...) {
  if (*len >= cap) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n > 0) *len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

/* ---------------------------------------------------------------------------------------------
 * Fields */

typedef struct field_spec {
  const char *name;
  int min, max;
  const char *const *names; /* 3-letter names for min..min+count-1, or NULL */
  int name_count;
} field_spec;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

enum { F_MINUTE, F_HOUR, F_MDAY, F_MONTH, F_WDAY, F_COUNT };
static const field_spec cron_fields[F_COUNT] = {
    {"minute", 0, 59, NULL, 0},     {"hour", 0, 23, NULL, 0},          {"day-of-month", 1, 31, NULL, 0},
    {"month", 1, 12, month_names, 12}, {"day-of-week", 0, 7, day_names, 7},
};

/* Reads one value of field f from s[0..n): a number, or a name where the field has names. A range
 * ends with Sunday as 7 ("fri-sun"), so such a range runs forwards. */
static seg_code field_value(const field_spec *f, const char *item, size_t item_len, const char *s, size_t n,
                            bool range_end, int *out, seg_err *err) {
  if (n == 0)
    return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' is incomplete; write a number, a range such as %d-%d, or '*'",
                       f->name, (int)item_len, item, f->min, f->min + 4);
  if (is_alpha(s[0]) && f->names) {
    for (int i = 0; i < f->name_count; i++)
      if (word_is(s, n, f->names[i])) {
        *out = f->min + i;
        if (f->max == 7 && range_end && *out == 0) *out = 7;
        return SEG_OK;
      }
    return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' is not a %s name", f->name, (int)n, s,
                       f->max == 7 ? "day" : "month");
  }
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit(s[i]))
      return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' is not a number", f->name, (int)n, s);
    if (v < 1000) v = v * 10 + (s[i] - '0');
  }
  if (v < f->min || v > f->max)
    return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' is out of range %d-%d", f->name, (int)n, s, f->min, f->max);
  *out = v;
  return SEG_OK;
}

/* Parses one comma-separated item ("*", "*\/5", "7", "1-5", "9-17/2", "mon-fri") into *bits and
 * appends its normalised text. */
static seg_code field_item(const field_spec *f, const char *s, size_t n, uint64_t *bits, char *text, size_t cap,
                           size_t *len, seg_err *err) {
  if (n == 0) return seg_err_set(err, SEG_EINVAL, "%s field has an empty list item; remove the extra comma", f->name);
  const char *slash = memchr(s, '/', n);
  size_t base_len = slash ? (size_t)(slash - s) : n;
  int a, b, step = 1;
  bool star = false, range = false;
  if (slash) {
    const char *p = slash + 1;
    size_t pn = n - base_len - 1;
    int v = 0;
    for (size_t i = 0; i < pn; i++) {
      if (!is_digit(p[i]) || pn > 4)
        return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' has a step that is not a number", f->name, (int)n, s);
      v = v * 10 + (p[i] - '0');
    }
    if (pn == 0)
      return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' has no step after '/'; write it like '*/5'", f->name, (int)n, s);
    int span = (f->max == 7 ? 6 : f->max) - f->min + 1;
    if (v == 0)
      return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' has a step of 0; the step must be 1 or more", f->name, (int)n, s);
    if (v > span)
      return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' has a step larger than the field's %d values", f->name,
                         (int)n, s, span);
    step = v;
  }
  if (base_len >= 1 && s[0] == '*') {
    if (base_len != 1)
      return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' mixes '*' with more; write '*', '*/STEP' or a range such as %d-%d",
                         f->name, (int)n, s, f->min, f->min + 4);
    star = true;
    a = f->min;
    b = f->max == 7 ? 6 : f->max;
  } else {
    const char *dash = memchr(s, '-', base_len);
    size_t first_len = dash ? (size_t)(dash - s) : base_len;
    seg_code result = field_value(f, s, n, s, first_len, false, &a, err);
    if (result != SEG_OK) return result;
    b = a;
    if (dash) {
      range = true;
      result = field_value(f, s, n, dash + 1, base_len - first_len - 1, true, &b, err);
      if (result != SEG_OK) return result;
      if (b < a) {
        int top = f->max == 7 ? 6 : f->max;
        return seg_err_set(err, SEG_EINVAL,
                           "%s field '%.*s' runs backwards; write the smaller number first, or a list such as '%d-%d,%d-%d'",
                           f->name, (int)n, s, a, top, f->min, b);
      }
    }
    if (slash && !range)
      return seg_err_set(err, SEG_EINVAL, "%s field '%.*s' has a step but no range; write '%d-%d/%d' or '*/%d'", f->name,
                         (int)n, s, a, f->max, step, step);
  }
  for (int v = a; v <= b; v += step) *bits |= UINT64_C(1) << (f->max == 7 ? v % 7 : v);
  if (*len) text_add(text, cap, len, ",");
  if (star) text_add(text, cap, len, "*");
  else if (range) text_add(text, cap, len, "%d-%d", a, b);
  else text_add(text, cap, len, "%d", a);
  if (slash) text_add(text, cap, len, "/%d", step);
  return SEG_OK;
}

/* Parses a whole field (a comma list) into *bits and appends its normalised text to text. */
static seg_code field_parse(const field_spec *f, const char *s, size_t n, uint64_t *bits, char *text, size_t cap,
                            size_t *len, seg_err *err) {
  char item_text[CRON_EXPR_MAX + 1] = "";
  size_t item_len = 0;
  *bits = 0;
  for (size_t start = 0;;) {
    const char *comma = memchr(s + start, ',', n - start);
    size_t end = comma ? (size_t)(comma - s) : n;
    seg_code result = field_item(f, s + start, end - start, bits, item_text, sizeof item_text, &item_len, err);
    if (result != SEG_OK) return result;
    if (!comma) break;
    start = end + 1;
  }
  text_add(text, cap, len, "%s%s", *len ? " " : "", item_text);
  return SEG_OK;
}

/* A day-of-month list that no chosen month has (e.g. "30 2") would never run; say so now. */
static seg_code check_days_exist(const cron_schedule *c, const char *mday, size_t mday_n, const char *month,
                                 size_t month_n, seg_err *err) {
  static const int longest[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (!c->wday_star) return SEG_OK; /* a chosen weekday will come, alone (OR) or on a '*' day */
  for (int m = 1; m <= 12; m++)
    if ((c->months >> m & 1) && (c->mdays & ((UINT64_C(1) << (longest[m - 1] + 1)) - 2))) return SEG_OK;
  return seg_err_set(err, SEG_EINVAL,
                     "day-of-month field '%.*s' never falls in month field '%.*s', so the schedule would never run; "
                     "choose days that exist in those months",
                     (int)mday_n, mday, (int)month_n, month);
}

/* ---------------------------------------------------------------------------------------------
 * Macros and @every */

typedef struct cron_token {
  const char *s;
  size_t n;
} cron_token;

static const struct {
  const char *name, *canonical, *fields;
} cron_macros[] = {
    {"@yearly", "@yearly", "0 0 1 1 *"}, {"@annually", "@yearly", "0 0 1 1 *"},
    {"@monthly", "@monthly", "0 0 1 * *"}, {"@weekly", "@weekly", "0 0 * * 0"},
    {"@daily", "@daily", "0 0 * * *"},   {"@midnight", "@daily", "0 0 * * *"},
    {"@hourly", "@hourly", "0 * * * *"},
};

/* Parses a duration such as 30s, 5m, 2h, 1h30m, 1d (units d h m s, largest first, each once). */
static seg_code duration_parse(const char *s, size_t n, int64_t *secs, seg_err *err) {
  static const char units[] = "smhd";
  static const int64_t unit_secs[] = {1, 60, 3600, 86400};
  int64_t total = 0;
  int last_rank = 4;
  size_t i = 0;
  while (i < n) {
    if (!is_digit(s[i]))
      return seg_err_set(err, SEG_EINVAL, "duration '%.*s' is not like 30s, 5m, 2h, 1h30m or 1d", (int)n, s);
    int64_t v = 0;
    for (; i < n && is_digit(s[i]); i++)
      if (v <= CRON_EVERY_MAX_S) v = v * 10 + (s[i] - '0');
    size_t u = i;
    while (i < n && is_alpha(s[i])) i++;
    if (u == i) {
      if (i == n)
        return seg_err_set(err, SEG_EINVAL, "duration '%.*s' has no unit; write it like '%.*ss' or '%.*sm'", (int)n, s,
                           (int)n, s, (int)n, s);
      return seg_err_set(err, SEG_EINVAL, "duration '%.*s' is not like 30s, 5m, 2h, 1h30m or 1d", (int)n, s);
    }
    const char *found = i - u == 1 ? strchr(units, lower(s[u])) : NULL;
    if (!found)
      return seg_err_set(err, SEG_EINVAL, "duration '%.*s' has an unknown unit '%.*s'; use d, h, m or s", (int)n, s,
                         (int)(i - u), s + u);
    int rank = (int)(found - units);
    if (rank >= last_rank)
      return seg_err_set(err, SEG_EINVAL,
                         "duration '%.*s' repeats a unit or puts a smaller one first; write the largest first, like 1h30m",
                         (int)n, s);
    last_rank = rank;
    if (v > CRON_EVERY_MAX_S) v = CRON_EVERY_MAX_S + 1;
    total += v * unit_secs[rank];
    if (total > CRON_EVERY_MAX_S) total = CRON_EVERY_MAX_S + 1;
  }
  if (total < 1)
    return seg_err_set(err, SEG_EINVAL, "duration '%.*s' is shorter than 1 second, the least @every allows", (int)n, s);
  if (total > CRON_EVERY_MAX_S)
    return seg_err_set(err, SEG_EINVAL, "duration '%.*s' is longer than 366 days, the most @every allows", (int)n, s);
  *secs = total;
  return SEG_OK;
}

static void duration_format(int64_t secs, char *text, size_t cap, size_t *len) {
  static const char units[] = "dhms";
  static const int64_t unit_secs[] = {86400, 3600, 60, 1};
  for (int i = 0; i < 4; i++)
    if (secs >= unit_secs[i]) {
      text_add(text, cap, len, "%lld%c", (long long)(secs / unit_secs[i]), units[i]);
      secs %= unit_secs[i];
    }
}

/* ---------------------------------------------------------------------------------------------
 * Parsing */

static seg_code cron_parse_fields(cron_schedule *c, const cron_token *tok, seg_err *err) {
  uint64_t bits[F_COUNT];
  size_t len = 0;
  for (int i = 0; i < F_COUNT; i++) {
    seg_code result = field_parse(&cron_fields[i], tok[i].s, tok[i].n, &bits[i], c->text, sizeof c->text, &len, err);
    if (result != SEG_OK) return result;
  }
  c->minutes = bits[F_MINUTE];
  c->hours = (uint32_t)bits[F_HOUR];
  c->mdays = (uint32_t)bits[F_MDAY];
  c->months = (uint16_t)bits[F_MONTH];
  c->wdays = (uint8_t)bits[F_WDAY];
  c->mday_star = tok[F_MDAY].s[0] == '*';
  c->wday_star = tok[F_WDAY].s[0] == '*';
  return check_days_exist(c, tok[F_MDAY].s, tok[F_MDAY].n, tok[F_MONTH].s, tok[F_MONTH].n, err);
}

/* Splits s[0..n) at blanks into up to CRON_TOKENS_MAX tokens; returns how many there are in all. */
static int cron_split(const char *s, size_t n, cron_token *tok) {
  int count = 0;
  for (size_t i = 0; i < n;) {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i == n) break;
    size_t start = i;
    while (i < n && s[i] != ' ' && s[i] != '\t') i++;
    if (count < CRON_TOKENS_MAX) tok[count] = (cron_token){s + start, i - start};
    count++;
  }
  return count;
}

/* Everything after the first token, for messages ("@daily 5": '5'). */
static cron_token cron_rest(const cron_token *tok, int count, const char *expr, size_t n) {
  if (count < 2) return (cron_token){"", 0};
  const char *end = expr + n;
  while (end > tok[1].s && (end[-1] == ' ' || end[-1] == '\t')) end--;
  return (cron_token){tok[1].s, (size_t)(end - tok[1].s)};
}

static seg_code cron_parse_macro(cron_schedule *c, const cron_token *tok, int count, const char *expr, size_t n,
                                 seg_err *err) {
  cron_token rest = cron_rest(tok, count, expr, n);
  if (word_is(tok[0].s, tok[0].n, "@every")) {
    if (count == 1)
      return seg_err_set(err, SEG_EINVAL, "@every needs a duration, such as '@every 30s', '@every 5m' or '@every 1h30m'");
    if (count > 2)
      return seg_err_set(err, SEG_EINVAL, "@every takes one duration without spaces, such as '1h30m'; found '%.*s'",
                         (int)rest.n, rest.s);
    seg_code result = duration_parse(tok[1].s, tok[1].n, &c->every_s, err);
    if (result != SEG_OK) return result;
    size_t len = 0;
    text_add(c->text, sizeof c->text, &len, "@every ");
    duration_format(c->every_s, c->text, sizeof c->text, &len);
    c->interval = true;
    return SEG_OK;
  }
  for (size_t i = 0; i < sizeof cron_macros / sizeof cron_macros[0]; i++) {
    if (!word_is(tok[0].s, tok[0].n, cron_macros[i].name)) continue;
    if (count > 1)
      return seg_err_set(err, SEG_EINVAL, "%.*s takes nothing after it; remove '%.*s' or write 5 fields instead",
                         (int)tok[0].n, tok[0].s, (int)rest.n, rest.s);
    cron_token fields[CRON_TOKENS_MAX];
    const char *f = cron_macros[i].fields;
    cron_split(f, strlen(f), fields);
    seg_code result = cron_parse_fields(c, fields, err);
    if (result != SEG_OK) return result;
    snprintf(c->text, sizeof c->text, "%s", cron_macros[i].canonical);
    return SEG_OK;
  }
  return seg_err_set(err, SEG_EINVAL, "unknown macro '%.*s'; use @yearly, @monthly, @weekly, @daily, @hourly or @every DURATION",
                     (int)tok[0].n, tok[0].s);
}

seg_code cron_parse(const char *expr, const char *tz, int64_t anchor_ms, cron_schedule **out, seg_err *err) {
  *out = NULL;
  if (!expr) return seg_err_set(err, SEG_EINVAL, "no schedule was given; write 5 cron fields, a macro such as @daily, or @every DURATION");
  size_t n = strnlen(expr, CRON_EXPR_MAX + 1);
  if (n > CRON_EXPR_MAX)
    return seg_err_set(err, SEG_EINVAL, "the expression is longer than %d characters; shorten it", CRON_EXPR_MAX);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)expr[i];
    if (ch >= 0x80)
      return seg_err_set(err, SEG_EINVAL,
                         "the expression has a non-ASCII character at position %zu (a pasted non-breaking space?); "
                         "use plain spaces, letters and digits",
                         i + 1);
    if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
      return seg_err_set(err, SEG_EINVAL, "the expression has a control character at position %zu; remove it", i + 1);
  }
  cron_token tok[CRON_TOKENS_MAX];
  int count = cron_split(expr, n, tok);
  if (count == 0)
    return seg_err_set(err, SEG_EINVAL,
                       "the expression is empty; write 5 fields (minute hour day month weekday), a macro such as @daily, "
                       "or @every DURATION");
  cron_schedule *c = calloc(1, sizeof *c);
  if (!c) return seg_err_set(err, SEG_ENOMEM, "out of memory parsing a schedule");
  c->anchor_ms = anchor_ms;
  seg_code result;
  if (tok[0].s[0] == '@')
    result = cron_parse_macro(c, tok, count, expr, n, err);
  else if (count != F_COUNT)
    result = seg_err_set(err, SEG_EINVAL,
                         "the expression has %d field%s; cron needs 5 (minute hour day month weekday) or @every DURATION",
                         count, count == 1 ? "" : "s");
  else
    result = cron_parse_fields(c, tok, err);
  if (result == SEG_OK) result = tz_load(tz, &c->zone, err);
  if (result != SEG_OK) {
    cron_free(c);
    return result;
  }
  *out = c;
  return SEG_OK;
}

void cron_free(cron_schedule *c) {
  if (!c) return;
  tz_free(c->zone);
  free(c);
}

/* ---------------------------------------------------------------------------------------------
 * Next run */

static bool cron_day_matches(const cron_schedule *c, int64_t days, unsigned mday) {
  bool by_mday = c->mdays >> mday & 1;
  bool by_wday = c->wdays >> (int)(((days % 7) + 7 + 4) % 7) & 1; /* 1970-01-01 was a Thursday */
  return c->mday_star || c->wday_star ? by_mday && by_wday : by_mday || by_wday;
}

/* Moves *lmin (minutes since the epoch on the local wall clock) to the first minute at or after
 * it that the fields match; false if there is none up to limit. */
static bool cron_next_local(const cron_schedule *c, int64_t *lmin, int64_t limit) {
  int64_t t = *lmin;
  while (t <= limit) {
    int64_t days = floor_div(t, 1440);
    int of_day = (int)(t - days * 1440), hour = of_day / 60, minute = of_day % 60;
    int y;
    unsigned m, d;
    clock_civil_from_days(days, &y, &m, &d);
    if (!(c->months >> m & 1)) {
      t = clock_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * 1440;
    } else if (!cron_day_matches(c, days, d)) {
      t = (days + 1) * 1440;
    } else if (!(c->hours >> hour & 1) || !(c->minutes >> minute)) {
      t = days * 1440 + (hour + 1) * 60;
    } else {
      *lmin = t + __builtin_ctzll(c->minutes >> minute);
      return true;
    }
  }
  return false;
}

static int64_t cron_next_every(const cron_schedule *c, int64_t after_ms) {
  int64_t period = c->every_s * 1000, k = 1, since, step, result;
  if (after_ms >= c->anchor_ms) {
    if (__builtin_sub_overflow(after_ms, c->anchor_ms, &since)) return -1;
    k = since / period + 1;
  }
  if (__builtin_mul_overflow(k, period, &step) || __builtin_add_overflow(c->anchor_ms, step, &result)) return -1;
  return result;
}

int64_t cron_next(const cron_schedule *c, int64_t after_ms) {
  if (!c || after_ms < CRON_MS_MIN || after_ms > CRON_MS_MAX) return -1;
  if (c->interval) return cron_next_every(c, after_ms);
  /* Walk the local wall-clock minutes that match, from the one after after_ms's local time; the
   * first whose earliest instant is after after_ms is the run. A minute in a DST gap has no
   * instant and is skipped; in a repeated hour, a minute whose first instant has passed is too. */
  int32_t off = tz_offset(c->zone, floor_div(after_ms, 1000));
  int64_t lmin = floor_div(after_ms + (int64_t)off * 1000, 60000) + 1;
  int64_t limit = lmin + (int64_t)CRON_SEARCH_DAYS * 1440;
  for (; cron_next_local(c, &lmin, limit); lmin++) {
    int64_t first;
    if (tz_resolve(c->zone, lmin * 60, &first) > 0 && first * 1000 > after_ms) return first * 1000;
  }
  return -1;
}

void cron_describe(const cron_schedule *c, char *out, size_t cap) {
  if (!out || cap == 0) return;
  if (c->interval) snprintf(out, cap, "%s", c->text);
  else snprintf(out, cap, "%s (%s)", c->text, tz_name(c->zone));
}

bool cron_is_interval(const cron_schedule *c) { return c->interval; }

const char *cron_zone_name(const cron_schedule *c) { return tz_name(c->zone); }

char *cron_format_local(const cron_schedule *c, int64_t ms, char *out) {
  return tz_format_local(c->zone, floor_div(ms, 1000), out);
}
