/* test_import_guard.c: the import's --replace guard (at most max_delete_pct of the stored profiles
 * deleted, else nothing changes) and its bookkeeping (the profiles seen, in a temporary table):
 * never sized by the value of a row id, duplicates named by line, a full temporary disk refused. */
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

/* A profile whose row id is 2^40: the set of profiles seen is keyed by row id in a table, so the
 * import neither fails for memory nor allocates terabytes. */
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

static seg_code import_text(store *s, const char *text, bool replace, ingest_report *r, seg_err *err) {
  ingest_options o = {.path = test_write_file("text.csv", text, -1), .replace = replace, .max_delete_pct = 100};
  seg_code rc = ingest_import(s, &o, r, err);
  if (rc == SEG_OK) ingest_report_free(r);
  return rc;
}

static char *snapshot(store *s) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(store__db(s), "SELECT group_concat(customer_id || '=' || hex(content_hash), ';') "
                                                    "FROM (SELECT * FROM profiles ORDER BY pid)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  char *out = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

/* A repeated id is named with both lines whether the profile was stored before or is new; after
 * a rejected row of a stored profile, the first line is "an earlier line". Nothing is imported. */
static void test_duplicate_ids(void **state) {
  store *s = fresh_store("dup.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "CustomerId,N\nA,1\nB,2\n", false, &r, &err), SEG_OK);
  assert_int_equal(store_schema_pin(s, "N", ATTR_INTEGER, &err), SEG_OK);
  char *before = snapshot(s);
  assert_int_equal(import_text(s, "CustomerId,N\nB,5\nA,3\nC,4\nA,6\n", true, &r, &err), SEG_EINVAL);
  assert_non_null(strstr(err.msg, "profile id 'A' appears twice, at line 3 and line 5"));
  assert_non_null(strstr(err.msg, "nothing was imported"));
  assert_int_equal(import_text(s, "CustomerId,N\nC,1\nD,2\nC,3\n", true, &r, &err), SEG_EINVAL);
  assert_non_null(strstr(err.msg, "profile id 'C' appears twice, at line 2 and line 4"));
  assert_int_equal(import_text(s, "CustomerId,N\nB,x\nA,1\nB,2\n", true, &r, &err), SEG_EINVAL);
  assert_non_null(strstr(err.msg, "profile id 'B' appears twice, at an earlier line and line 4"));
  char *after = snapshot(s);
  assert_string_equal(after, before);
  free(before);
  free(after);
  /* the refused imports left no trace in the session's table: the same rows import once unique */
  assert_int_equal(import_text(s, "CustomerId,N\nB,x\nA,3\nC,4\n", true, &r, &err), SEG_OK);
  assert_int_equal(count(s), 3);
  store_close(s);
}

/* The set of profiles seen lives in SQLite's temporary file: when that disk is full (here a page
 * limit on the temporary database), the import fails with one sentence naming the temporary disk,
 * and the store is as it was. */
static void test_temporary_disk_full(void **state) {
  store *s = fresh_store("tmpfull.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_rows(s, 0, 500, false, 0, &r, &err), SEG_OK);
  char *before = snapshot(s);
  assert_int_equal(sqlite3_exec(store__db(s), "PRAGMA temp.max_page_count = 2", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(import_rows(s, 100, 1500, true, 100, &r, &err), SEG_EIO);
  assert_non_null(strstr(err.msg, "the disk holding SQLite's temporary files is full"));
  assert_non_null(strstr(err.msg, "TMPDIR"));
  assert_non_null(strstr(err.msg, "nothing was changed"));
  char *after = snapshot(s);
  assert_string_equal(after, before);
  free(before);
  free(after);
  assert_int_equal(sqlite3_exec(store__db(s), "PRAGMA temp.max_page_count = 1000000", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(import_rows(s, 100, 1500, true, 100, &r, &err), SEG_OK);
  assert_int_equal(r.counts.deleted, 100);
  assert_int_equal(r.counts.inserted, 1000);
  assert_int_equal(count(s), 1400);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replace_limit),
      cmocka_unit_test(test_huge_row_id),
      cmocka_unit_test(test_duplicate_ids),
      cmocka_unit_test(test_temporary_disk_full),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
