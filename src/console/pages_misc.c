/* pages_misc.c: the Segments, Profiles, Schedule and Users pages; each calls src/segment,
 * src/store, src/schedule and src/destination as the CLI does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/console_internal.h"
#include "destination/destination.h"
#include "schedule/cron.h"
#include "schedule/service.h"
#include "segment/segment.h"
#include "store/exports.h"
#include "store/refreshes.h"
#include "store/sessions.h"
#include "util/clock.h"
#include "util/jsonw.h"

/* ---- segments ---- */

static void seg_link(buf *b, const char *name) {
  buf_puts(b, "/segment?name=");
  h_url(b, name);
}

void page_segments(creq *r, cresp *w) {
  store_segment *segs;
  size_t n;
  seg_err err;
  if (store_segments_list(r->c->s, &segs, &n, &err) != SEG_OK) {
    resp_message(r, w, 500, "Segments", err.msg);
    return;
  }
  page_begin(r, w, "Segments");
  buf *b = &w->body;
  if (req_query(r, "deleted")) h_notice(b, "ok", "The segment was deleted.");
  if (n == 0) buf_puts(b, "<p>No segment yet.</p>\n");
  else {
    buf_puts(b, "<div class=\"table\"><table>\n<thead><tr><th>Name</th><th class=\"n\">Members</th><th>Trend (last refresh)</th>"
                "<th>Refreshed</th><th>Rule</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
      buf_puts(b, "<tr><td><a href=\"");
      seg_link(b, segs[i].name);
      buf_puts(b, "\">");
      h_esc(b, segs[i].name);
      buf_puts(b, "</a>");
      if (segs[i].broken) {
        buf_puts(b, " <span class=\"status-failed\">broken: ");
        h_esc(b, segs[i].broken);
        buf_puts(b, "</span>");
      }
      buf_puts(b, "</td><td class=\"n\">");
      if (segs[i].members >= 0) h_num(b, segs[i].members);
      else buf_puts(b, "–");
      buf_puts(b, "</td><td>");
      store_segment_refresh *h;
      size_t nh = 0;
      if (store_segment_history(r->c->s, segs[i].id, 1, &h, &nh, NULL) == SEG_OK && nh > 0) {
        buf_puts(b, "+");
        h_num(b, h[0].joined);
        buf_puts(b, " joined, −");
        h_num(b, h[0].left);
        buf_puts(b, " left");
      } else {
        buf_puts(b, "–");
      }
      if (nh > 0) free(h);
      buf_puts(b, "</td><td>");
      h_time(b, segs[i].refreshed_at);
      buf_puts(b, "</td><td><code>");
      h_esc(b, segs[i].rule);
      buf_puts(b, "</code></td></tr>\n");
    }
    buf_puts(b, "</tbody></table></div>\n");
  }
  if (r->role >= ROLE_CONTRIBUTOR) buf_puts(b, "<p><a class=\"button\" href=\"/segments/new\">New segment</a></p>\n");
  page_end(w);
  store_segments_free(segs, n);
}

/* The rule with a caret under the column the message names ("column 12"), when it names one. */
static void rule_error(buf *b, const char *rule, const char *msg) {
  h_notice(b, "error", msg);
  const char *c = strstr(msg, "column ");
  if (!c || strstr(msg, "line ")) return;
  long col = strtol(c + 7, NULL, 10);
  if (col <= 0) return;
  buf_puts(b, "<pre class=\"rule\" aria-hidden=\"true\">");
  h_esc(b, rule);
  buf_putc(b, '\n');
  for (long i = 1; i < col; i++) buf_putc(b, ' ');
  buf_puts(b, "^</pre>\n");
}

