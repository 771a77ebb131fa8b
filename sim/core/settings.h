/* settings.h: the simulators' tunable settings, one declarative table shared by the command-line
 * flags (--fail-rate) and the control endpoint (POST /__sim/faults {"fail_rate": ...}); each
 * setting says which simulators have it. */
#ifndef SIM_SETTINGS_H
#define SIM_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonbuf.h"
#include "ratelimit.h"

/* Which simulator a setting belongs to (a mask). */
enum { SETTINGS_FOR_AUTOPILOT = 1, SETTINGS_FOR_ORTTO = 2, SETTINGS_FOR_ALL = 3 };

typedef enum { SETTINGS_LIST_FIELD_ALWAYS, SETTINGS_LIST_FIELD_CREATE_ONLY } settings_list_field;

typedef struct settings {
  unsigned set;        /* SETTINGS_FOR_*: the simulator these are of */
  ratelimit_rule rule; /* the limiter: kind, rate and burst, windows */
  double fail_rate;  /* probability of a 500 that applies nothing */
  double slow_rate;  /* probability of a delayed answer (the write is applied) */
  double slow_ms;    /* the delay of a slow answer, whole milliseconds */
  double drop_rate;  /* probability of a closed connection without an answer (applied) */
  uint64_t seed;     /* seeds the fault draws and the ids */
  settings_list_field list_field;
} settings;

/* Which settings a change touched, so the caller can refill buckets or reseed. */
enum { SETTINGS_CHANGED_RATE = 1, SETTINGS_CHANGED_SEED = 2 };

/* The defaults of the simulator `set` (SETTINGS_FOR_AUTOPILOT or SETTINGS_FOR_ORTTO). */
void settings_default(settings *s, unsigned set);

/* Looks up a flag name without its leading "--" ("fail-rate"): true when it is a setting of s's
 * simulator. */
bool settings_is_flag(const settings *s, const char *flag);
/* Sets the setting of flag ("fail-rate") from its text value. On failure returns false and writes
 * one sentence into err (errlen bytes); *s is then unchanged. */
bool settings_set_flag(settings *s, const char *flag, const char *text, char *err, size_t errlen);
/* Applies a JSON object of settings (any subset of the JSON names). All or nothing: on failure
 * returns false with a sentence in err and leaves *s unchanged. *changed gets SETTINGS_CHANGED_*. */
bool settings_apply_json(settings *s, const json_t *obj, int *changed, char *err, size_t errlen);
/* Writes every setting as one JSON object. */
void settings_write_json(const settings *s, jsonbuf *b);
/* Appends the flags' help lines (one per setting of s's simulator) to out. */
void settings_write_help(const settings *s, FILE *out);

#endif
