/* segments.c: segment records, the one-pass refresh of their membership, and its history. */
#include "store/segments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/text.h"

static char *dup_col(sqlite3_stmt *st, int col) {
  const char *t = (const char *)sqlite3_column_text(st, col);
  return t ? strdup(t) : NULL;
}

void store_segment_free(store_segment *g) {
  if (!g) return;
  free(g->rule);
  free(g->description);
  free(g->broken);
  g->rule = g->description = g->broken = NULL;
}

void store_segments_free(store_segment *list, size_t n) {
  for (size_t i = 0; i < n; i++) store_segment_free(&list[i]);
  free(list);
}

#define SEGMENT_COLUMNS \
  "segment_id, name, rule, description, broken, created_at, updated_at, coalesce(refreshed_at, 0), coalesce(member_count, -1)"

static void read_segment(sqlite3_stmt *st, store_segment *g) {
  memset(g, 0, sizeof *g);
  g->id = sqlite3_column_int64(st, 0);
  snprintf(g->name, sizeof g->name, "%s", (const char *)sqlite3_column_text(st, 1));
  g->rule = dup_col(st, 2);
  g->description = dup_col(st, 3);
  g->broken = dup_col(st, 4);
  g->created_at = sqlite3_column_int64(st, 5);
  g->updated_at = sqlite3_column_int64(st, 6);
  g->refreshed_at = sqlite3_column_int64(st, 7);
  g->members = sqlite3_column_int64(st, 8);
}

seg_code store_segment_create(store *s, const char *name, const char *rule, const char *description, int64_t *id,
                              seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s),
                         "INSERT INTO segments(name, rule, description, created_at, updated_at) VALUES(?,?,?,?,?)", -1,
                         &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "saving a segment");
  int64_t now = clock_now_ms();
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, description ? description : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, now);
  sqlite3_bind_int64(st, 5, now);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT)
    return seg_err_set(err, SEG_EEXIST, "a segment named '%s' already exists; choose another name or use 'segment update'",
                       name);
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "saving a segment");
  if (id) *id = sqlite3_last_insert_rowid(store__db(s));
  return SEG_OK;
}

seg_code store_segment_update(store *s, int64_t id, const char *rule, const char *description, const char *new_name,
                              seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s),
                         "UPDATE segments SET rule = coalesce(?, rule), description = coalesce(?, description), "
                         "name = coalesce(?, name), updated_at = ? WHERE segment_id = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "updating a segment");
  if (rule) sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
  if (description) sqlite3_bind_text(st, 2, description, -1, SQLITE_STATIC);
  if (new_name) sqlite3_bind_text(st, 3, new_name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, clock_now_ms());
  sqlite3_bind_int64(st, 5, id);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT)
    return seg_err_set(err, SEG_EEXIST, "a segment named '%s' already exists; choose another name", new_name);
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "updating a segment");
  return SEG_OK;
}

seg_code store_segment_delete(store *s, int64_t id, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "DELETE FROM segments WHERE segment_id = ?", -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "deleting a segment");
  sqlite3_bind_int64(st, 1, id);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "deleting a segment");
  return SEG_OK;
}

seg_code store_segments_list(store *s, store_segment **list, size_t *n, seg_err *err) {
  *list = NULL;
  *n = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "SELECT " SEGMENT_COLUMNS " FROM segments ORDER BY name", -1, &st, NULL) !=
      SQLITE_OK)
    return store__sqlite_err(s, err, "listing segments");
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? cap * 2 : 8;
      store_segment *p = realloc(*list, cap * sizeof *p);
      if (!p) {
        sqlite3_finalize(st);
        store_segments_free(*list, *n);
        *list = NULL;
        *n = 0;
        return seg_err_set(err, SEG_ENOMEM, "out of memory listing segments");
      }
      *list = p;
    }
    read_segment(st, &(*list)[(*n)++]);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    store_segments_free(*list, *n);
    *list = NULL;
    *n = 0;
    return store__sqlite_err(s, err, "listing segments");
  }
  return SEG_OK;
}

seg_code store_segment_get(store *s, const char *name, store_segment *out, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "SELECT " SEGMENT_COLUMNS " FROM segments WHERE name = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return store__sqlite_err(s, err, "reading a segment");
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    read_segment(st, out);
    sqlite3_finalize(st);
    return SEG_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "reading a segment");
  /* Not found: suggest the nearest name. */
  store_segment *all;
  size_t n;
  char hint[STORE_SEGMENT_NAME_MAX + 32] = "; 'segship segment list' shows them";
  if (store_segments_list(s, &all, &n, NULL) == SEG_OK) {
    int best = 4;
    for (size_t i = 0; i < n; i++) {
      int d = text_edit_distance(name, all[i].name);
      if (d < best) {
        best = d;
        snprintf(hint, sizeof hint, "; did you mean '%s'?", all[i].name);
      }
    }
    store_segments_free(all, n);
  }
  return seg_err_set(err, SEG_ENOTFOUND, "there is no segment '%s'%s", name, hint);
}

