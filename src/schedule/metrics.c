/* metrics.c: /healthz and /metrics over libmicrohttpd; one request at a time on its own thread. */
#include "schedule/metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/refreshes.h"
#include "store/store.h"
#include "util/clock.h"

struct metrics_server {
  struct MHD_Daemon *daemon;
  char *db_path;
  store *s; /* opened and used on the server's own thread only */
  pthread_mutex_t lock;
  int64_t next_ms;
  metrics_delegate d;
};

static void label(buf *b, const char *v) {
  for (; *v; v++) {
    if (*v == '\\' || *v == '"') buf_putc(b, '\\');
    if (*v == '\n') {
      buf_puts(b, "\\n");
      continue;
    }
    buf_putc(b, *v);
  }
}

static void header(buf *b, const char *name, const char *type, const char *help) {
  buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

seg_code metrics_render(store *s, buf *b, seg_err *err) {
  store_run_totals *t;
  size_t n;
  seg_code rc = store_run_totals_list(s, &t, &n, err);
  if (rc != SEG_OK) return rc;
  header(b, "segship_up", "gauge", "1 while the service runs.");
  buf_puts(b, "segship_up 1\n");
  header(b, "segship_export_runs_total", "counter", "Export runs by destination and status.");
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < STORE_RUN_N_STATUSES; k++) {
      buf_puts(b, "segship_export_runs_total{destination=\"");
      label(b, t[i].destination);
      buf_printf(b, "\",status=\"%s\"} %lld\n", store_run_statuses[k], (long long)t[i].runs_by_status[k]);
    }
  struct {
    const char *name, *help;
    size_t off;
  } sums[] = {
      {"segship_export_contacts_sent_total", "Contacts created or updated at the destinations.", offsetof(store_run_totals, contacts_upserted)},
      {"segship_export_list_additions_total", "List memberships added.", offsetof(store_run_totals, list_additions)},
      {"segship_export_list_removals_total", "List memberships removed.", offsetof(store_run_totals, list_removals)},
      {"segship_export_field_sets_total", "Membership fields \"In <segment>\" set true.", offsetof(store_run_totals, field_sets)},
      {"segship_export_field_clears_total", "Membership fields \"In <segment>\" set false.", offsetof(store_run_totals, field_clears)},
      {"segship_export_rejected_total", "Records not delivered.", offsetof(store_run_totals, rejected)},
      {"segship_export_api_calls_total", "HTTP calls to the destinations, retries included.", offsetof(store_run_totals, api_calls)},
      {"segship_export_retries_total", "Calls sent again after a 5xx, a timeout or a dropped connection.", offsetof(store_run_totals, retries)},
      {"segship_export_throttled_total", "429 answers (rate limited).", offsetof(store_run_totals, throttled)},
  };
  for (size_t m = 0; m < sizeof sums / sizeof sums[0]; m++) {
    header(b, sums[m].name, "counter", sums[m].help);
    for (size_t i = 0; i < n; i++) {
      buf_printf(b, "%s{destination=\"", sums[m].name);
      label(b, t[i].destination);
      buf_printf(b, "\"} %lld\n", (long long)*(const int64_t *)((const char *)&t[i] + sums[m].off));
    }
  }
  header(b, "segship_export_last_success_timestamp_seconds", "gauge", "When the last successful run finished.");
  for (size_t i = 0; i < n; i++) {
    if (!t[i].last_success_ms) continue;
    buf_puts(b, "segship_export_last_success_timestamp_seconds{destination=\"");
    label(b, t[i].destination);
    buf_printf(b, "\"} %.3f\n", (double)t[i].last_success_ms / 1000.0);
  }
  header(b, "segship_export_last_run_duration_seconds", "gauge", "How long the last finished run took.");
  for (size_t i = 0; i < n; i++) {
    buf_puts(b, "segship_export_last_run_duration_seconds{destination=\"");
    label(b, t[i].destination);
    buf_printf(b, "\"} %.3f\n", t[i].last_duration_s);
  }
  free(t);
  store_refresh *rf;
  size_t nr;
  if (store_refreshes_list(s, 1000000, &rf, &nr, err) == SEG_OK) {
    int64_t counts[3] = {0};
    const char *names[3] = {"succeeded", "failed", "cancelled"};
    for (size_t i = 0; i < nr; i++)
      for (int k = 0; k < 3; k++)
        if (strcmp(rf[i].status, names[k]) == 0) counts[k]++;
    header(b, "segship_refreshes_total", "counter", "Refreshes by status.");
    for (int k = 0; k < 3; k++) buf_printf(b, "segship_refreshes_total{status=\"%s\"} %lld\n", names[k], (long long)counts[k]);
    store_refreshes_free(rf, nr);
  }
  return SEG_OK;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  metrics_server *m = cls;
  if (m->d.answer && strcmp(url, "/healthz") != 0 && strcmp(url, "/metrics") != 0)
    return m->d.answer(m->d.cls, conn, url, method, upload, upload_size, con_cls) ? MHD_YES : MHD_NO;
  buf body;
  buf_init(&body, 0);
  unsigned status = 200;
  const char *type = "application/json";
  if (strcmp(method, "GET") != 0) {
    status = 405;
    buf_puts(&body, "{\"error\":\"Method Not Allowed\"}\n");
  } else if (strcmp(url, "/healthz") == 0) {
    pthread_mutex_lock(&m->lock);
    int64_t next = m->next_ms;
    pthread_mutex_unlock(&m->lock);
    char when[25] = "";
    if (next > 0) clock_format_ms(next, when);
    buf_printf(&body, "{\"status\":\"ok\",\"pid\":%d,\"next_refresh\":%s%s%s}\n", (int)getpid(), next ? "\"" : "",
               next ? when : "null", next ? "\"" : "");
  } else if (strcmp(url, "/metrics") == 0) {
    type = "text/plain; version=0.0.4; charset=utf-8";
    seg_err err;
    if (!m->s && store_open(m->db_path, STORE_OPEN_EXISTING, &m->s, &err) != SEG_OK) m->s = NULL;
    if (!m->s || metrics_render(m->s, &body, &err) != SEG_OK) {
      status = 503;
      buf_reset(&body);
      buf_puts(&body, "# the store could not be read\n");
    }
  } else {
    status = 404;
    buf_puts(&body, "{\"error\":\"Not Found\",\"message\":\"try /healthz or /metrics\"}\n");
  }
  size_t len = body.len; /* before detaching: argument order is unspecified */
  char *data = buf_detach(&body);
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
  MHD_add_response_header(resp, "Content-Type", type);
  enum MHD_Result r = MHD_queue_response(conn, status, resp);
  MHD_destroy_response(resp);
  return r;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe) {
  metrics_server *m = cls;
  if (m->d.completed) m->d.completed(m->d.cls, con_cls);
}

