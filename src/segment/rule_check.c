/* rule_check.c: checking one condition of a rule against the schema: the attribute (with a
 * suggestion when it is misspelt), the operator for its type, each value read as the attribute's
 * type, relative dates, and the typed leaves the compiler turns into SQL. docs/rules.md has the rules. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/rule.h"
#include "segment/rule_internal.h"
#include "util/clock.h"
#include "util/text.h"

/* How a condition treats an attribute, by its stored type. */
typedef enum { KIND_TEXT, KIND_NUMBER, KIND_BOOL, KIND_DATE, KIND_DATETIME } attr_kind;

static attr_kind kind_of(attr_type t) {
  switch (t) {
    case ATTR_INTEGER:
    case ATTR_REAL:
      return KIND_NUMBER;
    case ATTR_BOOLEAN:
      return KIND_BOOL;
    case ATTR_DATE:
      return KIND_DATE;
    case ATTR_DATETIME:
      return KIND_DATETIME;
    default:
      return KIND_TEXT; /* text, and none: an attribute that never had a value */
  }
}

static const char *kind_phrase(attr_kind k) {
  static const char *const p[] = {"text", "a number", "a boolean", "a date", "a datetime"};
  return p[k];
}

static const char *kind_advice(attr_kind k) {
  static const char *const p[] = {"text in double quotes", "a number", "true or false", "a date such as 2024-01-31",
                                  "a date, or a date and time in quotes such as \"2024-01-31T10:00:00Z\""};
  return p[k];
}

#define DATE_MIN_DAYS (-719162)                  /* 0001-01-01 */
#define DATE_MAX_DAYS 2932896                    /* 9999-12-31 */
#define SECS_MIN ((int64_t)DATE_MIN_DAYS * 86400)
#define SECS_MAX ((int64_t)DATE_MAX_DAYS * 86400 + 86399)

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t clamp_secs(int64_t s) { return s < SECS_MIN ? SECS_MIN : s > SECS_MAX ? SECS_MAX : s; }

/* ---- messages ---- */

static const char *where(const rule_ast *ast, size_t pos, char *out, size_t cap) {
  rule__position(ast->text, ast->len, pos, out, cap);
  return out;
}

static const char *as_written(const rule_ast *ast, size_t pos, size_t len, char *out, size_t cap) {
  rule__excerpt(ast->text + pos, len, out, cap);
  return out;
}

static const char *attr_shown(const store_attr *a, char *out, size_t cap) {
  rule__excerpt(a->name, strlen(a->name), out, cap);
  return out;
}

/* ---- attributes ---- */

static int find_attr(const store_schema *schema, const char *name, size_t n) {
  for (size_t i = 0; i < schema->n; i++) /* exactly as written */
    if (strlen(schema->attrs[i].name) == n && memcmp(schema->attrs[i].name, name, n) == 0) return (int)i;
  for (size_t i = 0; i < schema->n; i++) /* case-insensitively, beyond ASCII too */
    if (text_fold_cmp(schema->attrs[i].name, strlen(schema->attrs[i].name), name, n) == 0) return (int)i;
  return -1;
}

static seg_code unknown_attribute(const rule_checker *k, const rule_ast *ast, const rule_node *c) {
  char shown[64], w[48];
  rule__excerpt(c->name, c->name_n, shown, sizeof shown);
  where(ast, c->name_pos, w, sizeof w);
  const char *best = NULL;
  if (c->name_n <= 64) {
    char name[72];
    snprintf(name, sizeof name, "%.*s", (int)c->name_n, c->name);
    int limit = c->name_n <= 4 ? 1 : c->name_n <= 8 ? 2 : 3, best_d = limit + 1;
    for (size_t i = 0; i < k->schema->n; i++) {
      int d = text_edit_distance(name, k->schema->attrs[i].name);
      if (d < best_d) {
        best_d = d;
        best = k->schema->attrs[i].name;
      }
    }
  }
  if (best) {
    char b[64];
    rule__excerpt(best, strlen(best), b, sizeof b);
    return seg_err_set(k->err, SEG_EINVAL, "unknown attribute '%s' at %s; did you mean '%s'?", shown, w, b);
  }
  return seg_err_set(k->err, SEG_EINVAL, "unknown attribute '%s' at %s; 'segship schema' lists the attributes", shown, w);
}

