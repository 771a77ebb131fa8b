/* api.h: Ortto's API as segship uses it (docs/../shared ortto-api.md): the hosts of each region,
 * field ids and how values are encoded for them, the bodies of person/merge and of the
 * custom-field calls, and the defensive reading of every answer (any body: empty, HTML,
 * truncated, wrong types). */
#ifndef SEGSHIP_ORTTO_API_H
#define SEGSHIP_ORTTO_API_H

#include <stdbool.h>
#include <stddef.h>

#include "http/client.h"
#include "store/value.h"
#include "util/buf.h"
#include "util/error.h"

#define ORTTO_MERGE_MAX 100          /* people in one person/merge call */
#define ORTTO_DEFAULT_WINDOWS "200/10s,600/60s" /* the Pro plan's */
#define ORTTO_FIELD_ID_MAX 160

/* The API URL of a region ("global", "eu", "au"; NULL: global), or NULL for another name. */
const char *ortto_region_url(const char *region);

/* The field id of a standard mapping named name ("city", "country", "postal", "phone", "birthday",
 * or the id itself such as "geo::city"), or NULL when it is not one segship writes. */
const char *ortto_standard_field(const char *name);
/* The custom field type to create for an attribute type: text, integer, decimal, boolean, date, time. */
const char *ortto_custom_type(attr_type t);

/* Appends v encoded for the field id (its type prefix decides: str/txt text, geo {"name":...},
 * phn {"n": digits}, dtz {"year","month","day","timezone"},
 * tme ISO-8601 text, int integer (a real as integer x 1000), bol true/false); an empty value is
 * null, which clears the field under merge strategy 2. */
void ortto_put_value(buf *b, const char *field_id, const seg_value *v);

/* POST /v1/person/custom-field/get and /create. */
http_request *ortto_req_fields(void);
http_request *ortto_req_field_create(const char *name, const char *type);
/* Calls fn(name, id) for each field of a custom-field/get answer. */
seg_code ortto_parse_fields(const http_request *r, int (*fn)(const char *name, const char *id, void *ctx), void *ctx,
                            seg_err *err);
/* The field_id of a custom-field/create answer. */
seg_code ortto_parse_field_created(const http_request *r, char *id, size_t cap, seg_err *err);

/* One person's result in a merge answer. */
typedef struct ortto_result {
  char person_id[64];
  char status[24];        /* created, merged, suppressed, invalid, ... ("" when the entry has none) */
  char error[200];        /* Ortto's reason, cleaned, when it gave one */
} ortto_result;
/* Reads a 200 merge answer: exactly n entries, in request order. SEG_EHTTP when it is not that. */
seg_code ortto_parse_merge(const http_request *r, ortto_result *out, size_t n, seg_err *err);
/* A 400 whose error starts "No valid contacts": true, with each person's reason (details[i]) in
 * out[i].error when there is one. */
bool ortto_parse_no_valid(const http_request *r, ortto_result *out, size_t n);

/* The wait a 429 body asks for ({"error":{"try-in-seconds":N}}), in ms; 0 when none. */
double ortto_throttle_wait_ms(const char *body, size_t len);
/* One sentence on why a request failed, from its status and Ortto's error body; never the key. */
void ortto_describe_failure(const http_request *r, char *out, size_t cap);

#endif
