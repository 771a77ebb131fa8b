/* rule_compile.c: compiling a rule to SQL: segments inlined (cycles and depth refused), `not`
 * pushed down to the conditions so empty values count as false, and SQL shaped to stay within
 * SQLite's parser stack and expression height, with every value bound as a parameter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/rule.h"
#include "segment/rule_internal.h"
#include "util/buf.h"
#include "util/text.h"

#define MAX_LOGIC_NODES 100000 /* conditions and and/or groups, segments inlined */
#define MAX_GROUP 16           /* and/or operands emitted in one chain; wider groups are split */
#define MAX_RECURSION 4096     /* nesting while inlining (not not not ... within segments) */
/* SQLite 3.40 parses at most ~90 nested parentheses (a fixed parser stack) and expressions at
 * most 1000 deep; these budgets leave room for the statement around the rule. */
#define STACK_BUDGET 80
#define HEIGHT_BUDGET 900
#define SHALLOW_STACK 16 /* below this a group keeps its operands in the rule's order */

/* A segment looked up while compiling: looked up and parsed once however often it is used. */
typedef struct seg_entry {
  char name[RULE_SEGMENT_NAME_MAX]; /* canonical */
  char *text;                       /* from lookup, freed at the end */
  rule_ast ast;
} seg_entry;

/* A name as a rule wrote it, and the segment it found. */
typedef struct seg_alias {
  char *name;
  seg_entry *entry;
} seg_alias;

typedef struct compiler {
  const store_schema *schema;
  rule_segment_lookup lookup;
  void *lookup_ctx;
  seg_err *err;
  rule_checker checker;
  rule_arena arena;
  size_t budget;
  seg_entry **segs; /* in first-use order */
  size_t n_segs, cap_segs;
  seg_alias *aliases;
  size_t n_aliases, cap_aliases;
  size_t values;
  const char *chain[RULE_MAX_SEGMENT_DEPTH + 2]; /* self, then the segments being inlined */
  size_t n_chain;
  bool self_in_chain;
  bool placed; /* the message already says which segment it is about */
  int recursion;
  bool *attr_used;
  size_t *attr_order;
  size_t n_attrs;
  /* output */
  buf sql;
  seg_value *params;
  size_t n_params, cap_params, text_bytes;
} compiler;

static void use_attr(void *ctx, size_t index) {
  compiler *c = ctx;
  if (c->attr_used[index]) return;
  c->attr_used[index] = true;
  c->attr_order[c->n_attrs++] = index;
}

static seg_code no_memory(compiler *c) { return seg_err_set(c->err, SEG_ENOMEM, "out of memory compiling the rule"); }

/* ---- segments ---- */

static seg_code resolve(compiler *c, const rule_ast *ast, const rule_node *n, bool negate, rule_logic **out);

static seg_code cycle_error(compiler *c, size_t from, const char *name) {
  /* chain[from] is name again: it refers to itself through chain[from+1 ..] */
  buf b;
  buf_init(&b, 512);
  size_t through = c->n_chain - from - 1;
  for (size_t i = from + 1; i < c->n_chain; i++) {
    if (i > from + 1) buf_puts(&b, i + 1 == c->n_chain ? " and " : ", ");
    char ex[64];
    rule__excerpt(c->chain[i], strlen(c->chain[i]), ex, sizeof ex);
    buf_printf(&b, "\"%s\"", ex);
  }
  char ex[64];
  rule__excerpt(name, strlen(name), ex, sizeof ex);
  seg_code rc;
  if (through == 0)
    rc = seg_err_set(c->err, SEG_EINVAL, "segment \"%s\" refers to itself; remove that 'in segment'", ex);
  else
    rc = seg_err_set(c->err, SEG_EINVAL, "segment \"%s\" refers to itself through %s; remove one of these 'in segment'",
                     ex, buf_str(&b));
  buf_free(&b);
  c->placed = true;
  return rc;
}

static seg_code too_deep(compiler *c, const char *shown, const char *w) {
  c->placed = true;
  return seg_err_set(c->err, SEG_ELIMIT,
                     "segments nest more than %d deep (through \"%s\" at %s); use fewer segments within segments",
                     RULE_MAX_SEGMENT_DEPTH, shown, w);
}

