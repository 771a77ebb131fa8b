/* api.c: the /v1 routes of Ortto's contract and their handlers, Ortto's answers to refused
 * requests, and /__sim/suppress. Each handler reads its JSON body (jansson, on the request arena),
 * changes the account through people.c, and writes the answer; the core has already checked the
 * key, the limits and the faults. */
#include "api.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "control.h"
#include "mem.h"

typedef struct ortto_route {
  http_route head;
  void (*handler)(sim_call *call, people *acct, json_t *body, http_response *r);
} ortto_route;

/* ---------------------------------------------------------------- answers */

static uint64_t ortto_requests; /* numbers the request_id of error answers */

/* Starts Ortto's error body {"request_id":"UUID","code":N,"error":"text" and leaves it open. */
static void ortto_error_open(http_response *r, int status, const char *fmt, va_list ap) {
  char msg[1024], rid[40];
  vsnprintf(msg, sizeof msg, fmt, ap);
  jsonbuf_free(&r->body);
  r->status = status;
  snprintf(rid, sizeof rid, "00000000-0000-4000-8000-%012" PRIx64, ++ortto_requests);
  jsonbuf_object_open(&r->body);
  jsonbuf_key(&r->body, "request_id");
  jsonbuf_cstring(&r->body, rid);
  jsonbuf_key(&r->body, "code");
  jsonbuf_int(&r->body, status);
  jsonbuf_key(&r->body, "error");
  jsonbuf_cstring(&r->body, msg);
}

/* The same, left open for more keys ("details"): the caller closes the object. */
__attribute__((format(printf, 3, 4))) static void ortto_error_begin(http_response *r, int status, const char *fmt,
                                                                    ...) {
  va_list ap;
  va_start(ap, fmt);
  ortto_error_open(r, status, fmt, ap);
  va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void ortto_error(http_response *r, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ortto_error_open(r, status, fmt, ap);
  va_end(ap);
  jsonbuf_object_close(&r->body);
}

/* 429 as Ortto words it; try-in-seconds rounds the wait up to whole seconds. */
static void ortto_rate_limited(http_response *r, int64_t retry_ms) {
  jsonbuf_free(&r->body);
  r->status = 429;
  jsonbuf_object_open(&r->body);
  jsonbuf_key(&r->body, "error");
  jsonbuf_object_open(&r->body);
  jsonbuf_key(&r->body, "code");
  jsonbuf_cstring(&r->body, "rate-limit");
  jsonbuf_key(&r->body, "message");
  jsonbuf_cstring(&r->body, "rate limit");
  jsonbuf_key(&r->body, "try-in-seconds");
  jsonbuf_int(&r->body, retry_ms <= 0 ? 1 : (retry_ms + 999) / 1000);
  jsonbuf_object_close(&r->body);
  jsonbuf_object_close(&r->body);
}

static void ortto_refuse(const sim *sm, sim_refusal why, const char *detail, int64_t retry_ms, http_response *r) {
  switch (why) {
    case SIM_REFUSE_NO_KEY: ortto_error(r, 401, "No API key provided: send it in the X-Api-Key header."); break;
    case SIM_REFUSE_BAD_KEY: ortto_error(r, 401, "Invalid API key."); break;
    case SIM_REFUSE_RATE:
    case SIM_REFUSE_BANNED: ortto_rate_limited(r, retry_ms); break;
    case SIM_REFUSE_FAULT: ortto_error(r, 500, "%s", detail); break;
    case SIM_REFUSE_TOO_LARGE: ortto_error(r, 400, "%s", detail); break;
    case SIM_REFUSE_BAD_PATH: ortto_error(r, 404, "Unknown endpoint or method"); break;
    case SIM_REFUSE_NO_ROUTE: ortto_error(r, 404, "Unknown endpoint or method"); break;
    case SIM_REFUSE_METHOD: ortto_error(r, 405, "Method not allowed"); break;
  }
}

/* ---------------------------------------------------------------- fields */

/* Characters (code points) of UTF-8 text. */
static size_t ortto_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static bool ortto_email_valid(const char *s) {
  size_t n = strlen(s);
  const char *at = strchr(s, '@');
  if (!at || at == s || strchr(at + 1, '@') || n > 254) return false;
  const char *dot = strchr(at + 1, '.');
  if (!dot || dot == at + 1 || !dot[1] || s[n - 1] == '.') return false;
  for (const unsigned char *c = (const unsigned char *)s; *c; c++)
    if (*c <= 0x20 || *c == 0x7f) return false;
  return true;
}

static bool ortto_digits(const json_t *v, size_t min, size_t max) {
  if (!json_is_string(v)) return false;
  const char *s = json_string_value(v);
  size_t n = strlen(s);
  if (n < min || n > max) return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return false;
  return true;
}

static bool ortto_real_date(json_int_t y, json_int_t m, json_int_t d) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap);
}

