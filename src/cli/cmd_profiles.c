/* cmd_profiles.c: `segship profiles import | count | show | list | generate`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/ingest.h"
#include "ingest/synth.h"
#include "segment/segment.h"
#include "util/clock.h"

enum { OPT_FORMAT = 256, OPT_ID, OPT_REPLACE, OPT_MAX_DELETE, OPT_STRICT, OPT_LIMIT, OPT_OFFSET, OPT_COUNT, OPT_SEED, OPT_OUT,
       OPT_CHANGED, OPT_MOVED, OPT_INVALID, OPT_DUPLICATE };

static json_t *report_json(const ingest_report *r, const char *file) {
  json_t *problems = json_array();
  for (size_t i = 0; i < r->n_problems; i++) {
    const ingest_problem *p = &r->problems[i];
    json_t *o = json_pack("{s:I, s:s}", "line", (json_int_t)p->line, "reason", p->reason);
    if (p->id[0]) json_object_set_new(o, "id", json_string(p->id));
    json_array_append_new(problems, o);
  }
  json_t *widened = json_array();
  for (size_t i = 0; i < r->n_widenings; i++) {
    const ingest_widening *w = &r->widenings[i];
    json_array_append_new(widened, json_pack("{s:s, s:s, s:s, s:I}", "attribute", w->attr, "from",
                                             attr_type_name(w->from), "to", attr_type_name(w->to), "line",
                                             (json_int_t)w->line));
  }
  return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:f}", "file", file, "format", r->format,
                   "rows", (json_int_t)r->rows, "inserted", (json_int_t)r->counts.inserted, "updated",
                   (json_int_t)r->counts.updated, "unchanged", (json_int_t)r->counts.unchanged, "deleted",
                   (json_int_t)r->counts.deleted, "rejected", (json_int_t)r->rejected, "new_attributes",
                   (json_int_t)r->new_attributes, "widened", widened, "rejections", problems, "duration_s", r->seconds);
}

static int cmd_import(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"format", required_argument, OPT_FORMAT, "csv|jsonl", "the file's format (default: from its extension)"},
      {"id", required_argument, OPT_ID, "ATTR", "the id column (default: the store's, else CustomerId)"},
      {"replace", no_argument, OPT_REPLACE, NULL, "the file is the complete set: delete profiles it does not name"},
      {"max-delete", required_argument, OPT_MAX_DELETE, "PCT",
       "with --replace, refuse to delete more than PCT% of the stored profiles (default 20; 100: no limit)"},
      {"strict", no_argument, OPT_STRICT, NULL, "refuse the whole file at its first bad row"},
      {0}};
  const char *usage =
      "segship profiles import FILE [--format csv|jsonl] [--id ATTR] [--replace [--max-delete PCT]] [--strict] [--json]";
  ingest_options opt = {.max_delete_pct = STORE_MAX_DELETE_DEFAULT};
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_FORMAT:
        if (!ingest_format_parse(v, &opt.format)) return cli_usage_error(ctx, "unknown format '%s' (csv or jsonl)", v);
        break;
      case OPT_ID: opt.id_name = v; break;
      case OPT_REPLACE: opt.replace = true; break;
      case OPT_MAX_DELETE:
        if (!cli_parse_percent(ctx, "--max-delete", v, &opt.max_delete_pct)) return 2;
        break;
      case OPT_STRICT: opt.strict = true; break;
      case 1:
        if (opt.path) return cli_usage_error(ctx, "give one file at a time");
        opt.path = v;
        break;
    }
  }
  if (!opt.path) return cli_usage_error(ctx, "give the file to import (or - for standard input)");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  ingest_report rep;
  if (ingest_import(s, &opt, &rep, &err) != SEG_OK) return cli_fail(ctx, &err);
  int broken = 0;
  if ((rep.n_widenings || rep.new_attributes) && segment_recheck(s, &broken, &err) != SEG_OK) {
    ingest_report_free(&rep);
    return cli_fail(ctx, &err);
  }
  if (ctx->json) {
    cli_print_json(report_json(&rep, opt.path));
  } else {
    printf("imported %s (%s, %lld rows) in %.1f s\n", cli_safe(opt.path), rep.format, (long long)rep.rows, rep.seconds);
    printf("  inserted   %lld\n  updated    %lld\n  unchanged  %lld\n  deleted    %lld\n  rejected   %lld\n",
           (long long)rep.counts.inserted, (long long)rep.counts.updated, (long long)rep.counts.unchanged,
           (long long)rep.counts.deleted, (long long)rep.rejected);
    if (rep.new_attributes) printf("new attributes: %zu ('segship schema' shows their types)\n", rep.new_attributes);
    for (size_t i = 0; i < rep.n_widenings; i++)
      printf("widened %s from %s to %s (line %lld needed it)\n", cli_safe(rep.widenings[i].attr),
             attr_type_name(rep.widenings[i].from), attr_type_name(rep.widenings[i].to),
             (long long)rep.widenings[i].line);
    size_t shown = rep.n_problems < 20 ? rep.n_problems : 20;
    if (rep.rejected) printf("rejected rows (fix them and import the file again):\n");
    for (size_t i = 0; i < shown; i++)
      printf("  line %lld%s%s%s: %s\n", (long long)rep.problems[i].line, rep.problems[i].id[0] ? " (" : "",
             cli_safe(rep.problems[i].id), rep.problems[i].id[0] ? ")" : "", cli_safe(rep.problems[i].reason));
    if ((int64_t)shown < rep.rejected)
      printf("  ... and %lld more ('--json' lists up to %d)\n", (long long)(rep.rejected - (int64_t)shown),
             INGEST_MAX_PROBLEMS);
  }
  ingest_report_free(&rep);
  if (broken) cli_warn_broken(broken);
  return 0;
}

static int no_args(cli_ctx *ctx, int argc, char **argv, const char *usage) {
  static const cli_option opts[] = {{0}};
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  return -1;
}

static int cmd_count(cli_ctx *ctx, int argc, char **argv) {
  int rc = no_args(ctx, argc, argv, "segship profiles count [--json]");
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  int64_t n;
  if (!s || store_profiles_count(s, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(json_pack("{s:I}", "profiles", (json_int_t)n));
  else printf("%lld\n", (long long)n);
  return 0;
}

static json_t *profile_json(const store_schema *schema, const store_profile *p) {
  json_t *attrs = json_object();
  for (size_t i = 0; i < schema->n; i++) json_object_set_new(attrs, schema->attrs[i].name, cli_value_json(&p->values[i]));
  char changed[25], created[25];
  return json_pack("{s:s, s:o, s:s, s:s}", "id", p->customer_id, "attributes", attrs, "changed_at",
                   clock_format_ms(p->changed_at, changed), "created_at", clock_format_ms(p->created_at, created));
}

static int cmd_show(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *usage = "segship profiles show ID [--json]";
  const char *id = NULL, *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == 1) {
      if (id) return cli_usage_error(ctx, "give one profile id");
      id = v;
    }
  }
  if (!id) return cli_usage_error(ctx, "give the profile id to show");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  store_schema schema;
  if (store_schema_load(s, &schema, &err) != SEG_OK) return cli_fail(ctx, &err);
  store_profile p;
  if (store_profile_get(s, &schema, id, &p, &err) != SEG_OK) {
    store_schema_free(&schema);
    return cli_fail(ctx, &err);
  }
  if (ctx->json) {
    cli_print_json(profile_json(&schema, &p));
  } else {
    for (size_t i = 0; i < schema.n; i++) {
      char tmp[64];
      size_t n;
      const char *t = seg_value_canonical(&p.values[i], tmp, sizeof tmp, &n);
      int len;
      t = cli_safe_n(t, n, &len);
      printf("%-24s %.*s\n", cli_safe(schema.attrs[i].name), len, t);
    }
    char changed[25];
      printf("%-24s %s\n", "(changed at)", clock_format_ms(p.changed_at, changed));
  }
  store_profile_free(&p);
  store_schema_free(&schema);
  return 0;
}

typedef struct list_ctx {
  const store_schema *schema;
  json_t *arr;
  size_t shown_cols;
} list_ctx;

static int list_one(const store_profile *p, void *arg) {
  list_ctx *lc = arg;
  if (lc->arr) {
    json_array_append_new(lc->arr, profile_json(lc->schema, p));
    return 0;
  }
  for (size_t i = 0; i < lc->shown_cols; i++) {
    char tmp[64];
    size_t n;
    const char *t = seg_value_canonical(&p->values[i], tmp, sizeof tmp, &n);
    int len;
    t = cli_safe_n(t, n, &len); /* a tab or a newline in a value cannot break the columns either */
    printf("%s%.*s", i ? "\t" : "", len, t);
  }
  putchar('\n');
  return 0;
}