/* Inlines segment e (looked up and parsed) where the rule used it (shown, at w), refusing a
 * cycle and too deep a nesting. */
static seg_code inline_entry(compiler *c, seg_entry *e, bool negate, const char *shown, const char *w,
                             rule_logic **out) {
  for (size_t i = 0; i < c->n_chain; i++)
    if (text_fold_cmp(c->chain[i], strlen(c->chain[i]), e->name, strlen(e->name)) == 0)
      return cycle_error(c, i, c->chain[i]);
  if (c->n_chain - (c->self_in_chain ? 1 : 0) >= RULE_MAX_SEGMENT_DEPTH) return too_deep(c, shown, w);
  c->chain[c->n_chain++] = e->name;
  seg_code rc = resolve(c, &e->ast, e->ast.root, negate, out);
  c->n_chain--;
  if (rc != SEG_OK && !c->placed && rc != SEG_ELIMIT && rc != SEG_ENOMEM) { /* a mistake in that segment's rule */
    char ex[64];
    rule__excerpt(e->name, strlen(e->name), ex, sizeof ex);
    seg_err_prefix(c->err, "in segment \"%s\" (used at %s)", ex, w);
    c->placed = true;
  }
  return rc;
}

/* Finds the segment named n->name: asks lookup (once per name and compile) and parses its rule
 * (once per segment and compile). */
static seg_code find_segment(compiler *c, const rule_node *n, const char *shown, const char *w, seg_entry **out) {
  for (size_t i = 0; i < c->n_aliases; i++)
    if (text_fold_cmp(c->aliases[i].name, strlen(c->aliases[i].name), n->name, n->name_n) == 0) {
      *out = c->aliases[i].entry;
      return SEG_OK;
    }
  char name[RULE_SEGMENT_NAME_MAX], canonical[RULE_SEGMENT_NAME_MAX] = "";
  char *text = NULL;
  seg_err lerr;
  seg_err_clear(&lerr);
  seg_code rc = SEG_ENOTFOUND;
  if (n->name_n < sizeof name && memchr(n->name, '\0', n->name_n) == NULL) {
    memcpy(name, n->name, n->name_n);
    name[n->name_n] = '\0';
    rc = c->lookup(c->lookup_ctx, name, &text, canonical, sizeof canonical, &lerr);
  }
  if (rc == SEG_ENOTFOUND) {
    free(text);
    return seg_err_set(c->err, SEG_ENOTFOUND, "unknown segment \"%s\" at %s; check its name (names ignore case)", shown,
                       w);
  }
  if (rc != SEG_OK) {
    free(text);
    *c->err = lerr;
    c->placed = true;
    return rc;
  }
  if (!text) return seg_err_set(c->err, SEG_EINTERNAL, "the lookup of segment \"%s\" gave no rule", shown);
  canonical[sizeof canonical - 1] = '\0';
  if (!canonical[0]) snprintf(canonical, sizeof canonical, "%s", name);

  seg_entry *e = NULL;
  for (size_t i = 0; i < c->n_segs && !e; i++) /* the same segment under another spelling */
    if (text_fold_cmp(c->segs[i]->name, strlen(c->segs[i]->name), canonical, strlen(canonical)) == 0) e = c->segs[i];
  if (e) {
    free(text);
  } else {
    if (c->n_segs == c->cap_segs) {
      size_t cap = c->cap_segs ? c->cap_segs * 2 : 8;
      seg_entry **v = realloc(c->segs, cap * sizeof *v);
      if (!v) {
        free(text);
        return no_memory(c);
      }
      c->segs = v;
      c->cap_segs = cap;
    }
    if (!(e = calloc(1, sizeof *e))) {
      free(text);
      return no_memory(c);
    }
    snprintf(e->name, sizeof e->name, "%s", canonical);
    e->text = text;
    c->segs[c->n_segs++] = e;
    size_t len;
    rc = rule__check_text(e->text, &len, c->err);
    if (rc == SEG_OK) rc = rule__parse(e->text, len, &e->ast, c->err);
    if (rc != SEG_OK) {
      char ex[64];
      rule__excerpt(e->name, strlen(e->name), ex, sizeof ex);
      seg_err_prefix(c->err, "in segment \"%s\" (used at %s)", ex, w);
      c->placed = true;
      return rc;
    }
  }
  if (c->n_aliases == c->cap_aliases) {
    size_t cap = c->cap_aliases ? c->cap_aliases * 2 : 8;
    seg_alias *v = realloc(c->aliases, cap * sizeof *v);
    if (!v) return no_memory(c);
    c->aliases = v;
    c->cap_aliases = cap;
  }
  if (!(c->aliases[c->n_aliases].name = strdup(name))) return no_memory(c);
  c->aliases[c->n_aliases++].entry = e;
  *out = e;
  return SEG_OK;
}

