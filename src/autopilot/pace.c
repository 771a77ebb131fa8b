/* pace.c: token bucket with multiplicative slow-down on 429 and additive recovery. */
#include "autopilot/pace.h"

void ap_pace_init(ap_pace *p, double rate, double burst, double now_ms) {
  p->rate = rate > 0 ? rate : 0;
  p->current = p->rate;
  p->burst = burst >= 1 ? burst : 1;
  p->tokens = p->burst;
  p->last_ms = now_ms;
  p->hold_until = 0;
}

static void refill(ap_pace *p, double now_ms) {
  if (now_ms > p->last_ms) {
    p->tokens += (now_ms - p->last_ms) / 1000.0 * p->current;
    if (p->tokens > p->burst) p->tokens = p->burst;
    p->last_ms = now_ms;
  }
}

double ap_pace_take(ap_pace *p, double now_ms) {
  if (now_ms < p->hold_until) return p->hold_until - now_ms;
  if (p->rate == 0) return 0;
  refill(p, now_ms);
  if (p->tokens >= 1.0) {
    p->tokens -= 1.0;
    return 0;
  }
  double wait = (1.0 - p->tokens) / p->current * 1000.0;
  return wait < 1 ? 1 : wait;
}

void ap_pace_throttled(ap_pace *p, double now_ms, double retry_after_ms) {
  double pause = retry_after_ms > 0 ? retry_after_ms : 1000.0;
  if (now_ms + pause > p->hold_until) p->hold_until = now_ms + pause;
  if (p->rate > 0) {
    refill(p, now_ms);
    p->current *= 0.7;
    if (p->current < p->rate * 0.2) p->current = p->rate * 0.2;
    p->tokens = 0;
  }
}

void ap_pace_ok(ap_pace *p) {
  if (p->rate > 0 && p->current < p->rate) {
    p->current += p->rate * 0.02;
    if (p->current > p->rate) p->current = p->rate;
  }
}
