/* test_ingest.c: importing profiles into a real store: upsert by id, typing and widening,
 * --replace, --strict, bad rows, and every whole-file refusal leaving the store unchanged. */
#include <sys/stat.h>

#include "helpers.h"

#include <sqlite3.h>

#include "ingest/ingest.h"
#include "store/store.h"

static store *fresh_store(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  unlink(path);
  store *s;
  seg_err err;
  assert_int_equal(store_open(path, STORE_OPEN_CREATE, &s, &err), SEG_OK);
  return s;
}

static seg_code import_text(store *s, const char *file, const char *data, ingest_options *o, ingest_report *rep,
                            seg_err *err) {
  ingest_options def = {0};
  if (!o) o = &def;
  o->path = test_write_file(file, data, -1);
  char path[512];
  snprintf(path, sizeof path, "%s", o->path);
  o->path = path;
  seg_code rc = ingest_import(s, o, rep, err);
  return rc;
}

static int64_t count(store *s) {
  int64_t n;
  assert_int_equal(store_profiles_count(s, &n, NULL), SEG_OK);
  return n;
}

static attr_type type_of(store *s, const char *name) {
  store_schema sc;
  assert_int_equal(store_schema_load(s, &sc, NULL), SEG_OK);
  int i = store_schema_find(&sc, name);
  assert_true(i >= 0);
  attr_type t = sc.attrs[i].type;
  store_schema_free(&sc);
  return t;
}

/* The canonical text of one attribute of one profile ("" when empty). */
static const char *value_of(store *s, const char *id, const char *attr) {
  static char out[256];
  store_schema sc;
  store_profile p;
  assert_int_equal(store_schema_load(s, &sc, NULL), SEG_OK);
  seg_err err;
  assert_int_equal(store_profile_get(s, &sc, id, &p, &err), SEG_OK);
  int i = store_schema_find(&sc, attr);
  assert_true(i >= 0);
  char tmp[64];
  size_t n;
  const char *t = seg_value_canonical(&p.values[i], tmp, sizeof tmp, &n);
  snprintf(out, sizeof out, "%.*s", (int)n, t);
  store_profile_free(&p);
  store_schema_free(&sc);
  return out;
}

static void test_insert_update_unchanged(void **state) {
  store *s = fresh_store("upsert.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "a.csv", "CustomerId,Email,Orders\n1,a@x.com,3\n2,b@x.com,4\n", NULL, &r, &err), SEG_OK);
  assert_int_equal(r.counts.inserted, 2);
  ingest_report_free(&r);
  store_profile before;
  store_schema sc;
  store_schema_load(s, &sc, NULL);
  store_profile_get(s, &sc, "1", &before, NULL);
  assert_int_equal(import_text(s, "b.csv", "CustomerId,Email,Orders\n1,a@x.com,3\n2,b@x.com,5\n3,c@x.com,1\n", NULL, &r,
                               &err),
                   SEG_OK);
  assert_int_equal(r.counts.inserted, 1);
  assert_int_equal(r.counts.updated, 1);
  assert_int_equal(r.counts.unchanged, 1);
  ingest_report_free(&r);
  store_profile after;
  store_profile_get(s, &sc, "1", &after, NULL);
  assert_int_equal(before.changed_at, after.changed_at); /* unchanged keeps its change time */
  assert_memory_equal(before.hash, after.hash, 16);
  store_profile_free(&before);
  store_profile_free(&after);
  store_schema_free(&sc);
  assert_string_equal(value_of(s, "2", "Orders"), "5");
  assert_int_equal(count(s), 3);
  store_close(s);
}

static void test_type_inference(void **state) {
  store *s = fresh_store("types.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "t.csv",
                               "CustomerId,I,R,B,D,DT,T,Zip,Empty\n"
                               "1,42,3.5,true,2024-02-29,2024-03-10T12:30:00+02:00,hello,08001,\n"
                               "2,-7,1e3,FALSE,2023-01-01,2024-03-10 00:00:00,world,28001,\n",
                               NULL, &r, &err),
                   SEG_OK);
  ingest_report_free(&r);
  assert_int_equal(type_of(s, "I"), ATTR_INTEGER);
  assert_int_equal(type_of(s, "R"), ATTR_REAL);
  assert_int_equal(type_of(s, "B"), ATTR_BOOLEAN);
  assert_int_equal(type_of(s, "D"), ATTR_DATE);
  assert_int_equal(type_of(s, "DT"), ATTR_DATETIME);
  assert_int_equal(type_of(s, "T"), ATTR_TEXT);
  assert_int_equal(type_of(s, "Zip"), ATTR_TEXT); /* a leading zero is a code, not a number */
  assert_int_equal(type_of(s, "Empty"), ATTR_TEXT);
  assert_string_equal(value_of(s, "1", "DT"), "2024-03-10T10:30:00Z");
  assert_string_equal(value_of(s, "2", "R"), "1000");
  assert_string_equal(value_of(s, "2", "B"), "false");
  assert_string_equal(value_of(s, "1", "Zip"), "08001");
  assert_string_equal(value_of(s, "2", "Zip"), "28001");
  store_close(s);
}

