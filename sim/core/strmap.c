/* strmap.c: string-keyed hash map with backward-shift deletion (no tombstones). */
#include "strmap.h"

#include <string.h>

#include "mem.h"

/* FNV-1a, 64-bit, then MurmurHash3's finaliser: FNV alone leaves its low bits (the ones a
 * power-of-two table uses) depending only on the low bits of each byte, which clustered the
 * ids and emails of a large account into long probe chains. */
uint64_t strmap_hash(const char *key) {
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

void strmap_init(strmap *m) { memset(m, 0, sizeof *m); }

void strmap_free(strmap *m) {
  free(m->slots);
  memset(m, 0, sizeof *m);
}

static size_t strmap_find(const strmap *m, const char *key, uint64_t h, bool *found) {
  size_t mask = m->cap - 1, i = h & mask;
  for (;;) {
    const strmap_slot *s = &m->slots[i];
    if (!s->key) {
      *found = false;
      return i;
    }
    if (s->hash == h && strcmp(s->key, key) == 0) {
      *found = true;
      return i;
    }
    i = (i + 1) & mask;
  }
}

static void strmap_resize(strmap *m, size_t cap) {
  strmap_slot *old = m->slots;
  size_t old_cap = m->cap;
  m->slots = mem_zalloc(cap * sizeof *m->slots);
  m->cap = cap;
  for (size_t i = 0; i < old_cap; i++) {
    if (!old[i].key) continue;
    size_t j = old[i].hash & (cap - 1);
    while (m->slots[j].key) j = (j + 1) & (cap - 1);
    m->slots[j] = old[i];
  }
  free(old);
}

void strmap_reserve(strmap *m, size_t n) {
  size_t cap = m->cap ? m->cap : 16;
  while ((n + 1) * 2 > cap) cap *= 2;
  if (cap > m->cap) strmap_resize(m, cap);
}

void *strmap_get(const strmap *m, const char *key) {
  if (!m->count) return NULL;
  bool found;
  size_t i = strmap_find(m, key, strmap_hash(key), &found);
  return found ? m->slots[i].value : NULL;
}

void *strmap_put(strmap *m, const char *key, void *value) {
  if ((m->count + 1) * 2 > m->cap) strmap_resize(m, m->cap ? m->cap * 2 : 16);
  uint64_t h = strmap_hash(key);
  bool found;
  size_t i = strmap_find(m, key, h, &found);
  if (found) {
    void *prev = m->slots[i].value;
    m->slots[i].key = key;
    m->slots[i].value = value;
    return prev;
  }
  m->slots[i] = (strmap_slot){key, value, h};
  m->count++;
  return NULL;
}

void *strmap_remove(strmap *m, const char *key) {
  if (!m->count) return NULL;
  bool found;
  size_t mask = m->cap - 1, i = strmap_find(m, key, strmap_hash(key), &found);
  if (!found) return NULL;
  void *value = m->slots[i].value;
  /* Backward shift: pull later entries of the probe run into the hole. */
  size_t hole = i, j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (!m->slots[j].key) break;
    size_t home = m->slots[j].hash & mask;
    /* Entry j may move into the hole unless its home lies cyclically in (hole, j]. */
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (stays) continue;
    m->slots[hole] = m->slots[j];
    hole = j;
  }
  m->slots[hole].key = NULL;
  m->slots[hole].value = NULL;
  m->count--;
  return value;
}

bool strmap_next(const strmap *m, size_t *pos, const strmap_slot **slot) {
  while (*pos < m->cap) {
    const strmap_slot *s = &m->slots[(*pos)++];
    if (s->key) {
      *slot = s;
      return true;
    }
  }
  return false;
}
