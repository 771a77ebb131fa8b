/* jsonw.c: JSON string literals. */
#include "util/jsonw.h"

#include <string.h>

int jsonw_string(buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (buf_reserve(b, n + 2) != 0) return -1;
  int r = buf_putc(b, '"');
  size_t run = 0; /* bytes that need no escaping, copied in one go */
  for (size_t i = 0; i < n && r == 0; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') {
      run++;
      continue;
    }
    if (run) r |= buf_append(b, s + i - run, run);
    run = 0;
    switch (c) {
      case '"': r |= buf_append(b, "\\\"", 2); break;
      case '\\': r |= buf_append(b, "\\\\", 2); break;
      case '\n': r |= buf_append(b, "\\n", 2); break;
      case '\r': r |= buf_append(b, "\\r", 2); break;
      case '\t': r |= buf_append(b, "\\t", 2); break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        r |= buf_append(b, u, 6);
      }
    }
  }
  if (run && r == 0) r |= buf_append(b, s + n - run, run);
  if (r == 0) r = buf_putc(b, '"');
  return r ? -1 : 0;
}
