/* form.c: a small field editor (wide characters), prompts, a text viewer,
 * and $EDITOR for long text. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "form.h"
#include "pane.h"
#include "strbuf.h"

#define FORM_WIDTH 78
#define FORM_LABEL_MAX 26

struct form_field {
	int tag;
	enum form_kind kind;
	const char *label;
	wchar_t *buf;          /* len characters, NUL-terminated */
	size_t len, cap, cur, scroll, max_chars;
	const char *const *values;
	const char *const *labels;
	size_t n_choices, choice;
	char *utf8;            /* form_value() cache */
	char *note;
};

struct form {
	char *title, *info, *save_label;
	struct form_field *fields;
	size_t n, cap;
	size_t focus;          /* 0..n-1 fields, n = Save, n + 1 = Cancel */
	char *error;
	int error_tag;
	form_save_fn save;
	form_check_fn check;
	void *ctx;
	int body_scroll;       /* first body line shown */
};

/* --- building ------------------------------------------------------------ */

struct form *form_new(const char *title)
{
	struct form *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->title = kc_strdup(title ? title : "");
	f->error_tag = -1;
	return f;
}

static void field_free(struct form_field *fl)
{
	free(fl->buf);
	free(fl->utf8);
	free(fl->note);
}

void form_free(struct form **pf)
{
	if (!pf || !*pf)
		return;
	struct form *f = *pf;
	for (size_t i = 0; i < f->n; i++)
		field_free(&f->fields[i]);
	free(f->fields);
	free(f->title);
	free(f->info);
	free(f->save_label);
	free(f->error);
	free(f);
	*pf = NULL;
}

static bool field_reserve(struct form_field *fl, size_t need)
{
	if (need + 1 <= fl->cap)
		return true;
	size_t cap = fl->cap ? fl->cap : 32;
	while (cap < need + 1)
		cap *= 2;
	wchar_t *b = realloc(fl->buf, cap * sizeof *b);
	if (!b)
		return false;
	fl->buf = b;
	fl->cap = cap;
	return true;
}

static void field_set_text(struct form_field *fl, const char *s)
{
	fl->len = fl->cur = fl->scroll = 0;
	if (!field_reserve(fl, 0))
		return;
	fl->buf[0] = L'\0';
	if (!s)
		return;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = strlen(s);
	while (n > 0) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, n, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			wc = L'?';
			k = 1;
			memset(&st, 0, sizeof st);
		}
		if (!field_reserve(fl, fl->len + 1))
			break;
		fl->buf[fl->len++] = wc;
		s += k;
		n -= k;
	}
	fl->buf[fl->len] = L'\0';
	fl->cur = fl->len;
	free(fl->utf8);
	fl->utf8 = NULL;
}

static struct form_field *add_field(struct form *f, int tag, enum form_kind kind, const char *label)
{
	if (!f)
		return NULL;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct form_field *fl = realloc(f->fields, cap * sizeof *fl);
		if (!fl)
			return NULL;
		f->fields = fl;
		f->cap = cap;
	}
	struct form_field *fl = &f->fields[f->n++];
	memset(fl, 0, sizeof *fl);
	fl->tag = tag;
	fl->kind = kind;
	fl->label = label;
	return fl;
}

void form_add_text(struct form *f, int tag, const char *label, const char *initial,
	size_t max_chars)
{
	struct form_field *fl = add_field(f, tag, FORM_TEXT, label);
	if (fl) {
		fl->max_chars = max_chars;
		field_set_text(fl, initial);
	}
}

void form_add_longtext(struct form *f, int tag, const char *label, const char *initial)
{
	struct form_field *fl = add_field(f, tag, FORM_LONGTEXT, label);
	if (fl)
		field_set_text(fl, initial);
}

void form_add_readonly(struct form *f, int tag, const char *label, const char *value)
{
	struct form_field *fl = add_field(f, tag, FORM_READONLY, label);
	if (fl)
		field_set_text(fl, value);
}

void form_add_choice(struct form *f, int tag, const char *label, const char *const *values,
	const char *const *labels, const char *initial)
{
	struct form_field *fl = add_field(f, tag, FORM_CHOICE, label);
	if (!fl)
		return;
	fl->values = values;
	fl->labels = labels;
	while (values[fl->n_choices])
		fl->n_choices++;
	for (size_t i = 0; initial && i < fl->n_choices; i++)
		if (strcmp(values[i], initial) == 0)
			fl->choice = i;
}

