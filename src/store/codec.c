/* codec.c: typed values to and from SQLite, the content hash, and the store's SQL functions. */
#include <math.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/text.h"

int store__bind_value(sqlite3_stmt *st, int idx, const seg_value *v, char *scratch) {
  switch (v->type) {
    case ATTR_NONE:
      return sqlite3_bind_null(st, idx);
    case ATTR_INTEGER:
    case ATTR_BOOLEAN:
      return sqlite3_bind_int64(st, idx, v->i);
    case ATTR_REAL:
      return v->is_int ? sqlite3_bind_int64(st, idx, v->i) : sqlite3_bind_double(st, idx, v->r);
    case ATTR_DATE:
      return sqlite3_bind_text(st, idx, clock_format_date(v->i, scratch), 10, SQLITE_STATIC);
    case ATTR_DATETIME:
      return sqlite3_bind_text(st, idx, clock_format_datetime(v->i, scratch), 20, SQLITE_STATIC);
    case ATTR_TEXT:
      return sqlite3_bind_text(st, idx, v->s, (int)v->n, SQLITE_STATIC);
  }
  return SQLITE_MISUSE;
}

bool store__column_value(sqlite3_stmt *st, int col, attr_type t, seg_value *out) {
  memset(out, 0, sizeof *out);
  int ct = sqlite3_column_type(st, col);
  if (ct == SQLITE_NULL || t == ATTR_NONE) {
    out->type = ATTR_NONE;
    return ct == SQLITE_NULL;
  }
  out->type = t;
  switch (t) {
    case ATTR_INTEGER:
    case ATTR_BOOLEAN:
      if (ct == SQLITE_INTEGER) {
        out->i = sqlite3_column_int64(st, col);
        return t == ATTR_INTEGER || out->i == 0 || out->i == 1;
      }
      break;
    case ATTR_REAL:
      if (ct == SQLITE_INTEGER) {
        out->is_int = true;
        out->i = sqlite3_column_int64(st, col);
        return true;
      }
      if (ct == SQLITE_FLOAT) {
        out->r = sqlite3_column_double(st, col);
        return true;
      }
      break;
    default:
      break;
  }
  /* Text storage (dates, datetimes, text), or a value to be read as a narrower type. */
  const char *s = (const char *)sqlite3_column_text(st, col);
  size_t n = (size_t)sqlite3_column_bytes(st, col);
  if (!s) return false;
  if (t == ATTR_TEXT) {
    out->s = s;
    out->n = n;
    return true;
  }
  if (ct == SQLITE_INTEGER || ct == SQLITE_FLOAT) {
    /* a number read as a narrower non-numeric type (pinning): parse its canonical text */
    return seg_value_parse_as(s, n, t, out);
  }
  return seg_value_parse_as(s, n, t, out);
}

void store__hash_values(const store_schema *schema, const seg_value *values, uint8_t out[16]) {
  crypto_generichash_state h;
  crypto_generichash_init(&h, NULL, 0, 16);
  char tmp[64];
  for (size_t i = 0; i < schema->n; i++) {
    const seg_value *v = &values[i];
    if (schema->attrs[i].is_id || v->type == ATTR_NONE) continue;
    size_t len;
    const char *text;
    if (v->type == ATTR_REAL && !v->is_int && !(v->r == floor(v->r) && fabs(v->r) < 9007199254740992.0)) {
      /* A fractional number hashes by its bits: exact, and no costly shortest-form printing. */
      tmp[0] = '\x01';
      memcpy(tmp + 1, &v->r, sizeof v->r);
      text = tmp;
      len = 1 + sizeof v->r;
    } else if (v->type == ATTR_REAL && !v->is_int) {
      len = seg_format_int((int64_t)v->r, tmp);
      text = tmp;
    } else if (v->type == ATTR_DATETIME && v->i % 86400 == 0) {
      text = clock_format_date(v->i / 86400, tmp); /* so that widening a date to datetime is no change */
      len = 10;
    } else {
      text = seg_value_canonical(v, tmp, sizeof tmp, &len);
    }
    uint8_t head[12];
    uint64_t id = (uint64_t)schema->attrs[i].id;
    uint32_t l = (uint32_t)len;
    memcpy(head, &id, 8);
    memcpy(head + 8, &l, 4);
    crypto_generichash_update(&h, head, sizeof head);
    crypto_generichash_update(&h, (const unsigned char *)text, len);
  }
  crypto_generichash_final(&h, out, 16);
}

