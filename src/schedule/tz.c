/* tz.c: IANA zones from TZif files: name checks, the file format, POSIX TZ rules, local time. */
#include "schedule/tz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/text.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_FILE_MAX (256 * 1024)   /* real zone files are under 8 KiB */
#define TZ_TRANSITIONS_MAX 10000   /* real zones have a few hundred */
#define TZ_INSTANT_LIMIT (1LL << 50) /* instants are clamped to +-35 million years */

/* A day of the year in a POSIX TZ rule, and the local time of day of the change. */
typedef struct tz_date {
  char kind;     /* 'J': Julian 1-365 without Feb 29; 'D': 0-365 with it; 'M': month.week.day */
  int n;         /* for 'J' and 'D' */
  int month;     /* 1-12, for 'M' */
  int week;      /* 1-5 (5: the last), for 'M' */
  int wday;      /* 0-6 (Sunday 0), for 'M' */
  int32_t time;  /* seconds after local midnight; may be negative or beyond a day */
} tz_date;

/* The TZif footer: the rule that holds after the file's last transition. */
typedef struct tz_rule {
  int32_t std_off, dst_off; /* seconds east of UTC */
  bool has_dst;
  tz_date start, end; /* start: into DST (in standard time); end: out of it (in DST time) */
} tz_rule;

struct tz_zone {
  char name[TZ_NAME_MAX + 1];
  size_t count;      /* explicit transitions */
  int64_t *at;       /* their instants, strictly ascending */
  int32_t *off;      /* off[i] is in force from at[i] */
  int32_t off_first; /* before at[0]: time type 0 */
  bool has_rule;     /* rule holds from at[count - 1] on (from the start when count is 0) */
  tz_rule rule;
};

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

