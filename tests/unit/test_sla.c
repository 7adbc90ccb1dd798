/* test_sla.c: the SLA clock (SLA-1, SLA-3, TKT-4), calendar settings
 * (SLA-2) and SLA credits (SLA-4, SLA-5, SLA-6).  Each test opens a fresh
 * database; the clock is pinned with date_set_now_for_tests. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "account.h"
#include "date.h"
#include "db.h"
#include "settings.h"
#include "sla.h"
#include "ticket.h"

static int db_counter;

static kc_instant utc(const char *s)
{
	kc_instant t = 0;
	if (date_instant_parse(s, &t, NULL) != KC_OK)
		fail_msg("bad instant %s", s);
	return t;
}

static kc_instant office(const char *s)
{
	kc_local l;
	if (date_local_parse(s, &l, NULL) != KC_OK)
		fail_msg("bad local time %s", s);
	return date_from_local(l);
}

static void pin(const char *iso)
{
	date_set_now_for_tests(utc(iso));
}

static int setup(void **state)
{
	if (date_set_office_zone("America/Toronto", NULL) != KC_OK)
		return -1;
	pin("2024-03-01T17:00:00Z");
	char name[64];
	snprintf(name, sizeof name, "sla-%d.db", ++db_counter);
	struct db_open_options opt = { .path = test_path(name), .create = true };
	kc_db *db = NULL;
	kc_error err = KC_ERROR_INIT;
	if (db_open(&opt, &db, &err) != KC_OK)
		fail_msg("db_open: %s", kc_error_text(&err));
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	kc_db *db = *state;
	assert_int_equal(db_leaked_statements(db), 0);
	assert_false(db_in_transaction(db));
	db_close(&db);
	date_clear_now_for_tests();
	return 0;
}

static void ok(kc_status got, kc_error *err)
{
	if (got != KC_OK)
		fail_msg("expected KC_OK: %s", kc_error_text(err));
	kc_error_clear(err);
}

static void expect(kc_status got, kc_error *err, kc_status code, const char *part)
{
	if (got != code)
		fail_msg("expected status %d, got %d (%s)", code, got, kc_error_text(err));
	if (part && (!err->message || !strstr(err->message, part)))
		fail_msg("message \"%s\" lacks \"%s\"", kc_error_text(err), part);
	kc_error_clear(err);
}

static int64_t sql_int(kc_db *db, const char *sql)
{
	int64_t v = -1;
	assert_int_equal(db_query_int(db, sql, &v, NULL), KC_OK);
	return v;
}

static void sql_exec(kc_db *db, const char *sql)
{
	kc_error err = KC_ERROR_INIT;
	ok(db_exec(db, sql, &err), &err);
}

static int64_t make_account(kc_db *db, const char *level, const char *client)
{
	struct account_fields f = {
		.holder = "Jean Gagnon", .email = "jean@example.com", .province = "QC",
		.level = level, .voipms_client = client, .signed_on = "2020-01-02",
	};
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	ok(account_create(db, &f, &id, NULL, &err), &err);
	return id;
}

/* An Emergency ticket received at `received` and never answered: breached
 * 15 minutes later (the incident). */
static int64_t breached_ticket(kc_db *db, int64_t account, kc_instant received)
{
	struct ticket_new in = { .account_id = account, .priority = "emergency",
		.subject = "Outage", .received = received };
	kc_error err = KC_ERROR_INIT;
	int64_t n = 0;
	ok(ticket_add(db, NULL, &in, &n, NULL, &err), &err);
	return n;
}

/* Requests a credit and checks the outcome. */
static void request(kc_db *db, int64_t ticket, const char *on, const char *status,
	int64_t amount, const char *reason_part)
{
	kc_error err = KC_ERROR_INIT;
	struct sla_credit_result r;
	ok(sla_credit_request(db, NULL, ticket, on, &r, &err), &err);
	if (strcmp(r.status, status) != 0 || r.amount_cents != amount)
		fail_msg("ticket %lld: %s %lld, expected %s %lld (%s)", (long long)ticket, r.status,
			(long long)r.amount_cents, status, (long long)amount,
			r.reason ? r.reason : "");
	if (reason_part) {
		assert_non_null(r.reason);
		if (!strstr(r.reason, reason_part))
			fail_msg("reason \"%s\" lacks \"%s\"", r.reason, reason_part);
	} else {
		assert_null(r.reason);
	}
	assert_true(r.request_id > 0);
	assert_int_equal(r.store_credit_id != 0, amount > 0);
	sla_credit_result_clear(&r);
	assert_null(r.status);
}

