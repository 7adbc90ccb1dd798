/* staff.c: staff identity and roles (see staff.h). */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "audit.h"
#include "staff.h"
#include "strbuf.h"

static const struct {
	enum staff_role role;
	const char *key;   /* stored in staff.role */
	const char *label; /* shown, translated */
} roles[] = {
	{ STAFF_NONE, "none", N_("no role") },
	{ STAFF_AGENT, "agent", N_("agent") },
	{ STAFF_BILLING, "billing", N_("billing") },
	{ STAFF_ADMIN, "admin", N_("administrator") },
};

const char *staff_os_user(void)
{
	static char *name;
	if (!name) {
		/* getpwuid, never $USER: the environment is not an identity. */
		struct passwd *pw = getpwuid(getuid());
		if (pw && pw->pw_name && pw->pw_name[0])
			name = kc_strdup(pw->pw_name);
		else
			name = kc_asprintf("uid%lu", (unsigned long)getuid());
	}
	return name ? name : "?";
}

const char *staff_role_name(enum staff_role r)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (roles[i].role == r)
			return roles[i].key;
	return "none";
}

const char *staff_role_label(enum staff_role r)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (roles[i].role == r)
			return _(roles[i].label);
	return _(roles[0].label);
}

bool staff_role_parse(const char *s, enum staff_role *out)
{
	if (!s)
		return false;
	for (size_t i = 1; i < sizeof roles / sizeof roles[0]; i++) {
		if (strcasecmp(s, roles[i].key) == 0) {
			if (out)
				*out = roles[i].role;
			return true;
		}
	}
	return false;
}

/* Inserts one staff row and its audit row; the caller holds the write tx. */
static kc_status insert_staff(kc_db *db, const char *username, const char *display_name,
	enum staff_role role, kc_error *err)
{
	char now[24];
	db_now_iso(now);
	sqlite3_stmt *st;
	kc_status s = db_prepare(db,
		"INSERT INTO staff (username, display_name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
		&st, err);
	if (s != KC_OK)
		return s;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, display_name ? display_name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, staff_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		rc = sqlite3_extended_errcode(db_handle(db));
		s = rc == SQLITE_CONSTRAINT_UNIQUE
			? kc_error_set(err, KC_ERR_INVALID, _("%s is already on the staff list."), username)
			: db_fail(db, rc, err);
	}
	db_finalize(db, &st);
	if (s != KC_OK)
		return s;
	int64_t id = sqlite3_last_insert_rowid(db_handle(db));
	strbuf js = STRBUF_INIT;
	audit_json_begin(&js);
	audit_json_str(&js, "username", username);
	audit_json_str(&js, "display_name", display_name ? display_name : "");
	audit_json_str(&js, "role", staff_role_name(role));
	audit_json_end(&js);
	if (strbuf_failed(&js))
		s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	else
		s = audit_record(db, "staff", id, 0, "staff.add", NULL, strbuf_cstr(&js), err);
	strbuf_free(&js);
	return s;
}

kc_status staff_ensure_creator(kc_db *db, kc_error *err)
{
	kc_status s = db_begin_write(db, err);
	if (s != KC_OK)
		return s;
	int64_t n = 0;
	s = db_query_int(db, "SELECT count(*) FROM staff", &n, err);
	if (s == KC_OK && n == 0)
		s = insert_staff(db, db_staff(db), "", STAFF_ADMIN, err);
	if (s != KC_OK) {
		db_rollback(db);
		return s;
	}
	return db_commit(db, err);
}

kc_status staff_role_of(kc_db *db, const char *username, enum staff_role *out, kc_error *err)
{
	*out = STAFF_NONE;
	if (!username)
		return KC_OK;
	sqlite3_stmt *st;
	kc_status s = db_prepare(db, "SELECT role, active FROM staff WHERE username = ?1", &st, err);
	if (s != KC_OK)
		return s;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		enum staff_role r;
		if (sqlite3_column_int(st, 1) == 1 &&
		    staff_role_parse((const char *)sqlite3_column_text(st, 0), &r))
			*out = r;
	} else if (rc != SQLITE_DONE) {
		s = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	}
	db_finalize(db, &st);
	return s;
}

kc_status staff_require(kc_db *db, enum staff_role need, kc_error *err)
{
	enum staff_role have;
	const char *who = db_staff(db);
	kc_status s = staff_role_of(db, who, &have, err);
	if (s != KC_OK)
		return s;
	if (have == STAFF_NONE)
		return kc_error_set(err, KC_ERR_PERM,
			_("%s is not on the staff list of this database; an administrator can add them."),
			who);
	if (have == STAFF_ADMIN || need == STAFF_NONE || need == have)
		return KC_OK;
	return kc_error_set(err, KC_ERR_PERM,
		_("This needs the %s role; %s has the %s role."),
		staff_role_label(need), who, staff_role_label(have));
}

kc_status staff_add(kc_db *db, const char *username, const char *display_name,
	enum staff_role role, kc_error *err)
{
	size_t len = username ? strlen(username) : 0;
	if (len == 0 || len > 64)
		return kc_error_set(err, KC_ERR_INVALID,
			_("A staff user name must have 1 to 64 characters."));
	if (role == STAFF_NONE)
		return kc_error_set(err, KC_ERR_INVALID,
			_("Choose a role: agent, billing or admin."));
	kc_status s = db_begin_write(db, err);
	if (s != KC_OK)
		return s;
	s = staff_require(db, STAFF_ADMIN, err);
	if (s == KC_OK)
		s = insert_staff(db, username, display_name, role, err);
	if (s != KC_OK) {
		db_rollback(db);
		return s;
	}
	return db_commit(db, err);
}
