/* pace.c: even spacing (a token bucket of one) that learns a no-burst server from its first 429,
 * multiplicative slow-down on repeated 429s and additive recovery, plus sliding request windows (a
 * ring of send times per window). */
#include "http/pace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

void http_pace_init(http_pace *p, double rate, double burst, double now_ms) {
  memset(p, 0, sizeof *p);
  p->rate = rate > 0 ? rate : 0;
  p->current = p->rate;
  p->burst = burst >= 1 ? burst : 1;
  p->tokens = p->burst;
  p->last_ms = now_ms;
  p->hold_until = 0;
  p->margin_base = HTTP_PACE_NO_BURST_MARGIN;
}

void http_pace_set_margin(http_pace *p, double margin) {
  if (margin >= 0 && margin <= HTTP_PACE_MARGIN_ENV_MAX) p->margin_base = margin;
}

/* Parses one "N/S[unit]" window; 0 on success. */
static int parse_window(const char *s, size_t len, int *limit, double *span_ms) {
  char tmp[64];
  if (len == 0 || len >= sizeof tmp) return -1;
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  char *end;
  long n = strtol(tmp, &end, 10);
  if (end == tmp || *end != '/' || n < 1 || n > HTTP_PACE_WINDOW_MAX) return -1;
  char *q = end + 1;
  double span = strtod(q, &end);
  if (end == q || !(span > 0) || !isfinite(span)) return -1;
  double unit = 1000.0;
  if (strcmp(end, "s") == 0 || *end == '\0') unit = 1000.0;
  else if (strcmp(end, "ms") == 0) unit = 1.0;
  else if (strcmp(end, "m") == 0) unit = 60000.0;
  else if (strcmp(end, "h") == 0) unit = 3600000.0;
  else return -1;
  if (span * unit < 1 || span * unit > 86400000.0) return -1;
  *limit = (int)n;
  *span_ms = span * unit;
  return 0;
}

int http_pace_parse_limit(const char *text, double *rate, char *windows, size_t cap, char *why, size_t why_cap) {
  *rate = 0;
  if (cap) windows[0] = '\0';
  if (!text || !*text) {
    snprintf(why, why_cap, "--rate-limit needs a value: N requests per second, or windows such as 200/10s,600/60s");
    return -1;
  }
  if (!strchr(text, '/')) {
    char *end;
    double r = strtod(text, &end);
    if (end == text || *end || !(r >= 0) || r > 10000) {
      snprintf(why, why_cap, "--rate-limit '%.*s' is not a number of requests per second (0 to 10000) nor windows "
               "such as 200/10s,600/60s", (int)text_utf8_prefix(text, strlen(text), 60), text);
      return -1;
    }
    *rate = r;
    return 0;
  }
  size_t used = 0;
  int count = 0;
  for (const char *p = text; *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    int limit;
    double span;
    if (parse_window(p, len, &limit, &span) != 0) {
      snprintf(why, why_cap, "--rate-limit: '%.*s' is not a window; write N/S with S in seconds, such as 200/10s "
               "(at most %d requests a window)", (int)(len > 40 ? 40 : len), p, HTTP_PACE_WINDOW_MAX);
      return -1;
    }
    if (++count > HTTP_PACE_MAX_WINDOWS) {
      snprintf(why, why_cap, "--rate-limit takes at most %d windows", HTTP_PACE_MAX_WINDOWS);
      return -1;
    }
    int w = snprintf(windows + used, cap - used, "%s%d/%gs", used ? "," : "", limit, span / 1000.0);
    if (w < 0 || (size_t)w >= cap - used) {
      snprintf(why, why_cap, "--rate-limit is too long");
      return -1;
    }
    used += (size_t)w;
    p += len;
    if (*p == ',' && !*++p) {
      snprintf(why, why_cap, "--rate-limit ends with a comma; write windows such as 200/10s,600/60s");
      return -1;
    }
  }
  return 0;
}

int http_pace_set_windows(http_pace *p, const char *spec) {
  if (!spec || !*spec) return 0;
  for (const char *s = spec; *s;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    int limit;
    double span;
    if (p->n_windows == HTTP_PACE_MAX_WINDOWS || parse_window(s, len, &limit, &span) != 0) return -1;
    http_pace_window *w = &p->windows[p->n_windows];
    w->sent = malloc((size_t)limit * sizeof *w->sent);
    if (!w->sent) return -1;
    w->limit = limit;
    w->span_ms = span;
    w->head = w->n = 0;
    p->n_windows++;
    s += len;
    if (*s == ',') s++;
  }
  return 0;
}

