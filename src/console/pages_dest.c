/* pages_dest.c: the Export destinations pages: the table, Add destination (Connect, then Save),
 * a destination's page (data matching, segments, Export now, progress, run history), a run's
 * errors and their CSV, and removal. Each calls src/destination, src/export and src/store. */
#include <sodium.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/console_internal.h"
#include "export/driver.h"
#include "destination/destination.h"
#include "schedule/cron.h"
#include "schedule/service.h"
#include "store/exports.h"
#include "store/segments.h"
#include "util/clock.h"
#include "util/jsonw.h"
#include "util/url.h"

/* The next scheduled run (ms) of the store's schedule, 0 when none. */
static int64_t next_scheduled(store *s) {
  char expr[300], tz[128];
  int64_t anchor;
  if (service_schedule_get(s, expr, sizeof expr, tz, sizeof tz, &anchor, NULL) != SEG_OK) return 0;
  cron_schedule *c;
  if (cron_parse(expr, tz, anchor, &c, NULL) != SEG_OK) return 0;
  int64_t next = cron_next(c, clock_now_ms());
  cron_free(c);
  return next;
}

static void status_cell(buf *b, const char *status) {
  buf_puts(b, "<span class=\"status-");
  h_esc(b, status);
  buf_puts(b, "\">");
  h_esc(b, status);
  buf_puts(b, "</span>");
}

static void dest_link(buf *b, const char *name, const char *suffix) {
  buf_puts(b, "/destination");
  if (suffix) buf_puts(b, suffix);
  buf_puts(b, "?name=");
  h_url(b, name);
}

