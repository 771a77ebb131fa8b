/* cmd_destination.c: `segship user ...`, `segship destination ...`, `segship export configure|show`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "destination/destination.h"
#include "export/driver.h"
#include "http/pace.h"
#include "ortto/api.h"
#include "store/segments.h"
#include "util/clock.h"

enum {
  OPT_ROLE = 256, OPT_PASSWORD_FILE, OPT_KEY_FILE, OPT_KEY_ENV, OPT_API_URL, OPT_ACCEPT, OPT_EXPORT_USER, OPT_RATE,
  OPT_MAX, OPT_DISPLAY, OPT_TIMEOUT, OPT_EMAIL, OPT_FIRST, OPT_LAST, OPT_MAP, OPT_SEGMENTS, OPT_ON_LEAVE, OPT_SCHEDULE,
  OPT_MEMBERSHIP, OPT_INCLUDE_REMOVED, OPT_INSECURE, OPT_MAX_REMOVAL, OPT_TYPE, OPT_REGION, OPT_TAG_PREFIX, OPT_SEG_MEMBERSHIP
};

static void fmt_time(int64_t ms, char *out) {
  if (ms <= 0) snprintf(out, 25, "never");
  else clock_format_ms(ms, out);
}

/* ---- users ---- */

static int user_edit(cli_ctx *ctx, int argc, char **argv, bool add) {
  static const cli_option opts[] = {
      {"role", required_argument, OPT_ROLE, "ROLE", "admin (manages destinations), contributor (runs exports), viewer"},
      {"password-file", required_argument, OPT_PASSWORD_FILE, "FILE", "read the password from FILE's first line (- for stdin)"},
      {0}};
  const char *usage = add ? "segship user add NAME --role admin|contributor|viewer [--password-file F] [--json]"
                          : "segship user update NAME [--role ROLE] [--password-file F] [--json]";
  const char *name = NULL, *role = NULL, *pwfile = NULL, *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_ROLE: role = v; break;
      case OPT_PASSWORD_FILE: pwfile = v; break;
      case 1:
        if (name) return cli_usage_error(ctx, "give one user name");
        name = v;
        break;
    }
  }
  if (!name) return cli_usage_error(ctx, "give the user's name");
  if (add && !role) return cli_usage_error(ctx, "give the role with --role admin|contributor|viewer");
  if (!add && !role && !pwfile) return cli_usage_error(ctx, "nothing to change: give --role or --password-file");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s) return cli_fail(ctx, &err);
  char *password = NULL;
  if (pwfile && dest_read_password(pwfile, &password, &err) != SEG_OK) return cli_fail(ctx, &err);
  seg_code rc = add ? dest_user_add(s, name, role, password, &err) : dest_user_update(s, name, role, password, &err);
  secret_plain_free(password);
  if (rc != SEG_OK) return cli_fail(ctx, &err);
  store_user u;
  if (store_user_get(s, name, &u, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json)
    cli_print_json(json_pack("{s:s, s:s, s:b}", "name", u.name, "role", u.role, "password", u.has_password));
  else
    printf("%s user %s (%s)%s\n", add ? "added" : "updated", u.name, u.role,
           u.has_password ? "" : "; no password yet (set one with --password-file)");
  return 0;
}

static int cmd_user_add(cli_ctx *ctx, int argc, char **argv) { return user_edit(ctx, argc, argv, true); }
static int cmd_user_update(cli_ctx *ctx, int argc, char **argv) { return user_edit(ctx, argc, argv, false); }

static int name_only(cli_ctx *ctx, int argc, char **argv, const char *usage, const char **name, bool required) {
  static const cli_option opts[] = {{0}};
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == 1) {
      if (*name || !required) return cli_usage_error(ctx, "unexpected argument '%s'", v);
      *name = v;
    }
  }
  if (required && !*name) return cli_usage_error(ctx, "give the name");
  return -1;
}

