/* settings.h: the simulator's tunable settings, one declarative table shared by the command-line
 * flags (--fail-rate) and the control endpoint (POST /__sim/faults {"fail_rate": ...}). */
#ifndef SIM_SETTINGS_H
#define SIM_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonbuf.h"

typedef enum { SETTINGS_LIST_FIELD_ALWAYS, SETTINGS_LIST_FIELD_CREATE_ONLY } settings_list_field;

typedef struct settings {
  double rate;       /* requests per second per key; 0: unlimited */
  double burst;      /* bucket size, a whole number >= 1 */
  double fail_rate;  /* probability of a 500 that applies nothing */
  double slow_rate;  /* probability of a delayed answer (the write is applied) */
  double slow_ms;    /* the delay of a slow answer, whole milliseconds */
  double drop_rate;  /* probability of a closed connection without an answer (applied) */
  uint64_t seed;     /* seeds the fault draws and the ids */
  settings_list_field list_field;
} settings;

/* Which settings a change touched, so the caller can refill buckets or reseed. */
enum { SETTINGS_CHANGED_RATE = 1, SETTINGS_CHANGED_SEED = 2 };

void settings_default(settings *s);

/* Looks up a flag name without its leading "--" ("fail-rate"): true when it is a setting. */
bool settings_is_flag(const char *flag);
/* Sets the setting of flag ("fail-rate") from its text value. On failure returns false and writes
 * one sentence into err (errlen bytes); *s is then unchanged. */
bool settings_set_flag(settings *s, const char *flag, const char *text, char *err, size_t errlen);
/* Applies a JSON object of settings (any subset of the JSON names). All or nothing: on failure
 * returns false with a sentence in err and leaves *s unchanged. *changed gets SETTINGS_CHANGED_*. */
bool settings_apply_json(settings *s, const json_t *obj, int *changed, char *err, size_t errlen);
/* Writes every setting as one JSON object. */
void settings_write_json(const settings *s, jsonbuf *b);
/* Appends the flags' help lines (one per setting) to out. */
void settings_write_help(FILE *out);

#endif
