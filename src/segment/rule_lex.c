/* rule_lex.c: the rule lexer (words, names, strings, numbers, dates, operators), the arena the
 * parse lives in, and the helpers that point at a place in the rule for messages. */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/rule.h"
#include "segment/rule_internal.h"
#include "util/clock.h"
#include "util/text.h"

/* ---- arena ---- */

struct rule_chunk {
  struct rule_chunk *next;
  size_t used, cap;
  alignas(max_align_t) unsigned char data[];
};

void *rule__alloc(rule_arena *a, size_t n) {
  const size_t align = alignof(max_align_t);
  n = (n + align - 1) / align * align;
  if (n == 0) n = align;
  struct rule_chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > 16384 ? n : 16384;
    c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->next = a->head;
    c->used = 0;
    c->cap = cap;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

void rule__arena_free(rule_arena *a) {
  struct rule_chunk *c = a->head;
  while (c) {
    struct rule_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
}

/* ---- places and excerpts, for messages ---- */

void rule__position(const char *text, size_t len, size_t pos, char *out, size_t cap) {
  if (pos > len) pos = len;
  size_t line = 1, col = 1;
  bool multiline = memchr(text, '\n', len) != NULL;
  for (size_t i = 0; i < pos; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '\n') {
      line++;
      col = 1;
    } else if ((c & 0xC0) != 0x80) {
      col++; /* count characters, not continuation bytes */
    }
  }
  if (multiline) snprintf(out, cap, "line %zu, column %zu", line, col);
  else snprintf(out, cap, "column %zu", col);
}

void rule__excerpt(const char *text, size_t len, char *out, size_t cap) {
  const size_t max = 40;
  size_t n = len;
  bool cut = false;
  if (n > max) {
    n = max;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--; /* not inside a character */
    cut = true;
  }
  snprintf(out, cap, "%.*s%s", (int)n, text, cut ? "..." : "");
}

bool rule__word_is(const char *s, size_t n, const char *keyword) {
  size_t k = strlen(keyword);
  if (n != k) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (c != keyword[i]) return false;
  }
  return true;
}

seg_code rule__check_text(const char *text, size_t *len, seg_err *err) {
  if (!text) return seg_err_set(err, SEG_EINVAL, "the rule is empty; write a condition such as Country = \"Spain\"");
  size_t n = strnlen(text, (size_t)RULE_MAX_BYTES + 1);
  if (n > RULE_MAX_BYTES)
    return seg_err_set(err, SEG_ELIMIT,
                       "the rule is longer than 64 KiB (%d bytes), the most a rule may be; shorten it, for example by "
                       "moving parts into segments used with 'in segment'",
                       RULE_MAX_BYTES);
  size_t bad;
  if (!text_utf8_valid(text, n, &bad)) {
    char where[48];
    rule__position(text, bad, bad, where, sizeof where);
    return seg_err_set(err, SEG_EINVAL, "the rule is not valid UTF-8 (a bad byte at %s); save it as UTF-8", where);
  }
  *len = n;
  return SEG_OK;
}

/* ---- the lexer ---- */

static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static bool is_cmp_char(char c) { return c == '=' || c == '!' || c == '<' || c == '>' || c == '~'; }

/* The place of byte pos, for a message: "column 9". */
static const char *where_at(const rule_lexer *lx, size_t pos, char *out, size_t cap) {
  rule__position(lx->text, lx->len, pos, out, cap);
  return out;
}

/* A quoted string (quote " or ') or a backquoted name: finds its end, then decodes it into the
 * arena (exactly its size: a rule of many strings costs no more than its length). */
