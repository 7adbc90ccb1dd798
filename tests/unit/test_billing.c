/* test_billing.c: the billing run, invoices, statements and overdue (BIL, PRC, CRD-2). */
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
#include "overdue.h"
#include "payment.h"
#include "paymethod.h"
#include "strbuf.h"
#include "termination.h"
#include "testutil.h"

#define NOW_UTC "2026-01-15T17:00:00Z"

static int db_counter;
static int client_counter;

struct fx {
	kc_db *db;
	struct billing_options opt;
};

static int setup(void **state)
{
	kc_instant now;
	assert_int_equal(date_instant_parse(NOW_UTC, &now, NULL), KC_OK);
	date_set_now_for_tests(now);
	char name[64];
	snprintf(name, sizeof name, "billing-%d.db", ++db_counter);
	struct db_open_options o = { .path = test_path(name), .create = true };
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	kc_error err = KC_ERROR_INIT;
	if (db_open(&o, &f->db, &err) != KC_OK)
		fail_msg("db_open: %s", kc_error_text(&err));
	db_set_staff(f->db, "bob");
	billing_options_default(&f->opt);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	assert_int_equal(db_leaked_statements(f->db), 0);
	assert_false(db_in_transaction(f->db));
	db_close(&f->db);
	free(f);
	date_clear_now_for_tests();
	return 0;
}

/* --- helpers ------------------------------------------------------------ */

static void ok(kc_status st, kc_error *err, const char *what)
{
	if (st != KC_OK)
		fail_msg("%s: %s", what, kc_error_text(err));
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

static void exec(kc_db *db, const char *sql)
{
	kc_error err = KC_ERROR_INIT;
	ok(db_exec(db, sql, &err), &err, sql);
}

struct acct_spec {
	const char *province, *level, *language, *term, *signed_on, *welcome, *expected_usage;
};

static int64_t make_account(kc_db *db, struct acct_spec s)
{
	char client[16], email[64];
	snprintf(client, sizeof client, "%d", 500000 + ++client_counter);
	snprintf(email, sizeof email, "c%d@example.com", client_counter);
	struct account_fields f = { 0 };
	f.holder = "Marie Tremblay";
	f.company = "Plomberie Tremblay";
	f.email = email;
	f.address = "12 rue Principale";
	f.city = "Québec";
	f.postal_code = "G1A 1A1";
	f.province = s.province ? s.province : "QC";
	f.level = s.level ? s.level : "basic";
	f.language = s.language ? s.language : "fr";
	f.term = s.term;
	f.voipms_client = client;
	f.signed_on = s.signed_on ? s.signed_on : s.welcome;
	f.expected_usage = s.expected_usage;
	int64_t id = 0;
	kc_error err = KC_ERROR_INIT;
	ok(account_create(db, &f, &id, NULL, &err), &err, "account_create");
	if (s.welcome)
		ok(account_activate(db, id, 0, s.welcome, &err), &err, "account_activate");
	return id;
}

static struct billing_report run(struct fx *f, const char *as_of)
{
	struct billing_report r;
	kc_error err = KC_ERROR_INIT;
	ok(billing_run(f->db, &f->opt, as_of, false, NULL, NULL, &r, &err), &err, "billing_run");
	return r;
}

/* Invoice number of an account's cycle n. */
static int64_t number_of(kc_db *db, int64_t account, int n)
{
	return q_int(db, "SELECT number FROM invoices WHERE account_id = %" PRId64
		" AND cycle_key = 'c%04d'", account, n);
}

static void get_invoice(kc_db *db, int64_t number, struct invoice *inv)
{
	kc_error err = KC_ERROR_INIT;
	ok(invoice_get(db, number, inv, &err), &err, "invoice_get");
}

/* Every invoice whole: lines sum to the subtotal, taxes to the tax. */
static void assert_invoices_whole(kc_db *db)
{
	assert_int_equal(q_int(db,
		"SELECT count(*) FROM invoices i WHERE subtotal_cents <>"
		" (SELECT coalesce(sum(amount_cents), 0) FROM invoice_lines WHERE invoice_id = i.id)"
		" OR tax_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM invoice_taxes"
		" WHERE invoice_id = i.id) OR NOT EXISTS (SELECT 1 FROM invoice_lines"
		" WHERE invoice_id = i.id)"), 0);
	/* BIL-5: numbers 1..N without a gap, and the sequence right after */
	int64_t n = q_int(db, "SELECT count(*) FROM invoices");
	assert_int_equal(q_int(db, "SELECT coalesce(max(number), 0) FROM invoices"), n);
	assert_int_equal(q_int(db, "SELECT next_value FROM sequences WHERE name = 'invoice'"), n + 1);
	/* derived balances */
	assert_int_equal(q_int(db,
		"SELECT count(*) FROM accounts a WHERE balance_cents <> (SELECT"
		" coalesce(sum(total_cents - paid_cents - credited_cents), 0) FROM invoices"
		" WHERE account_id = a.id)"), 0);
}

/* --- BIL-1 cycles --------------------------------------------------------- */

static void test_BIL1_31st_anniversary_across_february_and_leap_year(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2023-12-31" });
	struct billing_report r = run(f, "2024-05-01");
	assert_int_equal(r.invoices, 5);
	assert_int_equal(r.accounts, 1);
	const char *want[] = { "2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30" };
	for (int n = 0; n < 5; n++) {
		struct invoice inv;
		get_invoice(f->db, number_of(f->db, a, n), &inv);
		assert_string_equal(inv.date, want[n]);
		assert_string_equal(inv.kind, n == 0 ? "first" : "regular");
		invoice_clear(&inv);
	}
	/* and a common year: 2025-02-28, never drifting to the 28th afterwards */
	int64_t b = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-31" });
	run(f, "2025-03-31");
	struct invoice inv;
	get_invoice(f->db, number_of(f->db, b, 1), &inv);
	assert_string_equal(inv.date, "2025-02-28");
	assert_string_equal(inv.period_end, "2025-03-30");
	invoice_clear(&inv);
	get_invoice(f->db, number_of(f->db, b, 2), &inv);
	assert_string_equal(inv.date, "2025-03-31");
	invoice_clear(&inv);
	assert_invoices_whole(f->db);
}

static void test_BIL1_thirty_day_cycle(void **state)
{
	struct fx *f = *state;
	f->opt.cycle = CYCLE_30DAYS;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2024-01-31" });
	run(f, "2024-03-31");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices"), 3);
	struct invoice inv;
	get_invoice(f->db, number_of(f->db, a, 2), &inv);
	assert_string_equal(inv.date, "2024-03-31"); /* 2024-01-31 + 60 days */
	invoice_clear(&inv);
}

/* --- BIL-2 first invoice ------------------------------------------------ */

static kc_cents first_subtotal(struct fx *f, const char *usage)
{
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-03-10",
		.expected_usage = usage });
	kc_error err = KC_ERROR_INIT;
	ok(billing_run_account(f->db, &f->opt, a, "2025-03-10", false, NULL, &err), &err, "run");
	return q_int(f->db, "SELECT subtotal_cents FROM invoices WHERE account_id = %" PRId64
		" AND kind = 'first'", a);
}

