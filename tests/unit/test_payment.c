/* test_payment.c: payments, chargebacks, refunds, disputes, store credit and
 * credit notes (PAY, CRD, BIL-5). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "billing.h"
#include "credit.h"
#include "date.h"
#include "db.h"
#include "invoice.h"
#include "payment.h"
#include "paymethod.h"
#include "testutil.h"

#define NOW_UTC "2026-01-15T17:00:00Z"

static int db_counter;
static int client_counter;

struct fx {
	kc_db *db;
	struct billing_options opt;
	int64_t account; /* QC account billed 2025-01-10 .. 2025-03-10: 3 x 57.49 */
};

static void ok(kc_status st, kc_error *err, const char *what)
{
	if (st != KC_OK)
		fail_msg("%s: %s", what, kc_error_text(err));
	kc_error_clear(err);
}

static void refused(kc_status st, kc_error *err, kc_status code, const char *part)
{
	assert_int_equal(st, code);
	assert_non_null(err->message);
	if (part && !strstr(err->message, part))
		fail_msg("message \"%s\" lacks \"%s\"", err->message, part);
	kc_error_clear(err);
}

static int64_t q_int(kc_db *db, const char *fmt, ...) KC_PRINTF(2, 3);
static int64_t q_int(kc_db *db, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	int64_t v = 0;
	kc_error err = KC_ERROR_INIT;
	ok(db_query_int(db, sql, &v, &err), &err, sql);
	return v;
}

static int64_t make_account(kc_db *db, const char *welcome)
{
	char client[16], email[64];
	snprintf(client, sizeof client, "%d", 700000 + ++client_counter);
	snprintf(email, sizeof email, "p%d@example.com", client_counter);
	struct account_fields f = { .holder = "John Smith", .email = email, .province = "QC",
		.level = "basic", .language = "en", .voipms_client = client, .signed_on = welcome };
	int64_t id = 0;
	kc_error err = KC_ERROR_INIT;
	ok(account_create(db, &f, &id, NULL, &err), &err, "account_create");
	ok(account_activate(db, id, 0, welcome, &err), &err, "account_activate");
	return id;
}

static int setup(void **state)
{
	kc_instant now;
	assert_int_equal(date_instant_parse(NOW_UTC, &now, NULL), KC_OK);
	date_set_now_for_tests(now);
	char name[64];
	snprintf(name, sizeof name, "payment-%d.db", ++db_counter);
	struct db_open_options o = { .path = test_path(name), .create = true };
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	kc_error err = KC_ERROR_INIT;
	ok(db_open(&o, &f->db, &err), &err, "db_open");
	db_set_staff(f->db, "carol");
	billing_options_default(&f->opt);
	f->account = make_account(f->db, "2025-01-10");
	ok(billing_run(f->db, &f->opt, "2025-03-10", false, NULL, NULL, NULL, &err), &err, "run");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	assert_int_equal(db_leaked_statements(f->db), 0);
	assert_false(db_in_transaction(f->db));
	/* derived totals always agree with the rows they summarise */
	assert_int_equal(q_int(f->db,
		"SELECT count(*) FROM accounts a WHERE balance_cents <> (SELECT"
		" coalesce(sum(total_cents - paid_cents - credited_cents), 0) FROM invoices"
		" WHERE account_id = a.id)"), 0);
	assert_int_equal(q_int(f->db,
		"SELECT count(*) FROM invoices i WHERE paid_cents <> (SELECT coalesce(sum(amount_cents), 0)"
		" FROM payment_allocations WHERE invoice_id = i.id) OR credited_cents <>"
		" (SELECT coalesce(sum(amount_cents), 0) FROM credit_applications WHERE invoice_id = i.id)"
		" + (SELECT coalesce(sum(total_cents), 0) FROM credit_notes WHERE invoice_id = i.id)"), 0);
	db_close(&f->db);
	free(f);
	date_clear_now_for_tests();
	return 0;
}

static struct payment_result pay(struct fx *f, kc_cents amount, const char *method,
	const char *on)
{
	struct payment_input in = { .account_id = f->account, .method = method, .amount = amount,
		.received_on = on, .reference = "ref" };
	struct payment_result r;
	kc_error err = KC_ERROR_INIT;
	ok(payment_record(f->db, &in, &r, &err), &err, "payment_record");
	return r;
}

