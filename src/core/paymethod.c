/* paymethod.c: an account's payment methods (see paymethod.h, ACC-8). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "paymethod.h"
#include "strbuf.h"

#define LABEL_MAX_CHARS 100
#define TOKEN_MAX_CHARS 128
#define REASON_MAX_CHARS 500
#define CARD_MIN_DIGITS 13
#define CARD_MAX_DIGITS 19
#define MAX_GROUPS 64

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Trimmed heap copy ("" for NULL); NULL on NOMEM. */
static char *trim_dup(const char *s)
{
	if (!s)
		s = "";
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return kc_strndup(s, n);
}

/* ------------------------------------------------------------------ */
/* ACC-8: full card numbers                                            */

static bool luhn_ok(const char *digits, size_t n)
{
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

/* Checks one run of digit groups ("4242 4242-4242 4242 123"): any
 * consecutive groups holding 13 to 19 digits that pass Luhn. */
static bool run_has_card(const char *digits, const size_t *group_end, size_t groups)
{
	for (size_t i = 0; i < groups; i++) {
		size_t start = i == 0 ? 0 : group_end[i - 1];
		for (size_t j = i; j < groups; j++) {
			size_t len = group_end[j] - start;
			if (len > CARD_MAX_DIGITS)
				break;
			if (len >= CARD_MIN_DIGITS && luhn_ok(digits + start, len))
				return true;
		}
	}
	return false;
}

bool paymethod_looks_like_card_number(const char *s)
{
	if (!s)
		return false;
	const char *p = s;
	while (*p) {
		if (!is_digit(*p)) {
			p++;
			continue;
		}
		/* A run: digit groups joined by single spaces or dashes. */
		char digits[MAX_GROUPS * 4 + CARD_MAX_DIGITS + 1];
		size_t group_end[MAX_GROUPS], groups = 0, nd = 0;
		bool too_long = false;
		for (;;) {
			while (is_digit(*p)) {
				if (nd < sizeof digits - 1)
					digits[nd++] = *p;
				else
					too_long = true;
				p++;
			}
			if (groups < MAX_GROUPS)
				group_end[groups++] = nd;
			else
				too_long = true;
			if ((*p == ' ' || *p == '-') && is_digit(p[1]))
				p++;
			else
				break;
		}
		(void)too_long; /* a huge run is still checked on what was kept */
		if (run_has_card(digits, group_end, groups))
			return true;
	}
	return false;
}

/* A token that is only 3 or 4 digits is a security code typed by mistake. */
static bool looks_like_security_code(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static bool is_card(const char *kind)
{
	return strcmp(kind, "visa") == 0 || strcmp(kind, "mastercard") == 0;
}

static bool kind_valid(const char *kind)
{
	return is_card(kind) || strcmp(kind, "cheque") == 0 || strcmp(kind, "wire") == 0;
}

static bool expiry_valid(const char *s)
{
	if (strlen(s) != 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && !is_digit(s[i]))
			return false;
	int month = (s[5] - '0') * 10 + (s[6] - '0');
	return month >= 1 && month <= 12;
}

struct pm_input {
	char *kind, *last4, *expiry, *token, *label;
};

static void pm_input_free(struct pm_input *in)
{
	free(in->kind);
	free(in->last4);
	free(in->expiry);
	free(in->token);
	free(in->label);
	memset(in, 0, sizeof *in);
}

static kc_status check_input(struct pm_input *in, kc_error *err)
{
	/* ACC-8 first: never echo the value, never accept it in any field. */
	const char *fields[] = { in->last4, in->expiry, in->token, in->label };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (paymethod_looks_like_card_number(fields[i]))
			return kc_error_set(err, KC_ERR_RULE, "%s",
				_("ACC-8: that looks like a full card number, which is never stored; enter only the last four digits"));
	if (looks_like_security_code(in->token))
		return kc_error_set(err, KC_ERR_RULE, "%s",
			_("ACC-8: the token looks like a card security code, which is never stored"));
	for (char *p = in->kind; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (!kind_valid(in->kind))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("Unknown payment method \"%s\": use visa, mastercard, cheque or wire"), in->kind);
	if (is_card(in->kind)) {
		if (strlen(in->last4) != 4 || strspn(in->last4, "0123456789") != 4)
			return kc_error_set(err, KC_ERR_INVALID, "%s",
				_("Enter exactly the last four digits of the card"));
	} else if (*in->last4 || *in->expiry) {
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("Only cards have last digits and an expiry date"));
	}
	if (*in->expiry && !expiry_valid(in->expiry))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("The expiry \"%s\" is not valid: use YYYY-MM (e.g. 2027-12)"), in->expiry);
	if (!account_text_valid(in->token, TOKEN_MAX_CHARS))
		return kc_error_set(err, KC_ERR_INVALID,
			_("The processor token must be at most %d characters, without control characters"),
			TOKEN_MAX_CHARS);
	if (!account_text_valid(in->label, LABEL_MAX_CHARS))
		return kc_error_set(err, KC_ERR_INVALID,
			_("The label must be at most %d characters, without control characters"),
			LABEL_MAX_CHARS);
	return KC_OK;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Runs a statement with one int64 parameter returning one int64 (or
 * KC_ERR_NOT_FOUND quietly when there is no row). */
static kc_status query_int(kc_db *db, const char *sql, int64_t param, int64_t *out, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, sql, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, param);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (s == SQLITE_DONE)
		rc = KC_ERR_NOT_FOUND;
	else
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	return rc;
}

