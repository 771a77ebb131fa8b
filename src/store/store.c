/* store.c: opening the store, recognising and migrating its schema, transactions, settings. */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/text.h"

#define STORE_APPLICATION_ID 0x53475348 /* "SGSH" */

struct store {
  sqlite3 *db;
  char *path;
  bool created;
  int tx_depth; /* nested transactions are savepoints inside the outermost BEGIN IMMEDIATE */
};

/* ---- migrations: index i brings the schema from version i to i+1; never edit a landed one ---- */

static const char *const migrations[] = {
    /* 1: settings, the attribute schema, profiles, import records */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE attributes("
    "  attr_id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  type TEXT NOT NULL CHECK(type IN ('integer','real','boolean','date','datetime','text','none')),"
    "  col TEXT NOT NULL UNIQUE,"
    "  pinned INTEGER NOT NULL DEFAULT 0,"
    "  is_id INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE profiles("
    "  pid INTEGER PRIMARY KEY,"
    "  customer_id TEXT NOT NULL UNIQUE,"
    "  content_hash BLOB NOT NULL,"
    "  changed_at INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE imports("
    "  import_id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL,"
    "  format TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  finished_at INTEGER NOT NULL,"
    "  inserted INTEGER NOT NULL, updated INTEGER NOT NULL, unchanged INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL, rejected INTEGER NOT NULL);"
    "CREATE TABLE schema_changes("
    "  change_id INTEGER PRIMARY KEY,"
    "  attr_id INTEGER NOT NULL,"
    "  from_type TEXT NOT NULL,"
    "  to_type TEXT NOT NULL,"
    "  at INTEGER NOT NULL);",

    /* 2: segments, their stored membership, and the history of refreshes with who joined and left */
    "CREATE TABLE segments("
    "  segment_id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  rule TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  broken TEXT,"
    "  refreshed_at INTEGER,"
    "  member_count INTEGER);"
    "CREATE TABLE segment_members("
    "  segment_id INTEGER NOT NULL REFERENCES segments(segment_id) ON DELETE CASCADE,"
    "  pid INTEGER NOT NULL,"
    "  joined_at INTEGER NOT NULL,"
    "  PRIMARY KEY(segment_id, pid)) WITHOUT ROWID;"
    "CREATE TABLE segment_refreshes("
    "  refresh_id INTEGER PRIMARY KEY,"
    "  segment_id INTEGER NOT NULL REFERENCES segments(segment_id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  members INTEGER NOT NULL,"
    "  joined INTEGER NOT NULL,"
    "  left_count INTEGER NOT NULL,"
    "  duration_ms INTEGER NOT NULL);"
    "CREATE INDEX segment_refreshes_by_segment ON segment_refreshes(segment_id, refresh_id);"
    "CREATE TABLE segment_changes("
    "  refresh_id INTEGER NOT NULL REFERENCES segment_refreshes(refresh_id) ON DELETE CASCADE,"
    "  pid INTEGER NOT NULL,"
    "  customer_id TEXT,"
    "  joined INTEGER NOT NULL);"
    "CREATE INDEX segment_changes_by_refresh ON segment_changes(refresh_id);",

    /* 3: users, Autopilot destinations (API key encrypted), consents, export configurations */
    "CREATE TABLE users("
    "  user_id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  role TEXT NOT NULL CHECK(role IN ('admin','contributor','viewer')),"
    "  password_hash TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE destinations("
    "  destination_id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL COLLATE NOCASE,"
    "  display_name TEXT NOT NULL,"
    "  api_url TEXT NOT NULL,"
    "  api_key_box BLOB,"
    "  key_hint TEXT NOT NULL DEFAULT '',"
    "  export_user TEXT NOT NULL,"
    "  rate_limit REAL NOT NULL,"
    "  max_profiles INTEGER NOT NULL,"
    "  account_name TEXT NOT NULL DEFAULT '',"
    "  account_email TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  removed_at INTEGER);"
    "CREATE UNIQUE INDEX destinations_live_name ON destinations(name) WHERE removed_at IS NULL;"
    "CREATE TABLE consents("
    "  consent_id INTEGER PRIMARY KEY,"
    "  destination_id INTEGER NOT NULL REFERENCES destinations(destination_id),"
    "  user_name TEXT NOT NULL,"
    "  os_user TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  statement TEXT NOT NULL);"
    "CREATE TABLE export_configs("
    "  destination_id INTEGER PRIMARY KEY REFERENCES destinations(destination_id) ON DELETE CASCADE,"
    "  email_attr TEXT NOT NULL,"
    "  first_name_attr TEXT,"
    "  last_name_attr TEXT,"
    "  on_leave TEXT NOT NULL CHECK(on_leave IN ('remove','keep')),"
    "  schedule INTEGER NOT NULL,"
    "  list_membership TEXT NOT NULL CHECK(list_membership IN ('bulk','per-contact')),"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE export_fields("
    "  destination_id INTEGER NOT NULL REFERENCES destinations(destination_id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  attr TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  custom INTEGER NOT NULL,"
    "  PRIMARY KEY(destination_id, position));"
    "CREATE TABLE export_segments("
    "  destination_id INTEGER NOT NULL REFERENCES destinations(destination_id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  segment_id INTEGER NOT NULL REFERENCES segments(segment_id),"
    "  PRIMARY KEY(destination_id, position));",

    /* 4: what Autopilot confirmed per destination (contacts, lists, memberships), runs, undelivered records */
    "CREATE TABLE export_lists("
    "  destination_id INTEGER NOT NULL,"
    "  segment_id INTEGER NOT NULL,"
    "  list_id TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY(destination_id, segment_id));"
    "CREATE TABLE export_contacts("
    "  destination_id INTEGER NOT NULL,"
    "  customer_id TEXT NOT NULL,"
    "  email TEXT NOT NULL,"
    "  contact_id TEXT NOT NULL DEFAULT '',"
    "  fields_hash BLOB NOT NULL,"
    "  confirmed_at INTEGER NOT NULL,"
    "  PRIMARY KEY(destination_id, customer_id)) WITHOUT ROWID;"
    "CREATE TABLE export_members("
    "  destination_id INTEGER NOT NULL,"
    "  customer_id TEXT NOT NULL,"
    "  segment_id INTEGER NOT NULL,"
    "  PRIMARY KEY(destination_id, customer_id, segment_id)) WITHOUT ROWID;"
    "CREATE TABLE export_runs("
    "  run_id INTEGER PRIMARY KEY,"
    "  destination_id INTEGER NOT NULL REFERENCES destinations(destination_id),"
    "  status TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  finished_at INTEGER,"
    "  run_by TEXT NOT NULL,"
    "  full INTEGER NOT NULL,"
    "  profiles INTEGER NOT NULL DEFAULT 0,"
    "  contacts_upserted INTEGER NOT NULL DEFAULT 0,"
    "  list_additions INTEGER NOT NULL DEFAULT 0,"
    "  list_removals INTEGER NOT NULL DEFAULT 0,"
    "  unchanged INTEGER NOT NULL DEFAULT 0,"
    "  invalid INTEGER NOT NULL DEFAULT 0,"
    "  rejected INTEGER NOT NULL DEFAULT 0,"
    "  api_calls INTEGER NOT NULL DEFAULT 0,"
    "  retries INTEGER NOT NULL DEFAULT 0,"
    "  throttled INTEGER NOT NULL DEFAULT 0,"
    "  message TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX export_runs_by_destination ON export_runs(destination_id, run_id);"
    "CREATE TABLE export_errors("
    "  run_id INTEGER NOT NULL REFERENCES export_runs(run_id) ON DELETE CASCADE,"
    "  customer_id TEXT NOT NULL,"
    "  email TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  reason TEXT NOT NULL);"
    "CREATE INDEX export_errors_by_run ON export_errors(run_id);",

    /* 5: sources of profiles, and the record of each refresh with its steps */
    "CREATE TABLE sources("
    "  source_id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  path TEXT NOT NULL,"
    "  format TEXT NOT NULL CHECK(format IN ('auto','csv','jsonl')),"
    "  replace INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE refreshes("
    "  refresh_id INTEGER PRIMARY KEY,"
    "  trigger TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  finished_at INTEGER);"
    "CREATE TABLE refresh_steps("
    "  refresh_id INTEGER NOT NULL REFERENCES refreshes(refresh_id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  message TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  finished_at INTEGER NOT NULL,"
    "  PRIMARY KEY(refresh_id, position));",

    /* 6: a destination may use plain http to another machine only when its admin said so */
    "ALTER TABLE destinations ADD COLUMN allow_insecure_http INTEGER NOT NULL DEFAULT 0;",

    /* 7: the guards (issue 11): how much a --replace source may delete, how much of a list one
     * export run may remove (percent) */
    "ALTER TABLE sources ADD COLUMN max_delete INTEGER NOT NULL DEFAULT 20;"
    "ALTER TABLE export_configs ADD COLUMN max_removal INTEGER NOT NULL DEFAULT 20;",

    /* 8: destinations of several types (Autopilot, Ortto): the type, request windows beside the
     * rate, the tag prefix of an Ortto export; what a segment is at the destination (kind 'list':
     * an Autopilot list id; 'tag': an Ortto tag name); the custom fields a destination created */
    "ALTER TABLE destinations ADD COLUMN type TEXT NOT NULL DEFAULT 'autopilot';"
    "ALTER TABLE destinations ADD COLUMN rate_windows TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE export_configs ADD COLUMN tag_prefix TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE export_lists ADD COLUMN kind TEXT NOT NULL DEFAULT 'list';"
    "CREATE TABLE export_custom_fields("
    "  destination_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL COLLATE NOCASE,"
    "  field_id TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY(destination_id, name)) WITHOUT ROWID;",

    /* 9: PostgreSQL sources (issue 14): a URI without a password, a table or a query, the mode */
    "CREATE TABLE pg_sources("
    "  source_id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  uri TEXT NOT NULL,"
    "  relation TEXT NOT NULL DEFAULT '',"
    "  query TEXT NOT NULL DEFAULT '',"
    "  id_column TEXT NOT NULL,"
    "  mode TEXT NOT NULL CHECK(mode IN ('copy','pushdown')),"
    "  changed_column TEXT NOT NULL DEFAULT '',"
    "  replace INTEGER NOT NULL,"
    "  max_delete INTEGER NOT NULL DEFAULT 20,"
    "  password_file TEXT NOT NULL DEFAULT '',"
    "  statement_timeout_ms INTEGER NOT NULL,"
    "  high_water TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL);",

    /* 10: segment membership as a field (issue 13): how an export carries membership (list, field,
     * both), and per destination which contacts' field "In <segment>" Autopilot confirmed true */
    "ALTER TABLE export_configs ADD COLUMN membership TEXT NOT NULL DEFAULT 'list';"
    "CREATE TABLE export_field_members("
    "  destination_id INTEGER NOT NULL,"
    "  customer_id TEXT NOT NULL,"
    "  segment_id INTEGER NOT NULL,"
    "  PRIMARY KEY(destination_id, customer_id, segment_id)) WITHOUT ROWID;",

    /* 11: the console's sessions (issue 15): only a hash of each token is kept. IF NOT EXISTS:
     * consoles built before this migration created the table when they started. */
    "CREATE TABLE IF NOT EXISTS console_sessions(token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, "
    "csrf TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);",

    /* 12: a run's membership fields (issue 13): "In <segment>" set true (a join) or false (a leave,
     * or a clearing after a switch to list mode) in field and both modes, apart from list joins and
     * leaves */
    "ALTER TABLE export_runs ADD COLUMN field_sets INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE export_runs ADD COLUMN field_clears INTEGER NOT NULL DEFAULT 0;",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_version_latest(void) { return N_MIGRATIONS; }

sqlite3 *store__db(store *s) { return s->db; }
const char *store_path(const store *s) { return s->path; }
bool store_was_created(const store *s) { return s->created; }

seg_code store__sqlite_err(store *s, seg_err *err, const char *doing) {
  int code = sqlite3_errcode(s->db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    return seg_err_set(err, SEG_EBUSY, "the store %s is locked by another segship process (%s); try again when it finishes",
                       s->path, doing);
  if (code == SQLITE_FULL)
    return seg_err_set(err, SEG_EIO, "the disk holding %s is full (%s); free some space and try again", s->path, doing);
  if (code == SQLITE_NOTADB)
    return seg_err_set(err, SEG_ESTORE, "%s is not a segship store (not an SQLite database); give another --db path",
                       s->path);
  if (code == SQLITE_READONLY)
    return seg_err_set(err, SEG_EIO, "the store %s is read-only (%s); check its permissions", s->path, doing);
  return seg_err_set(err, SEG_ESTORE, "store error while %s: %s", doing, sqlite3_errmsg(s->db));
}

static int exec(store *s, const char *sql) { return sqlite3_exec(s->db, sql, NULL, NULL, NULL); }

static int pragma_int(store *s, const char *sql, int *out) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *out = sqlite3_column_int(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

int store_schema_version(store *s) {
  int v = 0;
  pragma_int(s, "PRAGMA user_version", &v);
  return v;
}

/* Registers the SQL functions the store's statements use. */
static int register_functions(store *s) { return store__register_functions(s->db); }

static seg_code migrate(store *s, int from, seg_err *err) {
  for (int v = from; v < N_MIGRATIONS; v++) {
    if (exec(s, "BEGIN IMMEDIATE") != SQLITE_OK) return store__sqlite_err(s, err, "starting a migration");
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
    if (exec(s, migrations[v]) != SQLITE_OK || exec(s, sql) != SQLITE_OK) {
      seg_code rc = store__sqlite_err(s, err, "migrating the store");
      exec(s, "ROLLBACK");
      return rc;
    }
    if (v == 0) {
      snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_APPLICATION_ID);
      if (exec(s, sql) != SQLITE_OK) {
        seg_code rc = store__sqlite_err(s, err, "initialising the store");
        exec(s, "ROLLBACK");
        return rc;
      }
    }
    if (exec(s, "COMMIT") != SQLITE_OK) {
      seg_code rc = store__sqlite_err(s, err, "migrating the store");
      exec(s, "ROLLBACK");
      return rc;
    }
  }
  return SEG_OK;
}

static int table_count(store *s, int *n) {
  return pragma_int(s, "SELECT count(*) FROM sqlite_master", n);
}

/* Refuses a store file (or its -wal/-shm beside it) that is a symbolic link or that other users
 * may read or write: it holds the profiles and the encrypted keys. */
static seg_code check_private(const char *path, const char *what, seg_err *err) {
  static const char *const suffix[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char p[4200];
    snprintf(p, sizeof p, "%s%s", path, suffix[i]);
    struct stat st;
    if (lstat(p, &st) != 0) continue;
    if (S_ISLNK(st.st_mode))
      return seg_err_set(err, SEG_EINVAL, "the %s file %s is a symbolic link, which segship does not follow; remove it",
                         what, p);
    if (st.st_mode & 077)
      return seg_err_set(err, SEG_EINVAL,
                         "the %s file %s can be read or written by other users (mode %03o); run: chmod 600 %s", what, p,
                         (unsigned)(st.st_mode & 0777), p);
  }
  return SEG_OK;
}

seg_code store_open(const char *path, store_open_mode mode, store **out, seg_err *err) {
  *out = NULL;
  struct stat st;
  bool in_memory = strcmp(path, ":memory:") == 0; /* SQLite's own name for a store in memory (the fuzzers') */
  bool exists = !in_memory && lstat(path, &st) == 0;
  if (!exists && !in_memory && mode == STORE_OPEN_EXISTING)
    return seg_err_set(err, SEG_ENOTFOUND, "there is no store at %s; create one with 'segship init' (or give --db)", path);
  if (exists && S_ISLNK(st.st_mode))
    return seg_err_set(err, SEG_EINVAL, "the store %s is a symbolic link, which segship does not follow; give the real path with --db",
                       path);
  if (exists && S_ISDIR(st.st_mode))
    return seg_err_set(err, SEG_EINVAL, "%s is a directory, not a store file; give a file path with --db", path);
  seg_code prc = exists ? check_private(path, "store", err) : SEG_OK;
  if (prc != SEG_OK) return prc;
  if (!exists && !in_memory) {
    /* Created here, 0600 whatever the umask: SQLite gives its -wal and -shm files the same mode. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
      return seg_err_set(err, SEG_EIO, "cannot create the store %s: %s", path, strerror(errno));
    close(fd);
  }

  store *s = calloc(1, sizeof *s);
  if (!s) return seg_err_set(err, SEG_ENOMEM, "out of memory opening the store");
  s->path = strdup(path);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW |
              (mode == STORE_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
    seg_err_set(err, SEG_EIO, "cannot open the store %s: %s", path, s->db ? sqlite3_errmsg(s->db) : strerror(errno));
    store_close(s);
    return err ? err->code : SEG_EIO;
  }
  sqlite3_busy_timeout(s->db, 5000);
  sqlite3_extended_result_codes(s->db, 0);

  int app_id = 0, version = 0, tables = 0;
  if (pragma_int(s, "PRAGMA application_id", &app_id) != SQLITE_OK ||
      pragma_int(s, "PRAGMA user_version", &version) != SQLITE_OK || table_count(s, &tables) != SQLITE_OK) {
    seg_code rc = store__sqlite_err(s, err, "reading the store");
    store_close(s);
    return rc;
  }
  if (app_id != STORE_APPLICATION_ID && !(app_id == 0 && version == 0 && tables == 0)) {
    seg_err_set(err, SEG_ESTORE, "%s is an SQLite database but not a segship store; give another --db path", path);
    store_close(s);
    return SEG_ESTORE;
  }
  if (version > N_MIGRATIONS) {
    seg_err_set(err, SEG_EVERSION,
                "%s was written by a newer segship (store version %d; this one knows up to %d); upgrade segship",
                path, version, N_MIGRATIONS);
    store_close(s);
    return SEG_EVERSION;
  }
  if (app_id == 0 && mode == STORE_OPEN_EXISTING) {
    seg_err_set(err, SEG_ENOTFOUND, "%s is empty, not a segship store; create one with 'segship init'", path);
    store_close(s);
    return SEG_ENOTFOUND;
  }
  s->created = (app_id == 0);
  if (exec(s, "PRAGMA journal_mode=WAL") != SQLITE_OK || exec(s, "PRAGMA synchronous=NORMAL") != SQLITE_OK ||
      exec(s, "PRAGMA foreign_keys=ON") != SQLITE_OK ||
      exec(s, "PRAGMA secure_delete=ON") != SQLITE_OK || /* a removed API key's bytes do not linger */ exec(s, "PRAGMA cache_size=-8192") != SQLITE_OK ||
      register_functions(s) != SQLITE_OK) {
    seg_code rc = store__sqlite_err(s, err, "configuring the store");
    store_close(s);
    return rc;
  }
  if (version < N_MIGRATIONS) {
    seg_code rc = migrate(s, version, err);
    if (rc != SEG_OK) {
      store_close(s);
      return rc;
    }
  }
  *out = s;
  return SEG_OK;
}

void store_close(store *s) {
  if (!s) return;
  if (s->db) sqlite3_close_v2(s->db);
  free(s->path);
  free(s);
}

seg_code store_tx_begin(store *s, seg_err *err) {
  char sql[48];
  if (s->tx_depth == 0) snprintf(sql, sizeof sql, "BEGIN IMMEDIATE");
  else snprintf(sql, sizeof sql, "SAVEPOINT tx%d", s->tx_depth);
  if (exec(s, sql) != SQLITE_OK) return store__sqlite_err(s, err, "starting a transaction");
  s->tx_depth++;
  return SEG_OK;
}

seg_code store_tx_commit(store *s, seg_err *err) {
  if (s->tx_depth <= 0) return seg_err_set(err, SEG_EINTERNAL, "commit without a transaction");
  char sql[48];
  s->tx_depth--;
  if (s->tx_depth == 0) snprintf(sql, sizeof sql, "COMMIT");
  else snprintf(sql, sizeof sql, "RELEASE tx%d", s->tx_depth);
  if (exec(s, sql) != SQLITE_OK) {
    seg_code rc = store__sqlite_err(s, err, "committing");
    s->tx_depth++;
    store_tx_rollback(s);
    return rc;
  }
  return SEG_OK;
}

void store_tx_rollback(store *s) {
  if (s->tx_depth <= 0) {
    if (!sqlite3_get_autocommit(s->db)) exec(s, "ROLLBACK");
    return;
  }
  s->tx_depth--;
  if (s->tx_depth == 0) {
    exec(s, "ROLLBACK");
  } else {
    char sql[64];
    snprintf(sql, sizeof sql, "ROLLBACK TO tx%d; RELEASE tx%d", s->tx_depth, s->tx_depth);
    exec(s, sql);
  }
}

seg_code store_meta_get(store *s, const char *key, char *out, size_t cap, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "reading a setting");
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  seg_code rc = SEG_ENOTFOUND;
  int step = sqlite3_step(st);
  if (step == SQLITE_ROW) {
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    rc = SEG_OK;
  } else if (step != SQLITE_DONE) {
    rc = store__sqlite_err(s, err, "reading a setting");
  }
  sqlite3_finalize(st);
  return rc;
}

seg_code store_meta_set(store *s, const char *key, const char *value, seg_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         -1, &st, NULL) != SQLITE_OK)
    return store__sqlite_err(s, err, "saving a setting");
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
  int step = sqlite3_step(st);
  sqlite3_finalize(st);
  if (step != SQLITE_DONE) return store__sqlite_err(s, err, "saving a setting");
  return SEG_OK;
}

seg_code store__prep(store *s, const char *sql, sqlite3_stmt **st, seg_err *err, const char *doing) {
  if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) return store__sqlite_err(s, err, doing);
  return SEG_OK;
}

seg_code store__step_done(store *s, sqlite3_stmt *st, seg_err *err, const char *doing) {
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SEG_OK : store__sqlite_err(s, err, doing);
}

void store__copy_text(sqlite3_stmt *st, int col, char *out, size_t cap) {
  const char *t = (const char *)sqlite3_column_text(st, col);
  text_copy(out, cap, t ? t : ""); /* a cut falls between characters */
}
