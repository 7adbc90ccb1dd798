/* test_staff.c: staff administration (staff.h: add, role, disable, enable,
 * list, the last-admin guard) and the audit trail filters (audit.h:
 * audit_page_where with an account, HIS-1). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "date.h"
#include "db.h"
#include "staff.h"
#include "testutil.h"

/* --- helpers --------------------------------------------------------------- */

static kc_db *fresh_db(const char *name)
{
	struct db_open_options o = { .path = test_path(name), .create = true };
	kc_error err = KC_ERROR_INIT;
	kc_db *db = NULL;
	if (db_open(&o, &db, &err) != KC_OK)
		fail_msg("db_open(%s): %s", name, kc_error_text(&err));
	return db;
}

static int64_t q_int(kc_db *db, const char *sql)
{
	int64_t v = -12345;
	kc_error err = KC_ERROR_INIT;
	if (db_query_int(db, sql, &v, &err) != KC_OK)
		fail_msg("%s: %s", sql, kc_error_text(&err));
	return v;
}

/* Expects status code and a message holding part (NULL: any message). */
static void expect(kc_status got, kc_error *err, kc_status code, const char *part)
{
	if (got != code)
		fail_msg("status %d, want %d (%s)", got, code, kc_error_text(err));
	if (code != KC_OK) {
		assert_non_null(err->message);
		if (part && !strstr(err->message, part))
			fail_msg("message \"%s\" lacks \"%s\"", err->message, part);
	}
	kc_error_clear(err);
}

/* The newest audit row: its action, old and new values (static copies). */
static void last_audit(kc_db *db, char *action, char *old_v, char *new_v, size_t size)
{
	struct audit_entry e;
	size_t n = 0;
	kc_error err = KC_ERROR_INIT;
	expect(audit_page_where(db, NULL, 0, &e, 1, &n, &err), &err, KC_OK, NULL);
	assert_int_equal(n, 1);
	snprintf(action, size, "%s", e.action);
	snprintf(old_v, size, "%s", e.old_values ? e.old_values : "NULL");
	snprintf(new_v, size, "%s", e.new_values ? e.new_values : "NULL");
	audit_entry_clear(&e);
}

/* --- names ------------------------------------------------------------------- */

static void test_username_valid(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ NULL, false }, { "", false }, { "alice", true }, { "Alice.T_2-x", true },
		{ "-rf", false }, { "a b", false }, { "a\nb", false }, { "a'b", false },
		{ "%n", false }, { "\xc3\xa9lise", false }, { "host$", true }, { "$", false },
		{ "a$b", false },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true }, /* 64 */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (staff_username_valid(cases[i].name) != cases[i].ok)
			fail_msg("case %zu (%s): want %d", i, cases[i].name ? cases[i].name : "NULL",
				cases[i].ok);
}

static void test_add_refuses_bad_text(void **state)
{
	(void)state;
	kc_db *db = fresh_db("names.db");
	kc_error err = KC_ERROR_INIT;
	int64_t before = q_int(db, "SELECT count(*) FROM audit");
	expect(staff_add(db, "bad name", "X", STAFF_AGENT, &err), &err, KC_ERR_INVALID, "user name");
	expect(staff_add(db, "carol", "bad\xff", STAFF_AGENT, &err), &err, KC_ERR_INVALID,
		"display name");
	expect(staff_add(db, "carol", "two\nlines", STAFF_AGENT, &err), &err, KC_ERR_INVALID,
		"display name");
	char longname[202];
	memset(longname, 'x', 201);
	longname[201] = '\0';
	expect(staff_add(db, "carol", longname, STAFF_AGENT, &err), &err, KC_ERR_INVALID, "100");
	assert_int_equal(q_int(db, "SELECT count(*) FROM staff"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit"), before);
	/* Quotes and printf directives are plain text in a display name. */
	expect(staff_add(db, "carol", "O'Brien \"%n%s%s\" \xc3\x89lise", STAFF_AGENT, &err), &err,
		KC_OK, NULL);
	struct staff_member *m = NULL;
	size_t n = 0;
	expect(staff_list(db, &m, &n, &err), &err, KC_OK, NULL);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].username, "carol");
	assert_string_equal(m[0].display_name, "O'Brien \"%n%s%s\" \xc3\x89lise");
	staff_members_free(&m, n);
	assert_null(m);
	staff_members_free(&m, 0); /* NULL is fine */
	staff_members_free(NULL, 0);
	assert_int_equal(db_leaked_statements(db), 0);
	db_close(&db);
}

