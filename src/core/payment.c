/* payment.c: payments, chargebacks, refunds and disputes (see payment.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "credit.h"
#include "date.h"
#include "invoice.h"
#include "payment.h"
#include "paymethod.h"
#include "strbuf.h"

#define REFERENCE_MAX_CHARS 200
#define TEXT_MAX_CHARS 2000
#define RATE_MAX_DECIMALS 10

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory."));
}

static kc_status fail(kc_db *db, kc_error *err)
{
	return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

static kc_status day_or_today(const char *text, char day[static DATE_BUFSZ], kc_error *err)
{
	kc_date d;
	if (!text || !*text) {
		d = date_today_local();
	} else {
		kc_status rc = date_parse(text, &d, err);
		if (rc != KC_OK)
			return rc;
	}
	date_format(d, day);
	return KC_OK;
}

static bool one_of(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

#define ONE_OF(s, arr) one_of((s), (arr), sizeof(arr) / sizeof((arr)[0]))

/* Runs a statement that returns no row, then finalizes it. */
static kc_status run_done(kc_db *db, sqlite3_stmt **st, kc_error *err)
{
	kc_status rc = sqlite3_step(*st) == SQLITE_DONE ? KC_OK : fail(db, err);
	db_finalize(db, st);
	return rc;
}

/* One integer from a query with one int64 parameter (0 when no row). */
static kc_status query_int1(kc_db *db, const char *sql, int64_t p1, int64_t *out, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db, sql, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p1);
	*out = 0;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (r != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	return rc;
}

static kc_status require_account(kc_db *db, int64_t account_id, kc_error *err)
{
	int64_t n;
	kc_status rc = query_int1(db, "SELECT count(*) FROM accounts WHERE id = ?1", account_id, &n,
		err);
	if (rc == KC_OK && n == 0)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no account %" PRId64 "."), account_id);
	return rc;
}

static kc_status check_text(const char *s, size_t max, const char *what, kc_error *err)
{
	if (s && !account_text_valid(s, max))
		return kc_error_set(err, KC_ERR_INVALID,
			_("The %s must be at most %zu characters, without control characters."), what, max);
	return KC_OK;
}

