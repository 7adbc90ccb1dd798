/* test_snapshot.c: consistent copies for offline review (snapshot.h) on real
 * files: refusals first, then whole and per-account copies, writers in the
 * middle of a copy (WAL and DELETE journals), read-only and damaged copies. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "db.h"
#include "demo.h"
#include "history.h"
#include "snapshot.h"
#include "testutil.h"

#define DEMO_ACCOUNTS 4

/* --- helpers --------------------------------------------------------------- */

static char *path_copy(const char *name)
{
	char *p = strdup(test_path(name));
	assert_non_null(p);
	return p;
}

static kc_db *open_db(const char *path, bool create, bool read_only)
{
	struct db_open_options o = { .path = path, .create = create, .read_only = read_only };
	kc_error err = KC_ERROR_INIT;
	kc_db *db = NULL;
	if (db_open(&o, &db, &err) != KC_OK)
		fail_msg("db_open(%s): %s", path, kc_error_text(&err));
	kc_error_clear(&err);
	return db;
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	return h;
}

static void raw_exec_h(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s (in %.60s)", msg ? msg : "?", sql);
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = raw_open(path);
	raw_exec_h(h, sql);
	sqlite3_close(h);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -12345;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_non_null(v);
	return v;
}

/* True when the file's bytes contain needle anywhere (free pages too). */
static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t cap = 1 << 20, len = 0, n;
	char *buf = malloc(cap);
	assert_non_null(buf);
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	bool found = memmem(buf, len, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

/* Entries of dir whose name starts with prefix (leftover temporary files). */
static int count_prefixed(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* Invoices, payments, tickets and usage for accounts 1 and 2, with marker
 * text that must not survive in the other account's copy. */
static const char seed_sql[] =
	"INSERT INTO invoices (id, number, account_id, kind, cycle_key, invoice_date, period_start,"
	" period_end, province, language, gst_number, qst_number, subtotal_cents, tax_cents,"
	" total_cents, issued_at, issued_by) VALUES"
	" (901, 901, 1, 'first', '2099-01', '2026-01-15', '2026-01-15', '2026-02-14', 'QC', 'fr',"
	"  '123456789 RT0001', '1234567890 TQ0001', 10000, 1498, 11498, '2026-01-15T14:00:00Z', 'root'),"
	" (902, 902, 2, 'first', '2099-01', '2026-01-16', '2026-01-16', '2026-02-15', 'ON', 'en',"
	"  '123456789 RT0001', '1234567890 TQ0001', 10000, 1300, 11300, '2026-01-16T14:00:00Z', 'root');"
	"INSERT INTO invoice_lines (invoice_id, position, kind, description, unit_cents, amount_cents)"
	" VALUES (901, 1, 'first', 'MARKER-LINE-ONE', 10000, 10000),"
	" (902, 1, 'first', 'MARKER-LINE-TWO', 10000, 10000);"
	"INSERT INTO invoice_taxes (invoice_id, code, rate_thousandths, amount_cents) VALUES"
	" (901, 'GST', 5000, 500), (901, 'QST', 9975, 998), (902, 'HST', 13000, 1300);"
	"INSERT INTO payments (id, account_id, method, amount_cents, received_on, reference,"
	" created_at, created_by) VALUES"
	" (901, 1, 'cheque', 11498, '2026-01-20', 'MARKER-PAY-ONE', '2026-01-20T14:00:00Z', 'root'),"
	" (902, 2, 'wire', 11300, '2026-01-21', 'MARKER-PAY-TWO', '2026-01-21T14:00:00Z', 'root');"
	"INSERT INTO payment_allocations (payment_id, invoice_id, amount_cents) VALUES"
	" (901, 901, 11498), (902, 902, 11300);"
	"INSERT INTO tickets (id, number, account_id, subject, requested_priority, priority,"
	" received_at, response_due, created_at, created_by, updated_at, updated_by) VALUES"
	" (901, 901, 1, 'MARKER-TICKET-ONE', 'standard', 'standard', '2026-02-02T14:00:00Z',"
	"  '2026-02-03T14:00:00Z', '2026-02-02T14:00:00Z', 'root', '2026-02-02T14:00:00Z', 'root'),"
	" (902, 902, 2, 'MARKER-TICKET-TWO', 'urgent', 'urgent', '2026-02-02T15:00:00Z',"
	"  '2026-02-02T19:00:00Z', '2026-02-02T15:00:00Z', 'root', '2026-02-02T15:00:00Z', 'root');"
	"INSERT INTO ticket_events (ticket_id, at, staff, kind, body) VALUES"
	" (901, '2026-02-02T14:00:00Z', 'root', 'created', 'MARKER-EVENT-ONE'),"
	" (902, '2026-02-02T15:00:00Z', 'root', 'created', 'MARKER-EVENT-TWO');"
	"INSERT INTO sync_runs (id, account_id, started_at, staff, status) VALUES"
	" (901, NULL, '2026-02-01T05:00:00Z', 'root', 'ok'),"
	" (902, 2, '2026-02-01T06:00:00Z', 'root', 'ok');"
	"INSERT INTO usage_records (account_id, client, uniqueid, started_at, seconds, cost_units8,"
	" destination, sync_run_id) VALUES"
	" (1, 'c1', 'mark-u1', '2026-01-31T12:00:00Z', 60, 1500000, 'MARKER-CALL-ONE', 901),"
	" (2, 'c2', 'mark-u2', '2026-01-31T12:00:00Z', 60, 1500000, 'MARKER-CALL-TWO', 901);"
	"INSERT INTO audit (at, staff, entity, entity_id, account_id, action, new_values) VALUES"
	" ('2026-02-01T00:00:00Z', 'root', 'staff', 9, NULL, 'staff.add', '{\"u\":\"MARKER-STAFF\"}');";

/* A database with DEMO_ACCOUNTS demo accounts (made through core, with
 * their audit trail) and the rows of seed_sql. */
static char *make_source(const char *name)
{
	char *path = path_copy(name);
	kc_db *db = open_db(path, true, false);
	kc_error err = KC_ERROR_INIT;
	struct demo_options o = { .accounts = DEMO_ACCOUNTS, .seed = 7 };
	if (demo_generate(db, &o, NULL, NULL, &err) != KC_OK)
		fail_msg("demo: %s", kc_error_text(&err));
	db_close(&db);
	raw_exec(path, seed_sql);
	return path;
}

static kc_status take(kc_db *src, const char *dest, const struct snapshot_options *o,
	struct snapshot_info *info, kc_error *err)
{
	kc_status s = snapshot_create(src, dest, o, info, err);
	if (s == KC_OK)
		assert_null(err->message);
	return s;
}

static void expect_refused(kc_db *src, const char *dest, const struct snapshot_options *o,
	kc_status code, const char *part)
{
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(snapshot_create(src, dest, o, NULL, &err), code);
	assert_non_null(err.message);
	if (!strstr(err.message, part))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, part);
	kc_error_clear(&err);
	assert_int_equal(count_prefixed(test_tmpdir(), "out.sqlite.tmp-"), 0);
}

/* --- refusals ---------------------------------------------------------------- */

static void test_refusals(void **state)
{
	(void)state;
	char *src_path = make_source("refuse.sqlite");
	kc_db *db = open_db(src_path, false, false);
	kc_error err = KC_ERROR_INIT;

	assert_int_equal(snapshot_create(NULL, "x", NULL, NULL, &err), KC_ERR_INTERNAL);
	kc_error_clear(&err);
	expect_refused(db, NULL, NULL, KC_ERR_INVALID, "No file");
	expect_refused(db, "", NULL, KC_ERR_INVALID, "No file");

	/* An existing file stays untouched without force. */
	char *out = path_copy("out.sqlite");
	FILE *f = fopen(out, "w");
	assert_non_null(f);
	fputs("keep me", f);
	fclose(f);
	expect_refused(db, out, NULL, KC_ERR_INVALID, "already exists");
	assert_true(file_contains(out, "keep me"));

	/* Never the source itself, even with force (nor through another name). */
	struct snapshot_options force = { .force = true };
	expect_refused(db, src_path, &force, KC_ERR_INVALID, "the database being copied");
	char *alias = path_copy("alias.sqlite");
	assert_int_equal(link(src_path, alias), 0);
	expect_refused(db, alias, &force, KC_ERR_INVALID, "the database being copied");
	assert_int_equal(unlink(alias), 0);

	/* A -wal beside dest would be applied to the new copy by SQLite. */
	assert_int_equal(unlink(out), 0);
	char *wal = path_copy("out.sqlite-wal");
	f = fopen(wal, "w");
	assert_non_null(f);
	fclose(f);
	expect_refused(db, out, &force, KC_ERR_INVALID, "-wal");
	assert_int_equal(unlink(wal), 0);
	assert_int_equal(access(out, F_OK), -1);

	/* Not a regular file; a folder that does not exist. */
	assert_int_equal(mkdir(out, 0700), 0);
	expect_refused(db, out, &force, KC_ERR_INVALID, "not a regular file");
	assert_int_equal(rmdir(out), 0);
	expect_refused(db, test_path("no-such-dir/out.sqlite"), NULL, KC_ERR_NOT_FOUND,
		"folder does not exist");

	/* Unknown account: no file is left behind. */
	struct snapshot_options acct = { .account_id = 999 };
	expect_refused(db, out, &acct, KC_ERR_NOT_FOUND, "No account");
	assert_int_equal(access(out, F_OK), -1);

	/* Inside a transaction of the caller. */
	assert_int_equal(db_begin_read(db, &err), KC_OK);
	expect_refused(db, out, NULL, KC_ERR_INTERNAL, "inside a transaction");
	db_rollback(db);

	assert_int_equal(db_leaked_statements(db), 0);
	db_close(&db);
	free(wal);
	free(alias);
	free(out);
	free(src_path);
}

/* --- whole copy ---------------------------------------------------------------- */

static void test_whole_copy(void **state)
{
	(void)state;
	char *src_path = make_source("whole.sqlite");
	kc_db *db = open_db(src_path, false, false);
	assert_string_equal(db_journal_mode(db), "wal");
	char *out = path_copy("whole-copy.sqlite");
	kc_error err = KC_ERROR_INIT;
	struct snapshot_info info;
	struct snapshot_options small = { .pages_per_step = 3 };
	if (take(db, out, &small, &info, &err) != KC_OK)
		fail_msg("snapshot: %s", kc_error_text(&err));
	assert_int_equal(db_leaked_statements(db), 0);
	assert_false(db_in_transaction(db));

	/* Stand-alone: DELETE journal, no sidecar files, private mode. */
	struct stat st;
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(info.bytes, (int64_t)st.st_size);
	assert_true(info.steps > 1);
	assert_int_equal(info.restarts, 0);
	char *mode = raw_text(out, "PRAGMA journal_mode");
	assert_string_equal(mode, "delete");
	free(mode);
	assert_int_equal(count_prefixed(test_tmpdir(), "whole-copy.sqlite.tmp-"), 0);
	assert_int_equal(count_prefixed(test_tmpdir(), "whole-copy.sqlite-"), 0);

	/* Same header and the same rows as the source. */
	assert_int_equal(raw_int(out, "PRAGMA application_id"), KC_APPLICATION_ID);
	assert_int_equal(raw_int(out, "PRAGMA user_version"), db_latest_version());
	assert_int_equal(info.accounts, DEMO_ACCOUNTS);
	assert_int_equal(info.accounts, raw_int(src_path, "SELECT count(*) FROM accounts"));
	assert_int_equal(info.audit, raw_int(src_path, "SELECT count(*) FROM audit"));
	assert_int_equal(raw_int(out, "SELECT count(*) FROM invoice_lines"),
		raw_int(src_path, "SELECT count(*) FROM invoice_lines"));
	char *integrity = raw_text(out, "PRAGMA integrity_check");
	assert_string_equal(integrity, "ok");
	free(integrity);

	/* force replaces an existing copy; without it the copy is kept. */
	expect_refused(db, out, NULL, KC_ERR_INVALID, "already exists");
	raw_exec(src_path, "INSERT INTO audit (at, staff, entity, entity_id, action)"
			   " VALUES ('2026-03-01T00:00:00Z', 'root', 'test', 1, 'test.later')");
	struct snapshot_options force = { .force = true };
	if (take(db, out, &force, &info, &err) != KC_OK)
		fail_msg("snapshot --force: %s", kc_error_text(&err));
	assert_int_equal(raw_int(out, "SELECT count(*) FROM audit WHERE action = 'test.later'"), 1);

	db_close(&db);
	free(out);
	free(src_path);
}

/* --- one account ------------------------------------------------------------ */

static void test_HIS2_account_copy_holds_one_account_and_its_history(void **state)
{
	(void)state;
	char *src_path = make_source("acct.sqlite");
	char *other_holder = raw_text(src_path, "SELECT holder FROM accounts WHERE id = 2");
	char *other_email = raw_text(src_path, "SELECT email FROM accounts WHERE id = 2");
	int64_t history = raw_int(src_path, "SELECT count(*) FROM audit WHERE account_id = 1");
	int64_t source_lines = raw_int(src_path, "SELECT count(*) FROM invoice_lines");
	int64_t triggers = raw_int(src_path, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'");
	assert_true(history >= 2);
	assert_true(triggers >= 8);

	kc_db *db = open_db(src_path, false, false);
	char *out = path_copy("acct-copy.sqlite");
	kc_error err = KC_ERROR_INIT;
	struct snapshot_info info;
	struct snapshot_options o = { .account_id = 1 };
	if (take(db, out, &o, &info, &err) != KC_OK)
		fail_msg("snapshot: %s", kc_error_text(&err));
	db_close(&db);

	assert_int_equal(info.accounts, 1);
	assert_int_equal(info.audit, history);
	assert_int_equal(raw_int(out, "SELECT id FROM accounts"), 1);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM audit WHERE account_id IS NOT 1"), 0);
	/* Its records and their children are all there, and only they. */
	static const struct { const char *copy, *source; } same[] = {
		{ "SELECT count(*) FROM invoices",
		  "SELECT count(*) FROM invoices WHERE account_id = 1" },
		{ "SELECT count(*) FROM invoice_lines",
		  "SELECT count(*) FROM invoice_lines WHERE invoice_id IN"
		  " (SELECT id FROM invoices WHERE account_id = 1)" },
		{ "SELECT count(*) FROM invoice_taxes",
		  "SELECT count(*) FROM invoice_taxes WHERE invoice_id IN"
		  " (SELECT id FROM invoices WHERE account_id = 1)" },
		{ "SELECT count(*) FROM payment_allocations",
		  "SELECT count(*) FROM payment_allocations WHERE payment_id IN"
		  " (SELECT id FROM payments WHERE account_id = 1)" },
		{ "SELECT count(*) FROM tickets",
		  "SELECT count(*) FROM tickets WHERE account_id = 1" },
		{ "SELECT count(*) FROM ticket_events",
		  "SELECT count(*) FROM ticket_events WHERE ticket_id IN"
		  " (SELECT id FROM tickets WHERE account_id = 1)" },
		{ "SELECT count(*) FROM usage_records",
		  "SELECT count(*) FROM usage_records WHERE account_id = 1" },
		{ "SELECT count(*) FROM payment_methods",
		  "SELECT count(*) FROM payment_methods WHERE account_id = 1" },
		{ "SELECT count(*) FROM suspensions",
		  "SELECT count(*) FROM suspensions WHERE account_id = 1" },
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		if (raw_int(out, same[i].copy) != raw_int(src_path, same[i].source))
			fail_msg("%s: %lld in the copy, %lld of account 1 in the source", same[i].copy,
				(long long)raw_int(out, same[i].copy),
				(long long)raw_int(src_path, same[i].source));
	assert_int_equal(raw_int(out, "SELECT count(*) FROM invoice_lines WHERE invoice_id = 901"), 1);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM invoice_taxes WHERE invoice_id = 901"), 2);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM ticket_events WHERE ticket_id = 901"), 1);
	/* The all-accounts sync run its calls came with stays; account 2's goes. */
	assert_int_equal(raw_int(out, "SELECT count(*) FROM sync_runs WHERE id = 901"), 1);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM sync_runs WHERE id = 902"), 0);
	/* Shared tables stay whole. */
	assert_int_equal(raw_int(out, "SELECT count(*) FROM staff"),
		raw_int(src_path, "SELECT count(*) FROM staff"));
	assert_int_equal(raw_int(out, "SELECT count(*) FROM addon_prices"), 4);

	/* Same schema: triggers back, header kept, references whole. */
	assert_int_equal(raw_int(out, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"),
		triggers);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(raw_int(out, "PRAGMA application_id"), KC_APPLICATION_ID);
	assert_int_equal(raw_int(out, "PRAGMA freelist_count"), 0);
	sqlite3 *h = raw_open(out);
	assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "DELETE FROM invoices", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);

	/* No byte of another account's data survives (free pages included). */
	assert_true(file_contains(out, "MARKER-LINE-ONE"));
	static const char *const gone[] = { "MARKER-LINE-TWO", "MARKER-PAY-TWO", "MARKER-TICKET-TWO",
		"MARKER-EVENT-TWO", "MARKER-CALL-TWO", "MARKER-STAFF" };
	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
		if (file_contains(out, gone[i]))
			fail_msg("%s survives in the copy", gone[i]);
	assert_false(file_contains(out, other_holder));
	assert_false(file_contains(out, other_email));

	/* The source is unchanged. */
	assert_int_equal(raw_int(src_path, "SELECT count(*) FROM accounts"), DEMO_ACCOUNTS);
	assert_int_equal(raw_int(src_path, "SELECT count(*) FROM invoice_lines"), source_lines);

	free(other_holder);
	free(other_email);
	free(out);
	free(src_path);
}

static void test_unknown_table_is_refused_not_copied(void **state)
{
	(void)state;
	char *src_path = make_source("mystery.sqlite");
	raw_exec(src_path, "CREATE TABLE mystery (id INTEGER PRIMARY KEY, secret TEXT);"
			   "INSERT INTO mystery (secret) VALUES ('MARKER-MYSTERY')");
	kc_db *db = open_db(src_path, false, false);
	struct snapshot_options o = { .account_id = 1 };
	char *out = path_copy("out.sqlite");
	expect_refused(db, out, &o, KC_ERR_INTERNAL, "mystery");
	assert_int_equal(access(out, F_OK), -1);
	/* The whole copy has no filter to miss. */
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(take(db, out, NULL, NULL, &err), KC_OK);
	assert_true(file_contains(out, "MARKER-MYSTERY"));
	assert_int_equal(unlink(out), 0);
	db_close(&db);
	free(out);
	free(src_path);
}

/* --- writers during the copy ---------------------------------------------------- */

struct writer {
	sqlite3 *h;
	int calls;
};

/* One transaction of two audit rows with a page-sized payload each: a copy
 * holds an even number of them, or it caught half a transaction. */
static void write_pair(void *ctx)
{
	struct writer *w = ctx;
	raw_exec_h(w->h,
		"BEGIN IMMEDIATE;"
		"INSERT INTO audit (at, staff, entity, entity_id, action, new_values)"
		" VALUES ('2026-03-01T00:00:00Z', 'root', 'test', 1, 'test.pair', printf('%.*c', 3000, 'x'));"
		"UPDATE sequences SET next_value = next_value + 1 WHERE name = 'snaptest';"
		"INSERT INTO audit (at, staff, entity, entity_id, action, new_values)"
		" VALUES ('2026-03-01T00:00:00Z', 'root', 'test', 2, 'test.pair', printf('%.*c', 3000, 'y'));"
		"COMMIT");
	w->calls++;
}

static void concurrent_copy(const char *name, bool netfs, struct snapshot_info *info,
	int64_t *pairs_in_copy, int64_t *pairs_in_source, int *calls)
{
	if (netfs)
		setenv("KENOCONSOLE_FORCE_NETFS", "1", 1);
	char *src_path = make_source(name);
	kc_db *db = open_db(src_path, false, false);
	unsetenv("KENOCONSOLE_FORCE_NETFS");
	assert_string_equal(db_journal_mode(db), netfs ? "delete" : "wal");
	raw_exec(src_path, "INSERT INTO sequences (name, next_value) VALUES ('snaptest', 1)");
	for (int i = 0; i < 20; i++) /* enough pages for many steps */
		raw_exec(src_path, "INSERT INTO audit (at, staff, entity, entity_id, action, new_values)"
				   " VALUES ('2026-02-01T00:00:00Z', 'root', 'test', 1, 'test.fill',"
				   " printf('%.*c', 3000, 'f'))");
	struct writer w = { raw_open(src_path), 0 };
	char *out = strdup(test_path("concurrent-copy.sqlite"));
	struct snapshot_options o = { .force = true, .pages_per_step = 2,
		.between_steps = write_pair, .ctx = &w };
	kc_error err = KC_ERROR_INIT;
	if (take(db, out, &o, info, &err) != KC_OK)
		fail_msg("snapshot: %s", kc_error_text(&err));
	sqlite3_close(w.h);
	db_close(&db);
	char *integrity = raw_text(out, "PRAGMA integrity_check");
	assert_string_equal(integrity, "ok");
	free(integrity);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM audit WHERE action = 'test.fill'"), 20);
	*pairs_in_copy = raw_int(out, "SELECT count(*) FROM audit WHERE action = 'test.pair'");
	*pairs_in_source = raw_int(src_path, "SELECT count(*) FROM audit WHERE action = 'test.pair'");
	/* The sequence moved with each pair: the same snapshot holds both. */
	assert_int_equal(raw_int(out, "SELECT next_value - 1 FROM sequences WHERE name = 'snaptest'"),
		*pairs_in_copy / 2);
	*calls = w.calls;
	free(out);
	free(src_path);
}

static void test_wal_copy_is_the_state_when_it_started(void **state)
{
	(void)state;
	struct snapshot_info info;
	int64_t in_copy, in_source;
	int calls;
	concurrent_copy("conc-wal.sqlite", false, &info, &in_copy, &in_source, &calls);
	assert_true(calls >= 5);              /* writers really landed mid-copy ... */
	assert_int_equal(in_source, 2 * calls);
	assert_int_equal(in_copy, 0);         /* ... and none of them is in it */
	assert_int_equal(info.restarts, 0);   /* and the copy never started over */
}

static void test_delete_journal_copy_is_whole_transactions(void **state)
{
	(void)state;
	struct snapshot_info info;
	int64_t in_copy, in_source;
	int calls;
	concurrent_copy("conc-del.sqlite", true, &info, &in_copy, &in_source, &calls);
	assert_int_equal(in_source, 2 * calls);
	assert_int_equal(info.restarts, SNAPSHOT_MAX_RESTARTS); /* then one last whole step */
	assert_int_equal(in_copy % 2, 0);
	assert_int_equal(in_copy, in_source); /* the last step saw every commit */
}

/* --- reading a copy ---------------------------------------------------------------- */

static void test_read_only_copy_browses_and_refuses_changes(void **state)
{
	(void)state;
	char *src_path = make_source("ro-src.sqlite");
	kc_db *db = open_db(src_path, false, false);
	char *dir = path_copy("ro");
	assert_int_equal(mkdir(dir, 0755), 0);
	char *out = path_copy("ro/review.sqlite");
	kc_error err = KC_ERROR_INIT;
	struct snapshot_options o = { .account_id = 1 };
	if (take(db, out, &o, NULL, &err) != KC_OK)
		fail_msg("snapshot: %s", kc_error_text(&err));
	db_close(&db);
	int64_t history = raw_int(out, "SELECT count(*) FROM audit");

	assert_int_equal(chmod(out, 0444), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	kc_db *copy = open_db(out, false, false); /* not asked: it finds out */
	assert_true(db_is_read_only(copy));
	struct history_entry e[64];
	size_t n = 0;
	if (history_page(copy, 1, 0, e, 64, &n, &err) != KC_OK)
		fail_msg("history: %s", kc_error_text(&err));
	assert_int_equal((int64_t)n, history);
	history_entries_clear(e, n);
	struct account a = { 0 };
	assert_int_equal(account_get(copy, 1, &a, &err), KC_OK);
	struct account_fields f = { .phone = "514-555-0199" };
	assert_int_equal(account_update(copy, 1, a.version, &f, NULL, NULL, &err), KC_ERR_PERM);
	if (!strstr(err.message, "read-only") && !strstr(err.message, "Read-only"))
		fail_msg("message: %s", err.message);
	kc_error_clear(&err);
	account_clear(&a);
	db_close(&copy);
	assert_int_equal(count_prefixed(dir, "review.sqlite-"), 0);

	/* A copy of a read-only database works too. */
	kc_db *ro = open_db(out, false, true);
	char *again = path_copy("review-again.sqlite");
	assert_int_equal(take(ro, again, NULL, NULL, &err), KC_OK);
	assert_int_equal(raw_int(again, "SELECT count(*) FROM accounts"), 1);
	db_close(&ro);

	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(out, 0644), 0);
	free(again);
	free(out);
	free(dir);
	free(src_path);
}

static void test_damaged_copy_is_refused(void **state)
{
	(void)state;
	char *src_path = make_source("dmg-src.sqlite");
	kc_db *db = open_db(src_path, false, false);
	char *out = path_copy("dmg.sqlite");
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(take(db, out, NULL, NULL, &err), KC_OK);
	db_close(&db);
	/* Pages 3..5 overwritten with zeros. */
	int fd = open(out, O_WRONLY);
	assert_true(fd >= 0);
	static const char zeros[3 * 4096];
	assert_int_equal(pwrite(fd, zeros, sizeof zeros, 2 * 4096), (ssize_t)sizeof zeros);
	close(fd);
	struct db_open_options o = { .path = out };
	kc_db *bad = NULL;
	assert_int_equal(db_open(&o, &bad, &err), KC_ERR_DB);
	assert_null(bad);
	assert_non_null(strstr(err.message, "damaged"));
	kc_error_clear(&err);
	/* Cut short. */
	assert_int_equal(truncate(out, 5000), 0);
	assert_int_equal(db_open(&o, &bad, &err), KC_ERR_DB);
	kc_error_clear(&err);
	free(out);
	free(src_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_whole_copy),
		cmocka_unit_test(test_HIS2_account_copy_holds_one_account_and_its_history),
		cmocka_unit_test(test_unknown_table_is_refused_not_copied),
		cmocka_unit_test(test_wal_copy_is_the_state_when_it_started),
		cmocka_unit_test(test_delete_journal_copy_is_whole_transactions),
		cmocka_unit_test(test_read_only_copy_browses_and_refuses_changes),
		cmocka_unit_test(test_damaged_copy_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
