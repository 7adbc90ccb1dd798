/*
 * settings.c: kenoconsole.ini reading (see settings.h for the contract).
 *
 * How a file is read, and why in this order:
 *  1. The text is read once through one descriptor (size cap, NUL bytes
 *     refused, permissions taken from fstat of that descriptor).
 *  2. A scan of the raw lines of our own (raw_scan) refuses everything
 *     iniparser 4.1 would silently get wrong: a value cut at '#' or ';', a
 *     line joined to the next by a trailing backslash, keys before any
 *     section, names with ':' that break its "section:key" scheme, a
 *     malformed line (which iniparser would echo to stderr, password
 *     included).  It also remembers the line of every key, since iniparser
 *     gives no line numbers.
 *  3. iniparser_load() parses the file with a silent error callback; the
 *     dictionary is walked section by section (getnsec/getsecname/
 *     getseckeys), never by looking up names, and each value is checked
 *     against the scan before it is validated by the key's table row.
 *  Values are only ever read as strings: iniparser's typed getters read
 *  "010" as octal and accept garbage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser/iniparser.h>

#include "kc.h"
#include "money.h"
#include "settings.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define MAX_FILE_BYTES (1024 * 1024)
/* iniparser 4.1 reads a line into 1024 bytes and fails on longer ones. */
#define MAX_LINE_BYTES 1000
#define MONEY_MAX_CENTS INT64_C(100000000) /* 1 000 000.00 $ */

/* ------------------------------------------------------------------ */
/* Small string helpers                                               */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool name_char(char c)
{
	c = ascii_lower(c);
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-' || c == '.';
}

/* Trims [*b, *e) of white space at both ends. */
static void trim(const char **b, const char **e)
{
	while (*b < *e && is_space(**b))
		(*b)++;
	while (*e > *b && is_space((*e)[-1]))
		(*e)--;
}

/* A lower-case copy of [b, e) when every byte is a name character, else NULL
 * with *bad set (NULL and !*bad means out of memory). */
static char *name_dup(const char *b, const char *e, bool *bad)
{
	*bad = (b == e);
	for (const char *p = b; p < e && !*bad; p++)
		*bad = !name_char(*p);
	if (*bad)
		return NULL;
	char *out = kc_strndup(b, (size_t)(e - b));
	for (char *p = out; p && *p; p++)
		*p = ascii_lower(*p);
	return out;
}

static void free_wiped(char *p)
{
	if (p) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

/* Replaces *field by a copy of v (NULL when empty and empty_is_null). */
static kc_status set_field(char **field, const char *v, bool empty_is_null)
{
	char *copy = NULL;
	if (!(empty_is_null && v[0] == '\0')) {
		copy = kc_strdup(v);
		if (!copy)
			return KC_ERR_NOMEM;
	}
	free_wiped(*field);
	*field = copy;
	return KC_OK;
}

/* ------------------------------------------------------------------ */
/* Paths                                                              */

/* The home directory as a new string, or NULL (*st says NOMEM or not). */
static char *home_dir(kc_status *st)
{
	*st = KC_OK;
	const char *h = getenv("HOME");
	if (h && h[0] == '/') {
		char *out = kc_strdup(h);
		if (!out)
			*st = KC_ERR_NOMEM;
		return out;
	}
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t bufsz = sz > 0 ? (size_t)sz : 16384;
	char *buf = malloc(bufsz);
	if (!buf) {
		*st = KC_ERR_NOMEM;
		return NULL;
	}
	struct passwd pw, *res = NULL;
	char *out = NULL;
	if (getpwuid_r(getuid(), &pw, buf, bufsz, &res) == 0 && res && res->pw_dir &&
	    res->pw_dir[0] == '/') {
		out = kc_strdup(res->pw_dir);
		if (!out)
			*st = KC_ERR_NOMEM;
	}
	free(buf);
	return out;
}

/* $env/tail when env holds an absolute path (XDG rule), else ~/fallback/tail. */
static kc_status xdg_path(const char *env, const char *fallback, const char *tail, char **out)
{
	const char *base = getenv(env);
	if (base && base[0] == '/') {
		*out = kc_asprintf("%s/%s", base, tail);
		return *out ? KC_OK : KC_ERR_NOMEM;
	}
	kc_status st;
	char *home = home_dir(&st);
	*out = NULL;
	if (!home)
		return st;
	*out = kc_asprintf("%s/%s/%s", home, fallback, tail);
	free(home);
	return *out ? KC_OK : KC_ERR_NOMEM;
}

char *settings_system_path(void)
{
	return kc_strdup(SYSCONFDIR "/kenoconsole/kenoconsole.ini");
}

char *settings_user_path(void)
{
	char *out = NULL;
	(void)xdg_path("XDG_CONFIG_HOME", ".config", "kenoconsole/kenoconsole.ini", &out);
	return out;
}

/* ------------------------------------------------------------------ */
/* Defaults, copy, free                                               */

#define STRING_FIELD(f) offsetof(struct kc_settings, f)
static const size_t string_fields[] = {
	STRING_FIELD(db_path),      STRING_FIELD(gst_number),      STRING_FIELD(qst_number),
	STRING_FIELD(business_hours), STRING_FIELD(keymap),        STRING_FIELD(editor),
	STRING_FIELD(voipms_url),   STRING_FIELD(voipms_username), STRING_FIELD(voipms_password),
	STRING_FIELD(voipms_conversion_rate), STRING_FIELD(office_zone),
};
#define N_STRING_FIELDS (sizeof string_fields / sizeof string_fields[0])

static char **string_at(struct kc_settings *s, size_t i)
{
	return (char **)(void *)((char *)s + string_fields[i]);
}

static void free_binding(struct settings_key_binding *b)
{
	free(b->action);
	free(b->keys);
	free(b->file);
}

void settings_free(struct kc_settings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < N_STRING_FIELDS; i++)
		free_wiped(*string_at(s, i));
	free(s->extra_holidays);
	for (size_t i = 0; i < s->n_key_bindings; i++)
		free_binding(&s->key_bindings[i]);
	free(s->key_bindings);
	memset(s, 0, sizeof *s);
}

