/* main.c: segship's entry point: global options, then dispatch through the command tables. */
#include <getopt.h>
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/harden.h"

#define SEGSHIP_VERSION "0.1.0"

static const cli_command commands[] = {
    {"init", cli_cmd_init, NULL, "create the store if it is missing"},
    {"profiles", NULL, cli_profiles_commands, "import, count, show, list and generate profiles"},
    {"schema", cli_cmd_schema, NULL, "show the typed attribute schema; pin or drop an attribute"},
    {"segment", NULL, cli_segment_commands, "create, refresh and inspect segments of profiles"},
    {"user", NULL, cli_user_commands, "users: admins manage destinations, contributors run exports"},
    {"destination", NULL, cli_destination_commands, "connect, show, remove Autopilot and Ortto accounts"},
    {"export", NULL, cli_export_commands, "configure, run and inspect exports of segments to Autopilot or Ortto"},
    {"source", NULL, cli_source_commands, "files of profiles imported at each refresh"},
    {"refresh", cli_cmd_refresh, NULL, "import the sources, refresh the segments, run the scheduled exports"},
    {"schedule", NULL, cli_schedule_commands, "when refreshes run"},
    {"serve", cli_cmd_serve, NULL, "the service: refreshes on the schedule, /healthz and /metrics"},
    {NULL, NULL, NULL, NULL},
};

static void print_group(const char *prefix, const cli_command *table) {
  printf("usage: %s <command> [options]   (each command has --help)\n\ncommands:\n", prefix);
  for (const cli_command *c = table; c->name; c++) printf("  %-14s %s\n", c->name, c->summary);
}

static void print_main_help(void) {
  printf("segship %s: export segments of customer profiles to Autopilot lists or Ortto tags, kept in sync.\n\n", SEGSHIP_VERSION);
  print_group("segship [--db PATH]", commands);
  printf("\nglobal options:\n  --db PATH      the store (default: $SEGSHIP_DB, else ./segship.db)\n"
         "  --version      print the version\n  --help         show this help\n"
         "\nexit codes: 0 success, 1 failure, 2 usage error, 3 export finished with undelivered records\n");
}

static int dispatch(cli_ctx *ctx, const cli_command *table, int argc, char **argv, char *prog, size_t cap) {
  if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "help") == 0) {
    if (table == commands) print_main_help();
    else print_group(prog, table);
    return argc < 1 ? 2 : 0;
  }
  for (const cli_command *c = table; c->name; c++) {
    if (strcmp(c->name, argv[0]) != 0) continue;
    size_t len = strlen(prog);
    snprintf(prog + len, cap - len, " %s", c->name);
    ctx->prog = prog;
    if (c->sub) return dispatch(ctx, c->sub, argc - 1, argv + 1, prog, cap);
    optind = 0; /* reinitialise getopt for this command's own options */
    return c->fn(ctx, argc, argv);
  }
  ctx->prog = prog;
  return cli_usage_error(ctx, "unknown command '%s'", argv[0]);
}

int main(int argc, char **argv) {
  if (harden_process() != 0) {
    fputs("segship: cannot turn off core dumps for this process (setrlimit/prctl refused); nothing was done\n", stderr);
    return 1;
  }
  setlocale(LC_CTYPE, "C.UTF-8");
  if (sodium_init() < 0) {
    fputs("segship: libsodium failed to initialise\n", stderr);
    return 1;
  }
  cli_ctx ctx = {0};
  ctx.db_path = getenv("SEGSHIP_DB");
  if (!ctx.db_path || !*ctx.db_path) ctx.db_path = "segship.db";
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
      ctx.db_path = argv[++i];
    } else if (strncmp(argv[i], "--db=", 5) == 0) {
      ctx.db_path = argv[i] + 5;
    } else if (strcmp(argv[i], "--version") == 0) {
      printf("segship %s\n", SEGSHIP_VERSION);
      return 0;
    } else if (strcmp(argv[i], "--db") == 0) {
      fputs("segship: option '--db' needs a path; see 'segship --help'\n", stderr);
      return 2;
    } else {
      break;
    }
  }
  char prog[256] = "segship";
  int rc = dispatch(&ctx, commands, argc - i, argv + i, prog, sizeof prog);
  store_close(ctx.store);
  return rc;
}
