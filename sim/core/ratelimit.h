/* ratelimit.h: the limiter of one API key, of one of two kinds: a token bucket (`rate` tokens a
 * second, at most `burst` saved up) or fixed windows (at most N requests per window of T, for
 * each window given, as Ortto counts). */
#ifndef SIM_RATELIMIT_H
#define SIM_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_MAX_WINDOWS 4

typedef enum { RATELIMIT_BUCKET, RATELIMIT_WINDOW } ratelimit_kind;

/* "At most limit requests per period_ms": windows start at whole multiples of period_ms on the
 * clock. */
typedef struct ratelimit_window {
  int64_t limit;
  int64_t period_ms;
} ratelimit_window;

/* What a limiter enforces (from the settings). */
typedef struct ratelimit_rule {
  ratelimit_kind kind;
  double rate;  /* bucket: tokens per second; 0: no limit */
  double burst; /* bucket: its size, >= 1 */
  ratelimit_window windows[RATELIMIT_MAX_WINDOWS]; /* window: none means no limit */
  size_t nwindows;
} ratelimit_rule;

/* One key's state under its rule. */
typedef struct ratelimit {
  double tokens;
  int64_t last_ns;                              /* bucket: the time of the last refill */
  int64_t window_index[RATELIMIT_MAX_WINDOWS];  /* window: which window the count is of */
  int64_t window_count[RATELIMIT_MAX_WINDOWS];
} ratelimit;

/* Starts afresh at now_ns: a full bucket, empty windows. */
void ratelimit_reset(ratelimit *rl, const ratelimit_rule *rule, int64_t now_ns);
/* Admits one request at now_ns (true) or refuses it (false, nothing counted); on refusal
 * *retry_ms (when not NULL) gets how long until it would be admitted, at least 1. */
bool ratelimit_take(ratelimit *rl, const ratelimit_rule *rule, int64_t now_ns, int64_t *retry_ms);
/* Parses "200/10s,600/60s" (units ms, s, m, h; at most RATELIMIT_MAX_WINDOWS) or "0" (none) into
 * rule's windows. false with a sentence in err (rule unchanged) when malformed. */
bool ratelimit_parse_windows(ratelimit_rule *rule, const char *text, char *err, size_t errlen);
/* Writes the windows back as text ("200/10s,600/60s", "0" for none) into out (outlen bytes). */
void ratelimit_format_windows(const ratelimit_rule *rule, char *out, size_t outlen);
/* Monotonic clock in nanoseconds. */
int64_t ratelimit_now_ns(void);

#endif
