/* cmd_segment.c: `segship segment create | update | delete | list | show | refresh | preview`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "segment/segment.h"
#include "util/clock.h"

enum { OPT_RULE = 256, OPT_DESCRIPTION, OPT_NAME, OPT_MEMBERS, OPT_HISTORY };

static json_t *result_json(const segment_result *r) {
  if (!r->ok) return json_pack("{s:s, s:s, s:s}", "name", r->name, "status", "broken", "error", r->error);
  return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "name", r->name, "status", "refreshed", "members",
                   (json_int_t)r->members, "joined", (json_int_t)r->joined, "left", (json_int_t)r->left, "duration_ms",
                   (json_int_t)r->duration_ms);
}

static void print_result(const segment_result *r) {
  if (r->ok)
    printf("%-32s %10lld members  +%lld -%lld  (%lld ms)\n", cli_safe(r->name), (long long)r->members, (long long)r->joined,
           (long long)r->left, (long long)r->duration_ms);
  else
    printf("%-32s BROKEN: %s\n", cli_safe(r->name), cli_safe(r->error));
}

/* Parses the options shared by create and update. Returns -1 to go on, else an exit code. */
static int parse_edit(cli_ctx *ctx, int argc, char **argv, const char *usage, const char **name, const char **rule,
                      const char **description, const char **new_name, bool allow_rename) {
  static const cli_option create_opts[] = {
      {"rule", required_argument, OPT_RULE, "EXPR", "the rule (see docs/rules.md)"},
      {"description", required_argument, OPT_DESCRIPTION, "TEXT", "what the segment is for"},
      {0}};
  static const cli_option update_opts[] = {
      {"rule", required_argument, OPT_RULE, "EXPR", "a new rule"},
      {"description", required_argument, OPT_DESCRIPTION, "TEXT", "a new description"},
      {"name", required_argument, OPT_NAME, "NEW", "a new name"},
      {0}};
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, allow_rename ? update_opts : create_opts, usage, &v)) != CLI_OPT_END) {
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_RULE: *rule = v; break;
      case OPT_DESCRIPTION: *description = v; break;
      case OPT_NAME: *new_name = v; break;
      case 1:
        if (*name) return cli_usage_error(ctx, "give one segment name (quote names with spaces)");
        *name = v;
        break;
    }
  }
  if (!*name) return cli_usage_error(ctx, "give the segment's name");
  return -1;
}

