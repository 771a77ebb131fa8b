/* server.h: the HTTP side: libmicrohttpd driven by our own epoll loop on one thread. It checks the
 * key, the rate limit and the faults, reads bodies (10 MB at most), and hands each request to the
 * API or the control endpoints. Slow answers are parked (suspended) and resumed by a timer, so
 * they never hold up other connections. */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include <stddef.h>

#include "sim.h"

typedef struct server server;

/* Starts serving sm on listen_fd (bound, listening; the server takes it over and closes it).
 * Returns NULL with a sentence in err on failure (listen_fd is then closed too). */
server *server_start(sim *sm, int listen_fd, char *err, size_t errlen);
/* Serves until stop_fd (a signalfd) becomes readable. Returns 0, or -1 when polling fails. */
int server_run(server *srv, int stop_fd);
/* Answers parked requests, closes every connection and frees the server. */
void server_stop(server *srv);

#endif
