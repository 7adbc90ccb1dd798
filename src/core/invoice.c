/* invoice.c: invoice queries, statements and settlement (see invoice.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "invoice.h"
#include "overdue.h"
#include "tax.h"

/* ---------------------------------------------------------------------- */
/* Customer document labels.  Customer text, not staff UI: both languages  */
/* are here so a statement never depends on the staff's locale (BIL-9).    */

static const char *const doc_labels[INVOICE_L_COUNT][2] = {
	/*                              English                      French */
	[INVOICE_L_COMPANY_NAME] = { "Kenotronix", "Kenotronix" },
	[INVOICE_L_INVOICE] = { "INVOICE", "FACTURE" },
	[INVOICE_L_NUMBER] = { "Invoice number", "Numéro de facture" },
	[INVOICE_L_DATE] = { "Invoice date", "Date de la facture" },
	[INVOICE_L_DUE] = { "Due date", "Date d'échéance" },
	[INVOICE_L_ACCOUNT] = { "Account", "Compte" },
	[INVOICE_L_CUSTOMER] = { "Customer", "Client" },
	[INVOICE_L_PERIOD] = { "Period", "Période" },
	[INVOICE_L_DESCRIPTION] = { "Description", "Description" },
	[INVOICE_L_AMOUNT] = { "Amount", "Montant" },
	[INVOICE_L_SUBTOTAL] = { "Subtotal", "Sous-total" },
	[INVOICE_L_TOTAL] = { "Total", "Total" },
	[INVOICE_L_PAYMENTS] = { "Payments and credits", "Paiements et crédits" },
	[INVOICE_L_CREDITS] = { "Credits", "Crédits" },
	[INVOICE_L_BALANCE] = { "Balance due", "Solde dû" },
	[INVOICE_L_GST_NUMBER] = { "GST registration number", "Numéro d'inscription à la TPS" },
	[INVOICE_L_QST_NUMBER] = { "QST registration number", "Numéro d'inscription à la TVQ" },
	[INVOICE_L_TAX_GST] = { "GST", "TPS" },
	[INVOICE_L_TAX_QST] = { "QST", "TVQ" },
	[INVOICE_L_TAX_HST] = { "HST", "TVH" },
	[INVOICE_L_FIRST] = { "First invoice: support, first cycle",
		"Première facture : soutien, premier cycle" },
	[INVOICE_L_SUPPORT_BASIC] = { "Support, basic level", "Soutien, niveau de base" },
	[INVOICE_L_SUPPORT_FULL] = { "Support, fully administered",
		"Soutien, entièrement administré" },
	[INVOICE_L_USAGE] = { "voip.ms usage", "Consommation voip.ms" },
	[INVOICE_L_USAGE_ADJUSTMENT] = { "Usage adjustment (re-rated calls)",
		"Ajustement de consommation (appels réévalués)" },
	[INVOICE_L_CONSULTING] = { "Consulting", "Services-conseils" },
	[INVOICE_L_FEE_CHARGEBACK] = { "Chargeback fee", "Frais de rétrofacturation" },
	[INVOICE_L_FEE_WIRE] = { "Wire transfer fee", "Frais de virement bancaire" },
	[INVOICE_L_FEE_REASSESSMENT] = { "Reassessed amount", "Montant refacturé" },
	[INVOICE_L_FEE_OTHER] = { "Fee", "Frais" },
	[INVOICE_L_COUPON] = { "Coupon", "Coupon" },
	[INVOICE_L_STORE_CREDIT] = { "Store credit", "Crédit au compte" },
	[INVOICE_L_CREDIT_NOTE] = { "Credit note", "Note de crédit" },
	[INVOICE_L_PAYMENT] = { "Payment", "Paiement" },
	[INVOICE_L_CYCLES] = { "cycles", "cycles" },
	[INVOICE_L_CALLS] = { "calls", "appels" },
	[INVOICE_L_HOURS] = { "hours", "heures" },
	[INVOICE_L_MARKUP] = { "markup", "majoration" },
	[INVOICE_L_PREPAID] = { "prepaid until", "payé d'avance jusqu'au" },
	[INVOICE_L_TO] = { "to", "au" },
	[INVOICE_L_THANKS] = { "Thank you for your business.", "Merci de votre confiance." },
	[INVOICE_L_FINAL_INVOICE] = { "FINAL INVOICE", "FACTURE FINALE" },
};

