/* segment.c: the segment lifecycle over the store: checks, cycles, dependents, refresh. */
#include "segment/segment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/rule.h"
#include "store/destinations.h"
#include "util/clock.h"
#include "util/text.h"

/* Everything a rule may refer to: the schema and the saved segments. */
typedef struct world {
  store_schema schema;
  store_segment *all;
  size_t n;
  int64_t now_ms;
} world;

static void world_free(world *w) {
  store_schema_free(&w->schema);
  store_segments_free(w->all, w->n);
  memset(w, 0, sizeof *w);
}

static seg_code world_load(store *s, world *w, seg_err *err) {
  memset(w, 0, sizeof *w);
  w->now_ms = clock_now_ms();
  seg_code rc = store_schema_load(s, &w->schema, err);
  if (rc == SEG_OK) rc = store_segments_list(s, &w->all, &w->n, err);
  if (rc != SEG_OK) world_free(w);
  return rc;
}

static int world_find(const world *w, const char *name) {
  for (size_t i = 0; i < w->n; i++)
    if (text_ieq(w->all[i].name, name)) return (int)i;
  return -1;
}

static seg_code lookup(void *ctx, const char *name, char **rule_text, char *canonical, size_t cap, seg_err *err) {
  const world *w = ctx;
  int i = world_find(w, name);
  if (i < 0) {
    char hint[STORE_SEGMENT_NAME_MAX + 32] = "";
    int best = 4;
    for (size_t k = 0; k < w->n; k++) {
      int d = text_edit_distance(name, w->all[k].name);
      if (d < best) {
        best = d;
        snprintf(hint, sizeof hint, "; did you mean '%s'?", w->all[k].name);
      }
    }
    return seg_err_set(err, SEG_ENOTFOUND, "there is no segment '%s'%s", name, hint);
  }
  *rule_text = strdup(w->all[i].rule);
  if (!*rule_text) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  snprintf(canonical, cap, "%s", w->all[i].name);
  return SEG_OK;
}

static seg_code compile(world *w, const char *rule, const char *self, rule_compiled *out, seg_err *err) {
  return rule_compile(rule, self, &w->schema, lookup, w, w->now_ms, out, err);
}

/* True when the compiled rule refers, directly or not, to segment name. */
static bool uses(const rule_compiled *c, const char *name) {
  for (size_t i = 0; i < c->n_segments; i++)
    if (text_ieq(c->segments[i], name)) return true;
  return false;
}

static seg_code check_name(const char *name, seg_err *err) {
  size_t n = strlen(name);
  if (n == 0) return seg_err_set(err, SEG_EINVAL, "a segment needs a name");
  if (n > STORE_SEGMENT_NAME_MAX)
    return seg_err_set(err, SEG_EINVAL, "a segment name is at most %d bytes", STORE_SEGMENT_NAME_MAX);
  if (!text_utf8_valid(name, n, NULL)) return seg_err_set(err, SEG_EINVAL, "the segment name is not valid UTF-8");
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == ',' || *p == '"')
      return seg_err_set(err, SEG_EINVAL,
                         "a segment name cannot hold commas, double quotes or control characters ('%s'); choose "
                         "another",
                         name);
  if (name[0] == ' ' || name[n - 1] == ' ')
    return seg_err_set(err, SEG_EINVAL, "a segment name cannot start or end with a space");
  return SEG_OK;
}

/* Refreshes the segments whose indexes in w are flagged in want; fills results in name order. */
static seg_code refresh_set(store *s, world *w, const bool *want, segment_result **results, size_t *n_results,
                            seg_err *err) {
  size_t n = 0;
  for (size_t i = 0; i < w->n; i++) n += want[i];
  segment_result *res = calloc(n ? n : 1, sizeof *res);
  rule_compiled *compiled = calloc(n ? n : 1, sizeof *compiled);
  store_refresh_item *items = calloc(n ? n : 1, sizeof *items);
  size_t *item_of = calloc(n ? n : 1, sizeof *item_of);
  if (!res || !compiled || !items || !item_of) {
    free(res);
    free(compiled);
    free(items);
    free(item_of);
    return seg_err_set(err, SEG_ENOMEM, "out of memory refreshing segments");
  }
  seg_code rc = store_tx_begin(s, err);
  size_t k = 0, n_items = 0;
  for (size_t i = 0; i < w->n && rc == SEG_OK; i++) {
    if (!want[i]) continue;
    segment_result *r = &res[k++];
    snprintf(r->name, sizeof r->name, "%s", w->all[i].name);
    seg_err cerr = {0};
    if (compile(w, w->all[i].rule, w->all[i].name, &compiled[n_items], &cerr) != SEG_OK) {
      r->ok = false;
      text_copy(r->error, sizeof r->error, cerr.msg);
      rc = store_segment_set_broken(s, w->all[i].id, cerr.msg, err);
      continue;
    }
    r->ok = true;
    items[n_items].segment_id = w->all[i].id;
    items[n_items].where = rule_where(&compiled[n_items]);
    item_of[n_items] = k - 1;
    n_items++;
  }
  if (rc == SEG_OK) rc = store_segments_refresh(s, items, n_items, err);
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  for (size_t i = 0; i < n_items; i++) {
    segment_result *r = &res[item_of[i]];
    r->members = items[i].members;
    r->joined = items[i].joined;
    r->left = items[i].left;
    r->duration_ms = items[i].duration_ms;
    rule_compiled_free(&compiled[i]);
  }
  free(compiled);
  free(items);
  free(item_of);
  if (rc != SEG_OK) {
    free(res);
    return rc;
  }
  *results = res;
  *n_results = n;
  return SEG_OK;
}

