/*
 * termination.h: termination requests and the closing workflow (TRM-1..8),
 * with the forfeits that closure brings (CRD-3, SLA-6, PRC-2) and closure
 * by Kenotronix (ACC-10).
 *
 * Contract
 *  - A request (termination_request) comes from a named person.  TRM-1:
 *    only the account holder may ask (names compared trimmed, spaces
 *    collapsed, case-insensitive, accent-sensitive: "JOSÉE roy" = "Josée
 *    Roy" but not "Josee Roy").  Anyone else's request is REFUSED AND
 *    RECORDED: a row in state "refused" and its audit row are committed,
 *    *out_id gets the refused row, and the function returns KC_ERR_RULE
 *    naming TRM-1.
 *  - Workflow of a termination, one step per call, each step one write
 *    transaction holding the change and its audit row (entity
 *    "termination", actions "termination.<step>"):
 *      requested -> approved | denied (TRM-2: the staff decision; "deny"
 *        is for an expedite request only and means "not expedited": the
 *        holder's termination then goes on at the normal pace)
 *      -> scheduled (date) -> service_ended (date)
 *      -> final_invoiced (TRM-6: the final invoice issued by billing and
 *         linked, see termination_final_invoice())
 *      -> [transfer_requested (TRM-4: written request; due 10 business days
 *          later) -> checklist (TRM-5: 5 steps, each ticked with who and
 *          when) -> checklist_done -> transferred (date; late when after
 *          the due date)]
 *      -> closed (TRM-7: the account closed for "holder_request", store
 *         credit forfeited (CRD-3), pending SLA credit requests cancelled
 *         (SLA-6), active coupons void (PRC-2), the balance owed recorded;
 *         all in ONE transaction; nothing deleted).
 *    The transfer is optional (only on the customer's written request):
 *    closure follows final_invoiced or transferred, never a transfer in
 *    progress.  A separation-only request (TRM-3) skips schedule, service
 *    end, final invoice and closure: requested -> approved|denied ->
 *    transfer_requested -> checklist -> transferred, and the account stays
 *    open (commitments and unpaid balances still apply).
 *  - A step asked out of order is refused with KC_ERR_RULE naming the rule
 *    and the request's current state; nothing is written.
 *  - Optimistic: each step takes the version the caller read (0 = do not
 *    check); a row changed since is KC_ERR_CONFLICT naming who and when.
 *  - An unpaid balance never blocks a request or a step (TRM-6: the
 *    customer owes it); closure records it and reports it.
 *  - Dates are office dates "YYYY-MM-DD"; NULL or "" means today
 *    (date_today_local()).  Dates of things that happened (request,
 *    service end, transfer request, transfer) cannot be in the future nor
 *    before the previous step.
 *  - Read-only database: every change is KC_ERR_PERM.  A call made inside
 *    the caller's write transaction joins it (db.h nesting).
 *  - Strings in the structs are heap copies owned by the struct; release
 *    with termination_clear() / termination_rows_clear().  Functions that
 *    fill a struct overwrite it: pass a zeroed or cleared one.
 *  - Errors: KC_ERR_INVALID (bad input), KC_ERR_NOT_FOUND (no such request
 *    or account), KC_ERR_RULE (an agreement rule, named in the message),
 *    KC_ERR_CONFLICT, KC_ERR_PERM, KC_ERR_DB, KC_ERR_NOMEM.
 */
#ifndef KC_TERMINATION_H
#define KC_TERMINATION_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "date.h"
#include "db.h"
#include "money.h"

/* TRM-4: the transfer is due this many business days after the request. */
#define TERMINATION_TRANSFER_BUSINESS_DAYS 10

enum termination_state {
	TERMINATION_REFUSED = 0,
	TERMINATION_REQUESTED,
	TERMINATION_DENIED,
	TERMINATION_APPROVED,
	TERMINATION_SCHEDULED,
	TERMINATION_SERVICE_ENDED,
	TERMINATION_FINAL_INVOICED,
	TERMINATION_TRANSFER_REQUESTED,
	TERMINATION_CHECKLIST_DONE,
	TERMINATION_TRANSFERRED,
	TERMINATION_CLOSED
};
#define TERMINATION_STATE_COUNT (TERMINATION_CLOSED + 1)

