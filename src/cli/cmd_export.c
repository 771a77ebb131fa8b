/* cmd_export.c: `segship export run | history | errors` (configure and show: cmd_destination.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "export/report.h"
#include "export/run.h"
#include "store/destinations.h"
#include "store/exports.h"
#include "util/clock.h"
#include "util/text.h"

enum { OPT_DRY = 256, OPT_FULL, OPT_RUN, OPT_CSV, OPT_LIMIT, OPT_NO_PROGRESS, OPT_IN_FLIGHT, OPT_ALLOW_REMOVAL };

static volatile sig_atomic_t g_cancel;
static void on_signal(int sig) {
  (void)sig;
  g_cancel = 1;
}

static int cmd_run(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"dry-run", no_argument, OPT_DRY, NULL, "show what the run would do; make no call"},
      {"full", no_argument, OPT_FULL, NULL, "resend every contact and membership, changed or not"},
      {"no-progress", no_argument, OPT_NO_PROGRESS, NULL, "no progress bar"},
      {"in-flight", required_argument, OPT_IN_FLIGHT, "N", "concurrent requests within the rate (default 4)"},
      {"allow-large-removal", no_argument, OPT_ALLOW_REMOVAL, NULL,
       "this once, remove more of a list than export configure --max-removal allows"},
      {0}};
  const char *usage = "segship export run NAME [--dry-run] [--full] [--allow-large-removal] [--json]";
  export_options o = {.progress = true, .cancel = &g_cancel};
  const char *name = NULL, *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_DRY: o.dry_run = true; break;
      case OPT_FULL: o.full = true; break;
      case OPT_ALLOW_REMOVAL: o.allow_large_removal = true; break;
      case OPT_NO_PROGRESS: o.progress = false; break;
      case OPT_IN_FLIGHT: {
        long long n;
        if (!cli_parse_count(ctx, "--in-flight", v, &n) || n < 1 || n > 16)
          return cli_usage_error(ctx, "--in-flight takes 1 to 16");
        o.in_flight = (int)n;
        break;
      }
      case 1:
        if (name) return cli_usage_error(ctx, "give one destination name");
        name = v;
        break;
    }
  }
  if (!name) return cli_usage_error(ctx, "give the destination's name");
  if (ctx->json) o.progress = false;
  /* Ctrl-C or SIGTERM: finish the batches in flight, record them, stop. A second one kills. */
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  const char *env_flight = getenv("SEGSHIP_IN_FLIGHT");
  if (!o.in_flight && env_flight) o.in_flight = atoi(env_flight);
  const char *env_backoff = getenv("SEGSHIP_BACKOFF_MS");
  if (env_backoff) o.backoff_ms = atof(env_backoff);

  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  export_report rep;
  seg_code rc = export_run(s, ctx->db_path, name, &o, &rep, &err);
  bool started = rep.run.run_id != 0 || rep.dry_run;
  if (!started || (rep.dry_run && rc != SEG_OK)) return cli_fail(ctx, &err);
  bool tags = rep.driver && rep.driver->target_hint;
  if (rep.dry_run) {
    if (ctx->json) {
      json_t *segs = json_array();
      for (size_t i = 0; i < rep.n_segments; i++)
        json_array_append_new(segs, json_pack("{s:s, s:I, s:I, s:I, s:I}", "segment", rep.segment_names[i], "to_add",
                                              (json_int_t)rep.additions[i], "to_remove", (json_int_t)rep.removals[i],
                                              "fields_to_set", (json_int_t)rep.field_ons[i], "fields_to_clear",
                                              (json_int_t)rep.field_offs[i]));
      json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:b}", "destination", name, "dry_run", 1,
                            "profiles", (json_int_t)rep.run.profiles, "to_upsert", (json_int_t)rep.to_upsert,
                            "renames", (json_int_t)rep.renames, "unchanged", (json_int_t)rep.run.unchanged, "invalid",
                            (json_int_t)rep.run.invalid, "lists_to_create", (json_int_t)rep.lists_to_create,
                            "list_removals", (json_int_t)rep.run.list_removals, "segments", segs, "would_hold",
                            rep.held);
      json_object_set_new(j, "field_sets", json_integer((json_int_t)rep.run.field_sets));
      json_object_set_new(j, "field_clears", json_integer((json_int_t)rep.run.field_clears));
      if (rep.held) json_object_set_new(j, "hold_message", json_string(rep.run.message));
      cli_print_json(j);
    } else {
      printf("dry run of '%s' (nothing sent):\n", name);
      printf("  profiles in the segments   %lld\n", (long long)rep.run.profiles);
      printf("  contacts to create/update  %lld (of which %lld change email)\n", (long long)rep.to_upsert,
             (long long)rep.renames);
      printf("  unchanged                  %lld\n", (long long)rep.run.unchanged);
      printf("  invalid or duplicate email %lld (skipped)\n", (long long)rep.run.invalid);
      if (rep.lists_to_create && !tags) printf("  lists to create            %lld\n", (long long)rep.lists_to_create);
      if (rep.lists_to_create && tags) printf("  tags new to this export    %lld\n", (long long)rep.lists_to_create);
      const char *what = rep.driver ? rep.driver->membership : "list";
      bool field = strcmp(rep.membership, "field") == 0, both = strcmp(rep.membership, "both") == 0;
      for (size_t i = 0; i < rep.n_segments; i++) {
        const char *seg = cli_safe(tags ? rep.targets[i] : rep.segment_names[i]);
        if (!field)
          printf("  %s '%s': +%lld to add, -%lld to remove\n", what, seg, (long long)rep.additions[i],
                 (long long)rep.removals[i]);
        if (field || both)
          printf("  field 'In %s': +%lld to set true, -%lld to set false\n", seg, (long long)rep.field_ons[i],
                 (long long)rep.field_offs[i]);
      }
      if (rep.run.field_sets || rep.run.field_clears)
        printf("  fields 'In <segment>'      %lld to set true, %lld to set false\n", (long long)rep.run.field_sets,
               (long long)rep.run.field_clears);
      if (rep.held) printf("the run would be held: %s\n", cli_safe(rep.run.message));
    }
    return 0;
  }
  if (rep.interrupted_before)
    fprintf(stderr, "segship: an earlier run was interrupted; this run resumed from what it had confirmed\n");
  const store_export_run *r = &rep.run;
  if (ctx->json) {
    json_t *out = export_run_json(r);
    if (tags) {
      json_t *hints = json_array();
      for (size_t i = 0; i < rep.n_segments; i++) {
        char hint[400];
        rep.driver->target_hint(rep.targets[i], hint, sizeof hint);
        json_array_append_new(hints, json_pack("{s:s, s:s, s:s}", "segment", rep.segment_names[i], "tag",
                                               rep.targets[i], "hint", hint));
      }
      json_object_set_new(out, "tags", hints);
    }
    cli_print_json(out);
  } else {
    double secs = (double)(r->finished_at - r->started_at) / 1000.0;
    printf("run %lld of '%s': %s in %.1f s\n", (long long)r->run_id, name, r->status, secs);
    printf("  profiles            %lld\n  contacts upserted   %lld\n  list additions      %lld\n"
           "  list removals       %lld\n  unchanged           %lld\n  invalid/duplicate   %lld\n"
           "  rejected            %lld\n  API calls           %lld (%lld retries, %lld throttled)\n",
           (long long)r->profiles, (long long)r->contacts_upserted, (long long)r->list_additions,
           (long long)r->list_removals, (long long)r->unchanged, (long long)r->invalid, (long long)r->rejected,
           (long long)r->api_calls, (long long)r->retries, (long long)r->throttled);
    if (r->field_sets || r->field_clears)
      printf("  fields set true     %lld\n  fields set false    %lld\n", (long long)r->field_sets,
             (long long)r->field_clears);
    if (r->invalid) printf("skipped records are listed by 'segship export errors %s'\n", name);
    for (size_t i = 0; tags && i < rep.n_segments && rep.targets[i][0]; i++) {
      char hint[400];
      rep.driver->target_hint(rep.targets[i], hint, sizeof hint);
      printf("segment '%s': %s\n", rep.segment_names[i], hint);
    }
  }
  if (rc != SEG_OK) fprintf(stderr, "segship: %s\n", cli_safe(err.msg));
  return seg_code_exit(rc);
}

