/* test_rule.c: the segment rule language against a real store: each operator and type, precedence,
 * `not` with empty values, segments and cycles, relative dates, case-insensitivity beyond ASCII,
 * injection attempts, every error message and the size and depth limits. */
#include "helpers.h"

#include <strings.h>
#include <sys/resource.h>

#include "ingest/ingest.h"
#include "segment/rule.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"
#include "rule_cases.h"

static store *db;
static store_schema schema;

/* ---- helpers ---- */

static int collect(const char *id, void *ctx) {
  char *out = ctx;
  if (*out) strcat(out, ",");
  strcat(out, id);
  return 0;
}

static seg_code compile(const char *rule, const char *self, rule_compiled *out, seg_err *err) {
  return rule_compile(rule, self, &schema, lookup, NULL, NOW_MS, out, err);
}

/* The ids of the profiles the rule selects, "1,3"; fails the test when the rule does not compile. */
static const char *ids_of(const char *rule) {
  static char out[256];
  out[0] = '\0';
  rule_compiled c;
  seg_err err;
  if (compile(rule, NULL, &c, &err) != SEG_OK) fail_msg("rule %s: %s", rule, err.msg);
  store_where w = rule_where(&c);
  if (store_where_each_id(db, &w, -1, collect, out, &err) != SEG_OK) fail_msg("rule %s: %s [%s]", rule, err.msg, c.sql);
  rule_compiled_free(&c);
  return out;
}

static void expect_ids(const char *rule, const char *want) {
  const char *got = ids_of(rule);
  if (strcmp(got, want) != 0) fail_msg("rule %.80s: matched [%s], expected [%s]", rule, got, want);
}

/* Every case of the shared list (rule_cases.h) in group, as test_NAME wrote them. */
static void expect_group(const char *group) {
  size_t n = 0;
  for (size_t i = 0; i < N_RULE_CASES; i++)
    if (strcmp(rule_cases[i].group, group) == 0) {
      expect_ids(rule_cases[i].rule, rule_cases[i].ids);
      n++;
    }
  if (n == 0) fail_msg("no shared case in group %s", group);
}

/* The message compiling rule gives (which must fail). */
static const char *error_of(const char *rule, const char *self) {
  static seg_err err;
  rule_compiled c;
  if (compile(rule, self, &c, &err) == SEG_OK) {
    rule_compiled_free(&c);
    fail_msg("rule %.80s compiled, but it should not", rule);
  }
  assert_null(c.sql);
  return err.msg;
}

static void expect_error(const char *rule, const char *want) {
  const char *got = error_of(rule, NULL);
  if (strcmp(got, want) != 0) fail_msg("rule %.80s:\n  got      %s\n  expected %s", rule, got, want);
}

static void expect_error_prefix(const char *rule, const char *want) {
  const char *got = error_of(rule, NULL);
  if (strncmp(got, want, strlen(want)) != 0) fail_msg("rule %.80s:\n  got      %s\n  expected %s...", rule, got, want);
}

static int group_setup(void **state) {
  char path[512];
  snprintf(path, sizeof path, "%s/rule.db", test_tmpdir());
  seg_err err;
  if (store_open(path, STORE_OPEN_CREATE, &db, &err) != SEG_OK) return -1;
  ingest_options o = {0};
  char csv[512];
  snprintf(csv, sizeof csv, "%s", test_write_file("profiles.csv", profiles_csv, -1));
  o.path = csv;
  ingest_report r;
  if (ingest_import(db, &o, &r, &err) != SEG_OK || r.rejected != 0) {
    fprintf(stderr, "import: %s\n", err.msg);
    return -1;
  }
  ingest_report_free(&r);
  if (store_schema_load(db, &schema, &err) != SEG_OK) return -1;
  /* the types the tests rely on */
  static const struct {
    const char *name;
    attr_type type;
  } types[] = {{"Country", ATTR_TEXT},      {"LifetimeValue", ATTR_REAL}, {"Orders", ATTR_INTEGER},
               {"IsSubscribed", ATTR_BOOLEAN}, {"SignupDate", ATTR_DATE}, {"LastSeen", ATTR_DATETIME},
               {"Zip", ATTR_TEXT},          {"Nothing", ATTR_TEXT}}; /* all empty: typed text on import */
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    int k = store_schema_find(&schema, types[i].name);
    if (k < 0 || schema.attrs[k].type != types[i].type) {
      fprintf(stderr, "attribute %s is not of the expected type\n", types[i].name);
      return -1;
    }
  }
  /* Many: Orders in (0, 1, 0, 1, ...) with 20000 values */
  size_t n = (size_t)snprintf(many_rule, sizeof many_rule, "Orders in (0");
  for (int i = 1; i < 20000; i++) n += (size_t)snprintf(many_rule + n, sizeof many_rule - n, ",%d", i % 2);
  snprintf(many_rule + n, sizeof many_rule - n, ")");
  return 0;
}

