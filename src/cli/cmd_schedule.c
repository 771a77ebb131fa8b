/* cmd_schedule.c: `segship source ...`, `segship refresh`, `segship schedule ...`, `segship serve`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_source_pg.h"
#include "ingest/ingest.h"
#include "schedule/cron.h"
#include "schedule/refresh.h"
#include "schedule/service.h"
#include "store/pgsources.h"
#include "store/refreshes.h"
#include "util/clock.h"
#include "util/log.h"

enum { OPT_FILE = 256, OPT_FORMAT, OPT_REPLACE, OPT_MAX_DELETE, OPT_TZ, OPT_LISTEN, OPT_SECURE_COOKIES, OPT_NO_CONSOLE, OPT_LOG_FORMAT,
       OPT_NOTIFY_CMD, OPT_NOTIFY_URL, OPT_NOTIFY_TIMEOUT,
       OPT_COUNT, OPT_PARALLEL };

/* ---- sources ---- */

static int cmd_source_add(cli_ctx *ctx, int argc, char **argv) {
  for (int i = 1; i < argc; i++) /* a PostgreSQL source has options of its own */
    if (strcmp(argv[i], "--postgres") == 0 || strncmp(argv[i], "--postgres=", 11) == 0)
      return cli_source_add_postgres(ctx, argc, argv);
  static const cli_option opts[] = {
      {"file", required_argument, OPT_FILE, "PATH", "the file to import at each refresh"},
      {"format", required_argument, OPT_FORMAT, "csv|jsonl", "its format (default: from the extension)"},
      {"replace", no_argument, OPT_REPLACE, NULL, "the file is the complete set: profiles it lacks are deleted"},
      {"max-delete", required_argument, OPT_MAX_DELETE, "PCT",
       "with --replace, a refresh refuses to delete more than PCT% of the stored profiles (default 20; 100: no limit)"},
      {0}};
  store_source src = {.max_delete = STORE_MAX_DELETE_DEFAULT};
  snprintf(src.format, sizeof src.format, "auto");
  const char *name = NULL, *file = NULL, *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts,
                              "segship source add NAME --file PATH [--format csv|jsonl] [--replace [--max-delete PCT]] [--json]", &v)) !=
         CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_FILE) file = v;
    if (c == OPT_REPLACE) src.replace = true;
    if (c == OPT_MAX_DELETE && !cli_parse_percent(ctx, "--max-delete", v, &src.max_delete)) return 2;
    if (c == OPT_FORMAT) {
      ingest_format f;
      if (!ingest_format_parse(v, &f)) return cli_usage_error(ctx, "unknown format '%s' (csv or jsonl)", v);
      snprintf(src.format, sizeof src.format, "%s", f == INGEST_FORMAT_CSV ? "csv" : "jsonl");
    }
    if (c == 1) {
      if (name) return cli_usage_error(ctx, "give one source name");
      name = v;
    }
  }
  if (!name || !file) return cli_usage_error(ctx, "give the source's name and --file PATH");
  if (strlen(name) > 128 || strlen(file) > 1000) return cli_usage_error(ctx, "the name or the path is too long");
  snprintf(src.name, sizeof src.name, "%s", name);
  /* Keep an absolute path: the service may run from another directory. */
  char *abs = realpath(file, NULL);
  snprintf(src.path, sizeof src.path, "%s", abs ? abs : file);
  if (!abs) fprintf(stderr, "segship: warning: %s does not exist yet; the refresh will report it until it does\n", file);
  free(abs);
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s || store_source_add(s, &src, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(json_pack("{s:s, s:s, s:s, s:b, s:i}", "name", src.name, "path", src.path, "format", src.format, "replace", src.replace, "max_delete", src.max_delete));
  else printf("added source '%s' (%s)\n", cli_safe(src.name), cli_safe(src.path));
  return 0;
}