void page_destinations(creq *r, cresp *w) {
  seg_err err;
  store_destination *ds;
  size_t n;
  if (store_destinations_list(r->c->s, false, &ds, &n, &err) != SEG_OK) {
    resp_message(r, w, 500, "Export destinations", err.msg);
    return;
  }
  page_begin(r, w, "Export destinations");
  buf *b = &w->body;
  if (req_query(r, "removed")) h_notice(b, "ok", "The destination was removed.");
  int64_t next = next_scheduled(r->c->s);
  if (n == 0) buf_puts(b, "<p>No destination yet.</p>\n");
  else {
    buf_puts(b, "<div class=\"table\"><table>\n<thead><tr><th>Name</th><th>Type</th><th>Account</th><th>Export user</th>"
                "<th>Last run</th><th>Status</th><th>Next scheduled run</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
      store_destination *d = &ds[i];
      buf_puts(b, "<tr><td><a href=\"");
      buf *tmp = b;
      dest_link(tmp, d->name, NULL);
      buf_puts(b, "\">");
      h_esc(b, d->display_name);
      const export_driver *dd = export_driver_find(d->type);
      buf_puts(b, "</a></td><td>");
      h_esc(b, dd ? dd->product : d->type);
      buf_puts(b, "</td><td>");
      h_esc(b, d->account_name);
      if (d->account_email[0]) {
        buf_puts(b, " <span class=\"muted\">");
        h_esc(b, d->account_email);
        buf_puts(b, "</span>");
      }
      buf_puts(b, "</td><td>");
      h_esc(b, d->export_user);
      buf_puts(b, "</td><td>");
      store_export_run *runs = NULL;
      size_t nr = 0;
      if (store_export_runs_list(r->c->s, d->id, 1, &runs, &nr, NULL) == SEG_OK && nr > 0) {
        h_time(b, runs[0].started_at);
        buf_puts(b, "</td><td>");
        status_cell(b, runs[0].status);
      } else {
        buf_puts(b, "never</td><td>");
      }
      free(runs);
      buf_puts(b, "</td><td>");
      store_export_config cfg;
      bool scheduled = store_export_config_get(r->c->s, d->id, &cfg, NULL) == SEG_OK && cfg.schedule;
      if (scheduled) store_export_config_free(&cfg);
      if (scheduled && next) h_time(b, next);
      else buf_puts(b, scheduled ? "no schedule set" : "not scheduled");
      buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table></div>\n");
  }
  if (r->role >= ROLE_ADMIN) buf_puts(b, "<p><a class=\"button\" href=\"/destinations/new\">Add destination</a></p>\n");
  page_end(w);
  store_destinations_free(ds, n);
}

/* ---- Add destination ---- */

static void add_form(creq *r, cresp *w, const char *error, const console_pending *p, const char *type,
                     const char *region, const char *display, const char *api_url, bool agree,
                     const char *export_user) {
  const export_driver *drv = export_driver_find(type);
  if (!drv) drv = export_driver_find(NULL);
  page_begin(r, w, "Add destination");
  buf *b = &w->body;
  if (error) h_notice(b, "error", error);
  if (p && p->key) {
    char msg[700];
    snprintf(msg, sizeof msg, "Connected: the key opens the %s account %s%s%s%s. Choose the export user, then Save.",
             drv->product, p->account_name, p->account_email[0] ? " (" : "", p->account_email, p->account_email[0] ? ")" : "");
    h_notice(b, "ok", msg);
  }
  buf_puts(b, "<form method=\"post\" action=\"/destinations/new\">\n");
  h_csrf(b, r);
  buf_puts(b, "<fieldset><legend>Type</legend>\n");
  static const char *const types[] = {"autopilot", "ortto"};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    const export_driver *t = export_driver_find(types[i]);
    if (!t) continue;
    buf_printf(b, "<label class=\"check\" for=\"type-%s\"><input type=\"radio\" id=\"type-%s\" name=\"type\" value=\"%s\"%s>",
               t->type, t->type, t->type, t == drv ? " checked" : "");
    h_esc(b, t->product);
    buf_puts(b, "</label>\n");
  }
  buf_puts(b, "</fieldset>\n<label for=\"display_name\">Display name</label>\n<input id=\"display_name\" name=\"display_name\" required "
              "maxlength=\"128\" value=\"");
  h_esc(b, display);
  buf_puts(b, "\">\n<label for=\"api_key\">API key</label>\n<input id=\"api_key\" name=\"api_key\" type=\"password\" "
              "autocomplete=\"off\"");
  if (p && p->key) buf_puts(b, " placeholder=\"kept from Connect: leave empty\"");
  buf_puts(b, ">\n<label for=\"api_url\">API address</label>\n<input id=\"api_url\" name=\"api_url\" "
              "aria-describedby=\"api_url-help\" value=\"");
  h_esc(b, api_url ? api_url : "");
  buf_puts(b, "\">\n<p id=\"api_url-help\" class=\"muted\">Leave empty for the service's own address.</p>\n");
  /* Ortto's accounts live in a region, which sets the host of the service's own address */
  static const char *const regions[] = {"global", "eu", "au"};
  buf_puts(b, "<label for=\"region\">Region (Ortto)</label>\n<select id=\"region\" name=\"region\" "
              "aria-describedby=\"region-help\">\n");
  for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
    buf_printf(b, "<option value=\"%s\"%s>%s</option>\n", regions[i],
               region && strcasecmp(region, regions[i]) == 0 ? " selected" : "", regions[i]);
  buf_puts(b, "</select>\n<p id=\"region-help\" class=\"muted\">Ortto only: the region of the account (global, eu "
              "or au), used when the API address is empty.</p>\n"
              "<h2>Data privacy</h2>\n<p class=\"privacy\">");
  h_esc(b, dest_privacy_statement(drv->type));
  buf_printf(b, "</p>\n<label class=\"check\" for=\"agree\"><input type=\"checkbox\" id=\"agree\" name=\"agree\" "
                "value=\"1\"%s>I agree</label>\n",
             agree ? " checked" : "");
  buf_puts(b, "<button type=\"submit\" name=\"action\" value=\"connect\" class=\"secondary\">Connect</button>\n"
              "<label for=\"export_user\">Export user</label>\n<select id=\"export_user\" name=\"export_user\">\n");
  store_user *us;
  size_t nu;
  if (store_users_list(r->c->s, &us, &nu, NULL) == SEG_OK) {
    for (size_t i = 0; i < nu; i++) {
      if (strcmp(us[i].role, "admin") != 0) continue;
      bool sel = strcmp(us[i].name, export_user && *export_user ? export_user : r->user.name) == 0;
      buf_puts(b, "<option value=\"");
      h_esc(b, us[i].name);
      buf_printf(b, "\"%s>", sel ? " selected" : "");
      h_esc(b, us[i].name);
      if (strcmp(us[i].name, r->user.name) == 0) buf_puts(b, " (you)");
      buf_puts(b, "</option>\n");
    }
    free(us);
  }
  buf_puts(b, "</select>\n<p class=\"muted\">Exports run as this admin; add yourself as export user.</p>\n"
              "<button type=\"submit\" name=\"action\" value=\"save\">Save</button>\n</form>\n");
  page_end(w);
}

