/* db.c: the SQLite connection, its pragmas, statements and transactions
 * (see db.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/vfs.h>
#endif

#include "date.h"
#include "db.h"
#include "schema.h"
#include "staff.h"
#include "strbuf.h"

#define DB_DEFAULT_BUSY_MS 5000
#define DB_BEGIN_RETRIES 3
#define DB_FORCE_NETFS_ENV "KENOCONSOLE_FORCE_NETFS"

#define DB_STMT_CACHE 64

struct kc_db {
	sqlite3 *h;
	char *path;
	char *staff;
	bool read_only;
	bool immutable;     /* opened with ?immutable=1 (read-only medium) */
	bool create;
	char journal[16];   /* as read back, lower case */
	int busy_ms;
	int depth;          /* nesting of begin calls not yet matched */
	bool write_tx;      /* the outermost transaction is a write */
	bool aborted;       /* an inner level rolled the transaction back */
	sqlite3_stmt **stmts;
	size_t nstmts, capstmts;
	/* Idle prepared statements kept for reuse (see db_prepare): core
	 * modules prepare the same few dozen statements over and over, and
	 * parsing SQL was half the time of a large demo or billing run. */
	sqlite3_stmt *idle[DB_STMT_CACHE];
	size_t nidle;
};

/* Statements finalized by db_close() because their owner forgot them. */
static int leaked_total;

/* --- small helpers ------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Directory part of path ("." when none); heap, NULL on failure. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return kc_strdup(".");
	if (slash == path)
		return kc_strdup("/");
	return kc_strndup(path, (size_t)(slash - path));
}

/*
 * Writable for us: access() says so AND some write bit is set.  The mode
 * check matters for root, for whom access() ignores the bits: a file made
 * 0444 on purpose is opened read-only even then.
 */
static bool writable(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || access(path, W_OK) != 0)
		return false;
	return (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) != 0;
}

static bool fs_read_only(const char *path)
{
	struct statvfs sv;
	return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0;
}

/* Network file systems break WAL's shared memory: use a DELETE journal. */
static bool fs_is_network(const char *path)
{
	const char *force = getenv(DB_FORCE_NETFS_ENV);
	if (force && strcmp(force, "1") == 0)
		return true;
#if defined(__linux__)
	static const uint32_t net_magic[] = {
		0x6969,     /* NFS */
		0x517B,     /* SMB */
		0xFF534D42, /* CIFS */
		0xFE534D42, /* SMB2 */
		0x65735546, /* FUSE (sshfs, ...) */
		0x01021997, /* 9P */
		0x5346414F, /* AFS */
		0x00C36400, /* Ceph */
		0x73757245, /* Coda */
		0x564C,     /* NCP */
		0x7461636F, /* OCFS2 */
		0x01161970, /* GFS2 */
		0x0BD00BD0, /* Lustre */
		0x47504653, /* GPFS */
	};
	struct statfs sf;
	if (statfs(path, &sf) != 0)
		return false;
	uint32_t type = (uint32_t)sf.f_type;
	for (size_t i = 0; i < sizeof net_magic / sizeof net_magic[0]; i++)
		if (type == net_magic[i])
			return true;
#endif
	return false;
}

/*
 * A "file:" URI for path, so that no file name is ever taken for a URI by
 * accident (Debian builds SQLite with URI names on).  Heap, NULL on failure.
 */
static char *path_uri(const char *path, bool immutable)
{
	static const char hex[] = "0123456789ABCDEF";
	strbuf sb = STRBUF_INIT;
	strbuf_append(&sb, path[0] == '/' ? "file://" : "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			strbuf_appendc(&sb, (char)*p);
		} else {
			strbuf_appendc(&sb, '%');
			strbuf_appendc(&sb, hex[*p >> 4]);
			strbuf_appendc(&sb, hex[*p & 15]);
		}
	}
	if (immutable)
		strbuf_append(&sb, "?immutable=1");
	return strbuf_detach(&sb);
}

/* --- errors ---------------------------------------------------------------- */

