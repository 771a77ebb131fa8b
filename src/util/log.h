/* log.h: one event a line on stderr, human-readable or JSON, with registered secrets redacted. */
#ifndef SEGSHIP_UTIL_LOG_H
#define SEGSHIP_UTIL_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;
typedef enum { LOG_FORMAT_TEXT, LOG_FORMAT_JSON } log_format;

void log_configure(log_format format, log_level min_level);
/* Registers a secret: any occurrence in a later log line is replaced by "[redacted]".
 * The text is copied; log_forget_secrets() wipes the copies. */
void log_add_secret(const char *secret);
void log_forget_secrets(void);

/* Logs an event ("export.run.finished") with a printf-formatted detail. */
void log_event(log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Replaces each registered secret in s (in place, NUL-terminated) by "[redacted]" within cap bytes. */
void log_redact(char *s, unsigned long cap);

#endif
