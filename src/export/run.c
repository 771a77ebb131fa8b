/* run.c: the export run: preconditions, lock, lists, plan, phased sending, confirmations. */
#include "export/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autopilot/api.h"
#include "autopilot/client.h"
#include "destination/destination.h"
#include "export/plan.h"
#include "export/progress.h"
#include "store/destinations.h"
#include "store/segments.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/jsonw.h"
#include "util/lockfile.h"
#include "util/log.h"
#include "util/text.h"

typedef enum { B_RENAME, B_UPSERT, B_JOIN, B_LEAVE } batch_kind;

typedef struct batch {
  batch_kind kind;
  size_t n;
  size_t *people; /* person indexes in the plan */
  int *seg;       /* the segment bit each item joins (or leaves), -1: none */
} batch;

typedef struct engine {
  store *s;
  export_plan *plan;
  const store_export_config *cfg;
  char list_ids[STORE_EXPORT_MAX_SEGMENTS][256];
  store_export_writer *w;
  store_export_run *run;
  ap_client *client;
  batch **queue;  /* a deque: splits go to the front */
  size_t qhead, qn, qcap;
  int in_flight;
  bool stop;
  seg_code fatal;
  char fatal_msg[1024];
  export_progress progress;
  int64_t last_saved;
  bool lists_forgotten; /* resolve_lists forgot a list's memberships: the plan is built again */
} engine;

/* ---- the queue of batches ---- */

static void batch_free(batch *b) {
  if (!b) return;
  free(b->people);
  free(b->seg);
  free(b);
}

