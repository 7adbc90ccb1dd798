/* pane_audit.c: the audit trail (HIS-1), newest first: the whole trail
 * (key T from anywhere), one record's trail (key H on a selected account,
 * invoice, ticket, termination request, staff member or audit entry) or
 * one staff member's changes (Enter in the staff view).  Filters by staff,
 * record and office dates (f); Enter opens an entry with its old and new
 * values.  Read-only by design: no action here changes anything.
 *
 * Paging: core pages the trail older only (audit_page_where, id <
 * before).  Forward is that; backward (the rows newer than a row, for
 * scrolling up, reloads and End) bisects the bound `before` until the
 * page under it holds exactly the rows just newer: about log2(ids) small
 * keyset queries, whatever the size of the trail. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "audit_text.h"
#include "date.h"
#include "form.h"
#include "history.h"
#include "pane.h"
#include "pane_util.h"
#include "staff.h"
#include "strbuf.h"

enum au_col { AC_WHEN, AC_STAFF, AC_RECORD, AC_WHAT, AC_N };

static const struct pane_column au_columns[AC_N] = {
	[AC_WHEN] = { N_("When"), 16, 0, false, -1 },
	[AC_STAFF] = { N_("By"), 10, 0, false, -1 },
	[AC_RECORD] = { N_("Record"), 16, 0, false, -1 },
	[AC_WHAT] = { N_("What"), 20, 1, false, -1 },
};

static const enum action_id au_hints[] = {
	ACTION_OPEN, ACTION_FILTER, ACTION_RECORD_AUDIT, ACTION_NONE
};
static const enum action_id au_actions[] = {
	ACTION_OPEN, ACTION_FILTER, ACTION_RECORD_AUDIT, ACTION_NONE
};

/* The record types written by core (audit_record callers), for the
 * filter; "" = any. */
static const char *const au_entities[] = {
	"", "account", "payment_method", "invoice", "payment", "fee", "chargeback", "refund",
	"dispute", "store_credit", "credit_note", "ticket", "sla_credit", "termination", "coupon",
	"staff", NULL
};
#define AU_N_ENTITIES (sizeof au_entities / sizeof au_entities[0] - 1)

struct au_state {
	char *staff, *entity;       /* filters (owned), NULL = any */
	char *title_staff;          /* the staff member the title names (owned) */
	int64_t entity_id;          /* 0 = any */
	bool record;                /* one record's trail: entity and id fixed */
	char from[DATE_BUFSZ], to[DATE_BUFSZ]; /* "" = unbounded */
	int64_t acct_id;            /* the account number cached for the detail */
	char *acct_number;
};

/* The row's key: the entry (owned) and its description. */
struct au_key {
	struct audit_entry e;
	char *summary;
};

