/* driver.c: Autopilot as an export destination: the key checked with GET /account, contacts in
 * bulk upserts of 100 keyed by email (a changed email moves the contact with _NewEmail), a segment
 * as a list (found by title or created), joins in the upserts when Autopilot applies
 * _autopilot_list to existing contacts (else one call each), one call per removal. */
#include "autopilot/driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "autopilot/api.h"
#include "destination/destination.h"
#include "export/engine.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/text.h"

/* ---- fields ---- */

/* Renders a value as JSON: a string for standard fields, typed for custom fields. */
static void put_value(buf *b, const seg_value *v, bool typed) {
  char tmp[64];
  size_t n;
  if (typed && (v->type == ATTR_INTEGER || v->type == ATTR_REAL || v->type == ATTR_BOOLEAN)) {
    const char *t = seg_value_canonical(v, tmp, sizeof tmp, &n);
    if (v->type == ATTR_REAL && !v->is_int && !strpbrk(t, ".eE")) buf_printf(b, "%s.0", t);
    else buf_append(b, t, n);
    return;
  }
  const char *t = seg_value_canonical(v, tmp, sizeof tmp, &n);
  jsonw_string(b, t, n);
}

/* The fields of a contact as JSON members (without braces): FirstName, LastName, the mapped
 * standard fields, then "custom": {...}. Empty standard fields are sent as "" (clearing them);
 * empty custom fields are left out. */
static void ap_render_fields(const export_render *r, const seg_value *vals, buf *b) {
  const store_export_config *c = r->config;
  const store_schema *sc = r->schema;
  bool any = false;
  if (r->first_at >= 0) {
    buf_puts(b, "\"FirstName\":");
    put_value(b, &vals[r->first_at], false);
    any = true;
  }
  if (r->last_at >= 0) {
    buf_puts(b, any ? ",\"LastName\":" : "\"LastName\":");
    put_value(b, &vals[r->last_at], false);
    any = true;
  }
  size_t base = 3;
  for (size_t i = 0; i < c->n_fields; i++) {
    if (c->fields[i].custom) continue;
    if (any) buf_putc(b, ',');
    jsonw_string(b, c->fields[i].field, strlen(c->fields[i].field));
    buf_putc(b, ':');
    put_value(b, &vals[base + i], false);
    any = true;
  }
  bool custom_open = false;
  for (size_t i = 0; i < c->n_fields; i++) {
    if (!c->fields[i].custom || vals[base + i].type == ATTR_NONE) continue;
    if (!custom_open) {
      buf_puts(b, any ? ",\"custom\":{" : "\"custom\":{");
      custom_open = true;
    } else {
      buf_putc(b, ',');
    }
    /* "<type>--<Name with each space replaced by -->" */
    attr_type t = sc->attrs[r->attrs[base + i]].type;
    buf key;
    buf_init(&key, 0);
    buf_printf(&key, "%s--", dest_custom_type(t));
    for (const char *p = c->fields[i].field; *p; p++) {
      if (*p == ' ') buf_puts(&key, "--");
      else buf_putc(&key, *p);
    }
    jsonw_string(b, buf_str(&key), key.len);
    buf_free(&key);
    buf_putc(b, ':');
    seg_value v = vals[base + i];
    if (t == ATTR_DATETIME || t == ATTR_DATE) v.type = t; /* dates as ISO-8601 text */
    put_value(b, &v, true);
  }
  if (custom_open) buf_putc(b, '}');
}


/* ---- requests ---- */

static const char *contact_ref(const export_person *p) {
  if (p->contact_id && p->contact_id[0]) return p->contact_id;
  return p->email ? p->email : p->old_email;
}

/* The membership field of a segment: "boolean--In--<name with -- for each space>". */
static void put_membership_key(buf *b, const char *segment) {
  buf key;
  buf_init(&key, 0);
  buf_puts(&key, "boolean--In--");
  for (const char *q = segment; *q; q++) {
    if (*q == ' ') buf_puts(&key, "--");
    else buf_putc(&key, *q);
  }
  if (key.failed) b->failed = true;
  else jsonw_string(b, buf_str(&key), key.len);
  buf_free(&key);
}

/* The membership fields a person's upsert sets (true) or clears (false). With sep "" they open
 * their own "custom" object; with "," they continue an open one (whose brace the caller closes). */
static void put_membership_fields(engine *e, const export_person *p, buf *b, const char *sep) {
  uint64_t all = p->field_on | p->field_off;
  if (!all) return;
  bool own = sep[0] == 0;
  buf_puts(b, own ? ",\"custom\":{" : "");
  bool first = own;
  for (uint64_t m = all; m; m &= m - 1) {
    int k = __builtin_ctzll(m);
    if (!first) buf_putc(b, ',');
    first = false;
    put_membership_key(b, e->cfg->segment_names[k]);
    buf_puts(b, (p->field_on >> k) & 1 ? ":true" : ":false");
  }
  if (own) buf_putc(b, '}');
}

