/* rule_parse.c: the rule parser (recursive descent, `not` > `and` > `or`, bounded nesting) into a
 * syntax tree, the syntax-only check, and the normalised printing of a rule. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/rule.h"
#include "segment/rule_internal.h"
#include "util/buf.h"
#include "util/text.h"

typedef struct parser {
  rule_lexer lx;
  rule_token tok;  /* the current token */
  rule_token prev; /* the one before it */
  rule_ast *ast;
  seg_err *err;
  int depth;       /* parentheses and 'not' open around the current token */
} parser;

/* ---- helpers ---- */

static seg_code advance(parser *p) {
  p->prev = p->tok;
  return rule__lex_next(&p->lx, &p->tok, p->err);
}

static bool at_word(const parser *p, const char *kw) {
  return p->tok.kind == TOK_WORD && rule__word_is(p->tok.str, p->tok.n, kw);
}

static const char *where(const parser *p, size_t pos, char *out, size_t cap) {
  rule__position(p->ast->text, p->ast->len, pos, out, cap);
  return out;
}

/* The token as written, quoted for a message: 'x', or "the end of the rule". */
static const char *shown(const parser *p, const rule_token *t, char *out, size_t cap) {
  if (t->kind == TOK_EOF) {
    snprintf(out, cap, "the end of the rule");
    return out;
  }
  char ex[64];
  rule__excerpt(p->ast->text + t->pos, t->len, ex, sizeof ex);
  snprintf(out, cap, "'%s'", ex);
  return out;
}

