/* ticket.c: support tickets, their history and the queue (see ticket.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "audit.h"
#include "calendar.h"
#include "staff.h"
#include "strbuf.h"
#include "ticket.h"

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static bool blank(const char *s)
{
	return !s || !*s;
}

/* ---------------------------------------------------------------------- */
/* Words.                                                                  */

struct word {
	const char *key;
	const char *label; /* N_() */
};

static const struct word priorities[] = {
	{ "emergency", N_("Emergency") }, { "urgent", N_("Urgent") },
	{ "standard", N_("Standard") },
};
static const struct word states[] = {
	{ "new", N_("new") }, { "open", N_("open") }, { "waiting", N_("waiting on customer") },
	{ "resolved", N_("resolved") }, { "closed", N_("closed") },
};
static const struct word channels[] = {
	{ "phone", N_("phone") }, { "email", N_("email") }, { "portal", N_("portal") },
	{ "alarm", N_("monitoring alarm") },
};
static const struct word categories[] = {
	{ "support", N_("support") }, { "maintenance", N_("maintenance") },
	{ "billing", N_("billing") }, { "consulting", N_("consulting") },
	{ "third_party", N_("third party") },
};
static const struct word event_kinds[] = {
	{ "created", N_("opened") }, { "reply", N_("reply") }, { "note", N_("internal note") },
	{ "state", N_("state") }, { "priority", N_("priority") }, { "assign", N_("assignment") },
	{ "time", N_("time logged") }, { "downgrade", N_("priority lowered") },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct word *word_find(const struct word *w, size_t n, const char *key)
{
	for (size_t i = 0; key && i < n; i++)
		if (strcmp(w[i].key, key) == 0)
			return &w[i];
	return NULL;
}

static const char *word_label(const struct word *w, size_t n, const char *key)
{
	const struct word *f = word_find(w, n, key);
	return f ? _(f->label) : (key ? key : "");
}

bool ticket_priority_valid(const char *key) { return word_find(priorities, COUNT(priorities), key); }
bool ticket_state_valid(const char *key) { return word_find(states, COUNT(states), key); }
bool ticket_channel_valid(const char *key) { return word_find(channels, COUNT(channels), key); }
bool ticket_category_valid(const char *key) { return word_find(categories, COUNT(categories), key); }
const char *ticket_priority_label(const char *k) { return word_label(priorities, COUNT(priorities), k); }
const char *ticket_state_label(const char *k) { return word_label(states, COUNT(states), k); }
const char *ticket_channel_label(const char *k) { return word_label(channels, COUNT(channels), k); }
const char *ticket_category_label(const char *k) { return word_label(categories, COUNT(categories), k); }
const char *ticket_event_label(const char *k) { return word_label(event_kinds, COUNT(event_kinds), k); }

/* TKT-5. */
bool ticket_transition_allowed(const char *from, const char *to)
{
	static const struct {
		const char *from, *to;
	} allowed[] = {
		{ "new", "open" }, { "open", "waiting" }, { "waiting", "open" },
		{ "open", "resolved" }, { "resolved", "open" }, { "resolved", "closed" },
	};
	for (size_t i = 0; i < COUNT(allowed); i++)
		if (streq(allowed[i].from, from) && streq(allowed[i].to, to))
			return true;
	return false;
}

static enum calendar_priority priority_enum(const char *key)
{
	enum calendar_priority p = CALENDAR_PRIORITY_STANDARD;
	(void)calendar_priority_parse(key, &p, NULL);
	return p;
}

kc_status ticket_number_parse(const char *s, int64_t *out, kc_error *err)
{
	const char *p = s ? s : "";
	if (*p == '#')
		p++;
	int64_t v = 0;
	bool any = false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			break;
		v = v * 10 + (*p - '0');
		any = true;
	}
	if (!any || *p || v <= 0)
		return kc_error_set_quoted(err, KC_ERR_INVALID, _("'%s' is not a ticket number"),
			s);
	*out = v;
	return KC_OK;
}

kc_status ticket_instant_parse(const char *s, kc_instant *out, kc_error *err)
{
	size_t len = s ? strlen(s) : 0;
	if (len > 0 && (s[len - 1] == 'Z' || s[len - 1] == 'z'))
		return date_instant_parse(s, out, err);
	kc_local l;
	kc_status rc = date_local_parse(s, &l, err);
	if (rc == KC_OK)
		*out = date_from_local(l);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Text checks.                                                            */

/* Length of one valid UTF-8 sequence at p, 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
	size_t len;
	uint32_t c = p[0], min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c < 0xE0)
		len = 2, c &= 0x1F, min = 0x80;
	else if (c >= 0xE0 && c < 0xF0)
		len = 3, c &= 0x0F, min = 0x800;
	else if (c >= 0xF0 && c < 0xF5)
		len = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	return c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0 : len;
}

/* Multi-line text: valid UTF-8, no control character but tab and line
 * breaks.  Returns a trimmed copy, or NULL with err set. */
static char *text_clean(const char *text, kc_error *err)
{
	const char *s = text ? text : "";
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
			   s[len - 1] == '\n'))
		len--;
	if (len == 0) {
		kc_error_set(err, KC_ERR_INVALID, "%s", _("The text is empty"));
		return NULL;
	}
	if (len > TICKET_TEXT_MAX) {
		kc_error_set(err, KC_ERR_INVALID, _("The text is longer than %d bytes"),
			TICKET_TEXT_MAX);
		return NULL;
	}
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t n = utf8_len(p);
		/* C1 controls (U+0080..U+009F, e.g. the one-byte CSI) drive
		 * terminals as much as C0 ones. */
		bool ctrl = (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7F ||
			    (n == 2 && p[0] == 0xC2 && p[1] < 0xA0);
		if (n == 0 || ctrl || i + n > len) {
			kc_error_set(err, KC_ERR_INVALID,
				_("The text holds an invalid character (byte %zu)"), i + 1);
			return NULL;
		}
		i += n;
	}
	char *copy = kc_strndup(s, len);
	if (!copy)
		nomem(err);
	return copy;
}

/* ---------------------------------------------------------------------- */
/* Reading.                                                                */

void ticket_clear(struct ticket *t)
{
	if (!t)
		return;
	free(t->account_number);
	free(t->account_level);
	free(t->subject);
	free(t->requested_priority);
	free(t->priority);
	free(t->channel);
	free(t->category);
	free(t->state);
	free(t->assigned_to);
	free(t->created_at);
	free(t->created_by);
	free(t->updated_at);
	free(t->updated_by);
	memset(t, 0, sizeof *t);
}

enum sla_clock ticket_clock(const struct ticket *t, kc_instant now)
{
	return sla_clock_of(t->category, t->response_due, t->responded, t->responded_at, now);
}

static char *col_dup(sqlite3_stmt *st, int col, bool *ok)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	if (!v)
		return NULL;
	char *d = kc_strdup(v);
	if (!d)
		*ok = false;
	return d;
}

/* An instant column; NULL gives *present false. */
static bool col_instant(sqlite3_stmt *st, int col, kc_instant *out, bool *present)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	if (present)
		*present = v != NULL;
	if (!v) {
		*out = 0;
		return present != NULL;
	}
	return date_instant_parse(v, out, NULL) == KC_OK;
}