static int cmd_user_remove(cli_ctx *ctx, int argc, char **argv) {
  const char *name = NULL;
  int rc = name_only(ctx, argc, argv, "segship user remove NAME [--json]", &name, true);
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  char warning[1024];
  if (!s || dest_user_remove(s, name, warning, sizeof warning, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(json_pack("{s:s, s:b, s:s}", "name", name, "removed", 1, "warning", warning));
  else printf("removed user %s\n", name);
  if (warning[0]) fprintf(stderr, "segship: warning: %s\n", warning);
  return 0;
}

static int cmd_user_list(cli_ctx *ctx, int argc, char **argv) {
  const char *name = NULL;
  int rc = name_only(ctx, argc, argv, "segship user list [--json]", &name, false);
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_user *all;
  size_t n;
  if (!s || store_users_list(s, &all, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "name", all[i].name, "role", all[i].role, "password",
                                           all[i].has_password));
    cli_print_json(json_pack("{s:o}", "users", arr));
  } else {
    if (n == 0) printf("no users yet: add an admin with 'segship user add NAME --role admin'\n");
    else printf("%-24s %-12s %s\n", "USER", "ROLE", "PASSWORD");
    for (size_t i = 0; i < n; i++)
      printf("%-24s %-12s %s\n", all[i].name, all[i].role, all[i].has_password ? "set" : "none");
  }
  free(all);
  return 0;
}

const cli_command cli_user_commands[] = {
    {"add", cmd_user_add, NULL, "add a user (admin, contributor or viewer)"},
    {"update", cmd_user_update, NULL, "change a user's role or password"},
    {"remove", cmd_user_remove, NULL, "remove a user"},
    {"list", cmd_user_list, NULL, "every user and role"},
    {NULL, NULL, NULL, NULL},
};

/* ---- destinations ---- */

static json_t *destination_json(const store_destination *d) {
  char masked[32], created[25], consent[25], removed[25];
  secret_mask_hint(d->key_hint, masked, sizeof masked);
  fmt_time(d->created_at, created);
  fmt_time(d->consent_at, consent);
  fmt_time(d->removed_at, removed);
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:I, s:s, s:s, s:s, s:{s:s, s:s}}", "name", d->name,
                        "type", d->type,
                        "display_name", d->display_name, "api_url", d->api_url, "api_key", d->key_box ? masked : "",
                        "export_user", d->export_user, "rate_limit", d->rate_limit, "rate_windows", d->rate_windows,
                        "max_profiles", (json_int_t)d->max_profiles, "account_name", d->account_name, "account_email",
                        d->account_email, "created_at", created, "consent", "by", d->consent_user, "at", consent);
  json_object_set_new(o, "status", json_string(d->removed_at ? "removed" : "connected"));
  if (d->allow_insecure_http) json_object_set_new(o, "allow_insecure_http", json_true());
  if (d->removed_at) json_object_set_new(o, "removed_at", json_string(removed));
  return o;
}

static void print_destination(const store_destination *d) {
  char masked[32], created[25], consent[25];
  secret_mask_hint(d->key_hint, masked, sizeof masked);
  fmt_time(d->created_at, created);
  fmt_time(d->consent_at, consent);
  const export_driver *drv = export_driver_find(d->type);
  printf("destination   %s%s\n", d->name, d->removed_at ? " (removed)" : "");
  printf("type          %s\n", drv ? drv->product : d->type);
  printf("display name  %s\n", d->display_name);
  printf("API URL       %s%s\n", d->api_url, d->allow_insecure_http ? "  (plain http accepted: the key travels unencrypted)" : "");
  printf("API key       %s\n", d->key_box ? masked : "(deleted)");
  if (d->account_name[0] || d->account_email[0])
    printf("account       %s <%s>\n", cli_safe(d->account_name), cli_safe(d->account_email));
  printf("export user   %s\n", d->export_user);
  if (d->rate_limit > 0) printf("rate limit    %g requests/s%s%s\n", d->rate_limit, d->rate_windows[0] ? ", " : "",
                                d->rate_windows);
  else if (d->rate_windows[0]) printf("rate limit    %s (requests/seconds)\n", d->rate_windows);
  else printf("rate limit    none\n");
  printf("max profiles  %lld\n", (long long)d->max_profiles);
  printf("consent       given by %s at %s\n", d->consent_user, consent);
  printf("created       %s\n", created);
}

/* --rate-limit R: requests per second (0 for no limit) or windows ("200/10s,600/60s", written
 * into windows). False after printing a usage error. */
static bool parse_rate(cli_ctx *ctx, const char *v, double *out, char *windows, size_t cap) {
  char why[200];
  if (http_pace_parse_limit(v, out, windows, cap, why, sizeof why) != 0) {
    cli_usage_error(ctx, "%s", why);
    return false;
  }
  return true;
}

