/* segment.h: segments as users manage them: create, update and delete with their rules checked
 * (unknown attributes, types, cycles), refresh of their membership with broken segments reported
 * while the others refresh, previews, and re-checks after the schema changes. */
#ifndef SEGSHIP_SEGMENT_SEGMENT_H
#define SEGSHIP_SEGMENT_SEGMENT_H

#include "store/segments.h"
#include "store/store.h"

/* The outcome of refreshing one segment. */
typedef struct segment_result {
  char name[STORE_SEGMENT_NAME_MAX + 1];
  bool ok;
  char error[1024];  /* why it could not be refreshed (a broken rule) */
  int64_t members, joined, left, duration_ms;
} segment_result;

/* Checks name and rule (against the schema and the other segments), saves the segment and
 * refreshes its membership; *result tells the member count. */
seg_code segment_create(store *s, const char *name, const char *rule, const char *description, segment_result *result,
                        seg_err *err);
/* Changes a segment's rule, description and/or name (NULL: unchanged). A new rule is checked
 * and the segment, and those that use it, are refreshed (results: *results, *n, freed with
 * free()). Renaming a segment that other segments use is refused. */
seg_code segment_update(store *s, const char *name, const char *rule, const char *description, const char *new_name,
                        segment_result **results, size_t *n, seg_err *err);
/* Deletes a segment; refused, naming the user, when another segment or an export uses it. */
seg_code segment_delete(store *s, const char *name, seg_err *err);
/* Refreshes one segment (and the segments that use it) or, with name NULL, all of them.
 * A segment whose rule no longer compiles is marked broken and reported in its result; the
 * others are refreshed. Returns SEG_OK even then; *results (free()) has one entry per segment. */
seg_code segment_refresh(store *s, const char *name, segment_result **results, size_t *n, seg_err *err);
/* Counts the profiles a rule matches now, without saving anything. */
seg_code segment_preview(store *s, const char *rule, int64_t *count, seg_err *err);
/* Lists up to limit customer ids a rule matches now. */
seg_code segment_preview_ids(store *s, const char *rule, int64_t limit, int (*fn)(const char *id, void *ctx), void *ctx,
                             seg_err *err);
/* Checks every segment's rule against the current schema, marking each broken or sound;
 * *broken is how many are broken. Run after the schema changes. */
seg_code segment_recheck(store *s, int *broken, seg_err *err);

#endif
