/* mem.h: allocation that never returns NULL: when memory runs out the simulator stops with a message. */
#ifndef SIM_MEM_H
#define SIM_MEM_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A simulator that cannot allocate cannot answer faithfully either; it exits rather than
 * answering with half-applied state. */
static inline void mem_fail(void) {
  fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
  abort();
}

static inline void *mem_alloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) mem_fail();
  return p;
}

static inline void *mem_zalloc(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p) mem_fail();
  return p;
}

static inline void *mem_realloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) mem_fail();
  return p;
}

/* Returns a malloced copy of s[0..n) plus a terminator; the caller frees it. */
static inline char *mem_strndup(const char *s, size_t n) {
  char *d = mem_alloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static inline char *mem_strdup(const char *s) { return mem_strndup(s, strlen(s)); }

/* Grows *items (of item_size bytes each) so that it holds at least need items. */
static inline void mem_grow(void **items, size_t *cap, size_t need, size_t item_size) {
  if (need <= *cap) return;
  size_t n = *cap ? *cap * 2 : 4;
  while (n < need) n *= 2;
  *items = mem_realloc(*items, n * item_size);
  *cap = n;
}

#endif
