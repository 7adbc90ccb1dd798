/* test_account.c: accounts (ACC, TRM-8, BIL-6), payment methods (ACC-8) and
 * the account history (HIS).  Each test opens a fresh database file; the
 * clock is pinned to 2024-06-21 12:00 Toronto time. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "account.h"
#include "date.h"
#include "db.h"
#include "history.h"
#include "paymethod.h"

#define NOW_UTC "2024-06-21T16:00:00Z" /* 12:00 in Toronto */

static int db_counter;

static kc_db *open_db_at(const char *path, const char *staff)
{
	struct db_open_options opt = { .path = path, .create = true };
	kc_db *db = NULL;
	kc_error err = KC_ERROR_INIT;
	kc_status st = db_open(&opt, &db, &err);
	if (st != KC_OK)
		fail_msg("db_open: %s", kc_error_text(&err));
	kc_error_clear(&err);
	db_set_staff(db, staff);
	return db;
}

static int setup(void **state)
{
	kc_instant now;
	assert_int_equal(date_instant_parse(NOW_UTC, &now, NULL), KC_OK);
	date_set_now_for_tests(now);
	char name[64];
	snprintf(name, sizeof name, "account-%d.db", ++db_counter);
	*state = open_db_at(test_path(name), "alice");
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

/* --- helpers ---------------------------------------------------------- */

static struct account_fields base_fields(void)
{
	struct account_fields f = { 0 };
	f.holder = "Alice Tremblay";
	f.email = "alice@example.com";
	f.province = "QC";
	f.level = "basic";
	f.voipms_client = "100001";
	f.signed_on = "2024-06-01";
	return f;
}

static int64_t create_with(kc_db *db, struct account_fields f)
{
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	enum account_field bad = ACCOUNT_FIELD_NONE;
	kc_status st = account_create(db, &f, &id, &bad, &err);
	if (st != KC_OK)
		fail_msg("account_create: %s", kc_error_text(&err));
	kc_error_clear(&err);
	assert_true(id > 0);
	return id;
}

static int64_t create_account(kc_db *db, const char *holder, const char *client)
{
	struct account_fields f = base_fields();
	f.holder = holder;
	f.voipms_client = client;
	return create_with(db, f);
}

static int64_t sql_int(kc_db *db, const char *sql)
{
	int64_t v = -1;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Column 0 of the first row as a heap string ("<null>" for NULL). */
static char *sql_text(kc_db *db, const char *sql)
{
	char *v = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		v = strdup(t ? (const char *)t : "<null>");
	}
	sqlite3_finalize(st);
	assert_non_null(v);
	return v;
}

static void sql_exec(kc_db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db_handle(db), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static void assert_sql_text(kc_db *db, const char *sql, const char *want)
{
	char *got = sql_text(db, sql);
	assert_string_equal(got, want);
	free(got);
}

static int64_t audit_count(kc_db *db, int64_t account_id)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE account_id = %lld",
		(long long)account_id);
	return sql_int(db, sql);
}

static int64_t version_of(kc_db *db, int64_t id)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT version FROM accounts WHERE id = %lld", (long long)id);
	return sql_int(db, sql);
}

static void expect_error(kc_status got, kc_error *err, kc_status want, const char *part)
{
	if (got != want)
		fail_msg("status %d, wanted %d (%s)", got, want, kc_error_text(err));
	if (part && !strstr(kc_error_text(err), part))
		fail_msg("message \"%s\" lacks \"%s\"", kc_error_text(err), part);
	kc_error_clear(err);
}

static void expect_ok(kc_status got, kc_error *err)
{
	if (got != KC_OK)
		fail_msg("status %d: %s", got, kc_error_text(err));
	kc_error_clear(err);
}

static struct account get(kc_db *db, int64_t id)
{
	struct account a;
	kc_error err = KC_ERROR_INIT;
	expect_ok(account_get(db, id, &a, &err), &err);
	return a;
}

/* --- validation ------------------------------------------------------- */

static void check_bad(struct account_fields f, enum account_field want)
{
	enum account_field bad = ACCOUNT_FIELD_NONE;
	kc_error err = KC_ERROR_INIT;
	kc_status st = account_validate(&f, true, &bad, &err);
	if (st != KC_ERR_INVALID || bad != want)
		fail_msg("status %d field %d, wanted field %d (%s)", st, bad, want, kc_error_text(&err));
	assert_non_null(err.message);
	kc_error_clear(&err);
}

static void test_validation_edge_cases(void **state)
{
	(void)state;
	kc_error err = KC_ERROR_INIT;
	enum account_field bad = ACCOUNT_FIELD_HOLDER;
	expect_error(account_validate(NULL, true, &bad, &err), &err, KC_ERR_INVALID, NULL);
	struct account_fields ok = base_fields();
	expect_ok(account_validate(&ok, true, &bad, &err), &err);
	assert_int_equal(bad, ACCOUNT_FIELD_NONE);

	char long_holder[202];
	memset(long_holder, 'x', 201);
	long_holder[201] = '\0';
	struct account_fields f;
	f = base_fields(); f.holder = NULL; check_bad(f, ACCOUNT_FIELD_HOLDER);
	f = base_fields(); f.holder = "   "; check_bad(f, ACCOUNT_FIELD_HOLDER);
	f = base_fields(); f.holder = long_holder; check_bad(f, ACCOUNT_FIELD_HOLDER);
	f = base_fields(); f.holder = "Bad \xff name"; check_bad(f, ACCOUNT_FIELD_HOLDER);
	f = base_fields(); f.holder = "Bad\x01name"; check_bad(f, ACCOUNT_FIELD_HOLDER);
	f = base_fields(); f.holder = "Caf\xc3\xa9 \xc3\x89ric"; /* valid UTF-8 */
	expect_ok(account_validate(&f, true, &bad, &err), &err);
	long_holder[200] = '\0'; /* exactly 200 characters */
	f = base_fields(); f.holder = long_holder;
	expect_ok(account_validate(&f, true, &bad, &err), &err);

	f = base_fields(); f.email = "alice@example"; check_bad(f, ACCOUNT_FIELD_EMAIL);
	f = base_fields(); f.email = "a@@example.com"; check_bad(f, ACCOUNT_FIELD_EMAIL);
	f = base_fields(); f.email = "a@b@example.com"; check_bad(f, ACCOUNT_FIELD_EMAIL);
	f = base_fields(); f.email = "alice.example.com"; check_bad(f, ACCOUNT_FIELD_EMAIL);
	f = base_fields(); f.email = "@example.com"; check_bad(f, ACCOUNT_FIELD_EMAIL);
	f = base_fields(); f.email = NULL; check_bad(f, ACCOUNT_FIELD_EMAIL);
	f = base_fields(); f.province = "XX"; check_bad(f, ACCOUNT_FIELD_PROVINCE);
	f = base_fields(); f.province = NULL; check_bad(f, ACCOUNT_FIELD_PROVINCE);
	f = base_fields(); f.level = "gold"; check_bad(f, ACCOUNT_FIELD_LEVEL);
	f = base_fields(); f.language = "de"; check_bad(f, ACCOUNT_FIELD_LANGUAGE);
	f = base_fields(); f.kind = "charity"; check_bad(f, ACCOUNT_FIELD_KIND);
	f = base_fields(); f.term = "weekly"; check_bad(f, ACCOUNT_FIELD_TERM);
	f = base_fields(); f.voipms_client = "12a"; check_bad(f, ACCOUNT_FIELD_VOIPMS_CLIENT);
	f = base_fields(); f.voipms_client = "123456789012345678901234567890123";
	check_bad(f, ACCOUNT_FIELD_VOIPMS_CLIENT);
	f = base_fields(); f.expected_usage = "-1.00"; check_bad(f, ACCOUNT_FIELD_EXPECTED_USAGE);
	f = base_fields(); f.expected_usage = "abc"; check_bad(f, ACCOUNT_FIELD_EXPECTED_USAGE);
	f = base_fields(); f.delivery = "fax"; check_bad(f, ACCOUNT_FIELD_DELIVERY);
	f = base_fields(); f.delivery = "email,email"; check_bad(f, ACCOUNT_FIELD_DELIVERY);
	f = base_fields(); f.delivery = ","; check_bad(f, ACCOUNT_FIELD_DELIVERY);
	f = base_fields(); f.signed_on = "2024-02-30"; check_bad(f, ACCOUNT_FIELD_SIGNED_ON);
	f = base_fields(); f.phone = "514\n555"; check_bad(f, ACCOUNT_FIELD_PHONE);

	/* Updates skip the holder and missing fields. */
	struct account_fields upd = { 0 };
	upd.email = "new@example.org";
	expect_ok(account_validate(&upd, false, &bad, &err), &err);
}

