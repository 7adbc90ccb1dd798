/* pane.c: the shared list: window of rows, keyset paging, sort, search. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "pane.h"

/* Rows fetched per query: about one screen, never less than this. */
#define PANE_MIN_PAGE 20

static size_t page_rows(const struct pane *p)
{
	return p->list_h > PANE_MIN_PAGE ? (size_t)p->list_h : PANE_MIN_PAGE;
}

bool pane_row_alloc(struct pane_row *r, size_t n_cells)
{
	memset(r, 0, sizeof *r);
	r->cells = calloc(n_cells ? n_cells : 1, sizeof *r->cells);
	return r->cells != NULL;
}

void pane_row_set(struct pane_row *r, size_t cell, char *value)
{
	free(r->cells[cell]);
	r->cells[cell] = value;
}

void pane_row_clear(const struct pane *p, struct pane_row *r)
{
	if (r->cells) {
		for (size_t i = 0; i < p->ops->n_columns; i++)
			free(r->cells[i]);
		free(r->cells);
	}
	if (r->key && p->ops->key_free)
		p->ops->key_free(r->key);
	memset(r, 0, sizeof *r);
}

static void free_rows(struct pane *p)
{
	for (size_t i = 0; i < p->n; i++)
		pane_row_clear(p, &p->rows[i]);
	p->n = 0;
	p->top = p->sel = 0;
}

struct pane *pane_new(struct tui *t, const struct pane_ops *ops, int64_t arg, kc_error *err)
{
	struct pane *p = calloc(1, sizeof *p);
	if (!p) {
		kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
		return NULL;
	}
	p->ops = ops;
	p->tui = t;
	p->total = -1;
	p->list_h = PANE_MIN_PAGE;
	p->sort_col = 0;
	p->stale = true;
	if (ops->init && ops->init(p, arg, err) != KC_OK) {
		free(p);
		return NULL;
	}
	return p;
}

void pane_free(struct pane **pp)
{
	if (!pp || !*pp)
		return;
	struct pane *p = *pp;
	free_rows(p);
	free(p->rows);
	if (p->ops->fini)
		p->ops->fini(p);
	free(p->title);
	free(p->filter_label);
	free(p->search);
	free(p);
	*pp = NULL;
}

const char *pane_title(const struct pane *p)
{
	return p->title ? p->title : _(p->ops->name);
}

const struct pane_row *pane_selected(const struct pane *p)
{
	if (!p || p->n == 0 || p->sel >= p->n)
		return NULL;
	return &p->rows[p->sel];
}

static bool ensure_cap(struct pane *p, size_t need)
{
	if (need <= p->cap)
		return true;
	size_t cap = p->cap ? p->cap : 64;
	while (cap < need)
		cap *= 2;
	struct pane_row *r = realloc(p->rows, cap * sizeof *r);
	if (!r)
		return false;
	p->rows = r;
	p->cap = cap;
	return true;
}

static size_t window_limit(const struct pane *p)
{
	return PANE_WINDOW_PAGES * page_rows(p);
}

static void fetch_done(struct pane *p)
{
	p->loaded = true;
	p->stale = false;
	if (p->ops->invalidate)
		p->ops->invalidate(p);
	if (p->ops->count) {
		kc_error e = KC_ERROR_INIT;
		if (p->ops->count(p, &p->total, &e) != KC_OK)
			p->total = -1;
		kc_error_clear(&e);
	}
}

static void keep_visible(struct pane *p)
{
	size_t h = p->list_h > 0 ? (size_t)p->list_h : 1;
	if (p->n == 0) {
		p->top = p->sel = 0;
		return;
	}
	if (p->sel >= p->n)
		p->sel = p->n - 1;
	if (p->sel < p->top)
		p->top = p->sel;
	if (p->sel >= p->top + h)
		p->top = p->sel - h + 1;
	if (p->top >= p->n)
		p->top = p->n - 1;
	/* At the end of the list, fill the screen rather than show blanks. */
	if (p->at_end && p->top + h > p->n)
		p->top = p->n > h ? p->n - h : 0;
}