/* A pending fee for the next invoice (BIL-3), with its audit row. */
static kc_status add_fee(kc_db *db, int64_t account_id, const char *kind, kc_cents amount,
	const char *description, const char *on, int64_t *out_id, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"INSERT INTO fees (account_id, kind, amount_cents, taxable, description, charged_on,"
		" created_by) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, amount);
	sqlite3_bind_text(st, 4, description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, on, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, db_staff(db), -1, SQLITE_STATIC);
	if ((rc = run_done(db, &st, err)) != KC_OK)
		return rc;
	int64_t id = sqlite3_last_insert_rowid(db_handle(db));
	if (out_id)
		*out_id = id;
	strbuf j = STRBUF_INIT;
	audit_json_begin(&j);
	audit_json_str(&j, "kind", kind);
	audit_json_int(&j, "amount_cents", amount);
	audit_json_str(&j, "description", description);
	audit_json_str(&j, "charged_on", on);
	audit_json_end(&j);
	rc = strbuf_failed(&j) ? nomem(err)
		: audit_record(db, "fee", id, account_id, "fee.add", NULL, strbuf_cstr(&j), err);
	strbuf_free(&j);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* PAY-2 currency                                                          */

kc_status payment_convert(kc_cents original, const char *rate, kc_cents *cad,
	char **normalized, kc_error *err)
{
	const char *p = rate ? rate : "";
	int64_t num = 0, den = 1;
	int decimals = 0, digits = 0;
	bool dot = false, ok = *p != '\0';
	for (; ok && *p; p++) {
		if (*p == '.' && !dot) {
			dot = true;
		} else if (*p >= '0' && *p <= '9') {
			if (num > (INT64_MAX - 9) / 10 || (dot && ++decimals > RATE_MAX_DECIMALS))
				ok = false;
			num = num * 10 + (*p - '0');
			if (dot)
				den *= 10;
			digits++;
		} else {
			ok = false;
		}
	}
	if (!ok || digits == 0 || num == 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("PAY-2: \"%s\" is not an exchange rate (a decimal number above zero, at most %d decimals, such as 1.3725)."),
			rate ? rate : "", RATE_MAX_DECIMALS);
	kc_cents out;
	if (original <= 0 || !money_mul_rate(original, num, den, &out) || out <= 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("PAY-2: the converted amount must be more than zero."));
	if (normalized) {
		/* integer part without leading zeros, fraction without trailing zeros */
		strbuf sb = STRBUF_INIT;
		strbuf_appendf(&sb, "%" PRId64, num / den);
		int64_t frac = num % den;
		int width = decimals;
		while (frac > 0 && frac % 10 == 0) {
			frac /= 10;
			width--;
		}
		if (frac > 0)
			strbuf_appendf(&sb, ".%0*" PRId64, width, frac);
		*normalized = strbuf_detach(&sb);
		if (!*normalized)
			return nomem(err);
	}
	*cad = out;
	return KC_OK;
}

/* ---------------------------------------------------------------------- */
/* PAY-1 payments                                                          */

static const char *const pay_methods[] = { "visa", "mastercard", "cheque", "wire" };

struct pay_plan {
	char day[DATE_BUFSZ];
	char currency[4];
	char *rate;      /* normalized, heap; NULL for CAD */
	kc_cents cad;
};

static kc_status plan_payment(const struct payment_input *in, struct pay_plan *p, kc_error *err)
{
	memset(p, 0, sizeof *p);
	if (!ONE_OF(in->method, pay_methods))
		return kc_error_set(err, KC_ERR_INVALID,
			_("PAY-1: unknown payment method \"%s\": use visa, mastercard, cheque or wire."),
			in->method ? in->method : "");
	if (in->amount <= 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("A payment must be more than zero."));
	if (in->wire_fee < 0 || (in->wire_fee > 0 && strcmp(in->method, "wire") != 0))
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("PAY-3: a wire fee goes with a wire transfer payment only."));
	kc_status rc = check_text(in->reference, REFERENCE_MAX_CHARS, _("reference"), err);
	if (rc == KC_OK)
		rc = day_or_today(in->received_on, p->day, err);
	if (rc != KC_OK)
		return rc;
	const char *cur = in->currency && *in->currency ? in->currency : "CAD";
	bool letters = strlen(cur) == 3;
	for (int i = 0; letters && i < 3; i++)
		letters = (cur[i] >= 'A' && cur[i] <= 'Z') || (cur[i] >= 'a' && cur[i] <= 'z');
	if (!letters)
		return kc_error_set(err, KC_ERR_INVALID,
			_("PAY-2: \"%s\" is not a currency code (three letters, such as USD)."), cur);
	for (int i = 0; i < 3; i++)
		p->currency[i] = (char)(cur[i] >= 'a' ? cur[i] - 'a' + 'A' : cur[i]);
	if (strcmp(p->currency, "CAD") == 0) {
		if (in->rate && *in->rate)
			return kc_error_set(err, KC_ERR_INVALID, "%s",
				_("PAY-2: a payment in CAD takes no exchange rate."));
		p->cad = in->amount;
		return KC_OK;
	}
	if (!in->rate || !*in->rate)
		return kc_error_set(err, KC_ERR_INVALID,
			_("PAY-2: a payment in %s needs the exchange rate used (CAD per %s)."),
			p->currency, p->currency);
	return payment_convert(in->amount, in->rate, &p->cad, &p->rate, err);
}

