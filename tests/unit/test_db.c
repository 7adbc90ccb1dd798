/* test_db.c: the SQLite layer (db, schema, audit, staff) on real files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "date.h"
#include "db.h"
#include "schema.h"
#include "staff.h"
#include "strbuf.h"
#include "testutil.h"

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
	kc_status s = db_open(&o, &db, &err);
	if (s != KC_OK)
		fail_msg("db_open(%s): %s", path, kc_error_text(&err));
	kc_error_clear(&err);
	return db;
}

/* Expects db_open to fail with code and a message containing `part`. */
static void open_refused(const char *path, bool create, kc_status code, const char *part)
{
	struct db_open_options o = { .path = path, .create = create };
	kc_error err = KC_ERROR_INIT;
	kc_db *db = (kc_db *)&err; /* must be reset to NULL */
	kc_status s = db_open(&o, &db, &err);
	assert_int_equal(s, code);
	assert_int_equal(err.code, code);
	assert_null(db);
	assert_non_null(err.message);
	if (!strstr(err.message, part))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, part);
	kc_error_clear(&err);
}

/* An integer from a plain SQLite connection, outside our module. */
static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -12345;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(h);
}

static int64_t q_int(kc_db *db, const char *sql)
{
	int64_t v = -12345;
	kc_error err = KC_ERROR_INIT;
	if (db_query_int(db, sql, &v, &err) != KC_OK)
		fail_msg("%s: %s", sql, kc_error_text(&err));
	kc_error_clear(&err);
	return v;
}

static void exec_ok(kc_db *db, const char *sql)
{
	kc_error err = KC_ERROR_INIT;
	if (db_exec(db, sql, &err) != KC_OK)
		fail_msg("%s: %s", sql, kc_error_text(&err));
}

static void exec_refused(kc_db *db, const char *sql, kc_status code)
{
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_exec(db, sql, &err), code);
	assert_non_null(err.message);
	kc_error_clear(&err);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int wait_child(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return status;
}

/* --- open, pragmas, identity --------------------------------------------- */