/* --- the clock ----------------------------------------------------------------- */

static void test_SLA1_clock_states(void **state)
{
	(void)state;
	kc_instant due = 1000;
	assert_int_equal(sla_clock_of("support", due, false, 0, 999), SLA_CLOCK_RUNNING);
	assert_int_equal(sla_clock_of("support", due, false, 0, 1000), SLA_CLOCK_RUNNING);
	assert_int_equal(sla_clock_of("support", due, false, 0, 1001), SLA_CLOCK_OVERDUE);
	assert_int_equal(sla_clock_of("support", due, true, 1000, 5000), SLA_CLOCK_MET);
	assert_int_equal(sla_clock_of("support", due, true, 1001, 5000), SLA_CLOCK_MISSED);
	/* responded_at is ignored while not responded */
	assert_int_equal(sla_clock_of("billing", due, false, 5, 2000), SLA_CLOCK_OVERDUE);
	/* TKT-4 */
	assert_int_equal(sla_clock_of("third_party", due, false, 0, 99999), SLA_CLOCK_NONE);
	assert_int_equal(sla_clock_of("third_party", due, true, 5000, 99999), SLA_CLOCK_NONE);
	assert_false(sla_clock_breached(SLA_CLOCK_NONE));
	assert_false(sla_clock_breached(SLA_CLOCK_RUNNING));
	assert_false(sla_clock_breached(SLA_CLOCK_MET));
	assert_true(sla_clock_breached(SLA_CLOCK_OVERDUE));
	assert_true(sla_clock_breached(SLA_CLOCK_MISSED));
	assert_string_equal(sla_clock_key(SLA_CLOCK_OVERDUE), "overdue");
	assert_string_equal(sla_clock_key(SLA_CLOCK_NONE), "none");
}

static void test_SLA3_time_left_text(void **state)
{
	(void)state;
	char buf[SLA_LEFT_BUFSZ];
	assert_string_equal(sla_format_left(0, buf), "0h00");
	assert_string_equal(sla_format_left(14 * 60 + 59, buf), "0h14");
	assert_string_equal(sla_format_left(3 * 3600 + 5 * 60, buf), "3h05");
	assert_string_equal(sla_format_left(-40 * 60, buf), "-0h40");
	assert_string_equal(sla_format_left(47 * 3600 + 59 * 60, buf), "47h59");
	assert_string_equal(sla_format_left(3 * 86400 + 4 * 3600, buf), "3d 4h");
	assert_string_equal(sla_format_left(-3 * 86400, buf), "-3d 0h");
	assert_string_equal(sla_format_left(INT64_MIN, buf), "-106751991167300d 15h");
}

/* SLA-2 [ini]: business hours, Easter rule and extra holidays from the
 * settings reach the deadline. */
static void test_SLA2_calendar_from_settings(void **state)
{
	(void)state;
	struct kc_settings s = { 0 };
	assert_int_equal(settings_defaults(&s), KC_OK);
	struct sla_calendar cal;
	ok(sla_calendar_init(&cal, NULL, NULL), NULL);
	assert_int_equal(cal.opts.open_minute, 9 * 60);
	sla_calendar_clear(&cal);

	/* An extra holiday on Monday 22 April 2024. */
	s.extra_holidays = calloc(1, sizeof *s.extra_holidays);
	assert_non_null(s.extra_holidays);
	s.extra_holidays[0] = (struct settings_date){ 2024, 4, 22 };
	s.n_extra_holidays = 1;
	s.easter = SETTINGS_EASTER_MONDAY;
	ok(sla_calendar_init(&cal, &s, NULL), NULL);
	assert_int_equal(cal.opts.easter, EASTER_MONDAY);
	assert_int_equal(cal.opts.extra_count, 1);
	/* Friday 19 April 16:00 + 24 h: Fri 1, Tue 8, Wed 8, Thu 7 -> Thu 16:00. */
	kc_instant due = calendar_sla_due(&cal.opts, "basic", CALENDAR_PRIORITY_STANDARD,
		office("2024-04-19 16:00"), NULL);
	assert_int_equal(due, office("2024-04-25 16:00"));
	sla_calendar_clear(&cal);
	assert_null(cal.extra);
	settings_free(&s);
}

/* --- SLA-4 credits ----------------------------------------------------------------- */

