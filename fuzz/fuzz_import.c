/* fuzz_import.c: libFuzzer target for the importers. The input is a file of profiles: the first
 * byte picks CSV or JSON Lines (and --strict), the rest is the file. It is read by the streaming
 * reader and imported into a real store (in memory); beyond the sanitizers it checks that a
 * refused file changed nothing and that an accepted one left the store consistent (the count of
 * profiles equals inserted minus deleted since the start).
 * Build and run: make fuzz [FUZZ_SECONDS=60]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "store/store.h"

static store *g_store;
static int64_t g_expected;
static char g_path[64];
static unsigned g_runs;

static void fresh_store(void) {
  store_close(g_store);
  seg_err err;
  if (store_open(":memory:", STORE_OPEN_CREATE, &g_store, &err) != SEG_OK) abort();
  g_expected = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (!g_store) {
    snprintf(g_path, sizeof g_path, "/tmp/fuzz-import-%d", (int)getpid());
    fresh_store();
  }
  if (++g_runs % 500 == 0) fresh_store(); /* keep the store small */
  FILE *f = fopen(g_path, "wb");
  if (!f) abort();
  if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1) abort();
  fclose(f);
  ingest_options o = {.path = g_path, .format = (data[0] & 1) ? INGEST_FORMAT_JSONL : INGEST_FORMAT_CSV,
                      .strict = (data[0] & 2) != 0, .replace = (data[0] & 4) != 0,
                      .max_delete_pct = 100};
  ingest_report rep;
  seg_err err = {0};
  int64_t before, after;
  if (store_profiles_count(g_store, &before, &err) != SEG_OK) abort();
  seg_code rc = ingest_import(g_store, &o, &rep, &err);
  if (store_profiles_count(g_store, &after, &err) != SEG_OK) abort();
  if (rc != SEG_OK) {
    if (!err.msg[0]) abort();      /* every refusal says why */
    if (after != before) abort();  /* and changes nothing */
  } else {
    g_expected += rep.counts.inserted - rep.counts.deleted;
    if (after != g_expected) abort();
    if (rep.rows != rep.counts.inserted + rep.counts.updated + rep.counts.unchanged + rep.rejected) abort();
    ingest_report_free(&rep);
  }
  return 0;
}
