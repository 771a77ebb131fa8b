/* schema.c: the typed attribute schema of profiles: loading, adding, widening and pinning. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/clock.h"
#include "util/text.h"

void store_schema_free(store_schema *schema) {
  free(schema->attrs);
  schema->attrs = NULL;
  schema->n = 0;
}

int store_schema_find(const store_schema *schema, const char *name) {
  for (size_t i = 0; i < schema->n; i++)
    if (text_ieq(schema->attrs[i].name, name)) return (int)i;
  return -1;
}

seg_code store_schema_load(store *s, store_schema *out, seg_err *err) {
  out->attrs = NULL;
  out->n = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "SELECT attr_id, name, type, col, pinned, is_id FROM attributes ORDER BY attr_id",
                         -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "reading the schema");
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (out->n == cap) {
      cap = cap ? cap * 2 : 16;
      store_attr *a = realloc(out->attrs, cap * sizeof *a);
      if (!a) {
        sqlite3_finalize(st);
        store_schema_free(out);
        return seg_err_set(err, SEG_ENOMEM, "out of memory reading the schema");
      }
      out->attrs = a;
    }
    store_attr *a = &out->attrs[out->n++];
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    snprintf(a->name, sizeof a->name, "%s", (const char *)sqlite3_column_text(st, 1));
    if (!attr_type_parse((const char *)sqlite3_column_text(st, 2), &a->type)) a->type = ATTR_NONE;
    snprintf(a->col, sizeof a->col, "%s", (const char *)sqlite3_column_text(st, 3));
    a->pinned = sqlite3_column_int(st, 4) != 0;
    a->is_id = sqlite3_column_int(st, 5) != 0;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    store_schema_free(out);
    return store__sqlite_err(s, err, "reading the schema");
  }
  return SEG_OK;
}

seg_code store_id_name(store *s, char *out, size_t cap, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "SELECT name FROM attributes WHERE is_id = 1", -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "reading the schema");
  if (sqlite3_step(st) == SQLITE_ROW)
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  else
    snprintf(out, cap, "%s", STORE_DEFAULT_ID);
  sqlite3_finalize(st);
  return SEG_OK;
}

static seg_code exec_sql(store *s, const char *sql, seg_err *err, const char *doing) {
  if (sqlite3_exec(store__db(s), sql, NULL, NULL, NULL) != SQLITE_OK) return store__sqlite_err(s, err, doing);
  return SEG_OK;
}

seg_code store__attr_add(store *s, store_schema *schema, const char *name, bool is_id, int *index, seg_err *err) {
  if (schema->n >= STORE_MAX_ATTRS)
    return seg_err_set(err, SEG_ELIMIT, "a store holds at most %d attributes; '%s' would be one more", STORE_MAX_ATTRS,
                       name);
  sqlite3 *db = store__db(s);
  int64_t now = clock_now_ms();
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO attributes(name, type, col, is_id, created_at, updated_at) "
                         "VALUES(?, ?, 'pending', ?, ?, ?)",
                         -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "adding an attribute");
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, is_id ? "text" : "none", -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, is_id);
  sqlite3_bind_int64(st, 4, now);
  sqlite3_bind_int64(st, 5, now);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "adding an attribute");
  int64_t id = sqlite3_last_insert_rowid(db);

  /* The column name is generated from the attribute's numeric id: no user text reaches SQL. */
  char col[24], sql[160];
  if (is_id)
    snprintf(col, sizeof col, "customer_id");
  else
    snprintf(col, sizeof col, "a%lld", (long long)id);
  snprintf(sql, sizeof sql, "UPDATE attributes SET col = '%s' WHERE attr_id = %lld", col, (long long)id);
  seg_code r = exec_sql(s, sql, err, "adding an attribute");
  if (r != SEG_OK) return r;
  if (!is_id) {
    snprintf(sql, sizeof sql, "ALTER TABLE profiles ADD COLUMN %s", col);
    if ((r = exec_sql(s, sql, err, "adding an attribute")) != SEG_OK) return r;
  }

  store_attr *a = realloc(schema->attrs, (schema->n + 1) * sizeof *a);
  if (!a) return seg_err_set(err, SEG_ENOMEM, "out of memory adding an attribute");
  schema->attrs = a;
  a = &schema->attrs[schema->n];
  memset(a, 0, sizeof *a);
  a->id = id;
  snprintf(a->name, sizeof a->name, "%s", name);
  a->type = is_id ? ATTR_TEXT : ATTR_NONE;
  a->is_id = is_id;
  snprintf(a->col, sizeof a->col, "%s", col);
  *index = (int)schema->n++;
  return SEG_OK;
}

