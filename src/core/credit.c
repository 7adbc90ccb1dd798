/* credit.c: store credit and credit notes (see credit.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "credit.h"
#include "invoice.h"
#include "strbuf.h"

#define EXPIRE_BATCH 256

kc_date credit_expiry_for(kc_date issued)
{
	return date_cycle_nth(CYCLE_MONTHLY, issued, 24);
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory."));
}

static kc_status fail(kc_db *db, kc_error *err)
{
	return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

static kc_status day_or_today(const char *text, kc_date *out, kc_error *err)
{
	if (!text || !*text) {
		*out = date_today_local();
		return KC_OK;
	}
	return date_parse(text, out, err);
}

static kc_status account_exists(kc_db *db, int64_t account_id, kc_error *err)
{
	int64_t found = 0;
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db, "SELECT count(*) FROM accounts WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = sqlite3_column_int64(st, 0);
	else
		rc = fail(db, err);
	db_finalize(db, &st);
	if (rc == KC_OK && !found)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no account %" PRId64 "."), account_id);
	return rc;
}

/* Audit row for a store credit's status change. */
static kc_status audit_status(kc_db *db, int64_t id, int64_t account_id, const char *action,
	const char *from, const char *to, kc_error *err)
{
	strbuf o = STRBUF_INIT, n = STRBUF_INIT;
	audit_json_begin(&o);
	audit_json_str(&o, "status", from);
	audit_json_end(&o);
	audit_json_begin(&n);
	audit_json_str(&n, "status", to);
	audit_json_end(&n);
	kc_status rc = (strbuf_failed(&o) || strbuf_failed(&n)) ? nomem(err)
		: audit_record(db, "store_credit", id, account_id, action, strbuf_cstr(&o),
			strbuf_cstr(&n), err);
	strbuf_free(&o);
	strbuf_free(&n);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Store credit                                                            */

static bool source_valid(const char *s)
{
	static const char *const sources[] = { "overpayment", "sla", "refund", "goodwill" };
	for (size_t i = 0; s && i < sizeof sources / sizeof sources[0]; i++)
		if (strcmp(s, sources[i]) == 0)
			return true;
	return false;
}

static kc_status insert_credit(kc_db *db, int64_t account_id, const char *source,
	kc_cents amount, kc_date issued, const char *note, int64_t *out_id, kc_error *err)
{
	char on[DATE_BUFSZ], until[DATE_BUFSZ];
	date_format(issued, on);
	date_format(credit_expiry_for(issued), until);
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"INSERT INTO store_credits (account_id, source, amount_cents, remaining_cents,"
		" issued_on, expires_on, note, created_by) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7)",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, amount);
	sqlite3_bind_text(st, 4, on, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, until, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, note ? note : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, db_staff(db), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK)
		return rc;
	int64_t id = sqlite3_last_insert_rowid(db_handle(db));
	if (out_id)
		*out_id = id;
	strbuf j = STRBUF_INIT;
	audit_json_begin(&j);
	audit_json_str(&j, "source", source);
	audit_json_int(&j, "amount_cents", amount);
	audit_json_str(&j, "issued_on", on);
	audit_json_str(&j, "expires_on", until);
	if (note && *note)
		audit_json_str(&j, "note", note);
	audit_json_end(&j);
	rc = strbuf_failed(&j) ? nomem(err)
		: audit_record(db, "store_credit", id, account_id, "credit.add", NULL, strbuf_cstr(&j), err);
	strbuf_free(&j);
	return rc;
}

