/* account.c: customer accounts (see account.h for the contract). */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "date.h"
#include "money.h"
#include "payment.h"
#include "strbuf.h"

#define NFIELDS (ACCOUNT_FIELD_EXPECTED_USAGE + 1)
#define NOTE_MAX_CHARS 1000
#define WELCOME_CALL_DAYS 14 /* ACC-3 */

/* ------------------------------------------------------------------ */
/* Small text helpers                                                  */

static bool streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A heap copy without leading and trailing white space; NULL on NOMEM. */
static char *trim_dup(const char *s)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return kc_strndup(s, n);
}

/* True when s is NULL or only white space. */
static bool blank(const char *s)
{
	if (!s)
		return true;
	while (is_space(*s))
		s++;
	return *s == '\0';
}

static void ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static void ascii_upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Decodes one UTF-8 sequence at s; returns its length, 0 when invalid
 * (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len;
	uint32_t c, min;
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2, c = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3, c = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

bool account_text_valid(const char *s, size_t max_chars)
{
	if (!s)
		return false;
	size_t chars = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);
		if (len == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return false;
		p += len;
		if (++chars > max_chars)
			return false;
	}
	return true;
}

/* Folds a name for comparison: ASCII and Latin-1 letters to lower case,
 * runs of spaces to one, no leading or trailing space.  NULL on NOMEM. */
static char *fold_name(const char *s)
{
	strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	bool pending_space = false;
	while (*p) {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);
		if (len == 0) { /* keep invalid bytes as they are */
			cp = 0xFFFD;
			len = 1;
		}
		p += len;
		if (cp == ' ' || cp == '\t' || cp == 0xA0) {
			pending_space = sb.len > 0;
			continue;
		}
		if (pending_space)
			strbuf_appendc(&sb, ' ');
		pending_space = false;
		if (cp >= 'A' && cp <= 'Z')
			cp += 32;
		else if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
			cp += 32;
		strbuf_appendf(&sb, "%lu", (unsigned long)cp);
		strbuf_appendc(&sb, '.');
	}
	strbuf_appendc(&sb, '.'); /* never empty, so detach always allocates */
	return strbuf_detach(&sb);
}

static bool names_match(const char *a, const char *b)
{
	char *fa = fold_name(a), *fb = fold_name(b);
	bool same = fa && fb && strcmp(fa, fb) == 0;
	free(fa);
	free(fb);
	return same;
}

/* Money text in the user's language (for messages); NULL on NOMEM. */
static char *money_for_user(kc_cents cents)
{
	const char *lang = setlocale(LC_MESSAGES, NULL);
	return money_format_locale(cents, money_style_from_language(lang));
}

static void today_text(char buf[static DATE_BUFSZ])
{
	date_format(date_today_local(), buf);
}

/* ------------------------------------------------------------------ */
/* Labels                                                              */

struct field_def {
	const char *column; /* accounts column */
	const char *label;  /* N_() */
	size_t max_chars;   /* for free text fields */
};

static const struct field_def field_defs[NFIELDS] = {
	[ACCOUNT_FIELD_NONE] = { NULL, NULL, 0 },
	[ACCOUNT_FIELD_HOLDER] = { "holder", N_("account holder"), 200 },
	[ACCOUNT_FIELD_COMPANY] = { "company", N_("company"), 200 },
	[ACCOUNT_FIELD_EMAIL] = { "email", N_("email address"), 254 },
	[ACCOUNT_FIELD_PHONE] = { "phone", N_("phone"), 40 },
	[ACCOUNT_FIELD_ADDRESS] = { "address", N_("address"), 300 },
	[ACCOUNT_FIELD_CITY] = { "city", N_("city"), 100 },
	[ACCOUNT_FIELD_POSTAL_CODE] = { "postal_code", N_("postal code"), 16 },
	[ACCOUNT_FIELD_PROVINCE] = { "province", N_("province"), 2 },
	[ACCOUNT_FIELD_LANGUAGE] = { "language", N_("language"), 2 },
	[ACCOUNT_FIELD_DELIVERY] = { "delivery", N_("statement delivery"), 20 },
	[ACCOUNT_FIELD_KIND] = { "kind", N_("customer kind"), 8 },
	[ACCOUNT_FIELD_LEVEL] = { "level", N_("service level"), 18 },
	[ACCOUNT_FIELD_TERM] = { "term", N_("term"), 7 },
	[ACCOUNT_FIELD_VOIPMS_CLIENT] = { "voipms_client", N_("voip.ms client"), 32 },
	[ACCOUNT_FIELD_SIGNED_ON] = { "signed_on", N_("signature date"), 10 },
	[ACCOUNT_FIELD_EXPECTED_USAGE] = { "expected_usage_cents", N_("expected monthly usage"), 0 },
};

/* Columns that are not form fields, for history and audit display. */
static const struct {
	const char *column, *label;
} other_columns[] = {
	{ "number", N_("account number") },
	{ "status", N_("status") },
	{ "term_started", N_("term start") },
	{ "next_term", N_("term at next anniversary") },
	{ "welcome_call", N_("welcome call") },
	{ "high_risk", N_("high risk") },
	{ "closed_on", N_("closing date") },
	{ "closure_reason", N_("closure reason") },
	{ "reopen_barred", N_("reopening barred") },
	{ "balance_cents", N_("balance") },
	{ "flagged_for_closure", N_("flagged for closure") },
};

const char *account_field_label(enum account_field f)
{
	if ((int)f <= 0 || (int)f >= NFIELDS)
		return "";
	return _(field_defs[f].label);
}

const char *account_column_label(const char *column)
{
	if (!column)
		return "";
	for (int k = 1; k < NFIELDS; k++)
		if (strcmp(field_defs[k].column, column) == 0)
			return _(field_defs[k].label);
	for (size_t i = 0; i < sizeof other_columns / sizeof other_columns[0]; i++)
		if (strcmp(other_columns[i].column, column) == 0)
			return _(other_columns[i].label);
	return column;
}

struct word {
	const char *key, *label;
};

static const struct word statuses[] = {
	{ "pending", N_("pending") },
	{ "active", N_("active") },
	{ "suspended", N_("suspended") },
	{ "closed", N_("closed") },
};

static const struct word suspend_reasons[] = { /* ACC-9 */
	{ "overdue", N_("overdue balance") },
	{ "chargeback", N_("chargeback") },
	{ "reassessment", N_("unpaid reassessment") },
	{ "breach", N_("breach of terms") },
};

static const struct word close_reasons[] = { /* ACC-10, TRM-1 */
	{ "law", N_("required by law") },
	{ "terms_violation", N_("violation of the terms") },
	{ "insolvency", N_("insolvency proceeding") },
	{ "harm", N_("use likely to cause harm") },
	{ "complaints", N_("excessive complaints") },
	{ "holder_request", N_("holder's request") },
};

#define WORDS(w) (w), (sizeof(w) / sizeof((w)[0]))

static const struct word *word_find(const struct word *w, size_t n, const char *key)
{
	for (size_t i = 0; key && i < n; i++)
		if (strcmp(w[i].key, key) == 0)
			return &w[i];
	return NULL;
}

static const char *word_label(const struct word *w, size_t n, const char *key)
{
	const struct word *found = word_find(w, n, key);
	return found ? _(found->label) : (key ? key : "");
}

const char *account_status_label(const char *status)
{
	return word_label(WORDS(statuses), status);
}

const char *account_suspend_reason_label(const char *reason)
{
	return word_label(WORDS(suspend_reasons), reason);
}

