/* pane_invoices.c: the Invoices pane (BIL, PAY, CRD rules): issued
 * invoices with filters, keyset paging both ways (invoice_page,
 * invoice_extra_before), totals on the status line, the invoice's parts in
 * the detail, and the money actions, each one core call from a form.  The
 * same ops show one account's invoices as a view (arg: account id). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "billing.h"
#include "credit.h"
#include "form.h"
#include "history.h"
#include "invoice.h"
#include "invoice_extra.h"
#include "pane.h"
#include "pane_util.h"
#include "payment.h"
#include "paymethod.h"
#include "strbuf.h"
#include "tax.h"

enum inv_col { IC_NUMBER, IC_DATE, IC_ACCOUNT, IC_HOLDER, IC_TOTAL, IC_BALANCE, IC_STATUS,
	IC_LATE, IC_N };

static const struct pane_column inv_columns[IC_N] = {
	[IC_NUMBER] = { N_("Invoice"), 7, 0, true, -1 },
	[IC_DATE] = { N_("Date"), 10, 0, false, -1 },
	[IC_ACCOUNT] = { N_("Account"), 8, 0, false, -1 },
	[IC_HOLDER] = { N_("Holder"), 12, 1, false, -1 },
	[IC_TOTAL] = { N_("Total"), 10, 0, true, -1 },
	[IC_BALANCE] = { N_("Balance"), 10, 0, true, -1 },
	[IC_STATUS] = { N_("Status"), 8, 0, false, -1 },
	[IC_LATE] = { N_("Late"), 4, 0, true, -1 },
};

static const enum action_id inv_hints[] = {
	ACTION_PAYMENT, ACTION_FILTER, ACTION_RUN_BILLING, ACTION_OVERDUE, ACTION_STATEMENT,
	ACTION_OPEN, ACTION_NONE
};

static const enum action_id inv_actions[] = {
	ACTION_OPEN, ACTION_FILTER, ACTION_PAYMENT, ACTION_CHARGEBACK, ACTION_REFUND,
	ACTION_STORE_CREDIT, ACTION_CREDIT_NOTE, ACTION_DISPUTE, ACTION_STATEMENT,
	ACTION_RUN_BILLING, ACTION_OVERDUE, ACTION_RECORD_AUDIT, ACTION_NONE
};

struct inv_state {
	char *status;                  /* filter: NULL, open, overdue, paid, credited */
	int64_t account_id;            /* 0 = every account */
	char *account_number;          /* its number, for the filter label */
	char from[DATE_BUFSZ], to[DATE_BUFSZ]; /* "" = open-ended */
	struct invoice_totals totals;  /* of the list as filtered */
	bool have_totals;
	int64_t cached;                /* detail cache: invoice number, 0 none */
	int64_t failed;                /* invoice_get failed for it: told once */
	struct invoice inv;
	char *termination;             /* the account's pending termination */
	bool termination_late;
};

static struct inv_state *state(struct pane *p)
{
	return p->priv;
}

static void drop_cache(struct inv_state *s)
{
	invoice_clear(&s->inv);
	memset(&s->inv, 0, sizeof s->inv);
	free(s->termination);
	s->termination = NULL;
	s->termination_late = false;
	s->cached = s->failed = 0;
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

static kc_status inv_init(struct pane *p, int64_t arg, kc_error *err)
{
	struct inv_state *s = calloc(1, sizeof *s);
	if (!s)
		return nomem(err);
	p->priv = s;
	if (arg > 0) {
		s->account_id = arg;
		s->account_number = pu_account_number(p->tui, arg);
	}
	return KC_OK;
}

static void inv_fini(struct pane *p)
{
	struct inv_state *s = state(p);
	if (!s)
		return;
	drop_cache(s);
	free(s->status);
	free(s->account_number);
	free(s);
	p->priv = NULL;
}

static void inv_invalidate(struct pane *p)
{
	drop_cache(state(p));
}

static void key_free(void *k)
{
	free(k);
}

static const char *status_label(const char *s)
{
	if (!s)
		return "";
	if (strcmp(s, "open") == 0)
		return _("open");
	if (strcmp(s, "overdue") == 0)
		return _("overdue");
	if (strcmp(s, "paid") == 0)
		return _("paid");
	if (strcmp(s, "credited") == 0)
		return _("credited");
	return s;
}

static void fill_query(struct pane *p, struct invoice_query *q)
{
	struct inv_state *s = state(p);
	memset(q, 0, sizeof *q);
	q->status = s->status;
	q->account_id = s->account_id;
	q->from = s->from[0] ? s->from : NULL;
	q->to = s->to[0] ? s->to : NULL;
}

static bool row_from_invoice(struct pane *p, const struct invoice_row *r, struct pane_row *out)
{
	if (!pane_row_alloc(out, IC_N))
		return false;
	struct invoice_cursor *c = calloc(1, sizeof *c);
	if (!c) {
		free(out->cells);
		out->cells = NULL;
		return false;
	}
	invoice_cursor_set(c, r);
	out->key = c;
	out->id = r->number;
	pane_row_set(out, IC_NUMBER, kc_asprintf("%lld", (long long)r->number));
	pane_row_set(out, IC_DATE, kc_strdup(r->date));
	pane_row_set(out, IC_ACCOUNT, kc_strdup(r->account_number ? r->account_number : ""));
	pane_row_set(out, IC_HOLDER, kc_strdup(r->holder ? r->holder : ""));
	pane_row_set(out, IC_TOTAL, pu_money(p->tui, r->total));
	pane_row_set(out, IC_BALANCE, pu_money(p->tui, r->balance));
	pane_row_set(out, IC_STATUS, kc_strdup(status_label(r->status)));
	pane_row_set(out, IC_LATE, r->days_late > 0 && strcmp(r->status, "overdue") == 0
		? kc_asprintf("%lld", (long long)r->days_late) : kc_strdup(""));
	if (strcmp(r->status, "overdue") == 0)
		out->role = THEME_BREACHED;
	else if (strcmp(r->status, "open") != 0)
		out->role = THEME_DIM;
	return true;
}

/* Rows of one invoice_page call into out (taken over), stopping before
 * `stop` (a position not to reach, or NULL). */
static kc_status page_rows(struct pane *p, const struct invoice_cursor *after,
	const struct invoice_cursor *stop, struct pane_row *out, size_t max, size_t *n,
	kc_error *err)
{
	*n = 0;
	if (max == 0)
		return KC_OK;
	struct invoice_query q;
	fill_query(p, &q);
	struct invoice_row *rows = calloc(max, sizeof *rows);
	if (!rows)
		return nomem(err);
	size_t got = 0;
	kc_status st = invoice_page(tui_db(p->tui), &q, after, rows, max, &got, err);
	for (size_t i = 0; st == KC_OK && i < got; i++) {
		int c = stop && stop->have ? strcmp(rows[i].date, stop->date) : -1;
		if (c > 0 || (c == 0 && rows[i].number >= stop->number))
			break; /* written meanwhile: it belongs after the anchor */
		if (!row_from_invoice(p, &rows[i], &out[*n])) {
			st = nomem(err);
			break;
		}
		(*n)++;
	}
	if (st != KC_OK) {
		for (size_t i = 0; i < *n; i++)
			pane_row_clear(p, &out[i]);
		*n = 0;
	}
	invoice_rows_clear(rows, got);
	free(rows);
	return st;
}

static kc_status inv_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	struct invoice_cursor none;
	memset(&none, 0, sizeof none);
	const struct invoice_cursor *at = from && from->key ? from->key : &none;
	*n = 0;
	if (!backward)
		return page_rows(p, at, NULL, out, max, n, err);
	struct invoice_query q;
	fill_query(p, &q);
	struct invoice_cursor start;
	size_t count = 0;
	kc_status st = invoice_extra_before(tui_db(p->tui), &q, at, max, &start, &count, err);
	if (st != KC_OK)
		return st;
	return page_rows(p, &start, at, out, count, n, err);
}

