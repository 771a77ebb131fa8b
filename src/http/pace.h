/* pace.h: the client's request-rate limiter, shared by every driver: requests spaced evenly at the
 * destination's rate and/or request windows (at most N requests in any S seconds, as Ortto counts).
 * A 429 without a stated wait first teaches it that the server allows no burst (a pause of one
 * interval, then a small safety margin on the spacing, the rate kept); repeated 429s mean real
 * overload (a pause of a second and a lower rate, recovering as calls succeed). Pure: time is
 * passed in, so tests drive it with their own clock. */
#ifndef SEGSHIP_HTTP_PACE_H
#define SEGSHIP_HTTP_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_PACE_MAX_WINDOWS 4
#define HTTP_PACE_WINDOW_MAX 100000 /* requests in one window */
/* Once a server has shown it allows no burst, requests are spaced wider than 1/rate by a margin,
 * so that the jitter between leaving the client and reaching the server's limiter does not make
 * one arrive early: it starts at MARGIN and doubles on each 429 that comes too soon after the last,
 * up to twice MARGIN; past that, dense 429s are overload (docs/exports.md, "Pace").
 * Measured (bench/pace_margin.sh, BENCHMARKS.md): 20,000 new contacts at 25 r/s against a strict
 * limiter, medians of 3, on the 2-core machine with other builds beside (load 3 to 5):
 *   margin                     0%    0.5%  1%    2%    4%    8%
 *   ratio                      1.23  1.48  1.25  1.16  1.07  1.12
 *   429s (of about 210 calls)  32    26    30    23    6     2
 *   the same, a busy loop beside as well:
 *   ratio                      1.45  1.27  1.17  1.20  1.22  1.20
 *   429s                       27    18    22    18    10    9
 * No margin kept 1 429 per 100 calls and x1.05 under that load; idle, 2% did (x1.011, one 429;
 * 100,000 at 5 r/s in 204.3 s). 2% is kept: a wider one costs its width on every run, idle ones
 * included, and doubled it would break x1.05 and the 210 s of 100,000 at 5 r/s by itself. */
#define HTTP_PACE_NO_BURST_MARGIN 0.02
/* SEGSHIP_PACE_MARGIN (a fraction, 0 to 0.5) replaces HTTP_PACE_NO_BURST_MARGIN for one run: a
 * benchmarking knob (bench/pace_margin.sh), read in http_client_new only. */
#define HTTP_PACE_MARGIN_ENV "SEGSHIP_PACE_MARGIN"
#define HTTP_PACE_MARGIN_ENV_MAX 0.5
/* A 429 fewer than this many successful calls after the previous one widens the margin. */
#define HTTP_PACE_OVERLOAD_CALLS 100
/* Once the margin is at its widest, two 429s in a row each fewer than this many successful calls
 * after the previous one are overload: a limiter slower than the rate refuses every other request
 * or so, where the jitter of a loaded machine (a stalled request, the next one arriving too soon
 * after it) refuses one request now and then, which costs one interval, not a second and a lower
 * rate. Measured under load (BENCHMARKS.md): jitter 429s came 5 to 95 calls apart, overload's 1 or 2. */
#define HTTP_PACE_DENSE_CALLS 4

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
  bool no_burst;     /* learned from a 429: the server refuses a request a hair early */
  double margin;     /* once no_burst: requests spaced by (1 + margin) / rate */
  double margin_base; /* the first margin (HTTP_PACE_NO_BURST_MARGIN); it widens to twice that */
  bool seen_429;
  long ok_since_429; /* successful calls since the last 429 */
  int dense_429s;    /* 429s in a row that came fewer than HTTP_PACE_DENSE_CALLS calls after the last */
  http_pace_window windows[HTTP_PACE_MAX_WINDOWS];
  int n_windows;
} http_pace;

void http_pace_init(http_pace *p, double rate, double burst, double now_ms);
/* Replaces the first no-burst margin (for measuring it: bench/pace_margin.sh); 0 to
 * HTTP_PACE_MARGIN_ENV_MAX, before any request. */
void http_pace_set_margin(http_pace *p, double margin);
/* Adds the windows of spec ("200/10s,600/60s"; NULL or "": none). 0, or -1 when memory runs
 * out or spec is not valid (check it first with http_pace_parse_limit). */
int http_pace_set_windows(http_pace *p, const char *spec);
void http_pace_free(http_pace *p);
/* Takes a token if one is there and every window has room: returns 0 (the request is counted as
 * sent now), else the milliseconds until it may be. */
double http_pace_take(http_pace *p, double now_ms);
/* Gives back the last token taken at now_ms (nothing was sent with it after all). */
void http_pace_untake(http_pace *p, double now_ms);
/* A 429 came back. With a stated wait (retry_after_ms > 0): pause that long and lower the rate.
 * Without one: the first 429 (or one after HTTP_PACE_OVERLOAD_CALLS good calls) pauses one
 * interval, keeps the rate and spaces requests with the no-burst margin from then on; a 429 sooner
 * after the previous one doubles the margin (one interval's pause, the rate kept) while it is
 * under twice the first margin; after that, the second of two 429s in a row that each came fewer
 * than HTTP_PACE_DENSE_CALLS calls after the previous is overload (a second's pause, a lower rate),
 * and any other costs an interval. */
void http_pace_throttled(http_pace *p, double now_ms, double retry_after_ms);
/* A call succeeded: the rate creeps back toward the configured one. */
void http_pace_ok(http_pace *p);

/* Reads a --rate-limit: "N" (requests per second, 0: no limit) or a list of windows
 * "N/S[s|m|h],..." (e.g. "200/10s,600/60s"). On success *rate is N (0 for windows) and windows
 * (cap bytes) holds the canonical window list ("" for a plain rate); -1 with a sentence in why. */
int http_pace_parse_limit(const char *text, double *rate, char *windows, size_t cap, char *why, size_t why_cap);

#endif
