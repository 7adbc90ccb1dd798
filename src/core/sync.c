/* sync.c: voip.ms usage sync and import (see sync.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdr.h"
#include "strbuf.h"
#include "sync.h"

#define SECS_PER_HOUR INT64_C(3600)
#define PROGRESS_EVERY 5000 /* calls between two progress calls */
#define ACCOUNT_PAGE 100    /* sync_all reads account ids by pages */
#define SWEEP_MAX 64        /* interrupted runs marked per sync start */
#define LOCK_SUFFIX "-synclock"

/* ---------------------------------------------------------------------- */
/* Statements, prepared once per sync and reused for every row.            */

enum {
	S_INSERT, S_SELECT, S_UPDATE, S_ADJ_SUM, S_ADJ_INSERT, S_WATERMARK, S_RUN_COUNTS,
	S_COUNT
};

static const char *const sql_text[S_COUNT] = {
	[S_INSERT] =
		"INSERT INTO usage_records (account_id, client, uniqueid, started_at, seconds,"
		" cost_units8, destination, callerid, description, disposition, currency, rate,"
		" sync_run_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
		" ON CONFLICT (client, uniqueid) DO NOTHING",
	[S_SELECT] =
		"SELECT id, cost_units8, invoice_id IS NOT NULL FROM usage_records"
		" WHERE client = ?1 AND uniqueid = ?2",
	[S_UPDATE] =
		"UPDATE usage_records SET started_at = ?2, seconds = ?3, cost_units8 = ?4,"
		" destination = ?5, callerid = ?6, description = ?7, disposition = ?8,"
		" currency = ?9, rate = ?10, sync_run_id = ?11"
		" WHERE id = ?1 AND invoice_id IS NULL",
	[S_ADJ_SUM] =
		"SELECT coalesce(sum(delta_units8), 0) FROM usage_adjustments"
		" WHERE account_id = ?1 AND usage_id = ?2",
	[S_ADJ_INSERT] =
		"INSERT INTO usage_adjustments (usage_id, account_id, delta_units8, detected_at)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_WATERMARK] =
		"INSERT INTO sync_watermarks (account_id, synced_to) VALUES (?1, ?2)"
		" ON CONFLICT (account_id) DO UPDATE"
		" SET synced_to = max(synced_to, excluded.synced_to)",
	[S_RUN_COUNTS] =
		"UPDATE sync_runs SET windows = windows + ?2, calls_new = calls_new + ?3,"
		" calls_unchanged = calls_unchanged + ?4, calls_changed = calls_changed + ?5,"
		" amount_units8 = amount_units8 + ?6 WHERE id = ?1",
};

struct stmts {
	sqlite3_stmt *s[S_COUNT];
};

static void stmts_finalize(kc_db *db, struct stmts *st)
{
	for (int i = 0; i < S_COUNT; i++)
		db_finalize(db, &st->s[i]);
}

static kc_status stmts_prepare(kc_db *db, struct stmts *st, kc_error *err)
{
	memset(st, 0, sizeof *st);
	for (int i = 0; i < S_COUNT; i++) {
		kc_status rc = db_prepare(db, sql_text[i], &st->s[i], err);
		if (rc != KC_OK) {
			stmts_finalize(db, st);
			return rc;
		}
	}
	return KC_OK;
}

/* Steps a statement that returns no row, then resets it (the text bound
 * with SQLITE_STATIC must not outlive the caller's strings). */
static kc_status step_done(kc_db *db, sqlite3_stmt *st, kc_error *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? KC_OK : db_fail(db, rc, err);
}

static kc_status nomem(kc_error *err)
{
	return kc_error_set(err, KC_ERR_NOMEM, "%s", kc_status_text(KC_ERR_NOMEM));
}

/* ---------------------------------------------------------------------- */
/* voip.ms wall clock -> UTC instant.                                      */

/* Installs SYNC_VOIPMS_ZONE as the process zone for a while. */
struct zone_guard {
	char *saved; /* the office zone to put back, or NULL */
};

static kc_status zone_enter(struct zone_guard *g, kc_error *err)
{
	g->saved = NULL;
	const char *cur = date_office_zone();
	if (strcmp(cur, SYNC_VOIPMS_ZONE) == 0)
		return KC_OK;
	if (!(g->saved = kc_strdup(cur)))
		return nomem(err);
	kc_status rc = date_set_office_zone(SYNC_VOIPMS_ZONE, err);
	if (rc != KC_OK) {
		free(g->saved);
		g->saved = NULL;
	}
	return rc;
}

static void zone_leave(struct zone_guard *g)
{
	if (g->saved)
		(void)date_set_office_zone(g->saved, NULL);
	free(g->saved);
	g->saved = NULL;
}

/* The offset of each wall-clock hour seen, since a whole answer usually
 * covers a few hundred hours and converting through the zone costs several
 * localtime_r calls.  Direct mapped; a slot holds one hour. */
#define OFFSET_SLOTS 256

