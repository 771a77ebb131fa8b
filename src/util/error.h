/* error.h: the project's one error type: a code from one table and a one-sentence message. */
#ifndef SEGSHIP_UTIL_ERROR_H
#define SEGSHIP_UTIL_ERROR_H

#include <stddef.h>

/* X-macro table: code, name, process exit code. The CLI maps a code to its exit status. */
#define SEG_ERRORS(X)                                   \
  X(SEG_OK, "ok", 0)                                    \
  X(SEG_EUSAGE, "usage error", 2)                       \
  X(SEG_EINVAL, "invalid input", 1)                     \
  X(SEG_ENOTFOUND, "not found", 1)                      \
  X(SEG_EEXIST, "already exists", 1)                    \
  X(SEG_EIO, "input/output error", 1)                   \
  X(SEG_ENOMEM, "out of memory", 1)                     \
  X(SEG_ESTORE, "store error", 1)                       \
  X(SEG_EVERSION, "store version mismatch", 1)          \
  X(SEG_EBUSY, "busy", 1)                               \
  X(SEG_ESECRET, "secret error", 1)                     \
  X(SEG_EHTTP, "network error", 1)                      \
  X(SEG_EAUTH, "authentication refused", 1)             \
  X(SEG_ELIMIT, "limit exceeded", 1)                    \
  X(SEG_ECANCEL, "cancelled", 1)                        \
  X(SEG_EPARTIAL, "partly done", 3)                     \
  X(SEG_EINTERNAL, "internal error", 1)

typedef enum {
#define SEG_ERR_ENUM(code, name, exit) code,
  SEG_ERRORS(SEG_ERR_ENUM)
#undef SEG_ERR_ENUM
} seg_code;

/* The message is one sentence that says what is wrong and what to do. It never holds a secret. */
typedef struct seg_err {
  seg_code code;
  char msg[1024];
} seg_err;

/* Sets err (if not NULL) to code and a printf-formatted message; returns code. */
seg_code seg_err_set(seg_err *err, seg_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with more context ("importing x.csv: ..."); returns err->code. */
seg_code seg_err_prefix(seg_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void seg_err_clear(seg_err *err);
const char *seg_code_name(seg_code code);
int seg_code_exit(seg_code code);

#endif