/* "YYYY-MM-DDTHH:MM[:SS[.f+]]" with "Z" or "+HH:MM"/"-HH:MM". */
static bool ortto_datetime_valid(const char *s) {
  int y, mo, d, h, mi, used = 0;
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) != 5 || used != 16) return false;
  if (!ortto_real_date(y, mo, d) || h > 23 || mi > 59 || h < 0 || mi < 0) return false;
  s += used;
  if (s[0] == ':' && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2])) {
    s += 3;
    if (*s == '.') {
      s++;
      if (!isdigit((unsigned char)*s)) return false;
      while (isdigit((unsigned char)*s)) s++;
    }
  }
  if (strcmp(s, "Z") == 0) return true;
  return (s[0] == '+' || s[0] == '-') && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
         s[3] == ':' && isdigit((unsigned char)s[4]) && isdigit((unsigned char)s[5]) && !s[6];
}

/* The built-in fields (empty namespace) the simulator knows. */
static const char *const ortto_builtins[] = {
    "str::email", "str::first", "str::last", "str::ei", "str::postal", "phn::phone", "geo::city",
    "geo::country", "geo::region", "dtz::b", "bol::p", "bol::gdpr",
};

bool ortto_field_valid(const people *acct, const char *id, const json_t *v, char *err, size_t errlen) {
  const char *c1 = strchr(id, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  bool known = false;
  if (c2 && c2 == c1 + 1) {
    for (size_t i = 0; i < sizeof ortto_builtins / sizeof *ortto_builtins; i++) known |= strcmp(id, ortto_builtins[i]) == 0;
  } else if (c2 && c2 - c1 == 3 && strncmp(c1 + 1, "cm", 2) == 0) {
    known = people_field_find(acct, id) != NULL;
  }
  if (!known) {
    snprintf(err, errlen, "Unknown field \"%.100s\": use a built-in field id or one made by custom-field/create.", id);
    return false;
  }
  if (json_is_null(v)) return true;
  size_t tlen = (size_t)(c1 - id);
  char type[8];
  snprintf(type, sizeof type, "%.*s", (int)(tlen < 7 ? tlen : 7), id);
  bool ok;
  const char *want;
  if (strcmp(type, "str") == 0) {
    want = "a string of at most 255 characters";
    ok = json_is_string(v) && ortto_chars(json_string_value(v)) <= 255;
    if (ok && strcmp(id, "str::email") == 0) {
      want = "an email address";
      ok = ortto_email_valid(json_string_value(v));
    }
  } else if (strcmp(type, "txt") == 0) {
    want = "a string of at most 4000 characters";
    ok = json_is_string(v) && ortto_chars(json_string_value(v)) <= 4000;
  } else if (strcmp(type, "int") == 0) {
    want = "a whole number (decimals as the number x 1000)";
    ok = json_is_integer(v);
  } else if (strcmp(type, "bol") == 0) {
    want = "true or false";
    ok = json_is_boolean(v);
  } else if (strcmp(type, "geo") == 0) {
    want = "an object {\"name\": \"...\"}";
    const json_t *name = json_object_get(v, "name");
    ok = json_is_object(v) && json_object_size(v) == 1 && json_is_string(name) && json_string_length(name) &&
         ortto_chars(json_string_value(name)) <= 255;
  } else if (strcmp(type, "dtz") == 0) {
    want = "a date object {\"year\": Y, \"month\": M, \"day\": D} (\"timezone\" optional)";
    const json_t *y = json_object_get(v, "year"), *m = json_object_get(v, "month"), *d = json_object_get(v, "day");
    const json_t *tz = json_object_get(v, "timezone");
    ok = json_is_object(v) && json_is_integer(y) && json_is_integer(m) && json_is_integer(d) &&
         json_object_size(v) == 3u + (tz != NULL) && (!tz || json_is_string(tz)) &&
         ortto_real_date(json_integer_value(y), json_integer_value(m), json_integer_value(d));
  } else if (strcmp(type, "tme") == 0) {
    want = "an ISO 8601 date and time, like 2025-01-31T09:30:00Z";
    ok = json_is_string(v) && ortto_datetime_valid(json_string_value(v));
  } else { /* phn */
    want = "a phone object {\"c\": \"country code digits\", \"n\": \"number digits\"}";
    const json_t *cc = json_object_get(v, "c"), *n = json_object_get(v, "n");
    ok = json_is_object(v) && ortto_digits(n, 3, 20) && (!cc || ortto_digits(cc, 1, 4)) &&
         json_object_size(v) == 1u + (cc != NULL);
  }
  if (!ok) snprintf(err, errlen, "Field \"%.100s\" must be %s.", id, want);
  return ok;
}

bool ortto_kebab(const char *name, char *out, size_t outlen) {
  size_t n = 0;
  bool dash = false;
  for (const unsigned char *c = (const unsigned char *)name; *c && n + 2 < outlen; c++) {
    if (isalnum(*c)) {
      if (dash && n) out[n++] = '-';
      out[n++] = (char)tolower(*c);
      dash = false;
    } else {
      dash = true;
    }
  }
  out[n] = '\0';
  return n > 0;
}

/* ---------------------------------------------------------------- reading people */

/* Writes {"id","fields":{...}} of person x: every field and the tags when want is NULL, else the
 * fields named in want ("tags" for the tags) that x has. */
static void ortto_write_person(jsonbuf *b, const people_person *x, const json_t *want, bool id_key) {
  jsonbuf_object_open(b);
  jsonbuf_key(b, id_key ? "id" : "person_id");
  jsonbuf_cstring(b, x->id);
  jsonbuf_key(b, "fields");
  jsonbuf_object_open(b);
  bool tags = !want;
  for (size_t i = 0; i < x->nvalues; i++) {
    bool wanted = !want;
    size_t k;
    const json_t *w;
    json_array_foreach(want, k, w) wanted |= json_is_string(w) && strcmp(json_string_value(w), x->values[i].field) == 0;
    if (!wanted) continue;
    jsonbuf_key(b, x->values[i].field);
    jsonbuf_raw_value(b, x->values[i].json, strlen(x->values[i].json));
  }
  size_t k;
  const json_t *w;
  json_array_foreach(want, k, w) tags |= json_is_string(w) && strcmp(json_string_value(w), "tags") == 0;
  if (tags && want) {
    jsonbuf_key(b, "tags");
    jsonbuf_array_open(b);
    for (size_t i = 0; i < x->ntags; i++) jsonbuf_cstring(b, x->tags[i]->name);
    jsonbuf_array_close(b);
  }
  jsonbuf_object_close(b);
  if (!want) {
    jsonbuf_key(b, "tags");
    jsonbuf_array_open(b);
    for (size_t i = 0; i < x->ntags; i++) jsonbuf_cstring(b, x->tags[i]->name);
    jsonbuf_array_close(b);
  }
  jsonbuf_object_close(b);
}

/* "fields": absent, or an array of strings. */
static bool ortto_fields_arg(const json_t *body, const json_t **want, http_response *r) {
  *want = json_object_get(body, "fields");
  if (!*want) return true;
  size_t i;
  const json_t *w;
  bool ok = json_is_array(*want);
  json_array_foreach(*want, i, w) ok &= json_is_string(w);
  if (!ok) ortto_error(r, 400, "fields must be an array of field ids (\"tags\" for the tags).");
  return ok;
}

static void ortto_person_get(sim_call *call, people *acct, json_t *body, http_response *r) {
  const json_t *limit = json_object_get(body, "limit"), *offset = json_object_get(body, "offset");
  const json_t *cursor = json_object_get(body, "cursor_id"), *filter = json_object_get(body, "filter"), *want;
  json_int_t lim = 50, off = 0;
  if (limit && (!json_is_integer(limit) || json_integer_value(limit) < 1 ||
                json_integer_value(limit) > ORTTO_MAX_GET_LIMIT)) {
    ortto_error(r, 400, "limit must be a whole number from 1 to %d.", ORTTO_MAX_GET_LIMIT);
    return;
  }
  if (limit) lim = json_integer_value(limit);
  if (offset && (!json_is_integer(offset) || json_integer_value(offset) < 0)) {
    ortto_error(r, 400, "offset must be a whole number, 0 or more.");
    return;
  }
  if (offset) off = json_integer_value(offset);
  if (cursor && !(json_is_string(cursor) && json_string_length(cursor) == 0)) {
    /* Our cursors are "c" and the offset in hex: opaque to clients, checked here. */
    const char *c = json_is_string(cursor) ? json_string_value(cursor) : "";
    char *end;
    unsigned long long v = c[0] == 'c' && isxdigit((unsigned char)c[1]) ? strtoull(c + 1, &end, 16) : 0;
    if (c[0] != 'c' || !isxdigit((unsigned char)c[1]) || *end || v > acct->n) {
      ortto_error(r, 400, "cursor_id is not a cursor this account gave out.");
      return;
    }
    off = (json_int_t)v;
  }
  if (filter && !(json_is_object(filter) && json_object_size(filter) == 0)) {
    ortto_error(r, 400, "The simulator does not evaluate filter; page through everyone instead.");
    return;
  }
  if (!ortto_fields_arg(body, &want, r)) return;
  size_t start = (size_t)off > acct->n ? acct->n : (size_t)off;
  size_t end = start + (size_t)lim > acct->n ? acct->n : start + (size_t)lim;
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "contacts");
  jsonbuf_array_open(b);
  for (size_t i = start; i < end; i++) ortto_write_person(b, acct->persons[i], want, true);
  jsonbuf_array_close(b);
  jsonbuf_key(b, "meta");
  jsonbuf_object_open(b);
  jsonbuf_key(b, "total_contacts");
  jsonbuf_int(b, (int64_t)acct->n);
  jsonbuf_object_close(b);
  jsonbuf_key(b, "offset");
  jsonbuf_int(b, (int64_t)start);
  jsonbuf_key(b, "next_offset");
  jsonbuf_int(b, (int64_t)end);
  char next[32] = "";
  if (end < acct->n) snprintf(next, sizeof next, "c%zx", end);
  jsonbuf_key(b, "cursor_id");
  jsonbuf_cstring(b, next);
  jsonbuf_key(b, "has_more");
  jsonbuf_bool(b, end < acct->n);
  jsonbuf_object_close(b);
}

