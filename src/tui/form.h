/*
 * form.h: our small field editor, and the modal prompts built on it.
 *
 * A form is a list of fields (text, choice, long text) with Save and
 * Cancel buttons.  Nothing is written until Save (F2, Ctrl-S, or Enter on
 * the Save button): then the caller's save callback makes its one core
 * call (one transaction).  When it fails the form stays open with the
 * translated message, the focus goes to the field the error is about, and
 * everything typed is kept (also on KC_ERR_CONFLICT, where the callback
 * may show the current values beside the fields with form_set_note()).
 * Leaving a field runs the optional check callback (the core's validate),
 * which shows the message of the field just left.  Esc cancels.
 *
 * Keys in a form: characters insert; Left Right Home End Backspace Del
 * edit; Tab / Down / Enter go to the next field, BackTab / Up back; Space,
 * Left and Right change a choice; Ctrl-E (action "editor") opens $EDITOR
 * for a long text field (fork + execvp on a temporary file, curses
 * suspended meanwhile).
 *
 * Ownership: the form owns its fields' text (wide characters internally);
 * form_value() returns UTF-8 owned by the form, valid until the field
 * changes or the form is freed.  Labels and choice tables are the
 * caller's and must outlive the form.  Every function accepts a NULL form
 * (from form_new running out of memory) and then does nothing.
 */
#ifndef KC_FORM_UI_H
#define KC_FORM_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "kc.h"

struct tui;
struct form;

enum form_kind { FORM_TEXT, FORM_CHOICE, FORM_LONGTEXT, FORM_READONLY };

/* Save: KC_OK closes the form; an error keeps it open with err's message
 * and focuses the field tagged *bad_tag (when >= 0). */
typedef kc_status (*form_save_fn)(struct form *f, void *ctx, int *bad_tag, kc_error *err);
/* Check of one field (tag) on leaving it: KC_OK or the message. */
typedef kc_status (*form_check_fn)(struct form *f, void *ctx, int tag, kc_error *err);

struct form *form_new(const char *title);
void form_free(struct form **f);

/* Adds a field; tag is the caller's id (e.g. enum account_field).
 * initial may be NULL.  max_chars 0 = no limit. */
void form_add_text(struct form *f, int tag, const char *label, const char *initial,
	size_t max_chars);
void form_add_longtext(struct form *f, int tag, const char *label, const char *initial);
void form_add_readonly(struct form *f, int tag, const char *label, const char *value);
/* values: NULL-terminated untranslated values; labels: translated texts
 * shown for them (same count).  initial: a value, or NULL for the first. */
void form_add_choice(struct form *f, int tag, const char *label, const char *const *values,
	const char *const *labels, const char *initial);

void form_set_callbacks(struct form *f, form_save_fn save, form_check_fn check, void *ctx);
/* Text shown under the title (instructions, conflict details); copied. */
void form_set_info(struct form *f, const char *text);
/* A note shown after a field's value, e.g. "now: ..."; NULL clears. */
void form_set_note(struct form *f, int tag, const char *note);
void form_set_save_label(struct form *f, const char *label);

/* UTF-8 value of the field tagged tag ("" when empty), or NULL if no such
 * field.  For a choice, the selected untranslated value. */
const char *form_value(struct form *f, int tag);
void form_set_value(struct form *f, int tag, const char *value);

enum form_result { FORM_SAVED, FORM_CANCELLED, FORM_GONE };
/* Runs the form until saved, cancelled, or the program must stop. */
enum form_result form_run(struct tui *t, struct form *f);

/* One-line text prompt: a heap string, or NULL when cancelled. */
char *form_prompt_text(struct tui *t, const char *title, const char *label, const char *initial);
/* Yes / no question; true for yes. */
bool form_confirm(struct tui *t, const char *title, const char *question);
/* Picks one of n labels; returns its index or -1 when cancelled. */
int form_choose(struct tui *t, const char *title, const char *const *labels, size_t n,
	size_t initial);
/* Shows a text (lines split on '\n') scrollably until Esc / Enter / q. */
void form_view_text(struct tui *t, const char *title, const char *text);

/* Runs $EDITOR (settings ui.editor, $VISUAL, $EDITOR, vi) on text; the
 * new text (heap) or NULL when the editor failed (message in err). */
char *form_run_editor(struct tui *t, const char *text, kc_error *err);

#endif
