/* pane_tickets.c: the Tickets pane (TKT, SLA rules): the queue in
 * ticket_page order (breached first, then unassigned, then least time
 * left), a countdown reckoned each minute (the console reloads the panes
 * when the minute changes and when another process commits), colours for
 * breached clocks and for less than a quarter of the time left, filters,
 * each ticket's history, and the ticket actions, each one core call.  The
 * same ops show one account's tickets as a view (arg: account id). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "form.h"
#include "pane.h"
#include "pane_util.h"
#include "sla.h"
#include "strbuf.h"
#include "ticket.h"

enum tk_col { TC_NUMBER, TC_ACCOUNT, TC_PRIORITY, TC_STATE, TC_ASSIGNED, TC_LEFT, TC_SUBJECT,
	TC_N };

static const struct pane_column tk_columns[TC_N] = {
	[TC_NUMBER] = { N_("Ticket"), 6, 0, true, -1 },
	[TC_ACCOUNT] = { N_("Account"), 8, 0, false, -1 },
	[TC_PRIORITY] = { N_("Priority"), 9, 0, false, -1 },
	[TC_STATE] = { N_("State"), 9, 0, false, -1 },
	[TC_ASSIGNED] = { N_("Assigned"), 8, 0, false, -1 },
	[TC_LEFT] = { N_("Time left"), 19, 0, false, -1 },
	[TC_SUBJECT] = { N_("Subject"), 10, 1, false, -1 },
};

static const enum action_id tk_hints[] = {
	ACTION_OPEN, ACTION_CREATE, ACTION_REPLY, ACTION_NOTE, ACTION_ASSIGN, ACTION_TICKET_STATE,
	ACTION_FILTER, ACTION_NONE
};

static const enum action_id tk_actions[] = {
	ACTION_OPEN, ACTION_FILTER, ACTION_CREATE, ACTION_REPLY, ACTION_NOTE, ACTION_ASSIGN,
	ACTION_TICKET_STATE, ACTION_LOG_TIME, ACTION_SLA_CREDIT, ACTION_RECORD_AUDIT, ACTION_NONE
};

struct tk_state {
	int64_t account_id;        /* 0 = every account */
	char *account_number;
	bool mine, unassigned;
	char *priority;            /* NULL = any */
	char *tstate;              /* NULL = the open states; "all"; or one state */
	int64_t cached, failed;    /* detail cache: ticket number */
	struct ticket t;
	struct ticket_event *ev;
	size_t n_ev;
	char *termination;
	bool termination_late;
};