#define TICKET_COLUMNS \
	"t.id, t.number, t.account_id, a.number, a.level, t.subject, t.requested_priority, " \
	"t.priority, t.channel, t.category, t.state, t.assigned_to, t.received_at, " \
	"t.response_due, t.responded_at, t.maintenance_start, t.maintenance_end, " \
	"t.created_at, t.created_by, t.updated_at, t.updated_by, t.version"
#define TICKET_FROM " FROM tickets t JOIN accounts a ON a.id = t.account_id "

static kc_status read_ticket(sqlite3_stmt *st, struct ticket *t, kc_error *err)
{
	bool ok = true, good = true, ws = false, we = false;
	t->id = sqlite3_column_int64(st, 0);
	t->number = sqlite3_column_int64(st, 1);
	t->account_id = sqlite3_column_int64(st, 2);
	t->account_number = col_dup(st, 3, &ok);
	t->account_level = col_dup(st, 4, &ok);
	t->subject = col_dup(st, 5, &ok);
	t->requested_priority = col_dup(st, 6, &ok);
	t->priority = col_dup(st, 7, &ok);
	t->channel = col_dup(st, 8, &ok);
	t->category = col_dup(st, 9, &ok);
	t->state = col_dup(st, 10, &ok);
	t->assigned_to = col_dup(st, 11, &ok);
	good &= col_instant(st, 12, &t->received_at, NULL);
	good &= col_instant(st, 13, &t->response_due, NULL);
	good &= col_instant(st, 14, &t->responded_at, &t->responded);
	good &= col_instant(st, 15, &t->window_start, &ws);
	good &= col_instant(st, 16, &t->window_end, &we);
	t->has_window = ws && we;
	t->created_at = col_dup(st, 17, &ok);
	t->created_by = col_dup(st, 18, &ok);
	t->updated_at = col_dup(st, 19, &ok);
	t->updated_by = col_dup(st, 20, &ok);
	t->version = sqlite3_column_int64(st, 21);
	if (!ok) {
		ticket_clear(t);
		return nomem(err);
	}
	if (!good) {
		int64_t n = t->number;
		ticket_clear(t);
		return kc_error_set(err, KC_ERR_DB,
			_("Ticket %" PRId64 " holds a damaged date; run 'kenoconsole check'"), n);
	}
	return KC_OK;
}

static kc_status step_fail(kc_db *db, kc_error *err)
{
	return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

kc_status ticket_get(kc_db *db, int64_t number, struct ticket *out, kc_error *err)
{
	if (!db || !out)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, "SELECT " TICKET_COLUMNS TICKET_FROM "WHERE t.number = ?1",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = read_ticket(st, out, err);
	else if (s == SQLITE_DONE)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("No ticket %" PRId64), number);
	else
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Writing: transactions, events, audit.                                   */

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static kc_status step_done(kc_db *db, sqlite3_stmt **st, kc_error *err)
{
	int s = sqlite3_step(*st);
	kc_status rc = s == SQLITE_DONE ? KC_OK : step_fail(db, err);
	db_finalize(db, st);
	return rc;
}

static kc_status add_event(kc_db *db, int64_t ticket_id, kc_instant at, const char *kind,
	const char *body, const char *old_v, const char *new_v, int64_t *out_id, kc_error *err)
{
	char when[DATE_INSTANT_BUFSZ];
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO ticket_events (ticket_id, at, staff, kind, body, old_value, new_value) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket_id);
	sqlite3_bind_text(st, 2, date_instant_format(at, when), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, db_staff(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body ? body : "", -1, SQLITE_TRANSIENT);
	bind_text(st, 6, old_v);
	bind_text(st, 7, new_v);
	rc = step_done(db, &st, err);
	if (rc == KC_OK && out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return rc;
}

/* One changed column (text; NULL is SQL NULL) or, with audit_only, a value
 * that only goes into the audit row. */
struct change {
	const char *column;
	const char *old_v, *new_v;
	bool audit_only;
};

#define MAX_CHANGES 8

struct changeset {
	struct change c[MAX_CHANGES];
	size_t n;
	int64_t event_id; /* the history row this change made, 0 if none */
};

static void cs_add(struct changeset *cs, const char *column, const char *old_v, const char *new_v)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ column, old_v, new_v, false };
}

static void cs_note(struct changeset *cs, const char *key, const char *value)
{
	if (cs->n < MAX_CHANGES)
		cs->c[cs->n++] = (struct change){ key, NULL, value, true };
}

static kc_status audit_ticket(kc_db *db, const struct ticket *t, const struct changeset *cs,
	const char *action, kc_error *err)
{
	strbuf o = STRBUF_INIT, nw = STRBUF_INIT;
	audit_json_begin(&o);
	audit_json_begin(&nw);
	audit_json_int(&nw, "number", t->number);
	if (cs->event_id)
		audit_json_int(&nw, "event_id", cs->event_id);
	for (size_t i = 0; i < cs->n; i++) {
		if (!cs->c[i].audit_only)
			audit_json_str(&o, cs->c[i].column, cs->c[i].old_v);
		audit_json_str(&nw, cs->c[i].column, cs->c[i].new_v);
	}
	audit_json_end(&o);
	audit_json_end(&nw);
	char *oj = strbuf_detach(&o), *nj = strbuf_detach(&nw);
	kc_status rc = oj && nj ? audit_record(db, "ticket", t->id, t->account_id, action,
					oj, nj, err)
				: nomem(err);
	free(oj);
	free(nj);
	return rc;
}

static kc_status conflict_error(kc_db *db, int64_t number, kc_error *err)
{
	struct ticket now = { 0 };
	kc_error ignore = KC_ERROR_INIT;
	kc_status rc;
	if (ticket_get(db, number, &now, &ignore) == KC_OK) {
		char when[DATE_LOCAL_BUFSZ];
		rc = kc_error_set(err, KC_ERR_CONFLICT,
			_("Ticket %" PRId64 " was changed by %s at %s; your changes were not saved"),
			number, db_change_who(now.updated_by), db_change_when(now.updated_at, when));
	} else {
		rc = kc_error_set(err, KC_ERR_CONFLICT,
			_("Ticket %" PRId64 " was changed meanwhile; your changes were not saved"),
			number);
	}
	kc_error_clear(&ignore);
	ticket_clear(&now);
	return rc;
}

/* UPDATE the changed columns, version + 1 and who/when, then the audit row.
 * Every change bumps the version: others holding the ticket reload. */
static kc_status apply_changes(kc_db *db, const struct ticket *t, const struct changeset *cs,
	const char *action, kc_error *err)
{
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql, "UPDATE tickets SET ");
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
	for (size_t i = 0; i < cs->n; i++)
		if (!cs->c[i].audit_only)
			bind_text(st, p++, cs->c[i].new_v);
	char now[24];
	db_now_iso(now);
	sqlite3_bind_text(st, p++, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, p++, db_staff(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, p++, t->id);
	sqlite3_bind_int64(st, p, t->version);
	int s = sqlite3_step(st);
	int changed = sqlite3_changes(db_handle(db));
	db_finalize(db, &st);
	if (s != SQLITE_DONE)
		return step_fail(db, err);
	if (changed != 1)
		return conflict_error(db, t->number, err);
	return audit_ticket(db, t, cs, action, err);
}

