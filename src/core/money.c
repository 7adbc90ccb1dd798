/* money.c: exact integer money (see money.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "money.h"

/* ---- 128-bit helpers: exact products without compiler extensions ---- */

typedef struct u128 {
	uint64_t hi, lo;
} u128;

static u128 u128_mul(uint64_t a, uint64_t b)
{
	uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
	uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
	uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi;
	uint64_t hl = a_hi * b_lo, hh = a_hi * b_hi;
	/* Middle column: never overflows (each term < 2^32 after the shift). */
	uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
	u128 r;
	r.lo = (mid << 32) | (ll & 0xffffffffu);
	r.hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return r;
}

/* n / d and n % d for d <= 2^63, by binary long division. */
static u128 u128_divmod(u128 n, uint64_t d, uint64_t *rem)
{
	u128 q = { 0, 0 };
	uint64_t r = 0;
	for (int i = 127; i >= 0; i--) {
		uint64_t bit = i >= 64 ? (n.hi >> (i - 64)) & 1u : (n.lo >> i) & 1u;
		r = (r << 1) | bit; /* r < d <= 2^63, so this cannot overflow */
		if (r >= d) {
			r -= d;
			if (i >= 64)
				q.hi |= UINT64_C(1) << (i - 64);
			else
				q.lo |= UINT64_C(1) << i;
		}
	}
	*rem = r;
	return q;
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
}

/* The int64 with this sign and magnitude, if it fits. */
static bool signed_from(uint64_t mag, bool negative, int64_t *out)
{
	uint64_t limit = (uint64_t)INT64_MAX + (negative ? 1u : 0u);
	if (mag > limit)
		return false;
	*out = negative ? (mag == 0 ? 0 : -(int64_t)(mag - 1u) - 1) : (int64_t)mag;
	return true;
}

/* ---- arithmetic ---- */

bool money_add(int64_t a, int64_t b, int64_t *out)
{
	if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
		return false;
	*out = a + b;
	return true;
}

bool money_sub(int64_t a, int64_t b, int64_t *out)
{
	if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b))
		return false;
	*out = a - b;
	return true;
}

bool money_mul(int64_t a, int64_t factor, int64_t *out)
{
	return money_mul_rate(a, factor, 1, out);
}

bool money_mul_rate(int64_t amount, int64_t num, int64_t den, int64_t *out)
{
	if (den == 0)
		return false;
	bool negative = (amount < 0) != (num < 0);
	if (den < 0)
		negative = !negative;
	uint64_t d = magnitude(den), rem;
	u128 q = u128_divmod(u128_mul(magnitude(amount), magnitude(num)), d, &rem);
	if (rem >= d - rem) { /* half or more: away from zero */
		if (++q.lo == 0)
			q.hi++;
	}
	if (q.hi != 0)
		return false;
	return signed_from(q.lo, negative, out);
}

bool money_percent(kc_cents amount, int32_t thousandths_pct, kc_cents *out)
{
	return money_mul_rate(amount, thousandths_pct, 100000, out);
}

kc_cents money_units8_to_cents(kc_units8 units)
{
	kc_cents q = units / MONEY_UNITS8_PER_CENT;
	kc_units8 r = units % MONEY_UNITS8_PER_CENT; /* same sign as units */
	if (r >= MONEY_UNITS8_PER_CENT / 2)
		q++;
	else if (r <= -MONEY_UNITS8_PER_CENT / 2)
		q--;
	return q;
}

bool money_cents_to_units8(kc_cents cents, kc_units8 *out)
{
	return money_mul(cents, MONEY_UNITS8_PER_CENT, out);
}

/* ---- parsing ---- */

enum sep_kind { SEP_NONE, SEP_DOT, SEP_COMMA, SEP_SPACE, SEP_KINDS };