static kc_status inv_count(struct pane *p, int64_t *n, kc_error *err)
{
	struct inv_state *s = state(p);
	struct invoice_query q;
	fill_query(p, &q);
	s->have_totals = false;
	kc_status st = invoice_extra_totals(tui_db(p->tui), &q, &s->totals, err);
	if (st == KC_OK) {
		s->have_totals = true;
		*n = s->totals.count;
	}
	return st;
}

static char *inv_summary(struct pane *p)
{
	struct inv_state *s = state(p);
	if (!s->have_totals)
		return NULL;
	char *total = pu_money(p->tui, s->totals.total);
	char *bal = pu_money(p->tui, s->totals.balance);
	char *text = kc_asprintf(_("Total %s, unpaid %s"), total ? total : "", bal ? bal : "");
	free(total);
	free(bal);
	return text;
}

/* --- detail ------------------------------------------------------------------- */

static bool load_detail(struct pane *p, int64_t number)
{
	struct inv_state *s = state(p);
	if (s->cached == number)
		return true;
	if (s->failed == number)
		return false;
	drop_cache(s);
	kc_error err = KC_ERROR_INIT;
	if (invoice_get(tui_db(p->tui), number, &s->inv, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		memset(&s->inv, 0, sizeof s->inv);
		s->failed = number;
		return false;
	}
	s->cached = number;
	s->termination = pu_termination_note(p->tui, s->inv.account_id, &s->termination_late);
	return true;
}

/* "description ........ $12.00" across width. */
static int amount_line(WINDOW *w, int y, int x, int width, const char *label, const char *amount,
	enum theme_role role)
{
	if (y >= getmaxy(w) || width <= 0)
		return y + 1;
	int aw = theme_text_width(amount);
	theme_set(w, role);
	theme_put(w, y, x, label, width - aw - 1 > 0 ? width - aw - 1 : 0, false);
	theme_put(w, y, x + width - aw, amount, aw, true);
	theme_set(w, THEME_NORMAL);
	return y + 1;
}

static char *tax_text(struct pane *p, const struct invoice_tax *t)
{
	char *rate = tax_rate_format(t->rate_thousandths, tui_money_style(p->tui));
	char *s = kc_asprintf("%s %s %%", tax_label(t->code), rate ? rate : "?");
	free(rate);
	return s;
}

static const char *settlement_word(const char *kind)
{
	if (kind && strcmp(kind, "payment") == 0)
		return _("payment");
	if (kind && strcmp(kind, "credit_note") == 0)
		return _("credit note");
	return _("store credit");
}

static char *settlement_text(const struct invoice_settlement *st)
{
	return kc_asprintf("%s %s %lld", pu_dash(st->date), settlement_word(st->kind),
		(long long)st->ref);
}

/* Left: the lines, the subtotal, each tax with its rate, the total. */
static void detail_lines(struct pane *p, WINDOW *w, int x, int width)
{
	const struct invoice *inv = &state(p)->inv;
	int h = getmaxy(w);
	int fixed = 2 + (int)inv->n_taxes; /* subtotal, taxes, total */
	int room = h - 1 - fixed;
	int y = 1;
	for (size_t i = 0; i < inv->n_lines; i++) {
		bool last_room = y == room && i + 1 < inv->n_lines;
		if (y > room)
			break;
		if (last_room) {
			char *more = kc_asprintf(_("... %zu more lines (Enter)"), inv->n_lines - i);
			y = pu_line(w, y, x, width, more, THEME_DIM);
			free(more);
			break;
		}
		char *a = pu_money(p->tui, inv->lines[i].amount);
		y = amount_line(w, y, x, width, inv->lines[i].description, a ? a : "", THEME_NORMAL);
		free(a);
	}
	char *sub = pu_money(p->tui, inv->subtotal);
	y = amount_line(w, y, x, width, _("Subtotal"), sub ? sub : "", THEME_LABEL);
	free(sub);
	for (size_t i = 0; i < inv->n_taxes; i++) {
		char *label = tax_text(p, &inv->taxes[i]);
		char *a = pu_money(p->tui, inv->taxes[i].amount);
		y = amount_line(w, y, x, width, label ? label : "", a ? a : "", THEME_NORMAL);
		free(label);
		free(a);
	}
	char *total = pu_money(p->tui, inv->total);
	amount_line(w, y, x, width, _("Total"), total ? total : "", THEME_LABEL);
	free(total);
}

static const struct pane_row *selected_row(struct pane *p, int64_t number)
{
	const struct pane_row *r = pane_selected(p);
	return r && r->id == number ? r : NULL;
}

/* Right: status, balance, what settled it, the pending termination. */
static void detail_money(struct pane *p, WINDOW *w, int x, int width)
{
	struct inv_state *s = state(p);
	const struct invoice *inv = &s->inv;
	int h = getmaxy(w);
	int y = 1;
	const struct pane_row *r = selected_row(p, inv->number);
	const char *late = r ? r->cells[IC_LATE] : NULL;
	bool overdue = r && r->role == THEME_BREACHED;
	char *status = late && *late ? kc_asprintf(_("%s, %s days late (BIL-6)"),
		status_label("overdue"), late) : kc_strdup(status_label(inv->status));
	y = pane_detail_pair(w, y, x, width, _("Status"), status, overdue ? THEME_BREACHED : THEME_NORMAL);
	free(status);
	char *bal = pu_money(p->tui, inv->balance);
	y = pane_detail_pair(w, y, x, width, _("Balance"), bal, inv->balance > 0 ? THEME_WARNING
		: THEME_NORMAL);
	free(bal);
	int last = h - 1 - (s->termination ? 1 : 0);
	for (size_t i = 0; i < inv->n_settlements && y < last; i++) {
		char *label = settlement_text(&inv->settlements[i]);
		char *a = pu_money(p->tui, -inv->settlements[i].amount);
		y = amount_line(w, y, x, width, label ? label : "", a ? a : "", THEME_NORMAL);
		free(label);
		free(a);
	}
	if (inv->n_settlements == 0 && y < last)
		y = pu_line(w, y, x, width, _("No payment or credit yet"), THEME_DIM);
	if (s->termination)
		pu_termination_pair(w, h - 1, x, width, s->termination, s->termination_late);
	else if (y < h)
		pu_line(w, h - 1, x, width, _("Enter: the whole invoice, its history"), THEME_DIM);
}

static void inv_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	if (!sel || !load_detail(p, sel->id)) {
		pane_detail_title(w, NULL);
		return;
	}
	const struct invoice *inv = &state(p)->inv;
	char *title = kc_asprintf(_("Invoice %lld  %s  %s  %s"), (long long)inv->number,
		pu_dash(inv->account_number), pu_dash(inv->holder), pu_dash(inv->date));
	pane_detail_title(w, title);
	free(title);
	int half = getmaxx(w) / 2;
	detail_lines(p, w, 1, half - 2);
	detail_money(p, w, half + 1, getmaxx(w) - half - 2);
}

