/* upsert.c: the three passes of an upsert: validate every contact, plan which contact each one
 * writes (matching by email, renames, duplicates, collisions), then apply. Only the last pass
 * changes the account, and it cannot fail, so a refused call applies nothing. */
#include "upsert.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

/* A custom field named by this call that the account does not have yet. */
typedef struct upsert_new_field {
  char *key, *name; /* owned until registered */
  account_field_type type;
  account_field *registered; /* set when the apply pass registers it */
} upsert_new_field;

typedef struct upsert_custom {
  const account_field *field; /* an existing field, or NULL when pending >= 0 */
  int pending;                /* index into the call's new fields, or -1 */
  const char *text;           /* the normalised value as JSON text (in the doc's pool or source) */
  size_t len;                 /* 0: null, which clears the field */
} upsert_custom;

typedef struct upsert_entry {
  const jsonparse_value *obj; /* borrowed from the request */
  const char *email;     /* as sent */
  char *email_key;       /* lower-cased (owned) */
  const char *new_email; /* _NewEmail as sent, or NULL */
  char *new_key;         /* lower-cased (owned), or NULL */
  const char *final_email; /* the contact's email after this entry */
  account_list *list;    /* _autopilot_list, or NULL */
  int unsubscribed;      /* -1: not sent */
  upsert_custom *custom;
  size_t ncustom;
  size_t target; /* index into the call's targets */
} upsert_entry;

/* A contact the call writes: one that exists, or one it creates (contact NULL until applied). */
typedef struct upsert_target {
  account_contact *contact;
  bool created;
  bool listed; /* already in contact_ids */
} upsert_target;

typedef struct upsert_call {
  const upsert_context *ctx;
  bool bulk;
  upsert_entry *entries;
  size_t n;
  upsert_new_field *new_fields;
  size_t nnew, capnew;
  strmap new_by_name; /* name -> index + 1 */
  upsert_target *targets;
  size_t ntargets, captargets;
  strmap overlay; /* email key -> target index + 1, or UPSERT_VACATED: the emails as this call leaves them */
  upsert_error *err;
} upsert_call;

#define UPSERT_VACATED ((void *)(intptr_t)-1)

/* Fills the error with "contacts[i]: ..." (or "contact: ...") and returns false. */
__attribute__((format(printf, 4, 5))) static bool upsert_refuse(upsert_call *call, int status, size_t i,
                                                                const char *fmt, ...) {
  char what[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  call->err->status = status;
  if (call->bulk) snprintf(call->err->message, sizeof call->err->message, "contacts[%zu]: %s", i, what);
  else snprintf(call->err->message, sizeof call->err->message, "contact: %s", what);
  return false;
}

/* ---------------------------------------------------------------- value checks */

bool upsert_email_valid(const char *s, size_t n) {
  if (n < 5 || n > 254) return false;
  const char *at = NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f || c == ',' || c == ';' || c == '<' || c == '>') return false;
    if (c == '@') {
      if (at) return false;
      at = s + i;
    }
  }
  if (!at || at == s) return false;
  const char *domain = at + 1, *end = s + n;
  size_t dlen = (size_t)(end - domain);
  if (dlen < 3 || domain[0] == '.' || end[-1] == '.') return false;
  return memchr(domain, '.', dlen) != NULL && !strstr(domain, "..");
}

static bool upsert_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i])) return false;
  return true;
}

static int upsert_number(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

bool upsert_date_valid(const char *s, size_t n) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (n < 10 || !upsert_digits(s, 4) || s[4] != '-' || !upsert_digits(s + 5, 2) || s[7] != '-' ||
      !upsert_digits(s + 8, 2))
    return false;
  int y = upsert_number(s, 4), m = upsert_number(s + 5, 2), d = upsert_number(s + 8, 2);
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap)) return false;
  if (n == 10) return true;
  const char *p = s + 10, *end = s + n;
  if (*p != 'T' && *p != ' ') return false;
  p++;
  if (end - p < 5 || !upsert_digits(p, 2) || p[2] != ':' || !upsert_digits(p + 3, 2)) return false;
  if (upsert_number(p, 2) > 23 || upsert_number(p + 3, 2) > 59) return false;
  p += 5;
  if (p < end && *p == ':') {
    if (end - p < 3 || !upsert_digits(p + 1, 2) || upsert_number(p + 1, 2) > 60) return false;
    p += 3;
    if (p < end && *p == '.') {
      const char *f = ++p;
      while (p < end && isdigit((unsigned char)*p)) p++;
      if (p == f) return false;
    }
  }
  if (p == end) return true;
  if (*p == 'Z') return p + 1 == end;
  if ((*p == '+' || *p == '-') && end - p == 6 && upsert_digits(p + 1, 2) && p[3] == ':' &&
      upsert_digits(p + 4, 2))
    return upsert_number(p + 1, 2) <= 23 && upsert_number(p + 4, 2) <= 59;
  return false;
}