/* Stable key as stored ("service_ended"); static, not translated. */
const char *termination_state_key(enum termination_state s);
/* Translated display word ("service ended"). */
const char *termination_state_label(enum termination_state s);
/* Accepts the stored keys; false (and *out untouched) otherwise. */
bool termination_state_parse(const char *s, enum termination_state *out);

/* TRM-5 checklist steps, in the order they are shown. */
enum termination_check {
	TERMINATION_CHECK_ACCOUNTS = 0,   /* remove_accounts */
	TERMINATION_CHECK_GROUPS,         /* remove_groups */
	TERMINATION_CHECK_ROLES,          /* remove_roles */
	TERMINATION_CHECK_FEDERATIONS,    /* remove_federations */
	TERMINATION_CHECK_CREDENTIALS     /* transfer_credentials */
};
#define TERMINATION_CHECK_COUNT (TERMINATION_CHECK_CREDENTIALS + 1)

const char *termination_check_key(enum termination_check c);
const char *termination_check_label(enum termination_check c);
/* Accepts the keys, also with '-' for '_' ("remove-roles"), any case. */
bool termination_check_parse(const char *s, enum termination_check *out);

/* --- one request --------------------------------------------------------- */

struct termination_check_item {
	bool done;
	char *done_by, *done_at; /* NULL until ticked; done_at is an ISO instant */
};

struct termination {
	int64_t id, account_id;
	char *account_number, *holder, *account_status;
	char *requested_by;
	bool from_holder;
	char *channel;                   /* "portal" | "written" */
	char *requested_on;
	bool expedite, separation_only;
	enum termination_state state;
	enum termination_decision {
		TERMINATION_UNDECIDED = 0,
		TERMINATION_DECISION_APPROVED,
		TERMINATION_DECISION_DENIED  /* TRM-2: expedite denied */
	} decision;                      /* kept after the state moves on */
	char *decision_note;             /* "" when none */
	char *scheduled_on, *service_ended_on; /* NULL until set */
	int64_t final_invoice_id;        /* 0 when none */
	int64_t final_invoice_number;    /* 0 when none */
	char *final_invoice_kind;        /* "final", "regular", "first" or NULL */
	char *transfer_requested_on, *transfer_due, *transferred_on, *closed_on;
	bool late;                       /* TRM-4, see termination_is_late() */
	bool has_balance_at_closure;
	kc_cents balance_at_closure;     /* valid when has_balance_at_closure */
	kc_cents balance;                /* at closure once closed, else the account's now */
	struct termination_check_item checklist[TERMINATION_CHECK_COUNT];
	int checks_done;
	char *created_by, *updated_at, *updated_by;
	int64_t version;
};
void termination_clear(struct termination *t);

/* TRM-4 late flag: transferred after transfer_due, or not transferred and
 * `today` ("YYYY-MM-DD"; NULL = today) is after transfer_due.  False when
 * no transfer was requested. */
bool termination_is_late(const char *transfer_due, const char *transferred_on,
	const char *today);

kc_status termination_get(kc_db *db, int64_t id, struct termination *out, kc_error *err);
/* Resolves "12" or "#12" to a request id that exists. */
kc_status termination_resolve(kc_db *db, const char *ref, int64_t *id, kc_error *err);

/* --- the request (TRM-1, TRM-3) ------------------------------------------ */

struct termination_request_args {
	int64_t account_id;
	const char *requested_by; /* the person asking, as they signed */
	const char *channel;      /* "portal" | "written"; NULL = "written" for an
				     expedite or separation-only request, else "portal" */
	bool expedite;            /* TRM-2: must be in writing */
	bool separation_only;     /* TRM-3: must be in writing */
	const char *date;         /* requested on; NULL = today */
};

/* Records a request.  KC_OK: *out_id = the new request (state requested).
 * KC_ERR_RULE for TRM-1 with *out_id = the refused row (committed).  Other
 * refusals (closed account, a request already open, TRM-2/TRM-3 channel;
 * all checked after TRM-1, so a non-holder's request is always recorded)
 * write nothing and leave *out_id 0.  out_id may be NULL. */
