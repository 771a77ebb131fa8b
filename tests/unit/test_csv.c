/* test_csv.c: the streaming CSV reader on every RFC 4180 edge case and on hostile input. */
#include "helpers.h"

#include "ingest/csv.h"

typedef struct parsed {
  int records;
  char fields[8][8][64];
  size_t nf[8];
  int64_t line[8];
  const char *problem[8];
  int last;      /* the last csv_next result */
  seg_err err;
} parsed;

static void parse(const char *data, long n, parsed *p) {
  memset(p, 0, sizeof *p);
  const char *path = test_write_file("in.csv", data, n);
  FILE *f = fopen(path, "rb");
  csv_reader *r;
  assert_int_equal(csv_open(f, "in.csv", &r, &p->err), SEG_OK);
  csv_record rec;
  while ((p->last = csv_next(r, &rec, &p->err)) > 0 && p->records < 8) {
    int k = p->records++;
    p->nf[k] = rec.n;
    p->line[k] = rec.line;
    p->problem[k] = rec.problem;
    for (size_t i = 0; i < rec.n && i < 8; i++) snprintf(p->fields[k][i], 64, "%s", rec.fields[i]);
  }
  csv_free(r);
  fclose(f);
}

static void test_plain_and_crlf(void **state) {
  parsed p;
  parse("a,b,c\r\n1,2,3\r\n", -1, &p);
  assert_int_equal(p.last, 0);
  assert_int_equal(p.records, 2);
  assert_int_equal(p.nf[1], 3);
  assert_string_equal(p.fields[1][2], "3");
  assert_int_equal(p.line[1], 2);
}

static void test_quotes_doubled_and_newlines(void **state) {
  parsed p;
  parse("id,note\n1,\"say \"\"hi\"\", twice\"\n2,\"two\nlines\"\n3,x\n", -1, &p);
  assert_int_equal(p.records, 4);
  assert_string_equal(p.fields[1][1], "say \"hi\", twice");
  assert_string_equal(p.fields[2][1], "two\nlines");
  assert_int_equal(p.line[2], 3);
  assert_int_equal(p.line[3], 5); /* the embedded newline counts as a line */
}

static void test_bom_and_no_final_newline(void **state) {
  parsed p;
  parse("\xEF\xBB\xBFid,name\n1,Zoë", -1, &p);
  assert_int_equal(p.records, 2);
  assert_string_equal(p.fields[0][0], "id");
  assert_string_equal(p.fields[1][1], "Zoë");
}

static void test_empty_fields_and_blank_lines(void **state) {
  parsed p;
  parse("a,b,c\n\n,,\n\"\",x,\n\n", -1, &p);
  assert_int_equal(p.records, 3);
  assert_int_equal(p.nf[1], 3);
  assert_string_equal(p.fields[1][0], "");
  assert_int_equal(p.nf[2], 3);
  assert_string_equal(p.fields[2][1], "x");
  assert_string_equal(p.fields[2][2], "");
}

static void test_malformed_quote_is_a_bad_record_not_fatal(void **state) {
  parsed p;
  parse("a,b\n\"x\"y,2\n3,4\n", -1, &p);
  assert_int_equal(p.records, 3);
  assert_non_null(p.problem[1]);
  assert_null(p.problem[2]);
  assert_string_equal(p.fields[2][0], "3");
}

static void test_unclosed_quote_at_end(void **state) {
  parsed p;
  parse("a,b\n1,\"never closed\n", -1, &p);
  assert_int_equal(p.records, 2);
  assert_non_null(p.problem[1]);
  assert_non_null(strstr(p.problem[1], "not closed"));
}

static void test_nul_byte_is_fatal(void **state) {
  parsed p;
  parse("a,b\n1,\0\n", 7, &p);
  assert_int_equal(p.last, -1);
  assert_non_null(strstr(p.err.msg, "not a text file"));
}

static void test_huge_record_is_fatal_and_bounded(void **state) {
  size_t n = CSV_MAX_RECORD + 100;
  char *big = malloc(n + 16);
  memcpy(big, "a\n\"", 3);
  memset(big + 3, 'x', n);
  parsed p;
  parse(big, (long)(n + 3), &p);
  free(big);
  assert_int_equal(p.last, -1);
  assert_non_null(strstr(p.err.msg, "over"));
  assert_non_null(strstr(p.err.msg, "line 2"));
}

static void test_lone_cr_line_endings(void **state) {
  parsed p;
  parse("a,b\r1,2\r", -1, &p);
  assert_int_equal(p.records, 2);
  assert_string_equal(p.fields[1][1], "2");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_and_crlf),
      cmocka_unit_test(test_quotes_doubled_and_newlines),
      cmocka_unit_test(test_bom_and_no_final_newline),
      cmocka_unit_test(test_empty_fields_and_blank_lines),
      cmocka_unit_test(test_malformed_quote_is_a_bad_record_not_fatal),
      cmocka_unit_test(test_unclosed_quote_at_end),
      cmocka_unit_test(test_nul_byte_is_fatal),
      cmocka_unit_test(test_huge_record_is_fatal_and_bounded),
      cmocka_unit_test(test_lone_cr_line_endings),
  };
  return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
