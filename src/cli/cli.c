/* cli.c: shared command-line plumbing: option tables, help, errors, JSON output. */
#include "cli/cli.h"

#include "util/log.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_MAX_OPTIONS 64

static struct option long_opts[CLI_MAX_OPTIONS + 3];

void cli_print_help(const cli_ctx *ctx, const char *usage, const cli_option *table) {
  printf("usage: %s\n", usage);
  bool any = table && table[0].name;
  printf("\noptions:\n");
  for (const cli_option *o = table; o && o->name; o++) {
    char left[64];
    snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    printf("  %-26s %s\n", left, o->help);
  }
  (void)any;
  printf("  %-26s %s\n", "--json", "print the result as JSON");
  printf("  %-26s %s\n", "--help", "show this help");
}

int cli_next_option(cli_ctx *ctx, int argc, char **argv, const cli_option *table, const char *usage,
                    const char **value) {
  size_t n = 0;
  char shorts[2 * CLI_MAX_OPTIONS + 2] = "+";
  size_t sn = 1;
  for (const cli_option *o = table; o && o->name && n < CLI_MAX_OPTIONS; o++, n++) {
    long_opts[n] = (struct option){o->name, o->has_arg, NULL, o->key};
    if (o->key > 0 && o->key < 128) {
      shorts[sn++] = (char)o->key;
      if (o->has_arg) shorts[sn++] = ':';
    }
  }
  long_opts[n++] = (struct option){"json", no_argument, NULL, CLI_KEY_JSON};
  long_opts[n++] = (struct option){"help", no_argument, NULL, CLI_KEY_HELP};
  long_opts[n] = (struct option){0, 0, 0, 0};
  shorts[0] = '-'; /* keep positionals in order: returned as key 1 */
  shorts[sn] = '\0';
  opterr = 0;
  for (;;) {
    int prev = optind;
    int c = getopt_long(argc, argv, shorts, long_opts, NULL);
    *value = optarg;
    if (c == -1) return CLI_OPT_END;
    if (c == 1) return 1; /* a positional argument, in *value */
    if (c == CLI_KEY_JSON) {
      ctx->json = true;
      continue;
    }
    if (c == CLI_KEY_HELP) {
      cli_print_help(ctx, usage, table);
      return CLI_OPT_HELP;
    }
    if (c == '?' || c == ':') {
      const char *bad = (prev < argc) ? argv[prev] : "?";
      if (c == ':' || (optopt && strchr(shorts, optopt) && optopt != '?'))
        cli_usage_error(ctx, "option '%s' needs a value", bad);
      else
        cli_usage_error(ctx, "unknown option '%s'", bad);
      return CLI_OPT_ERROR;
    }
    return c;
  }
}

store *cli_store(cli_ctx *ctx, seg_err *err) {
  if (ctx->store) return ctx->store;
  if (store_open(ctx->db_path, STORE_OPEN_EXISTING, &ctx->store, err) != SEG_OK) return NULL;
  return ctx->store;
}

/* The copies cli_safe made, freed as the ring comes round (and reachable until exit). */
static char *g_safe_ring[16];
static unsigned g_safe_next;

const char *cli_safe_n(const char *s, size_t n, int *out_len) {
  char *e = text_escape_control(s, n, false);
  if (!e) {
    if (out_len) *out_len = (int)n;
    return s;
  }
  unsigned k = g_safe_next++ % 16;
  free(g_safe_ring[k]);
  g_safe_ring[k] = e;
  if (out_len) *out_len = (int)strlen(e);
  return e;
}

const char *cli_safe(const char *s) { return s ? cli_safe_n(s, strlen(s), NULL) : s; }

int cli_fail(const cli_ctx *ctx, const seg_err *err) {
  char msg[sizeof err->msg + 16];
  snprintf(msg, sizeof msg, "%s", err->msg[0] ? err->msg : seg_code_name(err->code));
  log_redact(msg, sizeof msg); /* an API key in use never reaches a terminal, even if a server echoed it */
  char *safe = text_escape_control(msg, strlen(msg), true); /* names and values in the message */
  fprintf(stderr, "segship: %s\n", safe ? safe : msg);
  free(safe);
  return seg_code_exit(err->code);
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s: %s; see '%s --help'\n", ctx->prog, msg, ctx->prog);
  return 2;
}

void cli_print_json(json_t *value) {
  if (!value) return;
  json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
  fputc('\n', stdout);
  json_decref(value);
}

bool cli_parse_count(const cli_ctx *ctx, const char *option, const char *value, long long *out) {
  char *end;
  long long v = strtoll(value, &end, 10);
  if (!*value || *end || v < 0) {
    cli_usage_error(ctx, "%s takes a whole number of zero or more, not '%s'", option, value);
    return false;
  }
  *out = v;
  return true;
}

bool cli_parse_percent(const cli_ctx *ctx, const char *option, const char *value, int *out) {
  char *end;
  long v = strtol(value, &end, 10);
  if (!*value || *end || v < 0 || v > 100) {
    cli_usage_error(ctx, "%s takes a percentage, a whole number from 0 to 100, not '%s'", option, value);
    return false;
  }
  *out = (int)v;
  return true;
}

json_t *cli_value_json(const seg_value *v) {
  char tmp[64];
  size_t n;
  switch (v->type) {
    case ATTR_NONE:
      return json_null();
    case ATTR_INTEGER:
      return json_integer(v->i);
    case ATTR_REAL:
      return v->is_int ? json_integer(v->i) : json_real(v->r);
    case ATTR_BOOLEAN:
      return json_boolean(v->i);
    default: {
      const char *s = seg_value_canonical(v, tmp, sizeof tmp, &n);
      return json_stringn(s, n);
    }
  }
}

void cli_warn_broken(int n) {
  fprintf(stderr, "segship: warning: %d segment%s no longer fit%s the schema and will not refresh; "
                  "'segship segment list' shows why\n", n, n == 1 ? "" : "s", n == 1 ? "s" : "");
}
