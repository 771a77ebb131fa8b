/* arena.c: bump allocation in 64 KiB blocks (larger strings get a block of their own). */
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)

struct arena_block {
  arena_block *next;
  char data[];
};

void arena_init(arena *a) {
  a->head = NULL;
  a->used = a->cap = 0;
}

void arena_free(arena *a) {
  arena_block *b = a->head;
  while (b) {
    arena_block *next = b->next;
    free(b);
    b = next;
  }
  arena_init(a);
}

char *arena_strndup(arena *a, const char *s, size_t n) {
  size_t need = n + 1;
  if (!a->head || a->cap - a->used < need) {
    size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
    arena_block *b = malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->next = a->head;
    a->head = b;
    a->used = 0;
    a->cap = cap;
  }
  char *p = a->head->data + a->used;
  memcpy(p, s, n);
  p[n] = '\0';
  a->used += need;
  return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }
