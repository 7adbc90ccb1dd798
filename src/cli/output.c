/* output.c: text, CSV and JSON tables for the commands (see output.h). */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "kc.h"
#include "money.h"
#include "output.h"
#include "strbuf.h"

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one column */
#define COLUMN_GAP "  "

struct output_table {
	FILE *fp;
	enum output_format fmt;
	const struct output_column *cols;
	size_t n_cols;
	size_t col;     /* next cell's column */
	bool any_row;
	bool failed;
	json_t *obj;    /* JSON: the row being built */
};

static char *ui_language;

void output_set_language(const char *tag)
{
	free(ui_language);
	ui_language = tag ? kc_strdup(tag) : NULL;
}

bool output_format_parse(const char *s, enum output_format *out)
{
	static const char *const names[] = { "text", "csv", "json" };
	for (int i = 0; s && i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum output_format)i;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* UTF-8 and display width.                                                */

/* Decodes one code point; returns its length, or 0 on an invalid byte. */
static size_t utf8_decode(const unsigned char *p, uint32_t *cp)
{
	size_t len;
	uint32_t c = p[0], min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c < 0xE0) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c < 0xF0) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c < 0xF5) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Columns of one code point: wcwidth when the locale knows it, else 1. */
static int cp_width(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F)
		return 0;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

int output_width(const char *s)
{
	int w = 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		uint32_t cp = 0xFFFD;
		size_t len = utf8_decode(p, &cp);
		w += cp_width(len ? cp : 0xFFFD);
		p += len ? len : 1;
	}
	return w;
}

/* Bytes of s that fit in max columns; *used gets their columns. */
static size_t fit_bytes(const char *s, int max, int *used)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;
	while (*p) {
		uint32_t cp = 0xFFFD;
		size_t len = utf8_decode(p, &cp);
		int cw = cp_width(len ? cp : 0xFFFD);
		if (w + cw > max)
			break;
		w += cw;
		p += len ? len : 1;
	}
	*used = w;
	return (size_t)(p - (const unsigned char *)s);
}

static void spaces(FILE *fp, int n)
{
	for (; n > 0; n--)
		fputc(' ', fp);
}

void output_pad(FILE *fp, const char *s, int width, bool right)
{
	s = s ? s : "";
	if (width <= 0) {
		fputs(s, fp);
		return;
	}
	int w = output_width(s);
	if (w > width) {
		/* Cut at a character boundary; a wide character may leave a gap. */
		int cw;
		size_t n = fit_bytes(s, width - 1, &cw);
		if (right)
			spaces(fp, width - 1 - cw);
		fwrite(s, 1, n, fp);
		fputs(ELLIPSIS, fp);
		if (!right)
			spaces(fp, width - 1 - cw);
		return;
	}
	if (right)
		spaces(fp, width - w);
	fputs(s, fp);
	if (!right)
		spaces(fp, width - w);
}

void output_pair(FILE *fp, const char *label, int label_width, const char *value)
{
	output_pad(fp, label, label_width, false);
	fputs(" ", fp);
	fputs(value ? value : "", fp);
	fputc('\n', fp);
}

void output_csv_field(FILE *fp, const char *s)
{
	s = s ? s : "";
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

json_t *output_json_string(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	if (v)
		return v;
	/* Not valid UTF-8: keep what is, mark what is not. */
	strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);
		if (len)
			strbuf_appendn(&sb, (const char *)p, len);
		else
			strbuf_append(&sb, "\xef\xbf\xbd");
		p += len ? len : 1;
	}
	v = json_string(strbuf_cstr(&sb));
	strbuf_free(&sb);
	return v;
}

json_t *output_json_money(int64_t cents)
{
	char *text = money_format_plain(cents);
	json_t *v = text ? json_string(text) : NULL;
	free(text);
	return v;
}

bool output_json_print(FILE *fp, json_t *v)
{
	char *text = v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (!text)
		return false;
	bool ok = fputs(text, fp) >= 0 && fputc('\n', fp) != EOF;
	free(text);
	return ok;
}

char *output_money_text(int64_t cents)
{
	return money_format_locale(cents, money_style_from_language(ui_language));
}

const char *output_yes_no(bool v)
{
	return v ? _("yes") : _("no");
}

/* ---------------------------------------------------------------------- */
/* Tables.                                                                 */

static bool right_aligned(const struct output_column *c)
{
	return c->kind == OUTPUT_INT || c->kind == OUTPUT_MONEY;
}

