/* rule_count.c: compiles rules against a store and times them, by hand (not a test):
 *   rule_count STORE 'RULE' [RULE...]
 * Prints, for each rule, its SQL and parameters, the membership count (store_where_count) and
 * the listing of its members' ids (store_where_each_id), each with the time it took, and the
 * totals. Build: cc -O2 -Isrc bench/rule_count.c build/libsegship.a $(pkg-config --libs ...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/rule.h"
#include "store/store.h"
#include "util/clock.h"

static int count_id(const char *id, void *ctx) {
  (void)id;
  ++*(int64_t *)ctx;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s STORE RULE...\n", argv[0]);
    return 2;
  }
  store *s;
  seg_err err;
  if (store_open(argv[1], STORE_OPEN_EXISTING, &s, &err) != SEG_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  store_schema schema;
  if (store_schema_load(s, &schema, &err) != SEG_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  int status = 0;
  double total_count = 0, total_ids = 0;
  for (int i = 2; i < argc; i++) {
    rule_compiled rc;
    double t0 = clock_mono_s();
    if (rule_compile(argv[i], NULL, &schema, NULL, NULL, clock_now_ms(), &rc, &err) != SEG_OK) {
      printf("%s\n  error: %s\n", argv[i], err.msg);
      status = 1;
      continue;
    }
    double t1 = clock_mono_s();
    printf("%s\n  sql: %s\n  params:", argv[i], rc.sql);
    for (size_t p = 0; p < rc.n_params; p++) {
      char tmp[64];
      size_t n;
      const char *t = seg_value_canonical(&rc.params[p], tmp, sizeof tmp, &n);
      printf(" [%s %.*s]", attr_type_name(rc.params[p].type), (int)n, t);
    }
    store_where w = rule_where(&rc);
    int64_t count, listed = 0;
    double t2 = clock_mono_s();
    if (store_where_count(s, &w, &count, &err) != SEG_OK) {
      printf("\n  error: %s\n", err.msg);
      status = 1;
    } else {
      double t3 = clock_mono_s();
      if (store_where_each_id(s, &w, -1, count_id, &listed, &err) != SEG_OK) {
        printf("\n  error: %s\n", err.msg);
        status = 1;
      }
      double t4 = clock_mono_s();
      total_count += t3 - t2;
      total_ids += t4 - t3;
      printf("\n  count %lld in %.3f s; ids listed %lld in %.3f s; compiled in %.3f ms\n", (long long)count, t3 - t2,
             (long long)listed, t4 - t3, (t1 - t0) * 1000);
    }
    rule_compiled_free(&rc);
  }
  printf("total: counts %.3f s, id listings %.3f s\n", total_count, total_ids);
  store_schema_free(&schema);
  store_close(s);
  return status;
}
