/* server.c: the libmicrohttpd glue: per-request state, the order of checks (route, size, ban,
 * key, rate, fault), bodies, answers, parked slow answers, and the event loop. The API (sim_api)
 * routes, words the refusals and runs the handlers. */
#include "server.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "control.h"
#include "mem.h"
#include "ratelimit.h"

#define SERVER_MAX_CONTROL_BODY (10u * 1024 * 1024) /* the control endpoints' bodies */

typedef enum { FAULT_NONE, FAULT_FAIL, FAULT_SLOW, FAULT_DROP } server_fault;

/* One HTTP request, from its headers to its answer (MHD's per-request closure). */
typedef struct server_request {
  char method[16];
  bool control;  /* a /__sim request */
  bool counted;  /* a /v1 request: its answer is counted in the stats */
  bool decided;  /* the answer was settled from the headers: the body is read and dropped */
  bool parked;   /* a slow answer waiting for its timer */
  http_response response;
  sim_account *account;
  http_path path;
  bool path_ok;
  char path_error[128];
  http_match match;
  server_fault fault;
  char *control_path; /* owned */
  char *control_key;  /* owned, decoded ?key= */
  char *body;         /* owned; NUL-terminated */
  size_t len, cap;
  bool too_large;
  size_t max_body; /* the API's, or the control endpoints' */
} server_request;

typedef struct server_timer {
  int64_t due_ns;
  struct MHD_Connection *connection;
} server_timer;

struct server {
  sim *sim;
  struct MHD_Daemon *daemon;
  int epoll_fd;
  server_timer *timers; /* parked slow answers; few at a time */
  size_t ntimers, captimers;
};

/* ---------------------------------------------------------------- answers */

