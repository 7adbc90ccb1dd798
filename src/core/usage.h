/*
 * usage.h: reading an account's voip.ms usage (usage_records, written by
 * sync.h) for the account usage view and the usage commands.
 *
 * Contract
 *  - Read only; every function may run inside the caller's read
 *    transaction (one snapshot over several pages).
 *  - Dates given are office dates "YYYY-MM-DD" (from and to both inclusive;
 *    NULL = unbounded); a call belongs to the office day of its UTC instant
 *    (office midnight = date_from_local, as billing does).  A date that does
 *    not parse is KC_ERR_INVALID naming it.
 *  - Money is exact: kc_units8 (10^-8 CAD) as stored, never rounded here.
 *  - Strings in struct usage_row are heap copies owned by the row
 *    (usage_rows_clear); on error *n is 0 and nothing is left to free.
 *  - Errors: KC_ERR_INVALID (bad date or argument), KC_ERR_DB, KC_ERR_BUSY,
 *    KC_ERR_NOMEM.  An account without usage is KC_OK with nothing.
 */
#ifndef KC_USAGE_H
#define KC_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "db.h"
#include "money.h"

struct usage_row {
	int64_t id, account_id;
	char *client, *uniqueid;
	char *started_at;          /* UTC instant "YYYY-MM-DDTHH:MM:SSZ" */
	int64_t seconds;
	kc_units8 cost_units8;     /* CAD */
	char *destination, *callerid, *description, *disposition;
	char *currency;            /* as billed by voip.ms ("CAD") */
	char *rate;                /* conversion rate text, NULL when CAD */
	int64_t invoice_id;        /* 0 while pending */
	int64_t invoice_number;    /* 0 while pending */
	kc_units8 adjusted_units8; /* re-rating differences recorded after invoicing */
};
void usage_rows_clear(struct usage_row *rows, size_t n);

/* A position in an account's usage, in (started_at, id) order. */
struct usage_cursor {
	bool have; /* false: before the first (forward) / after the last (backward) */
	char started_at[DATE_INSTANT_BUFSZ];
	int64_t id;
};
void usage_cursor_set(struct usage_cursor *c, const struct usage_row *row);

/*
 * Up to max calls of the account in time order (oldest first) strictly
 * after the cursor (forward) or strictly before it (backward; the page still
 * comes back oldest first).  cursor may be NULL (= empty).
 */
kc_status usage_page(kc_db *db, int64_t account_id, const char *from, const char *to,
	const struct usage_cursor *cursor, bool backward, struct usage_row *rows, size_t max,
	size_t *n, kc_error *err);

/* One billing cycle's usage (BIL-1 cycles from the welcome call). */
struct usage_cycle {
	int index;                   /* n >= 0: from the n-th bill date; -1: before the
				      * welcome call (or no welcome call yet) */
	char from[DATE_BUFSZ];       /* first office day; "" when unbounded (index -1) */
	char to[DATE_BUFSZ];         /* last office day (inclusive); "" when unbounded */
	int64_t calls, seconds;
	kc_units8 cost_units8;
	int64_t calls_invoiced, calls_pending;
	kc_units8 invoiced_units8, pending_units8;
};

/*
 * The account's cycles, newest first, for the usage view: the cycle holding
 * `today` (NULL = date_today_local()) and those before it, down to cycle 0,
 * then the index -1 bucket when it holds calls (or is the only one, for an
 * account without a welcome call).  Keyset paged on the index: only cycles
 * with index < before_index (use USAGE_CYCLES_NEWEST for the first page).
 * Cycles without calls are listed too (zeros).
 */
#define USAGE_CYCLES_NEWEST INT32_MAX
kc_status usage_cycles(kc_db *db, int64_t account_id, enum cycle_kind kind, const char *today,
	int before_index, struct usage_cycle *out, size_t max, size_t *n, kc_error *err);

/* Usage not invoiced yet: calls and their exact cost, and re-rating
 * adjustments waiting for the next invoice. */
struct usage_pending {
	int64_t calls;
	kc_units8 usage_units8;
	int64_t adjustments;
	kc_units8 adjustments_units8;
};
kc_status usage_pending_total(kc_db *db, int64_t account_id, struct usage_pending *out,
	kc_error *err);

/* Every call of the account (invoiced or not): count, seconds, exact cost
 * and adjustments; for checks and tests ("two syncs, same totals"). */
struct usage_totals {
	int64_t calls, seconds;
	kc_units8 cost_units8;
	kc_units8 adjustments_units8;
};
kc_status usage_totals(kc_db *db, int64_t account_id, struct usage_totals *out, kc_error *err);

#endif