/* A fully administered account at 1000.00/month from 2024-01-01 (PRC-1):
 * 10 % is 100.00; the $250 cap of February gives 100, 100, then 50 (cut to
 * the cap) and a refusal. */
static void test_SLA4_four_requests_in_one_month_stop_at_250(void **state)
{
	kc_db *db = *state;
	sql_exec(db, "INSERT INTO service_prices (level, effective_from, monthly_cents) "
		     "VALUES ('fully_administered', '2024-01-01', 100000)");
	int64_t a = make_account(db, "fully_administered", "700001");
	int64_t t[4];
	for (int i = 0; i < 4; i++)
		t[i] = breached_ticket(db, a, office("2024-02-05 10:00") + i * 86400);
	request(db, t[0], "2024-02-10", "granted", 10000, NULL);
	request(db, t[1], "2024-02-10", "granted", 10000, NULL);
	request(db, t[2], "2024-02-11", "granted", 5000, "SLA-4");
	request(db, t[3], "2024-02-12", "refused", 0, "SLA-4");
	assert_int_equal(sql_int(db, "SELECT sum(amount_cents) FROM sla_credit_requests "
				     "WHERE status = 'granted' AND incident_month = '2024-02'"), 25000);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sla_credit_requests"), 4);
	/* Store credit: source sla, not taxed, two years (CRD-3). */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM store_credits WHERE source = 'sla' AND "
				     "remaining_cents = amount_cents AND issued_on = '2024-03-01' AND "
				     "expires_on = '2026-03-01' AND status = 'active'"), 3);
	assert_int_equal(sql_int(db, "SELECT sum(amount_cents) FROM store_credits"), 25000);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sla_credit_requests r JOIN store_credits c "
				     "ON c.id = r.store_credit_id"), 3);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE entity = 'sla_credit' AND "
				     "action = 'sla_credit.request' AND account_id IS NOT NULL"), 4);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE entity = 'store_credit'"), 3);

	/* Another month has its own cap. */
	int64_t m = breached_ticket(db, a, office("2024-01-30 10:00"));
	request(db, m, "2024-02-01", "granted", 10000, NULL);
}

/* At the default 150.00/month, 10 % is 15.00 a request. */
static void test_SLA4_ten_percent_of_the_monthly_charge(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "700002");
	int64_t b = make_account(db, "basic", "700003");
	request(db, breached_ticket(db, f, office("2024-02-20 10:00")), NULL, "granted", 1500, NULL);
	/* A basic account's Standard ticket, breached: 10 % of 50.00. */
	struct ticket_new in = { .account_id = b, .priority = "standard", .subject = "Hi",
		.received = office("2024-02-20 10:00") };
	kc_error err = KC_ERROR_INIT;
	int64_t n = 0;
	ok(ticket_add(db, NULL, &in, &n, NULL, &err), &err);
	request(db, n, "2024-02-29", "granted", 500, NULL);
}

/* PRC-1: the price in effect on the incident date, not the request date. */
static void test_SLA4_price_on_the_incident_date(void **state)
{
	kc_db *db = *state;
	sql_exec(db, "INSERT INTO service_prices (level, effective_from, monthly_cents) "
		     "VALUES ('fully_administered', '2024-02-15', 20000)");
	int64_t f = make_account(db, "fully_administered", "700004");
	request(db, breached_ticket(db, f, office("2024-02-14 23:00")), "2024-02-20", "granted",
		1500, NULL);
	request(db, breached_ticket(db, f, office("2024-02-15 10:00")), "2024-02-20", "granted",
		2000, NULL);
}