static void test_create_defaults_and_number(void **state)
{
	kc_db *db = *state;
	struct account_fields f = base_fields();
	f.province = "qc";
	f.delivery = " mail , portal ";
	f.expected_usage = "250.00";
	f.signed_on = NULL;
	int64_t id = create_with(db, f);
	struct account a = get(db, id);
	assert_string_equal(a.number, "K-000001");
	assert_string_equal(a.status, "pending");
	assert_string_equal(a.province, "QC");
	assert_string_equal(a.delivery, "portal,mail");
	assert_string_equal(a.language, "fr");
	assert_string_equal(a.kind, "business");
	assert_string_equal(a.term, "monthly");
	assert_string_equal(a.signed_on, "2024-06-21"); /* today */
	assert_int_equal(a.expected_usage_cents, 25000);
	assert_string_equal(a.created_by, "alice");
	assert_string_equal(a.created_at, NOW_UTC);
	assert_int_equal(a.version, 1);
	assert_null(a.welcome_call);
	assert_false(a.high_risk);
	account_clear(&a);
	int64_t id2 = create_account(db, "Bob Roy", "100002");
	a = get(db, id2);
	assert_string_equal(a.number, "K-000002");
	account_clear(&a);
	/* one audit row, tied to the account */
	assert_int_equal(audit_count(db, id), 1);
	assert_sql_text(db, "SELECT action FROM audit WHERE entity_id = 1 AND entity = 'account'",
		"account.create");
	char *json = sql_text(db, "SELECT new_values FROM audit WHERE account_id = 1");
	assert_non_null(strstr(json, "\"holder\":\"Alice Tremblay\""));
	assert_non_null(strstr(json, "\"number\":\"K-000001\""));
	free(json);
}

static void test_nothing_written_on_validation_failure(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	enum account_field bad;
	int64_t id = -5;
	struct account_fields f = base_fields();
	f.email = "nope";
	expect_error(account_create(db, &f, &id, &bad, &err), &err, KC_ERR_INVALID, NULL);
	assert_int_equal(bad, ACCOUNT_FIELD_EMAIL);
	assert_int_equal(id, -5);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM accounts"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE entity = 'account'"), 0);
	assert_int_equal(sql_int(db, "SELECT next_value FROM sequences WHERE name = 'account'"), 1);

	/* A refusal found inside the transaction (ACC-2) rolls the number back. */
	int64_t first = create_account(db, "Alice Tremblay", "100001");
	f = base_fields();
	expect_error(account_create(db, &f, &id, &bad, &err), &err, KC_ERR_RULE, "ACC-2");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM accounts"), 1);
	assert_int_equal(sql_int(db, "SELECT next_value FROM sequences WHERE name = 'account'"), 2);

	/* A refused update leaves the row and the trail alone. */
	struct account_fields upd = { 0 };
	upd.province = "ZZ";
	upd.email = "changed@example.com";
	expect_error(account_update(db, first, 1, &upd, NULL, &bad, &err), &err, KC_ERR_INVALID, NULL);
	assert_int_equal(bad, ACCOUNT_FIELD_PROVINCE);
	assert_int_equal(version_of(db, first), 1);
	assert_sql_text(db, "SELECT email FROM accounts WHERE id = 1", "alice@example.com");
	assert_int_equal(audit_count(db, first), 1);
}

static void test_ACC1_holder_cannot_change(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	enum account_field bad = ACCOUNT_FIELD_NONE;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	struct account_fields upd = { 0 };
	upd.holder = "Alice Tremblay-Roy";
	upd.email = "alice@new.example.com";
	expect_error(account_update(db, id, 1, &upd, NULL, &bad, &err), &err, KC_ERR_RULE,
		"ACC-1: the account holder cannot be changed");
	assert_int_equal(bad, ACCOUNT_FIELD_HOLDER);
	assert_int_equal(version_of(db, id), 1);
	assert_sql_text(db, "SELECT holder || '|' || email FROM accounts",
		"Alice Tremblay|alice@example.com");
	/* the same holder given again is not a change */
	upd.holder = "Alice Tremblay";
	expect_ok(account_update(db, id, 1, &upd, NULL, &bad, &err), &err);
	assert_sql_text(db, "SELECT holder || '|' || email FROM accounts",
		"Alice Tremblay|alice@new.example.com");
	assert_int_equal(version_of(db, id), 2);
	assert_sql_text(db, "SELECT updated_by FROM accounts", "alice");
}

static void test_ACC2_client_unique(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	enum account_field bad = ACCOUNT_FIELD_NONE;
	create_account(db, "Alice Tremblay", "100001");
	int64_t id = 0;
	struct account_fields f = base_fields();
	f.holder = "Bob Roy";
	expect_error(account_create(db, &f, &id, &bad, &err), &err, KC_ERR_RULE,
		"already used by account K-000001");
	assert_int_equal(bad, ACCOUNT_FIELD_VOIPMS_CLIENT);
	int64_t bob = create_account(db, "Bob Roy", "100002");
	struct account_fields upd = { 0 };
	upd.voipms_client = "100001";
	expect_error(account_update(db, bob, 1, &upd, NULL, &bad, &err), &err, KC_ERR_RULE, "ACC-2");
	assert_int_equal(bad, ACCOUNT_FIELD_VOIPMS_CLIENT);
	upd.voipms_client = "100003";
	expect_ok(account_update(db, bob, 1, &upd, NULL, &bad, &err), &err);
	assert_sql_text(db, "SELECT voipms_client FROM accounts WHERE id = 2", "100003");
}

static void test_ACC3_lifecycle_transitions(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	/* pending: only activation (or closure) */
	expect_error(account_suspend(db, id, 0, "overdue", NULL, &err), &err, KC_ERR_RULE, "ACC-3");
	expect_error(account_reinstate(db, id, 0, &err), &err, KC_ERR_RULE, "ACC-3");
	expect_error(account_reopen(db, id, 0, "Alice Tremblay", "passport", &err), &err,
		KC_ERR_RULE, "ACC-3");
	expect_ok(account_activate(db, id, 1, "2024-06-05", &err), &err);
	expect_error(account_activate(db, id, 0, "2024-06-05", &err), &err, KC_ERR_RULE, "ACC-3");
	expect_error(account_reinstate(db, id, 0, &err), &err, KC_ERR_RULE, "ACC-3");
	expect_ok(account_suspend(db, id, 2, "overdue", NULL, &err), &err);
	expect_error(account_suspend(db, id, 0, "overdue", NULL, &err), &err, KC_ERR_RULE, "ACC-3");
	expect_error(account_activate(db, id, 0, NULL, &err), &err, KC_ERR_RULE, "ACC-3");
	expect_ok(account_reinstate(db, id, 3, &err), &err);
	expect_ok(account_suspend(db, id, 4, "breach", "abuse", &err), &err);
	expect_ok(account_close(db, id, 5, "terms_violation", false, &err), &err);
	expect_error(account_close(db, id, 0, "law", false, &err), &err, KC_ERR_RULE, "ACC-3");
	expect_error(account_suspend(db, id, 0, "overdue", NULL, &err), &err, KC_ERR_RULE, "ACC-3");
	expect_error(account_activate(db, id, 0, NULL, &err), &err, KC_ERR_RULE, "ACC-3");
	struct account a = get(db, id);
	assert_string_equal(a.status, "closed");
	assert_int_equal(a.version, 6);
	account_clear(&a);
	/* closing ended the open suspension */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM suspensions WHERE ended_at IS NULL"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM suspensions"), 2);
	/* a stale version is a conflict, not a transition */
	int64_t other = create_account(db, "Bob Roy", "100002");
	expect_error(account_activate(db, other, 7, NULL, &err), &err, KC_ERR_CONFLICT, "K-000002");
	/* unknown id */
	expect_error(account_activate(db, 999, 0, NULL, &err), &err, KC_ERR_NOT_FOUND, NULL);
}

