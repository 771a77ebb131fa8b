/* api.c: the /v1 routes of the Autopilot contract and their handlers. Each handler reads the
 * decoded path and the body, changes the account through account.c or upsert.c, and writes the
 * answer; the HTTP layer has already checked the key, the rate and the faults. */
#include "api.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "mem.h"
#include "jsonparse.h"
#include "upsert.h"

/* ---------------------------------------------------------------- contacts as read */

/* The text a name part adds to Name: a JSON string's escaped inside, a number's digits. Either
 * can be pasted inside a JSON string as is. */
static void api_name_part(const char *json, size_t len, const char **text, size_t *n) {
  bool quoted = len >= 2 && json[0] == '"';
  *text = quoted ? json + 1 : json;
  *n = quoted ? len - 2 : len;
}

/* Name is "First Last" made of whichever of the two are set; it follows them in the object. */
static void api_write_name(jsonbuf *b, const account_contact *c) {
  size_t flen = 0, llen = 0, fn = 0, ln = 0;
  const char *first = account_contact_value(c, ACCOUNT_FIELD_FirstName, &flen);
  const char *last = account_contact_value(c, ACCOUNT_FIELD_LastName, &llen), *ft = "", *lt = "";
  if (first) api_name_part(first, flen, &ft, &fn);
  if (last) api_name_part(last, llen, &lt, &ln);
  char stack[256], *name = fn + ln + 4 <= sizeof stack ? stack : mem_alloc(fn + ln + 4);
  size_t n = 0;
  name[n++] = '"';
  memcpy(name + n, ft, fn), n += fn;
  if (fn && ln) name[n++] = ' ';
  memcpy(name + n, lt, ln), n += ln;
  name[n++] = '"';
  jsonbuf_key(b, "Name");
  jsonbuf_raw_value(b, name, n);
  if (name != stack) free(name);
}

void api_write_contact(jsonbuf *b, const account *a, const account_contact *c) {
  char when[64];
  jsonbuf_object_open(b);
  jsonbuf_key(b, "contact_id");
  jsonbuf_cstring(b, c->id);
  jsonbuf_key(b, "Email");
  jsonbuf_cstring(b, c->email);
  size_t len;
  for (int f = 0; f < ACCOUNT_STANDARD_COUNT; f++) {
    const char *text = account_contact_value(c, (uint32_t)f, &len);
    if (text) {
      jsonbuf_key(b, account_standard_names[f]);
      jsonbuf_raw_value(b, text, len);
    }
    if (f == ACCOUNT_FIELD_LastName && (text || account_contact_value(c, ACCOUNT_FIELD_FirstName, &len)))
      api_write_name(b, c);
  }
  jsonbuf_key(b, "type");
  jsonbuf_cstring(b, "Contact");
  jsonbuf_key(b, "lists");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < c->nlists; i++) jsonbuf_cstring(b, c->lists[i].list->id);
  jsonbuf_array_close(b);
  jsonbuf_key(b, "unsubscribed");
  jsonbuf_bool(b, c->unsubscribed);
  sim_format_time(c->created_ms, when);
  jsonbuf_key(b, "created_at");
  jsonbuf_cstring(b, when);
  sim_format_time(c->updated_ms, when);
  jsonbuf_key(b, "updated_at");
  jsonbuf_cstring(b, when);
  jsonbuf_key(b, "api_originated");
  jsonbuf_bool(b, true);
  jsonbuf_key(b, "custom_fields");
  jsonbuf_array_open(b);
  size_t pos = 0;
  uint32_t number;
  const char *text;
  while (account_contact_next_value(c, &pos, &number, &text, &len)) {
    if (number < ACCOUNT_CUSTOM_BASE) continue;
    const account_field *f = a->fields[number - ACCOUNT_CUSTOM_BASE];
    jsonbuf_object_open(b);
    jsonbuf_key(b, "kind");
    jsonbuf_cstring(b, f->name);
    jsonbuf_key(b, "value");
    jsonbuf_raw_value(b, text, len);
    jsonbuf_key(b, "fieldType");
    jsonbuf_cstring(b, account_field_type_names[f->type]);
    jsonbuf_key(b, "deleted");
    jsonbuf_bool(b, false);
    jsonbuf_object_close(b);
  }
  jsonbuf_array_close(b);
  jsonbuf_object_close(b);
}

/* ---------------------------------------------------------------- request bodies */

