/* test_util.c: the util module: errors, buffers, ISO dates, UTF-8, text helpers, log redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/text.h"

static void test_error_set_and_prefix(void **state) {
  seg_err err;
  seg_err_clear(&err);
  assert_int_equal(seg_err_set(&err, SEG_EINVAL, "bad %s", "thing"), SEG_EINVAL);
  seg_err_prefix(&err, "importing %s", "x.csv");
  assert_string_equal(err.msg, "importing x.csv: bad thing");
  assert_int_equal(seg_code_exit(SEG_EUSAGE), 2);
  assert_int_equal(seg_code_exit(SEG_EPARTIAL), 3);
  assert_int_equal(seg_code_exit(SEG_EIO), 1);
}

static void test_buf_cap_leaves_buffer_unchanged(void **state) {
  buf b;
  buf_init(&b, 8);
  assert_int_equal(buf_puts(&b, "abcd"), 0);
  assert_int_equal(buf_puts(&b, "efghi"), -1); /* would make 9 > 8 */
  assert_string_equal(buf_str(&b), "abcd");
  assert_int_equal(buf_printf(&b, "%d", 1234), 0);
  assert_string_equal(buf_str(&b), "abcd1234");
  char *s = buf_detach(&b);
  assert_string_equal(s, "abcd1234");
  free(s);
  assert_int_equal(b.len, 0);
}

static void test_dates(void **state) {
  int64_t d, s;
  assert_true(clock_parse_date("1970-01-01", 10, &d));
  assert_int_equal(d, 0);
  assert_true(clock_parse_date("2024-02-29", 10, &d));
  assert_false(clock_parse_date("2023-02-29", 10, &d));
  assert_false(clock_parse_date("2024-13-01", 10, &d));
  assert_false(clock_parse_date("2024-1-01", 9, &d));
  assert_true(clock_parse_date("1900-03-01", 10, &d));
  char out[25];
  assert_string_equal(clock_format_date(d, out), "1900-03-01");
  assert_true(clock_parse_datetime("2024-03-10T12:30:00Z", 20, &s));
  assert_string_equal(clock_format_datetime(s, out), "2024-03-10T12:30:00Z");
  assert_true(clock_parse_datetime("2024-03-10 14:30:00+02:00", 25, &s));
  assert_string_equal(clock_format_datetime(s, out), "2024-03-10T12:30:00Z");
  assert_true(clock_parse_datetime("2024-03-10T12:30", 16, &s));
  assert_true(clock_parse_datetime("2024-03-10T12:30:00.123Z", 24, &s));
  assert_false(clock_parse_datetime("2024-03-10", 10, &s));
  assert_false(clock_parse_datetime("2024-03-10T25:00:00Z", 20, &s));
  assert_false(clock_parse_datetime("2024-03-10T12:30:00Q", 20, &s));
  assert_string_equal(clock_format_ms(1500, out), "1970-01-01T00:00:01.500Z");
  assert_string_equal(clock_format_ms(-1, out), "1969-12-31T23:59:59.999Z");
}

static void test_now_can_be_pinned(void **state) {
  setenv("SEGSHIP_NOW", "2024-05-01T00:00:00Z", 1);
  char out[25];
  assert_string_equal(clock_format_ms(clock_now_ms(), out), "2024-05-01T00:00:00.000Z");
  unsetenv("SEGSHIP_NOW");
  assert_true(clock_now_ms() > 1700000000000LL);
}

static void test_utf8(void **state) {
  size_t bad = 0;
  assert_true(text_utf8_valid("Zoë Ørsted 日本", strlen("Zoë Ørsted 日本"), NULL));
  assert_false(text_utf8_valid("ab\xff", 3, &bad));
  assert_int_equal(bad, 2);
  assert_false(text_utf8_valid("\xc0\xaf", 2, NULL));         /* overlong */
  assert_false(text_utf8_valid("\xed\xa0\x80", 3, NULL));     /* surrogate */
  assert_false(text_utf8_valid("\xe6\x97", 2, NULL));         /* truncated */
  assert_true(text_utf8_valid("\xf0\x9f\x98\x80", 4, NULL));  /* emoji */
}

static void test_text_helpers(void **state) {
  assert_true(text_ieq("Country", "cOUNTRY"));
  assert_int_equal(text_edit_distance("Contry", "Country"), 1);
  assert_int_equal(text_edit_distance("abc", "abc"), 0);
  size_t n = 7;
  const char *t = text_trim("  ab c ", &n);
  assert_int_equal(n, 4);
  assert_memory_equal(t, "ab c", 4);
  char s[] = "MiXeD@Example.COM";
  text_lower(s);
  assert_string_equal(s, "mixed@example.com");
}

static void test_log_redacts_secrets(void **state) {
  char line[128] = "key=0123456789abcdef0123456789abcdef sent";
  log_add_secret("0123456789abcdef0123456789abcdef");
  log_redact(line, sizeof line);
  assert_string_equal(line, "key=[redacted] sent");
  log_forget_secrets();
  char again[64] = "key=0123456789abcdef0123456789abcdef";
  log_redact(again, sizeof again);
  assert_non_null(strstr(again, "0123456789abcdef"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_error_set_and_prefix), cmocka_unit_test(test_buf_cap_leaves_buffer_unchanged),
      cmocka_unit_test(test_dates),                cmocka_unit_test(test_now_can_be_pinned),
      cmocka_unit_test(test_utf8),                 cmocka_unit_test(test_text_helpers),
      cmocka_unit_test(test_log_redacts_secrets),
  };
  return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
