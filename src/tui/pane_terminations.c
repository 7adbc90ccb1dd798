/* pane_terminations.c: the Terminations pane (TRM rules): requests by
 * state with their deadlines (transfer due, TRM-4 late flag), the TRM-5
 * checklist and the balance in the detail, and one action per step of the
 * workflow, each one core call (termination.h) with the version read. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "billing.h"
#include "form.h"
#include "pane.h"
#include "pane_util.h"
#include "sla.h"
#include "strbuf.h"
#include "termination.h"

enum tr_col { RC_ID, RC_ACCOUNT, RC_HOLDER, RC_REQUESTED, RC_STATE, RC_DUE, RC_LATE,
	RC_BALANCE, RC_N };

static const struct pane_column tr_columns[RC_N] = {
	[RC_ID] = { N_("No."), 4, 0, true, -1 },
	[RC_ACCOUNT] = { N_("Account"), 8, 0, false, -1 },
	[RC_HOLDER] = { N_("Holder"), 9, 1, false, -1 },
	[RC_REQUESTED] = { N_("Requested"), 10, 0, false, -1 },
	[RC_STATE] = { N_("State"), 18, 0, false, -1 },
	[RC_DUE] = { N_("Due"), 10, 0, false, -1 },
	[RC_LATE] = { N_("Late"), 4, 0, false, -1 },
	[RC_BALANCE] = { N_("Balance"), 10, 0, true, -1 },
};

static const enum action_id tr_hints[] = {
	ACTION_CREATE, ACTION_APPROVE, ACTION_SCHEDULE, ACTION_END_SERVICE, ACTION_FINAL_INVOICE,
	ACTION_CLOSE_TERMINATION, ACTION_FILTER, ACTION_NONE
};

static const enum action_id tr_actions[] = {
	ACTION_OPEN, ACTION_FILTER, ACTION_CREATE, ACTION_APPROVE, ACTION_DENY, ACTION_SCHEDULE,
	ACTION_END_SERVICE, ACTION_FINAL_INVOICE, ACTION_TRANSFER_REQUEST, ACTION_CHECK_STEP,
	ACTION_TRANSFERRED, ACTION_CLOSE_TERMINATION, ACTION_RECORD_AUDIT, ACTION_NONE
};

struct tr_state {
	char *filter;              /* "open" (default), NULL = all, or a state key */
	int64_t cached, failed;    /* detail cache: request id */
	struct termination t;
};

static struct tr_state *state(struct pane *p)
{
	return p->priv;
}

static void drop_cache(struct tr_state *s)
{
	termination_clear(&s->t);
	memset(&s->t, 0, sizeof s->t);
	s->cached = s->failed = 0;
}

static kc_status tr_init(struct pane *p, int64_t arg, kc_error *err)
{
	(void)arg;
	struct tr_state *s = calloc(1, sizeof *s);
	if (!s || !(s->filter = kc_strdup("open"))) {
		free(s);
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	}
	p->priv = s;
	return KC_OK;
}

static void tr_fini(struct pane *p)
{
	struct tr_state *s = state(p);
	if (!s)
		return;
	drop_cache(s);
	free(s->filter);
	free(s);
	p->priv = NULL;
}

static void tr_invalidate(struct pane *p)
{
	drop_cache(state(p));
}

static void key_free(void *k)
{
	free(k);
}

static bool finished(enum termination_state s)
{
	return s == TERMINATION_CLOSED || s == TERMINATION_REFUSED;
}