/* --- the whole invoice (Enter) ---------------------------------------------- */

static void append_amount(struct pane *p, strbuf *sb, const char *label, kc_cents c)
{
	char *a = pu_money(p->tui, c);
	int pad = 56 - theme_text_width(label);
	strbuf_appendf(sb, "  %s%*s %14s\n", label, pad > 0 ? pad : 0, "", a ? a : "");
	free(a);
}

/* The audit entries of one record, newest first, one line each. */
static void append_history_of(kc_db *db, strbuf *sb, const char *entity, int64_t id)
{
	struct audit_entry e[20];
	size_t n = 0;
	kc_error err = KC_ERROR_INIT;
	if (audit_page(db, NULL, entity, id, NULL, NULL, 0, e, 20, &n, &err) != KC_OK) {
		strbuf_appendf(sb, "  %s\n", kc_error_text(&err));
		kc_error_clear(&err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *when = pu_local_iso(e[i].at);
		char *what = history_describe(e[i].action, e[i].entity, e[i].entity_id,
			e[i].old_values, e[i].new_values);
		strbuf_appendf(sb, "  %s  ", when ? when : "");
		pu_append_label(sb, pu_dash(e[i].staff), 10);
		strbuf_appendf(sb, " %s\n", what ? what : pu_dash(e[i].action));
		free(when);
		free(what);
		audit_entry_clear(&e[i]);
	}
}

static void invoice_text(struct pane *p, const struct invoice *inv, strbuf *sb)
{
	struct inv_state *s = state(p);
	pu_append_label(sb, _("Account"), 16);
	strbuf_appendf(sb, " %s  %s\n", pu_dash(inv->account_number), pu_dash(inv->holder));
	pu_append_label(sb, _("Date (due)"), 16);
	strbuf_appendf(sb, " %s\n", pu_dash(inv->date));
	pu_append_label(sb, _("Period"), 16);
	strbuf_appendf(sb, " %s .. %s\n", pu_dash(inv->period_start), pu_dash(inv->period_end));
	pu_append_label(sb, _("Status"), 16);
	strbuf_appendf(sb, " %s\n", status_label(inv->status));
	char *by = pu_local_iso(inv->issued_at);
	pu_append_label(sb, _("Issued"), 16);
	strbuf_appendf(sb, " %s, %s\n", by ? by : "", pu_dash(inv->issued_by));
	free(by);
	if (s->cached == inv->number)
		pu_append_termination(sb, s->termination);
	strbuf_appendf(sb, "\n%s\n", _("Lines"));
	for (size_t i = 0; i < inv->n_lines; i++)
		append_amount(p, sb, inv->lines[i].description, inv->lines[i].amount);
	append_amount(p, sb, _("Subtotal"), inv->subtotal);
	for (size_t i = 0; i < inv->n_taxes; i++) {
		char *label = tax_text(p, &inv->taxes[i]);
		append_amount(p, sb, label ? label : "", inv->taxes[i].amount);
		free(label);
	}
	append_amount(p, sb, _("Total"), inv->total);
	strbuf_appendf(sb, "\n%s\n", _("Payments and credits"));
	for (size_t i = 0; i < inv->n_settlements; i++) {
		const struct invoice_settlement *st = &inv->settlements[i];
		char *t = settlement_text(st);
		char *l = kc_asprintf("%s  %s", t ? t : "", pu_dash(st->detail));
		append_amount(p, sb, l ? l : "", -st->amount);
		free(t);
		free(l);
	}
	if (inv->n_settlements == 0)
		strbuf_appendf(sb, "  %s\n", _("none"));
	append_amount(p, sb, _("Balance"), inv->balance);
	strbuf_appendf(sb, "\n%s\n", _("History"));
	kc_db *db = tui_db(p->tui);
	append_history_of(db, sb, "invoice", inv->id);
	for (size_t i = 0; i < inv->n_settlements; i++) {
		const char *k = inv->settlements[i].kind;
		if (k && strcmp(k, "payment") == 0)
			append_history_of(db, sb, "payment", inv->settlements[i].ref);
		else if (k && strcmp(k, "store_credit") == 0)
			append_history_of(db, sb, "store_credit", inv->settlements[i].ref);
	}
}

/* The selected invoice read again (the list may be older than the data). */
static bool fresh_invoice(struct pane *p, struct invoice *inv)
{
	memset(inv, 0, sizeof *inv);
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return false;
	kc_error err = KC_ERROR_INIT;
	if (invoice_get(tui_db(p->tui), sel->id, inv, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		invoice_clear(inv);
		memset(inv, 0, sizeof *inv);
		return false;
	}
	return true;
}

static unsigned open_invoice(struct pane *p)
{
	struct invoice inv;
	if (!fresh_invoice(p, &inv))
		return PANE_REDRAW;
	strbuf sb = STRBUF_INIT;
	invoice_text(p, &inv, &sb);
	char *title = kc_asprintf(_("Invoice %lld"), (long long)inv.number);
	form_view_text(p->tui, title ? title : "", strbuf_cstr(&sb));
	free(title);
	strbuf_free(&sb);
	invoice_clear(&inv);
	return PANE_REDRAW;
}

static unsigned show_statement(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	strbuf sb = STRBUF_INIT;
	kc_error err = KC_ERROR_INIT;
	/* BIL-9: the customer's language (the invoice's), not the staff's. */
	if (invoice_statement_text(tui_db(p->tui), sel->id, NULL, &sb, &err) != KC_OK) {
		tui_error(p->tui, &err);
	} else {
		char *title = kc_asprintf(_("Statement of invoice %lld (BIL-9)"), (long long)sel->id);
		form_view_text(p->tui, title ? title : "", strbuf_cstr(&sb));
		free(title);
	}
	kc_error_clear(&err);
	strbuf_free(&sb);
	return PANE_REDRAW;
}

/* --- filters ------------------------------------------------------------------- */

static void set_label(struct pane *p)
{
	struct inv_state *s = state(p);
	strbuf sb = STRBUF_INIT;
	if (s->status)
		strbuf_append(&sb, status_label(s->status));
	if (s->account_id && !p->title)
		strbuf_appendf(&sb, "%s%s", sb.len ? ", " : "", pu_dash(s->account_number));
	if (s->from[0] || s->to[0])
		strbuf_appendf(&sb, "%s%s..%s", sb.len ? ", " : "", s->from, s->to);
	free(p->filter_label);
	p->filter_label = sb.len ? strbuf_detach(&sb) : NULL;
	strbuf_free(&sb);
}

enum { T_AMOUNT = 1, T_METHOD, T_CURRENCY, T_RATE, T_DATE, T_REFERENCE, T_WIRE_FEE, T_FEE,
	T_TO, T_PAYMENT, T_REASON, T_PAYMETHOD, T_GROUNDS, T_NOTE, T_TAX, T_SOURCE, T_DESCRIPTION,
	T_TXDATE, T_WRITING, T_FROM, T_UNTIL, T_ACCOUNT };

static const char *blank_null(const char *s)
{
	return s && *s ? s : NULL;
}

static kc_status dates_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	(void)ctx;
	kc_date d;
	const int tags[] = { T_FROM, T_UNTIL };
	for (size_t i = 0; i < 2; i++) {
		const char *v = form_value(f, tags[i]);
		if (v && *v && date_parse(v, &d, err) != KC_OK) {
			*bad_tag = tags[i];
			return err ? err->code : KC_ERR_INVALID;
		}
	}
	return KC_OK;
}

static bool ask_dates(struct pane *p)
{
	struct inv_state *s = state(p);
	struct form *f = form_new(_("Invoices dated"));
	if (!f)
		return false;
	pu_form_info(f, _("Dates YYYY-MM-DD, both included; empty = no limit."));
	form_add_text(f, T_FROM, _("From"), s->from, 10);
	form_add_text(f, T_UNTIL, _("To"), s->to, 10);
	form_set_callbacks(f, dates_save, NULL, NULL);
	bool ok = form_run(p->tui, f) == FORM_SAVED;
	if (ok) {
		snprintf(s->from, sizeof s->from, "%s", form_value(f, T_FROM));
		snprintf(s->to, sizeof s->to, "%s", form_value(f, T_UNTIL));
	}
	form_free(&f);
	return ok;
}

static bool ask_account(struct pane *p)
{
	struct inv_state *s = state(p);
	char *ref = form_prompt_text(p->tui, _("Invoices of one account"), _("Account"),
		s->account_number);
	if (!ref)
		return false;
	bool ok = false;
	kc_error err = KC_ERROR_INIT;
	int64_t id = 0;
	struct account a;
	memset(&a, 0, sizeof a);
	if (!*ref) {
		s->account_id = 0;
		free(s->account_number);
		s->account_number = NULL;
		ok = true;
	} else if (account_resolve(tui_db(p->tui), ref, &id, &err) != KC_OK
		   || account_get(tui_db(p->tui), id, &a, &err) != KC_OK) {
		tui_error(p->tui, &err);
	} else {
		s->account_id = id;
		free(s->account_number);
		s->account_number = a.number;
		a.number = NULL;
		ok = true;
	}
	account_clear(&a);
	kc_error_clear(&err);
	free(ref);
	return ok;
}

static unsigned inv_filter(struct pane *p)
{
	static const char *const statuses[] = { NULL, "open", "overdue", "paid", "credited" };
	struct inv_state *s = state(p);
	const char *labels[8];
	labels[0] = _("All invoices");
	size_t initial = 0;
	for (size_t i = 1; i < 5; i++) {
		labels[i] = status_label(statuses[i]);
		if (s->status && strcmp(s->status, statuses[i]) == 0)
			initial = i;
	}
	labels[5] = _("One account...");
	labels[6] = _("Invoice dates...");
	labels[7] = _("Every account and date");
	int k = form_choose(p->tui, _("Show invoices"), labels, 8, initial);
	if (k < 0)
		return PANE_REDRAW;
	if (k < 5) {
		free(s->status);
		s->status = statuses[k] ? kc_strdup(statuses[k]) : NULL;
	} else if (k == 5 && !ask_account(p)) {
		return PANE_REDRAW;
	} else if (k == 6 && !ask_dates(p)) {
		return PANE_REDRAW;
	} else if (k == 7) {
		s->from[0] = s->to[0] = '\0';
		if (!p->title) {
			s->account_id = 0;
			free(s->account_number);
			s->account_number = NULL;
		}
	}
	set_label(p);
	kc_error err = KC_ERROR_INIT;
	if (pane_load_first(p, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	return PANE_REDRAW;
}

/* --- money forms ---------------------------------------------------------------- */

struct money_form {
	struct pane *pane;
	struct invoice inv;
	char *done;                     /* message after a save (heap) */
	const char **values, **labels;  /* a choice built at run time (owned) */
	char **strings;                 /* their texts (owned) */
	size_t n_strings;
	const char **values2, **labels2;
};

static void money_form_clear(struct money_form *mf)
{
	invoice_clear(&mf->inv);
	free(mf->done);
	for (size_t i = 0; i < mf->n_strings; i++)
		free(mf->strings[i]);
	free(mf->strings);
	free(mf->values);
	free(mf->labels);
	free(mf->values2);
	free(mf->labels2);
}

/* Keeps s until the form is cleared; returns it. */
static const char *keep(struct money_form *mf, char *s)
{
	char **n = realloc(mf->strings, (mf->n_strings + 1) * sizeof *n);
	if (!n) {
		free(s);
		return "";
	}
	mf->strings = n;
	mf->strings[mf->n_strings++] = s;
	return s ? s : "";
}

static kc_status field_money(struct form *f, int tag, bool optional, kc_cents *out, bool *given,
	int *bad_tag, kc_error *err)
{
	const char *v = form_value(f, tag);
	if (given)
		*given = v && *v;
	if (!v || !*v) {
		*out = 0;
		if (optional)
			return KC_OK;
		*bad_tag = tag;
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("An amount is required"));
	}
	kc_status st = money_parse(v, out, err);
	if (st != KC_OK)
		*bad_tag = tag;
	return st;
}

static int64_t field_id(struct form *f, int tag)
{
	const char *v = form_value(f, tag);
	return v && *v ? strtoll(v, NULL, 10) : 0;
}

/* title: heap, taken over. */
static struct form *money_form_new(char *title, const char *save)
{
	struct form *f = form_new(title ? title : "");
	free(title);
	form_set_save_label(f, save);
	return f;
}

static unsigned money_form_run(struct money_form *mf, struct form *f, form_save_fn save)
{
	form_set_callbacks(f, save, NULL, mf);
	enum form_result r = form_run(mf->pane->tui, f);
	form_free(&f);
	if (r != FORM_SAVED)
		return PANE_REDRAW;
	if (mf->done)
		tui_message(mf->pane->tui, THEME_MESSAGE, "%s", mf->done);
	return PANE_REDRAW | PANE_RELOAD;
}

/* PAY-1, PAY-2, PAY-3. */
static kc_status payment_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct money_form *mf = ctx;
	struct payment_input in;
	memset(&in, 0, sizeof in);
	in.account_id = mf->inv.account_id;
	in.method = form_value(f, T_METHOD);
	in.currency = blank_null(form_value(f, T_CURRENCY));
	in.rate = blank_null(form_value(f, T_RATE));
	in.received_on = blank_null(form_value(f, T_DATE));
	in.reference = form_value(f, T_REFERENCE);
	in.invoice_number = mf->inv.number;
	kc_status st = field_money(f, T_AMOUNT, false, &in.amount, NULL, bad_tag, err);
	if (st == KC_OK)
		st = field_money(f, T_WIRE_FEE, true, &in.wire_fee, NULL, bad_tag, err);
	struct payment_result res;
	memset(&res, 0, sizeof res);
	if (st == KC_OK)
		st = payment_record(tui_db(mf->pane->tui), &in, &res, err);
	if (st != KC_OK)
		return st;
	char *cad = pu_money(mf->pane->tui, res.cad);
	char *credit = pu_money(mf->pane->tui, res.credit);
	free(mf->done);
	mf->done = res.credit > 0
		? kc_asprintf(_("Payment %lld recorded: %s, to %d invoice(s); %s kept as store credit"),
			(long long)res.payment_id, cad ? cad : "", res.invoices, credit ? credit : "")
		: kc_asprintf(_("Payment %lld recorded: %s, to %d invoice(s)"),
			(long long)res.payment_id, cad ? cad : "", res.invoices);
	free(cad);
	free(credit);
	return KC_OK;
}

static unsigned record_payment(struct money_form *mf)
{
	static const char *const methods[] = { "visa", "mastercard", "cheque", "wire", NULL };
	const char *method_labels[] = { "Visa", "MasterCard", _("Cheque"), _("Wire transfer"), NULL };
	struct form *f = money_form_new(kc_asprintf(_("Payment for invoice %lld"),
		(long long)mf->inv.number), _("Record payment"));
	char *bal = pu_money_plain(mf->inv.balance > 0 ? mf->inv.balance : 0);
	pu_form_info(f, _("Settles this invoice first, then the oldest open ones; any excess "
		"becomes store credit (PAY-1)."));
	form_add_text(f, T_AMOUNT, _("Amount"), bal, 20);
	form_add_choice(f, T_METHOD, _("Method"), methods, method_labels, "visa");
	form_add_text(f, T_CURRENCY, _("Currency"), "CAD", 3);
	form_add_text(f, T_RATE, _("Rate (CAD per unit)"), NULL, 20);
	form_set_note(f, T_RATE, _("only when the currency is not CAD (PAY-2)"));
	form_add_text(f, T_DATE, _("Received on"), tui_today(mf->pane->tui), 10);
	form_add_text(f, T_REFERENCE, _("Reference"), NULL, 100);
	form_add_text(f, T_WIRE_FEE, _("Wire fee (PAY-3)"), NULL, 20);
	free(bal);
	return money_form_run(mf, f, payment_save);
}

/* The invoice's payments as a choice (values: payment ids). */
static size_t payment_choices(struct money_form *mf, bool with_none)
{
	size_t n = 0;
	for (size_t i = 0; i < mf->inv.n_settlements; i++)
		if (strcmp(mf->inv.settlements[i].kind, "payment") == 0)
			n++;
	size_t total = n + (with_none ? 1 : 0);
	mf->values = calloc(total + 1, sizeof *mf->values);
	mf->labels = calloc(total + 1, sizeof *mf->labels);
	if (!mf->values || !mf->labels)
		return 0;
	size_t k = 0;
	if (with_none) {
		mf->values[k] = "";
		mf->labels[k++] = _("none");
	}
	for (size_t i = 0; i < mf->inv.n_settlements; i++) {
		const struct invoice_settlement *s = &mf->inv.settlements[i];
		if (strcmp(s->kind, "payment") != 0)
			continue;
		char *a = pu_money(mf->pane->tui, s->amount);
		mf->values[k] = keep(mf, kc_asprintf("%lld", (long long)s->ref));
		mf->labels[k++] = keep(mf, kc_asprintf(_("payment %lld of %s, %s"), (long long)s->ref,
			pu_dash(s->date), a ? a : ""));
		free(a);
	}
	return n;
}

/* PAY-4. */
static kc_status chargeback_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct money_form *mf = ctx;
	kc_cents amount = 0, fee = 0;
	kc_status st = field_money(f, T_AMOUNT, true, &amount, NULL, bad_tag, err);
	if (st == KC_OK)
		st = field_money(f, T_FEE, false, &fee, NULL, bad_tag, err);
	struct chargeback_result res;
	memset(&res, 0, sizeof res);
	if (st == KC_OK)
		st = payment_chargeback(tui_db(mf->pane->tui), field_id(f, T_PAYMENT), amount,
			blank_null(form_value(f, T_DATE)), fee, &res, err);
	if (st != KC_OK)
		return st;
	char *a = pu_money(mf->pane->tui, res.amount);
	char *fe = pu_money(mf->pane->tui, res.fee);
	free(mf->done);
	mf->done = kc_asprintf(_("Chargeback %d recorded: %s, fee %s%s%s"), res.ordinal, a ? a : "",
		fe ? fe : "", res.suspended ? _("; account suspended") : "",
		res.flagged_for_closure ? _("; flagged for closure (third chargeback)") : "");
	free(a);
	free(fe);
	return KC_OK;
}

