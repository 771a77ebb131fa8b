/* cmd_source_pg.h: the PostgreSQL side of `segship source`: adding one, and showing them. */
#ifndef SEGSHIP_CLI_CMD_SOURCE_PG_H
#define SEGSHIP_CLI_CMD_SOURCE_PG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "store/pgsources.h"

int cli_source_add_postgres(cli_ctx *ctx, int argc, char **argv);
/* `segship source update NAME ...`, for both kinds of source (cmd_source_update.c). */
int cli_source_update(cli_ctx *ctx, int argc, char **argv);
/* A --statement-timeout: "30s", "500ms", "5m", "1h", or seconds; 0 means no limit. */
bool cli_parse_pg_timeout(const char *v, int64_t *ms);
/* A source as JSON: its settings, where its password comes from, never a password. */
json_t *cli_source_pg_json(const store_pg_source *p);
/* One line of `source list`. */
void cli_source_pg_print(const store_pg_source *p);

#endif
