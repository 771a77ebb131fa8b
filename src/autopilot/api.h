/* api.h: Autopilot's calls as segship uses them: the requests (paths encoded, bodies built) and
 * the parsing of answers, which survives any body (empty, HTML, truncated, wrong types). */
#ifndef SEGSHIP_AUTOPILOT_API_H
#define SEGSHIP_AUTOPILOT_API_H

#include <jansson.h>

#include "http/client.h"
#include "util/buf.h"

#define AP_DEFAULT_URL "https://api2.autopilothq.com/v1"
#define AP_BULK_MAX 100 /* contacts in one bulk upsert */

/* Appends s, percent-encoded as one path segment (unreserved characters kept), to out. */
int ap_path_escape(const char *s, buf *out);

http_request *ap_req_account(void);
http_request *ap_req_lists(void);
http_request *ap_req_list_create(const char *title);
/* POST /contacts with {"contacts": contacts}; contacts is taken (decref'd). */
http_request *ap_req_upsert(json_t *contacts);
http_request *ap_req_list_add(const char *list_id, const char *contact);
http_request *ap_req_list_remove(const char *list_id, const char *contact);
http_request *ap_req_list_member(const char *list_id, const char *contact);

/* One sentence on why a request failed, from its status and Autopilot's error body ("message")
 * when there is one; never the key, never a header. */
void ap_describe_failure(const http_request *r, char *out, size_t cap);

/* Parsers: SEG_OK, or SEG_EHTTP with a sentence when the body is not what the call answers. */
seg_code ap_parse_account(const http_request *r, char *name, size_t name_cap, char *email, size_t email_cap,
                          seg_err *err);
/* Calls fn(title, list_id) for each list. */
seg_code ap_parse_lists(const http_request *r, int (*fn)(const char *title, const char *id, void *ctx), void *ctx,
                        seg_err *err);
seg_code ap_parse_list_created(const http_request *r, char *id, size_t cap, seg_err *err);
/* The email -> contact id map of a bulk upsert's answer, with emails lower-cased; the caller
 * decrefs it. Contacts missing from it were not saved. */
seg_code ap_parse_upsert(const http_request *r, json_t **email_map, seg_err *err);

#endif