static unsigned record_chargeback(struct money_form *mf)
{
	if (payment_choices(mf, false) == 0) {
		tui_message(mf->pane->tui, THEME_ERROR, "%s", _("No payment settled this invoice: "
			"nothing to charge back"));
		return PANE_REDRAW;
	}
	const struct kc_settings *set = tui_settings(mf->pane->tui);
	char *fee = pu_money_plain(set ? set->chargeback_fee : 3500);
	struct form *f = money_form_new(kc_asprintf(_("Chargeback on invoice %lld"),
		(long long)mf->inv.number), _("Record chargeback"));
	pu_form_info(f, _("Adds the fee and a reassessment to the next invoice and suspends the "
		"account (PAY-4)."));
	form_add_choice(f, T_PAYMENT, _("Payment"), mf->values, mf->labels, NULL);
	form_add_text(f, T_AMOUNT, _("Amount"), NULL, 20);
	form_set_note(f, T_AMOUNT, _("empty: what is left of the payment"));
	form_add_text(f, T_DATE, _("Received on"), tui_today(mf->pane->tui), 10);
	form_add_text(f, T_FEE, _("Chargeback fee"), fee, 20);
	free(fee);
	return money_form_run(mf, f, chargeback_save);
}

/* PAY-5, PAY-7. */
static kc_status refund_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct money_form *mf = ctx;
	struct refund_input in;
	memset(&in, 0, sizeof in);
	in.account_id = mf->inv.account_id;
	in.payment_id = field_id(f, T_PAYMENT);
	in.reason = form_value(f, T_REASON);
	in.method = form_value(f, T_TO);
	in.grounds = blank_null(form_value(f, T_GROUNDS));
	in.note = blank_null(form_value(f, T_NOTE));
	in.refunded_on = blank_null(form_value(f, T_DATE));
	in.paymethod_id = field_id(f, T_PAYMETHOD);
	kc_status st = field_money(f, T_AMOUNT, false, &in.amount, NULL, bad_tag, err);
	struct refund_result res;
	memset(&res, 0, sizeof res);
	if (st == KC_OK)
		st = payment_refund(tui_db(mf->pane->tui), &in, &res, err);
	if (st != KC_OK)
		return st;
	free(mf->done);
	mf->done = res.pay_by[0]
		? kc_asprintf(_("Refund %lld recorded; pay it by %s (PAY-5)"), (long long)res.refund_id,
			res.pay_by)
		: kc_asprintf(_("Refund %lld recorded"), (long long)res.refund_id);
	return KC_OK;
}

