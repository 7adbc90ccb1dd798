/* pane_overdue.c: the Overdue view over the Invoices pane (BIL-6): the
 * accounts with an invoice unpaid 11 days or more (overdue_page), and the
 * one action that suspends such an account with its reason recorded
 * (overdue_suspend: reason "overdue", ACC-9, and the note typed). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "form.h"
#include "overdue.h"
#include "pane.h"
#include "pane_util.h"
#include "strbuf.h"

enum od_col { OC_ACCOUNT, OC_HOLDER, OC_STATUS, OC_OLDEST, OC_DAYS, OC_INVOICES, OC_OVERDUE,
	OC_BALANCE, OC_N };

static const struct pane_column od_columns[OC_N] = {
	[OC_ACCOUNT] = { N_("Account"), 8, 0, false, -1 },
	[OC_HOLDER] = { N_("Holder"), 12, 1, false, -1 },
	[OC_STATUS] = { N_("Status"), 9, 0, false, -1 },
	[OC_OLDEST] = { N_("Oldest"), 10, 0, false, -1 },
	[OC_DAYS] = { N_("Days"), 4, 0, true, -1 },
	[OC_INVOICES] = { N_("Inv."), 4, 0, true, -1 },
	[OC_OVERDUE] = { N_("Overdue"), 10, 0, true, -1 },
	[OC_BALANCE] = { N_("Balance"), 10, 0, true, -1 },
};

static const enum action_id od_hints[] = { ACTION_SUSPEND, ACTION_OPEN, ACTION_NONE };
static const enum action_id od_actions[] = { ACTION_SUSPEND, ACTION_OPEN, ACTION_NONE };

/* The row's key: the account id is the keyset position. */
struct od_key {
	int64_t account_id;
	char *status;
};

static void key_free(void *k)
{
	struct od_key *o = k;
	if (o)
		free(o->status);
	free(o);
}

static bool row_from(struct pane *p, const struct overdue_row *r, struct pane_row *out)
{
	if (!pane_row_alloc(out, OC_N))
		return false;
	struct od_key *k = calloc(1, sizeof *k);
	if (!k) {
		free(out->cells);
		out->cells = NULL;
		return false;
	}
	k->account_id = r->account_id;
	k->status = kc_strdup(r->status);
	out->key = k;
	out->id = r->account_id;
	pane_row_set(out, OC_ACCOUNT, kc_strdup(r->account_number));
	pane_row_set(out, OC_HOLDER, kc_strdup(r->holder));
	pane_row_set(out, OC_STATUS, kc_strdup(account_status_label(r->status)));
	pane_row_set(out, OC_OLDEST, kc_strdup(r->oldest_date));
	pane_row_set(out, OC_DAYS, kc_asprintf("%lld", (long long)r->days_late));
	pane_row_set(out, OC_INVOICES, kc_asprintf("%lld", (long long)r->invoices));
	pane_row_set(out, OC_OVERDUE, pu_money(p->tui, r->overdue_cents));
	pane_row_set(out, OC_BALANCE, pu_money(p->tui, r->balance_cents));
	/* Active and eligible: the suspension is still to do. */
	out->role = strcmp(r->status, "active") == 0 ? THEME_BREACHED : THEME_DIM;
	return true;
}

static kc_status forward(struct pane *p, const struct pane_row *after, struct pane_row *out,
	size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	struct overdue_row *rows = calloc(max ? max : 1, sizeof *rows);
	if (!rows)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	size_t got = 0;
	int64_t from = after && after->key ? ((const struct od_key *)after->key)->account_id : 0;
	kc_status st = overdue_page(tui_db(p->tui), NULL, from, rows, max, &got, err);
	for (size_t i = 0; st == KC_OK && i < got; i++) {
		if (!row_from(p, &rows[i], &out[*n])) {
			st = kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
			break;
		}
		(*n)++;
	}
	if (st != KC_OK) {
		for (size_t i = 0; i < *n; i++)
			pane_row_clear(p, &out[i]);
		*n = 0;
	}
	overdue_rows_clear(rows, got);
	free(rows);
	return st;
}

