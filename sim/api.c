/* api.c: the /v1 routes of the Autopilot contract and their handlers. Each handler reads the
 * decoded path and the body, changes the account through account.c or upsert.c, and writes the
 * answer; the HTTP layer has already checked the key, the rate and the faults. */
#include "api.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "jsonparse.h"
#include "upsert.h"

/* ---------------------------------------------------------------- responses */

void api_error(api_response *r, int status, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  jsonbuf_free(&r->body);
  r->status = status;
  const char *reason = MHD_get_reason_phrase_for((unsigned)status);
  if (status == 413) reason = "Payload Too Large";
  jsonbuf_object_open(&r->body);
  jsonbuf_key(&r->body, "error");
  jsonbuf_cstring(&r->body, reason && *reason ? reason : "Error");
  jsonbuf_key(&r->body, "message");
  jsonbuf_cstring(&r->body, msg);
  jsonbuf_object_close(&r->body);
}

void api_response_free(api_response *r) { jsonbuf_free(&r->body); }

static void api_ok_empty(api_response *r, int status) {
  jsonbuf_free(&r->body);
  r->status = status;
}

/* ---------------------------------------------------------------- paths */

static int api_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *api_percent_decode(const char *s, size_t n) {
  char *out = mem_alloc(n + 1), *o = out;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '%') {
      *o++ = s[i];
      continue;
    }
    int hi = i + 2 < n ? api_hex(s[i + 1]) : -1, lo = i + 2 < n ? api_hex(s[i + 2]) : -1;
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
      free(out);
      return NULL;
    }
    *o++ = (char)(hi * 16 + lo);
    i += 2;
  }
  *o = '\0';
  return out;
}

