/* http.c: what both APIs' handlers share about HTTP: answers, the plain error body, paths split
 * and percent-decoded per segment, UTF-8 checks, and route templates. */
#include "http.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

/* ---------------------------------------------------------------- responses */

void http_error(http_response *r, int status, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  jsonbuf_free(&r->body);
  r->status = status;
  const char *reason = MHD_get_reason_phrase_for((unsigned)status);
  if (status == 413) reason = "Payload Too Large";
  jsonbuf_object_open(&r->body);
  jsonbuf_key(&r->body, "error");
  jsonbuf_cstring(&r->body, reason && *reason ? reason : "Error");
  jsonbuf_key(&r->body, "message");
  jsonbuf_cstring(&r->body, msg);
  jsonbuf_object_close(&r->body);
}

void http_response_free(http_response *r) { jsonbuf_free(&r->body); }

void http_ok_empty(http_response *r, int status) {
  jsonbuf_free(&r->body);
  r->status = status;
}

/* ---------------------------------------------------------------- paths */

static int http_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *http_percent_decode(const char *s, size_t n) {
  char *out = mem_alloc(n + 1), *o = out;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '%') {
      *o++ = s[i];
      continue;
    }
    int hi = i + 2 < n ? http_hex(s[i + 1]) : -1, lo = i + 2 < n ? http_hex(s[i + 2]) : -1;
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
      free(out);
      return NULL;
    }
    *o++ = (char)(hi * 16 + lo);
    i += 2;
  }
  *o = '\0';
  return out;
}

bool http_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    /* ASCII runs, eight bytes at a time */
    while (end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    unsigned c = *p;
    if (c < 0x80) {
      p++;
      continue;
    }
    size_t len;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
    else return false;
    if ((size_t)(end - p) < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((p[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += len;
  }
  return true;
}

bool http_path_parse(const char *raw, http_path *p, char *err, size_t errlen) {
  memset(p, 0, sizeof *p);
  if (raw[0] == '/') raw++;
  size_t n = strlen(raw);
  /* Decoding never makes text longer, so one buffer of n + segments bytes holds them all. */
  p->storage = mem_alloc(n + HTTP_MAX_SEGMENTS + 1);
  char *o = p->storage;
  const char *seg = raw;
  for (;;) {
    const char *slash = strchr(seg, '/');
    size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
    char *dec = http_percent_decode(seg, len);
    if (!dec) {
      snprintf(err, errlen, "The path holds a malformed percent-escape (or an encoded NUL byte).");
      return false;
    }
    size_t dlen = strlen(dec);
    if (!http_utf8_valid(dec, dlen)) {
      free(dec);
      snprintf(err, errlen, "The path is not valid UTF-8 once decoded.");
      return false;
    }
    if (p->n < HTTP_MAX_SEGMENTS) {
      memcpy(o, dec, dlen + 1);
      p->segments[p->n++] = o;
      o += dlen + 1;
    } else {
      p->too_long = true;
    }
    free(dec);
    if (!slash) break;
    seg = slash + 1;
  }
  return true;
}

void http_path_free(http_path *p) {
  free(p->storage);
  memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------------- routes */

bool http_template_matches(const char *tpl, const http_path *p) {
  if (p->too_long) return false;
  size_t i = 0;
  const char *t = tpl + 1;
  for (;;) {
    const char *slash = strchr(t, '/');
    size_t len = slash ? (size_t)(slash - t) : strlen(t);
    if (i >= p->n) return false;
    const char *seg = p->segments[i++];
    if (t[0] == '{') {
      if (!seg[0]) return false;
    } else if (strlen(seg) != len || strncmp(seg, t, len) != 0) {
      return false;
    }
    if (!slash) break;
    t = slash + 1;
  }
  return i == p->n;
}

void http_match_route(const void *routes, size_t n, size_t stride, const char *method, const http_path *p,
                      http_match *m) {
  memset(m, 0, sizeof *m);
  for (size_t i = 0; i < n; i++) {
    const http_route *rt = (const http_route *)((const char *)routes + i * stride);
    if (!http_template_matches(rt->template, p)) continue;
    if (strcmp(rt->method, method) == 0) {
      m->route = rt;
      m->template = rt->template;
      m->allow[0] = '\0';
      return;
    }
    if (!m->template) m->template = rt->template;
    if (!strstr(m->allow, rt->method)) {
      size_t len = strlen(m->allow);
      snprintf(m->allow + len, sizeof m->allow - len, "%s%s", len ? ", " : "", rt->method);
    }
  }
}
