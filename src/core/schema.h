/*
 * schema.h: the ordered schema migrations of the database.
 *
 * Contract
 *  - Migration N is the embedded file data/schema/NNN-*.sql (embedded.h),
 *    listed once, in order, in schema.c.  db_latest_version() is the last N.
 *  - schema_migrate() applies every step newer than the file's user_version,
 *    each in its own BEGIN IMMEDIATE transaction (db_begin_write).  Inside
 *    the transaction it re-reads user_version, so two processes migrating
 *    the same file at once apply each step exactly once; then it runs the
 *    SQL, the step's hook (step 1: staff_ensure_creator), sets
 *    PRAGMA user_version = N and application_id, and commits.  A failure
 *    rolls the step back (the file keeps the previous version) and returns
 *    the error with a translated message naming the step.
 *  - Called by db_open() on a writable database with no transaction open;
 *    never call it inside a transaction (KC_ERR_INTERNAL).
 *  - Test hook: with the environment variable
 *    KENOCONSOLE_TEST_DIE_IN_MIGRATION=1 the process kills itself
 *    (SIGKILL) after running a step's SQL and before its COMMIT, so tests
 *    can check that a crash mid-migration leaves the old version intact.
 */
#ifndef KC_SCHEMA_H
#define KC_SCHEMA_H

#include "db.h"

#define SCHEMA_TEST_DIE_ENV "KENOCONSOLE_TEST_DIE_IN_MIGRATION"

/* The newest version (same as db_latest_version()). */
int schema_latest_version(void);
/* The SQL text of a version (static, embedded), or NULL when unknown. */
const char *schema_sql(int version);
kc_status schema_migrate(kc_db *db, kc_error *err);

#endif