static void ortto_person_get_by_ids(sim_call *call, people *acct, json_t *body, http_response *r) {
  const json_t *ids = json_object_get(body, "contact_ids"), *want, *id;
  size_t i;
  bool ok = json_is_array(ids) && json_array_size(ids) >= 1 && json_array_size(ids) <= ORTTO_MAX_GET_LIMIT;
  json_array_foreach(ids, i, id) ok &= json_is_string(id);
  if (!ok) {
    ortto_error(r, 400, "contact_ids must be an array of 1 to %d person ids.", ORTTO_MAX_GET_LIMIT);
    return;
  }
  if (!ortto_fields_arg(body, &want, r)) return;
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "contacts");
  jsonbuf_object_open(b);
  json_array_foreach(ids, i, id) {
    const people_person *x = people_find_id(acct, json_string_value(id));
    bool seen = false; /* a repeated id answers once */
    for (size_t k = 0; k < i && !seen; k++) seen = strcmp(json_string_value(json_array_get(ids, k)), json_string_value(id)) == 0;
    if (!x || seen) continue;
    jsonbuf_key(b, x->id);
    ortto_write_person(b, x, want, true);
  }
  jsonbuf_object_close(b);
  jsonbuf_object_close(b);
}

/* ---------------------------------------------------------------- merge */