static void test_BIL2_first_invoice_is_max_of_minimum_and_usage_percent(void **state)
{
	struct fx *f = *state;
	assert_int_equal(first_subtotal(f, "30.00"), 5000);   /* minimum wins */
	assert_int_equal(first_subtotal(f, "200.00"), 20000); /* 100 % of usage wins */
	f->opt.first_payment_usage_percent = 50;
	assert_int_equal(first_subtotal(f, "200.00"), 10000);
	assert_int_equal(first_subtotal(f, "99.99"), 5000);   /* 49.995 -> 50.00 = minimum */
	f->opt.first_payment_usage_percent = 35;
	assert_int_equal(first_subtotal(f, "333.33"), 11667); /* 116.6655 rounds half up */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoice_lines WHERE kind = 'first'"), 5);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoice_lines"), 5);
}

/* --- BIL-4 taxes ------------------------------------------------------- */

static void test_BIL4_quebec_100_gives_114_98(void **state)
{
	struct fx *f = *state;
	f->opt.minimum_support_charge = 10000;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-05-05" });
	run(f, "2025-05-05");
	struct invoice inv;
	get_invoice(f->db, number_of(f->db, a, 0), &inv);
	assert_int_equal(inv.subtotal, 10000);
	assert_int_equal(inv.n_taxes, 2);
	assert_string_equal(inv.taxes[0].code, "GST");
	assert_int_equal(inv.taxes[0].rate_thousandths, 5000);
	assert_int_equal(inv.taxes[0].amount, 500);
	assert_string_equal(inv.taxes[1].code, "QST");
	assert_int_equal(inv.taxes[1].rate_thousandths, 9975);
	assert_int_equal(inv.taxes[1].amount, 998);
	assert_int_equal(inv.tax, 1498);
	assert_int_equal(inv.total, 11498);
	assert_string_equal(inv.gst_number, "123456789 RT0001");
	assert_string_equal(inv.qst_number, "1234567890 TQ0001");
	assert_string_equal(inv.province, "QC");
	assert_string_equal(inv.language, "fr");
	assert_int_equal(inv.balance, 11498);
	invoice_clear(&inv);
	assert_int_equal(q_int(f->db, "SELECT balance_cents FROM accounts WHERE id = %" PRId64, a),
		11498);
}

static void test_BIL4_quebec_300_gives_qst_29_93(void **state)
{
	struct fx *f = *state;
	f->opt.minimum_support_charge = 30000;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-05-05" });
	run(f, "2025-05-05");
	int64_t id = q_int(f->db, "SELECT id FROM invoices WHERE account_id = %" PRId64, a);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM invoice_taxes WHERE invoice_id = %"
		PRId64 " AND code = 'QST'", id), 2993);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM invoice_taxes WHERE invoice_id = %"
		PRId64 " AND code = 'GST'", id), 1500);
}

static void test_BIL4_ontario_hst_single_line(void **state)
{
	struct fx *f = *state;
	f->opt.minimum_support_charge = 10000;
	int64_t a = make_account(f->db, (struct acct_spec){ .province = "ON", .language = "en",
		.welcome = "2025-05-05" });
	run(f, "2025-05-05");
	struct invoice inv;
	get_invoice(f->db, number_of(f->db, a, 0), &inv);
	assert_int_equal(inv.n_taxes, 1);
	assert_string_equal(inv.taxes[0].code, "HST");
	assert_int_equal(inv.taxes[0].rate_thousandths, 13000);
	assert_int_equal(inv.total, 11300);
	invoice_clear(&inv);
	/* Alberta: GST alone */
	int64_t b = make_account(f->db, (struct acct_spec){ .province = "AB", .welcome = "2025-05-05" });
	run(f, "2025-05-05");
	get_invoice(f->db, number_of(f->db, b, 0), &inv);
	assert_int_equal(inv.n_taxes, 1);
	assert_string_equal(inv.taxes[0].code, "GST");
	assert_int_equal(inv.total, 10500);
	invoice_clear(&inv);
}

static void test_BIL4_nova_scotia_rate_follows_invoice_date(void **state)
{
	struct fx *f = *state;
	f->opt.minimum_support_charge = 10000;
	exec(f->db, "INSERT INTO service_prices (level, effective_from, monthly_cents)"
		" VALUES ('basic', '2025-01-01', 10000)");
	int64_t a = make_account(f->db, (struct acct_spec){ .province = "NS", .welcome = "2025-02-15" });
	run(f, "2025-04-15");
	const int64_t want[] = { 1500, 1500, 1400 }; /* 02-15, 03-15 at 15 %; 04-15 at 14 % */
	for (int n = 0; n < 3; n++) {
		struct invoice inv;
		get_invoice(f->db, number_of(f->db, a, n), &inv);
		assert_int_equal(inv.subtotal, 10000);
		assert_int_equal(inv.n_taxes, 1);
		assert_int_equal(inv.taxes[0].amount, want[n]);
		assert_int_equal(inv.taxes[0].rate_thousandths, want[n] * 10);
		invoice_clear(&inv);
	}
}

/* --- BIL-3 lines --------------------------------------------------------- */

static void add_usage(kc_db *db, int64_t account, int count, int64_t units8, const char *day)
{
	exec(db, "BEGIN");
	for (int i = 0; i < count; i++) {
		char sql[512];
		snprintf(sql, sizeof sql,
			"INSERT INTO usage_records (account_id, client, uniqueid, started_at, seconds,"
			" cost_units8) SELECT id, voipms_client, 'u%" PRId64 "-%s-%d', '%sT15:00:00Z', 60,"
			" %" PRId64 " FROM accounts WHERE id = %" PRId64,
			account, day, i, day, units8, account);
		exec(db, sql);
	}
	exec(db, "COMMIT");
}

static kc_cents line_amount(kc_db *db, int64_t account, int n, const char *kind)
{
	return q_int(db, "SELECT coalesce(sum(l.amount_cents), -1) FROM invoice_lines l JOIN invoices i"
		" ON i.id = l.invoice_id WHERE i.account_id = %" PRId64 " AND i.cycle_key = 'c%04d'"
		" AND l.kind = '%s'", account, n, kind);
}

static void test_BIL3_many_8_decimal_usage_rows_rounded_once(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	/* 1000 calls of 0.00123456 $: 1.23456 $ in all -> 1.23 (per-call rounding gives 0.00) */
	add_usage(f->db, a, 1000, 123456, "2025-01-20");
	/* a call on the bill date itself (after midnight) waits for the next cycle */
	add_usage(f->db, a, 1, 100000000, "2025-02-10");
	run(f, "2025-02-10");
	assert_int_equal(line_amount(f->db, a, 1, "usage"), 123);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM usage_records WHERE invoice_id IS NULL"), 1);
	run(f, "2025-03-10");
	assert_int_equal(line_amount(f->db, a, 2, "usage"), 100);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM usage_records WHERE invoice_id IS NULL"), 0);
	/* markup applied once inside the same single rounding: 1.23456 x 1.10 = 1.358016 */
	f->opt.usage_markup_percent = 10;
	int64_t b = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	add_usage(f->db, b, 1000, 123456, "2025-01-21");
	run(f, "2025-02-10");
	assert_int_equal(line_amount(f->db, b, 1, "usage"), 136);
	assert_invoices_whole(f->db);
}

