/* usage.c: an account's voip.ms usage, paged and summed (see usage.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"

/* Bounds of ISO instant texts: '' sorts before and '~' after any of them. */
#define LOW_END ""
#define HIGH_END "~"

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

static kc_status bad_argument(kc_error *err)
{
	return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
}

/* The UTC instant of an office day's midnight, as text. */
static void midnight_text(kc_date d, char buf[static DATE_INSTANT_BUFSZ])
{
	kc_local l = { d, 0, 0, 0 };
	date_instant_format(date_from_local(l), buf);
}

/* [from, to] office days -> [lo, hi) instant texts; NULL = unbounded. */
static kc_status day_bounds(const char *from, const char *to, char lo[static DATE_INSTANT_BUFSZ],
	char hi[static DATE_INSTANT_BUFSZ], kc_error *err)
{
	kc_date d;
	kc_status rc;
	snprintf(lo, DATE_INSTANT_BUFSZ, "%s", LOW_END);
	snprintf(hi, DATE_INSTANT_BUFSZ, "%s", HIGH_END);
	if (from) {
		if ((rc = date_parse(from, &d, err)) != KC_OK)
			return rc;
		midnight_text(d, lo);
	}
	if (to) {
		if ((rc = date_parse(to, &d, err)) != KC_OK)
			return rc;
		midnight_text(date_add_days(d, 1), hi);
	}
	return KC_OK;
}

/* ---------------------------------------------------------------------- */
/* Calls, keyset paged.                                                    */

void usage_rows_clear(struct usage_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		struct usage_row *r = &rows[i];
		free(r->client);
		free(r->uniqueid);
		free(r->started_at);
		free(r->destination);
		free(r->callerid);
		free(r->description);
		free(r->disposition);
		free(r->currency);
		free(r->rate);
		memset(r, 0, sizeof *r);
	}
}

void usage_cursor_set(struct usage_cursor *c, const struct usage_row *row)
{
	memset(c, 0, sizeof *c);
	if (!row || !row->started_at || strlen(row->started_at) >= sizeof c->started_at)
		return;
	memcpy(c->started_at, row->started_at, strlen(row->started_at) + 1);
	c->id = row->id;
	c->have = true;
}

#define PAGE_COLUMNS \
	"SELECT u.id, u.account_id, u.client, u.uniqueid, u.started_at, u.seconds," \
	" u.cost_units8, u.destination, u.callerid, u.description, u.disposition," \
	" u.currency, u.rate, coalesce(u.invoice_id, 0), coalesce(i.number, 0)," \
	" (SELECT coalesce(sum(a.delta_units8), 0) FROM usage_adjustments a" \
	"  WHERE a.account_id = u.account_id AND a.usage_id = u.id)" \
	" FROM usage_records u LEFT JOIN invoices i ON i.id = u.invoice_id" \
	" WHERE u.account_id = ?1 AND u.started_at >= ?2 AND u.started_at < ?3"

static const char *const page_sql[2] = {
	PAGE_COLUMNS " AND (u.started_at > ?4 OR (u.started_at = ?4 AND u.id > ?5))"
		     " ORDER BY u.started_at, u.id LIMIT ?6",
	PAGE_COLUMNS " AND (u.started_at < ?4 OR (u.started_at = ?4 AND u.id < ?5))"
		     " ORDER BY u.started_at DESC, u.id DESC LIMIT ?6",
};

static char *col_dup(sqlite3_stmt *st, int i, bool *oom)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (!t)
		return NULL;
	char *s = kc_strdup((const char *)t);
	if (!s)
		*oom = true;
	return s;
}

static void read_row(sqlite3_stmt *st, struct usage_row *r, bool *oom)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->account_id = sqlite3_column_int64(st, 1);
	r->client = col_dup(st, 2, oom);
	r->uniqueid = col_dup(st, 3, oom);
	r->started_at = col_dup(st, 4, oom);
	r->seconds = sqlite3_column_int64(st, 5);
	r->cost_units8 = sqlite3_column_int64(st, 6);
	r->destination = col_dup(st, 7, oom);
	r->callerid = col_dup(st, 8, oom);
	r->description = col_dup(st, 9, oom);
	r->disposition = col_dup(st, 10, oom);
	r->currency = col_dup(st, 11, oom);
	r->rate = col_dup(st, 12, oom);
	r->invoice_id = sqlite3_column_int64(st, 13);
	r->invoice_number = sqlite3_column_int64(st, 14);
	r->adjusted_units8 = sqlite3_column_int64(st, 15);
}

/* The index range narrowed by the cursor, so a page never rescans the
 * rows before it: forward lo = max(lo, cursor); backward hi = min(hi,
 * cursor + 1 s) (instants are whole seconds, so "<= c" is "< c + 1 s"). */
