/* billing.c: the billing run (see billing.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "billing.h"
#include "invoice.h"
#include "payment.h"
#include "strbuf.h"
#include "tax.h"

#define PAGE_ACCOUNTS 256
#define MAX_CYCLE 9999 /* "c%04d" keys sort as text up to here */

/* ---------------------------------------------------------------------- */
/* Options                                                                 */

void billing_options_default(struct billing_options *o)
{
	*o = (struct billing_options){
		.cycle = CYCLE_MONTHLY,
		.minimum_support_charge = 5000,
		.first_payment_usage_percent = 100,
		.usage_markup_percent = 0,
		.consulting_hourly_rate = 12000,
		.support_charge_basic = 5000,
		.support_charge_fully_administered = 15000,
		.gst_number = "123456789 RT0001",
		.qst_number = "1234567890 TQ0001",
	};
}

void billing_options_from_settings(const struct kc_settings *s, struct billing_options *o)
{
	billing_options_default(o);
	if (!s)
		return;
	o->cycle = s->billing_cycle == SETTINGS_CYCLE_30DAYS ? CYCLE_30DAYS : CYCLE_MONTHLY;
	o->minimum_support_charge = s->minimum_support_charge;
	o->first_payment_usage_percent = s->first_payment_usage_percent;
	o->usage_markup_percent = s->usage_markup_percent;
	o->consulting_hourly_rate = s->consulting_hourly_rate;
	o->support_charge_basic = s->support_charge_basic;
	o->support_charge_fully_administered = s->support_charge_fully_administered;
	if (s->gst_number)
		o->gst_number = s->gst_number;
	if (s->qst_number)
		o->qst_number = s->qst_number;
}

void billing_cycle_key(int n, char buf[static 16])
{
	snprintf(buf, 16, "c%04d", n);
}

/* ---------------------------------------------------------------------- */
/* Statements prepared once per run                                        */

enum sid {
	S_ACCOUNT_PAGE,
	S_ACCOUNT_LOAD,
	S_LAST_CYCLE,
	S_CYCLE_EXISTS,
	S_COVERED_UNTIL,
	S_SERVICE_PRICE,
	S_ADDONS,
	S_USAGE_SUM,
	S_USAGE_MARK,
	S_ADJ_SUM,
	S_ADJ_MARK,
	S_TIME_SUM,
	S_TIME_MARK,
	S_FEES,
	S_FEE_MARK,
	S_COUPONS,
	S_COUPON_UPDATE,
	S_CREDITS,
	S_CREDIT_UPDATE,
	S_CREDIT_APPLY,
	S_INVOICE_INSERT,
	S_LINE_INSERT,
	S_TAX_INSERT,
	S_BALANCE,
	S_TERM_SWITCH,
	S_SERVICE_END,
	S_FINAL_EXISTS,
	S_CLOSED_SPANS,
	S_COUNT
};

static const char *const sql_text[S_COUNT] = {
	[S_ACCOUNT_PAGE] = /* with each account's welcome call and last cycle */
		"SELECT a.id, a.welcome_call, (SELECT i.cycle_key FROM invoices i"
		"  WHERE i.account_id = a.id AND i.cycle_key GLOB 'c[0-9][0-9][0-9][0-9]'"
		"  ORDER BY i.cycle_key DESC LIMIT 1)"
		" FROM accounts a WHERE a.id > ?1 AND a.welcome_call IS NOT NULL"
		" AND a.welcome_call <= ?2 AND +a.status IN ('active', 'suspended')"
		" ORDER BY a.id LIMIT ?3", /* +: walk the rowid, never sort by status */
	[S_ACCOUNT_LOAD] =
		"SELECT welcome_call, status, province, language, level, term, term_started,"
		" next_term, expected_usage_cents, number FROM accounts WHERE id = ?1",
	[S_LAST_CYCLE] =
		"SELECT cycle_key FROM invoices WHERE account_id = ?1"
		" AND cycle_key GLOB 'c[0-9][0-9][0-9][0-9]' ORDER BY cycle_key DESC LIMIT 1",
	[S_CYCLE_EXISTS] = "SELECT 1 FROM invoices WHERE account_id = ?1 AND cycle_key = ?2",
	[S_COVERED_UNTIL] = "SELECT max(period_end) FROM invoices WHERE account_id = ?1",
	[S_SERVICE_PRICE] =
		"SELECT monthly_cents FROM service_prices WHERE level = ?1 AND effective_from <= ?2"
		" ORDER BY effective_from DESC LIMIT 1",
	[S_ADDONS] =
		"SELECT d.name_en, d.name_fr, (SELECT p.monthly_cents FROM addon_prices p"
		"  WHERE p.addon_id = aa.addon_id AND p.effective_from <= ?2"
		"  ORDER BY p.effective_from DESC LIMIT 1), d.code"
		" FROM account_addons aa JOIN addons d ON d.id = aa.addon_id"
		" WHERE aa.account_id = ?1 AND aa.started_on <= ?2"
		" AND (aa.ended_on IS NULL OR aa.ended_on > ?2) ORDER BY aa.id",
	[S_USAGE_SUM] =
		"SELECT count(*), coalesce(sum(cost_units8), 0) FROM usage_records"
		" WHERE account_id = ?1 AND invoice_id IS NULL AND started_at < ?2",
	[S_USAGE_MARK] =
		"UPDATE usage_records SET invoice_id = ?3"
		" WHERE account_id = ?1 AND invoice_id IS NULL AND started_at < ?2",
	[S_ADJ_SUM] =
		"SELECT count(*), coalesce(sum(delta_units8), 0) FROM usage_adjustments"
		" WHERE account_id = ?1 AND invoice_id IS NULL AND detected_at < ?2",
	[S_ADJ_MARK] =
		"UPDATE usage_adjustments SET invoice_id = ?3"
		" WHERE account_id = ?1 AND invoice_id IS NULL AND detected_at < ?2",
	[S_TIME_SUM] =
		"SELECT count(*), coalesce(sum(minutes), 0) FROM time_entries"
		" WHERE account_id = ?1 AND invoice_id IS NULL AND billable = 1"
		" AND substr(worked_on, 1, 10) < ?2",
	[S_TIME_MARK] =
		"UPDATE time_entries SET invoice_id = ?3"
		" WHERE account_id = ?1 AND invoice_id IS NULL AND billable = 1"
		" AND substr(worked_on, 1, 10) < ?2",
	[S_FEES] =
		"SELECT id, kind, amount_cents, taxable, description, substr(charged_on, 1, 10)"
		" FROM fees WHERE account_id = ?1 AND invoice_id IS NULL"
		" AND substr(charged_on, 1, 10) <= ?2 ORDER BY id",
	[S_FEE_MARK] = "UPDATE fees SET invoice_id = ?2 WHERE id = ?1 AND invoice_id IS NULL",
	[S_COUPONS] =
		"SELECT id, code, amount_cents, recurring, cycles_left FROM coupons"
		" WHERE account_id = ?1 AND status = 'active' AND (?2 OR (recurring = 1 AND cycles_left > 0))"
		" ORDER BY id",
	[S_COUPON_UPDATE] =
		"UPDATE coupons SET cycles_left = ?2, status = ?3, version = version + 1 WHERE id = ?1",
	[S_CREDITS] =
		"SELECT id, remaining_cents FROM store_credits WHERE account_id = ?1"
		" AND status = 'active' AND remaining_cents > 0 AND issued_on <= ?2 AND expires_on > ?2"
		" ORDER BY issued_on, id",
	[S_CREDIT_UPDATE] =
		"UPDATE store_credits SET remaining_cents = remaining_cents - ?2,"
		" status = CASE WHEN remaining_cents - ?2 = 0 THEN 'used' ELSE status END,"
		" version = version + 1 WHERE id = ?1 AND remaining_cents >= ?2",
	[S_CREDIT_APPLY] =
		"INSERT INTO credit_applications (credit_id, invoice_id, amount_cents) VALUES (?1, ?2, ?3)",
	[S_INVOICE_INSERT] =
		"INSERT INTO invoices (number, account_id, kind, cycle_key, invoice_date, period_start,"
		" period_end, province, language, gst_number, qst_number, subtotal_cents, tax_cents,"
		" total_cents, paid_cents, credited_cents, status, issued_at, issued_by)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0, ?15, ?16, ?17, ?18)",
	[S_LINE_INSERT] =
		"INSERT INTO invoice_lines (invoice_id, position, kind, description, quantity_milli,"
		" unit_cents, amount_cents, taxable) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_TAX_INSERT] =
		"INSERT INTO invoice_taxes (invoice_id, code, rate_thousandths, amount_cents)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_BALANCE] = "UPDATE accounts SET balance_cents = balance_cents + ?2 WHERE id = ?1",
	[S_TERM_SWITCH] =
		"UPDATE accounts SET term = 'annual', term_started = ?2, next_term = NULL,"
		" updated_at = ?3, updated_by = ?4, version = version + 1"
		" WHERE id = ?1 AND term = 'monthly' AND next_term = 'annual'",
	[S_SERVICE_END] = /* BIL-8: a termination going on whose service ended */
		"SELECT min(service_ended_on) FROM termination_requests WHERE account_id = ?1"
		" AND service_ended_on IS NOT NULL AND separation_only = 0"
		" AND state NOT IN ('refused', 'closed')",
	[S_FINAL_EXISTS] = /* TRM-6: one final invoice per account */
		"SELECT number FROM invoices WHERE account_id = ?1"
		" AND (kind = 'final' OR cycle_key = 'final') ORDER BY number DESC LIMIT 1",
	[S_CLOSED_SPANS] = /* TRM-8: each reopening with the closure it ended */
		"SELECT r.reopened_at, (SELECT au.new_values"
		"  FROM audit au WHERE au.account_id = r.account_id AND au.entity = 'account'"
		"  AND au.action = 'account.close' AND au.at <= r.reopened_at"
		"  ORDER BY au.id DESC LIMIT 1)"
		" FROM reopenings r WHERE r.account_id = ?1 ORDER BY r.id",
};

