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

static void account_init_data(account *a) {
  strmap_init(&a->contacts_by_id);
  strmap_init(&a->contacts_by_email);
  ordindex_init(&a->contacts);
  strmap_init(&a->lists_by_id);
  strmap_init(&a->lists_by_title);
  strmap_init(&a->fields_by_name);
}

account *account_new(const char *key) {
  account *a = mem_zalloc(sizeof *a);
  a->key = mem_strdup(key);
  account_init_data(a);
  return a;
}

static void account_contact_free(account_contact *c) {
  for (int i = 0; i < ACCOUNT_STANDARD_COUNT; i++) json_decref(c->standard[i]);
  for (size_t i = 0; i < c->ncustom; i++) json_decref(c->custom[i].value);
  free(c->custom);
  free(c->lists);
  free(c->email);
  free(c->email_key);
  free(c);
}

static void account_free_data(account *a) {
  const strmap_slot *s;
  for (size_t i = 0; strmap_next(&a->contacts_by_id, &i, &s);) account_contact_free(s->value);
  strmap_free(&a->contacts_by_id);
  strmap_free(&a->contacts_by_email);
  ordindex_free(&a->contacts);
  for (size_t i = 0; i < a->nlists; i++) {
    ordindex_free(&a->lists[i]->members);
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
  free(a->key);
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

account_contact *account_contact_create(account *a, const char *email, prng *ids, int64_t now_ms) {
  account_contact *c = mem_zalloc(sizeof *c);
  do prng_uuid(ids, "person_", c->id);
  while (strmap_get(&a->contacts_by_id, c->id));
  size_t n = strlen(email);
  c->email = mem_strndup(email, n);
  c->email_key = mem_alloc(n + 1);
  account_email_key(email, c->email_key);
  c->created_ms = c->updated_ms = now_ms;
  strmap_put(&a->contacts_by_id, c->id, c);
  strmap_put(&a->contacts_by_email, c->email_key, c);
  ordindex_insert(&a->contacts, c->id, c);
  return c;
}

void account_contact_set_email(account *a, account_contact *c, const char *email) {
  size_t n = strlen(email);
  char *key = mem_alloc(n + 1);
  account_email_key(email, key);
  if (strcmp(key, c->email_key) != 0) {
    strmap_remove(&a->contacts_by_email, c->email_key);
    free(c->email_key);
    c->email_key = key;
    strmap_put(&a->contacts_by_email, c->email_key, c);
  } else {
    free(key);
  }
  free(c->email);
  c->email = mem_strndup(email, n);
}

void account_contact_delete(account *a, account_contact *c) {
  for (size_t i = 0; i < c->nlists; i++) ordindex_remove(&c->lists[i]->members, c->id);
  strmap_remove(&a->contacts_by_email, c->email_key);
  strmap_remove(&a->contacts_by_id, c->id);
  ordindex_remove(&a->contacts, c->id);
  account_contact_free(c);
}

void account_contact_set_standard(account_contact *c, account_standard_field f, json_t *value) {
  json_decref(c->standard[f]);
  c->standard[f] = value ? json_incref(value) : NULL;
}

void account_contact_set_custom(account_contact *c, const account_field *field, json_t *value) {
  for (size_t i = 0; i < c->ncustom; i++) {
    if (c->custom[i].field != field) continue;
    json_decref(c->custom[i].value);
    if (value) {
      c->custom[i].value = json_incref(value);
    } else {
      memmove(&c->custom[i], &c->custom[i + 1], (c->ncustom - i - 1) * sizeof *c->custom);
      c->ncustom--;
    }
    return;
  }
  if (!value) return;
  mem_grow((void **)&c->custom, &c->capcustom, c->ncustom + 1, sizeof *c->custom);
  c->custom[c->ncustom++] = (account_custom_value){field, json_incref(value)};
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
  ordindex_init(&l->members);
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
bool account_list_has(const account_list *l, const account_contact *c) {
  for (size_t i = 0; i < c->nlists; i++)
    if (c->lists[i] == l) return true;
  return false;
}

bool account_list_add(account_list *l, account_contact *c) {
  if (account_list_has(l, c)) return false;
  mem_grow((void **)&c->lists, &c->caplists, c->nlists + 1, sizeof *c->lists);
  c->lists[c->nlists++] = l;
  ordindex_insert(&l->members, c->id, c);
  return true;
}

bool account_list_remove(account_list *l, account_contact *c) {
  for (size_t i = 0; i < c->nlists; i++) {
    if (c->lists[i] != l) continue;
    memmove(&c->lists[i], &c->lists[i + 1], (c->nlists - i - 1) * sizeof *c->lists);
    c->nlists--;
    ordindex_remove(&l->members, c->id);
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
