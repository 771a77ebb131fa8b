/* client.c: the request pipeline over libcurl multi, shared by the drivers: pacing, keep-alive,
 * retries, 429s. */
#include "http/client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/pace.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

typedef struct slot {
  CURL *easy;
  http_request *req;
  buf response;
  bool busy;
} slot;

struct http_client {
  http_config cfg;
  char *base_url;
  char *key_header;          /* "<header>: <key>" in locked memory */
  size_t key_off;            /* where the key starts in key_header; 0 until it is registered for redaction */
  struct curl_slist *headers_json, *headers_plain;
  CURLM *multi;
  slot slots[HTTP_MAX_IN_FLIGHT];
  int n_slots, busy;
  http_pace pace;
  http_request **waiting;      /* requests waiting to be retried, each with its not_before */
  size_t n_waiting, cap_waiting;
  http_stats stats;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static double now_ms(void) { return clock_mono_s() * 1000.0; }

http_request *http_request_new(http_method method, const char *path, char *body) {
  http_request *r = calloc(1, sizeof *r);
  if (!r) {
    free(body);
    return NULL;
  }
  r->method = method;
  r->path = strdup(path);
  r->body = body;
  if (!r->path) {
    free(body);
    free(r);
    return NULL;
  }
  return r;
}

void http_request_free(http_request *r) {
  if (!r) return;
  free(r->path);
  free(r->body);
  free(r->response);
  free(r);
}

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  slot *sl = ud;
  size_t len = size * n;
  if (sl->response.len + len > HTTP_MAX_RESPONSE) return 0; /* aborts the transfer: too large */
  return buf_append(&sl->response, data, len) == 0 ? len : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  slot *sl = ud;
  size_t len = size * n;
  if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0 && sl->req) {
    double secs = strtod(data + 12, NULL);
    if (secs > 0 && secs < 3600) sl->req->retry_after_ms = secs * 1000.0;
  }
  return len;
}

seg_code http_client_new(const http_config *cfg, http_client **out, seg_err *err) {
  *out = NULL;
  pthread_once(&curl_once, curl_init_once);
  http_client *c = calloc(1, sizeof *c);
  if (!c) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  c->cfg = *cfg;
  if (c->cfg.in_flight <= 0) c->cfg.in_flight = 4;
  if (c->cfg.in_flight > HTTP_MAX_IN_FLIGHT) c->cfg.in_flight = HTTP_MAX_IN_FLIGHT;
  if (c->cfg.max_retries < 0) c->cfg.max_retries = 0;
  if (c->cfg.max_retries == 0 && cfg->max_retries == 0) c->cfg.max_retries = 5;
  if (c->cfg.timeout_ms <= 0) c->cfg.timeout_ms = 30000;
  if (c->cfg.connect_timeout_ms <= 0) c->cfg.connect_timeout_ms = 10000;
  if (c->cfg.backoff_ms <= 0) c->cfg.backoff_ms = 500;
  if (c->cfg.max_throttled <= 0) c->cfg.max_throttled = 100;
  if (c->cfg.cancel_grace_ms <= 0) c->cfg.cancel_grace_ms = 5000;
  size_t bl = strlen(cfg->base_url);
  while (bl && cfg->base_url[bl - 1] == '/') bl--;
  c->base_url = strndup(cfg->base_url, bl);
  const char *hname = cfg->key_header && cfg->key_header[0] ? cfg->key_header : "autopilotapikey";
  size_t kl = strlen(cfg->api_key) + strlen(hname) + sizeof ": ";
  c->key_header = sodium_malloc(kl);
  c->multi = curl_multi_init();
  if (!c->base_url || !c->key_header || !c->multi) {
    http_client_free(c);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  snprintf(c->key_header, kl, "%s: %s", hname, cfg->api_key);
  log_add_secret(cfg->api_key);
  c->key_off = strlen(hname) + 2;
  c->cfg.base_url = c->base_url;
  c->cfg.api_key = NULL;
  c->cfg.key_header = NULL;
  c->cfg.windows = NULL;
  /* Header lists are built once; curl copies the strings. */
  c->headers_plain = curl_slist_append(NULL, c->key_header);
  c->headers_plain = curl_slist_append(c->headers_plain, "Accept: application/json");
  c->headers_plain = curl_slist_append(c->headers_plain, "Expect:");
  c->headers_json = curl_slist_append(NULL, c->key_header);
  c->headers_json = curl_slist_append(c->headers_json, "Accept: application/json");
  c->headers_json = curl_slist_append(c->headers_json, "Content-Type: application/json");
  c->headers_json = curl_slist_append(c->headers_json, "Expect:");
  /* HTTP/1.1 only: no waiting for a connection to multiplex on; each request in flight gets its
   * own keep-alive connection. */
  curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
  curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->cfg.in_flight);
  curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->cfg.in_flight);
  c->n_slots = c->cfg.in_flight;
  for (int i = 0; i < c->n_slots; i++) {
    slot *sl = &c->slots[i];
    sl->easy = curl_easy_init();
    buf_init(&sl->response, HTTP_MAX_RESPONSE);
    if (!sl->easy) {
      http_client_free(c);
      return seg_err_set(err, SEG_ENOMEM, "cannot start an HTTP client");
    }
  }
  http_pace_init(&c->pace, c->cfg.rate, 1, now_ms());
  /* The benchmarking knob that replaces the no-burst margin (bench/pace_margin.sh measures it). */
  const char *margin = getenv(HTTP_PACE_MARGIN_ENV);
  if (margin && *margin) {
    char *end;
    double m = strtod(margin, &end);
    if (end == margin || *end || !(m >= 0 && m <= HTTP_PACE_MARGIN_ENV_MAX)) {
      http_client_free(c);
      return seg_err_set(err, SEG_EINVAL,
                         "%s is not a fraction from 0 to %g (such as 0.02); it is a benchmarking knob: unset it",
                         HTTP_PACE_MARGIN_ENV, HTTP_PACE_MARGIN_ENV_MAX);
    }
    http_pace_set_margin(&c->pace, m);
  }
  if (http_pace_set_windows(&c->pace, cfg->windows) != 0) {
    http_client_free(c);
    return seg_err_set(err, SEG_EINVAL, "the rate windows '%s' are not valid; set them again with --rate-limit",
                       cfg->windows);
  }
  *out = c;
  return SEG_OK;
}