struct bctx {
	kc_db *db;
	const struct billing_options *opt;
	tax_table *taxes;
	sqlite3_stmt *st[S_COUNT];
	bool dry_run;
};

/* The statement `id`, prepared on first use, reset and unbound. */
static kc_status stmt(struct bctx *c, enum sid id, sqlite3_stmt **out, kc_error *err)
{
	if (!c->st[id]) {
		kc_status rc = db_prepare(c->db, sql_text[id], &c->st[id], err);
		if (rc != KC_OK)
			return rc;
	} else {
		sqlite3_reset(c->st[id]);
		sqlite3_clear_bindings(c->st[id]);
	}
	*out = c->st[id];
	return KC_OK;
}

static kc_status sql_fail(struct bctx *c, kc_error *err)
{
	return db_fail(c->db, sqlite3_extended_errcode(db_handle(c->db)), err);
}

/* Steps a statement that returns no row. */
static kc_status step_done(struct bctx *c, sqlite3_stmt *st, kc_error *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? KC_OK : sql_fail(c, err);
}

static void ctx_close(struct bctx *c)
{
	for (int i = 0; i < S_COUNT; i++)
		db_finalize(c->db, &c->st[i]);
	tax_table_free(&c->taxes);
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", _("Out of memory."));
}

static kc_status overflow(kc_error *err)
{
	return kc_error_set(err, KC_ERR_INVALID, "%s", _("An invoice amount is too large."));
}

/* ---------------------------------------------------------------------- */
/* One account                                                             */

struct bacct {
	int64_t id;
	kc_date welcome;
	char status[16], province[4], language[4], level[24], term[12], next_term[12];
	char number[32];
	bool has_welcome;
	bool has_term_started;
	kc_date term_started;
	kc_cents expected_usage;
};

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static kc_status account_load(struct bctx *c, int64_t id, struct bacct *a, bool *found,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_ACCOUNT_LOAD, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	*found = false;
	if (r == SQLITE_ROW) {
		memset(a, 0, sizeof *a);
		a->id = id;
		const char *wc = (const char *)sqlite3_column_text(st, 0);
		*found = true;
		a->has_welcome = wc && date_parse(wc, &a->welcome, NULL) == KC_OK;
		copy_col(st, 1, a->status, sizeof a->status);
		copy_col(st, 2, a->province, sizeof a->province);
		copy_col(st, 3, a->language, sizeof a->language);
		copy_col(st, 4, a->level, sizeof a->level);
		copy_col(st, 5, a->term, sizeof a->term);
		const char *ts = (const char *)sqlite3_column_text(st, 6);
		a->has_term_started = ts && date_parse(ts, &a->term_started, NULL) == KC_OK;
		copy_col(st, 7, a->next_term, sizeof a->next_term);
		a->expected_usage = sqlite3_column_int64(st, 8);
		copy_col(st, 9, a->number, sizeof a->number);
	} else if (r != SQLITE_DONE) {
		rc = sql_fail(c, err);
	}
	sqlite3_reset(st);
	return rc;
}

/* The highest cycle already invoiced, or -1. */
static kc_status last_cycle(struct bctx *c, int64_t account_id, int *out, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_LAST_CYCLE, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	*out = -1;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*out = atoi((const char *)sqlite3_column_text(st, 0) + 1);
	else if (r != SQLITE_DONE)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* BIL-8: the end of service of the account's termination going on (the
 * earliest such date), if any.  A refused, separation-only or closed
 * request stops nothing (a reopened account renews again). */
static kc_status service_end(struct bctx *c, int64_t account_id, bool *have, kc_date *end,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_SERVICE_END, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	*have = false;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		*have = t && date_parse(t, end, NULL) == KC_OK;
	} else {
		rc = sql_fail(c, err);
	}
	sqlite3_reset(st);
	return rc;
}

/* BIL-8: true when the service ended on or before `cycle` (no renewal). */
static kc_status service_ended_by(struct bctx *c, int64_t account_id, kc_date cycle,
	bool *ended, kc_error *err)
{
	bool have;
	kc_date end;
	kc_status rc = service_end(c, account_id, &have, &end, err);
	*ended = rc == KC_OK && have && date_compare(end, cycle) <= 0;
	return rc;
}

/* closed_on of an "account.close" audit row's new values (JSON read with
 * jansson, not SQLite's json_extract: SQLite 3.37 may lack JSON1). */
static bool closure_date(const char *new_values, kc_date *out)
{
	json_t *o = new_values ? json_loads(new_values, 0, NULL) : NULL;
	const char *d = json_string_value(json_object_get(o, "closed_on"));
	bool ok = d && date_parse(d, out, NULL) == KC_OK;
	json_decref(o);
	return ok;
}

/* One reopening's span: `cycle` was while the account was closed when the
 * closure is dated on or before it and the reopening (office date) after
 * it.  An unknown closure date (no audit row: not written by this program)
 * counts as closed since ever: never bill a cycle that may be closed time. */
static bool in_closed_span(sqlite3_stmt *st, kc_date cycle)
{
	kc_instant reopened_at;
	const char *r = (const char *)sqlite3_column_text(st, 0);
	if (!r || date_instant_parse(r, &reopened_at, NULL) != KC_OK)
		return false;
	kc_date closed_on;
	if (closure_date((const char *)sqlite3_column_text(st, 1), &closed_on)
		&& date_compare(closed_on, cycle) > 0)
		return false;
	return date_compare(cycle, date_to_local(reopened_at).date) < 0;
}

/* TRM-8 (DECISION): reopening restarts billing from the reopening date.
 * A cycle dated while the account was closed (on or after the closure,
 * before the reopening day) is never billed, not even by the catch-up of
 * a later run: the service was not renewed meanwhile (BIL-8).  The first
 * cycle dated on or after the reopening is billed normally; cycles dated
 * before the closure that were never billed still are.  The closure date
 * is read from the audit trail (accounts.closed_on is cleared on
 * reopening), the reopening from the reopenings table. */
