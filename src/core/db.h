/*
 * db.h: the one module that owns the SQLite connection.
 *
 * Contract
 *  - db_open() opens (and with create, creates) one database file, applies
 *    and READS BACK every pragma (foreign_keys=ON, busy_timeout, synchronous
 *    FULL, journal_mode WAL on a local disk or DELETE on a network file system
 *    detected with statfs, or when the file is read-only), checks
 *    application_id (refuses a foreign SQLite file) and user_version (refuses
 *    a schema newer than this program), runs quick_check (refuses a damaged
 *    file), and applies pending migrations, each in one BEGIN IMMEDIATE
 *    transaction (two processes migrating at once apply each step once).
 *  - Opened read-only (asked, or the file/dir is not writable, or on a
 *    read-only medium): no migration, no write; db_is_read_only() says so.
 *  - The kc_db owns the sqlite3 handle and every statement prepared through
 *    db_prepare(); db_close() finalizes leftovers (and counts them as leaks
 *    in db_leaked_statements() so tests can assert zero).
 *  - Writes: db_begin_write() = BEGIN IMMEDIATE with bounded retry on
 *    SQLITE_BUSY; nested calls only count depth (the outermost commit
 *    commits).  db_rollback() always rolls the outermost back.  A transaction
 *    is never left open across user input: front ends call begin/commit
 *    around one core call.
 *  - Errors come back as kc_status with a translated message; nothing exits.
 *  - The staff name stamped on changes is the OS user (getpwuid(getuid())),
 *    overridable for tests with db_set_staff().
 */
#ifndef KC_DB_H
#define KC_DB_H

#include <sqlite3.h>

#include "kc.h"

#define KC_APPLICATION_ID 0x4B4E5458 /* "KNTX" */

typedef struct kc_db kc_db;

struct db_open_options {
	const char *path;
	bool create;          /* create the file when missing (else refuse) */
	bool read_only;       /* asked for by --read-only */
	int busy_timeout_ms;  /* 0: default 5000 */
};

kc_status db_open(const struct db_open_options *opt, kc_db **out, kc_error *err);
/* Closes and sets *db to NULL; safe with NULL or *db NULL. */
void db_close(kc_db **db);

sqlite3 *db_handle(kc_db *db);
const char *db_path(const kc_db *db);
bool db_is_read_only(const kc_db *db);
/* "wal" or "delete" as read back at open. */
const char *db_journal_mode(const kc_db *db);
int db_schema_version(kc_db *db);
/* The newest schema version this program knows. */
int db_latest_version(void);

/* Staff user name (owned by db). */
const char *db_staff(const kc_db *db);
void db_set_staff(kc_db *db, const char *username);

/* Statements: prepared with sqlite3_prepare_v3, tracked by the kc_db. */
kc_status db_prepare(kc_db *db, const char *sql, sqlite3_stmt **out, kc_error *err);
/* Finalizes and sets *stmt to NULL; safe with NULL. */
void db_finalize(kc_db *db, sqlite3_stmt **stmt);
int db_leaked_statements(const kc_db *db);

/* Transactions. */
kc_status db_begin_write(kc_db *db, kc_error *err);
kc_status db_begin_read(kc_db *db, kc_error *err);
kc_status db_commit(kc_db *db, kc_error *err);
void db_rollback(kc_db *db);
bool db_in_transaction(const kc_db *db);

/* Runs one statement without results (bound params: none). */
kc_status db_exec(kc_db *db, const char *sql, kc_error *err);

/* Turns an SQLite result code into a kc_status + translated message. */
kc_status db_fail(kc_db *db, int rc, kc_error *err);

/* PRAGMA data_version: changes when another connection commits. */
int64_t db_data_version(kc_db *db);

/* Current instant as 'YYYY-MM-DDTHH:MM:SSZ' (uses date_now(), so tests can
 * pin it with KENOCONSOLE_NOW).  Writes into buf (>= 21 bytes). */
void db_now_iso(char buf[static 24]);

/* Next value of a gapless sequence ('invoice', 'ticket', ...); must be
 * called inside a write transaction. */
kc_status db_next_sequence(kc_db *db, const char *name, int64_t *out, kc_error *err);

/* Integrity: PRAGMA quick_check (full=false) or integrity_check. */
kc_status db_check_integrity(kc_db *db, bool full, kc_error *err);

#endif
