/* pane_staff.c: the staff view (issue 8, key W from anywhere): who is on
 * the staff list of the database, with their role.  Anyone may look; an
 * administrator adds a member (form: user, name, role), gives another role,
 * disables or enables one (staff_add, staff_set_role, staff_set_active:
 * one transaction each with its audit row; the roles are checked at
 * dispatch from the action table).  Enter shows the changes a member made,
 * H the audit of the member's own record.  The list is short: it is read
 * whole (staff_list, by user name) and paged by user name here. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "pane.h"
#include "pane_util.h"
#include "staff.h"
#include "strbuf.h"

enum st_col { SC_USER, SC_NAME, SC_ROLE, SC_STATE, SC_SINCE, SC_N };

static const struct pane_column st_columns[SC_N] = {
	[SC_USER] = { N_("User"), 12, 1, false, -1 },
	[SC_NAME] = { N_("Name"), 16, 2, false, -1 },
	[SC_ROLE] = { N_("Role"), 14, 0, false, -1 },
	[SC_STATE] = { N_("Status"), 9, 0, false, -1 },
	[SC_SINCE] = { N_("Since"), 16, 0, false, -1 },
};

static const enum action_id st_hints[] = {
	ACTION_OPEN, ACTION_STAFF_ADD, ACTION_STAFF_ROLE, ACTION_STAFF_DISABLE, ACTION_STAFF_ENABLE,
	ACTION_RECORD_AUDIT, ACTION_NONE
};
static const enum action_id st_actions[] = {
	ACTION_OPEN, ACTION_STAFF_ADD, ACTION_STAFF_ROLE, ACTION_STAFF_DISABLE, ACTION_STAFF_ENABLE,
	ACTION_RECORD_AUDIT, ACTION_NONE
};

/* The roles offered, in the order shown. */
static const char *const st_role_values[] = { "agent", "billing", "admin", NULL };
static const enum staff_role st_roles[] = { STAFF_AGENT, STAFF_BILLING, STAFF_ADMIN };
#define ST_N_ROLES 3

/* The row's key: the member (owned); the user name is the keyset position. */
struct st_key {
	struct staff_member m;
};

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

static void key_free(void *k)
{
	struct st_key *s = k;
	if (!s)
		return;
	free(s->m.username);
	free(s->m.display_name);
	free(s->m.created_at);
	free(s);
}

static const char *user_of(const struct pane_row *r)
{
	const struct st_key *k = r ? r->key : NULL;
	return k && k->m.username ? k->m.username : "";
}

static bool row_from_member(struct staff_member *m, struct pane_row *r)
{
	if (!pane_row_alloc(r, SC_N))
		return false;
	struct st_key *k = calloc(1, sizeof *k);
	if (!k) {
		free(r->cells);
		r->cells = NULL;
		return false;
	}
	r->id = m->id;
	pane_row_set(r, SC_USER, kc_strdup(pu_dash(m->username)));
	pane_row_set(r, SC_NAME, kc_strdup(m->display_name ? m->display_name : ""));
	pane_row_set(r, SC_ROLE, kc_strdup(staff_role_label(m->role)));
	pane_row_set(r, SC_STATE, kc_strdup(m->active ? _("active") : _("disabled")));
	pane_row_set(r, SC_SINCE, pu_local_iso(m->created_at));
	r->role = m->active ? THEME_NORMAL : THEME_DIM;
	k->m = *m; /* the member moves into the key */
	memset(m, 0, sizeof *m);
	r->key = k;
	return true;
}