static int cmd_source_list(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship source list [--json]", &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_source *list;
  size_t n;
  if (!s || store_sources_list(s, &list, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  store_pg_source *pg;
  size_t n_pg;
  if (store_pg_sources_list(s, &pg, &n_pg, &err) != SEG_OK) {
    free(list);
    return cli_fail(ctx, &err);
  }
  if (ctx->json) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:i}", "name", list[i].name, "kind", "file",
                                           "path", list[i].path, "format", list[i].format, "replace", list[i].replace,
                                           "max_delete", list[i].max_delete));
    for (size_t i = 0; i < n_pg; i++) json_array_append_new(arr, cli_source_pg_json(&pg[i]));
    cli_print_json(json_pack("{s:o}", "sources", arr));
  } else {
    if (!n && !n_pg) printf("no sources: 'segship source add NAME --file PATH' adds one\n");
    for (size_t i = 0; i < n; i++)
      printf("%-24s %-6s %-8s %s\n", cli_safe(list[i].name), list[i].format, list[i].replace ? "replace" : "upsert",
             cli_safe(list[i].path));
    for (size_t i = 0; i < n_pg; i++) cli_source_pg_print(&pg[i]);
  }
  free(list);
  store_pg_sources_free(pg, n_pg);
  return 0;
}

static int cmd_source_remove(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *name = NULL, *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship source remove NAME [--json]", &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == 1) name = v;
  }
  if (!name) return cli_usage_error(ctx, "give the source's name");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  if (store_source_remove(s, name, &err) != SEG_OK &&
      (err.code != SEG_ENOTFOUND || store_pg_source_remove(s, name, &err) != SEG_OK))
    return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(json_pack("{s:s, s:b}", "name", name, "removed", 1));
  else printf("removed source '%s'\n", cli_safe(name));
  return 0;
}

static int cmd_source_show(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *name = NULL, *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship source show NAME [--json]", &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == 1) name = v;
  }
  if (!name) return cli_usage_error(ctx, "give the source's name");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_source *list = NULL;
  store_pg_source *pg = NULL;
  size_t n = 0, n_pg = 0;
  if (!s || store_sources_list(s, &list, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (store_pg_sources_list(s, &pg, &n_pg, &err) != SEG_OK) {
    free(list);
    return cli_fail(ctx, &err);
  }
  json_t *o = NULL;
  for (size_t i = 0; i < n && !o; i++)
    if (strcasecmp(list[i].name, name) == 0)
      o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", list[i].name, "kind", "file", "path", list[i].path, "format",
                    list[i].format, "replace", list[i].replace);
  for (size_t i = 0; i < n_pg && !o; i++)
    if (strcasecmp(pg[i].name, name) == 0) o = cli_source_pg_json(&pg[i]);
  free(list);
  store_pg_sources_free(pg, n_pg);
  if (!o) {
    seg_err_set(&err, SEG_ENOTFOUND, "there is no source '%s'; 'segship source list' shows them", name);
    return cli_fail(ctx, &err);
  }
  if (ctx->json) {
    cli_print_json(o);
  } else {
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val) {
      if (json_is_string(val)) printf("%-20s %s\n", key, cli_safe(json_string_value(val)));
      else if (json_is_integer(val)) printf("%-20s %lld\n", key, (long long)json_integer_value(val));
      else printf("%-20s %s\n", key, json_is_true(val) ? "yes" : "no");
    }
    json_decref(o);
  }
  return 0;
}

const cli_command cli_source_commands[] = {
    {"add", cmd_source_add, NULL, "a file, or a PostgreSQL table or query (--postgres), of profiles to import at each refresh"},
    {"list", cmd_source_list, NULL, "every source"},
    {"show", cmd_source_show, NULL, "one source's settings (never a password)"},
    {"update", cli_source_update, NULL, "change how a source is read (file, deletions, connection, timeout, incremental column)"},
    {"remove", cmd_source_remove, NULL, "stop importing a source"},
    {NULL, NULL, NULL, NULL},
};

/* ---- refresh ---- */

static volatile sig_atomic_t g_cancel;
static void on_signal(int sig) {
  (void)sig;
  g_cancel = 1;
}

