/* staff.c: staff identity and roles (see staff.h). */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "account.h"
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

#define DISPLAY_NAME_MAX 100

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

/* *found = 1 when username has a row, active or not. */
static kc_status member_exists(kc_db *db, const char *username, int64_t *found, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status s = db_prepare(db, "SELECT count(*) FROM staff WHERE username = ?1", &st, err);
	if (s != KC_OK)
		return s;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*found = sqlite3_column_int64(st, 0);
	else
		s = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
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
	if (have == STAFF_NONE) {
		int64_t known = 0;
		s = member_exists(db, who, &known, err);
		if (s != KC_OK)
			return s;
		if (known)
			return kc_error_set(err, KC_ERR_PERM,
				_("%s is disabled on the staff list of this database; an administrator can enable them again."),
				who);
		return kc_error_set(err, KC_ERR_PERM,
			_("%s is not on the staff list of this database; an administrator can add them."),
			who);
	}
	if (have == STAFF_ADMIN || need == STAFF_NONE || need == have)
		return KC_OK;
	return kc_error_set(err, KC_ERR_PERM,
		_("This needs the %s role; %s has the %s role."),
		staff_role_label(need), who, staff_role_label(have));
}

kc_status staff_add(kc_db *db, const char *username, const char *display_name,
	enum staff_role role, kc_error *err)
{
	if (!staff_username_valid(username))
		return kc_error_set(err, KC_ERR_INVALID,
			_("A staff user name must have 1 to 64 characters: letters, digits, '.', '_' or '-'."));
	if (display_name && !account_text_valid(display_name, DISPLAY_NAME_MAX))
		return kc_error_set(err, KC_ERR_INVALID,
			_("A staff display name must be one line of at most %d characters, without control characters."),
			DISPLAY_NAME_MAX);
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

/* --- administration ---------------------------------------------------------- */

bool staff_username_valid(const char *s)
{
	/* The portable set (POSIX user names), plus the '$' Samba machine
	 * accounts end with: no space, no control character, no shell magic. */
	size_t len = s ? strlen(s) : 0;
	if (len == 0 || len > 64 || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
			  (c == '$' && i == len - 1 && len > 1);
		if (!ok)
			return false;
	}
	return true;
}

/* One staff row as read inside the caller's write transaction. */
struct member_row {
	int64_t id, version;
	enum staff_role role;
	bool active;
};

static kc_status read_member(kc_db *db, const char *username, struct member_row *r,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status s = db_prepare(db,
		"SELECT id, version, role, active FROM staff WHERE username = ?1", &st, err);
	if (s != KC_OK)
		return s;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		r->version = sqlite3_column_int64(st, 1);
		r->active = sqlite3_column_int(st, 3) == 1;
		if (!staff_role_parse((const char *)sqlite3_column_text(st, 2), &r->role))
			r->role = STAFF_NONE;
	} else if (rc == SQLITE_DONE) {
		s = kc_error_set(err, KC_ERR_NOT_FOUND, _("%s is not on the staff list."), username);
	} else {
		s = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	}
	db_finalize(db, &st);
	return s;
}

/* Refuses to leave the database without an active admin. */
static kc_status keep_one_admin(kc_db *db, const char *username, const struct member_row *r,
	enum staff_role role, bool active, kc_error *err)
{
	if (r->role != STAFF_ADMIN || !r->active || (role == STAFF_ADMIN && active))
		return KC_OK;
	int64_t admins = 0;
	kc_status s = db_query_int(db,
		"SELECT count(*) FROM staff WHERE role = 'admin' AND active = 1", &admins, err);
	if (s == KC_OK && admins <= 1)
		s = kc_error_set(err, KC_ERR_INVALID,
			_("%s is the last active administrator; make someone else an administrator first."),
			username);
	return s;
}

/* Writes the new role and active flag of r with its audit row. */
static kc_status write_member(kc_db *db, const struct member_row *r, enum staff_role role,
	bool active, const char *action, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status s = db_prepare(db,
		"UPDATE staff SET role = ?1, active = ?2, version = version + 1"
		" WHERE id = ?3 AND version = ?4", &st, err);
	if (s != KC_OK)
		return s;
	sqlite3_bind_text(st, 1, staff_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, active ? 1 : 0);
	sqlite3_bind_int64(st, 3, r->id);
	sqlite3_bind_int64(st, 4, r->version);
	if (sqlite3_step(st) != SQLITE_DONE)
		s = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	else if (sqlite3_changes(db_handle(db)) != 1) /* cannot happen under BEGIN IMMEDIATE */
		s = kc_error_set(err, KC_ERR_CONFLICT,
			_("Someone else changed this staff member first; try again."));
	db_finalize(db, &st);
	if (s != KC_OK)
		return s;
	strbuf old = STRBUF_INIT, new = STRBUF_INIT;
	audit_json_begin(&old);
	audit_json_begin(&new);
	if (role != r->role) {
		audit_json_str(&old, "role", staff_role_name(r->role));
		audit_json_str(&new, "role", staff_role_name(role));
	}
	if (active != r->active) {
		audit_json_int(&old, "active", r->active);
		audit_json_int(&new, "active", active);
	}
	audit_json_end(&old);
	audit_json_end(&new);
	if (strbuf_failed(&old) || strbuf_failed(&new))
		s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
	else
		s = audit_record(db, "staff", r->id, 0, action, strbuf_cstr(&old),
			strbuf_cstr(&new), err);
	strbuf_free(&old);
	strbuf_free(&new);
	return s;
}

