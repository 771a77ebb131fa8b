/* plan.c: desired minus confirmed: emails checked and deduplicated, fields rendered and hashed,
 * joins, leaves, renames and changes decided per person. */
#include "export/plan.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/driver.h"
#include "export/email.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/text.h"

/* A small open-addressing map from normalised email to person index, for duplicates. */
typedef struct email_map {
  char **keys;
  size_t *vals;
  size_t cap, n;
} email_map;

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int map_grow(email_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 1024;
  char **keys = calloc(cap, sizeof *keys);
  size_t *vals = calloc(cap, sizeof *vals);
  if (!keys || !vals) {
    free(keys);
    free(vals);
    return -1;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i]) continue;
    size_t j = hash_str(m->keys[i]) & (cap - 1);
    while (keys[j]) j = (j + 1) & (cap - 1);
    keys[j] = m->keys[i];
    vals[j] = m->vals[i];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return 0;
}

/* Finds key; when absent inserts it with val (key is borrowed: it must outlive the map). */
static int map_find_or_add(email_map *m, char *key, size_t val, size_t *found) {
  if ((m->n + 1) * 2 > m->cap && map_grow(m) != 0) return -1;
  size_t j = hash_str(key) & (m->cap - 1);
  while (m->keys[j]) {
    if (strcmp(m->keys[j], key) == 0) {
      *found = m->vals[j];
      return 1;
    }
    j = (j + 1) & (m->cap - 1);
  }
  m->keys[j] = key;
  m->vals[j] = val;
  m->n++;
  return 0;
}

/* Undoes the insertion of key by a lookup that found nothing (keeps the map to desired emails). */
static void map_remove_last(email_map *m, const char *key) {
  size_t j = hash_str(key) & (m->cap - 1);
  while (m->keys[j] && strcmp(m->keys[j], key) != 0) j = (j + 1) & (m->cap - 1);
  if (!m->keys[j]) return;
  /* backward-shift deletion keeps the probe chains intact */
  m->keys[j] = NULL;
  m->n--;
  size_t k = (j + 1) & (m->cap - 1);
  while (m->keys[k]) {
    char *rk = m->keys[k];
    size_t rv = m->vals[k];
    m->keys[k] = NULL;
    m->n--;
    size_t found;
    map_find_or_add(m, rk, rv, &found);
    k = (k + 1) & (m->cap - 1);
  }
}

static void map_free(email_map *m) {
  free(m->keys);
  free(m->vals);
}

typedef struct builder {
  export_plan *plan;
  const export_plan_input *in;
  int attrs[3 + 64];        /* schema indexes: email, first, last, then mapped fields */
  size_t n_attrs;
  int first_at, last_at;    /* positions in attrs, or -1 */
  email_map emails;
  buf fields;
  seg_code rc;
  seg_err *err;
  size_t confirmed_cursor;
  size_t n_desired;
} builder;

static int add_problem(export_plan *p, const char *customer_id, const char *email, const char *kind,
                       const char *reason) {
  if (p->n_problems == p->cap_problems) {
    size_t cap = p->cap_problems ? p->cap_problems * 2 : 64;
    export_problem *np = realloc(p->problems, cap * sizeof *np);
    if (!np) return -1;
    p->problems = np;
    p->cap_problems = cap;
  }
  export_problem *e = &p->problems[p->n_problems++];
  e->customer_id = arena_strdup(&p->strings, customer_id);
  e->email = arena_strdup(&p->strings, email ? email : "");
  e->kind = kind;
  text_copy(e->reason, sizeof e->reason, reason);
  return 0;
}

static export_person *add_person(export_plan *p) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 1024;
    export_person *np = realloc(p->people, cap * sizeof *np);
    if (!np) return NULL;
    p->people = np;
    p->cap = cap;
  }
  export_person *e = &p->people[p->n++];
  memset(e, 0, sizeof *e);
  return e;
}