/* One person of a merge call once checked. */
typedef struct ortto_entry {
  const json_t *fields, *tags, *unset_tags;
  const char *email, *ei; /* the non-null str::email / str::ei sent, or NULL */
  char error[300];        /* "" when valid */
} ortto_entry;

/* The plain string of a merge key sent for entry e, or NULL. */
static const char *ortto_key_value(const ortto_entry *e, const char *key) {
  return strcmp(key, "str::email") == 0 ? e->email : e->ei;
}

static people_person *ortto_find_by(const people *acct, const char *key, const char *value) {
  if (!value) return NULL;
  return strcmp(key, "str::email") == 0 ? people_find_email(acct, value) : people_find_ei(acct, value);
}

static bool ortto_tag_list(const json_t *v) {
  if (!v) return true;
  if (!json_is_array(v)) return false;
  size_t i;
  const json_t *t;
  json_array_foreach(v, i, t) if (!json_is_string(t) || !json_string_length(t) || ortto_chars(json_string_value(t)) > 255) return false;
  return true;
}

static void ortto_check_person(const people *acct, const json_t *person, size_t nkeys, const char *const *keys,
                               ortto_entry *e) {
  memset(e, 0, sizeof *e);
  char err[300];
  if (!json_is_object(person)) {
    snprintf(e->error, sizeof e->error, "A person must be an object with \"fields\".");
    return;
  }
  e->fields = json_object_get(person, "fields");
  e->tags = json_object_get(person, "tags");
  e->unset_tags = json_object_get(person, "unset_tags");
  if (!json_is_object(e->fields)) {
    snprintf(e->error, sizeof e->error, "A person must have \"fields\": an object of field ids and values.");
    return;
  }
  const char *id;
  const json_t *v;
  json_object_foreach((json_t *)e->fields, id, v) {
    if (!ortto_field_valid(acct, id, v, err, sizeof err)) {
      snprintf(e->error, sizeof e->error, "%s", err);
      return;
    }
  }
  const json_t *email = json_object_get(e->fields, "str::email"), *ei = json_object_get(e->fields, "str::ei");
  e->email = json_is_string(email) ? json_string_value(email) : NULL;
  e->ei = json_is_string(ei) ? json_string_value(ei) : NULL;
  if (!e->email && !e->ei) {
    snprintf(e->error, sizeof e->error, "A person needs str::email or str::ei.");
    return;
  }
  bool any_key = false;
  for (size_t k = 0; k < nkeys; k++) any_key |= ortto_key_value(e, keys[k]) != NULL;
  if (!any_key) {
    snprintf(e->error, sizeof e->error, "A person needs a value for one of the merge_by fields.");
    return;
  }
  if (!ortto_tag_list(e->tags) || !ortto_tag_list(e->unset_tags)) {
    snprintf(e->error, sizeof e->error, "tags and unset_tags must be arrays of tag names (1 to 255 characters).");
    return;
  }
  size_t i, j;
  const json_t *t, *u;
  json_array_foreach(e->tags, i, t) json_array_foreach(e->unset_tags, j, u) {
    if (strcmp(json_string_value(t), json_string_value(u)) == 0) {
      snprintf(e->error, sizeof e->error, "The tag \"%.100s\" is in both tags and unset_tags; send it in one.",
               json_string_value(t));
      return;
    }
  }
}

