/* test_segment_limits.c: a segment refresh stays within SQLite's limits however many or large the
 * rules are: the evaluation is split into several scans when the bound values, the result
 * columns or the SQL would not fit one statement. */
#include "helpers.h"

#include <sqlite3.h>

#include "ingest/ingest.h"
#include "segment/segment.h"
#include "store/segments.h"
#include "store/store_internal.h"

#define N_PROFILES 200

static store *open_store(const char *name) {
  seg_err err;
  store *s;
  assert_int_equal(store_open(test_path(name), STORE_OPEN_CREATE, &s, &err), SEG_OK);
  static char csv[N_PROFILES * 16 + 32];
  size_t n = (size_t)snprintf(csv, sizeof csv, "CustomerId,N\n");
  for (int i = 0; i < N_PROFILES; i++) n += (size_t)snprintf(csv + n, sizeof csv - n, "C%03d,%d\n", i, i);
  ingest_options o = {.path = test_write_file("limits.csv", csv, -1)};
  ingest_report r;
  assert_int_equal(ingest_import(s, &o, &r, &err), SEG_OK);
  ingest_report_free(&r);
  return s;
}

/* "N in (k, k+1, ..., k+width-1)" */
static void rule_in(char *out, size_t cap, int k, int width) {
  size_t n = (size_t)snprintf(out, cap, "N in (%d", k);
  for (int i = 1; i < width; i++) n += (size_t)snprintf(out + n, cap - n, ", %d", k + i);
  snprintf(out + n, cap - n, ")");
}

/* Refreshes every segment and checks that segment "S<k>" holds exactly its width members. */
static void refresh_and_check(store *s, int n_segments, int width) {
  segment_result *res;
  size_t n;
  seg_err err = {0};
  seg_code rc = segment_refresh(s, NULL, &res, &n, &err);
  if (rc != SEG_OK) fail_msg("refresh failed: %s", err.msg);
  assert_int_equal(n, (size_t)n_segments);
  for (size_t i = 0; i < n; i++) {
    if (!res[i].ok) fail_msg("segment %s: %s", res[i].name, res[i].error);
    int k = atoi(res[i].name + 1);
    int64_t want = k + width <= N_PROFILES ? width : N_PROFILES - k;
    if (res[i].members != want) fail_msg("segment %s has %lld members, not %lld", res[i].name, (long long)res[i].members,
                                         (long long)want);
  }
  free(res);
}

/* A connection whose limits are low (as another SQLite build may have): 30 rules of 10 values
 * each need 300 values and 31 columns, and the scan may bind 40 values and return 16 columns. */
static void test_split_under_low_limits(void **state) {
  store *s = open_store("low.db");
  seg_err err;
  char rule[256], name[16];
  for (int k = 0; k < 30; k++) {
    rule_in(rule, sizeof rule, k * 5, 10);
    snprintf(name, sizeof name, "S%d", k * 5);
    segment_result r;
    assert_int_equal(segment_create(s, name, rule, NULL, &r, &err), SEG_OK);
  }
  sqlite3_limit(store__db(s), SQLITE_LIMIT_VARIABLE_NUMBER, 40);
  sqlite3_limit(store__db(s), SQLITE_LIMIT_COLUMN, 16);
  refresh_and_check(s, 30, 10);
  /* a single rule larger than the limit is refused with a sentence, not an SQLite error */
  sqlite3_limit(store__db(s), SQLITE_LIMIT_VARIABLE_NUMBER, 5);
  segment_result *res;
  size_t n;
  assert_int_equal(segment_refresh(s, NULL, &res, &n, &err), SEG_ELIMIT);
  assert_non_null(strstr(err.msg, "more than this SQLite allows"));
  store_close(s);
}

/* SQLite's own limits: more segments than the 2000 result columns one statement may return. */
static void test_more_segments_than_columns(void **state) {
  store *s = open_store("many.db");
  seg_err err;
  char rule[64], name[16];
  int cols = sqlite3_limit(store__db(s), SQLITE_LIMIT_COLUMN, -1);
  int n_segments = cols + 50;
  int64_t id;
  assert_int_equal(store_tx_begin(s, &err), SEG_OK); /* one transaction: quicker creation */
  for (int k = 0; k < n_segments; k++) {
    snprintf(rule, sizeof rule, "N = %d", k % N_PROFILES);
    snprintf(name, sizeof name, "S%d", k);
    assert_int_equal(store_segment_create(s, name, rule, NULL, &id, &err), SEG_OK);
  }
  assert_int_equal(store_tx_commit(s, &err), SEG_OK);
  segment_result *res;
  size_t n;
  seg_code rc = segment_refresh(s, NULL, &res, &n, &err);
  if (rc != SEG_OK) fail_msg("refresh of %d segments failed: %s", n_segments, err.msg);
  assert_int_equal(n, (size_t)n_segments);
  for (size_t i = 0; i < n; i++) {
    if (!res[i].ok || res[i].members != 1) fail_msg("segment %s: %lld members", res[i].name, (long long)res[i].members);
  }
  free(res);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_under_low_limits),
      cmocka_unit_test(test_more_segments_than_columns),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