static kc_status closed_on_cycle(struct bctx *c, int64_t account_id, kc_date cycle,
	bool *closed, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_CLOSED_SPANS, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	*closed = false;
	int r = SQLITE_DONE;
	while (!*closed && (r = sqlite3_step(st)) == SQLITE_ROW)
		*closed = in_closed_span(st, cycle);
	if (!*closed && r != SQLITE_DONE)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* The invoice being built                                                 */

struct bline {
	const char *kind;  /* static */
	char *description; /* heap */
	int64_t qty_milli;
	kc_cents unit, amount;
	bool taxable;
};

struct coupon_use {
	int64_t id;
	int64_t cycles_left;
	const char *status;
};

struct credit_use {
	int64_t id;
	kc_cents amount;
};

struct bill {
	int n;
	bool final; /* TRM-6: kind "final", cycle key "final" */
	kc_date date, period_start, period_end;
	char date_text[DATE_BUFSZ], start_text[DATE_BUFSZ], end_text[DATE_BUFSZ];
	/* What the invoice takes: usage started before bill_instant (shown as
	 * usage_from..usage_to), adjustments detected before adj_instant, time
	 * logged before time_before, fees charged on or before date_text. */
	char bill_instant[DATE_INSTANT_BUFSZ]; /* office midnight of the bill date, UTC */
	char adj_instant[DATE_INSTANT_BUFSZ];
	char time_before[DATE_BUFSZ];
	kc_date usage_from, usage_to;
	struct bline *lines;
	size_t n_lines, cap_lines;
	int64_t fee_ids[64];
	size_t n_fee_ids; /* more pending fees than fit wait for the next cycle */
	struct coupon_use coupons[16];
	size_t n_coupons;
	struct credit_use credits[32];
	size_t n_credits;
	bool usage, adjustments, consulting, term_switch;
	kc_cents subtotal, taxable, tax, total, credited;
	struct tax_line taxes[TAX_MAX_LINES];
	size_t n_taxes;
};

static void bill_free(struct bill *b)
{
	for (size_t i = 0; i < b->n_lines; i++)
		free(b->lines[i].description);
	free(b->lines);
	memset(b, 0, sizeof *b);
}

static kc_status bill_add(struct bill *b, const char *kind, strbuf *desc, int64_t qty_milli,
	kc_cents unit, kc_cents amount, bool taxable, kc_error *err)
{
	if (b->n_lines == b->cap_lines) {
		size_t cap = b->cap_lines ? b->cap_lines * 2 : 8;
		struct bline *l = realloc(b->lines, cap * sizeof *l);
		if (!l) {
			strbuf_free(desc);
			return nomem(err);
		}
		b->lines = l;
		b->cap_lines = cap;
	}
	char *d = strbuf_detach(desc);
	if (!d)
		return nomem(err);
	b->lines[b->n_lines++] = (struct bline){ kind, d, qty_milli, unit, amount, taxable };
	if (!money_add(b->subtotal, amount, &b->subtotal)
		|| (taxable && !money_add(b->taxable, amount, &b->taxable)))
		return overflow(err);
	return KC_OK;
}

static const char *L(const struct bacct *a, enum invoice_label l)
{
	return invoice_doc_label(l, a->language);
}

/* " (2024-03-15 to 2024-04-14)" in the invoice's language. */
static void append_period(strbuf *sb, const struct bacct *a, kc_date from, kc_date to)
{
	char f[DATE_BUFSZ], t[DATE_BUFSZ];
	strbuf_appendf(sb, " (%s %s %s)", date_format(from, f), L(a, INVOICE_L_TO),
		date_format(to, t));
}

static kc_date cycle_date(struct bctx *c, const struct bacct *a, int n)
{
	return date_cycle_nth(c->opt->cycle, a->welcome, n);
}

/* The last day covered by cycles [n, n + count). */
static kc_date cycles_end(struct bctx *c, const struct bacct *a, int n, int count)
{
	return date_add_days(cycle_date(c, a, n + count), -1);
}

/* Last day already covered by support on an earlier invoice (or none). */
static kc_status covered_until(struct bctx *c, const struct bacct *a, bool *have, kc_date *until,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_COVERED_UNTIL, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	*have = false;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		*have = t && date_parse(t, until, NULL) == KC_OK;
	} else {
		rc = sql_fail(c, err);
	}
	sqlite3_reset(st);
	return rc;
}

static kc_status support_price(struct bctx *c, const struct bacct *a, const char *on,
	kc_cents *out, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_SERVICE_PRICE, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, on, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (r == SQLITE_DONE) /* no price history row: the [billing] setting */
		*out = strcmp(a->level, "fully_administered") == 0
			? c->opt->support_charge_fully_administered : c->opt->support_charge_basic;
	else
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* Support for `count` cycles starting at cycle `from` (PRC-1: the price of
 * the day the covered cycles start). */
static kc_status add_support(struct bctx *c, const struct bacct *a, struct bill *b, int from,
	int count, kc_error *err)
{
	kc_cents price = 0, amount;
	kc_status rc = support_price(c, a, b->date_text, &price, err);
	if (rc != KC_OK)
		return rc;
	if (!money_mul(price, count, &amount))
		return overflow(err);
	strbuf d = STRBUF_INIT;
	strbuf_append(&d, L(a, strcmp(a->level, "fully_administered") == 0
		? INVOICE_L_SUPPORT_FULL : INVOICE_L_SUPPORT_BASIC));
	append_period(&d, a, cycle_date(c, a, from), cycles_end(c, a, from, count));
	if (count > 1)
		strbuf_appendf(&d, ", %d %s", count, L(a, INVOICE_L_CYCLES));
	return bill_add(b, "support", &d, (int64_t)count * 1000, price, amount, true, err);
}

/* A cycle already paid for (annual term): a zero line says so, so every
 * invoice has its support line and a statement shows why it is free. */
static kc_status add_prepaid(const struct bacct *a, struct bill *b, kc_date until, kc_error *err)
{
	strbuf d = STRBUF_INIT;
	strbuf_append(&d, L(a, strcmp(a->level, "fully_administered") == 0
		? INVOICE_L_SUPPORT_FULL : INVOICE_L_SUPPORT_BASIC));
	append_period(&d, a, b->date, b->period_end);
	char u[DATE_BUFSZ];
	strbuf_appendf(&d, ", %s %s", L(a, INVOICE_L_PREPAID), date_format(until, u));
	return bill_add(b, "support", &d, 1000, 0, 0, true, err);
}

/* Decides the support line of cycle n >= 1 and the invoice's period_end. */
static kc_status plan_support(struct bctx *c, const struct bacct *a, struct bill *b,
	kc_error *err)
{
	bool have;
	kc_date until;
	kc_status rc = covered_until(c, a, &have, &until, err);
	if (rc != KC_OK)
		return rc;
	b->period_end = cycles_end(c, a, b->n, 1);
	if (have && date_compare(until, b->date) >= 0)
		return add_prepaid(a, b, until, err);
	bool annual = strcmp(a->term, "annual") == 0;
	int count = annual ? 12 : 1;
	if (annual)
		b->period_end = cycles_end(c, a, b->n, 12);
	return add_support(c, a, b, b->n, count, err);
}

/* BIL-2: max(minimum support charge, percent of the expected usage). */
static kc_status plan_first(struct bctx *c, const struct bacct *a, struct bill *b, kc_error *err)
{
	kc_cents pct;
	if (!money_mul_rate(a->expected_usage, c->opt->first_payment_usage_percent, 100, &pct))
		return overflow(err);
	kc_cents amount = pct > c->opt->minimum_support_charge ? pct : c->opt->minimum_support_charge;
	strbuf d = STRBUF_INIT;
	strbuf_append(&d, L(a, INVOICE_L_FIRST));
	b->period_end = cycles_end(c, a, 0, 1);
	append_period(&d, a, b->date, b->period_end);
	kc_status rc = bill_add(b, "first", &d, 1000, amount, amount, true, err);
	/* An annual term starting now prepays the rest of its 12 cycles. */
	if (rc == KC_OK && strcmp(a->term, "annual") == 0) {
		b->period_end = cycles_end(c, a, 0, 12);
		rc = add_support(c, a, b, 1, 11, err);
	}
	return rc;
}

static kc_status plan_addons(struct bctx *c, const struct bacct *a, struct bill *b,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_ADDONS, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, b->date_text, -1, SQLITE_STATIC);
	bool fr = strcmp(a->language, "fr") == 0;
	int r;
	while (rc == KC_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
			rc = kc_error_set(err, KC_ERR_INVALID, _("The add-on %s has no price on %s."),
				(const char *)sqlite3_column_text(st, 3), b->date_text);
			break;
		}
		kc_cents price = sqlite3_column_int64(st, 2);
		strbuf d = STRBUF_INIT;
		strbuf_append(&d, (const char *)sqlite3_column_text(st, fr ? 1 : 0));
		append_period(&d, a, b->date, cycles_end(c, a, b->n, 1));
		rc = bill_add(b, "addon", &d, 1000, price, price, true, err);
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* Count and exact sum of pending rows (usage, adjustments, minutes). */
static kc_status pending_sum(struct bctx *c, enum sid id, int64_t account_id, const char *before,
	int64_t *count, int64_t *sum, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, id, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, before, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*sum = sqlite3_column_int64(st, 1);
	} else {
		rc = sql_fail(c, err); /* e.g. SQLite's "integer overflow" */
	}
	sqlite3_reset(st);
	return rc;
}