kc_status settings_defaults(struct kc_settings *s)
{
	if (!s)
		return KC_ERR_INVALID;
	memset(s, 0, sizeof *s);
	kc_status st = xdg_path("XDG_DATA_HOME", ".local/share", "kenoconsole/kenoconsole.sqlite",
				&s->db_path);
	s->db_busy_timeout_ms = 5000;
	s->billing_cycle = SETTINGS_CYCLE_MONTHLY;
	s->minimum_support_charge = 5000;
	s->first_payment_usage_percent = 100;
	s->usage_markup_percent = 0;
	s->consulting_hourly_rate = 12000;
	s->chargeback_fee = 3500;
	s->support_charge_basic = 5000;
	s->support_charge_fully_administered = 15000;
	s->gst_number = kc_strdup("123456789 RT0001");
	s->qst_number = kc_strdup("1234567890 TQ0001");
	s->business_hours = kc_strdup("mon-fri 09:00-17:00");
	s->business_days = 0x3e; /* Monday..Friday as tm_wday bits */
	s->business_open_minute = 9 * 60;
	s->business_close_minute = 17 * 60;
	s->easter = SETTINGS_EASTER_GOOD_FRIDAY;
	s->credit_percent = 10;
	s->credit_monthly_cap = 25000;
	s->credit_window_days = 30;
	s->language = SETTINGS_LANG_AUTO;
	s->theme = SETTINGS_THEME_DEFAULT;
	s->voipms_url = kc_strdup("https://voip.ms/api/v1/rest.php");
	s->voipms_connect_timeout = 10;
	s->voipms_timeout = 60;
	s->voipms_max_response_bytes = INT64_C(64) * 1024 * 1024;
	s->voipms_timezone = -5;
	memcpy(s->voipms_currency, "CAD", 4);
	s->office_zone = kc_strdup("America/Toronto");
	if (st != KC_OK || !s->gst_number || !s->qst_number || !s->business_hours ||
	    !s->voipms_url || !s->office_zone) {
		settings_free(s);
		return KC_ERR_NOMEM;
	}
	return KC_OK;
}

/* Deep copy of src into dst (dst overwritten). */
static kc_status settings_clone(struct kc_settings *dst, const struct kc_settings *src)
{
	*dst = *src;
	dst->extra_holidays = NULL;
	dst->key_bindings = NULL;
	dst->n_key_bindings = 0;
	for (size_t i = 0; i < N_STRING_FIELDS; i++)
		*string_at(dst, i) = NULL;
	bool ok = true;
	for (size_t i = 0; i < N_STRING_FIELDS; i++) {
		const char *v = *string_at((struct kc_settings *)src, i);
		if (v && !(*string_at(dst, i) = kc_strdup(v)))
			ok = false;
	}
	if (ok && src->n_extra_holidays) {
		size_t bytes = src->n_extra_holidays * sizeof *src->extra_holidays;
		dst->extra_holidays = malloc(bytes);
		if (dst->extra_holidays)
			memcpy(dst->extra_holidays, src->extra_holidays, bytes);
		else
			ok = false;
	}
	if (ok && src->n_key_bindings) {
		dst->key_bindings = calloc(src->n_key_bindings, sizeof *dst->key_bindings);
		ok = dst->key_bindings != NULL;
		for (size_t i = 0; ok && i < src->n_key_bindings; i++) {
			const struct settings_key_binding *b = &src->key_bindings[i];
			struct settings_key_binding *c = &dst->key_bindings[i];
			dst->n_key_bindings = i + 1;
			c->action = kc_strdup(b->action);
			c->keys = kc_strdup(b->keys);
			c->file = kc_strdup(b->file);
			c->line = b->line;
			ok = c->action && c->keys && c->file;
		}
	}
	if (!ok) {
		settings_free(dst);
		return KC_ERR_NOMEM;
	}
	return KC_OK;
}

/* ------------------------------------------------------------------ */
/* [keys]                                                             */

const struct settings_key_binding *settings_key_bindings(const struct kc_settings *s, size_t *n)
{
	if (n)
		*n = s ? s->n_key_bindings : 0;
	return s ? s->key_bindings : NULL;
}

const struct settings_key_binding *settings_key_binding_find(const struct kc_settings *s,
							     const char *action)
{
	if (!s || !action)
		return NULL;
	for (size_t i = 0; i < s->n_key_bindings; i++)
		if (strcmp(s->key_bindings[i].action, action) == 0)
			return &s->key_bindings[i];
	return NULL;
}

/* A later file replaces the binding of the same action. */
static kc_status add_binding(struct kc_settings *s, const char *action, const char *keys,
			     const char *file, int line)
{
	char *a = kc_strdup(action), *k = kc_strdup(keys), *f = kc_strdup(file);
	if (!a || !k || !f)
		goto nomem;
	struct settings_key_binding *b = (struct settings_key_binding *)
		settings_key_binding_find(s, action);
	if (!b) {
		struct settings_key_binding *v =
			realloc(s->key_bindings, (s->n_key_bindings + 1) * sizeof *v);
		if (!v)
			goto nomem;
		s->key_bindings = v;
		b = &v[s->n_key_bindings++];
	} else {
		free_binding(b);
	}
	b->action = a;
	b->keys = k;
	b->file = f;
	b->line = line;
	return KC_OK;
nomem:
	free(a);
	free(k);
	free(f);
	return KC_ERR_NOMEM;
}

/* ------------------------------------------------------------------ */
/* Value parsers: base 10 only, whole string, no locale                */

/* [-]digits, base 10, within [min, max]. */
static bool parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
	const char *p = v[0] == '-' ? v + 1 : v;
	if (!is_digit(*p))
		return false;
	for (const char *q = p; *q; q++)
		if (!is_digit(*q))
			return false;
	errno = 0;
	char *end = NULL;
	long long x = strtoll(v, &end, 10);
	if (errno != 0 || !end || *end != '\0' || x < min || x > max)
		return false;
	*out = (int64_t)x;
	return true;
}