static void test_open_null_and_missing(void **state)
{
	(void)state;
	kc_error err = KC_ERROR_INIT;
	kc_db *db = NULL;
	assert_int_equal(db_open(NULL, &db, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	struct db_open_options o = { .path = "" };
	assert_int_equal(db_open(&o, &db, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	open_refused(test_path("missing.db"), false, KC_ERR_NOT_FOUND, "does not exist");
	assert_int_equal(access(test_path("missing.db"), F_OK), -1);
	open_refused(test_path("no/such/dir/x.db"), true, KC_ERR_NOT_FOUND, "folder does not exist");
	db_close(&db); /* NULL is fine */
	db_close(NULL);
}

static void test_pragmas_read_back(void **state)
{
	(void)state;
	char *path = path_copy("pragmas.db");
	struct db_open_options o = { .path = path, .create = true, .busy_timeout_ms = 1234 };
	kc_error err = KC_ERROR_INIT;
	kc_db *db = NULL;
	assert_int_equal(db_open(&o, &db, &err), KC_OK);
	assert_int_equal(q_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(q_int(db, "PRAGMA synchronous"), 2);
	assert_int_equal(q_int(db, "PRAGMA busy_timeout"), 1234);
	assert_int_equal(q_int(db, "PRAGMA recursive_triggers"), 1);
	assert_string_equal(db_journal_mode(db), "wal");
	assert_int_equal(q_int(db, "PRAGMA application_id"), KC_APPLICATION_ID);
	assert_int_equal(q_int(db, "PRAGMA user_version"), db_latest_version());
	assert_int_equal(db_schema_version(db), db_latest_version());
	assert_int_equal(db_latest_version(), schema_latest_version());
	assert_true(db_latest_version() >= 1);
	assert_false(db_is_read_only(db));
	assert_string_equal(db_path(db), path);
	assert_int_equal(db_check_integrity(db, true, &err), KC_OK);
	db_close(&db);
	assert_null(db);
	/* Seen from outside, and the journal mode is persistent. */
	assert_int_equal(raw_int(path, "PRAGMA application_id"), KC_APPLICATION_ID);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), db_latest_version());
	/* Default busy timeout. */
	db = open_db(path, false, false);
	assert_int_equal(q_int(db, "PRAGMA busy_timeout"), 5000);
	db_close(&db);
	free(path);
}

static void test_network_fs_uses_delete_journal(void **state)
{
	(void)state;
	char *fresh = path_copy("netfs-new.db");
	char *existing = path_copy("netfs-old.db");
	kc_db *db = open_db(existing, true, false); /* made as WAL */
	assert_string_equal(db_journal_mode(db), "wal");
	db_close(&db);

	setenv("KENOCONSOLE_FORCE_NETFS", "1", 1);
	db = open_db(fresh, true, false);
	assert_string_equal(db_journal_mode(db), "delete");
	assert_int_equal(q_int(db, "PRAGMA synchronous"), 2);
	db_close(&db);
	db = open_db(existing, false, false); /* switched back to DELETE */
	assert_string_equal(db_journal_mode(db), "delete");
	db_close(&db);
	unsetenv("KENOCONSOLE_FORCE_NETFS");
	assert_int_equal(raw_int(existing, "PRAGMA user_version"), db_latest_version());
	free(fresh);
	free(existing);
}

static void test_foreign_sqlite_file_refused(void **state)
{
	(void)state;
	char *other = path_copy("other-app.db");
	raw_exec(other, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
			"INSERT INTO notes (body) VALUES ('keep me');");
	open_refused(other, true, KC_ERR_DB, "not a kenoconsole database");
	/* Untouched: still another program's file in its own journal mode. */
	assert_int_equal(raw_int(other, "SELECT count(*) FROM notes"), 1);
	assert_int_equal(raw_int(other, "PRAGMA application_id"), 0);
	assert_int_equal(raw_int(other, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit'"), 0);

	char *tagged = path_copy("tagged-app.db");
	raw_exec(tagged, "PRAGMA application_id = 1234567; PRAGMA user_version = 1;");
	open_refused(tagged, true, KC_ERR_DB, "not a kenoconsole database");
	assert_int_equal(raw_int(tagged, "PRAGMA application_id"), 1234567);
	free(other);
	free(tagged);
}

static void test_text_file_refused(void **state)
{
	(void)state;
	char *path = path_copy("notes.txt");
	strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 100; i++)
		strbuf_append(&sb, "This is a plain text file, not a database at all.\n");
	write_file(path, strbuf_cstr(&sb));
	strbuf_free(&sb);
	open_refused(path, true, KC_ERR_DB, "not a database");
	write_file(path, "short\n");
	open_refused(path, true, KC_ERR_DB, "not a database");
	free(path);
}

static void test_newer_schema_refused(void **state)
{
	(void)state;
	char *path = path_copy("newer.db");
	kc_db *db = open_db(path, true, false);
	db_close(&db);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", db_latest_version() + 1);
	raw_exec(path, sql);
	open_refused(path, false, KC_ERR_DB, "newer kenoconsole");
	assert_int_equal(raw_int(path, "PRAGMA user_version"), db_latest_version() + 1);
	free(path);
}

static void test_damaged_file_refused(void **state)
{
	(void)state;
	char *path = path_copy("damaged.db");
	kc_db *db = open_db(path, true, false);
	int64_t page_size = q_int(db, "PRAGMA page_size");
	int64_t pages = q_int(db, "PRAGMA page_count");
	db_close(&db); /* checkpoints the WAL into the file */
	assert_true(pages > 8);
	assert_int_equal(access(test_path("damaged.db-wal"), F_OK), -1);

	/* Garbage over the last three b-tree pages (not the schema pages). */
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	char *junk = malloc((size_t)page_size);
	assert_non_null(junk);
	memset(junk, 0x55, (size_t)page_size);
	for (int64_t p = pages - 3; p < pages; p++)
		assert_int_equal(pwrite(fd, junk, (size_t)page_size, (off_t)(p * page_size)),
				 page_size);
	free(junk);
	assert_int_equal(close(fd), 0);
	open_refused(path, false, KC_ERR_DB, "damaged");
	free(path);
}

/* --- read-only --------------------------------------------------------------- */

static void test_read_only_file(void **state)
{
	(void)state;
	char *path = path_copy("ro.db");
	kc_db *db = open_db(path, true, false);
	db_close(&db);
	int64_t audit_rows = raw_int(path, "SELECT count(*) FROM audit");
	assert_int_equal(chmod(path, 0444), 0);

	db = open_db(path, false, false);
	assert_true(db_is_read_only(db));
	assert_string_equal(db_journal_mode(db), "wal"); /* left as it is */
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_begin_write(db, &err), KC_ERR_PERM);
	assert_non_null(strstr(err.message, "Read-only"));
	kc_error_clear(&err);
	assert_false(db_in_transaction(db));
	exec_refused(db, "INSERT INTO staff (username, role, created_at) VALUES ('x', 'admin', 'now')",
		     KC_ERR_PERM);
	/* Reading still works. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM sequences"), 4);
	assert_int_equal(db_begin_read(db, &err), KC_OK);
	assert_int_equal(db_commit(db, &err), KC_OK);
	db_close(&db);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM audit"), audit_rows);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM staff WHERE username = 'x'"), 0);

	/* Asked for, on a writable file. */
	assert_int_equal(chmod(path, 0644), 0);
	db = open_db(path, false, true);
	assert_true(db_is_read_only(db));
	assert_int_equal(db_begin_write(db, &err), KC_ERR_PERM);
	kc_error_clear(&err);
	db_close(&db);
	free(path);
}

/* A folder we may not write to: no journal can be made beside the file. */
static void test_read_only_folder(void **state)
{
	(void)state;
	char *dir = path_copy("rodir");
	assert_int_equal(mkdir(dir, 0755), 0);
	char *path = path_copy("rodir/x.db");
	kc_db *db = open_db(path, true, false);
	db_close(&db);
	assert_int_equal(chmod(dir, 0555), 0);
	db = open_db(path, false, false);
	assert_true(db_is_read_only(db));
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_begin_write(db, &err), KC_ERR_PERM);
	kc_error_clear(&err);
	db_close(&db);
	open_refused(test_path("rodir/new.db"), true, KC_ERR_PERM, "read-only");
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(access(test_path("rodir/new.db"), F_OK), -1);
	free(path);
	free(dir);
}

static void test_read_only_cannot_migrate(void **state)
{
	(void)state;
	char *path = path_copy("ro-empty.db");
	write_file(path, "");
	assert_int_equal(chmod(path, 0444), 0);
	open_refused(path, false, KC_ERR_PERM, "read-only");
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 0);
	/* Creating is refused when read-only is asked. */
	struct db_open_options o = { .path = test_path("never.db"), .create = true, .read_only = true };
	kc_error err = KC_ERROR_INIT;
	kc_db *db = NULL;
	assert_int_equal(db_open(&o, &db, &err), KC_ERR_PERM);
	kc_error_clear(&err);
	assert_int_equal(access(test_path("never.db"), F_OK), -1);
	free(path);
}

/*
 * A WAL snapshot copied to a read-only medium has no -shm and none can be
 * made: simulated with a folder we may not write to (as "nobody" when the
 * tests run as root, since root writes anywhere).
 */
static void test_read_only_medium_snapshot(void **state)
{
	(void)state;
	char *dir = path_copy("medium");
	assert_int_equal(mkdir(dir, 0755), 0);
	char *path = path_copy("medium/snap.db");
	kc_db *db = open_db(path, true, false);
	db_close(&db);
	assert_int_equal(access(test_path("medium/snap.db-shm"), F_OK), -1);
	/* The header says WAL (file format bytes 18 and 19 are 2). */
	unsigned char hdr[20];
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, sizeof hdr, f), sizeof hdr);
	fclose(f);
	assert_int_equal(hdr[18], 2);
	assert_int_equal(hdr[19], 2);
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(chmod(test_tmpdir(), 0755), 0);

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(77);
		kc_error err = KC_ERROR_INIT;
		struct db_open_options o = { .path = path };
		kc_db *cdb = NULL;
		if (db_open(&o, &cdb, &err) != KC_OK) {
			fprintf(stderr, "child: %s\n", kc_error_text(&err));
			_exit(1);
		}
		int64_t n = -1;
		int rc = db_is_read_only(cdb) && db_query_int(cdb, "SELECT count(*) FROM sequences",
							      &n, &err) == KC_OK && n == 4 ? 0 : 2;
		db_close(&cdb);
		_exit(rc);
	}
	int status = wait_child(pid);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(test_tmpdir(), 0700), 0);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(access(test_path("medium/snap.db-shm"), F_OK), -1);
	free(path);
	free(dir);
}

