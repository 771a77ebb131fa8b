/* refreshes.c: sources, refresh records and their steps, and run totals for metrics. */
#include "store/refreshes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/clock.h"
#include "util/log.h"

const char *const store_run_statuses[STORE_RUN_N_STATUSES] = {"succeeded",   "partial", "failed", "cancelled",
                                                               "interrupted", "running", "held"};




seg_code store_source_add(store *s, const store_source *src, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "INSERT INTO sources(name, path, format, replace, created_at, max_delete) VALUES(?,?,?,?,?,?)", &st, err,
                     "adding a source");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, src->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, src->path, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, src->format, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, src->replace);
  sqlite3_bind_int64(st, 5, clock_now_ms());
  sqlite3_bind_int(st, 6, src->max_delete);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r == SQLITE_CONSTRAINT) return seg_err_set(err, SEG_EEXIST, "a source named '%s' already exists", src->name);
  return r == SQLITE_DONE ? SEG_OK : store__sqlite_err(s, err, "adding a source");
}

seg_code store_source_update(store *s, const store_source *src, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "UPDATE sources SET path = ?, format = ?, replace = ?, max_delete = ? WHERE source_id = ?",
                            &st, err, "updating a source");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, src->path, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, src->format, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, src->replace);
  sqlite3_bind_int(st, 4, src->max_delete);
  sqlite3_bind_int64(st, 5, src->id);
  if ((rc = store__step_done(s, st, err, "updating a source")) != SEG_OK) return rc;
  if (sqlite3_changes(store__db(s)) == 0)
    return seg_err_set(err, SEG_ENOTFOUND, "the source '%s' was removed meanwhile; nothing was changed", src->name);
  return SEG_OK;
}

seg_code store_source_remove(store *s, const char *name, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "DELETE FROM sources WHERE name = ?", &st, err, "removing a source");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  if ((rc = store__step_done(s, st, err, "removing a source")) != SEG_OK) return rc;
  if (sqlite3_changes(store__db(s)) == 0)
    return seg_err_set(err, SEG_ENOTFOUND, "there is no source '%s'; 'segship source list' shows them", name);
  return SEG_OK;
}

seg_code store_sources_list(store *s, store_source **out, size_t *n, seg_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT source_id, name, path, format, replace, created_at, max_delete FROM sources ORDER BY name", &st,
                     err, "listing sources");
  if (rc != SEG_OK) return rc;
  int step;
  bool oom = false;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    store_source *p = realloc(*out, (*n + 1) * sizeof *p);
    if (!p) {
      oom = true;
      break;
    }
    *out = p;
    p = &p[(*n)++];
    p->id = sqlite3_column_int64(st, 0);
    store__copy_text(st, 1, p->name, sizeof p->name);
    store__copy_text(st, 2, p->path, sizeof p->path);
    store__copy_text(st, 3, p->format, sizeof p->format);
    p->replace = sqlite3_column_int(st, 4) != 0;
    p->created_at = sqlite3_column_int64(st, 5);
    p->max_delete = sqlite3_column_int(st, 6);
  }
  sqlite3_finalize(st);
  if (oom || step != SQLITE_DONE) { /* a partial list is no list: never an entry left out */
    seg_code bad = oom ? seg_err_set(err, SEG_ENOMEM, "out of memory listing sources") : store__sqlite_err(s, err, "listing sources");
    free(*out);
    *out = NULL;
    *n = 0;
    return bad;
  }
  return SEG_OK;
}

seg_code store_refresh_start(store *s, const char *trigger, int64_t *id, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "INSERT INTO refreshes(trigger, status, started_at) VALUES(?, 'running', ?)", &st, err,
                     "recording a refresh");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, trigger, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, clock_now_ms());
  if ((rc = store__step_done(s, st, err, "recording a refresh")) == SEG_OK) *id = sqlite3_last_insert_rowid(store__db(s));
  return rc;
}

seg_code store_refresh_step_add(store *s, int64_t id, size_t position, const store_refresh_step *step, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "INSERT INTO refresh_steps(refresh_id, position, kind, target, status, message, started_at, "
                     "finished_at) VALUES(?,?,?,?,?,?,?,?)",
                     &st, err, "recording a refresh step");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, (int64_t)position);
  sqlite3_bind_text(st, 3, step->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, step->target, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, step->status, -1, SQLITE_STATIC);
  char *red = log_redact_dup(step->message); /* may quote the API: never stored with a key in it */
  if (!red) {
    sqlite3_finalize(st);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  sqlite3_bind_text(st, 6, red, -1, SQLITE_TRANSIENT);
  free(red);
  sqlite3_bind_int64(st, 7, step->started_at);
  sqlite3_bind_int64(st, 8, step->finished_at);
  return store__step_done(s, st, err, "recording a refresh step");
}

seg_code store_refresh_finish(store *s, int64_t id, const char *status, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "UPDATE refreshes SET status = ?, finished_at = ? WHERE refresh_id = ?", &st, err,
                     "recording a refresh");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, clock_now_ms());
  sqlite3_bind_int64(st, 3, id);
  return store__step_done(s, st, err, "recording a refresh");
}

