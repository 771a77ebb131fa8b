/* console.h: the web console served by `segship serve` on the service's listener: sign-in,
 * sessions, CSRF, roles, and the pages of the seed's flow (destinations, segments, profiles,
 * the schedule, users). Pages call the same modules as the CLI; none holds business logic. */
#ifndef SEGSHIP_CONSOLE_CONSOLE_H
#define SEGSHIP_CONSOLE_CONSOLE_H

#include <signal.h>
#include <stdbool.h>

#include "util/error.h"

typedef struct console console;

typedef struct console_options {
  const char *db_path;
  bool secure_cookies;           /* mark the session cookie Secure (served behind https) */
  volatile sig_atomic_t *stop;   /* the service's stop flag: background exports finish their batches */
  void (*on_schedule_change)(void); /* the schedule was changed: the service reloads it */
} console_options;

/* Opens the console's own store handle (used on the listener's thread only). */
seg_code console_new(const console_options *o, console **out, seg_err *err);
/* Waits for background exports and refreshes (they stop early when *stop is set), then frees. */
void console_free(console *c);

/* libmicrohttpd's access handler and completion callback (cls: the console). */
struct MHD_Connection;
int console_answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *upload,
                   size_t *upload_size, void **con_cls);
void console_completed(void *cls, void **con_cls);

#endif