void form_set_callbacks(struct form *f, form_save_fn save, form_check_fn check, void *ctx)
{
	if (!f)
		return;
	f->save = save;
	f->check = check;
	f->ctx = ctx;
}

void form_set_info(struct form *f, const char *text)
{
	if (!f)
		return;
	free(f->info);
	f->info = text ? kc_strdup(text) : NULL;
}

static struct form_field *find_field(struct form *f, int tag)
{
	if (!f)
		return NULL;
	for (size_t i = 0; i < f->n; i++)
		if (f->fields[i].tag == tag)
			return &f->fields[i];
	return NULL;
}

void form_set_note(struct form *f, int tag, const char *note)
{
	struct form_field *fl = find_field(f, tag);
	if (!fl)
		return;
	free(fl->note);
	fl->note = note ? kc_strdup(note) : NULL;
}

void form_set_save_label(struct form *f, const char *label)
{
	if (!f)
		return;
	free(f->save_label);
	f->save_label = label ? kc_strdup(label) : NULL;
}

const char *form_value(struct form *f, int tag)
{
	struct form_field *fl = find_field(f, tag);
	if (!fl)
		return NULL;
	if (fl->kind == FORM_CHOICE)
		return fl->n_choices ? fl->values[fl->choice] : "";
	if (!fl->utf8) {
		strbuf sb = STRBUF_INIT;
		char mb[MB_LEN_MAX + 1];
		mbstate_t st;
		memset(&st, 0, sizeof st);
		for (size_t i = 0; i < fl->len; i++) {
			size_t k = wcrtomb(mb, fl->buf[i], &st);
			if (k == (size_t)-1) {
				memset(&st, 0, sizeof st);
				continue;
			}
			strbuf_appendn(&sb, mb, k);
		}
		fl->utf8 = strbuf_detach(&sb);
	}
	return fl->utf8 ? fl->utf8 : "";
}

void form_set_value(struct form *f, int tag, const char *value)
{
	struct form_field *fl = find_field(f, tag);
	if (!fl)
		return;
	if (fl->kind == FORM_CHOICE) {
		for (size_t i = 0; value && i < fl->n_choices; i++)
			if (strcmp(fl->values[i], value) == 0)
				fl->choice = i;
		return;
	}
	field_set_text(fl, value);
}

/* --- editing ------------------------------------------------------------- */

static bool focusable(const struct form_field *fl)
{
	return fl->kind != FORM_READONLY;
}

static void changed(struct form_field *fl)
{
	free(fl->utf8);
	fl->utf8 = NULL;
}

static void insert_char(struct form_field *fl, wchar_t wc)
{
	if (fl->max_chars && fl->len >= fl->max_chars) {
		beep();
		return;
	}
	if (!field_reserve(fl, fl->len + 1))
		return;
	memmove(fl->buf + fl->cur + 1, fl->buf + fl->cur, (fl->len - fl->cur + 1) * sizeof *fl->buf);
	fl->buf[fl->cur++] = wc;
	fl->len++;
	changed(fl);
}

static void delete_at(struct form_field *fl, size_t at)
{
	if (at >= fl->len)
		return;
	memmove(fl->buf + at, fl->buf + at + 1, (fl->len - at) * sizeof *fl->buf);
	fl->len--;
	changed(fl);
}

/* Editing keys of a text field; true when the key was used. */
static bool edit_text(struct form_field *fl, kc_key key)
{
	switch (key) {
	case KC_KEY_FN | KEY_LEFT:
		if (fl->cur > 0)
			fl->cur--;
		return true;
	case KC_KEY_FN | KEY_RIGHT:
		if (fl->cur < fl->len)
			fl->cur++;
		return true;
	case KC_KEY_FN | KEY_HOME:
	case KC_KEY_CTRL('A'):
		fl->cur = 0;
		return true;
	case KC_KEY_FN | KEY_END:
		fl->cur = fl->len;
		return true;
	case KC_KEY_FN | KEY_BACKSPACE:
		if (fl->cur > 0) {
			fl->cur--;
			delete_at(fl, fl->cur);
		}
		return true;
	case KC_KEY_FN | KEY_DC:
		delete_at(fl, fl->cur);
		return true;
	case KC_KEY_CTRL('U'):
		fl->len = fl->cur = fl->scroll = 0;
		fl->buf[0] = L'\0';
		changed(fl);
		return true;
	default:
		break;
	}
	if (!(key & KC_KEY_FN) && key >= 32 && key != 127) {
		insert_char(fl, (wchar_t)key);
		return true;
	}
	return false;
}

