/* people.c: the data of one simulated Ortto account and every change to it. */
#include "people.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

static void people_init(people *p) {
  memset(p, 0, sizeof *p);
  strmap_init(&p->by_id);
  strmap_init(&p->by_email);
  strmap_init(&p->by_ei);
  strmap_init(&p->fields_by_id);
  strmap_init(&p->tags_by_name);
  strmap_init(&p->suppressed);
}

people *people_new(void) {
  people *p = mem_alloc(sizeof *p);
  people_init(p);
  return p;
}

static void people_release(people *p) {
  for (size_t i = 0; i < p->n; i++) {
    people_person *x = p->persons[i];
    for (size_t k = 0; k < x->nvalues; k++) {
      free(x->values[k].field);
      free(x->values[k].json);
    }
    free(x->values);
    free(x->tags);
    free(x->email_key);
    free(x->ei);
    free(x);
  }
  free(p->persons);
  for (size_t i = 0; i < p->nfields; i++) {
    free(p->fields[i]->id);
    free(p->fields[i]->name);
    free(p->fields[i]->display_type);
    free(p->fields[i]);
  }
  free(p->fields);
  for (size_t i = 0; i < p->ntags; i++) {
    free(p->tags[i]->name);
    free(p->tags[i]);
  }
  free(p->tags);
  const strmap_slot *s;
  for (size_t i = 0; strmap_next(&p->suppressed, &i, &s);) free(s->value);
  strmap_free(&p->by_id);
  strmap_free(&p->by_email);
  strmap_free(&p->by_ei);
  strmap_free(&p->fields_by_id);
  strmap_free(&p->tags_by_name);
  strmap_free(&p->suppressed);
}

void people_free(people *p) {
  if (!p) return;
  people_release(p);
  free(p);
}

void people_clear(people *p) {
  people_release(p);
  people_init(p);
}

char *people_email_key(const char *email) {
  char *k = mem_strdup(email);
  for (char *c = k; *c; c++) *c = (char)tolower((unsigned char)*c);
  return k;
}

people_person *people_find_id(const people *p, const char *id) { return strmap_get(&p->by_id, id); }

people_person *people_find_email(const people *p, const char *email) {
  char *k = people_email_key(email);
  people_person *x = strmap_get(&p->by_email, k);
  free(k);
  return x;
}

people_person *people_find_ei(const people *p, const char *ei) { return strmap_get(&p->by_ei, ei); }

people_person *people_create(people *p, prng *ids) {
  people_person *x = mem_zalloc(sizeof *x);
  do {
    uint64_t a = prng_next(ids), b = prng_next(ids);
    snprintf(x->id, sizeof x->id, "%016llx%08llx", (unsigned long long)a, (unsigned long long)(b & 0xffffffffu));
  } while (strmap_get(&p->by_id, x->id));
  mem_grow((void **)&p->persons, &p->cap, p->n + 1, sizeof *p->persons);
  p->persons[p->n++] = x;
  strmap_put(&p->by_id, x->id, x);
  return x;
}

const char *people_value(const people_person *x, const char *field) {
  for (size_t i = 0; i < x->nvalues; i++)
    if (strcmp(x->values[i].field, field) == 0) return x->values[i].json;
  return NULL;
}

void people_set(people *p, people_person *x, const char *field, const char *json, const char *plain) {
  if (strcmp(field, "str::email") == 0) {
    if (x->email_key) strmap_remove(&p->by_email, x->email_key);
    free(x->email_key);
    x->email_key = json && plain ? people_email_key(plain) : NULL;
    if (x->email_key) strmap_put(&p->by_email, x->email_key, x);
  } else if (strcmp(field, "str::ei") == 0) {
    if (x->ei) strmap_remove(&p->by_ei, x->ei);
    free(x->ei);
    x->ei = json && plain ? mem_strdup(plain) : NULL;
    if (x->ei) strmap_put(&p->by_ei, x->ei, x);
  }
  for (size_t i = 0; i < x->nvalues; i++) {
    if (strcmp(x->values[i].field, field) != 0) continue;
    free(x->values[i].json);
    if (json) {
      x->values[i].json = mem_strdup(json);
    } else {
      free(x->values[i].field);
      memmove(&x->values[i], &x->values[i + 1], (x->nvalues - i - 1) * sizeof *x->values);
      x->nvalues--;
    }
    return;
  }
  if (!json) return;
  mem_grow((void **)&x->values, &x->capvalues, x->nvalues + 1, sizeof *x->values);
  x->values[x->nvalues++] = (people_entry){mem_strdup(field), mem_strdup(json)};
}

bool people_has_tag(const people_person *x, const people_tag *t) {
  for (size_t i = 0; i < x->ntags; i++)
    if (x->tags[i] == t) return true;
  return false;
}

people_tag *people_tag_get(people *p, const char *name, bool create) {
  people_tag *t = strmap_get(&p->tags_by_name, name);
  if (t || !create) return t;
  t = mem_zalloc(sizeof *t);
  t->name = mem_strdup(name);
  t->id = (int64_t)p->ntags + 1;
  mem_grow((void **)&p->tags, &p->captags, p->ntags + 1, sizeof *p->tags);
  p->tags[p->ntags++] = t;
  strmap_put(&p->tags_by_name, t->name, t);
  return t;
}

void people_tag_add(people_person *x, people_tag *t) {
  if (people_has_tag(x, t)) return;
  mem_grow((void **)&x->tags, &x->captags, x->ntags + 1, sizeof *x->tags);
  x->tags[x->ntags++] = t;
  t->count++;
}

void people_tag_remove(people_person *x, people_tag *t) {
  for (size_t i = 0; i < x->ntags; i++) {
    if (x->tags[i] != t) continue;
    memmove(&x->tags[i], &x->tags[i + 1], (x->ntags - i - 1) * sizeof *x->tags);
    x->ntags--;
    t->count--;
    return;
  }
}

people_field *people_field_find(const people *p, const char *id) { return strmap_get(&p->fields_by_id, id); }

people_field *people_field_add(people *p, const char *id, const char *name, const char *display_type) {
  people_field *f = mem_alloc(sizeof *f);
  f->id = mem_strdup(id);
  f->name = mem_strdup(name);
  f->display_type = mem_strdup(display_type);
  mem_grow((void **)&p->fields, &p->capfields, p->nfields + 1, sizeof *p->fields);
  p->fields[p->nfields++] = f;
  strmap_put(&p->fields_by_id, f->id, f);
  return f;
}

void people_suppress(people *p, const char *email) {
  char *k = people_email_key(email);
  if (strmap_get(&p->suppressed, k)) {
    free(k);
    return;
  }
  strmap_put(&p->suppressed, k, k);
}

bool people_suppressed(const people *p, const char *email) {
  char *k = people_email_key(email);
  bool found = strmap_get(&p->suppressed, k) != NULL;
  free(k);
  return found;
}
