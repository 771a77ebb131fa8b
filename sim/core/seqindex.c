/* seqindex.c: append-only ordered index with holes and amortised compaction. */
#include "seqindex.h"

#include <string.h>

#include "mem.h"

void seqindex_init(seqindex *ix) {
  memset(ix, 0, sizeof *ix);
  ix->next_seq = 1;
}

void seqindex_free(seqindex *ix) {
  free(ix->entries);
  seqindex_init(ix);
}

uint64_t seqindex_append(seqindex *ix, void *value) {
  mem_grow((void **)&ix->entries, &ix->cap, ix->len + 1, sizeof *ix->entries);
  uint64_t seq = ix->next_seq++;
  ix->entries[ix->len++] = (seqindex_entry){seq, value};
  ix->count++;
  return seq;
}

size_t seqindex_after(const seqindex *ix, uint64_t seq) {
  size_t lo = 0, hi = ix->len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ix->entries[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

void seqindex_remove(seqindex *ix, uint64_t seq) {
  size_t pos = seqindex_after(ix, seq);
  if (pos == 0 || ix->entries[pos - 1].seq != seq || !ix->entries[pos - 1].value) return;
  ix->entries[pos - 1].value = NULL;
  ix->count--;
  /* Compact when holes outnumber live entries: O(len), paid for by at least len/2 removals. */
  if (ix->len - ix->count > ix->count + 64) {
    size_t kept = 0;
    for (size_t i = 0; i < ix->len; i++)
      if (ix->entries[i].value) ix->entries[kept++] = ix->entries[i];
    ix->len = kept;
  }
}
