/* ratelimit.h: a token bucket per API key: `rate` tokens a second, at most `burst` saved up. */
#ifndef SIM_RATELIMIT_H
#define SIM_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ratelimit {
  double tokens;
  int64_t last_ns; /* monotonic time of the last refill */
} ratelimit;

/* Fills the bucket to burst as of now_ns. */
void ratelimit_reset(ratelimit *rl, double burst, int64_t now_ns);
/* Refills continuously (rate * elapsed seconds, capped at burst) then takes one token if there is
 * a whole one. Returns true when the request is admitted. rate 0 admits everything. */
bool ratelimit_take(ratelimit *rl, double rate, double burst, int64_t now_ns);
/* Monotonic clock in nanoseconds. */
int64_t ratelimit_now_ns(void);

#endif
