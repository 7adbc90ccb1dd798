/* view_usage.c: an account's usage (issue 5): its billing cycles with the
 * calls, minutes and cost of each, invoiced and pending (usage_cycles),
 * the calls of one cycle (usage_page, keyset both ways), and the voip.ms
 * sync of the account or of every account, with a progress bar that stays
 * responsive: Esc stops the sync cleanly between two windows (sync.h's
 * stop flag, read before each window; whole windows only are kept). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "form.h"
#include "pane.h"
#include "pane_util.h"
#include "strbuf.h"
#include "sync.h"
#include "usage.h"

/* --- helpers ---------------------------------------------------------------------- */

/* "1:02:03" of seconds. */
static char *duration_text(int64_t s)
{
	if (s < 0)
		s = 0;
	return kc_asprintf("%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
		(long long)(s % 60));
}

/* Usage as money on screen: rounded once to cents (exact in the detail). */
static char *units8_money(struct tui *t, kc_units8 u)
{
	return pu_money(t, money_units8_to_cents(u));
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

static enum cycle_kind cycle_kind_of(struct tui *t)
{
	const struct kc_settings *s = tui_settings(t);
	return s && s->billing_cycle == SETTINGS_CYCLE_30DAYS ? CYCLE_30DAYS : CYCLE_MONTHLY;
}

/* --- the cycles of an account ---------------------------------------------------- */

enum cy_col { YC_CYCLE, YC_FROM, YC_TO, YC_CALLS, YC_MINUTES, YC_COST, YC_INVOICED, YC_PENDING,
	YC_N };

static const struct pane_column cy_columns[YC_N] = {
	[YC_CYCLE] = { N_("Cycle"), 5, 0, true, -1 },
	[YC_FROM] = { N_("From"), 10, 0, false, -1 },
	[YC_TO] = { N_("To"), 10, 0, false, -1 },
	[YC_CALLS] = { N_("Calls"), 6, 0, true, -1 },
	[YC_MINUTES] = { N_("Duration"), 9, 1, true, -1 },
	[YC_COST] = { N_("Cost"), 10, 0, true, -1 },
	[YC_INVOICED] = { N_("Invoiced"), 10, 0, true, -1 },
	[YC_PENDING] = { N_("Pending"), 10, 0, true, -1 },
};

static const enum action_id cy_hints[] = { ACTION_OPEN, ACTION_SYNC, ACTION_NONE };
static const enum action_id cy_actions[] = { ACTION_OPEN, ACTION_SYNC, ACTION_NONE };

struct cy_state {
	int64_t account_id;
	char *number;
	struct usage_pending pending;
	bool have_pending;
	char *last_sync;           /* the newest sync run, one line */
	char *termination;
	bool termination_late;
};

/* The row's key: the cycle as read. */
struct cy_key {
	struct usage_cycle c;
};

static struct cy_state *cy(struct pane *p)
{
	return p->priv;
}

static void cy_drop(struct cy_state *s)
{
	free(s->last_sync);
	free(s->termination);
	s->last_sync = s->termination = NULL;
	s->have_pending = false;
}

static kc_status cy_init(struct pane *p, int64_t arg, kc_error *err)
{
	struct cy_state *s = calloc(1, sizeof *s);
	if (!s)
		return nomem(err);
	s->account_id = arg;
	struct account a;
	memset(&a, 0, sizeof a);
	kc_status st = account_get(tui_db(p->tui), arg, &a, err);
	if (st != KC_OK) {
		account_clear(&a);
		free(s);
		return st;
	}
	s->number = a.number;
	a.number = NULL;
	account_clear(&a);
	p->priv = s;
	return KC_OK;
}

static void cy_fini(struct pane *p)
{
	struct cy_state *s = cy(p);
	if (!s)
		return;
	cy_drop(s);
	free(s->number);
	free(s);
	p->priv = NULL;
}

static void key_free(void *k)
{
	free(k);
}

static bool cycle_row(struct pane *p, const struct usage_cycle *c, struct pane_row *out)
{
	if (!pane_row_alloc(out, YC_N))
		return false;
	struct cy_key *k = calloc(1, sizeof *k);
	if (!k) {
		free(out->cells);
		out->cells = NULL;
		return false;
	}
	k->c = *c;
	out->key = k;
	/* Row ids must be unique: index -1 (before the welcome call) too. */
	out->id = (int64_t)c->index + 2;
	pane_row_set(out, YC_CYCLE, c->index >= 0 ? kc_asprintf("%d", c->index) : kc_strdup("-"));
	pane_row_set(out, YC_FROM, kc_strdup(pu_dash(c->from)));
	pane_row_set(out, YC_TO, kc_strdup(pu_dash(c->to)));
	pane_row_set(out, YC_CALLS, kc_asprintf("%lld", (long long)c->calls));
	pane_row_set(out, YC_MINUTES, duration_text(c->seconds));
	pane_row_set(out, YC_COST, units8_money(p->tui, c->cost_units8));
	pane_row_set(out, YC_INVOICED, units8_money(p->tui, c->invoiced_units8));
	pane_row_set(out, YC_PENDING, units8_money(p->tui, c->pending_units8));
	if (c->calls == 0)
		out->role = THEME_DIM;
	else if (c->calls_pending > 0)
		out->role = THEME_WARNING;
	return true;
}

static kc_status cy_forward(struct pane *p, const struct pane_row *after, struct pane_row *out,
	size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	struct usage_cycle *c = calloc(max ? max : 1, sizeof *c);
	if (!c)
		return nomem(err);
	int before = after && after->key ? ((const struct cy_key *)after->key)->c.index
		: USAGE_CYCLES_NEWEST;
	size_t got = 0;
	kc_status st = usage_cycles(tui_db(p->tui), cy(p)->account_id, cycle_kind_of(p->tui), NULL,
		before, c, max, &got, err);
	for (size_t i = 0; st == KC_OK && i < got; i++) {
		if (!cycle_row(p, &c[i], &out[*n])) {
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
	free(c);
	return st;
}

/* Newest first: a higher index comes earlier. */
static int cy_compare(const struct pane_row *a, const struct pane_row *b)
{
	int x = ((const struct cy_key *)a->key)->c.index, y = ((const struct cy_key *)b->key)->c.index;
	return x > y ? -1 : x < y;
}

static kc_status cy_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	if (!backward)
		return cy_forward(p, from, out, max, n, err);
	/* usage_cycles goes one way; an account has one cycle a month. */
	return pu_fetch_before_by_scan(p, cy_forward, cy_compare, from, out, max, n, err);
}

static void load_account_facts(struct pane *p)
{
	struct cy_state *s = cy(p);
	if (s->have_pending)
		return;
	kc_error err = KC_ERROR_INIT;
	kc_db *db = tui_db(p->tui);
	s->have_pending = usage_pending_total(db, s->account_id, &s->pending, &err) == KC_OK;
	kc_error_clear(&err);
	struct sync_run_row run;
	size_t n = 0;
	memset(&run, 0, sizeof run);
	if (sync_runs_page(db, s->account_id, 0, &run, 1, &n, &err) == KC_OK && n == 1) {
		char *when = pu_local_iso(run.started_at);
		s->last_sync = kc_asprintf(_("%s by %s: %s, %s .. %s, %lld new calls"), when ? when : "",
			pu_dash(run.staff), sync_status_label(run.status), pu_dash(run.window_from),
			pu_dash(run.window_to), (long long)run.calls_new);
		free(when);
	}
	if (n == 1)
		sync_runs_clear(&run, 1);
	kc_error_clear(&err);
	s->termination = pu_termination_note(p->tui, s->account_id, &s->termination_late);
}

static void cy_invalidate(struct pane *p)
{
	cy_drop(cy(p));
}

static char *cy_summary(struct pane *p)
{
	struct cy_state *s = cy(p);
	load_account_facts(p);
	if (!s->have_pending)
		return NULL;
	char *m = units8_money(p->tui, s->pending.usage_units8 + s->pending.adjustments_units8);
	char *text = kc_asprintf(_("Not invoiced yet: %lld calls, %s"), (long long)s->pending.calls,
		m ? m : "");
	free(m);
	return text;
}

static void cy_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	struct cy_state *s = cy(p);
	load_account_facts(p);
	const struct usage_cycle *c = sel && sel->key ? &((const struct cy_key *)sel->key)->c : NULL;
	char *title = c && c->index >= 0
		? kc_asprintf(_("%s  cycle %d: %s to %s"), s->number, c->index, c->from, c->to)
		: kc_asprintf(_("%s  before the welcome call"), s->number);
	pane_detail_title(w, title);
	free(title);
	int width = getmaxx(w) - 2, h = getmaxy(w), y = 1;
	if (c) {
		char *cost = money_format_units8(c->cost_units8);
		char *inv = units8_money(p->tui, c->invoiced_units8);
		char *pend = units8_money(p->tui, c->pending_units8);
		char *dur = duration_text(c->seconds);
		char *calls = kc_asprintf(_("%lld (%s), exact cost %s CAD"), (long long)c->calls,
			dur ? dur : "", cost ? cost : "");
		char *ip = kc_asprintf(_("%lld calls invoiced (%s), %lld pending (%s)"),
			(long long)c->calls_invoiced, inv ? inv : "", (long long)c->calls_pending,
			pend ? pend : "");
		y = pane_detail_pair(w, y, 1, width, _("Calls"), calls, THEME_NORMAL);
		y = pane_detail_pair(w, y, 1, width, _("Invoiced"), ip, c->calls_pending ? THEME_WARNING
			: THEME_NORMAL);
		free(cost);
		free(inv);
		free(pend);
		free(dur);
		free(calls);
		free(ip);
	}
	if (s->have_pending) {
		char *u = units8_money(p->tui, s->pending.usage_units8);
		char *a = units8_money(p->tui, s->pending.adjustments_units8);
		char *all = kc_asprintf(_("%lld calls (%s), %lld re-rating adjustments (%s)"),
			(long long)s->pending.calls, u ? u : "", (long long)s->pending.adjustments, a ? a : "");
		y = pane_detail_pair(w, y, 1, width, _("For the next invoice"), all, THEME_NORMAL);
		free(u);
		free(a);
		free(all);
	}
	y = pane_detail_pair(w, y, 1, width, _("Last sync"), s->last_sync ? s->last_sync
		: _("never"), s->last_sync ? THEME_NORMAL : THEME_WARNING);
	if (s->termination)
		y = pu_termination_pair(w, y, 1, width, s->termination, s->termination_late);
	if (y < h)
		pu_line(w, h - 1, 1, width, _("Enter: the calls of the cycle; Y: fetch the calls from voip.ms"),
			THEME_DIM);
}

static unsigned cy_open(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel || !sel->key)
		return PANE_DONE;
	const struct usage_cycle *c = &((const struct cy_key *)sel->key)->c;
	struct pane_calls_arg arg;
	memset(&arg, 0, sizeof arg);
	arg.account_id = cy(p)->account_id;
	snprintf(arg.from, sizeof arg.from, "%s", c->from);
	snprintf(arg.to, sizeof arg.to, "%s", c->to);
	char *title = c->index >= 0 ? kc_asprintf(_("Calls of %s, cycle %d"), cy(p)->number, c->index)
		: kc_asprintf(_("Calls of %s before the welcome call"), cy(p)->number);
	kc_error err = KC_ERROR_INIT;
	if (tui_push_view(p->tui, &pane_calls_ops, (int64_t)(intptr_t)&arg, title, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	free(title);
	return PANE_REDRAW;
}

static unsigned cy_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_OPEN: return cy_open(p);
	case ACTION_SYNC: return pane_usage_sync(p, cy(p)->account_id, cy(p)->number);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_usage_ops = {
	.name = N_("Usage"),
	.empty = N_("No billing cycle yet"),
	.columns = cy_columns,
	.n_columns = YC_N,
	.hints = cy_hints,
	.actions = cy_actions,
	.init = cy_init,
	.fini = cy_fini,
	.fetch = cy_fetch,
	.key_free = key_free,
	.draw_detail = cy_detail,
	.action = cy_action,
	.invalidate = cy_invalidate,
	.summary = cy_summary,
};

/* --- the calls of one cycle -------------------------------------------------------- */

enum call_col { LC_WHEN, LC_DESTINATION, LC_DURATION, LC_COST, LC_INVOICE, LC_DISPOSITION,
	LC_N };

static const struct pane_column call_columns[LC_N] = {
	[LC_WHEN] = { N_("Date"), 16, 0, false, -1 },
	[LC_DESTINATION] = { N_("Destination"), 14, 1, false, -1 },
	[LC_DURATION] = { N_("Duration"), 8, 0, true, -1 },
	[LC_COST] = { N_("Cost"), 12, 0, true, -1 },
	[LC_INVOICE] = { N_("Invoice"), 8, 0, true, -1 },
	[LC_DISPOSITION] = { N_("Result"), 9, 0, false, -1 },
};

static const enum action_id call_hints[] = { ACTION_NONE };
static const enum action_id call_actions[] = { ACTION_NONE };

struct call_key {
	struct usage_cursor cur;
	char *callerid, *description, *currency, *rate, *uniqueid;
	kc_units8 cost, adjusted;
};

static void call_key_free(void *k)
{
	struct call_key *c = k;
	if (!c)
		return;
	free(c->callerid);
	free(c->description);
	free(c->currency);
	free(c->rate);
	free(c->uniqueid);
	free(c);
}

static kc_status calls_init(struct pane *p, int64_t arg, kc_error *err)
{
	const struct pane_calls_arg *a = (const struct pane_calls_arg *)(intptr_t)arg;
	struct pane_calls_arg *s = calloc(1, sizeof *s);
	if (!s)
		return nomem(err);
	if (a)
		*s = *a;
	p->priv = s;
	return KC_OK;
}

static void calls_fini(struct pane *p)
{
	free(p->priv);
	p->priv = NULL;
}

static bool call_row(struct pane *p, struct usage_row *u, struct pane_row *out)
{
	if (!pane_row_alloc(out, LC_N))
		return false;
	struct call_key *k = calloc(1, sizeof *k);
	if (!k) {
		free(out->cells);
		out->cells = NULL;
		return false;
	}
	usage_cursor_set(&k->cur, u);
	/* Moved over: the rows are cleared afterwards. */
	k->callerid = u->callerid;
	k->description = u->description;
	k->currency = u->currency;
	k->rate = u->rate;
	k->uniqueid = u->uniqueid;
	u->callerid = u->description = u->currency = u->rate = u->uniqueid = NULL;
	k->cost = u->cost_units8;
	k->adjusted = u->adjusted_units8;
	out->key = k;
	out->id = u->id;
	pane_row_set(out, LC_WHEN, pu_local_iso(u->started_at));
	pane_row_set(out, LC_DESTINATION, kc_strdup(pu_dash(u->destination)));
	pane_row_set(out, LC_DURATION, duration_text(u->seconds));
	pane_row_set(out, LC_COST, money_format_units8(u->cost_units8));
	pane_row_set(out, LC_INVOICE, u->invoice_number
		? kc_asprintf("%lld", (long long)u->invoice_number) : kc_strdup(_("pending")));
	pane_row_set(out, LC_DISPOSITION, kc_strdup(pu_dash(u->disposition)));
	if (!u->invoice_number)
		out->role = THEME_WARNING;
	(void)p;
	return true;
}

static kc_status calls_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	const struct pane_calls_arg *a = p->priv;
	*n = 0;
	if (max == 0)
		return KC_OK;
	struct usage_row *rows = calloc(max, sizeof *rows);
	if (!rows)
		return nomem(err);
	size_t got = 0;
	const struct usage_cursor *cur = from && from->key ? &((const struct call_key *)from->key)->cur
		: NULL;
	kc_status st = usage_page(tui_db(p->tui), a->account_id, a->from[0] ? a->from : NULL,
		a->to[0] ? a->to : NULL, cur, backward, rows, max, &got, err);
	for (size_t i = 0; st == KC_OK && i < got; i++) {
		if (!call_row(p, &rows[i], &out[*n])) {
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
	usage_rows_clear(rows, got);
	free(rows);
	return st;
}

static void calls_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	(void)p;
	const struct call_key *k = sel ? sel->key : NULL;
	if (!k) {
		pane_detail_title(w, NULL);
		return;
	}
	char *title = kc_asprintf("%s  %s", sel->cells[LC_WHEN], sel->cells[LC_DESTINATION]);
	pane_detail_title(w, title);
	free(title);
	int width = getmaxx(w) - 2, y = 1;
	y = pane_detail_pair(w, y, 1, width, _("Caller ID"), pu_dash(k->callerid), THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Description"), pu_dash(k->description), THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Duration"), sel->cells[LC_DURATION], THEME_NORMAL);
	char *cost = k->rate ? kc_asprintf(_("%s CAD (billed in %s at %s, PAY-2)"),
		sel->cells[LC_COST], pu_dash(k->currency), k->rate)
		: kc_asprintf(_("%s CAD"), sel->cells[LC_COST]);
	y = pane_detail_pair(w, y, 1, width, _("Cost"), cost, THEME_NORMAL);
	free(cost);
	if (k->adjusted) {
		char *adj = money_format_units8(k->adjusted);
		y = pane_detail_pair(w, y, 1, width, _("Re-rated by"), adj, THEME_WARNING);
		free(adj);
	}
	y = pane_detail_pair(w, y, 1, width, _("Invoice"), sel->cells[LC_INVOICE],
		sel->role == THEME_WARNING ? THEME_WARNING : THEME_NORMAL);
	pane_detail_pair(w, y, 1, width, _("voip.ms call"), pu_dash(k->uniqueid), THEME_DIM);
}

const struct pane_ops pane_calls_ops = {
	.name = N_("Calls"),
	.empty = N_("No call in this cycle"),
	.columns = call_columns,
	.n_columns = LC_N,
	.hints = call_hints,
	.actions = call_actions,
	.init = calls_init,
	.fini = calls_fini,
	.fetch = calls_fetch,
	.key_free = call_key_free,
	.draw_detail = calls_detail,
};

/* --- the sync with its progress bar ------------------------------------------------- */

struct sync_ui {
	struct tui *tui;
	struct tui_modal modal;
	volatile sig_atomic_t stop;
	bool all;
	char account[32], window_from[DATE_BUFSZ], window_to[DATE_BUFSZ];
	char first_from[DATE_BUFSZ];  /* the first window's start: 0 % of one account */
	int64_t done, total, calls, windows;
};

/* Progress in per mille: accounts for every account, else the dates. */
static int sync_permille(const struct sync_ui *u)
{
	if (u->all)
		return u->total > 0 ? (int)(u->done * 1000 / u->total) : 0;
	kc_date a, b, today = date_today_local();
	if (!u->first_from[0] || date_parse(u->first_from, &a, NULL) != KC_OK
	    || date_parse(u->window_to, &b, NULL) != KC_OK)
		return 0;
	int64_t span = date_days_between(a, today), got = date_days_between(a, b);
	if (span <= 0)
		return 1000;
	got = got < 0 ? 0 : got > span ? span : got;
	return (int)(got * 1000 / span);
}

static void sync_draw(struct tui_modal *m, struct tui *t)
{
	(void)t;
	struct sync_ui *u = m->ctx;
	WINDOW *w = m->win;
	int width = m->w - 4;
	theme_set(w, THEME_BORDER);
	box(w, 0, 0);
	theme_set(w, THEME_TITLE);
	theme_puts(w, 0, 2, _(" voip.ms sync "), width);
	theme_set(w, THEME_NORMAL);
	char *what = u->all
		? kc_asprintf(_("Account %s (%lld of %lld): calls of %s to %s"), u->account,
			(long long)u->done + 1, (long long)u->total, u->window_from, u->window_to)
		: kc_asprintf(_("Account %s: calls of %s to %s"), u->account, u->window_from, u->window_to);
	theme_puts(w, 1, 2, what ? what : "", width);
	free(what);
	int pm = sync_permille(u);
	int bar = width - 7, fill = bar > 0 ? bar * pm / 1000 : 0;
	/* Characters as well as colours: the bar reads in mono and in dumps. */
	theme_set(w, THEME_SELECTED);
	for (int i = 0; i < fill; i++)
		mvwaddch(w, 2, 2 + i, '#');
	theme_set(w, THEME_DIM);
	for (int i = fill; i < bar; i++)
		mvwaddch(w, 2, 2 + i, '.');
	theme_set(w, THEME_NORMAL);
	char pct[16];
	snprintf(pct, sizeof pct, "%3d %%", pm / 10);
	theme_puts(w, 2, 2 + bar + 1, pct, 6);
	char *read = kc_asprintf(_("%lld calls read, %lld windows saved"), (long long)u->calls,
		(long long)u->windows);
	theme_puts(w, 3, 2, read ? read : "", width);
	free(read);
	theme_set(w, u->stop ? THEME_WARNING : THEME_DIM);
	theme_puts(w, 4, 2, u->stop ? _("Stopping after this window...")
		: _("Esc stops after the current window (what is done is kept)"), width);
	theme_set(w, THEME_NORMAL);
}

static void copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

/* Called by sync between windows: redraw, and read the keys typed. */
static void sync_progress(void *ctx, const struct sync_progress *p)
{
	struct sync_ui *u = ctx;
	copy(u->account, sizeof u->account, p->account_number);
	copy(u->window_from, sizeof u->window_from, p->window_from);
	copy(u->window_to, sizeof u->window_to, p->window_to);
	if (!u->first_from[0] || u->all)
		copy(u->first_from, sizeof u->first_from, p->window_from);
	u->done = p->accounts_done;
	u->total = p->accounts_total;
	u->calls = p->calls;
	u->windows = p->windows;
	kc_key key;
	while (tui_poll_key(u->tui, &key)) {
		enum action_id a = keymap_lookup(tui_keymap(u->tui), key);
		if (key == KC_KEY_ESC || a == ACTION_BACK || a == ACTION_QUIT)
			u->stop = 1;
	}
}

static void sync_told(struct tui *t, const struct sync_report *r, const char *what)
{
	char *amount = money_format_units8(r->amount_units8);
	if (r->stopped)
		tui_message(t, THEME_WARNING, _("Sync of %s stopped: %lld windows saved, %lld new calls; "
			"run it again to complete it"), what, (long long)r->windows, (long long)r->calls_new);
	else
		tui_message(t, THEME_MESSAGE, _("Sync of %s done: %lld new calls, %lld changed, %lld "
			"adjustments, %s CAD"), what, (long long)r->calls_new, (long long)r->calls_changed,
			(long long)r->adjustments, amount ? amount : "");
	free(amount);
}

unsigned pane_usage_sync(struct pane *p, int64_t account_id, const char *account_number)
{
	const char *labels[2];
	char *one = kc_asprintf(_("Account %s"), pu_dash(account_number));
	labels[0] = one ? one : "";
	labels[1] = _("Every account in service");
	int k = account_id ? form_choose(p->tui, _("Fetch voip.ms usage of"), labels, 2, 0) : 1;
	free(one);
	if (k < 0)
		return PANE_REDRAW;
	struct sync_ui *u = calloc(1, sizeof *u);
	if (!u)
		return PANE_REDRAW;
	u->tui = p->tui;
	u->all = k == 1;
	copy(u->account, sizeof u->account, u->all ? "" : account_number);
	u->modal.draw = sync_draw;
	u->modal.ctx = u;
	u->modal.want_h = 6;
	u->modal.want_w = 72;
	tui_modal_push(p->tui, &u->modal);
	struct sync_report rep;
	memset(&rep, 0, sizeof rep);
	kc_error err = KC_ERROR_INIT;
	kc_db *db = tui_db(p->tui);
	const struct kc_settings *s = tui_settings(p->tui);
	kc_status st = u->all
		? sync_all(db, s, NULL, NULL, sync_progress, u, &u->stop, &rep, &err)
		: sync_account(db, s, account_id, NULL, NULL, sync_progress, u, &u->stop, &rep, &err);
	tui_modal_pop(p->tui, &u->modal);
	if (st != KC_OK)
		tui_error(p->tui, &err);
	else
		sync_told(p->tui, &rep, u->all ? _("every account") : pu_dash(account_number));
	kc_error_clear(&err);
	free(u);
	return PANE_REDRAW | PANE_RELOAD;
}
