/*
 * billing.h: the billing run: issues every cycle invoice that is due
 * (BIL-1..BIL-8, PRC-1, PRC-2, CRD-2, TKT-8).
 *
 * Contract
 *  - Who: accounts with a welcome call on or before as_of whose status is
 *    active or suspended (BIL-8: services renew until the account is
 *    closed; closed and pending accounts get no cycle invoice).  BIL-8
 *    with TRM-6: once a termination going on (not refused, not closed, not
 *    separation-only) has a service_ended_on, no cycle dated on or after
 *    that day is issued (the final invoice, below, bills what is left); a
 *    reopened account (its old request closed) renews again.  TRM-8
 *    (DECISION): reopening restarts billing from the reopening date: a
 *    cycle dated while the account was closed (on or after its closure,
 *    before the day it was reopened) is never issued, not even as a
 *    catch-up; the first cycle dated on or after the reopening is billed
 *    normally.  The closure date comes from the audit row "account.close"
 *    (closed_on is cleared on reopening), the reopening from reopenings.
 *  - What: for each such account, every cycle invoice dated on or before
 *    as_of that does not exist yet (catch-up), oldest first.  Cycle n is
 *    dated date_cycle_nth(cycle, welcome_call, n) (BIL-1) and keyed
 *    "c%04d" (UNIQUE (account_id, cycle_key), BIL-7: a second run for the
 *    same date issues nothing).
 *      cycle 0 (kind "first", BIL-2): one line, pre-tax
 *        max(minimum support charge, first_payment_usage_percent % of the
 *        expected monthly usage), minus coupons.  It stands for the support
 *        of the first cycle; add-ons, usage, consulting and fees start on
 *        cycle 1.  An account whose annual term starts at the welcome call
 *        also gets the support of cycles 1..11 on it (see below).
 *      Line descriptions are written in the account's language (fr/en).
 *      cycle n >= 1 (kind "regular", BIL-3): support for the coming cycle
 *        at the price in effect on the bill date (service_prices, PRC-1);
 *        add-ons active on the bill date (addon_prices); usage recorded
 *        before the bill date (office midnight) not yet invoiced, summed
 *        exactly in 10^-8 CAD and rounded once (markup included in the same
 *        single rounding); pending usage adjustments (same rule); billable
 *        consulting time logged before the bill date (minutes x hourly rate
 *        / 60, rounded once, TKT-8); pending one-off fees charged on or
 *        before the bill date, each its own line; minus coupons.
 *  - Annual term (ACC-6, PRC-1): support for 12 cycles is charged at once
 *    at the price of the day the 12 cycles start; no support line until
 *    they are used up.  The invoice's period_end records how far support is
 *    paid, and support is charged only for a cycle not covered yet, so a
 *    term switch never bills a cycle twice; a prepaid cycle gets a zero
 *    support line saying so (every invoice has at least one line).  A
 *    pending monthly -> annual switch (accounts.next_term) takes effect at
 *    the first anniversary the run reaches (term, term_started updated with
 *    an audit row "account.term").
 *  - Coupons (PRC-2): an active non-recurring coupon applies to the first
 *    invoice only; a recurring one to each invoice while cycles_left > 0.
 *    A coupon never takes the taxable subtotal below zero.  Coupons are
 *    taxable negative lines (they lower the price, so the taxes).
 *  - Taxes (BIL-4): tax_compute() on the taxable subtotal by the account's
 *    province and the invoice date, each tax its own invoice_taxes row with
 *    its rate.  Fees of kinds chargeback_fee, wire_fee and reassessment are
 *    recorded non-taxable by payment.c (a reassessment re-bills an amount
 *    whose taxes were already charged).
 *  - Store credit (CRD-2): DECISION: credit is applied AFTER tax, like a
 *    payment (credit_applications rows, invoices.credited_cents), oldest
 *    credit first, only credits active and not expired on the invoice date.
 *    Why: most credit is money already received with its taxes
 *    (overpayments, CRD-1 "not cash" but paid in cash), an SLA credit
 *    "excludes taxes" (SLA-6), and the supply itself did not change, so the
 *    tax base must not shrink; it also never makes an invoice negative.
 *  - Numbers: db_next_sequence("invoice") in the same transaction as the
 *    invoice (BIL-5): gapless.  GST/QST registration numbers from the
 *    options are stamped on the invoice; language and province copied.
 *  - Atomicity: ONE write transaction per invoice holding the invoice, its
 *    lines and taxes, the usage/adjustments/time entries/fees it consumes,
 *    coupon and credit updates, the balance update and the audit row
 *    (entity "invoice", action "invoice.issue").  A run killed at any
 *    instant leaves whole invoices only and no number gap; the next run
 *    continues where it stopped.
 *  - dry_run: every account's catch-up is computed inside one write
 *    transaction that is rolled back: the report is exact (catch-up cycles
 *    see each other's consumed usage) and nothing is written.  A read-only
 *    database therefore refuses a dry run too (KC_ERR_PERM).
 *  - Speed: accounts are read by keyset pages on id; statements are
 *    prepared once per run and reused.
 *  - Errors: KC_ERR_INVALID (bad date, missing tax rate for a province or
 *    date, no price), KC_ERR_PERM (read-only), KC_ERR_BUSY, KC_ERR_DB.  A
 *    failure stops the run; invoices issued before it stay (the report says
 *    how many).
 */
