/* store_internal.h: helpers shared by the store's source files; nothing outside src/store uses it. */
#ifndef SEGSHIP_STORE_INTERNAL_H
#define SEGSHIP_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* Registers segship's SQL functions on a connection (seg_canon for widening to text). */
int store__register_functions(sqlite3 *db);

/* Binds v at index idx without copying: v's text, and scratch (24 bytes, where a date is
 * formatted), must stay valid until the statement is stepped. */
int store__bind_value(sqlite3_stmt *st, int idx, const seg_value *v, char *scratch);
/* Reads column col as a value of attribute type t. Text points into the statement's row
 * (valid until the next step); returns false when the stored value does not parse as t. */
bool store__column_value(sqlite3_stmt *st, int col, attr_type t, seg_value *out);

/* The content hash of a profile: BLAKE2b-128 over the canonical form of each non-empty value,
 * in schema order (the id excluded). Stable when an attribute widens (a midnight datetime hashes
 * as its date, a number as its decimal text), except a fractional number widened to text. */
void store__hash_values(const store_schema *schema, const seg_value *values, uint8_t out[16]);

/* Adds an attribute (type ATTR_NONE) with a new column; its index in schema is returned in *index.
 * The schema is updated in place. Must run inside a transaction. */
seg_code store__attr_add(store *s, store_schema *schema, const char *name, bool is_id, int *index, seg_err *err);
/* Widens attribute index to type to, converting stored values; the schema is updated in place. */
seg_code store__attr_widen(store *s, store_schema *schema, int index, attr_type to, seg_err *err);

/* Prepares sql on the store's connection; a failure becomes a store error while `doing`. */
seg_code store__prep(store *s, const char *sql, sqlite3_stmt **st, seg_err *err, const char *doing);
/* Steps a statement that returns no row and finalizes it. */
seg_code store__step_done(store *s, sqlite3_stmt *st, seg_err *err, const char *doing);
/* Copies text column col into out (cap bytes; "" for NULL). */
void store__copy_text(sqlite3_stmt *st, int col, char *out, size_t cap);

#endif
