/* account.h: one simulated Autopilot account per API key: its contacts, lists, custom fields and
 * REST hooks, with O(1) lookups by id and by email and an ordered index for paging. */
#ifndef SIM_ACCOUNT_H
#define SIM_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seqindex.h"
#include "prng.h"
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
  uint32_t index; /* its place in account.fields */
} account_field;

/* A contact's values are numbered: standard fields by account_standard_field, custom fields by
 * ACCOUNT_CUSTOM_BASE + their index. */
#define ACCOUNT_CUSTOM_BASE 1024u

#define ACCOUNT_ID_SIZE 64         /* buffers for list and hook ids ("contactlist_" + UUID) */
#define ACCOUNT_CONTACT_ID_SIZE 44 /* "person_" + UUID + NUL */

/* A contact's place in one list: the list and the sequence number it got there. */
typedef struct account_membership {
  struct account_list *list;
  uint64_t seq;
} account_membership;

/* What remains of a contact that left an ordering (deleted, or removed from a list): where it
 * was, so that a page whose bookmark it is still knows where to continue. */
typedef struct account_tombstone {
  uint64_t seq;
  char id[]; /* the map key points here */
} account_tombstone;

typedef struct account_contact {
  char id[ACCOUNT_CONTACT_ID_SIZE]; /* "person_<UUID>"; the key of the id map */
  bool unsubscribed;
  uint32_t nlists, caplists;
  uint64_t seq;      /* its place in the account's creation order */
  char *email;       /* as last written, then its lower-cased copy (one allocation, owned) */
  char *email_key;   /* points into email: the key of the email map */
  int64_t created_ms, updated_ms;
  /* Every value set, as JSON text, packed in one allocation (owned): per value a header
   * {uint32 number, uint32 length} then the text, in the order first set. Compact, because an
   * export holds hundreds of thousands of contacts. */
  char *values;
  uint32_t values_len, values_cap;
  account_membership *lists; /* the lists it belongs to, in the order it joined them */
} account_contact;

typedef struct account_list {
  char *id;          /* owned */
  char *title;       /* owned */
  seqindex members;  /* account_contact pointers in the order they joined, for paging */
  strmap departed;   /* contact id -> account_tombstone (owned): members removed since */
} account_list;

typedef struct account_hook {
  char id[ACCOUNT_ID_SIZE];
  char *event;      /* owned */
  char *target_url; /* owned */
} account_hook;

typedef struct account {
  strmap contacts_by_id;    /* id -> contact (the owner of contacts) */
  strmap contacts_by_email; /* email_key -> contact */
  seqindex contacts;        /* in creation order, for paging */
  strmap deleted;           /* contact id -> account_tombstone (owned) */
  account_list **lists;     /* in creation order (owned) */
  size_t nlists, caplists;
  strmap lists_by_id, lists_by_title;
  account_field **fields; /* in creation order (owned) */
  size_t nfields, capfields;
  strmap fields_by_name;
  account_hook **hooks; /* in creation order (owned) */
  size_t nhooks, caphooks;
} account;

/* Returns a new empty account; account_free releases it and all it holds. */
account *account_new(void);
void account_free(account *a);
/* Empties the account (contacts, lists, fields, hooks). */
void account_clear(account *a);

/* Writes the lower-cased (ASCII) copy of email into out (strlen(email) + 1 bytes). */
void account_email_key(const char *email, char *out);

/* Where a page after bookmark starts in the account's contacts (bookmark NULL: the first page).
 * The bookmark is a contact id, live or deleted; false when no contact ever had it. */
bool account_page_start(const account *a, const char *bookmark, size_t *pos);
/* The same for the members of list l (a bookmark may be a contact removed from the list since). */
bool account_list_page_start(const account *a, const account_list *l, const char *bookmark, size_t *pos);

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
/* Sets value number `number` to the JSON text json[0..len) (copied); len 0 clears it. */
void account_contact_set_value(account_contact *c, uint32_t number, const char *json, size_t len);
/* The JSON text of value `number` (*len bytes, not NUL-terminated), or NULL when unset. */
const char *account_contact_value(const account_contact *c, uint32_t number, size_t *len);
/* Iterates the values in the order first set: size_t pos = 0; while (account_contact_next_value(
 * c, &pos, &number, &text, &len)) ... */
bool account_contact_next_value(const account_contact *c, size_t *pos, uint32_t *number, const char **text,
                                size_t *len);

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
