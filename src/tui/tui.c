/* tui.c: the console: terminal checks, layout, the input loop, dispatch
 * with prerequisites, help, screen dumps, data_version polling. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "date.h"
#include "form.h"
#include "input.h"
#include "pane.h"
#include "strbuf.h"
#include "tui.h"

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24
#define TUI_MAX_VIEWS 8
#define TUI_MAX_MODALS 8
#define TUI_WAIT_REFRESH_MS 10000

/* The panes shown as tabs, in order.  A later pane adds one line here
 * (and its ops declaration in pane.h). */
static const struct pane_ops *const tab_registry[] = {
	&pane_accounts_ops,
	&pane_invoices_ops,
	&pane_tickets_ops,
	&pane_terminations_ops,
};
#define TUI_N_TABS (sizeof tab_registry / sizeof tab_registry[0])

struct tui {
	kc_db *db;
	const struct kc_settings *settings;
	bool read_only;
	enum money_style money;
	SCREEN *screen;
	FILE *out, *in;
	struct input input;
	struct keymap keymap;
	struct pane *tabs[TUI_N_TABS];
	size_t cur_tab;
	struct pane *views[TUI_MAX_VIEWS]; /* views opened over the current tab */
	size_t n_views;
	struct tui_modal *modals[TUI_MAX_MODALS];
	size_t n_modals;
	WINDOW *w_tabs, *w_list, *w_detail, *w_msg, *w_status, *w_tiny;
	char *message;
	enum theme_role message_role;
	int64_t data_version;
	int64_t minute;       /* date_now() / 60 at the last tick: clocks redraw */
	bool too_small, dirty, stop;
	int exit_code;
	char *fatal;          /* printed on stderr after curses ends */
	char today[DATE_BUFSZ];
};

/* --- services for panes ------------------------------------------------- */

kc_db *tui_db(struct tui *t)
{
	return t->db;
}

const struct kc_settings *tui_settings(struct tui *t)
{
	return t->settings;
}

bool tui_read_only(struct tui *t)
{
	return t->read_only;
}

enum money_style tui_money_style(struct tui *t)
{
	return t->money;
}

const struct keymap *tui_keymap(struct tui *t)
{
	return &t->keymap;
}

const char *tui_today(struct tui *t)
{
	date_format(date_today_local(), t->today);
	return t->today;
}

void tui_message(struct tui *t, enum theme_role role, const char *fmt, ...)
{
	va_list ap;
	strbuf sb = STRBUF_INIT;
	va_start(ap, fmt);
	strbuf_vappendf(&sb, fmt, ap);
	va_end(ap);
	free(t->message);
	/* Core messages quote user text already; the message line still never
	 * shows a control character or invalid UTF-8, whoever built it (kc.h). */
	t->message = kc_quote_for_message(strbuf_cstr(&sb), SIZE_MAX);
	strbuf_free(&sb);
	t->message_role = role;
	t->dirty = true;
}

void tui_error(struct tui *t, const kc_error *err)
{
	tui_message(t, THEME_ERROR, "%s", kc_error_text(err));
}

static struct pane *current_view(struct tui *t)
{
	return t->n_views ? t->views[t->n_views - 1] : t->tabs[t->cur_tab];
}

static void mark_all_stale(struct tui *t)
{
	for (size_t i = 0; i < TUI_N_TABS; i++)
		if (t->tabs[i])
			t->tabs[i]->stale = true;
	for (size_t i = 0; i < t->n_views; i++)
		t->views[i]->stale = true;
	t->dirty = true;
}

kc_status tui_push_view(struct tui *t, const struct pane_ops *ops, int64_t arg,
	const char *title, kc_error *err)
{
	if (t->n_views == TUI_MAX_VIEWS)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("Too many views open: press Esc first"));
	struct pane *p = pane_new(t, ops, arg, err);
	if (!p)
		return err ? err->code : KC_ERR_NOMEM;
	if (title)
		p->title = kc_strdup(title);
	t->views[t->n_views++] = p;
	t->dirty = true;
	return KC_OK;
}

static void pop_view(struct tui *t)
{
	if (!t->n_views)
		return;
	pane_free(&t->views[--t->n_views]);
	t->dirty = true;
}

/* --- windows and layout ------------------------------------------------- */

static void drop_window(WINDOW **w)
{
	if (*w)
		delwin(*w);
	*w = NULL;
}