/* digits[.d{1,decimals}] (no sign, no separators) as an integer of 10^-decimals units, <= max. */
static bool parse_decimal(const char *v, int decimals, int64_t max, int64_t *out)
{
	int64_t units = 0;
	int intdigits = 0, fracdigits = 0;
	const char *p = v;
	for (; is_digit(*p); p++, intdigits++) {
		if (intdigits >= 10)
			return false;
		units = units * 10 + (*p - '0');
	}
	if (intdigits == 0)
		return false;
	if (*p == '.') {
		for (p++; is_digit(*p); p++, fracdigits++) {
			if (fracdigits >= decimals)
				return false;
			units = units * 10 + (*p - '0');
		}
		if (fracdigits == 0)
			return false;
	}
	if (*p != '\0')
		return false;
	for (; fracdigits < decimals; fracdigits++)
		units *= 10;
	if (units > max)
		return false;
	*out = units;
	return true;
}

/* 'D' in the pattern is a digit; every other character is itself. */
static bool match_pattern(const char *v, const char *pattern)
{
	for (; *pattern; v++, pattern++)
		if (*pattern == 'D' ? !is_digit(*v) : *v != *pattern)
			return false;
	return *v == '\0';
}

static int enum_index(const char *v, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool parse_date(const char *b, const char *e, struct settings_date *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (e - b != 10 || b[4] != '-' || b[7] != '-')
		return false;
	int f[3] = { 0, 0, 0 };
	static const int start[] = { 0, 5, 8 }, len[] = { 4, 2, 2 };
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < len[i]; j++) {
			char c = b[start[i] + j];
			if (!is_digit(c))
				return false;
			f[i] = f[i] * 10 + (c - '0');
		}
	if (f[0] < 1900 || f[1] < 1 || f[1] > 12 || f[2] < 1)
		return false;
	int dim = mdays[f[1] - 1] + (f[1] == 2 && leap_year(f[0]));
	if (f[2] > dim)
		return false;
	d->year = f[0];
	d->month = f[1];
	d->day = f[2];
	return true;
}

/* "HH:MM" at p; 24:00 allowed only when allow_24. Returns chars read or 0. */
static int parse_hhmm(const char *p, bool allow_24, int *minutes)
{
	if (!is_digit(p[0]) || !is_digit(p[1]) || p[2] != ':' || !is_digit(p[3]) || !is_digit(p[4]))
		return 0;
	int h = (p[0] - '0') * 10 + (p[1] - '0');
	int m = (p[3] - '0') * 10 + (p[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return 0;
	*minutes = h * 60 + m;
	return 5;
}

/* A three-letter day name at p (any case), as tm_wday; -1 when none. */
static int parse_day(const char *p)
{
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	for (int i = 0; i < 7; i++) {
		int j = 0;
		while (j < 3 && ascii_lower(p[j]) == days[i][j])
			j++;
		if (j == 3)
			return i;
	}
	return -1;
}

/* "DAYS HH:MM-HH:MM", DAYS a comma list of days or day ranges (mon-fri). */
static bool parse_business_hours(const char *v, unsigned *mask, int *open, int *close)
{
	const char *p = v;
	*mask = 0;
	for (;;) {
		int a = parse_day(p), b;
		if (a < 0)
			return false;
		p += 3;
		b = a;
		if (*p == '-') {
			b = parse_day(p + 1);
			if (b < 0)
				return false;
			p += 4;
		}
		for (int d = a;; d = (d + 1) % 7) { /* fri-mon wraps over the weekend */
			*mask |= 1u << d;
			if (d == b)
				break;
		}
		if (*p != ',')
			break;
		p++;
	}
	if (!is_space(*p))
		return false;
	while (is_space(*p))
		p++;
	int n = parse_hhmm(p, false, open);
	if (!n || p[n] != '-')
		return false;
	p += n + 1;
	n = parse_hhmm(p, true, close);
	return n && p[n] == '\0' && *close > *open;
}

static bool is_loopback_host(const char *h, size_t n)
{
	if (n > 0 && h[0] == '[') {
		const char *close = memchr(h, ']', n);
		return close && close - h == 4 && memcmp(h, "[::1]", 5) == 0;
	}
	const char *colon = memchr(h, ':', n);
	size_t hn = colon ? (size_t)(colon - h) : n;
	if (hn == 9 && memcmp(h, "localhost", 9) == 0)
		return true;
	if (hn < 4 || memcmp(h, "127.", 4) != 0)
		return false;
	for (size_t i = 4; i < hn; i++)
		if (!is_digit(h[i]) && h[i] != '.')
			return false;
	return true;
}

/* https://host/..., or http:// to a loopback host (the test fake). */
static bool url_ok(const char *u)
{
	bool https = strncmp(u, "https://", 8) == 0;
	if (!https && strncmp(u, "http://", 7) != 0)
		return false;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	const char *host = u + (https ? 8 : 7);
	size_t n = strcspn(host, "/?#");
	if (n == 0 || memchr(host, '@', n)) /* no credentials in a URL */
		return false;
	return https || is_loopback_host(host, n);
}

/* A tz database name: A-Za-z0-9 _ + - in '/'-separated parts, no dot parts. */
static bool zone_ok(const char *z)
{
	size_t n = strlen(z);
	if (n == 0 || n > 255 || z[0] == '/' || z[n - 1] == '/' || strstr(z, "//"))
		return false;
	for (const char *p = z; *p; p++) {
		char c = ascii_lower(*p);
		bool ok = (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '+' || c == '-' ||
			  c == '/';
		if (!ok)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The table of known keys                                            */

struct key_def;
/* where is "FILE:LINE: section.key", for messages. */
typedef kc_status (*setter_fn)(struct kc_settings *s, const struct key_def *d, const char *v,
			       const char *where, kc_error *err);

struct key_def {
	const char *section;
	const char *key;
	setter_fn set;
	size_t offset;            /* field, for the generic setters */
	int64_t min, max;         /* ranges for numbers */
	const char *const *names; /* accepted words for enums */
	const char *pattern;      /* set_pattern: 'D' = digit, */
	const char *example;      /* and a valid value for the message */
};

#define FIELD_PTR(s, d, type) ((type *)(void *)((char *)(s) + (d)->offset))

static kc_status set_int(struct kc_settings *s, const struct key_def *d, const char *v,
			 const char *where, kc_error *err)
{
	int64_t x;
	if (!parse_int(v, d->min, d->max, &x))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: expected a whole number (base 10) from %lld to %lld"),
				    where, (long long)d->min, (long long)d->max);
	*FIELD_PTR(s, d, int) = (int)x;
	return KC_OK;
}

static kc_status set_money(struct kc_settings *s, const struct key_def *d, const char *v,
			   const char *where, kc_error *err)
{
	kc_cents cents = -1;
	/* money_parse's own message lacks file and line: ours replaces it. */
	if (money_parse(v, &cents, NULL) != KC_OK || cents < 0 || cents > d->max)
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: expected an amount in dollars such as 50.00 "
				      "(at most two decimals, from 0.00 to 1000000.00)"),
				    where);
	*FIELD_PTR(s, d, int64_t) = cents;
	return KC_OK;
}

static kc_status set_bytes(struct kc_settings *s, const struct key_def *d, const char *v,
			   const char *where, kc_error *err)
{
	size_t n = strlen(v);
	int64_t mult = 1, x;
	char *num = kc_strdup(v);
	if (!num)
		return nomem(err);
	switch (n ? v[n - 1] : '\0') {
	case 'K': case 'k': mult = 1024; break;
	case 'M': case 'm': mult = 1024 * 1024; break;
	case 'G': case 'g': mult = 1024 * 1024 * 1024; break;
	default: break;
	}
	if (mult != 1)
		num[n - 1] = '\0';
	bool ok = num[0] != '-' && parse_int(num, 0, d->max, &x) && x * mult >= d->min &&
		  x * mult <= d->max;
	free(num);
	if (!ok)
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: expected a size in bytes from 1K to 1G "
				      "(a number, optionally followed by K, M or G)"),
				    where);
	*FIELD_PTR(s, d, int64_t) = x * mult;
	return KC_OK;
}

