/* cli.c: a simulator's whole program but its API: flags, keys, the listening socket, signals,
 * and the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arena.h"
#include "cli.h"
#include "mem.h"
#include "server.h"
#include "settings.h"
#include "sim.h"

#define CLI_EXIT_USAGE 2

static const sim_api *cli_api; /* the simulator this program is */

static void cli_usage(FILE *out, const settings *cfg) {
  fprintf(out, "usage: %s [--listen HOST:PORT] --api-key KEY [--api-key KEY2 ...] [options]\n\n%s\n",
          cli_api->program, cli_api->summary);
  fputs("Prints \"listening on http://HOST:PORT\" first, then serves until SIGINT or SIGTERM.\n"
        "\n"
        "  --listen HOST:PORT    address to listen on (default 127.0.0.1:0; port 0 picks a free port);\n"
        "                        a loopback address unless --allow-remote\n"
        "  --allow-remote        allow a --listen address other than loopback (127.0.0.0/8, ::1)\n"
        "  --api-key KEY         a key the simulator accepts; each key is its own account (repeatable)\n"
        "  --api-key-file F      keys from file F, one per line, blank lines ignored (repeatable)\n"
        "  --clock real|manual   the rate limiter's clock (default real); manual: time moves only\n"
        "                        by POST /__sim/clock {\"advance_ms\": N}\n",
        out);
  settings_write_help(cfg, out);
  fputs("  --help                this text\n"
        "\n"
        "Control endpoints (no key): GET /__sim/state[?key=KEY], GET /__sim/stats, POST /__sim/reset,\n"
        "GET|POST /__sim/faults, POST /__sim/keys, GET|POST /__sim/clock, ",
        out);
  fprintf(out, "%s. See docs/simulator.md.\n", cli_api->control_help);
}

__attribute__((format(printf, 1, 2), noreturn)) static void cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", cli_api->program);
  vfprintf(stderr, fmt, ap);
  fputs(" See --help.\n", stderr);
  va_end(ap);
  exit(CLI_EXIT_USAGE);
}

/* Binds and listens on "HOST:PORT" ("[::1]:0" for IPv6). Writes the URL into url. Returns the
 * socket, or -1 with a sentence in err; *usage_error tells a malformed spec from a refused bind. */
/* True when the address is a loopback one: 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. */
static bool cli_is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
  if (sa->sa_family != AF_INET6) return false;
  const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
  return IN6_IS_ADDR_LOOPBACK(a6) || (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

static int cli_listen(const char *spec, bool allow_remote, char *url, size_t urllen, char *err, size_t errlen,
                       bool *usage_error) {
  *usage_error = true;
  char host[256];
  const char *colon = strrchr(spec, ':');
  if (!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= sizeof host) {
    snprintf(err, errlen, "--listen must be HOST:PORT, like 127.0.0.1:0.");
    return -1;
  }
  memcpy(host, spec, (size_t)(colon - spec));
  host[colon - spec] = '\0';
  if (host[0] == '[' && host[strlen(host) - 1] == ']') {
    memmove(host, host + 1, strlen(host));
    host[strlen(host) - 1] = '\0';
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
  int rc = getaddrinfo(host, colon + 1, &hints, &res);
  if (rc) {
    snprintf(err, errlen, "cannot use --listen %s: %s.", spec, gai_strerror(rc));
    return -1;
  }
  /* The simulator answers anyone who knows a key, and its /__sim endpoints anyone at all. */
  if (!allow_remote && !cli_is_loopback(res->ai_addr)) {
    snprintf(err, errlen, "--listen %s is not a loopback address (127.0.0.0/8, ::1, localhost), so anyone who "
             "can reach it could use the simulator; add --allow-remote to listen there anyway.", spec);
    freeaddrinfo(res);
    return -1;
  }
  *usage_error = false;
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
    snprintf(err, errlen, "cannot listen on %s: %s.", spec, strerror(errno));
    if (fd >= 0) close(fd);
    freeaddrinfo(res);
    return -1;
  }
  freeaddrinfo(res);
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  char addr[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  getsockname(fd, (struct sockaddr *)&ss, &sl);
  if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &a6->sin6_addr, addr, sizeof addr);
    port = ntohs(a6->sin6_port);
    snprintf(url, urllen, "http://[%s]:%d", addr, port);
  } else {
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a4->sin_addr, addr, sizeof addr);
    port = ntohs(a4->sin_port);
    snprintf(url, urllen, "http://%s:%d", addr, port);
  }
  return fd;
}

static bool cli_key_valid(const char *key) {
  if (!*key || strlen(key) > 256) return false;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f) return false;
  return true;
}

/* The keys of the command line, in order (each owned). */
typedef struct cli_keys {
  char **items;
  size_t n, cap;
} cli_keys;

static void cli_keys_add(cli_keys *k, const char *key, size_t len) {
  mem_grow((void **)&k->items, &k->cap, k->n + 1, sizeof *k->items);
  k->items[k->n++] = mem_strndup(key, len);
}

static void cli_keys_free(cli_keys *k) {
  for (size_t i = 0; i < k->n; i++) free(k->items[i]);
  free(k->items);
}