static struct tk_state *state(struct pane *p)
{
	return p->priv;
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

static void drop_cache(struct tk_state *s)
{
	ticket_clear(&s->t);
	memset(&s->t, 0, sizeof s->t);
	ticket_events_free(&s->ev, s->n_ev);
	s->ev = NULL;
	s->n_ev = 0;
	free(s->termination);
	s->termination = NULL;
	s->termination_late = false;
	s->cached = s->failed = 0;
}

static kc_status tk_init(struct pane *p, int64_t arg, kc_error *err)
{
	struct tk_state *s = calloc(1, sizeof *s);
	if (!s)
		return nomem(err);
	p->priv = s;
	if (arg > 0) {
		s->account_id = arg;
		s->account_number = pu_account_number(p->tui, arg);
	}
	return KC_OK;
}

static void tk_fini(struct pane *p)
{
	struct tk_state *s = state(p);
	if (!s)
		return;
	drop_cache(s);
	free(s->account_number);
	free(s->priority);
	free(s->tstate);
	free(s);
	p->priv = NULL;
}

static void tk_invalidate(struct pane *p)
{
	drop_cache(state(p));
}

static void key_free(void *k)
{
	free(k);
}

/* The queue is reckoned at the start of the current minute: pages read
 * within a minute agree, and the countdown moves once a minute. */
static kc_instant queue_now(void)
{
	kc_instant now = date_now();
	return now - now % 60;
}

static void fill_query(struct pane *p, struct ticket_query *q)
{
	struct tk_state *s = state(p);
	memset(q, 0, sizeof *q);
	q->assigned_to = s->mine ? db_staff(tui_db(p->tui)) : NULL;
	q->unassigned = s->unassigned;
	q->priority = s->priority;
	q->state = s->tstate;
	q->account_id = s->account_id;
	q->as_of = queue_now();
}

/* SLA-3: "3h05", "BREACHED -0h40", "met", "no SLA". */
static char *clock_text(const struct ticket *t, kc_instant now, enum theme_role *role)
{
	char left[SLA_LEFT_BUFSZ];
	enum sla_clock c = ticket_clock(t, now);
	*role = THEME_NORMAL;
	if (sla_clock_breached(c))
		*role = THEME_BREACHED;
	if (c == SLA_CLOCK_RUNNING) {
		int64_t total = t->response_due - t->received_at;
		int64_t rest = t->response_due - now;
		/* Less than a quarter of the response time left. */
		if (total > 0 && rest * 4 < total)
			*role = THEME_WARNING;
		return kc_strdup(sla_format_left(rest, left));
	}
	if (c == SLA_CLOCK_OVERDUE)
		return kc_asprintf("%s %s", sla_clock_label(c), sla_format_left(t->response_due - now,
			left));
	if (c == SLA_CLOCK_MET || c == SLA_CLOCK_NONE)
		*role = THEME_DIM;
	return kc_strdup(sla_clock_label(c));
}

static bool row_from_ticket(struct pane *p, const struct ticket_query *q, const struct ticket *t,
	struct pane_row *out)
{
	if (!pane_row_alloc(out, TC_N))
		return false;
	struct ticket_cursor *c = calloc(1, sizeof *c);
	if (!c) {
		free(out->cells);
		out->cells = NULL;
		return false;
	}
	ticket_cursor_set(c, q, t);
	out->key = c;
	out->id = t->number;
	enum theme_role role;
	pane_row_set(out, TC_NUMBER, kc_asprintf("%lld", (long long)t->number));
	pane_row_set(out, TC_ACCOUNT, kc_strdup(pu_dash(t->account_number)));
	pane_row_set(out, TC_PRIORITY, kc_strdup(ticket_priority_label(t->priority)));
	pane_row_set(out, TC_STATE, kc_strdup(ticket_state_label(t->state)));
	pane_row_set(out, TC_ASSIGNED, kc_strdup(pu_dash(t->assigned_to)));
	pane_row_set(out, TC_LEFT, clock_text(t, q->as_of, &role));
	pane_row_set(out, TC_SUBJECT, kc_strdup(pu_dash(t->subject)));
	out->role = role;
	(void)p;
	return true;
}

static kc_status tk_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	if (max == 0)
		return KC_OK;
	struct ticket_query q;
	fill_query(p, &q);
	struct ticket_cursor none;
	memset(&none, 0, sizeof none);
	const struct ticket_cursor *at = from && from->key ? from->key : &none;
	struct ticket *rows = calloc(max, sizeof *rows);
	if (!rows)
		return nomem(err);
	size_t got = 0;
	kc_status st = ticket_page(tui_db(p->tui), &q, at, backward, rows, max, &got, err);
	for (size_t i = 0; st == KC_OK && i < got; i++) {
		if (!row_from_ticket(p, &q, &rows[i], &out[*n])) {
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
	for (size_t i = 0; i < got; i++)
		ticket_clear(&rows[i]);
	free(rows);
	return st;
}

static kc_status tk_count(struct pane *p, int64_t *n, kc_error *err)
{
	struct ticket_query q;
	fill_query(p, &q);
	return ticket_count(tui_db(p->tui), &q, n, err);
}

/* --- detail ---------------------------------------------------------------------- */

static bool load_detail(struct pane *p, int64_t number)
{
	struct tk_state *s = state(p);
	if (s->cached == number)
		return true;
	if (s->failed == number)
		return false;
	drop_cache(s);
	kc_error err = KC_ERROR_INIT;
	kc_db *db = tui_db(p->tui);
	if (ticket_get(db, number, &s->t, &err) != KC_OK
	    || ticket_events(db, s->t.id, &s->ev, &s->n_ev, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		drop_cache(s);
		s->failed = number;
		return false;
	}
	s->cached = number;
	s->termination = pu_termination_note(p->tui, s->t.account_id, &s->termination_late);
	return true;
}

static char *priority_text(const struct ticket *t)
{
	if (t->requested_priority && t->priority && strcmp(t->requested_priority, t->priority) != 0)
		return kc_asprintf(_("%s (asked %s)"),
			ticket_priority_label(t->priority), ticket_priority_label(t->requested_priority));
	return kc_strdup(ticket_priority_label(t->priority));
}

/* One event as one line: "06-21 16:00 root reply: first line". */
static char *event_line(const struct ticket_event *e)
{
	char *when = pu_local(e->at);
	const char *body = e->body && *e->body ? e->body : NULL;
	strbuf sb = STRBUF_INIT;
	strbuf_appendf(&sb, "%s %s %s", when ? when + 5 : "", pu_dash(e->staff),
		ticket_event_label(e->kind));
	if (e->new_value && *e->new_value)
		strbuf_appendf(&sb, " %s", e->new_value);
	if (body) {
		const char *nl = strchr(body, '\n');
		strbuf_append(&sb, ": ");
		strbuf_appendn(&sb, body, nl ? (size_t)(nl - body) : strlen(body));
	}
	free(when);
	return strbuf_detach(&sb);
}

static void detail_left(struct pane *p, WINDOW *w, int x, int width)
{
	struct tk_state *s = state(p);
	const struct ticket *t = &s->t;
	kc_instant now = queue_now();
	int y = 1;
	char *prio = priority_text(t);
	y = pane_detail_pair(w, y, x, width, _("Priority"), prio, THEME_NORMAL);
	free(prio);
	char *st = kc_asprintf("%s, %s, %s", ticket_state_label(t->state),
		ticket_channel_label(t->channel), ticket_category_label(t->category));
	y = pane_detail_pair(w, y, x, width, _("State"), st, THEME_NORMAL);
	free(st);
	y = pane_detail_pair(w, y, x, width, _("Assigned"), t->assigned_to ? t->assigned_to
		: _("nobody"), t->assigned_to ? THEME_NORMAL : THEME_WARNING);
	char *rec = pu_local(t->received_at);
	y = pane_detail_pair(w, y, x, width, _("Received"), rec, THEME_NORMAL);
	free(rec);
	char *due = pu_local(t->response_due);
	y = pane_detail_pair(w, y, x, width, _("Response due"), due, THEME_NORMAL);
	free(due);
	enum theme_role role;
	char *clock = clock_text(t, now, &role);
	y = pane_detail_pair(w, y, x, width, _("SLA clock"), clock, role);
	free(clock);
	if (t->responded) {
		char *at = pu_local(t->responded_at);
		pane_detail_pair(w, y, x, width, _("Answered"), at, THEME_NORMAL);
		free(at);
	}
}

static void detail_events(struct pane *p, WINDOW *w, int x, int width)
{
	struct tk_state *s = state(p);
	int h = getmaxy(w);
	int bottom = h - (s->termination ? 1 : 0);
	int room = bottom - 1;
	size_t first = s->n_ev > (size_t)(room > 0 ? room : 0) ? s->n_ev - (size_t)room : 0;
	int y = 1;
	for (size_t i = first; i < s->n_ev && y < bottom; i++) {
		char *line = event_line(&s->ev[i]);
		bool reply = strcmp(s->ev[i].kind, "reply") == 0;
		y = pu_line(w, y, x, width, line, reply ? THEME_NORMAL : THEME_DIM);
		free(line);
	}
	if (s->termination)
		pu_termination_pair(w, h - 1, x, width, s->termination, s->termination_late);
}

static void tk_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	if (!sel || !load_detail(p, sel->id)) {
		pane_detail_title(w, NULL);
		return;
	}
	const struct ticket *t = &state(p)->t;
	char *title = kc_asprintf(_("Ticket %lld  %s  %s"), (long long)t->number,
		pu_dash(t->account_number), pu_dash(t->subject));
	pane_detail_title(w, title);
	free(title);
	int left = getmaxx(w) * 2 / 5;
	detail_left(p, w, 1, left - 2);
	detail_events(p, w, left + 1, getmaxx(w) - left - 2);
}

/* --- the whole ticket (Enter) ---------------------------------------------------- */

static void ticket_text(struct pane *p, const struct ticket *t, const struct ticket_event *ev,
	size_t n_ev, strbuf *sb)
{
	enum theme_role role;
	char *clock = clock_text(t, queue_now(), &role);
	char *rec = pu_local(t->received_at), *due = pu_local(t->response_due);
	char *prio = priority_text(t);
	pu_append_label(sb, _("Account"), 14);
	strbuf_appendf(sb, " %s\n", pu_dash(t->account_number));
	pu_append_label(sb, _("Priority"), 14);
	strbuf_appendf(sb, " %s\n", prio ? prio : "");
	pu_append_label(sb, _("State"), 14);
	strbuf_appendf(sb, " %s\n", ticket_state_label(t->state));
	pu_append_label(sb, _("Channel"), 14);
	strbuf_appendf(sb, " %s\n", ticket_channel_label(t->channel));
	pu_append_label(sb, _("Category"), 14);
	strbuf_appendf(sb, " %s\n", ticket_category_label(t->category));
	pu_append_label(sb, _("Assigned"), 14);
	strbuf_appendf(sb, " %s\n", t->assigned_to ? t->assigned_to : _("nobody"));
	pu_append_label(sb, _("Received"), 14);
	strbuf_appendf(sb, " %s\n", rec ? rec : "");
	pu_append_label(sb, _("Response due"), 14);
	strbuf_appendf(sb, " %s\n", due ? due : "");
	pu_append_label(sb, _("SLA clock"), 14);
	strbuf_appendf(sb, " %s\n", clock ? clock : "");
	free(clock);
	free(rec);
	free(due);
	free(prio);
	struct tk_state *s = state(p);
	if (s->cached == t->number)
		pu_append_termination(sb, s->termination);
	strbuf_appendf(sb, "\n%s\n", _("History (TKT-5)"));
	for (size_t i = 0; i < n_ev; i++) {
		char *when = pu_local(ev[i].at);
		strbuf_appendf(sb, "\n%s  %s  %s", when ? when : "", pu_dash(ev[i].staff),
			ticket_event_label(ev[i].kind));
		if (ev[i].old_value && ev[i].new_value)
			strbuf_appendf(sb, "  %s -> %s", ev[i].old_value, ev[i].new_value);
		else if (ev[i].new_value)
			strbuf_appendf(sb, "  %s", ev[i].new_value);
		strbuf_append(sb, "\n");
		free(when);
		char *wrapped = pu_wrap(ev[i].body, 68);
		for (const char *b = wrapped; b && *b;) {
			const char *nl = strchr(b, '\n');
			size_t len = nl ? (size_t)(nl - b) : strlen(b);
			strbuf_append(sb, "    ");
			strbuf_appendn(sb, b, len);
			strbuf_append(sb, "\n");
			b += len + (nl ? 1 : 0);
		}
		free(wrapped);
	}
	struct ticket_time *tt = NULL;
	size_t n_tt = 0;
	kc_error err = KC_ERROR_INIT;
	if (ticket_times(tui_db(p->tui), t->id, &tt, &n_tt, &err) == KC_OK && n_tt) {
		strbuf_appendf(sb, "\n%s\n", _("Time logged (TKT-8)"));
		for (size_t i = 0; i < n_tt; i++) {
			strbuf_appendf(sb, "  %s  ", pu_dash(tt[i].worked_on));
			pu_append_label(sb, pu_dash(tt[i].staff), 10);
			strbuf_appendf(sb, " %4d min  ", tt[i].minutes);
			pu_append_label(sb, tt[i].billable ? _("billable") : _("covered"), 10);
			strbuf_appendf(sb, " %s\n", tt[i].description ? tt[i].description : "");
		}
	}
	kc_error_clear(&err);
	ticket_times_free(&tt, n_tt);
}

/* The selected ticket and its events, read again. */
static bool fresh_ticket(struct pane *p, struct ticket *t, struct ticket_event **ev, size_t *n)
{
	memset(t, 0, sizeof *t);
	if (ev) {
		*ev = NULL;
		*n = 0;
	}
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return false;
	kc_error err = KC_ERROR_INIT;
	kc_db *db = tui_db(p->tui);
	if (ticket_get(db, sel->id, t, &err) != KC_OK
	    || (ev && ticket_events(db, t->id, ev, n, &err) != KC_OK)) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		ticket_clear(t);
		memset(t, 0, sizeof *t);
		return false;
	}
	return true;
}

static unsigned open_ticket(struct pane *p)
{
	struct ticket t;
	struct ticket_event *ev;
	size_t n;
	if (!fresh_ticket(p, &t, &ev, &n))
		return PANE_REDRAW;
	strbuf sb = STRBUF_INIT;
	ticket_text(p, &t, ev, n, &sb);
	char *title = kc_asprintf(_("Ticket %lld  %s"), (long long)t.number, pu_dash(t.subject));
	form_view_text(p->tui, title ? title : "", strbuf_cstr(&sb));
	free(title);
	strbuf_free(&sb);
	ticket_events_free(&ev, n);
	ticket_clear(&t);
	return PANE_REDRAW;
}

/* --- filters ---------------------------------------------------------------------- */

static void set_label(struct pane *p)
{
	struct tk_state *s = state(p);
	strbuf sb = STRBUF_INIT;
	if (s->mine)
		strbuf_append(&sb, _("mine"));
	if (s->unassigned)
		strbuf_append(&sb, _("unassigned"));
	if (s->priority)
		strbuf_appendf(&sb, "%s%s", sb.len ? ", " : "", ticket_priority_label(s->priority));
	if (s->tstate)
		strbuf_appendf(&sb, "%s%s", sb.len ? ", " : "", strcmp(s->tstate, "all") == 0
			? _("every state") : ticket_state_label(s->tstate));
	if (s->account_id && !p->title)
		strbuf_appendf(&sb, "%s%s", sb.len ? ", " : "", pu_dash(s->account_number));
	free(p->filter_label);
	p->filter_label = sb.len ? strbuf_detach(&sb) : NULL;
	strbuf_free(&sb);
}

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = v ? kc_strdup(v) : NULL;
}