static int cmd_create(cli_ctx *ctx, int argc, char **argv) {
  const char *usage = "segship segment create NAME --rule EXPR [--description TEXT] [--json]";
  const char *name = NULL, *rule = NULL, *description = NULL, *unused = NULL;
  int rc = parse_edit(ctx, argc, argv, usage, &name, &rule, &description, &unused, false);
  if (rc >= 0) return rc;
  if (!rule) return cli_usage_error(ctx, "give the rule with --rule");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  segment_result r;
  if (segment_create(s, name, rule, description, &r, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(result_json(&r));
  else printf("created segment '%s': %lld members\n", cli_safe(r.name), (long long)r.members);
  return 0;
}

static int print_results(cli_ctx *ctx, segment_result *res, size_t n) {
  int broken = 0;
  json_t *arr = ctx->json ? json_array() : NULL;
  for (size_t i = 0; i < n; i++) {
    broken += !res[i].ok;
    if (arr) json_array_append_new(arr, result_json(&res[i]));
    else print_result(&res[i]);
  }
  if (arr) cli_print_json(json_pack("{s:o, s:i}", "segments", arr, "broken", broken));
  if (broken)
    fprintf(stderr, "segship: %d segment%s could not be refreshed (broken rule); the others were\n", broken,
            broken == 1 ? "" : "s");
  return broken ? 1 : 0;
}

static int cmd_update(cli_ctx *ctx, int argc, char **argv) {
  const char *usage = "segship segment update NAME [--rule EXPR] [--description TEXT] [--name NEW] [--json]";
  const char *name = NULL, *rule = NULL, *description = NULL, *new_name = NULL;
  int rc = parse_edit(ctx, argc, argv, usage, &name, &rule, &description, &new_name, true);
  if (rc >= 0) return rc;
  if (!rule && !description && !new_name) return cli_usage_error(ctx, "nothing to change: give --rule, --description or --name");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  segment_result *res;
  size_t n;
  if (segment_update(s, name, rule, description, new_name, &res, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (!ctx->json) printf("updated segment '%s'\n", cli_safe(new_name ? new_name : name));
  rc = n || ctx->json ? print_results(ctx, res, n) : 0;
  free(res);
  return rc;
}

static int one_name(cli_ctx *ctx, int argc, char **argv, const char *usage, const cli_option *opts,
                    const char **name, long long *members, long long *history, bool required) {
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_MEMBERS: if (!cli_parse_count(ctx, "--members", v, members)) return 2; break;
      case OPT_HISTORY: if (!cli_parse_count(ctx, "--history", v, history)) return 2; break;
      case 1:
        if (*name) return cli_usage_error(ctx, "give one segment name (quote names with spaces)");
        *name = v;
        break;
    }
  }
  if (required && !*name) return cli_usage_error(ctx, "give the segment's name");
  return -1;
}

static int cmd_delete(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *name = NULL;
  int rc = one_name(ctx, argc, argv, "segship segment delete NAME [--json]", opts, &name, NULL, NULL, true);
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s || segment_delete(s, name, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(json_pack("{s:s, s:b}", "name", name, "deleted", 1));
  else printf("deleted segment '%s'\n", cli_safe(name));
  return 0;
}

static void fmt_time(int64_t ms, char *out) {
  if (ms <= 0) snprintf(out, 25, "never");
  else clock_format_ms(ms, out);
}

static int cmd_list(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *name = NULL;
  int rc = one_name(ctx, argc, argv, "segship segment list [--json]", opts, &name, NULL, NULL, false);
  if (rc >= 0) return rc;
  if (name) return cli_usage_error(ctx, "unexpected argument '%s'", name);
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_segment *all;
  size_t n;
  if (!s || store_segments_list(s, &all, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
      char at[25];
      fmt_time(all[i].refreshed_at, at);
      json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "name", all[i].name, "rule", all[i].rule, "description",
                            all[i].description, "members",
                            all[i].members < 0 ? json_null() : json_integer(all[i].members), "refreshed_at", at,
                            "status", all[i].broken ? "broken" : "ok");
      if (all[i].broken) json_object_set_new(o, "error", json_string(all[i].broken));
      json_array_append_new(arr, o);
    }
    cli_print_json(json_pack("{s:o}", "segments", arr));
  } else if (n == 0) {
    printf("no segments yet: create one with 'segship segment create NAME --rule EXPR'\n");
  } else {
    printf("%-32s %10s  %-24s %s\n", "SEGMENT", "MEMBERS", "REFRESHED", "RULE");
    for (size_t i = 0; i < n; i++) {
      char at[25];
      fmt_time(all[i].refreshed_at, at);
      printf("%-32s %10lld  %-24s %s%s\n", cli_safe(all[i].name), (long long)all[i].members, at,
             all[i].broken ? "BROKEN: " : "", cli_safe(all[i].broken ? all[i].broken : all[i].rule));
    }
  }
  store_segments_free(all, n);
  return 0;
}

typedef struct id_list {
  json_t *arr;
} id_list;

static int collect_id(const char *id, void *ctx) {
  id_list *l = ctx;
  if (l->arr) json_array_append_new(l->arr, json_string(id ? id : ""));
  else printf("  %s\n", id ? cli_safe(id) : "(deleted profile)");
  return 0;
}

static int cmd_show(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"members", required_argument, OPT_MEMBERS, "N", "also list the first N members (by id)"},
      {"history", required_argument, OPT_HISTORY, "N", "how many past refreshes to show (default 10)"},
      {0}};
  const char *name = NULL;
  long long members = 0, history = 10;
  int rc = one_name(ctx, argc, argv, "segship segment show NAME [--members N] [--history N] [--json]", opts, &name,
                    &members, &history, true);
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_segment g;
  if (!s || store_segment_get(s, name, &g, &err) != SEG_OK) return cli_fail(ctx, &err);
  store_segment_refresh *hist = NULL;
  size_t nh = 0;
  if (store_segment_history(s, g.id, (int)history, &hist, &nh, &err) != SEG_OK) {
    store_segment_free(&g);
    return cli_fail(ctx, &err);
  }
  char at[25];
  fmt_time(g.refreshed_at, at);
  if (ctx->json) {
    json_t *h = json_array();
    for (size_t i = 0; i < nh; i++) {
      char t[25];
      clock_format_ms(hist[i].at, t);
      json_array_append_new(h, json_pack("{s:s, s:I, s:I, s:I, s:I}", "at", t, "members", (json_int_t)hist[i].members,
                                         "joined", (json_int_t)hist[i].joined, "left", (json_int_t)hist[i].left,
                                         "duration_ms", (json_int_t)hist[i].duration_ms));
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o}", "name", g.name, "rule", g.rule, "description",
                          g.description, "members", g.members < 0 ? json_null() : json_integer(g.members),
                          "refreshed_at", at, "status", g.broken ? "broken" : "ok", "history", h);
    if (g.broken) json_object_set_new(o, "error", json_string(g.broken));
    if (members > 0) {
      id_list l = {json_array()};
      store_segment_members_each(s, g.id, members, collect_id, &l, &err);
      json_object_set_new(o, "member_ids", l.arr);
    }
    cli_print_json(o);
  } else {
    printf("segment      %s\nrule         %s\n", cli_safe(g.name), cli_safe(g.rule));
    if (g.description[0]) printf("description  %s\n", cli_safe(g.description));
    printf("members      %lld (refreshed %s)\n", (long long)g.members, at);
    if (g.broken) printf("status       BROKEN: %s\n", cli_safe(g.broken));
    if (nh) {
      printf("recent refreshes (newest first):\n  %-24s %10s %8s %8s\n", "AT", "MEMBERS", "JOINED", "LEFT");
      for (size_t i = 0; i < nh; i++) {
        char t[25];
        clock_format_ms(hist[i].at, t);
        printf("  %-24s %10lld %+8lld %8lld\n", t, (long long)hist[i].members, (long long)hist[i].joined,
               -(long long)hist[i].left);
      }
    }
    if (members > 0) {
      printf("first %lld members:\n", members);
      id_list l = {NULL};
      store_segment_members_each(s, g.id, members, collect_id, &l, &err);
    }
  }
  free(hist);
  store_segment_free(&g);
  return 0;
}

