/* control.c: GET /__sim/state, GET /__sim/stats, POST /__sim/reset, GET|POST /__sim/faults,
 * POST /__sim/keys and GET|POST /__sim/clock, for tests and demos; the API's own control
 * endpoints (sim_api.control) come after these. */
#include "control.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"

static void control_state(sim *sm, const char *key, http_response *r) {
  sim_account *only = NULL;
  if (key && !(only = sim_account_find(sm, key))) {
    http_error(r, 404, "No account has this key.");
    return;
  }
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "accounts");
  jsonbuf_object_open(b);
  for (size_t i = 0; i < sm->naccounts; i++) {
    if (only && sm->accounts[i] != only) continue;
    jsonbuf_key(b, sm->accounts[i]->key);
    sm->api->write_state(b, sm->accounts[i]->data);
  }
  jsonbuf_object_close(b);
  jsonbuf_object_close(b);
}

json_t *control_body(const char *body, size_t len, http_response *r) {
  if (!http_utf8_valid(body, len)) {
    http_error(r, 400, "The request body is not valid UTF-8.");
    return NULL;
  }
  json_error_t jerr;
  json_t *v = json_loadb(body, len, 0, &jerr);
  if (!v) http_error(r, 400, "The request body is not valid JSON: %s.", jerr.text);
  return v;
}

static void control_faults(sim *sm, const char *method, const char *body, size_t len, http_response *r) {
  if (strcmp(method, "POST") == 0) {
    json_t *v = control_body(body, len, r);
    if (!v) return;
    char err[256];
    int changed = 0;
    bool ok = settings_apply_json(&sm->settings, v, &changed, err, sizeof err);
    json_decref(v);
    if (!ok) {
      http_error(r, 400, "%s", err);
      return;
    }
    if (changed & SETTINGS_CHANGED_RATE) sim_refill_limiters(sm);
    if (changed & SETTINGS_CHANGED_SEED) sim_reseed_faults(sm);
  }
  r->status = 200;
  settings_write_json(&sm->settings, &r->body);
}

typedef struct control_route {
  const char *path;
  const char *methods; /* the Allow header */
} control_route;

static const control_route control_routes[] = {
    {"/__sim/state", "GET"}, {"/__sim/stats", "GET"}, {"/__sim/reset", "POST"},
    {"/__sim/faults", "GET, POST"}, {"/__sim/keys", "POST"},
    {"/__sim/clock", "GET, POST"},
};

#define CONTROL_MAX_ADVANCE_MS 86400000000LL /* 1000 days in one step */

/* GET /__sim/clock: {"clock":"manual","clock_ms":N} (or "real", with the monotonic time).
 * POST /__sim/clock {"advance_ms": N}: moves the manual clock forward by N (a whole number,
 * 0 included) and answers its new value. Refused when the clock is real: time cannot be moved. */
static void control_clock(sim *sm, const char *method, const char *body, size_t len, http_response *r) {
  if (strcmp(method, "POST") == 0) {
    if (!sm->manual_clock) {
      http_error(r, 409, "The clock is real; start the simulator with --clock manual to move it.");
      return;
    }
    json_t *v = control_body(body, len, r);
    if (!v) return;
    json_t *adv = json_is_object(v) && json_object_size(v) == 1 ? json_object_get(v, "advance_ms") : NULL;
    bool ok = json_is_integer(adv) && json_integer_value(adv) >= 0 &&
              json_integer_value(adv) <= CONTROL_MAX_ADVANCE_MS;
    if (ok) sim_clock_advance(sm, json_integer_value(adv));
    json_decref(v);
    if (!ok) {
      http_error(r, 400, "Send {\"advance_ms\": N} with N a whole number of milliseconds from 0 to %lld.",
                CONTROL_MAX_ADVANCE_MS);
      return;
    }
  }
  r->status = 200;
  jsonbuf_object_open(&r->body);
  jsonbuf_key(&r->body, "clock");
  jsonbuf_cstring(&r->body, sm->manual_clock ? "manual" : "real");
  jsonbuf_key(&r->body, "clock_ms");
  jsonbuf_int(&r->body, sim_clock_ns(sm) / 1000000);
  jsonbuf_object_close(&r->body);
}

/* POST /__sim/keys {"revoke": "KEY"} or {"restore": "KEY"}: a key revoked answers 401 (as a key
 * deleted in Autopilot's settings) while its account keeps its data; restore undoes it. */
static void control_keys(sim *sm, const char *body, size_t body_len, http_response *r) {
  json_t *v = json_loadb(body ? body : "", body_len, 0, NULL);
  json_t *rv = json_is_object(v) ? json_object_get(v, "revoke") : NULL;
  json_t *rs = json_is_object(v) ? json_object_get(v, "restore") : NULL;
  json_t *k = rv ? rv : rs;
  sim_account *a = json_is_string(k) ? sim_account_find(sm, json_string_value(k)) : NULL;
  if (!json_is_object(v) || !json_is_string(k) || (rv && rs)) {
    http_error(r, 400, "Send {\"revoke\": \"KEY\"} or {\"restore\": \"KEY\"}.");
  } else if (!a) {
    http_error(r, 404, "No account has that key.");
  } else {
    a->revoked = rv != NULL;
    r->status = 200;
    jsonbuf_raw_value(&r->body, a->revoked ? "{\"revoked\":true}" : "{\"revoked\":false}", a->revoked ? 16 : 17);
  }
  json_decref(v);
}

void control_handle(sim *sm, const char *method, const char *path, const char *key, const char *body,
                    size_t body_len, http_response *r) {
  const control_route *route = NULL;
  for (size_t i = 0; i < sizeof control_routes / sizeof *control_routes; i++)
    if (strcmp(path, control_routes[i].path) == 0) route = &control_routes[i];
  if (!route && sm->api->control && sm->api->control(sm, method, path, body, body_len, r)) return;
  if (!route) {
    /* The path is echoed only when it is printable UTF-8: the body must stay valid JSON text. */
    bool clean = http_utf8_valid(path, strlen(path)) && strlen(path) < 200;
    for (const char *c = path; clean && *c; c++) clean = (unsigned char)*c >= 0x20;
    http_error(r, 404, "No control endpoint %s; see docs/simulator.md.", clean ? path : "at that path");
    return;
  }
  /* "GET" must not match inside "GET, POST" by accident of prefix: compare whole tokens. */
  bool allowed = false;
  for (const char *m = route->methods; *m;) {
    size_t n = strcspn(m, ",");
    allowed |= strlen(method) == n && strncmp(m, method, n) == 0;
    m += n;
    while (*m == ',' || *m == ' ') m++;
  }
  if (!allowed) {
    http_error(r, 405, "%s is not allowed on %s; use %s.", method, path, route->methods);
    snprintf(r->allow, sizeof r->allow, "%s", route->methods);
    return;
  }
  if (strcmp(path, "/__sim/state") == 0) {
    control_state(sm, key, r);
  } else if (strcmp(path, "/__sim/stats") == 0) {
    r->status = 200;
    stats_write_json(&sm->stats, sm->parked, &r->body);
  } else if (strcmp(path, "/__sim/reset") == 0) {
    sim_reset(sm);
    r->status = 200;
    jsonbuf_raw_value(&r->body, "{\"reset\":true}", 14);
  } else if (strcmp(path, "/__sim/faults") == 0) {
    control_faults(sm, method, body, body_len, r);
  } else if (strcmp(path, "/__sim/keys") == 0) {
    control_keys(sm, body, body_len, r);
  } else {
    control_clock(sm, method, body, body_len, r);
  }
}