struct offset_cache {
	int64_t hour[OFFSET_SLOTS];
	int64_t offset[OFFSET_SLOTS]; /* wall - instant, seconds */
	bool used[OFFSET_SLOTS];
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* wall: a zone wall-clock time counted as if it were UTC. */
static kc_instant wall_offset(kc_instant wall)
{
	return wall - date_from_local(date_instant_to_utc(wall));
}

static kc_instant wall_to_instant(struct offset_cache *c, kc_instant wall)
{
	int64_t hour = floor_div(wall, SECS_PER_HOUR);
	size_t slot = (size_t)((uint64_t)hour % OFFSET_SLOTS);
	if (c->used[slot] && c->hour[slot] == hour)
		return wall - c->offset[slot];
	int64_t first = wall_offset(hour * SECS_PER_HOUR);
	int64_t last = wall_offset(hour * SECS_PER_HOUR + SECS_PER_HOUR - 1);
	if (first != last) /* a zone changing offset inside this hour: no cache */
		return date_from_local(date_instant_to_utc(wall));
	c->used[slot] = true;
	c->hour[slot] = hour;
	c->offset[slot] = first;
	return wall - first;
}

/* "YYYY-MM-DDTHH:MM:SSZ" like date_instant_format(), without printf: it
 * runs once per imported call. */
static void put_digits(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

static void format_instant(kc_instant t, char buf[static DATE_INSTANT_BUFSZ])
{
	kc_local u = date_instant_to_utc(t);
	if (u.date.year < 0 || u.date.year > 9999) {
		date_instant_format(t, buf);
		return;
	}
	memcpy(buf, "0000-00-00T00:00:00Z", 21);
	put_digits(buf, u.date.year, 4);
	put_digits(buf + 5, u.date.month, 2);
	put_digits(buf + 8, u.date.day, 2);
	put_digits(buf + 11, u.hour, 2);
	put_digits(buf + 14, u.min, 2);
	put_digits(buf + 17, u.sec, 2);
}

/* ---------------------------------------------------------------------- */
/* Import of one answer (the upsert).                                      */

struct run; /* a whole sync, below */

struct import {
	kc_db *db;
	sqlite3 *h;
	struct stmts *st;
	int64_t account_id, run_id;
	const char *client;
	int64_t shift_s;       /* (timezone + 5) hours: voip.ms wall -> Toronto wall */
	int64_t rate_e8;       /* CAD per unit in 10^-8; 0 when billed in CAD */
	const char *currency;  /* "CAD" or the [voipms] currency */
	char rate_text[40];    /* exact decimal, when rate_e8 */
	char now[24];          /* detected_at of adjustments */
	bool began;            /* this window's write transaction is open */
	struct zone_guard zone; /* entered with the first row (see import_row) */
	bool zoned;
	struct sync_report w;  /* this window's counts */
	struct run *run;       /* for progress; NULL outside a sync */
	kc_error *err;
	struct offset_cache cache;
};

static void run_tick(struct run *run, const struct import *im);

/* "1.36" from 136000000 (no trailing zeros). */
static void rate_format(int64_t e8, char buf[static 40])
{
	snprintf(buf, 40, "%" PRId64 ".%08" PRId64, e8 / CDR_UNITS8_PER_UNIT,
		e8 % CDR_UNITS8_PER_UNIT);
	char *end = buf + strlen(buf);
	while (end[-1] == '0')
		*--end = '\0';
	if (end[-1] == '.')
		end[-1] = '\0';
}

/* Settings -> the import's zone shift and currency; NULL = defaults. */
static kc_status import_setup(struct import *im, const struct kc_settings *s, kc_error *err)
{
	int tz = s ? s->voipms_timezone : -5;
	im->shift_s = (int64_t)(tz + 5) * SECS_PER_HOUR;
	im->currency = "CAD";
	im->rate_e8 = 0;
	im->rate_text[0] = '\0';
	db_now_iso(im->now);
	if (!s || strcmp(s->voipms_currency, "CAD") == 0)
		return KC_OK;
	if (s->voipms_conversion_rate_e8 <= 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("voip.ms bills in %s: set [voipms] conversion_rate (CAD per %s) before "
			  "importing usage (PAY-2)"),
			s->voipms_currency, s->voipms_currency);
	im->currency = s->voipms_currency;
	im->rate_e8 = s->voipms_conversion_rate_e8;
	rate_format(im->rate_e8, im->rate_text);
	return KC_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static kc_status too_large(kc_error *err)
{
	return kc_error_set(err, KC_ERR_INVALID, _("The voip.ms usage amounts are too large to add up"));
}

static kc_status add_amount(struct import *im, int64_t delta)
{
	return money_add(im->w.amount_units8, delta, &im->w.amount_units8) ? KC_OK
										: too_large(im->err);
}

static kc_status insert_row(struct import *im, const struct cdr_row *row, const char *started,
	int64_t cost, bool *inserted)
{
	sqlite3_stmt *st = im->st->s[S_INSERT];
	sqlite3_bind_int64(st, 1, im->account_id);
	sqlite3_bind_text(st, 2, im->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->uniqueid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, started, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, row->seconds);
	sqlite3_bind_int64(st, 6, cost);
	sqlite3_bind_text(st, 7, row->destination, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, row->callerid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, row->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, row->disposition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, im->currency, -1, SQLITE_STATIC);
	bind_text_or_null(st, 12, im->rate_text);
	if (im->run_id)
		sqlite3_bind_int64(st, 13, im->run_id);
	else
		sqlite3_bind_null(st, 13);
	kc_status rc = step_done(im->db, st, im->err);
	*inserted = rc == KC_OK && sqlite3_changes(im->h) == 1;
	return rc;
}

/* The stored row of (client, uniqueid): id, cost, invoiced. */
static kc_status select_row(struct import *im, const char *uniqueid, int64_t *id,
	int64_t *cost, bool *invoiced)
{
	sqlite3_stmt *st = im->st->s[S_SELECT];
	sqlite3_bind_text(st, 1, im->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, uniqueid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*cost = sqlite3_column_int64(st, 1);
		*invoiced = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return KC_OK;
	/* The insert just met this key, so a missing row is a database fault. */
	return rc == SQLITE_DONE ? kc_error_set(im->err, KC_ERR_INTERNAL,
					   _("Internal error: a call vanished during the import"))
				 : db_fail(im->db, rc, im->err);
}

static kc_status update_row(struct import *im, int64_t id, const struct cdr_row *row,
	const char *started, int64_t cost)
{
	sqlite3_stmt *st = im->st->s[S_UPDATE];
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, started, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, row->seconds);
	sqlite3_bind_int64(st, 4, cost);
	sqlite3_bind_text(st, 5, row->destination, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->callerid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, row->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, row->disposition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, im->currency, -1, SQLITE_STATIC);
	bind_text_or_null(st, 10, im->rate_text);
	if (im->run_id)
		sqlite3_bind_int64(st, 11, im->run_id);
	else
		sqlite3_bind_null(st, 11);
	return step_done(im->db, st, im->err);
}

/* An invoiced call whose cost changed: the difference goes on the next
 * invoice; the row itself stays as billed (BIL-5). */
static kc_status adjust_row(struct import *im, int64_t id, int64_t billed, int64_t cost,
	bool *adjusted)
{
	sqlite3_stmt *st = im->st->s[S_ADJ_SUM];
	sqlite3_bind_int64(st, 1, im->account_id);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	int64_t earlier = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(im->db, rc, im->err);
	int64_t effective, delta;
	if (!money_add(billed, earlier, &effective) || !money_sub(cost, effective, &delta))
		return too_large(im->err);
	*adjusted = delta != 0;
	if (!*adjusted)
		return KC_OK;
	st = im->st->s[S_ADJ_INSERT];
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, im->account_id);
	sqlite3_bind_int64(st, 3, delta);
	sqlite3_bind_text(st, 4, im->now, -1, SQLITE_STATIC);
	kc_status ks = step_done(im->db, st, im->err);
	return ks == KC_OK ? add_amount(im, delta) : ks;
}

static kc_status upsert(struct import *im, const struct cdr_row *row)
{
	const struct cdr_wall_time *w = &row->when;
	kc_local wl = { { w->year, w->month, w->day }, w->hour, w->minute, w->second };
	kc_instant t = wall_to_instant(&im->cache, date_instant_from_utc(wl) - im->shift_s);
	char started[DATE_INSTANT_BUFSZ];
	format_instant(t, started);

	int64_t cost = row->total_units8;
	if (im->rate_e8 && !money_mul_rate(row->total_units8, im->rate_e8, CDR_UNITS8_PER_UNIT,
				   &cost))
		return kc_error_set(im->err, KC_ERR_INVALID,
			_("The cost of voip.ms call %s is too large to convert"), row->uniqueid);

	bool inserted;
	kc_status rc = insert_row(im, row, started, cost, &inserted);
	if (rc != KC_OK)
		return rc;
	if (inserted) {
		im->w.calls_new++;
		return add_amount(im, cost);
	}
	int64_t id = 0, old = 0;
	bool invoiced = false, adjusted = false;
	if ((rc = select_row(im, row->uniqueid, &id, &old, &invoiced)) != KC_OK)
		return rc;
	if (invoiced) {
		if ((rc = adjust_row(im, id, old, cost, &adjusted)) != KC_OK)
			return rc;
		if (adjusted) {
			im->w.calls_changed++;
			im->w.adjustments++;
		} else {
			im->w.calls_unchanged++;
		}
		return KC_OK;
	}
	if (old == cost) {
		im->w.calls_unchanged++;
		return KC_OK;
	}
	if ((rc = update_row(im, id, row, started, cost)) != KC_OK)
		return rc;
	im->w.calls_changed++;
	return add_amount(im, cost - old);
}

/* cdr_row_fn: the write transaction begins with the first row, once the
 * whole answer has arrived and been checked (cdr.h). */
static int import_row(const struct cdr_row *row, void *ctx)
{
	struct import *im = ctx;
	if (!im->began) {
		/* The zone changes the process environment (TZ): only now, once
		 * the transfer (and any resolver thread of libcurl) is over. */
		if (!im->zoned) {
			if (zone_enter(&im->zone, im->err) != KC_OK)
				return 1;
			im->zoned = true;
		}
		if (db_begin_write(im->db, im->err) != KC_OK)
			return 1;
		im->began = true;
	}
	if (upsert(im, row) != KC_OK)
		return 1;
	int64_t seen = im->w.calls_new + im->w.calls_unchanged + im->w.calls_changed;
	if (im->run && seen % PROGRESS_EVERY == 0)
		run_tick(im->run, im);
	return 0;
}

static void report_add(struct sync_report *to, const struct sync_report *w)
{
	to->windows += w->windows;
	to->calls_new += w->calls_new;
	to->calls_unchanged += w->calls_unchanged;
	to->calls_changed += w->calls_changed;
	to->adjustments += w->adjustments;
	if (!money_add(to->amount_units8, w->amount_units8, &to->amount_units8))
		to->amount_units8 = w->amount_units8 < 0 ? INT64_MIN : INT64_MAX;
}

static kc_status run_counts(struct import *im, kc_error *err)
{
	if (!im->run_id)
		return KC_OK;
	sqlite3_stmt *st = im->st->s[S_RUN_COUNTS];
	sqlite3_bind_int64(st, 1, im->run_id);
	sqlite3_bind_int64(st, 2, im->w.windows);
	sqlite3_bind_int64(st, 3, im->w.calls_new);
	sqlite3_bind_int64(st, 4, im->w.calls_unchanged);
	sqlite3_bind_int64(st, 5, im->w.calls_changed);
	sqlite3_bind_int64(st, 6, im->w.amount_units8);
	return step_done(im->db, st, err);
}

static kc_status set_watermark(struct import *im, const char *synced_to, kc_error *err)
{
	sqlite3_stmt *st = im->st->s[S_WATERMARK];
	sqlite3_bind_int64(st, 1, im->account_id);
	sqlite3_bind_text(st, 2, synced_to, -1, SQLITE_STATIC);
	return step_done(im->db, st, err);
}

static void import_reset(struct import *im)
{
	memset(&im->w, 0, sizeof im->w);
	im->began = false;
}

/* Puts the office zone back after an answer was imported. */
static void import_unzone(struct import *im)
{
	if (im->zoned)
		zone_leave(&im->zone);
	im->zoned = false;
}

/* The voip.ms client id of an account, as a new string. */
static kc_status client_of(kc_db *db, int64_t account_id, char **client, kc_error *err)
{
	sqlite3_stmt *q = NULL;
	*client = NULL;
	kc_status rc = db_prepare(db, "SELECT voipms_client FROM accounts WHERE id = ?1", &q, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(q, 1, account_id);
	int r = sqlite3_step(q);
	if (r == SQLITE_ROW)
		rc = (*client = kc_strdup((const char *)sqlite3_column_text(q, 0))) ? KC_OK : nomem(err);
	else if (r == SQLITE_DONE)
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no account %lld"),
			(long long)account_id);
	else
		rc = db_fail(db, r, err);
	db_finalize(db, &q);
	return rc;
}

kc_status sync_import_answer(kc_db *db, const struct kc_settings *s, int64_t account_id,
	int64_t run_id, const char *body, size_t len, struct sync_report *counts, kc_error *err)
{
	if (!db || !body || account_id <= 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	struct import *im = calloc(1, sizeof *im);
	if (!im)
		return nomem(err);
	struct stmts st;
	char *client = NULL;
	kc_status rc = client_of(db, account_id, &client, err);
	if (rc == KC_OK)
		rc = import_setup(im, s, err);
	if (rc == KC_OK && (rc = stmts_prepare(db, &st, err)) == KC_OK) {
		im->db = db;
		im->h = db_handle(db);
		im->st = &st;
		im->account_id = account_id;
		im->run_id = run_id;
		im->client = client;
		im->err = err;
		rc = cdr_parse_answer(body, len, import_row, im, err);
		import_unzone(im);
		if (rc == KC_OK && !im->began && (rc = db_begin_write(db, err)) == KC_OK)
			im->began = true;
		if (rc == KC_OK)
			rc = db_commit(db, err);
		else if (im->began)
			db_rollback(db);
		stmts_finalize(db, &st);
		if (rc == KC_OK && counts)
			report_add(counts, &im->w);
	}
	free(client);
	free(im);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* A sync: accounts, periods, windows, sync_runs rows.                     */

struct run {
	kc_db *db;
	const struct kc_settings *s;
	struct voipms_config cfg;
	struct stmts st;
	sqlite3_stmt *run_insert, *run_finish;
	int lock_fd;       /* the owners' lock file (see "Live owners"); -1: none */
	bool lock_classic; /* the kernel has no open file description locks */
	sync_progress_fn progress;
	void *progress_ctx;
	const volatile sig_atomic_t *stop;
	struct sync_report *rep;
	int64_t accounts_done, accounts_total;
	const char *number, *w_from, *w_to; /* in progress, for the progress calls */
	struct import *im;
};

static void run_tick(struct run *run, const struct import *im)
{
	if (!run->progress)
		return;
	struct sync_progress p = {
		.accounts_done = run->accounts_done, .accounts_total = run->accounts_total,
		.calls = run->rep->calls_new + run->rep->calls_unchanged + run->rep->calls_changed,
		.windows = run->rep->windows, .account_number = run->number,
		.window_from = run->w_from, .window_to = run->w_to,
	};
	if (im)
		p.calls += im->w.calls_new + im->w.calls_unchanged + im->w.calls_changed;
	run->progress(run->progress_ctx, &p);
}

static void run_cfg(struct run *run)
{
	const struct kc_settings *s = run->s;
	run->cfg = (struct voipms_config){
		.url = s->voipms_url,
		.username = s->voipms_username,
		.password = s->voipms_password,
		.connect_timeout_s = s->voipms_connect_timeout,
		.timeout_s = s->voipms_timeout,
		.max_response_bytes = s->voipms_max_response_bytes > 0
					      ? (size_t)s->voipms_max_response_bytes : 0,
		.timezone_offset = s->voipms_timezone,
	};
}

/* ---------------------------------------------------------------------- */
/* Live owners of "running" rows.                                          */
/*
 * A run's row says "running" from its first transaction to its last; a
 * process killed in between (kill -9, a crash, a lost session) leaves it
 * so.  Time cannot tell such a row from a live run (a long period asked
 * at the longest timeouts takes hours, and a process may be suspended),
 * so the owner says it itself: from the transaction that inserts the row
 * until the sync ends, the process holds a read lock on byte <run id> of
 * the file "<database>-synclock" beside the database.  The kernel drops
 * the lock when the process dies, however it dies, and the lock works
 * wherever SQLite's own locks work.  A "running" row whose byte nobody
 * holds therefore has no live owner: the next sync of the same account
 * marks it failed with an "interrupted" message.  Whenever the lock file
 * cannot be used, nothing is marked (a dead run stays "running", as
 * before) -- a live run is never marked.
 *
 * Open file description locks (Linux, POSIX.1-2024) belong to the open
 * file, so two connections of one process see each other's runs; classic
 * POSIX locks (the fallback) belong to the process.
 */

#ifdef F_OFD_SETLK
#define LOCK_SET F_OFD_SETLK
#define LOCK_GET F_OFD_GETLK
#else
#define LOCK_SET F_SETLK
#define LOCK_GET F_GETLK
#endif

/* fcntl on one byte; falls back to classic locks once if the kernel
 * refuses open file description locks. */
static bool lock_call(struct run *run, bool get, int64_t at, struct flock *fl, short type)
{
	for (;;) {
		memset(fl, 0, sizeof *fl); /* l_pid must be 0 for OFD locks */
		fl->l_type = type;
		fl->l_whence = SEEK_SET;
		fl->l_start = (off_t)at;
		fl->l_len = 1;
		int cmd = run->lock_classic ? (get ? F_GETLK : F_SETLK)
					    : (get ? LOCK_GET : LOCK_SET);
		if (fcntl(run->lock_fd, cmd, fl) == 0)
			return true;
		if (errno != EINVAL || run->lock_classic || LOCK_SET == F_SETLK)
			return false;
		run->lock_classic = true;
	}
}

/* Opens (creating it, with the database's permissions, so that every user
 * of the database can read it) the lock file; lock_fd stays -1 on failure. */
static void lock_open(struct run *run)
{
	run->lock_fd = -1;
	const char *db = db_path(run->db);
	if (!db || !*db || strcmp(db, ":memory:") == 0 || strncmp(db, "file:", 5) == 0)
		return;
	struct stat st;
	mode_t mode = stat(db, &st) == 0 ? (st.st_mode & 0666) | 0400 : 0644;
	char *path = kc_asprintf("%s" LOCK_SUFFIX, db);
	if (!path)
		return;
	run->lock_fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, mode);
	free(path);
}

/* Closing the file releases every lock this sync holds. */
static void lock_close(struct run *run)
{
	if (run->lock_fd >= 0)
		close(run->lock_fd);
	run->lock_fd = -1;
}

static void lock_run(struct run *run, int64_t run_id)
{
	struct flock fl;
	if (run->lock_fd >= 0)
		(void)lock_call(run, false, run_id, &fl, F_RDLCK);
}

/* True only when nobody holds the run's byte (no live owner). */
static bool run_orphaned(struct run *run, int64_t run_id)
{
	struct flock fl;
	return run->lock_fd >= 0 && lock_call(run, true, run_id, &fl, F_WRLCK) &&
	       fl.l_type == F_UNLCK;
}

/* Ids of the account's "running" rows (at most SWEEP_MAX). */
static kc_status running_ids(struct run *run, int64_t account_id, int64_t *ids, size_t *n,
	kc_error *err)
{
	sqlite3_stmt *st = NULL;
	*n = 0;
	kc_status rc = db_prepare(run->db,
		"SELECT id FROM sync_runs WHERE account_id IS ?1 AND status = 'running'"
		" ORDER BY id LIMIT ?2", &st, err);
	if (rc != KC_OK)
		return rc;
	if (account_id)
		sqlite3_bind_int64(st, 1, account_id);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int(st, 2, SWEEP_MAX);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < SWEEP_MAX)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = db_fail(run->db, r, err);
	db_finalize(run->db, &st);
	return rc;
}

/* Inside run_begin's transaction: the account's runs left "running" by a
 * process that is gone become failed, "interrupted" (see above). */
static kc_status sweep_interrupted(struct run *run, int64_t account_id, const char *now,
	kc_error *err)
{
	if (run->lock_fd < 0)
		return KC_OK; /* cannot tell the live from the dead: touch nothing */
	int64_t ids[SWEEP_MAX];
	size_t n;
	kc_status rc = running_ids(run, account_id, ids, &n, err);
	sqlite3_stmt *st = NULL;
	if (rc == KC_OK && n)
		rc = db_prepare(run->db,
			"UPDATE sync_runs SET status = 'failed', finished_at = ?2, error = ?3"
			" WHERE id = ?1 AND status = 'running'", &st, err);
	const char *why = _("Interrupted: the program ended before this run did (killed, crashed "
			    "or cut off); the windows it completed are kept, run the sync again");
	for (size_t i = 0; rc == KC_OK && i < n; i++) {
		if (!run_orphaned(run, ids[i]))
			continue;
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
		rc = step_done(run->db, st, err);
	}
	db_finalize(run->db, &st);
	return rc;
}

static kc_status run_prepare(struct run *run, kc_error *err)
{
	kc_status rc = stmts_prepare(run->db, &run->st, err);
	if (rc == KC_OK)
		rc = db_prepare(run->db,
			"INSERT INTO sync_runs (account_id, started_at, staff, window_from, window_to,"
			" status) VALUES (?1, ?2, ?3, ?4, ?5, 'running')", &run->run_insert, err);
	if (rc == KC_OK)
		rc = db_prepare(run->db,
			"UPDATE sync_runs SET status = ?2, finished_at = ?3, error = ?4 WHERE id = ?1",
			&run->run_finish, err);
	if (rc == KC_OK && !(run->im = calloc(1, sizeof *run->im)))
		rc = nomem(err);
	if (rc == KC_OK) {
		run->im->db = run->db;
		run->im->h = db_handle(run->db);
		run->im->st = &run->st;
		run->im->run = run;
	}
	return rc;
}

static void run_release(struct run *run)
{
	lock_close(run);
	stmts_finalize(run->db, &run->st);
	db_finalize(run->db, &run->run_insert);
	db_finalize(run->db, &run->run_finish);
	free(run->im);
	run->im = NULL;
}

/* A sync_runs row in its own transaction; account_id 0 = all accounts. */
static kc_status run_begin(struct run *run, int64_t account_id, const char *from,
	const char *to, int64_t *run_id, kc_error *err)
{
	char now[24];
	db_now_iso(now);
	sqlite3_stmt *st = run->run_insert;
	if (account_id)
		sqlite3_bind_int64(st, 1, account_id);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, db_staff(run->db), -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, from);
	bind_text_or_null(st, 5, to);
	kc_status rc = db_begin_write(run->db, err);
	if (rc != KC_OK)
		return rc;
	if ((rc = sweep_interrupted(run, account_id, now, err)) == KC_OK &&
	    (rc = step_done(run->db, st, err)) == KC_OK) {
		*run_id = sqlite3_last_insert_rowid(db_handle(run->db));
		/* Locked before the row is visible to anyone: no other sync can
		 * see it "running" and unowned. */
		lock_run(run, *run_id);
		rc = db_commit(run->db, err);
	} else {
		db_rollback(run->db);
	}
	return rc;
}

/* Records how the run ended.  Its own failure is secondary: the caller
 * keeps the first error, so this one is only returned when there was none. */
static kc_status run_end(struct run *run, int64_t run_id, const char *status,
	const char *error, kc_error *err)
{
	char now[24];
	db_now_iso(now);
	sqlite3_stmt *st = run->run_finish;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, error);
	kc_status rc = db_begin_write(run->db, err);
	if (rc != KC_OK)
		return rc;
	if ((rc = step_done(run->db, st, err)) == KC_OK)
		rc = db_commit(run->db, err);
	else
		db_rollback(run->db);
	return rc;
}