/* Checks that the body is there (not blank) and valid UTF-8; otherwise sets a 400 on r. */
static bool api_body_present(const api_call *call, http_response *r) {
  size_t n = call->body_len;
  const char *s = call->body;
  while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) s++, n--;
  if (!n) {
    http_error(r, 400, "The request body is empty; send a JSON object.");
    return false;
  }
  if (!http_utf8_valid(call->body, call->body_len)) {
    http_error(r, 400, "The request body is not valid UTF-8.");
    return false;
  }
  return true;
}

/* Parses the body as a JSON object. On failure sets a 400 on r and returns NULL. The caller
 * owns the returned reference. */
static json_t *api_body_object(const api_call *call, http_response *r) {
  if (!api_body_present(call, r)) return NULL;
  json_error_t jerr;
  json_t *v = json_loadb(call->body, call->body_len, 0, &jerr);
  if (!v) {
    http_error(r, 400, "The request body is not valid JSON: %s (line %d, column %d).", jerr.text, jerr.line,
              jerr.column);
    return NULL;
  }
  if (!json_is_object(v)) {
    json_decref(v);
    http_error(r, 400, "The request body must be a JSON object.");
    return NULL;
  }
  return v;
}

static const char *api_seg(const api_call *call, size_t i) { return call->path->segments[i]; }

static account_contact *api_find_contact(const api_call *call, size_t seg, http_response *r) {
  account_contact *c = account_contact_find(call->account, api_seg(call, seg));
  if (!c) http_error(r, 404, "Contact could not be found.");
  return c;
}

static account_list *api_find_list(const api_call *call, size_t seg, http_response *r) {
  account_list *l = account_list_find(call->account, api_seg(call, seg));
  if (!l) http_error(r, 404, "List could not be found.");
  return l;
}

/* One page: up to 100 live entries of ix from position pos. total_contacts is the size of the
 * whole collection; the bookmark (the id of the page's last contact) is there only when more
 * contacts follow. */
static void api_write_page(http_response *r, const account *a, const seqindex *ix, size_t pos) {
  r->status = 200;
  jsonbuf *b = &r->body;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "contacts");
  jsonbuf_array_open(b);
  const account_contact *last = NULL;
  int n = 0;
  for (; pos < ix->len && n < API_PAGE_SIZE; pos++) {
    if (!ix->entries[pos].value) continue;
    last = ix->entries[pos].value;
    api_write_contact(b, a, last);
    n++;
  }
  while (pos < ix->len && !ix->entries[pos].value) pos++;
  jsonbuf_array_close(b);
  jsonbuf_key(b, "total_contacts");
  jsonbuf_int(b, (int64_t)ix->count);
  if (pos < ix->len && last) {
    jsonbuf_key(b, "bookmark");
    jsonbuf_cstring(b, last->id);
  }
  jsonbuf_object_close(b);
}

/* The hot path (an export sends its contacts here) parses with jsonparse, not jansson. */
static void api_upsert(api_call *call, http_response *r, bool bulk) {
  if (!api_body_present(call, r)) return;
  jsonparse_doc doc;
  if (!jsonparse_parse(&doc, call->body, call->body_len)) {
    http_error(r, 400, "The request body is not valid JSON: %s.", doc.error);
    jsonparse_free(&doc);
    return;
  }
  const jsonparse_value *body = doc.root;
  const jsonparse_value *items = jsonparse_get(body, bulk ? "contacts" : "contact");
  if (!jsonparse_is(body, JSONPARSE_OBJECT)) {
    http_error(r, 400, "The request body must be a JSON object.");
  } else if (bulk && !jsonparse_is(items, JSONPARSE_ARRAY)) {
    http_error(r, 400, "The body must hold \"contacts\": an array of contact objects.");
  } else if (!bulk && !jsonparse_is(items, JSONPARSE_OBJECT)) {
    http_error(r, 400, "The body must hold \"contact\": a contact object.");
  } else if (bulk && items->as.array.n > API_MAX_BULK) {
    http_error(r, 400, "Too many contacts: at most 100 per request.");
  } else {
    size_t n = bulk ? items->as.array.n : 1;
    const jsonparse_value *const *list = bulk ? (const jsonparse_value *const *)items->as.array.items : &items;
    bool shaped = true;
    for (size_t i = 0; i < n && shaped; i++) {
      if (!jsonparse_is(list[i], JSONPARSE_OBJECT)) {
        http_error(r, 400, "contacts[%zu] must be a contact object.", i);
        shaped = false;
      }
    }
    upsert_context ctx = {call->account, &doc, &call->sim->id_rng, call->sim->settings.list_field, &call->sim->stats,
                          call->now_ms};
    upsert_error err;
    if (shaped) {
      if (upsert_contacts(&ctx, list, n, bulk, &r->body, &err)) r->status = 200;
      else http_error(r, err.status, "%s", err.message);
    }
  }
  jsonparse_free(&doc);
}

