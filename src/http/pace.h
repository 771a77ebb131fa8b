/* pace.h: the client's request-rate limiter, shared by every driver: a token bucket at the
 * destination's rate and/or request windows (at most N requests in any S seconds, as Ortto counts),
 * slowing down when the server answers 429 and recovering as calls succeed. Pure: time is passed
 * in, so tests drive it with their own clock. */
#ifndef SEGSHIP_HTTP_PACE_H
#define SEGSHIP_HTTP_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_PACE_MAX_WINDOWS 4
#define HTTP_PACE_WINDOW_MAX 100000 /* requests in one window */

typedef struct http_pace_window {
  int limit;         /* at most this many requests ... */
  double span_ms;    /* ... in any span of this length */
  double *sent;      /* a ring of the last `limit` send times (owned) */
  int head, n;
} http_pace_window;

typedef struct http_pace {
  double rate;       /* configured requests per second; 0: unlimited */
  double current;    /* the rate in force (lowered after 429s) */
  double burst;      /* bucket size in requests */
  double tokens;
  double last_ms;    /* when tokens were last refilled */
  double hold_until; /* no request before this (a Retry-After, or a pause after a 429) */
  http_pace_window windows[HTTP_PACE_MAX_WINDOWS];
  int n_windows;
} http_pace;

void http_pace_init(http_pace *p, double rate, double burst, double now_ms);
/* Adds the windows of spec ("200/10s,600/60s"; NULL or "": none). 0, or -1 when memory runs
 * out or spec is not valid (check it first with http_pace_parse_limit). */
int http_pace_set_windows(http_pace *p, const char *spec);
void http_pace_free(http_pace *p);
/* Takes a token if one is there and every window has room: returns 0 (the request is counted as
 * sent now), else the milliseconds until it may be. */
double http_pace_take(http_pace *p, double now_ms);
/* Gives back the last token taken at now_ms (nothing was sent with it after all). */
void http_pace_untake(http_pace *p, double now_ms);
/* A 429 came back: pause (retry_after_ms if the server said, else a second) and lower the rate. */
void http_pace_throttled(http_pace *p, double now_ms, double retry_after_ms);
/* A call succeeded: the rate creeps back toward the configured one. */
void http_pace_ok(http_pace *p);

/* Reads a --rate-limit: "N" (requests per second, 0: no limit) or a list of windows
 * "N/S[s|m|h],..." (e.g. "200/10s,600/60s"). On success *rate is N (0 for windows) and windows
 * (cap bytes) holds the canonical window list ("" for a plain rate); -1 with a sentence in why. */
int http_pace_parse_limit(const char *text, double *rate, char *windows, size_t cap, char *why, size_t why_cap);

#endif