kc_status termination_request(kc_db *db, const struct termination_request_args *args,
	int64_t *out_id, kc_error *err);

/* --- the steps ----------------------------------------------------------- */

/* TRM-2: the staff decision on a request; note may be NULL. */
kc_status termination_approve(kc_db *db, int64_t id, int64_t expected_version,
	const char *note, kc_error *err);
kc_status termination_deny(kc_db *db, int64_t id, int64_t expected_version,
	const char *note, kc_error *err);

/* The planned end of service (required; not before the request date). */
kc_status termination_schedule(kc_db *db, int64_t id, int64_t expected_version,
	const char *date, kc_error *err);
kc_status termination_end_service(kc_db *db, int64_t id, int64_t expected_version,
	const char *date, kc_error *err);

/* What the TRM-6 step found. */
struct termination_final {
	int64_t invoice_id, invoice_number; /* 0 when the account has no invoice */
	bool issued;         /* a final invoice was issued by this step */
	bool is_final;       /* the linked invoice is of kind "final" */
	bool usage_synced;   /* usage synced through the service end date */
	char synced_to[DATE_BUFSZ]; /* the account's sync watermark, "" if never */
	kc_cents invoice_total; /* the linked invoice's total */
};

struct billing_options; /* billing.h */

/*
 * TRM-6: issues and links the final invoice, in the step's transaction.
 *  - The account's invoice of kind "final", when there is one already,
 *    is linked (out->issued false), whatever the sync says.
 *  - Else, when the account's usage sync stopped before the end of
 *    service (a watermark older than service_ended_on), the step is
 *    refused (KC_ERR_RULE naming TRM-6; nothing written): a final invoice
 *    issued now would miss that usage for good.  Never synced: no usage
 *    to wait for; out->usage_synced is false and the caller warns.
 *  - Else billing_issue_final() (billing.h) bills what is left (usage to
 *    the end of service, adjustments, consulting time, fees) on a new
 *    final invoice (out->issued, out->is_final).  Nothing left to bill:
 *    no invoice is issued and the account's newest invoice is linked
 *    (out->is_final false), or none when it has no invoice.
 *  - opt: the [billing] options (tax numbers, rates); NULL = the built-in
 *    defaults (billing_options_default), which front ends should not rely
 *    on: pass billing_options_from_settings().  out may be NULL.
 */
kc_status termination_final_invoice_with(kc_db *db, int64_t id, int64_t expected_version,
	const struct billing_options *opt, struct termination_final *out, kc_error *err);
/* The same with opt NULL (demo data, tests). */
kc_status termination_final_invoice(kc_db *db, int64_t id, int64_t expected_version,
	struct termination_final *out, kc_error *err);

/* TRM-4: the customer's written transfer request; transfer_due = date + 10
 * business days of cal (NULL = calendar_default_options()). */
kc_status termination_transfer_request(kc_db *db, int64_t id, int64_t expected_version,
	const char *date, const struct calendar_options *cal, kc_error *err);
/* TRM-5: ticks one step (who = db_staff, when = now); the fifth tick moves
 * the request to checklist_done.  A step already ticked is KC_ERR_INVALID
 * naming who ticked it and when. */
kc_status termination_check(kc_db *db, int64_t id, int64_t expected_version,
	enum termination_check step, kc_error *err);
/* The transfer happened on date; *late (may be NULL) says TRM-4 was missed. */
kc_status termination_transferred(kc_db *db, int64_t id, int64_t expected_version,
	const char *date, bool *late, kc_error *err);

/* What closure did (TRM-7, CRD-3, SLA-6, PRC-2). */
struct termination_closure {
	kc_cents balance_owed;      /* the account's balance at closure (> 0: owed) */
	int64_t credits_forfeited;  /* store credits forfeited */
	kc_cents credit_forfeited;  /* their remaining amount */
	int64_t sla_cancelled;      /* pending SLA credit requests cancelled */
	int64_t coupons_voided;
};

/* TRM-7: closes the account at the holder's request; out may be NULL. */
kc_status termination_close(kc_db *db, int64_t id, int64_t expected_version,
	struct termination_closure *out, kc_error *err);

