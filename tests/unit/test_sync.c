/*
 * test_sync.c: the usage sync (sync.h) against the loopback fake
 * tests/fake-voipms/fake_voipms.py (a child process on a free port), the
 * import path without network (sync_import_answer, sync_demo_usage) and the
 * usage queries (usage.h).  Skipped (77) only when python3 is missing.
 *
 * The fake's client 100001 has 3 generated calls a day, 100002 the fixture
 * written below, 100003 none.  The clock is pinned to 2025-04-15.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "testutil.h"

#include "account.h"
#include "date.h"
#include "db.h"
#include "settings.h"
#include "sync.h"
#include "usage.h"
#include "voipms.h"

#define FAKE_SCRIPT TOP_SRCDIR "/tests/fake-voipms/fake_voipms.py"
#define API_USER "reseller-sync@example.com"
/* Canary secret: must never show up in a message or a sync_runs row. */
#define CANARY "canary-Pw-sync-51c2e0"

static pid_t fake_pid = -1;
static int fake_port;
static char log_path[4400];
static struct kc_settings S; /* loaded from a 0600 file by the group setup */
static int db_seq;

/* ---- the fake server ------------------------------------------------------ */

static bool have_python3(void)
{
	return system("python3 -c '' >/dev/null 2>&1") == 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Client 100002: Eastern wall clock on both sides of the 2025-03-09 DST
 * change, and money with 3 and 8 decimals. */
static const char fixture_json[] =
	"{\"clients\": {\"100002\": [\n"
	"{\"date\":\"2025-03-04 14:02:11\",\"callerid\":\"\\\"ACME\\\" <4165550101>\","
	"\"destination\":\"16135550199\",\"description\":\"Canada - 613 Ottawa\","
	"\"disposition\":\"ANSWERED\",\"seconds\":\"187\",\"total\":\"0.03087500\","
	"\"uniqueid\":\"358812746\"},\n"
	"{\"date\":\"2025-03-05 09:15:40\",\"destination\":\"18005550100\",\"seconds\":\"42\","
	"\"total\":\"0.015\",\"uniqueid\":\"358790011\",\"disposition\":\"ANSWERED\"},\n"
	"{\"date\":\"2025-03-31 23:59:59\",\"destination\":\"5145550000\",\"seconds\":\"1\","
	"\"total\":\"0.00000001\",\"uniqueid\":\"358799999\",\"disposition\":\"ANSWERED\"},\n"
	"{\"date\":\"2025-04-01 00:00:00\",\"destination\":\"5145550001\",\"seconds\":\"60\","
	"\"total\":\"0.01000000\",\"uniqueid\":\"358800000\",\"disposition\":\"ANSWERED\"}\n"
	"]}}\n";

static int read_port(int fd)
{
	char line[32];
	size_t n = 0;
	while (n + 1 < sizeof line) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 10000) <= 0)
			return -1;
		if (read(fd, line + n, 1) != 1)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return atoi(line);
}

static int load_settings(void)
{
	char ini[4400], text[1024];
	snprintf(ini, sizeof ini, "%s", test_path("kenoconsole.ini"));
	snprintf(text, sizeof text,
		"[voipms]\n"
		"url = http://127.0.0.1:%d/api/v1/rest.php\n"
		"username = " API_USER "\n"
		"password = \"" CANARY "\"\n"
		"connect_timeout = 5\n"
		"timeout = 20\n"
		"max_response_bytes = 1M\n",
		fake_port);
	write_file(ini, text);
	if (settings_defaults(&S) != KC_OK)
		return -1;
	kc_error err = KC_ERROR_INIT;
	/* A file holding the password must be private (0600). */
	chmod(ini, 0644);
	if (settings_load_file(&S, ini, &err) != KC_ERR_PERM)
		return -1;
	kc_error_clear(&err);
	chmod(ini, 0600);
	if (settings_load_file(&S, ini, &err) != KC_OK) {
		fprintf(stderr, "settings: %s\n", kc_error_text(&err));
		return -1;
	}
	return 0;
}

