/* secret.c: master key file handling and secretbox encryption; secrets live in locked memory. */
#include "secret/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_HEX (crypto_secretbox_KEYBYTES * 2)

struct secret_key {
  unsigned char *bytes; /* sodium_malloc'd, crypto_secretbox_KEYBYTES */
};

void secret_key_path(const char *db_path, char *out, size_t cap) {
  const char *env = getenv("SEGSHIP_MASTER_KEY_FILE");
  if (env && *env) snprintf(out, cap, "%s", env);
  else snprintf(out, cap, "%s.key", db_path);
}

seg_code secret_key_create(const char *path, seg_err *err) {
  /* the key and its hexadecimal form only ever live in locked memory, wiped when freed */
  unsigned char *key = sodium_malloc(crypto_secretbox_KEYBYTES);
  char *hex = sodium_malloc(KEY_HEX + 2);
  if (!key || !hex) {
    if (key) sodium_free(key);
    if (hex) sodium_free(hex);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  crypto_secretbox_keygen(key);
  sodium_bin2hex(hex, KEY_HEX + 2, key, crypto_secretbox_KEYBYTES);
  sodium_free(key);
  hex[KEY_HEX] = '\n';
  hex[KEY_HEX + 1] = '\0';
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    sodium_free(hex);
    if (errno == EEXIST)
      return seg_err_set(err, SEG_EEXIST, "the master key file %s already exists; segship never replaces it", path);
    return seg_err_set(err, SEG_EIO, "cannot create the master key file %s: %s", path, strerror(errno));
  }
  ssize_t w = write(fd, hex, KEY_HEX + 1);
  sodium_free(hex);
  if (w != KEY_HEX + 1 || fsync(fd) != 0 || close(fd) != 0) {
    unlink(path);
    return seg_err_set(err, SEG_EIO, "cannot write the master key file %s: %s", path, strerror(errno));
  }
  return SEG_OK;
}

seg_code secret_key_load(const char *path, secret_key **out, seg_err *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP)
      return seg_err_set(err, SEG_ESECRET,
                         "the master key file %s is a symbolic link, which segship does not follow; put the key file "
                         "itself there (or point SEGSHIP_MASTER_KEY_FILE at it)",
                         path);
    if (errno == ENOENT)
      return seg_err_set(err, SEG_ESECRET,
                         "the master key file %s is missing; restore it from your backup (without it the stored API "
                         "keys cannot be read), or set SEGSHIP_MASTER_KEY_FILE",
                         path);
    return seg_err_set(err, SEG_ESECRET, "cannot read the master key file %s: %s; check its permissions", path,
                       strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return seg_err_set(err, SEG_ESECRET, "the master key %s is not a regular file", path);
  }
  if (st.st_uid != geteuid()) {
    close(fd);
    return seg_err_set(err, SEG_ESECRET,
                       "the master key file %s belongs to another user (uid %u, not %u who runs segship); run segship "
                       "as its owner, or: chown %u %s",
                       path, (unsigned)st.st_uid, (unsigned)geteuid(), (unsigned)geteuid(), path);
  }
  if (st.st_mode & 077) {
    close(fd);
    return seg_err_set(err, SEG_ESECRET, "the master key file %s is readable by other users (mode %03o); run: chmod 600 %s",
                       path, (unsigned)(st.st_mode & 0777), path);
  }
  /* the file's text is read into locked memory, wiped when freed, never onto the stack */
  enum { HEX_CAP = KEY_HEX + 8 };
  char *hex = sodium_malloc(HEX_CAP);
  secret_key *k = calloc(1, sizeof *k);
  if (k) k->bytes = sodium_malloc(crypto_secretbox_KEYBYTES);
  if (!hex || !k || !k->bytes) {
    close(fd);
    if (hex) sodium_free(hex);
    secret_key_free(k);
    return seg_err_set(err, SEG_ENOMEM, "out of memory");
  }
  ssize_t n = read(fd, hex, HEX_CAP);
  close(fd);
  while (n > 0 && (hex[n - 1] == '\n' || hex[n - 1] == '\r' || hex[n - 1] == ' ')) n--;
  size_t bin_len = 0;
  int bad = n != KEY_HEX ||
            sodium_hex2bin(k->bytes, crypto_secretbox_KEYBYTES, hex, (size_t)n, NULL, &bin_len, NULL) != 0 ||
            bin_len != crypto_secretbox_KEYBYTES;
  sodium_free(hex);
  if (bad) {
    secret_key_free(k);
    return seg_err_set(err, SEG_ESECRET,
                       "the master key file %s is not a segship master key (%d hexadecimal characters expected); "
                       "restore the right file",
                       path, KEY_HEX);
  }
  *out = k;
  return SEG_OK;
}

void secret_key_free(secret_key *k) {
  if (!k) return;
  if (k->bytes) sodium_free(k->bytes);
  free(k);
}

seg_code secret_encrypt(const secret_key *k, const void *plain, size_t n, unsigned char **out, size_t *out_len,
                        seg_err *err) {
  size_t len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
  unsigned char *box = malloc(len);
  if (!box) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  randombytes_buf(box, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plain, n, box, k->bytes);
  *out = box;
  *out_len = len;
  return SEG_OK;
}

seg_code secret_decrypt(const secret_key *k, const unsigned char *box, size_t n, char **plain, seg_err *err) {
  *plain = NULL;
  if (n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return seg_err_set(err, SEG_ESECRET, "a stored secret is damaged; set the key again");
  size_t len = n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  char *p = sodium_malloc(len + 1);
  if (!p) return seg_err_set(err, SEG_ENOMEM, "out of memory");
  if (crypto_secretbox_open_easy((unsigned char *)p, box + crypto_secretbox_NONCEBYTES, n - crypto_secretbox_NONCEBYTES,
                                 box, k->bytes) != 0) {
    sodium_free(p);
    return seg_err_set(err, SEG_ESECRET,
                       "the master key does not open this store's secrets (a store copied without its key file?); "
                       "use the key file made with this store");
  }
  p[len] = '\0';
  *plain = p;
  return SEG_OK;
}

void secret_plain_free(char *plain) {
  if (plain) sodium_free(plain);
}

void secret_mask_hint(const char *last4, char *out, size_t cap) {
  snprintf(out, cap, "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2%s", last4); /* "••••" */
}

void secret_mask(const char *plain, char *out, size_t cap) {
  size_t n = strlen(plain);
  secret_mask_hint(n > 4 ? plain + n - 4 : "", out, cap);
}