/* Parses a whole string as a number: no blanks, nothing after it, finite. */
static bool upsert_parse_double(const char *s, double *out) {
  if (!*s || isspace((unsigned char)*s)) return false;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || !isfinite(v)) return false;
  *out = v;
  return true;
}

static bool upsert_parse_integer(const char *s, long long *out) {
  const char *p = s + (*s == '-' || *s == '+');
  if (!*p || !upsert_digits(p, strlen(p))) return false;
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno) return false;
  *out = v;
  return true;
}

/* Copies text into the call's pool. */
static const char *upsert_keep(upsert_call *call, const char *text, size_t n) {
  char *p = jsonparse_alloc(call->ctx->doc, n + 1);
  memcpy(p, text, n);
  p[n] = '\0';
  return p;
}

/* Normalises a custom value to the field's type, as JSON text in *out (*len 0 for null, which
 * clears the field). Returns false when the value does not fit the type. Strings that read as the
 * type are accepted ("12" for an integer, "true" for a boolean), as clients send form values. */
static bool upsert_custom_value(upsert_call *call, account_field_type type, const jsonparse_value *v,
                                const char **out, size_t *len) {
  char tmp[64];
  *out = v->source;
  *len = v->source_len;
  if (v->type == JSONPARSE_NULL) {
    *len = 0;
    return true;
  }
  const char *s = v->type == JSONPARSE_STRING ? v->as.string.text : NULL;
  switch (type) {
    case FIELD_STRING: return s != NULL;
    case FIELD_INTEGER: {
      long long i;
      if (v->type == JSONPARSE_INTEGER) return true;
      if (v->type == JSONPARSE_REAL && v->as.real == floor(v->as.real) && fabs(v->as.real) < 9.2e18)
        i = (long long)v->as.real;
      else if (!s || !upsert_parse_integer(s, &i))
        return false;
      int n = snprintf(tmp, sizeof tmp, "%lld", (long long)i);
      *out = upsert_keep(call, tmp, (size_t)n);
      *len = (size_t)n;
      return true;
    }
    case FIELD_FLOAT: {
      double d;
      if (v->type == JSONPARSE_REAL) return true;
      if (v->type == JSONPARSE_INTEGER) d = (double)v->as.integer;
      else if (!s || !upsert_parse_double(s, &d)) return false;
      jsonbuf b;
      jsonbuf_init(&b);
      jsonbuf_double(&b, d);
      *out = upsert_keep(call, b.data, b.len);
      *len = b.len;
      jsonbuf_free(&b);
      return true;
    }
    case FIELD_BOOLEAN: {
      bool t = v->type == JSONPARSE_TRUE || (s && strcasecmp(s, "true") == 0);
      bool f = v->type == JSONPARSE_FALSE || (s && strcasecmp(s, "false") == 0);
      if (!t && !f) return false;
      *out = t ? "true" : "false";
      *len = t ? 4 : 5;
      return true;
    }
    case FIELD_DATE: return s && upsert_date_valid(s, v->as.string.len);
  }
  return false;
}

static const char *upsert_type_article(account_field_type t) {
  static const char *const names[] = {"a string", "an integer", "a number", "true or false",
                                      "an ISO-8601 date"};
  return names[t];
}

/* Splits "integer--Orders--Count" into type and name ("Orders Count", malloced into *name). */
static bool upsert_parse_custom_key(const char *key, account_field_type *type, char **name) {
  const char *sep = strstr(key, "--");
  if (!sep) return false;
  size_t tlen = (size_t)(sep - key);
  int t = -1;
  for (int i = 0; i < 5; i++)
    if (strlen(account_field_type_names[i]) == tlen && strncmp(key, account_field_type_names[i], tlen) == 0) t = i;
  if (t < 0) return false;
  const char *rest = sep + 2;
  if (!*rest) return false;
  char *out = mem_alloc(strlen(rest) + 1), *o = out;
  for (const char *p = rest; *p;) {
    if (p[0] == '-' && p[1] == '-') *o++ = ' ', p += 2;
    else *o++ = *p++;
  }
  *o = '\0';
  *type = (account_field_type)t;
  *name = out;
  return true;
}