static bool edit_choice(struct form_field *fl, kc_key key)
{
	if (fl->n_choices == 0)
		return false;
	if (key == (KC_KEY_FN | KEY_LEFT)) {
		fl->choice = (fl->choice + fl->n_choices - 1) % fl->n_choices;
		return true;
	}
	if (key == (KC_KEY_FN | KEY_RIGHT) || key == ' ') {
		fl->choice = (fl->choice + 1) % fl->n_choices;
		return true;
	}
	/* A letter jumps to the next choice whose label starts with it. */
	if (!(key & KC_KEY_FN) && key > ' ') {
		for (size_t k = 1; k <= fl->n_choices; k++) {
			size_t i = (fl->choice + k) % fl->n_choices;
			wchar_t first;
			mbstate_t st;
			memset(&st, 0, sizeof st);
			const char *lab = fl->labels[i];
			if (mbrtowc(&first, lab, strlen(lab), &st) < (size_t)-2
			    && towlower((wint_t)first) == towlower((wint_t)key)) {
				fl->choice = i;
				return true;
			}
		}
	}
	return false;
}

/* --- drawing ------------------------------------------------------------- */

static int label_width(const struct form *f)
{
	int w = 0;
	for (size_t i = 0; i < f->n; i++) {
		int lw = theme_text_width(f->fields[i].label);
		if (lw > w)
			w = lw;
	}
	return w > FORM_LABEL_MAX ? FORM_LABEL_MAX : w;
}

static int count_lines(const char *s)
{
	if (!s || !*s)
		return 0;
	int n = 1;
	for (; *s; s++)
		if (*s == '\n' && s[1])
			n++;
	return n;
}

static int body_lines(const struct form *f)
{
	int n = count_lines(f->info);
	if (n)
		n++; /* blank line after the info */
	for (size_t i = 0; i < f->n; i++)
		n += 1 + (f->fields[i].note ? 1 : 0);
	return n;
}

/* Width in columns of buf[from..to). */
static int wide_width(const wchar_t *buf, size_t from, size_t to)
{
	int w = 0;
	for (size_t i = from; i < to; i++) {
		int c = wcwidth(buf[i]);
		w += c < 0 ? 1 : c;
	}
	return w;
}

/* Draws a text field's visible part; returns the cursor column. */
static int draw_text_field(WINDOW *w, int y, int x, int width, struct form_field *fl, bool focus)
{
	if (fl->cur < fl->scroll)
		fl->scroll = fl->cur;
	while (fl->scroll < fl->cur && wide_width(fl->buf, fl->scroll, fl->cur) > width - 1)
		fl->scroll++;
	theme_set(w, focus ? THEME_FIELD_ACTIVE : (fl->kind == FORM_READONLY ? THEME_DIM : THEME_FIELD));
	theme_blank(w, y, x, width);
	wmove(w, y, x);
	int used = 0, cursor = x;
	for (size_t i = fl->scroll; i <= fl->len; i++) {
		if (i == fl->cur)
			cursor = x + used;
		if (i == fl->len)
			break;
		wchar_t wc = fl->buf[i];
		int cw = wcwidth(wc);
		if (wc == L'\n' || wc == L'\t' || cw < 0) {
			wc = L' ';
			cw = 1;
		}
		if (used + cw > width)
			break;
		waddnwstr(w, &wc, 1);
		used += cw;
	}
	theme_set(w, THEME_NORMAL);
	return cursor;
}

static void draw_button(WINDOW *w, int y, int x, const char *label, bool focus)
{
	theme_set(w, focus ? THEME_FIELD_ACTIVE : THEME_NORMAL);
	char *t = kc_asprintf("[ %s ]", label);
	theme_puts(w, y, x, t ? t : label, getmaxx(w) - x - 1);
	free(t);
	theme_set(w, THEME_NORMAL);
}

/* Bytes of s that fit in width columns, cut after a space when possible. */
static size_t wrap_line(const char *s, int width)
{
	int used;
	size_t n = theme_fit(s, width, &used);
	if (s[n] == '\0')
		return n;
	size_t cut = n;
	while (cut > 0 && s[cut] != ' ')
		cut--;
	return cut > 0 ? cut : (n > 0 ? n : 1);
}

