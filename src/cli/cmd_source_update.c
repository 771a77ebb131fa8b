/* cmd_source_update.c: `segship source update NAME ...`: changes how a file or PostgreSQL source is
 * read (its file, format, deletions, limits, connection, password file, timeout, incremental
 * column) without removing it. What it reads and how it is keyed (table, query, id column, mode)
 * is not changed here: that is a new source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/cmd_source_pg.h"
#include "ingest/ingest.h"
#include "source/postgres.h"
#include "store/pgsources.h"
#include "store/refreshes.h"

enum { OPT_FILE = 400, OPT_FORMAT, OPT_REPLACE, OPT_NO_REPLACE, OPT_MAX_DELETE, OPT_POSTGRES, OPT_PASSWORD_FILE,
       OPT_NO_PASSWORD_FILE, OPT_TIMEOUT, OPT_CHANGED, OPT_NO_CHANGED, OPT_FIXED };

typedef struct update_args {
  const char *name, *file, *format, *uri, *password_file, *changed;
  int replace; /* -1 unchanged, 0 off, 1 on */
  int max_delete; /* -1 unchanged */
  bool no_password_file, no_changed, timeout_set;
  int64_t timeout_ms;
  const char *fixed; /* an option that would make another source: --table, --query, --id, --mode */
} update_args;

static int update_file(cli_ctx *ctx, store *s, const store_source *cur, const update_args *a) {
  if (a->uri || a->password_file || a->no_password_file || a->timeout_set || a->changed || a->no_changed)
    return cli_usage_error(ctx, "'%s' is a file source: --postgres, --password-file, --statement-timeout and "
                           "--changed-column are for PostgreSQL sources", cur->name);
  store_source src = *cur;
  char *abs = NULL;
  if (a->file) {
    if (strlen(a->file) > 1000) return cli_usage_error(ctx, "the path is too long");
    abs = realpath(a->file, NULL); /* an absolute path: the service may run from another directory */
    snprintf(src.path, sizeof src.path, "%s", abs ? abs : a->file);
    if (!abs) fprintf(stderr, "segship: warning: %s does not exist yet; the refresh will report it until it does\n", a->file);
    free(abs);
  }
  if (a->format) {
    ingest_format f;
    if (strcmp(a->format, "auto") == 0) snprintf(src.format, sizeof src.format, "auto");
    else if (ingest_format_parse(a->format, &f))
      snprintf(src.format, sizeof src.format, "%s", f == INGEST_FORMAT_CSV ? "csv" : "jsonl");
    else return cli_usage_error(ctx, "unknown format '%s' (csv, jsonl or auto)", a->format);
  }
  if (a->replace >= 0) src.replace = a->replace;
  if (a->max_delete >= 0) src.max_delete = a->max_delete;
  seg_err err = {0};
  if (store_source_update(s, &src, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json)
    cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:b, s:i}", "name", src.name, "kind", "file", "path", src.path,
                             "format", src.format, "replace", src.replace, "max_delete", src.max_delete));
  else
    printf("updated source '%s' (%s, %s, %s, at most %d%% deleted a refresh)\n", cli_safe(src.name), cli_safe(src.path),
           src.format, src.replace ? "replace" : "upsert", src.max_delete);
  return 0;
}