/* ---------------------------------------------------------------- pass 1: validate */

static bool upsert_validate_custom(upsert_call *call, size_t i, upsert_entry *e, const jsonparse_value *custom) {
  if (!jsonparse_is(custom, JSONPARSE_OBJECT)) return upsert_refuse(call, 400, i, "custom must be an object of typed fields.");
  e->custom = mem_zalloc((custom->as.object.n ? custom->as.object.n : 1) * sizeof *e->custom);
  for (size_t k = 0; k < custom->as.object.n; k++) {
    const char *key = custom->as.object.members[k].key;
    const jsonparse_value *v = custom->as.object.members[k].value;
    account_field_type type;
    char *name;
    if (!upsert_parse_custom_key(key, &type, &name))
      return upsert_refuse(call, 400, i,
                           "custom field key \"%.80s\" must look like \"<type>--<Name>\", type being "
                           "string, integer, float, boolean or date.", key);
    upsert_custom *c = &e->custom[e->ncustom++];
    c->pending = -1;
    const account_field *known = account_field_find(call->ctx->account, name);
    uintptr_t pending = (uintptr_t)strmap_get(&call->new_by_name, name);
    account_field_type known_type = known ? known->type : pending ? call->new_fields[pending - 1].type : type;
    if (known_type != type) {
      bool refused = upsert_refuse(call, 400, i, "custom field \"%.80s\" has type %s, so \"%.80s\" does not fit it.",
                                   name, account_field_type_names[known_type], key);
      free(name);
      return refused;
    }
    if (known) {
      c->field = known;
      free(name);
    } else if (pending) {
      c->pending = (int)pending - 1;
      free(name);
    } else {
      mem_grow((void **)&call->new_fields, &call->capnew, call->nnew + 1, sizeof *call->new_fields);
      call->new_fields[call->nnew] = (upsert_new_field){mem_strdup(key), name, type, NULL};
      strmap_put(&call->new_by_name, name, (void *)(uintptr_t)(call->nnew + 1));
      c->pending = (int)call->nnew++;
    }
    if (!upsert_custom_value(call, type, v, &c->text, &c->len))
      return upsert_refuse(call, 400, i, "custom field %.80s needs %s, not %.*s.", key, upsert_type_article(type),
                           v->source_len > 60 ? 60 : (int)v->source_len, v->source);
  }
  return true;
}

static bool upsert_validate_email(upsert_call *call, size_t i, const jsonparse_value *v, const char *name,
                                  const char **out, char **key) {
  if (!jsonparse_is(v, JSONPARSE_STRING)) return upsert_refuse(call, 400, i, "%s must be a string.", name);
  size_t n = v->as.string.len;
  const char *s = v->as.string.text;
  if (!upsert_email_valid(s, n))
    return upsert_refuse(call, 400, i, "%s \"%.100s\" is not a valid email address.", name, s);
  *out = s;
  *key = mem_alloc(n + 1);
  account_email_key(s, *key);
  return true;
}

static bool upsert_validate_entry(upsert_call *call, size_t i) {
  upsert_entry *e = &call->entries[i];
  e->unsubscribed = -1;
  const jsonparse_value *email = jsonparse_get(e->obj, "Email");
  if (!email) return upsert_refuse(call, 400, i, "Email is required.");
  if (!upsert_validate_email(call, i, email, "Email", &e->email, &e->email_key)) return false;
  for (size_t k = 0; k < e->obj->as.object.n; k++) {
    const char *key = e->obj->as.object.members[k].key;
    const jsonparse_value *v = e->obj->as.object.members[k].value;
    if (strcmp(key, "Email") == 0) continue;
    if (strcmp(key, "_NewEmail") == 0) {
      free(e->new_key);
      if (!upsert_validate_email(call, i, v, "_NewEmail", &e->new_email, &e->new_key)) return false;
    } else if (strcmp(key, "_autopilot_list") == 0) {
      if (!jsonparse_is(v, JSONPARSE_STRING)) return upsert_refuse(call, 400, i, "_autopilot_list must be a list id (a string).");
      e->list = account_list_find(call->ctx->account, v->as.string.text);
      if (!e->list)
        return upsert_refuse(call, 400, i, "_autopilot_list \"%.100s\" is not a list of this account.", v->as.string.text);
    } else if (strcmp(key, "unsubscribed") == 0) {
      if (!jsonparse_is_bool(v)) return upsert_refuse(call, 400, i, "unsubscribed must be true or false.");
      e->unsubscribed = v->type == JSONPARSE_TRUE;
    } else if (strcmp(key, "notify") == 0) {
      if (!jsonparse_is_bool(v)) return upsert_refuse(call, 400, i, "notify must be true or false.");
    } else if (strcmp(key, "custom") == 0) {
      if (e->custom) return upsert_refuse(call, 400, i, "custom appears twice.");
      if (!upsert_validate_custom(call, i, e, v)) return false;
    } else if (account_standard_index(key) >= 0) {
      if (v->type != JSONPARSE_STRING && !jsonparse_is_number(v) && v->type != JSONPARSE_NULL)
        return upsert_refuse(call, 400, i, "%s must be a string or a number (null clears it).", key);
    }
    /* Anything else (owner_name, _autopilot_session_id, misspelt names) is ignored. */
  }
  return true;
}