void page_destination_new(creq *r, cresp *w) {
  console_pending *p = r->token_hash[0] ? pending_get(r->c, r->token_hash, false) : NULL;
  if (strcmp(r->method, "GET") == 0) {
    if (p) pending_forget(r->c, r->token_hash); /* a fresh form: a key from an earlier visit is wiped */
    add_form(r, w, NULL, NULL, NULL, NULL, "", NULL, false, NULL);
    return;
  }
  const char *action = req_form(r, "action"), *display = req_form(r, "display_name"), *key = req_form(r, "api_key");
  const char *url = req_form(r, "api_url"), *user = req_form(r, "export_user"), *region = req_form(r, "region");
  bool agree = req_form(r, "agree") != NULL;
  const export_driver *drv = export_driver_find(req_form(r, "type"));
  if (!drv) drv = export_driver_find(NULL);
  const char *type = drv->type;
  if (!display) display = "";
  const char *form_url = url ? url : "";
  if (region && !*region) region = NULL;
  if (!drv->regions) region = NULL; /* a type without regions ignores the field */
  seg_err err;
  if (!url || !*url) {
    url = drv->region_url(region); /* the service's own address, in the account's region */
    if (!url) {
      w->status = 400;
      char msg[200];
      snprintf(msg, sizeof msg, "Choose the account's region: %s; nothing was saved.", drv->regions);
      add_form(r, w, msg, NULL, type, NULL, display, form_url, agree, user);
      return;
    }
  }
  if (action && strcmp(action, "connect") == 0) {
    if (!key || !*key) {
      w->status = 400;
      add_form(r, w, "Enter the API key, then press Connect.", p, type, region, display, form_url, agree, user);
      return;
    }
    char name[257] = "", email[257] = "";
    bool insecure = false; /* the console accepts no plain http to another machine (the CLI's --allow-insecure-http) */
    if (url_check_transport(url, "the API address", NULL, false, &insecure, &err) != SEG_OK ||
        dest_connect(type, url, key, 15000, name, sizeof name, email, sizeof email, &err) != SEG_OK) {
      pending_forget(r->c, r->token_hash);
      w->status = 400;
      add_form(r, w, err.msg, NULL, type, region, display, form_url, agree, user);
      return;
    }
    p = pending_get(r->c, r->token_hash, true);
    p->key = sodium_malloc(strlen(key) + 1);
    if (!p->key) {
      resp_message(r, w, 500, "Add destination", "out of memory");
      return;
    }
    memcpy(p->key, key, strlen(key) + 1);
    snprintf(p->api_url, sizeof p->api_url, "%s|%s", type, url); /* Save uses the key for this type and address only */
    snprintf(p->account_name, sizeof p->account_name, "%s", name);
    snprintf(p->account_email, sizeof p->account_email, "%s", email);
    add_form(r, w, NULL, p, type, region, display, form_url, agree, user);
    return;
  }
  /* Save */
  char where[1100];
  snprintf(where, sizeof where, "%s|%s", type, url);
  const char *use_key = key && *key ? key : (p && p->key && strcmp(p->api_url, where) == 0 ? p->key : NULL);
  const char *problem = NULL;
  if (!*display) problem = "Enter a display name for the destination.";
  else if (!use_key) problem = "Connect first: enter the API key and press Connect; nothing was saved.";
  else if (!agree) problem = "Tick \"I agree\" to the data privacy statement to save; nothing was saved.";
  if (problem) {
    w->status = 400;
    add_form(r, w, problem, p && p->key && use_key ? p : NULL, type, region, display, form_url, agree, user);
    return;
  }
  dest_add_options o = {.name = display, .display_name = display, .type = type, .region = region, .api_url = url,
                        .key = use_key,
                        .export_user = user && *user ? user : r->user.name, .rate_limit = -1, .max_profiles = -1,
                        .accept_privacy = true, .connect_timeout_ms = 15000};
  store_destination d;
  if (dest_add(r->c->s, r->c->db_path, &o, &d, &err) != SEG_OK) {
    w->status = 400;
    add_form(r, w, err.msg, p && p->key && use_key == p->key ? p : NULL, type, region, display, form_url, agree, user);
    return;
  }
  pending_forget(r->c, r->token_hash);
  buf loc;
  buf_init(&loc, 0);
  dest_link(&loc, d.name, NULL);
  buf_puts(&loc, "&added=1");
  resp_redirect(w, buf_str(&loc));
  buf_free(&loc);
  store_destination_free(&d);
}

/* ---- a destination's page ---- */

static bool load_dest(creq *r, cresp *w, store_destination *d) {
  const char *name = req_query(r, "name");
  if (!name) name = req_form(r, "name");
  seg_err err;
  if (!name || store_destination_get(r->c->s, name, d, &err) != SEG_OK) {
    resp_message(r, w, 404, "Not found", "There is no such destination; it may have been removed. See Export destinations.");
    return false;
  }
  return true;
}