static enum MHD_Result server_queue(server *srv, struct MHD_Connection *conn, server_request *rq) {
  http_response *r = &rq->response;
  size_t len;
  char *body = jsonbuf_detach(&r->body, &len);
  struct MHD_Response *resp;
  if (len) {
    resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
  } else {
    free(body);
    resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  }
  if (!resp) return MHD_NO;
  if (len) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
  if (r->allow[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
  if (rq->counted) {
    stats_count_status(&srv->sim->stats, r->status);
    if (r->status >= 400 && r->status < 500 && r->status != 429) sim_count_bad(srv->sim, sim_clock_ns(srv->sim));
  }
  enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* Settles the answer before the body is read (the body is then read and dropped): a refusal
 * worded by the API, or (control) by http_error. */
static void server_refuse(server *srv, server_request *rq, sim_refusal why, const char *detail, int64_t retry_ms) {
  srv->sim->api->refuse(srv->sim, why, detail, retry_ms, &rq->response);
  rq->decided = true;
}

static void server_decide(server_request *rq, int status, const char *message) {
  http_error(&rq->response, status, "%s", message);
  rq->decided = true;
}

/* ---------------------------------------------------------------- the first call: headers */

/* The sentence of a body over max bytes ("... larger than 10 MB."). */
static void server_too_large(size_t max, char *out, size_t outlen) {
  bool mb = max % (1024 * 1024) == 0;
  snprintf(out, outlen, "The request body is larger than %zu %s.", mb ? max / (1024 * 1024) : max, mb ? "MB" : "bytes");
}

static bool server_is_prefix(const char *url, const char *prefix) {
  size_t n = strlen(prefix);
  return strncmp(url, prefix, n) == 0 && (url[n] == '\0' || url[n] == '/');
}

/* Settles what can be settled from the request line and headers, in this order: route (for the
 * stats), body size, ban, key, rate, fault; then a bad path, 404 or 405. Returns false when the
 * answer must go out at once (a declared body over 10 MB: it is not read). */
static bool server_begin(server *srv, struct MHD_Connection *conn, server_request *rq, const char *url) {
  sim *sm = srv->sim;
  const sim_api *api = sm->api;
  const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  bool control = server_is_prefix(url, "/__sim");
  rq->max_body = control ? SERVER_MAX_CONTROL_BODY : api->max_body;
  bool oversized = length && strtoull(length, NULL, 10) > rq->max_body;
  char too_large[80];
  server_too_large(rq->max_body, too_large, sizeof too_large);

  if (control) {
    rq->control = true;
    rq->control_path = mem_strdup(url);
    const char *key = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "key");
    if (key && !(rq->control_key = http_percent_decode(key, strlen(key))))
      server_decide(rq, 400, "The key argument holds a malformed percent-escape.");
    if (oversized) server_decide(rq, 413, too_large);
    return !oversized;
  }

  char message[1000];
  if (!server_is_prefix(url, "/v1")) { /* not the API: not counted, no key needed */
    snprintf(message, sizeof message, "No route for %.900s; the API lives under /v1.", url);
    server_refuse(srv, rq, SIM_REFUSE_NO_ROUTE, message, 0);
    return !oversized;
  }
  rq->counted = true;
  rq->path_ok = http_path_parse(url, &rq->path, rq->path_error, sizeof rq->path_error);
  if (rq->path_ok) api->match(rq->method, &rq->path, &rq->match);
  char route[128];
  snprintf(route, sizeof route, "%s %s", rq->method, rq->match.template ? rq->match.template : "/v1/(unmatched)");
  stats_count_request(&sm->stats, route);

  if (oversized) {
    server_refuse(srv, rq, SIM_REFUSE_TOO_LARGE, too_large, 0);
    return false;
  }
  int64_t now = sim_clock_ns(sm), wait_ms = sim_banned_ms(sm, now);
  if (wait_ms) {
    server_refuse(srv, rq, SIM_REFUSE_BANNED, "Too many bad requests.", wait_ms);
    return true;
  }
  const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, api->key_header);
  if (!key || !*key) {
    server_refuse(srv, rq, SIM_REFUSE_NO_KEY, NULL, 0);
    return true;
  }
  if (!(rq->account = sim_account_find(sm, key)) || rq->account->revoked) {
    server_refuse(srv, rq, SIM_REFUSE_BAD_KEY, NULL, 0);
    return true;
  }
  if (!ratelimit_take(&rq->account->limiter, &sm->settings.rule, now, &wait_ms)) {
    server_refuse(srv, rq, SIM_REFUSE_RATE, NULL, wait_ms);
    return true;
  }
  /* One draw per admitted request, whatever the settings, so that a seed replays the same faults
   * for the same requests. fail, drop and slow are consecutive slices of [0, 1). */
  const settings *st = &sm->settings;
  double u = prng_uniform(&sm->fault_rng);
  if (u < st->fail_rate) rq->fault = FAULT_FAIL;
  else if (u < st->fail_rate + st->drop_rate) rq->fault = FAULT_DROP;
  else if (u < st->fail_rate + st->drop_rate + st->slow_rate) rq->fault = FAULT_SLOW;
  if (rq->fault == FAULT_FAIL) {
    sm->stats.faults_fail++;
    server_refuse(srv, rq, SIM_REFUSE_FAULT, "Simulated server error (fail-rate); nothing was applied.", 0);
  } else if (!rq->path_ok) {
    server_refuse(srv, rq, SIM_REFUSE_BAD_PATH, rq->path_error, 0);
  } else if (!rq->match.route && rq->match.template) {
    snprintf(message, sizeof message, "%s is not allowed on this path; use %s.", rq->method, rq->match.allow);
    server_refuse(srv, rq, SIM_REFUSE_METHOD, message, 0);
    snprintf(rq->response.allow, sizeof rq->response.allow, "%s", rq->match.allow);
  } else if (!rq->match.route) {
    snprintf(message, sizeof message, "No route for %s %.900s.", rq->method, url);
    server_refuse(srv, rq, SIM_REFUSE_NO_ROUTE, message, 0);
  }
  return true;
}

/* ---------------------------------------------------------------- bodies */

static void server_take_body(server_request *rq, const char *data, size_t n) {
  if (rq->decided || rq->too_large) return;
  if (rq->len + n > rq->max_body) {
    /* Stop buffering: the rest is read and dropped, and the answer is 413. */
    rq->too_large = true;
    free(rq->body);
    rq->body = NULL;
    rq->len = rq->cap = 0;
    return;
  }
  if (rq->len + n + 1 > rq->cap) {
    size_t cap = rq->cap ? rq->cap : 16384;
    while (cap < rq->len + n + 1) cap *= 2;
    rq->body = mem_realloc(rq->body, cap);
    rq->cap = cap;
  }
  memcpy(rq->body + rq->len, data, n);
  rq->len += n;
  rq->body[rq->len] = '\0';
}

/* ---------------------------------------------------------------- the last call: the answer */

static void server_park(server *srv, struct MHD_Connection *conn) {
  mem_grow((void **)&srv->timers, &srv->captimers, srv->ntimers + 1, sizeof *srv->timers);
  int64_t delay = (int64_t)srv->sim->settings.slow_ms * 1000000;
  srv->timers[srv->ntimers++] = (server_timer){sim_clock_ns(srv->sim) + delay, conn};
  srv->sim->parked = srv->ntimers;
  MHD_suspend_connection(conn);
}

static enum MHD_Result server_finish(server *srv, struct MHD_Connection *conn, server_request *rq) {
  sim *sm = srv->sim;
  if (rq->parked) return server_queue(srv, conn, rq); /* resumed by its timer */
  if (!rq->decided) {
    const char *body = rq->body ? rq->body : "";
    if (rq->too_large) {
      char msg[80];
      server_too_large(rq->max_body, msg, sizeof msg);
      if (rq->control) http_error(&rq->response, 413, "%s", msg);
      else sm->api->refuse(sm, SIM_REFUSE_TOO_LARGE, msg, 0, &rq->response);
    } else if (rq->control) {
      control_handle(sm, rq->method, rq->control_path, rq->control_key, body, rq->len, &rq->response);
    } else {
      sim_call call = {sm, rq->account, &rq->path, body, rq->len, sim_now_ms()};
      sm->api->run(&rq->match, &call, &rq->response);
    }
    arena_reset(); /* the answer is text by now: no jansson value outlives the request */
  }
  if (rq->fault == FAULT_DROP) {
    sm->stats.faults_drop++;
    return MHD_NO; /* MHD closes the connection without a byte of answer */
  }
  if (rq->fault == FAULT_SLOW) {
    sm->stats.faults_slow++;
    rq->parked = true;
    server_park(srv, conn);
    return MHD_YES;
  }
  return server_queue(srv, conn, rq);
}

static enum MHD_Result server_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                     const char *version, const char *upload_data, size_t *upload_data_size,
                                     void **con_cls) {
  server *srv = cls;
  server_request *rq = *con_cls;
  if (!rq) {
    rq = mem_zalloc(sizeof *rq);
    *con_cls = rq;
    snprintf(rq->method, sizeof rq->method, "%s", method);
    if (!server_begin(srv, conn, rq, url)) return server_queue(srv, conn, rq);
    return MHD_YES;
  }
  if (*upload_data_size) {
    server_take_body(rq, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  return server_finish(srv, conn, rq);
}

static void server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe) {
  server_request *rq = *con_cls;
  if (!rq) return;
  http_response_free(&rq->response);
  http_path_free(&rq->path);
  free(rq->control_path);
  free(rq->control_key);
  free(rq->body);
  free(rq);
  *con_cls = NULL;
}

/* Paths are decoded per segment by http_path_parse, so "%2F" stays inside its segment: MHD must
 * hand over the path as sent. */
static size_t server_unescape_none(void *cls, struct MHD_Connection *conn, char *s) { return strlen(s); }

/* ---------------------------------------------------------------- the loop */

server *server_start(sim *sm, int listen_fd, char *err, size_t errlen) {
  server *srv = mem_zalloc(sizeof *srv);
  srv->sim = sm;
  srv->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO, 0, NULL, NULL,
                                 server_access, srv, MHD_OPTION_LISTEN_SOCKET, listen_fd,
                                 MHD_OPTION_NOTIFY_COMPLETED, server_completed, srv,
                                 MHD_OPTION_UNESCAPE_CALLBACK, server_unescape_none, NULL,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_END);
  const union MHD_DaemonInfo *info = srv->daemon ? MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
  if (!info) {
    snprintf(err, errlen, "could not start the HTTP server (libmicrohttpd refused its settings).");
    if (srv->daemon) MHD_stop_daemon(srv->daemon);
    else close(listen_fd);
    free(srv);
    return NULL;
  }
  srv->epoll_fd = info->epoll_fd;
  return srv;
}

