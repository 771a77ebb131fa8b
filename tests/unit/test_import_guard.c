/* test_import_guard.c: the import's --replace guard (at most max_delete_pct of the stored profiles
 * deleted, else nothing changes) and its bookkeeping, which is sized by the rows, never by the
 * value of a row id. */
#include "helpers.h"

#include <sqlite3.h>

#include "ingest/ingest.h"
#include "store/store.h"
#include "store/store_internal.h"

static store *fresh_store(const char *name) {
  store *s;
  seg_err err;
  unlink(test_path(name));
  assert_int_equal(store_open(test_path(name), STORE_OPEN_CREATE, &s, &err), SEG_OK);
  return s;
}

static seg_code import_rows(store *s, int from, int to, bool replace, int max_delete, ingest_report *r, seg_err *err) {
  static char csv[64 * 1024];
  size_t n = (size_t)snprintf(csv, sizeof csv, "CustomerId,N\n");
  for (int i = from; i < to; i++) n += (size_t)snprintf(csv + n, sizeof csv - n, "C%04d,%d\n", i, i);
  ingest_options o = {.path = test_write_file("rows.csv", csv, -1), .replace = replace, .max_delete_pct = max_delete};
  seg_code rc = ingest_import(s, &o, r, err);
  if (rc == SEG_OK) { /* the counts outlive the report */
    store_import_counts c = r->counts;
    ingest_report_free(r);
    r->counts = c;
  }
  return rc;
}

static int64_t count(store *s) {
  int64_t n;
  assert_int_equal(store_profiles_count(s, &n, NULL), SEG_OK);
  return n;
}

static void test_replace_limit(void **state) {
  store *s = fresh_store("limit.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_rows(s, 0, 100, false, 0, &r, &err), SEG_OK);
  /* 20 of 100 may go; 21 may not */
  assert_int_equal(import_rows(s, 0, 79, true, 20, &r, &err), SEG_ELIMIT);
  assert_non_null(strstr(err.msg, "would delete 21 of the 100 stored profiles (21%), more than the limit of 20%"));
  assert_non_null(strstr(err.msg, "--max-delete 21"));
  assert_int_equal(count(s), 100);
  /* new rows do not count as stored ones: 20 deleted of the 100 stored, while 50 arrive */
  assert_int_equal(import_rows(s, 20, 150, true, 20, &r, &err), SEG_OK);
  assert_int_equal(r.counts.deleted, 20);
  assert_int_equal(r.counts.inserted, 50);
  assert_int_equal(count(s), 130);
  /* 100: no limit */
  assert_int_equal(import_rows(s, 0, 1, true, 100, &r, &err), SEG_OK);
  assert_int_equal(count(s), 1);
  store_close(s);
}

/* A profile whose row id is 2^40: the seen-set grows with the rows, so the import neither fails
 * for memory nor allocates terabytes. */
static void test_huge_row_id(void **state) {
  store *s = fresh_store("rowid.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_rows(s, 0, 10, false, 0, &r, &err), SEG_OK);
  assert_int_equal(sqlite3_exec(store__db(s), "UPDATE profiles SET pid = 1099511627776 WHERE customer_id = 'C0003'", NULL,
                                NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(import_rows(s, 0, 10, true, 20, &r, &err), SEG_OK);
  assert_int_equal(r.counts.unchanged, 10);
  assert_int_equal(r.counts.deleted, 0);
  assert_int_equal(import_rows(s, 0, 9, true, 20, &r, &err), SEG_OK); /* C0009 goes: 10% */
  assert_int_equal(r.counts.deleted, 1);
  assert_int_equal(count(s), 9);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replace_limit),
      cmocka_unit_test(test_huge_row_id),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
