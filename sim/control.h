/* control.h: the simulator's own endpoints under /__sim (no key, never rate limited or faulted):
 * state, stats, reset, faults and settings, and seeding a list with a chosen id. */
#ifndef SIM_CONTROL_H
#define SIM_CONTROL_H

#include <stddef.h>

#include "api.h"
#include "sim.h"

/* Answers one control request. path is the raw path (starting "/__sim"), key the decoded value of
 * the ?key= argument or NULL, body the request body (body_len bytes, NUL-terminated). */
void control_handle(sim *sm, const char *method, const char *path, const char *key, const char *body,
                    size_t body_len, api_response *r);

#endif
