/* test_ticket.c: tickets (TKT-1..8), their SLA deadline through ticket_add
 * (SLA-1, SLA-2), history, the queue and the demo step.  Each test opens a
 * fresh database; the clock is pinned with date_set_now_for_tests. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "account.h"
#include "date.h"
#include "db.h"
#include "sla.h"
#include "staff.h"
#include "ticket.h"

static int db_counter;

static kc_instant utc(const char *s)
{
	kc_instant t = 0;
	if (date_instant_parse(s, &t, NULL) != KC_OK)
		fail_msg("bad instant %s", s);
	return t;
}

/* Office wall time "YYYY-MM-DD HH:MM" (America/Toronto). */
static kc_instant office(const char *s)
{
	kc_local l;
	if (date_local_parse(s, &l, NULL) != KC_OK)
		fail_msg("bad local time %s", s);
	return date_from_local(l);
}

static void assert_instant(kc_instant got, const char *expected_utc)
{
	char buf[DATE_INSTANT_BUFSZ];
	assert_string_equal(date_instant_format(got, buf), expected_utc);
}

static void pin(const char *iso)
{
	date_set_now_for_tests(utc(iso));
}

static int setup(void **state)
{
	if (date_set_office_zone("America/Toronto", NULL) != KC_OK)
		return -1;
	pin("2024-06-03T16:00:00Z");
	char name[64];
	snprintf(name, sizeof name, "ticket-%d.db", ++db_counter);
	struct db_open_options opt = { .path = test_path(name), .create = true };
	kc_db *db = NULL;
	kc_error err = KC_ERROR_INIT;
	if (db_open(&opt, &db, &err) != KC_OK)
		fail_msg("db_open: %s", kc_error_text(&err));
	kc_error_clear(&err);
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

static int64_t make_account(kc_db *db, const char *level, const char *client)
{
	struct account_fields f = {
		.holder = "Marie Tremblay", .email = "marie@example.com", .province = "QC",
		.level = level, .voipms_client = client, .signed_on = "2020-01-02",
	};
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	if (account_create(db, &f, &id, NULL, &err) != KC_OK)
		fail_msg("account_create: %s", kc_error_text(&err));
	kc_error_clear(&err);
	return id;
}

static int64_t sql_int(kc_db *db, const char *sql)
{
	int64_t v = -1;
	assert_int_equal(db_query_int(db, sql, &v, NULL), KC_OK);
	return v;
}

/* Opens a ticket or fails the test; returns its number. */
static int64_t open_ticket(kc_db *db, int64_t account, const char *priority, kc_instant received,
	const char *category)
{
	struct ticket_new in = { .account_id = account, .priority = priority,
		.subject = "Phones down", .received = received, .category = category };
	kc_error err = KC_ERROR_INIT;
	int64_t n = 0;
	if (ticket_add(db, NULL, &in, &n, NULL, &err) != KC_OK)
		fail_msg("ticket_add: %s", kc_error_text(&err));
	kc_error_clear(&err);
	assert_true(n > 0);
	return n;
}

static void get(kc_db *db, int64_t n, struct ticket *t)
{
	kc_error err = KC_ERROR_INIT;
	if (ticket_get(db, n, t, &err) != KC_OK)
		fail_msg("ticket_get: %s", kc_error_text(&err));
}

/* Expects code and a message containing part. */
static void expect(kc_status got, kc_error *err, kc_status code, const char *part)
{
	if (got != code)
		fail_msg("expected status %d, got %d (%s)", code, got, kc_error_text(err));
	if (part && (!err->message || !strstr(err->message, part)))
		fail_msg("message \"%s\" lacks \"%s\"", kc_error_text(err), part);
	kc_error_clear(err);
}

static void ok(kc_status got, kc_error *err)
{
	if (got != KC_OK)
		fail_msg("expected KC_OK: %s", kc_error_text(err));
	kc_error_clear(err);
}

/* --- words and parsing ------------------------------------------------------ */

static void test_words_and_parsing(void **state)
{
	(void)state;
	int64_t n = 0;
	assert_int_equal(ticket_number_parse("42", &n, NULL), KC_OK);
	assert_int_equal(n, 42);
	assert_int_equal(ticket_number_parse("#7", &n, NULL), KC_OK);
	assert_int_equal(n, 7);
	const char *bad[] = { NULL, "", "#", "0", "-3", "12a", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ticket_number_parse(bad[i], &n, NULL), KC_ERR_INVALID);
	assert_int_equal(n, 7);

	kc_instant t = 0;
	assert_int_equal(ticket_instant_parse("2024-06-21 16:00", &t, NULL), KC_OK);
	assert_instant(t, "2024-06-21T20:00:00Z");
	assert_int_equal(ticket_instant_parse("2024-06-21T16:00:00Z", &t, NULL), KC_OK);
	assert_instant(t, "2024-06-21T16:00:00Z");
	assert_int_equal(ticket_instant_parse("yesterday", &t, NULL), KC_ERR_INVALID);
	assert_int_equal(ticket_instant_parse(NULL, &t, NULL), KC_ERR_INVALID);

	assert_true(ticket_priority_valid("urgent"));
	assert_false(ticket_priority_valid("Urgent"));
	assert_false(ticket_priority_valid(NULL));
	assert_true(ticket_category_valid("third_party"));
	assert_true(ticket_channel_valid("alarm"));
	assert_false(ticket_channel_valid("fax"));
	assert_string_equal(ticket_state_label("bogus"), "bogus");
}

/* TKT-5: every pair of states, allowed or not. */
static void test_TKT5_transition_table(void **state)
{
	(void)state;
	const char *s[] = { "new", "open", "waiting", "resolved", "closed" };
	/* allowed[from][to] */
	static const bool allowed[5][5] = {
		{ 0, 1, 0, 0, 0 }, /* new -> open */
		{ 0, 0, 1, 1, 0 }, /* open -> waiting, resolved */
		{ 0, 1, 0, 0, 0 }, /* waiting -> open */
		{ 0, 1, 0, 0, 1 }, /* resolved -> open (reopen), closed */
		{ 0, 0, 0, 0, 0 }, /* closed: final */
	};
	for (int f = 0; f < 5; f++)
		for (int t = 0; t < 5; t++)
			if (ticket_transition_allowed(s[f], s[t]) != allowed[f][t])
				fail_msg("%s -> %s", s[f], s[t]);
	assert_false(ticket_transition_allowed(NULL, "open"));
}

/* --- SLA-1, SLA-2 golden cases through ticket_add ----------------------------- */

struct golden_ctx {
	kc_db *db;
	int64_t basic, full;
	int rows;
};

static void golden_row(int nf, char **f, int line, void *vctx)
{
	struct golden_ctx *c = vctx;
	if (nf != 6)
		fail_msg("sla-deadlines.csv:%d: %d fields", line, nf);
	int64_t account = strcmp(f[0], "fully_administered") == 0 ? c->full : c->basic;
	int64_t n = open_ticket(c->db, account, f[1], office(f[2]), NULL);
	struct ticket t = { 0 };
	get(c->db, n, &t);
	char due[DATE_INSTANT_BUFSZ], local[DATE_LOCAL_BUFSZ];
	date_instant_format(t.response_due, due);
	kc_instant want = utc(f[4]);
	if (t.response_due != want || strcmp(t.priority, f[5]) != 0 ||
	    strcmp(t.requested_priority, f[1]) != 0)
		fail_msg("sla-deadlines.csv:%d: %s %s %s: got %s (%s) %s, expected %s (%s) %s",
			line, f[0], f[1], f[2], due,
			date_local_format(date_to_local(t.response_due), local), t.priority, f[4],
			f[3], f[5]);
	/* TKT-2: a lowered priority leaves a downgrade event. */
	char sql[160];
	snprintf(sql, sizeof sql,
		"SELECT count(*) FROM ticket_events WHERE ticket_id = %lld AND kind = 'downgrade'",
		(long long)t.id);
	assert_int_equal(sql_int(c->db, sql), strcmp(f[1], f[5]) != 0);
	ticket_clear(&t);
	c->rows++;
}

static void test_SLA1_SLA2_golden_deadlines_through_ticket_add(void **state)
{
	kc_db *db = *state;
	pin("2030-01-01T00:00:00Z"); /* after every received time */
	struct golden_ctx c = { db, make_account(db, "basic", "500001"),
		make_account(db, "fully_administered", "500002"), 0 };
	test_read_csv("sla-deadlines.csv", golden_row, &c);
	assert_true(c.rows >= 100);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets"), c.rows);
}

static void assert_due(kc_db *db, int64_t account, const char *priority, const char *received,
	const char *due_utc, const char *due_local)
{
	int64_t n = open_ticket(db, account, priority, office(received), NULL);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_instant(t.response_due, due_utc);
	char buf[DATE_LOCAL_BUFSZ];
	assert_string_equal(date_local_format(date_to_local(t.response_due), buf), due_local);
	ticket_clear(&t);
}

/* Friday 16:00: one hour Friday, Monday 24 June 2024 is the Fête nationale,
 * then 8 + 8 + 7 hours: Thursday 16:00. */
static void test_SLA2_standard_friday_1600_before_saint_jean_monday(void **state)
{
	kc_db *db = *state;
	pin("2024-07-01T12:00:00Z");
	int64_t a = make_account(db, "basic", "500003");
	assert_due(db, a, "standard", "2024-06-21 16:00", "2024-06-27T20:00:00Z",
		"2024-06-27 16:00");
}

/* Friday 1 November 2024 10:00 EDT: 7 + 8 + 8 hours to Tuesday closing,
 * one more hour Wednesday 6 November 10:00, now EST (UTC-5). */
static void test_SLA2_standard_across_november_dst(void **state)
{
	kc_db *db = *state;
	pin("2024-11-10T12:00:00Z");
	int64_t a = make_account(db, "basic", "500004");
	assert_due(db, a, "standard", "2024-11-01 10:00", "2024-11-06T15:00:00Z",
		"2024-11-06 10:00");
	/* Around the clock across the change: 01:30 EDT + 4 h = 04:30 UTC-5. */
	int64_t f = make_account(db, "fully_administered", "500005");
	assert_due(db, f, "urgent", "2024-11-03 01:30", "2024-11-03T09:30:00Z",
		"2024-11-03 04:30");
}

/* National Patriots' Day 2021 is Monday 24 May (the Monday between 18 and
 * 24 May; the third Monday would be the 17th). */
static void test_SLA2_patriots_day_2021(void **state)
{
	kc_db *db = *state;
	pin("2021-06-01T12:00:00Z");
	int64_t a = make_account(db, "basic", "500006");
	assert_due(db, a, "standard", "2021-05-21 12:00", "2021-05-27T16:00:00Z",
		"2021-05-27 12:00");
	/* Monday 17 May 2021 is a working day. */
	assert_due(db, a, "standard", "2021-05-14 12:00", "2021-05-19T16:00:00Z",
		"2021-05-19 12:00");
}

/* --- TKT-2, TKT-4, TKT-7 -------------------------------------------------------- */

static void test_TKT2_emergency_on_basic_becomes_standard_with_note(void **state)
{
	kc_db *db = *state;
	int64_t a = make_account(db, "basic", "500007");
	struct ticket_new in = { .account_id = a, .priority = "emergency",
		.subject = "Nothing works", .channel = "phone" };
	kc_error err = KC_ERROR_INIT;
	int64_t n = 0;
	bool down = false;
	ok(ticket_add(db, NULL, &in, &n, &down, &err), &err);
	assert_true(down);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_string_equal(t.requested_priority, "emergency");
	assert_string_equal(t.priority, "standard");
	/* Standard deadline: Monday 3 June 12:00 + 24 working hours. */
	assert_instant(t.response_due, "2024-06-06T16:00:00Z");

	struct ticket_event *ev = NULL;
	size_t ne = 0;
	ok(ticket_events(db, t.id, &ev, &ne, &err), &err);
	assert_int_equal(ne, 2);
	assert_string_equal(ev[0].kind, "created");
	assert_string_equal(ev[1].kind, "downgrade");
	assert_non_null(strstr(ev[1].body, "TKT-2"));
	assert_string_equal(ev[1].old_value, "emergency");
	assert_string_equal(ev[1].new_value, "standard");
	assert_int_equal(ev[1].at, t.received_at);
	ticket_events_free(&ev, ne);
	assert_null(ev);
	ticket_clear(&t);

	/* The same request on a fully administered account stays Emergency. */
	int64_t f = make_account(db, "fully_administered", "500008");
	in.account_id = f;
	ok(ticket_add(db, NULL, &in, &n, &down, &err), &err);
	assert_false(down);
	get(db, n, &t);
	assert_string_equal(t.priority, "emergency");
	assert_int_equal(t.response_due - t.received_at, 15 * 60);
	ticket_clear(&t);
}

static void test_TKT2_opening_audited_in_one_transaction(void **state)
{
	kc_db *db = *state;
	int64_t a = make_account(db, "basic", "500009");
	int64_t n1 = open_ticket(db, a, "standard", 0, NULL);
	int64_t n2 = open_ticket(db, a, "urgent", 0, NULL);
	assert_int_equal(n2, n1 + 1); /* gapless "ticket" sequence */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE entity = 'ticket' AND "
				     "action = 'ticket.create' AND account_id IS NOT NULL"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM ticket_events WHERE kind = 'created'"), 2);
	/* Default channel and category, state new, clock starts at receipt. */
	struct ticket t = { 0 };
	get(db, n1, &t);
	assert_string_equal(t.channel, "phone");
	assert_string_equal(t.category, "support");
	assert_string_equal(t.state, "new");
	assert_null(t.assigned_to);
	assert_false(t.responded);
	assert_instant(t.received_at, "2024-06-03T16:00:00Z");
	ticket_clear(&t);
}

static void test_ticket_add_refusals(void **state)
{
	kc_db *db = *state;
	int64_t a = make_account(db, "basic", "500010");
	kc_error err = KC_ERROR_INIT;
	struct ticket_new in = { .account_id = a, .priority = "standard", .subject = "Hello" };
	in.priority = "critical";
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_INVALID, "critical");
	in.priority = "standard";
	in.subject = "   ";
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_INVALID, "subject");
	in.subject = "two\nlines";
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_INVALID, "subject");
	in.subject = "Hello";
	in.channel = "fax";
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_INVALID, "TKT-3");
	in.channel = NULL;
	in.category = "sales";
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_INVALID, "sales");
	in.category = NULL;
	in.received = utc("2024-06-03T16:00:01Z"); /* one second after now */
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_INVALID, "future");
	in.received = 0;
	in.account_id = 999;
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_NOT_FOUND, NULL);
	in.account_id = a;
	in.window_start = utc("2024-06-10T02:00:00Z");
	in.window_end = utc("2024-06-10T04:00:00Z");
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_INVALID, "TKT-7");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets"), 0);
	assert_int_equal(sql_int(db, "SELECT next_value FROM sequences WHERE name = 'ticket'"), 1);

	/* A closed account opens no ticket. */
	ok(account_activate(db, a, 0, "2024-06-01", &err), &err);
	ok(account_close(db, a, 0, "complaints", false, &err), &err);
	in.window_start = in.window_end = 0;
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_RULE, "closed");
}

