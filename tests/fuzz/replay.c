/* replay.c: runs a libFuzzer target over every file of a corpus directory, as a TAP test, with
 * the regular compiler: each seed, and each crash the fuzzer once found, stays a test in
 * `make test` and `make asan`. Usage: replay_NAME DIR */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  DIR *d = opendir(argv[1]);
  if (!d) {
    printf("1..0 # SKIP no corpus at %s\n", argv[1]);
    return 0;
  }
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    names = realloc(names, (n + 1) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  printf("1..%zu\n", n);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
    FILE *f = fopen(path, "rb");
    if (!f) {
      printf("not ok %zu - %s (unreadable)\n", i + 1, names[i]);
      continue;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    size_t got = len > 0 ? fread(buf, 1, (size_t)len, f) : 0;
    fclose(f);
    fflush(stdout);
    LLVMFuzzerTestOneInput(buf, got); /* a failure aborts: the runner counts the file as failed */
    free(buf);
    printf("ok %zu - %s\n", i + 1, names[i]);
    free(names[i]);
  }
  free(names);
  return 0;
}