void http_pace_free(http_pace *p) {
  for (int i = 0; i < p->n_windows; i++) free(p->windows[i].sent);
  p->n_windows = 0;
}

/* The rate requests are released at: the rate in force, less the margin once no burst is allowed. */
static double spacing_rate(const http_pace *p) {
  return p->current / (1.0 + (p->no_burst ? p->margin : 0));
}

static void refill(http_pace *p, double now_ms) {
  if (now_ms > p->last_ms) {
    p->tokens += (now_ms - p->last_ms) / 1000.0 * spacing_rate(p);
    /* Until the server has shown it allows no burst, one token more than the burst may gather, so
     * that a request released late (a loaded machine wakes late) does not push back all the rest:
     * the next one catches up. Without burst, spacing is kept from the actual release instead. */
    double cap = p->no_burst ? p->burst : p->burst + 1;
    if (p->tokens > cap) p->tokens = cap;
    p->last_ms = now_ms;
  }
}

/* Forgets the sends that left the window; the ms until the window has room (0: it has). */
static double window_wait(http_pace_window *w, double now_ms) {
  while (w->n > 0 && w->sent[w->head] + w->span_ms <= now_ms) {
    w->head = (w->head + 1) % w->limit;
    w->n--;
  }
  if (w->n < w->limit) return 0;
  double wait = w->sent[w->head] + w->span_ms - now_ms;
  return wait < 1 ? 1 : wait;
}

double http_pace_take(http_pace *p, double now_ms) {
  if (now_ms < p->hold_until) return p->hold_until - now_ms;
  double wait = 0;
  for (int i = 0; i < p->n_windows; i++) {
    double w = window_wait(&p->windows[i], now_ms);
    if (w > wait) wait = w;
  }
  if (wait > 0) return wait;
  if (p->rate > 0) {
    refill(p, now_ms);
    if (p->tokens < 1.0 - 1e-9) { /* within rounding of a whole token: it is one */
      double t = (1.0 - p->tokens) / spacing_rate(p) * 1000.0;
      return t < 1 ? 1 : t;
    }
    p->tokens = p->tokens > 1.0 ? p->tokens - 1.0 : 0;
  }
  for (int i = 0; i < p->n_windows; i++) {
    http_pace_window *w = &p->windows[i];
    w->sent[(w->head + w->n) % w->limit] = now_ms;
    w->n++;
  }
  return 0;
}

void http_pace_untake(http_pace *p, double now_ms) {
  if (p->rate > 0) p->tokens += 1;
  for (int i = 0; i < p->n_windows; i++) {
    http_pace_window *w = &p->windows[i];
    if (w->n > 0 && w->sent[(w->head + w->n - 1) % w->limit] == now_ms) w->n--;
  }
}

void http_pace_throttled(http_pace *p, double now_ms, double retry_after_ms) {
  bool repeated = p->seen_429 && p->ok_since_429 < HTTP_PACE_OVERLOAD_CALLS;
  if (p->seen_429 && p->ok_since_429 < HTTP_PACE_DENSE_CALLS) p->dense_429s++;
  else p->dense_429s = 0;
  p->seen_429 = true;
  p->ok_since_429 = 0;
  double widest = 2 * p->margin_base;
  if (retry_after_ms <= 0 && p->rate > 0 && (!p->no_burst || p->dense_429s < 2 || p->margin < widest)) {
    /* Early by a hair against a limiter without burst: wait one interval, keep the rate, and
     * space requests with a margin from now on (a wider one if the last did not do). */
    refill(p, now_ms);
    if (!p->no_burst) {
      p->no_burst = true;
      p->margin = p->margin_base;
    } else if (repeated) {
      p->margin = fmin(2 * p->margin, widest);
    }
    p->tokens = 0;
    double pause = 1000.0 / spacing_rate(p);
    if (now_ms + pause > p->hold_until) p->hold_until = now_ms + pause;
    return;
  }
  double pause = retry_after_ms > 0 ? retry_after_ms : 1000.0;
  if (now_ms + pause > p->hold_until) p->hold_until = now_ms + pause;
  if (p->rate > 0) {
    refill(p, now_ms);
    p->current *= 0.7;
    if (p->current < p->rate * 0.2) p->current = p->rate * 0.2;
    p->tokens = 0;
  }
}

void http_pace_ok(http_pace *p) {
  p->ok_since_429++;
  if (p->rate > 0 && p->current < p->rate) {
    p->current += p->rate * 0.02;
    if (p->current > p->rate) p->current = p->rate;
  }
}
