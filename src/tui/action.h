/*
 * action.h: every action of the console, listed once as data (tig
 * request.h, calcurse keys.c).
 *
 * The list below generates the enum, the names used in keymap files
 * ([keys] name = key names), the help screen (F1 / ?) and the status-bar
 * hints.  Each row states its prerequisites; action_check() is the one place
 * that refuses an action, with one translated message per prerequisite
 * (NeoMutt index/functions.c).  Default keys live in data/keymap.ini.
 *
 * Columns: ID, keymap name, short hint label, help text, prerequisites,
 * role needed (staff.h; STAFF_NONE = anyone).  Roles are the ones the CLI
 * table (src/cli/cli.c) gives the same change: agent for accounts, payment
 * methods, the high-risk check (ACC-11), tickets and the termination
 * steps; billing for invoices,
 * payments, credits, SLA credits, the billing run, the usage sync and the
 * final invoice; admin for closing and reopening accounts, the
 * termination decisions and closure, and the staff list (add, role,
 * disable, enable).  Reading (the audit trail, the staff list) is anyone's.  action_check() asks
 * staff_require() at dispatch, before any form opens, and its translated
 * refusal goes to the message line.
 */
#ifndef KC_ACTION_UI_H
#define KC_ACTION_UI_H

#include <stdbool.h>

#include "kc.h"
#include "db.h"
#include "staff.h"

/* Prerequisite flags. */
#define ACT_NONE 0u
#define ACT_SELECTION 1u  /* needs a selected row */
#define ACT_WRITE 2u      /* changes data: refused in read-only mode */
#define ACT_LIST 4u       /* moves in a list (grouped apart in the help) */

