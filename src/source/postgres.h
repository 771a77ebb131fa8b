/* postgres.h: a PostgreSQL source read with libpq: connecting (the password from a file or
 * libpq's environment, never the URI), describing its columns as segship attributes, and
 * copying its rows into the store through the import path, in one read-only snapshot. */
#ifndef SEGSHIP_SOURCE_POSTGRES_H
#define SEGSHIP_SOURCE_POSTGRES_H

#include "ingest/ingest.h"
#include "store/pgsources.h"
#include "store/store.h"

#define PG_SOURCE_DEFAULT_TIMEOUT_MS 300000 /* statement_timeout when none is given: 5 minutes */

/* A column of the source as segship sees it. */
typedef struct pg_column {
  char name[STORE_NAME_MAX + 1];
  unsigned oid;          /* its PostgreSQL type */
  attr_type type;        /* ATTR_NONE: left out (kept is false) */
  bool kept;
  char type_name[64];    /* PostgreSQL's name of its type */
} pg_column;

typedef struct pg_description {
  pg_column *cols;       /* owned */
  size_t n;
  int id_index;          /* the id column */
  int changed_index;     /* the changed column, or -1 */
} pg_description;

void pg_description_free(pg_description *d);

/* Checks that uri can be stored: it parses and holds no password (one sentence if not). */
seg_code pg_uri_check(const char *uri, seg_err *err);

/* Connects to src and describes it: every column with its type, the id and changed columns found.
 * A column of a type segship does not hold is left out (kept false, type_name says which). */
seg_code pg_source_describe(const store_pg_source *src, pg_description *out, seg_err *err);

typedef struct pg_import_report {
  ingest_report ingest;  /* the import's counts (freed by pg_import_report_free) */
  bool incremental;      /* only rows changed since the last refresh were read */
  bool pushdown;         /* only the segments' members were read (mode pushdown) */
  size_t left_out;       /* columns left out */
  char high_water[128];  /* the changed column's largest value now ("" without one) */
} pg_import_report;

void pg_import_report_free(pg_import_report *r);

/* Reads src into s. Mode pushdown: only the members of the saved segments (evaluated in PostgreSQL),
 * with the columns the segments and the exports read; the others leave the store. Mode copy: */
/* Copies src's rows into s (mode copy): COPY streamed into one import session (content hashes:
 * only changed rows are written), in one REPEATABLE READ READ ONLY transaction. With a changed
 * column, only rows past the last high-water mark are read, and with replace every id is read
 * to find deletions. On any failure nothing in s changes and err says why in one sentence. */
seg_code pg_source_import(store *s, const store_pg_source *src, pg_import_report *rep, seg_err *err);

/* Adds the kept columns of a described source to the store's schema as attributes of their
 * types (so that segments can be written before the first refresh). */
seg_code pg_source_prepare_schema(store *s, const store_pg_source *src, const pg_description *d, seg_err *err);

/* Mode pushdown: when the store has a PostgreSQL source in pushdown mode, evaluates rule there (with
 * the saved segments for `in segment`) and sets *handled: with fn NULL, *count is how many rows match;
 * else fn gets the first limit matching ids in id order. Without such a source *handled is false. */
seg_code pg_pushdown_preview(store *s, const char *rule, int64_t limit, int64_t *count,
                             int (*fn)(const char *id, void *ctx), void *ctx, bool *handled, seg_err *err);

#endif