static const char *status_of(struct fx *f, int n)
{
	static char buf[16];
	struct invoice inv;
	kc_error err = KC_ERROR_INIT;
	int64_t number = q_int(f->db, "SELECT number FROM invoices WHERE account_id = %" PRId64
		" AND cycle_key = 'c%04d'", f->account, n);
	ok(invoice_get(f->db, number, &inv, &err), &err, "invoice_get");
	snprintf(buf, sizeof buf, "%s", inv.status);
	invoice_clear(&inv);
	return buf;
}

static kc_cents balance(struct fx *f)
{
	return q_int(f->db, "SELECT balance_cents FROM accounts WHERE id = %" PRId64, f->account);
}

/* --- PAY-1 / CRD ------------------------------------------------------------ */

static void test_PAY1_oldest_open_invoice_first(void **state)
{
	struct fx *f = *state;
	assert_int_equal(balance(f), 3 * 5749);
	struct payment_result r = pay(f, 8000, "visa", "2025-03-12");
	assert_int_equal(r.allocated, 8000);
	assert_int_equal(r.invoices, 2);
	assert_int_equal(r.credit, 0);
	assert_string_equal(status_of(f, 0), "paid");
	assert_string_equal(status_of(f, 1), "open");
	assert_string_equal(status_of(f, 2), "open");
	assert_int_equal(q_int(f->db, "SELECT paid_cents FROM invoices WHERE cycle_key = 'c0001'"),
		8000 - 5749);
	assert_int_equal(balance(f), 3 * 5749 - 8000);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit WHERE action = 'payment.record'"), 1);
}

static void test_PAY1_staff_choice_first(void **state)
{
	struct fx *f = *state;
	int64_t third = q_int(f->db, "SELECT number FROM invoices WHERE cycle_key = 'c0002'");
	struct payment_input in = { .account_id = f->account, .method = "cheque", .amount = 6000,
		.invoice_number = third };
	kc_error err = KC_ERROR_INIT;
	struct payment_result r;
	ok(payment_record(f->db, &in, &r, &err), &err, "chosen");
	assert_string_equal(status_of(f, 2), "paid");
	assert_string_equal(status_of(f, 0), "open");
	assert_int_equal(q_int(f->db, "SELECT paid_cents FROM invoices WHERE cycle_key = 'c0000'"), 251);
	/* a paid invoice cannot be chosen again */
	refused(payment_record(f->db, &in, &r, &err), &err, KC_ERR_INVALID, NULL);
}

static void test_PAY1_CRD3_overpayment_becomes_credit_expiring_in_two_years(void **state)
{
	struct fx *f = *state;
	struct payment_result r = pay(f, 20000, "mastercard", "2025-03-12");
	assert_int_equal(r.allocated, 3 * 5749);
	assert_int_equal(r.credit, 20000 - 3 * 5749);
	assert_true(r.credit_id > 0);
	assert_int_equal(balance(f), 0);
	kc_error err = KC_ERROR_INIT;
	struct credit_row *rows = NULL;
	size_t n = 0;
	ok(credit_list(f->db, f->account, &rows, &n, &err), &err, "credit_list");
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].source, "overpayment");
	assert_string_equal(rows[0].issued_on, "2025-03-12");
	assert_string_equal(rows[0].expires_on, "2027-03-12");
	assert_int_equal(rows[0].remaining, 2753);
	credit_rows_free(&rows, n);
	/* CRD-2: it pays the next invoice */
	ok(billing_run(f->db, &f->opt, "2025-04-10", false, NULL, NULL, NULL, &err), &err, "run");
	assert_string_equal(status_of(f, 3), "open");
	assert_int_equal(q_int(f->db, "SELECT credited_cents FROM invoices WHERE cycle_key = 'c0003'"),
		2753);
	kc_cents avail = -1;
	ok(credit_available(f->db, f->account, "2025-04-10", &avail, &err), &err, "available");
	assert_int_equal(avail, 0);
}