seg_code metrics_start(const char *addr, const char *db_path, metrics_server **out, int *port, seg_err *err) {
  return metrics_start_with(addr, db_path, NULL, out, port, err);
}

seg_code metrics_start_with(const char *addr, const char *db_path, const metrics_delegate *d, metrics_server **out,
                            int *port, seg_err *err) {
  *out = NULL;
  char host[64];
  const char *colon = strrchr(addr, ':');
  if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host)
    return seg_err_set(err, SEG_EUSAGE, "--listen takes HOST:PORT, like 127.0.0.1:8080");
  snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end || p < 0 || p > 65535) return seg_err_set(err, SEG_EUSAGE, "--listen: '%s' is not a port", colon + 1);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
    return seg_err_set(err, SEG_EUSAGE, "--listen: '%s' is not an IPv4 address (use 127.0.0.1 to stay local)", host);
  metrics_server *m = calloc(1, sizeof *m);
  if (!m) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  m->db_path = strdup(db_path);
  if (d) m->d = *d;
  pthread_mutex_init(&m->lock, NULL);
  m->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, m,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT,
                               (unsigned)10, MHD_OPTION_NOTIFY_COMPLETED, completed, m, MHD_OPTION_END);
  if (!m->daemon) {
    free(m->db_path);
    free(m);
    return seg_err_set(err, SEG_EBUSY, "cannot listen on %s (is the port in use?); choose another with --listen", addr);
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
  *port = info ? info->port : (int)p;
  *out = m;
  return SEG_OK;
}

void metrics_set_next(metrics_server *m, int64_t next_ms) {
  pthread_mutex_lock(&m->lock);
  m->next_ms = next_ms;
  pthread_mutex_unlock(&m->lock);
}

void metrics_stop(metrics_server *m) {
  if (!m) return;
  MHD_stop_daemon(m->daemon); /* joins the server thread: its store handle is ours again */
  store_close(m->s);
  pthread_mutex_destroy(&m->lock);
  free(m->db_path);
  free(m);
}
