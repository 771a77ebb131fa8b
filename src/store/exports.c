/* exports.c: the export engine's state: confirmed contacts, lists or tags and memberships, custom
 * fields; runs; errors. */
#include "store/exports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"




/* ---- lists ---- */

seg_code store_export_lists_get(store *s, int64_t destination_id, store_export_list **out, size_t *n, seg_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT segment_id, list_id, title FROM export_lists WHERE destination_id = ?", &st, err,
                     "reading the export's lists");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, destination_id);
  int step;
  bool oom = false;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    store_export_list *p = realloc(*out, (*n + 1) * sizeof *p);
    if (!p) {
      oom = true;
      break;
    }
    *out = p;
    p = &p[(*n)++];
    p->segment_id = sqlite3_column_int64(st, 0);
    store__copy_text(st, 1, p->list_id, sizeof p->list_id);
    store__copy_text(st, 2, p->title, sizeof p->title);
  }
  sqlite3_finalize(st);
  if (oom || step != SQLITE_DONE) { /* a partial list is no list: never an entry left out */
    seg_code bad = oom ? seg_err_set(err, SEG_ENOMEM, "out of memory reading the export's lists") : store__sqlite_err(s, err, "reading the export's lists");
    free(*out);
    *out = NULL;
    *n = 0;
    return bad;
  }
  return SEG_OK;
}

seg_code store_export_list_set(store *s, int64_t destination_id, int64_t segment_id, const char *list_id,
                               const char *title, seg_err *err) {
  return store_export_target_set(s, destination_id, segment_id, "list", list_id, title, err);
}

seg_code store_export_target_set(store *s, int64_t destination_id, int64_t segment_id, const char *kind,
                                 const char *target, const char *title, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "INSERT INTO export_lists(destination_id, segment_id, list_id, title, created_at, kind) "
                     "VALUES(?,?,?,?,?,?) ON CONFLICT(destination_id, segment_id) DO UPDATE SET "
                     "list_id = excluded.list_id, title = excluded.title, kind = excluded.kind",
                     &st, err, "saving a list");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, destination_id);
  sqlite3_bind_int64(st, 2, segment_id);
  sqlite3_bind_text(st, 3, target, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, title, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, clock_now_ms());
  sqlite3_bind_text(st, 6, kind, -1, SQLITE_STATIC);
  return store__step_done(s, st, err, "saving a list");
}

/* ---- custom fields a destination created ---- */

seg_code store_export_custom_field_get(store *s, int64_t destination_id, const char *name, char *field_id, size_t cap,
                                       seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT field_id FROM export_custom_fields WHERE destination_id = ? AND name = ?", &st,
                            err, "reading a custom field");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, destination_id);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) store__copy_text(st, 0, field_id, cap);
  sqlite3_finalize(st);
  if (r == SQLITE_DONE) return seg_err_set(err, SEG_ENOTFOUND, "no custom field '%s' is known", name);
  if (r != SQLITE_ROW) return store__sqlite_err(s, err, "reading a custom field");
  return SEG_OK;
}

seg_code store_export_custom_field_set(store *s, int64_t destination_id, const char *name, const char *field_id,
                                       seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                            "INSERT INTO export_custom_fields(destination_id, name, field_id, created_at) VALUES(?,?,?,?) "
                            "ON CONFLICT(destination_id, name) DO UPDATE SET field_id = excluded.field_id",
                            &st, err, "saving a custom field");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, destination_id);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, field_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, clock_now_ms());
  return store__step_done(s, st, err, "saving a custom field");
}