static json_t *refresh_json(const refresh_report *r) {
  json_t *steps = json_array();
  for (size_t i = 0; i < r->n_steps; i++) {
    const store_refresh_step *st = &r->steps[i];
    json_array_append_new(steps, json_pack("{s:s, s:s, s:s, s:s, s:f}", "kind", st->kind, "target", st->target,
                                           "status", st->status, "message", st->message, "duration_s",
                                           (double)(st->finished_at - st->started_at) / 1000.0));
  }
  return json_pack("{s:I, s:s, s:o}", "refresh_id", (json_int_t)r->id, "status", r->status, "steps", steps);
}

/* --parallel N: 1 to 8 exports of different destinations at the same time. */
static bool parse_parallel(cli_ctx *ctx, const char *v, int *out) {
  char *end;
  long n = strtol(v, &end, 10);
  if (end == v || *end || n < 1 || n > REFRESH_PARALLEL_MAX) {
    cli_usage_error(ctx, "--parallel is a number of destinations from 1 to %d", REFRESH_PARALLEL_MAX);
    return false;
  }
  *out = (int)n;
  return true;
}

int cli_cmd_refresh(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"parallel", required_argument, OPT_PARALLEL, "N", "exports of different destinations at the same time (default: all, at most 8)"},
      {0}};
  int parallel = 0;
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship refresh [--parallel N] [--json]", &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_PARALLEL && !parse_parallel(ctx, v, &parallel)) return 2;
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  log_configure(LOG_FORMAT_TEXT, ctx->json ? LOG_ERROR : LOG_WARN);
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  refresh_options o = {.trigger = "manual", .cancel = &g_cancel, .progress = !ctx->json, .parallel = parallel};
  refresh_report r;
  if (refresh_run(s, ctx->db_path, &o, &r, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) {
    cli_print_json(refresh_json(&r));
  } else {
    printf("refresh %lld: %s\n", (long long)r.id, r.status);
    for (size_t i = 0; i < r.n_steps; i++)
      printf("  %-8s %-24s %-10s %s\n", r.steps[i].kind, cli_safe(r.steps[i].target), r.steps[i].status,
             cli_safe(r.steps[i].message));
    if (r.n_steps == 0) printf("  nothing to do: no source, no segment, no scheduled export\n");
  }
  int rc = strcmp(r.status, "succeeded") == 0 ? 0 : 1;
  refresh_report_free(&r);
  return rc;
}

/* ---- schedule ---- */

static int cmd_schedule_set(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"tz", required_argument, OPT_TZ, "ZONE", "the time zone of the cron fields (default UTC), e.g. Europe/Madrid"}, {0}};
  const char *expr = NULL, *tz = "UTC", *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship schedule set CRON [--tz ZONE]   (CRON: 5 fields, or \"@every 30s\")", &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_TZ) tz = v;
    if (c == 1) {
      if (expr) return cli_usage_error(ctx, "quote the cron expression: segship schedule set \"0 6 * * *\"");
      expr = v;
    }
  }
  if (!expr) return cli_usage_error(ctx, "give the cron expression (quoted), or \"@every 30s\"");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s || service_schedule_set(s, expr, tz, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(json_pack("{s:s, s:s}", "cron", expr, "tz", tz));
  else printf("schedule set: %s (%s); a running 'segship serve' picks it up on SIGHUP\n", expr, tz);
  return 0;
}

