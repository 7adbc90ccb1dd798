/* pane_history.c: one account's timeline, newest first (HIS-2), paged by
 * audit id (history_page / history_page_newer); Enter opens an entry with
 * its old and new values. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "form.h"
#include "history.h"
#include "pane.h"
#include "pane_util.h"
#include "strbuf.h"

enum hist_col { H_WHEN, H_STAFF, H_WHAT, H_N_COLS };

static const struct pane_column hist_columns[H_N_COLS] = {
	[H_WHEN] = { N_("When"), 16, 0, false, -1 },
	[H_STAFF] = { N_("By"), 10, 0, false, -1 },
	[H_WHAT] = { N_("What"), 30, 1, false, -1 },
};

static const enum action_id hist_hints[] = { ACTION_OPEN, ACTION_NONE };
static const enum action_id hist_actions[] = { ACTION_OPEN, ACTION_NONE };

/* The row's key: its audit id and what the detail shows. */
struct hist_key {
	int64_t id;
	char *at, *staff, *action, *summary, *old_values, *new_values;
};

struct hist_state {
	int64_t account_id;
};

static void key_free(void *k)
{
	struct hist_key *h = k;
	if (!h)
		return;
	free(h->at);
	free(h->staff);
	free(h->action);
	free(h->summary);
	free(h->old_values);
	free(h->new_values);
	free(h);
}

static kc_status hist_init(struct pane *p, int64_t arg, kc_error *err)
{
	struct hist_state *s = calloc(1, sizeof *s);
	if (!s)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	s->account_id = arg;
	p->priv = s;
	return KC_OK;
}

static void hist_fini(struct pane *p)
{
	free(p->priv);
	p->priv = NULL;
}

/* "2024-06-21T20:00:00Z" shown in the office zone as "2024-06-21 16:00". */
static char *local_time(const char *iso)
{
	kc_instant t;
	if (!iso || date_instant_parse(iso, &t, NULL) != KC_OK)
		return kc_strdup(iso ? iso : "");
	char buf[DATE_LOCAL_BUFSZ];
	kc_local l = date_to_local(t);
	l.sec = 0;
	date_local_format(l, buf);
	return kc_strdup(buf);
}

static bool row_from_entry(struct history_entry *e, struct pane_row *r)
{
	if (!pane_row_alloc(r, H_N_COLS))
		return false;
	struct hist_key *k = calloc(1, sizeof *k);
	if (!k) {
		free(r->cells);
		r->cells = NULL;
		return false;
	}
	r->id = e->id;
	pane_row_set(r, H_WHEN, local_time(e->at));
	pane_row_set(r, H_STAFF, kc_strdup(e->staff ? e->staff : ""));
	pane_row_set(r, H_WHAT, kc_strdup(e->summary ? e->summary : (e->action ? e->action : "")));
	/* Move the strings over: the entry is cleared afterwards. */
	k->id = e->id;
	k->at = e->at;
	k->staff = e->staff;
	k->action = e->action;
	k->summary = e->summary;
	k->old_values = e->old_values;
	k->new_values = e->new_values;
	e->at = e->staff = e->action = e->summary = e->old_values = e->new_values = NULL;
	r->key = k;
	return true;
}