static bool is_french(const char *language)
{
	return language && (language[0] == 'f' || language[0] == 'F')
		&& (language[1] == 'r' || language[1] == 'R');
}

const char *invoice_doc_label(enum invoice_label label, const char *language)
{
	if ((int)label < 0 || label >= INVOICE_L_COUNT)
		return "";
	const char *s = doc_labels[label][is_french(language) ? 1 : 0];
	return s ? s : "";
}

/* ---------------------------------------------------------------------- */
/* Bookkeeping                                                             */

const char *invoice_status_for(kc_cents total, kc_cents paid, kc_cents credited)
{
	if (total - paid - credited > 0)
		return "open";
	return (paid > 0 || credited == 0) ? "paid" : "credited";
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory."));
}

static kc_status fail(kc_db *db, kc_error *err)
{
	return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

/* Runs a prepared statement that returns no row and finalizes it. */
static kc_status run_done(kc_db *db, sqlite3_stmt **st, kc_error *err)
{
	kc_status rc = sqlite3_step(*st) == SQLITE_DONE ? KC_OK : fail(db, err);
	db_finalize(db, st);
	return rc;
}

kc_status invoice_account_balance_add(kc_db *db, int64_t account_id, kc_cents delta,
	kc_error *err)
{
	if (delta == 0)
		return KC_OK;
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"UPDATE accounts SET balance_cents = balance_cents + ?2 WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, delta);
	return run_done(db, &st, err);
}

kc_status invoice_settle(kc_db *db, int64_t invoice_id, kc_cents paid_delta,
	kc_cents credited_delta, kc_error *err)
{
	if (!db_in_write_transaction(db))
		return kc_error_set(err, KC_ERR_INTERNAL, "%s",
			_("Internal error: an invoice was settled outside a write transaction."));
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT account_id, total_cents, paid_cents, credited_cents, number"
		" FROM invoices WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, invoice_id);
	int64_t account = 0, number = 0;
	kc_cents total = 0, paid = 0, credited = 0;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		account = sqlite3_column_int64(st, 0);
		total = sqlite3_column_int64(st, 1);
		paid = sqlite3_column_int64(st, 2) + paid_delta;
		credited = sqlite3_column_int64(st, 3) + credited_delta;
		number = sqlite3_column_int64(st, 4);
	} else {
		rc = r == SQLITE_DONE ? kc_error_set(err, KC_ERR_NOT_FOUND, "%s", _("No such invoice."))
			: fail(db, err);
	}
	db_finalize(db, &st);
	if (rc != KC_OK)
		return rc;
	if (paid < 0 || credited < 0 || (total - paid - credited < 0 && (paid_delta > 0 || credited_delta > 0)))
		return kc_error_set(err, KC_ERR_INVALID,
			_("Invoice %" PRId64 " cannot receive more than its remaining balance."), number);
	rc = db_prepare(db,
		"UPDATE invoices SET paid_cents = ?2, credited_cents = ?3, status = ?4,"
		" version = version + 1 WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, invoice_id);
	sqlite3_bind_int64(st, 2, paid);
	sqlite3_bind_int64(st, 3, credited);
	sqlite3_bind_text(st, 4, invoice_status_for(total, paid, credited), -1, SQLITE_STATIC);
	rc = run_done(db, &st, err);
	if (rc == KC_OK)
		rc = invoice_account_balance_add(db, account, -(paid_delta + credited_delta), err);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* One invoice                                                             */

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return kc_strdup(t ? (const char *)t : "");
}

void invoice_clear(struct invoice *inv)
{
	if (!inv)
		return;
	char **strs[] = { &inv->account_number, &inv->holder, &inv->company, &inv->address,
		&inv->city, &inv->postal_code, &inv->email, &inv->kind, &inv->cycle_key, &inv->date,
		&inv->period_start, &inv->period_end, &inv->province, &inv->language,
		&inv->gst_number, &inv->qst_number, &inv->status, &inv->issued_at, &inv->issued_by };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		free(*strs[i]);
	for (size_t i = 0; i < inv->n_lines; i++) {
		free(inv->lines[i].kind);
		free(inv->lines[i].description);
	}
	free(inv->lines);
	for (size_t i = 0; i < inv->n_taxes; i++)
		free(inv->taxes[i].code);
	free(inv->taxes);
	for (size_t i = 0; i < inv->n_settlements; i++) {
		free(inv->settlements[i].kind);
		free(inv->settlements[i].date);
		free(inv->settlements[i].detail);
	}
	free(inv->settlements);
	memset(inv, 0, sizeof *inv);
}

static kc_status get_header(kc_db *db, int64_t number, struct invoice *inv, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT i.id, i.number, i.account_id, a.number, a.holder, a.company, a.address,"
		" a.city, a.postal_code, a.email, i.kind, i.cycle_key, i.invoice_date, i.period_start,"
		" i.period_end, i.province, i.language, i.gst_number, i.qst_number, i.status,"
		" i.issued_at, i.issued_by, i.subtotal_cents, i.tax_cents, i.total_cents,"
		" i.paid_cents, i.credited_cents"
		" FROM invoices i JOIN accounts a ON a.id = i.account_id WHERE i.number = ?1",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		inv->id = sqlite3_column_int64(st, 0);
		inv->number = sqlite3_column_int64(st, 1);
		inv->account_id = sqlite3_column_int64(st, 2);
		char **strs[] = { &inv->account_number, &inv->holder, &inv->company, &inv->address,
			&inv->city, &inv->postal_code, &inv->email, &inv->kind, &inv->cycle_key,
			&inv->date, &inv->period_start, &inv->period_end, &inv->province,
			&inv->language, &inv->gst_number, &inv->qst_number, &inv->status,
			&inv->issued_at, &inv->issued_by };
		for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
			if (!(*strs[i] = col_dup(st, (int)i + 3)))
				rc = nomem(err);
		inv->subtotal = sqlite3_column_int64(st, 22);
		inv->tax = sqlite3_column_int64(st, 23);
		inv->total = sqlite3_column_int64(st, 24);
		inv->paid = sqlite3_column_int64(st, 25);
		inv->credited = sqlite3_column_int64(st, 26);
		inv->balance = inv->total - inv->paid - inv->credited;
	} else if (r == SQLITE_DONE) {
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no invoice number %" PRId64 "."),
			number);
	} else {
		rc = fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* Grows an array of `size`-byte items to hold one more. */
static void *grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	size_t c = *cap ? *cap * 2 : 8;
	void *p = realloc(arr, c * size);
	if (p)
		*cap = c;
	return p;
}

