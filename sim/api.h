/* api.h: the Autopilot REST API (/v1): path decoding, the route table, the handlers, and the
 * JSON shapes of errors and contacts. */
#ifndef SIM_API_H
#define SIM_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "jsonbuf.h"
#include "sim.h"

#define API_MAX_SEGMENTS 8
#define API_MAX_BODY (10u * 1024 * 1024) /* larger bodies get 413 */
#define API_PAGE_SIZE 100
#define API_MAX_BULK 100

/* What a handler answers. status 0 means "not answered yet". */
typedef struct api_response {
  int status;
  jsonbuf body;   /* empty: no body (and no Content-Type) */
  char allow[40]; /* the Allow header of a 405, or "" */
} api_response;

/* A request path split at '/' and percent-decoded, segment by segment. */
typedef struct api_path {
  char *segments[API_MAX_SEGMENTS];
  size_t n;
  bool too_long; /* more segments than API_MAX_SEGMENTS: matches no route */
  char *storage; /* owned: the decoded text the segments point into */
} api_path;

typedef struct api_route api_route;

/* The outcome of matching a method and path against the route table. */
typedef struct api_match {
  const api_route *route; /* the route to run, or NULL */
  const char *template;   /* the template the path matched ("/v1/contact/{id}"), or NULL */
  char allow[40];         /* when the path matched but not the method: the methods it takes */
} api_match;

/* Everything a handler gets. */
typedef struct api_call {
  sim *sim;
  account *account;
  const api_path *path;
  const char *body; /* NUL-terminated; len bytes */
  size_t body_len;
  int64_t now_ms;
} api_call;

/* Sets r to status with body {"error": "<reason phrase>", "message": "<formatted>"}. */
void api_error(api_response *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Frees the response's body. */
void api_response_free(api_response *r);

/* Splits raw (the path as sent, still percent-encoded, without the query) into decoded segments.
 * Returns false with a sentence in err for a bad escape, a NUL or invalid UTF-8. */
bool api_path_parse(const char *raw, api_path *p, char *err, size_t errlen);
void api_path_free(api_path *p);
/* Decodes %XX escapes of s into a malloced string (the caller frees it); NULL when malformed or
 * when the result would hold a NUL. */
char *api_percent_decode(const char *s, size_t n);

/* Finds the route for method and path (which starts with "v1"). */
void api_match_route(const char *method, const api_path *p, api_match *m);
/* Runs a matched route. */
void api_run(const api_route *route, api_call *call, api_response *r);

/* Writes a contact of account a as the API reads it back. */
void api_write_contact(jsonbuf *b, const account *a, const account_contact *c);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
bool api_utf8_valid(const char *s, size_t n);

#endif