static int start_fake(void **state)
{
	(void)state;
	if (!have_python3()) {
		fprintf(stderr, "SKIP: python3 is not installed\n");
		exit(77);
	}
	char fixture[4400];
	snprintf(fixture, sizeof fixture, "%s", test_path("fixture.json"));
	write_file(fixture, fixture_json);
	snprintf(log_path, sizeof log_path, "%s", test_path("fake.log"));
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fake_pid = fork();
	if (fake_pid < 0)
		return -1;
	if (fake_pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		setenv("FAKE_VOIPMS_PASSWORD", CANARY, 1); /* never in argv */
		execlp("python3", "python3", FAKE_SCRIPT, "--port", "0", "--user", API_USER,
			"--log", log_path, "--fixture", fixture, "--calls-per-day", "3",
			"--clients", "100001,100002,100003", "--empty-clients", "100003",
			(char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fake_port = read_port(fds[0]);
	close(fds[0]);
	if (fake_port <= 0) {
		fprintf(stderr, "the fake voip.ms server did not start\n");
		return -1;
	}
	/* 2025-04-15 12:00 in Toronto */
	date_set_now_for_tests(1744732800);
	return load_settings();
}

static int stop_fake(void **state)
{
	(void)state;
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
		fake_pid = -1;
	}
	settings_free(&S);
	return 0;
}

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
	char *buf = ud;
	size_t have = strlen(buf), n = size * nmemb;
	if (have + n < 4096) {
		memcpy(buf + have, ptr, n);
		buf[have + n] = '\0';
	}
	return n;
}

/* POST /control?query; returns the fake's API request counter. */
static long fake_control(const char *query)
{
	char url[512], body[4096] = "";
	snprintf(url, sizeof url, "http://127.0.0.1:%d/control?%s", fake_port, query);
	CURL *h = curl_easy_init();
	assert_non_null(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	const char *p = strstr(body, "\"requests\":");
	assert_non_null(p);
	return atol(p + strlen("\"requests\":"));
}

/* ---- database helpers -------------------------------------------------------- */

static kc_db *new_db(void)
{
	char name[64];
	snprintf(name, sizeof name, "sync-%d.sqlite", ++db_seq);
	struct db_open_options o = { .path = test_path(name), .create = true };
	kc_db *db = NULL;
	kc_error err = KC_ERROR_INIT;
	if (db_open(&o, &db, &err) != KC_OK)
		fail_msg("db_open: %s", kc_error_text(&err));
	return db;
}

static void close_db(kc_db **db)
{
	assert_int_equal(db_leaked_statements(*db), 0);
	db_close(db);
}

static int64_t add_account(kc_db *db, const char *client, const char *signed_on,
	const char *welcome)
{
	char email[64];
	snprintf(email, sizeof email, "c%s@example.com", client);
	struct account_fields f = {
		.holder = "Client Test", .email = email, .province = "QC", .level = "basic",
		.voipms_client = client, .signed_on = signed_on,
	};
	int64_t id = 0;
	kc_error err = KC_ERROR_INIT;
	if (account_create(db, &f, &id, NULL, &err) != KC_OK)
		fail_msg("account_create: %s", kc_error_text(&err));
	if (welcome && account_activate(db, id, 0, welcome, &err) != KC_OK)
		fail_msg("account_activate: %s", kc_error_text(&err));
	return id;
}

static int64_t q_int(kc_db *db, const char *sql)
{
	int64_t v = -1;
	kc_error err = KC_ERROR_INIT;
	if (db_query_int(db, sql, &v, &err) != KC_OK)
		fail_msg("%s: %s", sql, kc_error_text(&err));
	return v;
}

static void exec_sql(kc_db *db, const char *sql)
{
	kc_error err = KC_ERROR_INIT;
	if (db_exec(db, sql, &err) != KC_OK)
		fail_msg("%s: %s", sql, kc_error_text(&err));
}

/* The text of column 0 of the first row (copied into buf). */
static void q_text(kc_db *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st = NULL;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_prepare(db, sql, &st, &err), KC_OK);
	buf[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	db_finalize(db, &st);
}

/* Everything a failed sync must leave alone. */
struct snapshot {
	int64_t usage, usage_cost, adjustments, invoices, balances, watermark_days, runs;
};

static struct snapshot snap(kc_db *db)
{
	struct snapshot s = {
		q_int(db, "SELECT count(*) FROM usage_records"),
		q_int(db, "SELECT coalesce(sum(cost_units8), 0) FROM usage_records"),
		q_int(db, "SELECT count(*) FROM usage_adjustments"),
		q_int(db, "SELECT count(*) FROM invoices"),
		q_int(db, "SELECT coalesce(sum(balance_cents), 0) FROM accounts"),
		q_int(db, "SELECT coalesce(sum(julianday(synced_to)), 0) FROM sync_watermarks"),
		q_int(db, "SELECT count(*) FROM sync_runs"),
	};
	return s;
}

static kc_status sync1(kc_db *db, const struct kc_settings *s, int64_t id, const char *from,
	const char *to, struct sync_report *rep, kc_error *err)
{
	kc_status rc = sync_account(db, s, id, from, to, NULL, NULL, NULL, rep, err);
	if (err->message) {
		assert_null(strstr(err->message, CANARY));
		assert_null(strstr(err->message, API_USER));
	}
	return rc;
}

static void sync_ok(kc_db *db, int64_t id, const char *from, const char *to,
	struct sync_report *rep)
{
	kc_error err = KC_ERROR_INIT;
	if (sync1(db, &S, id, from, to, rep, &err) != KC_OK)
		fail_msg("sync: %s", kc_error_text(&err));
}

/* ---- idempotence ---------------------------------------------------------------- */

static void test_sync_imports_then_finds_unchanged(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2025-01-02", "2025-01-10");
	struct sync_report r;
	sync_ok(db, id, "2025-03-01", "2025-03-31", &r);
	assert_int_equal(r.accounts, 1);
	assert_int_equal(r.windows, 1);
	assert_int_equal(r.calls_new, 93);
	assert_int_equal(r.calls_unchanged, 0);
	assert_int_equal(r.calls_changed, 0);
	assert_false(r.stopped);
	struct usage_totals t1, t2;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(usage_totals(db, id, &t1, &err), KC_OK);
	assert_int_equal(t1.calls, 93);
	assert_int_equal(t1.cost_units8, r.amount_units8);
	assert_true(t1.cost_units8 > 0);

	/* Two syncs, same totals. */
	struct sync_report r2;
	sync_ok(db, id, "2025-03-01", "2025-03-31", &r2);
	assert_int_equal(r2.calls_new, 0);
	assert_int_equal(r2.calls_unchanged, 93);
	assert_int_equal(r2.amount_units8, 0);
	assert_int_equal(usage_totals(db, id, &t2, &err), KC_OK);
	assert_memory_equal(&t1, &t2, sizeof t1);

	/* Each sync is a run on the account. */
	struct sync_run_row runs[4];
	size_t n = 0;
	assert_int_equal(sync_runs_page(db, id, 0, runs, 4, &n, &err), KC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(runs[0].status, "ok");
	assert_int_equal(runs[0].calls_unchanged, 93);
	assert_int_equal(runs[1].calls_new, 93);
	assert_int_equal(runs[1].amount_units8, t1.cost_units8);
	assert_string_equal(runs[1].window_from, "2025-03-01");
	assert_string_equal(runs[1].window_to, "2025-03-31");
	assert_string_equal(runs[1].staff, db_staff(db));
	assert_non_null(runs[1].finished_at);
	assert_null(runs[1].error);
	assert_int_equal(runs[0].id, r2.last_run_id);
	sync_runs_clear(runs, n);
	close_db(&db);
}

static void test_sync_overlapping_windows_never_duplicate(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2025-01-02", NULL);
	struct sync_report r;
	sync_ok(db, id, "2025-03-01", "2025-03-20", &r);
	assert_int_equal(r.calls_new, 60);
	sync_ok(db, id, "2025-03-10", "2025-03-31", &r);
	assert_int_equal(r.calls_new, 33);
	assert_int_equal(r.calls_unchanged, 33);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_records"), 93);
	assert_int_equal(q_int(db, "SELECT count(DISTINCT uniqueid) FROM usage_records"), 93);
	close_db(&db);
}

/* Periods longer than SYNC_WINDOW_DAYS go in several requests. */
static void test_sync_splits_into_31_day_windows(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2024-12-01", NULL);
	long before = fake_control("clear=1");
	struct sync_report r;
	sync_ok(db, id, "2025-01-01", "2025-04-15", &r);
	/* Jan 1-31, Feb 1-Mar 3, Mar 4-Apr 3, Apr 4-15 */
	assert_int_equal(r.windows, 4);
	assert_int_equal(fake_control("clear=1") - before, 4);
	assert_int_equal(r.calls_new, 105 * 3);
	char wm[32];
	q_text(db, "SELECT synced_to FROM sync_watermarks", wm, sizeof wm);
	assert_string_equal(wm, "2025-04-15");
	close_db(&db);
}

/* Without dates: from the welcome call (or signature) the first time, then
 * from the watermark minus one day of overlap. */
static void test_sync_default_period_from_watermark(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2025-03-20", "2025-04-01");
	int64_t pending = add_account(db, "100003", "2025-04-10", NULL);
	struct sync_report r;
	sync_ok(db, id, NULL, NULL, &r);
	assert_int_equal(r.calls_new, 15 * 3); /* Apr 1..15 */
	sync_ok(db, id, NULL, NULL, &r);
	assert_int_equal(r.calls_new, 0);
	assert_int_equal(r.calls_unchanged, 2 * 3); /* Apr 14..15 */
	char from[32];
	q_text(db, "SELECT window_from FROM sync_runs ORDER BY id DESC LIMIT 1", from, sizeof from);
	assert_string_equal(from, "2025-04-14");
	sync_ok(db, pending, NULL, NULL, &r);
	q_text(db, "SELECT window_from FROM sync_runs ORDER BY id DESC LIMIT 1", from, sizeof from);
	assert_string_equal(from, "2025-04-10");
	assert_int_equal(r.calls_new, 0); /* no_cdr */

	/* An earlier period never moves the watermark back. */
	sync_ok(db, id, "2025-03-01", "2025-03-02", &r);
	char wm[32];
	q_text(db, "SELECT synced_to FROM sync_watermarks WHERE account_id = 1", wm, sizeof wm);
	assert_string_equal(wm, "2025-04-15");
	close_db(&db);
}

static void test_sync_refuses_bad_periods(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2025-01-02", NULL);
	long before = fake_control("clear=1");
	struct sync_report r;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(sync1(db, &S, id, "2025-03-10", "2025-03-01", &r, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "after the end date"));
	kc_error_clear(&err);
	assert_int_equal(sync1(db, &S, id, NULL, "2025-04-16", &r, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "after today"));
	kc_error_clear(&err);
	assert_int_equal(sync1(db, &S, id, "2025-02-30", NULL, &r, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	assert_int_equal(sync1(db, &S, 999, NULL, NULL, &r, &err), KC_ERR_NOT_FOUND);
	kc_error_clear(&err);
	assert_int_equal(fake_control("clear=1"), before);
	close_db(&db);
}

/* ---- dates and money ------------------------------------------------------------ */

static void check_fixture_rows(kc_db *db)
{
	char t[64];
	q_text(db, "SELECT started_at FROM usage_records WHERE uniqueid = '358812746'", t, sizeof t);
	assert_string_equal(t, "2025-03-04T19:02:11Z"); /* EST, UTC-5 */
	q_text(db, "SELECT started_at FROM usage_records WHERE uniqueid = '358799999'", t, sizeof t);
	assert_string_equal(t, "2025-04-01T03:59:59Z"); /* EDT, UTC-4 */
	q_text(db, "SELECT started_at FROM usage_records WHERE uniqueid = '358800000'", t, sizeof t);
	assert_string_equal(t, "2025-04-01T04:00:00Z");
}

static void test_sync_stores_utc_instants_and_exact_money(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100002", "2025-01-02", NULL);
	/* The office elsewhere: the conversion still uses Toronto, and the
	 * office zone comes back afterwards. */
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(date_set_office_zone("America/Vancouver", &err), KC_OK);
	struct sync_report r;
	sync_ok(db, id, "2025-03-01", "2025-04-14", &r);
	assert_string_equal(date_office_zone(), "America/Vancouver");
	assert_int_equal(date_set_office_zone("America/Toronto", &err), KC_OK);
	assert_int_equal(r.calls_new, 4);
	check_fixture_rows(db);
	assert_int_equal(q_int(db, "SELECT cost_units8 FROM usage_records WHERE uniqueid = '358812746'"),
		3087500);
	assert_int_equal(q_int(db, "SELECT cost_units8 FROM usage_records WHERE uniqueid = '358790011'"),
		1500000);
	assert_int_equal(r.amount_units8, 3087500 + 1500000 + 1 + 1000000);
	assert_int_equal(q_int(db, "SELECT seconds FROM usage_records WHERE uniqueid = '358812746'"),
		187);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_records WHERE currency = 'CAD'"
				   " AND rate IS NULL"), 4);
	close_db(&db);
}

/* timezone=0: voip.ms shifts the wall clock by +5 h; the same instants. */
static void test_sync_timezone_setting_gives_same_instants(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100002", "2025-01-02", NULL);
	int saved = S.voipms_timezone;
	S.voipms_timezone = 0;
	struct sync_report r;
	sync_ok(db, id, "2025-03-01", "2025-04-14", &r);
	S.voipms_timezone = saved;
	assert_int_equal(r.calls_new, 4);
	check_fixture_rows(db);
	/* back with -5: nothing changes */
	sync_ok(db, id, "2025-03-01", "2025-04-14", &r);
	assert_int_equal(r.calls_unchanged, 4);
	close_db(&db);
}

static void test_PAY2_sync_refuses_foreign_currency_without_rate(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100002", "2025-01-02", NULL);
	memcpy(S.voipms_currency, "USD", 4);
	long before = fake_control("clear=1");
	struct sync_report r;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(sync1(db, &S, id, "2025-03-01", "2025-03-31", &r, &err), KC_ERR_INVALID);
	assert_non_null(strstr(err.message, "conversion_rate"));
	assert_non_null(strstr(err.message, "PAY-2"));
	kc_error_clear(&err);
	assert_int_equal(fake_control("clear=1"), before); /* nothing asked */
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_records"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sync_runs WHERE status = 'failed'"
				   " AND account_id = 1 AND error LIKE '%conversion_rate%'"), 1);
	/* sync_all records it as one run without an account */
	assert_int_equal(sync_all(db, &S, NULL, NULL, NULL, NULL, NULL, &r, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sync_runs WHERE status = 'failed'"
				   " AND account_id IS NULL"), 1);
	memcpy(S.voipms_currency, "CAD", 4);
	close_db(&db);
}

static void test_PAY2_sync_converts_exactly_and_records_rate(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100002", "2025-01-02", NULL);
	memcpy(S.voipms_currency, "USD", 4);
	S.voipms_conversion_rate_e8 = 135000000; /* 1.35 CAD per USD */
	struct sync_report r;
	sync_ok(db, id, "2025-03-01", "2025-04-14", &r);
	memcpy(S.voipms_currency, "CAD", 4);
	S.voipms_conversion_rate_e8 = 0;
	/* 0.030875 x 1.35 = 0.04168125; 0.015 x 1.35 = 0.02025;
	 * 0.00000001 x 1.35 = 0.0000000135 -> 0.00000001 (one rounding) */
	assert_int_equal(q_int(db, "SELECT cost_units8 FROM usage_records WHERE uniqueid = '358812746'"),
		4168125);
	assert_int_equal(q_int(db, "SELECT cost_units8 FROM usage_records WHERE uniqueid = '358790011'"),
		2025000);
	assert_int_equal(q_int(db, "SELECT cost_units8 FROM usage_records WHERE uniqueid = '358799999'"),
		1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_records WHERE currency = 'USD'"
				   " AND rate = '1.35'"), 4);
	close_db(&db);
}