static kc_status get_lines(kc_db *db, struct invoice *inv, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT position, kind, description, quantity_milli, unit_cents, amount_cents, taxable"
		" FROM invoice_lines WHERE invoice_id = ?1 ORDER BY position", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, inv->id);
	size_t cap = 0;
	int r;
	while (rc == KC_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct invoice_line *l = grow(inv->lines, inv->n_lines, &cap, sizeof *l);
		if (!l) {
			rc = nomem(err);
			break;
		}
		inv->lines = l;
		l = &inv->lines[inv->n_lines++];
		memset(l, 0, sizeof *l);
		l->position = sqlite3_column_int(st, 0);
		l->kind = col_dup(st, 1);
		l->description = col_dup(st, 2);
		l->quantity_milli = sqlite3_column_int64(st, 3);
		l->unit = sqlite3_column_int64(st, 4);
		l->amount = sqlite3_column_int64(st, 5);
		l->taxable = sqlite3_column_int(st, 6) != 0;
		if (!l->kind || !l->description)
			rc = nomem(err);
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	return rc;
}

/* Taxes in the order the tax table names them (GST before QST). */
static kc_status get_taxes(kc_db *db, struct invoice *inv, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT code, rate_thousandths, amount_cents FROM invoice_taxes WHERE invoice_id = ?1"
		" ORDER BY id", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, inv->id);
	size_t cap = 0;
	int r;
	while (rc == KC_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct invoice_tax *t = grow(inv->taxes, inv->n_taxes, &cap, sizeof *t);
		if (!t) {
			rc = nomem(err);
			break;
		}
		inv->taxes = t;
		t = &inv->taxes[inv->n_taxes++];
		t->code = col_dup(st, 0);
		t->rate_thousandths = sqlite3_column_int(st, 1);
		t->amount = sqlite3_column_int64(st, 2);
		if (!t->code)
			rc = nomem(err);
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	return rc;
}