kc_status credit_add(kc_db *db, int64_t account_id, const char *source, kc_cents amount,
	const char *issued_on, const char *note, int64_t *out_id, kc_error *err)
{
	if (!source_valid(source))
		return kc_error_set(err, KC_ERR_INVALID,
			_("Unknown store credit source \"%s\": use overpayment, sla, refund or goodwill."),
			source ? source : "");
	if (amount <= 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("A store credit must be more than zero."));
	kc_date issued;
	kc_status rc = day_or_today(issued_on, &issued, err);
	if (rc != KC_OK)
		return rc;
	if ((rc = db_change_begin(db, err)) != KC_OK)
		return rc;
	rc = account_exists(db, account_id, err);
	if (rc == KC_OK)
		rc = insert_credit(db, account_id, source, amount, issued, note, out_id, err);
	return db_change_end(db, rc, err);
}

void credit_rows_free(struct credit_row **rows, size_t n)
{
	if (!rows || !*rows)
		return;
	for (size_t i = 0; i < n; i++)
		free((*rows)[i].note);
	free(*rows);
	*rows = NULL;
}

static void copy_text(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

kc_status credit_list(kc_db *db, int64_t account_id, struct credit_row **rows, size_t *n,
	kc_error *err)
{
	*rows = NULL;
	*n = 0;
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT id, source, status, issued_on, expires_on, amount_cents, remaining_cents, note"
		" FROM store_credits WHERE account_id = ?1 ORDER BY issued_on, id", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	size_t cap = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t c = cap ? cap * 2 : 8;
			struct credit_row *p = realloc(*rows, c * sizeof *p);
			if (!p) {
				rc = nomem(err);
				break;
			}
			*rows = p;
			cap = c;
		}
		struct credit_row *row = &(*rows)[(*n)++];
		memset(row, 0, sizeof *row);
		row->id = sqlite3_column_int64(st, 0);
		copy_text(st, 1, row->source, sizeof row->source);
		copy_text(st, 2, row->status, sizeof row->status);
		copy_text(st, 3, row->issued_on, sizeof row->issued_on);
		copy_text(st, 4, row->expires_on, sizeof row->expires_on);
		row->amount = sqlite3_column_int64(st, 5);
		row->remaining = sqlite3_column_int64(st, 6);
		const unsigned char *note = sqlite3_column_text(st, 7);
		if (!(row->note = kc_strdup(note ? (const char *)note : ""))) {
			rc = nomem(err);
			break;
		}
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		credit_rows_free(rows, *n);
		*n = 0;
	}
	return rc;
}

kc_status credit_available(kc_db *db, int64_t account_id, const char *on, kc_cents *out,
	kc_error *err)
{
	kc_date d;
	kc_status rc = day_or_today(on, &d, err);
	if (rc != KC_OK)
		return rc;
	char day[DATE_BUFSZ];
	date_format(d, day);
	sqlite3_stmt *st;
	rc = db_prepare(db,
		"SELECT coalesce(sum(remaining_cents), 0) FROM store_credits WHERE account_id = ?1"
		" AND status = 'active' AND issued_on <= ?2 AND expires_on > ?2", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = fail(db, err);
	db_finalize(db, &st);
	return rc;
}

/* Marks one credit (still active) with a new status and audits it. */
static kc_status close_credit(kc_db *db, int64_t id, int64_t account_id, const char *status,
	const char *action, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"UPDATE store_credits SET status = ?2, version = version + 1"
		" WHERE id = ?1 AND status = 'active'", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	if (rc == KC_OK)
		rc = audit_status(db, id, account_id, action, "active", status, err);
	return rc;
}

/* Up to EXPIRE_BATCH active credits matching the filter, after id `after`. */
static kc_status collect(kc_db *db, const char *sql, int64_t key, const char *day, int64_t after,
	int64_t *ids, int64_t *accounts, size_t *n, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db, sql, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, after);
	sqlite3_bind_int(st, 4, EXPIRE_BATCH);
	*n = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		ids[*n] = sqlite3_column_int64(st, 0);
		accounts[(*n)++] = sqlite3_column_int64(st, 1);
	}
	if (r != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	return rc;
}

