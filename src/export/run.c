/* run.c: the export engine, the same for every destination: preconditions, lock, the driver's
 * preparation, plan, the queue of batches through the shared HTTP pipeline, confirmations. */
#include "export/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "destination/destination.h"
#include "export/driver.h"
#include "export/engine.h"
#include "export/plan.h"
#include "export/progress.h"
#include "http/client.h"
#include "store/destinations.h"
#include "store/segments.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/lockfile.h"
#include "util/log.h"
#include "util/text.h"

/* ---- the queue of batches ---- */

void export_batch_free(batch *b) {
  if (!b) return;
  free(b->people);
  free(b->seg);
  free(b);
}

batch *export_batch_new(batch_kind kind, size_t cap) {
  batch *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->kind = kind;
  b->people = malloc((cap ? cap : 1) * sizeof *b->people);
  b->seg = malloc((cap ? cap : 1) * sizeof *b->seg);
  if (!b->people || !b->seg) {
    export_batch_free(b);
    return NULL;
  }
  return b;
}

static int queue_grow(engine *e) {
  size_t cap = e->qcap ? e->qcap * 2 : 64;
  batch **q = malloc(cap * sizeof *q);
  if (!q) return -1;
  for (size_t i = 0; i < e->qn; i++) q[i] = e->queue[(e->qhead + i) % e->qcap];
  free(e->queue);
  e->queue = q;
  e->qcap = cap;
  e->qhead = 0;
  return 0;
}

static int push_back(engine *e, batch *b) {
  if (e->qn == e->qcap && queue_grow(e) != 0) return -1;
  e->queue[(e->qhead + e->qn++) % e->qcap] = b;
  return 0;
}

static int push_front(engine *e, batch *b) {
  if (e->qn == e->qcap && queue_grow(e) != 0) return -1;
  e->qhead = (e->qhead + e->qcap - 1) % e->qcap;
  e->queue[e->qhead] = b;
  e->qn++;
  return 0;
}

static batch *pop_front(engine *e) {
  if (e->qn == 0) return NULL;
  batch *b = e->queue[e->qhead];
  e->qhead = (e->qhead + 1) % e->qcap;
  e->qn--;
  return b;
}


/* ---- requests ---- */

static http_request *next_request(void *ctx, bool *exhausted) {
  engine *e = ctx;
  *exhausted = false;
  if (e->stop) {
    *exhausted = e->in_flight == 0;
    return NULL;
  }
  batch *b = pop_front(e);
  if (!b) {
    *exhausted = e->in_flight == 0;
    return NULL;
  }
  http_request *r = e->driver->build(e, b);
  if (!r) {
    export_batch_free(b);
    e->stop = true;
    e->fatal = SEG_ENOMEM;
    snprintf(e->fatal_msg, sizeof e->fatal_msg, "out of memory building a request");
    *exhausted = e->in_flight == 0;
    return NULL;
  }
  r->user = b;
  e->in_flight++;
  return r;
}


/* ---- confirmations ---- */

static void save_counts(engine *e) {
  const http_stats *st = http_client_stats(e->client);
  e->run->api_calls = st->calls;
  e->run->retries = st->retries;
  e->run->throttled = st->throttled;
}

void export_record_error(engine *e, export_person *p, const char *kind, const char *reason) {
  seg_err ignore;
  store_export_error_add(e->w, p->customer_id, p->email ? p->email : p->old_email, kind, reason, &ignore);
  p->failed = true;
  e->run->rejected++;
}

seg_code export_fail_fatal(engine *e, seg_code code, const char *msg) {
  e->stop = true;
  if (e->fatal == SEG_OK) {
    e->fatal = code;
    text_copy(e->fatal_msg, sizeof e->fatal_msg, msg);
  }
  return code;
}

bool export_confirm_contact(engine *e, export_person *p, const char *cid) {
  seg_err err;
  if (p->upserted) return true;
  if (store_export_confirm_contact(e->w, p->customer_id, p->email, cid, p->hash, &err) != SEG_OK) {
    export_fail_fatal(e, err.code, err.msg);
    return false;
  }
  p->upserted = true;
  if (p->upsert) e->run->contacts_upserted++;
  if (!p->contact_id || strcmp(p->contact_id, cid) != 0) {
    if (p->contact_owned) free(p->contact_id);
    p->contact_id = strdup(cid);
    p->contact_owned = p->contact_id != NULL;
  }
  return true;
}