static void attr_select(buf *b, const store_schema *sc, const char *id, const char *label, const char *current,
                        bool required) {
  buf_printf(b, "<label for=\"%s\">%s</label>\n<select id=\"%s\" name=\"%s\">\n", id, label, id, id);
  if (!required) buf_puts(b, "<option value=\"\">(not sent)</option>\n");
  for (size_t i = 0; i < sc->n; i++) {
    if (sc->attrs[i].is_id || (required && sc->attrs[i].type != ATTR_TEXT)) continue;
    buf_puts(b, "<option value=\"");
    h_esc(b, sc->attrs[i].name);
    buf_printf(b, "\"%s>", current && strcmp(current, sc->attrs[i].name) == 0 ? " selected" : "");
    h_esc(b, sc->attrs[i].name);
    buf_puts(b, "</option>\n");
  }
  buf_puts(b, "</select>\n");
}

static void dest_page(creq *r, cresp *w, store_destination *d, const char *notice, const char *error) {
  store *s = r->c->s;
  page_begin(r, w, d->display_name);
  buf *b = &w->body;
  if (notice) h_notice(b, "ok", notice);
  if (error) h_notice(b, "error", error);
  const export_driver *drv = export_driver_find(d->type);
  buf_puts(b, "<p>");
  h_esc(b, drv ? drv->product : d->type);
  buf_puts(b, " account <strong>");
  h_esc(b, d->account_name);
  buf_puts(b, "</strong>");
  if (d->account_email[0]) {
    buf_puts(b, " (");
    h_esc(b, d->account_email);
    buf_puts(b, ")");
  }
  buf_puts(b, "; API key ••••");
  h_esc(b, d->key_hint);
  buf_puts(b, "; export user ");
  h_esc(b, d->export_user);
  buf_puts(b, "; privacy terms agreed by ");
  h_esc(b, d->consent_user);
  buf_puts(b, " on ");
  h_time(b, d->consent_at);
  buf_puts(b, ".</p>\n");

  store_export_config cfg;
  bool configured = store_export_config_get(s, d->id, &cfg, NULL) == SEG_OK;
  store_schema sc = {0};
  store_schema_load(s, &sc, NULL);
  bool admin = r->role >= ROLE_ADMIN;
  buf_puts(b, "<form method=\"post\" action=\"/destination/save\">\n");
  h_csrf(b, r);
  buf_puts(b, "<input type=\"hidden\" name=\"name\" value=\"");
  h_esc(b, d->name);
  buf_printf(b, "\">\n<fieldset%s>\n<legend>Data matching</legend>\n", admin ? "" : " disabled");
  attr_select(b, &sc, "email", "Email", configured ? cfg.email_attr : (store_schema_find(&sc, "Email") >= 0 ? "Email" : NULL), true);
  attr_select(b, &sc, "first_name", "First name", configured ? cfg.first_name_attr : NULL, false);
  attr_select(b, &sc, "last_name", "Last name", configured ? cfg.last_name_attr : NULL, false);
  buf_puts(b, "<label for=\"fields\">Further field mappings</label>\n<textarea id=\"fields\" name=\"fields\" "
              "aria-describedby=\"fields-help\">");
  for (size_t i = 0; configured && i < cfg.n_fields; i++) {
    h_esc(b, cfg.fields[i].attr);
    buf_putc(b, '=');
    if (cfg.fields[i].custom) buf_puts(b, "custom:");
    h_esc(b, cfg.fields[i].field);
    buf_putc(b, '\n');
  }
  buf_puts(b, "</textarea>\n<p id=\"fields-help\" class=\"muted\">One a line: Attribute=Field (an Autopilot field such "
              "as Phone or Company) or Attribute=custom:Name.</p>\n</fieldset>\n");

  store_segment *segs;
  size_t ns = 0;
  store_segments_list(s, &segs, &ns, NULL);
  buf_printf(b, "<fieldset id=\"segments\"%s data-url=\"/destination/total?name=", admin ? "" : " disabled");
  h_url(b, d->name);
  buf_puts(b, "\">\n<legend>Segments</legend>\n");
  for (size_t i = 0; i < ns; i++) {
    bool on = false;
    for (size_t k = 0; configured && k < cfg.n_segments; k++) on |= cfg.segment_ids[k] == segs[i].id;
    buf_printf(b, "<label class=\"check\" for=\"seg-%lld\"><input type=\"checkbox\" id=\"seg-%lld\" name=\"segment\" "
                  "data-id=\"%lld\" value=\"",
               (long long)segs[i].id, (long long)segs[i].id, (long long)segs[i].id);
    h_esc(b, segs[i].name);
    buf_printf(b, "\"%s>", on ? " checked" : "");
    h_esc(b, segs[i].name);
    buf_puts(b, " <span class=\"muted\">(");
    if (segs[i].members >= 0) h_num(b, segs[i].members);
    else buf_puts(b, "not refreshed");
    buf_puts(b, ")</span></label>\n");
  }
  if (ns == 0) buf_puts(b, "<p>No segment yet: create one under Segments.</p>\n");
  int64_t total = 0;
  if (configured) store_segments_distinct_members(s, cfg.segment_ids, cfg.n_segments, &total, NULL);
  buf_puts(b, "<p id=\"segments-total\" aria-live=\"polite\"");
  if (total > d->max_profiles) buf_puts(b, " class=\"notice error\"");
  buf_puts(b, ">");
  h_num(b, total);
  buf_puts(b, " of ");
  h_num(b, d->max_profiles);
  buf_puts(b, " profiles</p>\n</fieldset>\n");
  if (admin) buf_puts(b, "<button type=\"submit\">Save</button>\n");
  buf_puts(b, "</form>\n");
  store_segments_free(segs, ns);
  store_schema_free(&sc);

  /* Export now, and its progress */
  console_job job;
  bool have_job = job_get(r->c, d->id, &job);
  bool running = have_job && job.running;
  if (r->role >= ROLE_CONTRIBUTOR && configured) {
    buf_puts(b, "<form method=\"post\" action=\"/destination/export\">\n");
    h_csrf(b, r);
    buf_puts(b, "<input type=\"hidden\" name=\"name\" value=\"");
    h_esc(b, d->name);
    buf_printf(b, "\">\n<button type=\"submit\"%s>Export now</button>\n</form>\n", running ? " disabled" : "");
  }
  buf_printf(b, "<div id=\"progress\" data-running=\"%d\" data-url=\"/destination/progress?name=", running ? 1 : 0);
  h_url(b, d->name);
  buf_printf(b, "\"%s>\n<label for=\"progress-bar\">Export in progress</label>\n<progress id=\"progress-bar\" max=\"%lld\" value=\"%lld\"></progress>\n"
                "<p class=\"progress-text\" aria-live=\"polite\">",
             running ? "" : " hidden", (long long)(job.total > 0 && running ? job.total : 1),
             (long long)(running ? job.done : 0));
  if (running) {
    h_num(b, job.done);
    buf_puts(b, " of ");
    h_num(b, job.total);
    buf_puts(b, " records (reload the page to follow it without JavaScript)");
  }
  buf_puts(b, "</p>\n</div>\n");
  if (have_job && !job.running && job.message[0]) {
    char m[1200];
    snprintf(m, sizeof m, "The last export started here ended %s: %s", job.status, job.message);
    h_notice(b, "error", m);
  }

  /* Run history */
  buf_puts(b, "<h2>Run history</h2>\n");
  store_export_run *runs = NULL;
  size_t nr = 0;
  if (store_export_runs_list(s, d->id, 20, &runs, &nr, NULL) == SEG_OK && nr > 0) {
    /* membership fields ("In <segment>", Autopilot's field and both modes): shown when configured
     * so, or when a listed run set or cleared one (the mode may have changed since) */
    bool with_fields = configured && strcmp(cfg.membership, "list") != 0 && cfg.membership[0];
    for (size_t i = 0; i < nr; i++) with_fields |= runs[i].field_sets > 0 || runs[i].field_clears > 0;
    buf_puts(b, "<div class=\"table\"><table>\n<thead><tr><th>Started</th><th>Status</th><th class=\"n\">Profiles</th>"
                "<th class=\"n\">Contacts sent</th><th class=\"n\">Added to lists</th><th class=\"n\">Removed</th>");
    if (with_fields) buf_puts(b, "<th class=\"n\">Fields set</th><th class=\"n\">Fields cleared</th>");
    buf_puts(b, "<th class=\"n\">Not delivered</th><th class=\"n\">Calls</th><th class=\"n\">Duration</th><th>Errors</th>"
                "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < nr; i++) {
      store_export_run *x = &runs[i];
      buf_puts(b, "<tr><td>");
      h_time(b, x->started_at);
      buf_puts(b, "</td><td>");
      status_cell(b, x->status);
      int64_t counts[] = {x->profiles,   x->contacts_upserted, x->list_additions, x->list_removals,
                          x->field_sets, x->field_clears,      x->rejected,       x->api_calls};
      for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        if (!with_fields && (k == 4 || k == 5)) continue;
        buf_puts(b, "</td><td class=\"n\">");
        h_num(b, counts[k]);
      }
      buf_puts(b, "</td><td class=\"n\">");
      if (x->finished_at) buf_printf(b, "%.1f s", (double)(x->finished_at - x->started_at) / 1000.0);
      else buf_puts(b, "running");
      buf_printf(b, "</td><td><a href=\"/run?id=%lld\">Errors", (long long)x->run_id);
      buf_printf(b, " (%lld)</a></td></tr>\n", (long long)(x->rejected + x->invalid));
    }
    buf_puts(b, "</tbody></table></div>\n");
  } else {
    buf_puts(b, "<p>No run yet.</p>\n");
  }
  free(runs);
  if (admin) {
    buf_puts(b, "<h2>Remove</h2>\n<p><a class=\"button secondary\" href=\"");
    dest_link(b, d->name, "/remove");
    buf_puts(b, "\">Remove destination</a></p>\n");
  }
  if (configured) store_export_config_free(&cfg);
  page_end(w);
}