/* A request received earlier (voicemail) counts from then. */
static void test_SLA1_voicemail_counts_from_receipt(void **state)
{
	kc_db *db = *state;
	pin("2024-06-03T16:00:00Z"); /* Monday 12:00 */
	int64_t f = make_account(db, "fully_administered", "500011");
	int64_t n = open_ticket(db, f, "urgent", office("2024-06-03 07:30"), NULL);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_instant(t.response_due, "2024-06-03T15:30:00Z"); /* 11:30, already past */
	assert_int_equal(ticket_clock(&t, date_now()), SLA_CLOCK_OVERDUE);
	ticket_clear(&t);
}

static void test_TKT7_maintenance_is_standard_with_window(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "500012");
	struct ticket_new in = { .account_id = f, .priority = "urgent",
		.subject = "Firmware update", .category = "maintenance",
		.window_start = office("2024-06-08 22:00"), .window_end = office("2024-06-09 01:00") };
	kc_error err = KC_ERROR_INIT;
	int64_t n = 0;
	bool down = false;
	ok(ticket_add(db, NULL, &in, &n, &down, &err), &err);
	assert_true(down);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_string_equal(t.priority, "standard");
	assert_true(t.has_window);
	assert_instant(t.window_start, "2024-06-09T02:00:00Z");
	assert_instant(t.window_end, "2024-06-09T05:00:00Z");
	ticket_clear(&t);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM ticket_events WHERE kind = 'downgrade' "
				     "AND body LIKE 'TKT-7%'"), 1);
	/* Start after end is refused. */
	in.window_start = office("2024-06-09 02:00");
	expect(ticket_add(db, NULL, &in, NULL, NULL, &err), &err, KC_ERR_INVALID, "TKT-7");
	/* And it never becomes more than Standard. */
	expect(ticket_set_priority(db, NULL, n, 0, "emergency", 0, &err), &err, KC_ERR_RULE,
		"TKT-7");
}