static kc_status insert_payment(kc_db *db, const struct payment_input *in,
	const struct pay_plan *p, int64_t *id, kc_error *err)
{
	char now[24];
	db_now_iso(now);
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"INSERT INTO payments (account_id, method, amount_cents, currency,"
		" original_amount_cents, rate, received_on, reference, created_at, created_by)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, in->account_id);
	sqlite3_bind_text(st, 2, in->method, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->cad);
	sqlite3_bind_text(st, 4, p->currency, -1, SQLITE_STATIC);
	if (p->rate) {
		sqlite3_bind_int64(st, 5, in->amount);
		sqlite3_bind_text(st, 6, p->rate, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 7, p->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, in->reference ? in->reference : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, db_staff(db), -1, SQLITE_STATIC);
	rc = run_done(db, &st, err);
	if (rc == KC_OK)
		*id = sqlite3_last_insert_rowid(db_handle(db));
	return rc;
}

static kc_status allocate_one(kc_db *db, int64_t payment_id, int64_t invoice_id, kc_cents amount,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"INSERT INTO payment_allocations (payment_id, invoice_id, amount_cents)"
		" VALUES (?1, ?2, ?3)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, payment_id);
	sqlite3_bind_int64(st, 2, invoice_id);
	sqlite3_bind_int64(st, 3, amount);
	rc = run_done(db, &st, err);
	if (rc == KC_OK)
		rc = invoice_settle(db, invoice_id, amount, 0, err);
	return rc;
}

/* The chosen invoice (must be the account's and open), or refusal. */
static kc_status chosen_invoice(kc_db *db, const struct payment_input *in, int64_t *id,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT id, account_id, status FROM invoices WHERE number = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, in->invoice_number);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int64(st, 1) != in->account_id)
			rc = kc_error_set(err, KC_ERR_INVALID,
				_("Invoice %" PRId64 " belongs to another account."), in->invoice_number);
		else if (strcmp((const char *)sqlite3_column_text(st, 2), "open") != 0)
			rc = kc_error_set(err, KC_ERR_INVALID,
				_("Invoice %" PRId64 " has nothing left to pay."), in->invoice_number);
	} else {
		rc = r == SQLITE_DONE ? kc_error_set(err, KC_ERR_NOT_FOUND,
			_("There is no invoice number %" PRId64 "."), in->invoice_number) : fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* Remaining of one invoice. */
static kc_status invoice_remaining(kc_db *db, int64_t invoice_id, kc_cents *out, kc_error *err)
{
	return query_int1(db,
		"SELECT total_cents - paid_cents - credited_cents FROM invoices WHERE id = ?1",
		invoice_id, out, err);
}

/* PAY-1: the staff's choice first, then the oldest open invoice first. */
static kc_status allocate(kc_db *db, const struct payment_input *in, int64_t payment_id,
	kc_cents cad, struct payment_result *res, kc_error *err)
{
	kc_cents left = cad;
	kc_status rc = KC_OK;
	if (in->invoice_number > 0) {
		int64_t id = 0;
		kc_cents owed = 0;
		rc = chosen_invoice(db, in, &id, err);
		if (rc == KC_OK)
			rc = invoice_remaining(db, id, &owed, err);
		if (rc == KC_OK && owed > 0) {
			kc_cents take = owed < left ? owed : left;
			rc = allocate_one(db, payment_id, id, take, err);
			left -= take;
			res->invoices++;
		}
	}
	while (rc == KC_OK && left > 0) {
		sqlite3_stmt *st;
		rc = db_prepare(db,
			"SELECT id, total_cents - paid_cents - credited_cents FROM invoices"
			" WHERE account_id = ?1 AND +status = 'open'" /* index invoices_account */
			" ORDER BY invoice_date, number LIMIT 1", &st, err);
		if (rc != KC_OK)
			break;
		sqlite3_bind_int64(st, 1, in->account_id);
		int r = sqlite3_step(st);
		int64_t id = 0;
		kc_cents owed = 0;
		if (r == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			owed = sqlite3_column_int64(st, 1);
		} else if (r != SQLITE_DONE) {
			rc = fail(db, err);
		}
		db_finalize(db, &st);
		if (rc != KC_OK || id == 0 || owed <= 0)
			break;
		kc_cents take = owed < left ? owed : left;
		rc = allocate_one(db, payment_id, id, take, err);
		left -= take;
		res->invoices++;
	}
	res->allocated = cad - left;
	res->credit = rc == KC_OK ? left : 0;
	return rc;
}

static kc_status audit_payment(kc_db *db, const struct payment_input *in,
	const struct pay_plan *p, const struct payment_result *res, kc_error *err)
{
	strbuf j = STRBUF_INIT;
	audit_json_begin(&j);
	audit_json_str(&j, "method", in->method);
	audit_json_int(&j, "amount_cents", p->cad);
	audit_json_str(&j, "currency", p->currency);
	if (p->rate) {
		audit_json_int(&j, "original_amount_cents", in->amount);
		audit_json_str(&j, "rate", p->rate);
	}
	audit_json_str(&j, "received_on", p->day);
	audit_json_str(&j, "reference", in->reference ? in->reference : "");
	audit_json_int(&j, "allocated_cents", res->allocated);
	audit_json_int(&j, "credit_cents", res->credit);
	audit_json_end(&j);
	kc_status rc = strbuf_failed(&j) ? nomem(err)
		: audit_record(db, "payment", res->payment_id, in->account_id, "payment.record", NULL,
			strbuf_cstr(&j), err);
	strbuf_free(&j);
	return rc;
}

static kc_status record_in_tx(kc_db *db, const struct payment_input *in,
	const struct pay_plan *p, struct payment_result *res, kc_error *err)
{
	kc_status rc = require_account(db, in->account_id, err);
	if (rc == KC_OK)
		rc = insert_payment(db, in, p, &res->payment_id, err);
	if (rc == KC_OK)
		rc = allocate(db, in, res->payment_id, p->cad, res, err);
	if (rc == KC_OK && res->credit > 0) { /* PAY-1 overpayment -> CRD store credit */
		char note[48];
		snprintf(note, sizeof note, "#%" PRId64, res->payment_id);
		rc = credit_add(db, in->account_id, "overpayment", res->credit, p->day, note,
			&res->credit_id, err);
	}
	if (rc == KC_OK && in->wire_fee > 0) { /* PAY-3 */
		char desc[48];
		snprintf(desc, sizeof desc, "#%" PRId64, res->payment_id);
		rc = add_fee(db, in->account_id, "wire_fee", in->wire_fee, desc, p->day, &res->fee_id,
			err);
	}
	if (rc == KC_OK)
		rc = audit_payment(db, in, p, res, err);
	return rc;
}

kc_status payment_record(kc_db *db, const struct payment_input *in, struct payment_result *out,
	kc_error *err)
{
	struct payment_result local;
	struct payment_result *res = out ? out : &local;
	memset(res, 0, sizeof *res);
	if (!in)
		return kc_error_set(err, KC_ERR_INTERNAL, "%s", _("Internal error: no payment given."));
	struct pay_plan p;
	kc_status rc = plan_payment(in, &p, err);
	if (rc == KC_OK)
		rc = db_change_begin(db, err);
	if (rc == KC_OK) {
		res->cad = p.cad;
		rc = db_change_end(db, record_in_tx(db, in, &p, res, err), err);
	}
	free(p.rate);
	if (rc != KC_OK)
		memset(res, 0, sizeof *res);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* PAY-4 chargebacks                                                       */

struct pay_row {
	int64_t id, account_id;
	kc_cents amount, charged_back, refunded;
};

static kc_status load_payment(kc_db *db, int64_t payment_id, struct pay_row *p, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT p.account_id, p.amount_cents,"
		" (SELECT coalesce(sum(amount_cents), 0) FROM chargebacks WHERE payment_id = p.id),"
		" (SELECT coalesce(sum(amount_cents), 0) FROM refunds WHERE payment_id = p.id)"
		" FROM payments p WHERE p.id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, payment_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		p->id = payment_id;
		p->account_id = sqlite3_column_int64(st, 0);
		p->amount = sqlite3_column_int64(st, 1);
		p->charged_back = sqlite3_column_int64(st, 2);
		p->refunded = sqlite3_column_int64(st, 3);
	} else {
		rc = r == SQLITE_DONE ? kc_error_set(err, KC_ERR_NOT_FOUND,
			_("There is no payment %" PRId64 "."), payment_id) : fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

static kc_status refuse_more_than_left(const struct pay_row *p, kc_cents amount, kc_error *err)
{
	kc_cents left = p->amount - p->charged_back - p->refunded;
	if (amount <= left)
		return KC_OK;
	char *a = money_format_plain(amount), *l = money_format_plain(left);
	kc_status rc = (a && l) ? kc_error_set(err, KC_ERR_INVALID,
		_("%s is more than the %s left of payment %" PRId64 " (after chargebacks and refunds)."),
		a, l, p->id) : nomem(err);
	free(a);
	free(l);
	return rc;
}

/* Reads status and flag of the account. */
static kc_status account_state(kc_db *db, int64_t account_id, char status[static 16],
	bool *flagged, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT status, flagged_for_closure FROM accounts WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 0));
		*flagged = sqlite3_column_int(st, 1) != 0;
	} else {
		rc = fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* PAY-4: the third chargeback flags the account for closure. */
static kc_status flag_for_closure(kc_db *db, int64_t account_id, int ordinal, kc_error *err)
{
	char now[24];
	db_now_iso(now);
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"UPDATE accounts SET flagged_for_closure = 1, updated_at = ?2, updated_by = ?3,"
		" version = version + 1 WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, db_staff(db), -1, SQLITE_STATIC);
	if ((rc = run_done(db, &st, err)) != KC_OK)
		return rc;
	strbuf o = STRBUF_INIT, n = STRBUF_INIT;
	audit_json_begin(&o);
	audit_json_int(&o, "flagged_for_closure", 0);
	audit_json_end(&o);
	audit_json_begin(&n);
	audit_json_int(&n, "flagged_for_closure", 1);
	audit_json_int(&n, "chargeback_ordinal", ordinal);
	audit_json_end(&n);
	rc = (strbuf_failed(&o) || strbuf_failed(&n)) ? nomem(err)
		: audit_record(db, "account", account_id, account_id, "account.flag_closure",
			strbuf_cstr(&o), strbuf_cstr(&n), err);
	strbuf_free(&o);
	strbuf_free(&n);
	return rc;
}

static kc_status insert_chargeback(kc_db *db, const struct pay_row *p, const char *day,
	struct chargeback_result *res, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"INSERT INTO chargebacks (account_id, payment_id, amount_cents, fee_cents, received_on,"
		" ordinal, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, p->account_id);
	sqlite3_bind_int64(st, 2, p->id);
	sqlite3_bind_int64(st, 3, res->amount);
	sqlite3_bind_int64(st, 4, res->fee);
	sqlite3_bind_text(st, 5, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, res->ordinal);
	sqlite3_bind_text(st, 7, db_staff(db), -1, SQLITE_STATIC);
	if ((rc = run_done(db, &st, err)) != KC_OK)
		return rc;
	res->chargeback_id = sqlite3_last_insert_rowid(db_handle(db));
	strbuf j = STRBUF_INIT;
	audit_json_begin(&j);
	audit_json_int(&j, "payment_id", p->id);
	audit_json_int(&j, "amount_cents", res->amount);
	audit_json_int(&j, "fee_cents", res->fee);
	audit_json_str(&j, "received_on", day);
	audit_json_int(&j, "ordinal", res->ordinal);
	audit_json_end(&j);
	rc = strbuf_failed(&j) ? nomem(err)
		: audit_record(db, "chargeback", res->chargeback_id, p->account_id,
			"payment.chargeback", NULL, strbuf_cstr(&j), err);
	strbuf_free(&j);
	return rc;
}

static kc_status chargeback_in_tx(kc_db *db, int64_t payment_id, kc_cents amount,
	const char *day, struct chargeback_result *res, kc_error *err)
{
	struct pay_row p;
	kc_status rc = load_payment(db, payment_id, &p, err);
	if (rc != KC_OK)
		return rc;
	res->amount = amount > 0 ? amount : p.amount - p.charged_back - p.refunded;
	if (res->amount <= 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("Payment %" PRId64 " was already charged back or refunded in full."), payment_id);
	if ((rc = refuse_more_than_left(&p, res->amount, err)) != KC_OK)
		return rc;
	int64_t before;
	rc = query_int1(db, "SELECT count(*) FROM chargebacks WHERE account_id = ?1", p.account_id,
		&before, err);
	if (rc != KC_OK)
		return rc;
	res->ordinal = (int)before + 1;
	char desc[48];
	snprintf(desc, sizeof desc, "#%" PRId64, payment_id);
	rc = insert_chargeback(db, &p, day, res, err);
	if (rc == KC_OK && res->fee > 0)
		rc = add_fee(db, p.account_id, "chargeback_fee", res->fee, desc, day, NULL, err);
	if (rc == KC_OK)
		rc = add_fee(db, p.account_id, "reassessment", res->amount, desc, day, NULL, err);
	char status[16];
	bool flagged = false;
	if (rc == KC_OK)
		rc = account_state(db, p.account_id, status, &flagged, err);
	if (rc == KC_OK && strcmp(status, "active") == 0) {
		rc = account_suspend(db, p.account_id, 0, "chargeback", desc, err);
		res->suspended = rc == KC_OK;
	}
	if (rc == KC_OK && res->ordinal >= 3) {
		res->flagged_for_closure = true;
		if (!flagged)
			rc = flag_for_closure(db, p.account_id, res->ordinal, err);
	}
	return rc;
}

kc_status payment_chargeback(kc_db *db, int64_t payment_id, kc_cents amount,
	const char *received_on, kc_cents fee, struct chargeback_result *out, kc_error *err)
{
	struct chargeback_result local;
	struct chargeback_result *res = out ? out : &local;
	memset(res, 0, sizeof *res);
	if (amount < 0 || fee < 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("Amounts cannot be negative."));
	char day[DATE_BUFSZ];
	kc_status rc = day_or_today(received_on, day, err);
	if (rc == KC_OK)
		rc = db_change_begin(db, err);
	if (rc != KC_OK)
		return rc;
	res->fee = fee;
	rc = db_change_end(db, chargeback_in_tx(db, payment_id, amount, day, res, err), err);
	if (rc != KC_OK)
		memset(res, 0, sizeof *res);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* PAY-5 / PAY-7 refunds                                                   */

static const char *const refund_methods[] = { "store_credit", "paypal", "cheque" };
static const char *const refund_reasons[] = { "discretionary", "unauthorized" };
static const char *const refused_grounds[] = { "non_use", "cancellation" };

static kc_status check_refund(const struct refund_input *in, kc_error *err)
{
	if (!ONE_OF(in->reason, refund_reasons))
		return kc_error_set(err, KC_ERR_INVALID,
			_("Unknown refund reason \"%s\": use discretionary or unauthorized."),
			in->reason ? in->reason : "");
	if (ONE_OF(in->grounds, refused_grounds))
		return kc_error_set(err, KC_ERR_RULE, "%s",
			_("PAY-7: no refund is given for non-use or cancellation."));
	if (!ONE_OF(in->method, refund_methods))
		return kc_error_set(err, KC_ERR_INVALID,
			_("PAY-7: a refund is made as store_credit, paypal or cheque, not \"%s\"."),
			in->method ? in->method : "");
	if (in->amount <= 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("A refund must be more than zero."));
	bool unauthorized = strcmp(in->reason, "unauthorized") == 0;
	bool cash = strcmp(in->method, "store_credit") != 0;
	if (unauthorized && !cash)
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("PAY-5: an unauthorized charge is refunded by PayPal or cheque, not as store credit."));
	if (unauthorized && in->paymethod_id <= 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("PAY-5: name the stored payment method used without authorization."));
	if (cash && in->payment_id <= 0)
		return kc_error_set(err, KC_ERR_RULE, "%s",
			_("CRD-1: a refund by PayPal or cheque must name the payment it returns."));
	return check_text(in->note, TEXT_MAX_CHARS, _("note"), err);
}

/* PAY-5: the method must be the account's; removed unless already. */
static kc_status remove_method(kc_db *db, const struct refund_input *in, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT account_id, removed_at IS NOT NULL FROM payment_methods WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, in->paymethod_id);
	bool removed = false;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 0) != in->account_id)
			rc = kc_error_set(err, KC_ERR_INVALID,
				_("Payment method %" PRId64 " belongs to another account."), in->paymethod_id);
		removed = sqlite3_column_int(st, 1) != 0;
	} else {
		rc = r == SQLITE_DONE ? kc_error_set(err, KC_ERR_NOT_FOUND,
			_("There is no payment method %" PRId64 "."), in->paymethod_id) : fail(db, err);
	}
	db_finalize(db, &st);
	if (rc == KC_OK && !removed)
		rc = paymethod_remove(db, in->paymethod_id, "unauthorized", err);
	return rc;
}

