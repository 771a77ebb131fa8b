/* test_ortto.c: the Ortto driver's encoding and parsing, on Ortto's documented shapes: regions,
 * field ids and values (null clearing, decimals x 1000, geo, phone, birthday), the person fields
 * the plan renders, merge answers (created, merged, suppressed, invalid), "No valid contacts",
 * the 429 body's try-in-seconds, custom-field answers, and failure sentences. */
#include "helpers.h"

#include "export/driver.h"
#include "export/engine.h"
#include "ortto/api.h"
#include "store/store.h"
#include "util/buf.h"

static const char *enc(const char *id, seg_value v) {
  static char out[256];
  buf b;
  buf_init(&b, 0);
  ortto_put_value(&b, id, &v);
  snprintf(out, sizeof out, "%s", buf_str(&b));
  buf_free(&b);
  return out;
}

static void test_regions_and_fields(void **state) {
  assert_string_equal(ortto_region_url(NULL), "https://api.ap3api.com");
  assert_string_equal(ortto_region_url("global"), "https://api.ap3api.com");
  assert_string_equal(ortto_region_url("EU"), "https://api.eu.ap3api.com");
  assert_string_equal(ortto_region_url("au"), "https://api.au.ap3api.com");
  assert_null(ortto_region_url("us"));
  assert_string_equal(ortto_standard_field("city"), "geo::city");
  assert_string_equal(ortto_standard_field("Country"), "geo::country");
  assert_string_equal(ortto_standard_field("postal"), "str::postal");
  assert_string_equal(ortto_standard_field("phone"), "phn::phone");
  assert_string_equal(ortto_standard_field("birthday"), "dtz::b");
  assert_string_equal(ortto_standard_field("geo::city"), "geo::city");
  assert_null(ortto_standard_field("bol::p"));
  assert_null(ortto_standard_field("Company"));
  assert_string_equal(ortto_custom_type(ATTR_REAL), "decimal");
  assert_string_equal(ortto_custom_type(ATTR_INTEGER), "integer");
  assert_string_equal(ortto_custom_type(ATTR_DATETIME), "time");
  assert_string_equal(ortto_custom_type(ATTR_TEXT), "text");
}

static void test_values(void **state) {
  seg_value none = {.type = ATTR_NONE};
  assert_string_equal(enc("str:cm:tier", none), "null");
  assert_string_equal(enc("geo::city", none), "null");
  assert_string_equal(enc("str:cm:tier", (seg_value){.type = ATTR_TEXT, .s = "gold \"vip\"", .n = 10}), "\"gold \\\"vip\\\"\"");
  assert_string_equal(enc("geo::city", (seg_value){.type = ATTR_TEXT, .s = "Madrid", .n = 6}), "{\"name\":\"Madrid\"}");
  assert_string_equal(enc("phn::phone", (seg_value){.type = ATTR_TEXT, .s = "+34 600-12", .n = 10}), "{\"n\":\"3460012\"}");
  /* 1990-05-17 is day 7441 since 1970-01-01 */
  assert_string_equal(enc("dtz::b", (seg_value){.type = ATTR_DATE, .i = 7441}),
                      "{\"year\":1990,\"month\":5,\"day\":17,\"timezone\":\"UTC\"}");
  assert_string_equal(enc("int:cm:orders", (seg_value){.type = ATTR_INTEGER, .i = 7}), "7");
  assert_string_equal(enc("int:cm:spend", (seg_value){.type = ATTR_REAL, .r = 12.345}), "12345");
  assert_string_equal(enc("int:cm:spend", (seg_value){.type = ATTR_REAL, .r = -0.0015}), "-2");
  assert_string_equal(enc("int:cm:spend", (seg_value){.type = ATTR_REAL, .is_int = true, .i = 3}), "3000");
  assert_string_equal(enc("bol:cm:vip", (seg_value){.type = ATTR_BOOLEAN, .i = 1}), "true");
  assert_string_equal(enc("bol:cm:vip", (seg_value){.type = ATTR_BOOLEAN, .i = 0}), "false");
  assert_string_equal(enc("tme:cm:seen", (seg_value){.type = ATTR_DATETIME, .i = 86400 + 3661}), "\"1970-01-02T01:01:01Z\"");
  /* a value of another type than the field's goes as text */
  assert_string_equal(enc("int:cm:orders", (seg_value){.type = ATTR_TEXT, .s = "n/a", .n = 3}), "\"n/a\"");
}

