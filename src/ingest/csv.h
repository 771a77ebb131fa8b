/* csv.h: a streaming RFC 4180 reader: quoted fields, doubled quotes, embedded newlines, CRLF,
 * a UTF-8 byte-order mark. Memory is bounded by the largest record, itself capped. */
#ifndef SEGSHIP_INGEST_CSV_H
#define SEGSHIP_INGEST_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/error.h"

#define CSV_MAX_RECORD (1u << 20) /* 1 MiB: a longer record is refused, never buffered whole */
#define CSV_MAX_FIELDS 4096

typedef struct csv_reader csv_reader;

typedef struct csv_record {
  size_t n;             /* number of fields */
  const char **fields;  /* fields[i] is NUL-terminated, lens[i] bytes; valid until the next read */
  const size_t *lens;
  int64_t line;         /* the line the record starts on (1-based) */
  const char *problem;  /* non-NULL: the record is malformed, for this reason (fields unusable) */
} csv_record;

/* Reads from f (not closed by the reader); name is used in messages. *out is freed with csv_free. */
seg_code csv_open(FILE *f, const char *name, csv_reader **out, seg_err *err);
void csv_free(csv_reader *r);
/* Reads the next record. Returns 1 for a record, 0 at the end, -1 on a fatal problem (err set:
 * a NUL byte, a record over CSV_MAX_RECORD, too many fields, a read error). Blank lines are skipped. */
int csv_next(csv_reader *r, csv_record *rec, seg_err *err);
/* Bytes consumed so far (for progress). */
uint64_t csv_offset(const csv_reader *r);

#endif
