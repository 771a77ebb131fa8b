/* pushdown.c: a PostgreSQL source in mode pushdown: the segments' rules run in the database (the
 * rule compiler's PostgreSQL dialect); only their members come back, with the columns the rules
 * and the exports read, streamed into the store; previews count in the database. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/rule.h"
#include "source/postgres_internal.h"
#include "store/destinations.h"
#include "store/segments.h"
#include "util/clock.h"
#include "util/text.h"

/* ---- the source's columns as a segship schema, for the rule compiler ---- */

typedef struct target {
  store_schema schema;  /* the kept columns, under their own names and types */
  const char **columns; /* per schema attribute: its column */
  unsigned *oids;
  size_t *col;          /* per schema attribute: its index in the description */
  rule_pg_target t;
} target;

static void target_free(target *t) {
  free(t->schema.attrs);
  free(t->columns);
  free(t->oids);
  free(t->col);
  memset(t, 0, sizeof *t);
}

static seg_code target_build(const pg_description *d, target *t, seg_err *err) {
  memset(t, 0, sizeof *t);
  t->schema.attrs = calloc(d->n + 1, sizeof *t->schema.attrs);
  t->columns = calloc(d->n + 1, sizeof *t->columns);
  t->oids = calloc(d->n + 1, sizeof *t->oids);
  t->col = calloc(d->n + 1, sizeof *t->col);
  if (!t->schema.attrs || !t->columns || !t->oids || !t->col) {
    target_free(t);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < d->n; i++) {
    if (!d->cols[i].kept) continue;
    size_t k = t->schema.n++;
    store_attr *a = &t->schema.attrs[k];
    a->id = (int64_t)k + 1;
    snprintf(a->name, sizeof a->name, "%s", d->cols[i].name);
    a->type = d->cols[i].type;
    a->is_id = (int)i == d->id_index;
    snprintf(a->col, sizeof a->col, "c%zu", k); /* unused by the PostgreSQL dialect, which quotes the column */
    t->columns[k] = d->cols[i].name;
    t->oids[k] = (int)i == d->id_index ? 25 : d->cols[i].oid; /* the id reads as text */
    t->col[k] = i;
  }
  t->t.columns = t->columns;
  t->t.oids = t->oids;
  return SEG_OK;
}

/* ---- the saved segments, for `in segment` ---- */

typedef struct segs {
  store_segment *all;
  size_t n;
} segs;

static seg_code lookup(void *ctx, const char *name, char **rule_text, char *canonical, size_t cap, seg_err *err) {
  const segs *w = ctx;
  for (size_t i = 0; i < w->n; i++)
    if (text_ieq(w->all[i].name, name)) {
      if (!(*rule_text = strdup(w->all[i].rule))) return seg_err_set(err, SEG_ENOMEM, "out of memory");
      snprintf(canonical, cap, "%s", w->all[i].name);
      return SEG_OK;
    }
  return seg_err_set(err, SEG_ENOTFOUND, "there is no segment '%s'", name);
}

/* One rule selecting the members of every segment that compiles against the source: `in segment
 * "A" or in segment "B" ...`. *n_used is how many; none leaves *out empty. */
static seg_code union_rule(const store_pg_source *src, segs *w, const target *t, int64_t now_ms, rule_compiled *out,
                           size_t *n_used, seg_err *err) {
  memset(out, 0, sizeof *out);
  *n_used = 0;
  buf text;
  buf_init(&text, RULE_MAX_BYTES);
  for (size_t i = 0; i < w->n; i++) {
    rule_compiled one;
    seg_err why = {0};
    if (w->all[i].broken) continue; /* broken in the store too: the segments step reports it */
    if (rule_compile_pg(w->all[i].rule, w->all[i].name, &t->schema, lookup, w, now_ms, &t->t, &one, &why) != SEG_OK) {
      /* Evaluating the others would drop this one's members from the store: stop, change nothing. */
      buf_free(&text);
      return seg_err_set(err, SEG_EINVAL,
                         "segment '%s' cannot be evaluated in PostgreSQL source '%s' (%s); fix or delete it; nothing "
                         "changed",
                         w->all[i].name, src->name, why.msg);
    }
    rule_compiled_free(&one);
    int r = buf_puts(&text, *n_used ? " or in segment \"" : "in segment \"");
    for (const char *p = w->all[i].name; *p && r == 0; p++) r = (*p == '\\' ? buf_puts(&text, "\\\\") : buf_putc(&text, *p));
    if (r == 0) r = buf_putc(&text, '"');
    if (r != 0) {
      buf_free(&text);
      return seg_err_set(err, SEG_ELIMIT, "too many segments to evaluate in PostgreSQL at once (their names pass 64 KiB)");
    }
    (*n_used)++;
  }
  seg_code rc = SEG_OK;
  if (*n_used) rc = rule_compile_pg(buf_str(&text), NULL, &t->schema, lookup, w, now_ms, &t->t, out, err);
  buf_free(&text);
  return rc;
}

