/* sim.c: creation, reset and teardown of a simulator's state; its clock and its ban. */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mem.h"

#define SIM_BAN_WINDOW_NS (15LL * 1000000000) /* bad requests count within 15 s ... */
#define SIM_BAN_NS (15LL * 1000000000)        /* ... and ban for 15 s (Ortto's figures) */

void sim_init(sim *sm, const sim_api *api, const settings *s, bool manual_clock, const char *const *keys,
              size_t n) {
  memset(sm, 0, sizeof *sm);
  sm->api = api;
  sm->settings = *s;
  sm->manual_clock = manual_clock;
  strmap_init(&sm->accounts_by_key);
  stats_init(&sm->stats);
  sm->accounts = mem_zalloc(n * sizeof *sm->accounts);
  for (size_t i = 0; i < n; i++) {
    if (strmap_get(&sm->accounts_by_key, keys[i])) continue;
    sim_account *a = mem_zalloc(sizeof *a);
    a->key = mem_strdup(keys[i]);
    a->data = api->account_new();
    sm->accounts[sm->naccounts++] = a;
    strmap_put(&sm->accounts_by_key, a->key, a);
  }
  sim_reset(sm);
}

void sim_free(sim *sm) {
  for (size_t i = 0; i < sm->naccounts; i++) {
    sm->api->account_free(sm->accounts[i]->data);
    free(sm->accounts[i]->key);
    free(sm->accounts[i]);
  }
  free(sm->accounts);
  strmap_free(&sm->accounts_by_key);
  stats_free(&sm->stats);
  memset(sm, 0, sizeof *sm);
}

sim_account *sim_account_find(const sim *sm, const char *key) { return strmap_get(&sm->accounts_by_key, key); }

int64_t sim_clock_ns(const sim *sm) { return sm->manual_clock ? sm->manual_ns : ratelimit_now_ns(); }

void sim_clock_advance(sim *sm, int64_t ms) { sm->manual_ns += ms * 1000000; }

void sim_refill_limiters(sim *sm) {
  int64_t now = sim_clock_ns(sm);
  for (size_t i = 0; i < sm->naccounts; i++) ratelimit_reset(&sm->accounts[i]->limiter, &sm->settings.rule, now);
}

/* Both streams come from the one seed; ids use its complement so the two sequences differ. */
void sim_reseed_faults(sim *sm) { prng_seed(&sm->fault_rng, sm->settings.seed); }

void sim_reset(sim *sm) {
  for (size_t i = 0; i < sm->naccounts; i++) sm->api->account_clear(sm->accounts[i]->data);
  stats_clear(&sm->stats);
  sim_refill_limiters(sm);
  sim_reseed_faults(sm);
  prng_seed(&sm->id_rng, ~sm->settings.seed);
  memset(sm->bad_ns, 0, sizeof sm->bad_ns);
  sm->bad_next = 0;
  sm->banned_until_ns = 0;
}

void sim_count_bad(sim *sm, int64_t now_ns) {
  int n = sm->api->ban_after;
  if (n <= 0 || n > SIM_BAN_MAX) return;
  /* The ring holds the last n bad requests; once full, the next slot holds the oldest of them. */
  sm->bad_ns[sm->bad_next % (size_t)n] = now_ns;
  sm->bad_next++;
  if (sm->bad_next >= (size_t)n && now_ns - sm->bad_ns[sm->bad_next % (size_t)n] < SIM_BAN_WINDOW_NS) {
    sm->banned_until_ns = now_ns + SIM_BAN_NS;
    sm->bad_next = 0; /* the ban starts a new count */
  }
}

int64_t sim_banned_ms(const sim *sm, int64_t now_ns) {
  if (!sm->banned_until_ns || now_ns >= sm->banned_until_ns) return 0;
  return (sm->banned_until_ns - now_ns + 999999) / 1000000;
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
