/* prng.h: a seeded pseudo-random generator (xoshiro256**) and the ids it makes, for repeatable runs. */
#ifndef SIM_PRNG_H
#define SIM_PRNG_H

#include <stdint.h>

typedef struct prng {
  uint64_t s[4];
} prng;

/* Seeds from one 64-bit number (any value, 0 included). The same seed gives the same sequence. */
void prng_seed(prng *r, uint64_t seed);
uint64_t prng_next(prng *r);
/* A uniform double in [0, 1). */
double prng_uniform(prng *r);
/* Writes prefix + an upper-case version-4 UUID ("person_1B4E28BA-2FA1-41D2-883F-0016D3CCA427")
 * into out, which must hold strlen(prefix) + 37 bytes. */
void prng_uuid(prng *r, const char *prefix, char *out);

#endif