const char *account_close_reason_label(const char *reason)
{
	return word_label(WORDS(close_reasons), reason);
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static const char *const provinces[] = {
	"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"
};

/* Validated, normalized fields: v[k] is a heap string or NULL (not given). */
struct norm {
	char *v[NFIELDS];
	int64_t usage_cents;
};

static void norm_free(struct norm *n)
{
	for (int k = 0; k < NFIELDS; k++) {
		free(n->v[k]);
		n->v[k] = NULL;
	}
}

static const char *raw_field(const struct account_fields *f, enum account_field k)
{
	switch (k) {
	case ACCOUNT_FIELD_HOLDER: return f->holder;
	case ACCOUNT_FIELD_COMPANY: return f->company;
	case ACCOUNT_FIELD_EMAIL: return f->email;
	case ACCOUNT_FIELD_PHONE: return f->phone;
	case ACCOUNT_FIELD_ADDRESS: return f->address;
	case ACCOUNT_FIELD_CITY: return f->city;
	case ACCOUNT_FIELD_POSTAL_CODE: return f->postal_code;
	case ACCOUNT_FIELD_PROVINCE: return f->province;
	case ACCOUNT_FIELD_LANGUAGE: return f->language;
	case ACCOUNT_FIELD_DELIVERY: return f->delivery;
	case ACCOUNT_FIELD_KIND: return f->kind;
	case ACCOUNT_FIELD_LEVEL: return f->level;
	case ACCOUNT_FIELD_TERM: return f->term;
	case ACCOUNT_FIELD_VOIPMS_CLIENT: return f->voipms_client;
	case ACCOUNT_FIELD_SIGNED_ON: return f->signed_on;
	case ACCOUNT_FIELD_EXPECTED_USAGE: return f->expected_usage;
	case ACCOUNT_FIELD_NONE: break;
	}
	return NULL;
}

static bool email_valid(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if (*p == ' ' || *p == ',' || *p == ';' || *p == '<' || *p == '>')
			return false;
	const char *domain = at + 1;
	const char *dot = strchr(domain, '.');
	size_t dlen = strlen(domain);
	return dot && dot != domain && domain[dlen - 1] != '.' && !strstr(domain, "..");
}

/* "email, portal" -> "portal,email" (canonical order); false when empty,
 * unknown or repeated. */
static bool delivery_normalize(char *s)
{
	static const char *const kinds[] = { "portal", "email", "mail" };
	bool seen[3] = { false, false, false };
	size_t count = 0;
	ascii_lower(s);
	char *p = s;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *start = p;
		size_t tlen = len;
		while (tlen > 0 && is_space(*start))
			start++, tlen--;
		while (tlen > 0 && is_space(start[tlen - 1]))
			tlen--;
		size_t i;
		for (i = 0; i < 3; i++)
			if (strlen(kinds[i]) == tlen && strncmp(kinds[i], start, tlen) == 0)
				break;
		if (i == 3 || seen[i])
			return false;
		seen[i] = true;
		count++;
		p += len;
		if (*p == ',')
			p++;
	}
	if (count == 0)
		return false;
	/* Rewrite in canonical order: never longer than the input. */
	size_t out = 0;
	for (size_t i = 0; i < 3; i++) {
		if (!seen[i])
			continue;
		if (out)
			s[out++] = ',';
		memcpy(s + out, kinds[i], strlen(kinds[i]));
		out += strlen(kinds[i]);
	}
	s[out] = '\0';
	return true;
}

static kc_status field_error(enum account_field k, enum account_field *bad, kc_error *err,
	kc_status code, char *msg)
{
	if (bad)
		*bad = k;
	if (!msg)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
	kc_error_set(err, code, "%s", msg);
	free(msg);
	return code;
}

/* A refused value: the message shows it quoted (kc_error_set_quoted). */
static kc_status value_error(enum account_field k, enum account_field *bad, kc_error *err,
	const char *fmt, const char *value)
{
	if (bad)
		*bad = k;
	return kc_error_set_quoted(err, KC_ERR_INVALID, fmt, value);
}

static bool one_of(const char *v, const char *a, const char *b)
{
	return strcmp(v, a) == 0 || strcmp(v, b) == 0;
}

/* Checks and normalizes v (trimmed, not empty, owned by n after the call). */
static kc_status check_field(enum account_field k, char *v, struct norm *n,
	enum account_field *bad, kc_error *err)
{
	const char *label = _(field_defs[k].label);
	n->v[k] = v;
	switch (k) {
	case ACCOUNT_FIELD_EMAIL:
		if (!account_text_valid(v, field_defs[k].max_chars) || strlen(v) < 3 || !email_valid(v))
			return value_error(k, bad, err,
				_("The email address \"%s\" is not valid"), v);
		return KC_OK;
	case ACCOUNT_FIELD_PROVINCE:
		ascii_upper(v);
		for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
			if (strcmp(v, provinces[i]) == 0)
				return KC_OK;
		return value_error(k, bad, err,
			_("Unknown province \"%s\": use one of AB, BC, MB, NB, NL, NS, NT, NU, ON, PE, QC, SK, YT"), v);
	case ACCOUNT_FIELD_LANGUAGE:
		ascii_lower(v);
		if (one_of(v, "fr", "en"))
			return KC_OK;
		return value_error(k, bad, err, _("Unknown language \"%s\": use fr or en"), v);
	case ACCOUNT_FIELD_KIND:
		ascii_lower(v);
		if (one_of(v, "business", "consumer"))
			return KC_OK;
		return value_error(k, bad, err,
			_("Unknown customer kind \"%s\": use business or consumer"), v);
	case ACCOUNT_FIELD_LEVEL:
		ascii_lower(v);
		for (char *p = v; *p; p++)
			if (*p == ' ' || *p == '-')
				*p = '_';
		if (one_of(v, "basic", "fully_administered"))
			return KC_OK;
		return value_error(k, bad, err,
			_("Unknown service level \"%s\": use basic or fully_administered"), v);
	case ACCOUNT_FIELD_TERM:
		ascii_lower(v);
		if (one_of(v, "monthly", "annual"))
			return KC_OK;
		return value_error(k, bad, err, _("Unknown term \"%s\": use monthly or annual"), v);
	case ACCOUNT_FIELD_DELIVERY:
		if (delivery_normalize(v))
			return KC_OK;
		return field_error(k, bad, err, KC_ERR_INVALID, kc_strdup(
			_("Statement delivery must list one or more of portal, email, mail, separated by commas")));
	case ACCOUNT_FIELD_VOIPMS_CLIENT:
		if (all_digits(v) && strlen(v) <= 32)
			return KC_OK;
		return value_error(k, bad, err,
			_("The voip.ms client \"%s\" must be 1 to 32 digits"), v);
	case ACCOUNT_FIELD_SIGNED_ON: {
		kc_date d;
		if (date_parse(v, &d, err) != KC_OK) {
			if (bad)
				*bad = k;
			return KC_ERR_INVALID;
		}
		return KC_OK;
	}
	case ACCOUNT_FIELD_EXPECTED_USAGE:
		if (money_parse(v, &n->usage_cents, err) != KC_OK) {
			if (bad)
				*bad = k;
			return KC_ERR_INVALID;
		}
		if (n->usage_cents < 0)
			return field_error(k, bad, err, KC_ERR_INVALID,
				kc_strdup(_("The expected monthly usage cannot be negative")));
		return KC_OK;
	default: /* free text */
		if (!account_text_valid(v, SIZE_MAX))
			return field_error(k, bad, err, KC_ERR_INVALID, kc_asprintf(
				_("The %s contains invalid or control characters"), label));
		if (!account_text_valid(v, field_defs[k].max_chars))
			return field_error(k, bad, err, KC_ERR_INVALID, kc_asprintf(
				_("The %s is too long (at most %zu characters)"), label,
				field_defs[k].max_chars));
		return KC_OK;
	}
}

static bool required_on_create(enum account_field k)
{
	return k == ACCOUNT_FIELD_HOLDER || k == ACCOUNT_FIELD_EMAIL || k == ACCOUNT_FIELD_PROVINCE
		|| k == ACCOUNT_FIELD_LEVEL || k == ACCOUNT_FIELD_VOIPMS_CLIENT;
}

static const char *create_default(enum account_field k)
{
	switch (k) {
	case ACCOUNT_FIELD_LANGUAGE: return "fr";
	case ACCOUNT_FIELD_KIND: return "business";
	case ACCOUNT_FIELD_TERM: return "monthly";
	case ACCOUNT_FIELD_DELIVERY: return "email";
	case ACCOUNT_FIELD_EXPECTED_USAGE: return "0.00";
	default: return "";
	}
}