static kc_status constraint_fail(int rc, kc_error *err)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return kc_error_set(err, KC_ERR_INVALID,
			_("This value is already used by another record; nothing was saved."));
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return kc_error_set(err, KC_ERR_INVALID,
			_("The change refers to a record that does not exist, or removes one still in use; nothing was saved."));
	case SQLITE_CONSTRAINT_NOTNULL:
		return kc_error_set(err, KC_ERR_INVALID,
			_("A required value is missing; nothing was saved."));
	case SQLITE_CONSTRAINT_TRIGGER:
		return kc_error_set(err, KC_ERR_INVALID,
			_("This record can no longer be changed (it is part of the permanent record); nothing was saved."));
	default:
		return kc_error_set(err, KC_ERR_INVALID,
			_("A value is out of the allowed range; nothing was saved."));
	}
}

kc_status db_fail(kc_db *db, int rc, kc_error *err)
{
	switch (rc & 0xFF) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: a database call failed without a reason."));
	case SQLITE_CONSTRAINT:
		return constraint_fail(rc, err);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return kc_error_set(err, KC_ERR_BUSY,
			_("The database is busy (another staff member is saving); try again."));
	case SQLITE_FULL:
		return kc_error_set(err, KC_ERR_IO, _("Disk full: nothing was saved."));
	case SQLITE_IOERR:
		return kc_error_set(err, KC_ERR_IO,
			_("The database file could not be read or written (input/output error); nothing was saved."));
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return kc_error_set(err, KC_ERR_DB,
			_("The database file is damaged; restore it from a backup."));
	case SQLITE_READONLY:
		return kc_error_set(err, KC_ERR_PERM, _("Read-only: changes are not allowed."));
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return kc_error_set(err, KC_ERR_PERM,
			_("Permission denied by the file system for the database file."));
	case SQLITE_CANTOPEN:
		return kc_error_set(err, KC_ERR_IO, _("The database file cannot be opened."));
	case SQLITE_NOMEM:
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	default:
		break;
	}
	const char *msg = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
	return kc_error_set(err, KC_ERR_DB, _("Database error: %s (code %d)."), msg, rc);
}

/* --- statements -------------------------------------------------------------- */

static bool track(kc_db *db, sqlite3_stmt *st)
{
	if (db->nstmts == db->capstmts) {
		size_t cap = db->capstmts ? db->capstmts * 2 : 16;
		sqlite3_stmt **p = realloc(db->stmts, cap * sizeof *p);
		if (!p)
			return false;
		db->stmts = p;
		db->capstmts = cap;
	}
	db->stmts[db->nstmts++] = st;
	return true;
}

/* An idle cached statement with exactly this SQL, taken out of the cache
 * (so a nested use of the same SQL gets its own statement), or NULL. */
static sqlite3_stmt *take_idle(kc_db *db, const char *sql)
{
	for (size_t i = db->nidle; i-- > 0;) {
		if (strcmp(sqlite3_sql(db->idle[i]), sql) == 0) {
			sqlite3_stmt *st = db->idle[i];
			db->idle[i] = db->idle[--db->nidle];
			return st;
		}
	}
	return NULL;
}

/* Resets a statement its owner is done with and keeps it for the next
 * db_prepare of the same SQL; the cache is bounded (oldest finalized). */
static void keep_idle(kc_db *db, sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (db->nidle == DB_STMT_CACHE) {
		sqlite3_finalize(db->idle[0]);
		memmove(db->idle, db->idle + 1, (DB_STMT_CACHE - 1) * sizeof db->idle[0]);
		db->nidle--;
	}
	db->idle[db->nidle++] = st;
}

kc_status db_prepare(kc_db *db, const char *sql, sqlite3_stmt **out, kc_error *err)
{
	*out = NULL;
	if (!db || !db->h || !sql)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: no database."));
	sqlite3_stmt *st = take_idle(db, sql);
	if (st) {
		if (!track(db, st)) {
			sqlite3_finalize(st);
			return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
		}
		*out = st;
		return KC_OK;
	}
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err);
	if (!st)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: empty SQL statement."));
	while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
		tail++;
	sqlite3_stmt *more = NULL;
	if (tail && *tail && (sqlite3_prepare_v2(db->h, tail, -1, &more, NULL) != SQLITE_OK || more)) {
		/* a second statement (comments alone prepare to nothing) */
		sqlite3_finalize(more);
		sqlite3_finalize(st);
		return kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: more than one SQL statement in one call."));
	}
	if (!track(db, st)) {
		sqlite3_finalize(st);
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	}
	*out = st;
	return KC_OK;
}

