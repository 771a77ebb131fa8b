/* cmd_store.c: `segship init` and `segship schema`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "destination/destination.h"
#include "segment/segment.h"

int cli_cmd_init(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *usage = "segship [--db PATH] init [--json]";
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  seg_err err = {0};
  store *s;
  if (store_open(ctx->db_path, STORE_OPEN_CREATE, &s, &err) != SEG_OK) return cli_fail(ctx, &err);
  ctx->store = s;
  bool created = store_was_created(s);
  /* The master key that encrypts API keys: made now, beside the store (never over an existing one). */
  secret_key *mk;
  if (dest_master_key(s, ctx->db_path, &mk, &err) != SEG_OK) return cli_fail(ctx, &err);
  secret_key_free(mk);
  char key_path[1024];
  secret_key_path(ctx->db_path, key_path, sizeof key_path);
  if (ctx->json) {
    cli_print_json(json_pack("{s:s, s:b, s:i, s:s}", "path", ctx->db_path, "created", created, "version",
                             store_schema_version(s), "master_key", key_path));
  } else {
    printf("%s store %s (version %d)\nmaster key: %s (back it up with the store; without it the API keys are lost)\n",
           created ? "created" : "ready:", ctx->db_path, store_schema_version(s), key_path);
  }
  return 0;
}

static int schema_show(cli_ctx *ctx, store *s) {
  seg_err err = {0};
  store_schema schema;
  if (store_schema_load(s, &schema, &err) != SEG_OK) return cli_fail(ctx, &err);
  int64_t *counts = calloc(schema.n ? schema.n : 1, sizeof *counts);
  if (!counts || store_schema_fill_counts(s, &schema, counts, &err) != SEG_OK) {
    free(counts);
    store_schema_free(&schema);
    if (!counts) seg_err_set(&err, SEG_ENOMEM, "out of memory");
    return cli_fail(ctx, &err);
  }
  if (ctx->json) {
    json_t *arr = json_array();
    for (size_t i = 0; i < schema.n; i++) {
      const store_attr *a = &schema.attrs[i];
      json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:b, s:I}", "name", a->name, "type",
                                           attr_type_name(a->type), "id", a->is_id, "pinned", a->pinned, "values",
                                           (json_int_t)counts[i]));
    }
    cli_print_json(json_pack("{s:o}", "attributes", arr));
  } else if (schema.n == 0) {
    printf("no attributes yet: import profiles with 'segship profiles import FILE'\n");
  } else {
    printf("%-28s %-9s %10s  %s\n", "ATTRIBUTE", "TYPE", "VALUES", "");
    for (size_t i = 0; i < schema.n; i++) {
      const store_attr *a = &schema.attrs[i];
      printf("%-28s %-9s %10lld  %s%s\n", cli_safe(a->name), attr_type_name(a->type), (long long)counts[i],
             a->is_id ? "id" : "", a->pinned ? "pinned" : "");
    }
  }
  free(counts);
  store_schema_free(&schema);
  return 0;
}

int cli_cmd_schema(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {{0}};
  const char *usage =
      "segship schema [--json]\n"
      "       segship schema set ATTRIBUTE TYPE   (pin a type: integer, real, boolean, date, datetime, text)\n"
      "       segship schema drop ATTRIBUTE       (delete an attribute and its values)";
  const char *pos[4];
  int npos = 0, c;
  const char *v;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == 1) {
      if (npos == 4) return cli_usage_error(ctx, "too many arguments");
      pos[npos++] = v;
    }
  }
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  if (npos == 0 || (npos == 1 && strcmp(pos[0], "show") == 0)) return schema_show(ctx, s);
  if (strcmp(pos[0], "drop") == 0) {
    if (npos != 2) return cli_usage_error(ctx, "'schema drop' takes one attribute");
    if (store_schema_drop(s, pos[1], &err) != SEG_OK) return cli_fail(ctx, &err);
    int broken = 0;
    if (segment_recheck(s, &broken, &err) != SEG_OK) return cli_fail(ctx, &err);
    if (ctx->json) cli_print_json(json_pack("{s:s, s:b, s:i}", "name", pos[1], "dropped", 1, "broken_segments", broken));
    else printf("dropped %s and its values\n", cli_safe(pos[1]));
    if (broken) cli_warn_broken(broken);
    return 0;
  }
  if (strcmp(pos[0], "set") != 0) return cli_usage_error(ctx, "unknown schema command '%s'", pos[0]);
  if (npos != 3) return cli_usage_error(ctx, "'schema set' takes an attribute and a type");
  attr_type t;
  if (!attr_type_parse(pos[2], &t))
    return cli_usage_error(ctx, "unknown type '%s' (integer, real, boolean, date, datetime, text)", pos[2]);
  if (store_schema_pin(s, pos[1], t, &err) != SEG_OK) return cli_fail(ctx, &err);
  int broken = 0;
  if (segment_recheck(s, &broken, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (broken) cli_warn_broken(broken);
  if (ctx->json) cli_print_json(json_pack("{s:s, s:s, s:b}", "name", pos[1], "type", attr_type_name(t), "pinned", 1));
  else printf("%s is now %s (pinned: values that are not %s are refused at import)\n", cli_safe(pos[1]), attr_type_name(t),
              attr_type_name(t));
  return 0;
}