static kc_status run_fail(struct run *run, int64_t run_id, kc_error *err)
{
	kc_error e2 = KC_ERROR_INIT;
	(void)run_end(run, run_id, "failed", kc_error_text(err), &e2);
	kc_error_clear(&e2);
	return err ? err->code : KC_ERR_INTERNAL;
}

/* One account's facts a sync needs. */
struct acct {
	int64_t id;
	char *number, *client, *signed_on, *welcome_call, *watermark;
};

static void acct_clear(struct acct *a)
{
	free(a->number);
	free(a->client);
	free(a->signed_on);
	free(a->welcome_call);
	free(a->watermark);
	memset(a, 0, sizeof *a);
}

static char *col_dup(sqlite3_stmt *st, int i, bool *oom)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (!t)
		return NULL;
	char *s = kc_strdup((const char *)t);
	if (!s)
		*oom = true;
	return s;
}

static kc_status acct_load(kc_db *db, int64_t id, struct acct *a, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT a.number, a.voipms_client, a.signed_on, a.welcome_call, w.synced_to"
		" FROM accounts a LEFT JOIN sync_watermarks w ON w.account_id = a.id"
		" WHERE a.id = ?1", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	bool oom = false;
	memset(a, 0, sizeof *a);
	if (r == SQLITE_ROW) {
		a->id = id;
		a->number = col_dup(st, 0, &oom);
		a->client = col_dup(st, 1, &oom);
		a->signed_on = col_dup(st, 2, &oom);
		a->welcome_call = col_dup(st, 3, &oom);
		a->watermark = col_dup(st, 4, &oom);
		rc = oom ? nomem(err) : KC_OK;
	} else if (r == SQLITE_DONE) {
		rc = kc_error_set(err, KC_ERR_NOT_FOUND, _("There is no account %lld"), (long long)id);
	} else {
		rc = db_fail(db, r, err);
	}
	db_finalize(db, &st);
	if (rc != KC_OK)
		acct_clear(a);
	return rc;
}

