/*
 * credit.h: store credit (CRD-1..CRD-3) and credit notes (BIL-5).
 *
 * Contract
 *  - Store credit is not cash (CRD-1): it is never paid out nor moved to
 *    another account; the only way it leaves is being applied to the
 *    account's next invoices by the billing run (CRD-2, see billing.h),
 *    expiring, or being forfeited at closure.
 *  - CRD-3: a credit expires two years after it was issued (expires_on =
 *    issued_on + 24 months, clamped to the month's last day); from
 *    expires_on on it can no longer be applied.  credit_expire() marks the
 *    credits past their date "expired" (remaining kept for the record).
 *    credit_forfeit_all() marks every active credit of an account
 *    "forfeited" (closure, TRM-6/SLA-6: the termination module calls it in
 *    its own transaction; it nests).
 *  - Credit notes (BIL-5): the only correction of an issued invoice.  The
 *    amount is pre-tax; the tax is the invoice's taxes in proportion
 *    (each tax rounded once, half up), or an explicit tax amount; the
 *    credit note total may not exceed what remains unpaid on the invoice.
 *    It is numbered from the gapless sequence "credit_note", raises the
 *    invoice's credited_cents (status "credited" once nothing is left) and
 *    lowers the account balance, all in one transaction.
 *  - Every change is one write transaction with its audit row (entities
 *    "store_credit" / "credit_note"; actions credit.add, credit.expire,
 *    credit.forfeit, credit_note.issue).  Each function nests inside a
 *    caller's transaction (db.h).
 *  - Errors: KC_ERR_INVALID (bad amount, source, date), KC_ERR_NOT_FOUND,
 *    KC_ERR_RULE (rule refusals name the rule), KC_ERR_PERM (read-only).
 */
#ifndef KC_CREDIT_H
#define KC_CREDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "db.h"
#include "money.h"

/* CRD-3: issued + 24 months. */
kc_date credit_expiry_for(kc_date issued);

/* source: overpayment | sla | refund | goodwill.  issued_on NULL = today. */
kc_status credit_add(kc_db *db, int64_t account_id, const char *source, kc_cents amount,
	const char *issued_on, const char *note, int64_t *out_id, kc_error *err);

struct credit_row {
	int64_t id;
	char source[16], status[16], issued_on[16], expires_on[16];
	kc_cents amount, remaining;
	char *note;
};
void credit_rows_free(struct credit_row **rows, size_t n);

/* All credits of an account, oldest first (a handful per account); *rows
 * is a heap array the caller frees with credit_rows_free(). */
kc_status credit_list(kc_db *db, int64_t account_id, struct credit_row **rows, size_t *n,
	kc_error *err);

/* Sum of the credit usable on `on` (NULL = today). */
kc_status credit_available(kc_db *db, int64_t account_id, const char *on, kc_cents *out,
	kc_error *err);

/* CRD-3: marks expired every active credit whose expires_on <= as_of
 * (NULL = today); *count (may be NULL) gets how many. */
kc_status credit_expire(kc_db *db, const char *as_of, int64_t *count, kc_error *err);

/* CRD-3 at closure: forfeits every active credit of the account. */
kc_status credit_forfeit_all(kc_db *db, int64_t account_id, kc_error *err);

struct credit_note_result {
	int64_t id, number;
	kc_cents subtotal, tax, total;
};

/*
 * BIL-5: a credit note on invoice `invoice_number` for `amount` pre-tax.
 * explicit_tax NULL = proportional tax.  issued_on NULL = today.
 */
kc_status credit_note_add(kc_db *db, int64_t invoice_number, kc_cents amount,
	const kc_cents *explicit_tax, const char *reason, const char *issued_on,
	struct credit_note_result *out, kc_error *err);

#endif
