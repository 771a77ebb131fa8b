/* destinations.c: users, destinations, consents and export configurations in SQL. */
#include "store/destinations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/buf.h"
#include "util/clock.h"




/* ---- users ---- */

seg_code store_user_add(store *s, const char *name, const char *role, const char *password_hash, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "INSERT INTO users(name, role, password_hash, created_at, updated_at) VALUES(?,?,?,?,?)", &st,
                     err, "adding a user");
  if (rc != SEG_OK) return rc;
  int64_t now = clock_now_ms();
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
  if (password_hash) sqlite3_bind_text(st, 3, password_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, now);
  sqlite3_bind_int64(st, 5, now);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r == SQLITE_CONSTRAINT) return seg_err_set(err, SEG_EEXIST, "a user named '%s' already exists", name);
  if (r != SQLITE_DONE) return store__sqlite_err(s, err, "adding a user");
  return SEG_OK;
}

seg_code store_user_update(store *s, const char *name, const char *role, const char *password_hash, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "UPDATE users SET role = coalesce(?, role), password_hash = coalesce(?, password_hash), "
                     "updated_at = ? WHERE name = ?",
                     &st, err, "updating a user");
  if (rc != SEG_OK) return rc;
  if (role) sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
  if (password_hash) sqlite3_bind_text(st, 2, password_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, clock_now_ms());
  sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
  if ((rc = store__step_done(s, st, err, "updating a user")) != SEG_OK) return rc;
  if (sqlite3_changes(store__db(s)) == 0)
    return seg_err_set(err, SEG_ENOTFOUND, "there is no user '%s'; 'segship user list' shows them", name);
  return SEG_OK;
}

seg_code store_user_remove(store *s, const char *name, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "DELETE FROM users WHERE name = ?", &st, err, "removing a user");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  if ((rc = store__step_done(s, st, err, "removing a user")) != SEG_OK) return rc;
  if (sqlite3_changes(store__db(s)) == 0)
    return seg_err_set(err, SEG_ENOTFOUND, "there is no user '%s'; 'segship user list' shows them", name);
  return SEG_OK;
}

static void read_user(sqlite3_stmt *st, store_user *u) {
  memset(u, 0, sizeof *u);
  u->id = sqlite3_column_int64(st, 0);
  store__copy_text(st, 1, u->name, sizeof u->name);
  store__copy_text(st, 2, u->role, sizeof u->role);
  u->has_password = sqlite3_column_type(st, 3) != SQLITE_NULL;
  u->created_at = sqlite3_column_int64(st, 4);
}

seg_code store_user_get(store *s, const char *name, store_user *out, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT user_id, name, role, password_hash, created_at FROM users WHERE name = ?", &st, err,
                     "reading a user");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) read_user(st, out);
  sqlite3_finalize(st);
  if (r == SQLITE_ROW) return SEG_OK;
  if (r == SQLITE_DONE)
    return seg_err_set(err, SEG_ENOTFOUND, "there is no user '%s'; add one with 'segship user add'", name);
  return store__sqlite_err(s, err, "reading a user");
}

seg_code store_user_password_hash(store *s, const char *name, char *out, size_t cap, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT password_hash FROM users WHERE name = ? AND password_hash IS NOT NULL", &st, err,
                     "reading a user");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) store__copy_text(st, 0, out, cap);
  sqlite3_finalize(st);
  if (r == SQLITE_ROW) return SEG_OK;
  return seg_err_set(err, SEG_ENOTFOUND, "user '%s' has no password", name);
}

seg_code store_users_list(store *s, store_user **list, size_t *n, seg_err *err) {
  *list = NULL;
  *n = 0;
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT user_id, name, role, password_hash, created_at FROM users ORDER BY name", &st, err,
                     "listing users");
  if (rc != SEG_OK) return rc;
  size_t cap = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? cap * 2 : 8;
      store_user *p = realloc(*list, cap * sizeof *p);
      if (!p) {
        sqlite3_finalize(st);
        free(*list);
        *list = NULL;
        *n = 0;
        return seg_err_set(err, SEG_ENOMEM, "out of memory");
      }
      *list = p;
    }
    read_user(st, &(*list)[(*n)++]);
  }
  sqlite3_finalize(st);
  return SEG_OK;
}