static void test_CRD3_credit_expires_after_two_years(void **state)
{
	struct fx *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id;
	ok(credit_add(f->db, f->account, "goodwill", 2500, "2024-02-29", "gesture", &id, &err), &err,
		"credit_add");
	assert_int_equal(q_int(f->db, "SELECT expires_on = '2026-02-28' FROM store_credits WHERE id = %"
		PRId64, id), 1);
	kc_cents avail;
	ok(credit_available(f->db, f->account, "2026-02-27", &avail, &err), &err, "avail");
	assert_int_equal(avail, 2500);
	ok(credit_available(f->db, f->account, "2026-02-28", &avail, &err), &err, "avail");
	assert_int_equal(avail, 0);
	int64_t count = -1;
	ok(credit_expire(f->db, "2026-02-27", &count, &err), &err, "expire early");
	assert_int_equal(count, 0);
	ok(credit_expire(f->db, "2026-02-28", &count, &err), &err, "expire");
	assert_int_equal(count, 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM store_credits WHERE status = 'expired'"), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit WHERE action = 'credit.expire'"), 1);
	ok(credit_expire(f->db, "2027-01-01", &count, &err), &err, "again");
	assert_int_equal(count, 0);
	/* an expired credit is not applied by billing */
	ok(billing_run(f->db, &f->opt, "2026-03-10", false, NULL, NULL, NULL, &err), &err, "run");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM credit_applications"), 0);
}

static void test_CRD1_CRD3_forfeit_all_and_bad_input(void **state)
{
	struct fx *f = *state;
	kc_error err = KC_ERROR_INIT;
	ok(credit_add(f->db, f->account, "sla", 1500, NULL, NULL, NULL, &err), &err, "c1");
	ok(credit_add(f->db, f->account, "refund", 500, NULL, NULL, NULL, &err), &err, "c2");
	refused(credit_add(f->db, f->account, "cash", 500, NULL, NULL, NULL, &err), &err,
		KC_ERR_INVALID, "cash");
	refused(credit_add(f->db, f->account, "sla", 0, NULL, NULL, NULL, &err), &err,
		KC_ERR_INVALID, NULL);
	refused(credit_add(f->db, 9999, "sla", 100, NULL, NULL, NULL, &err), &err,
		KC_ERR_NOT_FOUND, NULL);
	ok(credit_forfeit_all(f->db, f->account, &err), &err, "forfeit");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM store_credits WHERE status = 'forfeited'"), 2);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit WHERE action = 'credit.forfeit'"), 2);
}

/* --- PAY-2 / PAY-3 ----------------------------------------------------------- */

static void test_PAY2_currency_conversion_exact(void **state)
{
	(void)state;
	struct { kc_cents orig; const char *rate; kc_cents cad; const char *norm; } cases[] = {
		{ 10000, "1.3725", 13725, "1.3725" },
		{ 3333, "1.33335", 4444, "1.33335" },     /* 44.4405555 -> 44.44 */
		{ 1, "1.5", 2, "1.5" },                   /* 0.015 -> 0.02: half up */
		{ 12345, "0.7400000000", 9135, "0.74" },  /* 91.353 -> 91.35 */
		{ 100, "001.10", 110, "1.1" },
		{ 99999, "1", 99999, "1" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kc_cents cad = 0;
		char *norm = NULL;
		kc_error err = KC_ERROR_INIT;
		ok(payment_convert(cases[i].orig, cases[i].rate, &cad, &norm, &err), &err, cases[i].rate);
		assert_int_equal(cad, cases[i].cad);
		assert_string_equal(norm, cases[i].norm);
		free(norm);
	}
	const char *bad[] = { "", "0", "-1.2", "1,37", "1.2.3", "abc", "1.00000000001", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kc_cents cad = 7;
		kc_error err = KC_ERROR_INIT;
		refused(payment_convert(100, bad[i], &cad, NULL, &err), &err, KC_ERR_INVALID, "PAY-2");
		assert_int_equal(cad, 7);
	}
}

static void test_PAY2_foreign_payment_recorded_with_rate(void **state)
{
	struct fx *f = *state;
	struct payment_input in = { .account_id = f->account, .method = "wire", .amount = 10000,
		.currency = "usd", .rate = "1.3725", .received_on = "2025-03-11", .wire_fee = 2500 };
	struct payment_result r;
	kc_error err = KC_ERROR_INIT;
	ok(payment_record(f->db, &in, &r, &err), &err, "usd");
	assert_int_equal(r.cad, 13725);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM payments WHERE id = %" PRId64
		" AND currency = 'USD' AND original_amount_cents = 10000 AND rate = '1.3725'",
		r.payment_id), 13725);
	/* PAY-3: the wire fee is a pending, non-taxable fee */
	assert_true(r.fee_id > 0);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM fees WHERE kind = 'wire_fee'"
		" AND invoice_id IS NULL AND taxable = 0"), 2500);
	in.rate = NULL;
	refused(payment_record(f->db, &in, &r, &err), &err, KC_ERR_INVALID, "PAY-2");
	in.currency = "CAD";
	in.rate = "1.2";
	refused(payment_record(f->db, &in, &r, &err), &err, KC_ERR_INVALID, "PAY-2");
	in.rate = NULL;
	in.method = "visa";
	refused(payment_record(f->db, &in, &r, &err), &err, KC_ERR_INVALID, "PAY-3");
	in.method = "paypal";
	refused(payment_record(f->db, &in, &r, &err), &err, KC_ERR_INVALID, "PAY-1");
	in.method = "cheque";
	in.wire_fee = 0;
	in.amount = 0;
	refused(payment_record(f->db, &in, &r, &err), &err, KC_ERR_INVALID, NULL);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM payments"), 1);
}

