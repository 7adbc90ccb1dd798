/* sla.c: the SLA clock and SLA credits (see sla.h). */
#include "config.h"

#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "credit.h"
#include "sla.h"
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

/* ---------------------------------------------------------------------- */
/* Calendar from the settings.                                             */

kc_status sla_calendar_init(struct sla_calendar *cal, const struct kc_settings *s, kc_error *err)
{
	cal->opts = calendar_default_options();
	cal->extra = NULL;
	if (!s)
		return KC_OK;
	cal->opts.easter = s->easter == SETTINGS_EASTER_MONDAY ? EASTER_MONDAY : EASTER_GOOD_FRIDAY;
	cal->opts.business_days = s->business_days;
	cal->opts.open_minute = s->business_open_minute;
	cal->opts.close_minute = s->business_close_minute;
	if (s->n_extra_holidays > 0 && s->extra_holidays) {
		cal->extra = calloc(s->n_extra_holidays, sizeof *cal->extra);
		if (!cal->extra)
			return nomem(err);
		for (size_t i = 0; i < s->n_extra_holidays; i++)
			cal->extra[i] = (kc_date){ s->extra_holidays[i].year,
				s->extra_holidays[i].month, s->extra_holidays[i].day };
		cal->opts.extra_holidays = cal->extra;
		cal->opts.extra_count = s->n_extra_holidays;
	}
	/* calendar.h replaces invalid parts by the defaults on its own. */
	return KC_OK;
}

void sla_calendar_clear(struct sla_calendar *cal)
{
	if (!cal)
		return;
	free(cal->extra);
	cal->extra = NULL;
	cal->opts.extra_holidays = NULL;
	cal->opts.extra_count = 0;
}

/* ---------------------------------------------------------------------- */
/* The clock.                                                              */

enum sla_clock sla_clock_of(const char *category, kc_instant response_due, bool responded,
	kc_instant responded_at, kc_instant now)
{
	if (streq(category, "third_party"))
		return SLA_CLOCK_NONE; /* TKT-4: no obligation */
	if (responded)
		return responded_at > response_due ? SLA_CLOCK_MISSED : SLA_CLOCK_MET;
	return now > response_due ? SLA_CLOCK_OVERDUE : SLA_CLOCK_RUNNING;
}

bool sla_clock_breached(enum sla_clock c)
{
	return c == SLA_CLOCK_OVERDUE || c == SLA_CLOCK_MISSED;
}

const char *sla_clock_key(enum sla_clock c)
{
	switch (c) {
	case SLA_CLOCK_NONE: return "none";
	case SLA_CLOCK_RUNNING: return "running";
	case SLA_CLOCK_OVERDUE: return "overdue";
	case SLA_CLOCK_MET: return "met";
	case SLA_CLOCK_MISSED: return "missed";
	}
	return "none";
}

const char *sla_clock_label(enum sla_clock c)
{
	switch (c) {
	case SLA_CLOCK_NONE: return _("no SLA");
	case SLA_CLOCK_RUNNING: return _("running");
	case SLA_CLOCK_OVERDUE: return _("BREACHED");
	case SLA_CLOCK_MET: return _("met");
	case SLA_CLOCK_MISSED: return _("breached (late reply)");
	}
	return "";
}

char *sla_format_left(int64_t seconds, char *buf)
{
	bool neg = seconds < 0;
	uint64_t s = neg ? (uint64_t)(-(seconds + 1)) + 1 : (uint64_t)seconds;
	uint64_t minutes = s / 60, hours = minutes / 60, days = hours / 24;
	/* Under two days, hours and minutes; beyond, days and hours. */
	if (hours < 48)
		snprintf(buf, SLA_LEFT_BUFSZ, "%s%" PRIu64 "h%02" PRIu64, neg ? "-" : "", hours,
			minutes % 60);
	else
		snprintf(buf, SLA_LEFT_BUFSZ, "%s%" PRIu64 "d %" PRIu64 "h", neg ? "-" : "", days,
			hours % 24);
	return buf;
}

