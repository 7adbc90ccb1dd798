/* test_termination.c: termination requests and closure (TRM-1..8, CRD-3,
 * SLA-6, PRC-2, ACC-10) on a real database file. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "billing.h"
#include "calendar.h"
#include "date.h"
#include "db.h"
#include "termination.h"
#include "testutil.h"

/* "Today" for every test: Monday 2026-07-20, noon in Montreal. */
#define NOW_ISO "2026-07-20T16:00:00Z"
#define TODAY "2026-07-20"

struct fixture {
	kc_db *db;
	int64_t account;
};

static int counter;

static int setup(void **state)
{
	kc_instant now;
	assert_int_equal(date_instant_parse(NOW_ISO, &now, NULL), KC_OK);
	date_set_now_for_tests(now);
	char name[64];
	snprintf(name, sizeof name, "trm-%d.sqlite", ++counter);
	struct db_open_options o = { .path = test_path(name), .create = true };
	kc_error err = KC_ERROR_INIT;
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	if (db_open(&o, &f->db, &err) != KC_OK)
		fail_msg("db_open: %s", kc_error_text(&err));
	db_set_staff(f->db, "alice");
	char client[32];
	snprintf(client, sizeof client, "10%04d", counter);
	struct account_fields af = {
		.holder = "Josée Tremblay", .email = "josee@example.com", .province = "QC",
		.level = "fully_administered", .voipms_client = client, .signed_on = "2025-01-10",
	};
	if (account_create(f->db, &af, &f->account, NULL, &err) != KC_OK)
		fail_msg("account_create: %s", kc_error_text(&err));
	if (account_activate(f->db, f->account, 0, "2025-01-15", &err) != KC_OK)
		fail_msg("account_activate: %s", kc_error_text(&err));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_leaked_statements(f->db), 0);
	db_close(&f->db);
	free(f);
	date_clear_now_for_tests();
	return 0;
}

/* --- helpers ------------------------------------------------------------ */

static void exec_sql(kc_db *db, const char *sql)
{
	kc_error err = KC_ERROR_INIT;
	if (db_exec(db, sql, &err) != KC_OK)
		fail_msg("%s: %s", sql, kc_error_text(&err));
}

static int64_t query_int(kc_db *db, const char *sql)
{
	int64_t v = -12345;
	kc_error err = KC_ERROR_INIT;
	if (db_query_int(db, sql, &v, &err) != KC_OK)
		fail_msg("%s: %s", sql, kc_error_text(&err));
	return v;
}

static void expect_msg(const kc_error *err, const char *part)
{
	if (!err->message || !strstr(err->message, part))
		fail_msg("message \"%s\" lacks \"%s\"", err->message ? err->message : "(null)", part);
}

/* Expects st == code with `part` in the message; clears err. */
static void expect(kc_status st, kc_error *err, kc_status code, const char *part)
{
	if (st != code)
		fail_msg("status %d (expected %d): %s", st, code, kc_error_text(err));
	if (part)
		expect_msg(err, part);
	kc_error_clear(err);
}

static void ok(kc_status st, kc_error *err)
{
	if (st != KC_OK)
		fail_msg("unexpected failure: %s", kc_error_text(err));
}

static int64_t request(struct fixture *f, const char *who, bool expedite, bool separation,
	const char *date)
{
	kc_error err = KC_ERROR_INIT;
	struct termination_request_args a = { .account_id = f->account, .requested_by = who,
		.expedite = expedite, .separation_only = separation, .date = date };
	int64_t id = 0;
	ok(termination_request(f->db, &a, &id, &err), &err);
	assert_true(id > 0);
	return id;
}

static enum termination_state state_of(struct fixture *f, int64_t id)
{
	struct termination t;
	kc_error err = KC_ERROR_INIT;
	ok(termination_get(f->db, id, &t, &err), &err);
	enum termination_state s = t.state;
	termination_clear(&t);
	return s;
}

/* An issued invoice for the account, raw (billing is another module), and
 * the account's derived balance raised by its total. */
static void add_invoice(struct fixture *f, int number, const char *kind, const char *date,
	int64_t total)
{
	char *sql = kc_asprintf(
		"INSERT INTO invoices (number, account_id, kind, cycle_key, invoice_date, "
		"period_start, period_end, province, language, gst_number, qst_number, "
		"subtotal_cents, tax_cents, total_cents, issued_at, issued_by) VALUES "
		"(%d, %lld, '%s', 'c%d', '%s', '%s', '%s', 'QC', 'fr', '123456789 RT0001', "
		"'1234567890 TQ0001', %lld, 0, %lld, '%sT12:00:00Z', 'alice');"
		"UPDATE accounts SET balance_cents = balance_cents + %lld WHERE id = %lld;",
		number, (long long)f->account, kind, number, date, date, date, (long long)total,
		(long long)total, date, (long long)total, (long long)f->account);
	assert_non_null(sql);
	exec_sql(f->db, sql);
	free(sql);
}

/* Runs a termination up to final_invoiced, the service ended on `end`. */
static int64_t up_to_final_on(struct fixture *f, const char *end)
{
	kc_error err = KC_ERROR_INIT;
	int64_t id = request(f, "Josée Tremblay", false, false, "2026-05-01");
	ok(termination_approve(f->db, id, 0, NULL, &err), &err);
	ok(termination_schedule(f->db, id, 0, end, &err), &err);
	ok(termination_end_service(f->db, id, 0, end, &err), &err);
	ok(termination_final_invoice(f->db, id, 0, NULL, &err), &err);
	return id;
}

static int64_t up_to_final(struct fixture *f)
{
	return up_to_final_on(f, "2026-07-10");
}

static void tick_all(struct fixture *f, int64_t id)
{
	kc_error err = KC_ERROR_INIT;
	for (int c = 0; c < TERMINATION_CHECK_COUNT; c++)
		ok(termination_check(f->db, id, 0, (enum termination_check)c, &err), &err);
}

/* --- NULL and edge cases --------------------------------------------------- */

