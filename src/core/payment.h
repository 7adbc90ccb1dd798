/*
 * payment.h: payments (PAY-1..PAY-3), chargebacks (PAY-4), refunds
 * (PAY-5, PAY-7) and billing disputes (PAY-6).
 *
 * Contract
 *  - PAY-1: a payment records method (visa, mastercard, cheque, wire),
 *    amount, date, reference, and the invoices it settles: allocated to the
 *    invoice staff chose first (if any), then to the oldest open invoice
 *    first (invoice date, then number).  What is left over becomes store
 *    credit (source "overpayment", CRD-3 expiry two years later).  Each
 *    allocation raises invoices.paid_cents (status "paid" when nothing is
 *    left) and lowers accounts.balance_cents (see invoice.h).
 *  - PAY-2: a payment in another currency is recorded with its currency,
 *    original amount and the exact decimal rate (CAD per unit) and credited
 *    in CAD = original x rate, computed exactly and rounded once, half up.
 *  - PAY-3: a wire fee given with a wire payment is recorded as a pending
 *    fee (kind wire_fee) for the next invoice.
 *  - PAY-4: a chargeback records the charged-back amount (default: what is
 *    left of the payment), its ordinal for the account, a fee (the
 *    [billing] chargeback_fee, $35.00 by default) and a reassessment of the
 *    amount, both as pending fees for the next invoice, and suspends an
 *    active account (reason chargeback, through account_suspend), all in one
 *    transaction.  The third chargeback (and later ones) sets
 *    accounts.flagged_for_closure.
 *  - Fees written here are not taxable: a reassessment re-bills an amount
 *    whose taxes were charged already; chargeback and wire fees are
 *    charges passed on to the customer, not a taxable supply.  DECISION,
 *    change here if the accountant says otherwise.
 *  - PAY-5 (unauthorized): the stored payment method is removed (reason
 *    unauthorized), the amount refunded (paypal or cheque) and reassessed
 *    on the account; pay_by = notification + 72 hours (UTC instant).
 *  - PAY-7 (discretionary): store credit (source "refund"), PayPal or
 *    cheque; never on the grounds of non-use or cancellation (refused,
 *    KC_ERR_RULE).  A cash refund (paypal, cheque) must name the payment it
 *    returns and cannot exceed what is left of it; store credit is not
 *    cash (CRD-1) and is never refunded in cash by this module.
 *  - PAY-6: a dispute is in time when received within 30 days of the
 *    disputed transaction (day 30 is in time, day 31 is not); later ones
 *    are recorded with in_time = 0.
 *  - Each operation is one write transaction with its audit rows (entities
 *    payment, chargeback, refund, dispute, fee; actions payment.record,
 *    payment.chargeback, payment.refund, dispute.add, fee.add) and nests in
 *    a caller's transaction.
 *  - Errors: KC_ERR_INVALID (bad input), KC_ERR_NOT_FOUND, KC_ERR_RULE
 *    (message names the rule), KC_ERR_PERM (read-only), KC_ERR_DB.
 */
#ifndef KC_PAYMENT_H
#define KC_PAYMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "money.h"

#define PAYMENT_DISPUTE_DAYS 30      /* PAY-6 */
#define PAYMENT_REASSESS_HOURS 72    /* PAY-5 */

/*
 * PAY-2: CAD cents = original x rate, exact, rounded half up once.  rate is
 * a decimal text ("1.3725", at most 10 decimals, > 0).  normalized (may be
 * NULL) gets a heap copy of the rate without superfluous zeros.
 */
kc_status payment_convert(kc_cents original, const char *rate, kc_cents *cad,
	char **normalized, kc_error *err);

struct payment_input {
	int64_t account_id;
	const char *method;       /* visa | mastercard | cheque | wire */
	kc_cents amount;          /* in `currency` */
	const char *currency;     /* NULL, "" or "CAD"; else 3 letters and a rate */
	const char *rate;         /* CAD per unit, exact decimal text */
	const char *received_on;  /* YYYY-MM-DD; NULL = today */
	const char *reference;    /* NULL = "" */
	int64_t invoice_number;   /* settle this invoice first; 0 = oldest first */
	kc_cents wire_fee;        /* PAY-3; 0 = none (only with method wire) */
};

struct payment_result {
	int64_t payment_id;
	kc_cents cad;             /* amount credited in CAD */
	kc_cents allocated;       /* to invoices */
	int invoices;             /* how many invoices it touched */
	kc_cents credit;          /* left over, now store credit */
	int64_t credit_id;        /* 0 when none */
	int64_t fee_id;           /* wire fee, 0 when none */
};