/* BIL-3: usage in 10^-8 CAD to cents, markup included, rounded ONCE. */
static kc_status usage_cents(struct bctx *c, kc_units8 units, kc_cents *out, kc_error *err)
{
	if (c->opt->usage_markup_percent == 0) {
		*out = money_units8_to_cents(units);
		return KC_OK;
	}
	if (!money_mul_rate(units, 100 + c->opt->usage_markup_percent,
		    100 * MONEY_UNITS8_PER_CENT, out))
		return overflow(err);
	return KC_OK;
}

static void append_markup(struct bctx *c, const struct bacct *a, strbuf *d)
{
	if (c->opt->usage_markup_percent)
		strbuf_appendf(d, ", %s %d %%", L(a, INVOICE_L_MARKUP), c->opt->usage_markup_percent);
}

static kc_status plan_usage(struct bctx *c, const struct bacct *a, struct bill *b, kc_error *err)
{
	int64_t count, units;
	kc_status rc = pending_sum(c, S_USAGE_SUM, a->id, b->bill_instant, &count, &units, err);
	if (rc != KC_OK || count == 0)
		return rc;
	kc_cents amount;
	if ((rc = usage_cents(c, units, &amount, err)) != KC_OK)
		return rc;
	strbuf d = STRBUF_INIT;
	strbuf_appendf(&d, "%s, %" PRId64 " %s", L(a, INVOICE_L_USAGE), count, L(a, INVOICE_L_CALLS));
	append_markup(c, a, &d);
	append_period(&d, a, b->usage_from, b->usage_to);
	b->usage = true;
	return bill_add(b, "usage", &d, 1000, amount, amount, true, err);
}

static kc_status plan_adjustments(struct bctx *c, const struct bacct *a, struct bill *b,
	kc_error *err)
{
	int64_t count, units;
	kc_status rc = pending_sum(c, S_ADJ_SUM, a->id, b->adj_instant, &count, &units, err);
	if (rc != KC_OK || count == 0)
		return rc;
	kc_cents amount;
	if ((rc = usage_cents(c, units, &amount, err)) != KC_OK)
		return rc;
	strbuf d = STRBUF_INIT;
	strbuf_appendf(&d, "%s, %" PRId64 " %s", L(a, INVOICE_L_USAGE_ADJUSTMENT), count,
		L(a, INVOICE_L_CALLS));
	append_markup(c, a, &d);
	b->adjustments = true;
	return bill_add(b, "usage_adjustment", &d, 1000, amount, amount, true, err);
}

/* TKT-8: minutes x hourly rate / 60, rounded once. */
static kc_status plan_consulting(struct bctx *c, const struct bacct *a, struct bill *b,
	kc_error *err)
{
	int64_t count, minutes;
	kc_status rc = pending_sum(c, S_TIME_SUM, a->id, b->time_before, &count, &minutes, err);
	if (rc != KC_OK || count == 0)
		return rc;
	kc_cents amount, qty;
	if (!money_mul_rate(minutes, c->opt->consulting_hourly_rate, 60, &amount)
		|| !money_mul_rate(minutes, 1000, 60, &qty))
		return overflow(err);
	strbuf d = STRBUF_INIT;
	strbuf_appendf(&d, "%s, %" PRId64 " min", L(a, INVOICE_L_CONSULTING), minutes);
	b->consulting = true;
	return bill_add(b, "consulting", &d, qty, c->opt->consulting_hourly_rate, amount, true, err);
}

static enum invoice_label fee_label(const char *kind)
{
	if (strcmp(kind, "chargeback_fee") == 0)
		return INVOICE_L_FEE_CHARGEBACK;
	if (strcmp(kind, "wire_fee") == 0)
		return INVOICE_L_FEE_WIRE;
	if (strcmp(kind, "reassessment") == 0)
		return INVOICE_L_FEE_REASSESSMENT;
	return INVOICE_L_FEE_OTHER;
}