static kc_status exec_int2(kc_db *db, const char *sql, int64_t a, int64_t b, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, sql, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	int s = sqlite3_step(st);
	db_finalize(db, &st);
	return s == SQLITE_DONE ? KC_OK : db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

static kc_status audit_pm(kc_db *db, int64_t id, int64_t account_id, const char *action,
	strbuf *old_sb, strbuf *new_sb, kc_error *err)
{
	char *o = old_sb ? strbuf_detach(old_sb) : NULL;
	char *n = strbuf_detach(new_sb);
	kc_status rc = (old_sb && !o) || !n ? nomem(err)
		: audit_record(db, "payment_method", id, account_id, action, o, n, err);
	free(o);
	free(n);
	return rc;
}

static kc_status add_in_tx(kc_db *db, int64_t account_id, const struct pm_input *in,
	int64_t *out_id, kc_error *err)
{
	int64_t found = 0, defaults = 0;
	kc_status rc = query_int(db, "SELECT id FROM accounts WHERE id = ?1", account_id, &found, err);
	if (rc == KC_ERR_NOT_FOUND)
		return kc_error_set(err, rc, _("No account with id %lld"), (long long)account_id);
	if (rc == KC_OK)
		rc = query_int(db, "SELECT count(*) FROM payment_methods WHERE account_id = ?1 "
			"AND removed_at IS NULL AND is_default = 1", account_id, &defaults, err);
	sqlite3_stmt *st = NULL;
	if (rc == KC_OK)
		rc = db_prepare(db, "INSERT INTO payment_methods (account_id, kind, last4, expiry, "
			"token, label, is_default, created_at, created_by) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st, err);
	if (rc != KC_OK)
		return rc;
	bool make_default = defaults == 0; /* ACC-8: the first method is the default */
	char now[24];
	db_now_iso(now);
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, in->kind, -1, SQLITE_TRANSIENT);
	bind_opt(st, 3, in->last4);
	bind_opt(st, 4, in->expiry);
	bind_opt(st, 5, in->token);
	sqlite3_bind_text(st, 6, in->label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, make_default);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, db_staff(db), -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	db_finalize(db, &st);
	if (s != SQLITE_DONE)
		return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	int64_t id = sqlite3_last_insert_rowid(db_handle(db));
	strbuf nb = STRBUF_INIT; /* the token is the processor's: not copied to the trail */
	audit_json_begin(&nb);
	audit_json_str(&nb, "kind", in->kind);
	audit_json_str(&nb, "last4", *in->last4 ? in->last4 : NULL);
	audit_json_str(&nb, "expiry", *in->expiry ? in->expiry : NULL);
	audit_json_str(&nb, "label", in->label);
	audit_json_int(&nb, "is_default", make_default);
	audit_json_end(&nb);
	rc = audit_pm(db, id, account_id, "paymethod.add", NULL, &nb, err);
	if (rc == KC_OK && out_id)
		*out_id = id;
	return rc;
}

kc_status paymethod_add(kc_db *db, int64_t account_id, const char *kind,
	const char *last4, const char *expiry, const char *token, const char *label,
	int64_t *out_id, kc_error *err)
{
	struct pm_input in = { trim_dup(kind), trim_dup(last4), trim_dup(expiry),
		trim_dup(token), trim_dup(label) };
	kc_status rc;
	if (!in.kind || !in.last4 || !in.expiry || !in.token || !in.label)
		rc = nomem(err);
	else
		rc = check_input(&in, err);
	if (rc == KC_OK)
		rc = db_change_begin(db, err);
	if (rc == KC_OK)
		rc = db_change_end(db, add_in_tx(db, account_id, &in, out_id, err), err);
	pm_input_free(&in);
	return rc;
}

/* The fields of one method needed to change it. */
struct pm_state {
	int64_t account_id, version;
	bool is_default, removed;
};

static kc_status load_state(kc_db *db, int64_t id, struct pm_state *ps, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, "SELECT account_id, is_default, removed_at IS NOT NULL, version "
		"FROM payment_methods WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		ps->account_id = sqlite3_column_int64(st, 0);
		ps->is_default = sqlite3_column_int(st, 1) != 0;
		ps->removed = sqlite3_column_int(st, 2) != 0;
		ps->version = sqlite3_column_int64(st, 3);
	} else if (s == SQLITE_DONE) {
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("No payment method with id %lld"), (long long)id);
	} else {
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	}
	db_finalize(db, &st);
	if (rc == KC_OK && ps->removed)
		rc = kc_error_set(err, KC_ERR_INVALID, _("Payment method %lld was removed"), (long long)id);
	return rc;
}