/* PAY-5: notification + 72 hours. */
static kc_status pay_by(const char *notified_at, char out[static 32], kc_error *err)
{
	kc_instant t;
	if (!notified_at || !*notified_at) {
		t = date_now();
	} else {
		kc_status rc = date_instant_parse(notified_at, &t, err);
		if (rc != KC_OK)
			return rc;
	}
	date_instant_format(t + (kc_instant)PAYMENT_REASSESS_HOURS * 3600, out);
	return KC_OK;
}

static kc_status insert_refund(kc_db *db, const struct refund_input *in, const char *day,
	struct refund_result *res, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"INSERT INTO refunds (account_id, payment_id, method, amount_cents, reason, note,"
		" refunded_on, pay_by, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, in->account_id);
	if (in->payment_id > 0)
		sqlite3_bind_int64(st, 2, in->payment_id);
	sqlite3_bind_text(st, 3, in->method, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, in->amount);
	sqlite3_bind_text(st, 5, in->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, in->note ? in->note : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, day, -1, SQLITE_STATIC);
	if (res->pay_by[0])
		sqlite3_bind_text(st, 8, res->pay_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, db_staff(db), -1, SQLITE_STATIC);
	if ((rc = run_done(db, &st, err)) != KC_OK)
		return rc;
	res->refund_id = sqlite3_last_insert_rowid(db_handle(db));
	strbuf j = STRBUF_INIT;
	audit_json_begin(&j);
	if (in->payment_id > 0)
		audit_json_int(&j, "payment_id", in->payment_id);
	audit_json_str(&j, "method", in->method);
	audit_json_int(&j, "amount_cents", in->amount);
	audit_json_str(&j, "reason", in->reason);
	audit_json_str(&j, "refunded_on", day);
	if (res->pay_by[0])
		audit_json_str(&j, "pay_by", res->pay_by);
	if (in->note && *in->note)
		audit_json_str(&j, "note", in->note);
	audit_json_end(&j);
	rc = strbuf_failed(&j) ? nomem(err)
		: audit_record(db, "refund", res->refund_id, in->account_id, "payment.refund", NULL,
			strbuf_cstr(&j), err);
	strbuf_free(&j);
	return rc;
}