static kc_status plan_fees(struct bctx *c, const struct bacct *a, struct bill *b, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_FEES, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, b->date_text, -1, SQLITE_STATIC);
	int r;
	while (rc == KC_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (b->n_fee_ids == sizeof b->fee_ids / sizeof b->fee_ids[0]) {
			r = SQLITE_DONE;
			break;
		}
		b->fee_ids[b->n_fee_ids++] = sqlite3_column_int64(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		kc_cents amount = sqlite3_column_int64(st, 2);
		strbuf d = STRBUF_INIT;
		strbuf_append(&d, L(a, fee_label(kind)));
		const char *desc = (const char *)sqlite3_column_text(st, 4);
		if (desc && *desc)
			strbuf_appendf(&d, " %s", desc);
		strbuf_appendf(&d, " (%s)", (const char *)sqlite3_column_text(st, 5));
		rc = bill_add(b, "fee", &d, 1000, amount, amount, sqlite3_column_int(st, 3) != 0, err);
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* PRC-2: coupons lower the taxable price, never below zero. */
static kc_status plan_coupons(struct bctx *c, const struct bacct *a, struct bill *b,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_COUPONS, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_int(st, 2, b->n == 0);
	int r;
	while (rc == KC_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (b->taxable <= 0 || b->n_coupons == sizeof b->coupons / sizeof b->coupons[0])
			continue;
		kc_cents amount = sqlite3_column_int64(st, 2);
		if (amount > b->taxable)
			amount = b->taxable; /* no cash value: the rest is lost */
		bool recurring = sqlite3_column_int(st, 3) != 0;
		int64_t left = sqlite3_column_int64(st, 4);
		if (recurring && left > 0)
			left--;
		struct coupon_use *u = &b->coupons[b->n_coupons++];
		u->id = sqlite3_column_int64(st, 0);
		u->cycles_left = recurring ? left : 0;
		u->status = (!recurring || left == 0) ? "used" : "active";
		strbuf d = STRBUF_INIT;
		strbuf_appendf(&d, "%s %s", L(a, INVOICE_L_COUPON),
			(const char *)sqlite3_column_text(st, 1));
		rc = bill_add(b, "coupon", &d, 1000, -amount, -amount, true, err);
	}
	if (rc == KC_OK && r != SQLITE_DONE)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

static kc_status plan_taxes(struct bctx *c, const struct bacct *a, struct bill *b, kc_error *err)
{
	kc_status rc = tax_compute(c->taxes, a->province, b->date_text, b->taxable, b->taxes,
		TAX_MAX_LINES, &b->n_taxes, err);
	if (rc != KC_OK)
		return rc;
	b->tax = 0;
	for (size_t i = 0; i < b->n_taxes; i++)
		if (!money_add(b->tax, b->taxes[i].amount, &b->tax))
			return overflow(err);
	if (!money_add(b->subtotal, b->tax, &b->total))
		return overflow(err);
	return KC_OK;
}

/* CRD-2: oldest credit first, after tax, never below zero. */
static kc_status plan_credits(struct bctx *c, const struct bacct *a, struct bill *b,
	kc_error *err)
{
	if (b->total <= 0)
		return KC_OK;
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_CREDITS, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, b->date_text, -1, SQLITE_STATIC);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && b->credited < b->total
		&& b->n_credits < sizeof b->credits / sizeof b->credits[0]) {
		kc_cents left = b->total - b->credited;
		kc_cents take = sqlite3_column_int64(st, 1);
		if (take > left)
			take = left;
		b->credits[b->n_credits++] = (struct credit_use){ sqlite3_column_int64(st, 0), take };
		b->credited += take;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

static kc_status plan_bill(struct bctx *c, const struct bacct *a, struct bill *b, kc_error *err)
{
	kc_status rc;
	if (b->n == 0) {
		rc = plan_first(c, a, b, err);
	} else {
		rc = plan_support(c, a, b, err);
		if (rc == KC_OK)
			rc = plan_addons(c, a, b, err);
		if (rc == KC_OK)
			rc = plan_usage(c, a, b, err);
		if (rc == KC_OK)
			rc = plan_adjustments(c, a, b, err);
		if (rc == KC_OK)
			rc = plan_consulting(c, a, b, err);
		if (rc == KC_OK)
			rc = plan_fees(c, a, b, err);
	}
	if (rc == KC_OK)
		rc = plan_coupons(c, a, b, err);
	if (rc == KC_OK)
		rc = plan_taxes(c, a, b, err);
	if (rc == KC_OK)
		rc = plan_credits(c, a, b, err);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Writing it                                                              */

static void bill_key(const struct bill *b, char key[static 16])
{
	if (b->final)
		snprintf(key, 16, "%s", "final");
	else
		billing_cycle_key(b->n, key);
}

static kc_status write_invoice(struct bctx *c, const struct bacct *a, struct bill *b,
	int64_t number, int64_t *invoice_id, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_INVOICE_INSERT, &st, err);
	if (rc != KC_OK)
		return rc;
	char key[16], now[24];
	bill_key(b, key);
	db_now_iso(now);
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 2, a->id);
	sqlite3_bind_text(st, 3, b->final ? "final" : b->n == 0 ? "first" : "regular", -1,
		SQLITE_STATIC);
	sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, b->date_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, b->start_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, b->end_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->province, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a->language, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, c->opt->gst_number ? c->opt->gst_number : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, c->opt->qst_number ? c->opt->qst_number : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, b->subtotal);
	sqlite3_bind_int64(st, 13, b->tax);
	sqlite3_bind_int64(st, 14, b->total);
	sqlite3_bind_int64(st, 15, b->credited);
	sqlite3_bind_text(st, 16, invoice_status_for(b->total, 0, b->credited), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 18, db_staff(c->db), -1, SQLITE_STATIC);
	if ((rc = step_done(c, st, err)) != KC_OK)
		return rc;
	*invoice_id = sqlite3_last_insert_rowid(db_handle(c->db));
	return KC_OK;
}

static kc_status write_lines(struct bctx *c, const struct bill *b, int64_t invoice_id,
	kc_error *err)
{
	kc_status rc = KC_OK;
	for (size_t i = 0; rc == KC_OK && i < b->n_lines; i++) {
		const struct bline *l = &b->lines[i];
		sqlite3_stmt *st;
		if ((rc = stmt(c, S_LINE_INSERT, &st, err)) != KC_OK)
			break;
		sqlite3_bind_int64(st, 1, invoice_id);
		sqlite3_bind_int64(st, 2, (int64_t)i + 1);
		sqlite3_bind_text(st, 3, l->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, l->description, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, l->qty_milli);
		sqlite3_bind_int64(st, 6, l->unit);
		sqlite3_bind_int64(st, 7, l->amount);
		sqlite3_bind_int(st, 8, l->taxable);
		rc = step_done(c, st, err);
	}
	for (size_t i = 0; rc == KC_OK && i < b->n_taxes; i++) {
		sqlite3_stmt *st;
		if ((rc = stmt(c, S_TAX_INSERT, &st, err)) != KC_OK)
			break;
		sqlite3_bind_int64(st, 1, invoice_id);
		sqlite3_bind_text(st, 2, b->taxes[i].code, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, b->taxes[i].rate_thousandths);
		sqlite3_bind_int64(st, 4, b->taxes[i].amount);
		rc = step_done(c, st, err);
	}
	return rc;
}

static kc_status mark_pending(struct bctx *c, enum sid id, int64_t account_id, const char *before,
	int64_t invoice_id, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, id, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, before, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, invoice_id);
	return step_done(c, st, err);
}

/* Usage, adjustments, time entries and fees now belong to the invoice. */
static kc_status write_consumed(struct bctx *c, const struct bacct *a, const struct bill *b,
	int64_t invoice_id, kc_error *err)
{
	kc_status rc = KC_OK;
	if (b->usage)
		rc = mark_pending(c, S_USAGE_MARK, a->id, b->bill_instant, invoice_id, err);
	if (rc == KC_OK && b->adjustments)
		rc = mark_pending(c, S_ADJ_MARK, a->id, b->adj_instant, invoice_id, err);
	if (rc == KC_OK && b->consulting)
		rc = mark_pending(c, S_TIME_MARK, a->id, b->time_before, invoice_id, err);
	for (size_t i = 0; rc == KC_OK && i < b->n_fee_ids; i++) {
		sqlite3_stmt *st;
		if ((rc = stmt(c, S_FEE_MARK, &st, err)) != KC_OK)
			break;
		sqlite3_bind_int64(st, 1, b->fee_ids[i]);
		sqlite3_bind_int64(st, 2, invoice_id);
		rc = step_done(c, st, err);
	}
	for (size_t i = 0; rc == KC_OK && i < b->n_coupons; i++) {
		sqlite3_stmt *st;
		if ((rc = stmt(c, S_COUPON_UPDATE, &st, err)) != KC_OK)
			break;
		sqlite3_bind_int64(st, 1, b->coupons[i].id);
		sqlite3_bind_int64(st, 2, b->coupons[i].cycles_left);
		sqlite3_bind_text(st, 3, b->coupons[i].status, -1, SQLITE_STATIC);
		rc = step_done(c, st, err);
	}
	return rc;
}

static kc_status write_credits(struct bctx *c, const struct bill *b, int64_t invoice_id,
	kc_error *err)
{
	kc_status rc = KC_OK;
	for (size_t i = 0; rc == KC_OK && i < b->n_credits; i++) {
		sqlite3_stmt *st;
		if ((rc = stmt(c, S_CREDIT_UPDATE, &st, err)) != KC_OK)
			break;
		sqlite3_bind_int64(st, 1, b->credits[i].id);
		sqlite3_bind_int64(st, 2, b->credits[i].amount);
		if ((rc = step_done(c, st, err)) != KC_OK)
			break;
		if (sqlite3_changes(db_handle(c->db)) != 1)
			return kc_error_set(err, KC_ERR_CONFLICT, "%s",
				_("A store credit changed during the billing run; run it again."));
		if ((rc = stmt(c, S_CREDIT_APPLY, &st, err)) != KC_OK)
			break;
		sqlite3_bind_int64(st, 1, b->credits[i].id);
		sqlite3_bind_int64(st, 2, invoice_id);
		sqlite3_bind_int64(st, 3, b->credits[i].amount);
		rc = step_done(c, st, err);
	}
	return rc;
}

static kc_status write_balance(struct bctx *c, const struct bacct *a, const struct bill *b,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_BALANCE, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_int64(st, 2, b->total - b->credited);
	return step_done(c, st, err);
}