static int group_teardown(void **state) {
  store_schema_free(&schema);
  store_close(db);
  return 0;
}

/* ---- operators and types ---- */

static void test_numbers(void **state) {
  expect_group("numbers");
}

static void test_text_case_insensitive(void **state) {
  expect_group("text_case_insensitive");
  /* ordering text against a bare number would be alphabetical: refused; quoted, it is text */
  expect_error("Zip > 28000", "Zip is text, so ordering it against the number 28000 at column 7 would be alphabetical "
                              "(\"10\" < \"9\"); quote the value to mean text, or pin a number type with 'segship "
                              "schema set Zip real'");
  expect_error_prefix("Zip between 1 and 5", "Zip is text, so ordering it");
}

static void test_booleans(void **state) {
  expect_group("booleans");
}

static void test_dates(void **state) {
  expect_group("dates");
}

static void test_datetimes(void **state) {
  /* a date against a datetime means that whole day, in UTC */
  expect_group("datetimes");
}

static void test_relative_dates(void **state) {
  /* now is 2024-06-30T12:00:00Z */
  expect_group("relative_dates");

  /* the window moves with now */
  rule_compiled c;
  seg_err err;
  assert_int_equal(rule_compile("SignupDate within last 30 days", NULL, &schema, NULL, NULL,
                                NOW_MS + INT64_C(86400000) * 30, &c, &err),
                   SEG_OK);
  assert_int_equal(c.n_params, 2);
  assert_int_equal(c.params[0].type, ATTR_DATE);
  assert_int_equal(c.params[0].i, clock_days_from_civil(2024, 6, 30));
  assert_int_equal(c.params[1].i, clock_days_from_civil(2024, 7, 30));
  rule_compiled_free(&c);
  /* a month back from March 31st is the last day of February */
  assert_int_equal(rule_compile("LastSeen within last 1 month", NULL, &schema, NULL, NULL,
                                clock_days_from_civil(2024, 3, 31) * INT64_C(86400000), &c, &err),
                   SEG_OK);
  assert_int_equal(c.params[0].type, ATTR_DATETIME);
  assert_int_equal(c.params[0].i, clock_days_from_civil(2024, 2, 29) * 86400);
  rule_compiled_free(&c);
}

static void test_empty_values(void **state) {
  expect_group("empty_values");

  /* an attribute of type none (no value seen yet) is treated as text */
  store_schema none = {.attrs = malloc(schema.n * sizeof *schema.attrs), .n = schema.n};
  assert_non_null(none.attrs);
  memcpy(none.attrs, schema.attrs, schema.n * sizeof *schema.attrs);
  none.attrs[store_schema_find(&none, "Nothing")].type = ATTR_NONE;
  const char *rules[] = {"Nothing = \"x\"", "Nothing contains 5", "Nothing in (1, \"a\")", "not (Nothing < 2024-01-01)"};
  const char *want[] = {"", "", "", "1,2,3,4,5,6,7"};
  for (size_t i = 0; i < 4; i++) {
    rule_compiled c;
    seg_err err;
    char got[64] = "";
    assert_int_equal(rule_compile(rules[i], NULL, &none, NULL, NULL, NOW_MS, &c, &err), SEG_OK);
    store_where w = rule_where(&c);
    assert_int_equal(store_where_each_id(db, &w, -1, collect, got, &err), SEG_OK);
    if (strcmp(got, want[i]) != 0) fail_msg("rule %s on a none attribute: [%s]", rules[i], got);
    rule_compiled_free(&c);
  }
  free(none.attrs);
}

/* ---- logic ---- */

static void test_precedence(void **state) {
  expect_group("precedence");
}

static void test_not_includes_empty(void **state) {
  expect_group("not_includes_empty");
  /* the compiled expression itself: never NULL where `not` applies */
  rule_compiled c;
  seg_err err;
  assert_int_equal(compile("not (Country = \"Spain\")", NULL, &c, &err), SEG_OK);
  assert_non_null(strstr(c.sql, "IS NOT 1"));
  rule_compiled_free(&c);
}