/* ---------------------------------------------------------------- pass 2: plan */

static size_t upsert_new_target(upsert_call *call, account_contact *existing) {
  mem_grow((void **)&call->targets, &call->captargets, call->ntargets + 1, sizeof *call->targets);
  call->targets[call->ntargets] = (upsert_target){existing, false, false};
  return call->ntargets++;
}

/* The target that holds email_key at this point of the call, or -1 when nobody does. */
static long upsert_resolve(upsert_call *call, const char *email_key) {
  void *v = strmap_get(&call->overlay, email_key);
  if (v == UPSERT_VACATED) return -1;
  if (v) return (long)((uintptr_t)v - 1);
  account_contact *c = account_contact_by_email_key(call->ctx->account, email_key);
  if (!c) return -1;
  size_t t = upsert_new_target(call, c);
  strmap_put(&call->overlay, email_key, (void *)(uintptr_t)(t + 1));
  return (long)t;
}

static void upsert_hold(upsert_call *call, const char *email_key, size_t target) {
  strmap_put(&call->overlay, email_key, (void *)(uintptr_t)(target + 1));
}

/* Matches by Email. With _NewEmail: the contact found by Email moves to the new address; if no
 * contact has Email but one has the new address (a retried rename), that one is updated; if
 * neither exists the contact is created with the new address; if both exist and differ, 409. */
static bool upsert_plan_entry(upsert_call *call, size_t i) {
  upsert_entry *e = &call->entries[i];
  long old_target = upsert_resolve(call, e->email_key);
  bool renames = e->new_key && strcmp(e->new_key, e->email_key) != 0;
  e->final_email = e->new_email ? e->new_email : e->email;
  if (!renames) {
    e->target = old_target >= 0 ? (size_t)old_target : upsert_new_target(call, NULL);
    upsert_hold(call, e->email_key, e->target);
    return true;
  }
  long new_target = upsert_resolve(call, e->new_key);
  if (old_target >= 0 && new_target >= 0 && new_target != old_target)
    return upsert_refuse(call, 409, i, "_NewEmail %.100s already belongs to another contact.", e->new_email);
  if (old_target >= 0) {
    e->target = (size_t)old_target;
    strmap_put(&call->overlay, e->email_key, UPSERT_VACATED);
  } else {
    e->target = new_target >= 0 ? (size_t)new_target : upsert_new_target(call, NULL);
  }
  upsert_hold(call, e->new_key, e->target);
  return true;
}

/* ---------------------------------------------------------------- pass 3: apply */

static void upsert_apply_entry(upsert_call *call, upsert_entry *e) {
  const upsert_context *ctx = call->ctx;
  upsert_target *t = &call->targets[e->target];
  if (!t->contact) {
    t->contact = account_contact_create(ctx->account, e->final_email, ctx->ids, ctx->now_ms);
    t->created = true;
  } else if (strcmp(t->contact->email, e->final_email) != 0) {
    account_contact_set_email(ctx->account, t->contact, e->final_email);
  }
  account_contact *c = t->contact;
  for (size_t k = 0; k < e->obj->as.object.n; k++) {
    const char *key = e->obj->as.object.members[k].key;
    const jsonparse_value *v = e->obj->as.object.members[k].value;
    int f = account_standard_index(key);
    if (f >= 0) {
      /* Stored as the JSON text it came in: a string with its escapes, a number as written. */
      account_contact_set_value(c, (uint32_t)f, v->source, v->type == JSONPARSE_NULL ? 0 : v->source_len);
    } else if (ctx->stats && key[0] != '_' && strcmp(key, "Email") != 0 && strcmp(key, "unsubscribed") != 0 &&
               strcmp(key, "notify") != 0 && strcmp(key, "custom") != 0) {
      stats_count_ignored_field(ctx->stats, key);
    }
  }
  if (e->unsubscribed >= 0) c->unsubscribed = e->unsubscribed;
  for (size_t k = 0; k < e->ncustom; k++) {
    const upsert_custom *cu = &e->custom[k];
    const account_field *field = cu->pending >= 0 ? call->new_fields[cu->pending].registered : cu->field;
    account_contact_set_value(c, ACCOUNT_CUSTOM_BASE + field->index, cu->text, cu->len);
  }
  if (e->list && (ctx->list_field == SETTINGS_LIST_FIELD_ALWAYS || t->created)) account_list_add(e->list, c);
  c->updated_ms = ctx->now_ms;
}

