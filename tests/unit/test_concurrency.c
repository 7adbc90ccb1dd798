/* test_concurrency.c: no lost update between staff saving the same record
 * (design.md, optimistic concurrency; HIS-1 audit rows).  Two kc_db handles
 * on one file, then 8 processes in lock-step rounds: each reads the account,
 * all wait until everyone has read, then all write with the version they
 * read.  Exactly one write per round may win; the others must be refused
 * with KC_ERR_CONFLICT, nothing written.  Rounds: 20, or as many as fit in
 * STRESS_SECONDS minus 5 (make check-stress, tests/stress). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "db.h"
#include "testutil.h"

#define WRITERS 8
#define ROUNDS 20

static kc_db *open_path(const char *path, bool create)
{
	struct db_open_options o = { .path = path, .create = create };
	kc_error err = KC_ERROR_INIT;
	kc_db *db = NULL;
	if (db_open(&o, &db, &err) != KC_OK)
		fail_msg("db_open(%s): %s", path, kc_error_text(&err));
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

static int64_t new_account(kc_db *db)
{
	struct account_fields f = { 0 };
	f.holder = "Émilie Côté";
	f.email = "emilie@cote.example";
	f.province = "QC";
	f.level = "basic";
	f.voipms_client = "100001";
	f.signed_on = "2026-01-05";
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	if (account_create(db, &f, &id, NULL, &err) != KC_OK)
		fail_msg("account_create: %s", kc_error_text(&err));
	return id;
}

static kc_status set_company(kc_db *db, int64_t id, int64_t version, const char *company,
	kc_error *err)
{
	struct account_fields f = { 0 };
	f.company = company;
	return account_update(db, id, version, &f, NULL, NULL, err);
}

/* --- two handles --------------------------------------------------------- */

static void test_stale_version_refused_two_handles(void **state)
{
	(void)state;
	char *path = strdup(test_path("two.db"));
	assert_non_null(path);
	kc_db *a = open_path(path, true), *b = open_path(path, false);
	db_set_staff(b, "bob");
	int64_t id = new_account(a);
	struct account ra = { 0 }, rb = { 0 };
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(account_get(a, id, &ra, &err), KC_OK);
	assert_int_equal(account_get(b, id, &rb, &err), KC_OK);
	assert_int_equal(ra.version, rb.version);

	/* b saves first; a's save on the version it read is refused. */
	assert_int_equal(set_company(b, id, rb.version, "Bob's", &err), KC_OK);
	int64_t audits = q_int(a, "SELECT count(*) FROM audit WHERE action = 'account.edit'");
	assert_int_equal(set_company(a, id, ra.version, "Alice's", &err), KC_ERR_CONFLICT);
	assert_non_null(err.message);
	if (!strstr(err.message, "bob") || !strstr(err.message, "not saved"))
		fail_msg("conflict message \"%s\" does not say who saved first", err.message);
	kc_error_clear(&err);
	assert_false(db_in_transaction(a));
	assert_int_equal(q_int(a, "SELECT count(*) FROM audit WHERE action = 'account.edit'"), audits);
	account_clear(&ra);
	assert_int_equal(account_get(a, id, &ra, &err), KC_OK);
	assert_string_equal(ra.company, "Bob's");
	assert_int_equal(ra.version, rb.version + 1);

	/* With the fresh version, a's save goes through. */
	assert_int_equal(set_company(a, id, ra.version, "Alice's", &err), KC_OK);
	account_clear(&rb);
	assert_int_equal(account_get(b, id, &rb, &err), KC_OK);
	assert_string_equal(rb.company, "Alice's");
	account_clear(&ra);
	account_clear(&rb);
	db_close(&a);
	db_close(&b);
	free(path);
}

/* --- processes in lock-step ------------------------------------------------ */

struct lane {
	pid_t pid;
	int to_child, from_child;
};

static void write_byte(int fd, char c)
{
	while (write(fd, &c, 1) != 1)
		if (errno != EINTR)
			_exit(90);
}

static int read_byte(int fd)
{
	char c;
	ssize_t n;
	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return n == 1 ? (unsigned char)c : -1;
}

/* A writer: per round, read the account, say 'r', wait for 'g', write
 * with the version read, report the status as one byte.  Own connection. */
