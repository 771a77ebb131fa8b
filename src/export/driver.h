/* driver.h: what a destination type is to the export engine. The engine (src/export/) owns the
 * plan, the diff against what the destination confirmed, checkpoints, pacing, retries, batch
 * splitting, run history, errors, guards and reports; a driver (one folder per destination:
 * src/autopilot/, src/ortto/) says how to check a key, its batch shape and limits, what a segment
 * is there (a list, a tag), how fields are encoded, how to read each record's result, and which
 * answers split or stop. A new destination is one folder and one line in drivers.c. */
#ifndef SEGSHIP_EXPORT_DRIVER_H
#define SEGSHIP_EXPORT_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "http/client.h"
#include "store/destinations.h"
#include "store/store.h"
#include "util/buf.h"

typedef struct export_engine export_engine; /* a run in progress: src/export/engine.h */
typedef struct export_batch export_batch;

/* What a driver needs to encode a contact's fields (plan.c calls render_fields once per person). */
typedef struct export_render {
  const store_export_config *config;
  const store_schema *schema;
  const int *attrs;               /* schema index of each value: 0 email, 1 first, 2 last, 3.. mapped fields */
  int first_at, last_at;          /* positions of first and last name in the values, or -1 */
  const char *const *custom_ids;  /* per mapped field: the destination's id of a custom field, or NULL */
} export_render;

typedef struct export_driver {
  const char *type;           /* the --type value: "autopilot" */
  const char *product;        /* in sentences: "Autopilot" */
  const char *key_header;     /* the HTTP header that carries the key */
  const char *membership;     /* what a segment becomes: "list" or "tag" */
  int batch_max;              /* people in one bulk call */
  double default_rate;        /* requests per second (0: none) ... */
  const char *default_windows;/* ... and/or windows ("200/10s,600/60s"), when --rate-limit is not given */
  const char *regions;        /* the --region values, for messages ("global, eu or au"); NULL: none */
  /* The API URL of a region (NULL region: the default); NULL for an unknown region. */
  const char *(*region_url)(const char *region);
  /* The wait a 429's body asks for, in ms (0: none); NULL: the Retry-After header only. */
  double (*throttle_wait_ms)(const char *body, size_t len);
  /* Checks the key with one read that needs a valid key: SEG_OK with what the account says
   * (either may be ""), SEG_EAUTH for a refused key, SEG_EHTTP otherwise, each with a sentence. */
  seg_code (*connect)(http_client *c, const char *api_url, char *account_name, size_t name_cap, char *account_email,
                      size_t email_cap, seg_err *err);
  /* Validates an --map target that is not custom:Name; writes the stored spelling into f->field. */
  seg_code (*map_standard)(const char *spec, const char *target, store_field_map *f, seg_err *err);
  /* A contact's fields as JSON members, without braces and without the email. */
  void (*render_fields)(const export_render *r, const seg_value *vals, buf *out);
  /* Before the plan: the destination's side of each segment (lists found or created, tags named)
   * and of each custom field (ids looked up or created). Fills e->targets and e->custom_ids. */
  seg_code (*prepare)(export_engine *e, seg_err *err);
  /* For a dry run: custom field ids as far as the store knows them (no call). */
  void (*prepare_offline)(export_engine *e);
  /* Queues the calls in the order the destination needs and runs them (export_run_phase). */
  seg_code (*send)(export_engine *e, seg_err *err);
  /* The request for a queued batch (NULL: out of memory). */
  http_request *(*build)(export_engine *e, export_batch *b);
  /* Should a refused batch be split to find the records at fault? */
  bool (*split)(const export_batch *b, const http_request *r);
  /* Reads a finished request's answer inside the engine's transaction: confirms what the
   * destination confirmed, records what it refused (export_record_error). */
  void (*read_answer)(export_engine *e, export_batch *b, http_request *r);
  /* One sentence on why a request failed; never the key. */
  void (*describe_failure)(const http_request *r, char *out, size_t cap);
  /* What `export show` and the run report tell the user about a segment's target, or NULL. */
  void (*target_hint)(const char *target, char *out, size_t cap);
} export_driver;

/* The driver of a destination type; NULL for an unknown type. */
const export_driver *export_driver_find(const char *type);
/* The types, for messages: "autopilot or ortto". */
const char *export_driver_types(void);

#endif
