/* value.h: typed attribute values (integer, real, boolean, date, datetime, text), their type
 * lattice, and their canonical text form (what is shown, hashed and kept when widened to text). */
#ifndef SEGSHIP_STORE_VALUE_H
#define SEGSHIP_STORE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  ATTR_INTEGER = 0,
  ATTR_REAL,
  ATTR_BOOLEAN,
  ATTR_DATE,
  ATTR_DATETIME,
  ATTR_TEXT,
  ATTR_NONE /* no value seen yet: an attribute whose every value so far was empty */
} attr_type;

/* A value. Text points into memory the value does not own. Stored forms: integer and boolean as
 * SQLite INTEGER, real as REAL (an integral value in a real attribute stays INTEGER, exact),
 * date as TEXT "YYYY-MM-DD", datetime as TEXT "YYYY-MM-DDTHH:MM:SSZ" (UTC), text as TEXT. */
typedef struct seg_value {
  attr_type type; /* ATTR_NONE: empty (NULL) */
  bool is_int;    /* for ATTR_REAL: the number is held exactly in i */
  int64_t i;      /* integer, boolean (0/1), date (days), datetime (seconds) */
  double r;       /* real */
  const char *s;  /* text */
  size_t n;
} seg_value;

const char *attr_type_name(attr_type t);
/* Parses a type name ("integer", "real", "number", "boolean", "date", "datetime", "text"). */
bool attr_type_parse(const char *name, attr_type *out);
/* The narrowest type that holds both a and b: integer<real<text, date<datetime<text,
 * boolean<text; ATTR_NONE is the identity. */
attr_type attr_type_join(attr_type a, attr_type b);
/* True when values of type from can be held by an attribute of type to without loss. */
bool attr_type_fits(attr_type from, attr_type to);
bool attr_type_is_numeric(attr_type t);

/* Converts v (of a type that fits) to type to, in place. Text produced for a widening to text
 * is written to scratch (at least 64 bytes) and v->s points there. */
void seg_value_convert(seg_value *v, attr_type to, char *scratch);

/* Writes v's canonical text form into out (cap bytes, at least 64) or, for text, returns v->s.
 * Sets *len. Numbers use the shortest form that reads back exactly. */
const char *seg_value_canonical(const seg_value *v, char *out, size_t cap, size_t *len);

/* Infers the narrowest type of a non-empty, trimmed text and parses it: "true"/"false" are
 * boolean; -?digits without leading zeros within 64 bits integer; decimals and exponents real;
 * "YYYY-MM-DD" date; ISO-8601 date and time datetime; anything else text (v->s = s). */
void seg_value_infer(const char *s, size_t n, seg_value *out);
/* Parses text as type t (an integer is accepted as real, a date as datetime). False when it
 * is not of that type. Text results point at s. */
bool seg_value_parse_as(const char *s, size_t n, attr_type t, seg_value *out);

/* Writes v in decimal into out (at least 21 bytes), NUL-terminated; returns the length. */
size_t seg_format_int(int64_t v, char *out);

/* Formats a double in the shortest form that parses back to the same double. */
void seg_format_real(double r, char *out, size_t cap);

#endif
