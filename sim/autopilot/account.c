/* account.c: the simulated accounts' data and every change to it; no HTTP or JSON parsing here. */
#include "account.h"

#include <string.h>

#include "mem.h"

const char *const account_standard_names[ACCOUNT_STANDARD_COUNT] = {
#define ACCOUNT_FIELD_NAME(name) #name,
    ACCOUNT_STANDARD_FIELDS(ACCOUNT_FIELD_NAME)
#undef ACCOUNT_FIELD_NAME
};

const char *const account_field_type_names[5] = {"string", "integer", "float", "boolean", "date"};

int account_standard_index(const char *name) {
  for (int i = 0; i < ACCOUNT_STANDARD_COUNT; i++)
    if (name[0] == account_standard_names[i][0] && strcmp(name, account_standard_names[i]) == 0) return i;
  return -1;
}

/* ---------------------------------------------------------------- accounts */

/* ---------------------------------------------------------------- tombstones */

static void account_bury(strmap *m, const char *id, uint64_t seq) {
  account_tombstone *t = strmap_get(m, id);
  if (!t) {
    size_t n = strlen(id);
    t = mem_alloc(sizeof *t + n + 1);
    memcpy(t->id, id, n + 1);
    strmap_put(m, t->id, t);
  }
  t->seq = seq;
}

static void account_unbury(strmap *m, const char *id) { free(strmap_remove(m, id)); }

static void account_tombstones_free(strmap *m) {
  const strmap_slot *s;
  for (size_t i = 0; strmap_next(m, &i, &s);) free(s->value);
  strmap_free(m);
}

static void account_init_data(account *a) {
  strmap_init(&a->contacts_by_id);
  strmap_init(&a->contacts_by_email);
  seqindex_init(&a->contacts);
  strmap_init(&a->deleted);
  strmap_init(&a->lists_by_id);
  strmap_init(&a->lists_by_title);
  strmap_init(&a->fields_by_name);
}

account *account_new(void) {
  account *a = mem_zalloc(sizeof *a);
  account_init_data(a);
  return a;
}

static void account_contact_free(account_contact *c) {
  free(c->values);
  free(c->lists);
  free(c->email);
  free(c);
}

static void account_free_data(account *a) {
  const strmap_slot *s;
  for (size_t i = 0; strmap_next(&a->contacts_by_id, &i, &s);) account_contact_free(s->value);
  strmap_free(&a->contacts_by_id);
  strmap_free(&a->contacts_by_email);
  seqindex_free(&a->contacts);
  account_tombstones_free(&a->deleted);
  for (size_t i = 0; i < a->nlists; i++) {
    seqindex_free(&a->lists[i]->members);
    account_tombstones_free(&a->lists[i]->departed);
    free(a->lists[i]->id);
    free(a->lists[i]->title);
    free(a->lists[i]);
  }
  free(a->lists);
  a->lists = NULL, a->nlists = a->caplists = 0;
  strmap_free(&a->lists_by_id);
  strmap_free(&a->lists_by_title);
  for (size_t i = 0; i < a->nfields; i++) {
    free(a->fields[i]->key);
    free(a->fields[i]->name);
    free(a->fields[i]);
  }
  free(a->fields);
  a->fields = NULL, a->nfields = a->capfields = 0;
  strmap_free(&a->fields_by_name);
  account_hooks_clear(a);
  free(a->hooks);
  a->hooks = NULL, a->caphooks = 0;
}

void account_free(account *a) {
  if (!a) return;
  account_free_data(a);
  free(a);
}

void account_clear(account *a) {
  account_free_data(a);
  account_init_data(a);
}

/* ---------------------------------------------------------------- contacts */

void account_email_key(const char *email, char *out) {
  for (; *email; email++, out++) *out = (*email >= 'A' && *email <= 'Z') ? (char)(*email + 32) : *email;
  *out = '\0';
}

account_contact *account_contact_by_email_key(const account *a, const char *email_key) {
  return strmap_get(&a->contacts_by_email, email_key);
}

account_contact *account_contact_find(const account *a, const char *id_or_email) {
  account_contact *c = strmap_get(&a->contacts_by_id, id_or_email);
  if (c || !strchr(id_or_email, '@')) return c;
  size_t n = strlen(id_or_email);
  char stack[256], *key = n < sizeof stack ? stack : mem_alloc(n + 1);
  account_email_key(id_or_email, key);
  c = strmap_get(&a->contacts_by_email, key);
  if (key != stack) free(key);
  return c;
}

/* Stores email and its lower-cased key in one allocation. */
static void account_contact_store_email(account_contact *c, const char *email) {
  size_t n = strlen(email);
  char *both = mem_alloc(2 * n + 2);
  memcpy(both, email, n + 1);
  account_email_key(email, both + n + 1);
  free(c->email);
  c->email = both;
  c->email_key = both + n + 1;
}