static void test_BIL3_regular_invoice_lines(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .level = "fully_administered",
		.welcome = "2025-01-10" });
	char sql[512];
	snprintf(sql, sizeof sql, "INSERT INTO account_addons (account_id, addon_id, started_on)"
		" SELECT %" PRId64 ", id, '2025-01-10' FROM addons WHERE code IN ('did', 'ivr')", a);
	exec(f->db, sql);
	snprintf(sql, sizeof sql,
		"INSERT INTO tickets (number, account_id, subject, requested_priority, priority,"
		" received_at, response_due, created_at, created_by, updated_at, updated_by)"
		" VALUES (1, %" PRId64 ", 'DB', 'standard', 'standard', '2025-01-12T10:00:00Z',"
		" '2025-01-13T10:00:00Z', 'x', 'x', 'x', 'x')", a);
	exec(f->db, sql);
	snprintf(sql, sizeof sql,
		"INSERT INTO time_entries (ticket_id, account_id, staff, minutes, worked_on, billable)"
		" VALUES (1, %1$" PRId64 ", 'bob', 50, '2025-01-20', 1), (1, %1$" PRId64 ", 'bob', 40,"
		" '2025-01-21', 1), (1, %1$" PRId64 ", 'bob', 30, '2025-01-22', 0)", a);
	exec(f->db, sql);
	struct payment_input pin = { .account_id = a, .method = "wire", .amount = 50,
		.received_on = "2025-01-25", .wire_fee = 1500 };
	kc_error err = KC_ERROR_INIT;
	ok(payment_record(f->db, &pin, NULL, &err), &err, "payment");
	run(f, "2025-02-10");
	assert_int_equal(line_amount(f->db, a, 1, "support"), 15000);
	assert_int_equal(line_amount(f->db, a, 1, "addon"), 500 + 1500);
	assert_int_equal(line_amount(f->db, a, 1, "consulting"), 18000); /* 90 min at 120.00/h */
	assert_int_equal(line_amount(f->db, a, 1, "fee"), 1500);          /* PAY-3 wire fee */
	int64_t id = q_int(f->db, "SELECT id FROM invoices WHERE account_id = %" PRId64
		" AND cycle_key = 'c0001'", a);
	/* the fee is not taxable: GST on 150 + 20 + 180 = 350.00 */
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM invoice_taxes WHERE invoice_id = %"
		PRId64 " AND code = 'GST'", id), 1750);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM time_entries WHERE invoice_id IS NULL"), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM fees WHERE invoice_id IS NULL"), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit WHERE entity = 'invoice'"
		" AND action = 'invoice.issue' AND account_id = %" PRId64, a), 2);
	assert_invoices_whole(f->db);
}

/* --- annual term and prices (ACC-6, PRC-1) ------------------------------ */

static void test_PRC1_annual_term_charges_12_cycles_at_term_price(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .term = "annual", .welcome = "2024-03-01" });
	int64_t m = make_account(f->db, (struct acct_spec){ .welcome = "2024-03-01" });
	exec(f->db, "INSERT INTO service_prices (level, effective_from, monthly_cents)"
		" VALUES ('basic', '2024-06-15', 6000)");
	run(f, "2025-03-01");
	/* cycle 0: the first invoice plus cycles 1..11 of the term at the old price */
	assert_int_equal(line_amount(f->db, a, 0, "first"), 5000);
	assert_int_equal(line_amount(f->db, a, 0, "support"), 11 * 5000);
	for (int n = 1; n < 12; n++) /* a zero line says the cycle is prepaid */
		assert_int_equal(line_amount(f->db, a, n, "support"), 0);
	/* renewal: 12 cycles at the price in effect at the renewal */
	assert_int_equal(line_amount(f->db, a, 12, "support"), 12 * 6000);
	struct invoice inv;
	get_invoice(f->db, number_of(f->db, a, 12), &inv);
	assert_string_equal(inv.period_end, "2026-02-28");
	invoice_clear(&inv);
	/* monthly: the new price from the first bill date after it took effect */
	assert_int_equal(line_amount(f->db, m, 3, "support"), 5000); /* 2024-06-01 */
	assert_int_equal(line_amount(f->db, m, 4, "support"), 6000); /* 2024-07-01 */
	assert_invoices_whole(f->db);
}

static void test_ACC6_switch_to_annual_at_next_anniversary(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2024-03-01" });
	run(f, "2024-04-15");
	struct account_fields ch = { .term = "annual" };
	kc_error err = KC_ERROR_INIT;
	ok(account_update(f->db, a, 0, &ch, NULL, NULL, &err), &err, "account_update");
	run(f, "2024-06-01");
	assert_int_equal(line_amount(f->db, a, 1, "support"), 5000);
	assert_int_equal(line_amount(f->db, a, 2, "support"), 12 * 5000); /* 2024-05-01 */
	assert_int_equal(line_amount(f->db, a, 3, "support"), 0);
	struct account acc = { 0 };
	ok(account_get(f->db, a, &acc, &err), &err, "account_get");
	assert_string_equal(acc.term, "annual");
	assert_string_equal(acc.term_started, "2024-05-01");
	assert_null(acc.next_term);
	account_clear(&acc);
}

/* --- PRC-2 coupons, CRD-2 credit ------------------------------------------ */

static void test_PRC2_coupons_first_invoice_and_recurring(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	char sql[512];
	snprintf(sql, sizeof sql,
		"INSERT INTO coupons (account_id, code, amount_cents, recurring, cycles_left,"
		" created_at, created_by) VALUES (%1$" PRId64 ", 'WELCOME', 2000, 0, 1, 'x', 'x'),"
		" (%1$" PRId64 ", 'LOYAL', 1000, 1, 2, 'x', 'x')", a);
	exec(f->db, sql);
	run(f, "2025-04-10");
	assert_int_equal(line_amount(f->db, a, 0, "coupon"), -3000);
	assert_int_equal(line_amount(f->db, a, 1, "coupon"), -1000);
	assert_int_equal(line_amount(f->db, a, 2, "coupon"), -1);
	assert_int_equal(line_amount(f->db, a, 3, "coupon"), -1);
	/* taxes on the reduced price: 50 - 30 = 20.00 -> GST 1.00 */
	int64_t id = q_int(f->db, "SELECT id FROM invoices WHERE account_id = %" PRId64
		" AND cycle_key = 'c0000'", a);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM invoice_taxes WHERE invoice_id = %"
		PRId64 " AND code = 'GST'", id), 100);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM coupons WHERE status = 'used'"), 2);
	/* a coupon never makes the invoice negative */
	int64_t b = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	snprintf(sql, sizeof sql,
		"INSERT INTO coupons (account_id, code, amount_cents, created_at, created_by)"
		" VALUES (%" PRId64 ", 'BIG', 99900, 'x', 'x')", b);
	exec(f->db, sql);
	run(f, "2025-01-10");
	assert_int_equal(q_int(f->db, "SELECT total_cents FROM invoices WHERE account_id = %" PRId64, b), 0);
	assert_invoices_whole(f->db);
}