/* Binds a compiled rule's values as text: params[i] points into owned strings. */
typedef struct bound {
  const char **params;
  char **owned;
  size_t n;
} bound;

static void bound_free(bound *b) {
  for (size_t i = 0; b->owned && i < b->n; i++) free(b->owned[i]);
  free(b->owned);
  free(b->params);
  memset(b, 0, sizeof *b);
}

static seg_code bind(const rule_compiled *c, bound *b, seg_err *err) {
  memset(b, 0, sizeof *b);
  b->params = calloc(c->n_params + 1, sizeof *b->params);
  b->owned = calloc(c->n_params + 1, sizeof *b->owned);
  if (!b->params || !b->owned) {
    bound_free(b);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < c->n_params; i++) {
    char scratch[64];
    size_t len;
    const char *s = rule_pg_param_text(&c->params[i], scratch, sizeof scratch, &len);
    if (!(b->owned[i] = strndup(s, len))) {
      bound_free(b);
      return seg_err_set(err, SEG_ENOMEM, "out of memory");
    }
    b->params[i] = b->owned[i];
    b->n = i + 1;
  }
  return SEG_OK;
}

/* ---- rows in single-row mode, as CSV for the importer ---- */

typedef struct rows_stream {
  PGconn *conn;
  buf out;
  size_t off;
  bool header, done;
  char error[400];
  char sqlstate[8];
} rows_stream;

static void csv_put(buf *b, const char *v) {
  buf_putc(b, '"');
  for (; *v; v++) {
    if (*v == '"') buf_putc(b, '"');
    buf_putc(b, *v);
  }
  buf_putc(b, '"');
}

static ssize_t rows_read(void *cookie, char *dst, size_t size) {
  rows_stream *rs = cookie;
  while (rs->off >= rs->out.len) {
    buf_reset(&rs->out);
    rs->off = 0;
    if (rs->done) return 0;
    PGresult *res = PQgetResult(rs->conn);
    if (!res) {
      rs->done = true;
      return 0;
    }
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK) {
      pg__first_line(PQresultErrorMessage(res), rs->error, sizeof rs->error);
      const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      snprintf(rs->sqlstate, sizeof rs->sqlstate, "%s", code ? code : "");
      PQclear(res);
      while ((res = PQgetResult(rs->conn))) PQclear(res);
      rs->done = true;
      errno = EIO;
      return -1;
    }
    int nf = PQnfields(res);
    if (!rs->header) {
      for (int i = 0; i < nf; i++) {
        if (i) buf_putc(&rs->out, ',');
        csv_put(&rs->out, PQfname(res, i));
      }
      buf_putc(&rs->out, '\n');
      rs->header = true;
    }
    for (int r = 0; r < PQntuples(res); r++) {
      for (int i = 0; i < nf; i++) {
        if (i) buf_putc(&rs->out, ',');
        if (!PQgetisnull(res, r, i)) csv_put(&rs->out, PQgetvalue(res, r, i));
      }
      buf_putc(&rs->out, '\n');
    }
    PQclear(res);
  }
  size_t k = rs->out.len - rs->off < size ? rs->out.len - rs->off : size;
  memcpy(dst, rs->out.data + rs->off, k);
  rs->off += k;
  return (ssize_t)k;
}

static int rows_close(void *cookie) {
  (void)cookie;
  return 0;
}

/* ---- the columns that come back ---- */

static void want_name(const pg_description *d, bool *want, const char *name) {
  for (size_t i = 0; i < d->n; i++)
    if (d->cols[i].kept && text_ieq(d->cols[i].name, name)) want[i] = true;
}

