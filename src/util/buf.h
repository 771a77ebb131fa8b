/* buf.h: a growable byte buffer with a size cap; always NUL-terminated for text use. */
#ifndef SEGSHIP_UTIL_BUF_H
#define SEGSHIP_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
  char *data;  /* owned; NULL until the first append */
  size_t len;
  size_t cap;  /* allocated bytes */
  size_t max;  /* the most it may hold (0: no cap) */
  int failed;  /* an append failed since the last init, reset or free: the contents miss a part */
} buf;

/* Initialises an empty buffer that may grow to max bytes (0: unbounded). Allocates nothing. */
void buf_init(buf *b, size_t max);
/* Frees the data and leaves an empty buffer. */
void buf_free(buf *b);
void buf_reset(buf *b);
/* Appends n bytes. Returns 0, or -1 if the cap would be exceeded or memory runs out
 * (the buffer is then unchanged, and b->failed is set until the next init, reset or free, so a
 * builder may append a whole document and check once that nothing was left out). */
int buf_append(buf *b, const void *data, size_t n);
int buf_puts(buf *b, const char *s);
int buf_putc(buf *b, char c);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Ensures room for n more bytes plus the terminator. */
int buf_reserve(buf *b, size_t n);
/* Hands the data to the caller (who frees it) and leaves an empty buffer. Never NULL. */
char *buf_detach(buf *b);
/* Returns the contents as a C string ("" when empty); the buffer keeps ownership. */
const char *buf_str(const buf *b);

#endif
