/*
 * pane.h: a pane is an ops table (tig struct view_ops), one file per pane;
 * the list window, columns, keyset paging, sorting and search are shared
 * here.  Also the services the console (tui.c) offers to panes and forms.
 *
 * Contract
 *  - Panes never build SQL: their ops call core (account_page, ...).
 *  - A pane keeps only a window of rows around the screen (at most
 *    PANE_WINDOW_PAGES pages), fetched with keyset pagination through
 *    ops->fetch: opening, scrolling, jumping to the end and searching cost
 *    one or two small queries whatever the size of the table.
 *  - Rows are owned by the pane: cells are heap strings, key is the ops'
 *    keyset position released with ops->key_free.  ops->fetch fills `out`
 *    with rows the pane then owns (on failure it leaves nothing allocated).
 *  - Handlers return PANE_* flags saying what changed; the console draws
 *    (htop HandlerResult).  PANE_RELOAD reloads every pane (after a commit)
 *    keeping the selection by id.
 *  - Registering a new pane: write pane_NAME.c ending with its ops table,
 *    declare it below, and add it to the tab list in tui.c (one line).
 */
#ifndef KC_PANE_UI_H
#define KC_PANE_UI_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "action.h"
#include "db.h"
#include "keymap.h"
#include "money.h"
#include "settings.h"
#include "theme.h"

#define PANE_WINDOW_PAGES 4

struct tui;
struct pane;

struct pane_column {
	const char *title; /* N_() */
	int width;         /* minimum display columns */
	int grow;          /* share of the extra width (0 = fixed) */
	bool right;        /* right-aligned (amounts) */
	int sort;          /* the ops' sort id for this column, -1 = not sortable */
};

struct pane_row {
	int64_t id;
	char **cells;          /* ops->n_columns heap strings (NULL cells allowed) */
	enum theme_role role;  /* THEME_NORMAL or a highlight for the whole row */
	void *key;             /* keyset position, owned, freed by ops->key_free */
};

/* Handler results (flags). */
#define PANE_DONE 0u      /* nothing to redraw */
#define PANE_REDRAW 1u    /* redraw the screen */
#define PANE_RELOAD 2u    /* data changed here: reload the panes */
#define PANE_UNHANDLED 4u /* this pane does not offer the action */

struct pane_ops {
	const char *name;                  /* N_() tab title */
	const char *empty;                 /* N_() text of an empty list */
	const struct pane_column *columns;
	size_t n_columns;
	const enum action_id *hints;       /* status-line actions, ACTION_NONE ends */
	const enum action_id *actions;     /* actions handled (help), ACTION_NONE ends */
	/* Optional: sets p->priv (arg: e.g. the account of a history). */
	kc_status (*init)(struct pane *p, int64_t arg, kc_error *err);
	void (*fini)(struct pane *p);
	/* Up to max rows strictly after (backward: before) from's key in list
	 * order; from NULL = from the start (backward: from the end).  Rows come
	 * in list order both ways. */
	kc_status (*fetch)(struct pane *p, const struct pane_row *from, bool backward,
		struct pane_row *out, size_t max, size_t *n, kc_error *err);
	/* Optional: the first row after (before) from matching text, in list
	 * order; *found false when none.  Without it search is refused. */
	kc_status (*find)(struct pane *p, const struct pane_row *from, bool backward,
		const char *text, struct pane_row *out, bool *found, kc_error *err);
	void (*key_free)(void *key);
	/* Optional: rows in the list (shown in the header). */
	kc_status (*count)(struct pane *p, int64_t *n, kc_error *err);
	/* Draws the selected row's detail (sel NULL: nothing selected) into w,
	 * already erased; the first line is the panel's title. */
	void (*draw_detail)(struct pane *p, const struct pane_row *sel, WINDOW *w);
	/* The pane's own actions: PANE_* flags (PANE_UNHANDLED if not offered). */
	unsigned (*action)(struct pane *p, enum action_id a);
	/* Optional: drops cached details (the data changed). */
	void (*invalidate)(struct pane *p);
	/* Optional: a short text (heap, or NULL) shown at the right of the
	 * status line, e.g. the totals of the list. */
	char *(*summary)(struct pane *p);
};

struct pane {
	const struct pane_ops *ops;
	struct tui *tui;
	void *priv;          /* the ops' state */
	char *title;         /* owned; NULL = translated ops->name */
	char *filter_label;  /* owned; shown in the header, or NULL */
	struct pane_row *rows;
	size_t n, cap;       /* the window of rows, in list order */
	size_t top, sel;     /* first visible row, selected row (indexes) */
	bool at_start, at_end;
	bool loaded, stale;
	int sort_col;        /* index in ops->columns */
	bool descending;
	char *search;        /* last search text, owned */
	int64_t total;       /* ops->count, -1 unknown */
	int list_h;          /* visible rows at the last draw */
};

/* The panes of the program. */
extern const struct pane_ops pane_accounts_ops;
extern const struct pane_ops pane_paymethods_ops;
extern const struct pane_ops pane_history_ops;
extern const struct pane_ops pane_invoices_ops;     /* arg: account id, 0 = all */
extern const struct pane_ops pane_overdue_ops;
extern const struct pane_ops pane_tickets_ops;      /* arg: account id, 0 = all */
extern const struct pane_ops pane_terminations_ops;
extern const struct pane_ops pane_usage_ops;        /* arg: account id */
extern const struct pane_ops pane_calls_ops;        /* arg: struct pane_calls_arg * */
/* The calls view's argument (copied by its init): one account's calls
 * between two office dates, both inclusive ("" = unbounded). */
