/* rule_internal.h: shared by the rule lexer, parser and compiler: tokens, the syntax tree and
 * its arena. Not for use outside src/segment/rule*.c. */
#ifndef SEGSHIP_SEGMENT_RULE_INTERNAL_H
#define SEGSHIP_SEGMENT_RULE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* ---- arena: every node and decoded string of one parse, freed at once ---- */

typedef struct rule_arena {
  struct rule_chunk *head;
} rule_arena;

/* Zeroed, suitably aligned memory that lives until rule__arena_free; NULL when memory runs out. */
void *rule__alloc(rule_arena *a, size_t n);
void rule__arena_free(rule_arena *a);

/* ---- tokens ---- */

typedef enum {
  TOK_EOF,
  TOK_WORD,   /* [A-Za-z_][A-Za-z0-9_]*: a keyword or an attribute name, by position */
  TOK_NAME,   /* `a backquoted name` (str: decoded) */
  TOK_STRING, /* "text" or 'text' (str: decoded) */
  TOK_NUMBER, /* -?digits[.digits][e[+-]digits] (str: as written) */
  TOK_DATE,   /* YYYY-MM-DD, a valid date (days) */
  TOK_LPAREN,
  TOK_RPAREN,
  TOK_COMMA,
  TOK_CMP,    /* = == != <> < <= > >= */
  TOK_BAD     /* anything else: the parser says why it is wrong where it stands */
} rule_tok_kind;

typedef enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } rule_cmp;

typedef struct rule_token {
  rule_tok_kind kind;
  size_t pos, len;  /* the token's bytes in the rule */
  const char *str;  /* WORD, NUMBER: text + pos; NAME, STRING: decoded, in the arena */
  size_t n;
  rule_cmp cmp;     /* TOK_CMP */
  int64_t days;     /* TOK_DATE */
} rule_token;

typedef struct rule_lexer {
  const char *text;
  size_t len, pos;
  rule_arena *arena;
} rule_lexer;

/* Reads the next token. Fails (SEG_EINVAL, or SEG_ENOMEM) only on what no parser state could
 * accept: an unterminated string or name, a bad escape, a malformed number or date. */
seg_code rule__lex_next(rule_lexer *lx, rule_token *tok, seg_err *err);

/* "column 9", or "line 2, column 4" in a rule of several lines; columns count characters, from 1. */
void rule__position(const char *text, size_t len, size_t pos, char *out, size_t cap);
/* Copies text[pos, pos+len) for a message: at most 40 bytes, cut on a character boundary, "..." when cut. */
void rule__excerpt(const char *text, size_t len, char *out, size_t cap);
/* Case-insensitive (ASCII) comparison of a word of n bytes with a keyword. */
bool rule__word_is(const char *s, size_t n, const char *keyword);

/* ---- syntax tree ---- */

typedef enum { NODE_OR, NODE_AND, NODE_NOT, NODE_COND, NODE_SEGMENT } rule_node_kind;

typedef enum {
  OP_CMP,      /* cmp, one value */
  OP_CONTAINS, /* one value */
  OP_STARTS,
  OP_ENDS,
  OP_IN,       /* negated: not in; n_values >= 1 */
  OP_BETWEEN,  /* negated: not between; two values */
  OP_EMPTY,    /* negated: is not empty */
  OP_TRUE,     /* a boolean attribute alone */
  OP_WITHIN,   /* within last/next amount unit */
  OP_BEFORE,   /* one value */
  OP_AFTER
} rule_op;

typedef enum { UNIT_HOUR, UNIT_DAY, UNIT_WEEK, UNIT_MONTH, UNIT_YEAR } rule_unit;

typedef enum { LIT_NUMBER, LIT_STRING, LIT_DATE, LIT_BOOL } rule_lit_kind;

typedef struct rule_lit {
  rule_lit_kind kind;
  size_t pos, len;  /* as written in the rule */
  const char *s;    /* STRING: the decoded text; others: as written */
  size_t n;
  int64_t days;     /* DATE */
  bool truth;       /* BOOL */
} rule_lit;

