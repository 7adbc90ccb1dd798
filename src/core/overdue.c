/* overdue.c: overdue list and suspension (see overdue.h). */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "overdue.h"

kc_date overdue_cutoff(kc_date as_of)
{
	return date_add_days(as_of, -(OVERDUE_GRACE_DAYS + 1));
}

static kc_status cutoff_text(const char *as_of, char cutoff[static DATE_BUFSZ],
	kc_date *as_of_date, kc_error *err)
{
	kc_date d;
	if (as_of && *as_of) {
		kc_status rc = date_parse(as_of, &d, err);
		if (rc != KC_OK)
			return rc;
	} else {
		d = date_today_local();
	}
	if (as_of_date)
		*as_of_date = d;
	date_format(overdue_cutoff(d), cutoff);
	return KC_OK;
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return kc_strdup(t ? (const char *)t : "");
}

void overdue_rows_clear(struct overdue_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].account_number);
		free(rows[i].holder);
		free(rows[i].status);
		free(rows[i].oldest_date);
		memset(&rows[i], 0, sizeof rows[i]);
	}
}

kc_status overdue_page(kc_db *db, const char *as_of, int64_t after_account_id,
	struct overdue_row *rows, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	char cutoff[DATE_BUFSZ];
	kc_date today;
	kc_status rc = cutoff_text(as_of, cutoff, &today, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_stmt *st;
	/* Accounts in id order (keyset); each correlated subquery walks only
	 * that account's invoices (index invoices_account).  An account owing
	 * nothing overall is not eligible, whatever its invoices say; the unary
	 * + keeps SQLite from using accounts_balance, which would sort every
	 * owing account before returning the first page; +i.status keeps the
	 * subqueries on invoices_account rather than every open invoice. */
	rc = db_prepare(db,
		"SELECT a.id, a.number, a.holder, a.status, a.balance_cents,"
		" (SELECT min(i.invoice_date) FROM invoices i WHERE i.account_id = a.id"
		"   AND +i.status = 'open' AND i.invoice_date <= ?2) AS oldest,"
		" (SELECT count(*) FROM invoices i WHERE i.account_id = a.id"
		"   AND +i.status = 'open' AND i.invoice_date <= ?2),"
		" (SELECT sum(i.total_cents - i.paid_cents - i.credited_cents) FROM invoices i"
		"   WHERE i.account_id = a.id AND +i.status = 'open' AND i.invoice_date <= ?2)"
		" FROM accounts a WHERE a.id > ?1 AND a.status <> 'closed' AND +a.balance_cents > 0"
		" AND oldest IS NOT NULL ORDER BY a.id LIMIT ?3", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, after_account_id);
	sqlite3_bind_text(st, 2, cutoff, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct overdue_row *row = &rows[(*n)++];
		memset(row, 0, sizeof *row);
		row->account_id = sqlite3_column_int64(st, 0);
		row->account_number = col_dup(st, 1);
		row->holder = col_dup(st, 2);
		row->status = col_dup(st, 3);
		row->balance_cents = sqlite3_column_int64(st, 4);
		row->oldest_date = col_dup(st, 5);
		row->invoices = sqlite3_column_int64(st, 6);
		row->overdue_cents = sqlite3_column_int64(st, 7);
		kc_date d;
		if (!row->account_number || !row->holder || !row->status || !row->oldest_date) {
			rc = kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory."));
			break;
		}
		if (date_parse(row->oldest_date, &d, NULL) == KC_OK)
			row->days_late = date_days_between(d, today);
	}
	if (rc == KC_OK && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		overdue_rows_clear(rows, *n);
		*n = 0;
	}
	return rc;
}

kc_status overdue_account_eligible(kc_db *db, int64_t account_id, const char *as_of,
	bool *eligible, kc_error *err)
{
	char cutoff[DATE_BUFSZ];
	*eligible = false;
	kc_status rc = cutoff_text(as_of, cutoff, NULL, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_stmt *st;
	rc = db_prepare(db,
		"SELECT EXISTS (SELECT 1 FROM invoices WHERE account_id = ?1 AND +status = 'open'"
		" AND invoice_date <= ?2)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, cutoff, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*eligible = sqlite3_column_int(st, 0) != 0;
	else
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	return rc;
}

kc_status overdue_suspend(kc_db *db, int64_t account_id, const char *as_of, const char *note,
	kc_error *err)
{
	if (db_is_read_only(db))
		return kc_error_set(err, KC_ERR_PERM, "%s",
			_("The database is open read-only; nothing can be changed"));
	kc_status rc = db_begin_write(db, err);
	if (rc != KC_OK)
		return rc;
	bool eligible;
	rc = overdue_account_eligible(db, account_id, as_of, &eligible, err);
	if (rc == KC_OK && !eligible)
		rc = kc_error_set(err, KC_ERR_RULE,
			_("BIL-6: account %" PRId64 " has no invoice unpaid more than %d days after its date."),
			account_id, OVERDUE_GRACE_DAYS);
	if (rc == KC_OK)
		rc = account_suspend(db, account_id, 0, "overdue", note ? note : "", err);
	if (rc == KC_OK)
		return db_commit(db, err);
	db_rollback(db);
	return rc;
}