static kc_status get_settlements(kc_db *db, struct invoice *inv, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db,
		"SELECT 'payment', p.id, p.received_on,"
		"  p.method || CASE WHEN p.reference <> '' THEN ' ' || p.reference ELSE '' END,"
		"  pa.amount_cents, pa.id FROM payment_allocations pa"
		"  JOIN payments p ON p.id = pa.payment_id WHERE pa.invoice_id = ?1"
		" UNION ALL SELECT 'store_credit', sc.id, ?2, sc.source, ca.amount_cents, ca.id"
		"  FROM credit_applications ca JOIN store_credits sc ON sc.id = ca.credit_id"
		"  WHERE ca.invoice_id = ?1"
		" UNION ALL SELECT 'credit_note', cn.number, cn.issued_on, cn.reason, cn.total_cents, cn.id"
		"  FROM credit_notes cn WHERE cn.invoice_id = ?1"
		" ORDER BY 3, 1, 6", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, inv->id);
	sqlite3_bind_text(st, 2, inv->date, -1, SQLITE_STATIC);
	size_t cap = 0;
	int r;
	while (rc == KC_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct invoice_settlement *s = grow(inv->settlements, inv->n_settlements, &cap,
			sizeof *s);
		if (!s) {
			rc = nomem(err);
			break;
		}
		inv->settlements = s;
		s = &inv->settlements[inv->n_settlements++];
		s->kind = col_dup(st, 0);
		s->ref = sqlite3_column_int64(st, 1);
		s->date = col_dup(st, 2);
		s->detail = col_dup(st, 3);
		s->amount = sqlite3_column_int64(st, 4);
		if (!s->kind || !s->date || !s->detail)
			rc = nomem(err);
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = fail(db, err);
	db_finalize(db, &st);
	return rc;
}

kc_status invoice_get(kc_db *db, int64_t number, struct invoice *out, kc_error *err)
{
	memset(out, 0, sizeof *out);
	kc_status rc = db_begin_read(db, err);
	if (rc != KC_OK)
		return rc;
	rc = get_header(db, number, out, err);
	if (rc == KC_OK)
		rc = get_lines(db, out, err);
	if (rc == KC_OK)
		rc = get_taxes(db, out, err);
	if (rc == KC_OK)
		rc = get_settlements(db, out, err);
	if (rc == KC_OK)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	if (rc != KC_OK)
		invoice_clear(out);
	return rc;
}