/* TKT-4: no obligation: never breached, whatever the time. */
static void test_TKT4_third_party_has_no_sla_clock(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "500013");
	int64_t n = open_ticket(db, f, "emergency", 0, "third_party");
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_int_equal(ticket_clock(&t, t.response_due + 86400 * 30), SLA_CLOCK_NONE);
	assert_false(sla_clock_breached(ticket_clock(&t, t.response_due + 1)));
	ticket_clear(&t);
}

/* --- SLA-1: replies, notes and the clock ---------------------------------------- */

static enum sla_clock answer_urgent_after(kc_db *db, int64_t account, int64_t seconds)
{
	kc_instant received = utc("2024-06-03T14:00:00Z");
	pin("2024-06-03T14:00:00Z");
	int64_t n = open_ticket(db, account, "urgent", received, NULL);
	date_set_now_for_tests(received + seconds);
	kc_error err = KC_ERROR_INIT;
	bool stopped = false;
	ok(ticket_reply(db, n, "We are on it.", 0, &stopped, &err), &err);
	assert_true(stopped);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_true(t.responded);
	assert_int_equal(t.responded_at, received + seconds);
	/* Computed, not polled: the same answer a month later. */
	enum sla_clock c = ticket_clock(&t, received + 86400 * 30);
	assert_int_equal(c, ticket_clock(&t, received + seconds));
	ticket_clear(&t);
	return c;
}

