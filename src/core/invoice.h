/*
 * invoice.h: issued invoices (BIL-3..BIL-9): lists, one invoice with its
 * parts, the customer statement, and the bookkeeping that billing,
 * payments and credits share.
 *
 * Contract
 *  - Invoices are written only by billing.c (issue) and changed afterwards
 *    only through invoice_settle() (paid/credited/status, never an amount:
 *    BIL-5, enforced by triggers too).
 *  - Derived totals: invoices.paid_cents is the sum of the payment
 *    allocations, invoices.credited_cents the sum of the store credit
 *    applications and credit notes; accounts.balance_cents is the sum over
 *    the account's invoices of total - paid - credited.  invoice_settle()
 *    keeps both in step inside the caller's write transaction.
 *  - Status: "open" while total - paid - credited > 0; then "paid" when any
 *    payment went to it (or the total is zero), else "credited".  Lists also
 *    report "overdue" (an effective status, never stored): an open invoice
 *    11 days or more after its date (BIL-6, see overdue.h).
 *  - Lists page by keyset on (invoice_date, number): never the whole table.
 *  - Strings in the structs are heap copies owned by the struct; release
 *    with invoice_clear() / invoice_rows_clear().  Functions filling a
 *    struct overwrite it: pass a zeroed or cleared one.
 *  - Statements (BIL-9) are customer documents in the customer's language,
 *    whatever the staff member's locale: their fixed labels come from a
 *    small built-in French/English table (invoice_doc_label), not from
 *    gettext, so a statement never depends on which locales are installed
 *    and core never touches setlocale().  Staff-facing messages (errors)
 *    still go through gettext.  Line descriptions are written once, at
 *    issue, in the invoice's language (lines are immutable, BIL-5); a
 *    statement asked for in the other language translates every label but
 *    shows those descriptions as issued.
 *  - Errors: KC_ERR_NOT_FOUND (no such invoice), KC_ERR_INVALID (bad
 *    filter), KC_ERR_DB, KC_ERR_NOMEM.
 */
#ifndef KC_INVOICE_H
#define KC_INVOICE_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "money.h"
#include "strbuf.h"

/* --- customer document labels (French / English) ----------------------- */

enum invoice_label {
	INVOICE_L_COMPANY_NAME,
	INVOICE_L_INVOICE,
	INVOICE_L_NUMBER,
	INVOICE_L_DATE,
	INVOICE_L_DUE,
	INVOICE_L_ACCOUNT,
	INVOICE_L_CUSTOMER,
	INVOICE_L_PERIOD,
	INVOICE_L_DESCRIPTION,
	INVOICE_L_AMOUNT,
	INVOICE_L_SUBTOTAL,
	INVOICE_L_TOTAL,
	INVOICE_L_PAYMENTS,
	INVOICE_L_CREDITS,
	INVOICE_L_BALANCE,
	INVOICE_L_GST_NUMBER,
	INVOICE_L_QST_NUMBER,
	INVOICE_L_TAX_GST,
	INVOICE_L_TAX_QST,
	INVOICE_L_TAX_HST,
	INVOICE_L_FIRST,
	INVOICE_L_SUPPORT_BASIC,
	INVOICE_L_SUPPORT_FULL,
	INVOICE_L_USAGE,
	INVOICE_L_USAGE_ADJUSTMENT,
	INVOICE_L_CONSULTING,
	INVOICE_L_FEE_CHARGEBACK,
	INVOICE_L_FEE_WIRE,
	INVOICE_L_FEE_REASSESSMENT,
	INVOICE_L_FEE_OTHER,
	INVOICE_L_COUPON,
	INVOICE_L_STORE_CREDIT,
	INVOICE_L_CREDIT_NOTE,
	INVOICE_L_PAYMENT,
	INVOICE_L_CYCLES,
	INVOICE_L_CALLS,
	INVOICE_L_HOURS,
	INVOICE_L_MARKUP,
	INVOICE_L_PREPAID,
	INVOICE_L_TO,
	INVOICE_L_THANKS,
	INVOICE_L_FINAL_INVOICE, /* the title of a final invoice (TRM-6) */
	INVOICE_L_COUNT
};

/* The label in "fr" or "en" (anything not starting with "fr" is English).
 * Static UTF-8 text; never NULL. */
const char *invoice_doc_label(enum invoice_label label, const char *language);

/* --- bookkeeping shared by billing, payment and credit ----------------- */