/* --- migrations ------------------------------------------------------------- */

static void test_concurrent_migration_applies_once(void **state)
{
	(void)state;
	enum { N = 4 };
	char *path = path_copy("race.db");
	int go[2];
	assert_int_equal(pipe(go), 0);
	fflush(NULL);
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(go[1]);
			char c;
			while (read(go[0], &c, 1) < 0 && errno == EINTR)
				; /* returns 0 when the parent closes: all start together */
			kc_error err = KC_ERROR_INIT;
			struct db_open_options o = { .path = path, .create = true };
			kc_db *db = NULL;
			if (db_open(&o, &db, &err) != KC_OK) {
				fprintf(stderr, "child %d: %s\n", i, kc_error_text(&err));
				_exit(1);
			}
			int rc = db_schema_version(db) == db_latest_version() ? 0 : 2;
			db_close(&db);
			_exit(rc);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < N; i++) {
		int status = wait_child(pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(raw_int(path, "PRAGMA user_version"), db_latest_version());
	assert_int_equal(raw_int(path, "PRAGMA application_id"), KC_APPLICATION_ID);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sequences"), 4);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM service_prices"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM staff"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM audit WHERE action = 'staff.add'"), 1);
	free(path);
}

static void test_killed_mid_migration_keeps_old_version(void **state)
{
	(void)state;
	char *path = path_copy("killed.db");
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv(SCHEMA_TEST_DIE_ENV, "1", 1);
		struct db_open_options o = { .path = path, .create = true };
		kc_db *db = NULL;
		db_open(&o, &db, NULL);
		_exit(3); /* not reached: the hook kills the process */
	}
	int status = wait_child(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	/* The uncommitted step left nothing. */
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 0);
	assert_int_equal(raw_int(path, "PRAGMA application_id"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_schema"), 0);
	/* And the file migrates fine afterwards. */
	kc_db *db = open_db(path, false, false);
	assert_int_equal(db_schema_version(db), db_latest_version());
	assert_int_equal(q_int(db, "SELECT count(*) FROM sequences"), 4);
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_check_integrity(db, true, &err), KC_OK);
	db_close(&db);
	free(path);
}

static void test_schema_sql_embedded(void **state)
{
	(void)state;
	for (int v = 1; v <= schema_latest_version(); v++)
		assert_non_null(schema_sql(v));
	assert_null(schema_sql(0));
	assert_null(schema_sql(schema_latest_version() + 1));
	assert_non_null(strstr(schema_sql(1), "CREATE TABLE audit"));
}

/* --- transactions -------------------------------------------------------------- */

static kc_db *fresh_db(const char *name)
{
	kc_db *db = open_db(test_path(name), true, false);
	return db;
}