kc_status pane_load_first(struct pane *p, kc_error *err)
{
	size_t max = 2 * page_rows(p), n = 0;
	free_rows(p);
	if (!ensure_cap(p, max))
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	kc_status st = p->ops->fetch(p, NULL, false, p->rows, max, &n, err);
	if (st != KC_OK)
		return st;
	p->n = n;
	p->at_start = true;
	p->at_end = n < max;
	fetch_done(p);
	return KC_OK;
}

static kc_status load_last(struct pane *p, kc_error *err)
{
	size_t max = 2 * page_rows(p), n = 0;
	free_rows(p);
	if (!ensure_cap(p, max))
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	kc_status st = p->ops->fetch(p, NULL, true, p->rows, max, &n, err);
	if (st != KC_OK)
		return st;
	p->n = n;
	p->at_end = true;
	p->at_start = n < max;
	p->sel = n ? n - 1 : 0;
	size_t h = (size_t)p->list_h;
	p->top = n > h ? n - h : 0;
	fetch_done(p);
	return KC_OK;
}

/* Loads the window around `anchor` (a row that may no longer be in the
 * list): rows before it, then it and the rows after.  Selects select_id
 * when present, else the first row at or after the anchor's place.  The
 * anchor stays the caller's. */
static kc_status load_around(struct pane *p, const struct pane_row *anchor, int64_t select_id,
	size_t screen_offset, kc_error *err)
{
	size_t before_max = page_rows(p), after_max = 2 * page_rows(p), nb = 0, na = 0;
	free_rows(p);
	if (!ensure_cap(p, before_max + after_max))
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	kc_status st = p->ops->fetch(p, anchor, true, p->rows, before_max, &nb, err);
	if (st != KC_OK)
		return st;
	p->n = nb;
	p->at_start = nb < before_max;
	const struct pane_row *from = nb ? &p->rows[nb - 1] : NULL;
	st = p->ops->fetch(p, from, false, p->rows + nb, after_max, &na, err);
	if (st != KC_OK) {
		free_rows(p);
		return st;
	}
	p->n = nb + na;
	p->at_end = na < after_max;
	p->sel = nb < p->n ? nb : (p->n ? p->n - 1 : 0);
	for (size_t i = 0; i < p->n; i++)
		if (p->rows[i].id == select_id) {
			p->sel = i;
			break;
		}
	p->top = p->sel > screen_offset ? p->sel - screen_offset : 0;
	keep_visible(p);
	fetch_done(p);
	return KC_OK;
}

kc_status pane_jump_to(struct pane *p, const struct pane_row *row, kc_error *err)
{
	return load_around(p, row, row->id, (size_t)p->list_h / 3, err);
}

kc_status pane_reload(struct pane *p, kc_error *err)
{
	if (!p->loaded || p->n == 0)
		return pane_load_first(p, err);
	struct pane_row anchor = p->rows[p->sel];
	size_t offset = p->sel >= p->top ? p->sel - p->top : 0;
	memset(&p->rows[p->sel], 0, sizeof p->rows[p->sel]);
	kc_status st = load_around(p, &anchor, anchor.id, offset, err);
	pane_row_clear(p, &anchor);
	return st;
}

/* Appends the next page; returns the rows added. */
static size_t extend_forward(struct pane *p, kc_error *err)
{
	size_t max = page_rows(p), got = 0;
	if (p->at_end || p->n == 0 || !ensure_cap(p, p->n + max))
		return 0;
	if (p->ops->fetch(p, &p->rows[p->n - 1], false, p->rows + p->n, max, &got, err) != KC_OK)
		return 0;
	p->n += got;
	if (got < max)
		p->at_end = true;
	size_t limit = window_limit(p);
	if (p->n > limit) {
		/* Drop rows above, far from the screen. */
		size_t drop = p->n - limit;
		if (drop > p->top)
			drop = p->top;
		for (size_t i = 0; i < drop; i++)
			pane_row_clear(p, &p->rows[i]);
		memmove(p->rows, p->rows + drop, (p->n - drop) * sizeof *p->rows);
		p->n -= drop;
		p->top -= drop;
		p->sel -= drop;
		if (drop)
			p->at_start = false;
	}
	return got;
}