static seg_code set_type(store *s, store_attr *a, attr_type to, bool pinned, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "UPDATE attributes SET type = ?, pinned = ?, updated_at = ? WHERE attr_id = ?", -1,
                         &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "changing an attribute's type");
  sqlite3_bind_text(st, 1, attr_type_name(to), -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, pinned);
  sqlite3_bind_int64(st, 3, clock_now_ms());
  sqlite3_bind_int64(st, 4, a->id);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "changing an attribute's type");
  if (a->type != ATTR_NONE && a->type != to) {
    if (sqlite3_prepare_v2(store__db(s), "INSERT INTO schema_changes(attr_id, from_type, to_type, at) VALUES(?,?,?,?)", -1,
                           &st, NULL) != SQLITE_OK)
      return store__sqlite_err(s, err, "recording a schema change");
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_text(st, 2, attr_type_name(a->type), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, attr_type_name(to), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, clock_now_ms());
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return store__sqlite_err(s, err, "recording a schema change");
  }
  a->type = to;
  a->pinned = pinned;
  return SEG_OK;
}

/* Rewrites the stored values of attribute a from type from into type to (to is wider). */
static seg_code convert_column(store *s, const store_attr *a, attr_type from, attr_type to, seg_err *err) {
  char sql[256];
  if (to == ATTR_TEXT && (from == ATTR_INTEGER || from == ATTR_REAL || from == ATTR_BOOLEAN)) {
    snprintf(sql, sizeof sql, "UPDATE profiles SET %s = seg_canon(%s, '%s') WHERE %s IS NOT NULL", a->col, a->col,
             attr_type_name(from), a->col);
  } else if (to == ATTR_DATETIME && from == ATTR_DATE) {
    snprintf(sql, sizeof sql, "UPDATE profiles SET %s = %s || 'T00:00:00Z' WHERE %s IS NOT NULL", a->col, a->col, a->col);
  } else {
    return SEG_OK; /* integer to real, date or datetime to text: the stored form already fits */
  }
  return exec_sql(s, sql, err, "widening an attribute");
}

seg_code store__attr_widen(store *s, store_schema *schema, int index, attr_type to, seg_err *err) {
  store_attr *a = &schema->attrs[index];
  attr_type from = a->type;
  if (from == to) return SEG_OK;
  if (from != ATTR_NONE) {
    seg_code rc = convert_column(s, a, from, to, err);
    if (rc != SEG_OK) return rc;
  }
  return set_type(s, a, to, a->pinned, err);
}