/* ---------------------------------------------------------------- contact handlers */

static void api_post_contact(api_call *call, http_response *r) { api_upsert(call, r, false); }
static void api_post_contacts(api_call *call, http_response *r) { api_upsert(call, r, true); }

/* The bookmark is the id of the last contact of the previous page: the next page starts after
 * that contact, even if it has been deleted since. An id no contact ever had is a 404. */
static void api_get_contacts(api_call *call, http_response *r) {
  size_t pos;
  if (account_page_start(call->account, call->path->n > 2 ? api_seg(call, 2) : NULL, &pos))
    api_write_page(r, call->account, &call->account->contacts, pos);
  else http_error(r, 404, "Bookmark could not be found.");
}

static void api_get_custom_fields(api_call *call, http_response *r) {
  r->status = 200;
  jsonbuf_array_open(&r->body);
  for (size_t i = 0; i < call->account->nfields; i++) {
    const account_field *f = call->account->fields[i];
    jsonbuf_object_open(&r->body);
    jsonbuf_key(&r->body, "name");
    jsonbuf_cstring(&r->body, f->name);
    jsonbuf_key(&r->body, "fieldType");
    jsonbuf_cstring(&r->body, account_field_type_names[f->type]);
    jsonbuf_key(&r->body, "key");
    jsonbuf_cstring(&r->body, f->key);
    jsonbuf_object_close(&r->body);
  }
  jsonbuf_array_close(&r->body);
}

static void api_get_contact(api_call *call, http_response *r) {
  account_contact *c = api_find_contact(call, 2, r);
  if (!c) return;
  r->status = 200;
  api_write_contact(&r->body, call->account, c);
}

static void api_delete_contact(api_call *call, http_response *r) {
  account_contact *c = api_find_contact(call, 2, r);
  if (!c) return;
  account_contact_delete(call->account, c);
  http_ok_empty(r, 204);
}

static void api_unsubscribe(api_call *call, http_response *r) {
  account_contact *c = api_find_contact(call, 2, r);
  if (!c) return;
  c->unsubscribed = true;
  c->updated_ms = call->now_ms;
  http_ok_empty(r, 200);
}

/* ---------------------------------------------------------------- list handlers */

static void api_get_lists(api_call *call, http_response *r) {
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "lists");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < call->account->nlists; i++) {
    jsonbuf_object_open(b);
    jsonbuf_key(b, "list_id");
    jsonbuf_cstring(b, call->account->lists[i]->id);
    jsonbuf_key(b, "title");
    jsonbuf_cstring(b, call->account->lists[i]->title);
    jsonbuf_object_close(b);
  }
  jsonbuf_array_close(b);
  jsonbuf_object_close(b);
}

static void api_post_list(api_call *call, http_response *r) {
  json_t *body = api_body_object(call, r);
  if (!body) return;
  json_t *name = json_object_get(body, "name");
  if (!json_is_string(name) || json_string_length(name) == 0) {
    http_error(r, 400, "The body must hold \"name\": the list's title, a non-empty string.");
  } else if (account_list_find_title(call->account, json_string_value(name))) {
    http_error(r, 409, "A list with this name already exists.");
  } else {
    account_list *l = account_list_create(call->account, json_string_value(name), NULL, &call->sim->id_rng);
    r->status = 200;
    jsonbuf_object_open(&r->body);
    jsonbuf_key(&r->body, "list_id");
    jsonbuf_cstring(&r->body, l->id);
    jsonbuf_object_close(&r->body);
  }
  json_decref(body);
}

static void api_get_list_contacts(api_call *call, http_response *r) {
  account_list *l = api_find_list(call, 2, r);
  size_t pos;
  if (!l) return;
  if (account_list_page_start(call->account, l, call->path->n > 4 ? api_seg(call, 4) : NULL, &pos))
    api_write_page(r, call->account, &l->members, pos);
  else http_error(r, 404, "Bookmark could not be found.");
}

static void api_get_list_contact(api_call *call, http_response *r) {
  account_list *l = api_find_list(call, 2, r);
  account_contact *c = l ? api_find_contact(call, 4, r) : NULL;
  if (!c) return;
  if (account_list_has(l, c)) http_ok_empty(r, 200);
  else http_error(r, 404, "Contact is not on this list.");
}