static void test_ACC4_welcome_call_starts_service(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = create_account(db, "Alice Tremblay", "100001"); /* signed 2024-06-01 */
	struct account a = get(db, id);
	char buf[11];
	account_next_bill_date(&a, "2024-06-21", false, buf);
	assert_string_equal(buf, ""); /* not started */
	/* ACC-3: the welcome call is due within 14 days of signature */
	assert_false(account_welcome_overdue(&a, "2024-06-15"));
	assert_true(account_welcome_overdue(&a, "2024-06-16"));
	assert_true(account_welcome_overdue(&a, NULL)); /* today: 2024-06-21 */
	account_clear(&a);

	expect_error(account_activate(db, id, 1, "2024-05-31", &err), &err, KC_ERR_INVALID, "2024-06-01");
	expect_error(account_activate(db, id, 1, "2024-13-01", &err), &err, KC_ERR_INVALID, NULL);
	expect_ok(account_activate(db, id, 1, "2024-06-10", &err), &err);
	a = get(db, id);
	assert_string_equal(a.status, "active");
	assert_string_equal(a.welcome_call, "2024-06-10");
	assert_false(account_welcome_overdue(&a, NULL)); /* it happened */
	account_next_bill_date(&a, NULL, false, buf);
	assert_string_equal(buf, "2024-07-10"); /* the anniversary anchors billing */
	account_clear(&a);
	/* no date: the welcome call is today */
	int64_t id2 = create_account(db, "Bob Roy", "100002");
	expect_ok(account_activate(db, id2, 1, NULL, &err), &err);
	assert_sql_text(db, "SELECT welcome_call FROM accounts WHERE id = 2", "2024-06-21");
}

static void test_ACC4_next_bill_date(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	struct account_fields f = base_fields();
	f.signed_on = "2024-01-20";
	int64_t id = create_with(db, f);
	expect_ok(account_activate(db, id, 1, "2024-01-31", &err), &err);
	struct account a = get(db, id);
	assert_string_equal(a.status, "active");
	assert_string_equal(a.welcome_call, "2024-01-31");
	assert_null(a.term_started); /* monthly */
	assert_false(account_welcome_overdue(&a, "2024-06-21"));
	char buf[11];
	account_next_bill_date(&a, "2024-06-21", false, buf);
	assert_string_equal(buf, "2024-06-30"); /* the 31st clamped */
	account_next_bill_date(&a, "2024-06-30", false, buf);
	assert_string_equal(buf, "2024-06-30"); /* on the day itself */
	account_next_bill_date(&a, "2024-07-01", false, buf);
	assert_string_equal(buf, "2024-07-31");
	account_next_bill_date(&a, "2024-01-01", false, buf);
	assert_string_equal(buf, "2024-01-31"); /* before the start: the start */
	account_next_bill_date(&a, "2024-06-21", true, buf);
	assert_string_equal(buf, "2024-06-29"); /* 31 Jan + 5 x 30 days */
	account_clear(&a);
}

static void test_ACC6_term_changes(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	enum account_field bad;
	struct account_fields to_annual = { 0 }, to_monthly = { 0 };
	to_annual.term = "annual";
	to_monthly.term = "monthly";

	/* monthly -> annual is stored for the next anniversary */
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	expect_ok(account_update(db, id, 1, &to_annual, NULL, &bad, &err), &err);
	struct account a = get(db, id);
	assert_string_equal(a.term, "monthly");
	assert_string_equal(a.next_term, "annual");
	account_clear(&a);
	assert_sql_text(db, "SELECT action FROM audit ORDER BY id DESC LIMIT 1", "account.term");
	/* for a pending account the welcome call is that anniversary */
	expect_ok(account_activate(db, id, 2, "2024-06-10", &err), &err);
	a = get(db, id);
	assert_string_equal(a.term, "annual");
	assert_string_equal(a.term_started, "2024-06-10");
	assert_null(a.next_term);
	account_clear(&a);
	/* annual -> monthly refused until 2025-06-10 */
	expect_error(account_update(db, id, 3, &to_monthly, NULL, &bad, &err), &err, KC_ERR_RULE,
		"2025-06-10");
	assert_int_equal(bad, ACCOUNT_FIELD_TERM);
	assert_int_equal(version_of(db, id), 3);

	/* active monthly account: switch asked, then cancelled */
	int64_t id2 = create_account(db, "Bob Roy", "100002");
	expect_ok(account_activate(db, id2, 1, "2024-06-02", &err), &err);
	expect_ok(account_update(db, id2, 2, &to_annual, NULL, &bad, &err), &err);
	a = get(db, id2);
	assert_string_equal(a.term, "monthly");
	assert_string_equal(a.next_term, "annual");
	account_clear(&a);
	expect_ok(account_update(db, id2, 3, &to_monthly, NULL, &bad, &err), &err);
	a = get(db, id2);
	assert_string_equal(a.term, "monthly");
	assert_null(a.next_term);
	assert_int_equal(a.version, 4);
	account_clear(&a);

	/* an annual term that has ended may become monthly */
	struct account_fields f = base_fields();
	f.holder = "Carole Lee";
	f.voipms_client = "100003";
	f.term = "annual";
	f.signed_on = "2023-01-10";
	int64_t id3 = create_with(db, f);
	expect_ok(account_activate(db, id3, 1, "2023-01-15", &err), &err);
	a = get(db, id3);
	assert_string_equal(a.term_started, "2023-01-15");
	account_clear(&a);
	expect_ok(account_update(db, id3, 2, &to_monthly, NULL, &bad, &err), &err);
	a = get(db, id3);
	assert_string_equal(a.term, "monthly");
	assert_null(a.term_started);
	account_clear(&a);
	/* a pending annual account has no term running yet */
	f.holder = "Denis Hall";
	f.voipms_client = "100004";
	int64_t id4 = create_with(db, f);
	expect_ok(account_update(db, id4, 1, &to_monthly, NULL, &bad, &err), &err);
	assert_sql_text(db, "SELECT term FROM accounts WHERE id = 4", "monthly");
}

static void test_ACC8_full_card_number_refused(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	assert_true(paymethod_looks_like_card_number("4242424242424242"));
	assert_true(paymethod_looks_like_card_number("4242 4242 4242 4242"));
	assert_true(paymethod_looks_like_card_number("4242-4242-4242-4242"));
	assert_true(paymethod_looks_like_card_number("card 4242 4242 4242 4242 cvv 123"));
	assert_true(paymethod_looks_like_card_number("5555555555554444"));
	assert_false(paymethod_looks_like_card_number("1234567812345678")); /* fails Luhn */
	assert_false(paymethod_looks_like_card_number("4242"));
	assert_false(paymethod_looks_like_card_number("79927398713")); /* 11 digits */
	assert_false(paymethod_looks_like_card_number(NULL));
	assert_false(paymethod_looks_like_card_number(""));

	int64_t acc = create_account(db, "Alice Tremblay", "100001");
	int64_t id = 0;
	const char *card = "4242424242424242";
	expect_error(paymethod_add(db, acc, "visa", card, "2027-12", NULL, NULL, &id, &err), &err,
		KC_ERR_RULE, "ACC-8");
	expect_error(paymethod_add(db, acc, "visa", "4242", "2027-12", card, NULL, &id, &err), &err,
		KC_ERR_RULE, "ACC-8");
	expect_error(paymethod_add(db, acc, "visa", "4242", "2027-12", "tok_1", "4242 4242 4242 4242",
		&id, &err), &err, KC_ERR_RULE, "ACC-8");
	expect_error(paymethod_add(db, acc, "visa", "4242", "2027-12", "123", NULL, &id, &err), &err,
		KC_ERR_RULE, "ACC-8"); /* a security code */
	expect_error(paymethod_add(db, acc, "visa", "424", "2027-12", NULL, NULL, &id, &err), &err,
		KC_ERR_INVALID, NULL);
	expect_error(paymethod_add(db, acc, "visa", "42a2", "2027-12", NULL, NULL, &id, &err), &err,
		KC_ERR_INVALID, NULL);
	expect_error(paymethod_add(db, acc, "visa", "4242", "2027-13", NULL, NULL, &id, &err), &err,
		KC_ERR_INVALID, NULL);
	expect_error(paymethod_add(db, acc, "amex", "4242", NULL, NULL, NULL, &id, &err), &err,
		KC_ERR_INVALID, NULL);
	expect_error(paymethod_add(db, acc, "cheque", "4242", NULL, NULL, NULL, &id, &err), &err,
		KC_ERR_INVALID, NULL);
	expect_error(paymethod_add(db, 999, "cheque", NULL, NULL, NULL, NULL, &id, &err), &err,
		KC_ERR_NOT_FOUND, NULL);
	/* no message ever echoes the number */
	kc_status st = paymethod_add(db, acc, "visa", card, NULL, NULL, NULL, &id, &err);
	assert_int_equal(st, KC_ERR_RULE);
	assert_null(strstr(kc_error_text(&err), "4242424242"));
	kc_error_clear(&err);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM payment_methods"), 0);

	int64_t visa = 0, mc = 0, chq = 0;
	expect_ok(paymethod_add(db, acc, "Visa", "4242", "2027-12", "tok_abc", "Office", &visa, &err), &err);
	expect_ok(paymethod_add(db, acc, "mastercard", "4444", "2026-01", NULL, NULL, &mc, &err), &err);
	expect_ok(paymethod_add(db, acc, "cheque", NULL, NULL, NULL, "", &chq, &err), &err);
	struct paymethod *list = NULL;
	size_t n = 0;
	expect_ok(paymethod_list(db, acc, false, &list, &n, &err), &err);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].id, visa);
	assert_true(list[0].is_default); /* the first method */
	assert_false(list[1].is_default);
	assert_false(list[2].is_default);
	assert_string_equal(list[0].kind, "visa");
	assert_null(list[2].last4);
	char *m = paymethod_masked(&list[0]);
	assert_string_equal(m, "Visa \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 4242 (12/27) \xe2\x80\x94 Office");
	free(m);
	m = paymethod_masked(&list[2]);
	assert_string_equal(m, "Cheque");
	free(m);
	paymethods_free(&list, n);
	assert_null(list);

	/* removal keeps the row and hands the default to the oldest remaining */
	expect_ok(paymethod_remove(db, visa, "PAY-5 unauthorized use", &err), &err);
	expect_error(paymethod_remove(db, visa, NULL, &err), &err, KC_ERR_INVALID, NULL);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM payment_methods"), 3);
	expect_ok(paymethod_list(db, acc, false, &list, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, mc);
	assert_true(list[0].is_default);
	paymethods_free(&list, n);
	expect_ok(paymethod_list(db, acc, true, &list, &n, &err), &err);
	assert_int_equal(n, 3);
	assert_int_equal(list[2].id, visa); /* removed last */
	assert_non_null(list[2].removed_at);
	paymethods_free(&list, n);
	expect_ok(paymethod_set_default(db, chq, &err), &err);
	assert_int_equal(sql_int(db, "SELECT group_concat(id) FROM payment_methods WHERE is_default = 1"), chq);
	expect_error(paymethod_set_default(db, visa, &err), &err, KC_ERR_INVALID, NULL);
	/* the token stays out of the trail; nothing holds a full number */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE new_values LIKE '%tok_abc%'"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE entity = 'payment_method'"), 5);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM payment_methods WHERE last4 LIKE '%42424242%' "
		"OR token LIKE '%42424242%' OR label LIKE '%4242 4242%'"), 0);
}

