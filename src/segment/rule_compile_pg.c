/* rule_compile_pg.c: the PostgreSQL dialect of compiled rules: the same logic tree as SQLite's,
 * written for PostgreSQL with segship's meaning (folded text, empty as no value, seconds). */
#include <stdio.h>
#include <string.h>

#include "segment/rule.h"
#include "segment/rule_internal.h"

/* Type OIDs the dialect tells apart (pg_type.dat). */
enum { PG_TEXT = 25, PG_BPCHAR = 1042, PG_VARCHAR = 1043, PG_TIMESTAMP = 1114, PG_TIMESTAMPTZ = 1184,
       PG_INT2 = 21, PG_INT4 = 23, PG_INT8 = 20, PG_NUMERIC = 1700, PG_FLOAT4 = 700, PG_FLOAT8 = 701, PG_BOOL = 16,
       PG_DATE = 1082 };

int rule_pg_ident(buf *b, const char *name) {
  if (buf_putc(b, '"') != 0) return -1;
  for (const char *p = name; *p; p++)
    if ((*p == '"' && buf_putc(b, '"') != 0) || buf_putc(b, *p) != 0) return -1;
  return buf_putc(b, '"');
}

int rule_pg_value_expr(buf *b, const char *column, unsigned oid) {
  int r;
  switch (oid) {
    case PG_INT2: case PG_INT4: case PG_INT8: case PG_NUMERIC: case PG_FLOAT4: case PG_FLOAT8: case PG_BOOL:
    case PG_DATE:
      return rule_pg_ident(b, column);
    case PG_TIMESTAMP:
    case PG_TIMESTAMPTZ: /* segship keeps datetimes to the second */
      r = buf_puts(b, "date_trunc('second', ");
      if (r == 0) r = rule_pg_ident(b, column);
      return r == 0 ? buf_putc(b, ')') : r;
    default: /* text as the importer keeps it: trimmed, and empty means no value */
      r = buf_puts(b, "NULLIF(btrim(");
      if (r == 0) r = rule_pg_ident(b, column);
      return r == 0 ? buf_puts(b, "::text, ' ' || chr(9) || chr(10) || chr(13)), '')") : r;
  }
}

const char *rule_pg_param_text(const seg_value *v, char *scratch, size_t cap, size_t *len) {
  return seg_value_canonical(v, scratch, cap, len);
}

/* A bound value with its cast: $n::type. */
static int put_param(buf *b, const seg_value *v, unsigned oid, int (*push)(void *, const seg_value *), void *ctx) {
  int k = push(ctx, v);
  if (k < 0) return -1;
  const char *type = "text";
  switch (v->type) {
    case ATTR_INTEGER: type = "int8"; break;
    case ATTR_REAL: type = v->is_int ? "int8" : "float8"; break;
    case ATTR_BOOLEAN: type = "boolean"; break;
    case ATTR_DATE: type = "date"; break;
    case ATTR_DATETIME: type = oid == PG_TIMESTAMP ? "timestamp" : "timestamptz"; break;
    default: type = "text"; break;
  }
  return buf_printf(b, "$%d::%s", k, type);
}

/* Text folded for comparison: lower() with glibc's C.UTF-8 case mapping (seg_nocase's), then
 * compared byte by byte, which is code point order in UTF-8. */
static int folded_open(buf *b) { return buf_puts(b, "(lower(("); }
static int folded_close(buf *b) { return buf_puts(b, ") COLLATE \"C.utf8\") COLLATE \"C\")"); }

static int operand(buf *b, const rule_logic *n, const store_schema *schema, const rule_pg_target *t) {
  size_t i = (size_t)(n->attr - schema->attrs);
  int r = n->text ? folded_open(b) : 0;
  if (r == 0) r = rule_pg_value_expr(b, t->columns[i], t->oids[i]);
  if (r == 0 && n->text) r = folded_close(b);
  return r;
}

