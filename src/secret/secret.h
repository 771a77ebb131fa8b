/* secret.h: the master key (a 0600 file beside the store), encryption of API keys at rest with
 * libsodium's secretbox, and masking for display. This module prints and logs nothing. */
#ifndef SEGSHIP_SECRET_SECRET_H
#define SEGSHIP_SECRET_SECRET_H

#include <stddef.h>

#include "util/error.h"

typedef struct secret_key secret_key;

/* The master key file for the store at db_path: $SEGSHIP_MASTER_KEY_FILE, else "<db_path>.key". */
void secret_key_path(const char *db_path, char *out, size_t cap);
/* Creates a new random master key at path (mode 0600); refuses if the file exists. */
seg_code secret_key_create(const char *path, seg_err *err);
/* Loads the master key at path into locked memory; refuses a missing, unreadable, group- or
 * world-readable, malformed file, a symbolic link, or a file of another user, with one sentence.
 * Free with secret_key_free (wipes it). */
seg_code secret_key_load(const char *path, secret_key **out, seg_err *err);
void secret_key_free(secret_key *k);

/* Encrypts n bytes: *out (malloc'd, *out_len bytes) is nonce || secretbox. */
seg_code secret_encrypt(const secret_key *k, const void *plain, size_t n, unsigned char **out, size_t *out_len,
                        seg_err *err);
/* Decrypts into *plain, NUL-terminated, in locked memory (free with secret_plain_free, which
 * wipes it). SEG_ESECRET when the key does not open it. */
seg_code secret_decrypt(const secret_key *k, const unsigned char *box, size_t n, char **plain, seg_err *err);
void secret_plain_free(char *plain);

/* A display form that shows only the last four characters: "••••a1b2". */
void secret_mask(const char *plain, char *out, size_t cap);
/* The masked form from the last four characters alone (as kept beside the encrypted key). */
void secret_mask_hint(const char *last4, char *out, size_t cap);

#endif