static void test_render_person(void **state) {
  const export_driver *drv = export_driver_find("ortto");
  assert_non_null(drv);
  assert_string_equal(drv->membership, "tag");
  assert_int_equal(drv->batch_max, 100);
  store_attr attrs[6] = {{.name = "email", .type = ATTR_TEXT}, {.name = "first", .type = ATTR_TEXT},
                         {.name = "last", .type = ATTR_TEXT},  {.name = "city", .type = ATTR_TEXT},
                         {.name = "spend", .type = ATTR_REAL}, {.name = "perm", .type = ATTR_BOOLEAN}};
  store_schema sc = {.attrs = attrs, .n = 6};
  store_field_map maps[3] = {{.attr = "city", .field = "geo::city"},
                             {.attr = "spend", .field = "Total Spend", .custom = true},
                             {.attr = "perm", .field = "bol::p"}};
  store_export_config cfg = {.fields = maps, .n_fields = 3};
  int idx[6] = {0, 1, 2, 3, 4, 5};
  const char *ids[3] = {NULL, "int:cm:total-spend", NULL};
  export_render r = {.config = &cfg, .schema = &sc, .attrs = idx, .first_at = 1, .last_at = 2, .custom_ids = ids};
  seg_value vals[6] = {{.type = ATTR_TEXT, .s = "ana@example.com", .n = 15},
                       {.type = ATTR_TEXT, .s = "Ana", .n = 3},
                       {.type = ATTR_NONE},
                       {.type = ATTR_TEXT, .s = "Madrid", .n = 6},
                       {.type = ATTR_REAL, .r = 1.5},
                       {.type = ATTR_BOOLEAN, .i = 1}};
  buf b;
  buf_init(&b, 0);
  drv->render_fields(&r, vals, &b);
  /* last name lost: null; never bol::p; the email is added by the request, not here */
  assert_string_equal(buf_str(&b),
                      "\"str::first\":\"Ana\",\"str::last\":null,\"geo::city\":{\"name\":\"Madrid\"},\"int:cm:total-spend\":1500");
  buf_free(&b);
  assert_null(export_driver_find("mailchimp"));
  assert_string_equal(export_driver_find(NULL)->type, "autopilot");
}

static http_request *answer(long status, const char *body) {
  http_request *r = http_request_new(HTTP_POST, "/v1/person/merge", NULL);
  r->status = status;
  r->response = strdup(body);
  r->response_len = strlen(body);
  r->attempts = 1;
  return r;
}

static void test_merge_answers(void **state) {
  seg_err err;
  ortto_result res[3];
  http_request *r = answer(200,
                           "{\"people\":[{\"person_id\":\"0061a1b2c3d4e5f600000001\",\"status\":\"created\"},"
                           "{\"person_id\":\"0061a1b2c3d4e5f600000002\",\"status\":\"merged\"},"
                           "{\"status\":\"suppressed\",\"error\":\"Email is suppressed\"}]}");
  assert_int_equal(ortto_parse_merge(r, res, 3, &err), SEG_OK);
  assert_string_equal(res[0].status, "created");
  assert_string_equal(res[0].person_id, "0061a1b2c3d4e5f600000001");
  assert_string_equal(res[1].status, "merged");
  assert_string_equal(res[2].status, "suppressed");
  assert_string_equal(res[2].error, "Email is suppressed");
  assert_string_equal(res[2].person_id, "");
  /* a count that does not match, HTML, empty: not read */
  assert_int_equal(ortto_parse_merge(r, res, 2, &err), SEG_EHTTP);
  assert_non_null(strstr(err.msg, "Ortto"));
  http_request_free(r);
  r = answer(200, "<html>oops</html>");
  assert_int_equal(ortto_parse_merge(r, res, 1, &err), SEG_EHTTP);
  http_request_free(r);
  r = answer(200, "");
  assert_int_equal(ortto_parse_merge(r, res, 1, &err), SEG_EHTTP);
  http_request_free(r);
}