/* ---- re-rating -------------------------------------------------------------------- */

static const char *answer(char *buf, size_t size, const char *total)
{
	snprintf(buf, size,
		"{\"status\":\"success\",\"cdr\":{\"date\":\"2025-03-04 14:02:11\","
		"\"uniqueid\":\"777\",\"seconds\":60,\"total\":\"%s\",\"destination\":\"15145550101\"}}",
		total);
	return buf;
}

static void import_total(kc_db *db, int64_t id, const char *total, struct sync_report *c)
{
	char body[512];
	kc_error err = KC_ERROR_INIT;
	memset(c, 0, sizeof *c);
	answer(body, sizeof body, total);
	if (sync_import_answer(db, NULL, id, 0, body, strlen(body), c, &err) != KC_OK)
		fail_msg("import: %s", kc_error_text(&err));
}

static void invoice_everything(kc_db *db, int64_t account_id)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		"INSERT INTO invoices (number, account_id, kind, cycle_key, invoice_date,"
		" period_start, period_end, province, language, gst_number, qst_number,"
		" subtotal_cents, tax_cents, total_cents, issued_at, issued_by)"
		" VALUES (1, %lld, 'regular', 'c0001', '2025-04-10', '2025-04-10', '2025-05-09',"
		" 'QC', 'fr', 'g', 'q', 1, 0, 1, '2025-04-10T04:00:00Z', 'test');"
		"UPDATE usage_records SET invoice_id = 1 WHERE account_id = %lld;",
		(long long)account_id, (long long)account_id);
	exec_sql(db, sql);
}

