/* client.h: the HTTP transport every destination driver shares: a pool of keep-alive connections
 * (libcurl multi, HTTP/1.1) running requests concurrently under the destination's pace (a rate
 * and/or windows), retrying what may be retried, and handing each finished request back to the
 * caller. The API key never leaves this module except in the request header. */
#ifndef SEGSHIP_HTTP_CLIENT_H
#define SEGSHIP_HTTP_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define HTTP_MAX_IN_FLIGHT 16
#define HTTP_MAX_RESPONSE (16u << 20) /* a larger answer is cut and treated as malformed */

typedef struct http_config {
  const char *base_url;  /* e.g. "https://api2.autopilothq.com/v1" (copied) */
  const char *key_header; /* the header that carries the key, e.g. "X-Api-Key" (default "autopilotapikey") */
  const char *api_key;   /* copied into locked memory, wiped on free */
  double rate;           /* requests per second; 0: no limit */
  const char *windows;   /* NULL or "": none; else "N/Ss,..." request windows (see http_pace_windows_parse) */
  /* The wait a 429's body asks for, in ms (0: it says none); NULL: only Retry-After is read. */
  double (*throttle_wait_ms)(const char *body, size_t len);
  int in_flight;         /* concurrent requests (default 4) */
  int max_retries;       /* re-sends after a 5xx, a timeout or a dropped connection (default 5) */
  long timeout_ms;       /* per attempt (default 30000) */
  long connect_timeout_ms; /* (default 10000) */
  double backoff_ms;     /* the first retry's delay before jitter (default 500; doubles each time) */
  int max_throttled;     /* 429s in a row for one request before giving up (default 100) */
  volatile sig_atomic_t *cancel; /* when it becomes nonzero: send nothing new, finish what is in flight */
  long cancel_grace_ms;  /* after a cancel, answers still awaited after this long are abandoned (default 5000) */
} http_config;

typedef enum { HTTP_GET, HTTP_POST, HTTP_DELETE, HTTP_PUT } http_method;

/* One API call. The caller allocates it (http_request_new) and gets it back, finished, in its
 * done callback, where it owns it again. */
typedef struct http_request {
  http_method method;
  char *path;           /* after the base URL, already URL-encoded (owned) */
  char *body;           /* JSON body or NULL (owned) */
  void *user;           /* the caller's */
  int64_t user_tag;     /* the caller's */
  /* results */
  long status;          /* the HTTP status; 0 when no answer came (see error) */
  char *response;       /* the body, NUL-terminated (owned; "" when none) */
  size_t response_len;
  char error[256];      /* why there is no answer: a timeout, a refused or dropped connection */
  bool cancelled;       /* never sent because the run was cancelled */
  int attempts;         /* sends, 429s included */
  int throttled;        /* 429s */
  /* internal */
  double not_before;
  double retry_after_ms;
} http_request;

typedef struct http_stats {
  int64_t calls;        /* HTTP requests sent, retries and 429s included */
  int64_t retries;      /* re-sends after a 5xx, a timeout or a dropped connection */
  int64_t throttled;    /* 429 answers */
  int64_t failures;     /* requests given up after every retry */
} http_stats;

typedef struct http_client http_client;

/* Makes a request for method and path (copied; path must already be URL-encoded) with body
 * (taken: the request frees it). NULL when memory runs out. */
http_request *http_request_new(http_method method, const char *path, char *body);
void http_request_free(http_request *r);

seg_code http_client_new(const http_config *cfg, http_client **out, seg_err *err);
/* Frees the client and wipes its copy of the key. */
void http_client_free(http_client *c);
const http_stats *http_client_stats(const http_client *c);

/* The pipeline. next returns the next request to send, or NULL: with *exhausted set, there
 * will be no more; without, more may come once requests in flight finish. done receives each
 * finished request (2xx, 4xx, or given up after retries with status 0 or 5xx) and owns it; it
 * returns nonzero to stop the run (nothing new is sent; what is in flight still finishes and is
 * handed to done). http_run returns SEG_OK when everything ran, SEG_ECANCEL when cfg->cancel
 * stopped it (requests not sent come back with cancelled set), or an error of its own. */
typedef http_request *(*http_next_fn)(void *ctx, bool *exhausted);
typedef int (*http_done_fn)(void *ctx, http_request *req);
seg_code http_run(http_client *c, http_next_fn next, http_done_fn done, void *ctx, seg_err *err);

/* One request, with the same retries, waiting for it. The request stays the caller's. */
seg_code http_call(http_client *c, http_request *req, seg_err *err);

#endif