static void narrow(const struct usage_cursor *c, bool backward,
	char lo[static DATE_INSTANT_BUFSZ], char hi[static DATE_INSTANT_BUFSZ])
{
	if (!c || !c->have)
		return;
	if (!backward) {
		if (strcmp(c->started_at, lo) > 0)
			snprintf(lo, DATE_INSTANT_BUFSZ, "%s", c->started_at);
		return;
	}
	kc_instant t;
	if (date_instant_parse(c->started_at, &t, NULL) != KC_OK)
		return;
	char next[DATE_INSTANT_BUFSZ];
	date_instant_format(t + 1, next);
	if (strcmp(next, hi) < 0)
		snprintf(hi, DATE_INSTANT_BUFSZ, "%s", next);
}

static void reverse_rows(struct usage_row *rows, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct usage_row x = rows[i];
		rows[i] = rows[n - 1 - i];
		rows[n - 1 - i] = x;
	}
}

kc_status usage_page(kc_db *db, int64_t account_id, const char *from, const char *to,
	const struct usage_cursor *cursor, bool backward, struct usage_row *rows, size_t max,
	size_t *n, kc_error *err)
{
	*n = 0;
	if (!db || (!rows && max))
		return bad_argument(err);
	char lo[DATE_INSTANT_BUFSZ], hi[DATE_INSTANT_BUFSZ];
	kc_status rc = day_bounds(from, to, lo, hi, err);
	if (rc != KC_OK || max == 0)
		return rc;
	narrow(cursor, backward, lo, hi);
	bool have = cursor && cursor->have;
	sqlite3_stmt *st = NULL;
	if ((rc = db_prepare(db, page_sql[backward], &st, err)) != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, have ? cursor->started_at : backward ? HIGH_END : LOW_END, -1,
		SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, have ? cursor->id : 0);
	sqlite3_bind_int64(st, 6, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	int r;
	bool oom = false;
	while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW)
		read_row(st, &rows[(*n)++], &oom);
	if (*n == max)
		r = SQLITE_DONE;
	if (oom)
		rc = nomem(err);
	else if (r != SQLITE_DONE)
		rc = db_fail(db, r, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		usage_rows_clear(rows, *n);
		*n = 0;
	} else if (backward) {
		reverse_rows(rows, *n);
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Sums.                                                                   */

static const char sum_sql[] =
	"SELECT count(*), coalesce(sum(seconds), 0), coalesce(sum(cost_units8), 0),"
	" count(invoice_id), coalesce(sum(CASE WHEN invoice_id IS NOT NULL THEN cost_units8 END), 0)"
	" FROM usage_records WHERE account_id = ?1 AND started_at >= ?2 AND started_at < ?3";

/* Sums of [lo, hi) into c (its dates are left alone). */
static kc_status sum_range(kc_db *db, sqlite3_stmt *st, int64_t account_id, const char *lo,
	const char *hi, struct usage_cycle *c, kc_error *err)
{
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		c->calls = sqlite3_column_int64(st, 0);
		c->seconds = sqlite3_column_int64(st, 1);
		c->cost_units8 = sqlite3_column_int64(st, 2);
		c->calls_invoiced = sqlite3_column_int64(st, 3);
		c->invoiced_units8 = sqlite3_column_int64(st, 4);
		c->calls_pending = c->calls - c->calls_invoiced;
		/* both sums fitted in int64, so their difference does too unless
		 * signs differ wildly; money_sub says */
		if (!money_sub(c->cost_units8, c->invoiced_units8, &c->pending_units8))
			r = SQLITE_TOOBIG;
	}
	sqlite3_reset(st);
	if (r == SQLITE_ROW)
		return KC_OK;
	return r == SQLITE_TOOBIG ? kc_error_set(err, KC_ERR_INVALID,
					    _("The usage amounts are too large to add up"))
				  : db_fail(db, r, err);
}

/* The welcome call of an account (NULL when none yet) in *welcome. */
static kc_status welcome_of(kc_db *db, int64_t account_id, bool *have, kc_date *welcome,
	kc_error *err)
{
	sqlite3_stmt *st = NULL;
	*have = false;
	kc_status rc = db_prepare(db, "SELECT welcome_call FROM accounts WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const char *w = (const char *)sqlite3_column_text(st, 0);
		*have = w && date_parse(w, welcome, NULL) == KC_OK;
	} else if (r == SQLITE_DONE) {
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no account %lld"),
			(long long)account_id);
	} else {
		rc = db_fail(db, r, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* Cycle n: its days and sums. */
static kc_status one_cycle(kc_db *db, sqlite3_stmt *st, int64_t account_id,
	enum cycle_kind kind, kc_date anchor, int n, struct usage_cycle *c, kc_error *err)
{
	memset(c, 0, sizeof *c);
	c->index = n;
	kc_date first = date_cycle_nth(kind, anchor, n);
	kc_date next = date_cycle_nth(kind, anchor, n + 1);
	date_format(first, c->from);
	date_format(date_add_days(next, -1), c->to);
	char lo[DATE_INSTANT_BUFSZ], hi[DATE_INSTANT_BUFSZ];
	midnight_text(first, lo);
	midnight_text(next, hi);
	return sum_range(db, st, account_id, lo, hi, c, err);
}

/* Calls before the welcome call (or all of them without one). */
static kc_status before_cycles(kc_db *db, sqlite3_stmt *st, int64_t account_id, bool have,
	kc_date anchor, struct usage_cycle *c, kc_error *err)
{
	memset(c, 0, sizeof *c);
	c->index = -1;
	char hi[DATE_INSTANT_BUFSZ] = HIGH_END;
	if (have) {
		midnight_text(anchor, hi);
		date_format(date_add_days(anchor, -1), c->to);
	}
	return sum_range(db, st, account_id, LOW_END, hi, c, err);
}

kc_status usage_cycles(kc_db *db, int64_t account_id, enum cycle_kind kind, const char *today,
	int before_index, struct usage_cycle *out, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	if (!db || (!out && max))
		return bad_argument(err);
	kc_date now = date_today_local(), anchor = { 1970, 1, 1 };
	bool have = false;
	kc_status rc = today ? date_parse(today, &now, err) : KC_OK;
	if (rc == KC_OK)
		rc = welcome_of(db, account_id, &have, &anchor, err);
	sqlite3_stmt *st = NULL;
	if (rc != KC_OK || max == 0 || (rc = db_prepare(db, sum_sql, &st, err)) != KC_OK)
		return rc;
	int n0 = have ? date_cycle_index_on_or_before(kind, anchor, now) : -1;
	if (n0 > before_index - 1)
		n0 = before_index - 1;
	for (int k = n0; rc == KC_OK && k >= 0 && *n < max; k--)
		if ((rc = one_cycle(db, st, account_id, kind, anchor, k, &out[*n], err)) == KC_OK)
			(*n)++;
	if (rc == KC_OK && *n < max && before_index > -1) {
		rc = before_cycles(db, st, account_id, have, anchor, &out[*n], err);
		/* shown when it holds calls, or when it is the only bucket */
		if (rc == KC_OK && (out[*n].calls > 0 || !have))
			(*n)++;
	}
	db_finalize(db, &st);
	if (rc != KC_OK)
		*n = 0;
	return rc;
}

kc_status usage_pending_total(kc_db *db, int64_t account_id, struct usage_pending *out,
	kc_error *err)
{
	if (!db || !out)
		return bad_argument(err);
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT (SELECT count(*) FROM usage_records WHERE account_id = ?1 AND invoice_id IS NULL),"
		" (SELECT coalesce(sum(cost_units8), 0) FROM usage_records"
		"  WHERE account_id = ?1 AND invoice_id IS NULL),"
		" (SELECT count(*) FROM usage_adjustments WHERE account_id = ?1 AND invoice_id IS NULL),"
		" (SELECT coalesce(sum(delta_units8), 0) FROM usage_adjustments"
		"  WHERE account_id = ?1 AND invoice_id IS NULL)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		out->calls = sqlite3_column_int64(st, 0);
		out->usage_units8 = sqlite3_column_int64(st, 1);
		out->adjustments = sqlite3_column_int64(st, 2);
		out->adjustments_units8 = sqlite3_column_int64(st, 3);
	} else {
		rc = db_fail(db, r, err);
	}
	db_finalize(db, &st);
	return rc;
}

kc_status usage_totals(kc_db *db, int64_t account_id, struct usage_totals *out, kc_error *err)
{
	if (!db || !out)
		return bad_argument(err);
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT (SELECT count(*) FROM usage_records WHERE account_id = ?1),"
		" (SELECT coalesce(sum(seconds), 0) FROM usage_records WHERE account_id = ?1),"
		" (SELECT coalesce(sum(cost_units8), 0) FROM usage_records WHERE account_id = ?1),"
		" (SELECT coalesce(sum(delta_units8), 0) FROM usage_adjustments WHERE account_id = ?1)",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		out->calls = sqlite3_column_int64(st, 0);
		out->seconds = sqlite3_column_int64(st, 1);
		out->cost_units8 = sqlite3_column_int64(st, 2);
		out->adjustments_units8 = sqlite3_column_int64(st, 3);
	} else {
		rc = db_fail(db, r, err);
	}
	db_finalize(db, &st);
	return rc;
}
