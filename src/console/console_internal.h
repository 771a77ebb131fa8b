/* console_internal.h: what the console's files share: the request and response, HTML writing,
 * sessions and roles, background jobs. Nothing outside src/console uses it. */
#ifndef SEGSHIP_CONSOLE_INTERNAL_H
#define SEGSHIP_CONSOLE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "console/console.h"
#include "store/destinations.h"
#include "store/store.h"
#include "util/buf.h"

#define CONSOLE_IDLE_MS (12LL * 3600 * 1000) /* a session ends after 12 idle hours */
#define CONSOLE_MAX_BODY (1u << 20)          /* a form's body */
#define CONSOLE_MAX_JOBS 32

typedef enum { ROLE_NONE, ROLE_VIEWER, ROLE_CONTRIBUTOR, ROLE_ADMIN } console_role;

/* A background export of one destination, or a refresh (destination_id 0). */
typedef struct console_job {
  bool used, running, joined;
  pthread_t thread;
  struct console *c;
  int64_t destination_id;
  char name[129];
  char run_by[65];
  int64_t done, total;          /* records, as the run reports them */
  double started, finished;     /* clock_mono_s */
  char status[16];
  char message[1024];
} console_job;

/* The key given at Connect, kept (locked memory) for the Save step of the same session. */
typedef struct console_pending {
  char token_hash[65];
  char *key;                    /* sodium_malloc'd */
  char display_name[257], api_url[1024], account_name[257], account_email[257];
  int64_t at;                   /* when Connect succeeded (clock_mono_ms): wiped 15 minutes later */
} console_pending;

typedef struct console_attempts {
  char key[96];                 /* "u:NAME" or "a:ADDRESS" */
  int64_t fails[5];
  int n;
  int64_t locked_until;
} console_attempts;

struct console {
  char *db_path;
  bool secure;
  volatile sig_atomic_t *stop;
  void (*on_schedule_change)(void);
  store *s;                     /* the listener thread's handle */
  pthread_mutex_t lock;         /* jobs */
  console_job jobs[CONSOLE_MAX_JOBS];
  console_pending pending[64];
  console_attempts attempts[256];
};

typedef struct kv {
  char *k, *v;
} kv;

typedef struct creq {
  console *c;
  struct MHD_Connection *conn;
  const char *method, *url;
  kv *form;
  size_t n_form;
  char ip[64];
  bool signed_in, expired;
  store_user user;
  console_role role;
  char token_hash[65];
  char csrf[65];
} creq;

typedef struct cresp {
  unsigned status;
  const char *type;
  buf body;
  char location[2048];
  char cookie[2][300];
  char disposition[300];
} cresp;

/* ---- requests ---- */
const char *req_form(const creq *r, const char *name);   /* NULL when absent */
const char *req_query(const creq *r, const char *name);  /* NULL when absent */
/* Every value of a repeated form field, in order (*n of them; the array is malloc'd). */
const char **req_form_all(const creq *r, const char *name, size_t *n);
console_role role_of(const char *role);

/* ---- responses ---- */
void resp_redirect(cresp *w, const char *location);
void resp_json(cresp *w, unsigned status, const char *json);
/* A page with one message: 403, 404, or an error. */
void resp_message(creq *r, cresp *w, unsigned status, const char *title, const char *message);

/* ---- HTML ---- */
void h_esc(buf *b, const char *s);                 /* text and attribute values */
void h_escn(buf *b, const char *s, size_t n);
void h_url(buf *b, const char *s);                 /* a query value, percent-encoded */
void h_num(buf *b, int64_t v);                     /* 7,219 */
void h_time(buf *b, int64_t ms);                   /* 2026-11-30 06:00 UTC, or "never" for 0 */
void h_csrf(buf *b, const creq *r);
void page_begin(creq *r, cresp *w, const char *title);
void page_end(cresp *w);
void h_notice(buf *b, const char *kind, const char *text); /* kind: "ok" or "error" */

/* ---- jobs ---- */
/* Starts an export of destination d in the background; false (why in err) when it cannot. */
bool job_start_export(console *c, const store_destination *d, const char *user, seg_err *err);
bool job_start_refresh(console *c, const char *user, seg_err *err);
/* A copy of the latest job of destination id (0: the refresh); false when none. */
bool job_get(console *c, int64_t destination_id, console_job *out);
void jobs_join_all(console *c);

/* ---- pages (each checks nothing about roles: the router did) ---- */
typedef void (*page_fn)(creq *r, cresp *w);
void page_destinations(creq *r, cresp *w);
void page_destination_new(creq *r, cresp *w);
void page_destination(creq *r, cresp *w);
void page_destination_save(creq *r, cresp *w);
void page_destination_export(creq *r, cresp *w);
void page_destination_progress(creq *r, cresp *w);
void page_destination_total(creq *r, cresp *w);
void page_destination_remove(creq *r, cresp *w);
void page_run(creq *r, cresp *w);
void page_run_csv(creq *r, cresp *w);
void page_segments(creq *r, cresp *w);
void page_segment_new(creq *r, cresp *w);
void page_segment(creq *r, cresp *w);
void page_segment_save(creq *r, cresp *w);
void page_segment_preview(creq *r, cresp *w);
void page_profiles(creq *r, cresp *w);
void page_profile(creq *r, cresp *w);
void page_schedule(creq *r, cresp *w);
void page_schedule_save(creq *r, cresp *w);
void page_schedule_refresh(creq *r, cresp *w);
void page_users(creq *r, cresp *w);
void page_users_post(creq *r, cresp *w);

/* The pending Connect of a session (NULL: none); forget wipes it. */
console_pending *pending_get(console *c, const char *token_hash, bool create);
void pending_forget(console *c, const char *token_hash);
/* Wipes the keys of Connects older than 15 minutes. */
void pending_sweep(console *c);

/* ---- assets ---- */
extern const char console_css[];
extern const char console_js[];

#endif