/* --- roles ------------------------------------------------------------------- */

static void test_set_role_audited(void **state)
{
	(void)state;
	kc_db *db = fresh_db("role.db");
	kc_error err = KC_ERROR_INIT;
	char action[128], old_v[128], new_v[128];
	expect(staff_add(db, "alice", "Alice", STAFF_AGENT, &err), &err, KC_OK, NULL);
	bool changed = false;
	expect(staff_set_role(db, "alice", STAFF_BILLING, &changed, &err), &err, KC_OK, NULL);
	assert_true(changed);
	last_audit(db, action, old_v, new_v, sizeof action);
	assert_string_equal(action, "staff.role");
	assert_string_equal(old_v, "{\"role\":\"agent\"}");
	assert_string_equal(new_v, "{\"role\":\"billing\"}");
	assert_int_equal(q_int(db, "SELECT version FROM staff WHERE username = 'alice'"), 2);

	/* The same role again: nothing written. */
	int64_t rows = q_int(db, "SELECT count(*) FROM audit");
	changed = true;
	expect(staff_set_role(db, "alice", STAFF_BILLING, &changed, &err), &err, KC_OK, NULL);
	assert_false(changed);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit"), rows);
	assert_int_equal(q_int(db, "SELECT version FROM staff WHERE username = 'alice'"), 2);

	expect(staff_set_role(db, "nobody", STAFF_AGENT, NULL, &err), &err, KC_ERR_NOT_FOUND, "nobody");
	expect(staff_set_role(db, "alice", STAFF_NONE, NULL, &err), &err, KC_ERR_INVALID, "role");
	expect(staff_set_role(db, "a b", STAFF_AGENT, NULL, &err), &err, KC_ERR_INVALID, NULL);
	expect(staff_set_role(db, NULL, STAFF_AGENT, NULL, &err), &err, KC_ERR_INVALID, NULL);

	/* Only an admin changes roles; a billing member cannot promote itself. */
	db_set_staff(db, "alice");
	expect(staff_set_role(db, "alice", STAFF_ADMIN, &changed, &err), &err, KC_ERR_PERM,
		"administrator");
	assert_false(changed);
	assert_false(db_in_transaction(db));
	db_set_staff(db, NULL);
	expect(staff_set_role(db, "alice", STAFF_ADMIN, NULL, &err), &err, KC_OK, NULL);
	db_set_staff(db, "alice");
	expect(staff_require(db, STAFF_BILLING, &err), &err, KC_OK, NULL);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE action = 'staff.role'"), 2);
	assert_int_equal(db_leaked_statements(db), 0);
	db_close(&db);
}

static void test_last_admin_kept(void **state)
{
	(void)state;
	kc_db *db = fresh_db("lastadmin.db");
	kc_error err = KC_ERROR_INIT;
	const char *me = staff_os_user();
	int64_t rows = q_int(db, "SELECT count(*) FROM audit");
	expect(staff_set_role(db, me, STAFF_AGENT, NULL, &err), &err, KC_ERR_INVALID,
		"last active administrator");
	expect(staff_set_active(db, me, false, NULL, &err), &err, KC_ERR_INVALID,
		"last active administrator");
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit"), rows);
	/* A disabled admin does not count. */
	expect(staff_add(db, "dana", "Dana", STAFF_ADMIN, &err), &err, KC_OK, NULL);
	expect(staff_set_active(db, "dana", false, NULL, &err), &err, KC_OK, NULL);
	expect(staff_set_role(db, me, STAFF_BILLING, NULL, &err), &err, KC_ERR_INVALID, NULL);
	/* With another active admin, the creator may step down. */
	expect(staff_set_active(db, "dana", true, NULL, &err), &err, KC_OK, NULL);
	expect(staff_set_role(db, me, STAFF_BILLING, NULL, &err), &err, KC_OK, NULL);
	expect(staff_require(db, STAFF_ADMIN, &err), &err, KC_ERR_PERM, "billing");
	db_set_staff(db, "dana");
	expect(staff_set_active(db, "dana", false, NULL, &err), &err, KC_ERR_INVALID,
		"last active administrator");
	assert_int_equal(q_int(db, "SELECT count(*) FROM staff WHERE role = 'admin' AND active = 1"), 1);
	db_close(&db);
}