static void drop_modal_window(struct tui_modal *m)
{
	if (m->win)
		delwin(m->win);
	m->win = NULL;
	m->h = m->w = 0;
}

static void make_window(WINDOW **w, int h, int wd, int y, int x)
{
	*w = newwin(h, wd, y, x);
	if (*w)
		leaveok(*w, TRUE);
}

/* Detail panel height for the screen: about 45 % of the rows left. */
static int detail_height(void)
{
	int avail = LINES - 3;
	int h = avail * 45 / 100;
	return h < 8 ? 8 : h;
}

static void relayout(struct tui *t)
{
	/* Keys are read through stdscr, and wget_wch refreshes a window that
	 * changed: refresh it (blank) first, so it never covers the panes. */
	werase(stdscr);
	wnoutrefresh(stdscr);
	drop_window(&t->w_tabs);
	drop_window(&t->w_list);
	drop_window(&t->w_detail);
	drop_window(&t->w_msg);
	drop_window(&t->w_status);
	drop_window(&t->w_tiny);
	for (size_t i = 0; i < t->n_modals; i++)
		drop_modal_window(t->modals[i]);
	t->too_small = LINES < TUI_MIN_LINES || COLS < TUI_MIN_COLS;
	if (t->too_small) {
		make_window(&t->w_tiny, LINES, COLS, 0, 0);
	} else {
		int dh = detail_height();
		int lh = LINES - 3 - dh;
		make_window(&t->w_tabs, 1, COLS, 0, 0);
		make_window(&t->w_list, lh, COLS, 1, 0);
		make_window(&t->w_detail, dh, COLS, 1 + lh, 0);
		make_window(&t->w_msg, 1, COLS, LINES - 2, 0);
		make_window(&t->w_status, 1, COLS, LINES - 1, 0);
	}
	t->dirty = true;
}

void tui_modal_push(struct tui *t, struct tui_modal *m)
{
	if (t->n_modals < TUI_MAX_MODALS)
		t->modals[t->n_modals++] = m;
}

void tui_modal_pop(struct tui *t, struct tui_modal *m)
{
	for (size_t i = 0; i < t->n_modals; i++)
		if (t->modals[i] == m) {
			drop_modal_window(m);
			memmove(t->modals + i, t->modals + i + 1, (t->n_modals - i - 1) * sizeof *t->modals);
			t->n_modals--;
			break;
		}
	t->dirty = true;
}

/* --- drawing ------------------------------------------------------------- */

static void draw_tiny(struct tui *t)
{
	WINDOW *w = t->w_tiny;
	if (!w)
		return;
	werase(w);
	theme_set(w, THEME_WARNING);
	const char *msg = _("Please enlarge the window (80x24 minimum)");
	char now[64];
	snprintf(now, sizeof now, _("now %dx%d"), COLS, LINES);
	int y = LINES / 2 - 1;
	if (y < 0)
		y = 0;
	int mw = theme_text_width(msg);
	theme_puts(w, y, mw < COLS ? (COLS - mw) / 2 : 0, msg, COLS);
	theme_set(w, THEME_NORMAL);
	int nw = theme_text_width(now);
	if (y + 1 < LINES)
		theme_puts(w, y + 1, nw < COLS ? (COLS - nw) / 2 : 0, now, COLS);
}

/* The text of tab i (" Accounts (20) [closed] " for the current one). */
static char *tab_text(struct tui *t, size_t i)
{
	struct pane *p = t->tabs[i];
	bool cur = i == t->cur_tab;
	strbuf sb = STRBUF_INIT;
	strbuf_appendf(&sb, " %s", pane_title(p));
	if (cur && p->total >= 0)
		strbuf_appendf(&sb, " (%lld)", (long long)p->total);
	if (cur && p->filter_label)
		strbuf_appendf(&sb, " [%s]", p->filter_label);
	strbuf_append(&sb, " ");
	return strbuf_detach(&sb);
}

/* The text of a view in the tab bar (" > Audit [alice]"). */
static char *view_text(const struct pane *v)
{
	if (v->filter_label)
		return kc_asprintf(" > %s [%s]", pane_title(v), v->filter_label);
	return kc_asprintf(" > %s", pane_title(v));
}

/* Columns the tabs and the views take; only_current: the other tabs
 * left out. */