static kc_status refund_in_tx(kc_db *db, const struct refund_input *in, const char *day,
	struct refund_result *res, kc_error *err)
{
	kc_status rc = require_account(db, in->account_id, err);
	if (rc == KC_OK && in->payment_id > 0) {
		struct pay_row p;
		rc = load_payment(db, in->payment_id, &p, err);
		if (rc == KC_OK && p.account_id != in->account_id)
			rc = kc_error_set(err, KC_ERR_INVALID,
				_("Payment %" PRId64 " belongs to another account."), in->payment_id);
		if (rc == KC_OK)
			rc = refuse_more_than_left(&p, in->amount, err);
	}
	bool unauthorized = strcmp(in->reason, "unauthorized") == 0;
	if (rc == KC_OK && unauthorized)
		rc = remove_method(db, in, err);
	if (rc == KC_OK && unauthorized)
		rc = pay_by(in->notified_at, res->pay_by, err);
	if (rc == KC_OK)
		rc = insert_refund(db, in, day, res, err);
	char ref[48];
	snprintf(ref, sizeof ref, "#%" PRId64, in->payment_id > 0 ? in->payment_id : res->refund_id);
	if (rc == KC_OK && unauthorized) /* PAY-5: the refunded amount is owed again */
		rc = add_fee(db, in->account_id, "reassessment", in->amount, ref, day, &res->fee_id, err);
	if (rc == KC_OK && strcmp(in->method, "store_credit") == 0)
		rc = credit_add(db, in->account_id, "refund", in->amount, day,
			in->note ? in->note : "", &res->credit_id, err);
	return rc;
}