static void test_widening_never_narrows(void **state) {
  store *s = fresh_store("widen.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "w1.csv", "CustomerId,N,D\n1,5,2024-01-01\n2,6,2024-01-02\n", NULL, &r, &err), SEG_OK);
  ingest_report_free(&r);
  assert_int_equal(type_of(s, "N"), ATTR_INTEGER);
  assert_int_equal(import_text(s, "w2.csv", "CustomerId,N,D\n3,2.5,2024-01-03T08:00:00Z\n", NULL, &r, &err), SEG_OK);
  assert_int_equal(r.n_widenings, 2);
  ingest_report_free(&r);
  assert_int_equal(type_of(s, "N"), ATTR_REAL);
  assert_int_equal(type_of(s, "D"), ATTR_DATETIME);
  assert_string_equal(value_of(s, "1", "D"), "2024-01-01T00:00:00Z");
  assert_int_equal(import_text(s, "w3.csv", "CustomerId,N\n4,n/a\n", NULL, &r, &err), SEG_OK);
  ingest_report_free(&r);
  assert_int_equal(type_of(s, "N"), ATTR_TEXT);
  assert_string_equal(value_of(s, "1", "N"), "5");
  assert_string_equal(value_of(s, "3", "N"), "2.5");
  /* Later integers do not narrow it back. */
  assert_int_equal(import_text(s, "w4.csv", "CustomerId,N\n5,7\n", NULL, &r, &err), SEG_OK);
  ingest_report_free(&r);
  assert_int_equal(type_of(s, "N"), ATTR_TEXT);
  /* Widening an integer or a date to text is no content change: a re-import leaves them unchanged. */
  assert_int_equal(import_text(s, "w5.csv", "CustomerId,N,D\n1,5,2024-01-01\n", NULL, &r, &err), SEG_OK);
  assert_int_equal(r.counts.unchanged, 1);
  ingest_report_free(&r);
  store_close(s);
}

static void test_pinned_type_refuses_instead_of_widening(void **state) {
  store *s = fresh_store("pin.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "p1.csv", "CustomerId,LTV\n1,10\n2,20.5\n", NULL, &r, &err), SEG_OK);
  ingest_report_free(&r);
  assert_int_equal(store_schema_pin(s, "ltv", ATTR_REAL, &err), SEG_OK);
  assert_int_equal(import_text(s, "p2.csv", "CustomerId,LTV\n3,abc\n4,7\n", NULL, &r, &err), SEG_OK);
  assert_int_equal(r.rejected, 1);
  assert_int_equal(r.problems[0].line, 2);
  assert_non_null(strstr(r.problems[0].reason, "pinned"));
  ingest_report_free(&r);
  assert_int_equal(type_of(s, "LTV"), ATTR_REAL);
  assert_int_equal(count(s), 3);
  /* Narrowing a pinned type is refused when values do not fit. */
  assert_int_equal(store_schema_pin(s, "LTV", ATTR_INTEGER, &err), SEG_EINVAL);
  assert_non_null(strstr(err.msg, "1 of the 3"));
  store_close(s);
}

static void test_bad_rows_reported_rest_imported(void **state) {
  store *s = fresh_store("bad.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "bad.csv",
                               "CustomerId,Email,City\n"
                               "1,a@x.com,Madrid\n"
                               ",nobody@x.com,Lyon\n"           /* no id */
                               "3,c@x.com\n"                     /* too few fields */
                               "4,d@x.com,M\xe1laga\n"           /* Latin-1, not UTF-8 */
                               "5,e@x.com,Sevilla\n",
                               NULL, &r, &err),
                   SEG_OK);
  assert_int_equal(r.counts.inserted, 2);
  assert_int_equal(r.rejected, 3);
  assert_int_equal(r.problems[0].line, 3);
  assert_non_null(strstr(r.problems[0].reason, "no CustomerId"));
  assert_int_equal(r.problems[1].line, 4);
  assert_non_null(strstr(r.problems[1].reason, "2 fields where the header has 3"));
  assert_int_equal(r.problems[2].line, 5);
  assert_non_null(strstr(r.problems[2].reason, "UTF-8"));
  ingest_report_free(&r);
  store_close(s);
}

static void test_strict_refuses_whole_file(void **state) {
  store *s = fresh_store("strict.db");
  ingest_report r;
  seg_err err;
  ingest_options o = {.strict = true};
  assert_int_equal(import_text(s, "s.csv", "CustomerId,Email\n1,a@x.com\n2\n3,c@x.com\n", &o, &r, &err), SEG_EINVAL);
  assert_non_null(strstr(err.msg, "line 3"));
  assert_non_null(strstr(err.msg, "--strict"));
  assert_int_equal(count(s), 0);
  store_close(s);
}

static void test_replace_deletes_absent_but_not_rejected(void **state) {
  store *s = fresh_store("replace.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "r1.csv", "CustomerId,N\n1,1\n2,2\n3,3\n4,4\n", NULL, &r, &err), SEG_OK);
  ingest_report_free(&r);
  assert_int_equal(store_schema_pin(s, "N", ATTR_INTEGER, &err), SEG_OK);
  ingest_options o = {.replace = true, .max_delete_pct = 100};
  /* 2 is absent (deleted); 3's row is rejected but names it (kept); 5 is new. */
  assert_int_equal(import_text(s, "r2.csv", "CustomerId,N\n1,1\n3,x\n4,4\n5,5\n", &o, &r, &err), SEG_OK);
  assert_int_equal(r.counts.deleted, 1);
  assert_int_equal(r.counts.inserted, 1);
  assert_int_equal(r.rejected, 1);
  ingest_report_free(&r);
  assert_int_equal(count(s), 4);
  store_schema sc;
  store_profile p;
  store_schema_load(s, &sc, NULL);
  assert_int_equal(store_profile_get(s, &sc, "2", &p, &err), SEG_ENOTFOUND);
  assert_int_equal(store_profile_get(s, &sc, "3", &p, &err), SEG_OK);
  store_profile_free(&p);
  store_schema_free(&sc);
  store_close(s);
}

static void test_merge_keeps_attributes_the_file_lacks(void **state) {
  store *s = fresh_store("merge.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "m1.csv", "CustomerId,Email,Tier\n1,a@x.com,gold\n", NULL, &r, &err), SEG_OK);
  ingest_report_free(&r);
  assert_int_equal(import_text(s, "m2.csv", "CustomerId,Tier\n1,gold\n", NULL, &r, &err), SEG_OK);
  assert_int_equal(r.counts.unchanged, 1);
  ingest_report_free(&r);
  assert_int_equal(import_text(s, "m3.csv", "CustomerId,Tier\n1,silver\n", NULL, &r, &err), SEG_OK);
  assert_int_equal(r.counts.updated, 1);
  ingest_report_free(&r);
  assert_string_equal(value_of(s, "1", "Email"), "a@x.com");
  assert_string_equal(value_of(s, "1", "Tier"), "silver");
  store_close(s);
}

static void test_jsonl(void **state) {
  store *s = fresh_store("jsonl.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "p.jsonl",
                               "{\"CustomerId\":\"a\",\"Email\":\"a@x.com\",\"Orders\":3,\"LTV\":1.5,\"Sub\":true}\n"
                               "\n"
                               "{\"CustomerId\":7,\"Email\":null,\"Signup\":\"2024-01-01\",\"Tags\":[1]}\n"
                               "not json\n"
                               "[1,2]\n"
                               "{\"CustomerId\":\"b\",\"Orders\":4,\"Orders\":5}\n"
                               "{\"CustomerId\":\"c\",\"Orders\":\"12\"}\n",
                               NULL, &r, &err),
                   SEG_OK);
  assert_string_equal(r.format, "jsonl");
  assert_int_equal(r.counts.inserted, 2);
  assert_int_equal(r.rejected, 4);
  assert_int_equal(r.problems[0].line, 3);
  assert_non_null(strstr(r.problems[0].reason, "array"));
  assert_int_equal(r.problems[1].line, 4);
  assert_int_equal(r.problems[2].line, 5);
  assert_int_equal(r.problems[3].line, 6);
  ingest_report_free(&r);
  assert_int_equal(type_of(s, "Orders"), ATTR_INTEGER);
  assert_int_equal(type_of(s, "Sub"), ATTR_BOOLEAN);
  assert_string_equal(value_of(s, "c", "Orders"), "12");
  store_close(s);
}

static void expect_refusal(const char *file, const char *data, long n, const char *needle) {
  store *s = fresh_store("refuse.db");
  ingest_report r;
  seg_err err;
  assert_int_equal(import_text(s, "seed.csv", "CustomerId,Email\n1,a@x.com\n", NULL, &r, &err), SEG_OK);
  ingest_report_free(&r);
  ingest_options o = {0};
  char path[512];
  snprintf(path, sizeof path, "%s", test_write_file(file, data, n));
  o.path = path;
  seg_code rc = ingest_import(s, &o, &r, &err);
  if (rc == SEG_OK || !strstr(err.msg, needle)) print_error("%s: rc %d, message: %s\n", file, rc, err.msg);
  assert_int_not_equal(rc, SEG_OK);
  assert_non_null(strstr(err.msg, needle));
  assert_int_equal(count(s), 1);
  assert_string_equal(value_of(s, "1", "Email"), "a@x.com");
  store_close(s);
}

static void test_whole_file_refusals_leave_store_unchanged(void **state) {
  expect_refusal("empty.csv", "", 0, "is empty");
  expect_refusal("header.csv", "CustomerId,Email\n", -1, "header but no profiles");
  expect_refusal("bin.csv", "CustomerId,Email\n2,\0\x01\x02", 20, "not a text file");
  expect_refusal("dupcol.csv", "CustomerId,Email,email\n2,a,b\n", -1, "both named");
  expect_refusal("dupid.csv", "CustomerId,Email\n2,b@x.com\n3,c@x.com\n2,d@x.com\n", -1, "appears twice, at line 2 and line 4");
  expect_refusal("noid.csv", "Id,Email\n2,b@x.com\n", -1, "no 'CustomerId' column");
  expect_refusal("noname.csv", "CustomerId,,Email\n2,x,b@x.com\n", -1, "has no name");
  expect_refusal("allbad.csv", "CustomerId,Email\n,x\n,y\n", -1, "none of the 2 rows");
}

static void test_missing_file(void **state) {
  store *s = fresh_store("missing.db");
  ingest_options o = {.path = "/nonexistent/profiles.csv"};
  ingest_report r;
  seg_err err;
  assert_int_equal(ingest_import(s, &o, &r, &err), SEG_ENOTFOUND);
  assert_non_null(strstr(err.msg, "cannot open /nonexistent/profiles.csv"));
  store_close(s);
}

static void test_id_attribute_is_fixed_per_store(void **state) {
  store *s = fresh_store("idname.db");
  ingest_report r;
  seg_err err;
  ingest_options o = {.id_name = "ContactKey"};
  assert_int_equal(import_text(s, "k.csv", "ContactKey,Email\nk1,a@x.com\n", &o, &r, &err), SEG_OK);
  ingest_report_free(&r);
  /* Without --id the store's own id is used; a different --id is refused. */
  assert_int_equal(import_text(s, "k2.csv", "contactkey,Email\nk2,b@x.com\n", NULL, &r, &err), SEG_OK);
  ingest_report_free(&r);
  ingest_options o2 = {.id_name = "CustomerId"};
  assert_int_equal(import_text(s, "k3.csv", "CustomerId,Email\nk3,c@x.com\n", &o2, &r, &err), SEG_EINVAL);
  assert_non_null(strstr(err.msg, "keyed by 'ContactKey'"));
  assert_int_equal(count(s), 2);
  store_close(s);
}

static void test_not_a_store_and_newer_version(void **state) {
  store *s;
  seg_err err;
  const char *junk = test_write_file("junk.db", "this is not sqlite at all, just some text that is long enough", -1);
  char path[512];
  snprintf(path, sizeof path, "%s", junk);
  chmod(path, 0600); /* a store others may read is refused before anything else (issue 11) */
  assert_int_equal(store_open(path, STORE_OPEN_EXISTING, &s, &err), SEG_ESTORE);
  assert_non_null(strstr(err.msg, "not a segship store"));

  /* An SQLite database of another application. */
  snprintf(path, sizeof path, "%s/other.db", test_tmpdir());
  sqlite3 *db;
  sqlite3_open(path, &db);
  sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
  sqlite3_close(db);
  chmod(path, 0600);
  assert_int_equal(store_open(path, STORE_OPEN_CREATE, &s, &err), SEG_ESTORE);
  assert_non_null(strstr(err.msg, "not a segship store"));

  /* A store from a newer segship. */
  snprintf(path, sizeof path, "%s/newer.db", test_tmpdir());
  unlink(path);
  assert_int_equal(store_open(path, STORE_OPEN_CREATE, &s, &err), SEG_OK);
  store_close(s);
  sqlite3_open(path, &db);
  sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
  sqlite3_close(db);
  assert_int_equal(store_open(path, STORE_OPEN_EXISTING, &s, &err), SEG_EVERSION);
  assert_non_null(strstr(err.msg, "newer segship"));

  /* No store at all. */
  assert_int_equal(store_open("/nonexistent/x.db", STORE_OPEN_EXISTING, &s, &err), SEG_ENOTFOUND);
  assert_non_null(strstr(err.msg, "segship init"));
}

static void test_open_is_idempotent_and_migrates(void **state) {
  char path[512];
  snprintf(path, sizeof path, "%s/idem.db", test_tmpdir());
  unlink(path);
  store *s;
  seg_err err;
  assert_int_equal(store_open(path, STORE_OPEN_CREATE, &s, &err), SEG_OK);
  assert_true(store_was_created(s));
  assert_int_equal(store_schema_version(s), store_schema_version_latest());
  store_close(s);
  assert_int_equal(store_open(path, STORE_OPEN_CREATE, &s, &err), SEG_OK);
  assert_false(store_was_created(s));
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_insert_update_unchanged),
      cmocka_unit_test(test_type_inference),
      cmocka_unit_test(test_widening_never_narrows),
      cmocka_unit_test(test_pinned_type_refuses_instead_of_widening),
      cmocka_unit_test(test_bad_rows_reported_rest_imported),
      cmocka_unit_test(test_strict_refuses_whole_file),
      cmocka_unit_test(test_replace_deletes_absent_but_not_rejected),
      cmocka_unit_test(test_merge_keeps_attributes_the_file_lacks),
      cmocka_unit_test(test_jsonl),
      cmocka_unit_test(test_whole_file_refusals_leave_store_unchanged),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_id_attribute_is_fixed_per_store),
      cmocka_unit_test(test_not_a_store_and_newer_version),
      cmocka_unit_test(test_open_is_idempotent_and_migrates),
  };
  return cmocka_run_group_tests_name("ingest", tests, NULL, NULL);
}