/* Sets (or, for null, clears) field id of x to v. */
static void ortto_set_field(people *acct, people_person *x, const char *id, const json_t *v) {
  if (json_is_null(v)) {
    people_set(acct, x, id, NULL, NULL);
    return;
  }
  char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  people_set(acct, x, id, text, json_is_string(v) ? json_string_value(v) : NULL);
  arena_json_free(text);
}

static void ortto_apply_tags(people *acct, people_person *x, const ortto_entry *e) {
  size_t i;
  const json_t *t;
  json_array_foreach(e->unset_tags, i, t) {
    people_tag *tag = people_tag_get(acct, json_string_value(t), false);
    if (tag) people_tag_remove(x, tag);
  }
  json_array_foreach(e->tags, i, t) people_tag_add(x, people_tag_get(acct, json_string_value(t), true));
}

typedef struct ortto_merge_opts {
  const char *keys[2];
  size_t nkeys;
  int merge_strategy, find_strategy;
  bool skip_non_existing;
} ortto_merge_opts;

/* Merges one valid person; writes its entry of the answer. */
static void ortto_merge_one(sim *sm, people *acct, const ortto_merge_opts *o, ortto_entry *e, jsonbuf *b) {
  people_person *x = NULL;
  if (o->find_strategy == 0) {
    for (size_t k = 0; k < o->nkeys && !x; k++) x = ortto_find_by(acct, o->keys[k], ortto_key_value(e, o->keys[k]));
  } else if (o->find_strategy == 1) {
    const char *first = ortto_key_value(e, o->keys[0]);
    x = first ? ortto_find_by(acct, o->keys[0], first) : ortto_find_by(acct, o->keys[1], ortto_key_value(e, o->keys[1]));
  } else {
    people_person *a = ortto_find_by(acct, o->keys[0], ortto_key_value(e, o->keys[0]));
    people_person *c = ortto_find_by(acct, o->keys[1], ortto_key_value(e, o->keys[1]));
    x = a && a == c ? a : NULL;
  }
  const char *email = e->email ? e->email : x ? x->email_key : NULL;
  jsonbuf_object_open(b);
  if (email && people_suppressed(acct, email)) {
    if (x) {
      jsonbuf_key(b, "person_id");
      jsonbuf_cstring(b, x->id);
    }
    jsonbuf_key(b, "status");
    jsonbuf_cstring(b, "suppressed");
    jsonbuf_key(b, "error");
    jsonbuf_cstring(b, "Email is suppressed");
    jsonbuf_object_close(b);
    return;
  }
  if (!x && o->skip_non_existing) {
    jsonbuf_key(b, "status");
    jsonbuf_cstring(b, "skipped");
    jsonbuf_object_close(b);
    return;
  }
  bool writes = !x || o->merge_strategy != 3;
  /* str::email and str::ei name one person each: a write that would give one to a second person
   * is refused for that person. */
  const char *clash = NULL;
  people_person *other;
  if (writes && e->email && (other = people_find_email(acct, e->email)) && other != x &&
      (o->merge_strategy == 2 || !x || !people_value(x, "str::email")))
    clash = "str::email";
  if (writes && e->ei && (other = people_find_ei(acct, e->ei)) && other != x &&
      (o->merge_strategy == 2 || !x || !people_value(x, "str::ei")))
    clash = "str::ei";
  if (clash) {
    jsonbuf_key(b, "status");
    jsonbuf_cstring(b, "invalid");
    jsonbuf_key(b, "error");
    char msg[120];
    snprintf(msg, sizeof msg, "Another person already has this %s.", clash);
    jsonbuf_cstring(b, msg);
    jsonbuf_object_close(b);
    return;
  }
  bool created = !x;
  if (created) x = people_create(acct, &sm->id_rng);
  const char *id;
  const json_t *v;
  if (writes) {
    json_object_foreach((json_t *)e->fields, id, v) {
      if (created || o->merge_strategy == 2) {
        if (!(created && json_is_null(v))) ortto_set_field(acct, x, id, v);
      } else if (!json_is_null(v) && !people_value(x, id)) { /* 1: append only */
        ortto_set_field(acct, x, id, v);
      }
    }
    ortto_apply_tags(acct, x, e);
  }
  jsonbuf_key(b, "person_id");
  jsonbuf_cstring(b, x->id);
  jsonbuf_key(b, "status");
  jsonbuf_cstring(b, created ? "created" : "merged");
  jsonbuf_object_close(b);
}