static bool choose_state(struct pane *p)
{
	static const char *const states[] = { NULL, "all", "new", "open", "waiting", "resolved",
		"closed" };
	const char *labels[7] = { _("Open states (new, open, waiting)"), _("Every state") };
	for (size_t i = 2; i < 7; i++)
		labels[i] = ticket_state_label(states[i]);
	int k = form_choose(p->tui, _("Tickets in state"), labels, 7, 0);
	if (k < 0)
		return false;
	set_str(&state(p)->tstate, states[k]);
	return true;
}

static bool choose_account(struct pane *p)
{
	struct tk_state *s = state(p);
	char *ref = form_prompt_text(p->tui, _("Tickets of one account"), _("Account"),
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
		set_str(&s->account_number, NULL);
		ok = true;
	} else if (account_resolve(tui_db(p->tui), ref, &id, &err) != KC_OK
		   || account_get(tui_db(p->tui), id, &a, &err) != KC_OK) {
		tui_error(p->tui, &err);
	} else {
		s->account_id = id;
		set_str(&s->account_number, a.number);
		ok = true;
	}
	account_clear(&a);
	kc_error_clear(&err);
	free(ref);
	return ok;
}

static unsigned tk_filter(struct pane *p)
{
	struct tk_state *s = state(p);
	const char *labels[] = { _("Every ticket of the queue"), _("Mine"), _("Unassigned"),
		ticket_priority_label("emergency"), ticket_priority_label("urgent"),
		ticket_priority_label("standard"), _("State..."), _("One account...") };
	int k = form_choose(p->tui, _("Show tickets"), labels, sizeof labels / sizeof labels[0], 0);
	switch (k) {
	case 0:
		s->mine = s->unassigned = false;
		set_str(&s->priority, NULL);
		set_str(&s->tstate, NULL);
		if (!p->title) {
			s->account_id = 0;
			set_str(&s->account_number, NULL);
		}
		break;
	case 1: s->mine = true; s->unassigned = false; break;
	case 2: s->unassigned = true; s->mine = false; break;
	case 3: set_str(&s->priority, "emergency"); break;
	case 4: set_str(&s->priority, "urgent"); break;
	case 5: set_str(&s->priority, "standard"); break;
	case 6:
		if (!choose_state(p))
			return PANE_REDRAW;
		break;
	case 7:
		if (!choose_account(p))
			return PANE_REDRAW;
		break;
	default:
		return PANE_REDRAW;
	}
	set_label(p);
	kc_error err = KC_ERROR_INIT;
	if (pane_load_first(p, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	return PANE_REDRAW;
}

/* --- opening a ticket (TKT-1..3, TKT-7) ------------------------------------------- */

enum { T_ACCOUNT = 1, T_PRIORITY, T_SUBJECT, T_CHANNEL, T_CATEGORY, T_RECEIVED, T_WSTART,
	T_WEND, T_MINUTES, T_DATE, T_DESCRIPTION, T_BILLABLE, T_USER };

struct create_form {
	struct pane *pane;
	int64_t number;
	bool downgraded;
};

/* The account named in the form, or 0 (err set). */
static int64_t form_account(struct pane *p, struct form *f, struct account *a, kc_error *err)
{
	int64_t id = 0;
	memset(a, 0, sizeof *a);
	const char *ref = form_value(f, T_ACCOUNT);
	if (!ref || !*ref) {
		kc_error_set(err, KC_ERR_INVALID, "%s", _("Name the account (K-000123)"));
		return 0;
	}
	if (account_resolve(tui_db(p->tui), ref, &id, err) != KC_OK
	    || account_get(tui_db(p->tui), id, a, err) != KC_OK)
		return 0;
	return id;
}

/* TKT-2 / TKT-7 told before saving: what priority the ticket will get. */
static kc_status create_check(struct form *f, void *ctx, int tag, kc_error *err)
{
	struct create_form *cf = ctx;
	if (tag != T_ACCOUNT && tag != T_PRIORITY && tag != T_CATEGORY)
		return KC_OK;
	struct account a;
	kc_error e = KC_ERROR_INIT;
	int64_t id = form_account(cf->pane, f, &a, &e);
	const char *prio = form_value(f, T_PRIORITY);
	bool high = prio && strcmp(prio, "standard") != 0;
	const char *note = NULL;
	if (high && strcmp(form_value(f, T_CATEGORY), "maintenance") == 0)
		note = _("becomes Standard: a maintenance request (TKT-7)");
	else if (high && id && !(a.level && strcmp(a.level, "fully_administered") == 0))
		note = _("becomes Standard: not fully administered (TKT-2)");
	form_set_note(f, T_PRIORITY, note);
	account_clear(&a);
	kc_status st = KC_OK;
	if (tag == T_ACCOUNT && !id && form_value(f, T_ACCOUNT)[0])
		st = kc_error_set(err, e.code, "%s", kc_error_text(&e));
	kc_error_clear(&e);
	return st;
}

static kc_status parse_when(struct form *f, int tag, kc_instant *out, int *bad_tag, kc_error *err)
{
	const char *v = form_value(f, tag);
	*out = 0;
	if (!v || !*v)
		return KC_OK;
	kc_status st = ticket_instant_parse(v, out, err);
	if (st != KC_OK)
		*bad_tag = tag;
	return st;
}

static kc_status create_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct create_form *cf = ctx;
	struct account a;
	struct ticket_new in;
	memset(&in, 0, sizeof in);
	in.account_id = form_account(cf->pane, f, &a, err);
	account_clear(&a);
	if (!in.account_id) {
		*bad_tag = T_ACCOUNT;
		return err && err->code != KC_OK ? err->code : KC_ERR_INVALID;
	}
	in.priority = form_value(f, T_PRIORITY);
	in.subject = form_value(f, T_SUBJECT);
	in.channel = form_value(f, T_CHANNEL);
	in.category = form_value(f, T_CATEGORY);
	kc_status st = parse_when(f, T_RECEIVED, &in.received, bad_tag, err);
	if (st == KC_OK)
		st = parse_when(f, T_WSTART, &in.window_start, bad_tag, err);
	if (st == KC_OK)
		st = parse_when(f, T_WEND, &in.window_end, bad_tag, err);
	if (st == KC_OK)
		st = ticket_add(tui_db(cf->pane->tui), tui_settings(cf->pane->tui), &in, &cf->number,
			&cf->downgraded, err);
	return st;
}

static unsigned tk_create(struct pane *p)
{
	static const char *const prios[] = { "standard", "urgent", "emergency", NULL };
	static const char *const channels[] = { "phone", "email", "portal", "alarm", NULL };
	static const char *const cats[] = { "support", "maintenance", "billing", "consulting",
		"third_party", NULL };
	const char *prio_labels[4], *channel_labels[5], *cat_labels[6];
	for (size_t i = 0; i < 3; i++)
		prio_labels[i] = ticket_priority_label(prios[i]);
	for (size_t i = 0; i < 4; i++)
		channel_labels[i] = ticket_channel_label(channels[i]);
	for (size_t i = 0; i < 5; i++)
		cat_labels[i] = ticket_category_label(cats[i]);
	prio_labels[3] = channel_labels[4] = cat_labels[5] = NULL;
	struct create_form cf = { p, 0, false };
	struct form *f = form_new(_("New ticket"));
	if (!f)
		return PANE_REDRAW;
	char *now = pu_local(date_now());
	pu_form_info(f, _("The SLA clock starts when the request was received (SLA-1)."));
	form_add_text(f, T_ACCOUNT, _("Account"), state(p)->account_number, 40);
	form_add_choice(f, T_PRIORITY, _("Priority"), prios, prio_labels, "standard");
	form_add_text(f, T_SUBJECT, _("Subject"), NULL, TICKET_SUBJECT_MAX);
	form_add_choice(f, T_CHANNEL, _("Channel (TKT-3)"), channels, channel_labels, "phone");
	form_add_choice(f, T_CATEGORY, _("Category"), cats, cat_labels, "support");
	form_add_text(f, T_RECEIVED, _("Received"), now, 20);
	form_add_text(f, T_WSTART, _("Maintenance from"), NULL, 20);
	form_add_text(f, T_WEND, _("Maintenance until"), NULL, 20);
	form_set_save_label(f, _("Open ticket"));
	form_set_callbacks(f, create_save, create_check, &cf);
	free(now);
	enum form_result r = form_run(p->tui, f);
	form_free(&f);
	if (r != FORM_SAVED)
		return PANE_REDRAW;
	if (cf.downgraded)
		tui_message(p->tui, THEME_WARNING,
			_("Ticket %lld opened as Standard: the priority asked was lowered (TKT-2, TKT-7)"),
			(long long)cf.number);
	else
		tui_message(p->tui, THEME_MESSAGE, _("Ticket %lld opened"), (long long)cf.number);
	return PANE_REDRAW | PANE_RELOAD;
}

/* --- replies and notes in $EDITOR ------------------------------------------------- */

static bool blank_text(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static unsigned write_text(struct pane *p, bool reply)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	int64_t number = sel->id;
	kc_error err = KC_ERROR_INIT;
	char *text = form_run_editor(p->tui, "", &err);
	unsigned res = PANE_REDRAW;
	if (!text) {
		tui_error(p->tui, &err);
	} else if (blank_text(text)) {
		tui_message(p->tui, THEME_MESSAGE, "%s", reply
			? _("Nothing recorded: the reply is empty") : _("Nothing recorded: the note is empty"));
	} else if (reply) {
		bool stopped = false;
		kc_status st = ticket_reply(tui_db(p->tui), number, text, 0, &stopped, &err);
		res = pu_result(p, st, &err);
		if (st == KC_OK)
			tui_message(p->tui, THEME_MESSAGE, stopped
				? _("Reply recorded on ticket %lld: the SLA clock stopped")
				: _("Reply recorded on ticket %lld"), (long long)number);
	} else {
		kc_status st = ticket_note(tui_db(p->tui), number, text, 0, &err);
		res = pu_result(p, st, &err);
		if (st == KC_OK)
			tui_message(p->tui, THEME_MESSAGE, _("Internal note added to ticket %lld"),
				(long long)number);
	}
	free(text);
	kc_error_clear(&err);
	return res;
}

/* --- assign, state, time, SLA credit ---------------------------------------------- */

static unsigned tk_assign(struct pane *p)
{
	struct ticket t;
	if (!fresh_ticket(p, &t, NULL, NULL))
		return PANE_REDRAW;
	char *title = kc_asprintf(_("Assign ticket %lld"), (long long)t.number);
	char *who = form_prompt_text(p->tui, title ? title : "", _("Staff member (empty: nobody)"),
		t.assigned_to ? t.assigned_to : db_staff(tui_db(p->tui)));
	free(title);
	unsigned res = PANE_REDRAW;
	if (who) {
		kc_error err = KC_ERROR_INIT;
		kc_status st = ticket_assign(tui_db(p->tui), t.number, t.version, who, 0, &err);
		res = pu_result(p, st, &err);
		if (st == KC_OK && *who)
			tui_message(p->tui, THEME_MESSAGE, _("Ticket %lld assigned to %s"),
				(long long)t.number, who);
		else if (st == KC_OK)
			tui_message(p->tui, THEME_MESSAGE, _("Ticket %lld unassigned"), (long long)t.number);
		kc_error_clear(&err);
		free(who);
	}
	ticket_clear(&t);
	return res;
}

static unsigned tk_state_change(struct pane *p)
{
	static const char *const states[] = { "open", "waiting", "resolved", "closed" };
	struct ticket t;
	if (!fresh_ticket(p, &t, NULL, NULL))
		return PANE_REDRAW;
	const char *keys[4], *labels[4];
	size_t n = 0;
	for (size_t i = 0; i < 4; i++)
		if (ticket_transition_allowed(t.state, states[i])) {
			keys[n] = states[i];
			labels[n++] = ticket_state_label(states[i]);
		}
	unsigned res = PANE_REDRAW;
	if (n == 0) {
		tui_message(p->tui, THEME_ERROR, _("Ticket %lld is %s: no change allowed (TKT-5)"),
			(long long)t.number, ticket_state_label(t.state));
	} else {
		char *title = kc_asprintf(_("Ticket %lld: %s to"), (long long)t.number,
			ticket_state_label(t.state));
		int k = form_choose(p->tui, title ? title : "", labels, n, 0);
		free(title);
		if (k >= 0) {
			kc_error err = KC_ERROR_INIT;
			kc_status st = ticket_set_state(tui_db(p->tui), t.number, t.version, keys[k], 0, &err);
			res = pu_result(p, st, &err);
			if (st == KC_OK)
				tui_message(p->tui, THEME_MESSAGE, _("Ticket %lld is now %s"), (long long)t.number,
					labels[k]);
			kc_error_clear(&err);
		}
	}
	ticket_clear(&t);
	return res;
}

struct time_form {
	struct pane *pane;
	int64_t number;
};

static kc_status time_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct time_form *tf = ctx;
	const char *m = form_value(f, T_MINUTES);
	char *end = NULL;
	long minutes = m && *m ? strtol(m, &end, 10) : 0;
	if (!m || !*m || *end || minutes < 1 || minutes > TICKET_MINUTES_MAX) {
		*bad_tag = T_MINUTES;
		return kc_error_set(err, KC_ERR_INVALID, _("Minutes: a whole number from 1 to %d"),
			TICKET_MINUTES_MAX);
	}
	const char *b = form_value(f, T_BILLABLE);
	enum ticket_billable bill = strcmp(b, "yes") == 0 ? TICKET_BILLABLE_YES
		: strcmp(b, "no") == 0 ? TICKET_BILLABLE_NO : TICKET_BILLABLE_DEFAULT;
	int64_t id = 0;
	return ticket_log_time(tui_db(tf->pane->tui), tf->number, (int)minutes, form_value(f, T_DATE),
		form_value(f, T_DESCRIPTION), bill, &id, err);
}