static void test_CRD2_credit_applied_after_tax_oldest_first(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	kc_error err = KC_ERROR_INIT;
	int64_t c1, c2;
	ok(credit_add(f->db, a, "goodwill", 1000, "2025-01-02", "", &c2, &err), &err, "credit");
	ok(credit_add(f->db, a, "sla", 10000, "2025-01-01", "", &c1, &err), &err, "credit");
	run(f, "2025-02-10");
	/* 50.00 + 5 % + 9.975 % = 57.49: the older credit (100.00) pays it all */
	struct invoice inv;
	get_invoice(f->db, number_of(f->db, a, 0), &inv);
	assert_int_equal(inv.total, 5749);
	assert_int_equal(inv.tax, 749); /* credit did not lower the taxes */
	assert_int_equal(inv.credited, 5749);
	assert_int_equal(inv.balance, 0);
	assert_string_equal(inv.status, "credited");
	assert_int_equal(inv.n_settlements, 1);
	assert_string_equal(inv.settlements[0].kind, "store_credit");
	assert_int_equal(inv.settlements[0].ref, c1);
	invoice_clear(&inv);
	/* cycle 1: 42.51 left of the older, then 10.00 of the newer */
	get_invoice(f->db, number_of(f->db, a, 1), &inv);
	assert_int_equal(inv.credited, 4251 + 1000);
	assert_int_equal(inv.balance, 5749 - 5251);
	assert_string_equal(inv.status, "open");
	invoice_clear(&inv);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM store_credits WHERE status = 'used'"), 2);
	assert_int_equal(q_int(f->db, "SELECT sum(amount_cents) FROM credit_applications"), 11000);
	assert_invoices_whole(f->db);
}

/* --- BIL-7 / BIL-8 ------------------------------------------------------ */

static void test_BIL7_two_runs_on_one_day_issue_nothing_twice(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 5; i++)
		make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	struct billing_report r = run(f, "2025-03-10");
	assert_int_equal(r.invoices, 15);
	assert_int_equal(r.accounts, 5);
	assert_int_equal(r.first_number, 1);
	assert_int_equal(r.last_number, 15);
	int64_t audit = q_int(f->db, "SELECT count(*) FROM audit");
	r = run(f, "2025-03-10");
	assert_int_equal(r.invoices, 0);
	assert_int_equal(r.accounts, 0);
	assert_int_equal(r.accounts_seen, 5);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices"), 15);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit"), audit);
	/* an earlier date after a later one issues nothing either */
	r = run(f, "2025-02-10");
	assert_int_equal(r.invoices, 0);
	assert_invoices_whole(f->db);
}

static void test_BIL7_dry_run_writes_nothing(void **state)
{
	struct fx *f = *state;
	make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	make_account(f->db, (struct acct_spec){ .welcome = "2025-01-20" });
	int64_t audit = q_int(f->db, "SELECT count(*) FROM audit");
	struct billing_report r;
	kc_error err = KC_ERROR_INIT;
	ok(billing_run(f->db, &f->opt, "2025-03-15", true, NULL, NULL, &r, &err), &err, "dry");
	assert_int_equal(r.invoices, 5);
	assert_int_equal(r.first_number, 1);
	assert_int_equal(r.last_number, 5);
	assert_true(r.total > 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices"), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit"), audit);
	assert_int_equal(q_int(f->db, "SELECT next_value FROM sequences WHERE name = 'invoice'"), 1);
	struct billing_report real = run(f, "2025-03-15");
	assert_int_equal(real.invoices, r.invoices);
	assert_int_equal(real.total, r.total);
}

static void test_BIL8_closed_and_pending_accounts_get_no_invoice(void **state)
{
	struct fx *f = *state;
	int64_t open = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	int64_t susp = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	int64_t closed = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	int64_t pending = make_account(f->db, (struct acct_spec){ .signed_on = "2025-01-01" });
	run(f, "2025-01-10");
	kc_error err = KC_ERROR_INIT;
	ok(account_suspend(f->db, susp, 0, "breach", "", &err), &err, "suspend");
	ok(account_close(f->db, closed, 0, "law", false, &err), &err, "close");
	run(f, "2025-03-10");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, open), 3);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, susp), 3);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, closed), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, pending), 0);
}

/* --- BIL-5 immutability ------------------------------------------------- */

static void test_BIL5_issued_invoice_is_immutable(void **state)
{
	struct fx *f = *state;
	make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	run(f, "2025-01-10");
	kc_error err = KC_ERROR_INIT;
	assert_int_not_equal(db_exec(f->db, "UPDATE invoice_lines SET amount_cents = 1", &err), KC_OK);
	kc_error_clear(&err);
	assert_int_not_equal(db_exec(f->db, "UPDATE invoices SET total_cents = 1", &err), KC_OK);
	kc_error_clear(&err);
	assert_int_not_equal(db_exec(f->db, "DELETE FROM invoice_taxes", &err), KC_OK);
	kc_error_clear(&err);
}

/* --- BIL-9 statements --------------------------------------------------- */

static void test_BIL9_statement_in_customer_language(void **state)
{
	struct fx *f = *state;
	f->opt.minimum_support_charge = 10000;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-05-05" });
	run(f, "2025-05-05");
	struct payment_input pin = { .account_id = a, .method = "cheque", .amount = 5000,
		.received_on = "2025-05-07", .reference = "CHQ 118" };
	kc_error err = KC_ERROR_INIT;
	ok(payment_record(f->db, &pin, NULL, &err), &err, "payment");
	strbuf sb = STRBUF_INIT;
	int64_t n = number_of(f->db, a, 0);
	ok(invoice_statement_text(f->db, n, NULL, &sb, &err), &err, "statement fr");
	const char *t = strbuf_cstr(&sb);
	const char *want_fr[] = { "Kenotronix", "FACTURE", "Numéro de facture", "2025-05-05",
		"Marie Tremblay", "Plomberie Tremblay", "Sous-total", "TPS (5\xc2\xa0%)",
		"TVQ (9,975\xc2\xa0%)", "5,00\xc2\xa0$", "9,98\xc2\xa0$", "114,98\xc2\xa0$",
		"123456789 RT0001", "1234567890 TQ0001", "Paiement", "-50,00\xc2\xa0$", "64,98\xc2\xa0$",
		"Solde dû" };
	for (size_t i = 0; i < sizeof want_fr / sizeof want_fr[0]; i++)
		if (!strstr(t, want_fr[i]))
			fail_msg("French statement lacks \"%s\":\n%s", want_fr[i], t);
	assert_null(strstr(t, "14.975"));
	assert_null(strstr(t, "14,975"));
	strbuf_reset(&sb);
	ok(invoice_statement_text(f->db, n, "en", &sb, &err), &err, "statement en");
	t = strbuf_cstr(&sb);
	const char *want_en[] = { "INVOICE", "Invoice number", "GST (5%)", "QST (9.975%)", "$5.00",
		"$9.98", "$114.98", "Balance due", "$64.98", "GST registration number" };
	for (size_t i = 0; i < sizeof want_en / sizeof want_en[0]; i++)
		if (!strstr(t, want_en[i]))
			fail_msg("English statement lacks \"%s\":\n%s", want_en[i], t);
	strbuf_free(&sb);
	assert_int_equal(invoice_statement_text(f->db, 999, NULL, &sb, &err), KC_ERR_NOT_FOUND);
	kc_error_clear(&err);
	strbuf_free(&sb);
}

/* --- lists -------------------------------------------------------------- */

