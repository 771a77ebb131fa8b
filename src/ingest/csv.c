/* csv.c: streaming RFC 4180 parsing as a byte-level state machine over a fixed read buffer. */
#include "ingest/csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CSV_CHUNK (256 * 1024)

struct csv_reader {
  FILE *f;
  const char *name;
  char *chunk;           /* read buffer */
  size_t pos, len;
  bool eof, first;
  int64_t line;          /* current physical line */
  uint64_t offset;
  char *rec;             /* the record's field bytes, each field NUL-terminated */
  size_t rec_len, rec_cap;
  size_t *starts;        /* field start offsets in rec, then turned into pointers */
  size_t *lens;
  const char **fields;
  size_t nfields, fields_cap;
};

seg_code csv_open(FILE *f, const char *name, csv_reader **out, seg_err *err) {
  csv_reader *r = calloc(1, sizeof *r);
  if (!r) return seg_err_set(err, SEG_ENOMEM, "out of memory opening %s", name);
  r->f = f;
  r->name = name;
  r->chunk = malloc(CSV_CHUNK);
  r->rec_cap = 4096;
  r->rec = malloc(r->rec_cap);
  r->fields_cap = 64;
  r->starts = malloc(r->fields_cap * sizeof *r->starts);
  r->lens = malloc(r->fields_cap * sizeof *r->lens);
  r->fields = malloc(r->fields_cap * sizeof *r->fields);
  r->first = true;
  r->line = 1;
  if (!r->chunk || !r->rec || !r->starts || !r->lens || !r->fields) {
    csv_free(r);
    return seg_err_set(err, SEG_ENOMEM, "out of memory opening %s", name);
  }
  *out = r;
  return SEG_OK;
}

void csv_free(csv_reader *r) {
  if (!r) return;
  free(r->chunk);
  free(r->rec);
  free(r->starts);
  free(r->lens);
  free(r->fields);
  free(r);
}

uint64_t csv_offset(const csv_reader *r) { return r->offset; }

/* Refills the read buffer. Returns 1 with data, 0 at the end, -1 on a read error. */
static int fill(csv_reader *r, seg_err *err) {
  if (r->eof) return 0;
  r->len = fread(r->chunk, 1, CSV_CHUNK, r->f);
  r->pos = 0;
  if (r->len == 0) {
    r->eof = true;
    if (ferror(r->f)) {
      seg_err_set(err, SEG_EIO, "cannot read %s: %s", r->name, strerror(errno));
      return -1;
    }
    return 0;
  }
  if (r->first) {
    r->first = false;
    if (r->len >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0) {
      r->pos = 3; /* the UTF-8 byte-order mark is not data */
      r->offset += 3;
    }
  }
  return 1;
}

static int rec_putc(csv_reader *r, char c) {
  if (r->rec_len + 1 >= r->rec_cap) {
    if (r->rec_cap >= CSV_MAX_RECORD + 2) return -1;
    size_t cap = r->rec_cap * 2;
    if (cap > CSV_MAX_RECORD + 2) cap = CSV_MAX_RECORD + 2;
    char *p = realloc(r->rec, cap);
    if (!p) return -1;
    r->rec = p;
    r->rec_cap = cap;
  }
  r->rec[r->rec_len++] = c;
  return 0;
}

static int field_start(csv_reader *r) {
  if (r->nfields == r->fields_cap) {
    if (r->fields_cap >= CSV_MAX_FIELDS) return -1;
    size_t cap = r->fields_cap * 2;
    size_t *s = realloc(r->starts, cap * sizeof *s);
    if (s) r->starts = s;
    size_t *l = realloc(r->lens, cap * sizeof *l);
    if (l) r->lens = l;
    const char **f = realloc(r->fields, cap * sizeof *f);
    if (f) r->fields = f;
    if (!s || !l || !f) return -1;
    r->fields_cap = cap;
  }
  r->starts[r->nfields++] = r->rec_len;
  return 0;
}

static int field_end(csv_reader *r) {
  size_t i = r->nfields - 1;
  r->lens[i] = r->rec_len - r->starts[i];
  return rec_putc(r, '\0');
}

enum { ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_IN_QUOTED, ST_AFTER_CLOSE };