/* Closes every credit the query returns, in batches, in one transaction. */
static kc_status close_all(kc_db *db, const char *sql, int64_t key, const char *day,
	const char *status, const char *action, int64_t *count, kc_error *err)
{
	kc_status rc = db_change_begin(db, err);
	if (rc != KC_OK)
		return rc;
	int64_t ids[EXPIRE_BATCH], accounts[EXPIRE_BATCH], after = 0, done = 0;
	size_t n = EXPIRE_BATCH;
	while (rc == KC_OK && n == EXPIRE_BATCH) {
		rc = collect(db, sql, key, day, after, ids, accounts, &n, err);
		for (size_t i = 0; rc == KC_OK && i < n; i++, done++)
			rc = close_credit(db, ids[i], accounts[i], status, action, err);
		if (n > 0)
			after = ids[n - 1];
	}
	rc = db_change_end(db, rc, err);
	if (count)
		*count = rc == KC_OK ? done : 0;
	return rc;
}

kc_status credit_expire(kc_db *db, const char *as_of, int64_t *count, kc_error *err)
{
	kc_date d;
	kc_status rc = day_or_today(as_of, &d, err);
	if (rc != KC_OK)
		return rc;
	char day[DATE_BUFSZ];
	date_format(d, day);
	return close_all(db,
		"SELECT id, account_id FROM store_credits WHERE ?1 = ?1 AND status = 'active'"
		" AND expires_on <= ?2 AND id > ?3 ORDER BY id LIMIT ?4",
		0, day, "expired", "credit.expire", count, err);
}

kc_status credit_forfeit_all(kc_db *db, int64_t account_id, kc_error *err)
{
	return close_all(db,
		"SELECT id, account_id FROM store_credits WHERE account_id = ?1 AND ?2 IS NULL"
		" AND status = 'active' AND id > ?3 ORDER BY id LIMIT ?4",
		account_id, NULL, "forfeited", "credit.forfeit", NULL, err);
}

/* ---------------------------------------------------------------------- */
/* Credit notes (BIL-5)                                                    */

struct cn_invoice {
	int64_t id, account_id;
	kc_cents subtotal, total, paid, credited;
};

