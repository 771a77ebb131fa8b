/* postgres.c: reading a PostgreSQL source with libpq: connection, description, streamed COPY import. */
#include "source/postgres.h"
#include "source/postgres_internal.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "util/buf.h"
#include "util/log.h"

/* Built-in type OIDs (pg_type.dat; fixed across PostgreSQL versions). */
enum {
  OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25, OID_FLOAT4 = 700, OID_FLOAT8 = 701,
  OID_BPCHAR = 1042, OID_VARCHAR = 1043, OID_DATE = 1082, OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184,
  OID_NUMERIC = 1700
};

static attr_type type_of_oid(unsigned oid) {
  switch (oid) {
    case OID_INT2: case OID_INT4: case OID_INT8: return ATTR_INTEGER;
    case OID_NUMERIC: case OID_FLOAT4: case OID_FLOAT8: return ATTR_REAL;
    case OID_BOOL: return ATTR_BOOLEAN;
    case OID_DATE: return ATTR_DATE;
    case OID_TIMESTAMP: case OID_TIMESTAMPTZ: return ATTR_DATETIME;
    case OID_TEXT: case OID_VARCHAR: case OID_BPCHAR: return ATTR_TEXT;
    default: return ATTR_NONE;
  }
}

void pg_description_free(pg_description *d) {
  free(d->cols);
  memset(d, 0, sizeof *d);
}

void pg_import_report_free(pg_import_report *r) {
  ingest_report_free(&r->ingest);
  memset(r, 0, sizeof *r);
}

/* The first line of libpq's message, without "ERROR:  " and the trailing newline. */
void pg__first_line(const char *msg, char *out, size_t cap) {
  if (!msg) msg = "";
  if (strncmp(msg, "ERROR:  ", 8) == 0) msg += 8;
  if (strncmp(msg, "FATAL:  ", 8) == 0) msg += 8;
  size_t n = strcspn(msg, "\n");
  while (n && (msg[n - 1] == ' ' || msg[n - 1] == '.')) n--;
  snprintf(out, cap, "%.*s", (int)(n > 300 ? 300 : n), msg);
  log_redact(out, cap);
}

seg_code pg_uri_check(const char *uri, seg_err *err) {
  char *perr = NULL;
  PQconninfoOption *opts = PQconninfoParse(uri, &perr);
  if (!opts) {
    char why[320];
    pg__first_line(perr ? perr : "out of memory", why, sizeof why);
    PQfreemem(perr);
    return seg_err_set(err, SEG_EINVAL, "the PostgreSQL URI cannot be read (%s); give one such as "
                                        "postgresql://user@host:5432/dbname?sslmode=require", why);
  }
  bool has_password = false;
  for (PQconninfoOption *o = opts; o->keyword; o++)
    if ((strcmp(o->keyword, "password") == 0 || strcmp(o->keyword, "sslpassword") == 0) && o->val && o->val[0])
      has_password = true;
  PQconninfoFree(opts);
  if (has_password)
    return seg_err_set(err, SEG_EINVAL, "the PostgreSQL URI holds a password, which would be stored and shown in clear; "
                                        "remove it and give it with --password-file FILE, PGPASSFILE or PGPASSWORD");
  return SEG_OK;
}

/* Reads the first line of the password file into a sodium-guarded buffer (caller frees with sodium_free). */
static seg_code read_password(const store_pg_source *src, char **out, seg_err *err) {
  *out = NULL;
  if (!src->password_file || !src->password_file[0]) return SEG_OK;
  FILE *f = fopen(src->password_file, "r");
  if (!f)
    return seg_err_set(err, SEG_EIO, "cannot read the password file %s of source '%s': %s", src->password_file,
                       src->name, strerror(errno));
  char *pw = sodium_malloc(1024);
  if (!pw) {
    fclose(f);
    return seg_err_set(err, SEG_ENOMEM, "out of memory reading a password");
  }
  if (!fgets(pw, 1024, f)) pw[0] = '\0';
  fclose(f);
  pw[strcspn(pw, "\r\n")] = '\0';
  if (!pw[0]) {
    sodium_free(pw);
    return seg_err_set(err, SEG_EINVAL, "the password file %s of source '%s' is empty; write the password on its first line",
                       src->password_file, src->name);
  }
  log_add_secret(pw);
  *out = pw;
  return SEG_OK;
}

