/* report.c: the JSON form of a run. */
#include "export/report.h"

#include "util/clock.h"

json_t *export_run_json(const store_export_run *r) {
  char started[25] = "", finished[25] = "";
  if (r->started_at) clock_format_ms(r->started_at, started);
  if (r->finished_at) clock_format_ms(r->finished_at, finished);
  double duration = r->finished_at && r->started_at ? (double)(r->finished_at - r->started_at) / 1000.0 : 0;
  json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:s, s:s, s:s, s:b}",
                        "run_id", (json_int_t)r->run_id, "destination", r->destination, "status", r->status, "profiles",
                        (json_int_t)r->profiles, "contacts_upserted", (json_int_t)r->contacts_upserted, "list_additions",
                        (json_int_t)r->list_additions, "list_removals", (json_int_t)r->list_removals, "unchanged",
                        (json_int_t)r->unchanged, "invalid", (json_int_t)r->invalid, "rejected", (json_int_t)r->rejected,
                        "api_calls", (json_int_t)r->api_calls, "retries", (json_int_t)r->retries, "throttled",
                        (json_int_t)r->throttled, "duration_s", duration, "started_at", started, "finished_at",
                        finished, "message", r->message, "full", r->full);
  if (o) { /* membership fields (field and both modes): not list joins and leaves, so counted apart */
    json_object_set_new(o, "field_sets", json_integer((json_int_t)r->field_sets));
    json_object_set_new(o, "field_clears", json_integer((json_int_t)r->field_clears));
  }
  if (o && r->destination_removed) json_object_set_new(o, "destination_removed", json_true());
  return o;
}
