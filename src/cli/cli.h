/* cli.h: what every command shares: the context (store path, output mode), option parsing
 * over one table per command, printing results as text or JSON, and exit codes. */
#ifndef SEGSHIP_CLI_CLI_H
#define SEGSHIP_CLI_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "store/store.h"
#include "util/error.h"

typedef struct cli_ctx {
  const char *db_path; /* --db, SEGSHIP_DB, or ./segship.db */
  bool json;           /* --json: one JSON document on stdout */
  store *store;        /* opened on demand by cli_store() */
  const char *prog;    /* "segship profiles import", for messages */
} cli_ctx;

typedef int (*cli_fn)(cli_ctx *ctx, int argc, char **argv);

typedef struct cli_command {
  const char *name;
  cli_fn fn;                        /* a leaf command, or NULL with sub */
  const struct cli_command *sub;    /* a group of subcommands, NULL-terminated */
  const char *summary;
} cli_command;

/* One option of a command: its long name, whether it takes a value, a short letter (0: none),
 * and its help text. The table ends with a zero entry. */
typedef struct cli_option {
  const char *name;
  int has_arg;        /* no_argument / required_argument */
  int key;            /* value returned by cli_next_option; a letter or a code >= 256 */
  const char *arg;    /* the value's name in help ("FILE"), or NULL */
  const char *help;
} cli_option;

enum { CLI_OPT_END = -1, CLI_OPT_ERROR = -2, CLI_OPT_HELP = -3 };
enum { CLI_KEY_JSON = 1000, CLI_KEY_HELP };

/* Iterates over argv's options against the table (plus --help and --json, which sets ctx->json).
 * Returns the option's key with *value set, CLI_OPT_END when done (positionals are then
 * argv[optind..]), CLI_OPT_HELP after printing help, CLI_OPT_ERROR after printing a usage error. */
int cli_next_option(cli_ctx *ctx, int argc, char **argv, const cli_option *table, const char *usage,
                    const char **value);
/* Prints the help of a command: usage and the option table. */
void cli_print_help(const cli_ctx *ctx, const char *usage, const cli_option *table);

/* Opens the store at ctx->db_path (must exist) once; NULL after printing the error. */
store *cli_store(cli_ctx *ctx, seg_err *err);

/* Prints err as "segship: <msg>" on stderr and returns its exit code. */
int cli_fail(const cli_ctx *ctx, const seg_err *err);
/* Prints a usage error ("<prog>: <msg>; see --help") and returns 2. */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a JSON value on stdout (indented, newline-terminated) and releases it. */
void cli_print_json(json_t *value);

/* Parses a non-negative integer option value; prints a usage error and returns false if bad. */
bool cli_parse_count(const cli_ctx *ctx, const char *option, const char *value, long long *out);

/* Parses a percentage option value (a whole number 0-100); prints a usage error and returns
 * false if bad. */
bool cli_parse_percent(const cli_ctx *ctx, const char *option, const char *value, int *out);

/* Text from a file, a user or an API, ready for the terminal: control characters escaped (see
 * text_escape_control). Returns s itself when nothing needs escaping, else a copy that stays valid
 * until 16 later calls (enough for every argument of one printf). */
const char *cli_safe(const char *s);
const char *cli_safe_n(const char *s, size_t n, int *out_len); /* s[0..n); *out_len for "%.*s" */

/* Warns on stderr that n segments are broken by a schema change. */
void cli_warn_broken(int n);

/* A profile value as JSON (number, boolean, string or null). */
json_t *cli_value_json(const seg_value *v);

/* Command groups. */
int cli_cmd_init(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_schema(cli_ctx *ctx, int argc, char **argv);
extern const cli_command cli_profiles_commands[];
extern const cli_command cli_segment_commands[];
extern const cli_command cli_user_commands[];
extern const cli_command cli_destination_commands[];
extern const cli_command cli_export_commands[];
extern const cli_command cli_source_commands[];
extern const cli_command cli_schedule_commands[];
int cli_cmd_refresh(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_serve(cli_ctx *ctx, int argc, char **argv);
int cli_export_configure(cli_ctx *ctx, int argc, char **argv);
int cli_export_show(cli_ctx *ctx, int argc, char **argv);

#endif