static kc_status load_invoice(kc_db *db, int64_t number, struct cn_invoice *inv, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT id, account_id, subtotal_cents, total_cents, paid_cents, credited_cents"
		" FROM invoices WHERE number = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		inv->id = sqlite3_column_int64(st, 0);
		inv->account_id = sqlite3_column_int64(st, 1);
		inv->subtotal = sqlite3_column_int64(st, 2);
		inv->total = sqlite3_column_int64(st, 3);
		inv->paid = sqlite3_column_int64(st, 4);
		inv->credited = sqlite3_column_int64(st, 5);
	} else if (r == SQLITE_DONE) {
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no invoice number %" PRId64 "."),
			number);
	} else {
		rc = fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* Each of the invoice's taxes in proportion amount / subtotal, rounded once. */
static kc_status proportional_tax(kc_db *db, const struct cn_invoice *inv, kc_cents amount,
	kc_cents *tax, kc_error *err)
{
	*tax = 0;
	if (inv->subtotal <= 0)
		return KC_OK;
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT amount_cents FROM invoice_taxes WHERE invoice_id = ?1 ORDER BY id", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, inv->id);
	int r;
	while (rc == KC_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		kc_cents part;
		if (!money_mul_rate(sqlite3_column_int64(st, 0), amount, inv->subtotal, &part)
			|| !money_add(*tax, part, tax))
			rc = kc_error_set(err, KC_ERR_INVALID, "%s", _("The amount is too large."));
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	return rc;
}

static kc_status insert_credit_note(kc_db *db, const struct cn_invoice *inv, int64_t inv_number,
	struct credit_note_result *res, const char *reason, const char *day, kc_error *err)
{
	kc_status rc = db_next_sequence(db, "credit_note", &res->number, err);
	if (rc != KC_OK)
		return rc;
	char now[24];
	db_now_iso(now);
	sqlite3_stmt *st;
	rc = db_prepare(db,
		"INSERT INTO credit_notes (number, invoice_id, account_id, issued_on, subtotal_cents,"
		" tax_cents, total_cents, reason, created_at, created_by)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, res->number);
	sqlite3_bind_int64(st, 2, inv->id);
	sqlite3_bind_int64(st, 3, inv->account_id);
	sqlite3_bind_text(st, 4, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, res->subtotal);
	sqlite3_bind_int64(st, 6, res->tax);
	sqlite3_bind_int64(st, 7, res->total);
	sqlite3_bind_text(st, 8, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, db_staff(db), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK)
		return rc;
	res->id = sqlite3_last_insert_rowid(db_handle(db));
	strbuf j = STRBUF_INIT;
	audit_json_begin(&j);
	audit_json_int(&j, "number", res->number);
	audit_json_int(&j, "invoice_number", inv_number);
	audit_json_str(&j, "issued_on", day);
	audit_json_int(&j, "subtotal_cents", res->subtotal);
	audit_json_int(&j, "tax_cents", res->tax);
	audit_json_int(&j, "total_cents", res->total);
	audit_json_str(&j, "reason", reason);
	audit_json_end(&j);
	rc = strbuf_failed(&j) ? nomem(err)
		: audit_record(db, "credit_note", res->id, inv->account_id, "credit_note.issue", NULL,
			strbuf_cstr(&j), err);
	strbuf_free(&j);
	if (rc == KC_OK)
		rc = invoice_settle(db, inv->id, 0, res->total, err);
	return rc;
}

static kc_status credit_note_in_tx(kc_db *db, int64_t invoice_number, kc_cents amount,
	const kc_cents *explicit_tax, const char *reason, const char *day,
	struct credit_note_result *res, kc_error *err)
{
	struct cn_invoice inv = { 0 };
	kc_status rc = load_invoice(db, invoice_number, &inv, err);
	if (rc != KC_OK)
		return rc;
	res->subtotal = amount;
	if (explicit_tax)
		res->tax = *explicit_tax;
	else if ((rc = proportional_tax(db, &inv, amount, &res->tax, err)) != KC_OK)
		return rc;
	if (!money_add(res->subtotal, res->tax, &res->total))
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("The amount is too large."));
	kc_cents remaining = inv.total - inv.paid - inv.credited;
	if (res->total > remaining) {
		char *t = money_format_plain(res->total), *r = money_format_plain(remaining);
		rc = (t && r) ? kc_error_set(err, KC_ERR_RULE,
			_("BIL-5: a credit note of %s (taxes included) is more than the %s left unpaid on invoice %" PRId64 "."),
			t, r, invoice_number) : nomem(err);
		free(t);
		free(r);
		return rc;
	}
	return insert_credit_note(db, &inv, invoice_number, res, reason, day, err);
}

kc_status credit_note_add(kc_db *db, int64_t invoice_number, kc_cents amount,
	const kc_cents *explicit_tax, const char *reason, const char *issued_on,
	struct credit_note_result *out, kc_error *err)
{
	struct credit_note_result local;
	struct credit_note_result *res = out ? out : &local;
	memset(res, 0, sizeof *res);
	if (amount <= 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("A credit note must be more than zero."));
	if (explicit_tax && *explicit_tax < 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("The tax of a credit note cannot be negative."));
	if (!reason || !*reason)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("A credit note needs a reason."));
	kc_date d;
	kc_status rc = day_or_today(issued_on, &d, err);
	if (rc != KC_OK)
		return rc;
	char day[DATE_BUFSZ];
	date_format(d, day);
	if ((rc = db_change_begin(db, err)) != KC_OK)
		return rc;
	rc = credit_note_in_tx(db, invoice_number, amount, explicit_tax, reason, day, res, err);
	rc = db_change_end(db, rc, err);
	if (rc != KC_OK)
		memset(res, 0, sizeof *res);
	return rc;
}