/* Lines the error message takes (1 to 3; 1 when there is none). */
static int error_lines(const struct form *f, int width)
{
	if (!f->error || width < 10)
		return 1;
	int lines = 0;
	const char *s = f->error;
	while (*s && lines < 3) {
		s += wrap_line(s, width);
		while (*s == ' ')
			s++;
		lines++;
	}
	return lines ? lines : 1;
}

/* The box, the title and the key hints on the bottom border. */
static void draw_frame(WINDOW *w, struct form *f, struct tui *t, int h, int width)
{
	theme_set(w, THEME_BORDER);
	box(w, 0, 0);
	theme_set(w, THEME_TITLE);
	char *title = kc_asprintf(" %s ", f->title);
	theme_puts(w, 0, 2, title ? title : f->title, width - 4);
	free(title);
	char save_keys[64], cancel_keys[64], buf[256];
	keymap_keys_text(tui_keymap(t), ACTION_SAVE, save_keys, sizeof save_keys);
	keymap_keys_text(tui_keymap(t), ACTION_BACK, cancel_keys, sizeof cancel_keys);
	snprintf(buf, sizeof buf, " %s %s · %s %s · %s ", save_keys, _("Save"), cancel_keys,
		_("Cancel"), _("Tab next field"));
	theme_set(w, THEME_BORDER);
	theme_puts(w, h - 1, 2, buf, width - 4);
	theme_set(w, THEME_NORMAL);
}

/* Scrolls the body (info lines, fields, notes) so the focus shows. */
static void scroll_to_focus(struct form *f, int body_h)
{
	int focus_line = -1, line = count_lines(f->info);
	if (line)
		line++;
	for (size_t i = 0; i < f->n; i++) {
		if (i == f->focus)
			focus_line = line;
		line += 1 + (f->fields[i].note ? 1 : 0);
	}
	if (focus_line >= 0) {
		if (focus_line < f->body_scroll)
			f->body_scroll = focus_line;
		if (focus_line >= f->body_scroll + body_h)
			f->body_scroll = focus_line - body_h + 1;
	}
	if (f->body_scroll > body_lines(f) - body_h)
		f->body_scroll = body_lines(f) - body_h;
	if (f->body_scroll < 0)
		f->body_scroll = 0;
}

/* Where the body goes: body line l is window row 1 + l - scroll. */
struct body_view {
	WINDOW *w;
	int scroll, height, width; /* body lines shown, window width */
	int lw, fx, fw;            /* label width, field column and width */
	int cursor_y, cursor_x;    /* the text cursor, y -1 when none */
};

static bool body_row(const struct body_view *v, int l, int *y)
{
	*y = 1 + l - v->scroll;
	return l >= v->scroll && l < v->scroll + v->height;
}

static int draw_info(struct body_view *v, const char *info)
{
	int l = 0, y;
	for (const char *s = info; s && *s; l++) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (body_row(v, l, &y)) {
			char *ln = kc_strndup(s, n);
			theme_puts(v->w, y, 2, ln ? ln : "", v->width - 4);
			free(ln);
		}
		s += n;
		if (*s == '\n')
			s++;
	}
	return l ? l + 1 : 0; /* a blank line after the info */
}

static void draw_field(struct body_view *v, const struct form *f, struct form_field *fl,
	bool focus, int y)
{
	WINDOW *w = v->w;
	theme_set(w, fl->tag == f->error_tag && f->error ? THEME_ERROR : THEME_LABEL);
	theme_put(w, y, 2, fl->label, v->lw, true);
	theme_set(w, THEME_NORMAL);
	if (fl->kind != FORM_CHOICE) {
		int cx = draw_text_field(w, y, v->fx, v->fw, fl, focus);
		if (focus) {
			v->cursor_y = y;
			v->cursor_x = cx;
		}
		return;
	}
	char *c = kc_asprintf("< %s >", fl->n_choices ? fl->labels[fl->choice] : "");
	theme_set(w, focus ? THEME_FIELD_ACTIVE : THEME_FIELD);
	theme_put(w, y, v->fx, c ? c : "", v->fw, false);
	theme_set(w, THEME_NORMAL);
	free(c);
}