static int cmd_dest_add(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"type", required_argument, OPT_TYPE, "autopilot|ortto", "the destination's service (default autopilot)"},
      {"region", required_argument, OPT_REGION, "global|eu|au", "Ortto: the account's region, which sets the API host"},
      {"api-key-file", required_argument, OPT_KEY_FILE, "FILE", "read the API key from FILE (- for stdin)"},
      {"api-key-env", required_argument, OPT_KEY_ENV, "VAR", "read the API key from the environment variable VAR"},
      {"api-url", required_argument, OPT_API_URL, "URL", "the API's URL (default: the type's and region's)"},
      {"accept-privacy", no_argument, OPT_ACCEPT, NULL, "agree that the mapped fields leave this system for the destination"},
      {"export-user", required_argument, OPT_EXPORT_USER, "USER", "the admin the exports run as"},
      {"display-name", required_argument, OPT_DISPLAY, "TEXT", "a recognisable name (default: NAME)"},
      {"rate-limit", required_argument, OPT_RATE, "R|N/Ss,...",
       "requests per second or windows (default: Autopilot 5, Ortto 200/10s,600/60s; 0: no limit)"},
      {"max-profiles", required_argument, OPT_MAX, "N", "the most profiles an export may hold (default 100000)"},
      {"timeout", required_argument, OPT_TIMEOUT, "SECONDS", "how long to wait for the destination when connecting (default 15)"},
      {"allow-insecure-http", no_argument, OPT_INSECURE, NULL,
       "accept a plain http:// URL to another machine (the key travels unencrypted; every run warns)"},
      {0}};
  const char *usage = "segship destination add NAME [--type autopilot|ortto] [--region global|eu|au] --api-key-file "
                      "F|--api-key-env VAR [--api-url URL] --accept-privacy --export-user USER [--rate-limit R] "
                      "[--max-profiles N] [--allow-insecure-http] [--json]";
  dest_add_options o = {.rate_limit = -1, .max_profiles = -1};
  char windows[STORE_RATE_WINDOWS_MAX];
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_TYPE: o.type = v; break;
      case OPT_REGION: o.region = v; break;
      case OPT_KEY_FILE: o.key_file = v; break;
      case OPT_KEY_ENV: o.key_env = v; break;
      case OPT_API_URL: o.api_url = v; break;
      case OPT_ACCEPT: o.accept_privacy = true; break;
      case OPT_INSECURE: o.allow_insecure_http = true; break;
      case OPT_EXPORT_USER: o.export_user = v; break;
      case OPT_DISPLAY: o.display_name = v; break;
      case OPT_RATE:
        if (!parse_rate(ctx, v, &o.rate_limit, windows, sizeof windows)) return 2;
        o.rate_windows = windows;
        break;
      case OPT_MAX: {
        long long n;
        if (!cli_parse_count(ctx, "--max-profiles", v, &n)) return 2;
        o.max_profiles = n;
        break;
      }
      case OPT_TIMEOUT: {
        long long n;
        if (!cli_parse_count(ctx, "--timeout", v, &n)) return 2;
        o.connect_timeout_ms = (long)n * 1000;
        break;
      }
      case 1:
        if (o.name) return cli_usage_error(ctx, "give one destination name (the API key never goes on the command line)");
        o.name = v;
        break;
    }
  }
  if (!o.name) return cli_usage_error(ctx, "give the destination's name");
  if (o.type && !export_driver_find(o.type))
    return cli_usage_error(ctx, "--type is %s, not '%s'", export_driver_types(), o.type);
  if (!o.accept_privacy) {
    fprintf(stderr, "%s\n\n", dest_privacy_statement(o.type));
    fprintf(stderr, "segship: agree to these terms with --accept-privacy; nothing was saved\n");
    return 1;
  }
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_destination d;
  if (!s || dest_add(s, ctx->db_path, &o, &d, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(destination_json(&d));
  else {
    const export_driver *drv = export_driver_find(d.type);
    printf("connected to %s%s%s and saved destination '%s'\n", drv ? drv->product : d.type, d.account_name[0] ? " as " : "",
           cli_safe(d.account_name), d.name);
    printf("next: segship export configure %s --email ATTR --segments A,B\n", d.name);
  }
  store_destination_free(&d);
  return 0;
}

static int cmd_dest_list(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"all", no_argument, OPT_INCLUDE_REMOVED, NULL, "include removed destinations"}, {0}};
  const char *v;
  bool all = false;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, "segship destination list [--all] [--json]", &v)) != CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_INCLUDE_REMOVED) all = true;
    if (c == 1) return cli_usage_error(ctx, "unexpected argument '%s'", v);
  }
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_destination *list;
  size_t n;
  if (!s || store_destinations_list(s, all, &list, &n, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, destination_json(&list[i]));
    cli_print_json(json_pack("{s:o}", "destinations", arr));
  } else {
    if (n == 0) printf("no destinations yet: 'segship destination add NAME ...' connects one\n");
    else printf("%-24s %-10s %-12s %-10s %s\n", "DESTINATION", "KEY", "EXPORT USER", "STATUS", "API URL");
    for (size_t i = 0; i < n; i++) {
      char masked[32];
      secret_mask_hint(list[i].key_hint, masked, sizeof masked);
      printf("%-24s %-14s %-12s %-10s %s\n", list[i].name, list[i].key_box ? masked : "-", list[i].export_user,
             list[i].removed_at ? "removed" : "connected", list[i].api_url);
    }
  }
  store_destinations_free(list, n);
  return 0;
}

