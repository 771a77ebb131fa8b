/* fuzz_autopilot.c: libFuzzer target for the parsing of Autopilot's answers. The client must
 * survive any body (empty, HTML, truncated, huge, wrong types): the input's first two bytes are an
 * HTTP status, the rest the body, and every parser and the failure description read it. Beyond
 * the sanitizers it checks that a parse either succeeds with sane output or fails with a sentence.
 * Build and run: make fuzz [FUZZ_SECONDS=60]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autopilot/api.h"
#include "util/text.h"

static int each_list(const char *title, const char *id, void *ctx) {
  (void)ctx;
  if (!title || !id) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  http_request r = {0};
  r.status = 100 + (data[0] << 8 | data[1]) % 500;
  r.response_len = size - 2;
  r.response = malloc(r.response_len + 1);
  if (!r.response) return 0;
  memcpy(r.response, data + 2, r.response_len);
  r.response[r.response_len] = '\0';
  r.attempts = 1 + data[0] % 6;
  seg_err err = {0};
  char a[64], b[64], id[256];
  if (ap_parse_account(&r, a, sizeof a, b, sizeof b, &err) != SEG_OK && !err.msg[0]) abort();
  memset(&err, 0, sizeof err);
  if (ap_parse_lists(&r, each_list, NULL, &err) != SEG_OK && !err.msg[0]) abort();
  memset(&err, 0, sizeof err);
  if (ap_parse_list_created(&r, id, sizeof id, &err) == SEG_OK) {
    if (!id[0]) abort();
  } else if (!err.msg[0]) {
    abort();
  }
  json_t *map = NULL;
  memset(&err, 0, sizeof err);
  if (ap_parse_upsert(&r, &map, &err) == SEG_OK) {
    if (!json_is_object(map)) abort();
    json_decref(map);
  } else if (!err.msg[0] || map) {
    abort();
  }
  char why[320];
  ap_describe_failure(&r, why, sizeof why);
  if (!why[0] || !text_utf8_valid(why, strlen(why), NULL)) abort(); /* printable in any terminal */
  free(r.response);
  return 0;
}