seg_code store_export_list_forget(store *s, int64_t destination_id, int64_t segment_id, seg_err *err) {
  seg_code rc = store_tx_begin(s, err);
  static const char *const sql[] = {"DELETE FROM export_lists WHERE destination_id = ? AND segment_id = ?",
                                    "DELETE FROM export_members WHERE destination_id = ? AND segment_id = ?"};
  for (int i = 0; i < 2 && rc == SEG_OK; i++) {
    sqlite3_stmt *st;
    if ((rc = store__prep(s, sql[i], &st, err, "forgetting a list")) != SEG_OK) break;
    sqlite3_bind_int64(st, 1, destination_id);
    sqlite3_bind_int64(st, 2, segment_id);
    rc = store__step_done(s, st, err, "forgetting a list");
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}

seg_code store_export_forget_all(store *s, int64_t destination_id, seg_err *err) {
  seg_code rc = store_tx_begin(s, err);
  static const char *const sql[] = {"DELETE FROM export_contacts WHERE destination_id = ?",
                                    "DELETE FROM export_members WHERE destination_id = ?",
                                    "DELETE FROM export_field_members WHERE destination_id = ?"};
  for (int i = 0; i < 3 && rc == SEG_OK; i++) {
    sqlite3_stmt *st;
    if ((rc = store__prep(s, sql[i], &st, err, "starting over")) != SEG_OK) break;
    sqlite3_bind_int64(st, 1, destination_id);
    rc = store__step_done(s, st, err, "starting over");
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}

/* ---- desired and confirmed ---- */

static int segment_bit(const int64_t *ids, size_t n, int64_t id) {
  for (size_t i = 0; i < n; i++)
    if (ids[i] == id) return (int)i;
  return -1;
}

static uint64_t mask_of(const char *list, const int64_t *ids, size_t n) {
  uint64_t m = 0;
  while (list && *list) {
    char *end;
    long long id = strtoll(list, &end, 10);
    int b = segment_bit(ids, n, id);
    if (b >= 0) m |= (uint64_t)1 << b;
    list = *end == ',' ? end + 1 : end;
    if (end == list && *list) list++;
  }
  return m;
}

seg_code store_export_desired_each(store *s, const store_schema *schema, const int *attrs, size_t n_attrs,
                                   const int64_t *segment_ids, size_t n_segments,
                                   int (*fn)(const store_desired_row *row, void *ctx), void *ctx, seg_err *err) {
  if (n_segments == 0) return SEG_OK;
  buf sql;
  buf_init(&sql, 0);
  buf_puts(&sql, "SELECT p.customer_id, group_concat(m.segment_id)");
  for (size_t i = 0; i < n_attrs; i++) buf_printf(&sql, ", p.%s", schema->attrs[attrs[i]].col);
  buf_puts(&sql, " FROM segment_members m JOIN profiles p ON p.pid = m.pid WHERE m.segment_id IN (");
  for (size_t i = 0; i < n_segments; i++) buf_puts(&sql, i ? ",?" : "?");
  buf_puts(&sql, ") GROUP BY m.pid ORDER BY p.customer_id");
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, buf_str(&sql), &st, err, "reading the segments' members");
  buf_free(&sql);
  if (rc != SEG_OK) return rc;
  for (size_t i = 0; i < n_segments; i++) sqlite3_bind_int64(st, (int)i + 1, segment_ids[i]);
  seg_value *vals = calloc(n_attrs ? n_attrs : 1, sizeof *vals);
  if (!vals) {
    sqlite3_finalize(st);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    store_desired_row row = {.customer_id = (const char *)sqlite3_column_text(st, 0), .values = vals};
    row.segments = mask_of((const char *)sqlite3_column_text(st, 1), segment_ids, n_segments);
    for (size_t i = 0; i < n_attrs; i++) {
      attr_type t = schema->attrs[attrs[i]].type;
      if (schema->attrs[attrs[i]].is_id) {
        vals[i] = (seg_value){.type = ATTR_TEXT, .s = row.customer_id, .n = strlen(row.customer_id)};
      } else if (!store__column_value(st, (int)i + 2, t, &vals[i])) {
        store__column_value(st, (int)i + 2, ATTR_TEXT, &vals[i]);
      }
    }
    if (fn(&row, ctx)) break;
  }
  if (step != SQLITE_ROW && step != SQLITE_DONE) rc = store__sqlite_err(s, err, "reading the segments' members");
  sqlite3_finalize(st);
  free(vals);
  return rc;
}

seg_code store_export_confirmed_each(store *s, int64_t destination_id, const int64_t *segment_ids, size_t n_segments,
                                     int (*fn)(const store_confirmed_row *row, void *ctx), void *ctx, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "SELECT c.customer_id, c.email, c.contact_id, c.fields_hash, (SELECT group_concat(segment_id) "
                     "FROM export_members em WHERE em.destination_id = c.destination_id AND em.customer_id = "
                     "c.customer_id), (SELECT group_concat(segment_id) FROM export_field_members ef WHERE ef.destination_id = "
                     "c.destination_id AND ef.customer_id = c.customer_id) FROM export_contacts c WHERE c.destination_id = ? ORDER BY c.customer_id",
                     &st, err, "reading what the destination confirmed");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, destination_id);
  int step;
  static const uint8_t zero[16];
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    store_confirmed_row row = {
        .customer_id = (const char *)sqlite3_column_text(st, 0),
        .email = (const char *)sqlite3_column_text(st, 1),
        .contact_id = (const char *)sqlite3_column_text(st, 2),
        .hash = sqlite3_column_bytes(st, 3) == 16 ? sqlite3_column_blob(st, 3) : zero,
    };
    row.segments = mask_of((const char *)sqlite3_column_text(st, 4), segment_ids, n_segments);
    row.fields = mask_of((const char *)sqlite3_column_text(st, 5), segment_ids, n_segments);
    if (fn(&row, ctx)) break;
  }
  if (step != SQLITE_ROW && step != SQLITE_DONE) rc = store__sqlite_err(s, err, "reading what the destination confirmed");
  sqlite3_finalize(st);
  return rc;
}