static int tabs_width(struct tui *t, bool only_current)
{
	int x = theme_text_width(" kenoconsole ");
	for (size_t i = 0; i < TUI_N_TABS; i++) {
		if (only_current && i != t->cur_tab)
			continue;
		char *s = tab_text(t, i);
		x += 1 + (s ? theme_text_width(s) : 0);
		free(s);
	}
	for (size_t i = 0; i < t->n_views; i++) {
		char *s = view_text(t->views[i]);
		x += s ? theme_text_width(s) : 0;
		free(s);
	}
	return x;
}

static void draw_tabs(struct tui *t)
{
	WINDOW *w = t->w_tabs;
	int width = getmaxx(w);
	werase(w);
	theme_set(w, THEME_TAB);
	theme_blank(w, 0, 0, width);
	/* Right side first: the read-only banner always shows; who is
	 * working shows when there is room. */
	const char *ro = _("READ-ONLY");
	int bw = t->read_only ? theme_text_width(ro) + 2 : 0;
	const char *staff = db_staff(t->db);
	char *who = kc_asprintf(" %s ", staff ? staff : "");
	int rw = who ? theme_text_width(who) : 0;
	/* The other tabs give way to the views opened over the current one. */
	bool only_current = tabs_width(t, false) + bw + rw + 1 > width;
	if (tabs_width(t, only_current) + bw + rw + 1 > width)
		rw = 0;
	int limit = width - bw - rw;
	theme_set(w, THEME_TITLE);
	int x = theme_puts(w, 0, 0, " kenoconsole ", limit);
	for (size_t i = 0; i < TUI_N_TABS && x < limit; i++) {
		if (only_current && i != t->cur_tab)
			continue;
		char *s = tab_text(t, i);
		theme_set(w, i == t->cur_tab ? THEME_TAB_ACTIVE : THEME_TAB);
		x += 1;
		if (x < limit)
			x += theme_puts(w, 0, x, s ? s : "", limit - x);
		free(s);
	}
	for (size_t i = 0; i < t->n_views && x < limit; i++) {
		char *s = view_text(t->views[i]);
		theme_set(w, i + 1 == t->n_views ? THEME_TAB_ACTIVE : THEME_TAB);
		x += theme_puts(w, 0, x, s ? s : "", limit - x);
		free(s);
	}
	if (t->read_only) {
		char *b = kc_asprintf(" %s ", ro);
		theme_set(w, THEME_BANNER);
		theme_puts(w, 0, width - rw - bw, b ? b : ro, bw);
		free(b);
	}
	if (rw > 0) {
		theme_set(w, THEME_TAB);
		theme_puts(w, 0, width - rw, who, rw);
	}
	free(who);
	theme_set(w, THEME_NORMAL);
}

/* Is action a offered in view p (the help and status line use this too)? */
static bool view_offers(const struct pane *p, enum action_id a)
{
	const struct action_def *d = action_get(a);
	if (d && (d->flags & ACT_LIST))
		return true;
	for (const enum action_id *x = p->ops->actions; x && *x != ACTION_NONE; x++)
		if (*x == a)
			return true;
	return false;
}

/* The pane's summary (totals), right-aligned on the status line; the
 * key hints stop before it.  Returns the columns left for the hints. */
static int draw_summary(WINDOW *w, struct pane *p, int width)
{
	char *text = p->ops->summary ? p->ops->summary(p) : NULL;
	if (!text)
		return width;
	char *s = kc_asprintf(" %s ", text);
	int sw = s ? theme_text_width(s) : 0;
	int left = width;
	if (s && sw < width / 2 + 10 && sw < width) {
		left = width - sw;
		theme_set(w, THEME_HINT_KEY);
		theme_puts(w, 0, left, s, sw);
		theme_set(w, THEME_STATUS);
	}
	free(s);
	free(text);
	return left;
}

