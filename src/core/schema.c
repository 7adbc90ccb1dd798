/* schema.c: ordered migrations of the database (see schema.h). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "schema.h"
#include "staff.h"

struct schema_step {
	int version;
	const char *file; /* embedded name, data/schema/ */
	/* Runs in the step's transaction after its SQL; may be NULL. */
	kc_status (*after)(kc_db *db, kc_error *err);
};

/* In order; versions are 1, 2, 3, ... with no gap. */
static const struct schema_step steps[] = {
	{ 1, "001-base.sql", staff_ensure_creator },
};

#define NSTEPS (sizeof steps / sizeof steps[0])

int schema_latest_version(void)
{
	return steps[NSTEPS - 1].version;
}

const char *schema_sql(int version)
{
	for (size_t i = 0; i < NSTEPS; i++) {
		if (steps[i].version == version) {
			const struct kc_embedded_file *f = kc_embedded_find(steps[i].file);
			return f ? f->data : NULL;
		}
	}
	return NULL;
}

static bool die_for_test(void)
{
	const char *v = getenv(SCHEMA_TEST_DIE_ENV);
	return v && strcmp(v, "1") == 0;
}

/*
 * The body of one step, inside its transaction.  *skip says another
 * process applied it first.
 */
static kc_status apply_in_tx(kc_db *db, const struct schema_step *step, bool *skip, kc_error *err)
{
	int64_t cur = 0, app = 0, objects = 0;
	kc_status s = db_query_int(db, "PRAGMA user_version", &cur, err);
	if (s == KC_OK)
		s = db_query_int(db, "PRAGMA application_id", &app, err);
	if (s == KC_OK)
		s = db_query_int(db, "SELECT count(*) FROM sqlite_schema", &objects, err);
	if (s != KC_OK)
		return s;
	*skip = cur >= step->version;
	if (*skip)
		return KC_OK;
	/* Checked again under the write lock: the file may have changed since
	 * db_open looked at it. */
	if ((app != KC_APPLICATION_ID && (app != 0 || objects != 0)) || cur != step->version - 1)
		return kc_error_set(err, KC_ERR_DB,
			_("%s is not a kenoconsole database, or its schema (%lld) is not one this program can upgrade."),
			db_path(db), (long long)cur);
	const char *sql = schema_sql(step->version);
	if (!sql)
		return kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: the schema file %s is missing from the program."), step->file);
	s = db_exec(db, sql, err);
	if (s == KC_OK && step->after)
		s = step->after(db, err);
	char *pragmas = kc_asprintf("PRAGMA user_version = %d; PRAGMA application_id = %d",
		step->version, KC_APPLICATION_ID);
	if (s == KC_OK && !pragmas)
		s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	if (s == KC_OK)
		s = db_exec(db, pragmas, err);
	free(pragmas);
	if (s == KC_OK && die_for_test())
		raise(SIGKILL);
	return s;
}

static kc_status apply_step(kc_db *db, const struct schema_step *step, kc_error *err)
{
	kc_status s = db_begin_write(db, err);
	if (s != KC_OK)
		return s;
	bool skip = false;
	s = apply_in_tx(db, step, &skip, err);
	if (s == KC_OK)
		return db_commit(db, err);
	db_rollback(db);
	/* Keep the cause, say which step failed. */
	if (err && err->message) {
		char *why = err->message;
		err->message = NULL;
		kc_error_set(err, s, _("Could not upgrade the database %s to schema %d: %s"),
			db_path(db), step->version, why);
		free(why);
	}
	return s;
}

kc_status schema_migrate(kc_db *db, kc_error *err)
{
	if (db_in_transaction(db))
		return kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: a schema upgrade was started inside a transaction."));
	for (size_t i = 0; i < NSTEPS; i++) {
		if (db_schema_version(db) >= steps[i].version)
			continue;
		kc_status s = apply_step(db, &steps[i], err);
		if (s != KC_OK)
			return s;
	}
	return KC_OK;
}
