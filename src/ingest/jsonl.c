/* jsonl.c: JSON Lines reading: bounded lines, each parsed with jansson (duplicate keys refused). */
#include "ingest/jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"

struct jsonl_reader {
  FILE *f;
  const char *name;
  int64_t line;
  buf text;
  json_t *current;
  bool first;
};

seg_code jsonl_open(FILE *f, const char *name, jsonl_reader **out, seg_err *err) {
  jsonl_reader *r = calloc(1, sizeof *r);
  if (!r) return seg_err_set(err, SEG_ENOMEM, "out of memory opening %s", name);
  r->f = f;
  r->name = name;
  r->first = true;
  buf_init(&r->text, JSONL_MAX_LINE);
  *out = r;
  return SEG_OK;
}

void jsonl_free(jsonl_reader *r) {
  if (!r) return;
  json_decref(r->current);
  buf_free(&r->text);
  free(r);
}

/* Reads one physical line into r->text (without its end). 1: a line, 0: end, -1: fatal. */
static int read_line(jsonl_reader *r, seg_err *err) {
  buf_reset(&r->text);
  int c;
  bool any = false;
  while ((c = getc_unlocked(r->f)) != EOF) {
    any = true;
    if (c == '\n') break;
    if (c == '\0') {
      seg_err_set(err, SEG_EINVAL, "%s is not a text file (a NUL byte on line %lld); give a CSV or JSON Lines file",
                  r->name, (long long)r->line + 1);
      return -1;
    }
    if (buf_putc(&r->text, (char)c) != 0) {
      seg_err_set(err, SEG_EINVAL, "line %lld of %s is over %u bytes; fix the file and import it again",
                  (long long)r->line + 1, r->name, JSONL_MAX_LINE);
      return -1;
    }
  }
  if (ferror(r->f)) {
    seg_err_set(err, SEG_EIO, "cannot read %s: %s", r->name, strerror(errno));
    return -1;
  }
  if (!any) return 0;
  r->line++;
  if (r->text.len && r->text.data[r->text.len - 1] == '\r') r->text.data[--r->text.len] = '\0';
  if (r->first) {
    r->first = false;
    if (r->text.len >= 3 && memcmp(r->text.data, "\xEF\xBB\xBF", 3) == 0) {
      memmove(r->text.data, r->text.data + 3, r->text.len - 2);
      r->text.len -= 3;
    }
  }
  return 1;
}

int jsonl_next(jsonl_reader *r, jsonl_record *rec, seg_err *err) {
  json_decref(r->current);
  r->current = NULL;
  memset(rec, 0, sizeof *rec);
  for (;;) {
    int got = read_line(r, err);
    if (got <= 0) return got;
    size_t n = r->text.len;
    const char *s = text_trim(buf_str(&r->text), &n);
    if (n == 0) continue;
    rec->line = r->line;
    size_t bad;
    if (!text_utf8_valid(s, n, &bad)) {
      snprintf(rec->problem, sizeof rec->problem, "not valid UTF-8 (byte %zu)", bad + 1);
      return 1;
    }
    json_error_t jerr;
    json_t *v = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
      snprintf(rec->problem, sizeof rec->problem, "not valid JSON (%s at column %d)", jerr.text, jerr.column);
      return 1;
    }
    if (!json_is_object(v)) {
      json_decref(v);
      snprintf(rec->problem, sizeof rec->problem, "not a JSON object; each line must be one object");
      return 1;
    }
    r->current = v;
    rec->object = v;
    return 1;
  }
}
