/* fuzz_rule.c: libFuzzer target for the rule language. Feeds arbitrary bytes as a rule to
 * rule_compile against a fixed schema (every type) and a fixed set of segments (one referring to
 * itself, two referring to each other), and checks, beyond the sanitizers:
 *   - a failure leaves the output empty and says why; a success has one value per placeholder;
 *   - the SQL prepares and runs in SQLite as store_where would run it (limits included);
 *   - rule_check_syntax agrees with rule_compile about syntax errors;
 *   - normalising is idempotent and the normalised rule compiles to the same SQL and values.
 * Build and run: make fuzz [FUZZ_SECONDS=60]. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "segment/rule.h"

#define NOW_MS (INT64_C(1719748800) * 1000) /* 2024-06-30T12:00:00Z */

static store_attr attrs[] = {
    {.id = 1, .name = "CustomerId", .type = ATTR_TEXT, .is_id = true, .col = "customer_id"},
    {.id = 2, .name = "Country", .type = ATTR_TEXT, .col = "a2"},
    {.id = 3, .name = "City", .type = ATTR_TEXT, .col = "a3"},
    {.id = 4, .name = "LifetimeValue", .type = ATTR_REAL, .col = "a4"},
    {.id = 5, .name = "Orders", .type = ATTR_INTEGER, .col = "a5"},
    {.id = 6, .name = "IsSubscribed", .type = ATTR_BOOLEAN, .col = "a6"},
    {.id = 7, .name = "SignupDate", .type = ATTR_DATE, .col = "a7"},
    {.id = 8, .name = "LastSeen", .type = ATTR_DATETIME, .col = "a8"},
    {.id = 9, .name = "Nothing", .type = ATTR_NONE, .col = "a9"},
    {.id = 10, .name = "Odd Name; --", .type = ATTR_TEXT, .col = "a10"},
    {.id = 11, .name = "Ciudad Málaga", .type = ATTR_TEXT, .col = "a11"},
};
static const store_schema schema = {.attrs = attrs, .n = sizeof attrs / sizeof *attrs};

static const struct {
  const char *name, *rule;
} segments[] = {
    {"VIP", "LifetimeValue >= 100"},
    {"Spanish", "Country = \"Spain\" or City in (\"Madrid\", \"Málaga\")"},
    {"Self", "Orders > 1 or in segment \"self\""},
    {"Ping", "in segment \"Pong\" and IsSubscribed"},
    {"Pong", "not in segment \"ping\""},
    {"Recent", "LastSeen within last 30 days and not (SignupDate before 2020-01-01)"},
    {"Nested", "in segment \"VIP\" and not in segment \"Spanish\" or in segment \"Recent\""},
    {"Broken", "Contry ~ 1"},
};

static seg_code lookup(void *ctx, const char *name, char **rule_text, char *canonical, size_t cap, seg_err *err) {
  for (size_t i = 0; i < sizeof segments / sizeof *segments; i++)
    if (strcasecmp(segments[i].name, name) == 0) {
      *rule_text = strdup(segments[i].rule);
      if (!*rule_text) return seg_err_set(err, SEG_ENOMEM, "out of memory");
      snprintf(canonical, cap, "%s", segments[i].name);
      return SEG_OK;
    }
  return seg_err_set(err, SEG_ENOTFOUND, "there is no segment '%s'", name);
}

/* ---- a stand-in for the store's profiles table and its SQL extras ---- */

static sqlite3 *db;

static int collate_nocase(void *u, int an, const void *a, int bn, const void *b) {
  int n = an < bn ? an : bn, c = memcmp(a, b, (size_t)n);
  return c ? c : an - bn;
}

static void fn_match(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  int nulls = sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL;
  sqlite3_result_int(ctx, nulls ? 0 : 1);
}

static void open_db(void) {
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) abort();
  char sql[512] = "CREATE TABLE profiles(pid INTEGER PRIMARY KEY, customer_id TEXT NOT NULL UNIQUE";
  for (size_t i = 1; i < schema.n; i++) {
    strcat(sql, ", ");
    strcat(sql, attrs[i].col);
  }
  strcat(sql, ");INSERT INTO profiles(customer_id, a2, a4, a5, a6, a7, a8) VALUES"
              "('1', 'Spain', 150.5, 3, 1, '2024-01-15', '2024-06-29T10:00:00Z'), ('2', NULL, NULL, NULL, NULL, NULL, NULL)");
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) abort();
  sqlite3_create_collation(db, "seg_nocase", SQLITE_UTF8, NULL, collate_nocase);
  sqlite3_create_function(db, "seg_contains", 2, SQLITE_UTF8, NULL, fn_match, NULL, NULL);
  sqlite3_create_function(db, "seg_starts_with", 2, SQLITE_UTF8, NULL, fn_match, NULL, NULL);
  sqlite3_create_function(db, "seg_ends_with", 2, SQLITE_UTF8, NULL, fn_match, NULL, NULL);
}