/* Flags segment i and every segment that uses it. */
static seg_code mark_with_dependents(world *w, const char *name, bool *want) {
  for (size_t i = 0; i < w->n; i++) {
    if (text_ieq(w->all[i].name, name)) {
      want[i] = true;
      continue;
    }
    rule_compiled c;
    seg_err ignore;
    if (compile(w, w->all[i].rule, w->all[i].name, &c, &ignore) == SEG_OK) {
      if (uses(&c, name)) want[i] = true;
      rule_compiled_free(&c);
    }
  }
  return SEG_OK;
}

seg_code segment_create(store *s, const char *name, const char *rule, const char *description, segment_result *result,
                        seg_err *err) {
  seg_code rc = check_name(name, err);
  if (rc != SEG_OK) return rc;
  world w;
  if ((rc = world_load(s, &w, err)) != SEG_OK) return rc;
  if (world_find(&w, name) >= 0) {
    world_free(&w);
    return seg_err_set(err, SEG_EEXIST, "a segment named '%s' already exists; choose another name or use 'segment update'",
                       name);
  }
  rule_compiled c;
  if ((rc = compile(&w, rule, name, &c, err)) != SEG_OK) {
    world_free(&w);
    return rc;
  }
  rule_compiled_free(&c);
  world_free(&w);
  if ((rc = store_tx_begin(s, err)) != SEG_OK) return rc;
  int64_t id;
  rc = store_segment_create(s, name, rule, description, &id, err);
  segment_result *res = NULL;
  size_t n = 0;
  if (rc == SEG_OK) rc = world_load(s, &w, err);
  if (rc == SEG_OK) {
    bool *want = calloc(w.n ? w.n : 1, sizeof *want);
    int i = world_find(&w, name);
    if (!want) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
    else if (i >= 0) want[i] = true;
    if (rc == SEG_OK) rc = refresh_set(s, &w, want, &res, &n, err);
    free(want);
    world_free(&w);
  }
  if (rc == SEG_OK && n == 1) *result = res[0];
  free(res);
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}