void db_finalize(kc_db *db, sqlite3_stmt **stmt)
{
	if (!stmt || !*stmt)
		return;
	bool tracked = false;
	if (db) {
		for (size_t i = db->nstmts; i-- > 0;) {
			if (db->stmts[i] == *stmt) {
				db->stmts[i] = db->stmts[--db->nstmts];
				tracked = true;
				break;
			}
		}
	}
	if (tracked)
		keep_idle(db, *stmt);
	else
		sqlite3_finalize(*stmt);
	*stmt = NULL;
}

int db_leaked_statements(const kc_db *db)
{
	return db ? (int)db->nstmts : leaked_total;
}

/* Runs a statement with no parameters and returns column 0 of its first
 * row as an integer (0 when there is no row). */
kc_status db_query_int(kc_db *db, const char *sql, int64_t *out, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status s = db_prepare(db, sql, &st, err);
	if (s != KC_OK)
		return s;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
	}
	s = rc == SQLITE_DONE ? KC_OK : db_fail(db, sqlite3_extended_errcode(db->h), err);
	db_finalize(db, &st);
	return s;
}

/* Like db_query_int for a text column; copies into buf (lower-cased). */
static kc_status query_word(kc_db *db, const char *sql, char *buf, size_t size, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status s = db_prepare(db, sql, &st, err);
	if (s != KC_OK)
		return s;
	buf[0] = '\0';
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		size_t i = 0;
		for (; t && t[i] && i + 1 < size; i++)
			buf[i] = (char)(t[i] >= 'A' && t[i] <= 'Z' ? t[i] - 'A' + 'a' : t[i]);
		buf[i] = '\0';
		rc = SQLITE_DONE;
	}
	s = rc == SQLITE_DONE ? KC_OK : db_fail(db, sqlite3_extended_errcode(db->h), err);
	db_finalize(db, &st);
	return s;
}

kc_status db_exec(kc_db *db, const char *sql, kc_error *err)
{
	if (!db || !db->h || !sql)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: no database."));
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? KC_OK : db_fail(db, sqlite3_extended_errcode(db->h), err);
}

/* --- accessors ------------------------------------------------------------- */

sqlite3 *db_handle(kc_db *db)
{
	return db ? db->h : NULL;
}

const char *db_path(const kc_db *db)
{
	return db ? db->path : "";
}

bool db_is_read_only(const kc_db *db)
{
	return !db || db->read_only;
}

const char *db_journal_mode(const kc_db *db)
{
	return db ? db->journal : "";
}

int db_schema_version(kc_db *db)
{
	int64_t v = -1;
	if (db_query_int(db, "PRAGMA user_version", &v, NULL) != KC_OK)
		return -1;
	return (int)v;
}

int db_latest_version(void)
{
	return schema_latest_version();
}

const char *db_staff(const kc_db *db)
{
	return db && db->staff ? db->staff : staff_os_user();
}

void db_set_staff(kc_db *db, const char *username)
{
	if (!db)
		return;
	char *copy = kc_strdup(username ? username : staff_os_user());
	if (!copy)
		return; /* keep the previous name rather than none */
	free(db->staff);
	db->staff = copy;
}

int64_t db_data_version(kc_db *db)
{
	int64_t v = -1;
	if (db_query_int(db, "PRAGMA data_version", &v, NULL) != KC_OK)
		return -1;
	return v;
}

void db_now_iso(char buf[static 24])
{
	char tmp[DATE_INSTANT_BUFSZ];
	date_instant_format(date_now(), tmp);
	size_t n = strnlen(tmp, 23);
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}

/* --- transactions ---------------------------------------------------------- */

bool db_in_transaction(const kc_db *db)
{
	return db && db->depth > 0;
}

bool db_in_write_transaction(const kc_db *db)
{
	return db && db->depth > 0 && db->write_tx && !db->aborted;
}