bool export_confirm_join(engine *e, export_person *p, int seg) {
  seg_err err;
  if (store_export_member_add(e->w, p->customer_id, e->cfg->segment_ids[seg], &err) != SEG_OK) {
    export_fail_fatal(e, err.code, err.msg);
    return false;
  }
  e->run->list_additions++;
  return true;
}

bool export_confirm_leave(engine *e, export_person *p, int seg) {
  seg_err err;
  if (store_export_member_remove(e->w, p->customer_id, e->cfg->segment_ids[seg], &err) != SEG_OK) {
    export_fail_fatal(e, err.code, err.msg);
    return false;
  }
  e->run->list_removals++;
  return true;
}

void export_fail_batch(engine *e, batch *b, http_request *r) {
  char why[320];
  e->driver->describe_failure(r, why, sizeof why);
  bool refused = r->status >= 400 && r->status < 500;
  for (size_t i = 0; i < b->n; i++) {
    char reason[420], what[64] = ""; /* room for what, why and the tail: nothing is cut */
    if (b->kind == B_JOIN) snprintf(what, sizeof what, "adding to a %s: ", e->driver->membership);
    else if (b->kind == B_LEAVE) snprintf(what, sizeof what, "removing from a %s: ", e->driver->membership);
    else if (b->kind == B_RENAME) snprintf(what, sizeof what, "changing the email: ");
    snprintf(reason, sizeof reason, "%s%s%s", what, why, refused ? "" : "; tried again next run");
    export_record_error(e, &e->plan->people[b->people[i]], refused ? "rejected" : "failed", reason);
  }
}

static int item_count(const batch *b) { return (int)b->n; }

static int on_done(void *ctx, http_request *r) {
  engine *e = ctx;
  batch *b = r->user;
  e->in_flight--;
  seg_err err;
  if (r->cancelled) { /* never sent: nothing happened at the destination */
    export_batch_free(b);
    http_request_free(r);
    return 0;
  }
  if (r->status == 401 || r->status == 403) {
    char msg[300];
    snprintf(msg, sizeof msg, "%s rejected the API key: reconnect the destination with 'segship destination rotate-key'",
             e->driver->product);
    export_fail_fatal(e, SEG_EAUTH, msg);
    export_batch_free(b);
    http_request_free(r);
    return 1;
  }
  if (b->n > 1 && e->driver->split(b, r)) {
    /* Split until the refused records are found; the rest is delivered. */
    size_t half = b->n / 2;
    batch *a = export_batch_new(b->kind, half), *c = export_batch_new(b->kind, b->n - half);
    if (!a || !c) {
      export_batch_free(a);
      export_batch_free(c);
      export_fail_fatal(e, SEG_ENOMEM, "out of memory splitting a batch");
    } else {
      memcpy(a->people, b->people, half * sizeof *b->people);
      memcpy(a->seg, b->seg, half * sizeof *b->seg);
      a->n = half;
      memcpy(c->people, b->people + half, (b->n - half) * sizeof *b->people);
      memcpy(c->seg, b->seg + half, (b->n - half) * sizeof *b->seg);
      c->n = b->n - half;
      if (push_front(e, c) != 0 || push_front(e, a) != 0) export_fail_fatal(e, SEG_ENOMEM, "out of memory splitting a batch");
    }
    export_batch_free(b);
    http_request_free(r);
    return 0;
  }
  if (store_tx_begin(e->s, &err) != SEG_OK) {
    export_fail_fatal(e, err.code, err.msg);
    export_batch_free(b);
    http_request_free(r);
    return 1;
  }
  e->driver->read_answer(e, b, r);
  save_counts(e);
  if (e->fatal == SEG_OK && store_export_run_save(e->s, e->run, &err) != SEG_OK) export_fail_fatal(e, err.code, err.msg);
  if (e->fatal == SEG_OK) {
    if (store_tx_commit(e->s, &err) != SEG_OK) export_fail_fatal(e, err.code, err.msg);
  } else {
    store_tx_rollback(e->s);
  }
  export_progress_add(&e->progress, item_count(b));
  export_batch_free(b);
  http_request_free(r);
  return e->stop ? 1 : 0;
}