static void test_SLA1_urgent_answered_3h59_is_within_sla(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "500014");
	assert_int_equal(answer_urgent_after(db, f, 3 * 3600 + 59 * 60), SLA_CLOCK_MET);
	assert_int_equal(answer_urgent_after(db, f, 4 * 3600), SLA_CLOCK_MET); /* exactly */
}

static void test_SLA1_urgent_answered_4h01_is_breached(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "500015");
	enum sla_clock c = answer_urgent_after(db, f, 4 * 3600 + 60);
	assert_int_equal(c, SLA_CLOCK_MISSED);
	assert_true(sla_clock_breached(c));
}

static void test_SLA1_first_reply_stops_clock_note_does_not(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "500016");
	int64_t n = open_ticket(db, f, "emergency", 0, NULL);
	kc_error err = KC_ERROR_INIT;
	kc_instant t0 = date_now();

	date_set_now_for_tests(t0 + 5 * 60);
	ok(ticket_note(db, n, "Checking the alarm dashboard first", 0, &err), &err);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_false(t.responded);
	assert_string_equal(t.state, "new"); /* a note does not open the ticket */
	assert_int_equal(ticket_clock(&t, t0 + 20 * 60), SLA_CLOCK_OVERDUE);
	ticket_clear(&t);

	date_set_now_for_tests(t0 + 10 * 60);
	bool stopped = false;
	ok(ticket_reply(db, n, "\n  Hello, we see the outage.  \n", 0, &stopped, &err), &err);
	assert_true(stopped);
	get(db, n, &t);
	assert_true(t.responded);
	assert_int_equal(t.responded_at, t0 + 10 * 60);
	assert_string_equal(t.state, "open"); /* a reply opens a new ticket */
	assert_int_equal(ticket_clock(&t, t0 + 86400), SLA_CLOCK_MET);
	int64_t v = t.version;
	ticket_clear(&t);

	/* A second reply leaves responded_at alone. */
	date_set_now_for_tests(t0 + 60 * 60);
	ok(ticket_reply(db, n, "Fixed.", 0, &stopped, &err), &err);
	assert_false(stopped);
	get(db, n, &t);
	assert_int_equal(t.responded_at, t0 + 10 * 60);
	assert_true(t.version > v);
	ticket_clear(&t);

	get(db, n, &t);
	struct ticket_event *ev = NULL;
	size_t ne = 0;
	ok(ticket_events(db, t.id, &ev, &ne, &err), &err);
	const char *kinds[] = { "created", "note", "state", "reply", "reply" };
	assert_int_equal(ne, 5);
	for (size_t i = 0; i < ne; i++) {
		assert_string_equal(ev[i].kind, kinds[i]);
		assert_string_equal(ev[i].staff, db_staff(db));
	}
	assert_string_equal(ev[3].body, "Hello, we see the outage."); /* trimmed */
	ticket_events_free(&ev, ne);
	ticket_clear(&t);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE action = 'ticket.reply'"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE action = 'ticket.note'"), 1);

	/* Empty or binary text is refused. */
	expect(ticket_note(db, n, " \n ", 0, &err), &err, KC_ERR_INVALID, NULL);
	expect(ticket_reply(db, n, "bad \x01 byte", 0, NULL, &err), &err, KC_ERR_INVALID, NULL);
	expect(ticket_reply(db, n, "bad \xff utf8", 0, NULL, &err), &err, KC_ERR_INVALID, NULL);
	expect(ticket_reply(db, 999, "hi", 0, NULL, &err), &err, KC_ERR_NOT_FOUND, NULL);
}

