/* import.h: an import session: one transaction that upserts profiles by id, grows and widens the
 * schema as values need, and on finish commits (or on abort leaves the store as it was). */
#ifndef SEGSHIP_STORE_IMPORT_H
#define SEGSHIP_STORE_IMPORT_H

#include "store/store.h"

typedef struct store_import store_import;

typedef enum { STORE_ROW_INSERTED, STORE_ROW_UPDATED, STORE_ROW_UNCHANGED } store_row_result;

typedef struct store_import_counts {
  int64_t inserted, updated, unchanged, deleted;
} store_import_counts;

/* Starts an import: takes the write lock and loads the schema. id_name names the id attribute
 * (NULL: the store's own, "CustomerId" in a new store); a name that differs from the store's id
 * attribute is refused. On success *out is a session that must end in finish or abort. */
seg_code store_import_begin(store *s, const char *id_name, store_import **out, seg_err *err);

/* The live schema of the session (it grows as attributes are added). Index of the id attribute. */
const store_schema *store_import_schema(const store_import *imp);
int store_import_id_index(const store_import *imp);

/* Finds the attribute named name, adding it (type none) when new; *index is its schema index. */
seg_code store_import_attr(store_import *imp, const char *name, int *index, seg_err *err);
/* Widens attribute index to type to (stored values converted; the change is recorded). */
seg_code store_import_widen(store_import *imp, int index, attr_type to, seg_err *err);

/* Upserts one profile. values[i] is the value of schema attribute i, already of its type;
 * present[i] false leaves the stored value as it is (true with ATTR_NONE empties it). The
 * id attribute's entry is ignored. A second row with the same id in one session is refused
 * (SEG_EINVAL naming both lines). Text in values must stay valid during the call only. */
seg_code store_import_row(store_import *imp, int64_t line, const char *id, size_t id_len, const seg_value *values,
                          const bool *present, store_row_result *result, seg_err *err);
/* Records that the profile id appeared in the file in a row that was rejected, so that
 * --replace does not delete it. */
void store_import_mark_seen(store_import *imp, const char *id, size_t id_len);

/* The share of the stored profiles a --replace may delete unless told otherwise (percent). */
#define STORE_MAX_DELETE_DEFAULT 20

/* Ends the session: with replace, deletes the profiles the file did not name; records the
 * import; commits. When those profiles are more than max_delete_pct percent of the profiles
 * stored before the import (100 or more: no limit), nothing is changed: SEG_ELIMIT with a
 * message giving both counts and the --max-delete that would allow it. The session is freed in
 * every case. */
seg_code store_import_finish(store_import *imp, bool replace, int max_delete_pct, const char *source,
                             const char *format, int64_t rejected, store_import_counts *counts, seg_err *err);
/* Rolls back and frees the session. */
void store_import_abort(store_import *imp);

#endif
