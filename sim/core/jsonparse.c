/* jsonparse.c: recursive-descent JSON parser (RFC 8259) into a pooled tree. */
#include "jsonparse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define JSONPARSE_MAX_DEPTH 512
#define JSONPARSE_BLOCK (64 * 1024)

struct jsonparse_block {
  jsonparse_block *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
};

void *jsonparse_alloc(jsonparse_doc *doc, size_t n) {
  n = (n + 15) & ~(size_t)15;
  jsonparse_block *b = doc->blocks;
  if (!b || b->used + n > b->size) {
    size_t size = n > JSONPARSE_BLOCK / 4 ? n : JSONPARSE_BLOCK;
    b = mem_alloc(sizeof *b + size);
    b->size = size;
    b->used = 0;
    if (doc->blocks && size != JSONPARSE_BLOCK) {
      /* a big one-off goes behind the block being filled */
      b->next = doc->blocks->next;
      doc->blocks->next = b;
      b->used = n;
      return b->data;
    }
    b->next = doc->blocks;
    doc->blocks = b;
  }
  void *p = b->data + b->used;
  b->used += n;
  return p;
}

void jsonparse_free(jsonparse_doc *doc) {
  while (doc->blocks) {
    jsonparse_block *b = doc->blocks;
    doc->blocks = b->next;
    free(b);
  }
  doc->root = NULL;
}

typedef struct jsonparse_state {
  jsonparse_doc *doc;
  const char *start, *p, *end;
  int depth;
  /* Items of the arrays and objects being parsed, stacked: a container's items are moved to
   * the pool once it closes, so nothing is reallocated in the pool. */
  void *stack;
  size_t stack_len, stack_cap; /* in bytes */
} jsonparse_state;

__attribute__((format(printf, 2, 3))) static bool jsonparse_fail(jsonparse_state *st, const char *fmt, ...) {
  char what[120];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (!st->doc->error[0])
    snprintf(st->doc->error, sizeof st->doc->error, "%s at byte %zu", what, (size_t)(st->p - st->start));
  return false;
}

static void jsonparse_skip_blanks(jsonparse_state *st) {
  while (st->p < st->end && (*st->p == ' ' || *st->p == '\n' || *st->p == '\r' || *st->p == '\t')) st->p++;
}

static void *jsonparse_push(jsonparse_state *st, const void *item, size_t size) {
  if (st->stack_len + size > st->stack_cap) {
    size_t cap = st->stack_cap ? st->stack_cap * 2 : 4096;
    while (cap < st->stack_len + size) cap *= 2;
    st->stack = mem_realloc(st->stack, cap);
    st->stack_cap = cap;
  }
  void *at = (char *)st->stack + st->stack_len;
  memcpy(at, item, size);
  st->stack_len += size;
  return at;
}

static int jsonparse_hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Parses a string at st->p (on its '"') into pooled, decoded text. The raw bytes must already be
 * valid UTF-8 (the caller checks the whole body once). */
static bool jsonparse_string(jsonparse_state *st, const char **out, size_t *out_len) {
  const char *p = ++st->p, *end = st->end;
  /* Fast path: no escape before the closing quote. */
  const char *q = p;
  while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
  if (q < end && *q == '"') {
    char *s = jsonparse_alloc(st->doc, (size_t)(q - p) + 1);
    memcpy(s, p, (size_t)(q - p));
    s[q - p] = '\0';
    *out = s;
    *out_len = (size_t)(q - p);
    st->p = q + 1;
    return true;
  }
  /* Slow path: decoding never makes text longer than its source. */
  const char *close = p;
  while (close < end && *close != '"') close += *close == '\\' ? 2 : 1;
  if (close >= end) return jsonparse_fail(st, "unterminated string");
  char *s = jsonparse_alloc(st->doc, (size_t)(close - p) + 1), *o = s;
  while (p < close) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x20) {
      st->p = p;
      return jsonparse_fail(st, "control character in a string");
    }
    if (c != '\\') {
      *o++ = (char)c, p++;
      continue;
    }
    char e = p[1];
    p += 2;
    switch (e) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '/': *o++ = '/'; break;
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        int cp = p + 4 <= close ? jsonparse_hex4(p) : -1;
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          int lo = p + 6 <= close && p[0] == '\\' && p[1] == 'u' ? jsonparse_hex4(p + 2) : -1;
          if (lo < 0xDC00 || lo > 0xDFFF) cp = -2;
          else cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00), p += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = -2;
        }
        if (cp <= 0) {
          st->p = p;
          return jsonparse_fail(st, cp == 0 ? "\\u0000 is not allowed" : "invalid \\u escape");
        }
        if (cp < 0x80) *o++ = (char)cp;
        else if (cp < 0x800) *o++ = (char)(0xC0 | cp >> 6), *o++ = (char)(0x80 | (cp & 0x3F));
        else if (cp < 0x10000)
          *o++ = (char)(0xE0 | cp >> 12), *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)), *o++ = (char)(0x80 | (cp & 0x3F));
        else
          *o++ = (char)(0xF0 | cp >> 18), *o++ = (char)(0x80 | ((cp >> 12) & 0x3F)),
          *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)), *o++ = (char)(0x80 | (cp & 0x3F));
        break;
      }
      default:
        st->p = p - 2;
        return jsonparse_fail(st, "invalid escape");
    }
  }
  *o = '\0';
  *out = s;
  *out_len = (size_t)(o - s);
  st->p = close + 1;
  return true;
}