kc_status payment_record(kc_db *db, const struct payment_input *in, struct payment_result *out,
	kc_error *err);

struct chargeback_result {
	int64_t chargeback_id;
	int ordinal;              /* 1, 2, 3, ... for the account */
	kc_cents amount, fee;
	bool suspended;           /* this chargeback suspended the account */
	bool flagged_for_closure; /* ordinal >= 3 */
};

/*
 * PAY-4 on payment payment_id.  amount 0 = what is left of the payment
 * (not yet charged back or refunded).  received_on NULL = today.  fee is
 * the chargeback fee in cents (pass the [billing] chargeback_fee).
 */
kc_status payment_chargeback(kc_db *db, int64_t payment_id, kc_cents amount,
	const char *received_on, kc_cents fee, struct chargeback_result *out, kc_error *err);

struct refund_input {
	int64_t account_id;
	int64_t payment_id;       /* the payment refunded; 0 = none (store credit only) */
	const char *reason;       /* discretionary | unauthorized */
	const char *method;       /* store_credit | paypal | cheque */
	kc_cents amount;
	const char *grounds;      /* PAY-7: "non_use" / "cancellation" are refused; NULL ok */
	const char *note;
	const char *refunded_on;  /* YYYY-MM-DD; NULL = today */
	int64_t paymethod_id;     /* PAY-5: the stored method to remove */
	const char *notified_at;  /* PAY-5: ISO instant; NULL = now */
};

struct refund_result {
	int64_t refund_id;
	int64_t credit_id;        /* store credit made, 0 when none */
	int64_t fee_id;           /* reassessment, 0 when none */
	char pay_by[32];          /* PAY-5 deadline, "" when none */
};

kc_status payment_refund(kc_db *db, const struct refund_input *in, struct refund_result *out,
	kc_error *err);

struct dispute_input {
	int64_t account_id;
	const char *transaction_date; /* YYYY-MM-DD, required */
	const char *received_on;      /* YYYY-MM-DD; NULL = today */
	const char *description;      /* required */
	int64_t invoice_number;       /* 0 = none */
	int64_t payment_id;           /* 0 = none */
	bool in_writing;
};

/* PAY-6.  *in_time (may be NULL) says whether it was in time. */
kc_status payment_dispute_add(kc_db *db, const struct dispute_input *in, int64_t *out_id,
	bool *in_time, kc_error *err);

/* --- what is owed (BIL-6, PAY-4, PAY-5) ------------------------------- */

/*
 * accounts.balance_cents counts invoices only; a chargeback's or a PAY-5
 * refund's reassessment and fees wait as pending fees until the next
 * invoice bills them, and a payment made meanwhile becomes store credit
 * (PAY-1) that the next invoice takes first (CRD-2).  So:
 *   owed = balance + max(0, pending - credit)
 * DECISION: store credit usable today (any source: overpayment, refund,
 * SLA, goodwill) offsets the pending fees only, never the invoices already
 * open (credit is applied to the NEXT invoices).  Usage not yet invoiced is
 * not owed yet (billed in arrears, due on its invoice date).  Every fee
 * written today is non-taxable; a taxable pending fee would count before
 * tax.  owed > 0: something is still to pay (BIL-6 reinstatement, TRM-8
 * reopening).  KC_ERR_NOT_FOUND when there is no such account.
 */
struct payment_owed {
	kc_cents balance;  /* invoiced, not yet paid or credited */
	kc_cents pending;  /* fees not yet invoiced (reassessments, chargeback, wire) */
	kc_cents credit;   /* store credit usable today */
	kc_cents owed;     /* balance + max(0, pending - credit) */
};
kc_status payment_amount_owed(kc_db *db, int64_t account_id, struct payment_owed *out,
	kc_error *err);

/* --- lists ------------------------------------------------------------- */

struct payment_row {
	int64_t id, account_id;
	char account_number[32], method[16], currency[8], received_on[16];
	kc_cents amount, allocated, original_amount;
	char *rate;       /* NULL for CAD */
	char *reference;
	kc_cents charged_back, refunded;
};
void payment_rows_clear(struct payment_row *rows, size_t n);

/* Payments with id > after_id (0 = from the first), in id order; account_id
 * 0 = every account. */
kc_status payment_page(kc_db *db, int64_t account_id, int64_t after_id,
	struct payment_row *rows, size_t max, size_t *n, kc_error *err);

#endif
