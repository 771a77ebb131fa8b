/* test_postgres_dialect.c: every rule of the rules suite (rule_cases.h, and test_rule's generated
 * giants) evaluated by SQLite over the store and by PostgreSQL over a table of the same profiles
 * (the seven of test_rule and 3000 generated ones, rich in non-ASCII case pairs, empty and
 * padded text, and dates around "now"), the members compared one by one. Needs a server:
 * SEGSHIP_TEST_PG_URI (tests/run.sh runs this file under scripts/with-postgres.sh); skips without. */
#include "helpers.h"

#include <libpq-fe.h>

#include "ingest/ingest.h"
#include "segment/rule.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"
#include "rule_cases.h"

#define GENERATED 3000

static store *db;
static store_schema schema;
static PGconn *pg;
static const char **columns;
static unsigned *oids;

/* ---- the profiles ---- */

static uint64_t rng = 0x9E3779B97F4A7C15u;
static unsigned pick(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

static void put_field(buf *b, const char *v) {
  if (!strpbrk(v, ",\"\n\r") && v[0] != ' ' && (v[0] == '\0' || v[strlen(v) - 1] != ' ')) {
    buf_puts(b, v);
    return;
  }
  buf_putc(b, '"');
  for (const char *p = v; *p; p++) {
    if (*p == '"') buf_putc(b, '"');
    buf_putc(b, *p);
  }
  buf_putc(b, '"');
}

#define POOL(name, ...) static const char *const name[] = {__VA_ARGS__}
POOL(countries, "Spain", "spain", "SPAIN", "España", "ESPAÑA", "españa", "France", "FRANCE", "Italy", "Germany",
     "ÖSTERREICH", "Österreich", "Ísland", "", " Spain ", "\"\"", "Ελλάδα", "ΕΛΛΆΔΑ");
POOL(cities, "Málaga", "MÁLAGA", "malaga", "Madrid", "Paris", "Cádiz", "CÁDIZ", "İzmir", "izmir", "Straße", "STRASSE",
     "Σίφνος", "ΣΊΦΝΟΣ", "Berlin", "", "Milano", "Київ", "КИЇВ");
POOL(names, "ÉCOLE Primaire", "école normale", "Juan Pérez", "JUAN PÉREZ", "Anna", "Zoë", "ZOË", "O'Brien",
     "say \"hi\" /* x */ \\", "Ǆemal", "ǅemal", "ﬁne", "\xe2\x84\xaa" "elvin", "kelvin", "İbrahim", "ıbrahim",
     "", "  padded  ", "x' OR 1=1 --", "Ωmega", "ωmega", "Straße");
POOL(odd, "a", "A", "b", "", "B");
POOL(xcol, "p", "P", "q", "");
POOL(bools, "true", "false", "");

static void add_generated(buf *b) {
  char v[64];
  for (int i = 0; i < GENERATED; i++) {
    snprintf(v, sizeof v, "g%04d", i);
    buf_puts(b, v);
    buf_putc(b, ',');
    put_field(b, countries[pick(sizeof countries / sizeof *countries)]);
    buf_putc(b, ',');
    put_field(b, cities[pick(sizeof cities / sizeof *cities)]);
    buf_putc(b, ',');
    put_field(b, names[pick(sizeof names / sizeof *names)]);
    buf_putc(b, ',');
    unsigned k = pick(10);
    if (k == 0) v[0] = '\0';
    else if (k < 4) snprintf(v, sizeof v, "%d", (int)pick(1200) - 10);
    else snprintf(v, sizeof v, "%d.%02u", (int)pick(1200) - 10, pick(100));
    if (k == 9) snprintf(v, sizeof v, "%s", (const char *[]){"150.5", "20", "-5.25", "1000", "0", "75"}[pick(6)]);
    buf_puts(b, v);
    buf_putc(b, ',');
    if (pick(12) == 0) v[0] = '\0';
    else snprintf(v, sizeof v, "%u", pick(13));
    buf_puts(b, v);
    buf_putc(b, ',');
    buf_puts(b, bools[pick(3)]);
    buf_putc(b, ',');
    /* dates: 2019-06 to 2024-08, boundaries of the relative windows often */
    int64_t today = clock_days_from_civil(2024, 6, 30);
    if (pick(10) == 0) v[0] = '\0';
    else {
      int64_t d = pick(3) == 0 ? today + (int64_t)pick(70) - 40 : today - (int64_t)pick(1900) + 40;
      clock_format_date(d, v);
    }
    buf_puts(b, v);
    buf_putc(b, ',');
    /* datetimes: within 40 days of now, some on midnights and on the second of now */
    int64_t now = NOW_MS / 1000;
    unsigned m = pick(10);
    if (m == 0) v[0] = '\0';
    else {
      int64_t t = now + (int64_t)pick(80 * 86400) - 60 * 86400;
      if (m == 1) t = (t / 86400) * 86400;
      if (m == 2) t = now + (int64_t)pick(7) - 3;
      if (m == 3) t = now - 86400 * 2 + (int64_t)pick(5) - 2;
      clock_format_datetime(t, v);
    }
    buf_puts(b, v);
    buf_putc(b, ',');
    if (pick(5) == 0) v[0] = '\0';
    else snprintf(v, sizeof v, "%05u", pick(100000));
    buf_puts(b, v);
    buf_puts(b, ",,"); /* Nothing stays empty */
    put_field(b, odd[pick(sizeof odd / sizeof *odd)]);
    buf_putc(b, ',');
    put_field(b, xcol[pick(sizeof xcol / sizeof *xcol)]);
    buf_putc(b, '\n');
  }
}

static const char *pg_type(attr_type t) {
  switch (t) {
    case ATTR_INTEGER: return "bigint";
    case ATTR_REAL: return "double precision";
    case ATTR_BOOLEAN: return "boolean";
    case ATTR_DATE: return "date";
    case ATTR_DATETIME: return "timestamptz";
    default: return "text";
  }
}

static unsigned pg_oid(attr_type t) {
  switch (t) {
    case ATTR_INTEGER: return 20;
    case ATTR_REAL: return 701;
    case ATTR_BOOLEAN: return 16;
    case ATTR_DATE: return 1082;
    case ATTR_DATETIME: return 1184;
    default: return 25;
  }
}

static bool exec_ok(const char *sql) {
  PGresult *r = PQexec(pg, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

static int group_setup(void **state) {
  const char *uri = getenv("SEGSHIP_TEST_PG_URI");
  if (!uri || !*uri) return 0; /* every test skips */
  buf csv;
  buf_init(&csv, 0);
  buf_puts(&csv, profiles_csv);
  add_generated(&csv);
  const char *path = test_write_file("profiles.csv", buf_str(&csv), (long)csv.len);

  char dbpath[512];
  snprintf(dbpath, sizeof dbpath, "%s/dialect.db", test_tmpdir());
  seg_err err;
  if (store_open(dbpath, STORE_OPEN_CREATE, &db, &err) != SEG_OK) return -1;
  ingest_options o = {.path = path};
  ingest_report r;
  if (ingest_import(db, &o, &r, &err) != SEG_OK || r.rejected != 0) {
    fprintf(stderr, "import: %s (%lld rejected)\n", err.msg, (long long)r.rejected);
    return -1;
  }
  ingest_report_free(&r);
  if (store_schema_load(db, &schema, &err) != SEG_OK) return -1;
  static const struct {
    const char *name;
    attr_type type;
  } types[] = {{"Country", ATTR_TEXT},         {"LifetimeValue", ATTR_REAL}, {"Orders", ATTR_INTEGER},
               {"IsSubscribed", ATTR_BOOLEAN}, {"SignupDate", ATTR_DATE},    {"LastSeen", ATTR_DATETIME},
               {"Zip", ATTR_TEXT},             {"Nothing", ATTR_TEXT}};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    int k = store_schema_find(&schema, types[i].name);
    if (k < 0 || schema.attrs[k].type != types[i].type) {
      fprintf(stderr, "attribute %s is not of the expected type\n", types[i].name);
      return -1;
    }
  }
  size_t n = (size_t)snprintf(many_rule, sizeof many_rule, "Orders in (0");
  for (int i = 1; i < 20000; i++) n += (size_t)snprintf(many_rule + n, sizeof many_rule - n, ",%d", i % 2);
  snprintf(many_rule + n, sizeof many_rule - n, ")");

  /* The same profiles in PostgreSQL, each column of its attribute's type. */
  pg = PQconnectdb(uri);
  if (PQstatus(pg) != CONNECTION_OK) {
    fprintf(stderr, "connect: %s\n", PQerrorMessage(pg));
    return -1;
  }
  columns = calloc(schema.n, sizeof *columns);
  oids = calloc(schema.n, sizeof *oids);
  buf ddl;
  buf_init(&ddl, 0);
  buf_puts(&ddl, "SET TimeZone = 'UTC'; CREATE TABLE dialect_profiles (");
  for (size_t i = 0; i < schema.n; i++) {
    columns[i] = schema.attrs[i].name;
    oids[i] = pg_oid(schema.attrs[i].type);
    if (i) buf_puts(&ddl, ", ");
    rule_pg_ident(&ddl, schema.attrs[i].name);
    buf_printf(&ddl, " %s", pg_type(schema.attrs[i].type));
  }
  buf_puts(&ddl, ")");
  bool ok = exec_ok(buf_str(&ddl));
  buf_free(&ddl);
  PGresult *res = ok ? PQexec(pg, "COPY dialect_profiles FROM STDIN WITH (FORMAT csv, HEADER true)") : NULL;
  ok = ok && PQresultStatus(res) == PGRES_COPY_IN;
  PQclear(res);
  ok = ok && PQputCopyData(pg, buf_str(&csv), (int)csv.len) == 1 && PQputCopyEnd(pg, NULL) == 1;
  res = ok ? PQgetResult(pg) : NULL;
  if (!ok || PQresultStatus(res) != PGRES_COMMAND_OK) {
    fprintf(stderr, "copy: %s\n", PQerrorMessage(pg));
    ok = false;
  }
  PQclear(res);
  while ((res = PQgetResult(pg))) PQclear(res);
  buf_free(&csv);
  return ok ? 0 : -1;
}

static int group_teardown(void **state) {
  if (pg) PQfinish(pg);
  free(columns);
  free(oids);
  store_schema_free(&schema);
  if (db) store_close(db);
  return 0;
}

/* ---- comparing ---- */

typedef struct idlist {
  char **ids;
  size_t n, cap;
} idlist;

static int add_id(const char *id, void *ctx) {
  idlist *l = ctx;
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 64;
    l->ids = realloc(l->ids, l->cap * sizeof *l->ids);
  }
  l->ids[l->n++] = strdup(id);
  return 0;
}

static void idlist_free(idlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->ids[i]);
  free(l->ids);
  memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Members by SQLite (the store) and by PostgreSQL; fails with the first difference. Returns the
 * fixed profiles (1..7) PostgreSQL selected, "1,3", in a static buffer. */
static const char *compare(const char *rule) {
  static char fixed[64];
  fixed[0] = '\0';
  rule_compiled lc, pc;
  seg_err err;
  if (rule_compile(rule, NULL, &schema, lookup, NULL, NOW_MS, &lc, &err) != SEG_OK)
    fail_msg("rule %.80s: %s", rule, err.msg);
  rule_pg_target t = {.columns = columns, .oids = oids};
  if (rule_compile_pg(rule, NULL, &schema, lookup, NULL, NOW_MS, &t, &pc, &err) != SEG_OK)
    fail_msg("rule %.80s (PostgreSQL): %s", rule, err.msg);
  idlist a = {0}, b = {0};
  store_where w = rule_where(&lc);
  if (store_where_each_id(db, &w, -1, add_id, &a, &err) != SEG_OK) fail_msg("rule %.80s: %s", rule, err.msg);

  buf q;
  buf_init(&q, 0);
  buf_printf(&q, "SELECT \"CustomerId\" FROM dialect_profiles WHERE %s", pc.sql);
  const char **params = calloc(pc.n_params + 1, sizeof *params);
  char (*scratch)[64] = calloc(pc.n_params + 1, sizeof *scratch);
  char **owned = calloc(pc.n_params + 1, sizeof *owned);
  for (size_t i = 0; i < pc.n_params; i++) {
    size_t len;
    const char *s = rule_pg_param_text(&pc.params[i], scratch[i], sizeof scratch[i], &len);
    owned[i] = strndup(s, len); /* text params are not NUL-terminated at len in general */
    params[i] = owned[i];
  }
  PGresult *res = PQexecParams(pg, buf_str(&q), (int)pc.n_params, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK)
    fail_msg("rule %.80s: PostgreSQL says %s for %.300s", rule, PQresultErrorMessage(res), pc.sql);
  for (int i = 0; i < PQntuples(res); i++) add_id(PQgetvalue(res, i, 0), &b);
  PQclear(res);
  for (size_t i = 0; i < pc.n_params; i++) free(owned[i]);
  free(owned);
  free(scratch);
  free(params);
  buf_free(&q);

  if (a.n) qsort(a.ids, a.n, sizeof *a.ids, cmp_str);
  if (b.n) qsort(b.ids, b.n, sizeof *b.ids, cmp_str);
  size_t i = 0, j = 0;
  while (i < a.n || j < b.n) {
    int c = i == a.n ? 1 : j == b.n ? -1 : strcmp(a.ids[i], b.ids[j]);
    if (c != 0)
      fail_msg("rule %.80s: profile %s is selected by %s only (SQLite %zu members, PostgreSQL %zu)\n  %.400s", rule,
               c < 0 ? a.ids[i] : b.ids[j], c < 0 ? "SQLite" : "PostgreSQL", a.n, b.n, pc.sql);
    if (b.ids[j][0] != 'g') {
      size_t len = strlen(fixed);
      snprintf(fixed + len, sizeof fixed - len, "%s%s", len ? "," : "", b.ids[j]);
    }
    i++;
    j++;
  }
  idlist_free(&a);
  idlist_free(&b);
  rule_compiled_free(&lc);
  rule_compiled_free(&pc);
  return fixed;
}

static void compare_group(const char *group) {
  if (!pg) skip();
  size_t n = 0;
  for (size_t i = 0; i < N_RULE_CASES; i++) {
    if (strcmp(rule_cases[i].group, group) != 0) continue;
    const char *fixed = compare(rule_cases[i].rule);
    /* ids sort as text here ("10" before "2" cannot happen: the fixed ids are 1..7) */
    if (strcmp(fixed, rule_cases[i].ids) != 0)
      fail_msg("rule %.80s: PostgreSQL selected [%s] of the seven, test_rule expects [%s]", rule_cases[i].rule, fixed,
               rule_cases[i].ids);
    n++;
  }
  assert_true(n > 0);
}

#define GROUP(name) \
  static void test_##name(void **state) { compare_group(#name); }
GROUP(numbers)
GROUP(text_case_insensitive)
GROUP(booleans)
GROUP(dates)
GROUP(datetimes)
GROUP(relative_dates)
GROUP(empty_values)
GROUP(precedence)
GROUP(not_includes_empty)
GROUP(segments)
GROUP(segment_errors)
GROUP(injection_is_inert)

static char *repeat(const char *head, const char *unit, size_t times, const char *tail) {
  buf b;
  buf_init(&b, 0);
  buf_puts(&b, head);
  for (size_t i = 0; i < times; i++) buf_puts(&b, unit);
  buf_puts(&b, tail);
  return buf_detach(&b);
}

/* test_rule's generated rules (size and depth), and rules over the generated profiles' tricky text. */
static void test_generated_rules(void **state) {
  if (!pg) skip();
  char *big[] = {repeat("Orders = 1", " ", RULE_MAX_BYTES - 10, ""), repeat("Orders in (0", ",1", (RULE_MAX_BYTES - 13) / 2, ")"),
                 repeat("Country in (\"a\"", ",\"a\"", (RULE_MAX_BYTES - 20) / 4, ")"),
                 repeat("Orders = 10", " or Orders = 1", 4000, ""), repeat("Orders >= 0", " and Orders != 10", 3000, ""),
                 repeat("", "not ", RULE_MAX_DEPTH, "IsSubscribed")};
  for (size_t i = 0; i < sizeof big / sizeof *big; i++) {
    compare(big[i]);
    free(big[i]);
  }
  static const char *const more[] = {
      "City = \"izmir\"", "City = \"İZMİR\"", "City = \"strasse\"", "City = \"straße\"", "City = \"σίφνος\"",
      "City = \"київ\"", "City < \"m\"", "City between \"c\" and \"m\"", "City > \"σ\"", "Name = \"ǆemal\"",
      "Name = \"kelvin\"", "Name starts with \"\xe2\x84\xaa\"", "Name contains \"ﬁ\"", "Name = \"ıbrahim\"",
      "Name = \"İbrahim\"", "Name ends with \"MEGA\"", "Name = \"padded\"", "Name starts with \"pad\"",
      "Name ends with \"ded\"", "Name is empty", "not (Name contains \"e\")", "Country = \"spain\"",
      "Country = \"ελλάδα\"", "Country = \"österreich\"", "Country is empty", "Country not in (\"spain\", \"france\")",
"LastSeen within last 2 days", "LastSeen within next 3 hours", "LastSeen = 2024-06-30",
      "LastSeen after 2024-06-29", "SignupDate within last 1 month", "SignupDate within next 10 days",
      "not (SignupDate within last 1 year)", "LifetimeValue > 150.5", "LifetimeValue between -5.25 and 20",
      "LifetimeValue in (0, 75, 1000)", "Orders not in (0, 12)", "not IsSubscribed", "IsSubscribed != false",
      "Zip starts with \"0\"", "Zip > \"5\"", "`Odd Name` = \"a\" and not (`x\"; DROP TABLE profiles; --` = \"p\")",
      "in segment \"VipNotSpanish\" or in segment \"Unsubscribed\""};
  for (size_t i = 0; i < sizeof more / sizeof *more; i++) compare(more[i]);
}

/* The dialect binds every value: no user text in the SQL but quoted column names. */
static void test_values_are_bound(void **state) {
  if (!pg) skip();
  rule_pg_target t = {.columns = columns, .oids = oids};
  rule_compiled c;
  seg_err err;
  assert_int_equal(rule_compile_pg("Name = \"O'Brien; DROP TABLE x; --\" or Zip contains \"$1\"", NULL, &schema, lookup,
                                   NULL, NOW_MS, &t, &c, &err),
                   SEG_OK);
  assert_null(strstr(c.sql, "Brien"));
  assert_null(strstr(c.sql, "DROP"));
  assert_int_equal(c.n_params, 2);
  assert_non_null(strstr(c.sql, "\"Name\""));
  rule_compiled_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_numbers),          cmocka_unit_test(test_text_case_insensitive),
      cmocka_unit_test(test_booleans),         cmocka_unit_test(test_dates),
      cmocka_unit_test(test_datetimes),        cmocka_unit_test(test_relative_dates),
      cmocka_unit_test(test_empty_values),     cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_not_includes_empty), cmocka_unit_test(test_segments),
      cmocka_unit_test(test_segment_errors),   cmocka_unit_test(test_injection_is_inert),
      cmocka_unit_test(test_generated_rules),  cmocka_unit_test(test_values_are_bound),
  };
  return cmocka_run_group_tests_name("postgres_dialect", tests, group_setup, group_teardown);
}
