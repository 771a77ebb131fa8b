/* ratelimit.c: the continuous-refill token bucket and the fixed windows. */
#include "ratelimit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t ratelimit_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ratelimit_reset(ratelimit *rl, const ratelimit_rule *rule, int64_t now_ns) {
  memset(rl, 0, sizeof *rl);
  rl->tokens = rule->burst;
  rl->last_ns = now_ns;
  for (size_t i = 0; i < RATELIMIT_MAX_WINDOWS; i++) rl->window_index[i] = -1;
}

static bool ratelimit_take_bucket(ratelimit *rl, const ratelimit_rule *rule, int64_t now_ns, int64_t *retry_ms) {
  if (rule->rate <= 0) return true;
  if (now_ns > rl->last_ns) {
    rl->tokens += rule->rate * (double)(now_ns - rl->last_ns) / 1e9;
    if (rl->tokens > rule->burst) rl->tokens = rule->burst;
    rl->last_ns = now_ns;
  }
  /* The sums of fractions drift by a few ulps (0.1 + 0.2): a token whole to 1e-9 is whole. */
  if (rl->tokens < 1.0 - 1e-9) {
    if (retry_ms) *retry_ms = (int64_t)ceil((1.0 - rl->tokens) / rule->rate * 1000.0);
    return false;
  }
  if (rl->tokens < 1.0) rl->tokens = 1.0;
  rl->tokens -= 1.0;
  return true;
}

static bool ratelimit_take_window(ratelimit *rl, const ratelimit_rule *rule, int64_t now_ns, int64_t *retry_ms) {
  int64_t wait_ns = 0;
  for (size_t i = 0; i < rule->nwindows; i++) {
    int64_t period_ns = rule->windows[i].period_ms * 1000000;
    int64_t index = now_ns / period_ns;
    if (index != rl->window_index[i]) {
      rl->window_index[i] = index;
      rl->window_count[i] = 0;
    }
    if (rl->window_count[i] >= rule->windows[i].limit) {
      int64_t until = (index + 1) * period_ns - now_ns;
      if (until > wait_ns) wait_ns = until;
    }
  }
  if (wait_ns) {
    if (retry_ms) *retry_ms = (wait_ns + 999999) / 1000000;
    return false;
  }
  for (size_t i = 0; i < rule->nwindows; i++) rl->window_count[i]++;
  return true;
}

bool ratelimit_take(ratelimit *rl, const ratelimit_rule *rule, int64_t now_ns, int64_t *retry_ms) {
  bool ok = rule->kind == RATELIMIT_WINDOW ? ratelimit_take_window(rl, rule, now_ns, retry_ms)
                                           : ratelimit_take_bucket(rl, rule, now_ns, retry_ms);
  if (!ok && retry_ms && *retry_ms < 1) *retry_ms = 1;
  return ok;
}

bool ratelimit_parse_windows(ratelimit_rule *rule, const char *text, char *err, size_t errlen) {
  ratelimit_window w[RATELIMIT_MAX_WINDOWS];
  size_t n = 0;
  if (strcmp(text, "0") != 0) {
    const char *p = text;
    for (;;) {
      char *end;
      errno = 0;
      long long limit = strtoll(p, &end, 10);
      bool ok = !errno && end != p && *p >= '0' && *p <= '9' && limit >= 1 && limit <= 1000000000 && *end == '/';
      long long amount = 0;
      int64_t unit = 0;
      if (ok) {
        p = end + 1;
        errno = 0;
        amount = strtoll(p, &end, 10);
        ok = !errno && end != p && *p >= '0' && *p <= '9' && amount >= 1 && amount <= 1000000;
      }
      if (ok) {
        size_t ulen = strcspn(end, ",");
        if (ulen == 2 && strncmp(end, "ms", 2) == 0) unit = 1;
        else if (ulen == 1 && *end == 's') unit = 1000;
        else if (ulen == 1 && *end == 'm') unit = 60000;
        else if (ulen == 1 && *end == 'h') unit = 3600000;
        ok = unit && n < RATELIMIT_MAX_WINDOWS;
        end += ulen;
      }
      if (!ok) {
        snprintf(err, errlen, "windows must be \"0\" or up to %d windows like \"200/10s,600/60s\" "
                 "(COUNT/LENGTH, units ms, s, m, h), not \"%.60s\".", RATELIMIT_MAX_WINDOWS, text);
        return false;
      }
      w[n++] = (ratelimit_window){limit, amount * unit};
      if (*end == '\0') break;
      p = end + 1; /* past the comma */
    }
  }
  memcpy(rule->windows, w, n * sizeof *w);
  rule->nwindows = n;
  return true;
}

void ratelimit_format_windows(const ratelimit_rule *rule, char *out, size_t outlen) {
  size_t used = 0;
  snprintf(out, outlen, "0");
  for (size_t i = 0; i < rule->nwindows && used < outlen; i++) {
    int64_t ms = rule->windows[i].period_ms;
    const char *unit = "ms";
    if (ms % 1000 == 0) ms /= 1000, unit = "s";
    int k = snprintf(out + used, outlen - used, "%s%lld/%lld%s", i ? "," : "", (long long)rule->windows[i].limit,
                     (long long)ms, unit);
    if (k < 0) break;
    used += (size_t)k;
  }
}