static void draw_body(struct body_view *v, struct form *f)
{
	int l = draw_info(v, f->info), y;
	for (size_t i = 0; i < f->n; i++) {
		struct form_field *fl = &f->fields[i];
		if (body_row(v, l++, &y))
			draw_field(v, f, fl, i == f->focus, y);
		if (!fl->note)
			continue;
		if (body_row(v, l++, &y)) {
			theme_set(v->w, THEME_WARNING);
			theme_puts(v->w, y, v->fx, fl->note, v->fw);
			theme_set(v->w, THEME_NORMAL);
		}
	}
}

/* The error message (wrapped) above the buttons, then the buttons. */
static void draw_footer(WINDOW *w, const struct form *f, int h, int width, int err_lines, int lw)
{
	theme_set(w, THEME_ERROR);
	const char *s = f->error ? f->error : "";
	for (int i = 0; i < err_lines && *s; i++) {
		size_t n = wrap_line(s, width - 4);
		char *ln = kc_strndup(s, n);
		theme_puts(w, h - 2 - err_lines + i, 2, ln ? ln : "", width - 4);
		free(ln);
		s += n;
		while (*s == ' ')
			s++;
	}
	theme_set(w, THEME_NORMAL);
	const char *save = f->save_label ? f->save_label : _("Save");
	draw_button(w, h - 2, 2 + lw + 2, save, f->focus == f->n);
	draw_button(w, h - 2, 2 + lw + 2 + theme_text_width(save) + 6, _("Cancel"),
		f->focus == f->n + 1);
}

static void form_draw(struct tui_modal *m, struct tui *t)
{
	struct form *f = m->ctx;
	int h = m->h, width = m->w;
	draw_frame(m->win, f, t, h, width);
	int err_lines = error_lines(f, width - 4);
	struct body_view v = { m->win, 0, h - 4 - err_lines, width, label_width(f), 0, 0, -1, 0 };
	if (v.height < 1)
		v.height = 1;
	v.fx = 2 + v.lw + 2;
	v.fw = width - v.fx - 2;
	scroll_to_focus(f, v.height);
	v.scroll = f->body_scroll;
	draw_body(&v, f);
	draw_footer(m->win, f, h, width, err_lines, v.lw);
	/* The terminal's cursor sits in the text field being typed into. */
	if (v.cursor_y >= 0) {
		curs_set(1);
		wmove(m->win, v.cursor_y, v.cursor_x);
	} else {
		curs_set(0);
	}
}

static int form_want_height(const struct form *f)
{
	int width = COLS - 2 < FORM_WIDTH ? COLS - 2 : FORM_WIDTH;
	return body_lines(f) + 4 + error_lines(f, width - 4);
}

/* --- running ------------------------------------------------------------- */

static void run_check(struct form *f, size_t idx)
{
	if (!f->check || idx >= f->n)
		return;
	int tag = f->fields[idx].tag;
	kc_error err = KC_ERROR_INIT;
	if (f->check(f, f->ctx, tag, &err) != KC_OK) {
		free(f->error);
		f->error = kc_strdup(kc_error_text(&err));
		f->error_tag = tag;
	} else if (f->error_tag == tag) {
		free(f->error);
		f->error = NULL;
		f->error_tag = -1;
	}
	kc_error_clear(&err);
}

static size_t focusable_count(const struct form *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		if (focusable(&f->fields[i]))
			n++;
	return n;
}

static void move_focus(struct form *f, int dir)
{
	size_t total = f->n + 2;
	size_t from = f->focus;
	for (size_t k = 0; k < total; k++) {
		f->focus = (f->focus + total + (size_t)(long)dir) % total;
		if (f->focus >= f->n || focusable(&f->fields[f->focus]))
			break;
	}
	if (from < f->n && from != f->focus)
		run_check(f, from);
}

static bool try_save(struct form *f)
{
	if (!f->save)
		return true;
	int bad = -1;
	kc_error err = KC_ERROR_INIT;
	kc_status st = f->save(f, f->ctx, &bad, &err);
	if (st == KC_OK) {
		kc_error_clear(&err);
		return true;
	}
	free(f->error);
	f->error = kc_strdup(kc_error_text(&err));
	f->error_tag = bad;
	kc_error_clear(&err);
	for (size_t i = 0; bad >= 0 && i < f->n; i++)
		if (f->fields[i].tag == bad)
			f->focus = i;
	return false;
}

static void open_editor(struct tui *t, struct form_field *fl, struct form *f)
{
	kc_error err = KC_ERROR_INIT;
	char *text = form_run_editor(t, form_value(f, fl->tag), &err);
	if (!text) {
		free(f->error);
		f->error = kc_strdup(kc_error_text(&err));
	} else {
		field_set_text(fl, text);
		free(text);
	}
	kc_error_clear(&err);
}