static kc_status hist_fetch(struct pane *p, const struct pane_row *from, bool backward,
	struct pane_row *out, size_t max, size_t *n, kc_error *err)
{
	struct hist_state *s = p->priv;
	*n = 0;
	struct history_entry *e = calloc(max ? max : 1, sizeof *e);
	if (!e)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	size_t got = 0;
	int64_t at = from ? from->id : 0;
	kc_status st;
	/* The list runs newest first: forward is older (smaller ids). */
	if (backward)
		st = history_page_newer(tui_db(p->tui), s->account_id, at, e, max, &got, err);
	else
		st = history_page(tui_db(p->tui), s->account_id, at, e, max, &got, err);
	for (size_t i = 0; st == KC_OK && i < got; i++) {
		if (!row_from_entry(&e[i], &out[*n])) {
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
	history_entries_clear(e, got);
	free(e);
	return st;
}

/* A flat JSON object, one "key: value" per line (values as written). */
static void append_values(strbuf *sb, const char *json)
{
	if (!json || !*json) {
		strbuf_appendf(sb, "  %s\n", _("(none)"));
		return;
	}
	strbuf_append(sb, "  ");
	bool in_str = false, esc = false;
	int depth = 0;
	for (const char *c = json; *c; c++) {
		if (in_str) {
			if (esc)
				esc = false;
			else if (*c == '\\')
				esc = true;
			else if (*c == '"')
				in_str = false;
			strbuf_appendc(sb, *c);
			continue;
		}
		if (*c == '"') {
			in_str = true;
			strbuf_appendc(sb, *c);
		} else if (*c == '{' || *c == '[') {
			if (depth++ > 0)
				strbuf_appendc(sb, *c);
		} else if (*c == '}' || *c == ']') {
			if (--depth > 0)
				strbuf_appendc(sb, *c);
		} else if (*c == ',' && depth == 1) {
			strbuf_append(sb, "\n  ");
		} else if (*c == ':' && depth == 1) {
			strbuf_append(sb, ": ");
		} else if (*c != ' ' || depth > 1) {
			strbuf_appendc(sb, *c);
		}
	}
	strbuf_append(sb, "\n");
}

static void hist_detail(struct pane *p, const struct pane_row *sel, WINDOW *w)
{
	(void)p;
	const struct hist_key *k = sel ? sel->key : NULL;
	pane_detail_title(w, k ? sel->cells[H_WHAT] : NULL);
	if (!k)
		return;
	int width = getmaxx(w) - 2;
	int y = 1;
	y = pane_detail_pair(w, y, 1, width, _("When"), sel->cells[H_WHEN], THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("By"), k->staff, THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Action"), k->action, THEME_NORMAL);
	y = pane_detail_pair(w, y, 1, width, _("Before"), k->old_values ? k->old_values : "-", THEME_DIM);
	y = pane_detail_pair(w, y, 1, width, _("After"), k->new_values ? k->new_values : "-", THEME_NORMAL);
	theme_set(w, THEME_DIM);
	theme_puts(w, y + 1, 1, _("Enter shows the whole entry; the history cannot be edited (HIS-1)."), width);
	theme_set(w, THEME_NORMAL);
}

static unsigned open_entry(struct pane *p)
{
	const struct pane_row *sel = pane_selected(p);
	const struct hist_key *k = sel ? sel->key : NULL;
	if (!k)
		return PANE_DONE;
	strbuf sb = STRBUF_INIT;
	strbuf_appendf(&sb, "%s\n\n", k->summary ? k->summary : "");
	pu_append_label(&sb, _("When"), 10);
	strbuf_appendf(&sb, " %s (%s)\n", sel->cells[H_WHEN], k->at ? k->at : "");
	pu_append_label(&sb, _("By"), 10);
	strbuf_appendf(&sb, " %s\n", k->staff ? k->staff : "");
	pu_append_label(&sb, _("Action"), 10);
	strbuf_appendf(&sb, " %s\n\n", k->action ? k->action : "");
	strbuf_appendf(&sb, "%s\n", _("Before:"));
	append_values(&sb, k->old_values);
	strbuf_appendf(&sb, "\n%s\n", _("After:"));
	append_values(&sb, k->new_values);
	form_view_text(p->tui, sel->cells[H_WHAT] ? sel->cells[H_WHAT] : "", strbuf_cstr(&sb));
	strbuf_free(&sb);
	return PANE_REDRAW;
}

static unsigned hist_action(struct pane *p, enum action_id a)
{
	if (a == ACTION_OPEN)
		return open_entry(p);
	return PANE_UNHANDLED;
}

const struct pane_ops pane_history_ops = {
	.name = N_("History"),
	.empty = N_("Nothing recorded yet"),
	.columns = hist_columns,
	.n_columns = H_N_COLS,
	.hints = hist_hints,
	.actions = hist_actions,
	.init = hist_init,
	.fini = hist_fini,
	.fetch = hist_fetch,
	.key_free = key_free,
	.draw_detail = hist_detail,
	.action = hist_action,
};