/* Fails with a message: fmt is printf-like, and '@' in it stands for the place of byte pos. */
static seg_code fail_at(parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static seg_code fail_at(parser *p, size_t pos, const char *fmt, ...) {
  char w[48], f[512];
  where(p, pos, w, sizeof w);
  size_t n = 0;
  for (const char *c = fmt; *c && n + sizeof w < sizeof f; c++) {
    if (*c == '@') {
      n += (size_t)snprintf(f + n, sizeof f - n, "%s", w);
    } else {
      f[n++] = *c;
    }
  }
  f[n] = '\0';
  char msg[sizeof p->err->msg];
  va_list ap;
  va_start(ap, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(msg, sizeof msg, f, ap);
#pragma GCC diagnostic pop
  va_end(ap);
  return seg_err_set(p->err, SEG_EINVAL, "%s", msg);
}

static seg_code no_memory(parser *p) { return seg_err_set(p->err, SEG_ENOMEM, "out of memory reading the rule"); }

static rule_node *new_node(parser *p, rule_node_kind kind, size_t pos) {
  rule_node *n = rule__alloc(&p->ast->arena, sizeof *n);
  if (n) {
    n->kind = kind;
    n->pos = pos;
  }
  return n;
}

static seg_code enter(parser *p, size_t pos) {
  if (++p->depth > RULE_MAX_DEPTH) {
    char w[48];
    return seg_err_set(p->err, SEG_ELIMIT,
                       "the rule nests parentheses and 'not' more than %d levels deep (at %s); simplify it",
                       RULE_MAX_DEPTH, where(p, pos, w, sizeof w));
  }
  return SEG_OK;
}

/* A growable list of child nodes, copied into the arena when complete. */
typedef struct node_list {
  rule_node **v;
  size_t n, cap;
} node_list;

static int node_list_push(node_list *l, rule_node *n) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    rule_node **v = realloc(l->v, cap * sizeof *v);
    if (!v) return -1;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = n;
  return 0;
}

/* ---- values ---- */

static seg_code parse_value(parser *p, rule_lit *out, const char *after) {
  rule_token *t = &p->tok;
  char w[48], s[96];
  memset(out, 0, sizeof *out);
  out->pos = t->pos;
  out->len = t->len;
  switch (t->kind) {
    case TOK_STRING:
      out->kind = LIT_STRING;
      out->s = t->str;
      out->n = t->n;
      return advance(p);
    case TOK_NUMBER:
      out->kind = LIT_NUMBER;
      out->s = t->str;
      out->n = t->n;
      return advance(p);
    case TOK_DATE:
      out->kind = LIT_DATE;
      out->s = t->str;
      out->n = t->n;
      out->days = t->days;
      return advance(p);
    case TOK_WORD:
      if (rule__word_is(t->str, t->n, "true") || rule__word_is(t->str, t->n, "false")) {
        out->kind = LIT_BOOL;
        out->s = t->str;
        out->n = t->n;
        out->truth = rule__word_is(t->str, t->n, "true");
        return advance(p);
      }
      if (rule__word_is(t->str, t->n, "empty") || rule__word_is(t->str, t->n, "null"))
        return fail_at(p, t->pos, "%s at @ is not a value; to find profiles without a value write 'is empty'",
                       shown(p, t, s, sizeof s));
      rule__excerpt(t->str, t->n, s, sizeof s);
      return seg_err_set(p->err, SEG_EINVAL, "%s at %s is not a value; put text in double quotes: \"%s\"", s,
                         where(p, t->pos, w, sizeof w), s);
    case TOK_NAME:
      return fail_at(p, t->pos,
                     "%s at @ is an attribute name, and a rule compares attributes with values only; put text in "
                     "double quotes",
                     shown(p, t, s, sizeof s));
    case TOK_EOF:
      return fail_at(p, t->pos, "the rule ends where a value should follow %s (at @); add one, e.g. \"Spain\", 42 or "
                     "2024-01-31", after);
    default:
      return fail_at(p, t->pos, "expected a value after %s at @, found %s", after, shown(p, t, s, sizeof s));
  }
}

static seg_code parse_value_list(parser *p, rule_node *c, const char *after) {
  char s[96];
  if (p->tok.kind != TOK_LPAREN)
    return fail_at(p, p->tok.pos, "expected '(' after %s at @, as in Country in (\"Spain\", \"France\"); found %s",
                   after, shown(p, &p->tok, s, sizeof s));
  seg_code rc = advance(p);
  size_t cap = 0;
  while (rc == SEG_OK) {
    if (c->n_values == cap) {
      size_t ncap = cap ? cap * 2 : 4;
      rule_lit *v = rule__alloc(&p->ast->arena, ncap * sizeof *v);
      if (!v) return no_memory(p);
      if (c->n_values) memcpy(v, c->values, c->n_values * sizeof *v);
      c->values = v; /* the old array stays in the arena: at most as much again */
      cap = ncap;
    }
    rc = parse_value(p, &c->values[c->n_values], c->n_values ? "','" : "'('");
    if (rc != SEG_OK) return rc;
    c->n_values++;
    if (p->tok.kind == TOK_COMMA) {
      rc = advance(p);
      continue;
    }
    if (p->tok.kind == TOK_RPAREN) break;
    if (p->tok.kind == TOK_EOF)
      return fail_at(p, p->tok.pos, "the list of values ends without ')' (at @); close it");
    return fail_at(p, p->tok.pos, "expected ',' or ')' in the list of values at @, found %s",
                   shown(p, &p->tok, s, sizeof s));
  }
  if (rc != SEG_OK) return rc;
  c->op_len = p->tok.pos + p->tok.len - c->op_pos;
  return advance(p);
}

/* ---- conditions ---- */

static const char *const operator_words[] = {"contains", "starts", "ends", "in",     "not",
                                             "between",  "is",     "within", "before", "after"};

static seg_code unknown_operator(parser *p) {
  char ex[64], w[48];
  const rule_token *t = &p->tok;
  rule__excerpt(p->ast->text + t->pos, t->len, ex, sizeof ex);
  where(p, t->pos, w, sizeof w);
  if (t->kind == TOK_WORD && t->n <= 64) {
    char word[80];
    snprintf(word, sizeof word, "%.*s", (int)t->n, t->str);
    const char *best = NULL;
    int best_d = 3;
    for (size_t i = 0; i < sizeof operator_words / sizeof *operator_words; i++) {
      int d = text_edit_distance(word, operator_words[i]);
      if (d < best_d && (size_t)d < t->n) {
        best_d = d;
        best = operator_words[i];
      }
    }
    if (best) {
      const char *full = strcmp(best, "starts") == 0 ? "starts with" : strcmp(best, "ends") == 0 ? "ends with" : best;
      return seg_err_set(p->err, SEG_EINVAL, "unknown operator '%s' at %s; did you mean '%s'?", ex, w, full);
    }
  }
  return seg_err_set(p->err, SEG_EINVAL,
                     "unknown operator '%s' at %s; use =, !=, <, <=, >, >=, contains, starts with, ends with, in, "
                     "between, is empty, within last, before or after",
                     ex, w);
}

static bool parse_unit(const char *s, size_t n, rule_unit *u) {
  static const struct {
    const char *one, *many;
    rule_unit unit;
  } units[] = {{"hour", "hours", UNIT_HOUR},
               {"day", "days", UNIT_DAY},
               {"week", "weeks", UNIT_WEEK},
               {"month", "months", UNIT_MONTH},
               {"year", "years", UNIT_YEAR}};
  for (size_t i = 0; i < sizeof units / sizeof *units; i++)
    if (rule__word_is(s, n, units[i].one) || rule__word_is(s, n, units[i].many)) {
      *u = units[i].unit;
      return true;
    }
  return false;
}

static seg_code parse_within(parser *p, rule_node *c) {
  char s[96], w[48];
  seg_code rc = advance(p); /* within */
  if (rc != SEG_OK) return rc;
  if (at_word(p, "last")) c->next = false;
  else if (at_word(p, "next")) c->next = true;
  else
    return fail_at(p, p->tok.pos, "expected 'last' or 'next' after 'within' at @, as in within last 30 days; found %s",
                   shown(p, &p->tok, s, sizeof s));
  if ((rc = advance(p)) != SEG_OK) return rc;
  const rule_token *t = &p->tok;
  bool whole = t->kind == TOK_NUMBER && t->n > 0 && t->n <= 7;
  for (size_t i = 0; whole && i < t->n; i++) whole = t->str[i] >= '0' && t->str[i] <= '9';
  if (!whole || strtol(t->str, NULL, 10) > 1000000) {
    return fail_at(p, t->pos, "expected a whole number from 0 to 1000000 at @, as in within last 30 days; found %s",
                   shown(p, t, s, sizeof s));
  }
  c->amount = strtol(t->str, NULL, 10);
  if ((rc = advance(p)) != SEG_OK) return rc;
  t = &p->tok;
  if (t->kind != TOK_WORD || !parse_unit(t->str, t->n, &c->unit)) {
    shown(p, t, s, sizeof s);
    return seg_err_set(p->err, SEG_EINVAL, "expected a unit at %s, found %s; use hours, days, weeks, months or years",
                       where(p, t->pos, w, sizeof w), s);
  }
  c->op_len = t->pos + t->len - c->op_pos;
  return advance(p);
}

static seg_code parse_condition(parser *p, rule_node **out) {
  rule_node *c = new_node(p, NODE_COND, p->tok.pos);
  if (!c) return no_memory(p);
  c->name = p->tok.str;
  c->name_n = p->tok.n;
  c->name_pos = p->tok.pos;
  c->name_len = p->tok.len;
  seg_code rc = advance(p);
  if (rc != SEG_OK) return rc;
  rule_token *t = &p->tok;
  c->op_pos = t->pos;
  c->op_len = t->len;
  char opname[96];
  shown(p, t, opname, sizeof opname);
  *out = c;

  if (t->kind == TOK_CMP) {
    c->op = OP_CMP;
    c->cmp = t->cmp;
    if ((rc = advance(p)) != SEG_OK) return rc;
    c->values = rule__alloc(&p->ast->arena, sizeof *c->values);
    if (!c->values) return no_memory(p);
    if ((rc = parse_value(p, c->values, opname)) != SEG_OK) return rc;
    c->n_values = 1;
    return SEG_OK;
  }
  if (t->kind == TOK_EOF || t->kind == TOK_RPAREN || at_word(p, "and") || at_word(p, "or")) {
    c->op = OP_TRUE; /* a boolean attribute alone */
    c->op_len = 0;
    return SEG_OK;
  }
  if (t->kind == TOK_BAD) return unknown_operator(p);
  if (t->kind != TOK_WORD) {
    char name[96], s[96];
    rule__excerpt(p->ast->text + c->name_pos, c->name_len, name, sizeof name);
    return fail_at(p, t->pos, "missing operator after %s at @ (found %s); write e.g. Country = \"Spain\"", name,
                   shown(p, t, s, sizeof s));
  }

  if (at_word(p, "contains")) {
    c->op = OP_CONTAINS;
  } else if (at_word(p, "starts") || at_word(p, "ends")) {
    c->op = at_word(p, "starts") ? OP_STARTS : OP_ENDS;
    if ((rc = advance(p)) != SEG_OK) return rc;
    if (!at_word(p, "with")) {
      char s[96];
      return fail_at(p, p->tok.pos, "expected 'with' after %s at @, found %s", opname, shown(p, &p->tok, s, sizeof s));
    }
    c->op_len = p->tok.pos + p->tok.len - c->op_pos;
  } else if (at_word(p, "before") || at_word(p, "after")) {
    c->op = at_word(p, "before") ? OP_BEFORE : OP_AFTER;
  } else if (at_word(p, "within")) {
    c->op = OP_WITHIN;
    return parse_within(p, c);
  } else if (at_word(p, "is")) {
    c->op = OP_EMPTY;
    if ((rc = advance(p)) != SEG_OK) return rc;
    if (at_word(p, "not")) {
      c->negated = true;
      if ((rc = advance(p)) != SEG_OK) return rc;
    }
    if (!at_word(p, "empty")) {
      char s[96];
      return fail_at(p, p->tok.pos, "expected 'empty' at @, as in Country is empty or Country is not empty; found %s",
                     shown(p, &p->tok, s, sizeof s));
    }
    c->op_len = p->tok.pos + p->tok.len - c->op_pos;
    return advance(p);
  } else {
    if (at_word(p, "not")) {
      c->negated = true;
      if ((rc = advance(p)) != SEG_OK) return rc;
      if (!at_word(p, "in") && !at_word(p, "between")) {
        char s[96];
        return fail_at(p, p->tok.pos,
                       "expected 'in' or 'between' after 'not' at @, found %s; to negate a condition put 'not' "
                       "before it, as in not (Name contains \"x\")",
                       shown(p, &p->tok, s, sizeof s));
      }
      shown(p, &p->tok, opname, sizeof opname);
    }
    if (at_word(p, "in")) {
      c->op = OP_IN;
      if ((rc = advance(p)) != SEG_OK) return rc;
      return parse_value_list(p, c, opname);
    }
    if (at_word(p, "between")) {
      c->op = OP_BETWEEN;
      if ((rc = advance(p)) != SEG_OK) return rc;
      c->values = rule__alloc(&p->ast->arena, 2 * sizeof *c->values);
      if (!c->values) return no_memory(p);
      if ((rc = parse_value(p, &c->values[0], "'between'")) != SEG_OK) return rc;
      if (!at_word(p, "and")) {
        char s[96];
        return fail_at(p, p->tok.pos, "expected 'and' at @, as in Orders between 1 and 5; found %s",
                       shown(p, &p->tok, s, sizeof s));
      }
      if ((rc = advance(p)) != SEG_OK) return rc;
      if ((rc = parse_value(p, &c->values[1], "'and'")) != SEG_OK) return rc;
      c->n_values = 2;
      c->op_len = p->prev.pos + p->prev.len - c->op_pos;
      return SEG_OK;
    }
    return unknown_operator(p);
  }
  /* contains, starts with, ends with, before, after: one value */
  shown(p, &p->tok, opname, sizeof opname);
  if (c->op == OP_STARTS || c->op == OP_ENDS)
    snprintf(opname, sizeof opname, "'%s with'", c->op == OP_STARTS ? "starts" : "ends");
  if ((rc = advance(p)) != SEG_OK) return rc;
  c->values = rule__alloc(&p->ast->arena, sizeof *c->values);
  if (!c->values) return no_memory(p);
  if ((rc = parse_value(p, c->values, opname)) != SEG_OK) return rc;
  c->n_values = 1;
  return SEG_OK;
}

/* ---- expressions ---- */

static seg_code parse_or(parser *p, rule_node **out);

static seg_code parse_primary(parser *p, rule_node **out) {
  rule_token *t = &p->tok;
  char s[96];
  seg_code rc;
  if (t->kind == TOK_LPAREN) {
    size_t open = t->pos;
    if ((rc = enter(p, open)) != SEG_OK) return rc;
    if ((rc = advance(p)) != SEG_OK) return rc;
    if (p->tok.kind == TOK_RPAREN)
      return fail_at(p, open, "empty parentheses at @; put a condition inside them");
    if ((rc = parse_or(p, out)) != SEG_OK) return rc;
    if (p->tok.kind != TOK_RPAREN) {
      char w[48];
      where(p, open, w, sizeof w);
      if (p->tok.kind == TOK_EOF)
        return seg_err_set(p->err, SEG_EINVAL, "missing ')' for the '(' at %s; add it where the group ends", w);
      return fail_at(p, p->tok.pos, "expected 'and', 'or' or ')' at @, found %s", shown(p, &p->tok, s, sizeof s));
    }
    p->depth--;
    return advance(p);
  }
  if (at_word(p, "in")) {
    rule_node *n = new_node(p, NODE_SEGMENT, t->pos);
    if (!n) return no_memory(p);
    if ((rc = advance(p)) != SEG_OK) return rc;
    if (!at_word(p, "segment"))
      return fail_at(p, p->tok.pos,
                     "expected 'segment' at @, as in in segment \"VIP\"; found %s (an attribute named 'in' goes in "
                     "backquotes: `in`)",
                     shown(p, &p->tok, s, sizeof s));
    if ((rc = advance(p)) != SEG_OK) return rc;
    if (p->tok.kind != TOK_STRING || p->tok.n == 0) {
      if (p->tok.kind == TOK_WORD || p->tok.kind == TOK_NAME) {
        rule__excerpt(p->tok.str, p->tok.n, s, sizeof s);
        char w[48];
        return seg_err_set(p->err, SEG_EINVAL, "put the segment name at %s in double quotes: in segment \"%s\"",
                           where(p, p->tok.pos, w, sizeof w), s);
      }
      return fail_at(p, p->tok.pos, "expected a segment name in double quotes at @, as in in segment \"VIP\"; found %s",
                     shown(p, &p->tok, s, sizeof s));
    }
    n->name = p->tok.str;
    n->name_n = p->tok.n;
    n->name_pos = p->tok.pos;
    n->name_len = p->tok.len;
    *out = n;
    return advance(p);
  }
  if (t->kind == TOK_WORD || t->kind == TOK_NAME) {
    if (at_word(p, "and") || at_word(p, "or"))
      return fail_at(p, t->pos, "expected a condition at @, found %s; put one on each side of it",
                     shown(p, t, s, sizeof s));
    return parse_condition(p, out);
  }
  if (t->kind == TOK_EOF)
    return fail_at(p, t->pos, "the rule ends too early (at @): a condition should follow %s",
                   shown(p, &p->prev, s, sizeof s));
  if (t->kind == TOK_RPAREN)
    return fail_at(p, t->pos, "expected a condition at @, found ')'; a condition looks like Country = \"Spain\"");
  return fail_at(p, t->pos, "expected a condition at @, found %s; a condition looks like Country = \"Spain\"",
                 shown(p, t, s, sizeof s));
}

static seg_code parse_unary(parser *p, rule_node **out) {
  if (!at_word(p, "not")) return parse_primary(p, out);
  size_t pos = p->tok.pos;
  seg_code rc = enter(p, pos);
  if (rc != SEG_OK) return rc;
  if ((rc = advance(p)) != SEG_OK) return rc;
  rule_node *child;
  if ((rc = parse_unary(p, &child)) != SEG_OK) return rc;
  p->depth--;
  rule_node *n = new_node(p, NODE_NOT, pos);
  if (!n) return no_memory(p);
  n->kids = rule__alloc(&p->ast->arena, sizeof *n->kids);
  if (!n->kids) return no_memory(p);
  n->kids[0] = child;
  n->n_kids = 1;
  *out = n;
  return SEG_OK;
}

/* and_level: true for `and` (operands: unary), false for `or` (operands: and-expressions). */
static seg_code parse_chain(parser *p, rule_node **out, bool and_level) {
  const char *kw = and_level ? "and" : "or";
  rule_node *first;
  seg_code rc = and_level ? parse_unary(p, &first) : parse_chain(p, &first, true);
  if (rc != SEG_OK || !at_word(p, kw)) {
    if (rc == SEG_OK) *out = first;
    return rc;
  }
  node_list kids = {0};
  if (node_list_push(&kids, first) != 0) return no_memory(p);
  while (rc == SEG_OK && at_word(p, kw)) {
    if ((rc = advance(p)) != SEG_OK) break;
    rule_node *next;
    if ((rc = and_level ? parse_unary(p, &next) : parse_chain(p, &next, true)) != SEG_OK) break;
    if (node_list_push(&kids, next) != 0) rc = no_memory(p);
  }
  rule_node *n = rc == SEG_OK ? new_node(p, and_level ? NODE_AND : NODE_OR, first->pos) : NULL;
  if (rc == SEG_OK && n) n->kids = rule__alloc(&p->ast->arena, kids.n * sizeof *n->kids);
  if (rc == SEG_OK && (!n || !n->kids)) rc = no_memory(p);
  if (rc == SEG_OK) {
    memcpy(n->kids, kids.v, kids.n * sizeof *n->kids);
    n->n_kids = kids.n;
    *out = n;
  }
  free(kids.v);
  return rc;
}

static seg_code parse_or(parser *p, rule_node **out) { return parse_chain(p, out, false); }

seg_code rule__parse(const char *text, size_t len, rule_ast *ast, seg_err *err) {
  memset(ast, 0, sizeof *ast);
  ast->text = text;
  ast->len = len;
  parser p = {.lx = {.text = text, .len = len, .arena = &ast->arena}, .ast = ast, .err = err};
  p.prev.kind = TOK_EOF;
  seg_code rc = advance(&p);
  if (rc == SEG_OK && p.tok.kind == TOK_EOF)
    rc = seg_err_set(err, SEG_EINVAL, "the rule is empty; write a condition such as Country = \"Spain\"");
  if (rc == SEG_OK) rc = parse_or(&p, &ast->root);
  if (rc == SEG_OK && p.tok.kind != TOK_EOF) {
    char s[96];
    if (p.tok.kind == TOK_RPAREN)
      rc = fail_at(&p, p.tok.pos, "unexpected ')' at @: there is no '(' for it to close; remove it");
    else
      rc = fail_at(&p, p.tok.pos, "unexpected %s at @; join conditions with 'and' or 'or'", shown(&p, &p.tok, s, sizeof s));
  }
  if (rc != SEG_OK) rule__ast_free(ast);
  return rc;
}

void rule__ast_free(rule_ast *ast) {
  rule__arena_free(&ast->arena);
  ast->root = NULL;
}

seg_code rule_check_syntax(const char *text, seg_err *err) {
  size_t len;
  seg_code rc = rule__check_text(text, &len, err);
  if (rc != SEG_OK) return rc;
  rule_ast ast;
  if ((rc = rule__parse(text, len, &ast, err)) != SEG_OK) return rc;
  rule__ast_free(&ast);
  return SEG_OK;
}

/* ---- normalised printing ---- */

/* The text being written; a failed append (memory) is remembered, so nothing half-written escapes. */
typedef struct writer {
  buf b;
  bool failed;
} writer;

static void put(writer *w, const char *s, size_t n) {
  if (!w->failed && buf_append(&w->b, s, n) != 0) w->failed = true;
}
static void puts_(writer *w, const char *s) { put(w, s, strlen(s)); }
static void putc_(writer *w, char c) { put(w, &c, 1); }

static bool is_plain_name(const char *s, size_t n) {
  if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return false;
  /* words that start something else where a condition starts */
  return !rule__word_is(s, n, "not") && !rule__word_is(s, n, "in") && !rule__word_is(s, n, "and") &&
         !rule__word_is(s, n, "or");
}

static void put_name(writer *b, const char *s, size_t n) {
  if (is_plain_name(s, n)) {
    put(b, s, n);
    return;
  }
  putc_(b, '`');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '`') putc_(b, '`');
    putc_(b, s[i]);
  }
  putc_(b, '`');
}

