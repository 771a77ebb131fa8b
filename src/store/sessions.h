/* sessions.h: the console's sign-in sessions, kept in the store so that a restart keeps people
 * signed in: the hash of each session token (never the token), its user, its CSRF token and
 * when it was last used. */
#ifndef SEGSHIP_STORE_SESSIONS_H
#define SEGSHIP_STORE_SESSIONS_H

#include "store/store.h"

typedef struct store_session {
  char user[65];
  char csrf[65];
  int64_t created_at, last_seen;
} store_session;

seg_code store_session_add(store *s, const char *token_hash, const char *user, const char *csrf, int64_t now,
                           seg_err *err);
/* SEG_ENOTFOUND when there is no such session. */
seg_code store_session_get(store *s, const char *token_hash, store_session *out, seg_err *err);
seg_code store_session_touch(store *s, const char *token_hash, int64_t now, seg_err *err);
seg_code store_session_remove(store *s, const char *token_hash, seg_err *err);
/* Removes the sessions of user (after a password reset or the user's removal). */
seg_code store_sessions_remove_user(store *s, const char *user, seg_err *err);
/* Removes the sessions last used before `before`. */
seg_code store_sessions_expire(store *s, int64_t before, seg_err *err);

#endif
