/* upsert.h: contact upserts (POST /contact and POST /contacts): validation, email matching,
 * renames with _NewEmail, custom fields and _autopilot_list, applied all or nothing. */
#ifndef SIM_UPSERT_H
#define SIM_UPSERT_H

#include "jsonparse.h"
#include <stdbool.h>
#include <stddef.h>

#include "account.h"
#include "jsonbuf.h"
#include "settings.h"
#include "stats.h"

typedef struct upsert_context {
  account *account;
  jsonparse_doc *doc;            /* the parsed body: its pool holds the call's scratch values */
  prng *ids;                     /* draws the ids of new contacts */
  settings_list_field list_field; /* when _autopilot_list applies */
  stats *stats;                  /* counts ignored (unknown) fields; may be NULL */
  int64_t now_ms;
} upsert_context;

typedef struct upsert_error {
  int status;        /* 400 or 409 */
  char message[700]; /* one sentence naming the contact ("contacts[3]: ...") */
} upsert_error;

/* Upserts items[0..n) (JSON objects of ctx->doc, checked by the caller) in order. bulk selects the response
 * and the name used in messages: bulk writes {"contact_ids": [...], "email_contact_map": {...}}
 * to out, otherwise {"contact_id": "..."}. On refusal returns false, fills err, writes nothing
 * and leaves the account exactly as it was. */
bool upsert_contacts(const upsert_context *ctx, const jsonparse_value *const *items, size_t n, bool bulk,
                     jsonbuf *out, upsert_error *err);

/* True when s is an address we accept as an email: one '@', a non-empty local part, a domain
 * with a dot inside it, no blanks or control characters, at most 254 bytes. */
bool upsert_email_valid(const char *s, size_t n);
/* True for "YYYY-MM-DD" (a real calendar date) optionally followed by "THH:MM[:SS[.f+]]" and
 * "Z" or "+HH:MM" / "-HH:MM" (a space may replace the T). */
bool upsert_date_valid(const char *s, size_t n);

#endif