static void test_sync_rerated_pending_call_is_updated(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100009", "2025-01-02", NULL);
	struct sync_report c;
	import_total(db, id, "0.01", &c);
	assert_int_equal(c.calls_new, 1);
	import_total(db, id, "0.015", &c);
	assert_int_equal(c.calls_changed, 1);
	assert_int_equal(c.adjustments, 0);
	assert_int_equal(c.amount_units8, 500000);
	assert_int_equal(q_int(db, "SELECT cost_units8 FROM usage_records"), 1500000);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_records"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_adjustments"), 0);
	close_db(&db);
}

static void test_sync_rerated_invoiced_call_becomes_adjustment(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100009", "2025-01-02", NULL);
	struct sync_report c;
	import_total(db, id, "0.01", &c);
	invoice_everything(db, id);
	int64_t balance = q_int(db, "SELECT balance_cents FROM accounts");

	import_total(db, id, "0.015", &c);
	assert_int_equal(c.calls_changed, 1);
	assert_int_equal(c.adjustments, 1);
	assert_int_equal(c.amount_units8, 500000);
	/* the billed row never changes (BIL-5) */
	assert_int_equal(q_int(db, "SELECT cost_units8 FROM usage_records"), 1000000);
	assert_int_equal(q_int(db, "SELECT invoice_id FROM usage_records"), 1);
	assert_int_equal(q_int(db, "SELECT delta_units8 FROM usage_adjustments"), 500000);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_adjustments WHERE invoice_id IS NULL"
				   " AND detected_at = '2025-04-15T16:00:00Z'"), 1);

	/* seen again at the same cost: nothing more */
	import_total(db, id, "0.015", &c);
	assert_int_equal(c.calls_unchanged, 1);
	assert_int_equal(c.adjustments, 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_adjustments"), 1);

	/* back to the billed cost: the difference is given back */
	import_total(db, id, "0.01", &c);
	assert_int_equal(c.adjustments, 1);
	assert_int_equal(c.amount_units8, -500000);
	assert_int_equal(q_int(db, "SELECT sum(delta_units8) FROM usage_adjustments"), 0);

	struct usage_pending p;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(usage_pending_total(db, id, &p, &err), KC_OK);
	assert_int_equal(p.calls, 0);
	assert_int_equal(p.usage_units8, 0);
	assert_int_equal(p.adjustments, 2);
	assert_int_equal(p.adjustments_units8, 0);
	assert_int_equal(q_int(db, "SELECT balance_cents FROM accounts"), balance);
	close_db(&db);
}