static seg_code inline_segment(compiler *c, const rule_ast *ast, const rule_node *n, bool negate, rule_logic **out) {
  char w[48], shown[64];
  rule__position(ast->text, ast->len, n->pos, w, sizeof w);
  rule__excerpt(n->name, n->name_n, shown, sizeof shown);
  if (!c->lookup)
    return seg_err_set(c->err, SEG_EINVAL,
                       "'in segment' at %s cannot be used here, where no saved segments are available; write the "
                       "conditions instead",
                       w);
  for (size_t i = 0; i < c->n_chain; i++) /* also for a segment not saved yet that uses itself */
    if (text_fold_cmp(c->chain[i], strlen(c->chain[i]), n->name, n->name_n) == 0) return cycle_error(c, i, c->chain[i]);
  seg_entry *e;
  seg_code rc = find_segment(c, n, shown, w, &e);
  return rc == SEG_OK ? inline_entry(c, e, negate, shown, w, out) : rc;
}

/* ---- the logic tree ---- */

/* Turns syntax node n into logic: `not` is pushed down (De Morgan) so that only conditions are
 * negated, and nested groups of the same kind are merged. */
static seg_code resolve(compiler *c, const rule_ast *ast, const rule_node *n, bool negate, rule_logic **out) {
  if (++c->recursion > MAX_RECURSION) {
    c->placed = true;
    return seg_err_set(c->err, SEG_ELIMIT, "the rule is nested too deeply once its segments are inlined; simplify it");
  }
  seg_code rc = SEG_OK;
  switch (n->kind) {
    case NODE_NOT:
      rc = resolve(c, ast, n->kids[0], !negate, out);
      break;
    case NODE_COND:
      rc = rule__check_condition(&c->checker, ast, n, negate, out);
      break;
    case NODE_SEGMENT:
      rc = inline_segment(c, ast, n, negate, out);
      break;
    case NODE_AND:
    case NODE_OR: {
      rule_logic_kind kind = (n->kind == NODE_AND) != negate ? LOGIC_AND : LOGIC_OR;
      rule_logic **kids = malloc(n->n_kids * sizeof *kids);
      if (!kids) {
        rc = no_memory(c);
        break;
      }
      size_t total = 0;
      for (size_t i = 0; i < n->n_kids && rc == SEG_OK; i++) {
        rc = resolve(c, ast, n->kids[i], negate, &kids[i]);
        if (rc == SEG_OK) total += kids[i]->kind == kind ? kids[i]->n_kids : 1;
      }
      rule_logic *g = rc == SEG_OK ? rule__logic_new(&c->checker, kind) : NULL;
      if (rc == SEG_OK && !g) rc = c->err->code;
      if (rc == SEG_OK && !(g->kids = rule__alloc(&c->arena, total * sizeof *g->kids))) rc = no_memory(c);
      if (rc == SEG_OK) {
        for (size_t i = 0; i < n->n_kids; i++) {
          if (kids[i]->kind == kind) {
            memcpy(g->kids + g->n_kids, kids[i]->kids, kids[i]->n_kids * sizeof *g->kids);
            g->n_kids += kids[i]->n_kids;
          } else {
            g->kids[g->n_kids++] = kids[i];
          }
        }
        *out = g;
      }
      free(kids);
      break;
    }
  }
  c->recursion--;
  return rc;
}

