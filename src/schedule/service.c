/* service.c: the service loop: lock, schedule, signals, refreshes, notifications. */
#include "schedule/service.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console/console.h"
#include "export/report.h"
#include "schedule/cron.h"
#include "schedule/metrics.h"
#include "schedule/refresh.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/lockfile.h"
#include "util/url.h"

static volatile sig_atomic_t g_stop, g_reload;
static void on_stop(int sig) {
  (void)sig;
  g_stop = 1;
}
static void on_hup(int sig) {
  (void)sig;
  g_reload = 1;
}
static void on_schedule_change(void) { g_reload = 1; }

seg_code service_schedule_get(store *s, char *expr, size_t ecap, char *tz, size_t tcap, int64_t *anchor, seg_err *err) {
  char a[32];
  if (store_meta_get(s, "schedule.cron", expr, ecap, err) != SEG_OK)
    return seg_err_set(err, SEG_ENOTFOUND, "no schedule is set; set one with 'segship schedule set CRON'");
  if (store_meta_get(s, "schedule.tz", tz, tcap, NULL) != SEG_OK) snprintf(tz, tcap, "UTC");
  *anchor = store_meta_get(s, "schedule.anchor", a, sizeof a, NULL) == SEG_OK ? strtoll(a, NULL, 10) : 0;
  return SEG_OK;
}

seg_code service_schedule_set(store *s, const char *expr, const char *tz, seg_err *err) {
  cron_schedule *c;
  int64_t now = clock_now_ms();
  seg_code rc = cron_parse(expr, tz, now, &c, err);
  if (rc != SEG_OK) return rc;
  cron_free(c);
  char a[32];
  snprintf(a, sizeof a, "%lld", (long long)now);
  if ((rc = store_tx_begin(s, err)) != SEG_OK) return rc;
  rc = store_meta_set(s, "schedule.cron", expr, err);
  if (rc == SEG_OK) rc = store_meta_set(s, "schedule.tz", tz && *tz ? tz : "UTC", err);
  if (rc == SEG_OK) rc = store_meta_set(s, "schedule.anchor", a, err);
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}

/* ---- the lock: one service per store ---- */

static int take_lock(const char *db_path, seg_err *err) {
  char path[1100], holder[32];
  snprintf(path, sizeof path, "%s.serve.lock", db_path);
  int fd = lockfile_take(path, holder, sizeof holder, err);
  if (fd < 0 && err->code == SEG_EBUSY)
    seg_err_set(err, SEG_EBUSY, "another segship serve (process %s) already runs this store; stop it first",
                holder[0] ? holder : "?");
  return fd;
}

/* ---- notifications of failed runs ---- */

/* Runs cmd (with /bin/sh, in its own process group) with json on its standard input, and waits
 * for it timeout_ms at most (less if the service is asked to stop): then the whole group is
 * killed (SIGKILL), so a hung command never stalls the scheduler. */