/* Opens or nests a transaction; write selects BEGIN IMMEDIATE. */
static kc_status begin(kc_db *db, bool write, kc_error *err)
{
	if (!db || !db->h)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: no database."));
	if (write && db->read_only)
		return kc_error_set(err, KC_ERR_PERM, _("Read-only: changes are not allowed."));
	if (db->depth > 0) {
		if (db->aborted)
			return kc_error_set(err, KC_ERR_INTERNAL,
				_("Internal error: the transaction was already cancelled."));
		if (write && !db->write_tx)
			return kc_error_set(err, KC_ERR_INTERNAL,
				_("Internal error: a change was started inside a read-only transaction."));
		db->depth++;
		return KC_OK;
	}
	const char *sql = write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	/* busy_timeout has already waited; a few more short tries cover a
	 * writer that was just finishing. */
	for (int i = 0; (rc & 0xFF) == SQLITE_BUSY && i < DB_BEGIN_RETRIES; i++) {
		sleep_ms(50L << i);
		rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK)
		return db_fail(db, sqlite3_extended_errcode(db->h), err);
	db->depth = 1;
	db->write_tx = write;
	db->aborted = false;
	return KC_OK;
}

kc_status db_begin_write(kc_db *db, kc_error *err)
{
	return begin(db, true, err);
}

kc_status db_begin_read(kc_db *db, kc_error *err)
{
	return begin(db, false, err);
}

kc_status db_commit(kc_db *db, kc_error *err)
{
	if (!db || !db->h || db->depth <= 0)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: commit without a transaction."));
	if (--db->depth > 0)
		return KC_OK;
	if (db->aborted) {
		db->aborted = false;
		return kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: the transaction was cancelled; nothing was saved."));
	}
	if (sqlite3_get_autocommit(db->h)) /* SQLite rolled back on its own */
		return kc_error_set(err, KC_ERR_DB,
			_("The change was cancelled by the database (disk full or input/output error); nothing was saved."));
	int rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return KC_OK;
	kc_status s = db_fail(db, sqlite3_extended_errcode(db->h), err);
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return s;
}

void db_rollback(kc_db *db)
{
	if (!db || !db->h || db->depth <= 0)
		return;
	if (!db->aborted && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	if (--db->depth > 0)
		db->aborted = true; /* the outer levels learn it at their commit */
	else
		db->aborted = false;
}

kc_status db_change_begin(kc_db *db, kc_error *err)
{
	if (db_is_read_only(db))
		return kc_error_set(err, KC_ERR_PERM, "%s",
			_("The database is open read-only; nothing can be changed"));
	return db_begin_write(db, err);
}

kc_status db_change_end(kc_db *db, kc_status st, kc_error *err)
{
	if (st == KC_OK) {
		st = db_commit(db, err);
		if (st != KC_OK)
			db_rollback(db); /* no-op after a failed commit; kept for safety */
	} else {
		db_rollback(db);
	}
	return st;
}

const char *db_change_when(const char *updated_at, char buf[static DATE_LOCAL_BUFSZ])
{
	kc_instant t;
	if (!updated_at)
		return "?";
	if (date_instant_parse(updated_at, &t, NULL) != KC_OK)
		return updated_at;
	return date_local_format(date_to_local(t), buf);
}

const char *db_change_who(const char *updated_by)
{
	return updated_by ? updated_by : "?";
}

kc_status db_next_sequence(kc_db *db, const char *name, int64_t *out, kc_error *err)
{
	if (!db_in_write_transaction(db))
		return kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: a number was taken outside a write transaction."));
	sqlite3_stmt *st;
	kc_status s = db_prepare(db,
		"UPDATE sequences SET next_value = next_value + 1 WHERE name = ?1"
		" RETURNING next_value - 1", &st, err);
	if (s != KC_OK)
		return s;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	} else if (rc == SQLITE_DONE) {
		s = kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: no sequence called %s."), name);
	}
	if (s == KC_OK && rc != SQLITE_DONE)
		s = db_fail(db, sqlite3_extended_errcode(db->h), err);
	db_finalize(db, &st);
	return s;
}