/* ---- values ---- */

static bool column_name_safe(const char *col) {
  if (!((col[0] >= 'a' && col[0] <= 'z') || col[0] == '_')) return false;
  for (const char *s = col; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
  return true;
}

/* A number as written (-?digits[.digits][e[+-]digits]): integral ones exactly when they fit. */
static bool parse_number(const char *s, size_t n, seg_value *v) {
  memset(v, 0, sizeof *v);
  bool integral = memchr(s, '.', n) == NULL && memchr(s, 'e', n) == NULL && memchr(s, 'E', n) == NULL;
  char *end;
  if (integral) {
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (errno == 0 && end == s + n) {
      v->type = ATTR_INTEGER;
      v->i = i;
      return true;
    }
  }
  double d = strtod(s, &end);
  if (end != s + n || !isfinite(d)) return false;
  v->type = ATTR_REAL;
  v->r = d;
  return true;
}

/* What a literal looks like, for messages: a quoted "2024-01-31" is a date. */
static const char *literal_phrase(const rule_lit *l) {
  seg_value v;
  switch (l->kind) {
    case LIT_NUMBER:
      return "a number";
    case LIT_DATE:
      return "a date";
    case LIT_BOOL:
      return "a boolean";
    case LIT_STRING:
      break;
  }
  if (clock_parse_date(l->s, l->n, &v.i)) return "a date";
  if (clock_parse_datetime(l->s, l->n, &v.i)) return "a datetime";
  if (seg_value_parse_as(l->s, l->n, ATTR_REAL, &v)) return "a number";
  if (seg_value_parse_as(l->s, l->n, ATTR_BOOLEAN, &v)) return "a boolean";
  return "text";
}

static seg_code type_mismatch(const rule_checker *k, const rule_ast *ast, const store_attr *a, const rule_lit *l) {
  char name[64], lit[64], w[48];
  attr_kind kind = kind_of(a->type);
  return seg_err_set(k->err, SEG_EINVAL, "%s is %s; %s at %s is %s; compare it with %s", attr_shown(a, name, sizeof name),
                     kind_phrase(kind), as_written(ast, l->pos, l->len, lit, sizeof lit),
                     where(ast, l->pos, w, sizeof w), literal_phrase(l), kind_advice(kind));
}

/* Ordering a text attribute against a bare number would be alphabetical ("10" < "9"): a trap, most
 * often after an import widened a number attribute to text. Refused unless the value is quoted. */
static seg_code text_order_trap(const rule_checker *k, const rule_ast *ast, const store_attr *a, const rule_lit *l) {
  if (kind_of(a->type) != KIND_TEXT || l->kind != LIT_NUMBER) return SEG_OK;
  char name[64], lit[64], w[48];
  attr_shown(a, name, sizeof name);
  return seg_err_set(k->err, SEG_EINVAL,
                     "%s is text, so ordering it against the number %s at %s would be alphabetical (\"10\" < \"9\"); "
                     "quote the value to mean text, or pin a number type with 'segship schema set %s real'",
                     name, as_written(ast, l->pos, l->len, lit, sizeof lit), where(ast, l->pos, w, sizeof w), name);
}

/* Reads literal l as a value of attribute a's type. For a datetime attribute a date stands for
 * its whole day: *day is set and out holds the day's first second. */
static seg_code coerce(const rule_checker *k, const rule_ast *ast, const store_attr *a, const rule_lit *l,
                       seg_value *out, bool *day) {
  memset(out, 0, sizeof *out);
  *day = false;
  attr_kind kind = kind_of(a->type);
  int64_t x;
  switch (kind) {
    case KIND_TEXT:
      out->type = ATTR_TEXT;
      out->s = l->s; /* a number, date or boolean as written */
      out->n = l->n;
      if (l->n == 0) {
        char name[64], w[48];
        attr_shown(a, name, sizeof name);
        return seg_err_set(k->err, SEG_EINVAL,
                           "\"\" at %s is empty text, which no value equals; to find profiles without a value write "
                           "%s is empty",
                           where(ast, l->pos, w, sizeof w), name);
      }
      return SEG_OK;
    case KIND_NUMBER:
      if (l->kind == LIT_NUMBER && parse_number(l->s, l->n, out)) return SEG_OK;
      if (l->kind == LIT_STRING && seg_value_parse_as(l->s, l->n, ATTR_REAL, out)) {
        if (out->is_int) out->type = ATTR_INTEGER;
        return SEG_OK;
      }
      break;
    case KIND_BOOL:
      if (l->kind == LIT_BOOL) {
        out->type = ATTR_BOOLEAN;
        out->i = l->truth;
        return SEG_OK;
      }
      if (l->kind == LIT_STRING && seg_value_parse_as(l->s, l->n, ATTR_BOOLEAN, out)) return SEG_OK;
      break;
    case KIND_DATE:
      if (l->kind == LIT_DATE || (l->kind == LIT_STRING && clock_parse_date(l->s, l->n, &x))) {
        out->type = ATTR_DATE;
        out->i = l->kind == LIT_DATE ? l->days : x;
        return SEG_OK;
      }
      break;
    case KIND_DATETIME:
      if (l->kind == LIT_DATE || (l->kind == LIT_STRING && clock_parse_date(l->s, l->n, &x))) {
        out->type = ATTR_DATETIME;
        out->i = (l->kind == LIT_DATE ? l->days : x) * 86400;
        *day = true;
        return SEG_OK;
      }
      if (l->kind == LIT_STRING && clock_parse_datetime(l->s, l->n, &x)) {
        if (x < SECS_MIN || x > SECS_MAX) {
          char lit[64], w[48];
          return seg_err_set(k->err, SEG_EINVAL, "%s at %s is outside the years 0001 to 9999; use a date within them",
                             as_written(ast, l->pos, l->len, lit, sizeof lit), where(ast, l->pos, w, sizeof w));
        }
        out->type = ATTR_DATETIME;
        out->i = x;
        return SEG_OK;
      }
      break;
  }
  return type_mismatch(k, ast, a, l);
}

/* ---- leaves ---- */

rule_logic *rule__logic_new(const rule_checker *k, rule_logic_kind kind) {
  if (*k->budget == 0) {
    seg_err_set(k->err, SEG_ELIMIT,
                "the rule is too large once its segments are inlined (more than 100000 conditions); simplify it or "
                "the segments it uses");
    return NULL;
  }
  rule_logic *n = rule__alloc(k->arena, sizeof *n);
  if (!n) {
    seg_err_set(k->err, SEG_ENOMEM, "out of memory compiling the rule");
    return NULL;
  }
  (*k->budget)--;
  n->kind = kind;
  return n;
}

/* Counts n more values against the limit on bound values. */
static bool take_values(const rule_checker *k, size_t n) {
  if (n > *k->values) {
    seg_err_set(k->err, SEG_ELIMIT,
                "the rule uses more than %d values (counting those of the segments it uses), the most the database "
                "accepts; use fewer values",
                RULE_MAX_PARAMS);
    return false;
  }
  *k->values -= n;
  return true;
}

static rule_logic *leaf(const rule_checker *k, const store_attr *a, rule_form form, size_t n_vals) {
  rule_logic *n = rule__logic_new(k, LOGIC_LEAF);
  if (!n) return NULL;
  n->form = form;
  n->attr = a;
  n->text = kind_of(a->type) == KIND_TEXT;
  n->n_vals = n_vals;
  if (!take_values(k, n_vals)) return NULL;
  if (n_vals) {
    n->vals = rule__alloc(k->arena, n_vals * sizeof *n->vals);
    if (!n->vals) {
      seg_err_set(k->err, SEG_ENOMEM, "out of memory compiling the rule");
      return NULL;
    }
  }
  return n;
}

static seg_value datetime_value(int64_t secs) {
  seg_value v = {.type = ATTR_DATETIME, .i = secs};
  return v;
}

/* Negates a logic tree in place: and <-> or, and each leaf's negation flips. `is empty` flips to
 * `is not empty` itself, as it is never NULL. */
static void negate(rule_logic *n) {
  if (n->kind == LOGIC_LEAF) {
    if (n->form == FORM_NULL) n->sql_not = !n->sql_not;
    else n->negated = !n->negated;
    return;
  }
  n->kind = n->kind == LOGIC_AND ? LOGIC_OR : LOGIC_AND;
  for (size_t i = 0; i < n->n_kids; i++) negate(n->kids[i]);
}

static seg_code no_memory(const rule_checker *k) {
  return seg_err_set(k->err, SEG_ENOMEM, "out of memory compiling the rule");
}

/* The operator, quoted, for messages: a comparison as written, words in their usual form. */
static const char *op_shown(const rule_ast *ast, const rule_node *c, char *out, size_t cap) {
  char ex[64];
  switch (c->op) {
    case OP_CMP:
      rule__excerpt(ast->text + c->op_pos, c->op_len, ex, sizeof ex);
      snprintf(out, cap, "'%s'", ex);
      break;
    case OP_CONTAINS:
      snprintf(out, cap, "'contains'");
      break;
    case OP_STARTS:
      snprintf(out, cap, "'starts with'");
      break;
    case OP_ENDS:
      snprintf(out, cap, "'ends with'");
      break;
    case OP_IN:
      snprintf(out, cap, "'%sin'", c->negated ? "not " : "");
      break;
    case OP_BETWEEN:
      snprintf(out, cap, "'%sbetween'", c->negated ? "not " : "");
      break;
    case OP_WITHIN:
      snprintf(out, cap, "'within %s'", c->next ? "next" : "last");
      break;
    case OP_BEFORE:
      snprintf(out, cap, "'before'");
      break;
    case OP_AFTER:
      snprintf(out, cap, "'after'");
      break;
    default:
      snprintf(out, cap, "this operator");
  }
  return out;
}

static seg_code wrong_operator(const rule_checker *k, const rule_ast *ast, const rule_node *c, const store_attr *a,
                               const char *works_on, const char *advice) {
  char op[80], w[48], name[64];
  attr_kind kind = kind_of(a->type);
  return seg_err_set(k->err, SEG_EINVAL, "%s at %s works on %s only, and %s is %s; %s", op_shown(ast, c, op, sizeof op),
                     where(ast, c->op_pos, w, sizeof w), works_on, attr_shown(a, name, sizeof name), kind_phrase(kind),
                     advice);
}

static const char *advice_for(attr_kind kind) {
  switch (kind) {
    case KIND_TEXT:
      return "use =, contains, starts with, ends with or in";
    case KIND_NUMBER:
      return "use =, !=, <, <=, >, >=, in or between";
    case KIND_BOOL:
      return "use = true or = false";
    default:
      return "use before, after, between or within last";
  }
}

/* Checks that between's bounds are in order (else the condition could match nothing). */
static seg_code check_order(const rule_checker *k, const rule_ast *ast, const rule_node *c, const seg_value *lo,
                            const seg_value *hi) {
  bool reversed;
  if (lo->type == ATTR_TEXT) reversed = text_fold_cmp(lo->s, lo->n, hi->s, hi->n) > 0;
  else if (lo->type == ATTR_REAL || hi->type == ATTR_REAL) {
    double a = lo->type == ATTR_REAL ? lo->r : (double)lo->i, b = hi->type == ATTR_REAL ? hi->r : (double)hi->i;
    reversed = a > b;
  } else reversed = lo->i > hi->i;
  if (!reversed) return SEG_OK;
  char a[64], b[64], w[48];
  as_written(ast, c->values[0].pos, c->values[0].len, a, sizeof a);
  as_written(ast, c->values[1].pos, c->values[1].len, b, sizeof b);
  return seg_err_set(k->err, SEG_EINVAL, "between %s and %s at %s matches nothing; put the smaller value first: between %s and %s",
                     a, b, where(ast, c->op_pos, w, sizeof w), b, a);
}

/* within last/next: the window [lo, hi] in seconds, from now_ms. */
static int64_t shift(int64_t secs, int64_t amount, rule_unit unit) {
  switch (unit) {
    case UNIT_HOUR:
      return clamp_secs(secs + amount * 3600);
    case UNIT_DAY:
      return clamp_secs(secs + amount * 86400);
    case UNIT_WEEK:
      return clamp_secs(secs + amount * 7 * 86400);
    case UNIT_MONTH:
    case UNIT_YEAR: {
      int64_t months = unit == UNIT_YEAR ? amount * 12 : amount;
      int64_t days = floor_div(secs, 86400), tod = secs - days * 86400;
      int y;
      unsigned m, d;
      clock_civil_from_days(days, &y, &m, &d);
      int64_t total = (int64_t)y * 12 + (m - 1) + months;
      int64_t ny = floor_div(total, 12), nm = total - ny * 12 + 1;
      if (ny < 1) return SECS_MIN;
      if (ny > 9999) return SECS_MAX;
      static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      unsigned last = mdays[nm - 1] + (nm == 2 && ((ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0));
      if (d > last) d = last; /* a month back from March 31st is the last day of February */
      return clock_days_from_civil((int)ny, (unsigned)nm, d) * 86400 + tod;
    }
  }
  return secs;
}

seg_code rule__check_condition(const rule_checker *k, const rule_ast *ast, const rule_node *c, bool negate_it,
                               rule_logic **out) {
  int idx = find_attr(k->schema, c->name, c->name_n);
  if (idx < 0) return unknown_attribute(k, ast, c);
  const store_attr *a = &k->schema->attrs[idx];
  if (!column_name_safe(a->col))
    return seg_err_set(k->err, SEG_EINTERNAL, "attribute '%s' has an unexpected column name; the store may be damaged",
                       a->name);
  k->use_attr(k->ctx, (size_t)idx);
  attr_kind kind = kind_of(a->type);
  char w[48], name[64], op[80];
  rule_logic *n = NULL;
  bool day = false, day2 = false;
  seg_code rc = SEG_OK;

  switch (c->op) {
    case OP_TRUE:
      if (kind != KIND_BOOL) {
        static const char *const example[] = {"= \"Spain\"", "> 2", "= true", "after 2024-01-31", "after 2024-01-31"};
        attr_shown(a, name, sizeof name);
        return seg_err_set(k->err, SEG_EINVAL,
                           "%s at %s is %s, so it needs an operator after it (only a boolean stands alone); write e.g. "
                           "%s %s",
                           name, where(ast, c->name_pos, w, sizeof w), kind_phrase(kind), name, example[kind]);
      }
      if (!(n = leaf(k, a, FORM_CMP, 1))) return k->err->code;
      n->cmp = CMP_EQ;
      n->vals[0].type = ATTR_BOOLEAN;
      n->vals[0].i = 1;
      break;

    case OP_CMP: {
      seg_value v;
      if (c->cmp != CMP_EQ && c->cmp != CMP_NE && (rc = text_order_trap(k, ast, a, &c->values[0])) != SEG_OK)
        return rc;
      if ((rc = coerce(k, ast, a, &c->values[0], &v, &day)) != SEG_OK) return rc;
      if (kind == KIND_BOOL && c->cmp != CMP_EQ && c->cmp != CMP_NE) {
        attr_shown(a, name, sizeof name);
        return seg_err_set(k->err, SEG_EINVAL, "%s at %s does not apply to %s, a boolean; use %s = true or %s = false",
                           op_shown(ast, c, op, sizeof op), where(ast, c->op_pos, w, sizeof w), name, name, name);
      }
      if (day && (c->cmp == CMP_EQ || c->cmp == CMP_NE)) { /* on that day (UTC) */
        if (!(n = leaf(k, a, FORM_BETWEEN, 2))) return k->err->code;
        n->sql_not = c->cmp == CMP_NE;
        n->vals[0] = datetime_value(v.i);
        n->vals[1] = datetime_value(v.i + 86399);
        break;
      }
      if (!(n = leaf(k, a, FORM_CMP, 1))) return k->err->code;
      n->cmp = c->cmp;
      n->vals[0] = v;
      if (day && (c->cmp == CMP_LE || c->cmp == CMP_GT)) n->vals[0].i += 86399; /* through / after the whole day */
      break;
    }

    case OP_CONTAINS:
    case OP_STARTS:
    case OP_ENDS: {
      if (kind != KIND_TEXT) return wrong_operator(k, ast, c, a, "text", advice_for(kind));
      if (!(n = leaf(k, a, FORM_MATCH, 1))) return k->err->code;
      n->match = c->op;
      if ((rc = coerce(k, ast, a, &c->values[0], &n->vals[0], &day)) != SEG_OK) return rc;
      break;
    }

    case OP_BEFORE:
    case OP_AFTER: {
      if (kind != KIND_DATE && kind != KIND_DATETIME)
        return wrong_operator(k, ast, c, a, "dates and datetimes", advice_for(kind));
      if (!(n = leaf(k, a, FORM_CMP, 1))) return k->err->code;
      if ((rc = coerce(k, ast, a, &c->values[0], &n->vals[0], &day)) != SEG_OK) return rc;
      n->cmp = c->op == OP_BEFORE ? CMP_LT : CMP_GT;
      if (day && c->op == OP_AFTER) n->vals[0].i += 86399;
      break;
    }

    case OP_WITHIN: {
      if (kind != KIND_DATE && kind != KIND_DATETIME)
        return wrong_operator(k, ast, c, a, "dates and datetimes", advice_for(kind));
      int64_t now = clamp_secs(floor_div(k->now_ms, 1000));
      int64_t lo = c->next ? now : shift(now, -c->amount, c->unit);
      int64_t hi = c->next ? shift(now, c->amount, c->unit) : now;
      if (!(n = leaf(k, a, FORM_BETWEEN, 2))) return k->err->code;
      if (kind == KIND_DATE) { /* the days the window touches */
        n->vals[0].type = n->vals[1].type = ATTR_DATE;
        n->vals[0].i = floor_div(lo, 86400);
        n->vals[1].i = floor_div(hi, 86400);
      } else {
        n->vals[0] = datetime_value(lo);
        n->vals[1] = datetime_value(hi);
      }
      break;
    }

    case OP_BETWEEN: {
      if (kind == KIND_BOOL) return wrong_operator(k, ast, c, a, "numbers, dates, datetimes and text", advice_for(kind));
      if (!(n = leaf(k, a, FORM_BETWEEN, 2))) return k->err->code;
      n->sql_not = c->negated;
      if ((rc = text_order_trap(k, ast, a, &c->values[0])) != SEG_OK ||
          (rc = text_order_trap(k, ast, a, &c->values[1])) != SEG_OK)
        return rc;
      if ((rc = coerce(k, ast, a, &c->values[0], &n->vals[0], &day)) != SEG_OK) return rc;
      if ((rc = coerce(k, ast, a, &c->values[1], &n->vals[1], &day2)) != SEG_OK) return rc;
      if (day2) n->vals[1].i += 86399; /* through the end of that day */
      if ((rc = check_order(k, ast, c, &n->vals[0], &n->vals[1])) != SEG_OK) return rc;
      break;
    }

    case OP_EMPTY:
      if (!(n = leaf(k, a, FORM_NULL, 0))) return k->err->code;
      n->sql_not = c->negated;
      break;

    case OP_IN: {
      seg_value *vals = rule__alloc(k->arena, c->n_values * sizeof *vals);
      bool *days = rule__alloc(k->arena, c->n_values * sizeof *days);
      if (!vals || !days) return no_memory(k);
      bool any_day = false;
      for (size_t i = 0; i < c->n_values; i++) {
        if ((rc = coerce(k, ast, a, &c->values[i], &vals[i], &days[i])) != SEG_OK) return rc;
        any_day |= days[i];
      }
      if (!any_day) {
        if (!(n = leaf(k, a, FORM_IN, 0)) || !take_values(k, c->n_values)) return k->err->code;
        n->sql_not = c->negated;
        n->vals = vals;
        n->n_vals = c->n_values;
        break;
      }
      /* dates against a datetime: each is a whole day, so one range per value */
      if (c->n_values == 1) {
        if (!(n = leaf(k, a, FORM_BETWEEN, 2))) return k->err->code;
        n->sql_not = c->negated;
        n->vals[0] = vals[0];
        n->vals[1] = datetime_value(vals[0].i + 86399);
        break;
      }
      if (!(n = rule__logic_new(k, c->negated ? LOGIC_AND : LOGIC_OR))) return k->err->code;
      n->kids = rule__alloc(k->arena, c->n_values * sizeof *n->kids);
      if (!n->kids) return no_memory(k);
      n->n_kids = c->n_values;
      for (size_t i = 0; i < c->n_values; i++) {
        rule_logic *l = leaf(k, a, days[i] ? FORM_BETWEEN : FORM_CMP, days[i] ? 2 : 1);
        if (!l) return k->err->code;
        l->vals[0] = vals[i];
        if (days[i]) {
          l->sql_not = c->negated;
          l->vals[1] = datetime_value(vals[i].i + 86399);
        } else {
          l->cmp = c->negated ? CMP_NE : CMP_EQ;
        }
        n->kids[i] = l;
      }
      break;
    }
  }
  if (negate_it) negate(n);
  *out = n;
  return SEG_OK;
}
