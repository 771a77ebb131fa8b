/* pgsources.c: the pg_sources table: PostgreSQL sources and their high-water marks. */
#include "store/pgsources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/clock.h"

bool store_source_name_taken(store *s, const char *name) {
  sqlite3_stmt *st;
  seg_err ignore;
  if (store__prep(s,
                  "SELECT 1 FROM sources WHERE name = ?1 COLLATE NOCASE "
                  "UNION ALL SELECT 1 FROM pg_sources WHERE name = ?1 COLLATE NOCASE",
                  &st, &ignore, "looking up a source") != SEG_OK)
    return false;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  bool taken = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return taken;
}

seg_code store_pg_source_add(store *s, const store_pg_source *src, seg_err *err) {
  if (store_source_name_taken(s, src->name))
    return seg_err_set(err, SEG_EEXIST, "a source named '%s' already exists; choose another name", src->name);
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                            "INSERT INTO pg_sources(name, uri, relation, query, id_column, mode, changed_column, replace, "
                            "password_file, statement_timeout_ms, created_at, max_delete) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                            &st, err, "adding a source");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, src->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, src->uri, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, src->relation ? src->relation : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, src->query ? src->query : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, src->id_column, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, src->mode, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, src->changed_column, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 8, src->replace);
  sqlite3_bind_text(st, 9, src->password_file ? src->password_file : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 10, src->statement_timeout_ms);
  sqlite3_bind_int64(st, 11, clock_now_ms());
  sqlite3_bind_int(st, 12, src->max_delete);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r == SQLITE_CONSTRAINT) return seg_err_set(err, SEG_EEXIST, "a source named '%s' already exists", src->name);
  return r == SQLITE_DONE ? SEG_OK : store__sqlite_err(s, err, "adding a source");
}

static char *dup_col(sqlite3_stmt *st, int col) {
  const char *t = (const char *)sqlite3_column_text(st, col);
  return strdup(t ? t : "");
}

void store_pg_sources_free(store_pg_source *list, size_t n) {
  for (size_t i = 0; list && i < n; i++) {
    free(list[i].uri);
    free(list[i].relation);
    free(list[i].query);
    free(list[i].password_file);
    free(list[i].high_water);
  }
  free(list);
}

seg_code store_pg_sources_list(store *s, store_pg_source **out, size_t *n, seg_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                            "SELECT source_id, name, uri, relation, query, id_column, mode, changed_column, replace, "
                            "password_file, statement_timeout_ms, high_water, created_at, max_delete FROM pg_sources ORDER BY name",
                            &st, err, "listing sources");
  if (rc != SEG_OK) return rc;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    store_pg_source *p = realloc(*out, (*n + 1) * sizeof *p);
    if (!p) {
      rc = seg_err_set(err, SEG_ENOMEM, "out of memory listing sources");
      break;
    }
    *out = p;
    p = &p[(*n)++];
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    store__copy_text(st, 1, p->name, sizeof p->name);
    p->uri = dup_col(st, 2);
    p->relation = dup_col(st, 3);
    p->query = dup_col(st, 4);
    store__copy_text(st, 5, p->id_column, sizeof p->id_column);
    store__copy_text(st, 6, p->mode, sizeof p->mode);
    store__copy_text(st, 7, p->changed_column, sizeof p->changed_column);
    p->replace = sqlite3_column_int(st, 8) != 0;
    p->password_file = dup_col(st, 9);
    p->statement_timeout_ms = sqlite3_column_int64(st, 10);
    p->high_water = dup_col(st, 11);
    p->created_at = sqlite3_column_int64(st, 12);
    p->max_delete = sqlite3_column_int(st, 13);
    if (!p->uri || !p->relation || !p->query || !p->password_file || !p->high_water) {
      rc = seg_err_set(err, SEG_ENOMEM, "out of memory listing sources");
      break;
    }
  }
  if (rc == SEG_OK && r != SQLITE_DONE) rc = store__sqlite_err(s, err, "listing sources");
  sqlite3_finalize(st);
  if (rc != SEG_OK) {
    store_pg_sources_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return rc;
}

seg_code store_pg_source_remove(store *s, const char *name, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "DELETE FROM pg_sources WHERE name = ?", &st, err, "removing a source");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  if ((rc = store__step_done(s, st, err, "removing a source")) != SEG_OK) return rc;
  if (sqlite3_changes(store__db(s)) == 0)
    return seg_err_set(err, SEG_ENOTFOUND, "there is no source '%s'; 'segship source list' shows them", name);
  return SEG_OK;
}

seg_code store_pg_source_update(store *s, const store_pg_source *src, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                            "UPDATE pg_sources SET uri = ?, changed_column = ?, replace = ?, password_file = ?, "
                            "statement_timeout_ms = ?, max_delete = ?, high_water = ? WHERE source_id = ?",
                            &st, err, "updating a source");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, src->uri, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, src->changed_column, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, src->replace);
  sqlite3_bind_text(st, 4, src->password_file ? src->password_file : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, src->statement_timeout_ms);
  sqlite3_bind_int(st, 6, src->max_delete);
  sqlite3_bind_text(st, 7, src->high_water ? src->high_water : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 8, src->id);
  if ((rc = store__step_done(s, st, err, "updating a source")) != SEG_OK) return rc;
  if (sqlite3_changes(store__db(s)) == 0)
    return seg_err_set(err, SEG_ENOTFOUND, "the source '%s' was removed meanwhile; nothing was changed", src->name);
  return SEG_OK;
}

seg_code store_pg_source_set_high_water(store *s, int64_t id, const char *value, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "UPDATE pg_sources SET high_water = ? WHERE source_id = ?", &st, err,
                            "recording the source's high-water mark");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, id);
  return store__step_done(s, st, err, "recording the source's high-water mark");
}
