/* destination.c: users, destinations, connect, consent, keys and export configuration. */
#include "destination/destination.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "export/driver.h"
#include "http/client.h"
#include "store/exports.h"
#include "store/segments.h"
#include "util/log.h"
#include "util/text.h"
#include "util/url.h"

#define KEY_MAX 1024
#define CHECK_TEXT "segship master key check"

/* ---- names ---- */

static seg_code check_name(const char *what, const char *name, size_t max, seg_err *err) {
  size_t n = strlen(name);
  if (n == 0) return seg_err_set(err, SEG_EINVAL, "a %s needs a name", what);
  if (n > max) return seg_err_set(err, SEG_EINVAL, "a %s name is at most %zu bytes", what, max);
  if (!text_utf8_valid(name, n, NULL)) return seg_err_set(err, SEG_EINVAL, "the %s name is not valid UTF-8", what);
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == ',')
      return seg_err_set(err, SEG_EINVAL, "a %s name cannot hold commas or control characters", what);
  if (name[0] == ' ' || name[n - 1] == ' ')
    return seg_err_set(err, SEG_EINVAL, "a %s name cannot start or end with a space", what);
  return SEG_OK;
}

/* ---- users ---- */

bool dest_role_valid(const char *role) {
  return role && (strcmp(role, "admin") == 0 || strcmp(role, "contributor") == 0 || strcmp(role, "viewer") == 0);
}

static seg_code hash_password(const char *password, char out[crypto_pwhash_STRBYTES], seg_err *err) {
  size_t n = strlen(password);
  if (n < 8) return seg_err_set(err, SEG_EINVAL, "a password needs at least 8 characters");
  if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return seg_err_set(err, SEG_ENOMEM, "not enough memory to hash the password");
  return SEG_OK;
}

seg_code dest_user_add(store *s, const char *name, const char *role, const char *password, seg_err *err) {
  seg_code rc = check_name("user", name, STORE_USER_NAME_MAX, err);
  if (rc != SEG_OK) return rc;
  if (!dest_role_valid(role)) return seg_err_set(err, SEG_EINVAL, "the role is admin, contributor or viewer");
  char hash[crypto_pwhash_STRBYTES];
  if (password && (rc = hash_password(password, hash, err)) != SEG_OK) return rc;
  return store_user_add(s, name, role, password ? hash : NULL, err);
}

seg_code dest_user_update(store *s, const char *name, const char *role, const char *password, seg_err *err) {
  if (role && !dest_role_valid(role)) return seg_err_set(err, SEG_EINVAL, "the role is admin, contributor or viewer");
  char hash[crypto_pwhash_STRBYTES];
  seg_code rc;
  if (password && (rc = hash_password(password, hash, err)) != SEG_OK) return rc;
  return store_user_update(s, name, role, password ? hash : NULL, err);
}

seg_code dest_user_remove(store *s, const char *name, char *warning, size_t cap, seg_err *err) {
  warning[0] = '\0';
  store_user u;
  seg_code rc = store_user_get(s, name, &u, err);
  if (rc != SEG_OK) return rc;
  store_destination *all;
  size_t n;
  if ((rc = store_destinations_list(s, false, &all, &n, err)) != SEG_OK) return rc;
  size_t used = 0;
  for (size_t i = 0; i < n; i++) {
    if (!text_ieq(all[i].export_user, u.name)) continue;
    size_t len = strlen(warning);
    snprintf(warning + len, cap - len, "%s'%s'", used++ ? ", " : "", all[i].name);
  }
  store_destinations_free(all, n);
  if (used) {
    char list[512];
    snprintf(list, sizeof list, "%s", warning);
    snprintf(warning, cap,
             "%s was the export user of %s; their exports will not run until another admin is set with "
             "'segship destination add' (or re-add the user)",
             u.name, list);
  }
  return store_user_remove(s, u.name, err);
}

seg_code dest_user_check_password(store *s, const char *name, const char *password, seg_err *err) {
  char hash[crypto_pwhash_STRBYTES + 1];
  if (store_user_password_hash(s, name, hash, sizeof hash, NULL) != SEG_OK ||
      crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
    return seg_err_set(err, SEG_EAUTH, "wrong user name or password");
  return SEG_OK;
}

/* Reads the first line of a file (or standard input) into locked memory with read(2): no stdio
 * buffer ever holds it, and the buffer is wiped when freed. A symbolic link is not followed. */
static seg_code read_first_line(const char *file, const char *what, char **out, seg_err *err) {
  *out = NULL;
  bool from_stdin = strcmp(file, "-") == 0;
  int fd = from_stdin ? STDIN_FILENO : open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP)
    return seg_err_set(err, SEG_EINVAL, "the %s file %s is a symbolic link, which segship does not follow; give the real path",
                       what, file);
  if (fd < 0) return seg_err_set(err, SEG_EIO, "cannot read the %s file %s: %s", what, file, strerror(errno));
  char *line = sodium_malloc(KEY_MAX + 2);
  if (!line) {
    if (!from_stdin) close(fd);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  size_t n = 0;
  bool too_long = false, eol = false;
  int read_errno = 0;
  /* One byte at a time: nothing past the first line is read (standard input may hold more). */
  while (!eol) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) read_errno = errno;
    if (r <= 0) break;
    if (c == '\n') eol = true;
    else if (n == KEY_MAX) too_long = true;
    else line[n++] = c;
    if (too_long) break;
  }
  if (!from_stdin) close(fd);
  while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
  line[n] = '\0';
  if (read_errno) {
    sodium_free(line);
    return seg_err_set(err, SEG_EIO, "cannot read the %s file %s: %s", what, from_stdin ? "(standard input)" : file,
                       strerror(read_errno));
  }
  if (too_long) {
    sodium_free(line);
    return seg_err_set(err, SEG_EINVAL, "the %s in %s is over %d characters; is it the right file?", what,
                       from_stdin ? "standard input" : file, KEY_MAX);
  }
  if (n == 0) {
    sodium_free(line);
    return seg_err_set(err, SEG_EINVAL, "the %s file %s is empty; put the %s on its first line", what,
                       from_stdin ? "(standard input)" : file, what);
  }
  *out = line;
  return SEG_OK;
}

seg_code dest_read_password(const char *file, char **password, seg_err *err) {
  return read_first_line(file, "password", password, err);
}

/* ---- secrets ---- */

seg_code dest_master_key(store *s, const char *db_path, secret_key **out, seg_err *err) {
  *out = NULL;
  char path[1024], check_hex[512];
  secret_key_path(db_path, path, sizeof path);
  seg_code has_check = store_meta_get(s, "master_key_check", check_hex, sizeof check_hex, NULL);
  if (has_check != SEG_OK) {
    /* No secret was ever stored: make the key now (or adopt a key file given by the user). */
    if (access(path, F_OK) != 0) {
      seg_code rc = secret_key_create(path, err);
      if (rc != SEG_OK) return rc;
    }
    secret_key *k;
    seg_code rc = secret_key_load(path, &k, err);
    if (rc != SEG_OK) return rc;
    unsigned char *box;
    size_t len;
    if ((rc = secret_encrypt(k, CHECK_TEXT, strlen(CHECK_TEXT), &box, &len, err)) != SEG_OK) {
      secret_key_free(k);
      return rc;
    }
    char hex[512];
    sodium_bin2hex(hex, sizeof hex, box, len);
    free(box);
    if ((rc = store_meta_set(s, "master_key_check", hex, err)) != SEG_OK) {
      secret_key_free(k);
      return rc;
    }
    *out = k;
    return SEG_OK;
  }
  secret_key *k;
  seg_code rc = secret_key_load(path, &k, err);
  if (rc != SEG_OK) return rc;
  unsigned char box[256];
  size_t len = 0;
  char *plain = NULL;
  if (sodium_hex2bin(box, sizeof box, check_hex, strlen(check_hex), NULL, &len, NULL) != 0 ||
      secret_decrypt(k, box, len, &plain, NULL) != SEG_OK || strcmp(plain, CHECK_TEXT) != 0) {
    secret_plain_free(plain);
    secret_key_free(k);
    return seg_err_set(err, SEG_ESECRET,
                       "%s is not the master key of this store (a store copied without its key file?); use the key "
                       "file made with this store",
                       path);
  }
  secret_plain_free(plain);
  *out = k;
  return SEG_OK;
}

