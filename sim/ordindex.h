/* ordindex.h: an ordered index of pointers by string key (a skip list), for paging by bookmark. */
#ifndef SIM_ORDINDEX_H
#define SIM_ORDINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORDINDEX_MAX_LEVEL 24

typedef struct ordindex_node {
  const char *key; /* borrowed: points into value, which outlives its presence here */
  void *value;
  int level;
  struct ordindex_node *next[]; /* level entries */
} ordindex_node;

/* Ownership: the index owns its nodes, never the keys or values. */
typedef struct ordindex {
  ordindex_node *head; /* sentinel with ORDINDEX_MAX_LEVEL links */
  int level;
  size_t count;
  uint64_t rng; /* for node levels; its sequence does not affect any answer */
} ordindex;

void ordindex_init(ordindex *ix);
void ordindex_free(ordindex *ix);
/* Inserts key (which must not be present yet). */
void ordindex_insert(ordindex *ix, const char *key, void *value);
/* Removes key; returns false when it was absent. */
bool ordindex_remove(ordindex *ix, const char *key);
/* The first node whose key is strictly greater than after (after NULL: the first node), or NULL. */
ordindex_node *ordindex_after(const ordindex *ix, const char *after);
static inline ordindex_node *ordindex_next(const ordindex_node *n) { return n->next[0]; }

#endif
