/*
 * account_extra.h: parts of an account the console shows beside
 * account.h: its other contacts (ACC-7) and its add-ons with their price
 * (PRC-1).  Read only.
 *
 * Contract
 *  - Lists are per account (a handful of rows): one heap array the caller
 *    frees with the matching *_free(), which also frees the strings and
 *    sets *list to NULL.  On error *list is NULL and *n 0.
 *  - Contacts: those not removed, oldest first.
 *  - Add-ons: those active on `on` ("YYYY-MM-DD"; NULL or "" = today),
 *    as billing sees them (started_on <= on < ended_on), with the monthly
 *    price in effect that day (has_price false when none is set) and the
 *    name in `language` ("fr", else English).
 *  - Errors: KC_ERR_INVALID (bad date), KC_ERR_DB, KC_ERR_NOMEM.
 */
#ifndef KC_ACCOUNT_EXTRA_H
#define KC_ACCOUNT_EXTRA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "db.h"
#include "money.h"

struct account_contact {
	int64_t id;
	char *name, *role, *email, *phone; /* "" when not given */
};

kc_status account_extra_contacts(kc_db *db, int64_t account_id,
	struct account_contact **list, size_t *n, kc_error *err);
void account_extra_contacts_free(struct account_contact **list, size_t n);

struct account_addon {
	int64_t id;
	char *code, *name;
	char started_on[DATE_BUFSZ];
	char ended_on[DATE_BUFSZ];  /* "" when open-ended */
	bool has_price;
	kc_cents monthly;           /* valid when has_price */
};

kc_status account_extra_addons(kc_db *db, int64_t account_id, const char *language,
	const char *on, struct account_addon **list, size_t *n, kc_error *err);
void account_extra_addons_free(struct account_addon **list, size_t n);

#endif