/* ---- segments ---- */

static void test_segments(void **state) {
  expect_group("segments");

  rule_compiled c;
  seg_err err;
  int calls = 0;
  assert_int_equal(rule_compile("in segment \"vipnotspanish\" or in segment \"VIP\" or country = \"x\" or COUNTRY = \"y\"",
                                "Other", &schema, lookup, &calls, NOW_MS, &c, &err),
                   SEG_OK);
  assert_int_equal(c.n_segments, 3);
  assert_string_equal(c.segments[0], "VipNotSpanish");
  assert_string_equal(c.segments[1], "VIP");
  assert_string_equal(c.segments[2], "Spanish");
  assert_int_equal(c.n_attributes, 2);
  assert_string_equal(c.attributes[0], "LifetimeValue");
  assert_string_equal(c.attributes[1], "Country");
  assert_int_equal(calls, 3); /* "vip" and "VIP" are looked up once */
  rule_compiled_free(&c);
  assert_null(c.sql);

  /* without a lookup, segments cannot be used */
  assert_int_equal(rule_compile("in segment \"VIP\"", NULL, &schema, NULL, NULL, NOW_MS, &c, &err), SEG_EINVAL);
  assert_string_equal(err.msg,
                      "'in segment' at column 1 cannot be used here, where no saved segments are available; write "
                      "the conditions instead");
}

static void test_segment_errors(void **state) {
  assert_string_equal(error_of("in segment \"SelfRef\"", NULL),
                      "segment \"SelfRef\" refers to itself; remove that 'in segment'");
  assert_string_equal(error_of("Orders = 1 or in segment \"a\"", NULL),
                      "segment \"A\" refers to itself through \"B\"; remove one of these 'in segment'");
  /* saving A with this rule: A uses B, which uses A */
  assert_string_equal(error_of("in segment \"B\"", "A"),
                      "segment \"A\" refers to itself through \"B\"; remove one of these 'in segment'");
  assert_string_equal(error_of("Orders = 1 or in segment \"a\"", "a"),
                      "segment \"a\" refers to itself; remove that 'in segment'");
  assert_string_equal(error_of("in segment \"C1\"", NULL),
                      "segment \"C1\" refers to itself through \"C2\" and \"C3\"; remove one of these 'in segment'");
  assert_string_equal(error_of("in segment \"C2\"", "C1"),
                      "segment \"C1\" refers to itself through \"C2\" and \"C3\"; remove one of these 'in segment'");
  /* a new segment (not saved yet) that uses itself */
  assert_string_equal(error_of("Orders = 1 or in segment \"new\"", "New"),
                      "segment \"New\" refers to itself; remove that 'in segment'");
  /* the lookup's own failure is passed on as it is */
  rule_compiled c;
  seg_err err;
  assert_int_equal(compile("in segment \"VIP\" or in segment \"Failing\"", NULL, &c, &err), SEG_ESTORE);
  assert_string_equal(err.msg, "the store is busy; try again");
  assert_string_equal(error_of("Orders = 1 and in segment \"VIPP\"", NULL),
                      "unknown segment \"VIPP\" at column 16; check its name (names ignore case)");
  assert_string_equal(error_of("in segment \"Broken\"", NULL),
                      "in segment \"Broken\" (used at column 1): unknown attribute 'Contry' at column 1; did you mean "
                      "'Country'?");
  assert_string_equal(error_of("Orders = 1 or in segment \"BadSyntax\"", NULL),
                      "in segment \"BadSyntax\" (used at column 15): the rule ends where a value should follow '=' "
                      "(at column 11); add one, e.g. \"Spain\", 42 or 2024-01-31");
  assert_string_equal(error_of("in segment \"N1\"", NULL),
                      "segments nest more than 16 deep (through \"N17\" at column 1); use fewer segments within "
                      "segments");
  /* 4^9 conditions once inlined: refused (speed is the benchmarks' business, not a test's) */
  assert_string_equal(error_of("in segment \"E11\"", NULL),
                      "the rule is too large once its segments are inlined (more than 100000 conditions); simplify it "
                      "or the segments it uses");
  expect_group("segment_errors");
  /* 40000 values once inlined */
  assert_string_equal(error_of("in segment \"Many\" or not in segment \"Many\"", NULL),
                      "the rule uses more than 32766 values (counting those of the segments it uses), the most the "
                      "database accepts; use fewer values");
  expect_error_prefix("in segment \"N4\"", "segments nest more than 16 deep");
}

