/* termination.c: termination requests and closure (see termination.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "billing.h"
#include "credit.h"
#include "sla.h"
#include "strbuf.h"
#include "termination.h"

#define NAME_MAX_CHARS 200
#define NOTE_MAX_CHARS 1000

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory"));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool blank(const char *s)
{
	if (!s)
		return true;
	while (is_space(*s))
		s++;
	return *s == '\0';
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

static void copy_date(char dst[static DATE_BUFSZ], const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= DATE_BUFSZ)
		n = DATE_BUFSZ - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void today_text(char buf[static DATE_BUFSZ])
{
	date_format(date_today_local(), buf);
}

/* Decodes one UTF-8 sequence; its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len;
	uint32_t c, min;
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, c = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, c = s[0] & 0x0F, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
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

/* Lower case of the letters names use: ASCII, Latin-1 and Latin
 * Extended-A (Œ, Ł, Š...).  Accents are kept: É folds to é, never to e. */
static uint32_t fold_case(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 32;
	if (cp >= 0x100 && cp <= 0x137 && cp != 0x130)
		return cp | 1;
	if (cp >= 0x139 && cp <= 0x148)
		return (cp & 1) ? cp + 1 : cp;
	if (cp >= 0x14A && cp <= 0x177)
		return cp | 1;
	if (cp == 0x178)
		return 0xFF;
	if (cp >= 0x179 && cp <= 0x17E)
		return (cp & 1) ? cp + 1 : cp;
	return cp;
}

/* The name as code points, case folded, runs of spaces as one, no leading
 * or trailing space; compared as text.  NULL on NOMEM. */
static char *fold_name(const char *s)
{
	strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	bool pending_space = false;
	while (*p) {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);
		if (len == 0)
			cp = 0xFFFD, len = 1;
		p += len;
		if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0) {
			pending_space = sb.len > 0;
			continue;
		}
		if (pending_space)
			strbuf_append(&sb, "32.");
		pending_space = false;
		strbuf_appendf(&sb, "%lu.", (unsigned long)fold_case(cp));
	}
	strbuf_appendc(&sb, '.'); /* never empty: detach always allocates */
	return strbuf_detach(&sb);
}

