/* history.c: an account's life from its audit trail (see history.h, HIS-2). */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "account.h"
#include "history.h"
#include "money.h"
#include "paymethod.h"
#include "strbuf.h"

/* ------------------------------------------------------------------ */
/* Describing one action                                               */

static const char *jstr(json_t *obj, const char *key)
{
	return obj ? json_string_value(json_object_get(obj, key)) : NULL;
}

/* True and *out set when obj holds an integer under key. */
static bool jint(json_t *obj, const char *key, int64_t *out)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

static char *money_text(int64_t cents)
{
	return money_format_locale(cents, money_style_from_language(setlocale(LC_MESSAGES, NULL)));
}

/* "email address, phone": the translated names of the keys of obj. */
static void append_field_list(strbuf *sb, json_t *obj)
{
	const char *key;
	json_t *value;
	bool first = true;
	json_object_foreach(obj, key, value) {
		(void)value;
		if (!first)
			strbuf_append(sb, ", ");
		strbuf_append(sb, account_column_label(key));
		first = false;
	}
}

static void describe_account(strbuf *sb, const char *what, json_t *o, json_t *n)
{
	int64_t v = 0;
	if (strcmp(what, "create") == 0) {
		const char *number = jstr(n, "number"), *holder = jstr(n, "holder");
		if (number && holder)
			strbuf_appendf(sb, _("Account opened (%s, %s)"), number, holder);
		else
			strbuf_append(sb, _("Account opened"));
	} else if (strcmp(what, "activate") == 0) {
		const char *when = jstr(n, "welcome_call");
		strbuf_appendf(sb, _("Welcome call on %s: service started"), when ? when : "?");
	} else if (strcmp(what, "suspend") == 0) {
		const char *reason = account_suspend_reason_label(jstr(n, "reason"));
		const char *note = jstr(n, "note");
		if (note && *note)
			strbuf_appendf(sb, _("Suspended: %s (%s)"), reason, note);
		else
			strbuf_appendf(sb, _("Suspended: %s"), reason);
	} else if (strcmp(what, "reinstate") == 0) {
		strbuf_append(sb, _("Reinstated: service resumed"));
	} else if (strcmp(what, "close") == 0) {
		const char *reason = account_close_reason_label(jstr(n, "closure_reason"));
		if (jint(n, "reopen_barred", &v) && v)
			strbuf_appendf(sb, _("Closed: %s; reopening barred"), reason);
		else
			strbuf_appendf(sb, _("Closed: %s"), reason);
	} else if (strcmp(what, "reopen") == 0) {
		const char *who = jstr(n, "requested_by");
		strbuf_appendf(sb, _("Reopened at the request of %s"), who ? who : "?");
	} else if (strcmp(what, "high_risk") == 0) {
		strbuf_append(sb, jint(n, "high_risk", &v) && v
			? _("Marked high risk: documents requested") : _("High-risk mark cleared"));
	} else if (strcmp(what, "term") == 0) {
		const char *next = jstr(n, "next_term"), *term = jstr(n, "term");
		if (next)
			strbuf_appendf(sb, _("Term change asked: %s from the next anniversary"),
				strcmp(next, "annual") == 0 ? _("annual") : _("monthly"));
		else if (term)
			strbuf_appendf(sb, _("Term changed to %s"),
				strcmp(term, "annual") == 0 ? _("annual") : _("monthly"));
		else
			strbuf_append(sb, _("Pending term change cancelled"));
	} else if (strcmp(what, "edit") == 0 && n && json_object_size(n) > 0) {
		strbuf_append(sb, _("Edited: "));
		append_field_list(sb, n);
	} else {
		strbuf_append(sb, _("Account changed"));
	}
	(void)o;
}

static void describe_paymethod(strbuf *sb, const char *what, json_t *n)
{
	if (strcmp(what, "add") == 0) {
		struct paymethod p = { 0 };
		p.kind = (char *)jstr(n, "kind");
		p.last4 = (char *)jstr(n, "last4");
		p.expiry = (char *)jstr(n, "expiry");
		p.label = (char *)jstr(n, "label");
		char *masked = paymethod_masked(&p);
		strbuf_appendf(sb, _("Payment method added: %s"), masked ? masked : "");
		free(masked);
	} else if (strcmp(what, "remove") == 0) {
		const char *reason = jstr(n, "removed_reason");
		if (reason && *reason)
			strbuf_appendf(sb, _("Payment method removed: %s"), reason);
		else
			strbuf_append(sb, _("Payment method removed"));
	} else if (strcmp(what, "default") == 0) {
		strbuf_append(sb, _("Default payment method changed"));
	} else {
		strbuf_append(sb, _("Payment method changed"));
	}
}

/* Money under the first key present (e.g. total_cents), appended as
 * " (amount)"; nothing when absent. */
static void append_amount(strbuf *sb, json_t *n, const char *key1, const char *key2)
{
	int64_t cents;
	if (!jint(n, key1, &cents) && !(key2 && jint(n, key2, &cents)))
		return;
	char *m = money_text(cents);
	if (m)
		strbuf_appendf(sb, " (%s)", m);
	free(m);
}

/* Modules that come later (billing, payments, credits, tickets,
 * termination): a sentence per known action, else a generic one. */