seg_code store_segment_set_broken(store *s, int64_t id, const char *why, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "UPDATE segments SET broken = ? WHERE segment_id = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return store__sqlite_err(s, err, "marking a segment");
  if (why) sqlite3_bind_text(st, 1, why, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, id);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "marking a segment");
  return SEG_OK;
}

/* ---- refresh ---- */

typedef struct pids {
  int64_t *v;
  size_t n, cap;
} pids;

static int pids_push(pids *p, int64_t pid) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 1024;
    int64_t *v = realloc(p->v, cap * sizeof *v);
    if (!v) return -1;
    p->v = v;
    p->cap = cap;
  }
  p->v[p->n++] = pid;
  return 0;
}

/* One scan of the profiles: pid and each rule's truth, into sets[i] (ascending pids). The caller
 * keeps the statement within SQLite's limits (see scan_rules). */
static seg_code scan_chunk(store *s, store_refresh_item *items, size_t n, pids *sets, seg_err *err) {
  buf sql;
  buf_init(&sql, 0);
  buf_puts(&sql, "SELECT pid");
  size_t n_params = 0;
  for (size_t i = 0; i < n; i++) {
    buf_printf(&sql, ", coalesce((%s), 0)", items[i].where.sql);
    n_params += items[i].where.n_params;
  }
  buf_puts(&sql, " FROM profiles ORDER BY pid");
  sqlite3_stmt *st;
  int prc = sqlite3_prepare_v2(store__db(s), buf_str(&sql), -1, &st, NULL);
  buf_free(&sql);
  if (prc != SQLITE_OK) return store__sqlite_err(s, err, "evaluating segment rules");
  char(*scratch)[24] = calloc(n_params + 1, sizeof *scratch);
  if (!scratch) {
    sqlite3_finalize(st);
    return seg_err_set(err, SEG_ENOMEM, "out of memory refreshing segments");
  }
  int k = 1;
  for (size_t i = 0; i < n; i++)
    for (size_t p = 0; p < items[i].where.n_params; p++, k++)
      store__bind_value(st, k, &items[i].where.params[p], scratch[k - 1]);
  seg_code rc = SEG_OK;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t pid = sqlite3_column_int64(st, 0);
    for (size_t i = 0; i < n; i++)
      if (sqlite3_column_int(st, (int)i + 1) && pids_push(&sets[i], pid) != 0) {
        rc = seg_err_set(err, SEG_ENOMEM, "out of memory refreshing segments");
        break;
      }
    if (rc != SEG_OK) break;
  }
  if (rc == SEG_OK && step != SQLITE_DONE) rc = store__sqlite_err(s, err, "evaluating segment rules");
  sqlite3_finalize(st);
  free(scratch);
  return rc;
}

/* Evaluates every rule, in as few scans as SQLite's limits allow: each scan's statement stays
 * within the bound parameters (SQLITE_LIMIT_VARIABLE_NUMBER), the result columns
 * (SQLITE_LIMIT_COLUMN) and the SQL length (SQLITE_LIMIT_SQL_LENGTH) of this connection, however
 * many or large the rules are. All scans run in the caller's transaction, so they see one state. */
static seg_code scan_rules(store *s, store_refresh_item *items, size_t n, pids *sets, seg_err *err) {
  sqlite3 *db = store__db(s);
  size_t max_params = (size_t)sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
  size_t max_cols = (size_t)sqlite3_limit(db, SQLITE_LIMIT_COLUMN, -1);
  size_t max_sql = (size_t)sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, -1);
  const size_t frame = sizeof "SELECT pid FROM profiles ORDER BY pid" + 16, per_rule = sizeof ", coalesce((), 0)";
  size_t first = 0;
  while (first < n) {
    size_t params = 0, sql = frame, end = first;
    while (end < n) {
      size_t p = items[end].where.n_params, q = strlen(items[end].where.sql) + per_rule;
      if (end > first && (params + p > max_params || end - first + 2 > max_cols || sql + q > max_sql)) break;
      if (p > max_params || sql + q > max_sql) /* one rule alone does not fit */
        return seg_err_set(err, SEG_ELIMIT,
                           "a segment rule needs %zu values and %zu bytes of SQL, more than this SQLite allows (%zu "
                           "values, %zu bytes); split the rule into smaller segments",
                           p, q, max_params, max_sql);
      params += p;
      sql += q;
      end++;
    }
    seg_code rc = scan_chunk(s, items + first, end - first, sets + first, err);
    if (rc != SEG_OK) return rc;
    first = end;
  }
  return SEG_OK;
}

