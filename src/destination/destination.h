/* destination.h: the seed's set-up flow: users, destinations of each type (Autopilot, Ortto: the
 * key read from a file or the environment, checked against the destination, encrypted under the
 * master key), consent, removal, key rotation, and the connector's configuration (data matching,
 * segments). */
#ifndef SEGSHIP_DESTINATION_DESTINATION_H
#define SEGSHIP_DESTINATION_DESTINATION_H

#include "secret/secret.h"
#include "store/destinations.h"
#include "store/store.h"

#define DEST_DEFAULT_MAX_PROFILES 100000

/* ---- users ---- */
bool dest_role_valid(const char *role);
/* Adds a user; password (may be NULL: none yet) is hashed with Argon2id. */
seg_code dest_user_add(store *s, const char *name, const char *role, const char *password, seg_err *err);
seg_code dest_user_update(store *s, const char *name, const char *role, const char *password, seg_err *err);
/* Removes a user; *warning (cap bytes) names the destinations that relied on them, or is "". */
seg_code dest_user_remove(store *s, const char *name, char *warning, size_t cap, seg_err *err);
/* Checks a password against a user's stored hash: SEG_OK, or SEG_EAUTH. */
seg_code dest_user_check_password(store *s, const char *name, const char *password, seg_err *err);
/* Reads a password (first line) from a file or "-" for standard input, into locked memory. */
seg_code dest_read_password(const char *file, char **password, seg_err *err);

/* ---- secrets ---- */
/* Loads the store's master key (creating it with the store's first secret), checking that it is
 * the key this store's secrets were made with. Never makes a new key over existing secrets. */
seg_code dest_master_key(store *s, const char *db_path, secret_key **out, seg_err *err);
/* Reads an API key from a file ("-": standard input; read(2), no symbolic link) or an environment
 * variable (then wiped from the environment), trailing newline stripped, into locked memory
 * (free with secret_plain_free). */
seg_code dest_read_key(const char *file, const char *env, char **key, seg_err *err);
/* Decrypts a destination's API key (free with secret_plain_free). */
seg_code dest_key(store *s, const char *db_path, const store_destination *d, char **key, seg_err *err);

/* ---- connect ---- */
/* Checks key with the driver of type (Autopilot: GET /account; Ortto: a custom-field read) at
 * api_url: SEG_OK with what the account says, SEG_EAUTH for a refused key, SEG_EHTTP for a network
 * failure, a timeout or a strange answer. */
seg_code dest_connect(const char *type, const char *api_url, const char *key, long timeout_ms, char *account_name,
                      size_t name_cap, char *account_email, size_t email_cap, seg_err *err);

/* The statement a user agrees to with --accept-privacy, for a destination type. */
const char *dest_privacy_statement(const char *type);

typedef struct dest_add_options {
  const char *name;
  const char *display_name;  /* NULL: the name */
  const char *type;          /* "autopilot" (NULL: the default) or "ortto" */
  const char *region;        /* Ortto: "global", "eu", "au" (NULL: global) */
  const char *api_url;       /* NULL: the type's (and region's) */
  const char *key_file, *key_env;
  const char *key;           /* the key itself (the console's Connect step), instead of a file or variable */
  const char *export_user;
  double rate_limit;         /* < 0: the type's default (rate and windows) */
  const char *rate_windows;  /* with rate_limit >= 0: "200/10s,600/60s" or NULL */
  int64_t max_profiles;      /* < 0: the default */
  bool accept_privacy;
  bool allow_insecure_http;  /* accept plain http:// to another machine (then every run warns) */
  long connect_timeout_ms;   /* 0: 15 s */
} dest_add_options;

/* The whole set-up: validates, reads the key, connects, encrypts and saves with the consent.
 * Nothing is saved unless everything succeeds. */
seg_code dest_add(store *s, const char *db_path, const dest_add_options *o, store_destination *out, seg_err *err);
typedef struct dest_update_options {
  const char *name;
  const char *display_name, *api_url, *export_user; /* NULL: unchanged */
  double rate_limit;                                 /* < 0: unchanged (with the windows) */
  const char *rate_windows;                          /* with rate_limit >= 0: windows, or NULL for none */
  int64_t max_profiles;                              /* < 0: unchanged */
  long connect_timeout_ms;
  const char *key_file, *key_env;                    /* the key again: required for a URL on another host */
  bool allow_insecure_http;                          /* with api_url: accept plain http:// to another machine */
} dest_update_options;
/* Changes a destination's settings; a new API URL must be https:// (or loopback, or accepted with
 * allow_insecure_http) and is connected to before it is saved: with the key given again (required
 * when the host changes, so the stored key never goes to a new server), else with the stored key.
 * A new export user must be an admin. */
seg_code dest_update(store *s, const char *db_path, const dest_update_options *o, seg_err *err);
/* Refuses a destination whose stored API URL is plain http:// to another machine without its
 * admin's --allow-insecure-http; logs a warning when it was accepted. Called before every run. */
seg_code dest_check_transport(const store_destination *d, seg_err *err);
/* Deletes the key and the configuration at once; the run history stays, marked removed. */
seg_code dest_remove(store *s, const char *name, seg_err *err);
/* Replaces the key with a new one, checked against the destination first. */
seg_code dest_rotate_key(store *s, const char *db_path, const char *name, const char *key_file, const char *key_env,
                         long connect_timeout_ms, seg_err *err);

/* ---- configuration ---- */
typedef struct dest_configure_options {
  const char *name;
  const char *email, *first_name, *last_name; /* NULL: unchanged ("" clears first/last) */
  const char **maps;                           /* "ATTR=Field" or "ATTR=custom:Name"; replace the mapping when n_maps > 0 */
  size_t n_maps;
  bool replace_maps;                           /* replace the mapping with maps even when n_maps is 0 (clears it) */
  const char *segments;                        /* "A,B": replaces the list */
  const char *on_leave;                        /* "remove" | "keep" */
  int schedule;                                /* -1 unchanged, 0 off, 1 on */
  const char *list_membership;                 /* "bulk" | "per-contact" */
  int max_removal;                             /* -1 unchanged; 0-100: percent of a list one run may remove */
  const char *tag_prefix;                      /* Ortto: NULL unchanged */
  const char *membership;                      /* Autopilot: "list" | "field" | "both"; NULL unchanged */
} dest_configure_options;

typedef struct dest_configure_result {
  int64_t distinct_profiles; /* across the selected segments, as last refreshed */
  int64_t max_profiles;
  bool over_limit;           /* a warning now; a run refuses to start */
} dest_configure_result;

seg_code dest_configure(store *s, const dest_configure_options *o, dest_configure_result *res, seg_err *err);

/* Autopilot's writable standard contact fields; the canonical spelling of name, or NULL. */
const char *dest_standard_field(const char *name);
/* The Autopilot custom field type for an attribute type ("string", "integer", "float", "boolean", "date"). */
const char *dest_custom_type(attr_type t);

#endif
