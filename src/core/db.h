/*
 * db.h: the one module that owns the SQLite connection.
 *
 * Contract
 *  - db_open() opens (and with create, creates) one database file, applies
 *    and READS BACK every pragma (foreign_keys=ON, busy_timeout, synchronous
 *    FULL, recursive_triggers=ON so that the rows INSERT OR REPLACE deletes
 *    fire the no-delete triggers, journal_mode WAL on a local disk or DELETE
 *    on a network file system detected with statfs, or when the file is
 *    read-only), checks
 *    application_id (refuses a foreign SQLite file) and user_version (refuses
 *    a schema newer than this program), runs quick_check (refuses a
 *    damaged file; files over 64 MiB are checked by `kenoconsole check`
 *    instead, a full read being too slow for every open), and applies pending migrations, each in one BEGIN IMMEDIATE
 *    transaction (two processes migrating at once apply each step once).
 *  - Opened read-only (asked, or the file/dir is not writable, or on a
 *    read-only medium): no migration, no write; db_is_read_only() says so.
 *    A file with no write permission bit at all counts as not writable even
 *    for root.  A read-only WAL file whose -shm cannot be created (a copy on
 *    a read-only medium) is reopened with "?immutable=1" (a -wal beside it
 *    that was never checkpointed is then ignored).  A schema older than this
 *    program cannot be read-only (KC_ERR_PERM: open it once writable).
 *  - Open errors: KC_ERR_NOT_FOUND (missing, create false), KC_ERR_DB (not
 *    a database, another program's database, newer schema, damaged),
 *    KC_ERR_PERM, KC_ERR_IO, KC_ERR_BUSY.  A brand-new file is one with
 *    application_id 0, user_version 0 and no tables; it gets
 *    KC_APPLICATION_ID in the same transaction as migration 1.
 *  - Environment: KENOCONSOLE_FORCE_NETFS=1 makes the network file system
 *    detector say "network" (tests of the DELETE journal choice); see also
 *    schema.h for the migration test hook.
 *  - The kc_db owns the sqlite3 handle and every statement prepared through
 *    db_prepare(); db_close() finalizes leftovers (and counts them as leaks
 *    in db_leaked_statements() so tests can assert zero).
 *  - Writes: db_begin_write() = BEGIN IMMEDIATE with bounded retry on
 *    SQLITE_BUSY; nested calls only count depth (the outermost commit
 *    commits).  db_rollback() always rolls the outermost back at once; the
 *    outer levels must then call db_rollback (or their db_commit fails with
 *    KC_ERR_INTERNAL, nothing saved), and no new level may begin until the
 *    outermost has ended.  A write cannot nest in a read transaction.  A
 *    transaction
 *    is never left open across user input: front ends call begin/commit
 *    around one core call.
 *  - Errors come back as kc_status with a translated message; nothing exits.
 *  - The staff name stamped on changes is the OS user (getpwuid(getuid())),
 *    overridable for tests with db_set_staff().
 */
#ifndef KC_DB_H
#define KC_DB_H

#include <sqlite3.h>

#include "date.h"
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
/* PRAGMA user_version, or -1 on error. */
int db_schema_version(kc_db *db);
/* The newest schema version this program knows. */
int db_latest_version(void);

/* Staff user name (owned by db). */
const char *db_staff(const kc_db *db);
void db_set_staff(kc_db *db, const char *username);

/* Statements: prepared with sqlite3_prepare_v3, tracked by the kc_db.
 * One statement per call (more is KC_ERR_INTERNAL). */
kc_status db_prepare(kc_db *db, const char *sql, sqlite3_stmt **out, kc_error *err);
/* Finalizes and sets *stmt to NULL; safe with NULL. */
void db_finalize(kc_db *db, sqlite3_stmt **stmt);
/* With a db: statements prepared and not yet finalized (0 between two core
 * calls).  With NULL: statements db_close() had to finalize, summed over
 * the process (leaks). */
int db_leaked_statements(const kc_db *db);
/* Runs one statement without parameters; *out = column 0 of its first row
 * as an integer (0 when no row). */
kc_status db_query_int(kc_db *db, const char *sql, int64_t *out, kc_error *err);

/* Transactions. */
kc_status db_begin_write(kc_db *db, kc_error *err);
kc_status db_begin_read(kc_db *db, kc_error *err);
kc_status db_commit(kc_db *db, kc_error *err);
void db_rollback(kc_db *db);
bool db_in_transaction(const kc_db *db);
/* Inside a live write transaction (begun by db_begin_write, not aborted). */
bool db_in_write_transaction(const kc_db *db);

/* One change to stored rows (the core modules' writing functions).
 * db_change_begin refuses a read-only database (KC_ERR_PERM, translated
 * message), else begins a write transaction.  db_change_end commits when st
 * is KC_OK, else rolls back; it returns the final status. */
kc_status db_change_begin(kc_db *db, kc_error *err);
kc_status db_change_end(kc_db *db, kc_status st, kc_error *err);
/* Optimistic locking: the "at %s" of a "... was changed by %s at %s"
 * conflict message.  updated_at (ISO UTC, may be NULL) as local time written
 * into buf, or updated_at as-is when it does not parse, or "?" when NULL.
 * Returns buf, updated_at or the static "?". */
const char *db_change_when(const char *updated_at, char buf[static DATE_LOCAL_BUFSZ]);
/* The "by %s" of the same message: updated_by, or "?" when NULL. */
const char *db_change_who(const char *updated_by);

/* Runs SQL without results or parameters (several statements allowed). */
kc_status db_exec(kc_db *db, const char *sql, kc_error *err);

/* Turns an (extended) SQLite result code into a kc_status + translated
 * message: CONSTRAINT -> KC_ERR_INVALID, BUSY/LOCKED -> KC_ERR_BUSY,
 * FULL/IOERR/CANTOPEN -> KC_ERR_IO, CORRUPT/NOTADB -> KC_ERR_DB,
 * READONLY/PERM -> KC_ERR_PERM, others KC_ERR_DB with SQLite's text. */
kc_status db_fail(kc_db *db, int rc, kc_error *err);

/* PRAGMA data_version: changes when another connection commits; -1 on error. */
int64_t db_data_version(kc_db *db);

/* Current instant as 'YYYY-MM-DDTHH:MM:SSZ' (uses date_now(), so tests can
 * pin it with KENOCONSOLE_NOW).  Writes into buf (24 bytes). */
void db_now_iso(char buf[static 24]);

/* Next value of a gapless sequence ('invoice', 'credit_note', 'ticket',
 * 'account'); must be called inside a write transaction (else, or for an
 * unknown name, KC_ERR_INTERNAL). */
kc_status db_next_sequence(kc_db *db, const char *name, int64_t *out, kc_error *err);

/* Integrity: PRAGMA quick_check (full=false) or integrity_check; a damaged
 * file is KC_ERR_DB with the first problems in the message. */
kc_status db_check_integrity(kc_db *db, bool full, kc_error *err);

#endif