static void test_disable_and_enable(void **state)
{
	(void)state;
	kc_db *db = fresh_db("disable.db");
	kc_error err = KC_ERROR_INIT;
	char action[128], old_v[128], new_v[128];
	expect(staff_add(db, "bob", "Bob", STAFF_BILLING, &err), &err, KC_OK, NULL);
	bool changed = false;
	expect(staff_set_active(db, "bob", false, &changed, &err), &err, KC_OK, NULL);
	assert_true(changed);
	last_audit(db, action, old_v, new_v, sizeof action);
	assert_string_equal(action, "staff.disable");
	assert_string_equal(old_v, "{\"active\":1}");
	assert_string_equal(new_v, "{\"active\":0}");
	expect(staff_set_active(db, "bob", false, &changed, &err), &err, KC_OK, NULL);
	assert_false(changed);

	/* Disabled: refused everything, told so (not "not on the list"). */
	db_set_staff(db, "bob");
	expect(staff_require(db, STAFF_NONE, &err), &err, KC_ERR_PERM, "disabled");
	expect(staff_require(db, STAFF_BILLING, &err), &err, KC_ERR_PERM, "disabled");
	expect(staff_set_active(db, "bob", true, NULL, &err), &err, KC_ERR_PERM, NULL);
	db_set_staff(db, "mallory");
	expect(staff_require(db, STAFF_NONE, &err), &err, KC_ERR_PERM, "not on the staff list");

	db_set_staff(db, NULL);
	expect(staff_set_active(db, "bob", true, &changed, &err), &err, KC_OK, NULL);
	assert_true(changed);
	last_audit(db, action, old_v, new_v, sizeof action);
	assert_string_equal(action, "staff.enable");
	db_set_staff(db, "bob");
	expect(staff_require(db, STAFF_BILLING, &err), &err, KC_OK, NULL);

	/* The list shows everyone, by name, with the flags. */
	db_set_staff(db, NULL);
	expect(staff_add(db, "aaron", "", STAFF_AGENT, &err), &err, KC_OK, NULL);
	expect(staff_set_active(db, "aaron", false, NULL, &err), &err, KC_OK, NULL);
	struct staff_member *m = NULL;
	size_t n = 0;
	expect(staff_list(db, &m, &n, &err), &err, KC_OK, NULL);
	assert_int_equal(n, 3);
	assert_string_equal(m[0].username, "aaron");
	assert_false(m[0].active);
	assert_int_equal(m[0].role, STAFF_AGENT);
	assert_string_equal(m[1].username, "bob");
	assert_true(m[1].active);
	assert_int_equal(m[1].role, STAFF_BILLING);
	assert_int_equal(m[1].version, 3);
	assert_int_equal(m[2].role, STAFF_ADMIN);
	assert_non_null(m[2].created_at);
	staff_members_free(&m, n);
	assert_int_equal(db_leaked_statements(db), 0);
	db_close(&db);
}

static void test_read_only_refused(void **state)
{
	(void)state;
	kc_db *db = fresh_db("ro.db");
	kc_error err = KC_ERROR_INIT;
	expect(staff_add(db, "bob", "Bob", STAFF_BILLING, &err), &err, KC_OK, NULL);
	db_close(&db);
	struct db_open_options o = { .path = test_path("ro.db"), .read_only = true };
	expect(db_open(&o, &db, &err), &err, KC_OK, NULL);
	expect(staff_set_role(db, "bob", STAFF_AGENT, NULL, &err), &err, KC_ERR_PERM, NULL);
	expect(staff_set_active(db, "bob", false, NULL, &err), &err, KC_ERR_PERM, NULL);
	struct staff_member *m = NULL;
	size_t n = 0;
	expect(staff_list(db, &m, &n, &err), &err, KC_OK, NULL);
	assert_int_equal(n, 2);
	staff_members_free(&m, n);
	db_close(&db);
}