/* One request per breached ticket; nothing for a ticket on time. */
static void test_SLA4_refusals_that_write_nothing(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "700005");
	kc_error err = KC_ERROR_INIT;
	struct sla_credit_result r;
	int64_t n = breached_ticket(db, f, office("2024-02-20 10:00"));
	request(db, n, "2024-02-21", "granted", 1500, NULL);
	expect(sla_credit_request(db, NULL, n, NULL, &r, &err), &err, KC_ERR_RULE, "SLA-4");
	assert_null(r.status);

	/* Answered on time: not breached. */
	int64_t ontime = breached_ticket(db, f, date_now() - 600);
	ok(ticket_reply(db, ontime, "On it", 0, NULL, &err), &err);
	expect(sla_credit_request(db, NULL, ontime, NULL, &r, &err), &err, KC_ERR_RULE,
		"not breached");
	/* Still running. */
	int64_t running = breached_ticket(db, f, date_now() - 60);
	expect(sla_credit_request(db, NULL, running, NULL, &r, &err), &err, KC_ERR_RULE,
		"not breached");
	/* TKT-4: third party, no obligation. */
	struct ticket_new in = { .account_id = f, .priority = "emergency", .subject = "ISP",
		.received = office("2024-02-01 10:00"), .category = "third_party" };
	int64_t tp = 0;
	ok(ticket_add(db, NULL, &in, &tp, NULL, &err), &err);
	expect(sla_credit_request(db, NULL, tp, NULL, &r, &err), &err, KC_ERR_RULE, "TKT-4");
	/* Dates: not in the future, not before the breach. */
	int64_t late = breached_ticket(db, f, office("2024-02-25 10:00"));
	expect(sla_credit_request(db, NULL, late, "2024-03-02", &r, &err), &err, KC_ERR_INVALID,
		"future");
	expect(sla_credit_request(db, NULL, late, "2024-02-24", &r, &err), &err, KC_ERR_INVALID,
		"before");
	expect(sla_credit_request(db, NULL, late, "Feb 26", &r, &err), &err, KC_ERR_INVALID, NULL);
	expect(sla_credit_request(db, NULL, 999, NULL, &r, &err), &err, KC_ERR_NOT_FOUND, NULL);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sla_credit_requests"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM store_credits"), 1);
	assert_false(db_in_transaction(db));
}

/* SLA-5: within 30 days of the incident; day 31 is refused (and recorded). */
static void test_SLA5_request_on_day_31_is_refused(void **state)
{
	kc_db *db = *state;
	pin("2024-03-10T17:00:00Z");
	int64_t f = make_account(db, "fully_administered", "700006");
	/* Both breached on 1 February 2024 (10:15 office time). */
	int64_t day30 = breached_ticket(db, f, office("2024-02-01 10:00"));
	int64_t day31 = breached_ticket(db, f, office("2024-02-01 10:00"));
	request(db, day30, "2024-03-02", "granted", 1500, NULL);  /* 30 days after */
	request(db, day31, "2024-03-03", "refused", 0, "SLA-5");  /* 31 days after */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sla_credit_requests WHERE status = "
				     "'refused' AND reason LIKE 'SLA-5%'"), 1);
	/* The ticket's one request is used. */
	kc_error err = KC_ERROR_INIT;
	struct sla_credit_result r;
	expect(sla_credit_request(db, NULL, day31, "2024-03-03", &r, &err), &err, KC_ERR_RULE,
		"SLA-4");
}

/* The incident is the breach instant in office time: a deadline at 23:50
 * on 31 January is a January incident even if answered in February. */
static void test_SLA5_incident_is_the_breach_in_office_time(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "700007");
	int64_t n = breached_ticket(db, f, office("2024-01-31 23:35"));
	kc_error err = KC_ERROR_INIT;
	struct sla_credit_result r;
	ok(sla_credit_request(db, NULL, n, "2024-02-01", &r, &err), &err);
	assert_string_equal(r.incident_month, "2024-01");
	assert_string_equal(r.incident_date, "2024-01-31");
	sla_credit_result_clear(&r);
}

/* SLA-6: closed accounts forfeit; pending requests are cancelled. */
static void test_SLA6_closure(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "700008");
	int64_t g = make_account(db, "fully_administered", "700009");
	kc_error err = KC_ERROR_INIT;
	int64_t n1 = breached_ticket(db, f, office("2024-02-20 10:00"));
	int64_t n2 = breached_ticket(db, f, office("2024-02-21 10:00"));
	int64_t n3 = breached_ticket(db, g, office("2024-02-21 10:00"));
	request(db, n1, NULL, "granted", 1500, NULL);
	/* A pending request (from an older process) for each account. */
	sql_exec(db, "INSERT INTO sla_credit_requests (ticket_id, account_id, requested_on, "
		     "incident_month, amount_cents, status, created_by) SELECT id, account_id, "
		     "'2024-02-22', '2024-02', 1500, 'pending', 'x' FROM tickets WHERE number IN (2, 3)");
	(void)n2;
	(void)n3;
	ok(db_begin_write(db, &err), &err); /* as the closing transaction would */
	ok(sla_cancel_pending(db, f, &err), &err);
	ok(db_commit(db, &err), &err);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sla_credit_requests WHERE status = "
				     "'cancelled' AND reason LIKE 'SLA-6%'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sla_credit_requests WHERE status = "
				     "'pending'"), 1); /* the other account's */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sla_credit_requests WHERE status = "
				     "'granted'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE action = "
				     "'sla_credit.cancel'"), 1);
	ok(sla_cancel_pending(db, f, &err), &err); /* nothing left: fine */

	/* A closed account's breach grounds nothing. */
	int64_t n4 = breached_ticket(db, f, office("2024-02-23 10:00"));
	ok(account_activate(db, f, 0, "2024-01-02", &err), &err);
	ok(account_close(db, f, 0, "complaints", false, &err), &err);
	struct sla_credit_result r;
	expect(sla_credit_request(db, NULL, n4, NULL, &r, &err), &err, KC_ERR_RULE, "SLA-6");
}