static kc_status remove_in_tx(kc_db *db, int64_t id, const char *reason, kc_error *err)
{
	struct pm_state ps;
	kc_status rc = load_state(db, id, &ps, err);
	sqlite3_stmt *st = NULL;
	if (rc == KC_OK)
		rc = db_prepare(db, "UPDATE payment_methods SET removed_at = ?1, removed_reason = ?2, "
			"is_default = 0, version = version + 1 WHERE id = ?3 AND version = ?4", &st, err);
	if (rc != KC_OK)
		return rc;
	char now[24];
	db_now_iso(now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_int64(st, 4, ps.version);
	int s = sqlite3_step(st);
	db_finalize(db, &st);
	if (s != SQLITE_DONE)
		return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	int64_t next_default = 0;
	if (ps.is_default) { /* the oldest remaining method takes over */
		rc = query_int(db, "SELECT id FROM payment_methods WHERE account_id = ?1 "
			"AND removed_at IS NULL ORDER BY id LIMIT 1", ps.account_id, &next_default, err);
		if (rc == KC_OK)
			rc = exec_int2(db, "UPDATE payment_methods SET is_default = 1, version = version + 1 "
				"WHERE id = ?1 AND account_id = ?2", next_default, ps.account_id, err);
		else if (rc == KC_ERR_NOT_FOUND)
			rc = KC_OK, next_default = 0;
		if (rc != KC_OK)
			return rc;
	}
	strbuf ob = STRBUF_INIT, nb = STRBUF_INIT;
	audit_json_begin(&ob);
	audit_json_str(&ob, "removed_at", NULL);
	audit_json_int(&ob, "is_default", ps.is_default);
	audit_json_end(&ob);
	audit_json_begin(&nb);
	audit_json_str(&nb, "removed_at", now);
	audit_json_str(&nb, "removed_reason", reason);
	audit_json_int(&nb, "is_default", 0);
	if (next_default)
		audit_json_int(&nb, "new_default_id", next_default);
	audit_json_end(&nb);
	return audit_pm(db, id, ps.account_id, "paymethod.remove", &ob, &nb, err);
}

kc_status paymethod_remove(kc_db *db, int64_t id, const char *reason, kc_error *err)
{
	char *r = trim_dup(reason);
	if (!r)
		return nomem(err);
	kc_status rc = KC_OK;
	if (!account_text_valid(r, REASON_MAX_CHARS))
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("The reason must be at most %d characters, without control characters"),
			REASON_MAX_CHARS);
	else if (paymethod_looks_like_card_number(r))
		rc = kc_error_set(err, KC_ERR_RULE, "%s",
			_("ACC-8: that looks like a full card number, which is never stored; enter only the last four digits"));
	if (rc == KC_OK)
		rc = db_change_begin(db, err);
	if (rc == KC_OK)
		rc = db_change_end(db, remove_in_tx(db, id, r, err), err);
	free(r);
	return rc;
}