/* A bad row refuses the whole answer: nothing imported. */
static void test_sync_import_bad_answer_writes_nothing(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100009", "2025-01-02", NULL);
	static const char bad[] =
		"{\"status\":\"success\",\"cdr\":[{\"date\":\"2025-03-04 14:02:11\",\"uniqueid\":\"1\","
		"\"total\":\"0.01\"},{\"date\":\"2025-03-04 14:02:11\",\"uniqueid\":\"2\","
		"\"total\":\"0.000000001\"}]}";
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(sync_import_answer(db, NULL, id, 0, bad, strlen(bad), NULL, &err),
		KC_ERR_INVALID);
	kc_error_clear(&err);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_records"), 0);
	assert_false(db_in_transaction(db));
	close_db(&db);
}

/* ---- failures ---------------------------------------------------------------------- */

static unsigned sleeps;
static void no_sleep(unsigned ms, void *ctx)
{
	(void)ms;
	(void)ctx;
	sleeps++;
}

struct fault_case {
	const char *control;       /* /control query */
	enum voipms_failure kind;
	const char *message;       /* part of the expected message */
	int timeout;               /* [voipms] timeout for the case, 0 = as loaded */
};

static const struct fault_case faults[] = {
	{ "fault=http500", VOIPMS_UNAVAILABLE, "HTTP error 500", 0 },
	{ "fault=html503", VOIPMS_UNAVAILABLE, "HTTP error 503", 0 },
	{ "fault=text522", VOIPMS_UNAVAILABLE, "HTTP error 522", 0 },
	{ "fault=slow&arg=4", VOIPMS_TIMEOUT, "did not answer in time", 1 },
	{ "fault=truncated", VOIPMS_BAD_ANSWER, "cut off", 0 },
	{ "fault=reset", VOIPMS_NETWORK, "Could not reach voip.ms", 0 },
	{ "fault=huge&arg=3000000", VOIPMS_TOO_LARGE, "larger than the limit", 0 },
	{ "fault=api_limit_exceeded", VOIPMS_RATE_LIMITED, "too many requests", 0 },
	{ "fault=ip_not_enabled", VOIPMS_IP_NOT_ENABLED, "IP address", 0 },
	{ "fault=invalid_credentials", VOIPMS_BAD_CREDENTIALS, "API password", 0 },
};

static void test_sync_each_fault_changes_nothing_but_its_run(void **state)
{
	(void)state;
	voipms_set_sleep_hook(no_sleep, NULL);
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		const struct fault_case *fc = &faults[i];
		kc_db *db = new_db();
		int64_t id = add_account(db, "100001", "2025-01-02", "2025-01-10");
		struct sync_report r;
		fake_control("clear=1");
		sync_ok(db, id, "2025-02-01", "2025-02-28", &r);
		invoice_everything(db, id);
		struct snapshot before = snap(db);

		fake_control(fc->control);
		int saved = S.voipms_timeout;
		if (fc->timeout)
			S.voipms_timeout = fc->timeout;
		kc_error err = KC_ERROR_INIT;
		kc_status rc = sync1(db, &S, id, "2025-03-01", "2025-03-31", &r, &err);
		S.voipms_timeout = saved;
		fake_control("clear=1");
		if (rc != KC_ERR_NET || r.failure != fc->kind || !err.message ||
		    !strstr(err.message, fc->message))
			fail_msg("%s: rc %d kind %s message %s", fc->control, rc,
				voipms_failure_name(r.failure), kc_error_text(&err));
		assert_non_null(strstr(err.message, "(account K-000001, calls of 2025-03-01 to 2025-03-31)"));
		assert_int_equal(r.calls_new + r.calls_unchanged + r.windows, 0);
		assert_int_equal(r.accounts_failed, 1);
		kc_error_clear(&err);

		struct snapshot after = snap(db);
		assert_int_equal(after.runs, before.runs + 1);
		after.runs = before.runs;
		assert_memory_equal(&before, &after, sizeof before);
		/* the failed attempt: status, cause, no secret */
		char status[16], error[512];
		q_text(db, "SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1", status, sizeof status);
		q_text(db, "SELECT error FROM sync_runs ORDER BY id DESC LIMIT 1", error, sizeof error);
		assert_string_equal(status, "failed");
		assert_non_null(strstr(error, fc->message));
		assert_null(strstr(error, CANARY));
		assert_null(strstr(error, API_USER));
		assert_int_equal(q_int(db, "SELECT count(*) FROM sync_runs WHERE finished_at IS NULL"), 0);
		close_db(&db);
	}
	assert_int_equal(sleeps, 3 * 1); /* the rate limit was retried with backoff */
	voipms_set_sleep_hook(NULL, NULL);
}

/* The fake's request log (request lines and headers) never holds the
 * password: it travels in the multipart body only. */
