/* strmap.h: a hash map from NUL-terminated strings to pointers (open addressing, linear probing). */
#ifndef SIM_STRMAP_H
#define SIM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ownership: the map stores the key pointer, not a copy. The key must stay valid and unchanged
 * while it is in the map; usually it points into the value (a contact's id, say). The map never
 * frees keys or values. */
typedef struct strmap_slot {
  const char *key; /* NULL: empty slot */
  void *value;
  uint64_t hash;
} strmap_slot;

typedef struct strmap {
  strmap_slot *slots;
  size_t cap; /* a power of two, or 0 */
  size_t count;
} strmap;

uint64_t strmap_hash(const char *key);
void strmap_init(strmap *m);
/* Frees the table (not the keys or values) and leaves an empty map. */
void strmap_free(strmap *m);
/* Sizes the table for n entries at once, so that filling it needs no resize. */
void strmap_reserve(strmap *m, size_t n);
void *strmap_get(const strmap *m, const char *key);
/* Inserts key or replaces its value; returns the previous value or NULL. */
void *strmap_put(strmap *m, const char *key, void *value);
/* Removes key; returns its value or NULL when absent. */
void *strmap_remove(strmap *m, const char *key);

/* Iteration: for (size_t i = 0; strmap_next(m, &i, &slot);) visits every entry once. The map must
 * not change during the loop. */
bool strmap_next(const strmap *m, size_t *pos, const strmap_slot **slot);

#endif