seg_code dest_read_key(const char *file, const char *env, char **key, seg_err *err) {
  *key = NULL;
  if (file && env) return seg_err_set(err, SEG_EUSAGE, "give the key with --api-key-file or --api-key-env, not both");
  if (!file && !env)
    return seg_err_set(err, SEG_EUSAGE,
                       "give the API key with --api-key-file FILE (- for standard input) or --api-key-env VAR; "
                       "never on the command line");
  seg_code rc;
  if (file) {
    rc = read_first_line(file, "API key", key, err);
  } else {
    const char *v = getenv(env);
    if (!v || !*v) return seg_err_set(err, SEG_EINVAL, "the environment variable %s is not set or empty", env);
    size_t n = strlen(v);
    while (n && (v[n - 1] == '\n' || v[n - 1] == '\r' || v[n - 1] == ' ')) n--;
    if (n == 0 || n > KEY_MAX) return seg_err_set(err, SEG_EINVAL, "the environment variable %s does not hold a key", env);
    *key = sodium_malloc(n + 1);
    if (!*key) return seg_err_set(err, SEG_ENOMEM, "out of memory");
    memcpy(*key, v, n);
    (*key)[n] = '\0';
    /* The copy is in locked memory now: wipe the environment's, so no child process inherits it. */
    sodium_memzero((char *)v, strlen(v));
    unsetenv(env);
    rc = SEG_OK;
  }
  if (rc != SEG_OK) return rc;
  for (const unsigned char *p = (const unsigned char *)*key; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f) {
      secret_plain_free(*key);
      *key = NULL;
      return seg_err_set(err, SEG_EINVAL, "the API key holds spaces or characters an API key never has; check the %s",
                         file ? "file" : "variable");
    }
  return SEG_OK;
}

seg_code dest_key(store *s, const char *db_path, const store_destination *d, char **key, seg_err *err) {
  *key = NULL;
  if (!d->key_box) return seg_err_set(err, SEG_ESECRET, "destination '%s' has no API key (it was removed)", d->name);
  secret_key *k;
  seg_code rc = dest_master_key(s, db_path, &k, err);
  if (rc != SEG_OK) return rc;
  rc = secret_decrypt(k, d->key_box, d->key_box_len, key, err);
  secret_key_free(k);
  if (rc != SEG_OK) seg_err_prefix(err, "destination '%s'", d->name);
  return rc;
}

/* ---- connect ---- */

seg_code dest_connect(const char *type, const char *api_url, const char *key, long timeout_ms, char *account_name,
                      size_t name_cap, char *account_email, size_t email_cap, seg_err *err) {
  const export_driver *drv = export_driver_find(type);
  if (!drv) return seg_err_set(err, SEG_EINVAL, "--type '%s' is not a destination type; use %s", type, export_driver_types());
  /* the store keeps the URL whole or not at all: a cut URL would send the key elsewhere */
  size_t max_url = sizeof ((store_destination *)0)->api_url - 1;
  if (strlen(api_url) > max_url)
    return seg_err_set(err, SEG_EINVAL, "the API URL is %zu bytes long, more than the %zu segship keeps; give a shorter one",
                       strlen(api_url), max_url);
  if (strncmp(api_url, "https://", 8) != 0 && strncmp(api_url, "http://", 7) != 0)
    return seg_err_set(err, SEG_EINVAL, "the API URL must start with https:// (or http:// for a local simulator)");
  http_config cfg = {.base_url = api_url, .key_header = drv->key_header, .api_key = key, .rate = 0, .in_flight = 1,
                     .max_retries = 1, .timeout_ms = timeout_ms > 0 ? timeout_ms : 15000,
                     .connect_timeout_ms = timeout_ms > 0 ? timeout_ms : 15000, .backoff_ms = 300, .max_throttled = 3,
                     .throttle_wait_ms = drv->throttle_wait_ms};
  http_client *c;
  seg_code rc = http_client_new(&cfg, &c, err);
  if (rc != SEG_OK) return rc;
  account_name[0] = account_email[0] = '\0';
  rc = drv->connect(c, api_url, account_name, name_cap, account_email, email_cap, err);
  if (rc != SEG_OK && err) log_redact(err->msg, sizeof err->msg); /* while the client still knows the key */
  http_client_free(c);
  return rc;
}

const char *dest_privacy_statement(const char *type) {
  if (type && strcasecmp(type, "ortto") == 0)
    return "Data privacy and compliance: exporting to Ortto sends, for every profile in the segments you select, "
           "the fields you map (the email, the profile id as Ortto's external id, and the first name, last name and "
           "any other mapped attributes) to Ortto, a service outside this system's control, where they are kept under "
           "Ortto's terms. Removing the destination stops the exports but does not delete what Ortto already holds.";
  return "Data privacy and compliance: exporting to Autopilot sends, for every profile in the segments you select, "
         "the fields you map (the email, and the first name, last name and any other mapped attributes) to "
         "Autopilot, a service outside this system's control, where they are kept under Autopilot's terms. Removing "
         "the destination stops the exports but does not delete what Autopilot already holds.";
}