static void text_header(output_table *t)
{
	for (size_t i = 0; i < t->n_cols; i++) {
		const struct output_column *c = &t->cols[i];
		if (i)
			fputs(COLUMN_GAP, t->fp);
		bool last = i + 1 == t->n_cols;
		output_pad(t->fp, c->title, last && !right_aligned(c) ? 0 : c->width,
			right_aligned(c));
	}
	fputc('\n', t->fp);
}

static void csv_header(output_table *t)
{
	for (size_t i = 0; i < t->n_cols; i++) {
		if (i)
			fputc(',', t->fp);
		output_csv_field(t->fp, t->cols[i].key);
	}
	fputc('\n', t->fp);
}

output_table *output_table_begin(FILE *fp, enum output_format fmt,
	const struct output_column *cols, size_t n_cols)
{
	output_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->fp = fp;
	t->fmt = fmt;
	t->cols = cols;
	t->n_cols = n_cols;
	if (fmt == OUTPUT_TEXT)
		text_header(t);
	else if (fmt == OUTPUT_CSV)
		csv_header(t);
	else
		fputc('[', fp);
	return t;
}

static void json_row_end(output_table *t)
{
	char *text = json_dumps(t->obj, JSON_PRESERVE_ORDER);
	if (!text) {
		t->failed = true;
	} else {
		fputs(t->any_row ? ",\n  " : "\n  ", t->fp);
		fputs(text, t->fp);
		free(text);
	}
	json_decref(t->obj);
	t->obj = NULL;
}

/* Writes one cell given as text (text/CSV) or as a JSON value. */
static void cell(output_table *t, const char *text, json_t *json)
{
	if (t->col >= t->n_cols) { /* more cells than columns: a caller bug */
		t->failed = true;
		json_decref(json);
		return;
	}
	const struct output_column *c = &t->cols[t->col];
	bool last = t->col + 1 == t->n_cols;
	switch (t->fmt) {
	case OUTPUT_TEXT:
		if (t->col)
			fputs(COLUMN_GAP, t->fp);
		/* no trailing blanks: a last column is padded only on the left */
		output_pad(t->fp, text, last && !right_aligned(c) ? 0 : c->width,
			right_aligned(c));
		if (last)
			fputc('\n', t->fp);
		break;
	case OUTPUT_CSV:
		if (t->col)
			fputc(',', t->fp);
		output_csv_field(t->fp, text);
		if (last)
			fputc('\n', t->fp);
		break;
	case OUTPUT_JSON:
		if (!t->obj)
			t->obj = json_object();
		if (!t->obj || !json || json_object_set_new(t->obj, c->key, json) != 0)
			t->failed = true;
		json = NULL;
		if (last && t->obj)
			json_row_end(t);
		break;
	}
	json_decref(json);
	t->col = last ? 0 : t->col + 1;
	if (last)
		t->any_row = true;
}

void output_cell_str(output_table *t, const char *s)
{
	cell(t, s ? s : "", t->fmt == OUTPUT_JSON ? output_json_string(s) : NULL);
}

void output_cell_int(output_table *t, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRId64, v);
	cell(t, buf, t->fmt == OUTPUT_JSON ? json_integer((json_int_t)v) : NULL);
}

void output_cell_money(output_table *t, int64_t cents)
{
	if (t->fmt == OUTPUT_JSON) {
		cell(t, NULL, output_json_money(cents));
		return;
	}
	char *text = t->fmt == OUTPUT_TEXT ? output_money_text(cents) : money_format_plain(cents);
	if (!text)
		t->failed = true;
	cell(t, text ? text : "", NULL);
	free(text);
}

void output_cell_bool(output_table *t, bool v)
{
	const char *text = t->fmt == OUTPUT_TEXT ? output_yes_no(v) : (v ? "true" : "false");
	cell(t, text, t->fmt == OUTPUT_JSON ? json_boolean(v) : NULL);
}

bool output_table_end(output_table **tp)
{
	if (!tp || !*tp)
		return false;
	output_table *t = *tp;
	if (t->fmt == OUTPUT_JSON)
		fputs(t->any_row ? "\n]\n" : "]\n", t->fp);
	bool ok = !t->failed && t->col == 0 && !ferror(t->fp);
	json_decref(t->obj);
	free(t);
	*tp = NULL;
	return ok;
}