/* The period to ask for (see sync.h), both dates inclusive. */
static kc_status period(const struct acct *a, const char *from, const char *to, kc_date *f,
	kc_date *t, kc_error *err)
{
	kc_date today = date_today_local();
	char buf[DATE_BUFSZ];
	kc_status rc;
	*t = today;
	if (to && (rc = date_parse(to, t, err)) != KC_OK)
		return rc;
	if (date_compare(*t, today) > 0)
		return kc_error_set(err, KC_ERR_INVALID,
			_("The end date %s is after today (%s)"), to, date_format(today, buf));
	if (from) {
		if ((rc = date_parse(from, f, err)) != KC_OK)
			return rc;
	} else {
		const char *base = a->watermark ? a->watermark
				  : a->welcome_call ? a->welcome_call : a->signed_on;
		if (!base || date_parse(base, f, NULL) != KC_OK)
			*f = *t;
		else if (a->watermark)
			*f = date_add_days(*f, -1); /* one day of overlap */
		if (date_compare(*f, *t) > 0)
			*f = *t;
	}
	if (date_compare(*f, *t) > 0) {
		char tb[DATE_BUFSZ];
		return kc_error_set(err, KC_ERR_INVALID, _("The start date %s is after the end date %s"),
			date_format(*f, buf), date_format(*t, tb));
	}
	return KC_OK;
}

