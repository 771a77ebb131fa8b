/* ingest.h: importing a CSV or JSON Lines file of profiles into the store: format detection,
 * per-row checks, type inference and widening, bad-row reports; one transaction per file. */
#ifndef SEGSHIP_INGEST_INGEST_H
#define SEGSHIP_INGEST_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/import.h"
#include "store/store.h"

#define INGEST_MAX_PROBLEMS 1000 /* bad rows kept in the report; the count covers them all */
#define INGEST_MAX_ID 256        /* bytes in a profile id */

typedef enum { INGEST_FORMAT_AUTO, INGEST_FORMAT_CSV, INGEST_FORMAT_JSONL } ingest_format;

typedef struct ingest_options {
  const char *path;     /* a file, or "-" for standard input */
  ingest_format format; /* AUTO: from the extension, else from the first byte */
  const char *id_name;  /* NULL: the store's id attribute */
  bool replace;         /* the file is the complete set: profiles it does not name are deleted */
  int max_delete_pct;   /* with replace: the most it may delete, in percent of the stored profiles
                         * (0: none; STORE_MAX_DELETE_DEFAULT for the default; 100: no limit) */
  bool strict;          /* refuse the whole file at its first bad row */
} ingest_options;

typedef struct ingest_problem {
  int64_t line;
  char id[80];          /* the row's id when it could be read, else "" */
  char reason[256];
} ingest_problem;

typedef struct ingest_widening {
  char attr[STORE_NAME_MAX + 1];
  attr_type from, to;
  int64_t line;         /* the first line that needed it */
} ingest_widening;

typedef struct ingest_report {
  const char *format;   /* "csv" or "jsonl" */
  int64_t rows;         /* data rows read */
  store_import_counts counts;
  int64_t rejected;
  ingest_problem *problems; /* the first INGEST_MAX_PROBLEMS bad rows, in file order */
  size_t n_problems;
  ingest_widening *widenings;
  size_t n_widenings;
  size_t new_attributes;
  double seconds;
} ingest_report;

/* Imports opt->path into s. On SEG_OK the report tells what happened (rows may have been
 * rejected); on any error nothing in the store has changed. The caller frees the report. */
seg_code ingest_import(store *s, const ingest_options *opt, ingest_report *report, seg_err *err);
void ingest_report_free(ingest_report *report);
/* Parses "csv" / "jsonl" (also "ndjson", "json"). */
bool ingest_format_parse(const char *name, ingest_format *out);

#endif
