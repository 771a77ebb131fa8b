/* api.c: building Ortto requests, encoding field values, and reading answers defensively. */
#include "ortto/api.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/text.h"

const char *ortto_region_url(const char *region) {
  if (!region || strcasecmp(region, "global") == 0) return "https://api.ap3api.com";
  if (strcasecmp(region, "eu") == 0) return "https://api.eu.ap3api.com";
  if (strcasecmp(region, "au") == 0) return "https://api.au.ap3api.com";
  return NULL;
}

static const struct {
  const char *name, *id;
} standard[] = {
    {"city", "geo::city"},       {"country", "geo::country"}, {"postal", "str::postal"}, {"postal_code", "str::postal"},
    {"postcode", "str::postal"}, {"phone", "phn::phone"},     {"birthday", "dtz::b"},
};

const char *ortto_standard_field(const char *name) {
  for (size_t i = 0; i < sizeof standard / sizeof *standard; i++)
    if (strcasecmp(standard[i].name, name) == 0 || strcmp(standard[i].id, name) == 0) return standard[i].id;
  return NULL;
}

const char *ortto_custom_type(attr_type t) {
  switch (t) {
    case ATTR_INTEGER: return "integer";
    case ATTR_REAL: return "decimal";
    case ATTR_BOOLEAN: return "boolean";
    case ATTR_DATE: return "date";
    case ATTR_DATETIME: return "time";
    default: return "text";
  }
}

static void put_text(buf *b, const seg_value *v) {
  char tmp[64];
  size_t n;
  const char *t = seg_value_canonical(v, tmp, sizeof tmp, &n);
  jsonw_string(b, t, n);
}

void ortto_put_value(buf *b, const char *field_id, const seg_value *v) {
  if (v->type == ATTR_NONE) {
    buf_puts(b, "null");
    return;
  }
  char kind[4] = "";
  const char *colon = strchr(field_id, ':');
  if (colon && colon - field_id == 3) memcpy(kind, field_id, 3);
  if (strcmp(kind, "geo") == 0) {
    buf_puts(b, "{\"name\":");
    put_text(b, v);
    buf_putc(b, '}');
  } else if (strcmp(kind, "phn") == 0) {
    /* {"n": the number's digits}: Ortto's shape ({"c": country code, "n": number}); the country
     * code is left to Ortto, since a written number does not say where it ends */
    char tmp[64], digits[64];
    size_t n, k = 0;
    const char *t = seg_value_canonical(v, tmp, sizeof tmp, &n);
    for (size_t i = 0; i < n && k + 1 < sizeof digits; i++)
      if (t[i] >= '0' && t[i] <= '9') digits[k++] = t[i];
    digits[k] = '\0';
    buf_puts(b, "{\"n\":");
    jsonw_string(b, digits, k);
    buf_putc(b, '}');
  } else if (strcmp(kind, "dtz") == 0 && (v->type == ATTR_DATE || v->type == ATTR_DATETIME)) {
    int64_t days = v->type == ATTR_DATE ? v->i : (v->i >= 0 ? v->i / 86400 : -((-v->i + 86399) / 86400));
    int y;
    unsigned m, d;
    clock_civil_from_days(days, &y, &m, &d);
    buf_printf(b, "{\"year\":%d,\"month\":%u,\"day\":%u,\"timezone\":\"UTC\"}", y, m, d);
  } else if (strcmp(kind, "int") == 0 && v->type == ATTR_INTEGER) {
    buf_printf(b, "%lld", (long long)v->i);
  } else if (strcmp(kind, "int") == 0 && v->type == ATTR_REAL) {
    double scaled = v->is_int ? (double)v->i * 1000.0 : v->r * 1000.0;
    if (isfinite(scaled) && fabs(scaled) < 9.0e15) buf_printf(b, "%lld", (long long)llround(scaled));
    else buf_puts(b, "null");
  } else if (strcmp(kind, "bol") == 0 && v->type == ATTR_BOOLEAN) {
    buf_puts(b, v->i ? "true" : "false");
  } else if (strcmp(kind, "tme") == 0 && (v->type == ATTR_DATE || v->type == ATTR_DATETIME)) {
    char out[40];
    if (v->type == ATTR_DATE) {
      char day[16];
      snprintf(out, sizeof out, "%sT00:00:00Z", clock_format_date(v->i, day));
    } else {
      clock_format_datetime(v->i, out);
    }
    jsonw_string(b, out, strlen(out));
  } else {
    put_text(b, v); /* text fields, and any value whose type the field does not take: as text */
  }
}

static char *dump(json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT);
  json_decref(v);
  return s;
}

http_request *ortto_req_fields(void) {
  char *body = strdup("{}");
  return body ? http_request_new(HTTP_POST, "/v1/person/custom-field/get", body) : NULL;
}

http_request *ortto_req_field_create(const char *name, const char *type) {
  char *body = dump(json_pack("{s:s, s:s}", "name", name, "type", type));
  return body ? http_request_new(HTTP_POST, "/v1/person/custom-field/create", body) : NULL;
}

static json_t *load(const http_request *r) {
  if (!r->response || r->response_len == 0) return NULL;
  return json_loadb(r->response, r->response_len, 0, NULL);
}

/* Copies a short, printable excerpt of an untrusted message. */
static void clean_copy(const char *s, char *out, size_t cap) {
  size_t n = 0;
  for (; *s && n + 1 < cap && n < 180; s++) {
    unsigned char c = (unsigned char)*s;
    out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
  }
  out[n] = '\0';
  if (!text_utf8_valid(out, n, NULL)) snprintf(out, cap, "%s", cap > 30 ? "(an answer that is not UTF-8)" : "(not UTF-8)");
}