seg_code store_schema_pin(store *s, const char *name, attr_type type, seg_err *err) {
  store_schema schema;
  seg_code rc = store_schema_load(s, &schema, err);
  if (rc != SEG_OK) return rc;
  int idx = store_schema_find(&schema, name);
  if (idx < 0) {
    store_schema_free(&schema);
    return seg_err_set(err, SEG_ENOTFOUND, "there is no attribute '%s'; 'segship schema' lists them", name);
  }
  store_attr *a = &schema.attrs[idx];
  if (a->is_id && type != ATTR_TEXT) {
    seg_err_set(err, SEG_EINVAL, "'%s' is the profile id and stays text", a->name);
    store_schema_free(&schema);
    return SEG_EINVAL;
  }
  if ((rc = store_tx_begin(s, err)) != SEG_OK) {
    store_schema_free(&schema);
    return rc;
  }
  if (a->type == ATTR_NONE || attr_type_fits(a->type, type)) {
    rc = store__attr_widen(s, &schema, idx, type, err);
    if (rc == SEG_OK) rc = set_type(s, a, type, true, err);
  } else {
    /* Narrowing: every stored value must read as the new type; count those that do not. */
    sqlite3_stmt *st;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM profiles WHERE %s IS NOT NULL", a->col, a->col);
    int64_t bad = 0, total = 0;
    if (sqlite3_prepare_v2(store__db(s), sql, -1, &st, NULL) != SQLITE_OK) {
      rc = store__sqlite_err(s, err, "checking an attribute's values");
    } else {
      while (sqlite3_step(st) == SQLITE_ROW) {
        seg_value v;
        total++;
        if (!store__column_value(st, 0, type, &v)) bad++;
      }
      sqlite3_finalize(st);
      if (bad)
        rc = seg_err_set(err, SEG_EINVAL,
                         "%lld of the %lld values of '%s' are not %s; fix them in the source and import it again, or "
                         "pin a wider type",
                         (long long)bad, (long long)total, a->name, attr_type_name(type));
      else
        rc = SEG_OK;
    }
    if (rc == SEG_OK) {
      /* Rewrite each value in the narrower type's stored form. */
      snprintf(sql, sizeof sql, "UPDATE profiles SET %s = seg_narrow(%s, '%s') WHERE %s IS NOT NULL", a->col, a->col,
               attr_type_name(type), a->col);
      rc = exec_sql(s, sql, err, "pinning an attribute's type");
    }
    if (rc == SEG_OK) rc = set_type(s, a, type, true, err);
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  store_schema_free(&schema);
  return rc;
}

seg_code store_schema_fill_counts(store *s, const store_schema *schema, int64_t *counts, seg_err *err) {
  char *sql = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&sql, &len);
  if (!m) return seg_err_set(err, SEG_ENOMEM, "out of memory counting values");
  fputs("SELECT count(*)", m);
  for (size_t i = 0; i < schema->n; i++)
    if (!schema->attrs[i].is_id) fprintf(m, ", count(%s)", schema->attrs[i].col);
  fputs(" FROM profiles", m);
  fclose(m);
  sqlite3_stmt *st;
  int prc = sqlite3_prepare_v2(store__db(s), sql, -1, &st, NULL);
  free(sql);
  if (prc != SQLITE_OK) return store__sqlite_err(s, err, "counting values");
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_finalize(st);
    return store__sqlite_err(s, err, "counting values");
  }
  int col = 1;
  for (size_t i = 0; i < schema->n; i++)
    counts[i] = schema->attrs[i].is_id ? sqlite3_column_int64(st, 0) : sqlite3_column_int64(st, col++);
  sqlite3_finalize(st);
  return SEG_OK;
}

seg_code store_schema_drop(store *s, const char *name, seg_err *err) {
  store_schema schema;
  seg_code rc = store_schema_load(s, &schema, err);
  if (rc != SEG_OK) return rc;
  int idx = store_schema_find(&schema, name);
  if (idx < 0) {
    store_schema_free(&schema);
    return seg_err_set(err, SEG_ENOTFOUND, "there is no attribute '%s'; 'segship schema' lists them", name);
  }
  store_attr a = schema.attrs[idx];
  store_schema_free(&schema);
  if (a.is_id) return seg_err_set(err, SEG_EINVAL, "'%s' is the profile id and cannot be dropped", a.name);
  if ((rc = store_tx_begin(s, err)) != SEG_OK) return rc;
  char sql[160];
  snprintf(sql, sizeof sql, "ALTER TABLE profiles DROP COLUMN %s", a.col);
  rc = exec_sql(s, sql, err, "dropping an attribute");
  if (rc == SEG_OK) {
    snprintf(sql, sizeof sql, "DELETE FROM attributes WHERE attr_id = %lld", (long long)a.id);
    rc = exec_sql(s, sql, err, "dropping an attribute");
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}