kc_status payment_refund(kc_db *db, const struct refund_input *in, struct refund_result *out,
	kc_error *err)
{
	struct refund_result local;
	struct refund_result *res = out ? out : &local;
	memset(res, 0, sizeof *res);
	if (!in)
		return kc_error_set(err, KC_ERR_INTERNAL, "%s", _("Internal error: no refund given."));
	kc_status rc = check_refund(in, err);
	char day[DATE_BUFSZ];
	if (rc == KC_OK)
		rc = day_or_today(in->refunded_on, day, err);
	if (rc == KC_OK)
		rc = db_change_begin(db, err);
	if (rc != KC_OK)
		return rc;
	rc = db_change_end(db, refund_in_tx(db, in, day, res, err), err);
	if (rc != KC_OK)
		memset(res, 0, sizeof *res);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* PAY-6 disputes                                                          */

static kc_status dispute_refs(kc_db *db, const struct dispute_input *in, int64_t *invoice_id,
	kc_error *err)
{
	*invoice_id = 0;
	kc_status rc = require_account(db, in->account_id, err);
	if (rc == KC_OK && in->invoice_number > 0) {
		int64_t owner = 0;
		sqlite3_stmt *st;
		rc = db_prepare(db, "SELECT id, account_id FROM invoices WHERE number = ?1", &st, err);
		if (rc != KC_OK)
			return rc;
		sqlite3_bind_int64(st, 1, in->invoice_number);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*invoice_id = sqlite3_column_int64(st, 0);
			owner = sqlite3_column_int64(st, 1);
		}
		db_finalize(db, &st);
		if (*invoice_id == 0 || owner != in->account_id)
			rc = kc_error_set(err, KC_ERR_INVALID,
				_("Invoice %" PRId64 " is not an invoice of this account."), in->invoice_number);
	}
	if (rc == KC_OK && in->payment_id > 0) {
		struct pay_row p;
		rc = load_payment(db, in->payment_id, &p, err);
		if (rc == KC_OK && p.account_id != in->account_id)
			rc = kc_error_set(err, KC_ERR_INVALID,
				_("Payment %" PRId64 " belongs to another account."), in->payment_id);
	}
	return rc;
}