/* The latest event of a ticket (the created event is dated received_at). */
static kc_status latest_event(kc_db *db, int64_t ticket_id, kc_instant *out, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, "SELECT max(at) FROM ticket_events WHERE ticket_id = ?1",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket_id);
	*out = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (v && date_instant_parse(v, out, NULL) != KC_OK)
			rc = kc_error_set(err, KC_ERR_DB, "%s", kc_status_text(KC_ERR_DB));
	} else {
		rc = step_fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

/* at 0 = now; never in the future, never before the latest event. */
static kc_status resolve_at(kc_db *db, const struct ticket *t, kc_instant *at, kc_error *err)
{
	kc_instant now = date_now();
	char a[DATE_LOCAL_BUFSZ], b[DATE_LOCAL_BUFSZ];
	if (*at == 0)
		*at = now;
	if (*at > now)
		return kc_error_set(err, KC_ERR_INVALID, _("%s is in the future"),
			date_local_format(date_to_local(*at), a));
	kc_instant last;
	kc_status rc = latest_event(db, t->id, &last, err);
	if (rc == KC_OK && *at < last)
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("TKT-5: the history of ticket %" PRId64 " is kept in time order: %s is "
			  "before its latest event (%s)"),
			t->number, date_local_format(date_to_local(*at), a),
			date_local_format(date_to_local(last), b));
	return rc;
}

typedef kc_status (*change_fn)(kc_db *db, const struct kc_settings *s, struct ticket *t,
	kc_instant at, void *arg, kc_error *err);

/* Loads the ticket inside one write transaction, checks its version, that
 * it is not closed and the time of the change, then runs fn. */
static kc_status run_change(kc_db *db, const struct kc_settings *s, int64_t number,
	int64_t expected_version, kc_instant at, change_fn fn, void *arg, kc_error *err)
{
	if (!db)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	kc_status rc = db_change_begin(db, err);
	if (rc != KC_OK)
		return rc;
	struct ticket t = { 0 };
	rc = ticket_get(db, number, &t, err);
	if (rc == KC_OK && expected_version != 0 && t.version != expected_version)
		rc = conflict_error(db, number, err);
	if (rc == KC_OK && streq(t.state, "closed"))
		rc = kc_error_set(err, KC_ERR_RULE,
			_("TKT-5: ticket %" PRId64 " is closed; open a new ticket"), number);
	if (rc == KC_OK)
		rc = resolve_at(db, &t, &at, err);
	if (rc == KC_OK)
		rc = fn(db, s, &t, at, arg, err);
	ticket_clear(&t);
	return db_change_end(db, rc, err);
}

/* ---------------------------------------------------------------------- */
/* Opening a ticket (TKT-1..4, TKT-7, SLA-1, SLA-2).                       */

struct account_facts {
	char *number, *level, *status;
};

static void facts_clear(struct account_facts *f)
{
	free(f->number);
	free(f->level);
	free(f->status);
}

static kc_status load_account(kc_db *db, int64_t id, struct account_facts *f, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, "SELECT number, level, status FROM accounts WHERE id = ?1",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st);
	bool ok = true;
	if (s == SQLITE_ROW) {
		f->number = col_dup(st, 0, &ok);
		f->level = col_dup(st, 1, &ok);
		f->status = col_dup(st, 2, &ok);
		if (!ok)
			rc = nomem(err);
	} else if (s == SQLITE_DONE) {
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("No account with id %" PRId64), id);
	} else {
		rc = step_fail(db, err);
	}
	db_finalize(db, &st);
	return rc;
}

static kc_status check_new(const struct ticket_new *in, char **subject, kc_error *err)
{
	if (!in || in->account_id <= 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", _("A ticket needs an account"));
	if (!ticket_priority_valid(in->priority))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("'%s' is not a priority (emergency, urgent or standard)"), in->priority);
	if (in->channel && !ticket_channel_valid(in->channel))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("TKT-3: '%s' is not a channel (phone, email, portal or alarm)"), in->channel);
	if (in->category && !ticket_category_valid(in->category))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("'%s' is not a category (support, maintenance, billing, consulting or third_party)"),
			in->category);
	bool window = in->window_start || in->window_end;
	if (window && !streq(in->category, "maintenance"))
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("TKT-7: only a maintenance ticket has a planned window"));
	if (window && (!in->window_start || !in->window_end || in->window_start >= in->window_end))
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("TKT-7: a maintenance window needs a start before its end"));
	char *s = kc_strdup(in->subject ? in->subject : "");
	if (!s)
		return nomem(err);
	/* Trim spaces at both ends; one line, like every name in the console. */
	size_t b = strspn(s, " \t"), len = strlen(s);
	while (len > b && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	memmove(s, s + b, len - b);
	s[len - b] = '\0';
	if (!*s || !account_text_valid(s, TICKET_SUBJECT_MAX)) {
		free(s);
		return kc_error_set(err, KC_ERR_INVALID,
			_("The subject must be one line of 1 to %d characters"), TICKET_SUBJECT_MAX);
	}
	*subject = s;
	return KC_OK;
}

struct opening {
	const struct ticket_new *in;
	const char *subject;
	kc_instant received, due;
	const char *priority;     /* applied */
	char *downgrade_note;     /* NULL: as requested */
};

/* TKT-2, TKT-7 and the deadline (SLA-1, SLA-2). */
static kc_status qualify(const struct kc_settings *s, const struct account_facts *acct,
	struct opening *o, kc_error *err)
{
	struct sla_calendar cal;
	kc_status rc = sla_calendar_init(&cal, s, err);
	if (rc != KC_OK)
		return rc;
	enum calendar_priority asked = priority_enum(o->in->priority), eff;
	bool maintenance = streq(o->in->category, "maintenance");
	o->due = calendar_sla_due(&cal.opts, acct->level,
		maintenance ? CALENDAR_PRIORITY_STANDARD : asked, o->received, &eff);
	sla_calendar_clear(&cal);
	o->priority = calendar_priority_key(eff);
	if (eff == asked)
		return KC_OK;
	if (maintenance)
		o->downgrade_note = kc_asprintf(
			_("TKT-7: %s requested; scheduling maintenance is a Standard request"),
			ticket_priority_label(o->in->priority));
	else
		o->downgrade_note = kc_asprintf(
			_("TKT-2: %s requested; account %s is not fully administered, so the "
			  "ticket is accepted as Standard"),
			ticket_priority_label(o->in->priority), acct->number);
	return o->downgrade_note ? KC_OK : nomem(err);
}

static kc_status insert_ticket(kc_db *db, const struct opening *o, int64_t number,
	int64_t *out_id, kc_error *err)
{
	char rec[DATE_INSTANT_BUFSZ], due[DATE_INSTANT_BUFSZ], ws[DATE_INSTANT_BUFSZ],
		we[DATE_INSTANT_BUFSZ], now[24];
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO tickets (number, account_id, subject, requested_priority, priority, "
		"channel, category, received_at, response_due, maintenance_start, maintenance_end, "
		"created_at, created_by, updated_at, updated_by) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?13)", &st, err);
	if (rc != KC_OK)
		return rc;
	const struct ticket_new *in = o->in;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 2, in->account_id);
	sqlite3_bind_text(st, 3, o->subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, in->priority, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, o->priority, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, in->channel ? in->channel : "phone", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, in->category ? in->category : "support", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, date_instant_format(o->received, rec), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, date_instant_format(o->due, due), -1, SQLITE_TRANSIENT);
	bind_text(st, 10, in->window_start ? date_instant_format(in->window_start, ws) : NULL);
	bind_text(st, 11, in->window_end ? date_instant_format(in->window_end, we) : NULL);
	db_now_iso(now);
	sqlite3_bind_text(st, 12, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 13, db_staff(db), -1, SQLITE_TRANSIENT);
	rc = step_done(db, &st, err);
	if (rc == KC_OK)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return rc;
}