static void test_sync_password_never_in_request_log(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2025-01-02", NULL);
	struct sync_report r;
	sync_ok(db, id, "2025-03-01", "2025-03-02", &r);
	FILE *f = fopen(log_path, "r");
	assert_non_null(f);
	char line[4096];
	int requests = 0;
	while (fgets(line, sizeof line, f)) {
		assert_null(strstr(line, CANARY));
		if (strncmp(line, "REQUEST POST", 12) == 0)
			requests++;
	}
	fclose(f);
	assert_true(requests > 0);
	close_db(&db);
}

/* ---- stop, sync_all ------------------------------------------------------------------ */

static volatile sig_atomic_t stop_flag;

static void stop_after_first_window(void *ctx, const struct sync_progress *p)
{
	(void)ctx;
	if (p->windows >= 1)
		stop_flag = 1;
}

static void test_sync_stop_flag_ends_between_windows(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2024-12-01", NULL);
	stop_flag = 0;
	struct sync_report r;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(sync_account(db, &S, id, "2025-01-01", "2025-04-15",
				 stop_after_first_window, NULL, &stop_flag, &r, &err), KC_OK);
	assert_true(r.stopped);
	assert_int_equal(r.windows, 1);
	assert_int_equal(r.calls_new, 31 * 3);
	char status[16];
	q_text(db, "SELECT status FROM sync_runs", status, sizeof status);
	assert_string_equal(status, "stopped");
	assert_int_equal(q_int(db, "SELECT windows FROM sync_runs"), 1);
	/* the rerun completes the period */
	stop_flag = 0;
	sync_ok(db, id, "2025-01-01", "2025-04-15", &r);
	assert_int_equal(r.calls_new, 74 * 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM usage_records"), 105 * 3);
	close_db(&db);
}

static void count_progress(void *ctx, const struct sync_progress *p)
{
	int *calls = ctx;
	(*calls)++;
	assert_true(p->accounts_done <= p->accounts_total);
}

static void test_sync_all_goes_on_after_one_account_fails(void **state)
{
	(void)state;
	kc_db *db = new_db();
	add_account(db, "100001", "2025-01-02", "2025-04-01");
	add_account(db, "555555", "2025-01-02", "2025-04-01"); /* unknown to voip.ms */
	add_account(db, "100002", "2025-01-02", "2025-04-01");
	add_account(db, "100003", "2025-01-02", "2025-04-01");
	int ticks = 0;
	struct sync_report r;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(sync_all(db, &S, "2025-03-01", "2025-03-31", count_progress, &ticks, NULL,
				 &r, &err), KC_ERR_NET);
	assert_non_null(strstr(err.message, "K-000002"));
	kc_error_clear(&err);
	assert_int_equal(r.accounts, 4);
	assert_int_equal(r.accounts_failed, 1);
	assert_int_equal(r.failure, VOIPMS_UNKNOWN_CLIENT);
	assert_int_equal(r.windows, 3);
	assert_int_equal(r.calls_new, 93 + 3);
	assert_true(ticks >= 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sync_runs WHERE status = 'ok'"), 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sync_runs WHERE status = 'failed'"
				   " AND account_id = 2"), 1);

	/* A failure that concerns everyone stops at the first account. */
	fake_control("fault=invalid_credentials");
	assert_int_equal(sync_all(db, &S, "2025-03-01", "2025-03-31", NULL, NULL, NULL, &r, &err),
		KC_ERR_NET);
	fake_control("clear=1");
	kc_error_clear(&err);
	assert_int_equal(r.accounts, 1);
	assert_int_equal(r.failure, VOIPMS_BAD_CREDENTIALS);
	close_db(&db);
}

static void test_sync_read_only_database_refused(void **state)
{
	(void)state;
	kc_db *db = new_db();
	add_account(db, "100001", "2025-01-02", NULL);
	char path[4400];
	snprintf(path, sizeof path, "%s", db_path(db));
	close_db(&db);
	struct db_open_options o = { .path = path, .read_only = true };
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_open(&o, &db, &err), KC_OK);
	struct sync_report r;
	assert_int_equal(sync_account(db, &S, 1, NULL, NULL, NULL, NULL, NULL, &r, &err),
		KC_ERR_PERM);
	kc_error_clear(&err);
	close_db(&db);
}

/* ---- runs left "running" ------------------------------------------------------- */

/* A run row as a process killed with kill -9 leaves it: "running", no
 * owner holding its lock. */
static int64_t dead_run(kc_db *db, int64_t account_id)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		"INSERT INTO sync_runs (account_id, started_at, staff, window_from, window_to,"
		" status, windows) VALUES (%lld, '2025-04-15T15:00:00Z', 'killed', '2025-01-01',"
		" '2025-04-15', 'running', 1)", (long long)account_id);
	exec_sql(db, sql);
	return sqlite3_last_insert_rowid(db_handle(db));
}

static void run_status(kc_db *db, int64_t run_id, char *buf, size_t size)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT status || '|' || coalesce(error, '') FROM sync_runs"
		" WHERE id = %lld", (long long)run_id);
	q_text(db, sql, buf, size);
}