/* Reads --api-key-file: one key per line; blank lines (spaces only) are skipped, a trailing CR
 * (a file written on Windows) is dropped. A bad line is named by its number, never printed. */
static bool cli_keys_read_file(cli_keys *k, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "cannot read --api-key-file %s: %s.", path, strerror(errno));
    return false;
  }
  char *line = NULL;
  size_t cap = 0, lineno = 0, found = 0;
  ssize_t len;
  bool ok = true;
  while (ok && (len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (strspn(line, " \t") == (size_t)len) continue;
    if ((size_t)len != strlen(line) || !cli_key_valid(line)) {
      snprintf(err, errlen, "--api-key-file %s: line %zu is not a key (1 to 256 printable ASCII characters "
               "without spaces, one key per line).", path, lineno);
      ok = false;
    } else {
      cli_keys_add(k, line, (size_t)len);
      found++;
    }
  }
  if (ok && ferror(f)) {
    snprintf(err, errlen, "cannot read --api-key-file %s: %s.", path, strerror(errno));
    ok = false;
  }
  if (ok && !found) {
    snprintf(err, errlen, "--api-key-file %s holds no key; write one key per line.", path);
    ok = false;
  }
  if (line) explicit_bzero(line, cap);
  free(line);
  fclose(f);
  return ok;
}

int cli_main(const sim_api *api, int argc, char **argv) {
  cli_api = api;
  arena_install();
  settings cfg;
  settings_default(&cfg, api->settings_set);
  const char *listen_spec = "127.0.0.1:0";
  bool allow_remote = false, manual_clock = false;
  cli_keys keys = {0};

  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      cli_usage(stdout, &cfg);
      cli_keys_free(&keys);
      return 0;
    }
    if (strcmp(arg, "--allow-remote") == 0) {
      allow_remote = true;
      continue;
    }
    if (strncmp(arg, "--", 2) != 0) cli_usage_error("unexpected argument \"%s\".", arg);
    char name[64];
    const char *value = strchr(arg, '=');
    size_t nlen = value ? (size_t)(value - arg - 2) : strlen(arg + 2);
    if (nlen >= sizeof name) cli_usage_error("unknown option %.60s.", arg);
    memcpy(name, arg + 2, nlen);
    name[nlen] = '\0';
    bool known = strcmp(name, "listen") == 0 || strcmp(name, "api-key") == 0 || strcmp(name, "api-key-file") == 0 ||
                 strcmp(name, "clock") == 0 || settings_is_flag(&cfg, name);
    if (!known) cli_usage_error("unknown option --%s.", name);
    if (value) value++;
    else if (i + 1 < argc) value = argv[++i];
    else cli_usage_error("--%s needs a value.", name);

    char err[256];
    if (strcmp(name, "listen") == 0) {
      listen_spec = value;
    } else if (strcmp(name, "api-key") == 0) {
      if (!cli_key_valid(value)) cli_usage_error("--api-key must be 1 to 256 printable ASCII characters without spaces.");
      cli_keys_add(&keys, value, strlen(value));
    } else if (strcmp(name, "api-key-file") == 0) {
      if (!cli_keys_read_file(&keys, value, err, sizeof err)) cli_usage_error("%s", err);
    } else if (strcmp(name, "clock") == 0) {
      if (strcmp(value, "manual") != 0 && strcmp(value, "real") != 0)
        cli_usage_error("--clock must be \"real\" or \"manual\".");
      manual_clock = strcmp(value, "manual") == 0;
    } else if (!settings_set_flag(&cfg, name, value, err, sizeof err)) {
      cli_usage_error("%s", err);
    }
  }
  if (!keys.n) cli_usage_error("at least one --api-key KEY or --api-key-file FILE is required.");

  /* Signals arrive on a descriptor the loop polls: no handler runs in the middle of a request. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  int stop_fd = signalfd(-1, &stop, SFD_CLOEXEC);

  char url[128], err[256];
  bool usage_error = false;
  int fd = cli_listen(listen_spec, allow_remote, url, sizeof url, err, sizeof err, &usage_error);
  if (fd < 0 && usage_error) cli_usage_error("%s", err);
  if (fd < 0 || stop_fd < 0) {
    fprintf(stderr, "%s: %s\n", api->program, fd < 0 ? err : "cannot watch for signals.");
    cli_keys_free(&keys);
    return 1;
  }
  sim sm;
  sim_init(&sm, api, &cfg, manual_clock, (const char *const *)keys.items, keys.n);
  cli_keys_free(&keys);
  server *srv = server_start(&sm, fd, err, sizeof err);
  if (!srv) {
    fprintf(stderr, "%s: %s\n", api->program, err);
    sim_free(&sm);
    close(stop_fd);
    return 1;
  }
  printf("listening on %s\n", url);
  fflush(stdout);
  int rc = server_run(srv, stop_fd);
  server_stop(srv);
  sim_free(&sm);
  arena_release();
  close(stop_fd);
  if (rc) fprintf(stderr, "%s: the event loop failed: %s\n", api->program, strerror(errno));
  return rc ? 1 : 0;
}
