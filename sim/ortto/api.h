/* api.h: Ortto's API (/v1) as ../shared/docs/ortto-api.md describes it: the route table, the
 * handlers (person merge and reads, custom fields, tags, audiences), Ortto's error and 429
 * shapes, field validation, and the driver (ortto_api) that makes the core an Ortto. */
#ifndef SIM_ORTTO_API_H
#define SIM_ORTTO_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "people.h"
#include "sim.h"

#define ORTTO_MAX_PEOPLE 100               /* per merge call */
#define ORTTO_MAX_BODY (2u * 1024 * 1024)  /* per call: more is a 400 */
#define ORTTO_MAX_CUSTOM_FIELDS 100
#define ORTTO_MAX_GET_LIMIT 500

/* The driver: routes, refusals in Ortto's shapes, accounts, and POST /__sim/suppress. */
extern const sim_api ortto_api;

/* Checks one field of a person: the id ("str::email", "int:cm:orders") is a built-in or one of
 * the account's custom fields, and the value fits its type (null always does). false with a
 * sentence in err. */
bool ortto_field_valid(const people *acct, const char *id, const json_t *v, char *err, size_t errlen);
/* The kebab-case form of a custom field's name ("Loyalty Tier" -> "loyalty-tier") into out;
 * false when nothing of it is left (no letter or digit). */
bool ortto_kebab(const char *name, char *out, size_t outlen);

#endif
