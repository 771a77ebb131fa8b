/* settings.c: the settings table: names, bounds, defaults, parsing from flags and from JSON. */
#include "settings.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KIND_NUMBER, KIND_INTEGER, KIND_SEED, KIND_LIST_FIELD, KIND_WINDOWS, KIND_LIMITER } settings_kind;

typedef struct settings_entry {
  const char *json_name; /* "fail_rate" */
  const char *flag;      /* "fail-rate" */
  settings_kind kind;
  size_t offset;   /* of the double, uint64_t or enum in struct settings */
  double min, max; /* numbers and integers */
  const char *arg;  /* the flag's argument in --help */
  const char *help;
  unsigned set; /* SETTINGS_FOR_*: the simulators that have it */
} settings_entry;

#define SETTINGS_AT(field) offsetof(settings, field)

/* The one table: adding a setting here gives it a flag, a JSON name, bounds and a help line. */
static const settings_entry settings_table[] = {
    {"limiter", "limiter", KIND_LIMITER, SETTINGS_AT(rule.kind), 0, 0,
     "KIND", "bucket|window: the rate limiter (default: bucket for autopilot-sim, window for ortto-sim)",
     SETTINGS_FOR_ALL},
    {"rate", "rate", KIND_NUMBER, SETTINGS_AT(rule.rate), 0, 1e9,
     "R", "bucket: requests per second per key (default 5; 0: unlimited)", SETTINGS_FOR_ALL},
    {"burst", "burst", KIND_INTEGER, SETTINGS_AT(rule.burst), 1, 1e9,
     "B", "bucket: requests a key may send at once before the rate applies (default 5)", SETTINGS_FOR_ALL},
    {"windows", "windows", KIND_WINDOWS, SETTINGS_AT(rule), 0, 0,
     "LIST", "window: N/LENGTH,... per key, e.g. 200/10s,600/60s (the default; 0: unlimited)", SETTINGS_FOR_ALL},
    {"fail_rate", "fail-rate", KIND_NUMBER, SETTINGS_AT(fail_rate), 0, 1,
     "P", "probability (0..1) of a 500 answer that applies nothing (default 0)", SETTINGS_FOR_ALL},
    {"slow_rate", "slow-rate", KIND_NUMBER, SETTINGS_AT(slow_rate), 0, 1,
     "P", "probability of an answer delayed by --slow-ms, write applied (default 0)", SETTINGS_FOR_ALL},
    {"slow_ms", "slow-ms", KIND_INTEGER, SETTINGS_AT(slow_ms), 0, 600000,
     "N", "delay of a slow answer in milliseconds (default 1000)", SETTINGS_FOR_ALL},
    {"drop_rate", "drop-rate", KIND_NUMBER, SETTINGS_AT(drop_rate), 0, 1,
     "P", "probability of closing the connection without an answer, write applied (default 0)", SETTINGS_FOR_ALL},
    {"seed", "seed", KIND_SEED, SETTINGS_AT(seed), 0, 0,
     "N", "seed of the fault draws and of the ids (default 1): same seed, same run", SETTINGS_FOR_ALL},
    {"list_field", "list-field", KIND_LIST_FIELD, SETTINGS_AT(list_field), 0, 0,
     "MODE", "always|create-only: when _autopilot_list applies (default always)", SETTINGS_FOR_AUTOPILOT},
};
#define SETTINGS_COUNT (sizeof settings_table / sizeof settings_table[0])

void settings_default(settings *s, unsigned set) {
  memset(s, 0, sizeof *s);
  s->set = set;
  s->rule.kind = set == SETTINGS_FOR_ORTTO ? RATELIMIT_WINDOW : RATELIMIT_BUCKET;
  s->rule.rate = 5;
  s->rule.burst = 5;
  ratelimit_parse_windows(&s->rule, "200/10s,600/60s", NULL, 0); /* Ortto's Pro plan */
  s->slow_ms = 1000;
  s->seed = 1;
  s->list_field = SETTINGS_LIST_FIELD_ALWAYS;
}