/* --- PAY-4 ------------------------------------------------------------------- */

static void test_PAY4_third_chargeback_flags_closure(void **state)
{
	struct fx *f = *state;
	int64_t p[3];
	for (int i = 0; i < 3; i++)
		p[i] = pay(f, 5749, "visa", "2025-03-11").payment_id;
	assert_int_equal(balance(f), 0);
	kc_error err = KC_ERROR_INIT;
	struct chargeback_result cb;
	ok(payment_chargeback(f->db, p[0], 0, "2025-03-20", 3500, &cb, &err), &err, "cb1");
	assert_int_equal(cb.ordinal, 1);
	assert_int_equal(cb.amount, 5749);
	assert_int_equal(cb.fee, 3500);
	assert_true(cb.suspended);
	assert_false(cb.flagged_for_closure);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM accounts WHERE status = 'suspended'"), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM suspensions WHERE reason = 'chargeback'"), 1);
	/* fee and reassessment wait for the next invoice */
	assert_int_equal(q_int(f->db, "SELECT sum(amount_cents) FROM fees WHERE invoice_id IS NULL"),
		5749 + 3500);
	ok(payment_chargeback(f->db, p[1], 0, "2025-03-21", 3500, &cb, &err), &err, "cb2");
	assert_int_equal(cb.ordinal, 2);
	assert_false(cb.suspended); /* already suspended */
	assert_false(cb.flagged_for_closure);
	assert_int_equal(q_int(f->db, "SELECT flagged_for_closure FROM accounts"), 0);
	ok(payment_chargeback(f->db, p[2], 2000, "2025-03-22", 3500, &cb, &err), &err, "cb3");
	assert_int_equal(cb.ordinal, 3);
	assert_int_equal(cb.amount, 2000);
	assert_true(cb.flagged_for_closure);
	assert_int_equal(q_int(f->db, "SELECT flagged_for_closure FROM accounts"), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit WHERE action = 'account.flag_closure'"), 1);
	/* no more than the payment can be charged back */
	refused(payment_chargeback(f->db, p[2], 3750, NULL, 3500, &cb, &err), &err, KC_ERR_INVALID,
		NULL);
	refused(payment_chargeback(f->db, p[0], 0, NULL, 3500, &cb, &err), &err, KC_ERR_INVALID, NULL);
	refused(payment_chargeback(f->db, 999, 0, NULL, 3500, &cb, &err), &err, KC_ERR_NOT_FOUND, NULL);
	/* the next invoice bills fees and reassessments, not taxed */
	ok(billing_run(f->db, &f->opt, "2025-04-10", false, NULL, NULL, NULL, &err), &err, "run");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM fees WHERE invoice_id IS NULL"), 0);
	assert_int_equal(q_int(f->db, "SELECT subtotal_cents FROM invoices WHERE cycle_key = 'c0003'"),
		5000 + 3 * 3500 + 5749 * 2 + 2000);
	assert_int_equal(q_int(f->db, "SELECT tax_cents FROM invoices WHERE cycle_key = 'c0003'"), 749);
}

/* --- PAY-5 / PAY-7 --------------------------------------------------------------- */