static void test_invoice_page_filters_and_keyset(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	make_account(f->db, (struct acct_spec){ .welcome = "2025-01-12" });
	run(f, "2025-04-12"); /* 4 + 4 invoices */
	struct invoice_row rows[3];
	struct invoice_cursor cur = { 0 };
	size_t n, seen = 0;
	int64_t last_number = 0;
	char last_date[16] = "";
	kc_error err = KC_ERROR_INIT;
	struct invoice_query q = { .as_of = "2025-04-12" };
	do {
		ok(invoice_page(f->db, &q, &cur, rows, 3, &n, &err), &err, "page");
		for (size_t i = 0; i < n; i++) {
			assert_true(strcmp(rows[i].date, last_date) > 0
				|| (strcmp(rows[i].date, last_date) == 0 && rows[i].number > last_number));
			snprintf(last_date, sizeof last_date, "%s", rows[i].date);
			last_number = rows[i].number;
			seen++;
		}
		if (n)
			invoice_cursor_set(&cur, &rows[n - 1]);
		invoice_rows_clear(rows, n);
	} while (n == 3);
	assert_int_equal(seen, 8);
	/* overdue: open and 11+ days after the date (01-10 .. 03-12 on 04-12: 6 of 8) */
	q.status = "overdue";
	ok(invoice_page(f->db, &q, NULL, rows, 3, &n, &err), &err, "overdue");
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].status, "overdue");
	assert_string_equal(rows[0].date, "2025-01-10");
	assert_int_equal(rows[0].days_late, 92);
	invoice_rows_clear(rows, n);
	q.status = NULL;
	q.account_id = a;
	q.from = "2025-02-01";
	q.to = "2025-03-31";
	ok(invoice_page(f->db, &q, NULL, rows, 3, &n, &err), &err, "filtered");
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].date, "2025-02-10");
	assert_string_equal(rows[1].date, "2025-03-10");
	invoice_rows_clear(rows, n);
	q.status = "bogus";
	assert_int_equal(invoice_page(f->db, &q, NULL, rows, 3, &n, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
}

/* --- BIL-6 overdue --------------------------------------------------------- */

static void test_BIL6_overdue_from_day_11_and_reinstatement_only_when_paid(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-03-01" });
	int64_t b = make_account(f->db, (struct acct_spec){ .welcome = "2025-03-01" });
	run(f, "2025-03-01");
	struct overdue_row rows[4];
	size_t n;
	kc_error err = KC_ERROR_INIT;
	ok(overdue_page(f->db, "2025-03-11", 0, rows, 4, &n, &err), &err, "day 10");
	assert_int_equal(n, 0);
	/* day 10: not yet eligible */
	assert_int_equal(overdue_suspend(f->db, a, "2025-03-11", "", &err), KC_ERR_RULE);
	assert_non_null(strstr(err.message, "BIL-6"));
	kc_error_clear(&err);
	struct payment_input pin = { .account_id = b, .method = "visa", .amount = 5749,
		.received_on = "2025-03-05" };
	ok(payment_record(f->db, &pin, NULL, &err), &err, "pay b");
	ok(overdue_page(f->db, "2025-03-12", 0, rows, 4, &n, &err), &err, "day 11");
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].account_id, a);
	assert_int_equal(rows[0].days_late, 11);
	assert_int_equal(rows[0].overdue_cents, 5749);
	assert_string_equal(rows[0].oldest_date, "2025-03-01");
	overdue_rows_clear(rows, n);
	ok(overdue_suspend(f->db, a, "2025-03-12", "unpaid", &err), &err, "suspend");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM suspensions WHERE account_id = %" PRId64
		" AND reason = 'overdue'", a), 1);
	/* a partial payment does not reinstate */
	pin.account_id = a;
	pin.amount = 5000;
	ok(payment_record(f->db, &pin, NULL, &err), &err, "partial");
	assert_int_equal(account_reinstate(f->db, a, 0, &err), KC_ERR_RULE);
	assert_non_null(strstr(err.message, "BIL-6"));
	kc_error_clear(&err);
	pin.amount = 749;
	ok(payment_record(f->db, &pin, NULL, &err), &err, "rest");
	ok(account_reinstate(f->db, a, 0, &err), &err, "reinstate");
	ok(overdue_page(f->db, "2025-03-12", 0, rows, 4, &n, &err), &err, "after");
	assert_int_equal(n, 0);
}

/* --- TRM-6 final invoice, BIL-8 end of renewal ------------------------------- */

static void add_minutes(kc_db *db, int64_t account, int minutes, const char *day)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		"INSERT INTO tickets (number, account_id, subject, requested_priority, priority,"
		" received_at, response_due, created_at, created_by, updated_at, updated_by)"
		" SELECT coalesce(max(number), 0) + 1, %" PRId64 ", 'DB', 'standard', 'standard',"
		" '%sT10:00:00Z', '%sT11:00:00Z', 'x', 'x', 'x', 'x' FROM tickets;"
		"INSERT INTO time_entries (ticket_id, account_id, staff, minutes, worked_on, billable)"
		" VALUES (last_insert_rowid(), %" PRId64 ", 'bob', %d, '%s', 1)",
		account, day, day, account, minutes, day);
	exec(db, sql);
}

static void test_TRM6_final_invoice_bills_usage_after_the_last_cycle_rounded_once(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	run(f, "2025-03-10"); /* cycles 0, 1, 2 */
	/* 7 calls of 1.23456789 $ after the last cycle: 8.64197523 $ -> 8.64
	 * (rounding each call would give 7 x 1.23 = 8.61) */
	add_usage(f->db, a, 7, 123456789, "2025-03-15");
	add_usage(f->db, a, 1, 100000000, "2025-03-25"); /* after the end of service */
	add_minutes(f->db, a, 45, "2025-03-18");          /* 45 min at 120.00/h = 90.00 */
	struct payment_input pin = { .account_id = a, .method = "wire", .amount = 100,
		.received_on = "2025-03-12", .wire_fee = 1500 };
	kc_error err = KC_ERROR_INIT;
	ok(payment_record(f->db, &pin, NULL, &err), &err, "wire payment");
	/* the end of service cannot be in the future */
	int64_t number = -1;
	assert_int_equal(billing_issue_final(f->db, &f->opt, a, "2026-01-16", &number, &err),
		KC_ERR_RULE);
	assert_non_null(strstr(err.message, "TRM-6"));
	kc_error_clear(&err);
	assert_int_equal(number, 0);
	ok(billing_issue_final(f->db, &f->opt, a, "2025-03-20", &number, &err), &err, "final");
	assert_int_equal(number, 4);
	struct invoice inv;
	get_invoice(f->db, number, &inv);
	assert_string_equal(inv.kind, "final");
	assert_string_equal(inv.cycle_key, "final");
	assert_string_equal(inv.date, "2026-01-15"); /* dated the day it is issued */
	assert_string_equal(inv.period_start, "2025-03-10");
	assert_string_equal(inv.period_end, "2025-03-20");
	/* usage 8.64 + consulting 90.00 taxable, wire fee 15.00 not:
	 * GST 5 % of 98.64 = 4.932 -> 4.93, QST 9.975 % = 9.83934 -> 9.84 */
	assert_int_equal(inv.subtotal, 864 + 9000 + 1500);
	assert_int_equal(inv.tax, 493 + 984);
	assert_int_equal(inv.total, 864 + 9000 + 1500 + 493 + 984);
	invoice_clear(&inv);
	int64_t id = q_int(f->db, "SELECT id FROM invoices WHERE number = %" PRId64, number);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM invoice_lines WHERE invoice_id = %"
		PRId64 " AND kind = 'usage'", id), 864);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM invoice_lines WHERE invoice_id = %"
		PRId64 " AND kind = 'consulting'", id), 9000);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM invoice_lines WHERE invoice_id = %"
		PRId64 " AND kind = 'fee'", id), 1500);
	/* no new cycle: no support, no add-on */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoice_lines WHERE invoice_id = %"
		PRId64 " AND kind IN ('support', 'addon', 'first', 'coupon')", id), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoice_lines WHERE invoice_id = %"
		PRId64, id), 3);
	/* the call after the end of service stays out */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM usage_records WHERE invoice_id IS NULL"
		" AND account_id = %" PRId64, a), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM usage_records WHERE invoice_id = %"
		PRId64, id), 7);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit WHERE entity = 'invoice'"
		" AND action = 'invoice.issue' AND entity_id = %" PRId64, id), 1);
	/* BIL-9: its statement says what it is, in the customer's language */
	strbuf sb = STRBUF_INIT;
	ok(invoice_statement_text(f->db, number, NULL, &sb, &err), &err, "statement");
	assert_non_null(strstr(strbuf_cstr(&sb), "FACTURE FINALE"));
	strbuf_free(&sb);
	/* idempotent: a second call issues nothing and names the same invoice */
	int64_t again = 0;
	ok(billing_issue_final(f->db, &f->opt, a, "2025-03-20", &again, &err), &err, "again");
	assert_int_equal(again, number);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, a), 4);
	assert_invoices_whole(f->db);
	/* nothing left to bill: no invoice, no number spent (BIL-5) */
	int64_t b = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	run(f, "2025-02-10");
	ok(billing_issue_final(f->db, &f->opt, b, "2025-02-20", &number, &err), &err, "empty");
	assert_int_equal(number, 0);
	assert_invoices_whole(f->db);
	assert_int_equal(billing_issue_final(f->db, &f->opt, 999, "2025-02-20", &number, &err),
		KC_ERR_NOT_FOUND);
	kc_error_clear(&err);
}

