/* jsonbuf.c: the JSON text writer behind every response body (escaping, separators, numbers). */
#include "jsonbuf.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "mem.h"

void jsonbuf_init(jsonbuf *b) { memset(b, 0, sizeof *b); }

void jsonbuf_reset(jsonbuf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

void jsonbuf_free(jsonbuf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

static void jsonbuf_reserve(jsonbuf *b, size_t n) {
  if (b->len + n + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + n + 1) cap *= 2;
  b->data = mem_realloc(b->data, cap);
  b->cap = cap;
}

static void jsonbuf_append(jsonbuf *b, const char *s, size_t n) {
  jsonbuf_reserve(b, n);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void jsonbuf_putc(jsonbuf *b, char c) {
  jsonbuf_reserve(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
}

char *jsonbuf_detach(jsonbuf *b, size_t *len) {
  if (!b->data) jsonbuf_reserve(b, 0), b->data[0] = '\0';
  char *d = b->data;
  if (len) *len = b->len;
  memset(b, 0, sizeof *b);
  return d;
}

/* A value or key needs a comma unless it opens the document or follows '{', '[' or ':'. */
static void jsonbuf_separate(jsonbuf *b) {
  if (b->len == 0) return;
  char last = b->data[b->len - 1];
  if (last != '{' && last != '[' && last != ':') jsonbuf_putc(b, ',');
}

void jsonbuf_object_open(jsonbuf *b) { jsonbuf_separate(b), jsonbuf_putc(b, '{'); }
void jsonbuf_object_close(jsonbuf *b) { jsonbuf_putc(b, '}'); }
void jsonbuf_array_open(jsonbuf *b) { jsonbuf_separate(b), jsonbuf_putc(b, '['); }
void jsonbuf_array_close(jsonbuf *b) { jsonbuf_putc(b, ']'); }

static void jsonbuf_quoted(jsonbuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  jsonbuf_reserve(b, n + 2);
  b->data[b->len++] = '"';
  size_t run = 0; /* start of the pending run of bytes that need no escape */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    jsonbuf_append(b, s + run, i - run);
    run = i + 1;
    char esc[7] = {'\\', 0};
    size_t elen = 2;
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      default:
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        elen = 6;
    }
    jsonbuf_append(b, esc, elen);
  }
  jsonbuf_append(b, s + run, n - run);
  jsonbuf_putc(b, '"');
}

void jsonbuf_key(jsonbuf *b, const char *key) {
  jsonbuf_separate(b);
  jsonbuf_quoted(b, key, strlen(key));
  jsonbuf_putc(b, ':');
}

void jsonbuf_string(jsonbuf *b, const char *s, size_t n) {
  jsonbuf_separate(b);
  jsonbuf_quoted(b, s, n);
}

void jsonbuf_cstring(jsonbuf *b, const char *s) { jsonbuf_string(b, s, strlen(s)); }

void jsonbuf_int(jsonbuf *b, int64_t v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
  jsonbuf_separate(b);
  jsonbuf_append(b, tmp, (size_t)n);
}

void jsonbuf_double(jsonbuf *b, double v) {
  char tmp[40];
  if (!isfinite(v)) v = 0; /* JSON has no NaN or infinity; inputs never hold them */
  int n = snprintf(tmp, sizeof tmp, "%.17g", v);
  /* Keep it a real for readers that tell 1 from 1.0, as jansson does. */
  if (!strpbrk(tmp, ".eE")) n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".0");
  jsonbuf_separate(b);
  jsonbuf_append(b, tmp, (size_t)n);
}

void jsonbuf_bool(jsonbuf *b, bool v) {
  jsonbuf_separate(b);
  jsonbuf_append(b, v ? "true" : "false", v ? 4 : 5);
}

void jsonbuf_null(jsonbuf *b) {
  jsonbuf_separate(b);
  jsonbuf_append(b, "null", 4);
}

void jsonbuf_raw_value(jsonbuf *b, const char *s, size_t n) {
  jsonbuf_separate(b);
  jsonbuf_append(b, s, n);
}

void jsonbuf_json(jsonbuf *b, const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_STRING: jsonbuf_string(b, json_string_value(v), json_string_length(v)); return;
    case JSON_INTEGER: jsonbuf_int(b, (int64_t)json_integer_value(v)); return;
    case JSON_REAL: jsonbuf_double(b, json_real_value(v)); return;
    case JSON_TRUE: jsonbuf_bool(b, true); return;
    case JSON_FALSE: jsonbuf_bool(b, false); return;
    case JSON_NULL: jsonbuf_null(b); return;
    default: {
      char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
      if (!text) mem_fail();
      jsonbuf_raw_value(b, text, strlen(text));
      arena_json_free(text);
    }
  }
}
