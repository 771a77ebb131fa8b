/* fuzz_ortto_sim.c: libFuzzer target for ortto-sim's request handling (sim_fuzz.h) against one
 * account whose people, fields and tags the requests change.
 * Build and run: make fuzz [FUZZ_SECONDS=60]; replayed over fuzz/corpus/ortto_sim by make test. */
#include "../sim/ortto/api.h"
#include "sim_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const methods[4] = {"POST", "GET", "DELETE", "PUT"};
  return sim_fuzz_input(&ortto_api, SETTINGS_FOR_ORTTO, methods, data, size);
}