/* TRM-1: is `who` the holder? */
static kc_status same_person(const char *who, const char *holder, bool *same, kc_error *err)
{
	char *a = fold_name(who), *b = fold_name(holder);
	kc_status rc = a && b ? KC_OK : nomem(err);
	*same = rc == KC_OK && strcmp(a, b) == 0;
	free(a);
	free(b);
	return rc;
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

static void col_date(sqlite3_stmt *st, int col, char buf[static DATE_BUFSZ])
{
	copy_date(buf, (const char *)sqlite3_column_text(st, col));
}

static kc_status step_fail(kc_db *db, kc_error *err)
{
	return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

/* Steps a statement that returns no row, then finalizes it. */
static kc_status step_done(kc_db *db, sqlite3_stmt **st, kc_error *err)
{
	int s = sqlite3_step(*st);
	kc_status rc = s == SQLITE_DONE ? KC_OK : step_fail(db, err);
	db_finalize(db, st);
	return rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* ------------------------------------------------------------------ */
/* States and checklist steps                                          */

static const struct {
	const char *key, *label;
} states[TERMINATION_STATE_COUNT] = {
	[TERMINATION_REFUSED] = { "refused", N_("refused") },
	[TERMINATION_REQUESTED] = { "requested", N_("requested") },
	[TERMINATION_DENIED] = { "denied", N_("expedite denied") },
	[TERMINATION_APPROVED] = { "approved", N_("approved") },
	[TERMINATION_SCHEDULED] = { "scheduled", N_("scheduled") },
	[TERMINATION_SERVICE_ENDED] = { "service_ended", N_("service ended") },
	[TERMINATION_FINAL_INVOICED] = { "final_invoiced", N_("final invoice issued") },
	[TERMINATION_TRANSFER_REQUESTED] = { "transfer_requested", N_("transfer requested") },
	[TERMINATION_CHECKLIST_DONE] = { "checklist_done", N_("checklist done") },
	[TERMINATION_TRANSFERRED] = { "transferred", N_("transferred") },
	[TERMINATION_CLOSED] = { "closed", N_("closed") },
};

const char *termination_state_key(enum termination_state s)
{
	return (unsigned)s < TERMINATION_STATE_COUNT ? states[s].key : "";
}

const char *termination_state_label(enum termination_state s)
{
	return (unsigned)s < TERMINATION_STATE_COUNT ? _(states[s].label) : "";
}

bool termination_state_parse(const char *s, enum termination_state *out)
{
	for (int i = 0; s && i < TERMINATION_STATE_COUNT; i++)
		if (strcmp(s, states[i].key) == 0) {
			*out = (enum termination_state)i;
			return true;
		}
	return false;
}

static enum termination_state state_of(const unsigned char *key)
{
	enum termination_state s = TERMINATION_REFUSED;
	termination_state_parse((const char *)key, &s);
	return s;
}

static const struct {
	const char *key, *label;
} checks[TERMINATION_CHECK_COUNT] = {
	[TERMINATION_CHECK_ACCOUNTS] = { "remove_accounts",
		N_("remove the non-client voip.ms accounts") },
	[TERMINATION_CHECK_GROUPS] = { "remove_groups", N_("remove the groups") },
	[TERMINATION_CHECK_ROLES] = { "remove_roles", N_("remove the roles") },
	[TERMINATION_CHECK_FEDERATIONS] = { "remove_federations", N_("remove the federations") },
	[TERMINATION_CHECK_CREDENTIALS] = { "transfer_credentials",
		N_("transfer the root credentials by an encrypted channel") },
};

const char *termination_check_key(enum termination_check c)
{
	return (unsigned)c < TERMINATION_CHECK_COUNT ? checks[c].key : "";
}

const char *termination_check_label(enum termination_check c)
{
	return (unsigned)c < TERMINATION_CHECK_COUNT ? _(checks[c].label) : "";
}

bool termination_check_parse(const char *s, enum termination_check *out)
{
	if (!s)
		return false;
	for (int i = 0; i < TERMINATION_CHECK_COUNT; i++) {
		const char *k = checks[i].key, *p = s;
		while (*k && *p) {
			char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
			if (c == '-')
				c = '_';
			if (c != *k)
				break;
			k++, p++;
		}
		if (!*k && !*p) {
			*out = (enum termination_check)i;
			return true;
		}
	}
	return false;
}

bool termination_is_late(const char *transfer_due, const char *transferred_on,
	const char *today)
{
	if (blank(transfer_due))
		return false;
	if (!blank(transferred_on))
		return strcmp(transferred_on, transfer_due) > 0;
	char now[DATE_BUFSZ];
	if (blank(today)) {
		today_text(now);
		today = now;
	}
	return strcmp(today, transfer_due) > 0;
}

/* Requests that are still going on ("termination pending"). */
#define OPEN_CONDITION \
	"t.state NOT IN ('refused', 'closed') " \
	"AND NOT (t.separation_only = 1 AND t.state = 'transferred')"

/* ------------------------------------------------------------------ */
/* Reading one request                                                 */

#define TERMINATION_COLUMNS \
	"t.id, t.account_id, a.number, a.holder, a.status, t.requested_by, t.from_holder, " \
	"t.channel, t.requested_on, t.expedite, t.separation_only, t.state, t.decision_note, " \
	"t.scheduled_on, t.service_ended_on, t.final_invoice_id, i.number, i.kind, " \
	"t.transfer_requested_on, t.transfer_due, t.transferred_on, t.closed_on, " \
	"t.balance_at_closure_cents, a.balance_cents, t.created_by, t.updated_at, " \
	"t.updated_by, t.version"

void termination_clear(struct termination *t)
{
	if (!t)
		return;
	char **strings[] = {
		&t->account_number, &t->holder, &t->account_status, &t->requested_by,
		&t->channel, &t->requested_on, &t->decision_note, &t->scheduled_on,
		&t->service_ended_on, &t->final_invoice_kind, &t->transfer_requested_on,
		&t->transfer_due, &t->transferred_on, &t->closed_on, &t->created_by,
		&t->updated_at, &t->updated_by,
	};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		free(*strings[i]);
	for (int i = 0; i < TERMINATION_CHECK_COUNT; i++) {
		free(t->checklist[i].done_by);
		free(t->checklist[i].done_at);
	}
	memset(t, 0, sizeof *t);
}

static bool read_request(sqlite3_stmt *st, struct termination *t)
{
	bool ok = true;
	int c = 0;
	t->id = sqlite3_column_int64(st, c++);
	t->account_id = sqlite3_column_int64(st, c++);
	t->account_number = col_dup(st, c++, &ok);
	t->holder = col_dup(st, c++, &ok);
	t->account_status = col_dup(st, c++, &ok);
	t->requested_by = col_dup(st, c++, &ok);
	t->from_holder = sqlite3_column_int(st, c++) != 0;
	t->channel = col_dup(st, c++, &ok);
	t->requested_on = col_dup(st, c++, &ok);
	t->expedite = sqlite3_column_int(st, c++) != 0;
	t->separation_only = sqlite3_column_int(st, c++) != 0;
	t->state = state_of(sqlite3_column_text(st, c++));
	t->decision_note = col_dup(st, c++, &ok);
	t->scheduled_on = col_dup(st, c++, &ok);
	t->service_ended_on = col_dup(st, c++, &ok);
	t->final_invoice_id = sqlite3_column_int64(st, c++);
	t->final_invoice_number = sqlite3_column_int64(st, c++);
	t->final_invoice_kind = col_dup(st, c++, &ok);
	t->transfer_requested_on = col_dup(st, c++, &ok);
	t->transfer_due = col_dup(st, c++, &ok);
	t->transferred_on = col_dup(st, c++, &ok);
	t->closed_on = col_dup(st, c++, &ok);
	t->has_balance_at_closure = sqlite3_column_type(st, c) != SQLITE_NULL;
	t->balance_at_closure = sqlite3_column_int64(st, c++);
	t->balance = t->has_balance_at_closure ? t->balance_at_closure
					       : sqlite3_column_int64(st, c);
	c++;
	t->created_by = col_dup(st, c++, &ok);
	t->updated_at = col_dup(st, c++, &ok);
	t->updated_by = col_dup(st, c++, &ok);
	t->version = sqlite3_column_int64(st, c);
	t->late = termination_is_late(t->transfer_due, t->transferred_on, NULL);
	return ok;
}

static kc_status read_checklist(kc_db *db, struct termination *t, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT step, done_by, done_at FROM termination_checklist WHERE request_id = ?1",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, t->id);
	bool ok = true;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		enum termination_check c;
		if (!termination_check_parse((const char *)sqlite3_column_text(st, 0), &c) ||
		    t->checklist[c].done)
			continue;
		t->checklist[c].done = true;
		t->checklist[c].done_by = col_dup(st, 1, &ok);
		t->checklist[c].done_at = col_dup(st, 2, &ok);
		t->checks_done++;
	}
	if (s != SQLITE_DONE)
		rc = step_fail(db, err);
	else if (!ok)
		rc = nomem(err);
	db_finalize(db, &st);
	return rc;
}

/* TRM-2: the decision stays in the audit trail once the state moves on. */
static kc_status read_decision(kc_db *db, struct termination *t, kc_error *err)
{
	if (t->state == TERMINATION_REQUESTED || t->state == TERMINATION_REFUSED)
		return KC_OK;
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT action = 'termination.deny' FROM audit WHERE entity = 'termination' "
		"AND entity_id = ?1 AND action IN ('termination.approve', 'termination.deny') "
		"ORDER BY id DESC LIMIT 1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, t->id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		t->decision = sqlite3_column_int(st, 0) ? TERMINATION_DECISION_DENIED
							: TERMINATION_DECISION_APPROVED;
	else if (s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

kc_status termination_get(kc_db *db, int64_t id, struct termination *out, kc_error *err)
{
	memset(out, 0, sizeof *out);
	if (!db)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT " TERMINATION_COLUMNS " FROM termination_requests t "
		"JOIN accounts a ON a.id = t.account_id "
		"LEFT JOIN invoices i ON i.id = t.final_invoice_id WHERE t.id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = read_request(st, out) ? KC_OK : nomem(err);
	else if (s == SQLITE_DONE)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("No termination request %lld"),
			(long long)id);
	else
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc == KC_OK)
		rc = read_checklist(db, out, err);
	if (rc == KC_OK)
		rc = read_decision(db, out, err);
	if (rc != KC_OK)
		termination_clear(out);
	return rc;
}

kc_status termination_resolve(kc_db *db, const char *ref, int64_t *id, kc_error *err)
{
	if (blank(ref))
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("No termination request given"));
	const char *p = ref;
	while (is_space(*p))
		p++;
	if (*p == '#')
		p++;
	char *end = NULL;
	long long v = (*p >= '0' && *p <= '9') ? strtoll(p, &end, 10) : 0;
	if (!end || v <= 0 || !blank(end) || strlen(p) > 18)
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("\"%s\" is not a termination request number"), ref);
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, "SELECT id FROM termination_requests WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, v);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s == SQLITE_DONE)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("No termination request %lld"), v);
	else
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Writing: one transaction per step                                   */

static kc_status begin_change(kc_db *db, kc_error *err)
{
	if (!db)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	return db_change_begin(db, err);
}

static kc_status conflict_error(const struct termination *now, kc_error *err)
{
	char when[DATE_LOCAL_BUFSZ];
	return kc_error_set(err, KC_ERR_CONFLICT,
		_("Termination request %lld was changed by %s at %s; your changes were not saved"),
		(long long)now->id, db_change_who(now->updated_by),
		db_change_when(now->updated_at, when));
}

/* One column change, or (audit_only) a value for the audit row alone. */
struct change {
	const char *column;
	bool is_int, audit_only;
	const char *old_s, *new_s;
	int64_t old_i, new_i;
	char own[DATE_BUFSZ]; /* new_s when a step's local date (cs_date) */
};

#define MAX_CHANGES 12

struct changeset {
	struct change c[MAX_CHANGES];
	size_t n;
};

static void cs_text(struct changeset *cs, const char *column, const char *old_s, const char *new_s)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ column, false, false, old_s, new_s, 0, 0, "" };
}

/* A date the step computed in a local buffer: copied into the change. */
static void cs_date(struct changeset *cs, const char *column, const char *old_s,
	const char *date)
{
	if (cs->n >= MAX_CHANGES)
		return;
	struct change *c = &cs->c[cs->n++];
	*c = (struct change){ column, false, false, old_s, NULL, 0, 0, "" };
	copy_date(c->own, date);
	c->new_s = c->own;
}

static void cs_int(struct changeset *cs, const char *column, int64_t old_i, int64_t new_i)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ column, true, false, NULL, NULL, old_i, new_i, "" };
}