typedef struct rule_node {
  rule_node_kind kind;
  size_t pos;                /* where it starts in the rule */
  struct rule_node **kids;   /* OR, AND: two or more; NOT: one */
  size_t n_kids;
  /* COND: attribute, operator, values. SEGMENT: name is the segment's name. */
  const char *name;
  size_t name_n;
  size_t name_pos, name_len; /* as written (with backquotes or quotes) */
  rule_op op;
  rule_cmp cmp;
  bool negated;              /* not in, not between, is not empty */
  bool next;                 /* within next (else within last) */
  size_t op_pos, op_len;     /* the operator as written, from its first word to its last */
  rule_lit *values;
  size_t n_values;
  int64_t amount;            /* within */
  rule_unit unit;
} rule_node;

typedef struct rule_ast {
  rule_arena arena;
  rule_node *root;
  const char *text; /* not owned: it must outlive the tree */
  size_t len;
} rule_ast;

/* Parses text[0, len) (already checked: at most RULE_MAX_BYTES, valid UTF-8). On failure the
 * message names the place and *out holds nothing to free. */
seg_code rule__parse(const char *text, size_t len, rule_ast *out, seg_err *err);
void rule__ast_free(rule_ast *ast);
/* The checks every entry point makes before parsing: not NULL, at most RULE_MAX_BYTES, valid UTF-8;
 * sets *len. */
seg_code rule__check_text(const char *text, size_t *len, seg_err *err);

/* ---- the compiler's logic tree: and/or over typed conditions, negation pushed to the leaves ---- */

#include "store/store.h"

typedef enum { LOGIC_AND, LOGIC_OR, LOGIC_LEAF } rule_logic_kind;

typedef enum {
  FORM_CMP,     /* col <cmp> ? */
  FORM_IN,      /* col [NOT] IN (?, ...) */
  FORM_BETWEEN, /* col [NOT] BETWEEN ? AND ? */
  FORM_MATCH,   /* seg_contains / seg_starts_with / seg_ends_with (col, ?): never NULL */
  FORM_NULL     /* col IS [NOT] NULL: never NULL */
} rule_form;

typedef struct rule_logic {
  rule_logic_kind kind;
  struct rule_logic **kids; /* AND, OR: two or more */
  size_t n_kids;
  /* LEAF */
  rule_form form;
  const store_attr *attr;
  bool text;       /* compared case-insensitively (COLLATE seg_nocase) */
  rule_cmp cmp;    /* FORM_CMP */
  rule_op match;   /* FORM_MATCH: OP_CONTAINS, OP_STARTS or OP_ENDS */
  bool sql_not;    /* NOT IN, NOT BETWEEN, IS NOT NULL */
  bool negated;    /* the rule's `not`: true where the condition is not true, empty values included */
  seg_value *vals;
  size_t n_vals;
  /* estimates for SQLite's limits, filled by the compiler */
  int stack, height;
} rule_logic;

/* What checking a condition needs from the compiler. */
typedef struct rule_checker {
  const store_schema *schema;
  int64_t now_ms;
  rule_arena *arena;    /* logic nodes and values live here */
  size_t *budget;       /* logic nodes still allowed; checking fails when it runs out */
  size_t *values;       /* values still allowed (RULE_MAX_PARAMS in all) */
  void (*use_attr)(void *ctx, size_t index); /* called for each attribute a condition reads */
  void *ctx;
  seg_err *err;
} rule_checker;

/* Checks condition c (a NODE_COND of ast) against the schema and builds its logic: a leaf, or
 * an and/or of leaves (a date list against a datetime attribute), negated when negate is set. */
seg_code rule__check_condition(const rule_checker *k, const rule_ast *ast, const rule_node *c, bool negate,
                               rule_logic **out);
/* Allocates a logic node from the checker's budget (NULL with err filled when it is spent). */
rule_logic *rule__logic_new(const rule_checker *k, rule_logic_kind kind);

/* ---- dialects ---- */

#include "segment/rule.h"
#include "util/buf.h"

/* rule_compile with a dialect: target NULL for SQLite, else PostgreSQL (rule_compile_pg). */
seg_code rule__compile(const char *text, const char *self, const store_schema *schema, rule_segment_lookup lookup,
                       void *lookup_ctx, int64_t now_ms, const rule_pg_target *target, rule_compiled *out,
                       seg_err *err);
/* Emits logic tree n as PostgreSQL into sql; push(ctx, value) binds a value and returns its 1-based
 * number, or -1. Returns 0, or -1 when the SQL outgrows its buffer or memory runs out. */
int rule__emit_pg(buf *sql, const rule_logic *n, bool root, const store_schema *schema, const rule_pg_target *target, int (*push)(void *ctx, const seg_value *v), void *ctx);

#endif