struct pane_calls_arg {
	int64_t account_id;
	char from[16], to[16];
};
extern const struct pane_ops pane_audit_ops;        /* arg: struct pane_audit_arg *, 0 = all */
extern const struct pane_ops pane_staff_ops;
/* The audit view's argument (copied by its init): the trail of one record
 * (entity and entity_id), of one staff member, or both; NULL members and
 * 0 = any. */
struct pane_audit_arg {
	const char *entity;
	int64_t entity_id;
	const char *staff;
};
/* The audit trail (HIS-1) of one record over p's view, titled "Audit of
 * <what>": the record_audit action of the panes.  Returns PANE_REDRAW. */
unsigned pane_audit_record(struct pane *p, const char *entity, int64_t entity_id,
	const char *what);
/* The voip.ms sync of one account (or, chosen, of every account) with a
 * progress bar; Esc stops it between windows (view_usage.c). */
unsigned pane_usage_sync(struct pane *p, int64_t account_id, const char *account_number);

struct pane *pane_new(struct tui *t, const struct pane_ops *ops, int64_t arg, kc_error *err);
void pane_free(struct pane **p);

/* Loads the first page (also when loaded: back to the start). */
kc_status pane_load_first(struct pane *p, kc_error *err);
/* Reloads around the selection and keeps it (by id) when it still shows. */
kc_status pane_reload(struct pane *p, kc_error *err);
/* Loads the window around row (the caller's, e.g. a search result) and
 * selects it. */
kc_status pane_jump_to(struct pane *p, const struct pane_row *row, kc_error *err);
/* Shared list actions, then ops->action.  Returns PANE_* flags. */
unsigned pane_handle(struct pane *p, enum action_id a);
/* The selected row, or NULL. */
const struct pane_row *pane_selected(const struct pane *p);
/* The title: p->title or the translated ops->name. */
const char *pane_title(const struct pane *p);

void pane_draw_list(struct pane *p, WINDOW *w);
void pane_draw_detail(struct pane *p, WINDOW *w);

/* Row helpers for ops: allocates n empty cells. */
bool pane_row_alloc(struct pane_row *r, size_t n_cells);
/* Takes ownership of value (may be NULL: then the cell is empty); false
 * when value was NULL because memory ran out is not detectable: cells may
 * be NULL and draw as empty. */
void pane_row_set(struct pane_row *r, size_t cell, char *value);
void pane_row_clear(const struct pane *p, struct pane_row *r);

/* Detail helpers: "Label: value" at (y, x) within width; returns y + 1. */
int pane_detail_pair(WINDOW *w, int y, int x, int width, const char *label,
	const char *value, enum theme_role role);
/* The detail title line (row 0) across the window. */
void pane_detail_title(WINDOW *w, const char *title);

/* --- services of the console (tui.c) ----------------------------------- */

kc_db *tui_db(struct tui *t);
const struct kc_settings *tui_settings(struct tui *t);
bool tui_read_only(struct tui *t);
enum money_style tui_money_style(struct tui *t);
const struct keymap *tui_keymap(struct tui *t);
/* Today's office date "YYYY-MM-DD" (static storage of the tui). */
const char *tui_today(struct tui *t);
/* The message line (translated text); role THEME_MESSAGE or THEME_ERROR. */
void tui_message(struct tui *t, enum theme_role role, const char *fmt, ...) KC_PRINTF(3, 4);
void tui_error(struct tui *t, const kc_error *err);
/* Opens a view over the current pane (Esc comes back).  The console owns
 * the new pane. */
kc_status tui_push_view(struct tui *t, const struct pane_ops *ops, int64_t arg,
	const char *title, kc_error *err);
/* Checks the prerequisites of an action (action_check) and shows the
 * refusal; true when it may run.  For actions started inside a view. */
bool tui_allowed(struct tui *t, enum action_id a, bool has_selection);
/* For long core calls with a progress callback: draws, then returns
 * without waiting a key typed meanwhile (false when none).  A resize is
 * handled; a quit signal or a lost terminal reads as Esc.  Key scripts
 * type nothing here (their keys wait for tui_wait_key). */
bool tui_poll_key(struct tui *t, kc_key *key);

/* Modal windows (forms, prompts, help) drawn over the panes. */
struct tui_modal {
	void (*draw)(struct tui_modal *m, struct tui *t); /* draw into m->win */
	void *ctx;
	int want_h, want_w;  /* asked size, clamped to the screen */
	WINDOW *win;         /* managed by the console */
	int h, w;            /* actual size of win */
};
void tui_modal_push(struct tui *t, struct tui_modal *m);
void tui_modal_pop(struct tui *t, struct tui_modal *m);
/* Draws everything (panes, then the modals) and waits for a key.  False
 * when the program must stop (quit signal, lost terminal, end of script):
 * the modal closes without saving.  Handles resize, the too-small screen,
 * the screen dump key and script commands on its own. */
bool tui_wait_key(struct tui *t, kc_key *key);

#endif