static unsigned tk_log_time(struct pane *p)
{
	static const char *const bills[] = { "default", "yes", "no", NULL };
	const char *bill_labels[] = { _("as the category says (TKT-4)"), _("billable"),
		_("covered by the support charge"), NULL };
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	struct time_form tf = { p, sel->id };
	char *title = kc_asprintf(_("Time on ticket %lld (TKT-8)"), (long long)sel->id);
	struct form *f = form_new(title ? title : "");
	free(title);
	if (!f)
		return PANE_REDRAW;
	form_add_text(f, T_MINUTES, _("Minutes"), NULL, 4);
	form_add_text(f, T_DATE, _("Worked on"), tui_today(p->tui), 10);
	form_add_text(f, T_DESCRIPTION, _("What was done"), NULL, 300);
	form_add_choice(f, T_BILLABLE, _("Billable"), bills, bill_labels, "default");
	form_set_save_label(f, _("Log time"));
	form_set_callbacks(f, time_save, NULL, &tf);
	enum form_result r = form_run(p->tui, f);
	char *minutes = r == FORM_SAVED ? kc_strdup(form_value(f, T_MINUTES)) : NULL;
	form_free(&f);
	if (!minutes)
		return PANE_REDRAW;
	tui_message(p->tui, THEME_MESSAGE, _("%s minutes logged on ticket %lld"), minutes,
		(long long)tf.number);
	free(minutes);
	return PANE_REDRAW | PANE_RELOAD;
}

