/* http.h: what both APIs' handlers share about HTTP: the answer a handler fills, the plain error
 * body ({"error": reason, "message"}: Autopilot's, and the control endpoints'), request paths
 * split at '/' and percent-decoded segment by segment, UTF-8 checks, and route templates. */
#ifndef SIM_HTTP_H
#define SIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jsonbuf.h"

#define HTTP_MAX_SEGMENTS 8

/* What a handler answers. status 0 means "not answered yet". */
typedef struct http_response {
  int status;
  jsonbuf body;   /* empty: no body (and no Content-Type) */
  char allow[40]; /* the Allow header of a 405, or "" */
} http_response;

/* Sets r to status with body {"error": "<reason phrase>", "message": "<formatted>"}. */
void http_error(http_response *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets r to status with no body. */
void http_ok_empty(http_response *r, int status);
/* Frees the response's body. */
void http_response_free(http_response *r);

/* A request path split at '/' and percent-decoded, segment by segment. */
typedef struct http_path {
  char *segments[HTTP_MAX_SEGMENTS];
  size_t n;
  bool too_long; /* more segments than HTTP_MAX_SEGMENTS: matches no route */
  char *storage; /* owned: the decoded text the segments point into */
} http_path;

/* Splits raw (the path as sent, still percent-encoded, without the query) into decoded segments.
 * Returns false with a sentence in err for a bad escape, a NUL or invalid UTF-8. */
bool http_path_parse(const char *raw, http_path *p, char *err, size_t errlen);
void http_path_free(http_path *p);
/* Decodes %XX escapes of s into a malloced string (the caller frees it); NULL when malformed or
 * when the result would hold a NUL. */
char *http_percent_decode(const char *s, size_t n);
/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
bool http_utf8_valid(const char *s, size_t n);

/* The head of every API's route struct: a method and a template of literal segments and {name}
 * for any non-empty segment ("/v1/contact/{id}"). */
typedef struct http_route {
  const char *method;
  const char *template;
} http_route;

/* The outcome of matching a method and path against a route table. */
typedef struct http_match {
  const void *route;    /* the matched route (the API's own struct), or NULL */
  const char *template; /* the template the path matched, or NULL */
  char allow[40];       /* when the path matched but not the method: the methods it takes */
} http_match;

/* True when path p fits template tpl. */
bool http_template_matches(const char *tpl, const http_path *p);
/* Matches method and p against routes[0..n) (each stride bytes, starting with an http_route);
 * the first template that fits wins. */
void http_match_route(const void *routes, size_t n, size_t stride, const char *method, const http_path *p,
                      http_match *m);

#endif