/* ---- destinations ---- */

void store_destination_free(store_destination *d) {
  if (!d) return;
  free(d->key_box);
  d->key_box = NULL;
}

void store_destinations_free(store_destination *list, size_t n) {
  for (size_t i = 0; i < n; i++) store_destination_free(&list[i]);
  free(list);
}

seg_code store_destination_add(store *s, store_destination *d, const char *statement, const char *os_user,
                               seg_err *err) {
  seg_code rc = store_tx_begin(s, err);
  if (rc != SEG_OK) return rc;
  sqlite3_stmt *st;
  int64_t now = clock_now_ms();
  rc = store__prep(s,
            "INSERT INTO destinations(name, display_name, api_url, api_key_box, key_hint, export_user, rate_limit, "
            "max_profiles, account_name, account_email, created_at, updated_at, allow_insecure_http, type, rate_windows) "
            "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            &st, err, "saving the destination");
  if (rc == SEG_OK) {
    sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->display_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->api_url, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, d->key_box, (int)d->key_box_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, d->key_hint, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, d->export_user, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 7, d->rate_limit);
    sqlite3_bind_int64(st, 8, d->max_profiles);
    sqlite3_bind_text(st, 9, d->account_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, d->account_email, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_int64(st, 12, now);
    sqlite3_bind_int(st, 13, d->allow_insecure_http ? 1 : 0);
    sqlite3_bind_text(st, 14, d->type[0] ? d->type : "autopilot", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, d->rate_windows, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r == SQLITE_CONSTRAINT)
      rc = seg_err_set(err, SEG_EEXIST, "a destination named '%s' already exists; choose another name", d->name);
    else if (r != SQLITE_DONE)
      rc = store__sqlite_err(s, err, "saving the destination");
    else
      d->id = sqlite3_last_insert_rowid(store__db(s));
  }
  if (rc == SEG_OK) rc = store__prep(s, "INSERT INTO consents(destination_id, user_name, os_user, at, statement) VALUES(?,?,?,?,?)",
                              &st, err, "recording the consent");
  if (rc == SEG_OK) {
    sqlite3_bind_int64(st, 1, d->id);
    sqlite3_bind_text(st, 2, d->export_user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, os_user ? os_user : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_text(st, 5, statement, -1, SQLITE_STATIC);
    rc = store__step_done(s, st, err, "recording the consent");
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}

#define DEST_COLUMNS                                                                                          \
  "d.destination_id, d.name, d.display_name, d.api_url, d.api_key_box, d.key_hint, d.export_user, "          \
  "d.rate_limit, d.max_profiles, d.account_name, d.account_email, d.created_at, d.updated_at, "              \
  "coalesce(d.removed_at, 0), (SELECT user_name FROM consents c WHERE c.destination_id = d.destination_id "   \
  "ORDER BY consent_id DESC LIMIT 1), (SELECT at FROM consents c WHERE c.destination_id = d.destination_id "  \
  "ORDER BY consent_id DESC LIMIT 1), d.allow_insecure_http, d.type, d.rate_windows"

static void read_destination(sqlite3_stmt *st, store_destination *d) {
  memset(d, 0, sizeof *d);
  d->id = sqlite3_column_int64(st, 0);
  store__copy_text(st, 1, d->name, sizeof d->name);
  store__copy_text(st, 2, d->display_name, sizeof d->display_name);
  store__copy_text(st, 3, d->api_url, sizeof d->api_url);
  int n = sqlite3_column_bytes(st, 4);
  const void *box = sqlite3_column_blob(st, 4);
  if (box && n > 0 && (d->key_box = malloc((size_t)n))) {
    memcpy(d->key_box, box, (size_t)n);
    d->key_box_len = (size_t)n;
  }
  store__copy_text(st, 5, d->key_hint, sizeof d->key_hint);
  store__copy_text(st, 6, d->export_user, sizeof d->export_user);
  d->rate_limit = sqlite3_column_double(st, 7);
  d->max_profiles = sqlite3_column_int64(st, 8);
  store__copy_text(st, 9, d->account_name, sizeof d->account_name);
  store__copy_text(st, 10, d->account_email, sizeof d->account_email);
  d->created_at = sqlite3_column_int64(st, 11);
  d->updated_at = sqlite3_column_int64(st, 12);
  d->removed_at = sqlite3_column_int64(st, 13);
  store__copy_text(st, 14, d->consent_user, sizeof d->consent_user);
  d->consent_at = sqlite3_column_int64(st, 15);
  d->allow_insecure_http = sqlite3_column_int(st, 16) != 0;
  store__copy_text(st, 17, d->type, sizeof d->type);
  store__copy_text(st, 18, d->rate_windows, sizeof d->rate_windows);
}

static seg_code get_where(store *s, const char *where, const char *name, int64_t id, store_destination *out,
                          seg_err *err) {
  char sql[1024];
  snprintf(sql, sizeof sql, "SELECT " DEST_COLUMNS " FROM destinations d WHERE %s", where);
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, sql, &st, err, "reading a destination");
  if (rc != SEG_OK) return rc;
  if (name) sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  else sqlite3_bind_int64(st, 1, id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) read_destination(st, out);
  sqlite3_finalize(st);
  if (r == SQLITE_ROW) return SEG_OK;
  if (r != SQLITE_DONE) return store__sqlite_err(s, err, "reading a destination");
  if (name)
    return seg_err_set(err, SEG_ENOTFOUND, "there is no destination '%s'; 'segship destination list' shows them", name);
  return seg_err_set(err, SEG_ENOTFOUND, "there is no destination %lld", (long long)id);
}

seg_code store_destination_get(store *s, const char *name, store_destination *out, seg_err *err) {
  return get_where(s, "d.name = ? AND d.removed_at IS NULL", name, 0, out, err);
}

seg_code store_destination_get_by_id(store *s, int64_t id, store_destination *out, seg_err *err) {
  return get_where(s, "d.destination_id = ?", NULL, id, out, err);
}

seg_code store_destinations_list(store *s, bool include_removed, store_destination **list, size_t *n, seg_err *err) {
  *list = NULL;
  *n = 0;
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     include_removed ? "SELECT " DEST_COLUMNS " FROM destinations d ORDER BY d.name, d.destination_id"
                                     : "SELECT " DEST_COLUMNS " FROM destinations d WHERE d.removed_at IS NULL ORDER BY d.name",
                     &st, err, "listing destinations");
  if (rc != SEG_OK) return rc;
  size_t cap = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? cap * 2 : 4;
      store_destination *p = realloc(*list, cap * sizeof *p);
      if (!p) {
        sqlite3_finalize(st);
        store_destinations_free(*list, *n);
        *list = NULL;
        *n = 0;
        return seg_err_set(err, SEG_ENOMEM, "out of memory");
      }
      *list = p;
    }
    read_destination(st, &(*list)[(*n)++]);
  }
  sqlite3_finalize(st);
  return SEG_OK;
}

