/* input.c: keys from the terminal or from a key script; signal flags. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "input.h"

/* Consecutive immediate wget_wch failures taken as a lost terminal. */
#define INPUT_MAX_FAST_ERRORS 5

static volatile sig_atomic_t quit_flag;
static volatile sig_atomic_t hangup_flag;

static void on_quit_signal(int sig)
{
	if (sig == SIGHUP)
		hangup_flag = 1;
	quit_flag = 1;
}

void input_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_quit_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked read returns at once */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

bool input_quit_requested(void)
{
	return quit_flag != 0;
}

bool input_hangup(void)
{
	return hangup_flag != 0;
}

bool input_open(struct input *in, WINDOW *win, int fd, const char *script_path)
{
	memset(in, 0, sizeof *in);
	in->win = win;
	in->fd = fd;
	if (!script_path)
		return true;
	in->script = fopen(script_path, "r");
	if (!in->script)
		return false;
	in->script_path = kc_strdup(script_path);
	return in->script_path != NULL;
}

void input_close(struct input *in)
{
	if (in->script)
		fclose(in->script);
	free(in->script_path);
	free(in->line);
	free(in->error);
	memset(in, 0, sizeof *in);
}

bool input_is_script(const struct input *in)
{
	return in->script != NULL;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void terminal_next(struct input *in, struct input_event *ev)
{
	for (;;) {
		if (quit_flag) {
			ev->kind = INPUT_QUIT;
			return;
		}
		wtimeout(in->win, INPUT_TICK_MS);
		long t0 = now_ms();
		wint_t wch = 0;
		errno = 0;
		int rc = wget_wch(in->win, &wch);
		if (rc != ERR) {
			in->fast_errors = 0;
			if (rc == KEY_CODE_YES && wch == KEY_RESIZE) {
				ev->kind = INPUT_RESIZE;
				return;
			}
			ev->kind = INPUT_KEY;
			ev->key = keymap_from_curses(rc, (unsigned)wch);
			return;
		}
		if (quit_flag)
			continue;
		if (now_ms() - t0 >= INPUT_TICK_MS / 2) {
			in->fast_errors = 0;
			ev->kind = INPUT_TICK;
			return;
		}
		/* ERR before the timeout: end of file or a read error.  A signal
		 * (EINTR) is the only harmless reason; anything else repeated
		 * means the terminal is gone. */
		if (errno != EINTR)
			in->fast_errors++;
		if (!isatty(in->fd) || in->fast_errors >= INPUT_MAX_FAST_ERRORS) {
			ev->kind = INPUT_LOST;
			return;
		}
		napms(20);
	}
}

static void set_error(struct input *in, struct input_event *ev, const char *what, const char *text)
{
	free(in->error);
	in->error = kc_asprintf("%s:%d: %s%s%s", in->script_path, in->script_line, what,
		text ? ": " : "", text ? text : "");
	ev->kind = INPUT_ERROR;
	in->pos = NULL;
}

/* Takes one key from the current script line; false on a bad <name>. */
static bool script_key(struct input *in, struct input_event *ev)
{
	const char *p = in->pos;
	if (!in->typing && *p == '<') {
		const char *close = strchr(p + 1, '>');
		if (close && close > p + 1) {
			char *name = kc_strndup(p + 1, (size_t)(close - p - 1));
			kc_key k = name ? keymap_parse_key(name) : KC_KEY_NONE;
			if (k == KC_KEY_NONE) {
				set_error(in, ev, _("unknown key name"), name);
				free(name);
				return false;
			}
			free(name);
			in->pos = close + 1;
			ev->kind = INPUT_KEY;
			ev->key = k;
			return true;
		}
	}
	mbstate_t st;
	memset(&st, 0, sizeof st);
	wchar_t wc;
	size_t k = mbrtowc(&wc, p, strlen(p), &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		set_error(in, ev, _("invalid UTF-8"), NULL);
		return false;
	}
	in->pos = p + k;
	ev->kind = INPUT_KEY;
	ev->key = (wc == '\n') ? KC_KEY_ENTER : (kc_key)wc;
	return true;
}

static bool starts_with(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	if (strncmp(s, prefix, n) != 0)
		return false;
	if (s[n] != '\0' && s[n] != ' ')
		return false;
	*rest = s[n] == ' ' ? s + n + 1 : s + n;
	return true;
}

/* Runs a ':' line; true when it produced an event for the caller. */
static bool script_command(struct input *in, struct input_event *ev, const char *cmd)
{
	const char *rest;
	if (starts_with(cmd, "type", &rest)) {
		in->pos = rest;
		in->typing = true;
		return false;
	}
	if (starts_with(cmd, "save-display", &rest)) {
		if (!*rest) {
			set_error(in, ev, _("missing file name"), cmd);
			return true;
		}
		ev->kind = INPUT_SAVE_DISPLAY;
		ev->arg = rest;
		return true;
	}
	if (starts_with(cmd, "wait-refresh", &rest)) {
		ev->kind = INPUT_WAIT_REFRESH;
		return true;
	}
	if (starts_with(cmd, "sleep", &rest)) {
		char *end;
		long ms = strtol(rest, &end, 10);
		if (end == rest || *end || ms < 0 || ms > 600000) {
			set_error(in, ev, _("bad duration"), cmd);
			return true;
		}
		while (ms > 0 && !quit_flag) {
			long step = ms > 100 ? 100 : ms;
			napms((int)step);
			ms -= step;
		}
		return false;
	}
	if (starts_with(cmd, "resize", &rest)) {
		int cols = 0, rows = 0;
		char extra;
		if (sscanf(rest, "%dx%d%c", &cols, &rows, &extra) != 2 || cols < 2 || rows < 2
		    || cols > 1000 || rows > 1000) {
			set_error(in, ev, _("expected :resize COLSxROWS"), cmd);
			return true;
		}
		ev->kind = INPUT_SET_SIZE;
		ev->cols = cols;
		ev->rows = rows;
		return true;
	}
	set_error(in, ev, _("unknown command"), cmd);
	return true;
}

static void script_next(struct input *in, struct input_event *ev)
{
	for (;;) {
		if (quit_flag) {
			ev->kind = INPUT_QUIT;
			return;
		}
		if (in->pos && *in->pos) {
			script_key(in, ev);
			return;
		}
		in->pos = NULL;
		in->typing = false;
		ssize_t len = getline(&in->line, &in->line_cap, in->script);
		if (len < 0) {
			ev->kind = INPUT_END;
			return;
		}
		in->script_line++;
		while (len > 0 && (in->line[len - 1] == '\n' || in->line[len - 1] == '\r'))
			in->line[--len] = '\0';
		const char *s = in->line;
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == ':') {
			if (script_command(in, ev, s + 1))
				return;
			continue;
		}
		in->pos = s;
	}
}

