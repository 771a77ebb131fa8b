/* metrics.h: the service's HTTP side (libmicrohttpd, its own thread and its own store handle):
 * GET /healthz and GET /metrics in Prometheus' text format, computed from the run history. */
#ifndef SEGSHIP_SCHEDULE_METRICS_H
#define SEGSHIP_SCHEDULE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"

typedef struct metrics_server metrics_server;

/* Listens on addr ("127.0.0.1:8080"; port 0 picks one) for the store at db_path. *port is the
 * port bound. SEG_EBUSY when the port is taken. */
seg_code metrics_start(const char *addr, const char *db_path, metrics_server **out, int *port, seg_err *err);
/* The time of the next scheduled refresh (ms, 0: none), shown by /healthz. */
/* Another handler answers every other address (the console): libmicrohttpd's access handler
 * without the version argument, and its completion callback. */
struct MHD_Connection;
typedef struct metrics_delegate {
  int (*answer)(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *upload,
                size_t *upload_size, void **con_cls);
  void (*completed)(void *cls, void **con_cls);
  void *cls;
} metrics_delegate;
seg_code metrics_start_with(const char *addr, const char *db_path, const metrics_delegate *d, metrics_server **out,
                            int *port, seg_err *err);
void metrics_set_next(metrics_server *m, int64_t next_ms);
void metrics_stop(metrics_server *m);

/* Writes the metrics text for the store at db_path into out (used by the server, and testable). */
struct store;
seg_code metrics_render(struct store *s, buf *out, seg_err *err);

#endif