seg_code store_destination_set_key(store *s, int64_t id, const unsigned char *box, size_t len, const char *hint,
                                   const char *account_name, const char *account_email, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "UPDATE destinations SET api_key_box = ?, key_hint = ?, account_name = ?, account_email = ?, "
                     "updated_at = ? WHERE destination_id = ? AND removed_at IS NULL",
                     &st, err, "saving the key");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_blob(st, 1, box, (int)len, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, hint, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, account_name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, account_email, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, clock_now_ms());
  sqlite3_bind_int64(st, 6, id);
  return store__step_done(s, st, err, "saving the key");
}

seg_code store_destination_update(store *s, int64_t id, const char *display_name, const char *api_url,
                                  const char *export_user, double rate_limit, int64_t max_profiles, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                            "UPDATE destinations SET display_name = coalesce(?, display_name), api_url = coalesce(?, api_url), "
                            "export_user = coalesce(?, export_user), rate_limit = coalesce(?, rate_limit), "
                            "max_profiles = coalesce(?, max_profiles), updated_at = ? WHERE destination_id = ? AND "
                            "removed_at IS NULL",
                            &st, err, "updating the destination");
  if (rc != SEG_OK) return rc;
  if (display_name) sqlite3_bind_text(st, 1, display_name, -1, SQLITE_STATIC);
  if (api_url) sqlite3_bind_text(st, 2, api_url, -1, SQLITE_STATIC);
  if (export_user) sqlite3_bind_text(st, 3, export_user, -1, SQLITE_STATIC);
  if (rate_limit >= 0) sqlite3_bind_double(st, 4, rate_limit);
  if (max_profiles >= 0) sqlite3_bind_int64(st, 5, max_profiles);
  sqlite3_bind_int64(st, 6, clock_now_ms());
  sqlite3_bind_int64(st, 7, id);
  return store__step_done(s, st, err, "updating the destination");
}

