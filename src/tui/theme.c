/* theme.c: colour roles x themes (htop CRT.c, ncdu UI_COLORS) and UTF-8
 * text drawing by display width. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "theme.h"

struct role_style {
	short fg, bg;   /* colour theme */
	attr_t color_attrs; /* added to the pair in the colour theme */
	attr_t mono;    /* monochrome theme */
};

/* -1 = the terminal's default colour (use_default_colors). */
static const struct role_style role_styles[THEME_N_ROLES] = {
	[THEME_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[THEME_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_BOLD | A_REVERSE },
	[THEME_TAB] = { COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_REVERSE },
	[THEME_TAB_ACTIVE] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_BOLD | A_UNDERLINE },
	[THEME_HEADER] = { COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[THEME_SELECTED] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[THEME_STATUS] = { COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_REVERSE },
	[THEME_HINT_KEY] = { COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD },
	[THEME_MESSAGE] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[THEME_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[THEME_WARNING] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[THEME_BREACHED] = { COLOR_RED, -1, A_NORMAL, A_UNDERLINE },
	[THEME_BANNER] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE },
	[THEME_LABEL] = { COLOR_CYAN, -1, A_NORMAL, A_BOLD },
	[THEME_FIELD] = { -1, -1, A_UNDERLINE, A_UNDERLINE },
	[THEME_FIELD_ACTIVE] = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE },
	[THEME_BORDER] = { COLOR_BLUE, -1, A_NORMAL, A_NORMAL },
	[THEME_DIM] = { -1, -1, A_DIM, A_DIM },
};

static attr_t role_attr[THEME_N_ROLES];
static bool mono;

static bool no_color_asked(void)
{
	const char *v = getenv("NO_COLOR");
	return v && *v;
}

void theme_init(enum settings_theme theme)
{
	mono = theme == SETTINGS_THEME_MONO || no_color_asked() || !has_colors();
	if (!mono && start_color() == ERR)
		mono = true;
	if (!mono && COLOR_PAIRS < THEME_N_ROLES + 1)
		mono = true;
	bool defaults = !mono && use_default_colors() == OK;
	for (int r = 0; r < THEME_N_ROLES; r++) {
		const struct role_style *st = &role_styles[r];
		if (mono) {
			role_attr[r] = st->mono;
			continue;
		}
		short fg = st->fg, bg = st->bg;
		if (!defaults) {
			if (fg < 0)
				fg = COLOR_WHITE;
			if (bg < 0)
				bg = COLOR_BLACK;
		}
		init_pair((short)(r + 1), fg, bg);
		role_attr[r] = COLOR_PAIR(r + 1) | st->color_attrs;
	}
}

bool theme_is_mono(void)
{
	return mono;
}

attr_t theme_attr(enum theme_role role)
{
	if ((int)role < 0 || role >= THEME_N_ROLES)
		return A_NORMAL;
	return role_attr[role];
}

void theme_set(WINDOW *w, enum theme_role role)
{
	wattrset(w, (int)theme_attr(role));
}

/* Decodes one character at s (n bytes left).  Returns the bytes used (>= 1)
 * and sets *wc (L'?' for invalid bytes or controls) and *cols. */
static size_t next_char(const char *s, size_t n, wchar_t *wc, int *cols)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t k = mbrtowc(wc, s, n, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		*wc = L'?';
		*cols = 1;
		return 1;
	}
	int w = wcwidth(*wc);
	if (w < 0) {
		*wc = L'?';
		w = 1;
	}
	*cols = w;
	return k;
}

int theme_text_width(const char *s)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	int total = 0;
	while (n > 0) {
		wchar_t wc;
		int cols;
		size_t k = next_char(s, n, &wc, &cols);
		total += cols;
		s += k;
		n -= k;
	}
	return total;
}

size_t theme_fit(const char *s, int width, int *used)
{
	size_t n = s ? strlen(s) : 0, off = 0;
	int total = 0;
	while (off < n) {
		wchar_t wc;
		int cols;
		size_t k = next_char(s + off, n - off, &wc, &cols);
		if (total + cols > width)
			break;
		total += cols;
		off += k;
	}
	if (used)
		*used = total;
	return off;
}

/* Draws at most `width` columns of s at the cursor; returns columns used. */
static int draw_text(WINDOW *w, const char *s, int width)
{
	size_t n = s ? strlen(s) : 0;
	int total = 0;
	while (n > 0) {
		wchar_t wc;
		int cols;
		size_t k = next_char(s, n, &wc, &cols);
		if (total + cols > width)
			break;
		if (wc == L'?' && (k != 1 || *s != '?'))
			waddch(w, '?');
		else if (cols > 0 || total > 0)
			waddnwstr(w, &wc, 1);
		total += cols;
		s += k;
		n -= k;
	}
	return total;
}

void theme_blank(WINDOW *w, int y, int x, int width)
{
	if (width <= 0)
		return;
	wmove(w, y, x);
	for (int i = 0; i < width; i++)
		waddch(w, ' ');
}

int theme_puts(WINDOW *w, int y, int x, const char *s, int width)
{
	if (width <= 0)
		return 0;
	wmove(w, y, x);
	return draw_text(w, s, width);
}

int theme_put(WINDOW *w, int y, int x, const char *s, int width, bool right)
{
	if (width <= 0)
		return 0;
	int text = theme_text_width(s);
	bool cut = text > width;
	int room = cut && width > 1 ? width - 1 : width;
	int used = 0;
	theme_fit(s, room, &used);
	int pad = width - used - (cut && width > 1 ? 1 : 0);
	wmove(w, y, x);
	if (right)
		for (int i = 0; i < pad; i++)
			waddch(w, ' ');
	draw_text(w, s, room);
	if (cut && width > 1)
		waddch(w, '~');
	if (!right)
		for (int i = 0; i < pad; i++)
			waddch(w, ' ');
	return used;
}