static void test_ACC9_suspend_reason_recorded(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	expect_ok(account_activate(db, id, 1, "2024-06-05", &err), &err);
	expect_error(account_suspend(db, id, 2, "late", NULL, &err), &err, KC_ERR_INVALID, "ACC-9");
	expect_error(account_suspend(db, id, 2, NULL, NULL, &err), &err, KC_ERR_INVALID, "ACC-9");
	expect_ok(account_suspend(db, id, 2, "chargeback", " card disputed ", &err), &err);
	assert_sql_text(db, "SELECT reason || '|' || note || '|' || started_by || '|' || started_at "
		"|| '|' || coalesce(ended_at, 'open') FROM suspensions",
		"chargeback|card disputed|alice|" NOW_UTC "|open");
	assert_sql_text(db, "SELECT new_values FROM audit ORDER BY id DESC LIMIT 1",
		"{\"status\":\"suspended\",\"reason\":\"chargeback\",\"note\":\"card disputed\"}");
	assert_sql_text(db, "SELECT old_values FROM audit ORDER BY id DESC LIMIT 1",
		"{\"status\":\"active\"}");
}

static void test_ACC10_close_and_bar(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	expect_ok(account_activate(db, id, 1, "2024-06-05", &err), &err);
	expect_error(account_close(db, id, 2, "whim", false, &err), &err, KC_ERR_INVALID, "ACC-10");
	expect_ok(account_close(db, id, 2, "harm", true, &err), &err);
	struct account a = get(db, id);
	assert_string_equal(a.status, "closed");
	assert_string_equal(a.closed_on, "2024-06-21");
	assert_string_equal(a.closure_reason, "harm");
	assert_true(a.reopen_barred);
	assert_string_equal(a.welcome_call, "2024-06-05"); /* nothing erased */
	account_clear(&a);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM accounts"), 1);
	expect_error(account_reopen(db, id, 0, "Alice Tremblay", "passport seen", &err), &err,
		KC_ERR_RULE, "TRM-8");
	assert_sql_text(db, "SELECT status FROM accounts", "closed");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM reopenings"), 0);
	/* every reason of the agreement is accepted */
	const char *reasons[] = { "law", "terms_violation", "insolvency", "complaints", "holder_request" };
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		char client[16];
		snprintf(client, sizeof client, "2000%zu", i);
		int64_t other = create_account(db, "Bob Roy", client);
		expect_ok(account_close(db, other, 1, reasons[i], false, &err), &err);
	}
}

static void test_ACC11_high_risk_blocks_activation(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	expect_ok(account_set_high_risk(db, id, 1, true, &err), &err);
	expect_error(account_activate(db, id, 2, "2024-06-05", &err), &err, KC_ERR_RULE, "ACC-11");
	assert_sql_text(db, "SELECT status FROM accounts", "pending");
	/* marking again changes nothing */
	expect_ok(account_set_high_risk(db, id, 2, true, &err), &err);
	assert_int_equal(version_of(db, id), 2);
	expect_ok(account_set_high_risk(db, id, 2, false, &err), &err);
	expect_ok(account_activate(db, id, 3, "2024-06-05", &err), &err);
	assert_sql_text(db, "SELECT status FROM accounts", "active");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM audit WHERE action = 'account.high_risk'"), 2);
}

static void test_ACC12_consumer_warning(void **state)
{
	kc_db *db = *state;
	int64_t biz = create_account(db, "Alice Tremblay", "100001");
	struct account_fields f = base_fields();
	f.holder = "Bob Roy";
	f.voipms_client = "100002";
	f.kind = "Consumer";
	int64_t cons = create_with(db, f);
	struct account a = get(db, biz);
	assert_null(account_consumer_warning(&a));
	account_clear(&a);
	a = get(db, cons);
	assert_string_equal(a.kind, "consumer");
	const char *w = account_consumer_warning(&a);
	assert_non_null(w);
	assert_non_null(strstr(w, "ACC-12"));
	account_clear(&a);
	assert_null(account_consumer_warning(NULL));
}

static void test_BIL6_reinstate_requires_paid_balance(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	expect_ok(account_activate(db, id, 1, "2024-06-05", &err), &err);
	expect_ok(account_suspend(db, id, 2, "overdue", NULL, &err), &err);
	sql_exec(db, "UPDATE accounts SET balance_cents = 12345");
	expect_error(account_reinstate(db, id, 3, &err), &err, KC_ERR_RULE, "123.45");
	assert_sql_text(db, "SELECT status FROM accounts", "suspended");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM suspensions WHERE ended_at IS NULL"), 1);
	sql_exec(db, "UPDATE accounts SET balance_cents = 1");
	expect_error(account_reinstate(db, id, 3, &err), &err, KC_ERR_RULE, "BIL-6");
	sql_exec(db, "UPDATE accounts SET balance_cents = -500"); /* a credit is fine */
	expect_ok(account_reinstate(db, id, 3, &err), &err);
	assert_sql_text(db, "SELECT status FROM accounts", "active");
	assert_sql_text(db, "SELECT ended_by || '|' || ended_at FROM suspensions", "alice|" NOW_UTC);
}