seg_code store_destination_set_insecure_http(store *s, int64_t id, bool allow, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "UPDATE destinations SET allow_insecure_http = ?, updated_at = ? WHERE destination_id = ?",
                            &st, err, "updating the destination");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int(st, 1, allow ? 1 : 0);
  sqlite3_bind_int64(st, 2, clock_now_ms());
  sqlite3_bind_int64(st, 3, id);
  return store__step_done(s, st, err, "updating the destination");
}

seg_code store_destination_set_windows(store *s, int64_t id, const char *windows, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "UPDATE destinations SET rate_windows = ?, updated_at = ? WHERE destination_id = ? AND "
                            "removed_at IS NULL", &st, err, "updating the destination");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, windows, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, clock_now_ms());
  sqlite3_bind_int64(st, 3, id);
  return store__step_done(s, st, err, "updating the destination");
}

seg_code store_destination_remove(store *s, int64_t id, seg_err *err) {
  seg_code rc = store_tx_begin(s, err);
  if (rc != SEG_OK) return rc;
  static const char *const sql[] = {
      ("UPDATE destinations SET api_key_box = NULL, key_hint = '', removed_at = ?1, updated_at = ?1 "
       "WHERE destination_id = ?2"),
      "DELETE FROM export_fields WHERE destination_id = ?2",
      "DELETE FROM export_segments WHERE destination_id = ?2",
      "DELETE FROM export_configs WHERE destination_id = ?2",
  };
  int64_t now = clock_now_ms();
  for (size_t i = 0; i < sizeof sql / sizeof sql[0] && rc == SEG_OK; i++) {
    sqlite3_stmt *st;
    rc = store__prep(s, sql[i], &st, err, "removing the destination");
    if (rc != SEG_OK) break;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, id);
    rc = store__step_done(s, st, err, "removing the destination");
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  /* secure_delete zeroed the old key's bytes; fold the WAL back so no copy of them lingers there. */
  if (rc == SEG_OK) sqlite3_exec(store__db(s), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
  return rc;
}

/* ---- export configuration ---- */

void store_export_config_free(store_export_config *c) {
  free(c->fields);
  free(c->segment_ids);
  free(c->segment_names);
  c->fields = NULL;
  c->segment_ids = NULL;
  c->segment_names = NULL;
  c->n_fields = c->n_segments = 0;
}

seg_code store_export_config_save(store *s, const store_export_config *c, seg_err *err) {
  seg_code rc = store_tx_begin(s, err);
  if (rc != SEG_OK) return rc;
  sqlite3_stmt *st;
  static const char *const wipe[] = {"DELETE FROM export_fields WHERE destination_id = ?",
                                     "DELETE FROM export_segments WHERE destination_id = ?"};
  for (int i = 0; i < 2 && rc == SEG_OK; i++) {
    if ((rc = store__prep(s, wipe[i], &st, err, "saving the export configuration")) != SEG_OK) break;
    sqlite3_bind_int64(st, 1, c->destination_id);
    rc = store__step_done(s, st, err, "saving the export configuration");
  }
  if (rc == SEG_OK)
    rc = store__prep(s,
              "INSERT INTO export_configs(destination_id, email_attr, first_name_attr, last_name_attr, on_leave, "
              "schedule, list_membership, updated_at, max_removal, tag_prefix, membership) VALUES(?,?,?,?,?,?,?,?,?,?,?) "
              "ON CONFLICT(destination_id) DO UPDATE SET "
              "email_attr = excluded.email_attr, first_name_attr = excluded.first_name_attr, "
              "last_name_attr = excluded.last_name_attr, on_leave = excluded.on_leave, schedule = excluded.schedule, "
              "list_membership = excluded.list_membership, updated_at = excluded.updated_at, "
              "max_removal = excluded.max_removal, tag_prefix = excluded.tag_prefix, membership = excluded.membership",
              &st, err, "saving the export configuration");
  if (rc == SEG_OK) {
    sqlite3_bind_int64(st, 1, c->destination_id);
    sqlite3_bind_text(st, 2, c->email_attr, -1, SQLITE_STATIC);
    if (c->first_name_attr[0]) sqlite3_bind_text(st, 3, c->first_name_attr, -1, SQLITE_STATIC);
    if (c->last_name_attr[0]) sqlite3_bind_text(st, 4, c->last_name_attr, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, c->on_leave, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, c->schedule);
    sqlite3_bind_text(st, 7, c->list_membership, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, clock_now_ms());
    sqlite3_bind_int(st, 9, c->max_removal);
    sqlite3_bind_text(st, 10, c->tag_prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, c->membership[0] ? c->membership : "list", -1, SQLITE_STATIC);
    rc = store__step_done(s, st, err, "saving the export configuration");
  }
  for (size_t i = 0; i < c->n_fields && rc == SEG_OK; i++) {
    if ((rc = store__prep(s, "INSERT INTO export_fields(destination_id, position, attr, field, custom) VALUES(?,?,?,?,?)",
                   &st, err, "saving the field mapping")) != SEG_OK)
      break;
    sqlite3_bind_int64(st, 1, c->destination_id);
    sqlite3_bind_int64(st, 2, (int64_t)i);
    sqlite3_bind_text(st, 3, c->fields[i].attr, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, c->fields[i].field, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, c->fields[i].custom);
    rc = store__step_done(s, st, err, "saving the field mapping");
  }
  for (size_t i = 0; i < c->n_segments && rc == SEG_OK; i++) {
    if ((rc = store__prep(s, "INSERT INTO export_segments(destination_id, position, segment_id) VALUES(?,?,?)", &st, err,
                   "saving the segments")) != SEG_OK)
      break;
    sqlite3_bind_int64(st, 1, c->destination_id);
    sqlite3_bind_int64(st, 2, (int64_t)i);
    sqlite3_bind_int64(st, 3, c->segment_ids[i]);
    rc = store__step_done(s, st, err, "saving the segments");
  }
  if (rc == SEG_OK) rc = store_tx_commit(s, err);
  else store_tx_rollback(s);
  return rc;
}

seg_code store_export_config_get(store *s, int64_t destination_id, store_export_config *out, seg_err *err) {
  memset(out, 0, sizeof *out);
  out->destination_id = destination_id;
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "SELECT email_attr, first_name_attr, last_name_attr, on_leave, schedule, list_membership, "
                     "updated_at, max_removal, tag_prefix, membership FROM export_configs WHERE destination_id = ?",
                     &st, err, "reading the export configuration");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, destination_id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    store__copy_text(st, 0, out->email_attr, sizeof out->email_attr);
    store__copy_text(st, 1, out->first_name_attr, sizeof out->first_name_attr);
    store__copy_text(st, 2, out->last_name_attr, sizeof out->last_name_attr);
    store__copy_text(st, 3, out->on_leave, sizeof out->on_leave);
    out->schedule = sqlite3_column_int(st, 4) != 0;
    store__copy_text(st, 5, out->list_membership, sizeof out->list_membership);
    out->updated_at = sqlite3_column_int64(st, 6);
    out->max_removal = sqlite3_column_int(st, 7);
    store__copy_text(st, 8, out->tag_prefix, sizeof out->tag_prefix);
    store__copy_text(st, 9, out->membership, sizeof out->membership);
  }
  sqlite3_finalize(st);
  if (r == SQLITE_DONE) return seg_err_set(err, SEG_ENOTFOUND, "this destination's export is not configured");
  if (r != SQLITE_ROW) return store__sqlite_err(s, err, "reading the export configuration");

  if ((rc = store__prep(s, "SELECT attr, field, custom FROM export_fields WHERE destination_id = ? ORDER BY position", &st,
                 err, "reading the field mapping")) != SEG_OK)
    return rc;
  sqlite3_bind_int64(st, 1, destination_id);
  /* every row or an error: an export never runs with a field or a segment left out */
  int step;
  bool oom = false;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    store_field_map *f = realloc(out->fields, (out->n_fields + 1) * sizeof *f);
    if (!f) {
      oom = true;
      break;
    }
    out->fields = f;
    f = &f[out->n_fields++];
    store__copy_text(st, 0, f->attr, sizeof f->attr);
    store__copy_text(st, 1, f->field, sizeof f->field);
    f->custom = sqlite3_column_int(st, 2) != 0;
  }
  sqlite3_finalize(st);
  if (oom || step != SQLITE_DONE) {
    rc = oom ? seg_err_set(err, SEG_ENOMEM, "out of memory reading the field mapping")
             : store__sqlite_err(s, err, "reading the field mapping");
    store_export_config_free(out);
    return rc;
  }
  if ((rc = store__prep(s,
                 "SELECT e.segment_id, g.name FROM export_segments e JOIN segments g ON g.segment_id = e.segment_id "
                 "WHERE e.destination_id = ? ORDER BY e.position",
                 &st, err, "reading the segments")) != SEG_OK) {
    store_export_config_free(out);
    return rc;
  }
  sqlite3_bind_int64(st, 1, destination_id);
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t *ids = realloc(out->segment_ids, (out->n_segments + 1) * sizeof *ids);
    if (ids) out->segment_ids = ids;
    char(*names)[129] = realloc(out->segment_names, (out->n_segments + 1) * sizeof *names);
    if (names) out->segment_names = names;
    if (!ids || !names) {
      oom = true;
      break;
    }
    out->segment_ids[out->n_segments] = sqlite3_column_int64(st, 0);
    store__copy_text(st, 1, out->segment_names[out->n_segments], 129);
    out->n_segments++;
  }
  sqlite3_finalize(st);
  if (oom || step != SQLITE_DONE) {
    rc = oom ? seg_err_set(err, SEG_ENOMEM, "out of memory reading the segments")
             : store__sqlite_err(s, err, "reading the segments");
    store_export_config_free(out);
    return rc;
  }
  return SEG_OK;
}