seg_code pg__connect(const store_pg_source *src, PGconn **out, seg_err *err) {
  *out = NULL;
  seg_code rc = pg_uri_check(src->uri, err);
  char *pw = NULL;
  if (rc == SEG_OK) rc = read_password(src, &pw, err);
  if (rc != SEG_OK) return rc;
  /* Defaults first: the URI's own settings (expanded from dbname) override them. */
  const char *keys[6] = {"application_name", "connect_timeout", "dbname", NULL, NULL, NULL};
  const char *vals[6] = {"segship", "10", src->uri, NULL, NULL, NULL};
  if (pw) {
    keys[3] = "password";
    vals[3] = pw;
  }
  PGconn *conn = PQconnectdbParams(keys, vals, 1);
  if (pw) sodium_free(pw);
  if (!conn) return seg_err_set(err, SEG_ENOMEM, "out of memory connecting to source '%s'", src->name);
  if (PQstatus(conn) != CONNECTION_OK) {
    char why[320];
    pg__first_line(PQerrorMessage(conn), why, sizeof why);
    PQfinish(conn);
    return seg_err_set(err, SEG_EIO, "cannot connect to PostgreSQL source '%s' (%s); check that the server runs, the URI "
                                     "and the password",
                       src->name, why);
  }
  *out = conn;
  return SEG_OK;
}

seg_code pg__fail(PGconn *conn, const PGresult *res, const store_pg_source *src, const char *doing, seg_err *err) {
  char why[320];
  pg__first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(conn), why, sizeof why);
  if (!why[0]) pg__first_line(PQerrorMessage(conn), why, sizeof why);
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  const char *hint = "nothing changed";
  if (state && strcmp(state, "57014") == 0) hint = "nothing changed; raise --statement-timeout or simplify the query";
  return seg_err_set(err, SEG_EIO, "PostgreSQL source '%s' failed while %s (%s); %s", src->name, doing, why, hint);
}

static seg_code exec_ok(PGconn *conn, const store_pg_source *src, const char *sql, const char *doing, seg_err *err) {
  PGresult *res = PQexec(conn, sql);
  seg_code rc = SEG_OK;
  if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
    rc = pg__fail(conn, res, src, doing, err);
  PQclear(res);
  return rc;
}

/* One consistent, read-only snapshot with the source's statement timeout, ISO dates and UTC. */
seg_code pg__begin_snapshot(PGconn *conn, const store_pg_source *src, seg_err *err) {
  seg_code rc = exec_ok(conn, src, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a read-only transaction",
                        err);
  if (rc != SEG_OK) return rc;
  char ms[32];
  snprintf(ms, sizeof ms, "%lld", (long long)(src->statement_timeout_ms > 0 ? src->statement_timeout_ms : 0));
  const char *params[1] = {ms};
  PGresult *res = PQexecParams(conn,
                               "SELECT set_config('statement_timeout', $1, true), set_config('DateStyle', 'ISO', true), "
                               "set_config('TimeZone', 'UTC', true), set_config('extra_float_digits', '1', true)",
                               1, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) rc = pg__fail(conn, res, src, "setting up the session", err);
  PQclear(res);
  return rc;
}

/* An identifier quoted for SQL, appended to b. */
int pg__put_ident(PGconn *conn, buf *b, const char *name) {
  char *q = PQescapeIdentifier(conn, name, strlen(name));
  if (!q) return -1;
  int r = buf_puts(b, q);
  PQfreemem(q);
  return r;
}

/* The FROM clause: the quoted relation ([schema.]table, each part quoted as given) or the query. */
int pg__put_from(PGconn *conn, buf *b, const store_pg_source *src) {
  if (src->query && src->query[0]) return buf_printf(b, "(%s) AS segship_source", src->query);
  const char *dot = strchr(src->relation, '.');
  if (dot) {
    char schema[STORE_NAME_MAX + 1];
    snprintf(schema, sizeof schema, "%.*s", (int)(dot - src->relation), src->relation);
    if (pg__put_ident(conn, b, schema) != 0 || buf_putc(b, '.') != 0) return -1;
    return pg__put_ident(conn, b, dot + 1);
  }
  return pg__put_ident(conn, b, src->relation);
}

