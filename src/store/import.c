/* import.c: the import session: upsert by id with content hashes, schema growth, one transaction. */
#include "store/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store_internal.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/text.h"

struct store_import {
  store *s;
  store_schema schema;
  int id_index;
  int64_t now;
  unsigned schema_gen, stmt_gen; /* statements are rebuilt when the schema grows */
  sqlite3_stmt *lookup, *fetch, *insert, *update;
  /* The profiles the file named, in the temporary table temp.import_seen(pid, line) of the store's
   * connection (line NULL: a rejected row), so that the memory it takes never follows the number
   * of rows nor the value of a row id: SQLite's temporary store is a file paged through a small
   * cache. It lives in the import's transaction: a rollback or a killed process takes it along. */
  sqlite3_stmt *seen_add, *seen_get;
  int64_t seen_n;                /* rows in temp.import_seen */
  seg_code seen_failed;          /* a failure of store_import_mark_seen, reported by the next call */
  seg_err seen_err;
  seg_value *merged;             /* scratch: the full row being written */
  char **owned;                  /* scratch: text copied out of a fetched row */
  char (*bind_scratch)[24];      /* scratch: dates formatted for binding, one per attribute */
  size_t merged_cap;
  store_import_counts counts;
};

static void finalize_stmts(store_import *imp) {
  sqlite3_finalize(imp->seen_add);
  sqlite3_finalize(imp->seen_get);
  imp->seen_add = imp->seen_get = NULL;
  sqlite3_finalize(imp->lookup);
  sqlite3_finalize(imp->fetch);
  sqlite3_finalize(imp->insert);
  sqlite3_finalize(imp->update);
  imp->lookup = imp->fetch = imp->insert = imp->update = NULL;
}

static void free_session(store_import *imp) {
  finalize_stmts(imp);
  store_schema_free(&imp->schema);
  free(imp->merged);
  free(imp->owned);
  free(imp->bind_scratch);
  free(imp);
}

/* A failure of the temporary table: a full disk is that of SQLite's temporary files, not the store's. */
static seg_code seen_sqlite_err(store_import *imp, seg_err *err) {
  if (sqlite3_errcode(store__db(imp->s)) == SQLITE_FULL)
    return seg_err_set(err, SEG_EIO,
                       "the disk holding SQLite's temporary files is full (the import records there which profiles it "
                       "saw: in $SQLITE_TMPDIR, else $TMPDIR, else /var/tmp); free some space there or set TMPDIR to "
                       "a larger disk, and try again; nothing was changed");
  return store__sqlite_err(imp->s, err, "recording the profiles the import saw");
}

const store_schema *store_import_schema(const store_import *imp) { return &imp->schema; }
int store_import_id_index(const store_import *imp) { return imp->id_index; }

seg_code store_import_begin(store *s, const char *id_name, store_import **out, seg_err *err) {
  *out = NULL;
  store_import *imp = calloc(1, sizeof *imp);
  if (!imp) return seg_err_set(err, SEG_ENOMEM, "out of memory starting the import");
  imp->s = s;
  imp->now = clock_now_ms();
  imp->id_index = -1;
  seg_code rc = store_tx_begin(s, err);
  if (rc != SEG_OK) {
    free(imp);
    return rc;
  }
  if ((rc = store_schema_load(s, &imp->schema, err)) != SEG_OK) goto fail;
  /* Created inside the transaction: a rollback drops it again. */
  if (sqlite3_exec(store__db(s),
                   "CREATE TEMP TABLE IF NOT EXISTS import_seen(pid INTEGER PRIMARY KEY, line INTEGER); "
                   "DELETE FROM temp.import_seen",
                   NULL, NULL, NULL) != SQLITE_OK) {
    rc = seen_sqlite_err(imp, err);
    goto fail;
  }
  for (size_t i = 0; i < imp->schema.n; i++)
    if (imp->schema.attrs[i].is_id) imp->id_index = (int)i;
  if (imp->id_index < 0) {
    rc = store__attr_add(s, &imp->schema, id_name ? id_name : STORE_DEFAULT_ID, true, &imp->id_index, err);
    if (rc != SEG_OK) goto fail;
  } else if (id_name && strcasecmp(id_name, imp->schema.attrs[imp->id_index].name) != 0) {
    rc = seg_err_set(err, SEG_EINVAL,
                     "this store's profiles are keyed by '%s', not '%s'; import with --id %s or use another store",
                     imp->schema.attrs[imp->id_index].name, id_name, imp->schema.attrs[imp->id_index].name);
    goto fail;
  }
  *out = imp;
  return SEG_OK;
fail:
  store_tx_rollback(s);
  free_session(imp);
  return rc;
}

