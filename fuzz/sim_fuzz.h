/* sim_fuzz.h: the body of the simulators' libFuzzer targets (fuzz_sim.c, fuzz_ortto_sim.c), below
 * the HTTP server: the input is "PATH\nBODY" after a first byte that picks the method and whether
 * the key header is sent; it is routed and run through the simulator's driver (match, run, refuse,
 * control) against one long-lived account whose state the requests change, reset every 2,000
 * inputs. Beyond the sanitizers it checks that every answer has a status and, when it has a body,
 * that the body is JSON. Included by one target each, so its statics are that target's. */
#ifndef SEGSHIP_FUZZ_SIM_FUZZ_H
#define SEGSHIP_FUZZ_SIM_FUZZ_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/core/arena.h"
#include "../sim/core/control.h"
#include "../sim/core/sim.h"

static sim g_sim;
static bool g_ready;
static unsigned g_runs;

/* Runs one input against the simulator whose driver is api (settings of set); methods[data[0] & 3]
 * is the request's method. */
static int sim_fuzz_input(const sim_api *api, unsigned set, const char *const methods[4], const uint8_t *data,
                          size_t size) {
  if (size < 2) return 0;
  if (!g_ready) {
    settings s;
    settings_default(&s, set);
    s.rule.rate = 0;
    const char *keys[] = {"fuzzkey"};
    sim_init(&g_sim, api, &s, true, keys, 1); /* the manual clock: same input, same answer */
    g_ready = true;
  }
  if (++g_runs % 2000 == 0) sim_reset(&g_sim);
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

#endif
