/*
 * sla.h: the support SLA: the response clock of a ticket (SLA-1..3, TKT-4)
 * and SLA credits (SLA-4..6).
 *
 * Contract
 *  - The clock is computed, never polled: a ticket stores received_at,
 *    response_due and responded_at (UTC instants); sla_clock_of() turns them
 *    and an instant `now` into a state.  A ticket is breached when it was
 *    answered after response_due, or is still unanswered and now is after
 *    response_due; the breach instant (the "incident", SLA-5) is then
 *    response_due itself.  Exactly at response_due is still on time.
 *  - TKT-4: a third-party ticket carries no SLA obligation.  Its
 *    response_due is still stored (the Standard deadline, so the queue can
 *    sort it) but its clock is SLA_CLOCK_NONE: never breached, shown as
 *    "no SLA", never grounds a credit.
 *  - Settings: every function taking a `const struct kc_settings *` reads
 *    the [sla] keys from it; NULL means the built-in defaults (business
 *    hours Monday-Friday 09:00-17:00, Good Friday, 10 %, $250, 30 days).
 *  - SLA credits (SLA-4): one request per breached ticket.  The amount is
 *    sla.credit_percent of the account's monthly support charge: the
 *    service_prices row in effect for the account's level on the office
 *    date of the breach (PRC-1).  The credits granted for incidents of one
 *    calendar month (office time) total at most sla.credit_monthly_cap per
 *    account: a request that would pass the cap is granted up to it (the
 *    reason says so) and the next ones are refused with the reason.
 *    SLA-5: a request made more than sla.credit_window_days days after the
 *    office date of the breach is refused.  Cap and window refusals are
 *    RECORDED (status "refused", reason kept; the ticket's one request is
 *    used); other refusals write nothing (KC_ERR_RULE: not breached,
 *    third-party, already requested, account closed (SLA-6)).
 *  - A granted credit is store credit (SLA-6, CRD-1): a store_credits row
 *    made with credit_add() (source "sla", issued today, expires two years
 *    later, CRD-3) in the same transaction, applied by billing on the next
 *    invoices.  It is pre-tax: never taxed, never paid out.
 *  - Decisions are immediate, so requests are "granted" or "refused";
 *    "pending" exists in the schema for requests waiting on a decision and
 *    sla_cancel_pending() cancels those at closure (SLA-6, TRM-6).
 *  - Writes: one write transaction (nesting in the caller's, see db.h) with
 *    the audit rows (entity "sla_credit", action "sla_credit.request" /
 *    "sla_credit.cancel"; credit.h audits the store credit).  Read-only
 *    databases refuse with KC_ERR_PERM.
 *  - Strings in result and row structs are heap copies owned by the struct:
 *    release with the matching *_clear function.
 */
#ifndef KC_SLA_H
#define KC_SLA_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "date.h"
#include "db.h"
#include "money.h"
#include "settings.h"

/* --- calendar from the settings ---------------------------------------- */

/* Calendar options built from [sla] settings; `extra` owns the copy of the
 * extra holidays that opts.extra_holidays points to. */
struct sla_calendar {
	struct calendar_options opts;
	kc_date *extra;
};
/* s NULL: calendar_default_options().  KC_ERR_NOMEM only. */
kc_status sla_calendar_init(struct sla_calendar *cal, const struct kc_settings *s, kc_error *err);
void sla_calendar_clear(struct sla_calendar *cal);

/* --- the response clock (SLA-1, SLA-3) --------------------------------- */

enum sla_clock {
	SLA_CLOCK_NONE,    /* third party (TKT-4): no obligation */
	SLA_CLOCK_RUNNING, /* no response yet, deadline ahead (or exactly now) */
	SLA_CLOCK_OVERDUE, /* no response yet, deadline passed: breached */
	SLA_CLOCK_MET,     /* first response on or before the deadline */
	SLA_CLOCK_MISSED   /* first response after the deadline: breached */
};

/* responded_at is ignored when responded is false. */
enum sla_clock sla_clock_of(const char *category, kc_instant response_due, bool responded,
	kc_instant responded_at, kc_instant now);
bool sla_clock_breached(enum sla_clock c);
/* Stable key: "none", "running", "overdue", "met", "missed". */
const char *sla_clock_key(enum sla_clock c);
/* Translated word for people ("no SLA", "running", "BREACHED", ...). */
const char *sla_clock_label(enum sla_clock c);
/* "2h05", "-0h40", "3d 4h" style text of seconds (negative = overdue),
 * into buf (SLA_LEFT_BUFSZ bytes); for the SLA-3 display. */
#define SLA_LEFT_BUFSZ 32
char *sla_format_left(int64_t seconds, char *buf);

/* --- SLA credits (SLA-4..6) --------------------------------------------- */

struct sla_credit_result {
	int64_t request_id;
	char *status;             /* "granted" | "refused" */
	bool partial;             /* granted but cut down to the monthly cap */
	kc_cents full_cents;      /* credit_percent of the monthly charge */
	kc_cents amount_cents;    /* granted (0 when refused) */
	int64_t store_credit_id;  /* 0 when refused */
	char *incident_month;     /* "YYYY-MM" of the breach (office time) */
	char *incident_date;      /* "YYYY-MM-DD" of the breach (office time) */
	char *reason;             /* translated; NULL when fully granted */
};
void sla_credit_result_clear(struct sla_credit_result *r);

/* ticket_number: the ticket's number.  requested_on: the office date the
 * customer asked ("YYYY-MM-DD"; NULL or "" = today); not in the future, not
 * before the breach.  On KC_OK the request was recorded and *out says how
 * (granted, partial or refused); on any error nothing is written. */
kc_status sla_credit_request(kc_db *db, const struct kc_settings *s, int64_t ticket_number,
	const char *requested_on, struct sla_credit_result *out, kc_error *err);

struct sla_credit_row {
	int64_t id;
	int64_t ticket_number;
	int64_t account_id;
	char *account_number;
	char *requested_on, *incident_month, *status, *reason, *created_by;
	kc_cents amount_cents;
	int64_t store_credit_id; /* 0: none */
};
void sla_credit_rows_clear(struct sla_credit_row *rows, size_t n);

/* Keyset page of requests, newest first: ids < before_id (0 = from the
 * newest); account_id 0 = every account.  Fills up to max rows. */
kc_status sla_credit_page(kc_db *db, int64_t account_id, int64_t before_id,
	struct sla_credit_row *rows, size_t max, size_t *n, kc_error *err);

/* SLA-6, TRM-6: cancels the account's pending requests (status
 * "cancelled", reason noted, audited).  For the closure of an account; call
 * it inside the closing transaction.  KC_OK when there was none. */
kc_status sla_cancel_pending(kc_db *db, int64_t account_id, kc_error *err);

#endif
