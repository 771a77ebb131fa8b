/* cmd_source_pg.c: `segship source add NAME --postgres URI ...` and how PostgreSQL sources are shown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_source_pg.h"
#include "source/postgres.h"
#include "store/import.h"
#include "store/pgsources.h"

enum { OPT_POSTGRES = 300, OPT_TABLE, OPT_QUERY, OPT_ID, OPT_MODE, OPT_CHANGED, OPT_REPLACE, OPT_PASSWORD_FILE,
       OPT_TIMEOUT, OPT_MAX_DELETE };

bool cli_parse_pg_timeout(const char *v, int64_t *ms) {
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (end == v || n < 0 || errno) return false;
  long long unit = 1000;
  if (strcmp(end, "ms") == 0) unit = 1;
  else if (strcmp(end, "s") == 0 || !*end) unit = 1000;
  else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0) unit = 60000;
  else if (strcmp(end, "h") == 0) unit = 3600000;
  else return false;
  if (n > 86400000LL / unit * 24) return false; /* at most 24 days: PostgreSQL's limit is an int of ms */
  *ms = n * unit;
  return true;
}

json_t *cli_source_pg_json(const store_pg_source *p) {
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I}", "name", p->name, "kind", "postgres", "uri", p->uri,
                        "id_column", p->id_column, "mode", p->mode, "replace", p->replace, "statement_timeout_ms",
                        (json_int_t)p->statement_timeout_ms);
  json_object_set_new(o, "max_delete", json_integer(p->max_delete));
  if (p->relation[0]) json_object_set_new(o, "table", json_string(p->relation));
  if (p->query[0]) json_object_set_new(o, "query", json_string(p->query));
  if (p->changed_column[0]) {
    json_object_set_new(o, "changed_column", json_string(p->changed_column));
    json_object_set_new(o, "high_water", json_string(p->high_water));
  }
  /* The password itself is never stored; only where it is read from. */
  json_object_set_new(o, "password", json_string(p->password_file[0] ? "from --password-file" : "from libpq's environment"));
  if (p->password_file[0]) json_object_set_new(o, "password_file", json_string(p->password_file));
  return o;
}

void cli_source_pg_print(const store_pg_source *p) {
  printf("%-24s %-6s %-8s postgres %s %s (%s, id %s)\n", cli_safe(p->name), p->mode, p->replace ? "replace" : "upsert",
         cli_safe(p->uri), cli_safe(p->relation[0] ? p->relation : "query"),
         p->changed_column[0] ? "incremental" : "full", cli_safe(p->id_column));
}

