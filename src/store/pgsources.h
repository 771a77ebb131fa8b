/* pgsources.h: PostgreSQL sources as the store keeps them: where to connect (a URI without a
 * password), what to read (a table or a query, its id column), how (copy or pushdown), and the
 * high-water mark of an incremental copy. */
#ifndef SEGSHIP_STORE_PGSOURCES_H
#define SEGSHIP_STORE_PGSOURCES_H

#include "store/store.h"

#define STORE_PG_URI_MAX 2048
#define STORE_PG_QUERY_MAX 65536

typedef struct store_pg_source {
  int64_t id;
  char name[129];
  char *uri;                 /* owned; never holds a password (refused when added) */
  char *relation;            /* owned; [schema.]table as given, or "" with a query */
  char *query;               /* owned; the user's SELECT, or "" with a table */
  char id_column[STORE_NAME_MAX + 1];
  char mode[12];             /* copy, pushdown */
  char changed_column[STORE_NAME_MAX + 1]; /* "" : every refresh reads every row */
  bool replace;              /* rows gone from the source are deleted locally */
  int max_delete;            /* the most one refresh may delete, percent of the stored profiles */
  char *password_file;       /* owned; "" : libpq's own (PGPASSWORD, PGPASSFILE, ~/.pgpass) */
  int64_t statement_timeout_ms;
  char *high_water;          /* owned; the changed column's largest value read so far, as text, or "" */
  int64_t created_at;
} store_pg_source;

/* Adds a source; refused (SEG_EEXIST) when a source of any kind has this name. */
seg_code store_pg_source_add(store *s, const store_pg_source *src, seg_err *err);
/* Every PostgreSQL source, by name; free with store_pg_sources_free. */
seg_code store_pg_sources_list(store *s, store_pg_source **out, size_t *n, seg_err *err);
void store_pg_sources_free(store_pg_source *list, size_t n);
/* Removes source name; SEG_ENOTFOUND when there is none. */
seg_code store_pg_source_remove(store *s, const char *name, seg_err *err);
/* Saves what `source update` may change (by id): the URI, the changed column and its high-water
 * mark, replace, the password file, the statement timeout and max_delete. */
seg_code store_pg_source_update(store *s, const store_pg_source *src, seg_err *err);
/* Records the high-water mark of source id (inside the import's transaction). */
seg_code store_pg_source_set_high_water(store *s, int64_t id, const char *value, seg_err *err);
/* True when a file source has this name (names are shared by both kinds). */
bool store_source_name_taken(store *s, const char *name);

#endif