void page_destination(creq *r, cresp *w) {
  store_destination d;
  if (!load_dest(r, w, &d)) return;
  dest_page(r, w, &d, req_query(r, "added") ? "The destination was saved. Now choose the data matching and the segments." :
                      req_query(r, "saved") ? "Saved." : req_query(r, "started") ? "The export started." : NULL, NULL);
  store_destination_free(&d);
}

void page_destination_save(creq *r, cresp *w) {
  store_destination d;
  if (!load_dest(r, w, &d)) return;
  size_t n;
  const char **names = req_form_all(r, "segment", &n);
  buf segs, fields;
  buf_init(&segs, 0);
  buf_init(&fields, 0);
  for (size_t i = 0; i < n; i++) {
    if (i) buf_putc(&segs, ',');
    buf_puts(&segs, names[i]);
  }
  free(names);
  /* further mappings: one a line */
  const char *f = req_form(r, "fields");
  const char **maps = NULL;
  size_t n_maps = 0;
  char *copy = strdup(f ? f : ""), *save = NULL;
  for (char *line = copy ? strtok_r(copy, "\r\n", &save) : NULL; line; line = strtok_r(NULL, "\r\n", &save)) {
    while (*line == ' ') line++;
    if (!*line) continue;
    const char **p = realloc(maps, (n_maps + 1) * sizeof *p);
    if (!p) break;
    (maps = p)[n_maps++] = line;
  }
  dest_configure_options o = {.name = d.name, .email = req_form(r, "email"), .first_name = req_form(r, "first_name"),
                              .last_name = req_form(r, "last_name"), .maps = maps, .n_maps = n_maps,
                              .replace_maps = f != NULL, /* the form's text is the whole mapping: empty clears it */
                              .segments = n ? buf_str(&segs) : NULL, .schedule = -1};
  dest_configure_result res = {0};
  seg_err err;
  seg_code rc = SEG_OK;
  if (!o.email || !*o.email) rc = seg_err_set(&err, SEG_EINVAL, "Choose the attribute that holds the email address.");
  else if (n == 0) rc = seg_err_set(&err, SEG_EINVAL, "Tick at least one segment to export; nothing was saved.");
  else rc = dest_configure(r->c->s, &o, &res, &err);
  if (rc != SEG_OK) {
    w->status = 400;
    dest_page(r, w, &d, NULL, err.msg);
  } else {
    buf loc;
    buf_init(&loc, 0);
    dest_link(&loc, d.name, NULL);
    buf_puts(&loc, res.over_limit ? "&saved=1&over=1" : "&saved=1");
    resp_redirect(w, buf_str(&loc));
    buf_free(&loc);
  }
  free(maps);
  free(copy);
  buf_free(&segs);
  buf_free(&fields);
  store_destination_free(&d);
}

