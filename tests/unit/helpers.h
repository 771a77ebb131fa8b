/* helpers.h: shared by the unit tests: temporary files and stores, removed at exit. */
#ifndef SEGSHIP_TEST_HELPERS_H
#define SEGSHIP_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char test_dir[256];

static void test_cleanup_dir(void) {
  if (!test_dir[0]) return;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", test_dir);
}

/* A fresh temporary directory for this test binary, removed at exit. */
static const char *test_tmpdir(void) {
  if (!test_dir[0]) {
    snprintf(test_dir, sizeof test_dir, "/tmp/segship-test-XXXXXX");
    if (!mkdtemp(test_dir)) abort();
    atexit(test_cleanup_dir);
  }
  return test_dir;
}

/* Writes n bytes (n < 0: strlen) to a new file named name in the temporary directory; returns
 * its path in a static buffer that the next call reuses. */
__attribute__((unused)) static const char *test_write_file(const char *name, const char *data, long n) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  size_t len = n < 0 ? strlen(data) : (size_t)n;
  if (len && fwrite(data, 1, len, f) != len) abort();
  fclose(f);
  return path;
}

__attribute__((unused)) static const char *test_path(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  return path;
}

#endif