static http_request *ap_build(engine *e, batch *b) {
  export_plan *pl = e->plan;
  if (b->kind == B_JOIN || b->kind == B_LEAVE) {
    export_person *p = &pl->people[b->people[0]];
    const char *list = e->targets[b->seg[0]];
    return b->kind == B_JOIN ? ap_req_list_add(list, contact_ref(p)) : ap_req_list_remove(list, contact_ref(p));
  }
  buf body;
  buf_init(&body, 0);
  buf_puts(&body, "{\"contacts\":[");
  for (size_t i = 0; i < b->n; i++) {
    export_person *p = &pl->people[b->people[i]];
    buf_puts(&body, i ? ",{\"Email\":" : "{\"Email\":");
    if (!p->email) { /* a contact the segments no longer want: only its membership fields, set false */
      jsonw_string(&body, p->old_email, strlen(p->old_email));
      put_membership_fields(e, p, &body, "");
      buf_putc(&body, '}');
      continue;
    }
    if (b->kind == B_RENAME) {
      jsonw_string(&body, p->old_email, strlen(p->old_email));
      buf_puts(&body, ",\"_NewEmail\":");
    }
    jsonw_string(&body, p->email, strlen(p->email));
    size_t fl = strlen(p->fields);
    /* the rendering ends with the "custom" object when it has one: the membership fields join it */
    bool custom = fl && p->fields[fl - 1] == '}';
    if (fl) {
      buf_putc(&body, ',');
      buf_append(&body, p->fields, custom ? fl - 1 : fl);
    }
    if (custom) {
      put_membership_fields(e, p, &body, ",");
      buf_putc(&body, '}');
    } else {
      put_membership_fields(e, p, &body, "");
    }
    if (b->seg[i] >= 0) {
      buf_puts(&body, ",\"_autopilot_list\":");
      jsonw_string(&body, e->targets[b->seg[i]], strlen(e->targets[b->seg[i]]));
    }
    buf_putc(&body, '}');
  }
  buf_puts(&body, "]}");
  if (body.failed) { /* no request at all rather than one missing a contact */
    buf_free(&body);
    return NULL;
  }
  return http_request_new(HTTP_POST, "/contacts", buf_detach(&body));
}


/* The membership fields the upsert carried are what Autopilot now holds; counted once per run
 * (a person's later upserts in the run, for its other lists, carry the same fields again). */
static bool confirm_fields(engine *e, export_person *p) {
  if (p->fields_confirmed) return true;
  for (uint64_t m = p->field_on | p->field_off; m; m &= m - 1) {
    int k = __builtin_ctzll(m);
    seg_err err;
    if (store_export_field_set(e->w, p->customer_id, e->cfg->segment_ids[k], (p->field_on >> k) & 1, &err) != SEG_OK) {
      export_fail_fatal(e, err.code, err.msg);
      return false;
    }
  }
  p->fields_confirmed = true;
  e->run->field_sets += __builtin_popcountll(p->field_on);
  e->run->field_clears += __builtin_popcountll(p->field_off);
  return true;
}

static void on_upsert_ok(engine *e, batch *b, http_request *r) {
  json_t *map = NULL;
  seg_err perr;
  if (ap_parse_upsert(r, &map, &perr) != SEG_OK) {
    /* A 200 with a body we cannot read: nothing is known to be saved. */
    for (size_t i = 0; i < b->n; i++)
      export_record_error(e, &e->plan->people[b->people[i]], "failed", "Autopilot's answer could not be read; tried again next run");
    return;
  }
  for (size_t i = 0; i < b->n && !e->stop; i++) {
    export_person *p = &e->plan->people[b->people[i]];
    json_t *id = json_object_get(map, p->email ? p->email : p->old_email);
    if (!json_is_string(id)) {
      export_record_error(e, p, "rejected", "Autopilot did not save this contact (it is missing from email_contact_map)");
      continue;
    }
    if (p->email && !export_confirm_contact(e, p, json_string_value(id))) break;
    if (b->seg[i] >= 0 && !export_confirm_join(e, p, b->seg[i])) break;
    if (!confirm_fields(e, p)) break;
  }
  json_decref(map);
}



/* Runs the queued batches to the end (or the stop). */


/* ---- answers ---- */

static bool ap_split(const batch *b, const http_request *r) {
  return (r->status == 400 || r->status == 413 || r->status == 422) && (b->kind == B_UPSERT || b->kind == B_RENAME);
}