/* The account's payment methods as a choice (values: ids), for PAY-5. */
static void paymethod_choices(struct money_form *mf)
{
	struct paymethod *pms = NULL;
	size_t n = 0;
	kc_error err = KC_ERROR_INIT;
	if (paymethod_list(tui_db(mf->pane->tui), mf->inv.account_id, false, &pms, &n, &err) != KC_OK)
		n = 0;
	kc_error_clear(&err);
	mf->values2 = calloc(n + 2, sizeof *mf->values2);
	mf->labels2 = calloc(n + 2, sizeof *mf->labels2);
	if (mf->values2 && mf->labels2) {
		mf->values2[0] = "";
		mf->labels2[0] = _("none");
		for (size_t i = 0; i < n; i++) {
			mf->values2[i + 1] = keep(mf, kc_asprintf("%lld", (long long)pms[i].id));
			mf->labels2[i + 1] = keep(mf, paymethod_masked(&pms[i]));
		}
	}
	paymethods_free(&pms, n);
}

static unsigned record_refund(struct money_form *mf)
{
	static const char *const to[] = { "store_credit", "paypal", "cheque", NULL };
	static const char *const reasons[] = { "discretionary", "unauthorized", NULL };
	const char *to_labels[] = { _("Store credit"), "PayPal", _("Cheque"), NULL };
	const char *reason_labels[] = { _("Discretionary (PAY-7)"), _("Unauthorized charge (PAY-5)"),
		NULL };
	payment_choices(mf, true);
	paymethod_choices(mf);
	if (!mf->values || !mf->labels || !mf->values2 || !mf->labels2)
		return PANE_REDRAW;
	struct form *f = money_form_new(kc_asprintf(_("Refund for invoice %lld"),
		(long long)mf->inv.number), _("Record refund"));
	pu_form_info(f, _("Never for non-use or cancellation (PAY-7). A cash refund names the "
		"payment it returns; an unauthorized charge names the payment method to remove."));
	form_add_choice(f, T_TO, _("Refund as"), to, to_labels, "store_credit");
	form_add_text(f, T_AMOUNT, _("Amount"), NULL, 20);
	form_add_choice(f, T_PAYMENT, _("Payment refunded"), mf->values, mf->labels, NULL);
	form_add_choice(f, T_REASON, _("Reason"), reasons, reason_labels, "discretionary");
	form_add_choice(f, T_PAYMETHOD, _("Payment method (PAY-5)"), mf->values2, mf->labels2, NULL);
	form_add_text(f, T_GROUNDS, _("Grounds"), NULL, 100);
	form_add_text(f, T_NOTE, _("Note"), NULL, 500);
	form_add_text(f, T_DATE, _("Refunded on"), tui_today(mf->pane->tui), 10);
	return money_form_run(mf, f, refund_save);
}

