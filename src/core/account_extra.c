/* account_extra.c: an account's contacts and add-ons (see account_extra.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_extra.h"

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return kc_strdup(t ? (const char *)t : "");
}

static void col_copy(sqlite3_stmt *st, int col, char buf[static DATE_BUFSZ])
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, DATE_BUFSZ, "%s", t ? (const char *)t : "");
}

/* Grows *arr (elements of size) to hold n + 1; false when memory runs out. */
static bool grow(void **arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 4;
	void *p = realloc(*arr, c * size);
	if (!p)
		return false;
	memset((char *)p + n * size, 0, (c - n) * size);
	*arr = p;
	*cap = c;
	return true;
}

static kc_status step_fail(kc_db *db, kc_error *err)
{
	return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

void account_extra_contacts_free(struct account_contact **list, size_t n)
{
	if (!list || !*list)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*list)[i].name);
		free((*list)[i].role);
		free((*list)[i].email);
		free((*list)[i].phone);
	}
	free(*list);
	*list = NULL;
}

kc_status account_extra_contacts(kc_db *db, int64_t account_id,
	struct account_contact **list, size_t *n, kc_error *err)
{
	*list = NULL;
	*n = 0;
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db, "SELECT id, name, role, email, phone FROM contacts"
		" WHERE account_id = ?1 AND removed_at IS NULL ORDER BY id", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	size_t cap = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)list, *n, &cap, sizeof **list)) {
			rc = nomem(err);
			break;
		}
		struct account_contact *c = &(*list)[(*n)++];
		c->id = sqlite3_column_int64(st, 0);
		c->name = col_dup(st, 1);
		c->role = col_dup(st, 2);
		c->email = col_dup(st, 3);
		c->phone = col_dup(st, 4);
		if (!c->name || !c->role || !c->email || !c->phone) {
			rc = nomem(err);
			break;
		}
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		account_extra_contacts_free(list, *n);
		*n = 0;
	}
	return rc;
}

void account_extra_addons_free(struct account_addon **list, size_t n)
{
	if (!list || !*list)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*list)[i].code);
		free((*list)[i].name);
	}
	free(*list);
	*list = NULL;
}

kc_status account_extra_addons(kc_db *db, int64_t account_id, const char *language,
	const char *on, struct account_addon **list, size_t *n, kc_error *err)
{
	*list = NULL;
	*n = 0;
	char day[DATE_BUFSZ];
	kc_date d = date_today_local();
	if (on && *on) {
		kc_status prc = date_parse(on, &d, err);
		if (prc != KC_OK)
			return prc;
	}
	date_format(d, day);
	bool fr = language && strncmp(language, "fr", 2) == 0;
	sqlite3_stmt *st;
	/* Active as billing counts it (billing.c S_ADDONS). */
	kc_status rc = db_prepare(db,
		"SELECT aa.id, d.code, d.name_en, d.name_fr, aa.started_on, aa.ended_on,"
		" (SELECT p.monthly_cents FROM addon_prices p WHERE p.addon_id = aa.addon_id"
		"  AND p.effective_from <= ?2 ORDER BY p.effective_from DESC LIMIT 1)"
		" FROM account_addons aa JOIN addons d ON d.id = aa.addon_id"
		" WHERE aa.account_id = ?1 AND aa.started_on <= ?2"
		" AND (aa.ended_on IS NULL OR aa.ended_on > ?2) ORDER BY aa.id", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	size_t cap = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)list, *n, &cap, sizeof **list)) {
			rc = nomem(err);
			break;
		}
		struct account_addon *a = &(*list)[(*n)++];
		a->id = sqlite3_column_int64(st, 0);
		a->code = col_dup(st, 1);
		a->name = col_dup(st, fr ? 3 : 2);
		col_copy(st, 4, a->started_on);
		col_copy(st, 5, a->ended_on);
		a->has_price = sqlite3_column_type(st, 6) != SQLITE_NULL;
		a->monthly = sqlite3_column_int64(st, 6);
		if (!a->code || !a->name) {
			rc = nomem(err);
			break;
		}
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		account_extra_addons_free(list, *n);
		*n = 0;
	}
	return rc;
}
