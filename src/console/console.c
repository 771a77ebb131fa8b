/* console.c: the console's HTTP side: bodies, forms, the session cookie, CSRF, roles, sign-in
 * with its lockout, the routes, and the security headers of every answer. */
#include "console/console.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "console/console_internal.h"
#include "destination/destination.h"
#include "store/sessions.h"
#include "util/clock.h"
#include "util/log.h"

/* The state of one request between libmicrohttpd's calls: its body so far. */
typedef struct conn_state {
  buf body;
  bool too_big;
} conn_state;

seg_code console_new(const console_options *o, console **out, seg_err *err) {
  *out = NULL;
  if (sodium_init() < 0) return seg_err_set(err, SEG_EINTERNAL, "libsodium could not start");
  console *c = calloc(1, sizeof *c);
  if (!c) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  c->db_path = strdup(o->db_path);
  c->secure = o->secure_cookies;
  c->stop = o->stop;
  c->on_schedule_change = o->on_schedule_change;
  pthread_mutex_init(&c->lock, NULL);
  seg_code rc = store_open(o->db_path, STORE_OPEN_EXISTING, &c->s, err);
  if (rc != SEG_OK) {
    console_free(c);
    return rc;
  }
  *out = c;
  return SEG_OK;
}

void console_free(console *c) {
  if (!c) return;
  jobs_join_all(c);
  for (size_t i = 0; i < sizeof c->pending / sizeof c->pending[0]; i++)
    if (c->pending[i].key) sodium_free(c->pending[i].key);
  store_close(c->s);
  pthread_mutex_destroy(&c->lock);
  free(c->db_path);
  free(c);
}

/* ---- pending connects ---- */

console_pending *pending_get(console *c, const char *token_hash, bool create) {
  console_pending *free_slot = NULL;
  for (size_t i = 0; i < sizeof c->pending / sizeof c->pending[0]; i++) {
    console_pending *p = &c->pending[i];
    if (p->token_hash[0] && strcmp(p->token_hash, token_hash) == 0) return p;
    if (!p->token_hash[0] && !free_slot) free_slot = p;
  }
  if (!create) return NULL;
  if (!free_slot) free_slot = &c->pending[randombytes_uniform(sizeof c->pending / sizeof c->pending[0])];
  if (free_slot->key) sodium_free(free_slot->key);
  memset(free_slot, 0, sizeof *free_slot);
  snprintf(free_slot->token_hash, sizeof free_slot->token_hash, "%s", token_hash);
  free_slot->at = clock_mono_ms();
  return free_slot;
}

void pending_sweep(console *c) {
  int64_t now = clock_mono_ms();
  for (size_t i = 0; i < sizeof c->pending / sizeof c->pending[0]; i++) {
    console_pending *p = &c->pending[i];
    if (!p->token_hash[0] || now - p->at < 15 * 60 * 1000) continue;
    if (p->key) sodium_free(p->key);
    memset(p, 0, sizeof *p);
  }
}

void pending_forget(console *c, const char *token_hash) {
  console_pending *p = pending_get(c, token_hash, false);
  if (!p) return;
  if (p->key) sodium_free(p->key);
  memset(p, 0, sizeof *p);
}

/* ---- forms ---- */

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

static char *url_decode(const char *s, size_t n) {
  char *out = malloc(n + 1), *o = out;
  if (!out) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '+') *o++ = ' ';
    else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      *o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else *o++ = s[i];
  }
  *o = '\0';
  return out;
}

static void parse_form(creq *r, const char *body, size_t len) {
  size_t i = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && body[j] != '&') j++;
    size_t eq = i;
    while (eq < j && body[eq] != '=') eq++;
    kv *p = realloc(r->form, (r->n_form + 1) * sizeof *p);
    if (!p) return;
    r->form = p;
    p[r->n_form].k = url_decode(body + i, eq - i);
    p[r->n_form].v = eq < j ? url_decode(body + eq + 1, j - eq - 1) : strdup("");
    if (p[r->n_form].k && p[r->n_form].v) r->n_form++;
    else {
      free(p[r->n_form].k);
      free(p[r->n_form].v);
    }
    i = j + 1;
  }
}

const char *req_form(const creq *r, const char *name) {
  for (size_t i = 0; i < r->n_form; i++)
    if (strcmp(r->form[i].k, name) == 0) return r->form[i].v;
  return NULL;
}