/* Validates every given field into n (zeroed by the caller).  Creating:
 * required fields must be there and defaults fill the others. */
static kc_status norm_build(const struct account_fields *f, bool creating, struct norm *n,
	enum account_field *bad, kc_error *err)
{
	if (bad)
		*bad = ACCOUNT_FIELD_NONE;
	if (!f)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("No account fields given"));
	char today[DATE_BUFSZ];
	today_text(today);
	for (int k = 1; k < NFIELDS; k++) {
		if (k == ACCOUNT_FIELD_HOLDER && !creating)
			continue;
		const char *raw = raw_field(f, (enum account_field)k);
		if (blank(raw)) {
			if (!creating)
				continue;
			if (required_on_create((enum account_field)k))
				return field_error((enum account_field)k, bad, err, KC_ERR_INVALID,
					kc_asprintf(_("The %s is required"), _(field_defs[k].label)));
			raw = k == ACCOUNT_FIELD_SIGNED_ON ? today : create_default((enum account_field)k);
			if (!*raw) {
				n->v[k] = kc_strdup("");
				if (!n->v[k])
					return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
				continue;
			}
		}
		char *v = trim_dup(raw);
		if (!v)
			return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
		kc_status st = check_field((enum account_field)k, v, n, bad, err);
		if (st != KC_OK)
			return st;
	}
	return KC_OK;
}

kc_status account_validate(const struct account_fields *f, bool creating,
	enum account_field *bad_field, kc_error *err)
{
	struct norm n = { { NULL }, 0 };
	kc_status st = norm_build(f, creating, &n, bad_field, err);
	norm_free(&n);
	return st;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

#define ACCOUNT_COLUMNS \
	"id, number, holder, company, email, phone, address, city, postal_code, province, " \
	"language, delivery, kind, level, term, term_started, next_term, voipms_client, " \
	"status, signed_on, welcome_call, closed_on, closure_reason, expected_usage_cents, " \
	"balance_cents, high_risk, flagged_for_closure, reopen_barred, created_at, " \
	"created_by, updated_at, updated_by, version"

void account_clear(struct account *a)
{
	if (!a)
		return;
	char **strings[] = {
		&a->number, &a->holder, &a->company, &a->email, &a->phone, &a->address,
		&a->city, &a->postal_code, &a->province, &a->language, &a->delivery, &a->kind,
		&a->level, &a->term, &a->term_started, &a->next_term, &a->voipms_client,
		&a->status, &a->signed_on, &a->welcome_call, &a->closed_on, &a->closure_reason,
		&a->created_at, &a->created_by, &a->updated_at, &a->updated_by,
	};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		free(*strings[i]);
	memset(a, 0, sizeof *a);
}

/* Copies a text column (NULL stays NULL); *ok turns false on NOMEM. */
static char *col_dup(sqlite3_stmt *st, int col, bool *ok)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t)
		return NULL;
	char *s = kc_strdup((const char *)t);
	if (!s)
		*ok = false;
	return s;
}

static kc_status read_account(sqlite3_stmt *st, struct account *a, kc_error *err)
{
	bool ok = true;
	int c = 0;
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(st, c++);
	char **text1[] = {
		&a->number, &a->holder, &a->company, &a->email, &a->phone, &a->address,
		&a->city, &a->postal_code, &a->province, &a->language, &a->delivery, &a->kind,
		&a->level, &a->term, &a->term_started, &a->next_term, &a->voipms_client,
		&a->status, &a->signed_on, &a->welcome_call, &a->closed_on, &a->closure_reason,
	};
	for (size_t i = 0; i < sizeof text1 / sizeof text1[0]; i++)
		*text1[i] = col_dup(st, c++, &ok);
	a->expected_usage_cents = sqlite3_column_int64(st, c++);
	a->balance_cents = sqlite3_column_int64(st, c++);
	a->high_risk = sqlite3_column_int(st, c++) != 0;
	a->flagged_for_closure = sqlite3_column_int(st, c++) != 0;
	a->reopen_barred = sqlite3_column_int(st, c++) != 0;
	char **text2[] = { &a->created_at, &a->created_by, &a->updated_at, &a->updated_by };
	for (size_t i = 0; i < sizeof text2 / sizeof text2[0]; i++)
		*text2[i] = col_dup(st, c++, &ok);
	a->version = sqlite3_column_int64(st, c);
	if (!ok) {
		account_clear(a);
		return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
	}
	return KC_OK;
}

kc_status account_get(kc_db *db, int64_t id, struct account *out, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	kc_status rc = db_prepare(db, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = read_account(st, out, err);
	else if (s == SQLITE_DONE)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("No account with id %lld"), (long long)id);
	else
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	return rc;
}

/* Looks up one id by an exact column value; KC_ERR_NOT_FOUND quietly. */
static kc_status lookup_id(kc_db *db, const char *sql, const char *text, int64_t num,
	int64_t *id, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, sql, &st, err);
	if (rc != KC_OK)
		return rc;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, num);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s == SQLITE_DONE)
		rc = KC_ERR_NOT_FOUND;
	else
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	return rc;
}

static kc_status resolve_number(kc_db *db, const char *digits, const char *ref, int64_t *id,
	kc_error *err)
{
	if (!all_digits(digits) || strlen(digits) > 18)
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("\"%s\" is not an account number (K-000123)"), ref);
	char *number = kc_asprintf("K-%06lld", strtoll(digits, NULL, 10));
	if (!number)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
	kc_status rc = lookup_id(db, "SELECT id FROM accounts WHERE number = ?1", number, 0, id, err);
	if (rc == KC_ERR_NOT_FOUND)
		kc_error_set(err, rc, _("No account %s"), number);
	free(number);
	return rc;
}

kc_status account_resolve(kc_db *db, const char *ref, int64_t *id, kc_error *err)
{
	if (blank(ref))
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("No account given"));
	char *r = trim_dup(ref);
	if (!r)
		return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
	kc_status rc;
	if ((r[0] == 'K' || r[0] == 'k') && r[1] == '-') {
		rc = resolve_number(db, r + 2, r, id, err);
	} else if (all_digits(r) && strlen(r) <= 32) {
		int64_t by_id = 0, by_client = 0;
		kc_status a = KC_ERR_NOT_FOUND, b;
		if (strlen(r) <= 18)
			a = lookup_id(db, "SELECT id FROM accounts WHERE id = ?1", NULL,
				strtoll(r, NULL, 10), &by_id, err);
		b = a == KC_OK || a == KC_ERR_NOT_FOUND
			? lookup_id(db, "SELECT id FROM accounts WHERE voipms_client = ?1", r, 0, &by_client, err)
			: a;
		if (a != KC_OK && a != KC_ERR_NOT_FOUND)
			rc = a;
		else if (b != KC_OK && b != KC_ERR_NOT_FOUND)
			rc = b;
		else if (a == KC_OK && b == KC_OK && by_id != by_client)
			rc = kc_error_set(err, KC_ERR_INVALID,
				_("\"%s\" is both an account id and another account's voip.ms client; use the account number (K-...)"), r);
		else if (a == KC_OK || b == KC_OK)
			*id = a == KC_OK ? by_id : by_client, rc = KC_OK;
		else
			rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("No account matches \"%s\""), r);
	} else {
		rc = kc_error_set_quoted(err, KC_ERR_INVALID,
			_("\"%s\" is not an account number (K-000123), an id or a voip.ms client id"), r);
	}
	free(r);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
}

static kc_status conflict_error(const struct account *now, kc_error *err)
{
	char when[DATE_LOCAL_BUFSZ];
	return kc_error_set(err, KC_ERR_CONFLICT,
		_("Account %s was changed by %s at %s; your changes were not saved"),
		now->number, db_change_who(now->updated_by), db_change_when(now->updated_at, when));
}

