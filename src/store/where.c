/* where.c: running the SQL that segment rules compile to, with every user value bound. */
#include <stdio.h>
#include <stdlib.h>

#include "store/store_internal.h"
#include "util/buf.h"

/* Prepares "SELECT <what> FROM profiles WHERE (<where>)<tail>" and binds the rule's values. */
static seg_code prepare_where(store *s, const char *what, const store_where *w, const char *tail, sqlite3_stmt **st,
                              char (*scratch)[24], seg_err *err) {
  buf sql;
  buf_init(&sql, 0);
  buf_printf(&sql, "SELECT %s FROM profiles WHERE (%s)%s", what, w->sql, tail);
  int rc = sqlite3_prepare_v2(store__db(s), buf_str(&sql), -1, st, NULL);
  buf_free(&sql);
  if (rc != SQLITE_OK) return store__sqlite_err(s, err, "evaluating a segment rule");
  if ((size_t)sqlite3_bind_parameter_count(*st) != w->n_params) {
    sqlite3_finalize(*st);
    return seg_err_set(err, SEG_EINTERNAL, "a compiled rule has %d placeholders for %zu values",
                       sqlite3_bind_parameter_count(*st), w->n_params);
  }
  for (size_t i = 0; i < w->n_params; i++) store__bind_value(*st, (int)i + 1, &w->params[i], scratch[i]);
  return SEG_OK;
}

seg_code store_where_count(store *s, const store_where *w, int64_t *count, seg_err *err) {
  char(*scratch)[24] = calloc(w->n_params + 1, sizeof *scratch);
  if (!scratch) return seg_err_set(err, SEG_ENOMEM, "out of memory evaluating a rule");
  sqlite3_stmt *st;
  seg_code rc = prepare_where(s, "count(*)", w, "", &st, scratch, err);
  if (rc == SEG_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) *count = sqlite3_column_int64(st, 0);
    else rc = store__sqlite_err(s, err, "evaluating a segment rule");
    sqlite3_finalize(st);
  }
  free(scratch);
  return rc;
}

seg_code store_where_each_id(store *s, const store_where *w, int64_t limit, int (*fn)(const char *id, void *ctx),
                             void *ctx, seg_err *err) {
  char(*scratch)[24] = calloc(w->n_params + 1, sizeof *scratch);
  if (!scratch) return seg_err_set(err, SEG_ENOMEM, "out of memory evaluating a rule");
  char tail[64];
  snprintf(tail, sizeof tail, " ORDER BY customer_id LIMIT %lld", (long long)limit);
  sqlite3_stmt *st;
  seg_code rc = prepare_where(s, "customer_id", w, tail, &st, scratch, err);
  if (rc == SEG_OK) {
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
      if (fn((const char *)sqlite3_column_text(st, 0), ctx)) break;
    if (step != SQLITE_ROW && step != SQLITE_DONE) rc = store__sqlite_err(s, err, "evaluating a segment rule");
    sqlite3_finalize(st);
  }
  free(scratch);
  return rc;
}
