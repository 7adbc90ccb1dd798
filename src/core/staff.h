/*
 * staff.h: staff identity and roles.
 *
 * Identity is the operating-system user (getpwuid(getuid())), never $USER.
 * Roles: agent (accounts, tickets), billing (invoices, payments, credits),
 * admin (everything, closures, settings).  The user who creates the
 * database becomes its first admin (staff_ensure_creator, called by db
 * creation).  A user not in the table is refused every change.
 *
 * Administration (staff_add, staff_set_role, staff_set_active): the current
 * staff (db_staff) must be an active admin; each change is one write
 * transaction with its audit row (entity "staff", actions staff.add,
 * staff.role, staff.disable, staff.enable; old and new values as JSON) and
 * bumps staff.version.  The last active admin can be neither demoted nor
 * disabled (KC_ERR_INVALID), so a database always has someone able to
 * manage it.  User names are OS user names: 1 to 64 characters from
 * letters, digits, '.', '_', '-' (and a final '$'), not starting with '-';
 * display names are one line of at most 100 characters of valid UTF-8.
 * Errors: KC_ERR_PERM (not an admin, read-only), KC_ERR_INVALID (bad name or
 * role, duplicate, last admin), KC_ERR_NOT_FOUND (no such staff member),
 * KC_ERR_BUSY, KC_ERR_DB.
 */
#ifndef KC_STAFF_H
#define KC_STAFF_H

#include "db.h"

enum staff_role { STAFF_NONE = 0, STAFF_AGENT, STAFF_BILLING, STAFF_ADMIN };

/* The OS user name; static storage valid for the process. */
const char *staff_os_user(void);
/* The key stored in staff.role ("agent", "billing", "admin"; "none"),
 * static, not translated. */
const char *staff_role_name(enum staff_role r);
/* The role as shown to people, translated ("administrator", ...). */
const char *staff_role_label(enum staff_role r);
/* Accepts the keys above, any case; false (and *out untouched) otherwise. */
bool staff_role_parse(const char *s, enum staff_role *out);

/* Inserts db_staff(db) as admin (with its audit row) when the staff table
 * is empty; nests in the caller's write transaction if there is one. */
kc_status staff_ensure_creator(kc_db *db, kc_error *err);
/* STAFF_NONE (and KC_OK) for an unknown or inactive user. */
kc_status staff_role_of(kc_db *db, const char *username, enum staff_role *out, kc_error *err);
/* KC_OK when the current staff (db_staff) may do something needing `need`
 * (admin may do all; agent and billing each their own area), else
 * KC_ERR_PERM with a translated message naming the role needed.
 * need == STAFF_NONE: any active staff member. */
kc_status staff_require(kc_db *db, enum staff_role need, kc_error *err);
/* Adds a staff member (audit "staff.add"); the current staff must be an
 * admin.  KC_ERR_INVALID for a bad name or role or a name already there. */
kc_status staff_add(kc_db *db, const char *username, const char *display_name,
	enum staff_role role, kc_error *err);

/* True when s is acceptable as a staff user name (see above). */
bool staff_username_valid(const char *s);

/* Gives username another role (audit "staff.role").  *changed (may be
 * NULL) is false when the member already had that role: nothing written. */
kc_status staff_set_role(kc_db *db, const char *username, enum staff_role role,
	bool *changed, kc_error *err);
/* Disables (active false, audit "staff.disable") or enables again
 * ("staff.enable") a member; a disabled member keeps the row (their name
 * stays on the records they changed) but has no role.  *changed as above. */
kc_status staff_set_active(kc_db *db, const char *username, bool active, bool *changed,
	kc_error *err);

struct staff_member {
	int64_t id;
	char *username, *display_name, *created_at; /* heap, owned by the entry */
	enum staff_role role;
	bool active;
	int64_t version;
};
/* Every staff member, active or not, by user name.  *out is a heap array of
 * *n entries (NULL when empty) owned by the caller: staff_members_free(). */
kc_status staff_list(kc_db *db, struct staff_member **out, size_t *n, kc_error *err);
/* Frees the entries, the array, and sets *m to NULL; safe with NULL. */
void staff_members_free(struct staff_member **m, size_t n);

#endif
