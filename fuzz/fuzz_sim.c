/* fuzz_sim.c: libFuzzer target for autopilot-sim's request handling (sim_fuzz.h) against one
 * account whose contacts and lists the requests change.
 * Build and run: make fuzz [FUZZ_SECONDS=60]; replayed over fuzz/corpus/sim by make test. */
#include "../sim/autopilot/api.h"
#include "sim_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const methods[4] = {"GET", "POST", "DELETE", "PUT"};
  return sim_fuzz_input(&autopilot_api, SETTINGS_FOR_AUTOPILOT, methods, data, size);
}
