/* value.c: the type lattice of profile attributes and the canonical text of typed values. */
#include "store/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"

static const char *const type_names[] = {"integer", "real", "boolean", "date", "datetime", "text", "none"};

const char *attr_type_name(attr_type t) { return (unsigned)t <= ATTR_NONE ? type_names[t] : "?"; }

bool attr_type_parse(const char *name, attr_type *out) {
  for (int t = 0; t < ATTR_NONE; t++) {
    if (strcasecmp(name, type_names[t]) == 0) {
      *out = (attr_type)t;
      return true;
    }
  }
  if (strcasecmp(name, "number") == 0 || strcasecmp(name, "float") == 0) {
    *out = ATTR_REAL;
    return true;
  }
  if (strcasecmp(name, "bool") == 0) {
    *out = ATTR_BOOLEAN;
    return true;
  }
  if (strcasecmp(name, "string") == 0) {
    *out = ATTR_TEXT;
    return true;
  }
  return false;
}

attr_type attr_type_join(attr_type a, attr_type b) {
  if (a == ATTR_NONE) return b;
  if (b == ATTR_NONE || a == b) return a;
  if ((a == ATTR_INTEGER && b == ATTR_REAL) || (a == ATTR_REAL && b == ATTR_INTEGER)) return ATTR_REAL;
  if ((a == ATTR_DATE && b == ATTR_DATETIME) || (a == ATTR_DATETIME && b == ATTR_DATE)) return ATTR_DATETIME;
  return ATTR_TEXT;
}

bool attr_type_fits(attr_type from, attr_type to) { return attr_type_join(from, to) == to; }

bool attr_type_is_numeric(attr_type t) { return t == ATTR_INTEGER || t == ATTR_REAL; }

void seg_format_real(double r, char *out, size_t cap) {
  if (r == floor(r) && fabs(r) < 9007199254740992.0) {
    snprintf(out, cap, "%.0f", r);
    if (strcmp(out, "-0") == 0) snprintf(out, cap, "0");
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, cap, "%.*g", prec, r);
    if (strtod(out, NULL) == r) return;
  }
}

size_t seg_format_int(int64_t v, char *out) {
  char tmp[24];
  size_t n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  size_t k = 0;
  if (v < 0) out[k++] = '-';
  while (n) out[k++] = tmp[--n];
  out[k] = '\0';
  return k;
}

const char *seg_value_canonical(const seg_value *v, char *out, size_t cap, size_t *len) {
  switch (v->type) {
    case ATTR_NONE:
      out[0] = '\0';
      break;
    case ATTR_INTEGER:
      *len = seg_format_int(v->i, out);
      return out;
    case ATTR_REAL:
      if (v->is_int) {
        *len = seg_format_int(v->i, out);
        return out;
      }
      seg_format_real(v->r, out, cap);
      break;
    case ATTR_BOOLEAN:
      snprintf(out, cap, "%s", v->i ? "true" : "false");
      break;
    case ATTR_DATE:
      clock_format_date(v->i, out);
      break;
    case ATTR_DATETIME:
      clock_format_datetime(v->i, out);
      break;
    case ATTR_TEXT:
      *len = v->n;
      return v->s;
  }
  *len = strlen(out);
  return out;
}

void seg_value_convert(seg_value *v, attr_type to, char *scratch) {
  if (v->type == ATTR_NONE || v->type == to) return;
  if (to == ATTR_TEXT) {
    size_t n;
    const char *s = seg_value_canonical(v, scratch, 64, &n);
    v->s = s;
    v->n = n;
  } else if (to == ATTR_REAL && v->type == ATTR_INTEGER) {
    v->is_int = true;
  } else if (to == ATTR_DATETIME && v->type == ATTR_DATE) {
    v->i = v->i * 86400;
  }
  v->type = to;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* -?(0|[1-9][0-9]*) fitting in int64 */
static bool parse_integer(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && s[i] == '-') {
    neg = true;
    i++;
  }
  if (i >= n || !is_digit(s[i])) return false;
  if (s[i] == '0' && i + 1 < n) return false; /* leading zero: a code, not a number */
  uint64_t v = 0;
  for (; i < n; i++) {
    if (!is_digit(s[i])) return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > (uint64_t)INT64_MAX + 1) return false;
    if (v == 0) return false; /* "-0" is not an integer we would print back the same */
    *out = (int64_t)(0 - v);
  } else {
    if (v > (uint64_t)INT64_MAX) return false;
    *out = (int64_t)v;
  }
  return true;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? with a fraction or an exponent, finite */
static bool parse_real(const char *s, size_t n, double *out) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i >= n || !is_digit(s[i])) return false;
  if (s[i] == '0' && i + 1 < n && is_digit(s[i + 1])) return false;
  while (i < n && is_digit(s[i])) i++;
  bool frac = false, expo = false;
  if (i < n && s[i] == '.') {
    i++;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) i++;
    frac = true;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) i++;
    expo = true;
  }
  if (i != n || (!frac && !expo) || n > 64) return false;
  char tmp[72];
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  double d = strtod(tmp, NULL);
  if (!isfinite(d)) return false;
  *out = d;
  return true;
}

static bool parse_boolean(const char *s, size_t n, int64_t *out) {
  if (n == 4 && strncasecmp(s, "true", 4) == 0) {
    *out = 1;
    return true;
  }
  if (n == 5 && strncasecmp(s, "false", 5) == 0) {
    *out = 0;
    return true;
  }
  return false;
}

bool seg_value_parse_as(const char *s, size_t n, attr_type t, seg_value *out) {
  memset(out, 0, sizeof *out);
  out->type = t;
  switch (t) {
    case ATTR_INTEGER:
      return parse_integer(s, n, &out->i);
    case ATTR_REAL:
      if (parse_integer(s, n, &out->i)) {
        out->is_int = true;
        return true;
      }
      return parse_real(s, n, &out->r);
    case ATTR_BOOLEAN:
      return parse_boolean(s, n, &out->i);
    case ATTR_DATE:
      return clock_parse_date(s, n, &out->i);
    case ATTR_DATETIME:
      if (clock_parse_datetime(s, n, &out->i)) return true;
      if (clock_parse_date(s, n, &out->i)) {
        out->i *= 86400;
        return true;
      }
      return false;
    case ATTR_TEXT:
      out->s = s;
      out->n = n;
      return true;
    case ATTR_NONE:
      return n == 0;
  }
  return false;
}

void seg_value_infer(const char *s, size_t n, seg_value *out) {
  memset(out, 0, sizeof *out);
  if (n == 0) {
    out->type = ATTR_NONE;
    return;
  }
  char c = s[0];
  if (c == '-' || is_digit(c)) {
    if (seg_value_parse_as(s, n, ATTR_INTEGER, out)) return;
    if (n == 10 && seg_value_parse_as(s, n, ATTR_DATE, out)) return;
    if (n > 10 && clock_parse_datetime(s, n, &out->i)) {
      out->type = ATTR_DATETIME;
      return;
    }
    if (seg_value_parse_as(s, n, ATTR_REAL, out)) return;
  } else if (c == 't' || c == 'T' || c == 'f' || c == 'F') {
    if (seg_value_parse_as(s, n, ATTR_BOOLEAN, out)) return;
  }
  memset(out, 0, sizeof *out);
  out->type = ATTR_TEXT;
  out->s = s;
  out->n = n;
}
