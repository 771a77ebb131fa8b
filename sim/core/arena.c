/* arena.c: the request-scoped bump allocator behind jansson. */
#include "arena.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mem.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ENABLED 0
#else
#define ARENA_ENABLED 1
#endif

#define ARENA_BLOCK (256 * 1024)
#define ARENA_KEEP_BLOCKS 4 /* blocks kept across resets: enough for ordinary bodies */

typedef struct arena_block {
  struct arena_block *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
} arena_block;

static arena_block *arena_head;  /* the block being filled; older ones follow */
static arena_block *arena_spare; /* emptied blocks kept for reuse */
static int arena_nspare;

static void *arena_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!arena_head || arena_head->used + n > arena_head->size) {
    size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
    arena_block *b;
    if (size == ARENA_BLOCK && arena_spare) {
      b = arena_spare;
      arena_spare = b->next;
      arena_nspare--;
    } else {
      b = mem_alloc(sizeof *b + size);
      b->size = size;
    }
    b->used = 0;
    if (size == ARENA_BLOCK || !arena_head) {
      b->next = arena_head;
      arena_head = b;
    } else {
      /* A big one-off allocation goes behind the current block, which keeps filling. */
      b->next = arena_head->next;
      arena_head->next = b;
      b->used = n;
      return b->data;
    }
  }
  void *p = arena_head->data + arena_head->used;
  arena_head->used += n;
  return p;
}

static void arena_free(void *p) { (void)p; }

void arena_install(void) {
  if (ARENA_ENABLED) json_set_alloc_funcs(arena_alloc, arena_free);
}

void arena_json_free(void *p) {
  json_malloc_t alloc_fn;
  json_free_t free_fn;
  json_get_alloc_funcs(&alloc_fn, &free_fn);
  free_fn(p);
}

void arena_reset(void) {
  while (arena_head) {
    arena_block *b = arena_head;
    arena_head = b->next;
    if (b->size == ARENA_BLOCK && arena_nspare < ARENA_KEEP_BLOCKS) {
      b->next = arena_spare;
      arena_spare = b;
      arena_nspare++;
    } else {
      free(b);
    }
  }
}

void arena_release(void) {
  arena_reset();
  while (arena_spare) {
    arena_block *b = arena_spare;
    arena_spare = b->next;
    free(b);
  }
  arena_nspare = 0;
  while (arena_head) {
    arena_block *b = arena_head;
    arena_head = b->next;
    free(b);
  }
}
