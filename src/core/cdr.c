/* cdr.c: see cdr.h.  A strict JSON scanner specialised for the CDR answer. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cdr.h"

enum { MAX_DEPTH = 64 };

enum field_id {
	F_UNIQUEID,
	F_DATE,
	F_SECONDS,
	F_TOTAL,
	F_DESTINATION,
	F_CALLERID,
	F_DESCRIPTION,
	F_DISPOSITION,
	F_ACCOUNT,
	F_DESTINATION_TYPE,
	F_COUNT
};

static const struct {
	const char *name;
	size_t len;
} field_names[F_COUNT] = {
	{ "uniqueid", 8 },     { "date", 4 },        { "seconds", 7 },
	{ "total", 5 },        { "destination", 11 }, { "callerid", 8 },
	{ "description", 11 }, { "disposition", 11 }, { "account", 7 },
	{ "destination_type", 16 },
};

enum vkind { V_ABSENT, V_STRING, V_NUMBER, V_LITERAL, V_COMPOUND };

struct slot {
	enum vkind kind;
	size_t off, len; /* into the arena */
	bool replaced;   /* decoding replaced a control character (see cdr.h) */
};

/* Hard failures stop the scan; row problems are recorded and scanning goes on
 * so that an error status later in the answer still wins. */
enum hard { H_NONE, H_SYNTAX, H_TRUNCATED, H_DEPTH, H_DUPLICATE, H_SHAPE, H_NOMEM, H_STOPPED };
enum problem { P_NONE, P_MISSING, P_INVALID };

struct parser {
	const char *start, *p, *end;
	bool deliver;
	cdr_row_fn fn;
	void *ctx;
	kc_error *err;

	char *arena;
	size_t alen, acap;
	struct slot slots[F_COUNT];
	size_t row_index;
	size_t delivered;

	bool status_seen, status_is_string, cdr_seen;
	char status[64];

	enum hard hard;
	size_t hard_at;
	const char *dup_key;
	int stop_code;

	enum problem problem;
	size_t problem_row;
	enum field_id problem_field;
};

/* ---- low-level scanning --------------------------------------------- */

static bool fail(struct parser *ps, enum hard why)
{
	if (ps->hard == H_NONE) {
		if (why == H_SYNTAX && ps->p >= ps->end)
			why = H_TRUNCATED;
		ps->hard = why;
		ps->hard_at = (size_t)(ps->p - ps->start);
	}
	return false;
}