const char **req_form_all(const creq *r, const char *name, size_t *n) {
  const char **out = calloc(r->n_form + 1, sizeof *out);
  *n = 0;
  if (!out) return NULL;
  for (size_t i = 0; i < r->n_form; i++)
    if (strcmp(r->form[i].k, name) == 0) out[(*n)++] = r->form[i].v;
  return out;
}

const char *req_query(const creq *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

console_role role_of(const char *role) {
  if (strcmp(role, "admin") == 0) return ROLE_ADMIN;
  if (strcmp(role, "contributor") == 0) return ROLE_CONTRIBUTOR;
  if (strcmp(role, "viewer") == 0) return ROLE_VIEWER;
  return ROLE_NONE;
}

/* ---- responses ---- */

void resp_redirect(cresp *w, const char *location) {
  w->status = 303;
  snprintf(w->location, sizeof w->location, "%s", location);
}

void resp_json(cresp *w, unsigned status, const char *json) {
  w->status = status;
  w->type = "application/json";
  buf_reset(&w->body);
  buf_puts(&w->body, json);
}

void resp_message(creq *r, cresp *w, unsigned status, const char *title, const char *message) {
  buf_reset(&w->body);
  page_begin(r, w, title);
  buf_puts(&w->body, "<p class=\"message\">");
  h_esc(&w->body, message);
  buf_puts(&w->body, "</p>\n");
  page_end(w);
  w->status = status;
}

static void set_cookie(console *c, cresp *w, int slot, const char *name, const char *value, long max_age) {
  snprintf(w->cookie[slot], sizeof w->cookie[slot], "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name, value,
           c->secure ? "; Secure" : "", max_age == 0 ? "; Max-Age=0" : "");
}

/* ---- sessions ---- */

static void hex(const unsigned char *in, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[in[i] >> 4];
    out[2 * i + 1] = d[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static void random_hex(char out[65]) {
  unsigned char b[32];
  randombytes_buf(b, sizeof b);
  hex(b, sizeof b, out);
}

static void token_hash(const char *token, char out[65]) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
  hex(h, sizeof h, out);
}

static bool valid_token(const char *t) {
  if (!t || strlen(t) != 64) return false;
  for (; *t; t++)
    if (hexval(*t) < 0) return false;
  return true;
}

/* Reads the session cookie; fills r->user when the session is live. *expired: it was, 12 idle hours ago. */
static void load_session(creq *r, bool *expired) {
  *expired = false;
  const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "segship_session");
  if (!valid_token(tok)) return;
  token_hash(tok, r->token_hash);
  store_session ss;
  seg_err err;
  if (store_session_get(r->c->s, r->token_hash, &ss, &err) != SEG_OK) {
    r->token_hash[0] = '\0';
    return;
  }
  int64_t now = clock_now_ms();
  if (now - ss.last_seen > CONSOLE_IDLE_MS) {
    store_session_remove(r->c->s, r->token_hash, NULL);
    pending_forget(r->c, r->token_hash);
    r->token_hash[0] = '\0';
    *expired = true;
    return;
  }
  if (store_user_get(r->c->s, ss.user, &r->user, &err) != SEG_OK) { /* removed since */
    store_session_remove(r->c->s, r->token_hash, NULL);
    r->token_hash[0] = '\0';
    return;
  }
  store_session_touch(r->c->s, r->token_hash, now, NULL);
  r->signed_in = true;
  r->role = role_of(r->user.role);
  snprintf(r->csrf, sizeof r->csrf, "%s", ss.csrf);
}

/* ---- the sign-in lockout: 5 failures in a minute, for a user or an address, lock it for a minute ---- */

static console_attempts *attempts_of(console *c, const char *key, bool create) {
  console_attempts *empty = NULL;
  size_t n = sizeof c->attempts / sizeof c->attempts[0];
  for (size_t i = 0; i < n; i++) {
    if (strcmp(c->attempts[i].key, key) == 0) return &c->attempts[i];
    if (!c->attempts[i].key[0] && !empty) empty = &c->attempts[i];
  }
  if (!create) return NULL;
  if (!empty) { /* full: reuse the entry whose lock ended first */
    empty = &c->attempts[0];
    for (size_t i = 1; i < n; i++)
      if (c->attempts[i].locked_until < empty->locked_until) empty = &c->attempts[i];
  }
  memset(empty, 0, sizeof *empty);
  snprintf(empty->key, sizeof empty->key, "%s", key);
  return empty;
}

static bool locked(console *c, const char *key, int64_t now) {
  console_attempts *a = attempts_of(c, key, false);
  return a && now < a->locked_until;
}

static void record_failure(console *c, const char *key, int64_t now) {
  console_attempts *a = attempts_of(c, key, true);
  int k = 0;
  for (int i = 0; i < a->n; i++)
    if (now - a->fails[i] < 60000) a->fails[k++] = a->fails[i];
  a->n = k;
  a->fails[a->n++] = now;
  if (a->n >= 5) {
    a->locked_until = now + 60000;
    a->n = 0;
  }
}

static void page_signin(creq *r, cresp *w, const char *error, const char *pre, const char *user) {
  page_begin(r, w, "Sign in");
  buf *b = &w->body;
  if (error) h_notice(b, "error", error);
  buf_puts(b, "<form method=\"post\" action=\"/signin\" class=\"signin\">\n<input type=\"hidden\" name=\"csrf\" value=\"");
  h_esc(b, pre);
  buf_puts(b, "\">\n<label for=\"username\">User name</label>\n"
              "<input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus value=\"");
  h_esc(b, user ? user : "");
  buf_puts(b, "\">\n<label for=\"password\">Password</label>\n"
              "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n"
              "<button type=\"submit\">Sign in</button>\n</form>\n");
  page_end(w);
}

/* The sign-in form carries a token that must equal a cookie set with it (no session exists yet). */
static void signin_get(creq *r, cresp *w, const char *error, const char *user) {
  char pre[65];
  random_hex(pre);
  set_cookie(r->c, w, 1, "segship_pre", pre, -1);
  page_signin(r, w, error, pre, user);
}

static void signin_post(creq *r, cresp *w) {
  const char *pre = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "segship_pre");
  const char *csrf = req_form(r, "csrf");
  if (!valid_token(pre) || !csrf || strlen(csrf) != 64 || sodium_memcmp(pre, csrf, 64) != 0) {
    resp_message(r, w, 403, "Forbidden",
                 "This form is out of date or did not come from this console; reload the sign-in page and try again.");
    return;
  }
  const char *user = req_form(r, "username"), *pw = req_form(r, "password");
  if (!user || !pw || !*user || !*pw) {
    w->status = 400;
    signin_get(r, w, "Enter your user name and your password.", user);
    return;
  }
  int64_t now = clock_now_ms();
  char ukey[96], akey[96];
  snprintf(ukey, sizeof ukey, "u:%.64s", user);
  for (char *p = ukey + 2; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  snprintf(akey, sizeof akey, "a:%s", r->ip);
  if (locked(r->c, ukey, now) || locked(r->c, akey, now)) {
    log_event(LOG_WARN, "console.signin.locked", "sign-in refused while locked out (user %.64s, address %s)", user, r->ip);
    w->status = 429;
    signin_get(r, w, "Too many failed sign-ins: this account or address is locked for a minute; wait, then try again.", user);
    return;
  }
  seg_err err;
  store_user u;
  if (dest_user_check_password(r->c->s, user, pw, &err) != SEG_OK || store_user_get(r->c->s, user, &u, &err) != SEG_OK) {
    record_failure(r->c, ukey, now);
    record_failure(r->c, akey, now);
    log_event(LOG_WARN, "console.signin.failed", "failed sign-in for user %.64s from %s", user, r->ip);
    w->status = 401;
    signin_get(r, w, "Wrong user name or password; check both and try again.", user);
    return;
  }
  char token[65], th[65], csrf_tok[65];
  random_hex(token);
  random_hex(csrf_tok);
  token_hash(token, th);
  store_sessions_expire(r->c->s, now - CONSOLE_IDLE_MS, NULL);
  if (store_session_add(r->c->s, th, u.name, csrf_tok, now, &err) != SEG_OK) {
    resp_message(r, w, 500, "Error", err.msg);
    return;
  }
  sodium_memzero(th, sizeof th);
  log_event(LOG_INFO, "console.signin", "user %s signed in from %s", u.name, r->ip);
  set_cookie(r->c, w, 0, "segship_session", token, -1);
  set_cookie(r->c, w, 1, "segship_pre", "", 0);
  sodium_memzero(token, sizeof token);
  resp_redirect(w, "/destinations");
}

static void signout_post(creq *r, cresp *w) {
  if (r->token_hash[0]) {
    store_session_remove(r->c->s, r->token_hash, NULL);
    pending_forget(r->c, r->token_hash);
  }
  set_cookie(r->c, w, 0, "segship_session", "", 0);
  resp_redirect(w, "/signin?signedout=1");
}

/* ---- routes ---- */

typedef struct route {
  const char *method, *path;
  console_role need;
  page_fn fn;
} route;

static void home(creq *r, cresp *w) { resp_redirect(w, "/destinations"); }
static void css(creq *r, cresp *w) {
  w->type = "text/css; charset=utf-8";
  buf_puts(&w->body, console_css);
}
static void js(creq *r, cresp *w) {
  w->type = "text/javascript; charset=utf-8";
  buf_puts(&w->body, console_js);
}

static void favicon(creq *r, cresp *w) { w->status = 204; }

static const route routes[] = {
    {"GET", "/favicon.ico", ROLE_NONE, favicon},
    {"GET", "/", ROLE_VIEWER, home},
    {"GET", "/static/console.css", ROLE_NONE, css},
    {"GET", "/static/console.js", ROLE_NONE, js},
    {"GET", "/destinations", ROLE_VIEWER, page_destinations},
    {"GET", "/destinations/new", ROLE_ADMIN, page_destination_new},
    {"POST", "/destinations/new", ROLE_ADMIN, page_destination_new},
    {"GET", "/destination", ROLE_VIEWER, page_destination},
    {"POST", "/destination/save", ROLE_ADMIN, page_destination_save},
    {"POST", "/destination/export", ROLE_CONTRIBUTOR, page_destination_export},
    {"GET", "/destination/progress", ROLE_VIEWER, page_destination_progress},
    {"GET", "/destination/total", ROLE_VIEWER, page_destination_total},
    {"GET", "/destination/remove", ROLE_ADMIN, page_destination_remove},
    {"POST", "/destination/remove", ROLE_ADMIN, page_destination_remove},
    {"GET", "/run", ROLE_VIEWER, page_run},
    {"GET", "/run/errors.csv", ROLE_VIEWER, page_run_csv},
    {"GET", "/segments", ROLE_VIEWER, page_segments},
    {"GET", "/segments/new", ROLE_CONTRIBUTOR, page_segment_new},
    {"POST", "/segments/new", ROLE_CONTRIBUTOR, page_segment_new},
    {"GET", "/segment", ROLE_VIEWER, page_segment},
    {"POST", "/segment", ROLE_CONTRIBUTOR, page_segment_save},
    {"GET", "/segments/preview", ROLE_CONTRIBUTOR, page_segment_preview},
    {"GET", "/profiles", ROLE_VIEWER, page_profiles},
    {"GET", "/profile", ROLE_VIEWER, page_profile},
    {"GET", "/schedule", ROLE_VIEWER, page_schedule},
    {"POST", "/schedule", ROLE_ADMIN, page_schedule_save},
    {"POST", "/schedule/refresh", ROLE_CONTRIBUTOR, page_schedule_refresh},
    {"GET", "/users", ROLE_ADMIN, page_users},
    {"POST", "/users", ROLE_ADMIN, page_users_post},
};

static void route_request(creq *r, cresp *w) {
  bool post = strcmp(r->method, "POST") == 0;
  if (strcmp(r->url, "/signin") == 0) {
    if (post) signin_post(r, w);
    else if (r->signed_in) resp_redirect(w, "/destinations");
    else signin_get(r, w, req_query(r, "expired") ? "Your session expired; sign in again." : NULL, NULL);
    return;
  }
  const route *rt = NULL;
  bool path_known = false;
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    if (strcmp(routes[i].path, r->url) == 0) {
      path_known = true;
      if (strcmp(routes[i].method, r->method) == 0) rt = &routes[i];
    }
  if (!rt && strcmp(r->url, "/signout") == 0 && post) {
    static const route so = {"POST", "/signout", ROLE_VIEWER, signout_post};
    rt = &so;
  }
  if (!rt) {
    if (path_known) {
      w->status = 405;
      buf_puts(&w->body, "This address does not take that method.\n");
      w->type = "text/plain; charset=utf-8";
    } else {
      resp_message(r, w, 404, "Not found", "There is no such page; use the navigation above.");
    }
    return;
  }
  if (rt->need != ROLE_NONE && !r->signed_in) {
    if (strncmp(r->url, "/destination/progress", 21) == 0 || strcmp(r->url, "/segments/preview") == 0 ||
        strcmp(r->url, "/destination/total") == 0) {
      resp_json(w, 401, "{\"error\":\"sign in again\"}");
      return;
    }
    resp_redirect(w, r->expired ? "/signin?expired=1" : "/signin");
    return;
  }
  if (post) { /* every POST carries the session's CSRF token */
    const char *t = req_form(r, "csrf");
    if (!t || strlen(t) != 64 || sodium_memcmp(t, r->csrf, 64) != 0) {
      log_event(LOG_WARN, "console.csrf.refused", "a POST to %s without a valid CSRF token was refused", r->url);
      resp_message(r, w, 403, "Forbidden",
                   "This form is out of date or did not come from this console; reload the page and try again.");
      return;
    }
  }
  if (r->role < rt->need) {
    resp_message(r, w, 403, "Forbidden",
                 rt->need == ROLE_ADMIN ? "Only an admin can do this; ask an admin of this console."
                                        : "Your role (viewer) can read but not change anything; ask an admin for the contributor role.");
    return;
  }
  rt->fn(r, w);
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t cap) {
  snprintf(out, cap, "?");
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!ci || !ci->client_addr) return;
  const struct sockaddr *sa = ci->client_addr;
  if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)cap);
}