static unsigned tk_sla_credit(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	int64_t number = sel->id;
	char *title = kc_asprintf(_("SLA credit for ticket %lld (SLA-4)"), (long long)number);
	char *day = form_prompt_text(p->tui, title ? title : "", _("Customer asked on"),
		tui_today(p->tui));
	free(title);
	if (!day)
		return PANE_REDRAW;
	struct sla_credit_result r;
	memset(&r, 0, sizeof r);
	kc_error err = KC_ERROR_INIT;
	kc_status st = sla_credit_request(tui_db(p->tui), tui_settings(p->tui), number, day, &r, &err);
	unsigned res = pu_result(p, st, &err);
	if (st == KC_OK) {
		char *amount = pu_money(p->tui, r.amount_cents);
		if (r.status && strcmp(r.status, "granted") == 0)
			tui_message(p->tui, THEME_MESSAGE, _("SLA credit granted: %s store credit%s%s"),
				amount ? amount : "", r.reason ? "; " : "", r.reason ? r.reason : "");
		else
			tui_message(p->tui, THEME_WARNING, _("SLA credit refused and recorded: %s"),
				pu_dash(r.reason));
		free(amount);
	}
	sla_credit_result_clear(&r);
	kc_error_clear(&err);
	free(day);
	return res;
}