static void test_TRM8_reopen_rules(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	struct account_fields f = base_fields();
	f.holder = "\xc3\x89milie Tremblay"; /* Émilie */
	int64_t id = create_with(db, f);
	expect_ok(account_activate(db, id, 1, "2024-06-05", &err), &err);
	expect_ok(account_close(db, id, 2, "holder_request", false, &err), &err);
	expect_error(account_reopen(db, id, 3, "Bob Roy", "passport seen", &err), &err,
		KC_ERR_RULE, "TRM-8");
	expect_error(account_reopen(db, id, 3, NULL, "passport seen", &err), &err, KC_ERR_RULE, "TRM-8");
	expect_error(account_reopen(db, id, 3, "\xc3\x89milie Tremblay", "", &err), &err,
		KC_ERR_RULE, "TRM-8");
	expect_error(account_reopen(db, id, 3, "\xc3\x89milie Tremblay", "  ", &err), &err,
		KC_ERR_RULE, "TRM-8");
	sql_exec(db, "UPDATE accounts SET balance_cents = 2000");
	expect_error(account_reopen(db, id, 3, "\xc3\x89milie Tremblay", "passport seen", &err), &err,
		KC_ERR_RULE, "20.00");
	sql_exec(db, "UPDATE accounts SET balance_cents = 0");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM reopenings"), 0);
	/* the holder, in other case and spacing */
	expect_ok(account_reopen(db, id, 3, "  \xc3\xa9milie   TREMBLAY ", "driver's licence seen", &err), &err);
	struct account a = get(db, id);
	assert_string_equal(a.status, "active"); /* it had started */
	assert_null(a.closed_on);
	assert_null(a.closure_reason);
	account_clear(&a);
	assert_sql_text(db, "SELECT requested_by || '|' || identity_check || '|' || reopened_by FROM reopenings",
		"\xc3\xa9milie   TREMBLAY|driver's licence seen|alice");
	/* never activated: back to pending */
	int64_t id2 = create_account(db, "Bob Roy", "100002");
	expect_ok(account_close(db, id2, 1, "holder_request", false, &err), &err);
	expect_ok(account_reopen(db, id2, 2, "bob roy", "passport", &err), &err);
	assert_sql_text(db, "SELECT status FROM accounts WHERE id = 2", "pending");
}