static int cmd_dest_show(cli_ctx *ctx, int argc, char **argv) {
  const char *name = NULL;
  int rc = name_only(ctx, argc, argv, "segship destination show NAME [--json]", &name, true);
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_destination d;
  if (!s || store_destination_get(s, name, &d, &err) != SEG_OK) return cli_fail(ctx, &err);
  store_export_config cfg;
  bool configured = store_export_config_get(s, d.id, &cfg, NULL) == SEG_OK;
  if (ctx->json) {
    json_t *o = destination_json(&d);
    json_object_set_new(o, "export_configured", json_boolean(configured));
    cli_print_json(o);
  } else {
    print_destination(&d);
    printf("export        %s\n", configured ? "configured ('segship export show' tells how)" : "not configured yet");
  }
  if (configured) store_export_config_free(&cfg);
  store_destination_free(&d);
  return 0;
}

static int cmd_dest_update(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"api-url", required_argument, OPT_API_URL, "URL", "another API URL (connected to before it is saved)"},
      {"api-key-file", required_argument, OPT_KEY_FILE, "FILE", "the key again, from FILE (required when the host changes)"},
      {"api-key-env", required_argument, OPT_KEY_ENV, "VAR", "the key again, from the environment variable VAR"},
      {"allow-insecure-http", no_argument, OPT_INSECURE, NULL,
       "accept a plain http:// URL to another machine (the key travels unencrypted; every run warns)"},
      {"export-user", required_argument, OPT_EXPORT_USER, "USER", "another admin to run the exports as"},
      {"display-name", required_argument, OPT_DISPLAY, "TEXT", "another display name"},
      {"rate-limit", required_argument, OPT_RATE, "R|N/Ss,...", "requests per second or windows such as 200/10s,600/60s (0: no limit)"},
      {"max-profiles", required_argument, OPT_MAX, "N", "the most profiles an export may hold"},
      {"timeout", required_argument, OPT_TIMEOUT, "SECONDS", "how long to wait for the destination when connecting (default 15)"},
      {0}};
  const char *usage = "segship destination update NAME [--api-url URL [--api-key-file F|--api-key-env VAR] "
                      "[--allow-insecure-http]] [--export-user USER] [--display-name TEXT] [--rate-limit R] "
                      "[--max-profiles N] [--json]";
  dest_update_options o = {.rate_limit = -1, .max_profiles = -1};
  char windows[STORE_RATE_WINDOWS_MAX];
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    long long n;
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_API_URL: o.api_url = v; break;
      case OPT_KEY_FILE: o.key_file = v; break;
      case OPT_KEY_ENV: o.key_env = v; break;
      case OPT_INSECURE: o.allow_insecure_http = true; break;
      case OPT_EXPORT_USER: o.export_user = v; break;
      case OPT_DISPLAY: o.display_name = v; break;
      case OPT_RATE:
        if (!parse_rate(ctx, v, &o.rate_limit, windows, sizeof windows)) return 2;
        o.rate_windows = windows;
        break;
      case OPT_MAX:
        if (!cli_parse_count(ctx, "--max-profiles", v, &n)) return 2;
        o.max_profiles = n;
        break;
      case OPT_TIMEOUT:
        if (!cli_parse_count(ctx, "--timeout", v, &n)) return 2;
        o.connect_timeout_ms = (long)n * 1000;
        break;
      case 1:
        if (o.name) return cli_usage_error(ctx, "give one destination name");
        o.name = v;
        break;
    }
  }
  if (!o.name) return cli_usage_error(ctx, "give the destination's name");
  if (!o.api_url && !o.export_user && !o.display_name && o.rate_limit < 0 && o.max_profiles < 0)
    return cli_usage_error(ctx, "nothing to change");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_destination d;
  if (!s) return cli_fail(ctx, &err);
  seg_code urc = dest_update(s, ctx->db_path, &o, &err);
  if (urc == SEG_EUSAGE) return cli_usage_error(ctx, "%s", err.msg);
  if (urc != SEG_OK || store_destination_get(s, o.name, &d, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(destination_json(&d));
  else printf("updated destination '%s'\n", d.name);
  store_destination_free(&d);
  return 0;
}

static int cmd_dest_remove(cli_ctx *ctx, int argc, char **argv) {
  const char *name = NULL;
  int rc = name_only(ctx, argc, argv, "segship destination remove NAME [--json]", &name, true);
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s || dest_remove(s, name, &err) != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) cli_print_json(json_pack("{s:s, s:b}", "name", name, "removed", 1));
  else printf("removed destination '%s': its API key and export configuration are deleted; its run history stays\n", name);
  return 0;
}