void page_destination_export(creq *r, cresp *w) {
  store_destination d;
  if (!load_dest(r, w, &d)) return;
  seg_err err;
  if (!job_start_export(r->c, &d, r->user.name, &err)) {
    w->status = 409;
    dest_page(r, w, &d, NULL, err.msg);
  } else {
    buf loc;
    buf_init(&loc, 0);
    dest_link(&loc, d.name, NULL);
    buf_puts(&loc, "&started=1");
    resp_redirect(w, buf_str(&loc));
    buf_free(&loc);
  }
  store_destination_free(&d);
}

void page_destination_progress(creq *r, cresp *w) {
  store_destination d;
  const char *name = req_query(r, "name");
  if (!name || store_destination_get(r->c->s, name, &d, NULL) != SEG_OK) {
    resp_json(w, 404, "{\"error\":\"no such destination\"}");
    return;
  }
  console_job j;
  char out[600];
  if (!job_get(r->c, d.id, &j)) {
    snprintf(out, sizeof out, "{\"running\":false,\"status\":null}");
  } else {
    double el = (j.running ? clock_mono_s() : j.finished) - j.started;
    double rate = el > 0 ? (double)j.done / el : 0;
    double eta = rate > 0 ? (double)(j.total - j.done) / rate : -1;
    snprintf(out, sizeof out, "{\"running\":%s,\"done\":%lld,\"total\":%lld,\"rate\":%.1f,\"eta_s\":%.0f,\"status\":\"%s\"}",
             j.running ? "true" : "false", (long long)j.done, (long long)j.total, rate, eta, j.running ? "running" : j.status);
  }
  resp_json(w, 200, out);
  store_destination_free(&d);
}