/* "open", "paid" or "credited" for these amounts (see the contract). */
const char *invoice_status_for(kc_cents total, kc_cents paid, kc_cents credited);

/*
 * Inside the caller's write transaction: adds paid_delta to paid_cents and
 * credited_delta to credited_cents of invoice invoice_id, sets its status,
 * and lowers the account's balance by the sum.  Refuses (KC_ERR_INVALID)
 * to take an invoice below zero remaining or a total below zero.
 */
kc_status invoice_settle(kc_db *db, int64_t invoice_id, kc_cents paid_delta,
	kc_cents credited_delta, kc_error *err);

/* Adds delta to accounts.balance_cents (caller's write transaction). */
kc_status invoice_account_balance_add(kc_db *db, int64_t account_id, kc_cents delta,
	kc_error *err);

/* --- one invoice --------------------------------------------------------- */

struct invoice_line {
	int position;
	char *kind;        /* first|support|addon|usage|usage_adjustment|consulting|fee|coupon|store_credit */
	char *description; /* in the invoice's language, frozen at issue */
	int64_t quantity_milli;
	kc_cents unit, amount;
	bool taxable;
};

struct invoice_tax {
	char *code;               /* GST, QST, HST */
	int32_t rate_thousandths; /* 9975 = 9.975 % */
	kc_cents amount;
};

/* A settlement of the invoice: a payment allocation, a store credit
 * application or a credit note. */
struct invoice_settlement {
	char *kind;      /* "payment" | "store_credit" | "credit_note" */
	int64_t ref;     /* payment id, store credit id, credit note number */
	char *date;      /* received_on / invoice date / issued_on */
	char *detail;    /* method and reference, credit source, reason */
	kc_cents amount;
};

struct invoice {
	int64_t id, number, account_id;
	char *account_number, *holder, *company, *address, *city, *postal_code, *email;
	char *kind, *cycle_key, *date, *period_start, *period_end;
	char *province, *language, *gst_number, *qst_number, *status;
	char *issued_at, *issued_by;
	kc_cents subtotal, tax, total, paid, credited, balance;
	struct invoice_line *lines;
	size_t n_lines;
	struct invoice_tax *taxes;
	size_t n_taxes;
	struct invoice_settlement *settlements;
	size_t n_settlements;
};
void invoice_clear(struct invoice *inv);

/* The invoice numbered `number` with its lines, taxes and settlements. */
kc_status invoice_get(kc_db *db, int64_t number, struct invoice *out, kc_error *err);

/*
 * BIL-9: the statement of invoice `number` as plain UTF-8 text appended to
 * out, in `language` ("fr"/"en"; NULL or "" = the invoice's language).  It
 * shows Kenotronix's name, the invoice number and date, the customer, each
 * line, the subtotal, each tax on its own line with its own rate, both
 * registration numbers, the total, payments and credits, and the balance.
 */
kc_status invoice_statement_text(kc_db *db, int64_t number, const char *language,
	strbuf *out, kc_error *err);

/* --- lists --------------------------------------------------------------- */

struct invoice_query {
	const char *status;   /* NULL, "open", "overdue", "paid", "credited" */
	int64_t account_id;   /* 0 = all */
	const char *from, *to; /* invoice dates, inclusive; NULL = open-ended */
	const char *as_of;    /* overdue reckoning date; NULL = today */
};

struct invoice_row {
	int64_t id, number, account_id;
	char *account_number, *holder;
	char date[16];
	char status[12];      /* effective: open|overdue|paid|credited */
	kc_cents subtotal, tax, total, paid, credited, balance;
	int64_t days_late;    /* as_of - date when open, else 0 */
};
void invoice_rows_clear(struct invoice_row *rows, size_t n);

/* Position after which the next page starts; have=false = from the start. */
struct invoice_cursor {
	bool have;
	char date[16];
	int64_t number;
};
void invoice_cursor_set(struct invoice_cursor *c, const struct invoice_row *row);

/* Up to max rows after the cursor, in (date, number) order. */
kc_status invoice_page(kc_db *db, const struct invoice_query *q,
	const struct invoice_cursor *after, struct invoice_row *rows, size_t max, size_t *n,
	kc_error *err);

/* Resolves "42" or "#42" to an invoice number that exists. */
kc_status invoice_resolve(kc_db *db, const char *ref, int64_t *number, int64_t *id,
	kc_error *err);

#endif