/* ---- runs ---- */

seg_code store_export_run_start(store *s, int64_t destination_id, const char *run_by, bool full, int64_t *run_id,
                                int *interrupted, seg_err *err) {
  seg_code rc = store_tx_begin(s, err);
  if (rc != SEG_OK) return rc;
  sqlite3_stmt *st;
  int64_t now = clock_now_ms();
  rc = store__prep(s,
            "UPDATE export_runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?), message = "
            "'the process stopped before the run finished; its confirmed work was kept' WHERE destination_id = ? AND "
            "status = 'running'",
            &st, err, "starting the run");
  if (rc == SEG_OK) {
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, destination_id);
    rc = store__step_done(s, st, err, "starting the run");
    *interrupted = sqlite3_changes(store__db(s));
  }
  if (rc == SEG_OK)
    rc = store__prep(s, "INSERT INTO export_runs(destination_id, status, started_at, run_by, full) VALUES(?, 'running', ?, ?, ?)",
              &st, err, "starting the run");
  if (rc == SEG_OK) {
    sqlite3_bind_int64(st, 1, destination_id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, run_by, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, full);
    rc = store__step_done(s, st, err, "starting the run");
    *run_id = sqlite3_last_insert_rowid(store__db(s));
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}

seg_code store_export_run_save(store *s, const store_export_run *r, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "UPDATE export_runs SET status = ?, finished_at = ?, profiles = ?, contacts_upserted = ?, "
                     "list_additions = ?, list_removals = ?, unchanged = ?, invalid = ?, rejected = ?, api_calls = ?, "
                     "retries = ?, throttled = ?, field_sets = ?, field_clears = ?, message = ? WHERE run_id = ?",
                     &st, err, "saving the run");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, r->status, -1, SQLITE_STATIC);
  if (strcmp(r->status, "running") != 0) sqlite3_bind_int64(st, 2, r->finished_at ? r->finished_at : clock_now_ms());
  int64_t v[] = {r->profiles, r->contacts_upserted, r->list_additions, r->list_removals, r->unchanged,
                 r->invalid,  r->rejected,          r->api_calls,      r->retries,       r->throttled,
                 r->field_sets, r->field_clears};
  for (int i = 0; i < 12; i++) sqlite3_bind_int64(st, 3 + i, v[i]);
  char *red = log_redact_dup(r->message); /* may quote the API: never stored with a key in it */
  if (!red) {
    sqlite3_finalize(st);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  sqlite3_bind_text(st, 15, red, -1, SQLITE_TRANSIENT);
  free(red);
  sqlite3_bind_int64(st, 16, r->run_id);
  return store__step_done(s, st, err, "saving the run");
}

#define RUN_COLUMNS                                                                                           \
  "r.run_id, r.destination_id, d.name, d.removed_at IS NOT NULL, r.status, r.started_at, "                   \
  "coalesce(r.finished_at, 0), r.run_by, r.full, r.profiles, r.contacts_upserted, r.list_additions, "        \
  "r.list_removals, r.unchanged, r.invalid, r.rejected, r.api_calls, r.retries, r.throttled, r.message, "    \
  "r.field_sets, r.field_clears "                                                                             \
  "FROM export_runs r JOIN destinations d ON d.destination_id = r.destination_id"