static bool row_from(struct pane *p, const struct termination_row *r, struct pane_row *out)
{
	if (!pane_row_alloc(out, RC_N))
		return false;
	struct termination_cursor *c = calloc(1, sizeof *c);
	if (!c) {
		free(out->cells);
		out->cells = NULL;
		return false;
	}
	termination_cursor_set(c, r);
	out->key = c;
	out->id = r->id;
	pane_row_set(out, RC_ID, kc_asprintf("%lld", (long long)r->id));
	pane_row_set(out, RC_ACCOUNT, kc_strdup(pu_dash(r->account_number)));
	pane_row_set(out, RC_HOLDER, kc_strdup(pu_dash(r->holder)));
	pane_row_set(out, RC_REQUESTED, kc_strdup(r->requested_on));
	pane_row_set(out, RC_STATE, kc_strdup(termination_state_label(r->state)));
	pane_row_set(out, RC_DUE, kc_strdup(r->transfer_due));
	pane_row_set(out, RC_LATE, kc_strdup(r->late ? _("LATE") : ""));
	pane_row_set(out, RC_BALANCE, pu_money(p->tui, r->balance));
	if (r->late)
		out->role = THEME_BREACHED;
	else if (finished(r->state) || !r->from_holder)
		out->role = THEME_DIM;
	return true;
}

static kc_status forward(struct pane *p, const struct pane_row *after, struct pane_row *out,
	size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	struct termination_query q = { state(p)->filter, 0, NULL };
	struct termination_cursor none;
	memset(&none, 0, sizeof none);
	struct termination_row *rows = calloc(max ? max : 1, sizeof *rows);
	if (!rows)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	size_t got = 0;
	kc_status st = termination_page(tui_db(p->tui), &q, after && after->key ? after->key : &none,
		rows, max, &got, err);
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
	termination_rows_clear(rows, got);
	free(rows);
	return st;
}

/* List order: (requested_on, id). */
static int compare(const struct pane_row *a, const struct pane_row *b)
{
	const struct termination_cursor *x = a->key, *y = b->key;
	int c = strcmp(x->requested_on, y->requested_on);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static kc_status tr_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	if (!backward)
		return forward(p, from, out, max, n, err);
	/* termination_page goes forward only; requests are few. */
	return pu_fetch_before_by_scan(p, forward, compare, from, out, max, n, err);
}

/* --- detail -------------------------------------------------------------------------- */