static struct au_state *state(struct pane *p)
{
	return p->priv;
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

static void key_free(void *k)
{
	struct au_key *a = k;
	if (!a)
		return;
	audit_entry_clear(&a->e);
	free(a->summary);
	free(a);
}

static void set_label(struct pane *p)
{
	struct au_state *s = state(p);
	strbuf sb = STRBUF_INIT;
	/* What the title says already is left out. */
	if (s->staff && !(s->title_staff && strcmp(s->staff, s->title_staff) == 0))
		strbuf_append(&sb, s->staff);
	if (s->entity && !s->record) {
		strbuf_appendf(&sb, "%s%s", sb.len ? ", " : "", s->entity);
		if (s->entity_id > 0)
			strbuf_appendf(&sb, " %lld", (long long)s->entity_id);
	}
	if (s->from[0] || s->to[0])
		strbuf_appendf(&sb, "%s%s..%s", sb.len ? ", " : "", s->from, s->to);
	free(p->filter_label);
	p->filter_label = sb.len ? strbuf_detach(&sb) : NULL;
	strbuf_free(&sb);
}

static void au_fini(struct pane *p)
{
	struct au_state *s = state(p);
	if (s) {
		free(s->staff);
		free(s->title_staff);
		free(s->entity);
		free(s->acct_number);
	}
	free(s);
	p->priv = NULL;
}

static kc_status au_init(struct pane *p, int64_t arg, kc_error *err)
{
	const struct pane_audit_arg *a = (const struct pane_audit_arg *)(intptr_t)arg;
	struct au_state *s = calloc(1, sizeof *s);
	if (!s)
		return nomem(err);
	p->priv = s;
	if (a) {
		s->staff = a->staff ? kc_strdup(a->staff) : NULL;
		s->title_staff = a->staff ? kc_strdup(a->staff) : NULL;
		s->entity = a->entity ? kc_strdup(a->entity) : NULL;
		s->entity_id = a->entity_id;
		s->record = a->entity && a->entity_id > 0;
		if ((a->staff && (!s->staff || !s->title_staff)) || (a->entity && !s->entity)) {
			au_fini(p); /* pane_new does not call fini after a failed init */
			return nomem(err);
		}
	}
	set_label(p);
	return KC_OK;
}

/* --- paging ------------------------------------------------------------------ */

static kc_status page_older(struct pane *p, int64_t before, struct audit_entry *e, size_t max,
	size_t *n, kc_error *err)
{
	struct au_state *s = state(p);
	const struct audit_filter f = {
		s->staff, s->entity, s->entity_id, 0,
		s->from[0] ? s->from : NULL, s->to[0] ? s->to : NULL,
	};
	return audit_page_where(tui_db(p->tui), &f, before, e, max, n, err);
}

static void clear_entries(struct audit_entry *e, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		audit_entry_clear(&e[i]);
}

/*
 * The up to max entries with id > after (after 0: the oldest entries),
 * newest first, into e.  P(b) = "the page under bound b holds max entries
 * newer than after" is false at after + 1 and true at the newest id + 1;
 * the smallest b where it holds is one past the max-th entry newer than
 * after, and the page under it is the answer.  Entries written meanwhile
 * have larger ids than the first page's: they never change P below it.
 */
static kc_status page_newer(struct pane *p, int64_t after, struct audit_entry *e, size_t max,
	size_t *n, kc_error *err)
{
	kc_status st = page_older(p, 0, e, max, n, err);
	if (st != KC_OK || *n == 0)
		return st;
	if (*n == max && e[max - 1].id > after) {
		struct audit_entry *tmp = calloc(max, sizeof *tmp);
		if (!tmp) {
			clear_entries(e, 0, *n);
			*n = 0;
			return nomem(err);
		}
		int64_t lo = after + 1, hi = e[0].id + 1; /* P(lo) false, P(hi) true: e */
		while (st == KC_OK && hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			size_t k = 0;
			st = page_older(p, mid, tmp, max, &k, err);
			if (st != KC_OK)
				break;
			if (k == max && tmp[max - 1].id > after) {
				clear_entries(e, 0, *n);
				memcpy(e, tmp, k * sizeof *e);
				*n = k;
				hi = mid;
			} else {
				clear_entries(tmp, 0, k);
				lo = mid;
			}
		}
		free(tmp);
		if (st != KC_OK) {
			clear_entries(e, 0, *n);
			*n = 0;
			return st;
		}
	}
	/* Fewer than max newer ones: the newest page holds them all, first. */
	size_t keep = 0;
	while (keep < *n && e[keep].id > after)
		keep++;
	clear_entries(e, keep, *n);
	*n = keep;
	return KC_OK;
}

static bool row_from_entry(struct audit_entry *e, struct pane_row *r)
{
	if (!pane_row_alloc(r, AC_N))
		return false;
	struct au_key *k = calloc(1, sizeof *k);
	if (!k) {
		free(r->cells);
		r->cells = NULL;
		return false;
	}
	k->summary = history_describe(e->action, e->entity, e->entity_id, e->old_values,
		e->new_values);
	r->id = e->id;
	pane_row_set(r, AC_WHEN, pu_local_iso(e->at));
	pane_row_set(r, AC_STAFF, kc_strdup(pu_dash(e->staff)));
	pane_row_set(r, AC_RECORD, kc_asprintf("%s %lld", pu_dash(e->entity),
		(long long)e->entity_id));
	pane_row_set(r, AC_WHAT, kc_strdup(k->summary ? k->summary : pu_dash(e->action)));
	k->e = *e; /* the entry moves into the key */
	memset(e, 0, sizeof *e);
	r->key = k;
	return true;
}

static kc_status au_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	if (max == 0)
		return KC_OK;
	struct audit_entry *e = calloc(max, sizeof *e);
	if (!e)
		return nomem(err);
	size_t got = 0;
	int64_t at = from ? from->id : 0;
	/* The list runs newest first: forward is older. */
	kc_status st = backward ? page_newer(p, at, e, max, &got, err)
		: page_older(p, at, e, max, &got, err);
	for (size_t i = 0; st == KC_OK && i < got; i++) {
		if (!row_from_entry(&e[i], &out[*n])) {
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
	clear_entries(e, 0, got); /* the entries not moved into rows */
	free(e);
	return st;
}

/* --- detail ------------------------------------------------------------------ */

/* The account number of the entry, cached for the selected row. */
static const char *account_number(struct pane *p, int64_t id)
{
	struct au_state *s = state(p);
	if (id <= 0)
		return NULL;
	if (s->acct_id != id) {
		struct account a;
		memset(&a, 0, sizeof a);
		kc_error err = KC_ERROR_INIT;
		free(s->acct_number);
		s->acct_number = NULL;
		if (account_get(tui_db(p->tui), id, &a, &err) == KC_OK)
			s->acct_number = kc_strdup(a.number);
		account_clear(&a);
		kc_error_clear(&err);
		s->acct_id = id;
	}
	return s->acct_number;
}

static void au_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	const struct au_key *k = sel ? sel->key : NULL;
	pane_detail_title(w, k ? sel->cells[AC_WHAT] : NULL);
	if (!k)
		return;
	int h = getmaxy(w), half = getmaxx(w) / 2, width = half - 2, y = 1;
	y = pane_detail_pair(w, y, 1, width, _("When"), sel->cells[AC_WHEN], THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("By"), k->e.staff, THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Record"), sel->cells[AC_RECORD], THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Account"),
		pu_dash(account_number(p, k->e.account_id)), THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Action"), k->e.action, THEME_NORMAL);
	/* The changes at the right, one a line, as many as fit. */
	int rx = half + 1, rw = getmaxx(w) - half - 2, ry = 1;
	ry = pu_line(w, ry, rx, rw, _("Old and new values"), THEME_LABEL);
	char *changes = audit_changes_text(k->e.old_values, k->e.new_values, "\n", 0);
	const char *c = changes ? changes : "";
	while (*c && ry < h - 1) {
		const char *nl = strchr(c, '\n');
		size_t len = nl ? (size_t)(nl - c) : strlen(c);
		char *line = kc_strndup(c, len);
		ry = pu_line(w, ry, rx, rw, line ? line : "", THEME_NORMAL);
		free(line);
		c += len + (nl ? 1 : 0);
	}
	free(changes);
	if (y < h - 1)
		pu_line(w, h - 1, 1, getmaxx(w) - 2,
			_("Enter shows the whole entry; the audit trail cannot be edited (HIS-1)."),
			THEME_DIM);
}

/* --- the whole entry (Enter) ---------------------------------------------------- */

static void line(strbuf *sb, const char *label, const char *value)
{
	pu_append_label(sb, label, 12);
	strbuf_appendf(sb, " %s\n", pu_dash(value));
}

static unsigned au_open(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	const struct au_key *k = sel ? sel->key : NULL;
	if (!k)
		return PANE_DONE;
	const struct audit_entry *e = &k->e;
	strbuf sb = STRBUF_INIT;
	strbuf_appendf(&sb, "%s\n\n", pu_dash(k->summary));
	char *when = kc_asprintf("%s (%s)", pu_dash(sel->cells[AC_WHEN]), pu_dash(e->at));
	line(&sb, _("When"), when);
	free(when);
	line(&sb, _("By"), e->staff);
	line(&sb, _("Record"), sel->cells[AC_RECORD]);
	line(&sb, _("Account"), account_number(p, e->account_id));
	line(&sb, _("Action"), e->action);
	char *id = kc_asprintf("%lld", (long long)e->id);
	line(&sb, _("Entry"), id);
	free(id);
	strbuf_appendf(&sb, "\n%s\n", _("Old and new values"));
	char *changes = audit_changes_text(e->old_values, e->new_values, "\n", 0);
	const char *c = changes && *changes ? changes : _("(none)");
	while (*c) {
		const char *nl = strchr(c, '\n');
		size_t len = nl ? (size_t)(nl - c) : strlen(c);
		strbuf_append(&sb, "  ");
		strbuf_appendn(&sb, c, len);
		strbuf_append(&sb, "\n");
		c += len + (nl ? 1 : 0);
	}
	free(changes);
	strbuf_appendf(&sb, "\n%s\n", _("The audit trail cannot be edited (HIS-1)."));
	char *title = kc_asprintf(_("Audit entry %lld"), (long long)e->id);
	form_view_text(p->tui, title ? title : "", strbuf_cstr(&sb));
	free(title);
	strbuf_free(&sb);
	return PANE_REDRAW;
}

/* --- filter ----------------------------------------------------------------------- */

enum au_field { AF_STAFF, AF_RECORD, AF_ID, AF_FROM, AF_TO };

struct au_filter_form {
	struct au_state *s;
	const char **staff_values, **staff_labels; /* NULL-terminated, strings borrowed */
	struct staff_member *members;
	size_t n_members;
	const char *entity_labels[AU_N_ENTITIES + 1];
};

static kc_status filter_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct au_filter_form *ff = ctx;
	kc_date d[2];
	const int tags[] = { AF_FROM, AF_TO };
	for (size_t i = 0; i < 2; i++) {
		const char *v = form_value(f, tags[i]);
		if (v && *v && date_parse(v, &d[i], err) != KC_OK) {
			*bad_tag = tags[i];
			return err ? err->code : KC_ERR_INVALID;
		}
	}
	const char *from = form_value(f, AF_FROM), *to = form_value(f, AF_TO);
	if (from && to && *from && *to && strcmp(from, to) > 0) {
		*bad_tag = AF_TO;
		return kc_error_set(err, KC_ERR_INVALID, _("The date %s is after %s"), from, to);
	}
	if (ff->s->record)
		return KC_OK;
	const char *id = form_value(f, AF_ID), *entity = form_value(f, AF_RECORD);
	if (id && *id) {
		char *end = NULL;
		long long v = strtoll(id, &end, 10);
		if (v <= 0 || !end || *end) {
			*bad_tag = AF_ID;
			return kc_error_set(err, KC_ERR_INVALID,
				_("The record number is a positive whole number, not '%s'"), id);
		}
		if (!entity || !*entity) {
			*bad_tag = AF_RECORD;
			return kc_error_set(err, KC_ERR_INVALID, "%s",
				_("A record number needs a kind of record"));
		}
	}
	return KC_OK;
}