int console_answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *upload,
                   size_t *upload_size, void **con_cls) {
  console *c = cls;
  bool post = strcmp(method, "POST") == 0;
  if (!*con_cls) {
    conn_state *cs = calloc(1, sizeof *cs);
    if (!cs) return MHD_NO;
    buf_init(&cs->body, CONSOLE_MAX_BODY);
    *con_cls = cs;
    if (post) return MHD_YES; /* the body follows */
  }
  conn_state *cs = *con_cls;
  if (post && *upload_size) {
    if (buf_append(&cs->body, upload, *upload_size) != 0) cs->too_big = true;
    *upload_size = 0;
    return MHD_YES;
  }
  creq r = {.c = c, .conn = conn, .method = method, .url = url};
  cresp w = {.status = 200, .type = "text/html; charset=utf-8"};
  buf_init(&w.body, 0);
  client_ip(conn, r.ip, sizeof r.ip);
  pending_sweep(c);
  bool expired;
  load_session(&r, &expired);
  r.expired = expired;
  if (cs->too_big) {
    resp_message(&r, &w, 413, "Too large", "This form is larger than 1 MB; send less at once.");
  } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && !post) {
    w.status = 405;
    w.type = "text/plain; charset=utf-8";
    buf_puts(&w.body, "The console takes GET and POST only.\n");
  } else {
    if (post) {
      const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
      if (ct && strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) parse_form(&r, buf_str(&cs->body), cs->body.len);
    }
    route_request(&r, &w);
  }
  size_t len = w.body.len;
  char *data = buf_detach(&w.body);
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
  MHD_add_response_header(resp, "Content-Type", w.type);
  MHD_add_response_header(resp, "Content-Security-Policy",
                          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                          "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  if (w.location[0] && (w.status == 303 || w.status == 302)) MHD_add_response_header(resp, "Location", w.location);
  for (int i = 0; i < 2; i++)
    if (w.cookie[i][0]) MHD_add_response_header(resp, "Set-Cookie", w.cookie[i]);
  if (w.disposition[0]) MHD_add_response_header(resp, "Content-Disposition", w.disposition);
  enum MHD_Result res = MHD_queue_response(conn, w.status, resp);
  MHD_destroy_response(resp);
  for (size_t i = 0; i < r.n_form; i++) {
    sodium_memzero(r.form[i].v, strlen(r.form[i].v)); /* passwords and keys do not linger */
    free(r.form[i].k);
    free(r.form[i].v);
  }
  free(r.form);
  return res;
}

void console_completed(void *cls, void **con_cls) {
  conn_state *cs = *con_cls;
  if (!cs) return;
  if (cs->body.data) sodium_memzero(cs->body.data, cs->body.len);
  buf_free(&cs->body);
  free(cs);
  *con_cls = NULL;
}