static void test_begin_write_nesting(void **state)
{
	(void)state;
	kc_db *db = fresh_db("nest.db");
	kc_error err = KC_ERROR_INIT;
	assert_false(db_in_transaction(db));
	assert_int_equal(db_commit(db, &err), KC_ERR_INTERNAL);
	kc_error_clear(&err);
	db_rollback(db); /* harmless without a transaction */

	/* Inner commit only counts; the outermost commits. */
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	exec_ok(db, "INSERT INTO addons (code, name_en, name_fr) VALUES ('a1', 'A', 'A')");
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	exec_ok(db, "INSERT INTO addons (code, name_en, name_fr) VALUES ('a2', 'B', 'B')");
	assert_int_equal(db_commit(db, &err), KC_OK);
	assert_true(db_in_transaction(db));
	assert_true(db_in_write_transaction(db));
	assert_int_equal(db_commit(db, &err), KC_OK);
	assert_false(db_in_transaction(db));
	assert_int_equal(raw_int(test_path("nest.db"),
		"SELECT count(*) FROM addons WHERE code IN ('a1', 'a2')"), 2);

	/* An inner rollback cancels everything; the outer commit says so. */
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	exec_ok(db, "INSERT INTO addons (code, name_en, name_fr) VALUES ('b1', 'A', 'A')");
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	db_rollback(db);
	assert_true(db_in_transaction(db));
	assert_false(db_in_write_transaction(db));
	assert_int_equal(db_begin_write(db, &err), KC_ERR_INTERNAL);
	kc_error_clear(&err);
	assert_int_equal(db_commit(db, &err), KC_ERR_INTERNAL);
	kc_error_clear(&err);
	assert_false(db_in_transaction(db));
	assert_int_equal(q_int(db, "SELECT count(*) FROM addons WHERE code = 'b1'"), 0);

	/* Outer rollback after an inner commit. */
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	exec_ok(db, "INSERT INTO addons (code, name_en, name_fr) VALUES ('c1', 'A', 'A')");
	assert_int_equal(db_commit(db, &err), KC_OK);
	db_rollback(db);
	assert_false(db_in_transaction(db));
	assert_int_equal(q_int(db, "SELECT count(*) FROM addons WHERE code = 'c1'"), 0);

	/* A write cannot start inside a read transaction. */
	assert_int_equal(db_begin_read(db, &err), KC_OK);
	assert_int_equal(db_begin_write(db, &err), KC_ERR_INTERNAL);
	kc_error_clear(&err);
	assert_int_equal(db_begin_read(db, &err), KC_OK);
	assert_int_equal(db_commit(db, &err), KC_OK);
	assert_int_equal(db_commit(db, &err), KC_OK);
	assert_false(db_in_transaction(db));

	/* Closing with an open transaction rolls it back. */
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	exec_ok(db, "INSERT INTO addons (code, name_en, name_fr) VALUES ('d1', 'A', 'A')");
	db_close(&db);
	assert_int_equal(raw_int(test_path("nest.db"), "SELECT count(*) FROM addons WHERE code = 'd1'"), 0);
}

