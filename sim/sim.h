/* sim.h: the simulator's whole state (accounts, settings, counters, random streams), shared by the
 * HTTP layer, the API handlers and the control endpoints. One thread touches it: the event loop. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "prng.h"
#include "settings.h"
#include "stats.h"
#include "strmap.h"

typedef struct sim {
  settings settings;
  account **accounts; /* one per --api-key, in the order given (owned) */
  size_t naccounts;
  strmap accounts_by_key;
  stats stats;
  prng fault_rng; /* one draw per admitted /v1 request */
  prng id_rng;    /* contact, list and hook ids */
  bool manual_clock; /* --clock manual: the limiter's and the slow answers' time moves only by
                      * POST /__sim/clock */
  int64_t manual_ns; /* the manual clock (starts at 0) */
  size_t parked;     /* slow answers waiting for their time (kept by the server) */
} sim;

/* Initialises the state for keys[0..n) (copied; duplicates kept once) with settings s, on the
 * manual clock (at 0) when manual_clock. */
void sim_init(sim *sm, const settings *s, bool manual_clock, const char *const *keys, size_t n);
void sim_free(sim *sm);
account *sim_account(const sim *sm, const char *key);
/* Empties every account and the counters, refills the buckets and reseeds both random streams
 * from the current seed: the simulator is then as if just started with the current settings. */
void sim_reset(sim *sm);
/* Refills every key's bucket to the current burst (after a rate or burst change). */
void sim_refill_buckets(sim *sm);
/* Reseeds the fault draws from the current seed. */
void sim_reseed_faults(sim *sm);
/* The clock of the rate limiters and the slow answers, in nanoseconds: monotonic time, or the
 * manual clock under --clock manual. */
int64_t sim_clock_ns(const sim *sm);
/* Moves the manual clock forward by ms milliseconds. */
void sim_clock_advance(sim *sm, int64_t ms);
/* Wall-clock milliseconds since the epoch. */
int64_t sim_now_ms(void);
/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (at least 25 bytes) for ms since the epoch. */
void sim_format_time(int64_t ms, char out[64]);

#endif
