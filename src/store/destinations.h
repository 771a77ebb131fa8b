/* destinations.h: users, destinations of each type (Autopilot, Ortto; the API key only as an
 * encrypted box), the consents given for them, and each destination's export configuration. */
#ifndef SEGSHIP_STORE_DESTINATIONS_H
#define SEGSHIP_STORE_DESTINATIONS_H

#include "store/store.h"

#define STORE_USER_NAME_MAX 64

typedef struct store_user {
  int64_t id;
  char name[STORE_USER_NAME_MAX + 1];
  char role[16];       /* "admin", "contributor" or "viewer" */
  bool has_password;
  int64_t created_at;
} store_user;

seg_code store_user_add(store *s, const char *name, const char *role, const char *password_hash, seg_err *err);
/* Changes the role and/or the password hash (NULL: unchanged). */
seg_code store_user_update(store *s, const char *name, const char *role, const char *password_hash, seg_err *err);
seg_code store_user_remove(store *s, const char *name, seg_err *err);
seg_code store_user_get(store *s, const char *name, store_user *out, seg_err *err);
/* The stored Argon2id hash of a user's password (cap bytes); SEG_ENOTFOUND when none is set. */
seg_code store_user_password_hash(store *s, const char *name, char *out, size_t cap, seg_err *err);
seg_code store_users_list(store *s, store_user **list, size_t *n, seg_err *err);

#define STORE_RATE_WINDOWS_MAX 128

typedef struct store_destination {
  int64_t id;
  char type[16];          /* the driver: "autopilot", "ortto" */
  char name[129];
  char display_name[257];
  char api_url[1024];
  unsigned char *key_box; /* owned; NULL once removed */
  size_t key_box_len;
  char key_hint[8];       /* the last four characters of the key, for "••••a1b2" */
  char export_user[STORE_USER_NAME_MAX + 1];
  double rate_limit;      /* requests per second; 0: no limit */
  char rate_windows[STORE_RATE_WINDOWS_MAX]; /* "200/10s,600/60s", or "" */
  int64_t max_profiles;
  char account_name[257], account_email[257]; /* what GET /account said at connect */
  int64_t created_at, updated_at, removed_at;
  char consent_user[STORE_USER_NAME_MAX + 1];
  int64_t consent_at;
  bool allow_insecure_http; /* plain http:// to another machine was accepted (--allow-insecure-http) */
} store_destination;

void store_destination_free(store_destination *d);
void store_destinations_free(store_destination *list, size_t n);
/* Saves a new destination with its consent (who, the OS user, the statement agreed to);
 * SEG_EEXIST when a live destination has that name. Sets d->id. */
seg_code store_destination_add(store *s, store_destination *d, const char *statement, const char *os_user,
                               seg_err *err);
/* The live destination named name (case-insensitive). */
seg_code store_destination_get(store *s, const char *name, store_destination *out, seg_err *err);
seg_code store_destination_get_by_id(store *s, int64_t id, store_destination *out, seg_err *err);
seg_code store_destinations_list(store *s, bool include_removed, store_destination **list, size_t *n, seg_err *err);
/* Replaces the encrypted key (and what the account said). */
seg_code store_destination_set_key(store *s, int64_t id, const unsigned char *box, size_t len, const char *hint,
                                   const char *account_name, const char *account_email, seg_err *err);
/* Changes settings of a live destination: each NULL / negative value is left as it is. */
seg_code store_destination_update(store *s, int64_t id, const char *display_name, const char *api_url,
                                  const char *export_user, double rate_limit, int64_t max_profiles, seg_err *err);
/* Records whether plain http:// to another machine is accepted for this destination. */
seg_code store_destination_set_insecure_http(store *s, int64_t id, bool allow, seg_err *err);
/* Sets the request windows ("" for none) of a live destination. */
seg_code store_destination_set_windows(store *s, int64_t id, const char *windows, seg_err *err);
/* Removes a destination: the key and the configuration are deleted at once; the record stays,
 * marked removed, so that its run history still names it. */
seg_code store_destination_remove(store *s, int64_t id, seg_err *err);

typedef struct store_field_map {
  char attr[STORE_NAME_MAX + 1];
  char field[STORE_NAME_MAX + 1]; /* a standard field of the destination, or a custom field's name */
  bool custom;
} store_field_map;

/* The share of a list's confirmed members one export run may remove unless told otherwise
 * (percent; `export configure --max-removal`). */
#define STORE_MAX_REMOVAL_DEFAULT 20

typedef struct store_export_config {
  int64_t destination_id;
  char email_attr[STORE_NAME_MAX + 1];
  char first_name_attr[STORE_NAME_MAX + 1]; /* "" when not mapped */
  char last_name_attr[STORE_NAME_MAX + 1];
  char on_leave[8];          /* "remove" or "keep" */
  bool schedule;
  char list_membership[16];  /* "bulk" or "per-contact" */
  int max_removal;           /* percent of a list's confirmed members one run may remove (100: no limit) */
  char tag_prefix[65];       /* Ortto: a segment's tag is this prefix followed by its name */
  char membership[8];        /* Autopilot: how a segment is carried: "list", "field" (In <segment>) or "both" */
  store_field_map *fields;   /* owned */
  size_t n_fields;
  int64_t *segment_ids;      /* owned */
  char (*segment_names)[129];/* owned, filled by get */
  size_t n_segments;
  int64_t updated_at;
} store_export_config;

void store_export_config_free(store_export_config *c);
/* Replaces the destination's configuration. */
seg_code store_export_config_save(store *s, const store_export_config *c, seg_err *err);
/* SEG_ENOTFOUND when the destination has not been configured. */
seg_code store_export_config_get(store *s, int64_t destination_id, store_export_config *out, seg_err *err);
/* The name of a live destination whose export uses segment_id, in name (cap); SEG_ENOTFOUND when none. */
seg_code store_export_using_segment(store *s, int64_t segment_id, char *name, size_t cap, seg_err *err);
/* Distinct profiles across the stored memberships of these segments. */
seg_code store_segments_distinct_members(store *s, const int64_t *segment_ids, size_t n, int64_t *count,
                                         seg_err *err);

#endif
