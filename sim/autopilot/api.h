/* api.h: the Autopilot REST API (/v1): the route table, the handlers, the JSON shapes of errors
 * and contacts, and the driver (autopilot_api) that makes the core an Autopilot. */
#ifndef SIM_API_H
#define SIM_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "http.h"
#include "jsonbuf.h"
#include "sim.h"

#define API_PAGE_SIZE 100
#define API_MAX_BULK 100

typedef struct api_route api_route;

/* Everything a handler gets: the core's call, with the account as Autopilot's. */
typedef struct api_call {
  sim *sim;
  account *account;
  const http_path *path;
  const char *body; /* NUL-terminated; len bytes */
  size_t body_len;
  int64_t now_ms;
} api_call;

/* The driver: routes, refusals in Autopilot's words, accounts, and POST /__sim/lists. */
extern const sim_api autopilot_api;

/* Finds the route for method and path (which starts with "v1"). */
void api_match_route(const char *method, const http_path *p, http_match *m);
/* Runs a matched route. */
void api_run(const http_match *m, sim_call *call, http_response *r);

/* Writes a contact of account a as the API reads it back. */
void api_write_contact(jsonbuf *b, const account *a, const account_contact *c);

#endif