/* HIS-1: the audit trail of the selected ticket (rows are named by
 * number; the trail by the ticket's id). */
static unsigned tk_audit(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel)
		return PANE_DONE;
	struct ticket t;
	memset(&t, 0, sizeof t);
	kc_error err = KC_ERROR_INIT;
	unsigned r = PANE_REDRAW;
	if (ticket_get(tui_db(p->tui), sel->id, &t, &err) != KC_OK) {
		tui_error(p->tui, &err);
	} else {
		char *what = kc_asprintf(_("ticket %lld"), (long long)t.number);
		r = pane_audit_record(p, "ticket", t.id, what);
		free(what);
	}
	ticket_clear(&t);
	kc_error_clear(&err);
	return r;
}

static unsigned tk_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_OPEN: return open_ticket(p);
	case ACTION_FILTER: return tk_filter(p);
	case ACTION_CREATE: return tk_create(p);
	case ACTION_REPLY: return write_text(p, true);
	case ACTION_NOTE: return write_text(p, false);
	case ACTION_ASSIGN: return tk_assign(p);
	case ACTION_TICKET_STATE: return tk_state_change(p);
	case ACTION_LOG_TIME: return tk_log_time(p);
	case ACTION_SLA_CREDIT: return tk_sla_credit(p);
	case ACTION_RECORD_AUDIT: return tk_audit(p);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_tickets_ops = {
	.name = N_("Tickets"),
	.empty = N_("No ticket in the queue: press c to open one"),
	.columns = tk_columns,
	.n_columns = TC_N,
	.hints = tk_hints,
	.actions = tk_actions,
	.init = tk_init,
	.fini = tk_fini,
	.fetch = tk_fetch,
	.key_free = key_free,
	.count = tk_count,
	.draw_detail = tk_detail,
	.action = tk_action,
	.invalidate = tk_invalidate,
};
