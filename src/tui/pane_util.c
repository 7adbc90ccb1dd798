/* pane_util.c: helpers shared by the panes (see pane_util.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "pane_util.h"
#include "strbuf.h"
#include "termination.h"

#define PU_SCAN_PAGE 100

char *pu_money(struct tui *t, kc_cents cents)
{
	return money_format_locale(cents, tui_money_style(t));
}

char *pu_money_plain(kc_cents cents)
{
	return money_format_plain(cents);
}

char *pu_local(kc_instant at)
{
	char buf[DATE_LOCAL_BUFSZ];
	kc_local l = date_to_local(at);
	l.sec = 0;
	return kc_strdup(date_local_format(l, buf));
}

char *pu_local_iso(const char *iso)
{
	kc_instant t;
	if (!iso || !*iso)
		return kc_strdup("-");
	if (date_instant_parse(iso, &t, NULL) != KC_OK)
		return kc_strdup(iso);
	return pu_local(t);
}

const char *pu_dash(const char *s)
{
	return s && *s ? s : "-";
}

char *pu_account_number(struct tui *t, int64_t id)
{
	struct account a;
	memset(&a, 0, sizeof a);
	char *number = NULL;
	if (account_get(tui_db(t), id, &a, NULL) == KC_OK) {
		number = a.number;
		a.number = NULL;
	}
	account_clear(&a);
	return number;
}

char *pu_termination_note(struct tui *t, int64_t account_id, bool *late)
{
	struct termination_pending tp;
	kc_error err = KC_ERROR_INIT;
	if (late)
		*late = false;
	kc_status st = termination_pending_for_account(tui_db(t), account_id, &tp, &err);
	kc_error_clear(&err);
	if (st != KC_OK || tp.id == 0)
		return NULL;
	strbuf sb = STRBUF_INIT;
	strbuf_appendf(&sb, _("request %lld, %s"), (long long)tp.id, termination_state_label(tp.state));
	if (tp.separation_only)
		strbuf_appendf(&sb, ", %s", _("separation only (TRM-3)"));
	else if (tp.expedite)
		strbuf_appendf(&sb, ", %s", _("expedite asked (TRM-2)"));
	if (tp.service_ended_on[0] && tp.state == TERMINATION_SERVICE_ENDED)
		strbuf_appendf(&sb, " %s", tp.service_ended_on);
	else if (tp.service_ended_on[0])
		strbuf_appendf(&sb, _(", service ended %s"), tp.service_ended_on);
	if (tp.transfer_due[0])
		strbuf_appendf(&sb, _(", transfer due %s"), tp.transfer_due);
	if (tp.late)
		strbuf_appendf(&sb, ", %s", _("LATE (TRM-4)"));
	if (late)
		*late = tp.late;
	return strbuf_detach(&sb);
}

/* Forms are 78 columns wide with a border and margins. */
#define PU_FORM_TEXT 72