static int64_t clamp_instant(int64_t t) {
  return t < -TZ_INSTANT_LIMIT ? -TZ_INSTANT_LIMIT : t > TZ_INSTANT_LIMIT ? TZ_INSTANT_LIMIT : t;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return mdays[m - 1] + (m == 2 && is_leap(y));
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday_of(int64_t days) { return (int)(((days % 7) + 7 + 4) % 7); }

/* ---------------------------------------------------------------------------------------------
 * POSIX TZ rules ("CET-1CEST,M3.5.0,M10.5.0/3"), with RFC 8536's extension of hours to +-167. */

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static const char *rule_skip_name(const char *s) {
  if (*s == '<') {
    const char *e = strchr(s, '>');
    return e && e > s + 1 ? e + 1 : NULL;
  }
  const char *b = s;
  while (is_alpha(*s)) s++;
  return s - b >= 3 ? s : NULL;
}

static const char *rule_number(const char *s, int max, int *out) {
  int v = 0, digits = 0;
  while (is_digit(*s) && digits < 4) v = v * 10 + (*s++ - '0'), digits++;
  if (!digits || v > max) return NULL;
  *out = v;
  return s;
}

/* [+-]hh[:mm[:ss]] into signed seconds. */
static const char *rule_hms(const char *s, int max_hours, int32_t *out) {
  int sign = 1, h, m = 0, sec = 0;
  if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
  if (!(s = rule_number(s, max_hours, &h))) return NULL;
  if (*s == ':') {
    if (!(s = rule_number(s + 1, 59, &m))) return NULL;
    if (*s == ':' && !(s = rule_number(s + 1, 59, &sec))) return NULL;
  }
  *out = sign * (h * 3600 + m * 60 + sec);
  return s;
}

static const char *rule_date(const char *s, tz_date *d) {
  d->time = 7200; /* POSIX: 02:00 unless given */
  if (*s == 'J') {
    d->kind = 'J';
    if (!(s = rule_number(s + 1, 365, &d->n)) || d->n < 1) return NULL;
  } else if (*s == 'M') {
    d->kind = 'M';
    if (!(s = rule_number(s + 1, 12, &d->month)) || d->month < 1 || *s != '.') return NULL;
    if (!(s = rule_number(s + 1, 5, &d->week)) || d->week < 1 || *s != '.') return NULL;
    if (!(s = rule_number(s + 1, 6, &d->wday))) return NULL;
  } else {
    d->kind = 'D';
    if (!(s = rule_number(s, 365, &d->n))) return NULL;
  }
  if (*s == '/' && !(s = rule_hms(s + 1, 167, &d->time))) return NULL;
  return s;
}

static bool rule_parse(const char *s, tz_rule *r) {
  memset(r, 0, sizeof *r);
  int32_t v;
  if (!(s = rule_skip_name(s)) || !(s = rule_hms(s, 24, &v))) return false;
  r->std_off = r->dst_off = -v; /* POSIX offsets count west of Greenwich */
  if (!*s) return true;
  if (!(s = rule_skip_name(s))) return false;
  r->has_dst = true;
  r->dst_off = r->std_off + 3600;
  if (*s && *s != ',') {
    if (!(s = rule_hms(s, 24, &v))) return false;
    r->dst_off = -v;
  }
  if (!*s) s = ",M3.2.0,M11.1.0"; /* POSIX leaves the default to the implementation; glibc's */
  if (*s != ',' || !(s = rule_date(s + 1, &r->start))) return false;
  if (*s != ',' || !(s = rule_date(s + 1, &r->end))) return false;
  return *s == '\0';
}

static int64_t rule_day(const tz_date *d, int y) {
  int64_t jan1 = clock_days_from_civil(y, 1, 1);
  if (d->kind == 'J') return jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
  if (d->kind == 'D') return jan1 + d->n;
  int64_t first = clock_days_from_civil(y, (unsigned)d->month, 1);
  int64_t day = first + (d->wday - weekday_of(first) + 7) % 7 + 7 * (d->week - 1);
  while (day >= first + days_in_month(y, d->month)) day -= 7;
  return day;
}

/* The rule's changes in years y0..y1 (at most 4 years), sorted; a change out of DST sorts before a
 * change into it at the same instant, so back-to-back years of permanent DST stay in DST. */
static int rule_changes(const tz_rule *r, int y0, int y1, int64_t *at, int32_t *off) {
  int n = 0;
  for (int y = y0; y <= y1; y++) {
    at[n] = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    off[n++] = r->std_off;
    at[n] = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    off[n++] = r->dst_off;
  }
  for (int i = 1; i < n; i++) { /* insertion sort, stable */
    int64_t a = at[i];
    int32_t o = off[i];
    int j = i;
    for (; j > 0 && at[j - 1] > a; j--) at[j] = at[j - 1], off[j] = off[j - 1];
    at[j] = a, off[j] = o;
  }
  return n;
}

static int rule_year(const tz_rule *r, int64_t utc) {
  int y;
  unsigned m, d;
  clock_civil_from_days(floor_div(utc + r->std_off, 86400), &y, &m, &d);
  return y;
}

static int32_t rule_offset(const tz_rule *r, int64_t utc) {
  if (!r->has_dst) return r->std_off;
  int64_t at[8];
  int32_t off[8];
  int y = rule_year(r, utc);
  int n = rule_changes(r, y - 1, y + 1, at, off);
  int32_t result = r->std_off;
  for (int i = 0; i < n && at[i] <= utc; i++) result = off[i];
  return result;
}

static int64_t rule_next(const tz_rule *r, int64_t utc) {
  if (!r->has_dst) return INT64_MAX;
  int64_t at[8];
  int32_t off[8];
  int y = rule_year(r, utc);
  int n = rule_changes(r, y - 1, y + 2, at, off);
  for (int i = 0; i < n; i++)
    if (at[i] > utc) return at[i];
  return INT64_MAX;
}

/* ---------------------------------------------------------------------------------------------
 * TZif files (RFC 8536): a version 1 block with 32-bit times, then (version 2 and later) a block
 * with 64-bit times and a footer holding the POSIX rule for later instants. */

typedef struct tzif_header {
  char version;
  uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_header;

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

/* Reads a header at p (n bytes available); false when it is not one or its counts are absurd. */
static bool tzif_read_header(const unsigned char *p, size_t n, tzif_header *h) {
  if (n < 44 || memcmp(p, "TZif", 4) != 0) return false;
  h->version = (char)p[4];
  h->isutcnt = be32(p + 20);
  h->isstdcnt = be32(p + 24);
  h->leapcnt = be32(p + 28);
  h->timecnt = be32(p + 32);
  h->typecnt = be32(p + 36);
  h->charcnt = be32(p + 40);
  return h->typecnt >= 1 && h->typecnt <= 256 && h->timecnt <= TZ_TRANSITIONS_MAX &&
         h->leapcnt <= TZ_TRANSITIONS_MAX && h->charcnt <= 65536 &&
         (h->isutcnt == 0 || h->isutcnt == h->typecnt) && (h->isstdcnt == 0 || h->isstdcnt == h->typecnt);
}

static size_t tzif_block_size(const tzif_header *h, size_t width) {
  return h->timecnt * width + h->timecnt + h->typecnt * 6 + h->charcnt + h->leapcnt * (width + 4) +
         h->isstdcnt + h->isutcnt;
}

/* Fills z's transitions from a data block of the given time width. NULL, or why it is damaged. */
static const char *tzif_read_block(tz_zone *z, const unsigned char *data, const tzif_header *h, size_t width) {
  const unsigned char *times = data, *types = data + h->timecnt * width, *ttinfo = types + h->timecnt;
  for (uint32_t i = 0; i < h->typecnt; i++) {
    int32_t utoff = (int32_t)be32(ttinfo + 6 * i);
    if (utoff < -TZ_OFFSET_LIMIT || utoff > TZ_OFFSET_LIMIT) return "an offset is over 26 hours";
  }
  z->off_first = (int32_t)be32(ttinfo);
  if (h->timecnt == 0) return NULL;
  z->at = malloc(h->timecnt * sizeof *z->at);
  z->off = malloc(h->timecnt * sizeof *z->off);
  if (!z->at || !z->off) return "out of memory";
  z->count = h->timecnt;
  for (uint32_t i = 0; i < h->timecnt; i++) {
    int64_t t = width == 8 ? be64(times + 8 * i) : (int64_t)(int32_t)be32(times + 4 * i);
    if (i > 0 && t <= z->at[i - 1]) return "transitions are out of order";
    if (types[i] >= h->typecnt) return "a transition names a missing type";
    z->at[i] = t;
    z->off[i] = (int32_t)be32(ttinfo + 6 * types[i]);
  }
  return NULL;
}

/* Parses a whole file into z. NULL, or why it is damaged; *leaps is set when it counts leap seconds. */
static const char *tzif_parse(tz_zone *z, const unsigned char *p, size_t n, bool *leaps) {
  tzif_header h;
  *leaps = false;
  if (!tzif_read_header(p, n, &h)) return "the header is wrong";
  size_t size1 = tzif_block_size(&h, 4);
  if (n - 44 < size1) return "it is cut short";
  if (h.version < '2') {
    *leaps = h.leapcnt > 0;
    return *leaps ? NULL : tzif_read_block(z, p + 44, &h, 4);
  }
  const unsigned char *q = p + 44 + size1;
  size_t rest = n - 44 - size1;
  if (!tzif_read_header(q, rest, &h)) return "the second header is wrong";
  size_t size2 = tzif_block_size(&h, 8);
  if (rest - 44 < size2) return "it is cut short";
  *leaps = h.leapcnt > 0;
  if (*leaps) return NULL;
  const char *why = tzif_read_block(z, q + 44, &h, 8);
  if (why) return why;
  const unsigned char *f = q + 44 + size2, *end = p + n;
  if (f == end) return NULL; /* no footer: the last transition holds for ever */
  if (*f != '\n') return "the footer is missing";
  const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
  if (!nl || nl - f - 1 > 255) return "the footer is not terminated";
  if (nl == f + 1) return NULL;
  char rule[256];
  memcpy(rule, f + 1, (size_t)(nl - f - 1));
  rule[nl - f - 1] = '\0';
  if (!rule_parse(rule, &z->rule)) return "its rule for future years cannot be read";
  if (z->rule.std_off < -TZ_OFFSET_LIMIT || z->rule.std_off > TZ_OFFSET_LIMIT ||
      z->rule.dst_off < -TZ_OFFSET_LIMIT || z->rule.dst_off > TZ_OFFSET_LIMIT)
    return "its rule has an offset over 26 hours";
  z->has_rule = true;
  return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Names and files */

static const char *tz_dir(void) {
  const char *d = getenv("TZDIR");
  return d && *d ? d : TZ_DEFAULT_DIR;
}

static bool name_char_ok(char c) {
  return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '+' || c == '/' || c == '.' || c == ' ';
}

/* Refuses names that are not shaped like an IANA name: no absolute paths, "..", hidden files. */
static seg_code tz_check_name(const char *name, seg_err *err) {
  size_t n = strnlen(name, TZ_NAME_MAX + 1);
  if (n > TZ_NAME_MAX)
    return seg_err_set(err, SEG_EINVAL,
                       "the time zone name is longer than %d characters; use an IANA name such as 'Europe/Madrid'",
                       TZ_NAME_MAX);
  for (size_t i = 0; i < n; i++)
    if (!name_char_ok(name[i]))
      return seg_err_set(err, SEG_EINVAL,
                         "the time zone name has a character that IANA names never use (at position %zu); "
                         "use a name such as 'Europe/Madrid'",
                         i + 1);
  for (const char *c = name;; c++) { /* each component: not empty, not starting with '.' */
    if (*c == '/' || *c == '.' || *c == '\0')
      return seg_err_set(err, SEG_EINVAL, "'%s' is not a time zone name; use an IANA name such as 'Europe/Madrid'",
                         name);
    c = strchr(c, '/');
    if (!c) break;
  }
  return SEG_OK;
}

static bool file_is_tzif(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  char magic[4];
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, 4) == 4 && !memcmp(magic, "TZif", 4);
  close(fd);
  return ok;
}

/* Looks for an existing zone whose components are each within a small edit distance of name's
 * ("Europe/Madird", "europe/madrid"); writes it to out and returns true when there is one. */
static bool tz_suggest(const char *name, char *out, size_t cap) {
  char dir[PATH_MAX], built[TZ_NAME_MAX * 2 + 2] = "";
  snprintf(dir, sizeof dir, "%s", tz_dir());
  const char *comp = name;
  while (*comp) {
    const char *slash = strchr(comp, '/');
    size_t len = slash ? (size_t)(slash - comp) : strlen(comp);
    char want[TZ_NAME_MAX + 1], best[256] = "";
    memcpy(want, comp, len);
    want[len] = '\0';
    int best_dist = 3;
    DIR *d = opendir(dir);
    if (!d) return false;
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_name[0] == '.') continue;
      int dist = strcmp(e->d_name, want) == 0 ? 0 : text_edit_distance(want, e->d_name);
      if (dist > 0 && dist * 3 > (int)len) continue;
      if (dist < best_dist || (dist == best_dist && strcmp(e->d_name, best) < 0)) {
        best_dist = dist;
        snprintf(best, sizeof best, "%s", e->d_name);
      }
    }
    closedir(d);
    if (!best[0]) return false;
    size_t bl = strlen(built);
    if (snprintf(built + bl, sizeof built - bl, "%s%s", bl ? "/" : "", best) >= (int)(sizeof built - bl)) return false;
    size_t dl = strlen(dir);
    if (snprintf(dir + dl, sizeof dir - dl, "/%s", best) >= (int)(sizeof dir - dl)) return false;
    comp += len;
    if (*comp == '/') comp++;
  }
  if (strcmp(built, name) == 0 || !file_is_tzif(dir)) return false;
  snprintf(out, cap, "%s", built);
  return true;
}

