/*
 * account.h: customer accounts (ACC rules), shared by the CLI and the TUI.
 *
 * Contract
 *  - Every change is one write transaction (db_begin_write ... db_commit)
 *    holding the change and its audit row (audit.h, entity "account", the
 *    action names below); on any failure nothing is written.
 *  - Updates are optimistic: the caller passes the version it read; if the
 *    row changed since, KC_ERR_CONFLICT with a message naming who changed it
 *    and when, and nothing is written.
 *  - Read-only databases refuse every change with KC_ERR_PERM.
 *  - Strings in struct account / account_row are heap copies owned by the
 *    struct: release with account_clear() / account_rows_clear().  Functions
 *    filling a struct account overwrite it without freeing: pass a zeroed
 *    struct or one already cleared.
 *  - Dates are 'YYYY-MM-DD' office dates; instants ISO 8601 UTC.
 *  - Rule refusals (KC_ERR_RULE) name the rule id in the message.
 *
 * Audit actions: account.create, account.edit, account.activate,
 * account.suspend, account.reinstate, account.close, account.reopen,
 * account.high_risk, account.term.
 */
#ifndef KC_ACCOUNT_H
#define KC_ACCOUNT_H

#include "db.h"
#include "money.h"

struct account {
	int64_t id;
	char *number;          /* "K-000123" */
	char *holder;          /* ACC-1: permanent */
	char *company, *email, *phone, *address, *city, *postal_code;
	char *province;        /* two letters */
	char *language;        /* "fr" | "en" */
	char *delivery;        /* "portal,email,mail" subset */
	char *kind;            /* "business" | "consumer" (ACC-12) */
	char *level;           /* "basic" | "fully_administered" */
	char *term;            /* "monthly" | "annual" */
	char *term_started;    /* NULL or date */
	char *next_term;       /* NULL or the term taking effect at the next anniversary */
	char *voipms_client;
	char *status;          /* pending | active | suspended | closed */
	char *signed_on, *welcome_call, *closed_on, *closure_reason; /* may be NULL */
	int64_t expected_usage_cents;
	int64_t balance_cents;
	bool high_risk, flagged_for_closure, reopen_barred;
	char *created_at, *created_by, *updated_at, *updated_by;
	int64_t version;
};
void account_clear(struct account *a);

/* True when s is valid UTF-8 without control characters (C0, DEL, C1) and
 * holds at most max_chars characters (code points). */
bool account_text_valid(const char *s, size_t max_chars);
/* Translated display word for a status ("pending", ...); s itself if unknown. */
const char *account_status_label(const char *status);
/* Translated reasons (ACC-9 suspension, ACC-10 closure); s itself if unknown. */
const char *account_suspend_reason_label(const char *reason);
const char *account_close_reason_label(const char *reason);
/* Translated name of a form field / accounts column ("holder" -> "holder"). */
const char *account_column_label(const char *column);

/* Fields staff type in; const pointers stay owned by the caller.  NULL or
 * "" means "not given" (defaults: language fr, kind business, term monthly,
 * delivery email, signed_on today). */
struct account_fields {
	const char *holder;    /* ignored by account_update (ACC-1) */
	const char *company, *email, *phone, *address, *city, *postal_code;
	const char *province, *language, *delivery, *kind, *level, *term;
	const char *voipms_client;
	const char *signed_on;
	const char *expected_usage; /* money text, e.g. "250.00" */
};

/* Which field a validation error is about (for forms); ACCOUNT_FIELD_NONE
 * when the error is not about one field. */
enum account_field {
	ACCOUNT_FIELD_NONE = 0, ACCOUNT_FIELD_HOLDER, ACCOUNT_FIELD_COMPANY,
	ACCOUNT_FIELD_EMAIL, ACCOUNT_FIELD_PHONE, ACCOUNT_FIELD_ADDRESS,
	ACCOUNT_FIELD_CITY, ACCOUNT_FIELD_POSTAL_CODE, ACCOUNT_FIELD_PROVINCE,
	ACCOUNT_FIELD_LANGUAGE, ACCOUNT_FIELD_DELIVERY, ACCOUNT_FIELD_KIND,
	ACCOUNT_FIELD_LEVEL, ACCOUNT_FIELD_TERM, ACCOUNT_FIELD_VOIPMS_CLIENT,
	ACCOUNT_FIELD_SIGNED_ON, ACCOUNT_FIELD_EXPECTED_USAGE
};

/* Translated name of a form field ("holder", "email address", ...). */
const char *account_field_label(enum account_field f);

/* Validates without touching the database; *bad_field says which field
 * (may be NULL).  creating=false skips holder. */
kc_status account_validate(const struct account_fields *f, bool creating,
	enum account_field *bad_field, kc_error *err);

kc_status account_create(kc_db *db, const struct account_fields *f, int64_t *out_id,
	enum account_field *bad_field, kc_error *err);
/* Changes every given field except the holder (ACC-1: a holder given and
 * different is refused).  ACC-6 term rules apply.  On KC_ERR_CONFLICT,
 * *current (if not NULL) is filled with the row as it is now. */
/* expected_version 0 = do not check.  Monthly -> annual is stored in
 * next_term (applied at the next anniversary; for a pending account, at
 * activation); annual -> monthly is refused (KC_ERR_RULE) until the annual
 * term (term_started + 12 months) has ended; asking for the current term
 * cancels a pending next_term.  Nothing changed = KC_OK, nothing written. */
kc_status account_update(kc_db *db, int64_t id, int64_t expected_version,
	const struct account_fields *f, struct account *current,
	enum account_field *bad_field, kc_error *err);