static batch *batch_new(batch_kind kind, size_t cap) {
  batch *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->kind = kind;
  b->people = malloc((cap ? cap : 1) * sizeof *b->people);
  b->seg = malloc((cap ? cap : 1) * sizeof *b->seg);
  if (!b->people || !b->seg) {
    batch_free(b);
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

static const char *contact_ref(const export_person *p) {
  if (p->contact_id && p->contact_id[0]) return p->contact_id;
  return p->email ? p->email : p->old_email;
}

static ap_request *build_request(engine *e, batch *b) {
  export_plan *pl = e->plan;
  if (b->kind == B_JOIN || b->kind == B_LEAVE) {
    export_person *p = &pl->people[b->people[0]];
    const char *list = e->list_ids[b->seg[0]];
    return b->kind == B_JOIN ? ap_req_list_add(list, contact_ref(p)) : ap_req_list_remove(list, contact_ref(p));
  }
  buf body;
  buf_init(&body, 0);
  buf_puts(&body, "{\"contacts\":[");
  for (size_t i = 0; i < b->n; i++) {
    export_person *p = &pl->people[b->people[i]];
    buf_puts(&body, i ? ",{\"Email\":" : "{\"Email\":");
    if (b->kind == B_RENAME) {
      jsonw_string(&body, p->old_email, strlen(p->old_email));
      buf_puts(&body, ",\"_NewEmail\":");
    }
    jsonw_string(&body, p->email, strlen(p->email));
    if (p->fields[0]) {
      buf_putc(&body, ',');
      buf_puts(&body, p->fields);
    }
    if (b->seg[i] >= 0) {
      buf_puts(&body, ",\"_autopilot_list\":");
      jsonw_string(&body, e->list_ids[b->seg[i]], strlen(e->list_ids[b->seg[i]]));
    }
    buf_putc(&body, '}');
  }
  buf_puts(&body, "]}");
  return ap_request_new(AP_POST, "/contacts", buf_detach(&body));
}

static ap_request *next_request(void *ctx, bool *exhausted) {
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
  ap_request *r = build_request(e, b);
  if (!r) {
    batch_free(b);
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
  const ap_stats *st = ap_client_stats(e->client);
  e->run->api_calls = st->calls;
  e->run->retries = st->retries;
  e->run->throttled = st->throttled;
}

static void record_error(engine *e, export_person *p, const char *kind, const char *reason) {
  seg_err ignore;
  store_export_error_add(e->w, p->customer_id, p->email ? p->email : p->old_email, kind, reason, &ignore);
  p->failed = true;
  e->run->rejected++;
}

static seg_code fail_fatal(engine *e, seg_code code, const char *msg) {
  e->stop = true;
  if (e->fatal == SEG_OK) {
    e->fatal = code;
    snprintf(e->fatal_msg, sizeof e->fatal_msg, "%s", msg);
  }
  return code;
}

static int item_count(const batch *b) { return (int)b->n; }

static void on_upsert_ok(engine *e, batch *b, ap_request *r) {
  json_t *map = NULL;
  seg_err perr;
  if (ap_parse_upsert(r, &map, &perr) != SEG_OK) {
    /* A 200 with a body we cannot read: nothing is known to be saved. */
    for (size_t i = 0; i < b->n; i++)
      record_error(e, &e->plan->people[b->people[i]], "failed", "Autopilot's answer could not be read; tried again next run");
    return;
  }
  seg_err err;
  for (size_t i = 0; i < b->n; i++) {
    export_person *p = &e->plan->people[b->people[i]];
    json_t *id = json_object_get(map, p->email);
    if (!json_is_string(id)) {
      record_error(e, p, "rejected", "Autopilot did not save this contact (it is missing from email_contact_map)");
      continue;
    }
    const char *cid = json_string_value(id);
    if (!p->upserted) {
      if (store_export_confirm_contact(e->w, p->customer_id, p->email, cid, p->hash, &err) != SEG_OK) {
        fail_fatal(e, err.code, err.msg);
        break;
      }
      p->upserted = true;
      if (p->upsert) e->run->contacts_upserted++;
      if (!p->contact_id || strcmp(p->contact_id, cid) != 0) {
        if (p->contact_owned) free(p->contact_id);
        p->contact_id = strdup(cid);
        p->contact_owned = p->contact_id != NULL;
      }
    }
    if (b->seg[i] >= 0) {
      if (store_export_member_add(e->w, p->customer_id, e->cfg->segment_ids[b->seg[i]], &err) != SEG_OK) {
        fail_fatal(e, err.code, err.msg);
        break;
      }
      e->run->list_additions++;
    }
  }
  json_decref(map);
}

static int on_done(void *ctx, ap_request *r) {
  engine *e = ctx;
  batch *b = r->user;
  e->in_flight--;
  seg_err err;
  if (r->cancelled) { /* never sent: nothing happened in Autopilot */
    batch_free(b);
    ap_request_free(r);
    return 0;
  }
  if (r->status == 401 || r->status == 403) {
    fail_fatal(e, SEG_EAUTH, "Autopilot rejected the API key: reconnect the destination with 'segship destination rotate-key'");
    batch_free(b);
    ap_request_free(r);
    return 1;
  }
  if ((r->status == 400 || r->status == 413 || r->status == 422) && (b->kind == B_UPSERT || b->kind == B_RENAME) && b->n > 1) {
    /* Split until the refused records are found; the rest is delivered. */
    size_t half = b->n / 2;
    batch *a = batch_new(b->kind, half), *c = batch_new(b->kind, b->n - half);
    if (!a || !c) {
      batch_free(a);
      batch_free(c);
      fail_fatal(e, SEG_ENOMEM, "out of memory splitting a batch");
    } else {
      memcpy(a->people, b->people, half * sizeof *b->people);
      memcpy(a->seg, b->seg, half * sizeof *b->seg);
      a->n = half;
      memcpy(c->people, b->people + half, (b->n - half) * sizeof *b->people);
      memcpy(c->seg, b->seg + half, (b->n - half) * sizeof *b->seg);
      c->n = b->n - half;
      if (push_front(e, c) != 0 || push_front(e, a) != 0) fail_fatal(e, SEG_ENOMEM, "out of memory splitting a batch");
    }
    batch_free(b);
    ap_request_free(r);
    return 0;
  }
  if (store_tx_begin(e->s, &err) != SEG_OK) {
    fail_fatal(e, err.code, err.msg);
    batch_free(b);
    ap_request_free(r);
    return 1;
  }
  char why[320];
  if (r->status >= 200 && r->status < 300) {
    if (b->kind == B_UPSERT || b->kind == B_RENAME) {
      on_upsert_ok(e, b, r);
    } else {
      export_person *p = &e->plan->people[b->people[0]];
      int64_t seg = e->cfg->segment_ids[b->seg[0]];
      seg_code rc = b->kind == B_JOIN ? store_export_member_add(e->w, p->customer_id, seg, &err)
                                      : store_export_member_remove(e->w, p->customer_id, seg, &err);
      if (rc != SEG_OK) fail_fatal(e, err.code, err.msg);
      else if (b->kind == B_JOIN) e->run->list_additions++;
      else e->run->list_removals++;
    }
  } else if (r->status == 404 && b->kind == B_LEAVE) {
    /* Not in the list (or no such contact): it is not a member, as wanted. */
    export_person *p = &e->plan->people[b->people[0]];
    if (store_export_member_remove(e->w, p->customer_id, e->cfg->segment_ids[b->seg[0]], &err) != SEG_OK)
      fail_fatal(e, err.code, err.msg);
    else e->run->list_removals++;
  } else {
    ap_describe_failure(r, why, sizeof why);
    bool refused = r->status >= 400 && r->status < 500;
    for (size_t i = 0; i < b->n; i++) {
      char reason[400];
      const char *what = b->kind == B_JOIN ? "adding to a list: " : b->kind == B_LEAVE ? "removing from a list: "
                         : b->kind == B_RENAME ? "changing the email: " : "";
      snprintf(reason, sizeof reason, "%s%s%s", what, why, refused ? "" : "; tried again next run");
      record_error(e, &e->plan->people[b->people[i]], refused ? "rejected" : "failed", reason);
    }
  }
  save_counts(e);
  if (e->fatal == SEG_OK && store_export_run_save(e->s, e->run, &err) != SEG_OK) fail_fatal(e, err.code, err.msg);
  if (e->fatal == SEG_OK) {
    if (store_tx_commit(e->s, &err) != SEG_OK) fail_fatal(e, err.code, err.msg);
  } else {
    store_tx_rollback(e->s);
  }
  export_progress_add(&e->progress, item_count(b));
  batch_free(b);
  ap_request_free(r);
  return e->stop ? 1 : 0;
}

/* Runs the queued batches to the end (or the stop). */
static seg_code run_phase(engine *e, seg_err *err) {
  if (e->qn == 0 || e->stop) return SEG_OK;
  seg_code rc = ap_run(e->client, next_request, on_done, e, err);
  while (e->qn) batch_free(pop_front(e)); /* left when stopped */
  return rc;
}

/* Queues bulk batches: each round holds at most one item per person, so no email repeats in a
 * call; a new batch starts with each round. */
static seg_code queue_bulk(engine *e, batch_kind kind, size_t *items_p, int *items_s, size_t n_items, const int *round,
                           seg_err *err) {
  batch *b = NULL;
  int cur_round = -1;
  for (size_t i = 0; i < n_items; i++) {
    if (!b || b->n == AP_BULK_MAX || round[i] != cur_round) {
      if (b && push_back(e, b) != 0) goto oom;
      b = batch_new(kind, AP_BULK_MAX);
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
  batch_free(b);
  return seg_err_set(err, SEG_ENOMEM, "out of memory queuing the batches");
}

static seg_code queue_single(engine *e, batch_kind kind, size_t person, int seg, seg_err *err) {
  batch *b = batch_new(kind, 1);
  if (!b) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  b->people[0] = person;
  b->seg[0] = seg;
  b->n = 1;
  if (push_back(e, b) != 0) {
    batch_free(b);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  return SEG_OK;
}

static int bit_count(uint64_t v) { return __builtin_popcountll(v); }

/* ---- the phases ---- */

/* Does Autopilot add an existing contact to the list named in _autopilot_list? Its documentation
 * only promises it for contacts the call creates. Asked once per destination, with one real join:
 * upsert that contact with the list, then look whether it is a member. Returns 1 (it does, as
 * recorded before), 2 (it does, and this probe delivered the join), 0 (it does not: joins go one
 * membership call each), or -1 (no verdict: take the safe way). */
static int probe_list_field(engine *e, int64_t destination_id, size_t person, int seg, seg_err *err) {
  char key[64], verdict[32];
  snprintf(key, sizeof key, "list_field:%lld", (long long)destination_id);
  if (store_meta_get(e->s, key, verdict, sizeof verdict, NULL) == SEG_OK) return strcmp(verdict, "always") == 0;
  export_person *p = &e->plan->people[person];
  batch one = {.kind = B_UPSERT, .n = 1, .people = &person, .seg = &seg};
  ap_request *r = build_request(e, &one);
  if (!r) return -1;
  int result = -1;
  json_t *map = NULL;
  if (ap_call(e->client, r, err) == SEG_OK && r->status == 200 && ap_parse_upsert(r, &map, err) == SEG_OK) {
    json_t *id = json_object_get(map, p->email);
    if (json_is_string(id)) {
      const char *cid = json_string_value(id);
      ap_request *check = ap_req_list_member(e->list_ids[seg], cid);
      if (check && ap_call(e->client, check, err) == SEG_OK) {
        if (check->status == 200) result = 1;
        else if (check->status == 404) result = 0;
      }
      ap_request_free(check);
      seg_err werr;
      if (store_tx_begin(e->s, &werr) == SEG_OK) {
        seg_code rc = SEG_OK;
        if (!p->upserted) rc = store_export_confirm_contact(e->w, p->customer_id, p->email, cid, p->hash, &werr);
        if (rc == SEG_OK && result == 1) rc = store_export_member_add(e->w, p->customer_id, e->cfg->segment_ids[seg], &werr);
        if (rc == SEG_OK && result >= 0) rc = store_meta_set(e->s, key, result ? "always" : "create-only", &werr);
        if (rc == SEG_OK && store_tx_commit(e->s, &werr) == SEG_OK) {
          if (!p->upserted && p->upsert) e->run->contacts_upserted++;
          p->upserted = true;
          if (result == 1) e->run->list_additions++;
        } else if (rc != SEG_OK) {
          store_tx_rollback(e->s);
          result = -1;
        }
      }
    }
  }
  json_decref(map);
  ap_request_free(r);
  if (result == 1) result = 2;
  if (result == 0)
    log_event(LOG_WARN, "export.list_field.create_only",
              "Autopilot does not add existing contacts to a list through _autopilot_list; they join with one call "
              "each (--list-membership per-contact says so up front)");
  return result;
}

/* The order of the calls: moved emails first (so that no later call creates a second contact);
 * then one upsert per new or changed contact, a new contact carrying its first list in the same
 * bulk call; then the other list joins, in bulk calls when Autopilot applies _autopilot_list to
 * existing contacts, else one membership call each; then removals from lists. */
static seg_code send_all(engine *e, bool per_contact, int64_t destination_id, seg_err *err) {
  export_plan *pl = e->plan;
  size_t cap = 0;
  for (size_t i = 0; i < pl->n; i++) cap += 1 + (size_t)bit_count(pl->people[i].joins);
  size_t *ip = malloc((cap + 1) * sizeof *ip);
  int *is = malloc((cap + 1) * sizeof *is), *ir = malloc((cap + 1) * sizeof *ir);
  uint64_t *pend = calloc(pl->n + 1, sizeof *pend);
  if (!ip || !is || !ir || !pend) {
    free(ip);
    free(is);
    free(ir);
    free(pend);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  seg_code rc = SEG_OK;
  size_t n = 0;
  for (size_t i = 0; i < pl->n; i++)
    if (pl->people[i].rename) ip[n] = i, is[n] = -1, ir[n] = 0, n++;
  rc = queue_bulk(e, B_RENAME, ip, is, n, ir, err);
  if (rc == SEG_OK) rc = run_phase(e, err);

  if (rc == SEG_OK && !e->stop) {
    n = 0;
    for (size_t i = 0; i < pl->n; i++) {
      export_person *p = &pl->people[i];
      if (p->failed || !p->email) continue;
      pend[i] = p->joins;
      if (!p->confirmed) {
        int first = -1;
        if (!per_contact && pend[i]) {
          first = __builtin_ctzll(pend[i]);
          pend[i] &= pend[i] - 1;
        }
        ip[n] = i, is[n] = first, ir[n] = 0, n++;
      } else if (p->upsert && !p->rename) {
        ip[n] = i, is[n] = -1, ir[n] = 0, n++;
      }
    }
    rc = queue_bulk(e, B_UPSERT, ip, is, n, ir, err);
    if (rc == SEG_OK) rc = run_phase(e, err);
  }

  if (rc == SEG_OK && !e->stop) {
    n = 0;
    int max_round = 0;
    for (size_t i = 0; i < pl->n; i++) {
      if (pl->people[i].failed) continue;
      int r = 0;
      for (uint64_t b = pend[i]; b; b &= b - 1) ip[n] = i, is[n] = __builtin_ctzll(b), ir[n] = r++, n++;
      if (r > max_round) max_round = r;
    }
    int bulk = 0;
    if (n && !per_contact) {
      bulk = probe_list_field(e, destination_id, ip[0], is[0], err);
      if (bulk == 2) { /* the probe delivered the first join */
        memmove(ip, ip + 1, (n - 1) * sizeof *ip);
        memmove(is, is + 1, (n - 1) * sizeof *is);
        memmove(ir, ir + 1, (n - 1) * sizeof *ir);
        n--;
      }
    }
    if (bulk >= 1) {
      size_t *op = malloc((n + 1) * sizeof *op);
      int *os = malloc((n + 1) * sizeof *os), *orr = malloc((n + 1) * sizeof *orr);
      if (!op || !os || !orr) {
        rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
      } else {
        size_t k = 0;
        for (int r = 0; r < max_round; r++) /* by round: no email twice in one call */
          for (size_t i = 0; i < n; i++)
            if (ir[i] == r) op[k] = ip[i], os[k] = is[i], orr[k] = r, k++;
        rc = queue_bulk(e, B_UPSERT, op, os, k, orr, err);
      }
      free(op);
      free(os);
      free(orr);
    } else {
      for (size_t i = 0; i < n && rc == SEG_OK; i++) rc = queue_single(e, B_JOIN, ip[i], is[i], err);
    }
    if (rc == SEG_OK) rc = run_phase(e, err);
  }

  if (rc == SEG_OK && !e->stop) {
    /* Memberships now carried by another profile with the same email: forgotten, no call. */
    bool any = false;
    for (size_t i = 0; i < pl->n && !any; i++) any = pl->people[i].forget != 0;
    if (any && (rc = store_tx_begin(e->s, err)) == SEG_OK) {
      for (size_t i = 0; i < pl->n && rc == SEG_OK; i++)
        for (uint64_t b = pl->people[i].forget; b && rc == SEG_OK; b &= b - 1)
          rc = store_export_member_remove(e->w, pl->people[i].customer_id, e->cfg->segment_ids[__builtin_ctzll(b)], err);
      if (rc == SEG_OK) rc = store_tx_commit(e->s, err);
      else store_tx_rollback(e->s);
    }
    for (size_t i = 0; i < pl->n && rc == SEG_OK; i++)
      for (uint64_t b = pl->people[i].leaves; b && rc == SEG_OK; b &= b - 1)
        rc = queue_single(e, B_LEAVE, i, __builtin_ctzll(b), err);
    if (rc == SEG_OK) rc = run_phase(e, err);
  }
  free(ip);
  free(is);
  free(ir);
  free(pend);
  return rc;
}

/* ---- lists ---- */

typedef struct title_find {
  const char *title;
  char id[256];
  const char *want_id;
  bool id_seen;
} title_find;

static int find_list(const char *title, const char *id, void *ctx) {
  title_find *f = ctx;
  if (f->want_id && strcmp(id, f->want_id) == 0) f->id_seen = true;
  if (!f->id[0] && strcmp(title, f->title) == 0) snprintf(f->id, sizeof f->id, "%s", id);
  return 0;
}

/* Finds each segment's list (by the id kept, else by title) or creates it; a list deleted in
 * Autopilot since the last run is recreated and its memberships forgotten, so it is refilled. */
static seg_code resolve_lists(engine *e, int64_t destination_id, seg_err *err) {
  store_export_list *known;
  size_t n_known;
  seg_code rc = store_export_lists_get(e->s, destination_id, &known, &n_known, err);
  if (rc != SEG_OK) return rc;
  ap_request *lists = ap_req_lists();
  if (!lists) {
    free(known);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  rc = ap_call(e->client, lists, err);
  char why[320];
  if (rc == SEG_OK && lists->status != 200) {
    ap_describe_failure(lists, why, sizeof why);
    rc = seg_err_set(err, lists->status == 401 || lists->status == 403 ? SEG_EAUTH : SEG_EHTTP, "%s",
                     lists->status == 401 || lists->status == 403
                         ? "Autopilot rejected the API key: reconnect the destination with 'segship destination rotate-key'"
                         : why);
  }
  for (size_t k = 0; k < e->cfg->n_segments && rc == SEG_OK; k++) {
    const char *title = e->cfg->segment_names[k];
    const char *kept = NULL;
    for (size_t j = 0; j < n_known; j++)
      if (known[j].segment_id == e->cfg->segment_ids[k]) kept = known[j].list_id;
    title_find f = {.title = title, .want_id = kept};
    if ((rc = ap_parse_lists(lists, find_list, &f, err)) != SEG_OK) break;
    if (kept && f.id_seen) {
      snprintf(e->list_ids[k], sizeof e->list_ids[k], "%s", kept);
      continue;
    }
    if (kept) {
      log_event(LOG_WARN, "export.list.recreated", "the list of segment '%s' is gone from Autopilot; it is recreated and refilled", title);
      if ((rc = store_export_list_forget(e->s, destination_id, e->cfg->segment_ids[k], err)) != SEG_OK) break;
      e->lists_forgotten = true;
    }
    if (!f.id[0]) {
      ap_request *cr = ap_req_list_create(title);
      if (!cr) {
        rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
        break;
      }
      rc = ap_call(e->client, cr, err);
      if (rc == SEG_OK && cr->status == 200) {
        rc = ap_parse_list_created(cr, f.id, sizeof f.id, err);
      } else if (rc == SEG_OK && cr->status == 409) {
        /* made meanwhile by someone else: find it by its title */
        ap_request *again = ap_req_lists();
        if (again && ap_call(e->client, again, err) == SEG_OK && again->status == 200)
          ap_parse_lists(again, find_list, &f, err);
        ap_request_free(again);
        if (!f.id[0]) rc = seg_err_set(err, SEG_EHTTP, "Autopilot says the list '%s' exists but does not list it", title);
      } else if (rc == SEG_OK) {
        ap_describe_failure(cr, why, sizeof why);
        rc = seg_err_set(err, cr->status == 401 ? SEG_EAUTH : SEG_EHTTP, "creating the list '%s': %s", title, why);
      }
      ap_request_free(cr);
      if (rc != SEG_OK) break;
      e->run->api_calls++;
    }
    snprintf(e->list_ids[k], sizeof e->list_ids[k], "%s", f.id);
    rc = store_export_list_set(e->s, destination_id, e->cfg->segment_ids[k], f.id, title, err);
  }
  ap_request_free(lists);
  free(known);
  return rc;
}

/* ---- the run ---- */

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
  engine e = {.s = s, .cfg = &cfg, .run = &rep->run};
  export_plan plan = {0};
  e.plan = &plan;
  rep->dry_run = o->dry_run;
  rep->n_segments = cfg.n_segments;
  for (size_t i = 0; i < cfg.n_segments; i++) snprintf(rep->segment_names[i], 129, "%s", cfg.segment_names[i]);
  snprintf(rep->run.destination, sizeof rep->run.destination, "%s", d.name);
  rep->run.destination_id = d.id;

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
      if (!have) rep->lists_to_create++;
    }
    free(known);
    export_plan_input in = {.destination = &d, .config = &cfg, .schema = &sc, .full = o->full};
    if ((rc = export_plan_build(s, &in, &plan, err)) != SEG_OK) goto done;
    snprintf(rep->run.status, sizeof rep->run.status, "dry-run");
    int held = o->allow_large_removal ? -1 : export_plan_held_list(&plan, cfg.n_segments, cfg.max_removal);
    if (held >= 0) {
      rep->held = true;
      export_plan_hold_message(&plan, held, cfg.segment_names[held], d.name, cfg.max_removal, rep->run.message,
                               sizeof rep->run.message);
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
  ap_config ac = {.base_url = d.api_url, .api_key = key, .rate = d.rate_limit, .in_flight = o->in_flight,
                  .max_retries = 5, .timeout_ms = o->timeout_ms, .backoff_ms = o->backoff_ms, .cancel = o->cancel};
  rc = ap_client_new(&ac, &e.client, err);
  secret_plain_free(key);
  key = NULL;
  if (rc == SEG_OK) rc = store_export_writer_new(s, d.id, rep->run.run_id, &e.w, err);
  if (rc == SEG_OK && o->full) rc = SEG_OK; /* --full resends; the confirmed state is kept for removals */
  if (rc == SEG_OK) { /* the plan comes before any call: the removal guard below may hold the run */
    export_plan_input in = {.destination = &d, .config = &cfg, .schema = &sc, .full = o->full};
    rc = export_plan_build(s, &in, &plan, err);
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
  if (rc == SEG_OK && !o->allow_large_removal) {
    int held = export_plan_held_list(&plan, cfg.n_segments, cfg.max_removal);
    if (held >= 0) {
      rep->held = true;
      export_plan_hold_message(&plan, held, cfg.segment_names[held], d.name, cfg.max_removal, rep->run.message,
                               sizeof rep->run.message);
      rc = seg_err_set(err, SEG_ELIMIT, "%s", rep->run.message);
    }
  }
  if (rc == SEG_OK) rc = resolve_lists(&e, d.id, err);
  if (rc == SEG_OK && e.lists_forgotten) { /* a recreated list is refilled: plan again without its memberships */
    export_plan_free(&plan);
    export_plan_input in = {.destination = &d, .config = &cfg, .schema = &sc, .full = o->full};
    rc = export_plan_build(s, &in, &plan, err);
  }
  if (rc == SEG_OK) {
    rep->run.profiles = plan.profiles;
    rep->run.invalid = plan.invalid + plan.duplicates;
    rep->run.unchanged = plan.unchanged;
    int64_t work = plan.to_upsert + plan.total_additions + plan.total_removals;
    e.progress.notify = o->on_progress;
    e.progress.notify_ctx = o->progress_ctx;
    export_progress_start(&e.progress, o->progress, work, "records");
    rc = send_all(&e, strcmp(cfg.list_membership, "per-contact") == 0, d.id, err);
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
    snprintf(rep->run.message, sizeof rep->run.message, "%.500s", err->msg);
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
  }
  if (o->dry_run) {
    rep->run.profiles = plan.profiles;
    rep->run.invalid = plan.invalid + plan.duplicates;
    rep->run.unchanged = plan.unchanged;
    rep->run.contacts_upserted = plan.to_upsert;
    rep->run.list_additions = plan.total_additions;
    rep->run.list_removals = plan.total_removals;
  }
done:
  while (e.qn) batch_free(pop_front(&e));
  free(e.queue);
  store_export_writer_free(e.w);
  ap_client_free(e.client);
  export_plan_free(&plan);
  secret_plain_free(key);
  if (lock >= 0) close(lock);
  store_schema_free(&sc);
  store_export_config_free(&cfg);
  store_destination_free(&d);
  return rc;
}