static void test_null_and_parse(void **state)
{
	(void)state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = 99;
	expect(termination_request(NULL, NULL, &id, &err), &err, KC_ERR_INVALID, NULL);
	assert_int_equal(id, 0);
	enum termination_state s;
	assert_true(termination_state_parse("service_ended", &s));
	assert_int_equal(s, TERMINATION_SERVICE_ENDED);
	assert_false(termination_state_parse("Closed", &s));
	assert_false(termination_state_parse(NULL, &s));
	for (int i = 0; i < TERMINATION_STATE_COUNT; i++) {
		assert_true(termination_state_parse(termination_state_key((enum termination_state)i), &s));
		assert_int_equal(s, i);
	}
	enum termination_check c;
	assert_true(termination_check_parse("remove-roles", &c));
	assert_int_equal(c, TERMINATION_CHECK_ROLES);
	assert_true(termination_check_parse("TRANSFER_CREDENTIALS", &c));
	assert_int_equal(c, TERMINATION_CHECK_CREDENTIALS);
	assert_false(termination_check_parse("remove_role", &c));
	assert_false(termination_check_parse("remove_rolesx", &c));
	assert_false(termination_check_parse("", &c));
}

static void test_TRM4_late_flag(void **state)
{
	(void)state;
	assert_false(termination_is_late(NULL, NULL, "2026-07-20"));
	assert_false(termination_is_late("2026-07-07", "2026-07-07", NULL));
	assert_true(termination_is_late("2026-07-07", "2026-07-08", NULL));
	assert_false(termination_is_late("2026-07-07", NULL, "2026-07-07"));
	assert_true(termination_is_late("2026-07-07", NULL, "2026-07-08"));
	/* NULL today = the pinned today, 2026-07-20 */
	assert_true(termination_is_late("2026-07-07", NULL, NULL));
}

static void test_request_input_checks(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	struct termination_request_args a = { .account_id = f->account, .requested_by = "  " };
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_INVALID, "TRM-1");
	a.requested_by = "Josée Tremblay";
	a.channel = "fax";
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_INVALID, "fax");
	a.channel = NULL;
	a.date = "2026-07-21"; /* tomorrow */
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_INVALID, "future");
	a.date = "2026-02-30";
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_INVALID, NULL);
	a.date = NULL;
	a.account_id = 4242;
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_NOT_FOUND, NULL);
	assert_int_equal(id, 0);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM termination_requests"), 0);
	assert_int_equal(query_int(f->db,
		"SELECT count(*) FROM audit WHERE entity = 'termination'"), 0);
}

/* --- TRM-1 ------------------------------------------------------------------ */

static void test_TRM1_non_holder_refused_and_recorded(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	struct termination_request_args a = { .account_id = f->account,
		.requested_by = "Marc Gagnon", .date = "2026-07-02" };
	kc_status st = termination_request(f->db, &a, &id, &err);
	assert_int_equal(st, KC_ERR_RULE);
	expect_msg(&err, "TRM-1");
	expect_msg(&err, "Marc Gagnon");
	kc_error_clear(&err);
	assert_true(id > 0);
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_REFUSED);
	assert_false(t.from_holder);
	assert_string_equal(t.requested_by, "Marc Gagnon");
	assert_string_equal(t.requested_on, "2026-07-02");
	assert_string_equal(t.created_by, "alice");
	termination_clear(&t);
	char *sql = kc_asprintf("SELECT count(*) FROM audit WHERE entity = 'termination' AND "
		"entity_id = %lld AND action = 'termination.refuse' AND account_id = %lld",
		(long long)id, (long long)f->account);
	assert_int_equal(query_int(f->db, sql), 1);
	free(sql);
	/* a refusal is not a pending termination, and the holder may still ask */
	struct termination_pending p;
	ok(termination_pending_for_account(f->db, f->account, &p, &err), &err);
	assert_int_equal(p.id, 0);
	int64_t real = request(f, "Josée Tremblay", false, false, NULL);
	assert_true(real > id);
}

static void test_TRM1_holder_name_trimmed_case_insensitive_accent_sensitive(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	struct termination_request_args a = { .account_id = f->account,
		.requested_by = "Josee Tremblay" };
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_RULE, "TRM-1");
	assert_int_equal(state_of(f, id), TERMINATION_REFUSED);
	a.requested_by = "  JOSÉE   tremblay \t";
	ok(termination_request(f->db, &a, &id, &err), &err);
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_REQUESTED);
	assert_true(t.from_holder);
	assert_string_equal(t.requested_by, "JOSÉE   tremblay"); /* as signed, trimmed */
	assert_string_equal(t.channel, "portal");
	assert_string_equal(t.requested_on, TODAY);
	termination_clear(&t);
}

static void test_request_refusals(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t first = request(f, "Josée Tremblay", false, false, NULL), id = 0;
	struct termination_request_args a = { .account_id = f->account,
		.requested_by = "Josée Tremblay" };
	/* one request at a time */
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_INVALID, "in progress");
	assert_int_equal(id, 0);
	/* TRM-2 / TRM-3: in writing */
	a.expedite = true;
	a.channel = "portal";
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_RULE, "TRM-2");
	a.expedite = false;
	a.separation_only = true;
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_RULE, "TRM-3");
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM termination_requests"), 1);
	assert_int_equal(state_of(f, first), TERMINATION_REQUESTED);
	/* TRM-1 comes first: a stranger's expedite through the portal is
	 * still recorded as refused */
	a.separation_only = false;
	a.expedite = true;
	a.requested_by = "Marc Gagnon";
	expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_RULE, "TRM-1");
	assert_int_equal(state_of(f, id), TERMINATION_REFUSED);
}

/* --- TRM-2 ------------------------------------------------------------------ */

static void test_TRM2_expedite_approve(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = request(f, "Josée Tremblay", true, false, "2026-07-15");
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_string_equal(t.channel, "written"); /* expedite defaults to writing */
	assert_true(t.expedite);
	int64_t v = t.version;
	termination_clear(&t);
	/* a stale version conflicts and names who changed it */
	expect(termination_approve(f->db, id, v + 1, "ok", &err), &err, KC_ERR_CONFLICT, "alice");
	ok(termination_approve(f->db, id, v, "  Moving out of province  ", &err), &err);
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_APPROVED);
	assert_string_equal(t.decision_note, "Moving out of province");
	assert_int_equal(t.version, v + 1);
	termination_clear(&t);
	/* decided once */
	expect(termination_deny(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-2");
	char *sql = kc_asprintf("SELECT count(*) FROM audit WHERE action = 'termination.approve' "
		"AND entity_id = %lld AND new_values LIKE '%%Moving out%%'", (long long)id);
	assert_int_equal(query_int(f->db, sql), 1);
	free(sql);
}

static void test_TRM2_expedite_deny_goes_on_at_normal_pace(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = request(f, "Josée Tremblay", true, false, "2026-07-15");
	ok(termination_deny(f->db, id, 0, "Notice period applies", &err), &err);
	assert_int_equal(state_of(f, id), TERMINATION_DENIED);
	ok(termination_schedule(f->db, id, 0, "2026-08-15", &err), &err);
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_SCHEDULED);
	assert_int_equal(t.decision, TERMINATION_DECISION_DENIED); /* kept after the state moved */
	assert_string_equal(t.decision_note, "Notice period applies");
	termination_clear(&t);
}