static int on_desired(const store_desired_row *row, void *ctx) {
  builder *bd = ctx;
  export_plan *p = bd->plan;
  p->profiles++;
  char email[EXPORT_EMAIL_MAX + 1];
  const char *reason;
  const seg_value *ev = &row->values[0];
  char tmp[64];
  size_t en = 0;
  const char *raw = ev->type == ATTR_NONE ? "" : seg_value_canonical(ev, tmp, sizeof tmp, &en);
  if (!export_email_normalise(raw, en, email, &reason)) {
    char why[200], shown[80];
    snprintf(shown, sizeof shown, "%.*s", (int)text_utf8_prefix(raw, en, 60), raw);
    if (ev->type == ATTR_NONE) snprintf(why, sizeof why, "no email: %s is empty", bd->in->config->email_attr);
    else if (snprintf(why, sizeof why, "invalid email '%s': %s", shown, reason) >= (int)sizeof why) text_utf8_trim_tail(why);
    p->invalid++;
    if (add_problem(p, row->customer_id, shown, "invalid", why) != 0) goto oom;
    return 0;
  }
  export_person *e = add_person(p);
  if (!e) goto oom;
  e->customer_id = arena_strdup(&p->strings, row->customer_id);
  e->email = arena_strdup(&p->strings, email);
  if (!e->customer_id || !e->email) goto oom;
  size_t found;
  int dup = map_find_or_add(&bd->emails, e->email, p->n - 1, &found);
  if (dup < 0) goto oom;
  if (dup == 1) {
    /* One contact per email: the first profile (by id) carries it, with both's segments. */
    export_person *first = &p->people[found];
    first->want |= row->segments;
    char why[256];
    snprintf(why, sizeof why, "shares the email %.*s with profile %.*s, which is exported for both",
             (int)text_utf8_prefix(email, strlen(email), 100), email,
             (int)text_utf8_prefix(first->customer_id, strlen(first->customer_id), 60), first->customer_id);
    p->duplicates++;
    if (add_problem(p, row->customer_id, email, "duplicate", why) != 0) goto oom;
    p->n--; /* its two strings stay in the arena until the plan is freed */
    return 0;
  }
  e->want = row->segments;
  buf_reset(&bd->fields);
  if (bd->fields.failed) goto oom; /* a rendering short of a field is never sent */
  export_render rr = {.config = bd->in->config, .schema = bd->in->schema, .attrs = bd->attrs, .first_at = bd->first_at,
                      .last_at = bd->last_at, .custom_ids = bd->in->custom_ids};
  bd->in->driver->render_fields(&rr, row->values, &bd->fields);
  if (bd->fields.failed) goto oom; /* a rendering short of a field is never sent */
  e->fields = arena_strndup(&p->strings, buf_str(&bd->fields), bd->fields.len);
  if (!e->fields) goto oom;
  crypto_generichash(e->hash, 16, (const unsigned char *)bd->fields.data, bd->fields.len, NULL, 0);
  return 0;
oom:
  bd->rc = seg_err_set(bd->err, SEG_ENOMEM, "out of memory building the plan");
  return 1;
}

static int on_confirmed(const store_confirmed_row *row, void *ctx) {
  builder *bd = ctx;
  export_plan *p = bd->plan;
  /* Both streams are in customer id order: advance the desired cursor to this id. */
  while (bd->confirmed_cursor < bd->n_desired &&
         strcmp(p->people[bd->confirmed_cursor].customer_id, row->customer_id) < 0)
    bd->confirmed_cursor++;
  export_person *e;
  if (bd->confirmed_cursor < bd->n_desired && strcmp(p->people[bd->confirmed_cursor].customer_id, row->customer_id) == 0) {
    e = &p->people[bd->confirmed_cursor];
  } else {
    if (row->segments == 0 && row->fields == 0) return 0; /* confirmed once, in no list now: nothing to do */
    e = add_person(p);
    if (!e) goto oom;
    e->customer_id = arena_strdup(&p->strings, row->customer_id);
    if (!e->customer_id) goto oom;
  }
  e->confirmed = true;
  e->old_email = arena_strdup(&p->strings, row->email);
  e->contact_id = row->contact_id && row->contact_id[0] ? arena_strdup(&p->strings, row->contact_id) : NULL;
  e->have = row->segments;
  e->have_field = row->fields;
  if (!e->old_email) goto oom;
  if (e->email && memcmp(e->hash, row->hash, 16) != 0) e->upsert = true;
  return 0;
oom:
  bd->rc = seg_err_set(bd->err, SEG_ENOMEM, "out of memory building the plan");
  return 1;
}