static const char *os_user(void) {
  const char *u = getenv("USER");
  if (u && *u) return u;
  struct passwd *pw = getpwuid(getuid());
  return pw ? pw->pw_name : "";
}

seg_code dest_add(store *s, const char *db_path, const dest_add_options *o, store_destination *out, seg_err *err) {
  memset(out, 0, sizeof *out);
  seg_code rc = check_name("destination", o->name, 128, err);
  if (rc != SEG_OK) return rc;
  if (!o->accept_privacy)
    return seg_err_set(err, SEG_EINVAL, "agree to the data privacy terms above with --accept-privacy; nothing was saved");
  if (!o->export_user)
    return seg_err_set(err, SEG_EUSAGE, "name the export user with --export-user USER (an admin; exports run as them)");
  store_user u;
  if ((rc = store_user_get(s, o->export_user, &u, err)) != SEG_OK) return rc;
  if (strcmp(u.role, "admin") != 0)
    return seg_err_set(err, SEG_EINVAL, "the export user must be an admin; '%s' is a %s", u.name, u.role);
  store_destination existing;
  if (store_destination_get(s, o->name, &existing, NULL) == SEG_OK) {
    store_destination_free(&existing);
    return seg_err_set(err, SEG_EEXIST, "a destination named '%s' already exists; choose another name", o->name);
  }
  const export_driver *drv = export_driver_find(o->type);
  if (!drv)
    return seg_err_set(err, SEG_EINVAL, "--type '%s' is not a destination type; use %s", o->type, export_driver_types());
  const char *url = o->api_url;
  if (!url) {
    url = drv->region_url(o->region);
    if (!url && !drv->regions)
      return seg_err_set(err, SEG_EUSAGE, "--region applies to Ortto destinations only; leave it out for %s", drv->product);
    if (!url)
      return seg_err_set(err, SEG_EINVAL, "--region '%s' is not an %s region; use %s", o->region, drv->product, drv->regions);
  } else if (o->region && !drv->regions) {
    return seg_err_set(err, SEG_EUSAGE, "--region applies to Ortto destinations only; leave it out for %s", drv->product);
  }
  double rate = o->rate_limit < 0 ? drv->default_rate : o->rate_limit;
  const char *windows = o->rate_limit < 0 ? drv->default_windows : (o->rate_windows ? o->rate_windows : "");
  int64_t max = o->max_profiles < 0 ? DEST_DEFAULT_MAX_PROFILES : o->max_profiles;
  if (rate > 1000) return seg_err_set(err, SEG_EINVAL, "--rate-limit is at most 1000 requests per second");
  if (max == 0) return seg_err_set(err, SEG_EINVAL, "--max-profiles must be at least 1");

  bool insecure = false;
  if ((rc = url_check_transport(url, "the API URL", "--allow-insecure-http", o->allow_insecure_http, &insecure, err)) !=
      SEG_OK)
    return rc;
  char *key;
  if (o->key) {
    if (!(key = sodium_malloc(strlen(o->key) + 1))) return seg_err_set(err, SEG_ENOMEM, "out of memory");
    memcpy(key, o->key, strlen(o->key) + 1);
  } else if ((rc = dest_read_key(o->key_file, o->key_env, &key, err)) != SEG_OK) {
    return rc;
  }
  rc = dest_connect(drv->type, url, key, o->connect_timeout_ms, out->account_name, sizeof out->account_name,
                    out->account_email, sizeof out->account_email, err);
  secret_key *mk = NULL;
  if (rc == SEG_OK) rc = store_tx_begin(s, err);
  if (rc == SEG_OK) {
    rc = dest_master_key(s, db_path, &mk, err);
    if (rc == SEG_OK) rc = secret_encrypt(mk, key, strlen(key), &out->key_box, &out->key_box_len, err);
    if (rc == SEG_OK) {
      size_t kl = strlen(key);
      snprintf(out->key_hint, sizeof out->key_hint, "%s", kl > 4 ? key + kl - 4 : "");
      snprintf(out->name, sizeof out->name, "%s", o->name);
      snprintf(out->display_name, sizeof out->display_name, "%s", o->display_name ? o->display_name : o->name);
      snprintf(out->api_url, sizeof out->api_url, "%s", url);
      snprintf(out->export_user, sizeof out->export_user, "%s", u.name);
      out->rate_limit = rate;
      snprintf(out->rate_windows, sizeof out->rate_windows, "%s", windows);
      snprintf(out->type, sizeof out->type, "%s", drv->type);
      out->max_profiles = max;
      out->allow_insecure_http = insecure;
      rc = store_destination_add(s, out, dest_privacy_statement(drv->type), os_user(), err);
    }
    if (rc == SEG_OK) rc = store_tx_commit(s, err);
    else store_tx_rollback(s);
  }
  secret_key_free(mk);
  secret_plain_free(key);
  if (rc == SEG_OK) {
    snprintf(out->consent_user, sizeof out->consent_user, "%s", u.name);
  } else {
    store_destination_free(out);
  }
  return rc;
}