/* Runs the compiled rule the way store_where_each_id does; aborts on any SQLite error. */
static void run_sql(const rule_compiled *c) {
  size_t len = strlen(c->sql) + 100;
  char *sql = malloc(len);
  if (!sql) abort();
  snprintf(sql, len, "SELECT customer_id FROM profiles WHERE (%s) ORDER BY customer_id LIMIT -1", c->sql);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "SQLite refused the compiled SQL: %s\n%.2000s\n", sqlite3_errmsg(db), c->sql);
    abort();
  }
  if ((size_t)sqlite3_bind_parameter_count(st) != c->n_params) abort();
  char scratch[32];
  for (size_t i = 0; i < c->n_params; i++) {
    const seg_value *v = &c->params[i];
    int idx = (int)i + 1;
    switch (v->type) {
      case ATTR_INTEGER:
      case ATTR_BOOLEAN:
        sqlite3_bind_int64(st, idx, v->i);
        break;
      case ATTR_REAL:
        if (v->is_int) sqlite3_bind_int64(st, idx, v->i);
        else sqlite3_bind_double(st, idx, v->r);
        break;
      case ATTR_DATE:
      case ATTR_DATETIME:
        snprintf(scratch, sizeof scratch, "%lld", (long long)v->i);
        sqlite3_bind_text(st, idx, scratch, -1, SQLITE_TRANSIENT);
        break;
      case ATTR_TEXT:
        if (!v->s) abort();
        sqlite3_bind_text(st, idx, v->s, (int)v->n, SQLITE_STATIC);
        break;
      default:
        abort(); /* the compiler binds no empty values */
    }
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) abort();
  sqlite3_finalize(st);
  free(sql);
}

static void check_output(const rule_compiled *c) {
  size_t marks = 0;
  for (const char *s = c->sql; *s; s++) marks += *s == '?';
  if (marks != c->n_params || c->n_params > RULE_MAX_PARAMS) abort();
  for (size_t i = 0; i < c->n_attributes; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(c->attributes[i], c->attributes[j]) == 0) abort();
  for (size_t i = 0; i < c->n_segments; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(c->segments[i], c->segments[j]) == 0) abort();
}

static bool same_values(const rule_compiled *a, const rule_compiled *b) {
  if (a->n_params != b->n_params || strcmp(a->sql, b->sql) != 0) return false;
  for (size_t i = 0; i < a->n_params; i++) {
    const seg_value *x = &a->params[i], *y = &b->params[i];
    if (x->type != y->type || x->i != y->i || x->is_int != y->is_int) return false;
    if (x->type == ATTR_REAL && !x->is_int && memcmp(&x->r, &y->r, sizeof x->r) != 0) return false;
    if (x->type == ATTR_TEXT && (x->n != y->n || memcmp(x->s, y->s, x->n) != 0)) return false;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!db) open_db();
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  const char *self = size > 0 && (data[0] & 1) ? "Ping" : NULL;

  rule_compiled c;
  seg_err err;
  memset(&err, 0, sizeof err);
  seg_code rc = rule_compile(text, self, &schema, lookup, NULL, NOW_MS, &c, &err);
  if (rc != SEG_OK) {
    if (c.sql || c.params || c.attributes || c.segments || !err.msg[0]) abort();
  } else {
    check_output(&c);
    run_sql(&c);
  }

  seg_err syntax_err;
  seg_code syntax = rule_check_syntax(text, &syntax_err);
  if (syntax != SEG_OK && (rc != syntax || strcmp(err.msg, syntax_err.msg) != 0)) abort();
  if (syntax == SEG_OK) {
    char *norm, *again;
    if (rule_normalize(text, &norm, &err) != SEG_OK) abort();
    if (strlen(norm) <= RULE_MAX_BYTES) {
      if (rule_normalize(norm, &again, &err) != SEG_OK || strcmp(norm, again) != 0) abort();
      free(again);
      rule_compiled d;
      seg_code rd = rule_compile(norm, self, &schema, lookup, NULL, NOW_MS, &d, &err);
      if ((rd == SEG_OK) != (rc == SEG_OK)) abort();
      if (rd == SEG_OK && !same_values(&c, &d)) abort();
      rule_compiled_free(&d);
    }
    free(norm);
  }
  if (rc == SEG_OK) rule_compiled_free(&c);
  free(text);
  return 0;
}
