/* refresh.c: the refresh sequence: sources, segments, scheduled exports; each step recorded. */
#include "schedule/refresh.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "segment/segment.h"
#include "source/postgres.h"
#include "store/destinations.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/text.h"

/* ---- exports of different destinations at the same time ----
 * Each runs on its own thread with its own store connection (SQLite: one connection per thread;
 * the store is in WAL mode with a busy timeout, and each export's transactions are short). The
 * per-destination lock still keeps one destination from running twice. Steps are recorded by the
 * calling thread once every export has ended, in the order of the destinations. */
typedef struct export_job {
  const char *name;
  size_t step;        /* index in the report's steps */
  bool ran;
  seg_code rc;
  export_report report;
  seg_err err;
} export_job;

typedef struct export_pool {
  const char *db_path;
  const refresh_options *o;
  bool progress;
  export_job *jobs;
  size_t n, next;
  pthread_mutex_t lock;
} export_pool;

static void *export_worker(void *arg) {
  export_pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    size_t i = p->next < p->n ? p->next++ : p->n;
    pthread_mutex_unlock(&p->lock);
    if (i >= p->n || (p->o->cancel && *p->o->cancel)) break;
    export_job *j = &p->jobs[i];
    j->ran = true;
    store *own = NULL;
    j->rc = store_open(p->db_path, STORE_OPEN_EXISTING, &own, &j->err);
    if (j->rc != SEG_OK) {
      memset(&j->report, 0, sizeof j->report);
      continue;
    }
    export_options eo = {.progress = p->progress, .cancel = p->o->cancel};
    j->rc = export_run(own, p->db_path, j->name, &eo, &j->report, &j->err);
    store_close(own);
  }
  return NULL;
}

/* Runs the jobs on min(parallel, n) threads (parallel 1: on this thread, on the given store). */
static void run_exports(store *s, const char *db_path, const refresh_options *o, export_job *jobs, size_t n) {
  int parallel = o->parallel <= 0 ? REFRESH_PARALLEL_MAX : o->parallel > REFRESH_PARALLEL_MAX ? REFRESH_PARALLEL_MAX : o->parallel;
  if ((size_t)parallel > n) parallel = (int)n;
  if (parallel <= 1) {
    for (size_t i = 0; i < n && !(o->cancel && *o->cancel); i++) {
      export_options eo = {.progress = o->progress, .cancel = o->cancel};
      jobs[i].ran = true;
      jobs[i].rc = export_run(s, db_path, jobs[i].name, &eo, &jobs[i].report, &jobs[i].err);
    }
    return;
  }
  /* progress bars of several exports would overwrite each other on one terminal line */
  export_pool p = {.db_path = db_path, .o = o, .progress = false, .jobs = jobs, .n = n};
  pthread_mutex_init(&p.lock, NULL);
  pthread_t th[REFRESH_PARALLEL_MAX];
  int started = 0;
  for (int t = 0; t < parallel; t++)
    if (pthread_create(&th[started], NULL, export_worker, &p) == 0) started++;
  if (started == 0) export_worker(&p); /* no thread could be made: one after the other, here */
  for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
  pthread_mutex_destroy(&p.lock);
}

void refresh_report_free(refresh_report *r) {
  free(r->steps);
  memset(r, 0, sizeof *r);
}

static store_refresh_step *add_step(refresh_report *r, const char *kind, const char *target) {
  store_refresh_step *p = realloc(r->steps, (r->n_steps + 1) * sizeof *p);
  if (!p) return NULL;
  r->steps = p;
  p = &p[r->n_steps++];
  memset(p, 0, sizeof *p);
  snprintf(p->kind, sizeof p->kind, "%s", kind);
  text_copy(p->target, sizeof p->target, target);
  p->started_at = clock_now_ms();
  return p;
}