static void notify_command(const char *cmd, const char *json, long timeout_ms) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    log_event(LOG_ERROR, "notify.command.failed", "cannot run the notify command: %s", strerror(errno));
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    log_event(LOG_ERROR, "notify.command.failed", "cannot run the notify command: %s", strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return;
  }
  if (pid == 0) { /* the child: only async-signal-safe calls until exec */
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(fds[0], STDIN_FILENO) < 0) _exit(127);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  setpgid(pid, pid); /* also here: the group exists whichever of the two runs first */
  close(fds[0]);
  int64_t deadline = (int64_t)(clock_mono_s() * 1000.0) + timeout_ms;
  /* The JSON, written without blocking past the deadline (a command may never read it). */
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  size_t len = strlen(json), off = 0;
  while (off < len) {
    ssize_t w = write(fds[1], json + off, len - off);
    if (w > 0) {
      off += (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EAGAIN) break; /* EPIPE: the command does not read its input */
    int64_t left = deadline - (int64_t)(clock_mono_s() * 1000.0);
    if (left <= 0 || g_stop) break;
    struct pollfd pf = {.fd = fds[1], .events = POLLOUT};
    poll(&pf, 1, left > 100 ? 100 : (int)left);
  }
  close(fds[1]);
  int st = 0;
  pid_t done = 0;
  for (;;) {
    done = waitpid(pid, &st, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (g_stop || (int64_t)(clock_mono_s() * 1000.0) >= deadline) break;
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (done != pid) {
    kill(-pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    log_event(LOG_WARN, "notify.command.killed",
              "the notify command did not finish within %ld ms%s; it was killed with its process group (pid %d)",
              timeout_ms, g_stop ? " (the service is stopping)" : "", (int)pid);
    return;
  }
  if (done < 0) log_event(LOG_WARN, "notify.command.failed", "cannot wait for the notify command: %s", strerror(errno));
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) log_event(LOG_INFO, "notify.command.sent", "the notify command ran");
  else if (WIFEXITED(st)) log_event(LOG_WARN, "notify.command.failed", "the notify command exited with status %d", WEXITSTATUS(st));
  else log_event(LOG_WARN, "notify.command.failed", "the notify command was killed by signal %d", WTERMSIG(st));
}

static size_t discard(char *d, size_t s, size_t n, void *u) {
  (void)d;
  (void)u;
  return s * n;
}

static void notify_url(const char *url, const char *json, long timeout_ms) {
  CURL *c = curl_easy_init();
  if (!c) return;
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
  for (int attempt = 1; attempt <= 4; attempt++) {
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms); /* the whole request, connection included */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode r = curl_easy_perform(c);
    long status = 0;
    if (r == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (r == CURLE_OK && status >= 200 && status < 300) {
      log_event(LOG_INFO, "notify.url.sent", "posted the failed run to the notify URL");
      break;
    }
    log_event(LOG_WARN, "notify.url.retry", "posting to the notify URL failed (attempt %d: %s)", attempt,
              r == CURLE_OK ? "an error status" : curl_easy_strerror(r));
    if (attempt < 4 && !g_stop) sleep((unsigned)attempt);
  }
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
}

typedef struct service_ctx {
  const service_options *o;
} service_ctx;

static void on_export(const export_report *rep, seg_code rc, const char *message, void *ctx) {
  service_ctx *sc = ctx;
  const store_export_run *r = &rep->run;
  log_event(rc == SEG_OK ? LOG_INFO : LOG_WARN, "export.run.finished",
            "destination=%s run=%lld status=%s upserted=%lld added=%lld removed=%lld rejected=%lld calls=%lld%s%s",
            r->destination, (long long)r->run_id, r->status[0] ? r->status : "failed", (long long)r->contacts_upserted,
            (long long)r->list_additions, (long long)r->list_removals, (long long)r->rejected, (long long)r->api_calls,
            rc == SEG_OK ? "" : " message=", rc == SEG_OK ? "" : message);
  bool failed = rc != SEG_OK && rc != SEG_ECANCEL;
  if (!failed || (!sc->o->notify_command && !sc->o->notify_url)) return;
  json_t *j = export_run_json(r);
  if (!r->run_id) json_object_set_new(j, "status", json_string("failed"));
  if (!r->message[0]) json_object_set_new(j, "message", json_string(message));
  char *raw = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  char *text = log_redact_dup(raw); /* the message may quote the API: no key leaves in a notification */
  free(raw);
  if (!text) return;
  long timeout_ms = sc->o->notify_timeout_ms > 0 ? sc->o->notify_timeout_ms : SERVICE_NOTIFY_TIMEOUT_MS;
  if (sc->o->notify_command) notify_command(sc->o->notify_command, text, timeout_ms);
  if (sc->o->notify_url) notify_url(sc->o->notify_url, text, timeout_ms);
  free(text);
}

/* ---- the loop ---- */

static cron_schedule *load_schedule(store *s) {
  char expr[300], tz[128];
  int64_t anchor;
  seg_err err;
  if (service_schedule_get(s, expr, sizeof expr, tz, sizeof tz, &anchor, &err) != SEG_OK) {
    log_event(LOG_WARN, "schedule.none", "%s; the service waits (SIGHUP reloads)", err.msg);
    return NULL;
  }
  cron_schedule *c;
  if (cron_parse(expr, tz, anchor, &c, &err) != SEG_OK) {
    log_event(LOG_ERROR, "schedule.invalid", "%s", err.msg);
    return NULL;
  }
  char desc[400];
  cron_describe(c, desc, sizeof desc);
  log_event(LOG_INFO, "schedule.loaded", "schedule %s", desc);
  return c;
}

seg_code service_run(const service_options *o, seg_err *err) {
  g_stop = g_reload = 0;
  seg_code rc;
  if (o->notify_url && (rc = url_check_transport(o->notify_url, "--notify-url", NULL, false, NULL, err)) != SEG_OK)
    return rc;
  store *s;
  rc = store_open(o->db_path, STORE_OPEN_EXISTING, &s, err);
  if (rc != SEG_OK) return rc;
  int lock = take_lock(o->db_path, err);
  if (lock < 0) {
    store_close(s);
    return err->code;
  }
  metrics_server *ms = NULL;
  int port = 0;
  console *con = NULL;
  metrics_delegate del = {0};
  if (o->console) {
    console_options co = {.db_path = o->db_path, .secure_cookies = o->secure_cookies, .stop = &g_stop,
                          .on_schedule_change = on_schedule_change};
    if ((rc = console_new(&co, &con, err)) != SEG_OK) {
      close(lock);
      store_close(s);
      return rc;
    }
    del = (metrics_delegate){.answer = console_answer, .completed = console_completed, .cls = con};
  }
  if ((rc = metrics_start_with(o->listen ? o->listen : "127.0.0.1:8080", o->db_path, o->console ? &del : NULL, &ms,
                               &port, err)) != SEG_OK) {
    console_free(con);
    close(lock);
    store_close(s);
    return rc;
  }
  struct sigaction sa = {0};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  log_event(LOG_INFO, "service.started", "pid=%d store=%s listen=%s port=%d console=%s", (int)getpid(), o->db_path,
            o->listen ? o->listen : "127.0.0.1:8080", port, o->console ? "on" : "off");

  service_ctx sc = {.o = o};
  cron_schedule *sched = load_schedule(s);
  int64_t next = sched ? cron_next(sched, clock_now_ms()) : 0;
  metrics_set_next(ms, next);
  if (next > 0) {
    char when[25];
    log_event(LOG_INFO, "schedule.next", "next refresh at %s", clock_format_ms(next, when));
  }
  while (!g_stop) {
    if (g_reload) {
      g_reload = 0;
      cron_free(sched);
      sched = load_schedule(s);
      next = sched ? cron_next(sched, clock_now_ms()) : 0;
      metrics_set_next(ms, next);
      log_event(LOG_INFO, "service.reloaded", "the schedule and configuration were reloaded");
    }
    int64_t now = clock_now_ms();
    if (next > 0 && now >= next) {
      refresh_options ro = {.trigger = "schedule", .cancel = &g_stop, .on_export = on_export, .ctx = &sc,
                            .parallel = o->parallel};
      refresh_report rep;
      seg_err rerr = {0};
      if (refresh_run(s, o->db_path, &ro, &rep, &rerr) != SEG_OK)
        log_event(LOG_ERROR, "refresh.failed", "%s", rerr.msg);
      else refresh_report_free(&rep);
      int64_t after = clock_now_ms();
      int64_t upcoming = sched ? cron_next(sched, after) : 0;
      if (sched && upcoming > 0 && cron_next(sched, next) < after)
        log_event(LOG_WARN, "schedule.skipped", "the refresh outlasted the next scheduled time; runs missed meanwhile are skipped");
      next = upcoming;
      metrics_set_next(ms, next);
      if (next > 0) {
        char when[25];
        log_event(LOG_INFO, "schedule.next", "next refresh at %s", clock_format_ms(next, when));
      }
      continue;
    }
    struct timespec ts = {0, 100 * 1000000L}; /* wake often: signals and the clock are checked every 100 ms */
    nanosleep(&ts, NULL);
  }
  log_event(LOG_INFO, "service.stopping", "signal received: stopping");
  cron_free(sched);
  metrics_stop(ms);
  console_free(con); /* waits for exports started from the console: they stop after their batches */
  close(lock);
  store_close(s);
  log_event(LOG_INFO, "service.stopped", "stopped cleanly");
  return SEG_OK;
}
