/*
 * staff.h: staff identity and roles.
 *
 * Identity is the operating-system user (getpwuid(getuid())), never $USER.
 * Roles: agent (accounts, tickets), billing (invoices, payments, credits),
 * admin (everything, closures, settings).  The user who creates the
 * database becomes its first admin (staff_ensure_creator, called by db
 * creation).  A user not in the table is refused every change.
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

#endif