static void ortto_person_merge(sim_call *call, people *acct, json_t *body, http_response *r) {
  const json_t *list = json_object_get(body, "people"), *merge_by = json_object_get(body, "merge_by");
  const json_t *ms = json_object_get(body, "merge_strategy"), *fs = json_object_get(body, "find_strategy");
  const json_t *skip = json_object_get(body, "skip_non_existing");
  ortto_merge_opts o = {{"str::email", NULL}, 1, 2, 0, false};
  if (!json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > ORTTO_MAX_PEOPLE) {
    ortto_error(r, 400, "people must be an array of 1 to %d people.", ORTTO_MAX_PEOPLE);
    return;
  }
  if (merge_by) {
    bool ok = json_is_array(merge_by) && json_array_size(merge_by) >= 1 && json_array_size(merge_by) <= 2;
    size_t i;
    const json_t *k;
    json_array_foreach(merge_by, i, k) {
      ok &= json_is_string(k) && (strcmp(json_string_value(k), "str::email") == 0 ||
                                  strcmp(json_string_value(k), "str::ei") == 0);
      if (ok) o.keys[i] = json_string_value(k);
    }
    if (ok && json_array_size(merge_by) == 2) ok = strcmp(o.keys[0], o.keys[1]) != 0;
    if (!ok) {
      ortto_error(r, 400, "merge_by must list one or two different fields of str::email and str::ei.");
      return;
    }
    o.nkeys = json_array_size(merge_by);
  }
  if (ms && (!json_is_integer(ms) || json_integer_value(ms) < 1 || json_integer_value(ms) > 3)) {
    ortto_error(r, 400, "merge_strategy must be 1 (append only), 2 (overwrite) or 3 (ignore).");
    return;
  }
  if (ms) o.merge_strategy = (int)json_integer_value(ms);
  if (fs && (!json_is_integer(fs) || json_integer_value(fs) < 0 || json_integer_value(fs) > 2)) {
    ortto_error(r, 400, "find_strategy must be 0 (any key), 1 (next key only if the first is empty) or 2 (all keys).");
    return;
  }
  if (fs) o.find_strategy = (int)json_integer_value(fs);
  if (o.find_strategy && o.nkeys != 2) {
    ortto_error(r, 400, "find_strategy %d needs two merge_by fields.", o.find_strategy);
    return;
  }
  if (skip && !json_is_boolean(skip)) {
    ortto_error(r, 400, "skip_non_existing must be true or false.");
    return;
  }
  o.skip_non_existing = json_is_true(skip);

  size_t n = json_array_size(list), valid = 0;
  ortto_entry *entries = mem_alloc(n * sizeof *entries);
  for (size_t i = 0; i < n; i++) {
    ortto_check_person(acct, json_array_get(list, i), o.nkeys, o.keys, &entries[i]);
    valid += !entries[i].error[0];
  }
  if (!valid) {
    ortto_error_begin(r, 400, "No valid contacts provided (%zu %s, none valid)", n, n == 1 ? "person" : "people");
    jsonbuf_key(&r->body, "details");
    jsonbuf_array_open(&r->body);
    for (size_t i = 0; i < n; i++) {
      jsonbuf_object_open(&r->body);
      jsonbuf_key(&r->body, "status");
      jsonbuf_cstring(&r->body, "invalid");
      jsonbuf_key(&r->body, "error");
      jsonbuf_cstring(&r->body, entries[i].error);
      jsonbuf_object_close(&r->body);
    }
    jsonbuf_array_close(&r->body);
    jsonbuf_object_close(&r->body);
    free(entries);
    return;
  }
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "people");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < n; i++) {
    if (entries[i].error[0]) {
      jsonbuf_object_open(b);
      jsonbuf_key(b, "status");
      jsonbuf_cstring(b, "invalid");
      jsonbuf_key(b, "error");
      jsonbuf_cstring(b, entries[i].error);
      jsonbuf_object_close(b);
    } else {
      ortto_merge_one(call->sim, acct, &o, &entries[i], b);
    }
  }
  jsonbuf_array_close(b);
  jsonbuf_object_close(b);
  free(entries);
}

/* ---------------------------------------------------------------- custom fields, tags, audiences */

typedef struct ortto_field_type {
  const char *display_type, *prefix;
} ortto_field_type;

static const ortto_field_type ortto_field_types[] = {
    {"text", "str"},     {"large_text", "txt"}, {"integer", "int"},       {"decimal", "int"},
    {"currency", "int"}, {"boolean", "bol"},    {"phone", "phn"},         {"date", "dtz"},
    {"time", "tme"},     {"single_select", "str"}, {"multi_select", "str"},
};