/* A reply given by phone, recorded afterwards with its real time. */
static void test_TKT5_late_recording_keeps_history_in_order(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "500017");
	kc_instant t0 = date_now();
	int64_t n = open_ticket(db, f, "emergency", 0, NULL);
	date_set_now_for_tests(t0 + 3600);
	kc_error err = KC_ERROR_INIT;
	ok(ticket_reply(db, n, "Called back", t0 + 12 * 60, NULL, &err), &err);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_int_equal(t.responded_at, t0 + 12 * 60);
	assert_int_equal(ticket_clock(&t, date_now()), SLA_CLOCK_MET);
	ticket_clear(&t);
	/* Not before the latest event, not in the future. */
	expect(ticket_note(db, n, "x", t0 + 60, &err), &err, KC_ERR_INVALID, "TKT-5");
	expect(ticket_note(db, n, "x", t0 + 7200, &err), &err, KC_ERR_INVALID, "future");
	/* Not before receipt either (the created event is dated received_at). */
	int64_t m = open_ticket(db, f, "urgent", t0 + 1800, NULL);
	expect(ticket_reply(db, m, "x", t0 + 1700, NULL, &err), &err, KC_ERR_INVALID, "TKT-5");
}

/* --- TKT-5 states ------------------------------------------------------------ */

static void test_TKT5_transitions(void **state)
{
	kc_db *db = *state;
	int64_t a = make_account(db, "basic", "500018");
	int64_t n = open_ticket(db, a, "standard", 0, NULL);
	kc_error err = KC_ERROR_INIT;
	expect(ticket_set_state(db, n, 0, "waiting", 0, &err), &err, KC_ERR_RULE, "TKT-5");
	expect(ticket_set_state(db, n, 0, "resolved", 0, &err), &err, KC_ERR_RULE, "TKT-5");
	expect(ticket_set_state(db, n, 0, "closed", 0, &err), &err, KC_ERR_RULE, "TKT-5");
	expect(ticket_set_state(db, n, 0, "new", 0, &err), &err, KC_ERR_RULE, "already");
	expect(ticket_set_state(db, n, 0, "done", 0, &err), &err, KC_ERR_INVALID, "done");
	ok(ticket_set_state(db, n, 0, "open", 0, &err), &err);
	ok(ticket_set_state(db, n, 0, "waiting", 0, &err), &err);
	expect(ticket_set_state(db, n, 0, "resolved", 0, &err), &err, KC_ERR_RULE, "TKT-5");
	ok(ticket_set_state(db, n, 0, "open", 0, &err), &err);

	/* Resolving a ticket never answered counts as its response. */
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_false(t.responded);
	/* Wrong version: conflict, nothing written. */
	expect(ticket_set_state(db, n, t.version + 5, "resolved", 0, &err), &err,
		KC_ERR_CONFLICT, NULL);
	ok(ticket_set_state(db, n, t.version, "resolved", 0, &err), &err);
	ticket_clear(&t);
	get(db, n, &t);
	assert_true(t.responded);
	assert_int_equal(t.responded_at, date_now());
	ticket_clear(&t);

	ok(ticket_set_state(db, n, 0, "open", 0, &err), &err); /* reopen */
	ok(ticket_set_state(db, n, 0, "resolved", 0, &err), &err);
	ok(ticket_set_state(db, n, 0, "closed", 0, &err), &err);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM ticket_events WHERE kind = 'state'"), 7);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE action = 'ticket.state'"), 7);

	/* Closed is final: nothing changes it. */
	expect(ticket_set_state(db, n, 0, "open", 0, &err), &err, KC_ERR_RULE, "TKT-5");
	expect(ticket_reply(db, n, "hi", 0, NULL, &err), &err, KC_ERR_RULE, "closed");
	expect(ticket_note(db, n, "hi", 0, &err), &err, KC_ERR_RULE, "closed");
	expect(ticket_assign(db, n, 0, db_staff(db), 0, &err), &err, KC_ERR_RULE, "closed");
	expect(ticket_log_time(db, n, 10, NULL, NULL, TICKET_BILLABLE_DEFAULT, NULL, &err), &err,
		KC_ERR_RULE, "closed");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM ticket_events"), 8);
}

