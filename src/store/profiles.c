/* profiles.c: reading profiles: count, one by id, and a listing in id order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/buf.h"

void store_profile_free(store_profile *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n; i++)
    if (p->values && p->values[i].type == ATTR_TEXT) free((char *)p->values[i].s);
  free(p->values);
  free(p->customer_id);
  memset(p, 0, sizeof *p);
}

seg_code store_profiles_count(store *s, int64_t *count, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store__db(s), "SELECT count(*) FROM profiles", -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "counting profiles");
  int rc = sqlite3_step(st);
  *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return store__sqlite_err(s, err, "counting profiles");
  return SEG_OK;
}

/* "SELECT pid, customer_id, content_hash, changed_at, created_at, <every attribute> FROM profiles" */
static int select_sql(const store_schema *schema, buf *b) {
  buf_puts(b, "SELECT pid, customer_id, content_hash, changed_at, created_at");
  for (size_t i = 0; i < schema->n; i++) {
    if (schema->attrs[i].is_id) continue;
    buf_printf(b, ", %s", schema->attrs[i].col);
  }
  return buf_puts(b, " FROM profiles");
}

static seg_code read_row(sqlite3_stmt *st, const store_schema *schema, store_profile *out, seg_err *err) {
  memset(out, 0, sizeof *out);
  out->pid = sqlite3_column_int64(st, 0);
  out->customer_id = strdup((const char *)sqlite3_column_text(st, 1));
  const void *h = sqlite3_column_blob(st, 2);
  if (h && sqlite3_column_bytes(st, 2) == 16) memcpy(out->hash, h, 16);
  out->changed_at = sqlite3_column_int64(st, 3);
  out->created_at = sqlite3_column_int64(st, 4);
  out->n = schema->n;
  out->values = calloc(schema->n ? schema->n : 1, sizeof *out->values);
  if (!out->customer_id || !out->values) {
    store_profile_free(out);
    return seg_err_set(err, SEG_ENOMEM, "out of memory reading a profile");
  }
  int col = 5;
  for (size_t i = 0; i < schema->n; i++) {
    seg_value *v = &out->values[i];
    if (schema->attrs[i].is_id) {
      v->type = ATTR_TEXT;
      v->s = strdup(out->customer_id);
      v->n = strlen(out->customer_id);
      continue;
    }
    if (!store__column_value(st, col, schema->attrs[i].type, v)) {
      /* A value that no longer reads as its type: show it as text rather than lose it. */
      store__column_value(st, col, ATTR_TEXT, v);
    }
    if (v->type == ATTR_TEXT) {
      char *copy = malloc(v->n + 1);
      if (!copy) {
        v->type = ATTR_NONE;
        store_profile_free(out);
        return seg_err_set(err, SEG_ENOMEM, "out of memory reading a profile");
      }
      memcpy(copy, v->s, v->n);
      copy[v->n] = '\0';
      v->s = copy;
    }
    col++;
  }
  return SEG_OK;
}

seg_code store_profile_get(store *s, const store_schema *schema, const char *customer_id, store_profile *out,
                           seg_err *err) {
  buf sql;
  buf_init(&sql, 0);
  select_sql(schema, &sql);
  buf_puts(&sql, " WHERE customer_id = ?");
  sqlite3_stmt *st;
  int prc = sqlite3_prepare_v2(store__db(s), buf_str(&sql), -1, &st, NULL);
  buf_free(&sql);
  if (prc != SQLITE_OK) return store__sqlite_err(s, err, "reading a profile");
  sqlite3_bind_text(st, 1, customer_id, -1, SQLITE_STATIC);
  seg_code rc;
  int step = sqlite3_step(st);
  if (step == SQLITE_ROW)
    rc = read_row(st, schema, out, err);
  else if (step == SQLITE_DONE)
    rc = seg_err_set(err, SEG_ENOTFOUND, "there is no profile with id '%s'", customer_id);
  else
    rc = store__sqlite_err(s, err, "reading a profile");
  sqlite3_finalize(st);
  return rc;
}

seg_code store_profiles_each(store *s, const store_schema *schema, int64_t limit, int64_t offset,
                             store_profile_fn fn, void *ctx, seg_err *err) {
  buf sql;
  buf_init(&sql, 0);
  select_sql(schema, &sql);
  buf_puts(&sql, " ORDER BY customer_id LIMIT ? OFFSET ?");
  sqlite3_stmt *st;
  int prc = sqlite3_prepare_v2(store__db(s), buf_str(&sql), -1, &st, NULL);
  buf_free(&sql);
  if (prc != SQLITE_OK) return store__sqlite_err(s, err, "listing profiles");
  sqlite3_bind_int64(st, 1, limit < 0 ? -1 : limit);
  sqlite3_bind_int64(st, 2, offset);
  seg_code rc = SEG_OK;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    store_profile p;
    if ((rc = read_row(st, schema, &p, err)) != SEG_OK) break;
    int stop = fn(&p, ctx);
    store_profile_free(&p);
    if (stop) break;
  }
  if (rc == SEG_OK && step != SQLITE_ROW && step != SQLITE_DONE) rc = store__sqlite_err(s, err, "listing profiles");
  sqlite3_finalize(st);
  return rc;
}