static int compare(const struct pane_row *a, const struct pane_row *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

static kc_status od_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	if (!backward)
		return forward(p, from, out, max, n, err);
	/* overdue_page goes forward only: the list is short (accounts owing). */
	return pu_fetch_before_by_scan(p, forward, compare, from, out, max, n, err);
}

static void od_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	if (!sel) {
		pane_detail_title(w, NULL);
		return;
	}
	char *title = kc_asprintf("%s  %s", sel->cells[OC_ACCOUNT], sel->cells[OC_HOLDER]);
	pane_detail_title(w, title);
	free(title);
	int width = getmaxx(w) - 2, y = 1;
	const struct od_key *k = sel->key;
	bool active = k && k->status && strcmp(k->status, "active") == 0;
	y = pane_detail_pair(w, y, 1, width, _("Status"), sel->cells[OC_STATUS],
		active ? THEME_NORMAL : THEME_DIM);
	char *since = kc_asprintf(_("%s (%s days, %s invoices)"), sel->cells[OC_OLDEST],
		sel->cells[OC_DAYS], sel->cells[OC_INVOICES]);
	y = pane_detail_pair(w, y, 1, width, _("Oldest overdue"), since, THEME_BREACHED);
	free(since);
	y = pane_detail_pair(w, y, 1, width, _("Overdue"), sel->cells[OC_OVERDUE], THEME_WARNING);
	y = pane_detail_pair(w, y, 1, width, _("Balance"), sel->cells[OC_BALANCE], THEME_NORMAL);
	bool late = false;
	char *term = pu_termination_note(p->tui, sel->id, &late);
	if (term)
		y = pu_termination_pair(w, y, 1, width, term, late);
	free(term);
	pu_line(w, y + 1, 1, width, active
		? _("Eligible for suspension: unpaid 11 days or more after the invoice date (BIL-6).")
		: _("Already suspended: reinstated once the balance is paid in full (BIL-6)."),
		THEME_DIM);
}

struct od_form {
	struct pane *pane;
	int64_t account_id;
};

static kc_status od_suspend_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	(void)bad_tag;
	struct od_form *of = ctx;
	return overdue_suspend(tui_db(of->pane->tui), of->account_id, NULL, form_value(f, 0), err);
}

static unsigned od_suspend(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	struct od_form of = { p, sel->id };
	char *number = kc_strdup(sel->cells[OC_ACCOUNT]);
	char *title = kc_asprintf(_("Suspend %s for non-payment"), pu_dash(number));
	struct form *f = form_new(title ? title : "");
	free(title);
	char *info = kc_asprintf(_("Reason recorded: overdue (BIL-6, ACC-9). Oldest unpaid invoice "
		"of %s, %s days late."), sel->cells[OC_OLDEST], sel->cells[OC_DAYS]);
	pu_form_info(f, info);
	free(info);
	form_add_longtext(f, 0, _("Note (Ctrl-E: editor)"), NULL);
	form_set_save_label(f, _("Suspend"));
	form_set_callbacks(f, od_suspend_save, NULL, &of);
	unsigned res = PANE_REDRAW;
	if (f && form_run(p->tui, f) == FORM_SAVED) {
		tui_message(p->tui, THEME_MESSAGE, _("Account %s suspended for non-payment"),
			pu_dash(number));
		res |= PANE_RELOAD;
	}
	form_free(&f);
	free(number);
	return res;
}

static unsigned od_open(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	char *title = kc_asprintf(_("Invoices of %s"), sel->cells[OC_ACCOUNT]);
	kc_error err = KC_ERROR_INIT;
	if (tui_push_view(p->tui, &pane_invoices_ops, sel->id, title, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	free(title);
	return PANE_REDRAW;
}

static unsigned od_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_SUSPEND: return od_suspend(p);
	case ACTION_OPEN: return od_open(p);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_overdue_ops = {
	.name = N_("Overdue"),
	.empty = N_("No account is overdue"),
	.columns = od_columns,
	.n_columns = OC_N,
	.hints = od_hints,
	.actions = od_actions,
	.fetch = od_fetch,
	.key_free = key_free,
	.draw_detail = od_detail,
	.action = od_action,
};