static kc_status audit_create(kc_db *db, const struct opening *o, int64_t id, int64_t number,
	kc_error *err)
{
	char rec[DATE_INSTANT_BUFSZ], due[DATE_INSTANT_BUFSZ];
	strbuf sb = STRBUF_INIT;
	audit_json_begin(&sb);
	audit_json_int(&sb, "number", number);
	audit_json_str(&sb, "subject", o->subject);
	audit_json_str(&sb, "requested_priority", o->in->priority);
	audit_json_str(&sb, "priority", o->priority);
	audit_json_str(&sb, "channel", o->in->channel ? o->in->channel : "phone");
	audit_json_str(&sb, "category", o->in->category ? o->in->category : "support");
	audit_json_str(&sb, "received_at", date_instant_format(o->received, rec));
	audit_json_str(&sb, "response_due", date_instant_format(o->due, due));
	audit_json_str(&sb, "state", "new");
	audit_json_end(&sb);
	char *json = strbuf_detach(&sb);
	if (!json)
		return nomem(err);
	kc_status rc = audit_record(db, "ticket", id, o->in->account_id, "ticket.create", NULL,
		json, err);
	free(json);
	return rc;
}

static kc_status add_in_tx(kc_db *db, const struct kc_settings *s, struct opening *o,
	int64_t *out_number, kc_error *err)
{
	struct account_facts acct = { 0 };
	kc_status rc = load_account(db, o->in->account_id, &acct, err);
	if (rc == KC_OK && streq(acct.status, "closed"))
		rc = kc_error_set(err, KC_ERR_RULE,
			_("Account %s is closed; it cannot open tickets (TRM-7 keeps its old ones)"),
			acct.number);
	if (rc == KC_OK)
		rc = qualify(s, &acct, o, err);
	facts_clear(&acct);
	int64_t number = 0, id = 0;
	if (rc == KC_OK)
		rc = db_next_sequence(db, "ticket", &number, err);
	if (rc == KC_OK)
		rc = insert_ticket(db, o, number, &id, err);
	if (rc == KC_OK)
		rc = add_event(db, id, o->received, "created", o->subject, NULL, "new", NULL, err);
	if (rc == KC_OK && o->downgrade_note)
		rc = add_event(db, id, o->received, "downgrade", o->downgrade_note,
			o->in->priority, o->priority, NULL, err);
	if (rc == KC_OK)
		rc = audit_create(db, o, id, number, err);
	if (rc == KC_OK && out_number)
		*out_number = number;
	return rc;
}

kc_status ticket_add(kc_db *db, const struct kc_settings *s, const struct ticket_new *in,
	int64_t *out_number, bool *downgraded, kc_error *err)
{
	if (!db)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	char *subject = NULL;
	kc_status rc = check_new(in, &subject, err);
	if (rc != KC_OK)
		return rc;
	struct opening o = { .in = in, .subject = subject, .received = in->received };
	kc_instant now = date_now();
	char shown[DATE_LOCAL_BUFSZ];
	if (o.received == 0)
		o.received = now;
	if (o.received > now)
		rc = kc_error_set(err, KC_ERR_INVALID,
			_("The request cannot be received in the future (%s)"),
			date_local_format(date_to_local(o.received), shown));
	if (rc == KC_OK)
		rc = db_change_begin(db, err);
	if (rc == KC_OK)
		rc = db_change_end(db, add_in_tx(db, s, &o, out_number, err), err);
	if (rc == KC_OK && downgraded)
		*downgraded = o.downgrade_note != NULL;
	free(o.downgrade_note);
	free(subject);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Replies and notes.                                                      */

struct text_arg {
	const char *text;
	bool reply;
	bool stopped;
};

static kc_status text_step(kc_db *db, const struct kc_settings *s, struct ticket *t,
	kc_instant at, void *arg, kc_error *err)
{
	(void)s;
	struct text_arg *a = arg;
	struct changeset cs = { .n = 0 };
	char when[DATE_INSTANT_BUFSZ];
	kc_status rc = KC_OK;
	if (a->reply && streq(t->state, "new")) {
		/* Answering a new ticket opens it (TKT-5). */
		cs_add(&cs, "state", "new", "open");
		rc = add_event(db, t->id, at, "state", "", "new", "open", NULL, err);
	}
	if (rc == KC_OK && a->reply && !t->responded) {
		/* The first reply stops the SLA clock (SLA-1). */
		cs_add(&cs, "responded_at", NULL, date_instant_format(at, when));
		a->stopped = true;
	}
	if (rc == KC_OK)
		rc = add_event(db, t->id, at, a->reply ? "reply" : "note", a->text, NULL, NULL,
			&cs.event_id, err);
	cs_note(&cs, a->reply ? "reply" : "note", a->text);
	if (rc == KC_OK)
		rc = apply_changes(db, t, &cs, a->reply ? "ticket.reply" : "ticket.note", err);
	return rc;
}

static kc_status add_text(kc_db *db, int64_t number, const char *text, kc_instant at,
	bool reply, bool *stopped, kc_error *err)
{
	char *clean = text_clean(text, err);
	if (!clean)
		return err ? err->code : KC_ERR_INVALID;
	struct text_arg a = { clean, reply, false };
	kc_status rc = run_change(db, NULL, number, 0, at, text_step, &a, err);
	free(clean);
	if (stopped)
		*stopped = rc == KC_OK && a.stopped;
	return rc;
}

kc_status ticket_reply(kc_db *db, int64_t number, const char *text, kc_instant at,
	bool *stopped_clock, kc_error *err)
{
	return add_text(db, number, text, at, true, stopped_clock, err);
}

kc_status ticket_note(kc_db *db, int64_t number, const char *text, kc_instant at, kc_error *err)
{
	return add_text(db, number, text, at, false, NULL, err);
}

/* ---------------------------------------------------------------------- */
/* States (TKT-5).                                                         */

static kc_status state_step(kc_db *db, const struct kc_settings *s, struct ticket *t,
	kc_instant at, void *arg, kc_error *err)
{
	(void)s;
	const char *to = arg;
	if (streq(t->state, to))
		return kc_error_set(err, KC_ERR_RULE, _("TKT-5: ticket %" PRId64 " is already %s"),
			t->number, ticket_state_label(to));
	if (!ticket_transition_allowed(t->state, to))
		return kc_error_set(err, KC_ERR_RULE,
			_("TKT-5: a ticket cannot go from %s to %s (new -> open -> waiting on "
			  "customer <-> open -> resolved -> closed; resolved -> open reopens)"),
			ticket_state_label(t->state), ticket_state_label(to));
	struct changeset cs = { .n = 0 };
	char when[DATE_INSTANT_BUFSZ];
	cs_add(&cs, "state", t->state, to);
	/* A resolution answers the request: it stops a clock still running. */
	if (streq(to, "resolved") && !t->responded)
		cs_add(&cs, "responded_at", NULL, date_instant_format(at, when));
	kc_status rc = add_event(db, t->id, at, "state", "", t->state, to, &cs.event_id, err);
	if (rc == KC_OK)
		rc = apply_changes(db, t, &cs, "ticket.state", err);
	return rc;
}

kc_status ticket_set_state(kc_db *db, int64_t number, int64_t expected_version,
	const char *state, kc_instant at, kc_error *err)
{
	if (!ticket_state_valid(state))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("'%s' is not a ticket state (new, open, waiting, resolved or closed)"),
			state);
	return run_change(db, NULL, number, expected_version, at, state_step, (void *)state, err);
}

