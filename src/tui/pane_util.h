/*
 * pane_util.h: small helpers shared by the billing, ticket, termination
 * and usage panes: money and time as shown on screen, the "termination
 * pending" note every pane shows for an account, a message after a core
 * call, and paging backward over a list that core pages forward only.
 *
 * Contract
 *  - Functions returning char * return heap text the caller frees (NULL
 *    only when memory runs out, or where said).
 *  - Nothing here builds SQL: every read goes through core.
 */
#ifndef KC_PANE_UTIL_UI_H
#define KC_PANE_UTIL_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "form.h"
#include "money.h"
#include "pane.h"
#include "strbuf.h"

/* An amount in the console's style ("$1,234.56" / "1 234,56 $"). */
char *pu_money(struct tui *t, kc_cents cents);
/* An amount for a form field: "57.50" (money_parse reads it back). */
char *pu_money_plain(kc_cents cents);
/* An instant in the office zone, "2026-06-21 16:00". */
char *pu_local(kc_instant at);
/* An ISO UTC instant text in the office zone; the text itself when it
 * does not parse, "-" for NULL or "". */
char *pu_local_iso(const char *iso);
/* "-" for NULL or "", else s. */
const char *pu_dash(const char *s);

/* The account's pending termination in a few words ("request 7,
 * transfer requested, transfer due 2026-07-06, LATE (TRM-4)"), or NULL
 * when there is none (or it cannot be read).  *late (may be NULL) says the
 * TRM-4 deadline passed. */
char *pu_termination_note(struct tui *t, int64_t account_id, bool *late);
/* The number ("K-000042") of account id, owned by the caller; NULL when
 * it cannot be read (the pane then shows the id alone). */
char *pu_account_number(struct tui *t, int64_t id);
/* The note in a detail: "Terminating: ..." (warning role; late: breached). */
int pu_termination_pair(WINDOW *w, int y, int x, int width, const char *note, bool late);
/* Appends the note (when not NULL) to a text view as a sentence. */
void pu_append_termination(strbuf *sb, const char *note);

/* Appends label then spaces up to width display columns, so text views
 * keep their label column aligned in every language (printf's "%-16s"
 * pads by bytes: accented labels came out short).  A label wider than
 * width is cut without splitting a character, with a final '~'. */
void pu_append_label(strbuf *sb, const char *label, int width);

/* text with its lines wrapped at spaces to at most width display
 * columns (forms and questions show their text line by line). */
char *pu_wrap(const char *text, int width);
/* form_set_info and form_confirm with the text wrapped to the form. */
void pu_form_info(struct form *f, const char *text);
bool pu_confirm(struct tui *t, const char *title, const char *question);

/* Draws text at (y, x) within width in role; returns y + 1 (nothing
 * drawn past the window). */
int pu_line(WINDOW *w, int y, int x, int width, const char *text, enum theme_role role);

/* After a core call: on failure the error on the message line and
 * PANE_REDRAW; on success PANE_REDRAW | PANE_RELOAD (the message is the
 * caller's). */
unsigned pu_result(struct pane *p, kc_status st, kc_error *err);

/* --- paging backward over a forward-only core list ---------------------- */

/* A forward page of the pane's list strictly after `after` (NULL: from
 * the start), as ops->fetch does forward. */
typedef kc_status (*pu_forward_fn)(struct pane *p, const struct pane_row *after,
	struct pane_row *out, size_t max, size_t *n, kc_error *err);
/* < 0 when row a comes before row b in the list order, 0 same, > 0 after. */
typedef int (*pu_compare_fn)(const struct pane_row *a, const struct pane_row *b);

/*
 * The up to max rows just before `before` (NULL: the last rows), in list
 * order, found by reading the list forward from its start and keeping the
 * last max rows.  For short lists only (overdue accounts, termination
 * requests, billing cycles): the cost grows with the position.
 */
kc_status pu_fetch_before_by_scan(struct pane *p, pu_forward_fn forward, pu_compare_fn cmp,
	const struct pane_row *before, struct pane_row *out, size_t max, size_t *n,
	kc_error *err);

#endif