static void test_SLA4_list_newest_first(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "700010");
	int64_t g = make_account(db, "fully_administered", "700011");
	request(db, breached_ticket(db, f, office("2024-02-20 10:00")), NULL, "granted", 1500, NULL);
	request(db, breached_ticket(db, g, office("2024-02-20 10:00")), NULL, "granted", 1500, NULL);
	request(db, breached_ticket(db, f, office("2024-02-21 10:00")), NULL, "granted", 1500, NULL);
	struct sla_credit_row rows[2] = { 0 };
	size_t n = 0;
	kc_error err = KC_ERROR_INIT;
	ok(sla_credit_page(db, f, 0, rows, 2, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].ticket_number, 3);
	assert_int_equal(rows[1].ticket_number, 1);
	assert_string_equal(rows[0].status, "granted");
	assert_string_equal(rows[0].incident_month, "2024-02");
	assert_string_equal(rows[0].requested_on, "2024-03-01");
	assert_int_equal(rows[0].amount_cents, 1500);
	assert_true(rows[0].store_credit_id > 0);
	int64_t last = rows[1].id;
	sla_credit_rows_clear(rows, n);
	ok(sla_credit_page(db, 0, last, rows, 2, &n, &err), &err);
	assert_int_equal(n, 0);
	ok(sla_credit_page(db, 0, 0, rows, 2, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].ticket_number, 3);
	assert_int_equal(rows[1].ticket_number, 2);
	sla_credit_rows_clear(rows, n);
}

/* The settings' percent, cap and window are used. */
static void test_SLA4_SLA5_settings(void **state)
{
	kc_db *db = *state;
	pin("2024-03-10T17:00:00Z");
	struct kc_settings s = { 0 };
	assert_int_equal(settings_defaults(&s), KC_OK);
	s.credit_percent = 20;
	s.credit_monthly_cap = 4000;
	s.credit_window_days = 5;
	int64_t f = make_account(db, "fully_administered", "700012");
	kc_error err = KC_ERROR_INIT;
	struct sla_credit_result r;
	int64_t a = breached_ticket(db, f, office("2024-03-01 10:00"));
	int64_t b = breached_ticket(db, f, office("2024-03-02 10:00"));
	int64_t c = breached_ticket(db, f, office("2024-03-03 10:00"));
	ok(sla_credit_request(db, &s, a, "2024-03-06", &r, &err), &err);
	assert_int_equal(r.amount_cents, 3000);
	sla_credit_result_clear(&r);
	ok(sla_credit_request(db, &s, b, "2024-03-06", &r, &err), &err);
	assert_int_equal(r.amount_cents, 1000);
	assert_true(r.partial);
	sla_credit_result_clear(&r);
	ok(sla_credit_request(db, &s, c, "2024-03-09", &r, &err), &err);
	assert_string_equal(r.status, "refused");
	assert_non_null(strstr(r.reason, "SLA-5"));
	sla_credit_result_clear(&r);
	settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_SLA1_clock_states),
		cmocka_unit_test(test_SLA3_time_left_text),
		cmocka_unit_test(test_SLA2_calendar_from_settings),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_SLA4_four_requests_in_one_month_stop_at_250),
		T(test_SLA4_ten_percent_of_the_monthly_charge),
		T(test_SLA4_price_on_the_incident_date),
		T(test_SLA4_refusals_that_write_nothing),
		T(test_SLA5_request_on_day_31_is_refused),
		T(test_SLA5_incident_is_the_breach_in_office_time),
		T(test_SLA6_closure),
		T(test_SLA4_list_newest_first),
		T(test_SLA4_SLA5_settings),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