/* Takes the account's termination through the end of service on `end`. */
static int64_t end_service(kc_db *db, int64_t account, const char *asked, const char *end,
	bool separation)
{
	kc_error err = KC_ERROR_INIT;
	struct termination_request_args r = { .account_id = account,
		.requested_by = "Marie Tremblay", .date = asked, .separation_only = separation };
	int64_t id = 0;
	ok(termination_request(db, &r, &id, &err), &err, "request");
	ok(termination_approve(db, id, 0, NULL, &err), &err, "approve");
	if (separation)
		return id;
	ok(termination_schedule(db, id, 0, end, &err), &err, "schedule");
	ok(termination_end_service(db, id, 0, end, &err), &err, "end");
	return id;
}

static void test_BIL8_no_renewal_once_the_service_ended(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	int64_t b = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	int64_t sep = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	run(f, "2025-02-10");
	end_service(f->db, a, "2025-02-15", "2025-04-10", false); /* on a cycle date */
	end_service(f->db, b, "2025-02-15", "2025-04-09", false); /* the day before */
	end_service(f->db, sep, "2025-02-15", NULL, true);        /* TRM-3: service goes on */
	struct billing_report r = run(f, "2025-06-10");
	/* a: 2025-03-10 only (the 04-10 cycle is the end of service itself);
	 * b: 2025-03-10 only; sep: 03-10 .. 06-10 */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, a), 3);
	assert_int_equal(q_int(f->db, "SELECT max(invoice_date) = '2025-03-10' FROM invoices"
		" WHERE account_id = %" PRId64, a), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, b), 3);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, sep), 6);
	assert_int_equal(r.invoices, 1 + 1 + 4);
	/* one account alone, and a second run: still nothing */
	struct billing_report one = { 0 };
	kc_error err = KC_ERROR_INIT;
	ok(billing_run_account(f->db, &f->opt, a, "2025-06-10", false, &one, &err), &err, "one");
	assert_int_equal(one.invoices, 0);
	assert_int_equal(run(f, "2025-06-10").invoices, 0);
	assert_invoices_whole(f->db);
}

/* --- TRM-8 reopened accounts ------------------------------------------------ */

static void set_now(const char *iso)
{
	kc_instant t;
	assert_int_equal(date_instant_parse(iso, &t, NULL), KC_OK);
	date_set_now_for_tests(t);
}

/* Pays what the account owes (TRM-8: reopening needs it paid). */
static void pay_balance(kc_db *db, int64_t account, const char *day)
{
	kc_cents owed = q_int(db, "SELECT balance_cents FROM accounts WHERE id = %" PRId64, account);
	if (owed <= 0)
		return;
	struct payment_input pin = { .account_id = account, .method = "cheque", .amount = owed,
		.received_on = day };
	kc_error err = KC_ERROR_INIT;
	ok(payment_record(db, &pin, NULL, &err), &err, "payment");
}

static void close_at(kc_db *db, int64_t account, const char *when)
{
	kc_error err = KC_ERROR_INIT;
	set_now(when);
	ok(account_close(db, account, 0, "complaints", false, &err), &err, "close");
}

static void reopen_at(kc_db *db, int64_t account, const char *when)
{
	kc_error err = KC_ERROR_INIT;
	set_now(when);
	ok(account_reopen(db, account, 0, "Marie Tremblay", "Government ID seen", &err), &err,
		"reopen");
}

/* The account's invoice dates, oldest first, "," between them. */
static void assert_dates(kc_db *db, int64_t account, const char *want)
{
	sqlite3_stmt *st = NULL;
	kc_error err = KC_ERROR_INIT;
	ok(db_prepare(db, "SELECT group_concat(invoice_date, ',') FROM (SELECT invoice_date"
		" FROM invoices WHERE account_id = ?1 ORDER BY invoice_date)", &st, &err), &err, "prepare");
	sqlite3_bind_int64(st, 1, account);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *got = (const char *)sqlite3_column_text(st, 0);
	assert_string_equal(got ? got : "", want);
	db_finalize(db, &st);
}

/* DECISION (billing.h): reopening restarts billing from the reopening date.
 * a: billed for its first cycle only, closed 2025-02-20, reopened
 * 2025-05-15: its 02-10 cycle (before the closure, never billed) is still
 * billed; 03-10, 04-10 and 05-10 (closed) never are, not even by later
 * runs; 06-10 is.  b: closed on its 03-10 cycle day (not billed) and
 * reopened on its 04-10 cycle day (billed). */