static bool jsonparse_number(jsonparse_state *st, jsonparse_value *v) {
  const char *p = st->p, *end = st->end, *s = p;
  bool integer = true;
  if (p < end && *p == '-') p++;
  if (p < end && *p == '0') p++;
  else if (p < end && *p >= '1' && *p <= '9') while (p < end && *p >= '0' && *p <= '9') p++;
  else return jsonparse_fail(st, "invalid number");
  if (p < end && *p == '.') {
    integer = false, p++;
    if (p >= end || *p < '0' || *p > '9') return jsonparse_fail(st, "invalid number");
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    integer = false, p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || *p < '0' || *p > '9') return jsonparse_fail(st, "invalid number");
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  char tmp[64], *copy = (size_t)(p - s) < sizeof tmp ? tmp : mem_alloc((size_t)(p - s) + 1);
  memcpy(copy, s, (size_t)(p - s));
  copy[p - s] = '\0';
  errno = 0;
  if (integer) {
    v->type = JSONPARSE_INTEGER;
    v->as.integer = strtoll(copy, NULL, 10);
  } else {
    v->type = JSONPARSE_REAL;
    v->as.real = strtod(copy, NULL);
  }
  bool range = errno == 0 && (integer || isfinite(v->as.real));
  if (copy != tmp) free(copy);
  if (!range) return jsonparse_fail(st, "number out of range");
  st->p = p;
  return true;
}

static bool jsonparse_value_at(jsonparse_state *st, jsonparse_value **out);

static bool jsonparse_container(jsonparse_state *st, jsonparse_value *v, bool object) {
  if (++st->depth > JSONPARSE_MAX_DEPTH) return jsonparse_fail(st, "nesting deeper than %d", JSONPARSE_MAX_DEPTH);
  char close = object ? '}' : ']';
  size_t item = object ? sizeof(jsonparse_member) : sizeof(jsonparse_value *), base = st->stack_len, n = 0;
  st->p++;
  jsonparse_skip_blanks(st);
  if (st->p < st->end && *st->p == close) {
    st->p++;
  } else {
    for (;;) {
      jsonparse_member m = {0};
      jsonparse_skip_blanks(st);
      if (object) {
        if (st->p >= st->end || *st->p != '"') return jsonparse_fail(st, "expected a key string");
        if (!jsonparse_string(st, &m.key, &m.key_len)) return false;
        jsonparse_skip_blanks(st);
        if (st->p >= st->end || *st->p != ':') return jsonparse_fail(st, "expected ':'");
        st->p++;
      }
      if (!jsonparse_value_at(st, &m.value)) return false;
      if (object) jsonparse_push(st, &m, item);
      else jsonparse_push(st, &m.value, item);
      n++;
      jsonparse_skip_blanks(st);
      if (st->p < st->end && *st->p == ',') {
        st->p++;
        continue;
      }
      if (st->p < st->end && *st->p == close) {
        st->p++;
        break;
      }
      return jsonparse_fail(st, "expected ',' or '%c'", close);
    }
  }
  void *items = n ? jsonparse_alloc(st->doc, n * item) : NULL;
  if (n) memcpy(items, (char *)st->stack + base, n * item);
  st->stack_len = base;
  if (object) v->type = JSONPARSE_OBJECT, v->as.object.members = items, v->as.object.n = n;
  else v->type = JSONPARSE_ARRAY, v->as.array.items = items, v->as.array.n = n;
  st->depth--;
  return true;
}

static bool jsonparse_literal(jsonparse_state *st, const char *word, jsonparse_type t, jsonparse_value *v) {
  size_t n = strlen(word);
  if ((size_t)(st->end - st->p) < n || memcmp(st->p, word, n) != 0) return jsonparse_fail(st, "invalid literal");
  st->p += n;
  v->type = t;
  return true;
}

static bool jsonparse_value_at(jsonparse_state *st, jsonparse_value **out) {
  jsonparse_skip_blanks(st);
  if (st->p >= st->end) return jsonparse_fail(st, "unexpected end of text");
  jsonparse_value *v = jsonparse_alloc(st->doc, sizeof *v);
  memset(v, 0, sizeof *v);
  v->source = st->p;
  bool ok;
  switch (*st->p) {
    case '{': ok = jsonparse_container(st, v, true); break;
    case '[': ok = jsonparse_container(st, v, false); break;
    case '"':
      v->type = JSONPARSE_STRING;
      ok = jsonparse_string(st, &v->as.string.text, &v->as.string.len);
      break;
    case 't': ok = jsonparse_literal(st, "true", JSONPARSE_TRUE, v); break;
    case 'f': ok = jsonparse_literal(st, "false", JSONPARSE_FALSE, v); break;
    case 'n': ok = jsonparse_literal(st, "null", JSONPARSE_NULL, v); break;
    default: ok = jsonparse_number(st, v);
  }
  v->source_len = (size_t)(st->p - v->source);
  *out = v;
  return ok;
}

bool jsonparse_parse(jsonparse_doc *doc, const char *text, size_t len) {
  memset(doc, 0, sizeof *doc);
  jsonparse_state st = {doc, text, text, text + len, 0, NULL, 0, 0};
  bool ok = jsonparse_value_at(&st, &doc->root);
  if (ok) {
    jsonparse_skip_blanks(&st);
    if (st.p != st.end) ok = jsonparse_fail(&st, "unexpected text after the value");
  }
  free(st.stack);
  if (!ok) doc->root = NULL;
  return ok;
}

jsonparse_value *jsonparse_get(const jsonparse_value *obj, const char *key) {
  if (!jsonparse_is(obj, JSONPARSE_OBJECT)) return NULL;
  for (size_t i = obj->as.object.n; i-- > 0;)
    if (strcmp(obj->as.object.members[i].key, key) == 0) return obj->as.object.members[i].value;
  return NULL;
}
