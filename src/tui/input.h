/*
 * input.h: where keys come from: the terminal or a key script.
 *
 * Signals only set flags (NeoMutt mutt_signal.c): SIGHUP, SIGTERM and SIGINT
 * ask to quit; SIGWINCH is left to ncurses, which delivers KEY_RESIZE.
 * input_signals_install() must run before newterm() so ncurses keeps our
 * handlers.
 *
 * Terminal: input_next() waits at most INPUT_TICK_MS for a key (wtimeout),
 * then returns INPUT_TICK so the caller can poll the database.  A lost
 * terminal (end of file, read errors: wget_wch failing at once again and
 * again, or the descriptor no longer a terminal) gives INPUT_LOST within a
 * second: it never spins.
 *
 * Script (tig's TIG_SCRIPT model): one command per line:
 *   keys          e.g. "j", "jjk", "<Down>", "<Enter>", "<Ctrl-S>"; each
 *                 character is a key, <Name> is a key by name (keymap.h),
 *                 "<lt>" is '<'
 *   :type TEXT    types TEXT (every character a key, spaces too)
 *   :save-display FILE  writes the screen as UTF-8 text
 *   :wait-refresh waits (10 s at most) for another process's commit to show
 *   :sleep MS     pauses
 *   :resize COLSxROWS  resizes the virtual screen (as a terminal would)
 *   # comment, blank lines ignored
 * The end of the script gives INPUT_END.  A bad line gives INPUT_ERROR with
 * a translated "FILE:LINE: ..." message in input->error.
 */
#ifndef KC_INPUT_UI_H
#define KC_INPUT_UI_H

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>

#include "keymap.h"

#define INPUT_TICK_MS 500

enum input_kind {
	INPUT_KEY,          /* ev.key */
	INPUT_TICK,         /* nothing typed for a while */
	INPUT_RESIZE,       /* the terminal changed size (curses already knows) */
	INPUT_QUIT,         /* a signal asked to quit */
	INPUT_LOST,         /* the terminal is gone */
	INPUT_END,          /* end of the key script */
	INPUT_ERROR,        /* bad script line: input->error */
	INPUT_SAVE_DISPLAY, /* ev.arg: file name */
	INPUT_WAIT_REFRESH,
	INPUT_SET_SIZE      /* ev.cols, ev.rows (script :resize) */
};

struct input_event {
	enum input_kind kind;
	kc_key key;
	const char *arg; /* owned by the input, valid until the next call */
	int cols, rows;
};

struct input {
	WINDOW *win;        /* where wget_wch reads (terminal mode) */
	int fd;             /* the terminal's input descriptor */
	FILE *script;       /* NULL: terminal */
	char *script_path;
	int script_line;
	char *line;         /* current script line (owned) */
	size_t line_cap;
	const char *pos;    /* next key in line; NULL when the line is used */
	bool typing;        /* pos is :type text (no <Name> parsing) */
	int fast_errors;    /* consecutive wget_wch errors without waiting */
	char *error;        /* last INPUT_ERROR message (owned) */
};

/* Before curses: false, after a translated refusal on stderr (and no
 * escape code written), when TERM is unset or empty, unknown to terminfo,
 * or cannot address the cursor (no "cup", e.g. TERM=dumb); also when not
 * in script mode and standard input or output is not a terminal. */
bool input_terminal_usable(const char *term, bool script);

/* Installs the flag-setting handlers for SIGHUP, SIGTERM, SIGINT. */
void input_signals_install(void);
/* True once a quit signal arrived; true also after SIGHUP (hangup). */
bool input_quit_requested(void);
bool input_hangup(void);

/* script_path NULL: keys from win (fd: its terminal).  Returns false
 * (errno set) when the script cannot be opened. */
bool input_open(struct input *in, WINDOW *win, int fd, const char *script_path);
void input_close(struct input *in);
bool input_is_script(const struct input *in);

void input_next(struct input *in, struct input_event *ev);

#endif
