/* settings.c: the settings table: names, bounds, defaults, parsing from flags and from JSON. */
#include "settings.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KIND_NUMBER, KIND_INTEGER, KIND_SEED, KIND_LIST_FIELD } settings_kind;

typedef struct settings_entry {
  const char *json_name; /* "fail_rate" */
  const char *flag;      /* "fail-rate" */
  settings_kind kind;
  size_t offset;   /* of the double, uint64_t or enum in struct settings */
  double min, max; /* numbers and integers */
  const char *arg;  /* the flag's argument in --help */
  const char *help;
} settings_entry;

#define SETTINGS_AT(field) offsetof(settings, field)

/* The one table: adding a setting here gives it a flag, a JSON name, bounds and a help line. */
static const settings_entry settings_table[] = {
    {"rate", "rate", KIND_NUMBER, SETTINGS_AT(rate), 0, 1e9,
     "R", "requests per second per key (default 5; 0: unlimited)"},
    {"burst", "burst", KIND_INTEGER, SETTINGS_AT(burst), 1, 1e9,
     "B", "requests a key may send at once before the rate applies (default 5)"},
    {"fail_rate", "fail-rate", KIND_NUMBER, SETTINGS_AT(fail_rate), 0, 1,
     "P", "probability (0..1) of a 500 answer that applies nothing (default 0)"},
    {"slow_rate", "slow-rate", KIND_NUMBER, SETTINGS_AT(slow_rate), 0, 1,
     "P", "probability of an answer delayed by --slow-ms, write applied (default 0)"},
    {"slow_ms", "slow-ms", KIND_INTEGER, SETTINGS_AT(slow_ms), 0, 600000,
     "N", "delay of a slow answer in milliseconds (default 1000)"},
    {"drop_rate", "drop-rate", KIND_NUMBER, SETTINGS_AT(drop_rate), 0, 1,
     "P", "probability of closing the connection without an answer, write applied (default 0)"},
    {"seed", "seed", KIND_SEED, SETTINGS_AT(seed), 0, 0,
     "N", "seed of the fault draws and of the ids (default 1): same seed, same run"},
    {"list_field", "list-field", KIND_LIST_FIELD, SETTINGS_AT(list_field), 0, 0,
     "MODE", "always|create-only: when _autopilot_list applies (default always)"},
};
#define SETTINGS_COUNT (sizeof settings_table / sizeof settings_table[0])

void settings_default(settings *s) {
  memset(s, 0, sizeof *s);
  s->rate = 5;
  s->burst = 5;
  s->slow_ms = 1000;
  s->seed = 1;
  s->list_field = SETTINGS_LIST_FIELD_ALWAYS;
}

static const settings_entry *settings_by_flag(const char *flag) {
  for (size_t i = 0; i < SETTINGS_COUNT; i++)
    if (strcmp(settings_table[i].flag, flag) == 0) return &settings_table[i];
  return NULL;
}

static const settings_entry *settings_by_json(const char *name) {
  for (size_t i = 0; i < SETTINGS_COUNT; i++)
    if (strcmp(settings_table[i].json_name, name) == 0) return &settings_table[i];
  return NULL;
}

bool settings_is_flag(const char *flag) { return settings_by_flag(flag) != NULL; }

/* Checks v against e's kind and bounds; on success stores it into s. */
static bool settings_store_number(settings *s, const settings_entry *e, double v, const char *name,
                                  char *err, size_t errlen) {
  if (!isfinite(v) || v < e->min || v > e->max || (e->kind == KIND_INTEGER && v != floor(v))) {
    snprintf(err, errlen, "%s must be %s between %g and %g.", name,
             e->kind == KIND_INTEGER ? "a whole number" : "a number", e->min, e->max);
    return false;
  }
  *(double *)((char *)s + e->offset) = v;
  return true;
}

static bool settings_store_list_field(settings *s, const settings_entry *e, const char *text,
                                      const char *name, char *err, size_t errlen) {
  settings_list_field v;
  if (strcmp(text, "always") == 0) v = SETTINGS_LIST_FIELD_ALWAYS;
  else if (strcmp(text, "create-only") == 0) v = SETTINGS_LIST_FIELD_CREATE_ONLY;
  else {
    snprintf(err, errlen, "%s must be \"always\" or \"create-only\".", name);
    return false;
  }
  *(settings_list_field *)((char *)s + e->offset) = v;
  return true;
}