/* ---------------------------------------------------------------------- */
/* Credits: settings and small helpers.                                    */

struct credit_policy {
	int percent;
	int64_t cap_cents;
	int window_days;
};

static struct credit_policy policy_of(const struct kc_settings *s)
{
	struct credit_policy p = { 10, 25000, 30 };
	if (s) {
		p.percent = s->credit_percent;
		p.cap_cents = s->credit_monthly_cap;
		p.window_days = s->credit_window_days;
	}
	return p;
}

void sla_credit_result_clear(struct sla_credit_result *r)
{
	if (!r)
		return;
	free(r->status);
	free(r->incident_month);
	free(r->incident_date);
	free(r->reason);
	memset(r, 0, sizeof *r);
}

void sla_credit_rows_clear(struct sla_credit_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].account_number);
		free(rows[i].requested_on);
		free(rows[i].incident_month);
		free(rows[i].status);
		free(rows[i].reason);
		free(rows[i].created_by);
		memset(&rows[i], 0, sizeof rows[i]);
	}
}

static kc_status step_fail(kc_db *db, kc_error *err)
{
	return db_fail(db, sqlite3_extended_errcode(db_handle(db)), err);
}

static kc_status step_done(kc_db *db, sqlite3_stmt **st, kc_error *err)
{
	int s = sqlite3_step(*st);
	kc_status rc = s == SQLITE_DONE ? KC_OK : step_fail(db, err);
	db_finalize(db, st);
	return rc;
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

/* Money text for a message, in the language messages are shown in
 * (gettext reads LANGUAGE first, then the locale). */
static char *money_text(kc_cents c)
{
	const char *lang = getenv("LANGUAGE");
	if (!lang || !*lang)
		lang = setlocale(LC_MESSAGES, NULL);
	return money_format_locale(c, money_style_from_language(lang));
}

/* Monthly support charge for a level on a date (PRC-1 price history). */
static kc_status monthly_charge(kc_db *db, const char *level, const char *date, kc_cents *out,
	kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT monthly_cents FROM service_prices WHERE level = ?1 AND effective_from <= ?2 "
		"ORDER BY effective_from DESC LIMIT 1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_text(st, 1, level, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (s == SQLITE_DONE)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND,
			_("No price for the %s level on %s (PRC-1)"), level, date);
	else
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

/* Credits already granted to the account for incidents of a month. */
static kc_status granted_in_month(kc_db *db, int64_t account_id, const char *month,
	kc_cents *out, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT coalesce(sum(amount_cents), 0) FROM sla_credit_requests "
		"WHERE account_id = ?1 AND incident_month = ?2 AND status = 'granted'", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, month, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

static kc_status already_requested(kc_db *db, const struct ticket *t, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT status, requested_on FROM sla_credit_requests WHERE ticket_id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, t->id);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = kc_error_set(err, KC_ERR_RULE,
			_("SLA-4: ticket %" PRId64 " already grounded a credit request on %s (%s); "
			  "each breached ticket grounds one request"),
			t->number, (const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 0));
	else if (s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	return rc;
}

static kc_status account_status(kc_db *db, int64_t account_id, char **status, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db, "SELECT status FROM accounts WHERE id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	bool ok = true;
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*status = col_dup(st, 0, &ok);
	else
		rc = s == SQLITE_DONE ? kc_error_set(err, KC_ERR_NOT_FOUND, "%s",
				kc_status_text(KC_ERR_NOT_FOUND))
				      : step_fail(db, err);
	db_finalize(db, &st);
	if (rc == KC_OK && (!ok || !*status))
		rc = nomem(err);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Credits: the decision.                                                  */

struct credit_case {
	const struct ticket *t;
	struct credit_policy pol;
	char requested_on[DATE_BUFSZ];
	char incident_date[DATE_BUFSZ];
	char incident_month[8];
	int64_t days_after; /* requested_on - incident date */
};

/* Checks that write nothing: breach, third party, one request, closed
 * account, dates.  Fills the incident fields. */
static kc_status check_eligible(kc_db *db, struct credit_case *c, const char *requested_on,
	kc_error *err)
{
	const struct ticket *t = c->t;
	kc_instant now = date_now();
	enum sla_clock clock = ticket_clock(t, now);
	if (clock == SLA_CLOCK_NONE)
		return kc_error_set(err, KC_ERR_RULE,
			_("TKT-4: ticket %" PRId64 " is a third-party ticket: no SLA obligation, no SLA credit"),
			t->number);
	if (!sla_clock_breached(clock))
		return kc_error_set(err, KC_ERR_RULE,
			_("SLA-4: ticket %" PRId64 " is not breached; a credit needs a missed response deadline"),
			t->number);
	char *status = NULL;
	kc_status rc = account_status(db, t->account_id, &status, err);
	if (rc == KC_OK && streq(status, "closed"))
		rc = kc_error_set(err, KC_ERR_RULE,
			_("SLA-6: account %s is closed; SLA credits are forfeited at termination"),
			t->account_number);
	free(status);
	if (rc == KC_OK)
		rc = already_requested(db, t, err);
	if (rc != KC_OK)
		return rc;

	kc_date incident = date_to_local(t->response_due).date, today = date_today_local(), req;
	if (requested_on && *requested_on) {
		rc = date_parse(requested_on, &req, err);
		if (rc != KC_OK)
			return rc;
	} else {
		req = today;
	}
	char shown[DATE_BUFSZ];
	date_format(incident, c->incident_date);
	if (date_compare(req, today) > 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The request date %s is in the future"), date_format(req, shown));
	if (date_compare(req, incident) < 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The request date %s is before the breach of ticket %" PRId64 " (%s)"),
			date_format(req, shown), t->number, c->incident_date);
	date_format(req, c->requested_on);
	snprintf(c->incident_month, sizeof c->incident_month, "%04d-%02d", incident.year,
		incident.month);
	c->days_after = date_days_between(incident, req);
	return KC_OK;
}

/* Amount and status under SLA-5 (window) and SLA-4 (percent, cap).  The
 * reason is a new translated string or NULL (full grant). */
static kc_status decide(kc_db *db, const struct credit_case *c, struct sla_credit_result *out,
	kc_error *err)
{
	const struct ticket *t = c->t;
	kc_cents charge = 0, granted = 0;
	kc_status rc = monthly_charge(db, t->account_level, c->incident_date, &charge, err);
	if (rc == KC_OK && !money_percent(charge, c->pol.percent * 1000, &out->full_cents))
		rc = kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	if (rc == KC_OK)
		rc = granted_in_month(db, t->account_id, c->incident_month, &granted, err);
	if (rc != KC_OK)
		return rc;

	char *cap = money_text(c->pol.cap_cents), *left = NULL;
	if (!cap)
		return nomem(err);
	bool refused = true;
	if (c->days_after > c->pol.window_days) {
		out->reason = kc_asprintf(
			_("SLA-5: requested %" PRId64 " days after the breach of %s; "
			  "the limit is %d days"),
			c->days_after, c->incident_date, c->pol.window_days);
	} else if (granted >= c->pol.cap_cents) {
		out->reason = kc_asprintf(
			_("SLA-4: the credits granted for incidents of %s already reach the "
			  "monthly cap of %s"), c->incident_month, cap);
	} else if (granted + out->full_cents > c->pol.cap_cents) {
		refused = false;
		out->partial = true;
		out->amount_cents = c->pol.cap_cents - granted;
		left = money_text(out->amount_cents);
		out->reason = left ? kc_asprintf(
			_("SLA-4: reduced to %s to stay within the monthly cap of %s for "
			  "incidents of %s"), left, cap, c->incident_month) : NULL;
	} else {
		refused = false;
		out->amount_cents = out->full_cents;
	}
	free(cap);
	free(left);
	out->status = kc_strdup(refused ? "refused" : "granted");
	out->incident_month = kc_strdup(c->incident_month);
	out->incident_date = kc_strdup(c->incident_date);
	bool need_reason = refused || out->partial;
	if (!out->status || !out->incident_month || !out->incident_date ||
	    (need_reason && !out->reason))
		return nomem(err);
	return KC_OK;
}

static kc_status insert_request(kc_db *db, const struct credit_case *c,
	struct sla_credit_result *out, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"INSERT INTO sla_credit_requests (ticket_id, account_id, requested_on, "
		"incident_month, amount_cents, status, reason, store_credit_id, created_by) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, c->t->id);
	sqlite3_bind_int64(st, 2, c->t->account_id);
	sqlite3_bind_text(st, 3, c->requested_on, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, c->incident_month, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, out->amount_cents);
	sqlite3_bind_text(st, 6, out->status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, out->reason ? out->reason : "", -1, SQLITE_TRANSIENT);
	if (out->store_credit_id)
		sqlite3_bind_int64(st, 8, out->store_credit_id);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_text(st, 9, db_staff(db), -1, SQLITE_TRANSIENT);
	rc = step_done(db, &st, err);
	if (rc != KC_OK)
		return rc;
	out->request_id = sqlite3_last_insert_rowid(db_handle(db));

	strbuf sb = STRBUF_INIT;
	audit_json_begin(&sb);
	audit_json_int(&sb, "ticket", c->t->number);
	audit_json_str(&sb, "requested_on", c->requested_on);
	audit_json_str(&sb, "incident_month", c->incident_month);
	audit_json_int(&sb, "amount_cents", out->amount_cents);
	audit_json_str(&sb, "status", out->status);
	audit_json_str(&sb, "reason", out->reason ? out->reason : "");
	if (out->store_credit_id)
		audit_json_int(&sb, "store_credit_id", out->store_credit_id);
	audit_json_end(&sb);
	char *json = strbuf_detach(&sb);
	if (!json)
		return nomem(err);
	rc = audit_record(db, "sla_credit", out->request_id, c->t->account_id,
		"sla_credit.request", NULL, json, err);
	free(json);
	return rc;
}

static kc_status request_in_tx(kc_db *db, const struct kc_settings *s, int64_t number,
	const char *requested_on, struct sla_credit_result *out, kc_error *err)
{
	struct ticket t = { 0 };
	kc_status rc = ticket_get(db, number, &t, err);
	struct credit_case c = { .t = &t, .pol = policy_of(s) };
	if (rc == KC_OK)
		rc = check_eligible(db, &c, requested_on, err);
	if (rc == KC_OK)
		rc = decide(db, &c, out, err);
	if (rc == KC_OK && streq(out->status, "granted") && out->amount_cents > 0) {
		/* SLA-6: store credit (credit.h: CRD-3 expiry, its own audit row). */
		char *note = kc_asprintf("SLA-4 ticket %" PRId64, t.number);
		rc = note ? credit_add(db, t.account_id, "sla", out->amount_cents, NULL, note,
				    &out->store_credit_id, err)
			  : nomem(err);
		free(note);
	}
	if (rc == KC_OK)
		rc = insert_request(db, &c, out, err);
	ticket_clear(&t);
	return rc;
}

kc_status sla_credit_request(kc_db *db, const struct kc_settings *s, int64_t ticket_number,
	const char *requested_on, struct sla_credit_result *out, kc_error *err)
{
	if (!db || !out)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	memset(out, 0, sizeof *out);
	if (db_is_read_only(db))
		return kc_error_set(err, KC_ERR_PERM, "%s",
			_("The database is open read-only; nothing can be changed"));
	kc_status rc = db_begin_write(db, err);
	if (rc != KC_OK)
		return rc;
	rc = request_in_tx(db, s, ticket_number, requested_on, out, err);
	if (rc == KC_OK)
		rc = db_commit(db, err);
	if (rc != KC_OK) {
		db_rollback(db);
		sla_credit_result_clear(out);
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Listing and cancelling.                                                 */

static kc_status read_credit_row(sqlite3_stmt *st, struct sla_credit_row *r, kc_error *err)
{
	bool ok = true;
	r->id = sqlite3_column_int64(st, 0);
	r->ticket_number = sqlite3_column_int64(st, 1);
	r->account_id = sqlite3_column_int64(st, 2);
	r->account_number = col_dup(st, 3, &ok);
	r->requested_on = col_dup(st, 4, &ok);
	r->incident_month = col_dup(st, 5, &ok);
	r->amount_cents = sqlite3_column_int64(st, 6);
	r->status = col_dup(st, 7, &ok);
	r->reason = col_dup(st, 8, &ok);
	r->store_credit_id = sqlite3_column_int64(st, 9);
	r->created_by = col_dup(st, 10, &ok);
	return ok ? KC_OK : nomem(err);
}

kc_status sla_credit_page(kc_db *db, int64_t account_id, int64_t before_id,
	struct sla_credit_row *rows, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT r.id, t.number, r.account_id, a.number, r.requested_on, r.incident_month, "
		"r.amount_cents, r.status, r.reason, coalesce(r.store_credit_id, 0), r.created_by "
		"FROM sla_credit_requests r JOIN tickets t ON t.id = r.ticket_id "
		"JOIN accounts a ON a.id = r.account_id "
		"WHERE (?1 = 0 OR r.account_id = ?1) AND (?2 = 0 OR r.id < ?2) "
		"ORDER BY r.id DESC LIMIT ?3", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	int s;
	while (rc == KC_OK && *n < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_credit_row(st, &rows[*n], err);
		(*n)++;
	}
	if (rc == KC_OK && *n < max && s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		sla_credit_rows_clear(rows, *n);
		*n = 0;
	}
	return rc;
}

static kc_status audit_cancel(kc_db *db, int64_t id, int64_t account_id, kc_error *err)
{
	strbuf o = STRBUF_INIT, nw = STRBUF_INIT;
	audit_json_begin(&o);
	audit_json_str(&o, "status", "pending");
	audit_json_end(&o);
	audit_json_begin(&nw);
	audit_json_str(&nw, "status", "cancelled");
	audit_json_str(&nw, "reason", "SLA-6");
	audit_json_end(&nw);
	char *oj = strbuf_detach(&o), *nj = strbuf_detach(&nw);
	kc_status rc = oj && nj ? audit_record(db, "sla_credit", id, account_id,
					"sla_credit.cancel", oj, nj, err)
				: nomem(err);
	free(oj);
	free(nj);
	return rc;
}

static kc_status cancel_in_tx(kc_db *db, int64_t account_id, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"UPDATE sla_credit_requests SET status = 'cancelled', reason = ?2 "
		"WHERE account_id = ?1 AND status = 'pending' RETURNING id", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, _("SLA-6: cancelled at the closure of the account"), -1,
		SQLITE_TRANSIENT);
	/* Collect the ids first: no other statement runs while this one steps. */
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int s;
	while (rc == KC_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			int64_t *p = realloc(ids, ncap * sizeof *p);
			if (!p) {
				rc = nomem(err);
				break;
			}
			ids = p;
			cap = ncap;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc == KC_OK && s != SQLITE_DONE)
		rc = step_fail(db, err);
	db_finalize(db, &st);
	for (size_t i = 0; rc == KC_OK && i < n; i++)
		rc = audit_cancel(db, ids[i], account_id, err);
	free(ids);
	return rc;
}

kc_status sla_cancel_pending(kc_db *db, int64_t account_id, kc_error *err)
{
	if (!db)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	if (db_is_read_only(db))
		return kc_error_set(err, KC_ERR_PERM, "%s",
			_("The database is open read-only; nothing can be changed"));
	kc_status rc = db_begin_write(db, err);
	if (rc != KC_OK)
		return rc;
	rc = cancel_in_tx(db, account_id, err);
	if (rc == KC_OK)
		rc = db_commit(db, err);
	if (rc != KC_OK)
		db_rollback(db);
	return rc;
}