static void api_post_list_contact(api_call *call, http_response *r) {
  account_list *l = api_find_list(call, 2, r);
  account_contact *c = l ? api_find_contact(call, 4, r) : NULL;
  if (!c) return;
  if (account_list_add(l, c)) c->updated_ms = call->now_ms;
  http_ok_empty(r, 200);
}

static void api_delete_list_contact(api_call *call, http_response *r) {
  account_list *l = api_find_list(call, 2, r);
  account_contact *c = l ? api_find_contact(call, 4, r) : NULL;
  if (!c) return;
  if (account_list_remove(l, c)) c->updated_ms = call->now_ms;
  http_ok_empty(r, 200);
}

/* ---------------------------------------------------------------- account, segments, journeys */

static void api_get_account(api_call *call, http_response *r) {
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "fullName");
  jsonbuf_cstring(b, "Autopilot Simulator");
  jsonbuf_key(b, "email");
  jsonbuf_cstring(b, "owner@example.com");
  jsonbuf_key(b, "company");
  jsonbuf_cstring(b, "autopilot-sim");
  jsonbuf_key(b, "contacts");
  jsonbuf_int(b, (int64_t)call->account->contacts.count);
  jsonbuf_object_close(b);
}

/* The simulator has no smart segments: nothing in the contract creates one. */
static void api_get_smart_segments(api_call *call, http_response *r) {
  r->status = 200;
  jsonbuf_raw_value(&r->body, "{\"segments\":[]}", 15);
}

static void api_get_smart_segment_contacts(api_call *call, http_response *r) {
  http_error(r, 404, "Smart segment could not be found.");
}

/* Every account has one journey trigger, "0001", so trigger calls can be exercised. */
#define API_TRIGGER_ID "0001"

static void api_get_triggers(api_call *call, http_response *r) {
  r->status = 200;
  const char *text = "{\"triggers\":[{\"trigger_id\":\"" API_TRIGGER_ID "\",\"journey\":\"Welcome journey\"}]}";
  jsonbuf_raw_value(&r->body, text, strlen(text));
}

static void api_post_trigger_contact(api_call *call, http_response *r) {
  if (strcmp(api_seg(call, 2), API_TRIGGER_ID) != 0) {
    http_error(r, 404, "Trigger could not be found.");
    return;
  }
  if (api_find_contact(call, 4, r)) http_ok_empty(r, 200);
}

/* ---------------------------------------------------------------- REST hooks (stored, never called) */

static const char *const api_hook_events[] = {"contact_added",         "contact_updated",
                                              "contact_unsubscribed",  "contact_added_to_list",
                                              "contact_removed_from_list", "contact_entered_segment",
                                              "contact_left_segment"};

static void api_get_hooks(api_call *call, http_response *r) {
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "hooks");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < call->account->nhooks; i++) {
    const account_hook *h = call->account->hooks[i];
    jsonbuf_object_open(b);
    jsonbuf_key(b, "hook_id");
    jsonbuf_cstring(b, h->id);
    jsonbuf_key(b, "event");
    jsonbuf_cstring(b, h->event);
    jsonbuf_key(b, "target_url");
    jsonbuf_cstring(b, h->target_url);
    jsonbuf_object_close(b);
  }
  jsonbuf_array_close(b);
  jsonbuf_object_close(b);
}

static void api_post_hook(api_call *call, http_response *r) {
  json_t *body = api_body_object(call, r);
  if (!body) return;
  json_t *event = json_object_get(body, "event"), *url = json_object_get(body, "target_url");
  bool known = false;
  for (size_t i = 0; json_is_string(event) && i < sizeof api_hook_events / sizeof *api_hook_events; i++)
    known |= strcmp(json_string_value(event), api_hook_events[i]) == 0;
  if (!known) {
    http_error(r, 400, "event must be one of contact_added, contact_updated, contact_unsubscribed, "
              "contact_added_to_list, contact_removed_from_list, contact_entered_segment, contact_left_segment.");
  } else if (!json_is_string(url) || (strncmp(json_string_value(url), "http://", 7) != 0 &&
                                      strncmp(json_string_value(url), "https://", 8) != 0)) {
    http_error(r, 400, "target_url must be an http:// or https:// URL.");
  } else {
    account_hook *h = account_hook_add(call->account, json_string_value(event), json_string_value(url),
                                       &call->sim->id_rng);
    r->status = 201;
    jsonbuf_object_open(&r->body);
    jsonbuf_key(&r->body, "id");
    jsonbuf_cstring(&r->body, h->id);
    jsonbuf_key(&r->body, "hook_id");
    jsonbuf_cstring(&r->body, h->id);
    jsonbuf_object_close(&r->body);
  }
  json_decref(body);
}