static kc_status default_in_tx(kc_db *db, int64_t id, kc_error *err)
{
	struct pm_state ps;
	kc_status rc = load_state(db, id, &ps, err);
	if (rc != KC_OK || ps.is_default)
		return rc; /* already the default: nothing to write */
	int64_t previous = 0;
	rc = query_int(db, "SELECT id FROM payment_methods WHERE account_id = ?1 "
		"AND is_default = 1 ORDER BY id LIMIT 1", ps.account_id, &previous, err);
	if (rc == KC_ERR_NOT_FOUND)
		rc = KC_OK, previous = 0;
	if (rc == KC_OK)
		rc = exec_int2(db, "UPDATE payment_methods SET is_default = 0, version = version + 1 "
			"WHERE account_id = ?1 AND is_default = 1 AND id <> ?2", ps.account_id, id, err);
	if (rc == KC_OK)
		rc = exec_int2(db, "UPDATE payment_methods SET is_default = 1, version = version + 1 "
			"WHERE id = ?1 AND version = ?2", id, ps.version, err);
	if (rc != KC_OK)
		return rc;
	strbuf ob = STRBUF_INIT, nb = STRBUF_INIT;
	audit_json_begin(&ob);
	if (previous)
		audit_json_int(&ob, "default_id", previous);
	else
		audit_json_str(&ob, "default_id", NULL);
	audit_json_end(&ob);
	audit_json_begin(&nb);
	audit_json_int(&nb, "default_id", id);
	audit_json_end(&nb);
	return audit_pm(db, id, ps.account_id, "paymethod.default", &ob, &nb, err);
}

kc_status paymethod_set_default(kc_db *db, int64_t id, kc_error *err)
{
	kc_status rc = db_change_begin(db, err);
	if (rc == KC_OK)
		rc = db_change_end(db, default_in_tx(db, id, err), err);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

void paymethod_clear(struct paymethod *p)
{
	if (!p)
		return;
	free(p->kind);
	free(p->last4);
	free(p->expiry);
	free(p->label);
	free(p->removed_at);
	memset(p, 0, sizeof *p);
}

void paymethods_free(struct paymethod **list, size_t n)
{
	if (!list || !*list)
		return;
	for (size_t i = 0; i < n; i++)
		paymethod_clear(&(*list)[i]);
	free(*list);
	*list = NULL;
}

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

static bool read_method(sqlite3_stmt *st, struct paymethod *p)
{
	bool ok = true;
	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(st, 0);
	p->account_id = sqlite3_column_int64(st, 1);
	p->kind = col_dup(st, 2, &ok);
	p->last4 = col_dup(st, 3, &ok);
	p->expiry = col_dup(st, 4, &ok);
	p->label = col_dup(st, 5, &ok);
	p->is_default = sqlite3_column_int(st, 6) != 0;
	p->removed_at = col_dup(st, 7, &ok);
	p->version = sqlite3_column_int64(st, 8);
	if (!ok)
		paymethod_clear(p);
	return ok;
}

kc_status paymethod_list(kc_db *db, int64_t account_id, bool include_removed,
	struct paymethod **out, size_t *n, kc_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, include_removed
		? "SELECT id, account_id, kind, last4, expiry, label, is_default, removed_at, version "
		  "FROM payment_methods WHERE account_id = ?1 ORDER BY removed_at IS NOT NULL, id"
		: "SELECT id, account_id, kind, last4, expiry, label, is_default, removed_at, version "
		  "FROM payment_methods WHERE account_id = ?1 AND removed_at IS NULL ORDER BY id",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	size_t cap = 0;
	int s = SQLITE_DONE;
	while (rc == KC_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct paymethod *grown = realloc(*out, ncap * sizeof **out);
			if (!grown) {
				rc = nomem(err);
				break;
			}
			*out = grown;
			cap = ncap;
		}
		if (read_method(st, &(*out)[*n]))
			(*n)++;
		else
			rc = nomem(err);
	}
	if (rc == KC_OK && s != SQLITE_DONE)
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		paymethods_free(out, *n);
		*n = 0;
	}
	return rc;
}

static const char *kind_label(const char *kind)
{
	if (!kind)
		return "";
	if (strcmp(kind, "visa") == 0)
		return _("Visa");
	if (strcmp(kind, "mastercard") == 0)
		return _("Mastercard");
	if (strcmp(kind, "cheque") == 0)
		return _("Cheque");
	if (strcmp(kind, "wire") == 0)
		return _("Wire transfer");
	return kind;
}

char *paymethod_masked(const struct paymethod *p)
{
	if (!p)
		return NULL;
	strbuf sb = STRBUF_INIT;
	strbuf_append(&sb, kind_label(p->kind));
	if (p->last4 && *p->last4)
		strbuf_appendf(&sb, " \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 %s", p->last4);
	if (p->expiry && strlen(p->expiry) == 7)
		strbuf_appendf(&sb, " (%.2s/%.2s)", p->expiry + 5, p->expiry + 2);
	if (p->label && *p->label)
		strbuf_appendf(&sb, " \xe2\x80\x94 %s", p->label);
	return strbuf_detach(&sb);
}
