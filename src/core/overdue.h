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
 *  - PAY-5: after an unauthorized-transaction refund the customer has 72
 *    hours from notification (refunds.pay_by) to pay the reassessment;
 *    past that, while it is unpaid, the account is eligible for suspension
 *    (reason "reassessment").  Unpaid: the invoice that billed it is still
 *    open, or, not invoiced yet, the account's pending fees exceed its
 *    usable store credit (see payment_amount_owed in payment.h).  as_of
 *    NULL means now; a date means the end of that office day.
 *  - The list holds accounts that are not closed with at least one overdue
 *    invoice (BIL-6) or an unpaid reassessment past its deadline (PAY-5),
 *    paged by keyset on the account id (never the whole table).  reason is
 *    "overdue" when an invoice is overdue (both may hold), else
 *    "reassessment".  days_late counts from the oldest overdue invoice's
 *    date, or for a reassessment alone from the day of its deadline.
 *  - overdue_suspend() suspends an active, eligible account through
 *    account_suspend() (one transaction, audit "account.suspend") with
 *    reason "overdue" (BIL-6) or else "reassessment" (PAY-5).
 *    Reinstatement (account_reinstate) requires everything owed paid
 *    (BIL-6, payment_amount_owed).
 *  - Strings in overdue_row are heap copies: overdue_rows_clear().
 *  - Errors: KC_ERR_INVALID bad date, KC_ERR_RULE not eligible (message
 *    names BIL-6 and PAY-5), KC_ERR_NOT_FOUND, plus account_suspend's.
 */
#ifndef KC_OVERDUE_H
#define KC_OVERDUE_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "db.h"
#include "money.h"

#define OVERDUE_GRACE_DAYS 10

/* The latest invoice date that is overdue on as_of (as_of - 11 days). */
kc_date overdue_cutoff(kc_date as_of);

struct overdue_row {
	int64_t account_id;
	char *account_number, *holder, *status;
	char *oldest_date;        /* oldest overdue invoice date, "" when none */
	int64_t days_late;        /* as_of - oldest overdue invoice date (or deadline) */
	int64_t invoices;         /* overdue invoices */
	kc_cents overdue_cents;   /* their unpaid remainder */
	kc_cents balance_cents;   /* the account's whole balance */
	bool invoice_overdue;     /* BIL-6 */
	bool reassessment;        /* PAY-5: a reassessment unpaid past its deadline */
	char pay_by[DATE_INSTANT_BUFSZ]; /* its (oldest) deadline, "" when none */
	char reason[16];          /* "overdue" | "reassessment" (the suspension reason) */
};
void overdue_rows_clear(struct overdue_row *rows, size_t n);

/* Up to max accounts with id > after_account_id, by id.  as_of NULL = today. */
kc_status overdue_page(kc_db *db, const char *as_of, int64_t after_account_id,
	struct overdue_row *rows, size_t max, size_t *n, kc_error *err);

/* True (KC_OK) when the account has an overdue invoice on as_of. */
kc_status overdue_account_eligible(kc_db *db, int64_t account_id, const char *as_of,
	bool *eligible, kc_error *err);

/* PAY-5: true (KC_OK) when a reassessment is unpaid past its deadline on
 * as_of; pay_by (may be NULL; DATE_INSTANT_BUFSZ bytes) gets the oldest
 * such deadline, "" when none. */
kc_status overdue_reassessment_eligible(kc_db *db, int64_t account_id, const char *as_of,
	bool *eligible, char *pay_by, kc_error *err);

/* BIL-6, PAY-5 / ACC-9: suspends an eligible active account (reason
 * overdue, else reassessment). */
kc_status overdue_suspend(kc_db *db, int64_t account_id, const char *as_of, const char *note,
	kc_error *err);

#endif