seg_code pg__describe(PGconn *conn, const store_pg_source *src, pg_description *d, seg_err *err) {
  memset(d, 0, sizeof *d);
  d->id_index = d->changed_index = -1;
  buf q;
  buf_init(&q, 0);
  if (buf_puts(&q, "SELECT * FROM ") != 0 || pg__put_from(conn, &q, src) != 0 || buf_puts(&q, " LIMIT 0") != 0) {
    buf_free(&q);
    return seg_err_set(err, SEG_ENOMEM, "out of memory describing source '%s'", src->name);
  }
  PGresult *res = PQexec(conn, buf_str(&q));
  buf_free(&q);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    seg_code rc = pg__fail(conn, res, src, src->query[0] ? "reading its query's columns" : "reading its table's columns", err);
    PQclear(res);
    return rc;
  }
  int n = PQnfields(res);
  d->cols = calloc((size_t)(n ? n : 1), sizeof *d->cols);
  if (!d->cols) {
    PQclear(res);
    return seg_err_set(err, SEG_ENOMEM, "out of memory describing source '%s'", src->name);
  }
  d->n = (size_t)n;
  for (int i = 0; i < n; i++) {
    pg_column *c = &d->cols[i];
    snprintf(c->name, sizeof c->name, "%s", PQfname(res, i));
    c->oid = PQftype(res, i);
    c->type = type_of_oid(c->oid);
    c->kept = c->type != ATTR_NONE;
    if (strcmp(c->name, src->id_column) == 0) {
      d->id_index = i;
      c->kept = true; /* any type: read as text */
      c->type = ATTR_TEXT;
    }
    if (src->changed_column[0] && strcmp(c->name, src->changed_column) == 0) d->changed_index = i;
  }
  PQclear(res);
  /* PostgreSQL's names of the types, for the columns left out and the changed column's cast. */
  for (size_t i = 0; i < d->n; i++) {
    if (d->cols[i].kept && (int)i != d->changed_index) continue;
    char oid[16];
    snprintf(oid, sizeof oid, "%u", d->cols[i].oid);
    const char *params[1] = {oid};
    PGresult *t = PQexecParams(conn, "SELECT format_type($1::oid, NULL)", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(t) == PGRES_TUPLES_OK && PQntuples(t) == 1)
      snprintf(d->cols[i].type_name, sizeof d->cols[i].type_name, "%s", PQgetvalue(t, 0, 0));
    else
      snprintf(d->cols[i].type_name, sizeof d->cols[i].type_name, "type %s", oid);
    PQclear(t);
  }
  if (d->id_index < 0)
    return seg_err_set(err, SEG_EINVAL, "source '%s' has no column '%s' for --id (names keep their case); name one of its "
                                        "columns",
                       src->name, src->id_column);
  if (src->changed_column[0] && d->changed_index < 0)
    return seg_err_set(err, SEG_EINVAL, "source '%s' has no column '%s' for --changed-column (names keep their case)",
                       src->name, src->changed_column);
  return SEG_OK;
}

seg_code pg_source_describe(const store_pg_source *src, pg_description *out, seg_err *err) {
  memset(out, 0, sizeof *out);
  PGconn *conn;
  seg_code rc = pg__connect(src, &conn, err);
  if (rc != SEG_OK) return rc;
  rc = pg__begin_snapshot(conn, src, err);
  if (rc == SEG_OK) rc = pg__describe(conn, src, out, err);
  if (rc != SEG_OK) pg_description_free(out);
  PQfinish(conn);
  return rc;
}

/* ---- the COPY stream as a FILE for the CSV importer ---- */

typedef struct copy_stream {
  PGconn *conn;
  char *row;        /* the current row from PQgetCopyData */
  size_t len, off;
  bool done;
  char error[400];  /* why the stream failed, for the step's message */
  char sqlstate[8];
} copy_stream;