static void test_no_valid_contacts(void **state) {
  ortto_result res[2];
  http_request *r = answer(400,
                           "{\"request_id\":\"x\",\"code\":400,\"error\":\"No valid contacts provided (2 invalid)\","
                           "\"details\":[{\"status\":\"invalid\",\"error\":\"str::email is not a valid email\"},"
                           "{\"status\":\"invalid\",\"error\":\"missing merge field\"}]}");
  assert_true(ortto_parse_no_valid(r, res, 2));
  assert_string_equal(res[0].error, "str::email is not a valid email");
  assert_string_equal(res[1].error, "missing merge field");
  const export_driver *drv = export_driver_find("ortto");
  export_batch b = {.kind = B_UPSERT, .n = 2};
  assert_false(drv->split(&b, r)); /* no one in it is valid: rejected, not split */
  http_request_free(r);
  r = answer(400, "{\"code\":400,\"error\":\"Request body too large\"}");
  assert_false(ortto_parse_no_valid(r, res, 2));
  assert_true(drv->split(&b, r));
  char why[300];
  drv->describe_failure(r, why, sizeof why);
  assert_string_equal(why, "Ortto answered 400: Request body too large");
  http_request_free(r);
}

static void test_throttle_and_failures(void **state) {
  const char *body = "{\"error\":{\"code\":\"rate-limit\",\"message\":\"rate limit\",\"try-in-seconds\":10}}";
  assert_true(ortto_throttle_wait_ms(body, strlen(body)) == 10000);
  assert_true(ortto_throttle_wait_ms("", 0) == 0);
  assert_true(ortto_throttle_wait_ms("nope", 4) == 0);
  http_request *r = answer(429, body);
  r->throttled = 100;
  char why[300];
  ortto_describe_failure(r, why, sizeof why);
  assert_string_equal(why, "Ortto kept answering 429 (rate limited) after 100 tries");
  http_request_free(r);
  r = answer(0, "");
  snprintf(r->error, sizeof r->error, "Connection refused");
  r->attempts = 6;
  ortto_describe_failure(r, why, sizeof why);
  assert_string_equal(why, "no answer from Ortto after 6 attempts (Connection refused)");
  http_request_free(r);
}

static int count_field(const char *name, const char *id, void *ctx) {
  if (strcmp(name, "Loyalty Tier") == 0 && strcmp(id, "str:cm:loyalty-tier") == 0) ++*(int *)ctx;
  return 0;
}

static void test_custom_fields(void **state) {
  seg_err err;
  http_request *r = answer(200, "{\"fields\":[{\"field\":{\"id\":\"str:cm:loyalty-tier\",\"name\":\"Loyalty Tier\","
                                "\"display_type\":\"text\"}},{\"field\":{\"id\":7}}]}");
  int n = 0;
  assert_int_equal(ortto_parse_fields(r, count_field, &n, &err), SEG_OK);
  assert_int_equal(n, 1);
  http_request_free(r);
  r = answer(200, "{\"name\":\"Loyalty Tier\",\"field_id\":\"str:cm:loyalty-tier\",\"display_type\":\"text\"}");
  char id[64];
  assert_int_equal(ortto_parse_field_created(r, id, sizeof id, &err), SEG_OK);
  assert_string_equal(id, "str:cm:loyalty-tier");
  http_request_free(r);
  r = answer(200, "[]");
  assert_int_equal(ortto_parse_field_created(r, id, sizeof id, &err), SEG_EHTTP);
  assert_int_equal(ortto_parse_fields(r, count_field, &n, &err), SEG_EHTTP);
  http_request_free(r);
  r = ortto_req_field_create("Total Spend", "decimal");
  assert_string_equal(r->path, "/v1/person/custom-field/create");
  assert_string_equal(r->body, "{\"name\":\"Total Spend\",\"type\":\"decimal\"}");
  http_request_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_regions_and_fields), cmocka_unit_test(test_values),
      cmocka_unit_test(test_render_person),      cmocka_unit_test(test_merge_answers),
      cmocka_unit_test(test_no_valid_contacts),  cmocka_unit_test(test_throttle_and_failures),
      cmocka_unit_test(test_custom_fields),
  };
  return cmocka_run_group_tests_name("ortto", tests, NULL, NULL);
}