seg_code store_import_attr(store_import *imp, const char *name, int *index, seg_err *err) {
  int i = store_schema_find(&imp->schema, name);
  if (i >= 0) {
    *index = i;
    return SEG_OK;
  }
  seg_code rc = store__attr_add(imp->s, &imp->schema, name, false, index, err);
  if (rc == SEG_OK) imp->schema_gen++;
  return rc;
}

seg_code store_import_widen(store_import *imp, int index, attr_type to, seg_err *err) {
  return store__attr_widen(imp->s, &imp->schema, index, to, err);
}

static seg_code prepare(store_import *imp, sqlite3_stmt **st, const char *sql, seg_err *err) {
  if (sqlite3_prepare_v3(store__db(imp->s), sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
    return store__sqlite_err(imp->s, err, "preparing the import");
  return SEG_OK;
}

/* (Re)builds the statements for the current schema; attribute columns in schema order. */
static seg_code build_stmts(store_import *imp, seg_err *err) {
  if (imp->lookup && imp->stmt_gen == imp->schema_gen) return SEG_OK;
  finalize_stmts(imp);
  const store_schema *sc = &imp->schema;
  buf fetch, ins, vals, upd;
  buf_init(&fetch, 0);
  buf_init(&ins, 0);
  buf_init(&vals, 0);
  buf_init(&upd, 0);
  buf_puts(&fetch, "SELECT 0");
  buf_puts(&ins, "INSERT INTO profiles(customer_id, content_hash, changed_at, created_at");
  buf_puts(&vals, ") VALUES(?, ?, ?, ?");
  buf_puts(&upd, "UPDATE profiles SET content_hash = ?, changed_at = ?");
  for (size_t i = 0; i < sc->n; i++) {
    if (sc->attrs[i].is_id) continue;
    buf_printf(&fetch, ", %s", sc->attrs[i].col);
    buf_printf(&ins, ", %s", sc->attrs[i].col);
    buf_puts(&vals, ", ?");
    buf_printf(&upd, ", %s = ?", sc->attrs[i].col);
  }
  buf_puts(&fetch, " FROM profiles WHERE pid = ?");
  buf_puts(&ins, buf_str(&vals));
  buf_puts(&ins, ")");
  buf_puts(&upd, " WHERE pid = ?");
  seg_code rc = prepare(imp, &imp->lookup, "SELECT pid, content_hash FROM profiles WHERE customer_id = ?", err);
  if (rc == SEG_OK) rc = prepare(imp, &imp->fetch, buf_str(&fetch), err);
  if (rc == SEG_OK) rc = prepare(imp, &imp->insert, buf_str(&ins), err);
  if (rc == SEG_OK) rc = prepare(imp, &imp->update, buf_str(&upd), err);
  buf_free(&fetch);
  buf_free(&ins);
  buf_free(&vals);
  buf_free(&upd);
  if (rc == SEG_OK) imp->stmt_gen = imp->schema_gen;
  if (imp->merged_cap < sc->n) {
    seg_value *m = realloc(imp->merged, sc->n * sizeof *m);
    char **o = realloc(imp->owned, sc->n * sizeof *o);
    char(*b)[24] = realloc(imp->bind_scratch, sc->n * sizeof *b);
    if (m) imp->merged = m;
    if (o) imp->owned = o;
    if (b) imp->bind_scratch = b;
    if (!m || !o || !b) return seg_err_set(err, SEG_ENOMEM, "out of memory during the import");
    imp->merged_cap = sc->n;
  }
  return rc;
}

/* Records that the import saw profile pid at line (0: in a rejected row). *first is 0 when pid
 * is new to the import, else the line it was first seen at (-1: a rejected row). */
static seg_code seen_mark(store_import *imp, int64_t pid, int64_t line, int64_t *first, seg_err *err) {
  *first = 0;
  if (!imp->seen_add &&
      sqlite3_prepare_v3(store__db(imp->s), "INSERT OR IGNORE INTO temp.import_seen(pid, line) VALUES(?, ?)", -1,
                         SQLITE_PREPARE_PERSISTENT, &imp->seen_add, NULL) != SQLITE_OK)
    return store__sqlite_err(imp->s, err, "preparing the import");
  sqlite3_stmt *st = imp->seen_add;
  sqlite3_bind_int64(st, 1, pid);
  if (line > 0) sqlite3_bind_int64(st, 2, line);
  else sqlite3_bind_null(st, 2);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return seen_sqlite_err(imp, err);
  if (sqlite3_changes(store__db(imp->s)) == 1) {
    imp->seen_n++;
    return SEG_OK;
  }
  if (!imp->seen_get &&
      sqlite3_prepare_v3(store__db(imp->s), "SELECT line FROM temp.import_seen WHERE pid = ?", -1,
                         SQLITE_PREPARE_PERSISTENT, &imp->seen_get, NULL) != SQLITE_OK)
    return store__sqlite_err(imp->s, err, "preparing the import");
  st = imp->seen_get;
  sqlite3_bind_int64(st, 1, pid);
  rc = sqlite3_step(st);
  *first = rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) return seen_sqlite_err(imp, err);
  return SEG_OK;
}

/* Looks up the profile with this id: *pid (0 when none) and its stored hash. */
static seg_code lookup(store_import *imp, const char *id, size_t id_len, int64_t *pid, uint8_t hash[16], seg_err *err) {
  sqlite3_stmt *st = imp->lookup;
  sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  *pid = 0;
  if (rc == SQLITE_ROW) {
    *pid = sqlite3_column_int64(st, 0);
    const void *h = sqlite3_column_blob(st, 1);
    if (h && sqlite3_column_bytes(st, 1) == 16) memcpy(hash, h, 16);
    else memset(hash, 0, 16);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store__sqlite_err(imp->s, err, "looking up a profile");
  return SEG_OK;
}

void store_import_mark_seen(store_import *imp, const char *id, size_t id_len) {
  int64_t pid, first;
  uint8_t hash[16];
  if (imp->seen_failed != SEG_OK) return;
  /* A profile left unmarked would be deleted by --replace: a failure here fails the import. */
  seg_code rc = build_stmts(imp, &imp->seen_err);
  if (rc == SEG_OK) rc = lookup(imp, id, id_len, &pid, hash, &imp->seen_err);
  if (rc == SEG_OK && pid) rc = seen_mark(imp, pid, 0, &first, &imp->seen_err);
  imp->seen_failed = rc;
}

/* The failure store_import_mark_seen recorded, if any, as this call's error. */
static seg_code seen_failure(store_import *imp, seg_err *err) {
  if (imp->seen_failed == SEG_OK) return SEG_OK;
  if (err) *err = imp->seen_err;
  return imp->seen_failed;
}

seg_code store_import_row(store_import *imp, int64_t line, const char *id, size_t id_len, const seg_value *values,
                          const bool *present, store_row_result *result, seg_err *err) {
  seg_code rc = seen_failure(imp, err);
  if (rc == SEG_OK) rc = build_stmts(imp, err);
  if (rc != SEG_OK) return rc;
  const store_schema *sc = &imp->schema;
  int64_t pid, first = 0;
  uint8_t old_hash[16];
  if ((rc = lookup(imp, id, id_len, &pid, old_hash, err)) != SEG_OK) return rc;
  if (pid && (rc = seen_mark(imp, pid, line, &first, err)) != SEG_OK) return rc;
  if (first) {
    char first_s[32] = "an earlier line";
    if (first > 0) snprintf(first_s, sizeof first_s, "line %lld", (long long)first);
    return seg_err_set(err, SEG_EINVAL,
                       "profile id '%.*s' appears twice, at %s and line %lld; ids must be unique in one file, so "
                       "nothing was imported",
                       (int)text_utf8_prefix(id, id_len, 80), id, first_s, (long long)line);
  }

  /* The full row: the file's values, and for attributes the file leaves out, the stored ones. */
  size_t n_owned = 0;
  bool need_fetch = false;
  for (size_t i = 0; i < sc->n; i++) {
    imp->merged[i] = values[i];
    if (!present[i] && (int)i != imp->id_index) {
      imp->merged[i].type = ATTR_NONE;
      need_fetch = true;
    }
  }
  imp->merged[imp->id_index].type = ATTR_NONE;
  if (pid && need_fetch) {
    sqlite3_stmt *st = imp->fetch;
    sqlite3_bind_int64(st, 1, pid);
    if (sqlite3_step(st) == SQLITE_ROW) {
      int col = 1;
      for (size_t i = 0; i < sc->n; i++) {
        if (sc->attrs[i].is_id) continue;
        if (!present[i]) {
          seg_value v;
          if (!store__column_value(st, col, sc->attrs[i].type, &v)) store__column_value(st, col, ATTR_TEXT, &v);
          if (v.type == ATTR_TEXT) {
            char *copy = malloc(v.n + 1);
            if (!copy) break;
            memcpy(copy, v.s, v.n);
            copy[v.n] = '\0';
            v.s = copy;
            imp->owned[n_owned++] = copy;
          }
          imp->merged[i] = v;
        }
        col++;
      }
    }
    sqlite3_reset(st);
  }

  uint8_t hash[16];
  store__hash_values(sc, imp->merged, hash);
  int step = SQLITE_DONE;
  if (pid && memcmp(hash, old_hash, 16) == 0) {
    *result = STORE_ROW_UNCHANGED;
    imp->counts.unchanged++;
  } else if (pid) {
    sqlite3_stmt *st = imp->update;
    sqlite3_bind_blob(st, 1, hash, 16, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, imp->now);
    int k = 3;
    for (size_t i = 0; i < sc->n; i++)
      if (!sc->attrs[i].is_id) store__bind_value(st, k++, &imp->merged[i], imp->bind_scratch[i]);
    sqlite3_bind_int64(st, k, pid);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    *result = STORE_ROW_UPDATED;
    imp->counts.updated++;
  } else {
    sqlite3_stmt *st = imp->insert;
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, hash, 16, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, imp->now);
    sqlite3_bind_int64(st, 4, imp->now);
    int k = 5;
    for (size_t i = 0; i < sc->n; i++)
      if (!sc->attrs[i].is_id) store__bind_value(st, k++, &imp->merged[i], imp->bind_scratch[i]);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    pid = sqlite3_last_insert_rowid(store__db(imp->s));
    *result = STORE_ROW_INSERTED;
    imp->counts.inserted++;
  }
  for (size_t i = 0; i < n_owned; i++) free(imp->owned[i]);
  if (step != SQLITE_DONE) return store__sqlite_err(imp->s, err, "writing a profile");
  if (*result == STORE_ROW_INSERTED) return seen_mark(imp, pid, line, &first, err);
  return SEG_OK;
}

/* With --replace: deletes the stored profiles the file did not name, unless they are more than
 * max_delete_pct percent of the profiles stored before the import (then SEG_ELIMIT, and the
 * caller rolls everything back). Every profile the import saw is stored (none is deleted before
 * this step), so the unseen ones number count(profiles) - count(seen), and one statement deletes
 * them; the number it deleted is checked against that count. */
static seg_code delete_unseen(store_import *imp, int max_delete_pct, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(imp->s, "SELECT count(*) FROM profiles", &st, err, "finding profiles to delete");
  if (rc != SEG_OK) return rc;
  int64_t stored = -1;
  if (sqlite3_step(st) == SQLITE_ROW) stored = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (stored < 0) return store__sqlite_err(imp->s, err, "finding profiles to delete");
  int64_t n = stored - imp->seen_n;
  if (n < 0) return seg_err_set(err, SEG_EINTERNAL, "the import saw more profiles than are stored; nothing was changed");
  /* The profiles stored before this import: the ones it did not insert. */
  int64_t before = stored - imp->counts.inserted;
  if (max_delete_pct < 100 && n > 0 && n * 100 > (int64_t)max_delete_pct * before) {
    int64_t need = (n * 100 + before - 1) / before;
    return seg_err_set(err, SEG_ELIMIT,
                       "--replace would delete %lld of the %lld stored profiles (%lld%%), more than the limit of %d%%; "
                       "nothing was changed. Check that the file is complete; if these deletions are intended, "
                       "run again with --max-delete %lld (--max-delete 100 turns the check off)",
                       (long long)n, (long long)before, (long long)need, max_delete_pct, (long long)need);
  }
  if (n == 0) return SEG_OK;
  rc = store__prep(imp->s, "DELETE FROM profiles WHERE pid NOT IN (SELECT pid FROM temp.import_seen)", &st, err,
                   "deleting profiles");
  if (rc != SEG_OK) return rc;
  int step = sqlite3_step(st);
  sqlite3_finalize(st);
  if (step != SQLITE_DONE) return store__sqlite_err(imp->s, err, "deleting profiles");
  int64_t deleted = sqlite3_changes64(store__db(imp->s));
  if (deleted != n)
    return seg_err_set(err, SEG_EINTERNAL,
                       "--replace found %lld profiles to delete but deleted %lld; nothing was changed", (long long)n,
                       (long long)deleted);
  imp->counts.deleted = n;
  return SEG_OK;
}

static seg_code record_import(store_import *imp, const char *source, const char *format, int64_t rejected,
                              seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(imp->s),
                         "INSERT INTO imports(source, format, started_at, finished_at, inserted, updated, unchanged, "
                         "deleted, rejected) VALUES(?,?,?,?,?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(imp->s, err, "recording the import");
  sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, format, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, imp->now);
  sqlite3_bind_int64(st, 4, clock_now_ms());
  sqlite3_bind_int64(st, 5, imp->counts.inserted);
  sqlite3_bind_int64(st, 6, imp->counts.updated);
  sqlite3_bind_int64(st, 7, imp->counts.unchanged);
  sqlite3_bind_int64(st, 8, imp->counts.deleted);
  sqlite3_bind_int64(st, 9, rejected);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store__sqlite_err(imp->s, err, "recording the import");
  return SEG_OK;
}

