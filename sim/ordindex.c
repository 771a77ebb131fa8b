/* ordindex.c: skip list keyed by strcmp order; O(log n) insert, remove and seek. */
#include "ordindex.h"

#include <string.h>

#include "mem.h"

void ordindex_init(ordindex *ix) {
  memset(ix, 0, sizeof *ix);
  ix->head = mem_zalloc(sizeof *ix->head + ORDINDEX_MAX_LEVEL * sizeof(ordindex_node *));
  ix->head->level = ORDINDEX_MAX_LEVEL;
  ix->level = 1;
  ix->rng = 0x9E3779B97F4A7C15ULL;
}

void ordindex_free(ordindex *ix) {
  if (!ix->head) return;
  ordindex_node *n = ix->head->next[0];
  while (n) {
    ordindex_node *next = n->next[0];
    free(n);
    n = next;
  }
  free(ix->head);
  memset(ix, 0, sizeof *ix);
}

static int ordindex_random_level(ordindex *ix) {
  /* xorshift64: one bit pair per level, p = 1/4 */
  uint64_t x = ix->rng;
  x ^= x << 13, x ^= x >> 7, x ^= x << 17;
  ix->rng = x;
  int level = 1;
  while (level < ORDINDEX_MAX_LEVEL && (x & 3) == 0) level++, x >>= 2;
  return level;
}

/* Fills update[i] with the last node at level i whose key is < key. */
static void ordindex_seek(const ordindex *ix, const char *key, ordindex_node **update) {
  ordindex_node *x = ix->head;
  for (int i = ix->level - 1; i >= 0; i--) {
    while (x->next[i] && strcmp(x->next[i]->key, key) < 0) x = x->next[i];
    update[i] = x;
  }
}

void ordindex_insert(ordindex *ix, const char *key, void *value) {
  ordindex_node *update[ORDINDEX_MAX_LEVEL];
  ordindex_seek(ix, key, update);
  int level = ordindex_random_level(ix);
  if (level > ix->level) {
    for (int i = ix->level; i < level; i++) update[i] = ix->head;
    ix->level = level;
  }
  ordindex_node *n = mem_alloc(sizeof *n + (size_t)level * sizeof(ordindex_node *));
  n->key = key;
  n->value = value;
  n->level = level;
  for (int i = 0; i < level; i++) {
    n->next[i] = update[i]->next[i];
    update[i]->next[i] = n;
  }
  ix->count++;
}

bool ordindex_remove(ordindex *ix, const char *key) {
  ordindex_node *update[ORDINDEX_MAX_LEVEL];
  ordindex_seek(ix, key, update);
  ordindex_node *n = update[0]->next[0];
  if (!n || strcmp(n->key, key) != 0) return false;
  for (int i = 0; i < n->level; i++) update[i]->next[i] = n->next[i];
  while (ix->level > 1 && !ix->head->next[ix->level - 1]) ix->level--;
  free(n);
  ix->count--;
  return true;
}

ordindex_node *ordindex_after(const ordindex *ix, const char *after) {
  if (!after) return ix->head->next[0];
  ordindex_node *x = ix->head;
  for (int i = ix->level - 1; i >= 0; i--)
    while (x->next[i] && strcmp(x->next[i]->key, after) <= 0) x = x->next[i];
  return x->next[0];
}
