/* email.c: a practical check of email addresses (RFC 5321 sizes, dot-atom local parts). */
#include "export/email.h"

#include <string.h>

#include "util/text.h"

static bool local_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL || c >= 0x80;
}

static bool domain_char(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c >= 0x80; }

bool export_email_normalise(const char *s, size_t n, char *out, const char **reason) {
  const char *t = text_trim(s, &n);
  *reason = NULL;
  out[0] = '\0';
  if (n == 0) {
    *reason = "no email";
    return false;
  }
  if (n > EXPORT_EMAIL_MAX) {
    *reason = "longer than 254 characters";
    return false;
  }
  memcpy(out, t, n);
  out[n] = '\0';
  text_lower(out);
  if (!text_utf8_valid(out, n, NULL)) {
    *reason = "not valid UTF-8";
    return false;
  }
  const char *at = strchr(out, '@');
  if (!at) {
    *reason = "no @";
    return false;
  }
  if (strchr(at + 1, '@')) {
    *reason = "more than one @";
    return false;
  }
  size_t local = (size_t)(at - out);
  if (local == 0 || local > 64) {
    *reason = local ? "the part before @ is over 64 characters" : "nothing before @";
    return false;
  }
  for (size_t i = 0; i < local; i++) {
    unsigned char c = (unsigned char)out[i];
    if (c == ' ' || c == '\t') {
      *reason = "a space inside";
      return false;
    }
    if (!local_char(c)) {
      *reason = "a character an address cannot hold before @";
      return false;
    }
  }
  if (out[0] == '.' || out[local - 1] == '.' || strstr(out, "..")) {
    *reason = "misplaced dots";
    return false;
  }
  const char *d = at + 1;
  size_t dl = strlen(d);
  if (dl == 0) {
    *reason = "nothing after @";
    return false;
  }
  if (!strchr(d, '.')) {
    *reason = "the domain has no dot";
    return false;
  }
  size_t label = 0;
  for (size_t i = 0; i <= dl; i++) {
    unsigned char c = (unsigned char)d[i];
    if (c == '.' || c == '\0') {
      if (label == 0 || label > 63 || d[i - 1] == '-' || d[i - label] == '-') {
        *reason = "a malformed domain";
        return false;
      }
      label = 0;
      continue;
    }
    if (c == ' ') {
      *reason = "a space inside";
      return false;
    }
    if (!domain_char(c)) {
      *reason = "a character a domain cannot hold";
      return false;
    }
    label++;
  }
  const char *tld = strrchr(d, '.') + 1;
  if (strlen(tld) < 2) {
    *reason = "a malformed domain";
    return false;
  }
  return true;
}
