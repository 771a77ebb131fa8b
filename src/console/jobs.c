/* jobs.c: exports and refreshes started from the console, run in the background of the serve
 * process on their own store handles (as the scheduler runs them); one job per destination at a
 * time, and the export's own lock refuses a second run from elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/console_internal.h"
#include "export/run.h"
#include "schedule/refresh.h"
#include "util/clock.h"
#include "util/log.h"

static void on_progress(int64_t done, int64_t total, void *ctx) {
  console_job *j = ctx;
  pthread_mutex_lock(&j->c->lock);
  j->done = done;
  j->total = total;
  pthread_mutex_unlock(&j->c->lock);
}

static void finish(console_job *j, const char *status, const char *message) {
  pthread_mutex_lock(&j->c->lock);
  j->running = false;
  j->finished = clock_mono_s();
  snprintf(j->status, sizeof j->status, "%s", status);
  snprintf(j->message, sizeof j->message, "%s", message);
  pthread_mutex_unlock(&j->c->lock);
}

static void *export_thread(void *arg) {
  console_job *j = arg;
  store *s;
  seg_err err = {0};
  if (store_open(j->c->db_path, STORE_OPEN_EXISTING, &s, &err) != SEG_OK) {
    finish(j, "failed", err.msg);
    return NULL;
  }
  export_options o = {.cancel = j->c->stop, .on_progress = on_progress, .progress_ctx = j};
  export_report *rep = calloc(1, sizeof *rep);
  seg_code rc = rep ? export_run(s, j->c->db_path, j->name, &o, rep, &err) : SEG_ENOMEM;
  const char *status = rep && rep->run.status[0] ? rep->run.status : "failed";
  log_event(rc == SEG_OK ? LOG_INFO : LOG_WARN, "console.export.finished", "destination=%s run=%lld status=%s by=%s%s%s",
            j->name, rep ? (long long)rep->run.run_id : 0LL, status, j->run_by, rc == SEG_OK ? "" : " message=",
            rc == SEG_OK ? "" : err.msg);
  finish(j, status, rc == SEG_OK ? "" : err.msg);
  free(rep);
  store_close(s);
  return NULL;
}

static void *refresh_thread(void *arg) {
  console_job *j = arg;
  store *s;
  seg_err err = {0};
  if (store_open(j->c->db_path, STORE_OPEN_EXISTING, &s, &err) != SEG_OK) {
    finish(j, "failed", err.msg);
    return NULL;
  }
  refresh_options ro = {.trigger = "manual", .cancel = j->c->stop};
  refresh_report rep;
  if (refresh_run(s, j->c->db_path, &ro, &rep, &err) != SEG_OK) {
    finish(j, "failed", err.msg);
  } else {
    finish(j, rep.status, "");
    refresh_report_free(&rep);
  }
  log_event(LOG_INFO, "console.refresh.finished", "refresh started by %s: %s", j->run_by, j->status);
  store_close(s);
  return NULL;
}

/* A slot for destination id: its finished job, or a free one; NULL when one of it is running. */
static console_job *slot_for(console *c, int64_t id, bool *busy) {
  *busy = false;
  console_job *free_slot = NULL, *oldest = NULL;
  for (int i = 0; i < CONSOLE_MAX_JOBS; i++) {
    console_job *j = &c->jobs[i];
    if (j->used && j->destination_id == id) {
      if (j->running) {
        *busy = true;
        return NULL;
      }
      return j;
    }
    if (!j->used && !free_slot) free_slot = j;
    if (j->used && !j->running && (!oldest || j->finished < oldest->finished)) oldest = j;
  }
  return free_slot ? free_slot : oldest;
}

static bool start(console *c, int64_t id, const char *name, const char *user, void *(*fn)(void *), seg_err *err) {
  pthread_mutex_lock(&c->lock);
  bool busy;
  console_job *j = slot_for(c, id, &busy);
  if (!j) {
    pthread_mutex_unlock(&c->lock);
    if (busy)
      seg_err_set(err, SEG_EBUSY, id ? "an export of %s is already running; wait for it to finish"
                                     : "a refresh is already running; wait for it to finish", name);
    else seg_err_set(err, SEG_EBUSY, "too many jobs are running; wait for one to finish");
    return false;
  }
  if (j->used && !j->joined) pthread_join(j->thread, NULL);
  memset(j, 0, sizeof *j);
  j->used = j->running = true;
  j->c = c;
  j->destination_id = id;
  snprintf(j->name, sizeof j->name, "%s", name);
  snprintf(j->run_by, sizeof j->run_by, "%s", user);
  j->started = clock_mono_s();
  if (pthread_create(&j->thread, NULL, fn, j) != 0) {
    j->used = j->running = false;
    pthread_mutex_unlock(&c->lock);
    seg_err_set(err, SEG_EINTERNAL, "cannot start a thread for the job; try again");
    return false;
  }
  pthread_mutex_unlock(&c->lock);
  return true;
}

bool job_start_export(console *c, const store_destination *d, const char *user, seg_err *err) {
  return start(c, d->id, d->name, user, export_thread, err);
}

bool job_start_refresh(console *c, const char *user, seg_err *err) {
  return start(c, 0, "refresh", user, refresh_thread, err);
}

bool job_get(console *c, int64_t id, console_job *out) {
  bool found = false;
  pthread_mutex_lock(&c->lock);
  for (int i = 0; i < CONSOLE_MAX_JOBS; i++)
    if (c->jobs[i].used && c->jobs[i].destination_id == id) {
      *out = c->jobs[i];
      found = true;
      break;
    }
  pthread_mutex_unlock(&c->lock);
  return found;
}

void jobs_join_all(console *c) {
  for (int i = 0; i < CONSOLE_MAX_JOBS; i++) {
    pthread_mutex_lock(&c->lock);
    bool join = c->jobs[i].used && !c->jobs[i].joined;
    c->jobs[i].joined = true;
    pthread_mutex_unlock(&c->lock);
    if (join) pthread_join(c->jobs[i].thread, NULL);
  }
}
