/* url.h: where a URL sends what it carries: its host, and whether plain http stays on this machine. */
#ifndef SEGSHIP_UTIL_URL_H
#define SEGSHIP_UTIL_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* The authority of an http:// or https:// URL as "host:port" (host lower-cased, the scheme's
 * port when none is given), in out (cap bytes). False when url is not http(s) or has no host. */
bool url_host_port(const char *url, char *out, size_t cap);
/* True when the URL's host is a loopback address: 127.0.0.0/8, ::1 or "localhost". */
bool url_is_loopback(const char *url);
/* Checks that url may carry a secret: https://, or http:// to a loopback address, or any http://
 * when allow_insecure (then *insecure is set, to warn). Otherwise SEG_EINVAL with one sentence
 * that names what (e.g. "the API URL") and flag (the option that accepts plain http, or NULL). */
seg_code url_check_transport(const char *url, const char *what, const char *flag, bool allow_insecure, bool *insecure,
                             seg_err *err);

#endif