kc_status invoice_resolve(kc_db *db, const char *ref, int64_t *number, int64_t *id,
	kc_error *err)
{
	const char *p = ref ? ref : "";
	if (*p == '#')
		p++;
	int64_t n = 0;
	bool ok = *p != '\0';
	for (const char *q = p; ok && *q; q++) {
		if (*q < '0' || *q > '9' || n > (INT64_MAX - 9) / 10)
			ok = false;
		else
			n = n * 10 + (*q - '0');
	}
	if (!ok || n <= 0)
		return kc_error_set(err, KC_ERR_INVALID, _("\"%s\" is not an invoice number."),
			ref ? ref : "");
	sqlite3_stmt *st;
	kc_status rc = db_prepare(db, "SELECT id FROM invoices WHERE number = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, n);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (id)
			*id = sqlite3_column_int64(st, 0);
		if (number)
			*number = n;
	} else if (r == SQLITE_DONE) {
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no invoice number %" PRId64 "."), n);
	} else {
		rc = fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Statement (BIL-9)                                                       */

#define STATEMENT_WIDTH 72
#define LABEL_WIDTH 32

/* Display width of UTF-8 text: one column per code point (the statement's
 * text is Latin script; continuation bytes do not count). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w++;
	return w;
}

static void pad(strbuf *sb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_appendc(sb, ' ');
}

static void rule(strbuf *sb)
{
	for (int i = 0; i < STATEMENT_WIDTH; i++)
		strbuf_appendc(sb, '-');
	strbuf_appendc(sb, '\n');
}

/* "Label:    value" */
static void pair(strbuf *sb, const char *label, const char *value)
{
	strbuf_append(sb, label);
	strbuf_appendc(sb, ':');
	size_t w = text_width(label) + 1;
	pad(sb, w < LABEL_WIDTH ? LABEL_WIDTH - w : 1);
	strbuf_append(sb, value);
	strbuf_appendc(sb, '\n');
}

/* The statement being written. */
struct doc {
	strbuf *sb;
	const char *lang;
	enum money_style style;
	bool oom; /* a money text could not be made */
};

static const char *DL(const struct doc *d, enum invoice_label l)
{
	return invoice_doc_label(l, d->lang);
}

/* Text on the left, amount right-aligned at STATEMENT_WIDTH. */
static void amount_row(struct doc *d, const char *text, kc_cents cents)
{
	strbuf amount = STRBUF_INIT;
	if (!money_append_locale(&amount, cents, d->style)) {
		strbuf_free(&amount);
		d->oom = true;
		return;
	}
	size_t tw = text_width(text), aw = text_width(strbuf_cstr(&amount));
	strbuf_append(d->sb, text);
	if (tw + 2 + aw > STATEMENT_WIDTH) { /* long text: amount on its own line */
		strbuf_appendc(d->sb, '\n');
		tw = 0;
	}
	pad(d->sb, STATEMENT_WIDTH - tw - aw);
	strbuf_append(d->sb, strbuf_cstr(&amount));
	strbuf_appendc(d->sb, '\n');
	strbuf_free(&amount);
}

static enum invoice_label tax_doc_label(const char *code)
{
	if (strcmp(code, "QST") == 0)
		return INVOICE_L_TAX_QST;
	if (strcmp(code, "HST") == 0)
		return INVOICE_L_TAX_HST;
	return INVOICE_L_TAX_GST;
}

static void statement_header(struct doc *d, const struct invoice *inv)
{
	strbuf *sb = d->sb;
	char num[32];
	snprintf(num, sizeof num, "%" PRId64, inv->number);
	strbuf_appendf(sb, "%s\n%s\n\n", DL(d, INVOICE_L_COMPANY_NAME),
		DL(d, inv->kind && strcmp(inv->kind, "final") == 0 ? INVOICE_L_FINAL_INVOICE
			: INVOICE_L_INVOICE));
	pair(sb, DL(d, INVOICE_L_NUMBER), num);
	pair(sb, DL(d, INVOICE_L_DATE), inv->date);
	pair(sb, DL(d, INVOICE_L_DUE), inv->date); /* BIL-6: due on its date */
	pair(sb, DL(d, INVOICE_L_ACCOUNT), inv->account_number);
	pair(sb, DL(d, INVOICE_L_CUSTOMER), inv->holder);
	const char *more[] = { inv->company, inv->address };
	for (size_t i = 0; i < 2; i++)
		if (more[i] && *more[i]) {
			pad(sb, LABEL_WIDTH);
			strbuf_appendf(sb, "%s\n", more[i]);
		}
	if ((inv->city && *inv->city) || (inv->postal_code && *inv->postal_code)) {
		pad(sb, LABEL_WIDTH);
		strbuf_appendf(sb, "%s %s %s\n", inv->city, inv->province, inv->postal_code);
	}
	strbuf p = STRBUF_INIT;
	strbuf_appendf(&p, "%s %s %s", inv->period_start, DL(d, INVOICE_L_TO), inv->period_end);
	if (strbuf_failed(&p))
		d->oom = true;
	pair(sb, DL(d, INVOICE_L_PERIOD), strbuf_cstr(&p));
	strbuf_free(&p);
	strbuf_appendc(sb, '\n');
}

static void statement_lines(struct doc *d, const struct invoice *inv)
{
	const char *desc = DL(d, INVOICE_L_DESCRIPTION), *amt = DL(d, INVOICE_L_AMOUNT);
	strbuf_append(d->sb, desc);
	pad(d->sb, STATEMENT_WIDTH - text_width(desc) - text_width(amt));
	strbuf_appendf(d->sb, "%s\n", amt);
	rule(d->sb);
	for (size_t i = 0; i < inv->n_lines; i++)
		amount_row(d, inv->lines[i].description, inv->lines[i].amount);
	rule(d->sb);
	amount_row(d, DL(d, INVOICE_L_SUBTOTAL), inv->subtotal);
	for (size_t i = 0; i < inv->n_taxes; i++) { /* BIL-4: each tax with its own rate */
		strbuf t = STRBUF_INIT;
		strbuf_appendf(&t, "%s (", DL(d, tax_doc_label(inv->taxes[i].code)));
		tax_rate_append(&t, inv->taxes[i].rate_thousandths, d->style);
		strbuf_append(&t, d->style == MONEY_FR_CA ? MONEY_NBSP "%)" : "%)");
		if (strbuf_failed(&t))
			d->oom = true;
		amount_row(d, strbuf_cstr(&t), inv->taxes[i].amount);
		strbuf_free(&t);
	}
	amount_row(d, DL(d, INVOICE_L_TOTAL), inv->total);
}

static void statement_settlements(struct doc *d, const struct invoice *inv)
{
	if (inv->n_settlements > 0) {
		strbuf_appendf(d->sb, "\n%s\n", DL(d, INVOICE_L_PAYMENTS));
		for (size_t i = 0; i < inv->n_settlements; i++) {
			const struct invoice_settlement *s = &inv->settlements[i];
			enum invoice_label l = strcmp(s->kind, "payment") == 0 ? INVOICE_L_PAYMENT
				: strcmp(s->kind, "credit_note") == 0 ? INVOICE_L_CREDIT_NOTE
				: INVOICE_L_STORE_CREDIT;
			strbuf t = STRBUF_INIT;
			strbuf_appendf(&t, "%s %s", s->date, DL(d, l));
			if (l == INVOICE_L_CREDIT_NOTE)
				strbuf_appendf(&t, " %" PRId64, s->ref);
			if (strbuf_failed(&t))
				d->oom = true;
			amount_row(d, strbuf_cstr(&t), -s->amount);
			strbuf_free(&t);
		}
	}
	rule(d->sb);
	amount_row(d, DL(d, INVOICE_L_BALANCE), inv->balance);
	strbuf_appendc(d->sb, '\n');
	pair(d->sb, DL(d, INVOICE_L_GST_NUMBER), inv->gst_number);
	pair(d->sb, DL(d, INVOICE_L_QST_NUMBER), inv->qst_number);
	strbuf_appendf(d->sb, "\n%s\n", DL(d, INVOICE_L_THANKS));
}

kc_status invoice_statement_text(kc_db *db, int64_t number, const char *language,
	strbuf *out, kc_error *err)
{
	struct invoice inv;
	kc_status rc = invoice_get(db, number, &inv, err);
	if (rc != KC_OK)
		return rc;
	struct doc d = { out, (language && *language) ? language : inv.language, MONEY_EN_CA, false };
	d.style = is_french(d.lang) ? MONEY_FR_CA : MONEY_EN_CA;
	statement_header(&d, &inv);
	statement_lines(&d, &inv);
	statement_settlements(&d, &inv);
	invoice_clear(&inv);
	return (d.oom || strbuf_failed(out)) ? nomem(err) : KC_OK;
}

/* ---------------------------------------------------------------------- */
/* Lists                                                                   */

void invoice_rows_clear(struct invoice_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].account_number);
		free(rows[i].holder);
		rows[i].account_number = rows[i].holder = NULL;
	}
}