/* CRD-1: store credit, applied by billing to the next invoices (CRD-2). */
static kc_status credit_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct money_form *mf = ctx;
	kc_cents amount = 0;
	int64_t id = 0;
	kc_status st = field_money(f, T_AMOUNT, false, &amount, NULL, bad_tag, err);
	if (st == KC_OK)
		st = credit_add(tui_db(mf->pane->tui), mf->inv.account_id, form_value(f, T_SOURCE),
			amount, blank_null(form_value(f, T_DATE)), blank_null(form_value(f, T_NOTE)), &id,
			err);
	if (st != KC_OK)
		return st;
	char *a = pu_money(mf->pane->tui, amount);
	free(mf->done);
	mf->done = kc_asprintf(_("Store credit %lld of %s given to %s: the next invoices use it (CRD-2)"),
		(long long)id, a ? a : "", pu_dash(mf->inv.account_number));
	free(a);
	return KC_OK;
}

static unsigned give_credit(struct money_form *mf)
{
	static const char *const sources[] = { "goodwill", "refund", "sla", "overpayment", NULL };
	const char *source_labels[] = { _("Goodwill"), _("Refund"), _("SLA credit"), _("Overpayment"),
		NULL };
	char *title = kc_asprintf(_("Store credit for %s"), pu_dash(mf->inv.account_number));
	struct form *f = form_new(title ? title : "");
	free(title);
	form_set_save_label(f, _("Give credit"));
	pu_form_info(f, _("Store credit is not cash: never paid out nor moved (CRD-1); it expires "
		"after two years (CRD-3)."));
	form_add_text(f, T_AMOUNT, _("Amount"), NULL, 20);
	form_add_choice(f, T_SOURCE, _("Source"), sources, source_labels, "goodwill");
	form_add_text(f, T_NOTE, _("Note"), NULL, 500);
	form_add_text(f, T_DATE, _("Issued on"), tui_today(mf->pane->tui), 10);
	return money_form_run(mf, f, credit_save);
}