/* ---------------------------------------------------------------------- */
/* Assignment (TKT-6).                                                     */

static kc_status assign_step(kc_db *db, const struct kc_settings *s, struct ticket *t,
	kc_instant at, void *arg, kc_error *err)
{
	(void)s;
	const char *who = arg;
	if (!who && !t->assigned_to)
		return kc_error_set(err, KC_ERR_INVALID, _("Ticket %" PRId64 " is not assigned"),
			t->number);
	if (streq(who, t->assigned_to))
		return kc_error_set(err, KC_ERR_INVALID,
			_("Ticket %" PRId64 " is already assigned to %s"), t->number, who);
	if (who) {
		enum staff_role role;
		kc_status rc = staff_role_of(db, who, &role, err);
		if (rc != KC_OK)
			return rc;
		if (role == STAFF_NONE)
			return kc_error_set_quoted(err, KC_ERR_INVALID,
				_("TKT-6: %s is not an active staff member"), who);
	}
	struct changeset cs = { .n = 0 };
	cs_add(&cs, "assigned_to", t->assigned_to, who);
	kc_status rc = add_event(db, t->id, at, "assign", "", t->assigned_to, who, &cs.event_id,
		err);
	if (rc == KC_OK)
		rc = apply_changes(db, t, &cs, "ticket.assign", err);
	return rc;
}

kc_status ticket_assign(kc_db *db, int64_t number, int64_t expected_version,
	const char *username, kc_instant at, kc_error *err)
{
	const char *who = blank(username) ? NULL : username;
	return run_change(db, NULL, number, expected_version, at, assign_step, (void *)who, err);
}

/* ---------------------------------------------------------------------- */
/* Priority.                                                               */

static kc_status priority_step(kc_db *db, const struct kc_settings *s, struct ticket *t,
	kc_instant at, void *arg, kc_error *err)
{
	const char *to = arg;
	char a[DATE_LOCAL_BUFSZ];
	if (streq(t->priority, to))
		return kc_error_set(err, KC_ERR_INVALID, _("Ticket %" PRId64 " is already %s"),
			t->number, ticket_priority_label(to));
	if (t->responded)
		return kc_error_set(err, KC_ERR_RULE,
			_("SLA-1: ticket %" PRId64 " was answered at %s; its priority and deadline "
			  "can no longer change"),
			t->number, date_local_format(date_to_local(t->responded_at), a));
	if (ticket_clock(t, date_now()) == SLA_CLOCK_OVERDUE)
		return kc_error_set(err, KC_ERR_RULE,
			_("SLA-4: ticket %" PRId64 " is breached; its priority can no longer change"),
			t->number);
	enum calendar_priority want = priority_enum(to), eff;
	if (streq(t->category, "maintenance") && want != CALENDAR_PRIORITY_STANDARD)
		return kc_error_set(err, KC_ERR_RULE, "%s",
			_("TKT-7: scheduling maintenance is a Standard request"));
	struct sla_calendar cal;
	kc_status rc = sla_calendar_init(&cal, s, err);
	if (rc != KC_OK)
		return rc;
	kc_instant due = calendar_sla_due(&cal.opts, t->account_level, want, at, &eff);
	sla_calendar_clear(&cal);
	if (eff != want)
		return kc_error_set(err, KC_ERR_RULE,
			_("TKT-2: %s applies only to fully administered accounts; account %s is not"),
			ticket_priority_label(to), t->account_number);
	/* An upgrade never gives more time than the ticket already had. */
	if (want < priority_enum(t->priority) && due > t->response_due)
		due = t->response_due;
	char old_due[DATE_INSTANT_BUFSZ], new_due[DATE_INSTANT_BUFSZ];
	struct changeset cs = { .n = 0 };
	cs_add(&cs, "priority", t->priority, to);
	cs_add(&cs, "response_due", date_instant_format(t->response_due, old_due),
		date_instant_format(due, new_due));
	rc = add_event(db, t->id, at, "priority", "", t->priority, to, &cs.event_id, err);
	if (rc == KC_OK)
		rc = apply_changes(db, t, &cs, "ticket.priority", err);
	return rc;
}

kc_status ticket_set_priority(kc_db *db, const struct kc_settings *s, int64_t number,
	int64_t expected_version, const char *priority, kc_instant at, kc_error *err)
{
	if (!ticket_priority_valid(priority))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("'%s' is not a priority (emergency, urgent or standard)"), priority);
	return run_change(db, s, number, expected_version, at, priority_step, (void *)priority,
		err);
}

/* ---------------------------------------------------------------------- */
/* Time entries (TKT-8).                                                   */

struct time_arg {
	int minutes;
	kc_date worked_on;
	const char *description;
	enum ticket_billable billable;
	int64_t id;
};

