/* rule_count.c: compiles a rule against a store and times its membership count, by hand:
 *   build/bench/rule_count STORE 'RULE' [RULE...]
 * Prints the SQL, the parameters and, for each rule, the count and the time it took. Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment/rule.h"
#include "store/store.h"
#include "util/clock.h"

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
    int64_t count;
    if (store_where_count(s, &w, &count, &err) != SEG_OK) {
      printf("\n  error: %s\n", err.msg);
      status = 1;
    } else {
      printf("\n  count %lld in %.3f s (compiled in %.3f ms)\n", (long long)count, clock_mono_s() - t1,
             (t1 - t0) * 1000);
    }
    rule_compiled_free(&rc);
  }
  store_schema_free(&schema);
  store_close(s);
  return status;
}
