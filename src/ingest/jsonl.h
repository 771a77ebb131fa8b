/* jsonl.h: a streaming JSON Lines reader: one JSON object per line, each line capped in size. */
#ifndef SEGSHIP_INGEST_JSONL_H
#define SEGSHIP_INGEST_JSONL_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "util/error.h"

#define JSONL_MAX_LINE (1u << 20)

typedef struct jsonl_reader jsonl_reader;

typedef struct jsonl_record {
  json_t *object;       /* the parsed object (owned by the reader until the next read), or NULL */
  int64_t line;
  char problem[200];    /* non-empty: the line is not a usable JSON object, for this reason */
} jsonl_record;

seg_code jsonl_open(FILE *f, const char *name, jsonl_reader **out, seg_err *err);
void jsonl_free(jsonl_reader *r);
/* Returns 1 for a record, 0 at the end, -1 on a fatal problem (a NUL byte, a line over
 * JSONL_MAX_LINE, a read error). Blank lines are skipped. */
int jsonl_next(jsonl_reader *r, jsonl_record *rec, seg_err *err);

#endif
