/*
 * paymethod.h: an account's payment methods (ACC-8).
 *
 * Only brand, last four digits, expiry (YYYY-MM) and the processor's token
 * are stored.  Any input field holding what looks like a full card number
 * (13 to 19 digits, spaces or dashes allowed, passing Luhn) is refused with
 * KC_ERR_RULE; so is anything that looks like a security code in the token.
 * The first method recorded becomes the default.  Removal keeps the row
 * (removed_at, reason: PAY-5 unauthorized use) and moves the default to the
 * oldest remaining method.  Each change is one transaction with its audit
 * row (entity "payment_method", actions paymethod.add/remove/default;
 * the token is never copied into the audit trail).
 *
 * paymethod_add: kind visa | mastercard | cheque | wire (any case); cards
 * need last4 (exactly 4 digits), cheque and wire take neither last4 nor
 * expiry; expiry is YYYY-MM; token <= 128 characters, label <= 100; a token
 * of only 3-4 digits is a security code (KC_ERR_RULE).  Removing or making
 * default a removed method is KC_ERR_INVALID; unknown ids KC_ERR_NOT_FOUND.
 */
#ifndef KC_PAYMETHOD_H
#define KC_PAYMETHOD_H

#include "db.h"

struct paymethod {
	int64_t id, account_id;
	char *kind;      /* visa | mastercard | cheque | wire */
	char *last4;     /* NULL for cheque / wire */
	char *expiry;    /* YYYY-MM or NULL */
	char *label;
	bool is_default;
	char *removed_at; /* NULL while in use */
	int64_t version;
};
void paymethod_clear(struct paymethod *p);
void paymethods_free(struct paymethod **list, size_t n);

/* True when s holds a run of 13-19 digits (spaces/dashes ignored) that passes Luhn. */
bool paymethod_looks_like_card_number(const char *s);

kc_status paymethod_add(kc_db *db, int64_t account_id, const char *kind,
	const char *last4, const char *expiry, const char *token, const char *label,
	int64_t *out_id, kc_error *err);
kc_status paymethod_remove(kc_db *db, int64_t id, const char *reason, kc_error *err);
kc_status paymethod_set_default(kc_db *db, int64_t id, kc_error *err);
/* All methods of one account (a handful), removed ones last.  *out is a
 * heap array owned by the caller: paymethods_free(). */
kc_status paymethod_list(kc_db *db, int64_t account_id, bool include_removed,
	struct paymethod **out, size_t *n, kc_error *err);
/* "Visa •••• 4242 (12/27)" style masked text; caller frees. */
char *paymethod_masked(const struct paymethod *p);

#endif