/* The accepted words are fixed names (never translated): "a, b, c". */
static kc_status bad_word(const struct key_def *d, const char *where, kc_error *err)
{
	size_t len = 1;
	for (int i = 0; d->names[i]; i++)
		len += strlen(d->names[i]) + 2;
	char *list = malloc(len), *p = list;
	if (!list)
		return nomem(err);
	for (int i = 0; d->names[i]; i++) {
		size_t n = strlen(d->names[i]);
		if (i) {
			memcpy(p, ", ", 2);
			p += 2;
		}
		memcpy(p, d->names[i], n);
		p += n;
	}
	*p = '\0';
	kc_status st = kc_error_set(err, KC_ERR_INVALID, _("%s: expected one of: %s"), where, list);
	free(list);
	return st;
}

static kc_status set_cycle(struct kc_settings *s, const struct key_def *d, const char *v,
			   const char *where, kc_error *err)
{
	int i = enum_index(v, d->names);
	if (i < 0)
		return bad_word(d, where, err);
	s->billing_cycle = i == 0 ? SETTINGS_CYCLE_MONTHLY : SETTINGS_CYCLE_30DAYS;
	return KC_OK;
}

static kc_status set_easter(struct kc_settings *s, const struct key_def *d, const char *v,
			    const char *where, kc_error *err)
{
	int i = enum_index(v, d->names);
	if (i < 0)
		return bad_word(d, where, err);
	s->easter = i == 0 ? SETTINGS_EASTER_GOOD_FRIDAY : SETTINGS_EASTER_MONDAY;
	return KC_OK;
}

static kc_status set_language(struct kc_settings *s, const struct key_def *d, const char *v,
			      const char *where, kc_error *err)
{
	static const enum settings_language langs[] = { SETTINGS_LANG_AUTO, SETTINGS_LANG_FR,
							 SETTINGS_LANG_EN };
	int i = enum_index(v, d->names);
	if (i < 0)
		return bad_word(d, where, err);
	s->language = langs[i];
	return KC_OK;
}

static kc_status set_theme(struct kc_settings *s, const struct key_def *d, const char *v,
			   const char *where, kc_error *err)
{
	int i = enum_index(v, d->names);
	if (i < 0)
		return bad_word(d, where, err);
	s->theme = i == 0 ? SETTINGS_THEME_DEFAULT : SETTINGS_THEME_MONO;
	return KC_OK;
}

/* Free text; empty means unset (NULL). */
static kc_status set_text(struct kc_settings *s, const struct key_def *d, const char *v,
			  const char *where, kc_error *err)
{
	(void)where;
	return set_field(FIELD_PTR(s, d, char *), v, true) == KC_OK ? KC_OK : nomem(err);
}

static kc_status set_pattern(struct kc_settings *s, const struct key_def *d, const char *v,
			     const char *where, kc_error *err)
{
	if (!match_pattern(v, d->pattern))
		return kc_error_set(err, KC_ERR_INVALID, _("%s: expected the form %s"), where,
				    d->example);
	return set_field(FIELD_PTR(s, d, char *), v, false) == KC_OK ? KC_OK : nomem(err);
}