/* The staff choice: "anyone" then every member (active or not). */
static bool staff_choice(struct pane *p, struct au_filter_form *ff)
{
	kc_error err = KC_ERROR_INIT;
	if (staff_list(tui_db(p->tui), &ff->members, &ff->n_members, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		return false;
	}
	ff->staff_values = calloc(ff->n_members + 2, sizeof *ff->staff_values);
	ff->staff_labels = calloc(ff->n_members + 2, sizeof *ff->staff_labels);
	if (!ff->staff_values || !ff->staff_labels)
		return false;
	ff->staff_values[0] = "";
	ff->staff_labels[0] = _("(anyone)");
	for (size_t i = 0; i < ff->n_members; i++)
		ff->staff_values[i + 1] = ff->staff_labels[i + 1] = ff->members[i].username;
	return true;
}

/* Takes the saved form's values into the state. */
static void filter_apply(struct au_state *s, struct form *f)
{
	const char *staff = form_value(f, AF_STAFF);
	free(s->staff);
	s->staff = staff && *staff ? kc_strdup(staff) : NULL;
	if (!s->record) {
		const char *entity = form_value(f, AF_RECORD), *id = form_value(f, AF_ID);
		free(s->entity);
		s->entity = entity && *entity ? kc_strdup(entity) : NULL;
		s->entity_id = s->entity && id && *id ? strtoll(id, NULL, 10) : 0;
	}
	snprintf(s->from, sizeof s->from, "%s", form_value(f, AF_FROM));
	snprintf(s->to, sizeof s->to, "%s", form_value(f, AF_TO));
}

static struct form *filter_form(struct pane *p, struct au_filter_form *ff)
{
	struct au_state *s = ff->s;
	struct form *f = form_new(_("Filter the audit trail"));
	pu_form_info(f, _("Staff, kind of record, and office dates YYYY-MM-DD (both included); "
		"empty = no limit."));
	form_add_choice(f, AF_STAFF, _("Staff"), ff->staff_values, ff->staff_labels, s->staff);
	if (s->record) {
		char *rec = kc_asprintf("%s %lld", s->entity, (long long)s->entity_id);
		form_add_readonly(f, AF_RECORD, _("Record"), rec ? rec : s->entity);
		free(rec);
	} else {
		ff->entity_labels[0] = _("(any)");
		for (size_t i = 1; i <= AU_N_ENTITIES; i++)
			ff->entity_labels[i] = au_entities[i];
		form_add_choice(f, AF_RECORD, _("Record"), au_entities, ff->entity_labels,
			s->entity);
		char *id = s->entity_id > 0 ? kc_asprintf("%lld", (long long)s->entity_id) : NULL;
		form_add_text(f, AF_ID, _("Record number"), id, 19);
		free(id);
	}
	form_add_text(f, AF_FROM, _("From"), s->from, 10);
	form_add_text(f, AF_TO, _("To"), s->to, 10);
	form_set_save_label(f, _("Filter"));
	form_set_callbacks(f, filter_save, NULL, ff);
	(void)p;
	return f;
}

static unsigned au_filter(struct pane *p)
{
	struct au_filter_form ff;
	memset(&ff, 0, sizeof ff);
	ff.s = state(p);
	struct form *f = staff_choice(p, &ff) ? filter_form(p, &ff) : NULL;
	if (f && form_run(p->tui, f) == FORM_SAVED) {
		filter_apply(ff.s, f);
		set_label(p);
		kc_error err = KC_ERROR_INIT;
		if (pane_load_first(p, &err) != KC_OK)
			tui_error(p->tui, &err);
		kc_error_clear(&err);
	}
	form_free(&f);
	free(ff.staff_values);
	free(ff.staff_labels);
	staff_members_free(&ff.members, ff.n_members);
	return PANE_REDRAW;
}

/* --- opening trails ------------------------------------------------------------------ */

unsigned pane_audit_record(struct pane *p, const char *entity, int64_t entity_id, const char *what)
{
	struct pane_audit_arg arg = { entity, entity_id, NULL };
	char *title = kc_asprintf(_("Audit of %s"), what ? what : "");
	kc_error err = KC_ERROR_INIT;
	if (tui_push_view(p->tui, &pane_audit_ops, (int64_t)(intptr_t)&arg, title, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	free(title);
	return PANE_REDRAW;
}

/* H on an entry: the trail of the record it changed. */
static unsigned au_record(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	const struct au_key *k = sel ? sel->key : NULL;
	if (!k)
		return PANE_DONE;
	return pane_audit_record(p, k->e.entity, k->e.entity_id, sel->cells[AC_RECORD]);
}

static unsigned au_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_OPEN: return au_open(p);
	case ACTION_FILTER: return au_filter(p);
	case ACTION_RECORD_AUDIT: return au_record(p);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_audit_ops = {
	.name = N_("Audit"),
	.empty = N_("No audit entry matches"),
	.columns = au_columns,
	.n_columns = AC_N,
	.hints = au_hints,
	.actions = au_actions,
	.init = au_init,
	.fini = au_fini,
	.fetch = au_fetch,
	.key_free = key_free,
	.draw_detail = au_detail,
	.action = au_action,
};