seg_code dest_update(store *s, const char *db_path, const dest_update_options *o, seg_err *err) {
  store_destination d;
  seg_code rc = store_destination_get(s, o->name, &d, err);
  if (rc != SEG_OK) return rc;
  if (o->export_user) {
    store_user u;
    if ((rc = store_user_get(s, o->export_user, &u, err)) == SEG_OK && strcmp(u.role, "admin") != 0)
      rc = seg_err_set(err, SEG_EINVAL, "the export user must be an admin; '%s' is a %s", u.name, u.role);
  }
  if (rc == SEG_OK && o->rate_limit > 1000) rc = seg_err_set(err, SEG_EINVAL, "--rate-limit is at most 1000 requests per second");
  if (rc == SEG_OK && o->max_profiles == 0) rc = seg_err_set(err, SEG_EINVAL, "--max-profiles must be at least 1");
  bool insecure = false;
  char *key = NULL;
  unsigned char *box = NULL;
  size_t box_len = 0;
  char name[257] = "", email[257] = "", hint[8] = "";
  if (rc == SEG_OK && o->allow_insecure_http && !o->api_url)
    rc = seg_err_set(err, SEG_EUSAGE, "--allow-insecure-http goes with the --api-url it accepts");
  if (rc == SEG_OK && !o->api_url && (o->key_file || o->key_env))
    rc = seg_err_set(err, SEG_EUSAGE, "a new key goes with 'segship destination rotate-key'; --api-key-file and "
                                      "--api-key-env here go with a new --api-url");
  if (rc == SEG_OK && o->api_url) {
    rc = url_check_transport(o->api_url, "the API URL", "--allow-insecure-http", o->allow_insecure_http, &insecure, err);
    char was[300] = "", now[300] = "";
    bool same_host = url_host_port(d.api_url, was, sizeof was) && url_host_port(o->api_url, now, sizeof now) &&
                     strcmp(was, now) == 0;
    if (rc == SEG_OK && !same_host && !o->key_file && !o->key_env)
      rc = seg_err_set(err, SEG_EUSAGE,
                       "the new API URL is on another host (%s, not %s), which must not receive the stored key; give "
                       "the key for it again with --api-key-file FILE or --api-key-env VAR",
                       now[0] ? now : o->api_url, was[0] ? was : d.api_url);
    bool new_key = o->key_file || o->key_env;
    if (rc == SEG_OK) rc = new_key ? dest_read_key(o->key_file, o->key_env, &key, err) : dest_key(s, db_path, &d, &key, err);
    if (rc == SEG_OK)
      rc = dest_connect(d.type, o->api_url, key, o->connect_timeout_ms, name, sizeof name, email, sizeof email, err);
    if (rc == SEG_OK && new_key) {
      secret_key *mk = NULL;
      rc = dest_master_key(s, db_path, &mk, err);
      if (rc == SEG_OK) rc = secret_encrypt(mk, key, strlen(key), &box, &box_len, err);
      size_t kl = strlen(key);
      snprintf(hint, sizeof hint, "%s", kl > 4 ? key + kl - 4 : "");
      secret_key_free(mk);
    }
    secret_plain_free(key);
  }
  if (rc == SEG_OK) rc = store_tx_begin(s, err);
  if (rc == SEG_OK) {
    rc = store_destination_update(s, d.id, o->display_name, o->api_url, o->export_user, o->rate_limit, o->max_profiles,
                                  err);
    if (rc == SEG_OK && o->api_url) rc = store_destination_set_insecure_http(s, d.id, insecure, err);
    if (rc == SEG_OK && o->rate_limit >= 0)
      rc = store_destination_set_windows(s, d.id, o->rate_windows ? o->rate_windows : "", err);
    if (rc == SEG_OK && box) rc = store_destination_set_key(s, d.id, box, box_len, hint, name, email, err);
    if (rc == SEG_OK) rc = store_tx_commit(s, err);
    else store_tx_rollback(s);
  }
  free(box);
  store_destination_free(&d);
  return rc;
}

