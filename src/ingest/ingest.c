/* ingest.c: the import of one file: reader, per-row checks, typing, and the store's import session. */
#include "ingest/ingest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/csv.h"
#include "ingest/jsonl.h"
#include "util/clock.h"
#include "util/text.h"

#define SCRATCH 64 /* bytes of canonical text per attribute, for values widened to text */

typedef struct session {
  store_import *imp;
  const ingest_options *opt;
  ingest_report *rep;
  const char *name;
  seg_value *values;
  bool *present;
  char *scratch;
  size_t cap;
} session;

bool ingest_format_parse(const char *name, ingest_format *out) {
  if (strcasecmp(name, "csv") == 0) *out = INGEST_FORMAT_CSV;
  else if (strcasecmp(name, "jsonl") == 0 || strcasecmp(name, "ndjson") == 0 || strcasecmp(name, "json") == 0)
    *out = INGEST_FORMAT_JSONL;
  else return false;
  return true;
}

void ingest_report_free(ingest_report *r) {
  free(r->problems);
  free(r->widenings);
  memset(r, 0, sizeof *r);
}

static void add_problem(session *ss, int64_t line, const char *id, size_t id_len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add_problem(session *ss, int64_t line, const char *id, size_t id_len, const char *fmt, ...) {
  ingest_report *r = ss->rep;
  r->rejected++;
  if (r->n_problems >= INGEST_MAX_PROBLEMS) return;
  if (!r->problems) {
    r->problems = calloc(INGEST_MAX_PROBLEMS, sizeof *r->problems);
    if (!r->problems) return;
  }
  ingest_problem *p = &r->problems[r->n_problems++];
  p->line = line;
  if (id && id_len) snprintf(p->id, sizeof p->id, "%.*s", (int)text_utf8_prefix(id, id_len, sizeof p->id - 1), id);
  va_list ap;
  va_start(ap, fmt);
  if (vsnprintf(p->reason, sizeof p->reason, fmt, ap) >= (int)sizeof p->reason) text_utf8_trim_tail(p->reason);
  va_end(ap);
}

static seg_code ensure_arrays(session *ss, seg_err *err) {
  size_t n = store_import_schema(ss->imp)->n;
  if (n <= ss->cap) return SEG_OK;
  size_t cap = ss->cap ? ss->cap : 16;
  while (cap < n) cap *= 2;
  seg_value *v = realloc(ss->values, cap * sizeof *v);
  if (v) ss->values = v;
  bool *p = realloc(ss->present, cap * sizeof *p);
  if (p) ss->present = p;
  char *sc = realloc(ss->scratch, cap * SCRATCH);
  if (sc) ss->scratch = sc;
  if (!v || !p || !sc) return seg_err_set(err, SEG_ENOMEM, "out of memory importing %s", ss->name);
  memset(ss->present + ss->cap, 0, (cap - ss->cap) * sizeof *p);
  ss->cap = cap;
  return SEG_OK;
}

static void note_widening(session *ss, const store_attr *a, attr_type from, attr_type to, int64_t line) {
  ingest_report *r = ss->rep;
  for (size_t i = 0; i < r->n_widenings; i++)
    if (strcmp(r->widenings[i].attr, a->name) == 0) {
      r->widenings[i].to = to;
      return;
    }
  ingest_widening *w = realloc(r->widenings, (r->n_widenings + 1) * sizeof *w);
  if (!w) return;
  r->widenings = w;
  w = &w[r->n_widenings++];
  snprintf(w->attr, sizeof w->attr, "%s", a->name);
  w->from = from;
  w->to = to;
  w->line = line;
}

/* Fits value v (inferred from the text orig, or from JSON when orig is NULL) to attribute idx,
 * widening the attribute when it is not pinned. Returns SEG_EINVAL with reason for a value the
 * pinned type refuses; another code is fatal. */
static seg_code fit(session *ss, int idx, seg_value *v, const char *orig, size_t orig_n, int64_t line, char *reason,
                    size_t rcap, seg_err *err) {
  const store_attr *a = &store_import_schema(ss->imp)->attrs[idx];
  if (v->type == ATTR_NONE) return SEG_OK;
  if (a->type == ATTR_NONE) {
    seg_code rc = store_import_widen(ss->imp, idx, v->type, err);
    if (rc != SEG_OK) return rc;
  } else if (!attr_type_fits(v->type, a->type)) {
    if (a->pinned) {
      seg_value parsed;
      if (orig && seg_value_parse_as(orig, orig_n, a->type, &parsed)) {
        *v = parsed;
        return SEG_OK;
      }
      char shown[48];
      size_t n;
      const char *t = orig ? orig : seg_value_canonical(v, shown, sizeof shown, &n);
      if (orig) n = orig_n;
      snprintf(reason, rcap, "'%.*s' is not %s %s, the type '%s' is pinned to", (int)(n > 40 ? 40 : n), t,
               a->type == ATTR_INTEGER ? "an" : "a", attr_type_name(a->type), a->name);
      return SEG_EINVAL;
    }
    attr_type from = a->type, to = attr_type_join(v->type, a->type);
    seg_code rc = store_import_widen(ss->imp, idx, to, err);
    if (rc != SEG_OK) return rc;
    note_widening(ss, a, from, to, line);
  }
  if (a->type == ATTR_TEXT && orig) {
    v->type = ATTR_TEXT;
    v->s = orig; /* text keeps the file's own spelling */
    v->n = orig_n;
  } else {
    seg_value_convert(v, a->type, ss->scratch + (size_t)idx * SCRATCH);
  }
  return SEG_OK;
}

static seg_code fit_text(session *ss, int idx, const char *raw, size_t n, int64_t line, char *reason, size_t rcap,
                         seg_err *err) {
  const char *t = text_trim(raw, &n);
  seg_value *v = &ss->values[idx];
  seg_value_infer(t, n, v);
  return fit(ss, idx, v, t, n, line, reason, rcap, err);
}

/* Writes one typed row; handles --strict. Returns a fatal code, or SEG_OK. */
static seg_code write_row(session *ss, int64_t line, const char *id, size_t id_len, seg_err *err) {
  store_row_result res;
  return store_import_row(ss->imp, line, id, id_len, ss->values, ss->present, &res, err);
}

static seg_code reject(session *ss, int64_t line, const char *id, size_t id_len, const char *reason, seg_err *err) {
  if (ss->opt->strict)
    return seg_err_set(err, SEG_EINVAL, "line %lld of %s: %s; nothing was imported (--strict refuses the whole file)",
                       (long long)line, ss->name, reason);
  add_problem(ss, line, id, id_len, "%s", reason);
  if (id && id_len) store_import_mark_seen(ss->imp, id, id_len);
  return SEG_OK;
}

static bool id_ok(const char *id, size_t n, const char *id_name, char *reason, size_t rcap) {
  if (n == 0) {
    snprintf(reason, rcap, "no %s: every profile needs an id", id_name);
    return false;
  }
  if (n > INGEST_MAX_ID) {
    snprintf(reason, rcap, "the %s is over %d bytes", id_name, INGEST_MAX_ID);
    return false;
  }
  return true;
}

/* ---- CSV ---- */

static seg_code import_csv(session *ss, FILE *f, seg_err *err) {
  csv_reader *r;
  seg_code rc = csv_open(f, ss->name, &r, err);
  if (rc != SEG_OK) return rc;
  csv_record rec;
  int got = csv_next(r, &rec, err);
  if (got < 0) goto fatal;
  if (got == 0) {
    rc = seg_err_set(err, SEG_EINVAL, "%s is empty; give a file with a header line and profiles", ss->name);
    goto done;
  }
  if (rec.problem) {
    rc = seg_err_set(err, SEG_EINVAL, "the header of %s is malformed: %s", ss->name, rec.problem);
    goto done;
  }
  /* The header: column names become attributes. */
  size_t ncols = rec.n;
  int *col_attr = calloc(ncols, sizeof *col_attr);
  if (!col_attr) {
    rc = seg_err_set(err, SEG_ENOMEM, "out of memory importing %s", ss->name);
    goto done;
  }
  const store_schema *sc = store_import_schema(ss->imp);
  int id_index = store_import_id_index(ss->imp);
  char id_name[STORE_NAME_MAX + 1]; /* a copy: the schema's array moves as attributes are added */
  snprintf(id_name, sizeof id_name, "%s", sc->attrs[id_index].name);
  int id_col = -1;
  size_t before = sc->n;
  for (size_t c = 0; c < ncols && rc == SEG_OK; c++) {
    size_t n = rec.lens[c];
    const char *name = text_trim(rec.fields[c], &n);
    char nm[STORE_NAME_MAX + 1];
    if (!text_utf8_valid(rec.fields[c], rec.lens[c], NULL)) {
      rc = seg_err_set(err, SEG_EINVAL, "the header of %s is not valid UTF-8 (column %zu); save the file as UTF-8",
                       ss->name, c + 1);
    } else if (n == 0) {
      rc = seg_err_set(err, SEG_EINVAL, "column %zu of %s has no name; give every column a name in the header", c + 1,
                       ss->name);
    } else if (n > STORE_NAME_MAX) {
      rc = seg_err_set(err, SEG_EINVAL, "the name of column %zu of %s is over %d bytes", c + 1, ss->name,
                       STORE_NAME_MAX);
    } else {
      snprintf(nm, sizeof nm, "%.*s", (int)n, name);
      for (size_t k = 0; k < c; k++) {
        if (text_ieq(store_import_schema(ss->imp)->attrs[col_attr[k]].name, nm)) {
          rc = seg_err_set(err, SEG_EINVAL, "columns %zu and %zu of %s are both named '%s'; names must be unique",
                           k + 1, c + 1, ss->name, nm);
          break;
        }
      }
      if (rc == SEG_OK) rc = store_import_attr(ss->imp, nm, &col_attr[c], err);
      if (rc == SEG_OK && col_attr[c] == id_index) id_col = (int)c;
    }
  }
  if (rc == SEG_OK && id_col < 0)
    rc = seg_err_set(err, SEG_EINVAL, "%s has no '%s' column; name the id column with --id", ss->name, id_name);
  if (rc == SEG_OK) rc = ensure_arrays(ss, err);
  if (rc != SEG_OK) {
    free(col_attr);
    goto done;
  }
  sc = store_import_schema(ss->imp);
  ss->rep->new_attributes = sc->n - before;
  memset(ss->present, 0, ss->cap * sizeof *ss->present);
  for (size_t c = 0; c < ncols; c++) ss->present[col_attr[c]] = true;

  char reason[256];
  while ((got = csv_next(r, &rec, err)) > 0) {
    ss->rep->rows++;
    const char *id = NULL;
    size_t id_len = 0;
    if (!rec.problem && rec.n == ncols) {
      id_len = rec.lens[id_col];
      id = text_trim(rec.fields[id_col], &id_len);
    }
    if (rec.problem) {
      rc = reject(ss, rec.line, NULL, 0, rec.problem, err);
    } else if (rec.n != ncols) {
      snprintf(reason, sizeof reason, "%zu fields where the header has %zu", rec.n, ncols);
      rc = reject(ss, rec.line, NULL, 0, reason, err);
    } else {
      size_t bad = 0;
      int bad_col = -1;
      for (size_t c = 0; c < ncols; c++)
        if (!text_utf8_valid(rec.fields[c], rec.lens[c], &bad)) {
          bad_col = (int)c;
          break;
        }
      if (bad_col >= 0) {
        snprintf(reason, sizeof reason, "not valid UTF-8 (field %d, byte %zu); save the file as UTF-8", bad_col + 1,
                 bad + 1);
        rc = reject(ss, rec.line, NULL, 0, reason, err);
      } else if (!id_ok(id, id_len, id_name, reason, sizeof reason)) {
        rc = reject(ss, rec.line, NULL, 0, reason, err);
      } else {
        bool row_ok = true;
        for (size_t c = 0; c < ncols && row_ok; c++) {
          if ((int)c == id_col) continue;
          rc = fit_text(ss, col_attr[c], rec.fields[c], rec.lens[c], rec.line, reason, sizeof reason, err);
          if (rc == SEG_EINVAL) {
            rc = reject(ss, rec.line, id, id_len, reason, err);
            row_ok = false;
          }
          if (rc != SEG_OK) break;
        }
        if (rc == SEG_OK && row_ok) rc = write_row(ss, rec.line, id, id_len, err);
      }
    }
    if (rc != SEG_OK) break;
  }
  free(col_attr);
  if (rc != SEG_OK) goto done;
  if (got < 0) goto fatal;
  if (ss->rep->rows == 0)
    rc = seg_err_set(err, SEG_EINVAL, "%s has a header but no profiles; nothing was imported", ss->name);
done:
  csv_free(r);
  return rc;
fatal:
  csv_free(r);
  return err ? err->code : SEG_EINVAL;
}

/* ---- JSON Lines ---- */

static seg_code fit_json(session *ss, int idx, json_t *j, int64_t line, char *reason, size_t rcap, seg_err *err) {
  seg_value *v = &ss->values[idx];
  memset(v, 0, sizeof *v);
  switch (json_typeof(j)) {
    case JSON_NULL:
      v->type = ATTR_NONE;
      return SEG_OK;
    case JSON_TRUE:
    case JSON_FALSE:
      v->type = ATTR_BOOLEAN;
      v->i = json_is_true(j);
      return fit(ss, idx, v, NULL, 0, line, reason, rcap, err);
    case JSON_INTEGER:
      v->type = ATTR_INTEGER;
      v->i = json_integer_value(j);
      return fit(ss, idx, v, NULL, 0, line, reason, rcap, err);
    case JSON_REAL:
      v->type = ATTR_REAL;
      v->r = json_real_value(j);
      return fit(ss, idx, v, NULL, 0, line, reason, rcap, err);
    case JSON_STRING:
      return fit_text(ss, idx, json_string_value(j), json_string_length(j), line, reason, rcap, err);
    default:
      snprintf(reason, rcap, "the value of '%s' is %s; only text, numbers, booleans and null are accepted",
               store_import_schema(ss->imp)->attrs[idx].name, json_is_object(j) ? "an object" : "an array");
      return SEG_EINVAL;
  }
}

static seg_code import_jsonl(session *ss, FILE *f, seg_err *err) {
  jsonl_reader *r;
  seg_code rc = jsonl_open(f, ss->name, &r, err);
  if (rc != SEG_OK) return rc;
  jsonl_record rec;
  int got;
  char reason[256];
  size_t before = store_import_schema(ss->imp)->n;
  while ((got = jsonl_next(r, &rec, err)) > 0) {
    ss->rep->rows++;
    if (rec.problem[0]) {
      if ((rc = reject(ss, rec.line, NULL, 0, rec.problem, err)) != SEG_OK) break;
      continue;
    }
    /* Attributes first (a new key adds one), then the id, then the values. */
    const char *key;
    json_t *val;
    json_object_foreach(rec.object, key, val) {
      size_t kn = strlen(key);
      const char *k = text_trim(key, &kn);
      char nm[STORE_NAME_MAX + 1];
      if (kn == 0 || kn > STORE_NAME_MAX) continue; /* reported below */
      snprintf(nm, sizeof nm, "%.*s", (int)kn, k);
      int idx;
      if ((rc = store_import_attr(ss->imp, nm, &idx, err)) != SEG_OK) break;
    }
    if (rc != SEG_OK || (rc = ensure_arrays(ss, err)) != SEG_OK) break;
    const store_schema *sc = store_import_schema(ss->imp);
    int id_index = store_import_id_index(ss->imp);
    memset(ss->present, 0, sc->n * sizeof *ss->present);
    const char *id = NULL;
    size_t id_len = 0;
    char id_buf[32];
    bool row_ok = true;
    json_object_foreach(rec.object, key, val) {
      size_t kn = strlen(key);
      const char *k = text_trim(key, &kn);
      if (kn == 0 || kn > STORE_NAME_MAX) {
        snprintf(reason, sizeof reason, "a key is %s; keys name attributes", kn ? "too long" : "empty");
        row_ok = false;
        break;
      }
      char nm[STORE_NAME_MAX + 1];
      snprintf(nm, sizeof nm, "%.*s", (int)kn, k);
      int idx = store_schema_find(sc, nm);
      if (ss->present[idx]) {
        snprintf(reason, sizeof reason, "the keys '%s' differ only in case or spaces", nm);
        row_ok = false;
        break;
      }
      ss->present[idx] = true;
      if (idx == id_index) {
        if (json_is_string(val)) {
          id_len = json_string_length(val);
          id = text_trim(json_string_value(val), &id_len);
        } else if (json_is_integer(val)) {
          snprintf(id_buf, sizeof id_buf, "%lld", (long long)json_integer_value(val));
          id = id_buf;
          id_len = strlen(id_buf);
        } else {
          snprintf(reason, sizeof reason, "the %s must be text or an integer", sc->attrs[id_index].name);
          row_ok = false;
          break;
        }
      }
    }
    if (row_ok && !id_ok(id, id ? id_len : 0, sc->attrs[id_index].name, reason, sizeof reason)) row_ok = false;
    if (row_ok) {
      json_object_foreach(rec.object, key, val) {
        size_t kn = strlen(key);
        const char *k = text_trim(key, &kn);
        char nm[STORE_NAME_MAX + 1];
        snprintf(nm, sizeof nm, "%.*s", (int)kn, k);
        int idx = store_schema_find(store_import_schema(ss->imp), nm);
        if (idx == id_index) continue;
        rc = fit_json(ss, idx, val, rec.line, reason, sizeof reason, err);
        if (rc == SEG_EINVAL) {
          rc = SEG_OK;
          row_ok = false;
          break;
        }
        if (rc != SEG_OK) break;
      }
    }
    if (rc != SEG_OK) break;
    if (!row_ok) {
      if ((rc = reject(ss, rec.line, id, id ? id_len : 0, reason, err)) != SEG_OK) break;
      continue;
    }
    if ((rc = write_row(ss, rec.line, id, id_len, err)) != SEG_OK) break;
  }
  ss->rep->new_attributes = store_import_schema(ss->imp)->n - before;
  jsonl_free(r);
  if (rc != SEG_OK) return rc;
  if (got < 0) return err ? err->code : SEG_EINVAL;
  if (ss->rep->rows == 0)
    return seg_err_set(err, SEG_EINVAL, "%s has no profiles (no non-blank line); nothing was imported", ss->name);
  return SEG_OK;
}

/* ---- the driver ---- */

static ingest_format detect(FILE *f, const char *path) {
  const char *dot = strrchr(path, '.');
  if (dot) {
    ingest_format fmt;
    if (ingest_format_parse(dot + 1, &fmt)) return fmt;
  }
  /* Unknown extension: a first non-blank byte '{' means JSON Lines. */
  char head[4096];
  size_t n = fread(head, 1, sizeof head, f);
  if (fseek(f, 0, SEEK_SET) != 0) return INGEST_FORMAT_CSV;
  size_t i = 0;
  if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) i = 3;
  while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
  return (i < n && head[i] == '{') ? INGEST_FORMAT_JSONL : INGEST_FORMAT_CSV;
}