static void ortto_write_field(jsonbuf *b, const people_field *f, bool create) {
  jsonbuf_object_open(b);
  if (create) {
    jsonbuf_key(b, "name");
    jsonbuf_cstring(b, f->name);
    jsonbuf_key(b, "field_id");
    jsonbuf_cstring(b, f->id);
  } else {
    jsonbuf_key(b, "id");
    jsonbuf_cstring(b, f->id);
    jsonbuf_key(b, "name");
    jsonbuf_cstring(b, f->name);
  }
  jsonbuf_key(b, "display_type");
  jsonbuf_cstring(b, f->display_type);
  jsonbuf_object_close(b);
}

static void ortto_field_create(sim_call *call, people *acct, json_t *body, http_response *r) {
  const json_t *name = json_object_get(body, "name"), *type = json_object_get(body, "type");
  const ortto_field_type *ft = NULL;
  for (size_t i = 0; json_is_string(type) && i < sizeof ortto_field_types / sizeof *ortto_field_types; i++)
    if (strcmp(json_string_value(type), ortto_field_types[i].display_type) == 0) ft = &ortto_field_types[i];
  char kebab[300];
  if (!json_is_string(name) || !json_string_length(name) || ortto_chars(json_string_value(name)) > 255) {
    ortto_error(r, 400, "name must be the field's name, 1 to 255 characters.");
  } else if (!ortto_kebab(json_string_value(name), kebab, sizeof kebab)) {
    ortto_error(r, 400, "name must hold at least one letter or digit.");
  } else if (!ft) {
    ortto_error(r, 400, "type must be one of text, large_text, integer, decimal, currency, boolean, phone, date, "
                "time, single_select, multi_select.");
  } else {
    for (size_t i = 0; i < acct->nfields; i++) {
      const char *suffix = strchr(acct->fields[i]->id, ':') + 4; /* past "xxx:cm:" */
      if (strcmp(suffix, kebab) == 0) {
        ortto_error(r, 400, "A custom field with this name already exists.");
        return;
      }
    }
    if (acct->nfields >= ORTTO_MAX_CUSTOM_FIELDS) {
      ortto_error(r, 400, "The account has its %d custom fields already.", ORTTO_MAX_CUSTOM_FIELDS);
      return;
    }
    char id[320];
    snprintf(id, sizeof id, "%s:cm:%s", ft->prefix, kebab);
    const people_field *f = people_field_add(acct, id, json_string_value(name), ft->display_type);
    r->status = 200;
    ortto_write_field(&r->body, f, true);
  }
}

static void ortto_field_get(sim_call *call, people *acct, json_t *body, http_response *r) {
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "fields");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < acct->nfields; i++) {
    jsonbuf_object_open(b);
    jsonbuf_key(b, "field");
    ortto_write_field(b, acct->fields[i], false);
    jsonbuf_object_close(b);
  }
  jsonbuf_array_close(b);
  jsonbuf_object_close(b);
}

/* True when needle occurs in hay, ASCII case-insensitively. */
static bool ortto_contains(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0) return true;
  return n == 0;
}

static void ortto_tags_get(sim_call *call, people *acct, json_t *body, http_response *r) {
  const json_t *q = json_object_get(body, "q");
  if (q && !json_is_string(q)) {
    ortto_error(r, 400, "q must be a string.");
    return;
  }
  jsonbuf *b = &r->body;
  r->status = 200;
  jsonbuf_array_open(b);
  for (size_t i = 0; i < acct->ntags; i++) {
    const people_tag *t = acct->tags[i];
    if (q && !ortto_contains(t->name, json_string_value(q))) continue;
    jsonbuf_object_open(b);
    jsonbuf_key(b, "id");
    jsonbuf_int(b, t->id);
    jsonbuf_key(b, "name");
    jsonbuf_cstring(b, t->name);
    jsonbuf_key(b, "count");
    jsonbuf_int(b, (int64_t)t->count);
    jsonbuf_object_close(b);
  }
  jsonbuf_array_close(b);
}

/* Audiences are built in Ortto's UI, and nothing in the API makes one: every account has none. */
static void ortto_audiences_get(sim_call *call, people *acct, json_t *body, http_response *r) {
  r->status = 200;
  jsonbuf_array_open(&r->body);
  jsonbuf_array_close(&r->body);
}

/* ---------------------------------------------------------------- routes */

static const ortto_route ortto_routes[] = {
    {{"POST", "/v1/person/merge"}, ortto_person_merge},
    {{"POST", "/v1/person/get"}, ortto_person_get},
    {{"POST", "/v1/person/get-by-ids"}, ortto_person_get_by_ids},
    {{"POST", "/v1/person/custom-field/create"}, ortto_field_create},
    {{"POST", "/v1/person/custom-field/get"}, ortto_field_get},
    {{"POST", "/v1/tags/get"}, ortto_tags_get},
    {{"POST", "/v1/audiences/get"}, ortto_audiences_get},
};

static void ortto_match(const char *method, const http_path *p, http_match *m) {
  http_match_route(ortto_routes, sizeof ortto_routes / sizeof *ortto_routes, sizeof *ortto_routes, method, p, m);
}

