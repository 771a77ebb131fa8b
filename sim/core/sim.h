/* sim.h: a simulator's whole state (accounts, settings, counters, random streams, the clock) and
 * the driver that makes it one API or the other (sim_api: routes, the shape of its errors, its
 * accounts' data). One thread touches it: the event loop. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "prng.h"
#include "ratelimit.h"
#include "settings.h"
#include "stats.h"
#include "strmap.h"

struct sim;

/* One account per API key: the parts every API has; data is the API's own (owned). */
typedef struct sim_account {
  char *key;    /* the API key (owned); never printed except in /__sim/state, which is keyed by it */
  bool revoked; /* POST /__sim/keys {"revoke": key}: the key answers 401, its data is kept */
  ratelimit limiter;
  void *data;
} sim_account;

/* Everything a handler gets. */
typedef struct sim_call {
  struct sim *sim;
  sim_account *account;
  const http_path *path;
  const char *body; /* NUL-terminated; body_len bytes */
  size_t body_len;
  int64_t now_ms; /* wall clock, for timestamps */
} sim_call;

/* Why the server refused a request before its handler: the API words each its own way. */
typedef enum {
  SIM_REFUSE_NO_KEY,    /* 400 or 401: no key header */
  SIM_REFUSE_BAD_KEY,   /* 401: unknown or revoked key */
  SIM_REFUSE_RATE,      /* 429: the limiter said no (retry_ms: when it would say yes) */
  SIM_REFUSE_BANNED,    /* 429: too many bad requests lately (retry_ms: when the ban ends) */
  SIM_REFUSE_FAULT,     /* 500: a simulated failure */
  SIM_REFUSE_TOO_LARGE, /* 413 */
  SIM_REFUSE_BAD_PATH,  /* 400: detail says why */
  SIM_REFUSE_NO_ROUTE,  /* 404 */
  SIM_REFUSE_METHOD,    /* 405: detail is the Allow list */
} sim_refusal;

typedef struct sim_api {
  const char *program;    /* "autopilot-sim": messages and usage */
  const char *summary;    /* the usage's description paragraph */
  const char *key_header; /* "autopilotapikey", "X-Api-Key" */
  size_t max_body;        /* larger bodies are refused (SIM_REFUSE_TOO_LARGE) */
  unsigned settings_set;  /* SETTINGS_FOR_* bit: which settings this simulator has */
  const char *control_help; /* its extra control endpoints, for --help */
  /* Its bad requests ban the caller (Ortto: 15 within 15 s ban for 15 s); 0: no ban. */
  int ban_after;
  void *(*account_new)(void);
  void (*account_free)(void *data);
  void (*account_clear)(void *data);
  /* Writes one account's data as /__sim/state shows it. */
  void (*write_state)(jsonbuf *b, const void *data);
  /* Matches a /v1 path (its first segment is "v1"). */
  void (*match)(const char *method, const http_path *p, http_match *m);
  /* Runs a matched route. */
  void (*run)(const http_match *m, sim_call *call, http_response *r);
  /* Words a refusal; detail is a sentence or the Allow list, retry_ms a wait (RATE, BANNED). */
  void (*refuse)(const struct sim *sm, sim_refusal why, const char *detail, int64_t retry_ms, http_response *r);
  /* Its own /__sim endpoints: answers and returns true when path is one of them. */
  bool (*control)(struct sim *sm, const char *method, const char *path, const char *body, size_t len,
                  http_response *r);
} sim_api;

#define SIM_BAN_MAX 64

typedef struct sim {
  const sim_api *api;
  settings settings;
  sim_account **accounts; /* one per key, in the order given (owned) */
  size_t naccounts;
  strmap accounts_by_key;
  stats stats;
  prng fault_rng;    /* one draw per admitted /v1 request */
  prng id_rng;       /* the API's ids */
  bool manual_clock; /* --clock manual: the limiters' and the slow answers' time moves only by
                      * POST /__sim/clock */
  int64_t manual_ns; /* the manual clock (starts at 0) */
  size_t parked;     /* slow answers waiting for their time (kept by the server) */
  int64_t bad_ns[SIM_BAN_MAX]; /* the times of the last ban_after bad requests, a ring */
  size_t bad_next;
  int64_t banned_until_ns; /* 0: not banned */
} sim;

/* Initialises the state of api for keys[0..n) (copied; duplicates kept once) with settings s, on
 * the manual clock (at 0) when manual_clock. */
void sim_init(sim *sm, const sim_api *api, const settings *s, bool manual_clock, const char *const *keys,
              size_t n);
void sim_free(sim *sm);
sim_account *sim_account_find(const sim *sm, const char *key);
/* Empties every account, the counters and the ban, refills the limiters and reseeds both random
 * streams from the current seed: the simulator is then as if just started with the current
 * settings (the manual clock keeps its time). */
void sim_reset(sim *sm);
/* Refills every key's limiter (after a change of its settings). */
void sim_refill_limiters(sim *sm);
/* Reseeds the fault draws from the current seed. */
void sim_reseed_faults(sim *sm);
/* The clock of the rate limiters, the ban and the slow answers, in nanoseconds: monotonic time,
 * or the manual clock under --clock manual. */
int64_t sim_clock_ns(const sim *sm);
/* Moves the manual clock forward by ms milliseconds. */
void sim_clock_advance(sim *sm, int64_t ms);
/* Counts a bad request (a 4xx other than 429) at now_ns; bans when api->ban_after of them fall
 * within 15 s. */
void sim_count_bad(sim *sm, int64_t now_ns);
/* The ban's remaining milliseconds at now_ns, 0 when none. */
int64_t sim_banned_ms(const sim *sm, int64_t now_ns);
/* Wall-clock milliseconds since the epoch. */
int64_t sim_now_ms(void);
/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (at least 25 bytes) for ms since the epoch. */
void sim_format_time(int64_t ms, char out[64]);

#endif
