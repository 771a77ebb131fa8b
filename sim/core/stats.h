/* stats.h: request counters shown by GET /__sim/stats: totals, by status, by route, faults. */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "jsonbuf.h"
#include "strmap.h"

#define STATS_MAX_STATUS 600
#define STATS_MAX_NAMES 1000 /* distinct route or field names kept; the rest count as "(other)" */

typedef struct stats {
  uint64_t requests;
  uint64_t by_status[STATS_MAX_STATUS];
  strmap by_route;       /* "POST /v1/contacts" -> stats_counter (owned) */
  strmap ignored_fields; /* "firstName" -> stats_counter (owned): unknown contact fields ignored */
  uint64_t faults_fail, faults_slow, faults_drop;
} stats;

void stats_init(stats *st);
/* Frees every counter; the stats are then empty and usable again after stats_init. */
void stats_free(stats *st);
/* Empties all counters (POST /__sim/reset). */
void stats_clear(stats *st);
/* Counts one /v1 request on its route ("POST /v1/contacts"; copied). */
void stats_count_request(stats *st, const char *route);
void stats_count_status(stats *st, int status);
void stats_count_ignored_field(stats *st, const char *name);
/* Writes the counters; waiting: the slow answers parked right now ("faults.slow_waiting"). */
void stats_write_json(const stats *st, size_t waiting, jsonbuf *b);

#endif
