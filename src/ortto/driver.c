/* driver.c: Ortto as an export destination: the key checked with a custom-field read; people in
 * person/merge calls of 100 (merge strategy 2, found by the profile id as external id, then by
 * email, so a changed email updates the same person); a segment as a tag, joins and leaves riding
 * in the same calls (tags, unset_tags); custom fields created once; per-person answers read. */
#include "ortto/driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export/engine.h"
#include "ortto/api.h"
#include "store/exports.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/text.h"

/* ---- fields ---- */

static void put_member(buf *b, bool *any, const char *id, const seg_value *v) {
  if (*any) buf_putc(b, ',');
  jsonw_string(b, id, strlen(id));
  buf_putc(b, ':');
  ortto_put_value(b, id, v);
  *any = true;
}

/* "str::first":..., "str::last":..., then each mapped field by its Ortto id; an empty value is
 * null (cleared). A custom field whose id is not known yet (a dry run before the first run) is
 * rendered under a stand-in id, which only the dry run's change count sees. */
static void ortto_render_fields(const export_render *r, const seg_value *vals, buf *b) {
  const store_export_config *c = r->config;
  bool any = false;
  if (r->first_at >= 0) put_member(b, &any, "str::first", &vals[r->first_at]);
  if (r->last_at >= 0) put_member(b, &any, "str::last", &vals[r->last_at]);
  for (size_t i = 0; i < c->n_fields; i++) {
    const char *id = c->fields[i].field;
    char guess[ORTTO_FIELD_ID_MAX];
    if (c->fields[i].custom) {
      if (r->custom_ids && r->custom_ids[i]) {
        id = r->custom_ids[i];
      } else {
        snprintf(guess, sizeof guess, "new:cm:%s", c->fields[i].field);
        id = guess;
      }
    }
    if (strcmp(id, "bol::p") == 0) continue; /* a person's email permission is theirs */
    put_member(b, &any, id, &vals[3 + i]);
  }
}

/* ---- before the plan: tags and custom fields ---- */

typedef struct field_find {
  const store_export_config *cfg;
  char (*ids)[ORTTO_FIELD_ID_MAX]; /* per mapped field: "" until known */
} field_find;

static int find_fields(const char *name, const char *id, void *ctx) {
  field_find *f = ctx;
  for (size_t i = 0; i < f->cfg->n_fields; i++)
    if (f->cfg->fields[i].custom && !f->ids[i][0] && strcasecmp(name, f->cfg->fields[i].field) == 0 &&
        strlen(id) < ORTTO_FIELD_ID_MAX)
      snprintf(f->ids[i], ORTTO_FIELD_ID_MAX, "%s", id);
  return 0;
}

static seg_code auth_or_http(const http_request *r, const char *what, seg_err *err) {
  char why[320];
  if (r->status == 401 || r->status == 403)
    return seg_err_set(err, SEG_EAUTH,
                       "Ortto rejected the API key: reconnect the destination with 'segship destination rotate-key'");
  ortto_describe_failure(r, why, sizeof why);
  return seg_err_set(err, SEG_EHTTP, "%s: %s", what, why);
}

/* Each custom field's id: known from an earlier run, else found in Ortto (one read for all),
 * else created, once. */
static seg_code resolve_fields(engine *e, const store_schema *sc, char (*ids)[ORTTO_FIELD_ID_MAX], seg_err *err) {
  const store_export_config *c = e->cfg;
  int64_t dest = e->destination->id;
  bool missing = false;
  for (size_t i = 0; i < c->n_fields; i++) {
    ids[i][0] = '\0';
    if (c->fields[i].custom && store_export_custom_field_get(e->s, dest, c->fields[i].field, ids[i], ORTTO_FIELD_ID_MAX,
                                                             NULL) != SEG_OK)
      missing = true;
  }
  if (!missing) return SEG_OK;
  field_find f = {.cfg = c, .ids = ids};
  http_request *get = ortto_req_fields();
  if (!get) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  seg_code rc = http_call(e->client, get, err);
  if (rc == SEG_OK && get->status != 200) rc = auth_or_http(get, "reading Ortto's custom fields", err);
  if (rc == SEG_OK) rc = ortto_parse_fields(get, find_fields, &f, err);
  http_request_free(get);
  for (size_t i = 0; i < c->n_fields && rc == SEG_OK; i++) {
    if (!c->fields[i].custom) continue;
    const char *name = c->fields[i].field;
    if (!ids[i][0]) {
      int a = store_schema_find(sc, c->fields[i].attr);
      http_request *cr = ortto_req_field_create(name, ortto_custom_type(a >= 0 ? sc->attrs[a].type : ATTR_TEXT));
      if (!cr) return seg_err_set(err, SEG_ENOMEM, "out of memory");
      rc = http_call(e->client, cr, err);
      if (rc == SEG_OK && cr->status == 200) {
        rc = ortto_parse_field_created(cr, ids[i], ORTTO_FIELD_ID_MAX, err);
        if (rc == SEG_OK)
          log_event(LOG_INFO, "export.field.created", "created the Ortto custom field '%s' (%s)", name, ids[i]);
      } else if (rc == SEG_OK) {
        char what[200];
        snprintf(what, sizeof what, "creating the custom field '%.*s'", (int)text_utf8_prefix(name, strlen(name), 100),
                 name);
        rc = auth_or_http(cr, what, err);
      }
      http_request_free(cr);
    }
    if (rc == SEG_OK && strcmp(ids[i], "bol::p") == 0)
      rc = seg_err_set(err, SEG_EINVAL, "the field '%s' is Ortto's email permission, which segship never writes", name);
    if (rc == SEG_OK) rc = store_export_custom_field_set(e->s, dest, name, ids[i], err);
  }
  return rc;
}