/* Loads the row inside the write transaction and checks its version. */
static kc_status load_for_change(kc_db *db, int64_t id, int64_t expected_version,
	struct account *a, kc_error *err)
{
	kc_status st = account_get(db, id, a, err);
	if (st == KC_OK && expected_version != 0 && a->version != expected_version)
		st = conflict_error(a, err);
	return st;
}

/* One column change (or, with audit_only, a value that only goes into the
 * audit row, such as a suspension reason). */
struct change {
	const char *column;
	bool is_int, audit_only;
	const char *old_s, *new_s;
	int64_t old_i, new_i;
};

#define MAX_CHANGES 24

struct changeset {
	struct change c[MAX_CHANGES];
	size_t n;
};

static void cs_text(struct changeset *cs, const char *column, const char *old_s, const char *new_s)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ column, false, false, old_s, new_s, 0, 0 };
}

static void cs_int(struct changeset *cs, const char *column, int64_t old_i, int64_t new_i)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ column, true, false, NULL, NULL, old_i, new_i };
}

static void cs_note(struct changeset *cs, const char *key, const char *value)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ key, false, true, NULL, value, 0, 0 };
}

static size_t cs_columns(const struct changeset *cs)
{
	size_t n = 0;
	for (size_t i = 0; i < cs->n; i++)
		n += !cs->c[i].audit_only;
	return n;
}

static kc_status audit_changes(kc_db *db, const struct account *a, const struct changeset *cs,
	const char *action, kc_error *err)
{
	strbuf o = STRBUF_INIT, nw = STRBUF_INIT;
	audit_json_begin(&o);
	audit_json_begin(&nw);
	for (size_t i = 0; i < cs->n; i++) {
		const struct change *c = &cs->c[i];
		if (c->is_int) {
			audit_json_int(&o, c->column, c->old_i);
			audit_json_int(&nw, c->column, c->new_i);
		} else {
			if (!c->audit_only)
				audit_json_str(&o, c->column, c->old_s);
			audit_json_str(&nw, c->column, c->new_s);
		}
	}
	audit_json_end(&o);
	audit_json_end(&nw);
	char *old_json = strbuf_detach(&o), *new_json = strbuf_detach(&nw);
	kc_status st = old_json && new_json
		? audit_record(db, "account", a->id, a->id, action, old_json, new_json, err)
		: nomem(err);
	free(old_json);
	free(new_json);
	return st;
}

/* UPDATE accounts SET <changes>, version+1, who/when WHERE id AND version,
 * then the audit row.  A row that changed meanwhile is a conflict. */
static kc_status apply_changes(kc_db *db, const struct account *a, const struct changeset *cs,
	const char *action, kc_error *err)
{
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql, "UPDATE accounts SET ");
	for (size_t i = 0; i < cs->n; i++)
		if (!cs->c[i].audit_only)
			strbuf_appendf(&sql, "%s = ?, ", cs->c[i].column);
	strbuf_append(&sql, "version = version + 1, updated_at = ?, updated_by = ? "
		"WHERE id = ? AND version = ?");
	if (strbuf_failed(&sql)) {
		strbuf_free(&sql);
		return nomem(err);
	}
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, strbuf_cstr(&sql), &st, err);
	strbuf_free(&sql);
	if (rc != KC_OK)
		return rc;
	int p = 1;
	for (size_t i = 0; i < cs->n; i++) {
		const struct change *c = &cs->c[i];
		if (c->audit_only)
			continue;
		if (c->is_int)
			sqlite3_bind_int64(st, p++, c->new_i);
		else if (c->new_s)
			sqlite3_bind_text(st, p++, c->new_s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, p++);
	}
	char now[24];
	db_now_iso(now);
	sqlite3_bind_text(st, p++, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, p++, db_staff(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, p++, a->id);
	sqlite3_bind_int64(st, p, a->version);
	int s = sqlite3_step(st);
	int changed = sqlite3_changes(db_handle(db));
	db_finalize(db, &st);
	if (s != SQLITE_DONE)
		return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	if (changed != 1) {
		struct account now_row;
		if (account_get(db, a->id, &now_row, err) == KC_OK) {
			rc = conflict_error(&now_row, err);
			account_clear(&now_row);
			return rc;
		}
		return KC_ERR_CONFLICT;
	}
	return audit_changes(db, a, cs, action, err);
}

/* A statement with text/int parameters given as a NULL-terminated list of
 * (type, value) pairs would be overkill: the few inserts bind by hand. */
static kc_status step_done(kc_db *db, sqlite3_stmt **st, kc_error *err)
{
	int s = sqlite3_step(*st);
	db_finalize(db, st);
	return s == SQLITE_DONE ? KC_OK : db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* ACC-2: the voip.ms client must not belong to another account. */
static kc_status check_client_unique(kc_db *db, const char *client, int64_t self,
	enum account_field *bad, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT number FROM accounts WHERE voipms_client = ?1 AND id <> ?2", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_text(st, 1, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, self);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		if (bad)
			*bad = ACCOUNT_FIELD_VOIPMS_CLIENT;
		rc = kc_error_set(err, KC_ERR_RULE,
			_("ACC-2: voip.ms client %s is already used by account %s"),
			client, (const char *)sqlite3_column_text(st, 0));
	} else if (s != SQLITE_DONE) {
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	}
	db_finalize(db, &st);
	return rc;
}

static kc_status insert_account(kc_db *db, const struct norm *n, const char *number,
	int64_t *out_id, kc_error *err)
{
	static const enum account_field order[] = {
		ACCOUNT_FIELD_HOLDER, ACCOUNT_FIELD_COMPANY, ACCOUNT_FIELD_EMAIL,
		ACCOUNT_FIELD_PHONE, ACCOUNT_FIELD_ADDRESS, ACCOUNT_FIELD_CITY,
		ACCOUNT_FIELD_POSTAL_CODE, ACCOUNT_FIELD_PROVINCE, ACCOUNT_FIELD_LANGUAGE,
		ACCOUNT_FIELD_DELIVERY, ACCOUNT_FIELD_KIND, ACCOUNT_FIELD_LEVEL,
		ACCOUNT_FIELD_TERM, ACCOUNT_FIELD_VOIPMS_CLIENT, ACCOUNT_FIELD_SIGNED_ON,
	};
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO accounts (holder, company, email, phone, address, city, postal_code, "
		"province, language, delivery, kind, level, term, voipms_client, signed_on, "
		"expected_usage_cents, number, status, created_at, created_by, updated_at, updated_by) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
		"'pending', ?18, ?19, ?18, ?19)", &st, err);
	if (rc != KC_OK)
		return rc;
	int p = 1;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		bind_text(st, p++, n->v[order[i]]);
	sqlite3_bind_int64(st, p++, n->usage_cents);
	sqlite3_bind_text(st, p++, number, -1, SQLITE_TRANSIENT);
	char now[24];
	db_now_iso(now);
	sqlite3_bind_text(st, p++, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, p, db_staff(db), -1, SQLITE_TRANSIENT);
	rc = step_done(db, &st, err);
	if (rc == KC_OK)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return rc;
}

static kc_status audit_create(kc_db *db, int64_t id, const char *number, const struct norm *n,
	kc_error *err)
{
	strbuf sb = STRBUF_INIT;
	audit_json_begin(&sb);
	audit_json_str(&sb, "number", number);
	for (int k = 1; k < NFIELDS; k++) {
		if (k == ACCOUNT_FIELD_EXPECTED_USAGE)
			audit_json_int(&sb, field_defs[k].column, n->usage_cents);
		else
			audit_json_str(&sb, field_defs[k].column, n->v[k]);
	}
	audit_json_str(&sb, "status", "pending");
	audit_json_end(&sb);
	char *json = strbuf_detach(&sb);
	if (!json)
		return nomem(err);
	kc_status rc = audit_record(db, "account", id, id, "account.create", NULL, json, err);
	free(json);
	return rc;
}