static void segment_form(creq *r, cresp *w, const char *action, const char *orig, const char *name, const char *rule,
                         const char *error) {
  buf *b = &w->body;
  if (error) rule_error(b, rule ? rule : "", error);
  buf_printf(b, "<form method=\"post\" action=\"%s\">\n", action);
  h_csrf(b, r);
  if (orig) {
    buf_puts(b, "<input type=\"hidden\" name=\"name\" value=\"");
    h_esc(b, orig);
    buf_puts(b, "\">\n");
  }
  buf_puts(b, "<label for=\"segment_name\">Name</label>\n<input id=\"segment_name\" name=\"new_name\" required value=\"");
  h_esc(b, name ? name : "");
  buf_puts(b, "\">\n<label for=\"rule\">Rule</label>\n<textarea id=\"rule\" name=\"rule\" required spellcheck=\"false\" "
              "aria-describedby=\"rule-help rule-count\">");
  h_esc(b, rule ? rule : "");
  buf_puts(b, "</textarea>\n<p id=\"rule-help\" class=\"muted\">For example: Country = \"spain\" and IsSubscribed "
              "(docs/rules.md has the whole language).</p>\n<p id=\"rule-count\" aria-live=\"polite\"></p>\n"
              "<button type=\"submit\">Save</button>\n</form>\n");
}

void page_segment_new(creq *r, cresp *w) {
  const char *name = req_form(r, "new_name"), *rule = req_form(r, "rule");
  if (strcmp(r->method, "POST") == 0) {
    segment_result res;
    seg_err err;
    if (segment_create(r->c->s, name ? name : "", rule ? rule : "", NULL, &res, &err) == SEG_OK) {
      buf loc;
      buf_init(&loc, 0);
      seg_link(&loc, res.name);
      buf_puts(&loc, "&created=1");
      resp_redirect(w, buf_str(&loc));
      buf_free(&loc);
      return;
    }
    page_begin(r, w, "New segment");
    w->status = 400;
    segment_form(r, w, "/segments/new", NULL, name, rule, err.msg);
    page_end(w);
    return;
  }
  page_begin(r, w, "New segment");
  segment_form(r, w, "/segments/new", NULL, NULL, NULL, NULL);
  page_end(w);
}

typedef struct changes_ctx {
  buf *b;
  int n;
} changes_ctx;

static int each_change(const char *id, int joined, void *ctx) {
  changes_ctx *c = ctx;
  if (c->n++) buf_puts(c->b, ", ");
  buf_puts(c->b, joined ? "+" : "−");
  if (id) {
    buf_puts(c->b, "<a href=\"/profile?id=");
    h_url(c->b, id);
    buf_puts(c->b, "\">");
    h_esc(c->b, id);
    buf_puts(c->b, "</a>");
  } else {
    buf_puts(c->b, "(deleted profile)");
  }
  return 0;
}