/* --- TKT-6 assignment ---------------------------------------------------------- */

static void test_TKT6_assignment(void **state)
{
	kc_db *db = *state;
	int64_t a = make_account(db, "basic", "500019");
	int64_t n = open_ticket(db, a, "standard", 0, NULL);
	kc_error err = KC_ERROR_INIT;
	const char *me = db_staff(db);
	ok(ticket_assign(db, n, 0, me, 0, &err), &err);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_string_equal(t.assigned_to, me);
	ticket_clear(&t);
	expect(ticket_assign(db, n, 0, me, 0, &err), &err, KC_ERR_INVALID, "already");
	expect(ticket_assign(db, n, 0, "nobody-here", 0, &err), &err, KC_ERR_INVALID, "TKT-6");
	ok(staff_add(db, "bob", "Bob", STAFF_AGENT, &err), &err);
	ok(ticket_assign(db, n, 0, "bob", 0, &err), &err);
	ok(ticket_assign(db, n, 0, NULL, 0, &err), &err);
	get(db, n, &t);
	assert_null(t.assigned_to);
	ticket_clear(&t);
	expect(ticket_assign(db, n, 0, "", 0, &err), &err, KC_ERR_INVALID, "not assigned");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM ticket_events WHERE kind = 'assign' "
				     "AND new_value IS NULL AND old_value = 'bob'"), 1);
}

/* --- priority ------------------------------------------------------------------- */

static void test_priority_change(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "500020");
	int64_t b = make_account(db, "basic", "500021");
	kc_error err = KC_ERROR_INIT;
	kc_instant t0 = date_now(); /* Monday 12:00 */
	int64_t n = open_ticket(db, f, "standard", 0, NULL);
	date_set_now_for_tests(t0 + 600);
	/* Upgrade: 15 minutes from the change. */
	ok(ticket_set_priority(db, NULL, n, 0, "emergency", 0, &err), &err);
	struct ticket t = { 0 };
	get(db, n, &t);
	assert_string_equal(t.priority, "emergency");
	assert_string_equal(t.requested_priority, "standard");
	assert_int_equal(t.response_due, t0 + 600 + 15 * 60);
	ticket_clear(&t);
	/* Downgrade back: Standard counted from the change. */
	ok(ticket_set_priority(db, NULL, n, 0, "standard", 0, &err), &err);
	get(db, n, &t);
	assert_instant(t.response_due, "2024-06-06T16:10:00Z");
	ticket_clear(&t);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM ticket_events WHERE kind = 'priority'"), 2);
	/* Answered: settled. */
	ok(ticket_reply(db, n, "ok", 0, NULL, &err), &err);
	expect(ticket_set_priority(db, NULL, n, 0, "urgent", 0, &err), &err, KC_ERR_RULE, "SLA-1");
	/* TKT-2 on a basic account. */
	int64_t m = open_ticket(db, b, "standard", 0, NULL);
	expect(ticket_set_priority(db, NULL, m, 0, "urgent", 0, &err), &err, KC_ERR_RULE, "TKT-2");
	/* Breached: the breach stays on record. */
	int64_t e = open_ticket(db, f, "emergency", 0, NULL);
	date_set_now_for_tests(t0 + 3600);
	expect(ticket_set_priority(db, NULL, e, 0, "standard", 0, &err), &err, KC_ERR_RULE,
		"SLA-4");
}

/* --- TKT-8 time -------------------------------------------------------------------- */

static void test_TKT8_time_entries_wait_for_billing(void **state)
{
	kc_db *db = *state;
	int64_t a = make_account(db, "basic", "500022");
	int64_t sup = open_ticket(db, a, "standard", 0, NULL);
	int64_t con = open_ticket(db, a, "standard", 0, "consulting");
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	ok(ticket_log_time(db, con, 90, NULL, "Call report", TICKET_BILLABLE_DEFAULT, &id, &err),
		&err);
	assert_true(id > 0);
	ok(ticket_log_time(db, sup, 30, "2024-06-03", NULL, TICKET_BILLABLE_DEFAULT, NULL, &err),
		&err);
	ok(ticket_log_time(db, sup, 15, NULL, NULL, TICKET_BILLABLE_YES, NULL, &err), &err);
	assert_int_equal(sql_int(db, "SELECT sum(minutes) FROM time_entries WHERE billable = 1 "
				     "AND invoice_id IS NULL"), 105);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM time_entries WHERE billable = 0"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM ticket_events WHERE kind = 'time'"), 3);

	struct ticket t = { 0 };
	get(db, con, &t);
	struct ticket_time *tt = NULL;
	size_t nt = 0;
	ok(ticket_times(db, t.id, &tt, &nt, &err), &err);
	assert_int_equal(nt, 1);
	assert_int_equal(tt[0].minutes, 90);
	assert_true(tt[0].billable);
	assert_string_equal(tt[0].worked_on, "2024-06-03");
	assert_string_equal(tt[0].description, "Call report");
	assert_int_equal(tt[0].invoice_id, 0);
	ticket_times_free(&tt, nt);
	ticket_clear(&t);

	expect(ticket_log_time(db, sup, 0, NULL, NULL, TICKET_BILLABLE_DEFAULT, NULL, &err), &err,
		KC_ERR_INVALID, "TKT-8");
	expect(ticket_log_time(db, sup, 1441, NULL, NULL, TICKET_BILLABLE_DEFAULT, NULL, &err),
		&err, KC_ERR_INVALID, "TKT-8");
	expect(ticket_log_time(db, sup, 10, "2024-06-04", NULL, TICKET_BILLABLE_DEFAULT, NULL,
		&err), &err, KC_ERR_INVALID, "future");
	expect(ticket_log_time(db, sup, 10, "2024-06-02", NULL, TICKET_BILLABLE_DEFAULT, NULL,
		&err), &err, KC_ERR_INVALID, "before");
	expect(ticket_log_time(db, sup, 10, "June 3", NULL, TICKET_BILLABLE_DEFAULT, NULL, &err),
		&err, KC_ERR_INVALID, NULL);
}