static void test_TRM8_reopened_account_not_billed_for_closed_months(void **state)
{
	struct fx *f = *state;
	kc_error err = KC_ERROR_INIT;
	set_now("2025-01-10T17:00:00Z");
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	int64_t b = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	assert_int_equal(run(f, "2025-01-10").invoices, 2);
	pay_balance(f->db, a, "2025-01-10");
	pay_balance(f->db, b, "2025-01-10");
	set_now("2025-02-10T17:00:00Z");
	ok(billing_run_account(f->db, &f->opt, b, "2025-02-10", false, NULL, &err), &err, "b");
	pay_balance(f->db, b, "2025-02-10");
	close_at(f->db, a, "2025-02-20T17:00:00Z");
	close_at(f->db, b, "2025-03-10T15:00:00Z");
	reopen_at(f->db, b, "2025-04-10T15:00:00Z");
	reopen_at(f->db, a, "2025-05-15T17:00:00Z");
	/* the account forgot its closure date; the audit trail keeps it */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM accounts WHERE closed_on IS NULL"
		" AND status = 'active'"), 2);

	set_now("2025-06-10T17:00:00Z");
	struct billing_report dry;
	ok(billing_run(f->db, &f->opt, "2025-06-10", true, NULL, NULL, &dry, &err), &err, "dry");
	struct billing_report r = run(f, "2025-06-10");
	assert_int_equal(dry.invoices, r.invoices);
	assert_int_equal(dry.total, r.total);
	assert_int_equal(r.invoices, 2 + 3); /* a: 02-10, 06-10; b: 04-10, 05-10, 06-10 */
	assert_dates(f->db, a, "2025-01-10,2025-02-10,2025-06-10");
	assert_dates(f->db, b, "2025-01-10,2025-02-10,2025-04-10,2025-05-10,2025-06-10");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64
		" AND cycle_key IN ('c0002', 'c0003', 'c0004')", a), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64
		" AND cycle_key = 'c0002'", b), 0);
	/* the cycle after the reopening: a regular invoice for its own cycle */
	struct invoice inv;
	get_invoice(f->db, number_of(f->db, a, 5), &inv);
	assert_string_equal(inv.kind, "regular");
	assert_string_equal(inv.period_start, "2025-06-10");
	assert_string_equal(inv.period_end, "2025-07-09");
	assert_int_equal(inv.subtotal, 5000);
	invoice_clear(&inv);

	/* closed cycles are never caught up: the same day issues nothing, the
	 * next cycle day only that cycle */
	assert_int_equal(run(f, "2025-06-10").invoices, 0);
	set_now("2025-07-10T17:00:00Z");
	assert_int_equal(run(f, "2025-07-10").invoices, 2);
	assert_dates(f->db, a, "2025-01-10,2025-02-10,2025-06-10,2025-07-10");
	assert_invoices_whole(f->db);
}

/* --- PAY-5 unpaid reassessment, PAY-4/BIL-6 amount owed --------------------- */

/* A paid first invoice, then the payment refunded as unauthorized (PAY-5),
 * notified at `notified`: the refunded amount is reassessed. */
static int64_t refund_unauthorized(struct fx *f, const char *welcome, const char *notified)
{
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = welcome });
	run(f, welcome);
	kc_error err = KC_ERROR_INIT;
	int64_t pm = 0;
	ok(paymethod_add(f->db, a, "visa", "4242", "2028-01", "tok_x", "", &pm, &err), &err, "pm");
	struct payment_input pin = { .account_id = a, .method = "visa", .amount = 5749,
		.received_on = welcome };
	struct payment_result pay;
	ok(payment_record(f->db, &pin, &pay, &err), &err, "pay");
	char day[11];
	snprintf(day, sizeof day, "%.10s", notified);
	struct refund_input rin = { .account_id = a, .payment_id = pay.payment_id,
		.reason = "unauthorized", .method = "paypal", .amount = 5749, .refunded_on = day,
		.paymethod_id = pm, .notified_at = notified };
	struct refund_result res;
	ok(payment_refund(f->db, &rin, &res, &err), &err, "refund");
	return a;
}

static const struct overdue_row *find_row(const struct overdue_row *rows, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].account_id == id)
			return &rows[i];
	return NULL;
}

static void test_PAY5_unpaid_reassessment_past_72_hours_listed_and_suspended(void **state)
{
	struct fx *f = *state;
	int64_t a = refund_unauthorized(f, "2025-03-01", "2025-03-03T15:00:00Z");
	struct overdue_row rows[8];
	size_t n;
	kc_error err = KC_ERROR_INIT;
	bool due;
	char pay_by[DATE_INSTANT_BUFSZ];
	/* 72 hours: due 2025-03-06T15:00:00Z (10:00 in Quebec) */
	ok(overdue_page(f->db, "2025-03-05", 0, rows, 8, &n, &err), &err, "before");
	assert_int_equal(n, 0);
	ok(overdue_reassessment_eligible(f->db, a, "2025-03-05", &due, pay_by, &err), &err, "elig");
	assert_false(due);
	assert_int_equal(overdue_suspend(f->db, a, "2025-03-05", "", &err), KC_ERR_RULE);
	assert_non_null(strstr(err.message, "PAY-5"));
	kc_error_clear(&err);
	ok(overdue_reassessment_eligible(f->db, a, "2025-03-06", &due, pay_by, &err), &err, "day");
	assert_true(due);
	assert_string_equal(pay_by, "2025-03-06T15:00:00Z");
	ok(overdue_page(f->db, "2025-03-08", 0, rows, 8, &n, &err), &err, "after");
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].account_id, a);
	assert_string_equal(rows[0].reason, "reassessment");
	assert_true(rows[0].reassessment);
	assert_false(rows[0].invoice_overdue);
	assert_string_equal(rows[0].pay_by, "2025-03-06T15:00:00Z");
	assert_int_equal(rows[0].days_late, 2);
	assert_string_equal(rows[0].oldest_date, "");
	overdue_rows_clear(rows, n);
	ok(overdue_suspend(f->db, a, "2025-03-08", "", &err), &err, "suspend");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM suspensions WHERE account_id = %" PRId64
		" AND reason = 'reassessment'", a), 1);
	/* the reassessment is not invoiced yet: the balance reads 0, yet it is owed */
	assert_int_equal(account_reinstate(f->db, a, 0, &err), KC_ERR_RULE);
	assert_non_null(strstr(err.message, "BIL-6"));
	assert_non_null(strstr(err.message, "57.49"));
	kc_error_clear(&err);
	/* paid before the next invoice: store credit for it; no longer listed */
	struct payment_input pin = { .account_id = a, .method = "cheque", .amount = 5749,
		.received_on = "2025-03-09" };
	ok(payment_record(f->db, &pin, NULL, &err), &err, "pay it");
	ok(overdue_page(f->db, "2025-03-10", 0, rows, 8, &n, &err), &err, "paid");
	assert_int_equal(n, 0);
	ok(account_reinstate(f->db, a, 0, &err), &err, "reinstate");
}

static void test_PAY5_invoiced_reassessment_unpaid_stays_listed(void **state)
{
	struct fx *f = *state;
	int64_t a = refund_unauthorized(f, "2025-03-01", "2025-03-03T15:00:00Z");
	int64_t late = make_account(f->db, (struct acct_spec){ .welcome = "2025-03-01" });
	run(f, "2025-04-01"); /* the reassessment goes on a's invoice of 2025-04-01 */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM fees WHERE invoice_id IS NULL"), 0);
	struct overdue_row rows[8];
	size_t n;
	kc_error err = KC_ERROR_INIT;
	ok(overdue_page(f->db, "2025-04-02", 0, rows, 8, &n, &err), &err, "listed");
	assert_int_equal(n, 2);
	const struct overdue_row *r = find_row(rows, n, a);
	assert_non_null(r); /* its new invoice is a day old: PAY-5 alone */
	assert_string_equal(r->reason, "reassessment");
	assert_false(r->invoice_overdue);
	r = find_row(rows, n, late); /* unpaid since 2025-03-01: BIL-6 */
	assert_non_null(r);
	assert_string_equal(r->reason, "overdue");
	assert_false(r->reassessment);
	overdue_rows_clear(rows, n);
	/* paid: off the list although the invoice was issued after the deadline */
	struct payment_input pin = { .account_id = a, .method = "cheque",
		.amount = q_int(f->db, "SELECT balance_cents FROM accounts WHERE id = %" PRId64, a),
		.received_on = "2025-04-03" };
	ok(payment_record(f->db, &pin, NULL, &err), &err, "pay");
	ok(overdue_page(f->db, "2025-04-04", 0, rows, 8, &n, &err), &err, "paid");
	assert_null(find_row(rows, n, a));
	overdue_rows_clear(rows, n);
}