static void test_TRM2_plain_request_cannot_be_denied(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = request(f, "Josée Tremblay", false, false, NULL);
	expect(termination_deny(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-2");
	assert_int_equal(state_of(f, id), TERMINATION_REQUESTED);
	/* order: no schedule before the decision */
	expect(termination_schedule(f->db, id, 0, "2026-08-01", &err), &err, KC_ERR_RULE, "TRM-2");
	expect(termination_schedule(f->db, id, 0, NULL, &err), &err, KC_ERR_INVALID, NULL);
}

/* --- workflow order -------------------------------------------------------- */

static void test_steps_out_of_order_are_refused(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = request(f, "Josée Tremblay", false, false, "2026-07-01");
	expect(termination_end_service(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-6");
	expect(termination_final_invoice(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-6");
	expect(termination_transfer_request(f->db, id, 0, NULL, NULL, &err), &err, KC_ERR_RULE,
		"TRM-4");
	expect(termination_check(f->db, id, 0, TERMINATION_CHECK_ROLES, &err), &err, KC_ERR_RULE,
		"TRM-5");
	expect(termination_transferred(f->db, id, 0, NULL, NULL, &err), &err, KC_ERR_RULE, "TRM-4");
	expect(termination_close(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-6");
	ok(termination_approve(f->db, id, 0, NULL, &err), &err);
	expect(termination_schedule(f->db, id, 0, "2026-06-30", &err), &err, KC_ERR_INVALID,
		"before");
	ok(termination_schedule(f->db, id, 0, "2026-07-31", &err), &err);
	/* rescheduling before the end of service is allowed */
	ok(termination_schedule(f->db, id, 0, "2026-07-17", &err), &err);
	expect(termination_end_service(f->db, id, 0, "2026-07-21", &err), &err, KC_ERR_INVALID,
		"future");
	ok(termination_end_service(f->db, id, 0, "2026-07-17", &err), &err);
	expect(termination_close(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-6");
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_string_equal(t.scheduled_on, "2026-07-17");
	assert_string_equal(t.service_ended_on, "2026-07-17");
	assert_int_equal(t.state, TERMINATION_SERVICE_ENDED);
	termination_clear(&t);
	/* the account is still open until closure (BIL-8 ends there) */
	struct account a;
	ok(account_get(f->db, f->account, &a, &err), &err);
	assert_string_equal(a.status, "active");
	account_clear(&a);
}

/* --- TRM-6 ------------------------------------------------------------------ */

static void test_TRM6_final_invoice_linked_and_sync_reported(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_invoice(f, 1, "regular", "2026-06-15", 17246);
	add_invoice(f, 2, "final", "2026-07-12", 2299);
	add_invoice(f, 3, "regular", "2026-07-15", 100);
	char *sql = kc_asprintf("INSERT INTO sync_watermarks (account_id, synced_to) VALUES "
		"(%lld, '2026-07-09')", (long long)f->account);
	exec_sql(f->db, sql);
	free(sql);
	int64_t id = request(f, "Josée Tremblay", false, false, "2026-06-15");
	ok(termination_approve(f->db, id, 0, NULL, &err), &err);
	ok(termination_schedule(f->db, id, 0, "2026-07-10", &err), &err);
	ok(termination_end_service(f->db, id, 0, "2026-07-10", &err), &err);
	struct termination_final fi;
	ok(termination_final_invoice(f->db, id, 0, &fi, &err), &err);
	assert_int_equal(fi.invoice_number, 2);
	assert_true(fi.is_final);
	assert_false(fi.usage_synced); /* synced to the 9th, service ended the 10th */
	assert_string_equal(fi.synced_to, "2026-07-09");
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_FINAL_INVOICED);
	assert_int_equal(t.final_invoice_number, 2);
	assert_string_equal(t.final_invoice_kind, "final");
	assert_int_equal(t.balance, 17246 + 2299 + 100);
	termination_clear(&t);
	expect(termination_final_invoice(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-6");
}

static void test_TRM6_without_final_invoice_links_the_latest(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_invoice(f, 7, "regular", "2026-06-15", 5749);
	add_invoice(f, 8, "regular", "2026-07-15", 5749);
	char *sql = kc_asprintf("INSERT INTO sync_watermarks (account_id, synced_to) VALUES "
		"(%lld, '2026-07-19')", (long long)f->account);
	exec_sql(f->db, sql);
	free(sql);
	int64_t id = request(f, "Josée Tremblay", false, false, "2026-06-15");
	ok(termination_approve(f->db, id, 0, NULL, &err), &err);
	ok(termination_schedule(f->db, id, 0, "2026-07-10", &err), &err);
	ok(termination_end_service(f->db, id, 0, "2026-07-10", &err), &err);
	struct termination_final fi;
	ok(termination_final_invoice(f->db, id, 0, &fi, &err), &err);
	assert_int_equal(fi.invoice_number, 8);
	assert_false(fi.is_final);
	assert_true(fi.usage_synced);
}

/* Calls of the account on `day`, each costing units8, not invoiced. */
static void add_calls(struct fixture *f, int count, int64_t units8, const char *day)
{
	for (int i = 0; i < count; i++) {
		char *sql = kc_asprintf("INSERT INTO usage_records (account_id, client, uniqueid, "
			"started_at, seconds, cost_units8) SELECT id, voipms_client, 'c%s-%d', "
			"'%sT14:00:00Z', 60, %lld FROM accounts WHERE id = %lld", day, i, day,
			(long long)units8, (long long)f->account);
		assert_non_null(sql);
		exec_sql(f->db, sql);
		free(sql);
	}
}

static void synced_to(struct fixture *f, const char *day)
{
	char *sql = kc_asprintf("INSERT INTO sync_watermarks (account_id, synced_to) VALUES "
		"(%lld, '%s')", (long long)f->account, day);
	exec_sql(f->db, sql);
	free(sql);
}

static void test_TRM6_final_invoice_issued_by_billing_and_linked(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	/* 3 calls of 0.33333333 $ = 0.99999999 $ -> 1.00 $ (rounded once) */
	add_calls(f, 3, 33333333, "2026-07-05");
	synced_to(f, "2026-07-10");
	int64_t id = request(f, "Josée Tremblay", false, false, "2026-06-15");
	ok(termination_approve(f->db, id, 0, NULL, &err), &err);
	ok(termination_schedule(f->db, id, 0, "2026-07-10", &err), &err);
	ok(termination_end_service(f->db, id, 0, "2026-07-10", &err), &err);
	struct billing_options opt;
	billing_options_default(&opt);
	opt.gst_number = "987654321 RT0001";
	struct termination_final fi;
	ok(termination_final_invoice_with(f->db, id, 0, &opt, &fi, &err), &err);
	assert_true(fi.issued);
	assert_true(fi.is_final);
	assert_true(fi.usage_synced);
	assert_int_equal(fi.invoice_number, 1);
	assert_int_equal(fi.invoice_total, 100 + 5 + 10); /* GST 0.05, QST 0.09975 -> 0.10 */
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_FINAL_INVOICED);
	assert_int_equal(t.final_invoice_id, fi.invoice_id);
	assert_string_equal(t.final_invoice_kind, "final");
	assert_int_equal(t.balance, 115);
	termination_clear(&t);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM invoices WHERE kind = 'final' "
		"AND cycle_key = 'final' AND gst_number = '987654321 RT0001'"), 1);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM usage_records WHERE invoice_id IS NULL"), 0);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM audit WHERE action = "
		"'termination.final_invoice' AND new_values LIKE '%\"issued\":1%'"), 1);
	/* the step is done once; billing itself issues no second final invoice */
	expect(termination_final_invoice(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-6");
	int64_t number = 0;
	ok(billing_issue_final(f->db, &opt, f->account, "2026-07-10", &number, &err), &err);
	assert_int_equal(number, 1);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM invoices"), 1);
}

static void test_TRM6_sync_behind_the_end_of_service_refuses_the_final_invoice(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_calls(f, 2, 50000000, "2026-07-08");
	synced_to(f, "2026-07-08");
	int64_t id = request(f, "Josée Tremblay", false, false, "2026-06-15");
	ok(termination_approve(f->db, id, 0, NULL, &err), &err);
	ok(termination_schedule(f->db, id, 0, "2026-07-10", &err), &err);
	ok(termination_end_service(f->db, id, 0, "2026-07-10", &err), &err);
	expect(termination_final_invoice(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE,
		"synced only to 2026-07-08");
	assert_int_equal(state_of(f, id), TERMINATION_SERVICE_ENDED);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM invoices"), 0);
	assert_int_equal(query_int(f->db, "SELECT next_value FROM sequences WHERE name = 'invoice'"), 1);
	char *sql = kc_asprintf("UPDATE sync_watermarks SET synced_to = '2026-07-12' "
		"WHERE account_id = %lld", (long long)f->account);
	exec_sql(f->db, sql);
	free(sql);
	struct termination_final fi;
	ok(termination_final_invoice(f->db, id, 0, &fi, &err), &err);
	assert_true(fi.issued);
	assert_int_equal(fi.invoice_total, 100 + 5 + 10);
}

/* --- unpaid balance -------------------------------------------------------- */

static void test_TRM6_unpaid_balance_proceeds_and_closure_reports_it(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_invoice(f, 1, "regular", "2026-06-15", 17246); /* unpaid */
	int64_t id = up_to_final(f);
	struct termination_closure c;
	ok(termination_close(f->db, id, 0, &c, &err), &err);
	assert_int_equal(c.balance_owed, 17246);
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_CLOSED);
	assert_true(t.has_balance_at_closure);
	assert_int_equal(t.balance_at_closure, 17246);
	assert_string_equal(t.closed_on, TODAY);
	assert_string_equal(t.account_status, "closed");
	termination_clear(&t);
	struct account a;
	ok(account_get(f->db, f->account, &a, &err), &err);
	assert_string_equal(a.status, "closed");
	assert_string_equal(a.closure_reason, "holder_request");
	assert_int_equal(a.balance_cents, 17246); /* still owed */
	account_clear(&a);
	/* a later payment does not rewrite what was owed at closure */
	char *sql = kc_asprintf("UPDATE accounts SET balance_cents = 0 WHERE id = %lld",
		(long long)f->account);
	exec_sql(f->db, sql);
	free(sql);
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.balance, 17246);
	termination_clear(&t);
}

/* --- TRM-4 ------------------------------------------------------------------ */

static void test_TRM4_deadline_skips_weekends_and_quebec_holidays(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = up_to_final(f);
	/* service ended 2026-07-10: a request before that is refused */
	expect(termination_transfer_request(f->db, id, 0, "2026-06-19", NULL, &err), &err,
		KC_ERR_INVALID, "before");
	ok(termination_transfer_request(f->db, id, 0, "2026-07-13", NULL, &err), &err);
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_TRANSFER_REQUESTED);
	assert_string_equal(t.transfer_requested_on, "2026-07-13");
	assert_string_equal(t.transfer_due, "2026-07-27"); /* two plain weeks */
	assert_false(t.late);
	termination_clear(&t);
}

/* Requested Friday 2026-06-19: the 10 business days skip two weekends,
 * Saint-Jean-Baptiste (Wed 24 June) and Canada Day (Wed 1 July). */
static void test_TRM4_deadline_across_saint_jean_and_canada_day(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = request(f, "Josée Tremblay", false, true, "2026-06-18");
	ok(termination_approve(f->db, id, 0, NULL, &err), &err);
	ok(termination_transfer_request(f->db, id, 0, "2026-06-19", NULL, &err), &err);
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_string_equal(t.transfer_due, "2026-07-07");
	assert_true(t.late); /* not transferred, and today is 2026-07-20 */
	termination_clear(&t);
	/* the calendar agrees, and without the holidays it would be 3 July */
	struct calendar_options o = calendar_default_options();
	kc_date d = { 2026, 6, 19 }, due = calendar_add_business_days(&o, d, 10);
	char buf[DATE_BUFSZ];
	assert_string_equal(date_format(due, buf), "2026-07-07");
	/* a configured extra holiday moves it one more day */
	kc_date extra[] = { { 2026, 7, 6 } };
	o.extra_holidays = extra;
	o.extra_count = 1;
	int64_t id2;
	{
		/* separate account for a second request */
		struct account_fields af = { .holder = "Luc Roy", .email = "luc@example.com",
			.province = "QC", .level = "basic", .voipms_client = "99001",
			.signed_on = "2025-01-10" };
		int64_t acc;
		ok(account_create(f->db, &af, &acc, NULL, &err), &err);
		struct termination_request_args a = { .account_id = acc, .requested_by = "luc roy",
			.separation_only = true, .date = "2026-06-18" };
		ok(termination_request(f->db, &a, &id2, &err), &err);
	}
	ok(termination_approve(f->db, id2, 0, NULL, &err), &err);
	ok(termination_transfer_request(f->db, id2, 0, "2026-06-19", &o, &err), &err);
	ok(termination_get(f->db, id2, &t, &err), &err);
	assert_string_equal(t.transfer_due, "2026-07-08");
	termination_clear(&t);
}

/* --- TRM-5 and the late transfer ------------------------------------------ */

static void test_TRM5_checklist_who_and_when(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = up_to_final(f);
	ok(termination_transfer_request(f->db, id, 0, "2026-07-13", NULL, &err), &err);
	db_set_staff(f->db, "bob");
	ok(termination_check(f->db, id, 0, TERMINATION_CHECK_GROUPS, &err), &err);
	expect(termination_check(f->db, id, 0, TERMINATION_CHECK_GROUPS, &err), &err,
		KC_ERR_INVALID, "bob");
	expect(termination_transferred(f->db, id, 0, NULL, NULL, &err), &err, KC_ERR_RULE,
		"TRM-5");
	expect(termination_close(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-4");
	db_set_staff(f->db, "carole");
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.checks_done, 1);
	int64_t v = t.version;
	termination_clear(&t);
	ok(termination_check(f->db, id, v, TERMINATION_CHECK_ACCOUNTS, &err), &err);
	ok(termination_check(f->db, id, 0, TERMINATION_CHECK_ROLES, &err), &err);
	ok(termination_check(f->db, id, 0, TERMINATION_CHECK_FEDERATIONS, &err), &err);
	assert_int_equal(state_of(f, id), TERMINATION_TRANSFER_REQUESTED);
	ok(termination_check(f->db, id, 0, TERMINATION_CHECK_CREDENTIALS, &err), &err);
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_CHECKLIST_DONE);
	assert_int_equal(t.checks_done, TERMINATION_CHECK_COUNT);
	assert_string_equal(t.checklist[TERMINATION_CHECK_GROUPS].done_by, "bob");
	assert_string_equal(t.checklist[TERMINATION_CHECK_CREDENTIALS].done_by, "carole");
	for (int c = 0; c < TERMINATION_CHECK_COUNT; c++) {
		assert_true(t.checklist[c].done);
		assert_string_equal(t.checklist[c].done_at, "2026-07-20T16:00:00Z");
	}
	termination_clear(&t);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM audit WHERE action = "
		"'termination.check' AND staff = 'bob' AND new_values LIKE '%remove_groups%'"), 1);
	expect(termination_check(f->db, id, 0, TERMINATION_CHECK_GROUPS, &err), &err, KC_ERR_RULE,
		"TRM-5");
}

static void test_TRM4_late_transfer_is_flagged(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = up_to_final_on(f, "2026-06-01");
	ok(termination_transfer_request(f->db, id, 0, "2026-06-19", NULL, &err), &err);
	struct termination_row rows[4];
	size_t n = 0;
	struct termination_query q = { .state = "transfer_requested", .today = "2026-07-07" };
	ok(termination_page(f->db, &q, NULL, rows, 4, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].transfer_due, "2026-07-07");
	assert_false(rows[0].late); /* due today: not late yet */
	termination_rows_clear(rows, n);
	q.today = NULL; /* the pinned today, 2026-07-20 */
	ok(termination_page(f->db, &q, NULL, rows, 4, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_true(rows[0].late);
	termination_rows_clear(rows, n);
	tick_all(f, id);
	expect(termination_transferred(f->db, id, 0, "2026-06-18", NULL, &err), &err,
		KC_ERR_INVALID, "before");
	bool late = false;
	ok(termination_transferred(f->db, id, 0, "2026-07-08", &late, &err), &err);
	assert_true(late);
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.state, TERMINATION_TRANSFERRED);
	assert_string_equal(t.transferred_on, "2026-07-08");
	assert_true(t.late);
	termination_clear(&t);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM audit WHERE action = "
		"'termination.transferred' AND new_values LIKE '%\"late\":1%'"), 1);
}

static void test_TRM4_transfer_on_time_is_not_late(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = up_to_final_on(f, "2026-06-01");
	ok(termination_transfer_request(f->db, id, 0, "2026-06-19", NULL, &err), &err);
	tick_all(f, id);
	bool late = true;
	ok(termination_transferred(f->db, id, 0, "2026-07-07", &late, &err), &err);
	assert_false(late);
	struct termination_pending p;
	ok(termination_pending_for_account(f->db, f->account, &p, &err), &err);
	assert_int_equal(p.id, id); /* transferred, not yet closed */
	assert_int_equal(p.state, TERMINATION_TRANSFERRED);
	assert_false(p.late);
	ok(termination_close(f->db, id, 0, NULL, &err), &err);
	ok(termination_pending_for_account(f->db, f->account, &p, &err), &err);
	assert_int_equal(p.id, 0);
}

/* --- TRM-7, CRD-3, SLA-6, PRC-2 --------------------------------------------- */

static void add_forfeitables(struct fixture *f)
{
	char *sql = kc_asprintf(
		"INSERT INTO store_credits (account_id, source, amount_cents, remaining_cents, "
		"issued_on, expires_on, note, created_by) VALUES "
		"(%1$lld, 'goodwill', 5000, 3000, '2026-03-01', '2028-03-01', '', 'alice'),"
		"(%1$lld, 'sla', 1500, 0, '2026-01-01', '2028-01-01', '', 'alice');"
		"UPDATE store_credits SET status = 'used' WHERE remaining_cents = 0;"
		"INSERT INTO tickets (number, account_id, subject, requested_priority, priority, "
		"received_at, response_due, created_at, created_by, updated_at, updated_by) VALUES "
		"(1, %1$lld, 'Down', 'emergency', 'emergency', '2026-06-01T12:00:00Z', "
		"'2026-06-01T12:15:00Z', '2026-06-01T12:00:00Z', 'alice', '2026-06-01T12:00:00Z', 'alice'),"
		"(2, %1$lld, 'Slow', 'urgent', 'urgent', '2026-06-02T12:00:00Z', "
		"'2026-06-02T16:00:00Z', '2026-06-02T12:00:00Z', 'alice', '2026-06-02T12:00:00Z', 'alice');"
		"INSERT INTO sla_credit_requests (ticket_id, account_id, requested_on, incident_month, "
		"amount_cents, status, created_by) VALUES "
		"(1, %1$lld, '2026-06-05', '2026-06', 1500, 'pending', 'alice'),"
		"(2, %1$lld, '2026-06-05', '2026-06', 1500, 'granted', 'alice');"
		"INSERT INTO coupons (account_id, code, amount_cents, recurring, cycles_left, "
		"created_at, created_by) VALUES (%1$lld, 'WELCOME', 1000, 1, 3, "
		"'2026-01-01T00:00:00Z', 'alice');",
		(long long)f->account);
	assert_non_null(sql);
	exec_sql(f->db, sql);
	free(sql);
}

static void test_CRD3_TRM7_closure_forfeits_credit_and_history_shows_it(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_invoice(f, 1, "final", "2026-07-12", 2299);
	add_forfeitables(f);
	int64_t id = up_to_final(f);
	struct termination_closure c;
	ok(termination_close(f->db, id, 0, &c, &err), &err);
	assert_int_equal(c.credits_forfeited, 1);
	assert_int_equal(c.credit_forfeited, 3000);
	assert_int_equal(c.sla_cancelled, 1);
	assert_int_equal(c.coupons_voided, 1);
	assert_int_equal(c.balance_owed, 2299);
	char *sql = kc_asprintf("SELECT count(*) FROM store_credits WHERE account_id = %lld "
		"AND status = 'forfeited' AND amount_cents = 5000", (long long)f->account);
	assert_int_equal(query_int(f->db, sql), 1);
	free(sql);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM store_credits WHERE status = 'used'"), 1);
	/* the history shows the forfeit (credit module's row), tied to the
	 * account, and the closure's row carries the amount forfeited */
	sql = kc_asprintf("SELECT count(*) FROM audit WHERE action = 'credit.forfeit' AND "
		"account_id = %lld AND new_values LIKE '%%forfeited%%'", (long long)f->account);
	assert_int_equal(query_int(f->db, sql), 1);
	free(sql);
	sql = kc_asprintf("SELECT count(*) FROM audit WHERE action = 'termination.close' AND "
		"entity_id = %lld AND new_values LIKE '%%\"credit_forfeited_cents\":3000%%'",
		(long long)id);
	assert_int_equal(query_int(f->db, sql), 1);
	free(sql);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM audit WHERE action = 'account.close' "
		"AND new_values LIKE '%holder_request%'"), 1);
}

static void test_SLA6_pending_sla_credits_cancelled_at_closure(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_forfeitables(f);
	int64_t id = up_to_final(f);
	ok(termination_close(f->db, id, 0, NULL, &err), &err);
	assert_int_equal(query_int(f->db,
		"SELECT count(*) FROM sla_credit_requests WHERE status = 'cancelled' AND ticket_id = 1"), 1);
	assert_int_equal(query_int(f->db,
		"SELECT count(*) FROM sla_credit_requests WHERE status = 'granted' AND ticket_id = 2"), 1);
	assert_int_equal(query_int(f->db,
		"SELECT count(*) FROM audit WHERE action = 'sla_credit.cancel'"), 1);
	/* PRC-2: the coupon is void */
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM coupons WHERE status = 'void'"), 1);
}

static void test_TRM7_every_record_of_a_closed_account_stays_readable(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_invoice(f, 1, "final", "2026-07-12", 2299);
	add_forfeitables(f);
	int64_t id = up_to_final(f);
	int64_t before = query_int(f->db,
		"SELECT (SELECT count(*) FROM invoices) + (SELECT count(*) FROM tickets) + "
		"(SELECT count(*) FROM store_credits) + (SELECT count(*) FROM coupons) + "
		"(SELECT count(*) FROM sla_credit_requests) + (SELECT count(*) FROM termination_requests)");
	ok(termination_close(f->db, id, 0, NULL, &err), &err);
	int64_t after = query_int(f->db,
		"SELECT (SELECT count(*) FROM invoices) + (SELECT count(*) FROM tickets) + "
		"(SELECT count(*) FROM store_credits) + (SELECT count(*) FROM coupons) + "
		"(SELECT count(*) FROM sla_credit_requests) + (SELECT count(*) FROM termination_requests)");
	assert_int_equal(before, after); /* nothing deleted */
	struct account a;
	ok(account_get(f->db, f->account, &a, &err), &err);
	assert_string_equal(a.holder, "Josée Tremblay");
	account_clear(&a);
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_int_equal(t.final_invoice_number, 1);
	assert_int_equal(t.checks_done, 0);
	termination_clear(&t);
	/* the whole audit trail of the account is there, oldest first */
	struct audit_entry e[64];
	size_t n = 0;
	ok(audit_page(f->db, NULL, "termination", id, NULL, NULL, 0, e, 64, &n, &err), &err);
	assert_int_equal(n, 6); /* request, approve, schedule, end, final, close */
	assert_string_equal(e[0].action, "termination.close");
	assert_string_equal(e[n - 1].action, "termination.request");
	for (size_t i = 0; i < n; i++)
		audit_entry_clear(&e[i]);
	/* a second closure is refused */
	expect(termination_close(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-6");
}

/* --- ACC-10 and TRM-8 --------------------------------------------------------- */

static void test_ACC10_closure_by_kenotronix_forfeits_too(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_forfeitables(f);
	struct termination_closure c;
	expect(termination_close_by_kenotronix(f->db, f->account, 0, "holder_request", false, &c,
		&err), &err, KC_ERR_INVALID, "TRM-1");
	expect(termination_close_by_kenotronix(f->db, f->account, 0, "whim", false, &c, &err),
		&err, KC_ERR_INVALID, "ACC-10");
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM store_credits WHERE status = 'active'"), 1);
	struct account a;
	ok(account_get(f->db, f->account, &a, &err), &err);
	int64_t v = a.version;
	account_clear(&a);
	expect(termination_close_by_kenotronix(f->db, f->account, v + 7, "harm", true, &c, &err),
		&err, KC_ERR_CONFLICT, NULL);
	ok(termination_close_by_kenotronix(f->db, f->account, v, "harm", true, &c, &err), &err);
	assert_int_equal(c.credits_forfeited, 1);
	assert_int_equal(c.sla_cancelled, 1);
	assert_int_equal(c.coupons_voided, 1);
	ok(account_get(f->db, f->account, &a, &err), &err);
	assert_string_equal(a.status, "closed");
	assert_string_equal(a.closure_reason, "harm");
	assert_true(a.reopen_barred);
	account_clear(&a);
	/* TRM-8: barred, even for the holder */
	expect(account_reopen(f->db, f->account, 0, "Josée Tremblay", "Passport seen", &err), &err,
		KC_ERR_RULE, "TRM-8");
	/* and a closed account takes no new termination request */
	int64_t id = 0;
	struct termination_request_args r = { .account_id = f->account,
		.requested_by = "Josée Tremblay" };
	expect(termination_request(f->db, &r, &id, &err), &err, KC_ERR_RULE, "closed");
}

static void test_TRM8_reopen_by_holder_only_after_paying(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_invoice(f, 1, "final", "2026-07-12", 2299);
	int64_t id = up_to_final(f);
	ok(termination_close(f->db, id, 0, NULL, &err), &err);
	expect(account_reopen(f->db, f->account, 0, "Marc Gagnon", "Passport seen", &err), &err,
		KC_ERR_RULE, "TRM-8");
	expect(account_reopen(f->db, f->account, 0, "Josée Tremblay", "Passport seen", &err), &err,
		KC_ERR_RULE, "TRM-8"); /* 22.99 still owed */
	char *sql = kc_asprintf("UPDATE accounts SET balance_cents = 0 WHERE id = %lld",
		(long long)f->account);
	exec_sql(f->db, sql);
	free(sql);
	ok(account_reopen(f->db, f->account, 0, "josée tremblay", "Passport seen", &err), &err);
	struct account a;
	ok(account_get(f->db, f->account, &a, &err), &err);
	assert_string_equal(a.status, "active");
	account_clear(&a);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM reopenings"), 1);
	/* the closed termination stays as it was */
	assert_int_equal(state_of(f, id), TERMINATION_CLOSED);
}

/* --- TRM-3 -------------------------------------------------------------------- */

static void test_TRM3_separation_only_keeps_the_account_open(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	add_invoice(f, 1, "regular", "2026-06-15", 17246);
	int64_t id = request(f, "Josée Tremblay", false, true, "2026-06-18");
	struct termination t;
	ok(termination_get(f->db, id, &t, &err), &err);
	assert_true(t.separation_only);
	assert_string_equal(t.channel, "written");
	termination_clear(&t);
	ok(termination_approve(f->db, id, 0, NULL, &err), &err);
	expect(termination_schedule(f->db, id, 0, "2026-07-01", &err), &err, KC_ERR_RULE, "TRM-3");
	expect(termination_close(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-3");
	ok(termination_transfer_request(f->db, id, 0, "2026-07-02", NULL, &err), &err);
	tick_all(f, id);
	ok(termination_transferred(f->db, id, 0, "2026-07-10", NULL, &err), &err);
	expect(termination_close(f->db, id, 0, NULL, &err), &err, KC_ERR_RULE, "TRM-3");
	struct account a;
	ok(account_get(f->db, f->account, &a, &err), &err);
	assert_string_equal(a.status, "active");
	assert_int_equal(a.balance_cents, 17246); /* still owed */
	account_clear(&a);
	struct termination_pending p;
	ok(termination_pending_for_account(f->db, f->account, &p, &err), &err);
	assert_int_equal(p.id, 0); /* a finished separation is not pending */
	/* and a later termination of the account is possible */
	request(f, "Josée Tremblay", false, false, NULL);
}

/* --- lists ---------------------------------------------------------------------- */

static void test_list_keyset_paged_by_state(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	/* 5 more accounts, each with a request on a different day */
	for (int i = 0; i < 5; i++) {
		char holder[32], client[32], day[16];
		snprintf(holder, sizeof holder, "Holder %d", i);
		snprintf(client, sizeof client, "77%03d", i);
		snprintf(day, sizeof day, "2026-07-%02d", 10 - i);
		struct account_fields af = { .holder = holder, .email = "h@example.com",
			.province = "ON", .level = "basic", .voipms_client = client,
			.signed_on = "2025-01-10" };
		int64_t acc, id;
		ok(account_create(f->db, &af, &acc, NULL, &err), &err);
		struct termination_request_args a = { .account_id = acc, .requested_by = holder,
			.date = day };
		ok(termination_request(f->db, &a, &id, &err), &err);
		if (i == 4) {
			a.requested_by = "Stranger";
			expect(termination_request(f->db, &a, &id, &err), &err, KC_ERR_RULE, "TRM-1");
		}
	}
	struct termination_query q = { .state = "requested" };
	struct termination_cursor cur = { .have = false };
	struct termination_row rows[2];
	size_t n = 0, total = 0;
	char last[DATE_BUFSZ] = "";
	do {
		ok(termination_page(f->db, &q, &cur, rows, 2, &n, &err), &err);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(rows[i].state, TERMINATION_REQUESTED);
			assert_true(strcmp(rows[i].requested_on, last) >= 0);
			memcpy(last, rows[i].requested_on, DATE_BUFSZ);
		}
		if (n)
			termination_cursor_set(&cur, &rows[n - 1]);
		total += n;
		termination_rows_clear(rows, n);
	} while (n == 2);
	assert_int_equal(total, 5);
	assert_string_equal(last, "2026-07-10");
	q.state = "refused";
	ok(termination_page(f->db, &q, NULL, rows, 2, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].requested_by, "Stranger");
	assert_false(rows[0].from_holder);
	termination_rows_clear(rows, n);
	q.state = "open";
	ok(termination_page(f->db, &q, NULL, rows, 2, &n, &err), &err);
	assert_int_equal(n, 2);
	termination_rows_clear(rows, n);
	q.state = "bogus";
	expect(termination_page(f->db, &q, NULL, rows, 2, &n, &err), &err, KC_ERR_INVALID, "bogus");
	assert_int_equal(n, 0);
}

static void test_pending_for_account_and_resolve(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	struct termination_pending p;
	ok(termination_pending_for_account(f->db, f->account, &p, &err), &err);
	assert_int_equal(p.id, 0);
	int64_t id = up_to_final(f);
	ok(termination_pending_for_account(f->db, f->account, &p, &err), &err);
	assert_int_equal(p.id, id);
	assert_int_equal(p.state, TERMINATION_FINAL_INVOICED);
	assert_string_equal(p.service_ended_on, "2026-07-10");
	assert_string_equal(p.transfer_due, "");
	int64_t r = 0;
	char ref[32];
	snprintf(ref, sizeof ref, "#%lld", (long long)id);
	ok(termination_resolve(f->db, ref, &r, &err), &err);
	assert_int_equal(r, id);
	expect(termination_resolve(f->db, "999", &r, &err), &err, KC_ERR_NOT_FOUND, "999");
	expect(termination_resolve(f->db, "abc", &r, &err), &err, KC_ERR_INVALID, "abc");
	expect(termination_resolve(f->db, "-3", &r, &err), &err, KC_ERR_INVALID, NULL);
	struct termination t;
	expect(termination_get(f->db, 999, &t, &err), &err, KC_ERR_NOT_FOUND, NULL);
}

static void test_read_only_database_refuses_changes(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = request(f, "Josée Tremblay", false, false, NULL);
	char *path = kc_strdup(db_path(f->db));
	assert_non_null(path);
	db_close(&f->db);
	struct db_open_options o = { .path = path, .read_only = true };
	ok(db_open(&o, &f->db, &err), &err);
	free(path);
	expect(termination_approve(f->db, id, 0, NULL, &err), &err, KC_ERR_PERM, NULL);
	struct termination_request_args a = { .account_id = f->account,
		.requested_by = "Marc Gagnon" };
	int64_t rid = 0;
	expect(termination_request(f->db, &a, &rid, &err), &err, KC_ERR_PERM, NULL);
	assert_int_equal(rid, 0);
	assert_int_equal(state_of(f, id), TERMINATION_REQUESTED);
}

/* --- demo data --------------------------------------------------------------- */

static void test_demo_every_stage(void **state)
{
	struct fixture *f = *state;
	kc_error err = KC_ERROR_INIT;
	kc_date today = { 2026, 7, 20 };
	expect(termination_demo(f->db, f->account, "Josée Tremblay", TERMINATION_DEMO_STAGES, today,
		&err), &err, KC_ERR_INVALID, NULL);
	for (int s = 0; s < TERMINATION_DEMO_STAGES; s++) {
		char holder[32], client[32];
		snprintf(holder, sizeof holder, "Demo Holder %d", s);
		snprintf(client, sizeof client, "55%03d", s);
		struct account_fields af = { .holder = holder, .email = "d@example.com",
			.province = "QC", .level = "basic", .voipms_client = client,
			.signed_on = "2026-01-05" };
		int64_t acc;
		ok(account_create(f->db, &af, &acc, NULL, &err), &err);
		ok(account_activate(f->db, acc, 0, "2026-01-10", &err), &err);
		ok(termination_demo(f->db, acc, holder, (enum termination_demo_stage)s, today, &err),
			&err);
	}
	static const char *const want[TERMINATION_DEMO_STAGES] = {
		"refused", "requested", "approved", "scheduled", "service_ended", "final_invoiced",
		"transfer_requested", "transfer_requested", "transfer_requested", "transferred",
		"closed", "closed", "transferred",
	};
	struct termination_row rows[16];
	size_t n = 0;
	struct termination_query q = { 0 };
	ok(termination_page(f->db, &q, NULL, rows, 16, &n, &err), &err);
	assert_int_equal(n, TERMINATION_DEMO_STAGES);
	int late = 0;
	for (size_t i = 0; i < n; i++) {
		/* rows come in (requested_on, id) order: all on the same day, by id */
		assert_string_equal(termination_state_key(rows[i].state), want[i]);
		late += rows[i].late;
	}
	/* overdue transfer, part checklist (also overdue), transferred late */
	assert_int_equal(late, 3);
	assert_true(rows[TERMINATION_DEMO_TRANSFERRED_LATE].late);
	assert_false(rows[TERMINATION_DEMO_TRANSFER_ON_TIME].late);
	assert_false(rows[TERMINATION_DEMO_CLOSED_TRANSFERRED].late);
	termination_rows_clear(rows, n);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM accounts WHERE status = 'closed'"), 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_parse),
		cmocka_unit_test(test_TRM4_late_flag),
		T(test_request_input_checks),
		T(test_TRM1_non_holder_refused_and_recorded),
		T(test_TRM1_holder_name_trimmed_case_insensitive_accent_sensitive),
		T(test_request_refusals),
		T(test_TRM2_expedite_approve),
		T(test_TRM2_expedite_deny_goes_on_at_normal_pace),
		T(test_TRM2_plain_request_cannot_be_denied),
		T(test_steps_out_of_order_are_refused),
		T(test_TRM6_final_invoice_linked_and_sync_reported),
		T(test_TRM6_without_final_invoice_links_the_latest),
		T(test_TRM6_final_invoice_issued_by_billing_and_linked),
		T(test_TRM6_sync_behind_the_end_of_service_refuses_the_final_invoice),
		T(test_TRM6_unpaid_balance_proceeds_and_closure_reports_it),
		T(test_TRM4_deadline_skips_weekends_and_quebec_holidays),
		T(test_TRM4_deadline_across_saint_jean_and_canada_day),
		T(test_TRM5_checklist_who_and_when),
		T(test_TRM4_late_transfer_is_flagged),
		T(test_TRM4_transfer_on_time_is_not_late),
		T(test_CRD3_TRM7_closure_forfeits_credit_and_history_shows_it),
		T(test_SLA6_pending_sla_credits_cancelled_at_closure),
		T(test_TRM7_every_record_of_a_closed_account_stays_readable),
		T(test_ACC10_closure_by_kenotronix_forfeits_too),
		T(test_TRM8_reopen_by_holder_only_after_paying),
		T(test_TRM3_separation_only_keeps_the_account_open),
		T(test_list_keyset_paged_by_state),
		T(test_pending_for_account_and_resolve),
		T(test_read_only_database_refuses_changes),
		T(test_demo_every_stage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
