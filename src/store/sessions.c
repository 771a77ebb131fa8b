/* sessions.c: the statements of the console's sessions (the table is migration 11). */
#include "store/sessions.h"

#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"

seg_code store_session_add(store *s, const char *token_hash, const char *user, const char *csrf, int64_t now,
                           seg_err *err) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s,
                            "INSERT INTO console_sessions(token_hash, user, csrf, created_at, last_seen) "
                            "VALUES(?,?,?,?,?)",
                            &st, err, "saving a session");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, now);
  sqlite3_bind_int64(st, 5, now);
  return store__step_done(s, st, err, "saving a session");
}

seg_code store_session_get(store *s, const char *token_hash, store_session *out, seg_err *err) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, "SELECT user, csrf, created_at, last_seen FROM console_sessions WHERE token_hash = ?",
                            &st, err, "reading a session");
  if (rc != SEG_OK) return rc;
  sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    store__copy_text(st, 0, out->user, sizeof out->user);
    store__copy_text(st, 1, out->csrf, sizeof out->csrf);
    out->created_at = sqlite3_column_int64(st, 2);
    out->last_seen = sqlite3_column_int64(st, 3);
  }
  sqlite3_finalize(st);
  if (r == SQLITE_ROW) return SEG_OK;
  if (r == SQLITE_DONE) return seg_err_set(err, SEG_ENOTFOUND, "no such session; sign in again");
  return store__sqlite_err(s, err, "reading a session");
}

static seg_code exec1(store *s, const char *sql, const char *text, int64_t num, seg_err *err, const char *doing) {
  sqlite3_stmt *st;
  seg_code rc = store__prep(s, sql, &st, err, doing);
  if (rc != SEG_OK) return rc;
  int i = 1;
  if (num >= 0) sqlite3_bind_int64(st, i++, num);
  if (text) sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
  return store__step_done(s, st, err, doing);
}

seg_code store_session_touch(store *s, const char *token_hash, int64_t now, seg_err *err) {
  return exec1(s, "UPDATE console_sessions SET last_seen = ? WHERE token_hash = ?", token_hash, now, err,
               "updating a session");
}

seg_code store_session_remove(store *s, const char *token_hash, seg_err *err) {
  return exec1(s, "DELETE FROM console_sessions WHERE token_hash = ?", token_hash, -1, err, "removing a session");
}

seg_code store_sessions_remove_user(store *s, const char *user, seg_err *err) {
  return exec1(s, "DELETE FROM console_sessions WHERE user = ?", user, -1, err, "removing a user's sessions");
}

seg_code store_sessions_expire(store *s, int64_t before, seg_err *err) {
  return exec1(s, "DELETE FROM console_sessions WHERE last_seen < ?", NULL, before, err, "expiring sessions");
}
