/* rule.h: the segment rule language: a rule such as `Country = "Spain" and Orders > 2` is
 * parsed, checked against the store's schema and compiled to a parameterised SQL expression
 * that store_where_count / store_where_each_id evaluate. docs/rules.md is the user reference. */
#ifndef SEGSHIP_SEGMENT_RULE_H
#define SEGSHIP_SEGMENT_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/value.h"
#include "util/error.h"

#define RULE_MAX_BYTES 65536      /* a longer rule is refused before it is read */
#define RULE_MAX_DEPTH 64         /* nested parentheses and 'not' in one rule */
#define RULE_MAX_SEGMENT_DEPTH 16 /* segments inlined within segments */
#define RULE_MAX_PARAMS 32766     /* bound values, segments inlined (SQLite's default limit) */
#define RULE_MAX_SQL_BYTES (4u << 20) /* compiled SQL, segments inlined */
#define RULE_SEGMENT_NAME_MAX 256 /* bytes the compiler gives lookup for a canonical name */

/* Looks up segment `name` (case-insensitive) for `in segment`: on success sets *rule_text to a malloc'd copy of its
   rule (the caller, i.e. the compiler, frees it) and copies its canonical name into canonical (cap bytes).
   Returns SEG_ENOTFOUND (message filled) when there is no such segment; any other failure is passed on as it is.
   The compiler calls it at most once per name (ignoring case) per compile, with cap = RULE_SEGMENT_NAME_MAX. */
typedef seg_code (*rule_segment_lookup)(void *ctx, const char *name, char **rule_text, char *canonical, size_t cap,
                                        seg_err *err);

typedef struct rule_compiled {
  char *sql;            /* a boolean SQL expression over profiles' columns, for store_where (owned) */
  seg_value *params;    /* bound in order; text params point into memory owned by this struct */
  size_t n_params;
  char **attributes;    /* canonical names of the attributes the rule reads, inlined segments included, unique (owned) */
  size_t n_attributes;
  char **segments;      /* canonical names of segments it refers to, directly or through others, unique (owned) */
  size_t n_segments;
} rule_compiled;

/* Parses, checks against schema and compiles `text`, as the rule of the segment named self (NULL for an unsaved or
   anonymous rule; used to detect cycles). now_ms anchors relative dates (pass clock_now_ms()). lookup may be NULL
   (then `in segment` is an error). On success fills *out (free with rule_compiled_free); on failure *out is empty
   and err holds one sentence naming the place in the rule (1-based column) and what to do.
   The SQL is true (1) for the profiles the rule selects; for the others it is 0 or NULL, which a WHERE clause
   treats alike (wrap it in coalesce(..., 0) to use it as a value). It reads the columns as the schema types them
   now: compile again after the schema changes (an import may widen a type). */
seg_code rule_compile(const char *text, const char *self, const store_schema *schema, rule_segment_lookup lookup,
                      void *lookup_ctx, int64_t now_ms, rule_compiled *out, seg_err *err);
void rule_compiled_free(rule_compiled *c);

/* ---- the PostgreSQL dialect (a PostgreSQL source in pushdown mode, issue 14) ---- */

/* Where a rule runs in PostgreSQL: the column holding each schema attribute there. */
typedef struct rule_pg_target {
  const char *const *columns; /* columns[i]: schema->attrs[i]'s column (quoted by the compiler) */
  const unsigned *oids;       /* oids[i]: its PostgreSQL type (timestamp and timestamptz differ) */
} rule_pg_target;

/* Compiles text like rule_compile (the same parser, checks and messages) to a PostgreSQL boolean
   expression over target's columns, with placeholders $1... for params (bind each as text, from
   rule_pg_param_text; the SQL casts it). The meaning is segship's: text is trimmed, empty text is no
   value, text compares case-insensitively with the same simple case folding as seg_nocase (lower()
   under the collation "C.utf8", compared in code point order), datetimes to the second, and `not`
   counts empty values as not matching. The SQL is TRUE for the profiles the rule selects. */
seg_code rule_compile_pg(const char *text, const char *self, const store_schema *schema, rule_segment_lookup lookup,
                         void *lookup_ctx, int64_t now_ms, const rule_pg_target *target, rule_compiled *out,
                         seg_err *err);
/* The text form of a bound value for PostgreSQL (in scratch, at least 64 bytes, or v's own text). */
const char *rule_pg_param_text(const seg_value *v, char *scratch, size_t cap, size_t *len);
/* The expression giving a column's value as segship reads it (text trimmed and NULL when empty,
   datetimes to the second), appended to b; -1 when memory runs out. For the pushdown's SELECT. */
struct buf;
int rule_pg_value_expr(struct buf *b, const char *column, unsigned oid);
/* A PostgreSQL identifier, double-quoted, appended to b; -1 when memory runs out. */
int rule_pg_ident(struct buf *b, const char *name);
/* A store_where view of a compiled rule, for store_where_count / store_where_each_id. It points into c. */
store_where rule_where(const rule_compiled *c);

/* Checks only the syntax of text (no schema, no segments): SEG_OK, or SEG_EINVAL with the same message
   rule_compile would give for a syntax error. For checking a rule as it is typed. */
seg_code rule_check_syntax(const char *text, seg_err *err);

/* Writes text in a normalised form (keywords lower-case, one space between words, names as written,
   backquoted only when needed, strings in double quotes, dates bare, redundant parentheses removed)
   to *out, a malloc'd string the caller frees. The normalised rule means the same as text. */
seg_code rule_normalize(const char *text, char **out, seg_err *err);

#endif