/* What a key did to a running form. */
enum form_step { STEP_STAY, STEP_SAVED, STEP_CANCELLED };

static enum form_step save_step(struct form *f)
{
	return try_save(f) ? STEP_SAVED : STEP_STAY;
}

static enum form_step enter_key(struct form *f)
{
	if (f->focus == f->n)
		return save_step(f);
	if (f->focus == f->n + 1)
		return STEP_CANCELLED;
	if (focusable_count(f) == 1)
		return save_step(f); /* a one-field prompt: Enter answers it */
	move_focus(f, 1);
	return STEP_STAY;
}

/* On the buttons: arrows move between them; a question (no field)
 * also takes y and n. */
static enum form_step button_key(struct form *f, kc_key key)
{
	if (key == (KC_KEY_FN | KEY_LEFT) || key == (KC_KEY_FN | KEY_RIGHT))
		f->focus = f->focus == f->n ? f->n + 1 : f->n;
	else if (key == 'y' && f->n == 0)
		return save_step(f);
	else if (key == 'n' && f->n == 0)
		return STEP_CANCELLED;
	return STEP_STAY;
}

static enum form_step form_key(struct tui *t, struct form *f, kc_key key)
{
	enum action_id act = keymap_lookup(tui_keymap(t), key);
	struct form_field *fl = f->focus < f->n ? &f->fields[f->focus] : NULL;
	bool in_text = fl && (fl->kind == FORM_TEXT || fl->kind == FORM_LONGTEXT);
	bool printable = !(key & KC_KEY_FN) && key >= 32 && key != 127;
	/* A character typed in a text field is text, whatever it is bound to. */
	bool typed = in_text && printable;
	if (key == KC_KEY_ESC || (act == ACTION_BACK && !typed))
		return STEP_CANCELLED;
	if (act == ACTION_SAVE && !typed)
		return save_step(f);
	if (act == ACTION_EDITOR && fl && fl->kind == FORM_LONGTEXT && !printable) {
		open_editor(t, fl, f);
		return STEP_STAY;
	}
	if (key == KC_KEY_TAB || key == (KC_KEY_FN | KEY_DOWN))
		move_focus(f, 1);
	else if (key == (KC_KEY_FN | KEY_BTAB) || key == (KC_KEY_FN | KEY_UP))
		move_focus(f, -1);
	else if (key == KC_KEY_ENTER)
		return enter_key(f);
	else if (!fl)
		return button_key(f, key);
	else if (fl->kind == FORM_CHOICE)
		edit_choice(fl, key);
	else if (in_text)
		edit_text(fl, key);
	return STEP_STAY;
}

enum form_result form_run(struct tui *t, struct form *f)
{
	if (!f)
		return FORM_CANCELLED;
	/* Start on the first field that takes input (or Save). */
	f->focus = 0;
	while (f->focus < f->n && !focusable(&f->fields[f->focus]))
		f->focus++;
	struct tui_modal m;
	memset(&m, 0, sizeof m);
	m.draw = form_draw;
	m.ctx = f;
	m.want_w = FORM_WIDTH;
	tui_modal_push(t, &m);
	enum form_result result = FORM_GONE;
	for (;;) {
		m.want_h = form_want_height(f);
		kc_key key;
		if (!tui_wait_key(t, &key))
			break;
		enum form_step step = form_key(t, f, key);
		if (step != STEP_STAY) {
			result = step == STEP_SAVED ? FORM_SAVED : FORM_CANCELLED;
			break;
		}
	}
	tui_modal_pop(t, &m);
	curs_set(0);
	return result;
}

/* --- prompts ------------------------------------------------------------- */

char *form_prompt_text(struct tui *t, const char *title, const char *label, const char *initial)
{
	struct form *f = form_new(title);
	if (!f)
		return NULL;
	form_add_text(f, 0, label, initial, 200);
	form_set_save_label(f, _("OK"));
	char *out = NULL;
	if (form_run(t, f) == FORM_SAVED)
		out = kc_strdup(form_value(f, 0));
	form_free(&f);
	return out;
}

bool form_confirm(struct tui *t, const char *title, const char *question)
{
	struct form *f = form_new(title);
	if (!f)
		return false;
	form_set_info(f, question);
	form_set_save_label(f, _("Yes"));
	bool yes = form_run(t, f) == FORM_SAVED;
	form_free(&f);
	return yes;
}