static void test_HIS1_audit_row_per_change(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	enum account_field bad;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	assert_int_equal(audit_count(db, id), 1);
	struct account_fields upd = { 0 };
	upd.email = "alice@new.example.com";
	upd.phone = "514-555-0100";
	upd.province = "QC"; /* unchanged: not in the trail */
	expect_ok(account_update(db, id, 1, &upd, NULL, &bad, &err), &err);
	assert_int_equal(audit_count(db, id), 2);
	assert_sql_text(db, "SELECT action || ' ' || staff || ' ' || at FROM audit ORDER BY id DESC LIMIT 1",
		"account.edit alice " NOW_UTC);
	assert_sql_text(db, "SELECT old_values FROM audit ORDER BY id DESC LIMIT 1",
		"{\"email\":\"alice@example.com\",\"phone\":\"\"}");
	assert_sql_text(db, "SELECT new_values FROM audit ORDER BY id DESC LIMIT 1",
		"{\"email\":\"alice@new.example.com\",\"phone\":\"514-555-0100\"}");
	/* no change: no row, no new version */
	expect_ok(account_update(db, id, 2, &upd, NULL, &bad, &err), &err);
	assert_int_equal(audit_count(db, id), 2);
	assert_int_equal(version_of(db, id), 2);
	upd.expected_usage = "99.50";
	expect_ok(account_update(db, id, 2, &upd, NULL, &bad, &err), &err);
	assert_sql_text(db, "SELECT old_values || new_values FROM audit ORDER BY id DESC LIMIT 1",
		"{\"expected_usage_cents\":0}{\"expected_usage_cents\":9950}");
	expect_ok(account_activate(db, id, 3, "2024-06-05", &err), &err);
	expect_ok(account_suspend(db, id, 4, "overdue", NULL, &err), &err);
	expect_ok(account_reinstate(db, id, 5, &err), &err);
	expect_ok(account_close(db, id, 6, "law", false, &err), &err);
	expect_ok(account_reopen(db, id, 7, "Alice Tremblay", "passport", &err), &err);
	int64_t pm = 0;
	expect_ok(paymethod_add(db, id, "wire", NULL, NULL, NULL, NULL, &pm, &err), &err);
	assert_int_equal(audit_count(db, id), 9);
	/* refusals leave no row */
	expect_error(account_activate(db, id, 0, NULL, &err), &err, KC_ERR_RULE, NULL);
	assert_int_equal(audit_count(db, id), 9);
	/* the trail is append-only */
	assert_int_not_equal(sqlite3_exec(db_handle(db), "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(audit_count(db, id), 9);
}

static void test_HIS2_history_newest_first(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	enum account_field bad;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	int64_t other = create_account(db, "Bob Roy", "100002");
	expect_ok(account_activate(db, id, 1, "2024-06-05", &err), &err);
	expect_ok(account_activate(db, other, 1, "2024-06-06", &err), &err);
	struct account_fields upd = { 0 };
	upd.email = "a@b.example";
	upd.city = "Laval";
	expect_ok(account_update(db, id, 2, &upd, NULL, &bad, &err), &err);
	expect_ok(account_suspend(db, id, 3, "overdue", NULL, &err), &err);
	int64_t pm = 0;
	expect_ok(paymethod_add(db, id, "visa", "4242", "2027-12", NULL, NULL, &pm, &err), &err);

	struct history_entry e[10];
	size_t n = 0;
	expect_ok(history_page(db, id, 0, e, 10, &n, &err), &err);
	assert_int_equal(n, 5);
	for (size_t i = 1; i < n; i++)
		assert_true(e[i - 1].id > e[i].id);
	assert_string_equal(e[0].action, "paymethod.add");
	assert_string_equal(e[0].entity, "payment_method");
	assert_string_equal(e[0].summary,
		"Payment method added: Visa \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 4242 (12/27)");
	assert_string_equal(e[1].summary, "Suspended: overdue balance");
	assert_string_equal(e[2].summary, "Edited: email address, city");
	assert_string_equal(e[3].summary, "Welcome call on 2024-06-05: service started");
	assert_string_equal(e[4].summary, "Account opened (K-000001, Alice Tremblay)");
	assert_string_equal(e[4].staff, "alice");
	assert_string_equal(e[4].at, NOW_UTC);
	int64_t newest = e[0].id, third = e[2].id;
	history_entries_clear(e, n);

	/* keyset pages of 2 */
	expect_ok(history_page(db, id, third, e, 2, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].action, "account.activate");
	assert_string_equal(e[1].action, "account.create");
	int64_t oldest = e[1].id;
	history_entries_clear(e, n);
	expect_ok(history_page(db, id, oldest, e, 2, &n, &err), &err);
	assert_int_equal(n, 0);
	expect_ok(history_page_newer(db, id, oldest, e, 2, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].action, "account.edit"); /* newest first */
	assert_string_equal(e[1].action, "account.activate");
	history_entries_clear(e, n);
	expect_ok(history_page_newer(db, id, newest, e, 2, &n, &err), &err);
	assert_int_equal(n, 0);

	/* actions of modules that come later */
	char *s = history_describe("invoice.issue", "invoice", 7, NULL, "{\"number\":12,\"total_cents\":11498}");
	assert_string_equal(s, "Invoice 12 issued ($114.98)");
	free(s);
	s = history_describe("payment.record", "payment", 3, NULL, "{\"amount_cents\":5000}");
	assert_string_equal(s, "Payment recorded ($50.00)");
	free(s);
	s = history_describe("ticket.close", "ticket", 5, NULL, NULL);
	assert_string_equal(s, "Ticket 5: close");
	free(s);
	s = history_describe("termination.request", "termination", 2, NULL, "not json");
	assert_string_equal(s, "Termination 2: request");
	free(s);
	s = history_describe("credit.note", "credit_note", 4, NULL, "{\"total_cents\":-250}");
	assert_string_equal(s, "Credit 4: note (-$2.50)");
	free(s);
	s = history_describe("account.close", "account", 1, NULL,
		"{\"closure_reason\":\"insolvency\",\"reopen_barred\":1}");
	assert_string_equal(s, "Closed: insolvency proceeding; reopening barred");
	free(s);
	s = history_describe("something.new", "x", 1, NULL, NULL);
	assert_string_equal(s, "Change recorded: something.new");
	free(s);
	s = history_describe(NULL, NULL, 0, NULL, NULL);
	assert_non_null(s);
	free(s);
}

static void test_conflict_two_handles(void **state)
{
	kc_db *db1 = *state;
	kc_error err = KC_ERROR_INIT;
	enum account_field bad;
	int64_t id = create_account(db1, "Alice Tremblay", "100001");
	kc_db *db2 = open_db_at(db_path(db1), "bob");
	struct account a1 = get(db1, id), a2 = get(db2, id);
	assert_int_equal(a1.version, 1);
	assert_int_equal(a2.version, 1);

	struct account_fields u1 = { 0 }, u2 = { 0 };
	u1.email = "first@example.com";
	u2.phone = "418-555-0000";
	db_set_staff(db1, "carol");
	expect_ok(account_update(db1, id, a1.version, &u1, NULL, &bad, &err), &err);
	struct account current = { 0 };
	kc_status st = account_update(db2, id, a2.version, &u2, &current, &bad, &err);
	assert_int_equal(st, KC_ERR_CONFLICT);
	assert_non_null(strstr(kc_error_text(&err), "Account K-000001 was changed by carol at 2024-06-21 12:00"));
	assert_non_null(strstr(kc_error_text(&err), "your changes were not saved"));
	kc_error_clear(&err);
	assert_int_equal(current.version, 2);
	assert_string_equal(current.email, "first@example.com");
	assert_string_equal(current.updated_by, "carol");
	account_clear(&current);
	/* the first change is kept, the second not applied */
	assert_sql_text(db1, "SELECT email || '|' || phone || '|' || version FROM accounts",
		"first@example.com||2");
	assert_int_equal(audit_count(db1, id), 2);
	/* lifecycle steps check the version too */
	st = account_activate(db2, id, 1, NULL, &err);
	assert_int_equal(st, KC_ERR_CONFLICT);
	kc_error_clear(&err);
	/* retrying with the fresh version works */
	expect_ok(account_update(db2, id, 2, &u2, NULL, &bad, &err), &err);
	assert_sql_text(db1, "SELECT email || '|' || phone || '|' || updated_by FROM accounts",
		"first@example.com|418-555-0000|bob");
	account_clear(&a1);
	account_clear(&a2);
	assert_int_equal(db_leaked_statements(db2), 0);
	db_close(&db2);
}

/* --- lists ------------------------------------------------------------ */

#define MANY 300

static void make_many(kc_db *db)
{
	static const char *const holders[] = { "alice", "Alice", "BOB", "bob", "Zoé", "émile",
		"Marc", "marc", "Ann", "ann" };
	static const char *const companies[] = { "", "", "Acme", "acme", "Beta", "" };
	kc_error err = KC_ERROR_INIT;
	expect_ok(db_begin_write(db, &err), &err);
	for (int i = 0; i < MANY; i++) {
		char client[16], email[64];
		snprintf(client, sizeof client, "%d", 500000 + i);
		snprintf(email, sizeof email, "user%d@example.com", i);
		struct account_fields f = base_fields();
		f.holder = holders[(i * 7) % 10];
		f.company = companies[i % 6];
		f.voipms_client = client;
		f.email = email;
		create_with(db, f);
	}
	expect_ok(db_commit(db, &err), &err);
	sql_exec(db, "UPDATE accounts SET balance_cents = ((id * 37) % 11 - 5) * 100, "
		"status = CASE id % 4 WHEN 0 THEN 'active' WHEN 1 THEN 'pending' "
		"WHEN 2 THEN 'suspended' ELSE 'closed' END");
}

/* The ids in list order, from SQLite itself. */
static size_t reference_ids(kc_db *db, const char *order, int64_t *ids)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT id FROM accounts ORDER BY %s", order);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void walk(kc_db *db, const struct account_query *q, bool backward, size_t page,
	int64_t *out, size_t *count)
{
	kc_error err = KC_ERROR_INIT;
	struct account_cursor cur = { 0 };
	struct account_row rows[64];
	int64_t tmp[MANY + 1];
	size_t total = 0, n;
	do {
		expect_ok(account_page(db, q, &cur, backward, rows, page, &n, &err), &err);
		assert_true(n <= page);
		assert_true(total + n <= MANY);
		for (size_t i = 0; i < n; i++)
			tmp[total + i] = rows[i].id;
		if (n > 0)
			account_cursor_set(&cur, backward ? &rows[0] : &rows[n - 1]);
		if (backward) /* pages come in list order: prepend this one */
			for (size_t i = 0; i < n; i++)
				out[MANY - total - n + i] = tmp[total + i];
		total += n;
		account_rows_clear(rows, n);
	} while (n == page);
	account_cursor_clear(&cur);
	if (backward)
		memmove(out, out + MANY - total, total * sizeof *out);
	else
		memcpy(out, tmp, total * sizeof *out);
	*count = total;
}

static void test_keyset_paging_all_sorts(void **state)
{
	kc_db *db = *state;
	make_many(db);
	static const char *const keys[][2] = {
		[ACCOUNT_SORT_NUMBER] = { "number", "id" },
		[ACCOUNT_SORT_HOLDER] = { "holder COLLATE NOCASE", "id" },
		[ACCOUNT_SORT_COMPANY] = { "company COLLATE NOCASE", "id" },
		[ACCOUNT_SORT_STATUS] = { "status", "number" },
		[ACCOUNT_SORT_BALANCE] = { "balance_cents", "id" },
	};
	static int64_t want[MANY], got[MANY];
	for (int sort = 0; sort <= ACCOUNT_SORT_BALANCE; sort++) {
		for (int desc = 0; desc <= 1; desc++) {
			char order[128];
			const char *d = desc ? "DESC" : "ASC";
			snprintf(order, sizeof order, "%s %s, %s %s", keys[sort][0], d, keys[sort][1], d);
			assert_int_equal(reference_ids(db, order, want), MANY);
			struct account_query q = { NULL, NULL, (enum account_sort)sort, desc };
			for (int back = 0; back <= 1; back++) {
				size_t n = 0;
				walk(db, &q, back, 37, got, &n);
				assert_int_equal(n, MANY);
				for (size_t i = 0; i < MANY; i++)
					if (got[i] != want[i])
						fail_msg("sort %d desc %d back %d: row %zu is id %lld, wanted %lld",
							sort, desc, back, i, (long long)got[i], (long long)want[i]);
			}
		}
	}
	/* a page backward from the middle ends right before the cursor */
	kc_error err = KC_ERROR_INIT;
	struct account_query q = { NULL, NULL, ACCOUNT_SORT_HOLDER, false };
	reference_ids(db, "holder COLLATE NOCASE, id", want);
	struct account_row rows[10];
	size_t n = 0;
	struct account_cursor cur = { 0 };
	struct account_row at = { 0 };
	char *holder = NULL;
	{
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT holder FROM accounts WHERE id = %lld", (long long)want[100]);
		holder = sql_text(db, sql);
	}
	at.id = want[100];
	at.sort_key = holder;
	account_cursor_set(&cur, &at);
	expect_ok(account_page(db, &q, &cur, true, rows, 10, &n, &err), &err);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(rows[i].id, want[90 + i]);
	account_rows_clear(rows, n);
	expect_ok(account_page(db, &q, &cur, false, rows, 10, &n, &err), &err);
	assert_int_equal(rows[0].id, want[101]);
	account_rows_clear(rows, n);
	account_cursor_clear(&cur);
	free(holder);
	/* max 0 and counts */
	expect_ok(account_page(db, &q, NULL, false, rows, 0, &n, &err), &err);
	assert_int_equal(n, 0);
	int64_t count = 0;
	expect_ok(account_count(db, &q, &count, &err), &err);
	assert_int_equal(count, MANY);
	struct account_query active = { NULL, "active", ACCOUNT_SORT_BALANCE, true };
	expect_ok(account_count(db, &active, &count, &err), &err);
	assert_int_equal(count, MANY / 4);
	size_t seen = 0;
	walk(db, &active, false, 7, got, &seen);
	assert_int_equal(seen, MANY / 4);
	for (size_t i = 0; i < seen; i++)
		assert_int_equal(got[i] % 4, 0);
}

/* EXPLAIN QUERY PLAN of the statements account_page runs, via a trace. */
#define MAX_TRACED 4
static char traced[MAX_TRACED][2048];
static int ntraced;

static int trace_cb(unsigned type, void *ctx, void *p, void *x)
{
	(void)ctx;
	(void)x;
	if (type == SQLITE_TRACE_STMT && ntraced < MAX_TRACED) {
		char *sql = sqlite3_expanded_sql((sqlite3_stmt *)p);
		if (sql && strstr(sql, "FROM accounts") && strstr(sql, "LIMIT"))
			snprintf(traced[ntraced++], sizeof traced[0], "%s", sql);
		sqlite3_free(sql);
	}
	return 0;
}

/* Every traced statement seeks an index (SEARCH, not a SCAN from the
 * start) and needs no sort of its own. */
static void check_plans(kc_db *db, const char *what)
{
	assert_true(ntraced > 0);
	for (int i = 0; i < ntraced; i++) {
		char *plan_sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", traced[i]);
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(db_handle(db), plan_sql, -1, &st, NULL), SQLITE_OK);
		sqlite3_free(plan_sql);
		bool seek = false, temp = false;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);
			seek = seek || (strstr(detail, "SEARCH") && strstr(detail, "INDEX"));
			temp = temp || strstr(detail, "TEMP B-TREE");
		}
		sqlite3_finalize(st);
		if (!seek || temp)
			fail_msg("%s: no index seek for %s", what, traced[i]);
	}
}