#ifndef KC_BILLING_H
#define KC_BILLING_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "db.h"
#include "money.h"
#include "settings.h"

struct billing_options {
	enum cycle_kind cycle;            /* BIL-1 */
	kc_cents minimum_support_charge;  /* BIL-2 */
	int first_payment_usage_percent;  /* BIL-2 */
	int usage_markup_percent;         /* BIL-3 */
	kc_cents consulting_hourly_rate;  /* TKT-8 */
	kc_cents support_charge_basic;    /* only when service_prices has no row */
	kc_cents support_charge_fully_administered;
	const char *gst_number;           /* BIL-4, caller owned */
	const char *qst_number;
};

/* The options from the [billing] settings (pointers into s). */
void billing_options_from_settings(const struct kc_settings *s, struct billing_options *o);
/* Built-in defaults (the settings' defaults). */
void billing_options_default(struct billing_options *o);

struct billing_report {
	int64_t accounts_seen;    /* accounts examined */
	int64_t accounts;         /* accounts that got at least one invoice */
	int64_t invoices;         /* invoices issued (or that would be) */
	kc_cents total;           /* sum of their totals */
	int64_t first_number, last_number; /* 0 when none */
};

/* Called after each page of accounts (and at the end). */
typedef void (*billing_progress_fn)(void *ctx, const struct billing_report *so_far);

/*
 * Issues every invoice due on or before as_of ("YYYY-MM-DD"; NULL = today)
 * for every account (see the contract).  rep (may be NULL) is zeroed then
 * filled, also on failure (what was issued before it).
 */
kc_status billing_run(kc_db *db, const struct billing_options *opt, const char *as_of,
	bool dry_run, billing_progress_fn progress, void *progress_ctx,
	struct billing_report *rep, kc_error *err);

/* The same for one account only (used by the demo and tests).  Adds to
 * rep (not zeroed). */
kc_status billing_run_account(kc_db *db, const struct billing_options *opt,
	int64_t account_id, const char *as_of, bool dry_run, struct billing_report *rep,
	kc_error *err);

/*
 * Demo data (demo.h): bills one active or suspended account cycle by cycle
 * from its welcome call up to today through the engine above, and pays
 * most invoices within days, some late, some never (overdue accounts);
 * suspended accounts may get a chargeback, a few accounts a dispute.
 * Deterministic for a seed; nests in the demo's batch transaction.
 */
kc_status billing_demo_account(kc_db *db, uint64_t seed, int64_t account_id, kc_date today,
	kc_error *err);

/*
 * TRM-6: the final invoice of an account whose service ended on
 * service_end ("YYYY-MM-DD", required, not after today: KC_ERR_RULE).
 *  - Kind "final", cycle key "final", dated the day it is issued (today),
 *    period = from the last cycle invoiced to the end of service.
 *  - Lines: usage started before the office midnight ending service_end
 *    and not yet invoiced (summed exactly, markup included, rounded once,
 *    as BIL-3); every pending usage adjustment detected up to today (late
 *    re-rating by voip.ms is what TRM-6 bills); billable consulting time
 *    logged up to today; pending fees charged up to today.  No support,
 *    add-on or coupon: no new cycle starts.  Taxes as BIL-4 on the invoice
 *    date; store credit still active applies after tax as on any invoice
 *    (CRD-2; what is left is forfeited at closure, CRD-3).
 *  - Idempotent: when the account already has a final invoice (kind or
 *    cycle key "final"), *number = its number and nothing is written.
 *  - DECISION: nothing left to bill = no invoice (*number = 0, KC_OK):
 *    BIL-5 numbers are not spent on empty invoices.
 *  - One write transaction holding everything an invoice of the run holds
 *    (audit "invoice.issue"); joins the caller's transaction if one is open.
 *  - Errors: KC_ERR_INVALID (bad date), KC_ERR_NOT_FOUND (no account),
 *    KC_ERR_RULE (service end in the future), KC_ERR_PERM, KC_ERR_BUSY,
 *    KC_ERR_DB.
 */
kc_status billing_issue_final(kc_db *db, const struct billing_options *opt, int64_t account_id,
	const char *service_end, int64_t *number, kc_error *err);

/* "c0007": the cycle key of cycle n into buf (16 bytes). */
void billing_cycle_key(int n, char buf[static 16]);

#endif