static int cmd_dest_rotate(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"api-key-file", required_argument, OPT_KEY_FILE, "FILE", "read the new key from FILE (- for stdin)"},
      {"api-key-env", required_argument, OPT_KEY_ENV, "VAR", "read the new key from the environment variable VAR"},
      {"timeout", required_argument, OPT_TIMEOUT, "SECONDS", "how long to wait for the destination (default 15)"},
      {0}};
  const char *name = NULL, *file = NULL, *env = NULL, *v;
  long timeout = 0;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts,
                              "segship destination rotate-key NAME --api-key-file F|--api-key-env VAR [--json]", &v)) !=
         CLI_OPT_END) {
    if (c == CLI_OPT_HELP) return 0;
    if (c == CLI_OPT_ERROR) return 2;
    if (c == OPT_KEY_FILE) file = v;
    if (c == OPT_KEY_ENV) env = v;
    if (c == OPT_TIMEOUT) {
      long long n;
      if (!cli_parse_count(ctx, "--timeout", v, &n)) return 2;
      timeout = (long)n * 1000;
    }
    if (c == 1) {
      if (name) return cli_usage_error(ctx, "give one destination name (the key never goes on the command line)");
      name = v;
    }
  }
  if (!name) return cli_usage_error(ctx, "give the destination's name");
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  if (!s || dest_rotate_key(s, ctx->db_path, name, file, env, timeout, &err) != SEG_OK) return cli_fail(ctx, &err);
  store_destination d;
  if (store_destination_get(s, name, &d, &err) != SEG_OK) return cli_fail(ctx, &err);
  char masked[32];
  secret_mask_hint(d.key_hint, masked, sizeof masked);
  if (ctx->json) cli_print_json(json_pack("{s:s, s:s}", "name", d.name, "api_key", masked));
  else printf("the new key %s works and replaces the old one for '%s'\n", masked, d.name);
  store_destination_free(&d);
  return 0;
}

const cli_command cli_destination_commands[] = {
    {"add", cmd_dest_add, NULL, "connect an Autopilot or Ortto account (the key is checked, then stored encrypted)"},
    {"list", cmd_dest_list, NULL, "every destination"},
    {"show", cmd_dest_show, NULL, "one destination, key masked"},
    {"update", cmd_dest_update, NULL, "change the API URL, export user, rate limit or profile limit"},
    {"remove", cmd_dest_remove, NULL, "delete a destination's key and configuration; stop its exports"},
    {"rotate-key", cmd_dest_rotate, NULL, "replace a destination's API key"},
    {NULL, NULL, NULL, NULL},
};

/* ---- export configure / show ---- */