static void upsert_write_response(upsert_call *call, jsonbuf *out) {
  if (!call->bulk) {
    jsonbuf_object_open(out);
    jsonbuf_key(out, "contact_id");
    jsonbuf_cstring(out, call->targets[call->entries[0].target].contact->id);
    jsonbuf_object_close(out);
    return;
  }
  jsonbuf_object_open(out);
  jsonbuf_key(out, "contact_ids");
  jsonbuf_array_open(out);
  for (size_t i = 0; i < call->n; i++) {
    upsert_target *t = &call->targets[call->entries[i].target];
    if (t->listed) continue;
    t->listed = true;
    jsonbuf_cstring(out, t->contact->id);
  }
  jsonbuf_array_close(out);
  /* One key per email named (Email, and _NewEmail when present), as sent; the last write wins. */
  strmap seen;
  strmap_init(&seen);
  strmap_reserve(&seen, 2 * call->n);
  const char **keys = mem_alloc(2 * call->n * sizeof *keys);
  size_t nkeys = 0;
  for (size_t i = 0; i < call->n; i++) {
    const char *names[2] = {call->entries[i].email, call->entries[i].new_email};
    for (int k = 0; k < 2; k++) {
      if (!names[k]) continue;
      account_contact *c = call->targets[call->entries[i].target].contact;
      if (!strmap_put(&seen, names[k], c)) keys[nkeys++] = names[k];
    }
  }
  jsonbuf_key(out, "email_contact_map");
  jsonbuf_object_open(out);
  for (size_t k = 0; k < nkeys; k++) {
    jsonbuf_key(out, keys[k]);
    jsonbuf_cstring(out, ((account_contact *)strmap_get(&seen, keys[k]))->id);
  }
  jsonbuf_object_close(out);
  jsonbuf_object_close(out);
  free(keys);
  strmap_free(&seen);
}

/* ---------------------------------------------------------------- the call */

static void upsert_call_free(upsert_call *call) {
  for (size_t i = 0; i < call->n; i++) {
    upsert_entry *e = &call->entries[i];
    free(e->email_key);
    free(e->new_key);
    free(e->custom);
  }
  free(call->entries);
  for (size_t i = 0; i < call->nnew; i++) {
    free(call->new_fields[i].key);
    free(call->new_fields[i].name);
  }
  free(call->new_fields);
  strmap_free(&call->new_by_name);
  free(call->targets);
  strmap_free(&call->overlay);
}

bool upsert_contacts(const upsert_context *ctx, const jsonparse_value *const *items, size_t n, bool bulk,
                     jsonbuf *out, upsert_error *err) {
  upsert_call call = {.ctx = ctx, .bulk = bulk, .n = n, .err = err};
  call.entries = mem_zalloc(n * sizeof *call.entries);
  strmap_init(&call.new_by_name);
  strmap_init(&call.overlay);
  strmap_reserve(&call.overlay, 2 * n); /* an entry holds at most two emails */
  for (size_t i = 0; i < n; i++) call.entries[i].obj = items[i];
  bool ok = true;
  for (size_t i = 0; ok && i < n; i++) ok = upsert_validate_entry(&call, i);
  for (size_t i = 0; ok && i < n; i++) ok = upsert_plan_entry(&call, i);
  if (ok) {
    for (size_t i = 0; i < call.nnew; i++) {
      upsert_new_field *f = &call.new_fields[i];
      f->registered = account_field_add(ctx->account, f->key, f->name, f->type);
    }
    for (size_t i = 0; i < n; i++) upsert_apply_entry(&call, &call.entries[i]);
    if (n) upsert_write_response(&call, out);
    else jsonbuf_raw_value(out, "{\"contact_ids\":[],\"email_contact_map\":{}}", 41);
  }
  upsert_call_free(&call);
  return ok;
}
