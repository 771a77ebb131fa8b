/* segments.h: segments as the store keeps them: name, rule, description, stored membership,
 * and the history of refreshes with who joined and who left. */
#ifndef SEGSHIP_STORE_SEGMENTS_H
#define SEGSHIP_STORE_SEGMENTS_H

#include "store/store.h"

#define STORE_SEGMENT_NAME_MAX 128
#define STORE_HISTORY_KEEP 20 /* refreshes whose joined/left lists are kept, per segment */

typedef struct store_segment {
  int64_t id;
  char name[STORE_SEGMENT_NAME_MAX + 1];
  char *rule;          /* owned */
  char *description;   /* owned, "" when none */
  char *broken;        /* owned: why the rule no longer compiles, or NULL */
  int64_t created_at, updated_at;
  int64_t refreshed_at; /* 0: never */
  int64_t members;      /* as of the last refresh; -1: never refreshed */
} store_segment;

void store_segment_free(store_segment *s);
void store_segments_free(store_segment *list, size_t n);

/* Creates a segment; SEG_EEXIST when the name (case-insensitive) is taken. */
seg_code store_segment_create(store *s, const char *name, const char *rule, const char *description, int64_t *id,
                              seg_err *err);
/* Changes the rule and/or description (NULL: unchanged) and/or the name (NULL: unchanged). */
seg_code store_segment_update(store *s, int64_t id, const char *rule, const char *description, const char *new_name,
                              seg_err *err);
/* Deletes a segment with its membership and history. */
seg_code store_segment_delete(store *s, int64_t id, seg_err *err);
/* Reads the segment named name (case-insensitive); SEG_ENOTFOUND with a suggestion when none. */
seg_code store_segment_get(store *s, const char *name, store_segment *out, seg_err *err);
/* All segments in name order; *list is freed with store_segments_free. */
seg_code store_segments_list(store *s, store_segment **list, size_t *n, seg_err *err);
/* Marks a segment broken (why) or sound again (why NULL). */
seg_code store_segment_set_broken(store *s, int64_t id, const char *why, seg_err *err);

/* One segment to refresh: its compiled rule; the counts are filled in. */
typedef struct store_refresh_item {
  int64_t segment_id;
  store_where where;
  int64_t members, joined, left; /* out */
  int64_t duration_ms;           /* out: its share of the shared scan plus its own writes */
} store_refresh_item;

/* Evaluates every item's rule in one pass over the profiles, then stores each segment's new
 * membership, who joined and who left, and a refresh record; all in one transaction. */
seg_code store_segments_refresh(store *s, store_refresh_item *items, size_t n, seg_err *err);

typedef struct store_segment_refresh {
  int64_t refresh_id, at, members, joined, left, duration_ms;
} store_segment_refresh;
/* The last `limit` refreshes of a segment, newest first (*out freed with free()). */
seg_code store_segment_history(store *s, int64_t id, int limit, store_segment_refresh **out, size_t *n, seg_err *err);
/* Calls fn with the customer id of up to limit members (-1: all) in id order. */
seg_code store_segment_members_each(store *s, int64_t id, int64_t limit, int (*fn)(const char *id, void *ctx),
                                    void *ctx, seg_err *err);
/* Calls fn for each profile that joined (joined=1) or left (0) at refresh refresh_id; a profile
 * deleted since has a NULL customer id. */
seg_code store_segment_changes_each(store *s, int64_t refresh_id, int64_t limit,
                                    int (*fn)(const char *id, int joined, void *ctx), void *ctx, seg_err *err);

#endif