static void test_busy_after_bounded_retries(void **state)
{
	(void)state;
	char *path = path_copy("busy.db");
	kc_db *db = open_db(path, true, false);
	db_close(&db);
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	struct db_open_options o = { .path = path, .busy_timeout_ms = 100 };
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_open(&o, &db, &err), KC_OK);
	assert_int_equal(db_begin_write(db, &err), KC_ERR_BUSY);
	assert_non_null(strstr(err.message, "busy"));
	kc_error_clear(&err);
	assert_false(db_in_transaction(db));
	/* Readers are not blocked by the writer (WAL). */
	assert_int_equal(q_int(db, "SELECT count(*) FROM sequences"), 4);

	int64_t before = db_data_version(db);
	assert_int_equal(sqlite3_exec(other, "INSERT INTO addons (code, name_en, name_fr)"
					     " VALUES ('z', 'Z', 'Z'); COMMIT", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_true(db_data_version(db) != before); /* another connection committed */
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	assert_int_equal(db_commit(db, &err), KC_OK);
	sqlite3_close(other);
	db_close(&db);
	free(path);
}

static void test_BIL5_next_sequence_gapless(void **state)
{
	(void)state;
	kc_db *db = fresh_db("seq.db");
	kc_error err = KC_ERROR_INIT;
	int64_t v = 0;
	assert_int_equal(db_next_sequence(db, "invoice", &v, &err), KC_ERR_INTERNAL);
	kc_error_clear(&err);

	assert_int_equal(db_begin_write(db, &err), KC_OK);
	assert_int_equal(db_next_sequence(db, "invoice", &v, &err), KC_OK);
	assert_int_equal(v, 1);
	assert_int_equal(db_next_sequence(db, "invoice", &v, &err), KC_OK);
	assert_int_equal(v, 2);
	assert_int_equal(db_next_sequence(db, "ticket", &v, &err), KC_OK);
	assert_int_equal(v, 1);
	assert_int_equal(db_next_sequence(db, "nonsense", &v, &err), KC_ERR_INTERNAL);
	kc_error_clear(&err);
	assert_int_equal(db_commit(db, &err), KC_OK);

	/* A rolled-back number is given again: no gap. */
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	assert_int_equal(db_next_sequence(db, "invoice", &v, &err), KC_OK);
	assert_int_equal(v, 3);
	db_rollback(db);
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	assert_int_equal(db_next_sequence(db, "invoice", &v, &err), KC_OK);
	assert_int_equal(v, 3);
	assert_int_equal(db_commit(db, &err), KC_OK);
	db_close(&db);
}

static void test_db_fail_mapping(void **state)
{
	(void)state;
	static const struct {
		int rc;
		kc_status code;
		const char *part;
	} cases[] = {
		{ SQLITE_CONSTRAINT_UNIQUE, KC_ERR_INVALID, "already used" },
		{ SQLITE_CONSTRAINT_CHECK, KC_ERR_INVALID, "nothing was saved" },
		{ SQLITE_CONSTRAINT_FOREIGNKEY, KC_ERR_INVALID, "does not exist" },
		{ SQLITE_CONSTRAINT_TRIGGER, KC_ERR_INVALID, "can no longer be changed" },
		{ SQLITE_BUSY, KC_ERR_BUSY, "busy" },
		{ SQLITE_BUSY_SNAPSHOT, KC_ERR_BUSY, "busy" },
		{ SQLITE_LOCKED, KC_ERR_BUSY, "busy" },
		{ SQLITE_FULL, KC_ERR_IO, "Disk full" },
		{ SQLITE_IOERR_WRITE, KC_ERR_IO, "input/output" },
		{ SQLITE_CORRUPT, KC_ERR_DB, "damaged" },
		{ SQLITE_NOTADB, KC_ERR_DB, "damaged" },
		{ SQLITE_READONLY, KC_ERR_PERM, "Read-only" },
		{ SQLITE_NOMEM, KC_ERR_NOMEM, "memory" },
		{ SQLITE_ERROR, KC_ERR_DB, "Database error" },
		{ SQLITE_OK, KC_ERR_INTERNAL, "Internal" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kc_error err = KC_ERROR_INIT;
		assert_int_equal(db_fail(NULL, cases[i].rc, &err), cases[i].code);
		assert_int_equal(err.code, cases[i].code);
		if (!strstr(err.message, cases[i].part))
			fail_msg("rc %d: \"%s\" lacks \"%s\"", cases[i].rc, err.message, cases[i].part);
		kc_error_clear(&err);
	}
	assert_int_equal(db_fail(NULL, SQLITE_FULL, NULL), KC_ERR_IO);
}

static void test_constraint_errors_are_invalid(void **state)
{
	(void)state;
	kc_db *db = fresh_db("constraint.db");
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	/* CHECK, UNIQUE, FOREIGN KEY (foreign_keys is on). */
	exec_refused(db, "INSERT INTO service_prices (level, effective_from, monthly_cents)"
			 " VALUES ('gold', '2026-01-01', 1)", KC_ERR_INVALID);
	exec_refused(db, "INSERT INTO addons (code, name_en, name_fr) VALUES ('did', 'x', 'x')",
		     KC_ERR_INVALID);
	exec_refused(db, "INSERT INTO contacts (account_id, name, created_at) VALUES (999, 'n', 'now')",
		     KC_ERR_INVALID);
	assert_int_equal(db_commit(db, &err), KC_OK);
	/* Several statements in one prepare are refused. */
	sqlite3_stmt *st = NULL;
	assert_int_equal(db_prepare(db, "SELECT 1; SELECT 2", &st, &err), KC_ERR_INTERNAL);
	assert_null(st);
	kc_error_clear(&err);
	assert_int_equal(db_prepare(db, "SELECT 1; -- a comment\n", &st, &err), KC_OK);
	db_finalize(db, &st);
	assert_int_equal(db_prepare(db, "SELEKT nonsense", &st, &err), KC_ERR_DB);
	kc_error_clear(&err);
	assert_int_equal(db_leaked_statements(db), 0);
	db_close(&db);
}

/* --- audit ---------------------------------------------------------------- */

static void test_audit_json_escaping(void **state)
{
	(void)state;
	strbuf sb = STRBUF_INIT;
	audit_json_begin(&sb);
	audit_json_end(&sb);
	assert_string_equal(strbuf_cstr(&sb), "{}");
	strbuf_reset(&sb);
	audit_json_begin(&sb);
	audit_json_str(&sb, "holder", "Élise \"Lili\" O'Neil\\Co\n\t\x01\x1f\x7f");
	audit_json_int(&sb, "n", -5);
	audit_json_int(&sb, "big", INT64_MAX);
	audit_json_str(&sb, "gone", NULL);
	audit_json_str(&sb, "bad\"key", "\xff\xc3(ok");
	audit_json_end(&sb);
	assert_false(strbuf_failed(&sb));
	assert_string_equal(strbuf_cstr(&sb),
		"{\"holder\":\"Élise \\\"Lili\\\" O'Neil\\\\Co\\u000a\\u0009\\u0001\\u001f\\u007f\","
		"\"n\":-5,\"big\":9223372036854775807,\"gone\":null,"
		"\"bad\\\"key\":\"\\ufffd\\ufffd(ok\"}");
	strbuf_free(&sb);
}

static void record(kc_db *db, const char *staff, const char *entity, int64_t id, int64_t account,
	const char *action, const char *at)
{
	kc_instant t;
	assert_int_equal(date_instant_parse(at, &t, NULL), KC_OK);
	date_set_now_for_tests(t);
	db_set_staff(db, staff);
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	if (audit_record(db, entity, id, account, action, "{\"a\":1}", NULL, &err) != KC_OK)
		fail_msg("audit_record: %s", kc_error_text(&err));
	assert_int_equal(db_commit(db, &err), KC_OK);
	date_clear_now_for_tests();
}

static void test_HIS1_audit_record_and_page(void **state)
{
	(void)state;
	/* The creator's row is stamped at creation: pin it to a day away from
	 * the office days the filters below ask for. */
	kc_instant created;
	assert_int_equal(date_instant_parse("2026-11-20T15:00:00Z", &created, NULL), KC_OK);
	date_set_now_for_tests(created);
	kc_db *db = fresh_db("audit.db");
	date_clear_now_for_tests();
	kc_error err = KC_ERROR_INIT;
	int64_t base = q_int(db, "SELECT max(id) FROM audit"); /* the creator's row */
	assert_true(base >= 1);

	/* Outside a transaction: refused, nothing written. */
	assert_int_equal(audit_record(db, "account", 1, 1, "account.edit", NULL, NULL, &err),
			 KC_ERR_INTERNAL);
	kc_error_clear(&err);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit"), base);

	/* 10:00 on the 26th, 22:00 on the 26th (03:00Z on the 27th) and 10:00
	 * on the 27th, office time (Toronto, EST). */
	record(db, "alice", "account", 7, 7, "account.create", "2026-11-26T15:00:00Z");
	record(db, "bob", "invoice", 3, 7, "invoice.issue", "2026-11-27T03:00:00Z");
	record(db, "alice", "account", 8, 8, "account.create", "2026-11-27T15:00:00Z");
	record(db, "alice", "account", 7, 7, "account.edit", "2026-11-27T16:00:00Z");

	struct audit_entry e[8];
	size_t n = 99;
	assert_int_equal(audit_page(db, NULL, NULL, 0, NULL, NULL, 0, e, 2, &n, &err), KC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].action, "account.edit");
	assert_string_equal(e[0].at, "2026-11-27T16:00:00Z");
	assert_string_equal(e[0].staff, "alice");
	assert_string_equal(e[0].old_values, "{\"a\":1}");
	assert_null(e[0].new_values);
	assert_int_equal(e[0].account_id, 7);
	assert_string_equal(e[1].action, "account.create");
	assert_true(e[0].id > e[1].id);
	int64_t cursor = e[1].id;
	audit_entry_clear(&e[0]);
	audit_entry_clear(&e[1]);
	assert_null(e[0].at);

	/* Next page by keyset. */
	assert_int_equal(audit_page(db, NULL, NULL, 0, NULL, NULL, cursor, e, 8, &n, &err), KC_OK);
	assert_int_equal(n, 3); /* bob's, alice's first, the creator's */
	assert_string_equal(e[0].action, "invoice.issue");
	assert_string_equal(e[2].action, "staff.add");
	assert_int_equal(e[2].account_id, 0);
	for (size_t i = 0; i < n; i++)
		audit_entry_clear(&e[i]);

	/* Filters. */
	assert_int_equal(audit_page(db, "alice", "account", 7, NULL, NULL, 0, e, 8, &n, &err), KC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].action, "account.edit");
	assert_string_equal(e[1].action, "account.create");
	for (size_t i = 0; i < n; i++)
		audit_entry_clear(&e[i]);
	assert_int_equal(audit_page(db, "bob", NULL, 0, NULL, NULL, 0, e, 8, &n, &err), KC_OK);
	assert_int_equal(n, 1);
	audit_entry_clear(&e[0]);

	/* An office day, inclusive, in the office zone. */
	assert_int_equal(audit_page(db, NULL, NULL, 0, "2026-11-26", "2026-11-26", 0, e, 8, &n, &err),
			 KC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].action, "invoice.issue");
	assert_string_equal(e[1].at, "2026-11-26T15:00:00Z");
	for (size_t i = 0; i < n; i++)
		audit_entry_clear(&e[i]);
	assert_int_equal(audit_page(db, NULL, NULL, 0, "2026-11-27", NULL, 0, e, 8, &n, &err), KC_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		audit_entry_clear(&e[i]);
	n = 5;
	assert_int_equal(audit_page(db, NULL, NULL, 0, "2026-13-01", NULL, 0, e, 8, &n, &err),
			 KC_ERR_INVALID);
	assert_int_equal(n, 0);
	kc_error_clear(&err);
	assert_int_equal(audit_page(db, NULL, NULL, 0, NULL, NULL, 0, e, 0, &n, &err), KC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(db_leaked_statements(db), 0);
	db_close(&db);
}

static void test_HIS1_audit_rows_cannot_change(void **state)
{
	(void)state;
	kc_db *db = fresh_db("audit-immutable.db");
	int64_t rows = q_int(db, "SELECT count(*) FROM audit");
	assert_true(rows >= 1);
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	exec_refused(db, "UPDATE audit SET staff = 'mallory'", KC_ERR_INVALID);
	exec_refused(db, "DELETE FROM audit", KC_ERR_INVALID);
	assert_int_equal(db_commit(db, &err), KC_OK);
	exec_refused(db, "UPDATE audit SET new_values = NULL WHERE id = 1", KC_ERR_INVALID);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit"), rows);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE staff = 'mallory'"), 0);
	db_close(&db);
}