/* --- the queue ------------------------------------------------------------------- */

struct qcase {
	const char *priority, *category;
	int age_min;    /* received this many minutes before now */
	bool reply, assign;
};

static void collect(kc_db *db, const struct ticket_query *q, size_t page, int64_t *out,
	size_t *n)
{
	struct ticket_cursor cur = { 0 };
	struct ticket rows[8];
	*n = 0;
	for (;;) {
		memset(rows, 0, sizeof rows);
		size_t got = 0;
		kc_error err = KC_ERROR_INIT;
		if (ticket_page(db, q, &cur, false, rows, page, &got, &err) != KC_OK)
			fail_msg("ticket_page: %s", kc_error_text(&err));
		for (size_t i = 0; i < got; i++) {
			out[(*n)++] = rows[i].number;
			if (i + 1 == got)
				ticket_cursor_set(&cur, q, &rows[i]);
			ticket_clear(&rows[i]);
		}
		if (got < page)
			break;
	}
}

/* TKT-6, SLA-3: breached first, unassigned first, earliest deadline first. */
static void test_TKT6_SLA3_queue_order_and_keyset_pages(void **state)
{
	kc_db *db = *state;
	int64_t f = make_account(db, "fully_administered", "500023");
	int64_t b = make_account(db, "basic", "500024");
	kc_instant now = date_now();
	const struct qcase cases[] = {
		{ "urgent", NULL, 10, false, false },     /* 1 running, unassigned, due +3h50 */
		{ "emergency", NULL, 60, false, true },   /* 2 overdue, assigned */
		{ "emergency", NULL, 30, false, false },  /* 3 overdue, unassigned */
		{ "emergency", NULL, 5, false, true },    /* 4 running, assigned, due +10m */
		{ "standard", NULL, 0, true, false },     /* 5 answered, unassigned */
		{ "emergency", "third_party", 600, false, false }, /* 6 no SLA, unassigned */
		{ "emergency", NULL, 1, false, false },   /* 7 running, unassigned, due +14m */
		{ "urgent", NULL, 20, true, true },       /* 8 answered, assigned */
	};
	kc_error err = KC_ERROR_INIT;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t n = open_ticket(db, f, cases[i].priority,
			now - cases[i].age_min * 60, cases[i].category);
		if (cases[i].assign)
			ok(ticket_assign(db, n, 0, db_staff(db), 0, &err), &err);
		if (cases[i].reply)
			ok(ticket_reply(db, n, "hi", 0, NULL, &err), &err);
	}
	/* A closed ticket on another account is not in the default queue. */
	int64_t c = open_ticket(db, b, "standard", 0, NULL);
	ok(ticket_set_state(db, c, 0, "open", 0, &err), &err);
	ok(ticket_set_state(db, c, 0, "resolved", 0, &err), &err);
	ok(ticket_set_state(db, c, 0, "closed", 0, &err), &err);

	/* Rank 0: 3; rank 1: 2; rank 2: 7 (+14m), 1 (+3h50); rank 3: 4; rank 4:
	 * 6 (third party, due +... from 10 h ago) and 5 (answered); rank 5: 8. */
	const int64_t want[] = { 3, 2, 7, 1, 4, 6, 5, 8 };
	int64_t got[16];
	size_t n = 0;
	struct ticket_query q = { .as_of = now };
	for (size_t page = 1; page <= 8; page++) {
		collect(db, &q, page, got, &n);
		assert_int_equal(n, 8);
		for (size_t i = 0; i < n; i++)
			if (got[i] != want[i])
				fail_msg("page size %zu, row %zu: ticket %lld, expected %lld", page, i,
					(long long)got[i], (long long)want[i]);
	}
	int64_t count = 0;
	ok(ticket_count(db, &q, &count, &err), &err);
	assert_int_equal(count, 8);

	/* Backward from the sixth row gives rows 3..5 (in queue order). */
	struct ticket rows[3] = { 0 }, six = { 0 };
	get(db, 6, &six);
	struct ticket_cursor cur = { 0 };
	ticket_cursor_set(&cur, &q, &six);
	ticket_clear(&six);
	size_t m = 0;
	ok(ticket_page(db, &q, &cur, true, rows, 3, &m, &err), &err);
	assert_int_equal(m, 3);
	assert_int_equal(rows[0].number, 7);
	assert_int_equal(rows[1].number, 1);
	assert_int_equal(rows[2].number, 4);
	for (size_t i = 0; i < m; i++)
		ticket_clear(&rows[i]);

	/* Filters. */
	struct ticket_query mine = { .assigned_to = db_staff(db), .as_of = now };
	collect(db, &mine, 3, got, &n);
	assert_int_equal(n, 3);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 4);
	assert_int_equal(got[2], 8);
	struct ticket_query un = { .unassigned = true, .priority = "emergency", .as_of = now };
	collect(db, &un, 8, got, &n);
	assert_int_equal(n, 3);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 7);
	assert_int_equal(got[2], 6);
	struct ticket_query acct = { .account_id = b, .state = "all", .as_of = now };
	collect(db, &acct, 8, got, &n);
	assert_int_equal(n, 1);
	assert_int_equal(got[0], c);
	struct ticket_query closed = { .state = "closed", .as_of = now };
	ok(ticket_count(db, &closed, &count, &err), &err);
	assert_int_equal(count, 1);
	struct ticket_query bad = { .state = "pending" };
	expect(ticket_count(db, &bad, &count, &err), &err, KC_ERR_INVALID, "pending");
	bad = (struct ticket_query){ .priority = "high" };
	expect(ticket_page(db, &bad, NULL, false, rows, 3, &m, &err), &err, KC_ERR_INVALID, "high");

	/* Later, ticket 1 is breached too and moves up to rank 0. */
	struct ticket_query later = { .as_of = now + 5 * 3600 };
	collect(db, &later, 4, got, &n);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 7);
	assert_int_equal(got[2], 1);
	assert_int_equal(got[3], 2);
}