static void test_PAY5_unauthorized_refund_removes_method_and_reassesses(void **state)
{
	struct fx *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t pm = 0;
	ok(paymethod_add(f->db, f->account, "visa", "4242", "2027-12", "tok_1", "", &pm, &err), &err,
		"paymethod_add");
	int64_t p = pay(f, 5749, "visa", "2025-03-11").payment_id;
	struct refund_input in = { .account_id = f->account, .payment_id = p,
		.reason = "unauthorized", .method = "cheque", .amount = 5749, .paymethod_id = pm,
		.notified_at = "2025-03-20T15:30:00Z", .refunded_on = "2025-03-20",
		.note = "card holder's letter" };
	struct refund_result r;
	ok(payment_refund(f->db, &in, &r, &err), &err, "refund");
	assert_string_equal(r.pay_by, "2025-03-23T15:30:00Z");
	assert_true(r.fee_id > 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM payment_methods WHERE id = %" PRId64
		" AND removed_at IS NOT NULL", pm), 1);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM fees WHERE kind = 'reassessment'"), 5749);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM refunds WHERE pay_by = '2025-03-23T15:30:00Z'"), 1);
	/* no more than what is left of the payment */
	in.amount = 1;
	refused(payment_refund(f->db, &in, &r, &err), &err, KC_ERR_INVALID, NULL);
	in.method = "store_credit";
	refused(payment_refund(f->db, &in, &r, &err), &err, KC_ERR_INVALID, "PAY-5");
	in.method = "cheque";
	in.paymethod_id = 0;
	refused(payment_refund(f->db, &in, &r, &err), &err, KC_ERR_INVALID, "PAY-5");
}

static void test_PAY7_no_refund_for_non_use_and_store_credit_refund(void **state)
{
	struct fx *f = *state;
	kc_error err = KC_ERROR_INIT;
	struct refund_input in = { .account_id = f->account, .reason = "discretionary",
		.method = "store_credit", .amount = 1000, .grounds = "non_use" };
	struct refund_result r;
	refused(payment_refund(f->db, &in, &r, &err), &err, KC_ERR_RULE, "PAY-7");
	in.grounds = "cancellation";
	refused(payment_refund(f->db, &in, &r, &err), &err, KC_ERR_RULE, "PAY-7");
	in.grounds = NULL;
	in.method = "bitcoin";
	refused(payment_refund(f->db, &in, &r, &err), &err, KC_ERR_INVALID, "PAY-7");
	in.method = "paypal"; /* cash needs the payment it returns (CRD-1) */
	refused(payment_refund(f->db, &in, &r, &err), &err, KC_ERR_RULE, "CRD-1");
	in.method = "store_credit";
	ok(payment_refund(f->db, &in, &r, &err), &err, "goodwill refund");
	assert_true(r.credit_id > 0);
	assert_string_equal(r.pay_by, "");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM store_credits WHERE source = 'refund'"
		" AND amount_cents = 1000"), 1);
	int64_t p = pay(f, 5749, "cheque", "2025-03-11").payment_id;
	in.method = "paypal";
	in.payment_id = p;
	in.amount = 1500;
	ok(payment_refund(f->db, &in, &r, &err), &err, "paypal refund");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM refunds"), 2);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM fees"), 0);
}

/* --- PAY-6 ---------------------------------------------------------------------- */

static void test_PAY6_dispute_on_day_31_is_out_of_time(void **state)
{
	struct fx *f = *state;
	kc_error err = KC_ERROR_INIT;
	struct dispute_input in = { .account_id = f->account, .transaction_date = "2025-03-10",
		.received_on = "2025-04-09", .description = "double charge", .in_writing = true,
		.invoice_number = 3 };
	int64_t id;
	bool in_time = false;
	ok(payment_dispute_add(f->db, &in, &id, &in_time, &err), &err, "day 30");
	assert_true(in_time);
	in.received_on = "2025-04-10";
	ok(payment_dispute_add(f->db, &in, &id, &in_time, &err), &err, "day 31");
	assert_false(in_time);
	assert_int_equal(q_int(f->db, "SELECT in_time FROM disputes WHERE id = %" PRId64, id), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM disputes"), 2);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit WHERE action = 'dispute.add'"), 2);
	in.received_on = "2025-03-09";
	refused(payment_dispute_add(f->db, &in, &id, &in_time, &err), &err, KC_ERR_INVALID, "PAY-6");
	in.received_on = NULL;
	in.description = "";
	refused(payment_dispute_add(f->db, &in, &id, &in_time, &err), &err, KC_ERR_INVALID, "PAY-6");
	in.description = "x";
	in.invoice_number = 99;
	refused(payment_dispute_add(f->db, &in, &id, &in_time, &err), &err, KC_ERR_INVALID, NULL);
}