/* INSERT OR REPLACE deletes the row in the way before inserting; without
 * recursive_triggers that delete fires no trigger and an audit row could be
 * rewritten.  With it (set at open) the no-delete trigger refuses. */
static void test_HIS1_audit_rows_cannot_be_replaced(void **state)
{
	(void)state;
	kc_db *db = fresh_db("audit-replace.db");
	int64_t rows = q_int(db, "SELECT count(*) FROM audit");
	assert_true(rows >= 1);
	char *before = NULL;
	{
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(db_handle(db),
			"SELECT at || staff || entity || action || coalesce(new_values, '')"
			" FROM audit WHERE id = 1", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		before = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	assert_non_null(before);
	static const char *const replace[] = {
		"INSERT OR REPLACE INTO audit (id, at, staff, entity, entity_id, action)"
		" VALUES (1, 't', 'mallory', 'staff', 1, 'forged')",
		"REPLACE INTO audit (id, at, staff, entity, entity_id, action)"
		" VALUES (1, 't', 'mallory', 'staff', 1, 'forged')",
	};
	kc_error err = KC_ERROR_INIT;
	for (size_t i = 0; i < sizeof replace / sizeof replace[0]; i++) {
		assert_int_equal(db_begin_write(db, &err), KC_OK);
		exec_refused(db, replace[i], KC_ERR_INVALID);
		db_rollback(db);
	}
	/* Outside an explicit transaction too. */
	exec_refused(db, replace[0], KC_ERR_INVALID);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit"), rows);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE staff = 'mallory'"), 0);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db_handle(db),
		"SELECT at || staff || entity || action || coalesce(new_values, '')"
		" FROM audit WHERE id = 1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), before);
	sqlite3_finalize(st);
	free(before);
	db_close(&db);
}