seg_code dest_check_transport(const store_destination *d, seg_err *err) {
  bool insecure = false;
  if (url_check_transport(d->api_url, "the API URL", NULL, d->allow_insecure_http, &insecure, NULL) != SEG_OK)
    return seg_err_set(err, SEG_EINVAL,
                       "destination '%s' has the API URL %s, not https:// to another machine, so nothing was sent; set "
                       "an https:// URL with 'segship destination update %s --api-url URL'",
                       d->name, d->api_url, d->name);
  if (insecure)
    log_event(LOG_WARN, "destination.insecure_http",
              "destination '%s' sends its API key over plain http to %s (accepted with --allow-insecure-http); "
              "anyone on the network path can read it",
              d->name, d->api_url);
  return SEG_OK;
}

seg_code dest_remove(store *s, const char *name, seg_err *err) {
  store_destination d;
  seg_code rc = store_destination_get(s, name, &d, err);
  if (rc != SEG_OK) return rc;
  rc = store_destination_remove(s, d.id, err);
  store_destination_free(&d);
  return rc;
}

seg_code dest_rotate_key(store *s, const char *db_path, const char *name, const char *key_file, const char *key_env,
                         long connect_timeout_ms, seg_err *err) {
  store_destination d;
  seg_code rc = store_destination_get(s, name, &d, err);
  if (rc != SEG_OK) return rc;
  char *key = NULL;
  char account_name[257], account_email[257];
  rc = dest_read_key(key_file, key_env, &key, err);
  if (rc == SEG_OK)
    rc = dest_connect(d.type, d.api_url, key, connect_timeout_ms, account_name, sizeof account_name, account_email,
                      sizeof account_email, err);
  secret_key *mk = NULL;
  unsigned char *box = NULL;
  size_t len = 0;
  if (rc == SEG_OK) rc = dest_master_key(s, db_path, &mk, err);
  if (rc == SEG_OK) rc = secret_encrypt(mk, key, strlen(key), &box, &len, err);
  if (rc == SEG_OK) {
    char hint[8];
    size_t kl = strlen(key);
    snprintf(hint, sizeof hint, "%s", kl > 4 ? key + kl - 4 : "");
    rc = store_destination_set_key(s, d.id, box, len, hint, account_name, account_email, err);
  }
  free(box);
  secret_key_free(mk);
  secret_plain_free(key);
  store_destination_free(&d);
  return rc;
}

/* ---- configuration ---- */

static const char *const standard_fields[] = {
    "Salutation", "Company", "NumberOfEmployees", "Title", "Industry", "Phone", "MobilePhone", "Fax", "Website",
    "MailingStreet", "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry", "LeadSource", "Status",
    "LinkedIn", "Twitter", NULL};

const char *dest_standard_field(const char *name) {
  for (int i = 0; standard_fields[i]; i++)
    if (text_ieq(standard_fields[i], name)) return standard_fields[i];
  return NULL;
}

const char *dest_custom_type(attr_type t) {
  switch (t) {
    case ATTR_INTEGER: return "integer";
    case ATTR_REAL: return "float";
    case ATTR_BOOLEAN: return "boolean";
    case ATTR_DATE:
    case ATTR_DATETIME: return "date";
    default: return "string";
  }
}

static seg_code check_attr(const store_schema *sc, const char *flag, const char *name, bool must_be_text, char *canon,
                           seg_err *err) {
  int i = store_schema_find(sc, name);
  if (i < 0) {
    char hint[160] = "; 'segship schema' lists them";
    int best = 4;
    for (size_t k = 0; k < sc->n; k++) {
      int d = text_edit_distance(name, sc->attrs[k].name);
      if (d < best) {
        best = d;
        snprintf(hint, sizeof hint, "; did you mean '%s'?", sc->attrs[k].name);
      }
    }
    return seg_err_set(err, SEG_EINVAL, "%s: there is no attribute '%s'%s", flag, name, hint);
  }
  if (must_be_text && sc->attrs[i].type != ATTR_TEXT && sc->attrs[i].type != ATTR_NONE)
    return seg_err_set(err, SEG_EINVAL, "%s: '%s' is %s, not text; choose the attribute that holds the email", flag,
                       sc->attrs[i].name, attr_type_name(sc->attrs[i].type));
  snprintf(canon, STORE_NAME_MAX + 1, "%s", sc->attrs[i].name);
  return SEG_OK;
}