bool settings_set_flag(settings *s, const char *flag, const char *text, char *err, size_t errlen) {
  const settings_entry *e = settings_by_flag(flag);
  char name[64];
  snprintf(name, sizeof name, "--%s", flag);
  if (!e) {
    snprintf(err, errlen, "unknown option %s.", name);
    return false;
  }
  if (e->kind == KIND_LIST_FIELD) return settings_store_list_field(s, e, text, name, err, errlen);
  char *end;
  errno = 0;
  if (e->kind == KIND_SEED) {
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v > INT64_MAX) {
      snprintf(err, errlen, "%s must be a whole number between 0 and %" PRId64 ".", name, INT64_MAX);
      return false;
    }
    s->seed = v;
    return true;
  }
  double v = strtod(text, &end);
  if (errno || end == text || *end) {
    snprintf(err, errlen, "%s must be a number, not \"%.40s\".", name, text);
    return false;
  }
  return settings_store_number(s, e, v, name, err, errlen);
}

bool settings_apply_json(settings *s, const json_t *obj, int *changed, char *err, size_t errlen) {
  if (!json_is_object(obj)) {
    snprintf(err, errlen, "The body must be a JSON object of settings.");
    return false;
  }
  settings next = *s;
  int touched = 0;
  const char *name;
  json_t *v;
  json_object_foreach((json_t *)obj, name, v) {
    const settings_entry *e = settings_by_json(name);
    if (!e) {
      snprintf(err, errlen, "Unknown setting \"%.40s\"; known: rate, burst, fail_rate, slow_rate, "
               "slow_ms, drop_rate, seed, list_field.", name);
      return false;
    }
    bool ok;
    if (e->kind == KIND_LIST_FIELD) {
      ok = json_is_string(v) ? settings_store_list_field(&next, e, json_string_value(v), name, err, errlen)
                             : settings_store_list_field(&next, e, "", name, err, errlen);
    } else if (e->kind == KIND_SEED) {
      ok = json_is_integer(v) && json_integer_value(v) >= 0;
      if (ok) next.seed = (uint64_t)json_integer_value(v);
      else snprintf(err, errlen, "seed must be a whole number between 0 and %" PRId64 ".", INT64_MAX);
    } else if (json_is_number(v)) {
      ok = settings_store_number(&next, e, json_number_value(v), name, err, errlen);
    } else {
      ok = false;
      snprintf(err, errlen, "%s must be a number.", name);
    }
    if (!ok) return false;
    if (e->offset == SETTINGS_AT(rate) || e->offset == SETTINGS_AT(burst)) touched |= SETTINGS_CHANGED_RATE;
    if (e->kind == KIND_SEED) touched |= SETTINGS_CHANGED_SEED;
  }
  *s = next;
  if (changed) *changed = touched;
  return true;
}

void settings_write_json(const settings *s, jsonbuf *b) {
  jsonbuf_object_open(b);
  for (size_t i = 0; i < SETTINGS_COUNT; i++) {
    const settings_entry *e = &settings_table[i];
    jsonbuf_key(b, e->json_name);
    const char *at = (const char *)s + e->offset;
    switch (e->kind) {
      case KIND_NUMBER: {
        double v = *(const double *)at;
        if (v == floor(v) && fabs(v) < 1e15) jsonbuf_int(b, (int64_t)v);
        else jsonbuf_double(b, v);
        break;
      }
      case KIND_INTEGER: jsonbuf_int(b, (int64_t) * (const double *)at); break;
      case KIND_SEED: jsonbuf_int(b, (int64_t) * (const uint64_t *)at); break;
      case KIND_LIST_FIELD:
        jsonbuf_cstring(b, *(const settings_list_field *)at == SETTINGS_LIST_FIELD_ALWAYS ? "always"
                                                                                          : "create-only");
        break;
    }
  }
  jsonbuf_object_close(b);
}

void settings_write_help(FILE *out) {
  for (size_t i = 0; i < SETTINGS_COUNT; i++) {
    char usage[64];
    snprintf(usage, sizeof usage, "--%s %s", settings_table[i].flag, settings_table[i].arg);
    fprintf(out, "  %-21s %s\n", usage, settings_table[i].help);
  }
}
