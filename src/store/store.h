/* store.h: the profile store: one SQLite file (WAL) holding profiles, their typed schema and,
 * later, segments, destinations and export state. This module owns every SQL statement. */
#ifndef SEGSHIP_STORE_STORE_H
#define SEGSHIP_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/value.h"
#include "util/error.h"

#define STORE_NAME_MAX 128      /* bytes in an attribute name */
#define STORE_MAX_ATTRS 1000    /* attributes in one store */
#define STORE_DEFAULT_ID "CustomerId"

typedef struct store store;

typedef enum {
  STORE_OPEN_EXISTING, /* the store must exist and be a segship store */
  STORE_OPEN_CREATE    /* create it when missing (segship init) */
} store_open_mode;

typedef struct store_attr {
  int64_t id;
  char name[STORE_NAME_MAX + 1];
  attr_type type;  /* ATTR_NONE until a value is seen */
  bool pinned;     /* set by the user: values that do not fit are refused, never widened */
  bool is_id;      /* the profile id attribute (text, never empty) */
  char col[24];    /* its column in the profiles table: generated, never user text */
} store_attr;

typedef struct store_schema {
  store_attr *attrs; /* owned; attribute order is creation order, the id first */
  size_t n;
} store_schema;

/* Opens (and with STORE_OPEN_CREATE creates, mode 0600) the store at path, migrating an older
 * schema to this version's. Refuses a file that is not a segship store or was written by a newer
 * segship, a symbolic link, and a store (or -wal/-shm) that other users may read or write.
 * On success *out is a new handle the caller frees with store_close(). */
seg_code store_open(const char *path, store_open_mode mode, store **out, seg_err *err);
void store_close(store *s);
const char *store_path(const store *s);
/* The schema version this build writes, and the version of the open file. */
int store_schema_version_latest(void);
int store_schema_version(store *s);
/* True when store_open() created the file in this call. */
bool store_was_created(const store *s);

/* Transactions. begin takes the write lock at once (BEGIN IMMEDIATE). */
seg_code store_tx_begin(store *s, seg_err *err);
seg_code store_tx_commit(store *s, seg_err *err);
void store_tx_rollback(store *s);

/* Key/value settings of the store. get copies into out (cap bytes); returns SEG_ENOTFOUND if unset. */
seg_code store_meta_get(store *s, const char *key, char *out, size_t cap, seg_err *err);
seg_code store_meta_set(store *s, const char *key, const char *value, seg_err *err);

/* Loads the attribute schema into *out (caller frees with store_schema_free). */
seg_code store_schema_load(store *s, store_schema *out, seg_err *err);
void store_schema_free(store_schema *schema);
/* Index of the attribute named name (case-insensitive), or -1. */
int store_schema_find(const store_schema *schema, const char *name);
/* The id attribute's name ("CustomerId" until the first import chooses another). */
seg_code store_id_name(store *s, char *out, size_t cap, seg_err *err);
/* Pins attribute name to type: every stored value must fit it (converted), else SEG_EINVAL
 * with how many do not. Later imports refuse values that do not fit instead of widening. */
seg_code store_schema_pin(store *s, const char *name, attr_type type, seg_err *err);

/* Drops attribute name and its values (not the id). Rules that read it become broken. */
seg_code store_schema_drop(store *s, const char *name, seg_err *err);
/* Counts, for each attribute of schema, the profiles with a non-empty value (counts[i], caller's
 * array of schema->n). One pass over the profiles. */
seg_code store_schema_fill_counts(store *s, const store_schema *schema, int64_t *counts, seg_err *err);

/* ---- profiles ---- */

typedef struct store_profile {
  int64_t pid;
  char *customer_id;    /* owned */
  int64_t changed_at;   /* ms since the epoch: the last time its content changed */
  int64_t created_at;
  uint8_t hash[16];     /* content hash (BLAKE2b-128 of the canonical values) */
  size_t n;             /* values[i] is schema.attrs[i]'s value */
  seg_value *values;    /* owned, with owned text */
} store_profile;

void store_profile_free(store_profile *p);
seg_code store_profiles_count(store *s, int64_t *count, seg_err *err);
/* Reads the profile with this customer id; SEG_ENOTFOUND when there is none. */
seg_code store_profile_get(store *s, const store_schema *schema, const char *customer_id, store_profile *out,
                           seg_err *err);
/* Calls fn for up to limit profiles in customer-id order, from offset; fn returns nonzero to stop. */
typedef int (*store_profile_fn)(const store_profile *p, void *ctx);
seg_code store_profiles_each(store *s, const store_schema *schema, int64_t limit, int64_t offset,
                             store_profile_fn fn, void *ctx, seg_err *err);

/* ---- evaluating compiled segment rules ---- */

/* The SQL a rule compiles to is a boolean expression over the profiles table's columns (the
 * `col` of each attribute, and `pid`), with `?` placeholders bound in order to params (a value
 * of type integer, real, boolean, date, datetime or text; text as given). Beyond SQLite's own,
 * it may use: the collation seg_nocase (Unicode case-insensitive), and the functions
 * seg_contains(text, needle), seg_starts_with(text, prefix), seg_ends_with(text, suffix)
 * (case-insensitive; 0 when either side is NULL). */
typedef struct store_where {
  const char *sql;
  const seg_value *params;
  size_t n_params;
} store_where;

/* Counts the profiles for which where is true. */
seg_code store_where_count(store *s, const store_where *where, int64_t *count, seg_err *err);
/* Calls fn with the customer id of each profile for which where is true, in id order, at most
 * limit (-1: all); fn returns nonzero to stop. */
seg_code store_where_each_id(store *s, const store_where *where, int64_t limit, int (*fn)(const char *id, void *ctx),
                             void *ctx, seg_err *err);

/* Internal to the store module. */
struct sqlite3;
struct sqlite3 *store__db(store *s);
seg_code store__sqlite_err(store *s, seg_err *err, const char *doing);

#endif