kc_status account_get(kc_db *db, int64_t id, struct account *out, kc_error *err);
/* Resolves "42", "K-000042" (or "k-42") or a voip.ms client id to an
 * account id.  Digits that are one account's id and another's voip.ms client
 * are KC_ERR_INVALID (ambiguous: use the number). */
kc_status account_resolve(kc_db *db, const char *ref, int64_t *id, kc_error *err);

/* Lifecycle (ACC-3).  expected_version 0 = do not check.  A step the
 * status does not allow is KC_ERR_RULE naming ACC-3.
 *  - activate: pending -> active.  welcome_call_date NULL/"" = today; it
 *    may not be before signed_on (KC_ERR_INVALID).  Refused while high_risk
 *    (ACC-11).  An annual term (or a pending switch to annual) starts then
 *    (term_started = the welcome call).
 *  - suspend: active -> suspended; reason overdue | chargeback |
 *    reassessment | breach; note optional.  Adds a suspensions row.
 *  - reinstate: suspended -> active when nothing is owed (BIL-6): the
 *    amount of payment_amount_owed() (payment.h: the invoiced balance plus
 *    the reassessments and fees not invoiced yet, PAY-4/PAY-5) <= 0; ends
 *    the open suspensions row.
 *  - close: pending/active/suspended -> closed; reason law |
 *    terms_violation | insolvency | harm | complaints | holder_request;
 *    sets closed_on (today), closure_reason, reopen_barred; ends an open
 *    suspension.  Nothing is deleted.  This is the status change alone:
 *    front ends close through termination_close_by_kenotronix() (ACC-10)
 *    or termination_close() (TRM-7), which add closure's forfeits (CRD-3,
 *    SLA-6, PRC-2) in the same transaction.
 *  - reopen: closed -> active (pending if never activated) when
 *    requested_by is the holder (case and spacing ignored), identity_check
 *    has 3+ characters (stored in reopenings), nothing is owed (as for
 *    reinstate) and the account is not barred (TRM-8); clears closed_on and
 *    closure_reason.
 *  - set_high_risk: marks or clears ACC-11 (no change = nothing written). */
kc_status account_activate(kc_db *db, int64_t id, int64_t expected_version,
	const char *welcome_call_date, kc_error *err);          /* ACC-4, ACC-11 */
kc_status account_suspend(kc_db *db, int64_t id, int64_t expected_version,
	const char *reason, const char *note, kc_error *err);   /* ACC-9 */
kc_status account_reinstate(kc_db *db, int64_t id, int64_t expected_version,
	kc_error *err);                                          /* BIL-6 */
kc_status account_close(kc_db *db, int64_t id, int64_t expected_version,
	const char *reason, bool bar_reopening, kc_error *err);  /* ACC-10 */
kc_status account_reopen(kc_db *db, int64_t id, int64_t expected_version,
	const char *requested_by, const char *identity_check, kc_error *err); /* TRM-8 */
kc_status account_set_high_risk(kc_db *db, int64_t id, int64_t expected_version,
	bool high_risk, kc_error *err);                          /* ACC-11 */

/* ACC-3: a pending account whose welcome call is more than 14 days after
 * signature (as of today). */
bool account_welcome_overdue(const struct account *a, const char *today);
/* ACC-12: a translated warning when a rule is applied to a consumer account,
 * or NULL. */
const char *account_consumer_warning(const struct account *a);
/* Next billing date (BIL-1) on or after today, into buf; "" when none. */
void account_next_bill_date(const struct account *a, const char *today, bool thirty_days,
	char buf[static 11]);

/* Lists: keyset pagination, never the whole table.  Sorts follow the
 * indexes: number; holder and company (case-insensitive, ASCII) then id;
 * status then number; balance then id.  Search is a case-insensitive
 * substring (% and _ literal) of number, holder, company, email, phone or
 * voip.ms client; status an exact status. */
enum account_sort {
	ACCOUNT_SORT_NUMBER = 0, ACCOUNT_SORT_HOLDER, ACCOUNT_SORT_COMPANY,
	ACCOUNT_SORT_STATUS, ACCOUNT_SORT_BALANCE
};
struct account_query {
	const char *search;    /* number, holder, company, email, phone, voip.ms client; NULL = all */
	const char *status;    /* NULL = all */
	enum account_sort sort;
	bool descending;
};
struct account_row {
	int64_t id;
	char *number, *holder, *company, *level, *status, *welcome_call, *term;
	int64_t balance_cents;
	char *sort_key;        /* the sort column's value as text (cursor) */
	int64_t sort_num;      /* the sort column's value when numeric (balance) */
};
void account_rows_clear(struct account_row *rows, size_t n);

/* A position in a list: the sort key and id of a row.  Empty (have=false)
 * means "before the first" (forward) or "after the last" (backward). */
struct account_cursor {
	bool have;
	char *key;   /* row's sort_key */
	char *key2;  /* row's number (the status sort's tie-breaker) */
	int64_t num;
	int64_t id;
};
/* Copies the row's position into c (freeing what c held; c must start
 * zeroed).  On allocation failure c is left empty (have=false). */
void account_cursor_set(struct account_cursor *c, const struct account_row *row);
void account_cursor_clear(struct account_cursor *c);

/* Up to max rows strictly after (forward) or strictly before (backward)
 * the cursor in the query's order; backward pages come back in list order
 * too (not reversed). */
kc_status account_page(kc_db *db, const struct account_query *q,
	const struct account_cursor *from, bool backward,
	struct account_row *rows, size_t max, size_t *n, kc_error *err);
kc_status account_count(kc_db *db, const struct account_query *q, int64_t *n, kc_error *err);

#endif