static seg_code old_members(store *s, int64_t segment_id, pids *out, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "SELECT pid FROM segment_members WHERE segment_id = ? ORDER BY pid", -1, &st,
                         NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "reading a segment's members");
  sqlite3_bind_int64(st, 1, segment_id);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW)
    if (pids_push(out, sqlite3_column_int64(st, 0)) != 0) {
      sqlite3_finalize(st);
      return seg_err_set(err, SEG_ENOMEM, "out of memory refreshing segments");
    }
  sqlite3_finalize(st);
  if (step != SQLITE_DONE) return store__sqlite_err(s, err, "reading a segment's members");
  return SEG_OK;
}

typedef struct writer {
  sqlite3_stmt *add, *del, *change;
} writer;

static seg_code apply_diff(store *s, writer *w, store_refresh_item *it, const pids *now_set, const pids *old,
                           int64_t refresh_id, int64_t now, seg_err *err) {
  size_t i = 0, j = 0;
  int rc = SQLITE_DONE;
  while ((i < now_set->n || j < old->n) && rc == SQLITE_DONE) {
    int64_t pid;
    int joined;
    if (j >= old->n || (i < now_set->n && now_set->v[i] < old->v[j])) {
      pid = now_set->v[i++];
      joined = 1;
      sqlite3_bind_int64(w->add, 1, it->segment_id);
      sqlite3_bind_int64(w->add, 2, pid);
      sqlite3_bind_int64(w->add, 3, now);
      rc = sqlite3_step(w->add);
      sqlite3_reset(w->add);
      it->joined++;
    } else if (i >= now_set->n || old->v[j] < now_set->v[i]) {
      pid = old->v[j++];
      joined = 0;
      sqlite3_bind_int64(w->del, 1, it->segment_id);
      sqlite3_bind_int64(w->del, 2, pid);
      rc = sqlite3_step(w->del);
      sqlite3_reset(w->del);
      it->left++;
    } else {
      i++;
      j++;
      continue;
    }
    if (rc != SQLITE_DONE) break;
    sqlite3_bind_int64(w->change, 1, refresh_id);
    sqlite3_bind_int64(w->change, 2, pid);
    sqlite3_bind_int(w->change, 3, joined);
    rc = sqlite3_step(w->change);
    sqlite3_reset(w->change);
  }
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "storing a segment's members");
  return SEG_OK;
}

static seg_code exec_bound(store *s, const char *sql, int64_t a, int64_t b, int64_t c, int64_t d, seg_err *err,
                           const char *doing) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), sql, -1, &st, NULL) != SQLITE_OK) return store__sqlite_err(s, err, doing);
  int np = sqlite3_bind_parameter_count(st);
  int64_t v[4] = {a, b, c, d};
  for (int i = 0; i < np && i < 4; i++) sqlite3_bind_int64(st, i + 1, v[i]);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, doing);
  return SEG_OK;
}