static seg_code lex_quoted(rule_lexer *lx, rule_token *tok, char quote, seg_err *err) {
  const char *t = lx->text;
  size_t start = lx->pos, i = start + 1;
  for (;;) { /* find the closing quote; check the escapes on the way */
    if (i >= lx->len) {
      char w[48];
      where_at(lx, start, w, sizeof w);
      if (quote == '`')
        return seg_err_set(err, SEG_EINVAL, "unterminated name starting at %s; end it with a backquote (`)", w);
      return seg_err_set(err, SEG_EINVAL, "unterminated string starting at %s; end it with %s", w,
                         quote == '"' ? "a double quote (\")" : "a single quote (')");
    }
    char c = t[i];
    if (c == quote) {
      if (quote == '`' && i + 1 < lx->len && t[i + 1] == '`') { /* `` is a backquote inside a name */
        i += 2;
        continue;
      }
      break;
    }
    if (c == '\\' && quote != '`') {
      char e = i + 1 < lx->len ? t[i + 1] : '\0';
      if (!(e == '"' || e == '\'' || e == '\\' || e == 'n' || e == 't')) {
        char shown[8] = {0}, w[48];
        size_t k = 1;
        if (i + 1 < lx->len) { /* the whole character after the backslash */
          k = 2;
          while (i + k < lx->len && k < 5 && ((unsigned char)t[i + k] & 0xC0) == 0x80) k++;
        }
        memcpy(shown, t + i, k);
        return seg_err_set(err, SEG_EINVAL, "unknown escape '%s' at %s; the escapes are \\\" \\' \\\\ \\n and \\t", shown,
                           where_at(lx, i, w, sizeof w));
      }
      i += 2;
      continue;
    }
    i++;
  }
  size_t end = i; /* the closing quote */
  char *out = rule__alloc(lx->arena, end - start);
  if (!out) return seg_err_set(err, SEG_ENOMEM, "out of memory reading the rule");
  size_t n = 0;
  for (i = start + 1; i < end; i++) {
    char c = t[i];
    if (quote == '`' && c == '`') {
      i++; /* the second of `` */
    } else if (quote != '`' && c == '\\') {
      char e = t[++i];
      c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
    }
    out[n++] = c;
  }
  out[n] = '\0';
  tok->kind = quote == '`' ? TOK_NAME : TOK_STRING;
  tok->str = out;
  tok->n = n;
  tok->len = end + 1 - start;
  lx->pos = end + 1;
  if (quote == '`' && n == 0) {
    char w[48];
    return seg_err_set(err, SEG_EINVAL, "empty attribute name at %s; write the name between the backquotes",
                       where_at(lx, start, w, sizeof w));
  }
  return SEG_OK;
}

/* A number, or a bare date YYYY-MM-DD. */
static seg_code lex_number(rule_lexer *lx, rule_token *tok, seg_err *err) {
  const char *t = lx->text;
  size_t start = lx->pos, i = start, end = lx->len;
  if (t[i] == '-') i++;
  size_t d0 = i;
  while (i < end && is_digit(t[i])) i++;
  if (t[start] != '-' && i - d0 == 4 && i < end && t[i] == '-') {
    /* maybe a date: 4 digits - 2 digits - 2 digits */
    size_t j = i + 1;
    if (j + 5 <= end && is_digit(t[j]) && is_digit(t[j + 1]) && t[j + 2] == '-' && is_digit(t[j + 3]) &&
        is_digit(t[j + 4])) {
      size_t stop = j + 5;
      char shown[64], w[48];
      where_at(lx, start, w, sizeof w);
      if (stop < end && (t[stop] == 'T' || t[stop] == 't' || t[stop] == ':'))
        return seg_err_set(err, SEG_EINVAL, "a date and time at %s goes in quotes, e.g. \"2024-01-31T10:00:00Z\"", w);
      if (stop == end || !is_alnum(t[stop])) {
        if (!clock_parse_date(t + start, stop - start, &tok->days)) {
          rule__excerpt(t + start, stop - start, shown, sizeof shown);
          return seg_err_set(err, SEG_EINVAL, "%s at %s is not a valid date; write dates as YYYY-MM-DD", shown, w);
        }
        tok->kind = TOK_DATE;
        tok->str = t + start;
        tok->n = tok->len = stop - start;
        lx->pos = stop;
        return SEG_OK;
      }
    }
  }
  if (i < end && t[i] == '.' && i + 1 < end && is_digit(t[i + 1])) {
    i++;
    while (i < end && is_digit(t[i])) i++;
  }
  if (i < end && (t[i] == 'e' || t[i] == 'E')) {
    size_t j = i + 1;
    if (j < end && (t[j] == '+' || t[j] == '-')) j++;
    if (j < end && is_digit(t[j])) {
      while (j < end && is_digit(t[j])) j++;
      i = j;
    }
  }
  if (i < end && (is_alnum(t[i]) || t[i] == '.' || (unsigned char)t[i] >= 0x80)) {
    size_t j = i;
    while (j < end && (is_alnum(t[j]) || t[j] == '.' || t[j] == '-' || (unsigned char)t[j] >= 0x80)) j++;
    char shown[64], w[48];
    rule__excerpt(t + start, j - start, shown, sizeof shown);
    return seg_err_set(err, SEG_EINVAL, "malformed number '%s' at %s; write numbers like 42, -7 or 19.99", shown,
                       where_at(lx, start, w, sizeof w));
  }
  tok->kind = TOK_NUMBER;
  tok->str = t + start;
  tok->n = tok->len = i - start;
  lx->pos = i;
  return SEG_OK;
}