static void test_page_uses_indexes(void **state)
{
	kc_db *db = *state;
	make_many(db);
	sqlite3_trace_v2(db_handle(db), SQLITE_TRACE_STMT, trace_cb, NULL);
	kc_error err = KC_ERROR_INIT;
	for (int sort = 0; sort <= ACCOUNT_SORT_BALANCE; sort++) {
		for (int desc = 0; desc <= 1; desc++) {
			for (int back = 0; back <= 1; back++) {
				struct account_query q = { NULL, NULL, (enum account_sort)sort, desc };
				static struct account_row rows[200];
				size_t n = 0;
				struct account_cursor cur = { 0 };
				expect_ok(account_page(db, &q, NULL, false, rows, 5, &n, &err), &err);
				account_cursor_set(&cur, &rows[4]);
				account_rows_clear(rows, n);
				/* a page after a cursor whose key has many rows */
				ntraced = 0;
				expect_ok(account_page(db, &q, &cur, back, rows, 200, &n, &err), &err);
				account_rows_clear(rows, n);
				account_cursor_clear(&cur);
				char what[64];
				snprintf(what, sizeof what, "sort %d desc %d back %d", sort, desc, back);
				check_plans(db, what);
			}
		}
	}
	sqlite3_trace_v2(db_handle(db), 0, NULL, NULL);
}

static void test_search(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	struct account_fields f = base_fields();
	f.holder = "Jean-\xc3\x89ric O'Brien";
	f.company = "100% Tech_Co";
	f.phone = "514-555-0199";
	f.voipms_client = "777123";
	f.email = "jean@obrien.example";
	create_with(db, f);
	f = base_fields();
	f.holder = "Marie Côté";
	f.company = "1000 Techs";
	f.voipms_client = "100002";
	f.email = "marie@cote.example";
	create_with(db, f);
	f = base_fields();
	f.holder = "Paul Xu";
	f.company = "TechXCo";
	f.voipms_client = "100003";
	f.email = "paul@xu.example";
	create_with(db, f);

	struct {
		const char *search, *status;
		int64_t want; /* count */
		const char *first;
	} cases[] = {
		{ "100%", NULL, 1, "K-000001" },     /* % is literal */
		{ "tech_co", NULL, 1, "K-000001" },  /* _ is literal, case ignored */
		{ "TECH", NULL, 3, "K-000001" },
		{ "k-000002", NULL, 1, "K-000002" },
		{ "555-0199", NULL, 1, "K-000001" },
		{ "777123", NULL, 1, "K-000001" },
		{ "xu.example", NULL, 1, "K-000003" },
		{ "o'brien", NULL, 1, "K-000001" },
		{ "  marie  ", NULL, 1, "K-000002" },
		{ "\\", NULL, 0, NULL },
		{ "nothing", NULL, 0, NULL },
		{ "tech", "active", 1, "K-000003" },
		{ "", "pending", 2, "K-000001" },
		{ NULL, NULL, 3, "K-000001" },
	};
	int64_t id3 = 3;
	expect_ok(account_activate(db, id3, 1, "2024-06-05", &err), &err);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct account_query q = { cases[i].search, cases[i].status, ACCOUNT_SORT_NUMBER, false };
		int64_t count = -1;
		expect_ok(account_count(db, &q, &count, &err), &err);
		if (count != cases[i].want)
			fail_msg("search \"%s\": %lld rows, wanted %lld", cases[i].search ? cases[i].search : "(null)",
				(long long)count, (long long)cases[i].want);
		struct account_row rows[5];
		size_t n = 0;
		expect_ok(account_page(db, &q, NULL, false, rows, 5, &n, &err), &err);
		assert_int_equal(n, (size_t)cases[i].want);
		if (cases[i].first)
			assert_string_equal(rows[0].number, cases[i].first);
		account_rows_clear(rows, n);
	}
}

static void test_resolve(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t a = create_account(db, "Alice Tremblay", "100001");
	int64_t b = create_account(db, "Bob Roy", "1"); /* client "1" is account 1's id */
	int64_t c = create_account(db, "Carole Lee", "100003");
	int64_t id = 0;
	expect_ok(account_resolve(db, "K-000002", &id, &err), &err);
	assert_int_equal(id, b);
	expect_ok(account_resolve(db, " k-3 ", &id, &err), &err);
	assert_int_equal(id, c);
	expect_ok(account_resolve(db, "100001", &id, &err), &err);
	assert_int_equal(id, a);
	expect_ok(account_resolve(db, "2", &id, &err), &err);
	assert_int_equal(id, b);
	expect_error(account_resolve(db, "1", &id, &err), &err, KC_ERR_INVALID, "K-");
	expect_error(account_resolve(db, "K-000009", &id, &err), &err, KC_ERR_NOT_FOUND, NULL);
	expect_error(account_resolve(db, "999", &id, &err), &err, KC_ERR_NOT_FOUND, NULL);
	expect_error(account_resolve(db, "alice", &id, &err), &err, KC_ERR_INVALID, NULL);
	expect_error(account_resolve(db, "K-x", &id, &err), &err, KC_ERR_INVALID, NULL);
	expect_error(account_resolve(db, "", &id, &err), &err, KC_ERR_INVALID, NULL);
}

/* --- user text in messages (kc_quote_for_message) ----------------------- */

static void test_quote_for_message_replaces_controls(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t max;
		const char *want;
	} cases[] = {
		{ NULL, KC_QUOTE_MAX, "" },
		{ "", KC_QUOTE_MAX, "" },
		{ "plain o'brien+%n@example.com", KC_QUOTE_MAX, "plain o'brien+%n@example.com" },
		{ "a\x1b[2Jb", KC_QUOTE_MAX, "a?[2Jb" },              /* ESC (CSI) */
		{ "\x1b]0;owned\x07", KC_QUOTE_MAX, "?]0;owned?" },   /* OSC ... BEL */
		{ "tab\there\r\nnext", KC_QUOTE_MAX, "tab?here??next" },
		{ "del\x7f", KC_QUOTE_MAX, "del?" },
		{ "a\xc2\x9b" "31mb", KC_QUOTE_MAX, "a?31mb" },       /* U+009B, one-byte CSI */
		{ "a\xc2\x85z", KC_QUOTE_MAX, "a?z" },                /* U+0085 NEL */
		{ "caf\xc3(", KC_QUOTE_MAX, "caf?(" },                /* cut sequence */
		{ "a\xc0\xaf" "b", KC_QUOTE_MAX, "a??b" },            /* overlong "/" */
		{ "Qu\xe9" "bec", KC_QUOTE_MAX, "Qu?bec" },           /* Latin-1 */
		{ "\xed\xa0\x80", KC_QUOTE_MAX, "???" },              /* a surrogate */
		{ "\xf4\x90\x80\x80", KC_QUOTE_MAX, "????" },         /* above U+10FFFF */
		{ "x\xe2\x80\xaeyz", KC_QUOTE_MAX, "x?yz" },          /* U+202E RLO */
		{ "x\xe2\x81\xa6y", KC_QUOTE_MAX, "x?y" },            /* U+2066 LRI */
		{ "x\xe2\x80\xa8y", KC_QUOTE_MAX, "x?y" },            /* U+2028 */
		{ "Montréal 中文 🎉 « é »", KC_QUOTE_MAX, "Montréal 中文 🎉 « é »" },
		{ "abcdef", 6, "abcdef" },
		{ "abcdefg", 6, "abcdef\xe2\x80\xa6" },
		{ "ééé", 2, "éé\xe2\x80\xa6" },                      /* characters, not bytes */
		{ "\x1b\x1b\x1b", 2, "??\xe2\x80\xa6" },
		{ "abc", 0, "\xe2\x80\xa6" },
		{ "abc", SIZE_MAX, "abc" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = kc_quote_for_message(cases[i].in, cases[i].max);
		assert_non_null(got);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", wanted \"%s\"", i, got, cases[i].want);
		free(got);
	}
	/* Long text is cut to KC_QUOTE_MAX characters. */
	char longer[400];
	memset(longer, 'x', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	char *got = kc_quote_for_message(longer, KC_QUOTE_MAX);
	assert_int_equal(strlen(got), KC_QUOTE_MAX + 3);
	assert_string_equal(got + KC_QUOTE_MAX, "\xe2\x80\xa6");
	free(got);
}