/* Prepends the previous page; returns the rows added (indexes shift). */
static size_t extend_backward(struct pane *p, kc_error *err)
{
	size_t max = page_rows(p), got = 0;
	if (p->at_start || p->n == 0)
		return 0;
	struct pane_row *tmp = calloc(max, sizeof *tmp);
	if (!tmp)
		return 0;
	if (p->ops->fetch(p, &p->rows[0], true, tmp, max, &got, err) != KC_OK
	    || !ensure_cap(p, p->n + got)) {
		for (size_t i = 0; i < got; i++)
			pane_row_clear(p, &tmp[i]);
		free(tmp);
		return 0;
	}
	if (got < max)
		p->at_start = true;
	memmove(p->rows + got, p->rows, p->n * sizeof *p->rows);
	memcpy(p->rows, tmp, got * sizeof *tmp);
	free(tmp);
	p->n += got;
	p->top += got;
	p->sel += got;
	size_t limit = window_limit(p);
	size_t h = (size_t)p->list_h;
	while (p->n > limit && p->n - 1 > p->top + h) {
		pane_row_clear(p, &p->rows[p->n - 1]);
		p->n--;
		p->at_end = false;
	}
	return got;
}

static unsigned move_by(struct pane *p, long delta)
{
	kc_error err = KC_ERROR_INIT;
	if (!p->loaded && pane_load_first(p, &err) != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
		return PANE_REDRAW;
	}
	if (p->n == 0)
		return PANE_DONE;
	long target = (long)p->sel + delta;
	while (target >= (long)p->n && !p->at_end) {
		size_t old_sel = p->sel;
		if (extend_forward(p, &err) == 0)
			break;
		target -= (long)(old_sel - p->sel); /* rows dropped above */
	}
	while (target < 0 && !p->at_start) {
		size_t got = extend_backward(p, &err);
		if (got == 0)
			break;
		target += (long)got;
	}
	if (err.code != KC_OK) {
		tui_error(p->tui, &err);
		kc_error_clear(&err);
	}
	if (target < 0)
		target = 0;
	if (target >= (long)p->n)
		target = (long)p->n - 1;
	long h = p->list_h > 0 ? p->list_h : 1;
	if (delta >= h || delta <= -h) {
		/* Page moves scroll the view by a page too. */
		long top = (long)p->top + (target - (long)p->sel);
		if (top < 0)
			top = 0;
		p->top = (size_t)top;
	}
	p->sel = (size_t)target;
	keep_visible(p);
	return PANE_REDRAW;
}

static unsigned jump_edge(struct pane *p, bool last)
{
	kc_error err = KC_ERROR_INIT;
	kc_status st;
	if (!last && p->at_start && p->loaded) {
		p->sel = p->top = 0;
		return PANE_REDRAW;
	}
	if (last && p->at_end && p->loaded && p->n) {
		p->sel = p->n - 1;
		keep_visible(p);
		return PANE_REDRAW;
	}
	st = last ? load_last(p, &err) : pane_load_first(p, &err);
	if (st != KC_OK)
		tui_error(p->tui, &err);
	kc_error_clear(&err);
	return PANE_REDRAW;
}

static unsigned search_step(struct pane *p, bool backward)
{
	if (!p->ops->find) {
		tui_message(p->tui, THEME_ERROR, "%s", _("This list cannot be searched"));
		return PANE_REDRAW;
	}
	if (!p->search || !*p->search) {
		tui_message(p->tui, THEME_ERROR, "%s", _("No search yet: press / to search"));
		return PANE_REDRAW;
	}
	kc_error err = KC_ERROR_INIT;
	struct pane_row found;
	memset(&found, 0, sizeof found);
	bool ok = false, wrapped = false;
	kc_status st = p->ops->find(p, pane_selected(p), backward, p->search, &found, &ok, &err);
	if (st == KC_OK && !ok) {
		wrapped = true;
		st = p->ops->find(p, NULL, backward, p->search, &found, &ok, &err);
	}
	if (st != KC_OK) {
		tui_error(p->tui, &err);
	} else if (!ok) {
		tui_message(p->tui, THEME_ERROR, _("No match for \"%s\""), p->search);
	} else {
		size_t offset = (size_t)p->list_h / 3;
		st = load_around(p, &found, found.id, offset, &err);
		if (st != KC_OK)
			tui_error(p->tui, &err);
		else if (wrapped && (!pane_selected(p) || pane_selected(p)->id == found.id))
			tui_message(p->tui, THEME_MESSAGE, "%s",
				backward ? _("Search went past the top: continued from the end")
					 : _("Search went past the end: continued from the top"));
	}
	pane_row_clear(p, &found);
	kc_error_clear(&err);
	return PANE_REDRAW;
}