account_contact *account_contact_create(account *a, const char *email, prng *ids, int64_t now_ms) {
  account_contact *c = mem_zalloc(sizeof *c);
  /* One probe: put, and in the (2^-122) case of a taken id, put the owner back and draw again. */
  for (;;) {
    prng_uuid(ids, "person_", c->id);
    account_contact *taken = strmap_put(&a->contacts_by_id, c->id, c);
    if (!taken && !(a->deleted.count && strmap_get(&a->deleted, c->id))) break;
    if (taken) strmap_put(&a->contacts_by_id, taken->id, taken);
    else strmap_remove(&a->contacts_by_id, c->id);
  }
  account_contact_store_email(c, email);
  c->created_ms = c->updated_ms = now_ms;
  strmap_put(&a->contacts_by_email, c->email_key, c);
  c->seq = seqindex_append(&a->contacts, c);
  return c;
}

void account_contact_set_email(account *a, account_contact *c, const char *email) {
  strmap_remove(&a->contacts_by_email, c->email_key);
  account_contact_store_email(c, email);
  strmap_put(&a->contacts_by_email, c->email_key, c);
}

void account_contact_delete(account *a, account_contact *c) {
  for (size_t i = 0; i < c->nlists; i++) {
    seqindex_remove(&c->lists[i].list->members, c->lists[i].seq);
    account_bury(&c->lists[i].list->departed, c->id, c->lists[i].seq);
  }
  strmap_remove(&a->contacts_by_email, c->email_key);
  strmap_remove(&a->contacts_by_id, c->id);
  seqindex_remove(&a->contacts, c->seq);
  account_bury(&a->deleted, c->id, c->seq);
  account_contact_free(c);
}

bool account_page_start(const account *a, const char *bookmark, size_t *pos) {
  uint64_t seq = 0;
  if (bookmark) {
    const account_contact *c = strmap_get(&a->contacts_by_id, bookmark);
    const account_tombstone *t = c ? NULL : strmap_get(&a->deleted, bookmark);
    if (!c && !t) return false;
    seq = c ? c->seq : t->seq;
  }
  *pos = seqindex_after(&a->contacts, seq);
  return true;
}

static const account_membership *account_membership_of(const account_list *l, const account_contact *c) {
  for (size_t i = 0; i < c->nlists; i++)
    if (c->lists[i].list == l) return &c->lists[i];
  return NULL;
}

bool account_list_page_start(const account *a, const account_list *l, const char *bookmark, size_t *pos) {
  uint64_t seq = 0;
  if (bookmark) {
    const account_contact *c = strmap_get(&a->contacts_by_id, bookmark);
    const account_membership *m = c ? account_membership_of(l, c) : NULL;
    const account_tombstone *t = m ? NULL : strmap_get(&l->departed, bookmark);
    if (!m && !t) return false;
    seq = m ? m->seq : t->seq;
  }
  *pos = seqindex_after(&l->members, seq);
  return true;
}

/* ---------------------------------------------------------------- a contact's values */

/* A value's header, read and written with memcpy: values sit at any byte offset. */
typedef struct account_value_header {
  uint32_t number;
  uint32_t len;
} account_value_header;

bool account_contact_next_value(const account_contact *c, size_t *pos, uint32_t *number, const char **text,
                                size_t *len) {
  if (*pos >= c->values_len) return false;
  account_value_header h;
  memcpy(&h, c->values + *pos, sizeof h);
  *number = h.number;
  *text = c->values + *pos + sizeof h;
  *len = h.len;
  *pos += sizeof h + h.len;
  return true;
}

/* The offset of value `number`'s header, or -1. */
static long account_value_find(const account_contact *c, uint32_t number) {
  size_t pos = 0, at;
  uint32_t n;
  const char *text;
  size_t len;
  for (at = pos; account_contact_next_value(c, &pos, &n, &text, &len); at = pos)
    if (n == number) return (long)at;
  return -1;
}

const char *account_contact_value(const account_contact *c, uint32_t number, size_t *len) {
  long at = account_value_find(c, number);
  if (at < 0) return NULL;
  account_value_header h;
  memcpy(&h, c->values + at, sizeof h);
  *len = h.len;
  return c->values + at + sizeof h;
}

/* Replaces the value in place (keeping its place in the order) or appends it. */
void account_contact_set_value(account_contact *c, uint32_t number, const char *json, size_t len) {
  long at = account_value_find(c, number);
  size_t old = 0;
  if (at >= 0) {
    account_value_header h;
    memcpy(&h, c->values + at, sizeof h);
    old = sizeof h + h.len;
  }
  size_t fresh = len ? sizeof(account_value_header) + len : 0;
  size_t need = c->values_len - old + fresh;
  if (need > c->values_cap) {
    size_t cap = c->values_cap ? c->values_cap : 32;
    while (cap < need) cap *= 2;
    c->values = mem_realloc(c->values, cap);
    c->values_cap = (uint32_t)cap;
  }
  size_t where = at >= 0 ? (size_t)at : c->values_len;
  size_t tail = at >= 0 ? c->values_len - (size_t)at - old : 0;
  memmove(c->values + where + fresh, c->values + where + old, tail);
  if (fresh) {
    account_value_header h = {number, (uint32_t)len};
    memcpy(c->values + where, &h, sizeof h);
    memcpy(c->values + where + sizeof h, json, len);
  }
  c->values_len = (uint32_t)need;
}