/* Failures that concern every account: sync_all stops there. */
static bool failure_is_global(kc_status rc, enum voipms_failure f)
{
	switch (f) {
	case VOIPMS_UNKNOWN_CLIENT:
	case VOIPMS_BAD_ANSWER:
	case VOIPMS_TOO_LARGE:
	case VOIPMS_API_ERROR:
		return false;
	case VOIPMS_OK:
	case VOIPMS_STOPPED:
		/* a row refused by the parser is this account's; the database
		 * failing is everyone's */
		return rc != KC_ERR_INVALID;
	default:
		return true;
	}
}

/* Puts the account and window after the cause, so people read the cause
 * first: "voip.ms refused ... (account K-000001, calls of A to B)". */
static void add_context(kc_error *err, const struct acct *a, const char *from, const char *to)
{
	if (!err)
		return;
	char *msg = kc_asprintf(_("%s (account %s, calls of %s to %s)"), kc_error_text(err),
		a->number, from, to);
	if (msg) {
		free(err->message);
		err->message = msg;
	}
}

/* One window: request, then one transaction with rows, watermark, counts. */
static kc_status run_window(struct run *run, const struct acct *a, int64_t run_id,
	const char *from, const char *to, enum voipms_failure *fk, kc_error *err)
{
	struct import *im = run->im;
	import_reset(im);
	im->run_id = run_id;
	im->account_id = a->id;
	im->client = a->client;
	im->err = err;
	run->w_from = from;
	run->w_to = to;
	run_tick(run, NULL); /* shows the window while its request waits */
	kc_status rc = voipms_get_reseller_cdr(&run->cfg, a->client, from, to, import_row, im,
		NULL, fk, err);
	import_unzone(im);
	if (rc == KC_OK && !im->began && (rc = db_begin_write(run->db, err)) == KC_OK)
		im->began = true;
	im->w.windows = 1;
	if (rc == KC_OK)
		rc = set_watermark(im, to, err);
	if (rc == KC_OK)
		rc = run_counts(im, err);
	if (rc == KC_OK)
		rc = db_commit(run->db, err);
	else if (im->began)
		db_rollback(run->db);
	im->began = false;
	if (rc == KC_OK)
		report_add(run->rep, &im->w);
	return rc;
}

