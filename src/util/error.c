/* error.c: filling and naming the project's error type. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"

seg_code seg_err_set(seg_err *err, seg_code code, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof err->msg) text_utf8_trim_tail(err->msg); /* cut: never half a character */
  return code;
}

seg_code seg_err_prefix(seg_err *err, const char *fmt, ...) {
  if (!err) return SEG_EINTERNAL;
  char prefix[512], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%.*s: %.*s", (int)text_utf8_prefix(prefix, strlen(prefix), 500), prefix,
           (int)text_utf8_prefix(old, strlen(old), 500), old);
  return err->code;
}

void seg_err_clear(seg_err *err) {
  if (!err) return;
  err->code = SEG_OK;
  err->msg[0] = '\0';
}

const char *seg_code_name(seg_code code) {
  switch (code) {
#define SEG_ERR_NAME(c, name, exit) \
  case c:                           \
    return name;
    SEG_ERRORS(SEG_ERR_NAME)
#undef SEG_ERR_NAME
  }
  return "unknown error";
}

int seg_code_exit(seg_code code) {
  switch (code) {
#define SEG_ERR_EXIT(c, name, exit) \
  case c:                           \
    return exit;
    SEG_ERRORS(SEG_ERR_EXIT)
#undef SEG_ERR_EXIT
  }
  return 1;
}