static void draw_status(struct tui *t)
{
	WINDOW *w = t->w_status;
	int width = getmaxx(w);
	werase(w);
	theme_set(w, THEME_STATUS);
	theme_blank(w, 0, 0, width);
	struct pane *p = current_view(t);
	width = draw_summary(w, p, width);
	/* Help and the way out first: they always fit. */
	enum action_id head[] = { ACTION_HELP, t->n_views ? ACTION_BACK : ACTION_QUIT, ACTION_NONE };
	int x = 0;
	for (int pass = 0; pass < 2; pass++) {
		const enum action_id *list = pass == 0 ? head : p->ops->hints;
		for (const enum action_id *a = list; a && *a != ACTION_NONE; a++) {
			kc_key k = keymap_first_key(&t->keymap, *a);
			if (k == KC_KEY_NONE)
				continue;
			const struct action_def *d = action_get(*a);
			/* Changing actions are hidden in read-only mode. */
			if (t->read_only && (d->flags & ACT_WRITE))
				continue;
			char name[32];
			keymap_key_name(k, name, sizeof name);
			int need = theme_text_width(name) + 1 + theme_text_width(_(d->hint)) + 2;
			if (x + need > width)
				break;
			theme_set(w, THEME_HINT_KEY);
			x += theme_puts(w, 0, x, name, width - x);
			theme_set(w, THEME_STATUS);
			x += theme_puts(w, 0, x, " ", width - x);
			x += theme_puts(w, 0, x, _(d->hint), width - x);
			x += theme_puts(w, 0, x, "  ", width - x);
		}
	}
	theme_set(w, THEME_NORMAL);
}

static void draw_message(struct tui *t)
{
	WINDOW *w = t->w_msg;
	werase(w);
	if (t->message) {
		theme_set(w, t->message_role);
		theme_puts(w, 0, 0, t->message, getmaxx(w));
		theme_set(w, THEME_NORMAL);
	}
}

/* (Re)creates the modal windows whose size changed; a window that moved
 * or shrank uncovers the panes, which are then redrawn. */
static void size_modals(struct tui *t)
{
	for (size_t i = 0; i < t->n_modals; i++) {
		struct tui_modal *m = t->modals[i];
		int h = m->want_h, w = m->want_w;
		if (h > LINES - 2)
			h = LINES - 2;
		if (w > COLS - 2)
			w = COLS - 2;
		if (h < 3)
			h = 3;
		if (w < 10)
			w = 10;
		if (m->win && m->h == h && m->w == w)
			continue;
		drop_modal_window(m);
		m->win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
		m->h = m->win ? h : 0;
		m->w = m->win ? w : 0;
		t->dirty = true;
	}
}

/* Modals are drawn whole every turn, after (so over) the panes. */
static void draw_modals(struct tui *t)
{
	for (size_t i = 0; i < t->n_modals; i++) {
		struct tui_modal *m = t->modals[i];
		if (!m->win)
			continue;
		werase(m->win);
		m->draw(m, t);
		wnoutrefresh(m->win);
	}
}

static void tui_draw(struct tui *t)
{
	if (t->too_small) {
		curs_set(0);
		draw_tiny(t);
		if (t->w_tiny)
			wnoutrefresh(t->w_tiny);
	} else {
		size_modals(t);
		if (t->dirty && t->w_list) {
			struct pane *p = current_view(t);
			/* The list first: it reloads a stale pane, which the tab
			 * bar's count and the detail then show. */
			pane_draw_list(p, t->w_list);
			pane_draw_detail(p, t->w_detail);
			draw_tabs(t);
			draw_message(t);
			draw_status(t);
			WINDOW *base[] = { t->w_tabs, t->w_list, t->w_detail, t->w_msg, t->w_status };
			for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
				wnoutrefresh(base[i]);
			t->dirty = false;
		}
		if (t->n_modals)
			draw_modals(t);
		else
			curs_set(0);
	}
	doupdate();
}

/* --- screen text (dump and :save-display) -------------------------------- */

/* Line-drawing characters (stored as VT100 alternate-charset letters)
 * as the Unicode box characters they look like. */
static wchar_t acs_text(wchar_t c)
{
	switch (c) {
	case 'q': return 0x2500;
	case 'x': return 0x2502;
	case 'l': return 0x250c;
	case 'k': return 0x2510;
	case 'm': return 0x2514;
	case 'j': return 0x2518;
	case 't': return 0x251c;
	case 'u': return 0x2524;
	case 'v': return 0x2534;
	case 'w': return 0x252c;
	case 'n': return 0x253c;
	default: return c;
	}
}

/* Writes the screen as curses shows it (curscr) as UTF-8 lines without
 * trailing blanks. */