static bool describe_later(strbuf *sb, const char *action, int64_t entity_id, json_t *n)
{
	static const struct {
		const char *prefix, *label;
	} modules[] = {
		{ "invoice.", N_("Invoice") },
		{ "payment.", N_("Payment") },
		{ "credit.", N_("Credit") },
		{ "ticket.", N_("Ticket") },
		{ "termination.", N_("Termination") },
	};
	int64_t number = entity_id;
	jint(n, "number", &number);
	if (strcmp(action, "invoice.issue") == 0) {
		strbuf_appendf(sb, _("Invoice %lld issued"), (long long)number);
		append_amount(sb, n, "total_cents", NULL);
		return true;
	}
	if (strcmp(action, "payment.record") == 0) {
		strbuf_append(sb, _("Payment recorded"));
		append_amount(sb, n, "amount_cents", NULL);
		return true;
	}
	for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
		size_t len = strlen(modules[i].prefix);
		if (strncmp(action, modules[i].prefix, len) != 0)
			continue;
		/* "Ticket 12: close", the step as recorded */
		strbuf_appendf(sb, _("%s %lld: %s"), _(modules[i].label), (long long)number,
			action + len);
		append_amount(sb, n, "total_cents", "amount_cents");
		return true;
	}
	return false;
}

char *history_describe(const char *action, const char *entity, int64_t entity_id,
	const char *old_values, const char *new_values)
{
	(void)entity;
	if (!action)
		action = "";
	json_t *o = old_values ? json_loads(old_values, 0, NULL) : NULL;
	json_t *n = new_values ? json_loads(new_values, 0, NULL) : NULL;
	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	if (n && !json_is_object(n)) {
		json_decref(n);
		n = NULL;
	}
	strbuf sb = STRBUF_INIT;
	if (strncmp(action, "account.", 8) == 0)
		describe_account(&sb, action + 8, o, n);
	else if (strncmp(action, "paymethod.", 10) == 0)
		describe_paymethod(&sb, action + 10, n);
	else if (!describe_later(&sb, action, entity_id, n))
		strbuf_appendf(&sb, _("Change recorded: %s"), action);
	json_decref(o);
	json_decref(n);
	return strbuf_detach(&sb);
}

/* ------------------------------------------------------------------ */
/* Pages                                                               */

void history_entries_clear(struct history_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].at);
		free(e[i].staff);
		free(e[i].entity);
		free(e[i].action);
		free(e[i].summary);
		free(e[i].old_values);
		free(e[i].new_values);
		memset(&e[i], 0, sizeof e[i]);
	}
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

static bool read_entry(sqlite3_stmt *st, struct history_entry *e)
{
	bool ok = true;
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(st, 0);
	e->at = col_dup(st, 1, &ok);
	e->staff = col_dup(st, 2, &ok);
	e->entity = col_dup(st, 3, &ok);
	e->entity_id = sqlite3_column_int64(st, 4);
	e->action = col_dup(st, 5, &ok);
	e->old_values = col_dup(st, 6, &ok);
	e->new_values = col_dup(st, 7, &ok);
	if (ok) {
		e->summary = history_describe(e->action, e->entity, e->entity_id, e->old_values,
			e->new_values);
		ok = e->summary != NULL;
	}
	if (!ok)
		history_entries_clear(e, 1);
	return ok;
}

static kc_status run_page(kc_db *db, const char *sql, int64_t account_id, int64_t bound,
	struct history_entry *out, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	if (max == 0)
		return KC_OK;
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, sql, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, bound);
	sqlite3_bind_int64(st, 3, max > INT32_MAX ? INT32_MAX : (int64_t)max);
	int s = SQLITE_DONE;
	while (*n < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (!read_entry(st, &out[*n])) {
			rc = kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
			break;
		}
		(*n)++;
	}
	if (rc == KC_OK && s != SQLITE_ROW && s != SQLITE_DONE)
		rc = db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		history_entries_clear(out, *n);
		*n = 0;
	}
	return rc;
}

#define HISTORY_COLUMNS "id, at, staff, entity, entity_id, action, old_values, new_values"

kc_status history_page(kc_db *db, int64_t account_id, int64_t before_id,
	struct history_entry *out, size_t max, size_t *n, kc_error *err)
{
	return run_page(db, "SELECT " HISTORY_COLUMNS " FROM audit WHERE account_id = ?1 AND id < ?2 "
		"ORDER BY id DESC LIMIT ?3", account_id, before_id > 0 ? before_id : INT64_MAX,
		out, max, n, err);
}

kc_status history_page_newer(kc_db *db, int64_t account_id, int64_t after_id,
	struct history_entry *out, size_t max, size_t *n, kc_error *err)
{
	kc_status rc = run_page(db, "SELECT " HISTORY_COLUMNS " FROM audit WHERE account_id = ?1 "
		"AND id > ?2 ORDER BY id ASC LIMIT ?3", account_id, after_id, out, max, n, err);
	for (size_t i = 0; rc == KC_OK && i < *n / 2; i++) { /* back to newest first */
		struct history_entry t = out[i];
		out[i] = out[*n - 1 - i];
		out[*n - 1 - i] = t;
	}
	return rc;
}
