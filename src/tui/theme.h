/*
 * theme.h: how the console looks: semantic colour roles x themes, and the
 * text drawing helpers every window uses (display width, never cutting a
 * UTF-8 sequence).
 *
 * Contract
 *  - Code draws with roles (THEME_SELECTED, THEME_WARNING, ...), never with
 *    colours.  theme_init() maps roles to attributes once curses runs:
 *    the default theme uses colour pairs; the monochrome theme (settings
 *    ui.theme = mono, the NO_COLOR environment variable, or a terminal
 *    without colours such as vt100) uses only bold / reverse / underline.
 *  - Text is UTF-8 (setlocale was done by main).  theme_put() draws at most
 *    `width` display columns (wcwidth), pads with spaces, never splits a
 *    character and shows control or invalid bytes as '?'.
 *  - Nothing here allocates memory that outlives a call.
 */
#ifndef KC_THEME_UI_H
#define KC_THEME_UI_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "settings.h"

enum theme_role {
	THEME_NORMAL = 0,
	THEME_TITLE,        /* application name in the tab bar */
	THEME_TAB,          /* an inactive tab */
	THEME_TAB_ACTIVE,   /* the current pane's tab */
	THEME_HEADER,       /* list column headings */
	THEME_SELECTED,     /* the selected list row */
	THEME_STATUS,       /* the status (key hints) line */
	THEME_HINT_KEY,     /* a key name inside the status line */
	THEME_MESSAGE,      /* confirmations on the message line */
	THEME_ERROR,        /* refusals and failures */
	THEME_WARNING,      /* rule warnings (overdue welcome call, consumer) */
	THEME_BREACHED,     /* something already late or barred */
	THEME_BANNER,       /* READ-ONLY banner */
	THEME_LABEL,        /* "Email:" in details and forms */
	THEME_FIELD,        /* an input field */
	THEME_FIELD_ACTIVE, /* the focused input field or button */
	THEME_BORDER,       /* boxes and separators */
	THEME_DIM,          /* closed accounts, secondary text */
	THEME_N_ROLES
};

/* Chooses the theme: mono when asked, when NO_COLOR is set (any value but
 * empty), or when the terminal has no colours.  Call after newterm(). */
void theme_init(enum settings_theme theme);
/* True when the monochrome theme is in use. */
bool theme_is_mono(void);
attr_t theme_attr(enum theme_role role);
/* Sets the window's current attributes to the role. */
void theme_set(WINDOW *w, enum theme_role role);

/* Display width of UTF-8 text (invalid bytes and controls count 1). */
int theme_text_width(const char *s);
/* Number of bytes of s that fit in `width` columns, without splitting a
 * character; *used gets the columns those bytes take (may be NULL). */
size_t theme_fit(const char *s, int width, int *used);
/* Draws s at (y, x) in exactly `width` columns: truncated (with a final
 * '~' when cut and width > 1) and padded with spaces; right-aligned when
 * right is true.  Returns the columns of text drawn. */
int theme_put(WINDOW *w, int y, int x, const char *s, int width, bool right);
/* Like theme_put without padding: draws what fits, returns columns used. */
int theme_puts(WINDOW *w, int y, int x, const char *s, int width);
/* Fills `width` columns at (y, x) with spaces in the current attributes. */
void theme_blank(WINDOW *w, int y, int x, int width);

#endif