static kc_status insert_dispute(kc_db *db, const struct dispute_input *in, int64_t invoice_id,
	const char *tx_day, const char *rx_day, bool in_time, int64_t *id, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"INSERT INTO disputes (account_id, invoice_id, payment_id, transaction_date,"
		" received_on, in_writing, in_time, description, created_by)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, in->account_id);
	if (invoice_id > 0)
		sqlite3_bind_int64(st, 2, invoice_id);
	if (in->payment_id > 0)
		sqlite3_bind_int64(st, 3, in->payment_id);
	sqlite3_bind_text(st, 4, tx_day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, rx_day, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, in->in_writing);
	sqlite3_bind_int(st, 7, in_time);
	sqlite3_bind_text(st, 8, in->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, db_staff(db), -1, SQLITE_STATIC);
	if ((rc = run_done(db, &st, err)) != KC_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(db_handle(db));
	strbuf j = STRBUF_INIT;
	audit_json_begin(&j);
	audit_json_str(&j, "transaction_date", tx_day);
	audit_json_str(&j, "received_on", rx_day);
	audit_json_int(&j, "in_writing", in->in_writing);
	audit_json_int(&j, "in_time", in_time);
	audit_json_str(&j, "description", in->description);
	audit_json_end(&j);
	rc = strbuf_failed(&j) ? nomem(err)
		: audit_record(db, "dispute", *id, in->account_id, "dispute.add", NULL, strbuf_cstr(&j),
			err);
	strbuf_free(&j);
	return rc;
}

kc_status payment_dispute_add(kc_db *db, const struct dispute_input *in, int64_t *out_id,
	bool *in_time, kc_error *err)
{
	if (!in || !in->transaction_date || !*in->transaction_date)
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("PAY-6: a dispute needs the date of the disputed transaction."));
	if (!in->description || !*in->description)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("PAY-6: a dispute needs a description."));
	kc_status rc = check_text(in->description, TEXT_MAX_CHARS, _("description"), err);
	kc_date tx, rx;
	char tx_day[DATE_BUFSZ], rx_day[DATE_BUFSZ];
	if (rc == KC_OK)
		rc = date_parse(in->transaction_date, &tx, err);
	if (rc == KC_OK)
		rc = day_or_today(in->received_on, rx_day, err);
	if (rc != KC_OK)
		return rc;
	date_parse(rx_day, &rx, NULL);
	date_format(tx, tx_day);
	int64_t days = date_days_between(tx, rx);
	if (days < 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("PAY-6: the dispute (received %s) cannot be before the transaction (%s)."),
			rx_day, tx_day);
	bool timely = days <= PAYMENT_DISPUTE_DAYS;
	if ((rc = db_change_begin(db, err)) != KC_OK)
		return rc;
	int64_t invoice_id = 0, id = 0;
	rc = dispute_refs(db, in, &invoice_id, err);
	if (rc == KC_OK)
		rc = insert_dispute(db, in, invoice_id, tx_day, rx_day, timely, &id, err);
	rc = db_change_end(db, rc, err);
	if (rc == KC_OK) {
		if (out_id)
			*out_id = id;
		if (in_time)
			*in_time = timely;
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* BIL-6 / PAY-4 / PAY-5: what the account owes now                         */

kc_status payment_amount_owed(kc_db *db, int64_t account_id, struct payment_owed *out,
	kc_error *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT a.balance_cents, (SELECT coalesce(sum(f.amount_cents), 0) FROM fees f"
		"  WHERE f.account_id = a.id AND f.invoice_id IS NULL)"
		" FROM accounts a WHERE a.id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		out->balance = sqlite3_column_int64(st, 0);
		out->pending = sqlite3_column_int64(st, 1);
	} else {
		rc = r == SQLITE_DONE ? kc_error_set(err, KC_ERR_NOT_FOUND,
			_("There is no account %" PRId64 "."), account_id) : fail(db, err);
	}
	db_finalize(db, &st);
	if (rc == KC_OK)
		rc = credit_available(db, account_id, NULL, &out->credit, err);
	if (rc != KC_OK) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	/* credit pays the next invoice (CRD-2), so the pending fees, never the
	 * invoices already open */
	kc_cents unpaid = out->pending > out->credit ? out->pending - out->credit : 0;
	if (!money_add(out->balance, unpaid, &out->owed))
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("An invoice amount is too large."));
	return KC_OK;
}