#define ACTION_LIST(X) \
	X(MOVE_DOWN, "move_down", N_("Down"), N_("Move to the next line"), ACT_LIST, STAFF_NONE) \
	X(MOVE_UP, "move_up", N_("Up"), N_("Move to the previous line"), ACT_LIST, STAFF_NONE) \
	X(PAGE_DOWN, "page_down", N_("Page"), N_("Move one page down"), ACT_LIST, STAFF_NONE) \
	X(PAGE_UP, "page_up", N_("Page up"), N_("Move one page up"), ACT_LIST, STAFF_NONE) \
	X(FIRST, "first", N_("First"), N_("Jump to the first line"), ACT_LIST, STAFF_NONE) \
	X(LAST, "last", N_("Last"), N_("Jump to the last line"), ACT_LIST, STAFF_NONE) \
	X(SEARCH, "search", N_("Search"), N_("Search the list"), ACT_LIST, STAFF_NONE) \
	X(SEARCH_NEXT, "search_next", N_("Next"), N_("Next match of the search"), ACT_LIST, STAFF_NONE) \
	X(SEARCH_PREV, "search_prev", N_("Previous"), N_("Previous match of the search"), ACT_LIST, STAFF_NONE) \
	X(SORT, "sort", N_("Sort"), N_("Sort by the next column"), ACT_LIST, STAFF_NONE) \
	X(SORT_REVERSE, "sort_reverse", N_("Reverse"), N_("Reverse the sort order"), ACT_LIST, STAFF_NONE) \
	X(FILTER, "filter", N_("Filter"), N_("Show only the lines with a status"), ACT_NONE, STAFF_NONE) \
	X(NEXT_PANE, "next_pane", N_("Next pane"), N_("Go to the next pane"), ACT_NONE, STAFF_NONE) \
	X(PREV_PANE, "prev_pane", N_("Previous pane"), N_("Go to the previous pane"), ACT_NONE, STAFF_NONE) \
	X(OPEN, "open", N_("Open"), N_("Open the selected line"), ACT_SELECTION, STAFF_NONE) \
	X(BACK, "back", N_("Back"), N_("Close this view or form"), ACT_NONE, STAFF_NONE) \
	X(QUIT, "quit", N_("Quit"), N_("Quit kenoconsole"), ACT_NONE, STAFF_NONE) \
	X(HELP, "help", N_("Help"), N_("Show this help"), ACT_NONE, STAFF_NONE) \
	X(REFRESH, "refresh", N_("Refresh"), N_("Reload the data and redraw the screen"), ACT_NONE, STAFF_NONE) \
	X(DUMP, "dump", N_("Dump"), N_("Write the screen as text to a file"), ACT_NONE, STAFF_NONE) \
	X(CREATE, "create", N_("New"), N_("Create a record (account, payment method, ticket, termination request)"), ACT_WRITE, STAFF_AGENT) \
	X(EDIT, "edit", N_("Edit"), N_("Edit the selected account"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(ACTIVATE, "activate", N_("Activate"), N_("Activate: record the welcome call (ACC-4)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(SUSPEND, "suspend", N_("Suspend"), N_("Suspend the account with a reason (ACC-9)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(REINSTATE, "reinstate", N_("Reinstate"), N_("Reinstate a suspended account (BIL-6)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(CLOSE, "close", N_("Close"), N_("Close the account with a reason (ACC-10)"), ACT_SELECTION | ACT_WRITE, STAFF_ADMIN) \
	X(REOPEN, "reopen", N_("Reopen"), N_("Reopen a closed account at the holder's request (TRM-8)"), ACT_SELECTION | ACT_WRITE, STAFF_ADMIN) \
	X(HIGH_RISK, "high_risk", N_("High risk"), N_("Mark or clear the high-risk check (ACC-11)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(PAYMETHODS, "paymethods", N_("Payment"), N_("Show the account's payment methods (ACC-8)"), ACT_SELECTION, STAFF_NONE) \
	X(REMOVE, "remove", N_("Remove"), N_("Remove the selected payment method"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(SET_DEFAULT, "set_default", N_("Default"), N_("Make the selected payment method the default"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(HISTORY, "history", N_("History"), N_("Show the account's history (HIS-2)"), ACT_SELECTION, STAFF_NONE) \
	X(USAGE, "usage", N_("Usage"), N_("Show the account's calls per billing cycle"), ACT_SELECTION, STAFF_NONE) \
	X(SYNC, "sync", N_("Sync"), N_("Fetch voip.ms usage for the account or for all accounts"), ACT_WRITE, STAFF_BILLING) \
	X(RUN_BILLING, "run_billing", N_("Bill"), N_("Run billing: a preview first, then issue the invoices (BIL-7)"), ACT_WRITE, STAFF_BILLING) \
	X(PAYMENT, "payment", N_("Pay"), N_("Record a payment for the invoice (PAY-1, PAY-2)"), ACT_SELECTION | ACT_WRITE, STAFF_BILLING) \
	X(CHARGEBACK, "chargeback", N_("Chargeback"), N_("Record a chargeback on a payment of the invoice (PAY-4)"), ACT_SELECTION | ACT_WRITE, STAFF_BILLING) \
	X(REFUND, "refund", N_("Refund"), N_("Refund the customer: store credit, PayPal or cheque (PAY-5, PAY-7)"), ACT_SELECTION | ACT_WRITE, STAFF_BILLING) \
	X(STORE_CREDIT, "store_credit", N_("Credit"), N_("Give store credit, applied to the next invoices (CRD-1, CRD-2)"), ACT_SELECTION | ACT_WRITE, STAFF_BILLING) \
	X(CREDIT_NOTE, "credit_note", N_("Credit note"), N_("Issue a credit note on the invoice (BIL-5)"), ACT_SELECTION | ACT_WRITE, STAFF_BILLING) \
	X(DISPUTE, "dispute", N_("Dispute"), N_("Record a billing dispute (PAY-6)"), ACT_SELECTION | ACT_WRITE, STAFF_BILLING) \
	X(STATEMENT, "statement", N_("Statement"), N_("Show the customer's statement of the invoice (BIL-9)"), ACT_SELECTION, STAFF_NONE) \
	X(OVERDUE, "overdue", N_("Overdue"), N_("Accounts overdue, eligible for suspension (BIL-6)"), ACT_NONE, STAFF_NONE) \
	X(REPLY, "reply", N_("Reply"), N_("Reply to the customer (the first reply stops the SLA clock)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(NOTE, "note", N_("Note"), N_("Add an internal note to the ticket"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(ASSIGN, "assign", N_("Assign"), N_("Assign the ticket to a staff member, or to nobody"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(TICKET_STATE, "ticket_state", N_("State"), N_("Move the ticket to another state (TKT-5)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(LOG_TIME, "log_time", N_("Time"), N_("Log time spent on the ticket (TKT-8)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(SLA_CREDIT, "sla_credit", N_("SLA credit"), N_("Request the SLA credit of a breached ticket (SLA-4, SLA-5)"), ACT_SELECTION | ACT_WRITE, STAFF_BILLING) \
	X(APPROVE, "approve", N_("Approve"), N_("Approve the termination request (TRM-2)"), ACT_SELECTION | ACT_WRITE, STAFF_ADMIN) \
	X(DENY, "deny", N_("Deny"), N_("Deny the expedite of the request: normal pace (TRM-2)"), ACT_SELECTION | ACT_WRITE, STAFF_ADMIN) \
	X(SCHEDULE, "schedule", N_("Schedule"), N_("Set the date the service ends"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(END_SERVICE, "end_service", N_("End service"), N_("Record the end of service"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(FINAL_INVOICE, "final_invoice", N_("Final invoice"), N_("Issue and link the final invoice (TRM-6)"), ACT_SELECTION | ACT_WRITE, STAFF_BILLING) \
	X(TRANSFER_REQUEST, "transfer_request", N_("Transfer"), N_("Record the written transfer request (TRM-4)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(CHECK_STEP, "check_step", N_("Check"), N_("Tick a step of the transfer checklist (TRM-5)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(TRANSFERRED, "transferred", N_("Transferred"), N_("Record the transfer of the member account (TRM-4)"), ACT_SELECTION | ACT_WRITE, STAFF_AGENT) \
	X(CLOSE_TERMINATION, "close_termination", N_("Close"), N_("Close the account at the holder's request (TRM-7)"), ACT_SELECTION | ACT_WRITE, STAFF_ADMIN) \
	X(AUDIT, "audit", N_("Audit trail"), N_("Show the audit trail of every change, filtered by staff, dates and record (HIS-1)"), ACT_NONE, STAFF_NONE) \
	X(RECORD_AUDIT, "record_audit", N_("Audit"), N_("Show the audit trail of the selected record (HIS-1)"), ACT_SELECTION, STAFF_NONE) \
	X(STAFF, "staff", N_("Staff"), N_("Show the staff members and their roles"), ACT_NONE, STAFF_NONE) \
	X(STAFF_ADD, "staff_add", N_("Add"), N_("Add a staff member with a role"), ACT_WRITE, STAFF_ADMIN) \
	X(STAFF_ROLE, "staff_role", N_("Role"), N_("Give the selected staff member another role"), ACT_SELECTION | ACT_WRITE, STAFF_ADMIN) \
	X(STAFF_DISABLE, "staff_disable", N_("Disable"), N_("Disable the selected staff member (no more changes)"), ACT_SELECTION | ACT_WRITE, STAFF_ADMIN) \
	X(STAFF_ENABLE, "staff_enable", N_("Enable"), N_("Enable the selected staff member again"), ACT_SELECTION | ACT_WRITE, STAFF_ADMIN) \
	X(SAVE, "save", N_("Save"), N_("Save the form"), ACT_NONE, STAFF_NONE) \
	X(EDITOR, "editor", N_("Editor"), N_("Edit the long text field in $EDITOR"), ACT_NONE, STAFF_NONE)

enum action_id {
	ACTION_NONE = 0,
#define ACTION_ENUM(id, name, hint, help, flags, role) ACTION_##id,
	ACTION_LIST(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_COUNT
};

struct action_def {
	enum action_id id;
	const char *name;   /* keymap name, e.g. "move_down" */
	const char *hint;   /* untranslated (N_); translate with _() to show */
	const char *help;   /* untranslated (N_) */
	unsigned flags;     /* ACT_* */
	enum staff_role role;
};

/* The row of an action, or NULL for ACTION_NONE / out of range. */
const struct action_def *action_get(enum action_id id);
/* The action called name (case-insensitive), or ACTION_NONE. */
enum action_id action_by_name(const char *name);

/* What the context offers, for action_check(). */
struct action_context {
	kc_db *db;          /* for role checks; may be NULL (no role check) */
	bool read_only;
	bool has_selection;
};

/* KC_OK when the action may run now; otherwise KC_ERR_PERM or
 * KC_ERR_INVALID with the one translated message for the missing
 * prerequisite ("Read-only: changes are not allowed", ...). */
kc_status action_check(enum action_id id, const struct action_context *ctx, kc_error *err);

#endif