static int cmd_schedule_show(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{"count", required_argument, OPT_COUNT, "N", "how many next runs (default 5)"}, {0}};
  const char *v;
  long long count = 5;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship schedule show [--count N] [--json]", &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_COUNT && !cli_parse_count(ctx, "--count", v, &count)) return 2;
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  char expr[300], tz[128];
  int64_t anchor;
  if (!s || service_schedule_get(s, expr, sizeof expr, tz, sizeof tz, &anchor, &err) != SEG_OK) return cli_fail(ctx, &err);
  cron_schedule *cs;
  if (cron_parse(expr, tz, anchor, &cs, &err) != SEG_OK) return cli_fail(ctx, &err);
  char desc[400];
  cron_describe(cs, desc, sizeof desc);
  json_t *arr = json_array();
  int64_t t = clock_now_ms();
  if (!ctx->json) printf("schedule  %s\nnext runs (UTC):\n", desc);
  for (long long i = 0; i < count; i++) {
    t = cron_next(cs, t);
    if (t < 0) break;
    char when[25];
    clock_format_ms(t, when);
    if (ctx->json) json_array_append_new(arr, json_string(when));
    else printf("  %s\n", when);
  }
  if (ctx->json) cli_print_json(json_pack("{s:s, s:s, s:s, s:o}", "cron", expr, "tz", tz, "description", desc, "next", arr));
  else json_decref(arr);
  cron_free(cs);
  return 0;
}

const cli_command cli_schedule_commands[] = {
    {"set", cmd_schedule_set, NULL, "when refreshes run: a cron expression (with --tz), or @every DURATION"},
    {"show", cmd_schedule_show, NULL, "the schedule and its next runs"},
    {NULL, NULL, NULL, NULL},
};

/* ---- serve ---- */

int cli_cmd_serve(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"listen", required_argument, OPT_LISTEN, "HOST:PORT", "where the console, /healthz and /metrics answer (default 127.0.0.1:8080)"},
      {"secure-cookies", no_argument, OPT_SECURE_COOKIES, NULL, "mark the console's session cookie Secure (served behind https)"},
      {"no-console", no_argument, OPT_NO_CONSOLE, NULL, "serve only /healthz and /metrics"},
      {"log-format", required_argument, OPT_LOG_FORMAT, "text|json", "log lines for people (default) or collectors"},
      {"notify-command", required_argument, OPT_NOTIFY_CMD, "CMD", "run CMD with a failed run's JSON on stdin"},
      {"notify-url", required_argument, OPT_NOTIFY_URL, "URL", "POST a failed run's JSON to URL: https, or loopback (with retries)"},
      {"notify-timeout", required_argument, OPT_NOTIFY_TIMEOUT, "SECONDS",
       "how long a notification may take (default 10; then the command is killed)"},
      {"parallel", required_argument, OPT_PARALLEL, "N", "exports of different destinations at the same time (default: all, at most 8)"},
      {0}};
  service_options o = {.db_path = ctx->db_path, .listen = "127.0.0.1:8080", .console = true};
  log_format lf = LOG_FORMAT_TEXT;
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts,
                              "segship serve [--listen 127.0.0.1:8080] [--secure-cookies] [--no-console] [--log-format text|json] "
                              "[--notify-command CMD] [--notify-url URL] [--notify-timeout SECONDS] [--parallel N]",
                              &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_LISTEN) o.listen = v;
    if (c == OPT_PARALLEL && !parse_parallel(ctx, v, &o.parallel)) return 2;
    if (c == OPT_NOTIFY_CMD) o.notify_command = v;
    if (c == OPT_NOTIFY_URL) o.notify_url = v;
    if (c == OPT_SECURE_COOKIES) o.secure_cookies = true;
    if (c == OPT_NO_CONSOLE) o.console = false;
    if (c == OPT_NOTIFY_TIMEOUT) {
      long long n;
      if (!cli_parse_count(ctx, "--notify-timeout", v, &n)) return 2;
      if (n < 1 || n > 3600) return cli_usage_error(ctx, "--notify-timeout is 1 to 3600 seconds");
      o.notify_timeout_ms = (long)n * 1000;
    }
    if (c == OPT_LOG_FORMAT) {
      if (strcmp(v, "json") == 0) lf = LOG_FORMAT_JSON;
      else if (strcmp(v, "text") != 0) return cli_usage_error(ctx, "--log-format is text or json");
    }
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  log_configure(lf, LOG_INFO);
  seg_err err = {0};
  if (service_run(&o, &err) != SEG_OK) {
    log_event(LOG_ERROR, "service.failed", "%s", err.msg);
    return cli_fail(ctx, &err);
  }
  return 0;
}
