/* control.h: the simulators' own endpoints under /__sim (no key, never rate limited or faulted):
 * state, stats, reset, faults and settings, keys, the manual clock; then the API's own. */
#ifndef SIM_CONTROL_H
#define SIM_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#include "http.h"
#include "sim.h"

/* Answers one control request. path is the raw path (starting "/__sim"), key the decoded value of
 * the ?key= argument or NULL, body the request body (body_len bytes, NUL-terminated). */
void control_handle(sim *sm, const char *method, const char *path, const char *key, const char *body,
                    size_t body_len, http_response *r);
/* Parses a control body as JSON (jansson, the caller decrefs it); NULL with a 400 in r when it is
 * not UTF-8 or not JSON. */
json_t *control_body(const char *body, size_t len, http_response *r);

#endif