static bool load_detail(struct pane *p, int64_t id)
{
	struct tr_state *s = state(p);
	if (s->cached == id)
		return true;
	if (s->failed == id)
		return false;
	drop_cache(s);
	kc_error err = KC_ERROR_INIT;
	if (termination_get(tui_db(p->tui), id, &s->t, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		drop_cache(s);
		s->failed = id;
		return false;
	}
	s->cached = id;
	return true;
}

static const char *kind_text(const struct termination *t)
{
	if (t->separation_only)
		return _("separation only: the account stays open (TRM-3)");
	if (t->expedite)
		return _("expedited termination (TRM-2)");
	return _("termination");
}

static char *decision_text(const struct termination *t)
{
	const char *d = t->decision == TERMINATION_DECISION_APPROVED ? _("approved")
		: t->decision == TERMINATION_DECISION_DENIED ? _("expedite denied: normal pace")
		: _("waiting for the decision (TRM-2)");
	if (t->decision_note && *t->decision_note)
		return kc_asprintf("%s: %s", d, t->decision_note);
	return kc_strdup(d);
}

static void detail_steps(struct pane *p, WINDOW *w, int x, int width)
{
	const struct termination *t = &state(p)->t;
	int y = 1;
	char *req = kc_asprintf(_("%s, %s%s"), pu_dash(t->requested_on), pu_dash(t->requested_by),
		t->from_holder ? "" : _(": not the holder, refused (TRM-1)"));
	y = pane_detail_pair(w, y, x, width, _("Requested"), req, t->from_holder ? THEME_NORMAL
		: THEME_ERROR);
	free(req);
	char *kind = kc_asprintf("%s, %s", pu_dash(t->channel), kind_text(t));
	y = pane_detail_pair(w, y, x, width, _("Kind"), kind, THEME_NORMAL);
	free(kind);
	char *dec = decision_text(t);
	y = pane_detail_pair(w, y, x, width, _("Decision"), dec, THEME_NORMAL);
	free(dec);
	char *svc = kc_asprintf(_("%s, done %s"), pu_dash(t->scheduled_on),
		pu_dash(t->service_ended_on));
	y = pane_detail_pair(w, y, x, width, _("Service end"), svc, THEME_NORMAL);
	free(svc);
	char *fin = t->final_invoice_number
		? kc_asprintf(_("invoice %lld (%s)"), (long long)t->final_invoice_number,
			pu_dash(t->final_invoice_kind))
		: kc_strdup("-");
	y = pane_detail_pair(w, y, x, width, _("Final invoice"), fin, THEME_NORMAL);
	free(fin);
	char *tr = kc_asprintf(_("due %s (asked %s)%s"), pu_dash(t->transfer_due),
		pu_dash(t->transfer_requested_on), t->late ? _(" LATE (TRM-4)") : "");
	y = pane_detail_pair(w, y, x, width, _("Transfer"), tr, t->late ? THEME_BREACHED : THEME_NORMAL);
	free(tr);
	char *done = kc_asprintf(_("transferred %s, closed %s"), pu_dash(t->transferred_on),
		pu_dash(t->closed_on));
	pane_detail_pair(w, y, x, width, _("Done"), done, THEME_NORMAL);
	free(done);
}

static void detail_checklist(struct pane *p, WINDOW *w, int x, int width)
{
	const struct termination *t = &state(p)->t;
	int y = 1;
	y = pu_line(w, y, x, width, _("Checklist (TRM-5)"), THEME_LABEL);
	for (int i = 0; i < TERMINATION_CHECK_COUNT; i++) {
		const struct termination_check_item *c = &t->checklist[i];
		char *when = c->done ? pu_local_iso(c->done_at) : NULL;
		char *line = c->done
			? kc_asprintf("[x] %s (%s, %s)", termination_check_label((enum termination_check)i),
				pu_dash(c->done_by), when ? when : "")
			: kc_asprintf("[ ] %s", termination_check_label((enum termination_check)i));
		y = pu_line(w, y, x, width, line, c->done ? THEME_DIM : THEME_NORMAL);
		free(line);
		free(when);
	}
	char *bal = pu_money(p->tui, t->balance);
	const char *label = t->has_balance_at_closure ? _("Balance at closure") : _("Balance now");
	pane_detail_pair(w, y, x, width, label, bal, t->balance > 0 ? THEME_WARNING : THEME_NORMAL);
	free(bal);
}

static void tr_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	if (!sel || !load_detail(p, sel->id)) {
		pane_detail_title(w, NULL);
		return;
	}
	const struct termination *t = &state(p)->t;
	char *title = kc_asprintf(_("Request %lld  %s  %s  (%s)"), (long long)t->id,
		pu_dash(t->account_number), pu_dash(t->holder), termination_state_label(t->state));
	pane_detail_title(w, title);
	free(title);
	int half = getmaxx(w) * 3 / 5;
	detail_steps(p, w, 1, half - 2);
	detail_checklist(p, w, half + 1, getmaxx(w) - half - 2);
}

