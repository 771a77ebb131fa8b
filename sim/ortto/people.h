/* people.h: one simulated Ortto account: its people (fields as JSON text, tags), custom fields,
 * tags and suppressed emails, with lookups by person id, email (case-insensitive) and external
 * id. Nothing here parses JSON or speaks HTTP. */
#ifndef SIM_PEOPLE_H
#define SIM_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prng.h"
#include "strmap.h"

#define PEOPLE_ID_SIZE 25 /* 24 hex digits and a NUL */

/* A tag of the account: created by the first person given it, never deleted. */
typedef struct people_tag {
  char *name; /* owned; the key of tags_by_name */
  int64_t id; /* 1, 2, ... in creation order */
  size_t count; /* people who have it */
} people_tag;

/* One value of a person: a field id and its value as compact JSON text (both owned). */
typedef struct people_value {
  char *field;
  char *json;
} people_entry;

typedef struct people_person {
  char id[PEOPLE_ID_SIZE];
  people_entry *values; /* in the order first set */
  size_t nvalues, capvalues;
  people_tag **tags; /* in the order given */
  size_t ntags, captags;
  char *email_key; /* lower-cased str::email (owned), or NULL: the key of by_email */
  char *ei;        /* str::ei (owned), or NULL: the key of by_ei */
} people_person;

/* A custom field made by custom-field/create. */
typedef struct people_field {
  char *id;           /* "str:cm:loyalty-tier" (owned) */
  char *name;         /* "Loyalty Tier" (owned) */
  char *display_type; /* "text" (owned) */
} people_field;

typedef struct people {
  people_person **persons; /* in creation order (owned) */
  size_t n, cap;
  strmap by_id, by_email, by_ei;
  people_field **fields; /* in creation order (owned) */
  size_t nfields, capfields;
  strmap fields_by_id;
  people_tag **tags; /* in creation order (owned) */
  size_t ntags, captags;
  strmap tags_by_name;
  strmap suppressed; /* lower-cased email -> itself (owned key) */
} people;

people *people_new(void);
void people_free(people *p);
/* Empties the account (people, fields, tags, suppressions). */
void people_clear(people *p);

/* Writes the lower-cased (ASCII) copy of email into a malloced string. */
char *people_email_key(const char *email);

people_person *people_find_id(const people *p, const char *id);
people_person *people_find_email(const people *p, const char *email);
people_person *people_find_ei(const people *p, const char *ei);
/* Creates a person with a fresh id from ids. */
people_person *people_create(people *p, prng *ids);

/* The JSON text of field on person, or NULL when unset. */
const char *people_value(const people_person *x, const char *field);
/* Sets field to JSON text json (copied); NULL clears it. Keeps the email and external id maps in
 * step (the caller has checked they stay unique); email_text / ei_text: the plain string value
 * when field is str::email / str::ei. */
void people_set(people *p, people_person *x, const char *field, const char *json, const char *plain);

bool people_has_tag(const people_person *x, const people_tag *t);
/* Finds a tag by name, or creates it when create. */
people_tag *people_tag_get(people *p, const char *name, bool create);
void people_tag_add(people_person *x, people_tag *t);
void people_tag_remove(people_person *x, people_tag *t);

people_field *people_field_find(const people *p, const char *id);
/* Adds a custom field (all strings copied); the id must be new. */
people_field *people_field_add(people *p, const char *id, const char *name, const char *display_type);

/* Suppression of an email (any case). */
void people_suppress(people *p, const char *email);
bool people_suppressed(const people *p, const char *email);

#endif