static unsigned search_ask(struct pane *p)
{
	if (!p->ops->find) {
		tui_message(p->tui, THEME_ERROR, "%s", _("This list cannot be searched"));
		return PANE_REDRAW;
	}
	char *text = form_prompt_text(p->tui, _("Search"), _("Find:"), p->search);
	if (!text)
		return PANE_REDRAW;
	if (!*text) {
		free(text);
		return PANE_REDRAW;
	}
	free(p->search);
	p->search = text;
	/* The first search includes the selected row's successor onwards. */
	return search_step(p, false);
}

static unsigned sort_next(struct pane *p, bool reverse)
{
	const struct pane_ops *o = p->ops;
	if (reverse) {
		if (o->columns[p->sort_col].sort < 0) {
			tui_message(p->tui, THEME_ERROR, "%s", _("This list cannot be sorted"));
			return PANE_REDRAW;
		}
		p->descending = !p->descending;
	} else {
		size_t i = (size_t)p->sort_col;
		for (size_t k = 1; k <= o->n_columns; k++) {
			size_t c = (i + k) % o->n_columns;
			if (o->columns[c].sort >= 0) {
				i = c;
				break;
			}
		}
		if (o->columns[i].sort < 0) {
			tui_message(p->tui, THEME_ERROR, "%s", _("This list cannot be sorted"));
			return PANE_REDRAW;
		}
		p->sort_col = (int)i;
		p->descending = false;
	}
	kc_error err = KC_ERROR_INIT;
	if (pane_load_first(p, &err) != KC_OK)
		tui_error(p->tui, &err);
	else
		tui_message(p->tui, THEME_MESSAGE, _("Sorted by %s%s"), _(o->columns[p->sort_col].title),
			p->descending ? _(", descending") : "");
	kc_error_clear(&err);
	return PANE_REDRAW;
}

unsigned pane_handle(struct pane *p, enum action_id a)
{
	long h = p->list_h > 1 ? p->list_h - 1 : 1;
	switch (a) {
	case ACTION_MOVE_DOWN: return move_by(p, 1);
	case ACTION_MOVE_UP: return move_by(p, -1);
	case ACTION_PAGE_DOWN: return move_by(p, h);
	case ACTION_PAGE_UP: return move_by(p, -h);
	case ACTION_FIRST: return jump_edge(p, false);
	case ACTION_LAST: return jump_edge(p, true);
	case ACTION_SEARCH: return search_ask(p);
	case ACTION_SEARCH_NEXT: return search_step(p, false);
	case ACTION_SEARCH_PREV: return search_step(p, true);
	case ACTION_SORT: return sort_next(p, false);
	case ACTION_SORT_REVERSE: return sort_next(p, true);
	default:
		break;
	}
	if (p->ops->action)
		return p->ops->action(p, a);
	return PANE_UNHANDLED;
}

/* --- drawing ------------------------------------------------------------ */

/* Column widths for a window `width` wide (one space between columns). */
static void column_widths(const struct pane_ops *o, int width, int *out)
{
	int fixed = 0, shares = 0;
	for (size_t i = 0; i < o->n_columns; i++) {
		fixed += o->columns[i].width + (i ? 1 : 0);
		shares += o->columns[i].grow;
	}
	int extra = width - fixed;
	int given = 0;
	for (size_t i = 0; i < o->n_columns; i++) {
		out[i] = o->columns[i].width;
		if (extra > 0 && shares > 0 && o->columns[i].grow) {
			int add = extra * o->columns[i].grow / shares;
			out[i] += add;
			given += add;
		}
	}
	/* Rounding leftovers go to the first growing column. */
	for (size_t i = 0; extra > 0 && i < o->n_columns; i++)
		if (o->columns[i].grow) {
			out[i] += extra - given;
			break;
		}
}