/* curl_slist_append copied the key header into the list: wipe every entry before it is freed. */
static void wipe_free_headers(struct curl_slist *h) {
  for (struct curl_slist *p = h; p; p = p->next)
    if (p->data) sodium_memzero(p->data, strlen(p->data));
  curl_slist_free_all(h);
}

void http_client_free(http_client *c) {
  if (!c) return;
  for (int i = 0; i < c->n_slots; i++) {
    slot *sl = &c->slots[i];
    if (sl->easy) {
      if (sl->busy) curl_multi_remove_handle(c->multi, sl->easy);
      curl_easy_cleanup(sl->easy);
    }
    buf_free(&sl->response);
    http_request_free(sl->req);
  }
  for (size_t i = 0; i < c->n_waiting; i++) http_request_free(c->waiting[i]);
  free(c->waiting);
  if (c->multi) curl_multi_cleanup(c->multi);
  http_pace_free(&c->pace);
  wipe_free_headers(c->headers_json);
  wipe_free_headers(c->headers_plain);
  if (c->key_header) {
    if (c->key_off) log_forget_secret(c->key_header + c->key_off); /* issue 11: no longer in use */
    sodium_free(c->key_header); /* sodium_free wipes it */
  }
  free(c->base_url);
  free(c);
}

const http_stats *http_client_stats(const http_client *c) { return &c->stats; }

static void start(http_client *c, slot *sl, http_request *r) {
  char *url = NULL; /* as long as it needs to be: a URL is never cut */
  if (asprintf(&url, "%s%s", c->base_url, r->path) < 0) url = NULL;
  CURL *e = sl->easy;
  curl_easy_reset(e);
  curl_easy_setopt(e, CURLOPT_URL, url ? url : ""); /* curl copies it; "" fails the request (out of memory) */
  free(url);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->cfg.timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, sl);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, sl);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "segship/0.1");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->body ? c->headers_json : c->headers_plain);
  switch (r->method) {
    case HTTP_GET:
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
      break;
    case HTTP_POST:
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(r->body ? strlen(r->body) : 0));
      break;
    case HTTP_DELETE:
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
    case HTTP_PUT:
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(r->body ? strlen(r->body) : 0));
      break;
  }
  buf_reset(&sl->response);
  r->retry_after_ms = 0;
  r->attempts++;
  sl->req = r;
  sl->busy = true;
  c->busy++;
  c->stats.calls++;
  curl_multi_add_handle(c->multi, e);
}