seg_code export_plan_build(store *s, const export_plan_input *in, export_plan *plan, seg_err *err) {
  memset(plan, 0, sizeof *plan);
  arena_init(&plan->strings);
  const store_export_config *c = in->config;
  const store_schema *sc = in->schema;
  if (c->n_segments > STORE_EXPORT_MAX_SEGMENTS)
    return seg_err_set(err, SEG_EINVAL, "an export holds at most %d segments", STORE_EXPORT_MAX_SEGMENTS);
  if (c->n_fields > 64) return seg_err_set(err, SEG_EINVAL, "an export maps at most 64 fields");
  builder bd = {.plan = plan, .in = in, .err = err, .first_at = -1, .last_at = -1};
  const char *names[3] = {c->email_attr, c->first_name_attr, c->last_name_attr};
  for (int i = 0; i < 3; i++) {
    if (!names[i][0]) {
      bd.attrs[i] = -1;
      continue;
    }
    int k = store_schema_find(sc, names[i]);
    if (k < 0)
      return seg_err_set(err, SEG_EINVAL,
                         "the export reads the attribute '%s', which is no longer in the schema; reconfigure it with "
                         "'segship export configure'",
                         names[i]);
    bd.attrs[i] = k;
  }
  /* attrs as the store reads them: email first, then first and last name, then mapped fields */
  size_t n = 0;
  int order[3 + 64];
  order[n++] = bd.attrs[0];
  if (bd.attrs[1] >= 0) {
    bd.first_at = (int)n;
    order[n++] = bd.attrs[1];
  }
  if (bd.attrs[2] >= 0) {
    bd.last_at = (int)n;
    order[n++] = bd.attrs[2];
  }
  /* mapped fields start at a fixed position (3) so the driver can index them; pad */
  while (n < 3) order[n++] = bd.attrs[0];
  for (size_t i = 0; i < c->n_fields; i++) {
    int k = store_schema_find(sc, c->fields[i].attr);
    if (k < 0)
      return seg_err_set(err, SEG_EINVAL,
                         "the export maps the attribute '%s', which is no longer in the schema; reconfigure it with "
                         "'segship export configure'",
                         c->fields[i].attr);
    order[n++] = k;
  }
  memcpy(bd.attrs, order, n * sizeof *order);
  bd.n_attrs = n;
  buf_init(&bd.fields, 0);
  seg_code rc = store_export_desired_each(s, sc, bd.attrs, bd.n_attrs, c->segment_ids, c->n_segments, on_desired, &bd, err);
  if (rc == SEG_OK) rc = bd.rc;
  bd.n_desired = plan->n;
  if (rc == SEG_OK)
    rc = store_export_confirmed_each(s, in->destination->id, c->segment_ids, c->n_segments, on_confirmed, &bd, err);
  if (rc == SEG_OK) rc = bd.rc;
  buf_free(&bd.fields);
  if (rc != SEG_OK) {
    map_free(&bd.emails);
    export_plan_free(plan);
    return rc;
  }
  /* Decide. */
  bool remove = strcmp(c->on_leave, "remove") == 0;
  /* Membership (issue 13): lists are kept up to date in list and both modes; in field mode they are
   * left as the last list-mode run made them. The fields "In <segment>" are kept in field and both
   * modes; in list mode every field still confirmed true is set false once (a switch back to lists
   * clears them, so no smart segment keeps stale members). */
  bool lists = strcmp(c->membership, "field") != 0, fields = strcmp(c->membership, "list") != 0 && c->membership[0];
  plan->no_lists = !lists;
  plan->target_word = in->driver ? in->driver->membership : NULL;
  plan->fields = fields;
  for (size_t i = 0; i < plan->n; i++) {
    export_person *e = &plan->people[i];
    if (e->email) {
      if (!e->confirmed || in->full) e->upsert = true;
      if (e->confirmed && strcmp(e->email, e->old_email) != 0) {
        e->rename = true;
        e->upsert = true;
      }
      e->joins = !lists ? 0 : in->full ? e->want : e->want & ~e->have;
      e->field_on = !fields ? 0 : in->full ? e->want : e->want & ~e->have_field;
    }
    e->leaves = lists && remove ? e->have & ~e->want : 0;
    e->field_off = fields ? e->have_field & ~e->want : e->have_field;
    if (!e->email && e->old_email) {
      /* Its contact may now be another profile's (two profiles sharing an email): the
       * lists that profile wants stay; only the rest is left. */
      size_t owner;
      if (map_find_or_add(&bd.emails, e->old_email, (size_t)-1, &owner) == 1 && owner != (size_t)-1) {
        uint64_t kept = e->have & plan->people[owner].want;
        e->leaves &= ~kept;
        e->forget = kept;
        e->field_off &= ~(e->have_field & plan->people[owner].want); /* that profile's fields stay true */
        e->shared = true;
      } else {
        map_remove_last(&bd.emails, e->old_email);
      }
    }
    if (e->upsert) plan->to_upsert++;
    if (e->rename) plan->renames++;
    if (e->email && !e->upsert && !e->joins && !e->field_on && !e->field_off) plan->unchanged++;
    plan->field_sets += __builtin_popcountll(e->field_on);
    plan->field_clears += __builtin_popcountll(e->field_off);
    plan->field_changes += __builtin_popcountll(e->field_on) + __builtin_popcountll(e->field_off);
    /* For the guard, a person counts once per segment: in its list or its field, leaving either. */
    uint64_t gone = e->leaves | (fields ? e->field_off : 0), had = (lists ? e->have : 0) | (fields ? e->have_field : 0);
    for (size_t k = 0; k < c->n_segments; k++) {
      if (e->joins & ((uint64_t)1 << k)) plan->additions[k]++, plan->total_additions++;
      if (e->leaves & ((uint64_t)1 << k)) plan->total_removals++, plan->list_leaves[k]++;
      if (fields && (e->field_off & ((uint64_t)1 << k))) plan->field_offs[k]++;
      if (e->field_on & ((uint64_t)1 << k)) plan->field_ons[k]++;
      if (gone & ((uint64_t)1 << k)) plan->removals[k]++;
      if (had & ((uint64_t)1 << k)) plan->confirmed[k]++;
    }
  }
  map_free(&bd.emails);
  return SEG_OK;
}