static kc_status time_step(kc_db *db, const struct kc_settings *s, struct ticket *t,
	kc_instant at, void *arg, kc_error *err)
{
	(void)s;
	struct time_arg *a = arg;
	char day[DATE_BUFSZ], first[DATE_BUFSZ];
	kc_date received = date_to_local(t->received_at).date;
	if (date_compare(a->worked_on, received) < 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("Work on %s cannot be before ticket %" PRId64 " was received (%s)"),
			date_format(a->worked_on, day), t->number, date_format(received, first));
	bool billable = a->billable == TICKET_BILLABLE_YES ||
		(a->billable == TICKET_BILLABLE_DEFAULT &&
		 (streq(t->category, "consulting") || streq(t->category, "third_party")));
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO time_entries (ticket_id, account_id, staff, minutes, worked_on, "
		"description, billable) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err);
	if (rc != KC_OK)
		return rc;
	date_format(a->worked_on, day);
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_int64(st, 2, t->account_id);
	sqlite3_bind_text(st, 3, db_staff(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, a->minutes);
	sqlite3_bind_text(st, 5, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, a->description ? a->description : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, billable);
	rc = step_done(db, &st, err);
	if (rc != KC_OK)
		return rc;
	a->id = sqlite3_last_insert_rowid(db_handle(db));
	char minutes[24], entry[24];
	snprintf(minutes, sizeof minutes, "%d", a->minutes);
	snprintf(entry, sizeof entry, "%" PRId64, a->id);
	struct changeset cs = { .n = 0 };
	cs_note(&cs, "time_entry", entry);
	cs_note(&cs, "minutes", minutes);
	cs_note(&cs, "worked_on", day);
	cs_note(&cs, "billable", billable ? "yes" : "no");
	cs_note(&cs, "description", a->description ? a->description : "");
	rc = add_event(db, t->id, at, "time", a->description, NULL, minutes, &cs.event_id, err);
	if (rc == KC_OK)
		rc = apply_changes(db, t, &cs, "ticket.time", err);
	return rc;
}

kc_status ticket_log_time(kc_db *db, int64_t number, int minutes, const char *worked_on,
	const char *description, enum ticket_billable billable, int64_t *out_id, kc_error *err)
{
	if (minutes < 1 || minutes > TICKET_MINUTES_MAX)
		return kc_error_set(err, KC_ERR_INVALID,
			_("TKT-8: time is logged in minutes, 1 to %d per entry"), TICKET_MINUTES_MAX);
	struct time_arg a = { .minutes = minutes, .billable = billable };
	kc_date today = date_today_local();
	char day[DATE_BUFSZ];
	kc_status rc = KC_OK;
	if (blank(worked_on))
		a.worked_on = today;
	else
		rc = date_parse(worked_on, &a.worked_on, err);
	if (rc == KC_OK && date_compare(a.worked_on, today) > 0)
		rc = kc_error_set(err, KC_ERR_INVALID, _("%s is in the future"),
			date_format(a.worked_on, day));
	char *desc = NULL;
	if (rc == KC_OK && !blank(description)) {
		desc = text_clean(description, err);
		if (!desc)
			rc = err ? err->code : KC_ERR_INVALID;
	}
	a.description = desc;
	if (rc == KC_OK)
		rc = run_change(db, NULL, number, 0, 0, time_step, &a, err);
	free(desc);
	if (rc == KC_OK && out_id)
		*out_id = a.id;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* History and time lists.                                                 */

void ticket_events_free(struct ticket_event **ev, size_t n)
{
	if (!ev || !*ev)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*ev)[i].staff);
		free((*ev)[i].kind);
		free((*ev)[i].body);
		free((*ev)[i].old_value);
		free((*ev)[i].new_value);
	}
	free(*ev);
	*ev = NULL;
}

/* Grows *arr (of elem bytes) to hold one more; false on NOMEM. */
static bool grow(void **arr, size_t elem, size_t n, size_t *cap)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return false;
	memset((char *)p + n * elem, 0, (ncap - n) * elem);
	*arr = p;
	*cap = ncap;
	return true;
}

kc_status ticket_events(kc_db *db, int64_t ticket_id, struct ticket_event **out, size_t *n,
	kc_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT id, at, staff, kind, body, old_value, new_value FROM ticket_events "
		"WHERE ticket_id = ?1 ORDER BY at, id", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket_id);
	size_t cap = 0;
	int s;
	while (rc == KC_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)out, sizeof **out, *n, &cap)) {
			rc = nomem(err);
			break;
		}
		struct ticket_event *e = &(*out)[(*n)++];
		bool ok = true;
		e->id = sqlite3_column_int64(st, 0);
		if (!col_instant(st, 1, &e->at, NULL))
			rc = kc_error_set(err, KC_ERR_DB, "%s", kc_status_text(KC_ERR_DB));
		e->staff = col_dup(st, 2, &ok);
		e->kind = col_dup(st, 3, &ok);
		e->body = col_dup(st, 4, &ok);
		e->old_value = col_dup(st, 5, &ok);
		e->new_value = col_dup(st, 6, &ok);
		if (!ok)
			rc = nomem(err);
	}
	if (rc == KC_OK && s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		ticket_events_free(out, *n);
		*n = 0;
	}
	return rc;
}

void ticket_times_free(struct ticket_time **tt, size_t n)
{
	if (!tt || !*tt)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*tt)[i].staff);
		free((*tt)[i].worked_on);
		free((*tt)[i].description);
	}
	free(*tt);
	*tt = NULL;
}

kc_status ticket_times(kc_db *db, int64_t ticket_id, struct ticket_time **out, size_t *n,
	kc_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT id, staff, worked_on, description, minutes, billable, "
		"coalesce(invoice_id, 0) FROM time_entries WHERE ticket_id = ?1 "
		"ORDER BY worked_on, id", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket_id);
	size_t cap = 0;
	int s;
	while (rc == KC_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)out, sizeof **out, *n, &cap)) {
			rc = nomem(err);
			break;
		}
		struct ticket_time *e = &(*out)[(*n)++];
		bool ok = true;
		e->id = sqlite3_column_int64(st, 0);
		e->staff = col_dup(st, 1, &ok);
		e->worked_on = col_dup(st, 2, &ok);
		e->description = col_dup(st, 3, &ok);
		e->minutes = sqlite3_column_int(st, 4);
		e->billable = sqlite3_column_int(st, 5) != 0;
		e->invoice_id = sqlite3_column_int64(st, 6);
		if (!ok)
			rc = nomem(err);
	}
	if (rc == KC_OK && s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		ticket_times_free(out, *n);
		*n = 0;
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* The queue.                                                              */

/* The rank of ticket.h, in SQL; ?1 is as_of as ISO text. */
#define RANK_SQL \
	"((CASE WHEN t.responded_at IS NULL AND t.category <> 'third_party' " \
	"THEN (CASE WHEN t.response_due < ?1 THEN 0 ELSE 2 END) ELSE 4 END) " \
	"+ (t.assigned_to IS NOT NULL))"

int ticket_queue_rank(const struct ticket *t, kc_instant as_of)
{
	int rank;
	switch (ticket_clock(t, as_of)) {
	case SLA_CLOCK_OVERDUE: rank = 0; break;
	case SLA_CLOCK_RUNNING: rank = 2; break;
	default: rank = 4; break;
	}
	return rank + (t->assigned_to != NULL);
}

static kc_instant query_as_of(const struct ticket_query *q)
{
	return q && q->as_of ? q->as_of : date_now();
}

void ticket_cursor_set(struct ticket_cursor *c, const struct ticket_query *q,
	const struct ticket *t)
{
	c->have = true;
	c->rank = ticket_queue_rank(t, query_as_of(q));
	c->due = t->response_due;
	c->number = t->number;
}

static kc_status check_query(const struct ticket_query *q, kc_error *err)
{
	if (q->priority && !ticket_priority_valid(q->priority))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("'%s' is not a priority (emergency, urgent or standard)"), q->priority);
	if (q->state && !streq(q->state, "all") && !ticket_state_valid(q->state))
		return kc_error_set_quoted(err, KC_ERR_INVALID,
			_("'%s' is not a ticket state (new, open, waiting, resolved, closed or all)"),
			q->state);
	return KC_OK;
}

/* WHERE clause of the filters; parameters ?2..?5 (?1 is as_of). */
static void append_filters(strbuf *sql, const struct ticket_query *q)
{
	strbuf_append(sql, " WHERE 1");
	if (!q->state)
		strbuf_append(sql, " AND t.state IN ('new', 'open', 'waiting')");
	else if (!streq(q->state, "all"))
		strbuf_append(sql, " AND t.state = ?2");
	if (q->priority)
		strbuf_append(sql, " AND t.priority = ?3");
	if (q->unassigned)
		strbuf_append(sql, " AND t.assigned_to IS NULL");
	else if (q->assigned_to)
		strbuf_append(sql, " AND t.assigned_to = ?4");
	if (q->account_id)
		strbuf_append(sql, " AND t.account_id = ?5");
}