static int wait_push(http_client *c, http_request *r) {
  if (c->n_waiting == c->cap_waiting) {
    size_t cap = c->cap_waiting ? c->cap_waiting * 2 : 16;
    http_request **w = realloc(c->waiting, cap * sizeof *w);
    if (!w) return -1;
    c->waiting = w;
    c->cap_waiting = cap;
  }
  c->waiting[c->n_waiting++] = r;
  return 0;
}

/* The waiting request that is due first, removed from the queue if it is due by now. */
static http_request *wait_pop_due(http_client *c, double now, double *next_due) {
  size_t best = c->n_waiting;
  for (size_t i = 0; i < c->n_waiting; i++)
    if (best == c->n_waiting || c->waiting[i]->not_before < c->waiting[best]->not_before) best = i;
  if (best == c->n_waiting) return NULL;
  if (c->waiting[best]->not_before > now) {
    if (c->waiting[best]->not_before < *next_due) *next_due = c->waiting[best]->not_before;
    return NULL;
  }
  http_request *r = c->waiting[best];
  c->waiting[best] = c->waiting[--c->n_waiting];
  return r;
}

static double backoff(const http_client *c, int attempt) {
  double d = c->cfg.backoff_ms;
  for (int i = 1; i < attempt && d < 30000; i++) d *= 2;
  if (d > 30000) d = 30000;
  return d / 2 + (double)randombytes_uniform((uint32_t)(d / 2) + 1); /* jitter over the upper half */
}

/* Decides what a finished attempt means: 1 handed to done, 0 queued again. */
static int finish(http_client *c, slot *sl, CURLcode result, http_done_fn done, void *ctx, int *stop) {
  http_request *r = sl->req;
  sl->req = NULL;
  sl->busy = false;
  c->busy--;
  long status = 0;
  if (result == CURLE_OK) curl_easy_getinfo(sl->easy, CURLINFO_RESPONSE_CODE, &status);
  double now = now_ms();
  r->status = status;
  if (status == 429) {
    c->stats.throttled++;
    r->throttled++;
    if (r->retry_after_ms <= 0 && c->cfg.throttle_wait_ms) {
      double w = c->cfg.throttle_wait_ms(sl->response.data ? sl->response.data : "", sl->response.len);
      if (w > 0 && w < 3600 * 1000.0) r->retry_after_ms = w;
    }
    http_pace_throttled(&c->pace, now, r->retry_after_ms);
    if (r->throttled < c->cfg.max_throttled) {
      r->not_before = c->pace.hold_until;
      if (wait_push(c, r) == 0) return 0;
    }
  } else if (status >= 500 || status == 0) {
    int retries_done = r->attempts - r->throttled - 1;
    if (retries_done < c->cfg.max_retries) {
      c->stats.retries++;
      r->not_before = now + backoff(c, retries_done + 1);
      if (wait_push(c, r) == 0) return 0;
    }
    c->stats.failures++;
  } else {
    http_pace_ok(&c->pace);
  }
  if (status == 0)
    snprintf(r->error, sizeof r->error, "%s", result == CURLE_OK ? "no answer" : curl_easy_strerror(result));
  else
    r->error[0] = '\0';
  free(r->response);
  r->response_len = sl->response.len;
  r->response = buf_detach(&sl->response);
  if (done(ctx, r)) *stop = 1;
  return 1;
}

/* Hands every finished transfer to finish(); returns how many there were. */
static int drain(http_client *c, http_done_fn done, void *ctx, int *stop) {
  int n = 0;
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(c->multi, &left))) {
    if (m->msg != CURLMSG_DONE) continue;
    CURL *e = m->easy_handle;
    CURLcode result = m->data.result;
    curl_multi_remove_handle(c->multi, e);
    for (int i = 0; i < c->n_slots; i++)
      if (c->slots[i].easy == e && c->slots[i].busy) {
        finish(c, &c->slots[i], result, done, ctx, stop);
        n++;
        break;
      }
  }
  return n;
}