seg_code rule__lex_next(rule_lexer *lx, rule_token *tok, seg_err *err) {
  const char *t = lx->text;
  while (lx->pos < lx->len && is_space(t[lx->pos])) lx->pos++;
  memset(tok, 0, sizeof *tok);
  tok->pos = lx->pos;
  if (lx->pos >= lx->len) {
    tok->kind = TOK_EOF;
    return SEG_OK;
  }
  size_t i = lx->pos;
  char c = t[i];
  switch (c) {
    case '(':
    case ')':
    case ',':
      tok->kind = c == '(' ? TOK_LPAREN : c == ')' ? TOK_RPAREN : TOK_COMMA;
      tok->len = 1;
      tok->str = t + i;
      tok->n = 1;
      lx->pos++;
      return SEG_OK;
    case '"':
    case '\'':
    case '`':
      return lex_quoted(lx, tok, c, err);
    default:
      break;
  }
  if (is_digit(c) || (c == '-' && i + 1 < lx->len && is_digit(t[i + 1]))) return lex_number(lx, tok, err);
  if (is_alpha(c)) {
    size_t j = i;
    while (j < lx->len && is_alnum(t[j])) j++;
    if (j < lx->len && (unsigned char)t[j] >= 0x80) {
      /* a name with letters beyond ASCII (País): only backquoted */
      while (j < lx->len && (is_alnum(t[j]) || (unsigned char)t[j] >= 0x80)) j++;
      char shown[64], w[48];
      rule__excerpt(t + i, j - i, shown, sizeof shown);
      return seg_err_set(err, SEG_EINVAL,
                         "the name '%s' at %s has characters other than A-Z, 0-9 and _; put it in backquotes: `%s`",
                         shown, where_at(lx, i, w, sizeof w), shown);
    }
    tok->kind = TOK_WORD;
    tok->str = t + i;
    tok->n = tok->len = j - i;
    lx->pos = j;
    return SEG_OK;
  }
  if (is_cmp_char(c)) {
    size_t j = i;
    while (j < lx->len && is_cmp_char(t[j])) j++;
    size_t n = j - i;
    tok->str = t + i;
    tok->n = tok->len = n;
    lx->pos = j;
    tok->kind = TOK_CMP;
    if ((n == 1 && c == '=') || (n == 2 && memcmp(t + i, "==", 2) == 0)) tok->cmp = CMP_EQ;
    else if (n == 2 && (memcmp(t + i, "!=", 2) == 0 || memcmp(t + i, "<>", 2) == 0)) tok->cmp = CMP_NE;
    else if (n == 1 && c == '<') tok->cmp = CMP_LT;
    else if (n == 2 && memcmp(t + i, "<=", 2) == 0) tok->cmp = CMP_LE;
    else if (n == 1 && c == '>') tok->cmp = CMP_GT;
    else if (n == 2 && memcmp(t + i, ">=", 2) == 0) tok->cmp = CMP_GE;
    else tok->kind = TOK_BAD;
    return SEG_OK;
  }
  /* any other character, one whole UTF-8 character at a time */
  size_t k = 1;
  if ((unsigned char)c >= 0x80)
    while (i + k < lx->len && ((unsigned char)t[i + k] & 0xC0) == 0x80) k++;
  tok->kind = TOK_BAD;
  tok->str = t + i;
  tok->n = tok->len = k;
  lx->pos = i + k;
  return SEG_OK;
}
