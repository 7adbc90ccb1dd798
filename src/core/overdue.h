/*
 * overdue.h: overdue invoices and the suspension they allow (BIL-6, ACC-9).
 *
 * Contract
 *  - Payment is due on the invoice date.  An invoice still open
 *    OVERDUE_GRACE_DAYS (10) days after its date is overdue; from the 11th
 *    day (as_of - invoice_date >= 11) its account is eligible for
 *    suspension and appears in the overdue list.  DECISION: one threshold
 *    serves both ("overdue" in invoice lists and the overdue list), so the
 *    two never disagree: an invoice dated 2024-03-01 is overdue, and its
 *    account listed, from 2024-03-12.
 *  - The list holds accounts that are not closed with at least one overdue
 *    invoice, paged by keyset on the account id (never the whole table).
 *    days_late counts from the oldest overdue invoice's date.
 *  - overdue_suspend() suspends an active, eligible account with reason
 *    "overdue" through account_suspend() (one transaction, audit
 *    "account.suspend").  Reinstatement (account_reinstate) requires the
 *    full balance paid (BIL-6).
 *  - Strings in overdue_row are heap copies: overdue_rows_clear().
 *  - Errors: KC_ERR_INVALID bad date, KC_ERR_RULE not eligible (message
 *    names BIL-6), KC_ERR_NOT_FOUND, plus account_suspend's.
 */
#ifndef KC_OVERDUE_H
#define KC_OVERDUE_H

#include <stdint.h>

#include "date.h"
#include "db.h"
#include "money.h"

#define OVERDUE_GRACE_DAYS 10

/* The latest invoice date that is overdue on as_of (as_of - 11 days). */
kc_date overdue_cutoff(kc_date as_of);

struct overdue_row {
	int64_t account_id;
	char *account_number, *holder, *status, *oldest_date;
	int64_t days_late;        /* as_of - oldest overdue invoice date */
	int64_t invoices;         /* overdue invoices */
	kc_cents overdue_cents;   /* their unpaid remainder */
	kc_cents balance_cents;   /* the account's whole balance */
};
void overdue_rows_clear(struct overdue_row *rows, size_t n);

/* Up to max accounts with id > after_account_id, by id.  as_of NULL = today. */
kc_status overdue_page(kc_db *db, const char *as_of, int64_t after_account_id,
	struct overdue_row *rows, size_t max, size_t *n, kc_error *err);

/* True (KC_OK) when the account has an overdue invoice on as_of. */
kc_status overdue_account_eligible(kc_db *db, int64_t account_id, const char *as_of,
	bool *eligible, kc_error *err);

/* BIL-6 / ACC-9: suspends an eligible active account (reason overdue). */
kc_status overdue_suspend(kc_db *db, int64_t account_id, const char *as_of, const char *note,
	kc_error *err);

#endif
