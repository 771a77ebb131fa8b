/* clock.c: time sources and strict ISO-8601 parsing and formatting (UTC, proleptic Gregorian). */
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t clock_now_ms(void) {
  const char *pin = getenv("SEGSHIP_NOW");
  if (pin && *pin) {
    int64_t secs, days;
    size_t n = strlen(pin);
    if (clock_parse_datetime(pin, n, &secs)) return secs * 1000;
    if (clock_parse_date(pin, n, &days)) return days * 86400 * 1000;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double clock_mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Howard Hinnant's days_from_civil: exact for every proleptic Gregorian date. */
int64_t clock_days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void clock_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yoe + era * 400) + (*m <= 2);
}

static bool digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool valid_ymd(int y, int m, int d) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  int md = mdays[m - 1] + (m == 2 && leap(y));
  return d <= md;
}

bool clock_parse_date(const char *s, size_t n, int64_t *days) {
  int y, m, d;
  if (n != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d)) return false;
  if (!valid_ymd(y, m, d)) return false;
  *days = clock_days_from_civil(y, (unsigned)m, (unsigned)d);
  return true;
}

bool clock_parse_datetime(const char *s, size_t n, int64_t *secs) {
  int64_t days;
  int hh, mm, ss = 0;
  if (n < 16 || !clock_parse_date(s, 10, &days)) return false;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
  if (!digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mm)) return false;
  size_t i = 16;
  if (i < n && s[i] == ':') {
    if (i + 3 > n || !digits(s + i + 1, 2, &ss)) return false;
    i += 3;
    if (i < n && (s[i] == '.' || s[i] == ',')) {
      size_t j = i + 1;
      while (j < n && s[j] >= '0' && s[j] <= '9') j++;
      if (j == i + 1 || j - i > 10) return false;
      i = j; /* fractions of a second are below the stored precision */
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return false;
  int64_t offset = 0;
  if (i < n) {
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
      i++;
    } else if ((s[i] == '+' || s[i] == '-') && (n - i == 6 || n - i == 5 || n - i == 3)) {
      int oh, om = 0;
      if (!digits(s + i + 1, 2, &oh)) return false;
      if (n - i == 6) {
        if (s[i + 3] != ':' || !digits(s + i + 4, 2, &om)) return false;
      } else if (n - i == 5) {
        if (!digits(s + i + 3, 2, &om)) return false;
      }
      if (oh > 14 || om > 59) return false;
      offset = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
      i = n;
    } else {
      return false;
    }
  }
  if (i != n) return false;
  *secs = days * 86400 + hh * 3600 + mm * 60 + (ss > 59 ? 59 : ss) - offset;
  return true;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

static void put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
}

char *clock_format_date(int64_t days, char *out) {
  int y;
  unsigned m, d;
  clock_civil_from_days(days, &y, &m, &d);
  unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000); /* the parsers bound years to four digits */
  put2(out, yy / 100);
  put2(out + 2, yy % 100);
  out[4] = '-';
  put2(out + 5, m);
  out[7] = '-';
  put2(out + 8, d);
  out[10] = '\0';
  return out;
}

char *clock_format_datetime(int64_t secs, char *out) {
  int64_t days = floor_div(secs, 86400);
  unsigned rem = (unsigned)(secs - days * 86400);
  clock_format_date(days, out);
  out[10] = 'T';
  put2(out + 11, rem / 3600);
  out[13] = ':';
  put2(out + 14, rem / 60 % 60);
  out[16] = ':';
  put2(out + 17, rem % 60);
  out[19] = 'Z';
  out[20] = '\0';
  return out;
}

char *clock_format_ms(int64_t ms, char *out) {
  int64_t secs = floor_div(ms, 1000);
  unsigned frac = (unsigned)(ms - secs * 1000);
  clock_format_datetime(secs, out);
  out[19] = '.';
  out[20] = (char)('0' + frac / 100);
  put2(out + 21, frac % 100);
  out[23] = 'Z';
  out[24] = '\0';
  return out;
}