/* BIL-5: the only correction of an issued invoice. */
static kc_status credit_note_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct money_form *mf = ctx;
	kc_cents amount = 0, tax = 0;
	bool has_tax = false;
	kc_status st = field_money(f, T_AMOUNT, false, &amount, NULL, bad_tag, err);
	if (st == KC_OK)
		st = field_money(f, T_TAX, true, &tax, &has_tax, bad_tag, err);
	struct credit_note_result res;
	memset(&res, 0, sizeof res);
	if (st == KC_OK)
		st = credit_note_add(tui_db(mf->pane->tui), mf->inv.number, amount,
			has_tax ? &tax : NULL, form_value(f, T_REASON), blank_null(form_value(f, T_DATE)),
			&res, err);
	if (st != KC_OK)
		return st;
	char *total = pu_money(mf->pane->tui, res.total);
	free(mf->done);
	mf->done = kc_asprintf(_("Credit note %lld issued on invoice %lld: %s with taxes"),
		(long long)res.number, (long long)mf->inv.number, total ? total : "");
	free(total);
	return KC_OK;
}

static unsigned issue_credit_note(struct money_form *mf)
{
	struct form *f = money_form_new(kc_asprintf(_("Credit note on invoice %lld"),
		(long long)mf->inv.number), _("Issue credit note"));
	pu_form_info(f, _("The amount is before taxes; the taxes follow the invoice's unless given "
		"(BIL-5)."));
	form_add_text(f, T_AMOUNT, _("Amount before taxes"), NULL, 20);
	form_add_text(f, T_TAX, _("Taxes"), NULL, 20);
	form_set_note(f, T_TAX, _("empty: in proportion of the invoice's taxes"));
	form_add_text(f, T_REASON, _("Reason"), NULL, 300);
	form_add_text(f, T_DATE, _("Issued on"), tui_today(mf->pane->tui), 10);
	return money_form_run(mf, f, credit_note_save);
}

/* PAY-6. */
static kc_status dispute_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	(void)bad_tag;
	struct money_form *mf = ctx;
	struct dispute_input in;
	memset(&in, 0, sizeof in);
	in.account_id = mf->inv.account_id;
	in.transaction_date = form_value(f, T_TXDATE);
	in.received_on = blank_null(form_value(f, T_DATE));
	in.description = form_value(f, T_DESCRIPTION);
	in.invoice_number = mf->inv.number;
	in.in_writing = strcmp(form_value(f, T_WRITING), "yes") == 0;
	int64_t id = 0;
	bool in_time = false;
	kc_status st = payment_dispute_add(tui_db(mf->pane->tui), &in, &id, &in_time, err);
	if (st != KC_OK)
		return st;
	free(mf->done);
	mf->done = in_time ? kc_asprintf(_("Dispute %lld recorded, in time (PAY-6)"), (long long)id)
		: kc_asprintf(_("Dispute %lld recorded, out of time: more than 30 days (PAY-6)"),
			(long long)id);
	return KC_OK;
}

static unsigned record_dispute(struct money_form *mf)
{
	static const char *const yes_no[] = { "yes", "no", NULL };
	const char *yes_no_labels[] = { _("yes"), _("no"), NULL };
	struct form *f = money_form_new(kc_asprintf(_("Dispute of invoice %lld"),
		(long long)mf->inv.number), _("Record dispute"));
	pu_form_info(f, _("In time when received within 30 days of the transaction (PAY-6)."));
	form_add_text(f, T_TXDATE, _("Transaction date"), mf->inv.date, 10);
	form_add_text(f, T_DATE, _("Received on"), tui_today(mf->pane->tui), 10);
	form_add_longtext(f, T_DESCRIPTION, _("Description (Ctrl-E: editor)"), NULL);
	form_add_choice(f, T_WRITING, _("In writing"), yes_no, yes_no_labels, "yes");
	return money_form_run(mf, f, dispute_save);
}

static unsigned money_action(struct pane *p, enum action_id a)
{
	struct money_form mf;
	memset(&mf, 0, sizeof mf);
	mf.pane = p;
	if (!fresh_invoice(p, &mf.inv))
		return PANE_REDRAW;
	unsigned r = PANE_REDRAW;
	switch (a) {
	case ACTION_PAYMENT: r = record_payment(&mf); break;
	case ACTION_CHARGEBACK: r = record_chargeback(&mf); break;
	case ACTION_REFUND: r = record_refund(&mf); break;
	case ACTION_STORE_CREDIT: r = give_credit(&mf); break;
	case ACTION_CREDIT_NOTE: r = issue_credit_note(&mf); break;
	case ACTION_DISPUTE: r = record_dispute(&mf); break;
	default: break;
	}
	money_form_clear(&mf);
	return r;
}

/* --- the billing run (BIL-7) ------------------------------------------------------ */

static char *report_text(struct pane *p, const struct billing_report *r, bool preview)
{
	char *total = pu_money(p->tui, r->total);
	strbuf sb = STRBUF_INIT;
	if (preview)
		strbuf_appendf(&sb, "%s\n\n", _("Preview: nothing was written."));
	pu_append_label(&sb, preview ? _("Invoices to issue:") : _("Invoices issued:"), 24);
	strbuf_appendf(&sb, " %lld\n", (long long)r->invoices);
	pu_append_label(&sb, _("Accounts invoiced:"), 24);
	strbuf_appendf(&sb, " %lld\n", (long long)r->accounts);
	pu_append_label(&sb, _("Accounts examined:"), 24);
	strbuf_appendf(&sb, " %lld\n", (long long)r->accounts_seen);
	pu_append_label(&sb, _("Total:"), 24);
	strbuf_appendf(&sb, " %s\n", total ? total : "");
	if (r->invoices > 0) {
		pu_append_label(&sb, _("Invoice numbers:"), 24);
		strbuf_appendf(&sb, " %lld-%lld\n", (long long)r->first_number,
			(long long)r->last_number);
	}
	free(total);
	return strbuf_detach(&sb);
}