static void child(const char *path, int64_t id, int w, int in, int out)
{
	kc_db *db = NULL;
	struct db_open_options o = { .path = path };
	kc_error err = KC_ERROR_INIT;
	if (db_open(&o, &db, &err) != KC_OK)
		_exit(91);
	for (int round = 0;; round++) {
		struct account a = { 0 };
		if (account_get(db, id, &a, &err) != KC_OK)
			_exit(92);
		write_byte(out, 'r');
		int go = read_byte(in);
		if (go != 'g') { /* 'q' or the parent went away */
			account_clear(&a);
			break;
		}
		char company[64];
		snprintf(company, sizeof company, "p%d-r%d", w, round);
		kc_status s = set_company(db, id, a.version, company, &err);
		kc_error_clear(&err);
		account_clear(&a);
		write_byte(out, (char)('0' + s));
	}
	db_close(&db);
	_exit(0);
}

static int rounds_wanted(time_t *deadline)
{
	const char *s = getenv("STRESS_SECONDS");
	long secs = s ? strtol(s, NULL, 10) : 0;
	*deadline = secs > 5 ? time(NULL) + secs - 5 : 0;
	return secs > 5 ? 1000000 : ROUNDS;
}

static void test_no_lost_update_between_processes(void **state)
{
	(void)state;
	char *path = strdup(test_path("lanes.db"));
	assert_non_null(path);
	kc_db *db = open_path(path, true);
	int64_t id = new_account(db);
	int64_t v0 = q_int(db, "SELECT version FROM accounts WHERE id = 1");
	int64_t a0 = q_int(db, "SELECT count(*) FROM audit WHERE action = 'account.edit'");
	struct lane lanes[WRITERS];
	fflush(NULL);
	for (int w = 0; w < WRITERS; w++) {
		int down[2], up[2];
		assert_int_equal(pipe(down), 0);
		assert_int_equal(pipe(up), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(down[1]);
			close(up[0]);
			child(path, id, w, down[0], up[1]);
		}
		close(down[0]);
		close(up[1]);
		lanes[w] = (struct lane){ pid, down[1], up[0] };
	}
	time_t deadline;
	int want = rounds_wanted(&deadline), rounds = 0, winner = -1;
	int64_t conflicts = 0;
	for (; rounds < want && (!deadline || time(NULL) < deadline); rounds++) {
		for (int w = 0; w < WRITERS; w++) /* everyone has read the same version */
			if (read_byte(lanes[w].from_child) != 'r')
				fail_msg("round %d: writer %d did not read", rounds, w);
		for (int w = 0; w < WRITERS; w++)
			write_byte(lanes[w].to_child, 'g');
		int wins = 0;
		for (int w = 0; w < WRITERS; w++) {
			int r = read_byte(lanes[w].from_child) - '0';
			if (r == KC_OK) {
				wins++;
				winner = w;
			} else if (r == KC_ERR_CONFLICT) {
				conflicts++;
			} else {
				fail_msg("round %d: writer %d got status %d", rounds, w, r);
			}
		}
		if (wins != 1)
			fail_msg("round %d: %d writers saved on the same version", rounds, wins);
	}
	for (int w = 0; w < WRITERS; w++) {
		(void)read_byte(lanes[w].from_child); /* its next 'r' */
		write_byte(lanes[w].to_child, 'q');
		close(lanes[w].to_child);
		close(lanes[w].from_child);
		int status = 0;
		assert_int_equal(waitpid(lanes[w].pid, &status, 0), lanes[w].pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	print_message("%d rounds, %lld stale writes refused\n", rounds, (long long)conflicts);
	assert_int_equal(conflicts, (int64_t)rounds * (WRITERS - 1));
	/* One version step and one audit row per round: nothing lost, nothing doubled. */
	assert_int_equal(q_int(db, "SELECT version FROM accounts WHERE id = 1"), v0 + rounds);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE action = 'account.edit'"),
		a0 + rounds);
	struct account a = { 0 };
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(account_get(db, id, &a, &err), KC_OK);
	char last[64];
	snprintf(last, sizeof last, "p%d-r%d", winner, rounds - 1);
	assert_string_equal(a.company, last);
	account_clear(&a);
	kc_status s = db_check_integrity(db, true, &err);
	if (s != KC_OK)
		fail_msg("integrity: %s", kc_error_text(&err));
	db_close(&db);
	free(path);
}

int main(void)
{
	setenv("TZ", "America/Toronto", 1);
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_version_refused_two_handles),
		cmocka_unit_test(test_no_lost_update_between_processes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