struct chooser {
	const char *title;
	const char *const *labels;
	size_t n, sel;
};

static void chooser_draw(struct tui_modal *m, struct tui *t)
{
	(void)t;
	struct chooser *c = m->ctx;
	WINDOW *w = m->win;
	theme_set(w, THEME_BORDER);
	box(w, 0, 0);
	theme_set(w, THEME_TITLE);
	char *title = kc_asprintf(" %s ", c->title);
	theme_puts(w, 0, 2, title ? title : c->title, m->w - 4);
	free(title);
	int rows = m->h - 2;
	size_t first = c->sel >= (size_t)rows ? c->sel - (size_t)rows + 1 : 0;
	for (int y = 0; y < rows && first + (size_t)y < c->n; y++) {
		size_t i = first + (size_t)y;
		theme_set(w, i == c->sel ? THEME_SELECTED : THEME_NORMAL);
		theme_put(w, y + 1, 1, c->labels[i], m->w - 2, false);
	}
	theme_set(w, THEME_NORMAL);
	curs_set(0);
}

int form_choose(struct tui *t, const char *title, const char *const *labels, size_t n,
	size_t initial)
{
	struct chooser c = { title, labels, n, initial < n ? initial : 0 };
	struct tui_modal m;
	memset(&m, 0, sizeof m);
	m.draw = chooser_draw;
	m.ctx = &c;
	int wmax = theme_text_width(title) + 6;
	for (size_t i = 0; i < n; i++) {
		int lw = theme_text_width(labels[i]) + 4;
		if (lw > wmax)
			wmax = lw;
	}
	m.want_w = wmax;
	m.want_h = (int)n + 2;
	tui_modal_push(t, &m);
	int result = -1;
	for (;;) {
		kc_key key;
		if (!tui_wait_key(t, &key))
			break;
		enum action_id act = keymap_lookup(tui_keymap(t), key);
		if (key == KC_KEY_ESC || act == ACTION_BACK || act == ACTION_QUIT)
			break;
		if (key == KC_KEY_ENTER) {
			result = (int)c.sel;
			break;
		}
		if (act == ACTION_MOVE_DOWN && c.sel + 1 < n)
			c.sel++;
		else if (act == ACTION_MOVE_UP && c.sel > 0)
			c.sel--;
		else if (act == ACTION_FIRST)
			c.sel = 0;
		else if (act == ACTION_LAST && n)
			c.sel = n - 1;
	}
	tui_modal_pop(t, &m);
	return result;
}

struct viewer {
	const char *title;
	const char *text;
	int first;
	int lines;
};

static void viewer_draw(struct tui_modal *m, struct tui *t)
{
	(void)t;
	struct viewer *v = m->ctx;
	WINDOW *w = m->win;
	theme_set(w, THEME_BORDER);
	box(w, 0, 0);
	theme_set(w, THEME_TITLE);
	char *title = kc_asprintf(" %s ", v->title);
	theme_puts(w, 0, 2, title ? title : v->title, m->w - 4);
	free(title);
	theme_set(w, THEME_NORMAL);
	int rows = m->h - 2;
	if (v->first > v->lines - rows)
		v->first = v->lines - rows;
	if (v->first < 0)
		v->first = 0;
	const char *s = v->text;
	for (int l = 0; *s; l++) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (l >= v->first && l < v->first + rows) {
			char *ln = kc_strndup(s, n);
			theme_puts(w, 1 + l - v->first, 2, ln ? ln : "", m->w - 4);
			free(ln);
		}
		s += n;
		if (*s == '\n')
			s++;
	}
	if (v->lines > rows) {
		char pos[64];
		snprintf(pos, sizeof pos, " %d/%d ", v->first + rows < v->lines ? v->first + rows : v->lines,
			v->lines);
		theme_set(w, THEME_BORDER);
		theme_puts(w, m->h - 1, m->w - 2 - (int)strlen(pos), pos, (int)strlen(pos));
		theme_set(w, THEME_NORMAL);
	}
	curs_set(0);
}