/* --- the audit trail view (HIS-1) --------------------------------------------- */

static void record(kc_db *db, const char *staff, const char *entity, int64_t id,
	int64_t account, const char *at)
{
	kc_instant t;
	assert_int_equal(date_instant_parse(at, &t, NULL), KC_OK);
	date_set_now_for_tests(t);
	db_set_staff(db, staff);
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	expect(audit_record(db, entity, id, account, "x.edit", "{\"a\":1}", "{\"a\":2}", &err),
		&err, KC_OK, NULL);
	assert_int_equal(db_commit(db, &err), KC_OK);
	date_clear_now_for_tests();
	db_set_staff(db, NULL);
}

static void test_HIS1_audit_filter_account(void **state)
{
	(void)state;
	kc_db *db = fresh_db("auditf.db");
	kc_error err = KC_ERROR_INIT;
	int64_t base = q_int(db, "SELECT max(id) FROM audit");
	/* 30 rows: accounts 1, 2, 3 in turn, two staff, three days. */
	for (int i = 0; i < 30; i++) {
		char at[32];
		snprintf(at, sizeof at, "2026-11-%02dT15:00:00Z", 24 + i / 10);
		record(db, i % 2 ? "alice" : "bob", i % 5 ? "account" : "invoice", 1 + i % 3,
			1 + i % 3, at);
	}
	struct audit_entry e[8];
	size_t n = 0;
	struct audit_filter f = { .account_id = 2 };
	/* Keyset pages of 4 over account 2's ten rows, newest first. */
	int64_t before = 0, seen = 0, prev = INT64_MAX;
	do {
		expect(audit_page_where(db, &f, before, e, 4, &n, &err), &err, KC_OK, NULL);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(e[i].account_id, 2);
			assert_true(e[i].id < prev);
			prev = e[i].id;
			audit_entry_clear(&e[i]);
		}
		seen += (int64_t)n;
		if (n)
			before = prev;
	} while (n == 4);
	assert_int_equal(seen, 10);

	/* Every filter at once: account 2, alice, entity account, one day. */
	struct audit_filter all = { "alice", "account", 2, 2, "2026-11-25", "2026-11-25" };
	expect(audit_page_where(db, &all, 0, e, 8, &n, &err), &err, KC_OK, NULL);
	size_t want = 0;
	for (int i = 10; i < 20; i++)
		want += (i % 2 && i % 5 && 1 + i % 3 == 2);
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(e[i].staff, "alice");
		assert_string_equal(e[i].entity, "account");
		assert_string_equal(e[i].at, "2026-11-25T15:00:00Z");
		assert_string_equal(e[i].old_values, "{\"a\":1}");
		assert_string_equal(e[i].new_values, "{\"a\":2}");
		assert_true(e[i].id > base);
		audit_entry_clear(&e[i]);
	}
	/* No filter (NULL) is everything; a bad date is refused. */
	expect(audit_page_where(db, NULL, 0, e, 8, &n, &err), &err, KC_OK, NULL);
	assert_int_equal(n, 8);
	for (size_t i = 0; i < n; i++)
		audit_entry_clear(&e[i]);
	struct audit_filter bad = { .from_date = "2026-02-30" };
	expect(audit_page_where(db, &bad, 0, e, 8, &n, &err), &err, KC_ERR_INVALID, NULL);
	assert_int_equal(n, 0);
	/* An account with no rows. */
	struct audit_filter none = { .account_id = 99 };
	expect(audit_page_where(db, &none, 0, e, 8, &n, &err), &err, KC_OK, NULL);
	assert_int_equal(n, 0);
	assert_int_equal(db_leaked_statements(db), 0);
	db_close(&db);
}

int main(void)
{
	setenv("TZ", "America/Toronto", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_username_valid),
		cmocka_unit_test(test_add_refuses_bad_text),
		cmocka_unit_test(test_set_role_audited),
		cmocka_unit_test(test_last_admin_kept),
		cmocka_unit_test(test_disable_and_enable),
		cmocka_unit_test(test_read_only_refused),
		cmocka_unit_test(test_HIS1_audit_filter_account),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
