/* ratelimit.c: continuous-refill token bucket. */
#include "ratelimit.h"

#include <time.h>

int64_t ratelimit_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ratelimit_reset(ratelimit *rl, double burst, int64_t now_ns) {
  rl->tokens = burst;
  rl->last_ns = now_ns;
}

bool ratelimit_take(ratelimit *rl, double rate, double burst, int64_t now_ns) {
  if (rate <= 0) return true;
  if (now_ns > rl->last_ns) {
    rl->tokens += rate * (double)(now_ns - rl->last_ns) / 1e9;
    if (rl->tokens > burst) rl->tokens = burst;
    rl->last_ns = now_ns;
  }
  /* The sums of fractions drift by a few ulps (0.1 + 0.2): a token whole to 1e-9 is whole. */
  if (rl->tokens < 1.0 - 1e-9) return false;
  if (rl->tokens < 1.0) rl->tokens = 1.0;
  rl->tokens -= 1.0;
  return true;
}
