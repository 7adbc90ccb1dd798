/* invoice_extra.c: backward keyset positions and totals of the invoice
 * list (see invoice_extra.h).  The filters mirror invoice_page(). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "date.h"
#include "invoice_extra.h"
#include "overdue.h"
#include "strbuf.h"

/* The parts of a query as SQL parameters. */
struct filter {
	const char *status; /* NULL = any */
	char cutoff[DATE_BUFSZ];
};

static kc_status check_date(const char *s, kc_error *err)
{
	kc_date d;
	return (!s || !*s) ? KC_OK : date_parse(s, &d, err);
}

static kc_status filter_init(const struct invoice_query *q, struct filter *f, kc_error *err)
{
	memset(f, 0, sizeof *f);
	f->status = q->status && *q->status ? q->status : NULL;
	if (f->status && strcmp(f->status, "open") && strcmp(f->status, "overdue")
	    && strcmp(f->status, "paid") && strcmp(f->status, "credited"))
		return kc_error_set(err, KC_ERR_INVALID,
			_("Unknown invoice status \"%s\": use open, overdue, paid or credited."), f->status);
	kc_date as_of = date_today_local();
	kc_status rc = KC_OK;
	if (q->as_of && *q->as_of)
		rc = date_parse(q->as_of, &as_of, err);
	if (rc == KC_OK)
		rc = check_date(q->from, err);
	if (rc == KC_OK)
		rc = check_date(q->to, err);
	if (rc == KC_OK)
		date_format(overdue_cutoff(as_of), f->cutoff);
	return rc;
}

/* " AND ..." for the query, parameters ?1..?5 (bound by bind_filter). */
static void append_where(strbuf *sql, const struct invoice_query *q, const struct filter *f)
{
	if (q->account_id > 0)
		strbuf_append(sql, " AND i.account_id = ?1");
	if (q->from && *q->from)
		strbuf_append(sql, " AND i.invoice_date >= ?2");
	if (q->to && *q->to)
		strbuf_append(sql, " AND i.invoice_date <= ?3");
	if (f->status && strcmp(f->status, "overdue") == 0)
		strbuf_append(sql, " AND i.status = 'open' AND i.invoice_date <= ?5");
	else if (f->status)
		strbuf_append(sql, " AND i.status = ?4");
}

static void bind_filter(sqlite3_stmt *st, const struct invoice_query *q, const struct filter *f)
{
	sqlite3_bind_int64(st, 1, q->account_id);
	sqlite3_bind_text(st, 2, q->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->cutoff, -1, SQLITE_STATIC);
}

static kc_status prepare(kc_db *db, strbuf *sql, sqlite3_stmt **st, kc_error *err)
{
	if (strbuf_failed(sql)) {
		strbuf_free(sql);
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	}
	kc_status rc = db_prepare(db, strbuf_cstr(sql), st, err);
	strbuf_free(sql);
	return rc;
}

kc_status invoice_extra_totals(kc_db *db, const struct invoice_query *q,
	struct invoice_totals *out, kc_error *err)
{
	memset(out, 0, sizeof *out);
	struct invoice_query none = { 0 };
	if (!q)
		q = &none;
	struct filter f;
	kc_status rc = filter_init(q, &f, err);
	if (rc != KC_OK)
		return rc;
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql, "SELECT count(*), coalesce(sum(i.total_cents), 0),"
		" coalesce(sum(i.total_cents - i.paid_cents - i.credited_cents), 0)"
		" FROM invoices i WHERE 1");
	append_where(&sql, q, &f);
	sqlite3_stmt *st;
	if ((rc = prepare(db, &sql, &st, err)) != KC_OK)
		return rc;
	bind_filter(st, q, &f);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		out->count = sqlite3_column_int64(st, 0);
		out->total = sqlite3_column_int64(st, 1);
		out->balance = sqlite3_column_int64(st, 2);
	} else {
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	}
	db_finalize(db, &st);
	return rc;
}

kc_status invoice_extra_before(kc_db *db, const struct invoice_query *q,
	const struct invoice_cursor *before, size_t max, struct invoice_cursor *start,
	size_t *count, kc_error *err)
{
	memset(start, 0, sizeof *start);
	*count = 0;
	struct invoice_query none = { 0 };
	if (!q)
		q = &none;
	struct filter f;
	kc_status rc = filter_init(q, &f, err);
	if (rc != KC_OK || max == 0)
		return rc;
	bool bounded = before && before->have;
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql, "SELECT i.invoice_date, i.number FROM invoices i WHERE 1");
	append_where(&sql, q, &f);
	if (bounded)
		strbuf_append(&sql, " AND (i.invoice_date, i.number) < (?6, ?7)");
	/* One row more than asked: the row just before the first one wanted
	 * is where the forward page starts (strictly after it). */
	strbuf_append(&sql, " ORDER BY i.invoice_date DESC, i.number DESC LIMIT ?8");
	sqlite3_stmt *st;
	if ((rc = prepare(db, &sql, &st, err)) != KC_OK)
		return rc;
	bind_filter(st, q, &f);
	if (bounded) {
		sqlite3_bind_text(st, 6, before->date, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, before->number);
	}
	sqlite3_bind_int64(st, 8, (int64_t)max + 1);
	size_t got = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (got == max) {
			const unsigned char *d = sqlite3_column_text(st, 0);
			start->have = true;
			snprintf(start->date, sizeof start->date, "%s", d ? (const char *)d : "");
			start->number = sqlite3_column_int64(st, 1);
			break;
		}
		got++;
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	if (rc == KC_OK)
		*count = got;
	else
		memset(start, 0, sizeof *start);
	return rc;
}