static kc_status create_in_tx(kc_db *db, const struct norm *n, int64_t *out_id,
	enum account_field *bad, kc_error *err)
{
	kc_status rc = check_client_unique(db, n->v[ACCOUNT_FIELD_VOIPMS_CLIENT], 0, bad, err);
	int64_t seq = 0;
	if (rc == KC_OK)
		rc = db_next_sequence(db, "account", &seq, err);
	if (rc != KC_OK)
		return rc;
	char *number = kc_asprintf("K-%06lld", (long long)seq);
	if (!number)
		return nomem(err);
	int64_t id = 0;
	rc = insert_account(db, n, number, &id, err);
	if (rc == KC_OK)
		rc = audit_create(db, id, number, n, err);
	free(number);
	if (rc == KC_OK && out_id)
		*out_id = id;
	return rc;
}

kc_status account_create(kc_db *db, const struct account_fields *f, int64_t *out_id,
	enum account_field *bad_field, kc_error *err)
{
	struct norm n = { { NULL }, 0 };
	kc_status rc = norm_build(f, true, &n, bad_field, err);
	if (rc == KC_OK)
		rc = db_change_begin(db, err);
	if (rc == KC_OK)
		rc = db_change_end(db, create_in_tx(db, &n, out_id, bad_field, err), err);
	norm_free(&n);
	return rc;
}

/* ACC-6: how a requested term changes term / next_term / term_started. */
static kc_status term_change(const struct account *a, const char *want, struct changeset *cs,
	enum account_field *bad, kc_error *err)
{
	if (strcmp(want, a->term) == 0) {
		if (a->next_term) /* asking for the current term cancels a pending switch */
			cs_text(cs, "next_term", a->next_term, NULL);
		return KC_OK;
	}
	if (strcmp(want, "annual") == 0) { /* monthly -> annual: at the next anniversary */
		if (!streq(a->next_term, "annual"))
			cs_text(cs, "next_term", a->next_term, "annual");
		return KC_OK;
	}
	/* annual -> monthly: only once the annual term has ended. */
	if (a->term_started) {
		kc_date start, today = date_today_local();
		if (date_parse(a->term_started, &start, NULL) == KC_OK) {
			kc_date end = date_cycle_nth(CYCLE_MONTHLY, start, 12);
			if (date_compare(today, end) < 0) {
				char buf[DATE_BUFSZ];
				if (bad)
					*bad = ACCOUNT_FIELD_TERM;
				return kc_error_set(err, KC_ERR_RULE,
					_("ACC-6: the annual term of account %s runs until %s; it cannot change to monthly before then"),
					a->number, date_format(end, buf));
			}
		}
		cs_text(cs, "term_started", a->term_started, NULL);
	}
	cs_text(cs, "term", a->term, "monthly");
	if (a->next_term)
		cs_text(cs, "next_term", a->next_term, NULL);
	return KC_OK;
}

static const char *account_text_column(const struct account *a, enum account_field k)
{
	switch (k) {
	case ACCOUNT_FIELD_HOLDER: return a->holder;
	case ACCOUNT_FIELD_COMPANY: return a->company;
	case ACCOUNT_FIELD_EMAIL: return a->email;
	case ACCOUNT_FIELD_PHONE: return a->phone;
	case ACCOUNT_FIELD_ADDRESS: return a->address;
	case ACCOUNT_FIELD_CITY: return a->city;
	case ACCOUNT_FIELD_POSTAL_CODE: return a->postal_code;
	case ACCOUNT_FIELD_PROVINCE: return a->province;
	case ACCOUNT_FIELD_LANGUAGE: return a->language;
	case ACCOUNT_FIELD_DELIVERY: return a->delivery;
	case ACCOUNT_FIELD_KIND: return a->kind;
	case ACCOUNT_FIELD_LEVEL: return a->level;
	case ACCOUNT_FIELD_TERM: return a->term;
	case ACCOUNT_FIELD_VOIPMS_CLIENT: return a->voipms_client;
	case ACCOUNT_FIELD_SIGNED_ON: return a->signed_on;
	default: return NULL;
	}
}

/* Collects the changes an update asks for (holder and term ruled apart). */
static kc_status update_changes(kc_db *db, const struct account *a, const struct norm *n,
	struct changeset *cs, enum account_field *bad, kc_error *err)
{
	for (int k = ACCOUNT_FIELD_COMPANY; k < NFIELDS; k++) {
		const char *v = n->v[k];
		if (!v)
			continue;
		if (k == ACCOUNT_FIELD_EXPECTED_USAGE) {
			if (n->usage_cents != a->expected_usage_cents)
				cs_int(cs, field_defs[k].column, a->expected_usage_cents, n->usage_cents);
			continue;
		}
		if (k == ACCOUNT_FIELD_TERM) {
			kc_status rc = term_change(a, v, cs, bad, err);
			if (rc != KC_OK)
				return rc;
			continue;
		}
		const char *old = account_text_column(a, (enum account_field)k);
		if (streq(old, v))
			continue;
		if (k == ACCOUNT_FIELD_VOIPMS_CLIENT) {
			kc_status rc = check_client_unique(db, v, a->id, bad, err);
			if (rc != KC_OK)
				return rc;
		}
		if (k == ACCOUNT_FIELD_SIGNED_ON && a->welcome_call && strcmp(v, a->welcome_call) > 0) {
			if (bad)
				*bad = (enum account_field)k;
			return kc_error_set(err, KC_ERR_INVALID,
				_("The signature date (%s) cannot be after the welcome call (%s)"), v,
				a->welcome_call);
		}
		cs_text(cs, field_defs[k].column, old, v);
	}
	return KC_OK;
}

static bool only_term_columns(const struct changeset *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].column, "term") != 0 && strcmp(cs->c[i].column, "next_term") != 0
			&& strcmp(cs->c[i].column, "term_started") != 0)
			return false;
	return true;
}

static kc_status update_in_tx(kc_db *db, int64_t id, int64_t expected_version,
	const struct account_fields *f, const struct norm *n, struct account *current,
	enum account_field *bad, kc_error *err)
{
	struct account a;
	kc_status rc = load_for_change(db, id, expected_version, &a, err);
	if (rc == KC_ERR_CONFLICT && current) {
		*current = a;
		return rc;
	}
	if (rc != KC_OK) {
		account_clear(&a);
		return rc;
	}
	if (!blank(f->holder)) {
		char *h = trim_dup(f->holder);
		bool same = h && strcmp(h, a.holder) == 0;
		free(h);
		if (!same) {
			if (bad)
				*bad = ACCOUNT_FIELD_HOLDER;
			account_clear(&a);
			return kc_error_set(err, KC_ERR_RULE, "%s",
				_("ACC-1: the account holder cannot be changed"));
		}
	}
	struct changeset cs = { .n = 0 };
	rc = update_changes(db, &a, n, &cs, bad, err);
	if (rc == KC_OK && cs_columns(&cs) > 0)
		rc = apply_changes(db, &a, &cs,
			only_term_columns(&cs) ? "account.term" : "account.edit", err);
	if (rc == KC_ERR_CONFLICT && current)
		account_get(db, id, current, NULL);
	account_clear(&a);
	return rc;
}