int cli_source_add_postgres(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"postgres", required_argument, OPT_POSTGRES, "URI", "the database (postgresql://user@host/db?sslmode=...), no password"},
      {"table", required_argument, OPT_TABLE, "[SCHEMA.]TABLE", "the table (or view) of profiles; names keep their case"},
      {"query", required_argument, OPT_QUERY, "SELECT", "a query of your own instead of --table"},
      {"id", required_argument, OPT_ID, "COLUMN", "the column holding each profile's id"},
      {"mode", required_argument, OPT_MODE, "copy|pushdown",
       "copy: every row is copied in (default); pushdown: segments run in PostgreSQL, only members come back"},
      {"changed-column", required_argument, OPT_CHANGED, "COLUMN", "read only rows where it grew since the last refresh"},
      {"replace", no_argument, OPT_REPLACE, NULL, "profiles whose rows are gone from the source are deleted"},
      {"max-delete", required_argument, OPT_MAX_DELETE, "PCT",
       "the most one refresh may delete, in percent of the stored profiles (default 20; 100: no limit)"},
      {"password-file", required_argument, OPT_PASSWORD_FILE, "FILE", "read the password from FILE's first line"},
      {"statement-timeout", required_argument, OPT_TIMEOUT, "DURATION", "cancel a statement after this (default 5m; 0: never)"},
      {0}};
  const char *usage = "segship source add NAME --postgres URI (--table [SCHEMA.]TABLE | --query SELECT) --id COLUMN "
                      "[--mode copy|pushdown] [--changed-column COLUMN] [--replace] [--max-delete PCT] [--password-file FILE] "
                      "[--statement-timeout DURATION] [--json]";
  store_pg_source src = {0};
  snprintf(src.mode, sizeof src.mode, "copy");
  src.statement_timeout_ms = PG_SOURCE_DEFAULT_TIMEOUT_MS;
  src.max_delete = STORE_MAX_DELETE_DEFAULT;
  const char *name = NULL, *uri = NULL, *table = NULL, *query = NULL, *id = NULL, *changed = NULL, *pwfile = NULL, *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    switch (c) {
      case OPT_POSTGRES: uri = v; break;
      case OPT_TABLE: table = v; break;
      case OPT_QUERY: query = v; break;
      case OPT_ID: id = v; break;
      case OPT_CHANGED: changed = v; break;
      case OPT_REPLACE: src.replace = true; break;
      case OPT_PASSWORD_FILE: pwfile = v; break;
      case OPT_MAX_DELETE:
        if (!cli_parse_percent(ctx, "--max-delete", v, &src.max_delete)) return 2;
        break;
      case OPT_MODE:
        if (strcmp(v, "copy") != 0 && strcmp(v, "pushdown") != 0)
          return cli_usage_error(ctx, "unknown mode '%s' (copy or pushdown)", v);
        snprintf(src.mode, sizeof src.mode, "%s", v);
        break;
      case OPT_TIMEOUT:
        if (!cli_parse_pg_timeout(v, &src.statement_timeout_ms))
          return cli_usage_error(ctx, "--statement-timeout '%s' is not a duration such as 30s, 500ms or 5m", v);
        break;
      case 1:
        if (name) return cli_usage_error(ctx, "give one source name");
        name = v;
        break;
    }
  }
  if (!name || !uri) return cli_usage_error(ctx, "give the source's name and --postgres URI");
  if (!table == !query) return cli_usage_error(ctx, "give either --table [SCHEMA.]TABLE or --query \"SELECT ...\"");
  if (!id) return cli_usage_error(ctx, "give the id column with --id COLUMN");
  if (strlen(name) > 128) return cli_usage_error(ctx, "the source name is over 128 bytes");
  if (strlen(uri) > STORE_PG_URI_MAX) return cli_usage_error(ctx, "the URI is over %d bytes", STORE_PG_URI_MAX);
  if (query && strlen(query) > STORE_PG_QUERY_MAX)
    return cli_usage_error(ctx, "the query is over %d bytes", STORE_PG_QUERY_MAX);
  if (table && (strlen(table) > 2 * STORE_NAME_MAX + 1 || !table[0] || table[0] == '.' || table[strlen(table) - 1] == '.'))
    return cli_usage_error(ctx, "--table '%s' is not [SCHEMA.]TABLE", table);
  if (changed && strcmp(src.mode, "pushdown") == 0)
    return cli_usage_error(ctx, "--changed-column is for --mode copy; in pushdown mode every refresh evaluates the "
                                "segments over the whole table");
  if (src.replace && strcmp(src.mode, "pushdown") == 0)
    return cli_usage_error(ctx, "--replace is for --mode copy; in pushdown mode the store always holds exactly the "
                                "segments' members");
  if (strlen(id) > STORE_NAME_MAX || (changed && strlen(changed) > STORE_NAME_MAX))
    return cli_usage_error(ctx, "a column name is over %d bytes", STORE_NAME_MAX);
  seg_err err = {0};
  if (pg_uri_check(uri, &err) != SEG_OK) return cli_fail(ctx, &err);
  snprintf(src.name, sizeof src.name, "%s", name);
  snprintf(src.id_column, sizeof src.id_column, "%s", id);
  if (changed) snprintf(src.changed_column, sizeof src.changed_column, "%s", changed);
  char *abs = pwfile ? realpath(pwfile, NULL) : NULL;
  if (pwfile && !abs) {
    seg_err_set(&err, SEG_ENOTFOUND, "the password file %s cannot be found; check the path", pwfile);
    return cli_fail(ctx, &err);
  }
  src.uri = (char *)uri;
  src.relation = (char *)(table ? table : "");
  src.query = (char *)(query ? query : "");
  src.password_file = abs ? abs : (char *)"";
  src.high_water = (char *)"";

  /* Connect once now: a wrong URI, password, table or column is said at once, not at the first refresh. */
  pg_description d;
  if (pg_source_describe(&src, &d, &err) != SEG_OK) {
    free(abs);
    return cli_fail(ctx, &err);
  }
  store *s = cli_store(ctx, &err);
  if (!s || store_pg_source_add(s, &src, &err) != SEG_OK || pg_source_prepare_schema(s, &src, &d, &err) != SEG_OK) {
    pg_description_free(&d);
    free(abs);
    return cli_fail(ctx, &err);
  }
  json_t *left = json_array();
  size_t kept = 0;
  for (size_t i = 0; i < d.n; i++) {
    if (d.cols[i].kept) {
      kept++;
      continue;
    }
    json_array_append_new(left, json_pack("{s:s, s:s}", "column", d.cols[i].name, "type", d.cols[i].type_name));
    if (!ctx->json)
      fprintf(stderr,
              "segship: column '%s' (%s) is left out: segship holds numbers, booleans, dates, timestamps and text; "
              "cast it in a --query to keep it\n",
              d.cols[i].name, d.cols[i].type_name);
  }
  if (ctx->json) {
    json_t *o = cli_source_pg_json(&src);
    json_object_set_new(o, "columns", json_integer((json_int_t)kept));
    json_object_set_new(o, "left_out", left);
    cli_print_json(o);
  } else {
    json_decref(left);
    printf("added source '%s' (PostgreSQL, %s, %zu columns, mode %s; 'segship refresh' reads it)\n", src.name,
           table ? table : "query", kept, src.mode);
  }
  pg_description_free(&d);
  free(abs);
  return 0;
}