static void test_sync_marks_dead_running_run_interrupted(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t a = add_account(db, "100001", "2025-01-02", NULL);
	int64_t b = add_account(db, "100003", "2025-01-02", NULL);
	int64_t dead_a = dead_run(db, a), dead_b = dead_run(db, b);
	struct sync_report r;
	sync_ok(db, a, "2025-04-14", "2025-04-15", &r);
	char buf[512];
	run_status(db, dead_a, buf, sizeof buf);
	assert_true(strncmp(buf, "failed|Interrupted", 18) == 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sync_runs WHERE finished_at IS NULL"), 1);
	/* Only the account synced: the other's row waits for its own sync. */
	run_status(db, dead_b, buf, sizeof buf);
	assert_string_equal(buf, "running|");
	run_status(db, r.last_run_id, buf, sizeof buf);
	assert_string_equal(buf, "ok|");
	/* What the killed run committed stays counted. */
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT windows FROM sync_runs WHERE id = %lld",
		(long long)dead_a);
	assert_int_equal(q_int(db, sql), 1);
	sync_ok(db, b, "2025-04-15", "2025-04-15", &r);
	run_status(db, dead_b, buf, sizeof buf);
	assert_true(strncmp(buf, "failed|Interrupted", 18) == 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sync_runs WHERE status = 'running'"), 0);
	close_db(&db);
}

/* A second sync of the same account, on its own connection, started while
 * the first one runs (from the first one's progress callback, between two
 * windows: no transaction is open then). */
struct nested {
	char path[4400];
	int64_t account;
	bool done;
	char first_seen[512]; /* the first run's row as the second sync left it */
	kc_status rc;
};

static void sync_meanwhile(void *ctx, const struct sync_progress *p)
{
	struct nested *n = ctx;
	(void)p;
	if (n->done)
		return;
	n->done = true;
	struct db_open_options o = { .path = n->path };
	kc_db *db2 = NULL;
	kc_error err = KC_ERROR_INIT;
	if (db_open(&o, &db2, &err) != KC_OK)
		fail_msg("db_open: %s", kc_error_text(&err));
	struct sync_report r;
	n->rc = sync_account(db2, &S, n->account, "2025-04-15", "2025-04-15", NULL, NULL, NULL,
		&r, &err);
	kc_error_clear(&err);
	run_status(db2, 1, n->first_seen, sizeof n->first_seen);
	close_db(&db2);
}

static void test_sync_never_marks_a_live_run(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2025-01-02", NULL);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sync_runs"), 0);
	struct nested n = { .account = id };
	snprintf(n.path, sizeof n.path, "%s", db_path(db));
	struct sync_report r;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(sync_account(db, &S, id, "2025-03-01", "2025-04-15", sync_meanwhile, &n,
				 NULL, &r, &err), KC_OK);
	assert_true(n.done);
	assert_int_equal(n.rc, KC_OK);
	assert_string_equal(n.first_seen, "running|"); /* alive: left alone */
	char buf[512];
	run_status(db, 1, buf, sizeof buf);
	assert_string_equal(buf, "ok|");
	run_status(db, 2, buf, sizeof buf);
	assert_string_equal(buf, "ok|");
	close_db(&db);
}

/* ---- usage queries ------------------------------------------------------------------- */

static void test_usage_page_keyset_both_ways(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2025-01-02", NULL);
	struct sync_report r;
	sync_ok(db, id, "2025-03-01", "2025-03-31", &r);
	kc_error err = KC_ERROR_INIT;
	struct usage_row all[100], page[7];
	size_t n_all = 0, n;
	assert_int_equal(usage_page(db, id, NULL, NULL, NULL, false, all, 100, &n_all, &err), KC_OK);
	assert_int_equal(n_all, 93);
	for (size_t i = 1; i < n_all; i++)
		assert_true(strcmp(all[i - 1].started_at, all[i].started_at) <= 0);
	assert_string_equal(all[0].client, "100001");
	assert_int_equal(all[0].invoice_id, 0);

	/* forward pages of 7 give the same list */
	struct usage_cursor c = { 0 };
	size_t seen = 0;
	do {
		assert_int_equal(usage_page(db, id, NULL, NULL, &c, false, page, 7, &n, &err), KC_OK);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(page[i].id, all[seen + i].id);
		seen += n;
		if (n)
			usage_cursor_set(&c, &page[n - 1]);
		usage_rows_clear(page, n);
	} while (n == 7);
	assert_int_equal(seen, n_all);

	/* backward from the end */
	memset(&c, 0, sizeof c);
	assert_int_equal(usage_page(db, id, NULL, NULL, &c, true, page, 7, &n, &err), KC_OK);
	assert_int_equal(n, 7);
	assert_int_equal(page[6].id, all[92].id);
	assert_int_equal(page[0].id, all[86].id);
	usage_cursor_set(&c, &page[0]);
	usage_rows_clear(page, n);
	assert_int_equal(usage_page(db, id, NULL, NULL, &c, true, page, 7, &n, &err), KC_OK);
	assert_int_equal(page[6].id, all[85].id);
	usage_rows_clear(page, n);

	/* office days: March 10 only (local midnight to midnight) */
	assert_int_equal(usage_page(db, id, "2025-03-10", "2025-03-10", NULL, false, page, 7, &n,
				 &err), KC_OK);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_true(strcmp(page[i].started_at, "2025-03-10T04:00:00Z") >= 0);
		assert_true(strcmp(page[i].started_at, "2025-03-11T04:00:00Z") < 0);
	}
	usage_rows_clear(page, n);
	assert_int_equal(usage_page(db, id, "2025-03-32", NULL, NULL, false, page, 7, &n, &err),
		KC_ERR_INVALID);
	kc_error_clear(&err);
	usage_rows_clear(all, n_all);
	close_db(&db);
}