static void put_string(writer *b, const char *s, size_t n) {
  putc_(b, '"');
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '"' || c == '\\') {
      putc_(b, '\\');
      putc_(b, c);
    } else if (c == '\n') {
      puts_(b, "\\n");
    } else if (c == '\t') {
      puts_(b, "\\t");
    } else {
      putc_(b, c);
    }
  }
  putc_(b, '"');
}

static void put_value(writer *b, const rule_lit *v) {
  switch (v->kind) {
    case LIT_STRING:
      put_string(b, v->s, v->n);
      break;
    case LIT_BOOL:
      puts_(b, v->truth ? "true" : "false");
      break;
    default:
      put(b, v->s, v->n);
  }
}

static void put_node(writer *b, const rule_node *n, int parent_prec);

static int precedence(rule_node_kind k) { return k == NODE_OR ? 1 : k == NODE_AND ? 2 : 3; }

static void put_cond(writer *b, const rule_node *c) {
  static const char *const cmps[] = {"=", "!=", "<", "<=", ">", ">="};
  static const char *const units[] = {"hour", "day", "week", "month", "year"};
  put_name(b, c->name, c->name_n);
  switch (c->op) {
    case OP_CMP:
      puts_(b, " ");
      puts_(b, cmps[c->cmp]);
      puts_(b, " ");
      put_value(b, c->values);
      break;
    case OP_CONTAINS:
    case OP_STARTS:
    case OP_ENDS:
    case OP_BEFORE:
    case OP_AFTER:
      puts_(b, c->op == OP_CONTAINS  ? " contains "
                  : c->op == OP_STARTS  ? " starts with "
                  : c->op == OP_ENDS    ? " ends with "
                  : c->op == OP_BEFORE  ? " before "
                                        : " after ");
      put_value(b, c->values);
      break;
    case OP_IN:
      puts_(b, c->negated ? " not in (" : " in (");
      for (size_t i = 0; i < c->n_values; i++) {
        if (i) puts_(b, ", ");
        put_value(b, &c->values[i]);
      }
      putc_(b, ')');
      break;
    case OP_BETWEEN:
      puts_(b, c->negated ? " not between " : " between ");
      put_value(b, &c->values[0]);
      puts_(b, " and ");
      put_value(b, &c->values[1]);
      break;
    case OP_EMPTY:
      puts_(b, c->negated ? " is not empty" : " is empty");
      break;
    case OP_TRUE:
      break;
    case OP_WITHIN:
      {
        char tmp[96];
        snprintf(tmp, sizeof tmp, " within %s %lld %s%s", c->next ? "next" : "last", (long long)c->amount,
                 units[c->unit], c->amount == 1 ? "" : "s");
        puts_(b, tmp);
      }
      break;
  }
}