kc_status account_update(kc_db *db, int64_t id, int64_t expected_version,
	const struct account_fields *f, struct account *current,
	enum account_field *bad_field, kc_error *err)
{
	struct norm n = { { NULL }, 0 };
	kc_status rc = norm_build(f, false, &n, bad_field, err);
	if (rc == KC_OK)
		rc = db_change_begin(db, err);
	if (rc == KC_OK)
		rc = db_change_end(db, update_in_tx(db, id, expected_version, f, &n, current,
			bad_field, err), err);
	norm_free(&n);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Lifecycle (ACC-3)                                                   */

/* One lifecycle step: checks, then changes, inside one transaction.  The
 * changeset only points to strings: they must outlive the step function
 * (in *a or in arg), never in the step's own stack frame. */
typedef kc_status (*step_fn)(kc_db *db, const struct account *a, struct changeset *cs,
	const void *arg, kc_error *err);

static kc_status run_step(kc_db *db, int64_t id, int64_t expected_version, const char *action,
	step_fn fn, const void *arg, kc_error *err)
{
	kc_status rc = db_change_begin(db, err);
	if (rc != KC_OK)
		return rc;
	struct account a;
	rc = load_for_change(db, id, expected_version, &a, err);
	struct changeset cs = { .n = 0 };
	if (rc == KC_OK)
		rc = fn(db, &a, &cs, arg, err);
	if (rc == KC_OK && cs_columns(&cs) > 0)
		rc = apply_changes(db, &a, &cs, action, err);
	account_clear(&a);
	return db_change_end(db, rc, err);
}

/* The refusals name the account and its status (ACC-3). */
#define refuse_status(a, fmt, err) \
	kc_error_set((err), KC_ERR_RULE, (fmt), (a)->number, account_status_label((a)->status))

static kc_status activate_step(kc_db *db, const struct account *a, struct changeset *cs,
	const void *arg, kc_error *err)
{
	(void)db;
	const char *when = arg;
	if (strcmp(a->status, "pending") != 0)
		return refuse_status(a, _("ACC-3: only a pending account can be activated (account %s is %s)"), err);
	if (a->high_risk)
		return kc_error_set(err, KC_ERR_RULE,
			_("ACC-11: account %s is marked high risk (documents requested); clear the mark before activating it"),
			a->number);
	if (strcmp(when, a->signed_on) < 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The welcome call (%s) cannot be before the contract signature (%s)"),
			when, a->signed_on);
	cs_text(cs, "status", a->status, "active");
	cs_text(cs, "welcome_call", a->welcome_call, when);
	/* ACC-4/ACC-6: the welcome call starts the term; a pending switch to
	 * annual takes effect now, at the first anniversary. */
	if (streq(a->next_term, "annual") || strcmp(a->term, "annual") == 0) {
		if (strcmp(a->term, "annual") != 0)
			cs_text(cs, "term", a->term, "annual");
		cs_text(cs, "term_started", a->term_started, when);
	}
	if (a->next_term)
		cs_text(cs, "next_term", a->next_term, NULL);
	return KC_OK;
}

kc_status account_activate(kc_db *db, int64_t id, int64_t expected_version,
	const char *welcome_call_date, kc_error *err)
{
	char when[DATE_BUFSZ];
	kc_date d;
	if (blank(welcome_call_date)) {
		today_text(when);
	} else {
		if (date_parse(welcome_call_date, &d, err) != KC_OK)
			return KC_ERR_INVALID;
		date_format(d, when);
	}
	return run_step(db, id, expected_version, "account.activate", activate_step, when, err);
}

struct reason_note {
	const char *reason, *note;
};

static kc_status suspend_step(kc_db *db, const struct account *a, struct changeset *cs,
	const void *arg, kc_error *err)
{
	const struct reason_note *rn = arg;
	if (strcmp(a->status, "active") != 0)
		return refuse_status(a, _("ACC-3: only an active account can be suspended (account %s is %s)"), err);
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO suspensions (account_id, reason, note, started_at, started_by) "
		"VALUES (?1, ?2, ?3, ?4, ?5)", &st, err);
	if (rc != KC_OK)
		return rc;
	char now[24];
	db_now_iso(now);
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, rn->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, rn->note, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, db_staff(db), -1, SQLITE_TRANSIENT);
	rc = step_done(db, &st, err);
	cs_text(cs, "status", a->status, "suspended");
	cs_note(cs, "reason", rn->reason);
	if (*rn->note)
		cs_note(cs, "note", rn->note);
	return rc;
}

kc_status account_suspend(kc_db *db, int64_t id, int64_t expected_version,
	const char *reason, const char *note, kc_error *err)
{
	if (!word_find(WORDS(suspend_reasons), reason))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("ACC-9: unknown suspension reason \"%s\": use overdue, chargeback, reassessment or breach"),
			reason);
	char *n = trim_dup(note ? note : "");
	if (!n)
		return nomem(err);
	kc_status rc;
	if (!account_text_valid(n, NOTE_MAX_CHARS))
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("The note must be at most %d characters, without control characters"),
			NOTE_MAX_CHARS);
	else
		rc = run_step(db, id, expected_version, "account.suspend", suspend_step,
			&(struct reason_note){ reason, n }, err);
	free(n);
	return rc;
}

/* Ends the open suspension of an account (if any). */
static kc_status end_suspension(kc_db *db, int64_t account_id, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"UPDATE suspensions SET ended_at = ?1, ended_by = ?2 "
		"WHERE account_id = ?3 AND ended_at IS NULL", &st, err);
	if (rc != KC_OK)
		return rc;
	char now[24];
	db_now_iso(now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, db_staff(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, account_id);
	return step_done(db, &st, err);
}

/* BIL-6 / TRM-8 refusals name the account and the amount owed, and how
 * much of it is not invoiced yet (PAY-4/PAY-5 reassessments and fees). */
static kc_status refuse_owed(const struct account *a, const struct payment_owed *o,
	bool reopening, kc_error *err)
{
	char *owed = money_for_user(o->owed);
	char *later = money_for_user(o->owed - o->balance);
	kc_status rc = KC_ERR_RULE;
	if (!owed || !later)
		rc = nomem(err);
	else if (reopening && o->owed > o->balance)
		kc_error_set(err, KC_ERR_RULE,
			_("TRM-8: account %s owes %s, of which %s is not invoiced yet (reassessments and fees); the unpaid balance must be paid before reopening"),
			a->number, owed, later);
	else if (reopening)
		kc_error_set(err, KC_ERR_RULE,
			_("TRM-8: account %s owes %s; the unpaid balance must be paid before reopening"),
			a->number, owed);
	else if (o->owed > o->balance)
		kc_error_set(err, KC_ERR_RULE,
			_("BIL-6: account %s still owes %s, of which %s is not invoiced yet (reassessments and fees); the full balance must be paid before reinstatement"),
			a->number, owed, later);
	else
		kc_error_set(err, KC_ERR_RULE,
			_("BIL-6: account %s still owes %s; the full balance must be paid before reinstatement"),
			a->number, owed);
	free(owed);
	free(later);
	return rc;
}

/* BIL-6 / TRM-8: refused while anything is owed, invoiced or not
 * (payment_amount_owed, in the step's transaction). */
static kc_status require_paid(kc_db *db, const struct account *a, bool reopening, kc_error *err)
{
	struct payment_owed o;
	kc_status rc = payment_amount_owed(db, a->id, &o, err);
	if (rc == KC_OK && o.owed > 0)
		rc = refuse_owed(a, &o, reopening, err);
	return rc;
}

static kc_status reinstate_step(kc_db *db, const struct account *a, struct changeset *cs,
	const void *arg, kc_error *err)
{
	(void)arg;
	if (strcmp(a->status, "suspended") != 0)
		return refuse_status(a, _("ACC-3: only a suspended account can be reinstated (account %s is %s)"), err);
	kc_status rc = require_paid(db, a, false, err);
	if (rc != KC_OK)
		return rc;
	cs_text(cs, "status", a->status, "active");
	return end_suspension(db, a->id, err);
}

kc_status account_reinstate(kc_db *db, int64_t id, int64_t expected_version, kc_error *err)
{
	return run_step(db, id, expected_version, "account.reinstate", reinstate_step, NULL, err);
}

/* Values the changeset points to must outlive the step: they live here. */
struct close_args {
	const char *reason;
	bool bar;
	char today[DATE_BUFSZ];
};

static kc_status close_step(kc_db *db, const struct account *a, struct changeset *cs,
	const void *arg, kc_error *err)
{
	const struct close_args *ca = arg;
	if (strcmp(a->status, "closed") == 0)
		return refuse_status(a, _("ACC-3: account %s is already %s"), err);
	cs_text(cs, "status", a->status, "closed");
	cs_text(cs, "closed_on", a->closed_on, ca->today);
	cs_text(cs, "closure_reason", a->closure_reason, ca->reason);
	if (ca->bar != a->reopen_barred)
		cs_int(cs, "reopen_barred", a->reopen_barred, ca->bar);
	/* a suspension does not outlive the account */
	return strcmp(a->status, "suspended") == 0 ? end_suspension(db, a->id, err) : KC_OK;
}