/* Estimates of what SQLite needs to parse a leaf's SQL: parser stack entries, expression height. */
static void leaf_estimates(rule_logic *n) {
  n->stack = 6;
  n->height = n->form == FORM_IN ? 3 : 4;
  if (n->negated) {
    n->stack += 2;
    n->height += 1;
  }
}

/* The stack a group needs with its operands in their current order. */
static int group_stack(const rule_logic *n) {
  int stack = 0;
  for (size_t i = 0; i < n->n_kids; i++) {
    int s = n->kids[i]->stack + (i == 0 ? 1 : 3);
    if (s > stack) stack = s;
  }
  return stack;
}

/* Fills a group's estimates from its operands'. Its SQL is `(k0 OP k1 OP ...)`: SQLite reduces a
 * left operand before it reads on, so the operand parsed first costs one stack entry (its
 * parenthesis) and the others three. Operands keep the rule's order (the SQL is predictable and
 * evaluates in the order the user wrote) unless that nests deeply; then the deepest goes first.
 * In the expression tree a chain of k operands is k deep. */
static void estimate(rule_logic *n) {
  if (group_stack(n) > SHALLOW_STACK) {
    size_t deepest = 0;
    for (size_t i = 1; i < n->n_kids; i++)
      if (n->kids[i]->stack > n->kids[deepest]->stack) deepest = i;
    rule_logic *d = n->kids[deepest];
    memmove(n->kids + 1, n->kids, deepest * sizeof *n->kids);
    n->kids[0] = d;
  }
  int height = 0, k = (int)n->n_kids;
  for (int i = 0; i < k; i++) {
    int h = n->kids[i]->height + (i == 0 ? k - 1 : k - i);
    if (h > height) height = h;
  }
  n->stack = group_stack(n);
  n->height = height;
}

/* Shapes the tree for SQLite, bottom up: groups wider than MAX_GROUP are split into subgroups
 * of the same kind, in order, then estimated. */
static seg_code shape(compiler *c, rule_logic *n) {
  if (n->kind == LOGIC_LEAF) {
    leaf_estimates(n);
    return SEG_OK;
  }
  for (size_t i = 0; i < n->n_kids; i++) {
    seg_code rc = shape(c, n->kids[i]);
    if (rc != SEG_OK) return rc;
  }
  while (n->n_kids > MAX_GROUP) {
    size_t groups = (n->n_kids + MAX_GROUP - 1) / MAX_GROUP;
    rule_logic **kids = rule__alloc(&c->arena, groups * sizeof *kids);
    if (!kids) return no_memory(c);
    for (size_t g = 0; g < groups; g++) {
      size_t from = g * MAX_GROUP, k = n->n_kids - from < MAX_GROUP ? n->n_kids - from : MAX_GROUP;
      if (k == 1) {
        kids[g] = n->kids[from];
        continue;
      }
      rule_logic *sub = rule__logic_new(&c->checker, n->kind);
      if (!sub) return c->err->code;
      sub->kids = n->kids + from; /* the old array stays on as the subgroups' storage */
      sub->n_kids = k;
      estimate(sub);
      kids[g] = sub;
    }
    n->kids = kids;
    n->n_kids = groups;
  }
  estimate(n);
  return SEG_OK;
}

/* ---- SQL ---- */

static int push_param(compiler *c, const seg_value *v) {
  if (c->n_params == c->cap_params) {
    size_t cap = c->cap_params ? c->cap_params * 2 : 16;
    seg_value *p = realloc(c->params, cap * sizeof *p);
    if (!p) return -1;
    c->params = p;
    c->cap_params = cap;
  }
  c->params[c->n_params++] = *v;
  if (v->type == ATTR_TEXT) c->text_bytes += v->n + 1;
  return 0;
}