/* An absolute path or ~/...; empty unsets it when min == 0 (optional). */
static kc_status set_path(struct kc_settings *s, const struct key_def *d, const char *v,
			  const char *where, kc_error *err)
{
	char **field = FIELD_PTR(s, d, char *);
	if (v[0] == '\0' && d->min == 0)
		return set_field(field, v, true) == KC_OK ? KC_OK : nomem(err);
	if (v[0] == '/')
		return set_field(field, v, false) == KC_OK ? KC_OK : nomem(err);
	if (v[0] == '~' && v[1] == '/') {
		kc_status st;
		char *home = home_dir(&st);
		if (!home)
			return st == KC_ERR_NOMEM ? nomem(err)
				: kc_error_set(err, KC_ERR_INVALID,
					       _("%s: '~' is used but no home directory is known"),
					       where);
		char *full = kc_asprintf("%s%s", home, v + 1);
		free(home);
		if (!full)
			return nomem(err);
		free_wiped(*field);
		*field = full;
		return KC_OK;
	}
	return kc_error_set(err, KC_ERR_INVALID,
			    _("%s: expected an absolute path (starting with / or ~/)"), where);
}

static kc_status set_business_hours(struct kc_settings *s, const struct key_def *d,
				    const char *v, const char *where, kc_error *err)
{
	unsigned mask;
	int open, close;
	(void)d;
	if (!parse_business_hours(v, &mask, &open, &close))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: expected days and hours such as mon-fri 09:00-17:00"),
				    where);
	if (set_field(&s->business_hours, v, false) != KC_OK)
		return nomem(err);
	s->business_days = mask;
	s->business_open_minute = open;
	s->business_close_minute = close;
	return KC_OK;
}

static kc_status set_extra_holidays(struct kc_settings *s, const struct key_def *d,
				    const char *v, const char *where, kc_error *err)
{
	(void)d;
	size_t n = 0, cap = 1;
	for (const char *p = v; *p; p++)
		cap += *p == ',';
	struct settings_date *dates = calloc(cap, sizeof *dates);
	if (!dates)
		return nomem(err);
	const char *p = v;
	while (*p) {
		const char *e = p + strcspn(p, ",");
		const char *b = p;
		trim(&b, &e);
		p = p + strcspn(p, ",");
		bool last = *p == '\0';
		if (!last)
			p++;
		if (b == e && last && n == 0)
			break; /* an empty value: no extra holidays */
		if (!parse_date(b, e, &dates[n++])) {
			free(dates);
			return kc_error_set(err, KC_ERR_INVALID,
					    _("%s: expected a comma-separated list of dates "
					      "such as 2026-12-24, 2026-12-31"),
					    where);
		}
	}
	free(s->extra_holidays);
	s->extra_holidays = n ? dates : NULL;
	s->n_extra_holidays = n;
	if (!n)
		free(dates);
	return KC_OK;
}

static kc_status set_url(struct kc_settings *s, const struct key_def *d, const char *v,
			 const char *where, kc_error *err)
{
	(void)d;
	if (!url_ok(v))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: expected an https:// URL without user name "
				      "(http:// only to a loopback address)"),
				    where);
	return set_field(&s->voipms_url, v, false) == KC_OK ? KC_OK : nomem(err);
}

static kc_status set_currency(struct kc_settings *s, const struct key_def *d, const char *v,
			      const char *where, kc_error *err)
{
	(void)d;
	if (strlen(v) != 3 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' || v[2] < 'A' ||
	    v[2] > 'Z')
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: expected a currency code of three capital letters "
				      "such as CAD"),
				    where);
	memcpy(s->voipms_currency, v, 4);
	return KC_OK;
}

static kc_status set_conversion_rate(struct kc_settings *s, const struct key_def *d,
				     const char *v, const char *where, kc_error *err)
{
	int64_t e8 = 0;
	if (v[0] != '\0' && (!parse_decimal(v, 8, d->max, &e8) || e8 == 0))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: expected a positive rate such as 1.36 "
				      "(at most eight decimals, at most 1000)"),
				    where);
	if (set_field(&s->voipms_conversion_rate, v, true) != KC_OK)
		return nomem(err);
	s->voipms_conversion_rate_e8 = e8;
	return KC_OK;
}

static kc_status set_zone(struct kc_settings *s, const struct key_def *d, const char *v,
			  const char *where, kc_error *err)
{
	(void)d;
	if (!zone_ok(v))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: expected a time zone name such as America/Toronto"),
				    where);
	return set_field(&s->office_zone, v, false) == KC_OK ? KC_OK : nomem(err);
}

static const char *const cycle_names[] = { "monthly", "30days", NULL };
static const char *const easter_names[] = { "good_friday", "easter_monday", NULL };
static const char *const language_names[] = { "auto", "fr", "en", NULL };
static const char *const theme_names[] = { "default", "mono", NULL };

#define OFF(f) .offset = offsetof(struct kc_settings, f)
#define MONEY(sec, k, f) { .section = sec, .key = k, .set = set_money, OFF(f), .max = MONEY_MAX_CENTS }
#define INT(sec, k, f, lo, hi) { .section = sec, .key = k, .set = set_int, OFF(f), .min = lo, .max = hi }
#define WORDS(sec, k, fn, list) { .section = sec, .key = k, .set = fn, .names = list }
#define OTHER(sec, k, fn) { .section = sec, .key = k, .set = fn }