void store_refreshes_free(store_refresh *list, size_t n) {
  for (size_t i = 0; i < n; i++) free(list[i].steps);
  free(list);
}

seg_code store_refreshes_list(store *s, int limit, store_refresh **out, size_t *n, seg_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st, *steps;
  seg_code rc = store__prep(s,
                     "SELECT refresh_id, trigger, status, started_at, coalesce(finished_at, 0) FROM refreshes "
                     "ORDER BY refresh_id DESC LIMIT ?",
                     &st, err, "reading refreshes");
  if (rc != SEG_OK) return rc;
  if ((rc = store__prep(s,
                 "SELECT kind, target, status, message, started_at, finished_at FROM refresh_steps WHERE refresh_id = ? "
                 "ORDER BY position",
                 &steps, err, "reading refreshes")) != SEG_OK) {
    sqlite3_finalize(st);
    return rc;
  }
  sqlite3_bind_int(st, 1, limit);
  while (sqlite3_step(st) == SQLITE_ROW) {
    store_refresh *p = realloc(*out, (*n + 1) * sizeof *p);
    if (!p) break;
    *out = p;
    p = &p[(*n)++];
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    store__copy_text(st, 1, p->trigger, sizeof p->trigger);
    store__copy_text(st, 2, p->status, sizeof p->status);
    p->started_at = sqlite3_column_int64(st, 3);
    p->finished_at = sqlite3_column_int64(st, 4);
    sqlite3_bind_int64(steps, 1, p->id);
    while (sqlite3_step(steps) == SQLITE_ROW) {
      store_refresh_step *q = realloc(p->steps, (p->n_steps + 1) * sizeof *q);
      if (!q) break;
      p->steps = q;
      q = &q[p->n_steps++];
      store__copy_text(steps, 0, q->kind, sizeof q->kind);
      store__copy_text(steps, 1, q->target, sizeof q->target);
      store__copy_text(steps, 2, q->status, sizeof q->status);
      store__copy_text(steps, 3, q->message, sizeof q->message);
      q->started_at = sqlite3_column_int64(steps, 4);
      q->finished_at = sqlite3_column_int64(steps, 5);
    }
    sqlite3_reset(steps);
  }
  sqlite3_finalize(steps);
  sqlite3_finalize(st);
  return SEG_OK;
}

seg_code store_run_totals_list(store *s, store_run_totals **out, size_t *n, seg_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "SELECT d.name, r.status, count(*), sum(r.contacts_upserted), sum(r.list_additions), "
                     "sum(r.list_removals), sum(r.rejected), sum(r.api_calls), sum(r.retries), sum(r.throttled), "
                     "max(CASE WHEN r.status = 'succeeded' THEN r.finished_at END), "
                     "(SELECT (r2.finished_at - r2.started_at) / 1000.0 FROM export_runs r2 WHERE r2.destination_id = "
                     "d.destination_id AND r2.finished_at IS NOT NULL ORDER BY r2.run_id DESC LIMIT 1), "
                     "sum(r.field_sets), sum(r.field_clears) "
                     "FROM export_runs r JOIN destinations d ON d.destination_id = r.destination_id "
                     "GROUP BY d.destination_id, r.status ORDER BY d.name",
                     &st, err, "reading run totals");
  if (rc != SEG_OK) return rc;
  while (sqlite3_step(st) == SQLITE_ROW) {
    char name[129];
    store__copy_text(st, 0, name, sizeof name);
    store_run_totals *t = NULL;
    for (size_t i = 0; i < *n; i++)
      if (strcmp((*out)[i].destination, name) == 0) t = &(*out)[i];
    if (!t) {
      store_run_totals *p = realloc(*out, (*n + 1) * sizeof *p);
      if (!p) break;
      *out = p;
      t = &p[(*n)++];
      memset(t, 0, sizeof *t);
      snprintf(t->destination, sizeof t->destination, "%s", name);
    }
    char status[16];
    store__copy_text(st, 1, status, sizeof status);
    for (int k = 0; k < STORE_RUN_N_STATUSES; k++)
      if (strcmp(status, store_run_statuses[k]) == 0) t->runs_by_status[k] += sqlite3_column_int64(st, 2);
    t->contacts_upserted += sqlite3_column_int64(st, 3);
    t->list_additions += sqlite3_column_int64(st, 4);
    t->list_removals += sqlite3_column_int64(st, 5);
    t->rejected += sqlite3_column_int64(st, 6);
    t->api_calls += sqlite3_column_int64(st, 7);
    t->retries += sqlite3_column_int64(st, 8);
    t->throttled += sqlite3_column_int64(st, 9);
    int64_t ls = sqlite3_column_int64(st, 10);
    if (ls > t->last_success_ms) t->last_success_ms = ls;
    t->last_duration_s = sqlite3_column_double(st, 11);
    t->field_sets += sqlite3_column_int64(st, 12);
    t->field_clears += sqlite3_column_int64(st, 13);
  }
  sqlite3_finalize(st);
  return SEG_OK;
}