static seg_code parse_map(const export_driver *drv, const store_schema *sc, const char *spec, store_field_map *f,
                          seg_err *err) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || !eq[1])
    return seg_err_set(err, SEG_EUSAGE, "--map takes ATTR=Field or ATTR=custom:Name, not '%s'", spec);
  char attr[STORE_NAME_MAX + 1];
  snprintf(attr, sizeof attr, "%.*s", (int)(eq - spec), spec);
  seg_code rc = check_attr(sc, "--map", attr, false, f->attr, err);
  if (rc != SEG_OK) return rc;
  const char *target = eq + 1;
  if (strncasecmp(target, "custom:", 7) == 0) {
    const char *nm = target + 7;
    size_t n = strlen(nm);
    if (n == 0 || n > 100 || strstr(nm, "--") || !text_utf8_valid(nm, n, NULL))
      return seg_err_set(err, SEG_EINVAL, "--map %s: a custom field needs a name of 1 to 100 characters without '--'",
                         spec);
    snprintf(f->field, sizeof f->field, "%s", nm);
    f->custom = true;
    return SEG_OK;
  }
  f->custom = false;
  return drv->map_standard(spec, target, f, err);
}

seg_code dest_configure(store *s, const dest_configure_options *o, dest_configure_result *res, seg_err *err) {
  memset(res, 0, sizeof *res);
  store_destination d;
  seg_code rc = store_destination_get(s, o->name, &d, err);
  if (rc != SEG_OK) return rc;
  res->max_profiles = d.max_profiles;
  const export_driver *drv = export_driver_find(d.type);
  if (!drv) {
    rc = seg_err_set(err, SEG_EINVAL, "destination '%s' is of type '%s', which this segship does not know", d.name, d.type);
    store_destination_free(&d);
    return rc;
  }
  if (o->tag_prefix && strcmp(drv->membership, "tag") != 0) {
    rc = seg_err_set(err, SEG_EUSAGE, "--tag-prefix applies to Ortto destinations (a segment is a tag there); '%s' is %s",
                     d.name, drv->product);
    store_destination_free(&d);
    return rc;
  }
  if (o->membership && strcmp(o->membership, "list") != 0 && strcmp(drv->membership, "list") != 0) {
    rc = seg_err_set(err, SEG_EUSAGE, "--membership field|both applies to Autopilot destinations; '%s' is %s, where a segment is a %s",
                     d.name, drv->product, drv->membership);
    store_destination_free(&d);
    return rc;
  }
  store_export_config c;
  bool existing = store_export_config_get(s, d.id, &c, NULL) == SEG_OK;
  if (!existing) {
    memset(&c, 0, sizeof c);
    c.destination_id = d.id;
    snprintf(c.on_leave, sizeof c.on_leave, "remove");
    c.schedule = true;
    snprintf(c.list_membership, sizeof c.list_membership, "bulk");
    snprintf(c.membership, sizeof c.membership, "list");
    c.max_removal = STORE_MAX_REMOVAL_DEFAULT;
  }
  store_destination_free(&d);
  store_schema sc;
  if ((rc = store_schema_load(s, &sc, err)) != SEG_OK) {
    store_export_config_free(&c);
    return rc;
  }
  if (!existing && !o->email)
    rc = seg_err_set(err, SEG_EUSAGE, "choose the attribute that holds the email with --email ATTR (required)");
  if (rc == SEG_OK && o->email) rc = check_attr(&sc, "--email", o->email, true, c.email_attr, err);
  if (rc == SEG_OK && o->first_name) {
    if (!o->first_name[0]) c.first_name_attr[0] = '\0';
    else rc = check_attr(&sc, "--first-name", o->first_name, false, c.first_name_attr, err);
  }
  if (rc == SEG_OK && o->last_name) {
    if (!o->last_name[0]) c.last_name_attr[0] = '\0';
    else rc = check_attr(&sc, "--last-name", o->last_name, false, c.last_name_attr, err);
  }
  if (rc == SEG_OK && !o->n_maps && o->replace_maps) {
    free(c.fields);
    c.fields = NULL;
    c.n_fields = 0;
  }
  if (rc == SEG_OK && o->n_maps) {
    store_field_map *maps = calloc(o->n_maps, sizeof *maps);
    if (!maps) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
    for (size_t i = 0; i < o->n_maps && rc == SEG_OK; i++) {
      rc = parse_map(drv, &sc, o->maps[i], &maps[i], err);
      for (size_t k = 0; k < i && rc == SEG_OK; k++)
        if (maps[k].custom == maps[i].custom && text_ieq(maps[k].field, maps[i].field))
          rc = seg_err_set(err, SEG_EINVAL, "two attributes are mapped to the %sfield '%s'; map one only",
                           maps[i].custom ? "custom " : "", maps[i].field);
    }
    if (rc == SEG_OK) {
      free(c.fields);
      c.fields = maps;
      c.n_fields = o->n_maps;
    } else {
      free(maps);
    }
  }
  if (rc == SEG_OK && o->segments) {
    int64_t *ids = NULL;
    size_t n = 0;
    char *list = strdup(o->segments), *save = NULL;
    for (char *tok = list ? strtok_r(list, ",", &save) : NULL; tok && rc == SEG_OK; tok = strtok_r(NULL, ",", &save)) {
      size_t tl = strlen(tok);
      const char *t = text_trim(tok, &tl);
      if (tl == 0) continue;
      char nm[STORE_SEGMENT_NAME_MAX + 1];
      snprintf(nm, sizeof nm, "%.*s", (int)tl, t);
      store_segment g;
      if ((rc = store_segment_get(s, nm, &g, err)) != SEG_OK) {
        seg_err_prefix(err, "--segments");
        break;
      }
      bool dup = false;
      for (size_t k = 0; k < n; k++) dup |= ids[k] == g.id;
      if (!dup) {
        int64_t *p = realloc(ids, (n + 1) * sizeof *p);
        if (!p) rc = seg_err_set(err, SEG_ENOMEM, "out of memory");
        else (ids = p)[n++] = g.id;
      }
      store_segment_free(&g);
    }
    free(list);
    if (rc == SEG_OK && n == 0) rc = seg_err_set(err, SEG_EUSAGE, "--segments names no segment; give at least one");
    if (rc == SEG_OK && n > STORE_EXPORT_MAX_SEGMENTS)
      rc = seg_err_set(err, SEG_EINVAL, "an export holds at most %d segments (one %s %s each); %zu were given",
                       STORE_EXPORT_MAX_SEGMENTS, drv->product, drv->membership, n);
    if (rc == SEG_OK) {
      free(c.segment_ids);
      free(c.segment_names);
      c.segment_names = NULL;
      c.segment_ids = ids;
      c.n_segments = n;
    } else {
      free(ids);
    }
  }
  if (rc == SEG_OK && c.n_segments == 0)
    rc = seg_err_set(err, SEG_EUSAGE, "choose the segments to export with --segments A,B");
  if (rc == SEG_OK && o->on_leave) {
    if (strcmp(o->on_leave, "remove") != 0 && strcmp(o->on_leave, "keep") != 0)
      rc = seg_err_set(err, SEG_EUSAGE, "--on-leave is remove or keep");
    else snprintf(c.on_leave, sizeof c.on_leave, "%s", o->on_leave);
  }
  if (rc == SEG_OK && o->list_membership) {
    if (strcmp(o->list_membership, "bulk") != 0 && strcmp(o->list_membership, "per-contact") != 0)
      rc = seg_err_set(err, SEG_EUSAGE, "--list-membership is bulk or per-contact");
    else snprintf(c.list_membership, sizeof c.list_membership, "%s", o->list_membership);
  }
  if (rc == SEG_OK && o->membership) {
    if (strcmp(o->membership, "list") != 0 && strcmp(o->membership, "field") != 0 && strcmp(o->membership, "both") != 0)
      rc = seg_err_set(err, SEG_EUSAGE, "--membership is list, field or both");
    else snprintf(c.membership, sizeof c.membership, "%s", o->membership);
  }
  if (rc == SEG_OK && o->schedule >= 0) c.schedule = o->schedule != 0;
  if (rc == SEG_OK && o->max_removal >= 0) c.max_removal = o->max_removal > 100 ? 100 : o->max_removal;
  if (rc == SEG_OK && o->tag_prefix) {
    size_t n = strlen(o->tag_prefix);
    if (n >= sizeof c.tag_prefix || !text_utf8_valid(o->tag_prefix, n, NULL))
      rc = seg_err_set(err, SEG_EINVAL, "--tag-prefix is at most %zu bytes of text", sizeof c.tag_prefix - 1);
    else snprintf(c.tag_prefix, sizeof c.tag_prefix, "%s", o->tag_prefix);
  }
  if (rc == SEG_OK) rc = store_segments_distinct_members(s, c.segment_ids, c.n_segments, &res->distinct_profiles, err);
  if (rc == SEG_OK) {
    res->over_limit = res->distinct_profiles > res->max_profiles;
    rc = store_export_config_save(s, &c, err);
  }
  store_schema_free(&sc);
  store_export_config_free(&c);
  return rc;
}