/* ---------------------------------------------------------------------- */
/* Lists                                                                   */

void payment_rows_clear(struct payment_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].rate);
		free(rows[i].reference);
		rows[i].rate = rows[i].reference = NULL;
	}
}

static void copy_text(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

kc_status payment_page(kc_db *db, int64_t account_id, int64_t after_id,
	struct payment_row *rows, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT p.id, p.account_id, a.number, p.method, p.currency, p.received_on,"
		" p.amount_cents, coalesce(p.original_amount_cents, p.amount_cents), p.rate, p.reference,"
		" (SELECT coalesce(sum(amount_cents), 0) FROM payment_allocations WHERE payment_id = p.id),"
		" (SELECT coalesce(sum(amount_cents), 0) FROM chargebacks WHERE payment_id = p.id),"
		" (SELECT coalesce(sum(amount_cents), 0) FROM refunds WHERE payment_id = p.id)"
		" FROM payments p JOIN accounts a ON a.id = p.account_id"
		" WHERE p.id > ?2 AND (?1 = 0 OR p.account_id = ?1) ORDER BY p.id LIMIT ?3", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct payment_row *row = &rows[(*n)++];
		memset(row, 0, sizeof *row);
		row->id = sqlite3_column_int64(st, 0);
		row->account_id = sqlite3_column_int64(st, 1);
		copy_text(st, 2, row->account_number, sizeof row->account_number);
		copy_text(st, 3, row->method, sizeof row->method);
		copy_text(st, 4, row->currency, sizeof row->currency);
		copy_text(st, 5, row->received_on, sizeof row->received_on);
		row->amount = sqlite3_column_int64(st, 6);
		row->original_amount = sqlite3_column_int64(st, 7);
		const unsigned char *rate = sqlite3_column_text(st, 8);
		row->rate = rate ? kc_strdup((const char *)rate) : NULL;
		const unsigned char *ref = sqlite3_column_text(st, 9);
		row->reference = kc_strdup(ref ? (const char *)ref : "");
		row->allocated = sqlite3_column_int64(st, 10);
		row->charged_back = sqlite3_column_int64(st, 11);
		row->refunded = sqlite3_column_int64(st, 12);
		if (!row->reference || (rate && !row->rate)) {
			rc = nomem(err);
			break;
		}
	}
	if (rc == KC_OK && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		payment_rows_clear(rows, *n);
		*n = 0;
	}
	return rc;
}