static int cmd_history(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{"limit", required_argument, OPT_LIMIT, "N", "how many runs (default 20)"}, {0}};
  const char *name = NULL, *v;
  long long limit = 20;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship export history NAME [--limit N] [--json]", &v)) !=
         CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_LIMIT && !cli_parse_count(ctx, "--limit", v, &limit)) return 2;
    if (c == 1) {
      if (name) return cli_usage_error(ctx, "give one destination name");
      name = v;
    }
  }
  if (!name) return cli_usage_error(ctx, "give the destination's name");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  /* A removed destination's history stays: look among removed ones too. */
  store_destination *all;
  size_t n;
  if (store_destinations_list(s, true, &all, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  json_t *arr = ctx->json ? json_array() : NULL;
  bool found = false;
  if (!ctx->json)
    printf("%6s  %-24s %-11s %9s %9s %8s %8s %8s %8s %8s %8s %6s\n", "RUN", "STARTED", "STATUS", "PROFILES", "UPSERTED",
           "ADDED", "REMOVED", "FIELD+", "FIELD-", "REJECTED", "CALLS", "SECS");
  for (size_t i = 0; i < n; i++) {
    if (strcasecmp(all[i].name, name) != 0) continue;
    found = true;
    store_export_run *runs;
    size_t nr;
    if (store_export_runs_list(s, all[i].id, (int)limit, &runs, &nr, &err) != SEG_OK) { /* all or an error */
      json_decref(arr);
      store_destinations_free(all, n);
      return cli_fail(ctx, &err);
    }
    for (size_t k = 0; k < nr; k++) {
      const store_export_run *r = &runs[k];
      if (arr) {
        json_array_append_new(arr, export_run_json(r));
        continue;
      }
      char started[25];
      clock_format_ms(r->started_at, started);
      double secs = r->finished_at ? (double)(r->finished_at - r->started_at) / 1000.0 : 0;
      printf("%6lld  %-24s %-11s %9lld %9lld %8lld %8lld %8lld %8lld %8lld %8lld %6.1f%s\n", (long long)r->run_id,
             started, r->status, (long long)r->profiles, (long long)r->contacts_upserted, (long long)r->list_additions,
             (long long)r->list_removals, (long long)r->field_sets, (long long)r->field_clears, (long long)r->rejected,
             (long long)r->api_calls, secs,
             r->destination_removed ? "  (destination removed)" : "");
    }
    free(runs);
  }
  store_destinations_free(all, n);
  if (!found) {
    json_decref(arr);
    seg_err_set(&err, SEG_ENOTFOUND, "there is no destination '%s'; 'segship destination list --all' shows them", name);
    return cli_fail(ctx, &err);
  }
  if (arr) cli_print_json(json_pack("{s:s, s:o}", "destination", name, "runs", arr));
  return 0;
}

typedef struct err_out {
  json_t *arr;
  bool csv;
  int64_t n;
} err_out;

/* One CSV cell. A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
 * leading ' (OWASP), so that opening the file cannot run what a profile or an API put there. */
static void csv_cell(const char *s, bool last) {
  bool formula = text_csv_formula(s);
  bool q = formula || strpbrk(s, ",\"\r\n") != NULL;
  if (q) {
    putchar('"');
    if (formula) putchar('\'');
    for (; *s; s++) {
      if (*s == '"') putchar('"');
      putchar(*s);
    }
    putchar('"');
  } else {
    fputs(s, stdout);
  }
  putchar(last ? '\n' : ',');
}

static int print_error(const char *id, const char *email, const char *kind, const char *reason, void *ctx) {
  err_out *o = ctx;
  o->n++;
  if (o->arr) {
    json_array_append_new(o->arr, json_pack("{s:s, s:s, s:s, s:s}", "customer_id", id, "email", email, "kind", kind,
                                            "reason", reason));
  } else if (o->csv) {
    csv_cell(id, false);
    csv_cell(email, false);
    csv_cell(kind, false);
    csv_cell(reason, true);
  } else {
    printf("%-16s %-36s %-10s %s\n", cli_safe(id), cli_safe(email), kind, cli_safe(reason));
  }
  return 0;
}

static int cmd_errors(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"run", required_argument, OPT_RUN, "ID", "a given run (default: the last one)"},
      {"csv", no_argument, OPT_CSV, NULL, "as CSV: customer_id,email,kind,reason"},
      {0}};
  const char *name = NULL, *v;
  long long run_id = 0;
  bool csv = false;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship export errors NAME [--run ID] [--csv] [--json]", &v)) !=
         CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_RUN && !cli_parse_count(ctx, "--run", v, &run_id)) return 2;
    if (c == OPT_CSV) csv = true;
    if (c == 1) {
      if (name) return cli_usage_error(ctx, "give one destination name");
      name = v;
    }
  }
  if (!name) return cli_usage_error(ctx, "give the destination's name");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  store_destination *all;
  size_t n;
  if (store_destinations_list(s, true, &all, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  int64_t dest_id = 0;
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(all[i].name, name) == 0 && (!dest_id || !all[i].removed_at)) dest_id = all[i].id;
  store_destinations_free(all, n);
  if (!dest_id) {
    seg_err_set(&err, SEG_ENOTFOUND, "there is no destination '%s'", name);
    return cli_fail(ctx, &err);
  }
  store_export_run run;
  if (run_id) {
    if (store_export_run_get(s, run_id, &run, &err) != SEG_OK) return cli_fail(ctx, &err);
    if (run.destination_id != dest_id) {
      seg_err_set(&err, SEG_ENOTFOUND, "run %lld is not a run of '%s'", run_id, name);
      return cli_fail(ctx, &err);
    }
  } else {
    store_export_run *runs;
    size_t nr;
    if (store_export_runs_list(s, dest_id, 1, &runs, &nr, &err) != SEG_OK) return cli_fail(ctx, &err);
    if (nr == 0) {
      free(runs);
      seg_err_set(&err, SEG_ENOTFOUND, "'%s' has no runs yet", name);
      return cli_fail(ctx, &err);
    }
    run = runs[0];
    free(runs);
  }
  err_out o = {.arr = ctx->json ? json_array() : NULL, .csv = csv && !ctx->json};
  if (o.csv) printf("customer_id,email,kind,reason\n");
  else if (!o.arr) printf("%-16s %-36s %-10s %s\n", "CUSTOMER", "EMAIL", "KIND", "REASON");
  if (store_export_errors_each(s, run.run_id, print_error, &o, &err) != SEG_OK) {
    json_decref(o.arr);
    return cli_fail(ctx, &err);
  }
  if (o.arr) cli_print_json(json_pack("{s:s, s:I, s:o}", "destination", name, "run_id", (json_int_t)run.run_id, "errors", o.arr));
  else if (!o.csv && o.n == 0) printf("(run %lld delivered every record)\n", (long long)run.run_id);
  return 0;
}

const cli_command cli_export_commands[] = {
    {"configure", cli_export_configure, NULL, "map fields, pick segments, save (does not run)"},
    {"show", cli_export_show, NULL, "everything an export is configured to do"},
    {"run", cmd_run, NULL, "send what changed to the destination (or --dry-run to see what would be)"},
    {"history", cmd_history, NULL, "the runs of an export, newest first"},
    {"errors", cmd_errors, NULL, "every record a run did not deliver, with the reason"},
    {NULL, NULL, NULL, NULL},
};
