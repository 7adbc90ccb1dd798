/*
 * tui.h: the full-screen console (ncursesw), entry point for main.c.
 *
 * tui_run() takes an open database (owned by the caller, not closed here)
 * and the loaded settings, starts curses with newterm() on the controlling
 * terminal (never initscr), runs the input loop until the user quits or the
 * terminal is lost, and always leaves curses cleanly.  Before starting it
 * refuses, with a translated message on stderr and without writing any
 * escape code, a TERM that is unset, unknown or cannot address the cursor.
 * Returns a process exit code (0 ok, 1 failure).
 */
#ifndef KC_TUI_H
#define KC_TUI_H

#include "db.h"
#include "settings.h"

struct tui_options {
	const char *script_path;   /* --script FILE: keys from a file, or NULL */
	bool read_only;            /* banner + refusals (also when db is read-only) */
};

int tui_run(kc_db *db, const struct kc_settings *settings, const struct tui_options *opt);

#endif
