/*
 * keymap.h: keys, their names, and which action each key runs.
 *
 * A kc_key is a Unicode code point for a character key (Ctrl-X is the
 * control character, Enter '\r', Tab '\t', Esc 27) or KC_KEY_FN | the
 * curses KEY_* code for a function key (so characters above U+0100 never
 * collide with curses codes).
 *
 * Key names (keymap files, the settings [keys] section, scripts):
 *   one character ("j", "G", "/", "?", "é"); Space Tab BackTab Enter Esc
 *   Backspace Del Ins Up Down Left Right Home End PgUp PgDn F1..F12;
 *   Ctrl-X (also C-x, ^X) for a letter X.  Names are case-insensitive
 *   except single characters.  A value lists several names separated by
 *   spaces; an empty value unbinds the action.
 *
 * Bindings come, in order, from the default keymap embedded in the
 * program (data/keymap.ini, [keys] action = keys), the file of settings
 * ui.keymap, then the settings [keys] overrides.  Each later source
 * replaces all the keys of the actions it names; a key taken by another
 * action moves to the new one.  Both files are read by iniparser.
 *
 * Errors (unknown action, unknown key name) come back as KC_ERR_INVALID
 * with a translated message naming the file and line when known; the
 * bindings read before the error stay.
 */
#ifndef KC_KEYMAP_UI_H
#define KC_KEYMAP_UI_H

#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "settings.h"

typedef int32_t kc_key;

#define KC_KEY_FN 0x01000000
#define KC_KEY_NONE 0
#define KC_KEY_ENTER '\r'
#define KC_KEY_TAB '\t'
#define KC_KEY_ESC 27
#define KC_KEY_CTRL(c) ((c) & 0x1f)

struct keymap_binding {
	kc_key key;
	enum action_id action;
};

struct keymap {
	struct keymap_binding *b; /* owned */
	size_t n, cap;
};

void keymap_init(struct keymap *km);
void keymap_free(struct keymap *km);

/* Parses one key name; KC_KEY_NONE when unknown. */
kc_key keymap_parse_key(const char *name);
/* Writes the display name of key into buf ("Ctrl-L", "PgDn", "j"). */
void keymap_key_name(kc_key key, char *buf, size_t size);
/* Turns what curses returned (wget_wch) into a kc_key: Enter variants
 * become KC_KEY_ENTER, the Backspace variants one code. */
kc_key keymap_from_curses(int rc, unsigned int wch);

/* Replaces the keys of action with the names in `keys` (space separated).
 * where ("file:line") prefixes error messages; may be NULL. */
kc_status keymap_bind(struct keymap *km, enum action_id action, const char *keys,
	const char *where, kc_error *err);
/* Reads [keys] of an ini file with iniparser. */
kc_status keymap_load_file(struct keymap *km, const char *path, kc_error *err);
/* The embedded default keymap, then settings (ui.keymap, [keys]).
 * settings may be NULL. */
kc_status keymap_load_all(struct keymap *km, const struct kc_settings *settings, kc_error *err);

/* The action bound to key, or ACTION_NONE. */
enum action_id keymap_lookup(const struct keymap *km, kc_key key);
/* The first key bound to action, or KC_KEY_NONE. */
kc_key keymap_first_key(const struct keymap *km, enum action_id action);
/* All key names of an action ("Down j") into buf; "" when unbound. */
void keymap_keys_text(const struct keymap *km, enum action_id action, char *buf, size_t size);

#endif