seg_code ingest_import(store *s, const ingest_options *opt, ingest_report *rep, seg_err *err) {
  memset(rep, 0, sizeof *rep);
  double t0 = clock_mono_s();
  bool from_stdin = strcmp(opt->path, "-") == 0;
  const char *name = from_stdin ? "standard input" : opt->path;
  FILE *f = from_stdin ? stdin : fopen(opt->path, "rb");
  if (!f)
    return seg_err_set(err, errno == ENOENT ? SEG_ENOTFOUND : SEG_EIO, "cannot open %s: %s; check the path", name,
                       strerror(errno));
  ingest_format fmt = opt->format;
  if (fmt == INGEST_FORMAT_AUTO) fmt = from_stdin ? INGEST_FORMAT_CSV : detect(f, opt->path);
  rep->format = fmt == INGEST_FORMAT_JSONL ? "jsonl" : "csv";

  session ss = {.opt = opt, .rep = rep, .name = name};
  seg_code rc = store_import_begin(s, opt->id_name, &ss.imp, err);
  if (rc == SEG_OK) rc = ensure_arrays(&ss, err);
  if (rc == SEG_OK) rc = fmt == INGEST_FORMAT_JSONL ? import_jsonl(&ss, f, err) : import_csv(&ss, f, err);
  if (rc == SEG_OK && rep->rows > 0 && rep->rejected == rep->rows) {
    const ingest_problem *p = rep->n_problems ? &rep->problems[0] : NULL;
    rc = seg_err_set(err, SEG_EINVAL, "none of the %lld rows of %s could be imported (line %lld: %s); nothing changed",
                     (long long)rep->rows, name, p ? (long long)p->line : 0LL, p ? p->reason : "?");
  }
  if (rc == SEG_OK) {
    rc = store_import_finish(ss.imp, opt->replace, opt->max_delete_pct, name, rep->format, rep->rejected, &rep->counts, err);
  } else if (ss.imp) {
    store_import_abort(ss.imp);
  }
  free(ss.values);
  free(ss.present);
  free(ss.scratch);
  if (!from_stdin) fclose(f);
  rep->seconds = clock_mono_s() - t0;
  if (rc != SEG_OK) {
    free(rep->problems);
    free(rep->widenings);
    const char *format = rep->format;
    memset(rep, 0, sizeof *rep);
    rep->format = format;
  }
  return rc;
}