void invoice_cursor_set(struct invoice_cursor *c, const struct invoice_row *row)
{
	c->have = true;
	snprintf(c->date, sizeof c->date, "%s", row->date);
	c->number = row->number;
}

static kc_status check_filter_date(const char *s, kc_error *err)
{
	kc_date d;
	return (!s || !*s) ? KC_OK : date_parse(s, &d, err);
}

kc_status invoice_page(kc_db *db, const struct invoice_query *q,
	const struct invoice_cursor *after, struct invoice_row *rows, size_t max, size_t *n,
	kc_error *err)
{
	*n = 0;
	struct invoice_query none = { 0 };
	if (!q)
		q = &none;
	const char *status = q->status && *q->status ? q->status : NULL;
	if (status && strcmp(status, "open") && strcmp(status, "overdue") && strcmp(status, "paid")
		&& strcmp(status, "credited"))
		return kc_error_set(err, KC_ERR_INVALID,
			_("Unknown invoice status \"%s\": use open, overdue, paid or credited."), status);
	kc_date as_of;
	kc_status rc = KC_OK;
	if (q->as_of && *q->as_of)
		rc = date_parse(q->as_of, &as_of, err);
	else
		as_of = date_today_local();
	if (rc == KC_OK)
		rc = check_filter_date(q->from, err);
	if (rc == KC_OK)
		rc = check_filter_date(q->to, err);
	if (rc != KC_OK)
		return rc;
	char cutoff[DATE_BUFSZ];
	date_format(overdue_cutoff(as_of), cutoff);

	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql,
		"SELECT i.id, i.number, i.account_id, a.number, a.holder, i.invoice_date, i.status,"
		" i.subtotal_cents, i.tax_cents, i.total_cents, i.paid_cents, i.credited_cents"
		" FROM invoices i JOIN accounts a ON a.id = i.account_id WHERE 1");
	if (q->account_id > 0)
		strbuf_append(&sql, " AND i.account_id = ?1");
	if (q->from && *q->from)
		strbuf_append(&sql, " AND i.invoice_date >= ?2");
	if (q->to && *q->to)
		strbuf_append(&sql, " AND i.invoice_date <= ?3");
	if (status && strcmp(status, "overdue") == 0)
		strbuf_append(&sql, " AND i.status = 'open' AND i.invoice_date <= ?5");
	else if (status)
		strbuf_append(&sql, " AND i.status = ?4");
	if (after && after->have)
		strbuf_append(&sql, " AND (i.invoice_date, i.number) > (?6, ?7)");
	strbuf_append(&sql, " ORDER BY i.invoice_date, i.number LIMIT ?8");
	if (strbuf_failed(&sql))
		return nomem(err);
	sqlite3_stmt *st;
	rc = db_prepare(db, strbuf_cstr(&sql), &st, err);
	strbuf_free(&sql);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, q->account_id);
	sqlite3_bind_text(st, 2, q->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, cutoff, -1, SQLITE_STATIC);
	if (after && after->have) {
		sqlite3_bind_text(st, 6, after->date, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, after->number);
	}
	sqlite3_bind_int64(st, 8, (int64_t)max);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct invoice_row *row = &rows[*n];
		memset(row, 0, sizeof *row);
		row->id = sqlite3_column_int64(st, 0);
		row->number = sqlite3_column_int64(st, 1);
		row->account_id = sqlite3_column_int64(st, 2);
		row->account_number = col_dup(st, 3);
		row->holder = col_dup(st, 4);
		snprintf(row->date, sizeof row->date, "%s", (const char *)sqlite3_column_text(st, 5));
		snprintf(row->status, sizeof row->status, "%s", (const char *)sqlite3_column_text(st, 6));
		row->subtotal = sqlite3_column_int64(st, 7);
		row->tax = sqlite3_column_int64(st, 8);
		row->total = sqlite3_column_int64(st, 9);
		row->paid = sqlite3_column_int64(st, 10);
		row->credited = sqlite3_column_int64(st, 11);
		row->balance = row->total - row->paid - row->credited;
		(*n)++;
		if (!row->account_number || !row->holder) {
			rc = nomem(err);
			break;
		}
		kc_date d;
		if (strcmp(row->status, "open") == 0 && date_parse(row->date, &d, NULL) == KC_OK) {
			int64_t late = date_days_between(d, as_of);
			row->days_late = late > 0 ? late : 0;
			if (strcmp(row->date, cutoff) <= 0)
				snprintf(row->status, sizeof row->status, "%s", "overdue");
		}
	}
	if (rc == KC_OK && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		invoice_rows_clear(rows, *n);
		*n = 0;
	}
	return rc;
}