/* --- read-only and the demo --------------------------------------------------------- */

static void test_demo_tickets_cover_priorities_states_and_credits(void **state)
{
	kc_db *db = *state;
	pin("2024-06-03T16:00:00Z");
	kc_error err = KC_ERROR_INIT;
	for (int i = 0; i < 26; i++) {
		char client[16];
		snprintf(client, sizeof client, "6%05d", i);
		int64_t id = make_account(db, i % 3 ? "fully_administered" : "basic", client);
		ok(account_activate(db, id, 0, "2024-01-15", &err), &err);
		ok(db_begin_write(db, &err), &err); /* demo.c runs steps in a batch */
		ok(ticket_demo_account(db, 1234 + (uint64_t)i, id, i, &err), &err);
		ok(db_commit(db, &err), &err);
	}
	const char *checks[] = {
		"SELECT count(DISTINCT priority) FROM tickets",
		"SELECT count(DISTINCT state) FROM tickets",
		"SELECT count(DISTINCT category) FROM tickets",
		"SELECT count(DISTINCT channel) FROM tickets",
	};
	const int64_t mins[] = { 3, 5, 5, 4 };
	for (size_t i = 0; i < 4; i++)
		if (sql_int(db, checks[i]) < mins[i])
			fail_msg("%s < %lld", checks[i], (long long)mins[i]);
	assert_true(sql_int(db, "SELECT count(*) FROM tickets WHERE responded_at > response_due "
				"AND category <> 'third_party'") > 0);
	assert_true(sql_int(db, "SELECT count(*) FROM tickets WHERE responded_at IS NULL AND "
				"response_due < '2024-06-03T16:00:00Z'") > 0);
	assert_true(sql_int(db, "SELECT count(*) FROM sla_credit_requests WHERE status = "
				"'granted'") > 0);
	assert_true(sql_int(db, "SELECT count(*) FROM ticket_events WHERE kind = 'downgrade'") > 0);
	assert_true(sql_int(db, "SELECT count(*) FROM time_entries") > 0);
	/* Every event happened before "now". */
	assert_int_equal(sql_int(db, "SELECT max(at) <= '2024-06-03T16:00:00Z' FROM ticket_events"),
		1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_and_parsing),
		cmocka_unit_test(test_TKT5_transition_table),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_SLA1_SLA2_golden_deadlines_through_ticket_add),
		T(test_SLA2_standard_friday_1600_before_saint_jean_monday),
		T(test_SLA2_standard_across_november_dst),
		T(test_SLA2_patriots_day_2021),
		T(test_TKT2_emergency_on_basic_becomes_standard_with_note),
		T(test_TKT2_opening_audited_in_one_transaction),
		T(test_ticket_add_refusals),
		T(test_SLA1_voicemail_counts_from_receipt),
		T(test_TKT7_maintenance_is_standard_with_window),
		T(test_TKT4_third_party_has_no_sla_clock),
		T(test_SLA1_urgent_answered_3h59_is_within_sla),
		T(test_SLA1_urgent_answered_4h01_is_breached),
		T(test_SLA1_first_reply_stops_clock_note_does_not),
		T(test_TKT5_late_recording_keeps_history_in_order),
		T(test_TKT5_transitions),
		T(test_TKT6_assignment),
		T(test_priority_change),
		T(test_TKT8_time_entries_wait_for_billing),
		T(test_TKT6_SLA3_queue_order_and_keyset_pages),
		T(test_demo_tickets_cover_priorities_states_and_credits),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