static kc_status write_screen(const char *path, kc_error *err)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		return kc_error_set(err, KC_ERR_IO, _("Cannot write %s: %s"), path, strerror(errno));
	strbuf line = STRBUF_INIT;
	for (int y = 0; y < LINES; y++) {
		strbuf_reset(&line);
		size_t keep = 0;
		for (int x = 0; x < COLS; x++) {
			cchar_t cc;
			wchar_t wcs[CCHARW_MAX + 1];
			attr_t attrs;
			short pair;
			if (mvwin_wch(curscr, y, x, &cc) == ERR)
				break;
			wmemset(wcs, 0, CCHARW_MAX + 1);
			if (getcchar(&cc, wcs, &attrs, &pair, NULL) == ERR || wcs[0] == L'\0')
				wcs[0] = L' ';
			if (attrs & A_ALTCHARSET)
				wcs[0] = acs_text(wcs[0]);
			int cw = wcwidth(wcs[0]);
			mbstate_t st;
			memset(&st, 0, sizeof st);
			for (int i = 0; i <= CCHARW_MAX && wcs[i]; i++) {
				char mb[MB_LEN_MAX];
				size_t k = wcrtomb(mb, wcs[i], &st);
				if (k == (size_t)-1) {
					mb[0] = '?';
					k = 1;
				}
				strbuf_appendn(&line, mb, k);
			}
			if (wcs[0] != L' ')
				keep = line.len;
			if (cw == 2)
				x++; /* the next cell continues this character */
		}
		fwrite(strbuf_cstr(&line), 1, keep, fp);
		fputc('\n', fp);
	}
	strbuf_free(&line);
	if (fclose(fp) != 0)
		return kc_error_set(err, KC_ERR_IO, _("Cannot write %s: %s"), path, strerror(errno));
	return KC_OK;
}

static void dump_screen(struct tui *t)
{
	const char *path = getenv("KENOCONSOLE_DUMP");
	if (!path || !*path)
		path = "kenoconsole-screen.txt";
	kc_error err = KC_ERROR_INIT;
	if (write_screen(path, &err) == KC_OK)
		tui_message(t, THEME_MESSAGE, _("Screen written to %s"), path);
	else
		tui_error(t, &err);
	kc_error_clear(&err);
}

/* --- waiting for keys ------------------------------------------------------ */

static void poll_data_version(struct tui *t)
{
	int64_t v = db_data_version(t->db);
	if (v != t->data_version) {
		t->data_version = v;
		mark_all_stale(t);
	}
}

/* Clocks on screen (SLA time left) move each minute: reload the panes
 * when the minute changes. */
static void minute_tick(struct tui *t)
{
	int64_t m = (int64_t)(date_now() / 60);
	if (m != t->minute) {
		t->minute = m;
		mark_all_stale(t);
	}
}

static void stop_with(struct tui *t, int code, const char *fatal)
{
	t->stop = true;
	t->exit_code = code;
	if (fatal && !t->fatal) /* printed on stderr: made safe like messages */
		t->fatal = kc_quote_for_message(fatal, SIZE_MAX);
}

static void wait_refresh(struct tui *t)
{
	for (int waited = 0; waited < TUI_WAIT_REFRESH_MS; waited += 50) {
		if (db_data_version(t->db) != t->data_version) {
			poll_data_version(t);
			return;
		}
		if (input_quit_requested())
			return;
		napms(50);
	}
	char *msg = kc_asprintf(_("%s:%d: nothing changed in the database within %d seconds"),
		t->input.script_path, t->input.script_line, TUI_WAIT_REFRESH_MS / 1000);
	stop_with(t, 1, msg);
	free(msg);
}