char *pu_wrap(const char *text, int width)
{
	strbuf sb = STRBUF_INIT;
	const char *s = text ? text : "";
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = kc_strndup(s, len);
		const char *l = line ? line : "";
		while (theme_text_width(l) > width) {
			size_t fit = theme_fit(l, width, NULL), cut = fit;
			while (cut > 0 && l[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = fit ? fit : 1;
			strbuf_appendn(&sb, l, cut);
			strbuf_append(&sb, "\n");
			l += cut;
			while (*l == ' ')
				l++;
		}
		strbuf_append(&sb, l);
		free(line);
		s += len;
		if (*s == '\n') {
			strbuf_append(&sb, "\n");
			s++;
		}
	}
	return strbuf_detach(&sb);
}

void pu_append_label(strbuf *sb, const char *label, int width)
{
	const char *s = label ? label : "";
	int used = theme_text_width(s);
	if (used > width) {
		bool mark = width > 1;
		size_t fit = theme_fit(s, mark ? width - 1 : width, &used);
		strbuf_appendn(sb, s, fit);
		if (mark) {
			strbuf_appendc(sb, '~');
			used++;
		}
	} else {
		strbuf_append(sb, s);
	}
	for (; used < width; used++)
		strbuf_appendc(sb, ' ');
}

void pu_form_info(struct form *f, const char *text)
{
	char *w = pu_wrap(text, PU_FORM_TEXT);
	form_set_info(f, w ? w : text);
	free(w);
}

bool pu_confirm(struct tui *t, const char *title, const char *question)
{
	char *w = pu_wrap(question, PU_FORM_TEXT);
	bool yes = form_confirm(t, title, w ? w : question);
	free(w);
	return yes;
}

int pu_termination_pair(WINDOW *w, int y, int x, int width, const char *note, bool late)
{
	return pane_detail_pair(w, y, x, width, _("Terminating"), note,
		late ? THEME_BREACHED : THEME_WARNING);
}

void pu_append_termination(strbuf *sb, const char *note)
{
	if (note)
		strbuf_appendf(sb, _("\nTermination pending: %s\n"), note);
}

int pu_line(WINDOW *w, int y, int x, int width, const char *text, enum theme_role role)
{
	if (y >= getmaxy(w) || width <= 0)
		return y + 1;
	theme_set(w, role);
	theme_puts(w, y, x, text ? text : "", width);
	theme_set(w, THEME_NORMAL);
	return y + 1;
}

unsigned pu_result(struct pane *p, kc_status st, kc_error *err)
{
	if (st == KC_OK)
		return PANE_REDRAW | PANE_RELOAD;
	tui_error(p->tui, err);
	return PANE_REDRAW;
}

/* --- backward by a forward scan ---------------------------------------- */

/* A ring of the last `cap` rows read. */
struct ring {
	struct pane_row *rows;
	size_t cap, first, n;
};

static void ring_push(struct pane *p, struct ring *r, struct pane_row *row)
{
	if (r->n == r->cap) {
		pane_row_clear(p, &r->rows[r->first]);
		r->rows[r->first] = *row;
		r->first = (r->first + 1) % r->cap;
	} else {
		r->rows[(r->first + r->n) % r->cap] = *row;
		r->n++;
	}
	memset(row, 0, sizeof *row);
}

kc_status pu_fetch_before_by_scan(struct pane *p, pu_forward_fn forward, pu_compare_fn cmp,
	const struct pane_row *before, struct pane_row *out, size_t max, size_t *n,
	kc_error *err)
{
	*n = 0;
	if (max == 0)
		return KC_OK;
	struct ring r = { calloc(max, sizeof(struct pane_row)), max, 0, 0 };
	struct pane_row *page = calloc(PU_SCAN_PAGE, sizeof *page);
	kc_status st = r.rows && page ? KC_OK
		: kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	bool done = false, past = false;
	while (st == KC_OK && !done) {
		size_t got = 0;
		/* The next page starts after the newest row kept (always kept). */
		const struct pane_row *after = r.n ? &r.rows[(r.first + r.n - 1) % r.cap] : NULL;
		st = forward(p, after, page, PU_SCAN_PAGE, &got, err);
		if (st != KC_OK)
			break;
		done = got < PU_SCAN_PAGE;
		for (size_t i = 0; i < got; i++) {
			if (past || (before && cmp(&page[i], before) >= 0)) {
				past = done = true;
				pane_row_clear(p, &page[i]);
				continue;
			}
			ring_push(p, &r, &page[i]);
		}
	}
	if (st == KC_OK)
		for (size_t i = 0; i < r.n; i++)
			out[(*n)++] = r.rows[(r.first + i) % r.cap];
	else
		for (size_t i = 0; i < r.n; i++)
			pane_row_clear(p, &r.rows[(r.first + i) % r.cap]);
	free(r.rows);
	free(page);
	return st;
}