int cli_export_configure(cli_ctx *ctx, int argc, char **argv) {
  static const cli_option opts[] = {
      {"email", required_argument, OPT_EMAIL, "ATTR", "the attribute holding the email (required the first time)"},
      {"first-name", required_argument, OPT_FIRST, "ATTR", "the attribute holding the first name (\"\": none)"},
      {"last-name", required_argument, OPT_LAST, "ATTR", "the attribute holding the last name (\"\": none)"},
      {"map", required_argument, OPT_MAP, "ATTR=Field", "a standard field of the destination, or ATTR=custom:Name (repeatable)"},
      {"segments", required_argument, OPT_SEGMENTS, "A,B", "the segments to export, one list (Autopilot) or tag (Ortto) each"},
      {"on-leave", required_argument, OPT_ON_LEAVE, "remove|keep", "a person who leaves a segment leaves its list (default remove)"},
      {"schedule", required_argument, OPT_SCHEDULE, "on|off", "run with every scheduled refresh (default on)"},
      {"list-membership", required_argument, OPT_MEMBERSHIP, "bulk|per-contact",
       "Autopilot: how existing contacts join lists (default bulk)"},
      {"membership", required_argument, OPT_SEG_MEMBERSHIP, "list|field|both",
       "Autopilot: a segment as a list, a boolean field 'In <segment>', or both (default list)"},
      {"tag-prefix", required_argument, OPT_TAG_PREFIX, "TEXT", "Ortto: a segment's tag is TEXT then its name (default none)"},
      {"max-removal", required_argument, OPT_MAX_REMOVAL, "PCT",
       "a run removing more than PCT% of a list's members (100 or more) is held (default 20; 100: no limit)"},
      {0}};
  const char *usage = "segship export configure NAME --email ATTR [--first-name ATTR] [--last-name ATTR] "
                      "[--map ATTR=Field|ATTR=custom:Name]... --segments A,B [--on-leave remove|keep] "
                      "[--schedule on|off] [--list-membership bulk|per-contact] [--membership list|field|both] [--tag-prefix TEXT] [--max-removal PCT] [--json]";
  dest_configure_options o = {.schedule = -1, .max_removal = -1};
  const char *maps[64];
  const char *v;
  int c;
  while ((c = cli_next_option(ctx, argc, argv, opts, usage, &v)) != CLI_OPT_END) {
    switch (c) {
      case CLI_OPT_HELP: return 0;
      case CLI_OPT_ERROR: return 2;
      case OPT_EMAIL: o.email = v; break;
      case OPT_FIRST: o.first_name = v; break;
      case OPT_LAST: o.last_name = v; break;
      case OPT_MAP:
        if (o.n_maps == 64) return cli_usage_error(ctx, "at most 64 --map options");
        maps[o.n_maps++] = v;
        break;
      case OPT_SEGMENTS: o.segments = v; break;
      case OPT_ON_LEAVE: o.on_leave = v; break;
      case OPT_SCHEDULE:
        if (strcmp(v, "on") == 0) o.schedule = 1;
        else if (strcmp(v, "off") == 0) o.schedule = 0;
        else return cli_usage_error(ctx, "--schedule is on or off");
        break;
      case OPT_MEMBERSHIP: o.list_membership = v; break;
      case OPT_MAX_REMOVAL:
        if (!cli_parse_percent(ctx, "--max-removal", v, &o.max_removal)) return 2;
        break;
      case OPT_TAG_PREFIX: o.tag_prefix = v; break;
      case OPT_SEG_MEMBERSHIP: o.membership = v; break;
      case 1:
        if (o.name) return cli_usage_error(ctx, "give one destination name");
        o.name = v;
        break;
    }
  }
  if (!o.name) return cli_usage_error(ctx, "give the destination's name");
  o.maps = maps;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  dest_configure_result res;
  if (!s) return cli_fail(ctx, &err);
  seg_code rc = dest_configure(s, &o, &res, &err);
  if (rc == SEG_EUSAGE) {
    fprintf(stderr, "%s: %s\n", ctx->prog, cli_safe(err.msg));
    return 2;
  }
  if (rc != SEG_OK) return cli_fail(ctx, &err);
  if (ctx->json) {
    cli_print_json(json_pack("{s:s, s:b, s:I, s:I, s:b}", "destination", o.name, "saved", 1, "profiles",
                             (json_int_t)res.distinct_profiles, "max_profiles", (json_int_t)res.max_profiles,
                             "over_limit", res.over_limit));
  } else {
    printf("saved the export configuration of '%s' (not run: 'segship export run %s' runs it)\n", o.name, o.name);
    printf("the selected segments hold %lld distinct profiles (limit %lld)\n", (long long)res.distinct_profiles,
           (long long)res.max_profiles);
  }
  if (res.over_limit)
    fprintf(stderr,
            "segship: warning: %lld profiles is over this destination's limit of %lld; a run will refuse to start "
            "until the segments hold fewer\n",
            (long long)res.distinct_profiles, (long long)res.max_profiles);
  return 0;
}

