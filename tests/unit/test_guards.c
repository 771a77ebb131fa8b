/* test_guards.c: the export's removal guard (export_plan_held_list and its message) at its edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "export/plan.h"

static export_plan plan_of(const int64_t *confirmed, const int64_t *removals, size_t n) {
  export_plan p;
  memset(&p, 0, sizeof p);
  for (size_t k = 0; k < n; k++) {
    p.confirmed[k] = confirmed[k];
    p.removals[k] = removals[k];
  }
  return p;
}

static void test_limit_is_inclusive(void **state) {
  int64_t have[] = {1000}, gone[] = {200};
  export_plan p = plan_of(have, gone, 1);
  assert_int_equal(export_plan_held_list(&p, 1, 20), -1); /* exactly 20% may go */
  p.removals[0] = 201;
  assert_int_equal(export_plan_held_list(&p, 1, 20), 0);  /* 20.1% is held */
  assert_int_equal(export_plan_held_list(&p, 1, 21), -1);
  assert_int_equal(export_plan_held_list(&p, 1, 100), -1); /* 100: no limit */
  p.removals[0] = 1000;
  assert_int_equal(export_plan_held_list(&p, 1, 99), 0);
  assert_int_equal(export_plan_held_list(&p, 1, 0), 0);
  p.removals[0] = 0;
  assert_int_equal(export_plan_held_list(&p, 1, 0), -1); /* 0%: nothing may go, and nothing goes */
}

static void test_small_lists_are_never_held(void **state) {
  int64_t have[] = {99, 100}, gone[] = {99, 0};
  export_plan p = plan_of(have, gone, 2);
  assert_int_equal(export_plan_held_list(&p, 2, 20), -1); /* 99 members: a small list may change a lot */
  p.removals[1] = 21;
  assert_int_equal(export_plan_held_list(&p, 2, 20), 1);  /* 100 members: guarded */
}

static void test_the_worst_list_is_named(void **state) {
  int64_t have[] = {1000, 500, 300}, gone[] = {300, 400, 30};
  export_plan p = plan_of(have, gone, 3);
  assert_int_equal(export_plan_held_list(&p, 3, 20), 1); /* 80% beats 30% */
  assert_int_equal(export_plan_held_list(&p, 1, 20), 0); /* only the lists of the export count */
  char msg[512];
  export_plan_hold_message(&p, 1, "Spain", "ap", 20, msg, sizeof msg);
  assert_non_null(strstr(msg, "would remove 400 of the 500 confirmed members of the list 'Spain' (80%), more than "
                              "the limit of 20%; nothing was sent"));
  assert_non_null(strstr(msg, "'segship export run ap --allow-large-removal'"));
  assert_non_null(strstr(msg, "'segship export configure ap --max-removal 80'"));
  /* the percentage offered is rounded up, so that it lets this run go */
  p.removals[1] = 401;
  export_plan_hold_message(&p, 1, "Spain", "ap", 20, msg, sizeof msg);
  assert_non_null(strstr(msg, "(81%)"));
  p.confirmed[1] = 500;
  assert_int_equal(export_plan_held_list(&p, 3, 81), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_limit_is_inclusive),
      cmocka_unit_test(test_small_lists_are_never_held),
      cmocka_unit_test(test_the_worst_list_is_named),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
