/* api.c: building Autopilot requests and reading its answers defensively. */
#include "autopilot/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/text.h"

int ap_path_escape(const char *s, buf *out) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      if (buf_putc(out, (char)c) != 0) return -1;
    } else {
      char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
      if (buf_append(out, enc, 3) != 0) return -1;
    }
  }
  return 0;
}

static http_request *req_path(http_method m, const char *a, const char *seg1, const char *b, const char *seg2,
                            char *body) {
  buf p;
  buf_init(&p, 0);
  buf_puts(&p, a);
  if (seg1) ap_path_escape(seg1, &p);
  if (b) buf_puts(&p, b);
  if (seg2) ap_path_escape(seg2, &p);
  http_request *r = http_request_new(m, buf_str(&p), body);
  buf_free(&p);
  return r;
}

static char *dump(json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT);
  json_decref(v);
  return s;
}

http_request *ap_req_account(void) { return http_request_new(HTTP_GET, "/account", NULL); }
http_request *ap_req_lists(void) { return http_request_new(HTTP_GET, "/lists", NULL); }

http_request *ap_req_list_create(const char *title) {
  char *body = dump(json_pack("{s:s}", "name", title));
  return body ? http_request_new(HTTP_POST, "/list", body) : NULL;
}

http_request *ap_req_upsert(json_t *contacts) {
  char *body = dump(json_pack("{s:o}", "contacts", contacts));
  return body ? http_request_new(HTTP_POST, "/contacts", body) : NULL;
}

http_request *ap_req_list_add(const char *list_id, const char *contact) {
  return req_path(HTTP_POST, "/list/", list_id, "/contact/", contact, NULL);
}

http_request *ap_req_list_remove(const char *list_id, const char *contact) {
  return req_path(HTTP_DELETE, "/list/", list_id, "/contact/", contact, NULL);
}

http_request *ap_req_list_member(const char *list_id, const char *contact) {
  return req_path(HTTP_GET, "/list/", list_id, "/contact/", contact, NULL);
}

static json_t *load(const http_request *r) {
  if (!r->response || r->response_len == 0) return NULL;
  return json_loadb(r->response, r->response_len, 0, NULL);
}

/* Copies a short, printable excerpt of an untrusted message. */
static void clean_copy(const char *s, char *out, size_t cap) {
  size_t n = 0;
  for (; *s && n + 1 < cap && n < 200; s++) {
    unsigned char c = (unsigned char)*s;
    out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
  }
  out[n] = '\0';
  if (!text_utf8_valid(out, n, NULL)) snprintf(out, cap, "(an answer that is not UTF-8)");
}

void ap_describe_failure(const http_request *r, char *out, size_t cap) {
  if (r->cancelled) {
    snprintf(out, cap, "not sent: the run stopped before it");
    return;
  }
  if (r->status == 0) {
    snprintf(out, cap, "no answer from Autopilot after %d attempt%s (%s)", r->attempts, r->attempts == 1 ? "" : "s",
             r->error[0] ? r->error : "connection failed");
    log_redact(out, cap);
    return;
  }
  char msg[256] = "";
  json_t *j = load(r);
  json_t *m = j ? json_object_get(j, "message") : NULL;
  if (json_is_string(m)) { /* issue 11: redacted whole, then cut, so no part of a key survives */
    char *red = log_redact_dup(json_string_value(m));
    clean_copy(red ? red : "(an answer that could not be redacted)", msg, sizeof msg);
    free(red);
  }
  json_decref(j);
  if (r->status == 429)
    snprintf(out, cap, "Autopilot kept answering 429 (rate limited) after %d tries", r->throttled);
  else if (msg[0])
    snprintf(out, cap, "Autopilot answered %ld: %s", r->status, msg);
  else
    snprintf(out, cap, "Autopilot answered %ld%s", r->status, r->response_len ? " with an unexpected body" : "");
  log_redact(out, cap);
}

static seg_code bad_body(const http_request *r, seg_err *err, const char *what) {
  return seg_err_set(err, SEG_EHTTP, "Autopilot's answer to %s is not what it should be (status %ld, %zu bytes); try again later",
                     what, r->status, r->response_len);
}

seg_code ap_parse_account(const http_request *r, char *name, size_t name_cap, char *email, size_t email_cap,
                          seg_err *err) {
  json_t *j = load(r);
  if (!json_is_object(j)) {
    json_decref(j);
    return bad_body(r, err, "GET /account");
  }
  json_t *n = json_object_get(j, "fullName"), *e = json_object_get(j, "email");
  clean_copy(json_is_string(n) ? json_string_value(n) : "", name, name_cap);
  clean_copy(json_is_string(e) ? json_string_value(e) : "", email, email_cap);
  json_decref(j);
  return SEG_OK;
}

seg_code ap_parse_lists(const http_request *r, int (*fn)(const char *title, const char *id, void *ctx), void *ctx,
                        seg_err *err) {
  json_t *j = load(r);
  json_t *lists = json_is_object(j) ? json_object_get(j, "lists") : NULL;
  if (!json_is_array(lists)) {
    json_decref(j);
    return bad_body(r, err, "GET /lists");
  }
  size_t i;
  json_t *l;
  json_array_foreach(lists, i, l) {
    json_t *t = json_object_get(l, "title"), *id = json_object_get(l, "list_id");
    if (!json_is_string(t) || !json_is_string(id)) continue;
    if (fn(json_string_value(t), json_string_value(id), ctx)) break;
  }
  json_decref(j);
  return SEG_OK;
}

seg_code ap_parse_list_created(const http_request *r, char *id, size_t cap, seg_err *err) {
  json_t *j = load(r);
  json_t *v = json_is_object(j) ? json_object_get(j, "list_id") : NULL;
  if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= cap) {
    json_decref(j);
    return bad_body(r, err, "POST /list");
  }
  snprintf(id, cap, "%s", json_string_value(v));
  json_decref(j);
  return SEG_OK;
}

seg_code ap_parse_upsert(const http_request *r, json_t **email_map, seg_err *err) {
  *email_map = NULL;
  json_t *j = load(r);
  json_t *m = json_is_object(j) ? json_object_get(j, "email_contact_map") : NULL;
  if (!json_is_object(m)) {
    json_decref(j);
    return bad_body(r, err, "POST /contacts");
  }
  json_t *out = json_object();
  const char *k;
  json_t *v;
  json_object_foreach(m, k, v) {
    if (!json_is_string(v) || json_string_length(v) == 0) continue;
    char *low = strdup(k);
    if (!low) continue;
    text_lower(low);
    json_object_set(out, low, v);
    free(low);
  }
  json_decref(j);
  *email_map = out;
  return SEG_OK;
}