static int emit(compiler *c, const rule_logic *n, bool root) {
  buf *b = &c->sql;
  if (n->kind != LOGIC_LEAF) {
    int r = root ? 0 : buf_putc(b, '(');
    for (size_t i = 0; i < n->n_kids && r == 0; i++) {
      if (i) r = buf_puts(b, n->kind == LOGIC_AND ? " AND " : " OR ");
      if (r == 0) r = emit(c, n->kids[i], false);
    }
    if (r == 0 && !root) r = buf_putc(b, ')');
    return r;
  }
  static const char *const cmps[] = {"=", "<>", "<", "<=", ">", ">="};
  const char *col = n->attr->col, *coll = n->text ? " COLLATE seg_nocase" : "";
  bool wrap = n->negated && n->form != FORM_MATCH; /* NULL (empty) must read as not true: IS NOT 1 */
  int r = 0;
  if (wrap) r = buf_putc(b, '(');
  else if (n->negated) r = buf_puts(b, "NOT ");
  if (r != 0) return r;
  switch (n->form) {
    case FORM_CMP:
      r = buf_printf(b, "%s%s %s ?", col, coll, cmps[n->cmp]);
      break;
    case FORM_IN:
      r = buf_printf(b, "%s%s %sIN (", col, coll, n->sql_not ? "NOT " : "");
      for (size_t i = 0; i < n->n_vals && r == 0; i++) r = buf_puts(b, i ? ", ?" : "?");
      if (r == 0) r = buf_putc(b, ')');
      break;
    case FORM_BETWEEN:
      r = buf_printf(b, "%s%s %sBETWEEN ? AND ?", col, coll, n->sql_not ? "NOT " : "");
      break;
    case FORM_MATCH:
      r = buf_printf(b, "%s(%s, ?)",
                     n->match == OP_CONTAINS ? "seg_contains" : n->match == OP_STARTS ? "seg_starts_with" : "seg_ends_with",
                     col);
      break;
    case FORM_NULL:
      r = buf_printf(b, "%s IS %sNULL", col, n->sql_not ? "NOT " : "");
      break;
  }
  if (r == 0 && wrap) r = buf_puts(b, ") IS NOT 1");
  for (size_t i = 0; i < n->n_vals && r == 0; i++) r = push_param(c, &n->vals[i]);
  return r;
}

/* ---- the public entry points ---- */

static char *dup_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Moves the result into out: one block for the parameters and their text. */
static seg_code finish(compiler *c, rule_compiled *out) {
  size_t head = c->n_params * sizeof(seg_value);
  out->params = c->n_params ? malloc(head + c->text_bytes) : NULL;
  out->attributes = calloc(c->n_attrs + 1, sizeof *out->attributes);
  out->segments = calloc(c->n_segs + 1, sizeof *out->segments);
  if ((c->n_params && !out->params) || !out->attributes || !out->segments) return no_memory(c);
  char *text = c->n_params ? (char *)out->params + head : NULL;
  for (size_t i = 0; i < c->n_params; i++) {
    seg_value v = c->params[i];
    if (v.type == ATTR_TEXT) {
      memcpy(text, v.s, v.n);
      text[v.n] = '\0';
      v.s = text;
      text += v.n + 1;
    }
    out->params[i] = v;
  }
  out->n_params = c->n_params;
  for (size_t i = 0; i < c->n_attrs; i++) {
    if (!(out->attributes[i] = dup_string(c->schema->attrs[c->attr_order[i]].name))) return no_memory(c);
    out->n_attributes++;
  }
  for (size_t i = 0; i < c->n_segs; i++) {
    if (!(out->segments[i] = dup_string(c->segs[i]->name))) return no_memory(c);
    out->n_segments++;
  }
  if (buf_reserve(&c->sql, 0) != 0) return no_memory(c);
  out->sql = buf_detach(&c->sql);
  return SEG_OK;
}

/* The PostgreSQL emitter's way to bind a value: its 1-based number. */
static int push_numbered(void *ctx, const seg_value *v) {
  compiler *c = ctx;
  return push_param(c, v) == 0 ? (int)c->n_params : -1;
}

seg_code rule_compile(const char *text, const char *self, const store_schema *schema, rule_segment_lookup lookup,
                      void *lookup_ctx, int64_t now_ms, rule_compiled *out, seg_err *err) {
  return rule__compile(text, self, schema, lookup, lookup_ctx, now_ms, NULL, out, err);
}

seg_code rule_compile_pg(const char *text, const char *self, const store_schema *schema, rule_segment_lookup lookup,
                         void *lookup_ctx, int64_t now_ms, const rule_pg_target *target, rule_compiled *out,
                         seg_err *err) {
  return rule__compile(text, self, schema, lookup, lookup_ctx, now_ms, target, out, err);
}