int cli_export_show(cli_ctx *ctx, int argc, char **argv) {
  const char *name = NULL;
  int rc = name_only(ctx, argc, argv, "segship export show NAME [--json]", &name, true);
  if (rc >= 0) return rc;
  seg_err err = {0};
  store *s = cli_store(ctx, &err);
  store_destination d;
  if (!s || store_destination_get(s, name, &d, &err) != SEG_OK) return cli_fail(ctx, &err);
  store_export_config cfg;
  if (store_export_config_get(s, d.id, &cfg, &err) != SEG_OK) {
    store_destination_free(&d);
    seg_err_set(&err, SEG_ENOTFOUND, "destination '%s' has no export configured; run 'segship export configure %s "
                                     "--email ATTR --segments A,B'", name, name);
    return cli_fail(ctx, &err);
  }
  store_schema sc;
  store_schema_load(s, &sc, &err);
  int64_t distinct = 0;
  store_segments_distinct_members(s, cfg.segment_ids, cfg.n_segments, &distinct, &err);
  char masked[32];
  secret_mask_hint(d.key_hint, masked, sizeof masked);
  const export_driver *drv = export_driver_find(d.type);
  bool ortto_show = drv && strcmp(drv->membership, "tag") == 0;
  if (ctx->json) {
    bool ortto = drv && strcmp(drv->membership, "tag") == 0;
    json_t *fields = json_array();
    json_array_append_new(fields, json_pack("{s:s, s:s}", "attribute", cfg.email_attr, "field", ortto ? "str::email" : "Email"));
    if (cfg.first_name_attr[0])
      json_array_append_new(fields, json_pack("{s:s, s:s}", "attribute", cfg.first_name_attr, "field", ortto ? "str::first" : "FirstName"));
    if (cfg.last_name_attr[0])
      json_array_append_new(fields, json_pack("{s:s, s:s}", "attribute", cfg.last_name_attr, "field", ortto ? "str::last" : "LastName"));
    for (size_t i = 0; i < cfg.n_fields; i++) {
      json_t *f = json_pack("{s:s, s:s}", "attribute", cfg.fields[i].attr, "field", cfg.fields[i].field);
      if (cfg.fields[i].custom) {
        int k = store_schema_find(&sc, cfg.fields[i].attr);
        attr_type t = k >= 0 ? sc.attrs[k].type : ATTR_TEXT;
        json_object_set_new(f, "custom_type", json_string(ortto ? ortto_custom_type(t) : dest_custom_type(t)));
      }
      json_array_append_new(fields, f);
    }
    json_t *segs = json_array();
    for (size_t i = 0; i < cfg.n_segments; i++) {
      if (ortto) {
        char tag[256], hint[400];
        snprintf(tag, sizeof tag, "%s%s", cfg.tag_prefix, cfg.segment_names[i]);
        drv->target_hint(tag, hint, sizeof hint);
        json_array_append_new(segs, json_pack("{s:s, s:s, s:s}", "segment", cfg.segment_names[i], "tag", tag, "hint", hint));
      } else {
        json_array_append_new(segs, json_string(cfg.segment_names[i]));
      }
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:b, s:s, s:I, s:I, s:f, s:s, s:i}", "destination", d.name,
                          "type", d.type, "api_url", d.api_url, "api_key", masked, "export_user", d.export_user, "fields",
                          fields, "segments", segs, "on_leave", cfg.on_leave, "schedule", cfg.schedule,
                          "list_membership", cfg.list_membership, "profiles", (json_int_t)distinct, "max_profiles",
                          (json_int_t)d.max_profiles, "rate_limit", d.rate_limit, "rate_windows", d.rate_windows,
                          "max_removal", cfg.max_removal);
    if (ortto) json_object_set_new(o, "tag_prefix", json_string(cfg.tag_prefix));
    else json_object_set_new(o, "membership", json_string(cfg.membership));
    if (!ortto && strcmp(cfg.membership, "list") != 0 && cfg.membership[0]) {
      /* field and both modes: the field of each segment, and how to use it in Autopilot */
      json_t *smart = json_array();
      for (size_t i = 0; i < cfg.n_segments; i++) {
        char field[160], hint[400];
        snprintf(field, sizeof field, "In %s", cfg.segment_names[i]);
        snprintf(hint, sizeof hint, "in Autopilot, create a smart segment with the condition: custom field '%s' is true",
                 field);
        json_array_append_new(smart, json_pack("{s:s, s:s, s:s}", "segment", cfg.segment_names[i], "field", field,
                                               "hint", hint));
      }
      json_object_set_new(o, "smart_segments", smart);
    }
    cli_print_json(o);
  } else if (ortto_show) {
    printf("export of      %s (Ortto, %s, key %s, runs as %s)\n", d.name, d.api_url, masked, d.export_user);
    printf("data matching  str::ei    <- the profile id (Ortto finds a person by it first, then by email)\n");
    printf("               str::email <- %s\n", cli_safe(cfg.email_attr));
    if (cfg.first_name_attr[0]) printf("               str::first <- %s\n", cli_safe(cfg.first_name_attr));
    if (cfg.last_name_attr[0]) printf("               str::last  <- %s\n", cli_safe(cfg.last_name_attr));
    for (size_t i = 0; i < cfg.n_fields; i++) {
      int k = store_schema_find(&sc, cfg.fields[i].attr);
      if (cfg.fields[i].custom)
        printf("               custom %s (%s) <- %s\n", cfg.fields[i].field,
               ortto_custom_type(k >= 0 ? sc.attrs[k].type : ATTR_TEXT), cli_safe(cfg.fields[i].attr));
      else
        printf("               %-10s <- %s\n", cfg.fields[i].field, cli_safe(cfg.fields[i].attr));
    }
    printf("segments       one tag each:\n");
    for (size_t i = 0; i < cfg.n_segments; i++) {
      char tag[256], hint[400];
      snprintf(tag, sizeof tag, "%s%s", cfg.tag_prefix, cfg.segment_names[i]);
      drv->target_hint(tag, hint, sizeof hint);
      printf("               '%s': %s\n", cli_safe(cfg.segment_names[i]), cli_safe(hint));
    }
    printf("profiles       %lld distinct (limit %lld)%s\n", (long long)distinct, (long long)d.max_profiles,
           distinct > d.max_profiles ? "  OVER THE LIMIT: a run will refuse" : "");
    printf("on leave       %s\n", strcmp(cfg.on_leave, "remove") == 0 ? "the tag is removed (the person stays in Ortto)"
                                                                        : "the tag is kept");
    printf("schedule       %s\n", cfg.schedule ? "runs with every scheduled refresh" : "on demand only");
    if (d.rate_limit > 0) printf("rate           %g requests/s%s%s\n", d.rate_limit, d.rate_windows[0] ? ", " : "", d.rate_windows);
    else if (d.rate_windows[0]) printf("rate           %s (requests/seconds)\n", d.rate_windows);
    else printf("rate           no limit\n");
    if (cfg.max_removal >= 100) printf("removal guard  off\n");
    else printf("removal guard  a run removing more than %d%% of a tag's people (of 100 or more) is held\n", cfg.max_removal);
  } else {
    printf("export of      %s (%s, key %s, runs as %s)\n", d.name, d.api_url, masked, d.export_user);
    printf("data matching  Email      <- %s\n", cli_safe(cfg.email_attr));
    if (cfg.first_name_attr[0]) printf("               FirstName  <- %s\n", cli_safe(cfg.first_name_attr));
    if (cfg.last_name_attr[0]) printf("               LastName   <- %s\n", cli_safe(cfg.last_name_attr));
    for (size_t i = 0; i < cfg.n_fields; i++) {
      int k = store_schema_find(&sc, cfg.fields[i].attr);
      if (cfg.fields[i].custom)
        printf("               custom %s (%s) <- %s\n", cli_safe(cfg.fields[i].field),
               dest_custom_type(k >= 0 ? sc.attrs[k].type : ATTR_TEXT), cli_safe(cfg.fields[i].attr));
      else
        printf("               %-10s <- %s\n", cfg.fields[i].field, cli_safe(cfg.fields[i].attr));
    }
    bool lists = strcmp(cfg.membership, "field") != 0, field = strcmp(cfg.membership, "list") != 0;
    printf("segments       ");
    for (size_t i = 0; i < cfg.n_segments; i++) printf("%s%s", i ? ", " : "", cli_safe(cfg.segment_names[i]));
    printf("  (%s)\n", !field ? "one Autopilot list each"
                             : lists ? "one Autopilot list and one boolean field 'In <segment>' each"
                                     : "one boolean field 'In <segment>' each");
    if (field)
      for (size_t i = 0; i < cfg.n_segments; i++)
        printf("               '%s': in Autopilot, create a smart segment with the condition: custom field 'In %s' "
               "is true\n",
               cli_safe(cfg.segment_names[i]), cli_safe(cfg.segment_names[i]));
    printf("profiles       %lld distinct (limit %lld)%s\n", (long long)distinct, (long long)d.max_profiles,
           distinct > d.max_profiles ? "  OVER THE LIMIT: a run will refuse" : "");
    bool remove = strcmp(cfg.on_leave, "remove") == 0;
    /* --on-leave is about lists: a leaver's field is set false whatever it says */
    if (!lists) printf("on leave       the field 'In <segment>' is set false (never deleted from Autopilot)\n");
    else if (field)
      printf("on leave       %s, and the field 'In <segment>' set false (never deleted from Autopilot)\n",
             remove ? "removed from the list" : "kept in the list");
    else printf("on leave       %s\n", remove ? "removed from the list (never deleted from Autopilot)" : "kept in the list");
    printf("schedule       %s\n", cfg.schedule ? "runs with every scheduled refresh" : "on demand only");
    if (lists) /* how list joins of existing contacts are sent: no list in field mode */
      printf("list joins     %s\n", strcmp(cfg.list_membership, "bulk") == 0
                                        ? "bulk (_autopilot_list in the upsert)"
                                        : "per-contact (one call per existing contact and list)");
    if (cfg.max_removal >= 100) printf("removal guard  off\n");
    else
      printf("removal guard  a run removing more than %d%% of a %s (of 100 or more) is held\n", cfg.max_removal,
             !lists ? "segment's fields 'In <segment>' set true" : field ? "list or of its field's members" : "list");
    if (d.rate_limit > 0) printf("rate           %g requests/s\n", d.rate_limit);
    else printf("rate           no limit\n");
  }
  store_schema_free(&sc);
  store_export_config_free(&cfg);
  store_destination_free(&d);
  return 0;
}