static void test_BIL5_invoice_lines_immutable(void **state)
{
	(void)state;
	kc_db *db = fresh_db("invoice.db");
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	exec_ok(db,
		"INSERT INTO accounts (id, number, holder, email, province, level, voipms_client,"
		" signed_on, created_at, created_by, updated_at, updated_by) VALUES"
		" (1, 'K-000001', 'Élise Tremblay', 'e@example.ca', 'QC', 'basic', '100001',"
		" '2026-11-01', 't', 'u', 't', 'u');"
		"INSERT INTO invoices (id, number, account_id, kind, cycle_key, invoice_date,"
		" period_start, period_end, province, language, gst_number, qst_number,"
		" subtotal_cents, tax_cents, total_cents, issued_at, issued_by) VALUES"
		" (1, 1, 1, 'first', '2026-11', '2026-11-01', '2026-11-01', '2026-11-30', 'QC', 'fr',"
		" 'G', 'Q', 10000, 1498, 11498, 't', 'u');"
		"INSERT INTO invoice_lines (invoice_id, position, kind, description, unit_cents,"
		" amount_cents) VALUES (1, 1, 'support', 'Support', 10000, 10000);"
		"INSERT INTO invoice_taxes (invoice_id, code, rate_thousandths, amount_cents)"
		" VALUES (1, 'GST', 50, 500);");
	assert_int_equal(db_commit(db, &err), KC_OK);

	assert_int_equal(db_begin_write(db, &err), KC_OK);
	exec_refused(db, "UPDATE invoice_lines SET amount_cents = 1", KC_ERR_INVALID);
	exec_refused(db, "DELETE FROM invoice_lines", KC_ERR_INVALID);
	exec_refused(db, "UPDATE invoice_taxes SET amount_cents = 1", KC_ERR_INVALID);
	exec_refused(db, "DELETE FROM invoice_taxes", KC_ERR_INVALID);
	exec_refused(db, "DELETE FROM invoices", KC_ERR_INVALID);
	exec_refused(db, "UPDATE invoices SET total_cents = 1, subtotal_cents = 1, tax_cents = 0",
		     KC_ERR_INVALID);
	/* REPLACE deletes the line in the way: the delete trigger must fire. */
	exec_refused(db, "INSERT OR REPLACE INTO invoice_lines (invoice_id, position, kind,"
		     " description, unit_cents, amount_cents) VALUES (1, 1, 'support', 'x', 1, 1)",
		     KC_ERR_INVALID);
	exec_refused(db, "INSERT OR REPLACE INTO invoice_taxes (invoice_id, code,"
		     " rate_thousandths, amount_cents) VALUES (1, 'GST', 50, 1)", KC_ERR_INVALID);
	exec_ok(db, "UPDATE invoices SET paid_cents = 11498, status = 'paid'"); /* allowed */
	assert_int_equal(db_commit(db, &err), KC_OK);
	assert_int_equal(q_int(db, "SELECT amount_cents FROM invoice_lines"), 10000);
	assert_int_equal(q_int(db, "SELECT total_cents FROM invoices"), 11498);
	assert_int_equal(q_int(db, "SELECT paid_cents FROM invoices"), 11498);
	db_close(&db);
}