static kc_status st_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	struct staff_member *m = NULL;
	size_t count = 0;
	kc_status st = staff_list(tui_db(p->tui), &m, &count, err);
	if (st != KC_OK)
		return st;
	/* [first, end): the members strictly after (backward: before) from,
	 * at most max of them nearest to it. */
	const char *at = from ? user_of(from) : NULL;
	size_t first = 0, end = count;
	if (!backward) {
		while (at && first < count && strcmp(m[first].username, at) <= 0)
			first++;
		if (end - first > max)
			end = first + max;
	} else {
		while (at && end > 0 && strcmp(m[end - 1].username, at) >= 0)
			end--;
		first = end > max ? end - max : 0;
	}
	for (size_t i = first; i < end; i++) {
		if (!row_from_member(&m[i], &out[*n])) {
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
	staff_members_free(&m, count); /* the members not moved into rows */
	return st;
}

static void st_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	(void)p;
	const struct st_key *k = sel ? sel->key : NULL;
	pane_detail_title(w, k ? k->m.username : NULL);
	if (!k)
		return;
	int h = getmaxy(w), width = getmaxx(w) - 2, y = 1;
	y = pane_detail_pair(w, y, 1, width, _("Name"), pu_dash(k->m.display_name), THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Role"), sel->cells[SC_ROLE], THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Status"), k->m.active ? _("active")
		: _("disabled: can no longer change anything"), k->m.active ? THEME_NORMAL : THEME_DIM);
	y = pane_detail_pair(w, y, 1, width, _("Since"), sel->cells[SC_SINCE], THEME_NORMAL);
	char *roles = pu_wrap(_("agent: accounts, tickets, termination steps; billing: invoices, "
		"payments, credits; administrator: everything, closures and the staff list."), width);
	const char *r = roles ? roles : "";
	y++;
	while (*r && y < h - 1) {
		const char *nl = strchr(r, '\n');
		size_t len = nl ? (size_t)(nl - r) : strlen(r);
		char *l = kc_strndup(r, len);
		y = pu_line(w, y, 1, width, l ? l : "", THEME_DIM);
		free(l);
		r += len + (nl ? 1 : 0);
	}
	free(roles);
	if (y < h)
		pu_line(w, h - 1, 1, width,
			_("Enter: the changes this member made; H: the audit of this staff record."),
			THEME_DIM);
}

/* --- actions ------------------------------------------------------------------ */

static unsigned st_open(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel || !sel->key)
		return PANE_DONE;
	struct pane_audit_arg arg = { NULL, 0, user_of(sel) };
	char *title = kc_asprintf(_("Changes by %s"), user_of(sel));
	kc_error err = KC_ERROR_INIT;
	if (tui_push_view(p->tui, &pane_audit_ops, (int64_t)(intptr_t)&arg, title, &err) != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	free(title);
	return PANE_REDRAW;
}

enum st_field { SF_USER, SF_NAME, SF_ROLE };

static kc_status add_save(struct form *f, void *ctx, int *bad_tag, kc_error *err)
{
	struct pane *p = ctx;
	const char *user = form_value(f, SF_USER), *name = form_value(f, SF_NAME);
	enum staff_role role = STAFF_AGENT;
	staff_role_parse(form_value(f, SF_ROLE), &role);
	kc_status st = staff_add(tui_db(p->tui), user, name && *name ? name : NULL, role, err);
	if (st == KC_ERR_INVALID) /* a bad or taken user name (the form bounds the name) */
		*bad_tag = SF_USER;
	if (st == KC_OK)
		tui_message(p->tui, THEME_MESSAGE, _("%s is on the staff list with the %s role."), user,
			staff_role_label(role));
	return st;
}

static unsigned st_add(struct pane *p)
{
	const char *labels[ST_N_ROLES + 1];
	for (size_t i = 0; i < ST_N_ROLES; i++)
		labels[i] = staff_role_label(st_roles[i]);
	labels[ST_N_ROLES] = NULL;
	struct form *f = form_new(_("Add a staff member"));
	pu_form_info(f, _("The user is the operating-system user name of the person (letters, "
		"digits, '.', '_', '-'). The role says what they may change."));
	form_add_text(f, SF_USER, _("User"), NULL, 64);
	form_add_text(f, SF_NAME, _("Name"), NULL, 100);
	form_add_choice(f, SF_ROLE, _("Role"), st_role_values, labels, "agent");
	form_set_save_label(f, _("Add"));
	form_set_callbacks(f, add_save, NULL, p);
	unsigned r = PANE_REDRAW;
	if (f && form_run(p->tui, f) == FORM_SAVED)
		r |= PANE_RELOAD;
	form_free(&f);
	return r;
}