static void put_node(writer *b, const rule_node *n, int parent_prec) {
  switch (n->kind) {
    case NODE_OR:
    case NODE_AND: {
      int prec = precedence(n->kind);
      bool paren = prec < parent_prec;
      if (paren) putc_(b, '(');
      for (size_t i = 0; i < n->n_kids; i++) {
        if (i) puts_(b, n->kind == NODE_OR ? " or " : " and ");
        put_node(b, n->kids[i], prec);
      }
      if (paren) putc_(b, ')');
      break;
    }
    case NODE_NOT:
      puts_(b, "not ");
      put_node(b, n->kids[0], 3);
      break;
    case NODE_COND:
      put_cond(b, n);
      break;
    case NODE_SEGMENT:
      puts_(b, "in segment ");
      put_string(b, n->name, n->name_n);
      break;
  }
}

seg_code rule_normalize(const char *text, char **out, seg_err *err) {
  *out = NULL;
  size_t len;
  seg_code rc = rule__check_text(text, &len, err);
  if (rc != SEG_OK) return rc;
  rule_ast ast;
  if ((rc = rule__parse(text, len, &ast, err)) != SEG_OK) return rc;
  writer w = {.failed = false};
  buf_init(&w.b, 0);
  put_node(&w, ast.root, 0);
  rule__ast_free(&ast);
  if (w.failed || buf_reserve(&w.b, 0) != 0) {
    buf_free(&w.b);
    return seg_err_set(err, SEG_ENOMEM, "out of memory normalising the rule");
  }
  *out = buf_detach(&w.b);
  return SEG_OK;
}
