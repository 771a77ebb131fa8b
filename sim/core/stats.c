/* stats.c: the counters of GET /__sim/stats. */
#include "stats.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"

typedef struct stats_counter {
  uint64_t n;
  char name[]; /* the map key points here */
} stats_counter;

void stats_init(stats *st) {
  memset(st, 0, sizeof *st);
  strmap_init(&st->by_route);
  strmap_init(&st->ignored_fields);
}

static void stats_free_map(strmap *m) {
  const strmap_slot *s;
  for (size_t i = 0; strmap_next(m, &i, &s);) free(s->value);
  strmap_free(m);
}

void stats_free(stats *st) {
  stats_free_map(&st->by_route);
  stats_free_map(&st->ignored_fields);
  memset(st, 0, sizeof *st);
}

void stats_clear(stats *st) {
  stats_free(st);
  stats_init(st);
}

static void stats_bump(strmap *m, const char *name) {
  stats_counter *c = strmap_get(m, name);
  if (!c && m->count >= STATS_MAX_NAMES) name = "(other)", c = strmap_get(m, name);
  if (!c) {
    size_t n = strlen(name);
    c = mem_alloc(sizeof *c + n + 1);
    c->n = 0;
    memcpy(c->name, name, n + 1);
    strmap_put(m, c->name, c);
  }
  c->n++;
}

void stats_count_request(stats *st, const char *route) {
  st->requests++;
  stats_bump(&st->by_route, route);
}

void stats_count_status(stats *st, int status) {
  if (status >= 0 && status < STATS_MAX_STATUS) st->by_status[status]++;
}

void stats_count_ignored_field(stats *st, const char *name) { stats_bump(&st->ignored_fields, name); }

static void stats_write_map(const strmap *m, jsonbuf *b) {
  jsonbuf_object_open(b);
  const strmap_slot *s;
  for (size_t i = 0; strmap_next(m, &i, &s);) {
    const stats_counter *c = s->value;
    jsonbuf_key(b, c->name);
    jsonbuf_int(b, (int64_t)c->n);
  }
  jsonbuf_object_close(b);
}

void stats_write_json(const stats *st, size_t waiting, jsonbuf *b) {
  jsonbuf_object_open(b);
  jsonbuf_key(b, "requests");
  jsonbuf_int(b, (int64_t)st->requests);
  jsonbuf_key(b, "by_status");
  jsonbuf_object_open(b);
  for (int code = 0; code < STATS_MAX_STATUS; code++) {
    if (!st->by_status[code]) continue;
    char key[16];
    snprintf(key, sizeof key, "%d", code);
    jsonbuf_key(b, key);
    jsonbuf_int(b, (int64_t)st->by_status[code]);
  }
  jsonbuf_object_close(b);
  jsonbuf_key(b, "by_route");
  stats_write_map(&st->by_route, b);
  jsonbuf_key(b, "faults");
  jsonbuf_object_open(b);
  jsonbuf_key(b, "fail");
  jsonbuf_int(b, (int64_t)st->faults_fail);
  jsonbuf_key(b, "slow");
  jsonbuf_int(b, (int64_t)st->faults_slow);
  jsonbuf_key(b, "drop");
  jsonbuf_int(b, (int64_t)st->faults_drop);
  jsonbuf_key(b, "slow_waiting");
  jsonbuf_int(b, (int64_t)waiting);
  jsonbuf_object_close(b);
  jsonbuf_key(b, "ignored_fields");
  stats_write_map(&st->ignored_fields, b);
  jsonbuf_object_close(b);
}