seg_code segment_update(store *s, const char *name, const char *rule, const char *description, const char *new_name,
                        segment_result **results, size_t *n_results, seg_err *err) {
  *results = NULL;
  *n_results = 0;
  world w;
  seg_code rc = world_load(s, &w, err);
  if (rc != SEG_OK) return rc;
  int self = world_find(&w, name);
  if (self < 0) {
    world_free(&w);
    store_segment g;
    rc = store_segment_get(s, name, &g, err); /* for its message with a suggestion */
    if (rc == SEG_OK) store_segment_free(&g);
    return rc == SEG_OK ? SEG_EINTERNAL : rc;
  }
  char canonical[STORE_SEGMENT_NAME_MAX + 1];
  snprintf(canonical, sizeof canonical, "%s", w.all[self].name);
  int64_t id = w.all[self].id;
  if (new_name && (rc = check_name(new_name, err)) == SEG_OK) {
    int other = world_find(&w, new_name);
    if (other >= 0 && other != self)
      rc = seg_err_set(err, SEG_EEXIST, "a segment named '%s' already exists; choose another name", new_name);
    for (size_t i = 0; i < w.n && rc == SEG_OK; i++) {
      if ((int)i == self) continue;
      rule_compiled c;
      seg_err ignore;
      if (compile(&w, w.all[i].rule, w.all[i].name, &c, &ignore) == SEG_OK) {
        if (uses(&c, canonical))
          rc = seg_err_set(err, SEG_EINVAL, "segment '%s' is used by segment '%s'; change that rule before renaming",
                           canonical, w.all[i].name);
        rule_compiled_free(&c);
      }
    }
  }
  if (rc == SEG_OK && rule) {
    rule_compiled c;
    rc = compile(&w, rule, canonical, &c, err);
    if (rc == SEG_OK) rule_compiled_free(&c);
  }
  world_free(&w);
  if (rc != SEG_OK) return rc;
  if ((rc = store_tx_begin(s, err)) != SEG_OK) return rc;
  rc = store_segment_update(s, id, rule, description, new_name, err);
  if (rc == SEG_OK && (rule || new_name)) {
    if ((rc = world_load(s, &w, err)) == SEG_OK) {
      bool *want = calloc(w.n ? w.n : 1, sizeof *want);
      if (!want) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
      else mark_with_dependents(&w, new_name ? new_name : canonical, want);
      if (rc == SEG_OK) rc = refresh_set(s, &w, want, results, n_results, err);
      free(want);
      world_free(&w);
    }
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else {
    store_tx_rollback(s);
    free(*results);
    *results = NULL;
    *n_results = 0;
  }
  return rc;
}

seg_code segment_delete(store *s, const char *name, seg_err *err) {
  world w;
  seg_code rc = world_load(s, &w, err);
  if (rc != SEG_OK) return rc;
  int self = world_find(&w, name);
  if (self < 0) {
    world_free(&w);
    store_segment g;
    rc = store_segment_get(s, name, &g, err);
    if (rc == SEG_OK) store_segment_free(&g);
    return rc == SEG_OK ? SEG_EINTERNAL : rc;
  }
  for (size_t i = 0; i < w.n && rc == SEG_OK; i++) {
    if ((int)i == self) continue;
    rule_compiled c;
    seg_err ignore;
    if (compile(&w, w.all[i].rule, w.all[i].name, &c, &ignore) == SEG_OK) {
      if (uses(&c, w.all[self].name))
        rc = seg_err_set(err, SEG_EINVAL, "segment '%s' is used by segment '%s'; change or delete that one first",
                         w.all[self].name, w.all[i].name);
      rule_compiled_free(&c);
    }
  }
  char dest[129];
  if (rc == SEG_OK && store_export_using_segment(s, w.all[self].id, dest, sizeof dest, NULL) == SEG_OK)
    rc = seg_err_set(err, SEG_EINVAL,
                     "segment '%s' is exported by destination '%s'; remove it from that export first "
                     "('segship export configure %s --segments ...')",
                     w.all[self].name, dest, dest);
  if (rc == SEG_OK) rc = store_segment_delete(s, w.all[self].id, err);
  world_free(&w);
  return rc;
}

seg_code segment_refresh(store *s, const char *name, segment_result **results, size_t *n, seg_err *err) {
  *results = NULL;
  *n = 0;
  world w;
  seg_code rc = world_load(s, &w, err);
  if (rc != SEG_OK) return rc;
  bool *want = calloc(w.n ? w.n : 1, sizeof *want);
  if (!want) {
    world_free(&w);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  if (name) {
    if (world_find(&w, name) < 0) {
      free(want);
      world_free(&w);
      store_segment g;
      rc = store_segment_get(s, name, &g, err);
      if (rc == SEG_OK) store_segment_free(&g);
      return rc == SEG_OK ? SEG_EINTERNAL : rc;
    }
    mark_with_dependents(&w, w.all[world_find(&w, name)].name, want);
  } else {
    for (size_t i = 0; i < w.n; i++) want[i] = true;
  }
  rc = refresh_set(s, &w, want, results, n, err);
  free(want);
  world_free(&w);
  return rc;
}

seg_code segment_preview(store *s, const char *rule, int64_t *count, seg_err *err) {
  world w;
  seg_code rc = world_load(s, &w, err);
  if (rc != SEG_OK) return rc;
  rule_compiled c;
  if ((rc = compile(&w, rule, NULL, &c, err)) == SEG_OK) {
    store_where where = rule_where(&c);
    rc = store_where_count(s, &where, count, err);
    rule_compiled_free(&c);
  }
  world_free(&w);
  return rc;
}

seg_code segment_preview_ids(store *s, const char *rule, int64_t limit, int (*fn)(const char *id, void *ctx), void *ctx,
                             seg_err *err) {
  world w;
  seg_code rc = world_load(s, &w, err);
  if (rc != SEG_OK) return rc;
  rule_compiled c;
  if ((rc = compile(&w, rule, NULL, &c, err)) == SEG_OK) {
    store_where where = rule_where(&c);
    rc = store_where_each_id(s, &where, limit, fn, ctx, err);
    rule_compiled_free(&c);
  }
  world_free(&w);
  return rc;
}

seg_code segment_recheck(store *s, int *broken, seg_err *err) {
  *broken = 0;
  world w;
  seg_code rc = world_load(s, &w, err);
  if (rc != SEG_OK) return rc;
  for (size_t i = 0; i < w.n && rc == SEG_OK; i++) {
    rule_compiled c;
    seg_err cerr = {0};
    if (compile(&w, w.all[i].rule, w.all[i].name, &c, &cerr) == SEG_OK) {
      rule_compiled_free(&c);
      if (w.all[i].broken) rc = store_segment_set_broken(s, w.all[i].id, NULL, err);
    } else {
      (*broken)++;
      if (!w.all[i].broken || strcmp(w.all[i].broken, cerr.msg) != 0)
        rc = store_segment_set_broken(s, w.all[i].id, cerr.msg, err);
    }
  }
  world_free(&w);
  return rc;
}