/* seg_canon(value, from_type): the canonical text of a stored value, for widening to text. */
static void fn_canon(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  attr_type from;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  if (!attr_type_parse((const char *)sqlite3_value_text(argv[1]), &from)) from = ATTR_TEXT;
  seg_value v = {.type = from};
  int vt = sqlite3_value_type(argv[0]);
  if ((from == ATTR_INTEGER || from == ATTR_BOOLEAN || from == ATTR_REAL) && vt == SQLITE_INTEGER) {
    v.i = sqlite3_value_int64(argv[0]);
    v.is_int = true;
  } else if (from == ATTR_REAL && vt == SQLITE_FLOAT) {
    v.r = sqlite3_value_double(argv[0]);
  } else {
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  char tmp[64];
  size_t n;
  const char *s = seg_value_canonical(&v, tmp, sizeof tmp, &n);
  sqlite3_result_text(ctx, s, (int)n, SQLITE_TRANSIENT);
}

/* seg_narrow(value, to_type): the stored form of a value read as a narrower type (pinning). */
static void fn_narrow(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  attr_type to;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
      !attr_type_parse((const char *)sqlite3_value_text(argv[1]), &to)) {
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  const char *s = (const char *)sqlite3_value_text(argv[0]);
  size_t n = (size_t)sqlite3_value_bytes(argv[0]);
  seg_value v;
  if (!s || !seg_value_parse_as(s, n, to, &v)) {
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  char tmp[32];
  switch (v.type) {
    case ATTR_INTEGER:
    case ATTR_BOOLEAN:
      sqlite3_result_int64(ctx, v.i);
      break;
    case ATTR_REAL:
      if (v.is_int) sqlite3_result_int64(ctx, v.i);
      else sqlite3_result_double(ctx, v.r);
      break;
    case ATTR_DATE:
      sqlite3_result_text(ctx, clock_format_date(v.i, tmp), 10, SQLITE_TRANSIENT);
      break;
    case ATTR_DATETIME:
      sqlite3_result_text(ctx, clock_format_datetime(v.i, tmp), 20, SQLITE_TRANSIENT);
      break;
    default:
      sqlite3_result_value(ctx, argv[0]);
  }
}

/* ---- case-insensitive text, as marketers expect ("spain" = "Spain", "école" = "ÉCOLE") ---- */

static int collate_nocase(void *unused, int an, const void *a, int bn, const void *b) {
  return text_fold_cmp(a, (size_t)an, b, (size_t)bn);
}

/* The folded form of a text argument; the needle (argument 1) is cached across rows. */
static void free_buf(void *p) {
  buf_free(p);
  free(p);
}

static const buf *folded_arg(sqlite3_context *ctx, sqlite3_value **argv, int i, buf *local) {
  if (i == 1) {
    buf *cached = sqlite3_get_auxdata(ctx, 1);
    if (cached) return cached;
  }
  const char *s = (const char *)sqlite3_value_text(argv[i]);
  size_t n = (size_t)sqlite3_value_bytes(argv[i]);
  buf *b = local;
  if (i == 1) {
    b = malloc(sizeof *b);
    if (!b) return NULL;
  }
  buf_init(b, 0);
  if (text_fold(s ? s : "", n, b) != 0 || buf_reserve(b, 0) != 0) {
    buf_free(b);
    if (i == 1) free(b);
    return NULL;
  }
  if (i == 1) {
    sqlite3_set_auxdata(ctx, 1, b, free_buf);
    b = sqlite3_get_auxdata(ctx, 1); /* SQLite may have freed it at once */
  }
  return b;
}

enum { MATCH_CONTAINS, MATCH_STARTS, MATCH_ENDS };

static void fn_match(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  int how = (int)(intptr_t)sqlite3_user_data(ctx);
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  buf hay_local, needle_local;
  const buf *needle = folded_arg(ctx, argv, 1, &needle_local);
  const buf *hay = folded_arg(ctx, argv, 0, &hay_local);
  if (!needle || !hay) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  const char *h = buf_str(hay), *nd = buf_str(needle);
  size_t hl = hay->len, nl = needle->len;
  int r = 0;
  if (how == MATCH_CONTAINS) r = nl == 0 || memmem(h, hl, nd, nl) != NULL;
  else if (how == MATCH_STARTS) r = hl >= nl && memcmp(h, nd, nl) == 0;
  else r = hl >= nl && memcmp(h + hl - nl, nd, nl) == 0;
  buf_free(&hay_local);
  sqlite3_result_int(ctx, r);
}

int store__register_functions(sqlite3 *db) {
  int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  int rc = sqlite3_create_function(db, "seg_canon", 2, flags, NULL, fn_canon, NULL, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "seg_narrow", 2, flags, NULL, fn_narrow, NULL, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_create_collation(db, "seg_nocase", SQLITE_UTF8, NULL, collate_nocase);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "seg_contains", 2, flags, (void *)(intptr_t)MATCH_CONTAINS, fn_match, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "seg_starts_with", 2, flags, (void *)(intptr_t)MATCH_STARTS, fn_match, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "seg_ends_with", 2, flags, (void *)(intptr_t)MATCH_ENDS, fn_match, NULL, NULL);
  return rc;
}