static seg_code tz_unknown(const char *name, seg_err *err) {
  char hint[TZ_NAME_MAX * 2 + 2];
  if (tz_suggest(name, hint, sizeof hint))
    return seg_err_set(err, SEG_EINVAL, "unknown time zone '%s'; did you mean '%s'?", name, hint);
  return seg_err_set(err, SEG_EINVAL,
                     "unknown time zone '%s'; use an IANA name such as 'Europe/Madrid', 'America/New_York' or 'UTC'",
                     name);
}

/* For a folder such as "America": a message naming its first zone as an example. */
static seg_code tz_folder(const char *name, const char *path, seg_err *err) {
  char first[256] = "";
  DIR *d = opendir(path);
  if (d) {
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_name[0] == '.' || (first[0] && strcmp(e->d_name, first) >= 0)) continue;
      char sub[PATH_MAX];
      if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub && file_is_tzif(sub))
        snprintf(first, sizeof first, "%s", e->d_name);
    }
    closedir(d);
  }
  if (!first[0]) return tz_unknown(name, err);
  return seg_err_set(err, SEG_EINVAL, "'%s' is a region, not a time zone; name a zone in it, such as '%s/%s'",
                     name, name, first);
}

/* Reads the whole file at path into a new buffer (*data, *n). */
static seg_code tz_read_file(const char *name, const char *path, unsigned char **data, size_t *n, seg_err *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG || errno == ELOOP) return tz_unknown(name, err);
    return seg_err_set(err, SEG_EIO, "cannot read the time zone file %s (%s); check the tzdata installation", path,
                       strerror(errno));
  }
  struct stat st = {0};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX) {
    bool folder = S_ISDIR(st.st_mode);
    close(fd);
    return folder ? tz_folder(name, path, err) : tz_unknown(name, err);
  }
  unsigned char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) {
    close(fd);
    return seg_err_set(err, SEG_ENOMEM, "out of memory reading the time zone file %s", path);
  }
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  *data = buf;
  *n = got;
  return SEG_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The public functions */