/* One account.  *go_on tells sync_all whether a failure concerns this
 * account only. */
static kc_status sync_one(struct run *run, int64_t account_id, const char *from,
	const char *to, bool *go_on, kc_error *err)
{
	struct acct a;
	kc_date f, t;
	*go_on = false;
	kc_status rc = acct_load(run->db, account_id, &a, err);
	if (rc != KC_OK)
		return rc;
	if ((rc = period(&a, from, to, &f, &t, err)) != KC_OK) {
		acct_clear(&a);
		return rc;
	}
	char fb[DATE_BUFSZ], tb[DATE_BUFSZ];
	date_format(f, fb);
	date_format(t, tb);
	int64_t run_id = 0;
	run->number = a.number;
	run->rep->accounts++;
	if ((rc = run_begin(run, a.id, fb, tb, &run_id, err)) != KC_OK) {
		acct_clear(&a);
		return rc;
	}
	run->rep->last_run_id = run_id;
	const char *status = "ok";
	for (kc_date wf = f; rc == KC_OK && date_compare(wf, t) <= 0;) {
		if (run->stop && *run->stop) {
			status = "stopped";
			run->rep->stopped = true;
			break;
		}
		kc_date wt = date_add_days(wf, SYNC_WINDOW_DAYS - 1);
		if (date_compare(wt, t) > 0)
			wt = t;
		char wfb[DATE_BUFSZ], wtb[DATE_BUFSZ];
		date_format(wf, wfb);
		date_format(wt, wtb);
		enum voipms_failure fk = VOIPMS_OK;
		rc = run_window(run, &a, run_id, wfb, wtb, &fk, err);
		if (rc != KC_OK) {
			if (fk != VOIPMS_OK && fk != VOIPMS_STOPPED && run->rep->failure == VOIPMS_OK)
				run->rep->failure = fk;
			(void)run_fail(run, run_id, err);
			add_context(err, &a, wfb, wtb);
			run->rep->accounts_failed++;
			*go_on = !failure_is_global(rc, fk);
			break;
		}
		run_tick(run, NULL);
		wf = date_add_days(wt, 1);
	}
	if (rc == KC_OK)
		rc = run_end(run, run_id, status, NULL, err);
	run->number = NULL;
	run->w_from = run->w_to = NULL;
	acct_clear(&a);
	return rc;
}

static kc_status run_start(struct run *run, kc_db *db, const struct kc_settings *s,
	sync_progress_fn progress, void *progress_ctx, const volatile sig_atomic_t *stop,
	struct sync_report *report, struct sync_report *local, kc_error *err)
{
	memset(run, 0, sizeof *run);
	run->lock_fd = -1;
	run->db = db;
	run->s = s;
	run->progress = progress;
	run->progress_ctx = progress_ctx;
	run->stop = stop;
	run->rep = report ? report : local;
	memset(run->rep, 0, sizeof *run->rep);
	if (!db || !s)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	if (db_in_transaction(db))
		return kc_error_set(err, KC_ERR_INTERNAL,
			_("Internal error: a sync may not run inside a transaction"));
	if (db_is_read_only(db))
		return kc_error_set(err, KC_ERR_PERM, _("Read-only: changes are not allowed."));
	run_cfg(run);
	lock_open(run);
	return run_prepare(run, err);
}

/* Settings refused before asking anything (currency without a rate),
 * recorded as a failed run (account_id 0 = all accounts). */
static kc_status check_settings(struct run *run, int64_t account_id, kc_error *err)
{
	kc_status rc = import_setup(run->im, run->s, err);
	if (rc != KC_OK) {
		int64_t run_id = 0;
		kc_error e2 = KC_ERROR_INIT;
		if (run_begin(run, account_id, NULL, NULL, &run_id, &e2) == KC_OK) {
			run->rep->last_run_id = run_id;
			(void)run_end(run, run_id, "failed", kc_error_text(err), &e2);
		}
		kc_error_clear(&e2);
	}
	return rc;
}

kc_status sync_account(kc_db *db, const struct kc_settings *s, int64_t account_id,
	const char *from, const char *to, sync_progress_fn progress, void *progress_ctx,
	const volatile sig_atomic_t *stop, struct sync_report *report, kc_error *err)
{
	struct run run;
	struct sync_report local;
	kc_error local_err = KC_ERROR_INIT;
	if (!err)
		err = &local_err;
	bool go_on;
	struct acct a;
	kc_status rc = run_start(&run, db, s, progress, progress_ctx, stop, report, &local, err);
	/* the account first: a refused setting is then recorded on it */
	if (rc == KC_OK && (rc = acct_load(db, account_id, &a, err)) == KC_OK) {
		acct_clear(&a);
		run.accounts_total = 1;
		if ((rc = check_settings(&run, account_id, err)) == KC_OK)
			rc = sync_one(&run, account_id, from, to, &go_on, err);
		run.accounts_done = 1;
	}
	run_release(&run);
	kc_error_clear(&local_err);
	return rc;
}

/* Accounts still in service, or closed after their watermark. */
#define ACCOUNTS_WHERE \
	" FROM accounts a LEFT JOIN sync_watermarks w ON w.account_id = a.id" \
	" WHERE (a.status <> 'closed' OR w.synced_to IS NULL OR w.synced_to < a.closed_on)"

static kc_status page_ids(kc_db *db, int64_t after, int64_t *ids, size_t *n, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	*n = 0;
	kc_status rc = db_prepare(db, "SELECT a.id" ACCOUNTS_WHERE " AND a.id > ?1"
				      " ORDER BY a.id LIMIT ?2", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, ACCOUNT_PAGE);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < ACCOUNT_PAGE)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = db_fail(db, r, err);
	db_finalize(db, &st);
	return rc;
}

/* Every account of one page; per-account failures go to *first. */
static kc_status sync_page(struct run *run, const int64_t *ids, size_t n, const char *from,
	const char *to, kc_error *first, kc_error *err)
{
	kc_status rc = KC_OK;
	for (size_t i = 0; i < n && rc == KC_OK && !run->rep->stopped; i++) {
		if (run->stop && *run->stop) { /* before the next account's run row */
			run->rep->stopped = true;
			break;
		}
		bool go_on = false;
		rc = sync_one(run, ids[i], from, to, &go_on, err);
		run->accounts_done++;
		if (rc != KC_OK && go_on) {
			if (!first->message) {
				*first = *err;
				*err = (kc_error)KC_ERROR_INIT;
			}
			kc_error_clear(err);
			rc = KC_OK;
		}
	}
	return rc;
}