/* --- BIL-5 credit notes ------------------------------------------------------- */

static void test_BIL5_credit_note_proportional_tax_and_limit(void **state)
{
	struct fx *f = *state;
	kc_error err = KC_ERROR_INIT;
	struct credit_note_result cn;
	ok(credit_note_add(f->db, 1, 2000, NULL, "billing error", "2025-03-15", &cn, &err), &err, "cn");
	assert_int_equal(cn.number, 1);
	assert_int_equal(cn.subtotal, 2000);
	assert_int_equal(cn.tax, 100 + 200); /* 2.50 x 0.4 + 4.99 x 0.4 = 1.00 + 2.00 (1.996) */
	assert_int_equal(cn.total, 2300);
	assert_int_equal(q_int(f->db, "SELECT credited_cents FROM invoices WHERE number = 1"), 2300);
	assert_int_equal(balance(f), 3 * 5749 - 2300);
	/* more than what is left is refused */
	/* 30.01 + 1.50 + 2.99 = 34.50 > 34.49 left */
	refused(credit_note_add(f->db, 1, 3001, NULL, "again", NULL, &cn, &err), &err, KC_ERR_RULE,
		"BIL-5");
	kc_cents tax = 449;
	ok(credit_note_add(f->db, 1, 3000, &tax, "rest", NULL, &cn, &err), &err, "rest");
	assert_int_equal(cn.number, 2);
	assert_string_equal(status_of(f, 0), "credited");
	refused(credit_note_add(f->db, 77, 100, NULL, "x", NULL, &cn, &err), &err, KC_ERR_NOT_FOUND, NULL);
	refused(credit_note_add(f->db, 2, 100, NULL, "", NULL, &cn, &err), &err, KC_ERR_INVALID, NULL);
	assert_int_equal(q_int(f->db, "SELECT next_value FROM sequences WHERE name = 'credit_note'"), 3);
	/* the statement shows it */
	strbuf sb = STRBUF_INIT;
	ok(invoice_statement_text(f->db, 1, "en", &sb, &err), &err, "statement");
	assert_non_null(strstr(strbuf_cstr(&sb), "Credit note 1"));
	assert_non_null(strstr(strbuf_cstr(&sb), "-$23.00"));
	strbuf_free(&sb);
}

static void test_payment_page_lists_in_id_order(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 5; i++)
		pay(f, 1000 + i, "cheque", "2025-03-11");
	struct payment_row rows[2];
	size_t n, seen = 0;
	int64_t after = 0;
	kc_error err = KC_ERROR_INIT;
	do {
		ok(payment_page(f->db, f->account, after, rows, 2, &n, &err), &err, "page");
		for (size_t i = 0; i < n; i++) {
			assert_true(rows[i].id > after);
			assert_int_equal(rows[i].amount, 1000 + (int64_t)seen);
			assert_int_equal(rows[i].allocated, rows[i].amount);
			after = rows[i].id;
			seen++;
		}
		payment_rows_clear(rows, n);
	} while (n == 2);
	assert_int_equal(seen, 5);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_PAY1_oldest_open_invoice_first),
		T(test_PAY1_staff_choice_first),
		T(test_PAY1_CRD3_overpayment_becomes_credit_expiring_in_two_years),
		T(test_CRD3_credit_expires_after_two_years),
		T(test_CRD1_CRD3_forfeit_all_and_bad_input),
		T(test_PAY2_currency_conversion_exact),
		T(test_PAY2_foreign_payment_recorded_with_rate),
		T(test_PAY4_third_chargeback_flags_closure),
		T(test_PAY5_unauthorized_refund_removes_method_and_reassesses),
		T(test_PAY7_no_refund_for_non_use_and_store_credit_refund),
		T(test_PAY6_dispute_on_day_31_is_out_of_time),
		T(test_BIL5_credit_note_proportional_tax_and_limit),
		T(test_payment_page_lists_in_id_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