static void end_step(store *s, refresh_report *r, store_refresh_step *st, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void end_step(store *s, refresh_report *r, store_refresh_step *st, const char *status, const char *fmt, ...) {
  snprintf(st->status, sizeof st->status, "%s", status);
  va_list ap;
  va_start(ap, fmt);
  if (vsnprintf(st->message, sizeof st->message, fmt, ap) >= (int)sizeof st->message) text_utf8_trim_tail(st->message);
  va_end(ap);
  st->finished_at = clock_now_ms();
  seg_err ignore;
  store_refresh_step_add(s, r->id, (size_t)(st - r->steps), st, &ignore);
  log_event(strcmp(status, "ok") == 0 || strcmp(status, "succeeded") == 0 ? LOG_INFO : LOG_WARN, "refresh.step",
            "%s %s: %s: %s", st->kind, st->target, status, st->message);
}

seg_code refresh_run(store *s, const char *db_path, const refresh_options *o, refresh_report *r, seg_err *err) {
  memset(r, 0, sizeof *r);
  seg_code rc = store_refresh_start(s, o->trigger ? o->trigger : "manual", &r->id, err);
  if (rc != SEG_OK) return rc;
  bool all_ok = true, cancelled = false;
  log_event(LOG_INFO, "refresh.started", "refresh %lld (%s)", (long long)r->id, o->trigger ? o->trigger : "manual");

  /* 1. Sources. */
  store_source *sources = NULL;
  size_t n_sources = 0;
  if ((rc = store_sources_list(s, &sources, &n_sources, err)) != SEG_OK) return rc;
  bool schema_changed = false;
  for (size_t i = 0; i < n_sources; i++) {
    if (o->cancel && *o->cancel) {
      cancelled = true;
      break;
    }
    store_refresh_step *st = add_step(r, "import", sources[i].name);
    if (!st) break;
    ingest_options io = {.path = sources[i].path, .replace = sources[i].replace, .max_delete_pct = sources[i].max_delete};
    ingest_format_parse(sources[i].format, &io.format);
    ingest_report ir;
    seg_err ierr = {0};
    if (ingest_import(s, &io, &ir, &ierr) == SEG_OK) {
      end_step(s, r, st, "ok", "%lld inserted, %lld updated, %lld unchanged, %lld deleted, %lld rejected",
               (long long)ir.counts.inserted, (long long)ir.counts.updated, (long long)ir.counts.unchanged,
               (long long)ir.counts.deleted, (long long)ir.rejected);
      schema_changed |= ir.n_widenings || ir.new_attributes;
      ingest_report_free(&ir);
    } else if (ierr.code == SEG_ELIMIT && sources[i].replace) {
      /* the --replace guard: say how to go on for a source, which has no command line of its own */
      all_ok = false;
      end_step(s, r, st, "failed",
               "source '%s': %s (once: 'segship profiles import FILE --replace --max-delete PCT'; for every refresh: "
               "remove the source and add it again with --max-delete PCT)",
               sources[i].name, ierr.msg);
    } else {
      all_ok = false;
      end_step(s, r, st, "failed", "%s", ierr.msg);
    }
  }
  free(sources);
  /* PostgreSQL sources (issue 14), copied through the same import path. */
  store_pg_source *pg = NULL;
  size_t n_pg = 0;
  if ((rc = store_pg_sources_list(s, &pg, &n_pg, err)) != SEG_OK) return rc;
  for (size_t i = 0; i < n_pg && !cancelled; i++) {
    if (o->cancel && *o->cancel) {
      cancelled = true;
      break;
    }
    store_refresh_step *st = add_step(r, "import", pg[i].name);
    if (!st) break;
    pg_import_report pr;
    seg_err perr = {0};
    if (pg_source_import(s, &pg[i], &pr, &perr) == SEG_OK) {
      const store_import_counts *k = &pr.ingest.counts;
      end_step(s, r, st, "ok", "%s: %lld read, %lld inserted, %lld updated, %lld unchanged, %lld deleted, %lld rejected",
               pr.pushdown ? "segment members" : pr.incremental ? "changed rows" : "all rows", (long long)pr.ingest.rows, (long long)k->inserted,
               (long long)k->updated, (long long)k->unchanged, (long long)k->deleted, (long long)pr.ingest.rejected);
      schema_changed |= pr.ingest.n_widenings || pr.ingest.new_attributes;
      pg_import_report_free(&pr);
    } else {
      all_ok = false;
      end_step(s, r, st, "failed", "%s", perr.msg);
    }
  }
  store_pg_sources_free(pg, n_pg);
  if (schema_changed) {
    int broken;
    seg_err ignore;
    segment_recheck(s, &broken, &ignore);
  }

  /* 2. Segments. */
  segment_result *seg = NULL;
  size_t n_seg = 0;
  if (!cancelled && !(o->cancel && *o->cancel)) {
    store_refresh_step *st = add_step(r, "segments", "all");
    seg_err serr = {0};
    if (st && segment_refresh(s, NULL, &seg, &n_seg, &serr) == SEG_OK) {
      int broken = 0;
      char names[400] = "";
      for (size_t i = 0; i < n_seg; i++)
        if (!seg[i].ok) {
          size_t len = strlen(names);
          snprintf(names + len, sizeof names - len, "%s'%s'", broken++ ? ", " : "", seg[i].name);
        }
      if (broken) {
        all_ok = false;
        end_step(s, r, st, "failed", "%zu refreshed; broken: %s", n_seg - (size_t)broken, names);
      } else {
        end_step(s, r, st, "ok", "%zu refreshed", n_seg);
      }
    } else if (st) {
      all_ok = false;
      end_step(s, r, st, "failed", "%s", serr.msg);
    }
  } else {
    cancelled = true;
  }

  /* 3. Scheduled exports: different destinations at the same time (o->parallel). */
  store_destination *dests = NULL;
  size_t n_dests = 0;
  export_job *jobs = NULL;
  size_t n_jobs = 0;
  if (!cancelled && store_destinations_list(s, false, &dests, &n_dests, err) == SEG_OK &&
      (jobs = calloc(n_dests + 1, sizeof *jobs)) != NULL) {
    for (size_t i = 0; i < n_dests; i++) {
      if (o->cancel && *o->cancel) {
        cancelled = true;
        break;
      }
      store_export_config cfg;
      if (store_export_config_get(s, dests[i].id, &cfg, NULL) != SEG_OK) continue;
      if (!cfg.schedule) {
        store_export_config_free(&cfg);
        continue;
      }
      store_refresh_step *st = add_step(r, "export", dests[i].name);
      if (!st) {
        store_export_config_free(&cfg);
        break;
      }
      /* An export whose segment failed to refresh is skipped. */
      const char *failed_segment = NULL;
      for (size_t k = 0; k < cfg.n_segments && !failed_segment; k++)
        for (size_t j = 0; j < n_seg; j++)
          if (!seg[j].ok && text_ieq(seg[j].name, cfg.segment_names[k])) failed_segment = seg[j].name;
      if (failed_segment) {
        all_ok = false;
        end_step(s, r, st, "skipped", "segment '%s' failed to refresh", failed_segment);
        store_export_config_free(&cfg);
        continue;
      }
      store_export_config_free(&cfg);
      jobs[n_jobs].name = dests[i].name;
      jobs[n_jobs].step = (size_t)(st - r->steps);
      n_jobs++;
    }
    run_exports(s, db_path, o, jobs, n_jobs);
    for (size_t i = 0; i < n_jobs; i++) {
      if (!jobs[i].ran) { /* cancelled before it started */
        cancelled = true;
        end_step(s, r, &r->steps[jobs[i].step], "cancelled", "the refresh was cancelled before this export started");
        continue;
      }
      store_refresh_step *st = &r->steps[jobs[i].step];
      export_report er = jobs[i].report;
      seg_err eerr = jobs[i].err;
      seg_code erc = jobs[i].rc;
      const store_export_run *run = &er.run;
      if (erc == SEG_OK) {
        end_step(s, r, st, "succeeded", "run %lld: %lld upserted, %lld added, %lld removed, %lld unchanged, %lld calls",
                 (long long)run->run_id, (long long)run->contacts_upserted, (long long)run->list_additions,
                 (long long)run->list_removals, (long long)run->unchanged, (long long)run->api_calls);
      } else {
        all_ok = false;
        const char *status = erc == SEG_EBUSY ? "skipped" : run->run_id ? run->status : "failed";
        end_step(s, r, st, status, "%s%s", run->run_id ? "" : "", eerr.msg);
        if (erc == SEG_ECANCEL) cancelled = true;
      }
      if (o->on_export && (run->run_id || erc != SEG_EBUSY)) o->on_export(&er, erc, eerr.msg, o->ctx);
    }
  }
  free(jobs);
  store_destinations_free(dests, n_dests);
  free(seg);
  snprintf(r->status, sizeof r->status, "%s", cancelled ? "cancelled" : all_ok ? "succeeded" : "failed");
  store_refresh_finish(s, r->id, r->status, err);
  log_event(all_ok && !cancelled ? LOG_INFO : LOG_WARN, "refresh.finished", "refresh %lld: %s", (long long)r->id,
            r->status);
  return SEG_OK;
}