bool api_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    /* ASCII runs, eight bytes at a time */
    while (end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    unsigned c = *p;
    if (c < 0x80) {
      p++;
      continue;
    }
    size_t len;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
    else return false;
    if ((size_t)(end - p) < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((p[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += len;
  }
  return true;
}

bool api_path_parse(const char *raw, api_path *p, char *err, size_t errlen) {
  memset(p, 0, sizeof *p);
  if (raw[0] == '/') raw++;
  size_t n = strlen(raw);
  /* Decoding never makes text longer, so one buffer of n + segments bytes holds them all. */
  p->storage = mem_alloc(n + API_MAX_SEGMENTS + 1);
  char *o = p->storage;
  const char *seg = raw;
  for (;;) {
    const char *slash = strchr(seg, '/');
    size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
    char *dec = api_percent_decode(seg, len);
    if (!dec) {
      snprintf(err, errlen, "The path holds a malformed percent-escape (or an encoded NUL byte).");
      return false;
    }
    size_t dlen = strlen(dec);
    if (!api_utf8_valid(dec, dlen)) {
      free(dec);
      snprintf(err, errlen, "The path is not valid UTF-8 once decoded.");
      return false;
    }
    if (p->n < API_MAX_SEGMENTS) {
      memcpy(o, dec, dlen + 1);
      p->segments[p->n++] = o;
      o += dlen + 1;
    } else {
      p->too_long = true;
    }
    free(dec);
    if (!slash) break;
    seg = slash + 1;
  }
  return true;
}

void api_path_free(api_path *p) {
  free(p->storage);
  memset(p, 0, sizeof *p);
}

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
static bool api_body_present(const api_call *call, api_response *r) {
  size_t n = call->body_len;
  const char *s = call->body;
  while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) s++, n--;
  if (!n) {
    api_error(r, 400, "The request body is empty; send a JSON object.");
    return false;
  }
  if (!api_utf8_valid(call->body, call->body_len)) {
    api_error(r, 400, "The request body is not valid UTF-8.");
    return false;
  }
  return true;
}

/* Parses the body as a JSON object. On failure sets a 400 on r and returns NULL. The caller
 * owns the returned reference. */
static json_t *api_body_object(const api_call *call, api_response *r) {
  if (!api_body_present(call, r)) return NULL;
  json_error_t jerr;
  json_t *v = json_loadb(call->body, call->body_len, 0, &jerr);
  if (!v) {
    api_error(r, 400, "The request body is not valid JSON: %s (line %d, column %d).", jerr.text, jerr.line,
              jerr.column);
    return NULL;
  }
  if (!json_is_object(v)) {
    json_decref(v);
    api_error(r, 400, "The request body must be a JSON object.");
    return NULL;
  }
  return v;
}

static const char *api_seg(const api_call *call, size_t i) { return call->path->segments[i]; }

static account_contact *api_find_contact(const api_call *call, size_t seg, api_response *r) {
  account_contact *c = account_contact_find(call->account, api_seg(call, seg));
  if (!c) api_error(r, 404, "Contact could not be found.");
  return c;
}

static account_list *api_find_list(const api_call *call, size_t seg, api_response *r) {
  account_list *l = account_list_find(call->account, api_seg(call, seg));
  if (!l) api_error(r, 404, "List could not be found.");
  return l;
}

/* One page: up to 100 live entries of ix from position pos. total_contacts is the size of the
 * whole collection; the bookmark (the id of the page's last contact) is there only when more
 * contacts follow. */
static void api_write_page(api_response *r, const account *a, const seqindex *ix, size_t pos) {
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
static void api_upsert(api_call *call, api_response *r, bool bulk) {
  if (!api_body_present(call, r)) return;
  jsonparse_doc doc;
  if (!jsonparse_parse(&doc, call->body, call->body_len)) {
    api_error(r, 400, "The request body is not valid JSON: %s.", doc.error);
    jsonparse_free(&doc);
    return;
  }
  const jsonparse_value *body = doc.root;
  const jsonparse_value *items = jsonparse_get(body, bulk ? "contacts" : "contact");
  if (!jsonparse_is(body, JSONPARSE_OBJECT)) {
    api_error(r, 400, "The request body must be a JSON object.");
  } else if (bulk && !jsonparse_is(items, JSONPARSE_ARRAY)) {
    api_error(r, 400, "The body must hold \"contacts\": an array of contact objects.");
  } else if (!bulk && !jsonparse_is(items, JSONPARSE_OBJECT)) {
    api_error(r, 400, "The body must hold \"contact\": a contact object.");
  } else if (bulk && items->as.array.n > API_MAX_BULK) {
    api_error(r, 400, "Too many contacts: at most 100 per request.");
  } else {
    size_t n = bulk ? items->as.array.n : 1;
    const jsonparse_value *const *list = bulk ? (const jsonparse_value *const *)items->as.array.items : &items;
    bool shaped = true;
    for (size_t i = 0; i < n && shaped; i++) {
      if (!jsonparse_is(list[i], JSONPARSE_OBJECT)) {
        api_error(r, 400, "contacts[%zu] must be a contact object.", i);
        shaped = false;
      }
    }
    upsert_context ctx = {call->account, &doc, &call->sim->id_rng, call->sim->settings.list_field, &call->sim->stats,
                          call->now_ms};
    upsert_error err;
    if (shaped) {
      if (upsert_contacts(&ctx, list, n, bulk, &r->body, &err)) r->status = 200;
      else api_error(r, err.status, "%s", err.message);
    }
  }
  jsonparse_free(&doc);
}

/* ---------------------------------------------------------------- contact handlers */

static void api_post_contact(api_call *call, api_response *r) { api_upsert(call, r, false); }
static void api_post_contacts(api_call *call, api_response *r) { api_upsert(call, r, true); }

/* The bookmark is the id of the last contact of the previous page: the next page starts after
 * that contact, even if it has been deleted since. An id no contact ever had is a 404. */
static void api_get_contacts(api_call *call, api_response *r) {
  size_t pos;
  if (account_page_start(call->account, call->path->n > 2 ? api_seg(call, 2) : NULL, &pos))
    api_write_page(r, call->account, &call->account->contacts, pos);
  else api_error(r, 404, "Bookmark could not be found.");
}

static void api_get_custom_fields(api_call *call, api_response *r) {
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

static void api_get_contact(api_call *call, api_response *r) {
  account_contact *c = api_find_contact(call, 2, r);
  if (!c) return;
  r->status = 200;
  api_write_contact(&r->body, call->account, c);
}

static void api_delete_contact(api_call *call, api_response *r) {
  account_contact *c = api_find_contact(call, 2, r);
  if (!c) return;
  account_contact_delete(call->account, c);
  api_ok_empty(r, 204);
}

static void api_unsubscribe(api_call *call, api_response *r) {
  account_contact *c = api_find_contact(call, 2, r);
  if (!c) return;
  c->unsubscribed = true;
  c->updated_ms = call->now_ms;
  api_ok_empty(r, 200);
}

/* ---------------------------------------------------------------- list handlers */

static void api_get_lists(api_call *call, api_response *r) {
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

static void api_post_list(api_call *call, api_response *r) {
  json_t *body = api_body_object(call, r);
  if (!body) return;
  json_t *name = json_object_get(body, "name");
  if (!json_is_string(name) || json_string_length(name) == 0) {
    api_error(r, 400, "The body must hold \"name\": the list's title, a non-empty string.");
  } else if (account_list_find_title(call->account, json_string_value(name))) {
    api_error(r, 409, "A list with this name already exists.");
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

static void api_get_list_contacts(api_call *call, api_response *r) {
  account_list *l = api_find_list(call, 2, r);
  size_t pos;
  if (!l) return;
  if (account_list_page_start(call->account, l, call->path->n > 4 ? api_seg(call, 4) : NULL, &pos))
    api_write_page(r, call->account, &l->members, pos);
  else api_error(r, 404, "Bookmark could not be found.");
}

static void api_get_list_contact(api_call *call, api_response *r) {
  account_list *l = api_find_list(call, 2, r);
  account_contact *c = l ? api_find_contact(call, 4, r) : NULL;
  if (!c) return;
  if (account_list_has(l, c)) api_ok_empty(r, 200);
  else api_error(r, 404, "Contact is not on this list.");
}

static void api_post_list_contact(api_call *call, api_response *r) {
  account_list *l = api_find_list(call, 2, r);
  account_contact *c = l ? api_find_contact(call, 4, r) : NULL;
  if (!c) return;
  if (account_list_add(l, c)) c->updated_ms = call->now_ms;
  api_ok_empty(r, 200);
}

static void api_delete_list_contact(api_call *call, api_response *r) {
  account_list *l = api_find_list(call, 2, r);
  account_contact *c = l ? api_find_contact(call, 4, r) : NULL;
  if (!c) return;
  if (account_list_remove(l, c)) c->updated_ms = call->now_ms;
  api_ok_empty(r, 200);
}

/* ---------------------------------------------------------------- account, segments, journeys */

static void api_get_account(api_call *call, api_response *r) {
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
static void api_get_smart_segments(api_call *call, api_response *r) {
  r->status = 200;
  jsonbuf_raw_value(&r->body, "{\"segments\":[]}", 15);
}

static void api_get_smart_segment_contacts(api_call *call, api_response *r) {
  api_error(r, 404, "Smart segment could not be found.");
}

/* Every account has one journey trigger, "0001", so trigger calls can be exercised. */
#define API_TRIGGER_ID "0001"

static void api_get_triggers(api_call *call, api_response *r) {
  r->status = 200;
  const char *text = "{\"triggers\":[{\"trigger_id\":\"" API_TRIGGER_ID "\",\"journey\":\"Welcome journey\"}]}";
  jsonbuf_raw_value(&r->body, text, strlen(text));
}

static void api_post_trigger_contact(api_call *call, api_response *r) {
  if (strcmp(api_seg(call, 2), API_TRIGGER_ID) != 0) {
    api_error(r, 404, "Trigger could not be found.");
    return;
  }
  if (api_find_contact(call, 4, r)) api_ok_empty(r, 200);
}

/* ---------------------------------------------------------------- REST hooks (stored, never called) */

static const char *const api_hook_events[] = {"contact_added",         "contact_updated",
                                              "contact_unsubscribed",  "contact_added_to_list",
                                              "contact_removed_from_list", "contact_entered_segment",
                                              "contact_left_segment"};

static void api_get_hooks(api_call *call, api_response *r) {
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

static void api_post_hook(api_call *call, api_response *r) {
  json_t *body = api_body_object(call, r);
  if (!body) return;
  json_t *event = json_object_get(body, "event"), *url = json_object_get(body, "target_url");
  bool known = false;
  for (size_t i = 0; json_is_string(event) && i < sizeof api_hook_events / sizeof *api_hook_events; i++)
    known |= strcmp(json_string_value(event), api_hook_events[i]) == 0;
  if (!known) {
    api_error(r, 400, "event must be one of contact_added, contact_updated, contact_unsubscribed, "
              "contact_added_to_list, contact_removed_from_list, contact_entered_segment, contact_left_segment.");
  } else if (!json_is_string(url) || (strncmp(json_string_value(url), "http://", 7) != 0 &&
                                      strncmp(json_string_value(url), "https://", 8) != 0)) {
    api_error(r, 400, "target_url must be an http:// or https:// URL.");
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

static void api_delete_hook(api_call *call, api_response *r) {
  account_hook *h = account_hook_find(call->account, api_seg(call, 2));
  if (!h) {
    api_error(r, 404, "Hook could not be found.");
    return;
  }
  account_hook_remove(call->account, h);
  api_ok_empty(r, 200);
}

static void api_delete_hooks(api_call *call, api_response *r) {
  account_hooks_clear(call->account);
  api_ok_empty(r, 200);
}

/* ---------------------------------------------------------------- the route table */

struct api_route {
  const char *method;
  const char *template; /* literal segments, or {name} for any non-empty segment */
  void (*handler)(api_call *call, api_response *r);
};

/* Order matters where two templates match one path: custom_fields before the bookmark. */
static const api_route api_routes[] = {
    {"POST", "/v1/contact", api_post_contact},
    {"POST", "/v1/contacts", api_post_contacts},
    {"GET", "/v1/contacts", api_get_contacts},
    {"GET", "/v1/contacts/custom_fields", api_get_custom_fields},
    {"GET", "/v1/contacts/{bookmark}", api_get_contacts},
    {"GET", "/v1/contact/{id}", api_get_contact},
    {"DELETE", "/v1/contact/{id}", api_delete_contact},
    {"POST", "/v1/contact/{id}/unsubscribe", api_unsubscribe},
    {"GET", "/v1/lists", api_get_lists},
    {"POST", "/v1/list", api_post_list},
    {"GET", "/v1/list/{list_id}/contacts", api_get_list_contacts},
    {"GET", "/v1/list/{list_id}/contacts/{bookmark}", api_get_list_contacts},
    {"GET", "/v1/list/{list_id}/contact/{id}", api_get_list_contact},
    {"POST", "/v1/list/{list_id}/contact/{id}", api_post_list_contact},
    {"DELETE", "/v1/list/{list_id}/contact/{id}", api_delete_list_contact},
    {"GET", "/v1/account", api_get_account},
    {"GET", "/v1/smart_segments", api_get_smart_segments},
    {"GET", "/v1/smart_segments/{segment_id}/contacts", api_get_smart_segment_contacts},
    {"GET", "/v1/smart_segments/{segment_id}/contacts/{bookmark}", api_get_smart_segment_contacts},
    {"GET", "/v1/triggers", api_get_triggers},
    {"POST", "/v1/trigger/{trigger_id}/contact/{id}", api_post_trigger_contact},
    {"GET", "/v1/hooks", api_get_hooks},
    {"POST", "/v1/hook", api_post_hook},
    {"DELETE", "/v1/hook/{hook_id}", api_delete_hook},
    {"DELETE", "/v1/hooks", api_delete_hooks},
};
#define API_ROUTE_COUNT (sizeof api_routes / sizeof api_routes[0])

static bool api_template_matches(const char *tpl, const api_path *p) {
  if (p->too_long) return false;
  size_t i = 0;
  const char *t = tpl + 1;
  for (;;) {
    const char *slash = strchr(t, '/');
    size_t len = slash ? (size_t)(slash - t) : strlen(t);
    if (i >= p->n) return false;
    const char *seg = p->segments[i++];
    if (t[0] == '{') {
      if (!seg[0]) return false;
    } else if (strlen(seg) != len || strncmp(seg, t, len) != 0) {
      return false;
    }
    if (!slash) break;
    t = slash + 1;
  }
  return i == p->n;
}

void api_match_route(const char *method, const api_path *p, api_match *m) {
  memset(m, 0, sizeof *m);
  for (size_t i = 0; i < API_ROUTE_COUNT; i++) {
    const api_route *rt = &api_routes[i];
    if (!api_template_matches(rt->template, p)) continue;
    if (strcmp(rt->method, method) == 0) {
      m->route = rt;
      m->template = rt->template;
      m->allow[0] = '\0';
      return;
    }
    if (!m->template) m->template = rt->template;
    if (!strstr(m->allow, rt->method)) {
      size_t n = strlen(m->allow);
      snprintf(m->allow + n, sizeof m->allow - n, "%s%s", n ? ", " : "", rt->method);
    }
  }
}

void api_run(const api_route *route, api_call *call, api_response *r) { route->handler(call, r); }
