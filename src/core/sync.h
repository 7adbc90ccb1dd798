/*
 * sync.h: voip.ms usage into the database (getResellerCDR -> usage_records),
 * idempotent, one whole window at a time.
 *
 * Contract
 *  - What: for one account (sync_account) or every account still in service
 *    (sync_all: not closed, or closed after its watermark), the calls of its
 *    voip.ms reseller client (accounts.voipms_client) between two voip.ms
 *    calendar dates, both inclusive.  Default period: from the account's
 *    watermark (sync_watermarks) minus one day of overlap, else from its
 *    welcome call, else from its signature date; to today (office date).
 *    The period is cut into windows of at most SYNC_WINDOW_DAYS days, asked
 *    one request at a time, oldest first.
 *  - Each window is ONE write transaction, begun only once the whole answer
 *    has arrived and been checked (no transaction is held across the
 *    network): every call upserted by (client, uniqueid): new -> inserted;
 *    same cost -> unchanged, nothing written; another cost, not invoiced ->
 *    the row is updated; another cost, invoiced -> the row never changes and
 *    a usage_adjustments row holds the difference between the new cost and
 *    the cost already billed (row + earlier adjustments), for the next
 *    invoice.  The same transaction moves the watermark forward (never
 *    back) and adds the window's counts to the sync_runs row.  A failure or
 *    a kill therefore leaves whole windows only, and a rerun completes the
 *    period without duplicates.
 *  - Every attempt is one sync_runs row per account (staff = db_staff(),
 *    the period asked, counts, status ok | failed | stopped, and the error
 *    message), written in its own short transactions.  A refused
 *    configuration is recorded too (for sync_all, as one row without an
 *    account).  A failed window writes nothing else: no usage, invoice or
 *    balance changes.  A run killed outright stays "running" until the
 *    next sync of the same account: that sync marks it failed with an
 *    "Interrupted: ..." message, but only when its owner is gone.  The
 *    owner is known by a lock the running process holds on the file
 *    "<database>-synclock" (created beside the database with its
 *    permissions; the kernel drops the lock when the process dies, so no
 *    clock or pid is involved).  Without that file (cannot be created or
 *    opened) no row is marked: a live run is never shown as interrupted.
 *  - Dates: voip.ms writes `date` as wall-clock time; with the timezone
 *    parameter T sent ([voipms] timezone, -5 by default) it is the
 *    America/Toronto wall clock shifted by (T + 5) hours (spec voipms-api.md,
 *    "Time").  It is stored as a UTC instant.  The conversion briefly
 *    installs America/Toronto as the process zone (date.h has one zone per
 *    process) and restores the office zone before returning.
 *  - Currency: when [voipms] currency is not CAD, [voipms] conversion_rate
 *    (CAD per unit) is required, else the sync is refused (KC_ERR_INVALID,
 *    recorded); each cost is converted exactly with one rounding (half away
 *    from zero) to 10^-8 CAD, and the row keeps the currency and the rate as
 *    an exact decimal text (PAY-2).
 *  - Stop: *stop (may be NULL; a signal handler may set it) is read before
 *    each window and each account.  When non-zero, the sync ends there: the
 *    run is recorded "stopped", report->stopped is set and the result is
 *    KC_OK (the windows done are kept).
 *  - Errors: KC_ERR_NET (voip.ms failure; report->failure says which kind,
 *    the message names the cause and the account, never the password, the
 *    user name or the url), KC_ERR_INVALID (bad dates, unknown client id,
 *    refused currency), KC_ERR_NOT_FOUND (no such account), KC_ERR_PERM
 *    (read-only), KC_ERR_BUSY, KC_ERR_DB, KC_ERR_NOMEM.  sync_all stops at
 *    the first failure that concerns every account (credentials, IP, rate
 *    limit, voip.ms down, network); a failure of one account (unknown
 *    client, bad answer) is recorded and the others go on; the first error
 *    is returned.
 *  - Never prints.  Pointers passed in stay owned by the caller.
 */
#ifndef KC_SYNC_H
#define KC_SYNC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "db.h"
#include "money.h"
#include "settings.h"
#include "voipms.h"