static const struct key_def key_defs[] = {
	/* min 1: the path is required (an empty value is refused) */
	{ .section = "database", .key = "path", .set = set_path, OFF(db_path), .min = 1 },
	INT("database", "busy_timeout_ms", db_busy_timeout_ms, 100, 600000),

	WORDS("billing", "cycle", set_cycle, cycle_names),
	MONEY("billing", "minimum_support_charge", minimum_support_charge),
	INT("billing", "first_payment_usage_percent", first_payment_usage_percent, 0, 1000),
	INT("billing", "usage_markup_percent", usage_markup_percent, 0, 1000),
	MONEY("billing", "consulting_hourly_rate", consulting_hourly_rate),
	MONEY("billing", "chargeback_fee", chargeback_fee),
	MONEY("billing", "support_charge_basic", support_charge_basic),
	MONEY("billing", "support_charge_fully_administered", support_charge_fully_administered),
	{ .section = "billing", .key = "gst_number", .set = set_pattern, OFF(gst_number),
	  .pattern = "DDDDDDDDD RTDDDD", .example = "123456789 RT0001" },
	{ .section = "billing", .key = "qst_number", .set = set_pattern, OFF(qst_number),
	  .pattern = "DDDDDDDDDD TQDDDD", .example = "1234567890 TQ0001" },

	OTHER("sla", "business_hours", set_business_hours),
	WORDS("sla", "easter", set_easter, easter_names),
	OTHER("sla", "extra_holidays", set_extra_holidays),
	INT("sla", "credit_percent", credit_percent, 0, 100),
	MONEY("sla", "credit_monthly_cap", credit_monthly_cap),
	INT("sla", "credit_window_days", credit_window_days, 1, 365),

	WORDS("ui", "language", set_language, language_names),
	WORDS("ui", "theme", set_theme, theme_names),
	{ .section = "ui", .key = "keymap", .set = set_path, OFF(keymap) },
	{ .section = "ui", .key = "editor", .set = set_text, OFF(editor) },

	OTHER("voipms", "url", set_url),
	{ .section = "voipms", .key = "username", .set = set_text, OFF(voipms_username) },
	{ .section = "voipms", .key = "password", .set = set_text, OFF(voipms_password) },
	INT("voipms", "connect_timeout", voipms_connect_timeout, 1, 300),
	INT("voipms", "timeout", voipms_timeout, 1, 3600),
	{ .section = "voipms", .key = "max_response_bytes", .set = set_bytes,
	  OFF(voipms_max_response_bytes), .min = 1024, .max = INT64_C(1) << 30 },
	INT("voipms", "timezone", voipms_timezone, -12, 14),
	OTHER("voipms", "currency", set_currency),
	{ .section = "voipms", .key = "conversion_rate", .set = set_conversion_rate,
	  .max = INT64_C(100000000000) /* 1000.00000000 */ },

	OTHER("office", "zone", set_zone),
};
#define N_KEY_DEFS (sizeof key_defs / sizeof key_defs[0])

/* [keys] takes any action name; it is checked by the TUI keymap. */
static const char *const known_sections[] = { "database", "billing", "sla",    "ui",
					      "voipms",   "office",  "keys",   NULL };

static const struct key_def *find_def(const char *section, const char *key)
{
	for (size_t i = 0; i < N_KEY_DEFS; i++)
		if (strcmp(key_defs[i].section, section) == 0 && strcmp(key_defs[i].key, key) == 0)
			return &key_defs[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Raw scan of the file text                                          */

struct raw_entry {
	char *section; /* lower case */
	char *key;     /* lower case; NULL on a [section] line */
	char *value;   /* without quotes; NULL on a [section] line */
	char quote;    /* '"', '\'' or 0 */
	int line;
};

struct raw_file {
	const char *path;
	struct raw_entry *v;
	size_t n, cap;
	size_t n_keys;
	bool has_password;
};

static void raw_free(struct raw_file *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].section);
		free(r->v[i].key);
		free_wiped(r->v[i].value);
	}
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

/* Takes ownership of the strings, also on failure. */
static kc_status raw_push(struct raw_file *r, char *section, char *key, char *value, char quote,
			  int line)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct raw_entry *v = realloc(r->v, cap * sizeof *v);
		if (!v) {
			free(section);
			free(key);
			free_wiped(value);
			return KC_ERR_NOMEM;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct raw_entry){ section, key, value, quote, line };
	if (key)
		r->n_keys++;
	return KC_OK;
}

static const struct raw_entry *raw_find(const struct raw_file *r, const char *section,
					const char *key)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct raw_entry *e = &r->v[i];
		if (strcmp(e->section, section) == 0 &&
		    (key ? e->key && strcmp(e->key, key) == 0 : e->key == NULL))
			return e;
	}
	return NULL;
}

static kc_status scan_section(struct raw_file *r, const char *b, const char *e, int line,
			      char **current, kc_error *err)
{
	bool bad;
	b++; /* '[' */
	e--; /* ']' */
	trim(&b, &e);
	char *name = name_dup(b, e, &bad);
	if (bad)
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s:%d: malformed section header (expected [name], "
				      "with letters, digits, '_' or '-')"),
				    r->path, line);
	if (!name)
		return nomem(err);
	free(*current);
	*current = kc_strdup(name);
	if (!*current) {
		free(name);
		return nomem(err);
	}
	return raw_push(r, name, NULL, NULL, 0, line) == KC_OK ? KC_OK : nomem(err);
}

/* The value after '=' in [b, e) (already trimmed): quoted or plain. */
static kc_status scan_value(struct raw_file *r, const char *b, const char *e, const char *where,
			    bool is_password, char **value, char *quote, kc_error *err)
{
	*quote = 0;
	if (b < e && (*b == '"' || *b == '\'')) {
		const char *close = memchr(b + 1, *b, (size_t)(e - b - 1));
		if (!close)
			return kc_error_set(err, KC_ERR_INVALID, _("%s: missing closing quote"),
					    where);
		const char *rest = close + 1;
		while (rest < e && is_space(*rest))
			rest++;
		if (rest < e && *rest != '#' && *rest != ';')
			return kc_error_set(err, KC_ERR_INVALID,
					    _("%s: unexpected text after the closing quote"), where);
		*quote = *b;
		b++;
		e = close;
	}
	if (is_password && *quote != '"')
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: the password must be written in double quotes: "
				      "password = \"...\""),
				    where);
	if (!*quote && (memchr(b, '#', (size_t)(e - b)) || memchr(b, ';', (size_t)(e - b))))
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s: '#' and ';' start a comment in an unquoted value; "
				      "put the value in double quotes (and comments on their own line)"),
				    where);
	*value = kc_strndup(b, (size_t)(e - b));
	return *value ? KC_OK : nomem(err);
}