void page_destination_total(creq *r, cresp *w) {
  store_destination d;
  const char *name = req_query(r, "name"), *ids = req_query(r, "ids");
  if (!name || store_destination_get(r->c->s, name, &d, NULL) != SEG_OK) {
    resp_json(w, 404, "{\"error\":\"no such destination\"}");
    return;
  }
  int64_t list[STORE_EXPORT_MAX_SEGMENTS + 1];
  size_t n = 0;
  for (const char *p = ids ? ids : ""; *p && n <= STORE_EXPORT_MAX_SEGMENTS;) {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p) break;
    list[n++] = v;
    p = *end == ',' ? end + 1 : end;
  }
  int64_t total = 0;
  if (n > 0) store_segments_distinct_members(r->c->s, list, n, &total, NULL);
  char out[120];
  snprintf(out, sizeof out, "{\"total\":%lld,\"limit\":%lld}", (long long)total, (long long)d.max_profiles);
  resp_json(w, 200, out);
  store_destination_free(&d);
}

void page_destination_remove(creq *r, cresp *w) {
  store_destination d;
  if (!load_dest(r, w, &d)) return;
  if (strcmp(r->method, "POST") == 0) {
    seg_err err;
    console_job j;
    if (job_get(r->c, d.id, &j) && j.running) {
      w->status = 409;
      dest_page(r, w, &d, NULL, "An export of this destination is running; wait for it to finish, then remove it.");
    } else if (dest_remove(r->c->s, d.name, &err) != SEG_OK) {
      w->status = 400;
      dest_page(r, w, &d, NULL, err.msg);
    } else {
      resp_redirect(w, "/destinations?removed=1");
    }
    store_destination_free(&d);
    return;
  }
  page_begin(r, w, "Remove destination");
  buf *b = &w->body;
  buf_puts(b, "<p>Removing <strong>");
  h_esc(b, d.display_name);
  buf_puts(b, "</strong> wipes, at once, its encrypted API key and its export configuration (data matching and "
              "segments) from segship. Its run history stays, marked removed. Contacts and lists already in the "
              "Autopilot account are not deleted there.</p>\n<form method=\"post\" action=\"/destination/remove\">\n");
  h_csrf(b, r);
  buf_puts(b, "<input type=\"hidden\" name=\"name\" value=\"");
  h_esc(b, d.name);
  buf_puts(b, "\">\n<button type=\"submit\" class=\"danger\">Remove destination</button>\n<a class=\"button secondary\" href=\"");
  dest_link(b, d.name, NULL);
  buf_puts(b, "\">Cancel</a>\n</form>\n");
  page_end(w);
  store_destination_free(&d);
}

/* ---- a run's errors ---- */

typedef struct err_ctx {
  buf *b;
  const char *q;
  bool csv;
  int64_t shown, total;
} err_ctx;

static bool matches(const char *hay, const char *needle) {
  if (!needle || !*needle) return true;
  if (!hay) return false;
  size_t n = strlen(needle);
  for (const char *p = hay; *p; p++)
    if (strncasecmp(p, needle, n) == 0) return true;
  return false;
}

static void csv_field(buf *b, const char *s) {
  buf_putc(b, '"');
  if (s && strchr("=+-@\t\r", s[0]) && s[0]) buf_putc(b, '\''); /* a spreadsheet reads no formula from it */
  for (; s && *s; s++) {
    if (*s == '"') buf_putc(b, '"');
    buf_putc(b, *s);
  }
  buf_putc(b, '"');
}

