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

#define LOG_MAX_SECRETS 16

static log_format g_format = LOG_FORMAT_TEXT;
static log_level g_min = LOG_INFO;
static char *g_secrets[LOG_MAX_SECRETS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

void log_configure(log_format format, log_level min_level) {
  g_format = format;
  g_min = min_level;
}

void log_add_secret(const char *secret) {
  if (!secret || strlen(secret) < 4) return;
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < LOG_MAX_SECRETS; i++) {
    if (g_secrets[i] && strcmp(g_secrets[i], secret) == 0) break;
    if (!g_secrets[i]) {
      g_secrets[i] = strdup(secret);
      break;
    }
  }
  pthread_mutex_unlock(&g_lock);
}

void log_forget_secrets(void) {
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < LOG_MAX_SECRETS; i++) {
    if (g_secrets[i]) {
      sodium_memzero(g_secrets[i], strlen(g_secrets[i]));
      free(g_secrets[i]);
      g_secrets[i] = NULL;
    }
  }
  pthread_mutex_unlock(&g_lock);
}

void log_redact(char *s, unsigned long cap) {
  static const char mark[] = "[redacted]";
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < LOG_MAX_SECRETS; i++) {
    const char *sec = g_secrets[i];
    if (!sec) continue;
    size_t sl = strlen(sec);
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
  char detail[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  log_redact(detail, sizeof detail);
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
}
