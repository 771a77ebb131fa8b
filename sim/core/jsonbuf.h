/* jsonbuf.h: a growable text buffer that writes JSON, used for every response body. */
#ifndef SIM_JSONBUF_H
#define SIM_JSONBUF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The writer puts the commas itself: a value or key written after another one gets a ',' unless
 * it follows '{', '[' or ':'. So callers write keys and values in order and never a separator. */
typedef struct jsonbuf {
  char *data; /* owned; NULL until the first write */
  size_t len;
  size_t cap;
} jsonbuf;

void jsonbuf_init(jsonbuf *b);
/* Empties the buffer but keeps its memory. */
void jsonbuf_reset(jsonbuf *b);
void jsonbuf_free(jsonbuf *b);
/* Hands the text (NUL-terminated, never NULL) to the caller, who frees it; *len gets its length.
 * The buffer is left empty. */
char *jsonbuf_detach(jsonbuf *b, size_t *len);

void jsonbuf_object_open(jsonbuf *b);
void jsonbuf_object_close(jsonbuf *b);
void jsonbuf_array_open(jsonbuf *b);
void jsonbuf_array_close(jsonbuf *b);
void jsonbuf_key(jsonbuf *b, const char *key);
void jsonbuf_string(jsonbuf *b, const char *s, size_t n); /* quoted and escaped */
void jsonbuf_cstring(jsonbuf *b, const char *s);
void jsonbuf_int(jsonbuf *b, int64_t v);
void jsonbuf_double(jsonbuf *b, double v);
void jsonbuf_bool(jsonbuf *b, bool v);
void jsonbuf_null(jsonbuf *b);
/* Writes a jansson value (any type) compactly. */
void jsonbuf_json(jsonbuf *b, const json_t *v);
/* Appends already-formatted JSON text as one value. */
void jsonbuf_raw_value(jsonbuf *b, const char *s, size_t n);

#endif