seg_code export_run_phase(engine *e, seg_err *err) {
  if (e->qn == 0 || e->stop) return SEG_OK;
  seg_code rc = http_run(e->client, next_request, on_done, e, err);
  while (e->qn) export_batch_free(pop_front(e)); /* left when stopped */
  return rc;
}

seg_code export_queue_bulk(engine *e, batch_kind kind, size_t *items_p, int *items_s, size_t n_items, const int *round,
                           seg_err *err) {
  batch *b = NULL;
  int cur_round = -1;
  size_t max = (size_t)e->driver->batch_max;
  for (size_t i = 0; i < n_items; i++) {
    if (!b || b->n == max || round[i] != cur_round) {
      if (b && push_back(e, b) != 0) goto oom;
      b = export_batch_new(kind, max);
      if (!b) goto oom;
      cur_round = round[i];
    }
    b->people[b->n] = items_p[i];
    b->seg[b->n] = items_s[i];
    b->n++;
  }
  if (b && push_back(e, b) != 0) goto oom;
  return SEG_OK;
oom:
  export_batch_free(b);
  return seg_err_set(err, SEG_ENOMEM, "out of memory queuing the batches");
}

seg_code export_queue_single(engine *e, batch_kind kind, size_t person, int seg, seg_err *err) {
  batch *b = export_batch_new(kind, 1);
  if (!b) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  b->people[0] = person;
  b->seg[0] = seg;
  b->n = 1;
  if (push_back(e, b) != 0) {
    export_batch_free(b);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  return SEG_OK;
}

seg_code export_forget_shared(engine *e, seg_err *err) {
  export_plan *pl = e->plan;
  bool any = false;
  for (size_t i = 0; i < pl->n && !any; i++) any = pl->people[i].forget != 0;
  if (!any) return SEG_OK;
  seg_code rc = store_tx_begin(e->s, err);
  if (rc != SEG_OK) return rc;
  for (size_t i = 0; i < pl->n && rc == SEG_OK; i++)
    for (uint64_t b = pl->people[i].forget; b && rc == SEG_OK; b &= b - 1)
      rc = store_export_member_remove(e->w, pl->people[i].customer_id, e->cfg->segment_ids[__builtin_ctzll(b)], err);
  if (rc == SEG_OK) rc = store_tx_commit(e->s, err);
  else store_tx_rollback(e->s);
  return rc;
}

/* ---- the run ---- */

/* The held segment as the destination knows it (an Ortto tag carries the tag prefix), into name. */
static const char *hold_target(char name[256], const store_export_config *c, const export_driver *drv, int k) {
  bool tag = drv && drv->membership && strcmp(drv->membership, "tag") == 0;
  snprintf(name, 256, "%s%s", tag ? c->tag_prefix : "", c->segment_names[k]);
  return name;
}

static int lock_destination(const char *db_path, int64_t id, seg_err *err) {
  char path[1100], holder[32];
  snprintf(path, sizeof path, "%s.export-%lld.lock", db_path, (long long)id);
  int fd = lockfile_take(path, holder, sizeof holder, err);
  if (fd < 0 && err->code == SEG_EBUSY)
    seg_err_set(err, SEG_EBUSY, "this export is already running%s%s%s; this run was skipped", holder[0] ? " (process " : "",
                holder, holder[0] ? ")" : "");
  return fd;
}

static seg_code preconditions(store *s, const store_destination *d, const store_export_config *c, seg_err *err) {
  store_user u;
  if (store_user_get(s, d->export_user, &u, NULL) != SEG_OK)
    return seg_err_set(err, SEG_EAUTH,
                       "the export user '%s' of destination '%s' no longer exists; add them again or set another admin",
                       d->export_user, d->name);
  if (strcmp(u.role, "admin") != 0)
    return seg_err_set(err, SEG_EAUTH, "the export user '%s' of destination '%s' is no longer an admin (now %s)",
                       u.name, d->name, u.role);
  for (size_t i = 0; i < c->n_segments; i++) {
    store_segment g;
    seg_code rc = store_segment_get(s, c->segment_names[i], &g, err);
    if (rc != SEG_OK) return rc;
    if (g.broken)
      rc = seg_err_set(err, SEG_EINVAL, "segment '%s' is broken (%s); fix its rule before exporting", g.name, g.broken);
    else if (g.members < 0)
      rc = seg_err_set(err, SEG_EINVAL, "segment '%s' has never been refreshed; run 'segship segment refresh'", g.name);
    store_segment_free(&g);
    if (rc != SEG_OK) return rc;
  }
  int64_t distinct;
  seg_code rc = store_segments_distinct_members(s, c->segment_ids, c->n_segments, &distinct, err);
  if (rc != SEG_OK) return rc;
  if (distinct > d->max_profiles)
    return seg_err_set(err, SEG_ELIMIT,
                       "the segments of '%s' hold %lld distinct profiles, over its limit of %lld; narrow the segments "
                       "or raise --max-profiles",
                       d->name, (long long)distinct, (long long)d->max_profiles);
  return SEG_OK;
}

seg_code export_run(store *s, const char *db_path, const char *name, const export_options *o, export_report *rep,
                    seg_err *err) {
  memset(rep, 0, sizeof *rep);
  store_destination d;
  seg_code rc = store_destination_get(s, name, &d, err);
  if (rc != SEG_OK) return rc;
  store_export_config cfg;
  if (store_export_config_get(s, d.id, &cfg, NULL) != SEG_OK) {
    store_destination_free(&d);
    return seg_err_set(err, SEG_EINVAL,
                       "destination '%s' is not configured; run 'segship export configure %s --email ATTR --segments A,B'",
                       name, name);
  }
  store_schema sc = {0};
  char *key = NULL;
  int lock = -1;
  engine e = {.s = s, .cfg = &cfg, .run = &rep->run, .destination = &d};
  export_plan plan = {0};
  e.plan = &plan;
  rep->dry_run = o->dry_run;
  rep->n_segments = cfg.n_segments;
  snprintf(rep->membership, sizeof rep->membership, "%s", cfg.membership[0] ? cfg.membership : "list");
  for (size_t i = 0; i < cfg.n_segments; i++) snprintf(rep->segment_names[i], 129, "%s", cfg.segment_names[i]);
  snprintf(rep->run.destination, sizeof rep->run.destination, "%s", d.name);
  rep->run.destination_id = d.id;

  e.driver = export_driver_find(d.type);
  rep->driver = e.driver;
  if (!e.driver) {
    rc = seg_err_set(err, SEG_EINVAL, "destination '%s' is of type '%s', which this segship does not know; upgrade segship",
                     d.name, d.type);
    goto done;
  }
  rc = preconditions(s, &d, &cfg, err);
  if (rc == SEG_OK && !o->dry_run) rc = dest_check_transport(&d, err); /* issue 11: before any connection */
  if (rc == SEG_OK && !o->dry_run) rc = dest_key(s, db_path, &d, &key, err);
  if (rc == SEG_OK) rc = store_schema_load(s, &sc, err);
  if (rc == SEG_OK && !o->dry_run && (lock = lock_destination(db_path, d.id, err)) < 0) rc = err->code;
  if (rc != SEG_OK) goto done;

  if (o->dry_run) {
    store_export_list *known;
    size_t n_known;
    if ((rc = store_export_lists_get(s, d.id, &known, &n_known, err)) != SEG_OK) goto done;
    for (size_t k = 0; k < cfg.n_segments; k++) {
      bool have = false;
      for (size_t j = 0; j < n_known; j++) have |= known[j].segment_id == cfg.segment_ids[k];
      if (!have && strcmp(cfg.membership, "field") != 0) rep->lists_to_create++; /* field mode makes no list */
    }
    free(known);
    if (e.driver->prepare_offline) e.driver->prepare_offline(&e);
    export_plan_input in = {.destination = &d, .config = &cfg, .schema = &sc, .full = o->full, .driver = e.driver,
                            .custom_ids = (const char *const *)e.custom_ids};
    if ((rc = export_plan_build(s, &in, &plan, err)) != SEG_OK) goto done;
    snprintf(rep->run.status, sizeof rep->run.status, "dry-run");
    int held = o->allow_large_removal ? -1 : export_plan_held_list(&plan, cfg.n_segments, cfg.max_removal);
    if (held >= 0) {
      rep->held = true;
      char target[256];
      export_plan_hold_message(&plan, held, hold_target(target, &cfg, e.driver, held), d.name, cfg.max_removal,
                               rep->run.message, sizeof rep->run.message);
    }
    goto report;
  }

  /* The run starts: from here on it has a record, whatever happens. */
  snprintf(rep->run.run_by, sizeof rep->run.run_by, "%s", d.export_user);
  rc = store_export_run_start(s, d.id, d.export_user, o->full, &rep->run.run_id, &rep->interrupted_before, err);
  if (rc != SEG_OK) goto done;
  snprintf(rep->run.status, sizeof rep->run.status, "running");
  rep->run.full = o->full;
  rep->run.started_at = clock_now_ms();
  http_config ac = {.base_url = d.api_url, .key_header = e.driver->key_header, .api_key = key, .rate = d.rate_limit,
                    .windows = d.rate_windows, .throttle_wait_ms = e.driver->throttle_wait_ms, .in_flight = o->in_flight,
                    .max_retries = 5, .timeout_ms = o->timeout_ms, .backoff_ms = o->backoff_ms, .cancel = o->cancel};
  rc = http_client_new(&ac, &e.client, err);
  secret_plain_free(key);
  key = NULL;
  if (rc == SEG_OK) rc = store_export_writer_new(s, d.id, rep->run.run_id, &e.w, err);
  /* The plan comes before any call, from what is stored (--full resends; the confirmed state is
   * kept for removals): the removal guard may hold the run before the destination hears of it. */
  if (rc == SEG_OK && e.driver->prepare_offline) e.driver->prepare_offline(&e);
  export_plan_input in = {.destination = &d, .config = &cfg, .schema = &sc, .full = o->full, .driver = e.driver,
                          .custom_ids = (const char *const *)e.custom_ids};
  if (rc == SEG_OK) rc = export_plan_build(s, &in, &plan, err);
  if (rc == SEG_OK && !o->allow_large_removal) {
    int held = export_plan_held_list(&plan, cfg.n_segments, cfg.max_removal);
    if (held >= 0) {
      rep->held = true;
      char target[256];
      export_plan_hold_message(&plan, held, hold_target(target, &cfg, e.driver, held), d.name, cfg.max_removal,
                               rep->run.message, sizeof rep->run.message);
      rc = seg_err_set(err, SEG_ELIMIT, "%s", rep->run.message);
    }
  }
  if (rc == SEG_OK) {
    /* Now the destination: lists found or created, custom fields resolved. When that changed what
     * the plan rests on (memberships forgotten, a custom field's id), the plan is built again. */
    char *offline_ids[64];
    memcpy(offline_ids, e.custom_ids, sizeof offline_ids);
    memset(e.custom_ids, 0, sizeof e.custom_ids);
    rc = e.driver->prepare(&e, err);
    bool same = !e.replan;
    for (size_t i = 0; i < 64; i++) {
      if ((offline_ids[i] == NULL) != (e.custom_ids[i] == NULL) ||
          (offline_ids[i] && strcmp(offline_ids[i], e.custom_ids[i]) != 0))
        same = false;
      free(offline_ids[i]);
    }
    if (rc == SEG_OK && !same) {
      export_plan_free(&plan);
      memset(&plan, 0, sizeof plan);
      rc = export_plan_build(s, &in, &plan, err);
    }
  }
  if (rc == SEG_OK) {
    /* The skipped records, explained. */
    if ((rc = store_tx_begin(s, err)) == SEG_OK) {
      for (size_t i = 0; i < plan.n_problems && rc == SEG_OK; i++)
        rc = store_export_error_add(e.w, plan.problems[i].customer_id, plan.problems[i].email, plan.problems[i].kind,
                                    plan.problems[i].reason, err);
      if (rc == SEG_OK) rc = store_tx_commit(s, err);
      else store_tx_rollback(s);
    }
  }
  if (rc == SEG_OK) {
    rep->run.profiles = plan.profiles;
    rep->run.invalid = plan.invalid + plan.duplicates;
    rep->run.unchanged = plan.unchanged;
    int64_t work = plan.to_upsert + plan.total_additions + plan.total_removals + plan.field_changes;
    e.progress.notify = o->on_progress;
    e.progress.notify_ctx = o->progress_ctx;
    export_progress_start(&e.progress, o->progress, work, "records");
    rc = e.driver->send(&e, err);
    export_progress_end(&e.progress);
  }
  if (e.client) save_counts(&e);
  /* The outcome. */
  if (e.fatal != SEG_OK) {
    rc = e.fatal;
    seg_err_set(err, rc, "%s", e.fatal_msg);
  }
  if (rc == SEG_ECANCEL || (o->cancel && *o->cancel && rc == SEG_OK)) {
    rc = SEG_ECANCEL;
    snprintf(rep->run.status, sizeof rep->run.status, "cancelled");
    snprintf(rep->run.message, sizeof rep->run.message, "cancelled: the batches in flight finished and were recorded; the next run resumes");
    seg_err_set(err, SEG_ECANCEL, "%s", rep->run.message);
  } else if (rep->held) {
    snprintf(rep->run.status, sizeof rep->run.status, "held");
    rep->run.profiles = plan.profiles;
    rep->run.invalid = plan.invalid + plan.duplicates;
  } else if (rc != SEG_OK) {
    snprintf(rep->run.status, sizeof rep->run.status, "failed");
    text_copy(rep->run.message, sizeof rep->run.message, err->msg);
  } else if (rep->run.rejected > 0) {
    rc = SEG_EPARTIAL;
    snprintf(rep->run.status, sizeof rep->run.status, "partial");
    snprintf(rep->run.message, sizeof rep->run.message,
             "%lld records were not delivered; 'segship export errors %s' lists them; they are tried again next run",
             (long long)rep->run.rejected, d.name);
    seg_err_set(err, SEG_EPARTIAL, "%s", rep->run.message);
  } else {
    snprintf(rep->run.status, sizeof rep->run.status, "succeeded");
  }
  rep->run.finished_at = clock_now_ms();
  {
    seg_err serr;
    if (store_export_run_save(s, &rep->run, &serr) != SEG_OK && rc == SEG_OK) {
      rc = serr.code;
      *err = serr;
    }
  }
report:
  rep->to_upsert = plan.to_upsert;
  rep->renames = plan.renames;
  for (size_t k = 0; k < cfg.n_segments; k++) {
    rep->additions[k] = plan.additions[k];
    rep->removals[k] = plan.removals[k];
    rep->field_ons[k] = plan.field_ons[k];
    rep->field_offs[k] = plan.field_offs[k];
  }
  if (o->dry_run) {
    rep->run.profiles = plan.profiles;
    rep->run.invalid = plan.invalid + plan.duplicates;
    rep->run.unchanged = plan.unchanged;
    rep->run.contacts_upserted = plan.to_upsert;
    rep->run.list_additions = plan.total_additions;
    rep->run.list_removals = plan.total_removals;
    rep->run.field_sets = plan.field_sets;
    rep->run.field_clears = plan.field_clears;
  }
done:
  for (size_t k = 0; k < cfg.n_segments; k++) snprintf(rep->targets[k], sizeof rep->targets[k], "%s", e.targets[k]);
  while (e.qn) export_batch_free(pop_front(&e));
  for (size_t i = 0; i < 64; i++) free(e.custom_ids[i]);
  free(e.queue);
  store_export_writer_free(e.w);
  http_client_free(e.client);
  export_plan_free(&plan);
  secret_plain_free(key);
  if (lock >= 0) close(lock);
  store_schema_free(&sc);
  store_export_config_free(&cfg);
  store_destination_free(&d);
  return rc;
}