static int cmd_list(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"limit", required_argument, OPT_LIMIT, "N", "at most N profiles (default 20; 0: all)"},
      {"offset", required_argument, OPT_OFFSET, "N", "skip the first N"},
      {0}};
  const char *usage = "segship profiles list [--limit N] [--offset N] [--json]";
  long long limit = 20, offset = 0;
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_LIMIT && !cli_parse_count(ctx, "--limit", v, &limit)) return 2;
    if (c == OPT_OFFSET && !cli_parse_count(ctx, "--offset", v, &offset)) return 2;
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  store_schema schema;
  if (store_schema_load(s, &schema, &err) != SEG_OK) return cli_fail(ctx, &err);
  list_ctx lc = {.schema = &schema, .arr = ctx->json ? json_array() : NULL, .shown_cols = schema.n};
  if (!ctx->json) {
    for (size_t i = 0; i < schema.n; i++) printf("%s%s", i ? "\t" : "", cli_safe(schema.attrs[i].name));
    putchar('\n');
  }
  seg_code rc = store_profiles_each(s, &schema, limit == 0 ? -1 : limit, offset, list_one, &lc, &err);
  store_schema_free(&schema);
  if (rc != SEG_OK) {
    json_decref(lc.arr);
    return cli_fail(ctx, &err);
  }
  if (lc.arr) cli_print_json(json_pack("{s:o}", "profiles", lc.arr));
  return 0;
}