static unsigned tr_open(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel || !load_detail(p, sel->id))
		return PANE_REDRAW;
	const struct termination *t = &state(p)->t;
	strbuf sb = STRBUF_INIT;
	char *dec = decision_text(t);
	char *bal = pu_money(p->tui, t->balance);
	pu_append_label(&sb, _("Account"), 16);
	strbuf_appendf(&sb, " %s  %s (%s)\n", pu_dash(t->account_number),
		pu_dash(t->holder), account_status_label(t->account_status));
	pu_append_label(&sb, _("Requested"), 16);
	strbuf_appendf(&sb, " %s, %s (%s)\n", pu_dash(t->requested_on),
		pu_dash(t->requested_by), pu_dash(t->channel));
	pu_append_label(&sb, _("Kind"), 16);
	strbuf_appendf(&sb, " %s\n", kind_text(t));
	pu_append_label(&sb, _("State"), 16);
	strbuf_appendf(&sb, " %s\n", termination_state_label(t->state));
	pu_append_label(&sb, _("Decision"), 16);
	strbuf_appendf(&sb, " %s\n", dec ? dec : "");
	pu_append_label(&sb, _("Scheduled"), 16);
	strbuf_appendf(&sb, " %s\n", pu_dash(t->scheduled_on));
	pu_append_label(&sb, _("Service ended"), 16);
	strbuf_appendf(&sb, " %s\n", pu_dash(t->service_ended_on));
	if (t->final_invoice_number) {
		pu_append_label(&sb, _("Final invoice"), 16);
		strbuf_appendf(&sb, " %lld (%s)\n", (long long)t->final_invoice_number,
			pu_dash(t->final_invoice_kind));
	}
	pu_append_label(&sb, _("Transfer asked"), 16);
	strbuf_appendf(&sb, " %s\n", pu_dash(t->transfer_requested_on));
	pu_append_label(&sb, _("Transfer due"), 16);
	strbuf_appendf(&sb, " %s%s\n", pu_dash(t->transfer_due),
		t->late ? _("  LATE (TRM-4)") : "");
	pu_append_label(&sb, _("Transferred"), 16);
	strbuf_appendf(&sb, " %s\n", pu_dash(t->transferred_on));
	pu_append_label(&sb, _("Closed"), 16);
	strbuf_appendf(&sb, " %s\n", pu_dash(t->closed_on));
	pu_append_label(&sb, t->has_balance_at_closure ? _("Balance at closure")
		: _("Balance now"), 16);
	strbuf_appendf(&sb, " %s\n", bal ? bal : "");
	strbuf_appendf(&sb, "\n%s\n", _("Checklist (TRM-5)"));
	for (int i = 0; i < TERMINATION_CHECK_COUNT; i++) {
		const struct termination_check_item *c = &t->checklist[i];
		char *when = c->done ? pu_local_iso(c->done_at) : NULL;
		strbuf_appendf(&sb, "  [%s] %s%s%s%s%s\n", c->done ? "x" : " ",
			termination_check_label((enum termination_check)i), c->done ? "  " : "",
			c->done ? pu_dash(c->done_by) : "", c->done ? ", " : "", when ? when : "");
		free(when);
	}
	char *by = pu_local_iso(t->updated_at);
	strbuf_append(&sb, "\n");
	pu_append_label(&sb, _("Updated"), 16);
	strbuf_appendf(&sb, " %s, %s\n", by ? by : "", pu_dash(t->updated_by));
	free(by);
	char *title = kc_asprintf(_("Termination request %lld"), (long long)t->id);
	form_view_text(p->tui, title ? title : "", strbuf_cstr(&sb));
	free(title);
	free(dec);
	free(bal);
	strbuf_free(&sb);
	return PANE_REDRAW;
}

/* --- filter ----------------------------------------------------------------------- */