static void test_PAY5_and_BIL6_both_reasons_overdue_first(void **state)
{
	struct fx *f = *state;
	int64_t a = refund_unauthorized(f, "2025-03-01", "2025-03-03T15:00:00Z");
	run(f, "2025-04-01");
	struct overdue_row rows[8];
	size_t n;
	kc_error err = KC_ERROR_INIT;
	ok(overdue_page(f->db, "2025-04-12", 0, rows, 8, &n, &err), &err, "both");
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].account_id, a);
	assert_string_equal(rows[0].reason, "overdue");
	assert_true(rows[0].invoice_overdue);
	assert_true(rows[0].reassessment);
	assert_string_equal(rows[0].oldest_date, "2025-04-01");
	overdue_rows_clear(rows, n);
	ok(overdue_suspend(f->db, a, "2025-04-12", "", &err), &err, "suspend");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM suspensions WHERE account_id = %" PRId64
		" AND reason = 'overdue'", a), 1);
}

static void test_PAY4_chargeback_then_reinstate_refused_until_paid(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-03-01" });
	run(f, "2025-03-01");
	kc_error err = KC_ERROR_INIT;
	struct payment_input pin = { .account_id = a, .method = "visa", .amount = 5749,
		.received_on = "2025-03-02" };
	struct payment_result pay;
	ok(payment_record(f->db, &pin, &pay, &err), &err, "pay");
	struct chargeback_result cb;
	ok(payment_chargeback(f->db, pay.payment_id, 0, "2025-03-10", 3500, &cb, &err), &err, "cb");
	assert_true(cb.suspended);
	struct payment_owed o;
	ok(payment_amount_owed(f->db, a, &o, &err), &err, "owed");
	assert_int_equal(o.balance, 0); /* invoices only: all paid */
	assert_int_equal(o.pending, 5749 + 3500);
	assert_int_equal(o.credit, 0);
	assert_int_equal(o.owed, 9249);
	assert_int_equal(account_reinstate(f->db, a, 0, &err), KC_ERR_RULE);
	assert_non_null(strstr(err.message, "BIL-6"));
	assert_non_null(strstr(err.message, "92.49"));
	kc_error_clear(&err);
	/* a partial payment becomes store credit: still 42.49 owed */
	pin.amount = 5000;
	pin.received_on = "2025-03-11";
	ok(payment_record(f->db, &pin, NULL, &err), &err, "partial");
	ok(payment_amount_owed(f->db, a, &o, &err), &err, "owed 2");
	assert_int_equal(o.credit, 5000);
	assert_int_equal(o.owed, 4249);
	assert_int_equal(account_reinstate(f->db, a, 0, &err), KC_ERR_RULE);
	kc_error_clear(&err);
	pin.amount = 4249;
	ok(payment_record(f->db, &pin, NULL, &err), &err, "rest");
	ok(payment_amount_owed(f->db, a, &o, &err), &err, "owed 3");
	assert_int_equal(o.owed, 0);
	ok(account_reinstate(f->db, a, 0, &err), &err, "reinstate");
	/* the next invoice bills the fees and takes the credit for them */
	run(f, "2025-04-01");
	assert_int_equal(q_int(f->db, "SELECT credited_cents FROM invoices WHERE account_id = %"
		PRId64 " AND cycle_key = 'c0001'", a), 9249);
	assert_int_equal(payment_amount_owed(f->db, 999, &o, &err), KC_ERR_NOT_FOUND);
	kc_error_clear(&err);
	assert_invoices_whole(f->db);
}

/* --- kill safety: a whole invoice or none --------------------------------- */

static void test_BIL7_failure_mid_invoice_leaves_no_partial_invoice(void **state)
{
	struct fx *f = *state;
	int64_t a = make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	make_account(f->db, (struct acct_spec){ .welcome = "2025-01-10" });
	/* a trigger makes the second invoice's tax rows fail */
	exec(f->db, "CREATE TEMP TRIGGER boom BEFORE INSERT ON invoice_taxes"
		" WHEN (SELECT count(*) FROM invoices) >= 2 BEGIN SELECT RAISE(ABORT, 'boom'); END");
	struct billing_report r;
	kc_error err = KC_ERROR_INIT;
	assert_int_not_equal(billing_run(f->db, &f->opt, "2025-01-10", false, NULL, NULL, &r, &err),
		KC_OK);
	kc_error_clear(&err);
	assert_int_equal(r.invoices, 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices"), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices WHERE account_id = %" PRId64, a), 1);
	assert_invoices_whole(f->db);
	exec(f->db, "DROP TRIGGER boom");
	r = run(f, "2025-01-10");
	assert_int_equal(r.invoices, 1);
	assert_invoices_whole(f->db);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_BIL1_31st_anniversary_across_february_and_leap_year),
		T(test_BIL1_thirty_day_cycle),
		T(test_BIL2_first_invoice_is_max_of_minimum_and_usage_percent),
		T(test_BIL4_quebec_100_gives_114_98),
		T(test_BIL4_quebec_300_gives_qst_29_93),
		T(test_BIL4_ontario_hst_single_line),
		T(test_BIL4_nova_scotia_rate_follows_invoice_date),
		T(test_BIL3_many_8_decimal_usage_rows_rounded_once),
		T(test_BIL3_regular_invoice_lines),
		T(test_PRC1_annual_term_charges_12_cycles_at_term_price),
		T(test_ACC6_switch_to_annual_at_next_anniversary),
		T(test_PRC2_coupons_first_invoice_and_recurring),
		T(test_CRD2_credit_applied_after_tax_oldest_first),
		T(test_BIL7_two_runs_on_one_day_issue_nothing_twice),
		T(test_BIL7_dry_run_writes_nothing),
		T(test_BIL8_closed_and_pending_accounts_get_no_invoice),
		T(test_BIL5_issued_invoice_is_immutable),
		T(test_BIL9_statement_in_customer_language),
		T(test_invoice_page_filters_and_keyset),
		T(test_BIL6_overdue_from_day_11_and_reinstatement_only_when_paid),
		T(test_BIL7_failure_mid_invoice_leaves_no_partial_invoice),
		T(test_TRM6_final_invoice_bills_usage_after_the_last_cycle_rounded_once),
		T(test_BIL8_no_renewal_once_the_service_ended),
		T(test_TRM8_reopened_account_not_billed_for_closed_months),
		T(test_PAY5_unpaid_reassessment_past_72_hours_listed_and_suspended),
		T(test_PAY5_invoiced_reassessment_unpaid_stays_listed),
		T(test_PAY5_and_BIL6_both_reasons_overdue_first),
		T(test_PAY4_chargeback_then_reinstate_refused_until_paid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