/* Attributes still without a type after the import (every value empty) become text. */
static seg_code settle_types(store_import *imp, seg_err *err) {
  for (size_t i = 0; i < imp->schema.n; i++) {
    if (imp->schema.attrs[i].type != ATTR_NONE) continue;
    seg_code rc = store__attr_widen(imp->s, &imp->schema, (int)i, ATTR_TEXT, err);
    if (rc != SEG_OK) return rc;
  }
  return SEG_OK;
}

seg_code store_import_finish(store_import *imp, bool replace, int max_delete_pct, const char *source,
                             const char *format, int64_t rejected, store_import_counts *counts, seg_err *err) {
  seg_code rc = seen_failure(imp, err);
  finalize_stmts(imp);
  if (rc == SEG_OK && replace) rc = delete_unseen(imp, max_delete_pct, err);
  if (rc == SEG_OK && sqlite3_exec(store__db(imp->s), "DROP TABLE temp.import_seen", NULL, NULL, NULL) != SQLITE_OK)
    rc = store__sqlite_err(imp->s, err, "ending the import");
  if (rc == SEG_OK) rc = settle_types(imp, err);
  if (rc == SEG_OK) rc = record_import(imp, source, format, rejected, err);
  if (rc == SEG_OK) rc = store_tx_commit(imp->s, err);
  else store_tx_rollback(imp->s);
  if (rc == SEG_OK && counts) *counts = imp->counts;
  free_session(imp);
  return rc;
}

void store_import_abort(store_import *imp) {
  if (!imp) return;
  finalize_stmts(imp);
  store_tx_rollback(imp->s);
  free_session(imp);
}