static void test_error_set_quoted(void **state)
{
	(void)state;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(kc_error_set_quoted(&err, KC_ERR_INVALID,
				 "Bad \"%s\" (100%%, %d %s)", "a\x1b[2J"), KC_ERR_INVALID);
	assert_int_equal(err.code, KC_ERR_INVALID);
	/* one %s is the text; %% is %; nothing else is a directive */
	assert_string_equal(err.message, "Bad \"a?[2J\" (100%, %d %s)");
	assert_int_equal(kc_error_set_quoted(&err, KC_ERR_RULE, "none: %s", NULL), KC_ERR_RULE);
	assert_string_equal(err.message, "none: ");
	kc_error_clear(&err);
	assert_int_equal(kc_error_set_quoted(NULL, KC_ERR_PERM, "%s", "x"), KC_ERR_PERM);
}

/* The message holds want and not a single control byte, C1 control or
 * invalid UTF-8 (everything the user typed came back quoted). */
static void expect_safe_message(kc_status got, kc_error *err, const char *want)
{
	const char *m = kc_error_text(err);
	if (got != KC_ERR_INVALID)
		fail_msg("status %d, wanted %d (%s)", got, KC_ERR_INVALID, m);
	char *safe = kc_quote_for_message(m, SIZE_MAX);
	assert_non_null(safe);
	if (strcmp(safe, m) != 0)
		fail_msg("unsafe bytes in the message \"%s\"", safe);
	free(safe);
	if (!strstr(m, want))
		fail_msg("message \"%s\" lacks \"%s\"", m, want);
	kc_error_clear(err);
}

static void test_messages_quote_user_text(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	int64_t nid = 0;
	enum account_field bad;
	static const struct {
		enum account_field field;
		const char *value, *shown;
	} fields[] = {
		{ ACCOUNT_FIELD_EMAIL, "x\x1b[2J@b.example", "\"x?[2J@b.example\"" },
		{ ACCOUNT_FIELD_EMAIL, "x\xc2\x9b" "31m@b.example", "\"x?31m@b.example\"" },
		{ ACCOUNT_FIELD_PROVINCE, "Q\x1b]0;x\x07", "\"Q?]0;X?\"" },
		{ ACCOUNT_FIELD_LANGUAGE, "fr\x1b[H", "\"fr?[h\"" },
		{ ACCOUNT_FIELD_KIND, "\x1b[31mbusiness", "\"?[31mbusiness\"" },
		{ ACCOUNT_FIELD_LEVEL, "basic\x07", "\"basic?\"" },
		{ ACCOUNT_FIELD_TERM, "annual\xff", "\"annual?\"" },
		{ ACCOUNT_FIELD_VOIPMS_CLIENT, "12\x1b[2J", "\"12?[2J\"" },
		{ ACCOUNT_FIELD_SIGNED_ON, "2024\x1b[2J", "\"2024?[2J\"" },
		{ ACCOUNT_FIELD_EXPECTED_USAGE, "1\x1b[2J", "\"1?[2J\"" },
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct account_fields f = base_fields();
		f.voipms_client = "100002";
		switch (fields[i].field) {
		case ACCOUNT_FIELD_EMAIL: f.email = fields[i].value; break;
		case ACCOUNT_FIELD_PROVINCE: f.province = fields[i].value; break;
		case ACCOUNT_FIELD_LANGUAGE: f.language = fields[i].value; break;
		case ACCOUNT_FIELD_KIND: f.kind = fields[i].value; break;
		case ACCOUNT_FIELD_LEVEL: f.level = fields[i].value; break;
		case ACCOUNT_FIELD_TERM: f.term = fields[i].value; break;
		case ACCOUNT_FIELD_VOIPMS_CLIENT: f.voipms_client = fields[i].value; break;
		case ACCOUNT_FIELD_SIGNED_ON: f.signed_on = fields[i].value; break;
		case ACCOUNT_FIELD_EXPECTED_USAGE: f.expected_usage = fields[i].value; break;
		default: fail();
		}
		bad = ACCOUNT_FIELD_NONE;
		expect_safe_message(account_create(db, &f, &nid, &bad, &err), &err, fields[i].shown);
		assert_int_equal(bad, fields[i].field);
	}
	/* A very long bad email is cut in the message, not echoed whole. */
	char email[300];
	memset(email, 'e', sizeof email - 1);
	email[sizeof email - 1] = '\0';
	email[10] = '\x1b';
	struct account_fields f = base_fields();
	f.email = email;
	f.voipms_client = "100002";
	assert_int_equal(account_create(db, &f, &nid, &bad, &err), KC_ERR_INVALID);
	assert_true(strlen(err.message) < 200);
	assert_non_null(strstr(err.message, "eeeeeeeeee?eeee"));
	assert_non_null(strstr(err.message, "\xe2\x80\xa6\""));
	kc_error_clear(&err);
	int64_t any;
	expect_safe_message(account_resolve(db, "K-1\x1b[2J", &any, &err), &err, "\"K-1?[2J\"");
	expect_safe_message(account_resolve(db, "\x1b]0;evil\x07", &any, &err), &err,
		"\"?]0;evil?\"");
	expect_safe_message(account_suspend(db, id, 0, "breach\x1b[2J", NULL, &err), &err,
		"\"breach?[2J\"");
	expect_safe_message(account_close(db, id, 0, "law\x9b", false, &err), &err, "\"law?\"");
	expect_safe_message(account_activate(db, id, 0, "2024-06-\x1b", &err), &err,
		"\"2024-06-?\"");
	expect_safe_message(paymethod_add(db, id, "wire\x1b[2J", NULL, NULL, NULL, NULL, &nid, &err),
		&err, "\"wire?[2j\""); /* the kind is lower-cased first */
	expect_safe_message(paymethod_add(db, id, "visa", "1234", "2027-1\x1b", NULL, NULL, &nid,
				    &err), &err, "\"2027-1?\"");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM accounts"), 1);
}

static void test_read_only_refused(void **state)
{
	kc_db *db = *state;
	kc_error err = KC_ERROR_INIT;
	int64_t id = create_account(db, "Alice Tremblay", "100001");
	struct db_open_options opt = { .path = db_path(db), .read_only = true };
	kc_db *ro = NULL;
	expect_ok(db_open(&opt, &ro, &err), &err);
	struct account_fields f = base_fields();
	f.voipms_client = "100002";
	int64_t nid = 0;
	expect_error(account_create(ro, &f, &nid, NULL, &err), &err, KC_ERR_PERM, NULL);
	expect_error(account_activate(ro, id, 0, NULL, &err), &err, KC_ERR_PERM, NULL);
	expect_error(paymethod_add(ro, id, "wire", NULL, NULL, NULL, NULL, &nid, &err), &err,
		KC_ERR_PERM, NULL);
	struct account a;
	expect_ok(account_get(ro, id, &a, &err), &err); /* reading still works */
	assert_string_equal(a.holder, "Alice Tremblay");
	account_clear(&a);
	db_close(&ro);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM accounts"), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_validation_edge_cases),
		T(test_create_defaults_and_number),
		T(test_nothing_written_on_validation_failure),
		T(test_ACC1_holder_cannot_change),
		T(test_ACC2_client_unique),
		T(test_ACC3_lifecycle_transitions),
		T(test_ACC4_welcome_call_starts_service),
		T(test_ACC4_next_bill_date),
		T(test_ACC6_term_changes),
		T(test_ACC8_full_card_number_refused),
		T(test_ACC9_suspend_reason_recorded),
		T(test_ACC10_close_and_bar),
		T(test_ACC11_high_risk_blocks_activation),
		T(test_ACC12_consumer_warning),
		T(test_BIL6_reinstate_requires_paid_balance),
		T(test_TRM8_reopen_rules),
		T(test_HIS1_audit_row_per_change),
		T(test_HIS2_history_newest_first),
		T(test_conflict_two_handles),
		T(test_keyset_paging_all_sorts),
		T(test_page_uses_indexes),
		T(test_search),
		T(test_resolve),
		T(test_read_only_refused),
		T(test_quote_for_message_replaces_controls),
		T(test_error_set_quoted),
		T(test_messages_quote_user_text),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