static void segment_page(creq *r, cresp *w, store_segment *g, const char *notice, const char *error, const char *name,
                         const char *rule) {
  page_begin(r, w, g->name);
  buf *b = &w->body;
  if (notice) h_notice(b, "ok", notice);
  buf_puts(b, "<p>");
  if (g->members >= 0) {
    h_num(b, g->members);
    buf_puts(b, " members, refreshed ");
    h_time(b, g->refreshed_at);
  } else {
    buf_puts(b, "Not refreshed yet");
  }
  buf_puts(b, ".</p>\n");
  if (g->broken) h_notice(b, "error", g->broken);
  if (r->role >= ROLE_CONTRIBUTOR) {
    buf_puts(b, "<h2>Edit</h2>\n");
    segment_form(r, w, "/segment", g->name, name ? name : g->name, rule ? rule : g->rule, error);
  } else {
    buf_puts(b, "<pre class=\"rule\">");
    h_esc(b, g->rule);
    buf_puts(b, "</pre>\n");
  }
  buf_puts(b, "<h2>Membership history</h2>\n");
  store_segment_refresh *h;
  size_t nh = 0;
  if (store_segment_history(r->c->s, g->id, STORE_HISTORY_KEEP, &h, &nh, NULL) == SEG_OK && nh > 0) {
    buf_puts(b, "<div class=\"table\"><table>\n<thead><tr><th>Refreshed</th><th class=\"n\">Members</th><th class=\"n\">Joined</th>"
                "<th class=\"n\">Left</th><th>Who (first 50)</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < nh; i++) {
      buf_puts(b, "<tr><td>");
      h_time(b, h[i].at);
      buf_puts(b, "</td><td class=\"n\">");
      h_num(b, h[i].members);
      buf_puts(b, "</td><td class=\"n\">");
      h_num(b, h[i].joined);
      buf_puts(b, "</td><td class=\"n\">");
      h_num(b, h[i].left);
      buf_puts(b, "</td><td>");
      changes_ctx cc = {.b = b};
      store_segment_changes_each(r->c->s, h[i].refresh_id, 50, each_change, &cc, NULL);
      buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table></div>\n");
    free(h);
  } else {
    buf_puts(b, "<p>No refresh yet.</p>\n");
  }
  page_end(w);
}

void page_segment(creq *r, cresp *w) {
  const char *name = req_query(r, "name");
  store_segment g;
  if (!name || store_segment_get(r->c->s, name, &g, NULL) != SEG_OK) {
    resp_message(r, w, 404, "Not found", "There is no such segment; see Segments.");
    return;
  }
  segment_page(r, w, &g, req_query(r, "created") ? "The segment was created and refreshed." :
                         req_query(r, "saved") ? "Saved and refreshed." : NULL, NULL, NULL, NULL);
  store_segment_free(&g);
}

void page_segment_save(creq *r, cresp *w) {
  const char *name = req_form(r, "name"), *new_name = req_form(r, "new_name"), *rule = req_form(r, "rule");
  store_segment g;
  if (!name || store_segment_get(r->c->s, name, &g, NULL) != SEG_OK) {
    resp_message(r, w, 404, "Not found", "There is no such segment; see Segments.");
    return;
  }
  segment_result *res = NULL;
  size_t n = 0;
  seg_err err;
  bool rename = new_name && *new_name && strcmp(new_name, g.name) != 0;
  bool new_rule = rule && strcmp(rule, g.rule) != 0;
  if (!new_rule && !rename) {
    store_segment_free(&g);
    buf loc;
    buf_init(&loc, 0);
    seg_link(&loc, name);
    resp_redirect(w, buf_str(&loc));
    buf_free(&loc);
    return;
  }
  if (segment_update(r->c->s, g.name, new_rule ? rule : NULL, NULL, rename ? new_name : NULL, &res, &n, &err) != SEG_OK) {
    w->status = 400;
    segment_page(r, w, &g, NULL, err.msg, new_name, rule);
  } else {
    buf loc;
    buf_init(&loc, 0);
    seg_link(&loc, rename ? new_name : g.name);
    buf_puts(&loc, "&saved=1");
    resp_redirect(w, buf_str(&loc));
    buf_free(&loc);
  }
  free(res);
  store_segment_free(&g);
}

void page_segment_preview(creq *r, cresp *w) {
  const char *rule = req_query(r, "rule");
  int64_t count;
  seg_err err;
  buf out;
  buf_init(&out, 0);
  if (!rule || !*rule) buf_puts(&out, "{\"error\":\"Type a rule.\"}");
  else if (segment_preview(r->c->s, rule, &count, &err) != SEG_OK) {
    buf_puts(&out, "{\"error\":");
    jsonw_string(&out, err.msg, strlen(err.msg));
    buf_puts(&out, "}");
  } else {
    buf_printf(&out, "{\"count\":%lld}", (long long)count);
  }
  resp_json(w, 200, buf_str(&out));
  buf_free(&out);
}

/* ---- profiles ---- */

typedef struct ids_ctx {
  char **ids;
  size_t n;
} ids_ctx;

static int collect_id(const char *id, void *ctx) {
  ids_ctx *c = ctx;
  if (c->n >= 50) return 1;
  char **p = realloc(c->ids, (c->n + 1) * sizeof *p);
  if (!p) return 1;
  c->ids = p;
  p[c->n++] = strdup(id);
  return 0;
}

static int collect_profile(const store_profile *p, void *ctx) { return collect_id(p->customer_id, ctx); }

/* A rule matching attribute attr equal to text q (the rule language ignores case in text). */
static void email_rule(buf *b, const char *attr, const char *q) {
  buf_printf(b, "`%s` = \"", attr);
  for (; *q; q++) {
    if (*q == '"' || *q == '\\') buf_putc(b, '\\');
    if (*q == '\n' || *q == '\r' || *q == '\t') continue;
    buf_putc(b, *q);
  }
  buf_putc(b, '"');
}

void page_profiles(creq *r, cresp *w) {
  store *s = r->c->s;
  const char *q = req_query(r, "q");
  ids_ctx found = {0};
  store_schema sc = {0};
  store_schema_load(s, &sc, NULL);
  char note[200] = "";
  if (q && *q) {
    store_profile p;
    if (store_profile_get(s, &sc, q, &p, NULL) == SEG_OK) {
      collect_id(p.customer_id, &found);
      store_profile_free(&p);
    }
    for (size_t i = 0; i < sc.n && found.n == 0; i++) { /* by email: every text attribute named like one */
      if (sc.attrs[i].type != ATTR_TEXT || !strcasestr(sc.attrs[i].name, "mail") || strchr(sc.attrs[i].name, '`')) continue;
      buf rule;
      buf_init(&rule, 0);
      email_rule(&rule, sc.attrs[i].name, q);
      segment_preview_ids(s, buf_str(&rule), 50, collect_id, &found, NULL);
      buf_free(&rule);
    }
    if (found.n == 0) snprintf(note, sizeof note, "No profile has that customer id or email.");
  } else {
    store_profiles_each(s, &sc, 20, 0, collect_profile, &found, NULL);
  }
  page_begin(r, w, "Profiles");
  buf *b = &w->body;
  buf_puts(b, "<form method=\"get\" action=\"/profiles\" role=\"search\">\n<label for=\"q\">Customer id or email</label>\n"
              "<input id=\"q\" name=\"q\" type=\"search\" value=\"");
  h_esc(b, q ? q : "");
  buf_puts(b, "\">\n<button type=\"submit\">Search</button>\n</form>\n");
  if (note[0]) h_notice(b, "error", note);
  if (found.n) {
    if (!q || !*q) buf_puts(b, "<p class=\"muted\">The first profiles by customer id:</p>\n");
    buf_puts(b, "<ul>\n");
    for (size_t i = 0; i < found.n; i++) {
      buf_puts(b, "<li><a href=\"/profile?id=");
      h_url(b, found.ids[i]);
      buf_puts(b, "\">");
      h_esc(b, found.ids[i]);
      buf_puts(b, "</a></li>\n");
      free(found.ids[i]);
    }
    buf_puts(b, "</ul>\n");
  }
  free(found.ids);
  store_schema_free(&sc);
  page_end(w);
}

typedef struct member_ctx {
  const char *id;
  bool in;
} member_ctx;

static int find_member(const char *id, void *ctx) {
  member_ctx *m = ctx;
  int c = strcmp(id, m->id);
  if (c == 0) m->in = true;
  return c >= 0; /* members come in id order: stop once past it */
}

typedef struct confirmed_ctx {
  const char *id;
  bool found;
  char email[320], contact[256];
  uint64_t segments;
} confirmed_ctx;

static int find_confirmed(const store_confirmed_row *row, void *ctx) {
  confirmed_ctx *c = ctx;
  if (strcmp(row->customer_id, c->id) != 0) return 0;
  c->found = true;
  snprintf(c->email, sizeof c->email, "%s", row->email ? row->email : "");
  snprintf(c->contact, sizeof c->contact, "%s", row->contact_id ? row->contact_id : "");
  c->segments = row->segments;
  return 1;
}

typedef struct errfind_ctx {
  const char *id;
  buf *b;
  int n;
} errfind_ctx;

static int find_error(const char *id, const char *email, const char *kind, const char *reason, void *ctx) {
  errfind_ctx *e = ctx;
  if (!id || strcmp(id, e->id) != 0) return 0;
  if (e->n++) buf_puts(e->b, "; ");
  h_esc(e->b, kind);
  buf_puts(e->b, ": ");
  h_esc(e->b, reason);
  return 0;
}

void page_profile(creq *r, cresp *w) {
  store *s = r->c->s;
  const char *id = req_query(r, "id");
  store_schema sc = {0};
  store_schema_load(s, &sc, NULL);
  store_profile p;
  if (!id || store_profile_get(s, &sc, id, &p, NULL) != SEG_OK) {
    store_schema_free(&sc);
    resp_message(r, w, 404, "Not found", "There is no profile with that customer id; search under Profiles.");
    return;
  }
  char title[300];
  snprintf(title, sizeof title, "Profile %s", p.customer_id);
  page_begin(r, w, title);
  buf *b = &w->body;
  buf_puts(b, "<h2>Attributes</h2>\n<div class=\"table\"><table>\n<tbody>\n");
  for (size_t i = 0; i < sc.n && i < p.n; i++) {
    char tmp[64];
    size_t len;
    const char *v = p.values[i].type == ATTR_NONE ? "" : seg_value_canonical(&p.values[i], tmp, sizeof tmp, &len);
    buf_puts(b, "<tr><th scope=\"row\">");
    h_esc(b, sc.attrs[i].name);
    buf_puts(b, "</th><td>");
    if (p.values[i].type == ATTR_TEXT) h_escn(b, p.values[i].s, p.values[i].n);
    else h_esc(b, v);
    buf_puts(b, "</td></tr>\n");
  }
  buf_puts(b, "</tbody></table></div>\n<h2>Segments</h2>\n");
  store_segment *segs;
  size_t ns = 0;
  store_segments_list(s, &segs, &ns, NULL);
  int in = 0;
  buf_puts(b, "<ul>\n");
  for (size_t i = 0; i < ns; i++) {
    member_ctx m = {.id = p.customer_id};
    store_segment_members_each(s, segs[i].id, -1, find_member, &m, NULL);
    if (!m.in) continue;
    in++;
    buf_puts(b, "<li><a href=\"");
    seg_link(b, segs[i].name);
    buf_puts(b, "\">");
    h_esc(b, segs[i].name);
    buf_puts(b, "</a></li>\n");
  }
  buf_puts(b, "</ul>\n");
  if (!in) buf_puts(b, "<p>In no segment (as of the last refresh).</p>\n");

  buf_puts(b, "<h2>Destinations</h2>\n");
  store_destination *ds;
  size_t nd = 0;
  store_destinations_list(s, false, &ds, &nd, NULL);
  if (nd == 0) buf_puts(b, "<p>No destination.</p>\n");
  for (size_t i = 0; i < nd; i++) {
    buf_puts(b, "<h3>");
    h_esc(b, ds[i].display_name);
    buf_puts(b, "</h3>\n");
    store_export_config cfg;
    if (store_export_config_get(s, ds[i].id, &cfg, NULL) != SEG_OK) {
      buf_puts(b, "<p>Not configured yet.</p>\n");
      continue;
    }
    confirmed_ctx cc = {.id = p.customer_id};
    store_export_confirmed_each(s, ds[i].id, cfg.segment_ids, cfg.n_segments, find_confirmed, &cc, NULL);
    buf_puts(b, "<ul>\n");
    if (cc.found) {
      buf_puts(b, "<li>Confirmed contact id: <code>");
      h_esc(b, cc.contact);
      buf_puts(b, "</code> (");
      h_esc(b, cc.email);
      buf_puts(b, ")</li>\n<li>Confirmed in lists: ");
      int k = 0;
      for (size_t j = 0; j < cfg.n_segments && j < 64; j++)
        if (cc.segments & (1ull << j)) {
          if (k++) buf_puts(b, ", ");
          h_esc(b, cfg.segment_names[j]);
        }
      if (!k) buf_puts(b, "none");
      buf_puts(b, "</li>\n");
    } else {
      buf_puts(b, "<li>Not confirmed in Autopilot: never exported, or not in the export's segments.</li>\n");
    }
    store_export_run *runs;
    size_t nr = 0;
    if (store_export_runs_list(s, ds[i].id, 1, &runs, &nr, NULL) == SEG_OK && nr > 0) {
      buf_puts(b, "<li>Last run ");
      h_time(b, runs[0].started_at);
      buf_puts(b, ": ");
      h_esc(b, runs[0].status);
      buf tmp;
      buf_init(&tmp, 0);
      errfind_ctx ec = {.id = p.customer_id, .b = &tmp};
      store_export_errors_each(s, runs[0].run_id, find_error, &ec, NULL);
      if (ec.n) {
        buf_puts(b, "; this profile was not delivered: ");
        buf_append(b, buf_str(&tmp), tmp.len);
      } else {
        buf_puts(b, "; no error for this profile");
      }
      buf_free(&tmp);
      buf_puts(b, "</li>\n");
      free(runs);
    } else {
      buf_puts(b, "<li>No run yet.</li>\n");
    }
    buf_puts(b, "</ul>\n");
    store_export_config_free(&cfg);
  }
  store_destinations_free(ds, nd);
  store_segments_free(segs, ns);
  store_profile_free(&p);
  store_schema_free(&sc);
  page_end(w);
}

/* ---- schedule ---- */

static void schedule_page(creq *r, cresp *w, const char *notice, const char *error, const char *expr_in, const char *tz_in) {
  store *s = r->c->s;
  char expr[300] = "", tz[128] = "UTC";
  int64_t anchor = 0;
  bool have = service_schedule_get(s, expr, sizeof expr, tz, sizeof tz, &anchor, NULL) == SEG_OK;
  page_begin(r, w, "Schedule");
  buf *b = &w->body;
  if (notice) h_notice(b, "ok", notice);
  if (error) h_notice(b, "error", error);
  cron_schedule *c = NULL;
  if (have && cron_parse(expr, tz, anchor, &c, NULL) == SEG_OK) {
    char desc[400];
    cron_describe(c, desc, sizeof desc);
    buf_puts(b, "<p>Expression <code>");
    h_esc(b, expr);
    buf_puts(b, "</code> in the time zone <strong>");
    h_esc(b, tz);
    buf_puts(b, "</strong>: ");
    h_esc(b, desc);
    buf_puts(b, ".</p>\n<h2>Next five runs</h2>\n<ol>\n");
    int64_t t = clock_now_ms();
    for (int i = 0; i < 5; i++) {
      t = cron_next(c, t);
      if (t <= 0) break;
      buf_puts(b, "<li>");
      h_time(b, t);
      buf_puts(b, "</li>\n");
    }
    buf_puts(b, "</ol>\n");
    cron_free(c);
  } else {
    buf_puts(b, "<p>No schedule is set: nothing refreshes on its own.</p>\n");
  }
  if (r->role >= ROLE_ADMIN) {
    buf_puts(b, "<h2>Change</h2>\n<form method=\"post\" action=\"/schedule\">\n");
    h_csrf(b, r);
    buf_puts(b, "<label for=\"expression\">Expression</label>\n<input id=\"expression\" name=\"expression\" required value=\"");
    h_esc(b, expr_in ? expr_in : expr);
    buf_puts(b, "\" aria-describedby=\"expression-help\">\n<p id=\"expression-help\" class=\"muted\">Cron: minute hour "
                "day month weekday, such as 0 6 * * 1-5; or @every 1h.</p>\n<label for=\"tz\">Time zone</label>\n"
                "<input id=\"tz\" name=\"tz\" value=\"");
    h_esc(b, tz_in ? tz_in : tz);
    buf_puts(b, "\">\n<button type=\"submit\">Save</button>\n</form>\n");
  }
  if (r->role >= ROLE_CONTRIBUTOR) {
    buf_puts(b, "<form method=\"post\" action=\"/schedule/refresh\">\n");
    h_csrf(b, r);
    console_job j;
    bool running = job_get(r->c, 0, &j) && j.running;
    buf_printf(b, "<button type=\"submit\"%s>Refresh now</button>\n</form>\n", running ? " disabled" : "");
    if (running) buf_puts(b, "<p>A refresh is running.</p>\n");
  }
  buf_puts(b, "<h2>Recent refreshes</h2>\n");
  store_refresh *rf;
  size_t nr = 0;
  if (store_refreshes_list(s, 10, &rf, &nr, NULL) == SEG_OK && nr > 0) {
    buf_puts(b, "<div class=\"table\"><table>\n<thead><tr><th>Started</th><th>Trigger</th><th>Status</th><th>Steps</th></tr>"
                "</thead>\n<tbody>\n");
    for (size_t i = 0; i < nr; i++) {
      buf_puts(b, "<tr><td>");
      h_time(b, rf[i].started_at);
      buf_puts(b, "</td><td>");
      h_esc(b, rf[i].trigger);
      buf_puts(b, "</td><td>");
      h_esc(b, rf[i].status);
      buf_puts(b, "</td><td>");
      for (size_t k = 0; k < rf[i].n_steps; k++) {
        if (k) buf_puts(b, "; ");
        h_esc(b, rf[i].steps[k].kind);
        buf_puts(b, " ");
        h_esc(b, rf[i].steps[k].target);
        buf_puts(b, ": ");
        h_esc(b, rf[i].steps[k].status);
      }
      buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table></div>\n");
    store_refreshes_free(rf, nr);
  } else {
    buf_puts(b, "<p>None yet.</p>\n");
  }
  page_end(w);
}

void page_schedule(creq *r, cresp *w) {
  schedule_page(r, w, req_query(r, "saved") ? "The schedule was saved; the service follows it now." :
                      req_query(r, "refreshing") ? "A refresh started." : NULL, NULL, NULL, NULL);
}

void page_schedule_save(creq *r, cresp *w) {
  const char *expr = req_form(r, "expression"), *tz = req_form(r, "tz");
  seg_err err;
  if (!expr || !*expr) {
    w->status = 400;
    schedule_page(r, w, NULL, "Enter a cron expression, such as 0 6 * * *.", expr, tz);
    return;
  }
  if (service_schedule_set(r->c->s, expr, tz && *tz ? tz : "UTC", &err) != SEG_OK) {
    w->status = 400;
    schedule_page(r, w, NULL, err.msg, expr, tz);
    return;
  }
  if (r->c->on_schedule_change) r->c->on_schedule_change();
  resp_redirect(w, "/schedule?saved=1");
}

void page_schedule_refresh(creq *r, cresp *w) {
  seg_err err;
  if (!job_start_refresh(r->c, r->user.name, &err)) {
    w->status = 409;
    schedule_page(r, w, NULL, err.msg, NULL, NULL);
    return;
  }
  resp_redirect(w, "/schedule?refreshing=1");
}

/* ---- users ---- */

static void users_page(creq *r, cresp *w, const char *notice, const char *error) {
  page_begin(r, w, "Users");
  buf *b = &w->body;
  if (notice) h_notice(b, "ok", notice);
  if (error) h_notice(b, "error", error);
  store_user *us;
  size_t n = 0;
  static const char *const roles[] = {"admin", "contributor", "viewer"};
  if (store_users_list(r->c->s, &us, &n, NULL) == SEG_OK) {
    buf_puts(b, "<div class=\"table\"><table>\n<thead><tr><th>User</th><th>Role</th><th>Reset password</th><th>Remove</th>"
                "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
      buf_puts(b, "<tr><td>");
      h_esc(b, us[i].name);
      buf_puts(b, "</td><td><form method=\"post\" action=\"/users\">");
      h_csrf(b, r);
      buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"role\"><input type=\"hidden\" name=\"name\" value=\"");
      h_esc(b, us[i].name);
      buf_printf(b, "\"><label for=\"role-%zu\">Role of ", i);
      h_esc(b, us[i].name);
      buf_printf(b, "</label><select id=\"role-%zu\" name=\"role\">", i);
      for (int k = 0; k < 3; k++)
        buf_printf(b, "<option%s>%s</option>", strcmp(us[i].role, roles[k]) == 0 ? " selected" : "", roles[k]);
      buf_puts(b, "</select><button type=\"submit\" class=\"secondary\">Change role</button></form></td><td>"
                  "<form method=\"post\" action=\"/users\">");
      h_csrf(b, r);
      buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"password\"><input type=\"hidden\" name=\"name\" value=\"");
      h_esc(b, us[i].name);
      buf_printf(b, "\"><label for=\"password-%zu\">New password for ", i);
      h_esc(b, us[i].name);
      buf_printf(b, "</label><input id=\"password-%zu\" name=\"password\" type=\"password\" autocomplete=\"new-password\" "
                    "required><button type=\"submit\" class=\"secondary\">Reset password</button></form></td><td>",
                 i);
      if (strcmp(us[i].name, r->user.name) != 0) {
        buf_puts(b, "<form method=\"post\" action=\"/users\">");
        h_csrf(b, r);
        buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"remove\"><input type=\"hidden\" name=\"name\" value=\"");
        h_esc(b, us[i].name);
        buf_puts(b, "\"><button type=\"submit\" class=\"danger\" aria-label=\"Remove ");
        h_esc(b, us[i].name);
        buf_puts(b, "\">Remove</button></form>");
      } else {
        buf_puts(b, "(you)");
      }
      buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table></div>\n");
    free(us);
  }
  buf_puts(b, "<h2>Add a user</h2>\n<form method=\"post\" action=\"/users\">\n");
  h_csrf(b, r);
  buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"add\">\n<label for=\"new_user\">User name</label>\n"
              "<input id=\"new_user\" name=\"name\" required maxlength=\"64\">\n<label for=\"new_role\">Role</label>\n"
              "<select id=\"new_role\" name=\"role\"><option>viewer</option><option>contributor</option><option>admin</option>"
              "</select>\n<label for=\"new_password\">Password</label>\n<input id=\"new_password\" name=\"password\" "
              "type=\"password\" autocomplete=\"new-password\" required>\n<button type=\"submit\">Add user</button>\n</form>\n");
  page_end(w);
}