static unsigned tr_filter(struct pane *p)
{
	struct tr_state *s = state(p);
	const char *keys[TERMINATION_STATE_COUNT + 2];
	const char *labels[TERMINATION_STATE_COUNT + 2];
	keys[0] = "open";
	labels[0] = _("Open requests");
	keys[1] = NULL;
	labels[1] = _("Every request");
	size_t n = 2, initial = 0;
	for (int i = 0; i < TERMINATION_STATE_COUNT; i++, n++) {
		keys[n] = termination_state_key((enum termination_state)i);
		labels[n] = termination_state_label((enum termination_state)i);
	}
	for (size_t i = 0; i < n; i++)
		if ((s->filter && keys[i] && strcmp(s->filter, keys[i]) == 0) || (!s->filter && !keys[i]))
			initial = i;
	int k = form_choose(p->tui, _("Show termination requests"), labels, n, initial);
	if (k < 0)
		return PANE_REDRAW;
	free(s->filter);
	s->filter = keys[k] ? kc_strdup(keys[k]) : NULL;
	free(p->filter_label);
	p->filter_label = k == 0 ? NULL : kc_strdup(labels[k]);
	kc_error err = KC_ERROR_INIT;
	if (pane_load_first(p, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	return PANE_REDRAW;
}

/* --- a new request (TRM-1..3) ------------------------------------------------------ */

enum { T_ACCOUNT = 1, T_BY, T_CHANNEL, T_EXPEDITE, T_SEPARATION, T_DATE, T_NOTE };

struct request_form {
	struct pane *pane;
	int64_t id;
	bool refused;      /* TRM-1: recorded as refused */
};

static kc_status request_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct request_form *rf = ctx;
	struct termination_request_args a;
	memset(&a, 0, sizeof a);
	kc_db *db = tui_db(rf->pane->tui);
	kc_status st = account_resolve(db, form_value(f, T_ACCOUNT), &a.account_id, err);
	if (st != KC_OK) {
		*bad_tag = T_ACCOUNT;
		return st;
	}
	const char *channel = form_value(f, T_CHANNEL);
	a.requested_by = form_value(f, T_BY);
	a.channel = channel && *channel ? channel : NULL;
	a.expedite = strcmp(form_value(f, T_EXPEDITE), "yes") == 0;
	a.separation_only = strcmp(form_value(f, T_SEPARATION), "yes") == 0;
	a.date = form_value(f, T_DATE);
	rf->id = 0;
	st = termination_request(db, &a, &rf->id, err);
	if (st == KC_ERR_RULE && rf->id) {
		rf->refused = true;
		*bad_tag = T_BY;
	}
	return st;
}

static unsigned tr_create(struct pane *p)
{
	static const char *const channels[] = { "", "portal", "written", NULL };
	static const char *const yes_no[] = { "no", "yes", NULL };
	const char *channel_labels[] = { _("as the request requires"), _("portal"), _("in writing"),
		NULL };
	const char *yes_no_labels[] = { _("no"), _("yes"), NULL };
	struct request_form rf = { p, 0, false };
	struct form *f = form_new(_("New termination request"));
	if (!f)
		return PANE_REDRAW;
	pu_form_info(f, _("Only the account holder may ask; anyone else's request is refused and "
		"recorded (TRM-1).  Expedite and separation requests are in writing (TRM-2, TRM-3)."));
	form_add_text(f, T_ACCOUNT, _("Account"), NULL, 40);
	form_add_text(f, T_BY, _("Requested by"), NULL, 200);
	form_add_choice(f, T_CHANNEL, _("Channel"), channels, channel_labels, "");
	form_add_choice(f, T_EXPEDITE, _("Expedite (TRM-2)"), yes_no, yes_no_labels, "no");
	form_add_choice(f, T_SEPARATION, _("Separation only (TRM-3)"), yes_no, yes_no_labels, "no");
	form_add_text(f, T_DATE, _("Requested on"), tui_today(p->tui), 10);
	form_set_save_label(f, _("Record request"));
	form_set_callbacks(f, request_save, NULL, &rf);
	enum form_result r = form_run(p->tui, f);
	form_free(&f);
	if (r == FORM_SAVED)
		tui_message(p->tui, THEME_MESSAGE, _("Termination request %lld recorded"), (long long)rf.id);
	else if (rf.refused)
		tui_message(p->tui, THEME_WARNING,
			_("Termination request %lld was refused and recorded (TRM-1)"), (long long)rf.id);
	/* A refused request is recorded even when the form was cancelled. */
	return PANE_REDRAW | (r == FORM_SAVED || rf.refused ? PANE_RELOAD : 0);
}

/* --- the steps --------------------------------------------------------------------- */

/* The selected request, read again for its version. */
static bool fresh(struct pane *p, struct termination *t)
{
	memset(t, 0, sizeof *t);
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return false;
	kc_error err = KC_ERROR_INIT;
	if (termination_get(tui_db(p->tui), sel->id, t, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		termination_clear(t);
		memset(t, 0, sizeof *t);
		return false;
	}
	return true;
}

struct step_form {
	struct pane *pane;
	enum action_id action;
	struct termination t;
	bool late;
	char *done;
};

static kc_status transfer_request(struct step_form *sf, const char *date, kc_error *err)
{
	struct sla_calendar cal;
	kc_status st = sla_calendar_init(&cal, tui_settings(sf->pane->tui), err);
	if (st != KC_OK)
		return st;
	st = termination_transfer_request(tui_db(sf->pane->tui), sf->t.id, sf->t.version, date,
		&cal.opts, err);
	sla_calendar_clear(&cal);
	return st;
}

static kc_status step_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct step_form *sf = ctx;
	kc_db *db = tui_db(sf->pane->tui);
	const struct termination *t = &sf->t;
	const char *v = form_value(f, T_DATE);
	const char *note = form_value(f, T_NOTE);
	*bad_tag = v ? T_DATE : -1;
	switch (sf->action) {
	case ACTION_APPROVE: return termination_approve(db, t->id, t->version, note, err);
	case ACTION_DENY: return termination_deny(db, t->id, t->version, note, err);
	case ACTION_SCHEDULE: return termination_schedule(db, t->id, t->version, v, err);
	case ACTION_END_SERVICE: return termination_end_service(db, t->id, t->version, v, err);
	case ACTION_TRANSFER_REQUEST: return transfer_request(sf, v, err);
	case ACTION_TRANSFERRED:
		return termination_transferred(db, t->id, t->version, v, &sf->late, err);
	default: return kc_error_set(err, KC_ERR_INTERNAL, "%s", kc_status_text(KC_ERR_INTERNAL));
	}
}

static char *step_title(enum action_id a, int64_t id)
{
	long long n = (long long)id;
	switch (a) {
	case ACTION_APPROVE: return kc_asprintf(_("Approve request %lld (TRM-2)"), n);
	case ACTION_DENY: return kc_asprintf(_("Deny the expedite of request %lld (TRM-2)"), n);
	case ACTION_SCHEDULE: return kc_asprintf(_("Schedule the end of service, request %lld"), n);
	case ACTION_END_SERVICE: return kc_asprintf(_("End of service, request %lld"), n);
	case ACTION_TRANSFER_REQUEST:
		return kc_asprintf(_("Transfer request, request %lld (TRM-4)"), n);
	default: return kc_asprintf(_("Transfer done, request %lld (TRM-4)"), n);
	}
}

static struct form *step_form_new(struct step_form *sf)
{
	char *title = step_title(sf->action, sf->t.id);
	struct form *f = form_new(title ? title : "");
	free(title);
	if (!f)
		return NULL;
	char *who = kc_asprintf("%s  %s", pu_dash(sf->t.account_number), pu_dash(sf->t.holder));
	form_add_readonly(f, 0, _("Account"), who);
	free(who);
	switch (sf->action) {
	case ACTION_APPROVE:
	case ACTION_DENY:
		form_add_text(f, T_NOTE, _("Note"), NULL, 500);
		break;
	case ACTION_SCHEDULE:
		form_add_text(f, T_DATE, _("Service ends on"), sf->t.scheduled_on ? sf->t.scheduled_on
			: tui_today(sf->pane->tui), 10);
		break;
	case ACTION_TRANSFER_REQUEST:
		pu_form_info(f, _("The customer's written request; the transfer is due 10 business "
			"days later (TRM-4)."));
		form_add_text(f, T_DATE, _("Received on"), tui_today(sf->pane->tui), 10);
		break;
	default:
		form_add_text(f, T_DATE, _("On"), tui_today(sf->pane->tui), 10);
		break;
	}
	return f;
}

static char *step_done(struct step_form *sf)
{
	long long id = (long long)sf->t.id;
	switch (sf->action) {
	case ACTION_APPROVE: return kc_asprintf(_("Request %lld approved"), id);
	case ACTION_DENY: return kc_asprintf(_("Expedite of request %lld denied: normal pace"), id);
	case ACTION_SCHEDULE: return kc_asprintf(_("Request %lld scheduled"), id);
	case ACTION_END_SERVICE: return kc_asprintf(_("Service of request %lld ended"), id);
	case ACTION_TRANSFER_REQUEST:
		return kc_asprintf(_("Transfer requested for request %lld"), id);
	default:
		return sf->late ? kc_asprintf(_("Request %lld transferred, LATE (TRM-4)"), id)
			: kc_asprintf(_("Request %lld transferred on time"), id);
	}
}

static unsigned step_with_form(struct pane *p, enum action_id a)
{
	struct step_form sf;
	memset(&sf, 0, sizeof sf);
	sf.pane = p;
	sf.action = a;
	if (!fresh(p, &sf.t))
		return PANE_REDRAW;
	struct form *f = step_form_new(&sf);
	unsigned res = PANE_REDRAW;
	if (f) {
		form_set_save_label(f, _(action_get(a)->hint));
		form_set_callbacks(f, step_save, NULL, &sf);
		if (form_run(p->tui, f) == FORM_SAVED) {
			char *done = step_done(&sf);
			tui_message(p->tui, sf.late ? THEME_WARNING : THEME_MESSAGE, "%s", done ? done : "");
			free(done);
			res |= PANE_RELOAD;
		}
		form_free(&f);
	}
	termination_clear(&sf.t);
	return res;
}

/* TRM-6: what the step did, on one line: the final invoice issued now
 * (number and total), or the one linked, or that nothing was left to bill;
 * then what the usage sync still lacks. */
static char *final_text(struct pane *p, int64_t id, const struct termination_final *out)
{
	strbuf sb = STRBUF_INIT;
	long long req = (long long)id, number = (long long)out->invoice_number;
	if (out->issued) {
		char *total = pu_money(p->tui, out->invoice_total);
		strbuf_appendf(&sb, _("Final invoice %lld issued (%s) and linked to request %lld"),
			number, total ? total : "?", req);
		free(total);
	} else if (out->invoice_number && out->is_final) {
		strbuf_appendf(&sb, _("Invoice %lld linked to request %lld"), number, req);
	} else if (out->invoice_number) {
		strbuf_appendf(&sb, _("Nothing left to bill; invoice %lld linked to request %lld"),
			number, req);
	} else {
		strbuf_appendf(&sb, _("Nothing left to bill; the account of request %lld has no "
			"invoice"), req);
	}
	if (!out->usage_synced && out->synced_to[0])
		strbuf_appendf(&sb, _("; usage synced only to %s"), out->synced_to);
	else if (!out->usage_synced)
		strbuf_appendf(&sb, "; %s", _("usage never synced"));
	return strbuf_detach(&sb);
}

/* TRM-6: billing issues the final invoice with the [billing] settings (tax
 * numbers, rates, cycle), as the CLI does. */
static unsigned step_final_invoice(struct pane *p)
{
	struct termination t;
	if (!fresh(p, &t))
		return PANE_REDRAW;
	char *q = kc_asprintf(_("Issue the final invoice of %s and link it to request %lld? It bills "
		"what is left: usage to the end of service, adjustments, time and fees (TRM-6)."),
		pu_dash(t.account_number), (long long)t.id);
	unsigned res = PANE_REDRAW;
	if (q && pu_confirm(p->tui, _("Final invoice (TRM-6)"), q)) {
		struct billing_options opt;
		billing_options_from_settings(tui_settings(p->tui), &opt);
		struct termination_final out;
		memset(&out, 0, sizeof out);
		kc_error err = KC_ERROR_INIT;
		kc_status st = termination_final_invoice_with(tui_db(p->tui), t.id, t.version, &opt,
			&out, &err);
		res = pu_result(p, st, &err);
		if (st == KC_OK) {
			char *text = final_text(p, t.id, &out);
			tui_message(p->tui, out.usage_synced ? THEME_MESSAGE : THEME_WARNING, "%s",
				text ? text : "");
			free(text);
		}
		kc_error_clear(&err);
	}
	free(q);
	termination_clear(&t);
	return res;
}

/* TRM-5: one step of the checklist, chosen among those left. */
static unsigned step_check(struct pane *p)
{
	struct termination t;
	if (!fresh(p, &t))
		return PANE_REDRAW;
	const char *labels[TERMINATION_CHECK_COUNT];
	enum termination_check steps[TERMINATION_CHECK_COUNT];
	size_t n = 0;
	for (int i = 0; i < TERMINATION_CHECK_COUNT; i++)
		if (!t.checklist[i].done) {
			steps[n] = (enum termination_check)i;
			labels[n++] = termination_check_label((enum termination_check)i);
		}
	unsigned res = PANE_REDRAW;
	if (n == 0) {
		tui_message(p->tui, THEME_MESSAGE, _("Every step of request %lld is ticked"),
			(long long)t.id);
	} else {
		int k = form_choose(p->tui, _("Tick a checklist step (TRM-5)"), labels, n, 0);
		if (k >= 0) {
			kc_error err = KC_ERROR_INIT;
			kc_status st = termination_check(tui_db(p->tui), t.id, t.version, steps[k], &err);
			res = pu_result(p, st, &err);
			if (st == KC_OK)
				tui_message(p->tui, THEME_MESSAGE, _("Ticked: %s (%zu left)"), labels[k], n - 1);
			kc_error_clear(&err);
		}
	}
	termination_clear(&t);
	return res;
}

/* TRM-7. */
static unsigned step_close(struct pane *p)
{
	struct termination t;
	if (!fresh(p, &t))
		return PANE_REDRAW;
	char *bal = pu_money(p->tui, t.balance);
	char *q = kc_asprintf(_("Close account %s (%s) at the holder's request?\nStore credit is "
		"forfeited, pending SLA credit requests cancelled, coupons void (TRM-7).\nBalance owed: "
		"%s"), pu_dash(t.account_number), pu_dash(t.holder), bal ? bal : "");
	unsigned res = PANE_REDRAW;
	if (q && pu_confirm(p->tui, _("Close the account (TRM-7)"), q)) {
		struct termination_closure c;
		memset(&c, 0, sizeof c);
		kc_error err = KC_ERROR_INIT;
		kc_status st = termination_close(tui_db(p->tui), t.id, t.version, &c, &err);
		res = pu_result(p, st, &err);
		if (st == KC_OK) {
			char *owed = pu_money(p->tui, c.balance_owed);
			char *lost = pu_money(p->tui, c.credit_forfeited);
			tui_message(p->tui, THEME_MESSAGE, _("Account %s closed: balance owed %s, %lld credits "
				"forfeited (%s), %lld SLA requests cancelled, %lld coupons void"),
				pu_dash(t.account_number), owed ? owed : "", (long long)c.credits_forfeited,
				lost ? lost : "", (long long)c.sla_cancelled, (long long)c.coupons_voided);
			free(owed);
			free(lost);
		}
		kc_error_clear(&err);
	}
	free(q);
	free(bal);
	termination_clear(&t);
	return res;
}

/* HIS-1: the audit trail of the selected termination request. */
static unsigned tr_audit(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	char *what = kc_asprintf(_("termination request %lld"), (long long)sel->id);
	unsigned r = pane_audit_record(p, "termination", sel->id, what);
	free(what);
	return r;
}

static unsigned tr_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_OPEN: return tr_open(p);
	case ACTION_FILTER: return tr_filter(p);
	case ACTION_CREATE: return tr_create(p);
	case ACTION_APPROVE:
	case ACTION_DENY:
	case ACTION_SCHEDULE:
	case ACTION_END_SERVICE:
	case ACTION_TRANSFER_REQUEST:
	case ACTION_TRANSFERRED:
		return step_with_form(p, a);
	case ACTION_FINAL_INVOICE: return step_final_invoice(p);
	case ACTION_CHECK_STEP: return step_check(p);
	case ACTION_CLOSE_TERMINATION: return step_close(p);
	case ACTION_RECORD_AUDIT: return tr_audit(p);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_terminations_ops = {
	.name = N_("Terminations"),
	.empty = N_("No termination request: press c to record one"),
	.columns = tr_columns,
	.n_columns = RC_N,
	.hints = tr_hints,
	.actions = tr_actions,
	.init = tr_init,
	.fini = tr_fini,
	.fetch = tr_fetch,
	.key_free = key_free,
	.draw_detail = tr_detail,
	.action = tr_action,
	.invalidate = tr_invalidate,
};