int export_plan_held_list(const export_plan *plan, size_t n_lists, int max_removal_pct) {
  int held = -1;
  if (max_removal_pct >= 100) return -1;
  for (size_t k = 0; k < n_lists && k < STORE_EXPORT_MAX_SEGMENTS; k++) {
    int64_t have = plan->confirmed[k], gone = plan->removals[k];
    if (have < EXPORT_HOLD_MIN_MEMBERS || gone * 100 <= (int64_t)max_removal_pct * have) continue;
    /* the largest share: gone/have > best_gone/best_have */
    if (held < 0 || gone * plan->confirmed[held] > plan->removals[held] * have) held = (int)k;
  }
  return held;
}

void export_plan_hold_message(const export_plan *plan, int list, const char *list_name, const char *destination,
                              int max_removal_pct, char *out, size_t cap) {
  int64_t have = plan->confirmed[list], gone = plan->removals[list];
  int64_t pct = (gone * 100 + have - 1) / have; /* rounded up: that limit lets the run go */
  char what[400];
  if (plan->no_lists) /* field mode: the field "In <segment>" turned false */
    snprintf(what, sizeof what, "set the field 'In %s' false on %lld of the %lld contacts where it is true", list_name,
             (long long)gone, (long long)have);
  else if (plan->fields) /* both: the list and the field */
    snprintf(what, sizeof what,
             "remove %lld of the %lld confirmed members of the segment '%s' (%lld from its list, %lld with the "
             "field 'In %s' set false)",
             (long long)gone, (long long)have, list_name, (long long)plan->list_leaves[list],
             (long long)plan->field_offs[list], list_name);
  else
    snprintf(what, sizeof what, "remove %lld of the %lld confirmed members of the %s '%s'", (long long)gone,
             (long long)have, plan->target_word ? plan->target_word : "list", list_name);
  snprintf(out, cap,
           "this run would %s (%lld%%), more than the limit of %d%%; nothing was sent. Check the segments and their "
           "source (a truncated file empties them); if the removals are intended, run 'segship export run %s "
           "--allow-large-removal' once, or raise the limit with 'segship export configure %s --max-removal %lld'",
           what, (long long)pct, max_removal_pct, destination, destination, (long long)pct);
}

void export_plan_free(export_plan *plan) {
  for (size_t i = 0; i < plan->n; i++)
    if (plan->people[i].contact_owned) free(plan->people[i].contact_id);
  free(plan->people);
  free(plan->problems);
  arena_free(&plan->strings);
  memset(plan, 0, sizeof *plan);
}