static void tag_name(const engine *e, size_t k, char *out, size_t cap) {
  snprintf(out, cap, "%s%s", e->cfg->tag_prefix, e->cfg->segment_names[k]);
}

static seg_code ortto_prepare(engine *e, seg_err *err) {
  int64_t dest = e->destination->id;
  store_export_list *known;
  size_t n_known;
  seg_code rc = store_export_lists_get(e->s, dest, &known, &n_known, err);
  if (rc != SEG_OK) return rc;
  /* Each segment's tag; when it changed (a renamed segment, another prefix), the memberships
   * confirmed under the old tag are forgotten, so that everyone gets the new one. */
  for (size_t k = 0; k < e->cfg->n_segments && rc == SEG_OK; k++) {
    tag_name(e, k, e->targets[k], sizeof e->targets[k]);
    const char *kept = NULL;
    for (size_t j = 0; j < n_known; j++)
      if (known[j].segment_id == e->cfg->segment_ids[k]) kept = known[j].list_id;
    if (kept && strcmp(kept, e->targets[k]) == 0) continue;
    if (kept) {
      log_event(LOG_WARN, "export.tag.renamed", "segment '%s' is now the tag '%s' (was '%s'); its members are tagged again",
                e->cfg->segment_names[k], e->targets[k], kept);
      rc = store_export_list_forget(e->s, dest, e->cfg->segment_ids[k], err);
      e->replan = true;
    }
    if (rc == SEG_OK)
      rc = store_export_target_set(e->s, dest, e->cfg->segment_ids[k], "tag", e->targets[k], e->cfg->segment_names[k], err);
  }
  free(known);
  if (rc != SEG_OK) return rc;
  store_schema sc;
  bool any_custom = false;
  for (size_t i = 0; i < e->cfg->n_fields; i++) any_custom |= e->cfg->fields[i].custom;
  if (!any_custom) return SEG_OK;
  if ((rc = store_schema_load(e->s, &sc, err)) != SEG_OK) return rc;
  char(*ids)[ORTTO_FIELD_ID_MAX] = calloc(e->cfg->n_fields, sizeof *ids);
  if (!ids) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
  if (rc == SEG_OK) rc = resolve_fields(e, &sc, ids, err);
  for (size_t i = 0; i < e->cfg->n_fields && i < 64 && rc == SEG_OK; i++)
    if (e->cfg->fields[i].custom && !(e->custom_ids[i] = strdup(ids[i]))) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
  free(ids);
  store_schema_free(&sc);
  return rc;
}

static void ortto_prepare_offline(engine *e) {
  for (size_t k = 0; k < e->cfg->n_segments; k++) tag_name(e, k, e->targets[k], sizeof e->targets[k]);
  for (size_t i = 0; i < e->cfg->n_fields && i < 64; i++) {
    char id[ORTTO_FIELD_ID_MAX];
    if (e->cfg->fields[i].custom &&
        store_export_custom_field_get(e->s, e->destination->id, e->cfg->fields[i].field, id, sizeof id, NULL) == SEG_OK)
      e->custom_ids[i] = strdup(id);
  }
}

/* ---- the calls ---- */

/* One merge per 100 people: those with an email that is new, changed, or joins or leaves a
 * segment (their fields, tags and unset tags together); then those no segment wants any more,
 * by their external id only, never created again (skip_non_existing), to untag them. */