/* The common body: admin check, read, last-admin guard, write. */
static kc_status change_member(kc_db *db, const char *username, const enum staff_role *role,
	const bool *active, bool *changed, kc_error *err)
{
	if (changed)
		*changed = false;
	if (!staff_username_valid(username))
		return kc_error_set(err, KC_ERR_INVALID,
			_("A staff user name must have 1 to 64 characters: letters, digits, '.', '_' or '-'."));
	kc_status s = db_begin_write(db, err);
	if (s != KC_OK)
		return s;
	struct member_row r = { 0 };
	s = staff_require(db, STAFF_ADMIN, err);
	if (s == KC_OK)
		s = read_member(db, username, &r, err);
	enum staff_role new_role = role ? *role : r.role;
	bool new_active = active ? *active : r.active;
	bool differs = new_role != r.role || new_active != r.active;
	if (s == KC_OK && differs)
		s = keep_one_admin(db, username, &r, new_role, new_active, err);
	if (s == KC_OK && differs)
		s = write_member(db, &r, new_role, new_active,
			role ? "staff.role" : new_active ? "staff.enable" : "staff.disable", err);
	if (s != KC_OK) {
		db_rollback(db);
		return s;
	}
	s = db_commit(db, err);
	if (s == KC_OK && changed)
		*changed = differs;
	return s;
}

kc_status staff_set_role(kc_db *db, const char *username, enum staff_role role,
	bool *changed, kc_error *err)
{
	if (role == STAFF_NONE)
		return kc_error_set(err, KC_ERR_INVALID, _("Choose a role: agent, billing or admin."));
	return change_member(db, username, &role, NULL, changed, err);
}

kc_status staff_set_active(kc_db *db, const char *username, bool active, bool *changed,
	kc_error *err)
{
	return change_member(db, username, NULL, &active, changed, err);
}

void staff_members_free(struct staff_member **m, size_t n)
{
	if (!m || !*m)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*m)[i].username);
		free((*m)[i].display_name);
		free((*m)[i].created_at);
	}
	free(*m);
	*m = NULL;
}

/* Copies one row into e; false when memory ran out. */
static bool fill_member(sqlite3_stmt *st, struct staff_member *e)
{
	const char *u = (const char *)sqlite3_column_text(st, 1);
	const char *d = (const char *)sqlite3_column_text(st, 2);
	const char *c = (const char *)sqlite3_column_text(st, 5);
	e->id = sqlite3_column_int64(st, 0);
	e->username = kc_strdup(u ? u : "");
	e->display_name = kc_strdup(d ? d : "");
	e->created_at = kc_strdup(c ? c : "");
	if (!staff_role_parse((const char *)sqlite3_column_text(st, 3), &e->role))
		e->role = STAFF_NONE;
	e->active = sqlite3_column_int(st, 4) == 1;
	e->version = sqlite3_column_int64(st, 6);
	return e->username && e->display_name && e->created_at;
}

kc_status staff_list(kc_db *db, struct staff_member **out, size_t *n, kc_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	kc_status s = db_prepare(db,
		"SELECT id, username, display_name, role, active, created_at, version"
		" FROM staff ORDER BY username", &st, err);
	if (s != KC_OK)
		return s;
	struct staff_member *v = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct staff_member *nv = realloc(v, ncap * sizeof *nv);
			if (!nv) {
				s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
				break;
			}
			v = nv;
			cap = ncap;
		}
		memset(&v[len], 0, sizeof v[len]);
		bool ok = fill_member(st, &v[len]);
		len++; /* counted even when partial, so that it is freed */
		if (!ok) {
			s = kc_error_set(err, KC_ERR_NOMEM, _("Out of memory."));
			break;
		}
	}
	if (s == KC_OK && rc != SQLITE_DONE)
		s = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	if (s != KC_OK) {
		staff_members_free(&v, len);
		return s;
	}
	*out = v;
	*n = len;
	return KC_OK;
}