seg_code http_run(http_client *c, http_next_fn next, http_done_fn done, void *ctx, seg_err *err) {
  bool exhausted = false;
  int stop = 0;
  bool cancelled = false;
  double cancelled_at = 0;
  for (;;) {
    if (c->cfg.cancel && *c->cfg.cancel && !cancelled) {
      cancelled = true;
      cancelled_at = now_ms();
    }
    double now = now_ms();
    if (cancelled && c->busy > 0 && now - cancelled_at > (double)c->cfg.cancel_grace_ms) {
      /* Shutting down: stop waiting. These may have been applied; the caller treats them as not
       * confirmed, and upserts are safe to send again. */
      for (int i = 0; i < c->n_slots; i++) {
        slot *sl = &c->slots[i];
        if (!sl->busy) continue;
        curl_multi_remove_handle(c->multi, sl->easy);
        http_request *r = sl->req;
        sl->req = NULL;
        sl->busy = false;
        c->busy--;
        r->status = 0;
        snprintf(r->error, sizeof r->error, "no answer before shutdown");
        free(r->response);
        r->response = calloc(1, 1);
        r->response_len = 0;
        done(ctx, r);
      }
      continue;
    }
    double next_due = now + 100;
    /* Start what may start: due retries first, then new requests, within the pace. */
    while (!cancelled && !stop && c->busy < c->n_slots) {
      double wait = http_pace_take(&c->pace, now);
      if (wait > 0) {
        if (now + wait < next_due) next_due = now + wait;
        break;
      }
      http_request *r = wait_pop_due(c, now, &next_due);
      if (!r && !exhausted) r = next(ctx, &exhausted);
      if (!r) {
        http_pace_untake(&c->pace, now); /* nothing to send: give the token back */
        break;
      }
      slot *sl = NULL;
      for (int i = 0; i < c->n_slots; i++)
        if (!c->slots[i].busy) {
          sl = &c->slots[i];
          break;
        }
      start(c, sl, r);
    }
    if (c->busy == 0) {
      bool more = !exhausted && !stop && !cancelled;
      if (cancelled || stop || (c->n_waiting == 0 && !more)) break;
      if (c->n_waiting == 0 && more) {
        /* nothing in flight and the source waits for completions that cannot come */
        http_request *r = next(ctx, &exhausted);
        if (!r) {
          if (exhausted) break;
          return seg_err_set(err, SEG_EINTERNAL, "the request source stalled with nothing in flight");
        }
        if (wait_push(c, r) != 0) return seg_err_set(err, SEG_ENOMEM, "out of memory");
        r->not_before = 0;
        continue;
      }
    }
    int timeout = (int)(next_due - now_ms());
    if (timeout < 0) timeout = 0;
    if (timeout > 100) timeout = 100;
    /* Drive the transfers; wait only when none finished (on loopback a whole exchange often
     * completes inside one perform, and waiting then would idle for the full timeout). */
    int running;
    curl_multi_perform(c->multi, &running);
    if (drain(c, done, ctx, &stop) == 0) {
      if (c->busy > 0) {
        curl_multi_poll(c->multi, NULL, 0, timeout, NULL);
      } else if (timeout > 0) {
        struct timespec ts = {0, (long)timeout * 1000000L};
        nanosleep(&ts, NULL);
      }
      curl_multi_perform(c->multi, &running);
      drain(c, done, ctx, &stop);
    }
  }
  /* Hand back what was never sent. */
  while (c->n_waiting) {
    http_request *r = c->waiting[--c->n_waiting];
    r->cancelled = true;
    r->status = 0;
    snprintf(r->error, sizeof r->error, "not sent: the run stopped");
    done(ctx, r);
  }
  return cancelled ? seg_err_set(err, SEG_ECANCEL, "cancelled") : SEG_OK;
}

typedef struct one {
  http_request *req;
  bool given;
  bool back;
} one;

static http_request *one_next(void *ctx, bool *exhausted) {
  one *o = ctx;
  *exhausted = true;
  if (o->given) return NULL;
  o->given = true;
  return o->req;
}

static int one_done(void *ctx, http_request *r) {
  ((one *)ctx)->back = true;
  return 0;
}

seg_code http_call(http_client *c, http_request *req, seg_err *err) {
  one o = {.req = req};
  req->attempts = req->throttled = 0;
  seg_code rc = http_run(c, one_next, one_done, &o, err);
  if (!o.back && rc == SEG_OK) rc = seg_err_set(err, SEG_EINTERNAL, "the request did not come back");
  return rc;
}
