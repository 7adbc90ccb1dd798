/*
 * history.h: an account's whole life, newest first (HIS-2).
 *
 * Every change made through core writes an audit row tagged with its
 * account (audit.h), so the account history is the audit trail of that
 * account, described in the user's language.  Paged by audit id (keyset).
 * Strings are heap copies owned by the entry: history_entries_clear().
 */
#ifndef KC_HISTORY_H
#define KC_HISTORY_H

#include "db.h"

struct history_entry {
	int64_t id;          /* audit id: the keyset cursor */
	char *at;            /* ISO instant (UTC) */
	char *staff;
	char *entity;        /* "account", "invoice", "payment", "ticket", ... */
	int64_t entity_id;
	char *action;        /* e.g. "account.activate" */
	char *summary;       /* translated one-line description */
	char *old_values, *new_values; /* JSON or NULL: shown when opened */
};
void history_entries_clear(struct history_entry *e, size_t n);

/* Entries with id < before_id (0: from the newest), newest first. */
kc_status history_page(kc_db *db, int64_t account_id, int64_t before_id,
	struct history_entry *out, size_t max, size_t *n, kc_error *err);
/* Entries with id > after_id, returned newest first (for paging back up). */
kc_status history_page_newer(kc_db *db, int64_t account_id, int64_t after_id,
	struct history_entry *out, size_t max, size_t *n, kc_error *err);

/* Translated one-line description of an audit action with its values. */
char *history_describe(const char *action, const char *entity, int64_t entity_id,
	const char *old_values, const char *new_values);

#endif