static void bind_filters(sqlite3_stmt *st, const struct ticket_query *q)
{
	char as_of[DATE_INSTANT_BUFSZ];
	sqlite3_bind_text(st, 1, date_instant_format(query_as_of(q), as_of), -1, SQLITE_TRANSIENT);
	if (q->state && !streq(q->state, "all"))
		sqlite3_bind_text(st, 2, q->state, -1, SQLITE_TRANSIENT);
	if (q->priority)
		sqlite3_bind_text(st, 3, q->priority, -1, SQLITE_TRANSIENT);
	if (!q->unassigned && q->assigned_to)
		sqlite3_bind_text(st, 4, q->assigned_to, -1, SQLITE_TRANSIENT);
	if (q->account_id)
		sqlite3_bind_int64(st, 5, q->account_id);
}

kc_status ticket_count(kc_db *db, const struct ticket_query *q, int64_t *n, kc_error *err)
{
	struct ticket_query none = { 0 };
	q = q ? q : &none;
	*n = 0;
	kc_status rc = check_query(q, err);
	if (rc != KC_OK)
		return rc;
	strbuf sql = STRBUF_INIT;
	/* ?1 (as_of) is bound but unused here: the count has no order. */
	strbuf_append(&sql, "SELECT count(*) FROM tickets t");
	append_filters(&sql, q);
	if (strbuf_failed(&sql)) {
		strbuf_free(&sql);
		return nomem(err);
	}
	sqlite3_stmt *st = NULL;
	rc = db_prepare(db, strbuf_cstr(&sql), &st, err);
	strbuf_free(&sql);
	if (rc != KC_OK)
		return rc;
	bind_filters(st, q);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

static void reverse_rows(struct ticket *rows, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct ticket tmp = rows[i];
		rows[i] = rows[n - 1 - i];
		rows[n - 1 - i] = tmp;
	}
}

kc_status ticket_page(kc_db *db, const struct ticket_query *q, const struct ticket_cursor *from,
	bool backward, struct ticket *rows, size_t max, size_t *n, kc_error *err)
{
	struct ticket_query none = { 0 };
	q = q ? q : &none;
	*n = 0;
	kc_status rc = check_query(q, err);
	if (rc != KC_OK || max == 0)
		return rc;
	bool cursor = from && from->have;
	strbuf sql = STRBUF_INIT;
	strbuf_append(&sql, "SELECT " TICKET_COLUMNS TICKET_FROM);
	append_filters(&sql, q);
	if (cursor)
		strbuf_appendf(&sql, " AND (" RANK_SQL ", t.response_due, t.number) %s (?6, ?7, ?8)",
			backward ? "<" : ">");
	const char *dir = backward ? "DESC" : "ASC";
	strbuf_appendf(&sql, " ORDER BY " RANK_SQL " %s, t.response_due %s, "
		"t.number %s LIMIT ?9", dir, dir, dir);
	if (strbuf_failed(&sql)) {
		strbuf_free(&sql);
		return nomem(err);
	}
	sqlite3_stmt *st = NULL;
	rc = db_prepare(db, strbuf_cstr(&sql), &st, err);
	strbuf_free(&sql);
	if (rc != KC_OK)
		return rc;
	bind_filters(st, q);
	if (cursor) {
		char due[DATE_INSTANT_BUFSZ];
		sqlite3_bind_int(st, 6, from->rank);
		sqlite3_bind_text(st, 7, date_instant_format(from->due, due), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, from->number);
	}
	sqlite3_bind_int64(st, 9, (int64_t)max);
	int s = SQLITE_DONE;
	while (rc == KC_OK && *n < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_ticket(st, &rows[*n], err);
		if (rc == KC_OK)
			(*n)++;
	}
	if (rc == KC_OK && *n < max && s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		for (size_t i = 0; i < *n; i++)
			ticket_clear(&rows[i]);
		*n = 0;
		return rc;
	}
	if (backward)
		reverse_rows(rows, *n);
	return KC_OK;
}

/* ---------------------------------------------------------------------- */
/* Demo data.                                                              */

typedef struct demo_rng {
	uint64_t s;
} demo_rng;

