/* plan.h: what a run must do, before any call: what the segments want the destination to hold,
 * minus what it confirmed in earlier runs; the fields encoded by the destination's driver. */
#ifndef SEGSHIP_EXPORT_PLAN_H
#define SEGSHIP_EXPORT_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "store/destinations.h"
#include "store/exports.h"
#include "store/store.h"
#include "util/arena.h"

/* The plan's strings live in its arena (plan->strings): freed together with the plan. */
typedef struct export_person {
  char *customer_id;
  char *email;         /* normalised; NULL for a person the segments no longer want */
  char *fields;        /* the contact's fields as JSON members, without braces and without Email */
  uint8_t hash[16];    /* of fields */
  uint64_t want;       /* segments (bits of the export's segment list) the person is in */
  /* what the destination confirmed */
  bool confirmed;
  char *old_email;     /* when confirmed */
  char *contact_id;    /* when known (a run may replace it with a malloc'd copy: see contact_owned) */
  bool contact_owned;
  uint64_t have;       /* confirmed list memberships */
  uint64_t have_field; /* confirmed membership fields ("In <segment>") set true */
  /* decisions */
  bool upsert;         /* new, changed, renamed, or --full */
  bool rename;         /* the email changed (Autopilot moves the contact with _NewEmail) */
  uint64_t joins;      /* lists to join */
  uint64_t leaves;     /* lists to leave (--on-leave remove) */
  uint64_t forget;     /* memberships to forget without a call: the contact is now another profile's */
  uint64_t field_on;   /* membership fields to set true (--membership field|both) */
  uint64_t field_off;  /* membership fields to set false: leavers, or every field when the mode is list */
  bool shared;         /* no email wanted, and the old one is now another profile's */
  /* run state */
  bool failed;         /* a call for this person failed: later phases skip it */
  bool upserted;       /* confirmed in this run */
  bool fields_confirmed; /* its membership fields confirmed (and counted) in this run */
} export_person;

typedef struct export_problem {
  char *customer_id, *email; /* in the plan's arena */
  const char *kind;          /* "invalid" or "duplicate" */
  char reason[256];
} export_problem;

typedef struct export_plan {
  arena strings;             /* every string of the plan */
  export_person *people;     /* in customer id order: those the segments want, then those only confirmed */
  size_t n, cap;
  export_problem *problems;
  size_t n_problems, cap_problems;
  int64_t profiles;          /* distinct profiles in the segments */
  int64_t invalid, duplicates, unchanged, to_upsert, renames;
  int64_t additions[STORE_EXPORT_MAX_SEGMENTS], removals[STORE_EXPORT_MAX_SEGMENTS];
  int64_t total_additions, total_removals;
  int64_t field_changes;     /* membership fields set true or false (in the bulk upserts) */
  int64_t field_sets, field_clears; /* of which set true, set false */
  int64_t confirmed[STORE_EXPORT_MAX_SEGMENTS]; /* each list's members as confirmed by earlier runs */
  /* The membership mode (all false: list): how the removal guard's message names what goes. */
  bool no_lists, fields;     /* field: no_lists and fields; both: fields */
  const char *target_word;   /* what a segment is at the destination: "list" (NULL) or "tag" (Ortto) */
  int64_t list_leaves[STORE_EXPORT_MAX_SEGMENTS], field_offs[STORE_EXPORT_MAX_SEGMENTS]; /* of removals[] */
  int64_t field_ons[STORE_EXPORT_MAX_SEGMENTS]; /* each segment's field to set true */
} export_plan;

typedef struct export_plan_input {
  const store_destination *destination;
  const struct export_driver *driver;     /* encodes the fields */
  const char *const *custom_ids;          /* per mapped field: the destination's custom field id, or NULL */
  const store_export_config *config;
  const store_schema *schema;
  bool full;                 /* resend every contact and membership */
} export_plan_input;

/* Builds the plan from the stored memberships and the confirmed state. */
seg_code export_plan_build(store *s, const export_plan_input *in, export_plan *plan, seg_err *err);
void export_plan_free(export_plan *plan);

/* The removal guard (leaves from a list and, in field mode, fields turned false count). A list is held when the plan would remove more than max_removal_pct percent
 * of its confirmed members and those are at least EXPORT_HOLD_MIN_MEMBERS (a small list may
 * change a lot). Returns the held list with the largest share removed (an index among the
 * plan's n_lists lists), or -1 when none is held (always when max_removal_pct >= 100). */
#define EXPORT_HOLD_MIN_MEMBERS 100
int export_plan_held_list(const export_plan *plan, size_t n_lists, int max_removal_pct);

/* The sentence that explains a held run and how to go on, into out (cap bytes): list names
 * the held list (the segment), destination the destination. It names what would go as the plan's
 * mode carries it: members of the list, the field "In <segment>" set false, or both. */
void export_plan_hold_message(const export_plan *plan, int list, const char *list_name, const char *destination,
                              int max_removal_pct, char *out, size_t cap);

#endif
