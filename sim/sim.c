/* sim.c: creation, reset and teardown of the simulator's state. */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mem.h"

void sim_init(sim *sm, const settings *s, bool manual_clock, const char *const *keys, size_t n) {
  memset(sm, 0, sizeof *sm);
  sm->settings = *s;
  sm->manual_clock = manual_clock;
  strmap_init(&sm->accounts_by_key);
  stats_init(&sm->stats);
  sm->accounts = mem_zalloc(n * sizeof *sm->accounts);
  for (size_t i = 0; i < n; i++) {
    if (strmap_get(&sm->accounts_by_key, keys[i])) continue;
    account *a = account_new(keys[i]);
    sm->accounts[sm->naccounts++] = a;
    strmap_put(&sm->accounts_by_key, a->key, a);
  }
  sim_reset(sm);
}

void sim_free(sim *sm) {
  for (size_t i = 0; i < sm->naccounts; i++) account_free(sm->accounts[i]);
  free(sm->accounts);
  strmap_free(&sm->accounts_by_key);
  stats_free(&sm->stats);
  memset(sm, 0, sizeof *sm);
}

account *sim_account(const sim *sm, const char *key) { return strmap_get(&sm->accounts_by_key, key); }

int64_t sim_clock_ns(const sim *sm) { return sm->manual_clock ? sm->manual_ns : ratelimit_now_ns(); }

void sim_clock_advance(sim *sm, int64_t ms) { sm->manual_ns += ms * 1000000; }

void sim_refill_buckets(sim *sm) {
  int64_t now = sim_clock_ns(sm);
  for (size_t i = 0; i < sm->naccounts; i++) ratelimit_reset(&sm->accounts[i]->bucket, sm->settings.burst, now);
}

/* Both streams come from the one seed; ids use its complement so the two sequences differ. */
void sim_reseed_faults(sim *sm) { prng_seed(&sm->fault_rng, sm->settings.seed); }

void sim_reset(sim *sm) {
  for (size_t i = 0; i < sm->naccounts; i++) account_clear(sm->accounts[i]);
  stats_clear(&sm->stats);
  sim_refill_buckets(sm);
  sim_reseed_faults(sm);
  prng_seed(&sm->id_rng, ~sm->settings.seed);
}

int64_t sim_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sim_format_time(int64_t ms, char out[64]) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}