void tz_free(tz_zone *z) {
  if (!z) return;
  free(z->at);
  free(z->off);
  free(z);
}

seg_code tz_load(const char *name, tz_zone **out, seg_err *err) {
  *out = NULL;
  if (!name || !*name) name = "UTC";
  seg_code result = tz_check_name(name, err);
  if (result != SEG_OK) return result;
  tz_zone *z = calloc(1, sizeof *z);
  if (!z) return seg_err_set(err, SEG_ENOMEM, "out of memory loading time zone '%s'", name);
  snprintf(z->name, sizeof z->name, "%s", name);
  if (strcmp(name, "UTC") == 0) { /* built in, so the default needs no tzdata */
    *out = z;
    return SEG_OK;
  }
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", tz_dir(), name) >= (int)sizeof path) {
    tz_free(z);
    return tz_unknown(name, err);
  }
  unsigned char *data = NULL;
  size_t n = 0;
  result = tz_read_file(name, path, &data, &n, err);
  if (result != SEG_OK) {
    tz_free(z);
    return result;
  }
  if (n < 4 || memcmp(data, "TZif", 4) != 0) { /* zone.tab, tzdata.zi and the like */
    free(data);
    tz_free(z);
    return tz_unknown(name, err);
  }
  bool leaps;
  const char *why = tzif_parse(z, data, n, &leaps);
  free(data);
  if (leaps) {
    const char *plain = strncmp(name, "right/", 6) == 0 ? name + 6 : "the same zone without leap seconds";
    result = seg_err_set(err, SEG_EINVAL, "time zone '%s' counts leap seconds, which schedules cannot use; use %s%s%s",
                         name, plain == name + 6 ? "'" : "", plain, plain == name + 6 ? "'" : "");
  } else if (why && strcmp(why, "out of memory") == 0) {
    result = seg_err_set(err, SEG_ENOMEM, "out of memory loading time zone '%s'", name);
  } else if (why) {
    result = seg_err_set(err, SEG_EIO, "the time zone file %s is damaged (%s); reinstall the tzdata package", path, why);
  }
  if (result != SEG_OK) {
    tz_free(z);
    return result;
  }
  *out = z;
  return SEG_OK;
}