kc_status sync_all(kc_db *db, const struct kc_settings *s, const char *from, const char *to,
	sync_progress_fn progress, void *progress_ctx, const volatile sig_atomic_t *stop,
	struct sync_report *report, kc_error *err)
{
	struct run run;
	struct sync_report local;
	kc_error local_err = KC_ERROR_INIT, first = KC_ERROR_INIT;
	if (!err)
		err = &local_err;
	kc_status rc = run_start(&run, db, s, progress, progress_ctx, stop, report, &local, err);
	if (rc == KC_OK)
		rc = check_settings(&run, 0, err);
	if (rc == KC_OK)
		rc = db_query_int(db, "SELECT count(*)" ACCOUNTS_WHERE, &run.accounts_total, err);
	int64_t ids[ACCOUNT_PAGE];
	size_t n = 0;
	while (rc == KC_OK && !run.rep->stopped) {
		if ((rc = page_ids(db, n ? ids[n - 1] : 0, ids, &n, err)) != KC_OK || n == 0)
			break;
		rc = sync_page(&run, ids, n, from, to, &first, err);
	}
	if (rc == KC_OK && first.message) {
		kc_error_clear(err);
		*err = first;
		rc = err->code;
	} else {
		kc_error_clear(&first);
	}
	run_release(&run);
	kc_error_clear(&local_err);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Sync runs of an account.                                                */

void sync_runs_clear(struct sync_run_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].started_at);
		free(rows[i].finished_at);
		free(rows[i].staff);
		free(rows[i].window_from);
		free(rows[i].window_to);
		free(rows[i].status);
		free(rows[i].error);
		memset(&rows[i], 0, sizeof rows[i]);
	}
}

kc_status sync_runs_page(kc_db *db, int64_t account_id, int64_t before_id,
	struct sync_run_row *out, size_t max, size_t *n, kc_error *err)
{
	*n = 0;
	if (!db || !out)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	sqlite3_stmt *st = NULL;
	kc_status rc = db_prepare(db,
		"SELECT id, coalesce(account_id, 0), started_at, finished_at, staff, window_from,"
		" window_to, status, windows, calls_new, calls_unchanged, calls_changed,"
		" amount_units8, error FROM sync_runs"
		" WHERE account_id = ?1 AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3",
		&st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	int r;
	bool oom = false;
	while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct sync_run_row *row = &out[(*n)++];
		memset(row, 0, sizeof *row);
		row->id = sqlite3_column_int64(st, 0);
		row->account_id = sqlite3_column_int64(st, 1);
		row->started_at = col_dup(st, 2, &oom);
		row->finished_at = col_dup(st, 3, &oom);
		row->staff = col_dup(st, 4, &oom);
		row->window_from = col_dup(st, 5, &oom);
		row->window_to = col_dup(st, 6, &oom);
		row->status = col_dup(st, 7, &oom);
		row->windows = sqlite3_column_int64(st, 8);
		row->calls_new = sqlite3_column_int64(st, 9);
		row->calls_unchanged = sqlite3_column_int64(st, 10);
		row->calls_changed = sqlite3_column_int64(st, 11);
		row->amount_units8 = sqlite3_column_int64(st, 12);
		row->error = col_dup(st, 13, &oom);
	}
	if (*n == max)
		r = SQLITE_DONE;
	if (oom)
		rc = nomem(err);
	else if (r != SQLITE_DONE)
		rc = db_fail(db, r, err);
	db_finalize(db, &st);
	if (rc != KC_OK) {
		sync_runs_clear(out, *n);
		*n = 0;
	}
	return rc;
}

const char *sync_status_label(const char *status)
{
	if (!status)
		return "";
	if (strcmp(status, "running") == 0)
		return P_("sync", "running");
	if (strcmp(status, "ok") == 0)
		return P_("sync", "ok");
	if (strcmp(status, "failed") == 0)
		return P_("sync", "failed");
	if (strcmp(status, "stopped") == 0)
		return P_("sync", "stopped");
	return status;
}

/* ---------------------------------------------------------------------- */
/* Demo usage: made-up answers through the real parser and import.         */

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

static int64_t demo_below(struct demo_rng *r, int64_t n)
{
	return n > 0 ? (int64_t)(demo_next(r) % (uint64_t)n) : 0;
}

/* Destinations with their per-minute rate in 10^-8 CAD. */
static const struct demo_place {
	const char *description, *prefix, *type;
	int64_t rate_units8;
} demo_places[] = {
	{ "Canada - 514 Montreal", "1514", "OUT:CAN", 950000 },
	{ "Canada - 438 Montreal", "1438", "OUT:CAN", 950000 },
	{ "Canada - 418 Quebec", "1418", "OUT:CAN", 950000 },
	{ "Canada - 819 Sherbrooke", "1819", "OUT:CAN", 950000 },
	{ "Canada - 613 Ottawa", "1613", "OUT:CAN", 950000 },
	{ "Canada - 416 Toronto", "1416", "OUT:CAN", 950000 },
	{ "Canada - 604 Vancouver", "1604", "OUT:CAN", 950000 },
	{ "Toll Free - Canada", "1800", "OUT:TF", 0 },
	{ "USA - 212 New York", "1212", "OUT:USA", 1000000 },
	{ "USA - 305 Miami", "1305", "OUT:USA", 1000000 },
	{ "France - Paris", "3314", "OUT:INT", 2500000 },
	{ "Canada - Cellular", "1514", "OUT:CAN", 1250000 },
};

static const char *const demo_dispositions[] = {
	"ANSWERED", "ANSWERED", "ANSWERED", "ANSWERED", "ANSWERED", "ANSWERED",
	"ANSWERED", "ANSWERED", "ANSWERED", "ANSWERED", "ANSWERED", "ANSWERED",
	"ANSWERED", "ANSWERED", "ANSWERED", "NO ANSWER", "NO ANSWER", "BUSY", "BUSY", "FAILED",
};