static kc_status scan_key(struct raw_file *r, const char *b, const char *e, int line,
			  const char *current, kc_error *err)
{
	const char *eq = memchr(b, '=', (size_t)(e - b));
	const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
	bool bad;
	trim(&kb, &ke);
	trim(&vb, &ve);
	char *key = name_dup(kb, ke, &bad);
	if (bad)
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s:%d: malformed key name (letters, digits, '_', '-' "
				      "and '.' only)"),
				    r->path, line);
	if (!key)
		return nomem(err);
	if (!current) {
		kc_status st = kc_error_set(err, KC_ERR_INVALID,
					    _("%s:%d: %s: key outside a section"), r->path, line,
					    key);
		free(key);
		return st;
	}
	char *where = kc_asprintf("%s:%d: %s.%s", r->path, line, current, key);
	const struct raw_entry *dup = raw_find(r, current, key);
	kc_status st;
	char *value = NULL, quote = 0;
	bool is_password = strcmp(current, "voipms") == 0 && strcmp(key, "password") == 0;
	if (!where)
		st = nomem(err);
	else if (dup)
		st = kc_error_set(err, KC_ERR_INVALID, _("%s: already set on line %d"), where,
				  dup->line);
	else
		st = scan_value(r, vb, ve, where, is_password, &value, &quote, err);
	free(where);
	if (st != KC_OK) {
		free(key);
		return st;
	}
	char *sec = kc_strdup(current);
	if (!sec) {
		free(key);
		free_wiped(value);
		return nomem(err);
	}
	r->has_password = r->has_password || is_password;
	return raw_push(r, sec, key, value, quote, line) == KC_OK ? KC_OK : nomem(err);
}

static kc_status scan_line(struct raw_file *r, const char *b, const char *e, int line,
			   char **current, kc_error *err)
{
	if (e - b > MAX_LINE_BYTES)
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s:%d: line too long (more than %d bytes)"), r->path, line,
				    MAX_LINE_BYTES);
	trim(&b, &e);
	if (b < e && e[-1] == '\\')
		return kc_error_set(err, KC_ERR_INVALID,
				    _("%s:%d: a line may not end with a backslash "
				      "(iniparser would join the next line to it)"),
				    r->path, line);
	if (b == e || *b == '#' || *b == ';')
		return KC_OK;
	if (*b == '[' && e[-1] == ']' && e - b >= 2)
		return scan_section(r, b, e, line, current, err);
	if (*b != '[' && memchr(b, '=', (size_t)(e - b)))
		return scan_key(r, b, e, line, *current, err);
	return kc_error_set(err, KC_ERR_INVALID,
			    _("%s:%d: malformed line (expected [section], key = value, "
			      "or a comment starting with # or ;)"),
			    r->path, line);
}

static kc_status raw_scan(struct raw_file *r, const char *text, size_t len, kc_error *err)
{
	char *current = NULL;
	kc_status st = KC_OK;
	int line = 0;
	const char *p = text, *end = text + len;
	while (st == KC_OK && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		st = scan_line(r, p, e, ++line, &current, err);
		p = nl ? nl + 1 : end;
	}
	free(current);
	return st;
}

/* ------------------------------------------------------------------ */
/* Reading a file                                                     */