static int update_pg(cli_ctx *ctx, store *s, const store_pg_source *cur, const update_args *a) {
  if (a->file || a->format)
    return cli_usage_error(ctx, "'%s' is a PostgreSQL source: --file and --format are for file sources", cur->name);
  bool pushdown = strcmp(cur->mode, "pushdown") == 0;
  if (pushdown && a->replace == 1)
    return cli_usage_error(ctx, "--replace is for --mode copy; in pushdown mode the store always holds exactly the "
                                "segments' members");
  if (pushdown && a->changed)
    return cli_usage_error(ctx, "--changed-column is for --mode copy; in pushdown mode every refresh evaluates the "
                                "segments over the whole table");
  if (a->changed && strlen(a->changed) > STORE_NAME_MAX)
    return cli_usage_error(ctx, "a column name is over %d bytes", STORE_NAME_MAX);
  if (a->uri && strlen(a->uri) > STORE_PG_URI_MAX) return cli_usage_error(ctx, "the URI is over %d bytes", STORE_PG_URI_MAX);
  seg_err err = {0};
  if (a->uri && pg_uri_check(a->uri, &err) != SEG_OK) return cli_fail(ctx, &err);
  store_pg_source src = *cur; /* the owned strings stay cur's; replaced ones point at a's or abs */
  char *abs = NULL;
  if (a->password_file) {
    if (!(abs = realpath(a->password_file, NULL))) {
      seg_err_set(&err, SEG_ENOTFOUND, "the password file %s cannot be found; check the path", a->password_file);
      return cli_fail(ctx, &err);
    }
    src.password_file = abs;
  }
  if (a->no_password_file) src.password_file = (char *)"";
  if (a->uri) src.uri = (char *)a->uri;
  if (a->timeout_set) src.statement_timeout_ms = a->timeout_ms;
  if (a->replace >= 0) src.replace = a->replace;
  if (a->max_delete >= 0) src.max_delete = a->max_delete;
  bool restart = false; /* the high-water mark no longer means anything: the next refresh reads every row */
  if (a->changed && strcmp(a->changed, cur->changed_column) != 0) {
    snprintf(src.changed_column, sizeof src.changed_column, "%s", a->changed);
    restart = true;
  }
  if (a->no_changed && cur->changed_column[0]) {
    src.changed_column[0] = '\0';
    restart = true;
  }
  if (a->uri && strcmp(a->uri, cur->uri) != 0 && src.changed_column[0]) restart = true; /* another database */
  if (restart) src.high_water = (char *)"";
  /* A new address, password or column is checked now, as at add time, not at the next refresh. */
  bool reconnect = a->uri || a->password_file || a->no_password_file || a->changed;
  pg_description d = {0};
  seg_code rc = SEG_OK;
  if (reconnect) rc = pg_source_describe(&src, &d, &err);
  if (rc == SEG_OK && reconnect) rc = pg_source_prepare_schema(s, &src, &d, &err);
  if (rc == SEG_OK) rc = store_pg_source_update(s, &src, &err);
  if (reconnect) pg_description_free(&d);
  if (rc != SEG_OK) {
    free(abs);
    return cli_fail(ctx, &err);
  }
  if (ctx->json) {
    json_t *o = cli_source_pg_json(&src);
    json_object_set_new(o, "reads_every_row_next", json_boolean(restart));
    cli_print_json(o);
  } else {
    printf("updated source '%s' (PostgreSQL, mode %s)%s\n", cli_safe(src.name), src.mode,
           restart ? "; the next refresh reads every row again" : "");
  }
  free(abs);
  return 0;
}