static ssize_t copy_read(void *cookie, char *out, size_t size) {
  copy_stream *cs = cookie;
  while (cs->off >= cs->len) {
    if (cs->row) {
      PQfreemem(cs->row);
      cs->row = NULL;
    }
    cs->len = cs->off = 0;
    if (cs->done) return 0;
    int n = PQgetCopyData(cs->conn, &cs->row, 0);
    if (n == -1) { /* the end: the final result says whether COPY succeeded */
      cs->done = true;
      PGresult *res = PQgetResult(cs->conn);
      bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
      if (!ok) {
        pg__first_line(PQresultErrorMessage(res), cs->error, sizeof cs->error);
        const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        snprintf(cs->sqlstate, sizeof cs->sqlstate, "%s", st ? st : "");
      }
      PQclear(res);
      while ((res = PQgetResult(cs->conn))) PQclear(res);
      if (!ok) {
        errno = EIO;
        return -1;
      }
      return 0;
    }
    if (n < 0) {
      cs->done = true;
      pg__first_line(PQerrorMessage(cs->conn), cs->error, sizeof cs->error);
      errno = EIO;
      return -1;
    }
    cs->len = (size_t)n;
  }
  size_t k = cs->len - cs->off < size ? cs->len - cs->off : size;
  memcpy(out, cs->row + cs->off, k);
  cs->off += k;
  return (ssize_t)k;
}

static int copy_close(void *cookie) {
  copy_stream *cs = cookie;
  if (cs->row) PQfreemem(cs->row);
  cs->row = NULL;
  return 0;
}

/* ---- the import ---- */

typedef struct import_ctx {
  PGconn *conn;
  const store_pg_source *src;
  const pg_description *d;
  const char *high_water;   /* to record, or NULL */
  bool read_all_ids;        /* replace with an incremental read: every id, to find deletions */
} import_ctx;

/* Inside the import's transaction: with replace on an incremental read, marks every id of the
 * source as present; records the new high-water mark. */