#define DEMO_COUNT(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/* One call, as voip.ms writes a getResellerCDR row. */
static void demo_call(strbuf *sb, struct demo_rng *r, const char *client, kc_date day,
	int64_t day_number, int j, bool comma, int64_t second_of_day)
{
	bool inbound = demo_below(r, 100) < 35;
	const struct demo_place *pl = &demo_places[demo_below(r, DEMO_COUNT(demo_places))];
	const char *disp = demo_dispositions[demo_below(r, DEMO_COUNT(demo_dispositions))];
	bool answered = strcmp(disp, "ANSWERED") == 0;
	/* most calls are short, a few are long */
	int64_t seconds = !answered ? 0
			  : demo_below(r, 10) < 8 ? 5 + demo_below(r, 300)
						    : 300 + demo_below(r, 3300);
	int64_t rate = inbound ? 0 : pl->rate_units8;
	int64_t total = (rate * seconds + 59) / 60; /* per second, rounded up */
	unsigned number = (unsigned)demo_below(r, 10000);
	if (comma)
		strbuf_appendc(sb, ',');
	strbuf_appendf(sb,
		"{\"date\":\"%04d-%02d-%02d %02d:%02d:%02d\",", day.year, day.month, day.day,
		(int)(second_of_day / 3600), (int)(second_of_day / 60 % 60), (int)(second_of_day % 60));
	if (inbound)
		strbuf_appendf(sb,
			"\"callerid\":\"%s555%04u\",\"destination\":\"1514555%04u\","
			"\"description\":\"Inbound - Local Caller\",\"account\":\"271828\",",
			pl->prefix, number, (unsigned)(day_number % 10000));
	else
		strbuf_appendf(sb,
			"\"callerid\":\"\\\"KENO %s\\\" <5145550100>\",\"destination\":\"%s555%04u\","
			"\"description\":\"%s\",\"account\":\"271828_c%s\",",
			client, pl->prefix, number, pl->description, client);
	strbuf_appendf(sb,
		"\"disposition\":\"%s\",\"duration\":\"%02d:%02d:%02d\",\"seconds\":\"%d\","
		"\"rate\":\"%d.%08d\",\"total\":\"%d.%08d\",\"uniqueid\":\"%" PRId64 "\","
		"\"destination_type\":\"%s\",\"call_logs\":\"\"}",
		disp, (int)(seconds / 3600), (int)(seconds / 60 % 60), (int)(seconds % 60),
		(int)seconds, (int)(rate / CDR_UNITS8_PER_UNIT), (int)(rate % CDR_UNITS8_PER_UNIT),
		(int)(total / CDR_UNITS8_PER_UNIT), (int)(total % CDR_UNITS8_PER_UNIT),
		INT64_C(300000000) + day_number * 100 + j, inbound ? "IN:CAN" : pl->type);
}

/* The calls of one day: a few on business days, fewer on weekends. */
static void demo_day(strbuf *sb, struct demo_rng *r, const char *client, kc_date day,
	bool *first)
{
	int64_t dn = date_days_from_civil(day);
	int wd = date_weekday(day);
	int n = (int)(wd == 0 || wd == 6 ? demo_below(r, 3) : demo_below(r, 9));
	int64_t times[8];
	for (int j = 0; j < n; j++) /* office hours, roughly */
		times[j] = 8 * 3600 + demo_below(r, 10 * 3600);
	for (int j = 1; j < n; j++) /* in time order, like voip.ms */
		for (int k = j; k > 0 && times[k - 1] > times[k]; k--) {
			int64_t x = times[k];
			times[k] = times[k - 1];
			times[k - 1] = x;
		}
	for (int j = 0; j < n; j++) {
		demo_call(sb, r, client, day, dn, j, !*first, times[j]);
		*first = false;
	}
}

static kc_status demo_window(kc_db *db, int64_t account_id, int64_t run_id, const char *client,
	struct demo_rng *r, kc_date from, kc_date to, struct sync_report *counts, kc_error *err)
{
	strbuf sb = STRBUF_INIT;
	bool first = true;
	strbuf_append(&sb, "{\"status\":\"success\",\"cdr\":[");
	for (kc_date d = from; date_compare(d, to) <= 0; d = date_add_days(d, 1))
		demo_day(&sb, r, client, d, &first);
	strbuf_append(&sb, "]}");
	kc_status rc = strbuf_failed(&sb)
			       ? nomem(err)
			       : sync_import_answer(db, NULL, account_id, run_id, sb.buf, sb.len, counts,
					 err);
	strbuf_free(&sb);
	return rc;
}

/* The demo's sync_runs row, as a real sync leaves it (counts added at the
 * end by demo_finish). */
static kc_status demo_run_row(kc_db *db, int64_t account_id, const char *from, const char *to,
	int64_t *run_id, kc_error *err)
{
	sqlite3_stmt *st = NULL;
	char now[24];
	db_now_iso(now);
	kc_status rc = db_prepare(db,
		"INSERT INTO sync_runs (account_id, started_at, finished_at, staff, window_from,"
		" window_to, status) VALUES (?1, ?2, ?2, ?3, ?4, ?5, 'ok')", &st, err);
	if (rc != KC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, db_staff(db), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, to, -1, SQLITE_STATIC);
	rc = step_done(db, st, err);
	*run_id = sqlite3_last_insert_rowid(db_handle(db));
	db_finalize(db, &st);
	return rc;
}

/* Counts on the run row and the watermark. */
static kc_status demo_finish(kc_db *db, int64_t account_id, int64_t run_id, const char *to,
	const struct sync_report *c, kc_error *err)
{
	struct stmts st;
	struct import im = { .db = db, .st = &st, .account_id = account_id, .run_id = run_id,
		.w = *c };
	kc_status rc = stmts_prepare(db, &st, err);
	if (rc != KC_OK)
		return rc;
	rc = run_counts(&im, err);
	if (rc == KC_OK)
		rc = set_watermark(&im, to, err);
	stmts_finalize(db, &st);
	return rc;
}

kc_status sync_demo_usage(kc_db *db, int64_t account_id, uint64_t seed, kc_date first,
	kc_date last, kc_error *err)
{
	if (!db || !date_is_valid(first) || !date_is_valid(last) || date_compare(first, last) > 0)
		return kc_error_set(err, KC_ERR_INVALID, "%s", kc_status_text(KC_ERR_INVALID));
	char *client = NULL;
	struct demo_rng r = { seed };
	struct sync_report c = { 0 };
	char fb[DATE_BUFSZ], tb[DATE_BUFSZ];
	int64_t run_id = 0;
	date_format(first, fb);
	date_format(last, tb);
	kc_status rc = client_of(db, account_id, &client, err);
	if (rc == KC_OK)
		rc = db_begin_write(db, err);
	if (rc != KC_OK) {
		free(client);
		return rc;
	}
	rc = demo_run_row(db, account_id, fb, tb, &run_id, err);
	for (kc_date wf = first; rc == KC_OK && date_compare(wf, last) <= 0;) {
		kc_date wt = date_add_days(wf, SYNC_WINDOW_DAYS - 1);
		if (date_compare(wt, last) > 0)
			wt = last;
		rc = demo_window(db, account_id, run_id, client, &r, wf, wt, &c, err);
		c.windows++;
		wf = date_add_days(wt, 1);
	}
	if (rc == KC_OK)
		rc = demo_finish(db, account_id, run_id, tb, &c, err);
	if (rc == KC_OK)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	free(client);
	return rc;
}