int cli_source_update(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"file", required_argument, OPT_FILE, "PATH", "file sources: the file to import at each refresh"},
      {"format", required_argument, OPT_FORMAT, "csv|jsonl|auto", "file sources: its format (auto: from the extension)"},
      {"replace", no_argument, OPT_REPLACE, NULL, "profiles the source lacks are deleted (copy mode for PostgreSQL)"},
      {"no-replace", no_argument, OPT_NO_REPLACE, NULL, "profiles the source lacks are kept"},
      {"max-delete", required_argument, OPT_MAX_DELETE, "PCT",
       "with --replace, the most one refresh may delete, in percent of the stored profiles (100: no limit)"},
      {"postgres", required_argument, OPT_POSTGRES, "URI", "PostgreSQL sources: another address, no password"},
      {"password-file", required_argument, OPT_PASSWORD_FILE, "FILE", "PostgreSQL sources: read the password from FILE"},
      {"no-password-file", no_argument, OPT_NO_PASSWORD_FILE, NULL,
       "PostgreSQL sources: the password comes from libpq's environment (PGPASSWORD, PGPASSFILE)"},
      {"statement-timeout", required_argument, OPT_TIMEOUT, "DURATION", "PostgreSQL sources: cancel a statement after this (0: never)"},
      {"changed-column", required_argument, OPT_CHANGED, "COLUMN",
       "PostgreSQL copy sources: read only rows where it grew (the next refresh reads every row once)"},
      {"no-changed-column", no_argument, OPT_NO_CHANGED, NULL, "PostgreSQL copy sources: read every row at each refresh"},
      {"table", required_argument, OPT_FIXED, "VALUE", "not changeable: remove the source and add it again"},
      {"query", required_argument, OPT_FIXED, "VALUE", "not changeable: remove the source and add it again"},
      {"id", required_argument, OPT_FIXED, "VALUE", "not changeable: remove the source and add it again"},
      {"mode", required_argument, OPT_FIXED, "VALUE", "not changeable: remove the source and add it again"},
      {0}};
  const char *usage = "segship source update NAME [--file PATH] [--format csv|jsonl|auto] [--replace|--no-replace] "
                      "[--max-delete PCT] [--postgres URI] [--password-file FILE|--no-password-file] "
                      "[--statement-timeout DURATION] [--changed-column COLUMN|--no-changed-column] [--json]";
  update_args a = {.replace = -1, .max_delete = -1};
  int changes = 0, c;
  const char *v;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    changes += c != 1;
    switch (c) {
      case OPT_FILE: a.file = v; break;
      case OPT_FORMAT: a.format = v; break;
      case OPT_REPLACE: a.replace = 1; break;
      case OPT_NO_REPLACE: a.replace = 0; break;
      case OPT_MAX_DELETE:
        if (!cli_parse_percent(ctx, "--max-delete", v, &a.max_delete)) return 2;
        break;
      case OPT_POSTGRES: a.uri = v; break;
      case OPT_PASSWORD_FILE: a.password_file = v; break;
      case OPT_NO_PASSWORD_FILE: a.no_password_file = true; break;
      case OPT_TIMEOUT:
        if (!cli_parse_pg_timeout(v, &a.timeout_ms))
          return cli_usage_error(ctx, "--statement-timeout '%s' is not a duration such as 30s, 500ms or 5m", v);
        a.timeout_set = true;
        break;
      case OPT_CHANGED: a.changed = v; break;
      case OPT_NO_CHANGED: a.no_changed = true; break;
      case OPT_FIXED:
        return cli_usage_error(ctx, "a source's table, query, id column and mode cannot change (the profiles would be "
                                    "other profiles); remove the source and add it again");
      case 1:
        if (a.name) return cli_usage_error(ctx, "give one source name");
        a.name = v;
        break;
    }
  }
  if (!a.name) return cli_usage_error(ctx, "give the source's name");
  if (!changes) return cli_usage_error(ctx, "give at least one setting to change; 'segship source update --help' lists them");
  if (a.password_file && a.no_password_file)
    return cli_usage_error(ctx, "give --password-file FILE or --no-password-file, not both");
  if (a.changed && a.no_changed) return cli_usage_error(ctx, "give --changed-column COLUMN or --no-changed-column, not both");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  store_source *files = NULL;
  store_pg_source *pgs = NULL;
  size_t n_files = 0, n_pgs = 0;
  if (store_sources_list(s, &files, &n_files, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (store_pg_sources_list(s, &pgs, &n_pgs, &err) != SEG_OK) {
    free(files);
    return cli_fail(ctx, &err);
  }
  int rc = -1;
  for (size_t i = 0; i < n_files && rc < 0; i++)
    if (strcasecmp(files[i].name, a.name) == 0) rc = update_file(ctx, s, &files[i], &a);
  for (size_t i = 0; i < n_pgs && rc < 0; i++)
    if (strcasecmp(pgs[i].name, a.name) == 0) rc = update_pg(ctx, s, &pgs[i], &a);
  free(files);
  store_pg_sources_free(pgs, n_pgs);
  if (rc < 0) {
    seg_err_set(&err, SEG_ENOTFOUND, "there is no source '%s'; 'segship source list' shows them", a.name);
    return cli_fail(ctx, &err);
  }
  return rc;
}