static void api_delete_hook(api_call *call, http_response *r) {
  account_hook *h = account_hook_find(call->account, api_seg(call, 2));
  if (!h) {
    http_error(r, 404, "Hook could not be found.");
    return;
  }
  account_hook_remove(call->account, h);
  http_ok_empty(r, 200);
}

static void api_delete_hooks(api_call *call, http_response *r) {
  account_hooks_clear(call->account);
  http_ok_empty(r, 200);
}

/* ---------------------------------------------------------------- the route table */

struct api_route {
  http_route head; /* method and template */
  void (*handler)(api_call *call, http_response *r);
};

/* Order matters where two templates match one path: custom_fields before the bookmark. */
static const api_route api_routes[] = {
    {{"POST", "/v1/contact"}, api_post_contact},
    {{"POST", "/v1/contacts"}, api_post_contacts},
    {{"GET", "/v1/contacts"}, api_get_contacts},
    {{"GET", "/v1/contacts/custom_fields"}, api_get_custom_fields},
    {{"GET", "/v1/contacts/{bookmark}"}, api_get_contacts},
    {{"GET", "/v1/contact/{id}"}, api_get_contact},
    {{"DELETE", "/v1/contact/{id}"}, api_delete_contact},
    {{"POST", "/v1/contact/{id}/unsubscribe"}, api_unsubscribe},
    {{"GET", "/v1/lists"}, api_get_lists},
    {{"POST", "/v1/list"}, api_post_list},
    {{"GET", "/v1/list/{list_id}/contacts"}, api_get_list_contacts},
    {{"GET", "/v1/list/{list_id}/contacts/{bookmark}"}, api_get_list_contacts},
    {{"GET", "/v1/list/{list_id}/contact/{id}"}, api_get_list_contact},
    {{"POST", "/v1/list/{list_id}/contact/{id}"}, api_post_list_contact},
    {{"DELETE", "/v1/list/{list_id}/contact/{id}"}, api_delete_list_contact},
    {{"GET", "/v1/account"}, api_get_account},
    {{"GET", "/v1/smart_segments"}, api_get_smart_segments},
    {{"GET", "/v1/smart_segments/{segment_id}/contacts"}, api_get_smart_segment_contacts},
    {{"GET", "/v1/smart_segments/{segment_id}/contacts/{bookmark}"}, api_get_smart_segment_contacts},
    {{"GET", "/v1/triggers"}, api_get_triggers},
    {{"POST", "/v1/trigger/{trigger_id}/contact/{id}"}, api_post_trigger_contact},
    {{"GET", "/v1/hooks"}, api_get_hooks},
    {{"POST", "/v1/hook"}, api_post_hook},
    {{"DELETE", "/v1/hook/{hook_id}"}, api_delete_hook},
    {{"DELETE", "/v1/hooks"}, api_delete_hooks},
};
#define API_ROUTE_COUNT (sizeof api_routes / sizeof api_routes[0])

void api_match_route(const char *method, const http_path *p, http_match *m) {
  http_match_route(api_routes, API_ROUTE_COUNT, sizeof api_routes[0], method, p, m);
}

void api_run(const http_match *m, sim_call *call, http_response *r) {
  api_call ac = {call->sim, call->account->data, call->path, call->body, call->body_len, call->now_ms};
  ((const api_route *)m->route)->handler(&ac, r);
}

/* ---------------------------------------------------------------- the driver */

static void api_refuse(const sim *sm, sim_refusal why, const char *detail, int64_t retry_ms, http_response *r) {
  const ratelimit_rule *rule = &sm->settings.rule;
  char windows[200];
  switch (why) {
    case SIM_REFUSE_NO_KEY: http_error(r, 400, "No autopilotapikey header provided."); break;
    case SIM_REFUSE_BAD_KEY: http_error(r, 401, "Provided autopilotapikey not valid."); break;
    case SIM_REFUSE_RATE:
    case SIM_REFUSE_BANNED:
      if (rule->kind == RATELIMIT_BUCKET) {
        http_error(r, 429, "You have exceeded your request rate of %g r/s.", rule->rate);
      } else {
        ratelimit_format_windows(rule, windows, sizeof windows);
        http_error(r, 429, "You have exceeded your request limit of %s.", windows);
      }
      break;
    case SIM_REFUSE_FAULT: http_error(r, 500, "%s", detail); break;
    case SIM_REFUSE_TOO_LARGE: http_error(r, 413, "%s", detail); break;
    case SIM_REFUSE_BAD_PATH: http_error(r, 400, "%s", detail); break;
    case SIM_REFUSE_NO_ROUTE: http_error(r, 404, "%s", detail); break;
    case SIM_REFUSE_METHOD: http_error(r, 405, "%s", detail); break;
  }
}