seg_code store_segments_refresh(store *s, store_refresh_item *items, size_t n, seg_err *err) {
  if (n == 0) return SEG_OK;
  pids *sets = calloc(n, sizeof *sets);
  if (!sets) return seg_err_set(err, SEG_ENOMEM, "out of memory refreshing segments");
  writer w = {0};
  seg_code rc = store_tx_begin(s, err);
  if (rc != SEG_OK) {
    free(sets);
    return rc;
  }
  int64_t t0 = clock_mono_ms();
  rc = scan_rules(s, items, n, sets, err);
  int64_t scan_share = (clock_mono_ms() - t0) / (int64_t)n;
  sqlite3 *db = store__db(s);
  if (rc == SEG_OK &&
      (sqlite3_prepare_v2(db, "INSERT INTO segment_members(segment_id, pid, joined_at) VALUES(?,?,?)", -1, &w.add,
                          NULL) != SQLITE_OK ||
       sqlite3_prepare_v2(db, "DELETE FROM segment_members WHERE segment_id = ? AND pid = ?", -1, &w.del, NULL) !=
           SQLITE_OK ||
       /* A leaver's id is kept (the profile may be deleted later); a joiner's is read back
        * through its pid, which saves a lookup per member on a first refresh. */
       sqlite3_prepare_v2(db,
                          "INSERT INTO segment_changes(refresh_id, pid, customer_id, joined) "
                          "VALUES(?1, ?2, CASE WHEN ?3 THEN NULL ELSE (SELECT customer_id FROM profiles WHERE pid = ?2) "
                          "END, ?3)",
                          -1, &w.change, NULL) != SQLITE_OK))
    rc = store__sqlite_err(s, err, "refreshing segments");
  int64_t now = clock_now_ms();
  for (size_t i = 0; i < n && rc == SEG_OK; i++) {
    int64_t t1 = clock_mono_ms();
    store_refresh_item *it = &items[i];
    it->joined = it->left = 0;
    it->members = (int64_t)sets[i].n;
    rc = exec_bound(s, "INSERT INTO segment_refreshes(segment_id, at, members, joined, left_count, duration_ms) "
                       "VALUES(?, ?, ?, 0, 0, 0)",
                    it->segment_id, now, it->members, 0, err, "recording a refresh");
    if (rc != SEG_OK) break;
    int64_t refresh_id = sqlite3_last_insert_rowid(db);
    pids old = {0};
    rc = old_members(s, it->segment_id, &old, err);
    if (rc == SEG_OK) rc = apply_diff(s, &w, it, &sets[i], &old, refresh_id, now, err);
    free(old.v);
    it->duration_ms = scan_share + (clock_mono_ms() - t1);
    if (rc == SEG_OK)
      rc = exec_bound(s, "UPDATE segment_refreshes SET joined = ?, left_count = ?, duration_ms = ? WHERE refresh_id = ?",
                      it->joined, it->left, it->duration_ms, refresh_id, err, "recording a refresh");
    if (rc == SEG_OK)
      rc = exec_bound(s, "UPDATE segments SET member_count = ?, refreshed_at = ?, broken = NULL WHERE segment_id = ?",
                      it->members, now, it->segment_id, 0, err, "recording a refresh");
    /* Keep the joined/left lists of the last refreshes only; the counts stay. */
    if (rc == SEG_OK)
      rc = exec_bound(s,
                      "DELETE FROM segment_changes WHERE refresh_id IN (SELECT refresh_id FROM segment_refreshes "
                      "WHERE segment_id = ? ORDER BY refresh_id DESC LIMIT -1 OFFSET ?)",
                      it->segment_id, STORE_HISTORY_KEEP, 0, 0, err, "pruning history");
  }
  sqlite3_finalize(w.add);
  sqlite3_finalize(w.del);
  sqlite3_finalize(w.change);
  for (size_t i = 0; i < n; i++) free(sets[i].v);
  free(sets);
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}

/* ---- reading membership and history ---- */

seg_code store_segment_history(store *s, int64_t id, int limit, store_segment_refresh **out, size_t *n, seg_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s),
                         "SELECT refresh_id, at, members, joined, left_count, duration_ms FROM segment_refreshes "
                         "WHERE segment_id = ? ORDER BY refresh_id DESC LIMIT ?",
                         -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "reading a segment's history");
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int(st, 2, limit);
  store_segment_refresh *v = calloc((size_t)(limit > 0 ? limit : 1), sizeof *v);
  if (!v) {
    sqlite3_finalize(st);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  while (sqlite3_step(st) == SQLITE_ROW && *n < (size_t)limit) {
    store_segment_refresh *r = &v[(*n)++];
    r->refresh_id = sqlite3_column_int64(st, 0);
    r->at = sqlite3_column_int64(st, 1);
    r->members = sqlite3_column_int64(st, 2);
    r->joined = sqlite3_column_int64(st, 3);
    r->left = sqlite3_column_int64(st, 4);
    r->duration_ms = sqlite3_column_int64(st, 5);
  }
  sqlite3_finalize(st);
  *out = v;
  return SEG_OK;
}

seg_code store_segment_members_each(store *s, int64_t id, int64_t limit, int (*fn)(const char *id, void *ctx),
                                    void *ctx, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s),
                         "SELECT p.customer_id FROM segment_members m JOIN profiles p ON p.pid = m.pid "
                         "WHERE m.segment_id = ? ORDER BY p.customer_id LIMIT ?",
                         -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "reading a segment's members");
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, limit);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW)
    if (fn((const char *)sqlite3_column_text(st, 0), ctx)) break;
  sqlite3_finalize(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return store__sqlite_err(s, err, "reading a segment's members");
  return SEG_OK;
}

seg_code store_segment_changes_each(store *s, int64_t refresh_id, int64_t limit,
                                    int (*fn)(const char *id, int joined, void *ctx), void *ctx, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s),
                         "SELECT coalesce(c.customer_id, p.customer_id), c.joined FROM segment_changes c "
                         "LEFT JOIN profiles p ON p.pid = c.pid WHERE c.refresh_id = ? "
                         "ORDER BY c.joined DESC, 1 LIMIT ?",
                         -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "reading a refresh's changes");
  sqlite3_bind_int64(st, 1, refresh_id);
  sqlite3_bind_int64(st, 2, limit);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW)
    if (fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1), ctx)) break;
  sqlite3_finalize(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return store__sqlite_err(s, err, "reading a refresh's changes");
  return SEG_OK;
}