static unsigned st_role(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	const struct st_key *k = sel ? sel->key : NULL;
	if (!k)
		return PANE_DONE;
	char *user = kc_strdup(k->m.username);
	const char *labels[ST_N_ROLES];
	size_t initial = 0;
	for (size_t i = 0; i < ST_N_ROLES; i++) {
		labels[i] = staff_role_label(st_roles[i]);
		if (st_roles[i] == k->m.role)
			initial = i;
	}
	char *title = kc_asprintf(_("Role of %s"), pu_dash(user));
	int c = form_choose(p->tui, title ? title : "", labels, ST_N_ROLES, initial);
	free(title);
	unsigned r = PANE_REDRAW;
	if (c >= 0 && user) {
		kc_error err = KC_ERROR_INIT;
		bool changed = false;
		kc_status st = staff_set_role(tui_db(p->tui), user, st_roles[c], &changed, &err);
		r = pu_result(p, st, &err);
		if (st == KC_OK)
			tui_message(p->tui, THEME_MESSAGE, changed ? _("%s now has the %s role.")
				: _("%s already has the %s role."), user, staff_role_label(st_roles[c]));
		kc_error_clear(&err);
	}
	free(user);
	return r;
}

static unsigned st_set_active(struct pane *p, bool active)
{
	const struct pane_row *sel = pane_selected(p);
	const struct st_key *k = sel ? sel->key : NULL;
	if (!k)
		return PANE_DONE;
	char *user = kc_strdup(k->m.username);
	if (!user)
		return PANE_REDRAW;
	if (!active) {
		char *q = kc_asprintf(_("Disable %s? Their name stays on the records they changed, "
			"but they can no longer change anything."), user);
		bool yes = pu_confirm(p->tui, _("Disable a staff member"), q ? q : user);
		free(q);
		if (!yes) {
			free(user);
			return PANE_REDRAW;
		}
	}
	kc_error err = KC_ERROR_INIT;
	bool changed = false;
	kc_status st = staff_set_active(tui_db(p->tui), user, active, &changed, &err);
	unsigned r = pu_result(p, st, &err);
	if (st == KC_OK && active)
		tui_message(p->tui, THEME_MESSAGE, changed ? _("%s is enabled again.")
			: _("%s was already enabled."), user);
	else if (st == KC_OK)
		tui_message(p->tui, THEME_MESSAGE, changed
			? _("%s is disabled: they can no longer change anything.")
			: _("%s was already disabled."), user);
	kc_error_clear(&err);
	free(user);
	return r;
}

static unsigned st_record_audit(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	if (!sel || !sel->key)
		return PANE_DONE;
	return pane_audit_record(p, "staff", sel->id, user_of(sel));
}

static unsigned st_action(struct pane *p, enum action_id a)
{
	switch (a) {
	case ACTION_OPEN: return st_open(p);
	case ACTION_STAFF_ADD: return st_add(p);
	case ACTION_STAFF_ROLE: return st_role(p);
	case ACTION_STAFF_DISABLE: return st_set_active(p, false);
	case ACTION_STAFF_ENABLE: return st_set_active(p, true);
	case ACTION_RECORD_AUDIT: return st_record_audit(p);
	default: return PANE_UNHANDLED;
	}
}

const struct pane_ops pane_staff_ops = {
	.name = N_("Staff"),
	.empty = N_("Nobody is on the staff list"),
	.columns = st_columns,
	.n_columns = SC_N,
	.hints = st_hints,
	.actions = st_actions,
	.fetch = st_fetch,
	.key_free = key_free,
	.draw_detail = st_detail,
	.action = st_action,
};