/* Resumes every parked connection due by now_ns (all of them when now_ns < 0). */
static void server_fire_timers(server *srv, int64_t now_ns) {
  size_t kept = 0;
  for (size_t i = 0; i < srv->ntimers; i++) {
    if (now_ns < 0 || srv->timers[i].due_ns <= now_ns) MHD_resume_connection(srv->timers[i].connection);
    else srv->timers[kept++] = srv->timers[i];
  }
  srv->ntimers = kept;
  srv->sim->parked = kept;
}

static int server_poll_timeout(server *srv) {
  MHD_UNSIGNED_LONG_LONG mhd_ms;
  int64_t timeout = -1;
  if (MHD_get_timeout(srv->daemon, &mhd_ms) == MHD_YES) timeout = mhd_ms > 60000 ? 60000 : (int64_t)mhd_ms;
  int64_t now = sim_clock_ns(srv->sim);
  for (size_t i = 0; i < srv->ntimers; i++) {
    /* On the manual clock only a control call moves time: a timer not due yet waits for it. */
    if (srv->sim->manual_clock && srv->timers[i].due_ns > now) continue;
    int64_t ms = srv->timers[i].due_ns <= now ? 0 : (srv->timers[i].due_ns - now + 999999) / 1000000;
    if (timeout < 0 || ms < timeout) timeout = ms;
  }
  return (int)timeout;
}

int server_run(server *srv, int stop_fd) {
  struct pollfd fds[2] = {{.fd = srv->epoll_fd, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN}};
  for (;;) {
    int rc = poll(fds, 2, server_poll_timeout(srv));
    if (rc < 0 && errno != EINTR) return -1;
    if (rc > 0 && fds[1].revents) return 0;
    server_fire_timers(srv, sim_clock_ns(srv->sim));
    MHD_run(srv->daemon);
  }
}

void server_stop(server *srv) {
  if (!srv) return;
  /* MHD may not stop with suspended connections: resume them (their answers go out if the
   * peer still listens) and let MHD process that once. */
  if (srv->ntimers) {
    server_fire_timers(srv, -1);
    MHD_run(srv->daemon);
  }
  MHD_stop_daemon(srv->daemon);
  free(srv->timers);
  free(srv);
}
