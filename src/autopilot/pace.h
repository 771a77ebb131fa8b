/* pace.h: the client's request-rate limiter: a token bucket at the destination's rate that slows
 * down when the server answers 429 and recovers as calls succeed. Pure: time is passed in. */
#ifndef SEGSHIP_AUTOPILOT_PACE_H
#define SEGSHIP_AUTOPILOT_PACE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ap_pace {
  double rate;       /* configured requests per second; 0: unlimited */
  double current;    /* the rate in force (lowered after 429s) */
  double burst;      /* bucket size in requests */
  double tokens;
  double last_ms;    /* when tokens were last refilled */
  double hold_until; /* no request before this (a Retry-After, or a pause after a 429) */
} ap_pace;

void ap_pace_init(ap_pace *p, double rate, double burst, double now_ms);
/* Takes a token if one is there: returns 0, else the milliseconds until one will be. */
double ap_pace_take(ap_pace *p, double now_ms);
/* A 429 came back: pause (retry_after_ms if the server said, else a second) and lower the rate. */
void ap_pace_throttled(ap_pace *p, double now_ms, double retry_after_ms);
/* A call succeeded: the rate creeps back toward the configured one. */
void ap_pace_ok(ap_pace *p);

#endif