/* splitmix64, as in demo.c: reproducible for a seed. */
static uint64_t rng_next(demo_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static int64_t rng_range(demo_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

enum demo_answer { ANSWER_NONE, ANSWER_ON_TIME, ANSWER_LATE };

/* Customer data, not interface text: never translated. */
struct demo_scenario {
	const char *priority, *category, *channel, *state;
	uint8_t answer;
	bool assign, credit;
	int minutes;             /* time logged; 0 none */
	const char *subject_fr, *subject_en;
};

static const struct demo_scenario scenarios[] = {
	{ "emergency", "support", "alarm", "open", ANSWER_ON_TIME, true, false, 0,
		"Aucune ligne ne sonne depuis ce matin", "No line rings since this morning" },
	{ "urgent", "support", "phone", "waiting", ANSWER_LATE, false, true, 20,
		"Appels coupés après 30 secondes", "Calls drop after 30 seconds" },
	{ "standard", "support", "email", "resolved", ANSWER_ON_TIME, true, false, 30,
		"Changer le message d'accueil", "Change the greeting message" },
	{ "standard", "support", "portal", "new", ANSWER_NONE, false, false, 0,
		"Ajouter un poste pour une nouvelle employée", "Add an extension for a new hire" },
	{ "emergency", "support", "alarm", "closed", ANSWER_LATE, true, true, 45,
		"Tronc SIP hors service", "SIP trunk down" },
	{ "urgent", "support", "phone", "new", ANSWER_NONE, false, false, 0,
		"Écho sur les appels sortants", "Echo on outgoing calls" },
	{ "standard", "maintenance", "email", "open", ANSWER_ON_TIME, true, false, 0,
		"Planifier la mise à jour des téléphones", "Schedule the phone firmware update" },
	{ "standard", "third_party", "phone", "open", ANSWER_LATE, false, false, 45,
		"Le fournisseur Internet bloque le port 5060", "The Internet provider blocks port 5060" },
	{ "standard", "consulting", "email", "resolved", ANSWER_ON_TIME, true, false, 90,
		"Rapport d'appels par service", "Call report by department" },
	{ "standard", "support", "email", "open", ANSWER_NONE, true, false, 0,
		"Question sur la messagerie vocale par courriel", "Question about voicemail to email" },
	{ "standard", "billing", "email", "closed", ANSWER_ON_TIME, false, false, 0,
		"Copie de la facture du mois dernier", "Copy of last month's invoice" },
	{ "emergency", "support", "phone", "waiting", ANSWER_ON_TIME, true, false, 15,
		"Le standard automatique ne répond plus", "The auto attendant stopped answering" },
};

struct demo_ticket {
	kc_db *db;
	demo_rng *r;
	const struct demo_scenario *sc;
	bool french;
	const char *staff;       /* assignee, or NULL when the staff list lacks us */
	kc_instant now, t;       /* t: time of the latest event */
	int64_t number;
};

/* Whole minutes, as staff type them. */
static kc_instant demo_minute(kc_instant t)
{
	return t - (t % 60 + 60) % 60;
}

/* The next event time: later than the last one, never after now. */
static kc_instant demo_later(struct demo_ticket *d, int64_t min_s, int64_t max_s)
{
	kc_instant at = demo_minute(d->t + rng_range(d->r, min_s, max_s));
	if (at < d->t)
		at = d->t;
	d->t = at < d->now ? at : d->now;
	return d->t;
}

static kc_status demo_open(struct demo_ticket *d, int64_t account_id, struct ticket *t,
	kc_error *err)
{
	const struct demo_scenario *sc = d->sc;
	int64_t age; /* seconds before now */
	if (sc->answer == ANSWER_NONE && !streq(sc->priority, "urgent"))
		age = rng_range(d->r, 60, 9 * 60);          /* clock still running */
	else if (sc->answer == ANSWER_NONE)
		age = rng_range(d->r, 10, 20) * 86400;      /* never answered: overdue */
	else
		age = rng_range(d->r, 10 * 86400, 40 * 86400);
	struct ticket_new in = {
		.account_id = account_id, .priority = sc->priority,
		.subject = d->french ? sc->subject_fr : sc->subject_en,
		.received = demo_minute(d->now - age), .channel = sc->channel, .category = sc->category,
	};
	if (streq(sc->category, "maintenance")) {
		in.window_start = in.received + 3 * 86400;
		in.window_end = in.window_start + 2 * 3600;
	}
	d->t = in.received;
	kc_status rc = ticket_add(d->db, NULL, &in, &d->number, NULL, err);
	return rc == KC_OK ? ticket_get(d->db, d->number, t, err) : rc;
}

static kc_status demo_answer(struct demo_ticket *d, const struct ticket *t, kc_error *err)
{
	const struct demo_scenario *sc = d->sc;
	kc_status rc = KC_OK;
	if (sc->assign && d->staff)
		rc = ticket_assign(d->db, d->number, 0, d->staff, demo_later(d, 30, 120), err);
	if (rc != KC_OK || sc->answer == ANSWER_NONE)
		return rc;
	kc_instant at;
	if (sc->answer == ANSWER_LATE)
		at = t->response_due + rng_range(d->r, 60, 10 * 3600);
	else
		at = d->t + rng_range(d->r, 60, 600);
	at = demo_minute(at);
	if (at < d->t)
		at = d->t;
	d->t = at < d->now ? at : d->now;
	const char *text = d->french
		? "Bonjour,\n\nNous avons bien reçu votre demande et nous nous en occupons.\n\n"
		  "L'équipe de soutien Kenotronix"
		: "Hello,\n\nWe received your request and are working on it.\n\n"
		  "The Kenotronix support team";
	rc = ticket_reply(d->db, d->number, text, d->t, NULL, err);
	if (rc == KC_OK && rng_range(d->r, 0, 2) == 0)
		rc = ticket_note(d->db, d->number,
			d->french ? "Client rappelé, configuration vérifiée à distance."
				  : "Called the customer back, checked the setup remotely.",
			demo_later(d, 300, 3600), err);
	return rc;
}

/* new -> open -> waiting | resolved (-> closed), as the scenario says. */
static kc_status demo_states(struct demo_ticket *d, kc_error *err)
{
	const char *goal = d->sc->state;
	struct ticket t = { 0 };
	kc_status rc = ticket_get(d->db, d->number, &t, err);
	if (rc != KC_OK || streq(goal, "new"))
		goto out;
	if (streq(t.state, "new"))
		rc = ticket_set_state(d->db, d->number, 0, "open", demo_later(d, 60, 600), err);
	if (rc == KC_OK && streq(goal, "waiting"))
		rc = ticket_set_state(d->db, d->number, 0, "waiting", demo_later(d, 60, 3600), err);
	if (rc == KC_OK && (streq(goal, "resolved") || streq(goal, "closed")))
		rc = ticket_set_state(d->db, d->number, 0, "resolved",
			demo_later(d, 3600, 86400), err);
	if (rc == KC_OK && streq(goal, "closed"))
		rc = ticket_set_state(d->db, d->number, 0, "closed",
			demo_later(d, 86400, 3 * 86400), err);
out:
	ticket_clear(&t);
	return rc;
}

static kc_status demo_extras(struct demo_ticket *d, kc_error *err)
{
	const struct demo_scenario *sc = d->sc;
	struct ticket t = { 0 };
	kc_status rc = ticket_get(d->db, d->number, &t, err);
	if (rc == KC_OK && sc->minutes && !streq(t.state, "closed")) {
		char day[DATE_BUFSZ];
		date_format(date_to_local(d->t).date, day);
		rc = ticket_log_time(d->db, d->number, sc->minutes, day,
			d->french ? "Diagnostic et configuration" : "Diagnosis and setup",
			TICKET_BILLABLE_DEFAULT, NULL, err);
	}
	if (rc == KC_OK && sc->credit && sla_clock_breached(ticket_clock(&t, d->now))) {
		/* SLA-4; now and then too late (SLA-5) to show a refusal. */
		kc_date incident = date_to_local(t.response_due).date, today = date_today_local();
		kc_date asked = date_add_days(incident, rng_range(d->r, 0, 5));
		if (rng_range(d->r, 0, 4) == 0)
			asked = date_add_days(incident, 35);
		if (date_compare(asked, today) > 0)
			asked = today;
		char day[DATE_BUFSZ];
		struct sla_credit_result res;
		rc = sla_credit_request(d->db, NULL, d->number, date_format(asked, day), &res, err);
		sla_credit_result_clear(&res);
	}
	ticket_clear(&t);
	return rc;
}

static kc_status demo_one(struct demo_ticket *d, int64_t account_id, kc_error *err)
{
	struct ticket t = { 0 };
	kc_status rc = demo_open(d, account_id, &t, err);
	if (rc == KC_OK)
		rc = demo_answer(d, &t, err);
	if (rc == KC_OK)
		rc = demo_states(d, err);
	if (rc == KC_OK)
		rc = demo_extras(d, err);
	ticket_clear(&t);
	return rc;
}

kc_status ticket_demo_account(kc_db *db, uint64_t seed, int64_t account_id, int64_t index,
	kc_error *err)
{
	struct account a = { 0 };
	kc_status rc = account_get(db, account_id, &a, err);
	if (rc != KC_OK)
		return rc;
	bool eligible = streq(a.status, "active") || streq(a.status, "suspended");
	bool french = streq(a.language, "fr");
	account_clear(&a);
	if (!eligible)
		return KC_OK;
	enum staff_role role = STAFF_NONE;
	rc = staff_role_of(db, db_staff(db), &role, err);
	demo_rng r = { seed };
	struct demo_ticket d = {
		.db = db, .r = &r, .french = french,
		.staff = role != STAFF_NONE ? db_staff(db) : NULL, .now = date_now(),
	};
	/* The main scenario cycles with the index, so a few accounts show all. */
	d.sc = &scenarios[(uint64_t)index % COUNT(scenarios)];
	if (rc == KC_OK)
		rc = demo_one(&d, account_id, err);
	if (rc == KC_OK && rng_range(&r, 0, 9) < 4) {
		d.sc = &scenarios[rng_range(&r, 0, (int64_t)COUNT(scenarios) - 1)];
		rc = demo_one(&d, account_id, err);
	}
	return rc;
}