void form_view_text(struct tui *t, const char *title, const char *text)
{
	struct viewer v = { title, text ? text : "", 0, count_lines(text) };
	struct tui_modal m;
	memset(&m, 0, sizeof m);
	m.draw = viewer_draw;
	m.ctx = &v;
	int wmax = theme_text_width(title) + 6;
	const char *s = v.text;
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *ln = kc_strndup(s, n);
		int lw = theme_text_width(ln) + 4;
		free(ln);
		if (lw > wmax)
			wmax = lw;
		s += n;
		if (*s == '\n')
			s++;
	}
	m.want_w = wmax;
	m.want_h = v.lines + 2;
	tui_modal_push(t, &m);
	for (;;) {
		kc_key key;
		if (!tui_wait_key(t, &key))
			break;
		enum action_id act = keymap_lookup(tui_keymap(t), key);
		int page = m.h > 3 ? m.h - 3 : 1;
		if (key == KC_KEY_ESC || key == KC_KEY_ENTER || act == ACTION_BACK || act == ACTION_QUIT
		    || act == ACTION_HELP)
			break;
		if (act == ACTION_MOVE_DOWN)
			v.first++;
		else if (act == ACTION_MOVE_UP && v.first > 0)
			v.first--;
		else if (act == ACTION_PAGE_DOWN)
			v.first += page;
		else if (act == ACTION_PAGE_UP)
			v.first = v.first > page ? v.first - page : 0;
		else if (act == ACTION_FIRST)
			v.first = 0;
		else if (act == ACTION_LAST)
			v.first = v.lines;
	}
	tui_modal_pop(t, &m);
}

/* --- $EDITOR --------------------------------------------------------------- */

static const char *editor_command(struct tui *t)
{
	const struct kc_settings *s = tui_settings(t);
	if (s && s->editor && *s->editor)
		return s->editor;
	const char *v = getenv("VISUAL");
	if (v && *v)
		return v;
	v = getenv("EDITOR");
	if (v && *v)
		return v;
	return "vi";
}

/* Splits the command on blanks (no shell: arguments hold no quotes). */
static char **editor_argv(const char *cmd, const char *path)
{
	size_t max = 2;
	for (const char *p = cmd; *p; p++)
		if (*p == ' ' || *p == '\t')
			max++;
	char **argv = calloc(max + 1, sizeof *argv);
	if (!argv)
		return NULL;
	size_t n = 0;
	const char *p = cmd;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		argv[n++] = kc_strndup(p, (size_t)(e - p));
		p = e;
	}
	argv[n++] = kc_strdup(path);
	argv[n] = NULL;
	return argv;
}

static void argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static bool write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

static char *read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	strbuf sb = STRBUF_INIT;
	char chunk[4096];
	size_t k;
	while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
		strbuf_appendn(&sb, chunk, k);
	fclose(fp);
	/* Editors add a final newline: the field does not want it. */
	while (sb.len > 0 && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		sb.buf[--sb.len] = '\0';
	char *out = strbuf_detach(&sb);
	return out ? out : kc_strdup("");
}

char *form_run_editor(struct tui *t, const char *text, kc_error *err)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	char *path = kc_asprintf("%s/kenoconsole-XXXXXX.txt", dir);
	if (!path) {
		kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
		return NULL;
	}
	int fd = mkstemps(path, 4);
	if (fd < 0) {
		kc_error_set(err, KC_ERR_IO, _("Cannot create a temporary file in %s"), dir);
		free(path);
		return NULL;
	}
	bool ok = write_all(fd, text ? text : "", text ? strlen(text) : 0) && write_all(fd, "\n", 1);
	close(fd);
	char **argv = ok ? editor_argv(editor_command(t), path) : NULL;
	char *result = NULL;
	if (!argv || !argv[0]) {
		kc_error_set(err, KC_ERR_IO, "%s", _("Cannot start the editor"));
	} else {
		def_prog_mode();
		endwin();
		pid_t pid = fork();
		if (pid == 0) {
			execvp(argv[0], argv);
			_exit(127);
		}
		int status = 0;
		bool waited = false;
		if (pid > 0) {
			while (waitpid(pid, &status, 0) < 0)
				if (errno != EINTR)
					break;
			waited = true;
		}
		reset_prog_mode();
		clearok(curscr, TRUE);
		if (!waited || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			kc_error_set(err, KC_ERR_IO, _("The editor %s failed; the text is unchanged"), argv[0]);
		else if (!(result = read_file(path)))
			kc_error_set(err, KC_ERR_IO, "%s", _("Cannot read back the edited text"));
	}
	argv_free(argv);
	unlink(path);
	free(path);
	return result;
}