/* ---- injection ---- */

static void test_injection_is_inert(void **state) {
  expect_group("injection_is_inert");
  /* no user text in the SQL: only generated column names, keywords and placeholders */
  const char *rules[] = {"Name = \"O'Brien; DROP TABLE profiles; --\"", "`x\"; DROP TABLE profiles; --` = \"a\"",
                         "Country = \"x' OR 1=1 --\" or Name contains \"/*\"", "`Odd Name` in (\"a\", \"b;\")"};
  for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
    rule_compiled c;
    seg_err err;
    assert_int_equal(compile(rules[i], NULL, &c, &err), SEG_OK);
    for (const char *s = c.sql; *s; s++)
      if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ ?(),=<>", *s))
        fail_msg("rule %s: unexpected character '%c' in SQL %s", rules[i], *s, c.sql);
    assert_null(strstr(c.sql, "DROP"));
    assert_null(strstr(c.sql, "Brien"));
    rule_compiled_free(&c);
  }
  /* a name that is not an attribute is an error, never SQL */
  expect_error("`a; DROP TABLE profiles` = 1", "unknown attribute 'a; DROP TABLE profiles' at column 1; 'segship "
                                               "schema' lists the attributes");
}

/* ---- errors ---- */

static void test_error_messages(void **state) {
  static const struct {
    const char *rule, *msg;
  } cases[] = {
      {"", "the rule is empty; write a condition such as Country = \"Spain\""},
      {"  \n\t ", "the rule is empty; write a condition such as Country = \"Spain\""},
      {"Contry = \"Spain\"", "unknown attribute 'Contry' at column 1; did you mean 'Country'?"},
      {"Orders > 1 and lifetimevalu > 3", "unknown attribute 'lifetimevalu' at column 16; did you mean 'LifetimeValue'?"},
      {"Colour = \"red\"", "unknown attribute 'Colour' at column 1; 'segship schema' lists the attributes"},
      {"Country ~ \"x\"", "unknown operator '~' at column 9; use =, !=, <, <=, >, >=, contains, starts with, ends with, "
                          "in, between, is empty, within last, before or after"},
      {"Country =~ \"x\"", "unknown operator '=~' at column 9; use =, !=, <, <=, >, >=, contains, starts with, ends "
                           "with, in, between, is empty, within last, before or after"},
      {"Country contain \"x\"", "unknown operator 'contain' at column 9; did you mean 'contains'?"},
      {"Country startswith \"x\"", "unknown operator 'startswith' at column 9; use =, !=, <, <=, >, >=, contains, "
                                   "starts with, ends with, in, between, is empty, within last, before or after"},
      {"LifetimeValue = \"abc\"", "LifetimeValue is a number; \"abc\" at column 17 is text; compare it with a number"},
      {"Orders > 2024-01-01", "Orders is a number; 2024-01-01 at column 10 is a date; compare it with a number"},
      {"IsSubscribed = \"yes\"", "IsSubscribed is a boolean; \"yes\" at column 16 is text; compare it with true or false"},
      {"IsSubscribed = 1", "IsSubscribed is a boolean; 1 at column 16 is a number; compare it with true or false"},
      {"SignupDate > 5", "SignupDate is a date; 5 at column 14 is a number; compare it with a date such as 2024-01-31"},
      {"SignupDate = \"2024-01-01T10:00:00Z\"", "SignupDate is a date; \"2024-01-01T10:00:00Z\" at column 14 is a "
                                                "datetime; compare it with a date such as 2024-01-31"},
      {"LastSeen after \"soon\"", "LastSeen is a datetime; \"soon\" at column 16 is text; compare it with a date, or a "
                                  "date and time in quotes such as \"2024-01-31T10:00:00Z\""},
      {"Orders contains \"1\"", "'contains' at column 8 works on text only, and Orders is a number; use =, !=, <, <=, >, "
                                ">=, in or between"},
      {"Country within last 3 days", "'within last' at column 9 works on dates and datetimes only, and Country is "
                                     "text; use =, contains, starts with, ends with or in"},
      {"Orders before 3", "'before' at column 8 works on dates and datetimes only, and Orders is a number; use =, !=, "
                          "<, <=, >, >=, in or between"},
      {"IsSubscribed > false", "'>' at column 14 does not apply to IsSubscribed, a boolean; use IsSubscribed = true or "
                               "IsSubscribed = false"},
      {"IsSubscribed between false and true", "'between' at column 14 works on numbers, dates, datetimes and text "
                                              "only, and IsSubscribed is a boolean; use = true or = false"},
      {"Country", "Country at column 1 is text, so it needs an operator after it (only a boolean stands alone); write "
                  "e.g. Country = \"Spain\""},
      {"Country = \"\"", "\"\" at column 11 is empty text, which no value equals; to find profiles without a value "
                         "write Country is empty"},
      {"Orders between 5 and 1", "between 5 and 1 at column 8 matches nothing; put the smaller value first: between 1 "
                                 "and 5"},
      {"(Country = \"Spain\"", "missing ')' for the '(' at column 1; add it where the group ends"},
      {"(Country = \"Spain\" Orders = 1)", "expected 'and', 'or' or ')' at column 20, found 'Orders'"},
      {"Country = \"Spain\")", "unexpected ')' at column 18: there is no '(' for it to close; remove it"},
      {"Country = \"Spain\" Orders = 1", "unexpected 'Orders' at column 19; join conditions with 'and' or 'or'"},
      {"Country = \"Spain\" ;", "unexpected ';' at column 19; join conditions with 'and' or 'or'"},
      {"Country = \"Spain", "unterminated string starting at column 11; end it with a double quote (\")"},
      {"Country = 'Spain", "unterminated string starting at column 11; end it with a single quote (')"},
      {"`Odd Name = 1", "unterminated name starting at column 1; end it with a backquote (`)"},
      {"`` = 1", "empty attribute name at column 1; write the name between the backquotes"},
      {"Country = \"a\\qb\"", "unknown escape '\\q' at column 13; the escapes are \\\" \\' \\\\ \\n and \\t"},
      {"Country = Spain", "Spain at column 11 is not a value; put text in double quotes: \"Spain\""},
      {"Country = empty", "'empty' at column 11 is not a value; to find profiles without a value write 'is empty'"},
      {"Country =", "the rule ends where a value should follow '=' (at column 10); add one, e.g. \"Spain\", 42 or "
                    "2024-01-31"},
      {"Country = \"Spain\" and", "the rule ends too early (at column 22): a condition should follow 'and'"},
      {"and Country = \"Spain\"", "expected a condition at column 1, found 'and'; put one on each side of it"},
      {"Country = \"Spain\" or or Orders = 1", "expected a condition at column 22, found 'or'; put one on each side of it"},
      {"()", "empty parentheses at column 1; put a condition inside them"},
      {"Orders = 12abc", "malformed number '12abc' at column 10; write numbers like 42, -7 or 19.99"},
      {"SignupDate = 2024-02-30", "2024-02-30 at column 14 is not a valid date; write dates as YYYY-MM-DD"},
      {"LastSeen = 2024-01-01T10:00:00Z", "a date and time at column 12 goes in quotes, e.g. \"2024-01-31T10:00:00Z\""},
      {"País = \"x\"", "the name 'País' at column 1 has characters other than A-Z, 0-9 and _; put it in backquotes: "
                       "`País`"},
      {"Country is nothing", "expected 'empty' at column 12, as in Country is empty or Country is not empty; found "
                             "'nothing'"},
      {"Country not contains \"x\"", "expected 'in' or 'between' after 'not' at column 13, found 'contains'; to "
                                     "negate a condition put 'not' before it, as in not (Name contains \"x\")"},
      {"Country in \"Spain\"", "expected '(' after 'in' at column 12, as in Country in (\"Spain\", \"France\"); found "
                               "'\"Spain\"'"},
      {"Country in (\"Spain\" \"France\")", "expected ',' or ')' in the list of values at column 21, found "
                                           "'\"France\"'"},
      {"Country in (\"Spain\",", "the rule ends where a value should follow ',' (at column 21); add one, e.g. "
                                 "\"Spain\", 42 or 2024-01-31"},
      {"SignupDate within 3 days", "expected 'last' or 'next' after 'within' at column 19, as in within last 30 days; "
                                   "found '3'"},
      {"SignupDate within last 1.5 days", "expected a whole number from 0 to 1000000 at column 24, as in within last "
                                          "30 days; found '1.5'"},
      {"SignupDate within last -3 days", "expected a whole number from 0 to 1000000 at column 24, as in within last "
                                         "30 days; found '-3'"},
      {"SignupDate within last 3 fortnights", "expected a unit at column 26, found 'fortnights'; use hours, days, "
                                              "weeks, months or years"},
      {"Orders between 1 or 5", "expected 'and' at column 18, as in Orders between 1 and 5; found 'or'"},
      {"Country = `City`", "'`City`' at column 11 is an attribute name, and a rule compares attributes with values "
                           "only; put text in double quotes"},
      {"in VIP", "expected 'segment' at column 4, as in in segment \"VIP\"; found 'VIP' (an attribute named 'in' goes "
                 "in backquotes: `in`)"},
      {"in segment VIP", "put the segment name at column 12 in double quotes: in segment \"VIP\""},
      {"Country = \"Spain\" and\n  Contry = \"x\"", "unknown attribute 'Contry' at line 2, column 3; did you mean "
                                                   "'Country'?"},
      {"City = \"Málaga\" and Ciudad = 1", "unknown attribute 'Ciudad' at column 21; 'segship schema' lists the "
                                           "attributes"},
      {"LastSeen = \"0001-01-01T00:00:00+01:00\"", "\"0001-01-01T00:00:00+01:00\" at column 12 is outside the years "
                                                   "0001 to 9999; use a date within them"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) expect_error(cases[i].rule, cases[i].msg);
}

static void test_invalid_utf8(void **state) {
  expect_error("Country = \"Espa\xf1" "a\"", "the rule is not valid UTF-8 (a bad byte at column 16); save it as UTF-8");
  expect_error("City = \"Málaga\" and Name = \"\xc3\x28\"",
               "the rule is not valid UTF-8 (a bad byte at column 29); save it as UTF-8");
  expect_error("\xed\xa0\x80", "the rule is not valid UTF-8 (a bad byte at column 1); save it as UTF-8");
}

/* ---- limits ---- */

static char *repeat(const char *head, const char *unit, size_t times, const char *tail) {
  size_t hn = strlen(head), un = strlen(unit), tn = strlen(tail);
  char *s = malloc(hn + un * times + tn + 1);
  assert_non_null(s);
  memcpy(s, head, hn);
  for (size_t i = 0; i < times; i++) memcpy(s + hn + i * un, unit, un);
  memcpy(s + hn + un * times, tail, tn + 1);
  return s;
}

static void test_size_limit(void **state) {
  /* exactly 64 KiB is accepted; one byte more is refused before it is read */
  char *rule = repeat("Orders = 1", " ", RULE_MAX_BYTES - 10, "");
  assert_int_equal(strlen(rule), RULE_MAX_BYTES);
  expect_ids(rule, "2");
  free(rule);
  rule = repeat("Orders = 1", " ", RULE_MAX_BYTES - 9, "");
  expect_error(rule, "the rule is longer than 64 KiB (65536 bytes), the most a rule may be; shorten it, for example by "
                     "moving parts into segments used with 'in segment'");
  free(rule);
  /* 1 MB of conditions: refused before it is read */
  rule = repeat("Orders = 1", " or Orders = 1", 75000, "");
  expect_error_prefix(rule, "the rule is longer than 64 KiB");
  free(rule);
  /* the largest list that fits in 64 KiB compiles */
  rule = repeat("Orders in (0", ",1", (RULE_MAX_BYTES - 13) / 2, ")");
  assert_true(strlen(rule) <= RULE_MAX_BYTES);
  expect_ids(rule, "2,3");
  free(rule);
  /* 16,000 strings in 64 KiB: memory in proportion to the rule, not to strings times its length */
  rule = repeat("Country in (\"a\"", ",\"a\"", (RULE_MAX_BYTES - 20) / 4, ")");
  struct rusage before, after;
  getrusage(RUSAGE_SELF, &before);
  expect_ids(rule, "");
  getrusage(RUSAGE_SELF, &after);
  if (after.ru_maxrss - before.ru_maxrss > 100 * 1024) fail_msg("peak memory grew by %ld KiB", after.ru_maxrss - before.ru_maxrss);
  free(rule);
  /* thousands of conditions in one chain stay within SQLite's expression depth */
  rule = repeat("Orders = 10", " or Orders = 1", 4000, "");
  expect_ids(rule, "2,4");
  free(rule);
  rule = repeat("Orders >= 0", " and Orders != 10", 3000, "");
  expect_ids(rule, "1,2,3,5,6,7");
  free(rule);
}

static void test_depth_limit(void **state) {
  char msg[200];
  /* 64 levels of parentheses are fine, 65 are not */
  char *rule = repeat("", "(", RULE_MAX_DEPTH, "Orders = 1");
  char *closed = repeat(rule, ")", RULE_MAX_DEPTH, "");
  expect_ids(closed, "2");
  free(rule);
  free(closed);
  rule = repeat("", "(", RULE_MAX_DEPTH + 1, "Orders = 1");
  snprintf(msg, sizeof msg, "the rule nests parentheses and 'not' more than 64 levels deep (at column %d); simplify it",
           RULE_MAX_DEPTH + 1);
  expect_error(rule, msg);
  free(rule);
  /* 60,000 parentheses (within 64 KiB): the same clear error, no stack overflow */
  rule = repeat("", "(", 60000, "");
  expect_error(rule, msg);
  free(rule);
  /* 100,000 are more than 64 KiB: refused before they are read */
  rule = repeat("", "(", 100000, "");
  expect_error_prefix(rule, "the rule is longer than 64 KiB");
  free(rule);
  rule = repeat("", "not ", 16000, "IsSubscribed");
  expect_error(rule, "the rule nests parentheses and 'not' more than 64 levels deep (at column 257); simplify it");
  free(rule);
  rule = repeat("", "not ", RULE_MAX_DEPTH, "IsSubscribed");
  expect_ids(rule, "1,4,6,7");
  free(rule);
  rule = repeat("", "not (Orders = 1 or ", 3000, "");
  expect_error_prefix(rule, "the rule nests parentheses and 'not' more than 64 levels deep");
  free(rule);

  /* Alternating and/or groups as deep as a rule may nest: each either evaluates or is refused
   * with a clear message, never with an error from SQLite. */
  for (int depth = 1; depth < RULE_MAX_DEPTH; depth++) {
    for (int shape = 0; shape < 3; shape++) {
      buf b;
      buf_init(&b, 0);
      buf_puts(&b, "Orders = 1");
      for (int i = 0; i < depth; i++) {
        const char *op = i % 2 ? " and " : " or ";
        char *inner = buf_detach(&b);
        if (shape == 0) buf_printf(&b, "Country = \"Spain\"%s(%s)", op, inner);
        else if (shape == 1) buf_printf(&b, "(%s)%snot (Country = \"Spain\")", inner, op);
        else buf_printf(&b, "Zip = 1%sZip = 2%sZip = 3%sZip = 4%s(%s)", op, op, op, op, inner);
        free(inner);
      }
      rule_compiled c;
      seg_err err;
      seg_code rc = compile(buf_str(&b), NULL, &c, &err);
      if (rc == SEG_OK) {
        store_where w = rule_where(&c);
        int64_t n;
        if (store_where_count(db, &w, &n, &err) != SEG_OK) fail_msg("depth %d shape %d: %s", depth, shape, err.msg);
        rule_compiled_free(&c);
      } else {
        assert_int_equal(rc, SEG_ELIMIT);
        assert_string_equal(err.msg, "the rule nests its groups too deeply for the database to evaluate; use fewer "
                                     "levels of parentheses");
        if (depth < 60) fail_msg("depth %d shape %d refused: %s", depth, shape, err.msg);
      }
      buf_free(&b);
    }
  }
}

/* ---- the interface ---- */

static void test_compiled_output(void **state) {
  rule_compiled c;
  seg_err err;
  assert_int_equal(compile("Country = \"Spain\" and (Orders > 2 or Name contains \"x\") and IsSubscribed", NULL, &c,
                           &err),
                   SEG_OK);
  assert_int_equal(c.n_params, 4);
  assert_int_equal(c.params[0].type, ATTR_TEXT);
  assert_int_equal(c.params[0].n, 5);
  assert_memory_equal(c.params[0].s, "Spain", 6); /* owned by c, NUL-terminated */
  assert_int_equal(c.params[1].type, ATTR_INTEGER);
  assert_int_equal(c.params[1].i, 2);
  assert_int_equal(c.params[2].type, ATTR_TEXT);
  assert_int_equal(c.params[3].type, ATTR_BOOLEAN);
  assert_int_equal(c.n_attributes, 4);
  assert_string_equal(c.attributes[0], "Country");
  assert_string_equal(c.attributes[3], "IsSubscribed");
  assert_int_equal(c.n_segments, 0);
  store_where w = rule_where(&c);
  assert_ptr_equal(w.sql, c.sql);
  assert_ptr_equal(w.params, c.params);
  assert_int_equal(w.n_params, 4);
  int64_t n;
  assert_int_equal(store_where_count(db, &w, &n, &err), SEG_OK);
  assert_int_equal(n, 1);
  rule_compiled_free(&c);
  rule_compiled_free(&c); /* freeing twice is harmless */

  /* the same rule gives the same SQL */
  rule_compiled a, b;
  assert_int_equal(compile("Orders > 1 or Country = \"x\" and Zip = 1", NULL, &a, &err), SEG_OK);
  assert_int_equal(compile("Orders > 1 or Country = \"x\" and Zip = 1", NULL, &b, &err), SEG_OK);
  assert_string_equal(a.sql, b.sql);
  rule_compiled_free(&a);
  rule_compiled_free(&b);

  /* a NULL err is allowed; a failure leaves out empty */
  assert_int_equal(rule_compile("Contry = 1", NULL, &schema, NULL, NULL, NOW_MS, &c, NULL), SEG_EINVAL);
  assert_null(c.sql);
  assert_null(c.params);
  assert_null(c.attributes);
  assert_int_equal(rule_compile(NULL, NULL, &schema, NULL, NULL, NOW_MS, &c, &err), SEG_EINVAL);
}

static void test_check_syntax_and_normalize(void **state) {
  seg_err err;
  assert_int_equal(rule_check_syntax("Anything = 1 and (Whatever contains \"x\" or in segment \"S\")", &err), SEG_OK);
  assert_int_equal(rule_check_syntax("Country ~ \"x\"", &err), SEG_EINVAL);
  assert_string_equal(err.msg, "unknown operator '~' at column 9; use =, !=, <, <=, >, >=, contains, starts with, ends "
                               "with, in, between, is empty, within last, before or after");
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"country='Spain'  AND   ((orders>2))", "country = \"Spain\" and orders > 2"},
      {"NOT (A = 1 OR B = 2) and C <> \"x\\\"y\"", "not (A = 1 or B = 2) and C != \"x\\\"y\""},
      {"(a = 1 and b = 2) or c = 3", "a = 1 and b = 2 or c = 3"},
      {"a = 1 and (b = 2 or c = 3)", "a = 1 and (b = 2 or c = 3)"},
      {"`Odd Name` IN ( 1,2 ) or `in` is NOT empty", "`Odd Name` in (1, 2) or `in` is not empty"},
      {"`a``b` = TRUE", "`a``b` = true"},
      {"d WITHIN LAST 1 DAYS or e within next 2 week", "d within last 1 day or e within next 2 weeks"},
      {"x not between 1 and 2 and y starts with 'a' and z ends with \"b\"",
       "x not between 1 and 2 and y starts with \"a\" and z ends with \"b\""},
      {"not in segment 'VIP' and d before 2024-01-01 and e after \"2024-01-01\"",
       "not in segment \"VIP\" and d before 2024-01-01 and e after \"2024-01-01\""},
      {"flag and not flag2", "flag and not flag2"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *out, *again;
    assert_int_equal(rule_normalize(cases[i].in, &out, &err), SEG_OK);
    if (strcmp(out, cases[i].out) != 0) fail_msg("normalising %s gave %s, expected %s", cases[i].in, out, cases[i].out);
    assert_int_equal(rule_normalize(out, &again, &err), SEG_OK);
    assert_string_equal(again, out);
    free(out);
    free(again);
  }
  char *out = (char *)"unchanged";
  assert_int_equal(rule_normalize("a = ", &out, &err), SEG_EINVAL);
  assert_null(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_text_case_insensitive),
      cmocka_unit_test(test_booleans),
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_datetimes),
      cmocka_unit_test(test_relative_dates),
      cmocka_unit_test(test_empty_values),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_not_includes_empty),
      cmocka_unit_test(test_segments),
      cmocka_unit_test(test_segment_errors),
      cmocka_unit_test(test_injection_is_inert),
      cmocka_unit_test(test_error_messages),
      cmocka_unit_test(test_invalid_utf8),
      cmocka_unit_test(test_size_limit),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_compiled_output),
      cmocka_unit_test(test_check_syntax_and_normalize),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
