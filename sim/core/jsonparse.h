/* jsonparse.h: a small, strict, single-pass JSON parser for the hot path (contact upserts): the
 * whole tree lives in one pool freed at once, and every value remembers its source text, so a
 * field can be stored as the JSON text it came in without encoding it again. */
#ifndef SIM_JSONPARSE_H
#define SIM_JSONPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  JSONPARSE_NULL,
  JSONPARSE_FALSE,
  JSONPARSE_TRUE,
  JSONPARSE_INTEGER, /* a number with no fraction or exponent, within int64 */
  JSONPARSE_REAL,
  JSONPARSE_STRING,
  JSONPARSE_ARRAY,
  JSONPARSE_OBJECT
} jsonparse_type;

typedef struct jsonparse_value jsonparse_value;

typedef struct jsonparse_member {
  const char *key; /* decoded, NUL-terminated */
  size_t key_len;
  jsonparse_value *value;
} jsonparse_member;

struct jsonparse_value {
  jsonparse_type type;
  const char *source; /* the value's JSON text in the parsed buffer */
  size_t source_len;
  union {
    struct {
      const char *text; /* decoded, NUL-terminated (no NUL inside: \u0000 is refused) */
      size_t len;
    } string;
    int64_t integer;
    double real;
    struct {
      jsonparse_value **items;
      size_t n;
    } array;
    struct {
      jsonparse_member *members; /* in source order; a repeated key appears twice */
      size_t n;
    } object;
  } as;
};

typedef struct jsonparse_block jsonparse_block;

/* A parsed document. Ownership: the document owns every value; jsonparse_free releases all. */
typedef struct jsonparse_doc {
  jsonparse_value *root;
  jsonparse_block *blocks;
  char error[160]; /* why parsing failed, with the byte offset */
} jsonparse_doc;

/* Parses text[0..len) (which must stay alive and unchanged while the document is used). Returns
 * false with doc->error set when the text is not exactly one JSON value (surrounding blanks
 * allowed), nests deeper than 512, holds a number out of range or an invalid escape. */
bool jsonparse_parse(jsonparse_doc *doc, const char *text, size_t len);
void jsonparse_free(jsonparse_doc *doc);
/* Memory from the document's pool, freed with it (16-byte aligned). */
void *jsonparse_alloc(jsonparse_doc *doc, size_t n);

/* The value of key in an object (the last one when repeated), or NULL. */
jsonparse_value *jsonparse_get(const jsonparse_value *obj, const char *key);
static inline bool jsonparse_is(const jsonparse_value *v, jsonparse_type t) { return v && v->type == t; }
static inline bool jsonparse_is_number(const jsonparse_value *v) {
  return v && (v->type == JSONPARSE_INTEGER || v->type == JSONPARSE_REAL);
}
static inline bool jsonparse_is_bool(const jsonparse_value *v) {
  return v && (v->type == JSONPARSE_TRUE || v->type == JSONPARSE_FALSE);
}

#endif
