/* prng.c: xoshiro256** seeded through splitmix64, and UUID-shaped ids drawn from it. */
#include "prng.h"

#include <string.h>

static uint64_t prng_splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void prng_seed(prng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = prng_splitmix(&seed);
}

static inline uint64_t prng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t prng_next(prng *r) {
  uint64_t *s = r->s;
  uint64_t result = prng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3];
  s[2] ^= t;
  s[3] = prng_rotl(s[3], 45);
  return result;
}

double prng_uniform(prng *r) { return (double)(prng_next(r) >> 11) * 0x1.0p-53; }

void prng_uuid(prng *r, const char *prefix, char *out) {
  static const char hex[] = "0123456789ABCDEF";
  unsigned char b[16];
  uint64_t a = prng_next(r), c = prng_next(r);
  memcpy(b, &a, 8);
  memcpy(b + 8, &c, 8);
  b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
  b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
  size_t n = strlen(prefix);
  memcpy(out, prefix, n);
  char *p = out + n;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = hex[b[i] >> 4];
    *p++ = hex[b[i] & 15];
  }
  *p = '\0';
}