bool tui_wait_key(struct tui *t, kc_key *key)
{
	for (;;) {
		if (t->stop)
			return false;
		/* Never wait for a person with a transaction open. */
		if (db_in_transaction(t->db)) {
			db_rollback(t->db);
			tui_message(t, THEME_ERROR, "%s", _("Internal error: a transaction was left open and was rolled back"));
		}
		tui_draw(t);
		struct input_event ev;
		input_next(&t->input, &ev);
		switch (ev.kind) {
		case INPUT_KEY:
			/* Nothing to type into: keys are dropped (what was typed
			 * stays), except quitting from the panes. */
			if (t->too_small && (t->n_modals
			    || keymap_lookup(&t->keymap, ev.key) != ACTION_QUIT))
				continue;
			if (keymap_lookup(&t->keymap, ev.key) == ACTION_DUMP) {
				tui_draw(t);
				dump_screen(t);
				continue;
			}
			*key = ev.key;
			return true;
		case INPUT_TICK:
			poll_data_version(t);
			minute_tick(t);
			continue;
		case INPUT_RESIZE:
			relayout(t);
			continue;
		case INPUT_SET_SIZE:
			resizeterm(ev.rows, ev.cols);
			relayout(t);
			continue;
		case INPUT_QUIT:
			stop_with(t, input_hangup() ? 1 : 0, NULL);
			return false;
		case INPUT_LOST:
			stop_with(t, 1, NULL);
			return false;
		case INPUT_END:
			stop_with(t, 0, NULL);
			return false;
		case INPUT_ERROR:
			stop_with(t, 1, t->input.error ? t->input.error : _("bad key script"));
			return false;
		case INPUT_SAVE_DISPLAY: {
			kc_error err = KC_ERROR_INIT;
			tui_draw(t);
			if (write_screen(ev.arg, &err) != KC_OK)
				stop_with(t, 1, kc_error_text(&err));
			kc_error_clear(&err);
			continue;
		}
		case INPUT_WAIT_REFRESH:
			wait_refresh(t);
			continue;
		}
	}
}

bool tui_poll_key(struct tui *t, kc_key *key)
{
	if (t->stop)
		return false;
	tui_draw(t);
	if (input_is_script(&t->input))
		return false;
	if (input_quit_requested()) {
		*key = KC_KEY_ESC;
		return true;
	}
	wint_t wch = 0;
	wtimeout(stdscr, 0);
	int rc = wget_wch(stdscr, &wch);
	if (rc == ERR)
		return false;
	if (rc == KEY_CODE_YES && wch == KEY_RESIZE) {
		relayout(t);
		tui_draw(t);
		return false;
	}
	*key = keymap_from_curses(rc, (unsigned)wch);
	return true;
}

/* --- help ------------------------------------------------------------------- */

static void help_section(struct tui *t, strbuf *sb, const char *title, const struct pane *p,
	bool (*pick)(const struct action_def *d, const struct pane *p))
{
	bool any = false;
	for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
		const struct action_def *d = action_get((enum action_id)a);
		if (!pick(d, p))
			continue;
		char keys[96];
		keymap_keys_text(&t->keymap, d->id, keys, sizeof keys);
		if (!*keys)
			continue;
		if (!any)
			strbuf_appendf(sb, "%s\n", title);
		any = true;
		int pad = 16 - theme_text_width(keys);
		strbuf_appendf(sb, "  %s%*s %s%s\n", keys, pad > 0 ? pad : 0, "", _(d->help),
			t->read_only && (d->flags & ACT_WRITE) ? _(" (read-only)") : "");
	}
	if (any)
		strbuf_append(sb, "\n");
}

static bool pick_view(const struct action_def *d, const struct pane *p)
{
	if (d->flags & ACT_LIST)
		return false;
	for (const enum action_id *x = p->ops->actions; x && *x != ACTION_NONE; x++)
		if (*x == d->id)
			return true;
	return false;
}

static bool pick_list(const struct action_def *d, const struct pane *p)
{
	(void)p;
	return (d->flags & ACT_LIST) != 0;
}

static bool pick_global(const struct action_def *d, const struct pane *p)
{
	(void)p;
	switch (d->id) {
	case ACTION_NEXT_PANE: case ACTION_PREV_PANE: case ACTION_BACK: case ACTION_QUIT:
	case ACTION_HELP: case ACTION_REFRESH: case ACTION_DUMP: case ACTION_AUDIT:
	case ACTION_STAFF:
		return true;
	default:
		return false;
	}
}

static bool pick_form(const struct action_def *d, const struct pane *p)
{
	(void)p;
	return d->id == ACTION_SAVE || d->id == ACTION_EDITOR;
}

static void show_help(struct tui *t)
{
	struct pane *p = current_view(t);
	strbuf sb = STRBUF_INIT;
	char *title = kc_asprintf(_("Keys of %s"), pane_title(p));
	help_section(t, &sb, title ? title : "", p, pick_view);
	free(title);
	help_section(t, &sb, _("Moving in lists"), p, pick_list);
	help_section(t, &sb, _("Everywhere"), p, pick_global);
	help_section(t, &sb, _("In forms"), p, pick_form);
	strbuf_appendf(&sb, "%s\n", _("Keys can be changed in the [keys] section of kenoconsole.ini."));
	if (t->read_only)
		strbuf_appendf(&sb, "%s\n", _("Read-only: changes are not allowed"));
	form_view_text(t, _("Help"), strbuf_cstr(&sb));
	strbuf_free(&sb);
}

