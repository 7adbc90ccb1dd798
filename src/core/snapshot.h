/*
 * snapshot.h: consistent copies of the database for offline review.
 *
 * Contract
 *  - snapshot_create() copies the open database src into the file dest
 *    while other programs keep writing to src.  The copy is one committed
 *    state of src, never half of a transaction:
 *      . WAL source: one read transaction is held on src for the whole
 *        copy, and SQLite's backup API copies pages_per_step pages per step
 *        from that read snapshot; writers are never blocked (WAL lets them
 *        commit past a reader).
 *      . DELETE-journal source (network file system): no lock is held
 *        between two steps, so writers get in between; a commit by another
 *        connection makes the backup start again, and after
 *        SNAPSHOT_MAX_RESTARTS restarts the rest is copied in one step
 *        (writers then wait at most their busy timeout).
 *  - The copy is built in a temporary file beside dest (same folder, mode
 *    0600, named "DEST.tmp-XXXXXX"), switched to journal_mode DELETE (so it
 *    needs no -wal/-shm and opens read-only from read-only media), closed,
 *    fsync()ed, verified by opening it with db_open() read-only
 *    (application_id, schema version, quick_check, journal mode), then
 *    published under dest atomically, and the folder is fsync()ed.  Any
 *    failure removes the temporary file: dest is then untouched.  Only a
 *    failure of that last folder fsync() comes after publication: the new
 *    dest is then removed again (so a failure always means "no new copy";
 *    with force, the file it replaced is gone too).
 *  - Publishing: without force, dest must not exist (checked first, and
 *    again atomically by link(), so a file made meanwhile is never
 *    replaced; on a file system without hard links, by a check just before
 *    rename()); with force an existing regular file is replaced by
 *    rename().  Always refused: dest being the source database itself, dest
 *    being anything but a regular file (a symbolic link included), and a
 *    dest with a "-wal" or "-journal" file beside it (SQLite would apply it
 *    to the new copy).  The copy has mode 0600 (it holds customer data).
 *  - Per-account copy (account_id > 0): the full copy is made first, then,
 *    on the temporary copy only, in ONE transaction: its triggers are
 *    dropped (the audit and invoice triggers forbid deletes), every row not
 *    belonging to the account is deleted, and the triggers are created
 *    again from their saved SQL.  Then PRAGMA foreign_key_check must find
 *    nothing and VACUUM drops the freed pages, so no other account's data
 *    survives in the file.  This keeps the schema, application_id and
 *    user_version exactly (a freshly created schema would also run the
 *    migrations' side effects, such as the first-administrator row).
 *    Rows kept: the account; every row whose account_id is it; rows of
 *    child tables whose parent rows were kept (invoice lines and taxes,
 *    payment allocations, credit applications, ticket events, termination
 *    checklists); its audit rows (its whole history, HIS-2; audit rows of
 *    no account are removed); the sync runs of the account or used by its
 *    usage records; the shared reference tables (staff, prices, add-ons,
 *    sequences).  A table this module does not know is refused
 *    (KC_ERR_INTERNAL, nothing written) rather than copied unfiltered.
 *  - src must not be inside a transaction (KC_ERR_INTERNAL).  src may be
 *    read-only.  Nothing is written to src.
 *  - Errors (translated, in err): KC_ERR_INVALID no dest, dest exists
 *    (without force), is the source or is not a regular file;
 *    KC_ERR_NOT_FOUND the account or dest's folder does not exist;
 *    KC_ERR_PERM dest's folder is not writable; KC_ERR_IO file system (disk
 *    full included); KC_ERR_DB the copy failed its verification;
 *    KC_ERR_BUSY; KC_ERR_NOMEM; KC_ERR_INTERNAL.
 *  - Environment (tests only): KENOCONSOLE_SNAPSHOT_SLOW_MS=N copies 8
 *    pages per step and sleeps N ms (1..10000) between two steps, so a test
 *    of the real binary can make writers land in the middle of a copy.
 */
#ifndef KC_SNAPSHOT_H
#define KC_SNAPSHOT_H

#include "db.h"

#define SNAPSHOT_DEFAULT_PAGES_PER_STEP 256
#define SNAPSHOT_MAX_RESTARTS 8

struct snapshot_options {
	bool force;          /* replace an existing dest */
	int64_t account_id;  /* > 0: only this account (an accounts.id); 0: everything */
	int pages_per_step;  /* pages per backup step; <= 0: the default */
	/* Test seam: called between two backup steps (never after the last
	 * one), with no lock held by the copy in DELETE mode; may be NULL. */
	void (*between_steps)(void *ctx);
	void *ctx;
};

struct snapshot_info {
	int64_t bytes;    /* size of the published file */
	int64_t accounts; /* accounts in the copy */
	int64_t audit;    /* audit (history) rows in the copy */
	int steps;        /* backup steps taken */
	int restarts;     /* times the backup started again after a write */
};

/* See the contract.  opt may be NULL (defaults); info may be NULL. */
kc_status snapshot_create(kc_db *src, const char *dest, const struct snapshot_options *opt,
	struct snapshot_info *info, kc_error *err);

#endif