/* The id, the columns the segments read, and those every export sends (email, names, fields). */
static void wanted_columns(store *s, const pg_description *d, const rule_compiled *u, bool *want) {
  want[d->id_index] = true;
  for (size_t i = 0; i < u->n_attributes; i++) want_name(d, want, u->attributes[i]);
  store_destination *dests = NULL;
  size_t n = 0;
  seg_err ignore;
  if (store_destinations_list(s, false, &dests, &n, &ignore) != SEG_OK) return;
  for (size_t i = 0; i < n; i++) {
    store_export_config cfg;
    if (store_export_config_get(s, dests[i].id, &cfg, &ignore) != SEG_OK) continue;
    want_name(d, want, cfg.email_attr);
    if (cfg.first_name_attr[0]) want_name(d, want, cfg.first_name_attr);
    if (cfg.last_name_attr[0]) want_name(d, want, cfg.last_name_attr);
    for (size_t k = 0; k < cfg.n_fields; k++) want_name(d, want, cfg.fields[k].attr);
    store_export_config_free(&cfg);
  }
  store_destinations_free(dests, n);
}

seg_code pg__pushdown_import(store *s, const store_pg_source *src, pg_import_report *rep, seg_err *err) {
  rep->pushdown = true;
  PGconn *conn;
  seg_code rc = pg__connect(src, &conn, err);
  if (rc != SEG_OK) return rc;
  pg_description d = {0};
  target t = {0};
  segs w = {0};
  rule_compiled u = {0};
  bound b = {0};
  bool *want = NULL;
  const char **names = NULL;
  attr_type *types = NULL;
  size_t n_used = 0, n_typed = 0;
  buf q;
  buf_init(&q, 0);
  rc = pg__begin_snapshot(conn, src, err);
  if (rc == SEG_OK) rc = pg__describe(conn, src, &d, err);
  if (rc == SEG_OK) rc = target_build(&d, &t, err);
  if (rc == SEG_OK) rc = store_segments_list(s, &w.all, &w.n, err);
  if (rc == SEG_OK) rc = union_rule(src, &w, &t, clock_now_ms(), &u, &n_used, err);
  if (rc == SEG_OK) rc = bind(&u, &b, err);
  if (rc == SEG_OK) {
    want = calloc(d.n + 1, sizeof *want);
    names = calloc(d.n + 1, sizeof *names);
    types = calloc(d.n + 1, sizeof *types);
    if (!want || !names || !types) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  if (rc == SEG_OK) {
    wanted_columns(s, &d, &u, want);
    for (size_t i = 0; i < d.n; i++)
      if (want[i] && d.cols[i].kept && (int)i != d.id_index) {
        names[n_typed] = d.cols[i].name;
        types[n_typed++] = d.cols[i].type;
      }
    int r = buf_puts(&q, "SELECT ");
    if (r == 0) r = pg__put_select(conn, &q, &d, want);
    if (r == 0) r = buf_puts(&q, " FROM ");
    if (r == 0) r = pg__put_from(conn, &q, src);
    if (r == 0) r = buf_printf(&q, " WHERE %s", n_used ? u.sql : "false");
    if (r != 0) rc = seg_err_set(err, SEG_ENOMEM, "out of memory reading source '%s'", src->name);
  }
  if (rc == SEG_OK && (!PQsendQueryParams(conn, buf_str(&q), (int)b.n, NULL, b.params, NULL, NULL, 0) ||
                       !PQsetSingleRowMode(conn)))
    rc = pg__fail(conn, NULL, src, "evaluating its segments", err);
  if (rc == SEG_OK) {
    rows_stream rs = {.conn = conn};
    buf_init(&rs.out, 0);
    cookie_io_functions_t io = {.read = rows_read, .close = rows_close};
    FILE *f = fopencookie(&rs, "r", io);
    char label[160];
    snprintf(label, sizeof label, "source '%s'", src->name);
    /* The members are the complete set: a profile no segment selects any more leaves the store. */
    ingest_options o = {.path = label, .format = INGEST_FORMAT_CSV, .id_name = src->id_column, .replace = true,
                        .max_delete_pct = src->max_delete,
                        .stream = f, .label = label, .allow_empty = true, .typed_names = names,
                        .typed_types = types, .n_typed = n_typed};
    if (!f) rc = seg_err_set(err, SEG_ENOMEM, "out of memory reading source '%s'", src->name);
    else rc = ingest_import(s, &o, &rep->ingest, err);
    if (rc != SEG_OK && rs.error[0]) {
      const char *hint = strcmp(rs.sqlstate, "57014") == 0 ? "raise --statement-timeout or simplify the rules; " : "";
      rc = seg_err_set(err, SEG_EIO, "PostgreSQL source '%s' failed while evaluating its segments (%s); %snothing changed",
                       src->name, rs.error, hint);
    }
    if (!rs.done) { /* stopped early: drop the connection rather than read the rest */
      PQfinish(conn);
      conn = NULL;
    }
    if (f) fclose(f);
    buf_free(&rs.out);
  }
  if (conn) {
    PGresult *res;
    while ((res = PQgetResult(conn))) PQclear(res);
    PQclear(PQexec(conn, "COMMIT"));
    PQfinish(conn);
  }
  free(want);
  free(names);
  free(types);
  bound_free(&b);
  rule_compiled_free(&u);
  store_segments_free(w.all, w.n);
  target_free(&t);
  pg_description_free(&d);
  buf_free(&q);
  if (rc != SEG_OK) ingest_report_free(&rep->ingest);
  return rc;
}

/* ---- previews ---- */

seg_code pg_pushdown_preview(store *s, const char *rule, int64_t limit, int64_t *count,
                             int (*fn)(const char *id, void *ctx), void *ctx, bool *handled, seg_err *err) {
  *handled = false;
  store_pg_source *list = NULL;
  size_t n = 0;
  seg_code rc = store_pg_sources_list(s, &list, &n, err);
  if (rc != SEG_OK) return rc;
  const store_pg_source *src = NULL;
  for (size_t i = 0; i < n && !src; i++)
    if (strcmp(list[i].mode, "pushdown") == 0) src = &list[i];
  if (!src) {
    store_pg_sources_free(list, n);
    return SEG_OK;
  }
  *handled = true;
  PGconn *conn = NULL;
  pg_description d = {0};
  target t = {0};
  segs w = {0};
  rule_compiled c = {0};
  bound b = {0};
  buf q;
  buf_init(&q, 0);
  rc = pg__connect(src, &conn, err);
  if (rc == SEG_OK) rc = pg__begin_snapshot(conn, src, err);
  if (rc == SEG_OK) rc = pg__describe(conn, src, &d, err);
  if (rc == SEG_OK) rc = target_build(&d, &t, err);
  if (rc == SEG_OK) rc = store_segments_list(s, &w.all, &w.n, err);
  if (rc == SEG_OK) rc = rule_compile_pg(rule, NULL, &t.schema, lookup, &w, clock_now_ms(), &t.t, &c, err);
  if (rc == SEG_OK) rc = bind(&c, &b, err);
  if (rc == SEG_OK) {
    int r = buf_puts(&q, fn ? "SELECT " : "SELECT count(*)");
    if (r == 0 && fn) r = pg__put_ident(conn, &q, d.cols[d.id_index].name);
    if (r == 0 && fn) r = buf_puts(&q, "::text AS id");
    if (r == 0) r = buf_puts(&q, " FROM ");
    if (r == 0) r = pg__put_from(conn, &q, src);
    if (r == 0) r = buf_printf(&q, " WHERE %s", c.sql);
    if (r == 0 && fn) r = buf_puts(&q, " ORDER BY ");
    if (r == 0 && fn) r = pg__put_ident(conn, &q, d.cols[d.id_index].name);
    if (r == 0 && fn) r = buf_printf(&q, "::text COLLATE \"C\" LIMIT %lld", (long long)(limit < 0 ? 0 : limit));
    if (r != 0) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  if (rc == SEG_OK) {
    PGresult *res = PQexecParams(conn, buf_str(&q), (int)b.n, NULL, b.params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      rc = pg__fail(conn, res, src, "previewing the rule", err);
    } else if (!fn) {
      *count = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    } else {
      for (int i = 0; i < PQntuples(res); i++)
        if (fn(PQgetvalue(res, i, 0), ctx)) break;
    }
    PQclear(res);
  }
  if (conn) {
    PQclear(PQexec(conn, "COMMIT"));
    PQfinish(conn);
  }
  bound_free(&b);
  rule_compiled_free(&c);
  store_segments_free(w.all, w.n);
  target_free(&t);
  pg_description_free(&d);
  buf_free(&q);
  store_pg_sources_free(list, n);
  return rc;
}