#define SYNC_WINDOW_DAYS 31
/* The zone voip.ms keeps its CDR dates in (spec voipms-api.md, "Time"). */
#define SYNC_VOIPMS_ZONE "America/Toronto"

/* What a sync did (all accounts summed). */
struct sync_report {
	int64_t accounts;         /* accounts attempted */
	int64_t accounts_failed;
	int64_t windows;          /* windows committed */
	int64_t calls_new, calls_unchanged, calls_changed; /* changed includes adjustments */
	int64_t adjustments;      /* invoiced calls re-rated (usage_adjustments rows) */
	kc_units8 amount_units8;  /* new calls' cost + re-rating differences, CAD */
	bool stopped;             /* *stop was seen */
	enum voipms_failure failure; /* kind of the first voip.ms failure */
	int64_t last_run_id;      /* sync_runs id of the last account attempted */
};

struct sync_progress {
	int64_t accounts_done, accounts_total;
	int64_t calls;              /* calls read so far (new + unchanged + changed) */
	int64_t windows;            /* windows committed so far */
	const char *account_number; /* the account in progress ("K-000001") */
	const char *window_from, *window_to; /* the window in progress */
};
/* Called after each window and every few thousand calls; p is valid
 * during the call only. */
typedef void (*sync_progress_fn)(void *ctx, const struct sync_progress *p);

/* from/to: "YYYY-MM-DD" or NULL for the defaults above.  report may be NULL
 * (it is zeroed first otherwise). */
kc_status sync_account(kc_db *db, const struct kc_settings *s, int64_t account_id,
	const char *from, const char *to, sync_progress_fn progress, void *progress_ctx,
	const volatile sig_atomic_t *stop, struct sync_report *report, kc_error *err);

kc_status sync_all(kc_db *db, const struct kc_settings *s, const char *from, const char *to,
	sync_progress_fn progress, void *progress_ctx, const volatile sig_atomic_t *stop,
	struct sync_report *report, kc_error *err);

/*
 * Imports one getResellerCDR answer (the JSON text body[0..len)) for an
 * account, through the same parser (cdr_parse_answer) and upsert as a sync,
 * inside ONE write transaction (nested in the caller's if there is one).
 * s may be NULL (timezone -5, CAD).  run_id: the sync_runs row to stamp on
 * the rows (0 = none).  counts (may be NULL) gets what was done added to
 * it.  Used by the demo data and the tests; no network.
 */
kc_status sync_import_answer(kc_db *db, const struct kc_settings *s, int64_t account_id,
	int64_t run_id, const char *body, size_t len, struct sync_report *counts, kc_error *err);

/*
 * Demo data: made-up but realistic calls of one account for the days
 * first..last (a few per day, more on business days), generated from seed
 * (same seed, same calls), written as getResellerCDR answers of at most
 * SYNC_WINDOW_DAYS days and imported with sync_import_answer(), with a
 * sync_runs row (status ok) and the watermark, like a real sync.  Joins the
 * caller's write transaction if there is one.
 */
kc_status sync_demo_usage(kc_db *db, int64_t account_id, uint64_t seed, kc_date first,
	kc_date last, kc_error *err);

/* One sync_runs row; strings owned by the row (sync_runs_clear). */
struct sync_run_row {
	int64_t id, account_id;  /* account_id 0: a run over all accounts */
	char *started_at, *finished_at; /* UTC instants; finished_at NULL while running */
	char *staff;
	char *window_from, *window_to;  /* may be NULL */
	char *status;            /* running | ok | failed | stopped */
	int64_t windows, calls_new, calls_unchanged, calls_changed;
	kc_units8 amount_units8;
	char *error;             /* NULL unless failed */
};
void sync_runs_clear(struct sync_run_row *rows, size_t n);

/* The sync runs of an account, newest first, keyset paged: rows with
 * id < before_id (0 = from the newest).  Up to max rows in out (the caller
 * clears them); on error *n is 0 and nothing is left to free. */
kc_status sync_runs_page(kc_db *db, int64_t account_id, int64_t before_id,
	struct sync_run_row *out, size_t max, size_t *n, kc_error *err);

/* Translated word for a run status ("ok", "failed", ...); s if unknown. */
const char *sync_status_label(const char *status);

#endif