void page_users(creq *r, cresp *w) {
  const char *done = req_query(r, "done");
  users_page(r, w, done && strcmp(done, "add") == 0 ? "The user was added." :
                   done && strcmp(done, "role") == 0 ? "The role was changed." :
                   done && strcmp(done, "password") == 0 ? "The password was reset; the user's sessions were ended." :
                   done && strcmp(done, "remove") == 0 ? "The user was removed." : NULL, NULL);
}

void page_users_post(creq *r, cresp *w) {
  const char *action = req_form(r, "action"), *name = req_form(r, "name"), *role = req_form(r, "role");
  const char *pw = req_form(r, "password");
  seg_err err;
  seg_code rc;
  char warning[600] = "";
  if (!action || !name || !*name) rc = seg_err_set(&err, SEG_EINVAL, "Name the user.");
  else if (strcmp(action, "add") == 0) {
    rc = dest_user_add(r->c->s, name, role ? role : "viewer", pw ? pw : "", &err); /* the module checks the password */
  } else if (strcmp(action, "role") == 0) {
    if (strcmp(name, r->user.name) == 0 && role && strcmp(role, "admin") != 0)
      rc = seg_err_set(&err, SEG_EINVAL, "You cannot take the admin role from yourself; ask another admin.");
    else rc = dest_user_update(r->c->s, name, role, NULL, &err);
  } else if (strcmp(action, "password") == 0) {
    if ((rc = dest_user_update(r->c->s, name, NULL, pw ? pw : "", &err)) == SEG_OK && strcmp(name, r->user.name) != 0)
      store_sessions_remove_user(r->c->s, name, NULL);
  } else if (strcmp(action, "remove") == 0) {
    if (strcmp(name, r->user.name) == 0) rc = seg_err_set(&err, SEG_EINVAL, "You cannot remove yourself; ask another admin.");
    else if ((rc = dest_user_remove(r->c->s, name, warning, sizeof warning, &err)) == SEG_OK)
      store_sessions_remove_user(r->c->s, name, NULL);
  } else {
    rc = seg_err_set(&err, SEG_EINVAL, "Unknown action; reload the page.");
  }
  if (rc != SEG_OK) {
    w->status = 400;
    users_page(r, w, NULL, err.msg);
    return;
  }
  if (warning[0]) {
    users_page(r, w, warning, NULL);
    return;
  }
  char loc[64];
  snprintf(loc, sizeof loc, "/users?done=%s", action);
  resp_redirect(w, loc);
}
