/* account.h: one simulated Autopilot account per API key: its contacts, lists, custom fields and
 * REST hooks, with O(1) lookups by id and by email and an ordered index for paging. */
#ifndef SIM_ACCOUNT_H
#define SIM_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordindex.h"
#include "prng.h"
#include "ratelimit.h"
#include "strmap.h"

/* The writable standard fields other than Email and unsubscribed, in the order they are read
 * back. Names are case-sensitive, as in the API. */
#define ACCOUNT_STANDARD_FIELDS(X)                                                             \
  X(FirstName) X(LastName) X(Salutation) X(Company) X(NumberOfEmployees) X(Title) X(Industry) \
  X(Phone) X(MobilePhone) X(Fax) X(Website) X(MailingStreet) X(MailingCity) X(MailingState)   \
  X(MailingPostalCode) X(MailingCountry) X(LeadSource) X(Status) X(LinkedIn) X(Twitter)

typedef enum {
#define ACCOUNT_FIELD_ENUM(name) ACCOUNT_FIELD_##name,
  ACCOUNT_STANDARD_FIELDS(ACCOUNT_FIELD_ENUM)
#undef ACCOUNT_FIELD_ENUM
  ACCOUNT_STANDARD_COUNT
} account_standard_field;

extern const char *const account_standard_names[ACCOUNT_STANDARD_COUNT];
/* The index of a standard field name, or -1. */
int account_standard_index(const char *name);

typedef enum { FIELD_STRING, FIELD_INTEGER, FIELD_FLOAT, FIELD_BOOLEAN, FIELD_DATE } account_field_type;
extern const char *const account_field_type_names[5];

/* A custom field of the account, created by the first contact write that names it. */
typedef struct account_field {
  char *key;  /* "string--Loyalty--Tier", as first written (owned) */
  char *name; /* "Loyalty Tier": what identifies the field (owned) */
  account_field_type type;
} account_field;

typedef struct account_custom_value {
  const account_field *field;
  json_t *value; /* owned reference */
} account_custom_value;

#define ACCOUNT_ID_SIZE 64

typedef struct account_contact {
  char id[ACCOUNT_ID_SIZE]; /* "person_<UUID>"; the key of the id map and of the ordered index */
  char *email;              /* as last written (owned) */
  char *email_key;          /* lower-cased: the key of the email map (owned) */
  json_t *standard[ACCOUNT_STANDARD_COUNT]; /* owned references; NULL when never set */
  bool unsubscribed;
  int64_t created_ms, updated_ms;
  account_custom_value *custom; /* in the order first set */
  size_t ncustom, capcustom;
  struct account_list **lists; /* the lists it belongs to, in the order it joined them */
  size_t nlists, caplists;
} account_contact;

typedef struct account_list {
  char *id;          /* owned */
  char *title;       /* owned */
  ordindex members;  /* contact id -> account_contact, for paging */
} account_list;

typedef struct account_hook {
  char id[ACCOUNT_ID_SIZE];
  char *event;      /* owned */
  char *target_url; /* owned */
} account_hook;

typedef struct account {
  char *key; /* the API key (owned); never printed except in /__sim/state, which is keyed by it */
  ratelimit bucket;
  strmap contacts_by_id;    /* id -> contact (the owner of contacts) */
  strmap contacts_by_email; /* email_key -> contact */
  ordindex contacts;        /* by id, for paging */
  account_list **lists;     /* in creation order (owned) */
  size_t nlists, caplists;
  strmap lists_by_id, lists_by_title;
  account_field **fields; /* in creation order (owned) */
  size_t nfields, capfields;
  strmap fields_by_name;
  account_hook **hooks; /* in creation order (owned) */
  size_t nhooks, caphooks;
} account;

/* Returns a new empty account for key (copied); account_free releases it and all it holds. */
account *account_new(const char *key);
void account_free(account *a);
/* Empties the account (contacts, lists, fields, hooks) and keeps its key. */
void account_clear(account *a);

/* Writes the lower-cased (ASCII) copy of email into out (strlen(email) + 1 bytes). */
void account_email_key(const char *email, char *out);

/* Finds a contact by id, then by email (case-insensitive). NULL when there is none. */
account_contact *account_contact_find(const account *a, const char *id_or_email);
account_contact *account_contact_by_email_key(const account *a, const char *email_key);
/* Creates a contact with a fresh id drawn from ids; email is copied. */
account_contact *account_contact_create(account *a, const char *email, prng *ids, int64_t now_ms);
/* Changes the contact's email (and its place in the email map). The new email must not belong
 * to another contact. */
void account_contact_set_email(account *a, account_contact *c, const char *email);
/* Removes the contact from the account and its lists, and frees it. */
void account_contact_delete(account *a, account_contact *c);
/* Sets (value non-NULL: a new reference is taken) or clears (NULL) a standard field. */
void account_contact_set_standard(account_contact *c, account_standard_field f, json_t *value);
/* Sets (a new reference is taken) or clears (NULL) a custom value. */
void account_contact_set_custom(account_contact *c, const account_field *field, json_t *value);

/* Creates a list. id NULL draws "contactlist_<UUID>" from ids; otherwise id is copied (the
 * caller has checked that it is free). title is copied. */
account_list *account_list_create(account *a, const char *title, const char *id, prng *ids);
account_list *account_list_find(const account *a, const char *id);
account_list *account_list_find_title(const account *a, const char *title);
bool account_list_has(const account_list *l, const account_contact *c);
/* Adds the contact to the list; false when it was already a member. */
bool account_list_add(account_list *l, account_contact *c);
/* Removes the contact from the list; false when it was not a member. */
bool account_list_remove(account_list *l, account_contact *c);

account_field *account_field_find(const account *a, const char *name);
/* Registers a custom field; key and name are copied. The name must be new. */
account_field *account_field_add(account *a, const char *key, const char *name, account_field_type type);

/* Adds a hook; event and url are copied. */
account_hook *account_hook_add(account *a, const char *event, const char *url, prng *ids);
account_hook *account_hook_find(const account *a, const char *id);
void account_hook_remove(account *a, account_hook *h);
void account_hooks_clear(account *a);

#endif