/* --- dispatch ----------------------------------------------------------------- */

bool tui_allowed(struct tui *t, enum action_id a, bool has_selection)
{
	struct action_context ctx = { t->db, t->read_only, has_selection };
	kc_error err = KC_ERROR_INIT;
	bool ok = action_check(a, &ctx, &err) == KC_OK;
	if (!ok)
		tui_error(t, &err);
	kc_error_clear(&err);
	return ok;
}

static void switch_tab(struct tui *t, int dir)
{
	while (t->n_views)
		pop_view(t);
	if (TUI_N_TABS < 2) {
		tui_message(t, THEME_MESSAGE, "%s", _("Only the Accounts pane exists for now"));
		return;
	}
	t->cur_tab = (t->cur_tab + TUI_N_TABS + (size_t)(long)dir) % TUI_N_TABS;
	t->dirty = true;
}

/* The audit trail and the staff list open over any pane (the same view
 * twice in a row would only stack copies). */
static void open_global_view(struct tui *t, const struct pane_ops *ops)
{
	struct pane *top = t->n_views ? t->views[t->n_views - 1] : NULL;
	if (top && top->ops == ops && !top->title)
		return;
	kc_error err = KC_ERROR_INIT;
	if (tui_push_view(t, ops, 0, NULL, &err) != KC_OK)
		tui_error(t, &err);
	kc_error_clear(&err);
}

static void dispatch(struct tui *t, enum action_id a, kc_key key)
{
	struct pane *p = current_view(t);
	t->dirty = true;
	switch (a) {
	case ACTION_NONE: {
		char name[32];
		keymap_key_name(key, name, sizeof name);
		tui_message(t, THEME_ERROR, _("The key %s does nothing here (F1 lists the keys)"), name);
		return;
	}
	case ACTION_QUIT:
		stop_with(t, 0, NULL);
		return;
	case ACTION_HELP:
		show_help(t);
		return;
	case ACTION_REFRESH:
		mark_all_stale(t);
		clearok(curscr, TRUE);
		return;
	case ACTION_DUMP:
		dump_screen(t);
		return;
	case ACTION_BACK:
		pop_view(t);
		return;
	case ACTION_NEXT_PANE:
		switch_tab(t, 1);
		return;
	case ACTION_PREV_PANE:
		switch_tab(t, -1);
		return;
	case ACTION_AUDIT:
		open_global_view(t, &pane_audit_ops);
		return;
	case ACTION_STAFF:
		open_global_view(t, &pane_staff_ops);
		return;
	default:
		break;
	}
	const struct action_def *d = action_get(a);
	if (!view_offers(p, a)) {
		tui_message(t, THEME_ERROR, _("%s is not available here"), _(d->hint));
		return;
	}
	/* Prerequisites, checked in this one place. */
	if (!tui_allowed(t, a, pane_selected(p) != NULL))
		return;
	unsigned r = pane_handle(p, a);
	if (r & PANE_UNHANDLED)
		tui_message(t, THEME_ERROR, _("%s is not available here"), _(d->hint));
	if (r & PANE_RELOAD)
		mark_all_stale(t);
}

/* --- start and stop ------------------------------------------------------------- */

static enum money_style pick_money_style(const struct kc_settings *s)
{
	if (s && s->language == SETTINGS_LANG_FR)
		return MONEY_FR_CA;
	if (s && s->language == SETTINGS_LANG_EN)
		return MONEY_EN_CA;
	const char *lang = getenv("LANGUAGE");
	const char *loc = setlocale(LC_MESSAGES, NULL);
	if (loc && strcmp(loc, "C") != 0 && strcmp(loc, "POSIX") != 0 && lang && *lang)
		return money_style_from_language(lang);
	return money_style_from_language(loc);
}

static void terminal_modes(struct tui *t)
{
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Ctrl-S saves a form: turn off XON/XOFF flow control. */
	int fd = fileno(t->in);
	struct termios tio;
	if (isatty(fd) && tcgetattr(fd, &tio) == 0) {
		tio.c_iflag &= (tcflag_t)~IXON;
		tcsetattr(fd, TCSANOW, &tio);
	}
	def_prog_mode();
}