kc_status db_check_integrity(kc_db *db, bool full, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status s = db_prepare(db, full ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)",
		&st, err);
	if (s != KC_OK) {
		if (err && err->code == KC_ERR_DB)
			kc_error_set(err, KC_ERR_DB,
				_("The database %s is damaged; restore it from a backup."), db_path(db));
		return s;
	}
	strbuf problems = STRBUF_INIT;
	bool unreadable = false;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (!t || strcmp(t, "ok") == 0)
			continue;
		/* A page that cannot be read is an I/O failure of the disk, not
		 * damage in the file: say so rather than list SQLite's report. */
		if (strstr(t, "unable to get the page"))
			unreadable = true;
		if (problems.len)
			strbuf_append(&problems, "; ");
		for (const char *c = t; *c; c++) /* one line per message */
			strbuf_appendc(&problems, *c == '\n' ? ' ' : *c);
	}
	if (unreadable) {
		s = db_fail(db, SQLITE_IOERR, err);
	} else if (rc != SQLITE_DONE) {
		int code = sqlite3_extended_errcode(db->h) & 0xFF;
		if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
			s = kc_error_set(err, KC_ERR_DB,
				_("The database %s is damaged; restore it from a backup."), db_path(db));
		else
			s = db_fail(db, sqlite3_extended_errcode(db->h), err);
	} else if (problems.len) {
		s = kc_error_set(err, KC_ERR_DB,
			_("The database %s is damaged (%s); restore it from a backup."),
			db_path(db), strbuf_cstr(&problems));
	}
	strbuf_free(&problems);
	db_finalize(db, &st);
	return s;
}

/* --- open ------------------------------------------------------------------ */

static void db_free(kc_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nstmts; i++)
		sqlite3_finalize(db->stmts[i]);
	for (size_t i = 0; i < db->nidle; i++)
		sqlite3_finalize(db->idle[i]);
	if (db->h)
		sqlite3_close_v2(db->h);
	free(db->stmts);
	free(db->path);
	free(db->staff);
	free(db);
}