/* ACC-6: a pending monthly -> annual switch starts at this anniversary. */
static kc_status write_term_switch(struct bctx *c, const struct bacct *a, const struct bill *b,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_TERM_SWITCH, &st, err);
	if (rc != KC_OK)
		return rc;
	char now[24];
	db_now_iso(now);
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, b->date_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, db_staff(c->db), -1, SQLITE_STATIC);
	if ((rc = step_done(c, st, err)) != KC_OK)
		return rc;
	strbuf o = STRBUF_INIT, n = STRBUF_INIT;
	audit_json_begin(&o);
	audit_json_str(&o, "term", "monthly");
	audit_json_str(&o, "next_term", "annual");
	audit_json_end(&o);
	audit_json_begin(&n);
	audit_json_str(&n, "term", "annual");
	audit_json_str(&n, "term_started", b->date_text);
	audit_json_str(&n, "next_term", NULL);
	audit_json_end(&n);
	if (strbuf_failed(&o) || strbuf_failed(&n))
		rc = nomem(err);
	else
		rc = audit_record(c->db, "account", a->id, a->id, "account.term", strbuf_cstr(&o),
			strbuf_cstr(&n), err);
	strbuf_free(&o);
	strbuf_free(&n);
	return rc;
}

static kc_status write_audit(struct bctx *c, const struct bacct *a, const struct bill *b,
	int64_t invoice_id, int64_t number, kc_error *err)
{
	char key[16];
	bill_key(b, key);
	strbuf j = STRBUF_INIT;
	audit_json_begin(&j);
	audit_json_int(&j, "number", number);
	audit_json_str(&j, "cycle_key", key);
	audit_json_str(&j, "invoice_date", b->date_text);
	audit_json_int(&j, "subtotal_cents", b->subtotal);
	audit_json_int(&j, "tax_cents", b->tax);
	audit_json_int(&j, "total_cents", b->total);
	audit_json_int(&j, "credited_cents", b->credited);
	audit_json_end(&j);
	kc_status rc = strbuf_failed(&j) ? nomem(err)
		: audit_record(c->db, "invoice", invoice_id, a->id, "invoice.issue", NULL,
			strbuf_cstr(&j), err);
	strbuf_free(&j);
	return rc;
}

static kc_status cycle_exists(struct bctx *c, int64_t account_id, int n, bool *exists,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_CYCLE_EXISTS, &st, err);
	if (rc != KC_OK)
		return rc;
	char key[16];
	billing_cycle_key(n, key);
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	*exists = r == SQLITE_ROW;
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* The office's midnight starting day d, as a UTC instant. */
static void midnight_text(kc_date d, char buf[static DATE_INSTANT_BUFSZ])
{
	kc_local midnight = { d, 0, 0, 0 };
	date_instant_format(date_from_local(midnight), buf);
}

static void bill_dates(struct bctx *c, const struct bacct *a, struct bill *b, int n)
{
	b->n = n;
	b->date = cycle_date(c, a, n);
	b->period_start = b->date;
	date_format(b->date, b->date_text);
	date_format(b->date, b->start_text);
	/* usage "before the bill date" = before the office's midnight */
	midnight_text(b->date, b->bill_instant);
	memcpy(b->adj_instant, b->bill_instant, sizeof b->adj_instant);
	memcpy(b->time_before, b->date_text, sizeof b->time_before);
	if (n > 0) { /* in arrears: the cycle just ended */
		b->usage_from = cycle_date(c, a, n - 1);
		b->usage_to = date_add_days(b->date, -1);
	}
}

/* Everything of one invoice inside the caller's write transaction. */
static kc_status issue_in_tx(struct bctx *c, int64_t account_id, int n, bool *issued,
	struct billing_report *rep, kc_error *err)
{
	struct bacct a;
	bool found, exists;
	*issued = false;
	kc_status rc = account_load(c, account_id, &a, &found, err);
	if (rc != KC_OK || !found || !a.has_welcome)
		return rc;
	if ((rc = cycle_exists(c, account_id, n, &exists, err)) != KC_OK || exists)
		return rc; /* BIL-7: another run got there first */
	bool ended;
	if ((rc = service_ended_by(c, account_id, cycle_date(c, &a, n), &ended, err)) != KC_OK
		|| ended)
		return rc; /* BIL-8: no renewal once the service has ended */
	bool closed;
	if ((rc = closed_on_cycle(c, account_id, cycle_date(c, &a, n), &closed, err)) != KC_OK
		|| closed)
		return rc; /* TRM-8: not billed for the time it was closed */
	struct bill b;
	memset(&b, 0, sizeof b);
	bill_dates(c, &a, &b, n);
	b.term_switch = n > 0 && strcmp(a.term, "monthly") == 0 && strcmp(a.next_term, "annual") == 0;
	if (b.term_switch) { /* the term changes before this cycle is priced */
		snprintf(a.term, sizeof a.term, "%s", "annual");
		a.has_term_started = true;
		a.term_started = b.date;
	}
	rc = plan_bill(c, &a, &b, err);
	date_format(b.period_end, b.end_text);
	int64_t number = 0, invoice_id = 0;
	if (rc == KC_OK)
		rc = db_next_sequence(c->db, "invoice", &number, err);
	if (rc == KC_OK)
		rc = write_invoice(c, &a, &b, number, &invoice_id, err);
	if (rc == KC_OK)
		rc = write_lines(c, &b, invoice_id, err);
	if (rc == KC_OK)
		rc = write_consumed(c, &a, &b, invoice_id, err);
	if (rc == KC_OK)
		rc = write_credits(c, &b, invoice_id, err);
	if (rc == KC_OK)
		rc = write_balance(c, &a, &b, err);
	if (rc == KC_OK && b.term_switch)
		rc = write_term_switch(c, &a, &b, err);
	if (rc == KC_OK)
		rc = write_audit(c, &a, &b, invoice_id, number, err);
	if (rc == KC_OK) {
		*issued = true;
		rep->invoices++;
		if (!money_add(rep->total, b.total, &rep->total))
			rc = overflow(err);
		if (!rep->first_number)
			rep->first_number = number;
		rep->last_number = number;
	}
	bill_free(&b);
	return rc;
}

/* One invoice, one transaction (nested in the dry run's outer one). */
static kc_status issue_cycle(struct bctx *c, int64_t account_id, int n, bool *issued,
	struct billing_report *rep, kc_error *err)
{
	kc_status rc = db_begin_write(c->db, err);
	if (rc != KC_OK)
		return rc;
	struct billing_report before = *rep;
	rc = issue_in_tx(c, account_id, n, issued, rep, err);
	if (rc == KC_OK)
		rc = db_commit(c->db, err);
	else
		db_rollback(c->db);
	if (rc != KC_OK) { /* db_commit has rolled back on its own failure */
		*rep = before;
		*issued = false;
	}
	return rc;
}

/* Every missing cycle of one account up to as_of. */
static kc_status account_cycles(struct bctx *c, int64_t account_id, kc_date as_of,
	struct billing_report *rep, kc_error *err)
{
	struct bacct a;
	bool found;
	kc_status rc = account_load(c, account_id, &a, &found, err);
	if (rc != KC_OK || !found || !a.has_welcome)
		return rc;
	rep->accounts_seen++;
	if ((strcmp(a.status, "active") != 0 && strcmp(a.status, "suspended") != 0)
		|| date_compare(a.welcome, as_of) > 0)
		return KC_OK;
	int last, target = date_cycle_index_on_or_before(c->opt->cycle, a.welcome, as_of);
	if ((rc = last_cycle(c, account_id, &last, err)) != KC_OK)
		return rc;
	bool have_end;
	kc_date end;
	if ((rc = service_end(c, account_id, &have_end, &end, err)) != KC_OK)
		return rc;
	while (have_end && target > last && date_compare(cycle_date(c, &a, target), end) >= 0)
		target--; /* BIL-8: the cycles dated on or after the end of service */
	if (target > MAX_CYCLE)
		return kc_error_set(err, KC_ERR_INVALID,
			_("Account %s would need more than %d billing cycles."), a.number, MAX_CYCLE);
	if (last >= target)
		return KC_OK;
	if (c->dry_run && (rc = db_begin_write(c->db, err)) != KC_OK)
		return rc;
	bool any = false;
	for (int n = last + 1; rc == KC_OK && n <= target; n++) {
		bool issued;
		rc = issue_cycle(c, account_id, n, &issued, rep, err);
		any = any || issued;
	}
	if (c->dry_run)
		db_rollback(c->db);
	if (any)
		rep->accounts++;
	return rc;
}