/* Parses the body (an empty one counts as {}) and runs the handler. */
static void ortto_run(const http_match *m, sim_call *call, http_response *r) {
  json_t *body;
  if (call->body_len == 0) {
    body = json_object();
  } else if (!http_utf8_valid(call->body, call->body_len)) {
    ortto_error(r, 400, "The request body is not valid UTF-8.");
    return;
  } else {
    json_error_t jerr;
    body = json_loadb(call->body, call->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body) {
      ortto_error(r, 400, "The request body is not valid JSON: %s (line %d, column %d).", jerr.text, jerr.line,
                  jerr.column);
      return;
    }
  }
  if (!json_is_object(body)) {
    ortto_error(r, 400, "The request body must be a JSON object.");
  } else {
    ((const ortto_route *)m->route)->handler(call, call->account->data, body, r);
  }
  json_decref(body);
}

/* ---------------------------------------------------------------- state and control */

static void *ortto_account_new(void) { return people_new(); }
static void ortto_account_free(void *data) { people_free(data); }
static void ortto_account_clear(void *data) { people_clear(data); }

static void ortto_write_state(jsonbuf *b, const void *data) {
  const people *acct = data;
  jsonbuf_object_open(b);
  jsonbuf_key(b, "people");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < acct->n; i++) {
    const people_person *x = acct->persons[i];
    jsonbuf_object_open(b);
    jsonbuf_key(b, "person_id");
    jsonbuf_cstring(b, x->id);
    jsonbuf_key(b, "fields");
    jsonbuf_object_open(b);
    for (size_t k = 0; k < x->nvalues; k++) {
      jsonbuf_key(b, x->values[k].field);
      jsonbuf_raw_value(b, x->values[k].json, strlen(x->values[k].json));
    }
    jsonbuf_object_close(b);
    jsonbuf_key(b, "tags");
    jsonbuf_array_open(b);
    for (size_t k = 0; k < x->ntags; k++) jsonbuf_cstring(b, x->tags[k]->name);
    jsonbuf_array_close(b);
    jsonbuf_object_close(b);
  }
  jsonbuf_array_close(b);
  jsonbuf_key(b, "custom_fields");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < acct->nfields; i++) ortto_write_field(b, acct->fields[i], true);
  jsonbuf_array_close(b);
  jsonbuf_key(b, "tags");
  jsonbuf_array_open(b);
  for (size_t i = 0; i < acct->ntags; i++) jsonbuf_cstring(b, acct->tags[i]->name);
  jsonbuf_array_close(b);
  jsonbuf_object_close(b);
}

/* POST /__sim/suppress {"email": "...", "key": "KEY"?}: that email (any case) is suppressed in
 * the account of KEY, or in every account without "key". */
static bool ortto_control(sim *sm, const char *method, const char *path, const char *body, size_t len,
                          http_response *r) {
  if (strcmp(path, "/__sim/suppress") != 0) return false;
  if (strcmp(method, "POST") != 0) {
    http_error(r, 405, "%s is not allowed on %s; use POST.", method, path);
    snprintf(r->allow, sizeof r->allow, "POST");
    return true;
  }
  json_t *v = control_body(body, len, r);
  if (!v) return true;
  json_t *email = json_object_get(v, "email"), *key = json_object_get(v, "key");
  sim_account *only = json_is_string(key) ? sim_account_find(sm, json_string_value(key)) : NULL;
  if (!json_is_object(v) || !json_is_string(email) || !ortto_email_valid(json_string_value(email)) ||
      (key && !json_is_string(key))) {
    http_error(r, 400, "Send {\"email\": \"EMAIL\"} with an optional \"key\": \"KEY\".");
  } else if (key && !only) {
    http_error(r, 404, "No account has this key.");
  } else {
    for (size_t i = 0; i < sm->naccounts; i++)
      if (!only || sm->accounts[i] == only) people_suppress(sm->accounts[i]->data, json_string_value(email));
    r->status = 200;
    jsonbuf_object_open(&r->body);
    jsonbuf_key(&r->body, "suppressed");
    jsonbuf_cstring(&r->body, json_string_value(email));
    jsonbuf_object_close(&r->body);
  }
  json_decref(v);
  return true;
}

const sim_api ortto_api = {
    .program = "ortto-sim",
    .summary = "A local simulator of Ortto's API (/v1: people, custom fields, tags) for tests, demos and benchmarks.",
    .key_header = "X-Api-Key",
    .max_body = ORTTO_MAX_BODY,
    .settings_set = SETTINGS_FOR_ORTTO,
    .control_help = "POST /__sim/suppress",
    .ban_after = 15,
    .account_new = ortto_account_new,
    .account_free = ortto_account_free,
    .account_clear = ortto_account_clear,
    .write_state = ortto_write_state,
    .match = ortto_match,
    .run = ortto_run,
    .refuse = ortto_refuse,
    .control = ortto_control,
};