const char *tz_name(const tz_zone *z) { return z->name; }

/* Index of the last explicit transition at or before utc; -1 if utc is before all of them. */
static long tz_index(const tz_zone *z, int64_t utc) {
  size_t lo = 0, hi = z->count; /* first index with at > utc */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (z->at[mid] <= utc) lo = mid + 1;
    else hi = mid;
  }
  return (long)lo - 1;
}

int32_t tz_offset(const tz_zone *z, int64_t utc) {
  utc = clamp_instant(utc);
  long i = tz_index(z, utc);
  if (z->count > 0 && i < 0) return z->off_first;
  if (z->count > 0 && (size_t)i < z->count - 1) return z->off[i];
  if (z->has_rule) return rule_offset(&z->rule, utc);
  return z->count ? z->off[z->count - 1] : z->off_first;
}

int64_t tz_next_change(const tz_zone *z, int64_t utc) {
  if (utc >= TZ_INSTANT_LIMIT) return INT64_MAX;
  utc = clamp_instant(utc);
  long i = tz_index(z, utc);
  if ((size_t)(i + 1) < z->count) return z->at[i + 1];
  return z->has_rule ? rule_next(&z->rule, utc) : INT64_MAX;
}

int tz_resolve(const tz_zone *z, int64_t local, int64_t *first) {
  /* Any instant showing `local` lies within the largest offset of it; try each offset in force
   * somewhere in that window. */
  int64_t seen[8];
  int found = 0;
  int64_t x = local - TZ_OFFSET_LIMIT - 1, end = local + TZ_OFFSET_LIMIT + 1;
  for (int steps = 0; x <= end && steps < 64; steps++) {
    int32_t o = tz_offset(z, x);
    int64_t u = local - o;
    if (tz_offset(z, u) == o) {
      bool dup = false;
      for (int i = 0; i < found; i++) dup |= seen[i] == u;
      if (!dup && found < 8) seen[found++] = u;
    }
    x = tz_next_change(z, x);
  }
  if (found && first) {
    *first = seen[0];
    for (int i = 1; i < found; i++)
      if (seen[i] < *first) *first = seen[i];
  }
  return found;
}

char *tz_format_local(const tz_zone *z, int64_t utc, char *out) {
  int32_t off = tz_offset(z, utc);
  clock_format_datetime(utc + off, out); /* "YYYY-MM-DDTHH:MM:SSZ" */
  int32_t a = off < 0 ? -off : off;
  if (a % 60)
    snprintf(out + 19, TZ_FORMAT_SIZE - 19, "%c%02d:%02d:%02d", off < 0 ? '-' : '+', a / 3600 % 100, a / 60 % 60, a % 60);
  else
    snprintf(out + 19, TZ_FORMAT_SIZE - 19, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600 % 100, a / 60 % 60);
  return out;
}