int csv_next(csv_reader *r, csv_record *rec, seg_err *err) {
  memset(rec, 0, sizeof *rec);
  for (;;) { /* one iteration per record; blank lines loop */
    r->rec_len = 0;
    r->nfields = 0;
    int state = ST_FIELD_START;
    const char *problem = NULL;
    int64_t start_line = r->line;
    bool any = false; /* saw any byte of this record */
    bool ended = false;
    while (!ended) {
      if (r->pos >= r->len) {
        int f = fill(r, err);
        if (f < 0) return -1;
        if (f == 0) break;
      }
      char c = r->chunk[r->pos++];
      r->offset++;
      if (c == '\0') {
        seg_err_set(err, SEG_EINVAL, "%s is not a text file (a NUL byte on line %lld); give a CSV or JSON Lines file",
                    r->name, (long long)r->line);
        return -1;
      }
      if (c == '\n') r->line++;
      switch (state) {
        case ST_FIELD_START:
          if (field_start(r) != 0) goto too_many;
          any = true;
          if (c == '"') {
            state = ST_QUOTED;
          } else if (c == ',') {
            if (field_end(r) != 0) goto too_long;
          } else if (c == '\n' || c == '\r') {
            if (field_end(r) != 0) goto too_long;
            ended = true;
          } else {
            if (rec_putc(r, c) != 0) goto too_long;
            state = ST_UNQUOTED;
          }
          break;
        case ST_UNQUOTED:
          if (c == ',') {
            if (field_end(r) != 0) goto too_long;
            state = ST_FIELD_START;
          } else if (c == '\n' || c == '\r') {
            if (field_end(r) != 0) goto too_long;
            ended = true;
          } else if (rec_putc(r, c) != 0) {
            goto too_long;
          }
          break;
        case ST_QUOTED:
          if (c == '"') {
            state = ST_QUOTE_IN_QUOTED;
          } else if (rec_putc(r, c) != 0) {
            goto too_long;
          }
          break;
        case ST_QUOTE_IN_QUOTED:
          if (c == '"') {
            if (rec_putc(r, '"') != 0) goto too_long;
            state = ST_QUOTED;
          } else if (c == ',') {
            if (field_end(r) != 0) goto too_long;
            state = ST_FIELD_START;
          } else if (c == '\n' || c == '\r') {
            if (field_end(r) != 0) goto too_long;
            ended = true;
          } else {
            if (!problem) problem = "text follows a closing quote; double a quote inside a quoted field (\"\")";
            state = ST_AFTER_CLOSE;
          }
          break;
        case ST_AFTER_CLOSE: /* skip to the end of the malformed field */
          if (c == ',') {
            if (field_end(r) != 0) goto too_long;
            state = ST_FIELD_START;
          } else if (c == '\n' || c == '\r') {
            if (field_end(r) != 0) goto too_long;
            ended = true;
          }
          break;
      }
      if (ended && c == '\r') { /* CRLF: swallow the LF */
        if (r->pos >= r->len && fill(r, err) < 0) return -1;
        if (r->pos < r->len && r->chunk[r->pos] == '\n') {
          r->pos++;
          r->offset++;
        }
        r->line++;
      }
    }
    if (!ended) { /* end of input */
      if (!any) return 0;
      if (state == ST_QUOTED) problem = "a quoted field is not closed before the end of the file";
      if (state == ST_FIELD_START) {
        if (field_start(r) != 0) goto too_many;
      }
      if (field_end(r) != 0) goto too_long;
    }
    /* A blank line is no record. */
    if (r->nfields == 1 && r->lens[0] == 0 && !problem && state != ST_QUOTE_IN_QUOTED) continue;
    for (size_t i = 0; i < r->nfields; i++) r->fields[i] = r->rec + r->starts[i];
    rec->n = r->nfields;
    rec->fields = r->fields;
    rec->lens = r->lens;
    rec->line = start_line;
    rec->problem = problem;
    return 1;
  too_long:
    seg_err_set(err, SEG_EINVAL,
                "the record starting on line %lld of %s is over %u bytes (an unclosed quote?); fix the file and "
                "import it again",
                (long long)start_line, r->name, CSV_MAX_RECORD);
    return -1;
  too_many:
    seg_err_set(err, SEG_EINVAL, "line %lld of %s has more than %d fields; is it really CSV?", (long long)start_line,
                r->name, CSV_MAX_FIELDS);
    return -1;
  }
}
