/* postgres_internal.h: shared by src/source/postgres.c (copy) and pushdown.c; nothing else uses it. */
#ifndef SEGSHIP_SOURCE_POSTGRES_INTERNAL_H
#define SEGSHIP_SOURCE_POSTGRES_INTERNAL_H

#include <libpq-fe.h>

#include "source/postgres.h"
#include "util/buf.h"

/* libpq's message: its first line, without "ERROR:  ", secrets redacted. */
void pg__first_line(const char *msg, char *out, size_t cap);
/* Connects to src (its password from its file, else libpq's environment). */
seg_code pg__connect(const store_pg_source *src, PGconn **out, seg_err *err);
/* One sentence for a failed step ("PostgreSQL source 'x' failed while DOING (why); nothing changed"). */
seg_code pg__fail(PGconn *conn, const PGresult *res, const store_pg_source *src, const char *doing, seg_err *err);
/* BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY, the statement timeout, ISO dates, UTC. */
seg_code pg__begin_snapshot(PGconn *conn, const store_pg_source *src, seg_err *err);
/* The source's columns, with the id (and changed) column found. */
seg_code pg__describe(PGconn *conn, const store_pg_source *src, pg_description *d, seg_err *err);
int pg__put_ident(PGconn *conn, buf *b, const char *name);
/* The FROM clause: the quoted table, or the query as a subquery. */
int pg__put_from(PGconn *conn, buf *b, const store_pg_source *src);
/* The SELECT list: each kept column (those flagged in want, or all) in the importer's text form. */
int pg__put_select(PGconn *conn, buf *b, const pg_description *d, const bool *want);
/* Mode pushdown: the segments' members only (pushdown.c). */
seg_code pg__pushdown_import(store *s, const store_pg_source *src, pg_import_report *rep, seg_err *err);

#endif