static kc_status ctx_open(struct bctx *c, kc_db *db, const struct billing_options *opt,
	bool dry_run, kc_error *err)
{
	memset(c, 0, sizeof *c);
	c->db = db;
	c->opt = opt;
	c->dry_run = dry_run;
	if (!db || !opt)
		return kc_error_set(err, KC_ERR_INTERNAL, "%s", _("Internal error: billing without a database."));
	if (db_is_read_only(db))
		return kc_error_set(err, KC_ERR_PERM, "%s",
			_("The database is open read-only; billing cannot run (not even a dry run)."));
	return tax_table_load_embedded(&c->taxes, err);
}

static kc_status parse_as_of(const char *as_of, kc_date *out, kc_error *err)
{
	if (!as_of || !*as_of) {
		*out = date_today_local();
		return KC_OK;
	}
	return date_parse(as_of, out, err);
}

/* In a dry run the numbers are those the invoices would get. */
static kc_status dry_numbers(kc_db *db, struct billing_report *rep, kc_error *err)
{
	int64_t next = 0;
	kc_status rc = db_query_int(db, "SELECT next_value FROM sequences WHERE name = 'invoice'",
		&next, err);
	if (rc == KC_OK && rep->invoices > 0) {
		rep->first_number = next;
		rep->last_number = next + rep->invoices - 1;
	}
	return rc;
}

kc_status billing_run_account(kc_db *db, const struct billing_options *opt,
	int64_t account_id, const char *as_of, bool dry_run, struct billing_report *rep,
	kc_error *err)
{
	struct billing_report local = { 0 };
	if (!rep)
		rep = &local;
	kc_date d;
	kc_status rc = parse_as_of(as_of, &d, err);
	if (rc != KC_OK)
		return rc;
	struct bctx c;
	rc = ctx_open(&c, db, opt, dry_run, err);
	struct billing_report before = *rep;
	if (rc == KC_OK)
		rc = account_cycles(&c, account_id, d, rep, err);
	ctx_close(&c);
	if (rc == KC_OK && dry_run && rep->invoices > before.invoices) {
		struct billing_report mine = { .invoices = rep->invoices - before.invoices };
		rc = dry_numbers(db, &mine, err);
		rep->first_number = mine.first_number;
		rep->last_number = mine.last_number;
	}
	return rc;
}

/* The next page of account ids after `after`, leaving out the accounts
 * whose invoices are all issued already (no per-account query for them). */
static kc_status account_page(struct bctx *c, int64_t after, const char *as_of, kc_date d,
	int64_t *ids, size_t *n, int64_t *last_id, size_t *seen, kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_ACCOUNT_PAGE, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_text(st, 2, as_of, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, PAGE_ACCOUNTS);
	*n = 0;
	*seen = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		(*seen)++;
		*last_id = sqlite3_column_int64(st, 0);
		kc_date welcome;
		const char *wc = (const char *)sqlite3_column_text(st, 1);
		const char *key = (const char *)sqlite3_column_text(st, 2);
		if (wc && key && date_parse(wc, &welcome, NULL) == KC_OK
			&& atoi(key + 1) >= date_cycle_index_on_or_before(c->opt->cycle, welcome, d))
			continue; /* BIL-7: nothing due */
		ids[(*n)++] = *last_id;
	}
	if (r != SQLITE_DONE)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

kc_status billing_run(kc_db *db, const struct billing_options *opt, const char *as_of,
	bool dry_run, billing_progress_fn progress, void *progress_ctx,
	struct billing_report *rep, kc_error *err)
{
	struct billing_report local;
	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof *rep);
	kc_date d;
	kc_status rc = parse_as_of(as_of, &d, err);
	if (rc != KC_OK)
		return rc;
	char as_of_text[DATE_BUFSZ];
	date_format(d, as_of_text);
	struct bctx c;
	rc = ctx_open(&c, db, opt, dry_run, err);
	int64_t ids[PAGE_ACCOUNTS], after = 0;
	size_t n, seen = PAGE_ACCOUNTS;
	while (rc == KC_OK && seen == PAGE_ACCOUNTS) {
		int64_t before = rep->accounts_seen;
		rc = account_page(&c, after, as_of_text, d, ids, &n, &after, &seen, err);
		for (size_t i = 0; rc == KC_OK && i < n; i++)
			rc = account_cycles(&c, ids[i], d, rep, err);
		rep->accounts_seen = before + (int64_t)seen; /* the skipped ones too */
		if (progress)
			progress(progress_ctx, rep);
	}
	ctx_close(&c);
	if (rc == KC_OK && dry_run)
		rc = dry_numbers(db, rep, err);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* TRM-6: the final invoice                                                */