seg_code rule__compile(const char *text, const char *self, const store_schema *schema, rule_segment_lookup lookup,
                       void *lookup_ctx, int64_t now_ms, const rule_pg_target *target, rule_compiled *out,
                       seg_err *err) {
  memset(out, 0, sizeof *out);
  seg_err local;
  if (!err) err = &local;
  size_t len;
  seg_code rc = rule__check_text(text, &len, err);
  if (rc != SEG_OK) return rc;
  rule_ast ast;
  if ((rc = rule__parse(text, len, &ast, err)) != SEG_OK) return rc;

  compiler c = {.schema = schema, .lookup = lookup, .lookup_ctx = lookup_ctx, .err = err, .budget = MAX_LOGIC_NODES,
                .values = RULE_MAX_PARAMS};
  c.checker = (rule_checker){.schema = schema, .now_ms = now_ms, .arena = &c.arena, .budget = &c.budget,
                             .values = &c.values, .use_attr = use_attr, .ctx = &c, .err = err};
  buf_init(&c.sql, RULE_MAX_SQL_BYTES);
  c.attr_used = calloc(schema->n + 1, sizeof *c.attr_used);
  c.attr_order = calloc(schema->n + 1, sizeof *c.attr_order);
  if (!c.attr_used || !c.attr_order) rc = no_memory(&c);
  if (rc == SEG_OK && self) {
    c.chain[c.n_chain++] = self;
    c.self_in_chain = true;
  }
  rule_logic *root = NULL;
  if (rc == SEG_OK) rc = resolve(&c, &ast, ast.root, false, &root);
  if (rc == SEG_OK) rc = shape(&c, root);
  if (rc == SEG_OK && (root->stack > STACK_BUDGET || root->height > HEIGHT_BUDGET))
    rc = seg_err_set(err, SEG_ELIMIT,
                     "the rule%s nests its groups too deeply for the database to evaluate; use fewer levels of "
                     "parentheses",
                     c.n_segs ? ", with the segments it uses inlined," : "");
  if (rc == SEG_OK &&
      (target ? rule__emit_pg(&c.sql, root, true, schema, target, push_numbered, &c) : emit(&c, root, true)) != 0)
    rc = c.sql.len + 64 >= RULE_MAX_SQL_BYTES
             ? seg_err_set(err, SEG_ELIMIT,
                           "the rule is too large once its segments are inlined (more than %u bytes of SQL); simplify "
                           "it or the segments it uses",
                           RULE_MAX_SQL_BYTES)
             : no_memory(&c);
  if (rc == SEG_OK && c.n_params > RULE_MAX_PARAMS) /* counted as the conditions were checked */
    rc = seg_err_set(err, SEG_EINTERNAL, "the rule compiled to %zu values, more than it should", c.n_params);
  if (rc == SEG_OK) rc = finish(&c, out);
  if (rc != SEG_OK) rule_compiled_free(out);

  buf_free(&c.sql);
  free(c.params);
  free(c.attr_used);
  free(c.attr_order);
  for (size_t i = 0; i < c.n_segs; i++) {
    rule__ast_free(&c.segs[i]->ast);
    free(c.segs[i]->text);
    free(c.segs[i]);
  }
  free(c.segs);
  for (size_t i = 0; i < c.n_aliases; i++) free(c.aliases[i].name);
  free(c.aliases);
  rule__arena_free(&c.arena);
  rule__ast_free(&ast);
  return rc;
}

void rule_compiled_free(rule_compiled *c) {
  if (!c) return;
  free(c->sql);
  free(c->params);
  for (size_t i = 0; c->attributes && i < c->n_attributes; i++) free(c->attributes[i]);
  free(c->attributes);
  for (size_t i = 0; c->segments && i < c->n_segments; i++) free(c->segments[i]);
  free(c->segments);
  memset(c, 0, sizeof *c);
}

store_where rule_where(const rule_compiled *c) {
  store_where w = {.sql = c->sql, .params = c->params, .n_params = c->n_params};
  return w;
}
