/* test_console.c: the console's HTML writing: every character that could open markup or leave an
 * attribute is escaped, query values are percent-encoded, numbers and times read as people read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "console/console_internal.h"

static void test_escape_markup_and_quotes(void **state) {
  buf b;
  buf_init(&b, 0);
  h_esc(&b, "<img src=x onerror=\"alert(1)\">&'");
  assert_string_equal(buf_str(&b), "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;");
  buf_reset(&b);
  h_esc(&b, NULL);
  h_esc(&b, "Mía Yılmaz");
  assert_string_equal(buf_str(&b), "Mía Yılmaz"); /* UTF-8 passes as it is */
  buf_reset(&b);
  h_escn(&b, "a<b\0c>", 6);
  assert_int_equal(b.len, 12); /* a   assert_int_equal(b.len, 8 + 1 + 1);lt; b NUL c &gt; */
  buf_free(&b);
}

static void test_url_encoding(void **state) {
  buf b;
  buf_init(&b, 0);
  h_url(&b, "Autopilot EU&x=\"1\"/é");
  assert_string_equal(buf_str(&b), "Autopilot%20EU%26x%3D%221%22%2F%C3%A9");
  buf_free(&b);
}

static void test_numbers_and_times(void **state) {
  buf b;
  buf_init(&b, 0);
  int64_t v[] = {0, 7, 999, 1000, 7219, 100000, 1234567, -4321};
  const char *want[] = {"0", "7", "999", "1,000", "7,219", "100,000", "1,234,567", "-4,321"};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    buf_reset(&b);
    h_num(&b, v[i]);
    assert_string_equal(buf_str(&b), want[i]);
  }
  buf_reset(&b);
  h_time(&b, 0);
  assert_string_equal(buf_str(&b), "never");
  buf_reset(&b);
  h_time(&b, 1764482400000LL); /* 2025-11-30T06:00:00Z */
  assert_non_null(strstr(buf_str(&b), ">2025-11-30 06:00 UTC<"));
  buf_free(&b);
}

static void test_roles_order(void **state) {
  assert_true(role_of("admin") > role_of("contributor"));
  assert_true(role_of("contributor") > role_of("viewer"));
  assert_true(role_of("viewer") > role_of("nobody"));
  assert_int_equal(role_of("Admin"), ROLE_NONE); /* roles are stored lower-case: nothing else grants one */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escape_markup_and_quotes),
      cmocka_unit_test(test_url_encoding),
      cmocka_unit_test(test_numbers_and_times),
      cmocka_unit_test(test_roles_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
