/* exports.h: the export engine's memory in the store, in one shape for every destination type:
 * per destination, what the destination confirmed (contacts with the email, the destination's
 * contact id and a hash of the fields sent; what each segment is there: an Autopilot list id or an
 * Ortto tag; memberships), the custom fields it created, the runs, and every record a run could
 * not deliver, with its reason. */
#ifndef SEGSHIP_STORE_EXPORTS_H
#define SEGSHIP_STORE_EXPORTS_H

#include "store/store.h"

#define STORE_EXPORT_MAX_SEGMENTS 64 /* segments of one export: a person's lists fit a 64-bit mask */

/* ---- lists ---- */
typedef struct store_export_list {
  int64_t segment_id;
  char list_id[256];
  char title[256];
} store_export_list;

seg_code store_export_lists_get(store *s, int64_t destination_id, store_export_list **out, size_t *n, seg_err *err);
seg_code store_export_list_set(store *s, int64_t destination_id, int64_t segment_id, const char *list_id,
                               const char *title, seg_err *err);
/* What a segment is at the destination, with its kind: "list" (an Autopilot list id) or "tag"
 * (an Ortto tag name). store_export_list_set is the "list" kind. */
seg_code store_export_target_set(store *s, int64_t destination_id, int64_t segment_id, const char *kind,
                                 const char *target, const char *title, seg_err *err);
/* The id a destination gave a custom field created for name (cap bytes); SEG_ENOTFOUND when none. */
seg_code store_export_custom_field_get(store *s, int64_t destination_id, const char *name, char *field_id, size_t cap,
                                       seg_err *err);
seg_code store_export_custom_field_set(store *s, int64_t destination_id, const char *name, const char *field_id,
                                       seg_err *err);
/* The list is gone from Autopilot: forget it and the memberships confirmed in it. */
seg_code store_export_list_forget(store *s, int64_t destination_id, int64_t segment_id, seg_err *err);

/* ---- what the segments want: each profile in them with the attributes asked for ---- */
typedef struct store_desired_row {
  const char *customer_id;
  const seg_value *values;   /* one per attribute asked for (text valid during the call) */
  uint64_t segments;         /* bit i: in segment_ids[i] */
} store_desired_row;
/* Calls fn for each profile in any of the segments (stored membership), in customer id order. */
seg_code store_export_desired_each(store *s, const store_schema *schema, const int *attrs, size_t n_attrs,
                                   const int64_t *segment_ids, size_t n_segments,
                                   int (*fn)(const store_desired_row *row, void *ctx), void *ctx, seg_err *err);

/* ---- what the destination confirmed ---- */
typedef struct store_confirmed_row {
  const char *customer_id;
  const char *email;
  const char *contact_id;
  const uint8_t *hash;       /* 16 bytes */
  uint64_t segments;         /* confirmed memberships, bit i: segment_ids[i] */
  uint64_t fields;           /* confirmed membership fields set true ("In <segment>"), bit i: segment_ids[i] */
} store_confirmed_row;
seg_code store_export_confirmed_each(store *s, int64_t destination_id, const int64_t *segment_ids, size_t n_segments,
                                     int (*fn)(const store_confirmed_row *row, void *ctx), void *ctx, seg_err *err);
/* Forgets everything confirmed for a destination (export run --full starts over). */
seg_code store_export_forget_all(store *s, int64_t destination_id, seg_err *err);

/* ---- runs ---- */
typedef struct store_export_run {
  int64_t run_id, destination_id;
  char destination[129];
  bool destination_removed;
  char status[16];           /* running, succeeded, partial, failed, cancelled, interrupted, held */
  int64_t started_at, finished_at;
  char run_by[65];
  bool full;
  int64_t profiles, contacts_upserted, list_additions, list_removals, unchanged, invalid, rejected;
  int64_t api_calls, retries, throttled;
  int64_t field_sets, field_clears; /* membership fields "In <segment>" set true / false (field, both modes) */
  char message[512];
} store_export_run;

/* Records a new run (status running); any run of this destination still marked running is
 * marked interrupted (the caller holds the destination's run lock). */
seg_code store_export_run_start(store *s, int64_t destination_id, const char *run_by, bool full, int64_t *run_id,
                                int *interrupted, seg_err *err);
/* Saves the run's status, counts and message (finished_at when the status is final). */
seg_code store_export_run_save(store *s, const store_export_run *r, seg_err *err);
seg_code store_export_run_get(store *s, int64_t run_id, store_export_run *out, seg_err *err);
/* The newest runs first; destination_id 0: every destination. */
seg_code store_export_runs_list(store *s, int64_t destination_id, int limit, store_export_run **out, size_t *n,
                                seg_err *err);
seg_code store_export_errors_each(store *s, int64_t run_id,
                                  int (*fn)(const char *customer_id, const char *email, const char *kind,
                                            const char *reason, void *ctx),
                                  void *ctx, seg_err *err);

/* ---- recording confirmations: prepared once per run ---- */
typedef struct store_export_writer store_export_writer;
seg_code store_export_writer_new(store *s, int64_t destination_id, int64_t run_id, store_export_writer **out,
                                 seg_err *err);
void store_export_writer_free(store_export_writer *w);
seg_code store_export_confirm_contact(store_export_writer *w, const char *customer_id, const char *email,
                                      const char *contact_id, const uint8_t hash[16], seg_err *err);
seg_code store_export_member_add(store_export_writer *w, const char *customer_id, int64_t segment_id, seg_err *err);
seg_code store_export_member_remove(store_export_writer *w, const char *customer_id, int64_t segment_id,
                                    seg_err *err);
/* The destination confirmed the contact's membership field of a segment as true (or false). */
seg_code store_export_field_set(store_export_writer *w, const char *customer_id, int64_t segment_id, bool value,
                                seg_err *err);
seg_code store_export_error_add(store_export_writer *w, const char *customer_id, const char *email, const char *kind,
                                const char *reason, seg_err *err);

#endif