static seg_code before_finish(store *s, store_import *imp, void *p, seg_err *err) {
  import_ctx *c = p;
  seg_code rc = SEG_OK;
  if (c->read_all_ids) {
    buf q;
    buf_init(&q, 0);
    int r = buf_puts(&q, "SELECT ");
    if (r == 0) r = pg__put_ident(c->conn, &q, c->d->cols[c->d->id_index].name);
    if (r == 0) r = buf_puts(&q, "::text FROM ");
    if (r == 0) r = pg__put_from(c->conn, &q, c->src);
    if (r != 0) {
      buf_free(&q);
      return seg_err_set(err, SEG_ENOMEM, "out of memory reading source '%s'", c->src->name);
    }
    if (!PQsendQuery(c->conn, buf_str(&q)) || !PQsetSingleRowMode(c->conn)) {
      buf_free(&q);
      return pg__fail(c->conn, NULL, c->src, "reading its ids", err);
    }
    buf_free(&q);
    int64_t ids = 0;
    PGresult *res;
    while ((res = PQgetResult(c->conn))) {
      ExecStatusType st = PQresultStatus(res);
      if (st == PGRES_SINGLE_TUPLE) {
        if (!PQgetisnull(res, 0, 0)) {
          store_import_mark_seen(imp, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
          ids++;
        }
      } else if (st != PGRES_TUPLES_OK && rc == SEG_OK) {
        rc = pg__fail(c->conn, res, c->src, "reading its ids", err);
      }
      PQclear(res);
    }
    if (rc == SEG_OK && ids == 0)
      rc = seg_err_set(err, SEG_EINVAL, "source '%s' returned no rows at all, so --replace would delete every profile; "
                                        "nothing changed (check the table or query)",
                       c->src->name);
  }
  if (rc == SEG_OK && c->high_water) rc = store_pg_source_set_high_water(s, c->src->id, c->high_water, err);
  return rc;
}

/* The SELECT list: each kept column in the text form segship's importer reads, under its own name. */
int pg__put_select(PGconn *conn, buf *b, const pg_description *d, const bool *want) {
  int r = 0;
  bool first = true;
  for (size_t i = 0; i < d->n && r == 0; i++) {
    const pg_column *c = &d->cols[i];
    if (!c->kept || (want && !want[i])) continue;
    if (!first) r = buf_puts(b, ", ");
    first = false;
    char *q = PQescapeIdentifier(conn, c->name, strlen(c->name));
    if (!q) return -1;
    if (r == 0) {
      if ((int)i == d->id_index) r = buf_printf(b, "%s::text", q);
      else if (c->oid == OID_BOOL) r = buf_printf(b, "CASE WHEN %s THEN 'true' WHEN NOT %s THEN 'false' END", q, q);
      else if (c->oid == OID_DATE) r = buf_printf(b, "to_char(%s, 'YYYY-MM-DD')", q);
      else if (c->oid == OID_TIMESTAMPTZ)
        r = buf_printf(b, "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", q);
      else if (c->oid == OID_TIMESTAMP) r = buf_printf(b, "to_char(%s, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", q);
      else r = buf_printf(b, "%s::text", q);
    }
    if (r == 0) r = buf_printf(b, " AS %s", q);
    PQfreemem(q);
  }
  return r;
}

seg_code pg_source_import(store *s, const store_pg_source *src, pg_import_report *rep, seg_err *err) {
  memset(rep, 0, sizeof *rep);
  if (strcmp(src->mode, "pushdown") == 0) return pg__pushdown_import(s, src, rep, err);
  PGconn *conn;
  seg_code rc = pg__connect(src, &conn, err);
  if (rc != SEG_OK) return rc;
  pg_description d = {0};
  char *high_water = NULL;
  buf q;
  buf_init(&q, 0);
  const char **names = NULL;
  attr_type *types = NULL;
  rc = pg__begin_snapshot(conn, src, err);
  if (rc == SEG_OK) rc = pg__describe(conn, src, &d, err);
  for (size_t i = 0; rc == SEG_OK && i < d.n; i++)
    if (!d.cols[i].kept) {
      rep->left_out++;
      log_event(LOG_INFO, "source.column_left_out",
                "source '%s': column '%s' (%s) is left out: segship holds numbers, booleans, dates, timestamps and "
                "text; cast it in a --query to keep it",
                src->name, d.cols[i].name, d.cols[i].type_name);
    }
  /* The high-water mark of this snapshot, read before the rows. */
  if (rc == SEG_OK && d.changed_index >= 0) {
    int r = buf_puts(&q, "SELECT max(");
    if (r == 0) r = pg__put_ident(conn, &q, src->changed_column);
    if (r == 0) r = buf_puts(&q, ")::text FROM ");
    if (r == 0) r = pg__put_from(conn, &q, src);
    if (r != 0) rc = seg_err_set(err, SEG_ENOMEM, "out of memory reading source '%s'", src->name);
    if (rc == SEG_OK) {
      PGresult *res = PQexec(conn, buf_str(&q));
      if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) rc = pg__fail(conn, res, src, "reading its high-water mark", err);
      else if (!PQgetisnull(res, 0, 0) && !(high_water = strdup(PQgetvalue(res, 0, 0))))
        rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
      PQclear(res);
    }
    buf_reset(&q);
    rep->incremental = src->high_water[0] != '\0';
    snprintf(rep->high_water, sizeof rep->high_water, "%s", high_water ? high_water : src->high_water);
  }
  /* COPY (SELECT ... [WHERE changed > last mark]) TO STDOUT, streamed. */
  if (rc == SEG_OK) {
    int r = buf_puts(&q, "COPY (SELECT ");
    if (r == 0) r = pg__put_select(conn, &q, &d, NULL);
    if (r == 0) r = buf_puts(&q, " FROM ");
    if (r == 0) r = pg__put_from(conn, &q, src);
    if (r == 0 && rep->incremental) {
      char *lit = PQescapeLiteral(conn, src->high_water, strlen(src->high_water));
      r = lit ? buf_puts(&q, " WHERE ") : -1;
      if (r == 0) r = pg__put_ident(conn, &q, src->changed_column);
      if (r == 0) r = buf_printf(&q, " > %s::%s", lit, d.cols[d.changed_index].type_name);
      PQfreemem(lit);
    }
    if (r == 0) r = buf_puts(&q, ") TO STDOUT WITH (FORMAT csv, HEADER true)");
    if (r != 0) rc = seg_err_set(err, SEG_ENOMEM, "out of memory reading source '%s'", src->name);
  }
  if (rc == SEG_OK) {
    PGresult *res = PQexec(conn, buf_str(&q));
    if (PQresultStatus(res) != PGRES_COPY_OUT) rc = pg__fail(conn, res, src, "starting to copy its rows", err);
    PQclear(res);
  }
  if (rc == SEG_OK) {
    names = calloc(d.n + 1, sizeof *names);
    types = calloc(d.n + 1, sizeof *types);
    if (!names || !types) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  size_t n_typed = 0;
  for (size_t i = 0; rc == SEG_OK && i < d.n; i++)
    if (d.cols[i].kept && (int)i != d.id_index) {
      names[n_typed] = d.cols[i].name;
      types[n_typed++] = d.cols[i].type;
    }
  if (rc == SEG_OK) {
    copy_stream cs = {.conn = conn};
    cookie_io_functions_t io = {.read = copy_read, .close = copy_close};
    FILE *f = fopencookie(&cs, "r", io);
    if (!f) rc = seg_err_set(err, SEG_ENOMEM, "out of memory reading source '%s'", src->name);
    char label[160];
    snprintf(label, sizeof label, "source '%s'", src->name);
    import_ctx ic = {.conn = conn, .src = src, .d = &d, .high_water = high_water,
                     .read_all_ids = rep->incremental && src->replace};
    ingest_options io2 = {.path = label, .format = INGEST_FORMAT_CSV, .id_name = src->id_column,
                          .replace = src->replace, .max_delete_pct = src->max_delete, .stream = f, .label = label,
                          .allow_empty = rep->incremental, .typed_names = names, .typed_types = types,
                          .n_typed = n_typed, .before_finish = before_finish, .hook_ctx = &ic};
    if (rc == SEG_OK) {
      rc = ingest_import(s, &io2, &rep->ingest, err);
      if (rc != SEG_OK && cs.error[0]) { /* the server's reason, rather than the reader's */
        const char *hint = strcmp(cs.sqlstate, "57014") == 0 ? "raise --statement-timeout or simplify the query; " : "";
        rc = seg_err_set(err, SEG_EIO, "PostgreSQL source '%s' failed while copying its rows (%s); %snothing changed",
                         src->name, cs.error, hint);
      }
      if (!cs.done) { /* the import stopped early: end the COPY before the connection closes */
        PQfinish(conn);
        conn = NULL;
      }
      fclose(f);
    }
  }
  if (conn) {
    PGresult *res;
    while ((res = PQgetResult(conn))) PQclear(res);
    res = PQexec(conn, "COMMIT");
    PQclear(res);
    PQfinish(conn);
  }
  free(names);
  free(types);
  free(high_water);
  buf_free(&q);
  pg_description_free(&d);
  if (rc != SEG_OK) ingest_report_free(&rep->ingest);
  return rc;
}

seg_code pg_source_prepare_schema(store *s, const store_pg_source *src, const pg_description *d, seg_err *err) {
  store_import *imp;
  seg_code rc = store_import_begin(s, src->id_column, &imp, err);
  if (rc != SEG_OK) return rc;
  for (size_t i = 0; i < d->n && rc == SEG_OK; i++) {
    if (!d->cols[i].kept || (int)i == d->id_index) continue;
    int idx;
    rc = store_import_attr(imp, d->cols[i].name, &idx, err);
    if (rc == SEG_OK && store_import_schema(imp)->attrs[idx].type == ATTR_NONE)
      rc = store_import_widen(imp, idx, d->cols[i].type, err);
  }
  if (rc != SEG_OK) {
    store_import_abort(imp);
    return rc;
  }
  char label[160];
  snprintf(label, sizeof label, "source '%s' (its columns)", src->name);
  store_import_counts counts;
  return store_import_finish(imp, false, 0, label, "csv", 0, &counts, err);
}
