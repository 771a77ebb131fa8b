/* email.h: email addresses as the export sends them: trimmed, lower-cased, and checked, with the
 * reason a bad one is skipped. */
#ifndef SEGSHIP_EXPORT_EMAIL_H
#define SEGSHIP_EXPORT_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

#define EXPORT_EMAIL_MAX 254

/* Normalises s[0..n) into out (at least EXPORT_EMAIL_MAX + 1 bytes): trims blanks, lower-cases
 * ASCII letters. Returns true when it is a usable address; else *reason says why ("no email",
 * "no @", ...) in a few words. */
bool export_email_normalise(const char *s, size_t n, char *out, const char **reason);

#endif