static int cmd_refresh(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *name = NULL;
  int rc = one_name(ctx, argc, argv, "segship segment refresh [NAME] [--json]", opts, &name, NULL, NULL, false);
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  segment_result *res;
  size_t n;
  if (!s || segment_refresh(s, name, &res, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (n == 0 && !ctx->json) printf("no segments to refresh\n");
  rc = print_results(ctx, res, n);
  free(res);
  return rc;
}

static int cmd_preview(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"rule", required_argument, OPT_RULE, "EXPR", "the rule to try"},
      {"members", required_argument, OPT_MEMBERS, "N", "also list the first N matching ids"},
      {0}};
  const char *usage = "segship segment preview --rule EXPR [--members N] [--json]";
  const char *rule = NULL, *v;
  long long members = 0;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_RULE) rule = v;
    if (c == OPT_MEMBERS && !cli_parse_count(ctx, "--members", v, &members)) return 2;
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  if (!rule) return cli_usage_error(ctx, "give the rule with --rule");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  int64_t count;
  if (!s || segment_preview(s, rule, &count, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) {
    json_t *o = json_pack("{s:s, s:I}", "rule", rule, "members", (json_int_t)count);
    if (members > 0) {
      id_list l = {json_array()};
      segment_preview_ids(s, rule, members, collect_id, &l, &err);
      json_object_set_new(o, "member_ids", l.arr);
    }
    cli_print_json(o);
  } else {
    printf("%lld profiles match\n", (long long)count);
    if (members > 0) {
      id_list l = {NULL};
      segment_preview_ids(s, rule, members, collect_id, &l, &err);
    }
  }
  return 0;
}

const cli_command cli_segment_commands[] = {
    {"create", cmd_create, NULL, "create a segment from a rule and store its members"},
    {"update", cmd_update, NULL, "change a segment's rule, description or name"},
    {"delete", cmd_delete, NULL, "delete a segment (refused while something uses it)"},
    {"list", cmd_list, NULL, "every segment with its member count"},
    {"show", cmd_show, NULL, "one segment: rule, members, the trend of its last refreshes"},
    {"refresh", cmd_refresh, NULL, "re-evaluate every segment (or one) and store who joined and left"},
    {"preview", cmd_preview, NULL, "count the profiles a rule matches, without saving it"},
    {NULL, NULL, NULL, NULL},
};
