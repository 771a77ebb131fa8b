/* seqindex.h: pointers in the order they were added, for paging: appends are O(1), a removal
 * leaves a hole (found by binary search), and holes are compacted away once they outnumber the
 * live entries. Each entry keeps the sequence number it got when added, so a position can be
 * found again after compaction. */
#ifndef SIM_SEQINDEX_H
#define SIM_SEQINDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct seqindex_entry {
  uint64_t seq;
  void *value; /* NULL: removed */
} seqindex_entry;

/* Ownership: the index owns its array, never the values. */
typedef struct seqindex {
  seqindex_entry *entries; /* increasing seq */
  size_t len, cap;
  size_t count;      /* live entries */
  uint64_t next_seq; /* starts at 1 */
} seqindex;

void seqindex_init(seqindex *ix);
void seqindex_free(seqindex *ix);
/* Appends value (non-NULL) and returns its sequence number. */
uint64_t seqindex_append(seqindex *ix, void *value);
/* Removes the entry of seq (no-op when absent). */
void seqindex_remove(seqindex *ix, uint64_t seq);
/* The position of the first entry whose seq is greater than seq (0 for the start). Iterate with
 * pos < ix->len, skipping entries whose value is NULL. */
size_t seqindex_after(const seqindex *ix, uint64_t seq);

#endif
