/* overdue.c: overdue list and suspension (see overdue.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "overdue.h"
#include "payment.h"

kc_date overdue_cutoff(kc_date as_of)
{
	return date_add_days(as_of, -(OVERDUE_GRACE_DAYS + 1));
}

/* The moments an as_of stands for: the BIL-6 cutoff date, the day itself
 * and the PAY-5 instant (now, or the last second of that office day). */
struct reckoning {
	kc_date day;
	char day_text[DATE_BUFSZ];
	char cutoff[DATE_BUFSZ];
	char instant[DATE_INSTANT_BUFSZ];
};

static kc_status reckon(const char *as_of, struct reckoning *r, kc_error *err)
{
	kc_instant t;
	if (as_of && *as_of) {
		kc_status rc = date_parse(as_of, &r->day, err);
		if (rc != KC_OK)
			return rc;
		kc_local next = { date_add_days(r->day, 1), 0, 0, 0 };
		t = date_from_local(next) - 1;
	} else {
		r->day = date_today_local();
		t = date_now();
	}
	date_format(r->day, r->day_text);
	date_format(overdue_cutoff(r->day), r->cutoff);
	date_instant_format(t, r->instant);
	return KC_OK;
}

/*
 * PAY-5: the oldest passed pay_by of the account's unauthorized-transaction
 * refunds whose reassessment is still unpaid (NULL when none).  Schema 001
 * has no column tying the refund to its reassessment fee: payment.c writes
 * the fee the same day, for the same amount, described "#<payment>" (see
 * payment_refund).  The fee is unpaid while the invoice that billed it is
 * open, or, not invoiced yet, while the account's pending fees exceed the
 * store credit usable on the day (payment_amount_owed's reckoning: a
 * payment made meanwhile is store credit for the next invoice).
 * Parameters :now (instant) and :day (date); the outer query names the
 * account "a".
 */
#define REASSESSMENT_DUE \
	"(SELECT min(r.pay_by) FROM refunds r" \
	"  JOIN fees f ON f.account_id = r.account_id AND f.kind = 'reassessment'" \
	"   AND f.charged_on = r.refunded_on AND f.amount_cents = r.amount_cents" \
	"   AND f.description = '#' || coalesce(r.payment_id, r.id)" \
	"  LEFT JOIN invoices i ON i.id = f.invoice_id" \
	"  WHERE r.account_id = a.id AND r.reason = 'unauthorized' AND r.pay_by <= :now" \
	"  AND (i.status = 'open' OR (f.invoice_id IS NULL" \
	"   AND (SELECT sum(p.amount_cents) FROM fees p" \
	"     WHERE p.account_id = a.id AND p.invoice_id IS NULL)" \
	"   > (SELECT coalesce(sum(s.remaining_cents), 0) FROM store_credits s" \
	"     WHERE s.account_id = a.id AND s.status = 'active' AND s.issued_on <= :day" \
	"     AND s.expires_on > :day))))"

static void bind_named(sqlite3_stmt *st, const char *name, const char *value)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_text(st, i, value, -1, SQLITE_TRANSIENT);
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return kc_strdup(t ? (const char *)t : "");
}

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, size, "%s", t ? (const char *)t : "");
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

/* Days from the office day of an instant to `to`. */
static int64_t days_since_instant(const char *instant, kc_date to)
{
	kc_instant t;
	if (date_instant_parse(instant, &t, NULL) != KC_OK)
		return 0;
	return date_days_between(date_to_local(t).date, to);
}

static kc_status read_row(sqlite3_stmt *st, const struct reckoning *r, struct overdue_row *row,
	kc_error *err)
{
	memset(row, 0, sizeof *row);
	row->account_id = sqlite3_column_int64(st, 0);
	row->account_number = col_dup(st, 1);
	row->holder = col_dup(st, 2);
	row->status = col_dup(st, 3);
	row->balance_cents = sqlite3_column_int64(st, 4);
	row->oldest_date = col_dup(st, 5);
	row->invoices = sqlite3_column_int64(st, 6);
	row->overdue_cents = sqlite3_column_int64(st, 7);
	copy_col(st, 8, row->pay_by, sizeof row->pay_by);
	if (!row->account_number || !row->holder || !row->status || !row->oldest_date)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory."));
	row->invoice_overdue = row->balance_cents > 0 && row->oldest_date[0] != '\0';
	row->reassessment = row->pay_by[0] != '\0';
	snprintf(row->reason, sizeof row->reason, "%s",
		row->invoice_overdue ? "overdue" : "reassessment");
	kc_date d;
	if (row->invoice_overdue && date_parse(row->oldest_date, &d, NULL) == KC_OK)
		row->days_late = date_days_between(d, r->day);
	else if (row->reassessment)
		row->days_late = days_since_instant(row->pay_by, r->day);
	return KC_OK;
}