static bool open_terminal(struct tui *t, const char *term, bool script)
{
	if (script) {
		t->out = isatty(STDOUT_FILENO) ? fdopen(dup(STDOUT_FILENO), "w") : fopen("/dev/null", "w");
		t->in = fopen("/dev/null", "r");
		if (!isatty(STDOUT_FILENO)) {
			/* No terminal to ask: a fixed 80x24 unless told otherwise. */
			setenv("LINES", "24", 0);
			setenv("COLUMNS", "80", 0);
		}
	} else {
		t->out = fdopen(dup(STDOUT_FILENO), "w");
		t->in = fdopen(dup(STDIN_FILENO), "r");
	}
	if (!t->out || !t->in)
		return false;
	t->screen = newterm(term, t->out, t->in);
	return t->screen != NULL;
}

static void close_terminal(struct tui *t)
{
	if (t->screen) {
		endwin();
		delscreen(t->screen);
		t->screen = NULL;
	}
	if (t->out)
		fclose(t->out);
	if (t->in)
		fclose(t->in);
	t->out = t->in = NULL;
}

static void free_all(struct tui *t)
{
	while (t->n_views)
		pane_free(&t->views[--t->n_views]);
	for (size_t i = 0; i < TUI_N_TABS; i++)
		pane_free(&t->tabs[i]);
	drop_window(&t->w_tabs);
	drop_window(&t->w_list);
	drop_window(&t->w_detail);
	drop_window(&t->w_msg);
	drop_window(&t->w_status);
	drop_window(&t->w_tiny);
	keymap_free(&t->keymap);
	input_close(&t->input);
	free(t->message);
}

/* Everything that needs no terminal: keymap, key script, the panes.
 * False after a message on stderr. */
static bool prepare(struct tui *t, const char *script)
{
	keymap_init(&t->keymap);
	kc_error err = KC_ERROR_INIT;
	/* A bad keymap line is told on the message line; defaults stay. */
	if (keymap_load_all(&t->keymap, t->settings, &err) != KC_OK)
		tui_message(t, THEME_ERROR, "%s", kc_error_text(&err));
	kc_error_clear(&err);
	if (script && !input_open(&t->input, NULL, -1, script)) {
		fprintf(stderr, _("kenoconsole: cannot read the key script %s: %s\n"), script,
			strerror(errno));
		return false;
	}
	for (size_t i = 0; i < TUI_N_TABS; i++) {
		t->tabs[i] = pane_new(t, tab_registry[i], 0, &err);
		if (!t->tabs[i]) {
			fprintf(stderr, "kenoconsole: %s\n", kc_error_text(&err));
			kc_error_clear(&err);
			return false;
		}
	}
	return true;
}

static void run_loop(struct tui *t)
{
	while (!t->stop) {
		kc_key key;
		if (!tui_wait_key(t, &key))
			break;
		free(t->message);
		t->message = NULL;
		dispatch(t, keymap_lookup(&t->keymap, key), key);
	}
}

int tui_run(kc_db *db, const struct kc_settings *settings, const struct tui_options *opt)
{
	const char *script = opt ? opt->script_path : NULL;
	const char *term = getenv("TERM");
	if (!input_terminal_usable(term, script != NULL))
		return 1;
	struct tui tui;
	struct tui *t = &tui;
	memset(t, 0, sizeof *t);
	t->db = db;
	t->settings = settings;
	t->read_only = (opt && opt->read_only) || db_is_read_only(db);
	t->money = pick_money_style(settings);
	t->data_version = db_data_version(db);
	t->minute = (int64_t)(date_now() / 60);
	if (!prepare(t, script)) {
		free_all(t);
		return 1;
	}
	input_signals_install();
	if (!open_terminal(t, term, script != NULL)) {
		close_terminal(t);
		fprintf(stderr, _("kenoconsole: cannot start the full-screen console on this terminal (TERM=%s)\n"),
			term);
		free_all(t);
		return 1;
	}
	if (script)
		t->input.win = stdscr;
	else
		input_open(&t->input, stdscr, fileno(t->in), NULL);
	terminal_modes(t);
	theme_init(settings ? settings->theme : SETTINGS_THEME_DEFAULT);
	relayout(t);
	run_loop(t);
	free_all(t);
	close_terminal(t);
	if (t->fatal) {
		fprintf(stderr, "kenoconsole: %s\n", t->fatal);
		free(t->fatal);
	}
	return t->exit_code;
}