static void *api_account_new(void) { return account_new(); }
static void api_account_free(void *data) { account_free(data); }
static void api_account_clear(void *data) { account_clear(data); }

static void api_write_state(jsonbuf *b, const void *data) {
  const account *a = data;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "contacts");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < a->contacts.len; i++)
    if (a->contacts.entries[i].value) api_write_contact(b, a, a->contacts.entries[i].value);
  jsonbuf_array_close(b);
  jsonbuf_key(b, "lists");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < a->nlists; i++) {
    const account_list *l = a->lists[i];
    jsonbuf_object_open(b);
    jsonbuf_key(b, "list_id");
    jsonbuf_cstring(b, l->id);
    jsonbuf_key(b, "title");
    jsonbuf_cstring(b, l->title);
    jsonbuf_key(b, "contacts");
    jsonbuf_array_open(b);
    for (size_t k = 0; k < l->members.len; k++) {
      const account_contact *c = l->members.entries[k].value;
      if (c) jsonbuf_cstring(b, c->id);
    }
    jsonbuf_array_close(b);
    jsonbuf_object_close(b);
  }
  jsonbuf_array_close(b);
  jsonbuf_object_close(b);
}

/* Creates a list with a chosen id, as real accounts hold ids of several shapes (spaces included). */
static void api_control_lists(sim *sm, const char *body, size_t len, http_response *r) {
  json_t *v = control_body(body, len, r);
  if (!v) return;
  json_t *key = json_object_get(v, "key"), *title = json_object_get(v, "title"), *id = json_object_get(v, "list_id");
  sim_account *sa = json_is_string(key) ? sim_account_find(sm, json_string_value(key)) : NULL;
  account *a = sa ? sa->data : NULL;
  if (!json_is_string(key) || !json_is_string(title) || !json_string_length(title) || (id && !json_is_string(id))) {
    http_error(r, 400, "The body must be {\"key\": KEY, \"title\": TITLE} with an optional \"list_id\".");
  } else if (!a) {
    http_error(r, 404, "No account has this key.");
  } else if (account_list_find_title(a, json_string_value(title))) {
    http_error(r, 409, "A list with this name already exists.");
  } else if (id && (!json_string_length(id) || account_list_find(a, json_string_value(id)))) {
    http_error(r, 409, "A list with this id already exists (or the id is empty).");
  } else {
    account_list *l = account_list_create(a, json_string_value(title), id ? json_string_value(id) : NULL, &sm->id_rng);
    r->status = 200;
    jsonbuf_object_open(&r->body);
    jsonbuf_key(&r->body, "list_id");
    jsonbuf_cstring(&r->body, l->id);
    jsonbuf_object_close(&r->body);
  }
  json_decref(v);
}

/* POST /__sim/lists: the one control endpoint of Autopilot's own. */
static bool api_control(sim *sm, const char *method, const char *path, const char *body, size_t len,
                        http_response *r) {
  if (strcmp(path, "/__sim/lists") != 0) return false;
  if (strcmp(method, "POST") != 0) {
    http_error(r, 405, "%s is not allowed on %s; use POST.", method, path);
    snprintf(r->allow, sizeof r->allow, "POST");
    return true;
  }
  api_control_lists(sm, body, len, r);
  return true;
}

const sim_api autopilot_api = {
    .program = "autopilot-sim",
    .summary = "A local simulator of Autopilot's REST API (/v1) for tests, demos and benchmarks.",
    .key_header = "autopilotapikey",
    .max_body = 10u * 1024 * 1024,
    .settings_set = SETTINGS_FOR_AUTOPILOT,
    .control_help = "POST /__sim/lists",
    .ban_after = 0,
    .account_new = api_account_new,
    .account_free = api_account_free,
    .account_clear = api_account_clear,
    .write_state = api_write_state,
    .match = api_match_route,
    .run = api_run,
    .refuse = api_refuse,
    .control = api_control,
};