#define NNBSP "\xe2\x80\xaf" /* U+202F NARROW NO-BREAK SPACE */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Bytes of the space-like character starting at p, or 0. */
static size_t space_at(const char *p, const char *end)
{
	if (p < end && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
		return 1;
	if (end - p >= 2 && memcmp(p, MONEY_NBSP, 2) == 0)
		return 2;
	if (end - p >= 3 && memcmp(p, NNBSP, 3) == 0)
		return 3;
	return 0;
}

/* Bytes of the space-like character ending at end, or 0. */
static size_t space_before(const char *begin, const char *end)
{
	if (end > begin && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
		return 1;
	if (end - begin >= 2 && memcmp(end - 2, MONEY_NBSP, 2) == 0)
		return 2;
	if (end - begin >= 3 && memcmp(end - 3, NNBSP, 3) == 0)
		return 3;
	return 0;
}

static void trim(const char **begin, const char **end)
{
	size_t k;
	while ((k = space_at(*begin, *end)) > 0)
		*begin += k;
	while ((k = space_before(*begin, *end)) > 0)
		*end -= k;
}

/* Bytes of the separator at p and its kind, or 0. */
static size_t sep_at(const char *p, const char *end, enum sep_kind *kind)
{
	*kind = *p == '.' ? SEP_DOT : *p == ',' ? SEP_COMMA : SEP_SPACE;
	if (*p == '.' || *p == ',' || *p == ' ')
		return 1;
	if (end - p >= 2 && memcmp(p, MONEY_NBSP, 2) == 0)
		return 2;
	if (end - p >= 3 && memcmp(p, NNBSP, 3) == 0)
		return 3;
	return 0;
}

/* Adds one digit to a magnitude bounded by limit. */
static bool acc_digit(uint64_t *mag, unsigned digit, uint64_t limit)
{
	if (*mag > (limit - digit) / 10)
		return false;
	*mag = *mag * 10 + digit;
	return true;
}

/* What an amount's digits mean once its separators are understood. */
struct amount_body {
	const char *begin, *end; /* digits and separators */
	const char *point;       /* decimal separator, or NULL */
	enum sep_kind group;     /* thousands separator kind, or SEP_NONE */
};

enum parse_fail { PF_OK, PF_SYNTAX, PF_AMBIGUOUS, PF_GROUPS, PF_DECIMALS, PF_RANGE };

/* A leading thousands group: 1 to 3 digits, no leading zero. */
static bool first_group_ok(const char *begin, const char *end)
{
	return end - begin >= 1 && end - begin <= 3 && *begin != '0';
}

/* Finds the decimal separator and the grouping kind of body->[begin,end). */
static enum parse_fail classify(struct amount_body *body)
{
	unsigned count[SEP_KINDS] = { 0 };
	enum sep_kind last = SEP_NONE, kind;
	const char *last_pos = NULL;
	bool after_sep = true;
	for (const char *p = body->begin; p < body->end;) {
		if (is_digit(*p)) {
			after_sep = false;
			p++;
			continue;
		}
		size_t k = sep_at(p, body->end, &kind);
		if (k == 0 || (after_sep && p != body->begin))
			return PF_SYNTAX;
		count[kind]++;
		last = kind;
		last_pos = p;
		after_sep = true;
		p += k;
	}
	if (after_sep) /* empty, or ends with a separator */
		return PF_SYNTAX;
	body->point = NULL;
	body->group = SEP_NONE;
	if (last == SEP_NONE)
		return PF_OK;
	enum sep_kind other = last == SEP_DOT ? SEP_COMMA : SEP_DOT;
	if (last == SEP_SPACE || count[last] > 1) {
		/* Only one kind, all thousands separators. */
		for (int i = SEP_DOT; i < SEP_KINDS; i++)
			if (i != (int)last && count[i] > 0)
				return PF_SYNTAX;
		body->group = last;
	} else if (count[other] > 0 || count[SEP_SPACE] > 0) {
		if (count[other] > 0 && count[SEP_SPACE] > 0)
			return PF_SYNTAX;
		body->point = last_pos;
		body->group = count[other] > 0 ? other : SEP_SPACE;
	} else {
		body->point = last_pos;
		if (body->end - last_pos - 1 == 3 && first_group_ok(body->begin, last_pos))
			return PF_AMBIGUOUS; /* "1,234": 1234 or 1.234? */
	}
	/* Only a decimal separator may come first (".50"). */
	return is_digit(*body->begin) || body->begin == body->point ? PF_OK : PF_SYNTAX;
}

/* Thousands groups of the integer part: 1-3 digits, then threes. */
static enum parse_fail check_groups(const struct amount_body *body)
{
	if (body->group == SEP_NONE)
		return PF_OK;
	const char *int_end = body->point ? body->point : body->end;
	const char *group = body->begin;
	bool first = true;
	enum sep_kind kind;
	for (const char *p = body->begin; p <= int_end;) {
		if (p < int_end && is_digit(*p)) {
			p++;
			continue;
		}
		bool ok = first ? first_group_ok(group, p) : p - group == 3;
		if (!ok)
			return PF_GROUPS;
		if (p == int_end)
			break;
		first = false;
		p += sep_at(p, int_end, &kind);
		group = p;
	}
	return PF_OK;
}

/* The value in units of 10^-decimals; digits after decimals refused. */
static enum parse_fail body_value(const struct amount_body *body, unsigned decimals,
				  bool negative, int64_t *out)
{
	const char *int_end = body->point ? body->point : body->end;
	const char *frac = body->point ? body->point + 1 : body->end;
	if ((size_t)(body->end - frac) > decimals)
		return PF_DECIMALS;
	uint64_t limit = (uint64_t)INT64_MAX + (negative ? 1u : 0u), mag = 0;
	for (const char *p = body->begin; p < int_end; p++)
		if (is_digit(*p) && !acc_digit(&mag, (unsigned)(*p - '0'), limit))
			return PF_RANGE;
	for (unsigned i = 0; i < decimals; i++) {
		unsigned digit = frac + i < body->end ? (unsigned)(frac[i] - '0') : 0;
		if (!acc_digit(&mag, digit, limit))
			return PF_RANGE;
	}
	return signed_from(mag, negative, out) ? PF_OK : PF_RANGE;
}

static kc_status parse_message(enum parse_fail why, const char *text, unsigned decimals,
			       kc_error *err)
{
	switch (why) {
	case PF_AMBIGUOUS:
		return kc_error_set(err, KC_ERR_INVALID,
				    _("Ambiguous amount \"%s\": write it without a thousands "
				      "separator, or with 2 decimals."), text);
	case PF_GROUPS:
		return kc_error_set(err, KC_ERR_INVALID,
				    _("Invalid amount \"%s\": misplaced thousands separator."), text);
	case PF_DECIMALS:
		return kc_error_set(err, KC_ERR_INVALID,
				    _("Invalid amount \"%s\": at most %u decimals."), text, decimals);
	case PF_RANGE:
		return kc_error_set(err, KC_ERR_INVALID, _("Amount \"%s\" is too large."), text);
	case PF_OK:
	case PF_SYNTAX:
		break;
	}
	return kc_error_set(err, KC_ERR_INVALID, _("\"%s\" is not an amount."), text);
}

/* The message for a refused amount; text is shown quoted (kc.h). */
static kc_status parse_error(enum parse_fail why, const char *text, unsigned decimals,
			     kc_error *err)
{
	if (!err)
		return KC_ERR_INVALID;
	char *shown = kc_quote_for_message(text, KC_QUOTE_MAX);
	kc_status rc = parse_message(why, shown ? shown : "?", decimals, err);
	free(shown);
	return rc;
}

/* Splits "-$12.00", "$-12", "12,00 $" into sign and body. */
static enum parse_fail split_amount(const char *text, bool *negative, struct amount_body *body)
{
	const char *s = text, *e = text + strlen(text);
	bool dollar = false, sign = false;
	trim(&s, &e);
	*negative = false;
	if (s < e && (*s == '-' || *s == '+')) {
		sign = true;
		*negative = *s++ == '-';
	}
	if (s < e && *s == '$') {
		dollar = true;
		s++;
		if (!sign && s < e && (*s == '-' || *s == '+'))
			*negative = *s++ == '-';
		trim(&s, &e);
	}
	if (!dollar && s < e && e[-1] == '$') {
		e--;
		trim(&s, &e);
	}
	body->begin = s;
	body->end = e;
	return s < e ? PF_OK : PF_SYNTAX;
}

static bool is_blank(const char *text)
{
	const char *s = text, *e = text + strlen(text);
	trim(&s, &e);
	return s == e;
}

kc_status money_parse(const char *text, kc_cents *out, kc_error *err)
{
	if (!text || is_blank(text))
		return kc_error_set(err, KC_ERR_INVALID, _("An amount is required."));
	bool negative;
	struct amount_body body;
	kc_cents value = 0;
	enum parse_fail why = split_amount(text, &negative, &body);
	if (why == PF_OK)
		why = classify(&body);
	if (why == PF_OK)
		why = check_groups(&body);
	if (why == PF_OK)
		why = body_value(&body, 2, negative, &value);
	if (why != PF_OK)
		return parse_error(why, text, 2, err);
	*out = value;
	return KC_OK;
}

kc_status money_parse_units8(const char *text, kc_units8 *out, kc_error *err)
{
	if (!text || is_blank(text))
		return kc_error_set(err, KC_ERR_INVALID, _("An amount is required."));
	const char *s = text, *e = text + strlen(text);
	trim(&s, &e);
	bool negative = false;
	if (*s == '-' || *s == '+')
		negative = *s++ == '-';
	struct amount_body body = { s, e, NULL, SEP_NONE };
	enum parse_fail why = s < e ? PF_OK : PF_SYNTAX;
	for (const char *p = s; why == PF_OK && p < e; p++) {
		if (*p == '.' && !body.point && p + 1 < e)
			body.point = p;
		else if (!is_digit(*p))
			why = PF_SYNTAX;
	}
	kc_units8 value = 0;
	if (why == PF_OK)
		why = body_value(&body, 8, negative, &value);
	if (why != PF_OK)
		return parse_error(why, text, 8, err);
	*out = value;
	return KC_OK;
}

/* ---- formatting ---- */

/*
 * Appends |value| / 10^decimals with the integer part grouped by threes
 * with `group` (NULL: no grouping), then `point` and the decimals.
 */
static bool append_magnitude(strbuf *sb, int64_t value, unsigned decimals, char point,
			     const char *group)
{
	char digits[24]; /* 2^64 has 20 digits */
	size_t n = 0;
	uint64_t mag = magnitude(value);
	do {
		digits[n++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag > 0 || n <= decimals);
	/* digits[] holds the number backwards, with at least one integer digit. */
	for (size_t i = n; i-- > decimals;) {
		strbuf_appendc(sb, digits[i]);
		if (group && i > decimals && (i - decimals) % 3 == 0)
			strbuf_append(sb, group);
	}
	if (decimals > 0) {
		strbuf_appendc(sb, point);
		for (size_t i = decimals; i-- > 0;)
			strbuf_appendc(sb, digits[i]);
	}
	return !strbuf_failed(sb);
}

bool money_append_plain(strbuf *sb, kc_cents cents)
{
	if (cents < 0)
		strbuf_appendc(sb, '-');
	return append_magnitude(sb, cents, 2, '.', NULL);
}

bool money_append_units8(strbuf *sb, kc_units8 units)
{
	if (units < 0)
		strbuf_appendc(sb, '-');
	return append_magnitude(sb, units, 8, '.', NULL);
}

bool money_append_locale(strbuf *sb, kc_cents cents, enum money_style style)
{
	if (cents < 0)
		strbuf_appendc(sb, '-');
	if (style == MONEY_FR_CA) {
		append_magnitude(sb, cents, 2, ',', MONEY_NBSP);
		return strbuf_append(sb, MONEY_NBSP "$");
	}
	strbuf_appendc(sb, '$');
	return append_magnitude(sb, cents, 2, '.', ",");
}

char *money_format_plain(kc_cents cents)
{
	strbuf sb = STRBUF_INIT;
	money_append_plain(&sb, cents);
	return strbuf_detach(&sb);
}

char *money_format_units8(kc_units8 units)
{
	strbuf sb = STRBUF_INIT;
	money_append_units8(&sb, units);
	return strbuf_detach(&sb);
}

char *money_format_locale(kc_cents cents, enum money_style style)
{
	strbuf sb = STRBUF_INIT;
	money_append_locale(&sb, cents, style);
	return strbuf_detach(&sb);
}

enum money_style money_style_from_language(const char *language)
{
	if (language && (language[0] == 'f' || language[0] == 'F') &&
	    (language[1] == 'r' || language[1] == 'R') &&
	    strchr("_-.@", language[2]) != NULL)
		return MONEY_FR_CA;
	return MONEY_EN_CA;
}