static seg_code bad_body(const http_request *r, seg_err *err, const char *what) {
  return seg_err_set(err, SEG_EHTTP, "Ortto's answer to %s is not what it should be (status %ld, %zu bytes); try again later",
                     what, r->status, r->response_len);
}

seg_code ortto_parse_fields(const http_request *r, int (*fn)(const char *name, const char *id, void *ctx), void *ctx,
                            seg_err *err) {
  json_t *j = load(r);
  json_t *fields = json_is_object(j) ? json_object_get(j, "fields") : NULL;
  if (!json_is_array(fields)) {
    json_decref(j);
    return bad_body(r, err, "custom-field/get");
  }
  size_t i;
  json_t *f;
  json_array_foreach(fields, i, f) {
    json_t *inner = json_object_get(f, "field");
    if (!json_is_object(inner)) inner = f;
    json_t *name = json_object_get(inner, "name"), *id = json_object_get(inner, "id");
    if (!json_is_string(name) || !json_is_string(id)) continue;
    if (fn && fn(json_string_value(name), json_string_value(id), ctx)) break;
  }
  json_decref(j);
  return SEG_OK;
}

seg_code ortto_parse_field_created(const http_request *r, char *id, size_t cap, seg_err *err) {
  json_t *j = load(r);
  json_t *v = json_is_object(j) ? json_object_get(j, "field_id") : NULL;
  if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= cap) {
    json_decref(j);
    return bad_body(r, err, "custom-field/create");
  }
  snprintf(id, cap, "%s", json_string_value(v));
  json_decref(j);
  return SEG_OK;
}

static void copy_str(json_t *v, char *out, size_t cap) {
  if (json_is_string(v)) clean_copy(json_string_value(v), out, cap);
  else out[0] = '\0';
}

/* An error's text: a string, or an object's "message". */
/* Ortto's words, redacted whole before they are cut, so no part of a key in use survives. */
static void error_text(json_t *e, char *out, size_t cap) {
  if (json_is_object(e)) e = json_object_get(e, "message");
  if (!json_is_string(e)) {
    copy_str(e, out, cap);
    return;
  }
  char *red = log_redact_dup(json_string_value(e));
  clean_copy(red ? red : "(an answer that could not be redacted)", out, cap);
  free(red);
}

seg_code ortto_parse_merge(const http_request *r, ortto_result *out, size_t n, seg_err *err) {
  json_t *j = load(r);
  json_t *people = json_is_object(j) ? json_object_get(j, "people") : NULL;
  if (!json_is_array(people) || json_array_size(people) != n) {
    json_decref(j);
    return bad_body(r, err, "person/merge");
  }
  for (size_t i = 0; i < n; i++) {
    json_t *p = json_array_get(people, i);
    memset(&out[i], 0, sizeof out[i]);
    if (!json_is_object(p)) continue;
    json_t *id = json_object_get(p, "person_id");
    if (json_is_string(id) && json_string_length(id) < sizeof out[i].person_id) copy_str(id, out[i].person_id, sizeof out[i].person_id);
    copy_str(json_object_get(p, "status"), out[i].status, sizeof out[i].status);
    error_text(json_object_get(p, "error"), out[i].error, sizeof out[i].error);
  }
  json_decref(j);
  return SEG_OK;
}

bool ortto_parse_no_valid(const http_request *r, ortto_result *out, size_t n) {
  if (r->status != 400) return false;
  json_t *j = load(r);
  json_t *e = json_is_object(j) ? json_object_get(j, "error") : NULL;
  if (!json_is_string(e) || strncasecmp(json_string_value(e), "No valid contacts", 17) != 0) {
    json_decref(j);
    return false;
  }
  json_t *details = json_object_get(j, "details");
  for (size_t i = 0; i < n && out; i++) {
    memset(&out[i], 0, sizeof out[i]);
    json_t *d = json_is_array(details) ? json_array_get(details, i) : NULL;
    copy_str(json_object_get(d, "status"), out[i].status, sizeof out[i].status);
    error_text(json_object_get(d, "error"), out[i].error, sizeof out[i].error);
    if (!out[i].error[0]) clean_copy(json_string_value(e), out[i].error, sizeof out[i].error);
  }
  json_decref(j);
  return true;
}

double ortto_throttle_wait_ms(const char *body, size_t len) {
  json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
  json_t *e = json_is_object(j) ? json_object_get(j, "error") : NULL;
  json_t *t = json_is_object(e) ? json_object_get(e, "try-in-seconds") : NULL;
  if (!t && json_is_object(j)) t = json_object_get(j, "try-in-seconds");
  double secs = json_is_number(t) ? json_number_value(t) : 0;
  json_decref(j);
  return secs > 0 && secs < 3600 ? secs * 1000.0 : 0;
}

void ortto_describe_failure(const http_request *r, char *out, size_t cap) {
  if (r->cancelled) {
    snprintf(out, cap, "not sent: the run stopped before it");
    return;
  }
  if (r->status == 0) {
    snprintf(out, cap, "no answer from Ortto after %d attempt%s (%s)", r->attempts, r->attempts == 1 ? "" : "s",
             r->error[0] ? r->error : "connection failed");
    log_redact(out, cap);
    return;
  }
  char msg[200] = "";
  json_t *j = load(r);
  if (json_is_object(j)) error_text(json_object_get(j, "error"), msg, sizeof msg);
  json_decref(j);
  if (r->status == 429)
    snprintf(out, cap, "Ortto kept answering 429 (rate limited) after %d tries", r->throttled);
  else if (msg[0])
    snprintf(out, cap, "Ortto answered %ld: %s", r->status, msg);
  else
    snprintf(out, cap, "Ortto answered %ld%s", r->status, r->response_len ? " with an unexpected body" : "");
  log_redact(out, cap);
}