struct billing_progress {
	struct tui *tui;
	struct tui_modal modal;
	struct billing_report so_far;
};

static void billing_progress_draw(struct tui_modal *m, struct tui *t)
{
	(void)t;
	struct billing_progress *bp = m->ctx;
	theme_set(m->win, THEME_BORDER);
	box(m->win, 0, 0);
	theme_set(m->win, THEME_TITLE);
	theme_puts(m->win, 0, 2, _(" Billing "), m->w - 4);
	theme_set(m->win, THEME_NORMAL);
	char *s = kc_asprintf(_("%lld accounts examined, %lld invoices issued"),
		(long long)bp->so_far.accounts_seen, (long long)bp->so_far.invoices);
	theme_puts(m->win, 1, 2, s ? s : "", m->w - 4);
	free(s);
}

static void billing_progress(void *ctx, const struct billing_report *so_far)
{
	struct billing_progress *bp = ctx;
	bp->so_far = *so_far;
	kc_key key;
	/* Billing cannot stop halfway by design (whole invoices); keys wait. */
	(void)tui_poll_key(bp->tui, &key);
}

static kc_status run_billing_date(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	(void)ctx;
	kc_date d;
	*bad_tag = 0;
	return date_parse(form_value(f, 0), &d, err);
}

static unsigned run_billing(struct pane *p)
{
	struct form *f = form_new(_("Run billing (BIL-7)"));
	if (!f)
		return PANE_REDRAW;
	pu_form_info(f, _("Every invoice due on or before this date; a preview comes first."));
	form_add_text(f, 0, _("Bill up to"), tui_today(p->tui), 10);
	form_set_save_label(f, _("Preview"));
	form_set_callbacks(f, run_billing_date, NULL, NULL);
	enum form_result fr = form_run(p->tui, f);
	char *as_of = fr == FORM_SAVED ? kc_strdup(form_value(f, 0)) : NULL;
	form_free(&f);
	if (!as_of)
		return PANE_REDRAW;
	kc_db *db = tui_db(p->tui);
	struct billing_options opt;
	billing_options_from_settings(tui_settings(p->tui), &opt);
	struct billing_report rep;
	kc_error err = KC_ERROR_INIT;
	unsigned res = PANE_REDRAW;
	if (billing_run(db, &opt, as_of, true, NULL, NULL, &rep, &err) != KC_OK) {
		tui_error(p->tui, &err);
	} else if (rep.invoices == 0) {
		tui_message(p->tui, THEME_MESSAGE, _("Nothing to bill up to %s"), as_of);
	} else {
		char *text = report_text(p, &rep, true);
		char *q = kc_asprintf("%s\n%s", text ? text : "", _("Issue these invoices now?"));
		if (pu_confirm(p->tui, _("Billing preview"), q ? q : "")) {
			struct billing_progress bp;
			memset(&bp, 0, sizeof bp);
			bp.tui = p->tui;
			bp.modal.draw = billing_progress_draw;
			bp.modal.ctx = &bp;
			bp.modal.want_h = 3;
			bp.modal.want_w = 60;
			tui_modal_push(p->tui, &bp.modal);
			int64_t expired = 0;
			/* CRD-3 first, so the run sees only the credit still valid. */
			kc_status st = credit_expire(db, as_of, &expired, &err);
			if (st == KC_OK)
				st = billing_run(db, &opt, as_of, false, billing_progress, &bp, &rep, &err);
			tui_modal_pop(p->tui, &bp.modal);
			if (st != KC_OK) {
				tui_error(p->tui, &err);
			} else {
				char *total = pu_money(p->tui, rep.total);
				tui_message(p->tui, THEME_MESSAGE, _("%lld invoices issued (%lld-%lld), total %s"),
					(long long)rep.invoices, (long long)rep.first_number,
					(long long)rep.last_number, total ? total : "");
				free(total);
			}
			res |= PANE_RELOAD;
		}
		free(q);
		free(text);
	}
	kc_error_clear(&err);
	free(as_of);
	return res;
}

static unsigned open_overdue(struct pane *p)
{
	kc_error err = KC_ERROR_INIT;
	if (tui_push_view(p->tui, &pane_overdue_ops, 0, _("Overdue"), &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	return PANE_REDRAW;
}

/* HIS-1: the audit trail of the selected invoice (rows are named by
 * number; the trail by the invoice's id). */
static unsigned invoice_audit(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	char ref[24];
	snprintf(ref, sizeof ref, "%lld", (long long)sel->id);
	int64_t number = 0, id = 0;
	kc_error err = KC_ERROR_INIT;
	unsigned r = PANE_REDRAW;
	if (invoice_resolve(tui_db(p->tui), ref, &number, &id, &err) != KC_OK) {
		tui_error(p->tui, &err);
	} else {
		char *what = kc_asprintf(_("invoice %lld"), (long long)number);
		r = pane_audit_record(p, "invoice", id, what);
		free(what);
	}
	kc_error_clear(&err);
	return r;
}

static unsigned inv_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_OPEN: return open_invoice(p);
	case ACTION_FILTER: return inv_filter(p);
	case ACTION_STATEMENT: return show_statement(p);
	case ACTION_RUN_BILLING: return run_billing(p);
	case ACTION_OVERDUE: return open_overdue(p);
	case ACTION_RECORD_AUDIT: return invoice_audit(p);
	case ACTION_PAYMENT:
	case ACTION_CHARGEBACK:
	case ACTION_REFUND:
	case ACTION_STORE_CREDIT:
	case ACTION_CREDIT_NOTE:
	case ACTION_DISPUTE:
		return money_action(p, a);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_invoices_ops = {
	.name = N_("Invoices"),
	.empty = N_("No invoices: B runs billing"),
	.columns = inv_columns,
	.n_columns = IC_N,
	.hints = inv_hints,
	.actions = inv_actions,
	.init = inv_init,
	.fini = inv_fini,
	.fetch = inv_fetch,
	.key_free = key_free,
	.count = inv_count,
	.draw_detail = inv_detail,
	.action = inv_action,
	.invalidate = inv_invalidate,
	.summary = inv_summary,
};
