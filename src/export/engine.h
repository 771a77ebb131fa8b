/* engine.h: the export engine's state during a run and the calls a driver makes on it: queue
 * batches, run them through the shared HTTP pipeline, and record what the destination confirmed
 * or refused. Only the engine (run.c) and the drivers include it. */
#ifndef SEGSHIP_EXPORT_ENGINE_H
#define SEGSHIP_EXPORT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "export/driver.h"
#include "export/plan.h"
#include "export/progress.h"
#include "http/client.h"
#include "store/exports.h"
#include "store/store.h"

typedef enum { B_RENAME, B_UPSERT, B_JOIN, B_LEAVE } batch_kind;

struct export_batch {
  batch_kind kind;
  size_t n;
  size_t *people; /* person indexes in the plan */
  int *seg;       /* the segment bit each item joins (or leaves), -1: none */
};
typedef export_batch batch;

struct export_engine {
  store *s;
  const export_driver *driver;
  const store_destination *destination;
  export_plan *plan;
  const store_export_config *cfg;
  char targets[STORE_EXPORT_MAX_SEGMENTS][256]; /* each segment at the destination: list id, tag */
  char *custom_ids[64];                         /* per mapped field: a custom field's id (owned), or NULL */
  store_export_writer *w;
  store_export_run *run;
  http_client *client;
  batch **queue;  /* a deque: splits go to the front */
  size_t qhead, qn, qcap;
  int in_flight;
  bool stop;
  seg_code fatal;
  char fatal_msg[1024];
  export_progress progress;
  int64_t last_saved;
  bool replan; /* prepare forgot memberships (a list gone, a tag renamed): the plan is built again */
};
typedef export_engine engine;

batch *export_batch_new(batch_kind kind, size_t cap);
void export_batch_free(batch *b);
/* Queues bulk batches of at most the driver's batch_max: each round holds at most one item per
 * person (no email twice in a call); a new batch starts with each round. */
seg_code export_queue_bulk(engine *e, batch_kind kind, size_t *items_p, int *items_s, size_t n_items, const int *round,
                           seg_err *err);
seg_code export_queue_single(engine *e, batch_kind kind, size_t person, int seg, seg_err *err);
/* Runs the queued batches to the end (or the stop). */
seg_code export_run_phase(engine *e, seg_err *err);
/* A record the destination refused ("rejected") or that could not be delivered ("failed"). */
void export_record_error(engine *e, export_person *p, const char *kind, const char *reason);
/* Every record of a batch whose call failed, with the driver's sentence on why. */
void export_fail_batch(engine *e, batch *b, http_request *r);
/* Stops the run with this outcome (the first one wins). */
seg_code export_fail_fatal(engine *e, seg_code code, const char *msg);
/* Confirmations, inside the engine's transaction: the contact with its destination id (once per
 * run), a membership joined or left. Each stops the run when the store fails. */
bool export_confirm_contact(engine *e, export_person *p, const char *contact_id);
bool export_confirm_join(engine *e, export_person *p, int seg);
bool export_confirm_leave(engine *e, export_person *p, int seg);
/* Memberships now carried by another profile with the same email: forgotten, no call. */
seg_code export_forget_shared(engine *e, seg_err *err);

#endif
