/*
 * ticket.h: support tickets (TKT-1..8): opening, replies and notes, states,
 * priority, assignment, time entries and the queue.
 *
 * Contract
 *  - Tickets are named by their number (gapless, from the "ticket"
 *    sequence), never by row id, in every function below.
 *  - Opening (ticket_add) stores requested_priority and the priority
 *    applied: TKT-2 Emergency and Urgent only on fully_administered
 *    accounts, otherwise Standard with a "downgrade" event; TKT-7 a
 *    maintenance request is Standard (same downgrade event).  response_due
 *    is calendar_sla_due() from received_at (SLA-1, SLA-2), stored.  A
 *    request received earlier (voicemail, email read later) counts from
 *    then.  Closed accounts cannot open tickets.
 *  - History (TKT-5): every change is a ticket_events row with the staff
 *    member (db_staff) and the instant it happened, plus an audit row
 *    (entity "ticket", the account id; actions ticket.create, ticket.reply,
 *    ticket.note, ticket.state, ticket.priority, ticket.assign, ticket.time),
 *    both in one write transaction with the change.
 *  - `at` arguments: when it happened, 0 = now (date_now()).  A reply given
 *    by phone may be recorded afterwards with its real time.  It may not be
 *    in the future nor before the ticket's latest event (history stays in
 *    time order, so the first reply in the history is the one that stopped
 *    the clock).  The "created" event is dated received_at.
 *  - States (TKT-5): new -> open; open -> waiting | resolved; waiting ->
 *    open; resolved -> open (reopen) | closed.  Anything else is refused
 *    (KC_ERR_RULE naming TKT-5).  A closed ticket accepts no change at all
 *    (open a new ticket).  A reply on a "new" ticket opens it.
 *  - The SLA clock (sla.h): the FIRST reply sets responded_at and stops it;
 *    notes never do.  Resolving a ticket that was never answered counts as
 *    its response (the resolution answers the request), so a ticket cannot
 *    become breached after it is resolved.
 *  - Priority change: recomputes response_due for the new priority counted
 *    from the change (an upgrade never moves the deadline later); TKT-2
 *    applies; refused once answered (the SLA outcome is settled) or once
 *    breached (the breach stays on record, SLA-4).
 *  - Time entries (TKT-8): minutes (1..1440) on an office date, billable or
 *    not; they wait with invoice_id NULL until the billing run puts them on
 *    the next invoice at billing.consulting_hourly_rate.  Default
 *    billability: consulting and third-party tickets yes (TKT-4 "may be
 *    billable"), the rest no (covered by the monthly support charge).
 *  - Updates are optimistic: expected_version 0 = do not check; otherwise a
 *    ticket changed since gives KC_ERR_CONFLICT and nothing is written.
 *  - Strings in the structs are heap copies owned by the struct; release
 *    with the matching *_clear / *_free.  Rule refusals (KC_ERR_RULE) name
 *    the rule.  Read-only databases refuse changes with KC_ERR_PERM.
 */
#ifndef KC_TICKET_H
#define KC_TICKET_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "db.h"
#include "settings.h"
#include "sla.h"

#define TICKET_SUBJECT_MAX 300     /* characters */
#define TICKET_TEXT_MAX 1000000    /* bytes of a reply or note */
#define TICKET_MINUTES_MAX (24 * 60)

/* --- words ------------------------------------------------------------ */

/* Keys are the stored values (never translated); labels are translated
 * words for people, or the key itself when unknown. */
bool ticket_priority_valid(const char *key);   /* emergency urgent standard */
bool ticket_state_valid(const char *key);      /* new open waiting resolved closed */
bool ticket_channel_valid(const char *key);    /* phone email portal alarm */
bool ticket_category_valid(const char *key);   /* support maintenance billing consulting third_party */
const char *ticket_priority_label(const char *key);
const char *ticket_state_label(const char *key);
const char *ticket_channel_label(const char *key);
const char *ticket_category_label(const char *key);
/* TKT-5: true when from -> to is an allowed transition. */
bool ticket_transition_allowed(const char *from, const char *to);

/* "12" or "#12" -> 12.  KC_ERR_INVALID otherwise. */
kc_status ticket_number_parse(const char *s, int64_t *out, kc_error *err);
/* Office local "YYYY-MM-DD HH:MM[:SS]" or ISO UTC "...Z" -> instant. */
kc_status ticket_instant_parse(const char *s, kc_instant *out, kc_error *err);

/* --- a ticket --------------------------------------------------------- */

struct ticket {
	int64_t id, number, account_id;
	char *account_number;      /* "K-000042" */
	char *account_level;       /* the account's level now */
	char *subject;
	char *requested_priority;  /* as the customer asked */
	char *priority;            /* applied (TKT-2, TKT-7) */
	char *channel, *category, *state;
	char *assigned_to;         /* NULL: unassigned */
	kc_instant received_at;    /* the SLA clock starts here */
	kc_instant response_due;
	bool responded;
	kc_instant responded_at;   /* valid when responded */
	bool has_window;           /* TKT-7 planned maintenance window */
	kc_instant window_start, window_end;
	char *created_at, *created_by, *updated_at, *updated_by;
	int64_t version;
};
void ticket_clear(struct ticket *t);

/* SLA state of t at now (sla.h). */
enum sla_clock ticket_clock(const struct ticket *t, kc_instant now);

struct ticket_new {
	int64_t account_id;
	const char *priority;      /* requested: emergency | urgent | standard */
	const char *subject;       /* one line, 1..300 characters */
	kc_instant received;       /* 0 = now; never in the future */
	const char *channel;       /* NULL = "phone" (TKT-3) */
	const char *category;      /* NULL = "support" */
	/* TKT-7: maintenance only, optional; both or neither, start < end. */
	kc_instant window_start, window_end;
};

