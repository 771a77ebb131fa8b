/* fuzz_ortto_sim.c: libFuzzer target for ortto-sim's request handling, below the HTTP server, as
 * fuzz_sim.c is for autopilot-sim: the input is "PATH\nBODY" after a first byte that picks the
 * method and whether the X-Api-Key is sent; it is routed and run through the simulator's driver
 * (ortto_api: match, run, refuse, control) against one long-lived account whose people, fields and
 * tags the requests change. Beyond the sanitizers it checks that every answer has a status and,
 * when it has a body, that the body is JSON.
 * Build and run: make fuzz [FUZZ_SECONDS=60]; replayed over fuzz/corpus/ortto_sim by make test. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/core/arena.h"
#include "../sim/core/control.h"
#include "../sim/core/sim.h"
#include "../sim/ortto/api.h"

static sim g_sim;
static bool g_ready;
static unsigned g_runs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  if (!g_ready) {
    settings s;
    settings_default(&s, SETTINGS_FOR_ORTTO);
    s.rule.rate = 0;
    const char *keys[] = {"fuzzkey"};
    sim_init(&g_sim, &ortto_api, &s, true, keys, 1); /* the manual clock: same input, same answer */
    g_ready = true;
  }
  if (++g_runs % 2000 == 0) sim_reset(&g_sim);
  static const char *const methods[] = {"POST", "GET", "DELETE", "PUT"};
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

  const sim_api *api = g_sim.api;
  http_response r = {0};
  jsonbuf_init(&r.body);
  if (strncmp(path, "/__sim", 6) == 0) {
    control_handle(&g_sim, method, path, NULL, body, blen, &r);
  } else {
    http_path p;
    char perr[200];
    if (!http_path_parse(path, &p, perr, sizeof perr)) {
      api->refuse(&g_sim, SIM_REFUSE_BAD_PATH, perr, 0, &r);
    } else {
      http_match m;
      memset(&m, 0, sizeof m);
      if (p.n && strcmp(p.segments[0], "v1") == 0) api->match(method, &p, &m);
      sim_account *a = with_key ? sim_account_find(&g_sim, "fuzzkey") : NULL;
      if (!with_key) api->refuse(&g_sim, SIM_REFUSE_NO_KEY, NULL, 0, &r);
      else if (!m.route && m.template) api->refuse(&g_sim, SIM_REFUSE_METHOD, "not allowed", 0, &r);
      else if (!m.route) api->refuse(&g_sim, SIM_REFUSE_NO_ROUTE, "no route", 0, &r);
      else if (blen > api->max_body) api->refuse(&g_sim, SIM_REFUSE_TOO_LARGE, "too large", 0, &r);
      else {
        sim_call call = {.sim = &g_sim, .account = a, .path = &p, .body = body, .body_len = blen, .now_ms = 1700000000000};
        api->run(&m, &call, &r);
      }
    }
    http_path_free(&p); /* as the server does whatever the parse said */
  }
  arena_reset(); /* as the server does after each answer */
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