static void test_no_statement_leaks(void **state)
{
	(void)state;
	int leaked_before = db_leaked_statements(NULL);
	kc_db *db = fresh_db("leaks.db");
	kc_error err = KC_ERROR_INIT;
	/* A normal workload through every module here. */
	assert_int_equal(staff_add(db, "carol", "Carol", STAFF_AGENT, &err), KC_OK);
	assert_int_equal(staff_add(db, "carol", "Carol", STAFF_AGENT, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	record(db, "carol", "account", 1, 1, "account.create", "2026-11-26T15:00:00Z");
	struct audit_entry e[4];
	size_t n;
	assert_int_equal(audit_page(db, "carol", NULL, 0, NULL, NULL, 0, e, 4, &n, &err), KC_OK);
	for (size_t i = 0; i < n; i++)
		audit_entry_clear(&e[i]);
	assert_int_equal(staff_require(db, STAFF_AGENT, &err), KC_OK);
	assert_int_equal(db_begin_write(db, &err), KC_OK);
	int64_t v;
	assert_int_equal(db_next_sequence(db, "account", &v, &err), KC_OK);
	assert_int_equal(db_commit(db, &err), KC_OK);
	assert_int_equal(db_check_integrity(db, false, &err), KC_OK);
	(void)db_data_version(db);
	(void)db_schema_version(db);
	assert_int_equal(db_leaked_statements(db), 0);

	/* A forgotten statement is counted, then finalized by db_close. */
	sqlite3_stmt *st = NULL;
	assert_int_equal(db_prepare(db, "SELECT 1", &st, &err), KC_OK);
	assert_int_equal(db_leaked_statements(db), 1);
	db_close(&db);
	assert_int_equal(db_leaked_statements(NULL), leaked_before + 1);

	db = fresh_db("leaks.db");
	assert_int_equal(db_prepare(db, "SELECT 1", &st, &err), KC_OK);
	db_finalize(db, &st);
	assert_null(st);
	db_finalize(db, &st); /* NULL is fine */
	db_close(&db);
	assert_int_equal(db_leaked_statements(NULL), leaked_before + 1);
}

/* --- staff and clock -------------------------------------------------------- */

static void test_creator_becomes_admin(void **state)
{
	(void)state;
	setenv("KENOCONSOLE_STAFF", "mallory", 1);
	setenv("USER", "mallory", 1);
	kc_db *db = fresh_db("creator.db");
	const char *me = staff_os_user();
	assert_non_null(me);
	assert_string_not_equal(me, "mallory");
	assert_string_equal(db_staff(db), me);
	enum staff_role r = STAFF_NONE;
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(staff_role_of(db, me, &r, &err), KC_OK);
	assert_int_equal(r, STAFF_ADMIN);
	assert_int_equal(staff_role_of(db, "mallory", &r, &err), KC_OK);
	assert_int_equal(r, STAFF_NONE);
	assert_int_equal(q_int(db, "SELECT count(*) FROM staff"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE entity = 'staff'"
				   " AND action = 'staff.add'"), 1);
	db_close(&db);
	/* Reopening adds nobody. */
	db = open_db(test_path("creator.db"), false, false);
	assert_int_equal(q_int(db, "SELECT count(*) FROM staff"), 1);
	db_close(&db);
	unsetenv("KENOCONSOLE_STAFF");
}

static void test_staff_require_roles(void **state)
{
	(void)state;
	kc_db *db = fresh_db("roles.db");
	kc_error err = KC_ERROR_INIT;
	assert_int_equal(staff_add(db, "alice", "Alice", STAFF_AGENT, &err), KC_OK);
	assert_int_equal(staff_add(db, "bob", "Bob", STAFF_BILLING, &err), KC_OK);
	assert_int_equal(staff_add(db, "", "x", STAFF_AGENT, &err), KC_ERR_INVALID);
	kc_error_clear(&err);
	assert_int_equal(staff_add(db, "dan", "x", STAFF_NONE, &err), KC_ERR_INVALID);
	kc_error_clear(&err);

	static const struct {
		const char *who;
		enum staff_role need;
		kc_status want;
	} cases[] = {
		{ "alice", STAFF_NONE, KC_OK },
		{ "alice", STAFF_AGENT, KC_OK },
		{ "alice", STAFF_BILLING, KC_ERR_PERM },
		{ "alice", STAFF_ADMIN, KC_ERR_PERM },
		{ "bob", STAFF_BILLING, KC_OK },
		{ "bob", STAFF_AGENT, KC_ERR_PERM },
		{ "bob", STAFF_ADMIN, KC_ERR_PERM },
		{ "mallory", STAFF_NONE, KC_ERR_PERM },
		{ "mallory", STAFF_AGENT, KC_ERR_PERM },
		{ NULL, STAFF_ADMIN, KC_OK }, /* NULL: back to the OS user, the creator */
		{ NULL, STAFF_BILLING, KC_OK },
		{ NULL, STAFF_AGENT, KC_OK },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		db_set_staff(db, cases[i].who);
		kc_status s = staff_require(db, cases[i].need, &err);
		if (s != cases[i].want)
			fail_msg("case %zu: %d, want %d", i, s, cases[i].want);
		if (s != KC_OK)
			assert_non_null(err.message);
		kc_error_clear(&err);
	}
	db_set_staff(db, "alice");
	assert_int_equal(staff_require(db, STAFF_BILLING, &err), KC_ERR_PERM);
	assert_non_null(strstr(err.message, "billing"));
	kc_error_clear(&err);
	/* Only an admin adds staff. */
	assert_int_equal(staff_add(db, "eve", "Eve", STAFF_ADMIN, &err), KC_ERR_PERM);
	kc_error_clear(&err);
	assert_false(db_in_transaction(db));
	/* An inactive member has no role. */
	db_set_staff(db, NULL);
	exec_ok(db, "UPDATE staff SET active = 0 WHERE username = 'bob'");
	db_set_staff(db, "bob");
	assert_int_equal(staff_require(db, STAFF_BILLING, &err), KC_ERR_PERM);
	kc_error_clear(&err);
	db_close(&db);

	enum staff_role r = STAFF_NONE;
	assert_true(staff_role_parse("Admin", &r));
	assert_int_equal(r, STAFF_ADMIN);
	assert_false(staff_role_parse("none", &r));
	assert_false(staff_role_parse(NULL, &r));
	assert_string_equal(staff_role_name(STAFF_BILLING), "billing");
	assert_string_equal(staff_role_label(STAFF_ADMIN), "administrator");
}

static void test_now_iso_honours_env(void **state)
{
	(void)state;
	char buf[24];
	setenv("KENOCONSOLE_NOW", "2026-11-26T15:00:00Z", 1);
	db_now_iso(buf);
	assert_string_equal(buf, "2026-11-26T15:00:00Z");
	unsetenv("KENOCONSOLE_NOW");
	db_now_iso(buf);
	assert_int_equal(strlen(buf), 20);
	assert_int_equal(buf[10], 'T');
	assert_int_equal(buf[19], 'Z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_null_and_missing),
		cmocka_unit_test(test_pragmas_read_back),
		cmocka_unit_test(test_network_fs_uses_delete_journal),
		cmocka_unit_test(test_foreign_sqlite_file_refused),
		cmocka_unit_test(test_text_file_refused),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_damaged_file_refused),
		cmocka_unit_test(test_read_only_file),
		cmocka_unit_test(test_read_only_folder),
		cmocka_unit_test(test_read_only_cannot_migrate),
		cmocka_unit_test(test_read_only_medium_snapshot),
		cmocka_unit_test(test_concurrent_migration_applies_once),
		cmocka_unit_test(test_killed_mid_migration_keeps_old_version),
		cmocka_unit_test(test_schema_sql_embedded),
		cmocka_unit_test(test_begin_write_nesting),
		cmocka_unit_test(test_busy_after_bounded_retries),
		cmocka_unit_test(test_BIL5_next_sequence_gapless),
		cmocka_unit_test(test_db_fail_mapping),
		cmocka_unit_test(test_constraint_errors_are_invalid),
		cmocka_unit_test(test_audit_json_escaping),
		cmocka_unit_test(test_HIS1_audit_record_and_page),
		cmocka_unit_test(test_HIS1_audit_rows_cannot_change),
		cmocka_unit_test(test_HIS1_audit_rows_cannot_be_replaced),
		cmocka_unit_test(test_BIL5_invoice_lines_immutable),
		cmocka_unit_test(test_no_statement_leaks),
		cmocka_unit_test(test_creator_becomes_admin),
		cmocka_unit_test(test_staff_require_roles),
		cmocka_unit_test(test_now_iso_honours_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