kc_status account_close(kc_db *db, int64_t id, int64_t expected_version,
	const char *reason, bool bar_reopening, kc_error *err)
{
	if (!word_find(WORDS(close_reasons), reason))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("ACC-10: unknown closure reason \"%s\": use law, terms_violation, insolvency, harm, complaints or holder_request"),
			reason);
	struct close_args ca = { reason, bar_reopening, "" };
	today_text(ca.today);
	return run_step(db, id, expected_version, "account.close", close_step, &ca, err);
}

struct reopen_args {
	const char *requested_by, *identity_check;
};

static kc_status insert_reopening(kc_db *db, int64_t account_id, const struct reopen_args *ra,
	kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO reopenings (account_id, requested_by, identity_check, reopened_at, reopened_by) "
		"VALUES (?1, ?2, ?3, ?4, ?5)", &st, err);
	if (rc != KC_OK)
		return rc;
	char now[24];
	db_now_iso(now);
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, ra->requested_by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ra->identity_check, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, db_staff(db), -1, SQLITE_TRANSIENT);
	return step_done(db, &st, err);
}

static kc_status reopen_step(kc_db *db, const struct account *a, struct changeset *cs,
	const void *arg, kc_error *err)
{
	const struct reopen_args *ra = arg;
	if (strcmp(a->status, "closed") != 0)
		return refuse_status(a, _("ACC-3: only a closed account can be reopened (account %s is %s)"), err);
	if (a->reopen_barred)
		return kc_error_set(err, KC_ERR_RULE,
			_("TRM-8: account %s was barred from reopening when it was closed (ACC-10)"), a->number);
	if (!names_match(ra->requested_by, a->holder))
		return kc_error_set(err, KC_ERR_RULE,
			_("TRM-8: only the account holder (%s) can ask to reopen account %s"),
			a->holder, a->number);
	kc_status rc = require_paid(db, a, true, err);
	if (rc != KC_OK)
		return rc;
	cs_text(cs, "status", a->status, a->welcome_call ? "active" : "pending");
	cs_text(cs, "closed_on", a->closed_on, NULL);
	cs_text(cs, "closure_reason", a->closure_reason, NULL);
	cs_note(cs, "requested_by", ra->requested_by);
	cs_note(cs, "identity_check", ra->identity_check);
	return insert_reopening(db, a->id, ra, err);
}

kc_status account_reopen(kc_db *db, int64_t id, int64_t expected_version,
	const char *requested_by, const char *identity_check, kc_error *err)
{
	if (blank(requested_by))
		return kc_error_set(err, KC_ERR_RULE, "%s",
			_("TRM-8: say who asks for the reopening (only the account holder can)"));
	char *who = trim_dup(requested_by);
	char *check = trim_dup(identity_check ? identity_check : "");
	kc_status rc;
	if (!who || !check)
		rc = nomem(err);
	else if (!account_text_valid(who, 200) || !account_text_valid(check, NOTE_MAX_CHARS))
		rc = kc_error_set(err, KC_ERR_INVALID, "%s",
			_("The requester and the identity check must be plain text"));
	else if (account_text_valid(check, 2)) /* the schema wants 3 characters or more */
		rc = kc_error_set(err, KC_ERR_RULE, "%s",
			_("TRM-8: record how the holder's identity was checked (e.g. government ID seen)"));
	else
		rc = run_step(db, id, expected_version, "account.reopen", reopen_step,
			&(struct reopen_args){ who, check }, err);
	free(who);
	free(check);
	return rc;
}

static kc_status high_risk_step(kc_db *db, const struct account *a, struct changeset *cs,
	const void *arg, kc_error *err)
{
	(void)db;
	bool want = *(const bool *)arg;
	if (want && strcmp(a->status, "closed") == 0)
		return refuse_status(a, _("ACC-3: account %s is %s; it cannot be marked high risk"), err);
	if (want != a->high_risk)
		cs_int(cs, "high_risk", a->high_risk, want);
	return KC_OK;
}

kc_status account_set_high_risk(kc_db *db, int64_t id, int64_t expected_version,
	bool high_risk, kc_error *err)
{
	return run_step(db, id, expected_version, "account.high_risk", high_risk_step, &high_risk, err);
}

/* ------------------------------------------------------------------ */
/* Derived facts                                                       */

bool account_welcome_overdue(const struct account *a, const char *today)
{
	kc_date signed_on, t;
	if (!a || !a->status || strcmp(a->status, "pending") != 0 || !a->signed_on)
		return false;
	if (date_parse(a->signed_on, &signed_on, NULL) != KC_OK)
		return false;
	if (blank(today))
		t = date_today_local();
	else if (date_parse(today, &t, NULL) != KC_OK)
		return false;
	return date_days_between(signed_on, t) > WELCOME_CALL_DAYS;
}

const char *account_consumer_warning(const struct account *a)
{
	if (!a || !a->kind || strcmp(a->kind, "consumer") != 0)
		return NULL;
	return _("ACC-12: consumer account: Quebec's Consumer Protection Act lets the customer "
		"cancel a distance service at any time; annual-term and holder-only rules may not hold");
}

void account_next_bill_date(const struct account *a, const char *today, bool thirty_days,
	char buf[static 11])
{
	buf[0] = '\0';
	kc_date anchor, t;
	if (!a || !a->status || !a->welcome_call
		|| (strcmp(a->status, "active") != 0 && strcmp(a->status, "suspended") != 0))
		return;
	if (date_parse(a->welcome_call, &anchor, NULL) != KC_OK)
		return;
	if (blank(today))
		t = date_today_local();
	else if (date_parse(today, &t, NULL) != KC_OK)
		return;
	enum cycle_kind kind = thirty_days ? CYCLE_30DAYS : CYCLE_MONTHLY;
	int k = date_cycle_index_on_or_before(kind, anchor, t);
	kc_date next = anchor;
	if (k >= 0) {
		next = date_cycle_nth(kind, anchor, k);
		if (date_compare(next, t) < 0)
			next = date_cycle_nth(kind, anchor, k + 1);
	}
	char tmp[DATE_BUFSZ];
	date_format(next, tmp);
	memcpy(buf, tmp, 10);
	buf[10] = '\0';
}

/* ------------------------------------------------------------------ */
/* Lists                                                               */

/* A sort: two key columns matching an index (accounts_holder, ...).  A
 * page after a cursor is read in two index seeks: the rows sharing the
 * cursor's key (k1 = key AND k2 after), then the rows with a later key
 * (k1 after key).  One row-value comparison "(k1, k2) > (?, ?)" would
 * only seek on k1 and then walk every row sharing it (all the balances at
 * zero, say) on every page.  The collation goes on the bound value: on the
 * column ("holder COLLATE NOCASE > ?") SQLite 3.40 does not seek at all. */
struct sort_def {
	const char *k1, *collate, *k2;
	bool k1_int, k2_is_number; /* k2: number (text) or id */
};

static const struct sort_def sorts[] = {
	[ACCOUNT_SORT_NUMBER] = { "number", "", "id", false, false },
	[ACCOUNT_SORT_HOLDER] = { "holder", " COLLATE NOCASE", "id", false, false },
	[ACCOUNT_SORT_COMPANY] = { "company", " COLLATE NOCASE", "id", false, false },
	[ACCOUNT_SORT_STATUS] = { "status", "", "number", false, true },
	[ACCOUNT_SORT_BALANCE] = { "balance_cents", "", "id", true, false },
};

void account_rows_clear(struct account_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		struct account_row *r = &rows[i];
		free(r->number);
		free(r->holder);
		free(r->company);
		free(r->level);
		free(r->status);
		free(r->welcome_call);
		free(r->term);
		free(r->sort_key);
		memset(r, 0, sizeof *r);
	}
}

void account_cursor_clear(struct account_cursor *c)
{
	if (!c)
		return;
	free(c->key);
	free(c->key2);
	memset(c, 0, sizeof *c);
}