static seg_code ortto_send(engine *e, seg_err *err) {
  export_plan *pl = e->plan;
  size_t *ip = malloc((pl->n + 1) * sizeof *ip);
  int *is = malloc((pl->n + 1) * sizeof *is), *ir = calloc(pl->n + 1, sizeof *ir);
  if (!ip || !is || !ir) {
    free(ip);
    free(is);
    free(ir);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  seg_code rc = export_forget_shared(e, err);
  size_t n = 0;
  for (size_t i = 0; i < pl->n; i++) {
    export_person *p = &pl->people[i];
    if (!p->failed && p->email && (p->upsert || p->joins || p->leaves)) ip[n] = i, is[n] = -1, n++;
  }
  if (rc == SEG_OK) rc = export_queue_bulk(e, B_UPSERT, ip, is, n, ir, err);
  n = 0;
  for (size_t i = 0; i < pl->n; i++) {
    export_person *p = &pl->people[i];
    if (!p->failed && !p->email && p->leaves) ip[n] = i, is[n] = -1, n++;
  }
  if (rc == SEG_OK) rc = export_queue_bulk(e, B_LEAVE, ip, is, n, ir, err);
  if (rc == SEG_OK) rc = export_run_phase(e, err);
  free(ip);
  free(is);
  free(ir);
  return rc;
}

static void put_tags(buf *b, const engine *e, const char *key, uint64_t bits) {
  if (!bits) return;
  buf_printf(b, ",\"%s\":[", key);
  bool first = true;
  for (; bits; bits &= bits - 1) {
    const char *t = e->targets[__builtin_ctzll(bits)];
    if (!first) buf_putc(b, ',');
    jsonw_string(b, t, strlen(t));
    first = false;
  }
  buf_putc(b, ']');
}

static http_request *ortto_build(engine *e, batch *b) {
  buf body;
  buf_init(&body, 0);
  buf_puts(&body, "{\"people\":[");
  for (size_t i = 0; i < b->n; i++) {
    export_person *p = &e->plan->people[b->people[i]];
    buf_puts(&body, i ? ",{\"fields\":{\"str::ei\":" : "{\"fields\":{\"str::ei\":");
    jsonw_string(&body, p->customer_id, strlen(p->customer_id));
    if (b->kind == B_UPSERT) {
      buf_puts(&body, ",\"str::email\":");
      jsonw_string(&body, p->email, strlen(p->email));
      if (p->fields[0]) {
        buf_putc(&body, ',');
        buf_puts(&body, p->fields);
      }
      buf_putc(&body, '}');
      put_tags(&body, e, "tags", p->joins);
    } else {
      buf_putc(&body, '}');
    }
    put_tags(&body, e, "unset_tags", p->leaves);
    buf_putc(&body, '}');
  }
  if (b->kind == B_UPSERT)
    buf_puts(&body, "],\"merge_by\":[\"str::ei\",\"str::email\"],\"merge_strategy\":2,\"find_strategy\":0,\"async\":false}");
  else
    buf_puts(&body, "],\"merge_by\":[\"str::ei\"],\"merge_strategy\":2,\"skip_non_existing\":true,\"async\":false}");
  if (body.failed || body.len == 0) { /* no request at all rather than one missing a person */
    buf_free(&body);
    return NULL;
  }
  return http_request_new(HTTP_POST, "/v1/person/merge", buf_detach(&body));
}

/* A 400 or 413 on a batch of several people is split to find who is at fault, unless Ortto said
 * that no one in it is valid (then each is rejected with Ortto's reason). */
static bool ortto_split(const batch *b, const http_request *r) {
  if (r->status == 413) return true;
  return r->status == 400 && !ortto_parse_no_valid(r, NULL, 0);
}

static void confirm_person(engine *e, batch *b, export_person *p, const ortto_result *res) {
  if (b->kind == B_UPSERT && !export_confirm_contact(e, p, res->person_id)) return;
  for (uint64_t bits = b->kind == B_UPSERT ? p->joins : 0; bits; bits &= bits - 1)
    if (!export_confirm_join(e, p, __builtin_ctzll(bits))) return;
  for (uint64_t bits = p->leaves; bits; bits &= bits - 1)
    if (!export_confirm_leave(e, p, __builtin_ctzll(bits))) return;
}

static void ortto_read_answer(engine *e, batch *b, http_request *r) {
  ortto_result *res = calloc(b->n, sizeof *res);
  if (!res) {
    export_fail_fatal(e, SEG_ENOMEM, "out of memory reading Ortto's answer");
    return;
  }
  seg_err perr;
  if (r->status >= 200 && r->status < 300) {
    if (ortto_parse_merge(r, res, b->n, &perr) != SEG_OK) {
      for (size_t i = 0; i < b->n; i++)
        export_record_error(e, &e->plan->people[b->people[i]], "failed", "Ortto's answer could not be read; tried again next run");
    } else {
      for (size_t i = 0; i < b->n && !e->stop; i++) {
        export_person *p = &e->plan->people[b->people[i]];
        const ortto_result *x = &res[i];
        bool ok = strcmp(x->status, "created") == 0 || strcmp(x->status, "merged") == 0;
        if (ok && (b->kind == B_LEAVE || x->person_id[0])) {
          confirm_person(e, b, p, x);
        } else if (b->kind == B_LEAVE && !x->error[0]) {
          /* not in Ortto (skipped, never created): it has no tag, as wanted */
          confirm_person(e, b, p, x);
        } else {
          char reason[300];
          snprintf(reason, sizeof reason, "Ortto: %s%s%s", x->status[0] ? x->status : "no status",
                   x->error[0] ? ": " : "", x->error);
          export_record_error(e, p, "rejected", reason);
        }
      }
    }
  } else if (ortto_parse_no_valid(r, res, b->n)) {
    for (size_t i = 0; i < b->n; i++) {
      char reason[300];
      snprintf(reason, sizeof reason, "Ortto: %s%s%s", res[i].status[0] ? res[i].status : "invalid", ": ", res[i].error);
      export_record_error(e, &e->plan->people[b->people[i]], "rejected", reason);
    }
  } else {
    export_fail_batch(e, b, r);
  }
  free(res);
}

/* ---- connect and configure ---- */

static seg_code ortto_connect(http_client *c, const char *api_url, char *account_name, size_t name_cap,
                              char *account_email, size_t email_cap, seg_err *err) {
  http_request *r = ortto_req_fields();
  if (!r) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  seg_code rc = http_call(c, r, err);
  if (rc == SEG_OK) {
    if (r->status == 200) {
      rc = ortto_parse_fields(r, NULL, NULL, err);
    } else if (r->status == 401 || r->status == 403) {
      rc = seg_err_set(err, SEG_EAUTH,
                       "Ortto rejected this API key; check the key (Ortto: Settings > Data sources > Custom API) and "
                       "--region (a key works only on its own region's host)");
    } else if (r->status == 0) {
      rc = seg_err_set(err, SEG_EHTTP, "cannot reach Ortto at %s (%s); check --region or --api-url and the network",
                       api_url, r->error);
    } else {
      char why[300];
      ortto_describe_failure(r, why, sizeof why);
      rc = seg_err_set(err, SEG_EHTTP, "could not check the key: %s", why);
    }
  }
  http_request_free(r);
  return rc;
}

static seg_code ortto_map_standard(const char *spec, const char *target, store_field_map *f, seg_err *err) {
  if (strcasecmp(target, "email") == 0 || strcmp(target, "str::email") == 0 || strcasecmp(target, "first") == 0 ||
      strcmp(target, "str::first") == 0 || strcasecmp(target, "last") == 0 || strcmp(target, "str::last") == 0)
    return seg_err_set(err, SEG_EINVAL, "--map %s: map the email, first and last name with --email, --first-name and "
                       "--last-name", spec);
  if (strcmp(target, "bol::p") == 0 || strcasecmp(target, "permission") == 0 || strcmp(target, "str::ei") == 0)
    return seg_err_set(err, SEG_EINVAL, "--map %s: segship never writes '%s' (a person's permission is theirs; the "
                       "external id is the profile id)", spec, target);
  const char *id = ortto_standard_field(target);
  if (!id)
    return seg_err_set(err, SEG_EINVAL,
                       "--map %s: '%s' is not an Ortto field segship writes (city, country, postal, phone, birthday); "
                       "for another field use ATTR=custom:Name",
                       spec, target);
  snprintf(f->field, sizeof f->field, "%s", id);
  return SEG_OK;
}

static void ortto_target_hint(const char *target, char *out, size_t cap) {
  snprintf(out, cap, "in Ortto, build an audience filtered on the tag '%s' (Ortto has no API to join an audience)",
           target);
}

const export_driver ortto_driver = {
    .type = "ortto",
    .product = "Ortto",
    .key_header = "X-Api-Key",
    .membership = "tag",
    .batch_max = ORTTO_MERGE_MAX,
    .default_rate = 0,
    .default_windows = ORTTO_DEFAULT_WINDOWS,
    .regions = "global, eu or au",
    .region_url = ortto_region_url,
    .throttle_wait_ms = ortto_throttle_wait_ms,
    .connect = ortto_connect,
    .map_standard = ortto_map_standard,
    .render_fields = ortto_render_fields,
    .prepare = ortto_prepare,
    .prepare_offline = ortto_prepare_offline,
    .send = ortto_send,
    .build = ortto_build,
    .split = ortto_split,
    .read_answer = ortto_read_answer,
    .describe_failure = ortto_describe_failure,
    .target_hint = ortto_target_hint,
};