/* The whole file into *text (NUL-terminated).  *missing when ENOENT. */
static kc_status read_text(const char *path, char **text, size_t *len, mode_t *mode,
			   bool *missing, kc_error *err)
{
	*text = NULL;
	*missing = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		*missing = e == ENOENT || e == ENOTDIR;
		return kc_error_set(err, KC_ERR_IO, _("%s: cannot open: %s"), path, strerror(e));
	}
	struct stat sb;
	kc_status st = KC_OK;
	if (fstat(fd, &sb) != 0)
		st = kc_error_set(err, KC_ERR_IO, _("%s: cannot read: %s"), path, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		st = kc_error_set(err, KC_ERR_IO, _("%s: not a regular file"), path);
	else if (sb.st_size > MAX_FILE_BYTES)
		st = kc_error_set(err, KC_ERR_INVALID, _("%s: file too large (more than %d bytes)"),
				  path, MAX_FILE_BYTES);
	char *buf = st == KC_OK ? malloc(MAX_FILE_BYTES + 1) : NULL;
	if (st == KC_OK && !buf)
		st = nomem(err);
	size_t n = 0;
	while (st == KC_OK && n <= MAX_FILE_BYTES) {
		ssize_t got = read(fd, buf + n, MAX_FILE_BYTES + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			st = kc_error_set(err, KC_ERR_IO, _("%s: cannot read: %s"), path,
					  strerror(errno));
		else if (got == 0)
			break;
		else
			n += (size_t)got;
	}
	close(fd);
	if (st == KC_OK && n > MAX_FILE_BYTES)
		st = kc_error_set(err, KC_ERR_INVALID, _("%s: file too large (more than %d bytes)"),
				  path, MAX_FILE_BYTES);
	if (st == KC_OK && memchr(buf, '\0', n))
		st = kc_error_set(err, KC_ERR_INVALID, _("%s: the file contains a NUL byte"), path);
	if (st != KC_OK) {
		if (buf)
			explicit_bzero(buf, n);
		free(buf);
		return st;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	*mode = sb.st_mode;
	return KC_OK;
}

/* iniparser's default callback prints the offending line, secret included. */
static int silent_errback(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

static kc_status apply_key(struct kc_settings *s, const struct raw_file *r, const char *section,
			   const char *key, const char *value, kc_error *err)
{
	const struct raw_entry *e = raw_find(r, section, key);
	int line = e ? e->line : 0;
	char *where = kc_asprintf("%s:%d: %s.%s", r->path, line, section, key);
	if (!where)
		return nomem(err);
	kc_status st;
	const struct key_def *d = find_def(section, key);
	/* Both readings must agree, or a value could be silently cut. */
	if (!e || !value || strcmp(e->value, value) != 0)
		st = kc_error_set(err, KC_ERR_INVALID,
				  _("%s: the value cannot be read unambiguously; put it in double "
				    "quotes"),
				  where);
	else if (strcmp(section, "keys") == 0)
		st = add_binding(s, key, value, r->path, line) == KC_OK ? KC_OK : nomem(err);
	else if (!d)
		st = kc_error_set(err, KC_ERR_INVALID, _("%s: unknown key"), where);
	else
		st = d->set(s, d, value, where, err);
	free(where);
	return st;
}

static kc_status apply_section(struct kc_settings *s, const dictionary *d,
			       const struct raw_file *r, const char *section, size_t *seen,
			       kc_error *err)
{
	if (enum_index(section, known_sections) < 0) {
		const struct raw_entry *e = raw_find(r, section, NULL);
		return kc_error_set(err, KC_ERR_INVALID, _("%s:%d: [%s]: unknown section"), r->path,
				    e ? e->line : 0, section);
	}
	int nk = iniparser_getsecnkeys(d, section);
	if (nk <= 0)
		return KC_OK;
	const char **keys = calloc((size_t)nk, sizeof *keys);
	if (!keys)
		return nomem(err);
	kc_status st = KC_OK;
	size_t prefix = strlen(section);
	if (!iniparser_getseckeys(d, section, keys))
		st = kc_error_set(err, KC_ERR_INVALID, _("%s: [%s] cannot be read"), r->path,
				  section);
	for (int i = 0; st == KC_OK && i < nk; i++) {
		const char *full = keys[i];
		if (!full || strncmp(full, section, prefix) != 0 || full[prefix] != ':') {
			st = kc_error_set(err, KC_ERR_INVALID, _("%s: [%s] cannot be read"),
					  r->path, section);
			break;
		}
		st = apply_key(s, r, section, full + prefix + 1,
			       iniparser_getstring(d, full, NULL), err);
		(*seen)++;
	}
	free(keys);
	return st;
}

static kc_status apply_dict(struct kc_settings *s, const dictionary *d, const struct raw_file *r,
			    kc_error *err)
{
	int nsec = iniparser_getnsec(d);
	size_t seen = 0;
	kc_status st = KC_OK;
	if (nsec < 0)
		return kc_error_set(err, KC_ERR_INVALID, _("%s: the file cannot be read"), r->path);
	for (int i = 0; st == KC_OK && i < nsec; i++) {
		const char *section = iniparser_getsecname(d, i);
		if (!section)
			return kc_error_set(err, KC_ERR_INVALID, _("%s: the file cannot be read"),
					    r->path);
		st = apply_section(s, d, r, section, &seen, err);
	}
	/* A key iniparser filed elsewhere (or dropped) would escape validation. */
	if (st == KC_OK && seen != r->n_keys)
		st = kc_error_set(err, KC_ERR_INVALID,
				  _("%s: the file cannot be read unambiguously"), r->path);
	return st;
}

/* iniparser frees without clearing; the password must not linger. */
static void wipe_dict(dictionary *d)
{
	for (ssize_t i = 0; i < d->size; i++)
		if (d->val && d->val[i])
			explicit_bzero(d->val[i], strlen(d->val[i]));
}

static kc_status apply_file(struct kc_settings *s, const char *path, bool must_exist,
			    kc_error *err)
{
	char *text;
	size_t len = 0;
	mode_t mode = 0;
	bool missing;
	kc_status st = read_text(path, &text, &len, &mode, &missing, err);
	if (st != KC_OK) {
		if (missing && !must_exist) {
			kc_error_clear(err);
			return KC_OK;
		}
		return st;
	}
	struct raw_file r = { .path = path };
	st = raw_scan(&r, text, len, err);
	explicit_bzero(text, len);
	free(text);
	if (st == KC_OK && r.has_password && (mode & 077))
		st = kc_error_set(err, KC_ERR_PERM,
				  _("permissions %04o for %s are too open: the file holds the "
				    "voip.ms password; run chmod 600 %s"),
				  (unsigned)(mode & 07777), path, path);
	/* iniparser reads the file again by name.  A file replaced in between
	 * cannot slip through: every key it reports must match the scan. */
	if (st == KC_OK) {
		iniparser_set_error_callback(silent_errback);
		dictionary *d = iniparser_load(path);
		if (!d) {
			st = kc_error_set(err, KC_ERR_INVALID, _("%s: the file cannot be read"), path);
		} else {
			st = apply_dict(s, d, &r, err);
			wipe_dict(d);
			iniparser_freedict(d);
		}
	}
	raw_free(&r);
	return st;
}

/* ------------------------------------------------------------------ */
/* Public loading                                                     */

/* Replaces *s by tmp when st is KC_OK, else drops tmp. */
static kc_status commit(struct kc_settings *s, struct kc_settings *tmp, kc_status st)
{
	if (st != KC_OK) {
		settings_free(tmp);
		return st;
	}
	settings_free(s);
	*s = *tmp;
	return KC_OK;
}

kc_status settings_load_file(struct kc_settings *s, const char *path, kc_error *err)
{
	if (!s || !path)
		return kc_error_set(err, KC_ERR_INVALID, _("no settings file given"));
	struct kc_settings tmp;
	if (settings_clone(&tmp, s) != KC_OK)
		return nomem(err);
	return commit(s, &tmp, apply_file(&tmp, path, true, err));
}

kc_status settings_load_standard(struct kc_settings *s, const char *explicit_path,
				 kc_error *err)
{
	if (!s)
		return kc_error_set(err, KC_ERR_INVALID, _("no settings given"));
	struct kc_settings tmp;
	if (settings_clone(&tmp, s) != KC_OK)
		return nomem(err);
	char *sys = settings_system_path();
	char *user = settings_user_path(); /* NULL: no home directory, nothing to read */
	kc_status st = sys ? apply_file(&tmp, sys, false, err) : nomem(err);
	if (st == KC_OK && user)
		st = apply_file(&tmp, user, false, err);
	if (st == KC_OK && explicit_path)
		st = apply_file(&tmp, explicit_path, true, err);
	free(sys);
	free(user);
	return commit(s, &tmp, st);
}