/* Opens a ticket.  *out_number (may be NULL) gets its number;
 * *downgraded (may be NULL) is true when the priority was lowered. */
kc_status ticket_add(kc_db *db, const struct kc_settings *s, const struct ticket_new *in,
	int64_t *out_number, bool *downgraded, kc_error *err);

kc_status ticket_get(kc_db *db, int64_t number, struct ticket *out, kc_error *err);

/* text: the reply or note (multi-line, trimmed; 1..TICKET_TEXT_MAX bytes,
 * valid UTF-8).  *stopped_clock (may be NULL): this reply was the first. */
kc_status ticket_reply(kc_db *db, int64_t number, const char *text, kc_instant at,
	bool *stopped_clock, kc_error *err);
kc_status ticket_note(kc_db *db, int64_t number, const char *text, kc_instant at,
	kc_error *err);
kc_status ticket_set_state(kc_db *db, int64_t number, int64_t expected_version,
	const char *state, kc_instant at, kc_error *err);
/* username NULL or "": unassign.  Must be an active staff member. */
kc_status ticket_assign(kc_db *db, int64_t number, int64_t expected_version,
	const char *username, kc_instant at, kc_error *err);
kc_status ticket_set_priority(kc_db *db, const struct kc_settings *s, int64_t number,
	int64_t expected_version, const char *priority, kc_instant at, kc_error *err);

enum ticket_billable { TICKET_BILLABLE_DEFAULT, TICKET_BILLABLE_YES, TICKET_BILLABLE_NO };
/* worked_on: office date "YYYY-MM-DD", NULL or "" = today; not in the
 * future nor before the day the request was received. */
kc_status ticket_log_time(kc_db *db, int64_t number, int minutes, const char *worked_on,
	const char *description, enum ticket_billable billable, int64_t *out_id, kc_error *err);

/* --- history ----------------------------------------------------------- */

struct ticket_event {
	int64_t id;
	kc_instant at;
	char *staff, *kind, *body, *old_value, *new_value; /* old/new may be NULL */
};
/* All events of the ticket in time order; *out is a new array (NULL when
 * there are none) freed with ticket_events_free. */
kc_status ticket_events(kc_db *db, int64_t ticket_id, struct ticket_event **out, size_t *n,
	kc_error *err);
void ticket_events_free(struct ticket_event **ev, size_t n);
/* Translated word for an event kind ("reply", "internal note", ...). */
const char *ticket_event_label(const char *kind);

struct ticket_time {
	int64_t id;
	char *staff, *worked_on, *description;
	int minutes;
	bool billable;
	int64_t invoice_id; /* 0: not invoiced yet */
};
kc_status ticket_times(kc_db *db, int64_t ticket_id, struct ticket_time **out, size_t *n,
	kc_error *err);
void ticket_times_free(struct ticket_time **tt, size_t n);

/* --- the queue (TKT-6, SLA-3) ----------------------------------------- */

/*
 * Queue order, computed from stored instants against q->as_of:
 *   rank 0  awaiting the first response, deadline passed (breached), unassigned
 *   rank 1  the same, assigned
 *   rank 2  awaiting the first response, deadline ahead, unassigned
 *   rank 3  the same, assigned
 *   rank 4  clock stopped (answered) or no SLA (third party), unassigned
 *   rank 5  the same, assigned
 * then response_due (the SLA deadline, earliest first), then number.
 * Within the running clocks this is "least time left first"; breached
 * tickets come first and unassigned before assigned (TKT-6).  The caller
 * fixes as_of for a whole paging session so pages never overlap.
 */
struct ticket_query {
	const char *assigned_to;  /* exact staff user name, or NULL */
	bool unassigned;          /* only unassigned tickets */
	const char *priority;     /* NULL = any */
	const char *state;        /* NULL = the open states (new, open, waiting);
				     "all" = every state */
	int64_t account_id;       /* 0 = every account */
	kc_instant as_of;         /* 0 = date_now() */
};

struct ticket_cursor {
	bool have;                /* false: before the first row */
	int rank;
	kc_instant due;
	int64_t number;
};
/* Position of row t in q's order (for the next page). */
void ticket_cursor_set(struct ticket_cursor *c, const struct ticket_query *q,
	const struct ticket *t);
/* The row's rank (above) in q's order. */
int ticket_queue_rank(const struct ticket *t, kc_instant as_of);

/* Up to max tickets strictly after (forward) or before (backward) the
 * cursor, always in queue order.  rows are overwritten (not freed); the
 * caller clears each of the *n filled rows with ticket_clear. */
kc_status ticket_page(kc_db *db, const struct ticket_query *q, const struct ticket_cursor *from,
	bool backward, struct ticket *rows, size_t max, size_t *n, kc_error *err);
kc_status ticket_count(kc_db *db, const struct ticket_query *q, int64_t *n, kc_error *err);

/* --- demo data ----------------------------------------------------------- */

/* Gives one account a few tickets (demo.c's "tickets" step): every
 * priority, state and channel across accounts, some answered late
 * (breached) and some with SLA credit requests.  Works only through the
 * functions above; seed drives the choices; index picks the main scenario
 * so consecutive accounts cover them all.  Pending and closed accounts get
 * none.  Times are in the weeks before date_now(). */
kc_status ticket_demo_account(kc_db *db, uint64_t seed, int64_t account_id, int64_t index,
	kc_error *err);

#endif
