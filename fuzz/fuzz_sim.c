/* fuzz_sim.c: libFuzzer target for autopilot-sim's request handling, below the HTTP server: the
 * input is "METHOD PATH\nBODY" (the first byte picks the method, a key header may be missing),
 * routed and run as the server would, against one long-lived account whose state the requests
 * change. Beyond the sanitizers it checks that every answer has a status and, when it has a body,
 * that the body is JSON.
 * Build and run: make fuzz [FUZZ_SECONDS=60]. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/autopilot/api.h"
#include "../sim/core/control.h"
#include "../sim/core/sim.h"

static sim g_sim;
static bool g_ready;
static unsigned g_runs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  if (!g_ready) {
    settings s;
    settings_default(&s, SETTINGS_FOR_AUTOPILOT);
    s.rule.rate = 0;
    const char *keys[] = {"fuzzkey"};
    sim_init(&g_sim, &autopilot_api, &s, true, keys, 1); /* the manual clock: same input, same answer */
    g_ready = true;
  }
  if (++g_runs % 2000 == 0) sim_reset(&g_sim);
  static const char *const methods[] = {"GET", "POST", "DELETE", "PUT"};
  const char *method = methods[data[0] & 3];
  bool with_key = (data[0] & 4) == 0;
  const char *in = (const char *)data + 1;
  size_t n = size - 1;
  const char *nl = memchr(in, '\n', n);
  size_t plen = nl ? (size_t)(nl - in) : n;
  char *path = malloc(plen + 2);
  path[0] = '/';
  memcpy(path + 1, in, plen);
  path[plen + 1] = '\0';
  size_t blen = nl ? n - plen - 1 : 0;
  char *body = malloc(blen + 1);
  if (blen) memcpy(body, nl + 1, blen);
  body[blen] = '\0';

  http_response r = {0};
  jsonbuf_init(&r.body);
  if (strncmp(path, "/__sim", 6) == 0) {
    control_handle(&g_sim, method, path, NULL, body, blen, &r);
  } else {
    http_path p;
    char perr[200];
    if (!http_path_parse(path, &p, perr, sizeof perr)) {
      http_error(&r, 400, "%s", perr);
      http_path_free(&p); /* as the server does whatever the parse said */
    } else {
      http_match m;
      if (p.n && strcmp(p.segments[0], "v1") == 0) api_match_route(method, &p, &m);
      else memset(&m, 0, sizeof m);
      sim_account *a = with_key ? sim_account_find(&g_sim, "fuzzkey") : NULL;
      if (!m.route) http_error(&r, m.allow[0] ? 405 : 404, "no route");
      else if (!a) http_error(&r, 400, "No autopilotapikey header provided.");
      else {
        sim_call call = {.sim = &g_sim, .account = a, .path = &p, .body = body, .body_len = blen, .now_ms = 1700000000000};
        api_run(&m, &call, &r);
      }
      http_path_free(&p);
    }
  }
  if (r.status < 100 || r.status > 599) abort();
  if (r.body.len) {
    json_t *j = json_loadb(r.body.data, r.body.len, 0, NULL);
    if (!j) abort();
    json_decref(j);
  }
  http_response_free(&r);
  free(path);
  free(body);
  return 0;
}