/* ---------------------------------------------------------------- lists */

account_list *account_list_create(account *a, const char *title, const char *id, prng *ids) {
  account_list *l = mem_zalloc(sizeof *l);
  if (id) {
    l->id = mem_strdup(id);
  } else {
    char buf[ACCOUNT_ID_SIZE];
    do prng_uuid(ids, "contactlist_", buf);
    while (strmap_get(&a->lists_by_id, buf));
    l->id = mem_strdup(buf);
  }
  l->title = mem_strdup(title);
  seqindex_init(&l->members);
  strmap_init(&l->departed);
  mem_grow((void **)&a->lists, &a->caplists, a->nlists + 1, sizeof *a->lists);
  a->lists[a->nlists++] = l;
  strmap_put(&a->lists_by_id, l->id, l);
  strmap_put(&a->lists_by_title, l->title, l);
  return l;
}

account_list *account_list_find(const account *a, const char *id) { return strmap_get(&a->lists_by_id, id); }

account_list *account_list_find_title(const account *a, const char *title) {
  return strmap_get(&a->lists_by_title, title);
}

/* A contact belongs to few lists, so its own array answers membership in O(its lists). */
bool account_list_has(const account_list *l, const account_contact *c) { return account_membership_of(l, c) != NULL; }

bool account_list_add(account_list *l, account_contact *c) {
  if (account_list_has(l, c)) return false;
  if (l->departed.count) account_unbury(&l->departed, c->id);
  if (c->nlists == c->caplists) {
    c->caplists = c->caplists ? c->caplists * 2 : 2;
    c->lists = mem_realloc(c->lists, c->caplists * sizeof *c->lists);
  }
  c->lists[c->nlists++] = (account_membership){l, seqindex_append(&l->members, c)};
  return true;
}

bool account_list_remove(account_list *l, account_contact *c) {
  for (size_t i = 0; i < c->nlists; i++) {
    if (c->lists[i].list != l) continue;
    seqindex_remove(&l->members, c->lists[i].seq);
    account_bury(&l->departed, c->id, c->lists[i].seq);
    memmove(&c->lists[i], &c->lists[i + 1], (c->nlists - i - 1) * sizeof *c->lists);
    c->nlists--;
    return true;
  }
  return false;
}

/* ---------------------------------------------------------------- custom fields */

account_field *account_field_find(const account *a, const char *name) { return strmap_get(&a->fields_by_name, name); }

account_field *account_field_add(account *a, const char *key, const char *name, account_field_type type) {
  account_field *f = mem_zalloc(sizeof *f);
  f->key = mem_strdup(key);
  f->name = mem_strdup(name);
  f->type = type;
  f->index = (uint32_t)a->nfields;
  mem_grow((void **)&a->fields, &a->capfields, a->nfields + 1, sizeof *a->fields);
  a->fields[a->nfields++] = f;
  strmap_put(&a->fields_by_name, f->name, f);
  return f;
}

/* ---------------------------------------------------------------- hooks */

account_hook *account_hook_add(account *a, const char *event, const char *url, prng *ids) {
  account_hook *h = mem_zalloc(sizeof *h);
  do prng_uuid(ids, "hook_", h->id);
  while (account_hook_find(a, h->id));
  h->event = mem_strdup(event);
  h->target_url = mem_strdup(url);
  mem_grow((void **)&a->hooks, &a->caphooks, a->nhooks + 1, sizeof *a->hooks);
  a->hooks[a->nhooks++] = h;
  return h;
}

/* Hooks are few (a handful per account), so a scan is the simple and fast choice. */
account_hook *account_hook_find(const account *a, const char *id) {
  for (size_t i = 0; i < a->nhooks; i++)
    if (strcmp(a->hooks[i]->id, id) == 0) return a->hooks[i];
  return NULL;
}

void account_hook_remove(account *a, account_hook *h) {
  for (size_t i = 0; i < a->nhooks; i++) {
    if (a->hooks[i] != h) continue;
    memmove(&a->hooks[i], &a->hooks[i + 1], (a->nhooks - i - 1) * sizeof *a->hooks);
    a->nhooks--;
    break;
  }
  free(h->event);
  free(h->target_url);
  free(h);
}

void account_hooks_clear(account *a) {
  for (size_t i = 0; i < a->nhooks; i++) {
    free(a->hooks[i]->event);
    free(a->hooks[i]->target_url);
    free(a->hooks[i]);
  }
  a->nhooks = 0;
}