static void skip_ws(struct parser *ps)
{
	const char *p = ps->p;
	while (p < ps->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	ps->p = p;
}

static bool expect(struct parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != c)
		return fail(ps, H_SYNTAX);
	ps->p++;
	skip_ws(ps);
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads 4 hex digits at q (q+4 <= end checked by the caller). */
static long read_hex4(const char *q)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_value(q[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at q (lead byte >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *q, const unsigned char *end)
{
	unsigned char c = q[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if ((size_t)(end - q) < n)
		return 0;
	if (q[1] < lo || q[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (q[i] < 0x80 || q[i] > 0xBF)
			return 0;
	return n;
}

/* True when the bytes from q to end are a valid start of a longer sequence. */
static bool utf8_cut(const char *q, const char *end)
{
	unsigned char c = (unsigned char)q[0];
	size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (need == 0 || (size_t)(end - q) >= need)
		return false;
	for (const char *r = q + 1; r < end; r++)
		if ((unsigned char)*r < 0x80 || (unsigned char)*r > 0xBF)
			return false;
	return true;
}

/*
 * At a '"': checks the string and moves past its closing quote.  *s and *n
 * give the raw content, *escaped tells whether it holds a backslash.
 */
static bool scan_string(struct parser *ps, const char **s, size_t *n, bool *escaped)
{
	const char *q = ps->p + 1;
	const char *end = ps->end;
	bool esc = false;
	for (;;) {
		if (q >= end) {
			ps->p = end;
			return fail(ps, H_TRUNCATED);
		}
		unsigned char c = (unsigned char)*q;
		if (c == '"')
			break;
		if (c < 0x20) {
			ps->p = q;
			return fail(ps, H_SYNTAX);
		}
		if (c < 0x80 && c != '\\') {
			q++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq((const unsigned char *)q, (const unsigned char *)end);
			if (k == 0) {
				ps->p = q;
				/* A sequence cut by the end of the body is a cut-off answer. */
				return fail(ps, utf8_cut(q, end) ? H_TRUNCATED : H_SYNTAX);
			}
			q += k;
			continue;
		}
		/* backslash */
		esc = true;
		if (end - q < 2) {
			ps->p = end;
			return fail(ps, H_TRUNCATED);
		}
		char e = q[1];
		if (e == 'u') {
			if (end - q < 6) {
				ps->p = end;
				return fail(ps, H_TRUNCATED);
			}
			long u = read_hex4(q + 2);
			if (u < 0 || u == 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
				ps->p = q;
				return fail(ps, H_SYNTAX);
			}
			q += 6;
			if (u >= 0xD800 && u <= 0xDBFF) {
				/* Must be followed by a low surrogate "\uDC00".."\uDFFF". */
				bool prefix = (q >= end || q[0] == '\\') && (end - q < 2 || q[1] == 'u');
				if (prefix && end - q < 6) {
					ps->p = end;
					return fail(ps, H_TRUNCATED);
				}
				long lo = prefix ? read_hex4(q + 2) : -1;
				if (lo < 0xDC00 || lo > 0xDFFF) {
					ps->p = q;
					return fail(ps, H_SYNTAX);
				}
				q += 6;
			}
			continue;
		}
		if (!strchr("\"\\/bfnrt", e) || e == '\0') {
			ps->p = q;
			return fail(ps, H_SYNTAX);
		}
		q += 2;
	}
	*s = ps->p + 1;
	*n = (size_t)(q - *s);
	*escaped = esc;
	ps->p = q + 1;
	return true;
}

static bool scan_number(struct parser *ps)
{
	const char *q = ps->p, *end = ps->end;
	if (q < end && *q == '-')
		q++;
	if (q < end && *q == '0')
		q++;
	else if (q < end && *q >= '1' && *q <= '9')
		while (q < end && is_digit(*q))
			q++;
	else {
		ps->p = q;
		return fail(ps, H_SYNTAX);
	}
	if (q < end && *q == '.') {
		q++;
		if (q >= end || !is_digit(*q)) {
			ps->p = q;
			return fail(ps, H_SYNTAX);
		}
		while (q < end && is_digit(*q))
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || !is_digit(*q)) {
			ps->p = q;
			return fail(ps, H_SYNTAX);
		}
		while (q < end && is_digit(*q))
			q++;
	}
	ps->p = q;
	return true;
}

static bool scan_literal(struct parser *ps, const char *word, size_t n)
{
	size_t avail = (size_t)(ps->end - ps->p);
	size_t k = avail < n ? avail : n;
	if (memcmp(ps->p, word, k) != 0)
		return fail(ps, H_SYNTAX);
	if (k < n) {
		ps->p = ps->end;
		return fail(ps, H_TRUNCATED);
	}
	ps->p += n;
	return true;
}

static bool skip_value(struct parser *ps, int depth);

/* At '{' or '[': skips a whole container. */
static bool skip_container(struct parser *ps, int depth)
{
	char close = *ps->p == '{' ? '}' : ']';
	bool object = close == '}';
	if (depth >= MAX_DEPTH)
		return fail(ps, H_DEPTH);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		if (object) {
			const char *s;
			size_t n;
			bool esc;
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, H_SYNTAX);
			if (!scan_string(ps, &s, &n, &esc) || !expect(ps, ':'))
				return false;
		}
		if (!skip_value(ps, depth + 1))
			return false;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail(ps, H_TRUNCATED);
		if (*ps->p == close) {
			ps->p++;
			return true;
		}
		if (*ps->p != ',')
			return fail(ps, H_SYNTAX);
		ps->p++;
		skip_ws(ps);
	}
}

static bool skip_value(struct parser *ps, int depth)
{
	const char *s;
	size_t n;
	bool esc;
	if (ps->p >= ps->end)
		return fail(ps, H_TRUNCATED);
	switch (*ps->p) {
	case '"':
		return scan_string(ps, &s, &n, &esc);
	case '{':
	case '[':
		return skip_container(ps, depth);
	case 't':
		return scan_literal(ps, "true", 4);
	case 'f':
		return scan_literal(ps, "false", 5);
	case 'n':
		return scan_literal(ps, "null", 4);
	default:
		return scan_number(ps);
	}
}

/* ---- decoding into the arena ------------------------------------------ */

static bool arena_reserve(struct parser *ps, size_t more)
{
	if (more <= ps->acap - ps->alen)
		return true;
	if (more > SIZE_MAX / 2 - ps->alen)
		return fail(ps, H_NOMEM);
	size_t want = ps->alen + more;
	size_t cap = ps->acap ? ps->acap : 1024;
	while (cap < want)
		cap *= 2;
	char *a = realloc(ps->arena, cap);
	if (!a)
		return fail(ps, H_NOMEM);
	ps->arena = a;
	ps->acap = cap;
	return true;
}

static bool is_control(long u)
{
	return u < 0x20 || (u >= 0x7F && u <= 0x9F);
}

/* Appends code point u as UTF-8, controls replaced (see cdr.h). */
static char *put_code_point(char *o, long u)
{
	if (u == '\t' || u == '\n' || u == '\r')
		*o++ = ' ';
	else if (is_control(u))
		*o++ = '?';
	else if (u < 0x80)
		*o++ = (char)u;
	else if (u < 0x800) {
		*o++ = (char)(0xC0 | (u >> 6));
		*o++ = (char)(0x80 | (u & 0x3F));
	} else if (u < 0x10000) {
		*o++ = (char)(0xE0 | (u >> 12));
		*o++ = (char)(0x80 | ((u >> 6) & 0x3F));
		*o++ = (char)(0x80 | (u & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (u >> 18));
		*o++ = (char)(0x80 | ((u >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((u >> 6) & 0x3F));
		*o++ = (char)(0x80 | (u & 0x3F));
	}
	return o;
}

static char unescape_simple(char e)
{
	switch (e) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return e; /* '"', '\\', '/' */
	}
}

/*
 * Decodes a string already checked by scan_string into the arena (NUL
 * terminated).  Decoded text is never longer than the raw text.
 * sl->replaced tells whether a control character was replaced, so that a
 * field that must be exact (the uniqueid) can refuse what it never saw.
 */
static bool decode_into_arena(struct parser *ps, const char *s, size_t n, struct slot *sl)
{
	if (!arena_reserve(ps, n + 1))
		return false;
	char *o = ps->arena + ps->alen;
	char *o0 = o;
	bool replaced = false;
	const unsigned char *q = (const unsigned char *)s, *end = q + n;
	while (q < end) {
		unsigned char c = *q;
		if (c >= 0x20 && c < 0x7F && c != '\\') {
			*o++ = (char)c;
			q++;
		} else if (c == 0x7F) {
			*o++ = '?';
			replaced = true;
			q++;
		} else if (c == 0xC2 && q[1] <= 0x9F) { /* C1 control */
			*o++ = '?';
			replaced = true;
			q += 2;
		} else if (c >= 0x80) {
			size_t k = utf8_seq(q, end);
			memcpy(o, q, k);
			o += k;
			q += k;
		} else if (q[1] == 'u') {
			long u = read_hex4((const char *)q + 2);
			q += 6;
			if (u >= 0xD800 && u <= 0xDBFF) {
				long lo = read_hex4((const char *)q + 2);
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				q += 6;
			}
			replaced = replaced || is_control(u);
			o = put_code_point(o, u);
		} else {
			unsigned char e = (unsigned char)unescape_simple((char)q[1]);
			replaced = replaced || is_control(e);
			o = put_code_point(o, e);
			q += 2;
		}
	}
	*o = '\0';
	sl->replaced = replaced;
	sl->off = ps->alen;
	sl->len = (size_t)(o - o0);
	ps->alen += sl->len + 1;
	return true;
}

static bool copy_into_arena(struct parser *ps, const char *s, size_t n, struct slot *sl)
{
	if (!arena_reserve(ps, n + 1))
		return false;
	memcpy(ps->arena + ps->alen, s, n);
	ps->arena[ps->alen + n] = '\0';
	sl->replaced = false;
	sl->off = ps->alen;
	sl->len = n;
	ps->alen += n + 1;
	return true;
}

/* ---- field validation ------------------------------------------------- */

/* Checked on the text as voip.ms sent it (after JSON unescaping, before
 * any replacement): two ids that differ only by their control characters
 * ("A\u001b", "A\u0007") must not both become "A?" and collide. */
static bool valid_uniqueid(const struct slot *sl, const char *t)
{
	if ((sl->kind != V_STRING && sl->kind != V_NUMBER) || sl->replaced)
		return false;
	if (sl->len == 0 || sl->len > CDR_UNIQUEID_MAX)
		return false;
	for (size_t i = 0; i < sl->len; i++) {
		char c = t[i];
		if (sl->kind == V_NUMBER ? !is_digit(c) : (c < 0x21 || c > 0x7E))
			return false;
	}
	return true;
}

static bool read_digits(const char *t, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(t[i]))
			return false;
		v = v * 10 + (t[i] - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static bool parse_wall_time(const char *t, size_t n, struct cdr_wall_time *w)
{
	/* "YYYY-MM-DD HH:MM:SS" */
	if (n != 19 || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':' || t[16] != ':')
		return false;
	if (!read_digits(t, 4, &w->year) || !read_digits(t + 5, 2, &w->month) ||
	    !read_digits(t + 8, 2, &w->day) || !read_digits(t + 11, 2, &w->hour) ||
	    !read_digits(t + 14, 2, &w->minute) || !read_digits(t + 17, 2, &w->second))
		return false;
	return w->year >= 1 && w->month >= 1 && w->month <= 12 && w->day >= 1 &&
	       w->day <= days_in_month(w->year, w->month) && w->hour <= 23 && w->minute <= 59 &&
	       w->second <= 59;
}

static bool parse_seconds(const struct slot *sl, const char *t, int64_t *out)
{
	if (sl->kind != V_STRING && sl->kind != V_NUMBER)
		return false;
	if (sl->len == 0 || sl->len > 12) /* > 30000 years of talk is not a call */
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < sl->len; i++) {
		if (!is_digit(t[i]))
			return false;
		v = v * 10 + (t[i] - '0');
	}
	*out = v;
	return true;
}

/* Money: see cdr.h.  Works on the digit text only; no floating point. */
static bool money_units8(const char *t, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (t[i] == '+' || t[i] == '-'))
		neg = t[i++] == '-';
	size_t int_start = i;
	while (i < n && is_digit(t[i]))
		i++;
	size_t int_end = i, frac_start = i, frac_end = i;
	if (i < n && t[i] == '.') {
		frac_start = ++i;
		while (i < n && is_digit(t[i]))
			i++;
		frac_end = i;
	}
	if (int_end == int_start && frac_end == frac_start)
		return false; /* no digit at all */
	long exp10 = 0;
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		bool eneg = false;
		i++;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			eneg = t[i++] == '-';
		size_t e0 = i;
		while (i < n && is_digit(t[i])) {
			exp10 = exp10 * 10 + (t[i] - '0');
			if (exp10 > 100000) /* far beyond int64 range either way */
				return false;
			i++;
		}
		if (i == e0)
			return false;
		if (eneg)
			exp10 = -exp10;
	}
	if (i != n)
		return false;
	/* value = D * 10^(exp10 - nfrac), units = D * 10^shift */
	size_t nfrac = frac_end - frac_start;
	if (nfrac > 1000000)
		return false;
	long shift = exp10 - (long)nfrac + 8;
	/* Walk the digits of D (int part then fraction); the last -shift digits
	 * are below 10^-8 and must be zero. */
	size_t ndig = (int_end - int_start) + nfrac;
	size_t keep = ndig;
	if (shift < 0) {
		size_t drop = (size_t)-shift;
		keep = drop >= ndig ? 0 : ndig - drop;
	}
	uint64_t v = 0;
	const uint64_t limit = (uint64_t)INT64_MAX;
	for (size_t k = 0; k < ndig; k++) {
		size_t pos = k < int_end - int_start ? int_start + k : frac_start + (k - (int_end - int_start));
		unsigned d = (unsigned)(t[pos] - '0');
		if (k >= keep) {
			if (d != 0)
				return false;
			continue;
		}
		if (v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	for (long s = shift; s > 0 && v != 0; s--) {
		if (v > limit / 10)
			return false;
		v *= 10;
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

kc_status cdr_money_parse(const char *text, size_t len, int64_t *units8, kc_error *err)
{
	int64_t v;
	if (text && units8 && money_units8(text, len, &v)) {
		*units8 = v;
		return KC_OK;
	}
	bool printable = text && len > 0 && len <= 40;
	for (size_t i = 0; printable && i < len; i++)
		printable = text[i] >= 0x20 && text[i] < 0x7F;
	if (printable)
		return kc_error_set(err, KC_ERR_INVALID,
			_("\"%.*s\" is not an amount of money with at most 8 decimals"), (int)len, text);
	return kc_error_set(err, KC_ERR_INVALID,
		_("This is not an amount of money with at most 8 decimals"));
}

/* ---- rows ----------------------------------------------------------------- */

static void row_problem(struct parser *ps, enum problem what, enum field_id f)
{
	if (ps->problem == P_NONE) {
		ps->problem = what;
		ps->problem_row = ps->row_index;
		ps->problem_field = f;
	}
}

static const char *slot_text(const struct parser *ps, enum field_id f)
{
	const struct slot *sl = &ps->slots[f];
	if (sl->kind == V_ABSENT || sl->kind == V_COMPOUND)
		return "";
	return ps->arena + sl->off;
}

/* Checks the row just read; fills *row when it is good. */
static bool check_row(struct parser *ps, struct cdr_row *row)
{
	const struct slot *s = ps->slots;
	static const enum field_id required[] = { F_UNIQUEID, F_DATE, F_TOTAL };
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (s[required[i]].kind == V_ABSENT) {
			row_problem(ps, P_MISSING, required[i]);
			return false;
		}
	for (int f = 0; f < F_COUNT; f++)
		if (s[f].kind == V_COMPOUND) {
			row_problem(ps, P_INVALID, (enum field_id)f);
			return false;
		}
	memset(row, 0, sizeof *row);
	row->uniqueid = slot_text(ps, F_UNIQUEID);
	if (!valid_uniqueid(&s[F_UNIQUEID], row->uniqueid)) {
		row_problem(ps, P_INVALID, F_UNIQUEID);
		return false;
	}
	row->date = slot_text(ps, F_DATE);
	if (s[F_DATE].kind != V_STRING || !parse_wall_time(row->date, s[F_DATE].len, &row->when)) {
		row_problem(ps, P_INVALID, F_DATE);
		return false;
	}
	if (s[F_TOTAL].kind == V_LITERAL ||
	    !money_units8(slot_text(ps, F_TOTAL), s[F_TOTAL].len, &row->total_units8)) {
		row_problem(ps, P_INVALID, F_TOTAL);
		return false;
	}
	if (s[F_SECONDS].kind != V_ABSENT &&
	    !parse_seconds(&s[F_SECONDS], slot_text(ps, F_SECONDS), &row->seconds)) {
		row_problem(ps, P_INVALID, F_SECONDS);
		return false;
	}
	row->destination = slot_text(ps, F_DESTINATION);
	row->callerid = slot_text(ps, F_CALLERID);
	row->description = slot_text(ps, F_DESCRIPTION);
	row->disposition = slot_text(ps, F_DISPOSITION);
	row->account = slot_text(ps, F_ACCOUNT);
	row->destination_type = slot_text(ps, F_DESTINATION_TYPE);
	row->index = ps->row_index;
	return true;
}

static bool finish_row(struct parser *ps)
{
	struct cdr_row row;
	ps->row_index++;
	bool good = check_row(ps, &row);
	if (good && ps->deliver && ps->problem == P_NONE && ps->fn) {
		int rc = ps->fn(&row, ps->ctx);
		if (rc != 0) {
			ps->stop_code = rc;
			return fail(ps, H_STOPPED);
		}
		ps->delivered++;
	}
	memset(ps->slots, 0, sizeof ps->slots);
	ps->alen = 0;
	return true;
}

static int match_field(const char *k, size_t n)
{
	for (int f = 0; f < F_COUNT; f++)
		if (field_names[f].len == n && memcmp(field_names[f].name, k, n) == 0)
			return f;
	return -1;
}

/* Reads the value of a known field into its slot (last one wins). */
static bool read_field(struct parser *ps, struct slot *sl)
{
	const char *start = ps->p, *s;
	size_t n;
	bool esc;
	if (ps->p >= ps->end)
		return fail(ps, H_TRUNCATED);
	switch (*ps->p) {
	case '"':
		if (!scan_string(ps, &s, &n, &esc) || !decode_into_arena(ps, s, n, sl))
			return false;
		sl->kind = V_STRING;
		return true;
	case '{':
	case '[':
		sl->kind = V_COMPOUND;
		return skip_container(ps, 2);
	case 'n':
		sl->kind = V_ABSENT;
		return scan_literal(ps, "null", 4);
	case 't':
	case 'f':
		if (!skip_value(ps, 2))
			return false;
		sl->kind = V_LITERAL;
		return copy_into_arena(ps, start, (size_t)(ps->p - start), sl);
	default:
		if (!scan_number(ps))
			return false;
		sl->kind = V_NUMBER;
		return copy_into_arena(ps, start, (size_t)(ps->p - start), sl);
	}
}

/* Decodes a key that holds escapes into the arena tail; -1 if unknown. */
static int match_escaped_key(struct parser *ps, const char *k, size_t n)
{
	struct slot tmp;
	size_t mark = ps->alen;
	if (!decode_into_arena(ps, k, n, &tmp))
		return -2;
	int f = match_field(ps->arena + tmp.off, tmp.len);
	ps->alen = mark;
	return f;
}

static bool parse_row(struct parser *ps)
{
	if (ps->p >= ps->end)
		return fail(ps, H_TRUNCATED);
	if (*ps->p != '{')
		return fail(ps, H_SHAPE);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return finish_row(ps);
	}
	for (;;) {
		const char *k;
		size_t n;
		bool esc;
		if (ps->p >= ps->end || *ps->p != '"')
			return fail(ps, H_SYNTAX);
		if (!scan_string(ps, &k, &n, &esc) || !expect(ps, ':'))
			return false;
		int f = esc ? match_escaped_key(ps, k, n) : match_field(k, n);
		if (f == -2)
			return false;
		if (!(f >= 0 ? read_field(ps, &ps->slots[f]) : skip_value(ps, 2)))
			return false;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail(ps, H_TRUNCATED);
		if (*ps->p == '}') {
			ps->p++;
			return finish_row(ps);
		}
		if (*ps->p != ',')
			return fail(ps, H_SYNTAX);
		ps->p++;
		skip_ws(ps);
	}
}

static bool parse_cdr(struct parser *ps)
{
	if (ps->p >= ps->end)
		return fail(ps, H_TRUNCATED);
	if (*ps->p == '{')
		return parse_row(ps);
	if (*ps->p == 'n')
		return scan_literal(ps, "null", 4);
	if (*ps->p != '[')
		return fail(ps, H_SHAPE);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return true;
	}
	for (;;) {
		if (!parse_row(ps))
			return false;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail(ps, H_TRUNCATED);
		if (*ps->p == ']') {
			ps->p++;
			return true;
		}
		if (*ps->p != ',')
			return fail(ps, H_SYNTAX);
		ps->p++;
		skip_ws(ps);
	}
}

static bool status_char_ok(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '.' || c == '-';
}

static bool read_status(struct parser *ps)
{
	const char *s;
	size_t n;
	bool esc;
	if (ps->status_seen) {
		ps->dup_key = "status";
		return fail(ps, H_DUPLICATE);
	}
	ps->status_seen = true;
	if (ps->p >= ps->end)
		return fail(ps, H_TRUNCATED);
	if (*ps->p != '"')
		return skip_value(ps, 1); /* not a string: no status */
	if (!scan_string(ps, &s, &n, &esc))
		return false;
	ps->status_is_string = true;
	if (esc) {
		struct slot tmp;
		size_t mark = ps->alen;
		if (!decode_into_arena(ps, s, n, &tmp))
			return false;
		s = ps->arena + tmp.off;
		n = tmp.len;
		ps->alen = mark;
	}
	bool ok = n > 0 && n < sizeof ps->status;
	for (size_t i = 0; ok && i < n; i++)
		ok = status_char_ok(s[i]);
	if (ok) {
		memcpy(ps->status, s, n);
		ps->status[n] = '\0';
	} else {
		memcpy(ps->status, "?", 2);
	}
	return true;
}

/* 1 for "status", 2 for "cdr", 0 for another key, -1 on failure. */
static int top_key(struct parser *ps, const char *k, size_t n, bool esc)
{
	if (esc) {
		struct slot tmp;
		size_t mark = ps->alen;
		if (!decode_into_arena(ps, k, n, &tmp))
			return -1;
		k = ps->arena + tmp.off;
		n = tmp.len;
		ps->alen = mark; /* the text stays readable until the next decode */
	}
	if (n == 6 && memcmp(k, "status", 6) == 0)
		return 1;
	if (n == 3 && memcmp(k, "cdr", 3) == 0)
		return 2;
	return 0;
}

static bool parse_top(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, H_TRUNCATED);
	if (*ps->p != '{')
		return fail(ps, H_SYNTAX);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}')
		ps->p++;
	else
		for (;;) {
			const char *k;
			size_t n;
			bool esc;
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, H_SYNTAX);
			if (!scan_string(ps, &k, &n, &esc) || !expect(ps, ':'))
				return false;
			int which = top_key(ps, k, n, esc);
			bool ok;
			if (which < 0)
				return false;
			if (which == 1)
				ok = read_status(ps);
			else if (which == 2) {
				if (ps->cdr_seen) {
					ps->dup_key = "cdr";
					return fail(ps, H_DUPLICATE);
				}
				ps->cdr_seen = true;
				ok = parse_cdr(ps);
			} else
				ok = skip_value(ps, 1);
			if (!ok)
				return false;
			skip_ws(ps);
			if (ps->p >= ps->end)
				return fail(ps, H_TRUNCATED);
			if (*ps->p == '}') {
				ps->p++;
				break;
			}
			if (*ps->p != ',')
				return fail(ps, H_SYNTAX);
			ps->p++;
			skip_ws(ps);
		}
	skip_ws(ps);
	if (ps->p != ps->end)
		return fail(ps, H_SYNTAX);
	return true;
}

/* ---- entry points ------------------------------------------------------- */

static kc_status report_hard(struct parser *ps)
{
	kc_error *err = ps->err;
	switch (ps->hard) {
	case H_TRUNCATED:
		return kc_error_set(err, KC_ERR_INVALID,
			_("The answer from voip.ms is cut off (it ends after %zu bytes)"),
			(size_t)(ps->end - ps->start));
	case H_DEPTH:
		return kc_error_set(err, KC_ERR_INVALID, _("The answer from voip.ms is nested too deeply"));
	case H_DUPLICATE:
		return kc_error_set(err, KC_ERR_INVALID,
			_("The answer from voip.ms has the key \"%s\" twice"), ps->dup_key);
	case H_SHAPE:
		return kc_error_set(err, KC_ERR_INVALID,
			_("The answer from voip.ms has a \"cdr\" that is not a list of calls"));
	case H_NOMEM:
		return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
	case H_STOPPED:
		if (err && err->code != KC_OK)
			return err->code;
		return kc_error_set(err, KC_ERR_INTERNAL, _("The import of the calls was stopped"));
	case H_SYNTAX:
	case H_NONE:
		break;
	}
	return kc_error_set(err, KC_ERR_INVALID,
		_("The answer from voip.ms is not valid JSON (at byte %zu)"), ps->hard_at);
}

static kc_status report_problem(struct parser *ps)
{
	const char *name = field_names[ps->problem_field].name;
	if (ps->problem == P_MISSING)
		return kc_error_set(ps->err, KC_ERR_INVALID,
			_("Call number %zu in the answer from voip.ms has no \"%s\""), ps->problem_row, name);
	return kc_error_set(ps->err, KC_ERR_INVALID,
		_("Call number %zu in the answer from voip.ms has an invalid \"%s\""), ps->problem_row, name);
}

static void run(struct parser *ps, const char *body, size_t len, bool deliver)
{
	ps->start = ps->p = body;
	ps->end = body + len;
	ps->deliver = deliver;
	ps->row_index = 0;
	ps->alen = 0;
	ps->status_seen = ps->status_is_string = ps->cdr_seen = false;
	memset(ps->slots, 0, sizeof ps->slots);
	parse_top(ps);
}

kc_status cdr_parse_answer_ex(const char *body, size_t len, cdr_row_fn fn, void *ctx,
	struct cdr_answer *info, kc_error *err)
{
	struct parser ps;
	memset(&ps, 0, sizeof ps);
	ps.fn = fn;
	ps.ctx = ctx;
	ps.err = err;
	if (info)
		memset(info, 0, sizeof *info);
	if (!body)
		body = "";

	run(&ps, body, len, false);
	kc_status rc = KC_OK;
	if (ps.hard != H_NONE)
		rc = report_hard(&ps);
	else if (!ps.status_is_string)
		rc = kc_error_set(err, KC_ERR_INVALID, _("The answer from voip.ms has no status"));
	if (info && ps.status_is_string)
		memcpy(info->status, ps.status, sizeof info->status);
	if (rc != KC_OK)
		goto out;
	bool empty = strcmp(ps.status, "no_cdr") == 0;
	if (!empty && strcmp(ps.status, "success") != 0) {
		rc = kc_error_set(err, KC_ERR_NET, _("voip.ms answered with the status \"%s\""), ps.status);
		goto out;
	}
	if (ps.problem != P_NONE) {
		rc = report_problem(&ps);
		goto out;
	}
	if (!empty && fn && ps.row_index > 0) {
		run(&ps, body, len, true);
		if (ps.hard != H_NONE)
			rc = report_hard(&ps);
	}
	if (info)
		info->rows = ps.delivered;
out:
	free(ps.arena);
	return rc;
}

kc_status cdr_parse_answer(const char *body, size_t len, cdr_row_fn fn, void *ctx, kc_error *err)
{
	return cdr_parse_answer_ex(body, len, fn, ctx, NULL, err);
}