seg_code store_export_using_segment(store *s, int64_t segment_id, char *name, size_t cap, seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                     "SELECT d.name FROM export_segments e JOIN destinations d ON d.destination_id = e.destination_id "
                     "WHERE e.segment_id = ? AND d.removed_at IS NULL ORDER BY d.name LIMIT 1",
                     &st, err, "checking the exports");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_int64(st, 1, segment_id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) store__copy_text(st, 0, name, cap);
  sqlite3_finalize(st);
  return r == SQLITE_ROW ? SEG_OK : SEG_ENOTFOUND;
}

seg_code store_segments_distinct_members(store *s, const int64_t *segment_ids, size_t n, int64_t *count,
                                         seg_err *err) {
  *count = 0;
  if (n == 0) return SEG_OK;
  buf sql;
  buf_init(&sql, 0);
  buf_puts(&sql, "SELECT count(DISTINCT m.pid) FROM segment_members m JOIN profiles p ON p.pid = m.pid WHERE m.segment_id IN (");
  for (size_t i = 0; i < n; i++) buf_puts(&sql, i ? ",?" : "?");
  buf_puts(&sql, ")");
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, buf_str(&sql), &st, err, "counting the profiles to export");
  buf_free(&sql);
  if (rc != SEG_OK) return rc;
  for (size_t i = 0; i < n; i++) sqlite3_bind_int64(st, (int)i + 1, segment_ids[i]);
  if (sqlite3_step(st) == SQLITE_ROW) *count = sqlite3_column_int64(st, 0);
  else rc = store__sqlite_err(s, err, "counting the profiles to export");
  sqlite3_finalize(st);
  return rc;
}
