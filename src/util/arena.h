/* arena.h: many small strings that live and die together (a run's plan), in big blocks: no
 * per-string allocation overhead, one free for all. */
#ifndef SEGSHIP_UTIL_ARENA_H
#define SEGSHIP_UTIL_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena {
  arena_block *head;
  size_t used, cap; /* in the head block */
} arena;

void arena_init(arena *a);
/* Frees every block; the arena is empty and reusable. */
void arena_free(arena *a);
/* A copy of s[0..n) plus a NUL, owned by the arena; NULL when memory runs out. */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);

#endif