static void draw_row(WINDOW *w, int y, const struct pane *p, const struct pane_row *r,
	const int *widths, int width, bool selected)
{
	enum theme_role role = selected ? THEME_SELECTED : r->role;
	theme_set(w, role);
	theme_blank(w, y, 0, width);
	int x = 0;
	for (size_t c = 0; c < p->ops->n_columns && x < width; c++) {
		int cw = widths[c];
		if (x + cw > width)
			cw = width - x;
		theme_put(w, y, x, r->cells[c] ? r->cells[c] : "", cw, p->ops->columns[c].right);
		x += widths[c] + 1;
	}
	theme_set(w, THEME_NORMAL);
}

void pane_draw_list(struct pane *p, WINDOW *w)
{
	int height, width;
	getmaxyx(w, height, width);
	werase(w);
	p->list_h = height > 1 ? height - 1 : 1;
	if (p->stale || !p->loaded) {
		kc_error err = KC_ERROR_INIT;
		if (pane_reload(p, &err) != KC_OK)
			tui_error(p->tui, &err);
		kc_error_clear(&err);
	}
	keep_visible(p);
	const struct pane_ops *o = p->ops;
	int widths[32];
	size_t nc = o->n_columns < 32 ? o->n_columns : 32;
	column_widths(o, width, widths);
	theme_set(w, THEME_HEADER);
	theme_blank(w, 0, 0, width);
	int x = 0;
	for (size_t c = 0; c < nc && x < width; c++) {
		char title[128];
		const char *mark = "";
		if ((int)c == p->sort_col && o->columns[c].sort >= 0)
			mark = p->descending ? " v" : " ^";
		snprintf(title, sizeof title, "%s%s", _(o->columns[c].title), mark);
		int cw = widths[c];
		if (x + cw > width)
			cw = width - x;
		theme_put(w, 0, x, title, cw, o->columns[c].right);
		x += widths[c] + 1;
	}
	theme_set(w, THEME_NORMAL);
	if (p->n == 0) {
		theme_set(w, THEME_DIM);
		theme_puts(w, 1, 1, _(o->empty ? o->empty : N_("Nothing to show")), width - 2);
		theme_set(w, THEME_NORMAL);
		return;
	}
	for (int y = 1; y < height; y++) {
		size_t i = p->top + (size_t)(y - 1);
		if (i >= p->n)
			break;
		draw_row(w, y, p, &p->rows[i], widths, width, i == p->sel);
	}
}

void pane_detail_title(WINDOW *w, const char *title)
{
	int width = getmaxx(w);
	theme_set(w, THEME_BORDER);
	mvwhline(w, 0, 0, ACS_HLINE, width);
	theme_set(w, THEME_TITLE);
	if (title && *title) {
		char *t = kc_asprintf(" %s ", title);
		theme_puts(w, 0, 2, t ? t : title, width - 4);
		free(t);
	}
	theme_set(w, THEME_NORMAL);
}

int pane_detail_pair(WINDOW *w, int y, int x, int width, const char *label,
	const char *value, enum theme_role role)
{
	if (y >= getmaxy(w) || width <= 0)
		return y + 1;
	theme_set(w, THEME_LABEL);
	int used = theme_puts(w, y, x, label, width);
	theme_set(w, THEME_NORMAL);
	/* TRANSLATORS: between a label and its value in a detail panel
	 * ("Email: ..."); French puts a no-break space before the colon. */
	used += theme_puts(w, y, x + used, P_("label", ": "), width - used);
	theme_set(w, role);
	theme_puts(w, y, x + used, value ? value : "", width - used);
	theme_set(w, THEME_NORMAL);
	return y + 1;
}

void pane_draw_detail(struct pane *p, WINDOW *w)
{
	werase(w);
	if (p->ops->draw_detail)
		p->ops->draw_detail(p, pane_selected(p), w);
	else
		pane_detail_title(w, NULL);
}