static int each_error(const char *id, const char *email, const char *kind, const char *reason, void *ctx) {
  err_ctx *e = ctx;
  e->total++;
  if (!matches(id, e->q) && !matches(email, e->q)) return 0;
  e->shown++;
  if (e->csv) {
    csv_field(e->b, id);
    buf_putc(e->b, ',');
    csv_field(e->b, email);
    buf_putc(e->b, ',');
    csv_field(e->b, kind);
    buf_putc(e->b, ',');
    csv_field(e->b, reason);
    buf_puts(e->b, "\r\n");
    return 0;
  }
  if (e->shown > 1000) return 0;
  buf_puts(e->b, "<tr><td><a href=\"/profile?id=");
  h_url(e->b, id ? id : "");
  buf_puts(e->b, "\">");
  h_esc(e->b, id);
  buf_puts(e->b, "</a></td><td>");
  h_esc(e->b, email);
  buf_puts(e->b, "</td><td>");
  h_esc(e->b, kind);
  buf_puts(e->b, "</td><td>");
  h_esc(e->b, reason);
  buf_puts(e->b, "</td></tr>\n");
  return 0;
}

static bool load_run(creq *r, cresp *w, store_export_run *run) {
  const char *id = req_query(r, "id");
  char *end = NULL;
  long long v = id ? strtoll(id, &end, 10) : 0;
  if (!id || *end || v <= 0 || store_export_run_get(r->c->s, v, run, NULL) != SEG_OK) {
    resp_message(r, w, 404, "Not found", "There is no such run; see a destination's run history.");
    return false;
  }
  return true;
}

void page_run(creq *r, cresp *w) {
  store_export_run run;
  if (!load_run(r, w, &run)) return;
  char title[200];
  snprintf(title, sizeof title, "Run %lld of %s", (long long)run.run_id, run.destination);
  page_begin(r, w, title);
  buf *b = &w->body;
  buf_puts(b, "<p>Status ");
  status_cell(b, run.status);
  buf_puts(b, "; started ");
  h_time(b, run.started_at);
  buf_puts(b, " by ");
  h_esc(b, run.run_by);
  buf_puts(b, "; ");
  h_num(b, run.contacts_upserted);
  buf_puts(b, " contacts sent, ");
  h_num(b, run.rejected + run.invalid);
  buf_puts(b, " records not delivered, ");
  h_num(b, run.api_calls);
  buf_puts(b, " calls.");
  if (run.message[0]) {
    buf_puts(b, " ");
    h_esc(b, run.message);
  }
  if (!run.destination_removed) {
    buf_puts(b, " <a href=\"");
    dest_link(b, run.destination, NULL);
    buf_puts(b, "\">Back to the destination</a>");
  }
  buf_puts(b, "</p>\n<h2>Errors</h2>\n<form method=\"get\" action=\"/run\" role=\"search\">\n");
  buf_printf(b, "<input type=\"hidden\" name=\"id\" value=\"%lld\">\n", (long long)run.run_id);
  const char *q = req_query(r, "q");
  buf_puts(b, "<label for=\"q\">Customer id or email</label>\n<input id=\"q\" name=\"q\" type=\"search\" value=\"");
  h_esc(b, q ? q : "");
  buf_puts(b, "\">\n<button type=\"submit\">Search</button>\n");
  buf_printf(b, "<a class=\"button secondary\" href=\"/run/errors.csv?id=%lld&amp;q=", (long long)run.run_id);
  h_url(b, q ? q : "");
  buf_puts(b, "\" download>Download CSV</a>\n</form>\n");
  buf tbl;
  buf_init(&tbl, 0);
  err_ctx e = {.b = &tbl, .q = q};
  store_export_errors_each(r->c->s, run.run_id, each_error, &e, NULL);
  if (e.shown == 0) buf_puts(b, e.total ? "<p>No error matches the search.</p>\n" : "<p>Every record was delivered.</p>\n");
  else {
    buf_puts(b, "<p>");
    h_num(b, e.shown);
    buf_puts(b, " of ");
    h_num(b, e.total);
    buf_puts(b, " records not delivered");
    if (e.shown > 1000) buf_puts(b, " (the first 1,000 shown; the CSV has all)");
    buf_puts(b, ".</p>\n<div class=\"table\"><table>\n<thead><tr><th>Customer id</th><th>Email</th><th>Kind</th>"
                "<th>Reason</th></tr></thead>\n<tbody>\n");
    buf_append(b, buf_str(&tbl), tbl.len);
    buf_puts(b, "</tbody></table></div>\n");
  }
  buf_free(&tbl);
  page_end(w);
}

void page_run_csv(creq *r, cresp *w) {
  store_export_run run;
  if (!load_run(r, w, &run)) return;
  buf_puts(&w->body, "customer_id,email,kind,reason\r\n");
  err_ctx e = {.b = &w->body, .q = req_query(r, "q"), .csv = true};
  store_export_errors_each(r->c->s, run.run_id, each_error, &e, NULL);
  w->type = "text/csv; charset=utf-8";
  snprintf(w->disposition, sizeof w->disposition, "attachment; filename=\"run-%lld-errors.csv\"", (long long)run.run_id);
}