void account_cursor_set(struct account_cursor *c, const struct account_row *row)
{
	account_cursor_clear(c);
	if (!row)
		return;
	c->key = kc_strdup(row->sort_key ? row->sort_key : "");
	c->key2 = kc_strdup(row->number ? row->number : "");
	c->num = row->sort_num;
	c->id = row->id;
	c->have = c->key && c->key2;
	if (!c->have)
		account_cursor_clear(c);
}

/* The WHERE part shared by pages and counts; binds by name later. */
static void append_filters(strbuf *sql, const struct account_query *q)
{
	strbuf_append(sql, " WHERE 1");
	if (q && !blank(q->status))
		strbuf_append(sql, " AND status = :status");
	if (q && !blank(q->search))
		strbuf_append(sql, " AND (number LIKE :pat ESCAPE '\\' OR holder LIKE :pat ESCAPE '\\'"
			" OR company LIKE :pat ESCAPE '\\' OR email LIKE :pat ESCAPE '\\'"
			" OR phone LIKE :pat ESCAPE '\\' OR voipms_client LIKE :pat ESCAPE '\\')");
}

/* "%text%" with %, _ and \ escaped; NULL on NOMEM. */
static char *like_pattern(const char *search)
{
	char *t = trim_dup(search);
	if (!t)
		return NULL;
	strbuf sb = STRBUF_INIT;
	strbuf_appendc(&sb, '%');
	for (const char *p = t; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			strbuf_appendc(&sb, '\\');
		strbuf_appendc(&sb, *p);
	}
	strbuf_appendc(&sb, '%');
	free(t);
	return strbuf_detach(&sb);
}

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

static kc_status bind_filters(sqlite3_stmt *st, const struct account_query *q, kc_error *err)
{
	if (!q)
		return KC_OK;
	if (!blank(q->status)) {
		char *s = trim_dup(q->status);
		if (!s)
			return nomem(err);
		bind_named_text(st, ":status", s);
		free(s);
	}
	if (!blank(q->search)) {
		char *pat = like_pattern(q->search);
		if (!pat)
			return nomem(err);
		bind_named_text(st, ":pat", pat);
		free(pat);
	}
	return KC_OK;
}

kc_status account_count(kc_db *db, const struct account_query *q, int64_t *n, kc_error *err)
{
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql, "SELECT count(*) FROM accounts");
	append_filters(&sql, q);
	if (strbuf_failed(&sql)) {
		strbuf_free(&sql);
		return nomem(err);
	}
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, strbuf_cstr(&sql), &st, err);
	strbuf_free(&sql);
	if (rc == KC_OK)
		rc = bind_filters(st, q, err);
	if (rc == KC_OK) {
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW)
			*n = sqlite3_column_int64(st, 0);
		else
			rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	}
	db_finalize(db, &st);
	return rc;
}

/* Which rows a page query reads (see struct sort_def). */
enum page_part { PAGE_ALL, PAGE_SAME_KEY, PAGE_LATER_KEYS };

static char *page_sql(const struct account_query *q, const struct sort_def *sd,
	enum page_part part, bool desc)
{
	strbuf sql = STRBUF_INIT;
	const char *after = desc ? "<" : ">";
	strbuf_append(&sql, "SELECT id, number, holder, company, level, status, welcome_call, term, "
		"balance_cents FROM accounts");
	append_filters(&sql, q);
	if (part == PAGE_SAME_KEY)
		strbuf_appendf(&sql, " AND %s = :k1%s AND %s %s :k2", sd->k1, sd->collate, sd->k2, after);
	else if (part == PAGE_LATER_KEYS)
		strbuf_appendf(&sql, " AND %s %s :k1%s", sd->k1, after, sd->collate);
	const char *dir = desc ? "DESC" : "ASC";
	strbuf_appendf(&sql, " ORDER BY %s%s %s, %s %s LIMIT :limit", sd->k1, sd->collate, dir,
		sd->k2, dir);
	return strbuf_detach(&sql);
}

static void bind_cursor(sqlite3_stmt *st, const struct sort_def *sd, const struct account_cursor *c)
{
	if (sd->k1_int)
		bind_named_int(st, ":k1", c->num);
	else
		bind_named_text(st, ":k1", c->key ? c->key : "");
	if (sd->k2_is_number)
		bind_named_text(st, ":k2", c->key2 ? c->key2 : "");
	else
		bind_named_int(st, ":k2", c->id);
}

static kc_status read_row(sqlite3_stmt *st, enum account_sort sort, struct account_row *r,
	kc_error *err)
{
	bool ok = true;
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->number = col_dup(st, 1, &ok);
	r->holder = col_dup(st, 2, &ok);
	r->company = col_dup(st, 3, &ok);
	r->level = col_dup(st, 4, &ok);
	r->status = col_dup(st, 5, &ok);
	r->welcome_call = col_dup(st, 6, &ok);
	r->term = col_dup(st, 7, &ok);
	r->balance_cents = sqlite3_column_int64(st, 8);
	r->sort_num = sort == ACCOUNT_SORT_BALANCE ? r->balance_cents : 0;
	switch (sort) {
	case ACCOUNT_SORT_HOLDER: r->sort_key = col_dup(st, 2, &ok); break;
	case ACCOUNT_SORT_COMPANY: r->sort_key = col_dup(st, 3, &ok); break;
	case ACCOUNT_SORT_STATUS: r->sort_key = col_dup(st, 5, &ok); break;
	case ACCOUNT_SORT_BALANCE:
		r->sort_key = kc_asprintf("%lld", (long long)r->balance_cents);
		ok = ok && r->sort_key;
		break;
	default: r->sort_key = col_dup(st, 1, &ok); break;
	}
	if (!ok) {
		account_rows_clear(r, 1);
		return nomem(err);
	}
	return KC_OK;
}

static void reverse_rows(struct account_row *rows, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct account_row t = rows[i];
		rows[i] = rows[n - 1 - i];
		rows[n - 1 - i] = t;
	}
}

/* Runs one part of a page, appending up to max - *n rows. */
static kc_status page_part_run(kc_db *db, const struct account_query *q, enum account_sort sort,
	const struct account_cursor *from, enum page_part part, bool desc,
	struct account_row *rows, size_t max, size_t *n, kc_error *err)
{
	const struct sort_def *sd = &sorts[sort];
	char *sql = page_sql(q, sd, part, desc);
	if (!sql)
		return nomem(err);
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, sql, &st, err);
	free(sql);
	if (rc == KC_OK)
		rc = bind_filters(st, q, err);
	if (rc == KC_OK && part != PAGE_ALL)
		bind_cursor(st, sd, from);
	size_t want = max - *n;
	if (rc == KC_OK)
		bind_named_int(st, ":limit", want > INT32_MAX ? INT32_MAX : (int64_t)want);
	int s = SQLITE_DONE;
	while (rc == KC_OK && *n < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_row(st, sort, &rows[*n], err);
		if (rc == KC_OK)
			(*n)++;
	}
	if (rc == KC_OK && s != SQLITE_ROW && s != SQLITE_DONE)
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	return rc;
}

kc_status account_page(kc_db *db, const struct account_query *q,
	const struct account_cursor *from, bool backward,
	struct account_row *rows, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	enum account_sort sort = q ? q->sort : ACCOUNT_SORT_NUMBER;
	if ((int)sort < 0 || (size_t)sort >= sizeof sorts / sizeof sorts[0])
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("Unknown sort order"));
	if (max == 0)
		return KC_OK;
	bool desc = (q && q->descending) != backward; /* backward walks the other way */
	kc_status rc;
	if (from && from->have) {
		rc = page_part_run(db, q, sort, from, PAGE_SAME_KEY, desc, rows, max, n, err);
		if (rc == KC_OK && *n < max)
			rc = page_part_run(db, q, sort, from, PAGE_LATER_KEYS, desc, rows, max, n, err);
	} else {
		rc = page_part_run(db, q, sort, from, PAGE_ALL, desc, rows, max, n, err);
	}
	if (rc != KC_OK) {
		account_rows_clear(rows, *n);
		*n = 0;
		return rc;
	}
	if (backward)
		reverse_rows(rows, *n);
	return KC_OK;
}
