/* synth.h: a deterministic generator of realistic synthetic profiles (CSV or JSON Lines), for
 * the demo, the tests and the benchmarks. The same seed and count give the same bytes. */
#ifndef SEGSHIP_INGEST_SYNTH_H
#define SEGSHIP_INGEST_SYNTH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct synth_options {
  int64_t count;        /* profiles */
  uint64_t seed;
  bool jsonl;           /* JSON Lines instead of CSV */
  double changed_pct;   /* percent of profiles whose purchase fields differ (a later snapshot) */
  double moved_pct;     /* percent of profiles whose email changed */
  double invalid_pct;   /* percent with an invalid or missing email (default 1) */
  double duplicate_pct; /* percent sharing another profile's email (default 0.5) */
  double mixed_case_pct;/* percent with a mixed-case email (default 10) */
} synth_options;

/* Sets the defaults above (count 1000, seed 42). */
void synth_defaults(synth_options *o);
/* Writes the profiles to out; returns 0, or -1 on a write error (errno set). Columns: CustomerId,
 * Email, FirstName, LastName, Country, City, LifetimeValue, Orders, SignupDate, LastPurchaseDate,
 * LoyaltyTier, IsSubscribed. */
int synth_write(FILE *out, const synth_options *o);

#endif