static bool parse_pct(cli_ctx *ctx, const char *opt, const char *v, double *out) {
  char *end;
  double d = strtod(v, &end);
  if (!*v || *end || d < 0 || d > 100) {
    cli_usage_error(ctx, "%s takes a percentage from 0 to 100, not '%s'", opt, v);
    return false;
  }
  *out = d;
  return true;
}

static int cmd_generate(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"count", required_argument, OPT_COUNT, "N", "how many profiles (default 1000)"},
      {"seed", required_argument, OPT_SEED, "N", "the seed: the same seed gives the same profiles (default 42)"},
      {"format", required_argument, OPT_FORMAT, "csv|jsonl", "the output format (default csv)"},
      {"out", required_argument, OPT_OUT, "FILE", "write to FILE (default: standard output)"},
      {"changed", required_argument, OPT_CHANGED, "PCT", "percent of profiles that bought again since (default 0)"},
      {"moved", required_argument, OPT_MOVED, "PCT", "percent of profiles whose email changed (default 0)"},
      {"invalid", required_argument, OPT_INVALID, "PCT", "percent with a bad or missing email (default 1)"},
      {"duplicate", required_argument, OPT_DUPLICATE, "PCT", "percent sharing another's email (default 0.5)"},
      {0}};
  const char *usage = "segship profiles generate [--count N] [--seed N] [--format csv|jsonl] [--out FILE] "
                      "[--changed PCT] [--moved PCT]";
  synth_options o;
  synth_defaults(&o);
  const char *out_path = NULL, *v;
  long long n;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_COUNT:
        if (!cli_parse_count(ctx, "--count", v, &n)) return 2;
        o.count = n;
        break;
      case OPT_SEED:
        if (!cli_parse_count(ctx, "--seed", v, &n)) return 2;
        o.seed = (uint64_t)n;
        break;
      case OPT_FORMAT: {
        ingest_format f;
        if (!ingest_format_parse(v, &f)) return cli_usage_error(ctx, "unknown format '%s' (csv or jsonl)", v);
        o.jsonl = f == INGEST_FORMAT_JSONL;
        break;
      }
      case OPT_OUT: out_path = v; break;
      case OPT_CHANGED: if (!parse_pct(ctx, "--changed", v, &o.changed_pct)) return 2; break;
      case OPT_MOVED: if (!parse_pct(ctx, "--moved", v, &o.moved_pct)) return 2; break;
      case OPT_INVALID: if (!parse_pct(ctx, "--invalid", v, &o.invalid_pct)) return 2; break;
      case OPT_DUPLICATE: if (!parse_pct(ctx, "--duplicate", v, &o.duplicate_pct)) return 2; break;
      case 1: return cli_usage_error(ctx, "unexpected argument '%s'", v);
    }
  }
  FILE *out = stdout;
  if (out_path) {
    /* never through a symbolic link: it could point at a file of the user's that this would overwrite */
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ELOOP) {
      fprintf(stderr, "segship: %s is a symbolic link, which --out does not follow; give the real path\n", out_path);
      return 1;
    }
    if (fd < 0 || !(out = fdopen(fd, "w"))) {
      fprintf(stderr, "segship: cannot write %s: %s\n", out_path, strerror(errno));
      if (fd >= 0) close(fd);
      return 1;
    }
  }
  int rc = synth_write(out, &o);
  if (out != stdout && fclose(out) != 0) rc = -1;
  if (rc != 0) {
    fprintf(stderr, "segship: writing the profiles failed: %s\n", strerror(errno));
    return 1;
  }
  return 0;
}

const cli_command cli_profiles_commands[] = {
    {"import", cmd_import, NULL, "import a CSV or JSON Lines file of profiles (upsert by id)"},
    {"count", cmd_count, NULL, "how many profiles the store holds"},
    {"show", cmd_show, NULL, "one profile, every attribute"},
    {"list", cmd_list, NULL, "profiles in id order"},
    {"generate", cmd_generate, NULL, "write realistic synthetic profiles (for demos, tests, benchmarks)"},
    {NULL, NULL, NULL, NULL},
};