static const settings_entry *settings_by_flag(const settings *s, const char *flag) {
  for (size_t i = 0; i < SETTINGS_COUNT; i++)
    if ((settings_table[i].set & s->set) && strcmp(settings_table[i].flag, flag) == 0) return &settings_table[i];
  return NULL;
}

static const settings_entry *settings_by_json(const settings *s, const char *name) {
  for (size_t i = 0; i < SETTINGS_COUNT; i++)
    if ((settings_table[i].set & s->set) && strcmp(settings_table[i].json_name, name) == 0) return &settings_table[i];
  return NULL;
}

bool settings_is_flag(const settings *s, const char *flag) { return settings_by_flag(s, flag) != NULL; }

/* The text settings (list_field, windows, limiter): checks text and stores it into s. */
static bool settings_store_text(settings *s, const settings_entry *e, const char *text, const char *name,
                                char *err, size_t errlen);

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

static bool settings_store_text(settings *s, const settings_entry *e, const char *text, const char *name,
                                char *err, size_t errlen) {
  if (e->kind == KIND_WINDOWS) {
    char why[200];
    if (ratelimit_parse_windows(&s->rule, text, why, sizeof why)) return true;
    snprintf(err, errlen, "%s: %s", name, why);
    return false;
  }
  if (e->kind == KIND_LIMITER) {
    if (strcmp(text, "bucket") == 0) s->rule.kind = RATELIMIT_BUCKET;
    else if (strcmp(text, "window") == 0) s->rule.kind = RATELIMIT_WINDOW;
    else {
      snprintf(err, errlen, "%s must be \"bucket\" or \"window\".", name);
      return false;
    }
    return true;
  }
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
  const settings_entry *e = settings_by_flag(s, flag);
  char name[64];
  snprintf(name, sizeof name, "--%s", flag);
  if (!e) {
    snprintf(err, errlen, "unknown option %s.", name);
    return false;
  }
  if (e->kind == KIND_LIST_FIELD || e->kind == KIND_WINDOWS || e->kind == KIND_LIMITER)
    return settings_store_text(s, e, text, name, err, errlen);
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
    const settings_entry *e = settings_by_json(s, name);
    if (!e) {
      char known[300] = "";
      for (size_t i = 0; i < SETTINGS_COUNT; i++)
        if (settings_table[i].set & s->set)
          snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", known[0] ? ", " : "",
                   settings_table[i].json_name);
      snprintf(err, errlen, "Unknown setting \"%.40s\"; known: %s.", name, known);
      return false;
    }
    bool ok;
    if (e->kind == KIND_LIST_FIELD || e->kind == KIND_WINDOWS || e->kind == KIND_LIMITER) {
      ok = json_is_string(v) ? settings_store_text(&next, e, json_string_value(v), name, err, errlen)
                             : settings_store_text(&next, e, "", name, err, errlen);
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
    if (e->offset == SETTINGS_AT(rule.rate) || e->offset == SETTINGS_AT(rule.burst) || e->kind == KIND_WINDOWS ||
        e->kind == KIND_LIMITER)
      touched |= SETTINGS_CHANGED_RATE;
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
    if (!(e->set & s->set)) continue;
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
      case KIND_WINDOWS: {
        char text[200];
        ratelimit_format_windows(&s->rule, text, sizeof text);
        jsonbuf_cstring(b, text);
        break;
      }
      case KIND_LIMITER: jsonbuf_cstring(b, s->rule.kind == RATELIMIT_WINDOW ? "window" : "bucket"); break;
      case KIND_LIST_FIELD:
        jsonbuf_cstring(b, *(const settings_list_field *)at == SETTINGS_LIST_FIELD_ALWAYS ? "always"
                                                                                          : "create-only");
        break;
    }
  }
  jsonbuf_object_close(b);
}

void settings_write_help(const settings *s, FILE *out) {
  for (size_t i = 0; i < SETTINGS_COUNT; i++) {
    if (!(settings_table[i].set & s->set)) continue;
    char usage[64];
    snprintf(usage, sizeof usage, "--%s %s", settings_table[i].flag, settings_table[i].arg);
    fprintf(out, "  %-21s %s\n", usage, settings_table[i].help);
  }
}