/*
 * ACC-10: closure by Kenotronix = account_close() (reason law,
 * terms_violation, insolvency, harm or complaints; optionally barred from
 * reopening) plus the same forfeits as TRM-7, in one transaction.  Front
 * ends use this instead of account_close().  expected_version is the
 * account's.  out may be NULL.
 */
kc_status termination_close_by_kenotronix(kc_db *db, int64_t account_id,
	int64_t expected_version, const char *reason, bool bar_reopening,
	struct termination_closure *out, kc_error *err);

/* --- lists ---------------------------------------------------------------- */

/* "open": every request not refused, not closed and not a finished
 * separation; NULL: all; else one state key. */
struct termination_query {
	const char *state;
	int64_t account_id; /* 0 = all accounts */
	const char *today;  /* late reckoning; NULL = today */
};

struct termination_row {
	int64_t id, account_id;
	char *account_number, *holder, *requested_by;
	char requested_on[DATE_BUFSZ];
	enum termination_state state;
	bool from_holder, expedite, separation_only;
	char scheduled_on[DATE_BUFSZ];   /* "" when none */
	char transfer_due[DATE_BUFSZ];   /* "" when none */
	char transferred_on[DATE_BUFSZ]; /* "" when none */
	bool late;
	int checks_done;
	kc_cents balance;                /* at closure once closed, else now */
	int64_t version;
};
void termination_rows_clear(struct termination_row *rows, size_t n);

/* Keyset position (requested_on, id); have=false = from the start. */
struct termination_cursor {
	bool have;
	char requested_on[DATE_BUFSZ];
	int64_t id;
};
void termination_cursor_set(struct termination_cursor *c, const struct termination_row *row);

/* Up to max rows after the cursor in (requested_on, id) order. */
kc_status termination_page(kc_db *db, const struct termination_query *q,
	const struct termination_cursor *after, struct termination_row *rows, size_t max,
	size_t *n, kc_error *err);

/* For every pane: the account's open request, if any ("termination
 * pending").  out->id = 0 when none. */
struct termination_pending {
	int64_t id;
	enum termination_state state;
	bool separation_only, expedite, late;
	char service_ended_on[DATE_BUFSZ]; /* "" until the service ended (BIL-8) */
	char transfer_due[DATE_BUFSZ];     /* "" when none */
};
kc_status termination_pending_for_account(kc_db *db, int64_t account_id,
	struct termination_pending *out, kc_error *err);

/* --- demo data ----------------------------------------------------------- */

/* Stages termination_demo() can leave an account's request in. */
enum termination_demo_stage {
	TERMINATION_DEMO_REFUSED = 0,      /* TRM-1: a non-holder's request, recorded */
	TERMINATION_DEMO_EXPEDITE_ASKED,   /* TRM-2: waiting for the decision */
	TERMINATION_DEMO_APPROVED,
	TERMINATION_DEMO_DENIED_SCHEDULED, /* expedite denied, normal pace */
	TERMINATION_DEMO_SERVICE_ENDED,
	TERMINATION_DEMO_FINAL_INVOICED,
	TERMINATION_DEMO_TRANSFER_ON_TIME, /* requested 3 days ago */
	TERMINATION_DEMO_TRANSFER_OVERDUE, /* due date passed, not transferred */
	TERMINATION_DEMO_CHECKLIST_PART,   /* 3 of the 5 steps ticked */
	TERMINATION_DEMO_TRANSFERRED_LATE, /* TRM-4 flagged */
	TERMINATION_DEMO_CLOSED_TRANSFERRED,
	TERMINATION_DEMO_CLOSED,           /* no transfer asked */
	TERMINATION_DEMO_SEPARATED         /* TRM-3, the account stays open */
};
#define TERMINATION_DEMO_STAGES (TERMINATION_DEMO_SEPARATED + 1)

/* For demo.c: takes an active account (signed at least 60 days before
 * `today`, holder = its holder) through the real workflow functions up to
 * `stage`, dated back from today.  A refusal the stage means is not an
 * error.  Joins the caller's write transaction. */
kc_status termination_demo(kc_db *db, int64_t account_id, const char *holder,
	enum termination_demo_stage stage, kc_date today, kc_error *err);

#endif
