/* log.c: line-oriented logging to stderr; every line passes through secret redaction. */
#include "util/log.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/jsonw.h"

/* A registered secret: its copy in locked memory (sodium_malloc: never swapped, guarded, wiped
 * when freed) and how many users registered it. */
typedef struct secret_entry {
  char *text;
  size_t len;
  unsigned refs;
} secret_entry;

static log_format g_format = LOG_FORMAT_TEXT;
static log_level g_min = LOG_INFO;
static secret_entry *g_secrets; /* sodium_malloc'd array of g_cap entries, g_n in use */
static size_t g_n, g_cap;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

void log_configure(log_format format, log_level min_level) {
  g_format = format;
  g_min = min_level;
}

void log_add_secret(const char *secret) {
  if (!secret || strlen(secret) < 4 || sodium_init() < 0) return; /* sodium_init: once, for sodium_malloc */
  size_t len = strlen(secret);
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < g_n; i++)
    if (g_secrets[i].len == len && sodium_memcmp(g_secrets[i].text, secret, len) == 0) {
      g_secrets[i].refs++;
      pthread_mutex_unlock(&g_lock);
      return;
    }
  if (g_n == g_cap) {
    size_t cap = g_cap ? g_cap * 2 : 8;
    secret_entry *grown = sodium_allocarray(cap, sizeof *grown);
    if (!grown) goto out; /* out of memory: cli_fail and the logger still redact the known ones */
    if (g_n) memcpy(grown, g_secrets, g_n * sizeof *grown);
    if (g_secrets) sodium_free(g_secrets);
    g_secrets = grown;
    g_cap = cap;
  }
  char *copy = sodium_malloc(len + 1);
  if (!copy) goto out;
  memcpy(copy, secret, len + 1);
  g_secrets[g_n++] = (secret_entry){.text = copy, .len = len, .refs = 1};
out:
  pthread_mutex_unlock(&g_lock);
}

static void drop(size_t i) {
  sodium_free(g_secrets[i].text); /* wipes it */
  g_secrets[i] = g_secrets[--g_n];
  sodium_memzero(&g_secrets[g_n], sizeof g_secrets[g_n]);
}

void log_forget_secret(const char *secret) {
  if (!secret) return;
  size_t len = strlen(secret);
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < g_n; i++)
    if (g_secrets[i].len == len && sodium_memcmp(g_secrets[i].text, secret, len) == 0) {
      if (--g_secrets[i].refs == 0) drop(i);
      break;
    }
  pthread_mutex_unlock(&g_lock);
}

void log_forget_secrets(void) {
  pthread_mutex_lock(&g_lock);
  while (g_n) drop(g_n - 1);
  if (g_secrets) sodium_free(g_secrets);
  g_secrets = NULL;
  g_cap = 0;
  pthread_mutex_unlock(&g_lock);
}

size_t log_secret_count(void) {
  pthread_mutex_lock(&g_lock);
  size_t n = g_n;
  pthread_mutex_unlock(&g_lock);
  return n;
}

static const char mark[] = "[redacted]";

void log_redact(char *s, unsigned long cap) {
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < g_n; i++) {
    const char *sec = g_secrets[i].text;
    size_t sl = g_secrets[i].len;
    char *p;
    while ((p = strstr(s, sec)) != NULL) {
      size_t tail = strlen(p + sl);
      size_t ml = sizeof mark - 1;
      if ((size_t)(p - s) + ml + tail + 1 > cap) { /* no room: blank it out in place */
        memset(p, '*', sl);
        continue;
      }
      memmove(p + ml, p + sl, tail + 1);
      memcpy(p, mark, ml);
    }
  }
  pthread_mutex_unlock(&g_lock);
}

char *log_redact_dup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s);
  /* Each redaction replaces at least 4 bytes by 10: room for the worst case, so no cut is needed. */
  size_t cap = n + 1 + (n / 4 + 1) * (sizeof mark - 1);
  char *out = malloc(cap);
  if (!out) return NULL;
  memcpy(out, s, n + 1);
  log_redact(out, cap);
  return out;
}

/* Cuts s to at most max bytes, at a UTF-8 character boundary. */
static void cut_utf8(char *s, size_t max) {
  size_t n = strlen(s);
  if (n <= max) return;
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
  s[max] = '\0';
}

static const char *level_name(log_level l) {
  switch (l) {
    case LOG_DEBUG: return "debug";
    case LOG_INFO: return "info";
    case LOG_WARN: return "warn";
    case LOG_ERROR: return "error";
  }
  return "info";
}

void log_event(log_level level, const char *event, const char *fmt, ...) {
  if (level < g_min) return;
  char *raw = NULL;
  va_list ap;
  va_start(ap, fmt);
  int rn = vasprintf(&raw, fmt, ap);
  va_end(ap);
  if (rn < 0) return;
  /* Redacted whole, then cut: a key across the cut must not leave its first half behind. */
  char *detail = log_redact_dup(raw);
  sodium_memzero(raw, (size_t)rn);
  free(raw);
  if (!detail) return;
  cut_utf8(detail, LOG_DETAIL_MAX);
  for (char *p = detail; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';

  char ts[25];
  clock_format_ms(clock_now_ms(), ts);
  buf line;
  buf_init(&line, 0);
  if (g_format == LOG_FORMAT_JSON) {
    buf_printf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":", ts, level_name(level));
    jsonw_string(&line, event, strlen(event));
    buf_puts(&line, ",\"message\":");
    jsonw_string(&line, detail, strlen(detail));
    buf_puts(&line, "}\n");
  } else {
    buf_printf(&line, "%s %-5s %s %s\n", ts, level_name(level), event, detail);
  }
  fputs(buf_str(&line), stderr);
  buf_free(&line);
  free(detail);
}