void input_next(struct input *in, struct input_event *ev)
{
	memset(ev, 0, sizeof *ev);
	if (in->script)
		script_next(in, ev);
	else
		terminal_next(in, ev);
}

/* term.h defines a macro for every terminfo capability (lines, columns,
 * ...): it comes last so those names cannot clash with the code above. */
#include <term.h>

bool input_terminal_usable(const char *term, bool script)
{
	if (!term || !*term) {
		fprintf(stderr, "%s\n", _("kenoconsole: TERM is not set, so the full-screen console "
			"cannot run here (set TERM, e.g. TERM=xterm-256color, or use a command: "
			"kenoconsole --help)"));
		return false;
	}
	int errret = 0;
	if (setupterm(term, STDOUT_FILENO, &errret) != OK) {
		fprintf(stderr, _("kenoconsole: the terminal type \"%s\" (TERM) is unknown here, so the "
			"full-screen console cannot run (try TERM=xterm-256color)\n"), term);
		return false;
	}
	const char *cup = tigetstr("cup");
	bool addressable = cup && cup != (const char *)-1;
	del_curterm(cur_term);
	if (!addressable) {
		fprintf(stderr, _("kenoconsole: the terminal \"%s\" cannot move the cursor, so the "
			"full-screen console cannot run (use a terminal such as xterm, or a command: "
			"kenoconsole --help)\n"), term);
		return false;
	}
	if (!script && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "%s\n", _("kenoconsole: the full-screen console needs a terminal on "
			"standard input and output (or --script FILE)"));
		return false;
	}
	return true;
}