static void cs_note(struct changeset *cs, const char *key, const char *value)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ key, false, true, NULL, value, 0, 0, "" };
}

static void cs_note_int(struct changeset *cs, const char *key, int64_t value)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ key, true, true, NULL, NULL, 0, value, "" };
}

static void cs_state(struct changeset *cs, const struct termination *t, enum termination_state to)
{
	cs_text(cs, "state", termination_state_key(t->state), termination_state_key(to));
}

static kc_status audit_changes(kc_db *db, const struct termination *t,
	const struct changeset *cs, const char *action, kc_error *err)
{
	strbuf o = STRBUF_INIT, nw = STRBUF_INIT;
	audit_json_begin(&o);
	audit_json_begin(&nw);
	for (size_t i = 0; i < cs->n; i++) {
		const struct change *c = &cs->c[i];
		if (c->is_int) {
			if (!c->audit_only)
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
		? audit_record(db, "termination", t->id, t->account_id, action, old_json,
			new_json, err)
		: nomem(err);
	free(old_json);
	free(new_json);
	return st;
}

/* UPDATE termination_requests SET <changes>, version + 1, who/when WHERE
 * id AND version, then the audit row.  A row changed meanwhile conflicts. */
static kc_status apply_changes(kc_db *db, const struct termination *t,
	const struct changeset *cs, const char *action, kc_error *err)
{
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql, "UPDATE termination_requests SET ");
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
		else
			bind_text_or_null(st, p++, c->new_s);
	}
	char now[24];
	db_now_iso(now);
	sqlite3_bind_text(st, p++, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, p++, db_staff(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, p++, t->id);
	sqlite3_bind_int64(st, p, t->version);
	int s = sqlite3_step(st);
	int changed = sqlite3_changes(db_handle(db));
	if (s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK)
		return rc;
	if (changed != 1) {
		struct termination now_row;
		if (termination_get(db, t->id, &now_row, err) != KC_OK)
			return KC_ERR_CONFLICT;
		rc = conflict_error(&now_row, err);
		termination_clear(&now_row);
		return rc;
	}
	return audit_changes(db, t, cs, action, err);
}

typedef kc_status (*step_fn)(kc_db *db, const struct termination *t, struct changeset *cs,
	void *arg, kc_error *err);

/* Loads the request inside a write transaction, checks its version, lets
 * fn decide and write, then saves the changes with their audit row. */
static kc_status run_step(kc_db *db, int64_t id, int64_t expected_version, const char *action,
	step_fn fn, void *arg, kc_error *err)
{
	kc_status rc = begin_change(db, err);
	if (rc != KC_OK)
		return rc;
	struct termination t;
	rc = termination_get(db, id, &t, err);
	if (rc == KC_OK && expected_version != 0 && t.version != expected_version)
		rc = conflict_error(&t, err);
	struct changeset cs = { .n = 0 };
	if (rc == KC_OK)
		rc = fn(db, &t, &cs, arg, err);
	if (rc == KC_OK && cs.n > 0)
		rc = apply_changes(db, &t, &cs, action, err);
	termination_clear(&t);
	return db_change_end(db, rc, err);
}

/* Order refusals name the rule, the request and its state. */
#define refuse_order(t, fmt, err) \
	kc_error_set((err), KC_ERR_RULE, (fmt), (long long)(t)->id, \
		termination_state_label((t)->state))

/* The date given (NULL or "" = today), validated, into buf. */
static kc_status date_arg(const char *s, char buf[static DATE_BUFSZ], kc_error *err)
{
	if (blank(s)) {
		today_text(buf);
		return KC_OK;
	}
	kc_date d;
	char *trimmed = trim_dup(s);
	if (!trimmed)
		return nomem(err);
	kc_status rc = date_parse(trimmed, &d, err);
	free(trimmed);
	if (rc == KC_OK)
		date_format(d, buf);
	return rc;
}

/* A date of something that already happened, not before `after`. */
static kc_status past_date(const char *date, const char *after, const char *after_what,
	kc_error *err)
{
	char today[DATE_BUFSZ];
	today_text(today);
	if (strcmp(date, today) > 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The date %s is in the future (today is %s)"), date, today);
	if (after && strcmp(date, after) < 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The date %s is before %s (%s)"), date, after_what, after);
	return KC_OK;
}

/* ------------------------------------------------------------------ */
/* The request (TRM-1, TRM-2, TRM-3)                                   */

struct request_in {
	int64_t account_id;
	const char *who, *channel, *date;
	bool expedite, separation, from_holder;
	const char *state;
};

static kc_status insert_request(kc_db *db, const struct request_in *r, int64_t *id,
	kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO termination_requests (account_id, requested_by, from_holder, channel, "
		"requested_on, expedite, separation_only, state, created_by, updated_at, updated_by) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9)", &st, err);
	if (rc != KC_OK)
		return rc;
	char now[24];
	db_now_iso(now);
	sqlite3_bind_int64(st, 1, r->account_id);
	sqlite3_bind_text(st, 2, r->who, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, r->from_holder);
	sqlite3_bind_text(st, 4, r->channel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, r->date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, r->expedite);
	sqlite3_bind_int(st, 7, r->separation);
	sqlite3_bind_text(st, 8, r->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, db_staff(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_TRANSIENT);
	rc = step_done(db, &st, err);
	if (rc == KC_OK)
		*id = sqlite3_last_insert_rowid(db_handle(db));
	return rc;
}

static kc_status audit_request(kc_db *db, const struct request_in *r, int64_t id,
	const char *account_number, kc_error *err)
{
	strbuf nw = STRBUF_INIT;
	audit_json_begin(&nw);
	audit_json_str(&nw, "account", account_number);
	audit_json_str(&nw, "requested_by", r->who);
	audit_json_int(&nw, "from_holder", r->from_holder);
	audit_json_str(&nw, "channel", r->channel);
	audit_json_str(&nw, "requested_on", r->date);
	audit_json_int(&nw, "expedite", r->expedite);
	audit_json_int(&nw, "separation_only", r->separation);
	audit_json_str(&nw, "state", r->state);
	audit_json_end(&nw);
	char *json = strbuf_detach(&nw);
	if (!json)
		return nomem(err);
	kc_status rc = audit_record(db, "termination", id, r->account_id,
		r->from_holder ? "termination.request" : "termination.refuse", NULL, json, err);
	free(json);
	return rc;
}

/* The open request of an account, if any (*id = 0 when none). */
static kc_status open_request_id(kc_db *db, int64_t account_id, int64_t *id, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	*id = 0;
	kc_status rc = db_prepare(db,
		"SELECT t.id FROM termination_requests t WHERE t.account_id = ?1 AND "
		OPEN_CONDITION " ORDER BY t.id DESC LIMIT 1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

/* TRM-1 refusal, recorded; the message also carries the ACC-12 warning
 * for a consumer account. */
static kc_status refuse_non_holder(kc_db *db, struct request_in *r, const struct account *a,
	int64_t *out_id, kc_error *err)
{
	r->from_holder = false;
	r->state = "refused";
	int64_t id = 0;
	kc_status rc = insert_request(db, r, &id, err);
	if (rc == KC_OK)
		rc = audit_request(db, r, id, a->number, err);
	if (rc != KC_OK)
		return rc;
	*out_id = id;
	const char *warning = account_consumer_warning(a);
	if (warning)
		return kc_error_set(err, KC_ERR_RULE,
			_("TRM-1: only the account holder (%s) can request the termination of account %s; the request from %s was refused and recorded as request %lld (%s)"),
			a->holder, a->number, r->who, (long long)id, warning);
	return kc_error_set(err, KC_ERR_RULE,
		_("TRM-1: only the account holder (%s) can request the termination of account %s; the request from %s was refused and recorded as request %lld"),
		a->holder, a->number, r->who, (long long)id);
}

static kc_status request_checks(kc_db *db, const struct request_in *r, const struct account *a,
	kc_error *err)
{
	if (r->separation && strcmp(r->channel, "written") != 0)
		return kc_error_set(err, KC_ERR_RULE, "%s",
			_("TRM-3: a request to separate the member account must be made in writing"));
	if (r->expedite && strcmp(r->channel, "written") != 0)
		return kc_error_set(err, KC_ERR_RULE, "%s",
			_("TRM-2: a request to expedite the termination must be made in writing"));
	if (strcmp(a->status, "closed") == 0)
		return kc_error_set(err, KC_ERR_RULE,
			_("ACC-3: account %s is already closed; there is nothing to terminate"),
			a->number);
	if (strcmp(r->date, a->signed_on) < 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The request date (%s) cannot be before the contract signature (%s)"),
			r->date, a->signed_on);
	int64_t open = 0;
	kc_status rc = open_request_id(db, a->id, &open, err);
	if (rc == KC_OK && open)
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("Account %s already has termination request %lld in progress"),
			a->number, (long long)open);
	return rc;
}

/* Writes the request (or its recorded refusal) in one transaction.  A
 * refusal is committed, and its KC_ERR_RULE returned afterwards. */
static kc_status request_in_tx(kc_db *db, struct request_in *r, int64_t *out_id, kc_error *err)
{
	kc_status rc = begin_change(db, err);
	if (rc != KC_OK)
		return rc;
	struct account a;
	rc = account_get(db, r->account_id, &a, err);
	bool holder = false;
	if (rc == KC_OK)
		rc = same_person(r->who, a.holder, &holder, err);
	if (rc == KC_OK && !holder) {
		rc = refuse_non_holder(db, r, &a, out_id, err);
		account_clear(&a);
		if (rc != KC_ERR_RULE)
			return db_change_end(db, rc, err);
		kc_error keep = KC_ERROR_INIT;
		kc_status c = db_change_end(db, KC_OK, &keep);
		if (c != KC_OK) {
			*out_id = 0;
			kc_error_set(err, c, "%s", kc_error_text(&keep));
		}
		kc_error_clear(&keep);
		return c != KC_OK ? c : KC_ERR_RULE;
	}
	if (rc == KC_OK)
		rc = request_checks(db, r, &a, err);
	int64_t id = 0;
	if (rc == KC_OK) {
		r->from_holder = true;
		r->state = "requested";
		rc = insert_request(db, r, &id, err);
	}
	if (rc == KC_OK)
		rc = audit_request(db, r, id, a.number, err);
	account_clear(&a);
	rc = db_change_end(db, rc, err);
	if (rc == KC_OK)
		*out_id = id;
	return rc;
}

static kc_status channel_parse(const struct termination_request_args *args,
	const char **channel, kc_error *err)
{
	const char *c = args->channel;
	if (blank(c))
		c = args->expedite || args->separation_only ? "written" : "portal";
	else if (strcmp(c, "portal") != 0 && strcmp(c, "written") != 0)
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("Unknown channel \"%s\": use portal or written"), c);
	*channel = c;
	return KC_OK;
}

kc_status termination_request(kc_db *db, const struct termination_request_args *args,
	int64_t *out_id, kc_error *err)
{
	int64_t dummy = 0;
	if (!out_id)
		out_id = &dummy;
	*out_id = 0;
	if (!db || !args)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	if (blank(args->requested_by))
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("TRM-1: say who asks for the termination (only the account holder can)"));
	struct request_in r = { .account_id = args->account_id, .expedite = args->expedite,
		.separation = args->separation_only };
	kc_status rc = channel_parse(args, &r.channel, err);
	if (rc != KC_OK)
		return rc;
	char date[DATE_BUFSZ];
	rc = date_arg(args->date, date, err);
	if (rc == KC_OK)
		rc = past_date(date, NULL, NULL, err);
	if (rc != KC_OK)
		return rc;
	r.date = date;
	char *who = trim_dup(args->requested_by);
	if (!who)
		return nomem(err);
	r.who = who;
	if (!account_text_valid(who, NAME_MAX_CHARS))
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("The requester's name must be at most %d characters, without control characters"),
			NAME_MAX_CHARS);
	else
		rc = request_in_tx(db, &r, out_id, err);
	free(who);
	return rc;
}

/* ------------------------------------------------------------------ */
/* TRM-2: the decision                                                 */

struct decision {
	const char *note;
	bool approve;
};

static kc_status decide_step(kc_db *db, const struct termination *t, struct changeset *cs,
	void *arg, kc_error *err)
{
	(void)db;
	const struct decision *d = arg;
	if (t->state != TERMINATION_REQUESTED)
		return refuse_order(t,
			_("TRM-2: termination request %lld is %s; only a new request can be approved or denied"),
			err);
	if (!d->approve && !t->expedite)
		return kc_error_set(err, KC_ERR_RULE,
			_("TRM-2: only a request to expedite can be denied; the holder's termination request %lld itself cannot be refused (TRM-1)"),
			(long long)t->id);
	cs_state(cs, t, d->approve ? TERMINATION_APPROVED : TERMINATION_DENIED);
	if (strcmp(d->note, t->decision_note ? t->decision_note : "") != 0)
		cs_text(cs, "decision_note", t->decision_note, d->note);
	return KC_OK;
}

static kc_status decide(kc_db *db, int64_t id, int64_t expected_version, const char *note,
	bool approve, kc_error *err)
{
	char *n = trim_dup(note ? note : "");
	if (!n)
		return nomem(err);
	kc_status rc;
	if (!account_text_valid(n, NOTE_MAX_CHARS))
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("The note must be at most %d characters, without control characters"),
			NOTE_MAX_CHARS);
	else
		rc = run_step(db, id, expected_version,
			approve ? "termination.approve" : "termination.deny", decide_step,
			&(struct decision){ n, approve }, err);
	free(n);
	return rc;
}

kc_status termination_approve(kc_db *db, int64_t id, int64_t expected_version,
	const char *note, kc_error *err)
{
	return decide(db, id, expected_version, note, true, err);
}

kc_status termination_deny(kc_db *db, int64_t id, int64_t expected_version,
	const char *note, kc_error *err)
{
	return decide(db, id, expected_version, note, false, err);
}

/* ------------------------------------------------------------------ */
/* Schedule and end of service                                         */

static kc_status refuse_separation(const struct termination *t, kc_error *err)
{
	return kc_error_set(err, KC_ERR_RULE,
		_("TRM-3: request %lld only separates the member account; the service goes on and the account stays open"),
		(long long)t->id);
}

static bool decided(const struct termination *t)
{
	return t->state == TERMINATION_APPROVED || t->state == TERMINATION_DENIED;
}

static kc_status schedule_step(kc_db *db, const struct termination *t, struct changeset *cs,
	void *arg, kc_error *err)
{
	(void)db;
	const char *date = arg;
	if (t->separation_only)
		return refuse_separation(t, err);
	if (!decided(t) && t->state != TERMINATION_SCHEDULED)
		return refuse_order(t,
			_("TRM-2: termination request %lld is %s; it can be scheduled once approved or denied, before the service ends"),
			err);
	if (strcmp(date, t->requested_on) < 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The date %s is before %s (%s)"), date, _("the request"), t->requested_on);
	if (t->state != TERMINATION_SCHEDULED)
		cs_state(cs, t, TERMINATION_SCHEDULED);
	cs_text(cs, "scheduled_on", t->scheduled_on, date);
	return KC_OK;
}

kc_status termination_schedule(kc_db *db, int64_t id, int64_t expected_version,
	const char *date, kc_error *err)
{
	if (blank(date))
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("Give the date the service ends"));
	char d[DATE_BUFSZ];
	kc_status rc = date_arg(date, d, err);
	return rc != KC_OK ? rc
		: run_step(db, id, expected_version, "termination.schedule", schedule_step, d, err);
}

static kc_status end_service_step(kc_db *db, const struct termination *t, struct changeset *cs,
	void *arg, kc_error *err)
{
	(void)db;
	const char *date = arg;
	if (t->separation_only)
		return refuse_separation(t, err);
	if (t->state != TERMINATION_SCHEDULED)
		return refuse_order(t,
			_("TRM-6: termination request %lld is %s; the end of service must be scheduled first"),
			err);
	kc_status rc = past_date(date, t->requested_on, _("the request"), err);
	if (rc != KC_OK)
		return rc;
	cs_state(cs, t, TERMINATION_SERVICE_ENDED);
	cs_text(cs, "service_ended_on", t->service_ended_on, date);
	return KC_OK;
}

kc_status termination_end_service(kc_db *db, int64_t id, int64_t expected_version,
	const char *date, kc_error *err)
{
	char d[DATE_BUFSZ];
	kc_status rc = date_arg(date, d, err);
	return rc != KC_OK ? rc
		: run_step(db, id, expected_version, "termination.end_service", end_service_step, d,
			err);
}

/* ------------------------------------------------------------------ */
/* TRM-6: final invoice                                                */

/* The account's newest invoice of kind final (final_only), else its
 * newest invoice; f->invoice_* stay 0 when there is none. */
static kc_status find_invoice(kc_db *db, int64_t account_id, bool final_only,
	struct termination_final *f, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT id, number, kind = 'final', total_cents FROM invoices WHERE account_id = ?1 "
		"AND (?2 = 0 OR kind = 'final') "
		"ORDER BY kind = 'final' DESC, invoice_date DESC, number DESC LIMIT 1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int(st, 2, final_only);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		f->invoice_id = sqlite3_column_int64(st, 0);
		f->invoice_number = sqlite3_column_int64(st, 1);
		f->is_final = sqlite3_column_int(st, 2) != 0;
		f->invoice_total = sqlite3_column_int64(st, 3);
	} else if (s != SQLITE_DONE) {
		rc = step_fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* The account's usage sync watermark ("" when never synced). */
static kc_status sync_watermark(kc_db *db, int64_t account_id, char buf[static DATE_BUFSZ],
	kc_error *err)
{
	sqlite3_stmt *st = NULL;
	buf[0] = '\0';
	kc_status rc = db_prepare(db,
		"SELECT synced_to FROM sync_watermarks WHERE account_id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		col_date(st, 0, buf);
	else if (s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

struct final_args {
	const struct billing_options *opt;
	struct termination_final *f;
};

/* TRM-6: a final invoice must not miss usage the sync has not fetched
 * yet (it cannot be issued twice), so a sync that stopped before the end
 * of service is finished first.  An account never synced has no usage
 * to wait for (the caller warns). */
static kc_status refuse_unsynced(const struct termination *t, const struct termination_final *f,
	kc_error *err)
{
	return kc_error_set(err, KC_ERR_RULE,
		_("TRM-6: the usage of account %s is synced only to %s, not through the end of service (%s); sync it before the final invoice is issued"),
		t->account_number, f->synced_to, t->service_ended_on);
}

/* The final invoice issued before, or billing's new one, or (nothing
 * left to bill) the account's newest invoice. */
static kc_status final_link(kc_db *db, const struct termination *t, const struct final_args *fa,
	kc_error *err)
{
	struct termination_final *f = fa->f;
	kc_status rc = find_invoice(db, t->account_id, true, f, err);
	if (rc != KC_OK || f->invoice_id)
		return rc;
	if (f->synced_to[0] && !f->usage_synced)
		return refuse_unsynced(t, f, err);
	struct billing_options defaults;
	billing_options_default(&defaults);
	int64_t number = 0;
	rc = billing_issue_final(db, fa->opt ? fa->opt : &defaults, t->account_id,
		t->service_ended_on, &number, err);
	if (rc == KC_OK)
		rc = find_invoice(db, t->account_id, number != 0, f, err);
	f->issued = rc == KC_OK && number != 0 && f->invoice_number == number;
	return rc;
}

static kc_status final_step(kc_db *db, const struct termination *t, struct changeset *cs,
	void *arg, kc_error *err)
{
	const struct final_args *fa = arg;
	struct termination_final *f = fa->f;
	if (t->separation_only)
		return refuse_separation(t, err);
	if (t->state != TERMINATION_SERVICE_ENDED)
		return refuse_order(t,
			_("TRM-6: termination request %lld is %s; the final invoice comes after the end of service"),
			err);
	kc_status rc = sync_watermark(db, t->account_id, f->synced_to, err);
	if (rc != KC_OK)
		return rc;
	f->usage_synced = f->synced_to[0] && t->service_ended_on &&
		strcmp(f->synced_to, t->service_ended_on) >= 0;
	if ((rc = final_link(db, t, fa, err)) != KC_OK)
		return rc;
	cs_state(cs, t, TERMINATION_FINAL_INVOICED);
	if (f->invoice_id)
		cs_int(cs, "final_invoice_id", t->final_invoice_id, f->invoice_id);
	cs_note_int(cs, "invoice_number", f->invoice_number);
	cs_note_int(cs, "final_kind", f->is_final);
	cs_note_int(cs, "issued", f->issued);
	cs_note_int(cs, "usage_synced", f->usage_synced);
	return KC_OK;
}

kc_status termination_final_invoice_with(kc_db *db, int64_t id, int64_t expected_version,
	const struct billing_options *opt, struct termination_final *out, kc_error *err)
{
	struct termination_final f;
	memset(&f, 0, sizeof f);
	struct final_args fa = { opt, &f };
	kc_status rc = run_step(db, id, expected_version, "termination.final_invoice", final_step,
		&fa, err);
	if (out)
		*out = rc == KC_OK ? f : (struct termination_final){ 0 };
	return rc;
}

kc_status termination_final_invoice(kc_db *db, int64_t id, int64_t expected_version,
	struct termination_final *out, kc_error *err)
{
	return termination_final_invoice_with(db, id, expected_version, NULL, out, err);
}

/* ------------------------------------------------------------------ */
/* TRM-4, TRM-5: transfer of the member account                        */

struct transfer_req {
	const char *date;
	const struct calendar_options *cal;
};

static kc_status transfer_request_step(kc_db *db, const struct termination *t,
	struct changeset *cs, void *arg, kc_error *err)
{
	(void)db;
	const struct transfer_req *tr = arg;
	const char *after = t->requested_on, *after_what = _("the request");
	if (t->separation_only) {
		if (!decided(t))
			return refuse_order(t,
				_("TRM-3: separation request %lld is %s; the transfer can be requested once it is approved or denied"),
				err);
	} else if (t->state != TERMINATION_FINAL_INVOICED) {
		return refuse_order(t,
			_("TRM-4: termination request %lld is %s; the member account is transferred after termination and the final invoice"),
			err);
	} else if (t->service_ended_on) {
		after = t->service_ended_on;
		after_what = _("the end of service");
	}
	kc_status rc = past_date(tr->date, after, after_what, err);
	if (rc != KC_OK)
		return rc;
	kc_date d;
	rc = date_parse(tr->date, &d, err);
	if (rc != KC_OK)
		return rc;
	struct calendar_options defaults = calendar_default_options();
	char due[DATE_BUFSZ];
	date_format(calendar_add_business_days(tr->cal ? tr->cal : &defaults, d,
		TERMINATION_TRANSFER_BUSINESS_DAYS), due);
	cs_state(cs, t, TERMINATION_TRANSFER_REQUESTED);
	cs_text(cs, "transfer_requested_on", t->transfer_requested_on, tr->date);
	cs_date(cs, "transfer_due", t->transfer_due, due);
	return KC_OK;
}

kc_status termination_transfer_request(kc_db *db, int64_t id, int64_t expected_version,
	const char *date, const struct calendar_options *cal, kc_error *err)
{
	char d[DATE_BUFSZ];
	kc_status rc = date_arg(date, d, err);
	struct transfer_req tr = { d, cal };
	return rc != KC_OK ? rc
		: run_step(db, id, expected_version, "termination.transfer_request",
			transfer_request_step, &tr, err);
}

static kc_status insert_check(kc_db *db, int64_t request_id, const char *step, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO termination_checklist (request_id, step, done_by, done_at) "
		"VALUES (?1, ?2, ?3, ?4)", &st, err);
	if (rc != KC_OK)
		return rc;
	char now[24];
	db_now_iso(now);
	sqlite3_bind_int64(st, 1, request_id);
	sqlite3_bind_text(st, 2, step, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, db_staff(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
	return step_done(db, &st, err);
}

static kc_status check_step(kc_db *db, const struct termination *t, struct changeset *cs,
	void *arg, kc_error *err)
{
	enum termination_check c = *(const enum termination_check *)arg;
	if (t->state != TERMINATION_TRANSFER_REQUESTED)
		return refuse_order(t,
			_("TRM-5: termination request %lld is %s; the checklist is ticked after the transfer is requested and before it happens"),
			err);
	const struct termination_check_item *item = &t->checklist[c];
	if (item->done)
		return kc_error_set(err, KC_ERR_INVALID,
			_("\"%s\" was already ticked by %s at %s"), termination_check_label(c),
			item->done_by ? item->done_by : "?", item->done_at ? item->done_at : "?");
	kc_status rc = insert_check(db, t->id, termination_check_key(c), err);
	if (rc != KC_OK)
		return rc;
	cs_note(cs, "step", termination_check_key(c));
	cs_note_int(cs, "checks_done", t->checks_done + 1);
	if (t->checks_done + 1 == TERMINATION_CHECK_COUNT)
		cs_state(cs, t, TERMINATION_CHECKLIST_DONE);
	return KC_OK;
}

kc_status termination_check(kc_db *db, int64_t id, int64_t expected_version,
	enum termination_check step, kc_error *err)
{
	if ((unsigned)step >= TERMINATION_CHECK_COUNT)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	return run_step(db, id, expected_version, "termination.check", check_step, &step, err);
}

struct transferred_args {
	const char *date;
	bool late;
};

static kc_status transferred_step(kc_db *db, const struct termination *t, struct changeset *cs,
	void *arg, kc_error *err)
{
	(void)db;
	struct transferred_args *ta = arg;
	if (t->state == TERMINATION_TRANSFER_REQUESTED)
		return kc_error_set(err, KC_ERR_RULE,
			_("TRM-5: request %lld: %d of the %d checklist steps are ticked; all must be done before the transfer"),
			(long long)t->id, t->checks_done, TERMINATION_CHECK_COUNT);
	if (t->state != TERMINATION_CHECKLIST_DONE)
		return refuse_order(t,
			_("TRM-4: termination request %lld is %s; the transfer must be requested and the checklist done first"),
			err);
	kc_status rc = past_date(ta->date, t->transfer_requested_on, _("the transfer request"), err);
	if (rc != KC_OK)
		return rc;
	ta->late = termination_is_late(t->transfer_due, ta->date, NULL);
	cs_state(cs, t, TERMINATION_TRANSFERRED);
	cs_text(cs, "transferred_on", t->transferred_on, ta->date);
	cs_note_int(cs, "late", ta->late);
	return KC_OK;
}

kc_status termination_transferred(kc_db *db, int64_t id, int64_t expected_version,
	const char *date, bool *late, kc_error *err)
{
	char d[DATE_BUFSZ];
	struct transferred_args ta = { d, false };
	kc_status rc = date_arg(date, d, err);
	if (rc == KC_OK)
		rc = run_step(db, id, expected_version, "termination.transferred",
			transferred_step, &ta, err);
	if (late)
		*late = rc == KC_OK && ta.late;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Closure (TRM-7, ACC-10) and its forfeits (CRD-3, SLA-6, PRC-2)      */

/* PRC-2: a coupon is void on closure of the service it applies to.  No
 * coupon module owns this yet: the few active coupons of the account are
 * collected, then each is voided with its audit row (entity "coupon",
 * action "coupon.void"). */
static kc_status collect_ids(kc_db *db, const char *sql, int64_t account_id, int64_t **ids,
	size_t *n, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	*ids = NULL;
	*n = 0;
	kc_status rc = db_prepare(db, sql, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	size_t cap = 0;
	int s = SQLITE_DONE;
	while (rc == KC_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			int64_t *p = realloc(*ids, ncap * sizeof *p);
			if (!p) {
				rc = nomem(err);
				break;
			}
			*ids = p;
			cap = ncap;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (rc == KC_OK && s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

static kc_status void_coupon(kc_db *db, int64_t id, int64_t account_id, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"UPDATE coupons SET status = 'void', version = version + 1 WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = step_done(db, &st, err);
	if (rc == KC_OK)
		rc = audit_record(db, "coupon", id, account_id, "coupon.void",
			"{\"status\":\"active\"}", "{\"status\":\"void\"}", err);
	return rc;
}

static kc_status void_coupons(kc_db *db, int64_t account_id, int64_t *count, kc_error *err)
{
	int64_t *ids;
	size_t n;
	kc_status rc = collect_ids(db,
		"SELECT id FROM coupons WHERE account_id = ?1 AND status = 'active' ORDER BY id",
		account_id, &ids, &n, err);
	for (size_t i = 0; rc == KC_OK && i < n; i++)
		rc = void_coupon(db, ids[i], account_id, err);
	if (rc == KC_OK)
		*count += (int64_t)n;
	free(ids);
	return rc;
}

/* CRD-3: what credit_forfeit_all() is about to forfeit (for the report). */
static kc_status active_credit(kc_db *db, int64_t account_id, int64_t *count, kc_cents *total,
	kc_error *err)
{
	struct credit_row *rows = NULL;
	size_t n = 0;
	kc_status rc = credit_list(db, account_id, &rows, &n, err);
	for (size_t i = 0; rc == KC_OK && i < n; i++) {
		if (strcmp(rows[i].status, "active") != 0)
			continue;
		(*count)++;
		*total += rows[i].remaining;
	}
	credit_rows_free(&rows, n);
	return rc;
}

/* SLA-6: how many requests sla_cancel_pending() is about to cancel. */
static kc_status pending_sla(kc_db *db, int64_t account_id, int64_t *count, kc_error *err)
{
	struct sla_credit_row rows[32];
	int64_t before = 0;
	size_t n;
	kc_status rc;
	do {
		rc = sla_credit_page(db, account_id, before, rows, 32, &n, err);
		for (size_t i = 0; rc == KC_OK && i < n; i++)
			if (strcmp(rows[i].status, "pending") == 0)
				(*count)++;
		if (rc == KC_OK && n > 0)
			before = rows[n - 1].id;
		sla_credit_rows_clear(rows, n);
	} while (rc == KC_OK && n == 32);
	return rc;
}

/* Closure's forfeits, in the caller's transaction (each module's own
 * function where there is one; they nest). */
static kc_status closure_forfeits(kc_db *db, int64_t account_id, struct termination_closure *out,
	kc_error *err)
{
	kc_status rc = active_credit(db, account_id, &out->credits_forfeited,
		&out->credit_forfeited, err);
	if (rc == KC_OK)
		rc = credit_forfeit_all(db, account_id, err);
	if (rc == KC_OK)
		rc = pending_sla(db, account_id, &out->sla_cancelled, err);
	if (rc == KC_OK)
		rc = sla_cancel_pending(db, account_id, err);
	if (rc == KC_OK)
		rc = void_coupons(db, account_id, &out->coupons_voided, err);
	return rc;
}

/* account_close + the forfeits, inside the caller's write transaction. */
static kc_status close_account(kc_db *db, int64_t account_id, int64_t expected_version,
	const char *reason, bool bar, struct termination_closure *out, kc_error *err)
{
	kc_status rc = account_close(db, account_id, expected_version, reason, bar, err);
	if (rc == KC_OK)
		rc = closure_forfeits(db, account_id, out, err);
	if (rc != KC_OK)
		return rc;
	struct account a;
	rc = account_get(db, account_id, &a, err);
	if (rc == KC_OK)
		out->balance_owed = a.balance_cents;
	account_clear(&a);
	return rc;
}

static kc_status close_step(kc_db *db, const struct termination *t, struct changeset *cs,
	void *arg, kc_error *err)
{
	struct termination_closure *out = arg;
	if (t->separation_only)
		return refuse_separation(t, err);
	if (t->state == TERMINATION_TRANSFER_REQUESTED || t->state == TERMINATION_CHECKLIST_DONE)
		return refuse_order(t,
			_("TRM-4: termination request %lld is %s; record the transfer of the member account before closing"),
			err);
	if (t->state != TERMINATION_FINAL_INVOICED && t->state != TERMINATION_TRANSFERRED)
		return refuse_order(t,
			_("TRM-6: termination request %lld is %s; the account is closed after the final invoice"),
			err);
	kc_status rc = close_account(db, t->account_id, 0, "holder_request", false, out, err);
	if (rc != KC_OK)
		return rc;
	char today[DATE_BUFSZ];
	today_text(today);
	cs_state(cs, t, TERMINATION_CLOSED);
	cs_date(cs, "closed_on", t->closed_on, today);
	cs_int(cs, "balance_at_closure_cents", 0, out->balance_owed);
	cs_note_int(cs, "credits_forfeited", out->credits_forfeited);
	cs_note_int(cs, "credit_forfeited_cents", out->credit_forfeited);
	cs_note_int(cs, "sla_cancelled", out->sla_cancelled);
	cs_note_int(cs, "coupons_voided", out->coupons_voided);
	return KC_OK;
}

kc_status termination_close(kc_db *db, int64_t id, int64_t expected_version,
	struct termination_closure *out, kc_error *err)
{
	struct termination_closure c;
	memset(&c, 0, sizeof c);
	kc_status rc = run_step(db, id, expected_version, "termination.close", close_step, &c,
		err);
	if (out)
		*out = rc == KC_OK ? c : (struct termination_closure){ 0 };
	return rc;
}

kc_status termination_close_by_kenotronix(kc_db *db, int64_t account_id,
	int64_t expected_version, const char *reason, bool bar_reopening,
	struct termination_closure *out, kc_error *err)
{
	if (reason && strcmp(reason, "holder_request") == 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("ACC-10: a closure at the holder's request goes through a termination request (TRM-1)"));
	struct termination_closure c;
	memset(&c, 0, sizeof c);
	kc_status rc = begin_change(db, err);
	if (rc == KC_OK)
		rc = db_change_end(db,
			close_account(db, account_id, expected_version, reason, bar_reopening, &c, err),
			err);
	if (out)
		*out = rc == KC_OK ? c : (struct termination_closure){ 0 };
	return rc;
}

/* ------------------------------------------------------------------ */
/* Lists                                                               */

void termination_rows_clear(struct termination_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].account_number);
		free(rows[i].holder);
		free(rows[i].requested_by);
		memset(&rows[i], 0, sizeof rows[i]);
	}
}

void termination_cursor_set(struct termination_cursor *c, const struct termination_row *row)
{
	c->have = true;
	copy_date(c->requested_on, row->requested_on);
	c->id = row->id;
}

static kc_status page_filters(const struct termination_query *q, strbuf *sql, kc_error *err)
{
	if (q && q->state && strcmp(q->state, "open") == 0) {
		strbuf_append(sql, " AND " OPEN_CONDITION);
	} else if (q && q->state) {
		enum termination_state s;
		if (!termination_state_parse(q->state, &s))
			return kc_error_set_quoted(err, KC_ERR_INVALID,
				_("Unknown termination state \"%s\": use open, refused, requested, denied, approved, scheduled, service_ended, final_invoiced, transfer_requested, checklist_done, transferred or closed"),
				q->state);
		strbuf_append(sql, " AND t.state = :state");
	}
	if (q && q->account_id)
		strbuf_append(sql, " AND t.account_id = :account");
	return KC_OK;
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

static bool read_row(sqlite3_stmt *st, const char *today, struct termination_row *r)
{
	bool ok = true;
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->account_id = sqlite3_column_int64(st, 1);
	r->account_number = col_dup(st, 2, &ok);
	r->holder = col_dup(st, 3, &ok);
	r->requested_by = col_dup(st, 4, &ok);
	col_date(st, 5, r->requested_on);
	r->state = state_of(sqlite3_column_text(st, 6));
	r->from_holder = sqlite3_column_int(st, 7) != 0;
	r->expedite = sqlite3_column_int(st, 8) != 0;
	r->separation_only = sqlite3_column_int(st, 9) != 0;
	col_date(st, 10, r->scheduled_on);
	col_date(st, 11, r->transfer_due);
	col_date(st, 12, r->transferred_on);
	r->checks_done = sqlite3_column_int(st, 13);
	r->balance = sqlite3_column_int64(st, 14);
	r->version = sqlite3_column_int64(st, 15);
	r->late = termination_is_late(r->transfer_due, r->transferred_on, today);
	if (!ok)
		termination_rows_clear(r, 1);
	return ok;
}

kc_status termination_page(kc_db *db, const struct termination_query *q,
	const struct termination_cursor *after, struct termination_row *rows, size_t max,
	size_t *n, kc_error *err)
{
	*n = 0;
	if (!db || (!rows && max))
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql,
		"SELECT t.id, t.account_id, a.number, a.holder, t.requested_by, t.requested_on, "
		"t.state, t.from_holder, t.expedite, t.separation_only, t.scheduled_on, "
		"t.transfer_due, t.transferred_on, "
		"(SELECT count(*) FROM termination_checklist c WHERE c.request_id = t.id), "
		"coalesce(t.balance_at_closure_cents, a.balance_cents), t.version "
		"FROM termination_requests t JOIN accounts a ON a.id = t.account_id WHERE 1");
	kc_status rc = page_filters(q, &sql, err);
	if (after && after->have)
		strbuf_append(&sql, " AND (t.requested_on > :after_date OR "
			"(t.requested_on = :after_date AND t.id > :after_id))");
	strbuf_append(&sql, " ORDER BY t.requested_on, t.id LIMIT :limit");
	if (rc == KC_OK && strbuf_failed(&sql))
		rc = nomem(err);
	sqlite3_stmt *st = NULL;
	if (rc == KC_OK)
		rc = db_prepare(db, strbuf_cstr(&sql), &st, err);
	strbuf_free(&sql);
	if (rc != KC_OK)
		return rc;
	if (q && q->state)
		bind_named_text(st, ":state", q->state);
	if (q && q->account_id)
		bind_named_int(st, ":account", q->account_id);
	if (after && after->have) {
		bind_named_text(st, ":after_date", after->requested_on);
		bind_named_int(st, ":after_id", after->id);
	}
	bind_named_int(st, ":limit", (int64_t)max);
	char today[DATE_BUFSZ];
	if (q && !blank(q->today))
		copy_date(today, q->today);
	else
		today_text(today);
	int s = SQLITE_DONE;
	while (*n < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (!read_row(st, today, &rows[*n])) {
			rc = nomem(err);
			break;
		}
		(*n)++;
	}
	if (rc == KC_OK && *n < max && s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		termination_rows_clear(rows, *n);
		*n = 0;
	}
	return rc;
}

kc_status termination_pending_for_account(kc_db *db, int64_t account_id,
	struct termination_pending *out, kc_error *err)
{
	memset(out, 0, sizeof *out);
	if (!db)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT t.id, t.state, t.separation_only, t.expedite, t.service_ended_on, "
		"t.transfer_due, t.transferred_on FROM termination_requests t "
		"WHERE t.account_id = ?1 AND " OPEN_CONDITION " ORDER BY t.id DESC LIMIT 1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->state = state_of(sqlite3_column_text(st, 1));
		out->separation_only = sqlite3_column_int(st, 2) != 0;
		out->expedite = sqlite3_column_int(st, 3) != 0;
		col_date(st, 4, out->service_ended_on);
		col_date(st, 5, out->transfer_due);
		out->late = termination_is_late(out->transfer_due,
			(const char *)sqlite3_column_text(st, 6), NULL);
	} else if (s != SQLITE_DONE) {
		rc = step_fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Demo data                                                           */

static void days_ago(kc_date today, int n, char buf[static DATE_BUFSZ])
{
	date_format(date_add_days(today, -n), buf);
}

/* The stages after the request, in workflow order (dates in days ago). */
static kc_status demo_steps(kc_db *db, int64_t id, enum termination_demo_stage stage,
	kc_date today, kc_error *err)
{
	char d[DATE_BUFSZ];
	kc_status rc = stage == TERMINATION_DEMO_DENIED_SCHEDULED
		? termination_deny(db, id, 0, "Préavis normal / normal notice", err)
		: termination_approve(db, id, 0, NULL, err);
	if (rc != KC_OK || stage <= TERMINATION_DEMO_APPROVED)
		return rc;
	days_ago(today, stage == TERMINATION_DEMO_DENIED_SCHEDULED ? -20 : 30, d);
	rc = termination_schedule(db, id, 0, d, err);
	if (rc != KC_OK || stage == TERMINATION_DEMO_DENIED_SCHEDULED)
		return rc;
	rc = termination_end_service(db, id, 0, d, err);
	if (rc == KC_OK && stage >= TERMINATION_DEMO_FINAL_INVOICED)
		rc = termination_final_invoice(db, id, 0, NULL, err);
	if (rc != KC_OK || stage <= TERMINATION_DEMO_FINAL_INVOICED ||
	    stage == TERMINATION_DEMO_CLOSED)
		return rc == KC_OK && stage == TERMINATION_DEMO_CLOSED
			? termination_close(db, id, 0, NULL, err) : rc;
	static const int asked[] = { 3, 20, 25, 28, 25 }; /* ON_TIME .. CLOSED_TRANSFERRED */
	days_ago(today, asked[stage - TERMINATION_DEMO_TRANSFER_ON_TIME], d);
	rc = termination_transfer_request(db, id, 0, d, NULL, err);
	int ticks = stage == TERMINATION_DEMO_CHECKLIST_PART ? 3
		: stage >= TERMINATION_DEMO_TRANSFERRED_LATE ? TERMINATION_CHECK_COUNT : 0;
	for (int c = 0; rc == KC_OK && c < ticks; c++)
		rc = termination_check(db, id, 0, (enum termination_check)c, err);
	if (rc != KC_OK || stage < TERMINATION_DEMO_TRANSFERRED_LATE)
		return rc;
	days_ago(today, stage == TERMINATION_DEMO_TRANSFERRED_LATE ? 2 : 20, d);
	rc = termination_transferred(db, id, 0, d, NULL, err);
	return rc == KC_OK && stage == TERMINATION_DEMO_CLOSED_TRANSFERRED
		? termination_close(db, id, 0, NULL, err) : rc;
}

static kc_status demo_separation(kc_db *db, int64_t id, kc_date today, kc_error *err)
{
	char d[DATE_BUFSZ];
	kc_status rc = termination_approve(db, id, 0, NULL, err);
	days_ago(today, 30, d);
	if (rc == KC_OK)
		rc = termination_transfer_request(db, id, 0, d, NULL, err);
	for (int c = 0; rc == KC_OK && c < TERMINATION_CHECK_COUNT; c++)
		rc = termination_check(db, id, 0, (enum termination_check)c, err);
	days_ago(today, 21, d);
	return rc == KC_OK ? termination_transferred(db, id, 0, d, NULL, err) : rc;
}

kc_status termination_demo(kc_db *db, int64_t account_id, const char *holder,
	enum termination_demo_stage stage, kc_date today, kc_error *err)
{
	if ((unsigned)stage >= TERMINATION_DEMO_STAGES || !holder)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	char d[DATE_BUFSZ];
	days_ago(today, 45, d);
	struct termination_request_args a = { .account_id = account_id, .requested_by = holder,
		.date = d, .expedite = stage >= TERMINATION_DEMO_EXPEDITE_ASKED &&
			stage <= TERMINATION_DEMO_DENIED_SCHEDULED,
		.separation_only = stage == TERMINATION_DEMO_SEPARATED };
	int64_t id = 0;
	if (stage == TERMINATION_DEMO_REFUSED) {
		/* TRM-1: the office manager is not the holder */
		a.requested_by = "Gestionnaire de bureau / Office manager";
		kc_status rc = termination_request(db, &a, &id, err);
		if (rc == KC_ERR_RULE && id) { /* refused and recorded, as meant */
			kc_error_clear(err);
			rc = KC_OK;
		}
		return rc;
	}
	kc_status rc = termination_request(db, &a, &id, err);
	if (rc != KC_OK || stage == TERMINATION_DEMO_EXPEDITE_ASKED)
		return rc;
	return stage == TERMINATION_DEMO_SEPARATED ? demo_separation(db, id, today, err)
		: demo_steps(db, id, stage, today, err);
}
