/* jsonw.h: writing JSON text by hand where building a tree would cost too much (bulk bodies). */
#ifndef SEGSHIP_UTIL_JSONW_H
#define SEGSHIP_UTIL_JSONW_H

#include <stddef.h>

#include "util/buf.h"

/* Appends s[0..n) as a JSON string literal, quotes included (control characters escaped;
 * UTF-8 passed through). Returns 0, or -1 when the buffer is full. */
int jsonw_string(buf *b, const char *s, size_t n);

#endif