kc_status overdue_page(kc_db *db, const char *as_of, int64_t after_account_id,
	struct overdue_row *rows, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	struct reckoning rk;
	kc_status rc = reckon(as_of, &rk, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_stmt *st;
	/* Accounts in id order (keyset); each correlated subquery walks only
	 * that account's invoices (index invoices_account) or refunds.  An
	 * account owing nothing overall is not eligible under BIL-6, whatever
	 * its invoices say; the unary + keeps SQLite from using
	 * accounts_balance, which would sort every owing account before
	 * returning the first page; +i.status keeps the subqueries on
	 * invoices_account rather than every open invoice. */
	rc = db_prepare(db,
		"SELECT a.id, a.number, a.holder, a.status, a.balance_cents,"
		" (SELECT min(i.invoice_date) FROM invoices i WHERE i.account_id = a.id"
		"   AND +i.status = 'open' AND i.invoice_date <= :cutoff) AS oldest,"
		" (SELECT count(*) FROM invoices i WHERE i.account_id = a.id"
		"   AND +i.status = 'open' AND i.invoice_date <= :cutoff),"
		" (SELECT sum(i.total_cents - i.paid_cents - i.credited_cents) FROM invoices i"
		"   WHERE i.account_id = a.id AND +i.status = 'open' AND i.invoice_date <= :cutoff),"
		" " REASSESSMENT_DUE " AS pay_by"
		" FROM accounts a WHERE a.id > :after AND a.status <> 'closed'"
		" AND ((+a.balance_cents > 0 AND oldest IS NOT NULL) OR pay_by IS NOT NULL)"
		" ORDER BY a.id LIMIT :limit", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":after"), after_account_id);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), (int64_t)max);
	bind_named(st, ":cutoff", rk.cutoff);
	bind_named(st, ":now", rk.instant);
	bind_named(st, ":day", rk.day_text);
	int r = SQLITE_DONE;
	while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_row(st, &rk, &rows[*n], err);
		(*n)++;
		if (rc != KC_OK)
			break;
	}
	if (rc == KC_OK && *n < max && r != SQLITE_DONE)
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
	struct reckoning rk;
	*eligible = false;
	kc_status rc = reckon(as_of, &rk, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_stmt *st;
	rc = db_prepare(db,
		"SELECT EXISTS (SELECT 1 FROM invoices WHERE account_id = ?1 AND +status = 'open'"
		" AND invoice_date <= ?2)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, rk.cutoff, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*eligible = sqlite3_column_int(st, 0) != 0;
	else
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	return rc;
}

kc_status overdue_reassessment_eligible(kc_db *db, int64_t account_id, const char *as_of,
	bool *eligible, char *pay_by, kc_error *err)
{
	struct reckoning rk;
	*eligible = false;
	if (pay_by)
		pay_by[0] = '\0';
	kc_status rc = reckon(as_of, &rk, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_stmt *st;
	rc = db_prepare(db, "SELECT " REASSESSMENT_DUE " FROM accounts a WHERE a.id = :account",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":account"), account_id);
	bind_named(st, ":now", rk.instant);
	bind_named(st, ":day", rk.day_text);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*eligible = sqlite3_column_type(st, 0) != SQLITE_NULL;
		if (pay_by)
			copy_col(st, 0, pay_by, DATE_INSTANT_BUFSZ);
	} else if (r != SQLITE_DONE) {
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	}
	db_finalize(db, &st);
	return rc;
}

/* The suspension reason the account is eligible for, or NULL. */
static kc_status eligible_reason(kc_db *db, int64_t account_id, const char *as_of,
	const char **reason, kc_error *err)
{
	bool overdue = false, reassessment = false;
	*reason = NULL;
	kc_status rc = overdue_account_eligible(db, account_id, as_of, &overdue, err);
	if (rc == KC_OK && !overdue)
		rc = overdue_reassessment_eligible(db, account_id, as_of, &reassessment, NULL, err);
	if (rc == KC_OK)
		*reason = overdue ? "overdue" : reassessment ? "reassessment" : NULL;
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
	const char *reason = NULL;
	rc = eligible_reason(db, account_id, as_of, &reason, err);
	if (rc == KC_OK && !reason)
		rc = kc_error_set(err, KC_ERR_RULE,
			_("BIL-6: account %" PRId64 " has no invoice unpaid more than %d days after its date, nor (PAY-5) a reassessment unpaid past its %d-hour deadline."),
			account_id, OVERDUE_GRACE_DAYS, PAYMENT_REASSESS_HOURS);
	if (rc == KC_OK)
		rc = account_suspend(db, account_id, 0, reason, note ? note : "", err);
	if (rc == KC_OK)
		return db_commit(db, err);
	db_rollback(db);
	return rc;
}
