/* log.h: one event a line on stderr, human-readable or JSON, with registered secrets redacted. */
#ifndef SEGSHIP_UTIL_LOG_H
#define SEGSHIP_UTIL_LOG_H

#include <stddef.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;
typedef enum { LOG_FORMAT_TEXT, LOG_FORMAT_JSON } log_format;

void log_configure(log_format format, log_level min_level);
/* The most bytes of a log line's detail: longer ones are cut (after redaction, at a character). */
#define LOG_DETAIL_MAX 2047

/* Registers a secret: any occurrence in a later log line (or log_redact) is replaced by
 * "[redacted]". The list has no fixed size; each text is copied into locked memory. Registering
 * the same text again counts one more user. */
void log_add_secret(const char *secret);
/* One user of secret is done with it: when none is left, its copy is wiped and forgotten. */
void log_forget_secret(const char *secret);
/* Wipes and forgets every registered secret. */
void log_forget_secrets(void);
/* How many distinct secrets are registered (for tests). */
size_t log_secret_count(void);

/* Logs an event ("export.run.finished") with a printf-formatted detail. */
void log_event(log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Replaces each registered secret in s (in place, NUL-terminated) by "[redacted]" within cap bytes
 * (by asterisks where the mark would not fit). */
void log_redact(char *s, unsigned long cap);
/* A redacted copy of s, never cut (malloc'd; NULL when out of memory). */
char *log_redact_dup(const char *s);

#endif
