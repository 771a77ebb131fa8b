/* text.c: small text helpers shared by the importers, the rule language and the CLI. */
#include "util/text.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "util/buf.h"

bool text_utf8_valid(const char *str, size_t n, size_t *bad) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    unsigned int cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      goto fail;
    }
    if (i + len > n) goto fail;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) goto fail;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      goto fail;
    i += len;
  }
  return true;
fail:
  if (bad) *bad = i;
  return false;
}

bool text_ieq(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

const char *text_trim(const char *s, size_t *n) {
  size_t len = *n;
  while (len && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
    s++;
    len--;
  }
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
    len--;
  *n = len;
  return s;
}

static char fold(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

int text_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return 255;
  int prev[65], cur[65];
  for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int cost = fold(a[i - 1]) != fold(b[j - 1]);
      int v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (prev[j - 1] + cost < v) v = prev[j - 1] + cost;
      cur[j] = v;
    }
    memcpy(prev, cur, sizeof(int) * (lb + 1));
  }
  return prev[lb] > 255 ? 255 : prev[lb];
}

void text_lower(char *s) {
  for (; *s; s++) *s = fold(*s);
}

static locale_t g_utf8;
static pthread_once_t g_utf8_once = PTHREAD_ONCE_INIT;
static void utf8_locale_init(void) { g_utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); }

/* Decodes one code point at s[*i]; on a bad sequence returns the byte itself and advances one. */
static unsigned decode(const unsigned char *s, size_t n, size_t *i) {
  unsigned c = s[*i];
  size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
  if (len <= 1 || *i + len > n) {
    (*i)++;
    return c;
  }
  unsigned cp = c & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; k++) {
    if ((s[*i + k] & 0xC0) != 0x80) {
      (*i)++;
      return c;
    }
    cp = (cp << 6) | (s[*i + k] & 0x3F);
  }
  *i += len;
  return cp;
}

static unsigned fold_cp(unsigned cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  pthread_once(&g_utf8_once, utf8_locale_init);
  if (g_utf8 == (locale_t)0) return cp;
  return (unsigned)towlower_l((wint_t)cp, g_utf8);
}

static size_t encode(unsigned cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

int text_fold(const char *str, size_t n, buf *out) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    if (s[i] < 0x80) {
      if (buf_putc(out, (char)fold_cp(s[i])) != 0) return -1;
      i++;
      continue;
    }
    size_t start = i;
    unsigned cp = decode(s, n, &i);
    if (i == start + 1 && cp >= 0x80) { /* an invalid byte: kept as it is */
      if (buf_putc(out, (char)cp) != 0) return -1;
      continue;
    }
    char enc[4];
    if (buf_append(out, enc, encode(fold_cp(cp), enc)) != 0) return -1;
  }
  return 0;
}

int text_fold_cmp(const char *a, size_t an, const char *b, size_t bn) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  size_t i = 0, j = 0;
  while (i < an && j < bn) {
    unsigned ca, cb;
    if (x[i] < 0x80 && y[j] < 0x80) { /* the common case, without decoding */
      ca = fold_cp(x[i++]);
      cb = fold_cp(y[j++]);
    } else {
      ca = fold_cp(decode(x, an, &i));
      cb = fold_cp(decode(y, bn, &j));
    }
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  return (i < an) - (j < bn);
}

/* The length of the UTF-8 character at s[0..n), or 0 when the bytes there are not one. */
static size_t utf8_char_len(const unsigned char *s, size_t n) {
  size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                                 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
  if (len == 0 || len > n) return 0;
  if (len > 1 && !text_utf8_valid((const char *)s, len, NULL)) return 0;
  return len;
}

size_t text_utf8_prefix(const char *str, size_t n, size_t max) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    size_t len = utf8_char_len(s + i, n - i);
    if (len == 0) len = 1;
    if (i + len > max) break;
    i += len;
  }
  return i;
}

size_t text_copy(char *out, size_t cap, const char *s) {
  if (cap == 0) return 0;
  size_t n = text_utf8_prefix(s, strlen(s), cap - 1);
  memcpy(out, s, n);
  out[n] = 0;
  return n;
}

char *text_escape_control(const char *str, size_t n, bool keep_newline) {
  const unsigned char *s = (const unsigned char *)str;
  size_t extra = 0;
  for (size_t i = 0; i < n;) {
    size_t len = utf8_char_len(s + i, n - i);
    if (len == 0) {
      extra += 3, i++;
    } else if (len == 1 && (s[i] < 0x20 || s[i] == 0x7F) && !(keep_newline && s[i] == '\n')) {
      extra += 3, i++;
    } else if (len == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0) { /* C1: U+0080-U+009F */
      extra += 6, i += 2;
    } else {
      i += len;
    }
  }
  if (extra == 0) return NULL;
  char *out = malloc(n + extra + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t len = utf8_char_len(s + i, n - i);
    if (len == 0 || (len == 1 && (s[i] < 0x20 || s[i] == 0x7F) && !(keep_newline && s[i] == '\n'))) {
      o += (size_t)sprintf(out + o, "\\x%02x", s[i]);
      i++;
    } else if (len == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0) {
      o += (size_t)sprintf(out + o, "\\xc2\\x%02x", s[i + 1]);
      i += 2;
    } else {
      memcpy(out + o, s + i, len);
      o += len;
      i += len;
    }
  }
  out[o] = 0;
  return out;
}

bool text_csv_formula(const char *s) { return s[0] && strchr("=+-@\t\r", s[0]) != NULL; }

void text_utf8_trim_tail(char *str) {
  unsigned char *s = (unsigned char *)str;
  size_t n = strlen(str);
  /* the start of the last character: at most 3 continuation bytes back */
  size_t i = n, back = 0;
  while (i > 0 && back < 4 && (s[i - 1] & 0xC0) == 0x80) i--, back++;
  if (i == 0 || s[i - 1] < 0xC0) return; /* ends in ASCII, or in stray continuation bytes: no lead to judge */
  size_t lead = i - 1;
  size_t need = s[lead] >= 0xF0 ? 4 : s[lead] >= 0xE0 ? 3 : 2;
  if (n - lead < need) s[lead] = 0;
}