static void read_run(sqlite3_stmt *st, store_export_run *r) {
  memset(r, 0, sizeof *r);
  r->run_id = sqlite3_column_int64(st, 0);
  r->destination_id = sqlite3_column_int64(st, 1);
  store__copy_text(st, 2, r->destination, sizeof r->destination);
  r->destination_removed = sqlite3_column_int(st, 3) != 0;
  store__copy_text(st, 4, r->status, sizeof r->status);
  r->started_at = sqlite3_column_int64(st, 5);
  r->finished_at = sqlite3_column_int64(st, 6);
  store__copy_text(st, 7, r->run_by, sizeof r->run_by);
  r->full = sqlite3_column_int(st, 8) != 0;
  int64_t *v[] = {&r->profiles, &r->contacts_upserted, &r->list_additions, &r->list_removals, &r->unchanged,
                  &r->invalid,  &r->rejected,          &r->api_calls,      &r->retries,       &r->throttled};
  for (int i = 0; i < 10; i++) *v[i] = sqlite3_column_int64(st, 9 + i);
  store__copy_text(st, 19, r->message, sizeof r->message);
  r->field_sets = sqlite3_column_int64(st, 20);
  r->field_clears = sqlite3_column_int64(st, 21);
}

seg_code store_export_run_get(store *s, int64_t run_id, store_export_run *out, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT " RUN_COLUMNS " WHERE r.run_id = ?", &st, err, "reading a run");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, run_id);
  int step = sqlite3_step(st);
  if (step == SQLITE_ROW) read_run(st, out);
  sqlite3_finalize(st);
  if (step == SQLITE_ROW) return SEG_OK;
  return seg_err_set(err, SEG_ENOTFOUND, "there is no run %lld", (long long)run_id);
}

seg_code store_export_runs_list(store *s, int64_t destination_id, int limit, store_export_run **out, size_t *n,
                                seg_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     destination_id ? "SELECT " RUN_COLUMNS " WHERE r.destination_id = ? ORDER BY r.run_id DESC LIMIT ?"
                                    : "SELECT " RUN_COLUMNS " WHERE ? = 0 ORDER BY r.run_id DESC LIMIT ?",
                     &st, err, "reading the runs");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, destination_id);
  sqlite3_bind_int(st, 2, limit);
  int step;
  bool oom = false;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    store_export_run *p = realloc(*out, (*n + 1) * sizeof *p);
    if (!p) {
      oom = true;
      break;
    }
    *out = p;
    read_run(st, &p[(*n)++]);
  }
  sqlite3_finalize(st);
  if (oom || step != SQLITE_DONE) { /* a partial list is no list: never an entry left out */
    seg_code bad = oom ? seg_err_set(err, SEG_ENOMEM, "out of memory reading the runs") : store__sqlite_err(s, err, "reading the runs");
    free(*out);
    *out = NULL;
    *n = 0;
    return bad;
  }
  return SEG_OK;
}

seg_code store_export_errors_each(store *s, int64_t run_id,
                                  int (*fn)(const char *customer_id, const char *email, const char *kind,
                                            const char *reason, void *ctx),
                                  void *ctx, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT customer_id, email, kind, reason FROM export_errors WHERE run_id = ? ORDER BY rowid", &st,
                     err, "reading the run's errors");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, run_id);
  while (sqlite3_step(st) == SQLITE_ROW)
    if (fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3), ctx))
      break;
  sqlite3_finalize(st);
  return SEG_OK;
}

/* ---- the writer ---- */

struct store_export_writer {
  store *s;
  int64_t destination_id, run_id;
  sqlite3_stmt *contact, *add, *remove, *error, *field_add, *field_remove;
};