static void ap_read_answer(engine *e, batch *b, http_request *r) {
  if (r->status >= 200 && r->status < 300) {
    if (b->kind == B_UPSERT || b->kind == B_RENAME) {
      on_upsert_ok(e, b, r);
    } else {
      export_person *p = &e->plan->people[b->people[0]];
      if (b->kind == B_JOIN) export_confirm_join(e, p, b->seg[0]);
      else export_confirm_leave(e, p, b->seg[0]);
    }
  } else if (r->status == 404 && b->kind == B_LEAVE) {
    /* Not in the list (or no such contact): it is not a member, as wanted. */
    export_confirm_leave(e, &e->plan->people[b->people[0]], b->seg[0]);
  } else {
    export_fail_batch(e, b, r);
  }
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
  http_request *r = ap_build(e, &one);
  if (!r) return -1;
  int result = -1;
  json_t *map = NULL;
  if (http_call(e->client, r, err) == SEG_OK && r->status == 200 && ap_parse_upsert(r, &map, err) == SEG_OK) {
    json_t *id = json_object_get(map, p->email);
    if (json_is_string(id)) {
      const char *cid = json_string_value(id);
      http_request *check = ap_req_list_member(e->targets[seg], cid);
      if (check && http_call(e->client, check, err) == SEG_OK) {
        if (check->status == 200) result = 1;
        else if (check->status == 404) result = 0;
      }
      http_request_free(check);
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
  http_request_free(r);
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
static seg_code ap_send(engine *e, seg_err *err) {
  bool per_contact = strcmp(e->cfg->list_membership, "per-contact") == 0;
  int64_t destination_id = e->destination->id;
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
  rc = export_queue_bulk(e, B_RENAME, ip, is, n, ir, err);
  if (rc == SEG_OK) rc = export_run_phase(e, err);

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
      } else if ((p->upsert || p->field_on || p->field_off) && !p->rename) {
        ip[n] = i, is[n] = -1, ir[n] = 0, n++;
      }
    }
    /* Contacts no profile wants any more whose fields are still true: set false in the same
     * upserts, except those whose email is now another profile's: in batches of their own (never
     * an email twice in one call). */
    for (int round = 0; round < 2; round++)
      for (size_t i = 0; i < pl->n; i++) {
        export_person *p = &pl->people[i];
        if (!p->failed && !p->email && p->old_email && p->field_off && p->shared == (round == 1))
          ip[n] = i, is[n] = -1, ir[n] = round, n++;
      }
    rc = export_queue_bulk(e, B_UPSERT, ip, is, n, ir, err);
    if (rc == SEG_OK) rc = export_run_phase(e, err);
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
        rc = export_queue_bulk(e, B_UPSERT, op, os, k, orr, err);
      }
      free(op);
      free(os);
      free(orr);
    } else {
      for (size_t i = 0; i < n && rc == SEG_OK; i++) rc = export_queue_single(e, B_JOIN, ip[i], is[i], err);
    }
    if (rc == SEG_OK) rc = export_run_phase(e, err);
  }

  if (rc == SEG_OK && !e->stop) {
    rc = export_forget_shared(e, err);
    for (size_t i = 0; i < pl->n && rc == SEG_OK; i++)
      for (uint64_t b = pl->people[i].leaves; b && rc == SEG_OK; b &= b - 1)
        rc = export_queue_single(e, B_LEAVE, i, __builtin_ctzll(b), err);
    if (rc == SEG_OK) rc = export_run_phase(e, err);
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
static seg_code ap_prepare(engine *e, seg_err *err) {
  int64_t destination_id = e->destination->id;
  store_export_list *known;
  size_t n_known;
  seg_code rc = store_export_lists_get(e->s, destination_id, &known, &n_known, err);
  if (rc != SEG_OK) return rc;
  http_request *lists = ap_req_lists();
  if (!lists) {
    free(known);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  rc = http_call(e->client, lists, err);
  char why[320];
  if (rc == SEG_OK && lists->status != 200) {
    ap_describe_failure(lists, why, sizeof why);
    rc = seg_err_set(err, lists->status == 401 || lists->status == 403 ? SEG_EAUTH : SEG_EHTTP, "%s",
                     lists->status == 401 || lists->status == 403
                         ? "Autopilot rejected the API key: reconnect the destination with 'segship destination rotate-key'"
                         : why);
  }
  /* In field mode a segment is no list: none is created, those made before are left as they are. */
  bool use_lists = strcmp(e->cfg->membership, "field") != 0;
  for (size_t k = 0; k < e->cfg->n_segments && rc == SEG_OK && use_lists; k++) {
    const char *title = e->cfg->segment_names[k];
    const char *kept = NULL;
    for (size_t j = 0; j < n_known; j++)
      if (known[j].segment_id == e->cfg->segment_ids[k]) kept = known[j].list_id;
    title_find f = {.title = title, .want_id = kept};
    if ((rc = ap_parse_lists(lists, find_list, &f, err)) != SEG_OK) break;
    if (kept && f.id_seen) {
      snprintf(e->targets[k], sizeof e->targets[k], "%s", kept);
      continue;
    }
    if (kept) {
      log_event(LOG_WARN, "export.list.recreated", "the list of segment '%s' is gone from Autopilot; it is recreated and refilled", title);
      if ((rc = store_export_list_forget(e->s, destination_id, e->cfg->segment_ids[k], err)) != SEG_OK) break;
      e->replan = true;
    }
    if (!f.id[0]) {
      http_request *cr = ap_req_list_create(title);
      if (!cr) {
        rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
        break;
      }
      rc = http_call(e->client, cr, err);
      if (rc == SEG_OK && cr->status == 200) {
        rc = ap_parse_list_created(cr, f.id, sizeof f.id, err);
      } else if (rc == SEG_OK && cr->status == 409) {
        /* made meanwhile by someone else: find it by its title */
        http_request *again = ap_req_lists();
        if (again && http_call(e->client, again, err) == SEG_OK && again->status == 200)
          ap_parse_lists(again, find_list, &f, err);
        http_request_free(again);
        if (!f.id[0]) rc = seg_err_set(err, SEG_EHTTP, "Autopilot says the list '%s' exists but does not list it", title);
      } else if (rc == SEG_OK) {
        ap_describe_failure(cr, why, sizeof why);
        rc = seg_err_set(err, cr->status == 401 ? SEG_EAUTH : SEG_EHTTP, "creating the list '%s': %s", title, why);
      }
      http_request_free(cr);
      if (rc != SEG_OK) break;
      e->run->api_calls++;
    }
    snprintf(e->targets[k], sizeof e->targets[k], "%s", f.id);
    rc = store_export_list_set(e->s, destination_id, e->cfg->segment_ids[k], f.id, title, err);
  }
  http_request_free(lists);
  free(known);
  return rc;
}

/* ---- connect and configure ---- */

static const char *ap_region_url(const char *region) { return region ? NULL : AP_DEFAULT_URL; }

static seg_code ap_connect(http_client *c, const char *api_url, char *account_name, size_t name_cap,
                           char *account_email, size_t email_cap, seg_err *err) {
  http_request *r = ap_req_account();
  if (!r) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  seg_code rc = http_call(c, r, err);
  if (rc == SEG_OK) {
    if (r->status == 200) {
      rc = ap_parse_account(r, account_name, name_cap, account_email, email_cap, err);
    } else if (r->status == 401 || r->status == 403) {
      rc = seg_err_set(err, SEG_EAUTH, "Autopilot rejected this API key; check it (Autopilot: Settings > Autopilot API) and try again");
    } else if (r->status == 0) {
      rc = seg_err_set(err, SEG_EHTTP, "cannot reach Autopilot at %s (%s); check --api-url and the network", api_url,
                       r->error);
    } else {
      char why[300];
      ap_describe_failure(r, why, sizeof why);
      rc = seg_err_set(err, SEG_EHTTP, "could not check the key: %s", why);
    }
  }
  http_request_free(r);
  return rc;
}

static seg_code ap_map_standard(const char *spec, const char *target, store_field_map *f, seg_err *err) {
  if (text_ieq(target, "Email") || text_ieq(target, "FirstName") || text_ieq(target, "LastName"))
    return seg_err_set(err, SEG_EINVAL, "--map %s: map %s with --%s", spec, target,
                       text_ieq(target, "Email") ? "email" : text_ieq(target, "FirstName") ? "first-name" : "last-name");
  if (text_ieq(target, "unsubscribed"))
    return seg_err_set(err, SEG_EINVAL, "--map %s: segship never writes 'unsubscribed' (it could re-subscribe people)",
                       spec);
  const char *std = dest_standard_field(target);
  if (!std)
    return seg_err_set(err, SEG_EINVAL,
                       "--map %s: '%s' is not an Autopilot standard field (Phone, Company, MailingCity, ...); for "
                       "another field use ATTR=custom:Name",
                       spec, target);
  snprintf(f->field, sizeof f->field, "%s", std);
  return SEG_OK;
}

const export_driver autopilot_driver = {
    .type = "autopilot",
    .product = "Autopilot",
    .key_header = "autopilotapikey",
    .membership = "list",
    .batch_max = AP_BULK_MAX,
    .default_rate = 5.0,
    .default_windows = "",
    .regions = NULL,
    .region_url = ap_region_url,
    .throttle_wait_ms = NULL,
    .connect = ap_connect,
    .map_standard = ap_map_standard,
    .render_fields = ap_render_fields,
    .prepare = ap_prepare,
    .prepare_offline = NULL,
    .send = ap_send,
    .build = ap_build,
    .split = ap_split,
    .read_answer = ap_read_answer,
    .describe_failure = ap_describe_failure,
    .target_hint = NULL,
};
