/* test_text_cut.c: text cut to a byte length is cut between characters (never half a UTF-8
 * character), control characters are escaped for a terminal, and formula cells are detected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/text.h"

static void assert_valid_utf8(const char *s) {
  size_t bad;
  if (!text_utf8_valid(s, strlen(s), &bad)) fail_msg("not UTF-8 at byte %zu of '%s'", bad, s);
}

static void test_prefix_stops_between_characters(void **state) {
  const char *s = "ab\xc3\xa9" "cd\xe2\x82\xac" "e\xf0\x9f\x98\x80"; /* ab é cd € e 😀 */
  size_t n = strlen(s);
  assert_int_equal(text_utf8_prefix(s, n, 2), 2);
  assert_int_equal(text_utf8_prefix(s, n, 3), 2);  /* é is 2 bytes: not half of it */
  assert_int_equal(text_utf8_prefix(s, n, 4), 4);
  assert_int_equal(text_utf8_prefix(s, n, 7), 6);  /* € is 3 bytes */
  assert_int_equal(text_utf8_prefix(s, n, 8), 6);
  assert_int_equal(text_utf8_prefix(s, n, 9), 9);
  assert_int_equal(text_utf8_prefix(s, n, 13), 10); /* 😀 is 4 bytes */
  assert_int_equal(text_utf8_prefix(s, n, 100), n);
  for (size_t max = 0; max <= n; max++) {
    char out[32];
    text_copy(out, max + 1, s);
    assert_true(strlen(out) <= max);
    assert_valid_utf8(out);
  }
  /* bytes that are not UTF-8 count one each */
  assert_int_equal(text_utf8_prefix("\xff\xfe" "a", 3, 2), 2);
}

/* What snprintf leaves when it cuts text into a buffer of cap bytes. */
static void cut_into(char *buf, size_t cap, const char *text) {
  size_t n = strlen(text) < cap - 1 ? strlen(text) : cap - 1;
  memcpy(buf, text, n);
  buf[n] = 0;
}

static void test_trim_tail_after_a_cut(void **state) {
  char buf[6];
  cut_into(buf, sizeof buf, "abcd\xc3\xa9"); /* "abcd" + half of é */
  text_utf8_trim_tail(buf);
  assert_string_equal(buf, "abcd");
  cut_into(buf, sizeof buf, "ab\xe2\x82\xac\xe2\x82\xac"); /* "ab€" fits whole */
  text_utf8_trim_tail(buf);
  assert_string_equal(buf, "ab\xe2\x82\xac");
  cut_into(buf, sizeof buf, "abc\xe2\x82\xac"); /* two of €'s three bytes */
  text_utf8_trim_tail(buf);
  assert_string_equal(buf, "abc");
}

static void test_error_messages_are_cut_between_characters(void **state) {
  char *big = malloc(3000);
  for (int i = 0; i < 1000; i++) memcpy(big + 3 * i, "\xe2\x82\xac", 3);
  big[3000 - 1] = 0; /* 999 whole euros and two bytes: cut that last one too */
  big[2997] = 0;
  seg_err err;
  for (int shift = 0; shift < 3; shift++) {
    seg_err_set(&err, SEG_EINVAL, "%.*s%s", shift, "xx", big);
    assert_true(strlen(err.msg) < sizeof err.msg);
    assert_valid_utf8(err.msg);
    seg_err_prefix(&err, "importing %s", big);
    assert_valid_utf8(err.msg);
  }
  free(big);
}

static void test_escape_control(void **state) {
  char *e = text_escape_control("a\x1b[2Jb\x07\r\n\x7f" "\xc2\x9b" "\xc3\xa9\xff", 15, false);
  assert_non_null(e);
  assert_string_equal(e, "a\\x1b[2Jb\\x07\\x0d\\x0a\\x7f\\xc2\\x9b\xc3\xa9\\xff");
  free(e);
  e = text_escape_control("line\nnext\t", 10, true);
  assert_string_equal(e, "line\nnext\\x09");
  free(e);
  assert_null(text_escape_control("plain \xc3\xa9t\xc3\xa9", 11, false)); /* nothing to escape: no copy */
}

static void test_csv_formula(void **state) {
  const char *yes[] = {"=1+1", "+33", "-2", "@SUM(A1)", "\tx", "\rx"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) assert_true(text_csv_formula(yes[i]));
  const char *no[] = {"", "a=1", "1-2", "x@y.com", " =1"};
  for (size_t i = 0; i < sizeof no / sizeof *no; i++) assert_false(text_csv_formula(no[i]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prefix_stops_between_characters),
      cmocka_unit_test(test_trim_tail_after_a_cut),
      cmocka_unit_test(test_error_messages_are_cut_between_characters),
      cmocka_unit_test(test_escape_control),
      cmocka_unit_test(test_csv_formula),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