seg_code store_export_writer_new(store *s, int64_t destination_id, int64_t run_id, store_export_writer **out,
                                 seg_err *err) {
  store_export_writer *w = calloc(1, sizeof *w);
  if (!w) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  w->s = s;
  w->destination_id = destination_id;
  w->run_id = run_id;
  sqlite3 *db = store__db(s);
  if (sqlite3_prepare_v3(db,
                         "INSERT INTO export_contacts(destination_id, customer_id, email, contact_id, fields_hash, "
                         "confirmed_at) VALUES(?,?,?,?,?,?) ON CONFLICT(destination_id, customer_id) DO UPDATE SET "
                         "email = excluded.email, contact_id = excluded.contact_id, fields_hash = excluded.fields_hash, "
                         "confirmed_at = excluded.confirmed_at",
                         -1, SQLITE_PREPARE_PERSISTENT, &w->contact, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(db, "INSERT OR IGNORE INTO export_members(destination_id, customer_id, segment_id) VALUES(?,?,?)",
                         -1, SQLITE_PREPARE_PERSISTENT, &w->add, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(db, "DELETE FROM export_members WHERE destination_id = ? AND customer_id = ? AND segment_id = ?",
                         -1, SQLITE_PREPARE_PERSISTENT, &w->remove, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(db,
                         "INSERT OR IGNORE INTO export_field_members(destination_id, customer_id, segment_id) "
                         "VALUES(?,?,?)",
                         -1, SQLITE_PREPARE_PERSISTENT, &w->field_add, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(db,
                         "DELETE FROM export_field_members WHERE destination_id = ? AND customer_id = ? AND segment_id = ?",
                         -1, SQLITE_PREPARE_PERSISTENT, &w->field_remove, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(db, "INSERT INTO export_errors(run_id, customer_id, email, kind, reason) VALUES(?,?,?,?,?)", -1,
                         SQLITE_PREPARE_PERSISTENT, &w->error, NULL) != SQLITE_OK) {
    seg_code rc = store__sqlite_err(s, err, "preparing the run's records");
    store_export_writer_free(w);
    return rc;
  }
  *out = w;
  return SEG_OK;
}

void store_export_writer_free(store_export_writer *w) {
  if (!w) return;
  sqlite3_finalize(w->contact);
  sqlite3_finalize(w->add);
  sqlite3_finalize(w->remove);
  sqlite3_finalize(w->error);
  sqlite3_finalize(w->field_add);
  sqlite3_finalize(w->field_remove);
  free(w);
}

static seg_code run_stmt(store_export_writer *w, sqlite3_stmt *st, seg_err *err) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? SEG_OK : store__sqlite_err(w->s, err, "recording what the destination confirmed");
}

seg_code store_export_confirm_contact(store_export_writer *w, const char *customer_id, const char *email,
                                      const char *contact_id, const uint8_t hash[16], seg_err *err) {
  sqlite3_stmt *st = w->contact;
  sqlite3_bind_int64(st, 1, w->destination_id);
  sqlite3_bind_text(st, 2, customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, email, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, contact_id ? contact_id : "", -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 5, hash, 16, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, clock_now_ms());
  return run_stmt(w, st, err);
}

seg_code store_export_member_add(store_export_writer *w, const char *customer_id, int64_t segment_id, seg_err *err) {
  sqlite3_bind_int64(w->add, 1, w->destination_id);
  sqlite3_bind_text(w->add, 2, customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(w->add, 3, segment_id);
  return run_stmt(w, w->add, err);
}

seg_code store_export_member_remove(store_export_writer *w, const char *customer_id, int64_t segment_id,
                                    seg_err *err) {
  sqlite3_bind_int64(w->remove, 1, w->destination_id);
  sqlite3_bind_text(w->remove, 2, customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(w->remove, 3, segment_id);
  return run_stmt(w, w->remove, err);
}

seg_code store_export_field_set(store_export_writer *w, const char *customer_id, int64_t segment_id, bool value,
                                seg_err *err) {
  sqlite3_stmt *st = value ? w->field_add : w->field_remove;
  sqlite3_bind_int64(st, 1, w->destination_id);
  sqlite3_bind_text(st, 2, customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, segment_id);
  return run_stmt(w, st, err);
}

seg_code store_export_error_add(store_export_writer *w, const char *customer_id, const char *email, const char *kind,
                                const char *reason, seg_err *err) {
  sqlite3_bind_int64(w->error, 1, w->run_id);
  sqlite3_bind_text(w->error, 2, customer_id ? customer_id : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(w->error, 3, email ? email : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(w->error, 4, kind, -1, SQLITE_STATIC);
  char *red = log_redact_dup(reason); /* text from the API: never stored with a key in it */
  if (!red) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  sqlite3_bind_text(w->error, 5, red, -1, SQLITE_TRANSIENT);
  free(red);
  return run_stmt(w, w->error, err);
}