void db_close(kc_db **pdb)
{
	if (!pdb || !*pdb)
		return;
	kc_db *db = *pdb;
	if (db->depth > 0 && db->h && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	leaked_total += (int)db->nstmts;
	db_free(db);
	*pdb = NULL;
}

static kc_status open_handle(kc_db *db, kc_error *err)
{
	char *uri = path_uri(db->path, db->immutable);
	if (!uri)
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	int flags = SQLITE_OPEN_URI;
	if (db->read_only)
		flags |= SQLITE_OPEN_READONLY;
	else
		flags |= SQLITE_OPEN_READWRITE | (db->create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(uri, &db->h, flags, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		kc_status s = kc_error_set(err, rc == SQLITE_NOMEM ? KC_ERR_NOMEM : KC_ERR_IO,
			_("Cannot open the database %s: %s."), db->path,
			db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		sqlite3_close_v2(db->h);
		db->h = NULL;
		return s;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, db->busy_ms);
	return KC_OK;
}

struct header {
	int64_t app_id, user_version, objects;
};

/* One statement, so the three values come from one snapshot. */
static int read_header(kc_db *db, struct header *hd)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h,
		"SELECT (SELECT application_id FROM pragma_application_id),"
		" (SELECT user_version FROM pragma_user_version),"
		" (SELECT count(*) FROM sqlite_schema)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			hd->app_id = sqlite3_column_int64(st, 0);
			hd->user_version = sqlite3_column_int64(st, 1);
			hd->objects = sqlite3_column_int64(st, 2);
			rc = SQLITE_OK;
		} else {
			rc = sqlite3_extended_errcode(db->h);
		}
	} else {
		rc = sqlite3_extended_errcode(db->h);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * quick_check reads every page: about 3 ms per MiB here, so on a large file
 * it would make every open (each command, each console start) slow.  Files
 * up to DB_OPEN_CHECK_MAX_BYTES are checked at every open; larger ones only
 * by `kenoconsole check`, by snapshot verification, and by SQLite itself
 * as pages are read (a damaged page still gives the "damaged" message).
 */
#define DB_OPEN_CHECK_MAX_BYTES (64LL * 1024 * 1024)

static bool open_check_affordable(const kc_db *db)
{
	struct stat st;
	return stat(db->path, &st) != 0 || st.st_size <= DB_OPEN_CHECK_MAX_BYTES;
}

static kc_status header_fail(kc_db *db, int rc, kc_error *err)
{
	switch (rc & 0xFF) {
	case SQLITE_NOTADB:
		return kc_error_set(err, KC_ERR_DB, _("%s: file is not a database."), db->path);
	case SQLITE_CORRUPT:
		return kc_error_set(err, KC_ERR_DB,
			_("The database %s is damaged; restore it from a backup."), db->path);
	default:
		return db_fail(db, rc, err);
	}
}

/*
 * Reads the header; a read-only WAL file whose -shm cannot be created (a
 * snapshot on a read-only medium) is reopened as immutable.
 */
static kc_status probe(kc_db *db, struct header *hd, kc_error *err)
{
	int rc = read_header(db, hd);
	int prim = rc & 0xFF;
	if (rc != SQLITE_OK && db->read_only && !db->immutable &&
	    (prim == SQLITE_CANTOPEN || prim == SQLITE_READONLY)) {
		sqlite3_close_v2(db->h);
		db->h = NULL;
		db->immutable = true;
		kc_status s = open_handle(db, err);
		if (s != KC_OK)
			return s;
		rc = read_header(db, hd);
	}
	if (rc != SQLITE_OK)
		return header_fail(db, rc, err);
	return KC_OK;
}

static kc_status check_header(kc_db *db, const struct header *hd, bool *is_new, kc_error *err)
{
	*is_new = false;
	if (hd->app_id != KC_APPLICATION_ID) {
		if (hd->app_id != 0 || hd->objects != 0 || hd->user_version != 0)
			return kc_error_set(err, KC_ERR_DB,
				_("%s is not a kenoconsole database (it belongs to another program)."),
				db->path);
		*is_new = true;
	}
	if (hd->user_version > db_latest_version())
		return kc_error_set(err, KC_ERR_DB,
			_("%s was created by a newer kenoconsole (schema %d; this program knows up to %d); "
			  "install the newer version."),
			db->path, (int)hd->user_version, db_latest_version());
	return KC_OK;
}

/* Sets an integer pragma and reads it back. */
static kc_status pragma_int(kc_db *db, const char *name, int64_t want, kc_error *err)
{
	char *set = kc_asprintf("PRAGMA %s = %lld", name, (long long)want);
	char *get = kc_asprintf("PRAGMA %s", name);
	kc_status s = set && get ? KC_OK : kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	int64_t got = -1;
	if (s == KC_OK)
		s = db_exec(db, set, err);
	if (s == KC_OK)
		s = db_query_int(db, get, &got, err);
	if (s == KC_OK && got != want)
		s = kc_error_set(err, KC_ERR_DB,
			_("The database %s refused the setting %s = %lld (it says %lld)."),
			db->path, name, (long long)want, (long long)got);
	free(set);
	free(get);
	return s;
}

static kc_status set_journal(kc_db *db, kc_error *err)
{
	if (db->read_only) /* leave the file's mode as it is */
		return query_word(db, "PRAGMA journal_mode", db->journal, sizeof db->journal, err);
	char *dir = dir_of(db->path);
	if (!dir)
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	bool net = fs_is_network(dir);
	free(dir);
	const char *want = net ? "delete" : "wal";
	const char *sql = net ? "PRAGMA journal_mode = DELETE" : "PRAGMA journal_mode = WAL";
	kc_status s = query_word(db, sql, db->journal, sizeof db->journal, err);
	/* Switching needs an exclusive lock taken from a shared one, and SQLite
	 * does not call the busy handler for that upgrade (it could deadlock):
	 * another process opening the same new file at once makes it fail at
	 * once.  Retry for about the busy timeout. */
	for (int waited = 0; s == KC_ERR_BUSY && waited < db->busy_ms; waited += 20) {
		sleep_ms(20);
		s = query_word(db, sql, db->journal, sizeof db->journal, err);
	}
	if (s == KC_OK && strcmp(db->journal, want) != 0)
		s = kc_error_set(err, KC_ERR_DB,
			_("The database %s could not switch to the %s journal (it stays %s); "
			  "close the other programs using it and try again."),
			db->path, want, db->journal);
	return s;
}

static kc_status set_pragmas(kc_db *db, kc_error *err)
{
	kc_status s = pragma_int(db, "foreign_keys", 1, err);
	if (s == KC_OK)
		s = pragma_int(db, "busy_timeout", db->busy_ms, err);
	if (s == KC_OK)
		s = pragma_int(db, "synchronous", 2, err); /* FULL */
	/* The rows REPLACE deletes fire delete triggers only with this: else
	 * an INSERT OR REPLACE could silently remove an audit row or an
	 * invoice line that the no-delete triggers guard (HIS-1, BIL-5). */
	if (s == KC_OK)
		s = pragma_int(db, "recursive_triggers", 1, err);
	if (s == KC_OK)
		s = set_journal(db, err);
	return s;
}

/* Decides read-only mode and whether the file may be created. */
static kc_status choose_mode(kc_db *db, const struct db_open_options *opt, kc_error *err)
{
	struct stat st;
	bool exists = stat(db->path, &st) == 0;
	if (!exists && errno != ENOENT)
		return kc_error_set(err, KC_ERR_IO, _("Cannot read %s: %s."), db->path, strerror(errno));
	if (exists && !S_ISREG(st.st_mode))
		return kc_error_set(err, KC_ERR_IO, _("%s is not a regular file."), db->path);
	if (!exists && !opt->create)
		return kc_error_set(err, KC_ERR_NOT_FOUND, _("The database %s does not exist."), db->path);
	char *dir = dir_of(db->path);
	if (!dir)
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	/* A DELETE journal and WAL's -wal/-shm files both live beside the file. */
	bool dir_ok = writable(dir) && !fs_read_only(dir);
	bool dir_exists = access(dir, F_OK) == 0;
	free(dir);
	if (!exists && !dir_exists)
		return kc_error_set(err, KC_ERR_NOT_FOUND,
			_("Cannot create the database %s: its folder does not exist."), db->path);
	if (!exists) {
		if (opt->read_only || !dir_ok)
			return kc_error_set(err, KC_ERR_PERM,
				_("Cannot create the database %s: its folder is read-only or read-only mode was asked."),
				db->path);
		db->create = true;
		return KC_OK;
	}
	db->read_only = opt->read_only || !dir_ok || !writable(db->path);
	return KC_OK;
}

static kc_status open_checked(kc_db *db, const struct db_open_options *opt, kc_error *err)
{
	kc_status s = choose_mode(db, opt, err);
	if (s == KC_OK)
		s = open_handle(db, err);
	struct header hd = { 0, 0, 0 };
	if (s == KC_OK)
		s = probe(db, &hd, err);
	bool is_new = false;
	if (s == KC_OK)
		s = check_header(db, &hd, &is_new, err);
	if (s == KC_OK)
		s = set_pragmas(db, err);
	if (s == KC_OK && !is_new && open_check_affordable(db))
		s = db_check_integrity(db, false, err);
	if (s != KC_OK || hd.user_version >= db_latest_version())
		return s;
	if (db->read_only)
		return kc_error_set(err, KC_ERR_PERM,
			_("The database %s needs an upgrade to schema %d but is open read-only; "
			  "open it once with write access."),
			db->path, db_latest_version());
	return schema_migrate(db, err);
}

kc_status db_open(const struct db_open_options *opt, kc_db **out, kc_error *err)
{
	if (!out)
		return kc_error_set(err, KC_ERR_INTERNAL, _("Internal error: no database."));
	*out = NULL;
	if (!opt || !opt->path || !opt->path[0])
		return kc_error_set(err, KC_ERR_INVALID, _("No database file was given."));
	kc_db *db = calloc(1, sizeof *db);
	if (!db)
		return kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	db->path = kc_strdup(opt->path);
	db->staff = kc_strdup(staff_os_user());
	db->busy_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : DB_DEFAULT_BUSY_MS;
	kc_status s = db->path && db->staff ? open_checked(db, opt, err)
					    : kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	if (s != KC_OK) {
		db_free(db);
		return s;
	}
	*out = db;
	return KC_OK;
}