/* The account's final invoice number, or 0. */
static kc_status final_exists(struct bctx *c, int64_t account_id, int64_t *number,
	kc_error *err)
{
	sqlite3_stmt *st;
	kc_status rc = stmt(c, S_FINAL_EXISTS, &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	*number = 0;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*number = sqlite3_column_int64(st, 0);
	else if (r != SQLITE_DONE)
		rc = sql_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* Dated today; usage in arrears from the last cycle invoiced up to the
 * end of service; adjustments, time and fees up to today. */
static kc_status final_dates(struct bctx *c, const struct bacct *a, struct bill *b,
	kc_date today, kc_date end, kc_error *err)
{
	int last = -1;
	kc_status rc = a->has_welcome ? last_cycle(c, a->id, &last, err) : KC_OK;
	if (rc != KC_OK)
		return rc;
	b->final = true;
	b->date = today;
	date_format(today, b->date_text);
	kc_date tomorrow = date_add_days(today, 1);
	date_format(tomorrow, b->time_before);
	midnight_text(tomorrow, b->adj_instant);
	midnight_text(date_add_days(end, 1), b->bill_instant);
	b->usage_from = !a->has_welcome ? end : last >= 0 ? cycle_date(c, a, last) : a->welcome;
	if (date_compare(b->usage_from, end) > 0)
		b->usage_from = end;
	b->usage_to = end;
	b->period_start = b->usage_from;
	b->period_end = end;
	date_format(b->period_start, b->start_text);
	date_format(b->period_end, b->end_text);
	return KC_OK;
}

/* The lines of the final invoice (none: nothing left to bill). */
static kc_status plan_final(struct bctx *c, const struct bacct *a, struct bill *b,
	kc_error *err)
{
	kc_status rc = plan_usage(c, a, b, err);
	if (rc == KC_OK)
		rc = plan_adjustments(c, a, b, err);
	if (rc == KC_OK)
		rc = plan_consulting(c, a, b, err);
	if (rc == KC_OK)
		rc = plan_fees(c, a, b, err);
	if (rc != KC_OK || b->n_lines == 0)
		return rc;
	rc = plan_taxes(c, a, b, err);
	if (rc == KC_OK)
		rc = plan_credits(c, a, b, err);
	return rc;
}

static kc_status final_in_tx(struct bctx *c, int64_t account_id, kc_date end, int64_t *number,
	kc_error *err)
{
	struct bacct a;
	bool found;
	kc_status rc = account_load(c, account_id, &a, &found, err);
	if (rc == KC_OK && !found)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no account %" PRId64 "."),
			account_id);
	if (rc == KC_OK)
		rc = final_exists(c, account_id, number, err);
	if (rc != KC_OK || *number) /* idempotent: the one issued before */
		return rc;
	struct bill b;
	memset(&b, 0, sizeof b);
	rc = final_dates(c, &a, &b, date_today_local(), end, err);
	if (rc == KC_OK)
		rc = plan_final(c, &a, &b, err);
	int64_t invoice_id = 0, n = 0;
	if (rc == KC_OK && b.n_lines > 0) {
		rc = db_next_sequence(c->db, "invoice", &n, err);
		if (rc == KC_OK)
			rc = write_invoice(c, &a, &b, n, &invoice_id, err);
		if (rc == KC_OK)
			rc = write_lines(c, &b, invoice_id, err);
		if (rc == KC_OK)
			rc = write_consumed(c, &a, &b, invoice_id, err);
		if (rc == KC_OK)
			rc = write_credits(c, &b, invoice_id, err);
		if (rc == KC_OK)
			rc = write_balance(c, &a, &b, err);
		if (rc == KC_OK)
			rc = write_audit(c, &a, &b, invoice_id, n, err);
		if (rc == KC_OK)
			*number = n;
	}
	bill_free(&b);
	return rc;
}

kc_status billing_issue_final(kc_db *db, const struct billing_options *opt, int64_t account_id,
	const char *service_end, int64_t *number, kc_error *err)
{
	int64_t local;
	if (!number)
		number = &local;
	*number = 0;
	kc_date end, today = date_today_local();
	if (!service_end || !*service_end)
		return kc_error_set(err, KC_ERR_INVALID, "%s",
			_("TRM-6: the final invoice needs the date the service ended."));
	kc_status rc = date_parse(service_end, &end, err);
	if (rc != KC_OK)
		return rc;
	if (date_compare(end, today) > 0) {
		char t[DATE_BUFSZ];
		return kc_error_set(err, KC_ERR_RULE,
			_("TRM-6: the final invoice comes after the end of service (%s; today is %s)."),
			service_end, date_format(today, t));
	}
	struct bctx c;
	rc = ctx_open(&c, db, opt, false, err);
	if (rc == KC_OK)
		rc = db_begin_write(db, err);
	if (rc == KC_OK) {
		int64_t n = 0;
		rc = final_in_tx(&c, account_id, end, &n, err);
		if (rc == KC_OK)
			rc = db_commit(db, err);
		else
			db_rollback(db);
		if (rc == KC_OK)
			*number = n;
	}
	ctx_close(&c);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Demo history                                                            */

struct demo_rng {
	uint64_t s;
};

static uint64_t demo_next(struct demo_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15)); /* splitmix64 */
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static int64_t demo_range(struct demo_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(demo_next(r) % (uint64_t)(hi - lo + 1));
}

/* The invoice of cycle n: its number and what is left to pay. */
static kc_status demo_invoice(struct bctx *c, int64_t account_id, int n, int64_t *number,
	kc_cents *left, kc_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		"SELECT number, total_cents - paid_cents - credited_cents FROM invoices"
		" WHERE account_id = %" PRId64 " AND cycle_key = 'c%04d'", account_id, n);
	sqlite3_stmt *st;
	kc_status rc = db_prepare(c->db, sql, &st, err);
	if (rc != KC_OK)
		return rc;
	*number = 0;
	*left = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*number = sqlite3_column_int64(st, 0);
		*left = sqlite3_column_int64(st, 1);
	}
	db_finalize(c->db, &st);
	return KC_OK;
}

/* Pays cycle n's invoice: most within days, some late, some never. */
static kc_status demo_pay(struct bctx *c, const struct bacct *a, int n, kc_date today,
	struct demo_rng *r, kc_error *err)
{
	int64_t number;
	kc_cents left;
	kc_status rc = demo_invoice(c, a->id, n, &number, &left, err);
	int64_t x = demo_range(r, 0, 999);
	if (rc != KC_OK || left <= 0 || x >= 940)
		return rc;
	kc_date on = date_add_days(cycle_date(c, a, n), x < 860 ? demo_range(r, 0, 9)
		: demo_range(r, 15, 45));
	if (date_compare(on, today) > 0)
		return KC_OK; /* not yet: open, maybe overdue */
	static const char *const methods[] = { "visa", "visa", "mastercard", "mastercard",
		"visa", "mastercard", "cheque", "cheque", "wire" };
	char day[DATE_BUFSZ], ref[32];
	date_format(on, day);
	const char *method = methods[demo_range(r, 0, 8)];
	snprintf(ref, sizeof ref, "%s-%06" PRId64, strcmp(method, "cheque") == 0 ? "CHQ" : "TX",
		demo_range(r, 1, 999999));
	struct payment_input in = { .account_id = a->id, .method = method, .amount = left,
		.received_on = day, .reference = ref, .invoice_number = number,
		.wire_fee = strcmp(method, "wire") == 0 ? 1500 : 0 };
	struct payment_result res;
	rc = payment_record(c->db, &in, &res, err);
	/* PAY-4: a few chargebacks, on accounts that are suspended anyway */
	kc_date cb = date_add_days(on, 12);
	if (rc == KC_OK && strcmp(a->status, "suspended") == 0 && demo_range(r, 0, 999) < 40
		&& date_compare(cb, today) <= 0) {
		date_format(cb, day);
		rc = payment_chargeback(c->db, res.payment_id, 0, day, 3500, NULL, err);
	}
	return rc;
}

/* PAY-6: a dispute about the invoice of cycle n, in time or not. */
static kc_status demo_dispute(struct bctx *c, const struct bacct *a, int n, kc_date today,
	struct demo_rng *r, kc_error *err)
{
	int64_t number;
	kc_cents left;
	kc_status rc = demo_invoice(c, a->id, n, &number, &left, err);
	kc_date tx = cycle_date(c, a, n), rx = date_add_days(tx, demo_range(r, 3, 45));
	if (rc != KC_OK || number == 0)
		return rc;
	if (date_compare(rx, today) > 0)
		rx = today;
	char txd[DATE_BUFSZ], rxd[DATE_BUFSZ];
	bool fr = strcmp(a->language, "fr") == 0;
	struct dispute_input in = { .account_id = a->id, .transaction_date = date_format(tx, txd),
		.received_on = date_format(rx, rxd), .invoice_number = number, .in_writing = true,
		.description = fr ? "Le client conteste les frais d'interurbain facturés"
				  : "Customer disputes the long-distance charges billed" };
	return payment_dispute_add(c->db, &in, NULL, NULL, err);
}

static kc_status demo_cycles(struct bctx *c, int64_t account_id, kc_date today,
	struct demo_rng *r, kc_error *err)
{
	struct bacct a;
	bool found;
	kc_status rc = account_load(c, account_id, &a, &found, err);
	if (rc != KC_OK || !found || !a.has_welcome
		|| (strcmp(a.status, "active") != 0 && strcmp(a.status, "suspended") != 0))
		return rc;
	int last, target = date_cycle_index_on_or_before(c->opt->cycle, a.welcome, today);
	if ((rc = last_cycle(c, account_id, &last, err)) != KC_OK || target > MAX_CYCLE)
		return rc;
	struct billing_report rep = { 0 };
	int disputed = demo_range(r, 0, 999) < 40 && target > last ? (int)demo_range(r, last + 1,
		target) : -1;
	for (int n = last + 1; rc == KC_OK && n <= target; n++) {
		bool issued;
		rc = issue_cycle(c, account_id, n, &issued, &rep, err);
		if (rc == KC_OK && issued)
			rc = demo_pay(c, &a, n, today, r, err);
		if (rc == KC_OK && n == disputed)
			rc = demo_dispute(c, &a, n, today, r, err);
	}
	return rc;
}

kc_status billing_demo_account(kc_db *db, uint64_t seed, int64_t account_id, kc_date today,
	kc_error *err)
{
	struct billing_options opt;
	billing_options_default(&opt);
	struct bctx c;
	struct demo_rng r = { seed };
	kc_status rc = ctx_open(&c, db, &opt, false, err);
	if (rc == KC_OK)
		rc = demo_cycles(&c, account_id, today, &r, err);
	ctx_close(&c);
	return rc;
}