static int value(buf *b, const rule_logic *n, size_t k, const store_schema *schema, const rule_pg_target *t,
                 int (*push)(void *, const seg_value *), void *ctx) {
  size_t i = (size_t)(n->attr - schema->attrs);
  int r = n->text ? folded_open(b) : 0;
  if (r == 0) r = put_param(b, &n->vals[k], t->oids[i], push, ctx);
  if (r == 0 && n->text) r = folded_close(b);
  return r;
}

int rule__emit_pg(buf *b, const rule_logic *n, bool root, const store_schema *schema, const rule_pg_target *t,
                  int (*push)(void *, const seg_value *), void *ctx) {
  if (n->kind != LOGIC_LEAF) {
    int r = root ? 0 : buf_putc(b, '(');
    for (size_t i = 0; i < n->n_kids && r == 0; i++) {
      if (i) r = buf_puts(b, n->kind == LOGIC_AND ? " AND " : " OR ");
      if (r == 0) r = rule__emit_pg(b, n->kids[i], false, schema, t, push, ctx);
    }
    if (r == 0 && !root) r = buf_putc(b, ')');
    return r;
  }
  static const char *const cmps[] = {"=", "<>", "<", "<=", ">", ">="};
  bool wrap = n->negated && n->form != FORM_MATCH; /* NULL (empty) must read as not true */
  int r = 0;
  if (wrap) r = buf_putc(b, '(');
  else if (n->negated) r = buf_puts(b, "NOT ");
  if (r != 0) return r;
  size_t ai = (size_t)(n->attr - schema->attrs);
  switch (n->form) {
    case FORM_CMP:
      r = operand(b, n, schema, t);
      if (r == 0) r = buf_printf(b, " %s ", cmps[n->cmp]);
      if (r == 0) r = value(b, n, 0, schema, t, push, ctx);
      break;
    case FORM_IN:
      r = operand(b, n, schema, t);
      if (r == 0) r = buf_printf(b, " %sIN (", n->sql_not ? "NOT " : "");
      for (size_t i = 0; i < n->n_vals && r == 0; i++) {
        if (i) r = buf_puts(b, ", ");
        if (r == 0) r = value(b, n, i, schema, t, push, ctx);
      }
      if (r == 0) r = buf_putc(b, ')');
      break;
    case FORM_BETWEEN:
      r = operand(b, n, schema, t);
      if (r == 0) r = buf_printf(b, " %sBETWEEN ", n->sql_not ? "NOT " : "");
      if (r == 0) r = value(b, n, 0, schema, t, push, ctx);
      if (r == 0) r = buf_puts(b, " AND ");
      if (r == 0) r = value(b, n, 1, schema, t, push, ctx);
      break;
    case FORM_MATCH: { /* never NULL, like seg_contains: an empty value matches nothing */
      int k = push(ctx, &n->vals[0]);
      if (k < 0) return -1;
      char needle[64];
      snprintf(needle, sizeof needle, "lower(($%d::text) COLLATE \"C.utf8\")", k);
      static const char *const fn[] = {"strpos", "starts_with", "right"};
      int which = n->match == OP_CONTAINS ? 0 : n->match == OP_STARTS ? 1 : 2;
      r = buf_printf(b, "coalesce(%s(lower((", fn[which]);
      if (r == 0) r = rule_pg_value_expr(b, t->columns[ai], t->oids[ai]);
      if (r == 0) r = buf_puts(b, ") COLLATE \"C.utf8\"), ");
      if (r == 0) {
        if (which == 0) r = buf_printf(b, "%s) > 0", needle);
        else if (which == 1) r = buf_printf(b, "%s)", needle);
        else r = buf_printf(b, "char_length(%s)) = %s", needle, needle);
      }
      if (r == 0) r = buf_puts(b, ", false)");
      break;
    }
    case FORM_NULL:
      r = rule_pg_value_expr(b, t->columns[ai], t->oids[ai]);
      if (r == 0) r = buf_printf(b, " IS %sNULL", n->sql_not ? "NOT " : "");
      break;
  }
  if (r == 0 && wrap) r = buf_puts(b, ") IS NOT TRUE");
  return r;
}