static void test_BIL1_usage_cycles_invoiced_and_pending(void **state)
{
	(void)state;
	kc_db *db = new_db();
	int64_t id = add_account(db, "100001", "2025-01-02", "2025-02-10");
	struct sync_report r;
	sync_ok(db, id, "2025-02-01", "2025-04-15", &r);
	assert_int_equal(r.calls_new, 74 * 3);
	/* the first cycle invoiced */
	exec_sql(db,
		"INSERT INTO invoices (number, account_id, kind, cycle_key, invoice_date,"
		" period_start, period_end, province, language, gst_number, qst_number,"
		" subtotal_cents, tax_cents, total_cents, issued_at, issued_by)"
		" VALUES (1, 1, 'regular', 'c0001', '2025-03-10', '2025-03-10', '2025-04-09',"
		" 'QC', 'fr', 'g', 'q', 1, 0, 1, '2025-03-10T04:00:00Z', 'test');"
		"UPDATE usage_records SET invoice_id = 1 WHERE started_at < '2025-03-10T04:00:00Z';");
	struct usage_cycle cy[8];
	size_t n = 0;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(usage_cycles(db, id, CYCLE_MONTHLY, "2025-04-15", USAGE_CYCLES_NEWEST, cy,
				 8, &n, &err), KC_OK);
	assert_int_equal(n, 4);
	assert_int_equal(cy[0].index, 2);
	assert_string_equal(cy[0].from, "2025-04-10");
	assert_string_equal(cy[0].to, "2025-05-09");
	assert_int_equal(cy[0].calls, 6 * 3);
	assert_int_equal(cy[1].index, 1);
	assert_string_equal(cy[1].from, "2025-03-10");
	assert_string_equal(cy[1].to, "2025-04-09");
	assert_int_equal(cy[1].calls, 31 * 3);
	assert_int_equal(cy[1].calls_pending, 31 * 3);
	assert_int_equal(cy[2].index, 0);
	assert_int_equal(cy[2].calls, 28 * 3);
	assert_int_equal(cy[2].calls_invoiced, 28 * 3);
	assert_int_equal(cy[2].pending_units8, 0);
	assert_int_equal(cy[3].index, -1); /* Feb 1..9, before the welcome call */
	assert_string_equal(cy[3].from, "");
	assert_string_equal(cy[3].to, "2025-02-09");
	assert_int_equal(cy[3].calls, 9 * 3);
	int64_t sum = 0, pending = 0;
	for (size_t i = 0; i < n; i++) {
		sum += cy[i].cost_units8;
		pending += cy[i].pending_units8;
		assert_int_equal(cy[i].cost_units8, cy[i].invoiced_units8 + cy[i].pending_units8);
	}
	struct usage_totals t;
	struct usage_pending p;
	assert_int_equal(usage_totals(db, id, &t, &err), KC_OK);
	assert_int_equal(usage_pending_total(db, id, &p, &err), KC_OK);
	assert_int_equal(sum, t.cost_units8);
	assert_int_equal(pending, p.usage_units8);
	assert_int_equal(p.calls, (6 + 31) * 3);

	/* keyset: the page after cycle 1 */
	assert_int_equal(usage_cycles(db, id, CYCLE_MONTHLY, "2025-04-15", 1, cy, 8, &n, &err),
		KC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(cy[0].index, 0);
	assert_int_equal(cy[1].index, -1);
	close_db(&db);
}

/* ---- demo data ------------------------------------------------------------------------ */

static void test_sync_demo_usage_is_reproducible(void **state)
{
	(void)state;
	struct usage_totals t[3];
	kc_error err = KC_ERROR_INIT;
	kc_date first = { 2025, 2, 1 }, last = { 2025, 4, 15 };
	for (int i = 0; i < 3; i++) {
		kc_db *db = new_db();
		int64_t id = add_account(db, "300001", "2025-01-02", "2025-01-10");
		if (sync_demo_usage(db, id, i == 2 ? 43 : 42, first, last, &err) != KC_OK)
			fail_msg("demo: %s", kc_error_text(&err));
		assert_int_equal(usage_totals(db, id, &t[i], &err), KC_OK);
		assert_int_equal(q_int(db, "SELECT calls_new FROM sync_runs WHERE status = 'ok'"),
			t[i].calls);
		assert_int_equal(q_int(db, "SELECT windows FROM sync_runs"), 3);
		char wm[32];
		q_text(db, "SELECT synced_to FROM sync_watermarks", wm, sizeof wm);
		assert_string_equal(wm, "2025-04-15");
		assert_int_equal(q_int(db, "SELECT count(*) FROM usage_records WHERE sync_run_id IS NULL"),
			0);
		close_db(&db);
	}
	assert_true(t[0].calls > 74 * 2);
	assert_true(t[0].cost_units8 > 0);
	assert_memory_equal(&t[0], &t[1], sizeof t[0]);
	assert_true(t[0].calls != t[2].calls || t[0].cost_units8 != t[2].cost_units8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_imports_then_finds_unchanged),
		cmocka_unit_test(test_sync_overlapping_windows_never_duplicate),
		cmocka_unit_test(test_sync_splits_into_31_day_windows),
		cmocka_unit_test(test_sync_default_period_from_watermark),
		cmocka_unit_test(test_sync_refuses_bad_periods),
		cmocka_unit_test(test_sync_stores_utc_instants_and_exact_money),
		cmocka_unit_test(test_sync_timezone_setting_gives_same_instants),
		cmocka_unit_test(test_PAY2_sync_refuses_foreign_currency_without_rate),
		cmocka_unit_test(test_PAY2_sync_converts_exactly_and_records_rate),
		cmocka_unit_test(test_sync_rerated_pending_call_is_updated),
		cmocka_unit_test(test_sync_rerated_invoiced_call_becomes_adjustment),
		cmocka_unit_test(test_sync_import_bad_answer_writes_nothing),
		cmocka_unit_test(test_sync_each_fault_changes_nothing_but_its_run),
		cmocka_unit_test(test_sync_password_never_in_request_log),
		cmocka_unit_test(test_sync_stop_flag_ends_between_windows),
		cmocka_unit_test(test_sync_all_goes_on_after_one_account_fails),
		cmocka_unit_test(test_sync_read_only_database_refused),
		cmocka_unit_test(test_sync_marks_dead_running_run_interrupted),
		cmocka_unit_test(test_sync_never_marks_a_live_run),
		cmocka_unit_test(test_usage_page_keyset_both_ways),
		cmocka_unit_test(test_BIL1_usage_cycles_invoiced_and_pending),
		cmocka_unit_test(test_sync_demo_usage_is_reproducible),
	};
	return cmocka_run_group_tests(tests, start_fake, stop_fake);
}
